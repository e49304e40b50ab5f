//! The layers every function's router gets: 404/405 fallbacks in the envelope, the 1 MiB
//! body limit, CORS for configured origins, and the request context (outermost).

use crate::Error;
use crate::config::Config;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;

/// Largest accepted request body: 1 MiB.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// Wrap a group's routes with the shared layers.
pub fn with_layers(router: Router, config: &Config) -> Router {
    let mut router = router
        .fallback(|| async { Error::not_found("route") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    if let Some(cors) = cors(&config.cors_allowed_origins) {
        router = router.layer(cors);
    }
    router.layer(middleware::from_fn(super::request_context::request_context))
}

/// Whether the browser origin `origin` is allowed by `allowed`: an exact origin, or a
/// loopback host on any port (`http://localhost:*`, `http://127.0.0.1:*`, what the local
/// stack allows; the wildcard is honoured for loopback hosts only).
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    allowed.iter().any(|a| match a.strip_suffix(":*") {
        Some(base) if is_loopback_origin(base) => {
            origin == base
                || origin
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| {
                        !port.is_empty()
                            && port.len() <= 5
                            && port.bytes().all(|b| b.is_ascii_digit())
                    })
        }
        Some(_) => false,
        None => a == origin,
    })
}

fn is_loopback_origin(base: &str) -> bool {
    matches!(
        base,
        "http://localhost" | "http://127.0.0.1" | "https://localhost" | "https://127.0.0.1"
    )
}

/// CORS for the configured origins; `None` when there are none.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allowed = origins.to_vec();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                origin.to_str().is_ok_and(|o| origin_allowed(&allowed, o))
            }))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                header::ETAG,
                header::RETRY_AFTER,
                header::LOCATION,
                HeaderName::from_static("idempotent-replayed"),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn loopback_origins_on_any_port_and_exact_ones_only() {
        let allowed = vec![
            "http://localhost:*".to_string(),
            "http://127.0.0.1:*".to_string(),
            "https://app.example.com".to_string(),
            "https://evil.example:*".to_string(),
        ];
        for ok in [
            "http://localhost:5173",
            "http://localhost:3000",
            "http://localhost",
            "http://127.0.0.1:8080",
            "https://app.example.com",
        ] {
            assert!(origin_allowed(&allowed, ok), "{ok}");
        }
        for refused in [
            "http://localhost.evil.example",
            "http://localhost:80a",
            "http://localhost:",
            "http://localhost:123456",
            "http://127.0.0.2:80",
            "https://app.example.com:444",
            "https://evil.example:443",
            "null",
        ] {
            assert!(!origin_allowed(&allowed, refused), "{refused}");
        }
    }
}
