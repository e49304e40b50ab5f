//! The timesheet behind an invoice: every worklog behind each of its worklog lines (date,
//! author, issue, summary, minutes, hours), each line closed by a total row whose hours are
//! the line's quantity (minutes of the group / 60, rounded once, as the line was built).

use super::model::{Invoice, LineSource};
use crate::domain::Worklog;
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

/// The timesheet of `invoice` as CSV, from `worklogs` (by id). A worklog a line names but
/// that is no longer stored is left out (its line's total then says so by its minutes).
pub fn timesheet_csv(invoice: &Invoice, worklogs: &HashMap<Uuid, Worklog>) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::Internal(format!("timesheet csv: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS).map_err(fail)?;
    let lines = invoice
        .line_items
        .iter()
        .filter(|l| l.source == LineSource::Worklogs);
    for (n, line) in lines.enumerate() {
        let number = (n + 1).to_string();
        let mut rows: Vec<&Worklog> = line
            .worklog_ids
            .iter()
            .filter_map(|id| worklogs.get(id))
            .collect();
        rows.sort_by_key(|w| (w.date, w.author.clone(), w.id));
        let mut minutes = 0u64;
        for w in rows {
            minutes += u64::from(w.minutes);
            out.write_record([
                number.as_str(),
                line.description.as_str(),
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
            line.description.as_str(),
            "line_total",
            "",
            "",
            "",
            "",
            "",
            &minutes.to_string(),
            &hours_from_minutes(minutes).to_string(),
        ])
        .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("timesheet csv: {e}")))
}
