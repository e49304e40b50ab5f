//! Users: `GetItem` / `PutItem` on `USER#<email>`.

use super::{DynamoStore, from_item, keys, sdk_error, to_item};
use crate::Result;
use crate::domain::User;
use crate::ports::UserStore;
use async_trait::async_trait;

#[async_trait]
impl UserStore for DynamoStore {
    async fn get_user(&self, email: &str) -> Result<Option<User>> {
        self.get_item(keys::user(email), "GetItem user")
            .await?
            .map(from_item)
            .transpose()
    }

    async fn put_user(&self, user: &User) -> Result<()> {
        let (pk, sk) = keys::user(&user.email);
        let item = to_item(user, &[(keys::PK, pk), (keys::SK, sk)])?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem user", e))?;
        Ok(())
    }
}
