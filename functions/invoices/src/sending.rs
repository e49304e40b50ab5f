//! Sending invoices by e-mail and the record of what was sent. Handlers translate HTTP to
//! `proxima::invoice::sending` (through `InvoiceService`) and back.

use super::invoice_id;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use proxima::Result;
use proxima::domain::Role;
use proxima::http::error::ErrorEnvelope;
use proxima::http::idempotency::IDEMPOTENCY_KEY;
use proxima::http::json::OptionalJsonBody;
use proxima::http::{AuthUser, Data, InvoiceWriter, KnownQuery};
use proxima::invoice::InvoiceHeader;
use proxima::invoice::sending::{SendRequest, Sender, SentMessage};
use proxima::state::AppState;
use serde::Serialize;
use utoipa::ToSchema;

/// A sent e-mail and the invoice after it (`sent_at` set).
#[derive(Debug, Serialize, ToSchema)]
pub struct SendAnswer {
    pub message: SentMessage,
    pub invoice: InvoiceHeader,
}

/// E-mail an issued (finalized or paid) invoice with its PDF attached, through Amazon SES,
/// to `to` (default: the client's billing addresses, `email` and `billing_contacts`) and
/// `cc`, with an optional personal `message`. Only an admin may name addresses that are not
/// the client's billing addresses (403). The message is recorded (`GET .../messages`):
/// `pending` before SES is called, `sent` with `sent_at` and a history entry. A draft or a
/// void invoice is 409. Each user sends at most `SEND_LIMIT_PER_USER_PER_DAY` e-mails a day
/// (429). Send an `Idempotency-Key`: a retry with the same key answers the first result and
/// sends nothing again; when the first attempt's outcome was never seen (its message is
/// still `pending`) the retry is 409, never a second e-mail. Accountants and admins.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/send", tag = "invoices",
    request_body(content = Option<SendRequest>, description = "Optional"),
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Sent and recorded", body = Data<SendAnswer>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad recipients or message", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer, or a recipient that is not a billing address of the client (admins excepted)", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Draft or void, or an earlier attempt with this key is still pending", body = ErrorEnvelope),
        (status = 429, description = "The user's daily limit of e-mails is reached", body = ErrorEnvelope),
        (status = 503, description = "The mail service is unavailable; nothing was sent", body = ErrorEnvelope)))]
pub async fn send_invoice(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<SendRequest>,
) -> Result<impl axum::response::IntoResponse> {
    // The idempotency layer has checked the key's form already.
    let sender = Sender {
        may_send_anywhere: user.role == Role::Admin,
        idempotency_key: headers.get(&IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()),
    };
    let (mut invoice, message) = state
        .invoice_service()
        .send(
            invoice_id(&id)?,
            &body.unwrap_or_default(),
            &super::actor(&user),
            &sender,
        )
        .await?;
    proxima::invoice::receivables::present(&mut invoice.header, chrono::Utc::now());
    Ok(super::tagged(
        invoice.header.version,
        Data::created(SendAnswer {
            message,
            invoice: invoice.header,
        }),
    ))
}

/// The e-mails sent for an invoice, oldest first.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/messages", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Sent messages", body = Data<Vec<SentMessage>>),
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope)))]
pub async fn list_messages(
    _user: AuthUser,
    _known: KnownQuery,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Data<Vec<SentMessage>>> {
    Ok(Data::ok(
        state.invoice_service().messages(invoice_id(&id)?).await?,
    ))
}

/// E-mail a payment reminder of a finalized invoice with something due, now, whatever the
/// schedule says (also for a client whose scheduled reminders are paused): the invoice's
/// PDF attached, the amount still due and the due date in the client's language, to `to`
/// (default: the client's billing addresses) and `cc`, with an optional personal
/// `message`. Recorded as a message (`kind: reminder`, `step: null`) and announced as
/// `reminder.sent`; the invoice does not change. The recipients rule, the daily limit and
/// the `Idempotency-Key` behaviour are those of `POST .../send`. A draft, paid or void
/// invoice is 409. Accountants and admins.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/remind", tag = "invoices",
    request_body(content = Option<SendRequest>, description = "Optional"),
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Sent and recorded", body = Data<SentMessage>),
        (status = 400, description = "Bad recipients or message", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer, or a recipient that is not a billing address of the client (admins excepted)", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Draft, paid or void, or an earlier attempt with this key is still pending", body = ErrorEnvelope),
        (status = 429, description = "The user's daily limit of e-mails is reached", body = ErrorEnvelope),
        (status = 503, description = "The mail service is unavailable; nothing was sent", body = ErrorEnvelope)))]
pub async fn remind_invoice(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<SendRequest>,
) -> Result<Data<SentMessage>> {
    let sender = Sender {
        may_send_anywhere: user.role == Role::Admin,
        idempotency_key: headers.get(&IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()),
    };
    let message = state
        .invoice_service()
        .remind(
            invoice_id(&id)?,
            &body.unwrap_or_default(),
            &super::actor(&user),
            &sender,
        )
        .await?;
    Ok(Data::created(message))
}
