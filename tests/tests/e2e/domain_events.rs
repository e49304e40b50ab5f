//! Domain events on EventBridge: the committed JSON Schemas are the ones the code generates,
//! every event the API publishes (through the outbox, the relay, the emulator's bus, a rule
//! and a queue) carries its detail-type, source, version and event id and validates against
//! its schema, a change that did not commit publishes nothing, and a bus that refuses events
//! fails no request and loses no event: it stays in the outbox until the bus takes it, and a
//! relay that published but could not remove publishes it again with the same `event_id`.

use chrono::Utc;
use proxima::domain::Role;
use proxima::events::schema::{self, EventSchema};
use proxima::ports::Outbox;
use proxima::store::{EventBridgePublisher, SqsJobQueue, aws};
use proxima_infra::messaging;
use proxima_infra::outbox_source::OutboxSource;
use proxima_infra::provision::ensure_month_end_queues;
use proxima_infra::sqs_event_source::SqsEventSource;
use proxima_tests::messaging::{EventQueue, spawn_app_with_events};
use proxima_tests::{last_month, shared_emulator, spawn_app_on};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(schema::SCHEMA_DIR)
}

/// Each schema as committed, by detail-type.
fn committed() -> HashMap<&'static str, (EventSchema, Value)> {
    proxima::events::all_schemas()
        .into_iter()
        .map(|s| {
            let path = schema_dir().join(s.file_name());
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{} missing: UPDATE_EVENT_SCHEMAS=1", path.display()));
            let value: Value = serde_json::from_str(&text).expect("schema JSON");
            (s.name, (s, value))
        })
        .collect()
}

#[test]
fn the_committed_schemas_are_the_ones_the_code_generates() {
    let update = std::env::var("UPDATE_EVENT_SCHEMAS").is_ok_and(|v| v == "1");
    let dir = schema_dir();
    for s in proxima::events::all_schemas() {
        let path = dir.join(s.file_name());
        let text = format!("{}\n", serde_json::to_string_pretty(&s.schema).unwrap());
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            on_disk,
            text,
            "{} is stale: UPDATE_EVENT_SCHEMAS=1 cargo test -p proxima-tests --test e2e domain_events::",
            path.display()
        );
        jsonschema::meta::validate(&s.schema).expect("a valid JSON Schema");
    }
    let names: Vec<_> = proxima::events::all_schemas()
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        [
            "invoice.finalized",
            "invoice.sent",
            "invoice.voided",
            "payment.recorded",
            "invoice.written_off",
            "payment.received",
            "credit.applied",
            "refund.paid",
            "credit_note.issued",
            "month_end.completed",
            "invoice.overdue",
            "reminder.sent",
            "reminders.completed"
        ]
    );
}

/// Check one delivered event against its committed schema; its detail.
fn check(event: &Value, schemas: &HashMap<&'static str, (EventSchema, Value)>) -> Value {
    assert_eq!(event["source"], "proxima.invoices", "{event}");
    let name = event["detail-type"].as_str().expect("detail-type");
    let (s, committed) = schemas
        .get(name)
        .unwrap_or_else(|| panic!("unknown event {name}"));
    let detail = event["detail"].clone();
    assert_eq!(detail["version"], json!(s.version), "{event}");
    let event_id = detail["event_id"].as_str().expect("event_id");
    assert_eq!(
        uuid::Uuid::parse_str(event_id).map(|u| u.get_version_num()),
        Ok(7),
        "{event}"
    );
    let validator = jsonschema::validator_for(committed).expect("compile schema");
    let errors: Vec<String> = validator
        .iter_errors(&detail)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not match its schema: {errors:?}\n{detail}"
    );
    detail
}

#[tokio::test]
async fn every_change_publishes_its_event_after_it_commits_and_only_then() {
    let (app, queue) = spawn_app_with_events().await;
    let schemas = committed();
    let token = app.token(Role::Accountant).await;
    let keys = app.seed_clients_with_work(2).await;

    // invoice.finalized, once: the second (stale) finalize is refused and publishes nothing.
    let a = app.draft(&token, &keys[0]).await;
    let a_id = a["id"].as_str().unwrap();
    let fin = app.finalize(&token, a_id).await;
    assert_eq!(fin.status, 200, "{}", fin.body);
    app.finalize(&token, a_id)
        .await
        .assert_error(409, "CONFLICT");
    let events = queue.drain(Duration::from_millis(500)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let d = check(&events[0], &schemas);
    assert_eq!(events[0]["detail-type"], "invoice.finalized");
    assert_eq!(d["invoice_id"], a_id);
    assert_eq!(d["number"], fin.body["data"]["number"]);
    assert_eq!(d["total"], fin.body["data"]["total"]);
    assert_eq!(d["pdf_sha256"], fin.body["data"]["pdf"]["sha256"]);
    assert_eq!(d["period"], last_month().to_string());

    // payment.recorded, then credit_note.issued for the rest. Paid on the issue date: today
    // in the client's time zone (Tashkent: a day ahead of UTC from 19:00 UTC).
    let paid_on = fin.body["data"]["issue_date"].as_str().unwrap().to_string();
    let total: rust_decimal::Decimal = fin.body["data"]["total"].as_str().unwrap().parse().unwrap();
    let paid = app
        .post_json(
            &format!("/api/v1/invoices/{a_id}/payments"),
            &json!({"amount": "10.00", "paid_on": paid_on, "method": "bank_transfer"}),
            Some(&token),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let too_much = app
        .post_json(
            &format!("/api/v1/invoices/{a_id}/payments"),
            &json!({"amount": (total * rust_decimal::Decimal::TWO).to_string(), "paid_on": paid_on, "method": "bank_transfer"}),
            Some(&token),
        )
        .await;
    assert_eq!(too_much.status, 400, "refused: {}", too_much.body);
    let note = app
        .post_json(
            &format!("/api/v1/invoices/{a_id}/credit-notes"),
            &json!({"reason": "discount", "full": true}),
            Some(&token),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    let events = queue.drain(Duration::from_millis(500)).await;
    let names: Vec<_> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["payment.recorded", "credit_note.issued"]);
    let p = check(&events[0], &schemas);
    assert_eq!(p["payment_id"], paid.body["data"]["payment"]["id"]);
    assert_eq!(p["invoice_id"], a_id);
    assert_eq!(p["amount"], "10.00");
    assert_eq!(p["amount_due"], paid.body["data"]["invoice"]["amount_due"]);
    let n = check(&events[1], &schemas);
    assert_eq!(n["credit_note_id"], note.body["data"]["credit_note"]["id"]);
    assert_eq!(n["invoice_id"], a_id);
    assert_eq!(
        n["invoice_amount_due"],
        note.body["data"]["invoice"]["amount_due"]
    );

    // invoice.voided and invoice.sent on a second invoice.
    let b = app.draft(&token, &keys[1]).await;
    let b_id = b["id"].as_str().unwrap();
    assert_eq!(app.finalize(&token, b_id).await.status, 200);
    let sent = app
        .post_json(
            &format!("/api/v1/invoices/{b_id}/send"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let void = app
        .post_json(
            &format!("/api/v1/invoices/{b_id}/void"),
            &json!({"reason": "duplicate"}),
            Some(&token),
        )
        .await;
    assert_eq!(void.status, 200, "{}", void.body);
    let events = queue.drain(Duration::from_millis(500)).await;
    let names: Vec<_> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["invoice.finalized", "invoice.sent", "invoice.voided"]
    );
    let s = check(&events[1], &schemas);
    assert_eq!(s["invoice_id"], b_id);
    assert_eq!(s["message_id"], sent.body["data"]["message"]["id"]);
    assert_eq!(s["recipients"], 1);
    assert!(
        !events[1]["detail"]
            .to_string()
            .contains("events@acme.example"),
        "no addresses in events"
    );
    let v = check(&events[2], &schemas);
    assert_eq!(v["invoice_id"], b_id);
    for e in &events {
        check(e, &schemas);
    }

    // month_end.completed: the schedule enqueues every active client, the worker drafts
    // them, and the worker whose outcome completes the run publishes it once.
    let sqs = aws::sqs_client(&aws::sdk_config(Some(&app.endpoint)).await);
    let queues = ensure_month_end_queues(&sqs, &app.table, Some(1))
        .await
        .expect("queues from the template");
    let draft_queue = SqsJobQueue::new(sqs.clone(), &queues.queue_url);
    let tz: proxima::domain::TimeZone = "Asia/Tashkent".parse().unwrap();
    let schedule =
        json!({"source": "proxima.month-end", "detail-type": "Scheduled Event", "detail": {}});
    let summary = fn_month_end::handle(&app.state, &draft_queue, &schedule, &tz, Utc::now())
        .await
        .expect("the schedule enqueues");
    assert!(summary.enqueued > 0);
    let source = SqsEventSource {
        client: sqs.clone(),
        queue_url: queues.queue_url.clone(),
        queue_arn: queues.queue_arn.clone(),
        batch_size: 10,
    };
    let max = queues.max_receives;
    let worker = |event| {
        let state = app.state.clone();
        async move { fn_month_end_worker::handle(&state, &event, max, Utc::now()).await }
    };
    let polled = source
        .drain(&worker, Duration::from_secs(60))
        .await
        .expect("the queue drains");
    assert_eq!(polled.failed, 0);
    let events = queue.drain(Duration::from_millis(500)).await;
    assert_eq!(events.len(), 1, "one event per run: {events:?}");
    let m = check(&events[0], &schemas);
    assert_eq!(m["period"], summary.period.to_string());
    let total = ["created", "skipped", "failed"]
        .iter()
        .map(|k| m[*k].as_u64().expect("a count"))
        .sum::<u64>();
    assert_eq!(
        total, summary.enqueued,
        "every enqueued client counted: {m}"
    );
    assert_eq!(m["failed"], 0);

    // A second delivery of the schedule completes nothing again: no second event.
    fn_month_end::handle(&app.state, &draft_queue, &schedule, &tz, Utc::now())
        .await
        .expect("the schedule enqueues again");
    source
        .drain(&worker, Duration::from_secs(60))
        .await
        .expect("the queue drains");
    assert!(queue.drain(Duration::from_millis(500)).await.is_empty());
}

#[tokio::test]
async fn a_bus_that_refuses_events_fails_no_request_and_loses_no_event() {
    let app = spawn_app_on(&shared_emulator().endpoint(), |c| {
        c.event_bus_name = Some("no-such-bus-anywhere".into());
    })
    .await;
    let token = app.token(Role::Accountant).await;
    let keys = app.seed_clients_with_work(1).await;
    let draft = app.draft(&token, &keys[0]).await;
    let id = draft["id"].as_str().unwrap();
    let fin = app.finalize(&token, id).await;
    assert_eq!(fin.status, 200, "the finalize committed: {}", fin.body);
    let got = app
        .get(&format!("/api/v1/invoices/{id}"), Some(&token))
        .await;
    assert_eq!(got.body["data"]["status"], "finalized");

    // The relay to the missing bus fails: the event is named as a failure and stays.
    let broken = OutboxSource {
        outbox: app.state.outbox.clone(),
        publisher: app.state.events.clone(),
    };
    let poll = broken.poll_once().await.expect("poll");
    assert_eq!((poll.received, poll.failed), (1, 1));
    let pending = app.state.outbox.pending(10).await.expect("outbox");
    assert_eq!(pending.len(), 1, "still in the outbox");
    assert_eq!(pending[0].detail_type, "invoice.finalized");

    // A relay to a bus that works, whose removal fails once (a crash after PutEvents):
    // the event is published, stays, and is published again with the same event id.
    let sdk = aws::sdk_config(Some(&app.endpoint)).await;
    let suffix = messaging::event_bus_name_suffix().expect("bus in template");
    let name = format!("test-{}", uuid::Uuid::new_v4().simple());
    let bus =
        messaging::provision_event_bus(&sdk, &format!("{name}{suffix}"), &format!("{name}-events"))
            .await
            .expect("provision the bus");
    let publisher = Arc::new(EventBridgePublisher::new(
        aws::eventbridge_client(&sdk),
        &bus.bus_name,
    ));
    let crashing = OutboxSource {
        outbox: Arc::new(RemoveFailsOnce {
            inner: app.state.outbox.clone(),
            failed: AtomicBool::new(false),
        }),
        publisher: publisher.clone(),
    };
    assert_eq!(crashing.poll_once().await.expect("poll").failed, 0);
    assert_eq!(app.state.outbox.pending(10).await.expect("outbox").len(), 1);
    assert_eq!(crashing.drain().await.expect("drain").failed, 0);
    assert!(
        app.state
            .outbox
            .pending(10)
            .await
            .expect("outbox")
            .is_empty()
    );
    let queue = EventQueue {
        sqs: aws_sdk_sqs::Client::new(&sdk),
        bus,
        relay: crashing,
    };
    let events = queue.received(Duration::from_millis(500)).await;
    assert_eq!(events.len(), 2, "published twice: {events:?}");
    let schemas = committed();
    let (first, second) = (check(&events[0], &schemas), check(&events[1], &schemas));
    assert_eq!(first, second, "the same event");
    assert_eq!(first["event_id"], json!(pending[0].id.to_string()));
    assert_eq!(first["invoice_id"], id);
}

/// An outbox whose first removal fails after the events were published.
struct RemoveFailsOnce {
    inner: Arc<dyn Outbox>,
    failed: AtomicBool,
}

#[async_trait::async_trait]
impl Outbox for RemoveFailsOnce {
    async fn pending(&self, limit: u32) -> proxima::Result<Vec<proxima::events::DomainEvent>> {
        self.inner.pending(limit).await
    }
    async fn remove(&self, ids: &[uuid::Uuid]) -> proxima::Result<()> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(proxima::Error::Unavailable(
                "crashed before removing".into(),
            ));
        }
        self.inner.remove(ids).await
    }
}
