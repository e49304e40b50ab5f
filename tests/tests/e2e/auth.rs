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
    // Until the window that began with the first failure ends (900 s).
    let retry: u64 = locked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&retry), "Retry-After {retry}");
    // Another e-mail is not affected.
    let (other, other_pw) = app.add_user(Role::Viewer).await;
    assert_eq!(app.login(&other, &other_pw).await.status, 200);
}

#[tokio::test]
async fn a_success_costs_no_attempt_but_failures_stay_counted_for_the_window() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Viewer).await;
    for _ in 0..4 {
        app.login(&email, "wrong-password")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    for _ in 0..3 {
        assert_eq!(app.login(&email, &password).await.status, 200);
    }
    // The fifth guess is the last one this window, whatever came between.
    app.login(&email, "wrong-password")
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.login(&email, &password)
        .await
        .assert_error(429, "RATE_LIMITED");
}

#[tokio::test]
async fn a_locked_source_does_not_lock_the_user_out_from_elsewhere() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Accountant).await;
    let attacker = [127, 0, 0, 2];
    for _ in 0..5 {
        app.login_from(attacker, &email, "guess")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    app.login_from(attacker, &email, &password)
        .await
        .assert_error(429, "RATE_LIMITED");
    // The real user, from another address, is not locked out by the attacker.
    let user = app.login_from([127, 0, 0, 3], &email, &password).await;
    assert_eq!(user.status, 200, "{}", user.body);
}

#[tokio::test]
async fn the_account_ceiling_stops_guessing_spread_over_many_sources() {
    let app = proxima_tests::spawn_app_on(&proxima_tests::shared_emulator().endpoint(), |c| {
        c.login_max_attempts_per_source = 2;
        c.login_max_attempts_per_account = 6;
    })
    .await;
    let (email, password) = app.add_user(Role::Viewer).await;
    for source in 2..5u8 {
        for _ in 0..2 {
            app.login_from([127, 0, 0, source], &email, "guess")
                .await
                .assert_error(401, "UNAUTHORIZED");
        }
    }
    // Six guesses from three addresses: a fourth address gets no more checks this window.
    let fourth = app.login_from([127, 0, 0, 5], &email, &password).await;
    fourth.assert_error(429, "RATE_LIMITED");
    let retry: u64 = fourth.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
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

/// Claims of a token for the admin user `sub` at token version 0, with `overrides` (a null
/// removes the claim).
fn claims_for(sub: &str, overrides: Value) -> Value {
    let now = Utc::now().timestamp();
    let mut c = json!({
        "sub": sub,
        "role": "admin",
        "ver": 0,
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
    let (admin, _) = app.add_user(Role::Admin).await;
    let claims = |overrides: Value| claims_for(&admin, overrides);
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
        (
            "100-year exp",
            Some(sign(
                &claims(json!({"exp": now + 100 * 365 * 86_400})),
                secret,
            )),
        ),
        (
            "longer than the 1 h lifetime",
            Some(sign(&claims(json!({"exp": now + 3601})), secret)),
        ),
        (
            "issued in the future",
            Some(sign(
                &claims(json!({"iat": now + 600, "exp": now + 1200})),
                secret,
            )),
        ),
        (
            "missing ver",
            Some(sign(&claims(json!({"ver": null})), secret)),
        ),
        (
            "revoked version",
            Some(sign(&claims(json!({"ver": 1})), secret)),
        ),
        (
            "role the user does not have",
            Some(sign(&claims(json!({"role": "viewer"})), secret)),
        ),
        (
            "no such user",
            Some(sign(&claims_for("nobody@proxima.test", json!({})), secret)),
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

#[tokio::test]
async fn disabling_demoting_or_revoking_a_user_ends_its_tokens() {
    // No session cache here, so the change is seen at once; the default (30 s, at most 60)
    // is covered by `shared/src/auth/session.rs`.
    let app = proxima_tests::spawn_app_on(&proxima_tests::shared_emulator().endpoint(), |c| {
        c.session_cache_secs = 0;
    })
    .await;
    let users = app.state.users.clone();
    for (what, change) in [
        (
            "disabled",
            (|u| u.disabled = true) as fn(&mut proxima::domain::User),
        ),
        ("demoted", |u| u.role = Role::Viewer),
        ("revoked", proxima::domain::User::revoke_tokens),
    ] {
        let (email, password) = app.add_user(Role::Accountant).await;
        let login = app.login(&email, &password).await;
        let token = login.body["data"]["token"].as_str().unwrap().to_string();
        assert_eq!(app.get("/api/v1/clients", Some(&token)).await.status, 200);

        let mut user = users.get_user(&email).await.unwrap().unwrap();
        change(&mut user);
        users.put_user(&user).await.unwrap();

        let after = app.get("/api/v1/clients", Some(&token)).await;
        assert_eq!(after.status, 401, "{what}: {}", after.body);
        after.assert_error(401, "UNAUTHORIZED");
        if what == "disabled" {
            app.login(&email, &password)
                .await
                .assert_error(401, "UNAUTHORIZED");
        } else {
            let again = app.login(&email, &password).await;
            assert_eq!(again.status, 200, "{what}: a new login works");
            let fresh = again.body["data"]["token"].as_str().unwrap();
            assert_eq!(app.get("/api/v1/clients", Some(fresh)).await.status, 200);
        }
    }
}

#[tokio::test]
async fn login_answers_are_never_cached() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Viewer).await;
    for reply in [
        app.login(&email, &password).await,
        app.login(&email, "wrong").await,
    ] {
        assert_eq!(reply.headers["cache-control"], "no-store", "{}", reply.body);
    }
}

/// `POST /api/v1/auth/refresh` (or `/logout`) with `token`.
async fn refresh(app: &proxima_tests::TestApp, path: &str, token: &str) -> proxima_tests::Reply {
    app.post_json(
        &format!("/api/v1/auth/{path}"),
        &json!({"refresh_token": token}),
        None,
    )
    .await
}

fn refresh_token_of(reply: &proxima_tests::Reply) -> String {
    reply.body["data"]["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {}", reply.body))
        .to_string()
}

#[tokio::test]
async fn a_refresh_token_is_spent_once_and_a_spent_one_revokes_its_login() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Accountant).await;
    let login = app.login(&email, &password).await;
    let first = refresh_token_of(&login);
    let expires: chrono::DateTime<Utc> = login.body["data"]["refresh_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        expires - Utc::now() > chrono::Duration::days(13),
        "{expires}"
    );

    // Only the secret's hash is stored.
    let (id, secret) = proxima::auth::refresh::parse(&first).expect("well-formed");
    let item = app
        .dynamodb
        .get_item()
        .table_name(&app.table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("REFRESH#{id}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("FAMILY".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("the family item");
    assert!(
        item.values()
            .all(|v| v.as_s().map_or(true, |s| !s.contains(secret))),
        "the secret is stored: {item:?}"
    );
    assert_eq!(
        item["secret_hash"].as_s().unwrap(),
        &proxima::pdf::sha256_hex(secret.as_bytes())
    );

    // Rotation: a new access token that works and a new refresh token.
    let renewed = refresh(&app, "refresh", &first).await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    assert_eq!(renewed.headers["cache-control"], "no-store");
    let second = refresh_token_of(&renewed);
    assert_ne!(second, first);
    let token = renewed.body["data"]["token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/clients", Some(token)).await.status, 200);
    assert_eq!(renewed.body["data"]["user"]["email"], email.as_str());

    // The spent token again: refused, and the whole login with it.
    refresh(&app, "refresh", &first)
        .await
        .assert_error(401, "UNAUTHORIZED");
    refresh(&app, "refresh", &second)
        .await
        .assert_error(401, "UNAUTHORIZED");

    // Logout ends the login; it says nothing about tokens that name no login.
    let current = refresh_token_of(&app.login(&email, &password).await);
    let out = refresh(&app, "logout", &current).await;
    assert_eq!(out.status, 204, "{}", out.body);
    refresh(&app, "refresh", &current)
        .await
        .assert_error(401, "UNAUTHORIZED");
    let unknown = format!("rt1.{}.{}", uuid::Uuid::new_v4().simple(), "0".repeat(64));
    assert_eq!(refresh(&app, "logout", &unknown).await.status, 204);
    refresh(&app, "refresh", &unknown)
        .await
        .assert_error(401, "UNAUTHORIZED");
    let bad = refresh(&app, "logout", "not-a-token").await;
    bad.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(bad.body["error"]["details"][0]["field"], "refresh_token");
    app.post_json("/api/v1/auth/refresh", &json!({}), None)
        .await
        .assert_error(400, "VALIDATION_ERROR");

    // Twenty refreshes of one token at once (another user: refused refreshes count against
    // the login limits): at most one wins, the others are refused (401, or 429 once the
    // refusals reach the limit), and whatever won was revoked with its login (a reuse).
    let (email, password) = app.add_user(Role::Accountant).await;
    let current = refresh_token_of(&app.login(&email, &password).await);
    let replies =
        futures::future::join_all((0..20).map(|_| refresh(&app, "refresh", &current))).await;
    let won: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    assert!(won.len() <= 1, "{} won", won.len());
    for r in replies.iter().filter(|r| r.status != 200) {
        assert!(
            matches!(
                (r.status, r.code()),
                (401, "UNAUTHORIZED") | (429, "RATE_LIMITED")
            ),
            "{}",
            r.body
        );
    }
    for w in won {
        assert_ne!(
            refresh(&app, "refresh", &refresh_token_of(w)).await.status,
            200,
            "the winner's login was revoked by the reuse"
        );
    }
}

#[tokio::test]
async fn a_refresh_ends_with_its_user_and_refused_ones_count_against_the_login_limits() {
    let app = proxima_tests::spawn_app_on(&proxima_tests::shared_emulator().endpoint(), |c| {
        c.session_cache_secs = 0;
    })
    .await;
    let users = app.state.users.clone();
    for change in [
        (|u| u.disabled = true) as fn(&mut proxima::domain::User),
        proxima::domain::User::revoke_tokens,
    ] {
        let (email, password) = app.add_user(Role::Accountant).await;
        let token = refresh_token_of(&app.login(&email, &password).await);
        let mut user = users.get_user(&email).await.unwrap().unwrap();
        change(&mut user);
        users.put_user(&user).await.unwrap();
        refresh(&app, "refresh", &token)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }

    // Wrong secrets for a real login: 401 (the first revokes it), then 429 past the limit
    // of 5 per source, like logins.
    let (email, password) = app.add_user(Role::Accountant).await;
    let token = refresh_token_of(&app.login(&email, &password).await);
    let (id, _) = proxima::auth::refresh::parse(&token).unwrap();
    let forged = format!("rt1.{}.{}", id.simple(), "f".repeat(64));
    for _ in 0..5 {
        refresh(&app, "refresh", &forged)
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    let limited = refresh(&app, "refresh", &forged).await;
    limited.assert_error(429, "RATE_LIMITED");
    assert!(limited.headers.contains_key("retry-after"));
    refresh(&app, "refresh", &token)
        .await
        .assert_error(429, "RATE_LIMITED");
}

#[tokio::test]
async fn a_401_says_whether_the_token_expired_was_bad_or_missing() {
    let app = spawn_app().await;
    let (admin, _) = app.add_user(Role::Admin).await;
    let now = Utc::now().timestamp();
    let secret = LOCAL_DEV_JWT_SECRET.as_bytes();
    let expired = sign(
        &claims_for(&admin, json!({"iat": now - 7200, "exp": now - 3600})),
        secret,
    );
    for (token, challenge) in [
        (
            Some(expired.as_str()),
            r#"Bearer error="invalid_token", error_description="expired""#,
        ),
        (Some("not.a.jwt"), r#"Bearer error="invalid_token""#),
        (None, "Bearer"),
    ] {
        let reply = app.get("/api/v1/clients", token).await;
        reply.assert_error(401, "UNAUTHORIZED");
        assert_eq!(
            reply.headers["www-authenticate"], challenge,
            "{}",
            reply.body
        );
    }
}
