//! The detail of each domain event, version 1. Adding an optional field keeps the version;
//! renaming, removing or retyping one is a new version (see `docs/events.md`).

use super::EventDetail;
use crate::domain::Period;
use crate::domain::invoice::credit_note::CreditNote;
use crate::domain::invoice::receivables::Payment;
use crate::domain::invoice::write_off::{WriteOff, WriteOffReason};
use crate::domain::ledger::client_payment::{ClientPayment, Refund};
use crate::invoice::{InvoiceHeader, InvoiceStatus};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An invoice number, never null once issued.
fn number(h: &InvoiceHeader) -> String {
    h.number.clone().unwrap_or_default()
}

/// `invoice.finalized`: a draft got its number and its PDF.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceFinalized {
    /// Schema version of this detail.
    pub version: u32,
    pub invoice_id: Uuid,
    /// `INV-YYYY-NNNNN`.
    pub number: String,
    pub client_key: String,
    #[schema(value_type = String, example = "2026-10", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Period,
    /// ISO 4217.
    pub currency: String,
    #[schema(value_type = String, example = "1187.50", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub subtotal: Decimal,
    #[schema(value_type = String, example = "142.50", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub tax_amount: Decimal,
    #[schema(value_type = String, example = "1330.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub total: Decimal,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    #[serde(with = "crate::domain::instant::millis")]
    pub finalized_at: DateTime<Utc>,
    /// Hex SHA-256 of the PDF as issued.
    pub pdf_sha256: String,
}

impl EventDetail for InvoiceFinalized {
    const NAME: &'static str = "invoice.finalized";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "A draft invoice got its number and its PDF.";
    fn subject(&self) -> String {
        self.invoice_id.to_string()
    }
}

impl InvoiceFinalized {
    /// The event of a just finalized invoice.
    pub fn of(h: &InvoiceHeader) -> Self {
        Self {
            version: Self::VERSION,
            invoice_id: h.id,
            number: number(h),
            client_key: h.client_key.clone(),
            period: h.period,
            currency: h.currency.clone(),
            subtotal: h.subtotal,
            tax_amount: h.tax_amount,
            total: h.total,
            issue_date: h.issue_date,
            due_date: h.due_date,
            finalized_at: h.finalized_at.unwrap_or(h.updated_at),
            pdf_sha256: h.pdf.as_ref().map(|p| p.sha256.clone()).unwrap_or_default(),
        }
    }
}

/// `invoice.sent`: an invoice was e-mailed with its PDF (accepted by the mail service).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceSent {
    /// Schema version of this detail.
    pub version: u32,
    pub invoice_id: Uuid,
    pub number: String,
    pub client_key: String,
    /// The id of the message record (`GET /invoices/{id}/messages`).
    pub message_id: Uuid,
    /// How many addresses it went to (`to` and `cc`; the addresses themselves stay in the
    /// message record).
    pub recipients: u32,
    #[serde(with = "crate::domain::instant::millis")]
    pub sent_at: DateTime<Utc>,
}

impl EventDetail for InvoiceSent {
    const NAME: &'static str = "invoice.sent";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "An issued invoice was e-mailed with its PDF.";
    fn subject(&self) -> String {
        self.invoice_id.to_string()
    }
}

impl InvoiceSent {
    /// The event of a sent message of `h`.
    pub fn of(h: &InvoiceHeader, message_id: Uuid, recipients: usize, at: DateTime<Utc>) -> Self {
        Self {
            version: Self::VERSION,
            invoice_id: h.id,
            number: number(h),
            client_key: h.client_key.clone(),
            message_id,
            recipients: u32::try_from(recipients).unwrap_or(u32::MAX),
            sent_at: at,
        }
    }
}

/// `reminder.sent`: a payment reminder of an invoice was e-mailed (accepted by the mail
/// service), on schedule or by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReminderSent {
    /// Schema version of this detail.
    pub version: u32,
    pub invoice_id: Uuid,
    pub number: String,
    pub client_key: String,
    /// The id of the message record (`GET /invoices/{id}/messages`).
    pub message_id: Uuid,
    /// The schedule's step; `null` for a reminder by hand.
    pub step: Option<crate::reminders::ReminderStep>,
    pub currency: String,
    /// What was still due when it was sent.
    #[schema(value_type = String, example = "1330.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount_due: Decimal,
    pub due_date: NaiveDate,
    /// How many addresses it went to.
    pub recipients: u32,
    #[serde(with = "crate::domain::instant::millis")]
    pub sent_at: DateTime<Utc>,
}

impl EventDetail for ReminderSent {
    const NAME: &'static str = "reminder.sent";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "A payment reminder of an invoice was e-mailed.";
    fn subject(&self) -> String {
        self.invoice_id.to_string()
    }
}

impl ReminderSent {
    /// The event of reminder `sent` of `h`.
    pub fn of(h: &InvoiceHeader, sent: &crate::domain::invoice::message::SentMessage) -> Self {
        Self {
            version: Self::VERSION,
            invoice_id: h.id,
            number: number(h),
            client_key: h.client_key.clone(),
            message_id: sent.id,
            step: sent.step,
            currency: h.currency.clone(),
            amount_due: sent.amount_due.unwrap_or(h.amount_due),
            due_date: h.due_date,
            recipients: u32::try_from(sent.to.len() + sent.cc.len()).unwrap_or(u32::MAX),
            sent_at: sent.sent_at,
        }
    }
}

/// `invoice.overdue`: an issued invoice with something still due passed its due date
/// (announced once, on the first day it is overdue, by the daily reminder run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceOverdue {
    /// Schema version of this detail.
    pub version: u32,
    pub invoice_id: Uuid,
    pub number: String,
    pub client_key: String,
    pub currency: String,
    #[schema(value_type = String, example = "1330.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount_due: Decimal,
    pub due_date: NaiveDate,
    /// The first day it is overdue (the company's calendar).
    pub overdue_on: NaiveDate,
}

impl EventDetail for InvoiceOverdue {
    const NAME: &'static str = "invoice.overdue";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str =
        "An issued invoice with something due passed its due date (once, its first overdue day).";
    fn subject(&self) -> String {
        self.invoice_id.to_string()
    }
}

impl InvoiceOverdue {
    /// The event of `h` becoming overdue on `day`.
    pub fn of(h: &InvoiceHeader, day: NaiveDate) -> Self {
        Self {
            version: Self::VERSION,
            invoice_id: h.id,
            number: number(h),
            client_key: h.client_key.clone(),
            currency: h.currency.clone(),
            amount_due: h.amount_due,
            due_date: h.due_date,
            overdue_on: day,
        }
    }
}

/// `invoice.voided`: a finalized invoice was voided; its number stays used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceVoided {
    /// Schema version of this detail.
    pub version: u32,
    pub invoice_id: Uuid,
    pub number: String,
    pub client_key: String,
    #[schema(value_type = String, example = "2026-10", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Period,
    pub currency: String,
    #[schema(value_type = String, example = "1330.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub total: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    pub voided_at: DateTime<Utc>,
}

impl EventDetail for InvoiceVoided {
    const NAME: &'static str = "invoice.voided";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "A finalized invoice was voided; its number stays used.";
    fn subject(&self) -> String {
        self.invoice_id.to_string()
    }
}

impl InvoiceVoided {
    /// The event of a just voided invoice.
    pub fn of(h: &InvoiceHeader) -> Self {
        Self {
            version: Self::VERSION,
            invoice_id: h.id,
            number: number(h),
            client_key: h.client_key.clone(),
            period: h.period,
            currency: h.currency.clone(),
            total: h.total,
            voided_at: h.updated_at,
        }
    }
}

/// `payment.recorded`: a payment was recorded against an invoice; `invoice_status` is the
/// invoice's status after it (`paid` when nothing is due).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PaymentRecorded {
    /// Schema version of this detail.
    pub version: u32,
    pub payment_id: Uuid,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub client_key: String,
    #[schema(value_type = String, example = "500.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount: Decimal,
    pub currency: String,
    pub paid_on: NaiveDate,
    /// What is still due after the payment.
    #[schema(value_type = String, example = "830.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount_due: Decimal,
    #[schema(inline)]
    pub invoice_status: InvoiceStatus,
    #[serde(with = "crate::domain::instant::millis")]
    pub recorded_at: DateTime<Utc>,
}

impl EventDetail for PaymentRecorded {
    const NAME: &'static str = "payment.recorded";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "A payment was recorded against an invoice.";
    fn subject(&self) -> String {
        self.payment_id.to_string()
    }
}

impl PaymentRecorded {
    /// The event of `payment`, with the invoice `h` after it.
    pub fn of(h: &InvoiceHeader, payment: &Payment) -> Self {
        Self {
            version: Self::VERSION,
            payment_id: payment.id,
            invoice_id: h.id,
            invoice_number: number(h),
            client_key: h.client_key.clone(),
            amount: payment.amount,
            currency: payment.currency.clone(),
            paid_on: payment.paid_on,
            amount_due: h.amount_due,
            invoice_status: h.status,
            recorded_at: payment.recorded_at,
        }
    }
}

/// `invoice.written_off`: part of what was due on an invoice was closed without money;
/// `invoice_status` is the invoice's status after it (`paid` when nothing is due).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceWrittenOff {
    /// Schema version of this detail.
    pub version: u32,
    pub write_off_id: Uuid,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub client_key: String,
    #[schema(value_type = String, example = "25.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount: Decimal,
    pub currency: String,
    #[schema(inline)]
    pub reason: WriteOffReason,
    /// What is still due after it.
    #[schema(value_type = String, example = "0.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount_due: Decimal,
    #[schema(inline)]
    pub invoice_status: InvoiceStatus,
    #[serde(with = "crate::domain::instant::millis")]
    pub recorded_at: DateTime<Utc>,
    /// Its value in soums at the Central Bank rate of the day (null for a UZS invoice's).
    #[serde(default)]
    #[schema(inline)]
    pub accounting: Option<crate::rates::equivalent::PaymentAccounting>,
}

impl EventDetail for InvoiceWrittenOff {
    const NAME: &'static str = "invoice.written_off";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str =
        "Part of what was due on an invoice was written off (a bank fee, a rounding, a bad debt).";
    fn subject(&self) -> String {
        self.write_off_id.to_string()
    }
}

impl InvoiceWrittenOff {
    /// The event of `write_off`, with the invoice `h` after it.
    pub fn of(h: &InvoiceHeader, write_off: &WriteOff) -> Self {
        Self {
            version: Self::VERSION,
            write_off_id: write_off.id,
            invoice_id: h.id,
            invoice_number: number(h),
            client_key: h.client_key.clone(),
            amount: write_off.amount,
            currency: write_off.currency.clone(),
            reason: write_off.reason,
            amount_due: h.amount_due,
            invoice_status: h.status,
            recorded_at: write_off.recorded_at,
            accounting: write_off.accounting.clone(),
        }
    }
}

/// `credit_note.issued`: a credit note was issued against an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreditNoteIssued {
    /// Schema version of this detail.
    pub version: u32,
    pub credit_note_id: Uuid,
    /// `CN-YYYY-NNNNN`.
    pub number: String,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub client_key: String,
    pub currency: String,
    /// The amount credited.
    #[schema(value_type = String, example = "212.80", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub total: Decimal,
    pub issue_date: NaiveDate,
    /// What is still due on the invoice after the note.
    #[schema(value_type = String, example = "0.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub invoice_amount_due: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    pub issued_at: DateTime<Utc>,
}

impl EventDetail for CreditNoteIssued {
    const NAME: &'static str = "credit_note.issued";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "A credit note was issued against an invoice.";
    fn subject(&self) -> String {
        self.credit_note_id.to_string()
    }
}

impl CreditNoteIssued {
    /// The event of `note`, with the credited invoice `h` after it.
    pub fn of(note: &CreditNote, h: &InvoiceHeader) -> Self {
        Self {
            version: Self::VERSION,
            credit_note_id: note.id,
            number: note.number.clone(),
            invoice_id: note.invoice_id,
            invoice_number: note.invoice_number.clone(),
            client_key: note.client_key.clone(),
            currency: note.currency.clone(),
            total: note.total,
            issue_date: note.issue_date,
            invoice_amount_due: h.amount_due,
            issued_at: note.created_at,
        }
    }
}

/// `month_end.completed`: the month-end run generated the drafts of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MonthEndCompleted {
    /// Schema version of this detail.
    pub version: u32,
    #[schema(value_type = String, example = "2026-10", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Period,
    /// Drafts created.
    pub created: u32,
    /// Clients skipped (a live invoice exists, or no billable work).
    pub skipped: u32,
    /// Clients whose draft failed.
    pub failed: u32,
    #[serde(with = "crate::domain::instant::millis")]
    pub completed_at: DateTime<Utc>,
}

impl EventDetail for MonthEndCompleted {
    const NAME: &'static str = "month_end.completed";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "The month-end run generated the drafts of a period.";
    fn subject(&self) -> String {
        self.period.to_string()
    }
}

impl MonthEndCompleted {
    /// The event of a finished run from its counts (the queue worker's `RunReport`).
    pub fn new(period: Period, created: u64, skipped: u64, failed: u64, at: DateTime<Utc>) -> Self {
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            version: Self::VERSION,
            period,
            created: count(created),
            skipped: count(skipped),
            failed: count(failed),
            completed_at: at,
        }
    }
}

/// `reminders.completed`: the day's reminder run handled every invoice it enqueued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RemindersCompleted {
    /// Schema version of this detail.
    pub version: u32,
    pub date: NaiveDate,
    pub sent: u32,
    pub skipped: u32,
    pub failed: u32,
    #[serde(with = "crate::domain::instant::millis")]
    pub completed_at: DateTime<Utc>,
}

impl EventDetail for RemindersCompleted {
    const NAME: &'static str = "reminders.completed";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "The day's reminder run handled every invoice it enqueued.";
    fn subject(&self) -> String {
        self.date.to_string()
    }
}

impl RemindersCompleted {
    /// The event of a finished run from its counts.
    pub fn new(date: NaiveDate, sent: u64, skipped: u64, failed: u64, at: DateTime<Utc>) -> Self {
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            version: Self::VERSION,
            date,
            sent: count(sent),
            skipped: count(skipped),
            failed: count(failed),
            completed_at: at,
        }
    }
}

/// `payment.received`: a client's transfer was recorded, allocated to its invoices and the
/// rest held as credit balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PaymentReceived {
    /// Schema version of this detail.
    pub version: u32,
    pub client_payment_id: Uuid,
    pub client_key: String,
    #[schema(value_type = String, example = "2000.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount: Decimal,
    pub currency: String,
    pub received_on: NaiveDate,
    /// The invoices paid and how much of each.
    pub allocations: Vec<AllocationDetail>,
    /// What went to the credit balance.
    #[schema(value_type = String, example = "670.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub unallocated: Decimal,
    /// The client's credit balance in the currency after it.
    #[schema(value_type = String, example = "670.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub credit_balance: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    pub recorded_at: DateTime<Utc>,
}

/// One invoice a transfer paid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationDetail {
    pub invoice_id: Uuid,
    pub invoice_number: String,
    #[schema(value_type = String, example = "1330.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount: Decimal,
    pub payment_id: Uuid,
}

impl EventDetail for PaymentReceived {
    const NAME: &'static str = "payment.received";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str =
        "A client's transfer was recorded: allocated to invoices, the rest held as credit.";
    fn subject(&self) -> String {
        self.client_payment_id.to_string()
    }
}

impl PaymentReceived {
    /// The event of `p`, with the account's credit balance after it.
    pub fn of(p: &ClientPayment, credit_balance: Decimal) -> Self {
        Self {
            version: Self::VERSION,
            client_payment_id: p.id,
            client_key: p.client_key.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            received_on: p.received_on,
            allocations: p
                .allocations
                .iter()
                .map(|a| AllocationDetail {
                    invoice_id: a.invoice_id,
                    invoice_number: a.invoice_number.clone(),
                    amount: a.amount,
                    payment_id: a.payment_id,
                })
                .collect(),
            unallocated: p.unallocated,
            credit_balance,
            recorded_at: p.recorded_at,
        }
    }
}

/// `credit.applied`: part of a client's credit balance paid an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreditApplied {
    /// Schema version of this detail.
    pub version: u32,
    /// The invoice's payment of method `credit_balance`.
    pub payment_id: Uuid,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub client_key: String,
    #[schema(value_type = String, example = "150.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount: Decimal,
    pub currency: String,
    /// What is still due on the invoice after it.
    #[schema(value_type = String, example = "0.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount_due: Decimal,
    /// The client's credit balance in the currency after it.
    #[schema(value_type = String, example = "0.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub credit_balance: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    pub recorded_at: DateTime<Utc>,
}

impl EventDetail for CreditApplied {
    const NAME: &'static str = "credit.applied";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "Part of a client's credit balance paid an invoice.";
    fn subject(&self) -> String {
        self.payment_id.to_string()
    }
}

impl CreditApplied {
    /// The event of `payment` (of method `credit_balance`), with the invoice `h` and the
    /// credit balance after it.
    pub fn of(h: &InvoiceHeader, payment: &Payment, credit_balance: Decimal) -> Self {
        Self {
            version: Self::VERSION,
            payment_id: payment.id,
            invoice_id: h.id,
            invoice_number: number(h),
            client_key: h.client_key.clone(),
            amount: payment.amount,
            currency: payment.currency.clone(),
            amount_due: h.amount_due,
            credit_balance,
            recorded_at: payment.recorded_at,
        }
    }
}

/// `refund.paid`: part of a client's credit balance was paid back to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RefundPaid {
    /// Schema version of this detail.
    pub version: u32,
    pub refund_id: Uuid,
    pub client_key: String,
    #[schema(value_type = String, example = "150.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub amount: Decimal,
    pub currency: String,
    pub paid_on: NaiveDate,
    /// The client's credit balance in the currency after it.
    #[schema(value_type = String, example = "0.00", pattern = "^-?[0-9]+(\\.[0-9]+)?$")]
    pub credit_balance: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    pub recorded_at: DateTime<Utc>,
}

impl EventDetail for RefundPaid {
    const NAME: &'static str = "refund.paid";
    const VERSION: u32 = 1;
    const DESCRIPTION: &'static str = "Part of a client's credit balance was paid back to it.";
    fn subject(&self) -> String {
        self.refund_id.to_string()
    }
}

impl RefundPaid {
    /// The event of `r`, with the credit balance after it.
    pub fn of(r: &Refund, credit_balance: Decimal) -> Self {
        Self {
            version: Self::VERSION,
            refund_id: r.id,
            client_key: r.client_key.clone(),
            amount: r.amount,
            currency: r.currency.clone(),
            paid_on: r.paid_on,
            credit_balance,
            recorded_at: r.recorded_at,
        }
    }
}

/// Every event's schema, in the order of `docs/events.md`: a new event is its detail type
/// above, its `EventDetail` impl (name, version, description) and one line here.
pub fn all_schemas() -> Vec<super::schema::EventSchema> {
    use super::schema::schema_of;
    vec![
        schema_of::<InvoiceFinalized>(),
        schema_of::<InvoiceSent>(),
        schema_of::<InvoiceVoided>(),
        schema_of::<PaymentRecorded>(),
        schema_of::<InvoiceWrittenOff>(),
        schema_of::<PaymentReceived>(),
        schema_of::<CreditApplied>(),
        schema_of::<RefundPaid>(),
        schema_of::<CreditNoteIssued>(),
        schema_of::<MonthEndCompleted>(),
        schema_of::<InvoiceOverdue>(),
        schema_of::<ReminderSent>(),
        schema_of::<RemindersCompleted>(),
    ]
}
