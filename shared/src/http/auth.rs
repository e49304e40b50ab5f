//! `AuthUser`: the bearer token's verified claims, or 401 in the envelope.

use crate::Error;
use crate::auth::Authenticator;
use crate::domain::Role;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use std::sync::Arc;

/// The message of a 401 for a request without a bearer token.
pub const MISSING_TOKEN: &str = "missing bearer token";

/// The caller, from a valid bearer token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's e-mail (`sub`).
    pub email: String,
    pub role: Role,
}

impl AuthUser {
    /// 403 unless the caller is an admin (reversing payments).
    pub fn require_admin(&self) -> Result<(), Error> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "role {} may not do this; admins only",
                self.role.as_str()
            )))
        }
    }

    /// 403 unless the caller may write invoices (accountant or admin).
    pub fn require_invoice_writer(&self) -> Result<(), Error> {
        if self.role.can_write_invoices() {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "role {} may not change invoices",
                self.role.as_str()
            )))
        }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Already checked for this request (the `Idempotency-Key` wrapper does it first).
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| Error::Unauthorized(MISSING_TOKEN.into()))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unauthorized(MISSING_TOKEN.into()))?;
        let claims = Arc::<Authenticator>::from_ref(state)
            .authenticate(token, chrono::Utc::now())
            .await?;
        Ok(AuthUser {
            email: claims.sub,
            role: claims.role,
        })
    }
}

/// A caller allowed to change invoices (accountant or admin): 401 without a valid token,
/// 403 for a viewer. Runs before the body is read, so a viewer gets 403 whatever it sends.
#[derive(Debug, Clone)]
pub struct InvoiceWriter(pub AuthUser);

impl<S> FromRequestParts<S> for InvoiceWriter
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require_invoice_writer()?;
        Ok(InvoiceWriter(user))
    }
}

/// An admin caller: 401 without a valid token, 403 for anyone else. Runs before the body is
/// read.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

impl<S> FromRequestParts<S> for Admin
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require_admin()?;
        Ok(Admin(user))
    }
}
