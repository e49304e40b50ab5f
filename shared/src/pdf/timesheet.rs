//! Timesheet PDFs: every worklog behind each worklog line of an invoice (date, author,
//! issue and summary, minutes, hours), each line closed by its total (the line's quantity),
//! then the total hours; in the invoice's language, with the invoice's sections, font
//! subsetting and determinism (the same invoice and worklogs give the same bytes; the
//! document id comes from the invoice's).

use super::Issuer;
use super::font::{self, Face};
use super::labels::Labels;
use super::layout::invoice_locale;
use super::page::{Pages, Writer, space};
use super::sections::{self, Row, TableHeader, TotalRow};
use crate::Result;
use crate::domain::{Locale, Worklog};
use crate::invoice::Invoice;
use crate::invoice::timesheet::{TimesheetLine, timesheet_lines};
use rust_decimal::Decimal;
use std::collections::HashMap;
use uuid::Uuid;

/// The timesheet's title: `Timesheet INV-2026-00042` (its number, or its id as a draft).
fn name(invoice: &Invoice) -> String {
    invoice
        .header
        .number
        .clone()
        .unwrap_or_else(|| invoice.header.id.to_string())
}

/// Lay the timesheet of `invoice` out from `worklogs` (by id).
pub fn layout(invoice: &Invoice, worklogs: &HashMap<Uuid, Worklog>, issuer: &Issuer) -> Pages {
    let locale = invoice_locale(invoice);
    let l = Labels::of(locale);
    let h = &invoice.header;
    let number = name(invoice);
    let mut w = Writer::new();
    let facts = [
        (l.invoice_number, number.clone()),
        (l.period, locale.period(h.period)),
        (l.issue_date, locale.date(h.issue_date)),
    ];
    sections::header(&mut w, issuer, l.timesheet_title, &facts);
    sections::party(&mut w, l.bill_to, &h.client, l);
    w.y -= space::ABOVE_TABLE;
    let lines = timesheet_lines(invoice, worklogs);
    let mut total = Decimal::ZERO;
    for (n, line) in lines.iter().enumerate() {
        sections::paragraph(
            &mut w,
            Face::Bold,
            &format!("{}. {}", n + 1, line.description),
        );
        w.y -= space::ROW_GAP;
        table(&mut w, l, locale, &number, line);
        total += line.hours;
    }
    sections::totals(
        &mut w,
        &[TotalRow {
            label: l.total_hours.into(),
            value: locale.number(total, 2),
            grand: true,
        }],
    );
    let left = format!("{} · {} · {}", issuer.name, l.timesheet, number);
    sections::footer(&mut w.pages, &left, l);
    w.pages
}

/// One line's worklogs and its total.
fn table(w: &mut Writer, l: &Labels, locale: Locale, number: &str, line: &TimesheetLine<'_>) {
    let header = TableHeader {
        columns: [l.work, l.date, l.minutes, l.hours],
        continued: format!("{} {} {}", l.timesheet, number, l.continued),
    };
    let rows = line.worklogs.iter().map(|wl| Row {
        description: format!("{} · {} {}", wl.author, wl.issue_key, wl.issue_summary)
            .trim_end()
            .to_string(),
        numbers: [
            locale.date(wl.date),
            wl.minutes.to_string(),
            locale.number(wl.hours(), 2),
        ],
    });
    sections::line_table(w, &header, rows);
    sections::totals(
        w,
        &[TotalRow {
            label: l.line_total.into(),
            value: locale.number(line.hours, 2),
            grand: false,
        }],
    );
}

/// Render the timesheet of `invoice` to PDF bytes (A4; deterministic).
pub fn render_timesheet(
    invoice: &Invoice,
    worklogs: &HashMap<Uuid, Worklog>,
    issuer: &Issuer,
) -> Result<Vec<u8>> {
    font::ready()?;
    let pages = layout(invoice, worklogs, issuer);
    let labels = Labels::of(invoice_locale(invoice));
    let title = format!(
        "{} {} — {}",
        labels.timesheet,
        name(invoice),
        invoice.header.client.name
    );
    let id = Uuid::new_v5(&invoice.header.id, b"timesheet");
    super::save(&pages, &title, &issuer.name, id)
}
