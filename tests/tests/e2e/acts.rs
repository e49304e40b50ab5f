//! Acts of completed work: `GET /invoices/{id}/act` of issued invoices in the client's
//! language (en, ru, uz) with the contract, both parties, the services and the UZS
//! equivalent, stored once; the client's `contract_number`, `contract_date` and
//! `attach_act` through the API and imports; `attach_act` on send.

use chrono::Utc;
use proxima::domain::Role;
use proxima_tests::{Reply, TestApp, pdf_text, spawn_app};
use serde_json::{Value, json};

/// The act's download answer and its bytes (checked against the answer's hash and size).
async fn act(app: &TestApp, token: &str, id: &str) -> (Value, Vec<u8>) {
    let reply = app
        .get(&format!("/api/v1/invoices/{id}/act"), Some(token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let data = reply.body["data"].clone();
    let bytes = reqwest::get(data["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(bytes.starts_with(b"%PDF"));
    assert_eq!(data["sha256"], proxima::pdf::sha256_hex(&bytes));
    assert_eq!(data["size_bytes"], bytes.len());
    (data, bytes)
}

async fn issued(app: &TestApp, token: &str, client: &str) -> Value {
    let draft = app.draft(token, client).await;
    let done = app.finalize(token, draft["id"].as_str().unwrap()).await;
    assert_eq!(done.status, 200, "{client}: {}", done.body);
    done.body["data"].clone()
}

#[tokio::test]
async fn an_issued_invoice_has_its_act_in_the_clients_language() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let accountant = app.token(Role::Accountant).await;
    let viewer = app.token(Role::Viewer).await;
    let cases = [
        // EUR, English, no contract: made under the invoice; the UZS equivalent printed.
        (
            "NORDLICHT",
            "CERTIFICATE OF COMPLETED WORK",
            "Under invoice",
        ),
        // USD, Russian, with the demo contract.
        (
            "VOSTOK",
            "АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ)",
            "По договору № 12/2026-IT от 15.01.2026",
        ),
        // UZS, Uzbek, with the demo contract.
        (
            "GULZOR",
            "DALOLATNOMASI",
            "01.03.2025 sanadagi 07/2025-IT-son shartnoma",
        ),
    ];
    let mut vostok = String::new();
    for (client, title, basis) in cases {
        let invoice = issued(&app, &accountant, client).await;
        let id = invoice["id"].as_str().unwrap();
        let number = invoice["number"].as_str().unwrap();
        let (data, bytes) = act(&app, &viewer, id).await;
        assert_eq!(data["filename"], format!("{number}-act.pdf"));
        let text = pdf_text(&bytes);
        assert!(text.contains(title), "{client}: {title:?} in {text}");
        assert!(text.contains(basis), "{client}: {basis:?} in {text}");
        assert!(text.contains(number), "{client}: {text}");
        assert!(
            text.contains("Proxima"),
            "{client}: the contractor in {text}"
        );
        let first_line = invoice["line_items"][0]["description"].as_str().unwrap();
        let words: String = first_line.chars().take(12).collect();
        assert!(text.contains(&words), "{client}: {words:?} in {text}");
        assert_eq!(
            invoice["accounting"].is_null(),
            client == "GULZOR",
            "only foreign-currency invoices carry a UZS equivalent"
        );
        if !invoice["accounting"].is_null() {
            assert!(text.contains("UZS"), "{client}: the equivalent in {text}");
        }
        // Stored once: the same bytes again, for any role.
        let (again, _) = act(&app, &accountant, id).await;
        assert_eq!(again["sha256"], data["sha256"], "{client}");
        assert_ne!(
            data["sha256"], invoice["pdf"]["sha256"],
            "the act is not the invoice's PDF"
        );
        if client == "VOSTOK" {
            vostok = id.to_string();
        }
    }

    let redirect = app
        .get(
            &format!("/api/v1/invoices/{vostok}/act?redirect=true"),
            Some(&viewer),
        )
        .await;
    assert_eq!(redirect.status, 302);
    assert!(
        redirect.headers["location"]
            .to_str()
            .unwrap()
            .contains("-act.pdf")
    );

    // A draft, a void invoice, an unknown one, no token.
    let draft = app.draft(&accountant, "ACME").await;
    app.get(
        &format!("/api/v1/invoices/{}/act", draft["id"].as_str().unwrap()),
        Some(&viewer),
    )
    .await
    .assert_error(409, "CONFLICT");
    let void = app
        .post_json(
            &format!("/api/v1/invoices/{vostok}/void"),
            &json!({"reason": "wrong client"}),
            Some(&accountant),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.body);
    let refused = app
        .get(&format!("/api/v1/invoices/{vostok}/act"), Some(&viewer))
        .await;
    refused.assert_error(409, "CONFLICT");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("void"),
        "{}",
        refused.body
    );
    app.get(
        &format!("/api/v1/invoices/{}/act", uuid::Uuid::new_v4()),
        Some(&viewer),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.get(&format!("/api/v1/invoices/{vostok}/act"), None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

/// `PUT /clients/{key}` with `changes` over the client as served.
async fn put_client(app: &TestApp, token: &str, key: &str, changes: Value) -> Reply {
    let current = app
        .get(&format!("/api/v1/clients/{key}"), Some(token))
        .await;
    let mut body = current.body["data"].clone();
    for k in ["created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.send(
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/clients/{key}"),
            Some(token),
        )
        .json(&body),
    )
    .await
}

#[tokio::test]
async fn the_contract_and_attach_act_are_client_fields_and_send_attaches_the_act() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let admin = app.token(Role::Admin).await;

    // The client API: the fields round-trip; a date without a contract, or not a date, is
    // 400 naming it, and nothing is saved.
    let bad = put_client(&app, &admin, "ACME", json!({"contract_date": "2026-02-01"})).await;
    bad.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(bad.body["error"]["details"][0]["field"], "contract_date");
    let bad = put_client(
        &app,
        &admin,
        "ACME",
        json!({"contract_number": "A-1", "contract_date": "01.02.2026"}),
    )
    .await;
    bad.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(bad.body["error"]["details"][0]["field"], "contract_date");
    let unchanged = app.get("/api/v1/clients/ACME", Some(&admin)).await;
    assert!(unchanged.body["data"]["contract_number"].is_null());
    let put = put_client(
        &app,
        &admin,
        "ACME",
        json!({"contract_number": " A-1 ", "contract_date": "2026-02-01", "attach_act": true}),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["data"]["contract_number"], "A-1");
    assert_eq!(put.body["data"]["contract_date"], "2026-02-01");
    assert_eq!(put.body["data"]["attach_act"], true);

    // Imports: the CSV columns, a bad date rejected with its row.
    let csv = "key,name,email,address_line1,address_city,address_country,currency,hourly_rate,tax_rate,payment_terms_days,timezone,contract_number,contract_date,attach_act\n\
        ACT-CSV,Acme,a@acme.example,1 Road,Tashkent,UZ,USD,50,0,10,Asia/Tashkent,K-7,2025-12-31,yes\n\
        ACT-BAD,Acme,a@acme.example,1 Road,Tashkent,UZ,USD,50,0,10,Asia/Tashkent,K-8,31.12.2025,no\n";
    let report = proxima::import::import_clients(
        csv.as_bytes(),
        proxima::import::ClientFormat::Csv,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(report.imported, 1, "{report:?}");
    assert!(
        report.rejected[0].message.contains("contract_date"),
        "{report:?}"
    );
    let imported = app.get("/api/v1/clients/ACT-CSV", Some(&admin)).await;
    assert_eq!(imported.body["data"]["contract_number"], "K-7");
    assert_eq!(imported.body["data"]["contract_date"], "2025-12-31");
    assert_eq!(imported.body["data"]["attach_act"], true);

    // The act names the contract as it was at finalize: not the one when the draft was made
    // and not a later one (B-2, set before the act is first asked for).
    let draft = app.draft(&admin, "ACME").await;
    let put = put_client(
        &app,
        &admin,
        "ACME",
        json!({"contract_number": "A-2", "contract_date": "2026-03-01"}),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let done = app.finalize(&admin, draft["id"].as_str().unwrap()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let invoice = done.body["data"].clone();
    assert_eq!(invoice["client"]["contract_number"], "A-2");
    let put = put_client(&app, &admin, "ACME", json!({"contract_number": "B-2"})).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let id = invoice["id"].as_str().unwrap();
    let number = invoice["number"].as_str().unwrap();
    let (first, bytes) = act(&app, &admin, id).await;
    let text = pdf_text(&bytes);
    assert!(
        text.contains("Under contract No. A-2 of 2026-03-01"),
        "{text}"
    );
    assert!(!text.contains("A-1") && !text.contains("B-2"), "{text}");
    // ACME is billed in USD: the act carries the UZS equivalent frozen at finalize.
    let places = 2;
    let equivalent = proxima::domain::Locale::En.money(
        invoice["accounting"]["total"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
        places,
        "UZS",
    );
    assert!(text.contains(&equivalent), "{equivalent} in {text}");

    // Send: the client's default attaches the act, byte for byte; `false` says otherwise.
    let act_file = format!("{number}-act.pdf");
    let to = format!("act-{}@example.com", uuid::Uuid::new_v4().simple());
    let sent = app
        .post_json(
            &format!("/api/v1/invoices/{id}/send"),
            &json!({"to": [to]}),
            Some(&admin),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["data"]["message"]["act_filename"], act_file);
    let emails = proxima_tests::messaging::sent_emails(&app.endpoint, &to).await;
    assert_eq!(emails.len(), 1);
    let attached = emails[0].attachment(&act_file).expect("the act attached");
    assert_eq!(proxima::pdf::sha256_hex(&attached), first["sha256"]);
    assert!(emails[0].attachment(&format!("{number}.pdf")).is_some());

    let to = format!("no-act-{}@example.com", uuid::Uuid::new_v4().simple());
    let sent = app
        .post_json(
            &format!("/api/v1/invoices/{id}/send"),
            &json!({"to": [to], "attach_act": false}),
            Some(&admin),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert!(sent.body["data"]["message"]["act_filename"].is_null());
    let emails = proxima_tests::messaging::sent_emails(&app.endpoint, &to).await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].attachment(&act_file).is_none());
    let (again, _) = act(&app, &admin, id).await;
    assert_eq!(again["sha256"], first["sha256"], "the act as issued");

    // With an Idempotency-Key, sending with the act twice at once and once more later
    // e-mails it once, the act attached, and every answer is the one message.
    let to = format!("act-key-{}@example.com", uuid::Uuid::new_v4().simple());
    let key = uuid::Uuid::new_v4().to_string();
    let send = || {
        app.send(
            app.request(
                reqwest::Method::POST,
                &format!("/api/v1/invoices/{id}/send"),
                Some(&admin),
            )
            .header("Idempotency-Key", key.as_str())
            .json(&json!({"to": [to], "attach_act": true})),
        )
    };
    let (a, b) = futures::future::join(send(), send()).await;
    let c = send().await;
    let done: Vec<_> = [&a, &b, &c]
        .into_iter()
        .filter(|r| r.status == 201)
        .collect();
    assert!(!done.is_empty(), "{} {} {}", a.body, b.body, c.body);
    for r in [&a, &b, &c] {
        // A request that meets the first one still in progress is told to retry (409).
        assert!(r.status == 201 || r.status == 409, "{}", r.body);
    }
    let ids: std::collections::BTreeSet<_> = done
        .iter()
        .map(|r| r.body["data"]["message"]["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1, "one message: {ids:?}");
    assert_eq!(done[0].body["data"]["message"]["act_filename"], act_file);
    let emails = proxima_tests::messaging::sent_emails(&app.endpoint, &to).await;
    assert_eq!(emails.len(), 1, "one e-mail for one key");
    let attached = emails[0].attachment(&act_file).expect("the act attached");
    assert_eq!(proxima::pdf::sha256_hex(&attached), first["sha256"]);
}
