//! The HTTP side of every document download (invoice and credit-note PDFs, e-invoices) and
//! of every id in a path: one `?redirect=` rule, one answer (the presigned URL as JSON, or a
//! 302 to it; never cached, the URL is a bearer link while it lives), one id rule.

use super::envelope::{Data, NoStore};
use crate::{Error, Result};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

/// `?redirect=`: absent or `false` is JSON, `true` a 302; anything else is 400 naming it.
pub fn redirect_flag(raw: Option<&str>) -> Result<bool> {
    match raw {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(Error::field("redirect", "must be true or false")),
    }
}

/// The answer to a presigned download: `download` as JSON, or a 302 to `url`.
pub fn presigned_answer<T: Serialize>(download: T, url: &str, redirect: bool) -> Response {
    if redirect {
        return NoStore((StatusCode::FOUND, [(header::LOCATION, url.to_string())])).into_response();
    }
    NoStore(Data::ok(download)).into_response()
}

/// The id in a path: a string that is not a UUID names nothing, so it is 404 like an
/// unknown id (`what`: "invoice", "credit note", ...).
pub fn path_id(raw: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::not_found(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_is_true_false_or_absent() {
        assert_eq!(redirect_flag(None).ok(), Some(false));
        assert_eq!(redirect_flag(Some("false")).ok(), Some(false));
        assert_eq!(redirect_flag(Some("true")).ok(), Some(true));
        for bad in ["1", "yes", "TRUE", ""] {
            assert!(redirect_flag(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redirect_is_a_302_to_the_url_and_never_cached() {
        let r = presigned_answer("ignored", "https://s3.example/x", true);
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()[header::LOCATION], "https://s3.example/x");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        let json = presigned_answer(serde_json::json!({"url": "u"}), "u", false);
        assert_eq!(json.status(), StatusCode::OK);
        assert_eq!(json.headers()[header::CACHE_CONTROL], "no-store");
    }

    #[test]
    fn an_id_that_is_no_uuid_is_not_found() {
        assert!(matches!(
            path_id("nope", "invoice"),
            Err(Error::NotFound(_))
        ));
        assert!(path_id("5b0d7c3e-1f2a-4c6b-9d8e-7a6b5c4d3e2f", "invoice").is_ok());
    }
}
