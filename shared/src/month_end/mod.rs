//! Month-end through a queue, as a [`crate::fan_out`] job: the schedule enqueues one
//! [`DraftRequest`] per active client; a worker drafts each client on its own, retried by
//! the queue and dead-lettered when it keeps failing; every client's outcome is kept in the
//! period's [`run`] report, which knows when the run is complete.

pub mod job;
pub mod request;
pub mod run;

pub use job::{ACTOR, EnqueueSummary, MonthEndJob, enqueue_month_end};
pub use request::DraftRequest;
pub use run::{ClientOutcome, ClientRunEntry, JOB, RunCounts, RunReport};
