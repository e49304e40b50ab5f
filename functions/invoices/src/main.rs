//! Lambda entry point of the invoices function: the JWT secret, DynamoDB, S3 (PDFs), SES
//! (sending invoices) and EventBridge (domain events).

use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let state = ColdStart::begin()
        .await?
        .with_jwt_secret()
        .await?
        .with_mailer()
        .with_events()
        .dynamodb_and_s3()
        .await;
    proxima::http::lambda::serve(state, fn_invoices::router).await
}
