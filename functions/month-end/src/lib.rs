//! Month-end function: invoked by the EventBridge schedule on the 1st of each month, it
//! generates drafts for the previous month (in the company's time zone) for every active
//! client with billable worklogs. Safe to deliver twice: existing drafts are skipped.

use chrono::{DateTime, Utc};
use proxima::domain::Period;
use proxima::domain::TimeZone as Tz;
use proxima::invoice::service::{Actor, BulkOutcome};
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
    let outcome = state
        .invoice_service()
        .generate_bulk(period, &actor)
        .await?;
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

/// Some clients got no draft: the run failed, so Lambda retries it and, in the end, sends
/// the event to the on-failure queue. Retrying is safe: drafts made already are skipped.
#[derive(Debug)]
pub struct ClientsFailed {
    pub period: Period,
    pub client_keys: Vec<String>,
}

impl std::fmt::Display for ClientsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "month-end {}: {} client(s) failed: {}",
            self.period,
            self.client_keys.len(),
            self.client_keys.join(", ")
        )
    }
}

impl std::error::Error for ClientsFailed {}

/// What the invocation answers: the outcome when every client succeeded or was skipped.
pub fn outcome_result(outcome: BulkOutcome) -> std::result::Result<BulkOutcome, ClientsFailed> {
    if outcome.failed.is_empty() {
        return Ok(outcome);
    }
    Err(ClientsFailed {
        period: outcome.period,
        client_keys: outcome.failed.into_iter().map(|f| f.client_key).collect(),
    })
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

    #[test]
    fn a_run_with_failed_clients_fails() {
        use proxima::invoice::service::{Failed, Skipped};
        let period: Period = "2026-10".parse().unwrap();
        let outcome = |failed: Vec<Failed>| BulkOutcome {
            period,
            created: Vec::new(),
            skipped: vec![Skipped {
                client_key: "ACME".into(),
                reason: "invoice_exists".into(),
            }],
            failed,
        };
        assert!(outcome_result(outcome(Vec::new())).is_ok());
        let err = outcome_result(outcome(vec![Failed {
            client_key: "VOSTOK".into(),
            error: "service temporarily unavailable".into(),
        }]))
        .unwrap_err();
        assert_eq!(err.client_keys, ["VOSTOK"]);
        assert_eq!(
            err.to_string(),
            "month-end 2026-10: 1 client(s) failed: VOSTOK"
        );
    }
}
