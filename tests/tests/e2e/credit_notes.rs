//! Credit notes end to end: issue (full and partial) against finalized invoices with gapless
//! `CN-YYYY-NNNNN` numbers, the limit (never more than the invoice total, also under races),
//! the invoice's amounts and history, the PDF in S3 (recorded hash, re-rendered identically
//! when lost), the list with its filters, roles, and `Idempotency-Key` replays.

use futures::future::join_all;
use proxima::domain::Role;
use proxima_tests::{Reply, TestApp, pdf_text, spawn_app};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::str::FromStr;
use std::time::Instant;

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().expect("a decimal string")).expect("a decimal")
}

fn report(race: &str, outcome: String, started: Instant) {
    println!(
        "concurrency | {race:<30} | {outcome} | {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// An app with `n` finalized invoices (clients `RACE00`..., USD, 1.5 h at 50, 12% tax:
/// total 84.00 each) and an accountant's token.
async fn finalized(n: usize) -> (TestApp, String, Vec<Value>) {
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(n).await;
    let token = app.token(Role::Accountant).await;
    let mut invoices = Vec::new();
    for k in &keys {
        let draft = app.draft(&token, k).await;
        let done = app
            .finalize(&token, draft["id"].as_str().expect("id"))
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.body["data"]["total"], "84.00");
        invoices.push(done.body["data"].clone());
    }
    (app, token, invoices)
}

async fn credit(app: &TestApp, token: &str, invoice_id: &str, body: impl Into<Value>) -> Reply {
    app.post_json(
        &format!("/api/v1/invoices/{invoice_id}/credit-notes"),
        &body.into(),
        Some(token),
    )
    .await
}

fn partial(hours: &str, price: &str) -> Value {
    json!({"reason": "Hours billed twice",
           "lines": [{"description": "Duplicate hours", "quantity": hours, "unit_price": price}]})
}

fn full() -> Value {
    json!({"reason": "Invoice sent to the wrong client", "full": true})
}

async fn note_total(app: &TestApp, token: &str, query: &str) -> u64 {
    let list = app
        .get(&format!("/api/v1/credit-notes{query}"), Some(token))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["meta"]["total"].as_u64().expect("total")
}

#[tokio::test]
async fn a_full_credit_numbers_the_note_and_leaves_nothing_due() {
    let (app, token, invoices) = finalized(1).await;
    let inv = &invoices[0];
    let id = inv["id"].as_str().unwrap();

    let reply = credit(&app, &token, id, full()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let note = &reply.body["data"]["credit_note"];
    let year = &note["issue_date"].as_str().unwrap()[..4];
    assert_eq!(note["number"], format!("CN-{year}-00001"));
    assert_eq!(note["invoice_id"], id);
    assert_eq!(note["invoice_number"], inv["number"]);
    assert_eq!(note["total"], "84.00");
    assert_eq!(note["subtotal"], inv["subtotal"]);
    assert_eq!(note["lines"].as_array().unwrap().len(), 1);
    assert_eq!(note["pdf"]["sha256"].as_str().unwrap().len(), 64);
    let after = &reply.body["data"]["invoice"];
    assert_eq!(after["amount_credited"], "84.00");
    assert_eq!(after["amount_due"], "0.00");
    assert_eq!(after["status"], "paid");
    assert_eq!(after["version"], 3);

    // The stored invoice says the same.
    let stored = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(stored.body["data"]["amount_credited"], "84.00");
    assert_eq!(stored.body["data"]["status"], "paid");

    // Its history names the note and the amounts.
    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    let entry = &history.body["data"][0];
    assert_eq!(entry["action"], "credit_note_issued", "{}", history.body);
    assert_eq!(entry["version"], 3);
    let changes = entry["changes"].as_array().unwrap();
    let change = |field: &str| {
        changes
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("{field} in {entry}"))
            .clone()
    };
    assert_eq!(change("credit_note")["to"]["id"], note["id"]);
    assert_eq!(change("credit_note")["to"]["number"], note["number"]);
    assert_eq!(change("amount_credited")["from"], "0.00");
    assert_eq!(change("amount_credited")["to"], "84.00");
    assert_eq!(change("status")["to"], "paid");

    // Nothing remains: another credit, full or partial, is refused on `lines`.
    for body in [full(), partial("0.01", "1")] {
        let again = credit(&app, &token, id, body).await;
        again.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(again.body["error"]["details"][0]["field"], "lines");
    }

    // Every role reads; the note as listed and as read alone.
    let viewer = app.token(Role::Viewer).await;
    let one = app
        .get(
            &format!("/api/v1/credit-notes/{}", note["id"].as_str().unwrap()),
            Some(&viewer),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(&one.body["data"], note);
    let list = app.get("/api/v1/credit-notes", Some(&viewer)).await;
    assert_eq!(list.body["meta"]["total"], 1);
    assert_eq!(list.body["data"][0]["number"], note["number"]);
    assert!(
        list.body["data"][0].get("lines").is_none(),
        "listed without lines"
    );
}

#[tokio::test]
async fn a_credit_beyond_what_remains_is_refused_and_stores_nothing() {
    let (app, token, invoices) = finalized(1).await;
    let id = invoices[0]["id"].as_str().unwrap();

    // 1 h x 50 = 50.00 + 12% = 56.00 of 84.00.
    let first = credit(&app, &token, id, partial("1", "50")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["data"]["credit_note"]["total"], "56.00");
    let after = &first.body["data"]["invoice"];
    assert_eq!(after["amount_due"], "28.00");
    assert_eq!(after["status"], "finalized");
    let before = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await
        .body["data"]
        .clone();

    // 30.00 + 3.60 = 33.60 > 28.00.
    let second = credit(&app, &token, id, partial("1", "30")).await;
    second.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(second.body["error"]["details"][0]["field"], "lines");
    assert!(
        second.body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 25.00 net (28.00 with tax)"),
        "{}",
        second.body
    );
    assert_eq!(note_total(&app, &token, "").await, 1, "nothing stored");
    let unchanged = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(unchanged.body["data"], before, "invoice unchanged");

    // Exactly the remainder is fine: 25.00 + 3.00 = 28.00.
    let last = credit(&app, &token, id, partial("0.5", "50")).await;
    assert_eq!(last.status, 201, "{}", last.body);
    assert_eq!(last.body["data"]["invoice"]["amount_due"], "0.00");
    assert_eq!(last.body["data"]["invoice"]["status"], "paid");
    let by_year = proxima_tests::numbers_by_year([
        first.body["data"]["credit_note"]["number"]
            .as_str()
            .unwrap(),
        last.body["data"]["credit_note"]["number"].as_str().unwrap(),
    ]);
    assert!(
        proxima_tests::gapless_per_year(&by_year),
        "the refused request took no number: {by_year:?}"
    );
}

#[tokio::test]
async fn drafts_viewers_and_bad_requests_are_refused() {
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(1).await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, &keys[0]).await;
    let id = draft["id"].as_str().unwrap();

    let reply = credit(&app, &token, id, full()).await;
    reply.assert_error(409, "CONFLICT");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("draft"),
        "{}",
        reply.body
    );
    let viewer = app.token(Role::Viewer).await;
    credit(&app, &viewer, id, full())
        .await
        .assert_error(403, "FORBIDDEN");
    credit(&app, &token, "00000000-0000-0000-0000-000000000001", full())
        .await
        .assert_error(404, "NOT_FOUND");
    credit(&app, &token, "not-a-uuid", full())
        .await
        .assert_error(404, "NOT_FOUND");
    let both = credit(
        &app,
        &token,
        id,
        json!({"reason": "r", "full": true, "lines": [{"description": "a", "quantity": "1", "unit_price": "1"}]}),
    )
    .await;
    both.assert_error(400, "VALIDATION_ERROR");
    let unknown = credit(
        &app,
        &token,
        id,
        json!({"reason": "r", "full": true, "x": 1}),
    )
    .await;
    unknown.assert_error(400, "VALIDATION_ERROR");

    for path in [
        "/api/v1/credit-notes/00000000-0000-0000-0000-000000000001",
        "/api/v1/credit-notes/nope",
        "/api/v1/credit-notes/00000000-0000-0000-0000-000000000001/pdf",
    ] {
        app.get(path, Some(&viewer))
            .await
            .assert_error(404, "NOT_FOUND");
    }
    app.get("/api/v1/credit-notes", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.get("/api/v1/credit-notes?invoice_id=x", Some(&viewer))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/credit-notes?per_page=0", Some(&viewer))
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn the_pdf_is_the_recorded_document_and_comes_back_identical_when_lost() {
    let (app, token, invoices) = finalized(1).await;
    let inv = &invoices[0];
    let reply = credit(&app, &token, inv["id"].as_str().unwrap(), full()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let note = reply.body["data"]["credit_note"].clone();
    let note_id = note["id"].as_str().unwrap();
    let number = note["number"].as_str().unwrap();
    let recorded = note["pdf"]["sha256"].as_str().unwrap().to_string();
    let viewer = app.token(Role::Viewer).await;
    let path = format!("/api/v1/credit-notes/{note_id}/pdf");

    let link = app.get(&path, Some(&viewer)).await;
    assert_eq!(link.status, 200, "{}", link.body);
    assert_eq!(link.headers["cache-control"], "no-store");
    let dl = &link.body["data"];
    assert_eq!(dl["filename"], format!("{number}.pdf"));
    assert_eq!(dl["sha256"], recorded.as_str());
    let url = dl["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(hex_sha256(&bytes), recorded);
    assert_eq!(dl["size_bytes"], bytes.len());
    let text = pdf_text(&bytes);
    assert!(text.contains(number), "{text}");
    assert!(
        text.contains(inv["number"].as_str().unwrap()),
        "cites the invoice: {text}"
    );

    // Lost from S3: rendered again from the stored note, the same bytes.
    let key = format!("credit-notes/{}/{number}.pdf", &number[3..7]);
    let docs = app.state.config.documents_bucket_name.clone();
    app.s3
        .delete_object()
        .bucket(&docs)
        .key(&key)
        .send()
        .await
        .expect("delete the stored PDF");
    let again = app.get(&path, Some(&viewer)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let rebytes = reqwest::get(again.body["data"]["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(rebytes, bytes, "the re-render is the document as issued");
    app.s3
        .head_object()
        .bucket(&docs)
        .key(&key)
        .send()
        .await
        .expect("stored again");

    let redirect = app
        .send(app.request(Method::GET, &format!("{path}?redirect=true"), Some(&viewer)))
        .await;
    assert_eq!(redirect.status, 302);
    assert!(
        redirect.headers["location"]
            .to_str()
            .unwrap()
            .contains("X-Amz-Signature")
    );
}

#[tokio::test]
async fn the_list_filters_by_invoice_and_client_and_pages_with_the_true_total() {
    let (app, token, invoices) = finalized(3).await;
    let ids: Vec<&str> = invoices.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let mut numbers = Vec::new();
    for id in [ids[0], ids[1], ids[2], ids[0]] {
        let r = credit(&app, &token, id, partial("0.25", "50")).await;
        assert_eq!(r.status, 201, "{}", r.body);
        numbers.push(r.body["data"]["credit_note"]["number"].clone());
    }
    assert_eq!(note_total(&app, &token, "").await, 4);
    assert_eq!(
        note_total(&app, &token, &format!("?invoice_id={}", ids[0])).await,
        2
    );
    assert_eq!(note_total(&app, &token, "?client_key=RACE01").await, 1);
    assert_eq!(
        note_total(
            &app,
            &token,
            &format!("?invoice_id={}&client_key=RACE01", ids[0])
        )
        .await,
        0
    );
    assert_eq!(note_total(&app, &token, "?client_key=").await, 4);

    let all = app.get("/api/v1/credit-notes", Some(&token)).await;
    let listed: Vec<Value> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].clone())
        .collect();
    let newest_first: Vec<Value> = numbers.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first);

    let page = app
        .get("/api/v1/credit-notes?per_page=1&page=2", Some(&token))
        .await;
    assert_eq!(page.body["meta"]["total"], 4);
    assert_eq!(page.body["meta"]["per_page"], 1);
    assert_eq!(page.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["data"][0]["number"], numbers[2]);
    let past = app.get("/api/v1/credit-notes?page=9", Some(&token)).await;
    assert_eq!(past.body["meta"]["total"], 4);
    assert_eq!(past.body["data"], json!([]));
}

#[tokio::test]
async fn an_idempotency_key_replay_issues_one_note() {
    let (app, token, invoices) = finalized(1).await;
    let path = format!(
        "/api/v1/invoices/{}/credit-notes",
        invoices[0]["id"].as_str().unwrap()
    );
    let send = || async {
        let res = app
            .request(Method::POST, &path, Some(&token))
            .header("idempotency-key", "cn-replay-1")
            .json(&partial("1", "50"))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let replayed = res
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (status, replayed, res.bytes().await.unwrap())
    };
    let (s1, r1, b1) = send().await;
    let (s2, r2, b2) = send().await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(r1, None);
    assert_eq!(r2.as_deref(), Some("true"));
    assert_eq!(b1, b2, "the same bytes");
    assert_eq!(note_total(&app, &token, "").await, 1);
}

#[tokio::test]
async fn ten_concurrent_credit_notes_on_ten_invoices_take_numbers_one_to_ten() {
    let (app, token, invoices) = finalized(10).await;
    let started = Instant::now();
    let replies = join_all(
        invoices
            .iter()
            .map(|i| credit(&app, &token, i["id"].as_str().unwrap(), full())),
    )
    .await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    report(
        "credit notes, ten invoices",
        format!("{created} issued of 10"),
        started,
    );
    for r in &replies {
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let by_year = proxima_tests::numbers_by_year(
        replies
            .iter()
            .map(|r| r.body["data"]["credit_note"]["number"].as_str().unwrap()),
    );
    assert_eq!(by_year.values().map(Vec::len).sum::<usize>(), 10);
    assert!(
        proxima_tests::gapless_per_year(&by_year),
        "gapless and unique in each year: {by_year:?}"
    );
    assert_eq!(note_total(&app, &token, "").await, 10);
}

#[tokio::test]
async fn concurrent_partial_credits_on_one_invoice_never_exceed_its_total() {
    let (app, token, invoices) = finalized(1).await;
    let id = invoices[0]["id"].as_str().unwrap();
    // Ten credits of 25.00 + 3.00 = 28.00 against 84.00: exactly three fit.
    let started = Instant::now();
    let replies = join_all((0..10).map(|_| credit(&app, &token, id, partial("0.5", "50")))).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.status == 400).count();
    report(
        "credit notes, one invoice",
        format!("{created} issued, {refused} refused of 10"),
        started,
    );
    for r in replies.iter().filter(|r| r.status == 400) {
        assert_eq!(r.body["error"]["details"][0]["field"], "lines");
    }
    assert_eq!((created, refused), (3, 7));
    let list = app
        .get(
            &format!("/api/v1/credit-notes?invoice_id={id}"),
            Some(&token),
        )
        .await;
    let sum: Decimal = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| dec(&n["total"]))
        .sum();
    assert_eq!(sum, Decimal::from(84));
    let stored = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(dec(&stored.body["data"]["amount_credited"]), sum);
    assert_eq!(stored.body["data"]["status"], "paid");
    let mut numbers: Vec<String> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    let year = &numbers[0][3..7];
    assert_eq!(
        numbers,
        (1..=3)
            .map(|n| format!("CN-{year}-{n:05}"))
            .collect::<Vec<_>>()
    );
}

/// 1.00 + 12 %: twenty notes of 0.05 each round their tax (0.006) to 0.01 on their own,
/// which would credit 0.20 tax against 0.12 charged. Credited tax follows the credited net
/// rounded once, never above the invoice's; the last note takes what remains exactly; and
/// the invoice carries its credited net and tax.
#[tokio::test]
async fn small_credit_notes_never_credit_more_tax_or_net_than_the_invoice() {
    let app = spawn_app().await;
    let keys = app.seed_clients_with_work(1).await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, &keys[0]).await;
    let id = draft["id"].as_str().unwrap();
    let lines: Vec<_> = draft["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    let edited = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("if-match", "1")
            .json(&json!({
                "remove": lines,
                "add": [{"description": "Licence", "quantity": "1", "unit_price": "1.00"}]
            })),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let done = app.finalize(&token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["data"]["tax_amount"], "0.12");
    assert_eq!(done.body["data"]["total"], "1.12");
    let (mut net, mut tax) = (Decimal::ZERO, Decimal::ZERO);
    for i in 0..20 {
        let r = credit(&app, &token, id, partial("1", "0.05")).await;
        assert_eq!(r.status, 201, "note {i}: {}", r.body);
        let note = &r.body["data"]["credit_note"];
        net += dec(&note["subtotal"]);
        tax += dec(&note["tax_amount"]);
        assert_eq!(
            dec(&note["total"]),
            dec(&note["subtotal"]) + dec(&note["tax_amount"])
        );
        assert!(tax <= Decimal::new(12, 2), "note {i}: credited tax {tax}");
        let inv = &r.body["data"]["invoice"];
        assert_eq!(dec(&inv["amount_credited_net"]), net);
        assert_eq!(dec(&inv["amount_credited_tax"]), tax);
        assert_eq!(dec(&inv["amount_credited"]), net + tax);
    }
    assert_eq!((net, tax), (Decimal::new(100, 2), Decimal::new(12, 2)));
    let shown = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(shown.body["data"]["amount_credited"], "1.12");
    assert_eq!(shown.body["data"]["amount_credited_net"], "1.00");
    assert_eq!(shown.body["data"]["amount_credited_tax"], "0.12");
    assert_eq!(shown.body["data"]["amount_due"], "0.00");
    credit(&app, &token, id, partial("1", "0.01"))
        .await
        .assert_error(400, "VALIDATION_ERROR");
}
