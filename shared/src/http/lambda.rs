//! Running a router as a Lambda function behind API Gateway (HTTP API, payload v2).

use crate::state::AppState;
use axum::Router;

/// Hand the function's router, built once at cold start from `state`, to `lambda_http`,
/// which drives it for every invocation. The shared layers (request ids, CORS, body limit,
/// fallbacks) are added here, exactly as the dev server adds them.
pub async fn serve(
    state: AppState,
    build: impl FnOnce(AppState) -> Router,
) -> Result<(), lambda_http::Error> {
    let config = state.config.clone();
    let router = crate::http::with_layers(build(state), &config);
    lambda_http::run(router).await
}
