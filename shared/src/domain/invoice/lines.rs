//! Lines built from worklogs: billable worklogs grouped by issue, author, day or not at all;
//! quantity = group minutes / 60 rounded to 2 places; amount = quantity x rate rounded to
//! the currency's minor unit.

use super::model::{GroupBy, LineItem, LineSource};
use super::money::line_amount;
use crate::domain::worklog::hours_from_minutes;
use crate::domain::{Period, Worklog};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
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

/// A hand edit of a worklog line that regenerate replaced: the line, the field, what the
/// line said and what its worklogs and the client's current rate give now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DroppedEdit {
    pub line_id: Uuid,
    /// `description` or `unit_price` (what a worklog line may be edited in).
    #[schema(example = "unit_price")]
    pub field: String,
    #[schema(example = "120.00")]
    pub from: String,
    #[schema(example = "95.00")]
    pub to: String,
}

/// The edits regenerate drops: every worklog line of `before` whose rebuilt line (the same
/// id: the same group) says another description or unit price. A line whose group is gone
/// is not an edit dropped but work no longer there (the history records it).
pub fn dropped_edits(before: &[LineItem], rebuilt: &[LineItem]) -> Vec<DroppedEdit> {
    let mut out = Vec::new();
    for old in before.iter().filter(|l| l.source == LineSource::Worklogs) {
        let Some(new) = rebuilt.iter().find(|l| l.id == old.id) else {
            continue;
        };
        let mut dropped = |field: &str, from: String, to: String| {
            if from != to {
                out.push(DroppedEdit {
                    line_id: old.id,
                    field: field.into(),
                    from,
                    to,
                });
            }
        };
        dropped(
            "description",
            old.description.clone(),
            new.description.clone(),
        );
        dropped(
            "unit_price",
            old.unit_price.to_string(),
            new.unit_price.to_string(),
        );
    }
    out
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

    #[test]
    fn regenerate_reports_the_hand_edits_it_replaces() {
        let line = |id: u128, description: &str, price: &str, source| LineItem {
            id: Uuid::from_u128(id),
            description: description.into(),
            quantity: Decimal::ONE,
            unit_price: price.parse().unwrap(),
            amount: price.parse().unwrap(),
            source,
            worklog_ids: vec![],
        };
        let before = [
            line(1, "PROJ-1 (edited)", "120.00", LineSource::Worklogs),
            line(2, "PROJ-2", "95.00", LineSource::Worklogs),
            line(3, "PROJ-3", "95.00", LineSource::Worklogs),
            line(4, "Setup", "10.00", LineSource::Manual),
        ];
        let rebuilt = [
            line(1, "PROJ-1", "95.00", LineSource::Worklogs),
            line(2, "PROJ-2", "95.00", LineSource::Worklogs),
            line(4, "Setup", "10.00", LineSource::Manual),
        ];
        let dropped = dropped_edits(&before, &rebuilt);
        assert_eq!(
            dropped
                .iter()
                .map(|d| (
                    d.line_id.as_u128(),
                    d.field.as_str(),
                    d.from.as_str(),
                    d.to.as_str()
                ))
                .collect::<Vec<_>>(),
            [
                (1, "description", "PROJ-1 (edited)", "PROJ-1"),
                (1, "unit_price", "120.00", "95.00"),
            ],
            "line 2 unchanged, line 3's group gone, line 4 manual"
        );
    }
}
