//! Clients' accounts. Partition `LEDGER#<client>` holds per currency the head
//! (`HEAD#<currency>`: number of the last entry, outstanding, credit balance) and the
//! entries (`ENTRY#<currency>#<booked at>#<seq>`, so a range of days is one Query), and
//! the client's transfers (`PAYMENT#…`) and refunds (`REFUND#…`). Entries are also in
//! `gsi1` under `LEDGER_ENTRIES#<shard>` by booking instant (the aging of a day past).
//! A posting is written in the transaction of its change: the entries only where none
//! is, the head only if its number is still the one read.

use super::transact::{Cancelled, put, transact_failure};
use super::{DynamoStore, Item, from_item, keys, query_all, s, to_item};
use crate::domain::ledger::client_payment::{ClientPayment, Refund};
use crate::domain::ledger::{LedgerEntry, LedgerHead, Posting};
use crate::events::DomainEvent;
use crate::ports::{AccountRecord, InvoiceWrite, LedgerStore};
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use chrono::{DateTime, Utc};

impl DynamoStore {
    /// The writes of `posting`: each entry where none is, then the head at its new number
    /// only if the stored one is still at the number read (or absent, for a new account).
    pub(super) fn posting_puts(&self, posting: &Posting) -> Result<Vec<TransactWriteItem>> {
        let pk = keys::ledger(&posting.head.client_key);
        let mut items = Vec::new();
        for e in &posting.entries {
            let mut p = put(to_item(
                e,
                &[
                    (keys::PK, pk.clone()),
                    (keys::SK, keys::ledger_entry(e)),
                    (keys::GSI1PK, keys::ledger_entries_index(&e.client_key)),
                    (keys::GSI1SK, keys::ledger_entry_index_sort(e)),
                ],
            )?)?;
            p.table_name = self.table.clone();
            p.condition_expression = Some("attribute_not_exists(pk)".into());
            items.push(TransactWriteItem::builder().put(p).build());
        }
        let mut head = put(to_item(
            &posting.head,
            &[
                (keys::PK, pk),
                (keys::SK, keys::ledger_head(&posting.head.currency)),
            ],
        )?)?;
        head.table_name = self.table.clone();
        match posting.expected_seq {
            None => head.condition_expression = Some("attribute_not_exists(pk)".into()),
            Some(seq) => {
                head.condition_expression = Some("seq = :read".into());
                head.expression_attribute_values =
                    Some([(":read".to_string(), AttributeValue::N(seq.to_string()))].into());
            }
        }
        items.push(TransactWriteItem::builder().put(head).build());
        Ok(items)
    }

    /// The put of a new record of the client's account.
    fn record_put(&self, record: AccountRecord<'_>) -> Result<TransactWriteItem> {
        let item: Item = match record {
            AccountRecord::ClientPayment(p) => to_item(
                p,
                &[
                    (keys::PK, keys::ledger(&p.client_key)),
                    (keys::SK, keys::client_payment(p)),
                ],
            )?,
            AccountRecord::Refund(r) => to_item(
                r,
                &[
                    (keys::PK, keys::ledger(&r.client_key)),
                    (keys::SK, keys::refund(r)),
                ],
            )?,
        };
        let mut p = put(item)?;
        p.table_name = self.table.clone();
        p.condition_expression = Some("attribute_not_exists(pk)".into());
        Ok(TransactWriteItem::builder().put(p).build())
    }

    /// Every record of the client's ledger partition under `prefix`, oldest first.
    async fn ledger_records<T: serde::de::DeserializeOwned + Send>(
        &self,
        client_key: &str,
        prefix: &str,
        what: &str,
    ) -> Result<Vec<T>> {
        query_all(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(keys::ledger(client_key)))
                .expression_attribute_values(":prefix", s(prefix))
                .consistent_read(true),
            what,
        )
        .await
    }

    /// Whether `posting` is stored already: a retried transaction whose first attempt
    /// committed. Its last entry is there with the same record (a transfer's, a refund's
    /// id: never another request's, even one that computed the same figures at the same
    /// instant); an opening (no record) counts as stored when the head is the one it leads to.
    async fn is_own_posting(&self, posting: &Posting) -> Result<bool> {
        let Some(last) = posting.entries.last() else {
            // Nothing to book is never written (and never sent: see `post`).
            return Ok(false);
        };
        let stored = self
            .get_item(
                (keys::ledger(&last.client_key), keys::ledger_entry(last)),
                "GetItem ledger entry",
            )
            .await?
            .map(from_item::<LedgerEntry>)
            .transpose()?;
        Ok(match (stored, last.record_id) {
            (Some(entry), Some(record)) => entry.record_id == Some(record),
            (Some(_), None) => {
                self.ledger_head(&posting.head.client_key, &posting.head.currency)
                    .await?
                    .as_ref()
                    == Some(&posting.head)
            }
            (None, _) => false,
        })
    }
}

#[async_trait]
impl LedgerStore for DynamoStore {
    async fn ledger_head(&self, client_key: &str, currency: &str) -> Result<Option<LedgerHead>> {
        self.get_item(
            (keys::ledger(client_key), keys::ledger_head(currency)),
            "GetItem ledger head",
        )
        .await?
        .map(from_item)
        .transpose()
    }

    async fn ledger_heads(&self, client_key: &str) -> Result<Vec<LedgerHead>> {
        self.ledger_records(client_key, keys::LEDGER_HEADS, "Query ledger heads")
            .await
    }

    async fn ledger_entries(
        &self,
        client_key: &str,
        currency: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LedgerEntry>> {
        if to <= from {
            return Ok(Vec::new());
        }
        query_all(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::ledger(client_key)))
                .expression_attribute_values(":from", s(keys::ledger_entries_at(currency, from)))
                .expression_attribute_values(":to", s(keys::ledger_entries_at(currency, to)))
                .consistent_read(true),
            "Query ledger entries",
        )
        .await
    }

    async fn last_entry_before(
        &self,
        client_key: &str,
        currency: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<LedgerEntry>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :first AND :at")
            .expression_attribute_values(":pk", s(keys::ledger(client_key)))
            .expression_attribute_values(":first", s(keys::ledger_entries(currency)))
            .expression_attribute_values(":at", s(keys::ledger_entries_at(currency, at)))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| super::sdk_error("Query ledger entry before", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()
    }

    async fn all_entries_booked_before(&self, at: DateTime<Utc>) -> Result<Vec<LedgerEntry>> {
        let bound = at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        let mut all = Vec::new();
        for shard in 0..keys::LEDGER_SHARDS {
            all.extend(
                query_all::<LedgerEntry>(
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(keys::GSI1)
                        .key_condition_expression("gsi1pk = :pk AND gsi1sk < :at")
                        .expression_attribute_values(":pk", s(keys::ledger_entries_shard(shard)))
                        .expression_attribute_values(":at", s(bound.clone())),
                    "Query ledger entries by time",
                )
                .await?,
            );
        }
        Ok(all)
    }

    async fn post(
        &self,
        invoices: &[InvoiceWrite<'_>],
        records: &[AccountRecord<'_>],
        posting: &Posting,
        event: Option<&DomainEvent>,
    ) -> Result<bool> {
        let mut items = Vec::new();
        // The invoices' list counts, summed per count: invoices of one client share some.
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for w in invoices {
            let (replaced, moves) = self.replacement_without_counts(w.before, w.after)?;
            items.extend(replaced);
            for (list, delta) in moves {
                *counts.entry(list).or_default() += delta;
            }
            for c in w.companions {
                items.extend(self.companion(&w.after.header, *c)?);
            }
            items.extend(self.history_puts(w.before.header.id, w.entry, uuid::Uuid::new_v4())?);
        }
        for (list, delta) in counts.into_iter().filter(|(_, d)| *d != 0) {
            items.push(super::lists::count_add(&self.table, &list, delta)?);
        }
        for r in records {
            items.push(self.record_put(*r)?);
        }
        items.extend(self.posting_puts(posting)?);
        if let Some(event) = event {
            items.push(super::outbox::outbox_put(&self.table, event)?);
        }
        if items.len() > 100 {
            return Err(Error::field(
                "allocations",
                "too many invoices, or invoices too large, for one write: allocate fewer",
            ));
        }
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => self.is_own_posting(posting).await,
            Err(_) => Err(transact_failure("post to a client's account")),
        }
    }

    async fn client_payments(&self, client_key: &str) -> Result<Vec<ClientPayment>> {
        self.ledger_records(client_key, "PAYMENT#", "Query client payments")
            .await
    }

    async fn refunds(&self, client_key: &str) -> Result<Vec<Refund>> {
        self.ledger_records(client_key, "REFUND#", "Query refunds")
            .await
    }
}
