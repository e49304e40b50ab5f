//! Refresh-token families: one `REFRESH#<id>` / `FAMILY` item each, replaced whole by each
//! rotation under a condition on the current token's hash; removed by TTL (`expires_at`, in
//! seconds) a day after the family can no longer be refreshed (`valid_until`).

use super::throttle::is_condition_failed;
use super::{DynamoStore, from_item, keys, s, sdk_error, to_item};
use crate::Result;
use crate::auth::refresh_family::RefreshFamily;
use crate::ports::RefreshTokenStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use uuid::Uuid;

impl DynamoStore {
    fn family_item(
        &self,
        family: &RefreshFamily,
    ) -> Result<std::collections::HashMap<String, AttributeValue>> {
        let (pk, sk) = keys::refresh_family(family.id);
        let mut item = to_item(family, &[(keys::PK, pk), (keys::SK, sk)])?;
        // Kept a day past its expiry, then removed by the table's TTL (`expires_at`).
        item.insert(
            "expires_at".into(),
            AttributeValue::N((family.expires_at.timestamp() + 86_400).to_string()),
        );
        Ok(item)
    }
}

#[async_trait]
impl RefreshTokenStore for DynamoStore {
    async fn put_family(&self, family: &RefreshFamily) -> Result<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.family_item(family)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| sdk_error("PutItem refresh family", e))?;
        Ok(())
    }

    async fn get_family(&self, id: Uuid) -> Result<Option<RefreshFamily>> {
        self.get_item(keys::refresh_family(id), "GetItem refresh family")
            .await?
            .map(from_item)
            .transpose()
    }

    async fn rotate(&self, current_hash: &str, next: &RefreshFamily) -> Result<bool> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.family_item(next)?))
            .condition_expression("secret_hash = :current AND revoked = :no")
            .expression_attribute_values(":current", s(current_hash))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error("PutItem refresh rotation", e)),
        }
    }

    async fn revoke(&self, id: Uuid) -> Result<()> {
        let (pk, sk) = keys::refresh_family(id);
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression("SET revoked = :yes")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        match update {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Ok(()),
            Err(e) => Err(sdk_error("UpdateItem refresh revoke", e)),
        }
    }
}
