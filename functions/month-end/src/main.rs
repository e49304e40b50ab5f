//! Lambda entry point of the month-end function (EventBridge Scheduler): DynamoDB only.

use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let cold = ColdStart::begin().await?;
    let tz = fn_month_end::timezone_from_env()?;
    let state = cold.dynamodb();
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let (state, tz) = (state.clone(), tz.clone());
        async move {
            let outcome =
                fn_month_end::handle(&state, &event.payload, &tz, chrono::Utc::now()).await?;
            // Failed clients fail the invocation: Lambda retries, then the on-failure queue.
            let outcome = fn_month_end::outcome_result(outcome)?;
            Ok::<Value, lambda_runtime::Error>(serde_json::to_value(&outcome)?)
        }
    }))
    .await
}
