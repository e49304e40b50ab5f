//! The version a write is based on: `If-Match: <version>` (also `"3"` or `W/"3"`) or a
//! `version` field in the body. One of them is required on every draft write.

use crate::Error;
use axum::http::{HeaderMap, HeaderValue, header};

/// The expected version from the `If-Match` header and/or the body.
pub fn expected_version(headers: &HeaderMap, body_version: Option<u64>) -> Result<u64, Error> {
    let from_header = match headers.get(header::IF_MATCH) {
        None => None,
        Some(v) => {
            let raw = v.to_str().unwrap_or("").trim();
            let raw = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
            Some(raw.parse::<u64>().map_err(|_| {
                Error::field("If-Match", "must be the invoice version, e.g. If-Match: 3")
            })?)
        }
    };
    match (from_header, body_version) {
        (Some(h), Some(b)) if h != b => Err(Error::field(
            "version",
            "differs from If-Match; send one or make them equal",
        )),
        (Some(v), _) | (None, Some(v)) => Ok(v),
        (None, None) => Err(Error::field(
            "version",
            "is required: send If-Match: <version> or \"version\" in the body",
        )),
    }
}

/// `ETag: "<version>"`.
pub fn etag(version: u64) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(&format!("\"{version}\""))
        .unwrap_or(HeaderValue::from_static("\"0\""));
    [(header::ETAG, value)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn reads_plain_quoted_and_weak_versions() {
        assert_eq!(expected_version(&headers("3"), None).unwrap(), 3);
        assert_eq!(expected_version(&headers("\"4\""), None).unwrap(), 4);
        assert_eq!(expected_version(&headers("W/\"5\""), Some(5)).unwrap(), 5);
        assert_eq!(expected_version(&HeaderMap::new(), Some(6)).unwrap(), 6);
        assert!(expected_version(&HeaderMap::new(), None).is_err());
        assert!(expected_version(&headers("abc"), None).is_err());
        assert!(expected_version(&headers("3"), Some(4)).is_err());
    }
}
