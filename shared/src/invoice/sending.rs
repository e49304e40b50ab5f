//! Sending an issued invoice by e-mail with its PDF attached, and the record of what was
//! sent. The message goes out first (through the [`Mailer`]); only what the mail service
//! accepted is recorded, with `sent_at` and a history entry, in one transaction with the
//! invoice. Repeats of one request are stopped before this by the `Idempotency-Key`.

use super::finalize::{self, Lifecycle};
use super::history::{Change, EditAction, HistoryEntry};
use super::lifecycle::{self, Action};
use super::model::Invoice;
use super::service::Actor;
use crate::domain::email::check_list;
use crate::domain::text::{self, Lines};
use crate::mail::mime::{self, Attachment};
use crate::pdf::{file_name, sha256_hex};
use crate::ports::{
    ClientStore, Companion, Mailer, OutgoingMail, SentMessageStore, WriteOutcome, WriteRefused,
};
use crate::{Error, FieldError, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Most addresses in `to`, and in `cc`.
pub const MAX_RECIPIENTS: usize = 10;
/// Longest personal message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;
/// Rounds of "another write came first" while recording a sent message.
const RECORD_ROUNDS: u32 = 50;

/// `POST /invoices/{id}/send`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// 1-10 addresses; the client's e-mail when absent.
    #[serde(default)]
    pub to: Option<Vec<String>>,
    /// Up to 10 addresses in copy.
    #[serde(default)]
    pub cc: Option<Vec<String>>,
    /// A personal message above the standard text: at most 5000 characters, lines separated
    /// by `\n`, no other control, bidirectional format or separator character.
    #[serde(default)]
    pub message: Option<String>,
}

/// One e-mail sent for an invoice, as recorded once the mail service accepted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentMessage {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub sent_at: DateTime<Utc>,
    /// Who sent it.
    pub sent_by: String,
    /// The mail service's message id (Amazon SES).
    pub provider_message_id: String,
    /// The attached PDF's file name.
    #[schema(example = "INV-2026-00042.pdf")]
    pub pdf_filename: String,
    /// Hex SHA-256 of the attached PDF (the invoice's `pdf.sha256`).
    pub pdf_sha256: String,
    pub pdf_size_bytes: u64,
}

/// What sending needs besides the lifecycle ports.
#[derive(Clone, Copy)]
pub struct Sending<'a> {
    pub lifecycle: Lifecycle<'a>,
    pub clients: &'a dyn ClientStore,
    pub mailer: &'a dyn Mailer,
    pub messages: &'a dyn SentMessageStore,
    /// The sender address (`MAIL_FROM`); `None`: sending is not configured (503).
    pub mail_from: Option<&'a str>,
}

/// The checked recipients and message of a request (`to` still empty when defaulted).
fn checked(req: &SendRequest) -> Result<(Vec<String>, Vec<String>, Option<String>)> {
    let mut errors: Vec<FieldError> = Vec::new();
    let trim = |l: &Option<Vec<String>>| -> Vec<String> {
        l.iter().flatten().map(|a| a.trim().to_string()).collect()
    };
    let (to, cc) = (trim(&req.to), trim(&req.cc));
    if req.to.as_ref().is_some_and(Vec::is_empty) {
        errors.push(FieldError::new("to", "must list at least one address"));
    }
    check_list("to", &to, MAX_RECIPIENTS, &mut errors);
    check_list("cc", &cc, MAX_RECIPIENTS, &mut errors);
    // The document text rule: lines separated by `\n` only, no control, bidirectional
    // format or separator character (it would forge or reorder what the reader sees).
    let message = req
        .message
        .as_deref()
        .map(|m| text::check_field("message", m, MAX_MESSAGE_CHARS, Lines::Many, &mut errors))
        .filter(|m| !m.is_empty());
    if errors.is_empty() {
        Ok((to, cc, message.map(str::to_string)))
    } else {
        Err(Error::fields(errors))
    }
}

/// The subject line.
pub fn subject(invoice: &Invoice, issuer_name: &str) -> String {
    format!(
        "Invoice {} from {issuer_name}",
        invoice.header.number.as_deref().unwrap_or_default()
    )
}

/// The text part: the personal message, then the invoice's key facts.
fn body(invoice: &Invoice, issuer_name: &str, message: Option<&str>) -> String {
    let h = &invoice.header;
    let greeting = message.map_or_else(|| "Hello,".to_string(), str::to_string);
    format!(
        "{greeting}\n\nPlease find attached invoice {} for {}: {} {}, due {}.\n\n{issuer_name}\n",
        h.number.as_deref().unwrap_or_default(),
        h.period,
        h.total,
        h.currency,
        h.due_date
    )
}

/// `POST /invoices/{id}/send`: e-mail an issued (finalized or paid) invoice with its PDF to
/// `to` (default: the client's e-mail) and `cc`; record the message, `sent_at` and a history
/// entry. A draft or a void invoice is 409.
pub async fn send(
    deps: Sending<'_>,
    id: Uuid,
    req: &SendRequest,
    actor: &Actor,
) -> Result<(Invoice, SentMessage)> {
    let (mut to, cc, message) = checked(req)?;
    let invoice = deps
        .lifecycle
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    lifecycle::check(&invoice.header, Action::Send, None)?;
    let from = deps
        .mail_from
        .ok_or_else(|| Error::Unavailable("MAIL_FROM is not configured".into()))?;
    if to.is_empty() {
        let current = deps.clients.get_client(&invoice.header.client_key).await?;
        let email = current.map_or_else(|| invoice.header.client.email.clone(), |c| c.email);
        if crate::domain::email::problem(&email).is_some() {
            return Err(Error::field(
                "to",
                "the client has no usable e-mail address; name the recipients",
            ));
        }
        to.push(email);
    }
    let pdf = finalize::archived_pdf(deps.lifecycle, &invoice).await?;
    let issuer_name = finalize::issuer_of(&invoice, deps.lifecycle.issuer)
        .name
        .clone();
    let message_id = Uuid::new_v4();
    let subject = subject(&invoice, &issuer_name);
    let filename = file_name(&invoice);
    let raw = mime::build(&mime::Message {
        from_name: Some(&issuer_name),
        from,
        to: &to,
        cc: &cc,
        subject: &subject,
        text: &body(&invoice, &issuer_name, message.as_deref()),
        attachment: Attachment {
            filename: &filename,
            content_type: "application/pdf",
            bytes: &pdf,
        },
        date: actor.now,
        token: &message_id.simple().to_string(),
    });
    let accepted = deps
        .mailer
        .send(&OutgoingMail {
            from: from.to_string(),
            to: to.clone(),
            cc: cc.clone(),
            raw,
        })
        .await?;
    let sent = SentMessage {
        id: message_id,
        invoice_id: id,
        to,
        cc,
        subject,
        sent_at: actor.now,
        sent_by: actor.name.clone(),
        provider_message_id: accepted.provider_message_id,
        pdf_filename: filename,
        pdf_sha256: sha256_hex(&pdf),
        pdf_size_bytes: pdf.len() as u64,
    };
    match record(deps, &sent, actor).await {
        Ok(invoice) => Ok((invoice, sent)),
        Err(e) => {
            // The e-mail is out; say so in the logs, with what is needed to record it by hand.
            tracing::error!(invoice = %id, message = %sent.id, provider_message_id = %sent.provider_message_id,
                error = ?e, "invoice e-mailed but the record of it was not written");
            Err(e)
        }
    }
}

/// Record `sent` on its invoice: `sent_at`, the message item and a history entry, in one
/// transaction; read again and retried when another write came first. The invoice may have
/// moved on meanwhile (paid, even voided): the e-mail went out all the same, so it is
/// recorded whatever the status.
async fn record(deps: Sending<'_>, sent: &SentMessage, actor: &Actor) -> Result<Invoice> {
    let invoices = deps.lifecycle.invoices;
    for round in 0..RECORD_ROUNDS {
        let before = invoices
            .get_invoice(sent.invoice_id)
            .await?
            .ok_or_else(|| Error::not_found("invoice"))?;
        let mut after = before.clone();
        after.header.sent_at = Some(sent.sent_at);
        after.header.version += 1;
        after.header.updated_at = actor.now;
        let mut recipients = sent.to.clone();
        recipients.extend(sent.cc.iter().cloned());
        let entry = HistoryEntry {
            at: actor.now,
            actor: actor.name.clone(),
            action: EditAction::Sent,
            version: after.header.version,
            changes: vec![
                Change::of("sent_at", &before.header.sent_at, &after.header.sent_at),
                Change::of("message", &None::<Uuid>, &Some(sent.id)),
                Change::of("recipients", &Vec::<String>::new(), &recipients),
            ],
        };
        match invoices
            .update_invoice(&before, &after, &entry, &[Companion::PutSentMessage(sent)])
            .await?
        {
            WriteOutcome::Written => return Ok(after),
            WriteOutcome::Refused(WriteRefused::Changed { .. }) => {
                let jitter = u64::from(Uuid::new_v4().as_bytes()[0]) % 11;
                tokio::time::sleep(std::time::Duration::from_millis(
                    2 + jitter + u64::from(round.min(20)),
                ))
                .await;
            }
            WriteOutcome::Refused(r) => {
                return Err(lifecycle::refused(r, Action::Send, &before.header));
            }
        }
    }
    Err(Error::Unavailable(
        "the invoice is changing too often; the e-mail was sent but not yet recorded".into(),
    ))
}

/// `GET /invoices/{id}/messages`: what was sent for an invoice, oldest first.
pub async fn messages(deps: Sending<'_>, id: Uuid) -> Result<Vec<SentMessage>> {
    deps.lifecycle
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    deps.messages.sent_messages(id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(to: Option<Vec<&str>>, cc: Option<Vec<&str>>, message: Option<&str>) -> SendRequest {
        let list = |l: Option<Vec<&str>>| l.map(|l| l.into_iter().map(String::from).collect());
        SendRequest {
            to: list(to),
            cc: list(cc),
            message: message.map(String::from),
        }
    }

    #[test]
    fn recipients_default_when_absent_and_are_checked_when_given() {
        let (to, cc, msg) = checked(&req(None, None, Some("  "))).unwrap();
        assert!(to.is_empty() && cc.is_empty() && msg.is_none());
        let (to, _, msg) = checked(&req(Some(vec![" a@acme.com "]), None, Some("Hi"))).unwrap();
        assert_eq!(to, ["a@acme.com"]);
        assert_eq!(msg.as_deref(), Some("Hi"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        let Err(Error::Validation { details, .. }) = checked(&req(
            Some(vec!["bad"]),
            Some(vec!["ok@acme.com", "x@y.com\r\nBcc: z@z.com"]),
            Some(&long),
        )) else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["to[0]", "cc[1]", "message"]);
        assert!(matches!(
            checked(&req(Some(vec![]), None, None)),
            Err(Error::Validation { .. })
        ));
    }
}
