//! Health function: `GET /healthz` (liveness) and `GET /readyz` (DynamoDB and S3 answer).

use axum::extract::State;
use futures::future::join_all;
use proxima::http::Data;
use proxima::state::AppState;
use proxima::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use utoipa::ToSchema;

/// How long each dependency may take to answer the readiness probe.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Readiness answer: every dependency checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// `ok` per dependency.
    pub checks: BTreeMap<&'static str, &'static str>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Alive", body = Data<Health>)))]
async fn healthz() -> Data<Health> {
    Data::ok(Health { status: "ok" })
}

/// DynamoDB and S3 answer within the time-out; else 503 `SERVICE_UNAVAILABLE`.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Data<Readiness>),
        (status = 503, description = "A dependency is down", body = proxima::http::error::ErrorEnvelope)))]
async fn readyz(State(state): State<AppState>) -> Result<Data<Readiness>> {
    let results = join_all(state.readiness.iter().map(|dep| async move {
        let outcome = match tokio::time::timeout(CHECK_TIMEOUT, dep.check()).await {
            Ok(r) => r,
            Err(_) => Err(Error::Unavailable(format!("{} timed out", dep.name()))),
        };
        (dep.name(), outcome)
    }))
    .await;
    let mut checks = BTreeMap::new();
    let mut down = Vec::new();
    for (name, outcome) in results {
        match outcome {
            Ok(()) => {
                checks.insert(name, "ok");
            }
            Err(e) => {
                tracing::warn!(dependency = name, error = ?e, "readiness check failed");
                down.push(name);
            }
        }
    }
    if !down.is_empty() {
        return Err(Error::Unavailable(format!(
            "unavailable: {}",
            down.join(", ")
        )));
    }
    Ok(Data::ok(Readiness {
        status: "ready",
        checks,
    }))
}

proxima::function_routes! {
    "/healthz" => get(healthz);
    "/readyz" => get(readyz);
}
