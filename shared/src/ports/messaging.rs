//! The ports towards other parties: e-mail out ([`Mailer`]), domain events out
//! ([`EventPublisher`]), and the record of what was sent ([`SentMessageStore`]). Amazon SES
//! and EventBridge adapters implement them in [`crate::store`].

use crate::Result;
use crate::domain::invoice::message::SentMessage;
use crate::events::DomainEvent;
use async_trait::async_trait;
use uuid::Uuid;

/// A finished e-mail: the envelope and the whole MIME message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The sender address (a verified identity of the mail service).
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The RFC 5322 message, headers and body, as sent.
    pub raw: Vec<u8>,
}

/// The mail service's receipt of a message it accepted for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The mail service's id of the message.
    pub provider_message_id: String,
}

/// What became of a message handed to the mail service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted for delivery.
    Accepted(Accepted),
    /// Refused: nothing was sent (the detail is for logs).
    Refused(String),
    /// No answer (a time-out, a dropped connection): it may have been sent (the detail is for
    /// logs).
    Unknown(String),
}

/// Sends e-mail. One call is one message handed to the mail service; it is not retried by
/// the adapter (a retry after an unseen acceptance would send the message twice).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hand `mail` to the mail service.
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivery>;
}

/// Publishes domain events to the event bus. Only the relay calls it, with events read from
/// the outbox ([`crate::events::relay`]).
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publish `events` (at most 10); an error when any of them was not accepted.
    async fn publish(&self, events: &[DomainEvent]) -> Result<()>;
}

/// The record of what was sent or announced about invoices. E-mails are written `pending` before the mail service is
/// called, `accepted` once it accepted, and `sent` with the invoice (see
/// [`crate::ports::Companion::PutSentMessage`]).
#[async_trait]
pub trait SentMessageStore: Send + Sync {
    /// The messages of invoice `invoice_id` (pending, accepted and sent), oldest first.
    async fn sent_messages(&self, invoice_id: Uuid) -> Result<Vec<SentMessage>>;
    /// Write `message` (status `pending`) unless its id was claimed before (by a message
    /// pending, accepted or sent): `false` then. One id goes to the mail service once.
    async fn put_pending(&self, message: &SentMessage) -> Result<bool>;
    /// Mark `message` (pending or accepted) `sent` and store `event` in the outbox, in one
    /// write; `false` when it was already `sent` (nothing written). For messages that do
    /// not change their invoice (reminders).
    async fn record_sent(&self, message: &SentMessage, event: &DomainEvent) -> Result<bool>;
    /// Mark the pending `message` accepted, with its `provider_message_id`.
    async fn mark_accepted(&self, message: &SentMessage) -> Result<()>;
    /// Store `event` in the outbox unless invoice `invoice_id` had its `notice` before
    /// (`overdue`: the day it became overdue is announced once): `false` then, nothing
    /// stored.
    async fn announce_once(
        &self,
        invoice_id: Uuid,
        notice: &str,
        event: &DomainEvent,
    ) -> Result<bool>;
    /// Remove the pending `message` and give its id back (the mail service refused it:
    /// nothing was sent).
    async fn forget_pending(&self, message: &SentMessage) -> Result<()>;
}
