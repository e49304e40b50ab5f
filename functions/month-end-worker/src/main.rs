//! Lambda entry point of the month-end worker (SQS event source with
//! `ReportBatchItemFailures`): DynamoDB only.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let cold = ColdStart::begin().await?;
    let max_receives = fn_month_end_worker::max_receives_from_env()?;
    let state = cold.dynamodb();
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let state = state.clone();
        async move {
            let response = fn_month_end_worker::handle(
                &state,
                &event.payload,
                max_receives,
                chrono::Utc::now(),
            )
            .await;
            Ok::<SqsBatchResponse, lambda_runtime::Error>(response)
        }
    }))
    .await
}
