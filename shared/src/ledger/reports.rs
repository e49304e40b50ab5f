//! What is read from clients' accounts: a client's balance per currency, a statement of
//! account, and the receivables aging of all clients.

use super::{Account, read_account};
use crate::domain::invoice::money::currency_code;
use crate::domain::ledger::aging::{AgingReport, OpenInvoice, OpenItem, age, open_items_after};
use crate::domain::ledger::statement::{Statement, StatementInput, statement};
use crate::invoice::drafting::Stores;
use crate::{Error, Result};
use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// A client's account in one currency now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Balance {
    pub currency: String,
    /// What the client's issued invoices have due.
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub outstanding: Decimal,
    /// The part of `outstanding` past its due date (the client's time zone).
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub overdue: Decimal,
    /// The client's money not on any invoice: to apply or refund.
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub credit_balance: Decimal,
    /// `outstanding - credit_balance`: what the client owes (negative: what it is owed).
    #[schema(value_type = String, format = "decimal", example = "1330.00")]
    pub balance: Decimal,
}

/// The open invoices (finalized: something due, or a zero total) of one client or of all,
/// their amounts and dates only: the open items, never the history.
pub async fn open_invoices(
    stores: Stores<'_>,
    client_key: Option<&str>,
) -> Result<Vec<OpenInvoice>> {
    stores.invoices.open_invoices(client_key).await
}

/// The client's account in `currency`, opened first when it has no head yet and invoices
/// were issued before the ledger (the same opening as the upgrade step's).
pub async fn open_account_if_needed(
    stores: Stores<'_>,
    client_key: &str,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<Account> {
    Ok(open_account(stores, client_key, currency, now).await?.0)
}

/// [`open_account_if_needed`], and whether this call opened it.
pub(super) async fn open_account(
    stores: Stores<'_>,
    client_key: &str,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<(Account, bool)> {
    crate::invoice::write_loop::until_written("the client's account is too busy", |_| async move {
        let account = read_account(
            stores.invoices,
            stores.ledger,
            client_key,
            currency,
            &[],
            now.date_naive(),
        )
        .await?;
        let posting = account.post(Vec::new(), now, "system:ledger-opening");
        if posting.entries.is_empty() {
            return Ok(crate::invoice::write_loop::Round::Done((account, false)));
        }
        Ok(if stores.ledger.post(&[], &[], &posting, None).await? {
            crate::invoice::write_loop::Round::Done((
                Account {
                    head: posting.head,
                    exists: true,
                    opening: None,
                },
                true,
            ))
        } else {
            crate::invoice::write_loop::Round::Again
        })
    })
    .await
}

/// The balance of `account` with `open` (the client's open invoices in any currency).
fn balance_of(account: &Account, open: &[OpenInvoice], now: DateTime<Utc>) -> Balance {
    let overdue = open
        .iter()
        .filter(|i| i.currency == account.head.currency && i.overdue_at(now))
        .map(OpenInvoice::due)
        .sum();
    let places = crate::domain::invoice::money::minor_unit(&account.head.currency);
    let r = |v: Decimal| crate::domain::invoice::money::round_to(v, places);
    Balance {
        currency: account.head.currency.clone(),
        outstanding: r(account.head.outstanding),
        overdue: r(overdue),
        credit_balance: r(account.head.credit_balance),
        balance: r(account.head.balance()),
    }
}

/// `GET /clients/{key}/balance`: per currency the client has an account or an open invoice
/// in (and always its own currency), by currency.
pub async fn balances(
    stores: Stores<'_>,
    client_key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Balance>> {
    let client = crate::clients::get(stores.clients, client_key).await?;
    let open = open_invoices(stores, Some(client_key)).await?;
    let mut currencies: BTreeSet<String> = stores
        .ledger
        .ledger_heads(client_key)
        .await?
        .into_iter()
        .map(|h| h.currency)
        .collect();
    currencies.extend(open.iter().map(|h| h.currency.clone()));
    currencies.insert(client.currency.clone());
    let mut out = Vec::new();
    for currency in currencies {
        let account = open_account_if_needed(stores, client_key, &currency, now).await?;
        out.push(balance_of(&account, &open, now));
    }
    Ok(out)
}

/// The client's balance in one currency (the answer of a transfer or a refund).
pub async fn balance_in(
    stores: Stores<'_>,
    client_key: &str,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<Balance> {
    let open = open_invoices(stores, Some(client_key)).await?;
    let account = open_account_if_needed(stores, client_key, currency, now).await?;
    Ok(balance_of(&account, &open, now))
}

/// `GET /clients/{key}/statement`: the client's account in `currency` (default: the
/// client's) from the start of `from` to the end of `to` (UTC days): one Query for the
/// entry before the range (the opening balance) and one for the range.
pub async fn client_statement(
    stores: Stores<'_>,
    client_key: &str,
    currency: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(crate::domain::Client, Statement)> {
    let client = crate::clients::get(stores.clients, client_key).await?;
    if to < from {
        return Err(Error::field("to", "must not be before from"));
    }
    let currency = currency.map_or(client.currency.clone(), currency_code);
    if iso_currency::Currency::from_code(&currency).is_none() {
        return Err(Error::field("currency", "must be an ISO 4217 code"));
    }
    open_account_if_needed(stores, client_key, &currency, now).await?;
    let start = from.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = to
        .checked_add_days(Days::new(1))
        .ok_or_else(|| Error::field("to", "is out of range"))?
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let before = stores
        .ledger
        .last_entry_before(client_key, &currency, start)
        .await?;
    let entries = stores
        .ledger
        .ledger_entries(client_key, &currency, start, end)
        .await?;
    let s = statement(
        StatementInput {
            client_key,
            client_name: &client.name,
            currency: &currency,
            from,
            to,
            before: before.as_ref(),
            entries: &entries,
        },
        crate::domain::invoice::money::minor_unit(&currency),
    );
    Ok((client, s))
}

/// `GET /reports/ar-aging`: as of today or a later day, from the open invoices (only
/// them); as of a day past, from the ledger's entries booked up to its end (UTC), so that
/// what was recorded later does not change it.
pub async fn ar_aging(
    stores: Stores<'_>,
    as_of: Option<NaiveDate>,
    currency: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AgingReport> {
    let today = now.date_naive();
    let as_of = as_of.unwrap_or(today);
    let currency = currency.map(currency_code);
    if as_of >= today {
        let items: Vec<OpenItem> = open_invoices(stores, None)
            .await?
            .iter()
            .map(OpenInvoice::item)
            .collect();
        return Ok(age(&items, as_of, currency.as_deref(), "open_invoices"));
    }
    let end = as_of
        .checked_add_days(Days::new(1))
        .ok_or_else(|| Error::field("as_of", "is out of range"))?
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let entries = stores.ledger.all_entries_booked_before(end).await?;
    Ok(age(
        &open_items_after(&entries),
        as_of,
        currency.as_deref(),
        "ledger",
    ))
}
