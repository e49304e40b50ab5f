//! Every function's routes in one router, exactly as API Gateway routes them to the
//! functions, plus `/openapi.json` for local development.

use axum::Router;
use axum::routing::get;
use proxima::state::AppState;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Proxima Invoice API", description = "Turns clients' logged work hours into invoices."),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Probes"),
        (name = "auth", description = "Login"),
        (name = "clients", description = "Clients and their worklogs"),
        (name = "invoices", description = "Invoice drafts and their lifecycle"),
    )
)]
struct ApiDoc;

/// All groups' routes with the OpenAPI description collected from their annotations.
pub fn openapi_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(fn_health::routes())
        .merge(fn_auth::routes())
        .merge(fn_clients::routes())
        .merge(fn_invoices::routes())
        .merge(fn_einvoice::routes())
}

/// The OpenAPI document generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::openapi_contract::complete(with_shared_answers(openapi_router().split_for_parts().1))
}

/// Answers the shared layers give on every operation, added where an operation does not
/// document them itself: 413 for a body over 1 MiB (operations with a body) and 503 when
/// DynamoDB or S3 does not answer (every operation but `/healthz`).
fn with_shared_answers(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let answer = |description: &str| {
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
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            if operation.request_body.is_some() {
                responses.entry("413".into()).or_insert_with(|| {
                    answer("`PAYLOAD_TOO_LARGE`: the body is over 1 MiB").into()
                });
            }
            if path != "/healthz" {
                responses.entry("503".into()).or_insert_with(|| {
                    answer("`SERVICE_UNAVAILABLE`: DynamoDB or S3 did not answer in time").into()
                });
            }
        }
    }
    doc
}

/// The OpenAPI document as committed in `docs/openapi.json` and served at `/openapi.json`:
/// [`openapi`] as pretty JSON with a final newline.
pub fn document_json() -> String {
    openapi()
        .to_pretty_json()
        .map(|json| json + "\n")
        .unwrap_or_else(|e| format!("{{\"error\": \"the OpenAPI document: {e}\"}}\n"))
}

/// The paths whose operations need no token: those the OpenAPI document lists without
/// `security` (the one place that says it; `tests/tests/e2e/security.rs` proves every other
/// route refuses a missing, garbage or forged token).
pub fn public_paths() -> std::collections::BTreeSet<String> {
    let doc = openapi();
    doc.paths
        .paths
        .iter()
        .filter(|(_, item)| {
            [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
                .any(|op| op.security.is_none())
        })
        .map(|(path, _)| path.clone())
        .collect()
}

/// A page rendering `/openapi.json` with Redoc (loaded from its CDN by the browser).
const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Proxima Invoice API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
</body></html>"#;

/// The whole API with the shared layers, as the local server and the tests serve it.
pub fn local_router(state: AppState) -> Router {
    let (router, _) = openapi_router().split_for_parts();
    // The one document, byte for byte `docs/openapi.json` (see `document_json`).
    let doc: Arc<str> = Arc::from(document_json());
    let router = router
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        doc.to_string(),
                    )
                }
            }),
        )
        .route("/docs", get(|| async { axum::response::Html(DOCS_PAGE) }))
        .with_state(state.clone());
    proxima::http::with_layers(router, &state.config)
}
