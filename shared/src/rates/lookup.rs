//! The rate the API answers: the one that applies to an asked currency and day (the last
//! published on or before it), 404 when none is stored.

use super::rate::{ExchangeRate, asked};
use crate::ports::RateStore;
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};

/// The asked currency and day (their rules: [`asked`]) and the rate that applies then.
pub async fn rate_that_applies(
    rates: &dyn RateStore,
    currency: Option<&str>,
    date: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(String, NaiveDate, ExchangeRate)> {
    let (currency, date) = asked(currency, date, now)?;
    let rate = rates
        .rate_on(&currency, date)
        .await?
        .ok_or_else(|| Error::not_found("exchange rate"))?;
    Ok((currency, date, rate))
}

/// The rate the books value a money record of `currency` dated `day` at (the last published
/// on or before it): `None` for soums, which need no equivalent; 409 `CONFLICT` when none is
/// stored, naming what needs it (`needs`, e.g. "the payment's UZS value") and what to do
/// after fetching (`then`, e.g. "record it again").
pub async fn rate_for_books(
    rates: &dyn RateStore,
    currency: &str,
    day: NaiveDate,
    needs: &str,
    then: &str,
) -> Result<Option<ExchangeRate>> {
    if !super::equivalent::needs_equivalent(currency) {
        return Ok(None);
    }
    let rate = rates.rate_on(currency, day).await?.ok_or_else(|| {
        Error::Conflict(format!(
            "no Central Bank of Uzbekistan rate of {currency} on or before {day}: the books \
             need {needs}. Fetch the rates (proxima-admin rates fetch) and {then}"
        ))
    })?;
    Ok(Some(rate))
}
