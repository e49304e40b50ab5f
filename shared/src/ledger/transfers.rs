//! Money of a client that is not one invoice's payment: a transfer allocated over several
//! invoices (`POST /clients/{key}/payments`) and a refund of credit balance (`POST
//! /clients/{key}/refunds`). Each is one transaction with the invoices it pays, its record,
//! its posting in the client's account and its event; a write that lost a race (to an
//! invoice or to the account) reads everything again and decides again.

use super::reports::{Balance, balance_in};
use crate::Result;
use crate::domain::invoice::history::{Change, EditAction, HistoryEntry};
use crate::domain::invoice::model::Invoice;
use crate::domain::invoice::receivables::{self, Payment};
use crate::domain::ledger::client_payment::{
    Allocation, ClientPayment, ClientPaymentRequest, Refund, RefundRequest, check_client_payment,
    check_refund, in_places,
};
use crate::domain::ledger::{EntryKind, Movement, invoices_movement};
use crate::events::{EventDetail, PaymentReceived, PaymentRecorded, RefundPaid};
use crate::invoice::drafting::{Actor, Stores};
use crate::invoice::write_loop::{Round, until_written};
use crate::ports::{AccountRecord, Companion, InvoiceWrite, RateStore};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /clients/{key}/payments`: the transfer, the invoices it paid (after) and the
/// client's balance in its currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedTransfer {
    pub payment: ClientPayment,
    pub invoices: Vec<crate::domain::invoice::model::InvoiceHeader>,
    pub balance: Balance,
}

/// `POST /clients/{key}/refunds`: the refund and the client's balance after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedRefund {
    pub refund: Refund,
    pub balance: Balance,
}

/// Record a transfer of client `client_key`: each allocation a payment of its invoice (never
/// above what is due), the rest credit balance. Bad allocations are 400 naming
/// `allocations[i]`, and nothing is stored.
pub async fn record_transfer(
    stores: Stores<'_>,
    rates: &dyn RateStore,
    client_key: &str,
    req: &ClientPaymentRequest,
    actor: &Actor,
) -> Result<RecordedTransfer> {
    let client = crate::clients::get(stores.clients, client_key).await?;
    let currency = crate::domain::invoice::money::currency_code(&req.currency);
    let req = &ClientPaymentRequest {
        currency: currency.clone(),
        ..req.clone()
    };
    let today = crate::invoice::draft::local_date(&client, actor.now);
    // Too many allocations are refused before any invoice is read.
    if req.allocations.len() > crate::domain::ledger::client_payment::MAX_ALLOCATIONS {
        check_client_payment(client_key, req, &[], today)?;
    }
    // Bad input is answered before a rate is looked for (the write checks again).
    let first = read_invoices(stores, req).await?;
    check_client_payment(client_key, req, &headers(&first), today)?;
    let rate = crate::rates::lookup::rate_for_books(
        rates,
        &currency,
        req.received_on,
        "the payments' UZS value",
        "record it again",
    )
    .await?;
    let transfer_id = Uuid::new_v4();
    let payment_ids: Vec<Uuid> = req.allocations.iter().map(|_| Uuid::new_v4()).collect();
    let (rate, payment_ids, currency) = (&rate, &payment_ids, &currency);
    let (payment, invoices) = until_written("the client's account is too busy", |_| async move {
        let read = read_invoices(stores, req).await?;
        let before_headers = headers(&read);
        check_client_payment(client_key, req, &before_headers, today)?;
        let befores: Vec<Invoice> = read.into_iter().flatten().collect();
        let account = super::read_account(
            stores.invoices,
            stores.ledger,
            client_key,
            currency,
            &befores.iter().map(|i| &i.header).collect::<Vec<_>>(),
            today,
        )
        .await?;
        let recorded_at = crate::domain::instant::to_millis(actor.now);
        let mut payments = Vec::new();
        let mut afters = Vec::new();
        let mut entries = Vec::new();
        let mut allocations = Vec::new();
        for ((a, before), payment_id) in req.allocations.iter().zip(&befores).zip(payment_ids) {
            let amount = in_places(a.amount, currency);
            let payment = Payment {
                id: *payment_id,
                invoice_id: before.header.id,
                amount,
                currency: currency.clone(),
                paid_on: req.received_on,
                method: req.method,
                reference: req.reference.as_deref().map(|r| r.trim().to_string()),
                recorded_at,
                recorded_by: actor.name.clone(),
                reversal: None,
                accounting: rate
                    .as_ref()
                    .map(|rate| crate::rates::equivalent::PaymentAccounting::at(rate, amount)),
                client_payment_id: Some(transfer_id),
            };
            let mut after = before.clone();
            after.header.amount_paid += amount;
            receivables::settle(&mut after.header);
            after.header.version = before.header.version + 1;
            after.header.updated_at = actor.now;
            allocations.push(Allocation {
                invoice_id: after.header.id,
                invoice_number: after.header.number.clone().unwrap_or_default(),
                amount,
                payment_id: payment.id,
            });
            let mut changes = crate::invoice::collection::receivables_changes(before, &after);
            changes.push(Change::of("payment", &None::<Uuid>, &Some(payment.id)));
            entries.push(HistoryEntry {
                at: actor.now,
                actor: actor.name.clone(),
                action: EditAction::PaymentRecorded,
                version: after.header.version,
                changes,
            });
            payments.push(payment);
            afters.push(after);
        }
        let allocated: Decimal = allocations.iter().map(|a| a.amount).sum();
        let amount = in_places(req.amount, currency);
        let transfer = ClientPayment {
            id: transfer_id,
            client_key: client_key.to_string(),
            amount,
            currency: currency.clone(),
            received_on: req.received_on,
            method: req.method,
            reference: req.reference.as_deref().map(|r| r.trim().to_string()),
            allocations,
            unallocated: amount - allocated,
            recorded_at,
            recorded_by: actor.name.clone(),
            accounting: rate
                .as_ref()
                .map(|rate| crate::rates::equivalent::PaymentAccounting::at(rate, amount)),
        };
        let changed: Vec<_> = befores
            .iter()
            .zip(&afters)
            .map(|(b, a)| (&b.header, &a.header))
            .collect();
        let movement = Movement {
            reference: transfer.reference.clone(),
            record_id: Some(transfer.id),
            ..invoices_movement(
                EntryKind::PaymentReceived,
                &changed,
                transfer.unallocated,
                req.received_on,
            )
        };
        let posting = account.post(vec![movement], actor.now, &actor.name);
        let event = PaymentReceived::of(&transfer, posting.head.credit_balance).event();
        let invoice_events: Vec<_> = afters
            .iter()
            .zip(&payments)
            .map(|(after, p)| PaymentRecorded::of(&after.header, p).event())
            .collect();
        let companions: Vec<[Companion<'_>; 2]> = payments
            .iter()
            .zip(&invoice_events)
            .map(|(p, e)| [Companion::PutPayment(p), Companion::PutEvent(e)])
            .collect();
        let writes: Vec<InvoiceWrite<'_>> = befores
            .iter()
            .zip(&afters)
            .zip(&entries)
            .zip(&companions)
            .map(|(((before, after), entry), companions)| InvoiceWrite {
                before,
                after,
                entry,
                companions,
            })
            .collect();
        if stores
            .ledger
            .post(
                &writes,
                &[AccountRecord::ClientPayment(&transfer)],
                &posting,
                Some(&event),
            )
            .await?
        {
            Ok(Round::Done((
                transfer,
                afters.into_iter().map(|a| a.header).collect::<Vec<_>>(),
            )))
        } else {
            Ok(Round::Again)
        }
    })
    .await?;
    Ok(RecordedTransfer {
        payment,
        invoices,
        balance: balance_in(stores, client_key, currency, actor.now).await?,
    })
}

/// The invoices of a transfer's allocations, as stored (`None`: no such invoice).
async fn read_invoices(
    stores: Stores<'_>,
    req: &ClientPaymentRequest,
) -> Result<Vec<Option<Invoice>>> {
    let mut out = Vec::with_capacity(req.allocations.len());
    for a in &req.allocations {
        out.push(
            stores
                .invoices
                .get_invoice(a.invoice_id)
                .await?
                .map(|mut invoice| {
                    invoice.fix_scales();
                    receivables::settle(&mut invoice.header);
                    invoice
                }),
        );
    }
    Ok(out)
}

fn headers(
    invoices: &[Option<Invoice>],
) -> Vec<Option<crate::domain::invoice::model::InvoiceHeader>> {
    invoices
        .iter()
        .map(|i| i.as_ref().map(|i| i.header.clone()))
        .collect()
}

/// Pay back part of client `client_key`'s credit balance in a currency (never more than it).
pub async fn refund(
    stores: Stores<'_>,
    rates: &dyn RateStore,
    client_key: &str,
    req: &RefundRequest,
    actor: &Actor,
) -> Result<RecordedRefund> {
    let client = crate::clients::get(stores.clients, client_key).await?;
    let currency = crate::domain::invoice::money::currency_code(&req.currency);
    let req = &RefundRequest {
        currency: currency.clone(),
        ..req.clone()
    };
    let today = crate::invoice::draft::local_date(&client, actor.now);
    // Bad input is answered before a rate is looked for (the write checks the credit).
    check_refund(req, Decimal::MAX, today)?;
    let rate = crate::rates::lookup::rate_for_books(
        rates,
        &currency,
        req.paid_on,
        "the refund's UZS value",
        "record it again",
    )
    .await?;
    let rate = &rate;
    let refund_id = Uuid::new_v4();
    let currency = &currency;
    let refund = until_written("the client's account is too busy", |_| async move {
        let account = super::read_account(
            stores.invoices,
            stores.ledger,
            client_key,
            currency,
            &[],
            today,
        )
        .await?;
        check_refund(req, account.credit_balance(), today)?;
        let refund = Refund {
            id: refund_id,
            client_key: client_key.to_string(),
            amount: in_places(req.amount, currency),
            currency: currency.clone(),
            paid_on: req.paid_on,
            method: req.method,
            reference: req.reference.as_deref().map(|r| r.trim().to_string()),
            recorded_at: crate::domain::instant::to_millis(actor.now),
            recorded_by: actor.name.clone(),
            accounting: rate.as_ref().map(|rate| {
                crate::rates::equivalent::PaymentAccounting::at(
                    rate,
                    in_places(req.amount, currency),
                )
            }),
        };
        let posting = account.post(
            vec![Movement {
                kind: EntryKind::RefundPaid,
                reference: refund.reference.clone(),
                record_id: Some(refund.id),
                value_date: refund.paid_on,
                invoices: Vec::new(),
                credit_change: -refund.amount,
            }],
            actor.now,
            &actor.name,
        );
        let event = RefundPaid::of(&refund, posting.head.credit_balance).event();
        if stores
            .ledger
            .post(
                &[],
                &[AccountRecord::Refund(&refund)],
                &posting,
                Some(&event),
            )
            .await?
        {
            Ok(Round::Done(refund))
        } else {
            Ok(Round::Again)
        }
    })
    .await?;
    Ok(RecordedRefund {
        refund,
        balance: balance_in(stores, client_key, currency, actor.now).await?,
    })
}

/// `GET /clients/{key}/payments`: the client's transfers, oldest first (404 for an unknown
/// client).
pub async fn transfers_of(stores: Stores<'_>, client_key: &str) -> Result<Vec<ClientPayment>> {
    crate::clients::get(stores.clients, client_key).await?;
    stores.ledger.client_payments(client_key).await
}

/// `GET /clients/{key}/refunds`: the client's refunds, oldest first (404 for an unknown
/// client).
pub async fn refunds_of(stores: Stores<'_>, client_key: &str) -> Result<Vec<Refund>> {
    crate::clients::get(stores.clients, client_key).await?;
    stores.ledger.refunds(client_key).await
}
