//! Payment reminders: the settings (which steps around the due date, the least amount worth
//! a reminder), the words of a reminder in the client's language, and the daily run, a
//! [`crate::fan_out`] job: the schedule enqueues the invoices with a step (or their first
//! overdue day) that day; a worker e-mails each reminder once, with the invoice's PDF, and
//! records it as a message of the invoice.

pub mod configure;
pub mod job;
pub mod letter;
pub mod run;
pub mod settings;

pub use job::{EnqueueSummary, ReminderJob, ReminderRequest, enqueue_reminders};
pub use run::{JOB, ReminderOutcome, ReminderRunEntry, ReminderRunReport};
pub use settings::{ReminderSettings, ReminderSettingsInput, ReminderStep, StepKind};
