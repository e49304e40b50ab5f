//! The company's settings: one item each, `SETTINGS` / `REMINDERS`.

use super::{DynamoStore, from_item, keys, sdk_error, to_item};
use crate::Result;
use crate::ports::SettingsStore;
use crate::reminders::ReminderSettings;
use async_trait::async_trait;

#[async_trait]
impl SettingsStore for DynamoStore {
    async fn reminder_settings(&self) -> Result<ReminderSettings> {
        match self
            .get_item(keys::reminder_settings(), "GetItem reminder settings")
            .await?
        {
            Some(item) => from_item(item),
            None => Ok(ReminderSettings::default()),
        }
    }

    async fn put_reminder_settings(&self, settings: &ReminderSettings) -> Result<()> {
        let (pk, sk) = keys::reminder_settings();
        let item = to_item(settings, &[(keys::PK, pk), (keys::SK, sk)])?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem reminder settings", e))?;
        Ok(())
    }
}
