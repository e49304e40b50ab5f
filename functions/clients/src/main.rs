//! Lambda entry point of the clients function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    proxima::http::lambda::serve(fn_clients::router).await
}
