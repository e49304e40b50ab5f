//! Worklogs: one item per worklog id; a client's worklogs by date through `gsi1`
//! (`CLIENT#<key>#WORKLOGS`, `<date>#<id>`). Writes are `BatchWriteItem` puts of 25.

use super::{DynamoStore, keys, query_all, query_page, s, sdk_error, to_item};
use crate::domain::{DateRange, Page, PageRequest, Worklog};
use crate::ports::WorklogStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;

/// DynamoDB's limit of writes in one `BatchWriteItem`.
const BATCH: usize = 25;
/// Batches in flight at once.
const PARALLEL_BATCHES: usize = 4;
/// Rounds of retrying unprocessed items before giving up (503).
const MAX_ROUNDS: u32 = 8;

impl DynamoStore {
    /// The index query of a client's worklogs in `range`, in date-then-id order.
    fn worklog_range_query(
        &self,
        client_key: &str,
        range: DateRange,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let (lo, hi) = keys::worklog_sort_bounds(range.from, range.to);
        self.client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi")
            .expression_attribute_values(":pk", s(keys::client_worklogs(client_key)))
            .expression_attribute_values(":lo", s(lo))
            .expression_attribute_values(":hi", s(hi))
    }

    async fn write_batch(&self, mut requests: Vec<WriteRequest>) -> Result<()> {
        for round in 0..MAX_ROUNDS {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|e| sdk_error("BatchWriteItem worklogs", e))?;
            requests = out
                .unprocessed_items
                .and_then(|mut m| m.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25 << round.min(6))).await;
        }
        Err(Error::Unavailable(
            "BatchWriteItem worklogs: items left unprocessed".into(),
        ))
    }
}

#[async_trait]
impl WorklogStore for DynamoStore {
    async fn worklog_page(
        &self,
        client_key: &str,
        range: DateRange,
        page: PageRequest,
    ) -> Result<Page<Worklog>> {
        query_page(
            self.worklog_range_query(client_key, range),
            "Query worklogs",
            page,
        )
        .await
    }

    async fn worklogs_in_range(&self, client_key: &str, range: DateRange) -> Result<Vec<Worklog>> {
        query_all(
            self.worklog_range_query(client_key, range),
            "Query worklogs",
        )
        .await
    }

    async fn put_worklogs(&self, worklogs: &[Worklog]) -> Result<()> {
        let requests = worklogs
            .iter()
            .map(|w| {
                let (pk, sk) = keys::worklog(w);
                let item = to_item(
                    w,
                    &[
                        (keys::PK, pk),
                        (keys::SK, sk),
                        (keys::GSI1PK, keys::client_worklogs(&w.client_key)),
                        (keys::GSI1SK, keys::worklog_sort(w)),
                    ],
                )?;
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(|e| Error::Internal(format!("put request: {e}")))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>>>()?;
        let batches: Vec<Vec<WriteRequest>> = requests
            .chunks(BATCH)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        futures::stream::iter(batches)
            .map(|batch| self.write_batch(batch))
            .buffer_unordered(PARALLEL_BATCHES)
            .try_collect::<()>()
            .await
    }
}
