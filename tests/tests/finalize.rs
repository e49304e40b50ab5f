//! Finalize with gapless numbering, the PDF in S3, presigned downloads, and what happens
//! under races and S3 outages.

use chrono::{Datelike, Utc};
use futures::future::join_all;
use proxima::domain::{Period, Role};
use proxima_infra::emulator::Emulator;
use proxima_tests::{Reply, TestApp, spawn_app, spawn_app_on};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn last_month() -> Period {
    Period::containing(Utc::now().date_naive()).previous()
}

async fn draft(app: &TestApp, token: &str, client: &str) -> Value {
    let reply = app
        .post_json(
            "/api/v1/invoices/generate",
            &json!({"client_key": client, "period": last_month().to_string()}),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["data"].clone()
}

async fn finalize(app: &TestApp, token: &str, id: &str) -> Reply {
    app.send(app.request(
        Method::POST,
        &format!("/api/v1/invoices/{id}/finalize"),
        Some(token),
    ))
    .await
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn pdf_text(bytes: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    (pages.len(), doc.extract_text(&pages).unwrap_or_default())
}

/// Import `n` clients, each with one billable worklog last month.
async fn many_clients(app: &TestApp, n: usize) -> Vec<String> {
    let keys: Vec<String> = (0..n).map(|i| format!("RACE{i:02}")).collect();
    let clients: Vec<Value> = keys
        .iter()
        .map(|k| json!({"key": k, "name": format!("Client {k}"), "email": "a@b.example",
            "address": {"line1": "1", "city": "Toshkent", "country": "UZ"}, "currency": "USD",
            "hourly_rate": "50", "tax_rate": "12", "payment_terms_days": 10, "timezone": "Asia/Tashkent"}))
        .collect();
    proxima::import::import_clients(
        serde_json::to_vec(&clients).unwrap().as_slice(),
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .unwrap();
    let day = last_month().first_day();
    let mut csv = String::from("client_key,date,author,issue_key,minutes\n");
    for k in &keys {
        csv.push_str(&format!("{k},{day},Ann,{k}-1,90\n"));
    }
    proxima::import::import_worklogs(
        csv.as_bytes(),
        app.state.clients.as_ref(),
        app.state.worklogs.as_ref(),
    )
    .await
    .unwrap();
    keys
}

#[tokio::test]
async fn finalize_numbers_renders_stores_and_freezes_the_invoice() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let inv = draft(&app, &token, "VOSTOK").await;
    let id = inv["id"].as_str().unwrap();

    // A draft has no PDF yet.
    app.get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await
        .assert_error(409, "CONFLICT");

    let done = finalize(&app, &token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let data = &done.body["data"];
    let year = inv["issue_date"].as_str().unwrap()[..4].to_string();
    assert_eq!(data["number"], format!("INV-{year}-00001"));
    assert_eq!(data["status"], "finalized");
    assert_eq!(data["version"], 2);
    assert!(data["finalized_at"].is_string());
    assert_eq!(data["line_items"], inv["line_items"], "lines unchanged");
    assert_eq!(data["total"], inv["total"]);
    let sha = data["pdf"]["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);

    // Frozen: a second finalize and every write are 409.
    finalize(&app, &token, id)
        .await
        .assert_error(409, "CONFLICT");
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}"),
            json!({"notes": "late"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}/line-items"),
            json!({"remove": [data["line_items"][0]["id"]]}),
        ),
        (
            Method::PUT,
            format!("/api/v1/invoices/{id}/regenerate"),
            json!({}),
        ),
    ] {
        let reply = app
            .send(
                app.request(method, &path, Some(&token))
                    .header("if-match", "2")
                    .json(&body),
            )
            .await;
        reply.assert_error(409, "CONFLICT");
    }
    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    assert_eq!(history.body["data"][0]["action"], "finalized");
    assert_eq!(
        history.body["data"][0]["changes"][1]["to"],
        format!("INV-{year}-00001")
    );

    // The download: presigned, at most 15 minutes, the recorded bytes, readable text.
    let viewer = app.token(Role::Viewer).await;
    let link = app
        .get(&format!("/api/v1/invoices/{id}/pdf"), Some(&viewer))
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    let dl = &link.body["data"];
    assert_eq!(dl["filename"], format!("INV-{year}-00001.pdf"));
    assert_eq!(dl["sha256"], sha.as_str());
    let expires: chrono::DateTime<Utc> = dl["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires <= Utc::now() + chrono::Duration::minutes(15));
    let url = dl["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    let file = reqwest::get(url).await.unwrap();
    assert_eq!(file.status(), 200);
    let bytes = file.bytes().await.unwrap();
    assert_eq!(hex_sha256(&bytes), sha);
    assert_eq!(dl["size_bytes"], bytes.len());
    let (pages, text) = pdf_text(&bytes);
    assert_eq!(pages, 1);
    assert!(text.contains(&format!("INV-{year}-00001")), "{text}");
    assert!(text.contains("Восток Логистик"), "{text}");
    assert!(text.contains("Page 1 of 1"));

    let redirect = app
        .send(app.request(
            Method::GET,
            &format!("/api/v1/invoices/{id}/pdf?redirect=true"),
            Some(&viewer),
        ))
        .await;
    assert_eq!(redirect.status, 302);
    assert!(
        redirect
            .headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("X-Amz-Signature")
    );
}

#[tokio::test]
async fn empty_invoices_cannot_be_finalized() {
    let app = spawn_app().await;
    let keys = many_clients(&app, 1).await;
    let token = app.token(Role::Accountant).await;
    let inv = draft(&app, &token, &keys[0]).await;
    let id = inv["id"].as_str().unwrap();
    let line = inv["line_items"][0]["id"].clone();
    let emptied = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("if-match", "1")
            .json(&json!({"remove": [line]})),
        )
        .await;
    assert_eq!(emptied.status, 200);
    let reply = finalize(&app, &token, id).await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "line_items");
    let viewer = app.token(Role::Viewer).await;
    finalize(&app, &viewer, id)
        .await
        .assert_error(403, "FORBIDDEN");
    let stale = app
        .send(
            app.request(
                Method::POST,
                &format!("/api/v1/invoices/{id}/finalize"),
                Some(&token),
            )
            .header("if-match", "1"),
        )
        .await;
    stale.assert_error(409, "CONFLICT");
}

#[tokio::test]
async fn fifty_concurrent_finalizes_of_one_draft_succeed_once() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let inv = draft(&app, &token, "ACME").await;
    let id = inv["id"].as_str().unwrap();

    let replies = join_all((0..50).map(|_| finalize(&app, &token, id))).await;

    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    let conflicts = replies.iter().filter(|r| r.status == 409).count();
    println!(
        "finalize race (one draft): {} succeeded, {conflicts} conflicts of 50",
        ok.len()
    );
    assert_eq!((ok.len(), conflicts), (1, 49));
    let year = Utc::now().year();
    assert_eq!(ok[0].body["data"]["number"], format!("INV-{year}-00001"));
    // The next finalize anywhere gets 00002: nothing was consumed by the losers.
    let other = draft(&app, &token, "GULZOR").await;
    let next = finalize(&app, &token, other["id"].as_str().unwrap()).await;
    assert_eq!(next.body["data"]["number"], format!("INV-{year}-00002"));
}

#[tokio::test]
async fn thirty_concurrent_finalizes_get_contiguous_unique_numbers() {
    let app = spawn_app().await;
    let keys = many_clients(&app, 30).await;
    let token = app.token(Role::Accountant).await;
    let mut ids = Vec::new();
    for k in &keys {
        ids.push(
            draft(&app, &token, k).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }

    let started = std::time::Instant::now();
    let replies = join_all(ids.iter().map(|id| finalize(&app, &token, id))).await;
    let elapsed = started.elapsed();

    assert!(
        replies.iter().all(|r| r.status == 200),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let mut numbers: Vec<u64> = replies
        .iter()
        .map(|r| {
            r.body["data"]["number"].as_str().unwrap()[9..]
                .parse()
                .unwrap()
        })
        .collect();
    numbers.sort();
    println!(
        "numbering under load: 30 finalizes in {:.2} s",
        elapsed.as_secs_f64()
    );
    assert_eq!(
        numbers,
        (1..=30).collect::<Vec<u64>>(),
        "contiguous, no duplicates, no gaps"
    );
}

#[tokio::test]
async fn an_s3_outage_never_half_finalizes_and_the_pdf_comes_later() {
    let mut s3 = Emulator::start(None).expect("S3 emulator");
    let s3_endpoint = s3.endpoint();
    let app = spawn_app_on(&proxima_tests::shared_emulator().endpoint(), |c| {
        c.s3_endpoint_url = Some(s3_endpoint.clone());
    })
    .await;
    let s3_client =
        proxima::store::aws::s3_client(&proxima::store::aws::sdk_config(Some(&s3_endpoint)).await);
    proxima_infra::provision::ensure_bucket(&s3_client, &app.bucket)
        .await
        .unwrap();
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let inv = draft(&app, &token, "NORDLICHT").await;
    let id = inv["id"].as_str().unwrap();

    s3.stop();
    let done = finalize(&app, &token, id).await;

    assert_eq!(
        done.status, 200,
        "finalize does not depend on S3: {}",
        done.body
    );
    let stored = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(stored.body["data"]["status"], "finalized");
    assert!(stored.body["data"]["number"].is_string());
    let sha = stored.body["data"]["pdf"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");

    // S3 back (empty): the PDF is rendered again, stored, and is the same document.
    let _s3_back = Emulator::start(Some(s3.port())).expect("S3 back");
    proxima_infra::provision::ensure_bucket(&s3_client, &app.bucket)
        .await
        .unwrap();
    let link = app
        .get(&format!("/api/v1/invoices/{id}/pdf"), Some(&token))
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    let bytes = reqwest::get(link.body["data"]["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex_sha256(&bytes),
        sha,
        "re-rendered bytes equal the recorded ones"
    );
}
