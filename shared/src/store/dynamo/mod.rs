//! The DynamoDB adapter: one table, keys and access patterns documented in
//! `docs/data-model.md`. Records are (de)serialized with `serde_dynamo`; the key attributes
//! are added beside them.

mod backfill;
mod clients;
mod credit_notes;
mod idempotency;
mod invoices;
mod job_runs;
pub mod keys;
mod ledger;
pub mod list_keys;
mod lists;
mod messages;
pub mod metrics;
mod outbox;
mod rates;
mod refresh_tokens;
mod settings;
mod throttle;
mod transact;
mod users;
mod worklogs;

use crate::ports::DependencyCheck;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
pub use backfill::BackfillReport;
pub use lists::count_name;
pub use outbox::{event_from_image, image_of};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The single table behind every store port.
#[derive(Clone)]
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    metrics: std::sync::Arc<metrics::ListMetrics>,
}

impl DynamoStore {
    /// An adapter for `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            metrics: Default::default(),
        }
    }

    /// What list reads this store made so far (calls and items read), for benchmarks.
    pub fn list_metrics(&self) -> &metrics::ListMetrics {
        &self.metrics
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Turn an SDK failure into the service's error: transport failures, time-outs, throttling
/// and 5xx answers mean the dependency is unavailable (503); anything else is internal.
pub(crate) fn sdk_error<E, R>(operation: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let detail = format!(
        "{operation}: {}",
        aws_sdk_dynamodb::error::DisplayErrorContext(&err)
    );
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Error::Unavailable(detail),
        SdkError::ServiceError(service) => match service.err().code() {
            Some(
                "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "SlowDown",
            ) => Error::Unavailable(detail),
            _ => Error::Internal(detail),
        },
        _ => Error::Internal(detail),
    }
}

/// Serialize a record and add its key attributes.
pub(crate) fn to_item<T: Serialize>(record: &T, keys: &[(&str, String)]) -> Result<Item> {
    let mut item: Item = serde_dynamo::to_item(record)
        .map_err(|e| Error::Internal(format!("serialize item: {e}")))?;
    for (name, value) in keys {
        item.insert((*name).to_string(), AttributeValue::S(value.clone()));
    }
    Ok(item)
}

/// Deserialize a record, ignoring the key attributes.
pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T> {
    serde_dynamo::from_item(item).map_err(|e| Error::Internal(format!("deserialize item: {e}")))
}

impl DynamoStore {
    /// `GetItem` of `pk` / `sk`, strongly consistent.
    pub(crate) async fn get_item(
        &self,
        (pk, sk): (String, String),
        operation: &str,
    ) -> Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error(operation, e))?;
        Ok(out.item)
    }
}

impl DynamoStore {
    /// Apply `requests` (puts and deletes) with `BatchWriteItem`, 25 at a time, sending what
    /// DynamoDB left unprocessed again with a growing pause; 503 when some are still left
    /// after 8 rounds.
    pub(crate) async fn write_batches(
        &self,
        requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
        operation: &str,
    ) -> Result<()> {
        for batch in requests.chunks(25) {
            let mut pending = batch.to_vec();
            for round in 0..8u32 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(|e| sdk_error(operation, e))?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20 << round.min(5))).await;
            }
            if !pending.is_empty() {
                return Err(Error::Unavailable(format!(
                    "{operation}: {} items left unwritten",
                    pending.len()
                )));
            }
        }
        Ok(())
    }
}

/// Run a query through all its pages; `visit` sees every item in order.
pub(crate) async fn query_each(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    operation: &str,
    mut visit: impl FnMut(Item) -> Result<()> + Send,
) -> Result<()> {
    let mut pages = query.into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| sdk_error(operation, e))?;
        for item in page.items.unwrap_or_default() {
            visit(item)?;
        }
    }
    Ok(())
}

/// Every item of a query, deserialized.
pub(crate) async fn query_all<T: DeserializeOwned + Send>(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    operation: &str,
) -> Result<Vec<T>> {
    let mut all = Vec::new();
    query_each(query, operation, |item| {
        all.push(from_item(item)?);
        Ok(())
    })
    .await?;
    Ok(all)
}

/// A string attribute value.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

#[async_trait]
impl DependencyCheck for DynamoStore {
    fn name(&self) -> &'static str {
        "dynamodb"
    }

    /// `DescribeTable` on the configured table.
    async fn check(&self) -> Result<()> {
        self.client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", e))?;
        Ok(())
    }
}
