//! Lambda entry point of the events relay (DynamoDB stream event source, filtered to new
//! outbox items, with `ReportBatchItemFailures`): EventBridge and DynamoDB only.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let state = ColdStart::begin().await?.with_events().dynamodb();
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| {
        let state = state.clone();
        async move {
            let response = fn_events_relay::handle(
                state.events.as_ref(),
                state.outbox.as_ref(),
                &event.payload,
            )
            .await;
            Ok::<DynamoDbEventResponse, lambda_runtime::Error>(response)
        }
    }))
    .await
}
