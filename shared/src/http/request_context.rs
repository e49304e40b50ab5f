//! Per-request context: the request id (caller's when sane, else a fresh UUID, see
//! [`super::request_id`]), a tracing span carrying it, one access-log line, and envelopes for bare framework errors.

use super::error::{Enveloped, from_status};
use super::request_id::{REQUEST_ID, REQUEST_ID_HEADER, is_sane_request_id};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// The middleware; install it outermost so every response passes through it.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let header_value =
        HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    req.headers_mut()
        .insert(REQUEST_ID_HEADER.clone(), header_value.clone());

    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let started = Instant::now();
    let mut response = REQUEST_ID
        .scope(id.clone(), async move {
            let response = next.run(req).await;
            envelope_bare_error(response)
        })
        .instrument(span.clone())
        .await;
    response
        .headers_mut()
        .insert(REQUEST_ID_HEADER.clone(), header_value);
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_millis() as u64,
            "request completed"
        )
    });
    response
}

/// Framework answers (405, 413 from the body limit, …) carry no envelope; give them one.
/// Runs inside the request-id scope.
fn envelope_bare_error(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<Enveloped>().is_some()
    {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut enveloped = from_status(status).into_response();
    *enveloped.status_mut() = status;
    if let Some(allow) = allow {
        enveloped.headers_mut().insert(header::ALLOW, allow);
    }
    enveloped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids() {
        assert!(is_sane_request_id("abc-123_X.y"));
        assert!(is_sane_request_id(&"a".repeat(128)));
        assert!(!is_sane_request_id(&"a".repeat(129)));
        assert!(!is_sane_request_id(""));
        assert!(!is_sane_request_id("has space"));
        assert!(!is_sane_request_id("semi;colon"));
    }
}
