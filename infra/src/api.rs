//! Every function's routes in one router, exactly as API Gateway routes them to the
//! functions, plus `/openapi.json` for local development.

use axum::routing::get;
use axum::{Json, Router};
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
}

/// The OpenAPI document generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    openapi_router().split_for_parts().1
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
    let (router, doc) = openapi_router().split_for_parts();
    let doc = Arc::new(doc);
    let router = router
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/docs", get(|| async { axum::response::Html(DOCS_PAGE) }))
        .with_state(state.clone());
    proxima::http::with_layers(router, &state.config)
}
