//! The timesheet behind an invoice, as CSV. Handlers translate HTTP to
//! `proxima::invoice::timesheet` and back.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use proxima::http::error::ErrorEnvelope;
use proxima::http::{AuthUser, KnownQuery};
use proxima::invoice::timesheet::timesheet_csv;
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// The timesheet's format.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimesheetFormat {
    /// Comma-separated, UTF-8, one row per worklog and a `line_total` row per line.
    #[default]
    Csv,
}

/// Which format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimesheetQuery {
    /// `csv` (the default).
    #[param(inline)]
    pub format: Option<TimesheetFormat>,
}

/// Every worklog behind each worklog line of the invoice (`line`, `line_description`,
/// `row` = `worklog`, `date`, `author`, `issue_key`, `issue_summary`, `worklog_id`,
/// `minutes`, `hours`), then a `line_total` row whose `hours` is the line's quantity. A
/// draft's timesheet shows the worklogs its lines name now. Any role.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/timesheet", tag = "invoices",
    params(("id" = uuid::Uuid, Path, description = "Invoice id"), TimesheetQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The timesheet (`Content-Disposition: attachment`)", content_type = "text/csv", body = String),
        (status = 400, description = "A format other than csv, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
pub async fn timesheet(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<TimesheetQuery>,
    Query(query): Query<TimesheetQuery>,
) -> Result<impl IntoResponse> {
    let TimesheetFormat::Csv = query.format.unwrap_or_default();
    let id = proxima::http::download::path_id(&id, "invoice")?;
    let invoice = state
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    let ids: Vec<uuid::Uuid> = invoice
        .line_items
        .iter()
        .flat_map(|l| l.worklog_ids.iter().copied())
        .collect();
    let worklogs: HashMap<_, _> = state
        .worklogs
        .get_worklogs(&ids)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let body = timesheet_csv(&invoice, &worklogs)?;
    let name = invoice
        .header
        .number
        .clone()
        .unwrap_or_else(|| invoice.header.id.to_string());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-timesheet.csv\""),
            ),
        ],
        body,
    ))
}
