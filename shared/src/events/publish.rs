//! Publishing after the commit. The change an event describes is already stored when this
//! runs, so a failure here must not fail the request: it is logged with
//! `alert = "event_not_published"` (a CloudWatch metric filter counts these and alarms, see
//! `template.yaml` `EventsNotPublishedAlarm`) together with the whole event, so it can be
//! replayed by hand. Delivery is therefore at most once; `docs/guarantees.md` says why.

use super::DomainEvent;
use crate::ports::EventPublisher;

/// The `alert` field of the log line of an event that was not published.
pub const NOT_PUBLISHED_ALERT: &str = "event_not_published";

/// Publish events of a change that has committed; never fails (see the module docs).
pub async fn publish_committed(publisher: &dyn EventPublisher, events: Vec<DomainEvent>) {
    if events.is_empty() {
        return;
    }
    if let Err(e) = publisher.publish(&events).await {
        for event in &events {
            tracing::error!(
                alert = NOT_PUBLISHED_ALERT,
                detail_type = event.detail_type,
                subject = %event.subject,
                detail = %event.detail,
                error = ?e,
                "domain event not published"
            );
        }
    }
}
