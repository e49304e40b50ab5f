//! Lambda entry point of the invoices function: the JWT secret, DynamoDB and S3 (PDFs).

use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let state = ColdStart::begin()
        .await?
        .with_jwt_secret()
        .await?
        .dynamodb_and_s3()
        .await;
    proxima::http::lambda::serve(state, fn_invoices::router).await
}
