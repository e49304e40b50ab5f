//! Exchange rates: `RATE#<currency>` / `<publication date>` (so the rate of a day is one
//! `Query` of the partition at or below the day, descending, limit 1), and the corrections'
//! audit beside them, `RATE#<currency>` / `AUDIT#<recorded_at>` (sorted after every date).

use super::throttle::is_condition_failed;
use super::transact::{self, Cancelled};
use super::{DynamoStore, from_item, keys, s, sdk_error, to_item};
use crate::Result;
use crate::ports::RateStore;
use crate::rates::{ExchangeRate, RateAudit, RateOrigin};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::NaiveDate;

fn rate_item(rate: &ExchangeRate) -> Result<super::Item> {
    let (pk, sk) = keys::exchange_rate(&rate.currency, rate.date);
    to_item(rate, &[(keys::PK, pk), (keys::SK, sk)])
}

#[async_trait]
impl RateStore for DynamoStore {
    async fn put_published(&self, rates: &[ExchangeRate]) -> Result<(u32, u32)> {
        let (mut stored, mut kept) = (0, 0);
        for rate in rates {
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(rate_item(rate)?))
                .condition_expression("attribute_not_exists(pk) OR origin = :cbu")
                .expression_attribute_values(":cbu", s("cbu"))
                .send()
                .await;
            match put {
                Ok(_) => stored += 1,
                Err(e) if is_condition_failed(&e) => kept += 1,
                Err(e) => return Err(sdk_error("PutItem exchange rate", e)),
            }
        }
        Ok((stored, kept))
    }

    async fn put_correction(&self, rate: &ExchangeRate) -> Result<Option<ExchangeRate>> {
        debug_assert_eq!(rate.origin, RateOrigin::Correction);
        for _ in 0..5 {
            let replaced: Option<ExchangeRate> = self
                .get_item(
                    keys::exchange_rate(&rate.currency, rate.date),
                    "GetItem exchange rate",
                )
                .await?
                .map(from_item)
                .transpose()?;
            let audit = RateAudit {
                corrected: rate.clone(),
                replaced: replaced.clone(),
            };
            let mut audit_put = transact::put(to_item(
                &audit,
                &[
                    (keys::PK, keys::exchange_rate(&rate.currency, rate.date).0),
                    (
                        keys::SK,
                        format!(
                            "AUDIT#{}#{}",
                            crate::domain::instant::format(&rate.recorded_at),
                            rate.date
                        ),
                    ),
                ],
            )?)?;
            audit_put.table_name = self.table.clone();
            audit_put.condition_expression = Some("attribute_not_exists(pk)".into());
            let mut rate_put = transact::put(rate_item(rate)?)?;
            rate_put.table_name = self.table.clone();
            // Only over what was read: a fetch or another correction meanwhile reads again.
            match &replaced {
                None => rate_put.condition_expression = Some("attribute_not_exists(pk)".into()),
                Some(was) => {
                    rate_put.condition_expression = Some("recorded_at = :was".into());
                    rate_put.expression_attribute_values = Some(
                        [(
                            ":was".to_string(),
                            s(crate::domain::instant::format(&was.recorded_at)),
                        )]
                        .into(),
                    );
                }
            }
            let items = vec![
                TransactWriteItem::builder().put(rate_put).build(),
                TransactWriteItem::builder().put(audit_put).build(),
            ];
            match self.transact(items).await {
                Ok(()) => return Ok(replaced),
                Err(Some(Cancelled::Condition(_))) => continue,
                Err(_) => return Err(transact::transact_failure("correct exchange rate")),
            }
        }
        Err(crate::Error::Conflict(
            "the rate kept changing while it was corrected; try again".into(),
        ))
    }

    async fn rate_on(&self, currency: &str, day: NaiveDate) -> Result<Option<ExchangeRate>> {
        let (pk, sk) = keys::exchange_rate(currency, day);
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk <= :day")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":day", s(sk))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("Query exchange rate", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()
    }

    async fn corrections(&self, currency: &str) -> Result<Vec<RateAudit>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :audit)")
            .expression_attribute_values(":pk", s(keys::exchange_rate(currency, NaiveDate::MIN).0))
            .expression_attribute_values(":audit", s("AUDIT#"))
            .consistent_read(true);
        super::query_all(query, "Query rate corrections").await
    }
}
