//! The credit-note use cases: issue one against a finalized (or paid) invoice with its own
//! gapless number in one transaction with the invoice's credited amount, read and list them,
//! and hand out their PDFs. The pure rules are in [`crate::domain::invoice::credit_note`].

use super::archive::{self, PDF};
use super::drafting::Actor;
use super::finalize::PdfDownload;
use super::write_loop::{Round, until_written};
use crate::domain::invoice::credit_note::{
    CreditNote, CreditNoteRequest, Credited, NewCreditNote, build_credit_note, credit_note_number,
    file_name,
};
use crate::domain::invoice::history::{Change, EditAction, HistoryEntry};
use crate::domain::invoice::lifecycle::{self, Action};
use crate::domain::invoice::model::{Invoice, InvoiceHeader, PdfInfo};
use crate::domain::invoice::receivables;
use crate::domain::issuer::Issuer;
use crate::domain::{Page, PageRequest, TimeZone};
use crate::events::{CreditNoteIssued, EventDetail};
use crate::pdf::credit_note::render_credit_note;
use crate::pdf::sha256_hex;
use crate::ports::{
    ClientStore, CreditNoteFilter, CreditNoteStore, DocumentStore, InvoiceStore, IssueOutcome,
    WriteRefused,
};
use crate::{Error, Result};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Mutex;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the credit-note use cases need.
#[derive(Clone, Copy)]
pub struct CreditNotes<'a> {
    /// Read for the client's current `locale`, the language the note is printed in.
    pub clients: &'a dyn ClientStore,
    pub invoices: &'a dyn InvoiceStore,
    pub notes: &'a dyn CreditNoteStore,
    /// The client's account, where the note is booked.
    pub ledger: &'a dyn crate::ports::LedgerStore,
    pub documents: &'a dyn DocumentStore,
    /// Printed when the invoice recorded no issuer at finalize.
    pub issuer: &'a Issuer,
    /// The Central Bank rate of the note's issue date (its UZS equivalent).
    pub rates: &'a dyn crate::ports::RateStore,
}

/// Where a credit note's PDF lives in the documents bucket.
pub fn pdf_key(note: &CreditNote) -> String {
    format!(
        "credit-notes/{}/{}",
        note.issue_date.year(),
        file_name(note)
    )
}

/// A credit note in a list: everything but its lines, client and issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CreditNoteSummary {
    pub id: Uuid,
    /// `CN-YYYY-NNNNN`.
    pub number: String,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub client_key: String,
    pub currency: String,
    pub issue_date: NaiveDate,
    pub reason: String,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "190.00")]
    pub subtotal: Decimal,
    #[serde(with = "crate::domain::scale::two_places")]
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+\\.[0-9]{2}$", example = "12.00")]
    pub tax_rate: Decimal,
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "22.80")]
    pub tax_amount: Decimal,
    /// The amount credited.
    #[schema(value_type = String, format = "decimal", pattern = "^[0-9]+(\\.[0-9]{1,4})?$", example = "212.80")]
    pub total: Decimal,
    #[serde(with = "crate::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub pdf: Option<PdfInfo>,
}

impl From<CreditNote> for CreditNoteSummary {
    fn from(n: CreditNote) -> Self {
        Self {
            id: n.id,
            number: n.number,
            invoice_id: n.invoice_id,
            invoice_number: n.invoice_number,
            client_key: n.client_key,
            currency: n.currency,
            issue_date: n.issue_date,
            reason: n.reason,
            subtotal: n.subtotal,
            tax_rate: n.tax_rate,
            tax_amount: n.tax_amount,
            total: n.total,
            created_at: n.created_at,
            created_by: n.created_by,
            pdf: n.pdf,
        }
    }
}

/// What `POST /invoices/{id}/credit-notes` answers: the note and the invoice after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedCreditNote {
    pub credit_note: CreditNote,
    /// The credited invoice's header: `amount_credited` raised, `amount_due` lowered, `paid`
    /// when nothing is due.
    pub invoice: InvoiceHeader,
}

/// The note's issue date: today in the client's time zone recorded on the invoice (as for
/// payments), never before the invoice's own issue date.
fn issue_date(invoice: &Invoice, now: DateTime<Utc>) -> NaiveDate {
    let today = TimeZone::named_or_utc(invoice.header.timezone.as_deref()).date_at(now);
    today.max(invoice.header.issue_date)
}

/// Render off the async threads.
async fn render(note: &CreditNote) -> Result<Vec<u8>> {
    let note = note.clone();
    archive::rendered(move || render_credit_note(&note)).await
}

/// The history changes of a credit note: which note, and what it did to the amounts and
/// the status.
fn changes(before: &InvoiceHeader, after: &InvoiceHeader, note: &CreditNote) -> Vec<Change> {
    let mut out = vec![Change::of(
        "credit_note",
        &serde_json::Value::Null,
        &serde_json::json!({"id": note.id, "number": note.number, "total": note.total}),
    )];
    out.push(Change::of(
        "amount_credited",
        &before.amount_credited,
        &after.amount_credited,
    ));
    if before.amount_due != after.amount_due {
        out.push(Change::of(
            "amount_due",
            &before.amount_due,
            &after.amount_due,
        ));
    }
    if before.status != after.status {
        out.push(Change::of("status", &before.status, &after.status));
    }
    out
}

/// What the invoice's credit notes have credited, net and tax: the invoice's
/// `amount_credited_net` and `amount_credited_tax`, raised in the same transaction as each
/// note (the note is written only at the invoice version it was decided on, so they are
/// exact under races). An invoice credited before they were recorded (net + tax short of
/// `amount_credited`) has them summed from its notes instead.
async fn credited_so_far(deps: CreditNotes<'_>, h: &InvoiceHeader) -> Result<Credited> {
    let recorded = Credited {
        net: h.amount_credited_net,
        tax: h.amount_credited_tax,
    };
    if recorded.total() == h.amount_credited {
        return Ok(recorded);
    }
    let filter = CreditNoteFilter {
        invoice_id: Some(h.id),
        client_key: None,
    };
    let mut summed = Credited::default();
    let mut page = 1;
    loop {
        let got = deps
            .notes
            .list_credit_notes(
                &filter,
                PageRequest {
                    page,
                    per_page: 100,
                    cursor: None,
                },
            )
            .await?;
        for n in &got.items {
            summed.net += n.subtotal;
            summed.tax += n.tax_amount;
        }
        if got.items.len() < 100 || u64::from(page) * 100 >= got.total {
            return Ok(summed);
        }
        page += 1;
    }
}

async fn read_invoice(deps: CreditNotes<'_>, id: Uuid) -> Result<Invoice> {
    let mut invoice = deps
        .invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    receivables::settle(&mut invoice.header);
    Ok(invoice)
}

/// Issue a credit note against invoice `id`: the lifecycle rule (finalized or paid), the
/// request and the limit (the invoice's notes never add up to more than its total), the
/// next number of the issue date's year, the PDF rendered first; then one transaction moves
/// the counter, raises the invoice's `amount_credited` (settled: `paid` when nothing is
/// due), stores the note with the PDF's hash and size, reserves the number and appends the
/// history entry. The PDF goes to S3 after the commit; a failed upload is rendered again on
/// the first download. Another note taking the number is retried with the next one; another
/// write to the invoice is read again and decided again (the limit checked anew).
pub async fn issue(
    deps: CreditNotes<'_>,
    id: Uuid,
    req: &CreditNoteRequest,
    actor: &Actor,
) -> Result<IssuedCreditNote> {
    // Validate the body before any read: a bad request is 400 whatever the invoice.
    // The currency is not known yet: prices are checked against the invoice's minor unit
    // once it is read.
    crate::domain::invoice::credit_note::validate_request(
        req,
        crate::domain::scale::MAX_MINOR_UNIT,
    )?;
    let note_id = Uuid::new_v4();
    // Kept from one round to the next: the invoice when only the number was taken, and
    // the client's locale.
    let invoice: Mutex<Option<Invoice>> = Mutex::new(None);
    let locale = Mutex::new(None);
    let (invoice, locale) = (&invoice, &locale);
    until_written("credit notes are too contended", |_| async move {
        let kept = lock(invoice).take();
        let before = match kept {
            Some(i) => i,
            None => read_invoice(deps, id).await?,
        };
        lifecycle::check(&before.header, Action::IssueCreditNote, None)?;
        let known = *lock(locale);
        let locale = match known {
            Some(l) => l,
            None => {
                let l = super::finalize::document_locale(deps.clients, &before).await?;
                *lock(locale) = Some(l);
                l
            }
        };
        let issue_date = issue_date(&before, actor.now);
        let year = issue_date.year();
        let sequence = deps.notes.last_credit_note_number(year).await? + 1;
        let credited = credited_so_far(deps, &before.header).await?;
        let mut note = build_credit_note(
            &before,
            req,
            credited,
            NewCreditNote {
                id: note_id,
                number: credit_note_number(year, sequence),
                issue_date,
                created_by: &actor.name,
                created_at: crate::domain::instant::to_millis(actor.now),
                fallback_issuer: deps.issuer,
                locale,
            },
        )?;
        let rate = crate::rates::lookup::rate_for_books(
            deps.rates,
            &note.currency,
            note.issue_date,
            "the credit note's UZS equivalent",
            "issue it again",
        )
        .await?;
        if let Some(rate) = rate {
            note.accounting = Some(crate::rates::Accounting::at(
                &rate,
                note.subtotal,
                note.tax_amount,
            ));
        }
        let bytes = render(&note).await?;
        note.pdf = Some(PdfInfo {
            sha256: sha256_hex(&bytes),
            size_bytes: bytes.len() as u64,
        });
        let mut after = before.clone();
        after.header.amount_credited = credited.total() + note.total;
        after.header.amount_credited_net = credited.net + note.subtotal;
        after.header.amount_credited_tax = credited.tax + note.tax_amount;
        receivables::settle(&mut after.header);
        after.header.version = before.header.version + 1;
        after.header.updated_at = actor.now;
        let entry = HistoryEntry {
            at: actor.now,
            actor: actor.name.clone(),
            action: EditAction::CreditNoteIssued,
            version: after.header.version,
            changes: changes(&before.header, &after.header, &note),
        };
        let mut presented = after.header.clone();
        receivables::present(&mut presented, actor.now);
        let event = CreditNoteIssued::of(&note, &presented).event();
        let account = crate::ledger::read_account(
            deps.invoices,
            deps.ledger,
            &before.header.client_key,
            &before.header.currency,
            &[&before.header],
            note.issue_date,
        )
        .await?;
        let booking = crate::ledger::Booking {
            kind: crate::domain::ledger::EntryKind::CreditNote,
            record_id: Some(note.id),
            from_credit: rust_decimal::Decimal::ZERO,
            value_date: note.issue_date,
            reference: Some(note.number.clone()),
        };
        let posting = account.book(
            &booking,
            &before.header,
            &after.header,
            actor.now,
            &actor.name,
        );
        let posting = (!posting.entries.is_empty()).then_some(&posting);
        match deps
            .notes
            .issue_credit_note(&before, &after, &note, &entry, &event, posting, year, sequence)
            .await?
        {
            IssueOutcome::Done => {
                if let Err(e) = deps.documents.put_pdf(&pdf_key(&note), bytes).await {
                    tracing::warn!(credit_note = %note.id, error = ?e, "credit note PDF not stored; it will be rendered on download");
                }
                Ok(Round::Done(IssuedCreditNote {
                    credit_note: note,
                    invoice: presented,
                }))
            }
            // Another note took the number: the same invoice, the next number.
            IssueOutcome::NumberTaken => {
                *lock(invoice) = Some(before);
                Ok(Round::Again)
            }
            // Another write came first: read the invoice again and decide again.
            IssueOutcome::Refused(WriteRefused::Changed { .. }) => Ok(Round::Again),
            IssueOutcome::Refused(r) => Err(lifecycle::refused(
                r,
                Action::IssueCreditNote,
                &before.header,
            )),
        }
    })
    .await
}

/// The value in `m` (never poisoned: nothing panics while holding it).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One credit note with its lines.
pub async fn get(deps: CreditNotes<'_>, id: Uuid) -> Result<CreditNote> {
    deps.notes
        .get_credit_note(id)
        .await?
        .ok_or_else(|| Error::not_found("credit note"))
}

/// Credit notes newest first, without lines, with the true total.
pub async fn list(
    deps: CreditNotes<'_>,
    filter: &CreditNoteFilter,
    page: PageRequest,
) -> Result<Page<CreditNoteSummary>> {
    Ok(deps
        .notes
        .list_credit_notes(filter, page)
        .await?
        .map(CreditNoteSummary::from))
}

/// A presigned download of a credit note's PDF. A PDF missing from S3 is rendered again
/// from the stored note (the same bytes) and stored first.
pub async fn pdf_download(
    deps: CreditNotes<'_>,
    id: Uuid,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<PdfDownload> {
    let note = get(deps, id).await?;
    let key = pdf_key(&note);
    let info =
        archive::stored_once(deps.documents, &key, PDF, note.pdf.clone(), render(&note)).await?;
    let filename = file_name(&note);
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
