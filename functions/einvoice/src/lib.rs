//! E-invoice function: the EN 16931 e-invoice downloads (UBL 2.1, UN/CEFACT CII D16B,
//! Factur-X EN 16931) of issued invoices and credit notes, served like their PDFs. A function
//! of its own so that the e-invoice stack is linked here and not into `invoices`.

use axum::extract::{Path, Query, State};
use proxima::einvoice::Format;
use proxima::http::download::{path_id, presigned_answer, redirect_flag};
use proxima::http::error::ErrorEnvelope;
use proxima::http::{AuthUser, Data, KnownQuery};
use proxima::invoice::einvoice_download::EInvoiceDownload;
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::Deserialize;
use utoipa::IntoParams;

/// `GET /invoices/{id}/einvoice` and `GET /credit-notes/{id}/einvoice` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EInvoiceQuery {
    /// `ubl` (UBL 2.1), `cii` (UN/CEFACT CII D16B) or `facturx` (Factur-X EN 16931: PDF/A-3
    /// with the CII embedded as `factur-x.xml`).
    #[param(required = true, schema_with = format_schema)]
    pub format: Option<String>,
    /// `true`: answer 302 to the presigned URL instead of JSON.
    #[param(schema_with = proxima::http::openapi::boolean)]
    pub redirect: Option<String>,
}

fn format_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["ubl", "cii", "facturx"]))
        .build()
}

impl EInvoiceQuery {
    /// The format and whether to redirect; 400 naming the field otherwise.
    fn parse(&self) -> Result<(Format, bool)> {
        let format = match self.format.as_deref() {
            None => return Err(Error::field("format", "is required: ubl, cii or facturx")),
            Some(f) => Format::parse(f)
                .ok_or_else(|| Error::field("format", "must be ubl, cii or facturx"))?,
        };
        Ok((format, redirect_flag(self.redirect.as_deref())?))
    }
}

/// Whose e-invoice is asked for.
#[derive(Clone, Copy)]
enum Issued {
    Invoice,
    CreditNote,
}

/// The e-invoice of the invoice or credit note `raw_id` as asked by `q`: the presigned URL
/// as JSON, or a 302 to it; never cached (the URL is a bearer link while it lives).
async fn download(
    state: &AppState,
    issued: Issued,
    raw_id: &str,
    q: &EInvoiceQuery,
) -> Result<axum::response::Response> {
    let (format, redirect) = q.parse()?;
    let service = state.invoice_service();
    let now = chrono::Utc::now();
    let download = match issued {
        Issued::Invoice => {
            let id = path_id(raw_id, "invoice")?;
            service.einvoice(id, format, now).await?
        }
        Issued::CreditNote => {
            let id = path_id(raw_id, "credit note")?;
            service.credit_note_einvoice(id, format, now).await?
        }
    };
    let url = download.url.clone();
    Ok(presigned_answer(download, &url, redirect))
}

/// A presigned download (at most 15 minutes) of a finalized, paid or void invoice's
/// EN 16931 e-invoice. The document is made from what the invoice recorded at finalize
/// (issuer, buyer data, lines), so it is the same bytes every time; it is stored once in the
/// archive bucket. A draft is 409; an invoice lacking what the norm requires (e.g. the
/// issuer's VAT id, BT-31) is 400 `VALIDATION_ERROR` naming the business terms.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/einvoice", tag = "invoices",
    params(("id" = Uuid, Path, description = "Invoice id"), EInvoiceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Presigned URL", body = Data<EInvoiceDownload>),
        (status = 302, description = "Redirect to the presigned URL (`redirect=true`)"),
        (status = 400, description = "Bad `format` or `redirect`, or data EN 16931 requires is missing (details name the BT-xx)", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such invoice", body = ErrorEnvelope),
        (status = 409, description = "Not finalized", body = ErrorEnvelope),
        (status = 503, description = "S3 unavailable", body = ErrorEnvelope)))]
async fn invoice_einvoice(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<EInvoiceQuery>,
    Query(q): Query<EInvoiceQuery>,
) -> Result<axum::response::Response> {
    download(&state, Issued::Invoice, &id, &q).await
}

/// A presigned download (at most 15 minutes) of a credit note's EN 16931 e-invoice: UBL
/// `CreditNote` or CII type 381, citing the credited invoice's number (BT-25). Stored once,
/// the same bytes every time; missing data is 400 naming the business terms.
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}/einvoice", tag = "invoices",
    params(("id" = Uuid, Path, description = "Credit note id"), EInvoiceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Presigned URL", body = Data<EInvoiceDownload>),
        (status = 302, description = "Redirect to the presigned URL (`redirect=true`)"),
        (status = 400, description = "Bad `format` or `redirect`, or data EN 16931 requires is missing (details name the BT-xx)", body = ErrorEnvelope),
        (status = 401, description = "No or bad token", body = ErrorEnvelope),
        (status = 404, description = "No such credit note", body = ErrorEnvelope),
        (status = 503, description = "S3 unavailable", body = ErrorEnvelope)))]
async fn credit_note_einvoice(
    _user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _known: KnownQuery<EInvoiceQuery>,
    Query(q): Query<EInvoiceQuery>,
) -> Result<axum::response::Response> {
    download(&state, Issued::CreditNote, &id, &q).await
}

proxima::function_routes! {
    "/api/v1/invoices/{id}/einvoice" => get(invoice_einvoice);
    "/api/v1/credit-notes/{id}/einvoice" => get(credit_note_einvoice);
}
