//! The reminder settings (`GET`/`PUT /api/v1/settings/reminders`) and the rules read from
//! them: which step of an invoice falls on a day, and the least amount worth a reminder.
//! Pure data and rules, no I/O.

use crate::domain::scale;
use crate::{Error, FieldError, Result};
use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;
use utoipa::ToSchema;

/// Most steps in the settings.
pub const MAX_STEPS: usize = 10;
/// The earliest step: this many days before the due date.
pub const EARLIEST_DAYS: i32 = -60;
/// The latest step: this many days after the due date.
pub const LATEST_DAYS: i32 = 365;
/// Most currencies with a minimum.
pub const MAX_MINIMUMS: usize = 50;

pub use crate::domain::reminder_step::{ReminderStep, StepKind};

/// The reminder schedule: off, or on with its steps; and per currency the least amount
/// still due that is worth a reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderSettings {
    /// Reminders go out on schedule only when on (`POST /invoices/{id}/remind` works
    /// either way).
    pub enabled: bool,
    /// Ordered by `days_after_due`; at most one step a day.
    pub steps: Vec<ReminderStep>,
    /// Per ISO 4217 code: an invoice with less than this due gets no scheduled reminder (a
    /// currency not named: any amount above zero).
    #[schema(value_type = BTreeMap<String, String>, example = json!({"USD": "1.00"}))]
    pub min_amount: BTreeMap<String, Decimal>,
    /// When the settings were last saved; `null`: never (the defaults).
    #[serde(default, with = "crate::domain::instant::millis_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Who saved them last.
    #[serde(default)]
    pub updated_by: Option<String>,
}

impl Default for ReminderSettings {
    /// Off, with the usual steps ready: 3 days before, on the due date, 7 and 14 days after.
    fn default() -> Self {
        let step = |days_after_due| ReminderStep {
            days_after_due,
            kind: StepKind::of_days(days_after_due),
        };
        ReminderSettings {
            enabled: false,
            steps: vec![step(-3), step(0), step(7), step(14)],
            min_amount: BTreeMap::new(),
            updated_at: None,
            updated_by: None,
        }
    }
}

impl ReminderSettings {
    /// The step of an invoice due on `due` that falls on `day`, if the schedule is on.
    pub fn step_on(&self, due: NaiveDate, day: NaiveDate) -> Option<ReminderStep> {
        if !self.enabled {
            return None;
        }
        let days = (day - due).num_days();
        self.steps
            .iter()
            .find(|s| i64::from(s.days_after_due) == days)
            .copied()
    }

    /// The due dates whose step falls on `day` (none when the schedule is off).
    pub fn due_dates_on(&self, day: NaiveDate) -> Vec<NaiveDate> {
        if !self.enabled {
            return Vec::new();
        }
        self.steps
            .iter()
            .filter_map(|s| shift(day, -i64::from(s.days_after_due)))
            .collect()
    }

    /// Whether `amount_due` in `currency` is worth a scheduled reminder: above zero and at
    /// least the currency's minimum.
    pub fn worth_reminding(&self, amount_due: Decimal, currency: &str) -> bool {
        amount_due > Decimal::ZERO
            && self
                .min_amount
                .get(currency)
                .is_none_or(|min| amount_due >= *min)
    }
}

/// `day` moved by `days` (`None` past the calendar's end).
pub fn shift(day: NaiveDate, days: i64) -> Option<NaiveDate> {
    let n = Days::new(days.unsigned_abs());
    if days >= 0 {
        day.checked_add_days(n)
    } else {
        day.checked_sub_days(n)
    }
}

/// Whether `day` has begun somewhere on earth at `now` (the latest zone is UTC+14): a
/// reminder run for a later day would send its letters before their day.
pub fn has_begun(day: NaiveDate, now: DateTime<Utc>) -> bool {
    day <= (now + chrono::Duration::hours(14)).date_naive()
}

/// Whether an invoice due on `due` becomes overdue on `day` (the day after its due date).
pub fn becomes_overdue_on(due: NaiveDate, day: NaiveDate) -> bool {
    shift(due, 1) == Some(day)
}

/// `PUT /api/v1/settings/reminders`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettingsInput {
    pub enabled: bool,
    /// At most 10 steps, one a day, `days_after_due` from -60 to 365, each with the kind
    /// its sign says (`before_due` < 0, `due` = 0, `overdue` > 0).
    pub steps: Vec<ReminderStep>,
    /// Per ISO 4217 code, a decimal string with at most the currency's minor-unit places
    /// (`{"USD": "1.00"}`); at most 50 currencies.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>, example = json!({"USD": "1.00", "UZS": "10000"}))]
    pub min_amount: BTreeMap<String, String>,
}

impl ReminderSettingsInput {
    /// The settings, saved by `by` at `now`, or every field error at once.
    pub fn validate(self, by: &str, now: DateTime<Utc>) -> Result<ReminderSettings> {
        let mut errors = Vec::new();
        if self.steps.len() > MAX_STEPS {
            errors.push(FieldError::new(
                "steps",
                format!("at most {MAX_STEPS} steps"),
            ));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let field = format!("steps[{i}].days_after_due");
            if !(EARLIEST_DAYS..=LATEST_DAYS).contains(&step.days_after_due) {
                errors.push(FieldError::out_of_range(
                    &field,
                    format!("must be {EARLIEST_DAYS} to {LATEST_DAYS}"),
                ));
            } else if self.steps[..i]
                .iter()
                .any(|s| s.days_after_due == step.days_after_due)
            {
                errors.push(FieldError::new(&field, "another step has the same day"));
            }
            let kind = StepKind::of_days(step.days_after_due);
            if step.kind != kind {
                errors.push(FieldError::new(
                    format!("steps[{i}].kind"),
                    format!(
                        "a step {} days after the due date is `{}`",
                        step.days_after_due,
                        kind.as_str()
                    ),
                ));
            }
        }
        if self.min_amount.len() > MAX_MINIMUMS {
            errors.push(FieldError::new(
                "min_amount",
                format!("at most {MAX_MINIMUMS} currencies"),
            ));
        }
        let mut min_amount = BTreeMap::new();
        for (code, amount) in &self.min_amount {
            let field = format!("min_amount.{code}");
            if !scale::invoiceable(code) {
                errors.push(FieldError::new(
                    &field,
                    "is not an ISO 4217 currency code invoices can be issued in",
                ));
                continue;
            }
            let places = scale::minor_unit(code);
            match Decimal::from_str(amount.trim()) {
                Ok(v) if v.is_sign_negative() => {
                    errors.push(FieldError::out_of_range(&field, "must not be negative"));
                }
                Ok(v) if !scale::fits(v, places) => {
                    errors.push(FieldError::too_many_decimals(&field, places));
                }
                Ok(v) => {
                    min_amount.insert(code.clone(), scale::fixed(v, places));
                }
                Err(_) => errors.push(FieldError::new(&field, "must be a decimal string")),
            }
        }
        if !errors.is_empty() {
            return Err(Error::fields(errors));
        }
        let mut steps = self.steps;
        steps.sort_by_key(|s| s.days_after_due);
        Ok(ReminderSettings {
            enabled: self.enabled,
            steps,
            min_amount,
            updated_at: Some(now),
            updated_by: Some(by.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_for_a_day_that_has_begun_somewhere() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 4, 9, 0, 0).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert!(has_begun(day(3), now) && has_begun(day(4), now));
        assert!(
            !has_begun(day(5), now),
            "5 December begins at 10:00 UTC on Kiritimati"
        );
        let later = now + chrono::Duration::hours(1);
        assert!(has_begun(day(5), later));
        assert!(!has_begun(day(6), later));
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn on() -> ReminderSettings {
        ReminderSettings {
            enabled: true,
            ..ReminderSettings::default()
        }
    }

    #[test]
    fn a_step_falls_on_its_day_only_when_the_schedule_is_on() {
        let s = on();
        let due = day("2026-12-10");
        assert_eq!(
            s.step_on(due, day("2026-12-07")).unwrap().label(),
            "before_due-3"
        );
        assert_eq!(s.step_on(due, day("2026-12-10")).unwrap().label(), "due");
        assert_eq!(
            s.step_on(due, day("2026-12-17")).unwrap().label(),
            "overdue+7"
        );
        assert_eq!(s.step_on(due, day("2026-12-11")), None);
        assert_eq!(
            ReminderSettings::default().step_on(due, day("2026-12-10")),
            None
        );
        assert_eq!(
            s.due_dates_on(day("2026-12-10")),
            [
                day("2026-12-13"),
                day("2026-12-10"),
                day("2026-12-03"),
                day("2026-11-26")
            ]
        );
        assert!(
            ReminderSettings::default()
                .due_dates_on(day("2026-12-10"))
                .is_empty()
        );
        assert!(becomes_overdue_on(due, day("2026-12-11")));
        assert!(!becomes_overdue_on(due, day("2026-12-10")));
    }

    #[test]
    fn the_minimum_is_per_currency_and_nothing_due_is_never_worth_a_reminder() {
        let mut s = on();
        s.min_amount.insert("USD".into(), Decimal::new(100, 2));
        assert!(s.worth_reminding(Decimal::new(100, 2), "USD"));
        assert!(!s.worth_reminding(Decimal::new(99, 2), "USD"));
        assert!(s.worth_reminding(Decimal::new(1, 2), "EUR"));
        assert!(!s.worth_reminding(Decimal::ZERO, "EUR"));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let step = |days_after_due, kind| ReminderStep {
            days_after_due,
            kind,
        };
        let input = ReminderSettingsInput {
            enabled: true,
            steps: vec![
                step(7, StepKind::Overdue),
                step(7, StepKind::Overdue),
                step(-2, StepKind::Overdue),
                step(400, StepKind::Overdue),
            ],
            min_amount: [
                ("USD".to_string(), "1.001".to_string()),
                ("XXX".to_string(), "1".to_string()),
                ("EUR".to_string(), "-1".to_string()),
                ("UZS".to_string(), "ten".to_string()),
            ]
            .into(),
        };
        let Err(Error::Validation { details, .. }) = input.validate("admin", Utc::now()) else {
            panic!("expected field errors");
        };
        let fields: Vec<_> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "steps[1].days_after_due",
                "steps[2].kind",
                "steps[3].days_after_due",
                "min_amount.EUR",
                "min_amount.USD",
                "min_amount.UZS",
                "min_amount.XXX"
            ]
        );
    }

    #[test]
    fn valid_settings_are_sorted_and_scaled() {
        let input = ReminderSettingsInput {
            enabled: true,
            steps: vec![
                ReminderStep {
                    days_after_due: 7,
                    kind: StepKind::Overdue,
                },
                ReminderStep {
                    days_after_due: -1,
                    kind: StepKind::BeforeDue,
                },
            ],
            min_amount: [("USD".to_string(), "1".to_string())].into(),
        };
        let s = input.validate("admin@x", Utc::now()).unwrap();
        assert_eq!(s.steps[0].days_after_due, -1);
        assert_eq!(s.min_amount["USD"].to_string(), "1.00");
        assert_eq!(s.updated_by.as_deref(), Some("admin@x"));
    }
}
