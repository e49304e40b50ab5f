//! After finalize: the use cases that move an issued invoice's receivables (payments,
//! write-offs and their reversal, void) and the deletion of a draft. Each one checks the lifecycle rule,
//! applies the receivables rules, and writes the invoice with its companions in one
//! conditional transaction; a write that lost a race is read again and decided again.

use super::drafting::{Actor, Stores, get};
use super::write_loop::{Round, until_written};
use crate::domain::TimeZone;
use crate::domain::invoice::history::{Change, EditAction, HistoryEntry};
use crate::domain::invoice::lifecycle::{self, Action};
use crate::domain::invoice::model::{Invoice, InvoiceStatus};
use crate::domain::invoice::receivables::{self, Payment, PaymentMethod, PaymentRequest, Reversal};
use crate::domain::invoice::write_off::{
    WriteOff, WriteOffLimit, WriteOffRequest, check_write_off,
};
use crate::domain::ledger::EntryKind;
use crate::events::{DomainEvent, EventDetail, InvoiceVoided, InvoiceWrittenOff, PaymentRecorded};
use crate::ledger::{Account, Booking};
use crate::ports::{Companion, WriteOutcome, WriteRefused};
use crate::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

/// The client's date today, in the time zone recorded on the invoice.
fn today(invoice: &Invoice, actor: &Actor) -> NaiveDate {
    TimeZone::named_or_utc(invoice.header.timezone.as_deref()).date_at(actor.now)
}

/// What a receivables change did to the amounts and the status, for the history.
pub(crate) fn receivables_changes(before: &Invoice, after: &Invoice) -> Vec<Change> {
    let (b, a) = (&before.header, &after.header);
    let mut out = Vec::new();
    if b.amount_paid != a.amount_paid {
        out.push(Change::of("amount_paid", &b.amount_paid, &a.amount_paid));
    }
    if b.amount_written_off != a.amount_written_off {
        out.push(Change::of(
            "amount_written_off",
            &b.amount_written_off,
            &a.amount_written_off,
        ));
    }
    if b.amount_credited != a.amount_credited {
        out.push(Change::of(
            "amount_credited",
            &b.amount_credited,
            &a.amount_credited,
        ));
    }
    if b.amount_due != a.amount_due {
        out.push(Change::of("amount_due", &b.amount_due, &a.amount_due));
    }
    if b.status != a.status {
        out.push(Change::of("status", &b.status, &a.status));
    }
    out
}

/// What a decision reads besides the invoice, again in every round.
struct Read {
    /// The invoice's payments (read only when asked for).
    payments: Vec<Payment>,
    /// The invoice's write-offs (read only when asked for).
    write_offs: Vec<WriteOff>,
    /// The client's account in the invoice's currency.
    account: Account,
}

/// Which records of the invoice a decision reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Records {
    None,
    Payments,
    WriteOffs,
}

/// Read (the invoice, the client's account, and the records `records` names), decide
/// (`decide` returns the changed invoice, extra history changes and what `companions`,
/// `booking` and `event` need), write conditionally with the companions, the posting in
/// the client's account and the domain event; read again and decide again when another
/// write came first (to the invoice or to the account).
#[allow(clippy::too_many_arguments)]
async fn write<T>(
    stores: Stores<'_>,
    id: Uuid,
    action: Action,
    history: EditAction,
    actor: &Actor,
    records: Records,
    decide: impl Fn(&Invoice, &Read) -> Result<(Invoice, Vec<Change>, T)> + Sync,
    companions: impl Fn(&T) -> Vec<Companion<'_>> + Sync,
    booking: impl Fn(&Invoice, &T) -> Booking + Sync,
    event: impl Fn(&Invoice, &T) -> Option<DomainEvent> + Sync,
) -> Result<(Invoice, T)> {
    let (decide, companions, booking, event) = (&decide, &companions, &booking, &event);
    until_written("the invoice is changing too often", |_| async move {
        let mut before = get(stores, id).await?;
        receivables::settle(&mut before.header);
        lifecycle::check(&before.header, action, None)?;
        let account = crate::ledger::read_account(
            stores.invoices,
            stores.ledger,
            &before.header.client_key,
            &before.header.currency,
            &[&before.header],
            today(&before, actor),
        )
        .await?;
        let read = Read {
            payments: match records {
                Records::Payments => stores.invoices.payments(id).await?,
                _ => Vec::new(),
            },
            write_offs: match records {
                Records::WriteOffs => stores.invoices.write_offs(id).await?,
                _ => Vec::new(),
            },
            account,
        };
        let (mut after, mut changes, extra) = decide(&before, &read)?;
        receivables::settle(&mut after.header);
        after.header.version = before.header.version + 1;
        after.header.updated_at = actor.now;
        let mut all = receivables_changes(&before, &after);
        all.append(&mut changes);
        let entry = HistoryEntry {
            at: actor.now,
            actor: actor.name.clone(),
            action: history,
            version: after.header.version,
            changes: all,
        };
        let event = event(&after, &extra);
        let posting = read.account.book(
            &booking(&after, &extra),
            &before.header,
            &after.header,
            actor.now,
            &actor.name,
        );
        let mut with = companions(&extra);
        with.extend(event.as_ref().map(Companion::PutEvent));
        if !posting.entries.is_empty() {
            with.push(Companion::Post(&posting));
        }
        match stores
            .invoices
            .update_invoice(&before, &after, &entry, &with)
            .await?
        {
            WriteOutcome::Written => Ok(Round::Done((after, extra))),
            WriteOutcome::Refused(WriteRefused::Changed { .. }) => Ok(Round::Again),
            WriteOutcome::Refused(r) => Err(lifecycle::refused(r, action, &before.header)),
        }
    })
    .await
}

/// `POST /invoices/{id}/payments`: record a payment of what is due (never more), in the
/// invoice's currency, dated between the issue date and today (the client's time zone).
/// An invoice with nothing left due becomes `paid`.
pub async fn record_payment(
    stores: Stores<'_>,
    rates: &dyn crate::ports::RateStore,
    id: Uuid,
    req: &PaymentRequest,
    actor: &Actor,
) -> Result<(Invoice, Payment)> {
    let payment_id = Uuid::new_v4();
    // The payment's value in soums at the rate of the day it was paid (an invoice's
    // currency never changes, so it is read before the write loop).
    let current = get(stores, id).await?;
    let currency = current.header.currency.clone();
    // Bad input is answered as such before a rate is looked for (the write checks again).
    if lifecycle::allows(current.header.status, Action::RecordPayment) {
        receivables::check_payment(&current.header, req, today(&current, actor))?;
    }
    let valued_at = crate::rates::lookup::rate_for_books(
        rates,
        &currency,
        req.paid_on,
        "the payment's UZS value",
        "record it again",
    )
    .await?;
    let valued_at = &valued_at;
    write(
        stores,
        id,
        Action::RecordPayment,
        EditAction::PaymentRecorded,
        actor,
        Records::None,
        |before, _| {
            receivables::check_payment(&before.header, req, today(before, actor))?;
            let payment = Payment {
                id: payment_id,
                invoice_id: id,
                amount: crate::domain::invoice::money::round_to(
                    req.amount,
                    crate::domain::invoice::money::minor_unit(&before.header.currency),
                ),
                currency: before.header.currency.clone(),
                paid_on: req.paid_on,
                method: req.method,
                reference: req.reference.as_deref().map(|r| r.trim().to_string()),
                recorded_at: crate::domain::instant::to_millis(actor.now),
                recorded_by: actor.name.clone(),
                reversal: None,
                accounting: None,
                client_payment_id: None,
            };
            let payment = Payment {
                accounting: valued_at.as_ref().map(|rate| {
                    crate::rates::equivalent::PaymentAccounting::at(rate, payment.amount)
                }),
                ..payment
            };
            let mut after = before.clone();
            after.header.amount_paid += payment.amount;
            let changes = vec![Change::of("payment", &None::<Uuid>, &Some(payment.id))];
            Ok((after, changes, payment))
        },
        |p| vec![Companion::PutPayment(p)],
        |_, p| Booking {
            kind: EntryKind::PaymentReceived,
            record_id: Some(p.id),
            from_credit: Decimal::ZERO,
            value_date: p.paid_on,
            reference: None,
        },
        |after, p| Some(PaymentRecorded::of(&after.header, p).event()),
    )
    .await
}

/// `GET /invoices/{id}/payments`: every payment, reversed ones included, oldest first.
pub async fn payments(stores: Stores<'_>, id: Uuid) -> Result<Vec<Payment>> {
    get(stores, id).await?;
    stores.invoices.payments(id).await
}

/// `DELETE /invoices/{id}/payments/{pid}` (admins): reverse a payment with a reason; the
/// amounts follow, and a `paid` invoice is `finalized` again when something is due.
pub async fn reverse_payment(
    stores: Stores<'_>,
    id: Uuid,
    payment_id: Uuid,
    reason: &str,
    actor: &Actor,
) -> Result<(Invoice, Payment)> {
    let reason = receivables::check_reason(reason)?;
    write(
        stores,
        id,
        Action::ReversePayment,
        EditAction::PaymentReversed,
        actor,
        // The payment is read again in every round: a reversal that lost a race to another
        // reversal of the same payment sees it reversed and is refused (the write is also
        // conditional on the stored payment not being reversed).
        Records::Payments,
        |before, read| {
            let mut payment = read
                .payments
                .iter()
                .find(|p| p.id == payment_id)
                .cloned()
                .ok_or_else(|| Error::not_found("payment"))?;
            if payment.reversal.is_some() {
                return Err(Error::Conflict("the payment is already reversed".into()));
            }
            payment.reversal = Some(Reversal {
                at: actor.now,
                by: actor.name.clone(),
                reason: reason.clone(),
            });
            let mut after = before.clone();
            after.header.amount_paid -= payment.amount;
            let changes = vec![Change::of("payment", &Some(payment.id), &None::<Uuid>)];
            Ok((after, changes, payment))
        },
        |p| vec![Companion::ReplacePayment(p)],
        |after, p| Booking {
            kind: EntryKind::PaymentReversed,
            record_id: Some(p.id),
            // Credit applied and reversed goes back to the credit balance, and so does a
            // transfer's allocation: the money arrived, it is only no longer on this
            // invoice (apply it again, or refund it).
            from_credit: if p.method == PaymentMethod::CreditBalance
                || p.client_payment_id.is_some()
            {
                -p.amount
            } else {
                Decimal::ZERO
            },
            value_date: today(after, actor),
            reference: None,
        },
        // No event: a reversal is an admin's correction (`invoice.history` records it).
        |_, _| None,
    )
    .await
}

/// `POST /invoices/{id}/write-off`: close part (or all) of what is due without money. An
/// accountant up to the tolerance of the invoice's currency, an admin any amount
/// ([`check_write_off`]); an invoice with nothing left due becomes `paid`.
pub async fn write_off(
    stores: Stores<'_>,
    rates: &dyn crate::ports::RateStore,
    id: Uuid,
    req: &WriteOffRequest,
    limit: WriteOffLimit<'_>,
    actor: &Actor,
) -> Result<(Invoice, WriteOff)> {
    let write_off_id = Uuid::new_v4();
    // Its value in soums at the rate of the day (an invoice's currency never changes, so it
    // is read before the write loop); bad input is answered before a rate is looked for.
    let current = get(stores, id).await?;
    let currency = current.header.currency.clone();
    if lifecycle::allows(current.header.status, Action::WriteOff) {
        let mut settled = current.header.clone();
        receivables::settle(&mut settled);
        check_write_off(&settled, req, limit)?;
    }
    let day = today(&current, actor);
    let valued_at = crate::rates::lookup::rate_for_books(
        rates,
        &currency,
        day,
        "the write-off's UZS value",
        "write it off again",
    )
    .await?;
    let valued_at = &valued_at;
    write(
        stores,
        id,
        Action::WriteOff,
        EditAction::WrittenOff,
        actor,
        Records::None,
        |before, _| {
            let note = check_write_off(&before.header, req, limit)?;
            let currency = before.header.currency.clone();
            let w = WriteOff {
                id: write_off_id,
                invoice_id: id,
                amount: crate::domain::invoice::money::round_to(
                    req.amount,
                    crate::domain::invoice::money::minor_unit(&currency),
                ),
                currency,
                reason: req.reason,
                note: note.clone(),
                recorded_at: crate::domain::instant::to_millis(actor.now),
                recorded_by: actor.name.clone(),
                reversal: None,
                accounting: None,
            };
            let w = WriteOff {
                accounting: valued_at
                    .as_ref()
                    .map(|rate| crate::rates::equivalent::PaymentAccounting::at(rate, w.amount)),
                ..w
            };
            let mut after = before.clone();
            after.header.amount_written_off += w.amount;
            let changes = vec![Change::of("write_off", &None::<Uuid>, &Some(w.id))];
            Ok((after, changes, w))
        },
        |w| vec![Companion::PutWriteOff(w)],
        |after, w| Booking {
            kind: EntryKind::WriteOff,
            record_id: Some(w.id),
            from_credit: Decimal::ZERO,
            value_date: today(after, actor),
            reference: None,
        },
        |after, w| Some(InvoiceWrittenOff::of(&after.header, w).event()),
    )
    .await
}

/// `GET /invoices/{id}/write-offs`: every write-off, reversed ones included, oldest first.
pub async fn write_offs(stores: Stores<'_>, id: Uuid) -> Result<Vec<WriteOff>> {
    get(stores, id).await?;
    stores.invoices.write_offs(id).await
}

/// `DELETE /invoices/{id}/write-offs/{wid}` (admins): reverse a write-off with a reason; the
/// amount counts as owed again (due again, or, after a credit note, less overpaid).
pub async fn reverse_write_off(
    stores: Stores<'_>,
    id: Uuid,
    write_off_id: Uuid,
    reason: &str,
    actor: &Actor,
) -> Result<(Invoice, WriteOff)> {
    let reason = receivables::check_reason(reason)?;
    write(
        stores,
        id,
        Action::ReverseWriteOff,
        EditAction::WriteOffReversed,
        actor,
        // Read again in every round, and the write is conditional on the stored write-off
        // not being reversed: of two reversals at once, one wins.
        Records::WriteOffs,
        |before, read| {
            let mut w = read
                .write_offs
                .iter()
                .find(|w| w.id == write_off_id)
                .cloned()
                .ok_or_else(|| Error::not_found("write-off"))?;
            if w.reversal.is_some() {
                return Err(Error::Conflict("the write-off is already reversed".into()));
            }
            w.reversal = Some(Reversal {
                at: actor.now,
                by: actor.name.clone(),
                reason: reason.clone(),
            });
            let mut after = before.clone();
            after.header.amount_written_off -= w.amount;
            let changes = vec![Change::of("write_off", &Some(w.id), &None::<Uuid>)];
            Ok((after, changes, w))
        },
        |w| vec![Companion::ReplaceWriteOff(w)],
        |after, w| Booking {
            kind: EntryKind::WriteOffReversed,
            record_id: Some(w.id),
            from_credit: Decimal::ZERO,
            value_date: today(after, actor),
            reference: None,
        },
        // No event: a reversal is an admin's correction (`invoice.history` records it).
        |_, _| None,
    )
    .await
}

/// `POST /invoices/{id}/void`: void a finalized invoice that has no payments and no credit
/// notes. Its number stays used and its PDF stays as issued; the (client, period) may be
/// invoiced again.
pub async fn void(stores: Stores<'_>, id: Uuid, reason: &str, actor: &Actor) -> Result<Invoice> {
    let reason = receivables::check_reason(reason)?;
    let (invoice, ()) = write(
        stores,
        id,
        Action::Void,
        EditAction::Voided,
        actor,
        Records::None,
        |before, _| {
            let h = &before.header;
            if !h.amount_paid.is_zero()
                || !h.amount_credited.is_zero()
                || !h.amount_written_off.is_zero()
            {
                return Err(Error::Conflict(format!(
                    "invoice has {} paid, {} credited and {} written off; reverse the payments \
                     and write-offs first (credited invoices cannot be voided)",
                    h.amount_paid, h.amount_credited, h.amount_written_off
                )));
            }
            let mut after = before.clone();
            after.header.status = InvoiceStatus::Void;
            Ok((
                after,
                vec![Change::of("reason", &None::<String>, &Some(reason.clone()))],
                (),
            ))
        },
        |_| vec![Companion::ReleasePeriodGuard],
        |after, _| Booking {
            kind: EntryKind::InvoiceVoided,
            record_id: None,
            from_credit: Decimal::ZERO,
            value_date: today(after, actor),
            reference: None,
        },
        |after, _| Some(InvoiceVoided::of(&after.header).event()),
    )
    .await?;
    Ok(invoice)
}

/// `DELETE /invoices/{id}`: delete a draft at `expected_version`; its (client, period) may be
/// generated again, and its history stays readable.
pub async fn delete_draft(
    stores: Stores<'_>,
    id: Uuid,
    expected_version: u64,
    actor: &Actor,
) -> Result<()> {
    let before = get(stores, id).await?;
    lifecycle::check(&before.header, Action::DeleteDraft, Some(expected_version))?;
    let entry = HistoryEntry {
        at: actor.now,
        actor: actor.name.clone(),
        action: EditAction::Deleted,
        version: before.header.version + 1,
        changes: vec![Change::of("status", &Some("draft"), &None::<&str>)],
    };
    match stores.invoices.delete_draft(&before, &entry).await? {
        WriteOutcome::Written => Ok(()),
        WriteOutcome::Refused(r) => Err(lifecycle::refused(r, Action::DeleteDraft, &before.header)),
    }
}

/// `POST /invoices/{id}/apply-credit`: pay part (or all) of what is due from the client's
/// credit balance in the invoice's currency, never more than either. It is recorded as a
/// payment of method `credit_balance` dated today; an admin reverses it like any payment,
/// and the amount goes back to the credit balance.
pub async fn apply_credit(
    stores: Stores<'_>,
    id: Uuid,
    req: &crate::domain::ledger::client_payment::ApplyCreditRequest,
    actor: &Actor,
) -> Result<(Invoice, (Payment, Decimal))> {
    let payment_id = Uuid::new_v4();
    write(
        stores,
        id,
        Action::RecordPayment,
        EditAction::CreditApplied,
        actor,
        Records::None,
        |before, read| {
            let credit = read.account.credit_balance();
            crate::domain::ledger::client_payment::check_apply_credit(
                &before.header,
                req.amount,
                credit,
            )?;
            let currency = before.header.currency.clone();
            let amount = crate::domain::ledger::client_payment::in_places(req.amount, &currency);
            let payment = Payment {
                id: payment_id,
                invoice_id: id,
                amount,
                currency,
                paid_on: today(before, actor),
                method: PaymentMethod::CreditBalance,
                reference: None,
                recorded_at: crate::domain::instant::to_millis(actor.now),
                recorded_by: actor.name.clone(),
                reversal: None,
                accounting: None,
                client_payment_id: None,
            };
            let mut after = before.clone();
            after.header.amount_paid += amount;
            let changes = vec![Change::of("payment", &None::<Uuid>, &Some(payment.id))];
            Ok((after, changes, (payment, credit - amount)))
        },
        |(p, _)| vec![Companion::PutPayment(p)],
        |_, (p, _)| Booking {
            kind: EntryKind::CreditApplied,
            record_id: Some(p.id),
            from_credit: p.amount,
            value_date: p.paid_on,
            reference: None,
        },
        |after, (p, credit)| {
            Some(crate::events::CreditApplied::of(&after.header, p, *credit).event())
        },
    )
    .await
}
