//! The SAM development loop's sample events (`events/`): they are what
//! `proxima_infra::sam_events` makes from `template.yaml`, and each one, read from its file,
//! goes through its function's real entry point as the Lambda runtime would hand it over
//! (API Gateway v2 requests through the function's router via `lambda_http`, the schedule,
//! S3, SQS and DynamoDB stream payloads through the handlers) against the local stack. So does what
//! `sam local generate-event` prints, which needs no Docker.

use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use proxima::domain::Role;
use proxima_infra::sam_events::{
    SAMPLE_DAY, SAMPLE_EVENT_ID, SAMPLE_IMPORT_KEY, SAMPLE_PERIOD, TOKEN_PLACEHOLDER, file_text,
    samples,
};
use proxima_tests::messaging::spawn_app_with_events;
use proxima_tests::{TestApp, last_month, spawn_app};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tower::ServiceExt;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn events_dir() -> PathBuf {
    root().join("events")
}

fn read(file: &str) -> String {
    let path = events_dir().join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files_under(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            files_under(&entry.path(), &format!("{name}/"), out);
        } else if name.ends_with(".json") {
            out.insert(name);
        }
    }
}

#[test]
fn the_sample_events_are_the_ones_made_from_the_template() {
    let update = std::env::var("UPDATE_EVENTS").is_ok_and(|v| v == "1");
    let made = samples().unwrap();
    let mut stale = Vec::new();
    for s in &made {
        let want = file_text(&s.event).unwrap();
        let path = events_dir().join(&s.file);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(s.file.clone());
        }
    }
    let mut on_disk = BTreeSet::new();
    for kind in ["api", "schedule", "s3", "sqs", "dynamodb"] {
        files_under(&events_dir().join(kind), &format!("{kind}/"), &mut on_disk);
    }
    let expected: BTreeSet<String> = made.iter().map(|s| s.file.clone()).collect();
    let extra: Vec<&String> = on_disk.difference(&expected).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "events/ is out of date with template.yaml (stale: {stale:?}, not made from it: \
         {extra:?}); run UPDATE_EVENTS=1 cargo test -p proxima-tests --test e2e sam_events::"
    );
    // Every route of the template has its sample, and every event source too.
    let routes = proxima_infra::template::http_routes(
        &proxima_infra::template::document(proxima_infra::template::TEMPLATE_YAML).unwrap(),
    )
    .unwrap();
    assert_eq!(
        made.iter().filter(|s| s.file.starts_with("api/")).count(),
        routes.len()
    );
    for kind in ["schedule/", "s3/", "sqs/", "dynamodb/"] {
        assert!(made.iter().any(|s| s.file.starts_with(kind)), "{kind}");
    }
}

fn router_of(app: &TestApp, binary: &str) -> axum::Router {
    let s = app.state.clone();
    let router = match binary {
        "health" => fn_health::router(s),
        "auth" => fn_auth::router(s),
        "clients" => fn_clients::router(s),
        "invoices" => fn_invoices::router(s),
        "einvoice" => fn_einvoice::router(s),
        other => panic!("no router for the {other} function"),
    };
    proxima::http::with_layers(router, &app.state.config)
}

/// Run an API Gateway v2 event (JSON text) through `router` the way `lambda_http` does.
async fn invoke(router: axum::Router, event: &str) -> (u16, Value) {
    let request = lambda_http::request::from_str(event).expect("a valid API Gateway v2 event");
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_api_sample_reaches_its_function() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Admin).await;
    // A rate published before the exchange-rate sample's day.
    app.state
        .rates
        .put_published(&[proxima::rates::ExchangeRate {
            currency: "USD".into(),
            date: "2026-11-09".parse().unwrap(),
            rate: "12735.37".parse().unwrap(),
            nominal: 1,
            origin: proxima::rates::RateOrigin::Cbu,
            reason: None,
            set_by: None,
            recorded_at: Utc::now(),
        }])
        .await
        .unwrap();
    let mut seen = 0;
    for s in samples().unwrap() {
        if !s.file.starts_with("api/") {
            continue;
        }
        seen += 1;
        let text = read(&s.file);
        let event: Value = serde_json::from_str(&text).unwrap();
        let route = event["routeKey"].as_str().unwrap().to_string();
        let protected = text.contains(TOKEN_PLACEHOLDER);

        // As committed: a protected route refuses the placeholder token.
        let (status, body) = invoke(router_of(&app, &s.binary), &text).await;
        if protected {
            assert_eq!(status, 401, "{route} with the placeholder token: {body}");
            assert_eq!(body["error"]["code"], "UNAUTHORIZED", "{route}");
            continue;
        }
        // The public routes answer as they are: probes, login with the demo accountant; the
        // sample refresh token names no login (refresh 401, logout 204).
        let expected = match route.as_str() {
            "POST /api/v1/auth/refresh" => 401,
            "POST /api/v1/auth/logout" => 204,
            _ => 200,
        };
        assert_eq!(status, expected, "{route}: {body}");
    }
    assert!(seen >= 17, "{seen} API samples");

    // With a real token (and the demo data's last month for the sample's period), every
    // protected sample is served by its handler: the `{id}` ones find no such invoice, the
    // `{period}` and `{date}` ones no month-end or reminder run (none ran here), the others
    // succeed.
    for s in samples().unwrap() {
        let text = read(&s.file);
        if !s.file.starts_with("api/") || !text.contains(TOKEN_PLACEHOLDER) {
            continue;
        }
        let text = text
            .replace(TOKEN_PLACEHOLDER, &token)
            .replace(SAMPLE_PERIOD, &last_month().to_string());
        let event: Value = serde_json::from_str(&text).unwrap();
        let route = event["routeKey"].as_str().unwrap();
        let (status, body) = invoke(router_of(&app, &s.binary), &text).await;
        if route.contains("{id}") || route.contains("{period}") || route.contains("{date}") {
            assert_eq!(status, 404, "{route}: {body}");
            assert_eq!(body["error"]["code"], "NOT_FOUND", "{route}");
            assert_ne!(body["error"]["message"], "route not found", "{route}");
        } else {
            assert!(
                (200..300).contains(&status),
                "{route} with a token: {status} {body}"
            );
        }
    }
}

#[tokio::test]
async fn the_schedule_s3_and_sqs_samples_run_through_their_handlers() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let tz: proxima::domain::TimeZone = "Asia/Tashkent".parse().unwrap();
    let now = Utc::now();

    // The schedule's delivery: last month's run, every active demo client enqueued.
    let queue = month_end_queue(&app).await;
    let scheduled: Value = serde_json::from_str(&read("schedule/month-end.json")).unwrap();
    let outcome = fn_month_end::handle(&app.state, &queue, &scheduled, &tz, now)
        .await
        .unwrap();
    assert_eq!(outcome.period, fn_month_end::previous_period(now, &tz));
    assert_eq!(outcome.enqueued, 4, "the active demo clients");
    // A run by hand for the sample's month.
    let by_hand: Value = serde_json::from_str(&read("schedule/month-end-period.json")).unwrap();
    let outcome = fn_month_end::handle(&app.state, &queue, &by_hand, &tz, now)
        .await
        .unwrap();
    assert_eq!(outcome.period.to_string(), SAMPLE_PERIOD);

    // The S3 upload: the CSV at the sample's key is imported.
    let csv = include_bytes!("../../fixtures/tempo-worklogs.csv");
    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(SAMPLE_IMPORT_KEY)
        .body(csv.to_vec().into())
        .send()
        .await
        .unwrap();
    let upload: S3Event = serde_json::from_str(&read("s3/import.json")).unwrap();
    let done = fn_import::handle(&app.state, &upload).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, SAMPLE_IMPORT_KEY);
    assert_eq!(done[0].1.imported, 4);

    // The month-end worker's message: the client's draft for the sample's month, recorded
    // in that month's run; nothing reported failed.
    let sqs: SqsEvent = serde_json::from_str(&read("sqs/month-end-worker.json")).unwrap();
    let body: Value = serde_json::from_str(sqs.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["period"], SAMPLE_PERIOD);
    let answer = fn_month_end_worker::handle(&app.state, &sqs, 3, now).await;
    assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    let period = SAMPLE_PERIOD.parse().unwrap();
    let clients = proxima::month_end::run::run_clients(
        app.state.runs.as_ref(),
        period,
        None,
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(clients.total, 1);
    assert_eq!(
        clients.items[0].client_key,
        proxima_infra::sam_events::SAMPLE_CLIENT
    );

    // The reminders function: the daily schedule (today in the company's time zone) and a
    // day by hand start their runs; its queue's sample (an invoice that does not exist
    // here) is handled and reported, not failed.
    let sqs_client = proxima::store::aws::sqs_client(
        &proxima::store::aws::sdk_config(Some(&app.endpoint)).await,
    );
    let queues = proxima_infra::provision::ensure_reminder_queues(&sqs_client, &app.table, None)
        .await
        .unwrap();
    let queue = proxima::store::SqsJobQueue::new(sqs_client, &queues.queue_url);
    let daily: Value = serde_json::from_str(&read("schedule/reminders.json")).unwrap();
    let outcome = fn_reminders::schedule(&app.state, &queue, &daily, &tz, now)
        .await
        .unwrap();
    assert_eq!(outcome.date, tz.date_at(now));
    assert!(!outcome.enabled, "off until an admin turns them on");
    let by_hand: Value = serde_json::from_str(&read("schedule/reminders-date.json")).unwrap();
    let outcome = fn_reminders::schedule(&app.state, &queue, &by_hand, &tz, now)
        .await
        .unwrap();
    assert_eq!(outcome.date.to_string(), SAMPLE_DAY);
    let batch: Value = serde_json::from_str(&read("sqs/reminders.json")).unwrap();
    let fn_reminders::Invocation::Batch(batch) = fn_reminders::Invocation::of(batch).unwrap()
    else {
        panic!("the SQS sample is a batch");
    };
    let answer = fn_reminders::work(&app.state, &batch, 3, now)
        .await
        .unwrap();
    assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    let lines = proxima::reminders::run::run_invoices(
        app.state.runs.as_ref(),
        SAMPLE_DAY.parse().unwrap(),
        None,
        Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(lines.total, 1);
    assert_eq!(
        lines.items[0].outcome,
        proxima::reminders::ReminderOutcome::Skipped {
            reason: "invoice_not_found".into(),
            step: None,
            overdue_announced: false
        }
    );

    // The rates function: the daily schedule (the last days up to tomorrow) and a range by
    // hand, from the Central Bank's fake.
    let fake = proxima_infra::cbu_fake::CbuFake::start().await.unwrap();
    let config = fn_rates::RatesConfig {
        base_url: fake.base_url.clone(),
        wanted: vec!["USD".into()],
        timezone: tz.clone(),
        lookback_days: 7,
    };
    let source =
        proxima::store::cbu::CbuRates::new(&fake.base_url, std::time::Duration::from_secs(5))
            .unwrap();
    let daily: Value = serde_json::from_str(&read("schedule/rates.json")).unwrap();
    let report = fn_rates::handle(app.state.rates.as_ref(), &source, &daily, &config, now)
        .await
        .unwrap();
    assert_eq!(report.days, 9, "a week back up to tomorrow");
    let by_hand: Value = serde_json::from_str(&read("schedule/rates-range.json")).unwrap();
    let report = fn_rates::handle(app.state.rates.as_ref(), &source, &by_hand, &config, now)
        .await
        .unwrap();
    assert_eq!(report.days, 9, "{report:?}");
    assert!(report.failed.is_empty() && report.missing.is_empty());
}

/// The month-end queue of a test (named after its table), from the template.
#[tokio::test]
async fn the_stream_sample_runs_through_the_events_relay_to_the_bus() {
    let (app, queue) = spawn_app_with_events().await;
    let batch: StreamEvent = serde_json::from_str(&read("dynamodb/events-relay.json")).unwrap();
    let answer =
        fn_events_relay::handle(app.state.events.as_ref(), app.state.outbox.as_ref(), &batch).await;
    assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    let events = queue.received(std::time::Duration::from_millis(500)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail-type"], "invoice.voided");
    assert_eq!(events[0]["detail"]["event_id"], SAMPLE_EVENT_ID);
    assert_eq!(
        events[0]["detail"]["invoice_id"],
        proxima_infra::sam_events::SAMPLE_INVOICE_ID
    );
}

async fn month_end_queue(app: &TestApp) -> proxima::store::SqsJobQueue {
    let sqs = proxima::store::aws::sqs_client(
        &proxima::store::aws::sdk_config(Some(&app.endpoint)).await,
    );
    let queues = proxima_infra::provision::ensure_month_end_queues(&sqs, &app.table, None)
        .await
        .unwrap();
    proxima::store::SqsJobQueue::new(sqs, &queues.queue_url)
}

/// `sam local generate-event <args>` (no Docker needed), parsed.
async fn sam_generate(args: &[&str]) -> String {
    let sam = root().join(".venv/bin/sam");
    let out = tokio::process::Command::new(&sam)
        .args(["local", "generate-event"])
        .args(args)
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} ({e}): run scripts/setup.sh", sam.display()));
    assert!(
        out.status.success(),
        "sam local generate-event {args:?}: {out:?}"
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn sam_generated_events_parse_through_the_entry_points() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let body = serde_json::json!({"period": SAMPLE_PERIOD, "client_key": "ACME"}).to_string();
    let api_args = [
        "apigateway",
        "http-api-proxy",
        "--method",
        "GET",
        "--path",
        "healthz",
    ];
    let s3_args = [
        "s3",
        "put",
        "--bucket",
        &app.bucket,
        "--key",
        SAMPLE_IMPORT_KEY,
    ];
    // SAM pastes `--body` into its JSON template as it is: give it the escaped form.
    let escaped = serde_json::to_string(&body).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    let sqs_args = ["sqs", "receive-message", "--body", escaped];
    let (api, s3, sqs, scheduled, stream) = tokio::join!(
        sam_generate(&api_args),
        sam_generate(&s3_args),
        sam_generate(&sqs_args),
        sam_generate(&["cloudwatch", "scheduled-event"]),
        sam_generate(&["dynamodb", "update"]),
    );

    let (status, health) = invoke(router_of(&app, "health"), &api).await;
    assert_eq!(status, 200, "{health}");

    let csv = include_bytes!("../../fixtures/tempo-worklogs.csv");
    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(SAMPLE_IMPORT_KEY)
        .body(csv.to_vec().into())
        .send()
        .await
        .unwrap();
    let upload: S3Event = serde_json::from_str(&s3).unwrap();
    let done = fn_import::handle(&app.state, &upload).await.unwrap();
    assert_eq!(done.len(), 1, "{s3}");
    assert_eq!(done[0].1.imported, 4);

    let sqs: SqsEvent = serde_json::from_str(&sqs).unwrap();
    assert_eq!(sqs.records[0].body.as_deref(), Some(body.as_str()));

    // A classic EventBridge scheduled event (no `period`): the previous month.
    let tz: proxima::domain::TimeZone = "Asia/Tashkent".parse().unwrap();
    let now = Utc::now();
    let event: Value = serde_json::from_str(&scheduled).unwrap();
    let queue = month_end_queue(&app).await;
    let outcome = fn_month_end::handle(&app.state, &queue, &event, &tz, now)
        .await
        .unwrap();
    assert_eq!(outcome.period, fn_month_end::previous_period(now, &tz));

    // A stream batch of other items (what the event source's filter keeps away): the relay
    // parses it, publishes nothing and asks for nothing again.
    let stream: StreamEvent = serde_json::from_str(&stream).unwrap();
    assert!(!stream.records.is_empty());
    let answer = fn_events_relay::handle(
        app.state.events.as_ref(),
        app.state.outbox.as_ref(),
        &stream,
    )
    .await;
    assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
}

#[tokio::test]
async fn env_json_points_every_function_at_the_local_stack_under_sam_local() {
    // What SAM itself hands each function for `sam local invoke --env-vars env.json` (its
    // own resolution code, run without Docker): only variables the template declares can
    // be set this way, so this also checks the template declares them.
    let out = tokio::process::Command::new(root().join(".venv/bin/python"))
        .arg("scripts/sam-local-env.py")
        .current_dir(root())
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .await
        .expect("run .venv/bin/python (scripts/setup.sh)");
    assert!(out.status.success(), "{out:?}");
    let resolved: Value = serde_json::from_slice(&out.stdout).unwrap();
    let env_json: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("env.json")).unwrap()).unwrap();

    let doc = proxima_infra::template::document(proxima_infra::template::TEMPLATE_YAML).unwrap();
    let functions: BTreeSet<String> = doc["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(id, _)| id.as_str().unwrap().to_string())
        .collect();
    let listed: BTreeSet<String> = env_json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        listed, functions,
        "env.json has an entry for every function"
    );

    let archive = proxima_infra::provision::archive_bucket_name("proxima-local-documents").unwrap();
    for function in &functions {
        let env = &resolved[function];
        // The names `scripts/dev.sh` (proxima-local) provisions, on its emulator port, seen
        // from inside the function's container.
        assert_eq!(env["APP_ENV"], "local", "{function}");
        assert_eq!(
            env["AWS_ENDPOINT_URL"], "http://host.docker.internal:4567",
            "{function}"
        );
        assert_eq!(env["TABLE_NAME"], "proxima-local", "{function}");
        assert_eq!(env["BUCKET_NAME"], "proxima-local-documents", "{function}");
        assert_eq!(env["DOCUMENTS_BUCKET_NAME"], archive.as_str(), "{function}");
        assert!(
            env.get("JWT_SECRET").is_none(),
            "{function}: local mode's dev secret"
        );
    }
    assert_eq!(
        resolved["MonthEndFunction"]["MONTH_END_TIMEZONE"],
        "Asia/Tashkent"
    );
    // The queue proxima-local provisions (`<table>-month-end`), seen from the container.
    assert_eq!(
        resolved["MonthEndFunction"]["MONTH_END_QUEUE_URL"],
        "http://host.docker.internal:4567/123456789012/proxima-local-month-end"
    );
    assert_eq!(
        resolved["MonthEndWorkerFunction"]["MONTH_END_MAX_RECEIVES"],
        "3"
    );
    // Only the relay publishes events: to the bus proxima-local provisions.
    for function in &functions {
        let bus = &resolved[function]["EVENT_BUS_NAME"];
        if function == "EventsRelayFunction" {
            assert_eq!(*bus, "proxima-local-events");
        } else {
            assert!(bus.is_null(), "{function} publishes nothing: {bus}");
        }
    }
}
