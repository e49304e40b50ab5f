//! The [`EventPublisher`] on Amazon EventBridge: one `PutEvents` per call, on the bus named
//! by `EVENT_BUS_NAME`, source [`crate::events::SOURCE`].

use crate::events::{DomainEvent, SOURCE};
use crate::ports::EventPublisher;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// Most entries EventBridge takes in one `PutEvents`.
const MAX_ENTRIES: usize = 10;

/// Publishes to one bus.
pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgePublisher {
    /// A publisher to the bus `bus` (name or ARN).
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: &[DomainEvent]) -> Result<()> {
        for batch in events.chunks(MAX_ENTRIES) {
            let entries = batch
                .iter()
                .map(|e| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(SOURCE)
                        .detail_type(&e.detail_type)
                        .detail(e.published_detail().to_string())
                        .build()
                })
                .collect();
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| {
                    Error::Unavailable(format!(
                        "EventBridge PutEvents: {}",
                        aws_sdk_eventbridge::error::DisplayErrorContext(&e)
                    ))
                })?;
            if out.failed_entry_count > 0 {
                let reasons: Vec<String> = out
                    .entries()
                    .iter()
                    .filter_map(|r| {
                        r.error_code()
                            .map(|c| format!("{c}: {:?}", r.error_message()))
                    })
                    .collect();
                return Err(Error::Unavailable(format!(
                    "EventBridge refused {} of {} events: {}",
                    out.failed_entry_count,
                    batch.len(),
                    reasons.join("; ")
                )));
            }
        }
        Ok(())
    }
}
