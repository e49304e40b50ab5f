//! Lambda entry point of the auth function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    proxima::http::lambda::serve(fn_auth::router).await
}
