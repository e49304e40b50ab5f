//! The act of completed work of an issued invoice: rendered from the stored invoice only
//! (the same bytes every time), stored once in the archive beside the invoice's PDF
//! (`invoices/<year>/<number>-act.pdf`), handed out as a presigned URL with the stored
//! bytes' hash and size, and attached to e-mails when asked.

use super::archive::{self, PDF};
use super::finalize::{Issuing, PdfDownload, issued_invoice, issuer_of};
use crate::domain::invoice::model::{Invoice, InvoiceStatus};
use crate::pdf::act::render_act;
use crate::ports::DocumentStore;
use crate::{Error, Result};
use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

/// `INV-2026-00042-act.pdf`.
pub fn file_name(invoice: &Invoice) -> String {
    let name = invoice
        .header
        .number
        .clone()
        .unwrap_or_else(|| invoice.header.id.to_string());
    format!("{name}-act.pdf")
}

/// Where the act lives in the archive: beside the invoice's PDF.
fn key(invoice: &Invoice) -> String {
    format!(
        "invoices/{}/{}",
        invoice.header.issue_date.year(),
        file_name(invoice)
    )
}

/// Render the act off the async threads.
async fn render(invoice: &Invoice, issuer: &crate::domain::issuer::Issuer) -> Result<Vec<u8>> {
    let (invoice, issuer) = (invoice.clone(), issuer.clone());
    archive::rendered(move || render_act(&invoice, &issuer)).await
}

/// An invoice that has an act: issued (finalized or paid); 404 unknown, 409 for a draft,
/// for a void invoice and for one credited in full (its services are not billed). A partly
/// credited invoice's act states the invoice as issued; its credit notes are documents of
/// their own.
async fn invoice_with_act(deps: Issuing<'_>, id: Uuid) -> Result<Invoice> {
    let invoice = issued_invoice(deps.invoices, id, "act of completed work").await?;
    let h = &invoice.header;
    if h.status == InvoiceStatus::Void {
        return Err(Error::Conflict(
            "a void invoice has no act of completed work: its services are not billed".into(),
        ));
    }
    if h.amount_credited >= h.total {
        return Err(Error::Conflict(
            "an invoice credited in full has no act of completed work: its services are not \
             billed"
                .into(),
        ));
    }
    Ok(invoice)
}

/// A presigned download of the act of an issued invoice, stored first if it is not yet.
pub async fn act_download(
    deps: Issuing<'_>,
    id: Uuid,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<PdfDownload> {
    let invoice = invoice_with_act(deps, id).await?;
    // The facts of the bytes in the archive (a later release may word acts differently:
    // the stored one stays the act, and its own hash is what is reported).
    let bytes = archived_act(deps.documents, &invoice, deps.issuer).await?;
    let key = key(&invoice);
    let filename = file_name(&invoice);
    let (url, expires_at) =
        archive::presigned(deps.documents, &key, &filename, PDF, ttl_secs, now).await?;
    Ok(PdfDownload {
        url,
        expires_at,
        filename,
        sha256: crate::pdf::sha256_hex(&bytes),
        size_bytes: bytes.len() as u64,
    })
}

/// The act's bytes as archived: from the archive, else rendered and stored once (of two
/// first requests at once, both render the same bytes and one stores them).
pub(super) async fn archived_act(
    documents: &dyn DocumentStore,
    invoice: &Invoice,
    configured_issuer: &crate::domain::issuer::Issuer,
) -> Result<Vec<u8>> {
    let issuer = issuer_of(invoice, configured_issuer);
    archive::archived(documents, &key(invoice), PDF, render(invoice, issuer)).await
}
