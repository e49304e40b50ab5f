//! Login, throttling and the bearer-token matrix, through the HTTP API.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proxima::config::LOCAL_DEV_JWT_SECRET;
use proxima::domain::Role;
use proxima_tests::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn login_returns_a_bearer_token_and_the_user() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Accountant).await;

    let reply = app.login(&email.to_uppercase(), &password).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    assert!(reply.body["error"].is_null());
    assert_eq!(data["token_type"], "Bearer");
    assert_eq!(data["user"]["email"], email.as_str());
    assert_eq!(data["user"]["role"], "accountant");
    assert!(data["user"].get("password_hash").is_none());
    let expires: chrono::DateTime<Utc> = data["expires_at"].as_str().unwrap().parse().unwrap();
    let ttl = expires - Utc::now();
    assert!(ttl > chrono::Duration::minutes(59) && ttl <= chrono::Duration::minutes(60));
    let token = data["token"].as_str().unwrap();
    let clients = app.get("/api/v1/clients", Some(token)).await;
    assert_eq!(clients.status, 200);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let (email, _) = app.add_user(Role::Viewer).await;

    let wrong_password = app.login(&email, "not-the-password").await;
    let unknown_email = app.login("nobody@proxima.test", "not-the-password").await;

    wrong_password.assert_error(401, "UNAUTHORIZED");
    unknown_email.assert_error(401, "UNAUTHORIZED");
    assert_eq!(
        wrong_password.body["error"]["message"],
        unknown_email.body["error"]["message"]
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_email_even_for_the_right_password() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Viewer).await;

    for _ in 0..5 {
        app.login(&email, "wrong-password")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    let locked = app.login(&email, &password).await;

    locked.assert_error(429, "RATE_LIMITED");
    assert_eq!(locked.headers.get("retry-after").unwrap(), "900");
    // Another e-mail is not affected.
    let (other, other_pw) = app.add_user(Role::Viewer).await;
    assert_eq!(app.login(&other, &other_pw).await.status, 200);
}

#[tokio::test]
async fn a_success_before_the_limit_resets_the_count() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Viewer).await;
    for _ in 0..4 {
        app.login(&email, "wrong-password")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    assert_eq!(app.login(&email, &password).await.status, 200);
    for _ in 0..4 {
        app.login(&email, "wrong-password")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    assert_eq!(app.login(&email, &password).await.status, 200);
}

#[tokio::test]
async fn malformed_login_bodies_are_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({"email": "a@b.c"}), "password"),
        (json!({"email": 5, "password": "x"}), "email"),
        (
            json!({"email": "a@b.c", "password": "x", "role": "admin"}),
            "role",
        ),
        (json!({"email": "", "password": "x"}), "email"),
    ];
    for (body, field) in cases {
        let reply = app.post_json("/api/v1/auth/login", &body, None).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["field"], field, "{body}");
    }
    let not_json = app
        .send(
            app.request(reqwest::Method::POST, "/api/v1/auth/login", None)
                .header("content-type", "application/json")
                .body("{\"email\":"),
        )
        .await;
    not_json.assert_error(400, "VALIDATION_ERROR");
    let wrong_type = app
        .send(
            app.request(reqwest::Method::POST, "/api/v1/auth/login", None)
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    wrong_type.assert_error(400, "VALIDATION_ERROR");
}

fn claims(overrides: Value) -> Value {
    let now = Utc::now().timestamp();
    let mut c = json!({
        "sub": "someone@proxima.test",
        "role": "admin",
        "iat": now,
        "exp": now + 600,
        "iss": "proxima-invoice",
        "aud": "proxima-invoice-api",
        "jti": "3f1e0c1e-0000-4000-8000-000000000000",
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn unsigned(claims: &Value, alg: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

#[tokio::test]
async fn bad_tokens_are_401_and_a_good_one_passes() {
    let app = spawn_app().await;
    let secret = LOCAL_DEV_JWT_SECRET.as_bytes();
    let now = Utc::now().timestamp();
    let good = sign(&claims(json!({})), secret);
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(json!({})),
        &EncodingKey::from_secret(secret),
    )
    .unwrap();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("garbage", Some("not.a.jwt".into())),
        (
            "wrong signature",
            Some(sign(
                &claims(json!({})),
                b"another-secret-that-is-32-bytes!!",
            )),
        ),
        (
            "expired",
            Some(sign(
                &claims(json!({"iat": now - 7200, "exp": now - 3600})),
                secret,
            )),
        ),
        ("alg none", Some(unsigned(&claims(json!({})), "none"))),
        ("alg HS512", Some(hs512)),
        (
            "missing exp",
            Some(sign(&claims(json!({"exp": null})), secret)),
        ),
        (
            "mistyped exp",
            Some(sign(&claims(json!({"exp": "tomorrow"})), secret)),
        ),
        (
            "missing iat",
            Some(sign(&claims(json!({"iat": null})), secret)),
        ),
        (
            "missing jti",
            Some(sign(&claims(json!({"jti": null})), secret)),
        ),
        (
            "missing sub",
            Some(sign(&claims(json!({"sub": null})), secret)),
        ),
        (
            "unknown role",
            Some(sign(&claims(json!({"role": "root"})), secret)),
        ),
        (
            "wrong aud",
            Some(sign(&claims(json!({"aud": "someone-else"})), secret)),
        ),
        (
            "wrong iss",
            Some(sign(&claims(json!({"iss": "someone-else"})), secret)),
        ),
    ];
    for (name, token) in cases {
        let reply = app.get("/api/v1/clients", token.as_deref()).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.body);
        reply.assert_error(401, "UNAUTHORIZED");
    }
    let basic = app
        .send(
            app.request(reqwest::Method::GET, "/api/v1/clients", None)
                .header("authorization", format!("Basic {good}")),
        )
        .await;
    basic.assert_error(401, "UNAUTHORIZED");
    assert_eq!(app.get("/api/v1/clients", Some(&good)).await.status, 200);
}
