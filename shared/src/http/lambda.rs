//! Running a router as a Lambda function behind API Gateway (HTTP API, payload v2).

use crate::config::Config;
use crate::state::AppState;
use axum::Router;

/// Build everything once at cold start (configuration, logging, AWS clients), then hand
/// over to `lambda_http`, which drives the router for every invocation. A bad
/// configuration (e.g. a weak JWT secret in the cloud) stops the process before serving.
pub async fn serve(build: impl FnOnce(AppState) -> Router) -> Result<(), lambda_http::Error> {
    let config = Config::load().await?;
    crate::telemetry::init(config.mode);
    let state = AppState::from_config(config).await;
    let router = crate::http::with_layers(build(state.clone()), &state.config);
    lambda_http::run(router).await
}
