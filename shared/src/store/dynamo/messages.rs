//! The e-mails sent for an invoice: `MESSAGE#<sent_at>#<id>` items in the invoice's
//! partition. Each is written `pending` before the mail service is called, `accepted` when
//! it accepted the message, and `sent` in the invoice's own transaction (see
//! `Companion::PutSentMessage`).

use super::throttle::is_condition_failed;
use super::{DynamoStore, from_item, keys, s, sdk_error, to_item};
use crate::Result;
use crate::invoice::sending::{MessageStatus, SentMessage};
use crate::ports::SentMessageStore;
use async_trait::async_trait;
use uuid::Uuid;

fn status(value: MessageStatus) -> aws_sdk_dynamodb::types::AttributeValue {
    s(value.as_str())
}

impl DynamoStore {
    /// Put `message` with `status` under `condition` (which may name `#status` and
    /// `:pending`); `false` when the condition failed.
    async fn put_message(
        &self,
        message: &SentMessage,
        status_now: MessageStatus,
        condition: &str,
    ) -> Result<bool> {
        let stored = SentMessage {
            status: status_now,
            ..message.clone()
        };
        let item = to_item(
            &stored,
            &[
                (keys::PK, keys::invoice(message.invoice_id)),
                (keys::SK, keys::sent_message(message)),
            ],
        )?;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if condition.contains("#status") {
            put = put
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pending", status(MessageStatus::Pending));
        }
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error("PutItem message", e)),
        }
    }
}

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

    async fn put_pending(&self, message: &SentMessage) -> Result<bool> {
        self.put_message(message, MessageStatus::Pending, "attribute_not_exists(pk)")
            .await
    }

    async fn mark_accepted(&self, message: &SentMessage) -> Result<()> {
        // A whole-item put (the invoices function may put, not update, invoice items); a
        // message already past pending (recorded meanwhile) stays as it is.
        self.put_message(message, MessageStatus::Accepted, "#status = :pending")
            .await
            .map(|_| ())
    }

    async fn forget_pending(&self, message: &SentMessage) -> Result<()> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, s(keys::invoice(message.invoice_id)))
            .key(keys::SK, s(keys::sent_message(message)))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", status(MessageStatus::Pending))
            .send()
            .await;
        match delete {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error("DeleteItem pending message", e)),
        }
    }
}
