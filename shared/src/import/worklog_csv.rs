//! Worklog CSV import. Columns are found by header name (case, spaces and punctuation
//! ignored), so both our own format and common time-tracker exports (Jira / Tempo worklog
//! exports) are read. See the README's "Worklog CSV" table for the columns.

use super::report::{ImportReport, RowError};
use crate::domain::{Worklog, WorklogInput};
use crate::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// Canonical column -> accepted header names (normalized: lower-case alphanumerics only).
const COLUMNS: &[(&str, &[&str])] = &[
    ("worklog_id", &["worklogid", "tempoworklogid"]),
    ("client_key", &["clientkey", "accountkey"]),
    ("date", &["date", "workdate", "started", "startdate"]),
    ("author", &["author", "fullname", "username", "worker"]),
    ("issue_key", &["issuekey", "issue"]),
    ("issue_summary", &["issuesummary", "summary"]),
    (
        "description",
        &["description", "workdescription", "comment"],
    ),
    ("minutes", &["minutes", "timespentminutes"]),
    (
        "hours",
        &["hours", "timespenthours", "timespenth", "loggedhours"],
    ),
    ("seconds", &["timespentseconds", "seconds"]),
    ("billable", &["billable"]),
    ("billed_hours", &["billedhours"]),
];

fn normalize_header(h: &str) -> String {
    h.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Column positions found in the header.
pub(super) struct Layout(HashMap<&'static str, usize>);

impl Layout {
    pub(super) fn from_headers(headers: &csv::StringRecord) -> Result<Self> {
        let mut found = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let n = normalize_header(h);
            if let Some((canon, _)) = COLUMNS
                .iter()
                .find(|(_, names)| names.contains(&n.as_str()))
            {
                found.entry(*canon).or_insert(i);
            }
        }
        let mut missing: Vec<&str> = ["client_key", "date", "author", "issue_key"]
            .into_iter()
            .filter(|c| !found.contains_key(c))
            .collect();
        if !["minutes", "hours", "seconds"]
            .iter()
            .any(|c| found.contains_key(c))
        {
            missing.push("minutes|hours|seconds");
        }
        if !missing.is_empty() {
            return Err(Error::field(
                "header",
                format!("missing column(s): {}", missing.join(", ")),
            ));
        }
        Ok(Self(found))
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        self.0
            .get(column)
            .and_then(|&i| record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

fn parse_date(v: &str) -> std::result::Result<NaiveDate, String> {
    // "2026-10-05", "2026-10-05 09:30", "2026-10-05T09:30:00": the date part is the work date.
    let day = v.get(..10).unwrap_or(v);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| format!("date {v:?} is not YYYY-MM-DD"))
}

fn parse_duration_minutes(
    layout: &Layout,
    r: &csv::StringRecord,
) -> std::result::Result<u32, String> {
    let to_minutes = |value: &str, per_minute: Decimal, what: &str| {
        let d = Decimal::from_str(&value.replace(',', "."))
            .map_err(|_| format!("{what} {value:?} is not a number"))?;
        let minutes =
            (d * per_minute).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        u32::try_from(minutes.mantissa())
            .ok()
            .filter(|_| minutes.scale() == 0 && minutes > Decimal::ZERO)
            .ok_or_else(|| format!("{what} {value:?} must be a positive duration"))
    };
    if let Some(v) = layout.get(r, "minutes") {
        return to_minutes(v, Decimal::ONE, "minutes");
    }
    if let Some(v) = layout.get(r, "hours") {
        return to_minutes(v, Decimal::from(60), "hours");
    }
    if let Some(v) = layout.get(r, "seconds") {
        return to_minutes(v, Decimal::ONE / Decimal::from(60), "seconds");
    }
    Err("no duration (minutes, hours or seconds)".into())
}

fn parse_billable(layout: &Layout, r: &csv::StringRecord) -> std::result::Result<bool, String> {
    if let Some(v) = layout.get(r, "billable") {
        return match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(true),
            "false" | "no" | "n" | "0" => Ok(false),
            _ => Err(format!("billable {v:?} is not true/false/yes/no/1/0")),
        };
    }
    if let Some(v) = layout.get(r, "billed_hours") {
        let d = Decimal::from_str(&v.replace(',', "."))
            .map_err(|_| format!("billed hours {v:?} is not a number"))?;
        return Ok(d > Decimal::ZERO);
    }
    Ok(true)
}

pub(super) fn parse_row(
    layout: &Layout,
    r: &csv::StringRecord,
) -> std::result::Result<Worklog, String> {
    let text = |c: &str| layout.get(r, c).unwrap_or_default().to_string();
    let date = parse_date(layout.get(r, "date").unwrap_or_default())?;
    let input = WorklogInput {
        source_id: layout.get(r, "worklog_id").map(str::to_owned),
        client_key: text("client_key"),
        date,
        author: text("author"),
        issue_key: text("issue_key"),
        issue_summary: text("issue_summary"),
        description: text("description"),
        minutes: parse_duration_minutes(layout, r)?,
        billable: parse_billable(layout, r)?,
    };
    input.validate().map_err(|e| e.to_string())
}

/// A parsed file: good rows by id (a repeated id keeps the last row), and the bad rows.
#[derive(Debug, Default)]
pub struct ParsedWorklogs {
    /// `(line, worklog)` in file order, one per distinct id.
    pub worklogs: Vec<(u64, Worklog)>,
    pub report: ImportReport,
}

/// Parse a worklog CSV. Only a missing required column fails the whole file.
pub fn parse_worklog_csv(bytes: &[u8]) -> Result<ParsedWorklogs> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::field("header", format!("unreadable: {e}")))?
        .clone();
    let layout = Layout::from_headers(&headers)?;
    let mut parsed = ParsedWorklogs::default();
    let mut by_id: BTreeMap<uuid::Uuid, usize> = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line())
            .unwrap_or(index as u64 + 2);
        parsed.report.rows += 1;
        let outcome = record
            .map_err(|e| format!("unreadable row: {e}"))
            .and_then(|r| {
                if r.len() != headers.len() {
                    return Err(format!(
                        "has {} fields, the header has {}",
                        r.len(),
                        headers.len()
                    ));
                }
                parse_row(&layout, &r)
            });
        match outcome {
            Ok(w) => match by_id.get(&w.id) {
                Some(&slot) => {
                    parsed.report.duplicates += 1;
                    parsed.worklogs[slot] = (line, w);
                }
                None => {
                    by_id.insert(w.id, parsed.worklogs.len());
                    parsed.worklogs.push((line, w));
                }
            },
            Err(message) => parsed.report.reject(RowError { line, message }),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_columns() {
        let csv = "client_key,date,author,issue_key,issue_summary,description,minutes,billable\n\
                   ACME,2026-10-01,Dilnoza,ACME-1,Login,Fix form,90,true\n\
                   ACME,2026-10-02,Dilnoza,ACME-1,Login,Review,30,no\n";
        let p = parse_worklog_csv(csv.as_bytes()).unwrap();
        assert_eq!(p.report.rows, 2);
        assert!(p.report.rejected.is_empty());
        assert_eq!(p.worklogs[0].1.minutes, 90);
        assert!(!p.worklogs[1].1.billable);
    }

    #[test]
    fn reads_tempo_style_headers() {
        let csv = "\u{feff}Issue Key,Issue summary,Hours,Work date,Full name,Work Description,Billed Hours,Account Key,Worklog Id\n\
                   ACME-7,Reports,1.5,2026-10-03 09:00,Oʻtkir Gʻofurov,Charts,1.5,ACME,10001\n\
                   ACME-8,Infra,0.25,2026-10-04,Oʻtkir Gʻofurov,,0,ACME,10002\n";
        let p = parse_worklog_csv(csv.as_bytes()).unwrap();
        assert!(p.report.rejected.is_empty(), "{:?}", p.report.rejected);
        let (_, w) = &p.worklogs[0];
        assert_eq!(w.minutes, 90);
        assert_eq!(w.source_id.as_deref(), Some("10001"));
        assert_eq!(w.author, "Oʻtkir Gʻofurov");
        assert_eq!(w.date.to_string(), "2026-10-03");
        assert_eq!(p.worklogs[1].1.minutes, 15);
        assert!(!p.worklogs[1].1.billable);
    }

    #[test]
    fn reports_bad_rows_and_keeps_good_ones() {
        let csv = "client_key,date,author,issue_key,minutes\n\
                   ACME,2026-10-01,A,ACME-1,60\n\
                   ACME,01/10/2026,A,ACME-1,60\n\
                   ACME,2026-10-01,A,ACME-1,-5\n\
                   ACME,2026-10-01,A\n\
                   ACME,2026-10-01,A,ACME-1,60\n";
        let p = parse_worklog_csv(csv.as_bytes()).unwrap();
        assert_eq!(p.report.rows, 5);
        assert_eq!(p.worklogs.len(), 1);
        assert_eq!(p.report.duplicates, 1);
        let lines: Vec<u64> = p.report.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert!(p.report.rejected[0].message.contains("YYYY-MM-DD"));
    }

    #[test]
    fn missing_required_column_fails_the_file() {
        let err = parse_worklog_csv(b"client_key,date,author\nA,2026-10-01,x\n").unwrap_err();
        assert!(err.to_string().contains("issue_key"), "{err}");
    }
}
