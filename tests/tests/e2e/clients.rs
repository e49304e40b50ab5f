//! Clients and worklogs through the HTTP API, on the demo data.

use chrono::{Datelike, Utc};
use proxima::domain::{Period, Role};
use proxima_tests::spawn_app;

#[tokio::test]
async fn lists_active_clients_by_key_with_meta() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;

    let reply = app.get("/api/v1/clients", Some(&token)).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let keys: Vec<&str> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["ACME", "GULZOR", "NORDLICHT", "VOSTOK"],
        "inactive OLDCO is not listed"
    );
    assert_eq!(reply.body["meta"]["total"], 4);
    assert_eq!(reply.body["meta"]["page"], 1);
    assert_eq!(reply.body["meta"]["per_page"], 20);
    let gulzor = &reply.body["data"][1];
    assert_eq!(gulzor["name"], "Gʻulzor Toʻqimachilik MChJ");
    assert_eq!(gulzor["currency"], "UZS");
    assert_eq!(gulzor["hourly_rate"], "450000.00", "money is a string");
    assert_eq!(gulzor["tax_rate"], "12.00");
}

#[tokio::test]
async fn gets_one_client_active_or_not_and_404s_unknown_ones() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;

    let vostok = app.get("/api/v1/clients/VOSTOK", Some(&token)).await;
    assert_eq!(vostok.status, 200);
    assert_eq!(vostok.body["data"]["name"], "ООО «Восток Логистик»");
    assert!(vostok.body["error"].is_null());

    let inactive = app.get("/api/v1/clients/OLDCO", Some(&token)).await;
    assert_eq!(inactive.status, 200);
    assert_eq!(inactive.body["data"]["active"], false);

    app.get("/api/v1/clients/NOPE", Some(&token))
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/api/v1/clients/NOPE/worklogs", Some(&token))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn worklogs_by_period_are_ordered_by_date_then_id_with_hours() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;
    let period = Period::containing(Utc::now().date_naive()).previous();

    let reply = app
        .get(
            &format!("/api/v1/clients/ACME/worklogs?period={period}&per_page=100"),
            Some(&token),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let rows = reply.body["data"].as_array().unwrap();
    assert_eq!(reply.body["meta"]["total"], 30);
    assert_eq!(rows.len(), 30);
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|w| {
            (
                w["date"].as_str().unwrap().to_string(),
                w["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for w in rows {
        assert!(w["date"].as_str().unwrap().starts_with(&period.to_string()));
        let minutes = w["minutes"].as_u64().unwrap();
        let hours: rust_decimal::Decimal = w["hours"].as_str().unwrap().parse().unwrap();
        let expected = proxima::domain::worklog::hours_from_minutes(minutes);
        assert_eq!(hours, expected);
        assert_eq!(
            w["hours"].as_str().unwrap().split('.').nth(1).map(str::len),
            Some(2)
        );
    }
}

#[tokio::test]
async fn worklogs_by_inclusive_date_range() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;
    let period = Period::containing(Utc::now().date_naive()).previous();
    let all = app
        .get(
            &format!("/api/v1/clients/NORDLICHT/worklogs?period={period}&per_page=100"),
            Some(&token),
        )
        .await;
    let first_date = all.body["data"][0]["date"].as_str().unwrap().to_string();
    let expected = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["date"] == first_date.as_str())
        .count();

    let day = app
        .get(
            &format!("/api/v1/clients/NORDLICHT/worklogs?from={first_date}&to={first_date}"),
            Some(&token),
        )
        .await;

    assert_eq!(day.status, 200);
    assert_eq!(day.body["meta"]["total"], expected);
    assert!(
        day.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["date"] == first_date.as_str())
    );
}

#[tokio::test]
async fn bad_worklog_filters_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;
    let year = Utc::now().year();
    for (query, field) in [
        ("period=2026-13", "period"),
        ("period=26-1", "period"),
        ("from=2026-02-30", "from"),
        ("to=yesterday", "to"),
        (&*format!("from={year}-05-02&to={year}-05-01"), "from"),
        ("period=2026-01&from=2026-01-01", "period"),
    ] {
        let reply = app
            .get(
                &format!("/api/v1/clients/ACME/worklogs?{query}"),
                Some(&token),
            )
            .await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn pagination_edges() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;
    let base = "/api/v1/clients/ACME/worklogs";
    let total = app.get(base, Some(&token)).await.body["meta"]["total"]
        .as_u64()
        .unwrap();
    assert_eq!(total, 90, "30 worklogs in each of three months");

    let clamped = app
        .get(&format!("{base}?per_page=1000"), Some(&token))
        .await;
    assert_eq!(clamped.status, 200);
    assert_eq!(clamped.body["meta"]["per_page"], 100);
    assert_eq!(clamped.body["data"].as_array().unwrap().len(), 90);

    let page2 = app
        .get(&format!("{base}?page=2&per_page=50"), Some(&token))
        .await;
    assert_eq!(page2.body["data"].as_array().unwrap().len(), 40);
    assert_eq!(page2.body["meta"]["page"], 2);
    assert_eq!(page2.body["data"][0]["id"], clamped.body["data"][50]["id"]);

    let past = app
        .get(&format!("{base}?page=9&per_page=50"), Some(&token))
        .await;
    assert_eq!(past.status, 200);
    assert_eq!(past.body["data"].as_array().unwrap().len(), 0);
    assert_eq!(past.body["meta"]["total"], 90, "true total past the end");

    for (query, field) in [
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("page=abc", "page"),
        ("per_page=-5", "per_page"),
        ("page=1.5", "page"),
    ] {
        let reply = app
            .get(&format!("/api/v1/clients?{query}"), Some(&token))
            .await;
        reply.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(reply.body["error"]["details"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn seeding_twice_creates_no_duplicates() {
    let app = spawn_app().await;
    let first = app.seed_demo().await;
    let second = app.seed_demo().await;
    assert_eq!(first.worklogs, second.worklogs);
    let token = app.token(Role::Viewer).await;
    let clients = app.get("/api/v1/clients", Some(&token)).await;
    assert_eq!(clients.body["meta"]["total"], 4);
    let acme = app.get("/api/v1/clients/ACME/worklogs", Some(&token)).await;
    assert_eq!(acme.body["meta"]["total"], 90);
}

/// Only active ISO 4217 currencies can be invoiced: funds, metals, SDR, test and no-currency
/// codes are 400 naming `currency` through `PUT /clients/{key}` and rejected by the client
/// import; nothing is stored.
#[tokio::test]
async fn clients_take_only_currencies_that_can_be_invoiced() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let body = |currency: &str| {
        serde_json::json!({"key": "CUR", "name": "Currency Ltd", "email": "a@b.example",
            "address": {"line1": "1", "city": "Toshkent", "country": "UZ"},
            "currency": currency, "hourly_rate": "50", "tax_rate": "12",
            "payment_terms_days": 10, "timezone": "Asia/Tashkent"})
    };
    for code in ["XXX", "XAU", "XDR", "XTS", "BOV", "XPT"] {
        let r = app
            .send(
                app.request(reqwest::Method::PUT, "/api/v1/clients/CUR", Some(&admin))
                    .json(&body(code)),
            )
            .await;
        r.assert_error(400, "VALIDATION_ERROR");
        assert_eq!(r.body["error"]["details"][0]["field"], "currency", "{code}");
    }
    assert_eq!(
        app.get("/api/v1/clients/CUR", Some(&admin)).await.status,
        404
    );
    let report = proxima::import::import_clients(
        serde_json::Value::Array(vec![body("XAG"), body("XOF")])
            .to_string()
            .as_bytes(),
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((report.rows, report.imported), (2, 1));
    assert!(report.rejected[0].message.contains("currency"));
    let stored = app.get("/api/v1/clients/CUR", Some(&admin)).await;
    assert_eq!(
        stored.body["data"]["currency"], "XOF",
        "a real currency, CFA franc"
    );
}

#[tokio::test]
async fn currencies_lists_what_a_client_may_be_invoiced_in() {
    let app = proxima_tests::spawn_app().await;
    let token = app.token(proxima::domain::Role::Viewer).await;
    let reply = app.get("/api/v1/currencies", Some(&token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let list = reply.body["data"].as_array().unwrap();
    let find = |code: &str| list.iter().find(|c| c["code"] == code).cloned();
    let uzs = find("UZS").expect("UZS");
    assert_eq!(uzs["minor_units"], 2);
    assert_eq!(uzs["amount_pattern"], "^-?[0-9]+\\.[0-9]{2}$");
    assert_eq!(find("JPY").unwrap()["minor_units"], 0);
    assert_eq!(find("KWD").unwrap()["minor_units"], 3);
    for refused in ["XXX", "XAU", "XDR", "XTS"] {
        assert!(find(refused).is_none(), "{refused} is listed");
    }
    // What the list offers is what PUT /clients accepts: every listed code is taken.
    let admin = app.token(proxima::domain::Role::Admin).await;
    for code in ["UZS", "JPY", "KWD"] {
        let key = format!("CUR-{code}");
        let body = serde_json::json!({"key": key, "name": "Currency check", "email": "a@b.example",
            "address": {"line1": "1 Main", "city": "Tashkent", "country": "UZ"},
            "currency": code, "hourly_rate": "10", "tax_rate": "0",
            "payment_terms_days": 10, "timezone": "Asia/Tashkent"});
        let put = app
            .send(
                app.request(
                    reqwest::Method::PUT,
                    &format!("/api/v1/clients/{key}"),
                    Some(&admin),
                )
                .json(&body),
            )
            .await;
        assert_eq!(put.status, 201, "{code}: {}", put.body);
    }
    app.get("/api/v1/currencies?x=1", Some(&token))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/currencies", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}
