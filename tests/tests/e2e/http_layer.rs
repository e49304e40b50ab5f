//! The shared HTTP layer: request ids, envelopes for 404/405/413, CORS, probes.

use proxima::domain::Role;
use proxima_tests::spawn_app;
use reqwest::Method;

#[tokio::test]
async fn a_sane_request_id_is_echoed_everywhere() {
    let app = spawn_app().await;
    let ok = app
        .send(
            app.request(Method::GET, "/healthz", None)
                .header("x-request-id", "trace-42.A_b"),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.request_id(), "trace-42.A_b");
    assert_eq!(
        ok.body,
        serde_json::json!({"data": {"status": "ok"}, "error": null})
    );

    let err = app
        .send(
            app.request(Method::GET, "/api/v1/clients", None)
                .header("x-request-id", "trace-43"),
        )
        .await;
    err.assert_error(401, "UNAUTHORIZED");
    assert_eq!(err.body["error"]["request_id"], "trace-43");
}

#[tokio::test]
async fn an_insane_or_missing_request_id_is_replaced_by_a_uuid() {
    let app = spawn_app().await;
    for bad in [
        Some("has spaces"),
        Some(&*"x".repeat(129)),
        Some("semi;colon"),
        None,
    ] {
        let mut req = app.request(Method::GET, "/nope", None);
        if let Some(bad) = bad {
            req = req.header("x-request-id", bad);
        }
        let reply = app.send(req).await;
        reply.assert_error(404, "NOT_FOUND");
        assert!(
            uuid::Uuid::parse_str(reply.request_id()).is_ok(),
            "{bad:?} -> {}",
            reply.request_id()
        );
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_in_the_envelope() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    app.get("/api/v1/nothing-here", Some(&token))
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/api/v2/clients", None)
        .await
        .assert_error(404, "NOT_FOUND");

    let wrong = app
        .send(app.request(Method::DELETE, "/api/v1/clients", Some(&token)))
        .await;
    wrong.assert_error(405, "METHOD_NOT_ALLOWED");
    assert!(wrong.headers.get("allow").is_some());
    let get_login = app.get("/api/v1/auth/login", None).await;
    get_login.assert_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = spawn_app().await;
    let big = format!(
        "{{\"email\":\"a@b.c\",\"password\":\"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let reply = app
        .send(
            app.request(Method::POST, "/api/v1/auth/login", None)
                .header("content-type", "application/json")
                .body(big),
        )
        .await;
    reply.assert_error(413, "PAYLOAD_TOO_LARGE");

    // Just under the limit is read (and then rejected on its merits, not its size).
    let under = format!(
        "{{\"email\":\"a@b.c\",\"password\":\"{}\"}}",
        "x".repeat(1024 * 1024 - 64)
    );
    let reply = app
        .send(
            app.request(Method::POST, "/api/v1/auth/login", None)
                .header("content-type", "application/json")
                .body(under),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn cors_allows_configured_origins_only_and_locally_any_loopback_port() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/clients", None)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "http://localhost:5173"
    );
    // The local stack: a frontend's dev server on any loopback port.
    for origin in ["http://localhost:3000", "http://127.0.0.1:8080"] {
        let reply = preflight(origin).await.unwrap();
        assert_eq!(
            reply.headers().get("access-control-allow-origin").unwrap(),
            origin
        );
    }
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example:3000",
        "http://10.0.0.1:3000",
    ] {
        let other = preflight(origin).await.unwrap();
        assert!(
            other.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
    // A deployment allows exactly its configured origins.
    let deployed = app
        .redeployed(|c| c.cors_allowed_origins = vec!["https://app.example.com".into()])
        .await;
    let only = |origin: &'static str| {
        deployed
            .request(Method::OPTIONS, "/api/v1/clients", None)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    let reply = only("https://app.example.com").await.unwrap();
    assert!(reply.headers().get("access-control-allow-origin").is_some());
    let reply = only("http://localhost:5173").await.unwrap();
    assert!(reply.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn readiness_reports_both_dependencies() {
    let app = spawn_app().await;
    let reply = app.get("/readyz", None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["checks"]["dynamodb"], "ok");
    assert_eq!(reply.body["data"]["checks"]["s3"], "ok");
}
