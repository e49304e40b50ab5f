//! Payment reminders of an issued invoice, e-mailed with its PDF and the amount still due
//! in the client's language, and recorded as messages of the invoice (`kind: reminder`)
//! with `reminder.sent`; the invoice itself does not change.
//!
//! - A step of the schedule ([`remind_step`]) has one message id per invoice and step
//!   ([`step_message_id`]): its claim is taken once, so a redelivery, two overlapping runs
//!   or a retry after a crash find the earlier attempt and never send it again. One whose
//!   mail service answer was never seen stays `pending`, reported `unconfirmed`, and is not
//!   sent again (it may have been delivered).
//! - A reminder by hand ([`remind`], `POST /invoices/{id}/remind`) is a send: the same
//!   recipients rule, daily limit and `Idempotency-Key` behaviour as
//!   [`super::sending::send`]; only while something is due.

use super::drafting::Actor;
use super::finalize;
use super::sending::{
    self, Delivered, MessageKind, MessageStatus, SendRequest, Sender, Sending, SentMessage,
};
use crate::domain::invoice::lifecycle::Action;
use crate::domain::invoice::model::Invoice;
use crate::domain::{Client, Locale};
use crate::reminders::ReminderStep;
use crate::reminders::letter::letter;
use crate::{Error, Result};
use uuid::Uuid;

/// The one message id of reminder `step` of an invoice.
pub fn step_message_id(invoice_id: Uuid, step: &ReminderStep) -> Uuid {
    Uuid::new_v5(
        &invoice_id,
        format!("reminder\n{}", step.days_after_due).as_bytes(),
    )
}

/// What a step's reminder did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepReminder {
    /// E-mailed now (or an earlier attempt the mail service accepted, recorded now).
    Sent(Box<SentMessage>),
    /// An earlier attempt sent it.
    AlreadySent,
    /// An earlier attempt was handed to the mail service without an answer: it may have
    /// been delivered, and is not sent again.
    Unconfirmed,
    /// The client has no usable e-mail address.
    NoAddress,
}

/// E-mail reminder `step` of the issued `invoice` to its client's billing addresses, once
/// (see the module documentation). `client`: the client now (`None`: gone; its snapshot's
/// address is used).
pub async fn remind_step(
    deps: Sending<'_>,
    invoice: &Invoice,
    client: Option<&Client>,
    step: ReminderStep,
    actor: &Actor,
) -> Result<StepReminder> {
    let h = &invoice.header;
    let id = step_message_id(h.id, &step);
    if let Some(done) = earlier_step(deps, invoice, id, actor).await? {
        return Ok(done);
    }
    let from = deps
        .mail_from
        .ok_or_else(|| Error::Unavailable("MAIL_FROM is not configured".into()))?;
    let billing = match client {
        Some(c) => sending::billing_addresses(&c.email, &c.billing_contacts),
        None => sending::billing_addresses(&h.client.email, &[]),
    };
    let to = sending::usable(&billing, &[]);
    if to.is_empty() {
        return Ok(StepReminder::NoAddress);
    }
    let locale = client.map(|c| c.locale).or(h.locale).unwrap_or_default();
    let outgoing = reminder(
        deps,
        invoice,
        id,
        (to, Vec::new()),
        Some(step),
        locale,
        (None, sending::Extras::default()),
        from,
        actor,
    )
    .await?;
    match sending::deliver(deps, h, outgoing, actor, None).await? {
        Delivered::Sent(sent) => Ok(StepReminder::Sent(Box::new(sent.1))),
        // Another attempt claimed it meanwhile (an overlapping run).
        Delivered::Taken => Ok(earlier_step(deps, invoice, id, actor)
            .await?
            .unwrap_or(StepReminder::Unconfirmed)),
    }
}

/// What an earlier attempt of a step's reminder did, if there was one.
async fn earlier_step(
    deps: Sending<'_>,
    invoice: &Invoice,
    id: Uuid,
    actor: &Actor,
) -> Result<Option<StepReminder>> {
    let earlier = deps
        .messages
        .sent_messages(invoice.header.id)
        .await?
        .into_iter()
        .find(|m| m.id == id);
    Ok(match earlier {
        None => None,
        Some(m) => Some(match m.status {
            MessageStatus::Sent => StepReminder::AlreadySent,
            MessageStatus::Pending => StepReminder::Unconfirmed,
            MessageStatus::Accepted => {
                let (_, sent) = sending::finish(deps, &invoice.header, m, actor).await?;
                StepReminder::Sent(Box::new(sent))
            }
        }),
    })
}

/// The reminder e-mail of `invoice`: the letter in `locale`, the PDF as issued.
#[allow(clippy::too_many_arguments)]
async fn reminder<'f>(
    deps: Sending<'_>,
    invoice: &Invoice,
    id: Uuid,
    recipients: (Vec<String>, Vec<String>),
    step: Option<ReminderStep>,
    locale: Locale,
    (message, extras): (Option<&str>, sending::Extras),
    from: &'f str,
    actor: &Actor,
) -> Result<sending::Outgoing<'f>> {
    let h = &invoice.header;
    let files = sending::Files::of(deps, invoice, extras).await?;
    let issuer_name = finalize::issuer_of(invoice, deps.issuing.issuer)
        .name
        .clone();
    // Worked out in the client's time zone when the invoice was read (`present`).
    let overdue = h.overdue;
    let words = letter(
        h,
        step.map(|s| s.kind),
        overdue,
        locale,
        &issuer_name,
        message,
    );
    let mut outgoing = sending::compose(
        invoice,
        id,
        recipients,
        (words.subject, words.text),
        &files,
        &issuer_name,
        from,
        actor,
    );
    outgoing.sent.kind = MessageKind::Reminder;
    outgoing.sent.step = step;
    outgoing.sent.amount_due = Some(h.amount_due);
    Ok(outgoing)
}

/// `POST /invoices/{id}/remind`: e-mail a payment reminder of a finalized invoice with
/// something due now, to `to` (default: the client's billing addresses) and `cc`, in the
/// client's language, whatever the schedule says. A draft, paid or void invoice is 409.
pub async fn remind(
    deps: Sending<'_>,
    id: Uuid,
    req: &SendRequest,
    actor: &Actor,
    sender: &Sender<'_>,
) -> Result<SentMessage> {
    let mut p = sending::prepare(deps, id, req, Action::Remind, actor, sender, "remind\n").await?;
    crate::domain::invoice::receivables::present(&mut p.invoice.header, actor.now);
    let h = &p.invoice.header;
    if let Some(earlier) = p.earlier {
        return Ok(sending::resume(deps, h, earlier, actor).await?.1);
    }
    if h.amount_due.is_zero() {
        return Err(Error::Conflict(format!(
            "nothing is due on invoice {}: there is nothing to remind of",
            h.number.as_deref().unwrap_or_default()
        )));
    }
    let locale = deps
        .clients
        .get_client(&h.client_key)
        .await?
        .map(|c| c.locale)
        .or(h.locale)
        .unwrap_or_default();
    let outgoing = reminder(
        deps,
        &p.invoice,
        p.message_id,
        (p.to, p.cc),
        None,
        locale,
        (
            p.message.as_deref(),
            sending::Extras {
                timesheet: req.attach_timesheet,
                act: p.attach_act,
            },
        ),
        p.from,
        actor,
    )
    .await?;
    let counted = sending::count_send(deps.quota, actor).await?;
    match sending::deliver(deps, h, outgoing, actor, Some(counted)).await? {
        Delivered::Sent(sent) => Ok(sent.1),
        Delivered::Taken => Err(Error::Conflict(
            "this reminder is already being sent; retry in a moment".into(),
        )),
    }
}
