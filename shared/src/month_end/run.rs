//! The report of one month-end run (one period): how many clients were enqueued, and what
//! happened to each. Every final outcome is counted once per client, however often its
//! message is delivered; the run is complete when the counted outcomes reach the enqueued
//! clients.

use crate::domain::{Page, PageRequest, Period};
use crate::fan_out::{Counts, JobKind, Run};
use crate::ports::RunStore;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Month-end's runs: one per period (`MONTH_END_RUN#<period>`), one line per client.
pub static JOB: JobKind = JobKind {
    name: "month-end",
    run_prefix: "MONTH_END_RUN",
    runs_index: "MONTH_END_RUNS",
    run_key_attr: "period",
    item_attr: "client_key",
    item_prefix: "CLIENT#",
    final_outcomes: &["created", "skipped", "failed"],
};

/// What month-end did for one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ClientOutcome {
    /// A new draft.
    Created { invoice_id: Uuid },
    /// No draft: `invoice_exists`, `no_billable_worklogs`, `client_inactive` or
    /// `client_not_found`.
    Skipped { reason: String },
    /// An attempt failed; the queue delivers the message again.
    Retrying { error: String },
    /// The last attempt failed: the message waits in the dead-letter queue.
    Failed { error: String },
}

/// One client's line in the run report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClientRunEntry {
    pub client_key: String,
    #[serde(flatten)]
    pub outcome: ClientOutcome,
    /// Deliveries of the client's message seen so far (SQS `ApproximateReceiveCount`).
    pub attempts: u32,
    /// When this outcome was recorded.
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub at: DateTime<Utc>,
}

/// The counters of a run, each kept exact by the write that changes what it counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunCounts {
    /// Clients enqueued (grows page by page while the schedule is enqueuing).
    pub enqueued: u64,
    pub created: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Clients whose last attempt failed and whose message will be delivered again.
    #[serde(default)]
    pub retrying: u64,
}

/// `running` until every enqueued client has a final outcome, then `completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Completed,
}

/// The run of a period: its counters and when it started and completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunReport {
    #[schema(value_type = String, example = "2026-10")]
    pub period: Period,
    pub status: RunStatus,
    #[serde(flatten)]
    pub counts: RunCounts,
    /// When the schedule started the run; `null` for a run known only from outcomes counted
    /// before it started (a message redriven from the dead-letter queue).
    #[serde(with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<&Counts> for RunCounts {
    fn from(c: &Counts) -> Self {
        RunCounts {
            enqueued: c.enqueued,
            created: c.with_outcome("created"),
            skipped: c.with_outcome("skipped"),
            failed: c.with_outcome("failed"),
            retrying: c.retrying,
        }
    }
}

impl RunReport {
    /// The report of a month-end run.
    pub fn of(run: &Run) -> Result<Self> {
        Ok(RunReport {
            period: run
                .key
                .parse()
                .map_err(|_| Error::Internal(format!("month-end run key {:?}", run.key)))?,
            status: if run.completed_at.is_some() {
                RunStatus::Completed
            } else {
                RunStatus::Running
            },
            counts: RunCounts::from(&run.counts),
            started_at: run.started_at,
            completed_at: run.completed_at,
        })
    }
}

/// The work of a run's period that no live invoice bills, counted when the report is read
/// (work imported after the run shows here): see `GET /api/v1/reports/uninvoiced`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UninvoicedCount {
    /// Clients with such work.
    pub clients: u64,
    /// Their worklogs.
    pub worklogs: u64,
    /// Their billable minutes.
    pub minutes: u64,
}

impl UninvoicedCount {
    /// The count of the uninvoiced report's rows.
    pub fn of(rows: &[crate::invoice::uninvoiced::UninvoicedWork]) -> Self {
        let mut clients: Vec<&str> = rows.iter().map(|r| r.client_key.as_str()).collect();
        clients.dedup();
        UninvoicedCount {
            clients: clients.len() as u64,
            worklogs: rows.iter().map(|r| r.worklog_ids.len() as u64).sum(),
            minutes: rows.iter().map(|r| r.minutes).sum(),
        }
    }
}

/// One run as `GET /api/v1/month-end-runs/{period}` answers it: the report and the work of
/// its period still uninvoiced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: RunReport,
    /// `null` when the period's work could not be read now (the error is logged; the run
    /// report stands on its own).
    pub uninvoiced: Option<UninvoicedCount>,
}

/// The run of `period` with its period's uninvoiced work.
pub async fn get_run_detail(
    runs: &dyn RunStore,
    stores: crate::invoice::drafting::Stores<'_>,
    period: Period,
) -> Result<Option<RunDetail>> {
    let Some(run) = get_run(runs, period).await? else {
        return Ok(None);
    };
    let uninvoiced = match crate::invoice::uninvoiced::uninvoiced_report(stores, Some(period)).await
    {
        Ok(rows) => Some(UninvoicedCount::of(&rows)),
        Err(e) => {
            tracing::warn!(%period, error = ?e, "month-end run: uninvoiced work not counted");
            None
        }
    };
    Ok(Some(RunDetail { run, uninvoiced }))
}

/// The run of `period`.
pub async fn get_run(runs: &dyn RunStore, period: Period) -> Result<Option<RunReport>> {
    runs.get_run(&JOB, &period.to_string())
        .await?
        .as_ref()
        .map(RunReport::of)
        .transpose()
}

/// Every started run, newest period first (one a month: a short list).
pub async fn list_runs(runs: &dyn RunStore) -> Result<Vec<RunReport>> {
    runs.list_runs(&JOB)
        .await?
        .iter()
        .map(RunReport::of)
        .collect()
}

/// The run's clients ordered by key, only those with the outcome `only` when given, with
/// the true total; `NotFound` when the period has no run.
pub async fn run_clients(
    runs: &dyn RunStore,
    period: Period,
    only: Option<&str>,
    page: PageRequest,
) -> Result<Page<ClientRunEntry>> {
    let page = runs
        .run_entries(&JOB, &period.to_string(), only, page)
        .await?;
    page.try_map(|line| {
        serde_json::from_value(serde_json::Value::Object(line))
            .map_err(|e| Error::Internal(format!("month-end run line: {e}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialize_flat_with_their_name() {
        let entry = ClientRunEntry {
            client_key: "ACME".into(),
            outcome: ClientOutcome::Skipped {
                reason: "invoice_exists".into(),
            },
            attempts: 2,
            at: "2026-11-01T03:00:00Z".parse().unwrap(),
        };
        let v = serde_json::to_value(&entry).unwrap();
        assert_eq!(v["outcome"], "skipped");
        assert_eq!(v["reason"], "invoice_exists");
        assert_eq!(
            serde_json::from_value::<ClientRunEntry>(v.clone()).unwrap(),
            entry
        );
        // The line the fan-out run stores is this entry.
        let outcome = crate::fan_out::ItemOutcome::of(&entry.outcome).unwrap();
        let line = crate::fan_out::run::entry(&JOB, "ACME", &outcome, 2, entry.at);
        assert_eq!(serde_json::Value::Object(line), v);
    }
}
