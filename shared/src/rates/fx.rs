//! Realised exchange differences: for each payment of a foreign-currency invoice, the
//! soums the paid part was worth at the invoice's frozen rate and at the payment's, and the
//! gain (positive) or loss (negative) between them.

use super::equivalent::at_document_rate;
use crate::domain::PageRequest;
use crate::domain::invoice::model::InvoiceFilter;
use crate::invoice::{InvoiceHeader, InvoiceStatus};
use crate::ports::InvoiceStore;
use crate::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Longest range of the report, in days.
pub const MAX_DAYS: i64 = 366;

/// One payment's exchange difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FxDifference {
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub client_key: String,
    pub payment_id: Uuid,
    pub paid_on: NaiveDate,
    /// The payment in the invoice's currency.
    pub currency: String,
    #[schema(value_type = String, format = "decimal")]
    pub amount: Decimal,
    /// Soums per nominal at the invoice's issue date, as frozen at finalize.
    #[schema(value_type = String, format = "decimal")]
    pub invoice_rate: Decimal,
    /// Soums per nominal on the payment's day, as frozen when it was recorded.
    #[schema(value_type = String, format = "decimal")]
    pub payment_rate: Decimal,
    pub nominal: u32,
    /// The paid amount in soums at the invoice's rate.
    #[schema(value_type = String, format = "decimal")]
    pub invoice_value: Decimal,
    /// The paid amount in soums at the payment's rate.
    #[schema(value_type = String, format = "decimal")]
    pub payment_value: Decimal,
    /// `payment_value - invoice_value`: a realised gain when positive, a loss when negative.
    #[schema(value_type = String, format = "decimal")]
    pub difference: Decimal,
}

/// The report of a range of payment days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FxReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Ordered by payment day, then invoice number.
    pub payments: Vec<FxDifference>,
    /// Sums of the rows, in soums.
    #[schema(value_type = String, format = "decimal")]
    pub invoice_value: Decimal,
    #[schema(value_type = String, format = "decimal")]
    pub payment_value: Decimal,
    /// Gains less losses.
    #[schema(value_type = String, format = "decimal")]
    pub difference: Decimal,
    /// Payments in the range that have no frozen value (recorded before values were kept,
    /// or of an invoice finalized before its equivalent was): left out of the sums.
    pub not_valued: u64,
}

/// The range of `?from=&to=`, or the bad fields.
pub fn range(from: Option<&str>, to: Option<&str>) -> Result<(NaiveDate, NaiveDate)> {
    let day = |field: &str, v: Option<&str>| -> std::result::Result<NaiveDate, crate::FieldError> {
        v.and_then(|d| d.parse().ok())
            .ok_or_else(|| crate::FieldError::new(field, "is required, a day written YYYY-MM-DD"))
    };
    match (day("from", from), day("to", to)) {
        (Ok(f), Ok(t)) if t < f || (t - f).num_days() >= MAX_DAYS => Err(Error::field(
            "to",
            format!("must be on or after from, less than {MAX_DAYS} days later"),
        )),
        (Ok(f), Ok(t)) => Ok((f, t)),
        (f, t) => Err(Error::fields(
            [f.err(), t.err()].into_iter().flatten().collect(),
        )),
    }
}

/// The exchange differences of the payments made from `from` to `to`: every issued
/// invoice (finalized and paid lists, read page by page) in another currency, its payments
/// read, the live ones of the range valued.
pub async fn fx_differences(
    invoices: &dyn InvoiceStore,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<FxReport> {
    let mut report = FxReport {
        from,
        to,
        payments: Vec::new(),
        invoice_value: Decimal::ZERO,
        payment_value: Decimal::ZERO,
        difference: Decimal::ZERO,
        not_valued: 0,
    };
    for status in [InvoiceStatus::Finalized, InvoiceStatus::Paid] {
        let filter = InvoiceFilter {
            status: Some(status),
            ..InvoiceFilter::default()
        };
        let mut request = PageRequest {
            page: 1,
            per_page: 100,
            cursor: None,
        };
        loop {
            let page = invoices.list_invoices(&filter, request.clone()).await?;
            for h in page
                .items
                .iter()
                .filter(|h| super::equivalent::needs_equivalent(&h.currency))
            {
                value_payments(invoices, h, (from, to), &mut report).await?;
            }
            match page.next {
                Some(next) => request.cursor = Some(next),
                None => break,
            }
        }
    }
    report.payments.sort_by(|a, b| {
        (a.paid_on, &a.invoice_number, a.payment_id).cmp(&(
            b.paid_on,
            &b.invoice_number,
            b.payment_id,
        ))
    });
    Ok(report)
}

async fn value_payments(
    invoices: &dyn InvoiceStore,
    h: &InvoiceHeader,
    (from, to): (NaiveDate, NaiveDate),
    report: &mut FxReport,
) -> Result<()> {
    let payments = invoices.payments(h.id).await?;
    for p in payments
        .iter()
        .filter(|p| p.reversal.is_none() && p.paid_on >= from && p.paid_on <= to)
    {
        let (Some(doc), Some(paid)) = (&h.accounting, &p.accounting) else {
            report.not_valued += 1;
            continue;
        };
        let invoice_value = at_document_rate(doc, p.amount);
        let difference = paid.amount - invoice_value;
        report.invoice_value += invoice_value;
        report.payment_value += paid.amount;
        report.difference += difference;
        report.payments.push(FxDifference {
            invoice_id: h.id,
            invoice_number: h.number.clone().unwrap_or_default(),
            client_key: h.client_key.clone(),
            payment_id: p.id,
            paid_on: p.paid_on,
            currency: p.currency.clone(),
            amount: p.amount,
            invoice_rate: doc.rate,
            payment_rate: paid.rate,
            nominal: paid.nominal,
            invoice_value,
            payment_value: paid.amount,
            difference,
        });
    }
    Ok(())
}
