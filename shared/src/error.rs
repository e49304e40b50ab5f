//! The one error type of the service. Every variant maps to exactly one envelope code in
//! [`crate::http::error`]; nothing else decides status codes.

/// What kind of problem a field has: a stable machine code (`details[].code`) a frontend
/// can branch on; the message says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldCode {
    /// A required field is missing.
    Required,
    /// The body has a field the operation does not take.
    UnknownField,
    /// The query has a parameter the operation does not take.
    UnknownParameter,
    /// A query parameter is given more than once.
    RepeatedParameter,
    /// A JSON key is given more than once.
    DuplicateKey,
    /// Not the JSON type the field takes (a string, a whole number, a list, ...).
    InvalidType,
    /// Not a decimal written as a string (`"12.50"`).
    InvalidDecimal,
    /// Not a date written `YYYY-MM-DD`.
    InvalidDate,
    /// Not a UUID.
    InvalidUuid,
    /// Not one of the values the field takes.
    InvalidChoice,
    /// Longer than the field allows.
    TooLong,
    /// More decimal places than the field (or the currency) allows.
    TooManyDecimals,
    /// Outside the range the field allows (a quantity, an amount, a date).
    OutOfRange,
    /// A character the field must not contain (a control or bidirectional character).
    InvalidCharacter,
    /// Any other rule of the field (its message names the rule).
    Invalid,
}

/// A problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name or JSON path (`address.city`, `page`).
    pub field: String,
    /// What is wrong with it, in words.
    pub message: String,
    /// What is wrong with it, as a code.
    pub code: FieldCode,
}

impl FieldError {
    /// A field error of a rule of the field (`invalid`), from anything printable.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::coded(field, FieldCode::Invalid, message)
    }

    /// A required value that is missing or blank: "must not be empty".
    pub fn required(field: impl Into<String>) -> Self {
        Self::coded(field, FieldCode::Required, "must not be empty")
    }

    /// A value outside the field's range; `message` says the range.
    pub fn out_of_range(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::coded(field, FieldCode::OutOfRange, message)
    }

    /// A value with more decimal places than `places` (the one wording of that rule).
    pub fn too_many_decimals(field: impl Into<String>, places: u32) -> Self {
        let message = match places {
            0 => "must be a whole number (no decimal places)".to_string(),
            1 => "must have at most 1 decimal place".to_string(),
            n => format!("must have at most {n} decimal places"),
        };
        Self::coded(field, FieldCode::TooManyDecimals, message)
    }

    /// A field error with its code.
    pub fn coded(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            code,
        }
    }
}

/// The rules of a request body that need nothing but the body (lengths, ranges, decimal
/// places): checked even when other fields of the body failed to read, so that a form gets
/// every field's problem at once. Rules that need stored state come after.
pub trait FieldRules {
    /// Every problem of the body's own fields.
    fn field_errors(&self) -> Vec<FieldError>;
}

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input; `details` names the fields.
    #[error("{message}")]
    Validation {
        message: String,
        details: Vec<FieldError>,
    },
    /// Missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// A bearer token that was valid and has expired: refresh it (401 with
    /// `WWW-Authenticate: Bearer error="invalid_token", error_description="expired"`).
    #[error("token expired")]
    TokenExpired,
    /// Authenticated, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Invalid state transition, duplicate or stale version.
    #[error("{0}")]
    Conflict(String),
    /// The write was based on a version that is no longer current (409 `CONFLICT`, with the
    /// current version in `ETag` and `error.current_version`).
    #[error("{message}")]
    StaleVersion {
        message: String,
        current_version: u64,
    },
    /// The client already has a live invoice for the period (409 `CONFLICT`, with its id in
    /// `error.existing_invoice_id`).
    #[error("{message}")]
    DuplicateInvoice {
        message: String,
        existing_invoice_id: uuid::Uuid,
    },
    /// An `Idempotency-Key` already used with a different request (method, path or body).
    #[error("{0}")]
    IdempotencyKeyReused(String),
    /// The method is not defined for this route.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is over the limit.
    #[error("request body is too large (limit 1 MiB)")]
    PayloadTooLarge,
    /// Too many attempts; `retry_after_secs` tells when to come back.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// A dependency (DynamoDB, S3) is down or timed out. The string is for logs only.
    #[error("service temporarily unavailable")]
    Unavailable(String),
    /// A bug or an unexpected answer. The string is for logs only.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    /// A validation error about one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let detail = FieldError::new(field, message);
        Self::Validation {
            message: format!("{}: {}", detail.field, detail.message),
            details: vec![detail],
        }
    }

    /// A validation error about several fields (must not be empty).
    pub fn fields(details: Vec<FieldError>) -> Self {
        let message = details
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self::Validation { message, details }
    }

    /// A not-found error for a kind of thing.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
}

/// Result with the service's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
