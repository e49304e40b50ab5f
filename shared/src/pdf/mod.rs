//! Invoice PDFs: a pure function from a finalized invoice (and the issuer's details) to
//! bytes. A4, DejaVu Sans subset to the glyphs used, deterministic: the same invoice gives
//! the same bytes (no wall-clock dates, no random ids).

pub mod credit_note;
pub mod font;
pub mod layout;
pub mod sample;

use crate::invoice::Invoice;
use crate::{Error, Result};
use font::{Face, metrics};
use layout::{Item, PAGE_HEIGHT, PAGE_WIDTH, Pages, layout};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt, Rgb, TextItem, TextMatrix,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The company that sends the invoices, printed in the header (from configuration;
/// recorded in the invoice at finalize, see `InvoiceHeader::issuer`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Issuer {
    pub name: String,
    pub address: Vec<String>,
    pub tax_id: Option<String>,
    pub email: Option<String>,
    /// Payment instructions, one line each (bank, IBAN, ...).
    pub bank: Vec<String>,
    /// The structured details these lines were printed from (what e-invoices need);
    /// absent on documents finalized before they were recorded. The PDF ignores them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<crate::domain::issuer::IssuerDetails>,
}

impl Default for Issuer {
    /// The demo company.
    fn default() -> Self {
        crate::domain::issuer::IssuerDetails::demo().printed()
    }
}

/// The PDF's file name: `INV-2026-00042.pdf`.
pub fn file_name(invoice: &Invoice) -> String {
    format!(
        "{}.pdf",
        invoice
            .header
            .number
            .clone()
            .unwrap_or_else(|| invoice.header.id.to_string())
    )
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn face_id(face: Face) -> FontId {
    FontId(match face {
        Face::Regular => "F1".into(),
        Face::Bold => "F2".into(),
    })
}

/// Render `invoice` to PDF bytes.
pub fn render_invoice(invoice: &Invoice, issuer: &Issuer) -> Result<Vec<u8>> {
    font::ready()?;
    let pages = layout(invoice, issuer);
    let mut title = format!("Invoice {}", file_name(invoice).trim_end_matches(".pdf"));
    title.push_str(&format!(" — {}", invoice.header.client.name));
    save(&pages, &title, &issuer.name, invoice.header.id)
}

/// Laid-out pages to PDF bytes: fonts subset to the characters drawn, fixed resource ids,
/// and the trailer id derived from `document_id` (no clock, no randomness), so the same
/// pages give the same bytes.
fn save(pages: &Pages, title: &str, author: &str, document_id: uuid::Uuid) -> Result<Vec<u8>> {
    let mut doc = PdfDocument::new(title);
    doc.metadata.info.author = author.to_string();
    doc.metadata.info.creator = "Proxima Invoice".into();
    doc.metadata.info.producer = "Proxima Invoice".into();

    // Subset each face to exactly the characters it draws; fixed resource ids.
    for face in [Face::Regular, Face::Bold] {
        let chars: BTreeSet<char> = pages
            .iter()
            .flatten()
            .filter_map(|item| match item {
                Item::Text { face: f, text, .. } if *f == face => Some(text.chars()),
                _ => None,
            })
            .flatten()
            .collect();
        if chars.is_empty() {
            continue;
        }
        let font = metrics(face).subset(&chars)?;
        doc.resources
            .fonts
            .map
            .insert(face_id(face), printpdf::PdfFont::new(font));
    }

    let pdf_pages = pages
        .iter()
        .map(|items| {
            let mut ops = Vec::with_capacity(items.len() * 3 + 4);
            ops.push(Op::SetOutlineColor {
                col: Color::Rgb(Rgb::new(0.6, 0.6, 0.6, None)),
            });
            ops.push(Op::SetOutlineThickness { pt: Pt(0.5) });
            for item in items {
                if let Item::Rule { x1, x2, y } = item {
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![
                                LinePoint {
                                    p: Point {
                                        x: Pt(*x1),
                                        y: Pt(*y),
                                    },
                                    bezier: false,
                                },
                                LinePoint {
                                    p: Point {
                                        x: Pt(*x2),
                                        y: Pt(*y),
                                    },
                                    bezier: false,
                                },
                            ],
                            is_closed: false,
                        },
                    });
                }
            }
            ops.push(Op::StartTextSection);
            for item in items {
                if let Item::Text {
                    x,
                    y,
                    size,
                    face,
                    text,
                } = item
                {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(face_id(*face)),
                        size: Pt(*size),
                    });
                    // An absolute text matrix: `SetTextCursor` would be a relative move.
                    ops.push(Op::SetTextMatrix {
                        matrix: TextMatrix::Translate(Pt(*x), Pt(*y)),
                    });
                    ops.push(Op::ShowText {
                        items: vec![TextItem::Text(text.clone())],
                    });
                }
            }
            ops.push(Op::EndTextSection);
            PdfPage::new(Mm::from(Pt(PAGE_WIDTH)), Mm::from(Pt(PAGE_HEIGHT)), ops)
        })
        .collect();
    doc.with_pages(pdf_pages);

    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: false,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut lo = printpdf::serialize::to_lopdf_doc(&doc, &opts, &mut warnings);
    // printpdf puts process-global pseudo-random ids in the trailer; derive them from the
    // document instead so that equal documents give equal bytes.
    let id = sha256_hex(document_id.as_bytes());
    let id_object =
        lopdf::Object::String(id.as_bytes()[..32].to_vec(), lopdf::StringFormat::Literal);
    lo.trailer.set(
        "ID",
        lopdf::Object::Array(vec![id_object.clone(), id_object]),
    );
    lo.compress();
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| Error::Internal(format!("pdf save: {e}")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sample::sample_invoice;

    fn text_of(pdf: &[u8]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap_or_default();
        (pages.len(), text)
    }

    #[test]
    fn one_page_invoice_reads_back() {
        let inv = sample_invoice(12);
        let pdf = render_invoice(&inv, &Issuer::default()).unwrap();
        let (pages, text) = text_of(&pdf);
        assert_eq!(pages, 1);
        assert!(text.contains("INV-2026-00042"), "{text}");
        assert!(text.contains("Восток Логистик"), "{text}");
        assert!(text.contains("Page 1 of 1"), "{text}");
        assert!(
            text.contains(&layout::group_thousands(inv.header.total, 2)),
            "{text}"
        );
        assert!(pdf.len() < 40_000, "{} bytes", pdf.len());
    }

    #[test]
    fn thousand_lines_paginate_with_page_n_of_m() {
        let inv = sample_invoice(1000);
        let pdf = render_invoice(&inv, &Issuer::default()).unwrap();
        let (pages, text) = text_of(&pdf);
        assert!(pages > 10, "{pages} pages");
        assert!(text.contains(&format!("Page {pages} of {pages}")));
        assert!(text.contains("Page 2 of"));
        let headers = text.matches("Description").count();
        let continued = text.matches("(continued)").count();
        assert!(
            headers >= pages - 1,
            "table header on every page of the table: {headers} of {pages}"
        );
        assert_eq!(
            continued,
            headers - 1,
            "every table page after the first says (continued)"
        );
        assert!(text.contains("GULZOR-999"));
    }

    #[test]
    fn same_invoice_same_bytes() {
        let inv = sample_invoice(30);
        let a = render_invoice(&inv, &Issuer::default()).unwrap();
        let b = render_invoice(&inv, &Issuer::default()).unwrap();
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
    }
}
