//! Auth function: `POST /api/v1/auth/login`, `/refresh` and `/logout`.

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

/// A bearer token, the refresh token that renews it, and who they are for.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    #[serde(with = "proxima::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub expires_at: DateTime<Utc>,
    /// Spend it once at `POST /api/v1/auth/refresh` for a new `token` and a new
    /// `refresh_token`; keep it out of reach of scripts (see the API guide).
    #[schema(
        example = "rt1.6f1c0e4a9d2b4c3e8f7a6b5c4d3e2f10.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )]
    pub refresh_token: String,
    /// When `refresh_token` stops working if unused.
    #[serde(with = "proxima::domain::instant::millis")]
    #[schema(value_type = String, format = DateTime, pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")]
    pub refresh_expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// `POST /api/v1/auth/refresh` and `/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn answer(
    token: proxima::auth::IssuedToken,
    refresh: proxima::auth::refresh::IssuedRefresh,
    user: proxima::domain::User,
) -> Data<LoginResponse> {
    Data::ok(LoginResponse {
        token: token.token,
        token_type: "Bearer",
        expires_at: token.expires_at,
        refresh_token: refresh.token,
        refresh_expires_at: refresh.expires_at,
        user: UserView {
            email: user.email,
            name: user.name,
            role: user.role,
        },
    })
}

fn deps(state: &AppState) -> LoginDeps<'_> {
    LoginDeps {
        users: state.users.as_ref(),
        throttle: state.throttle.as_ref(),
        tokens: &state.tokens,
        permits: &state.hash_permits,
        policy: state.throttle_policy(),
    }
}

/// Exchange e-mail and password for a JWT (HS256, 1 h by default) and a refresh token.
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
    let now = Utc::now();
    let outcome = proxima::auth::login(deps(state), &req.email, &req.password, source, now).await?;
    let refresh = proxima::auth::refresh::start(
        state.refresh_tokens.as_ref(),
        &outcome.user,
        state.config.refresh_token_ttl_secs,
        now,
    )
    .await?;
    Ok(answer(outcome.token, refresh, outcome.user))
}

/// A refresh token, checked for form before any store call.
fn refresh_token(req: &RefreshRequest) -> Result<&str> {
    let token = req.refresh_token.trim();
    if token.is_empty() || token.len() > 200 {
        return Err(Error::field("refresh_token", "must be a refresh token"));
    }
    Ok(token)
}

/// Spend a refresh token for a new access token and a new refresh token (rotation). The
/// token is single use: presenting one that was already spent revokes its whole family
/// (every token of that login), so a stolen copy stops working for everyone. Refused
/// refreshes count against the user's login limits (429 past them). The answer is never
/// cached.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = Data<LoginResponse>),
        (status = 400, description = "Malformed body", body = proxima::http::error::ErrorEnvelope),
        (status = 401, description = "Unknown, expired, spent or revoked refresh token, or the user is disabled", body = proxima::http::error::ErrorEnvelope),
        (status = 429, description = "Too many refused attempts for this user", body = proxima::http::error::ErrorEnvelope)))]
async fn refresh(
    State(state): State<AppState>,
    SourceIp(source): SourceIp,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> NoStore<Result<Data<LoginResponse>>> {
    NoStore(refresh_inner(&state, &source, &req).await)
}

async fn refresh_inner(
    state: &AppState,
    source: &str,
    req: &RefreshRequest,
) -> Result<Data<LoginResponse>> {
    let done = proxima::auth::refresh::refresh(
        deps(state),
        state.refresh_tokens.as_ref(),
        refresh_token(req)?,
        source,
        state.config.refresh_token_ttl_secs,
        Utc::now(),
    )
    .await?;
    Ok(answer(done.token, done.refresh, done.user))
}

/// End a login: revoke the family of the given refresh token (every token of that login).
/// 204 also when it was already revoked or has expired; access tokens already issued
/// still work until they expire (at most `JWT_TTL_SECONDS`).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out"),
        (status = 400, description = "Malformed body or not a refresh token", body = proxima::http::error::ErrorEnvelope)))]
async fn logout(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> Result<axum::http::StatusCode> {
    proxima::auth::refresh::logout(state.refresh_tokens.as_ref(), refresh_token(&req)?).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

proxima::function_routes! {
    "/api/v1/auth/login" => post(login);
    "/api/v1/auth/refresh" => post(refresh);
    "/api/v1/auth/logout" => post(logout);
}
