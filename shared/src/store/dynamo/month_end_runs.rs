//! Month-end run reports: a header item with the counters (`ADD`, so concurrent workers
//! never lose a count) and one item per client, in the partition `MONTH_END_RUN#<period>`.
//! A client's final outcome and its counter move in one transaction, conditioned on the
//! client having no final outcome yet, so a redelivery is never counted twice.

use super::throttle::is_condition_failed;
use super::transact::{Cancelled, put, transact_failure};
use super::{DynamoStore, from_item, keys, query_page, s, sdk_error, to_item};
use crate::domain::{Page, PageRequest, Period};
use crate::month_end::run::RunStatus;
use crate::month_end::{ClientOutcome, ClientRunEntry, Recorded, RunCounts, RunReport};
use crate::ports::MonthEndRunStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The header item as stored.
#[derive(Deserialize)]
struct RunItem {
    period: Period,
    #[serde(default)]
    enqueued: u64,
    #[serde(default)]
    created: u64,
    #[serde(default)]
    skipped: u64,
    #[serde(default)]
    failed: u64,
    started_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

impl RunItem {
    fn counts(&self) -> RunCounts {
        RunCounts {
            enqueued: self.enqueued,
            created: self.created,
            skipped: self.skipped,
            failed: self.failed,
        }
    }
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn instant(at: DateTime<Utc>) -> Result<AttributeValue> {
    serde_dynamo::to_attribute_value(at).map_err(|e| Error::Internal(format!("instant: {e}")))
}

/// Where a final outcome may be written from.
#[derive(Clone, Copy)]
enum From {
    /// No outcome yet, or only `retrying`.
    Open,
    /// `failed` (the message was redriven from the dead-letter queue and now succeeded).
    Failed,
}

impl DynamoStore {
    fn run_header_key(period: Period) -> (String, String) {
        (
            keys::month_end_run(&period.to_string()),
            keys::MONTH_END_RUN.into(),
        )
    }

    fn run_entry_item(period: Period, entry: &ClientRunEntry) -> Result<super::Item> {
        to_item(
            entry,
            &[
                (keys::PK, keys::month_end_run(&period.to_string())),
                (keys::SK, keys::month_end_run_client(&entry.client_key)),
            ],
        )
    }

    async fn run_counts(&self, period: Period) -> Result<RunCounts> {
        let item = self
            .get_item(Self::run_header_key(period), "GetItem month-end run")
            .await?
            .ok_or_else(|| Error::Internal(format!("month-end run {period} has no header")))?;
        Ok(from_item::<RunItem>(item)?.counts())
    }

    /// Write a final outcome from `from`, counting it (and uncounting `failed` when moving
    /// from there), in one transaction. `false` when the condition did not hold.
    async fn count_final(
        &self,
        period: Period,
        entry: &ClientRunEntry,
        counter: &str,
        from: From,
    ) -> Result<bool> {
        let mut client = put(Self::run_entry_item(period, entry)?)?;
        client.table_name = self.table.clone();
        client.expression_attribute_names =
            Some([("#o".to_string(), "outcome".to_string())].into());
        let (condition, state) = match from {
            From::Open => ("attribute_not_exists(pk) OR #o = :state", "retrying"),
            From::Failed => ("#o = :state", "failed"),
        };
        client.condition_expression = Some(condition.into());
        client.expression_attribute_values = Some([(":state".to_string(), s(state))].into());
        let (pk, sk) = Self::run_header_key(period);
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .expression_attribute_names("#c", counter)
            .expression_attribute_values(":one", n(1));
        update = match from {
            From::Open => update.update_expression("ADD #c :one"),
            From::Failed => update
                .update_expression("ADD #c :one, #f :minus")
                .expression_attribute_names("#f", "failed")
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
}

#[async_trait]
impl MonthEndRunStore for DynamoStore {
    async fn start_run(&self, period: Period, enqueued: u64, now: DateTime<Utc>) -> Result<()> {
        let (pk, sk) = Self::run_header_key(period);
        self.client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression(
                "SET #p = if_not_exists(#p, :p), enqueued = if_not_exists(enqueued, :n), \
                 started_at = if_not_exists(started_at, :now) \
                 ADD created :zero, skipped :zero, failed :zero",
            )
            .expression_attribute_names("#p", "period")
            .expression_attribute_values(":p", s(period.to_string()))
            .expression_attribute_values(":n", n(enqueued as i64))
            .expression_attribute_values(":now", instant(now)?)
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem month-end run start", e))?;
        Ok(())
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
        let Some(counter) = outcome.counter() else {
            // `retrying`: kept only while the client has no final outcome.
            let written = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(Self::run_entry_item(period, &entry)?))
                .condition_expression("attribute_not_exists(pk) OR #o = :retrying")
                .expression_attribute_names("#o", "outcome")
                .expression_attribute_values(":retrying", s("retrying"))
                .send()
                .await;
            return match written {
                Ok(_) => Ok(Recorded::Unchanged),
                Err(e) if is_condition_failed(&e) => Ok(Recorded::Unchanged),
                Err(e) => Err(sdk_error("PutItem month-end retrying", e)),
            };
        };
        if self
            .count_final(period, &entry, counter, From::Open)
            .await?
        {
            return Ok(Recorded::Counted(self.run_counts(period).await?));
        }
        // A final outcome exists. Only `failed` gives way, to a success.
        if counter == "failed" {
            return Ok(Recorded::Unchanged);
        }
        let existing = self
            .get_item(
                (
                    keys::month_end_run(&period.to_string()),
                    keys::month_end_run_client(client_key),
                ),
                "GetItem month-end client",
            )
            .await?
            .map(from_item::<ClientRunEntry>)
            .transpose()?;
        if matches!(
            existing.map(|e| e.outcome),
            Some(ClientOutcome::Failed { .. })
        ) && self
            .count_final(period, &entry, counter, From::Failed)
            .await?
        {
            return Ok(Recorded::Counted(self.run_counts(period).await?));
        }
        Ok(Recorded::Unchanged)
    }

    async fn mark_completed(&self, period: Period, now: DateTime<Utc>) -> Result<bool> {
        let (pk, sk) = Self::run_header_key(period);
        let marked = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression("SET completed_at = :now")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(completed_at)")
            .expression_attribute_values(":now", instant(now)?)
            .send()
            .await;
        match marked {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error("UpdateItem month-end run completed", e)),
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
        Ok(Some(RunReport {
            period: run.period,
            status: if run.completed_at.is_some() {
                RunStatus::Completed
            } else {
                RunStatus::Running
            },
            counts: run.counts(),
            started_at: run.started_at,
            completed_at: run.completed_at,
        }))
    }

    async fn run_clients(
        &self,
        period: Period,
        only: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<ClientRunEntry>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :clients)")
            .expression_attribute_values(":pk", s(keys::month_end_run(&period.to_string())))
            .expression_attribute_values(":clients", s(keys::MONTH_END_RUN_CLIENTS));
        if let Some(outcome) = only {
            query = query
                .filter_expression("#o = :only")
                .expression_attribute_names("#o", "outcome")
                .expression_attribute_values(":only", s(outcome));
        }
        query_page(query, "Query month-end run clients", page).await
    }
}
