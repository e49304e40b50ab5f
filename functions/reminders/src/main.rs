//! Lambda entry point of the reminders function (EventBridge Scheduler and the reminder
//! queue's SQS event source): DynamoDB, S3 (the archived PDFs), SES and the queue.

use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let cold = ColdStart::begin().await?.with_mailer();
    let tz = fn_reminders::timezone_from_env()?;
    let max_receives = fn_reminders::max_receives_from_env()?;
    let queue = cold.job_queue(&fn_reminders::queue_url_from_env()?);
    let state = cold.dynamodb_and_s3().await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let (state, queue, tz) = (state.clone(), queue.clone(), tz.clone());
        async move {
            let now = chrono::Utc::now();
            let answer = match fn_reminders::Invocation::of(event.payload)? {
                fn_reminders::Invocation::Batch(batch) => serde_json::to_value(
                    fn_reminders::work(&state, &batch, max_receives, now).await?,
                )?,
                fn_reminders::Invocation::Schedule(payload) => serde_json::to_value(
                    fn_reminders::schedule(&state, &queue, &payload, &tz, now).await?,
                )?,
            };
            Ok::<Value, lambda_runtime::Error>(answer)
        }
    }))
    .await
}
