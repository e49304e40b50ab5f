//! Work no live invoice bills: a worklog imported after its period was finalized, or after
//! its draft was made, shows in `GET /api/v1/reports/uninvoiced` until an invoice bills it.

use proxima::domain::Role;
use proxima_tests::{TestApp, last_month, spawn_app};
use serde_json::Value;

async fn import(app: &TestApp, rows: &str) {
    let csv = format!("worklog_id,client_key,date,author,issue_key,issue_summary,minutes\n{rows}");
    let summary = proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .unwrap();
    assert_eq!(summary.rejected.len(), 0, "{summary:?}");
}

async fn report(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/reports/uninvoiced{query}"), Some(token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn late_work_shows_until_an_invoice_bills_it() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let viewer = app.token(Role::Viewer).await;
    let period = last_month().to_string();
    let query = format!("?period={period}");

    // Before any invoice, every client's billable work of the period is uninvoiced.
    let before = report(&app, &viewer, &query).await;
    assert!(
        before.iter().any(|r| r["client_key"] == "ACME"),
        "{before:?}"
    );

    // ACME finalized; NORDLICHT drafted: their work is billed.
    let acme = app.draft(&token, "ACME").await;
    let acme_id = acme["id"].as_str().unwrap();
    let finalized = app.finalize(&token, acme_id).await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let number = finalized.body["data"]["number"].clone();
    let nord = app.draft(&token, "NORDLICHT").await;
    let billed = report(&app, &viewer, &query).await;
    assert!(
        !billed
            .iter()
            .any(|r| r["client_key"] == "ACME" || r["client_key"] == "NORDLICHT"),
        "{billed:?}"
    );

    // Late work for both: 125 minutes for ACME after its invoice was finalized, 60 for
    // NORDLICHT after its draft was made.
    let day = last_month().first_day();
    import(
        &app,
        &format!(
            "LATE-1,ACME,{day},Ann,ACME-9,Late fix,125\nLATE-2,NORDLICHT,{day},Max,NORD-9,Late fix,60\n"
        ),
    )
    .await;
    let late = report(&app, &viewer, &query).await;
    let row = |key: &str| late.iter().find(|r| r["client_key"] == key).cloned();
    let acme_row = row("ACME").expect("ACME's late work");
    assert_eq!(acme_row["period"], period.as_str());
    assert_eq!(acme_row["minutes"], 125);
    assert_eq!(acme_row["hours"], "2.08");
    assert_eq!(acme_row["invoice_id"], acme["id"]);
    assert_eq!(acme_row["invoice_number"], number);
    assert_eq!(acme_row["worklog_ids"].as_array().unwrap().len(), 1);
    assert_eq!(acme_row["currency"], acme["currency"]);
    let nord_row = row("NORDLICHT").expect("NORDLICHT's late work");
    assert_eq!(nord_row["invoice_id"], nord["id"]);
    assert_eq!(nord_row["invoice_number"], Value::Null);
    // Without a period: every period, the same rows among them.
    let all = report(&app, &viewer, "").await;
    assert!(
        all.contains(&acme_row) && all.contains(&nord_row),
        "{all:?}"
    );

    // Regenerating the draft bills NORDLICHT's late work; ACME's stays until acted on.
    let regen = app
        .send(
            app.request(
                reqwest::Method::PUT,
                &format!(
                    "/api/v1/invoices/{}/regenerate",
                    nord["id"].as_str().unwrap()
                ),
                Some(&token),
            )
            .header("If-Match", "1"),
        )
        .await;
    assert_eq!(regen.status, 200, "{}", regen.body);
    let after = report(&app, &viewer, &query).await;
    assert!(
        after.iter().all(|r| r["client_key"] != "NORDLICHT"),
        "{after:?}"
    );
    assert!(after.contains(&acme_row));

    // Bad input.
    app.get("/api/v1/reports/uninvoiced?period=2026-13", Some(&viewer))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/reports/uninvoiced?colour=red", Some(&viewer))
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/reports/uninvoiced", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

/// A worklog an issued invoice bills is locked: a re-import that would change or move it
/// is refused naming the invoice, and the worklog stays as billed; the same row again, or a
/// worklog on a draft, imports as before.
#[tokio::test]
async fn a_worklog_an_issued_invoice_bills_refuses_to_change() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let day = last_month().first_day();
    let row = |id: &str, client: &str, minutes: u32| {
        format!("{id},{client},{day},Ann,LOCK-1,Locked work,{minutes}\n")
    };
    import(
        &app,
        &format!(
            "{}{}",
            row("LOCK-1", "ACME", 90),
            row("DRAFT-1", "NORDLICHT", 30)
        ),
    )
    .await;
    let acme = app.draft(&token, "ACME").await;
    let finalized = app.finalize(&token, acme["id"].as_str().unwrap()).await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let number = finalized.body["data"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    app.draft(&token, "NORDLICHT").await;

    let csv = format!(
        "worklog_id,client_key,date,author,issue_key,issue_summary,minutes\n{}{}{}",
        row("LOCK-1", "ACME", 95),
        row("DRAFT-1", "NORDLICHT", 45),
        row("LOCK-1", "ACME", 90)
            .replace(&day.to_string(), &(day + chrono::Days::new(1)).to_string()),
    );
    // The third row repeats LOCK-1 (moved a day): the last row of an id is the one read.
    let changed = proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .unwrap();
    assert_eq!(changed.rejected.len(), 1, "{changed:?}");
    assert!(
        changed.rejected[0].message.contains(&number),
        "names the invoice: {changed:?}"
    );
    assert_eq!(
        changed.imported, 1,
        "the draft's worklog changed: {changed:?}"
    );

    // The same rows as billed import again (nothing changes).
    let same = format!(
        "worklog_id,client_key,date,author,issue_key,issue_summary,minutes\n{}",
        row("LOCK-1", "ACME", 90)
    );
    let again = proxima::import::import_worklogs(same.as_bytes(), app.state.stores())
        .await
        .unwrap();
    assert_eq!((again.rejected.len(), again.imported), (0, 1), "{again:?}");

    // The invoice still agrees with its worklogs: nothing of ACME's is uninvoiced.
    let viewer = app.token(Role::Viewer).await;
    let open = report(&app, &viewer, &format!("?period={}", last_month())).await;
    assert!(open.iter().all(|r| r["client_key"] != "ACME"), "{open:?}");
}
