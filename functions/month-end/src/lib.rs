//! Month-end function: invoked by the EventBridge schedule on the 1st of each month, it
//! generates drafts for the previous month (in the company's time zone) for every active
//! client with billable worklogs. Safe to deliver twice: existing drafts are skipped.

use chrono::{DateTime, Utc};
use proxima::domain::Period;
use proxima::domain::TimeZone as Tz;
use proxima::invoice::service::{self, Actor, BulkOutcome};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde_json::Value;

/// Who month-end drafts are created by, in their history.
pub const ACTOR: &str = "system:month-end";

/// The company time zone: `MONTH_END_TIMEZONE`, default `Asia/Tashkent`.
pub fn timezone_from_env() -> std::result::Result<Tz, String> {
    let name = std::env::var("MONTH_END_TIMEZONE").unwrap_or_else(|_| "Asia/Tashkent".into());
    name.parse::<Tz>()
        .map_err(|_| format!("MONTH_END_TIMEZONE {name:?} is not an IANA time zone"))
}

/// The month before the one `now` falls in, in `tz`.
pub fn previous_period(now: DateTime<Utc>, tz: &Tz) -> Period {
    Period::containing(tz.date_at(now)).previous()
}

/// Run month-end for the event. The event may name a `period` (`{"period": "2026-10"}`) to
/// re-run a month by hand; otherwise the previous month in `tz` is used.
pub async fn handle(
    state: &AppState,
    event: &Value,
    tz: &Tz,
    now: DateTime<Utc>,
) -> Result<BulkOutcome> {
    let period = match event.get("period").and_then(Value::as_str) {
        Some(p) => p
            .parse()
            .map_err(|_| Error::field("period", "must be a month written YYYY-MM"))?,
        None => previous_period(now, tz),
    };
    let actor = Actor {
        name: ACTOR.into(),
        now,
    };
    let outcome = service::generate_bulk(state.stores(), period, &actor).await?;
    tracing::info!(
        period = %outcome.period,
        created = outcome.created.len(),
        skipped = outcome.skipped.len(),
        failed = outcome.failed.len(),
        failed_clients = ?outcome.failed.iter().map(|f| f.client_key.as_str()).collect::<Vec<_>>(),
        "month-end summary"
    );
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn previous_month_in_the_company_time_zone() {
        let tz: Tz = "Asia/Tashkent".parse().unwrap();
        // 2026-10-31 20:30 UTC is already 1 November in Tashkent (UTC+5).
        let now = Utc.with_ymd_and_hms(2026, 10, 31, 20, 30, 0).unwrap();
        assert_eq!(previous_period(now, &tz).to_string(), "2026-10");
        assert_eq!(previous_period(now, &Tz::utc()).to_string(), "2026-09");
        let jan = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(previous_period(jan, &tz).to_string(), "2026-12");
    }
}
