//! Month-end function: invoked by the EventBridge schedule on the 1st of each month, it
//! starts the run of the previous month (in the company's time zone) and enqueues one
//! message per active client; the month-end worker drafts each client from the queue.
//! Safe to deliver twice: the run counts each client once and drafts are made once.

use chrono::{DateTime, Utc};
use proxima::domain::Period;
use proxima::domain::TimeZone as Tz;
use proxima::month_end::{EnqueueSummary, enqueue_month_end};
use proxima::ports::JobQueue;
use proxima::state::AppState;
use proxima::{Error, Result};
use serde_json::Value;

pub use proxima::month_end::ACTOR;

/// The company time zone: `MONTH_END_TIMEZONE`, default `Asia/Tashkent`.
pub fn timezone_from_env() -> std::result::Result<Tz, String> {
    let name = std::env::var("MONTH_END_TIMEZONE").unwrap_or_else(|_| "Asia/Tashkent".into());
    name.parse::<Tz>()
        .map_err(|_| format!("MONTH_END_TIMEZONE {name:?} is not an IANA time zone"))
}

/// The month-end queue's URL: `MONTH_END_QUEUE_URL`.
pub fn queue_url_from_env() -> std::result::Result<String, String> {
    std::env::var("MONTH_END_QUEUE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| "MONTH_END_QUEUE_URL is not set".to_string())
}

/// The month before the one `now` falls in, in `tz`.
pub fn previous_period(now: DateTime<Utc>, tz: &Tz) -> Period {
    Period::containing(tz.date_at(now)).previous()
}

/// The period an event asks for: `{"period": "2026-10"}` re-runs a month by hand; otherwise
/// the previous month in `tz`.
pub fn period_of(event: &Value, tz: &Tz, now: DateTime<Utc>) -> Result<Period> {
    match event.get("period").and_then(Value::as_str) {
        Some(p) => p
            .parse()
            .map_err(|_| Error::field("period", "must be a month written YYYY-MM")),
        None => Ok(previous_period(now, tz)),
    }
}

/// Start the event's month-end run and enqueue every active client. A failure (the queue or
/// the table did not answer) fails the invocation: Lambda retries it, which is safe.
pub async fn handle(
    state: &AppState,
    queue: &dyn JobQueue,
    event: &Value,
    tz: &Tz,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    let period = period_of(event, tz, now)?;
    enqueue_month_end(state.stores(), queue, state.runs.as_ref(), period, now).await
}
