//! Invoice drafts through the HTTP API: generate, prefill, bulk, list, get, edit, line
//! items, regenerate and history, with their races.

use chrono::Utc;
use proxima::domain::Role;
use proxima_tests::{Reply, TestApp, last_month, spawn_app};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}

async fn setup() -> (TestApp, String, String) {
    let app = spawn_app().await;
    app.seed_demo().await;
    let accountant = app.token(Role::Accountant).await;
    let viewer = app.token(Role::Viewer).await;
    (app, accountant, viewer)
}

async fn send_json(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<u64>,
    body: &Value,
) -> Reply {
    let mut req = app.request(method, path, Some(token)).json(body);
    if let Some(v) = if_match {
        req = req.header("if-match", v.to_string());
    }
    app.send(req).await
}

/// Every line: amount = quantity x price rounded; subtotal = sum; total = subtotal + tax.
fn assert_arithmetic(invoice: &Value) {
    let places = if invoice["currency"] == "JPY" { 0 } else { 2 };
    let mut sum = Decimal::ZERO;
    for line in invoice["line_items"].as_array().unwrap() {
        let amount = dec(&line["amount"]);
        let expected = (dec(&line["quantity"]) * dec(&line["unit_price"]))
            .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(amount, expected, "line {line}");
        assert_eq!(amount.scale(), places);
        sum += amount;
    }
    assert_eq!(dec(&invoice["subtotal"]), sum);
    let tax = (sum * dec(&invoice["tax_rate"]) / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(dec(&invoice["tax_amount"]), tax);
    assert_eq!(dec(&invoice["total"]), sum + tax);
}

#[tokio::test]
async fn generate_creates_a_draft_from_billable_worklogs() {
    let (app, token, _) = setup().await;
    let period = last_month();
    let worklogs = app
        .get(
            &format!("/api/v1/clients/NORDLICHT/worklogs?period={period}&per_page=100"),
            Some(&token),
        )
        .await;
    let billable_minutes: u64 = worklogs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["billable"] == true)
        .map(|w| w["minutes"].as_u64().unwrap())
        .sum();

    let reply = app.generate(&token, "NORDLICHT").await;

    assert_eq!(reply.status, 201, "{}", reply.body);
    let inv = &reply.body["data"];
    assert_eq!(inv["status"], "draft");
    assert!(inv["number"].is_null());
    assert_eq!(inv["client_key"], "NORDLICHT");
    assert_eq!(inv["client"]["name"], "Nordlicht Software GmbH");
    assert_eq!(inv["period"], period.to_string());
    assert_eq!(inv["currency"], "EUR");
    assert_eq!(inv["tax_rate"], "19.00");
    assert_eq!(inv["version"], 1);
    assert_eq!(reply.headers.get("etag").unwrap(), "\"1\"");
    let issue: chrono::NaiveDate = inv["issue_date"].as_str().unwrap().parse().unwrap();
    let due: chrono::NaiveDate = inv["due_date"].as_str().unwrap().parse().unwrap();
    assert_eq!((due - issue).num_days(), 14, "payment terms");
    let lines = inv["line_items"].as_array().unwrap();
    assert!(!lines.is_empty());
    let line_worklogs: usize = lines
        .iter()
        .map(|l| l["worklog_ids"].as_array().unwrap().len())
        .sum();
    let billable = worklogs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["billable"] == true)
        .count();
    assert_eq!(
        line_worklogs, billable,
        "every billable worklog on exactly one line"
    );
    for l in lines {
        assert_eq!(l["source"], "worklogs");
        assert_eq!(l["unit_price"], "82.50");
    }
    // Grouped by issue: each line's hours are its group's minutes / 60, rounded.
    let hours: Decimal = lines.iter().map(|l| dec(&l["quantity"])).sum();
    let exact = Decimal::from(billable_minutes) / Decimal::from(60);
    assert!((hours - exact).abs() <= Decimal::new(5, 3) * Decimal::from(lines.len() as u64));
    assert_arithmetic(inv);

    let fetched = app
        .get(
            &format!("/api/v1/invoices/{}", inv["id"].as_str().unwrap()),
            Some(&token),
        )
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(&fetched.body["data"], inv, "stored exactly as returned");
}

#[tokio::test]
async fn one_invoice_per_client_and_period() {
    let (app, token, _) = setup().await;
    let first = app.generate(&token, "ACME").await;
    assert_eq!(first.status, 201);
    let again = app.generate(&token, "ACME").await;
    again.assert_error(409, "CONFLICT");
    let existing = first.body["data"]["id"].as_str().unwrap();
    assert!(
        again.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(existing),
        "the 409 names the existing invoice: {}",
        again.body
    );
    assert_eq!(
        again.body["error"]["existing_invoice_id"], existing,
        "and carries its id in a field a page can follow"
    );
    assert_eq!(
        app.generate(&token, "GULZOR").await.status,
        201,
        "other clients are free"
    );
}

#[tokio::test]
async fn viewers_are_forbidden_every_write_but_may_read_and_preview() {
    let (app, accountant, viewer) = setup().await;
    let created = app.generate(&accountant, "ACME").await;
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/invoices/generate".into(),
            json!({"client_key": "GULZOR", "period": last_month().to_string()}),
        ),
        (
            Method::POST,
            "/api/v1/invoices/generate-bulk".into(),
            json!({"period": last_month().to_string()}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}"),
            json!({"notes": "x"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}/line-items"),
            json!({"remove": []}),
        ),
        (
            Method::PUT,
            format!("/api/v1/invoices/{id}/regenerate"),
            json!({}),
        ),
        // Even a malformed body is refused for the role first.
        (
            Method::PATCH,
            format!("/api/v1/invoices/{id}"),
            json!({"number": "INV-1"}),
        ),
    ];
    for (method, path, body) in writes {
        let reply = send_json(&app, method.clone(), &path, &viewer, Some(1), &body).await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
        reply.assert_error(403, "FORBIDDEN");
    }
    assert_eq!(
        app.get(&format!("/api/v1/invoices/{id}"), Some(&viewer))
            .await
            .status,
        200
    );
    assert_eq!(app.get("/api/v1/invoices", Some(&viewer)).await.status, 200);
    assert_eq!(
        app.get(
            &format!("/api/v1/invoices/{id}/edit-history"),
            Some(&viewer)
        )
        .await
        .status,
        200
    );
    let preview = app
        .post_json(
            "/api/v1/invoices/prefill",
            &json!({"client_key": "GULZOR", "period": last_month().to_string()}),
            Some(&viewer),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    // The invoice is unchanged.
    let after = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&accountant))
        .await;
    assert_eq!(after.body["data"], created.body["data"]);
}

#[tokio::test]
async fn prefill_matches_generate_and_saves_nothing() {
    let (app, token, _) = setup().await;
    let body =
        json!({"client_key": "GULZOR", "period": last_month().to_string(), "group_by": "author"});
    let preview = app
        .post_json("/api/v1/invoices/prefill", &body, Some(&token))
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(
        preview.body["data"]["id"],
        "00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(
        app.get("/api/v1/invoices", Some(&token)).await.body["meta"]["total"],
        0
    );

    let created = app
        .post_json("/api/v1/invoices/generate", &body, Some(&token))
        .await;
    assert_eq!(created.status, 201);
    for field in ["subtotal", "tax_amount", "total", "currency", "group_by"] {
        assert_eq!(
            preview.body["data"][field], created.body["data"][field],
            "{field}"
        );
    }
    assert_eq!(
        preview.body["data"]["line_items"].as_array().unwrap().len(),
        created.body["data"]["line_items"].as_array().unwrap().len()
    );
    assert!(
        created.body["data"]["line_items"][0]["description"]
            .as_str()
            .unwrap()
            .starts_with("Work by ")
    );
    assert_arithmetic(&created.body["data"]);
}

#[tokio::test]
async fn generate_rejects_bad_input_naming_the_field() {
    let (app, token, _) = setup().await;
    for (body, status, field) in [
        (
            json!({"client_key": "ACME", "period": "2026-13"}),
            400,
            Some("period"),
        ),
        (
            json!({"client_key": "ACME", "period": "2999-01"}),
            400,
            Some("period"),
        ),
        (
            json!({"client_key": "ACME", "period": last_month().to_string(), "group_by": "week"}),
            400,
            Some("group_by"),
        ),
        (
            json!({"client_key": "ACME", "period": last_month().to_string(), "total": "1"}),
            400,
            Some("total"),
        ),
        (
            json!({"period": last_month().to_string()}),
            400,
            Some("client_key"),
        ),
        (
            json!({"client_key": "NOPE", "period": last_month().to_string()}),
            404,
            None,
        ),
    ] {
        let reply = app
            .post_json("/api/v1/invoices/generate", &body, Some(&token))
            .await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        if let Some(field) = field {
            assert_eq!(reply.body["error"]["details"][0]["field"], field, "{body}");
        }
    }
}

#[tokio::test]
async fn patch_needs_the_current_version_and_a_stale_one_changes_nothing() {
    let (app, token, _) = setup().await;
    let created = app.generate(&token, "ACME").await;
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/invoices/{id}");

    send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        None,
        &json!({"notes": "x"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");

    let ok = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(1),
        &json!({"notes": "Спасибо! Rahmat!", "po_number": "PO-7", "tax_rate": "7.5"}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["data"]["version"], 2);
    assert_eq!(ok.body["data"]["notes"], "Спасибо! Rahmat!");
    assert_eq!(ok.body["data"]["tax_rate"], "7.50");
    assert_arithmetic(&ok.body["data"]);

    let stale = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(1),
        &json!({"notes": "lost update"}),
    )
    .await;
    stale.assert_error(409, "CONFLICT");
    let current = app.get(&path, Some(&token)).await;
    assert_eq!(
        current.body["data"], ok.body["data"],
        "a stale write changes nothing"
    );

    // Body version works too; moving the issue date moves the due date with it.
    let issue: chrono::NaiveDate = current.body["data"]["issue_date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let moved = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        None,
        &json!({"version": 2, "issue_date": (issue - chrono::Days::new(3)).to_string()}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let due: chrono::NaiveDate = moved.body["data"]["due_date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((due - (issue - chrono::Days::new(3))).num_days(), 30);

    // Fields a client may not set are rejected, naming them.
    for (body, field) in [
        (json!({"status": "finalized"}), "status"),
        (json!({"number": "INV-2026-00001"}), "number"),
        (json!({"total": "0.01"}), "total"),
        (json!({"tax_rate": "101"}), "tax_rate"),
        (json!({"due_date": "2000-01-01"}), "due_date"),
        (json!({"notes": 5}), "notes"),
        (json!({}), "body"),
    ] {
        let reply = send_json(&app, Method::PATCH, &path, &token, Some(3), &body).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["field"], field, "{body}");
    }
    app.get("/api/v1/invoices/not-a-uuid", Some(&token))
        .await
        .assert_error(404, "NOT_FOUND");
    send_json(
        &app,
        Method::PATCH,
        &format!("/api/v1/invoices/{}", uuid::Uuid::new_v4()),
        &token,
        Some(1),
        &json!({"notes": "x"}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn line_item_batches_apply_all_or_nothing() {
    let (app, token, _) = setup().await;
    let created = app.generate(&token, "ACME").await;
    let inv = &created.body["data"];
    let path = format!(
        "/api/v1/invoices/{}/line-items",
        inv["id"].as_str().unwrap()
    );
    let first = inv["line_items"][0]["id"].as_str().unwrap().to_string();
    let second = inv["line_items"][1]["id"].as_str().unwrap().to_string();

    let bad = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(1),
        &json!({
            "add": [{"description": "Hosting", "quantity": "1", "unit_price": "49.99"},
                    {"description": "", "quantity": "1", "unit_price": "1"}],
            "remove": [second]
        }),
    )
    .await;
    bad.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(
        bad.body["error"]["details"][0]["field"],
        "add[1].description"
    );
    let unchanged = app
        .get(
            &format!("/api/v1/invoices/{}", inv["id"].as_str().unwrap()),
            Some(&token),
        )
        .await;
    assert_eq!(&unchanged.body["data"], inv, "nothing applied");

    for (body, field) in [
        (
            json!({"add": [{"description": "x", "quantity": "0", "unit_price": "1"}]}),
            "add[0].quantity",
        ),
        (
            json!({"add": [{"description": "x", "quantity": "1.234", "unit_price": "1"}]}),
            "add[0].quantity",
        ),
        (
            json!({"add": [{"description": "x", "quantity": "1", "unit_price": "-1"}]}),
            "add[0].unit_price",
        ),
        (
            json!({"add": [{"description": "x".repeat(501), "quantity": "1", "unit_price": "1"}]}),
            "add[0].description",
        ),
        (
            json!({"update": [{"id": first, "quantity": "2"}]}),
            "update[0].quantity",
        ),
        (json!({"remove": [uuid::Uuid::new_v4()]}), "remove[0]"),
        (
            json!({"add": [{"description": "x", "quantity": 1, "unit_price": "1"}]}),
            "add[0].quantity",
        ),
        (
            json!({"add": [{"description": "x", "quantity": "1", "unit_price": "1", "amount": "9"}]}),
            "add[0].amount",
        ),
    ] {
        let reply = send_json(&app, Method::PATCH, &path, &token, Some(1), &body).await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["field"], field, "{body}");
    }

    let ok = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(1),
        &json!({
            "add": [{"description": "Hosting (oʻrnatish)", "quantity": "1", "unit_price": "49.99"},
                    {"description": "Half-cent line", "quantity": "0.5", "unit_price": "0.01"}],
            "update": [{"id": first, "description": "Renamed", "unit_price": "100"}],
            "remove": [second]
        }),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let data = &ok.body["data"];
    assert_eq!(data["version"], 2);
    let lines = data["line_items"].as_array().unwrap();
    assert_eq!(lines.len(), inv["line_items"].as_array().unwrap().len() + 1);
    assert!(lines.iter().all(|l| l["id"] != second.as_str()));
    let renamed = lines.iter().find(|l| l["id"] == first.as_str()).unwrap();
    assert_eq!(renamed["description"], "Renamed");
    assert_eq!(renamed["unit_price"], "100.00");
    let half = lines
        .iter()
        .find(|l| l["description"] == "Half-cent line")
        .unwrap();
    assert_eq!(half["amount"], "0.01", "0.005 rounds half away from zero");
    assert_eq!(half["source"], "manual");
    assert_arithmetic(data);
}

#[tokio::test]
async fn regenerate_rebuilds_worklog_lines_and_keeps_manual_ones() {
    let (app, token, _) = setup().await;
    let created = app.generate(&token, "NORDLICHT").await;
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let added = send_json(
        &app,
        Method::PATCH,
        &format!("/api/v1/invoices/{id}/line-items"),
        &token,
        Some(1),
        &json!({"add": [{"description": "Licence", "quantity": "1", "unit_price": "300"}]}),
    )
    .await;
    assert_eq!(added.status, 200);

    // New work arrives for the period.
    let day = last_month().first_day();
    let csv = format!(
        "worklog_id,client_key,date,author,issue_key,issue_summary,minutes\nNEW-1,NORDLICHT,{day},Maria Keller,NORD-NEW,Late fix,125\n"
    );
    proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .unwrap();

    let path = format!("/api/v1/invoices/{id}/regenerate");
    send_json(&app, Method::PUT, &path, &token, None, &json!({}))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    send_json(&app, Method::PUT, &path, &token, Some(1), &json!({}))
        .await
        .assert_error(409, "CONFLICT");
    let regen = send_json(&app, Method::PUT, &path, &token, Some(2), &json!({})).await;
    assert_eq!(regen.status, 200, "{}", regen.body);
    assert_eq!(
        regen.body["data"]["dropped_edits"],
        json!([]),
        "no hand edit replaced"
    );
    let lines = regen.body["data"]["line_items"].as_array().unwrap();
    let new = lines
        .iter()
        .find(|l| l["description"] == "NORD-NEW: Late fix")
        .expect("new worklog line");
    assert_eq!(new["quantity"], "2.08");
    assert!(
        lines
            .iter()
            .any(|l| l["description"] == "Licence" && l["source"] == "manual")
    );
    assert_eq!(
        lines.len(),
        added.body["data"]["line_items"].as_array().unwrap().len() + 1
    );
    // Unchanged groups keep their line ids.
    let before_ids: Vec<&Value> = created.body["data"]["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["id"])
        .collect();
    assert!(
        before_ids
            .iter()
            .all(|id| lines.iter().any(|l| &&l["id"] == id))
    );
    assert_arithmetic(&regen.body["data"]);

    // Regrouped by author: one worklog line per author, the manual line kept, same total
    // of worklog hours.
    let regrouped = send_json(
        &app,
        Method::PUT,
        &path,
        &token,
        Some(3),
        &json!({"group_by": "author"}),
    )
    .await;
    assert_eq!(regrouped.status, 200, "{}", regrouped.body);
    assert_eq!(regrouped.body["data"]["group_by"], "author");
    let by_author = regrouped.body["data"]["line_items"].as_array().unwrap();
    assert!(by_author.iter().any(|l| l["description"] == "Licence"));
    assert!(
        by_author
            .iter()
            .any(|l| l["description"].as_str().unwrap().contains("Maria Keller"))
    );
    let hours = |ls: &[Value]| -> Decimal {
        ls.iter()
            .filter(|l| l["source"] == "worklogs")
            .map(|l| dec(&l["quantity"]))
            .sum()
    };
    let diff = (hours(lines) - hours(by_author)).abs();
    assert!(
        diff < Decimal::new(5, 2) * Decimal::from(lines.len()),
        "hours kept, up to rounding"
    );
    assert_arithmetic(&regrouped.body["data"]);
    send_json(
        &app,
        Method::PUT,
        &path,
        &token,
        Some(4),
        &json!({"group_by": "week"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn every_write_is_in_the_history_newest_first_with_actor_and_changes() {
    let (app, token, _) = setup().await;
    let created = app.generate(&token, "ACME").await;
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    send_json(
        &app,
        Method::PATCH,
        &format!("/api/v1/invoices/{id}"),
        &token,
        Some(1),
        &json!({"po_number": "PO-1"}),
    )
    .await;
    send_json(
        &app,
        Method::PATCH,
        &format!("/api/v1/invoices/{id}/line-items"),
        &token,
        Some(2),
        &json!({"add": [{"description": "Extra", "quantity": "1", "unit_price": "10"}]}),
    )
    .await;
    send_json(
        &app,
        Method::PUT,
        &format!("/api/v1/invoices/{id}/regenerate"),
        &token,
        Some(3),
        &json!({}),
    )
    .await;

    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;

    assert_eq!(history.status, 200);
    let entries = history.body["data"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["regenerated", "line_items_changed", "updated", "created"]
    );
    let me = created.body["data"]["created_by"].as_str().unwrap();
    assert!(me.starts_with("accountant-"));
    assert!(entries.iter().all(|e| e["actor"] == me));
    let update = &entries[2]["changes"][0];
    assert_eq!(update["field"], "po_number");
    assert!(update["from"].is_null());
    assert_eq!(update["to"], "PO-1");
    assert_eq!(update["kind"], "field");
    let line_changes: Vec<&Value> = entries[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] != "field")
        .collect();
    assert!(!line_changes.is_empty(), "{}", entries[1]);
    assert!(line_changes.iter().all(|c| {
        ["line_added", "line_removed", "line_updated"].contains(&c["kind"].as_str().unwrap())
    }));
    assert!(
        entries[1]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "field" && c["field"] == "total")
    );
    app.get(
        &format!("/api/v1/invoices/{}/edit-history", uuid::Uuid::new_v4()),
        Some(&token),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn list_is_newest_first_filtered_and_counts_truly() {
    let (app, token, _) = setup().await;
    for client in ["ACME", "GULZOR", "NORDLICHT"] {
        assert_eq!(app.generate(&token, client).await.status, 201);
    }
    let list = app.get("/api/v1/invoices?per_page=2", Some(&token)).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["meta"]["total"], 3);
    let keys: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["client_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["NORDLICHT", "GULZOR"], "newest first");
    assert!(
        list.body["data"][0].get("line_items").is_none(),
        "no lines in lists"
    );

    let filtered = app
        .get(
            &format!(
                "/api/v1/invoices?client_key=GULZOR&status=draft&period={}",
                last_month()
            ),
            Some(&token),
        )
        .await;
    assert_eq!(filtered.body["meta"]["total"], 1);
    let none = app
        .get("/api/v1/invoices?status=finalized", Some(&token))
        .await;
    assert_eq!(none.body["meta"]["total"], 0);
    for (q, field) in [
        ("status=sent", "status"),
        ("period=2026", "period"),
        ("page=0", "page"),
    ] {
        let reply = app
            .get(&format!("/api/v1/invoices?{q}"), Some(&token))
            .await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["field"], field);
    }
}

#[tokio::test]
async fn bulk_generates_once_per_active_client_with_billable_work() {
    let (app, token, _) = setup().await;
    // A client with no worklogs at all.
    proxima::import::import_clients(
        br#"[{"key": "QUIET", "name": "Quiet Ltd", "email": "q@quiet.example",
              "address": {"line1": "1 Road", "city": "Tashkent", "country": "UZ"},
              "currency": "JPY", "hourly_rate": "9000", "tax_rate": "10", "payment_terms_days": 7,
              "timezone": "Asia/Tokyo"}]"#,
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        app.generate(&token, "ACME").await.status,
        201,
        "one exists already"
    );
    let body = json!({"period": last_month().to_string()});

    let first = app
        .post_json("/api/v1/invoices/generate-bulk", &body, Some(&token))
        .await;

    assert_eq!(first.status, 200, "{}", first.body);
    let data = &first.body["data"];
    let created: Vec<&str> = data["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["client_key"].as_str().unwrap())
        .collect();
    assert_eq!(created, ["GULZOR", "NORDLICHT", "VOSTOK"]);
    let skipped: Vec<(&str, &str)> = data["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["client_key"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("ACME", "invoice_exists"),
            ("QUIET", "no_billable_worklogs")
        ]
    );
    assert_eq!(data["failed"], json!([]));
    assert_eq!(data["period"], last_month().to_string());

    let second = app
        .post_json("/api/v1/invoices/generate-bulk", &body, Some(&token))
        .await;
    assert_eq!(second.body["data"]["created"], json!([]));
    assert_eq!(second.body["data"]["skipped"].as_array().unwrap().len(), 5);
    let list = app.get("/api/v1/invoices", Some(&token)).await;
    assert_eq!(
        list.body["meta"]["total"], 4,
        "OLDCO (inactive) is never invoiced in bulk"
    );
}

#[tokio::test]
async fn a_thousand_line_edit_fits_and_its_history_reads_back_whole() {
    let (app, token, _) = setup().await;
    let created = app.draft(&token, "ACME").await;
    let id = created["id"].as_str().unwrap();
    let have = created["line_items"].as_array().unwrap().len();
    let path = format!("/api/v1/invoices/{id}/line-items");
    // Up to the 1000-line limit, each with a 500-character description, in one batch: its
    // history entry is far over DynamoDB's 400 KB item limit.
    let adds: Vec<Value> = (have..1000)
        .map(|i| {
            json!({"description": format!("{i:04} {}", "x".repeat(495)),
                   "quantity": "1", "unit_price": "1.00"})
        })
        .collect();
    let added = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(1),
        &json!({"add": adds}),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(
        added.body["data"]["line_items"].as_array().unwrap().len(),
        1000
    );
    // And every line changed at once.
    let updates: Vec<Value> = added.body["data"]["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!({"id": l["id"], "unit_price": "2.00"}))
        .collect();
    let changed = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(2),
        &json!({"update": updates}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    let history = app
        .get(&format!("/api/v1/invoices/{id}/edit-history"), Some(&token))
        .await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(
        history.body["meta"]["total"], 3,
        "created and two edits, counted once each"
    );
    let entries = history.body["data"].as_array().unwrap();
    let changes = |e: &Value| e["changes"].as_array().unwrap().len();
    // Newest first: every line's price change, then every added line, nothing lost.
    assert!(
        changes(&entries[0]) >= 1000,
        "{} changes",
        changes(&entries[0])
    );
    assert!(
        changes(&entries[1]) >= 1000 - have,
        "{} changes",
        changes(&entries[1])
    );
    let text = entries[1]["changes"].to_string();
    assert!(
        text.contains("0999 xxx"),
        "the last added line is in the history"
    );
}
