//! `JsonBody<T>`: a JSON body extractor whose rejections are envelope errors naming the
//! field (unknown fields, wrong types, missing fields), 413 over the limit.

use crate::{Error, FieldCode, FieldError, FieldRules};
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
        check_content_type(&req)?;
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A JSON body must say so (`application/json` or `...+json`).
fn check_content_type(req: &Request) -> Result<(), Error> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        });
    if is_json {
        Ok(())
    } else {
        Err(Error::field("Content-Type", "must be application/json"))
    }
}

/// A JSON body whose own field rules ([`FieldRules`]) are checked with its shape: when some
/// fields fail to read, the rules of the others are reported in the same answer (a field
/// that failed to read is reported once, for its shape). A body that reads is handed over
/// unchecked: the use case checks it as before.
#[derive(Debug, Clone)]
pub struct CheckedJsonBody<T>(pub T);

impl<S, T> FromRequest<S> for CheckedJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + FieldRules,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_content_type(&req)?;
        let bytes = read_body(req, state).await?;
        let (value, errors) = parse_json_repaired::<T>(&bytes)?;
        if errors.is_empty() {
            return Ok(CheckedJsonBody(value));
        }
        let rules = value.field_errors();
        Err(Error::fields(with_rule_errors(errors, rules)))
    }
}

/// A JSON body read as far as it goes: the value (its failing fields repaired with
/// placeholders) and the fields that failed to read. The handler checks the value's rules
/// that need stored state and answers [`with_rule_errors`] when `shape` is not empty; the
/// value itself is never used as input then.
#[derive(Debug, Clone)]
pub struct LenientJsonBody<T> {
    pub value: T,
    pub shape: Vec<FieldError>,
}

impl<S, T> FromRequest<S> for LenientJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_content_type(&req)?;
        let bytes = read_body(req, state).await?;
        let (value, shape) = parse_json_repaired::<T>(&bytes)?;
        Ok(LenientJsonBody { value, shape })
    }
}

/// The shape errors of a body and the rule errors of its other fields, in one list: a
/// field that failed to read (or a part or parent of it) is reported once, for its shape.
pub fn with_rule_errors(shape: Vec<FieldError>, rules: Vec<FieldError>) -> Vec<FieldError> {
    let failed: Vec<String> = shape.iter().map(|e| e.field.clone()).collect();
    let related = |field: &str| {
        failed.iter().any(|f| {
            f == field
                || field.starts_with(&format!("{f}."))
                || field.starts_with(&format!("{f}["))
                || f.starts_with(&format!("{field}."))
                || f.starts_with(&format!("{field}["))
        })
    };
    let mut all = shape;
    all.extend(rules.into_iter().filter(|e| !related(&e.field)));
    all
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

/// Most field errors gathered from one body.
const MAX_FIELD_ERRORS: usize = 50;
/// Most readings of one body (each repair reads it again): bounds the work a bad body costs.
const MAX_ROUNDS: usize = 40;

/// Parse JSON into `T`, reporting every field error of the body at once in plain words:
/// each failing field is recorded, then removed (unknown fields) or replaced by a harmless
/// placeholder of the expected kind, and the body is read again, until it reads or nothing
/// more can be learnt.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    match parse_json_repaired(bytes)? {
        (value, errors) if errors.is_empty() => Ok(value),
        (_, errors) => Err(Error::fields(errors)),
    }
}

/// [`parse_json`], but a body that reads once its failing fields are repaired gives the
/// repaired value with those fields' errors (the value is never used as input: only its
/// other fields' rules are checked on it).
pub fn parse_json_repaired<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<(T, Vec<FieldError>), Error> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let message = strip_position(&e.to_string());
        Error::field("body", format!("is not valid JSON ({message})"))
    })?;
    // A body is one object (serde would read a struct from an array, by position), and
    // names each field once (a parser would keep the last of two, another the first).
    if !value.is_object() {
        return Err(Error::field("body", "must be a JSON object"));
    }
    if let Some(path) = duplicate_key(bytes) {
        return Err(Error::fields(vec![FieldError::coded(
            path,
            FieldCode::DuplicateKey,
            "is given more than once",
        )]));
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut attempts: std::collections::HashMap<String, usize> = Default::default();
    for _ in 0..MAX_ROUNDS {
        let err = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(v) => return Ok((v, errors)),
            Err(err) => err,
        };
        let path = err.path().to_string();
        let path = (path != "." && !path.is_empty()).then_some(path);
        let (field, problem) = describe(path, &err.into_inner().to_string());
        let tries = attempts.entry(field.clone()).or_insert(0usize);
        if *tries == 0 {
            errors.push(FieldError::coded(
                field.clone(),
                problem.code(),
                problem.message(),
            ));
        }
        // The placeholder of the kind the message suggests first, then every other kind.
        let candidate = match problem {
            Problem::OneOf(_) if *tries < 12 => placeholder(&problem),
            _ => placeholder(&problem)
                .into_iter()
                .chain(FALLBACKS.iter().map(|f| f()))
                .nth(*tries),
        };
        *tries += 1;
        let repaired = match candidate {
            Some(v) => repair(&mut value, &field, &problem, v),
            None => false,
        };
        if !repaired || errors.len() >= MAX_FIELD_ERRORS {
            break;
        }
    }
    Err(Error::fields(errors))
}

/// The path of the first key an object of `bytes` (valid JSON) repeats, if any.
fn duplicate_key(bytes: &[u8]) -> Option<String> {
    use serde::de::DeserializeSeed;
    let found = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let _ = Keys {
        path: String::new(),
        found: &found,
    }
    .deserialize(&mut de);
    found.into_inner()
}

/// Walks a JSON document recording the first repeated key (as `a.b[2].c`).
struct Keys<'a> {
    path: String,
    found: &'a std::cell::RefCell<Option<String>>,
}

impl Keys<'_> {
    fn at(&self, step: String) -> Keys<'_> {
        Keys {
            path: step,
            found: self.found,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Keys<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Keys<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if !seen.insert(key) && self.found.borrow().is_none() {
                *self.found.borrow_mut() = Some(path.clone());
            }
            map.next_value_seed(self.at(path))?;
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(self.at(format!("{}[{i}]", self.path)))?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// What serde found wrong with a field, in terms a caller understands.
#[derive(Debug)]
enum Problem {
    Unknown {
        accepted: Vec<String>,
    },
    Missing,
    /// Expected a value of this kind (`string`, `integer`, ...); `hint` says more.
    Kind {
        kind: Kind,
        hint: Option<String>,
    },
    OneOf(Vec<String>),
    Other(String),
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Decimal,
    Integer,
    Boolean,
    List,
    Object,
    Date,
    Uuid,
}

impl Problem {
    /// The machine code of the problem (`details[].code`).
    fn code(&self) -> FieldCode {
        match self {
            Problem::Unknown { .. } => FieldCode::UnknownField,
            Problem::Missing => FieldCode::Required,
            Problem::OneOf(_) => FieldCode::InvalidChoice,
            Problem::Kind { kind, .. } => match kind {
                Kind::Decimal => FieldCode::InvalidDecimal,
                Kind::Date => FieldCode::InvalidDate,
                Kind::Uuid => FieldCode::InvalidUuid,
                Kind::Text | Kind::Integer | Kind::Boolean | Kind::List | Kind::Object => {
                    FieldCode::InvalidType
                }
            },
            Problem::Other(_) => FieldCode::Invalid,
        }
    }

    fn message(&self) -> String {
        match self {
            Problem::Unknown { accepted } if accepted.is_empty() => {
                "is not a field of this request".into()
            }
            Problem::Unknown { accepted } => format!(
                "is not a field of this request (accepted: {})",
                accepted.join(", ")
            ),
            Problem::Missing => "is required".into(),
            Problem::OneOf(values) => format!("must be one of: {}", values.join(", ")),
            Problem::Kind { kind, hint } => {
                let base = match kind {
                    Kind::Text => "must be a string",
                    Kind::Decimal => "must be a decimal number written as a string, e.g. \"12.50\"",
                    Kind::Integer => "must be a whole number",
                    Kind::Boolean => "must be true or false",
                    Kind::List => "must be a list",
                    Kind::Object => "must be an object",
                    Kind::Date => "must be a date written YYYY-MM-DD",
                    Kind::Uuid => "must be a UUID",
                };
                match hint {
                    Some(h) => format!("{base} ({h})"),
                    None => base.to_string(),
                }
            }
            Problem::Other(m) => m.clone(),
        }
    }
}

/// The backquoted words of a serde message: "one of `a`, `b`" -> [a, b].
fn quoted(s: &str) -> Vec<String> {
    s.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The kind a serde "expected ..." phrase asks for.
fn kind_of(expected: &str) -> Option<Kind> {
    let e = expected.to_ascii_lowercase();
    Some(if e.contains("decimal") {
        Kind::Decimal
    } else if e.contains("uuid") {
        Kind::Uuid
    } else if e.contains("date") {
        Kind::Date
    } else if (e.starts_with('u') || e.starts_with('i')) && e[1..].starts_with(char::is_numeric)
        || e.contains("integer")
    {
        Kind::Integer
    } else if e.contains("bool") {
        Kind::Boolean
    } else if e.contains("sequence") || e.contains("vec") {
        Kind::List
    } else if e.contains("struct") || e.contains("map") {
        Kind::Object
    } else if e.contains("string") || e.contains("str") {
        Kind::Text
    } else {
        return None;
    })
}

/// The field (JSON path) and the plain problem of a serde error message at `path`.
fn describe(path: Option<String>, raw: &str) -> (String, Problem) {
    let message = strip_position(raw);
    let named = unknown_or_missing_field(&message);
    let field = match (&named, path) {
        (Some(name), Some(path)) if path == *name || path.ends_with(&format!(".{name}")) => path,
        (Some(name), Some(path)) => format!("{path}.{name}"),
        (Some(name), None) => name.clone(),
        (None, Some(path)) => path,
        (None, None) => "body".to_string(),
    };
    let problem = if message.starts_with("unknown field `") {
        let accepted = message
            .split_once("expected")
            .map(|(_, rest)| quoted(rest))
            .unwrap_or_default();
        Problem::Unknown { accepted }
    } else if message.starts_with("missing field `") {
        Problem::Missing
    } else if message.starts_with("unknown variant `") {
        Problem::OneOf(
            message
                .split_once("expected")
                .map(|(_, rest)| quoted(rest))
                .unwrap_or_default(),
        )
    } else if let Some((_, expected)) = message.split_once(", expected ") {
        // "invalid type: integer `12`, expected a Decimal type",
        // "invalid value: integer `-1`, expected u64"
        match kind_of(expected) {
            Some(kind) => {
                let hint = message
                    .starts_with("invalid value")
                    .then(|| match kind {
                        Kind::Integer => Some(format!("0 to {}", integer_max(expected))),
                        _ => None,
                    })
                    .flatten();
                Problem::Kind { kind, hint }
            }
            None => Problem::Other("has the wrong type or value".into()),
        }
    } else if message.contains("UUID") || message.contains("uuid") {
        Problem::Kind {
            kind: Kind::Uuid,
            hint: None,
        }
    } else if is_chrono_message(&message) {
        Problem::Kind {
            kind: Kind::Date,
            hint: None,
        }
    } else if message.to_ascii_lowercase().contains("decimal") || message.contains("number") {
        Problem::Kind {
            kind: Kind::Decimal,
            hint: Some("within range".into()),
        }
    } else if message.starts_with("invalid length") {
        Problem::Other("has the wrong number of items".into())
    } else {
        // Our own `Deserialize` impls word their messages for callers already.
        Problem::Other(message)
    };
    (field, problem)
}

fn integer_max(expected: &str) -> String {
    match expected.trim() {
        "u8" => u8::MAX.to_string(),
        "u16" => u16::MAX.to_string(),
        "u32" => u32::MAX.to_string(),
        _ => u64::MAX.to_string(),
    }
}

/// chrono's parse errors ("premature end of input", "input contains invalid characters").
fn is_chrono_message(m: &str) -> bool {
    [
        "premature end of input",
        "input contains invalid characters",
        "trailing input",
        "input is not enough",
        "no possible date and time",
        "input is out of range",
        "impossible",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// A placeholder of `kind` that reads as that kind, so reading goes on past the field.
fn placeholder(problem: &Problem) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match problem {
        Problem::OneOf(values) => json!(values.first()?),
        Problem::Kind { kind, .. } => match kind {
            Kind::Text => json!(""),
            Kind::Decimal => json!("0"),
            Kind::Integer => json!(0),
            Kind::Boolean => json!(false),
            Kind::List => json!([]),
            Kind::Object => json!({}),
            Kind::Date => json!("2000-01-01"),
            Kind::Uuid => json!("00000000-0000-0000-0000-000000000000"),
        },
        _ => return None,
    })
}

/// Split a serde_path_to_error path (`add[1].unit_price`) into object keys and indexes.
fn segments(path: &str) -> Vec<Result<String, usize>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Ok(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                if let Ok(n) = stripped[..end].parse() {
                    out.push(Err(n));
                }
                rest = &stripped[end + 1..];
            }
        } else {
            out.push(Ok(rest.to_string()));
        }
    }
    out
}

/// Placeholders tried, in order, when the one of the suggested kind does not read.
const FALLBACKS: [fn() -> serde_json::Value; 8] = [
    || serde_json::json!("0"),
    || serde_json::json!(0),
    || serde_json::json!(""),
    || serde_json::json!("2000-01-01"),
    || serde_json::json!("00000000-0000-0000-0000-000000000000"),
    || serde_json::json!(false),
    || serde_json::json!([]),
    || serde_json::json!({}),
];

/// Remove (unknown) or replace by `with` the field at `field` so that reading can go on;
/// false when it cannot.
fn repair(
    value: &mut serde_json::Value,
    field: &str,
    problem: &Problem,
    with: serde_json::Value,
) -> bool {
    if field == "body" {
        return false;
    }
    let segs = segments(field);
    let Some((last, parents)) = segs.split_last() else {
        return false;
    };
    let mut node = value;
    for s in parents {
        node = match (s, node) {
            (Ok(k), serde_json::Value::Object(m)) => match m.get_mut(k) {
                Some(n) => n,
                None => return false,
            },
            (Err(i), serde_json::Value::Array(a)) => match a.get_mut(*i) {
                Some(n) => n,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node, problem) {
        (Ok(k), serde_json::Value::Object(m), Problem::Unknown { .. }) => m.remove(k).is_some(),
        (Ok(k), serde_json::Value::Object(m), _) => {
            m.insert(k.clone(), with);
            true
        }
        (Err(i), serde_json::Value::Array(a), _) => match a.get_mut(*i) {
            Some(slot) => {
                *slot = with;
                true
            }
            None => false,
        },
        _ => false,
    }
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        #[serde(with = "rust_decimal::serde::str")]
        price: rust_decimal::Decimal,
        hours: u64,
        day: chrono::NaiveDate,
        kind: Kind2,
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind2 {
        Manual,
        Worklogs,
    }

    #[test]
    fn every_field_error_at_once_in_plain_words() {
        let body = r#"{"price": 12, "hours": -1, "day": "2026-13-01", "kind": "x",
                       "items": [{"n": "a"}], "extra": 1}"#;
        let Err(Error::Validation { details, .. }) = parse_json::<Line>(body.as_bytes()) else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
        for f in ["price", "hours", "day", "kind", "items[0].n", "extra"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        for d in &details {
            for internal in [
                "Decimal type",
                "u64",
                "u32",
                "invalid type",
                "invalid value",
                "out of range",
            ] {
                assert!(!d.message.contains(internal), "{}: {}", d.field, d.message);
            }
        }
        let missing = parse_json::<Line>(b"{}").unwrap_err();
        let Error::Validation { details, .. } = missing else {
            panic!()
        };
        assert_eq!(details.len(), 5, "{details:?}");
        assert!(details.iter().all(|d| d.message == "is required"));
    }
}
