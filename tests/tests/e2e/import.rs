//! Worklog and client imports against the real store: per-row reports, good rows kept,
//! idempotent re-imports.

use proxima::domain::Role;
use proxima::import::{ClientFormat, import_clients, import_worklogs};
use proxima_tests::{TestApp, spawn_app};

const TEMPO: &[u8] = include_bytes!("../../fixtures/tempo-worklogs.csv");

async fn app_with_acme() -> (TestApp, String) {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Viewer).await;
    (app, token)
}

async fn october(app: &TestApp, token: &str) -> serde_json::Value {
    app.get(
        "/api/v1/clients/ACME/worklogs?from=2026-10-01&to=2026-10-31&per_page=100",
        Some(token),
    )
    .await
    .body
}

#[tokio::test]
async fn csv_import_reports_bad_rows_and_keeps_good_ones() {
    let (app, token) = app_with_acme().await;
    let before = october(&app, &token).await["meta"]["total"]
        .as_u64()
        .unwrap();

    let report = import_worklogs(TEMPO, app.state.stores()).await.unwrap();

    assert_eq!(report.rows, 7);
    assert_eq!(report.imported, 4);
    let rejected: Vec<(u64, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.message.as_str()))
        .collect();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert_eq!(rejected[0].0, 5);
    assert!(rejected[0].1.contains("hours"));
    assert_eq!(rejected[1].0, 6);
    assert!(rejected[1].1.contains("YYYY-MM-DD"));
    assert_eq!(rejected[2].0, 7);
    assert!(rejected[2].1.contains("unknown client"));

    let after = october(&app, &token).await;
    assert_eq!(after["meta"]["total"].as_u64().unwrap(), before + 4);
    let redirect = after["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["issue_key"] == "ACME-102")
        .expect("imported row");
    assert_eq!(redirect["author"], "Алексей Смирнов");
    assert_eq!(redirect["minutes"], 120);
    assert_eq!(redirect["hours"], "2.00");
    assert_eq!(
        redirect["billable"], false,
        "billed hours 0 means not billable"
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_is_one_set_of_worklogs() {
    let (app, token) = app_with_acme().await;
    let first = import_worklogs(TEMPO, app.state.stores()).await.unwrap();
    let after_first = october(&app, &token).await;

    let second = import_worklogs(TEMPO, app.state.stores()).await.unwrap();
    let after_second = october(&app, &token).await;

    assert_eq!(first, second);
    assert_eq!(after_first, after_second);
}

#[tokio::test]
async fn a_changed_row_with_the_same_tracker_id_replaces_the_old_one() {
    let (app, token) = app_with_acme().await;
    let csv = "Worklog Id,Account Key,Work date,Full name,Issue Key,Hours\n30001,ACME,2026-10-10,Maria Keller,ACME-9,1\n";
    let edited = "Worklog Id,Account Key,Work date,Full name,Issue Key,Hours\n30001,ACME,2026-10-11,Maria Keller,ACME-9,2\n";
    let before = october(&app, &token).await["meta"]["total"]
        .as_u64()
        .unwrap();
    import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .unwrap();
    import_worklogs(edited.as_bytes(), app.state.stores())
        .await
        .unwrap();

    let after = october(&app, &token).await;
    assert_eq!(after["meta"]["total"].as_u64().unwrap(), before + 1);
    let row = after["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["issue_key"] == "ACME-9")
        .unwrap();
    assert_eq!(row["date"], "2026-10-11");
    assert_eq!(row["minutes"], 120);
}

#[tokio::test]
async fn client_import_from_json_and_csv() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let json = serde_json::json!([
        {"key": "TOSHKENT", "name": "Toshkent Oʻquv Markazi", "email": "info@tom.example",
         "address": {"line1": "Amir Temur 1", "city": "Toshkent", "country": "UZ"},
         "currency": "UZS", "hourly_rate": "300000", "tax_rate": "12", "payment_terms_days": 10,
         "timezone": "Asia/Tashkent"},
        {"key": "bad key", "name": "", "email": "nope", "address": {"line1": "x", "city": "y", "country": "ZZZ"},
         "currency": "ABC", "hourly_rate": "1", "tax_rate": "1", "payment_terms_days": 1, "timezone": "Nowhere"},
        {"key": "EXTRA", "unexpected": true}
    ]);
    let report = import_clients(
        json.to_string().as_bytes(),
        ClientFormat::Json,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.rows, report.imported, report.rejected.len()),
        (3, 1, 2)
    );
    assert!(report.rejected[0].message.contains("currency"));

    let csv = "key,name,email,address_line1,address_city,address_country,currency,hourly_rate,tax_rate,payment_terms_days,timezone,active\n\
               BERLINER,Berliner Bär GmbH,a@b.example,Unter den Linden 1,Berlin,DE,EUR,80,19,14,Europe/Berlin,true\n\
               SLEEPY,Sleepy Ltd,s@b.example,1 Road,London,GB,GBP,70,20,30,Europe/London,false\n\
               BROKEN,Broken,b@b.example,1 Road,London,GB,GBP,seventy,20,30,Europe/London,true\n";
    let report = import_clients(
        csv.as_bytes(),
        ClientFormat::Csv,
        app.state.clients.as_ref(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((report.rows, report.imported), (3, 2));
    assert_eq!(report.rejected[0].line, 4);

    let listed = app.get("/api/v1/clients", Some(&token)).await;
    let keys: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["BERLINER", "TOSHKENT"]);
    let rate = app.get("/api/v1/clients/TOSHKENT", Some(&token)).await;
    assert_eq!(rate.body["data"]["hourly_rate"], "300000.00");
}
