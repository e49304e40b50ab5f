//! The e-mails sent for an invoice: `MESSAGE#<sent_at>#<id>` items in the invoice's
//! partition, written with the invoice (see `Companion::PutSentMessage`).

use super::{DynamoStore, from_item, keys, s};
use crate::Result;
use crate::invoice::sending::SentMessage;
use crate::ports::SentMessageStore;
use async_trait::async_trait;
use uuid::Uuid;

#[async_trait]
impl SentMessageStore for DynamoStore {
    async fn sent_messages(&self, invoice_id: Uuid) -> Result<Vec<SentMessage>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :messages)")
            .expression_attribute_values(":pk", s(keys::invoice(invoice_id)))
            .expression_attribute_values(":messages", s(keys::SENT_MESSAGES))
            .consistent_read(true);
        let mut out = Vec::new();
        super::query_each(query, "Query sent messages", |item| {
            out.push(from_item(item)?);
            Ok(())
        })
        .await?;
        Ok(out)
    }
}
