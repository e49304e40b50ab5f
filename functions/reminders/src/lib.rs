//! Reminders function: both halves of the daily reminder run, a fan-out job
//! ([`proxima::reminders`]). Invoked by the EventBridge schedule (09:00 in the company's
//! time zone) it starts the day's run and enqueues every invoice with something to do that
//! day; invoked by the SQS event source with batches of that queue it handles each invoice
//! on its own (announce `invoice.overdue` once, e-mail the step's reminder once) and names
//! the messages that failed (`ReportBatchItemFailures`). One function, so one role and one
//! cold start serve a job that runs once a day.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, NaiveDate, Utc};
use proxima::domain::TimeZone as Tz;
use proxima::fan_out::sqs_batch::handle_batch;
use proxima::ports::JobQueue;
use proxima::reminders::{EnqueueSummary, ReminderJob, enqueue_reminders};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde_json::Value;

pub use proxima::reminders::job::ACTOR;

/// The company time zone the day is read in: `REMINDERS_TIMEZONE`, default
/// `Asia/Tashkent`.
pub fn timezone_from_env() -> std::result::Result<Tz, String> {
    let name = std::env::var("REMINDERS_TIMEZONE").unwrap_or_else(|_| "Asia/Tashkent".into());
    name.parse::<Tz>()
        .map_err(|_| format!("REMINDERS_TIMEZONE {name:?} is not an IANA time zone"))
}

/// The reminder queue's URL: `REMINDERS_QUEUE_URL`.
pub fn queue_url_from_env() -> std::result::Result<String, String> {
    std::env::var("REMINDERS_QUEUE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| "REMINDERS_QUEUE_URL is not set".to_string())
}

/// The queue's `maxReceiveCount` (`REMINDERS_MAX_RECEIVES`, default 3): a failure on that
/// delivery is the invoice's final `failed` in the run report.
pub fn max_receives_from_env() -> std::result::Result<u32, String> {
    match std::env::var("REMINDERS_MAX_RECEIVES") {
        Err(_) => Ok(3),
        Ok(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("REMINDERS_MAX_RECEIVES {v:?} is not a positive number")),
    }
}

/// The day an event asks for: `{"date": "2026-12-04"}` runs a day by hand; otherwise the
/// day of the schedule's `scheduled_time` in `tz` (the template passes
/// `<aws.scheduler.scheduled-time>`, so a retry after midnight still runs its own day), or
/// today in `tz` when there is none.
pub fn date_of(event: &Value, tz: &Tz, now: DateTime<Utc>) -> Result<NaiveDate> {
    if let Some(d) = event.get("date").and_then(Value::as_str) {
        return d
            .parse()
            .map_err(|_| Error::field("date", "must be a day written YYYY-MM-DD"));
    }
    let scheduled = event
        .get("scheduled_time")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(tz.date_at(scheduled.unwrap_or(now)))
}

/// The schedule's half: start the day's run with the settings as they are now and enqueue
/// its invoices. A failure fails the invocation; Lambda retries it, which is safe.
pub async fn schedule(
    state: &AppState,
    queue: &dyn JobQueue,
    event: &Value,
    tz: &Tz,
    now: DateTime<Utc>,
) -> Result<EnqueueSummary> {
    let date = date_of(event, tz, now)?;
    let settings = proxima::reminders::configure::current(state.settings.as_ref()).await?;
    enqueue_reminders(
        state.invoice_service(),
        settings,
        queue,
        state.runs.as_ref(),
        date,
        now,
    )
    .await
}

/// The worker's half: every message of the batch on its own, with the settings read once
/// per batch; the answer names the messages that failed. When the settings cannot be read
/// the whole batch is retried.
pub async fn work(
    state: &AppState,
    event: &SqsEvent,
    max_receives: u32,
    now: DateTime<Utc>,
) -> Result<SqsBatchResponse> {
    let settings = proxima::reminders::configure::current(state.settings.as_ref()).await?;
    let job = ReminderJob::new(state.invoice_service(), settings);
    Ok(handle_batch(&job, state.runs.as_ref(), event, max_receives, now).await)
}

/// What one invocation is: a batch of the queue, or the schedule (anything else).
pub enum Invocation {
    Batch(SqsEvent),
    Schedule(Value),
}

impl Invocation {
    /// Tell the two apart by the SQS event's `Records`.
    pub fn of(payload: Value) -> Result<Self> {
        if payload.get("Records").is_some() {
            serde_json::from_value(payload)
                .map(Invocation::Batch)
                .map_err(|e| Error::field("Records", format!("not an SQS event: {e}")))
        } else {
            Ok(Invocation::Schedule(payload))
        }
    }
}
