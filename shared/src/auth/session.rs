//! Token checks that follow the user: a valid signature is not enough, the user's session
//! (role, token version, disabled) must still accept the token. Sessions are cached for a
//! short time, so disabling, demoting or revoking takes effect within that time (at most a
//! minute) at the cost of one `GetItem` per user and cache period per process.

use super::token::{Claims, TokenService};
use crate::domain::Session;
use crate::ports::SessionStore;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::config::MAX_SESSION_CACHE;
/// Entries kept before the cache is emptied (a bound on memory, not a tuning knob).
const CACHE_CAPACITY: usize = 10_000;

/// Verifies bearer tokens against the signing key and the user's current session.
pub struct Authenticator {
    tokens: Arc<TokenService>,
    sessions: Arc<dyn SessionStore>,
    cache_for: Duration,
    cache: Mutex<HashMap<String, (Instant, Option<Session>)>>,
}

impl Authenticator {
    /// Sessions are read from `sessions` and reused for `cache_for` (capped at a minute).
    pub fn new(
        tokens: Arc<TokenService>,
        sessions: Arc<dyn SessionStore>,
        cache_for: Duration,
    ) -> Self {
        Self {
            tokens,
            sessions,
            cache_for: cache_for.min(MAX_SESSION_CACHE),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The claims of `token` when it is valid and its user's session still accepts it;
    /// otherwise `Unauthorized`.
    pub async fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<Claims> {
        let claims = self.tokens.verify(token, now)?;
        let session = self.session(&claims.sub).await?;
        if session.is_some_and(|s| s.accepts(claims.role, claims.ver)) {
            Ok(claims)
        } else {
            Err(Error::Unauthorized(
                "token no longer valid; log in again".into(),
            ))
        }
    }

    async fn session(&self, email: &str) -> Result<Option<Session>> {
        if let Some(session) = self.cached(email) {
            return Ok(session);
        }
        let session = self.sessions.get_session(email).await?;
        if !self.cache_for.is_zero()
            && let Ok(mut cache) = self.cache.lock()
        {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(email.to_string(), (Instant::now(), session));
        }
        Ok(session)
    }

    fn cached(&self, email: &str) -> Option<Option<Session>> {
        let cache = self.cache.lock().ok()?;
        let (at, session) = cache.get(email)?;
        (at.elapsed() < self.cache_for).then_some(*session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, User};
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A session store whose one user can be changed, counting reads.
    struct OneUser {
        session: Mutex<Session>,
        reads: AtomicU64,
    }

    #[async_trait]
    impl SessionStore for OneUser {
        async fn get_session(&self, email: &str) -> Result<Option<Session>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok((email == "a@b.test").then(|| *self.session.lock().unwrap()))
        }
    }

    fn user() -> User {
        User {
            email: "a@b.test".into(),
            name: "A".into(),
            role: Role::Accountant,
            password_hash: String::new(),
            disabled: false,
            token_version: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn a_disabled_user_is_refused_once_the_cache_period_has_passed() {
        let tokens = Arc::new(TokenService::new(
            &[7; 32],
            "iss",
            "aud",
            chrono::Duration::hours(1),
        ));
        let store = Arc::new(OneUser {
            session: Mutex::new(user().session()),
            reads: AtomicU64::new(0),
        });
        let auth = Authenticator::new(tokens.clone(), store.clone(), Duration::from_millis(200));
        let token = tokens.issue(&user(), Utc::now()).unwrap().token;
        assert!(auth.authenticate(&token, Utc::now()).await.is_ok());
        assert!(auth.authenticate(&token, Utc::now()).await.is_ok());
        assert_eq!(store.reads.load(Ordering::SeqCst), 1, "second check cached");

        store.session.lock().unwrap().disabled = true;
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(matches!(
            auth.authenticate(&token, Utc::now()).await,
            Err(Error::Unauthorized(_))
        ));
    }

    #[test]
    fn the_cache_never_outlives_a_minute() {
        let tokens = Arc::new(TokenService::new(
            &[7; 32],
            "i",
            "a",
            chrono::Duration::hours(1),
        ));
        let store = Arc::new(OneUser {
            session: Mutex::new(user().session()),
            reads: AtomicU64::new(0),
        });
        let auth = Authenticator::new(tokens, store, Duration::from_secs(3600));
        assert_eq!(auth.cache_for, MAX_SESSION_CACHE);
    }
}
