//! `docs/openapi.json` is the document generated from the code, and the local server serves
//! the same bytes. Regenerate with `UPDATE_OPENAPI=1 cargo test -p proxima-tests --test e2e openapi::`.

use proxima_tests::spawn_app;

fn committed_path() -> std::path::PathBuf {
    proxima_infra::emulator::workspace_root().join("docs/openapi.json")
}

#[test]
fn committed_document_is_the_generated_one() {
    let generated = proxima_infra::api::document_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(committed_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test -p proxima-tests --test e2e openapi::"
    );
}

#[tokio::test]
async fn the_server_serves_it_and_it_lists_every_route() {
    let app = spawn_app().await;
    // The same bytes as the committed document: the completed one (shared answers,
    // `Retry-After` and `X-Request-ID` headers, nullable fields required).
    let served = app
        .http
        .get(format!("{}/openapi.json", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let committed = std::fs::read_to_string(committed_path()).unwrap();
    assert!(
        served.text().await.unwrap() == committed,
        "/openapi.json is not docs/openapi.json"
    );
    let reply = app.get("/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let docs = app
        .http
        .get(format!("{}/docs", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("/openapi.json"));
    let paths = reply.body["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/readyz",
        "/api/v1/auth/login",
        "/api/v1/clients",
        "/api/v1/clients/{key}",
        "/api/v1/clients/{key}/worklogs",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
}
