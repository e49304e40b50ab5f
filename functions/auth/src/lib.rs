//! Auth function: `POST /api/v1/auth/login`.

use axum::extract::State;
use chrono::{DateTime, Utc};
use proxima::auth::login::LoginDeps;
use proxima::domain::Role;
use proxima::http::{Data, JsonBody, NoStore, SourceIp};
use proxima::state::AppState;
use proxima::{Error, FieldError, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Login request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "accountant@proxima.local")]
    pub email: String,
    #[schema(example = "accountant-demo-pass")]
    pub password: String,
}

/// The logged-in user, as shown to the frontend.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// A bearer token and who it is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    #[serde(with = "proxima::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// Exchange e-mail and password for a JWT (HS256, 1 h by default).
///
/// Unknown e-mail and wrong password give the same 401. Every attempt is counted before the
/// password is checked: 5 per 15 minutes for one e-mail from one source address and 50 for
/// the e-mail from anywhere (defaults); past either, 429 with `Retry-After`. The answer is
/// never cached (`Cache-Control: no-store`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Data<LoginResponse>),
        (status = 400, description = "Malformed body", body = proxima::http::error::ErrorEnvelope),
        (status = 401, description = "Wrong e-mail or password", body = proxima::http::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts for this e-mail (from this address, or in all), or too many logins in progress", body = proxima::http::error::ErrorEnvelope)))]
async fn login(
    State(state): State<AppState>,
    SourceIp(source): SourceIp,
    JsonBody(req): JsonBody<LoginRequest>,
) -> NoStore<Result<Data<LoginResponse>>> {
    NoStore(login_inner(&state, &source, req).await)
}

async fn login_inner(
    state: &AppState,
    source: &str,
    req: LoginRequest,
) -> Result<Data<LoginResponse>> {
    let mut errors = Vec::new();
    if req.email.trim().is_empty() || req.email.len() > 254 {
        errors.push(FieldError::new("email", "must be 1-254 characters"));
    }
    if req.password.is_empty() || req.password.len() > 1024 {
        errors.push(FieldError::new("password", "must be 1-1024 bytes"));
    }
    if !errors.is_empty() {
        return Err(Error::fields(errors));
    }
    let deps = LoginDeps {
        users: state.users.as_ref(),
        throttle: state.throttle.as_ref(),
        tokens: &state.tokens,
        permits: &state.hash_permits,
        policy: state.throttle_policy(),
    };
    let outcome = proxima::auth::login(deps, &req.email, &req.password, source, Utc::now()).await?;
    Ok(Data::ok(LoginResponse {
        token: outcome.token.token,
        token_type: "Bearer",
        expires_at: outcome.token.expires_at,
        user: UserView {
            email: outcome.user.email,
            name: outcome.user.name,
            role: outcome.user.role,
        },
    }))
}

proxima::function_routes! {
    "/api/v1/auth/login" => post(login);
}
