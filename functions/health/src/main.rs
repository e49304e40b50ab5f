//! Lambda entry point of the health function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    proxima::http::lambda::serve(fn_health::router).await
}
