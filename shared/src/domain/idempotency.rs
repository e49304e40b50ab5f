//! Idempotency keys: the pure rules (what a valid key is, how a request is fingerprinted,
//! how a key is scoped to its caller and route). No HTTP types; the HTTP side is
//! [`crate::http::idempotency`], storage is [`crate::ports::IdempotencyStore`].

use crate::{Error, Result};
use sha2::{Digest, Sha256};

/// The header's name, as documents and error messages spell it.
pub const HEADER: &str = "Idempotency-Key";

/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;

/// How long a key is remembered: 24 hours.
pub const TTL_SECS: i64 = 24 * 60 * 60;

/// How long an in-progress claim blocks other requests with the key. Longer than any
/// function's timeout (10 s), so a live request never loses its claim; after it, a claim
/// whose process died (crash, time-out) may be taken over, so the key is not stuck for 24 h.
pub const LEASE_SECS: i64 = 60;

/// Largest response body stored for replay. A DynamoDB item holds at most 400 KB; larger
/// answers are not remembered (the claim is released and a retry runs again).
pub const MAX_STORED_BODY_BYTES: usize = 350 * 1024;

/// Check a key: 1-255 characters of printable ASCII (space to `~`).
pub fn check_key(key: &[u8]) -> Result<&str> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(Error::field(
            HEADER,
            format!("must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    if !key.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return Err(Error::field(HEADER, "must be printable ASCII"));
    }
    std::str::from_utf8(key).map_err(|_| Error::field(HEADER, "must be printable ASCII"))
}

/// SHA-256 (hex) of the request: method, path (with its query) and body bytes, each
/// length-prefixed so that no two different requests share an input.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), body] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex(&h.finalize())
}

/// The stored identity of a key: SHA-256 (hex) of the route scope (method, matched route
/// and actual path with its parameters) and the key, so a key of any length fits the
/// table's key limits and one key on two routes is two records. The user is kept beside
/// it in the item's key ([`IdempotencyScope::user`]).
pub fn scope_hash(method: &str, route: &str, path: &str, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [method, route, path, key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Who and what a key belongs to: the caller (token `sub`) and [`scope_hash`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyScope {
    pub user: String,
    pub hash: String,
}

/// A response as remembered for replay: status, the headers worth replaying, body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// Lower-case header names and their values.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A remembered key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyRecord {
    /// A request with the key is being served.
    InProgress { fingerprint: String },
    /// The first request's answer.
    Completed {
        fingerprint: String,
        response: StoredResponse,
    },
}

impl IdempotencyRecord {
    /// The fingerprint of the request that claimed the key.
    pub fn fingerprint(&self) -> &str {
        match self {
            Self::InProgress { fingerprint } | Self::Completed { fingerprint, .. } => fingerprint,
        }
    }
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free (or expired, or its claim abandoned): this request owns it now,
    /// under this claim id.
    Claimed { claim_id: String },
    /// The key is taken.
    Taken(IdempotencyRecord),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_keys() {
        assert_eq!(check_key(b"a").ok(), Some("a"));
        assert!(check_key(b"order 42 / retry #1 ~!").is_ok());
        assert!(check_key("k".repeat(255).as_bytes()).is_ok());
        assert!(check_key(uuid::Uuid::new_v4().to_string().as_bytes()).is_ok());
    }

    #[test]
    fn invalid_keys_name_the_header() {
        for bad in [
            b"".to_vec(),
            "k".repeat(256).into_bytes(),
            b"tab\there".to_vec(),
            b"new\nline".to_vec(),
            b"del\x7f".to_vec(),
            "o\u{2bb}zbek".as_bytes().to_vec(),
        ] {
            match check_key(&bad) {
                Err(Error::Validation { details, .. }) => assert_eq!(details[0].field, HEADER),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn fingerprint_depends_on_method_path_and_body() {
        let f = fingerprint("POST", "/api/v1/invoices/generate", br#"{"a":1}"#);
        assert_eq!(f.len(), 64);
        assert!(f.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            f,
            fingerprint("POST", "/api/v1/invoices/generate", br#"{"a":1}"#)
        );
        assert_ne!(
            f,
            fingerprint("POST", "/api/v1/invoices/generate", br#"{"a":2}"#)
        );
        assert_ne!(
            f,
            fingerprint("PUT", "/api/v1/invoices/generate", br#"{"a":1}"#)
        );
        assert_ne!(
            f,
            fingerprint("POST", "/api/v1/invoices/generate-bulk", br#"{"a":1}"#)
        );
        // Parts are delimited: moving bytes between path and body changes the fingerprint.
        assert_ne!(
            fingerprint("POST", "/a", b"b"),
            fingerprint("POST", "/ab", b"")
        );
        // SHA-256 of the empty input parts is stable (a known vector guards the encoding).
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn scope_hash_separates_routes_and_keys() {
        let a = scope_hash("POST", "/x/{id}/finalize", "/x/1/finalize", "k");
        assert_eq!(a.len(), 64);
        assert_ne!(
            a,
            scope_hash("POST", "/x/{id}/finalize", "/x/2/finalize", "k")
        );
        assert_ne!(
            a,
            scope_hash("POST", "/x/{id}/finalize", "/x/1/finalize", "k2")
        );
        assert_ne!(
            a,
            scope_hash("PUT", "/x/{id}/finalize", "/x/1/finalize", "k")
        );
    }
}
