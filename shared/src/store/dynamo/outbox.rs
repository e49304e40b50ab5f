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

/// The stored item of `event`, with its keys, removed by the TTL after `expires_at`.
fn item_of(event: &DomainEvent, expires_at: i64) -> Result<Item> {
    let (pk, sk) = keys::outbox(event.id);
    let record = OutboxItem {
        event_id: event.id,
        detail_type: event.detail_type.clone(),
        detail: event.detail.to_string(),
        subject: event.subject.clone(),
        expires_at,
    };
    to_item(&record, &[(keys::PK, pk), (keys::SK, sk)])
}

/// The put of `event`'s outbox item, to go into the transaction of its change.
pub(crate) fn outbox_put(table: &str, event: &DomainEvent) -> Result<TransactWriteItem> {
    let mut put = put(item_of(event, chrono::Utc::now().timestamp() + KEEP_SECS)?)?;
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
    Ok(serde_dynamo::Item::from(item_of(event, 0)?))
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
        let deletes = ids
            .iter()
            .map(|id| {
                let (pk, sk) = keys::outbox(*id);
                let delete = DeleteRequest::builder()
                    .key(keys::PK, s(pk))
                    .key(keys::SK, s(sk))
                    .build()
                    .map_err(|e| Error::Internal(format!("delete request: {e}")))?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>>>()?;
        self.write_batches(deletes, "BatchWriteItem outbox").await
    }
}
