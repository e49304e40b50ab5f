//! Month-end worker: the SQS event source delivers batches of the month-end queue's
//! messages, one client's draft each. Every message is handled on its own; those that fail
//! are answered as batch item failures (`ReportBatchItemFailures`), so SQS delivers only
//! them again and, after `maxReceiveCount` deliveries, moves them to the dead-letter queue.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use proxima::invoice::service::Stores;
use proxima::month_end::{Delivery, DraftRequest, draft_requested};
use proxima::ports::MonthEndRunStore;
use proxima::state::AppState;

/// Messages of a batch drafted at once.
const CONCURRENCY: usize = 10;

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

/// Which delivery a message is (`ApproximateReceiveCount`, 1 when absent).
pub fn delivery(message: &SqsMessage, max_receives: u32) -> Delivery {
    let receive_count = message
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    Delivery {
        receive_count,
        max_receives,
    }
}

/// Handle one message; `true` when it is done with (delete it).
async fn handle_message(
    stores: Stores<'_>,
    runs: &dyn MonthEndRunStore,
    message: &SqsMessage,
    max_receives: u32,
    now: DateTime<Utc>,
) -> bool {
    let request = match DraftRequest::from_body(message.body.as_deref().unwrap_or_default()) {
        Ok(r) => r,
        Err(e) => {
            // Never drafts anything: after its deliveries it waits in the dead-letter queue.
            tracing::error!(message_id = ?message.message_id, error = %e, "unreadable month-end message");
            return false;
        }
    };
    draft_requested(stores, runs, &request, delivery(message, max_receives), now)
        .await
        .is_ok()
}

/// Handle a batch: every message on its own; the answer names the messages that failed.
pub async fn handle(
    state: &AppState,
    event: &SqsEvent,
    max_receives: u32,
    now: DateTime<Utc>,
) -> SqsBatchResponse {
    let stores = Stores {
        clients: state.clients.as_ref(),
        worklogs: state.worklogs.as_ref(),
        invoices: state.invoices.as_ref(),
    };
    handle_with(
        stores,
        state.month_end_runs.as_ref(),
        event,
        max_receives,
        now,
    )
    .await
}

/// [`handle`] over the given ports (the benchmark counts their DynamoDB calls).
pub async fn handle_with(
    stores: Stores<'_>,
    runs: &dyn MonthEndRunStore,
    event: &SqsEvent,
    max_receives: u32,
    now: DateTime<Utc>,
) -> SqsBatchResponse {
    let tasks: Vec<_> = event
        .records
        .iter()
        .map(|message| {
            let id = message.message_id.clone().unwrap_or_default();
            let done = handle_message(stores, runs, message, max_receives, now);
            async move { (id, done.await) }
        })
        .collect();
    let results: Vec<(String, bool)> = futures::stream::iter(tasks)
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let failed: Vec<String> = results
        .into_iter()
        .filter(|(_, done)| !done)
        .map(|(id, _)| id)
        .collect();
    if !failed.is_empty() {
        tracing::warn!(
            failed = failed.len(),
            of = event.records.len(),
            "month-end batch: messages to retry"
        );
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}
