//! Lambda entry point of the health function: DynamoDB and S3 clients (both are checked by
//! `/readyz`), no JWT secret (no route checks a token).

use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let state = ColdStart::begin().await?.dynamodb_and_s3().await;
    proxima::http::lambda::serve(state, fn_health::router).await
}
