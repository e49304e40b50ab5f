//! Credit-note PDFs: a pure function from a credit note to bytes, with the invoice's
//! sections, font subsetting and determinism (same note, same bytes; the document id comes
//! from the note's id), in the locale recorded on the note. Amounts are printed positive
//! under "Amount credited".

use super::font::{self, Face};
use super::labels::Labels;
use super::page::{Pages, Writer, space};
use super::sections::{self, Row, TableHeader};
use crate::Result;
use crate::domain::Locale;
use crate::domain::invoice::credit_note::CreditNote;

/// What every section of one note needs.
struct Doc<'a> {
    note: &'a CreditNote,
    locale: Locale,
    labels: &'static Labels,
    places: u32,
}

impl Doc<'_> {
    fn money(&self, value: rust_decimal::Decimal) -> String {
        self.locale.money(value, self.places, &self.note.currency)
    }
}

/// Lay `note` out: header, client, what it corrects and why, lines, totals, closing
/// sentence, and `Page N of M` on every page.
pub fn layout(note: &CreditNote) -> Pages {
    let locale = note.locale.unwrap_or_default();
    let doc = Doc {
        note,
        locale,
        labels: Labels::of(locale),
        places: note.places(),
    };
    let mut w = Writer::new();
    header(&mut w, &doc);
    client(&mut w, &doc);
    reason(&mut w, &doc);
    lines(&mut w, &doc);
    totals(&mut w, &doc);
    closing(&mut w, &doc);
    footer(&mut w, &doc);
    w.pages
}

/// Issuer, `CREDIT NOTE`, its number and date, and the credited invoice's.
fn header(w: &mut Writer, d: &Doc<'_>) {
    let (n, l, loc) = (d.note, d.labels, d.locale);
    let facts = [
        (l.number, n.number.clone()),
        (l.issue_date, loc.date(n.issue_date)),
        (l.invoice_number, n.invoice_number.clone()),
        (l.invoice_date, loc.date(n.invoice_issue_date)),
        (l.period, loc.period(n.invoice_period)),
    ];
    sections::header(w, &n.issuer, l.credit_note_title, &facts);
}

/// "Credit to" and the client as on the invoice.
fn client(w: &mut Writer, d: &Doc<'_>) {
    sections::party(w, d.labels.credit_to, &d.note.client, d.labels);
    w.y -= space::SECTION;
}

/// Which invoice the note corrects, and the reason given.
fn reason(w: &mut Writer, d: &Doc<'_>) {
    let (n, loc) = (d.note, d.locale);
    let credits = d.labels.credits_invoice(
        &n.invoice_number,
        &loc.date(n.invoice_issue_date),
        &loc.period(n.invoice_period),
    );
    sections::paragraph(w, Face::Bold, &credits);
    w.y -= space::ROW_GAP;
    sections::paragraph(w, Face::Bold, d.labels.reason);
    sections::paragraph(w, Face::Regular, &n.reason);
    w.y -= space::LEADING;
}

/// Description, quantity, unit price, amount per credited line.
fn lines(w: &mut Writer, d: &Doc<'_>) {
    let l = d.labels;
    let header = TableHeader {
        columns: [l.description, l.quantity, l.unit_price, l.amount],
        continued: format!("{} {} {}", l.credit_note, d.note.number, l.continued),
    };
    let rows = d.note.lines.iter().map(|line| Row {
        description: line.description.clone(),
        numbers: [
            d.locale.number(line.quantity, 2),
            d.locale
                .number(line.unit_price, line.unit_price.scale().max(d.places)),
            d.locale.number(line.amount, d.places),
        ],
    });
    sections::line_table(w, &header, rows);
}

/// Subtotal, tax and the amount credited with its currency.
fn totals(w: &mut Writer, d: &Doc<'_>) {
    let n = d.note;
    let figures = sections::Figures {
        subtotal: n.subtotal,
        tax_rate: n.tax_rate,
        tax_amount: n.tax_amount,
        total: n.total,
        currency: &n.currency,
        accounting: n.accounting.as_ref(),
    };
    let style = (d.locale, d.labels, d.places);
    sections::figures(w, &figures, d.labels.amount_credited, style);
}

/// What the note does to the invoice's amount due.
fn closing(w: &mut Writer, d: &Doc<'_>) {
    let sentence = d
        .labels
        .reduces_amount_due(&d.note.invoice_number, &d.money(d.note.total));
    sections::paragraph(w, Face::Regular, &sentence);
}

/// Issuer and number at the bottom left, `Page N of M` at the bottom right.
fn footer(w: &mut Writer, d: &Doc<'_>) {
    let left = format!("{} · {}", d.note.issuer.name, d.note.number);
    sections::footer(&mut w.pages, &left, d.labels);
}

/// Render `note` to PDF bytes (A4; the same note gives the same bytes).
pub fn render_credit_note(note: &CreditNote) -> Result<Vec<u8>> {
    font::ready()?;
    let pages = layout(note);
    let labels = Labels::of(note.locale.unwrap_or_default());
    let title = format!(
        "{} {} — {}",
        labels.credit_note, note.number, note.client.name
    );
    super::save(&pages, &title, &note.issuer.name, note.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invoice::credit_note::{
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
            crate::domain::invoice::credit_note::Credited::default(),
            NewCreditNote {
                id: Uuid::from_u128(0xC1),
                number: credit_note_number(2026, 1),
                issue_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                created_by: "accountant@proxima.local",
                created_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
                fallback_issuer: &issuer,
                locale: Default::default(),
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
        assert!(text.contains(&format!("{} UZS", Locale::En.number(n.total, 2))));
        assert!(text.contains("INV-2026-00042"));
    }

    #[test]
    fn an_uzbek_note_reads_back_in_uzbek_with_its_amounts() {
        let mut n = note(12, false);
        n.locale = Some(Locale::Uz);
        let pdf = render_credit_note(&n).unwrap();
        let (_, text) = text_of(&pdf);
        for expected in [
            "KREDIT-NOTA",
            "Oluvchi",
            "Asos",
            "Miqdori",
            "Narxi",
            "Jami kreditlangan",
            "01.11.2026 sanali INV-2026-00042 hisob-fakturasiga tuzatish (davr: oktabr, 2026).",
            "20.11.2026",
            "Sahifa 1 / 1",
            "756\u{a0}000,00\u{a0}UZS",
            "675\u{a0}000,00",
            "450\u{a0}000,00",
            "1,50",
        ] {
            assert!(text.contains(expected), "{expected:?} missing: {text}");
        }
        assert!(!text.contains("CREDIT NOTE") && !text.contains("Amount credited"));
        let names = crate::pdf::base_font_names(&pdf).unwrap();
        assert!(
            names.iter().all(|n| n.len() > 7 && n.as_bytes()[6] == b'+'),
            "{names:?}"
        );
    }
}
