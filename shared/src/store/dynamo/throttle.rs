//! Login attempt counters: one item per scope (see [`keys::login_attempts`]) holding the
//! attempts counted in the current window and when that window started. Counting is one
//! conditional `UpdateItem` that refuses once the limit is reached, so no number of
//! concurrent requests counts past it; the item expires by TTL after its window.

use super::{DynamoStore, keys, s, sdk_error};
use crate::Result;
use crate::ports::{AttemptCount, AttemptScope, LoginThrottle};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

/// Rounds of "another request started or ended the window in between" before giving up.
const ROUNDS: usize = 4;

#[async_trait]
impl LoginThrottle for DynamoStore {
    async fn count_attempt(
        &self,
        scope: AttemptScope<'_>,
        limit: u32,
        window_secs: u64,
        now: DateTime<Utc>,
    ) -> Result<AttemptCount> {
        let (pk, sk) = keys::login_attempts(scope);
        let window = i64::try_from(window_secs).unwrap_or(i64::MAX / 2);
        let now_s = now.timestamp();
        let cutoff = now_s - window;
        for _ in 0..ROUNDS {
            // Count into the current window while it is under the limit.
            let counted = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(keys::PK, s(pk.clone()))
                .key(keys::SK, s(sk.clone()))
                .update_expression("ADD attempts :one")
                .condition_expression("window_start > :cutoff AND attempts < :limit")
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":cutoff", n(cutoff))
                .expression_attribute_values(":limit", n(i64::from(limit)))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let current = match counted {
                Ok(out) => {
                    let window_start = out
                        .attributes()
                        .and_then(|old| number(old, "window_start"))
                        .unwrap_or(now_s);
                    return Ok(AttemptCount::Counted { window_start });
                }
                Err(e) => match e.as_service_error() {
                    Some(
                        aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c),
                    ) => c.item().cloned(),
                    _ => return Err(sdk_error("UpdateItem login attempts", e)),
                },
            };
            if let Some(item) = &current
                && let Some(start) = number(item, "window_start")
                && start > cutoff
            {
                // The window is current, so the condition failed on the limit.
                if number(item, "attempts").unwrap_or(0) >= i64::from(limit) {
                    let ends = start.saturating_add(window);
                    return Ok(AttemptCount::LimitReached {
                        retry_after_secs: u64::try_from(ends - now_s).unwrap_or(0).max(1),
                    });
                }
                continue;
            }
            // No window, or it has ended: start one with this attempt, unless another
            // request started it in between (then the next round counts into it).
            let started = self
                .client
                .put_item()
                .table_name(&self.table)
                .item(keys::PK, s(pk.clone()))
                .item(keys::SK, s(sk.clone()))
                .item("attempts", n(1))
                .item("window_start", n(now_s))
                .item("expires_at", n(now_s.saturating_add(window)))
                .condition_expression("attribute_not_exists(pk) OR window_start <= :cutoff")
                .expression_attribute_values(":cutoff", n(cutoff))
                .send()
                .await;
            match started {
                Ok(_) => {
                    return Ok(AttemptCount::Counted {
                        window_start: now_s,
                    });
                }
                Err(e) if is_condition_failed(&e) => {}
                Err(e) => return Err(sdk_error("PutItem login attempts", e)),
            }
        }
        Err(crate::Error::Unavailable(
            "login attempts: too much contention".into(),
        ))
    }

    async fn refund_attempt(&self, scope: AttemptScope<'_>, window_start: i64) -> Result<()> {
        let (pk, sk) = keys::login_attempts(scope);
        let refunded = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression("ADD attempts :minus")
            .condition_expression("attempts > :zero AND window_start = :window")
            .expression_attribute_values(":minus", n(-1))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":window", n(window_start))
            .send()
            .await;
        match refunded {
            Ok(_) => Ok(()),
            // Nothing to give back: the attempt's window is over (another one started, or
            // TTL removed it).
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error("UpdateItem login attempts refund", e)),
        }
    }
}

/// Whether a write failed only because its condition did not hold.
pub(crate) fn is_condition_failed<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}
