//! Acts of completed work (акт выполненных работ, bajarilgan ishlar dalolatnomasi): the
//! primary document both parties sign for services, made from an issued invoice only (its
//! recorded issuer, client snapshot with the contract, lines, totals and UZS equivalent),
//! in the invoice's language, with the invoice's sections, font subsetting and determinism
//! (the same invoice gives the same bytes; the document id derives from the invoice's).

use super::Issuer;
use super::font::{self, Face};
use super::labels::Labels;
use super::layout::invoice_locale;
use super::page::{PAGE_WIDTH, Pages, TEXT_WIDTH, Writer, column, size, space, wrap};
use super::sections::{self, Row, TableHeader};
use crate::Result;
use crate::domain::Locale;
use crate::invoice::Invoice;
use uuid::Uuid;

/// Where the second party's block and signature start.
const SECOND_PARTY: f32 = column::LEFT + TEXT_WIDTH / 2.0 + 10.0;
/// The width of one party's block.
const PARTY_WIDTH: f32 = TEXT_WIDTH / 2.0 - 10.0;

/// What every section of one act needs.
struct Doc<'a> {
    invoice: &'a Invoice,
    issuer: &'a Issuer,
    locale: Locale,
    labels: &'static Labels,
    places: u32,
    number: String,
}

/// Lay the act of `invoice` out: title, number and date, what it is made under, both
/// parties, the services, totals with the UZS equivalent, the statement that the services
/// were rendered and accepted, signature and stamp lines, `Page N of M`.
pub fn layout(invoice: &Invoice, issuer: &Issuer) -> Pages {
    let locale = invoice_locale(invoice);
    let doc = Doc {
        invoice,
        issuer,
        locale,
        labels: Labels::of(locale),
        places: invoice.places(),
        number: name(invoice),
    };
    let mut w = Writer::new();
    title(&mut w, &doc);
    parties(&mut w, &doc);
    services(&mut w, &doc);
    totals(&mut w, &doc);
    signatures(&mut w, &doc);
    let left = format!("{} · {} · {}", issuer.name, doc.labels.act, doc.number);
    sections::footer(&mut w.pages, &left, doc.labels);
    w.pages
}

/// The invoice's number (the act carries it).
fn name(invoice: &Invoice) -> String {
    invoice
        .header
        .number
        .clone()
        .unwrap_or_else(|| invoice.header.id.to_string())
}

/// `text` centred between the margins, wrapped.
fn centred(w: &mut Writer, text: &str, face: Face, size: f32, leading: f32) {
    for line in wrap(text, face, size, TEXT_WIDTH) {
        let width = font::metrics(face).width(&line, size);
        w.text((PAGE_WIDTH - width) / 2.0, size, face, line);
        w.y -= leading;
    }
}

/// The title, `No. INV-… · date`, and the contract and invoice it is made under.
fn title(w: &mut Writer, d: &Doc<'_>) {
    let (h, l, loc) = (&d.invoice.header, d.labels, d.locale);
    centred(
        w,
        l.act_title,
        Face::Bold,
        size::ISSUER_NAME,
        space::ISSUER_NAME_LEADING + space::TIGHT,
    );
    let facts = format!("{} {} · {}", l.number, d.number, loc.date(h.issue_date));
    centred(w, &facts, Face::Regular, size::BODY, space::LEADING);
    w.y -= space::SECTION;
    let contract_date = h.client.contract_date.map(|c| loc.date(c));
    let contract = h
        .client
        .contract_number
        .as_deref()
        .map(|n| (n, contract_date.as_deref()));
    let basis = l.act_basis(contract, &d.number, &loc.date(h.issue_date));
    sections::paragraph(w, Face::Regular, &basis);
    w.y -= space::SECTION;
}

/// One party's lines at `x`: heading, name, details; returns the baseline below them.
fn party_block(w: &mut Writer, x: f32, heading: &str, name: &str, details: &[String]) -> f32 {
    w.text(x, size::BODY, Face::Bold, heading);
    w.y -= space::LEADING + space::TIGHT;
    for line in wrap(name, Face::Bold, size::EMPHASIS, PARTY_WIDTH) {
        w.text(x, size::EMPHASIS, Face::Bold, line);
        w.y -= space::EMPHASIS_LEADING;
    }
    for detail in details {
        for line in wrap(detail, Face::Regular, size::BODY, PARTY_WIDTH) {
            w.text(x, size::BODY, Face::Regular, line);
            w.y -= space::LEADING;
        }
    }
    w.y
}

/// Contractor (the issuer as recorded at finalize, with its bank) beside the customer.
fn parties(w: &mut Writer, d: &Doc<'_>) {
    let l = d.labels;
    let top = w.y;
    let issuer: Vec<String> = d
        .issuer
        .address
        .iter()
        .chain(d.issuer.tax_id.iter())
        .chain(d.issuer.email.iter())
        .chain(d.issuer.bank.iter())
        .cloned()
        .collect();
    let left_end = party_block(w, column::LEFT, l.contractor, &d.issuer.name, &issuer);
    w.y = top;
    let client = &d.invoice.header.client;
    let right_end = party_block(
        w,
        SECOND_PARTY,
        l.customer,
        &client.name,
        &sections::client_lines(client, l, true),
    );
    w.y = left_end.min(right_end) - space::ABOVE_TABLE;
}

/// The period, then description, hours, rate, amount per invoice line.
fn services(w: &mut Writer, d: &Doc<'_>) {
    let l = d.labels;
    let preamble = l.act_preamble(&d.locale.period(d.invoice.header.period));
    sections::paragraph(w, Face::Regular, &preamble);
    w.y -= space::ROW_GAP;
    let header = TableHeader {
        columns: [l.description, l.quantity, l.unit_price, l.amount],
        continued: format!("{} {} {}", l.act, d.number, l.continued),
    };
    let rows = d.invoice.line_items.iter().map(|line| Row {
        description: line.description.clone(),
        numbers: [
            d.locale.number(line.quantity, 2),
            d.locale
                .number(line.unit_price, line.unit_price.scale().max(d.places)),
            d.locale.number(line.amount, d.places),
        ],
    });
    if !sections::line_table(w, &header, rows) {
        w.text(column::LEFT, size::BODY, Face::Regular, l.no_lines);
        w.y -= space::LEADING;
    }
}

/// Subtotal, VAT, total with its currency, and the UZS equivalent frozen at finalize.
fn totals(w: &mut Writer, d: &Doc<'_>) {
    let h = &d.invoice.header;
    let figures = sections::Figures {
        subtotal: h.subtotal,
        tax_rate: h.tax_rate,
        tax_amount: h.tax_amount,
        total: h.total,
        currency: &h.currency,
        accounting: h.accounting.as_ref(),
    };
    let style = (d.locale, d.labels, d.places);
    sections::figures(w, &figures, d.labels.act_total, style);
}

/// The statement that the services were rendered and accepted, then both parties'
/// signature and stamp lines side by side (kept together on one page).
fn signatures(w: &mut Writer, d: &Doc<'_>) {
    let l = d.labels;
    let statement = wrap(l.act_statement(), Face::Regular, size::BODY, TEXT_WIDTH);
    let client = &d.invoice.header.client.name;
    // The longer of the two names, wrapped as printed: the block never runs into the footer.
    let name_lines = [&d.issuer.name, client]
        .iter()
        .map(|n| wrap(n, Face::Regular, size::BODY, PARTY_WIDTH).len())
        .max()
        .unwrap_or(1) as f32;
    let needed =
        (statement.len() as f32 + name_lines + 7.0) * space::LEADING + space::SECTION * 3.0;
    if w.room() < needed {
        w.new_page();
    }
    sections::paragraph(w, Face::Regular, l.act_statement());
    w.y -= space::SECTION * 2.0;
    sections::signatures(w, l, [(l.contractor, &d.issuer.name), (l.customer, client)]);
}

/// Render the act of completed work of `invoice` to PDF bytes (A4; deterministic).
pub fn render_act(invoice: &Invoice, issuer: &Issuer) -> Result<Vec<u8>> {
    font::ready()?;
    let pages = layout(invoice, issuer);
    let labels = Labels::of(invoice_locale(invoice));
    let title = format!(
        "{} {} — {}",
        labels.act,
        name(invoice),
        invoice.header.client.name
    );
    let id = Uuid::new_v5(&invoice.header.id, b"act");
    super::save(&pages, &title, &issuer.name, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::sample::sample_invoice;
    use crate::pdf::{render_invoice, sha256_hex};

    fn text_of(pdf: &[u8]) -> (usize, String) {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let text = doc.extract_text(&pages).unwrap_or_default();
        (pages.len(), text)
    }

    #[test]
    fn a_russian_act_names_both_parties_the_contract_and_the_services() {
        let mut invoice = sample_invoice(5);
        invoice.header.locale = Some(Locale::Ru);
        let pdf = render_act(&invoice, &Issuer::default()).unwrap();
        let (pages, text) = text_of(&pdf);
        assert_eq!(pages, 1);
        for expected in [
            "АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ)",
            "INV-2026-00042",
            "По договору № 12/2026-IT от 15.01.2026 и счёту INV-2026-00042",
            "Исполнитель",
            "Заказчик",
            "Восток Логистик",
            "претензий",
            "М.П.",
            "подпись",
            "Страница 1 из 1",
        ] {
            assert!(text.contains(expected), "{expected:?} missing: {text}");
        }
        let total = Locale::Ru.money(invoice.header.total, 2, "UZS");
        assert!(text.contains(&total), "{total:?} missing: {text}");
    }

    #[test]
    fn the_same_invoice_gives_the_same_act_and_not_its_pdf() {
        let invoice = sample_invoice(40);
        let issuer = Issuer::default();
        let a = render_act(&invoice, &issuer).unwrap();
        assert_eq!(
            sha256_hex(&a),
            sha256_hex(&render_act(&invoice, &issuer).unwrap())
        );
        assert_ne!(
            sha256_hex(&a),
            sha256_hex(&render_invoice(&invoice, &issuer).unwrap())
        );
    }

    #[test]
    fn a_long_act_paginates_and_keeps_its_signatures_together() {
        let invoice = sample_invoice(120);
        let pdf = render_act(&invoice, &Issuer::default()).unwrap();
        let (pages, text) = text_of(&pdf);
        assert!(pages > 2, "{pages} pages");
        assert!(text.contains(&format!("Page {pages} of {pages}")));
        assert!(text.contains("Certificate of completed work INV-2026-00042 (continued)"));
        let last = lopdf::Document::load_mem(&pdf)
            .unwrap()
            .extract_text(&[pages as u32])
            .unwrap();
        assert!(
            last.contains("Contractor") && last.contains("Customer"),
            "{last}"
        );
        assert_eq!(
            last.matches("Stamp").count(),
            2,
            "both stamps on the last page: {last}"
        );
        assert!(last.contains("no claims"), "{last}");
    }

    #[test]
    fn long_party_names_keep_the_signatures_above_the_footer() {
        let mut invoice = sample_invoice(38);
        invoice.header.client.name = "Общество с ограниченной ответственностью «Восток Логистик \
            Интернешнл Трейдинг энд Консалтинг Сервисез Центральная Азия»"
            .repeat(2);
        let pages = layout(&invoice, &Issuer::default());
        for page in &pages {
            for item in page {
                if let crate::pdf::page::Item::Text { y, size, .. } = item
                    && *size > crate::pdf::page::size::FOOTER
                {
                    assert!(*y >= crate::pdf::page::MARGIN_BOTTOM - 1.0, "{item:?}");
                }
            }
        }
    }

    #[test]
    fn without_a_contract_the_act_is_made_under_the_invoice() {
        let mut invoice = sample_invoice(3);
        invoice.header.client.contract_number = None;
        invoice.header.client.contract_date = None;
        invoice.header.locale = Some(Locale::Uz);
        let (_, text) = text_of(&render_act(&invoice, &Issuer::default()).unwrap());
        assert!(
            text.contains("BAJARILGAN ISHLAR (KOʻRSATILGAN XIZMATLAR)")
                && text.contains("DALOLATNOMASI"),
            "{text}"
        );
        assert!(text.contains("hisob-faktura asosida"), "{text}");
        assert!(!text.contains("shartnoma"), "{text}");
        assert!(text.contains("Ijrochi") && text.contains("Buyurtmachi"));
    }
}
