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
