//! Central Bank of Uzbekistan rates end to end, never on the internet: the rates function
//! fetches from a local fake of the Bank's archive (`proxima_infra::cbu_fake`, its
//! documented format, a `Nominal` of 10, gap days) into the emulator's table; the API
//! answers the rate that applies on a day; the Bank's failures are retried or reported and
//! never stored; a correction by hand is audited and kept over later fetches.

use chrono::{NaiveDate, Utc};
use proxima::domain::Role;
use proxima::rates::RateCorrection;
use proxima::store::cbu::CbuRates;
use proxima_infra::cbu_fake::{CbuFake, Fault, published};
use proxima_tests::{TestApp, pdf_text, spawn_app};
use serde_json::{Value, json};
use std::time::Duration;

fn config(fake: &CbuFake) -> fn_rates::RatesConfig {
    fn_rates::RatesConfig {
        base_url: fake.base_url.clone(),
        wanted: vec!["USD".into(), "EUR".into(), "RUB".into()],
        timezone: "Asia/Tashkent".parse().unwrap(),
        lookback_days: 7,
    }
}

async fn fetch(
    app: &TestApp,
    fake: &CbuFake,
    from: &str,
    to: &str,
    timeout: Duration,
) -> proxima::Result<proxima::rates::FetchReport> {
    let source = CbuRates::new(&fake.base_url, timeout).unwrap();
    fn_rates::handle(
        app.state.rates.as_ref(),
        &source,
        &json!({"from": from, "to": to}),
        &config(fake),
        Utc::now(),
    )
    .await
}

async fn rate(app: &TestApp, token: &str, query: &str) -> proxima_tests::Reply {
    app.get(&format!("/api/v1/exchange-rates?{query}"), Some(token))
        .await
}

/// The fake's rate of `ccy` published for `day`.
fn fake_rate(day: &str, ccy: &str) -> String {
    published(day.parse().unwrap())
        .into_iter()
        .find(|e| e["Ccy"] == ccy)
        .unwrap()["Rate"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_rate_of_a_gap_day_is_the_last_published_and_a_nominal_is_kept() {
    let app = spawn_app().await;
    let fake = CbuFake::start().await.unwrap();
    let token = app.token(Role::Viewer).await;
    // Saturday 5 December to Wednesday 9 December 2026: Sunday the 6th and Tuesday the 8th
    // (Constitution Day) publish nothing.
    let report = fetch(
        &app,
        &fake,
        "2026-12-05",
        "2026-12-09",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(report.days, 5);
    assert!(
        report.failed.is_empty() && report.missing.is_empty(),
        "{report:?}"
    );

    let sunday = rate(&app, &token, "currency=USD&date=2026-12-06").await;
    assert_eq!(sunday.status, 200, "{}", sunday.body);
    let data = &sunday.body["data"];
    assert_eq!(data["date"], "2026-12-06");
    assert_eq!(data["published_on"], "2026-12-05");
    assert_eq!(data["rate"], fake_rate("2026-12-05", "USD"));
    assert_eq!(data["nominal"], 1);
    assert_eq!(data["origin"], "cbu");
    let holiday = rate(&app, &token, "currency=usd&date=2026-12-08").await;
    assert_eq!(holiday.body["data"]["published_on"], "2026-12-07");
    assert_eq!(holiday.body["data"]["rate"], fake_rate("2026-12-07", "USD"));
    let won = rate(&app, &token, "currency=KRW&date=2026-12-09").await;
    assert_eq!(won.body["data"]["nominal"], 10, "{}", won.body);
    assert_eq!(won.body["data"]["rate"], fake_rate("2026-12-09", "KRW"));

    // KRW has no earlier publication (the tests' base rates have none).
    rate(&app, &token, "currency=KRW&date=2026-12-04")
        .await
        .assert_error(404, "NOT_FOUND");
    let bad = rate(&app, &token, "currency=XYZ&date=2026-13-01").await;
    bad.assert_error(400, "VALIDATION_ERROR");
    let fields: Vec<String> = bad.field_codes().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["currency", "date"]);
    rate(&app, &token, "date=2026-12-05")
        .await
        .assert_error(400, "VALIDATION_ERROR");
    rate(&app, &token, "currency=UZS")
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn the_banks_failures_are_retried_or_reported_and_never_stored() {
    let app = spawn_app().await;
    let fake = CbuFake::start().await.unwrap();
    let token = app.token(Role::Viewer).await;
    // A 500, then a malformed body: the third attempt is answered and stored.
    fake.fail_next([Fault::ServerError, Fault::Malformed]);
    let report = fetch(
        &app,
        &fake,
        "2026-12-02",
        "2026-12-02",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!((report.stored, fake.requests()), (4, 3), "{report:?}");
    // A slow answer past the client's time-out is asked again.
    fake.fail_next([Fault::Slow(Duration::from_secs(3))]);
    let report = fetch(
        &app,
        &fake,
        "2026-12-03",
        "2026-12-03",
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(report.stored, 4, "{report:?}");
    // Three 500s for one day: the day is reported, the invocation fails, nothing of it is
    // stored (the day before still applies); the next day is stored.
    fake.fail_next([Fault::ServerError, Fault::ServerError, Fault::ServerError]);
    let failed = fetch(
        &app,
        &fake,
        "2026-12-04",
        "2026-12-05",
        Duration::from_secs(5),
    )
    .await;
    let Err(proxima::Error::Unavailable(message)) = failed else {
        panic!("a day not fetched fails the invocation: {failed:?}");
    };
    assert!(message.contains("2026-12-04"), "{message}");
    let thursday = rate(&app, &token, "currency=USD&date=2026-12-04").await;
    assert_eq!(thursday.body["data"]["published_on"], "2026-12-03");
    let saturday = rate(&app, &token, "currency=USD&date=2026-12-05").await;
    assert_eq!(saturday.body["data"]["published_on"], "2026-12-05");
    // A currency the books need and the answer leaves out is reported.
    fake.fail_next([Fault::Without("EUR".into())]);
    let report = fetch(
        &app,
        &fake,
        "2026-12-07",
        "2026-12-07",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(
        report.missing,
        [(
            "2026-12-07".parse::<NaiveDate>().unwrap(),
            "EUR".to_string()
        )]
    );
}

#[tokio::test]
async fn a_correction_is_audited_and_kept_over_later_fetches() {
    let app = spawn_app().await;
    let fake = CbuFake::start().await.unwrap();
    let token = app.token(Role::Viewer).await;
    fetch(
        &app,
        &fake,
        "2026-12-02",
        "2026-12-02",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let correction = RateCorrection {
        currency: "USD".into(),
        date: "2026-12-02".parse().unwrap(),
        rate: "12740.00".into(),
        nominal: 1,
        reason: "The Bank corrected its publication of 2 December".into(),
    };
    let (set, replaced) = proxima::rates::correct(
        app.state.rates.as_ref(),
        correction,
        "admin@proxima.local",
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(set.rate.to_string(), "12740");
    assert_eq!(replaced.unwrap().rate.to_string(), "12735.37");
    let report = fetch(
        &app,
        &fake,
        "2026-12-02",
        "2026-12-02",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.stored, report.kept_corrections),
        (3, 1),
        "{report:?}"
    );
    let answer = rate(&app, &token, "currency=USD&date=2026-12-02").await;
    let data: &Value = &answer.body["data"];
    assert_eq!(data["origin"], "correction");
    assert_eq!(data["rate"], "12740");
    assert!(data["reason"].as_str().unwrap().contains("corrected"));
    let audit = app.state.rates.corrections("USD").await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        audit[0].corrected.set_by.as_deref(),
        Some("admin@proxima.local")
    );
    assert_eq!(
        audit[0]
            .replaced
            .as_ref()
            .map(|r| r.rate.to_string())
            .as_deref(),
        Some("12735.37")
    );
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn finalize_freezes_the_uzs_equivalent_at_the_rate_of_the_issue_date() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let fake = CbuFake::start().await.unwrap();
    let token = app.token(Role::Accountant).await;
    // The Bank's rates of the last days: the issue date's (today's) or the last before.
    let today = Utc::now().date_naive();
    fetch(
        &app,
        &fake,
        &(today - chrono::Days::new(3)).to_string(),
        &today.to_string(),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap();
    let reply = app.finalize(&token, id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let invoice = &reply.body["data"];
    let issue: NaiveDate = invoice["issue_date"].as_str().unwrap().parse().unwrap();
    let stored = app
        .state
        .rates
        .rate_on("USD", issue)
        .await
        .unwrap()
        .unwrap();
    let a = &invoice["accounting"];
    assert_eq!(a["currency"], "UZS");
    assert_eq!(dec(&a["rate"]), stored.rate);
    assert_eq!(a["rate_date"], stored.date.to_string());
    let soums = |v: &Value| {
        (dec(v) * stored.rate)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    assert_eq!(dec(&a["subtotal"]), soums(&invoice["subtotal"]));
    assert_eq!(dec(&a["tax"]), soums(&invoice["tax_amount"]));
    assert_eq!(dec(&a["total"]), dec(&a["subtotal"]) + dec(&a["tax"]));

    // Printed on the PDF; frozen: a later correction of that rate changes nothing issued.
    let pdf = app
        .state
        .documents
        .get_document(&format!(
            "invoices/{}/{}.pdf",
            issue.format("%Y"),
            invoice["number"].as_str().unwrap()
        ))
        .await
        .unwrap()
        .expect("the archived PDF");
    let text = pdf_text(&pdf);
    assert!(text.contains("Equivalent:"), "{text}");
    assert!(text.contains("Central Bank of Uzbekistan"), "{text}");
    proxima::rates::correct(
        app.state.rates.as_ref(),
        RateCorrection {
            currency: "USD".into(),
            date: stored.date,
            rate: "99999.99".into(),
            nominal: 1,
            reason: "a test correction".into(),
        },
        "admin@proxima.local",
        Utc::now(),
    )
    .await
    .unwrap();
    let again = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(again.body["data"]["accounting"], *a);

    // A credit note gets its own equivalent at the rate of its issue date.
    let note = app
        .post_json(
            &format!("/api/v1/invoices/{id}/credit-notes"),
            &json!({"reason": "Goodwill", "lines": [{"description": "Discount", "quantity": "1.00", "unit_price": "10.00"}]}),
            Some(&token),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    let note = &note.body["data"]["credit_note"];
    let note_day: NaiveDate = note["issue_date"].as_str().unwrap().parse().unwrap();
    let note_rate = app
        .state
        .rates
        .rate_on("USD", note_day)
        .await
        .unwrap()
        .unwrap();
    let na = &note["accounting"];
    assert_eq!(dec(&na["rate"]), note_rate.rate, "{note}");
    let soums = |v: &Value| {
        (dec(v) * note_rate.rate)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    assert_eq!(
        dec(&na["total"]),
        soums(&note["subtotal"]) + soums(&note["tax_amount"])
    );

    // A soum invoice has none; a currency without any rate refuses the finalize (409
    // naming it) and the draft stays a draft.
    let gulzor = app.draft(&token, "GULZOR").await;
    let uzs = app.finalize(&token, gulzor["id"].as_str().unwrap()).await;
    assert_eq!(uzs.status, 200, "{}", uzs.body);
    assert_eq!(uzs.body["data"]["accounting"], Value::Null);
    let clients = json!([{"key": "SEKCO", "name": "Svensk AB", "email": "ap@svensk.example",
        "address": {"line1": "Drottninggatan 1", "city": "Stockholm", "country": "SE"},
        "currency": "SEK", "hourly_rate": "900", "tax_rate": "0",
        "payment_terms_days": 30, "timezone": "Europe/Stockholm"}]);
    proxima::import::import_clients(
        serde_json::to_vec(&clients).unwrap().as_slice(),
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .unwrap();
    let csv = format!(
        "client_key,date,author,issue_key,minutes\nSEKCO,{},Ann,SEK-1,60\n",
        proxima_tests::last_month().first_day()
    );
    proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .unwrap();
    let sek = app.draft(&token, "SEKCO").await;
    let refused = app.finalize(&token, sek["id"].as_str().unwrap()).await;
    refused.assert_error(409, "CONFLICT");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("SEK"),
        "{}",
        refused.body
    );
    let still = app
        .get(
            &format!("/api/v1/invoices/{}", sek["id"].as_str().unwrap()),
            Some(&token),
        )
        .await;
    assert_eq!(still.body["data"]["status"], "draft");
    assert_eq!(still.body["data"]["number"], Value::Null);
}

/// Set the rate of `ccy` on `day` by hand (as `proxima-admin rates set` does).
async fn set_rate(app: &TestApp, ccy: &str, day: NaiveDate, rate: &str) {
    proxima::rates::correct(
        app.state.rates.as_ref(),
        RateCorrection {
            currency: ccy.into(),
            date: day,
            rate: rate.into(),
            nominal: 1,
            reason: "test rates".into(),
        },
        "admin@proxima.local",
        Utc::now(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_fx_report_values_a_partial_and_a_full_payment_at_both_rates() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Accountant).await;
    let admin = app.token(Role::Admin).await;
    let today = Utc::now().date_naive();
    let day = |back: u64| today - chrono::Days::new(back);
    set_rate(&app, "USD", day(4), "12000.00").await;
    set_rate(&app, "USD", day(3), "12100.00").await;
    set_rate(&app, "USD", day(2), "12200.00").await;
    // ACME's invoice issued four days ago (at 12,000), paid in two parts.
    let draft = app.draft(&token, "ACME").await;
    let id = draft["id"].as_str().unwrap().to_string();
    let patched = app
        .send(
            app.request(
                reqwest::Method::PATCH,
                &format!("/api/v1/invoices/{id}"),
                Some(&token),
            )
            .header("If-Match", format!("\"{}\"", draft["version"]))
            .json(&json!({"issue_date": day(4).to_string()})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let finalized = app.finalize(&token, &id).await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    let invoice = &finalized.body["data"];
    assert_eq!(
        dec(&invoice["accounting"]["rate"]),
        rust_decimal::Decimal::new(12000, 0)
    );
    let total = dec(&invoice["total"]);
    let pay = |amount: String, paid_on: NaiveDate| {
        let (app, token, id) = (&app, &token, &id);
        async move {
            let reply = app
                .post_json(
                    &format!("/api/v1/invoices/{id}/payments"),
                    &json!({"amount": amount, "paid_on": paid_on.to_string(), "method": "bank_transfer"}),
                    Some(token),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            reply.body["data"]["payment"].clone()
        }
    };
    let partial = pay("40.00".into(), day(3)).await;
    assert_eq!(partial["accounting"]["amount"], "484000.00");
    assert_eq!(partial["accounting"]["rate_date"], day(3).to_string());
    let rest = total - rust_decimal::Decimal::new(4000, 2);
    let full = pay(rest.to_string(), day(2)).await;
    // A reversed payment is no exchange difference.
    let extra_invoice = app.draft(&token, "NORDLICHT").await;
    let nordlicht = app
        .finalize(&token, extra_invoice["id"].as_str().unwrap())
        .await;
    assert_eq!(nordlicht.status, 200, "{}", nordlicht.body);
    let n_id = nordlicht.body["data"]["id"].as_str().unwrap();
    let reversed = app
        .post_json(
            &format!("/api/v1/invoices/{n_id}/payments"),
            &json!({"amount": "10.00", "paid_on": nordlicht.body["data"]["issue_date"], "method": "cash"}),
            Some(&token),
        )
        .await;
    assert_eq!(reversed.status, 201, "{}", reversed.body);
    let pid = reversed.body["data"]["payment"]["id"].as_str().unwrap();
    let undone = app
        .send(
            app.request(
                reqwest::Method::DELETE,
                &format!("/api/v1/invoices/{n_id}/payments/{pid}"),
                Some(&admin),
            )
            .json(&json!({"reason": "bounced"})),
        )
        .await;
    assert_eq!(undone.status, 200, "{}", undone.body);

    let report = app
        .get(
            &format!("/api/v1/reports/fx-differences?from={}&to={today}", day(4)),
            Some(&token),
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let data = &report.body["data"];
    let rows = data["payments"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{data}");
    assert_eq!(rows[0]["payment_id"], partial["id"]);
    assert_eq!(rows[0]["invoice_value"], "480000.00");
    assert_eq!(rows[0]["payment_value"], "484000.00");
    assert_eq!(rows[0]["difference"], "4000.00");
    assert_eq!(rows[1]["payment_id"], full["id"]);
    let at = |rate: i64| (rest * rust_decimal::Decimal::from(rate)).round_dp(2);
    assert_eq!(dec(&rows[1]["invoice_value"]), at(12000));
    assert_eq!(dec(&rows[1]["payment_value"]), at(12200));
    assert_eq!(
        dec(&data["difference"]),
        rust_decimal::Decimal::new(400000, 2) + at(12200) - at(12000)
    );
    assert_eq!(data["not_valued"], 0);
    let bad = app
        .get(
            "/api/v1/reports/fx-differences?from=2026-12-05&to=2026-12-01",
            Some(&token),
        )
        .await;
    bad.assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/reports/fx-differences", Some(&token))
        .await
        .assert_error(400, "VALIDATION_ERROR");
}
