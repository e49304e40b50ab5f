//! Credit-note PDFs: a pure function from a credit note to bytes, with the invoice's page
//! writer, font subsetting and determinism (same note, same bytes; the document id comes
//! from the note's id). Amounts are printed positive under "Amount credited".

use super::font::{self, Face};
use super::layout::{
    BODY, COL_HOURS, COL_RATE, DESCRIPTION_WIDTH, LEADING, MARGIN_X, Pages, RIGHT, Writer,
    client_block, facts_block, footer, group_thousands, issuer_block, totals_block, wrap,
};
use crate::Result;
use crate::invoice::credit_note::CreditNote;

fn table_header(w: &mut Writer) {
    w.text(MARGIN_X, BODY, Face::Bold, "Description");
    w.right(COL_HOURS, BODY, Face::Bold, "Quantity");
    w.right(COL_RATE, BODY, Face::Bold, "Unit price");
    w.right(RIGHT, BODY, Face::Bold, "Amount");
    w.y -= 5.0;
    w.rule();
    w.y -= LEADING;
}

fn paragraph(w: &mut Writer, face: Face, text: &str) {
    for line in wrap(text, face, BODY, RIGHT - MARGIN_X) {
        if w.room() < LEADING {
            w.new_page();
        }
        w.text(MARGIN_X, BODY, face, line);
        w.y -= LEADING;
    }
}

/// Lay `note` out: issuer and note facts, the credited invoice, client, reason, lines,
/// totals, and `Page N of M` on every page.
pub fn layout(note: &CreditNote) -> Pages {
    let places = note.places();
    let cur = &note.currency;
    let number = &note.number;
    let mut w = Writer::new();

    let top = w.y;
    let left_end = issuer_block(&mut w, &note.issuer);
    w.y = top;
    w.right(RIGHT, 20.0, Face::Bold, "CREDIT NOTE");
    w.y -= 20.0;
    let facts = [
        ("Number", number.clone()),
        ("Issue date", note.issue_date.to_string()),
        ("Invoice", note.invoice_number.clone()),
        ("Invoice date", note.invoice_issue_date.to_string()),
        ("Period", note.invoice_period.to_string()),
    ];
    facts_block(&mut w, &facts);
    w.y = w.y.min(left_end) - 14.0;

    client_block(&mut w, "Credit to", &note.client);
    w.y -= 10.0;

    paragraph(
        &mut w,
        Face::Bold,
        &format!(
            "Credits invoice {} of {} (period {}).",
            note.invoice_number, note.invoice_issue_date, note.invoice_period
        ),
    );
    w.y -= 4.0;
    paragraph(&mut w, Face::Bold, "Reason");
    paragraph(&mut w, Face::Regular, &note.reason);
    w.y -= 12.0;

    table_header(&mut w);
    for line in &note.lines {
        let desc = wrap(&line.description, Face::Regular, BODY, DESCRIPTION_WIDTH);
        let height = desc.len() as f32 * LEADING + 4.0;
        if w.room() < height {
            w.new_page();
            w.text(
                MARGIN_X,
                BODY,
                Face::Bold,
                format!("Credit note {number} (continued)"),
            );
            w.y -= LEADING * 2.0;
            table_header(&mut w);
        }
        w.right(
            COL_HOURS,
            BODY,
            Face::Regular,
            group_thousands(line.quantity, 2),
        );
        w.right(
            COL_RATE,
            BODY,
            Face::Regular,
            group_thousands(line.unit_price, line.unit_price.scale().max(places)),
        );
        w.right(
            RIGHT,
            BODY,
            Face::Regular,
            group_thousands(line.amount, places),
        );
        for l in desc {
            w.text(MARGIN_X, BODY, Face::Regular, l);
            w.y -= LEADING;
        }
        w.y -= 4.0;
    }

    if w.room() < 4.0 * LEADING + 10.0 {
        w.new_page();
    }
    w.rule();
    w.y -= LEADING + 2.0;
    let tax_label = format!("Tax {}%", note.tax_rate.normalize());
    let totals = [
        (
            "Subtotal",
            group_thousands(note.subtotal, places),
            Face::Regular,
        ),
        (
            tax_label.as_str(),
            group_thousands(note.tax_amount, places),
            Face::Regular,
        ),
        (
            "Amount credited",
            format!("{} {cur}", group_thousands(note.total, places)),
            Face::Bold,
        ),
    ];
    totals_block(&mut w, &totals);
    w.y -= 10.0;

    paragraph(
        &mut w,
        Face::Regular,
        &format!(
            "This credit note reduces the amount due on invoice {} by {} {cur}.",
            note.invoice_number,
            group_thousands(note.total, places)
        ),
    );

    footer(&mut w.pages, &format!("{} · {number}", note.issuer.name));
    w.pages
}

/// Render `note` to PDF bytes (A4; the same note gives the same bytes).
pub fn render_credit_note(note: &CreditNote) -> Result<Vec<u8>> {
    font::ready()?;
    let pages = layout(note);
    let title = format!("Credit note {} — {}", note.number, note.client.name);
    super::save(&pages, &title, &note.issuer.name, note.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::credit_note::{
        CreditLineInput, CreditNoteRequest, NewCreditNote, build_credit_note, credit_note_number,
    };
    use crate::pdf::sample::sample_invoice;
    use crate::pdf::{Issuer, render_invoice, sha256_hex};
    use chrono::{NaiveDate, TimeZone, Utc};
    use rust_decimal::Decimal;
    use uuid::Uuid;

    fn text_of(pdf: &[u8]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap_or_default();
        (pages.len(), text)
    }

    fn note(invoice_lines: usize, full: bool) -> CreditNote {
        let inv = sample_invoice(invoice_lines);
        let req = CreditNoteRequest {
            reason: "Часы выставлены дважды / soatlar ikki marta yozilgan".into(),
            lines: (!full).then(|| {
                vec![CreditLineInput {
                    description: "GULZOR-3: qoʻshimcha filtrlar — возврат".into(),
                    quantity: Decimal::new(150, 2),
                    unit_price: Decimal::new(450_000, 0),
                }]
            }),
            full: full.then_some(true),
        };
        let issuer = Issuer::default();
        build_credit_note(
            &inv,
            &req,
            Decimal::ZERO,
            NewCreditNote {
                id: Uuid::from_u128(0xC1),
                number: credit_note_number(2026, 1),
                issue_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                created_by: "accountant@proxima.local",
                created_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
                fallback_issuer: &issuer,
            },
        )
        .unwrap()
    }

    #[test]
    fn one_page_note_reads_back() {
        let n = note(12, false);
        let pdf = render_credit_note(&n).unwrap();
        let (pages, text) = text_of(&pdf);
        assert_eq!(pages, 1);
        for expected in [
            "CREDIT NOTE",
            "CN-2026-00001",
            "Credits invoice INV-2026-00042 of 2026-11-01",
            "Восток Логистик",
            "Часы выставлены дважды",
            "Amount credited",
            "Page 1 of 1",
        ] {
            assert!(text.contains(expected), "{expected} missing: {text}");
        }
        // 1.50 x 450000 = 675000.00, + 12% = 756000.00
        assert_eq!(n.total, Decimal::new(75_600_000, 2));
        assert!(text.contains("756,000.00 UZS"), "{text}");
        assert!(pdf.len() < 40_000, "{} bytes", pdf.len());
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let page = doc.get_pages().values().next().copied().unwrap();
        let media = doc
            .get_object(page)
            .and_then(|o| o.as_dict().cloned())
            .and_then(|d| d.get(b"MediaBox").cloned())
            .and_then(|m| m.as_array().cloned())
            .unwrap();
        let width = media[2].as_float().unwrap();
        assert!((width - 595.28).abs() < 0.1, "A4 width, got {width}");
    }

    #[test]
    fn same_note_same_bytes_and_not_the_invoice_bytes() {
        let n = note(30, true);
        let a = render_credit_note(&n).unwrap();
        let b = render_credit_note(&n).unwrap();
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
        let inv = render_invoice(&sample_invoice(30), &Issuer::default()).unwrap();
        assert_ne!(sha256_hex(&a), sha256_hex(&inv));
        let mut other = n.clone();
        other.reason = "Another reason".into();
        assert_ne!(
            sha256_hex(&a),
            sha256_hex(&render_credit_note(&other).unwrap())
        );
    }

    #[test]
    fn a_300_line_note_paginates_with_page_n_of_m() {
        let n = note(300, true);
        assert_eq!(n.lines.len(), 300);
        let pdf = render_credit_note(&n).unwrap();
        let (pages, text) = text_of(&pdf);
        assert!(pages > 3, "{pages} pages");
        assert!(text.contains(&format!("Page {pages} of {pages}")), "{text}");
        assert!(text.contains("Page 2 of"));
        assert!(text.contains("Credit note CN-2026-00001 (continued)"));
        assert_eq!(
            text.matches("(continued)").count() + 1,
            text.matches("Unit price").count()
        );
        assert!(text.contains("GULZOR-299"));
        assert!(text.contains(&format!("{} UZS", group_thousands(n.total, 2))));
        assert!(text.contains("INV-2026-00042"));
    }
}
