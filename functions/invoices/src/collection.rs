//! Receivables routes: payments, write-offs and their reversal, void, and deleting a draft. Handlers
//! translate HTTP to `proxima::invoice::collection` and back.

use super::{actor, invoice_id, tagged, with_etag};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use proxima::domain::invoice::write_off::{WriteOff, WriteOffRequest};
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

/// A write-off and the invoice's amounts after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WriteOffAnswer {
    pub write_off: WriteOff,
    pub invoice: InvoiceHeader,
}

fn write_off_answer(mut invoice: Invoice, write_off: WriteOff) -> WriteOffAnswer {
    receivables::present(&mut invoice.header, chrono::Utc::now());
    WriteOffAnswer {
        write_off,
        invoice: invoice.header,
    }
}

/// Write off part (or all) of what is due on a finalized invoice, without money: `reason`
/// `bank_fee`, `fx_rounding`, `bad_debt` or `other`; amount > 0 and at most the amount due.
/// Accountants while the invoice's write-offs stay within the tolerance of its currency in
/// all (`WRITE_OFF_TOLERANCE`, default 50.00 USD/EUR, 500 000.00 UZS; 403 past it), admins
/// any amount. Nothing left due makes the invoice `paid`.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/write-off", tag = "invoices",
    request_body = WriteOffRequest,
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Written off", body = Data<WriteOffAnswer>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad amount (over what is due, decimals), reason or note", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer, or an accountant above the tolerance", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not finalized (draft, paid or void)", body = ErrorEnvelope)))]
pub async fn write_off(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<WriteOffRequest>,
) -> Result<impl IntoResponse> {
    let admin = user.role == proxima::domain::Role::Admin;
    let (invoice, write_off) = state
        .invoice_service()
        .write_off(invoice_id(&id)?, &req, admin, &actor(&user))
        .await?;
    let answer = write_off_answer(invoice, write_off);
    Ok(tagged(answer.invoice.version, Data::created(answer)))
}

/// Every write-off of an invoice, reversed ones included, oldest first.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/write-offs", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Write-offs", body = Data<Vec<WriteOff>>),
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
pub async fn list_write_offs(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery,
) -> Result<Data<Vec<WriteOff>>> {
    Ok(Data::ok(
        state.invoice_service().write_offs(invoice_id(&id)?).await?,
    ))
}

/// Reverse a write-off (admins only), with a reason: the amount counts as owed again (due
/// again, a `paid` invoice `finalized` again; after a credit note, less overpaid).
#[utoipa::path(delete, path = "/api/v1/invoices/{id}/write-offs/{wid}", tag = "invoices",
    request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "Invoice id"),
           ("wid" = Uuid, Path, description = "Write-off id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reversed", body = Data<WriteOffAnswer>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "No reason", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "No such invoice or write-off", body = ErrorEnvelope),
        (status = 409, description = "Already reversed, or the invoice is void", body = ErrorEnvelope)))]
pub async fn reverse_write_off(
    Admin(user): Admin,
    State(state): State<AppState>,
    Path((id, wid)): Path<(String, String)>,
    JsonBody(req): JsonBody<ReasonRequest>,
) -> Result<impl IntoResponse> {
    let wid = Uuid::parse_str(&wid).map_err(|_| Error::not_found("write-off"))?;
    let (invoice, write_off) = state
        .invoice_service()
        .reverse_write_off(invoice_id(&id)?, wid, &req.reason, &actor(&user))
        .await?;
    let answer = write_off_answer(invoice, write_off);
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

/// Credit applied to an invoice: the payment (method `credit_balance`), the invoice's
/// amounts after it and the client's credit balance left in the invoice's currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditApplication {
    pub payment: Payment,
    pub invoice: InvoiceHeader,
    #[schema(value_type = String, format = "decimal", example = "0.00")]
    pub credit_balance: rust_decimal::Decimal,
}

/// Pay part (or all) of what is due on a finalized invoice from the client's credit
/// balance in the invoice's currency: never more than the credit balance or the amount due
/// (400). Recorded as a payment of method `credit_balance` (an admin reverses it like any
/// payment; the amount goes back to the credit balance). Accountants and admins.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/apply-credit", tag = "invoices",
    request_body = proxima::domain::ledger::client_payment::ApplyCreditRequest,
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Applied", body = Data<CreditApplication>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad amount (above the credit balance or what is due, decimals)", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "A viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not finalized (draft, paid or void)", body = ErrorEnvelope)))]
pub async fn apply_credit(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<proxima::domain::ledger::client_payment::ApplyCreditRequest>,
) -> Result<impl IntoResponse> {
    let (mut invoice, (payment, credit_balance)) = state
        .invoice_service()
        .apply_credit(invoice_id(&id)?, &req, &actor(&user))
        .await?;
    receivables::present(&mut invoice.header, chrono::Utc::now());
    let version = invoice.header.version;
    Ok(tagged(
        version,
        Data::created(CreditApplication {
            payment,
            invoice: invoice.header,
            credit_balance,
        }),
    ))
}
