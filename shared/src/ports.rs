//! The small storage traits the use cases are written against. The DynamoDB and S3
//! adapters in [`crate::store`] implement them.

use crate::Result;
use crate::domain::idempotency::{Claim, IdempotencyRecord, IdempotencyScope, StoredResponse};
use crate::domain::invoice::model::InvoiceFilter;
use crate::domain::{Client, DateRange, Page, PageRequest, Session, User, Worklog};
use crate::fan_out::JobKind;
use crate::fan_out::run::{Counts, ItemOutcome, Recorded, Run, RunEntry};
use crate::invoice::{HistoryEntry, Invoice, InvoiceHeader};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub mod messaging;
pub use messaging::{Accepted, Delivery, EventPublisher, Mailer, OutgoingMail, SentMessageStore};

/// Users by e-mail.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// The user with this (normalized) e-mail.
    async fn get_user(&self, email: &str) -> Result<Option<User>>;
    /// Create or replace a user, and its [`Session`] with it (one transaction).
    async fn put_user(&self, user: &User) -> Result<()>;
}

/// Users' sessions by e-mail: what every token check reads (never the password hash).
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The session of the user with this e-mail; `None` when there is no such user.
    async fn get_session(&self, email: &str) -> Result<Option<Session>>;
}

/// Refresh-token families (see [`crate::auth::refresh`]).
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// Store a new family.
    async fn put_family(&self, family: &crate::auth::refresh_family::RefreshFamily) -> Result<()>;
    /// The family `id`, if any.
    async fn get_family(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::auth::refresh_family::RefreshFamily>>;
    /// Replace the family by `next` if its current token hash is still `current_hash` and
    /// it is not revoked (one conditional write); `false` otherwise.
    async fn rotate(
        &self,
        current_hash: &str,
        next: &crate::auth::refresh_family::RefreshFamily,
    ) -> Result<bool>;
    /// Revoke the family `id` (idempotent).
    async fn revoke(&self, id: Uuid) -> Result<()>;
}

/// Whom a login attempt is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptScope<'a> {
    /// One e-mail from one source address: the hard limit.
    EmailFromSource { email: &'a str, source: &'a str },
    /// One e-mail from anywhere: the higher per-account ceiling.
    Email(&'a str),
    /// The invoice e-mails one user sent (`POST /invoices/{id}/send`), per day.
    Sends(&'a str),
}

/// The outcome of counting a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptCount {
    /// Counted in the window that started at `window_start` (Unix seconds); the attempt may
    /// go on to the password check.
    Counted { window_start: i64 },
    /// The limit was already reached in the current window, which ends in this many seconds.
    LimitReached { retry_after_secs: u64 },
}

/// Login attempts per window, shared by every Lambda instance. An attempt is counted before
/// the password is checked, by one conditional write that refuses once the limit is reached,
/// so concurrent requests can never get more than `limit` password checks per window.
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Count one attempt against `scope` in the window current at `now`, unless `limit`
    /// attempts are already counted in it. A window starts at its first attempt.
    async fn count_attempt(
        &self,
        scope: AttemptScope<'_>,
        limit: u32,
        window_secs: u64,
        now: DateTime<Utc>,
    ) -> Result<AttemptCount>;
    /// Give one attempt counted in the window that started at `window_start` back (the
    /// attempt was a successful login); nothing when that window is over.
    async fn refund_attempt(&self, scope: AttemptScope<'_>, window_start: i64) -> Result<()>;
}

/// Clients by key.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Every active client, ordered by key.
    async fn list_active_clients(&self) -> Result<Vec<Client>>;
    /// The keys of up to `limit` active clients after `after` (from the first when `None`),
    /// ordered by key; empty past the last.
    async fn active_client_keys(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>>;
    /// One page of the active (`true`) or inactive (`false`) clients, ordered by key, with
    /// the true total.
    async fn client_page(&self, active: bool, page: PageRequest) -> Result<Page<Client>>;
    /// One client, active or not.
    async fn get_client(&self, key: &str) -> Result<Option<Client>>;
    /// Create or replace a client.
    async fn put_client(&self, client: &Client) -> Result<()>;
}

/// Worklogs by client and date.
#[async_trait]
pub trait WorklogStore: Send + Sync {
    /// One page of a client's worklogs in `range`, ordered by date then id, with the total.
    async fn worklog_page(
        &self,
        client_key: &str,
        range: DateRange,
        page: PageRequest,
    ) -> Result<Page<Worklog>>;
    /// Every worklog of a client in `range`, ordered by date then id.
    async fn worklogs_in_range(&self, client_key: &str, range: DateRange) -> Result<Vec<Worklog>>;
    /// Create or replace worklogs by id (idempotent). Ids must be distinct.
    async fn put_worklogs(&self, worklogs: &[Worklog]) -> Result<()>;
    /// The stored worklogs among `ids` (consistent reads; unknown ids are left out).
    async fn get_worklogs(&self, ids: &[Uuid]) -> Result<Vec<Worklog>>;
    /// Delete `worklog` with its counts, only while it is still at its client and date:
    /// `false` when it changed or went meanwhile (nothing deleted).
    async fn delete_worklog(&self, worklog: &Worklog) -> Result<bool>;
}

/// Why the store did not apply a write to an invoice (a domain value: the rules word it).
pub use crate::domain::invoice::lifecycle::WriteRefused;

/// A write that goes with an invoice's replacement, in the same transaction.
#[derive(Debug, Clone, Copy)]
pub enum Companion<'a> {
    /// Store a new payment of the invoice.
    PutPayment(&'a crate::domain::invoice::receivables::Payment),
    /// Store a payment again, changed (its reversal).
    ReplacePayment(&'a crate::domain::invoice::receivables::Payment),
    /// Release the invoice's (client, period) guard: the period may be invoiced again.
    ReleasePeriodGuard,
    /// Store a new write-off of the invoice.
    PutWriteOff(&'a crate::domain::invoice::write_off::WriteOff),
    /// Store a write-off again, changed (its reversal).
    ReplaceWriteOff(&'a crate::domain::invoice::write_off::WriteOff),
    /// Store the record of an e-mail sent for the invoice.
    PutSentMessage(&'a crate::domain::invoice::message::SentMessage),
    /// Store the domain event of the change in the outbox ([`Outbox`]).
    PutEvent(&'a crate::events::DomainEvent),
    /// Book the change in the client's account ([`LedgerStore`]): the entries, and the
    /// head only if it is still as read.
    Post(&'a crate::domain::ledger::Posting),
}

/// What happened to a conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    Refused(WriteRefused),
}

/// Invoices with their lines and edit history. Every write is one DynamoDB transaction.
#[async_trait]
pub trait InvoiceStore: Send + Sync {
    /// Store a new draft and its first history entry, unless the client already has an
    /// invoice for the period (`Duplicate`, enforced by a guard item in the same
    /// transaction).
    async fn create_invoice(&self, invoice: &Invoice, entry: &HistoryEntry)
    -> Result<WriteOutcome>;
    /// One invoice with its lines.
    async fn get_invoice(&self, id: Uuid) -> Result<Option<Invoice>>;
    /// Invoices newest first, without lines, with the true total.
    async fn list_invoices(
        &self,
        filter: &InvoiceFilter,
        page: PageRequest,
    ) -> Result<Page<InvoiceHeader>>;
    /// Every header the key filters of `filter` (status, client, period) select, read
    /// whole in no order (one `Query` per index partition and 1 MB page; no count): what a
    /// report over all of them needs, e.g. the open items (`status = finalized`).
    async fn all_headers(&self, filter: &InvoiceFilter) -> Result<Vec<InvoiceHeader>>;
    /// The open (finalized) invoices of one client or of all, kept as
    /// [`crate::domain::ledger::aging::OpenInvoice`]s (their amounts and dates): the open
    /// items of the receivables reports, never the history.
    async fn open_invoices(
        &self,
        client_key: Option<&str>,
    ) -> Result<Vec<crate::domain::ledger::aging::OpenInvoice>>;
    /// Replace `before` by `after`, apply `companions` and append `entry`, all in one
    /// transaction and only if the stored invoice is still what `before` says (status and
    /// version); else `Changed` (or `Missing`) and nothing changes.
    async fn update_invoice(
        &self,
        before: &Invoice,
        after: &Invoice,
        entry: &HistoryEntry,
        companions: &[Companion<'_>],
    ) -> Result<WriteOutcome>;
    /// Delete the draft `before` (header and lines) and release its (client, period) guard,
    /// appending `entry` to its history, which stays; only if it is still that draft.
    async fn delete_draft(&self, before: &Invoice, entry: &HistoryEntry) -> Result<WriteOutcome>;
    /// The payments of an invoice, oldest first.
    async fn payments(&self, id: Uuid)
    -> Result<Vec<crate::domain::invoice::receivables::Payment>>;
    /// The write-offs of an invoice, oldest first.
    async fn write_offs(
        &self,
        id: Uuid,
    ) -> Result<Vec<crate::domain::invoice::write_off::WriteOff>>;
    /// Edit history, newest first.
    async fn invoice_history(&self, id: Uuid, page: PageRequest) -> Result<Page<HistoryEntry>>;
}

/// One invoice's replacement inside a wider write (a transfer over several invoices).
#[derive(Debug, Clone, Copy)]
pub struct InvoiceWrite<'a> {
    pub before: &'a Invoice,
    pub after: &'a Invoice,
    pub entry: &'a HistoryEntry,
    pub companions: &'a [Companion<'a>],
}

/// A record of a client's account written with a posting.
#[derive(Debug, Clone, Copy)]
pub enum AccountRecord<'a> {
    ClientPayment(&'a crate::domain::ledger::client_payment::ClientPayment),
    Refund(&'a crate::domain::ledger::client_payment::Refund),
}

/// Clients' accounts: per client and currency a head and numbered entries
/// ([`crate::domain::ledger`]), and the client payments and refunds booked in them.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// The head of the client's account in `currency` (a consistent read).
    async fn ledger_head(
        &self,
        client_key: &str,
        currency: &str,
    ) -> Result<Option<crate::domain::ledger::LedgerHead>>;
    /// The heads of every account of the client, by currency.
    async fn ledger_heads(
        &self,
        client_key: &str,
    ) -> Result<Vec<crate::domain::ledger::LedgerHead>>;
    /// The account's entries booked in `[from, to)`, in number order.
    async fn ledger_entries(
        &self,
        client_key: &str,
        currency: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::ledger::LedgerEntry>>;
    /// The account's last entry booked before `at` (a statement's opening balance).
    async fn last_entry_before(
        &self,
        client_key: &str,
        currency: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<crate::domain::ledger::LedgerEntry>>;
    /// Every account's entries booked before `at` (the aging of a day past).
    async fn all_entries_booked_before(
        &self,
        at: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::ledger::LedgerEntry>>;
    /// In one transaction: every invoice write, `records`, `posting` and `event`; `false`
    /// (nothing written) when an invoice or the account's head is no longer as read.
    async fn post(
        &self,
        invoices: &[InvoiceWrite<'_>],
        records: &[AccountRecord<'_>],
        posting: &crate::domain::ledger::Posting,
        event: Option<&crate::events::DomainEvent>,
    ) -> Result<bool>;
    /// The client's payments (transfers), oldest first.
    async fn client_payments(
        &self,
        client_key: &str,
    ) -> Result<Vec<crate::domain::ledger::client_payment::ClientPayment>>;
    /// The client's refunds, oldest first.
    async fn refunds(
        &self,
        client_key: &str,
    ) -> Result<Vec<crate::domain::ledger::client_payment::Refund>>;
}

/// Domain events not yet relayed to the bus. The stores write each one in the transaction of
/// the change it describes; the relay ([`crate::events::relay`]) publishes and removes them.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Up to `limit` events not yet relayed, oldest first.
    async fn pending(&self, limit: u32) -> Result<Vec<crate::events::DomainEvent>>;
    /// Remove events once published.
    async fn remove(&self, ids: &[Uuid]) -> Result<()>;
}

/// What happened to an attempt to finalize with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalizeOutcome {
    /// Number taken, invoice finalized.
    Done,
    /// Another finalize took this number first: read the counter again and retry.
    NumberTaken,
    /// The invoice is no longer the draft the finalize was based on.
    Refused(WriteRefused),
}

/// Gapless invoice numbering per year.
#[async_trait]
pub trait InvoiceNumbering: Send + Sync {
    /// The last number given out in `year` (0 when none).
    async fn last_invoice_number(&self, year: i32) -> Result<u64>;
    /// In one transaction: move the year's counter from `sequence - 1` to `sequence`, replace
    /// the draft `before` (still a draft at its version) by the finalized `after`, reserve
    /// `after`'s number, append `entry` and put `event` in the outbox. `Refused` when the
    /// invoice changed.
    #[allow(clippy::too_many_arguments)]
    async fn finalize_invoice(
        &self,
        before: &Invoice,
        after: &Invoice,
        entry: &HistoryEntry,
        event: &crate::events::DomainEvent,
        posting: Option<&crate::domain::ledger::Posting>,
        year: i32,
        sequence: u64,
    ) -> Result<FinalizeOutcome>;
}

/// Where PDFs are kept and how they are handed out.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Store a PDF under `key`.
    async fn put_pdf(&self, key: &str, bytes: Vec<u8>) -> Result<()>;
    /// Whether `key` exists.
    async fn has_document(&self, key: &str) -> Result<bool>;
    /// The document stored under `key`, `None` when there is none.
    async fn get_document(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// A presigned GET URL for `key`, downloading as `filename`, valid for `expires_in`.
    async fn presigned_pdf_url(
        &self,
        key: &str,
        filename: &str,
        expires_in: std::time::Duration,
    ) -> Result<String>;
    /// Store any document (an e-invoice) under `key` with its MIME type, once: an existing
    /// `key` is left as it is.
    async fn put_document(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<()>;
    /// A presigned GET URL for `key`, served as `content_type` and downloading as `filename`.
    async fn presigned_document_url(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
        expires_in: std::time::Duration,
    ) -> Result<String>;
}

/// A file being read.
pub type FileReader = Box<dyn tokio::io::AsyncRead + Send + Unpin>;

/// Files in the bucket: uploaded imports and their reports.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// The object at `key`.
    async fn get_file(&self, key: &str) -> Result<Vec<u8>>;
    /// The object at `key` as a stream, read as it arrives (large imports).
    async fn open_file(&self, key: &str) -> Result<FileReader>;
    /// Write `bytes` to `key`.
    async fn put_file(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<()>;
}

/// A dependency the readiness probe checks.
#[async_trait]
pub trait DependencyCheck: Send + Sync {
    /// Short name in the readiness answer (`dynamodb`, `s3`).
    fn name(&self) -> &'static str;
    /// Ok when the dependency answers.
    async fn check(&self) -> Result<()>;
}

/// Remembered `Idempotency-Key`s (see [`crate::domain::idempotency`]). A key is claimed
/// before the work, by one conditional write, so that of concurrent requests with one key
/// exactly one does the work; its answer is then stored for replay. Records live 24 hours.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claim `scope` for a request with `fingerprint`: succeeds when no record exists, the
    /// record has expired, or its in-progress claim has outlived its lease; else returns
    /// the record as found.
    async fn claim(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim>;
    /// Store the answer of the claim `claim_id` (still owned). `Conflict` when the claim
    /// was lost (taken over after its lease).
    async fn complete(
        &self,
        scope: &IdempotencyScope,
        claim_id: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Forget the claim `claim_id` (the work failed or is not to be remembered), so that a
    /// retry runs again. Nothing happens when the claim is no longer owned.
    async fn release(&self, scope: &IdempotencyScope, claim_id: &str) -> Result<()>;
    /// The record of `scope`, `None` when absent or expired.
    async fn get(
        &self,
        scope: &IdempotencyScope,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>>;
}

/// Filters of the credit-note list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditNoteFilter {
    /// Only the notes of this invoice.
    pub invoice_id: Option<Uuid>,
    /// Only the notes of this client.
    pub client_key: Option<String>,
}

/// What happened to an attempt to issue a credit note with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// Number taken, note stored, invoice credited.
    Done,
    /// Another credit note took this number first: read the counter again and retry.
    NumberTaken,
    /// The invoice is no longer what the note was based on (`Changed`: read it again and
    /// decide again), or is gone.
    Refused(WriteRefused),
}

/// Credit notes with their own gapless numbering per year.
#[async_trait]
pub trait CreditNoteStore: Send + Sync {
    /// The last credit-note number given out in `year` (0 when none).
    async fn last_credit_note_number(&self, year: i32) -> Result<u64>;
    /// In one transaction: move the year's credit-note counter from `sequence - 1` to
    /// `sequence`, replace the invoice `before` (still at its status and version) by `after`
    /// (its `amount_credited` raised and settled), store `note`, reserve its number, append
    /// `entry` to the invoice's history and put `event` in the outbox.
    #[allow(clippy::too_many_arguments)]
    async fn issue_credit_note(
        &self,
        before: &Invoice,
        after: &Invoice,
        note: &crate::domain::invoice::credit_note::CreditNote,
        entry: &HistoryEntry,
        event: &crate::events::DomainEvent,
        posting: Option<&crate::domain::ledger::Posting>,
        year: i32,
        sequence: u64,
    ) -> Result<IssueOutcome>;
    /// One credit note with its lines.
    async fn get_credit_note(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::domain::invoice::credit_note::CreditNote>>;
    /// Credit notes newest first, without lines (`lines` is empty), with the true total.
    async fn list_credit_notes(
        &self,
        filter: &CreditNoteFilter,
        page: PageRequest,
    ) -> Result<Page<crate::domain::invoice::credit_note::CreditNote>>;
}

/// The queue of a fan-out job: one message per item ([`crate::fan_out`]).
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Send one message per body (in batches); Ok only when every one was accepted.
    async fn send(&self, bodies: &[String]) -> Result<()>;
}

/// The runs of fan-out jobs, one per job and run key (see [`crate::fan_out::run`]).
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Start run `run`, enqueuing and with nothing counted. A run already started keeps
    /// its start and counts (a repeated schedule delivery or a manual re-run).
    async fn start_run(&self, kind: &JobKind, run: &str, now: DateTime<Utc>) -> Result<()>;
    /// Count a page of enqueued items (ordered by key): only keys past those counted
    /// before, so a repeated or concurrent schedule run counts each item once; nothing
    /// once enqueuing is finished.
    async fn count_enqueued(&self, kind: &JobKind, run: &str, item_keys: &[String]) -> Result<()>;
    /// Enqueuing is over (idempotent); the counters after it.
    async fn finish_enqueuing(&self, kind: &JobKind, run: &str) -> Result<Counts>;
    /// Record `item`'s outcome after `attempts` deliveries. A final outcome is counted once
    /// per item, atomically with the item's line: a redelivery after a final outcome
    /// changes nothing, except that an outcome of higher precedence replaces it
    /// ([`crate::fan_out::run::replaces`]: a `failed` item redriven from the dead-letter
    /// queue may still succeed).
    async fn record_outcome(
        &self,
        kind: &JobKind,
        run: &str,
        item: &str,
        outcome: &ItemOutcome,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Recorded>;
    /// Mark the run completed at `now` and put `event` (its completion event) in the
    /// outbox, in one transaction; `true` only for the one caller that marked it.
    async fn mark_completed(
        &self,
        kind: &JobKind,
        run: &str,
        now: DateTime<Utc>,
        event: &crate::events::DomainEvent,
    ) -> Result<bool>;
    /// Run `run`.
    async fn get_run(&self, kind: &JobKind, run: &str) -> Result<Option<Run>>;
    /// Every started run of the job, newest run key first.
    async fn list_runs(&self, kind: &JobKind) -> Result<Vec<Run>>;
    /// The run's items ordered by key, only those with the outcome `only` when given, with
    /// the true total; `NotFound` when there is no such run.
    async fn run_entries(
        &self,
        kind: &JobKind,
        run: &str,
        only: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<RunEntry>>;
}

/// The company's settings (the reminder schedule).
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The reminder settings; the defaults when never saved.
    async fn reminder_settings(&self) -> Result<crate::reminders::ReminderSettings>;
    /// Save the reminder settings (the whole of them).
    async fn put_reminder_settings(
        &self,
        settings: &crate::reminders::ReminderSettings,
    ) -> Result<()>;
}

/// The Central Bank's published rates.
#[async_trait]
pub trait PublishedRates: Send + Sync {
    /// What the Bank answers for `day` (possibly an earlier day's publication, or nothing);
    /// an error when it did not answer or answered something malformed.
    async fn published_on(&self, day: chrono::NaiveDate)
    -> Result<Vec<crate::rates::ExchangeRate>>;
}

/// The stored exchange rates, per currency and publication date.
#[async_trait]
pub trait RateStore: Send + Sync {
    /// Store fetched rates, each unless a correction of its currency and date is stored:
    /// (stored, kept corrections).
    async fn put_published(&self, rates: &[crate::rates::ExchangeRate]) -> Result<(u32, u32)>;
    /// Store a correction over whatever is stored for its currency and date, with an audit
    /// entry of what it replaced (returned).
    async fn put_correction(
        &self,
        rate: &crate::rates::ExchangeRate,
    ) -> Result<Option<crate::rates::ExchangeRate>>;
    /// The rate of `currency` that applies on `day`: the last published on or before it.
    async fn rate_on(
        &self,
        currency: &str,
        day: chrono::NaiveDate,
    ) -> Result<Option<crate::rates::ExchangeRate>>;
    /// The corrections of `currency`, oldest first: each with what it replaced.
    async fn corrections(&self, currency: &str) -> Result<Vec<crate::rates::RateAudit>>;
}
