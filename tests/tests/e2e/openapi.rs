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

#[test]
fn list_rows_are_the_named_types_and_always_present_fields_are_required() {
    let doc: serde_json::Value =
        serde_json::from_str(&proxima_infra::api::document_json()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // Every envelope refers to the named type it wraps: a list row is the resource type.
    for (name, schema) in schemas {
        let inner = if name.starts_with("Paged_") || name.starts_with("Data_Vec_") {
            &schema["properties"]["data"]["items"]
        } else if name.starts_with("Data_") {
            &schema["properties"]["data"]
        } else {
            continue;
        };
        let target = inner["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {inner}"));
        let named = target.trim_start_matches("#/components/schemas/");
        assert!(schemas.contains_key(named), "{name} -> {target}");
    }
    assert_eq!(
        schemas["Paged_InvoiceHeader"]["properties"]["data"]["items"]["$ref"],
        "#/components/schemas/InvoiceHeader"
    );
    let required = |schema: &str| -> Vec<String> {
        let s = &schemas[schema];
        let mut out: Vec<String> = Vec::new();
        for part in std::iter::once(s).chain(s["allOf"].as_array().into_iter().flatten()) {
            out.extend(
                part["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string)),
            );
        }
        out
    };
    for (schema, fields) in [
        (
            "InvoiceHeader",
            &[
                "amount_due",
                "amount_paid",
                "amount_credited",
                "payment_status",
                "overdue",
                "number",
                "finalized_at",
            ][..],
        ),
        ("RunCounts", &["retrying"][..]),
        ("RunReport", &["completed_at"][..]),
        (
            "Client",
            &["locale", "tax_id", "vat_id", "billing_contacts"][..],
        ),
    ] {
        let have = required(schema);
        for f in fields {
            assert!(
                have.iter().any(|h| h == f),
                "{schema}.{f} is not required: {have:?}"
            );
        }
    }
    // Request bodies keep their optional fields optional.
    assert!(!required("ClientInput").iter().any(|f| f == "tax_id"));
}
