//! The event-driven functions and the Lambda entry points, fed with real event JSON:
//! API Gateway HTTP API (v2) requests through each function's router exactly as
//! `lambda_http` hands them over, and S3 uploads under `imports/`. Month-end through its
//! queue: `month_end_queue.rs`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use http_body_util_shim::body_json;
use proxima::domain::{Period, Role};
use proxima_tests::{TestApp, spawn_app};
use serde_json::{Value, json};
use tower::ServiceExt;

mod http_body_util_shim {
    use axum::body::Body;
    use serde_json::Value;

    pub async fn body_json(body: Body) -> Value {
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }
}

/// An API Gateway HTTP API payload v2 event as AWS sends it.
fn apigw_event(
    method: &str,
    route: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<&[u8]>,
    path_params: Value,
) -> String {
    let query_params: serde_json::Map<String, Value> = url_pairs(query);
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {route}"),
        "rawPath": path,
        "rawQueryString": query,
        "cookies": [],
        "headers": headers,
        "queryStringParameters": if query_params.is_empty() { Value::Null } else { Value::Object(query_params) },
        "pathParameters": path_params,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "api-invoice.prxm.uz",
            "domainPrefix": "api-invoice",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "curl/8"},
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": format!("{method} {route}"),
            "stage": "$default",
            "time": "01/Nov/2026:04:00:00 +0000",
            "timeEpoch": 1793592000000u64
        },
        "body": body.map(|b| STANDARD.encode(b)),
        "isBase64Encoded": body.is_some(),
        "stageVariables": null
    })
    .to_string()
}

fn url_pairs(query: &str) -> serde_json::Map<String, Value> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

/// Run an event through `router` the way `lambda_http` does.
async fn invoke(router: axum::Router, event: &str) -> (u16, Value) {
    let request = lambda_http::request::from_str(event).expect("a valid API Gateway v2 event");
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    (status, body_json(response.into_body()).await)
}

fn layered(app: &TestApp, router: axum::Router) -> axum::Router {
    proxima::http::with_layers(router, &app.state.config)
}

#[tokio::test]
async fn api_gateway_v2_events_reach_every_function() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let (email, password) = app.add_user(Role::Accountant).await;

    // auth: a base64-encoded JSON body, as API Gateway delivers it.
    let body = json!({"email": email, "password": password}).to_string();
    let event = apigw_event(
        "POST",
        "/api/v1/auth/login",
        "/api/v1/auth/login",
        "",
        json!({"content-type": "application/json", "x-request-id": "evt-1"}),
        Some(body.as_bytes()),
        Value::Null,
    );
    let (status, login) = invoke(layered(&app, fn_auth::router(app.state.clone())), &event).await;
    assert_eq!(status, 200, "{login}");
    let token = login["data"]["token"].as_str().unwrap().to_string();
    let auth = json!({"authorization": format!("Bearer {token}")});

    // health
    let (status, health) = invoke(
        layered(&app, fn_health::router(app.state.clone())),
        &apigw_event(
            "GET",
            "/readyz",
            "/readyz",
            "",
            json!({}),
            None,
            Value::Null,
        ),
    )
    .await;
    assert_eq!(status, 200, "{health}");

    // clients: path parameters and a query string.
    let period = Period::containing(Utc::now().date_naive()).previous();
    let event = apigw_event(
        "GET",
        "/api/v1/clients/{key}/worklogs",
        "/api/v1/clients/GULZOR/worklogs",
        &format!("period={period}&per_page=5&page=2"),
        auth.clone(),
        None,
        json!({"key": "GULZOR"}),
    );
    let (status, page) = invoke(layered(&app, fn_clients::router(app.state.clone())), &event).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["meta"]["page"], 2);
    assert_eq!(page["meta"]["per_page"], 5);
    assert_eq!(page["data"].as_array().unwrap().len(), 5);

    // invoices: a POST with a body, then a route the function does not have.
    let body = json!({"client_key": "GULZOR", "period": period.to_string()}).to_string();
    let mut headers = auth.clone();
    headers["content-type"] = json!("application/json");
    let event = apigw_event(
        "POST",
        "/api/v1/invoices/generate",
        "/api/v1/invoices/generate",
        "",
        headers,
        Some(body.as_bytes()),
        Value::Null,
    );
    let invoices = layered(&app, fn_invoices::router(app.state.clone()));
    let (status, created) = invoke(invoices.clone(), &event).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["data"]["client"]["name"],
        "Gʻulzor Toʻqimachilik MChJ"
    );
    let (status, missing) = invoke(
        invoices,
        &apigw_event(
            "GET",
            "$default",
            "/api/v1/nothing",
            "",
            auth,
            None,
            Value::Null,
        ),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(missing["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn an_uploaded_csv_is_imported_once_with_a_report_beside_it() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let key = "imports/Tempo export Oct.csv";
    let csv = include_bytes!("../../fixtures/tempo-worklogs.csv");
    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(key)
        .body(csv.to_vec().into())
        .send()
        .await
        .unwrap();
    // S3 encodes the key in the event.
    let event: aws_lambda_events::event::s3::S3Event = serde_json::from_value(json!({
        "Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-central-1",
            "eventTime": "2026-11-01T04:00:00.000Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:EXAMPLE"},
            "requestParameters": {"sourceIPAddress": "203.0.113.7"},
            "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
            "s3": {
                "s3SchemaVersion": "1.0", "configurationId": "imports",
                "bucket": {"name": app.bucket, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": format!("arn:aws:s3:::{}", app.bucket)},
                "object": {"key": "imports/Tempo+export+Oct.csv", "size": csv.len(), "eTag": "0123456789abcdef", "sequencer": "0A1B2C3D4E5F678901"}
            }
        }]
    }))
    .unwrap();
    let token = app.token(Role::Viewer).await;
    let before = october_total(&app, &token).await;

    let done = fn_import::handle(&app.state, &event).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, key);
    assert_eq!(done[0].1.imported, 4);
    assert_eq!(october_total(&app, &token).await, before + 4);

    let report = app
        .s3
        .get_object()
        .bucket(&app.bucket)
        .key(format!("{key}.report.json"))
        .send()
        .await
        .unwrap();
    let report: Value =
        serde_json::from_slice(&report.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(report["imported"], 4);
    assert_eq!(report["rejected"].as_array().unwrap().len(), 3);
    assert_eq!(report["rejected"][2]["line"], 7);

    // The same event again (S3 delivers at least once): nothing doubles.
    fn_import::handle(&app.state, &event).await.unwrap();
    assert_eq!(october_total(&app, &token).await, before + 4);
}

async fn october_total(app: &TestApp, token: &str) -> u64 {
    app.get(
        "/api/v1/clients/ACME/worklogs?from=2026-10-01&to=2026-10-31&per_page=100",
        Some(token),
    )
    .await
    .body["meta"]["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_large_upload_is_imported_as_a_stream_with_every_rejected_row_counted() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let key = "imports/tempo-march.csv";
    let rows = 3000;
    let mut csv =
        String::from("\u{feff}Worklog Id,Account Key,Work date,Full name,Issue Key,Hours\n");
    for i in 0..rows {
        let (account, date) = match i % 10 {
            0 => ("NOPE", "2025-03-03"),
            1 => ("ACME", "03/03/2025"),
            _ => ("ACME", "2025-03-03"),
        };
        csv.push_str(&format!("{i},{account},{date},Ann,ACME-{},1.5\n", i % 7));
    }
    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(key)
        .body(csv.into_bytes().into())
        .send()
        .await
        .unwrap();
    let event: aws_lambda_events::event::s3::S3Event = serde_json::from_value(json!({
        "Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-11-01T04:00:00.000Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:EXAMPLE"},
            "requestParameters": {"sourceIPAddress": "203.0.113.7"},
            "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"},
            "s3": {
                "s3SchemaVersion": "1.0", "configurationId": "imports",
                "bucket": {"name": app.bucket, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": format!("arn:aws:s3:::{}", app.bucket)},
                "object": {"key": key, "size": 1, "eTag": "0", "sequencer": "0"}
            }
        }]
    }))
    .unwrap();

    let done = fn_import::handle(&app.state, &event).await.unwrap();
    let report = &done[0].1;
    assert_eq!(report.rows, rows);
    assert_eq!(report.imported, rows / 10 * 8);
    assert_eq!(report.rejected_total, rows / 10 * 2);
    let stored = app
        .s3
        .get_object()
        .bucket(&app.bucket)
        .key(format!("{key}.report.json"))
        .send()
        .await
        .unwrap();
    let stored: Value =
        serde_json::from_slice(&stored.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(stored["rejected_total"], rows / 10 * 2);
    let details = stored["rejected"].as_array().unwrap();
    assert_eq!(
        details.len() as u64,
        rows / 10 * 2,
        "all detailed: under the cap"
    );
    assert_eq!(details[0]["line"], 2, "in file order");
    assert!(
        details[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown client")
    );
    assert!(
        details[1]["message"]
            .as_str()
            .unwrap()
            .contains("YYYY-MM-DD")
    );

    let token = app.token(Role::Viewer).await;
    let march = app
        .get(
            "/api/v1/clients/ACME/worklogs?period=2025-03&per_page=1",
            Some(&token),
        )
        .await;
    assert_eq!(march.body["meta"]["total"], rows / 10 * 8);
}
