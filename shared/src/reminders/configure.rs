//! Reading and replacing the reminder settings (`GET`/`PUT /api/v1/settings/reminders`).

use super::settings::{ReminderSettings, ReminderSettingsInput};
use crate::Result;
use crate::ports::SettingsStore;
use chrono::{DateTime, Utc};

/// The settings in force (the defaults when none were saved).
pub async fn current(store: &dyn SettingsStore) -> Result<ReminderSettings> {
    store.reminder_settings().await
}

/// Check every field of `input` (400 naming each bad one, nothing saved), then save it as
/// set by `by` at `now`; the next daily run uses it.
pub async fn replace(
    store: &dyn SettingsStore,
    input: ReminderSettingsInput,
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReminderSettings> {
    let settings = input.validate(by, now)?;
    store.put_reminder_settings(&settings).await?;
    Ok(settings)
}
