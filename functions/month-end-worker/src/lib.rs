//! Month-end worker: the SQS event source delivers batches of the month-end queue's
//! messages, one client's draft each; the fan-out job's batch handler
//! ([`proxima::fan_out::sqs_batch`]) handles every message on its own and answers those
//! that failed as batch item failures, so SQS delivers only them again and, after
//! `maxReceiveCount` deliveries, moves them to the dead-letter queue.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Utc};
use proxima::fan_out::sqs_batch::handle_batch;
use proxima::invoice::drafting::Stores;
use proxima::month_end::MonthEndJob;
use proxima::ports::RunStore;
use proxima::state::AppState;

/// The queue's `maxReceiveCount` (`MONTH_END_MAX_RECEIVES`, default 3): a failure on that
/// delivery is the client's final `failed` in the run report.
pub fn max_receives_from_env() -> Result<u32, String> {
    match std::env::var("MONTH_END_MAX_RECEIVES") {
        Err(_) => Ok(3),
        Ok(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("MONTH_END_MAX_RECEIVES {v:?} is not a positive number")),
    }
}

/// Handle a batch: every message on its own; the answer names the messages that failed.
pub async fn handle(
    state: &AppState,
    event: &SqsEvent,
    max_receives: u32,
    now: DateTime<Utc>,
) -> SqsBatchResponse {
    handle_with(
        state.stores(),
        state.runs.as_ref(),
        event,
        max_receives,
        now,
    )
    .await
}

/// [`handle`] over the given ports (the benchmark counts their DynamoDB calls).
pub async fn handle_with(
    stores: Stores<'_>,
    runs: &dyn RunStore,
    event: &SqsEvent,
    max_receives: u32,
    now: DateTime<Utc>,
) -> SqsBatchResponse {
    handle_batch(&MonthEndJob { stores }, runs, event, max_receives, now).await
}
