//! HS256 JWTs with every claim required and checked.

use crate::domain::{Role, User};
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The claims every token carries; all are required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The user's e-mail.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// Unique token id.
    pub jti: String,
    /// The user's token version at issue (see [`crate::domain::Session`]).
    pub ver: u64,
}

/// A freshly issued token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues and verifies tokens with one pinned algorithm (HS256) and secret. Built without a
/// secret (functions that serve no protected route never load one) it issues nothing and
/// rejects every token.
pub struct TokenService {
    keyed: bool,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

/// Shortest secret accepted outside local mode.
pub const MIN_SECRET_LEN: usize = 32;

impl TokenService {
    /// A token service for `secret`, tokens valid for `ttl`.
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub", "jti"]);
        validation.validate_exp = true;
        validation.leeway = 5;
        Self {
            keyed: !secret.is_empty(),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            ttl,
        }
    }

    /// A token for `user`, issued at `now`.
    pub fn issue(&self, user: &User, now: DateTime<Utc>) -> Result<IssuedToken> {
        if !self.keyed {
            return Err(Error::Internal("this function has no JWT secret".into()));
        }
        let expires_at = now + self.ttl;
        let claims = Claims {
            sub: user.email.clone(),
            role: user.role,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: Uuid::new_v4().to_string(),
            ver: user.token_version,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("jwt encode: {e}")))?;
        Ok(IssuedToken {
            token,
            expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or(expires_at),
        })
    }

    /// The claims of a valid token; anything else is `Unauthorized` with one fixed message.
    /// Besides the signature and every claim, a token must not live longer than this
    /// service's token lifetime (`exp - iat`) nor be issued in the future: a token signed
    /// with the key but with a 100-year `exp` is refused.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims> {
        let invalid = || Error::Unauthorized("invalid or expired token".into());
        if !self.keyed {
            return Err(invalid());
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "token rejected");
                // The signature was checked before the expiry: an expired token is ours.
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => Error::TokenExpired,
                    _ => invalid(),
                }
            })?;
        let leeway = i64::try_from(self.validation.leeway).unwrap_or(0);
        let lifetime = claims.exp.saturating_sub(claims.iat);
        if lifetime > self.ttl.num_seconds() || claims.iat > now.timestamp() + leeway {
            tracing::debug!(lifetime, iat = claims.iat, "token rejected: lifetime");
            return Err(invalid());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn round_trips() {
        let s = TokenService::new(&[7; 32], "iss", "aud", Duration::hours(1));
        let t = s.issue(&user(), Utc::now()).unwrap();
        let c = s.verify(&t.token, Utc::now()).unwrap();
        assert_eq!(c.sub, "a@b.test");
        assert_eq!(c.role, Role::Accountant);
    }

    #[test]
    fn rejects_other_secret_issuer_audience_and_expired() {
        let s = TokenService::new(&[7; 32], "iss", "aud", Duration::hours(1));
        let other_secret = TokenService::new(&[8; 32], "iss", "aud", Duration::hours(1));
        let other_iss = TokenService::new(&[7; 32], "x", "aud", Duration::hours(1));
        let other_aud = TokenService::new(&[7; 32], "iss", "x", Duration::hours(1));
        for o in [&other_secret, &other_iss, &other_aud] {
            let t = o.issue(&user(), Utc::now()).unwrap();
            assert!(s.verify(&t.token, Utc::now()).is_err());
        }
        let old = s.issue(&user(), Utc::now() - Duration::hours(2)).unwrap();
        assert!(s.verify(&old.token, Utc::now()).is_err());
    }

    #[test]
    fn without_a_secret_nothing_is_issued_or_accepted() {
        let keyless = TokenService::new(&[], "iss", "aud", Duration::hours(1));
        assert!(keyless.issue(&user(), Utc::now()).is_err());
        // A token signed with an empty HMAC key must not pass either.
        let forged = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "a@b.test".into(),
                role: Role::Admin,
                iat: Utc::now().timestamp(),
                exp: Utc::now().timestamp() + 600,
                iss: "iss".into(),
                aud: "aud".into(),
                jti: "j".into(),
                ver: 0,
            },
            &EncodingKey::from_secret(&[]),
        )
        .unwrap();
        assert!(matches!(
            keyless.verify(&forged, Utc::now()),
            Err(Error::Unauthorized(_))
        ));
    }

    #[test]
    fn refuses_tokens_that_live_longer_than_the_lifetime_or_start_in_the_future() {
        let s = TokenService::new(&[7; 32], "iss", "aud", Duration::hours(1));
        let now = Utc::now();
        let forge = |iat: i64, exp: i64| {
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &Claims {
                    sub: "a@b.test".into(),
                    role: Role::Admin,
                    iat,
                    exp,
                    iss: "iss".into(),
                    aud: "aud".into(),
                    jti: "j".into(),
                    ver: 0,
                },
                &EncodingKey::from_secret(&[7; 32]),
            )
            .unwrap()
        };
        let t = now.timestamp();
        assert!(
            s.verify(&forge(t, t + 3600), now).is_ok(),
            "exactly the lifetime"
        );
        let century = forge(t, t + 100 * 365 * 86_400);
        assert!(s.verify(&century, now).is_err(), "100-year token");
        assert!(s.verify(&forge(t - 10, t + 3600), now).is_err(), "61 min");
        assert!(
            s.verify(&forge(t + 600, t + 1200), now).is_err(),
            "issued in the future"
        );
    }
}
