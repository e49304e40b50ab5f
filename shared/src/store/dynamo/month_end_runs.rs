//! Month-end run reports: a header item with the counters (`ADD`, so concurrent workers
//! never lose a count) and one item per client, in the partition `MONTH_END_RUN#<period>`.
//! A client's outcome and its counters move in one transaction, conditioned on the outcome
//! the client had (none, `retrying`, or `failed` giving way to a success), so a redelivery
//! is never counted twice and every counter (`retrying` included) stays exact.
//!
//! The client items are listed by key from the run's partition, and by outcome from the
//! `list2` index (`MONTH_END_RUN#<period>#<outcome>`, sorted by client key), so a page reads
//! what it shows; its total is the header's counter. While the schedule enqueues, the header
//! carries `enqueuing` and `enqueued_through` (the last client key counted): each page of
//! clients adds only the keys past that mark, in one conditional update, so repeated or
//! concurrent schedule runs count every client once.

use super::list_keys::{BY_STATUS, LIST_SK, ListIndex};
use super::lists::ListQuery;
use super::throttle::is_condition_failed;
use super::transact::{Cancelled, put, transact_failure};
use super::{DynamoStore, from_item, keys, s, sdk_error, to_item};
use crate::domain::client::is_valid_key;
use crate::domain::{Page, PageRequest, Period};
use crate::month_end::run::RunStatus;
use crate::month_end::{ClientOutcome, ClientRunEntry, Recorded, RunCounts, RunReport};
use crate::ports::MonthEndRunStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The index listing a run's clients by outcome.
const BY_OUTCOME: ListIndex = BY_STATUS;

/// Attempts of a write that lost a race with another write of the same item (a
/// concurrent worker or schedule run); each retry re-reads what it conditions on.
const RACE_ATTEMPTS: u32 = 8;

/// The header item as stored. Counters are read signed: a run started before `retrying`
/// was counted may take it below zero, which reads as 0.
#[derive(Deserialize)]
struct RunItem {
    /// Absent (with `started_at`) on a header a stray outcome's `ADD` created before the
    /// schedule started the run (a message redriven from the dead-letter queue).
    #[serde(default)]
    period: Option<Period>,
    #[serde(default)]
    enqueued: i64,
    #[serde(default)]
    created: i64,
    #[serde(default)]
    skipped: i64,
    #[serde(default)]
    failed: i64,
    #[serde(default)]
    retrying: i64,
    /// Present (true) while the schedule is enqueuing.
    #[serde(default)]
    enqueuing: bool,
    /// The last client key counted in `enqueued`.
    #[serde(default)]
    enqueued_through: Option<String>,
    #[serde(default)]
    started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    completed_at: Option<DateTime<Utc>>,
}

impl RunItem {
    /// The report of this header, the run of `period`.
    fn report(self, period: Period) -> RunReport {
        RunReport {
            period: self.period.unwrap_or(period),
            status: if self.completed_at.is_some() {
                RunStatus::Completed
            } else {
                RunStatus::Running
            },
            counts: self.counts(),
            started_at: self.started_at,
            completed_at: self.completed_at,
        }
    }
}

impl RunItem {
    fn counts(&self) -> RunCounts {
        let c = |v: i64| u64::try_from(v).unwrap_or(0);
        RunCounts {
            enqueued: c(self.enqueued),
            created: c(self.created),
            skipped: c(self.skipped),
            failed: c(self.failed),
            retrying: c(self.retrying),
            enqueuing: self.enqueuing,
        }
    }
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn instant(at: DateTime<Utc>) -> Result<AttributeValue> {
    serde_dynamo::to_attribute_value(at).map_err(|e| Error::Internal(format!("instant: {e}")))
}

/// Whether `key` has the shape of a run's client sort key (`CLIENT#<client key>`).
fn is_run_client_sort(key: &str) -> bool {
    key.strip_prefix(keys::MONTH_END_RUN_CLIENTS)
        .is_some_and(is_valid_key)
}

/// The list of a run's clients, all (the run's partition, by sort key) or those with one
/// outcome (their index partition, by client key).
fn run_client_list(period: Period, only: Option<&str>) -> ListQuery {
    let p = period.to_string();
    let name = format!("month-end-run|{p}|{}", only.unwrap_or(""));
    match only {
        None => ListQuery {
            name,
            index: None,
            pk_attr: keys::PK,
            sk_attr: keys::SK,
            partitions: vec![keys::month_end_run(&p)],
            descending: false,
            // `~` sorts after every character of a client key.
            lo: Some(keys::MONTH_END_RUN_CLIENTS.into()),
            hi: Some(format!("{}~", keys::MONTH_END_RUN_CLIENTS)),
            filter: None,
            valid_key: is_run_client_sort,
        },
        Some(outcome) => ListQuery {
            name,
            index: Some(BY_OUTCOME.0),
            pk_attr: BY_OUTCOME.1,
            sk_attr: LIST_SK,
            partitions: vec![keys::month_end_run_outcome(&p, outcome)],
            descending: false,
            lo: None,
            hi: None,
            filter: None,
            valid_key: is_valid_key,
        },
    }
}

impl DynamoStore {
    fn run_header_key(period: Period) -> (String, String) {
        (
            keys::month_end_run(&period.to_string()),
            keys::MONTH_END_RUN.into(),
        )
    }

    fn run_entry_key(period: Period, client_key: &str) -> (String, String) {
        (
            keys::month_end_run(&period.to_string()),
            keys::month_end_run_client(client_key),
        )
    }

    /// The client's item: in the run's partition, and in its outcome's index partition.
    fn run_entry_item(period: Period, entry: &ClientRunEntry) -> Result<super::Item> {
        let (pk, sk) = Self::run_entry_key(period, &entry.client_key);
        to_item(
            entry,
            &[
                (keys::PK, pk),
                (keys::SK, sk),
                (
                    BY_OUTCOME.1,
                    keys::month_end_run_outcome(&period.to_string(), entry.outcome.name()),
                ),
                (LIST_SK, entry.client_key.clone()),
            ],
        )
    }

    async fn run_item(&self, period: Period) -> Result<RunItem> {
        let item = self
            .get_item(Self::run_header_key(period), "GetItem month-end run")
            .await?
            .ok_or_else(|| Error::Internal(format!("month-end run {period} has no header")))?;
        from_item(item)
    }

    async fn run_counts(&self, period: Period) -> Result<RunCounts> {
        Ok(self.run_item(period).await?.counts())
    }

    /// The outcome the client has in the run (`None`: no item yet).
    async fn entry_outcome(&self, period: Period, client_key: &str) -> Result<Option<String>> {
        Ok(self
            .get_item(
                Self::run_entry_key(period, client_key),
                "GetItem month-end client",
            )
            .await?
            .and_then(|i| i.get("outcome").and_then(|o| o.as_s().ok()).cloned()))
    }

    /// Write `entry` over the client's outcome `from` (`None`: no item yet), adding one to
    /// the counter of its outcome and taking one from `from`'s, in one transaction.
    /// `false` when the client's outcome was not `from` any more.
    async fn move_entry(
        &self,
        period: Period,
        entry: &ClientRunEntry,
        from: Option<&str>,
    ) -> Result<bool> {
        let to = entry.outcome.name();
        let mut client = put(Self::run_entry_item(period, entry)?)?;
        client.table_name = self.table.clone();
        match from {
            None => client.condition_expression = Some("attribute_not_exists(pk)".into()),
            Some(state) => {
                client.condition_expression = Some("#o = :state".into());
                client.expression_attribute_names =
                    Some([("#o".to_string(), "outcome".to_string())].into());
                client.expression_attribute_values =
                    Some([(":state".to_string(), s(state))].into());
            }
        }
        let (pk, sk) = Self::run_header_key(period);
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
                TransactWriteItem::builder().put(client).build(),
                TransactWriteItem::builder().update(update).build(),
            ])
            .await
        {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(Some(Cancelled::Contention)) | Err(None) => {
                Err(transact_failure("TransactWriteItems month-end outcome"))
            }
        }
    }

    /// Replace a `retrying` entry by a newer `retrying` one (no counter moves). `false` when
    /// the client's outcome is not `retrying` any more.
    async fn retry_again(&self, period: Period, entry: &ClientRunEntry) -> Result<bool> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::run_entry_item(period, entry)?))
            .condition_expression("#o = :retrying")
            .expression_attribute_names("#o", "outcome")
            .expression_attribute_values(":retrying", s("retrying"))
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error("PutItem month-end retrying", e)),
        }
    }
}

#[async_trait]
impl MonthEndRunStore for DynamoStore {
    async fn start_run(&self, period: Period, now: DateTime<Utc>) -> Result<()> {
        let (pk, sk) = Self::run_header_key(period);
        // UpdateItem (not PutItem): the schedule's function is allowed only that write.
        let started = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            // A header without `started_at` was made by a stray outcome's `ADD` (a message
            // of a period no schedule started, redriven): start it, keeping what it counted.
            .update_expression(
                "SET #p = :p, started_at = :now, enqueued = if_not_exists(enqueued, :zero), \
                 created = if_not_exists(created, :zero), skipped = if_not_exists(skipped, :zero), \
                 failed = if_not_exists(failed, :zero), retrying = if_not_exists(retrying, :zero), \
                 enqueuing = :yes, gsi1pk = :runs, gsi1sk = :p",
            )
            .condition_expression("attribute_not_exists(started_at)")
            .expression_attribute_names("#p", "period")
            .expression_attribute_values(":p", s(period.to_string()))
            .expression_attribute_values(":now", instant(now)?)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":runs", s(keys::MONTH_END_RUNS))
            .send()
            .await;
        match started {
            Ok(_) => Ok(()),
            // Started already: it keeps its start and counts.
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error("UpdateItem month-end run start", e)),
        }
    }

    async fn count_enqueued(&self, period: Period, client_keys: &[String]) -> Result<()> {
        let Some(last) = client_keys.iter().max() else {
            return Ok(());
        };
        let (pk, sk) = Self::run_header_key(period);
        for _ in 0..RACE_ATTEMPTS {
            let run = self.run_item(period).await?;
            if !run.enqueuing {
                // Enqueuing is over: a later schedule run sends again but counts nothing.
                return Ok(());
            }
            let through = run.enqueued_through;
            let new = client_keys
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
                Err(e) => return Err(sdk_error("UpdateItem month-end enqueued", e)),
            }
        }
        Err(Error::Unavailable(
            "month-end enqueued count: kept racing".into(),
        ))
    }

    async fn finish_enqueuing(&self, period: Period) -> Result<RunCounts> {
        let (pk, sk) = Self::run_header_key(period);
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
            Err(e) => return Err(sdk_error("UpdateItem month-end enqueuing done", e)),
        }
        self.run_counts(period).await
    }

    async fn record_outcome(
        &self,
        period: Period,
        client_key: &str,
        outcome: &ClientOutcome,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        let entry = ClientRunEntry {
            client_key: client_key.to_string(),
            outcome: outcome.clone(),
            attempts,
            at: now,
        };
        let to = outcome.name();
        let is_final = outcome.counter().is_some();
        for _ in 0..RACE_ATTEMPTS {
            // Most outcomes are a client's first.
            if self.move_entry(period, &entry, None).await? {
                return self.recorded(period, is_final).await;
            }
            let from = self.entry_outcome(period, client_key).await?;
            let moved = match (from.as_deref(), to) {
                // Gone between the two reads (never deleted, but not worth trusting): again.
                (None, _) => continue,
                (Some("retrying"), "retrying") => {
                    if self.retry_again(period, &entry).await? {
                        return Ok(Recorded::Unchanged);
                    }
                    continue;
                }
                // A retried client reaches a final outcome.
                (Some("retrying"), _) => self.move_entry(period, &entry, from.as_deref()).await?,
                // Redriven from the dead-letter queue: only a success replaces `failed`. And
                // the delivery that drafted the client is the truth about it: `created`
                // replaces the `skipped` (`invoice_exists`) of a duplicate delivery that
                // recorded first.
                (Some("failed"), "created" | "skipped") | (Some("skipped"), "created") => {
                    self.move_entry(period, &entry, from.as_deref()).await?
                }
                // A final outcome stays (a redelivery after it); the counters go with it
                // while the run is not marked completed.
                _ => {
                    let run = self.run_item(period).await?;
                    return Ok(match run.completed_at {
                        Some(_) => Recorded::Unchanged,
                        None => Recorded::Kept(run.counts()),
                    });
                }
            };
            if moved {
                return self.recorded(period, is_final).await;
            }
        }
        Err(Error::Unavailable(
            "month-end outcome: kept racing with another delivery".into(),
        ))
    }

    async fn mark_completed(
        &self,
        period: Period,
        now: DateTime<Utc>,
        event: &crate::events::DomainEvent,
    ) -> Result<bool> {
        let (pk, sk) = Self::run_header_key(period);
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
            Err(_) => Err(transact_failure("month-end run completed")),
        }
    }

    async fn get_run(&self, period: Period) -> Result<Option<RunReport>> {
        let Some(item) = self
            .get_item(Self::run_header_key(period), "GetItem month-end run")
            .await?
        else {
            return Ok(None);
        };
        let run: RunItem = from_item(item)?;
        Ok(Some(run.report(period)))
    }

    async fn list_runs(&self) -> Result<Vec<RunReport>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :runs")
            .expression_attribute_values(":runs", s(keys::MONTH_END_RUNS))
            .scan_index_forward(false);
        let items: Vec<RunItem> = super::query_all(query, "Query month-end runs").await?;
        Ok(items
            .into_iter()
            .filter_map(|run| run.period.map(|p| run.report(p)))
            .collect())
    }

    async fn run_clients(
        &self,
        period: Period,
        only: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ClientRunEntry>> {
        let list = run_client_list(period, only);
        let counts = async {
            match self
                .get_item(Self::run_header_key(period), "GetItem month-end run")
                .await?
            {
                Some(item) => Ok(from_item::<RunItem>(item)?.counts()),
                None => Err(Error::not_found("month-end run")),
            }
        };
        let (counts, page) =
            futures::future::try_join(counts, self.list_page(&list, &page, u64::MAX)).await?;
        self.metrics.record(1, 1);
        let total = only.map_or(counts.listed(), |o| counts.with_outcome(o));
        Ok(Page { total, ..page })
    }
}

impl DynamoStore {
    /// What recording did: the counters after it when a final outcome was counted.
    async fn recorded(&self, period: Period, final_counted: bool) -> Result<Recorded> {
        Ok(if final_counted {
            Recorded::Counted(self.run_counts(period).await?)
        } else {
            Recorded::Unchanged
        })
    }
}
