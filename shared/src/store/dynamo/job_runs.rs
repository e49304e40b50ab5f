//! Fan-out job runs: a header item with the counters (`ADD`, so concurrent workers never
//! lose a count) and one item per item key, in the partition `<run prefix>#<run key>`
//! (`MONTH_END_RUN#2026-10`). An item's outcome and its counters move in one transaction,
//! conditioned on the outcome the item had (none, `retrying`, or one it takes precedence
//! over), so a redelivery is never counted twice and every counter (`retrying` included)
//! stays exact.
//!
//! The items are listed by key from the run's partition, and by outcome from the `list2`
//! index (`<run prefix>#<run key>#<outcome>`, sorted by item key), so a page reads what it
//! shows; its total is the header's counter. While the schedule enqueues, the header
//! carries `enqueuing` and `enqueued_through` (the last item key counted): each page of
//! items adds only the keys past that mark, in one conditional update, so repeated or
//! concurrent schedule runs count every item once.

use super::list_keys::{BY_STATUS, LIST_SK, ListIndex};
use super::lists::ListQuery;
use super::throttle::is_condition_failed;
use super::transact::{Cancelled, put, transact_failure};
use super::{DynamoStore, Item, from_item, keys, s, sdk_error, to_item};
use crate::domain::client::is_valid_key;
use crate::domain::{Page, PageRequest};
use crate::fan_out::JobKind;
use crate::fan_out::run::{self as fan_out_run, Counts, ItemOutcome, Recorded, Run, RunEntry};
use crate::ports::RunStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The index listing a run's items by outcome.
const BY_OUTCOME: ListIndex = BY_STATUS;

/// Attempts of a write that lost a race with another write of the same item (a
/// concurrent worker or schedule run); each retry re-reads what it conditions on.
const RACE_ATTEMPTS: u32 = 8;

/// The header item as stored; the counters of the job's outcomes are read by name.
/// Counters are read signed: a run started before `retrying` was counted may take it
/// below zero, which reads as 0.
#[derive(Deserialize)]
struct RunItem {
    #[serde(default)]
    enqueued: i64,
    #[serde(default)]
    retrying: i64,
    /// Present (true) while the schedule is enqueuing.
    #[serde(default)]
    enqueuing: bool,
    /// The last item key counted in `enqueued`.
    #[serde(default)]
    enqueued_through: Option<String>,
    #[serde(default)]
    started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    completed_at: Option<DateTime<Utc>>,
    /// Every attribute, for the run key and the outcome counters the job names.
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

impl RunItem {
    fn read(item: Item) -> Result<Self> {
        from_item(item)
    }

    fn counts(&self, kind: &JobKind) -> Counts {
        let c = |v: i64| u64::try_from(v).unwrap_or(0);
        Counts {
            enqueued: c(self.enqueued),
            outcomes: kind
                .final_outcomes
                .iter()
                .map(|o| {
                    let n = self.rest.get(*o).and_then(serde_json::Value::as_i64);
                    (o.to_string(), c(n.unwrap_or(0)))
                })
                .collect(),
            retrying: c(self.retrying),
            enqueuing: self.enqueuing,
        }
    }

    /// The run key this header stores (absent, with `started_at`, on a header a stray
    /// outcome's `ADD` created before the schedule started the run).
    fn key(&self, kind: &JobKind) -> Option<String> {
        self.rest
            .get(kind.run_key_attr)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    }

    /// The run of this header, `run` when it stores no key.
    fn run(self, kind: &JobKind, run: &str) -> Run {
        Run {
            key: self.key(kind).unwrap_or_else(|| run.to_string()),
            counts: self.counts(kind),
            started_at: self.started_at,
            completed_at: self.completed_at,
        }
    }
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn instant(at: DateTime<Utc>) -> Result<AttributeValue> {
    serde_dynamo::to_attribute_value(at).map_err(|e| Error::Internal(format!("instant: {e}")))
}

/// Whether `key` has the shape of a run item's sort key (`<prefix><item key>`, the prefix
/// ending in `#`).
fn is_run_item_sort(key: &str) -> bool {
    key.split_once('#')
        .is_some_and(|(_, item)| is_item_key(item))
}

/// Whether `key` has the shape of an item key (a client key or a UUID, as the month-end
/// and reminder runs key their items; or such keys joined by `#`).
fn is_item_key(key: &str) -> bool {
    key.split('#')
        .all(|part| is_valid_key(part) || part.parse::<uuid::Uuid>().is_ok())
}

/// The list of a run's items, all (the run's partition, by sort key) or those with one
/// outcome (their index partition, by item key).
fn run_item_list(kind: &JobKind, run: &str, only: Option<&str>) -> ListQuery {
    let name = format!("{}|{run}|{}", kind.name, only.unwrap_or(""));
    match only {
        None => ListQuery {
            name,
            index: None,
            pk_attr: keys::PK,
            sk_attr: keys::SK,
            partitions: vec![keys::run_partition(kind.run_prefix, run)],
            descending: false,
            // `~` sorts after every character of an item key.
            lo: Some(kind.item_prefix.into()),
            hi: Some(format!("{}~", kind.item_prefix)),
            filter: None,
            valid_key: is_run_item_sort,
            bounds: Vec::new(),
        },
        Some(outcome) => ListQuery {
            name,
            index: Some(BY_OUTCOME.0),
            pk_attr: BY_OUTCOME.1,
            sk_attr: LIST_SK,
            partitions: vec![keys::run_outcome(kind.run_prefix, run, outcome)],
            descending: false,
            lo: None,
            hi: None,
            filter: None,
            valid_key: is_item_key,
            bounds: Vec::new(),
        },
    }
}

fn header_key(kind: &JobKind, run: &str) -> (String, String) {
    (
        keys::run_partition(kind.run_prefix, run),
        keys::RUN_HEADER.into(),
    )
}

fn entry_key(kind: &JobKind, run: &str, item: &str) -> (String, String) {
    (
        keys::run_partition(kind.run_prefix, run),
        keys::run_item(kind.item_prefix, item),
    )
}

/// An item's line: in the run's partition, and in its outcome's index partition.
fn entry_item(
    kind: &JobKind,
    run: &str,
    item: &str,
    entry: &RunEntry,
    outcome: &str,
) -> Result<Item> {
    let (pk, sk) = entry_key(kind, run, item);
    to_item(
        entry,
        &[
            (keys::PK, pk),
            (keys::SK, sk),
            (
                BY_OUTCOME.1,
                keys::run_outcome(kind.run_prefix, run, outcome),
            ),
            (LIST_SK, item.to_string()),
        ],
    )
}

impl DynamoStore {
    async fn run_item(&self, kind: &JobKind, run: &str) -> Result<RunItem> {
        let item = self
            .get_item(header_key(kind, run), "GetItem fan-out run")
            .await?
            .ok_or_else(|| Error::Internal(format!("{} run {run} has no header", kind.name)))?;
        RunItem::read(item)
    }

    async fn run_counts(&self, kind: &JobKind, run: &str) -> Result<Counts> {
        Ok(self.run_item(kind, run).await?.counts(kind))
    }

    /// The outcome the item has in the run (`None`: no line yet).
    async fn entry_outcome(&self, kind: &JobKind, run: &str, item: &str) -> Result<Option<String>> {
        Ok(self
            .get_item(entry_key(kind, run, item), "GetItem fan-out item")
            .await?
            .and_then(|i| i.get("outcome").and_then(|o| o.as_s().ok()).cloned()))
    }

    /// Write the item's line over its outcome `from` (`None`: no line yet), adding one to
    /// the counter of its outcome and taking one from `from`'s, in one transaction.
    /// `false` when the item's outcome was not `from` any more.
    async fn move_entry(
        &self,
        kind: &JobKind,
        run: &str,
        item: &str,
        entry: &RunEntry,
        to: &str,
        from: Option<&str>,
    ) -> Result<bool> {
        let mut line = put(entry_item(kind, run, item, entry, to)?)?;
        line.table_name = self.table.clone();
        match from {
            None => line.condition_expression = Some("attribute_not_exists(pk)".into()),
            Some(state) => {
                line.condition_expression = Some("#o = :state".into());
                line.expression_attribute_names =
                    Some([("#o".to_string(), "outcome".to_string())].into());
                line.expression_attribute_values = Some([(":state".to_string(), s(state))].into());
            }
        }
        let (pk, sk) = header_key(kind, run);
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .expression_attribute_names("#to", to)
            .expression_attribute_values(":one", n(1));
        update = match from {
            None => update.update_expression("ADD #to :one"),
            Some(state) => update
                .update_expression("ADD #to :one, #from :minus")
                .expression_attribute_names("#from", state)
                .expression_attribute_values(":minus", n(-1)),
        };
        let update = update
            .build()
            .map_err(|e| Error::Internal(format!("update: {e}")))?;
        match self
            .transact(vec![
                TransactWriteItem::builder().put(line).build(),
                TransactWriteItem::builder().update(update).build(),
            ])
            .await
        {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(Some(Cancelled::Contention)) | Err(None) => {
                Err(transact_failure("TransactWriteItems fan-out outcome"))
            }
        }
    }

    /// Replace a `retrying` line by a newer `retrying` one (no counter moves). `false` when
    /// the item's outcome is not `retrying` any more.
    async fn retry_again(
        &self,
        kind: &JobKind,
        run: &str,
        item: &str,
        entry: &RunEntry,
    ) -> Result<bool> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(
                kind,
                run,
                item,
                entry,
                fan_out_run::RETRYING,
            )?))
            .condition_expression("#o = :retrying")
            .expression_attribute_names("#o", "outcome")
            .expression_attribute_values(":retrying", s(fan_out_run::RETRYING))
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error("PutItem fan-out retrying", e)),
        }
    }

    /// What recording did: the counters after it when a final outcome was counted.
    async fn recorded(&self, kind: &JobKind, run: &str, final_counted: bool) -> Result<Recorded> {
        Ok(if final_counted {
            Recorded::Counted(self.run_counts(kind, run).await?)
        } else {
            Recorded::Unchanged
        })
    }
}

#[async_trait]
impl RunStore for DynamoStore {
    async fn start_run(&self, kind: &JobKind, run: &str, now: DateTime<Utc>) -> Result<()> {
        let (pk, sk) = header_key(kind, run);
        let mut counters = vec!["enqueued", fan_out_run::RETRYING];
        counters.extend(kind.final_outcomes);
        let zeroes: Vec<String> = counters
            .iter()
            .enumerate()
            .map(|(i, _)| format!("#c{i} = if_not_exists(#c{i}, :zero)"))
            .collect();
        // UpdateItem (not PutItem): the schedule's function is allowed only that write.
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            // A header without `started_at` was made by a stray outcome's `ADD` (a message
            // of a run no schedule started, redriven): start it, keeping what it counted.
            .update_expression(format!(
                "SET #k = :k, started_at = :now, {}, enqueuing = :yes, gsi1pk = :runs, gsi1sk = :k",
                zeroes.join(", ")
            ))
            .condition_expression("attribute_not_exists(started_at)")
            .expression_attribute_names("#k", kind.run_key_attr)
            .expression_attribute_values(":k", s(run))
            .expression_attribute_values(":now", instant(now)?)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":runs", s(kind.runs_index));
        for (i, counter) in counters.iter().enumerate() {
            update = update.expression_attribute_names(format!("#c{i}"), *counter);
        }
        match update.send().await {
            Ok(_) => Ok(()),
            // Started already: it keeps its start and counts.
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error("UpdateItem fan-out run start", e)),
        }
    }

    async fn count_enqueued(&self, kind: &JobKind, run: &str, item_keys: &[String]) -> Result<()> {
        let Some(last) = item_keys.iter().max() else {
            return Ok(());
        };
        let (pk, sk) = header_key(kind, run);
        for _ in 0..RACE_ATTEMPTS {
            let header = self.run_item(kind, run).await?;
            if !header.enqueuing {
                // Enqueuing is over: a later schedule run sends again but counts nothing.
                return Ok(());
            }
            let through = header.enqueued_through;
            let new = item_keys
                .iter()
                .filter(|k| through.as_ref().is_none_or(|t| *k > t))
                .count();
            if new == 0 {
                return Ok(());
            }
            let mut update = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(keys::PK, s(&pk))
                .key(keys::SK, s(&sk))
                .update_expression("SET #through = :last ADD enqueued :n")
                .expression_attribute_names("#through", "enqueued_through")
                .expression_attribute_values(":last", s(last))
                .expression_attribute_values(":n", n(new as i64));
            update = match through {
                None => update.condition_expression(
                    "attribute_exists(enqueuing) AND attribute_not_exists(#through)",
                ),
                Some(t) => update
                    .condition_expression("attribute_exists(enqueuing) AND #through = :was")
                    .expression_attribute_values(":was", s(t)),
            };
            match update.send().await {
                Ok(_) => return Ok(()),
                // Another schedule run moved the mark: read it again.
                Err(e) if is_condition_failed(&e) => continue,
                Err(e) => return Err(sdk_error("UpdateItem fan-out enqueued", e)),
            }
        }
        Err(Error::Unavailable(format!(
            "{} enqueued count: kept racing",
            kind.name
        )))
    }

    async fn finish_enqueuing(&self, kind: &JobKind, run: &str) -> Result<Counts> {
        let (pk, sk) = header_key(kind, run);
        let finished = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression("REMOVE enqueuing")
            .condition_expression("attribute_exists(enqueuing)")
            .send()
            .await;
        match finished {
            Ok(_) => {}
            Err(e) if is_condition_failed(&e) => {}
            Err(e) => return Err(sdk_error("UpdateItem fan-out enqueuing done", e)),
        }
        self.run_counts(kind, run).await
    }

    async fn record_outcome(
        &self,
        kind: &JobKind,
        run: &str,
        item: &str,
        outcome: &ItemOutcome,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        let entry = fan_out_run::entry(kind, item, outcome, attempts, now);
        let to = outcome.name.as_str();
        let is_final = outcome.is_final();
        for _ in 0..RACE_ATTEMPTS {
            // Most outcomes are an item's first.
            if self.move_entry(kind, run, item, &entry, to, None).await? {
                return self.recorded(kind, run, is_final).await;
            }
            let from = self.entry_outcome(kind, run, item).await?;
            let moved = match from.as_deref() {
                // Gone between the two reads (never deleted, but not worth trusting): again.
                None => continue,
                Some(fan_out_run::RETRYING) if !is_final => {
                    if self.retry_again(kind, run, item, &entry).await? {
                        return Ok(Recorded::Unchanged);
                    }
                    continue;
                }
                // A retried item reaches a final outcome.
                Some(fan_out_run::RETRYING) => {
                    self.move_entry(kind, run, item, &entry, to, from.as_deref())
                        .await?
                }
                // A redelivery's outcome of higher precedence (a redriven `failed` item
                // that succeeds).
                Some(was) if fan_out_run::replaces(kind, was, to) => {
                    self.move_entry(kind, run, item, &entry, to, from.as_deref())
                        .await?
                }
                // A final outcome stays (a redelivery after it); the counters go with it
                // while the run is not marked completed.
                Some(_) => {
                    let header = self.run_item(kind, run).await?;
                    return Ok(match header.completed_at {
                        Some(_) => Recorded::Unchanged,
                        None => Recorded::Kept(header.counts(kind)),
                    });
                }
            };
            if moved {
                return self.recorded(kind, run, is_final).await;
            }
        }
        Err(Error::Unavailable(format!(
            "{} outcome: kept racing with another delivery",
            kind.name
        )))
    }

    async fn mark_completed(
        &self,
        kind: &JobKind,
        run: &str,
        now: DateTime<Utc>,
        event: &crate::events::DomainEvent,
    ) -> Result<bool> {
        let (pk, sk) = header_key(kind, run);
        let update = Update::builder()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression("SET completed_at = :now")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(completed_at)")
            .expression_attribute_values(":now", instant(now)?)
            .build()
            .map_err(|e| Error::Internal(format!("update: {e}")))?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            super::outbox::outbox_put(&self.table, event)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(_) => Err(transact_failure("fan-out run completed")),
        }
    }

    async fn get_run(&self, kind: &JobKind, run: &str) -> Result<Option<Run>> {
        let Some(item) = self
            .get_item(header_key(kind, run), "GetItem fan-out run")
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(RunItem::read(item)?.run(kind, run)))
    }

    async fn list_runs(&self, kind: &JobKind) -> Result<Vec<Run>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :runs")
            .expression_attribute_values(":runs", s(kind.runs_index))
            .scan_index_forward(false);
        let items: Vec<RunItem> = super::query_all(query, "Query fan-out runs").await?;
        Ok(items
            .into_iter()
            .filter_map(|header| {
                let key = header.key(kind)?;
                Some(header.run(kind, &key))
            })
            .collect())
    }

    async fn run_entries(
        &self,
        kind: &JobKind,
        run: &str,
        only: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<RunEntry>> {
        let list = run_item_list(kind, run, only);
        let counts = async {
            match self
                .get_item(header_key(kind, run), "GetItem fan-out run")
                .await?
            {
                Some(item) => Ok(RunItem::read(item)?.counts(kind)),
                None => Err(Error::not_found(&format!("{} run", kind.name))),
            }
        };
        let (counts, page) =
            futures::future::try_join(counts, self.list_page::<RunEntry>(&list, &page, u64::MAX))
                .await?;
        self.metrics.record(1, 1);
        let total = only.map_or(counts.listed(), |o| counts.with_outcome(o));
        let items = page
            .items
            .into_iter()
            .map(|mut line| {
                for key in [keys::PK, keys::SK, BY_OUTCOME.1, LIST_SK] {
                    line.remove(key);
                }
                line
            })
            .collect();
        Ok(Page {
            items,
            total,
            ..page
        })
    }
}
