//! Month-end run reports: what the last month-end did for every client (created, skipped,
//! failed), read from the run the workers keep. Handlers translate HTTP to
//! `proxima::month_end::run` and back.

use axum::extract::{Path, Query, State};
use proxima::domain::Period;
use proxima::http::error::ErrorEnvelope;
use proxima::http::pagination::PaginationParams;
use proxima::http::{AuthUser, Data, KnownQuery, Paged, Pagination};
use proxima::month_end::run::RunDetail;
use proxima::month_end::{ClientRunEntry, RunReport, run};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::Deserialize;
use utoipa::IntoParams;

/// `YYYY-MM`, else 404 (a period that is not a month names no run).
fn run_period(raw: &str) -> Result<Period> {
    raw.parse().map_err(|_| Error::not_found("month-end run"))
}

/// Filter of a run's clients.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeFilter {
    /// Only clients with this outcome: `created`, `skipped`, `retrying` or `failed`.
    pub outcome: Option<String>,
}

/// Every month-end run, newest period first (a run is listed once the schedule started it),
/// each with its status and counters: what the month-end screen shows before opening one.
/// Paged by number (`page`, `per_page`); `meta.total` is the number of runs.
#[utoipa::path(get, path = "/api/v1/month-end-runs", tag = "invoices",
    params(PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the runs", body = Paged<RunReport>),
        (status = 400, description = "Bad pagination (this list takes no cursor), or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
pub async fn list_month_end_runs(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<PaginationParams>,
    Pagination(page): Pagination,
) -> Result<Paged<RunReport>> {
    if page.cursor.is_some() {
        return Err(Error::field(
            "cursor",
            "this list is paged by number: use page and per_page",
        ));
    }
    Ok(page
        .slice(run::list_runs(state.runs.as_ref()).await?)
        .into())
}

/// The month-end run of a period: `running` until enqueuing is over and every enqueued
/// client has a final outcome, then `completed`; its counters (`enqueued`, `created`,
/// `skipped`, `failed`, and `retrying`: clients whose message will be delivered again); and
/// `uninvoiced`: the period's billable work no live invoice bills now (clients, worklogs,
/// minutes; work imported after the run included; the rows are `GET
/// /api/v1/reports/uninvoiced?period=`).
#[utoipa::path(get, path = "/api/v1/month-end-runs/{period}", tag = "invoices",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The run", body = Data<RunDetail>),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No run for this period", body = ErrorEnvelope)))]
pub async fn get_month_end_run(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(period): Path<String>,
) -> Result<Data<RunDetail>> {
    let run = run::get_run_detail(state.runs.as_ref(), state.stores(), run_period(&period)?)
        .await?
        .ok_or_else(|| Error::not_found("month-end run"))?;
    Ok(Data::ok(run))
}

/// The run's clients ordered by key, each with its outcome (`invoice_id` when created,
/// `reason` when skipped, `error` when retrying or failed) and deliveries seen. A page reads
/// what it shows; `meta.total` is the run's counter (of the outcome, when filtered);
/// `meta.next_cursor` scrolls on (a cursor of another run or outcome filter is 400).
#[utoipa::path(get, path = "/api/v1/month-end-runs/{period}/clients", tag = "invoices",
    params(("period" = String, Path, description = "The month, `YYYY-MM`"), OutcomeFilter, PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the run's clients", body = Paged<ClientRunEntry>),
        (status = 400, description = "Bad outcome or pagination, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No run for this period", body = ErrorEnvelope)))]
pub async fn list_month_end_run_clients(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(period): Path<String>,
    _known: KnownQuery<OutcomeFilter, PaginationParams>,
    Query(filter): Query<OutcomeFilter>,
    Pagination(page): Pagination,
) -> Result<Paged<ClientRunEntry>> {
    let period = run_period(&period)?;
    let only = match filter.outcome.as_deref() {
        None => None,
        Some(o @ ("created" | "skipped" | "retrying" | "failed")) => Some(o),
        Some(_) => {
            return Err(Error::field(
                "outcome",
                "must be created, skipped, retrying or failed",
            ));
        }
    };
    // 404 when the period has no run: the store reads the run's header with the page.
    Ok(run::run_clients(state.runs.as_ref(), period, only, page)
        .await?
        .into())
}
