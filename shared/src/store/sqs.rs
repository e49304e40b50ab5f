//! The SQS adapter of a fan-out job's queue (month-end's): `SendMessageBatch` of 10 (SQS's
//! limit), a few batches in flight, entries SQS refused sent again.

use crate::ports::JobQueue;
use crate::store::dynamo::sdk_error;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;

/// SQS's limit of messages in one `SendMessageBatch`.
const BATCH: usize = 10;
/// Batches in flight at once.
const PARALLEL_BATCHES: usize = 4;
/// Rounds of sending refused entries again before giving up (503).
const MAX_ROUNDS: u32 = 5;

/// The queue a fan-out job's schedule feeds and its worker drains.
#[derive(Clone)]
pub struct SqsJobQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsJobQueue {
    /// An adapter for the queue at `queue_url`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    async fn send_batch(&self, bodies: Vec<String>) -> Result<()> {
        // Entry ids are positions in `bodies`; what SQS refuses is sent again.
        let mut pending: Vec<usize> = (0..bodies.len()).collect();
        for round in 0..MAX_ROUNDS {
            let entries = pending
                .iter()
                .map(|&i| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(&bodies[i])
                        .build()
                        .map_err(|e| Error::Internal(format!("batch entry: {e}")))
                })
                .collect::<Result<Vec<_>>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| sdk_error("SendMessageBatch", e))?;
            let failed = out.failed();
            if let Some(permanent) = failed.iter().find(|f| f.sender_fault()) {
                return Err(Error::Internal(format!(
                    "SendMessageBatch refused a message: {} {}",
                    permanent.code(),
                    permanent.message().unwrap_or_default()
                )));
            }
            pending = failed.iter().filter_map(|f| f.id().parse().ok()).collect();
            if pending.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50 << round)).await;
        }
        Err(Error::Unavailable(
            "SendMessageBatch: messages left unsent".into(),
        ))
    }
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn send(&self, bodies: &[String]) -> Result<()> {
        let batches: Vec<Vec<String>> = bodies.chunks(BATCH).map(<[String]>::to_vec).collect();
        futures::stream::iter(batches)
            .map(|batch| self.send_batch(batch))
            .buffer_unordered(PARALLEL_BATCHES)
            .try_collect::<()>()
            .await
    }
}
