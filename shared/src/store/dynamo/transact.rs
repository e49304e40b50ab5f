//! The generic transaction kit of the DynamoDB adapter: puts inside `TransactWriteItems`,
//! retries of transactions cancelled for contention, and what a cancellation says (which
//! conditions failed). It knows nothing about invoices.

use super::{DynamoStore, Item};
use crate::{Error, Result};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use std::time::Duration;

/// Attempts of a transaction that DynamoDB cancels for contention (`TransactionConflict`).
const CONTENTION_ATTEMPTS: u32 = 6;

/// A put of `item` for a transaction (the caller sets the table name and condition).
pub(crate) fn put(item: Item) -> Result<Put> {
    Put::builder()
        .set_item(Some(item))
        .table_name("")
        .build()
        .map_err(|e| Error::Internal(format!("put: {e}")))
}

/// The put that moves a gapless counter (`key`, attribute `last`) from `sequence - 1` to
/// `sequence`, and only from there (the first number: only when there is no counter yet).
/// Invoice and credit-note numbers both move this way, inside the transaction that uses the
/// number.
pub(crate) fn counter_move(
    table: &str,
    (pk, sk): (String, String),
    sequence: u64,
) -> Result<TransactWriteItem> {
    let n = |v: u64| AttributeValue::N(v.to_string());
    let mut counter = put([
        (super::keys::PK.to_string(), AttributeValue::S(pk)),
        (super::keys::SK.to_string(), AttributeValue::S(sk)),
        ("last".to_string(), n(sequence)),
    ]
    .into())?;
    counter.table_name = table.to_string();
    if sequence <= 1 {
        counter.condition_expression = Some("attribute_not_exists(pk)".into());
    } else {
        counter.condition_expression = Some("#last = :previous".into());
        counter.expression_attribute_names =
            Some([("#last".to_string(), "last".to_string())].into());
        counter.expression_attribute_values =
            Some([(":previous".to_string(), n(sequence - 1))].into());
    }
    Ok(TransactWriteItem::builder().put(counter).build())
}

/// How a cancelled transaction went wrong.
pub(crate) enum Cancelled {
    /// Conditions did not hold, at these positions of the transaction.
    Condition(Vec<usize>),
    /// Another transaction held an item; worth retrying.
    Contention,
}

pub(crate) fn cancelled(
    err: &SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> Option<Cancelled> {
    let Some(TransactWriteItemsError::TransactionCanceledException(e)) = err.as_service_error()
    else {
        return None;
    };
    let reasons = e.cancellation_reasons();
    let failed: Vec<usize> = reasons
        .iter()
        .enumerate()
        .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
        .map(|(i, _)| i)
        .collect();
    if !failed.is_empty() {
        return Some(Cancelled::Condition(failed));
    }
    if reasons
        .iter()
        .any(|r| r.code() == Some("TransactionConflict"))
    {
        return Some(Cancelled::Contention);
    }
    // No reasons given: treat as a failed condition somewhere.
    Some(Cancelled::Condition(Vec::new()))
}

impl DynamoStore {
    /// Run a transaction, retrying contention with back-off. `Err(Some(_))`: cancelled, and
    /// why; `Err(None)`: failed otherwise (logged here with the AWS error in full).
    pub(crate) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> std::result::Result<(), Option<Cancelled>> {
        let mut attempt = 0;
        loop {
            // The SDK gives each call a `ClientRequestToken` and repeats it on its own
            // retries (a timeout, a lost answer): DynamoDB answers a repeat of a committed
            // transaction with success instead of running its conditions again, which
            // would fail against its own write and report a committed change as refused.
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(()),
                Err(e) => match cancelled(&e) {
                    Some(Cancelled::Contention) if attempt + 1 < CONTENTION_ATTEMPTS => {
                        attempt += 1;
                        // Jittered, so that writers that met on an item (a list count) do
                        // not meet again.
                        let jitter = u64::from(uuid::Uuid::new_v4().as_u128() as u8) % 20;
                        tokio::time::sleep(Duration::from_millis((20 << attempt) + jitter)).await;
                    }
                    Some(c) => return Err(Some(c)),
                    None => {
                        // The AWS error in full, for the log only (the answer says 503).
                        tracing::error!(
                            error = %aws_sdk_dynamodb::error::DisplayErrorContext(&e),
                            "TransactWriteItems invoice failed"
                        );
                        return Err(None);
                    }
                },
            }
        }
    }
}

/// The answer when a transaction failed for a reason other than its conditions.
pub(crate) fn transact_failure(op: &str) -> Error {
    Error::Unavailable(format!("{op}: transaction failed"))
}
