//! Payment reminders end to end on the emulator: the settings through the API, the daily
//! run driven as the schedule and the SQS event source drive the reminders function
//! (`fn_reminders::schedule` / `work`, the template's queue), e-mails read back from the
//! emulator's SES, the run report through the API. A simulated month moves the day, runs
//! every day twice at once and delivers every message again: each reminder goes out once.

use chrono::{Days, NaiveDate, Utc};
use proxima::domain::Role;
use proxima::invoice::reminding::step_message_id;
use proxima::invoice::sending::{MessageKind, MessageStatus, SentMessage};
use proxima::reminders::{ReminderStep, StepKind};
use proxima::store::{SqsJobQueue, aws};
use proxima_infra::provision::{JobQueues, ensure_reminder_queues};
use proxima_infra::sqs_event_source::SqsEventSource;
use proxima_tests::messaging::{SentEmail, sent_emails, spawn_app_with_events};
use proxima_tests::{TestApp, last_month};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// The reminder stack of a test: its queues (1-second visibility), the schedule's queue
/// adapter and the poller.
struct Reminders {
    queues: JobQueues,
    queue: SqsJobQueue,
    source: SqsEventSource,
}

async fn reminders(app: &TestApp) -> Reminders {
    let sqs = aws::sqs_client(&aws::sdk_config(Some(&app.endpoint)).await);
    let queues = ensure_reminder_queues(&sqs, &app.table, Some(1))
        .await
        .expect("queues from the template");
    Reminders {
        queue: SqsJobQueue::new(sqs.clone(), &queues.queue_url),
        source: SqsEventSource {
            client: sqs,
            queue_url: queues.queue_url.clone(),
            queue_arn: queues.queue_arn.clone(),
            batch_size: 10,
        },
        queues,
    }
}

impl Reminders {
    /// What the schedule does for `day` (the event of a run by hand), at 09:00 in
    /// Tashkent that day: a simulated month moves the clock with the days.
    async fn schedule(&self, app: &TestApp, day: NaiveDate) -> proxima::reminders::EnqueueSummary {
        let tz = "Asia/Tashkent".parse().unwrap();
        let nine_in_tashkent = day.and_hms_opt(4, 0, 0).unwrap().and_utc();
        fn_reminders::schedule(
            &app.state,
            &self.queue,
            &json!({"date": day.to_string()}),
            &tz,
            nine_in_tashkent,
        )
        .await
        .expect("the schedule enqueues")
    }

    /// Run the worker on the queue until it is empty.
    async fn drain(&self, app: &TestApp) {
        let max = self.queues.max_receives;
        let worker = |event| {
            let state = app.state.clone();
            async move {
                fn_reminders::work(&state, &event, max, Utc::now())
                    .await
                    .expect("the settings are read")
            }
        };
        self.source
            .drain(&worker, Duration::from_secs(60))
            .await
            .expect("the queue drains");
    }
}

/// A client (`extra` merged in) with billable work last month: its unique e-mail.
async fn client_with_work(app: &TestApp, key: &str, extra: Value) -> String {
    let email = format!("billing-{}@acme.example", Uuid::new_v4().simple());
    let mut client = json!({"key": key, "name": "Acme", "email": email,
        "address": {"line1": "1 Amir Temur", "city": "Toshkent", "country": "UZ"},
        "currency": "USD", "hourly_rate": "50", "tax_rate": "0",
        "payment_terms_days": 10, "timezone": "Asia/Tashkent"});
    for (k, v) in extra.as_object().unwrap() {
        client[k] = v.clone();
    }
    proxima::import::import_clients(
        serde_json::to_vec(&json!([client])).unwrap().as_slice(),
        proxima::import::ClientFormat::Json,
        app.state.clients.as_ref(),
        Utc::now(),
    )
    .await
    .expect("import client");
    let csv = format!(
        "client_key,date,author,issue_key,minutes\n{key},{},Ann,{key}-1,120\n",
        last_month().first_day()
    );
    proxima::import::import_worklogs(csv.as_bytes(), app.state.stores())
        .await
        .expect("import worklogs");
    email
}

/// A finalized invoice (100.00 USD) of a fresh client: (invoice, client e-mail).
async fn finalized(app: &TestApp, token: &str, key: &str, extra: Value) -> (Value, String) {
    let email = client_with_work(app, key, extra).await;
    let draft = app.draft(token, key).await;
    let reply = app.finalize(token, draft["id"].as_str().unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (reply.body["data"].clone(), email)
}

async fn pay(app: &TestApp, token: &str, invoice: &Value, amount: &str) {
    let reply = app
        .post_json(
            &format!(
                "/api/v1/invoices/{}/payments",
                invoice["id"].as_str().unwrap()
            ),
            &json!({"amount": amount, "paid_on": invoice["issue_date"], "method": "bank_transfer"}),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn put_settings(app: &TestApp, token: &str, body: Value) -> proxima_tests::Reply {
    let req = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/settings/reminders",
            Some(token),
        )
        .json(&body);
    app.send(req).await
}

fn due_date(invoice: &Value) -> NaiveDate {
    invoice["due_date"].as_str().unwrap().parse().unwrap()
}

fn shift(day: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        day + Days::new(days as u64)
    } else {
        day - Days::new(days.unsigned_abs())
    }
}

async fn messages(app: &TestApp, token: &str, invoice: &Value) -> Vec<SentMessage> {
    let reply = app
        .get(
            &format!(
                "/api/v1/invoices/{}/messages",
                invoice["id"].as_str().unwrap()
            ),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    serde_json::from_value(reply.body["data"].clone()).unwrap()
}

fn ru_date(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

fn subjects(emails: &[SentEmail]) -> Vec<String> {
    emails
        .iter()
        .map(|e| e.header("Subject").unwrap_or_default())
        .collect()
}

/// The run report's invoices of `day`, by invoice id.
async fn run_lines(app: &TestApp, token: &str, day: NaiveDate) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/reminder-runs/{day}/invoices?per_page=100"),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

fn line_of<'a>(lines: &'a [Value], invoice: &Value) -> &'a Value {
    lines
        .iter()
        .find(|l| l["invoice_id"] == invoice["id"])
        .unwrap_or_else(|| panic!("no line for {}: {lines:?}", invoice["id"]))
}

#[tokio::test]
async fn the_settings_are_read_by_everyone_and_replaced_by_admins_with_every_bad_field_named() {
    let (app, _events) = spawn_app_with_events().await;
    let viewer = app.token(Role::Viewer).await;
    let accountant = app.token(Role::Accountant).await;
    let admin = app.token(Role::Admin).await;

    let defaults = app.get("/api/v1/settings/reminders", Some(&viewer)).await;
    assert_eq!(defaults.status, 200, "{}", defaults.body);
    assert_eq!(defaults.body["data"]["enabled"], false);
    assert_eq!(defaults.body["data"]["steps"].as_array().unwrap().len(), 4);
    assert_eq!(defaults.body["data"]["updated_at"], Value::Null);

    let good = json!({"enabled": true,
        "steps": [{"days_after_due": 7, "kind": "overdue"}, {"days_after_due": -3, "kind": "before_due"}],
        "min_amount": {"USD": "1", "UZS": "10000"}});
    put_settings(&app, &accountant, good.clone())
        .await
        .assert_error(403, "FORBIDDEN");
    let bad = put_settings(
        &app,
        &admin,
        json!({"enabled": true,
            "steps": [{"days_after_due": 0, "kind": "overdue"}, {"days_after_due": 400, "kind": "overdue"}],
            "min_amount": {"USD": "1.001", "ABC": "1"}}),
    )
    .await;
    bad.assert_error(400, "VALIDATION_ERROR");
    let fields: Vec<String> = bad.field_codes().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "min_amount.ABC",
            "min_amount.USD",
            "steps[0].kind",
            "steps[1].days_after_due"
        ],
        "{}",
        bad.body
    );
    let unchanged = app.get("/api/v1/settings/reminders", Some(&viewer)).await;
    assert_eq!(
        unchanged.body["data"]["enabled"], false,
        "nothing was saved"
    );

    let saved = put_settings(&app, &admin, good).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let read = app
        .get("/api/v1/settings/reminders", Some(&accountant))
        .await;
    assert_eq!(read.body["data"], saved.body["data"]);
    assert_eq!(
        read.body["data"]["steps"][0]["days_after_due"], -3,
        "ordered by day"
    );
    assert_eq!(read.body["data"]["min_amount"]["USD"], "1.00");
    assert_eq!(read.body["data"]["min_amount"]["UZS"], "10000.00");
    assert!(
        read.body["data"]["updated_by"]
            .as_str()
            .unwrap()
            .contains('@')
    );
}

#[tokio::test]
async fn a_simulated_month_sends_each_step_once_through_overlapping_runs_and_redeliveries() {
    let (app, events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let admin = app.token(Role::Admin).await;
    let stack = reminders(&app).await;
    let saved = put_settings(
        &app,
        &admin,
        json!({"enabled": true, "min_amount": {"USD": "1.00"},
            "steps": [{"days_after_due": -3, "kind": "before_due"},
                      {"days_after_due": 0, "kind": "due"},
                      {"days_after_due": 7, "kind": "overdue"}]}),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    // Reminded: a Russian-speaking client, partly paid. Skipped: a paused client, one with
    // less than the minimum due, one paid in full.
    let (chased, chased_email) = finalized(&app, &token, "REM-RU", json!({"locale": "ru"})).await;
    pay(&app, &token, &chased, "40.00").await;
    let (paused, paused_email) = finalized(
        &app,
        &token,
        "REM-PAUSED",
        json!({"reminders_paused": true}),
    )
    .await;
    let (small, small_email) = finalized(&app, &token, "REM-SMALL", json!({})).await;
    pay(&app, &token, &small, "99.50").await;
    let (paid, paid_email) = finalized(&app, &token, "REM-PAID", json!({})).await;
    pay(&app, &token, &paid, "100.00").await;
    let due = due_date(&chased);
    for other in [&paused, &small, &paid] {
        assert_eq!(due_date(other), due, "one due date for all");
    }

    // The month around the due date, one day after another; each day's run twice at once
    // (two schedules overlapping), then every message delivered again (a third run of the
    // day after the queue drained).
    let days: Vec<i64> = vec![-4, -3, -1, 0, 1, 2, 7, 8];
    for &d in &days {
        let day = shift(due, d);
        let (a, b) = tokio::join!(stack.schedule(&app, day), stack.schedule(&app, day));
        assert_eq!(a.enqueued, b.enqueued, "day {d}");
        stack.drain(&app).await;
        stack.schedule(&app, day).await;
        stack.drain(&app).await;
    }

    // Exactly one e-mail per step, in Russian, with the amount still due and the PDF.
    let emails = sent_emails(&app.endpoint, &chased_email).await;
    assert_eq!(emails.len(), 3, "{:?}", subjects(&emails));
    let number = chased["number"].as_str().unwrap();
    for e in &emails {
        let text = e.text().unwrap();
        assert!(text.contains(number), "{text}");
        assert!(text.contains("Сумма к оплате: 60,00\u{a0}USD"), "{text}");
        assert!(
            e.attachment(&format!("{number}.pdf"))
                .is_some_and(|pdf| pdf.starts_with(b"%PDF")),
            "the invoice PDF is attached"
        );
    }
    for skipped in [&paused_email, &small_email, &paid_email] {
        assert!(
            sent_emails(&app.endpoint, skipped).await.is_empty(),
            "{skipped}"
        );
    }
    // Recorded as the invoice's messages, one per step, with the subject of its step.
    let recorded = messages(&app, &token, &chased).await;
    let recorded_subjects: Vec<&str> = recorded.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        recorded_subjects,
        [
            format!("Напоминание: срок оплаты счёта {number} — {}", ru_date(due)),
            format!("Сегодня срок оплаты счёта {number}"),
            format!("Просрочен: счёт {number}, срок оплаты {}", ru_date(due)),
        ]
    );
    let steps: Vec<i32> = recorded
        .iter()
        .filter(|m| m.kind == MessageKind::Reminder)
        .map(|m| {
            assert_eq!(m.status, MessageStatus::Sent);
            assert_eq!(
                m.amount_due.map(|a| a.to_string()).as_deref(),
                Some("60.00")
            );
            m.step.unwrap().days_after_due
        })
        .collect();
    assert_eq!(steps, [-3, 0, 7]);

    // The reports say why each invoice got nothing.
    let lines = run_lines(&app, &token, shift(due, 7)).await;
    assert_eq!(line_of(&lines, &chased)["outcome"], "sent");
    assert_eq!(line_of(&lines, &chased)["step"]["kind"], "overdue");
    assert_eq!(line_of(&lines, &paused)["reason"], "reminders_paused");
    assert_eq!(line_of(&lines, &small)["reason"], "below_minimum");
    assert!(
        lines.iter().all(|l| l["invoice_id"] != paid["id"]),
        "a paid invoice is not enqueued"
    );
    let run = app
        .get(
            &format!("/api/v1/reminder-runs/{}", shift(due, 7)),
            Some(&token),
        )
        .await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["data"]["status"], "completed");
    assert_eq!(run.body["data"]["enqueued"], 3);
    assert_eq!(run.body["data"]["sent"], 1);
    assert_eq!(run.body["data"]["skipped"], 2);
    // The lines page by cursor, all of them and by outcome.
    for (query, want) in [("", 3), ("&outcome=skipped", 2)] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = format!(
                "/api/v1/reminder-runs/{}/invoices?per_page=1{query}{}",
                shift(due, 7),
                cursor
                    .as_ref()
                    .map(|c| format!("&cursor={c}"))
                    .unwrap_or_default()
            );
            let page = app.get(&path, Some(&token)).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            assert_eq!(page.body["meta"]["total"], want);
            seen.extend(
                page.body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["invoice_id"].clone()),
            );
            match page.body["meta"]["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let mut distinct = seen.clone();
        distinct.dedup();
        assert_eq!(
            (seen.len(), distinct.len()),
            (want as usize, want as usize),
            "{seen:?}"
        );
    }
    let first_overdue = run_lines(&app, &token, shift(due, 1)).await;
    assert_eq!(line_of(&first_overdue, &chased)["reason"], "no_step");
    assert_eq!(line_of(&first_overdue, &chased)["overdue_announced"], true);
    let none = app
        .get("/api/v1/reminder-runs/2001-01-01", Some(&token))
        .await;
    none.assert_error(404, "NOT_FOUND");

    // Events: reminder.sent per step, invoice.overdue once per invoice still owing.
    let published = events.drain(Duration::from_millis(500)).await;
    let of = |kind: &str, invoice: &Value| {
        published
            .iter()
            .filter(|e| e["detail-type"] == kind && e["detail"]["invoice_id"] == invoice["id"])
            .count()
    };
    assert_eq!(of("reminder.sent", &chased), 3);
    assert_eq!(of("invoice.overdue", &chased), 1);
    assert_eq!(
        of("invoice.overdue", &paused),
        1,
        "paused: no e-mail, still overdue"
    );
    assert_eq!(of("invoice.overdue", &paid), 0);
    assert_eq!(
        of("reminder.sent", &paused) + of("reminder.sent", &small),
        0
    );
}

#[test]
fn the_schedules_day_is_its_scheduled_time_in_the_company_zone() {
    let tz = "Asia/Tashkent".parse().unwrap();
    let late_retry: chrono::DateTime<Utc> = "2026-12-04T20:30:00Z".parse().unwrap();
    let day = |event: Value| {
        fn_reminders::date_of(&event, &tz, late_retry)
            .unwrap()
            .to_string()
    };
    // 09:00 in Tashkent on the 4th, retried after midnight there: still the 4th.
    assert_eq!(
        day(json!({"source": "proxima.reminders", "scheduled_time": "2026-12-04T04:00:00Z"})),
        "2026-12-04"
    );
    // Without one (a sample event with the placeholder), today there: the 5th.
    assert_eq!(
        day(json!({"scheduled_time": "<aws.scheduler.scheduled-time>"})),
        "2026-12-05"
    );
    assert_eq!(day(json!({"date": "2026-11-30"})), "2026-11-30");
    assert!(fn_reminders::date_of(&json!({"date": "30.11.2026"}), &tz, late_retry).is_err());
}

#[tokio::test]
async fn a_crash_between_the_mail_service_and_the_record_never_sends_twice() {
    let (app, _events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let admin = app.token(Role::Admin).await;
    let stack = reminders(&app).await;
    let on = put_settings(
        &app,
        &admin,
        json!({"enabled": true, "steps": [{"days_after_due": 0, "kind": "due"}]}),
    )
    .await;
    assert_eq!(on.status, 200, "{}", on.body);
    let (lost, lost_email) = finalized(&app, &token, "REM-LOST", json!({})).await;
    let (taken, taken_email) = finalized(&app, &token, "REM-TAKEN", json!({})).await;
    let step = ReminderStep {
        days_after_due: 0,
        kind: StepKind::Due,
    };
    // As if an earlier worker handed both to SES and crashed: one before SES answered
    // (pending), one after SES accepted it but before the record (accepted).
    for (invoice, status) in [
        (&lost, MessageStatus::Pending),
        (&taken, MessageStatus::Accepted),
    ] {
        let id: Uuid = invoice["id"].as_str().unwrap().parse().unwrap();
        let message = SentMessage {
            id: step_message_id(id, &step),
            invoice_id: id,
            to: vec!["earlier@acme.example".into()],
            cc: vec![],
            subject: "earlier attempt".into(),
            sent_at: proxima::domain::instant::to_millis(Utc::now()),
            sent_by: "system:reminders".into(),
            status: MessageStatus::Pending,
            provider_message_id: Some("ses-earlier".into()),
            pdf_filename: "x.pdf".into(),
            pdf_sha256: "00".into(),
            pdf_size_bytes: 1,
            timesheet_filename: None,
            act_filename: None,
            kind: MessageKind::Reminder,
            step: Some(step),
            amount_due: None,
        };
        assert!(app.state.messages.put_pending(&message).await.unwrap());
        if status == MessageStatus::Accepted {
            app.state.messages.mark_accepted(&message).await.unwrap();
        }
    }
    let day = due_date(&lost);
    stack.schedule(&app, day).await;
    stack.drain(&app).await;
    assert!(sent_emails(&app.endpoint, &lost_email).await.is_empty());
    assert!(sent_emails(&app.endpoint, &taken_email).await.is_empty());
    let lines = run_lines(&app, &token, day).await;
    assert_eq!(line_of(&lines, &lost)["reason"], "unconfirmed");
    assert_eq!(
        line_of(&lines, &taken)["outcome"],
        "sent",
        "recorded, not sent again"
    );
    let recorded = messages(&app, &token, &taken).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status, MessageStatus::Sent);
    assert_eq!(
        messages(&app, &token, &lost).await[0].status,
        MessageStatus::Pending
    );
}

#[tokio::test]
async fn a_reminder_by_hand_goes_once_per_key_and_only_while_something_is_due() {
    let (app, events) = spawn_app_with_events().await;
    let token = app.token(Role::Accountant).await;
    let viewer = app.token(Role::Viewer).await;
    let (invoice, email) = finalized(
        &app,
        &token,
        "REM-HAND",
        json!({"locale": "uz", "reminders_paused": true}),
    )
    .await;
    let id = invoice["id"].as_str().unwrap();
    let remind = |key: Option<&'static str>, token: String, body: Value| {
        let app = &app;
        async move {
            let mut req = app
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/invoices/{id}/remind"),
                    Some(&token),
                )
                .json(&body);
            if let Some(k) = key {
                req = req.header("Idempotency-Key", k);
            }
            app.send(req).await
        }
    };
    remind(None, viewer.clone(), json!({}))
        .await
        .assert_error(403, "FORBIDDEN");
    let (first, again) = tokio::join!(
        remind(
            Some("remind-1"),
            token.clone(),
            json!({"message": "Hurmatli mijoz,"})
        ),
        remind(
            Some("remind-1"),
            token.clone(),
            json!({"message": "Hurmatli mijoz,"})
        )
    );
    assert!(
        first.status == 201 || again.status == 201,
        "{} {}",
        first.body,
        again.body
    );
    let replay = remind(
        Some("remind-1"),
        token.clone(),
        json!({"message": "Hurmatli mijoz,"}),
    )
    .await;
    assert_eq!(replay.status, 201, "{}", replay.body);
    let message = &replay.body["data"];
    assert_eq!(message["kind"], "reminder");
    assert_eq!(message["step"], Value::Null);
    assert_eq!(message["amount_due"], "100.00");
    let emails = sent_emails(&app.endpoint, &email).await;
    assert_eq!(
        emails.len(),
        1,
        "one key, one e-mail: {:?}",
        subjects(&emails)
    );
    let text = emails[0].text().unwrap();
    assert!(text.starts_with("Hurmatli mijoz,"), "{text}");
    assert!(text.contains("Toʻlanishi kerak: 100,00\u{a0}USD"), "{text}");
    // The invoice itself does not change.
    let after = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(after.body["data"]["version"], invoice["version"]);
    assert_eq!(after.body["data"]["sent_at"], Value::Null);
    let published = events.drain(Duration::from_millis(500)).await;
    assert_eq!(
        published
            .iter()
            .filter(|e| e["detail-type"] == "reminder.sent")
            .count(),
        1
    );

    // Nothing due: 409; but the earlier attempt's key still answers it (paid meanwhile);
    // a draft: 409.
    pay(&app, &token, &invoice, "100.00").await;
    remind(None, token.clone(), json!({}))
        .await
        .assert_error(409, "CONFLICT");
    let after_paid = remind(
        Some("remind-1"),
        token.clone(),
        json!({"message": "Hurmatli mijoz,"}),
    )
    .await;
    assert_eq!(after_paid.status, 201, "{}", after_paid.body);
    assert_eq!(after_paid.body["data"]["id"], message["id"]);
    assert_eq!(sent_emails(&app.endpoint, &email).await.len(), 1);
    client_with_work(&app, "REM-DRAFT", json!({})).await;
    let draft = app.draft(&token, "REM-DRAFT").await;
    let reply = app
        .send(
            app.request(
                reqwest::Method::POST,
                &format!("/api/v1/invoices/{}/remind", draft["id"].as_str().unwrap()),
                Some(&token),
            )
            .json(&json!({})),
        )
        .await;
    reply.assert_error(409, "CONFLICT");
}

#[tokio::test]
async fn reminders_paused_is_part_of_the_client_api_and_imports() {
    let app = proxima_tests::spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let csv = "key,name,email,address_line1,address_city,address_country,currency,hourly_rate,tax_rate,payment_terms_days,timezone,reminders_paused\n\
        REM-CSV,Acme,a@acme.example,1 Road,Tashkent,UZ,USD,50,0,10,Asia/Tashkent,true\n\
        REM-BAD,Acme,a@acme.example,1 Road,Tashkent,UZ,USD,50,0,10,Asia/Tashkent,maybe\n";
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
        report.rejected[0].message.contains("reminders_paused"),
        "{report:?}"
    );
    let client = app.get("/api/v1/clients/REM-CSV", Some(&admin)).await;
    assert_eq!(
        client.body["data"]["reminders_paused"], true,
        "{}",
        client.body
    );
    let mut body = client.body["data"].clone();
    for k in ["created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["reminders_paused"] = json!(false);
    let put = app
        .send(
            app.request(
                reqwest::Method::PUT,
                "/api/v1/clients/REM-CSV",
                Some(&admin),
            )
            .json(&body),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["data"]["reminders_paused"], false);
    let others = app.get("/api/v1/clients/REM-CSV", Some(&admin)).await;
    assert_eq!(others.body["data"]["reminders_paused"], false);
}

#[tokio::test]
async fn a_run_for_a_day_that_has_not_begun_is_refused_and_enqueues_nothing() {
    let app = proxima_tests::spawn_app().await;
    let stack = reminders(&app).await;
    let tz = "Asia/Tashkent".parse().unwrap();
    let now = Utc::now();
    let later = now.date_naive() + chrono::Days::new(2);
    let refused = fn_reminders::schedule(
        &app.state,
        &stack.queue,
        &json!({"date": later.to_string()}),
        &tz,
        now,
    )
    .await
    .expect_err("a day that has not begun anywhere");
    assert!(
        matches!(&refused, proxima::Error::Validation { details, .. } if details[0].field == "date"),
        "{refused:?}"
    );
    let admin = app.token(Role::Admin).await;
    let run = app
        .get(&format!("/api/v1/reminder-runs/{later}"), Some(&admin))
        .await;
    run.assert_error(404, "NOT_FOUND");
}
