//! The events relay: the table's stream (filtered to new outbox items) delivers batches of
//! domain events written with their changes; this publishes them to the bus in order and
//! removes them from the outbox. A record whose event the bus refused, and every record
//! after it, is answered as a batch item failure (`ReportBatchItemFailures`): the stream
//! delivers them again, in order, until they are published or the retries run out (then the
//! batch's description goes to the relay's dead-letter queue, alarmed). Delivery is at least
//! once; consumers dedupe by the detail's `event_id`.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use proxima::events::{DomainEvent, relay};
use proxima::ports::{EventPublisher, Outbox};
use proxima::store::dynamo::event_from_image;

/// The stream record of a new outbox item, as an event; `None` for any other record (the
/// event source's filter lets none through) and for an item that is not an event.
fn event_of(record: &EventRecord) -> Option<DomainEvent> {
    if record.event_name != "INSERT" {
        return None;
    }
    match event_from_image(record.change.new_image.clone()) {
        Ok(event) => Some(event),
        Err(e) => {
            tracing::error!(sequence_number = ?record.change.sequence_number, error = ?e, "stream record is not an outbox event");
            None
        }
    }
}

/// Relay one batch of stream records; the answer names the records to deliver again.
pub async fn handle(
    publisher: &dyn EventPublisher,
    outbox: &dyn Outbox,
    event: &Event,
) -> DynamoDbEventResponse {
    let mut sequence_of = Vec::new();
    let mut events = Vec::new();
    for record in &event.records {
        if let Some(e) = event_of(record) {
            sequence_of.push((e.id, record.change.sequence_number.clone()));
            events.push(e);
        }
    }
    let relayed = relay(publisher, outbox, &events).await;
    let mut response = DynamoDbEventResponse::default();
    for (id, sequence) in sequence_of {
        if relayed.failed.contains(&id) {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
        }
    }
    if !relayed.failed.is_empty() {
        tracing::warn!(
            failed = relayed.failed.len(),
            published = relayed.published.len(),
            "events relay: part of the batch is delivered again"
        );
    }
    response
}
