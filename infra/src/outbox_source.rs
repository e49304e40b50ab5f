//! Drives the events relay the way the table's stream does in the cloud: the new outbox
//! items, oldest first, handed to the relay function as the real DynamoDB stream event JSON
//! (`aws_lambda_events` `dynamodb::Event`, `INSERT` records with the item as `NewImage`). The
//! relay publishes them and removes what it published, so what it names in
//! `batchItemFailures` stays in the outbox and comes back on the next poll. The local server
//! and the tests run it against the emulator (which has no stream of its own to read).

use anyhow::{Context, Result};
use aws_lambda_events::event::dynamodb::Event;
use proxima::events::DomainEvent;
use proxima::ports::{EventPublisher, Outbox};
use proxima::store::dynamo::image_of;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Outbox items per event (the event source mapping's `BatchSize` in `template.yaml`).
pub const BATCH_SIZE: u32 = 25;

/// The stream record of `event`'s new outbox item, as the DynamoDB stream hands it to
/// Lambda (`NEW_IMAGE`; the sequence number is the event id, in the same order).
pub fn stream_record(event: &DomainEvent) -> Result<Value> {
    let image = serde_json::to_value(image_of(event)?)?;
    Ok(json!({
        "eventID": event.id.simple().to_string(),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1793592000,
            "Keys": {"pk": image["pk"].clone(), "sk": image["sk"].clone()},
            "NewImage": image,
            "SequenceNumber": event.id.simple().to_string(),
            "SizeBytes": 256,
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/proxima-local/stream/2026-10-01T00:00:00.000",
    }))
}

/// An outbox and the bus its events go to.
#[derive(Clone)]
pub struct OutboxSource {
    pub outbox: Arc<dyn Outbox>,
    pub publisher: Arc<dyn EventPublisher>,
}

/// What one poll did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Poll {
    /// Events handed to the relay.
    pub received: usize,
    /// Events the relay reported as failed (left in the outbox).
    pub failed: usize,
}

impl OutboxSource {
    /// Hand the oldest pending outbox items to the relay once.
    pub async fn poll_once(&self) -> Result<Poll> {
        let pending = self
            .outbox
            .pending(BATCH_SIZE)
            .await
            .context("read the outbox")?;
        if pending.is_empty() {
            return Ok(Poll::default());
        }
        let records = pending
            .iter()
            .map(stream_record)
            .collect::<Result<Vec<Value>>>()?;
        let event: Event = serde_json::from_value(json!({ "Records": Value::Array(records) }))
            .context("the stream event JSON")?;
        let response =
            fn_events_relay::handle(self.publisher.as_ref(), self.outbox.as_ref(), &event).await;
        Ok(Poll {
            received: pending.len(),
            failed: response.batch_item_failures.len(),
        })
    }

    /// Poll until every pending event is relayed or refused (the tests' "wait for the
    /// stream").
    pub async fn drain(&self) -> Result<Poll> {
        let mut total = Poll::default();
        loop {
            let poll = self.poll_once().await?;
            total.received += poll.received;
            total.failed += poll.failed;
            if poll.received == 0 || poll.failed > 0 {
                return Ok(total);
            }
        }
    }

    /// Relay forever: at once while there is more, every `idle` when the outbox is empty.
    pub async fn run(self, idle: Duration) {
        loop {
            match self.poll_once().await {
                Ok(poll) if poll.received > 0 && poll.failed == 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox poll failed"),
            }
            tokio::time::sleep(idle).await;
        }
    }
}
