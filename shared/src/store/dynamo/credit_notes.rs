//! Credit notes. Partition `CREDIT_NOTE#<id>` holds the note (`CREDIT_NOTE`, without its
//! lines, indexed in `gsi1` under `CREDIT_NOTES` by creation time, with `invoice_id` and
//! `client_key` for the list's filters) and its lines in chunks (`LINES#nnn`, as invoices,
//! so a 1000-line note stays under the item limit). A guard item
//! `CREDIT_NOTE_NUMBER#<number>` makes numbers unique and the counter
//! `COUNTER#CREDIT_NOTE_NUMBER#<year>` makes them gapless. Issuing is one
//! `TransactWriteItems` with the invoice's replacement and history entry.

use super::invoices::{Refusal, chunks_under, n};
use super::list_keys;
use super::lists::count_add;
use super::transact::{Cancelled, counter_move, put, transact_failure};
use super::{DynamoStore, Item, from_item, keys, s, to_item};
use crate::domain::invoice::credit_note::{CreditLine, CreditNote};
use crate::domain::{Page, PageRequest};
use crate::invoice::{HistoryEntry, Invoice};
use crate::ports::{CreditNoteFilter, CreditNoteStore, IssueOutcome};
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// Upper bound of the sort keys of a note's line chunks.
const LINES_END: &str = "LINES#~";

#[derive(Serialize, Deserialize)]
struct NoteLines {
    lines: Vec<CreditLine>,
}

impl DynamoStore {
    /// The note's items: the header (lines left out, `line_chunks` their count) and the line
    /// chunks; each only where nothing is yet.
    fn credit_note_puts(&self, note: &CreditNote) -> Result<Vec<TransactWriteItem>> {
        let chunks = chunks_under(&note.lines);
        let header = CreditNote {
            lines: Vec::new(),
            ..note.clone()
        };
        let mut attrs = vec![
            (keys::PK, keys::credit_note(note.id)),
            (keys::SK, keys::CREDIT_NOTE_HEADER.to_string()),
        ];
        attrs.extend(list_keys::credit_note_index_attrs(
            &note.client_key,
            note.invoice_id,
            keys::invoice_sort(note.created_at, note.id),
        ));
        let mut head = to_item(&header, &attrs)?;
        head.insert("line_chunks".into(), n(chunks.len() as u64));
        let mut items: Vec<Item> = vec![head];
        for (i, lines) in chunks.iter().enumerate() {
            items.push(to_item(
                &NoteLines {
                    lines: lines.to_vec(),
                },
                &[
                    (keys::PK, keys::credit_note(note.id)),
                    (keys::SK, keys::invoice_lines(i)),
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

    /// Whether the note is stored (a retried transaction whose first attempt committed).
    async fn credit_note_stored(&self, id: Uuid) -> Result<bool> {
        Ok(self
            .get_item(
                (keys::credit_note(id), keys::CREDIT_NOTE_HEADER.to_string()),
                "GetItem credit note",
            )
            .await?
            .is_some())
    }
}

#[async_trait]
impl CreditNoteStore for DynamoStore {
    async fn last_credit_note_number(&self, year: i32) -> Result<u64> {
        let item = self
            .get_item(
                keys::credit_note_counter(year),
                "GetItem credit note counter",
            )
            .await?;
        Ok(item
            .and_then(|i| {
                i.get("last")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0))
    }

    #[allow(clippy::too_many_arguments)]
    async fn issue_credit_note(
        &self,
        before: &Invoice,
        after: &Invoice,
        note: &CreditNote,
        entry: &HistoryEntry,
        event: &crate::events::DomainEvent,
        posting: Option<&crate::domain::ledger::Posting>,
        year: i32,
        sequence: u64,
    ) -> Result<IssueOutcome> {
        let id = before.header.id;
        // 0: the counter moves from sequence - 1 to sequence, and only from there.
        let mut items = vec![counter_move(
            &self.table,
            keys::credit_note_counter(year),
            sequence,
        )?];
        // 1..: the invoice header (still at the status and version read) and its lines.
        items.extend(self.replacement(before, after)?);
        // The note and its lines.
        items.extend(self.credit_note_puts(note)?);
        // The number is unique for ever.
        let (gpk, gsk) = keys::credit_note_number_guard(&note.number);
        let mut guard = put([
            (keys::PK.to_string(), s(gpk)),
            (keys::SK.to_string(), s(gsk)),
            ("credit_note_id".to_string(), s(note.id.to_string())),
            ("invoice_id".to_string(), s(id.to_string())),
        ]
        .into())?;
        guard.table_name = self.table.clone();
        guard.condition_expression = Some("attribute_not_exists(pk)".into());
        items.push(TransactWriteItem::builder().put(guard).build());
        items.extend(self.history_puts(id, entry, Uuid::new_v4())?);
        for list in list_keys::credit_note_counts(&note.client_key, note.invoice_id) {
            items.push(count_add(&self.table, &list, 1)?);
        }
        items.push(super::outbox::outbox_put(&self.table, event)?);
        if let Some(posting) = posting {
            items.extend(self.posting_puts(posting)?);
        }

        match self.transact(items).await {
            Ok(()) => Ok(IssueOutcome::Done),
            Err(Some(Cancelled::Condition(failed))) => {
                let header_failed = failed.is_empty() || failed.contains(&1);
                if !header_failed {
                    return Ok(IssueOutcome::NumberTaken);
                }
                Ok(match self.refused_write(before, after).await? {
                    // Our own earlier attempt committed only if the note is there.
                    Refusal::OwnWrite if self.credit_note_stored(note.id).await? => {
                        IssueOutcome::Done
                    }
                    Refusal::OwnWrite => {
                        IssueOutcome::Refused(crate::ports::WriteRefused::Changed {
                            status: after.header.status,
                            version: after.header.version,
                        })
                    }
                    Refusal::StillAsRead => IssueOutcome::NumberTaken,
                    Refusal::Refused(r) => IssueOutcome::Refused(r),
                })
            }
            Err(_) => Err(transact_failure("issue credit note")),
        }
    }

    async fn get_credit_note(&self, id: Uuid) -> Result<Option<CreditNote>> {
        // The note and its lines are written once, in one transaction; a query that sees the
        // header but not every chunk is read again.
        for _ in 0..5 {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(keys::credit_note(id)))
                .expression_attribute_values(":lo", s(keys::CREDIT_NOTE_HEADER))
                .expression_attribute_values(":hi", s(LINES_END))
                .consistent_read(true);
            // Sorted by sk: `CREDIT_NOTE` before `LINES#000`, `LINES#001`, ...
            let mut header: Option<(CreditNote, u64)> = None;
            let mut chunks: Vec<NoteLines> = Vec::new();
            super::query_each(query, "Query credit note", |item| {
                let sk = item
                    .get(keys::SK)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                if sk == keys::CREDIT_NOTE_HEADER {
                    let count = item
                        .get("line_chunks")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    header = Some((from_item(item)?, count));
                } else {
                    chunks.push(from_item(item)?);
                }
                Ok(())
            })
            .await?;
            let Some((mut note, count)) = header else {
                return Ok(None);
            };
            if chunks.len() as u64 == count {
                note.lines = chunks.into_iter().flat_map(|c| c.lines).collect();
                return Ok(Some(note));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(Error::Unavailable(
            "credit note read kept racing its write".into(),
        ))
    }

    async fn list_credit_notes(
        &self,
        filter: &CreditNoteFilter,
        page: PageRequest,
    ) -> Result<Page<CreditNote>> {
        let (list, counts) =
            list_keys::credit_note_list(filter.client_key.as_deref(), filter.invoice_id);
        match counts {
            Some(counts) => {
                let (total, page) = futures::future::try_join(
                    self.read_counts(&counts),
                    self.list_page(&list, &page, u64::MAX),
                )
                .await?;
                Ok(Page { total, ..page })
            }
            // One invoice's notes, of one client: counted by reading them.
            None => {
                self.list_page_where(&list, &page, &|_: &CreditNote| true)
                    .await
            }
        }
    }
}
