//! Sending an issued invoice by e-mail with its PDF attached, and the record of what was
//! sent. Who may receive it: the client's billing addresses (its `email` and
//! `billing_contacts`); any address only when an admin sends. Each user sends at most the
//! configured number of e-mails a day (429 past it).
//!
//! The record is written before the message goes out: `pending`, then `accepted` once the
//! mail service took it, then `sent` with `sent_at` and a history entry in one transaction
//! with the invoice. With an `Idempotency-Key` the message id comes from (invoice, user,
//! key), so a retry with the key finds the earlier attempt: `sent` answers it again,
//! `accepted` records it (no second e-mail), `pending` (the mail service's answer was never
//! seen: it may have been delivered) is 409, never a silent second e-mail.

use super::drafting::Actor;
use super::finalize::{self, Issuing};
use super::write_loop::{Round, until_written};
use crate::domain::email::check_list;
use crate::domain::instant;
use crate::domain::invoice::history::{Change, EditAction, HistoryEntry};
use crate::domain::invoice::lifecycle::{self, Action};
use crate::domain::invoice::model::{Invoice, InvoiceHeader};
use crate::domain::text::{self, Lines};
use crate::events::{EventDetail, InvoiceSent, ReminderSent};
use crate::mail::mime::{self, Attachment};
use crate::pdf::{file_name, sha256_hex};
use crate::ports::{
    AttemptCount, AttemptScope, ClientStore, Companion, Delivery, LoginThrottle, Mailer,
    OutgoingMail, SentMessageStore, WriteOutcome, WriteRefused,
};
use crate::{Error, FieldError, Result};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most addresses in `to`, and in `cc`.
pub const MAX_RECIPIENTS: usize = 10;
/// Longest personal message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5000;

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
    /// Attach the invoice's timesheet as a PDF beside the invoice (default `false`).
    #[serde(default)]
    pub attach_timesheet: bool,
    /// Attach the act of completed work (`GET /invoices/{id}/act`) beside the invoice;
    /// absent: the client's `attach_act`.
    #[serde(default)]
    pub attach_act: Option<bool>,
}

pub use crate::domain::invoice::message::{MessageKind, MessageStatus, SentMessage};

/// What sending needs besides the issuing ports.
#[derive(Clone, Copy)]
pub struct Sending<'a> {
    pub issuing: Issuing<'a>,
    pub clients: &'a dyn ClientStore,
    /// The worklogs behind a timesheet.
    pub worklogs: &'a dyn crate::ports::WorklogStore,
    pub mailer: &'a dyn Mailer,
    pub messages: &'a dyn SentMessageStore,
    /// The sender address (`MAIL_FROM`); `None`: sending is not configured (503).
    pub mail_from: Option<&'a str>,
    pub quota: SendQuota<'a>,
}

/// The per-user daily limit of e-mails and the shared counter it is counted in.
#[derive(Clone, Copy)]
pub struct SendQuota<'a> {
    pub counter: &'a dyn LoginThrottle,
    pub per_user_per_day: u32,
}

/// The window of [`SendQuota`]: a day from the user's first e-mail in it.
pub const SEND_WINDOW_SECS: u64 = 24 * 60 * 60;

/// Who sends, as far as the rules care.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'k> {
    /// An admin may send to any address; others only to the client's billing addresses.
    pub may_send_anywhere: bool,
    /// The request's `Idempotency-Key`: the message id is derived from it.
    pub idempotency_key: Option<&'k str>,
}

/// The message id of a send: from (invoice, user, key) when the request has an
/// `Idempotency-Key`, so that a retry finds its earlier attempt; random otherwise.
pub fn message_id(invoice_id: Uuid, user: &str, key: Option<&str>) -> Uuid {
    match key {
        Some(key) => Uuid::new_v5(&invoice_id, format!("{user}\n{key}").as_bytes()),
        None => Uuid::new_v4(),
    }
}

/// The client's billing addresses: its `email`, then its `billing_contacts`.
pub fn billing_addresses(email: &str, contacts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in std::iter::once(email).chain(contacts.iter().map(String::as_str)) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.to_string());
        }
    }
    out
}

/// The recipients rule: unless the sender may send anywhere, every address of `to` and `cc`
/// must be one of the client's billing addresses (403 naming the first that is not).
pub fn check_recipients(
    to: &[String],
    cc: &[String],
    billing: &[String],
    sender: &Sender<'_>,
) -> Result<()> {
    if sender.may_send_anywhere {
        return Ok(());
    }
    let listed = |a: &String| billing.iter().any(|b| b.eq_ignore_ascii_case(a));
    let named = |field: &str, list: &[String]| {
        list.iter()
            .position(|a| !listed(a))
            .map(|i| format!("{field}[{i}]"))
    };
    match named("to", to).or_else(|| named("cc", cc)) {
        None => Ok(()),
        Some(field) => Err(Error::Forbidden(format!(
            "{field} is not one of the client's billing addresses (its email and \
             billing_contacts): add it to the client's billing_contacts, or ask an admin to send"
        ))),
    }
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

/// What a send or a reminder by hand asks for, checked against the invoice: the invoice,
/// the recipients, the personal message, the sender address, and the message id with the
/// earlier attempt that had it (a retry with the same `Idempotency-Key`).
pub(crate) struct Prepared<'d> {
    pub invoice: Invoice,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub message: Option<String>,
    pub from: &'d str,
    pub message_id: Uuid,
    pub earlier: Option<SentMessage>,
    /// Whether the act goes with it: the request's `attach_act`, else the client's.
    pub attach_act: bool,
}

/// Check `req` and `action` on invoice `id`; default the recipients to the client's billing
/// addresses and check them against who sends. The message id is derived from
/// (invoice, `namespace` and user, key) with an `Idempotency-Key`.
pub(crate) async fn prepare<'d>(
    deps: Sending<'d>,
    id: Uuid,
    req: &SendRequest,
    action: Action,
    actor: &Actor,
    sender: &Sender<'_>,
    namespace: &str,
) -> Result<Prepared<'d>> {
    let (mut to, cc, message) = checked(req)?;
    let invoice = deps
        .issuing
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    let user = format!("{namespace}{}", actor.name);
    let message_id = message_id(id, &user, sender.idempotency_key);
    let earlier = match sender.idempotency_key {
        Some(_) => deps
            .messages
            .sent_messages(id)
            .await?
            .into_iter()
            .find(|m| m.id == message_id),
        None => None,
    };
    // A retry of an earlier attempt is answered or finished whatever the invoice became
    // meanwhile (paid, void): that e-mail may be out.
    if earlier.is_none() {
        lifecycle::check(&invoice.header, action, None)?;
    }
    let from = deps
        .mail_from
        .ok_or_else(|| Error::Unavailable("MAIL_FROM is not configured".into()))?;
    let mut attach_act = req.attach_act.unwrap_or(false);
    if earlier.is_none() {
        let (billing, client_attaches_act) = current_billing(deps, &invoice).await?;
        attach_act = req.attach_act.unwrap_or(client_attaches_act);
        if to.is_empty() {
            to = usable(&billing, &cc);
            if to.is_empty() {
                return Err(Error::field(
                    "to",
                    "the client has no usable e-mail address; name the recipients",
                ));
            }
        }
        check_recipients(&to, &cc, &billing, sender)?;
    }
    Ok(Prepared {
        invoice,
        to,
        cc,
        message,
        from,
        message_id,
        earlier,
        attach_act,
    })
}

/// The client's billing addresses now (its snapshot's e-mail when it is gone), and whether
/// it wants the act of completed work with its invoices.
async fn current_billing(deps: Sending<'_>, invoice: &Invoice) -> Result<(Vec<String>, bool)> {
    let current = deps.clients.get_client(&invoice.header.client_key).await?;
    Ok(match &current {
        Some(c) => (
            billing_addresses(&c.email, &c.billing_contacts),
            c.attach_act,
        ),
        None => (billing_addresses(&invoice.header.client.email, &[]), false),
    })
}

/// The billing addresses that are usable e-mail addresses and not already in `cc`.
pub(crate) fn usable(billing: &[String], cc: &[String]) -> Vec<String> {
    billing
        .iter()
        .filter(|a| crate::domain::email::problem(a).is_none())
        .filter(|a| !cc.iter().any(|c| c.eq_ignore_ascii_case(a)))
        .cloned()
        .collect()
}

/// An earlier attempt with the same message id: answer it (`sent`), record it (`accepted`:
/// no second e-mail), or say it may be out (`pending`: 409).
pub(crate) async fn resume(
    deps: Sending<'_>,
    header: &InvoiceHeader,
    earlier: SentMessage,
    actor: &Actor,
) -> Result<(Option<Invoice>, SentMessage)> {
    match earlier.status {
        MessageStatus::Sent => Ok((None, earlier)),
        MessageStatus::Accepted => finish(deps, header, earlier, actor).await,
        MessageStatus::Pending => Err(Error::Conflict(format!(
            "an earlier attempt with this Idempotency-Key (message {}, {}) was \
             handed to the mail service without an answer: it may have been delivered. \
             Check with the recipients; send again with a new Idempotency-Key",
            earlier.id,
            crate::domain::instant::format(&earlier.sent_at)
        ))),
    }
}

/// A message ready to go: its record (`pending`) and the whole MIME message.
pub(crate) struct Outgoing<'f> {
    pub sent: SentMessage,
    pub raw: Vec<u8>,
    pub from: &'f str,
}

/// The files of an e-mail of an invoice: its PDF as issued, its timesheet and its act of
/// completed work when asked.
pub(crate) struct Files {
    pub pdf: Vec<u8>,
    pub timesheet: Option<Vec<u8>>,
    pub act: Option<Vec<u8>>,
}

/// Which files go beside the invoice's PDF.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extras {
    pub timesheet: bool,
    pub act: bool,
}

impl Files {
    /// The archived PDF of `invoice`, its timesheet rendered now and its archived act when
    /// asked.
    pub(crate) async fn of(deps: Sending<'_>, invoice: &Invoice, extras: Extras) -> Result<Self> {
        let pdf = finalize::archived_pdf(deps.issuing, invoice).await?;
        let act = if extras.act {
            Some(
                super::act::archived_act(deps.issuing.documents, invoice, deps.issuing.issuer)
                    .await?,
            )
        } else {
            None
        };
        let timesheet = extras.timesheet;
        let timesheet = if timesheet {
            let worklogs = super::timesheet::worklogs_of(invoice, deps.worklogs).await?;
            let issuer = finalize::issuer_of(invoice, deps.issuing.issuer);
            Some(crate::pdf::timesheet::render_timesheet(
                invoice, &worklogs, issuer,
            )?)
        } else {
            None
        };
        Ok(Files {
            pdf,
            timesheet,
            act,
        })
    }
}

/// The record and MIME message of an e-mail of `invoice` with its files attached.
#[allow(clippy::too_many_arguments)]
pub(crate) fn compose<'f>(
    invoice: &Invoice,
    id: Uuid,
    (to, cc): (Vec<String>, Vec<String>),
    (subject, text): (String, String),
    files: &Files,
    issuer_name: &str,
    from: &'f str,
    actor: &Actor,
) -> Outgoing<'f> {
    let filename = file_name(invoice);
    let timesheet_filename = files
        .timesheet
        .as_ref()
        .map(|_| super::timesheet::file_name(invoice, "pdf"));
    let sent_at = crate::domain::instant::to_millis(actor.now);
    let pdf = files.pdf.as_slice();
    let mut attachments = vec![Attachment {
        filename: &filename,
        content_type: "application/pdf",
        bytes: pdf,
    }];
    if let (Some(name), Some(bytes)) = (&timesheet_filename, &files.timesheet) {
        attachments.push(Attachment {
            filename: name,
            content_type: "application/pdf",
            bytes,
        });
    }
    let act_filename = files.act.as_ref().map(|_| super::act::file_name(invoice));
    if let (Some(name), Some(bytes)) = (&act_filename, &files.act) {
        attachments.push(Attachment {
            filename: name,
            content_type: "application/pdf",
            bytes,
        });
    }
    let raw = mime::build(&mime::Message {
        from_name: Some(issuer_name),
        from,
        to: &to,
        cc: &cc,
        subject: &subject,
        text: &text,
        attachments: &attachments,
        date: sent_at,
        token: &id.simple().to_string(),
    });
    Outgoing {
        sent: SentMessage {
            id,
            invoice_id: invoice.header.id,
            to,
            cc,
            subject,
            sent_at,
            sent_by: actor.name.clone(),
            status: MessageStatus::Pending,
            provider_message_id: None,
            pdf_filename: filename,
            pdf_sha256: sha256_hex(pdf),
            pdf_size_bytes: pdf.len() as u64,
            timesheet_filename,
            act_filename,
            kind: MessageKind::Invoice,
            step: None,
            amount_due: None,
        },
        raw,
        from,
    }
}

/// What handing a message to the mail service did.
pub(crate) enum Delivered {
    /// Accepted and recorded; the invoice as recorded when the message changed it.
    Sent(Box<(Option<Invoice>, SentMessage)>),
    /// Its id was claimed before: an earlier attempt has it (pending, accepted or sent).
    Taken,
}

/// Record `outgoing` pending, hand it to the mail service and record what it answered.
/// `counted`: the start of the daily-limit window it was counted in, given back when the
/// mail service refuses it (nothing was sent). A pending record stays when no answer came
/// (it may have been delivered): its id is never sent again.
pub(crate) async fn deliver(
    deps: Sending<'_>,
    header: &InvoiceHeader,
    outgoing: Outgoing<'_>,
    actor: &Actor,
    counted: Option<i64>,
) -> Result<Delivered> {
    let Outgoing {
        mut sent,
        raw,
        from,
    } = outgoing;
    // Pending before the mail service is called: a crash after it leaves a visible record.
    if !deps.messages.put_pending(&sent).await? {
        if let Some(window) = counted {
            refund(deps, actor, window).await?;
        }
        return Ok(Delivered::Taken);
    }
    let delivery = deps
        .mailer
        .send(&OutgoingMail {
            from: from.to_string(),
            to: sent.to.clone(),
            cc: sent.cc.clone(),
            raw,
        })
        .await;
    let accepted = match delivery {
        Ok(Delivery::Accepted(accepted)) => accepted,
        Ok(Delivery::Refused(detail)) => {
            // Nothing was sent: no record, and the e-mail does not count against the limit.
            // The record is removed with a second try: left pending, its id would never be
            // sent again (a reminder step would be reported unconfirmed for ever).
            let mut forgotten = deps.messages.forget_pending(&sent).await;
            if forgotten.is_err() {
                forgotten = deps.messages.forget_pending(&sent).await;
            }
            if let Some(window) = counted {
                refund(deps, actor, window).await?;
            }
            forgotten?;
            return Err(Error::Unavailable(detail));
        }
        // Maybe sent: the pending record stays, and its id is not sent again.
        Ok(Delivery::Unknown(detail)) => return Err(Error::Unavailable(detail)),
        Err(e) => return Err(e),
    };
    sent.provider_message_id = Some(accepted.provider_message_id);
    deps.messages.mark_accepted(&sent).await?;
    let (invoice, sent) = finish(deps, header, sent, actor).await.inspect_err(|e| {
        // The e-mail is out and its record says `accepted`: a retry with the same id
        // completes it.
        tracing::error!(invoice = %header.id, error = ?e,
            "e-mail accepted by the mail service but the record of it was not written");
    })?;
    Ok(Delivered::Sent(Box::new((invoice, sent))))
}

async fn refund(deps: Sending<'_>, actor: &Actor, window: i64) -> Result<()> {
    deps.quota
        .counter
        .refund_attempt(AttemptScope::Sends(&actor.name), window)
        .await
}

/// Record an accepted message as `sent`: the invoice itself on its invoice (`sent_at`, a
/// history entry, `invoice.sent`); a reminder with `reminder.sent`, the invoice unchanged.
pub(crate) async fn finish(
    deps: Sending<'_>,
    header: &InvoiceHeader,
    mut sent: SentMessage,
    actor: &Actor,
) -> Result<(Option<Invoice>, SentMessage)> {
    sent.status = MessageStatus::Sent;
    match sent.kind {
        MessageKind::Invoice => Ok((Some(record(deps, &sent, actor).await?), sent)),
        MessageKind::Reminder => {
            let event = ReminderSent::of(header, &sent).event();
            deps.messages.record_sent(&sent, &event).await?;
            Ok((None, sent))
        }
    }
}

/// `POST /invoices/{id}/send`: e-mail an issued (finalized or paid) invoice with its PDF to
/// `to` (default: the client's billing addresses) and `cc`; record the message, `sent_at`
/// and a history entry. A draft or a void invoice is 409; see the module documentation for
/// who may receive it, the daily limit and what a retry with the same key does.
pub async fn send(
    deps: Sending<'_>,
    id: Uuid,
    req: &SendRequest,
    actor: &Actor,
    sender: &Sender<'_>,
) -> Result<(Invoice, SentMessage)> {
    let p = prepare(deps, id, req, Action::Send, actor, sender, "").await?;
    if let Some(earlier) = p.earlier {
        let (after, sent) = resume(deps, &p.invoice.header, earlier, actor).await?;
        return Ok((after.unwrap_or(p.invoice), sent));
    }
    let extras = Extras {
        timesheet: req.attach_timesheet,
        act: p.attach_act,
    };
    let files = Files::of(deps, &p.invoice, extras).await?;
    let counted = count_send(deps.quota, actor).await?;
    let issuer_name = finalize::issuer_of(&p.invoice, deps.issuing.issuer)
        .name
        .clone();
    let text = (
        subject(&p.invoice, &issuer_name),
        body(&p.invoice, &issuer_name, p.message.as_deref()),
    );
    let outgoing = compose(
        &p.invoice,
        p.message_id,
        (p.to, p.cc),
        text,
        &files,
        &issuer_name,
        p.from,
        actor,
    );
    match deliver(deps, &p.invoice.header, outgoing, actor, Some(counted)).await? {
        Delivered::Sent(sent) => {
            let (after, sent) = *sent;
            Ok((after.unwrap_or(p.invoice), sent))
        }
        Delivered::Taken => Err(Error::Conflict(
            "this message is already being sent; retry in a moment".into(),
        )),
    }
}

/// Count one e-mail of `actor` against the daily limit: 429 past it. The start of the
/// window it was counted in (to give it back if nothing is sent).
pub(crate) async fn count_send(quota: SendQuota<'_>, actor: &Actor) -> Result<i64> {
    let limited = |retry_after_secs| Error::RateLimited {
        message: format!(
            "at most {} invoice e-mails per user per day; try again later",
            quota.per_user_per_day
        ),
        retry_after_secs,
    };
    if quota.per_user_per_day == 0 {
        return Err(limited(SEND_WINDOW_SECS));
    }
    match quota
        .counter
        .count_attempt(
            AttemptScope::Sends(&actor.name),
            quota.per_user_per_day,
            SEND_WINDOW_SECS,
            actor.now,
        )
        .await?
    {
        AttemptCount::Counted { window_start } => Ok(window_start),
        AttemptCount::LimitReached { retry_after_secs } => Err(limited(retry_after_secs)),
    }
}

/// Record `sent` on its invoice: `sent_at`, the message item and a history entry, in one
/// transaction; read again and retried when another write came first. The invoice may have
/// moved on meanwhile (paid, even voided): the e-mail went out all the same, so it is
/// recorded whatever the status.
async fn record(deps: Sending<'_>, sent: &SentMessage, actor: &Actor) -> Result<Invoice> {
    let invoices = deps.issuing.invoices;
    until_written(
        "the invoice is changing too often; the e-mail was sent but not yet recorded",
        |_| async move {
            let before = invoices
                .get_invoice(sent.invoice_id)
                .await?
                .ok_or_else(|| Error::not_found("invoice"))?;
            let mut after = before.clone();
            // The last send: an earlier one recorded after a later one leaves it as it is.
            after.header.sent_at = before.header.sent_at.max(Some(sent.sent_at));
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
                    Change::of(
                        "sent_at",
                        &before.header.sent_at.map(|t| instant::format(&t)),
                        &after.header.sent_at.map(|t| instant::format(&t)),
                    ),
                    Change::of("message", &None::<Uuid>, &Some(sent.id)),
                    Change::of("recipients", &Vec::<String>::new(), &recipients),
                ],
            };
            let event =
                InvoiceSent::of(&after.header, sent.id, recipients.len(), sent.sent_at).event();
            let with = [Companion::PutSentMessage(sent), Companion::PutEvent(&event)];
            match invoices
                .update_invoice(&before, &after, &entry, &with)
                .await?
            {
                WriteOutcome::Written => Ok(Round::Done(after)),
                WriteOutcome::Refused(WriteRefused::Changed { .. }) => Ok(Round::Again),
                WriteOutcome::Refused(r) => {
                    Err(lifecycle::refused(r, Action::Send, &before.header))
                }
            }
        },
    )
    .await
}

/// `GET /invoices/{id}/messages`: what was sent for an invoice, oldest first.
pub async fn messages(deps: Sending<'_>, id: Uuid) -> Result<Vec<SentMessage>> {
    deps.issuing
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
            attach_timesheet: false,
            attach_act: None,
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
