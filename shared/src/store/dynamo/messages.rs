//! The e-mails sent for an invoice: `MESSAGE#<sent_at>#<id>` items in the invoice's
//! partition. Each is written `pending` before the mail service is called, `accepted` when
//! it accepted the message, and `sent` in the invoice's own transaction (see
//! `Companion::PutSentMessage`), or, for a reminder, with its event alone.
//!
//! A pending message is put together with its claim, `CLAIM#<message id>` in the same
//! partition, in one transaction: a message id is claimed once, whatever instant its sort
//! key carries, so two attempts with one id (an `Idempotency-Key` retried at once, a
//! reminder step of two overlapping runs) never both go to the mail service. A message the
//! mail service refused gives its claim back.

use super::outbox::outbox_put;
use super::throttle::is_condition_failed;
use super::transact::{self, Cancelled};
use super::{DynamoStore, from_item, keys, s, sdk_error, to_item};
use crate::Result;
use crate::events::DomainEvent;
use crate::invoice::sending::{MessageStatus, SentMessage};
use crate::ports::SentMessageStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use uuid::Uuid;

/// The claim of a message id, in its invoice's partition.
fn claim_key(message: &SentMessage) -> (String, String) {
    (
        keys::invoice(message.invoice_id),
        format!("CLAIM#{}", message.id),
    )
}

/// The message as stored with `status`, its put for a transaction under `condition`.
fn message_put(
    table: &str,
    message: &SentMessage,
    status_now: MessageStatus,
    condition: &str,
) -> Result<TransactWriteItem> {
    let stored = SentMessage {
        status: status_now,
        ..message.clone()
    };
    let mut put = transact::put(to_item(
        &stored,
        &[
            (keys::PK, keys::invoice(message.invoice_id)),
            (keys::SK, keys::sent_message(message)),
        ],
    )?)?;
    put.table_name = table.to_string();
    put.condition_expression = Some(condition.to_string());
    if condition.contains("#status") {
        put.expression_attribute_names =
            Some([("#status".to_string(), "status".to_string())].into());
        put.expression_attribute_values =
            Some([(":sent".to_string(), status(MessageStatus::Sent))].into());
    }
    Ok(TransactWriteItem::builder().put(put).build())
}

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
        let (pk, sk) = claim_key(message);
        let mut claim = transact::put(
            [
                (keys::PK.to_string(), s(pk)),
                (keys::SK.to_string(), s(sk)),
                ("message_sk".to_string(), s(keys::sent_message(message))),
            ]
            .into(),
        )?;
        claim.table_name = self.table.clone();
        claim.condition_expression = Some("attribute_not_exists(pk)".into());
        let items = vec![
            TransactWriteItem::builder().put(claim).build(),
            message_put(
                &self.table,
                message,
                MessageStatus::Pending,
                "attribute_not_exists(pk)",
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(_) => Err(transact::transact_failure("put pending message")),
        }
    }

    async fn announce_once(
        &self,
        invoice_id: Uuid,
        notice: &str,
        event: &DomainEvent,
    ) -> Result<bool> {
        let mut mark = transact::put(
            [
                (keys::PK.to_string(), s(keys::invoice(invoice_id))),
                (keys::SK.to_string(), s(format!("NOTICE#{notice}"))),
                ("event_id".to_string(), s(event.id.to_string())),
            ]
            .into(),
        )?;
        mark.table_name = self.table.clone();
        mark.condition_expression = Some("attribute_not_exists(pk)".into());
        let items = vec![
            TransactWriteItem::builder().put(mark).build(),
            outbox_put(&self.table, event)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(_) => Err(transact::transact_failure("announce once")),
        }
    }

    async fn record_sent(&self, message: &SentMessage, event: &DomainEvent) -> Result<bool> {
        let items = vec![
            message_put(
                &self.table,
                message,
                MessageStatus::Sent,
                "attribute_exists(pk) AND #status <> :sent",
            )?,
            outbox_put(&self.table, event)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(Some(Cancelled::Condition(_))) => Ok(false),
            Err(_) => Err(transact::transact_failure("record sent message")),
        }
    }

    async fn mark_accepted(&self, message: &SentMessage) -> Result<()> {
        // A whole-item put (the invoices function may put, not update, invoice items); a
        // message already past pending (recorded meanwhile) stays as it is.
        self.put_message(message, MessageStatus::Accepted, "#status = :pending")
            .await
            .map(|_| ())
    }

    async fn forget_pending(&self, message: &SentMessage) -> Result<()> {
        let delete = |(pk, sk): (String, String)| {
            Delete::builder()
                .table_name(&self.table)
                .key(keys::PK, s(pk))
                .key(keys::SK, s(sk))
        };
        let message_delete = delete((
            keys::invoice(message.invoice_id),
            keys::sent_message(message),
        ))
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":pending", status(MessageStatus::Pending))
        .build()
        .map_err(|e| crate::Error::Internal(format!("delete: {e}")))?;
        let claim_delete = delete(claim_key(message))
            .build()
            .map_err(|e| crate::Error::Internal(format!("delete: {e}")))?;
        let items = vec![
            TransactWriteItem::builder().delete(message_delete).build(),
            TransactWriteItem::builder().delete(claim_delete).build(),
        ];
        match self.transact(items).await {
            // Not pending any more (recorded meanwhile): it and its claim stay.
            Ok(()) | Err(Some(Cancelled::Condition(_))) => Ok(()),
            Err(_) => Err(transact::transact_failure("forget pending message")),
        }
    }
}
