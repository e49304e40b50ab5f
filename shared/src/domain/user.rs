//! Users and roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

/// What a user may do. Ordered: each role can do everything the previous one can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every GET.
    Viewer,
    /// Viewer plus every invoice write.
    Accountant,
    /// Everything, including user management through the admin CLI.
    Admin,
}

impl Role {
    /// The lowercase name used in tokens and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Accountant => "accountant",
            Role::Admin => "admin",
        }
    }

    /// Whether the role may create or change invoices.
    pub fn can_write_invoices(self) -> bool {
        self >= Role::Accountant
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "accountant" => Ok(Role::Accountant),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?} (viewer, accountant or admin)"
            )),
        }
    }
}

/// A user as stored. The hash never leaves the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Lower-case, trimmed; the login name.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The canonical form of an e-mail used as a login name.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
