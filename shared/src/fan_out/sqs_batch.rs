//! A fan-out job's worker Lambda: the SQS event source delivers batches of the job's
//! queue; every message is handled on its own, and those that fail are answered as batch
//! item failures (`ReportBatchItemFailures`), so SQS delivers only them again and, after
//! `maxReceiveCount` deliveries, moves them to the dead-letter queue.

use super::FanOutJob;
use super::run::Delivery;
use super::worker::item_requested;
use crate::ports::RunStore;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use futures::StreamExt;

/// Messages of a batch handled at once.
const CONCURRENCY: usize = 10;

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

/// Handle a batch: every message on its own; the answer names the messages that failed.
pub async fn handle_batch(
    job: &dyn FanOutJob,
    runs: &dyn RunStore,
    event: &SqsEvent,
    max_receives: u32,
    now: DateTime<Utc>,
) -> SqsBatchResponse {
    let tasks: Vec<_> = event
        .records
        .iter()
        .map(|message| async move {
            let id = message.message_id.clone().unwrap_or_default();
            let body = message.body.as_deref().unwrap_or_default();
            let done = item_requested(job, runs, body, delivery(message, max_receives), now);
            (id, done.await.is_ok())
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
            job = job.kind().name,
            failed = failed.len(),
            of = event.records.len(),
            "fan-out batch: messages to retry"
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
