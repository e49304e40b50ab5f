//! EN 16931 e-invoices of finalized invoices and credit notes: UBL 2.1, UN/CEFACT CII D16B,
//! and Factur-X (EN 16931 profile: the PDF as PDF/A-3 with the CII embedded as
//! `factur-x.xml`). Pure functions from the stored document to bytes; the same document
//! gives the same bytes. The business rules are checked before anything is written
//! (`en16931`); missing data is a validation error naming the business terms.

pub mod document;
pub mod pdfa;

use crate::domain::invoice::credit_note::CreditNote;
use crate::domain::invoice::model::Invoice;
use crate::{Error, Result};
use chrono::{DateTime, NaiveTime, Utc};
use en16931::profiles::En16931;
use en16931::validation::profile::Validated;
use en16931_formats::Syntax;
use en16931_formats::zugferd::{EmbedOptions, embed};
use serde::Serialize;
use utoipa::ToSchema;

/// Which e-invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = EInvoiceFormat)]
pub enum Format {
    /// OASIS UBL 2.1 `Invoice` / `CreditNote`.
    Ubl,
    /// UN/CEFACT Cross Industry Invoice D16B (type 380, or 381 for a credit note).
    Cii,
    /// Factur-X 1.0 / ZUGFeRD 2 profile EN 16931: PDF/A-3 with `factur-x.xml`.
    Facturx,
}

impl Format {
    /// `ubl`, `cii` or `facturx`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ubl" => Some(Self::Ubl),
            "cii" => Some(Self::Cii),
            "facturx" => Some(Self::Facturx),
            _ => None,
        }
    }

    /// What ends the file name and the archive key.
    pub fn suffix(self) -> &'static str {
        match self {
            Format::Ubl => "ubl.xml",
            Format::Cii => "cii.xml",
            Format::Facturx => "facturx.pdf",
        }
    }

    /// The MIME type served.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Ubl | Format::Cii => "application/xml",
            Format::Facturx => "application/pdf",
        }
    }
}

/// `INV-2026-00042.ubl.xml`, `CN-2026-00001.facturx.pdf`.
pub fn file_name(number: &str, format: Format) -> String {
    format!("{number}.{}", format.suffix())
}

/// The instant a document's Factur-X PDF is dated: its finalize (or, for credit notes,
/// creation) time, else noon of its issue date; never the clock.
fn dated(at: Option<DateTime<Utc>>, issue_date: chrono::NaiveDate) -> DateTime<Utc> {
    at.unwrap_or_else(|| issue_date.and_time(NaiveTime::MIN).and_utc())
}

fn write(
    proof: &Validated<En16931>,
    format: Format,
    base_pdf: impl FnOnce() -> Result<Vec<u8>>,
    at: DateTime<Utc>,
) -> Result<Vec<u8>> {
    match format {
        Format::Ubl => Ok(en16931_formats::write(proof, Syntax::Ubl).xml.into_bytes()),
        Format::Cii => Ok(en16931_formats::write(proof, Syntax::Cii).xml.into_bytes()),
        Format::Facturx => {
            let base = pdfa::pdf_a3_base(&base_pdf()?, at)?;
            let options = EmbedOptions {
                modified: Some(at.into()),
                ..EmbedOptions::default()
            };
            embed(&base, proof, &options)
                .map_err(|e| Error::Internal(format!("Factur-X embedding: {e}")))
        }
    }
}

/// The e-invoice of a finalized (paid, void) invoice: 409 for a draft, 400 naming the
/// business terms when the invoice lacks what EN 16931 requires.
pub fn render_invoice(invoice: &Invoice, format: Format) -> Result<Vec<u8>> {
    let proof = document::from_invoice(invoice)?;
    let at = dated(invoice.header.finalized_at, invoice.header.issue_date);
    write(
        &proof,
        format,
        || {
            // The PDF as printed at finalize: with the issuer recorded then.
            let issuer = invoice
                .header
                .issuer
                .as_ref()
                .ok_or_else(|| Error::Internal("finalized invoice without issuer".into()))?;
            crate::pdf::render_invoice(invoice, issuer)
        },
        at,
    )
}

/// The e-invoice of a credit note (UBL `CreditNote`, CII type 381, citing the invoice).
pub fn render_credit_note(note: &CreditNote, format: Format) -> Result<Vec<u8>> {
    let proof = document::from_credit_note(note)?;
    let at = dated(Some(note.created_at), note.issue_date);
    write(
        &proof,
        format,
        || crate::pdf::credit_note::render_credit_note(note),
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::sample::sample_invoice;
    use rust_decimal::Decimal;

    fn finalized(lines: usize) -> Invoice {
        let mut inv = sample_invoice(lines);
        inv.header.issuer = Some(crate::domain::issuer::Issuer::default());
        inv
    }

    #[test]
    fn every_format_renders_and_is_deterministic() {
        let inv = finalized(3);
        for format in [Format::Ubl, Format::Cii, Format::Facturx] {
            let a = render_invoice(&inv, format).unwrap();
            let b = render_invoice(&inv, format).unwrap();
            assert_eq!(a, b, "{format:?} bytes are the same every time");
            if let Ok(dir) = std::env::var("EINVOICE_DUMP") {
                std::fs::write(format!("{dir}/sample.{}", format.suffix()), &a).unwrap();
            }
        }
    }

    #[test]
    fn missing_issuer_vat_id_names_bt_31() {
        let mut inv = finalized(1);
        let mut details = crate::domain::issuer::IssuerDetails::demo();
        details.vat_id = None;
        inv.header.issuer = Some(details.printed());
        let Err(Error::Validation { details, .. }) = render_invoice(&inv, Format::Ubl) else {
            panic!("expected a validation error");
        };
        assert_eq!(details[0].field, "BT-31");
    }

    #[test]
    fn facturx_is_a_pdf_a3_with_the_cii_attached() {
        let inv = finalized(2);
        let pdf = render_invoice(&inv, Format::Facturx).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let catalog = doc.catalog().unwrap();
        let meta_id = catalog.get(b"Metadata").unwrap().as_reference().unwrap();
        let meta = doc.get_object(meta_id).unwrap().as_stream().unwrap();
        assert!(
            !meta.dict.has(b"Filter"),
            "the XMP packet is not compressed"
        );
        let xmp = String::from_utf8(meta.content.clone()).unwrap();
        assert!(xmp.contains("<pdfaid:part>3</pdfaid:part>"), "{xmp}");
        assert!(xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(
            xmp.contains("factur-x.xml") && xmp.contains("EN 16931"),
            "{xmp}"
        );
        let intents = catalog.get(b"OutputIntents").unwrap().as_array().unwrap();
        let intent = doc
            .get_dictionary(intents[0].as_reference().unwrap())
            .unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        let icc = doc
            .get_object(
                intent
                    .get(b"DestOutputProfile")
                    .unwrap()
                    .as_reference()
                    .unwrap(),
            )
            .unwrap()
            .as_stream()
            .unwrap();
        assert_eq!(icc.dict.get(b"N").unwrap().as_i64().unwrap(), 3);
        let af = catalog.get(b"AF").unwrap().as_array().unwrap();
        let spec = doc.get_dictionary(af[0].as_reference().unwrap()).unwrap();
        assert_eq!(
            spec.get(b"AFRelationship").unwrap().as_name().unwrap(),
            b"Alternative"
        );
        let cii = render_invoice(&inv, Format::Cii).unwrap();
        let text = String::from_utf8(cii).unwrap();
        assert!(text.contains("INV-2026-00042"));
        assert!(text.contains("urn:cen.eu:en16931:2017"));
    }

    #[test]
    fn a_three_decimal_currency_is_refused_not_rounded() {
        let mut inv = finalized(1);
        inv.header.currency = "KWD".into();
        inv.line_items[0].amount = Decimal::new(12345, 3);
        let Err(Error::Validation { details, .. }) = render_invoice(&inv, Format::Cii) else {
            panic!("expected a validation error");
        };
        assert_eq!(details[0].field, "BT-131");
    }
}
