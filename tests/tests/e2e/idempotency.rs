//! `Idempotency-Key` end to end: a keyed write is done once and its first answer replayed
//! byte for byte; a reused key with another body is 422; keys are per user; concurrent
//! requests with one key do the work once; bad keys are 400; records expire.

use chrono::{Duration, Utc};
use futures::future::join_all;
use proxima::domain::Role;
use proxima::domain::idempotency::{
    Claim, IdempotencyRecord, IdempotencyScope, LEASE_SECS, StoredResponse, TTL_SECS,
};
use proxima_tests::{TestApp, last_month, spawn_app};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::Instant;

const KEY: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";

/// A raw answer: status, headers and the body's exact bytes.
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn replayed(&self) -> bool {
        self.header(REPLAYED) == Some("true")
    }
}

async fn raw(req: reqwest::RequestBuilder) -> Raw {
    let res = req.send().await.expect("request");
    Raw {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        body: res.bytes().await.expect("body").to_vec(),
    }
}

async fn seeded() -> (TestApp, String) {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    (app, token)
}

fn generate_body(client: &str) -> Value {
    json!({"client_key": client, "period": last_month().to_string()})
}

async fn generate(app: &TestApp, token: &str, key: &str, client: &str) -> Raw {
    raw(app
        .request(Method::POST, "/api/v1/invoices/generate", Some(token))
        .header(KEY, key)
        .json(&generate_body(client)))
    .await
}

async fn finalize(app: &TestApp, token: &str, key: &str, id: &str) -> Raw {
    raw(app
        .request(
            Method::POST,
            &format!("/api/v1/invoices/{id}/finalize"),
            Some(token),
        )
        .header(KEY, key))
    .await
}

async fn bulk(app: &TestApp, token: &str, key: &str) -> Raw {
    raw(app
        .request(Method::POST, "/api/v1/invoices/generate-bulk", Some(token))
        .header(KEY, key)
        .json(&json!({"period": last_month().to_string()})))
    .await
}

async fn invoice_total(app: &TestApp, token: &str, query: &str) -> u64 {
    let list = app
        .get(&format!("/api/v1/invoices?{query}"), Some(token))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["meta"]["total"].as_u64().expect("total")
}

fn report(race: &str, outcome: String, started: Instant) {
    println!(
        "concurrency | {race:<30} | {outcome} | {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

#[tokio::test]
async fn generate_twice_with_a_key_creates_one_invoice_and_replays_the_same_bytes() {
    let (app, token) = seeded().await;
    let key = uuid::Uuid::new_v4().to_string();
    let first = generate(&app, &token, &key, "VOSTOK").await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert!(!first.replayed());
    let second = generate(&app, &token, &key, "VOSTOK").await;
    assert_eq!(second.status, 201);
    assert!(second.replayed(), "{:?}", second.headers);
    assert_eq!(second.body, first.body, "byte-identical body");
    for h in ["content-type", "etag"] {
        assert!(first.header(h).is_some(), "{h}");
        assert_eq!(second.header(h), first.header(h), "{h}");
    }
    // The replay is a new request: its own request id.
    assert_ne!(second.header("x-request-id"), first.header("x-request-id"));
    assert_eq!(invoice_total(&app, &token, "client_key=VOSTOK").await, 1);
    // Without the key, the work is attempted again and the domain refuses it.
    let again = app.generate(&token, "VOSTOK").await;
    again.assert_error(409, "CONFLICT");
}

#[tokio::test]
async fn finalize_twice_with_a_key_returns_the_same_number_and_answer() {
    let (app, token) = seeded().await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().expect("id");
    let key = "finalize-acme-1";
    let first = finalize(&app, &token, key, id).await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let number = first.json()["data"]["number"].clone();
    let year = proxima_tests::issue_year(&first.json()["data"]);
    assert_eq!(number, format!("INV-{year}-00001"));
    let second = finalize(&app, &token, key, id).await;
    assert_eq!(second.status, 200);
    assert!(second.replayed());
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), first.header("etag"));
    // Nothing was finalized twice: the next number is still 00002.
    let other = app.draft(&token, "GULZOR").await;
    let next = app
        .finalize(&token, other["id"].as_str().expect("id"))
        .await;
    assert_eq!(
        next.body["data"]["number"],
        proxima_tests::next_number(&next.body["data"], year, 1)
    );
    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    assert_eq!(history.body["meta"]["total"], 2, "created + one finalize");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422_and_does_nothing() {
    let (app, token) = seeded().await;
    let key = "reused-key";
    assert_eq!(generate(&app, &token, key, "VOSTOK").await.status, 201);
    let reused = app
        .send(
            app.request(Method::POST, "/api/v1/invoices/generate", Some(&token))
                .header(KEY, key)
                .json(&generate_body("GULZOR")),
        )
        .await;
    reused.assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    assert!(
        reused.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Idempotency-Key")),
        "{}",
        reused.body
    );
    assert_eq!(invoice_total(&app, &token, "client_key=GULZOR").await, 0);
}

#[tokio::test]
async fn one_key_of_two_users_is_two_independent_keys() {
    let (app, alice) = seeded().await;
    let bob = app.token(Role::Accountant).await;
    let key = "shared-key";
    let a = generate(&app, &alice, key, "VOSTOK").await;
    assert_eq!(a.status, 201);
    // Bob's same key with another body is not a reuse of Alice's key ...
    let b = generate(&app, &bob, key, "GULZOR").await;
    assert_eq!(b.status, 201, "{}", String::from_utf8_lossy(&b.body));
    assert!(!b.replayed());
    // ... and with Alice's body, Bob's request runs (and meets the domain's guard), it is
    // not handed Alice's answer.
    let c = generate(&app, &bob, "another", "VOSTOK").await;
    assert_eq!(c.status, 409);
    assert!(!c.replayed());
    assert_eq!(invoice_total(&app, &alice, "").await, 2);
}

#[tokio::test]
async fn one_key_on_two_routes_is_two_keys() {
    let (app, token) = seeded().await;
    let key = "route-scoped";
    assert_eq!(generate(&app, &token, key, "VOSTOK").await.status, 201);
    let b = bulk(&app, &token, key).await;
    assert_eq!(b.status, 200, "{}", String::from_utf8_lossy(&b.body));
    assert!(!b.replayed());
}

#[tokio::test]
async fn twenty_concurrent_bulk_runs_with_one_key_do_the_work_once() {
    let (app, token) = seeded().await;
    app.seed_clients_with_work(5).await;
    let key = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let replies = join_all((0..20).map(|_| bulk(&app, &token, &key))).await;
    let fresh: Vec<&Raw> = replies
        .iter()
        .filter(|r| r.status == 200 && !r.replayed())
        .collect();
    let replayed: Vec<&Raw> = replies.iter().filter(|r| r.replayed()).collect();
    let in_progress: Vec<&Raw> = replies.iter().filter(|r| r.status == 409).collect();
    report(
        "generate-bulk, one key x20",
        format!(
            "{} ran, {} replayed, {} in progress of 20",
            fresh.len(),
            replayed.len(),
            in_progress.len()
        ),
        started,
    );
    assert_eq!(fresh.len(), 1, "exactly one request did the work");
    assert_eq!(fresh.len() + replayed.len() + in_progress.len(), 20);
    for r in &replayed {
        assert_eq!(r.status, 200);
        assert_eq!(r.body, fresh[0].body);
    }
    for r in &in_progress {
        assert_eq!(r.header("retry-after"), Some("1"));
        let body = r.json();
        assert_eq!(body["error"]["code"], "CONFLICT");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("in progress"))
        );
    }
    let created = fresh[0].json()["data"]["created"]
        .as_array()
        .expect("created")
        .len() as u64;
    assert!(created >= 5, "{created}");
    assert_eq!(invoice_total(&app, &token, "").await, created);
    // Once the first has finished, a repeat is the replay.
    let after = bulk(&app, &token, &key).await;
    assert!(after.replayed());
    assert_eq!(after.body, fresh[0].body);
}

#[tokio::test]
async fn twenty_concurrent_finalizes_with_one_key_finalize_once() {
    let (app, token) = seeded().await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().expect("id").to_string();
    let started = Instant::now();
    let replies = join_all((0..20).map(|_| finalize(&app, &token, "fin-once", &id))).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let replayed = replies.iter().filter(|r| r.replayed()).count();
    let in_progress = replies.iter().filter(|r| r.status == 409).count();
    report(
        "finalize, one key x20",
        format!("{ok} ok ({replayed} replayed), {in_progress} in progress of 20"),
        started,
    );
    assert_eq!(ok - replayed, 1);
    assert_eq!(ok + in_progress, 20);
    let numbers: std::collections::BTreeSet<String> = replies
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.json()["data"]["number"].as_str().expect("number").into())
        .collect();
    assert_eq!(numbers.len(), 1, "{numbers:?}");
}

#[tokio::test]
async fn malformed_keys_are_400_naming_the_header() {
    let (app, token) = seeded().await;
    let too_long = "k".repeat(256);
    let values: Vec<reqwest::header::HeaderValue> = vec![
        reqwest::header::HeaderValue::from_static(""),
        reqwest::header::HeaderValue::from_str(&too_long).expect("ascii"),
        reqwest::header::HeaderValue::from_bytes("oʻzbek".as_bytes()).expect("opaque bytes"),
        reqwest::header::HeaderValue::from_bytes(b"tab\there").expect("tab"),
    ];
    for value in values {
        let reply = app
            .send(
                app.request(Method::POST, "/api/v1/invoices/generate", Some(&token))
                    .header(KEY, value.clone())
                    .json(&generate_body("VOSTOK")),
            )
            .await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(
            reply.body["error"]["details"][0]["field"], "Idempotency-Key",
            "{value:?}: {}",
            reply.body
        );
    }
    // The longest key is fine.
    assert_eq!(
        generate(&app, &token, &"k".repeat(255), "VOSTOK")
            .await
            .status,
        201
    );
    // Without a valid token the answer is 401, whatever the key.
    let anonymous = app
        .send(
            app.request(Method::POST, "/api/v1/invoices/generate", None)
                .header(KEY, "")
                .json(&generate_body("VOSTOK")),
        )
        .await;
    anonymous.assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn refusals_are_remembered_but_a_viewer_403_is_not() {
    let (app, token) = seeded().await;
    // A 404 (no such client) is an answer about the request: replayed.
    let first = generate(&app, &token, "missing-client", "NOPE").await;
    assert_eq!(first.status, 404);
    let second = generate(&app, &token, "missing-client", "NOPE").await;
    assert_eq!(second.status, 404);
    assert!(second.replayed());
    assert_eq!(second.body, first.body);
    // A viewer's 403 is about the caller, not the request: not remembered.
    let viewer = app.token(Role::Viewer).await;
    for _ in 0..2 {
        let r = generate(&app, &viewer, "viewer-key", "VOSTOK").await;
        assert_eq!(r.status, 403);
        assert!(!r.replayed());
    }
}

#[tokio::test]
async fn records_expire_after_a_day_and_abandoned_claims_after_their_lease() {
    let app = spawn_app().await;
    let store = app.state.idempotency.clone();
    let scope = IdempotencyScope {
        user: "someone@proxima.test".into(),
        hash: "ab".repeat(32),
    };
    let t0 = Utc::now();
    let Claim::Claimed { claim_id } = store.claim(&scope, "fp", t0).await.expect("claim") else {
        panic!("a fresh key is claimed");
    };
    // Within the lease the claim holds.
    let held = store
        .claim(&scope, "fp", t0 + Duration::seconds(LEASE_SECS - 1))
        .await
        .expect("claim");
    assert_eq!(
        held,
        Claim::Taken(IdempotencyRecord::InProgress {
            fingerprint: "fp".into()
        })
    );
    // After it, an abandoned claim is taken over; the first owner can no longer complete.
    let Claim::Claimed { claim_id: second } = store
        .claim(&scope, "fp", t0 + Duration::seconds(LEASE_SECS + 1))
        .await
        .expect("claim")
    else {
        panic!("an abandoned claim is taken over");
    };
    let response = StoredResponse {
        status: 201,
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{\"data\":1}".to_vec(),
    };
    assert!(
        store
            .complete(&scope, &claim_id, &response, t0)
            .await
            .is_err()
    );
    store
        .complete(&scope, &second, &response, t0)
        .await
        .expect("complete");
    let found = store.get(&scope, t0).await.expect("get");
    assert_eq!(
        found,
        Some(IdempotencyRecord::Completed {
            fingerprint: "fp".into(),
            response
        })
    );
    // A completed record does not expire with the lease, but does 24 h after its (second)
    // claim, before TTL has deleted it.
    let later = t0 + Duration::seconds(LEASE_SECS * 10);
    assert!(matches!(
        store.claim(&scope, "fp", later).await.expect("claim"),
        Claim::Taken(IdempotencyRecord::Completed { .. })
    ));
    let expired = t0 + Duration::seconds(LEASE_SECS + 1 + TTL_SECS);
    assert_eq!(store.get(&scope, expired).await.expect("get"), None);
    assert!(matches!(
        store.claim(&scope, "other", expired).await.expect("claim"),
        Claim::Claimed { .. }
    ));
    // Releasing gives the key back at once.
    let mut released = scope.clone();
    released.hash = "cd".repeat(32);
    let Claim::Claimed { claim_id } = store.claim(&released, "fp", t0).await.expect("claim") else {
        panic!("fresh");
    };
    store.release(&released, &claim_id).await.expect("release");
    assert_eq!(store.get(&released, t0).await.expect("get"), None);
}
