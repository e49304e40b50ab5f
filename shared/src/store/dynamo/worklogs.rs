//! Worklogs: one item per worklog id; a client's worklogs by date through `gsi1`
//! (`CLIENT#<key>#WORKLOGS`, `<date>#<id>`). Writes are `BatchWriteItem` puts of 25.

use super::{DynamoStore, Item, from_item, keys, s, sdk_error, to_item};
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
    /// Visit every index item of a client's worklogs in `range`, in order.
    async fn scan_worklog_range(
        &self,
        client_key: &str,
        range: DateRange,
        mut visit: impl FnMut(Item) -> Result<()> + Send,
    ) -> Result<()> {
        let (lo, hi) = keys::worklog_sort_bounds(range.from, range.to);
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi")
            .expression_attribute_values(":pk", s(keys::client_worklogs(client_key)))
            .expression_attribute_values(":lo", s(lo))
            .expression_attribute_values(":hi", s(hi))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("Query worklogs", e))?;
            for item in page.items.unwrap_or_default() {
                visit(item)?;
            }
        }
        Ok(())
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
        let first = page.offset() as u64;
        let last = first + page.per_page as u64;
        let mut total = 0u64;
        let mut items = Vec::new();
        self.scan_worklog_range(client_key, range, |item| {
            if (first..last).contains(&total) {
                items.push(from_item(item)?);
            }
            total += 1;
            Ok(())
        })
        .await?;
        Ok(Page {
            items,
            total,
            request: page,
        })
    }

    async fn worklogs_in_range(&self, client_key: &str, range: DateRange) -> Result<Vec<Worklog>> {
        let mut all = Vec::new();
        self.scan_worklog_range(client_key, range, |item| {
            all.push(from_item(item)?);
            Ok(())
        })
        .await?;
        Ok(all)
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
