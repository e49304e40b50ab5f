//! Lambda entry point of the month-end function (EventBridge Scheduler): DynamoDB and the
//! month-end queue.

use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let cold = ColdStart::begin().await?;
    let tz = fn_month_end::timezone_from_env()?;
    let queue = cold.job_queue(&fn_month_end::queue_url_from_env()?);
    let state = cold.dynamodb();
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let (state, queue, tz) = (state.clone(), queue.clone(), tz.clone());
        async move {
            let summary =
                fn_month_end::handle(&state, &queue, &event.payload, &tz, chrono::Utc::now())
                    .await?;
            Ok::<Value, lambda_runtime::Error>(serde_json::to_value(&summary)?)
        }
    }))
    .await
}
