//! The one front door of the invoice use cases: [`InvoiceService`] holds every port they
//! need and offers each use case as a method. Each use case that changes an invoice decides
//! its domain event too and writes it with the change (the outbox, see [`crate::events`]).
//! Every handler, the month-end function and the tests go through it
//! (`AppState::invoice_service`); the modules behind it (drafting, finalize, collection,
//! sending, credit notes, acts) each take only the ports they use.

use super::collection;
use super::credit_notes_service::{self, CreditNoteSummary, CreditNotes, IssuedCreditNote};
use super::drafting::{self, Actor, BulkOutcome, GenerateRequest, Stores};
#[cfg(feature = "einvoice")]
use super::einvoice_download::{self, EInvoiceDownload, EInvoices};
use super::finalize::{self, Issuing, PdfDownload};
use super::reminding;
use super::sending::{self, SendRequest, Sender, Sending, SentMessage};
use crate::Result;
use crate::domain::invoice::credit_note::{CreditNote, CreditNoteRequest};
use crate::domain::invoice::edit::{InvoicePatch, LineItemsPatch};
use crate::domain::invoice::history::HistoryEntry;
use crate::domain::invoice::model::{GroupBy, Invoice, InvoiceFilter, InvoiceHeader};
use crate::domain::invoice::receivables::{Payment, PaymentRequest};
use crate::domain::invoice::write_off::{WriteOff, WriteOffLimit, WriteOffRequest};
use crate::domain::issuer::Issuer;
use crate::domain::{Page, PageRequest, Period};
#[cfg(feature = "einvoice")]
use crate::einvoice::Format;
use crate::ports::{
    ClientStore, CreditNoteFilter, CreditNoteStore, DocumentStore, InvoiceNumbering, InvoiceStore,
    Mailer, SentMessageStore, WorklogStore,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Every port the invoice use cases need, and the configuration they read.
#[derive(Clone, Copy)]
pub struct InvoiceService<'a> {
    pub clients: &'a dyn ClientStore,
    pub worklogs: &'a dyn WorklogStore,
    pub invoices: &'a dyn InvoiceStore,
    pub numbering: &'a dyn InvoiceNumbering,
    /// Clients' accounts, posted to by every write that moves money.
    pub ledger: &'a dyn crate::ports::LedgerStore,
    pub credit_notes: &'a dyn CreditNoteStore,
    pub documents: &'a dyn DocumentStore,
    /// E-mail out (SES), and the record of what was sent.
    pub mailer: &'a dyn Mailer,
    pub messages: &'a dyn SentMessageStore,
    /// The sender of invoice e-mails (`MAIL_FROM`).
    pub mail_from: Option<&'a str>,
    /// How many e-mails one user may send per day, and the counter.
    pub send_quota: sending::SendQuota<'a>,
    /// The issuer printed on documents finalized now.
    pub issuer: &'a Issuer,
    /// The Central Bank rates (the UZS equivalent of a finalized invoice).
    pub rates: &'a dyn crate::ports::RateStore,
    /// Life of presigned document URLs.
    pub url_ttl_secs: u64,
    /// What an accountant may leave written off one invoice, per currency.
    pub write_off_tolerance: &'a crate::domain::invoice::write_off::Tolerance,
}

impl<'a> InvoiceService<'a> {
    fn stores(&self) -> Stores<'a> {
        Stores {
            clients: self.clients,
            worklogs: self.worklogs,
            invoices: self.invoices,
            ledger: self.ledger,
        }
    }

    fn issuing(&self) -> Issuing<'a> {
        Issuing {
            clients: self.clients,
            invoices: self.invoices,
            numbering: self.numbering,
            ledger: self.ledger,
            documents: self.documents,
            issuer: self.issuer,
            rates: self.rates,
        }
    }

    fn sending(&self) -> Sending<'a> {
        Sending {
            issuing: self.issuing(),
            clients: self.clients,
            worklogs: self.worklogs,
            mailer: self.mailer,
            messages: self.messages,
            mail_from: self.mail_from,
            quota: self.send_quota,
        }
    }

    fn notes(&self) -> CreditNotes<'a> {
        CreditNotes {
            clients: self.clients,
            invoices: self.invoices,
            notes: self.credit_notes,
            ledger: self.ledger,
            documents: self.documents,
            issuer: self.issuer,
            rates: self.rates,
        }
    }

    /// The invoice `generate` would create now; saved nowhere.
    pub async fn prefill(&self, req: &GenerateRequest, actor: &Actor) -> Result<Invoice> {
        drafting::prefill(self.stores(), req, actor).await
    }

    /// A new draft for a client and period.
    pub async fn generate(&self, req: &GenerateRequest, actor: &Actor) -> Result<Invoice> {
        drafting::generate(self.stores(), req, actor).await
    }

    /// One draft per active client with billable work in `period`.
    pub async fn generate_bulk(&self, period: Period, actor: &Actor) -> Result<BulkOutcome> {
        drafting::generate_bulk(self.stores(), period, actor).await
    }

    /// One invoice.
    pub async fn get(&self, id: Uuid) -> Result<Invoice> {
        drafting::get(self.stores(), id).await
    }

    /// Invoices newest first.
    pub async fn list(
        &self,
        filter: &InvoiceFilter,
        page: PageRequest,
    ) -> Result<Page<InvoiceHeader>> {
        drafting::list(self.stores(), filter, page).await
    }

    /// The edit history, newest first.
    pub async fn history(&self, id: Uuid, page: PageRequest) -> Result<Page<HistoryEntry>> {
        drafting::history(self.stores(), id, page).await
    }

    /// Change a draft's header fields.
    pub async fn update(
        &self,
        id: Uuid,
        version: u64,
        patch: &InvoicePatch,
        actor: &Actor,
    ) -> Result<Invoice> {
        drafting::update(self.stores(), id, version, patch, actor).await
    }

    /// The rule errors `patch` would get on invoice `id`, without writing.
    pub async fn patch_errors(
        &self,
        id: Uuid,
        patch: &InvoicePatch,
        today: chrono::NaiveDate,
    ) -> Result<Vec<crate::FieldError>> {
        drafting::patch_errors(self.stores(), id, patch, today).await
    }

    /// Change a draft's lines, all or nothing.
    pub async fn update_lines(
        &self,
        id: Uuid,
        version: u64,
        patch: &LineItemsPatch,
        actor: &Actor,
    ) -> Result<Invoice> {
        drafting::update_lines(self.stores(), id, version, patch, actor).await
    }

    /// Rebuild a draft's worklog lines, optionally regrouped.
    pub async fn regenerate(
        &self,
        id: Uuid,
        version: u64,
        group_by: Option<GroupBy>,
        actor: &Actor,
    ) -> Result<drafting::RegeneratedInvoice> {
        drafting::regenerate(self.stores(), id, version, group_by, actor).await
    }

    /// Number, freeze and render a draft.
    pub async fn finalize(
        &self,
        id: Uuid,
        expected_version: Option<u64>,
        actor: &Actor,
    ) -> Result<Invoice> {
        finalize::finalize(self.issuing(), id, expected_version, &actor.name, actor.now).await
    }

    /// E-mail an issued invoice with its PDF; the record of the message.
    pub async fn send(
        &self,
        id: Uuid,
        req: &SendRequest,
        actor: &Actor,
        sender: &Sender<'_>,
    ) -> Result<(Invoice, SentMessage)> {
        sending::send(self.sending(), id, req, actor, sender).await
    }

    /// E-mail a payment reminder of a finalized invoice with something due, now.
    pub async fn remind(
        &self,
        id: Uuid,
        req: &SendRequest,
        actor: &Actor,
        sender: &Sender<'_>,
    ) -> Result<SentMessage> {
        reminding::remind(self.sending(), id, req, actor, sender).await
    }

    /// E-mail reminder `step` of `invoice`, once per invoice and step (the daily run).
    pub async fn remind_step(
        &self,
        invoice: &Invoice,
        client: Option<&crate::domain::Client>,
        step: crate::reminders::ReminderStep,
        actor: &Actor,
    ) -> Result<reminding::StepReminder> {
        reminding::remind_step(self.sending(), invoice, client, step, actor).await
    }

    /// The e-mails sent for an invoice, oldest first.
    pub async fn messages(&self, id: Uuid) -> Result<Vec<SentMessage>> {
        sending::messages(self.sending(), id).await
    }

    /// A presigned download of an issued invoice's PDF.
    pub async fn pdf(&self, id: Uuid, now: DateTime<Utc>) -> Result<PdfDownload> {
        finalize::pdf_download(self.issuing(), id, self.url_ttl_secs, now).await
    }

    /// A presigned download of an issued invoice's act of completed work.
    pub async fn act(&self, id: Uuid, now: DateTime<Utc>) -> Result<PdfDownload> {
        super::act::act_download(self.issuing(), id, self.url_ttl_secs, now).await
    }

    /// Write off part of what is due: an admin any amount (`admin`), others up to the
    /// tolerance of the invoice's currency.
    pub async fn write_off(
        &self,
        id: Uuid,
        req: &WriteOffRequest,
        admin: bool,
        actor: &Actor,
    ) -> Result<(Invoice, WriteOff)> {
        let limit = if admin {
            WriteOffLimit::Any
        } else {
            WriteOffLimit::UpTo(self.write_off_tolerance)
        };
        collection::write_off(self.stores(), self.rates, id, req, limit, actor).await
    }

    /// Pay part of what is due from the client's credit balance: the payment and the
    /// credit balance left.
    pub async fn apply_credit(
        &self,
        id: Uuid,
        req: &crate::domain::ledger::client_payment::ApplyCreditRequest,
        actor: &Actor,
    ) -> Result<(
        Invoice,
        (
            crate::domain::invoice::receivables::Payment,
            rust_decimal::Decimal,
        ),
    )> {
        collection::apply_credit(self.stores(), id, req, actor).await
    }

    /// The write-offs of an invoice, reversed ones included, oldest first.
    pub async fn write_offs(&self, id: Uuid) -> Result<Vec<WriteOff>> {
        collection::write_offs(self.stores(), id).await
    }

    /// Reverse a write-off (admins).
    pub async fn reverse_write_off(
        &self,
        id: Uuid,
        write_off_id: Uuid,
        reason: &str,
        actor: &Actor,
    ) -> Result<(Invoice, WriteOff)> {
        collection::reverse_write_off(self.stores(), id, write_off_id, reason, actor).await
    }

    /// Record a payment.
    pub async fn record_payment(
        &self,
        id: Uuid,
        req: &PaymentRequest,
        actor: &Actor,
    ) -> Result<(Invoice, Payment)> {
        collection::record_payment(self.stores(), self.rates, id, req, actor).await
    }

    /// The payments of an invoice.
    pub async fn payments(&self, id: Uuid) -> Result<Vec<Payment>> {
        collection::payments(self.stores(), id).await
    }

    /// Reverse a payment.
    pub async fn reverse_payment(
        &self,
        id: Uuid,
        payment_id: Uuid,
        reason: &str,
        actor: &Actor,
    ) -> Result<(Invoice, Payment)> {
        collection::reverse_payment(self.stores(), id, payment_id, reason, actor).await
    }

    /// Void a finalized invoice.
    pub async fn void(&self, id: Uuid, reason: &str, actor: &Actor) -> Result<Invoice> {
        collection::void(self.stores(), id, reason, actor).await
    }

    /// Delete a draft.
    pub async fn delete_draft(&self, id: Uuid, version: u64, actor: &Actor) -> Result<()> {
        collection::delete_draft(self.stores(), id, version, actor).await
    }

    /// Issue a credit note against an invoice.
    pub async fn issue_credit_note(
        &self,
        id: Uuid,
        req: &CreditNoteRequest,
        actor: &Actor,
    ) -> Result<IssuedCreditNote> {
        credit_notes_service::issue(self.notes(), id, req, actor).await
    }

    /// One credit note.
    pub async fn credit_note(&self, id: Uuid) -> Result<CreditNote> {
        credit_notes_service::get(self.notes(), id).await
    }

    /// Credit notes newest first.
    pub async fn credit_notes(
        &self,
        filter: &CreditNoteFilter,
        page: PageRequest,
    ) -> Result<Page<CreditNoteSummary>> {
        credit_notes_service::list(self.notes(), filter, page).await
    }

    #[cfg(feature = "einvoice")]
    fn einvoices(&self) -> EInvoices<'a> {
        EInvoices {
            invoices: self.invoices,
            notes: self.credit_notes,
            documents: self.documents,
        }
    }

    /// A presigned download of an issued invoice's e-invoice.
    #[cfg(feature = "einvoice")]
    pub async fn einvoice(
        &self,
        id: Uuid,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<EInvoiceDownload> {
        einvoice_download::invoice_einvoice(self.einvoices(), id, format, self.url_ttl_secs, now)
            .await
    }

    /// A presigned download of a credit note's e-invoice.
    #[cfg(feature = "einvoice")]
    pub async fn credit_note_einvoice(
        &self,
        id: Uuid,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<EInvoiceDownload> {
        einvoice_download::credit_note_einvoice(
            self.einvoices(),
            id,
            format,
            self.url_ttl_secs,
            now,
        )
        .await
    }

    /// A presigned download of a credit note's PDF.
    pub async fn credit_note_pdf(&self, id: Uuid, now: DateTime<Utc>) -> Result<PdfDownload> {
        credit_notes_service::pdf_download(self.notes(), id, self.url_ttl_secs, now).await
    }
}
