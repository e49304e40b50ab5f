//! Domain events for other systems: what happened, after it has committed.
//!
//! Each event is an EventBridge entry with source [`SOURCE`], the event's name as detail-type
//! (`invoice.finalized`, ...) and a JSON detail that starts with its schema `version`. The
//! detail types here are the contract: their JSON Schemas are generated from them
//! ([`schema::all`]) and committed under `docs/events/`; `docs/events.md` says how they are
//! versioned and delivered. Events carry ids, numbers, amounts and dates, never addresses
//! or other personal data: a subscriber that needs more reads the API.

pub mod details;
pub mod publish;
pub mod schema;

pub use details::{
    CreditNoteIssued, InvoiceFinalized, InvoiceSent, InvoiceVoided, MonthEndCompleted,
    PaymentRecorded,
};
pub use publish::publish_committed;

/// The EventBridge `source` of every event of this service.
pub const SOURCE: &str = "proxima.invoices";

/// One event ready to be published.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    /// The event's name, e.g. `invoice.finalized` (EventBridge `detail-type`).
    pub detail_type: &'static str,
    /// The detail: a JSON object whose `version` is the schema version.
    pub detail: serde_json::Value,
    /// The entity the event is about (for logs when it cannot be published).
    pub subject: String,
}

/// A detail type: its name and schema version, and how it becomes a [`DomainEvent`].
pub trait EventDetail: serde::Serialize {
    /// The detail-type, e.g. `invoice.finalized`.
    const NAME: &'static str;
    /// The schema version this type writes.
    const VERSION: u32;
    /// The id of what the event is about.
    fn subject(&self) -> String;

    /// The event, its detail serialized.
    fn event(&self) -> DomainEvent {
        DomainEvent {
            detail_type: Self::NAME,
            detail: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
            subject: self.subject(),
        }
    }
}
