//! One declaration of a function's routes, two routers built from it.
//!
//! `routes()` is the router with its OpenAPI description (the generated document, the dev
//! server's `/openapi.json`, tests). Building it runs every handler's schema code, which a
//! Lambda has no use for, so `router(state)` is the same routes as a plain axum router: that
//! is what a function builds at cold start. The route tests check that both agree with
//! `template.yaml` and with each other.
//!
//! A handler written `idempotent(handler)` honours `Idempotency-Key` (see
//! [`crate::http::idempotency`]) in both routers, and its operation documents it.

/// Declare a function's routes once: `"path" => method(handler), ...;` per path, where a
/// handler may be written `idempotent(handler)`.
#[macro_export]
macro_rules! function_routes {
    (@doc $method:ident ( idempotent ( $handler:ident ) )) => {{
        let (schemas, mut paths, _) = ::utoipa_axum::routes!($handler);
        $crate::http::idempotency::document(&mut paths);
        (
            schemas,
            paths,
            ::axum::routing::MethodRouter::new()
                .$method($crate::http::idempotency::idempotent($handler)),
        )
    }};
    (@doc $method:ident ( $handler:ident )) => {
        ::utoipa_axum::routes!($handler)
    };
    (@handler ( idempotent ( $handler:ident ) )) => {
        $crate::http::idempotency::idempotent($handler)
    };
    (@handler ( $handler:ident )) => {
        $handler
    };
    ($( $path:literal => $( $method:ident $handler:tt ),+ );+ $(;)?) => {
        /// The group's routes with their OpenAPI description.
        pub fn routes() -> ::utoipa_axum::router::OpenApiRouter<$crate::state::AppState> {
            ::utoipa_axum::router::OpenApiRouter::new()
                $( $( .routes($crate::function_routes!(@doc $method $handler)) )+ )+
        }

        /// The group's routes as a plain router over `state`, what the Lambda serves.
        pub fn router(state: $crate::state::AppState) -> ::axum::Router {
            ::axum::Router::new()
                $( .route($path, ::axum::routing::MethodRouter::new()
                    $( .$method($crate::function_routes!(@handler $handler)) )+ ) )+
                .with_state(state)
        }
    };
}
