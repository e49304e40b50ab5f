//! Worklogs: time logged against a client's issues, imported from a time tracker.

use super::text::{Lines, check_field};
use crate::{Error, FieldError, Result};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace for deterministic worklog ids (UUID v5), so that importing the same row twice
/// lands on the same item.
const WORKLOG_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b7e_8d4a_4c3b_9e21_5a7d_0c4e_9b13);

/// Longest single worklog accepted: one day.
pub const MAX_MINUTES: u32 = 24 * 60;

/// Longest author name.
pub const MAX_AUTHOR_CHARS: usize = 200;
/// Longest issue key (`ACME-123`).
pub const MAX_ISSUE_KEY_CHARS: usize = 100;
/// Longest issue summary (it heads an invoice line, itself at most 500 characters).
pub const MAX_ISSUE_SUMMARY_CHARS: usize = 500;
/// Longest work description; it may span lines (`\n`).
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest time-tracker worklog id.
pub const MAX_SOURCE_ID_CHARS: usize = 100;

/// A worklog as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worklog {
    pub id: Uuid,
    pub client_key: String,
    /// The local work date.
    pub date: NaiveDate,
    pub author: String,
    pub issue_key: String,
    pub issue_summary: String,
    pub description: String,
    pub minutes: u32,
    pub billable: bool,
    /// The time tracker's own id of the worklog, when the export had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
}

impl Worklog {
    /// Hours as the API shows them: minutes / 60, rounded half away from zero to 2 places.
    pub fn hours(&self) -> Decimal {
        hours_from_minutes(self.minutes as u64)
    }
}

/// `minutes / 60` rounded half away from zero to 2 decimal places.
pub fn hours_from_minutes(minutes: u64) -> Decimal {
    let mut hours = (Decimal::from(minutes) / Decimal::from(60))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    hours.rescale(2);
    hours
}

/// One parsed, not yet validated, worklog (a row of an import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklogInput {
    pub source_id: Option<String>,
    pub client_key: String,
    pub date: NaiveDate,
    pub author: String,
    pub issue_key: String,
    pub issue_summary: String,
    pub description: String,
    pub minutes: u32,
    pub billable: bool,
}

impl WorklogInput {
    /// Check the fields and give the worklog its deterministic id: derived from the tracker's
    /// worklog id when there is one, else from the row's content.
    pub fn validate(self) -> Result<Worklog> {
        let mut errors = Vec::new();
        let client_key = self.client_key.trim();
        if !super::client::is_valid_key(client_key) {
            errors.push(FieldError::new("client_key", "is not a valid client key"));
        }
        let source_id = self.source_id.as_deref().map(|s| {
            check_field(
                "worklog_id",
                s,
                MAX_SOURCE_ID_CHARS,
                Lines::One,
                &mut errors,
            )
        });
        let author = check_field(
            "author",
            &self.author,
            MAX_AUTHOR_CHARS,
            Lines::One,
            &mut errors,
        );
        if author.is_empty() {
            errors.push(FieldError::required("author"));
        }
        let issue_key = check_field(
            "issue_key",
            &self.issue_key,
            MAX_ISSUE_KEY_CHARS,
            Lines::One,
            &mut errors,
        );
        if issue_key.is_empty() {
            errors.push(FieldError::required("issue_key"));
        }
        let issue_summary = check_field(
            "issue_summary",
            &self.issue_summary,
            MAX_ISSUE_SUMMARY_CHARS,
            Lines::One,
            &mut errors,
        );
        let description = check_field(
            "description",
            &self.description,
            MAX_DESCRIPTION_CHARS,
            Lines::Many,
            &mut errors,
        );
        if self.minutes == 0 || self.minutes > MAX_MINUTES {
            errors.push(FieldError::new(
                "minutes",
                "must be more than 0 and at most 24 hours",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::fields(errors));
        }
        let source_id = source_id.filter(|s| !s.is_empty()).map(str::to_owned);
        let client_key = client_key.to_string();
        let author = author.to_string();
        let issue_key = issue_key.to_string();
        let issue_summary = issue_summary.to_string();
        let description = description.to_string();
        let identity = match &source_id {
            Some(src) => format!("source\u{1f}{src}"),
            None => [
                "content",
                &client_key,
                &self.date.to_string(),
                &author,
                &issue_key,
                &description,
                &self.minutes.to_string(),
                if self.billable { "1" } else { "0" },
            ]
            .join("\u{1f}"),
        };
        Ok(Worklog {
            id: Uuid::new_v5(&WORKLOG_NAMESPACE, identity.as_bytes()),
            client_key,
            date: self.date,
            author,
            issue_key,
            issue_summary,
            description,
            minutes: self.minutes,
            billable: self.billable,
            source_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> WorklogInput {
        WorklogInput {
            source_id: None,
            client_key: "ACME".into(),
            date: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap(),
            author: "Dilnoza".into(),
            issue_key: "ACME-1".into(),
            issue_summary: "Login".into(),
            description: "fix".into(),
            minutes: 90,
            billable: true,
        }
    }

    #[test]
    fn same_row_gives_same_id() {
        assert_eq!(row().validate().unwrap().id, row().validate().unwrap().id);
        let mut other = row();
        other.minutes = 91;
        assert_ne!(row().validate().unwrap().id, other.validate().unwrap().id);
    }

    #[test]
    fn tracker_id_wins_over_content() {
        let mut a = row();
        a.source_id = Some("10001".into());
        let mut b = row();
        b.source_id = Some("10001".into());
        b.minutes = 30;
        assert_eq!(a.validate().unwrap().id, b.validate().unwrap().id);
    }

    #[test]
    fn hours_round_half_away_from_zero() {
        assert_eq!(hours_from_minutes(20).to_string(), "0.33");
        assert_eq!(hours_from_minutes(90).to_string(), "1.50");
        assert_eq!(hours_from_minutes(1).to_string(), "0.02");
        // 0.5 minute steps never occur; 3 minutes = 0.05 exactly.
        assert_eq!(hours_from_minutes(3).to_string(), "0.05");
        assert_eq!(hours_from_minutes(60).to_string(), "1.00");
    }

    #[test]
    fn refuses_text_a_document_must_not_print_and_names_the_field() {
        let mut r = row();
        r.issue_summary = "Login\r\nIBAN: XX00 EVIL".into();
        r.author = "Ann\u{202E}".into();
        let Err(Error::Validation { details, .. }) = r.validate() else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["author", "issue_summary"]);
        let mut r = row();
        r.description = "line one\nline two".into();
        assert!(r.validate().is_ok(), "descriptions may span lines");
    }

    #[test]
    fn rejects_zero_and_too_long() {
        let mut r = row();
        r.minutes = 0;
        assert!(r.validate().is_err());
        let mut r = row();
        r.minutes = MAX_MINUTES + 1;
        assert!(r.validate().is_err());
    }
}
