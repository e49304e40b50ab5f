//! Auth function: `POST /api/v1/auth/login`.

use axum::extract::State;
use chrono::{DateTime, Utc};
use proxima::auth::login::ThrottlePolicy;
use proxima::domain::Role;
use proxima::http::{Data, JsonBody};
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
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// Exchange e-mail and password for a JWT (HS256, 1 h by default).
///
/// Unknown e-mail and wrong password give the same 401; repeated failures for one e-mail
/// give 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Data<LoginResponse>),
        (status = 400, description = "Malformed body", body = proxima::http::error::ErrorEnvelope),
        (status = 401, description = "Wrong e-mail or password", body = proxima::http::error::ErrorEnvelope),
        (status = 429, description = "Too many failures for this e-mail", body = proxima::http::error::ErrorEnvelope)))]
async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
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
    let policy = ThrottlePolicy {
        max_failures: state.config.login_max_failures,
        window_secs: state.config.login_window_secs,
    };
    let outcome = proxima::auth::login(
        state.users.as_ref(),
        state.throttle.as_ref(),
        &state.tokens,
        policy,
        &req.email,
        &req.password,
        Utc::now(),
    )
    .await?;
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
