//! The report of one month-end run (one period): how many clients were enqueued, and what
//! happened to each. Every final outcome is counted once per client, however often its
//! message is delivered; the run is complete when the counted outcomes reach the enqueued
//! clients.

use crate::domain::Period;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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

impl ClientOutcome {
    /// The counter a final outcome adds to (`created`, `skipped`, `failed`); `None` for
    /// `retrying`, which is not final.
    pub fn counter(&self) -> Option<&'static str> {
        match self {
            Self::Created { .. } => Some("created"),
            Self::Skipped { .. } => Some("skipped"),
            Self::Retrying { .. } => None,
            Self::Failed { .. } => Some("failed"),
        }
    }

    /// The outcome's name as stored and shown (`created`, `skipped`, `retrying`, `failed`).
    pub fn name(&self) -> &'static str {
        self.counter().unwrap_or("retrying")
    }
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
    /// The schedule is still enqueuing clients: the run cannot be complete yet.
    #[serde(skip)]
    pub enqueuing: bool,
}

impl RunCounts {
    /// Clients with a final outcome.
    pub fn done(&self) -> u64 {
        self.created + self.skipped + self.failed
    }

    /// Clients the run report lists: those with any outcome, final or `retrying`.
    pub fn listed(&self) -> u64 {
        self.done() + self.retrying
    }

    /// The clients the report lists with `outcome` (`created`, `skipped`, `retrying`,
    /// `failed`; anything else: none).
    pub fn with_outcome(&self, outcome: &str) -> u64 {
        match outcome {
            "created" => self.created,
            "skipped" => self.skipped,
            "retrying" => self.retrying,
            "failed" => self.failed,
            _ => 0,
        }
    }

    /// Enqueuing is over and every enqueued client has a final outcome.
    pub fn complete(&self) -> bool {
        !self.enqueuing && self.done() >= self.enqueued
    }
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

/// What recording an outcome did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A final outcome counted; the counters after it.
    Counted(RunCounts),
    /// Ignored: the client already had a final outcome (a redelivery), which stays as it
    /// was; the counters now (the delivery that counted it may have failed before it could
    /// mark the run completed).
    Kept(RunCounts),
    /// Kept: a `retrying` attempt after another, or a redelivery after the run completed.
    Unchanged,
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
        assert_eq!(serde_json::from_value::<ClientRunEntry>(v).unwrap(), entry);
        assert_eq!(entry.outcome.name(), "skipped");
        assert_eq!(
            ClientOutcome::Retrying { error: "x".into() }.counter(),
            None
        );
    }

    #[test]
    fn a_run_is_complete_when_every_enqueued_client_is_counted() {
        let mut c = RunCounts {
            enqueued: 3,
            created: 1,
            skipped: 1,
            retrying: 1,
            ..RunCounts::default()
        };
        assert!(!c.complete());
        assert_eq!((c.listed(), c.with_outcome("retrying")), (3, 1));
        c.retrying = 0;
        c.failed = 1;
        assert!(c.complete());
        c.enqueuing = true;
        assert!(!c.complete(), "more clients may still be enqueued");
        assert!(
            RunCounts::default().complete(),
            "no clients: nothing to wait for"
        );
    }
}
