//! The login use case: throttled, constant-effort password check, then a token.

use super::password::verify_password;
use super::token::{IssuedToken, TokenService};
use crate::domain::User;
use crate::domain::user::normalize_email;
use crate::ports::{LoginThrottle, UserStore};
use crate::{Error, Result};
use chrono::{DateTime, Utc};

/// The answer to every failed login, whether the e-mail exists or not.
pub const BAD_CREDENTIALS: &str = "invalid email or password";

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: IssuedToken,
    pub user: User,
}

/// How many failures lock an e-mail, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub window_secs: u64,
}

/// Check `email` / `password` and issue a token.
///
/// - An e-mail with `max_failures` failures in the current window is refused with
///   `RateLimited` before any password check.
/// - Unknown e-mail and wrong password give the same `Unauthorized` message and both run one
///   Argon2 verification, so their timing is alike.
pub async fn login(
    users: &dyn UserStore,
    throttle: &dyn LoginThrottle,
    tokens: &TokenService,
    policy: ThrottlePolicy,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome> {
    let email = normalize_email(email);
    let failures = throttle.recent_failures(&email, now).await?;
    if failures >= policy.max_failures {
        return Err(Error::RateLimited {
            message: "too many failed login attempts; try again later".into(),
            retry_after_secs: policy.window_secs,
        });
    }
    let user = users.get_user(&email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
        .await
        .map_err(|e| Error::Internal(format!("password check task: {e}")))?;
    match (ok, user) {
        (true, Some(user)) => {
            if failures > 0 {
                throttle.clear_failures(&email).await?;
            }
            let token = tokens.issue(&user, now)?;
            Ok(LoginOutcome { token, user })
        }
        _ => {
            throttle.record_failure(&email, now).await?;
            Err(Error::Unauthorized(BAD_CREDENTIALS.into()))
        }
    }
}
