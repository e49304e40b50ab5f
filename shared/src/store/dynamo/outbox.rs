//! The outbox on the table: one item per domain event, `OUTBOX` / `<event id>` (UUID v7, so
//! the partition is in time order), written by the transaction of the change it describes
//! ([`outbox_put`]) and removed by the relay once published. The cloud relay reads the
//! items from the table's stream ([`event_from_image`]); the local one queries the
//! partition ([`Outbox::pending`]).

use super::keys;
use super::transact::put;
use super::{DynamoStore, Item, from_item, s, sdk_error, to_item};
use crate::events::DomainEvent;
use crate::ports::Outbox;
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{DeleteRequest, TransactWriteItem, WriteRequest};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long an outbox item may stay: the relay removes it once published; after this the
/// table's TTL does (the stream delivered it anyway).
const KEEP_SECS: i64 = 7 * 86_400;
/// Most deletes in one `BatchWriteItem`.
const DELETE_BATCH: usize = 25;

/// The stored form of one event.
#[derive(Debug, Serialize, Deserialize)]
struct OutboxItem {
    event_id: Uuid,
    detail_type: String,
    /// The detail as JSON text (stored as it will be published, without `event_id`).
    detail: String,
    subject: String,
    /// Epoch seconds after which the table's TTL removes the item.
    expires_at: i64,
}

/// The put of `event`'s outbox item, to go into the transaction of its change.
pub(crate) fn outbox_put(table: &str, event: &DomainEvent) -> Result<TransactWriteItem> {
    let (pk, sk) = keys::outbox(event.id);
    let record = OutboxItem {
        event_id: event.id,
        detail_type: event.detail_type.clone(),
        detail: event.detail.to_string(),
        subject: event.subject.clone(),
        expires_at: chrono::Utc::now().timestamp() + KEEP_SECS,
    };
    let mut put = put(to_item(&record, &[(keys::PK, pk), (keys::SK, sk)])?)?;
    put.table_name = table.to_string();
    Ok(TransactWriteItem::builder().put(put).build())
}

fn event_of(record: OutboxItem) -> Result<DomainEvent> {
    Ok(DomainEvent {
        id: record.event_id,
        detail_type: record.detail_type,
        detail: serde_json::from_str(&record.detail)
            .map_err(|e| Error::Internal(format!("outbox detail: {e}")))?,
        subject: record.subject,
    })
}

/// The event of an outbox item as a DynamoDB stream record's `NewImage` carries it.
pub fn event_from_image(image: serde_dynamo::Item) -> Result<DomainEvent> {
    let record: OutboxItem =
        serde_dynamo::from_item(image).map_err(|e| Error::Internal(format!("outbox item: {e}")))?;
    event_of(record)
}

/// The stream image of an event's outbox item (what the local relay hands to the relay
/// function, as the stream would).
pub fn image_of(event: &DomainEvent) -> Result<serde_dynamo::Item> {
    let (pk, sk) = keys::outbox(event.id);
    let record = OutboxItem {
        event_id: event.id,
        detail_type: event.detail_type.clone(),
        detail: event.detail.to_string(),
        subject: event.subject.clone(),
        expires_at: 0,
    };
    let item: Item = to_item(&record, &[(keys::PK, pk), (keys::SK, sk)])?;
    Ok(serde_dynamo::Item::from(item))
}

#[async_trait]
impl Outbox for DynamoStore {
    async fn pending(&self, limit: u32) -> Result<Vec<DomainEvent>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::OUTBOX))
            .consistent_read(true)
            .limit(limit.clamp(1, 100) as i32)
            .send()
            .await
            .map_err(|e| sdk_error("Query outbox", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| event_of(from_item(item)?))
            .collect()
    }

    async fn remove(&self, ids: &[Uuid]) -> Result<()> {
        for chunk in ids.chunks(DELETE_BATCH) {
            let mut requests: Vec<WriteRequest> = Vec::with_capacity(chunk.len());
            for id in chunk {
                let (pk, sk) = keys::outbox(*id);
                let delete = DeleteRequest::builder()
                    .key(keys::PK, s(pk))
                    .key(keys::SK, s(sk))
                    .build()
                    .map_err(|e| Error::Internal(format!("delete request: {e}")))?;
                requests.push(WriteRequest::builder().delete_request(delete).build());
            }
            let mut pending = requests;
            for round in 0..5u32 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchWriteItem outbox", e))?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20 << round)).await;
            }
            if !pending.is_empty() {
                return Err(Error::Unavailable(format!(
                    "{} outbox items not removed",
                    pending.len()
                )));
            }
        }
        Ok(())
    }
}
