//! Client accounts: transfers over several invoices (`POST /clients/{key}/payments`),
//! refunds of credit balance, the balance per currency and the statement of account.
//! Handlers translate HTTP to `proxima::ledger` and back.

use axum::extract::{Path, Query, State};
use proxima::domain::client::check_key;
use proxima::domain::ledger::client_payment::{ClientPayment, Refund};
use proxima::domain::ledger::client_payment::{ClientPaymentRequest, RefundRequest};
use proxima::domain::ledger::statement::Statement;
use proxima::domain::request_values::query_date;
use proxima::http::{AuthUser, Data, InvoiceWriter, JsonBody, KnownQuery};
use proxima::invoice::finalize::PdfDownload;
use proxima::ledger::reports::{Balance, balances, client_statement};
use proxima::ledger::statement_documents::{
    SentStatement, StatementRange, send_statement, statement_pdf,
};
use proxima::ledger::transfers::{
    RecordedRefund, RecordedTransfer, record_transfer, refund, refunds_of, transfers_of,
};
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ErrorEnvelope = proxima::http::error::ErrorEnvelope;

/// Record a transfer from the client: `allocations` pay up to 5 of its finalized invoices
/// in the transfer's currency (each at most its amount due; each becomes a payment of its
/// invoice), and what is left becomes the client's credit balance in that currency. A bad
/// allocation (another client's invoice, a draft or void one, another currency, above what
/// is due, the same invoice twice) is 400 naming `allocations[i]`, and nothing is stored.
/// Accountants and admins; `Idempotency-Key` replays the first answer.
#[utoipa::path(post, path = "/api/v1/clients/{key}/payments", tag = "accounts",
    request_body = ClientPaymentRequest,
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded: the transfer, the invoices after it, the balance", body = Data<RecordedTransfer>),
        (status = 400, description = "Bad amount, currency, day, method or allocation", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "A viewer", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope),
        (status = 409, description = "No Central Bank rate for the day (a currency other than UZS)", body = ErrorEnvelope)))]
pub async fn record_client_payment(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonBody(req): JsonBody<ClientPaymentRequest>,
) -> Result<Data<RecordedTransfer>> {
    check_key("key", &key)?;
    Ok(Data::created(
        record_transfer(
            state.stores(),
            state.rates.as_ref(),
            &key,
            &req,
            &super::actor(&user),
        )
        .await?,
    ))
}

/// Pay back part of the client's credit balance in a currency (never more than it).
/// Accountants and admins; `Idempotency-Key` replays the first answer.
#[utoipa::path(post, path = "/api/v1/clients/{key}/refunds", tag = "accounts",
    request_body = RefundRequest,
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded: the refund and the balance after it", body = Data<RecordedRefund>),
        (status = 400, description = "Bad amount (above the credit balance), currency, day or method", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "A viewer", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
pub async fn record_refund(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonBody(req): JsonBody<RefundRequest>,
) -> Result<Data<RecordedRefund>> {
    check_key("key", &key)?;
    Ok(Data::created(
        refund(
            state.stores(),
            state.rates.as_ref(),
            &key,
            &req,
            &super::actor(&user),
        )
        .await?,
    ))
}

/// The client's transfers (`POST /clients/{key}/payments`), oldest first, with their
/// allocations and what went to the credit balance. Any role.
#[utoipa::path(get, path = "/api/v1/clients/{key}/payments", tag = "accounts",
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The transfers", body = Data<Vec<ClientPayment>>),
        (status = 400, description = "Malformed key or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
pub async fn list_client_payments(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    _known: KnownQuery,
) -> Result<Data<Vec<ClientPayment>>> {
    check_key("key", &key)?;
    Ok(Data::ok(transfers_of(state.stores(), &key).await?))
}

/// The client's refunds, oldest first. Any role.
#[utoipa::path(get, path = "/api/v1/clients/{key}/refunds", tag = "accounts",
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The refunds", body = Data<Vec<Refund>>),
        (status = 400, description = "Malformed key or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
pub async fn list_refunds(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    _known: KnownQuery,
) -> Result<Data<Vec<Refund>>> {
    check_key("key", &key)?;
    Ok(Data::ok(refunds_of(state.stores(), &key).await?))
}

/// The client's balance per currency: what its issued invoices have due (`outstanding`),
/// the part past due (`overdue`), its `credit_balance` and `balance = outstanding -
/// credit_balance`. Every currency it has an account or an open invoice in, and its own.
/// Any role.
#[utoipa::path(get, path = "/api/v1/clients/{key}/balance", tag = "accounts",
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The balance per currency", body = Data<Vec<Balance>>),
        (status = 400, description = "Malformed key or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope)))]
pub async fn client_balance(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    _known: KnownQuery,
) -> Result<Data<Vec<Balance>>> {
    check_key("key", &key)?;
    Ok(Data::ok(
        balances(state.stores(), &key, chrono::Utc::now()).await?,
    ))
}

/// Which part of the account a statement shows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// First day, `YYYY-MM-DD` (UTC; default: 1 January of `to`'s year).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC; default: today).
    pub to: Option<String>,
    /// ISO 4217 (default: the client's currency).
    pub currency: Option<String>,
    /// `json` (default): the statement; `pdf`: a presigned download of its PDF.
    pub format: Option<String>,
}

/// A statement, or the download of its PDF (`format=pdf`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum StatementAnswer {
    Statement(Statement),
    Pdf(PdfDownload),
}

/// The statement of account (акт сверки) of the client in one currency: the opening
/// balance at the start of `from`, every entry booked from `from` to `to` with its running
/// balance, the totals and the closing balance. Read from the ledger: one query for the
/// opening balance and one for the range. `format=pdf`: its PDF in the client's language
/// (en "Statement of account", ru "Акт сверки взаимных расчётов", uz "Oʻzaro
/// hisob-kitoblarni solishtirish dalolatnomasi"), presigned. Any role.
#[utoipa::path(get, path = "/api/v1/clients/{key}/statement", tag = "accounts",
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$"), StatementQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The statement (`format=json`) or its PDF's download (`format=pdf`)", body = Data<StatementAnswer>),
        (status = 400, description = "A bad day, currency or format, or an unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope),
        (status = 503, description = "S3 unavailable (`format=pdf`)", body = ErrorEnvelope)))]
pub async fn statement(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(key): Path<String>,
    _known: KnownQuery<StatementQuery>,
    Query(q): Query<StatementQuery>,
) -> Result<Data<StatementAnswer>> {
    check_key("key", &key)?;
    let now = chrono::Utc::now();
    let range = StatementRange {
        from: query_date("from", q.from.as_deref())?,
        to: query_date("to", q.to.as_deref())?,
        currency: q.currency,
    };
    match q.format.as_deref() {
        None | Some("json") => {
            let (from, to) = range.days(now);
            let (_, s) = client_statement(
                state.stores(),
                &key,
                range.currency.as_deref(),
                from,
                to,
                now,
            )
            .await?;
            Ok(Data::ok(StatementAnswer::Statement(s)))
        }
        Some("pdf") => Ok(Data::ok(StatementAnswer::Pdf(
            statement_pdf(state.statement_documents(), &key, &range, now).await?,
        ))),
        Some(_) => Err(Error::field("format", "must be json or pdf")),
    }
}

/// E-mail the statement of account (its PDF, in the client's language) to the client's
/// billing address. The body names the range and currency (all optional: this year to
/// today, the client's currency). Counts against the sender's daily e-mail limit (429).
/// Accountants and admins; `Idempotency-Key` replays the first answer.
#[utoipa::path(post, path = "/api/v1/clients/{key}/statement/send", tag = "accounts",
    request_body = StatementRange,
    params(("key" = String, Path, description = "Client key, e.g. ACME", pattern = "^[A-Z0-9_-]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Handed to the mail service", body = Data<SentStatement>),
        (status = 400, description = "A bad day or currency", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "A viewer", body = ErrorEnvelope),
        (status = 404, description = "No such client", body = ErrorEnvelope),
        (status = 409, description = "The client's e-mail cannot be sent to", body = ErrorEnvelope),
        (status = 429, description = "The daily e-mail limit is reached", body = ErrorEnvelope),
        (status = 503, description = "Mail not configured or the mail service did not accept it", body = ErrorEnvelope)))]
pub async fn send_client_statement(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(key): Path<String>,
    JsonBody(range): JsonBody<StatementRange>,
) -> Result<Data<SentStatement>> {
    check_key("key", &key)?;
    Ok(Data::created(
        send_statement(
            state.statement_documents(),
            &key,
            &range,
            &super::actor(&user),
        )
        .await?,
    ))
}
