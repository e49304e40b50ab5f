//! The relay from the outbox to the bus: publish events in order, ten at a time, and remove
//! each published one from the outbox. A batch the bus refused stops the pass (what follows
//! is reported failed too, so the stream delivers it again in order); a published batch
//! whose removal failed is published again later, which consumers dedupe by `event_id`.
//! Delivery is therefore at least once.

use super::DomainEvent;
use crate::ports::{EventPublisher, Outbox};
use uuid::Uuid;

/// The `alert` field of the log line of events the bus refused (a CloudWatch metric filter
/// counts these and alarms, see `template.yaml` `EventsNotRelayedAlarm`); the stream or the
/// local relay delivers them again.
pub const NOT_RELAYED_ALERT: &str = "event_not_relayed";

/// Most entries EventBridge takes in one `PutEvents`.
const BATCH: usize = 10;

/// What one pass of the relay did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relayed {
    /// Events the bus accepted.
    pub published: Vec<Uuid>,
    /// Events not published in this pass (the first refused batch and all after it).
    pub failed: Vec<Uuid>,
}

/// Publish `events` (oldest first) and remove the published ones from `outbox`.
pub async fn relay(
    publisher: &dyn EventPublisher,
    outbox: &dyn Outbox,
    events: &[DomainEvent],
) -> Relayed {
    let mut out = Relayed::default();
    for (i, batch) in events.chunks(BATCH).enumerate() {
        let ids: Vec<Uuid> = batch.iter().map(|e| e.id).collect();
        match publisher.publish(batch).await {
            Ok(()) => {
                if let Err(e) = outbox.remove(&ids).await {
                    tracing::warn!(error = ?e, events = ids.len(), "published events stay in the outbox; they will be published again");
                }
                out.published.extend(ids);
            }
            Err(e) => {
                for event in &events[i * BATCH..] {
                    tracing::error!(
                        alert = NOT_RELAYED_ALERT,
                        event_id = %event.id,
                        detail_type = %event.detail_type,
                        subject = %event.subject,
                        error = ?e,
                        "domain event not relayed; it stays in the outbox"
                    );
                    out.failed.push(event.id);
                }
                return out;
            }
        }
    }
    out
}
