//! Scheduled fan-out jobs. A schedule starts a run (keyed by its month or its day) and
//! enqueues one message per item, page by page ([`enqueue`]); a worker handles each message
//! on its own, retried by the queue and dead-lettered when it keeps failing ([`worker`],
//! [`sqs_batch`]); every item's outcome is counted once in the run's report, which knows
//! when the run is complete and announces it once ([`run`]).
//!
//! Month-end is one such job ([`crate::month_end::MonthEndJob`]). A new scheduled job is a
//! [`FanOutJob`] (which items, what handling one does, its completion event) and a
//! [`JobKind`] (how its runs are named in the table); the schedule, the queue, the worker,
//! the run report, the dead-letter queue and its alarm work as they do for month-end.

pub mod enqueue;
pub mod run;
pub mod sqs_batch;
pub mod worker;

pub use enqueue::{EnqueueSummary, enqueue_run};
pub use run::{Counts, Delivery, ItemOutcome, Recorded, Run, RunEntry};
pub use worker::item_requested;

use crate::Result;
use crate::events::DomainEvent;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// How a job's runs are kept in the table and shown in its report.
#[derive(Debug, PartialEq, Eq)]
pub struct JobKind {
    /// The job's name in logs (`month-end`).
    pub name: &'static str,
    /// A run's partition is `<run_prefix>#<run key>` (`MONTH_END_RUN`).
    pub run_prefix: &'static str,
    /// The index partition listing the job's started runs (`MONTH_END_RUNS`).
    pub runs_index: &'static str,
    /// The run header's attribute holding the run key (`period`).
    pub run_key_attr: &'static str,
    /// An entry's attribute holding the item key (`client_key`).
    pub item_attr: &'static str,
    /// An entry's sort key is this prefix and the item key (`CLIENT#`).
    pub item_prefix: &'static str,
    /// The final outcomes, each with its counter, in order of precedence: a later
    /// delivery's outcome replaces an item's earlier one only when it comes first here
    /// (month-end: `created`, `skipped`, `failed`). The last is the failure.
    pub final_outcomes: &'static [&'static str],
}

impl JobKind {
    /// The outcome of an item whose last delivery failed.
    pub fn failed(&self) -> &'static str {
        self.final_outcomes.last().copied().unwrap_or(run::FAILED)
    }
}

/// One scheduled job: its items, what handling one does, and its completion event.
#[async_trait]
pub trait FanOutJob: Send + Sync {
    /// How the job's runs are kept.
    fn kind(&self) -> &'static JobKind;
    /// Up to `limit` item keys of run `run` after `after`, in key order.
    async fn item_keys(&self, run: &str, after: Option<&str>, limit: u32) -> Result<Vec<String>>;
    /// The queue message asking for `item` of run `run`.
    fn message(&self, run: &str, item: &str) -> Result<String>;
    /// The (run, item) a message asks for; an error when it is not one of this job's
    /// messages (it never succeeds, whoever retries it).
    fn read_message(&self, body: &str) -> Result<(String, String)>;
    /// Handle one item: `Ok` with a final outcome (done with it, a redelivery included),
    /// `Err` when it must be delivered again.
    async fn handle(&self, run: &str, item: &str, now: DateTime<Utc>) -> Result<ItemOutcome>;
    /// The event announcing that run `run` is complete with `counts`.
    fn completed_event(
        &self,
        run: &str,
        counts: &Counts,
        now: DateTime<Utc>,
    ) -> Result<DomainEvent>;
}
