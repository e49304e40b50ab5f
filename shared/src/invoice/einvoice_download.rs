//! Handing out the e-invoice (UBL, CII, Factur-X) of an issued invoice or a credit note, like
//! its PDF: rendered from the stored document on its first request, stored once in the
//! documents bucket under its own key (`If-None-Match`), and served as a presigned URL with
//! the stored bytes' SHA-256 and size.

use super::archive;
use super::finalize::issued_invoice;
use crate::einvoice::{self, Format};
use crate::ports::{CreditNoteStore, DocumentStore, InvoiceStore};
use crate::{Error, Result};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
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
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub expires_at: DateTime<Utc>,
    pub format: Format,
    #[schema(example = "INV-2026-00042.ubl.xml")]
    pub filename: String,
    /// `application/xml` (UBL, CII) or `application/pdf` (Factur-X).
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: u64,
}

/// Store (once) and hand out.
async fn serve<F>(
    documents: &dyn DocumentStore,
    key: String,
    filename: String,
    format: Format,
    render: F,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<EInvoiceDownload>
where
    F: FnOnce() -> Result<Vec<u8>> + Send + 'static,
{
    let content_type = format.content_type();
    // The stored document's own facts: an e-invoice stored by an earlier release (before
    // BT-6, say) stays what was issued, and its hash is what is reported.
    let bytes = archive::archived(documents, &key, content_type, archive::rendered(render)).await?;
    let (url, expires_at) =
        archive::presigned(documents, &key, &filename, content_type, ttl_secs, now).await?;
    Ok(EInvoiceDownload {
        url,
        expires_at,
        format,
        filename,
        content_type: content_type.into(),
        sha256: crate::pdf::sha256_hex(&bytes),
        size_bytes: bytes.len() as u64,
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
    let invoice = issued_invoice(deps.invoices, id, "e-invoice").await?;
    let number = invoice
        .header
        .number
        .clone()
        .ok_or_else(|| Error::Internal("issued invoice without number".into()))?;
    let filename = einvoice::file_name(&number, format);
    let key = format!("invoices/{}/{filename}", invoice.header.issue_date.year());
    let render = move || einvoice::render_invoice(&invoice, format);
    serve(deps.documents, key, filename, format, render, ttl_secs, now).await
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
    let filename = einvoice::file_name(&note.number, format);
    let key = format!("credit-notes/{}/{filename}", note.issue_date.year());
    let render = move || einvoice::render_credit_note(&note, format);
    serve(deps.documents, key, filename, format, render, ttl_secs, now).await
}
