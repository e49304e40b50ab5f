//! The request id of the request being served: its header, the task-local value the
//! request-context middleware sets, and what a caller may send.

use axum::http::HeaderName;

/// `X-Request-ID`.
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the request being served, set by the request-context middleware.
    pub(super) static REQUEST_ID: String;
}

/// The id of the request being served (`"unknown"` outside a request).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "unknown".into())
}

/// Whether a caller-supplied id may be used: 1-128 chars of `[A-Za-z0-9._-]`.
pub fn is_sane_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
