//! Input that could reach a printed invoice or the store in a shape it must not have:
//! text with control, bidirectional format or separator characters is refused (imports
//! report the row, edits answer 400 naming the field); issue and due dates stay in a sane
//! window; client keys are checked before any store call.

use chrono::{Days, Utc};
use proxima::domain::Role;
use proxima::domain::client::KEY_PATTERN;
use proxima::import::{ClientFormat, import_clients, import_worklogs};
use proxima::invoice::{Change, EditAction, HistoryEntry};
use proxima_tests::{Reply, TestApp, last_month, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// Characters no printed text may hold (besides `\n` where text may span lines).
const FORBIDDEN: &[char] = &[
    '\r', '\u{1b}', '\0', '\t', '\u{9b}', '\u{2028}', '\u{2029}', '\u{200e}', '\u{200f}',
    '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}',
];

async fn setup() -> (TestApp, String) {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    (app, token)
}

async fn patch(app: &TestApp, path: &str, token: &str, version: u64, body: &Value) -> Reply {
    app.send(
        app.request(Method::PATCH, path, Some(token))
            .header("if-match", version.to_string())
            .json(body),
    )
    .await
}

fn assert_field(reply: &Reply, field: &str) {
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        reply.body["error"]["details"][0]["field"], field,
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn worklog_rows_with_text_that_could_forge_a_printed_line_are_rejected_with_reasons() {
    let (app, token) = setup().await;
    let day = last_month().first_day();
    let long_key = "A".repeat(2100);
    // One row per attack, each in a different field; the good rows around them stay.
    let csv = format!(
        "client_key,date,author,issue_key,issue_summary,description,minutes\n\
         ACME,{day},Ann,HARD-1,Login form,Fixed it,60\n\
         ACME,{day},Ann,HARD-2,\"Login\r\nIBAN: XX00 EVIL\",x,60\n\
         ACME,{day},Ann,HARD-3,Login,\"cleared\u{1b}[2J the screen\",60\n\
         ACME,{day},\"An\0n\",HARD-4,Login,x,60\n\
         ACME,{day},Ann,\"HARD-5\u{202e}\",Login,x,60\n\
         ACME,{day},Ann,HARD-6,\"Login\u{2028}IBAN: XX00 EVIL\",x,60\n\
         ACME,{day},\"An\u{9b}n\",HARD-7,Login,x,60\n\
         ACME,{day},Ann,HARD-8,Login,\"pay \u{2066}EVIL\u{2069}\",60\n\
         {long_key},{day},Ann,HARD-9,Login,x,60\n\
         ACME,{day},Oʻtkir Gʻofurov,HARD-10,Reports,\"line one\nline two\",30\n"
    );

    let report = import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .expect("the file is read; bad rows are reported");

    assert_eq!((report.rows, report.imported), (10, 2), "{report:?}");
    let reasons: Vec<&str> = report.rejected.iter().map(|r| r.message.as_str()).collect();
    let expected = [
        ("issue_summary", "line break"),
        ("description", "control character"),
        ("author", "control character"),
        ("issue_key", "bidirectional"),
        ("issue_summary", "separator"),
        ("author", "control character"),
        ("description", "bidirectional"),
        ("client_key", "client key"),
    ];
    assert_eq!(reasons.len(), expected.len(), "{reasons:?}");
    for (reason, (field, what)) in reasons.iter().zip(expected) {
        assert!(
            reason.starts_with(&format!("{field}: ")) && reason.contains(what),
            "{reason:?} should name {field} and {what}"
        );
    }

    let listed = app
        .get(
            &format!("/api/v1/clients/ACME/worklogs?from={day}&to={day}&per_page=100"),
            Some(&token),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let mut imported: Vec<&Value> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["issue_key"].as_str().unwrap().starts_with("HARD-"))
        .collect();
    imported.sort_by_key(|w| w["issue_key"].as_str().unwrap().len());
    let keys: Vec<&str> = imported
        .iter()
        .map(|w| w["issue_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["HARD-1", "HARD-10"]);
    assert_eq!(imported[1]["description"], "line one\nline two");
    for w in &imported {
        for field in ["author", "issue_key", "issue_summary", "description"] {
            assert!(!w[field].as_str().unwrap().contains(FORBIDDEN), "{w}");
        }
    }
}

#[tokio::test]
async fn clients_with_text_that_could_forge_a_printed_line_are_rejected_with_reasons() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let client = |key: &str| {
        json!({"key": key, "name": format!("Client {key}"), "email": "billing@client.example",
            "address": {"line1": "Amir Temur 1", "city": "Toshkent", "country": "UZ"},
            "currency": "USD", "hourly_rate": "50", "tax_rate": "12", "payment_terms_days": 10,
            "timezone": "Asia/Tashkent"})
    };
    let mut forged = client("FORGED");
    forged["name"] = json!("Evil Ltd\r\nIBAN: XX00 EVIL");
    let mut reversed = client("REVERSED");
    reversed["address"]["line1"] = json!("Amir Temur 1 \u{202e}LIVE 00XX :NABI");
    let mut nul = client("NUL");
    nul["tax_id"] = json!("DE\u{0}123");
    let mut separated = client("SEPARATED");
    separated["address"]["city"] = json!("Toshkent\u{2029}IBAN");
    let mut escaped = client("ESCAPED");
    escaped["address"]["postal_code"] = json!("100\u{1b}[31m000");
    let too_long = client(&"A".repeat(2100));
    let file = json!([
        client("CLEAN"),
        forged,
        reversed,
        nul,
        separated,
        escaped,
        too_long
    ]);

    let report = import_clients(
        file.to_string().as_bytes(),
        ClientFormat::Json,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .expect("the file is read; bad clients are reported");

    assert_eq!((report.rows, report.imported), (7, 1), "{report:?}");
    let reasons: Vec<(u64, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.message.as_str()))
        .collect();
    let expected = [
        (2, "name: must not contain a line break"),
        (
            3,
            "address.line1: must not contain a bidirectional format character",
        ),
        (4, "tax_id: must not contain a control character"),
        (
            5,
            "address.city: must not contain a line or paragraph separator",
        ),
        (
            6,
            "address.postal_code: must not contain a control character",
        ),
        (7, "key: must be 1-64 characters"),
    ];
    assert_eq!(reasons.len(), expected.len(), "{reasons:?}");
    for ((line, reason), (want_line, want)) in reasons.iter().zip(expected) {
        assert_eq!(*line, want_line);
        assert!(
            reason.starts_with(want),
            "{reason:?} should start with {want:?}"
        );
    }

    // CSV imports follow the same rule.
    let csv = "key,name,email,address_line1,address_line2,address_city,address_country,currency,hourly_rate,tax_rate,payment_terms_days,timezone\n\
               CSVOK,Csv Ok,a@b.example,1 Road,Floor 2,London,GB,GBP,70,20,30,Europe/London\n\
               CSVBAD,Csv Bad,a@b.example,1 Road,\"Floor 2\u{1b}[8m\",London,GB,GBP,70,20,30,Europe/London\n";
    let report = import_clients(
        csv.as_bytes(),
        ClientFormat::Csv,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((report.rows, report.imported), (2, 1), "{report:?}");
    assert_eq!(report.rejected[0].line, 3);
    assert!(
        report.rejected[0]
            .message
            .starts_with("address.line2: must not contain"),
        "{report:?}"
    );

    let listed = app.get("/api/v1/clients", Some(&token)).await;
    let keys: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["CLEAN", "CSVOK"]);
}

#[tokio::test]
async fn notes_po_number_and_line_descriptions_refuse_text_that_could_forge_a_printed_line() {
    let (app, token) = setup().await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let path = format!("/api/v1/invoices/{id}");

    for (body, field) in [
        (json!({"notes": "Pay to \u{202e}LIVE 00XX :NABI"}), "notes"),
        (json!({"notes": "Thanks\r\nIBAN: XX00 EVIL"}), "notes"),
        (json!({"notes": "Thanks\u{2028}IBAN: XX00 EVIL"}), "notes"),
        (json!({"notes": "Thanks\u{1b}[2J"}), "notes"),
        (json!({"notes": "x".repeat(2001)}), "notes"),
        (json!({"po_number": "PO-1\nIBAN: XX00 EVIL"}), "po_number"),
        (json!({"po_number": "PO-1\u{200f}"}), "po_number"),
        (json!({"po_number": "P".repeat(101)}), "po_number"),
    ] {
        assert_field(&patch(&app, &path, &token, 1, &body).await, field);
    }
    let lines = format!("{path}/line-items");
    let add = |description: &str| json!({"add": [{"description": description, "quantity": "1", "unit_price": "10"}]});
    assert_field(
        &patch(&app, &lines, &token, 1, &add("Support \u{202e}LIVE")).await,
        "add[0].description",
    );
    assert_field(
        &patch(&app, &lines, &token, 1, &add("Support\nIBAN: XX00 EVIL")).await,
        "add[0].description",
    );

    let unchanged = app.get(&path, Some(&token)).await;
    assert_eq!(unchanged.body["data"], draft, "nothing refused was stored");

    // Notes may span lines with `\n`.
    let ok = patch(
        &app,
        &path,
        &token,
        1,
        &json!({"notes": "Thank you!\nRahmat!", "po_number": "PO-7"}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["data"]["notes"], "Thank you!\nRahmat!");
}

#[tokio::test]
async fn issue_date_stays_between_the_period_start_and_a_month_ahead() {
    let (app, token) = setup().await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let path = format!("/api/v1/invoices/{id}");
    let today = Utc::now().date_naive();
    let issue: chrono::NaiveDate = draft["issue_date"].as_str().unwrap().parse().unwrap();

    for date in [
        "2019-01-01".to_string(),
        (last_month().first_day() - Days::new(1)).to_string(),
        (today + Days::new(40)).to_string(),
        "+10000-01-01".to_string(),
        "-0001-01-01".to_string(),
    ] {
        assert_field(
            &patch(&app, &path, &token, 1, &json!({"issue_date": date})).await,
            "issue_date",
        );
    }
    // Not a date at all (five-digit years without a sign): still a 400 naming the field.
    assert_field(
        &patch(
            &app,
            &path,
            &token,
            1,
            &json!({"issue_date": "10000-01-01"}),
        )
        .await,
        "issue_date",
    );
    // The due date follows the issue date within a year.
    assert_field(
        &patch(
            &app,
            &path,
            &token,
            1,
            &json!({"due_date": (issue - Days::new(1)).to_string()}),
        )
        .await,
        "due_date",
    );
    assert_field(
        &patch(
            &app,
            &path,
            &token,
            1,
            &json!({"due_date": (issue + Days::new(367)).to_string()}),
        )
        .await,
        "due_date",
    );
    let unchanged = app.get(&path, Some(&token)).await;
    assert_eq!(unchanged.body["data"], draft, "nothing refused was stored");

    // The period's first day is fine, and so is a date up to 31 days ahead.
    let first = last_month().first_day();
    let moved = patch(
        &app,
        &path,
        &token,
        1,
        &json!({"issue_date": first.to_string()}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["data"]["issue_date"], first.to_string());
    let ahead = (today + Days::new(31)).to_string();
    let moved = patch(&app, &path, &token, 2, &json!({"issue_date": ahead})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let done = app.finalize(&token, id).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body["data"]["number"]
            .as_str()
            .unwrap()
            .starts_with(&format!("INV-{}-", &ahead[..4]))
    );
}

#[tokio::test]
async fn finalize_refuses_a_draft_whose_issue_date_is_out_of_range() {
    let (app, token) = setup().await;
    let draft = app.draft(&token, "VOSTOK").await;
    let id: uuid::Uuid = draft["id"].as_str().unwrap().parse().unwrap();
    // A draft stored before the rule existed, back-dated to 2019.
    let before = app.state.invoices.get_invoice(id).await.unwrap().unwrap();
    let mut after = before.clone();
    after.header.issue_date = "2019-01-01".parse().unwrap();
    after.header.due_date = "2019-01-31".parse().unwrap();
    after.header.version += 1;
    let entry = HistoryEntry {
        at: Utc::now(),
        actor: "legacy".into(),
        action: EditAction::Updated,
        version: after.header.version,
        changes: vec![Change::of(
            "issue_date",
            &before.header.issue_date,
            &after.header.issue_date,
        )],
    };
    let written = app
        .state
        .invoices
        .update_invoice(&before, &after, &entry, &[])
        .await
        .unwrap();
    assert_eq!(written, proxima::ports::WriteOutcome::Written);

    let reply = app.finalize(&token, &id.to_string()).await;
    assert_field(&reply, "issue_date");
    let current = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(current.body["data"]["status"], "draft");
    assert!(current.body["data"]["number"].is_null());
}

#[tokio::test]
async fn client_keys_beyond_the_rule_are_400_naming_the_field_never_5xx() {
    let (app, token) = setup().await;
    let long = "A".repeat(2100);
    let period = last_month().to_string();

    assert_field(
        &app.get(&format!("/api/v1/clients/{long}"), Some(&token))
            .await,
        "key",
    );
    assert_field(
        &app.get(&format!("/api/v1/clients/{long}/worklogs"), Some(&token))
            .await,
        "key",
    );
    assert_field(
        &app.get("/api/v1/clients/acme%20corp", Some(&token)).await,
        "key",
    );
    for path in ["/api/v1/invoices/generate", "/api/v1/invoices/prefill"] {
        let reply = app
            .post_json(
                path,
                &json!({"client_key": long, "period": period}),
                Some(&token),
            )
            .await;
        assert_field(&reply, "client_key");
    }
    assert_field(
        &app.get(&format!("/api/v1/invoices?client_key={long}"), Some(&token))
            .await,
        "client_key",
    );

    // Well-formed keys behave as before: unknown is 404, empty filter is no filter.
    app.get("/api/v1/clients/NOPE", Some(&token))
        .await
        .assert_error(404, "NOT_FOUND");
    let all = app.get("/api/v1/invoices?client_key=", Some(&token)).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let acme = app.get("/api/v1/clients/ACME", Some(&token)).await;
    assert_eq!(acme.status, 200, "{}", acme.body);

    // The document states the same rule wherever a key is a parameter or a body field.
    let doc = app.get("/openapi.json", None).await.body;
    let schemas = [
        &doc["paths"]["/api/v1/clients/{key}"]["get"]["parameters"][0]["schema"],
        &doc["paths"]["/api/v1/clients/{key}/worklogs"]["get"]["parameters"][0]["schema"],
        &doc["components"]["schemas"]["GenerateRequest"]["properties"]["client_key"],
    ];
    for schema in schemas {
        assert_eq!(schema["pattern"], KEY_PATTERN, "{schema}");
    }
}

/// `method path` with the raw JSON text `body`.
async fn raw(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> Reply {
    app.send(
        app.request(method, path, Some(token))
            .header("content-type", "application/json")
            .header("if-match", "1")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn bodies_are_objects_with_each_field_once_plain_decimals_and_full_dates() {
    let (app, token) = setup().await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap().to_string();
    let version = draft["version"].as_u64().unwrap();

    // PATCH a draft: decimals and dates in their one form, each field once.
    let invoice = format!("/api/v1/invoices/{id}");
    for (body, field) in [
        (r#"{"tax_rate": "1E1"}"#, "tax_rate"),
        (r#"{"tax_rate": "+5"}"#, "tax_rate"),
        (r#"{"tax_rate": ".5"}"#, "tax_rate"),
        (r#"{"due_date": "2026-12-3"}"#, "due_date"),
        (r#"{"notes": "a", "notes": "b"}"#, "notes"),
        (r#"["a note"]"#, "body"),
    ] {
        assert_field(
            &raw(&app, Method::PATCH, &invoice, &token, body).await,
            field,
        );
    }
    let lines = format!("/api/v1/invoices/{id}/line-items");
    for price in ["1_000", "1E2", "+1.00", ".5", "5."] {
        let body = format!(
            r#"{{"add": [{{"description": "x", "quantity": "1", "unit_price": "{price}"}}]}}"#
        );
        assert_field(
            &raw(&app, Method::PATCH, &lines, &token, &body).await,
            "add[0].unit_price",
        );
    }
    let unchanged = app.get(&invoice, Some(&token)).await;
    assert_eq!(
        unchanged.body["data"]["version"], version,
        "nothing was written"
    );

    // Payments on the finalized invoice.
    let fin = app.finalize(&token, &id).await;
    assert_eq!(fin.status, 200, "{}", fin.body);
    let issued = fin.body["data"]["issue_date"].as_str().unwrap().to_string();
    let payments = format!("/api/v1/invoices/{id}/payments");
    let good = |amount: &str, date: &str| {
        format!(r#"{{"amount": "{amount}", "paid_on": "{date}", "method": "cash"}}"#)
    };
    let (y, rest) = issued.split_at(5);
    let unpadded = format!("{y}{}", rest.replace("-0", "-"));
    let mut cases = vec![
        (format!(r#"["1.00", "{issued}", "cash", null]"#), "body"),
        (
            format!(
                r#"{{"amount": "1.00", "amount": "2.00", "paid_on": "{issued}", "method": "cash"}}"#
            ),
            "amount",
        ),
        (good("1_000", &issued), "amount"),
        (good("1E2", &issued), "amount"),
        (good("+1.00", &issued), "amount"),
        (good(".5", &issued), "amount"),
        (good("5.", &issued), "amount"),
        ("\"1.00\"".to_string(), "body"),
    ];
    if unpadded != issued {
        cases.push((good("1.00", &unpadded), "paid_on"));
    }
    cases.push((good("1.00", &format!("{issued}T00:00:00Z")), "paid_on"));
    for (body, field) in &cases {
        assert_field(
            &app.send(
                app.request(Method::POST, &payments, Some(&token))
                    .header("content-type", "application/json")
                    .body(body.clone()),
            )
            .await,
            field,
        );
    }
    let listed = app.get(&payments, Some(&token)).await;
    assert_eq!(listed.body["data"], json!([]), "no payment was recorded");
    let ok = app
        .send(
            app.request(Method::POST, &payments, Some(&token))
                .header("content-type", "application/json")
                .body(good("1.00", &issued)),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);

    // A client's rate.
    let admin = app.token(Role::Admin).await;
    let client = app.get("/api/v1/clients/ACME", Some(&admin)).await.body["data"].clone();
    let mut body = client.clone();
    for k in ["created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["hourly_rate"] = json!("1E2");
    assert_field(
        &app.send(
            app.request(Method::PUT, "/api/v1/clients/ACME", Some(&admin))
                .json(&body),
        )
        .await,
        "hourly_rate",
    );
}
