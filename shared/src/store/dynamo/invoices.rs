//! Invoices. Partition `INVOICE#<id>` holds the header (`INVOICE`, also indexed in `gsi1`
//! under `INVOICES` by creation time), the lines in chunks (`LINES#nnn`, so an invoice of
//! 1000 long lines stays under DynamoDB's 400 KB item limit) and the history
//! (`HISTORY#<version>`, continued in `HISTORYPART#<version>#nnn` items when one entry is
//! larger than an item may be, e.g. a 1000-line edit). A guard item `INVOICE_FOR#<client>#<period>` makes (client, period)
//! unique. Every write is one `TransactWriteItems`.

use super::list_keys;
use super::lists::{ListQuery, count_add, count_deltas};
use super::transact::{Cancelled, counter_move, put, transact_failure};
use super::{DynamoStore, Item, from_item, keys, s, sdk_error, to_item};
use crate::domain::invoice::model::InvoiceFilter;
use crate::domain::invoice::receivables::Payment;
use crate::domain::invoice::standing::standing;
use crate::domain::invoice::write_off::WriteOff;
use crate::domain::{Page, PageRequest};
use crate::invoice::{Change, HistoryEntry, Invoice, InvoiceHeader, LineItem};
use crate::ports::{
    Companion, FinalizeOutcome, InvoiceNumbering, InvoiceStore, WriteOutcome, WriteRefused,
};
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// The moves of list counts a write makes: (count, delta).
pub(super) type CountMoves = Vec<(String, i64)>;

/// Serialized size budget of one chunk of lines, or of one history item's changes
/// (DynamoDB's item limit is 400 KB).
const CHUNK_BUDGET_BYTES: usize = 256 * 1024;

#[derive(Serialize, Deserialize)]
struct LineChunk {
    version: u64,
    lines: Vec<LineItem>,
}

pub(super) fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The continuation of a history entry: more of its changes.
#[derive(Serialize, Deserialize)]
struct HistoryPart {
    changes: Vec<Change>,
}

/// The attribute of an invoice header's item naming the version its line chunks carry (the
/// last write that changed the lines; absent on older items: the header's own version).
const LINES_VERSION: &str = "lines_version";

/// The attribute of a history entry's item naming the write call that put it.
const WRITE_ID: &str = "write_id";

/// A history item as stored: the entry (with its first changes) and how many
/// [`HistoryPart`]s continue it.
#[derive(Deserialize)]
struct StoredHistory {
    #[serde(flatten)]
    entry: HistoryEntry,
    #[serde(default)]
    parts: usize,
}

/// Split lines into chunks under the size budget (at least one chunk, maybe empty).
fn chunk_lines(lines: &[LineItem]) -> Vec<&[LineItem]> {
    chunks_under(lines)
}

/// Split records into runs whose serialized size stays under [`CHUNK_BUDGET_BYTES`] (at
/// least one run, maybe empty).
pub(super) fn chunks_under<T: Serialize>(records: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut size = 0;
    for (i, line) in records.iter().enumerate() {
        let len = serde_json::to_vec(line).map(|v| v.len()).unwrap_or(1024) + 64;
        if size + len > CHUNK_BUDGET_BYTES && i > start {
            chunks.push(&records[start..i]);
            start = i;
            size = 0;
        }
        size += len;
    }
    chunks.push(&records[start..]);
    chunks
}

impl DynamoStore {
    fn header_item(&self, invoice: &Invoice, chunks: usize) -> Result<Item> {
        let h = &invoice.header;
        let mut attrs = vec![
            (keys::PK, keys::invoice(h.id)),
            (keys::SK, keys::INVOICE_HEADER.to_string()),
        ];
        attrs.extend(list_keys::invoice_index_attrs(h));
        let mut item = to_item(h, &attrs)?;
        item.insert("line_chunks".into(), n(chunks as u64));
        // The lines are written with the header (their chunks carry this version).
        item.insert(LINES_VERSION.into(), n(h.version));
        Ok(item)
    }

    /// The update of the header alone to `after`'s, its lines as stored: every attribute
    /// set but `lines_version` (the version the stored chunks carry), conditioned on the
    /// stored invoice being at `before`'s version. A payment, a void or a credit
    /// note then writes a few KB whatever the invoice's lines.
    fn header_update(&self, before: &Invoice, after: &Invoice) -> Result<TransactWriteItem> {
        let mut item = self.header_item(after, chunk_lines(&after.line_items).len())?;
        // The lines and their chunk count stay as stored.
        for k in [keys::PK, keys::SK, LINES_VERSION, "line_chunks"] {
            item.remove(k);
        }
        let mut names = std::collections::HashMap::<String, String>::new();
        let mut values: std::collections::HashMap<String, AttributeValue> =
            [(":expected".to_string(), n(before.header.version))].into();
        // An item from before `lines_version` existed has chunks of its own version: name
        // it, or the reader would compare them with the new version.
        values.insert(":lines_before".to_string(), n(before.header.version));
        names.insert("#lv".to_string(), LINES_VERSION.to_string());
        let mut sets = vec!["#lv = if_not_exists(#lv, :lines_before)".to_string()];
        for (i, (name, value)) in item.into_iter().enumerate() {
            sets.push(format!("#a{i} = :a{i}"));
            names.insert(format!("#a{i}"), name);
            values.insert(format!(":a{i}"), value);
        }
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .key(keys::PK, s(keys::invoice(after.header.id)))
            .key(keys::SK, s(keys::INVOICE_HEADER))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression("version = :expected")
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| Error::Internal(format!("header update: {e}")))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Puts of the header and line chunks; the header's put is conditioned on the stored
    /// version being `expected` when given (every write raises it, so it names the state
    /// read: a status clause would add nothing).
    fn invoice_puts(
        &self,
        invoice: &Invoice,
        expected: Option<u64>,
    ) -> Result<(Vec<TransactWriteItem>, usize)> {
        let chunks = chunk_lines(&invoice.line_items);
        let mut header = put(self.header_item(invoice, chunks.len())?)?;
        header.table_name = self.table.clone();
        if let Some(version) = expected {
            header.condition_expression = Some("version = :expected".to_string());
            header.expression_attribute_values =
                Some([(":expected".to_string(), n(version))].into());
        }
        let mut items = vec![TransactWriteItem::builder().put(header).build()];
        for (i, lines) in chunks.iter().enumerate() {
            let chunk = LineChunk {
                version: invoice.header.version,
                lines: lines.to_vec(),
            };
            let mut p = put(to_item(
                &chunk,
                &[
                    (keys::PK, keys::invoice(invoice.header.id)),
                    (keys::SK, keys::invoice_lines(i)),
                ],
            )?)?;
            p.table_name = self.table.clone();
            items.push(TransactWriteItem::builder().put(p).build());
        }
        Ok((items, chunks.len()))
    }

    /// Deletes of `before`'s line chunks from `new_chunks` on (the new version has fewer).
    fn stale_chunk_deletes(
        &self,
        before: &Invoice,
        new_chunks: usize,
    ) -> Result<Vec<TransactWriteItem>> {
        (new_chunks..chunk_lines(&before.line_items).len())
            .map(|i| {
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .key(keys::PK, s(keys::invoice(before.header.id)))
                    .key(keys::SK, s(keys::invoice_lines(i)))
                    .build()
                    .map_err(|e| Error::Internal(format!("delete: {e}")))?;
                Ok(TransactWriteItem::builder().delete(delete).build())
            })
            .collect()
    }

    /// The writes that replace `before` by `after`: the header, conditioned on the stored
    /// invoice still being at `before`'s status and version, the line chunks, and deletes of
    /// chunks no longer needed.
    pub(super) fn replacement(
        &self,
        before: &Invoice,
        after: &Invoice,
    ) -> Result<Vec<TransactWriteItem>> {
        let (mut items, counts) = self.replacement_without_counts(before, after)?;
        for (list, delta) in counts {
            items.push(count_add(&self.table, &list, delta)?);
        }
        Ok(items)
    }

    /// [`Self::replacement`] with its count moves apart, for a transaction that replaces
    /// several invoices whose lists meet (one client's): DynamoDB takes one operation per
    /// item, so the caller sums them per count.
    pub(super) fn replacement_without_counts(
        &self,
        before: &Invoice,
        after: &Invoice,
    ) -> Result<(Vec<TransactWriteItem>, CountMoves)> {
        // The lists' counts follow a status change in the same transaction.
        let counts = count_deltas(
            &list_keys::invoice_counts(&before.header),
            &list_keys::invoice_counts(&after.header),
        );
        if before.line_items == after.line_items {
            return Ok((vec![self.header_update(before, after)?], counts));
        }
        let (mut items, new_chunks) = self.invoice_puts(after, Some(before.header.version))?;
        items.extend(self.stale_chunk_deletes(before, new_chunks)?);
        Ok((items, counts))
    }

    /// Every record of the invoice's partition under sort key `prefix` (payments,
    /// write-offs), oldest first, read consistently.
    async fn invoice_records<T: serde::de::DeserializeOwned + Send>(
        &self,
        id: Uuid,
        prefix: &str,
        what: &'static str,
    ) -> Result<Vec<T>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(keys::invoice(id)))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true);
        let mut out = Vec::new();
        super::query_each(query, what, |item| {
            out.push(from_item(item)?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Why a replacement was cancelled, read from the stored header: gone, at another status
    /// or version, our own earlier attempt (a retried transaction whose first attempt
    /// committed), or still as we read it (another condition of the transaction failed).
    pub(super) async fn refused_write(&self, before: &Invoice, after: &Invoice) -> Result<Refusal> {
        Ok(match self.header(before.header.id).await? {
            None => Refusal::Refused(WriteRefused::Missing),
            Some(h) if is_own_write(&h, &after.header) => Refusal::OwnWrite,
            Some(h) if h.version != before.header.version => {
                Refusal::Refused(WriteRefused::Changed {
                    status: h.status,
                    version: h.version,
                })
            }
            Some(_) => Refusal::StillAsRead,
        })
    }

    /// A new record (payment, write-off) in the invoice's partition, or its replacement
    /// by its reversal: a new one must be new; a replaced one must exist and not be
    /// reversed yet. Both are also guarded by the header's version condition in the same
    /// transaction.
    fn reversible(
        &self,
        item: std::collections::HashMap<String, AttributeValue>,
        new: bool,
    ) -> Result<TransactWriteItem> {
        let mut put = put(item)?;
        put.table_name = self.table.clone();
        if new {
            put.condition_expression = Some("attribute_not_exists(pk)".into());
        } else {
            put.condition_expression = Some(
                "attribute_exists(pk) AND (attribute_not_exists(reversal) OR attribute_type(reversal, :null))"
                    .into(),
            );
            put.expression_attribute_values = Some([(":null".to_string(), s("NULL"))].into());
        }
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The write of a companion of `header`'s replacement.
    pub(super) fn companion(
        &self,
        header: &InvoiceHeader,
        c: Companion<'_>,
    ) -> Result<Vec<TransactWriteItem>> {
        if let Companion::Post(posting) = c {
            return self.posting_puts(posting);
        }
        self.single_companion(header, c).map(|item| vec![item])
    }

    /// The write of a companion that is one item.
    fn single_companion(
        &self,
        header: &InvoiceHeader,
        c: Companion<'_>,
    ) -> Result<TransactWriteItem> {
        let pk = (keys::PK, keys::invoice(header.id));
        match c {
            Companion::PutPayment(p) | Companion::ReplacePayment(p) => self.reversible(
                to_item(p, &[pk, (keys::SK, keys::payment(p))])?,
                matches!(c, Companion::PutPayment(_)),
            ),
            Companion::PutWriteOff(w) | Companion::ReplaceWriteOff(w) => self.reversible(
                to_item(w, &[pk, (keys::SK, keys::write_off(w))])?,
                matches!(c, Companion::PutWriteOff(_)),
            ),
            Companion::PutSentMessage(m) => {
                let mut put = put(to_item(
                    m,
                    &[
                        (keys::PK, keys::invoice(header.id)),
                        (keys::SK, keys::sent_message(m)),
                    ],
                )?)?;
                put.table_name = self.table.clone();
                // Over its own pending / accepted record; never over one already sent.
                put.condition_expression =
                    Some("attribute_not_exists(pk) OR #status <> :sent".into());
                put.expression_attribute_names = Some([("#status".into(), "status".into())].into());
                put.expression_attribute_values = Some(
                    [(
                        ":sent".to_string(),
                        s(crate::domain::invoice::message::MessageStatus::Sent.as_str()),
                    )]
                    .into(),
                );
                Ok(TransactWriteItem::builder().put(put).build())
            }
            Companion::ReleasePeriodGuard => {
                let (gpk, gsk) =
                    keys::invoice_guard(&header.client_key, &header.period.to_string());
                let mut delete = Delete::builder()
                    .table_name(&self.table)
                    .key(keys::PK, s(gpk))
                    .key(keys::SK, s(gsk))
                    .build()
                    .map_err(|e| Error::Internal(format!("delete: {e}")))?;
                // Only this invoice's own guard.
                delete.condition_expression = Some("invoice_id = :id".into());
                delete.expression_attribute_values =
                    Some([(":id".to_string(), s(header.id.to_string()))].into());
                Ok(TransactWriteItem::builder().delete(delete).build())
            }
            Companion::PutEvent(event) => super::outbox::outbox_put(&self.table, event),
            Companion::Post(_) => Err(Error::Internal("a posting is more than one item".into())),
        }
    }

    /// Puts of a history entry: one item, continued in part items when its changes do not
    /// fit one; each put only where nothing is yet.
    /// The puts of `entry` (and its continuation parts), each new; the entry's item carries
    /// `write_id`, the id of the one write call that makes it, so that a write whose
    /// transaction was cancelled can tell its own committed attempt from another request's
    /// identical change ([`Self::is_own_entry`]).
    pub(super) fn history_puts(
        &self,
        id: Uuid,
        entry: &HistoryEntry,
        write_id: Uuid,
    ) -> Result<Vec<TransactWriteItem>> {
        let runs = chunks_under(&entry.changes);
        let first = HistoryEntry {
            changes: runs[0].to_vec(),
            ..entry.clone()
        };
        let mut head = to_item(
            &first,
            &[
                (keys::PK, keys::invoice(id)),
                (keys::SK, keys::invoice_history(entry.version)),
            ],
        )?;
        if runs.len() > 1 {
            head.insert("parts".into(), n(runs.len() as u64 - 1));
        }
        head.insert(WRITE_ID.into(), s(write_id.to_string()));
        let mut items = vec![head];
        for (i, run) in runs.iter().enumerate().skip(1) {
            items.push(to_item(
                &HistoryPart {
                    changes: run.to_vec(),
                },
                &[
                    (keys::PK, keys::invoice(id)),
                    (keys::SK, keys::invoice_history_part(entry.version, i)),
                ],
            )?);
        }
        items
            .into_iter()
            .map(|item| {
                let mut p = put(item)?;
                p.table_name = self.table.clone();
                p.condition_expression = Some("attribute_not_exists(pk)".into());
                Ok(TransactWriteItem::builder().put(p).build())
            })
            .collect()
    }

    /// The rest of a history entry's changes, from its part items, in order.
    async fn history_continuation(
        &self,
        id: Uuid,
        version: u64,
        parts: usize,
    ) -> Result<Vec<Change>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :parts)")
            .expression_attribute_values(":pk", s(keys::invoice(id)))
            .expression_attribute_values(":parts", s(keys::invoice_history_parts(version)))
            .consistent_read(true);
        let mut changes = Vec::new();
        let mut read = 0;
        super::query_each(query, "Query invoice history parts", |item| {
            changes.extend(from_item::<HistoryPart>(item)?.changes);
            read += 1;
            Ok(())
        })
        .await?;
        if read != parts {
            // Parts are written in the entry's own transaction: a count that differs is a
            // broken record, never a partial answer.
            return Err(Error::Internal(format!(
                "history {id} v{version}: {read} of {parts} parts"
            )));
        }
        Ok(changes)
    }

    async fn header(&self, id: Uuid) -> Result<Option<InvoiceHeader>> {
        self.get_item(
            (keys::invoice(id), keys::INVOICE_HEADER.to_string()),
            "GetItem invoice",
        )
        .await?
        .map(from_item)
        .transpose()
    }
}

/// Whether the stored header is exactly `after`'s (a retried attempt finding its own write).
fn is_own_write(current: &InvoiceHeader, after: &InvoiceHeader) -> bool {
    current.version == after.version
        && current.updated_at == after.updated_at
        && current.status == after.status
}

impl DynamoStore {
    /// Whether the stored history entry at `entry`'s version is `entry` (same instant and
    /// actor, to the millisecond it is stored with): our own write, committed by an earlier
    /// attempt of the same transaction.
    /// Whether the stored entry of `entry`'s version was written by the write `write_id`
    /// (an attempt of this call that committed before its repetition was cancelled), not by
    /// another request, even one making the same change at the same millisecond.
    async fn is_own_entry(&self, id: Uuid, entry: &HistoryEntry, write_id: Uuid) -> Result<bool> {
        Ok(self
            .get_item(
                (keys::invoice(id), keys::invoice_history(entry.version)),
                "GetItem invoice history entry",
            )
            .await?
            .and_then(|item| item.get(WRITE_ID).and_then(|v| v.as_s().ok()).cloned())
            .is_some_and(|stored| stored == write_id.to_string()))
    }
}

/// What a cancelled replacement found (see `refused_write`).
pub(super) enum Refusal {
    OwnWrite,
    StillAsRead,
    Refused(WriteRefused),
}

#[async_trait]
impl InvoiceStore for DynamoStore {
    async fn create_invoice(
        &self,
        invoice: &Invoice,
        entry: &HistoryEntry,
    ) -> Result<WriteOutcome> {
        let h = &invoice.header;
        let period = h.period.to_string();
        let (gpk, gsk) = keys::invoice_guard(&h.client_key, &period);
        let mut guard = put([
            (keys::PK.to_string(), s(gpk)),
            (keys::SK.to_string(), s(gsk)),
            ("invoice_id".to_string(), s(h.id.to_string())),
        ]
        .into())?;
        guard.table_name = self.table.clone();
        guard.condition_expression = Some("attribute_not_exists(pk)".into());
        let mut items = vec![TransactWriteItem::builder().put(guard).build()];
        let (puts, _) = self.invoice_puts(invoice, None)?;
        let mut puts = puts.into_iter();
        if let Some(first) = puts.next() {
            let mut header = first
                .put
                .ok_or_else(|| Error::Internal("header put".into()))?;
            header.condition_expression = Some("attribute_not_exists(pk)".into());
            items.push(TransactWriteItem::builder().put(header).build());
        }
        items.extend(puts);
        items.extend(self.history_puts(h.id, entry, Uuid::new_v4())?);
        for list in list_keys::invoice_counts(h) {
            items.push(count_add(&self.table, &list, 1)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(WriteOutcome::Written),
            Err(Some(Cancelled::Condition(_))) => {
                // A retried attempt (time-out after the first one committed) meets its own
                // guard: that is success, not a duplicate.
                let guard = self
                    .get_item(
                        keys::invoice_guard(&h.client_key, &period),
                        "GetItem invoice guard",
                    )
                    .await?;
                let owner =
                    guard.and_then(|i| i.get("invoice_id").and_then(|v| v.as_s().ok()).cloned());
                let existing = owner.and_then(|o| o.parse::<Uuid>().ok());
                if existing == Some(h.id) {
                    return Ok(WriteOutcome::Written);
                }
                Ok(WriteOutcome::Refused(WriteRefused::Duplicate { existing }))
            }
            Err(_) => Err(transact_failure("create invoice")),
        }
    }

    async fn get_invoice(&self, id: Uuid) -> Result<Option<Invoice>> {
        // A plain query may see part of a concurrent transaction: the chunks carry the
        // version they belong to, and a mismatch is read again.
        for _ in 0..5 {
            let mut pages = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(keys::invoice(id)))
                .expression_attribute_values(":lo", s(keys::INVOICE_HEADER))
                .expression_attribute_values(":hi", s(keys::INVOICE_LINES_END))
                .consistent_read(true)
                .into_paginator()
                .send();
            let mut header: Option<(InvoiceHeader, u64, u64)> = None;
            let mut chunks: Vec<LineChunk> = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| sdk_error("Query invoice", e))?;
                for item in page.items.unwrap_or_default() {
                    let sk = item
                        .get(keys::SK)
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default();
                    if sk == keys::INVOICE_HEADER {
                        let number = |k: &str| {
                            item.get(k)
                                .and_then(|v| v.as_n().ok())
                                .and_then(|v| v.parse::<u64>().ok())
                        };
                        let count = number("line_chunks").unwrap_or(0);
                        let lines_version = number(LINES_VERSION);
                        let h: InvoiceHeader = from_item(item)?;
                        // Items written before the header could be updated alone carry
                        // their lines' version as their own.
                        let lines_version = lines_version.unwrap_or(h.version);
                        header = Some((h, count, lines_version));
                    } else {
                        chunks.push(from_item(item)?);
                    }
                }
            }
            let Some((header, count, lines_version)) = header else {
                return Ok(None);
            };
            if chunks.len() as u64 == count && chunks.iter().all(|c| c.version == lines_version) {
                let line_items = chunks.into_iter().flat_map(|c| c.lines).collect();
                return Ok(Some(Invoice { header, line_items }));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(Error::Unavailable(
            "invoice read kept racing a write".into(),
        ))
    }

    async fn list_invoices(
        &self,
        filter: &InvoiceFilter,
        page: PageRequest,
    ) -> Result<Page<InvoiceHeader>> {
        if let Some(number) = &filter.number {
            return self.invoice_by_number(number, filter, page).await;
        }
        if filter.has_receivables_filters() && filter.period.is_none() {
            let now = filter.now.unwrap_or_else(chrono::Utc::now);
            let (list, total) = list_keys::receivables_list(filter, now);
            let (total, page) = futures::future::try_join(
                self.total_of(&total),
                self.list_page(&list, &page, u64::MAX),
            )
            .await?;
            return Ok(Page { total, ..page });
        }
        let (list, counts) = list_keys::invoice_list(filter);
        if filter.has_receivables_filters() {
            // A period's invoices (one per client, and those voided before it): read whole.
            let filter = filter.clone();
            return self
                .list_page_where(&list, &page, &move |h: &InvoiceHeader| filter.matches(h))
                .await;
        }
        let (total, page) = futures::future::try_join(
            self.read_counts(&counts),
            self.list_page(&list, &page, u64::MAX),
        )
        .await?;
        Ok(Page { total, ..page })
    }

    async fn open_invoices(
        &self,
        client_key: Option<&str>,
    ) -> Result<Vec<crate::domain::ledger::aging::OpenInvoice>> {
        use crate::domain::ledger::aging::OpenInvoice;
        let filter = InvoiceFilter {
            status: Some(crate::invoice::InvoiceStatus::Finalized),
            client_key: client_key.map(str::to_string),
            ..InvoiceFilter::default()
        };
        let (list, _) = list_keys::invoice_list(&filter);
        // No `ProjectionExpression`: DynamoDB bills and pages by the whole item anyway, and
        // the emulator's projection costs more than it saves (bench-accounts: 19.8 s with it,
        // 8.4 s without, at 10,000); only the open invoice's fields are kept in memory.
        let reads = list.partitions.iter().map(|partition| {
            super::query_all::<OpenInvoice>(
                self.whole_partition(&list, partition),
                "Query open invoices",
            )
        });
        Ok(futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    async fn all_headers(&self, filter: &InvoiceFilter) -> Result<Vec<InvoiceHeader>> {
        let (list, _) = list_keys::invoice_list(filter);
        let reads = list.partitions.iter().map(|partition| {
            super::query_all::<InvoiceHeader>(
                self.whole_partition(&list, partition),
                "Query all headers of a list",
            )
        });
        Ok(futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    async fn update_invoice(
        &self,
        before: &Invoice,
        after: &Invoice,
        entry: &HistoryEntry,
        companions: &[Companion<'_>],
    ) -> Result<WriteOutcome> {
        let id = before.header.id;
        let write_id = Uuid::new_v4();
        let mut items = self.replacement(before, after)?;
        for c in companions {
            items.extend(self.companion(&after.header, *c)?);
        }
        items.extend(self.history_puts(id, entry, write_id)?);
        match self.transact(items).await {
            Ok(()) => Ok(WriteOutcome::Written),
            Err(Some(Cancelled::Condition(_))) => match self.refused_write(before, after).await? {
                Refusal::OwnWrite if self.is_own_entry(id, entry, write_id).await? => {
                    Ok(WriteOutcome::Written)
                }
                // Another request made the same version at the same instant: not ours.
                Refusal::OwnWrite => Ok(WriteOutcome::Refused(WriteRefused::Changed {
                    status: after.header.status,
                    version: after.header.version,
                })),
                // Only the history entry of this version can have failed: another writer
                // produced the same version first.
                Refusal::StillAsRead => Ok(WriteOutcome::Refused(WriteRefused::Changed {
                    status: before.header.status,
                    version: before.header.version + 1,
                })),
                Refusal::Refused(r) => Ok(WriteOutcome::Refused(r)),
            },
            Err(_) => Err(transact_failure("update invoice")),
        }
    }

    async fn delete_draft(&self, before: &Invoice, entry: &HistoryEntry) -> Result<WriteOutcome> {
        let h = &before.header;
        let mut header = Delete::builder()
            .table_name(&self.table)
            .key(keys::PK, s(keys::invoice(h.id)))
            .key(keys::SK, s(keys::INVOICE_HEADER))
            .build()
            .map_err(|e| Error::Internal(format!("delete: {e}")))?;
        header.condition_expression = Some("version = :expected AND #status = :status".into());
        header.expression_attribute_names = Some([("#status".into(), "status".into())].into());
        header.expression_attribute_values = Some(
            [
                (":expected".to_string(), n(h.version)),
                (":status".to_string(), s(h.status.as_str())),
            ]
            .into(),
        );
        let write_id = Uuid::new_v4();
        let mut items = vec![TransactWriteItem::builder().delete(header).build()];
        items.extend(self.stale_chunk_deletes(before, 0)?);
        items.extend(self.companion(h, Companion::ReleasePeriodGuard)?);
        items.extend(self.history_puts(h.id, entry, write_id)?);
        for list in list_keys::invoice_counts(h) {
            items.push(count_add(&self.table, &list, -1)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(WriteOutcome::Written),
            Err(Some(Cancelled::Condition(_))) => Ok(match self.header(h.id).await? {
                // Gone: deleted by us (a retried attempt whose first try committed: the
                // entry at that version is ours) or by another request (not a write of
                // this one).
                None if self.is_own_entry(h.id, entry, write_id).await? => WriteOutcome::Written,
                None => WriteOutcome::Refused(WriteRefused::Missing),
                Some(now) => WriteOutcome::Refused(WriteRefused::Changed {
                    status: now.status,
                    version: now.version,
                }),
            }),
            Err(_) => Err(transact_failure("delete draft")),
        }
    }

    async fn payments(&self, id: Uuid) -> Result<Vec<Payment>> {
        self.invoice_records(id, keys::PAYMENTS, "Query payments")
            .await
    }

    async fn write_offs(&self, id: Uuid) -> Result<Vec<WriteOff>> {
        self.invoice_records(id, keys::WRITE_OFFS, "Query write-offs")
            .await
    }

    async fn invoice_history(&self, id: Uuid, page: PageRequest) -> Result<Page<HistoryEntry>> {
        // One entry per version, from 1: the newest entry's version is the total.
        let list = ListQuery {
            name: format!("history|{id}"),
            index: None,
            pk_attr: keys::PK,
            sk_attr: keys::SK,
            partitions: vec![keys::invoice(id)],
            descending: true,
            lo: Some("HISTORY#".into()),
            hi: Some("HISTORY#~".into()),
            filter: None,
            valid_key: |k| {
                k.strip_prefix("HISTORY#")
                    .is_some_and(|v| v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit()))
            },
            bounds: Vec::new(),
        };
        let newest = list.clone();
        let (first, stored) = futures::future::try_join(
            self.list_page::<StoredHistory>(&newest, &PageRequest::new(1, 1), u64::MAX),
            self.list_page::<StoredHistory>(&list, &page, u64::MAX),
        )
        .await?;
        let total = first.items.first().map_or(0, |h| h.entry.version);
        let mut items = Vec::with_capacity(stored.items.len());
        for StoredHistory { mut entry, parts } in stored.items {
            if parts > 0 {
                let rest = self.history_continuation(id, entry.version, parts).await?;
                entry.changes.extend(rest);
            }
            items.push(entry);
        }
        Ok(Page {
            items,
            total,
            request: stored.request,
            next: stored.next,
        })
    }
}

/// A copy of a list's query (the same partitions and bounds).
impl DynamoStore {
    /// `GET /invoices?number=`: the invoice its number guard names, if it passes the other
    /// filters; a page of 0 or 1 without a cursor (a cursor given names another list).
    async fn invoice_by_number(
        &self,
        number: &str,
        filter: &InvoiceFilter,
        page: PageRequest,
    ) -> Result<Page<InvoiceHeader>> {
        if page.cursor.is_some() {
            return Err(Error::field(
                "cursor",
                "was made for another list or other filters",
            ));
        }
        let id = self
            .get_item(keys::invoice_number_guard(number), "GetItem invoice number")
            .await?
            .and_then(|g| g.get("invoice_id").and_then(|v| v.as_s().ok()).cloned())
            .and_then(|id| id.parse::<Uuid>().ok());
        let header = match id {
            Some(id) => self.get_invoice(id).await?.map(|i| i.header),
            None => None,
        };
        let found: Vec<InvoiceHeader> = header
            .filter(|h| {
                filter.status.is_none_or(|s| s == standing(h).status())
                    && filter
                        .client_key
                        .as_deref()
                        .is_none_or(|c| c == h.client_key)
                    && filter.period.is_none_or(|p| p == h.period)
                    && filter.matches(h)
            })
            .into_iter()
            .collect();
        Ok(page.slice(found))
    }
}

impl DynamoStore {
    /// The query of one whole partition of `list` (its filter applied), to be read to the end.
    fn whole_partition(
        &self,
        list: &super::lists::ListQuery,
        partition: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(list.index.map(str::to_string))
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", list.pk_attr)
            .expression_attribute_values(":pk", s(partition));
        match &list.filter {
            Some(f) => f.apply(query),
            None => query,
        }
    }

    /// The total a list's terms add up to (every term read at once).
    async fn total_of(&self, total: &list_keys::Total) -> Result<u64> {
        fn read<'a>(
            store: &'a DynamoStore,
            term: &'a list_keys::Term,
        ) -> futures::future::BoxFuture<'a, Result<i64>> {
            Box::pin(async move {
                match term {
                    list_keys::Term::Counts(lists) => Ok(store.read_counts(lists).await? as i64),
                    list_keys::Term::Range {
                        partition, bounds, ..
                    } => {
                        store
                            .read_count_range(partition, bounds, &|key| term.keeps(key))
                            .await
                    }
                }
            })
        }
        let (plus, minus) = futures::future::try_join(
            futures::future::try_join_all(total.plus.iter().map(|t| read(self, t))),
            futures::future::try_join_all(total.minus.iter().map(|t| read(self, t))),
        )
        .await?;
        let n = plus.iter().sum::<i64>() - minus.iter().sum::<i64>();
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl InvoiceNumbering for DynamoStore {
    async fn last_invoice_number(&self, year: i32) -> Result<u64> {
        let item = self
            .get_item(keys::invoice_counter(year), "GetItem invoice counter")
            .await?;
        Ok(item
            .and_then(|i| {
                i.get("last")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0))
    }

    async fn finalize_invoice(
        &self,
        before: &Invoice,
        after: &Invoice,
        entry: &HistoryEntry,
        event: &crate::events::DomainEvent,
        posting: Option<&crate::domain::ledger::Posting>,
        year: i32,
        sequence: u64,
    ) -> Result<FinalizeOutcome> {
        let id = before.header.id;
        let number = after
            .header
            .number
            .clone()
            .ok_or_else(|| Error::Internal("finalize without a number".into()))?;
        // 0: the counter moves from sequence - 1 to sequence, and only from there.
        let mut items = vec![counter_move(
            &self.table,
            keys::invoice_counter(year),
            sequence,
        )?];
        // 1..: the header (still a draft at its version) and the line chunks.
        items.extend(self.replacement(before, after)?);
        // The number is unique for ever.
        let (gpk, gsk) = keys::invoice_number_guard(&number);
        let mut guard = put([
            (keys::PK.to_string(), s(gpk)),
            (keys::SK.to_string(), s(gsk)),
            ("invoice_id".to_string(), s(id.to_string())),
        ]
        .into())?;
        guard.table_name = self.table.clone();
        guard.condition_expression = Some("attribute_not_exists(pk)".into());
        items.push(TransactWriteItem::builder().put(guard).build());
        items.extend(self.history_puts(id, entry, Uuid::new_v4())?);
        items.push(super::outbox::outbox_put(&self.table, event)?);
        if let Some(posting) = posting {
            items.extend(self.posting_puts(posting)?);
        }

        match self.transact(items).await {
            Ok(()) => Ok(FinalizeOutcome::Done),
            Err(Some(Cancelled::Condition(failed))) => {
                let header_failed = failed.is_empty() || failed.contains(&1);
                if header_failed {
                    return Ok(match self.refused_write(before, after).await? {
                        Refusal::OwnWrite => FinalizeOutcome::Done,
                        Refusal::StillAsRead => FinalizeOutcome::NumberTaken,
                        Refusal::Refused(r) => FinalizeOutcome::Refused(r),
                    });
                }
                Ok(FinalizeOutcome::NumberTaken)
            }
            Err(_) => Err(transact_failure("finalize invoice")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `header_update` only SETs: that is a whole rewrite of the header because an item
    /// has every attribute whatever its optional fields hold (a `None` is stored as NULL,
    /// never left out). Skipping a `None` field would leave a stale value behind.
    #[test]
    fn a_header_item_has_every_attribute_whatever_its_optional_fields_hold() {
        let full = crate::pdf::sample::sample_invoice(1).header;
        let mut empty = full.clone();
        empty.number = None;
        empty.notes = None;
        empty.po_number = None;
        empty.finalized_at = None;
        empty.sent_at = None;
        empty.timezone = None;
        empty.pdf = None;
        empty.issuer = None;
        empty.locale = None;
        empty.accounting = None;
        let names = |h: &InvoiceHeader| -> std::collections::BTreeSet<String> {
            to_item(h, &list_keys::invoice_index_attrs(h))
                .expect("an item")
                .into_keys()
                .collect()
        };
        let (full_names, empty_names) = (names(&full), names(&empty));
        assert_eq!(full_names, empty_names);
        for optional in ["number", "notes", "sent_at", "pdf", "accounting", "issuer"] {
            assert!(empty_names.contains(optional), "{optional} left out");
        }
    }
}
