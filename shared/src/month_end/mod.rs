//! Month-end through a queue: the schedule enqueues one [`DraftRequest`] per active client
//! ([`enqueue`]); a worker drafts each client on its own ([`worker`]), retried by the queue
//! and dead-lettered when it keeps failing; every client's outcome is kept in the period's
//! [`run`] report, which knows when the run is complete.

pub mod enqueue;
pub mod request;
pub mod run;
pub mod worker;

pub use enqueue::{EnqueueSummary, enqueue_month_end};
pub use request::DraftRequest;
pub use run::{ClientOutcome, ClientRunEntry, Recorded, RunCounts, RunReport};
pub use worker::{Delivery, draft_requested};

/// Who month-end drafts are created by, in their history.
pub const ACTOR: &str = "system:month-end";
