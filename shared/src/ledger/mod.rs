//! Clients' accounts, the use cases: reading an account for a write (opened on the invoices
//! issued before it had entries), booking a change in it, transfers over several invoices,
//! refunds, and what is read from accounts (balances, statements, aging).

pub mod reports;
pub mod statement_documents;
pub mod transfers;

use crate::Result;
use crate::domain::PageRequest;
use crate::domain::invoice::model::{InvoiceFilter, InvoiceHeader, InvoiceStatus};
use crate::domain::ledger::{self, EntryKind, LedgerHead, Movement, Posting};
use crate::ports::{InvoiceStore, LedgerStore};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A client's account in one currency as read for a write.
#[derive(Debug, Clone)]
pub struct Account {
    pub head: LedgerHead,
    exists: bool,
    /// The opening to book first: the account has no head yet, and invoices were issued
    /// before the ledger.
    opening: Option<Movement>,
}

impl Account {
    /// The credit balance the write may use (the opening's included).
    pub fn credit_balance(&self) -> Decimal {
        self.head.credit_balance
            + self
                .opening
                .as_ref()
                .map_or(Decimal::ZERO, |m| m.credit_change)
    }

    /// The posting of `movements` (the opening first when there is one); empty movements
    /// book nothing.
    pub fn post(&self, movements: Vec<Movement>, at: DateTime<Utc>, by: &str) -> Posting {
        let all = self.opening.iter().cloned().chain(movements).collect();
        ledger::post(&self.head, self.exists, all, at, by)
    }

    /// The posting of one invoice's write, from its settled headers before and after, as
    /// `booking` says (the opening first when there is one); empty when nothing moves.
    pub fn book(
        &self,
        booking: &Booking,
        before: &InvoiceHeader,
        after: &InvoiceHeader,
        at: DateTime<Utc>,
        by: &str,
    ) -> Posting {
        let movement = ledger::invoice_movement(
            booking.kind,
            before,
            after,
            booking.from_credit,
            booking.record_id,
            booking.value_date,
        )
        .map(|mut m| {
            if let Some(r) = &booking.reference {
                m.reference = Some(r.clone());
            }
            m
        });
        self.post(movement.into_iter().collect(), at, by)
    }
}

/// How one invoice's write is booked in its client's account.
#[derive(Debug, Clone)]
pub struct Booking {
    pub kind: EntryKind,
    /// The record booked (payment, write-off, credit note).
    pub record_id: Option<Uuid>,
    /// Taken from the credit balance (credit applied: +x; its reversal: -x).
    pub from_credit: Decimal,
    pub value_date: NaiveDate,
    /// The reference shown in statements instead of the invoice's (a credit note's number).
    pub reference: Option<String>,
}

/// Every issued (finalized or paid) invoice of the client in `currency`, headers only.
pub async fn issued_invoices(
    invoices: &dyn InvoiceStore,
    client_key: &str,
    currency: Option<&str>,
) -> Result<Vec<InvoiceHeader>> {
    let mut out = Vec::new();
    for status in [InvoiceStatus::Finalized, InvoiceStatus::Paid] {
        let filter = InvoiceFilter {
            status: Some(status),
            client_key: Some(client_key.to_string()),
            ..InvoiceFilter::default()
        };
        out.extend(
            invoices
                .all_headers(&filter)
                .await?
                .into_iter()
                .filter(|h| currency.is_none_or(|c| c == h.currency))
                .map(|mut h| {
                    // Stored headers may predate their settling (a finalize does not
                    // settle): the amounts as the rules have them.
                    crate::domain::invoice::receivables::settle(&mut h);
                    h
                }),
        );
    }
    Ok(out)
}

/// The client's account in `currency`, read for a write that changes the invoices
/// `current` (as read consistently by it). An account without a head is opened on the
/// client's invoices issued before the ledger, `current` in the state read.
pub async fn read_account(
    invoices: &dyn InvoiceStore,
    accounts: &dyn LedgerStore,
    client_key: &str,
    currency: &str,
    current: &[&InvoiceHeader],
    today: NaiveDate,
) -> Result<Account> {
    if let Some(head) = accounts.ledger_head(client_key, currency).await? {
        return Ok(Account {
            head,
            exists: true,
            opening: None,
        });
    }
    let mut issued = issued_invoices(invoices, client_key, Some(currency)).await?;
    // The lists are read one status after the other: an invoice that changed status in
    // between may be in both; keep its latest version.
    issued.sort_by(|a, b| {
        (a.id, std::cmp::Reverse(a.version)).cmp(&(b.id, std::cmp::Reverse(b.version)))
    });
    issued.dedup_by_key(|h| h.id);
    issued.retain(|h| current.iter().all(|c| c.id != h.id));
    issued.extend(current.iter().map(|h| (*h).clone()));
    Ok(Account {
        head: LedgerHead::empty(client_key, currency),
        exists: false,
        opening: ledger::opening(&issued, today),
    })
}

/// What the upgrade step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpeningReport {
    /// Clients read (active and inactive).
    pub clients: u64,
    /// Accounts opened now on invoices issued before the ledger.
    pub opened: u64,
    /// Accounts already open (or with nothing to open).
    pub unchanged: u64,
}

/// The upgrade step (`proxima-admin open-accounts`): open the account of every client in
/// every currency it has issued invoices in, on those invoices (what each one has due,
/// what was paid above them as credit), where it has no head yet. Idempotent; a write
/// that opens an account first does the same on its own.
pub async fn open_accounts(
    stores: crate::invoice::drafting::Stores<'_>,
    now: DateTime<Utc>,
) -> Result<OpeningReport> {
    let mut report = OpeningReport::default();
    for active in [true, false] {
        let mut request = PageRequest::new(1, 100);
        loop {
            let page = stores.clients.client_page(active, request.clone()).await?;
            for client in &page.items {
                report.clients += 1;
                let currencies: std::collections::BTreeSet<String> =
                    issued_invoices(stores.invoices, &client.key, None)
                        .await?
                        .into_iter()
                        .map(|h| h.currency)
                        .collect();
                for currency in currencies {
                    let (_, opened) =
                        reports::open_account(stores, &client.key, &currency, now).await?;
                    if opened {
                        report.opened += 1;
                    } else {
                        report.unchanged += 1;
                    }
                }
            }
            match page.next {
                Some(next) => request.cursor = Some(next),
                None if page.items.len() as u32 == request.per_page => {
                    request.page += 1;
                }
                None => break,
            }
        }
    }
    Ok(report)
}
