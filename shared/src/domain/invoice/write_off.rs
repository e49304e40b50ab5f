//! Write-offs: closing what is due on an invoice without money (a bank fee taken from a
//! transfer, an exchange-rate rounding, a debt given up). Pure rules: what may be written
//! off, by whom (an accountant up to a per-currency tolerance, an admin any amount), and
//! the record kept; a write-off counts like a credit in the money identities
//! (`amount_due = max(0, total - paid - credited - written_off)`) and an admin may reverse
//! it like a payment.

use super::model::InvoiceHeader;
use super::money::{minor_unit, round_to};
use super::receivables::{Reversal, check_settling_amount};
use crate::domain::text::{self, Lines};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;
use utoipa::ToSchema;
use uuid::Uuid;

/// Why an amount is written off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteOffReason {
    /// The client's bank (or a correspondent) kept a fee: the transfer arrived short.
    BankFee,
    /// A difference of exchange-rate rounding.
    FxRounding,
    /// The debt is given up.
    BadDebt,
    Other,
}

/// `POST /invoices/{id}/write-off`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffRequest {
    /// A decimal string in the invoice's currency, > 0, at most the amount due.
    #[serde(with = "crate::domain::request_values::decimal")]
    #[schema(value_type = String, format = "decimal", example = "25.00")]
    pub amount: Decimal,
    pub reason: WriteOffReason,
    /// Up to 500 characters, one line (e.g. the bank's statement line).
    #[serde(default)]
    pub note: Option<String>,
}

/// An amount written off an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WriteOff {
    pub id: Uuid,
    pub invoice_id: Uuid,
    /// In the invoice's currency, with its minor-unit places.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "25.00")]
    pub amount: Decimal,
    pub currency: String,
    pub reason: WriteOffReason,
    pub note: Option<String>,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    /// Set when an admin reversed it; a reversed write-off no longer counts.
    pub reversal: Option<Reversal>,
    /// Its value in soums at the Central Bank rate of the day it was written off, frozen
    /// when recorded (`null` for a UZS invoice's and for write-offs recorded before it was
    /// kept).
    #[serde(default)]
    pub accounting: Option<crate::rates::equivalent::PaymentAccounting>,
}

/// The most an accountant may have written off one invoice, per currency
/// (`WRITE_OFF_TOLERANCE`, e.g.
/// `USD=50.00,EUR=50.00,UZS=500000.00`); a currency not listed: nothing without an admin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tolerance(BTreeMap<String, Decimal>);

impl Tolerance {
    /// Nothing without an admin, in any currency.
    pub const fn none() -> Self {
        Self(BTreeMap::new())
    }

    /// The default: 50.00 USD and EUR, 500 000.00 UZS.
    pub fn standard() -> Self {
        Self::parse("USD=50.00,EUR=50.00,UZS=500000.00").unwrap_or_default()
    }

    /// `CCY=amount` pairs separated by commas; a malformed pair or a negative amount is an
    /// error naming it.
    pub fn parse(raw: &str) -> std::result::Result<Self, String> {
        let mut out = BTreeMap::new();
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (ccy, amount) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not CCY=amount"))?;
            let ccy = ccy.trim().to_ascii_uppercase();
            if ccy.len() != 3 || !ccy.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("{ccy:?} is not a currency code"));
            }
            let amount = Decimal::from_str(amount.trim())
                .ok()
                .filter(|a| *a >= Decimal::ZERO)
                .ok_or_else(|| format!("{pair:?}: the amount is not a decimal >= 0"))?;
            let places = minor_unit(&ccy);
            if amount.normalize().scale() > places {
                return Err(format!(
                    "{pair:?}: {ccy} has {places} decimal places, the amount more"
                ));
            }
            out.insert(ccy, amount);
        }
        Ok(Self(out))
    }

    /// What an accountant may write off one invoice in `currency`, in all.
    pub fn of(&self, currency: &str) -> Decimal {
        self.0.get(currency).copied().unwrap_or(Decimal::ZERO)
    }
}

impl FromStr for Tolerance {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::parse(s)
    }
}

/// Who writes off: an admin any amount, anyone else while the invoice's write-offs stay
/// within the tolerance in all.
#[derive(Debug, Clone, Copy)]
pub enum WriteOffLimit<'a> {
    Any,
    UpTo(&'a Tolerance),
}

/// Check a write-off against the invoice (what is due) and the limit of who asks: 400
/// naming each bad field, 403 when an accountant's would take the invoice's write-offs past
/// the tolerance. The note, trimmed.
pub fn check_write_off(
    header: &InvoiceHeader,
    req: &WriteOffRequest,
    limit: WriteOffLimit<'_>,
) -> Result<Option<String>> {
    let mut errors = Vec::new();
    check_settling_amount(header, req.amount, &mut errors);
    let note = req
        .note
        .as_deref()
        .map(|n| text::check_field("note", n, 500, Lines::One, &mut errors).to_string())
        .filter(|n| !n.is_empty());
    if !errors.is_empty() {
        return Err(Error::fields(errors));
    }
    // The tolerance bounds what one invoice has written off in all (live write-offs, an
    // admin's included), so splitting an amount into small ones does not pass it.
    if let WriteOffLimit::UpTo(tolerance) = limit {
        let most = tolerance.of(&header.currency);
        if header.amount_written_off + req.amount > most {
            let places = minor_unit(&header.currency);
            return Err(Error::Forbidden(format!(
                "an accountant may write off at most {} {} of one invoice in all ({} written \
                 off already); an admin may write off more",
                round_to(most, places),
                header.currency,
                round_to(header.amount_written_off, places)
            )));
        }
    }
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::model::InvoiceStatus;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn header(total: &str, paid: &str) -> InvoiceHeader {
        let mut h = crate::pdf::sample::sample_invoice(1).header;
        h.currency = "USD".into();
        h.status = InvoiceStatus::Finalized;
        h.total = d(total);
        h.amount_paid = d(paid);
        h.amount_credited = Decimal::ZERO;
        h.amount_written_off = Decimal::ZERO;
        h
    }

    fn req(amount: &str) -> WriteOffRequest {
        WriteOffRequest {
            amount: d(amount),
            reason: WriteOffReason::BankFee,
            note: Some("  SWIFT fee  ".into()),
        }
    }

    #[test]
    fn the_tolerance_reads_its_pairs_and_refuses_bad_ones() {
        let t = Tolerance::parse("usd=50.00, UZS=500000").unwrap();
        assert_eq!(t.of("USD"), d("50.00"));
        assert_eq!(t.of("UZS"), d("500000"));
        assert_eq!(t.of("EUR"), Decimal::ZERO);
        assert!(Tolerance::parse("USD").is_err());
        assert!(Tolerance::parse("USD=-1").is_err());
        assert!(Tolerance::parse("DOLLAR=1").is_err());
        assert_eq!(Tolerance::standard().of("EUR"), d("50.00"));
    }

    #[test]
    fn at_most_what_is_due_and_an_accountant_up_to_the_tolerance() {
        let h = header("1000.00", "975.00");
        let t = Tolerance::standard();
        assert_eq!(
            check_write_off(&h, &req("25.00"), WriteOffLimit::UpTo(&t)).unwrap(),
            Some("SWIFT fee".into())
        );
        let over = check_write_off(&h, &req("25.01"), WriteOffLimit::Any).unwrap_err();
        assert!(matches!(&over, Error::Validation { details, .. } if details[0].field == "amount"));
        for bad in ["0", "-1", "1.001"] {
            assert!(
                check_write_off(&h, &req(bad), WriteOffLimit::Any).is_err(),
                "{bad}"
            );
        }
        let big = header("1000.00", "0");
        assert!(matches!(
            check_write_off(&big, &req("50.01"), WriteOffLimit::UpTo(&t)),
            Err(Error::Forbidden(_))
        ));
        assert!(check_write_off(&big, &req("1000.00"), WriteOffLimit::Any).is_ok());
        // In all, not at once: two small ones do not pass the tolerance either.
        let mut split = header("1000.00", "0");
        split.amount_written_off = d("30.00");
        assert!(check_write_off(&split, &req("20.00"), WriteOffLimit::UpTo(&t)).is_ok());
        assert!(matches!(
            check_write_off(&split, &req("20.01"), WriteOffLimit::UpTo(&t)),
            Err(Error::Forbidden(_))
        ));
        // What was written off already is not due any more.
        let mut written = header("100.00", "0");
        written.amount_written_off = d("60.00");
        assert!(check_write_off(&written, &req("40.01"), WriteOffLimit::Any).is_err());
        assert!(check_write_off(&written, &req("40.00"), WriteOffLimit::Any).is_ok());
    }

    #[test]
    fn a_tolerance_with_more_places_than_its_currency_is_refused() {
        assert!(Tolerance::parse("JPY=100.5").is_err());
        assert!(Tolerance::parse("USD=50.001").is_err());
        assert!(Tolerance::parse("JPY=100,USD=50.00,KWD=1.250").is_ok());
    }
}
