//! Lambda entry point of the import function (S3 ObjectCreated under `imports/`).

use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{LambdaEvent, service_fn};
use proxima::config::Config;
use proxima::state::AppState;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = Config::load().await?;
    proxima::telemetry::init(config.mode);
    let state = AppState::from_config(config).await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<S3Event>| {
        let state = state.clone();
        async move {
            let done = fn_import::handle(&state, &event.payload).await?;
            Ok::<usize, lambda_runtime::Error>(done.len())
        }
    }))
    .await
}
