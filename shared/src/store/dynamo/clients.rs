//! Clients: `GetItem` / `PutItem` on `CLIENT#<key>`; active clients from the `gsi1`
//! partition `ACTIVE_CLIENTS`, inactive ones from `INACTIVE_CLIENTS`, already ordered by key.

use super::{DynamoStore, from_item, keys, query_all, s, sdk_error, to_item};
use crate::Result;
use crate::domain::Client;
use crate::ports::ClientStore;
use async_trait::async_trait;

#[async_trait]
impl ClientStore for DynamoStore {
    async fn list_clients(&self, active: bool) -> Result<Vec<Client>> {
        let partition = if active {
            keys::ACTIVE_CLIENTS
        } else {
            keys::INACTIVE_CLIENTS
        };
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(partition));
        query_all(query, "Query clients").await
    }

    async fn get_client(&self, key: &str) -> Result<Option<Client>> {
        self.get_item(keys::client(key), "GetItem client")
            .await?
            .map(from_item)
            .transpose()
    }

    async fn put_client(&self, client: &Client) -> Result<()> {
        let (pk, sk) = keys::client(&client.key);
        let partition = if client.active {
            keys::ACTIVE_CLIENTS
        } else {
            keys::INACTIVE_CLIENTS
        };
        let attrs = vec![
            (keys::PK, pk),
            (keys::SK, sk),
            (keys::GSI1PK, partition.to_string()),
            (keys::GSI1SK, client.key.clone()),
        ];
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
