//! `Idempotency-Key` on writes: the first answer to a key is remembered for 24 hours and
//! replayed to repeats, so a client can retry a POST without doing the work twice.
//!
//! Put it on a route by wrapping the handler in [`function_routes!`](crate::function_routes):
//!
//! ```text
//! "/api/v1/invoices/{id}/payments" => post(idempotent(record_payment));
//! ```
//!
//! That one word wraps the handler in [`Idempotent`] (the same wrapper in the Lambda's
//! router and in the documented one) and adds the header, the 409/422 answers and the
//! `Idempotent-Replayed` header to the operation's OpenAPI description ([`document`]).
//!
//! Per request with the header (none: the handler runs as before):
//! 1. The caller is authenticated (an invalid token goes straight to the handler, which
//!    answers 401); the key is checked (400 `VALIDATION_ERROR` naming `Idempotency-Key`).
//! 2. The key is claimed for (user, method, route, path) with a fingerprint of method, path
//!    and body, by one conditional write ([`IdempotencyStore::claim`]).
//! 3. Taken with another fingerprint: 422 `IDEMPOTENCY_KEY_REUSED`. Taken and in progress:
//!    409 `CONFLICT` with `Retry-After: 1`. Taken and completed: the stored answer (status,
//!    body bytes, `Content-Type`, `ETag`, `Location`, ...) with `Idempotent-Replayed: true`.
//! 4. Claimed: the handler runs. Its answer is stored ([`IdempotencyStore::complete`]) unless
//!    it is a 5xx, a 401/403/408/429 (they say nothing about the request and may change on a
//!    retry), an unenveloped framework answer, or a body over
//!    [`MAX_STORED_BODY_BYTES`]; then the claim is released so that a retry runs again.
//!    Other 4xx answers are remembered like successes (as Stripe does): a retry of a request
//!    that was refused gets the same refusal.

use super::AuthUser;
use super::error::Enveloped;
use crate::Error;
use crate::domain::idempotency::{
    Claim, HEADER, IdempotencyRecord, IdempotencyScope, MAX_KEY_LEN, MAX_STORED_BODY_BYTES,
    StoredResponse, check_key, fingerprint, scope_hash,
};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::handler::Handler;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::pin::Pin;

/// `Idempotency-Key`.
pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// `Idempotent-Replayed: true` marks a replayed answer.
pub static IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The answer's headers that are stored and replayed with it.
const REPLAYED_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::ETAG,
    header::LOCATION,
    header::CACHE_CONTROL,
    header::CONTENT_DISPOSITION,
];

/// A handler that honours `Idempotency-Key`; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct Idempotent<H>(pub H);

/// Wrap `handler` so that it honours `Idempotency-Key`.
pub fn idempotent<H>(handler: H) -> Idempotent<H> {
    Idempotent(handler)
}

impl<H, T: 'static> Handler<T, AppState> for Idempotent<H>
where
    H: Handler<T, AppState>,
{
    type Future = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn call(self, req: Request, state: AppState) -> Self::Future {
        Box::pin(serve(self.0, req, state))
    }
}

/// A keyed request, ready to claim.
struct Keyed {
    req: Request,
    scope: IdempotencyScope,
    fingerprint: String,
}

async fn serve<H, T>(handler: H, req: Request, state: AppState) -> Response
where
    H: Handler<T, AppState>,
{
    let keyed = match prepare(req, &state).await {
        Ok(Ok(keyed)) => keyed,
        Ok(Err(plain)) => return handler.call(plain, state).await,
        Err(e) => return e.into_response(),
    };
    let Keyed {
        req,
        scope,
        fingerprint,
    } = keyed;
    let now = chrono::Utc::now();
    let claim_id = match state.idempotency.claim(&scope, &fingerprint, now).await {
        Ok(Claim::Claimed { claim_id }) => claim_id,
        Ok(Claim::Taken(record)) => return answer_taken(record, &fingerprint),
        Err(e) => return e.into_response(),
    };
    let store = state.idempotency.clone();
    let response = handler.call(req, state).await;
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            release(store.as_ref(), &scope, &claim_id).await;
            return Error::Internal(format!("read the answer to remember it: {e}")).into_response();
        }
    };
    let remembered = remembered(parts.status, parts.extensions.get::<Enveloped>().is_some())
        && bytes.len() <= MAX_STORED_BODY_BYTES;
    if remembered {
        let stored = StoredResponse {
            status: parts.status.as_u16(),
            headers: REPLAYED_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = parts.headers.get(name)?.to_str().ok()?;
                    Some((name.as_str().to_string(), value.to_string()))
                })
                .collect(),
            body: bytes.to_vec(),
        };
        if let Err(e) = store
            .complete(&scope, &claim_id, &stored, chrono::Utc::now())
            .await
        {
            // The work is done and its answer goes out; a retry after the claim's lease may
            // run again (and meet the domain's own guards, e.g. 409 for a second invoice).
            tracing::warn!(error = %e, "idempotency: answer not stored");
        }
    } else {
        if bytes.len() > MAX_STORED_BODY_BYTES {
            tracing::info!(
                size = bytes.len(),
                "idempotency: answer too large to remember"
            );
        }
        release(store.as_ref(), &scope, &claim_id).await;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether an answer with `status` is remembered for replay (see the module documentation).
pub fn remembered(status: StatusCode, enveloped: bool) -> bool {
    if status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::TOO_MANY_REQUESTS
        )
    {
        return false;
    }
    !status.is_client_error() || enveloped
}

async fn release(
    store: &dyn crate::ports::IdempotencyStore,
    scope: &IdempotencyScope,
    claim_id: &str,
) {
    if let Err(e) = store.release(scope, claim_id).await {
        // The claim blocks the key until its lease ends; then a retry runs.
        tracing::warn!(error = %e, "idempotency: claim not released");
    }
}

/// The request with its key scoped and fingerprinted (`Ok(Ok)`), or the request untouched
/// when it has no key or no valid token (`Ok(Err)`), or a 400 for a bad key.
async fn prepare(req: Request, state: &AppState) -> Result<Result<Keyed, Request>, Error> {
    let mut values = req.headers().get_all(&IDEMPOTENCY_KEY).iter();
    let Some(raw) = values.next().cloned() else {
        return Ok(Err(req));
    };
    let repeated = values.next().is_some();
    let (mut parts, body) = req.into_parts();
    let user = match AuthUser::from_request_parts(&mut parts, state).await {
        Ok(user) => user,
        Err(_) => return Ok(Err(Request::from_parts(parts, body))),
    };
    if repeated {
        return Err(Error::field(HEADER, "must be sent once"));
    }
    let key = check_key(raw.as_bytes())?;
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_string());
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |m| m.as_str().to_string());
    // Read the body within the same limit as the handler's extractors would.
    let mut whole = Request::new(body);
    *whole.headers_mut() = parts.headers.clone();
    *whole.extensions_mut() = parts.extensions.clone();
    let bytes = Bytes::from_request(whole, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::field("body", "could not be read")
            }
        })?;
    // The request's identity: method, path with query, the `If-Match` it was based on, body.
    let if_match = parts
        .headers
        .get(axum::http::header::IF_MATCH)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let target = [path_and_query.as_bytes(), b"\n", &if_match].concat();
    let fingerprint = fingerprint(&method, &String::from_utf8_lossy(&target), &bytes);
    let scope = IdempotencyScope {
        hash: scope_hash(&method, &route, &path, key),
        user: user.email.clone(),
    };
    // The handler's auth extractors reuse the caller checked here.
    parts.extensions.insert(user);
    Ok(Ok(Keyed {
        req: Request::from_parts(parts, Body::from(bytes)),
        scope,
        fingerprint,
    }))
}

/// The answer to a request whose key is already taken.
fn answer_taken(record: IdempotencyRecord, fingerprint: &str) -> Response {
    if record.fingerprint() != fingerprint {
        return Error::IdempotencyKeyReused(format!(
            "this {HEADER} was already used with a different request \
             (method, path or body); use a new key for a new request"
        ))
        .into_response();
    }
    match record {
        IdempotencyRecord::InProgress { .. } => {
            let mut response = Error::Conflict(format!(
                "a request with this {HEADER} is in progress; retry shortly"
            ))
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        IdempotencyRecord::Completed { response, .. } => replay(response),
    }
}

/// A remembered answer, marked `Idempotent-Replayed: true`.
fn replay(stored: StoredResponse) -> Response {
    tracing::info!(status = stored.status, "idempotency: replayed");
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() =
        StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response.headers_mut().insert(
        IDEMPOTENT_REPLAYED.clone(),
        HeaderValue::from_static("true"),
    );
    // The body is the original one, envelope included: keep it as it is.
    response.extensions_mut().insert(Enveloped);
    response
}

/// A key as the document describes it: 1-255 printable ASCII characters, not starting or
/// ending with a space (HTTP trims those).
pub const KEY_PATTERN: &str = "^[!-~]([ -~]{0,253}[!-~])?$";

/// Describe `Idempotency-Key` on every operation of `paths`: the optional header, the
/// `Idempotent-Replayed` header on its answers, 409 (in progress) and 422 (reused key).
pub fn document(paths: &mut utoipa::openapi::path::Paths) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};

    let key_schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_KEY_LEN))
        .pattern(Some(KEY_PATTERN))
        .examples(["5f2b7c1e-9d3a-4e8b-a1c2-3d4e5f6a7b8c"])
        .build();
    let parameter = ParameterBuilder::new()
        .name(HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the request safe to retry: the first answer to a key (per user and route) \
             is remembered for 24 hours and replayed, with `Idempotent-Replayed: true`, to a \
             repeat with the same body; the same key with another body is 422. 1-255 \
             printable ASCII characters, e.g. a UUID.",
        ))
        .schema(Some(key_schema))
        .build();
    let replayed = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true"])),
        ))
        .description(Some(
            "`true` when this is the remembered answer to an earlier request with the same \
             `Idempotency-Key`",
        ))
        .build();
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                    .build(),
            )
            .build()
    };
    const IN_PROGRESS: &str =
        "a request with this `Idempotency-Key` is in progress (`Retry-After: 1`)";
    for item in paths.paths.values_mut() {
        let operations = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(parameter.clone().into());
            let responses = &mut operation.responses.responses;
            for (status, response) in responses.iter_mut() {
                if let RefOr::T(response) = response
                    && !status.starts_with('5')
                {
                    response
                        .headers
                        .insert("Idempotent-Replayed".into(), replayed.clone().into());
                }
            }
            match responses.get_mut("409") {
                Some(RefOr::T(conflict)) => {
                    conflict.description = format!("{}; or {IN_PROGRESS}", conflict.description);
                }
                _ => {
                    responses.insert(
                        "409".into(),
                        error(&format!("`CONFLICT`: {IN_PROGRESS}")).into(),
                    );
                }
            }
            responses.insert(
                "422".into(),
                error(
                    "`IDEMPOTENCY_KEY_REUSED`: this `Idempotency-Key` was already used \
                     with a different request",
                )
                .into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_answers_are_remembered() {
        assert!(remembered(StatusCode::OK, false));
        assert!(remembered(StatusCode::CREATED, false));
        assert!(remembered(StatusCode::FOUND, false));
        assert!(remembered(StatusCode::BAD_REQUEST, true));
        assert!(remembered(StatusCode::NOT_FOUND, true));
        assert!(remembered(StatusCode::CONFLICT, true));
        assert!(!remembered(StatusCode::BAD_REQUEST, false));
        assert!(!remembered(StatusCode::UNAUTHORIZED, true));
        assert!(!remembered(StatusCode::FORBIDDEN, true));
        assert!(!remembered(StatusCode::TOO_MANY_REQUESTS, true));
        assert!(!remembered(StatusCode::INTERNAL_SERVER_ERROR, true));
        assert!(!remembered(StatusCode::SERVICE_UNAVAILABLE, true));
    }

    #[test]
    fn the_documented_pattern_accepts_what_the_server_accepts() {
        // Spot checks of the regex's intent (no regex engine in this crate).
        assert!(KEY_PATTERN.starts_with("^[!-~]"));
        assert!(check_key(b"!").is_ok() && check_key(b"~ ~").is_ok());
    }

    #[test]
    fn replay_marks_the_answer() {
        let r = replay(StoredResponse {
            status: 201,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("etag".into(), "\"1\"".into()),
            ],
            body: b"{}".to_vec(),
        });
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers()[&IDEMPOTENT_REPLAYED], "true");
        assert_eq!(r.headers()[header::ETAG], "\"1\"");
        assert!(r.extensions().get::<Enveloped>().is_some());
    }
}
