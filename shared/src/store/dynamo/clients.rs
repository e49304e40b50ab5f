//! Clients: `GetItem` / `PutItem` on `CLIENT#<key>`; active clients from the sparse
//! `gsi1` partition `ACTIVE_CLIENTS`, already ordered by key.

use super::{DynamoStore, from_item, keys, query_all, s, sdk_error, to_item};
use crate::Result;
use crate::domain::Client;
use crate::ports::ClientStore;
use async_trait::async_trait;

#[async_trait]
impl ClientStore for DynamoStore {
    async fn list_active_clients(&self) -> Result<Vec<Client>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::ACTIVE_CLIENTS));
        query_all(query, "Query active clients").await
    }

    async fn get_client(&self, key: &str) -> Result<Option<Client>> {
        self.get_item(keys::client(key), "GetItem client")
            .await?
            .map(from_item)
            .transpose()
    }

    async fn put_client(&self, client: &Client) -> Result<()> {
        let (pk, sk) = keys::client(&client.key);
        let mut attrs = vec![(keys::PK, pk), (keys::SK, sk)];
        if client.active {
            attrs.push((keys::GSI1PK, keys::ACTIVE_CLIENTS.to_string()));
            attrs.push((keys::GSI1SK, client.key.clone()));
        }
        let item = to_item(client, &attrs)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem client", e))?;
        Ok(())
    }
}
