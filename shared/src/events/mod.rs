//! Domain events for other systems: what happened, delivered at least once.
//!
//! A use case decides the event together with the change it describes, and the store writes
//! it in the same transaction, as an outbox item ([`crate::ports::Outbox`]); a relay publishes the outbox
//! to the bus and removes what it published ([`relay`]). Every event carries a stable
//! `event_id` in its detail: a crash between publishing and removing publishes it again, so
//! consumers dedupe by that id.
//!
//! Each event is an EventBridge entry with source [`SOURCE`], the event's name as detail-type
//! (`invoice.finalized`, ...) and a JSON detail that starts with its schema `version`. The
//! detail types here are the contract: their JSON Schemas are generated from them
//! ([`all_schemas`]) and committed under `docs/events/`; `docs/events.md` says how they are
//! versioned and delivered. Events carry ids, numbers, amounts and dates, never addresses
//! or other personal data: a subscriber that needs more reads the API.

pub mod details;
pub mod relay;
pub mod schema;

pub use details::{
    CreditApplied, CreditNoteIssued, InvoiceFinalized, InvoiceOverdue, InvoiceSent, InvoiceVoided,
    InvoiceWrittenOff, MonthEndCompleted, PaymentReceived, PaymentRecorded, RefundPaid,
    ReminderSent, RemindersCompleted, all_schemas,
};
pub use relay::relay;

/// The EventBridge `source` of every event of this service.
pub const SOURCE: &str = "proxima.invoices";

/// One event, decided with its change and stored in the outbox until it is published.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    /// Stable id (UUID v7, so the outbox is in time order): the detail's `event_id`, by which
    /// consumers dedupe a redelivery.
    pub id: uuid::Uuid,
    /// The event's name, e.g. `invoice.finalized` (EventBridge `detail-type`).
    pub detail_type: String,
    /// The detail: a JSON object whose `version` is the schema version.
    pub detail: serde_json::Value,
    /// The entity the event is about (for logs and the outbox).
    pub subject: String,
}

impl DomainEvent {
    /// The detail as published: the stored detail with `event_id` set.
    pub fn published_detail(&self) -> serde_json::Value {
        let mut detail = self.detail.clone();
        if let Some(obj) = detail.as_object_mut() {
            obj.insert(
                "event_id".into(),
                serde_json::Value::String(self.id.to_string()),
            );
        }
        detail
    }
}

/// A detail type: its name and schema version, and how it becomes a [`DomainEvent`].
pub trait EventDetail: serde::Serialize {
    /// The detail-type, e.g. `invoice.finalized`.
    const NAME: &'static str;
    /// The schema version this type writes.
    const VERSION: u32;
    /// What happened, one sentence: the description of its committed JSON Schema.
    const DESCRIPTION: &'static str;
    /// The id of what the event is about.
    fn subject(&self) -> String;

    /// The event, its detail serialized, with a new id.
    fn event(&self) -> DomainEvent {
        DomainEvent {
            id: uuid::Uuid::now_v7(),
            detail_type: Self::NAME.to_string(),
            detail: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
            subject: self.subject(),
        }
    }
}
