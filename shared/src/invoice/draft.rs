//! Building a draft from a client and its worklogs of a period.

use crate::domain::invoice::lines::worklog_lines;
use crate::domain::invoice::model::{
    ClientSnapshot, GroupBy, Invoice, InvoiceHeader, InvoiceStatus,
};
use crate::domain::invoice::money::minor_unit;
use crate::domain::{Client, Period, Worklog};
use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The client's local date at `now` (its IANA zone; UTC if the zone is unknown).
pub fn local_date(client: &Client, now: DateTime<Utc>) -> NaiveDate {
    crate::domain::TimeZone::named_or_utc(Some(&client.timezone)).date_at(now)
}

/// `issue_date` plus the payment terms.
pub fn due_date(issue_date: NaiveDate, terms_days: u32) -> NaiveDate {
    issue_date
        .checked_add_days(Days::new(u64::from(terms_days)))
        .unwrap_or(issue_date)
}

/// A draft for `client` and `period` from its worklogs of the period. Issue date: the
/// client's local date at `now`, but never before the period's first day (a client west of
/// UTC may still be in the previous month); due date: issue date + payment terms.
pub fn build_draft(
    id: Uuid,
    client: &Client,
    period: Period,
    group_by: GroupBy,
    worklogs: &[Worklog],
    now: DateTime<Utc>,
    actor: &str,
) -> Invoice {
    let places = minor_unit(&client.currency);
    let issue_date = local_date(client, now).max(period.first_day());
    let mut invoice = Invoice {
        header: InvoiceHeader {
            id,
            number: None,
            client_key: client.key.clone(),
            client: ClientSnapshot::from(client),
            period,
            status: InvoiceStatus::Draft,
            currency: client.currency.clone(),
            issue_date,
            due_date: due_date(issue_date, client.payment_terms_days),
            group_by,
            subtotal: Decimal::ZERO,
            tax_rate: client.tax_rate,
            tax_amount: Decimal::ZERO,
            total: Decimal::ZERO,
            notes: None,
            po_number: None,
            version: 1,
            created_at: crate::domain::instant::to_millis(now),
            created_by: actor.to_string(),
            updated_at: now,
            finalized_at: None,
            sent_at: None,
            pdf: None,
            issuer: None,
            locale: None,
            accounting: None,
            amount_paid: Decimal::ZERO,
            amount_credited: Decimal::ZERO,
            amount_due: Decimal::ZERO,
            amount_overpaid: Decimal::ZERO,
            amount_credited_net: Decimal::ZERO,
            amount_credited_tax: Decimal::ZERO,
            amount_written_off: Decimal::ZERO,
            payment_status: Default::default(),
            overdue: false,
            timezone: Some(client.timezone.clone()),
        },
        line_items: worklog_lines(id, worklogs, group_by, period, client.hourly_rate, places),
    };
    invoice.recompute_totals();
    invoice
}

/// The one rule on a client changed since its draft was generated, used by regenerate and
/// by finalize (before it takes a number): a draft in another currency than the client's
/// now, or whose tax rate the client's VAT category now forbids (Z, E, AE, O need 0 %, S
/// above 0), cannot be regenerated or finalized; it would freeze amounts the client no
/// longer takes or an e-invoice that is refused (BT-152). 409 `CONFLICT` naming the change.
pub fn check_client_fits(header: &InvoiceHeader, client: &Client) -> crate::Result<()> {
    if client.currency != header.currency {
        return Err(crate::Error::Conflict(format!(
            "the client's currency changed from {} to {}; generate a new invoice instead",
            header.currency, client.currency
        )));
    }
    if let Some(category) = client.vat_category {
        let mut problems = Vec::new();
        category.check(header.tax_rate, None, true, &mut problems);
        if let Some(p) = problems.iter().find(|p| p.field == "tax_rate") {
            return Err(crate::Error::Conflict(format!(
                "the client's vat_category is now {} and the invoice's tax_rate {} %: the tax \
                 rate {}; change the invoice's tax_rate or the client first",
                category.code(),
                header.tax_rate,
                p.message
            )));
        }
    }
    Ok(())
}
