//! Refresh tokens: a login starts a *family*; each `POST /auth/refresh` spends the family's
//! current token and hands out the next one with a new access token (rotation). Only a hash
//! of the current token is stored. Presenting a token of the family that is not the current
//! one (a stolen copy used after the owner, or the owner after the thief) revokes the whole
//! family, as does logout. A family also ends with its user (disabled, deleted, or sessions
//! revoked by an admin) and after [`FAMILY_MAX_SECS`].
//!
//! Token format: `rt1.<family id>.<secret>` (the secret: 64 hex digits, 244 random bits).

use super::login::{LoginDeps, count_pair};
pub use super::refresh_family::{FAMILY_MAX_SECS, RefreshFamily};
use super::token::IssuedToken;
use crate::domain::User;
use crate::ports::RefreshTokenStore;
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The answer to every refused refresh (unknown, expired, spent or revoked token).
pub const REFUSED: &str = "invalid or expired refresh token";

const PREFIX: &str = "rt1";

/// A refresh token handed to the client, and when it stops working.
#[derive(Debug, Clone)]
pub struct IssuedRefresh {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// A successful refresh: the next access token, the next refresh token and the user.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub token: IssuedToken,
    pub refresh: IssuedRefresh,
    pub user: User,
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_secret() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// The family id and secret of a well-formed token; `None` for anything else.
pub fn parse(token: &str) -> Option<(Uuid, &str)> {
    let mut parts = token.splitn(3, '.');
    let (prefix, id, secret) = (parts.next()?, parts.next()?, parts.next()?);
    let id = Uuid::try_parse(id).ok()?;
    let well_formed =
        prefix == PREFIX && secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then_some((id, secret))
}

fn token(id: Uuid, secret: &str) -> String {
    format!("{PREFIX}.{}.{secret}", id.simple())
}

/// When a token issued at `now` for a family created at `created_at` stops working.
fn expiry(created_at: DateTime<Utc>, now: DateTime<Utc>, ttl_secs: u64) -> DateTime<Utc> {
    let ttl = Duration::seconds(i64::try_from(ttl_secs).unwrap_or(FAMILY_MAX_SECS));
    (now + ttl).min(created_at + Duration::seconds(FAMILY_MAX_SECS))
}

/// Start a family for `user` who just logged in; its first token.
pub async fn start(
    store: &dyn RefreshTokenStore,
    user: &User,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<IssuedRefresh> {
    let secret = new_secret();
    let family = RefreshFamily {
        id: Uuid::new_v4(),
        user: user.email.clone(),
        token_version: user.token_version,
        secret_hash: hash(&secret),
        generation: 1,
        created_at: now,
        expires_at: expiry(now, now, ttl_secs),
        revoked: false,
    };
    store.put_family(&family).await?;
    Ok(IssuedRefresh {
        token: token(family.id, &secret),
        expires_at: family.expires_at,
    })
}

/// `POST /auth/refresh`: spend `presented` for the next access and refresh tokens. Failed
/// refreshes count against the login limits of the family's user from `source` (429 past
/// them); a token that is not the family's current one revokes the family.
pub async fn refresh(
    deps: LoginDeps<'_>,
    store: &dyn RefreshTokenStore,
    presented: &str,
    source: &str,
    ttl_secs: u64,
    now: DateTime<Utc>,
) -> Result<Refreshed> {
    let refused = || Error::Unauthorized(REFUSED.into());
    let (id, secret) = parse(presented).ok_or_else(refused)?;
    let family = store.get_family(id).await?.ok_or_else(refused)?;
    let counted = count_pair(deps, &family.user, source, now).await?;
    if hash(secret) != family.secret_hash {
        // Spent (or forged with a leaked id): whoever holds the current one is not trusted.
        store.revoke(id).await?;
        return Err(refused());
    }
    if family.revoked || family.expires_at <= now {
        return Err(refused());
    }
    let user = match deps.users.get_user(&family.user).await? {
        Some(u) if !u.disabled && u.token_version == family.token_version => u,
        _ => {
            store.revoke(id).await?;
            return Err(refused());
        }
    };
    let next_secret = new_secret();
    let next = RefreshFamily {
        secret_hash: hash(&next_secret),
        generation: family.generation + 1,
        expires_at: expiry(family.created_at, now, ttl_secs),
        ..family.clone()
    };
    if !store.rotate(&family.secret_hash, &next).await? {
        // Another refresh with the same token won the race: this one is a reuse.
        store.revoke(id).await?;
        return Err(refused());
    }
    counted.refund(deps).await?;
    let token = deps.tokens.issue(&user, now)?;
    Ok(Refreshed {
        token,
        refresh: IssuedRefresh {
            token: self::token(id, &next_secret),
            expires_at: next.expires_at,
        },
        user,
    })
}

/// `POST /auth/logout`: end the family of `presented` (any token of it, current or spent);
/// nothing for a token that names no family.
pub async fn logout(store: &dyn RefreshTokenStore, presented: &str) -> Result<()> {
    let (id, _) =
        parse(presented).ok_or_else(|| Error::field("refresh_token", "is not a refresh token"))?;
    if store.get_family(id).await?.is_some() {
        store.revoke(id).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_back_and_nothing_else_does() {
        let id = Uuid::new_v4();
        let secret = new_secret();
        let t = token(id, &secret);
        assert_eq!(parse(&t), Some((id, secret.as_str())));
        for bad in [
            "",
            "rt1",
            "rt1.x.y",
            &format!("rt2.{}.{secret}", id.simple()),
            &format!("rt1.{}.{}", id.simple(), &secret[1..]),
            &format!("rt1.{}.{}g", id.simple(), &secret[1..]),
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_ne!(new_secret(), new_secret());
    }

    #[test]
    fn a_family_never_outlives_its_maximum() {
        let created = Utc::now();
        let day = 24 * 60 * 60;
        assert_eq!(
            expiry(created, created, 14 * day),
            created + Duration::days(14)
        );
        let late = created + Duration::days(25);
        assert_eq!(
            expiry(created, late, 14 * day),
            created + Duration::seconds(FAMILY_MAX_SECS)
        );
    }
}
