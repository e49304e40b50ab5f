//! Lambda entry point of the e-invoice function: the JWT secret, DynamoDB (invoices and
//! credit notes) and S3 (the archive the e-invoices are stored in).

use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let state = ColdStart::begin()
        .await?
        .with_jwt_secret()
        .await?
        .dynamodb_and_s3()
        .await;
    proxima::http::lambda::serve(state, fn_einvoice::router).await
}
