//! Table-driven security checks over every route of the API (taken from template.yaml):
//! authentication, roles, body limits, hostile JSON, and what responses never contain.

use proxima::domain::{Period, Role};
use proxima_infra::template::{TEMPLATE_YAML, document, http_routes};
use proxima_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

fn routes() -> Vec<(Method, String)> {
    http_routes(&document(TEMPLATE_YAML).unwrap())
        .unwrap()
        .into_iter()
        .map(|r| (r.method.parse().unwrap(), r.path))
        .collect()
}

/// The routes that need no token, as the OpenAPI document says (every other one is
/// proven to refuse a missing, garbage or forged token below).
fn public(path: &str) -> bool {
    proxima_infra::api::public_paths().contains(path)
}

#[test]
fn the_public_routes_are_health_and_the_session_endpoints_only() {
    let public: Vec<String> = proxima_infra::api::public_paths().into_iter().collect();
    assert_eq!(
        public,
        [
            "/api/v1/auth/login",
            "/api/v1/auth/logout",
            "/api/v1/auth/refresh",
            "/healthz",
            "/readyz"
        ]
    );
}

fn is_write(method: &Method, path: &str) -> bool {
    *method != Method::GET && !public(path) && path != "/api/v1/invoices/prefill"
}

#[tokio::test]
async fn every_protected_route_needs_a_valid_token_and_writes_need_a_writer() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let accountant = app.token(Role::Accountant).await;
    let viewer = app.token(Role::Viewer).await;
    let period = Period::containing(chrono::Utc::now().date_naive()).previous();
    let created = app
        .post_json(
            "/api/v1/invoices/generate",
            &json!({"client_key": "ACME", "period": period.to_string()}),
            Some(&accountant),
        )
        .await;
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let concrete = |p: &str| p.replace("{key}", "ACME").replace("{id}", &id);
    let forged = {
        let mut parts: Vec<String> = accountant.split('.').map(str::to_string).collect();
        parts[2] = "AAAA".into();
        parts.join(".")
    };
    let mut checked = 0;
    for (method, path) in routes() {
        if public(&path) {
            continue;
        }
        for token in [None, Some("garbage"), Some(forged.as_str())] {
            let reply = app
                .send(
                    app.request(method.clone(), &concrete(&path), token)
                        .header("if-match", "1")
                        .json(&json!({})),
                )
                .await;
            assert_eq!(
                reply.status, 401,
                "{method} {path} with {token:?}: {}",
                reply.body
            );
            reply.assert_error(401, "UNAUTHORIZED");
        }
        if is_write(&method, &path) {
            let reply = app
                .send(
                    app.request(method.clone(), &concrete(&path), Some(&viewer))
                        .header("if-match", "1")
                        .json(&json!({})),
                )
                .await;
            reply.assert_error(403, "FORBIDDEN");
        }
        checked += 1;
    }
    assert!(checked >= 14, "{checked} protected routes checked");
}

#[tokio::test]
async fn hostile_bodies_are_rejected_without_5xx() {
    let app = spawn_app().await;
    let token = app.token(Role::Accountant).await;
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("deep nesting", deep.into_bytes()),
        (
            "NUL bytes",
            b"{\"client_key\": \"AC\x00ME\", \"period\": \"2026-10\"}".to_vec(),
        ),
        (
            "lone surrogate",
            br#"{"client_key": "\ud800", "period": "2026-10"}"#.to_vec(),
        ),
        ("not UTF-8", vec![b'{', 0xff, 0xfe, b'}']),
        (
            "huge number",
            br#"{"client_key": "ACME", "period": 1e999999}"#.to_vec(),
        ),
        ("array", b"[]".to_vec()),
        (
            "RTL and zero-width",
            "{\"client_key\": \"\u{202e}ACME\u{200b}\", \"period\": \"2026-10\"}"
                .as_bytes()
                .to_vec(),
        ),
    ];
    for path in [
        "/api/v1/invoices/generate",
        "/api/v1/invoices/prefill",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
    ] {
        for (name, body) in &bodies {
            let reply = app
                .send(
                    app.request(Method::POST, path, Some(&token))
                        .header("content-type", "application/json")
                        .body(body.clone()),
                )
                .await;
            assert!(
                reply.status < 500,
                "{path} {name}: {} {}",
                reply.status,
                reply.body
            );
            assert!(
                matches!(reply.status, 400 | 404),
                "{path} {name}: {} {}",
                reply.status,
                reply.body
            );
        }
        let big = vec![b' '; 1024 * 1024 + 1];
        let reply = app
            .send(
                app.request(Method::POST, path, Some(&token))
                    .header("content-type", "application/json")
                    .body(big),
            )
            .await;
        reply.assert_error(413, "PAYLOAD_TOO_LARGE");
    }
}

#[tokio::test]
async fn responses_never_carry_password_hashes_or_internal_keys() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let period = Period::containing(chrono::Utc::now().date_naive()).previous();
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "viewer@proxima.local", "password": "viewer-demo-pass"}),
            None,
        )
        .await;
    let created = app
        .post_json(
            "/api/v1/invoices/generate",
            &json!({"client_key": "GULZOR", "period": period.to_string()}),
            Some(&token),
        )
        .await;
    let id = created.body["data"]["id"].as_str().unwrap();
    let mut bodies = vec![login.body.to_string(), created.body.to_string()];
    for path in [
        "/api/v1/clients".to_string(),
        "/api/v1/clients/GULZOR".to_string(),
        format!("/api/v1/clients/GULZOR/worklogs?period={period}"),
        "/api/v1/invoices".to_string(),
        format!("/api/v1/invoices/{id}"),
        format!("/api/v1/invoices/{id}/edit-history"),
    ] {
        bodies.push(app.get(&path, Some(&token)).await.body.to_string());
    }
    for body in bodies {
        for secret in [
            "password_hash",
            "$argon2",
            "\"pk\"",
            "\"sk\"",
            "gsi1",
            "line_chunks",
            "INVOICE#",
            "WORKLOG#",
        ] {
            assert!(!body.contains(secret), "{secret} leaked in {body}");
        }
    }
}

#[tokio::test]
async fn fields_a_client_may_not_set_are_rejected_and_change_nothing() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Admin).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let period = Period::containing(chrono::Utc::now().date_naive()).previous();
    let invoice = format!("/api/v1/invoices/{id}");
    // (method, path, body, the field that must be named in the 400)
    let attempts = [
        (
            Method::POST,
            "/api/v1/auth/login".to_string(),
            json!({"email": "viewer@proxima.local", "password": "viewer-demo-pass", "role": "admin"}),
            "role",
        ),
        (
            Method::POST,
            "/api/v1/invoices/generate".to_string(),
            json!({"client_key": "VOSTOK", "period": period.to_string(), "status": "finalized"}),
            "status",
        ),
        (
            Method::POST,
            "/api/v1/invoices/generate".to_string(),
            json!({"client_key": "VOSTOK", "period": period.to_string(), "total": "0.00"}),
            "total",
        ),
        (
            Method::POST,
            "/api/v1/invoices/generate-bulk".to_string(),
            json!({"period": period.to_string(), "created_by": "system:month-end"}),
            "created_by",
        ),
        (
            Method::PATCH,
            invoice.clone(),
            json!({"version": 1, "number": "INV-2026-99999"}),
            "number",
        ),
        (
            Method::PATCH,
            invoice.clone(),
            json!({"version": 1, "status": "finalized"}),
            "status",
        ),
        (
            Method::PATCH,
            invoice.clone(),
            json!({"version": 1, "subtotal": "1.00"}),
            "subtotal",
        ),
        (
            Method::PATCH,
            invoice.clone(),
            json!({"version": 1, "client": {"key": "GULZOR"}}),
            "client",
        ),
        (
            Method::PATCH,
            format!("{invoice}/line-items"),
            json!({"version": 1, "add": [{"description": "x", "quantity": "1", "unit_price": "2", "amount": "999"}]}),
            "add[0].amount",
        ),
        (
            Method::POST,
            format!("{invoice}/finalize"),
            json!({"version": 1, "number": "INV-2026-99999"}),
            "number",
        ),
    ];
    for (method, path, body, field) in attempts {
        let reply = app
            .send(app.request(method.clone(), &path, Some(&token)).json(&body))
            .await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(
            reply.body["error"]["details"][0]["field"], field,
            "{method} {path}: {}",
            reply.body
        );
    }
    let after = app.get(&invoice, Some(&token)).await;
    assert_eq!(after.body["data"]["version"], 1, "nothing was written");
    assert_eq!(after.body["data"]["status"], "draft");
    assert_eq!(after.body["data"]["total"], draft["total"]);
}
