//! Lines built from worklogs: billable worklogs grouped by issue, author, day or not at all;
//! quantity = group minutes / 60 rounded to 2 places; amount = quantity x rate rounded to
//! the currency's minor unit.

use super::model::{GroupBy, LineItem, LineSource};
use super::money::line_amount;
use crate::domain::worklog::hours_from_minutes;
use crate::domain::{Period, Worklog};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Longest line description.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Cut a description to the limit (by characters, not bytes).
pub fn clip_description(s: &str) -> String {
    if s.chars().count() <= MAX_DESCRIPTION_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_DESCRIPTION_CHARS - 1).collect();
    out.push('…');
    out
}

/// The lines for `worklogs` (non-billable ones are ignored). Line ids are derived from the
/// invoice id and the group, so regenerating keeps the ids of lines that still exist.
pub fn worklog_lines(
    invoice_id: Uuid,
    worklogs: &[Worklog],
    group_by: GroupBy,
    period: Period,
    unit_price: Decimal,
    places: u32,
) -> Vec<LineItem> {
    let mut groups: BTreeMap<String, Vec<&Worklog>> = BTreeMap::new();
    for w in worklogs.iter().filter(|w| w.billable) {
        let key = match group_by {
            GroupBy::Issue => w.issue_key.clone(),
            GroupBy::Author => w.author.clone(),
            GroupBy::Day => w.date.to_string(),
            GroupBy::None => String::new(),
        };
        groups.entry(key).or_default().push(w);
    }
    groups
        .into_iter()
        .map(|(key, mut members)| {
            members.sort_by_key(|w| (w.date, w.id));
            let minutes: u64 = members.iter().map(|w| u64::from(w.minutes)).sum();
            let quantity = hours_from_minutes(minutes);
            let description = match group_by {
                GroupBy::Issue => {
                    let summary = members
                        .iter()
                        .map(|w| w.issue_summary.trim())
                        .find(|s| !s.is_empty());
                    match summary {
                        Some(s) => format!("{key}: {s}"),
                        None => key.clone(),
                    }
                }
                GroupBy::Author => format!("Work by {key}"),
                GroupBy::Day => format!("Work on {key}"),
                GroupBy::None => format!("Professional services, {period}"),
            };
            LineItem {
                id: Uuid::new_v5(&invoice_id, format!("{group_by}:{key}").as_bytes()),
                description: clip_description(&description),
                quantity,
                unit_price,
                amount: line_amount(quantity, unit_price, places),
                source: LineSource::Worklogs,
                worklog_ids: members.iter().map(|w| w.id).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn wl(issue: &str, author: &str, day: u32, minutes: u32, billable: bool) -> Worklog {
        Worklog {
            id: Uuid::new_v4(),
            client_key: "ACME".into(),
            date: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
            author: author.into(),
            issue_key: issue.into(),
            issue_summary: format!("{issue} summary"),
            description: String::new(),
            minutes,
            billable,
            source_id: None,
        }
    }

    #[test]
    fn groups_billable_worklogs() {
        let logs = vec![
            wl("A-1", "Ann", 1, 30, true),
            wl("A-1", "Bob", 2, 50, true),
            wl("A-2", "Ann", 2, 60, true),
            wl("A-3", "Ann", 3, 600, false),
        ];
        let p: Period = "2026-10".parse().unwrap();
        let rate = Decimal::new(9500, 2);
        let by_issue = worklog_lines(Uuid::nil(), &logs, GroupBy::Issue, p, rate, 2);
        assert_eq!(by_issue.len(), 2);
        assert_eq!(by_issue[0].description, "A-1: A-1 summary");
        assert_eq!(by_issue[0].quantity.to_string(), "1.33"); // 80 min
        assert_eq!(by_issue[0].amount.to_string(), "126.35");
        assert_eq!(by_issue[0].worklog_ids.len(), 2);
        let by_author = worklog_lines(Uuid::nil(), &logs, GroupBy::Author, p, rate, 2);
        assert_eq!(by_author.len(), 2);
        assert_eq!(by_author[0].quantity.to_string(), "1.50");
        let by_day = worklog_lines(Uuid::nil(), &logs, GroupBy::Day, p, rate, 2);
        assert_eq!(by_day.len(), 2);
        assert_eq!(by_day[1].description, "Work on 2026-10-02");
        let one = worklog_lines(Uuid::nil(), &logs, GroupBy::None, p, rate, 2);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].quantity.to_string(), "2.33"); // 140 min
        assert_eq!(one[0].description, "Professional services, 2026-10");
    }

    #[test]
    fn clips_long_descriptions_by_characters() {
        let long = "ʻ".repeat(600);
        assert_eq!(
            clip_description(&long).chars().count(),
            MAX_DESCRIPTION_CHARS
        );
    }
}
