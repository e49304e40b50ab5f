//! A login's chain of refresh tokens as the store keeps it (see [`super::refresh`] for the
//! rotation rules).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest a family lives, however often it is refreshed: 30 days from the login.
pub const FAMILY_MAX_SECS: i64 = 30 * 24 * 60 * 60;

/// One login's chain of refresh tokens, as stored (the current token only as its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshFamily {
    pub id: Uuid,
    /// The user's e-mail.
    pub user: String,
    /// The user's token version at login: an admin's "revoke sessions" ends the family.
    pub token_version: u64,
    /// Hex SHA-256 of the current token's secret.
    pub secret_hash: String,
    /// 1 for the token the login gave, +1 per refresh.
    pub generation: u32,
    #[serde(with = "crate::domain::instant::millis")]
    pub created_at: DateTime<Utc>,
    /// When the current token stops working (sliding: each refresh moves it, never past
    /// `created_at` + [`FAMILY_MAX_SECS`]).
    #[serde(with = "crate::domain::instant::millis", rename = "valid_until")]
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}
