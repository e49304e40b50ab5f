//! The small storage traits the use cases are written against. The DynamoDB and S3
//! adapters in [`crate::store`] implement them.

use crate::Result;
use crate::domain::{Client, DateRange, Page, PageRequest, User, Worklog};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Users by e-mail.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// The user with this (normalized) e-mail.
    async fn get_user(&self, email: &str) -> Result<Option<User>>;
    /// Create or replace a user.
    async fn put_user(&self, user: &User) -> Result<()>;
}

/// Failed-login bookkeeping per e-mail, shared by every Lambda instance.
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Failures counted in the window that is current at `now` (0 when none).
    async fn recent_failures(&self, email: &str, now: DateTime<Utc>) -> Result<u32>;
    /// Count one more failure at `now`.
    async fn record_failure(&self, email: &str, now: DateTime<Utc>) -> Result<()>;
    /// Forget the failures after a successful login.
    async fn clear_failures(&self, email: &str) -> Result<()>;
}

/// Clients by key.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Every active client, ordered by key.
    async fn list_active_clients(&self) -> Result<Vec<Client>>;
    /// One client, active or not.
    async fn get_client(&self, key: &str) -> Result<Option<Client>>;
    /// Create or replace a client.
    async fn put_client(&self, client: &Client) -> Result<()>;
}

/// Worklogs by client and date.
#[async_trait]
pub trait WorklogStore: Send + Sync {
    /// One page of a client's worklogs in `range`, ordered by date then id, with the total.
    async fn worklog_page(
        &self,
        client_key: &str,
        range: DateRange,
        page: PageRequest,
    ) -> Result<Page<Worklog>>;
    /// Every worklog of a client in `range`, ordered by date then id.
    async fn worklogs_in_range(&self, client_key: &str, range: DateRange) -> Result<Vec<Worklog>>;
    /// Create or replace worklogs by id (idempotent). Ids must be distinct.
    async fn put_worklogs(&self, worklogs: &[Worklog]) -> Result<()>;
}

/// A dependency the readiness probe checks.
#[async_trait]
pub trait DependencyCheck: Send + Sync {
    /// Short name in the readiness answer (`dynamodb`, `s3`).
    fn name(&self) -> &'static str;
    /// Ok when the dependency answers.
    async fn check(&self) -> Result<()>;
}
