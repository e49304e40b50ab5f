//! `page` / `per_page` query parameters per the contract: positive integers, `per_page`
//! clamped to 100, anything else a 400 naming the parameter.

use crate::domain::pagination::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use crate::domain::{Cursor, PageRequest};
use crate::{Error, FieldCode, FieldError};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use utoipa::IntoParams;

/// Validated pagination of a list request.
#[derive(Debug, Clone)]
pub struct Pagination(pub PageRequest);

/// The parameters, for the OpenAPI document.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PaginationParams {
    /// Page number, from 1. Default 1.
    #[param(schema_with = crate::http::openapi::positive_integer)]
    page: Option<u32>,
    /// Items per page, 1-100 (larger values are clamped to 100). Default 20.
    #[param(schema_with = crate::http::openapi::positive_integer)]
    per_page: Option<u32>,
    /// `meta.next_cursor` of the previous page: the page after it, read from there rather
    /// than counted from the start. Only with the filters it was made for; not with `page`.
    #[param(schema_with = crate::http::openapi::cursor)]
    cursor: Option<String>,
}

/// Parse the query string's pagination parameters.
pub fn parse_pagination(query: Option<&str>) -> Result<PageRequest, Error> {
    let pairs: Vec<(String, String)> = match query {
        None => Vec::new(),
        Some(q) => serde_urlencoded_pairs(q)?,
    };
    let mut errors = Vec::new();
    let mut read = |name: &str, default: u32| -> u32 {
        match pairs.iter().rev().find(|(k, _)| k == name) {
            None => default,
            Some((_, v)) => match positive_integer(v) {
                Some(n) => n,
                None => {
                    errors.push(FieldError::coded(
                        name,
                        FieldCode::InvalidType,
                        "must be a positive integer",
                    ));
                    default
                }
            },
        }
    };
    let page = read("page", 1);
    let per_page = read("per_page", DEFAULT_PER_PAGE);
    let cursor = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v);
    let cursor = match cursor {
        None => None,
        Some(_) if pairs.iter().any(|(k, _)| k == "page") => {
            errors.push(FieldError::new("cursor", "cannot be combined with page"));
            None
        }
        Some(token) => match Cursor::decode(token.trim()) {
            Some(c) => Some(c),
            None => {
                errors.push(FieldError::new(
                    "cursor",
                    "is not a cursor this API handed out",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Error::fields(errors));
    }
    let request = PageRequest::new(page, per_page.min(MAX_PER_PAGE));
    Ok(match cursor {
        Some(c) => request.after(c),
        None => request,
    })
}

fn serde_urlencoded_pairs(q: &str) -> Result<Vec<(String, String)>, Error> {
    let uri: axum::http::Uri = format!("/?{q}")
        .parse()
        .map_err(|_| Error::field("query", "is not a valid query string"))?;
    Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|Query(pairs)| pairs)
        .map_err(|_| Error::field("query", "is not a valid query string"))
}

/// `"1"`..: digits only, not zero; huge values saturate.
fn positive_integer(v: &str) -> Option<u32> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = v.parse().unwrap_or(u64::MAX);
    (n >= 1).then(|| u32::try_from(n).unwrap_or(u32::MAX))
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_pagination(parts.uri.query()).map(Pagination)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_clamps_and_rejects() {
        assert_eq!(parse_pagination(None).unwrap(), PageRequest::new(1, 20));
        assert_eq!(
            parse_pagination(Some("page=2&per_page=500")).unwrap(),
            PageRequest::new(2, 100)
        );
        for bad in [
            "page=0",
            "per_page=0",
            "page=abc",
            "page=-1",
            "per_page=1.5",
            "page=",
            "cursor=zz",
            "cursor=",
            "page=1&cursor=76310a300a780a79",
        ] {
            assert!(parse_pagination(Some(bad)).is_err(), "{bad}");
        }
    }
}
