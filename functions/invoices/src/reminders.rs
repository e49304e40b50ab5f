//! Payment reminders: the settings (`GET`/`PUT /api/v1/settings/reminders`) and the daily
//! run reports (`GET /api/v1/reminder-runs/{date}` and its invoices). Handlers translate
//! HTTP to `proxima::reminders` and back.

use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use proxima::http::error::ErrorEnvelope;
use proxima::http::pagination::PaginationParams;
use proxima::http::{Admin, AuthUser, Data, JsonBody, KnownQuery, Paged, Pagination};
use proxima::reminders::configure;
use proxima::reminders::{
    ReminderRunEntry, ReminderRunReport, ReminderSettings, ReminderSettingsInput, run,
};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::Deserialize;
use utoipa::IntoParams;

/// The reminder settings: whether scheduled reminders are on, the steps around the due
/// date, and the least amount due per currency worth a reminder. Never saved: the defaults
/// (off; 3 days before, the due date, 7 and 14 days after). Every signed-in user.
#[utoipa::path(get, path = "/api/v1/settings/reminders", tag = "settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = Data<ReminderSettings>),
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
pub async fn get_reminder_settings(
    _user: AuthUser,
    _known: KnownQuery,
    State(state): State<AppState>,
) -> Result<Data<ReminderSettings>> {
    Ok(Data::ok(configure::current(state.settings.as_ref()).await?))
}

/// Replace the reminder settings. `steps`: at most 10, one a day, `days_after_due` from
/// -60 to 365 with the kind its sign says (`before_due` < 0, `due` = 0, `overdue` > 0);
/// `min_amount`: per currency a decimal string with at most its minor-unit places. Every
/// bad field is named at once (400). The next daily run (09:00 in the company's time zone)
/// uses them. Admins only.
#[utoipa::path(put, path = "/api/v1/settings/reminders", tag = "settings",
    request_body = ReminderSettingsInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Data<ReminderSettings>),
        (status = 400, description = "Bad steps or minimums", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope)))]
pub async fn put_reminder_settings(
    Admin(user): Admin,
    State(state): State<AppState>,
    JsonBody(input): JsonBody<ReminderSettingsInput>,
) -> Result<Data<ReminderSettings>> {
    let settings = configure::replace(
        state.settings.as_ref(),
        input,
        &user.email,
        chrono::Utc::now(),
    )
    .await?;
    Ok(Data::ok(settings))
}

/// `YYYY-MM-DD`, else 404 (anything else names no run).
fn run_date(raw: &str) -> Result<NaiveDate> {
    raw.parse().map_err(|_| Error::not_found("reminder run"))
}

/// Filter of a run's invoices.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReminderOutcomeFilter {
    /// Only invoices with this outcome: `sent`, `skipped`, `retrying` or `failed`.
    pub outcome: Option<String>,
}

/// The reminder run of a day: `running` until every enqueued invoice has a final outcome,
/// then `completed`; its counters (`enqueued`, `sent`, `skipped`, `failed`, `retrying`).
#[utoipa::path(get, path = "/api/v1/reminder-runs/{date}", tag = "settings",
    params(("date" = String, Path, description = "The day, `YYYY-MM-DD`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The run", body = Data<ReminderRunReport>),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No run for this day", body = ErrorEnvelope)))]
pub async fn get_reminder_run(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(date): Path<String>,
) -> Result<Data<ReminderRunReport>> {
    let run = run::get_run(state.runs.as_ref(), run_date(&date)?)
        .await?
        .ok_or_else(|| Error::not_found("reminder run"))?;
    Ok(Data::ok(run))
}

/// The run's invoices ordered by id, each with its outcome (`step` and `message_id` when
/// sent, `reason` when skipped, `error` when retrying or failed, `overdue_announced` when
/// `invoice.overdue` went out that day). `meta.total` is the run's counter (of the outcome,
/// when filtered); `meta.next_cursor` scrolls on.
#[utoipa::path(get, path = "/api/v1/reminder-runs/{date}/invoices", tag = "settings",
    params(("date" = String, Path, description = "The day, `YYYY-MM-DD`"), ReminderOutcomeFilter, PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the run's invoices", body = Paged<ReminderRunEntry>),
        (status = 400, description = "Bad outcome or pagination, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No run for this day", body = ErrorEnvelope)))]
pub async fn list_reminder_run_invoices(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(date): Path<String>,
    _known: KnownQuery<ReminderOutcomeFilter, PaginationParams>,
    Query(filter): Query<ReminderOutcomeFilter>,
    Pagination(page): Pagination,
) -> Result<Paged<ReminderRunEntry>> {
    let date = run_date(&date)?;
    let only = match filter.outcome.as_deref() {
        None => None,
        Some(o @ ("sent" | "skipped" | "retrying" | "failed")) => Some(o),
        Some(_) => {
            return Err(Error::field(
                "outcome",
                "must be sent, skipped, retrying or failed",
            ));
        }
    };
    Ok(run::run_invoices(state.runs.as_ref(), date, only, page)
        .await?
        .into())
}
