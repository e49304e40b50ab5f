//! What the shared layers add to every answer, written into the OpenAPI document so a
//! generated client knows it: the `X-Request-ID` header on every response, `Retry-After` on
//! 429 and 503, `Location` on 302, `ETag` with the current version on the 409s of operations
//! that answer with an `ETag`; and response fields that are always present but may be null
//! marked `required` (and nullable), so a generated type says `T | null`, not `T?`.

use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Fields that are left out (not `null`) when they have no value: `(schema, property)`.
/// Keep in step with the response types' `skip_serializing_if`.
const OMITTED_WHEN_ABSENT: [(&str, &str); 9] = [
    ("ErrorBody", "details"),
    ("ErrorBody", "current_version"),
    ("ErrorBody", "existing_invoice_id"),
    ("ClientSnapshot", "vat_id"),
    ("ClientSnapshot", "electronic_address"),
    ("ClientSnapshot", "buyer_reference"),
    ("ClientSnapshot", "vat_category"),
    ("ClientSnapshot", "vat_exemption_reason"),
    ("Issuer", "details"),
];

fn header(description: &str, schema: Value) -> Value {
    json!({"description": description, "schema": schema})
}

/// Add the shared headers to every response of `doc` (a serialized OpenAPI document).
fn add_headers(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let has_etag = responses
                .values()
                .any(|r| r.pointer("/headers/ETag").is_some());
            for (status, response) in responses.iter_mut() {
                let Some(r) = response.as_object_mut() else {
                    continue;
                };
                let headers = r
                    .entry("headers")
                    .or_insert_with(|| json!({}))
                    .as_object_mut();
                let Some(headers) = headers else { continue };
                headers.insert(
                    "X-Request-ID".into(),
                    header(
                        "The request's id: the caller's `X-Request-ID` when it is 1-128 \
                         characters of `[A-Za-z0-9._-]`, else a new UUID; also in \
                         `error.request_id`.",
                        json!({"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"}),
                    ),
                );
                match status.as_str() {
                    "429" | "503" => {
                        headers.insert(
                            "Retry-After".into(),
                            header(
                                "Seconds to wait before trying again.",
                                json!({"type": "integer", "minimum": 0}),
                            ),
                        );
                    }
                    "409" => {
                        headers.insert(
                            "Retry-After".into(),
                            header(
                                "Only while a request with the same `Idempotency-Key` is in \
                                 progress: seconds to wait.",
                                json!({"type": "integer", "minimum": 0}),
                            ),
                        );
                        if has_etag {
                            headers.insert(
                                "ETag".into(),
                                header(
                                    "On a stale version: the invoice's current version, \
                                     quoted (`\"5\"`), also in `error.current_version`.",
                                    json!({"type": "string", "pattern": "^\"[0-9]+\"$"}),
                                ),
                            );
                        }
                    }
                    "302" => {
                        headers.insert(
                            "Location".into(),
                            header(
                                "The presigned S3 URL of the PDF.",
                                json!({"type": "string", "format": "uri"}),
                            ),
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The component names `v` refers to (`$ref`), anywhere inside it.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref")
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                out.insert(name.to_string());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// Every component reachable from `roots`.
fn reachable(
    schemas: &serde_json::Map<String, Value>,
    roots: BTreeSet<String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(s) = schemas.get(&name) {
            let mut next = BTreeSet::new();
            refs(s, &mut next);
            todo.extend(next.into_iter().filter(|n| !seen.contains(n)));
        }
    }
    seen
}

/// Mark every property of `schema` (and of objects nested in it) required: a response
/// writes every field (defaults and `null`s included) but those it omits when absent.
fn require_nullable(name: &str, schema: &mut Value) {
    if let Some(obj) = schema.as_object_mut() {
        let nullable: Vec<String> = obj
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .keys()
                    .filter(|p| !OMITTED_WHEN_ABSENT.contains(&(name, p.as_str())))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if !nullable.is_empty() {
            let required = obj.entry("required").or_insert_with(|| json!([]));
            if let Some(list) = required.as_array_mut() {
                for p in nullable {
                    if !list.iter().any(|x| x == &json!(p)) {
                        list.push(json!(p));
                    }
                }
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(parts)) = obj.get_mut(key) {
                parts.iter_mut().for_each(|p| require_nullable(name, p));
            }
        }
    }
}

/// Response-only components: every field required (each is always written, `null` or a
/// default included), but those omitted when absent.
fn require_nullable_response_fields(doc: &mut Value) {
    let mut response_roots = BTreeSet::new();
    let mut request_roots = BTreeSet::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(r) = operation.get("responses") {
                    refs(r, &mut response_roots);
                }
                for k in ["requestBody", "parameters"] {
                    if let Some(r) = operation.get(k) {
                        refs(r, &mut request_roots);
                    }
                }
            }
        }
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let responses = reachable(schemas, response_roots);
    let requests = reachable(schemas, request_roots);
    for name in responses.difference(&requests) {
        if let Some(s) = schemas.get_mut(name) {
            require_nullable(name, s);
        }
    }
}

/// The type an envelope component wraps, and where its inline copy sits: `Paged_X` (rows
/// `data.items`), `Data_Vec_X` (`data.items`), `Data_X` (`data`).
fn wrapped(name: &str) -> Option<(&str, &'static str)> {
    let simple = |t: &str| t.chars().all(|c| c.is_ascii_alphanumeric());
    if let Some(t) = name.strip_prefix("Paged_") {
        simple(t).then_some((t, "/properties/data/items"))
    } else if let Some(t) = name.strip_prefix("Data_Vec_") {
        simple(t).then_some((t, "/properties/data/items"))
    } else if let Some(t) = name.strip_prefix("Data_") {
        simple(t).then_some((t, "/properties/data"))
    } else {
        None
    }
}

/// Envelopes refer to the named schema of what they wrap instead of an inline copy (utoipa
/// inlines generic arguments), so a list row and a single item are one type to a client;
/// a type without a named schema gets one, from its inline copy.
fn name_wrapped_types(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let envelopes: Vec<String> = schemas.keys().cloned().collect();
    for envelope in envelopes {
        let Some((inner, at)) = wrapped(&envelope) else {
            continue;
        };
        let inner = inner.to_string();
        let Some(copy) = schemas
            .get_mut(&envelope)
            .and_then(|e| e.pointer_mut(at))
            .filter(|c| c.get("$ref").is_none())
            .map(std::mem::take)
        else {
            continue;
        };
        schemas.entry(inner.clone()).or_insert(copy);
        if let Some(slot) = schemas.get_mut(&envelope).and_then(|e| e.pointer_mut(at)) {
            *slot = json!({"$ref": format!("#/components/schemas/{inner}")});
        }
    }
}

/// `doc` with the shared headers, named envelope contents and every field of a
/// response-only schema required.
pub fn complete(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut v) = serde_json::to_value(&doc) else {
        return doc;
    };
    add_headers(&mut v);
    name_wrapped_types(&mut v);
    require_nullable_response_fields(&mut v);
    // Every schema the code generates reads back (a test checks); should one not, the
    // document is served without the additions rather than not at all.
    serde_json::from_value(v).unwrap_or(doc)
}
