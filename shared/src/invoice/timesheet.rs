//! The timesheet behind an invoice: every worklog behind each of its worklog lines (date,
//! author, issue, summary, minutes, hours), each line closed by a total row whose hours are
//! the line's quantity (minutes of the group / 60, rounded once, as the line was built).

use crate::domain::Worklog;
use crate::domain::invoice::model::{Invoice, LineSource};
use crate::domain::worklog::hours_from_minutes;
use crate::{Error, Result};
use std::collections::HashMap;
use uuid::Uuid;

/// The CSV header.
pub const COLUMNS: [&str; 10] = [
    "line",
    "line_description",
    "row",
    "date",
    "author",
    "issue_key",
    "issue_summary",
    "worklog_id",
    "minutes",
    "hours",
];

/// One worklog line of an invoice with the worklogs behind it, in date order.
#[derive(Debug, Clone, PartialEq)]
pub struct TimesheetLine<'a> {
    pub description: &'a str,
    pub worklogs: Vec<&'a Worklog>,
    /// The worklogs' minutes.
    pub minutes: u64,
    /// The minutes in hours, rounded once as the line was built: the line's quantity.
    pub hours: rust_decimal::Decimal,
}

/// The worklog lines of `invoice` with their worklogs from `worklogs` (by id). A worklog a
/// line names but that is no longer stored is left out (its line's total then says so by
/// its minutes).
pub fn timesheet_lines<'a>(
    invoice: &'a Invoice,
    worklogs: &'a HashMap<Uuid, Worklog>,
) -> Vec<TimesheetLine<'a>> {
    invoice
        .line_items
        .iter()
        .filter(|l| l.source == LineSource::Worklogs)
        .map(|line| {
            let mut rows: Vec<&Worklog> = line
                .worklog_ids
                .iter()
                .filter_map(|id| worklogs.get(id))
                .collect();
            rows.sort_by_key(|w| (w.date, w.author.clone(), w.id));
            let minutes = rows.iter().map(|w| u64::from(w.minutes)).sum();
            TimesheetLine {
                description: &line.description,
                worklogs: rows,
                minutes,
                hours: hours_from_minutes(minutes),
            }
        })
        .collect()
}

/// An invoice and the worklogs its lines name (by id).
pub async fn load(
    invoices: &dyn crate::ports::InvoiceStore,
    worklogs: &dyn crate::ports::WorklogStore,
    id: Uuid,
) -> Result<(Invoice, HashMap<Uuid, Worklog>)> {
    let invoice = invoices
        .get_invoice(id)
        .await?
        .ok_or_else(|| Error::not_found("invoice"))?;
    let named = worklogs_of(&invoice, worklogs).await?;
    Ok((invoice, named))
}

/// The worklogs the lines of `invoice` name, by id.
pub async fn worklogs_of(
    invoice: &Invoice,
    worklogs: &dyn crate::ports::WorklogStore,
) -> Result<HashMap<Uuid, Worklog>> {
    let ids: Vec<Uuid> = invoice
        .line_items
        .iter()
        .flat_map(|l| l.worklog_ids.iter().copied())
        .collect();
    Ok(worklogs
        .get_worklogs(&ids)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect())
}

/// The timesheet's file name: `INV-2026-00042-timesheet.pdf` (`.csv`).
pub fn file_name(invoice: &Invoice, extension: &str) -> String {
    let name = invoice
        .header
        .number
        .clone()
        .unwrap_or_else(|| invoice.header.id.to_string());
    format!("{name}-timesheet.{extension}")
}

/// The timesheet of `invoice` as CSV, from `worklogs` (by id).
pub fn timesheet_csv(invoice: &Invoice, worklogs: &HashMap<Uuid, Worklog>) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::Internal(format!("timesheet csv: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS).map_err(fail)?;
    for (n, line) in timesheet_lines(invoice, worklogs).iter().enumerate() {
        let number = (n + 1).to_string();
        for w in &line.worklogs {
            out.write_record([
                number.as_str(),
                line.description,
                "worklog",
                &w.date.to_string(),
                w.author.as_str(),
                w.issue_key.as_str(),
                w.issue_summary.as_str(),
                &w.id.to_string(),
                &w.minutes.to_string(),
                &w.hours().to_string(),
            ])
            .map_err(fail)?;
        }
        out.write_record([
            number.as_str(),
            line.description,
            "line_total",
            "",
            "",
            "",
            "",
            "",
            &line.minutes.to_string(),
            &line.hours.to_string(),
        ])
        .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("timesheet csv: {e}")))
}
