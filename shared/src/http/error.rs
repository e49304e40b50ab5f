//! The one place that maps [`Error`] to HTTP statuses and envelope codes.

use super::request_id::current_request_id;
use crate::{Error, FieldError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The error object of the envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// One of the codes of the error table (docs/api-guide.md).
    #[schema(schema_with = error_code_schema)]
    pub code: &'static str,
    #[schema(example = "invoice not found")]
    pub message: String,
    #[schema(example = "550e8400-e29b-41d4-a716-446655440000")]
    pub request_id: String,
    /// Present on validation errors: which fields are wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<FieldError>>,
    /// Present on a 409 for a stale version: the invoice's current version (also in the
    /// `ETag` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
    /// Present on a 409 because the client already has an invoice for the period: that
    /// invoice's id (open it instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_invoice_id: Option<uuid::Uuid>,
}

/// Every envelope code, as `error.code` documents them.
pub const ERROR_CODES: [&str; 11] = [
    "VALIDATION_ERROR",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "CONFLICT",
    "IDEMPOTENCY_KEY_REUSED",
    "PAYLOAD_TOO_LARGE",
    "RATE_LIMITED",
    "SERVICE_UNAVAILABLE",
    "INTERNAL_ERROR",
];

fn error_code_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ERROR_CODES))
        .examples(["NOT_FOUND"])
        .build()
}

/// `{"data": null, "error": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    #[schema(value_type = Option<Object>)]
    pub data: Option<()>,
    pub error: ErrorBody,
}

/// Marks a response whose body is already an error envelope.
#[derive(Debug, Clone, Copy)]
pub struct Enveloped;

/// Status and envelope code of an error: the mapping table.
pub fn classify(err: &Error) -> (StatusCode, &'static str) {
    match err {
        Error::Validation { .. } => (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"),
        Error::Unauthorized(_) | Error::TokenExpired => (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "FORBIDDEN"),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "NOT_FOUND"),
        Error::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED"),
        Error::Conflict(_) | Error::StaleVersion { .. } | Error::DuplicateInvoice { .. } => {
            (StatusCode::CONFLICT, "CONFLICT")
        }
        Error::IdempotencyKeyReused(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED")
        }
        Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
        Error::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
    }
}

/// The `WWW-Authenticate` challenge of a 401 (RFC 6750): no error code without credentials,
/// `invalid_token` for a bad one, and `expired` said apart so that a client refreshes.
fn challenge(err: &Error) -> Option<&'static str> {
    match err {
        Error::TokenExpired => Some(r#"Bearer error="invalid_token", error_description="expired""#),
        Error::Unauthorized(m) if m == super::auth::MISSING_TOKEN => Some("Bearer"),
        Error::Unauthorized(_) => Some(r#"Bearer error="invalid_token""#),
        _ => None,
    }
}

/// The error for a bare status produced outside the handlers (framework rejections).
pub fn from_status(status: StatusCode) -> Error {
    match status {
        StatusCode::BAD_REQUEST => Error::Validation {
            message: "invalid request".into(),
            details: Vec::new(),
        },
        StatusCode::UNAUTHORIZED => Error::Unauthorized("missing or invalid token".into()),
        StatusCode::FORBIDDEN => Error::Forbidden("insufficient permissions".into()),
        StatusCode::NOT_FOUND => Error::not_found("route"),
        StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed,
        StatusCode::CONFLICT => Error::Conflict("conflict".into()),
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge,
        StatusCode::TOO_MANY_REQUESTS => Error::RateLimited {
            message: "too many requests".into(),
            retry_after_secs: 1,
        },
        s if s.is_server_error() && s != StatusCode::INTERNAL_SERVER_ERROR => {
            Error::Unavailable(format!("upstream status {s}"))
        }
        s => Error::Internal(format!("status {s}")),
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = classify(&self);
        match &self {
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            Error::Unavailable(detail) => tracing::warn!(%detail, "dependency unavailable"),
            _ => tracing::debug!(code, message = %self, "request rejected"),
        }
        let retry_after = match &self {
            Error::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            // A dependency is down: try again shortly.
            Error::Unavailable(_) => Some(1),
            _ => None,
        };
        let current_version = match &self {
            Error::StaleVersion {
                current_version, ..
            } => Some(*current_version),
            _ => None,
        };
        let existing_invoice_id = match &self {
            Error::DuplicateInvoice {
                existing_invoice_id,
                ..
            } => Some(*existing_invoice_id),
            _ => None,
        };
        let details = match &self {
            Error::Validation { details, .. } if !details.is_empty() => Some(details.clone()),
            _ => None,
        };
        let body = ErrorEnvelope {
            data: None,
            error: ErrorBody {
                code,
                // Display of Internal/Unavailable is generic; details only go to the log.
                message: self.to_string(),
                request_id: current_request_id(),
                details,
                current_version,
                existing_invoice_id,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Some(v) = current_version {
            response.headers_mut().extend(super::version::etag(v));
        }
        if let Some(challenge) = challenge(&self) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response.extensions_mut().insert(Enveloped);
        response
    }
}
