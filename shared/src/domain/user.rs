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
    /// A disabled user cannot log in, and its tokens stop working (see [`Session`]).
    #[serde(default)]
    pub disabled: bool,
    /// Tokens carry the version they were issued at; raising it revokes every earlier token.
    #[serde(default)]
    pub token_version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// What token checks need to know, stored apart from the password hash.
    pub fn session(&self) -> Session {
        Session {
            role: self.role,
            token_version: self.token_version,
            disabled: self.disabled,
        }
    }

    /// Make every token issued so far invalid (password reset, "log out everywhere").
    pub fn revoke_tokens(&mut self) {
        self.token_version += 1;
    }
}

/// A user's standing as every token check sees it: kept in its own item so that functions
/// that check tokens never read password hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub role: Role,
    pub token_version: u64,
    pub disabled: bool,
}

impl Session {
    /// Whether a token issued for `role` at `token_version` still stands: the user is not
    /// disabled, no revocation happened since, and the role did not change.
    pub fn accepts(&self, role: Role, token_version: u64) -> bool {
        !self.disabled && self.token_version == token_version && self.role == role
    }
}

/// The canonical form of an e-mail used as a login name.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_accepts_only_current_tokens_of_an_enabled_user() {
        let s = Session {
            role: Role::Accountant,
            token_version: 3,
            disabled: false,
        };
        assert!(s.accepts(Role::Accountant, 3));
        assert!(!s.accepts(Role::Accountant, 2), "revoked");
        assert!(!s.accepts(Role::Admin, 3), "role changed");
        assert!(
            !Session {
                disabled: true,
                ..s
            }
            .accepts(Role::Accountant, 3),
            "disabled"
        );
    }
}
