//! Clients: `GetItem` / `PutItem` on `CLIENT#<key>`; active clients from the `gsi1`
//! partition `ACTIVE_CLIENTS`, inactive ones from `INACTIVE_CLIENTS`, already ordered by key,
//! counted in `COUNT#ACTIVE_CLIENTS` / `COUNT#INACTIVE_CLIENTS` by the transaction that
//! creates, activates or deactivates a client.

use super::lists::{ListQuery, count_add};
use super::transact::{Cancelled, put, transact_failure};
use super::{DynamoStore, from_item, keys, query_all, s, to_item};
use crate::domain::{Client, Page, PageRequest};
use crate::ports::ClientStore;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use std::time::Duration;

/// Attempts of a client write that another write of the same client raced.
const ATTEMPTS: u32 = 16;

/// Time a client write may spend pausing between lost races before it answers 503 (with at
/// most [`ATTEMPTS`] round trips besides: well under 2 s on DynamoDB).
const RACE_BUDGET: Duration = Duration::from_millis(1_200);

/// The pause before retry `attempt` (1-based) of a lost race: "full jitter", a random
/// time up to 10 ms doubled per attempt (at most 160 ms), so that writers that met on a
/// client spread out instead of meeting again.
fn race_backoff(attempt: u32) -> Duration {
    let cap_ms = 10u64 << attempt.min(4);
    let random = uuid::Uuid::new_v4().as_u128() as u64;
    Duration::from_millis(random % (cap_ms + 1))
}

#[async_trait]
impl ClientStore for DynamoStore {
    async fn list_active_clients(&self) -> Result<Vec<Client>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::ACTIVE_CLIENTS));
        query_all(query, "Query active clients").await
    }

    async fn active_client_keys(&self, after: Option<&str>, limit: u32) -> Result<Vec<String>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .projection_expression("#sk")
            .expression_attribute_names("#sk", keys::GSI1SK)
            .expression_attribute_values(":pk", s(keys::ACTIVE_CLIENTS))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        query = match after {
            None => query.key_condition_expression("gsi1pk = :pk"),
            Some(a) => query
                .key_condition_expression("gsi1pk = :pk AND #sk > :after")
                .expression_attribute_values(":after", s(a)),
        };
        let out = query
            .send()
            .await
            .map_err(|e| super::sdk_error("Query active client keys", e))?;
        Ok(out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|mut i| match i.remove(keys::GSI1SK) {
                Some(AttributeValue::S(k)) => Some(k),
                _ => None,
            })
            .collect())
    }

    async fn client_page(&self, active: bool, page: PageRequest) -> Result<Page<Client>> {
        let partition = keys::client_list(active).to_string();
        let list = ListQuery {
            // The cursor names the list, so one made for active clients is refused for
            // inactive ones.
            name: if active {
                "clients"
            } else {
                "clients-inactive"
            }
            .into(),
            index: Some(keys::GSI1),
            pk_attr: keys::GSI1PK,
            sk_attr: keys::GSI1SK,
            partitions: vec![partition.clone()],
            descending: false,
            lo: None,
            hi: None,
            filter: None,
            valid_key: |k| crate::domain::client::check_key("cursor", k).is_ok(),
            bounds: Vec::new(),
        };
        let (total, page) = futures::future::try_join(
            self.read_counts(&[partition]),
            self.list_page(&list, &page, u64::MAX),
        )
        .await?;
        Ok(Page { total, ..page })
    }

    async fn get_client(&self, key: &str) -> Result<Option<Client>> {
        self.get_item(keys::client(key), "GetItem client")
            .await?
            .map(from_item)
            .transpose()
    }

    async fn put_client(&self, client: &Client) -> Result<()> {
        let (pk, sk) = keys::client(&client.key);
        let attrs = vec![
            (keys::PK, pk),
            (keys::SK, sk),
            (keys::GSI1PK, keys::client_list(client.active).to_string()),
            (keys::GSI1SK, client.key.clone()),
        ];
        let item = to_item(client, &attrs)?;
        let mut paused = Duration::ZERO;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                let pause = race_backoff(attempt);
                if paused + pause > RACE_BUDGET {
                    break;
                }
                paused += pause;
                tokio::time::sleep(pause).await;
            }
            // The counts move only when the write creates the client or changes whether it is
            // active, and the write holds only if the client is still as read.
            let was: Option<bool> = self
                .get_item(keys::client(&client.key), "GetItem client")
                .await?
                .map(|i| matches!(i.get("active"), Some(AttributeValue::Bool(true))));
            let mut p = put(item.clone())?;
            p.table_name = self.table.clone();
            match was {
                None => p.condition_expression = Some("attribute_not_exists(pk)".into()),
                Some(active) => {
                    p.condition_expression = Some("active = :was".into());
                    p.expression_attribute_values =
                        Some([(":was".to_string(), AttributeValue::Bool(active))].into());
                }
            }
            let mut items = vec![TransactWriteItem::builder().put(p).build()];
            if was != Some(client.active) {
                items.push(count_add(&self.table, keys::client_list(client.active), 1)?);
                if let Some(before) = was {
                    items.push(count_add(&self.table, keys::client_list(before), -1)?);
                }
            }
            match self.transact(items).await {
                Ok(()) => return Ok(()),
                Err(Some(Cancelled::Condition(_))) => continue,
                Err(_) => return Err(transact_failure("put client")),
            }
        }
        Err(Error::Unavailable("put client: kept racing".into()))
    }
}
