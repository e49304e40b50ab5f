//! Drives a worker from an SQS queue the way Lambda's SQS event source mapping does:
//! receive a batch, hand it over as the real SQS event JSON (`aws_lambda_events::SqsEvent`),
//! delete the messages the worker did not name in `batchItemFailures`, and leave those it
//! named to come back after the visibility timeout (and, past `maxReceiveCount`, to be moved
//! to the dead-letter queue by SQS). The local server, the tests and the month-end benchmark
//! use it against the emulator.

use anyhow::{Context, Result};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::time::{Duration, Instant};

/// A queue and how it is polled.
#[derive(Clone)]
pub struct SqsEventSource {
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub queue_arn: String,
    /// Messages per event (the mapping's `BatchSize`, at most 10 per receive).
    pub batch_size: i32,
}

/// What one poll did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Poll {
    /// Messages handed to the worker.
    pub received: usize,
    /// Messages the worker reported as failed (left in the queue).
    pub failed: usize,
}

impl SqsEventSource {
    /// Receive one batch (no long polling: the emulator serves one request at a time), run
    /// `worker` on it, delete what succeeded. The receive is never retried by the SDK, and
    /// waits up to two minutes for its answer: a retried receive whose first answer was lost
    /// (a time-out while the emulator served others) would have taken a delivery from the
    /// message unseen, so a message could be dead-lettered before the worker saw its last
    /// delivery.
    pub async fn poll_once<F, Fut>(&self, worker: &F) -> Result<Poll>
    where
        F: Fn(SqsEvent) -> Fut,
        Fut: Future<Output = SqsBatchResponse>,
    {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size.clamp(1, 10))
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .wait_time_seconds(0)
            .customize()
            .config_override(
                aws_sdk_sqs::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::disabled())
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .operation_attempt_timeout(Duration::from_secs(120))
                            .operation_timeout(Duration::from_secs(120))
                            .build(),
                    ),
            )
            .send()
            .await
            .context("ReceiveMessage")?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(Poll::default());
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: Map<String, Value> = m
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": "us-east-1"
                })
            })
            .collect();
        let event: SqsEvent =
            serde_json::from_value(json!({ "Records": records })).context("the SQS event JSON")?;
        let response = worker(event).await;
        let failed: std::collections::HashSet<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| !failed.contains(m.message_id().unwrap_or_default()))
            .map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .build()
                    .context("delete entry")
            })
            .collect::<Result<_>>()?;
        if !done.is_empty() {
            self.client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(done))
                .send()
                .await
                .context("DeleteMessageBatch")?;
        }
        Ok(Poll {
            received: messages.len(),
            failed: failed.len(),
        })
    }

    /// Messages in the queue, visible or in flight.
    pub async fn depth(&self) -> Result<u64> {
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .context("GetQueueAttributes")?
            .attributes
            .unwrap_or_default();
        Ok(attributes
            .values()
            .filter_map(|v| v.parse::<u64>().ok())
            .sum())
    }

    /// Poll until the queue is empty (failed messages retried after their visibility
    /// timeout, until SQS dead-letters them), at most `limit`. Returns the polls' totals.
    pub async fn drain<F, Fut>(&self, worker: &F, limit: Duration) -> Result<Poll>
    where
        F: Fn(SqsEvent) -> Fut,
        Fut: Future<Output = SqsBatchResponse>,
    {
        let started = Instant::now();
        let mut total = Poll::default();
        loop {
            let poll = self.poll_once(worker).await?;
            total.received += poll.received;
            total.failed += poll.failed;
            if poll.received == 0 {
                if self.depth().await? == 0 {
                    return Ok(total);
                }
                anyhow::ensure!(
                    started.elapsed() < limit,
                    "the queue did not drain within {limit:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Messages waiting in the queue at `url` (visible ones), e.g. a dead-letter queue.
pub async fn visible_messages(client: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .context("GetQueueAttributes")?
        .attributes
        .unwrap_or_default();
    Ok(attributes
        .get(&QueueAttributeName::ApproximateNumberOfMessages)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}
