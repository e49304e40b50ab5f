//! Lambda entry point of the import function (S3 ObjectCreated under `imports/`): DynamoDB
//! and S3, no JWT secret.

use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let state = ColdStart::begin().await?.dynamodb_and_s3().await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<S3Event>| {
        let state = state.clone();
        async move {
            let done = fn_import::handle(&state, &event.payload).await?;
            Ok::<usize, lambda_runtime::Error>(done.len())
        }
    }))
    .await
}
