//! The upgrade step for data written before the lists kept counts: give every invoice header
//! and credit note its list index keys, and recompute every list count from the items
//! themselves; give month-end run clients their by-outcome index keys, recount each run's
//! `retrying` and list its header among the runs (gsi1 `MONTH_END_RUNS`). Idempotent; run it with writes paused (a write between the scan and the
//! count it changes would be missed), see `docs/deployment.md`.

use super::{DynamoStore, Item, from_item, keys, list_keys, s, sdk_error};
use crate::domain::invoice::credit_note::CreditNote;
use crate::invoice::InvoiceHeader;
use crate::{Error, Result};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What a backfill did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackfillReport {
    /// Items scanned.
    pub scanned: u64,
    /// Invoice headers and credit notes whose index keys were set or corrected.
    pub reindexed: u64,
    /// Count items written (every list that has items, and stale ones set to 0).
    pub counts: u64,
}

impl DynamoStore {
    /// Set missing or stale list keys and recompute every list count (see the module doc).
    pub async fn backfill_lists(&self) -> Result<BackfillReport> {
        let mut report = BackfillReport::default();
        let mut tallies: BTreeMap<String, i64> = BTreeMap::new();
        let mut stale_counts: Vec<String> = Vec::new();
        // Month-end runs (header partition key) and their clients still `retrying`.
        let mut runs: BTreeMap<String, i64> = BTreeMap::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| sdk_error("Scan backfill", e))?;
            for item in out.items.unwrap_or_default() {
                report.scanned += 1;
                self.backfill_item(
                    item,
                    &mut tallies,
                    &mut stale_counts,
                    &mut runs,
                    &mut report,
                )
                .await?;
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        for list in stale_counts {
            tallies.entry(list).or_insert(0);
        }
        for (run, retrying) in &runs {
            // A run without its header (none is written so) is left as it is.
            let recounted = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(keys::PK, s(run))
                .key(keys::SK, s(keys::RUN_HEADER))
                // Listed among the runs (gsi1 `MONTH_END_RUNS`), as a started run is.
                .update_expression("SET retrying = :n, gsi1pk = :runs, gsi1sk = :p")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":n", AttributeValue::N(retrying.to_string()))
                .expression_attribute_values(":runs", s(keys::MONTH_END_RUNS))
                .expression_attribute_values(
                    ":p",
                    s(run.strip_prefix("MONTH_END_RUN#").unwrap_or(run)),
                )
                .send()
                .await;
            match recounted {
                Ok(_) => {}
                Err(e) if super::throttle::is_condition_failed(&e) => {}
                Err(e) => return Err(sdk_error("UpdateItem backfill month-end run", e)),
            }
        }
        let puts: Vec<WriteRequest> = tallies
            .iter()
            .map(|(list, n)| {
                let (pk, sk) = super::lists::count_key(list);
                let put = PutRequest::builder()
                    .item(keys::PK, s(pk))
                    .item(keys::SK, s(sk))
                    .item("n", AttributeValue::N(n.to_string()))
                    .build()
                    .map_err(|e| Error::Internal(format!("put request: {e}")))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_>>()?;
        report.counts = puts.len() as u64;
        self.write_batches(puts, "BatchWriteItem backfill counts")
            .await?;
        Ok(report)
    }

    async fn backfill_item(
        &self,
        item: Item,
        tallies: &mut BTreeMap<String, i64>,
        stale_counts: &mut Vec<String>,
        runs: &mut BTreeMap<String, i64>,
        report: &mut BackfillReport,
    ) -> Result<()> {
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let (Some(pk), Some(sk)) = (text(keys::PK), text(keys::SK)) else {
            return Ok(());
        };
        let mut tally = |lists: Vec<String>| {
            for l in lists {
                *tallies.entry(l).or_default() += 1;
            }
        };
        if let Some(list) = super::lists::count_name(&pk, &sk) {
            stale_counts.push(list);
        } else if pk.starts_with("INVOICE#") && sk == keys::INVOICE_HEADER {
            let h: InvoiceHeader = from_item(item.clone())?;
            tally(list_keys::invoice_counts(&h));
            let want = list_keys::invoice_index_attrs(&h);
            if self.reindex(&item, &pk, &sk, &want).await? {
                report.reindexed += 1;
            }
        } else if pk.starts_with("CREDIT_NOTE#") && sk == keys::CREDIT_NOTE_HEADER {
            let n: CreditNote = from_item(item.clone())?;
            tally(list_keys::credit_note_counts(&n.client_key, n.invoice_id));
            let want = list_keys::credit_note_index_attrs(
                &n.client_key,
                n.invoice_id,
                keys::invoice_sort(n.created_at, n.id),
            );
            if self.reindex(&item, &pk, &sk, &want).await? {
                report.reindexed += 1;
            }
        } else if pk.starts_with("CLIENT#") && sk == "CLIENT" {
            let active = matches!(item.get("active"), Some(AttributeValue::Bool(true)));
            tally(vec![keys::client_list(active).to_string()]);
            let key = pk.trim_start_matches("CLIENT#").to_string();
            let want = vec![
                (keys::GSI1PK, keys::client_list(active).to_string()),
                (keys::GSI1SK, key),
            ];
            if self.reindex(&item, &pk, &sk, &want).await? {
                report.reindexed += 1;
            }
        } else if let Some(period) = pk.strip_prefix("MONTH_END_RUN#") {
            let Some(client) = sk.strip_prefix(keys::MONTH_END_RUN_CLIENTS) else {
                runs.entry(pk.clone()).or_insert(0);
                return Ok(());
            };
            let outcome = text("outcome").unwrap_or_default();
            if outcome == "retrying" {
                *runs.entry(pk.clone()).or_insert(0) += 1;
            }
            let want = vec![
                (
                    list_keys::BY_STATUS.1,
                    keys::run_outcome(keys::MONTH_END_RUN_PREFIX, period, &outcome),
                ),
                (list_keys::LIST_SK, client.to_string()),
            ];
            if self.reindex(&item, &pk, &sk, &want).await? {
                report.reindexed += 1;
            }
        } else if pk.starts_with("WORKLOG#") && sk == "WORKLOG" {
            let client = text("client_key");
            let date = text("date").and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
            if let (Some(c), Some(d)) = (client, date) {
                tally(super::worklogs::counts_of(&c, d));
            }
        }
        Ok(())
    }

    /// Set `want` on the item when any differs, only if the item is still at the version
    /// scanned (invoices) or unchanged (credit notes are written once). Whether it did.
    async fn reindex(
        &self,
        item: &Item,
        pk: &str,
        sk: &str,
        want: &[(&'static str, String)],
    ) -> Result<bool> {
        let differs = want
            .iter()
            .any(|(k, v)| item.get(*k).and_then(|x| x.as_s().ok()) != Some(v));
        if !differs {
            return Ok(false);
        }
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk));
        let mut sets = Vec::new();
        for (i, (k, v)) in want.iter().enumerate() {
            sets.push(format!("#a{i} = :v{i}"));
            update = update
                .expression_attribute_names(format!("#a{i}"), *k)
                .expression_attribute_values(format!(":v{i}"), s(v.clone()));
        }
        update = update.update_expression(format!("SET {}", sets.join(", ")));
        update = match item.get("version") {
            Some(v) => update
                .condition_expression("version = :scanned")
                .expression_attribute_values(":scanned", v.clone()),
            None => update.condition_expression("attribute_exists(pk)"),
        };
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Err(Error::Conflict(format!(
                    "{pk} changed during the backfill; pause writes and run it again"
                )))
            }
            Err(e) => Err(sdk_error("UpdateItem backfill", e)),
        }
    }
}
