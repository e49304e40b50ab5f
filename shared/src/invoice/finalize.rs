//! Finalizing a draft (gapless yearly number, status flip and PDF facts in one transaction)
//! and handing out its PDF.

use super::archive::{self, PDF};
use super::write_loop::{Round, until_written};
use crate::domain::invoice::history::{Change, EditAction, HistoryEntry};
use crate::domain::invoice::lifecycle::{self, Action};
use crate::domain::invoice::model::{Invoice, InvoiceStatus, PdfInfo};
use crate::domain::invoice::receivables;
use crate::domain::issuer::Issuer;
use crate::events::{EventDetail, InvoiceFinalized};
use crate::pdf::{file_name, render_invoice, sha256_hex};
use crate::ports::{ClientStore, DocumentStore, FinalizeOutcome, InvoiceNumbering, InvoiceStore};
use crate::{Error, Result};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What finalizing and downloading need.
#[derive(Clone, Copy)]
pub struct Issuing<'a> {
    /// Read at finalize for the client's `locale`, the language the PDF is printed in, and
    /// the buyer data e-invoices need.
    pub clients: &'a dyn ClientStore,
    pub invoices: &'a dyn InvoiceStore,
    pub numbering: &'a dyn InvoiceNumbering,
    /// The client's account, where the invoice is booked.
    pub ledger: &'a dyn crate::ports::LedgerStore,
    pub documents: &'a dyn DocumentStore,
    pub issuer: &'a Issuer,
    /// The Central Bank rate of the issue date, for the UZS equivalent.
    pub rates: &'a dyn crate::ports::RateStore,
}

/// Whether `s` has the shape of an invoice number (`INV-YYYY-` and at least 5 digits).
pub fn looks_like_invoice_number(s: &str) -> bool {
    s.strip_prefix("INV-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(year, seq)| {
            year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && (5..=12).contains(&seq.len())
                && seq.bytes().all(|b| b.is_ascii_digit())
        })
}

/// `INV-2026-00042`.
pub fn invoice_number(year: i32, sequence: u64) -> String {
    format!("INV-{year}-{sequence:05}")
}

/// Where an invoice's PDF lives in the bucket.
pub fn pdf_key(invoice: &Invoice) -> String {
    format!(
        "invoices/{}/{}",
        invoice.header.issue_date.year(),
        file_name(invoice)
    )
}

/// The issuer a finalized invoice is printed with: the one recorded at its finalize, or
/// for invoices finalized before issuers were recorded, the configured one.
pub(super) fn issuer_of<'a>(invoice: &'a Invoice, configured: &'a Issuer) -> &'a Issuer {
    invoice.header.issuer.as_ref().unwrap_or(configured)
}

/// The language of a document for `invoice`'s client: the client's `locale` now; the
/// invoice's own if the client is gone; English for neither.
pub(super) async fn document_locale(
    clients: &dyn ClientStore,
    invoice: &Invoice,
) -> Result<crate::domain::Locale> {
    Ok(clients
        .get_client(&invoice.header.client_key)
        .await?
        .map(|c| c.locale)
        .or(invoice.header.locale)
        .unwrap_or_default())
}

/// Render off the async threads.
async fn render(invoice: &Invoice, issuer: &Issuer) -> Result<Vec<u8>> {
    let invoice = invoice.clone();
    let issuer = issuer.clone();
    archive::rendered(move || render_invoice(&invoice, &issuer)).await
}

/// Finalize a draft: take the next number of the issue date's year, render the PDF, and in
/// one transaction move the counter, flip the status, record the PDF's hash and size and
/// reserve the number. Then store the PDF; if S3 fails here the invoice is still wholly
/// finalized and the PDF is rendered again on its first download.
pub async fn finalize(
    deps: Issuing<'_>,
    id: Uuid,
    expected_version: Option<u64>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let before = deps
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    lifecycle::check(&before.header, Action::Finalize, expected_version)?;
    if before.line_items.is_empty() {
        return Err(Error::field(
            "line_items",
            "an invoice without lines cannot be finalized",
        ));
    }
    if before.header.total.is_zero() {
        return Err(Error::field(
            "line_items",
            "an invoice whose total is 0 cannot be finalized (nothing would be owed or paid)",
        ));
    }
    crate::domain::invoice::dates::check_dates(&before.header, now.date_naive())?;
    // The client as it is now: its locale (see `document_locale`) and the buyer data of the
    // e-invoice (see `ClientSnapshot`), in one read.
    let client = deps.clients.get_client(&before.header.client_key).await?;
    // A client changed since the draft (currency, VAT category) is refused as regenerate
    // refuses it, before a number is taken.
    if let Some(c) = &client {
        super::draft::check_client_fits(&before.header, c)?;
    }
    let locale = client
        .as_ref()
        .map(|c| c.locale)
        .or(before.header.locale)
        .unwrap_or_default();
    let accounting = accounting_of(deps, &before.header).await?;
    let year = before.header.issue_date.year();
    let (before, client, accounting) = (&before, &client, &accounting);
    until_written("invoice numbering is too contended", |_| async move {
        let sequence = deps.numbering.last_invoice_number(year).await? + 1;
        let number = invoice_number(year, sequence);
        let mut after = before.clone();
        after.header.status = InvoiceStatus::Finalized;
        after.header.number = Some(number.clone());
        after.header.finalized_at = Some(now);
        after.header.updated_at = now;
        after.header.version += 1;
        after.header.issuer = Some(deps.issuer.clone());
        after.header.locale = Some(locale);
        after.header.accounting = accounting.clone();
        if let Some(c) = &client {
            after.header.client.record_buyer_data(c);
        }
        // Stored with its receivables settled (a draft stores nothing due): the total is due.
        receivables::settle(&mut after.header);
        let bytes = render(&after, issuer_of(&after, deps.issuer)).await?;
        after.header.pdf = Some(PdfInfo {
            sha256: sha256_hex(&bytes),
            size_bytes: bytes.len() as u64,
        });
        let entry = HistoryEntry {
            at: now,
            actor: actor.to_string(),
            action: EditAction::Finalized,
            version: after.header.version,
            changes: vec![
                Change::of("status", &"draft", &"finalized"),
                Change::of("number", &None::<String>, &Some(number)),
            ],
        };
        let event = InvoiceFinalized::of(&after.header).event();
        // The invoice's total is booked in the client's account in the same transaction.
        let (mut settled_before, mut settled_after) = (before.header.clone(), after.header.clone());
        receivables::settle(&mut settled_before);
        receivables::settle(&mut settled_after);
        let account = crate::ledger::read_account(
            deps.invoices,
            deps.ledger,
            &before.header.client_key,
            &before.header.currency,
            &[&settled_before],
            now.date_naive(),
        )
        .await?;
        let booking = crate::ledger::Booking {
            kind: crate::domain::ledger::EntryKind::InvoiceIssued,
            record_id: None,
            from_credit: rust_decimal::Decimal::ZERO,
            value_date: settled_after.issue_date,
            reference: None,
        };
        let posting = account.book(&booking, &settled_before, &settled_after, now, actor);
        let posting = (!posting.entries.is_empty()).then_some(&posting);
        match deps
            .numbering
            .finalize_invoice(before, &after, &entry, &event, posting, year, sequence)
            .await?
        {
            FinalizeOutcome::Done => {
                if let Err(e) = deps.documents.put_pdf(&pdf_key(&after), bytes).await {
                    tracing::warn!(invoice = %id, error = ?e, "PDF not stored; it will be rendered on download");
                }
                Ok(Round::Done(after))
            }
            FinalizeOutcome::Refused(r) => {
                Err(lifecycle::refused(r, Action::Finalize, &before.header))
            }
            // Another finalize took this number: read the counter again.
            FinalizeOutcome::NumberTaken => Ok(Round::Again),
        }
    })
    .await
}

/// The UZS equivalent of `header` at the Central Bank rate of its issue date, for an
/// invoice in another currency: `Conflict` naming the missing rate, never an invoice without
/// it.
async fn accounting_of(
    deps: Issuing<'_>,
    header: &crate::domain::invoice::model::InvoiceHeader,
) -> Result<Option<crate::rates::Accounting>> {
    let rate = crate::rates::lookup::rate_for_books(
        deps.rates,
        &header.currency,
        header.issue_date,
        "the invoice's UZS equivalent at the rate of its issue date",
        "finalize again",
    )
    .await?;
    Ok(rate.map(|rate| crate::rates::Accounting::at(&rate, header.subtotal, header.tax_amount)))
}

/// The PDF of an issued invoice from the archive; rendered again (the same bytes) and
/// stored first when it is missing there.
pub(super) async fn archived_pdf(deps: Issuing<'_>, invoice: &Invoice) -> Result<Vec<u8>> {
    let key = pdf_key(invoice);
    if let Some(bytes) = deps.documents.get_document(&key).await? {
        return Ok(bytes);
    }
    let bytes = render(invoice, issuer_of(invoice, deps.issuer)).await?;
    deps.documents.put_pdf(&key, bytes.clone()).await?;
    Ok(bytes)
}

/// A presigned download of a finalized invoice's PDF.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PdfDownload {
    pub url: String,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub expires_at: DateTime<Utc>,
    #[schema(example = "INV-2026-00042.pdf")]
    pub filename: String,
    pub sha256: String,
    pub size_bytes: u64,
}

/// An issued invoice, the only kind with documents: 404 unknown, 409 for a draft, which
/// has no `document` (a PDF, an e-invoice) yet.
pub(super) async fn issued_invoice(
    invoices: &dyn InvoiceStore,
    id: Uuid,
    document: &str,
) -> Result<Invoice> {
    let invoice = invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    if !lifecycle::is_issued(invoice.header.status) {
        return Err(Error::Conflict(format!(
            "a draft has no {document}; finalize it first"
        )));
    }
    Ok(invoice)
}

/// The PDF of a finalized invoice: 409 for a draft. A PDF missing from S3 is rendered
/// again from the stored invoice (same bytes) and stored first.
pub async fn pdf_download(
    deps: Issuing<'_>,
    id: Uuid,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<PdfDownload> {
    let invoice = issued_invoice(deps.invoices, id, "PDF").await?;
    let key = pdf_key(&invoice);
    let info = archive::stored_once(
        deps.documents,
        &key,
        PDF,
        invoice.header.pdf.clone(),
        render(&invoice, issuer_of(&invoice, deps.issuer)),
    )
    .await?;
    let filename = file_name(&invoice);
    let (url, expires_at) =
        archive::presigned(deps.documents, &key, &filename, PDF, ttl_secs, now).await?;
    Ok(PdfDownload {
        url,
        expires_at,
        filename,
        sha256: info.sha256,
        size_bytes: info.size_bytes,
    })
}
