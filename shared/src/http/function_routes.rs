//! One declaration of a function's routes, two routers built from it.
//!
//! `routes()` is the router with its OpenAPI description (the generated document, the dev
//! server's `/openapi.json`, tests). Building it runs every handler's schema code, which a
//! Lambda has no use for, so `router(state)` is the same routes as a plain axum router: that
//! is what a function builds at cold start. The route tests check that both agree with
//! `template.yaml` and with each other.

/// Declare a function's routes once: `"path" => method(handler), ...;` per path.
#[macro_export]
macro_rules! function_routes {
    ($( $path:literal => $( $method:ident ( $handler:ident ) ),+ );+ $(;)?) => {
        /// The group's routes with their OpenAPI description.
        pub fn routes() -> ::utoipa_axum::router::OpenApiRouter<$crate::state::AppState> {
            ::utoipa_axum::router::OpenApiRouter::new()
                $( .routes(::utoipa_axum::routes!( $( $handler ),+ )) )+
        }

        /// The group's routes as a plain router over `state`, what the Lambda serves.
        pub fn router(state: $crate::state::AppState) -> ::axum::Router {
            ::axum::Router::new()
                $( .route($path, ::axum::routing::MethodRouter::new() $( .$method($handler) )+ ) )+
                .with_state(state)
        }
    };
}
