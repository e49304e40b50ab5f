//! The routes in `template.yaml`, the routes the local server serves and the OpenAPI
//! document are the same set, and each route belongs to the function the template gives it.

use axum::body::Body;
use proxima_infra::template::{TEMPLATE_YAML, document, http_routes};
use proxima_tests::spawn_app;
use std::collections::BTreeSet;
use tower::ServiceExt;

/// (function binary, method, path) of every HttpApi event in the template.
fn template_routes() -> Vec<(String, String, String)> {
    http_routes(&document(TEMPLATE_YAML).unwrap())
        .unwrap()
        .into_iter()
        .map(|r| (r.binary, r.method, r.path))
        .collect()
}

fn concrete(path: &str) -> String {
    path.replace("{key}", "ACME")
        .replace("{id}", "00000000-0000-0000-0000-000000000001")
}

/// Not "no such route" and not "wrong method".
fn routed(status: u16, body: &serde_json::Value) -> bool {
    status != 405 && !(status == 404 && body["error"]["message"] == "route not found")
}

#[tokio::test]
async fn template_local_server_and_openapi_agree() {
    let app = spawn_app().await;
    let template: BTreeSet<(String, String)> = template_routes()
        .into_iter()
        .map(|(_, m, p)| (m, p))
        .collect();
    assert!(template.len() >= 17, "{template:?}");

    let openapi = proxima_infra::api::openapi();
    let mut documented = BTreeSet::new();
    let json = serde_json::to_value(&openapi).unwrap();
    for (path, item) in json["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    assert_eq!(
        template, documented,
        "template.yaml and the OpenAPI document list the same routes"
    );

    for (method, path) in &template {
        let reply = app
            .send(
                app.request(method.parse().unwrap(), &concrete(path), None)
                    .header("content-type", "application/json")
                    .body("{}"),
            )
            .await;
        assert!(
            routed(reply.status, &reply.body),
            "local server does not serve {method} {path}: {}",
            reply.status
        );
    }
}

/// The router of a function binary, with the shared layers, as its Lambda serves it.
fn router_of(s: &proxima::state::AppState, binary: &str) -> axum::Router {
    let r = match binary {
        "health" => fn_health::router(s.clone()),
        "auth" => fn_auth::router(s.clone()),
        "clients" => fn_clients::router(s.clone()),
        "invoices" => fn_invoices::router(s.clone()),
        "einvoice" => fn_einvoice::router(s.clone()),
        other => panic!("no router for {other}"),
    };
    proxima::http::with_layers(r, &s.config)
}

/// Status and JSON body of `method path` (with an empty JSON body) sent to `router`.
async fn answer(router: axum::Router, method: &str, path: &str) -> (u16, serde_json::Value) {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(concrete(path))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = serde_json::from_slice(
        &axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap(),
    )
    .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn each_route_is_served_by_its_own_function() {
    let app = spawn_app().await;
    for (binary, method, path) in template_routes() {
        let (status, body) = answer(router_of(&app.state, &binary), &method, &path).await;
        assert!(
            routed(status, &body),
            "{binary} does not serve {method} {path}: {status}"
        );
    }
}

/// What API Gateway routes to one function no other function serves: a route moved to a
/// function of its own (the e-invoices) is gone from where it was.
#[tokio::test]
async fn no_function_serves_another_ones_routes() {
    let app = spawn_app().await;
    let routes = template_routes();
    let binaries: BTreeSet<&str> = routes.iter().map(|(b, _, _)| b.as_str()).collect();
    assert!(binaries.contains("einvoice"), "{binaries:?}");
    for (owner, method, path) in &routes {
        for other in binaries.iter().filter(|b| **b != owner) {
            let (status, body) = answer(router_of(&app.state, other), method, path).await;
            assert!(
                !routed(status, &body),
                "{other} also serves {method} {path} (the template gives it to {owner}): {status}"
            );
        }
    }
}
