//! Fetching the Central Bank's rates for a range of days into the store: each day asked
//! with retries (a time-out, a 5xx, a malformed answer), what still fails reported and
//! nothing of it stored; a correction made by hand is kept over a fetched rate; the
//! currencies the books need and the Bank did not publish are reported.

use super::rate::ExchangeRate;
use crate::ports::{PublishedRates, RateStore};
use crate::{Error, Result};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use std::time::Duration;

/// Longest range fetched at once, in days.
pub const MAX_DAYS: u64 = 400;
/// Attempts per day.
pub const ATTEMPTS: u32 = 3;

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FetchReport {
    /// Days asked for.
    pub days: u32,
    /// Rates stored (new or replacing a fetched one).
    pub stored: u32,
    /// Fetched rates not stored because a correction of that currency and date is kept.
    pub kept_corrections: u32,
    /// Days whose answer failed on every attempt, with the last error: nothing of them
    /// was stored.
    pub failed: Vec<(NaiveDate, String)>,
    /// Wanted currencies the Bank's answer for a day did not list.
    pub missing: Vec<(NaiveDate, String)>,
}

/// Fetch every day from `from` to `to` (at most [`MAX_DAYS`]) from `source` into `store`,
/// reporting the `wanted` currencies an answer lacks. An error only when the store fails
/// (the report of the Bank's failures is the answer).
pub async fn fetch_range(
    source: &dyn PublishedRates,
    store: &dyn RateStore,
    (from, to): (NaiveDate, NaiveDate),
    wanted: &[String],
    now: DateTime<Utc>,
) -> Result<FetchReport> {
    let span = (to - from).num_days();
    if span < 0 || span as u64 >= MAX_DAYS {
        return Err(Error::field(
            "to",
            format!("must be on or after from, at most {MAX_DAYS} days later"),
        ));
    }
    let mut report = FetchReport::default();
    let mut day = from;
    while day <= to {
        report.days += 1;
        match published(source, day).await {
            Err(e) => {
                tracing::warn!(%day, error = %e, "Central Bank rates not fetched");
                report.failed.push((day, e.to_string()));
            }
            Ok(rates) => {
                for w in wanted {
                    if !rates.iter().any(|r| &r.currency == w) {
                        report.missing.push((day, w.clone()));
                    }
                }
                let rates: Vec<ExchangeRate> = rates
                    .into_iter()
                    .map(|r| ExchangeRate {
                        recorded_at: now,
                        ..r
                    })
                    .collect();
                let (stored, kept) = store.put_published(&rates).await?;
                report.stored += stored;
                report.kept_corrections += kept;
            }
        }
        day = match day.checked_add_days(Days::new(1)) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(report)
}

/// The Bank's answer for `day`, asked up to [`ATTEMPTS`] times with a growing pause.
async fn published(source: &dyn PublishedRates, day: NaiveDate) -> Result<Vec<ExchangeRate>> {
    let mut attempt = 1;
    loop {
        match source.published_on(day).await {
            Ok(rates) => return Ok(rates),
            Err(e) if attempt >= ATTEMPTS => return Err(e),
            Err(e) => {
                tracing::info!(%day, attempt, error = %e, "Central Bank rates: trying again");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                attempt += 1;
            }
        }
    }
}

/// Store a correction (`proxima-admin rates set`): validated, kept over later fetches, and
/// audited with what it replaced (returned).
pub async fn correct(
    store: &dyn RateStore,
    correction: super::rate::RateCorrection,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(ExchangeRate, Option<ExchangeRate>)> {
    let rate = correction.validate(by, now)?;
    let replaced = store.put_correction(&rate).await?;
    Ok((rate, replaced))
}
