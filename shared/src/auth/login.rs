//! The login use case: attempts counted before any password check, a bounded number of
//! password hashes at once, a constant-effort check, then a token.

use super::password::verify_password;
use super::token::{IssuedToken, TokenService};
use crate::domain::User;
use crate::domain::user::normalize_email;
use crate::ports::{AttemptCount, AttemptScope, LoginThrottle, UserStore};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The answer to every failed login, whether the e-mail exists or not.
pub const BAD_CREDENTIALS: &str = "invalid email or password";

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: IssuedToken,
    pub user: User,
}

/// How many password checks an e-mail gets per window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Checks per window for one e-mail from one source address: what one attacker gets, and
    /// all an attacker can lock (the pair, not the account).
    pub max_attempts_per_source: u32,
    /// Checks per window for one e-mail from all sources together: the ceiling that stops
    /// guessing spread over many addresses.
    pub max_attempts_per_account: u32,
    pub window_secs: u64,
}

/// Bounds the password hashes one process runs at once: each Argon2 check holds 19 MiB and a
/// core for tens of milliseconds, and login needs no token, so without a bound any caller
/// could make the process use memory and CPU at will.
pub struct HashPermits {
    semaphore: Arc<Semaphore>,
    wait: Duration,
    running: Arc<AtomicUsize>,
    peak: AtomicUsize,
}

impl HashPermits {
    /// At most `permits` hashes at once; a login waits at most `wait` for its turn.
    pub fn new(permits: usize, wait: Duration) -> Self {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(pin_mmap_threshold);
        Self {
            semaphore: Arc::new(Semaphore::new(permits.max(1))),
            wait,
            running: Arc::new(AtomicUsize::new(0)),
            peak: AtomicUsize::new(0),
        }
    }

    /// The most hashes this process has run at once (an operational figure).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Run the blocking password check `check` when a permit is free, waiting at most the
    /// configured time; `None` when no permit came.
    async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>> {
        let Ok(Ok(permit)) =
            tokio::time::timeout(self.wait, self.semaphore.clone().acquire_owned()).await
        else {
            return Ok(None);
        };
        let now_running = self.running.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now_running, Ordering::Relaxed);
        // The permit travels with the hash: a caller that goes away (client disconnect)
        // cannot free it while the hash still runs.
        let running = self.running.clone();
        let result = tokio::task::spawn_blocking(move || {
            let out = check();
            running.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            out
        })
        .await;
        result
            .map(Some)
            .map_err(|e| Error::Internal(format!("password check task: {e}")))
    }
}

/// glibc raises its mmap threshold each time a large block is freed, after which every
/// 19 MiB Argon2 buffer comes from the heap and stays there: measured with two hashes at a
/// time, 100 logins grew the process from 34 to 670 MiB. A fixed threshold (1 MiB) keeps
/// large buffers mapped and returns them on free (34 to 81 MiB for the same logins; see
/// `login_flood_*` in the concurrency suite).
fn pin_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called once, before any hash.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// What the login use case needs.
#[derive(Clone, Copy)]
pub struct LoginDeps<'a> {
    pub users: &'a dyn UserStore,
    pub throttle: &'a dyn LoginThrottle,
    pub tokens: &'a TokenService,
    pub permits: &'a HashPermits,
    pub policy: ThrottlePolicy,
}

/// Check `email` / `password` from `source` (the caller's IP address) and issue a token.
///
/// - The attempt is counted first, against (e-mail, source) and against the e-mail alone;
///   when either limit is already reached the answer is `RateLimited` and no password is
///   checked. Counting is one conditional write, so parallel requests cannot pass the limit.
/// - Unknown e-mail, disabled user and wrong password give the same `Unauthorized` message
///   and all run one Argon2 verification, so their timing is alike.
/// - A successful login gives its own attempt back; failures stay counted for the window.
pub async fn login(
    deps: LoginDeps<'_>,
    email: &str,
    password: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome> {
    let email = normalize_email(email);
    let counted = count_pair(deps, &email, source, now).await?;
    let user = deps.users.get_user(&email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_owned();
    let checked = deps
        .permits
        .run(move || verify_password(&password, stored.as_deref()))
        .await?;
    let Some(ok) = checked else {
        // No password was checked: the attempt does not count.
        counted.refund(deps).await?;
        return Err(Error::RateLimited {
            message: "too many logins in progress; try again shortly".into(),
            retry_after_secs: 1,
        });
    };
    match (ok, user) {
        (true, Some(user)) if !user.disabled => {
            counted.refund(deps).await?;
            let token = deps.tokens.issue(&user, now)?;
            Ok(LoginOutcome { token, user })
        }
        _ => Err(Error::Unauthorized(BAD_CREDENTIALS.into())),
    }
}

/// An attempt counted against an e-mail from a source and against the e-mail alone.
pub(crate) struct CountedPair<'a> {
    pair: (AttemptScope<'a>, i64),
    account: (AttemptScope<'a>, i64),
}

impl CountedPair<'_> {
    /// Give the attempt back (it succeeded, or nothing was checked).
    pub(crate) async fn refund(&self, deps: LoginDeps<'_>) -> Result<()> {
        for (scope, window) in [self.pair, self.account] {
            deps.throttle.refund_attempt(scope, window).await?;
        }
        Ok(())
    }
}

/// Count one attempt for `email` from `source` against both limits (login and refresh):
/// `RateLimited` when either is reached, and then nothing stays counted.
pub(crate) async fn count_pair<'a>(
    deps: LoginDeps<'_>,
    email: &'a str,
    source: &'a str,
    now: DateTime<Utc>,
) -> Result<CountedPair<'a>> {
    let policy = deps.policy;
    let pair = AttemptScope::EmailFromSource { email, source };
    let account = AttemptScope::Email(email);
    let pair_window = count(
        deps.throttle,
        pair,
        policy.max_attempts_per_source,
        policy,
        now,
    )
    .await?;
    match count(
        deps.throttle,
        account,
        policy.max_attempts_per_account,
        policy,
        now,
    )
    .await
    {
        Ok(account_window) => Ok(CountedPair {
            pair: (pair, pair_window),
            account: (account, account_window),
        }),
        Err(e) => {
            deps.throttle.refund_attempt(pair, pair_window).await?;
            Err(e)
        }
    }
}

/// Count an attempt; the start of the window it was counted in.
async fn count(
    throttle: &dyn LoginThrottle,
    scope: AttemptScope<'_>,
    limit: u32,
    policy: ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<i64> {
    match throttle
        .count_attempt(scope, limit, policy.window_secs, now)
        .await?
    {
        AttemptCount::Counted { window_start } => Ok(window_start),
        AttemptCount::LimitReached { retry_after_secs } => Err(Error::RateLimited {
            message: "too many failed login attempts; try again later".into(),
            retry_after_secs,
        }),
    }
}
