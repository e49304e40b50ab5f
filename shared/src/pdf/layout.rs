//! Lays an invoice out on A4 pages as positioned text runs and rules: issuer and client
//! blocks, the line table with wrapped descriptions and right-aligned numbers, page breaks
//! that repeat the table header, totals, notes, payment terms, and `Page N of M`.

use super::Issuer;
use super::font::{Face, metrics};
use crate::invoice::{ClientSnapshot, Invoice};
use rust_decimal::Decimal;

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub(super) const MARGIN_X: f32 = 50.0;
pub(super) const MARGIN_TOP: f32 = 56.0;
pub(super) const MARGIN_BOTTOM: f32 = 64.0;
pub(super) const RIGHT: f32 = PAGE_WIDTH - MARGIN_X;
pub(super) const BODY: f32 = 9.0;
pub(super) const LEADING: f32 = 12.0;
// Table columns: description | hours | rate | amount (right edges of the numbers).
pub(super) const COL_HOURS: f32 = 360.0;
pub(super) const COL_RATE: f32 = 450.0;
pub(super) const DESCRIPTION_WIDTH: f32 = 255.0;

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text with its baseline-left corner at (x, y), in points from the bottom left.
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        text: String,
    },
    /// A horizontal rule.
    Rule { x1: f32, x2: f32, y: f32 },
}

/// The items of each page.
pub type Pages = Vec<Vec<Item>>;

/// Lays items out top to bottom, page by page (shared by the invoice and the credit note).
pub(super) struct Writer {
    pub(super) pages: Pages,
    /// The current baseline.
    pub(super) y: f32,
}

impl Writer {
    /// At the top of the first page.
    pub(super) fn new() -> Self {
        Self {
            pages: Vec::new(),
            y: PAGE_HEIGHT - MARGIN_TOP,
        }
    }

    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(super) fn text(&mut self, x: f32, size: f32, face: Face, text: impl Into<String>) {
        let y = self.y;
        self.page().push(Item::Text {
            x,
            y,
            size,
            face,
            text: text.into(),
        });
    }

    pub(super) fn right(
        &mut self,
        right_edge: f32,
        size: f32,
        face: Face,
        text: impl Into<String>,
    ) {
        let text = text.into();
        let x = right_edge - metrics(face).width(&text, size);
        self.text(x, size, face, text);
    }

    pub(super) fn rule(&mut self) {
        let y = self.y;
        self.page().push(Item::Rule {
            x1: MARGIN_X,
            x2: RIGHT,
            y,
        });
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN_TOP;
    }

    /// Room left above the bottom margin.
    pub(super) fn room(&self) -> f32 {
        self.y - MARGIN_BOTTOM
    }
}

/// Greedy word wrap to `width` points; words longer than a line are split by characters.
pub fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let m = metrics(face);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if m.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if m.width(word, size) <= width {
                line = word.to_string();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if m.width(&next, size) > width && !line.is_empty() {
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    } else {
                        line = next;
                    }
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// `1234567.5` -> `1,234,567.50` at the given number of places.
pub fn group_thousands(value: Decimal, places: u32) -> String {
    let mut v = value;
    v.rescale(places);
    let s = v.abs().to_string();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v.is_sign_negative() && !v.is_zero() {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn table_header(w: &mut Writer) {
    w.text(MARGIN_X, BODY, Face::Bold, "Description");
    w.right(COL_HOURS, BODY, Face::Bold, "Hours");
    w.right(COL_RATE, BODY, Face::Bold, "Rate");
    w.right(RIGHT, BODY, Face::Bold, "Amount");
    w.y -= 5.0;
    w.rule();
    w.y -= LEADING;
}

/// Lay out `invoice`; every page but the first starts with a short heading and the table
/// header. `Page N of M` is added to every page at the end.
pub fn layout(invoice: &Invoice, issuer: &Issuer) -> Pages {
    let h = &invoice.header;
    let places = invoice.places();
    let number = h.number.clone().unwrap_or_else(|| "DRAFT".into());
    let mut w = Writer::new();

    // Issuer (left) and invoice facts (right).
    let top = w.y;
    let left_end = issuer_block(&mut w, issuer);
    w.y = top;
    w.right(RIGHT, 20.0, Face::Bold, "INVOICE");
    w.y -= 20.0;
    let mut facts = vec![
        ("Number", number.clone()),
        ("Issue date", h.issue_date.to_string()),
        ("Due date", h.due_date.to_string()),
        ("Period", h.period.to_string()),
    ];
    if let Some(po) = &h.po_number {
        facts.push(("PO number", po.clone()));
    }
    facts_block(&mut w, &facts);
    w.y = w.y.min(left_end) - 14.0;

    // Client.
    client_block(&mut w, "Bill to", &h.client);
    w.y -= 16.0;

    // Line table.
    table_header(&mut w);
    for line in &invoice.line_items {
        let desc = wrap(&line.description, Face::Regular, BODY, DESCRIPTION_WIDTH);
        let height = desc.len() as f32 * LEADING + 4.0;
        if w.room() < height {
            w.new_page();
            w.text(
                MARGIN_X,
                BODY,
                Face::Bold,
                format!("Invoice {number} (continued)"),
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
    if invoice.line_items.is_empty() {
        w.text(MARGIN_X, BODY, Face::Regular, "(no lines)");
        w.y -= LEADING;
    }

    // Totals.
    if w.room() < 4.0 * LEADING + 10.0 {
        w.new_page();
    }
    w.rule();
    w.y -= LEADING + 2.0;
    let cur = &h.currency;
    let totals = [
        (
            "Subtotal",
            group_thousands(h.subtotal, places),
            Face::Regular,
        ),
        (
            &*format!("Tax {}%", h.tax_rate.normalize()),
            group_thousands(h.tax_amount, places),
            Face::Regular,
        ),
        (
            "Total",
            format!("{} {cur}", group_thousands(h.total, places)),
            Face::Bold,
        ),
    ];
    totals_block(&mut w, &totals);
    w.y -= 10.0;

    // Notes and payment terms.
    let terms_days = (h.due_date - h.issue_date).num_days();
    let mut closing: Vec<(Face, String)> = Vec::new();
    if let Some(notes) = &h.notes {
        closing.push((Face::Bold, "Notes".into()));
        closing.extend(
            wrap(notes, Face::Regular, BODY, RIGHT - MARGIN_X)
                .into_iter()
                .map(|l| (Face::Regular, l)),
        );
    }
    closing.push((Face::Bold, "Payment terms".into()));
    let terms = format!(
        "Please pay {} {cur} by {} ({terms_days} days from the issue date), quoting {number}.",
        group_thousands(h.total, places),
        h.due_date
    );
    closing.extend(
        wrap(&terms, Face::Regular, BODY, RIGHT - MARGIN_X)
            .into_iter()
            .map(|l| (Face::Regular, l)),
    );
    for bank in &issuer.bank {
        closing.push((Face::Regular, bank.clone()));
    }
    for (face, text) in closing {
        if w.room() < LEADING {
            w.new_page();
        }
        w.text(MARGIN_X, BODY, face, text);
        w.y -= LEADING;
    }

    // Footer on every page.
    footer(&mut w.pages, &format!("{} · {number}", issuer.name));
    w.pages
}

/// The issuer's name and details at the top left; returns the baseline below them.
pub(super) fn issuer_block(w: &mut Writer, issuer: &Issuer) -> f32 {
    w.text(MARGIN_X, 14.0, Face::Bold, issuer.name.clone());
    w.y -= 16.0;
    for line in issuer
        .address
        .iter()
        .chain(issuer.tax_id.iter())
        .chain(issuer.email.iter())
    {
        w.text(MARGIN_X, BODY, Face::Regular, line.clone());
        w.y -= LEADING;
    }
    w.y
}

/// Label / value pairs, right-aligned at the right margin.
pub(super) fn facts_block(w: &mut Writer, facts: &[(&str, String)]) {
    for (label, value) in facts {
        w.right(RIGHT - 110.0, BODY, Face::Bold, *label);
        w.right(RIGHT, BODY, Face::Regular, value.clone());
        w.y -= LEADING;
    }
}

/// The client's snapshot under `heading`: name, address, tax id, email.
pub(super) fn client_block(w: &mut Writer, heading: &str, client: &ClientSnapshot) {
    w.text(MARGIN_X, BODY, Face::Bold, heading);
    w.y -= LEADING + 2.0;
    for line in wrap(&client.name, Face::Bold, 11.0, 300.0) {
        w.text(MARGIN_X, 11.0, Face::Bold, line);
        w.y -= 14.0;
    }
    let a = &client.address;
    let mut client_lines = vec![a.line1.clone()];
    client_lines.extend(a.line2.clone());
    client_lines.push(
        [
            a.postal_code.clone().unwrap_or_default(),
            a.city.clone(),
            a.country.clone(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" "),
    );
    if let Some(t) = &client.tax_id {
        client_lines.push(format!("Tax ID: {t}"));
    }
    client_lines.push(client.email.clone());
    for line in client_lines {
        for l in wrap(&line, Face::Regular, BODY, 300.0) {
            w.text(MARGIN_X, BODY, Face::Regular, l);
            w.y -= LEADING;
        }
    }
}

/// Totals rows (label, value, face): bold rows are larger; labels end left of the widest
/// value, so a long total never runs into its label.
pub(super) fn totals_block(w: &mut Writer, totals: &[(&str, String, Face)]) {
    let size_of = |face: Face| if face == Face::Bold { 11.0 } else { BODY };
    let widest = totals
        .iter()
        .map(|(_, value, face)| metrics(*face).width(value, size_of(*face)))
        .fold(0.0_f32, f32::max);
    let label_edge = COL_RATE.min(RIGHT - widest - 14.0);
    for (label, value, face) in totals {
        w.right(label_edge, BODY, Face::Bold, label.to_string());
        w.right(RIGHT, size_of(*face), *face, value.clone());
        w.y -= LEADING + 2.0;
    }
}

/// `Page N of M` at the bottom right of every page and `left` at the bottom left.
pub(super) fn footer(pages: &mut Pages, left: &str) {
    let total_pages = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let label = format!("Page {} of {total_pages}", i + 1);
        let x = RIGHT - metrics(Face::Regular).width(&label, 8.0);
        page.push(Item::Text {
            x,
            y: MARGIN_BOTTOM - 30.0,
            size: 8.0,
            face: Face::Regular,
            text: label,
        });
        page.push(Item::Text {
            x: MARGIN_X,
            y: MARGIN_BOTTOM - 30.0,
            size: 8.0,
            face: Face::Regular,
            text: left.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_at_the_currency_scale() {
        assert_eq!(
            group_thousands(Decimal::new(123456750, 2), 2),
            "1,234,567.50"
        );
        assert_eq!(group_thousands(Decimal::new(999, 0), 2), "999.00");
        assert_eq!(group_thousands(Decimal::new(1000, 0), 0), "1,000");
        assert_eq!(group_thousands(Decimal::new(-12345, 1), 1), "-1,234.5");
    }

    #[test]
    fn wraps_by_real_widths() {
        let text = "Oʻzbekiston ovozi koʻchasi — очень длинное описание работы ".repeat(6);
        let lines = wrap(&text, Face::Regular, BODY, DESCRIPTION_WIDTH);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(
                metrics(Face::Regular).width(l, BODY) <= DESCRIPTION_WIDTH + 0.01,
                "{l}"
            );
        }
        let rejoined: String = lines.join(" ");
        assert_eq!(
            rejoined.split_whitespace().count(),
            text.split_whitespace().count()
        );
        let long_word = wrap(&"x".repeat(400), Face::Regular, BODY, 100.0);
        assert!(long_word.len() > 1);
    }
}
