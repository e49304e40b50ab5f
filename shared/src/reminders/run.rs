//! The report of one day's reminder run: how many invoices were enqueued and what happened
//! to each, counted once per invoice however often its message is delivered
//! (`GET /api/v1/reminder-runs/{date}` and `.../invoices`).

use super::settings::ReminderStep;
use crate::domain::{Page, PageRequest};
use crate::fan_out::{JobKind, Run};
use crate::ports::RunStore;
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The reminder runs: one per day (`REMINDER_RUN#<date>`), one line per invoice.
pub static JOB: JobKind = JobKind {
    name: "reminders",
    run_prefix: "REMINDER_RUN",
    runs_index: "REMINDER_RUNS",
    run_key_attr: "date",
    item_attr: "invoice_id",
    item_prefix: "INVOICE#",
    final_outcomes: &["sent", "skipped", "failed"],
};

/// What the day's run did for one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReminderOutcome {
    /// The step's reminder was e-mailed.
    Sent {
        step: ReminderStep,
        message_id: Uuid,
        /// The invoice became overdue that day and `invoice.overdue` was announced.
        #[serde(default)]
        overdue_announced: bool,
    },
    /// No reminder: `no_step` (only its first overdue day, or the schedule is off),
    /// `paid`, `void`, `not_issued`, `reminders_paused`, `below_minimum`, `already_sent`,
    /// `unconfirmed` (an earlier attempt may have been delivered), `no_address`,
    /// `invoice_not_found`.
    Skipped {
        reason: String,
        #[serde(default)]
        step: Option<ReminderStep>,
        #[serde(default)]
        overdue_announced: bool,
    },
    /// An attempt failed; the queue delivers the message again.
    Retrying { error: String },
    /// The last attempt failed: the message waits in the dead-letter queue.
    Failed { error: String },
}

/// One invoice's line in the run report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderRunEntry {
    pub invoice_id: Uuid,
    #[serde(flatten)]
    pub outcome: ReminderOutcome,
    /// Deliveries of the invoice's message seen so far.
    pub attempts: u32,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
}

/// `running` until every enqueued invoice has a final outcome, then `completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderRunStatus {
    Running,
    Completed,
}

/// The run of a day: its counters and when it started and completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderRunReport {
    pub date: NaiveDate,
    pub status: ReminderRunStatus,
    /// Invoices enqueued.
    pub enqueued: u64,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Invoices whose last attempt failed and whose message will be delivered again.
    pub retrying: u64,
    #[serde(with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl ReminderRunReport {
    /// The report of a reminder run.
    pub fn of(run: &Run) -> Result<Self> {
        let c = &run.counts;
        Ok(ReminderRunReport {
            date: run
                .key
                .parse()
                .map_err(|_| Error::Internal(format!("reminder run key {:?}", run.key)))?,
            status: if run.completed_at.is_some() {
                ReminderRunStatus::Completed
            } else {
                ReminderRunStatus::Running
            },
            enqueued: c.enqueued,
            sent: c.with_outcome("sent"),
            skipped: c.with_outcome("skipped"),
            failed: c.with_outcome("failed"),
            retrying: c.retrying,
            started_at: run.started_at,
            completed_at: run.completed_at,
        })
    }
}

/// The run of `date`.
pub async fn get_run(runs: &dyn RunStore, date: NaiveDate) -> Result<Option<ReminderRunReport>> {
    runs.get_run(&JOB, &date.to_string())
        .await?
        .as_ref()
        .map(ReminderRunReport::of)
        .transpose()
}

/// The run's invoices ordered by id, only those with the outcome `only` when given, with
/// the true total; `NotFound` when the day has no run.
pub async fn run_invoices(
    runs: &dyn RunStore,
    date: NaiveDate,
    only: Option<&str>,
    page: PageRequest,
) -> Result<Page<ReminderRunEntry>> {
    let page = runs
        .run_entries(&JOB, &date.to_string(), only, page)
        .await?;
    page.try_map(|line| {
        serde_json::from_value(serde_json::Value::Object(line))
            .map_err(|e| Error::Internal(format!("reminder run line: {e}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reminders::StepKind;

    #[test]
    fn a_line_is_the_outcome_tagged_with_its_invoice() {
        let entry = ReminderRunEntry {
            invoice_id: Uuid::from_u128(7),
            outcome: ReminderOutcome::Sent {
                step: ReminderStep {
                    days_after_due: 7,
                    kind: StepKind::Overdue,
                },
                message_id: Uuid::from_u128(8),
                overdue_announced: false,
            },
            attempts: 1,
            at: "2026-12-04T04:00:00Z".parse().unwrap(),
        };
        let outcome = crate::fan_out::ItemOutcome::of(&entry.outcome).unwrap();
        assert_eq!(outcome.name, "sent");
        let line =
            crate::fan_out::run::entry(&JOB, &entry.invoice_id.to_string(), &outcome, 1, entry.at);
        let back: ReminderRunEntry =
            serde_json::from_value(serde_json::Value::Object(line)).unwrap();
        assert_eq!(back, entry);
    }
}
