//! Refuses query parameters an operation does not have: `?activ=false` is a 400 naming
//! `activ`, not a filter silently ignored; and a parameter given twice
//! (`?status=draft&status=paid`) is a 400 naming it, not whichever value the parser keeps. The accepted names come from the same `IntoParams`
//! types the OpenAPI document lists for the operation, so adding a parameter to one of them
//! (a `cursor` in [`PaginationParams`](super::pagination::PaginationParams)) is all it takes.

use crate::{Error, FieldCode, FieldError};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use std::collections::BTreeSet;
use std::marker::PhantomData;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};

/// An extractor that accepts only the query parameters of `A` and `B` (each an
/// `IntoParams` type of the operation); any other is 400 `VALIDATION_ERROR`, one detail per
/// unknown name. Use it as `_: KnownQuery<Filter, PaginationParams>` (`KnownQuery` alone:
/// no query parameters at all).
pub struct KnownQuery<A = NoParams, B = NoParams>(PhantomData<(A, B)>);

/// No query parameters (the default second half of [`KnownQuery`]).
pub struct NoParams;

impl IntoParams for NoParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        Vec::new()
    }
}

fn query_names<T: IntoParams>(names: &mut BTreeSet<String>) {
    names.extend(
        T::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .filter(|p| p.parameter_in == ParameterIn::Query)
            .map(|p| p.name),
    );
}

/// The names of `query`'s parameters in order of appearance, repeats included.
fn names(query: Option<&str>) -> Vec<String> {
    let Some(q) = query else {
        return Vec::new();
    };
    let uri: axum::http::Uri = match format!("/?{q}").parse() {
        Ok(u) => u,
        Err(_) => return Vec::new(), // the operation's own parsing reports a broken query
    };
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(&uri) else {
        return Vec::new();
    };
    pairs.into_iter().map(|(name, _)| name).collect()
}

/// The parameters of `query` that are not in `allowed`, in order of appearance, each once.
pub fn unknown_params(query: Option<&str>, allowed: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names(query) {
        if !allowed.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The known parameters of `query` given more than once, in order, each once.
pub fn repeated_params(query: Option<&str>, allowed: &BTreeSet<String>) -> Vec<String> {
    let all = names(query);
    let mut out: Vec<String> = Vec::new();
    for name in &all {
        if allowed.contains(name)
            && all.iter().filter(|n| *n == name).count() > 1
            && !out.contains(name)
        {
            out.push(name.clone());
        }
    }
    out
}

impl<S, A, B> FromRequestParts<S> for KnownQuery<A, B>
where
    S: Send + Sync,
    A: IntoParams,
    B: IntoParams,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut allowed = BTreeSet::new();
        query_names::<A>(&mut allowed);
        query_names::<B>(&mut allowed);
        let unknown = unknown_params(parts.uri.query(), &allowed);
        let repeated = repeated_params(parts.uri.query(), &allowed);
        if unknown.is_empty() && repeated.is_empty() {
            return Ok(Self(PhantomData));
        }
        let accepted = if allowed.is_empty() {
            "this operation takes no query parameters".to_string()
        } else {
            let list: Vec<&str> = allowed.iter().map(String::as_str).collect();
            format!("unknown query parameter; accepted: {}", list.join(", "))
        };
        Err(Error::fields(
            unknown
                .into_iter()
                .map(|name| FieldError::coded(name, FieldCode::UnknownParameter, accepted.clone()))
                .chain(repeated.into_iter().map(|name| {
                    FieldError::coded(
                        name,
                        FieldCode::RepeatedParameter,
                        "given more than once; give one value",
                    )
                }))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_unknown_name_once() {
        let allowed: BTreeSet<String> = ["page", "active"].map(String::from).into();
        assert_eq!(
            unknown_params(Some("page=1&activ=false&x=1&x=2"), &allowed),
            ["activ", "x"]
        );
        assert!(unknown_params(Some("active=true&page=2"), &allowed).is_empty());
        assert!(unknown_params(None, &allowed).is_empty());
    }

    #[test]
    fn lists_each_repeated_known_name_once() {
        let allowed: BTreeSet<String> = ["page", "status"].map(String::from).into();
        assert_eq!(
            repeated_params(
                Some("status=draft&page=1&status=paid&status=void&x=1&x=2"),
                &allowed
            ),
            ["status"]
        );
        assert!(repeated_params(Some("status=draft&page=2"), &allowed).is_empty());
        assert!(repeated_params(None, &allowed).is_empty());
    }
}
