//! The upgrade step `proxima-admin backfill-lists` (`DynamoStore::backfill_lists`): data
//! written before the lists kept counts has no list keys and no `COUNT#` items. After the
//! backfill every list answers as it would have had the data been written by this version:
//! the same totals and the same pages. Run again, it changes nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use proxima::domain::Role;
use proxima::store::DynamoStore;
use proxima_tests::{TestApp, last_month, spawn_app};
use serde_json::{Value, json};

/// The lists the API offers over invoices, credit notes, clients and worklogs.
fn lists(clients: &[String]) -> Vec<String> {
    let period = last_month().to_string();
    let mut out = vec![
        "/api/v1/invoices".to_string(),
        "/api/v1/invoices?status=draft".into(),
        "/api/v1/invoices?status=finalized".into(),
        "/api/v1/invoices?status=void".into(),
        format!("/api/v1/invoices?period={period}"),
        format!("/api/v1/invoices?period={period}&status=finalized"),
        "/api/v1/credit-notes".into(),
        "/api/v1/clients".into(),
        // The receivables lists (by standing, sorted by due_sk) and their day counts.
        "/api/v1/invoices?overdue=false".into(),
        "/api/v1/invoices?overdue=true".into(),
        "/api/v1/invoices?payment_status=unpaid".into(),
        format!(
            "/api/v1/invoices?due_from={}&due_to={}",
            last_month().first_day(),
            chrono::Utc::now().date_naive() + chrono::Days::new(60)
        ),
    ];
    for c in clients {
        out.push(format!("/api/v1/invoices?client_key={c}"));
        out.push(format!("/api/v1/invoices?client_key={c}&status=draft"));
        out.push(format!(
            "/api/v1/invoices?client_key={c}&period={period}&status=finalized"
        ));
        out.push(format!("/api/v1/credit-notes?client_key={c}"));
        out.push(format!("/api/v1/clients/{c}/worklogs"));
        out.push(format!("/api/v1/clients/{c}/worklogs?period={period}"));
        out.push(format!("/api/v1/invoices?client_key={c}&overdue=false"));
        // A partial month: counted from the day counts.
        out.push(format!(
            "/api/v1/clients/{c}/worklogs?from={}&to={}",
            last_month().first_day() + chrono::Days::new(1),
            last_month().last_day()
        ));
    }
    out
}

/// Every list's total and the ids (or keys) on its first page, by path.
async fn snapshot(
    app: &TestApp,
    token: &str,
    paths: &[String],
) -> Vec<(String, Value, Vec<Value>)> {
    let mut out = Vec::new();
    for path in paths {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = app
            .get(&format!("{path}{sep}per_page=100"), Some(token))
            .await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let ids = r.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|i| i.get("id").or(i.get("key")).cloned().unwrap_or(Value::Null))
            .collect();
        out.push((path.clone(), r.body["meta"]["total"].clone(), ids));
    }
    out
}

/// Make the table look as the earlier version left it: no `COUNT#` items, no list keys on
/// invoice headers, credit notes and clients (not even the single-index `gsi1` keys, which
/// the earlier version wrote differently). Returns how many items were aged.
async fn age(app: &TestApp) -> usize {
    let mut aged = 0;
    let mut start = None;
    loop {
        let page = app
            .dynamodb
            .scan()
            .table_name(&app.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in page.items() {
            let text = |k: &str| {
                item.get(k)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            let (pk, sk) = (text("pk"), text("sk"));
            let key =
                |b: aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder| {
                    b.key("pk", AttributeValue::S(pk.clone()))
                        .key("sk", AttributeValue::S(sk.clone()))
                };
            if pk.starts_with("COUNT#") {
                key(app.dynamodb.delete_item().table_name(&app.table))
                    .send()
                    .await
                    .expect("delete count");
                aged += 1;
            } else if matches!(
                (pk.split('#').next(), sk.as_str()),
                (Some("INVOICE"), "INVOICE")
                    | (Some("CREDIT_NOTE"), "CREDIT_NOTE")
                    | (Some("CLIENT"), "CLIENT")
            ) {
                let names: Vec<&String> = item
                    .keys()
                    .filter(|a| {
                        a.starts_with("list") || a.starts_with("gsi1") || a.as_str() == "due_sk"
                    })
                    .collect();
                let mut update = app
                    .dynamodb
                    .update_item()
                    .table_name(&app.table)
                    .key("pk", AttributeValue::S(pk.clone()))
                    .key("sk", AttributeValue::S(sk.clone()));
                let mut removes = Vec::new();
                for (i, n) in names.iter().enumerate() {
                    removes.push(format!("#a{i}"));
                    update = update.expression_attribute_names(format!("#a{i}"), n.as_str());
                }
                update
                    .update_expression(format!("REMOVE {}", removes.join(", ")))
                    .send()
                    .await
                    .expect("strip list keys");
                aged += 1;
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return aged;
        }
    }
}

#[tokio::test]
async fn the_backfill_restores_every_list_of_data_written_before_counts() {
    let app = spawn_app().await;
    let clients = app.seed_clients_with_work(3).await;
    let token = app.token(Role::Accountant).await;
    // Client 0: a finalized invoice with a credit note; client 1: a draft; client 2: a
    // finalized invoice voided.
    let first = app.draft(&token, &clients[0]).await;
    let id0 = first["id"].as_str().expect("id").to_string();
    assert_eq!(app.finalize(&token, &id0).await.status, 200);
    let note = app
        .post_json(
            &format!("/api/v1/invoices/{id0}/credit-notes"),
            &json!({"reason": "Hours billed twice", "lines": [
                {"description": "Duplicate hours", "quantity": "0.5", "unit_price": "50.00"}]}),
            Some(&token),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    app.draft(&token, &clients[1]).await;
    let third = app.draft(&token, &clients[2]).await;
    let id2 = third["id"].as_str().expect("id").to_string();
    assert_eq!(app.finalize(&token, &id2).await.status, 200);
    let void = app
        .post_json(
            &format!("/api/v1/invoices/{id2}/void"),
            &json!({"reason": "Issued in error"}),
            Some(&token),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.body);

    let paths = lists(&clients);
    let before = snapshot(&app, &token, &paths).await;
    assert_eq!(before[0].1, 3, "three invoices: {before:?}");

    // As the earlier version left it: the lists are empty or wrong.
    assert!(age(&app).await > 0);
    let aged = snapshot(&app, &token, &paths).await;
    assert_ne!(aged, before, "aging the table changed no list");

    let store = DynamoStore::new(app.dynamodb.clone(), &app.table);
    let report = store.backfill_lists().await.expect("backfill");
    assert!(report.reindexed >= 3 + 1 + 3, "{report:?}");
    assert!(report.counts > 0, "{report:?}");
    let after = snapshot(&app, &token, &paths).await;
    assert_eq!(after, before, "every list as before the upgrade");

    // Idempotent: nothing left to re-index, the same counts, the same lists.
    let again = store.backfill_lists().await.expect("backfill again");
    assert_eq!(again.reindexed, 0, "{again:?}");
    assert_eq!(again.counts, report.counts, "{again:?}");
    assert_eq!(snapshot(&app, &token, &paths).await, before);

    // And new writes keep the counts from there: a voided invoice's client and period may be
    // invoiced again, and the new draft is counted once.
    app.draft(&token, &clients[2]).await;
    let r = app.get("/api/v1/invoices", Some(&token)).await;
    assert_eq!(r.body["meta"]["total"], 4, "{}", r.body);
    let r = app.get("/api/v1/invoices?status=draft", Some(&token)).await;
    assert_eq!(r.body["meta"]["total"], 2, "{}", r.body);
}
