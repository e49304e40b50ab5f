//! Remembered `Idempotency-Key`s: one item per (user, route, key) under
//! [`keys::idempotency`]. Claiming is one conditional `PutItem` of an in-progress record
//! (which returns the record it found when the key is taken), completing one conditional
//! `UpdateItem` that stores the answer (body as binary), releasing one conditional
//! `DeleteItem`. `expires_at` is the table's TTL attribute; an expired item that TTL has not
//! deleted yet counts as absent.

use super::throttle::is_condition_failed;
use super::{DynamoStore, Item, keys, s, sdk_error};
use crate::domain::idempotency::{
    Claim, IdempotencyRecord, IdempotencyScope, LEASE_SECS, StoredResponse, TTL_SECS,
};
use crate::ports::IdempotencyStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

const STATE: &str = "record_state";
const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn string(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

/// The record an item holds, `None` when it has expired.
fn record(item: &Item, now: DateTime<Utc>) -> Result<Option<IdempotencyRecord>> {
    if number(item, "expires_at").is_some_and(|at| at <= now.timestamp()) {
        return Ok(None);
    }
    let bad = |what: &str| Error::Internal(format!("idempotency item: {what}"));
    let fingerprint = string(item, "fingerprint").ok_or_else(|| bad("no fingerprint"))?;
    match string(item, STATE).as_deref() {
        Some(IN_PROGRESS) => Ok(Some(IdempotencyRecord::InProgress { fingerprint })),
        Some(COMPLETED) => {
            let status = number(item, "response_status")
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| bad("no status"))?;
            let headers: Vec<(String, String)> = string(item, "response_headers")
                .map(|h| serde_json::from_str(&h))
                .transpose()
                .map_err(|e| bad(&format!("headers: {e}")))?
                .unwrap_or_default();
            let body = item
                .get("response_body")
                .and_then(|v| v.as_b().ok())
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default();
            Ok(Some(IdempotencyRecord::Completed {
                fingerprint,
                response: StoredResponse {
                    status,
                    headers,
                    body,
                },
            }))
        }
        _ => Err(bad("unknown state")),
    }
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        scope: &IdempotencyScope,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim> {
        let (pk, sk) = keys::idempotency(scope);
        let claim_id = uuid::Uuid::new_v4().to_string();
        let now_s = now.timestamp();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, s(pk))
            .item(keys::SK, s(sk))
            .item(STATE, s(IN_PROGRESS))
            .item("fingerprint", s(fingerprint))
            .item("claim_id", s(claim_id.clone()))
            .item("created_at", s(now.to_rfc3339()))
            .item("locked_until", n(now_s + LEASE_SECS))
            .item("expires_at", n(now_s + TTL_SECS))
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at <= :now \
                 OR (#state = :in_progress AND locked_until <= :now)",
            )
            .expression_attribute_names("#state", STATE)
            .expression_attribute_values(":now", n(now_s))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let found = match put {
            Ok(_) => return Ok(Claim::Claimed { claim_id }),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(c)) => c.item().cloned(),
                _ => return Err(sdk_error("PutItem idempotency claim", e)),
            },
        };
        let found = match found {
            Some(item) => Some(item),
            // Not returned (an emulator may not): read it.
            None => {
                self.get_item(keys::idempotency(scope), "GetItem idempotency")
                    .await?
            }
        };
        // The SDK retries an attempt that timed out; when that attempt had committed, the
        // item found is our own claim.
        let own = |item: &Item| item.get("claim_id").and_then(|v| v.as_s().ok()) == Some(&claim_id);
        if found.as_ref().is_some_and(own) {
            return Ok(Claim::Claimed { claim_id });
        }
        let existing = match found {
            Some(item) => record(&item, now)?,
            None => None,
        };
        match existing {
            Some(record) => Ok(Claim::Taken(record)),
            // Gone in between (released by its owner): report it in progress, the caller
            // retries shortly.
            None => Ok(Claim::Taken(IdempotencyRecord::InProgress {
                fingerprint: fingerprint.to_string(),
            })),
        }
    }

    async fn complete(
        &self,
        scope: &IdempotencyScope,
        claim_id: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (pk, sk) = keys::idempotency(scope);
        let headers = serde_json::to_string(&response.headers)
            .map_err(|e| Error::Internal(format!("idempotency headers: {e}")))?;
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .condition_expression("claim_id = :claim AND #state = :in_progress")
            .expression_attribute_names("#state", STATE)
            .expression_attribute_values(":claim", s(claim_id))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":status", n(i64::from(response.status)))
            .expression_attribute_values(":headers", s(headers))
            .expression_attribute_values(":completed_at", s(now.to_rfc3339()));
        let mut set = "SET #state = :completed, response_status = :status, \
                       response_headers = :headers, completed_at = :completed_at"
            .to_string();
        if !response.body.is_empty() {
            set.push_str(", response_body = :body");
            update = update.expression_attribute_values(
                ":body",
                AttributeValue::B(Blob::new(response.body.clone())),
            );
        }
        match update
            .update_expression(format!("{set} REMOVE locked_until"))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Err(Error::Conflict(
                "the Idempotency-Key claim was lost before the answer was stored".into(),
            )),
            Err(e) => Err(sdk_error("UpdateItem idempotency complete", e)),
        }
    }

    async fn release(&self, scope: &IdempotencyScope, claim_id: &str) -> Result<()> {
        let (pk, sk) = keys::idempotency(scope);
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .condition_expression("claim_id = :claim AND #state = :in_progress")
            .expression_attribute_names("#state", STATE)
            .expression_attribute_values(":claim", s(claim_id))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error("DeleteItem idempotency release", e)),
        }
    }

    async fn get(
        &self,
        scope: &IdempotencyScope,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>> {
        match self
            .get_item(keys::idempotency(scope), "GetItem idempotency")
            .await?
        {
            Some(item) => record(&item, now),
            None => Ok(None),
        }
    }
}
