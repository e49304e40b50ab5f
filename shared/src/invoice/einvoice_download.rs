//! Handing out the e-invoice (UBL, CII, Factur-X) of an issued invoice or a credit note, like
//! its PDF: rendered from the stored document (the same bytes every time), stored once in
//! the documents bucket under its own key (`If-None-Match`), and served as a presigned URL
//! with its SHA-256 and size.

use super::lifecycle;
use crate::einvoice::{self, Format};
use crate::pdf::sha256_hex;
use crate::ports::{CreditNoteStore, DocumentStore, InvoiceStore};
use crate::{Error, Result};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use std::time::Duration as StdDuration;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the e-invoice downloads need.
#[derive(Clone, Copy)]
pub struct EInvoices<'a> {
    pub invoices: &'a dyn InvoiceStore,
    pub notes: &'a dyn CreditNoteStore,
    pub documents: &'a dyn DocumentStore,
}

/// A presigned download of an e-invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EInvoiceDownload {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub format: Format,
    #[schema(example = "INV-2026-00042.ubl.xml")]
    pub filename: String,
    /// `application/xml` (UBL, CII) or `application/pdf` (Factur-X).
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: u64,
}

/// Render off the async threads (a 1000-line Factur-X takes tens of milliseconds).
async fn rendered<F>(render: F) -> Result<Vec<u8>>
where
    F: FnOnce() -> Result<Vec<u8>> + Send + 'static,
{
    tokio::task::spawn_blocking(render)
        .await
        .map_err(|e| Error::Internal(format!("e-invoice task: {e}")))?
}

/// Store (once) and hand out.
async fn serve(
    documents: &dyn DocumentStore,
    key: String,
    filename: String,
    format: Format,
    bytes: Vec<u8>,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<EInvoiceDownload> {
    let sha256 = sha256_hex(&bytes);
    let size_bytes = bytes.len() as u64;
    documents
        .put_document(&key, bytes, format.content_type())
        .await?;
    let ttl = ttl_secs.min(crate::config::MAX_PDF_URL_TTL_SECS);
    let url = documents
        .presigned_document_url(
            &key,
            &filename,
            format.content_type(),
            StdDuration::from_secs(ttl),
        )
        .await?;
    Ok(EInvoiceDownload {
        url,
        expires_at: now + Duration::seconds(ttl as i64),
        format,
        filename,
        content_type: format.content_type().into(),
        sha256,
        size_bytes,
    })
}

/// The e-invoice of an issued invoice: 404 unknown, 409 draft, 400 naming the business
/// terms it lacks.
pub async fn invoice_einvoice(
    deps: EInvoices<'_>,
    id: Uuid,
    format: Format,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<EInvoiceDownload> {
    let invoice = deps
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    if !lifecycle::is_issued(invoice.header.status) {
        return Err(Error::Conflict(
            "a draft has no e-invoice; finalize it first".into(),
        ));
    }
    let number = invoice
        .header
        .number
        .clone()
        .ok_or_else(|| Error::Internal("issued invoice without number".into()))?;
    let key = format!(
        "invoices/{}/{}",
        invoice.header.issue_date.year(),
        einvoice::file_name(&number, format)
    );
    let bytes = rendered(move || einvoice::render_invoice(&invoice, format)).await?;
    serve(
        deps.documents,
        key,
        einvoice::file_name(&number, format),
        format,
        bytes,
        ttl_secs,
        now,
    )
    .await
}

/// The e-invoice of a credit note (UBL `CreditNote`, CII type 381 citing the invoice).
pub async fn credit_note_einvoice(
    deps: EInvoices<'_>,
    id: Uuid,
    format: Format,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<EInvoiceDownload> {
    let note = deps
        .notes
        .get_credit_note(id)
        .await?
        .ok_or_else(|| Error::not_found("credit note"))?;
    let key = format!(
        "credit-notes/{}/{}",
        note.issue_date.year(),
        einvoice::file_name(&note.number, format)
    );
    let filename = einvoice::file_name(&note.number, format);
    let bytes = rendered(move || einvoice::render_credit_note(&note, format)).await?;
    serve(deps.documents, key, filename, format, bytes, ttl_secs, now).await
}
