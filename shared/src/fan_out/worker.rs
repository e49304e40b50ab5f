//! The worker's half of a fan-out job: one item per message, its outcome recorded in the
//! run, and the run's completion noticed by the worker whose outcome completed it.

use super::FanOutJob;
use super::run::{Counts, Delivery, ItemOutcome, Recorded};
use crate::Result;
use crate::ports::RunStore;
use chrono::{DateTime, Utc};

/// Handle the item a message asks for and record the outcome in its run. `Ok` when the
/// message is done with (a final outcome, a redelivery included); `Err` when it must be
/// delivered again, or, on its last delivery, dead-lettered: the run then says `failed`.
pub async fn item_requested(
    job: &dyn FanOutJob,
    runs: &dyn RunStore,
    body: &str,
    delivery: Delivery,
    now: DateTime<Utc>,
) -> Result<ItemOutcome> {
    let kind = job.kind();
    let (run, item) = match job.read_message(body) {
        Ok(asked) => asked,
        Err(e) => {
            // Never handled: after its deliveries it waits in the dead-letter queue.
            tracing::error!(job = kind.name, error = %e, "unreadable fan-out message");
            return Err(e);
        }
    };
    let (run, item) = (run.as_str(), item.as_str());
    let outcome = match job.handle(run, item, now).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(job = kind.name, run, item, attempt = delivery.receive_count, error = ?e, "fan-out item failed");
            let failed = if delivery.is_last() {
                ItemOutcome::failed(kind, e.to_string())
            } else {
                ItemOutcome::retrying(e.to_string())
            };
            // The message is retried (or dead-lettered) whether or not this is recorded.
            match runs
                .record_outcome(kind, run, item, &failed, delivery.receive_count, now)
                .await
            {
                Ok(Recorded::Counted(counts) | Recorded::Kept(counts)) if counts.complete() => {
                    complete_if_done(job, runs, run, &counts, now).await?;
                }
                Ok(_) => {}
                Err(record) => {
                    tracing::warn!(job = kind.name, item, error = ?record, "fan-out outcome not recorded");
                }
            }
            return Err(e);
        }
    };
    let recorded = runs
        .record_outcome(kind, run, item, &outcome, delivery.receive_count, now)
        .await?;
    // A redelivery completes the run too when the delivery that counted the last outcome
    // failed before marking it (`mark_completed` writes once, whoever calls it).
    if let Recorded::Counted(counts) | Recorded::Kept(counts) = recorded
        && counts.complete()
    {
        complete_if_done(job, runs, run, &counts, now).await?;
    }
    Ok(outcome)
}

/// Mark run `run` completed, once, with the job's completion event in the same write:
/// every enqueued item has a final outcome (`counts` are final), and only the caller whose
/// conditional write set `completed_at` announces it.
pub(crate) async fn complete_if_done(
    job: &dyn FanOutJob,
    runs: &dyn RunStore,
    run: &str,
    counts: &Counts,
    now: DateTime<Utc>,
) -> Result<()> {
    let kind = job.kind();
    let event = job.completed_event(run, counts, now)?;
    if runs.mark_completed(kind, run, now, &event).await? {
        tracing::info!(
            job = kind.name,
            run,
            enqueued = counts.enqueued,
            outcomes = ?counts.outcomes,
            "fan-out run completed"
        );
    }
    Ok(())
}
