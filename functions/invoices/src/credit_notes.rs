//! Credit notes: issue one against a finalized invoice, list, read, and download the PDF.
//! Handlers translate HTTP to `proxima::invoice::credit_notes_service` and back.

use axum::extract::{Path, Query, State};
use proxima::domain::client::check_key;
use proxima::http::download::{path_id, presigned_answer, redirect_flag};
use proxima::http::error::ErrorEnvelope;
use proxima::http::pagination::PaginationParams;
use proxima::http::{AuthUser, Data, InvoiceWriter, JsonBody, KnownQuery, Paged, Pagination};
use proxima::invoice::credit_note::{CreditNote, CreditNoteRequest};
use proxima::invoice::credit_notes_service::{CreditNoteSummary, IssuedCreditNote};
use proxima::invoice::drafting::Actor;
use proxima::invoice::finalize::PdfDownload;
use proxima::ports::CreditNoteFilter;
use proxima::state::AppState;
use proxima::{Error, FieldError, Result};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Issue a credit note against a finalized (or paid) invoice: `{"reason", "lines": [...]}`
/// or `{"reason", "full": true}`. It takes the next gapless number of its year
/// (`CN-YYYY-NNNNN`), gets a PDF citing the invoice, and lowers the invoice's amount due in
/// the same transaction; the invoice becomes `paid` when nothing is due. The credit notes
/// of an invoice never add up to more than its total (400 on `lines`).
#[utoipa::path(post, path = "/api/v1/invoices/{id}/credit-notes", tag = "invoices",
    request_body = CreditNoteRequest,
    params(("id" = Uuid, Path, description = "Invoice id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Issued: the note and the invoice after it", body = Data<IssuedCreditNote>, headers(("ETag" = String, description = "The invoice version, quoted (`\"3\"`): send it back as `If-Match`"))),
        (status = 400, description = "Bad body, or more than remains to credit (`lines`)", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 403, description = "Viewer", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "The invoice is a draft or void", body = ErrorEnvelope)))]
pub async fn issue_credit_note(
    InvoiceWriter(user): InvoiceWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<CreditNoteRequest>,
) -> Result<impl axum::response::IntoResponse> {
    let id = path_id(&id, "invoice")?;
    let actor = Actor {
        name: user.email.clone(),
        now: chrono::Utc::now(),
    };
    let issued = state
        .invoice_service()
        .issue_credit_note(id, &req, &actor)
        .await?;
    Ok(super::tagged(issued.invoice.version, Data::created(issued)))
}

/// Filters of the credit-note list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreditNoteListFilter {
    /// Only the notes of this invoice (a UUID).
    #[param(value_type = Option<String>, format = Uuid)]
    pub invoice_id: Option<String>,
    /// A client key; empty means every client.
    #[param(schema_with = proxima::http::openapi::client_key_filter)]
    pub client_key: Option<String>,
}

impl CreditNoteListFilter {
    fn parse(self) -> Result<CreditNoteFilter> {
        let mut errors = Vec::new();
        let invoice_id = self.invoice_id.and_then(|i| {
            Uuid::parse_str(&i)
                .map_err(|_| errors.push(FieldError::new("invoice_id", "must be a UUID")))
                .ok()
        });
        let client_key = self.client_key.filter(|c| !c.is_empty());
        if let Some(key) = &client_key
            && let Err(Error::Validation { details, .. }) = check_key("client_key", key)
        {
            errors.extend(details);
        }
        if !errors.is_empty() {
            return Err(Error::fields(errors));
        }
        Ok(CreditNoteFilter {
            invoice_id,
            client_key,
        })
    }
}

/// Credit notes, newest first, without lines.
#[utoipa::path(get, path = "/api/v1/credit-notes", tag = "invoices",
    params(CreditNoteListFilter, PaginationParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of credit notes", body = Paged<CreditNoteSummary>),
        (status = 400, description = "Bad filter or pagination", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope)))]
pub async fn list_credit_notes(
    _user: AuthUser,
    State(state): State<AppState>,
    _known: KnownQuery<CreditNoteListFilter, PaginationParams>,
    Query(filter): Query<CreditNoteListFilter>,
    Pagination(page): Pagination,
) -> Result<Paged<CreditNoteSummary>> {
    let filter = filter.parse()?;
    Ok(state
        .invoice_service()
        .credit_notes(&filter, page)
        .await?
        .into())
}

/// One credit note with its lines.
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}", tag = "invoices",
    params(("id" = Uuid, Path, description = "Credit note id")),
    security(("bearer" = [])),
    responses(
        (status = 400, description = "An unknown query parameter", body = ErrorEnvelope),
        (status = 200, description = "The credit note", body = Data<CreditNote>),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such credit note", body = ErrorEnvelope)))]
pub async fn get_credit_note(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery,
) -> Result<Data<CreditNote>> {
    let id = path_id(&id, "credit note")?;
    Ok(Data::ok(state.invoice_service().credit_note(id).await?))
}

/// `GET /credit-notes/{id}/pdf` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreditNotePdfQuery {
    /// `true`: answer 302 to the presigned URL instead of JSON.
    #[param(schema_with = proxima::http::openapi::boolean)]
    pub redirect: Option<String>,
}

/// A presigned download (at most 15 minutes) of a credit note's PDF, served with
/// `Content-Disposition: attachment; filename="CN-….pdf"`; never cached. A PDF missing from
/// S3 is rendered again, byte-identical.
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}/pdf", tag = "invoices",
    params(("id" = Uuid, Path, description = "Credit note id"), CreditNotePdfQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Presigned URL", body = Data<PdfDownload>),
        (status = 302, description = "Redirect to the presigned URL (`redirect=true`)"),
        (status = 400, description = "`redirect` is neither true nor false", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such credit note", body = ErrorEnvelope),
        (status = 503, description = "S3 unavailable", body = ErrorEnvelope)))]
pub async fn credit_note_pdf(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<CreditNotePdfQuery>,
    Query(q): Query<CreditNotePdfQuery>,
) -> Result<axum::response::Response> {
    let redirect = redirect_flag(q.redirect.as_deref())?;
    let download = state
        .invoice_service()
        .credit_note_pdf(path_id(&id, "credit note")?, chrono::Utc::now())
        .await?;
    let url = download.url.clone();
    Ok(presigned_answer(download, &url, redirect))
}
