//! Key layout of the single table. Every item has `pk` and `sk`; items that are listed
//! carry `gsi1pk` / `gsi1sk` for the `gsi1` index. See `docs/data-model.md`.

use crate::domain::Worklog;
use chrono::NaiveDate;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";

/// User: `USER#<email>` / `USER`.
pub fn user(email: &str) -> (String, String) {
    (format!("USER#{email}"), "USER".into())
}

/// A user's session (role, token version, disabled): `SESSION#<email>` / `SESSION`, in a
/// partition of its own so that token checks can be allowed it without the `USER#` items.
pub fn session(email: &str) -> (String, String) {
    (format!("SESSION#{email}"), "SESSION".into())
}

/// Login attempt counter of a scope: `LOGIN#<email>` / `SOURCE#<ip>` for one e-mail from one
/// source address, `LOGIN#<email>` / `ACCOUNT` for the e-mail from anywhere.
pub fn login_attempts(scope: crate::ports::AttemptScope<'_>) -> (String, String) {
    use crate::ports::AttemptScope;
    match scope {
        AttemptScope::EmailFromSource { email, source } => {
            (format!("LOGIN#{email}"), format!("SOURCE#{source}"))
        }
        AttemptScope::Email(email) => (format!("LOGIN#{email}"), "ACCOUNT".into()),
        AttemptScope::Sends(user) => (format!("SENDS#{user}"), "DAY".into()),
    }
}

/// Client: `CLIENT#<key>` / `CLIENT`.
pub fn client(key: &str) -> (String, String) {
    (format!("CLIENT#{key}"), "CLIENT".into())
}

/// The sparse index partition holding only active clients, sorted by key.
pub const ACTIVE_CLIENTS: &str = "ACTIVE_CLIENTS";
/// gsi1 partition of the inactive clients (their key as sort key).
pub const INACTIVE_CLIENTS: &str = "INACTIVE_CLIENTS";

/// The gsi1 partition (and count) of the active or the inactive clients.
pub fn client_list(active: bool) -> &'static str {
    if active {
        ACTIVE_CLIENTS
    } else {
        INACTIVE_CLIENTS
    }
}

/// Worklog: `WORKLOG#<id>` / `WORKLOG`, so a re-import with a changed date or client still
/// lands on the same item.
pub fn worklog(w: &Worklog) -> (String, String) {
    (format!("WORKLOG#{}", w.id), "WORKLOG".into())
}

/// Index partition of a client's worklogs.
pub fn client_worklogs(client_key: &str) -> String {
    format!("CLIENT#{client_key}#WORKLOGS")
}

/// Index sort key of a worklog: `<date>#<id>`, so the index orders by date then id.
pub fn worklog_sort(w: &Worklog) -> String {
    format!("{}#{}", w.date, w.id)
}

/// Inclusive bounds on [`worklog_sort`] for a date range (clamped to 4-digit years).
pub fn worklog_sort_bounds(from: NaiveDate, to: NaiveDate) -> (String, String) {
    let lo = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(from);
    let hi = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(to);
    // '~' sorts after every character of a UUID.
    (format!("{}#", from.max(lo)), format!("{}#~", to.min(hi)))
}

/// Invoice header: `INVOICE#<id>` / `INVOICE`; the invoice's other items share the partition.
pub fn invoice(id: uuid::Uuid) -> String {
    format!("INVOICE#{id}")
}

/// Sort key of the header item.
pub const INVOICE_HEADER: &str = "INVOICE";

/// Sort key of the n-th chunk of lines.
pub fn invoice_lines(n: usize) -> String {
    format!("LINES#{n:03}")
}

/// Upper bound of the sort keys read with the header (header and line chunks).
pub const INVOICE_LINES_END: &str = "LINES#~";

/// Sort key of the history entry written by the write that produced `version`.
pub fn invoice_history(version: u64) -> String {
    format!("HISTORY#{version:010}")
}

/// Sort key of the `part`-th continuation (1-based) of the history entry of `version`, for
/// entries too large for one item. Not under `HISTORY#`, so history pages count entries.
pub fn invoice_history_part(version: u64, part: usize) -> String {
    format!("{}{part:03}", invoice_history_parts(version))
}

/// The sort key prefix of every continuation of the history entry of `version`.
pub fn invoice_history_parts(version: u64) -> String {
    format!("HISTORYPART#{version:010}#")
}

/// Sort key of a payment in its invoice's partition: recording instant (fixed width) then id,
/// so the partition lists payments in the order they were recorded.
pub fn payment(p: &crate::domain::invoice::receivables::Payment) -> String {
    format!(
        "PAYMENT#{}#{}",
        p.recorded_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        p.id
    )
}

/// The sort key prefix of an invoice's payments.
pub const PAYMENTS: &str = "PAYMENT#";

/// Sort key of a write-off in its invoice's partition: recording instant (fixed width) then
/// id, so the partition lists them in the order they were recorded.
pub fn write_off(w: &crate::domain::invoice::write_off::WriteOff) -> String {
    format!(
        "WRITEOFF#{}#{}",
        w.recorded_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        w.id
    )
}

/// The sort key prefix of an invoice's write-offs.
pub const WRITE_OFFS: &str = "WRITEOFF#";

/// Sort key of an e-mail sent for an invoice, in the invoice's partition: sending instant
/// (fixed width) then id, so the partition lists messages in the order they were sent.
pub fn sent_message(m: &crate::domain::invoice::message::SentMessage) -> String {
    format!(
        "MESSAGE#{}#{}",
        m.sent_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        m.id
    )
}

/// An exchange rate's item: `RATE#<currency>` / `<publication date>`.
pub fn exchange_rate(currency: &str, date: chrono::NaiveDate) -> (String, String) {
    (format!("RATE#{currency}"), date.to_string())
}

/// The reminder settings' item.
pub fn reminder_settings() -> (String, String) {
    ("SETTINGS".into(), "REMINDERS".into())
}

/// The sort key prefix of an invoice's sent messages.
pub const SENT_MESSAGES: &str = "MESSAGE#";

/// The index partition listing every invoice, newest first by `gsi1sk`.
pub const ALL_INVOICES: &str = "INVOICES";

/// Index sort key of an invoice: creation instant (fixed width) then id.
pub fn invoice_sort(created_at: chrono::DateTime<chrono::Utc>, id: uuid::Uuid) -> String {
    format!("{}#{id}", created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// Uniqueness guard of (client, period): `INVOICE_FOR#<client>#<period>` / `GUARD`.
pub fn invoice_guard(client_key: &str, period: &str) -> (String, String) {
    (format!("INVOICE_FOR#{client_key}#{period}"), "GUARD".into())
}

/// The year's invoice-number counter: `COUNTER#INVOICE_NUMBER#<year>` / `COUNTER`.
pub fn invoice_counter(year: i32) -> (String, String) {
    (format!("COUNTER#INVOICE_NUMBER#{year}"), "COUNTER".into())
}

/// Uniqueness guard of an invoice number: `INVOICE_NUMBER#<number>` / `GUARD`.
pub fn invoice_number_guard(number: &str) -> (String, String) {
    (format!("INVOICE_NUMBER#{number}"), "GUARD".into())
}

/// A remembered `Idempotency-Key`: `IDEMPOTENCY#<user>#<scope hash>` / `IDEMPOTENCY`. The
/// hash covers the route and the key (see [`crate::domain::idempotency::scope_hash`]), so
/// the partition key stays short whatever the key's length.
pub fn idempotency(scope: &crate::domain::idempotency::IdempotencyScope) -> (String, String) {
    (
        format!("IDEMPOTENCY#{}#{}", scope.user, scope.hash),
        "IDEMPOTENCY".into(),
    )
}

/// Credit note: `CREDIT_NOTE#<id>` / `CREDIT_NOTE`; its lines in `LINES#nnn` of the same
/// partition.
pub fn credit_note(id: uuid::Uuid) -> String {
    format!("CREDIT_NOTE#{id}")
}

/// Sort key of a credit note's header item.
pub const CREDIT_NOTE_HEADER: &str = "CREDIT_NOTE";

/// The index partition listing every credit note, newest first by `gsi1sk`
/// ([`invoice_sort`] of its creation instant and id).
pub const ALL_CREDIT_NOTES: &str = "CREDIT_NOTES";

/// The year's credit-note-number counter: `COUNTER#CREDIT_NOTE_NUMBER#<year>` / `COUNTER`.
pub fn credit_note_counter(year: i32) -> (String, String) {
    (
        format!("COUNTER#CREDIT_NOTE_NUMBER#{year}"),
        "COUNTER".into(),
    )
}

/// Uniqueness guard of a credit-note number: `CREDIT_NOTE_NUMBER#<number>` / `GUARD`.
pub fn credit_note_number_guard(number: &str) -> (String, String) {
    (format!("CREDIT_NOTE_NUMBER#{number}"), "GUARD".into())
}

/// A fan-out job's run: `<run prefix>#<run key>` (`MONTH_END_RUN#2026-10`); its header at
/// sort key [`RUN_HEADER`] and one item per item key at [`run_item`].
pub fn run_partition(run_prefix: &str, run: &str) -> String {
    format!("{run_prefix}#{run}")
}

/// Sort key of a run's header (counters, start, completion).
pub const RUN_HEADER: &str = "RUN";

/// Sort key of an item's outcome in its run: `<item prefix><key>`, so the run lists by key.
pub fn run_item(item_prefix: &str, item: &str) -> String {
    format!("{item_prefix}{item}")
}

/// Index partition (`list2pk`) of a run's items with one outcome, sorted by item key
/// (`list_sk`): `<run prefix>#<run key>#<outcome>`.
pub fn run_outcome(run_prefix: &str, run: &str, outcome: &str) -> String {
    format!("{run_prefix}#{run}#{outcome}")
}

/// Month-end's run prefix ([`crate::month_end::JOB`]).
pub const MONTH_END_RUN_PREFIX: &str = "MONTH_END_RUN";

/// The gsi1 partition of every started month-end run's header, by period (`gsi1sk`).
pub const MONTH_END_RUNS: &str = "MONTH_END_RUNS";

/// The sort key prefix of a month-end run's clients (`CLIENT#<key>`).
pub const MONTH_END_RUN_CLIENTS: &str = "CLIENT#";

/// A refresh-token family: `REFRESH#<family id>` / `FAMILY`.
pub fn refresh_family(id: uuid::Uuid) -> (String, String) {
    (format!("REFRESH#{id}"), "FAMILY".into())
}

/// The outbox partition: every domain event not yet relayed to the bus.
pub const OUTBOX: &str = "OUTBOX";

/// An outbox item: `OUTBOX` / `<event id>` (UUID v7: in time order).
pub fn outbox(event_id: uuid::Uuid) -> (String, String) {
    (OUTBOX.into(), event_id.to_string())
}

/// A client's accounts: partition `LEDGER#<client>`.
pub fn ledger(client_key: &str) -> String {
    format!("LEDGER#{client_key}")
}

/// Sort key of the head of the client's account in `currency`.
pub fn ledger_head(currency: &str) -> String {
    format!("HEAD#{currency}")
}

/// The sort key prefix of the heads of a client's accounts.
pub const LEDGER_HEADS: &str = "HEAD#";

/// Sort key of an entry: currency, booking instant (fixed width), number; an account's
/// entries are booked in number order, so the key orders them by time and by number.
pub fn ledger_entry(e: &crate::domain::ledger::LedgerEntry) -> String {
    format!(
        "{}#{:012}",
        ledger_entries_at(&e.currency, e.booked_at),
        e.seq
    )
}

/// The sort key of the account's entries booked at `at` (a bound of a range of entries).
pub fn ledger_entries_at(currency: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    format!("ENTRY#{currency}#{}", at.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

/// The sort key prefix of the account's entries.
pub fn ledger_entries(currency: &str) -> String {
    format!("ENTRY#{currency}#")
}

/// Index partitions every account's entries are spread over in `gsi1` (the aging of a
/// day past reads them by booking time).
pub const LEDGER_SHARDS: u32 = 4;

/// The `gsi1` partition of a client's entries.
pub fn ledger_entries_index(client_key: &str) -> String {
    let shard = client_key
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % LEDGER_SHARDS;
    ledger_entries_shard(shard)
}

/// The `gsi1` partition of shard `shard` of the entries.
pub fn ledger_entries_shard(shard: u32) -> String {
    format!("LEDGER_ENTRIES#{shard}")
}

/// The `gsi1` sort key of an entry: booking instant, account, number.
pub fn ledger_entry_index_sort(e: &crate::domain::ledger::LedgerEntry) -> String {
    format!(
        "{}#{}#{}#{:012}",
        e.booked_at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        e.client_key,
        e.currency,
        e.seq
    )
}

/// Sort key of a client payment (a transfer) in the client's ledger partition.
pub fn client_payment(p: &crate::domain::ledger::client_payment::ClientPayment) -> String {
    format!(
        "PAYMENT#{}#{}",
        p.recorded_at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        p.id
    )
}

/// Sort key of a refund in the client's ledger partition.
pub fn refund(r: &crate::domain::ledger::client_payment::Refund) -> String {
    format!(
        "REFUND#{}#{}",
        r.recorded_at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        r.id
    )
}
