//! The timesheet behind an invoice, as CSV or PDF. Handlers translate HTTP to
//! `proxima::invoice::timesheet` and back.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use proxima::Result;
use proxima::http::error::ErrorEnvelope;
use proxima::http::{AuthUser, KnownQuery};
use proxima::invoice::timesheet;
use proxima::pdf::timesheet::render_timesheet;
use proxima::state::AppState;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The timesheet's format.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimesheetFormat {
    /// Comma-separated, UTF-8, one row per worklog and a `line_total` row per line.
    #[default]
    Csv,
    /// A4 PDF in the invoice's language, the same bytes for the same invoice and worklogs.
    Pdf,
}

/// Which format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimesheetQuery {
    /// `csv` (the default) or `pdf`.
    #[param(inline)]
    pub format: Option<TimesheetFormat>,
}

/// Every worklog behind each worklog line of the invoice, then each line's total, whose
/// hours are the line's quantity. `csv`: `line`, `line_description`, `row` = `worklog`,
/// `date`, `author`, `issue_key`, `issue_summary`, `worklog_id`, `minutes`, `hours`, and a
/// `line_total` row per line. `pdf`: the same in the invoice's language (its recorded
/// `locale`; a draft's: English) with the total hours, deterministic. A draft's timesheet
/// shows the worklogs its lines name now. Any role.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/timesheet", tag = "invoices",
    params(("id" = uuid::Uuid, Path, description = "Invoice id"), TimesheetQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The timesheet (`Content-Disposition: attachment`)", content(
            (String = "text/csv"),
            (Vec<u8> = "application/pdf"))),
        (status = 400, description = "A format other than csv or pdf, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
pub async fn timesheet(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<TimesheetQuery>,
    Query(query): Query<TimesheetQuery>,
) -> Result<impl IntoResponse> {
    let id = proxima::http::download::path_id(&id, "invoice")?;
    let (invoice, worklogs) =
        timesheet::load(state.invoices.as_ref(), state.worklogs.as_ref(), id).await?;
    let (content_type, extension, body) = match query.format.unwrap_or_default() {
        TimesheetFormat::Csv => (
            "text/csv; charset=utf-8",
            "csv",
            timesheet::timesheet_csv(&invoice, &worklogs)?,
        ),
        TimesheetFormat::Pdf => {
            let issuer = invoice
                .header
                .issuer
                .clone()
                .unwrap_or_else(|| state.config.issuer.clone());
            let pdf = render_timesheet(&invoice, &worklogs, &issuer)?;
            ("application/pdf", "pdf", pdf)
        }
    };
    let name = timesheet::file_name(&invoice, extension);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    ))
}
