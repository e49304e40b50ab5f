//! `JsonBody<T>`: a JSON body extractor whose rejections are envelope errors naming the
//! field (unknown fields, wrong types, missing fields), 413 over the limit.

use crate::{Error, FieldError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A deserialized JSON request body.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(Error::field("Content-Type", "must be application/json"));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The whole body (within the limit): 413 over it, 400 when it cannot be read.
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge
        } else {
            Error::field("body", "could not be read")
        }
    })
}

/// A JSON body that may be absent: an empty body is `None`.
#[derive(Debug, Clone)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        parse_json(&bytes).map(|v| Self(Some(v)))
    }
}

/// Parse JSON, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let path = (path != "." && !path.is_empty()).then_some(path);
        describe(path, err.into_inner())
    })?;
    de.end().map_err(|e| describe(None, e))?;
    Ok(value)
}

/// The field error for a serde_json failure at `path`.
fn describe(path: Option<String>, inner: serde_json::Error) -> Error {
    let message = strip_position(&inner.to_string());
    if inner.is_syntax() || inner.is_eof() {
        return Error::field("body", format!("is not valid JSON ({message})"));
    }
    let field = match (unknown_or_missing_field(&message), path) {
        (Some(name), Some(path)) if path == name || path.ends_with(&format!(".{name}")) => path,
        (Some(name), Some(path)) => format!("{path}.{name}"),
        (Some(name), None) => name,
        (None, Some(path)) => path,
        (None, None) => "body".to_string(),
    };
    Error::fields(vec![FieldError::new(field, message)])
}

/// serde_json appends " at line L column C"; the position is noise for API callers.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The field named in "unknown field `x`" / "missing field `x`" messages.
fn unknown_or_missing_field(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split('`').next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    fn field_of(json: &str) -> String {
        match parse_json::<Login>(json.as_bytes()) {
            Err(Error::Validation { details, .. }) => details[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field() {
        assert_eq!(field_of(r#"{"email": 1}"#), "email");
        assert_eq!(field_of(r#"{"email": "a", "role": "admin"}"#), "role");
        assert_eq!(field_of(r#"{}"#), "email");
        assert_eq!(
            field_of(r#"{"email": "a", "inner": {"n": "x"}}"#),
            "inner.n"
        );
        assert_eq!(field_of(r#"{"email": "a", "inner": {"m": 1}}"#), "inner.m");
        assert_eq!(field_of(r#"{"email": "#), "body");
        assert_eq!(field_of(r#"{"email": "a"} trailing"#), "body");
    }
}
