//! Work that no live invoice bills: the billable worklogs of a client and period that are on
//! no line of the period's live invoice (a draft, finalized or paid one; a void invoice bills
//! nothing). A worklog imported after its period was drafted is billed when the draft is
//! regenerated; one imported after the period was finalized stays here until the accountant
//! acts (a credit note and a new invoice for the period, or billing it later): nothing bills
//! it by itself, and nothing hides it.

use super::drafting::Stores;
use crate::Result;
use crate::domain::invoice::model::{Invoice, InvoiceFilter, InvoiceStatus};
use crate::domain::invoice::money::{line_amount, minor_unit};
use crate::domain::worklog::hours_from_minutes;
use crate::domain::{Client, DateRange, PageRequest, Period, Worklog};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Billable work of one client and period that no live invoice bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UninvoicedWork {
    pub client_key: String,
    #[schema(value_type = String, example = "2026-10")]
    pub period: Period,
    /// The client's currency.
    pub currency: String,
    /// Billable minutes on no live invoice.
    pub minutes: u64,
    /// The same in hours, 2 decimal places (as a line would bill them).
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", example = "2.08")]
    pub hours: Decimal,
    /// `hours` at the client's current hourly rate, in its currency's minor unit.
    #[schema(value_type = String, format = "decimal", example = "197.60")]
    pub amount: Decimal,
    /// The live invoice of the client and period, which does not bill this work (it was
    /// finalized before the work arrived, or its draft was not regenerated); `null` when the
    /// period has no live invoice.
    pub invoice_id: Option<Uuid>,
    /// That invoice's number (`null` for a draft or no invoice).
    pub invoice_number: Option<String>,
    /// The worklogs, by date.
    pub worklog_ids: Vec<Uuid>,
}

/// What of `worklogs` (one client's, of `period`) `live` does not bill; `None` when all of
/// their billable work is billed.
pub fn uninvoiced(
    client: &Client,
    period: Period,
    worklogs: &[Worklog],
    live: Option<&Invoice>,
) -> Option<UninvoicedWork> {
    let billed: HashSet<Uuid> = live
        .map(|inv| {
            inv.line_items
                .iter()
                .flat_map(|l| l.worklog_ids.iter().copied())
                .collect()
        })
        .unwrap_or_default();
    let mut open: Vec<&Worklog> = worklogs
        .iter()
        .filter(|w| w.billable && w.minutes > 0 && !billed.contains(&w.id))
        .collect();
    if open.is_empty() {
        return None;
    }
    open.sort_by_key(|w| (w.date, w.id));
    let minutes: u64 = open.iter().map(|w| u64::from(w.minutes)).sum();
    let hours = hours_from_minutes(minutes);
    Some(UninvoicedWork {
        client_key: client.key.clone(),
        period,
        currency: client.currency.clone(),
        minutes,
        hours,
        amount: line_amount(hours, client.hourly_rate, minor_unit(&client.currency)),
        invoice_id: live.map(|inv| inv.header.id),
        invoice_number: live.and_then(|inv| inv.header.number.clone()),
        worklog_ids: open.iter().map(|w| w.id).collect(),
    })
}

/// The number of `invoice` when it is issued (finalized or paid): its worklogs are billed
/// for good. `None` for a draft (regenerate changes it) or a void invoice (it bills nothing).
pub fn issued_number(invoice: &Invoice) -> Option<&str> {
    match invoice.header.status {
        InvoiceStatus::Finalized | InvoiceStatus::Paid => invoice.header.number.as_deref(),
        InvoiceStatus::Draft | InvoiceStatus::Void => None,
    }
}

/// The live (not void) invoice of `client_key` and `period`, with its lines.
pub async fn live_invoice(
    stores: Stores<'_>,
    client_key: &str,
    period: Period,
) -> Result<Option<Invoice>> {
    let filter = InvoiceFilter {
        client_key: Some(client_key.to_string()),
        period: Some(period),
        ..InvoiceFilter::default()
    };
    // At most one live invoice per client and period (the guard), and few void ones.
    let headers = stores
        .invoices
        .list_invoices(&filter, PageRequest::new(1, 100))
        .await?;
    match headers
        .items
        .iter()
        .find(|h| h.status != InvoiceStatus::Void)
    {
        Some(h) => stores.invoices.get_invoice(h.id).await,
        None => Ok(None),
    }
}

/// Which live invoice bills a worklog: its id, and its number once issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledBy {
    pub invoice_id: Uuid,
    /// `None` while the invoice is a draft.
    pub invoice_number: Option<String>,
}

/// The live invoices of `client_key` in `periods` that bill worklogs, by worklog id (one
/// read of each period's live invoice).
pub async fn billed_worklogs(
    stores: Stores<'_>,
    client_key: &str,
    periods: impl IntoIterator<Item = Period>,
) -> Result<std::collections::HashMap<Uuid, BilledBy>> {
    let mut out = std::collections::HashMap::new();
    let periods: std::collections::BTreeSet<Period> = periods.into_iter().collect();
    for period in periods {
        let Some(live) = live_invoice(stores, client_key, period).await? else {
            continue;
        };
        let by = BilledBy {
            invoice_id: live.header.id,
            invoice_number: issued_number(&live).map(str::to_string),
        };
        for id in live.line_items.iter().flat_map(|l| l.worklog_ids.iter()) {
            out.insert(*id, by.clone());
        }
    }
    Ok(out)
}

/// Every client's uninvoiced work of `period` (of every period when `None`), by client key
/// and period. Reads each client's worklogs once and the live invoice of each period that
/// has billable work.
pub async fn uninvoiced_report(
    stores: Stores<'_>,
    period: Option<Period>,
) -> Result<Vec<UninvoicedWork>> {
    let mut clients = Vec::new();
    for active in [true, false] {
        let mut page = 1;
        loop {
            let got = stores
                .clients
                .client_page(active, PageRequest::new(page, 100))
                .await?;
            let done = got.items.len() < 100;
            clients.extend(got.items);
            if done {
                break;
            }
            page += 1;
        }
    }
    clients.sort_by(|a, b| a.key.cmp(&b.key));
    let range = period.map_or(DateRange::ALL, Period::range);
    let mut out = Vec::new();
    for client in &clients {
        let worklogs = stores
            .worklogs
            .worklogs_in_range(&client.key, range)
            .await?;
        let mut by_period: BTreeMap<Period, Vec<Worklog>> = BTreeMap::new();
        for w in worklogs.into_iter().filter(|w| w.billable && w.minutes > 0) {
            by_period
                .entry(Period::containing(w.date))
                .or_default()
                .push(w);
        }
        for (p, worklogs) in by_period {
            let live = live_invoice(stores, &client.key, p).await?;
            out.extend(uninvoiced(client, p, &worklogs, live.as_ref()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worklog(id: u128, minutes: u32, billable: bool) -> Worklog {
        Worklog {
            id: Uuid::from_u128(id),
            client_key: "ACME".into(),
            date: "2026-10-05".parse().unwrap(),
            author: "A".into(),
            issue_key: "X-1".into(),
            issue_summary: "s".into(),
            description: String::new(),
            minutes,
            billable,
            source_id: None,
        }
    }

    #[test]
    fn only_billable_work_on_no_line_of_the_live_invoice_is_uninvoiced() {
        let client: Client = serde_json::from_value(serde_json::json!({
            "key": "ACME", "name": "Acme", "email": "a@b.example",
            "address": {"line1": "1", "city": "X", "country": "UZ"},
            "currency": "USD", "hourly_rate": "95", "tax_rate": "0",
            "payment_terms_days": 10, "timezone": "UTC", "active": true,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        let period: Period = "2026-10".parse().unwrap();
        let worklogs = [
            worklog(1, 60, true),
            worklog(2, 65, true),
            worklog(3, 600, false),
        ];
        let all = uninvoiced(&client, period, &worklogs, None).unwrap();
        assert_eq!((all.minutes, all.hours.to_string()), (125, "2.08".into()));
        assert_eq!(all.amount.to_string(), "197.60");
        assert_eq!(all.worklog_ids, [Uuid::from_u128(1), Uuid::from_u128(2)]);
        assert_eq!(all.invoice_id, None);
    }
}
