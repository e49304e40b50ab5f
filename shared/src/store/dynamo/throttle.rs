//! Login throttle: one item per e-mail with a failure count and the start of its window.
//! Counting is a conditional `UpdateItem`, so concurrent failures are all counted.

use super::{DynamoStore, keys, s, sdk_error};
use crate::Result;
use crate::ports::LoginThrottle;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

#[async_trait]
impl LoginThrottle for DynamoStore {
    async fn recent_failures(&self, email: &str, now: DateTime<Utc>) -> Result<u32> {
        let item = self
            .get_item(keys::login_throttle(email), "GetItem throttle")
            .await?;
        let Some(item) = item else { return Ok(0) };
        let num = |name: &str| -> i64 {
            item.get(name)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let window_end = num("window_start") + num("window_secs");
        if now.timestamp() >= window_end {
            return Ok(0);
        }
        Ok(u32::try_from(num("failures")).unwrap_or(u32::MAX))
    }

    async fn record_failure(&self, email: &str, now: DateTime<Utc>) -> Result<()> {
        let (pk, sk) = keys::login_throttle(email);
        let window = self.login_window_secs;
        let now_s = now.timestamp();
        // Two conditional writes race safely: count into the current window, or start a new
        // window when there is none (or it has ended). If another request started the window
        // in between, the next round counts into it.
        for _ in 0..3 {
            let counted = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(keys::PK, s(pk.clone()))
                .key(keys::SK, s(sk.clone()))
                .update_expression("ADD failures :one")
                .condition_expression("attribute_exists(pk) AND window_start > :cutoff")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":cutoff", n(now_s - window))
                .send()
                .await;
            match counted {
                Ok(_) => return Ok(()),
                Err(e) if is_condition_failed(&e) => {}
                Err(e) => return Err(sdk_error("UpdateItem throttle", e)),
            }
            let started = self
                .client
                .put_item()
                .table_name(&self.table)
                .item(keys::PK, s(pk.clone()))
                .item(keys::SK, s(sk.clone()))
                .item("failures", n(1))
                .item("window_start", n(now_s))
                .item("window_secs", n(window))
                .item("expires_at", n(now_s + window))
                .condition_expression("attribute_not_exists(pk) OR window_start <= :cutoff")
                .expression_attribute_values(":cutoff", n(now_s - window))
                .send()
                .await;
            match started {
                Ok(_) => return Ok(()),
                Err(e) if is_condition_failed(&e) => {}
                Err(e) => return Err(sdk_error("PutItem throttle", e)),
            }
        }
        Err(crate::Error::Unavailable(
            "login throttle: too much contention".into(),
        ))
    }

    async fn clear_failures(&self, email: &str) -> Result<()> {
        let (pk, sk) = keys::login_throttle(email);
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem throttle", e))?;
        Ok(())
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
