//! Rates function: every day (`RatesSchedule`, default 18:00 in the company's time zone,
//! after the Central Bank publishes) it fetches the Bank's rates of the last
//! `RATES_LOOKBACK_DAYS` days up to tomorrow (filling any day a run missed) into the table
//! ([`proxima::rates::fetch_range`]). `{"from": "2026-11-01", "to": "2026-11-30"}` fetches a
//! range by hand. A day the Bank did not answer on every attempt fails the invocation
//! (after storing every other day): Lambda retries it, then its dead-letter queue alarms.

use chrono::{DateTime, Days, NaiveDate, Utc};
use proxima::domain::TimeZone as Tz;
use proxima::ports::{PublishedRates, RateStore};
use proxima::rates::{FetchReport, fetch_range};
use proxima::{Error, Result};
use serde_json::Value;

/// What the function reads from its environment.
#[derive(Debug, Clone)]
pub struct RatesConfig {
    /// `CBU_BASE_URL` (default `https://cbu.uz`).
    pub base_url: String,
    /// `RATE_CURRENCIES`: the currencies the books need, reported when missing (default
    /// `USD,EUR,RUB`).
    pub wanted: Vec<String>,
    /// `RATES_TIMEZONE` (default `Asia/Tashkent`): what "today" is.
    pub timezone: Tz,
    /// `RATES_LOOKBACK_DAYS` (default 7): how far back a scheduled run fills gaps.
    pub lookback_days: u64,
}

impl RatesConfig {
    /// From the environment; a bad value is an error naming it.
    pub fn from_env() -> std::result::Result<Self, String> {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
        let tz_name = var("RATES_TIMEZONE", "Asia/Tashkent");
        let lookback = var("RATES_LOOKBACK_DAYS", "7");
        Ok(Self {
            base_url: var("CBU_BASE_URL", proxima::store::cbu::DEFAULT_BASE_URL),
            wanted: var("RATE_CURRENCIES", "USD,EUR,RUB")
                .split(',')
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| !c.is_empty())
                .collect(),
            timezone: tz_name
                .parse()
                .map_err(|_| format!("RATES_TIMEZONE {tz_name:?} is not an IANA time zone"))?,
            lookback_days: lookback
                .parse()
                .ok()
                .filter(|d| *d <= 60)
                .ok_or_else(|| format!("RATES_LOOKBACK_DAYS {lookback:?} is not 0-60"))?,
        })
    }
}

/// The days an event asks for: `{"from", "to"}` by hand; otherwise the last
/// `lookback_days` days up to tomorrow in the company's time zone.
pub fn days_of(
    event: &Value,
    config: &RatesConfig,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, NaiveDate)> {
    let day = |field: &'static str| -> Result<Option<NaiveDate>> {
        event
            .get(field)
            .and_then(Value::as_str)
            .map(|d| {
                d.parse()
                    .map_err(|_| Error::field(field, "must be a day written YYYY-MM-DD"))
            })
            .transpose()
    };
    let today = config.timezone.date_at(now);
    match (day("from")?, day("to")?) {
        (Some(from), Some(to)) => Ok((from, to)),
        (Some(from), None) => Ok((from, today)),
        (None, Some(_)) => Err(Error::field("from", "is required with to")),
        (None, None) => Ok((
            today
                .checked_sub_days(Days::new(config.lookback_days))
                .unwrap_or(today),
            today.checked_add_days(Days::new(1)).unwrap_or(today),
        )),
    }
}

/// Fetch the event's days; an error when a day could not be fetched (the others are
/// stored).
pub async fn handle(
    store: &dyn RateStore,
    source: &dyn PublishedRates,
    event: &Value,
    config: &RatesConfig,
    now: DateTime<Utc>,
) -> Result<FetchReport> {
    let days = days_of(event, config, now)?;
    let report = fetch_range(source, store, days, &config.wanted, now).await?;
    tracing::info!(days = report.days, stored = report.stored, kept = report.kept_corrections,
        failed = report.failed.len(), missing = ?report.missing, "Central Bank rates fetched");
    if let Some((day, error)) = report.failed.first() {
        return Err(Error::Unavailable(format!(
            "{} day(s) not fetched, first {day}: {error}",
            report.failed.len()
        )));
    }
    Ok(report)
}
