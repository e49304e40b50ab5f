//! Receivables routes: payments and their reversal, void, and deleting a draft. Handlers
//! translate HTTP to `proxima::invoice::collection` and back.

use super::{actor, invoice_id, tagged, with_etag};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use proxima::http::error::ErrorEnvelope;
use proxima::http::openapi::RequiredIfMatch;
use proxima::http::version::expected_version;
use proxima::http::{Admin, AuthUser, Data, InvoiceWriter, JsonBody, KnownQuery};
use proxima::invoice::receivables::{self, Payment, PaymentRequest};
use proxima::invoice::{Invoice, InvoiceHeader};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A payment and the invoice's amounts after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentAnswer {
    pub payment: Payment,
    pub invoice: InvoiceHeader,
}

/// Why (void, reversal).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// 1-500 characters, one line.
    pub reason: String,
}

/// A deleted draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub id: Uuid,
    pub deleted: bool,
}

fn answer(mut invoice: Invoice, payment: Payment) -> PaymentAnswer {
    receivables::present(&mut invoice.header, chrono::Utc::now());
    PaymentAnswer {
        payment,
        invoice: invoice.header,
    }
}

/// Record a payment on a finalized invoice: amount > 0 and at most the amount due, in the
/// invoice currency; `paid_on` not in the future (the client's time zone) nor before the
/// issue date. Nothing left due makes the invoice `paid`. Accountants and admins.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/payments", tag = "invoices",
    request_body = PaymentRequest,
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = Data<PaymentAnswer>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad payment (amount over what is due, dates)", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not finalized (draft, paid or void)", body = ErrorEnvelope)))]
pub async fn record_payment(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<PaymentRequest>,
) -> Result<impl IntoResponse> {
    let (invoice, payment) = state
        .invoice_service()
        .record_payment(invoice_id(&id)?, &req, &actor(&user))
        .await?;
    let answer = answer(invoice, payment);
    Ok(tagged(answer.invoice.version, Data::created(answer)))
}

/// Every payment of an invoice, reversed ones included, oldest first.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/payments", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 200, description = "Payments", body = Data<Vec<Payment>>),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
pub async fn list_payments(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery,
) -> Result<Data<Vec<Payment>>> {
    Ok(Data::ok(
        state.invoice_service().payments(invoice_id(&id)?).await?,
    ))
}

/// Reverse a payment (admins only), with a reason; the amounts follow and a `paid` invoice
/// is `finalized` again when something is due.
#[utoipa::path(delete, path = "/api/v1/invoices/{id}/payments/{pid}", tag = "invoices",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Invoice id"),
           ("pid" = Uuid, Path, description = "Payment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reversed", body = Data<PaymentAnswer>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "No reason", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such invoice or payment", body = ErrorEnvelope),
        (status = 409, description = "Already reversed, or the invoice is void", body = ErrorEnvelope)))]
pub async fn reverse_payment(
    Admin(user): Admin,
    State(state): State<AppState>,
    Path((id, pid)): Path<(String, String)>,
    JsonBody(req): JsonBody<ReasonRequest>,
) -> Result<impl IntoResponse> {
    let pid = Uuid::parse_str(&pid).map_err(|_| Error::not_found("payment"))?;
    let (invoice, payment) = state
        .invoice_service()
        .reverse_payment(invoice_id(&id)?, pid, &req.reason, &actor(&user))
        .await?;
    let answer = answer(invoice, payment);
    Ok(tagged(answer.invoice.version, Data::ok(answer)))
}

/// Void a finalized invoice with no payments and no credit notes. The number stays used
/// and the PDF as issued; the client and period may be invoiced again.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/void", tag = "invoices",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Voided", body = Data<Invoice>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "No reason", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not finalized, or it has payments or credit notes", body = ErrorEnvelope)))]
pub async fn void(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<ReasonRequest>,
) -> Result<impl IntoResponse> {
    let invoice = state
        .invoice_service()
        .void(invoice_id(&id)?, &req.reason, &actor(&user))
        .await?;
    Ok(with_etag(invoice, StatusCode::OK))
}

/// Delete a draft at the version in `If-Match`; its client and period may be generated
/// again, and its edit history stays readable. Anything but a draft is 409.
#[utoipa::path(delete, path = "/api/v1/invoices/{id}", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id"), RequiredIfMatch),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = Data<Deleted>),
        (status = 400, description = "No If-Match", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not a draft, or a stale version", body = ErrorEnvelope)))]
pub async fn delete_invoice(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Data<Deleted>> {
    let id = invoice_id(&id)?;
    let version = expected_version(&headers, None)?;
    state
        .invoice_service()
        .delete_draft(id, version, &actor(&user))
        .await?;
    Ok(Data::ok(Deleted { id, deleted: true }))
}
