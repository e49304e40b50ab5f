//! One published exchange rate and the rule of which rate applies to a date: the last one
//! published on or before it (the Bank publishes no rates on some days). Pure data and
//! rules, no I/O.

use crate::domain::scale;
use crate::{Error, FieldError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a stored rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateOrigin {
    /// Fetched from the Central Bank.
    Cbu,
    /// Set by hand (`proxima-admin rates set`), with a reason; a later fetch keeps it.
    Correction,
}

/// Soums per `nominal` units of `currency`, as published on `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExchangeRate {
    /// ISO 4217 code (`USD`).
    pub currency: String,
    /// The day the Bank published it for.
    pub date: NaiveDate,
    /// Soums per `nominal` units, exact as published.
    #[schema(value_type = String, format = "decimal", example = "12735.37")]
    pub rate: Decimal,
    /// Units of the currency the rate is for (1, or 10, 100, 1000 for small units).
    pub nominal: u32,
    pub origin: RateOrigin,
    /// Why a correction was made; `null` for a fetched rate.
    pub reason: Option<String>,
    /// Who set a correction; `null` for a fetched rate.
    pub set_by: Option<String>,
    /// When it was stored.
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: DateTime<Utc>,
}

impl ExchangeRate {
    /// Soums for `amount` units of the currency, at full precision (the caller rounds).
    pub fn soums(&self, amount: Decimal) -> Decimal {
        amount * self.rate / Decimal::from(self.nominal)
    }
}

/// Of `published` (any order), the rate that applies on `day`: the latest published on or
/// before it.
pub fn applicable(published: &[ExchangeRate], day: NaiveDate) -> Option<&ExchangeRate> {
    published
        .iter()
        .filter(|r| r.date <= day)
        .max_by_key(|r| r.date)
}

/// The time zone of the books' calendar: "today" for a rate asked without a date.
pub const BOOKS_TIMEZONE: &str = "Asia/Tashkent";

/// The currency and day of `GET /exchange-rates?currency=&date=`, or every bad field: a
/// foreign ISO 4217 currency invoices are issued in (required), a day (default: today in
/// the books' calendar).
pub fn asked(
    currency: Option<&str>,
    date: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(String, NaiveDate)> {
    let mut errors = Vec::new();
    let currency = currency.map(crate::domain::invoice::money::currency_code);
    match currency.as_deref() {
        None | Some("") => errors.push(FieldError::required("currency")),
        Some("UZS") => errors.push(FieldError::new(
            "currency",
            "UZS is the books' own currency: its rate is 1",
        )),
        Some(c) if !scale::invoiceable(c) => errors.push(FieldError::new(
            "currency",
            "must be an ISO 4217 code invoices are issued in",
        )),
        Some(_) => {}
    }
    let day = match date {
        None => BOOKS_TIMEZONE
            .parse::<crate::domain::TimeZone>()
            .map(|tz| tz.date_at(now))
            .unwrap_or_else(|_| now.date_naive()),
        Some(d) => d.parse().unwrap_or_else(|_| {
            errors.push(FieldError::new("date", "must be a day written YYYY-MM-DD"));
            now.date_naive()
        }),
    };
    if errors.is_empty() {
        Ok((currency.unwrap_or_default(), day))
    } else {
        Err(Error::fields(errors))
    }
}

/// One correction as audited: the rate set and what it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateAudit {
    pub corrected: ExchangeRate,
    pub replaced: Option<ExchangeRate>,
}

/// Longest reason of a correction, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A rate set by hand: `proxima-admin rates set CCY DATE RATE --nominal N --reason "..."`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCorrection {
    pub currency: String,
    pub date: NaiveDate,
    pub rate: String,
    pub nominal: u32,
    pub reason: String,
}

impl RateCorrection {
    /// The corrected rate, set by `by` at `now`, or every bad field at once.
    pub fn validate(self, by: &str, now: DateTime<Utc>) -> Result<ExchangeRate> {
        let mut errors = Vec::new();
        let currency = crate::domain::invoice::money::currency_code(&self.currency);
        if currency == "UZS" || !scale::invoiceable(&currency) {
            errors.push(FieldError::new(
                "currency",
                "must be an ISO 4217 code of a foreign currency invoices are issued in",
            ));
        }
        let rate = match self.rate.trim().parse::<Decimal>() {
            Ok(r) if r > Decimal::ZERO => Some(r.normalize()),
            _ => {
                errors.push(FieldError::new("rate", "must be a decimal above 0"));
                None
            }
        };
        if self.nominal == 0 {
            errors.push(FieldError::new("nominal", "must be at least 1"));
        }
        let reason = self.reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            errors.push(FieldError::new(
                "reason",
                format!("is required, at most {MAX_REASON_CHARS} characters"),
            ));
        }
        match rate {
            Some(rate) if errors.is_empty() => Ok(ExchangeRate {
                currency,
                date: self.date,
                rate,
                nominal: self.nominal,
                origin: RateOrigin::Correction,
                reason: Some(reason),
                set_by: Some(by.to_string()),
                recorded_at: now,
            }),
            _ => Err(Error::fields(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(date: &str, value: &str, nominal: u32) -> ExchangeRate {
        ExchangeRate {
            currency: "USD".into(),
            date: date.parse().unwrap(),
            rate: value.parse().unwrap(),
            nominal,
            origin: RateOrigin::Cbu,
            reason: None,
            set_by: None,
            recorded_at: Utc::now(),
        }
    }

    #[test]
    fn the_rate_of_a_day_is_the_last_published_on_or_before_it() {
        let published = [
            rate("2026-12-01", "12700", 1),
            rate("2026-12-03", "12750", 1),
        ];
        let on = |d: &str| applicable(&published, d.parse().unwrap()).map(|r| r.date.to_string());
        assert_eq!(on("2026-11-30"), None);
        assert_eq!(on("2026-12-01").as_deref(), Some("2026-12-01"));
        assert_eq!(on("2026-12-02").as_deref(), Some("2026-12-01"), "a gap day");
        assert_eq!(on("2026-12-05").as_deref(), Some("2026-12-03"));
    }

    #[test]
    fn a_nominal_divides_the_rate() {
        let per_ten = rate("2026-12-01", "1425.60", 10);
        assert_eq!(
            per_ten.soums(Decimal::new(100, 0)),
            Decimal::new(1425600, 2)
        );
    }

    #[test]
    fn a_correction_needs_a_reason_a_positive_rate_and_a_foreign_currency() {
        let c = |ccy: &str, rate: &str, nominal, reason: &str| RateCorrection {
            currency: ccy.into(),
            date: "2026-12-01".parse().unwrap(),
            rate: rate.into(),
            nominal,
            reason: reason.into(),
        };
        let ok = c("usd", "12735.37", 1, "Bank corrected its publication")
            .validate("admin@x", Utc::now());
        let ok = ok.unwrap();
        assert_eq!(
            (ok.currency.as_str(), ok.origin),
            ("USD", RateOrigin::Correction)
        );
        let Err(Error::Validation { details, .. }) =
            c("UZS", "-1", 0, " ").validate("a", Utc::now())
        else {
            panic!("field errors expected");
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["currency", "rate", "nominal", "reason"]);
    }
}
