//! The dates an invoice may carry. The issue date decides the invoice number's year, so it
//! may not be back-dated before the work it bills nor set far ahead; the due date follows it
//! within a year of payment terms.

use super::model::InvoiceHeader;
use crate::domain::Period;
use crate::{Error, FieldError, Result};
use chrono::{Days, NaiveDate};

/// How many days after today an issue date may lie: an invoice may be prepared up to a
/// month ahead, never further.
pub const MAX_ISSUE_DAYS_AHEAD: u64 = 31;

/// How many days after the issue date the due date may lie: the longest payment terms
/// (365 days) and a leap day.
pub const MAX_DUE_DAYS_AFTER_ISSUE: u64 = 366;

/// What is wrong with `issue` and `due` for an invoice of `period` on `today`: the issue
/// date runs from the period's first day to [`MAX_ISSUE_DAYS_AHEAD`] days after today, the
/// due date from the issue date to [`MAX_DUE_DAYS_AFTER_ISSUE`] days after it.
pub fn date_errors(
    period: Period,
    issue: NaiveDate,
    due: NaiveDate,
    today: NaiveDate,
) -> Vec<FieldError> {
    let after = |d: NaiveDate, days: u64| {
        d.checked_add_days(Days::new(days))
            .unwrap_or(NaiveDate::MAX)
    };
    let mut errors = Vec::new();
    let latest_issue = after(today, MAX_ISSUE_DAYS_AHEAD);
    if issue < period.first_day() {
        errors.push(FieldError::out_of_range(
            "issue_date",
            format!(
                "must not be before the first day of the period ({})",
                period.first_day()
            ),
        ));
    } else if issue > latest_issue {
        errors.push(FieldError::out_of_range(
            "issue_date",
            format!("must be at most {MAX_ISSUE_DAYS_AHEAD} days after today ({latest_issue})"),
        ));
    }
    if due < issue {
        errors.push(FieldError::out_of_range(
            "due_date",
            "must not be before issue_date",
        ));
    } else if due > after(issue, MAX_DUE_DAYS_AFTER_ISSUE) {
        errors.push(FieldError::out_of_range(
            "due_date",
            format!("must be at most {MAX_DUE_DAYS_AFTER_ISSUE} days after issue_date"),
        ));
    }
    errors
}

/// [`date_errors`] of an invoice header, as one validation error.
pub fn check_dates(header: &InvoiceHeader, today: NaiveDate) -> Result<()> {
    let errors = date_errors(header.period, header.issue_date, header.due_date, today);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::fields(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fields(issue: &str, due: &str) -> Vec<String> {
        let period: Period = "2026-10".parse().unwrap();
        date_errors(period, d(issue), d(due), d("2026-11-03"))
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn issue_date_from_the_period_start_to_a_month_ahead() {
        assert!(fields("2026-10-01", "2026-10-31").is_empty());
        assert!(fields("2026-12-04", "2026-12-04").is_empty());
        assert_eq!(fields("2026-09-30", "2026-10-30"), ["issue_date"]);
        assert_eq!(fields("2019-01-01", "2019-01-31"), ["issue_date"]);
        assert_eq!(fields("2026-12-05", "2026-12-31"), ["issue_date"]);
        let far = NaiveDate::from_ymd_opt(10000, 1, 1).unwrap();
        let period: Period = "2026-10".parse().unwrap();
        assert_eq!(date_errors(period, far, far, d("2026-11-03")).len(), 1);
        let max = NaiveDate::MAX;
        assert_eq!(date_errors(period, max, max, max).len(), 0, "no overflow");
    }

    #[test]
    fn due_date_from_the_issue_date_to_a_year_after() {
        assert!(fields("2026-11-01", "2027-11-02").is_empty());
        assert_eq!(fields("2026-11-01", "2026-10-31"), ["due_date"]);
        assert_eq!(fields("2026-11-01", "2027-11-03"), ["due_date"]);
    }
}
