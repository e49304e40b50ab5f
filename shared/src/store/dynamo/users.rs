//! Users: `USER#<email>` with the password hash, and beside it the `SESSION#<email>` item
//! that token checks read; both written in one transaction.

use super::{DynamoStore, from_item, keys, sdk_error, to_item};
use crate::domain::{Session, User};
use crate::ports::{SessionStore, UserStore};
use crate::{Error, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

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
        let user_item = to_item(user, &[(keys::PK, pk), (keys::SK, sk)])?;
        let (pk, sk) = keys::session(&user.email);
        let session_item = to_item(&user.session(), &[(keys::PK, pk), (keys::SK, sk)])?;
        let put = |item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map(|p| TransactWriteItem::builder().put(p).build())
                .map_err(|e| Error::Internal(format!("put user: {e}")))
        };
        self.client
            .transact_write_items()
            .transact_items(put(user_item)?)
            .transact_items(put(session_item)?)
            .send()
            .await
            .map_err(|e| sdk_error("TransactWriteItems user", e))?;
        Ok(())
    }
}

impl DynamoStore {
    /// Every user (a `Scan` of the table for `USER#` items: an operator's tool, never a
    /// request path).
    pub async fn all_users(&self) -> Result<Vec<User>> {
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(pk, :user)")
            .expression_attribute_values(":user", super::s("USER#"))
            .into_paginator()
            .send();
        let mut users = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| sdk_error("Scan users", e))?;
            for item in page.items.unwrap_or_default() {
                users.push(from_item(item)?);
            }
        }
        Ok(users)
    }
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn get_session(&self, email: &str) -> Result<Option<Session>> {
        self.get_item(keys::session(email), "GetItem session")
            .await?
            .map(from_item)
            .transpose()
    }
}
