//! Invoices function: drafts (prefill, generate, bulk, list, get, edit, line items,
//! regenerate, history) here; finalize and documents, receivables, credit notes, sending,
//! reports, reminders and client accounts in the modules below. Handlers translate HTTP to
//! the use cases (`proxima::invoice::InvoiceService`, `proxima::ledger`) and back.

mod credit_notes;
use credit_notes::*;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use proxima::domain::Period;
use proxima::domain::client::check_key;
use proxima::http::download::{path_id, presigned_answer, redirect_flag};
use proxima::http::error::ErrorEnvelope;
use proxima::http::json::{OptionalJsonBody, with_rule_errors};
use proxima::http::openapi::{OptionalIfMatch, RequiredIfMatch};
use proxima::http::pagination::PaginationParams;
use proxima::http::version::{etag, expected_version};
use proxima::http::{
    AuthUser, Data, InvoiceWriter, JsonBody, KnownQuery, LenientJsonBody, Paged, Pagination,
};
use proxima::invoice::drafting::{Actor, BulkOutcome, GenerateRequest};
use proxima::invoice::edit::{InvoicePatch, LineItemsPatch};
use proxima::invoice::finalize::PdfDownload;
use proxima::invoice::model::InvoiceFilter;
use proxima::invoice::{HistoryEntry, Invoice, InvoiceHeader};
use proxima::state::AppState;
use proxima::{Error, FieldError, Result};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

mod collection;
pub use collection::*;
mod month_end_runs;
pub use month_end_runs::*;
mod reminders;
pub use reminders::*;
mod reports;
pub use reports::*;
mod timesheet;
pub use timesheet::*;

mod sending;
pub use sending::*;

mod accounts;
pub use accounts::*;

fn actor(user: &AuthUser) -> Actor {
    Actor {
        name: user.email.clone(),
        now: chrono::Utc::now(),
    }
}

/// Ids that are not UUIDs name no invoice: 404, like unknown ones.
fn invoice_id(raw: &str) -> Result<Uuid> {
    path_id(raw, "invoice")
}

/// An answer that carries an invoice (a payment, a credit note, a send) with the invoice's
/// `version` as `ETag`, like the invoice's own answers.
fn tagged<T: serde::Serialize>(version: u64, data: Data<T>) -> impl IntoResponse {
    (etag(version), data)
}

/// An invoice as answered: its receivables as of now (amount due, payment status, overdue)
/// and its version as `ETag`.
fn with_etag(mut invoice: Invoice, status: StatusCode) -> impl IntoResponse {
    proxima::invoice::receivables::present(&mut invoice.header, chrono::Utc::now());
    let tag = etag(invoice.header.version);
    let body = if status == StatusCode::CREATED {
        Data::created(invoice)
    } else {
        Data::ok(invoice)
    };
    (tag, body)
}

/// The invoice as `generate` would create it now; nothing is saved (`id` is the nil UUID).
#[utoipa::path(post, path = "/api/v1/invoices/prefill", tag = "invoices", request_body = GenerateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Preview", body = Data<Invoice>),
        (status = 400, description = "Bad body", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
async fn prefill(
    user: AuthUser,
    State(state): State<AppState>,
    JsonBody(req): JsonBody<GenerateRequest>,
) -> Result<Data<Invoice>> {
    Ok(Data::ok(
        state.invoice_service().prefill(&req, &actor(&user)).await?,
    ))
}

/// Create the draft of a client and period. One invoice per client and period: 409 if one
/// exists.
#[utoipa::path(post, path = "/api/v1/invoices/generate", tag = "invoices", request_body = GenerateRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Draft created", body = Data<Invoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad body", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope),
        (status = 409, description = "The client already has an invoice for the period", body = ErrorEnvelope)))]
async fn generate(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    JsonBody(req): JsonBody<GenerateRequest>,
) -> Result<impl IntoResponse> {
    let invoice = state
        .invoice_service()
        .generate(&req, &actor(&user))
        .await?;
    Ok(with_etag(invoice, StatusCode::CREATED))
}

/// `POST /invoices/generate-bulk` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    #[schema(value_type = String, example = "2026-10", pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Period,
}

/// One draft per active client with billable worklogs in the period; existing ones and
/// clients without billable work are skipped, failures are listed per client.
#[utoipa::path(post, path = "/api/v1/invoices/generate-bulk", tag = "invoices", request_body = BulkRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was created, skipped and failed", body = Data<BulkOutcome>),
        (status = 400, description = "Bad body", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope)))]
async fn generate_bulk(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    JsonBody(req): JsonBody<BulkRequest>,
) -> Result<Data<BulkOutcome>> {
    let mut outcome = state
        .invoice_service()
        .generate_bulk(req.period, &actor(&user))
        .await?;
    let now = chrono::Utc::now();
    for h in &mut outcome.created {
        proxima::invoice::receivables::present(h, now);
    }
    Ok(Data::ok(outcome))
}

/// Filters of the invoice list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// `draft`, `finalized`, `paid` or `void`.
    #[param(schema_with = proxima::http::openapi::invoice_status)]
    pub status: Option<String>,
    /// `unpaid`, `partially_paid` or `paid`.
    #[param(schema_with = proxima::http::openapi::payment_status)]
    pub payment_status: Option<String>,
    /// `true`: only overdue invoices (something due, due date passed in the client's time
    /// zone); `false`: only those that are not.
    #[param(schema_with = proxima::http::openapi::boolean)]
    pub overdue: Option<String>,
    /// `YYYY-MM-DD`: due on or after.
    #[param(schema_with = proxima::http::openapi::date)]
    pub due_from: Option<String>,
    /// `YYYY-MM-DD`: due on or before.
    #[param(schema_with = proxima::http::openapi::date)]
    pub due_to: Option<String>,
    /// A client key; empty means every client.
    #[param(schema_with = proxima::http::openapi::client_key_filter)]
    pub client_key: Option<String>,
    /// `YYYY-MM`.
    #[param(schema_with = proxima::http::openapi::period)]
    pub period: Option<String>,
    /// An invoice number (`INV-2026-00042`): that invoice only (a page of 0 or 1), if it
    /// passes the other filters.
    #[param(example = "INV-2026-00042", pattern = "^INV-[0-9]{4}-[0-9]{5,12}$")]
    pub number: Option<String>,
}

impl ListFilter {
    fn parse(self) -> Result<InvoiceFilter> {
        let mut errors = Vec::new();
        let status = self.status.and_then(|s| {
            s.parse()
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "status",
                        "must be draft, finalized, paid or void",
                    ))
                })
                .ok()
        });
        let payment_status = self.payment_status.and_then(|s| {
            s.parse()
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "payment_status",
                        "must be unpaid, partially_paid or paid",
                    ))
                })
                .ok()
        });
        let overdue = match self.overdue.as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.push(FieldError::new("overdue", "must be true or false"));
                None
            }
        };
        let mut date = |field: &str, v: Option<String>| {
            v.and_then(|d| {
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .ok()
                    .filter(|_| d.len() == 10)
                    .or_else(|| {
                        errors.push(FieldError::new(field, "must be a date written YYYY-MM-DD"));
                        None
                    })
            })
        };
        let due_from = date("due_from", self.due_from);
        let due_to = date("due_to", self.due_to);
        let period = self.period.and_then(|p| {
            p.parse()
                .map_err(|_| {
                    errors.push(FieldError::new("period", "must be a month written YYYY-MM"))
                })
                .ok()
        });
        let number = self.number;
        if number
            .as_deref()
            .is_some_and(|n| !proxima::invoice::finalize::looks_like_invoice_number(n))
        {
            errors.push(FieldError::new(
                "number",
                "must be an invoice number like INV-2026-00042",
            ));
        }
        let client_key = self.client_key.filter(|c| !c.is_empty());
        if let Some(key) = &client_key
            && let Err(Error::Validation { details, .. }) = check_key("client_key", key)
        {
            errors.extend(details);
        }
        if !errors.is_empty() {
            return Err(Error::fields(errors));
        }
        Ok(InvoiceFilter {
            status,
            client_key,
            period,
            payment_status,
            overdue,
            due_from,
            due_to,
            number,
            now: Some(chrono::Utc::now()),
        })
    }
}

/// Invoices, newest first, without line items; with a receivables filter (`payment_status`,
/// `overdue`, `due_from`, `due_to`) by the instant they become overdue (the day after the
/// due date in the client's time zone), latest first.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(ListFilter, PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of invoices", body = Paged<InvoiceHeader>),
        (status = 400, description = "Bad filter or pagination", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
async fn list_invoices(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<ListFilter, PaginationParams>,
    Query(filter): Query<ListFilter>,
    Pagination(page): Pagination,
) -> Result<Paged<InvoiceHeader>> {
    let filter = filter.parse()?;
    let mut page = state.invoice_service().list(&filter, page).await?;
    // Shown as of the instant the filters judged `overdue` at.
    let now = filter.now.unwrap_or_else(chrono::Utc::now);
    for h in &mut page.items {
        proxima::invoice::receivables::present(h, now);
    }
    Ok(page.into())
}

/// One invoice with its line items; `ETag` carries the version.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 200, description = "The invoice", body = Data<Invoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
async fn get_invoice(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery,
) -> Result<impl IntoResponse> {
    let invoice = state.invoice_service().get(invoice_id(&id)?).await?;
    Ok(with_etag(invoice, StatusCode::OK))
}

/// Set `notes`, `po_number`, `issue_date`, `due_date` or `tax_rate` of a draft. Needs
/// `If-Match: <version>` (or `version` in the body); a stale version is 409.
#[utoipa::path(patch, path = "/api/v1/invoices/{id}", tag = "invoices", request_body = InvoicePatch,
    params(("id" = Uuid, Path, description = "Invoice id"),
           OptionalIfMatch),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Data<Invoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad field or missing version", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Stale version or finalized", body = ErrorEnvelope)))]
async fn patch_invoice(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: LenientJsonBody<InvoicePatch>,
) -> Result<impl IntoResponse> {
    let id = invoice_id(&id)?;
    let patch = body.value;
    if !body.shape.is_empty() {
        // Some fields failed to read: the other fields' rules (the dates against the
        // invoice included) come in the same answer.
        let rules = state
            .invoice_service()
            .patch_errors(id, &patch, chrono::Utc::now().date_naive())
            .await?;
        return Err(Error::fields(with_rule_errors(body.shape, rules)));
    }
    let version = expected_version(&headers, patch.version)?;
    let invoice = state
        .invoice_service()
        .update(id, version, &patch, &actor(&user))
        .await?;
    Ok(with_etag(invoice, StatusCode::OK))
}

/// Add, update and remove lines in one batch, all or nothing; totals are recomputed.
#[utoipa::path(patch, path = "/api/v1/invoices/{id}/line-items", tag = "invoices", request_body = LineItemsPatch,
    params(("id" = Uuid, Path, description = "Invoice id"),
           OptionalIfMatch),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = Data<Invoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "A bad item (named); nothing applied", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Stale version or finalized", body = ErrorEnvelope)))]
async fn patch_line_items(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(patch): JsonBody<LineItemsPatch>,
) -> Result<impl IntoResponse> {
    let id = invoice_id(&id)?;
    let version = expected_version(&headers, patch.version)?;
    let invoice = state
        .invoice_service()
        .update_lines(id, version, &patch, &actor(&user))
        .await?;
    Ok(with_etag(invoice, StatusCode::OK))
}

/// `PUT /invoices/{id}/regenerate` body (optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateRequest {
    /// Regroup the worklog lines: `issue`, `author`, `day` or `none`; absent keeps the
    /// invoice's grouping.
    pub group_by: Option<proxima::invoice::GroupBy>,
}

/// Rebuild the worklog lines from the current worklogs and rate, optionally regrouped
/// (`{"group_by"}`); manual lines stay. Needs `If-Match: <version>`.
#[utoipa::path(put, path = "/api/v1/invoices/{id}/regenerate", tag = "invoices",
    request_body(content = Option<RegenerateRequest>, description = "Optional"),
    params(("id" = Uuid, Path, description = "Invoice id"),
           RequiredIfMatch),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Regenerated, with the hand edits it replaced (`dropped_edits`)", body = Data<proxima::invoice::drafting::RegeneratedInvoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Missing version", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Stale version or finalized", body = ErrorEnvelope)))]
async fn regenerate(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<RegenerateRequest>,
) -> Result<impl IntoResponse> {
    let id = invoice_id(&id)?;
    let version = expected_version(&headers, None)?;
    let group_by = body.and_then(|b| b.group_by);
    let mut regenerated = state
        .invoice_service()
        .regenerate(id, version, group_by, &actor(&user))
        .await?;
    proxima::invoice::receivables::present(&mut regenerated.invoice.header, chrono::Utc::now());
    Ok((
        etag(regenerated.invoice.header.version),
        Data::ok(regenerated),
    ))
}

/// Every write to the invoice, newest first.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/edit-history", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id"), PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "History entries", body = Paged<HistoryEntry>),
        (status = 400, description = "Bad page or per_page", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
async fn edit_history(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<PaginationParams>,
    Pagination(page): Pagination,
) -> Result<Paged<HistoryEntry>> {
    Ok(state
        .invoice_service()
        .history(invoice_id(&id)?, page)
        .await?
        .into())
}

/// Optional body of `finalize`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalizeRequest {
    /// The version being finalized (instead of `If-Match`); optional.
    pub version: Option<u64>,
}

/// Assign the next gapless number of the issue date's year (`INV-YYYY-NNNNN`), render the
/// PDF and store it. An empty invoice is 400; a second finalize is 409; afterwards every
/// write to the invoice is 409.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/finalize", tag = "invoices",
    request_body(content = Option<FinalizeRequest>, description = "Optional"),
    params(("id" = Uuid, Path, description = "Invoice id"),
           OptionalIfMatch),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Finalized", body = Data<Invoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Empty invoice", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Already finalized or stale version", body = ErrorEnvelope)))]
async fn finalize(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<FinalizeRequest>,
) -> Result<impl IntoResponse> {
    let id = invoice_id(&id)?;
    let body_version = body.and_then(|b| b.version);
    let version = match (
        headers.contains_key(axum::http::header::IF_MATCH),
        body_version,
    ) {
        (false, None) => None,
        _ => Some(expected_version(&headers, body_version)?),
    };
    let invoice = state
        .invoice_service()
        .finalize(id, version, &actor(&user))
        .await?;
    Ok(with_etag(invoice, StatusCode::OK))
}

/// `GET /invoices/{id}/pdf` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PdfQuery {
    /// `true`: answer 302 to the presigned URL instead of JSON.
    #[param(schema_with = proxima::http::openapi::boolean)]
    pub redirect: Option<String>,
}

/// A presigned download (at most 15 minutes) of a finalized invoice's PDF, served with
/// `Content-Disposition: attachment; filename="INV-….pdf"`. A draft is 409. The answer is
/// never cached (`Cache-Control: no-store`): the URL is a bearer link while it lives.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id"), PdfQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Presigned URL", body = Data<PdfDownload>),
        (status = 302, description = "Redirect to the presigned URL (`redirect=true`)"),
        (status = 400, description = "`redirect` is neither true nor false", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not finalized", body = ErrorEnvelope),
        (status = 503, description = "S3 unavailable", body = ErrorEnvelope)))]
async fn pdf(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<PdfQuery>,
    Query(q): Query<PdfQuery>,
) -> Result<axum::response::Response> {
    let redirect = redirect_flag(q.redirect.as_deref())?;
    let download = state
        .invoice_service()
        .pdf(invoice_id(&id)?, chrono::Utc::now())
        .await?;
    let url = download.url.clone();
    Ok(presigned_answer(download, &url, redirect))
}

/// A presigned download (at most 15 minutes) of the act of completed work of an issued
/// invoice (акт выполненных работ, bajarilgan ishlar dalolatnomasi) as PDF in the invoice's
/// language: both parties, the client's contract, the period, the services, totals with
/// VAT and the UZS equivalent, signature and stamp lines. Stored once beside the invoice's
/// PDF; the same invoice gives the same bytes. A draft or a void invoice is 409.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/act", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id"), PdfQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Presigned URL", body = Data<PdfDownload>),
        (status = 302, description = "Redirect to the presigned URL (`redirect=true`)"),
        (status = 400, description = "`redirect` is neither true nor false", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "A draft or a void invoice", body = ErrorEnvelope),
        (status = 503, description = "S3 unavailable", body = ErrorEnvelope)))]
async fn act(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<PdfQuery>,
    Query(q): Query<PdfQuery>,
) -> Result<axum::response::Response> {
    let redirect = redirect_flag(q.redirect.as_deref())?;
    let download = state
        .invoice_service()
        .act(invoice_id(&id)?, chrono::Utc::now())
        .await?;
    let url = download.url.clone();
    Ok(presigned_answer(download, &url, redirect))
}

proxima::function_routes! {
    "/api/v1/invoices/prefill" => post(prefill);
    "/api/v1/invoices/generate" => post(idempotent(generate));
    "/api/v1/invoices/generate-bulk" => post(idempotent(generate_bulk));
    "/api/v1/invoices" => get(list_invoices);
    "/api/v1/invoices/{id}" => get(get_invoice), patch(patch_invoice), delete(delete_invoice);
    "/api/v1/invoices/{id}/line-items" => patch(patch_line_items);
    "/api/v1/invoices/{id}/regenerate" => put(regenerate);
    "/api/v1/invoices/{id}/edit-history" => get(edit_history);
    "/api/v1/invoices/{id}/finalize" => post(idempotent(finalize));
    "/api/v1/invoices/{id}/pdf" => get(pdf);
    "/api/v1/invoices/{id}/act" => get(act);
    "/api/v1/invoices/{id}/payments" => post(idempotent(record_payment)), get(list_payments);
    "/api/v1/invoices/{id}/payments/{pid}" => delete(reverse_payment);
    "/api/v1/invoices/{id}/write-off" => post(idempotent(write_off));
    "/api/v1/invoices/{id}/apply-credit" => post(idempotent(apply_credit));
    "/api/v1/invoices/{id}/write-offs" => get(list_write_offs);
    "/api/v1/invoices/{id}/write-offs/{wid}" => delete(reverse_write_off);
    "/api/v1/invoices/{id}/void" => post(idempotent(void));
    "/api/v1/invoices/{id}/send" => post(idempotent(send_invoice));
    "/api/v1/invoices/{id}/remind" => post(idempotent(remind_invoice));
    "/api/v1/invoices/{id}/messages" => get(list_messages);
    "/api/v1/invoices/{id}/timesheet" => get(timesheet);
    "/api/v1/invoices/{id}/credit-notes" => post(idempotent(issue_credit_note));
    "/api/v1/credit-notes" => get(list_credit_notes);
    "/api/v1/credit-notes/{id}" => get(get_credit_note);
    "/api/v1/credit-notes/{id}/pdf" => get(credit_note_pdf);
    "/api/v1/month-end-runs" => get(list_month_end_runs);
    "/api/v1/month-end-runs/{period}" => get(get_month_end_run);
    "/api/v1/month-end-runs/{period}/clients" => get(list_month_end_run_clients);
    "/api/v1/reports/uninvoiced" => get(uninvoiced_work);
    "/api/v1/reports/fx-differences" => get(fx_differences);
    "/api/v1/reports/ar-aging" => get(ar_aging);
    "/api/v1/clients/{key}/payments" => post(idempotent(record_client_payment)), get(list_client_payments);
    "/api/v1/clients/{key}/refunds" => post(idempotent(record_refund)), get(list_refunds);
    "/api/v1/clients/{key}/balance" => get(client_balance);
    "/api/v1/clients/{key}/statement" => get(statement);
    "/api/v1/clients/{key}/statement/send" => post(idempotent(send_client_statement));
    "/api/v1/settings/reminders" => get(get_reminder_settings), put(put_reminder_settings);
    "/api/v1/reminder-runs/{date}" => get(get_reminder_run);
    "/api/v1/reminder-runs/{date}/invoices" => get(list_reminder_run_invoices);
}
