//! A step of the payment-reminder schedule: when it falls (days after an invoice's due
//! date) and what it says. Plain data: the sent-message record names the step it was sent
//! for; the schedule's rules live in `crate::reminders`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a step says in its e-mail: a friendly note before the due date, the due date
/// itself, or a reminder that the invoice is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// `days_after_due` < 0.
    BeforeDue,
    /// `days_after_due` = 0.
    Due,
    /// `days_after_due` > 0.
    Overdue,
}

impl StepKind {
    /// The kind a step `days_after_due` days after the due date must have.
    pub fn of_days(days_after_due: i32) -> Self {
        match days_after_due {
            d if d < 0 => StepKind::BeforeDue,
            0 => StepKind::Due,
            _ => StepKind::Overdue,
        }
    }

    /// The stored and served name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::BeforeDue => "before_due",
            StepKind::Due => "due",
            StepKind::Overdue => "overdue",
        }
    }
}

/// One step of the schedule: a reminder `days_after_due` days after an invoice's due date
/// (negative: before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderStep {
    #[schema(example = 7, minimum = -60, maximum = 365)]
    pub days_after_due: i32,
    pub kind: StepKind,
}

impl ReminderStep {
    /// The step's name in message ids and logs: `before_due-3`, `due`, `overdue+7`.
    pub fn label(&self) -> String {
        match self.days_after_due {
            0 => self.kind.as_str().to_string(),
            d => format!("{}{d:+}", self.kind.as_str()),
        }
    }
}
