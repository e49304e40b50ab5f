//! Billed work: what no live invoice bills (a worklog imported after its period was
//! finalized, or after its draft was made) shows in `GET /api/v1/reports/uninvoiced` until
//! an invoice bills it; a worklog an issued invoice bills is locked; worklog answers name
//! their invoice; an invoice's timesheet lists the worklogs behind its lines.

use proxima::domain::Role;
use proxima_tests::{TestApp, last_month, pdf_text, spawn_app};
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

    // Worklog answers name the invoice that bills them: its number once issued.
    let viewer_token = app.token(Role::Viewer).await;
    let worklogs = |client: &'static str| {
        let (app, token) = (&app, &viewer_token);
        async move {
            let reply = app
                .get(
                    &format!(
                        "/api/v1/clients/{client}/worklogs?period={}&per_page=100",
                        last_month()
                    ),
                    Some(token),
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body["data"].as_array().unwrap().clone()
        }
    };
    // Billable worklogs are on a line; a non-billable one is billed by nothing.
    let acme_worklogs = worklogs("ACME").await;
    assert!(acme_worklogs.iter().any(|w| w["billable"] == true));
    for w in &acme_worklogs {
        if w["billable"] == true {
            assert_eq!(w["invoice_id"], acme["id"], "{w}");
            assert_eq!(w["invoice_number"], number.as_str(), "{w}");
        } else {
            assert_eq!(w["invoice_id"], Value::Null, "{w}");
        }
    }
    let nordlicht = worklogs("NORDLICHT").await;
    assert!(nordlicht.iter().any(|w| w["billable"] == true));
    for w in nordlicht.iter().filter(|w| w["billable"] == true) {
        assert!(w["invoice_id"].is_string(), "{w}");
        assert_eq!(
            w["invoice_number"],
            Value::Null,
            "a draft has no number: {w}"
        );
    }
    let vostok = worklogs("VOSTOK").await;
    assert!(!vostok.is_empty());
    for w in vostok {
        assert_eq!(
            (&w["invoice_id"], &w["invoice_number"]),
            (&Value::Null, &Value::Null),
            "no invoice yet: {w}"
        );
    }

    // The invoice still agrees with its worklogs: nothing of ACME's is uninvoiced.
    let viewer = app.token(Role::Viewer).await;
    let open = report(&app, &viewer, &format!("?period={}", last_month())).await;
    assert!(open.iter().all(|r| r["client_key"] != "ACME"), "{open:?}");

    // Deleting: refused for a worklog the issued invoice bills (naming it), allowed for a
    // draft's and an unbilled one (gone from the list and its count), 404 for another
    // client's or an unknown one, 403 for a viewer.
    let delete = |client: &str, id: &str, token: &str| {
        let req = app.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/clients/{client}/worklogs/{id}"),
            Some(token),
        );
        app.send(req)
    };
    let billed = acme_worklogs
        .iter()
        .find(|w| w["billable"] == true)
        .unwrap();
    let billed_id = billed["id"].as_str().unwrap();
    let refused = delete("ACME", billed_id, &token).await;
    refused.assert_error(409, "CONFLICT");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&number),
        "{}",
        refused.body
    );
    delete("ACME", billed_id, &viewer)
        .await
        .assert_error(403, "FORBIDDEN");
    delete("NORDLICHT", billed_id, &token)
        .await
        .assert_error(404, "NOT_FOUND");
    delete("ACME", &uuid::Uuid::new_v4().to_string(), &token)
        .await
        .assert_error(404, "NOT_FOUND");
    let total = |client: &'static str| {
        let (app, token) = (&app, &viewer);
        async move {
            app.get(
                &format!("/api/v1/clients/{client}/worklogs?period={}", last_month()),
                Some(token),
            )
            .await
            .body["meta"]["total"]
                .as_u64()
                .unwrap()
        }
    };
    let before = total("NORDLICHT").await;
    let on_draft = nordlicht.iter().find(|w| w["billable"] == true).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let gone = delete("NORDLICHT", &on_draft, &token).await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!(total("NORDLICHT").await, before - 1);
    delete("NORDLICHT", &on_draft, &token)
        .await
        .assert_error(404, "NOT_FOUND");
    assert!(
        worklogs("NORDLICHT")
            .await
            .iter()
            .all(|w| w["id"] != on_draft.as_str())
    );
}

/// The timesheet behind an invoice: every worklog of each worklog line, and per line a total
/// whose hours are the line's quantity.
#[tokio::test]
async fn the_timesheet_lists_every_worklog_and_totals_to_each_line() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let finalized = app.finalize(&token, id).await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let invoice = &finalized.body["data"];
    let number = invoice["number"].as_str().unwrap();

    let viewer = app.token(Role::Viewer).await;
    let res = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/invoices/{id}/timesheet?format=csv"),
            Some(&viewer),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"{number}-timesheet.csv\"").as_str()
    );
    let body = res.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_ref());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        proxima::invoice::timesheet::COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let lines: Vec<&Value> = invoice["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["source"] == "worklogs")
        .collect();
    assert!(!lines.is_empty());
    for (n, line) in lines.iter().enumerate() {
        let of_line: Vec<&csv::StringRecord> = rows
            .iter()
            .filter(|r| r[0] == (n + 1).to_string())
            .collect();
        let worklogs: Vec<_> = of_line.iter().filter(|r| &r[2] == "worklog").collect();
        assert_eq!(
            worklogs.len(),
            line["worklog_ids"].as_array().unwrap().len(),
            "every worklog of line {n}"
        );
        let total = of_line.iter().find(|r| &r[2] == "line_total").unwrap();
        let minutes: u64 = worklogs.iter().map(|r| r[8].parse::<u64>().unwrap()).sum();
        assert_eq!(total[8].parse::<u64>().unwrap(), minutes);
        assert_eq!(&total[9], line["quantity"].as_str().unwrap(), "line {n}");
        assert_eq!(&total[1], line["description"].as_str().unwrap());
    }

    // The PDF: in the invoice's language (ACME's is English), each line's total its
    // quantity, the same bytes every time.
    let pdf = |token: String| {
        let app = &app;
        async move {
            let res = app
                .request(
                    reqwest::Method::GET,
                    &format!("/api/v1/invoices/{id}/timesheet?format=pdf"),
                    Some(&token),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["content-type"], "application/pdf");
            assert_eq!(
                res.headers()["content-disposition"],
                format!("attachment; filename=\"{number}-timesheet.pdf\"").as_str()
            );
            res.bytes().await.unwrap().to_vec()
        }
    };
    let first = pdf(viewer.clone()).await;
    assert!(first.starts_with(b"%PDF"));
    assert_eq!(pdf(token.clone()).await, first, "deterministic");
    let text = pdf_text(&first);
    assert!(text.contains("TIMESHEET"), "{text}");
    assert!(text.contains(number), "{text}");
    for line in &lines {
        assert!(
            text.contains(line["quantity"].as_str().unwrap()),
            "line total {} in {text}",
            line["quantity"]
        );
    }
    app.get(
        &format!("/api/v1/invoices/{id}/timesheet?format=xml"),
        Some(&viewer),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");

    // Sent with the invoice when asked: both PDFs attached, the timesheet byte for byte.
    let admin = app.token(Role::Admin).await;
    let to = format!("timesheet-{}@example.com", uuid::Uuid::new_v4().simple());
    let sent = app
        .post_json(
            &format!("/api/v1/invoices/{id}/send"),
            &serde_json::json!({"to": [to], "attach_timesheet": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(
        sent.body["data"]["message"]["timesheet_filename"],
        format!("{number}-timesheet.pdf")
    );
    let emails = proxima_tests::messaging::sent_emails(&app.endpoint, &to).await;
    assert_eq!(emails.len(), 1);
    assert_eq!(
        emails[0].attachment(&format!("{number}-timesheet.pdf")),
        Some(first)
    );
    assert!(emails[0].attachment(&format!("{number}.pdf")).is_some());
    app.get(
        &format!("/api/v1/invoices/{}/timesheet", uuid::Uuid::new_v4()),
        Some(&viewer),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.get(&format!("/api/v1/invoices/{id}/timesheet"), None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}
