//! What a frontend developer relies on (issue #14): fixed decimal scales, every field error
//! of a body at once in plain words, unknown query parameters refused, inactive clients
//! listable, CORS headers a browser can read, and a CORS rule on the PDF bucket.

use proxima::domain::Role;
use proxima_tests::spawn_app;
use reqwest::Method;
use serde_json::{Value, json};

fn line_of<'a>(invoice: &'a Value, description: &str) -> &'a Value {
    invoice["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["description"] == description)
        .unwrap_or_else(|| panic!("no line {description}: {invoice}"))
}

#[tokio::test]
async fn money_quantities_and_rates_come_back_at_fixed_scales() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    assert_eq!(
        draft["tax_rate"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .map(str::len),
        Some(2)
    );

    let add = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("If-Match", draft["version"].to_string())
            .json(&json!({"add": [
                {"description": "Hosting", "quantity": "1", "unit_price": "149.90"},
                {"description": "Setup", "quantity": "2.5", "unit_price": "150"}
            ]})),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.body);
    let inv = &add.body["data"];
    let hosting = line_of(inv, "Hosting");
    assert_eq!(hosting["quantity"], "1.00");
    assert_eq!(hosting["unit_price"], "149.90");
    assert_eq!(hosting["amount"], "149.90");
    let setup = line_of(inv, "Setup");
    assert_eq!(setup["quantity"], "2.50");
    assert_eq!(setup["unit_price"], "150.00");
    assert_eq!(setup["amount"], "375.00");

    // An update keeps the scales too ("2" -> "2.00").
    let setup_id = setup["id"].as_str().unwrap();
    let upd = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("If-Match", inv["version"].to_string())
            .json(&json!({"update": [{"id": setup_id, "quantity": "2", "unit_price": "99.5"}]})),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.body);
    let setup = line_of(&upd.body["data"], "Setup");
    assert_eq!(setup["quantity"], "2.00");
    assert_eq!(setup["unit_price"], "99.50");
    for l in upd.body["data"]["line_items"].as_array().unwrap() {
        for (field, places) in [("quantity", 2), ("unit_price", 2), ("amount", 2)] {
            let v = l[field].as_str().unwrap();
            assert_eq!(
                v.split('.').nth(1).map(str::len),
                Some(places),
                "{field} {v}"
            );
        }
    }
    for field in [
        "subtotal",
        "tax_amount",
        "total",
        "amount_due",
        "amount_paid",
    ] {
        let v = upd.body["data"][field].as_str().unwrap();
        assert_eq!(v.split('.').nth(1).map(str::len), Some(2), "{field} {v}");
    }

    // More places than the currency has is refused, not rounded.
    let refused = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("If-Match", upd.body["data"]["version"].to_string())
            .json(&json!({"add": [
                {"description": "X", "quantity": "1.001", "unit_price": "1.005"}
            ]})),
        )
        .await;
    refused.assert_error(400, "VALIDATION_ERROR");
    let fields: Vec<&str> = refused.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["add[0].quantity", "add[0].unit_price"]);

    // Clients and worklogs: rate at the currency's minor unit, tax rate and hours at 2.
    let client = app.get("/api/v1/clients/ACME", Some(&token)).await;
    assert_eq!(
        client.body["data"]["tax_rate"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .map(str::len),
        Some(2)
    );
    let rate = client.body["data"]["hourly_rate"].as_str().unwrap();
    assert_eq!(rate.split('.').nth(1).map(str::len), Some(2), "{rate}");
}

#[tokio::test]
async fn every_field_error_of_a_body_comes_at_once_in_plain_words() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let reply = app
        .send(
            app.request(
                Method::POST,
                &format!("/api/v1/invoices/{id}/payments"),
                Some(&token),
            )
            .json(
                &json!({"amount": 12, "paid_on": "2026-13-01", "method": "cheque",
                              "reference": 7}),
            ),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    let details = reply.body["error"]["details"].as_array().unwrap();
    let fields: Vec<&str> = details
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    for f in ["amount", "paid_on", "method", "reference"] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    // Each with a machine code a form can branch on.
    let code_of = |f: &str| {
        details
            .iter()
            .find(|d| d["field"] == f)
            .map(|d| d["code"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(code_of("amount").as_deref(), Some("invalid_decimal"));
    assert_eq!(code_of("paid_on").as_deref(), Some("invalid_date"));
    assert_eq!(code_of("method").as_deref(), Some("invalid_choice"));
    assert_eq!(code_of("reference").as_deref(), Some("invalid_type"));
    let missing = app
        .post_json(
            &format!("/api/v1/invoices/{id}/payments"),
            &json!({"amount": "1.00", "method": "cash", "colour": "red"}),
            Some(&token),
        )
        .await;
    let codes = missing.field_codes();
    assert!(
        codes.contains(&("paid_on".into(), "required".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("colour".into(), "unknown_field".into())),
        "{codes:?}"
    );
    let text = reply.body["error"].to_string();
    for internal in [
        "Decimal",
        "u64",
        "invalid type",
        "invalid value",
        "out of range",
        "expected",
    ] {
        assert!(!text.contains(internal), "{internal} leaks: {text}");
    }
}

/// A body whose fields fail to read still gets its other fields' rules in the same answer:
/// the example (a decimal with a comma, 5000 characters of notes, a due date before
/// the issue date) reports all three, and a client with shape and rule problems every one.
#[tokio::test]
async fn shape_and_rule_errors_of_one_body_come_together() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let patch = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}"),
                Some(&token),
            )
            .header("If-Match", "1")
            .json(
                &json!({"tax_rate": "12,5", "notes": "n".repeat(5000), "due_date": "2000-01-01"}),
            ),
        )
        .await;
    patch.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        patch.field_codes(),
        [
            ("due_date".to_string(), "out_of_range".to_string()),
            ("notes".to_string(), "too_long".to_string()),
            ("tax_rate".to_string(), "invalid_decimal".to_string())
        ],
        "{}",
        patch.body
    );

    let admin = app.token(Role::Admin).await;
    let client = app
        .send(
            app.request(Method::PUT, "/api/v1/clients/NEWCO", Some(&admin))
                .json(&json!({
                    "key": "NEWCO", "name": " ", "email": "not-an-address",
                    "address": {"line1": "1 Road", "city": "", "country": "UZ"},
                    "currency": "USD", "hourly_rate": "ten", "tax_rate": "150",
                    "payment_terms_days": "30"
                })),
        )
        .await;
    client.assert_error(400, "VALIDATION_ERROR");
    let found = client.field_codes();
    for (field, code) in [
        ("hourly_rate", "invalid_decimal"),
        ("payment_terms_days", "invalid_type"),
        ("name", "required"),
        ("address.city", "required"),
        ("tax_rate", "out_of_range"),
    ] {
        assert!(
            found.contains(&(field.to_string(), code.to_string())),
            "{field} {code} missing: {found:?}"
        );
    }
    assert!(
        found.iter().any(|(f, _)| f == "email"),
        "the e-mail rule too: {found:?}"
    );
    assert_eq!(
        found.iter().filter(|(f, _)| f == "hourly_rate").count(),
        1,
        "a field that failed to read is reported once: {found:?}"
    );
}

/// The rules of the common fields carry their own codes: a form can say "required", "too
/// long", "too many decimals" or "out of range" without reading the message.
#[tokio::test]
async fn rule_errors_carry_a_code_per_rule() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let reply = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("If-Match", "1")
            .json(&json!({"add": [
                {"description": "  ", "quantity": "0", "unit_price": "1.005"},
                {"description": "x".repeat(501), "quantity": "1.001", "unit_price": "-1"},
                {"description": "a\u{202E}b", "quantity": "1", "unit_price": "1"}
            ]})),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    let codes = reply.field_codes();
    let expected: Vec<(String, String)> = [
        ("add[0].description", "required"),
        ("add[0].quantity", "out_of_range"),
        ("add[0].unit_price", "too_many_decimals"),
        ("add[1].description", "too_long"),
        ("add[1].quantity", "too_many_decimals"),
        ("add[1].unit_price", "out_of_range"),
        ("add[2].description", "invalid_character"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(codes, expected, "{}", reply.body);

    let rate = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}"),
                Some(&token),
            )
            .header("If-Match", "1")
            .json(&json!({"tax_rate": "12.555"})),
        )
        .await;
    rate.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        rate.body["error"]["details"][0]["code"],
        "too_many_decimals"
    );
    assert_eq!(
        rate.body["error"]["details"][0]["message"],
        "must have at most 2 decimal places"
    );
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_and_inactive_clients_listable() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;

    let inactive = app.get("/api/v1/clients?active=false", Some(&token)).await;
    assert_eq!(inactive.status, 200, "{}", inactive.body);
    let keys: Vec<&str> = inactive.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["OLDCO"]);
    let active = app.get("/api/v1/clients?active=true", Some(&token)).await;
    assert_eq!(active.body["meta"]["total"], 4);
    app.get("/api/v1/clients?active=maybe", Some(&token))
        .await
        .assert_error(400, "VALIDATION_ERROR");

    for path in [
        "/api/v1/clients?activ=false",
        "/api/v1/invoices?stauts=draft",
        "/api/v1/credit-notes?foo=1",
        "/api/v1/clients/ACME/worklogs?month=2026-10",
        "/api/v1/clients/ACME?expand=worklogs",
    ] {
        let reply = app.get(path, Some(&token)).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        let field = reply.body["error"]["details"][0]["field"].as_str().unwrap();
        assert!(
            path.contains(&format!("{field}=")),
            "{path}: {}",
            reply.body
        );
        assert_eq!(
            reply.body["error"]["details"][0]["code"], "unknown_parameter",
            "{path}"
        );
    }
    // A known parameter given twice is named too, never "whichever value the parser kept".
    for (path, name) in [
        ("/api/v1/invoices?status=draft&status=finalized", "status"),
        ("/api/v1/clients?active=true&page=1&active=false", "active"),
        ("/api/v1/credit-notes?per_page=5&per_page=50", "per_page"),
    ] {
        let reply = app.get(path, Some(&token)).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        let details = reply.body["error"]["details"].as_array().unwrap();
        assert_eq!(details.len(), 1, "{path}: {}", reply.body);
        assert_eq!(details[0]["field"], name, "{path}");
        assert_eq!(
            details[0]["message"], "given more than once; give one value",
            "{path}"
        );
        assert_eq!(details[0]["code"], "repeated_parameter", "{path}");
    }
    // Known parameters still work.
    let page = app
        .get(
            "/api/v1/invoices?status=draft&page=1&per_page=5",
            Some(&token),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
}

#[tokio::test]
async fn browsers_can_read_the_headers_and_fetch_pdfs() {
    let app = spawn_app().await;
    let reply = app
        .send(
            app.request(Method::GET, "/api/v1/clients", None)
                .header("Origin", "http://localhost:5173"),
        )
        .await;
    let exposed = reply
        .headers
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    for h in ["retry-after", "etag", "x-request-id", "location"] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }

    // The archive bucket (presigned PDFs) lets the frontend origin GET and HEAD.
    let archive = proxima_infra::provision::archive_bucket_name(&app.bucket).unwrap();
    let cors = app
        .s3
        .get_bucket_cors()
        .bucket(&archive)
        .send()
        .await
        .expect("GetBucketCors");
    let rule = &cors.cors_rules()[0];
    assert_eq!(rule.allowed_origins(), ["http://localhost:5173"]);
    assert_eq!(rule.allowed_methods(), ["GET", "HEAD"]);

    // The emulator answers a browser's preflight for a PDF in that bucket by the rule.
    let preflight = app
        .http
        .request(
            Method::OPTIONS,
            format!(
                "{}/{archive}/invoices/2026/INV-2026-00001.pdf",
                app.endpoint
            ),
        )
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), 200);
    let h = |name: &str| {
        preflight
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(h("access-control-allow-origin"), "http://localhost:5173");
    assert!(h("access-control-allow-methods").contains("GET"));
    assert!(h("access-control-expose-headers").contains("content-disposition"));
    // (The emulator does not refuse other origins the way S3 does, so that half of the rule
    // is only checked on the configuration above.)
}

fn is_millis_instant(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 24
        && s.ends_with('Z')
        && s.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[tokio::test]
async fn a_stale_write_says_the_current_version_and_instants_have_milliseconds() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    for f in ["created_at", "updated_at"] {
        assert!(is_millis_instant(&draft[f]), "{f}: {}", draft[f]);
    }
    assert!(draft["finalized_at"].is_null());

    let patch = |version: &str, notes: &str| {
        app.request(
            Method::PATCH,
            &format!("/api/v1/invoices/{id}"),
            Some(&token),
        )
        .header("If-Match", version)
        .json(&json!({"notes": notes}))
    };
    let ok = app.send(patch("1", "first")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let stale = app.send(patch("1", "second")).await;
    stale.assert_error(409, "CONFLICT");
    assert_eq!(stale.headers.get("etag").unwrap(), "\"2\"");
    assert_eq!(stale.body["error"]["current_version"], 2);
    // Retrying with the version the 409 gave works.
    let retried = app.send(patch("\"2\"", "second")).await;
    assert_eq!(retried.status, 200, "{}", retried.body);

    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    for e in history.body["data"].as_array().unwrap() {
        assert!(is_millis_instant(&e["at"]), "{e}");
    }
}

#[tokio::test]
async fn history_line_changes_are_structured() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let worklog_line = draft["line_items"][0].clone();
    let edit = app
        .send(
            app.request(
                Method::PATCH,
                &format!("/api/v1/invoices/{id}/line-items"),
                Some(&token),
            )
            .header("If-Match", "1")
            .json(&json!({
                "add": [{"description": "Hosting", "quantity": "1", "unit_price": "49.90"}],
                "update": [{"id": worklog_line["id"], "unit_price": "1.00"}]
            })),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    let regen = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v1/invoices/{id}/regenerate"),
                Some(&token),
            )
            .header("If-Match", "2"),
        )
        .await;
    assert_eq!(regen.status, 200, "{}", regen.body);
    // The answer says what regenerate replaced: the hand-edited price of the worklog line
    // (the manual line stays and is not listed).
    assert_eq!(
        regen.body["data"]["dropped_edits"],
        json!([{"line_id": worklog_line["id"], "field": "unit_price", "from": "1.00",
            "to": worklog_line["unit_price"]}]),
        "{}",
        regen.body
    );
    assert_eq!(
        regen.body["data"]["line_items"][0]["unit_price"],
        worklog_line["unit_price"]
    );

    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    let entries = history.body["data"].as_array().unwrap();
    assert_eq!(entries[0]["action"], "regenerated");
    assert_eq!(entries[1]["action"], "line_items_changed");
    let changes = entries[1]["changes"].as_array().unwrap();
    let added = changes.iter().find(|c| c["kind"] == "line_added").unwrap();
    assert_eq!(added["line"]["description"], "Hosting");
    assert_eq!(added["line"]["unit_price"], "49.90");
    assert_eq!(added["line"]["quantity"], "1.00");
    assert_eq!(added["line"]["source"], "manual");
    let price = changes
        .iter()
        .find(|c| c["kind"] == "line_updated" && c["field"] == "unit_price")
        .unwrap();
    assert_eq!(price["line_id"], worklog_line["id"]);
    assert_eq!(price["from"], worklog_line["unit_price"]);
    assert_eq!(price["to"], "1.00");
    assert_eq!(price["description"], worklog_line["description"]);
    assert!(changes.iter().all(|c| {
        !c["field"]
            .as_str()
            .unwrap_or_default()
            .starts_with("line_items[")
    }));
    // Regenerate puts the client's rate back on the worklog line: recorded as such.
    let regen_changes = entries[0]["changes"].as_array().unwrap();
    let back = regen_changes
        .iter()
        .find(|c| c["kind"] == "line_updated" && c["field"] == "unit_price")
        .unwrap_or_else(|| panic!("{}", entries[0]));
    assert_eq!(back["from"], "1.00");
    assert_eq!(back["to"], worklog_line["unit_price"]);
}

#[tokio::test]
async fn every_answer_that_carries_an_invoice_has_its_version_as_etag() {
    let app = proxima_tests::messaging::spawn_app_with_events().await.0;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let admin = app.token(Role::Admin).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap().to_string();
    let finalized = app.finalize(&token, &id).await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let tagged = |reply: &proxima_tests::Reply, what: &str| {
        assert!(
            (200..300).contains(&reply.status),
            "{what}: {} {}",
            reply.status,
            reply.body
        );
        let version = &reply.body["data"]["invoice"]["version"];
        assert_eq!(
            reply.headers["etag"].to_str().unwrap(),
            format!("\"{version}\""),
            "{what}"
        );
    };
    let paid = app
        .post_json(
            &format!("/api/v1/invoices/{id}/payments"),
            &json!({"amount": "1.00", "method": "cash", "paid_on": finalized.body["data"]["issue_date"]}),
            Some(&token),
        )
        .await;
    tagged(&paid, "payment");
    let pid = paid.body["data"]["payment"]["id"].as_str().unwrap();
    let reversed = app
        .send(
            app.request(
                Method::DELETE,
                &format!("/api/v1/invoices/{id}/payments/{pid}"),
                Some(&admin),
            )
            .json(&json!({"reason": "typo"})),
        )
        .await;
    tagged(&reversed, "reversal");
    let credited = app
        .post_json(
            &format!("/api/v1/invoices/{id}/credit-notes"),
            &json!({"reason": "goodwill", "lines": [{"description": "goodwill", "quantity": "1", "unit_price": "1.00"}]}),
            Some(&token),
        )
        .await;
    tagged(&credited, "credit note");
    let sent = app
        .post_json(
            &format!("/api/v1/invoices/{id}/send"),
            &json!({}),
            Some(&token),
        )
        .await;
    tagged(&sent, "send");
    // The tag is the one a later If-Match needs: the invoice's current version.
    let current = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(current.headers["etag"], sent.headers["etag"]);
}

/// Every string of `v` that is an RFC 3339 instant, with where it is.
fn instants(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
            out.push((at.to_string(), s.clone()));
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                instants(x, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                instants(x, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_instant_of_every_answer_has_exactly_three_fraction_digits() {
    let app = proxima_tests::messaging::spawn_app_with_events().await.0;
    app.seed_demo().await;
    let (email, password) = app.add_user(Role::Accountant).await;
    let login = app.login(&email, &password).await;
    let token = login.body["data"]["token"].as_str().unwrap().to_string();
    let refresh_token = login.body["data"]["refresh_token"].as_str().unwrap();
    let admin = app.token(Role::Admin).await;
    let mut answers: Vec<(String, Value)> = vec![("login".into(), login.body.clone())];
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": refresh_token}),
            None,
        )
        .await;
    answers.push(("refresh".into(), refreshed.body));
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap().to_string();
    answers.push(("draft".into(), draft.clone()));
    let finalized = app.finalize(&token, &id).await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let issued_on = finalized.body["data"]["issue_date"].clone();
    answers.push(("finalize".into(), finalized.body));
    let writes = [
        (
            format!("/api/v1/invoices/{id}/payments"),
            json!({"amount": "1.00", "method": "cash", "paid_on": issued_on}),
        ),
        (
            format!("/api/v1/invoices/{id}/credit-notes"),
            json!({"reason": "goodwill", "lines": [{"description": "goodwill", "quantity": "1", "unit_price": "1.00"}]}),
        ),
        (format!("/api/v1/invoices/{id}/send"), json!({})),
    ];
    for (path, body) in &writes {
        let reply = app.post_json(path, body, Some(&token)).await;
        assert!((200..300).contains(&reply.status), "{path}: {}", reply.body);
        answers.push((path.clone(), reply.body));
    }
    let note_id = answers
        .iter()
        .find(|(p, _)| p.ends_with("credit-notes"))
        .and_then(|(_, b)| b["data"]["credit_note"]["id"].as_str())
        .unwrap()
        .to_string();
    for path in [
        format!("/api/v1/invoices/{id}"),
        format!("/api/v1/invoices/{id}/edit-history"),
        format!("/api/v1/invoices/{id}/messages"),
        format!("/api/v1/invoices/{id}/payments"),
        format!("/api/v1/invoices/{id}/pdf"),
        format!("/api/v1/invoices/{id}/einvoice?format=ubl"),
        format!("/api/v1/credit-notes/{note_id}"),
        format!("/api/v1/credit-notes/{note_id}/einvoice?format=cii"),
        "/api/v1/invoices".to_string(),
        "/api/v1/credit-notes".to_string(),
        "/api/v1/clients".to_string(),
        "/api/v1/clients/ACME".to_string(),
    ] {
        let reply = app.get(&path, Some(&admin)).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        answers.push((path, reply.body));
    }
    let mut seen = 0;
    for (what, body) in &answers {
        let mut found = Vec::new();
        instants(body, what, &mut found);
        for (at, s) in found {
            seen += 1;
            let fraction = s
                .split_once('.')
                .map(|(_, f)| f.trim_end_matches('Z'))
                .unwrap_or("");
            assert!(
                fraction.len() == 3 && s.ends_with('Z'),
                "{at}: {s} does not have exactly three fraction digits"
            );
        }
    }
    assert!(seen > 40, "{seen} instants checked");
}

#[tokio::test]
async fn the_e_invoice_and_message_routes_refuse_unknown_query_parameters() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    assert_eq!(app.finalize(&token, id).await.status, 200);
    for path in [
        format!("/api/v1/invoices/{id}/einvoice?format=ubl&fromat=cii"),
        format!("/api/v1/invoices/{id}/messages?since=2026-01-01"),
        format!(
            "/api/v1/credit-notes/{}/einvoice?format=ubl&x=1",
            uuid::Uuid::new_v4()
        ),
    ] {
        let reply = app.get(&path, Some(&token)).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        let field = reply.body["error"]["details"][0]["field"].as_str().unwrap();
        assert!(
            ["fromat", "since", "x"].contains(&field),
            "{path}: {}",
            reply.body
        );
    }
}
