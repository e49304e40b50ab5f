//! The sections both documents are made of, each one function: the header (issuer, title,
//! facts), the party block, the line table with its repeated header, the totals, running
//! paragraphs and the page footer. Labels come in already translated.

use super::Issuer;
use super::font::{Face, metrics};
use super::labels::Labels;
use super::page::{Item, Pages, RIGHT, TEXT_WIDTH, Writer, column, size, space, wrap};
use crate::domain::Locale;
use crate::invoice::ClientSnapshot;
use crate::rates::Accounting;

/// The top of the first page: the issuer's name and details at the left, `title` and the
/// label/value `facts` at the right; leaves the baseline below the lower of the two.
pub(super) fn header(w: &mut Writer, issuer: &Issuer, title: &str, facts: &[(&str, String)]) {
    let top = w.y;
    let left_end = issuer_block(w, issuer);
    w.y = top;
    w.right(RIGHT, size::TITLE, Face::Bold, title);
    w.y -= space::BELOW_TITLE;
    facts_block(w, facts);
    w.y = w.y.min(left_end) - space::BELOW_HEADER;
}

/// The issuer's name and details at the top left; returns the baseline below them.
fn issuer_block(w: &mut Writer, issuer: &Issuer) -> f32 {
    w.text(
        column::LEFT,
        size::ISSUER_NAME,
        Face::Bold,
        issuer.name.clone(),
    );
    w.y -= space::ISSUER_NAME_LEADING;
    for line in issuer
        .address
        .iter()
        .chain(issuer.tax_id.iter())
        .chain(issuer.email.iter())
    {
        w.text(column::LEFT, size::BODY, Face::Regular, line.clone());
        w.y -= space::LEADING;
    }
    w.y
}

/// Label / value pairs, values right-aligned at the right margin, labels right-aligned left
/// of the widest value (never closer than [`column::FACT_VALUE`] to the margin).
fn facts_block(w: &mut Writer, facts: &[(&str, String)]) {
    let widest = facts
        .iter()
        .map(|(_, value)| metrics(Face::Regular).width(value, size::BODY))
        .fold(0.0_f32, f32::max);
    let label_edge = (RIGHT - column::FACT_VALUE).min(RIGHT - widest - column::LABEL_GAP);
    for (label, value) in facts {
        w.right(label_edge, size::BODY, Face::Bold, *label);
        w.right(RIGHT, size::BODY, Face::Regular, value.clone());
        w.y -= space::LEADING;
    }
}

/// The client's snapshot under `heading`: name, address, tax id, email.
pub(super) fn party(w: &mut Writer, heading: &str, client: &ClientSnapshot, labels: &Labels) {
    w.text(column::LEFT, size::BODY, Face::Bold, heading);
    w.y -= space::LEADING + space::TIGHT;
    for line in wrap(
        &client.name,
        Face::Bold,
        size::EMPHASIS,
        column::PARTY_WIDTH,
    ) {
        w.text(column::LEFT, size::EMPHASIS, Face::Bold, line);
        w.y -= space::EMPHASIS_LEADING;
    }
    for line in client_lines(client, labels, false) {
        for l in wrap(&line, Face::Regular, size::BODY, column::PARTY_WIDTH) {
            w.text(column::LEFT, size::BODY, Face::Regular, l);
            w.y -= space::LEADING;
        }
    }
}

/// The client's printed details under its name: address, tax id (and its VAT id when
/// `with_vat_id`), e-mail.
pub(super) fn client_lines(
    client: &ClientSnapshot,
    labels: &Labels,
    with_vat_id: bool,
) -> Vec<String> {
    let a = &client.address;
    let mut lines = vec![a.line1.clone()];
    lines.extend(a.line2.clone());
    lines.push(
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
        lines.push(format!("{}: {t}", labels.tax_id));
    }
    if with_vat_id && let Some(v) = &client.vat_id {
        lines.push(v.clone());
    }
    lines.push(client.email.clone());
    lines
}

/// The line table's header: the column titles and the heading of continuation pages.
pub(super) struct TableHeader<'a> {
    /// Description, first number, second number, amount.
    pub columns: [&'a str; 4],
    /// "Invoice INV-2026-00042 (continued)", at the top of every page after the first.
    pub continued: String,
}

/// One row of the line table: the description (wrapped) and three formatted numbers.
pub(super) struct Row {
    pub description: String,
    pub numbers: [String; 3],
}

fn table_columns(w: &mut Writer, header: &TableHeader<'_>) {
    let [description, first, second, amount] = header.columns;
    w.text(column::LEFT, size::BODY, Face::Bold, description);
    w.right(column::FIRST_NUMBER, size::BODY, Face::Bold, first);
    w.right(column::SECOND_NUMBER, size::BODY, Face::Bold, second);
    w.right(column::AMOUNT, size::BODY, Face::Bold, amount);
    w.y -= space::ABOVE_RULE;
    w.rule();
    w.y -= space::LEADING;
}

/// The line table: a row never splits across pages; a page break repeats the column header
/// under the `continued` heading. Returns whether any row was drawn.
pub(super) fn line_table(
    w: &mut Writer,
    header: &TableHeader<'_>,
    rows: impl IntoIterator<Item = Row>,
) -> bool {
    table_columns(w, header);
    let mut any = false;
    for row in rows {
        any = true;
        let desc = wrap(
            &row.description,
            Face::Regular,
            size::BODY,
            column::DESCRIPTION_WIDTH,
        );
        let height = desc.len() as f32 * space::LEADING + space::ROW_GAP;
        if w.room() < height {
            w.new_page();
            w.text(
                column::LEFT,
                size::BODY,
                Face::Bold,
                header.continued.clone(),
            );
            w.y -= space::LEADING * 2.0;
            table_columns(w, header);
        }
        let [first, second, amount] = row.numbers;
        w.right(column::FIRST_NUMBER, size::BODY, Face::Regular, first);
        w.right(column::SECOND_NUMBER, size::BODY, Face::Regular, second);
        w.right(column::AMOUNT, size::BODY, Face::Regular, amount);
        for l in desc {
            w.text(column::LEFT, size::BODY, Face::Regular, l);
            w.y -= space::LEADING;
        }
        w.y -= space::ROW_GAP;
    }
    any
}

/// One totals row: label, formatted value, and whether it is the grand total (bold, larger).
pub(super) struct TotalRow {
    pub label: String,
    pub value: String,
    pub grand: bool,
}

/// The totals under a rule, on a new page if they do not fit; labels end left of the
/// widest value, so a long total never runs into its label.
pub(super) fn totals(w: &mut Writer, rows: &[TotalRow]) {
    let row_height = space::LEADING + space::TIGHT;
    if w.room() < rows.len() as f32 * row_height + space::LEADING + space::SECTION {
        w.new_page();
    }
    w.rule();
    w.y -= row_height;
    let style = |grand: bool| {
        if grand {
            (Face::Bold, size::EMPHASIS)
        } else {
            (Face::Regular, size::BODY)
        }
    };
    let widest = rows
        .iter()
        .map(|r| {
            let (face, size) = style(r.grand);
            metrics(face).width(&r.value, size)
        })
        .fold(0.0_f32, f32::max);
    let label_edge = column::SECOND_NUMBER.min(RIGHT - widest - column::LABEL_GAP);
    for row in rows {
        let (face, value_size) = style(row.grand);
        w.right(label_edge, size::BODY, Face::Bold, row.label.clone());
        w.right(RIGHT, value_size, face, row.value.clone());
        w.y -= row_height;
    }
    w.y -= space::SECTION;
}

/// The figures under a document's lines.
pub(super) struct Figures<'a> {
    pub subtotal: rust_decimal::Decimal,
    pub tax_rate: rust_decimal::Decimal,
    pub tax_amount: rust_decimal::Decimal,
    pub total: rust_decimal::Decimal,
    pub currency: &'a str,
    /// The UZS equivalent frozen on the document, if it has one.
    pub accounting: Option<&'a Accounting>,
}

/// Subtotal, tax with its rate, the total (labelled `total_label`, with its currency) and
/// the UZS equivalent under them: the totals of every document.
pub(super) fn figures(
    w: &mut Writer,
    f: &Figures<'_>,
    total_label: &str,
    (locale, labels, places): (Locale, &Labels, u32),
) {
    let rows = [
        TotalRow {
            label: labels.subtotal.into(),
            value: locale.number(f.subtotal, places),
            grand: false,
        },
        TotalRow {
            label: format!("{} {}", labels.tax, locale.percent(f.tax_rate)),
            value: locale.number(f.tax_amount, places),
            grand: false,
        },
        TotalRow {
            label: total_label.into(),
            value: locale.money(f.total, places, f.currency),
            grand: true,
        },
    ];
    totals(w, &rows);
    if let Some(a) = f.accounting {
        equivalent(w, a, f.currency, locale, labels);
    }
}

/// The document's UZS equivalent under its totals: "Equivalent: 16 937 480,99 UZS at the
/// Central Bank of Uzbekistan rate of 02.12.2026 (1 USD = 12 735,37 UZS)."
fn equivalent(w: &mut Writer, a: &Accounting, currency: &str, locale: Locale, labels: &Labels) {
    let places = crate::domain::invoice::money::minor_unit(&a.currency);
    let rate = format!(
        "{} {currency} = {}",
        a.nominal,
        locale.money(a.rate, a.rate.scale(), &a.currency)
    );
    let sentence = labels.equivalent(
        &locale.money(a.total, places, &a.currency),
        &locale.date(a.rate_date),
        &rate,
    );
    paragraph(w, Face::Regular, &sentence);
    w.y -= space::LEADING;
}

/// `text` wrapped to the text width, breaking the page where a line does not fit.
pub(super) fn paragraph(w: &mut Writer, face: Face, text: &str) {
    for line in wrap(text, face, size::BODY, TEXT_WIDTH) {
        if w.room() < space::LEADING {
            w.new_page();
        }
        w.text(column::LEFT, size::BODY, face, line);
        w.y -= space::LEADING;
    }
}

/// `Page N of M` (translated) at the bottom right of every page and `left` at the bottom
/// left.
pub(super) fn footer(pages: &mut Pages, left: &str, labels: &Labels) {
    let total_pages = pages.len();
    let y = space::FOOTER_BASELINE;
    for (i, page) in pages.iter_mut().enumerate() {
        let label = labels.page_of(i + 1, total_pages);
        let x = RIGHT - metrics(Face::Regular).width(&label, size::FOOTER);
        page.push(Item::Text {
            x,
            y,
            size: size::FOOTER,
            face: Face::Regular,
            text: label,
        });
        page.push(Item::Text {
            x: column::LEFT,
            y,
            size: size::FOOTER,
            face: Face::Regular,
            text: left.to_string(),
        });
    }
}

/// A signature line.
const SIGNATURE_LINE: &str = "______________________";

/// Where the second of two side-by-side blocks starts, and each one's width.
pub(super) const SECOND_COLUMN: f32 = column::LEFT + TEXT_WIDTH / 2.0 + 10.0;
pub(super) const HALF_WIDTH: f32 = TEXT_WIDTH / 2.0 - 10.0;

/// Two parties' signature blocks side by side (heading, name, signature line, stamp); the
/// caller keeps room for them on the page.
pub(super) fn signatures(w: &mut Writer, labels: &Labels, parties: [(&str, &str); 2]) {
    let top = w.y;
    let mut bottom = top;
    for (x, (heading, name)) in [column::LEFT, SECOND_COLUMN].into_iter().zip(parties) {
        w.y = top;
        w.text(x, size::BODY, Face::Bold, heading);
        w.y -= space::LEADING;
        for line in wrap(name, Face::Regular, size::BODY, HALF_WIDTH) {
            w.text(x, size::BODY, Face::Regular, line);
            w.y -= space::LEADING;
        }
        w.y -= space::LEADING * 2.0;
        w.text(x, size::BODY, Face::Regular, SIGNATURE_LINE);
        w.y -= space::LEADING;
        w.text(
            x,
            size::FOOTER,
            Face::Regular,
            format!("({})", labels.signature),
        );
        w.y -= space::LEADING * 2.0;
        w.text(x, size::BODY, Face::Regular, labels.stamp);
        bottom = bottom.min(w.y);
    }
    w.y = bottom - space::LEADING;
}
