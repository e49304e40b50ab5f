//! Invoice PDFs: a pure function from a finalized invoice (and the issuer's details) to
//! bytes, in the locale recorded on the invoice (labels in [`labels`], numbers and dates in
//! [`crate::domain::locale`]). A4, DejaVu Sans subset to the glyphs used (tagged
//! `ABCDEF+DejaVuSans`), deterministic: the same invoice gives the same bytes (no wall-clock
//! dates, no random ids). Pages are built from `sections` on a `page` writer.

pub mod act;
pub mod credit_note;
pub mod font;
pub mod labels;
pub mod layout;
pub mod page;
pub mod sample;
mod sections;
pub mod statement;
pub mod timesheet;

use crate::invoice::Invoice;
use crate::{Error, Result};
use font::{Face, metrics};
use layout::layout;
use page::{Item, PAGE_HEIGHT, PAGE_WIDTH, Pages};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt, Rgb, TextItem, TextMatrix,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The issuer as printed (a domain value, see [`crate::domain::issuer`]).
pub use crate::domain::issuer::Issuer;

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
    let labels = labels::Labels::of(layout::invoice_locale(invoice));
    let title = format!(
        "{} {} — {}",
        labels.invoice,
        file_name(invoice).trim_end_matches(".pdf"),
        invoice.header.client.name
    );
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

    // Subset each face to exactly the characters it draws; fixed resource ids. printpdf
    // prints the font's name as /BaseFont and /FontName: the PostScript name with the
    // subset's `ABCDEF+` tag (it tags only the subsets it makes itself).
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
        let mut font = metrics(face).subset(&chars)?;
        font.font_name = Some(format!(
            "{}+{}",
            font::subset_tag(face, &chars),
            face.postscript_name()
        ));
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

/// The `/BaseFont` names of every font dictionary in `pdf` (for checks of the subset tags).
pub fn base_font_names(pdf: &[u8]) -> Result<Vec<String>> {
    let doc =
        lopdf::Document::load_mem(pdf).map_err(|e| Error::Internal(format!("pdf load: {e}")))?;
    fn collect(object: &lopdf::Object, key: &[u8], out: &mut Vec<String>) {
        match object {
            lopdf::Object::Dictionary(d) => {
                if let Ok(name) = d.get(key).and_then(|n| n.as_name()) {
                    out.push(String::from_utf8_lossy(name).into_owned());
                }
                for (_, v) in d.iter() {
                    collect(v, key, out);
                }
            }
            lopdf::Object::Array(items) => items.iter().for_each(|v| collect(v, key, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    for object in doc.objects.values() {
        collect(object, b"BaseFont", &mut names);
    }
    names.sort();
    Ok(names)
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
            text.contains(&crate::domain::Locale::En.number(inv.header.total, 2)),
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

    fn in_locale(lines: usize, locale: crate::domain::Locale) -> Invoice {
        let mut inv = sample_invoice(lines);
        inv.header.locale = Some(locale);
        inv
    }

    #[test]
    fn russian_and_uzbek_invoices_read_back_in_their_language() {
        use crate::domain::Locale;
        for (locale, expected) in [
            (
                Locale::Ru,
                vec![
                    "СЧЁТ НА ОПЛАТУ".to_string(),
                    "Плательщик".into(),
                    "Описание".into(),
                    "Итого к оплате".into(),
                    "Оплатить до".into(),
                    "11.11.2026".into(),
                    "октябрь 2026 г.".into(),
                    "Налог 12\u{a0}%".into(),
                    "Страница 1 из 1".into(),
                    "ИНН: 307654321".into(),
                ],
            ),
            (
                Locale::Uz,
                vec![
                    "HISOB-FAKTURA".to_string(),
                    "Toʻlovchi".into(),
                    "Tavsif".into(),
                    "Jami toʻlov".into(),
                    "Toʻlov muddati".into(),
                    "11.11.2026".into(),
                    "oktabr, 2026".into(),
                    "Soliq 12%".into(),
                    "Sahifa 1 / 1".into(),
                    "STIR: 307654321".into(),
                ],
            ),
        ] {
            let inv = in_locale(12, locale);
            let pdf = render_invoice(&inv, &Issuer::default()).unwrap();
            let (pages, text) = text_of(&pdf);
            assert_eq!(pages, 1);
            for e in &expected {
                assert!(text.contains(e.as_str()), "{locale}: {e:?} missing: {text}");
            }
            let total = locale.money(inv.header.total, 2, "UZS");
            assert!(total.contains('\u{a0}') && total.contains(','), "{total}");
            assert!(text.contains(&total), "{locale}: {total:?} missing: {text}");
            for english in ["INVOICE", "Description", "Page 1 of 1", "Bill to"] {
                assert!(!text.contains(english), "{locale}: {english} left: {text}");
            }
        }
    }

    #[test]
    fn a_legacy_invoice_without_a_locale_prints_in_english() {
        let legacy = sample_invoice(3);
        assert_eq!(legacy.header.locale, None);
        let en = in_locale(3, crate::domain::Locale::En);
        let a = render_invoice(&legacy, &Issuer::default()).unwrap();
        assert_eq!(a, render_invoice(&en, &Issuer::default()).unwrap());
        assert!(text_of(&a).1.contains("INVOICE"));
    }

    #[test]
    fn subset_fonts_carry_a_deterministic_six_letter_tag() {
        for locale in crate::domain::Locale::ALL {
            let pdf = render_invoice(&in_locale(5, locale), &Issuer::default()).unwrap();
            let names = base_font_names(&pdf).unwrap();
            // Type0 and its CID font, for both faces.
            assert_eq!(names.len(), 4, "{names:?}");
            for name in &names {
                let (tag, base) = name.split_once('+').expect("a subset tag");
                assert_eq!(tag.len(), 6, "{name}");
                assert!(tag.bytes().all(|b| b.is_ascii_uppercase()), "{name}");
                assert!(base.starts_with("DejaVuSans"), "{name}");
            }
            let doc = lopdf::Document::load_mem(&pdf).unwrap();
            let descriptor_names: Vec<String> = doc
                .objects
                .values()
                .filter_map(|o| o.as_dict().ok())
                .filter_map(|d| d.get(b"FontName").and_then(|n| n.as_name()).ok())
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect();
            assert_eq!(descriptor_names.len(), 2, "{descriptor_names:?}");
            for n in descriptor_names {
                assert!(names.contains(&n), "descriptor {n} matches a BaseFont");
            }
            let again = render_invoice(&in_locale(5, locale), &Issuer::default()).unwrap();
            assert_eq!(names, base_font_names(&again).unwrap());
        }
    }

    #[test]
    fn a_long_russian_invoice_repeats_its_translated_table_header() {
        let inv = in_locale(300, crate::domain::Locale::Ru);
        let (pages, text) = text_of(&render_invoice(&inv, &Issuer::default()).unwrap());
        assert!(pages > 3);
        assert_eq!(
            text.matches("(продолжение)").count() + 1,
            text.matches("Описание").count()
        );
        assert!(text.contains(&format!("Страница {pages} из {pages}")));
    }
}
