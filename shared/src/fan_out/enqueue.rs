//! The schedule's half of a fan-out job: one message per item, and the run started with
//! their number, so that the workers can tell when it is complete.

use super::FanOutJob;
use super::worker::complete_if_done;
use crate::Result;
use crate::ports::{JobQueue, RunStore};
use chrono::{DateTime, Utc};

/// Items read, enqueued and counted at a time: memory stays flat however many items there
/// are (the queue sends each page in batches of 10, a few at once).
pub const PAGE: u32 = 200;

/// What the schedule's invocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnqueueSummary {
    pub run: String,
    /// Messages sent: one per item.
    pub enqueued: u64,
}

/// Start run `run` of `job` and enqueue a message per item, page by page in key order.
/// Each page is sent, then counted in the run (only keys past those counted before, so a
/// repeated or concurrent run counts each item once); the run cannot complete until
/// enqueuing is finished. Safe to run again (a repeated delivery, a manual re-run, a retry
/// after a partial send): every item is sent again, and an item handled already is
/// handled by its job as a redelivery and counted nowhere twice.
pub async fn enqueue_run(
    job: &dyn FanOutJob,
    queue: &dyn JobQueue,
    runs: &dyn RunStore,
    run: &str,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    let kind = job.kind();
    // Started before any message is sent, so no worker finds it missing.
    runs.start_run(kind, run, now).await?;
    let mut enqueued = 0u64;
    let mut after: Option<String> = None;
    loop {
        let keys = job.item_keys(run, after.as_deref(), PAGE).await?;
        let Some(last) = keys.last().cloned() else {
            break;
        };
        let bodies = keys
            .iter()
            .map(|k| job.message(run, k))
            .collect::<Result<Vec<_>>>()?;
        queue.send(&bodies).await?;
        runs.count_enqueued(kind, run, &keys).await?;
        enqueued += keys.len() as u64;
        after = Some(last);
    }
    let counts = runs.finish_enqueuing(kind, run).await?;
    if counts.complete() {
        // Every worker finished before enqueuing did (or there was no item).
        complete_if_done(job, runs, run, &counts, now).await?;
    }
    tracing::info!(job = kind.name, run, enqueued, "fan-out run enqueued");
    Ok(EnqueueSummary {
        run: run.to_string(),
        enqueued,
    })
}
