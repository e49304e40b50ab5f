//! Lays an invoice out on A4 pages, one function per section: header (issuer, title, facts),
//! the client, the line table (page breaks repeat its header), totals, notes and payment
//! terms, and the footer with `Page N of M`; every word and number in the invoice's locale.

use super::Issuer;
use super::font::Face;
use super::labels::Labels;
use super::page::{Pages, Writer, column, size, space};
use super::sections::{self, Row, TableHeader};
use crate::domain::Locale;
use crate::invoice::Invoice;

/// What every section of one invoice needs: the invoice, its language and number.
struct Doc<'a> {
    invoice: &'a Invoice,
    issuer: &'a Issuer,
    locale: Locale,
    labels: &'static Labels,
    places: u32,
    /// The number, or `DRAFT`.
    number: String,
}

impl Doc<'_> {
    fn money(&self, value: rust_decimal::Decimal) -> String {
        self.locale
            .money(value, self.places, &self.invoice.header.currency)
    }
}

/// The language an invoice is printed in: the one recorded at finalize; English for
/// invoices finalized before locales were recorded (and for drafts).
pub fn invoice_locale(invoice: &Invoice) -> Locale {
    invoice.header.locale.unwrap_or_default()
}

/// Lay out `invoice` in its locale.
pub fn layout(invoice: &Invoice, issuer: &Issuer) -> Pages {
    let locale = invoice_locale(invoice);
    let doc = Doc {
        invoice,
        issuer,
        locale,
        labels: Labels::of(locale),
        places: invoice.places(),
        number: invoice
            .header
            .number
            .clone()
            .unwrap_or_else(|| "DRAFT".into()),
    };
    let mut w = Writer::new();
    header(&mut w, &doc);
    client(&mut w, &doc);
    lines(&mut w, &doc);
    totals(&mut w, &doc);
    notes(&mut w, &doc);
    payment_terms(&mut w, &doc);
    footer(&mut w, &doc);
    w.pages
}

/// Issuer, `INVOICE`, and number, dates, period, PO number.
fn header(w: &mut Writer, d: &Doc<'_>) {
    let h = &d.invoice.header;
    let l = d.labels;
    let mut facts = vec![
        (l.number, d.number.clone()),
        (l.issue_date, d.locale.date(h.issue_date)),
        (l.due_date, d.locale.date(h.due_date)),
        (l.period, d.locale.period(h.period)),
    ];
    if let Some(po) = &h.po_number {
        facts.push((l.po_number, po.clone()));
    }
    sections::header(w, d.issuer, l.invoice_title, &facts);
}

/// "Bill to" and the client's snapshot.
fn client(w: &mut Writer, d: &Doc<'_>) {
    sections::party(w, d.labels.bill_to, &d.invoice.header.client, d.labels);
    w.y -= space::ABOVE_TABLE;
}

/// Description, hours, rate, amount per line.
fn lines(w: &mut Writer, d: &Doc<'_>) {
    let l = d.labels;
    let header = TableHeader {
        columns: [l.description, l.hours, l.rate, l.amount],
        continued: format!("{} {} {}", l.invoice, d.number, l.continued),
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

/// Subtotal, tax and the total with its currency.
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
    sections::figures(w, &figures, d.labels.total, style);
}

/// The invoice's notes, if any.
fn notes(w: &mut Writer, d: &Doc<'_>) {
    if let Some(notes) = &d.invoice.header.notes {
        sections::paragraph(w, Face::Bold, d.labels.notes);
        sections::paragraph(w, Face::Regular, notes);
    }
}

/// What to pay by when, and the issuer's bank details.
fn payment_terms(w: &mut Writer, d: &Doc<'_>) {
    let h = &d.invoice.header;
    let days = (h.due_date - h.issue_date).num_days();
    sections::paragraph(w, Face::Bold, d.labels.payment_terms);
    let terms = d.labels.please_pay(
        &d.money(h.total),
        &d.locale.date(h.due_date),
        days,
        &d.number,
    );
    sections::paragraph(w, Face::Regular, &terms);
    for bank in &d.issuer.bank {
        sections::paragraph(w, Face::Regular, bank);
    }
}

/// Issuer and number at the bottom left, `Page N of M` at the bottom right of every page.
fn footer(w: &mut Writer, d: &Doc<'_>) {
    let left = format!("{} · {}", d.issuer.name, d.number);
    sections::footer(&mut w.pages, &left, d.labels);
}
