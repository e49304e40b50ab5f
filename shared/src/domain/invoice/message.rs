//! The record of one e-mail of an invoice and where it stands (pending, accepted, sent):
//! what the message store keeps and `GET /invoices/{id}/messages` serves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where an e-mail of an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// About to be handed to the mail service, or handed to it without an answer seen (a
    /// crash, a time-out): it may have been delivered.
    Pending,
    /// The mail service accepted it; the invoice's record of it is not written yet (a retry
    /// with the same `Idempotency-Key` writes it).
    Accepted,
    /// Accepted and recorded on the invoice (`sent_at`, history).
    #[default]
    Sent,
}

impl MessageStatus {
    /// The stored and served name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Sent => "sent",
        }
    }
}

/// What an e-mail of an invoice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// The invoice itself (`POST /invoices/{id}/send`).
    #[default]
    Invoice,
    /// A payment reminder: a step of the schedule, or by hand (`POST /invoices/{id}/remind`).
    Reminder,
}

/// One e-mail of an invoice: recorded `pending` before it goes to the mail service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentMessage {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    /// When it was handed to the mail service.
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub sent_at: DateTime<Utc>,
    /// Who sent it.
    pub sent_by: String,
    /// `sent` (recorded before this field existed: every one is `sent`).
    #[serde(default)]
    pub status: MessageStatus,
    /// The mail service's message id (Amazon SES); `null` while `pending`.
    #[serde(default)]
    pub provider_message_id: Option<String>,
    /// The attached PDF's file name.
    #[schema(example = "INV-2026-00042.pdf")]
    pub pdf_filename: String,
    /// Hex SHA-256 of the attached PDF (the invoice's `pdf.sha256`).
    pub pdf_sha256: String,
    pub pdf_size_bytes: u64,
    /// The timesheet attached beside the PDF (`attach_timesheet`), or `null`.
    #[serde(default)]
    #[schema(example = "INV-2026-00042-timesheet.pdf")]
    pub timesheet_filename: Option<String>,
    /// The act of completed work attached beside the PDF (`attach_act`), or `null`.
    #[serde(default)]
    #[schema(example = "INV-2026-00042-act.pdf")]
    pub act_filename: Option<String>,
    /// `invoice` (sent before this field existed: every one is `invoice`) or `reminder`.
    #[serde(default)]
    pub kind: MessageKind,
    /// The reminder's step of the schedule; `null` for the invoice and a reminder by hand.
    #[serde(default)]
    pub step: Option<crate::domain::reminder_step::ReminderStep>,
    /// A reminder's amount still due when it was sent; `null` for the invoice.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "decimal", example = "1330.00")]
    pub amount_due: Option<rust_decimal::Decimal>,
}
