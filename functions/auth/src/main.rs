//! Lambda entry point of the auth function: the JWT secret and the DynamoDB client only.

use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let state = ColdStart::begin()
        .await?
        .with_jwt_secret()
        .await?
        .dynamodb();
    proxima::http::lambda::serve(state, fn_auth::router).await
}
