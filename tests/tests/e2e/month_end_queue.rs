//! Month-end through the queue, on the emulator's SQS with the template's redrive policy:
//! the schedule enqueues one message per active client; the worker is driven as Lambda's
//! SQS event source drives it (real SQS event JSON, successes deleted, batch item failures
//! left to come back after the visibility timeout, dead-lettered after `maxReceiveCount`);
//! the run report says what happened to every client.

use aws_sdk_dynamodb::types::AttributeValue::S;
use chrono::Utc;
use proxima::domain::Role;
use proxima::store::{SqsJobQueue, aws};
use proxima_infra::provision::{MonthEndQueues, ensure_month_end_queues};
use proxima_infra::sqs_event_source::{SqsEventSource, visible_messages};
use proxima_tests::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::time::Duration;

/// The month-end stack of a test: its queues, the schedule's queue adapter and the poller.
struct MonthEnd {
    sqs: aws_sdk_sqs::Client,
    queues: MonthEndQueues,
    queue: SqsJobQueue,
    source: SqsEventSource,
    tz: proxima::domain::TimeZone,
}

/// Queues named after the test's table, with a 1-second visibility timeout so that a
/// failed message comes back quickly.
async fn month_end(app: &TestApp) -> MonthEnd {
    let sqs = aws::sqs_client(&aws::sdk_config(Some(&app.endpoint)).await);
    let queues = ensure_month_end_queues(&sqs, &app.table, Some(1))
        .await
        .expect("queues from the template");
    MonthEnd {
        queue: SqsJobQueue::new(sqs.clone(), &queues.queue_url),
        source: SqsEventSource {
            client: sqs.clone(),
            queue_url: queues.queue_url.clone(),
            queue_arn: queues.queue_arn.clone(),
            batch_size: 10,
        },
        sqs,
        queues,
        tz: "Asia/Tashkent".parse().unwrap(),
    }
}

impl MonthEnd {
    /// What EventBridge Scheduler delivers with the template's input.
    async fn schedule(&self, app: &TestApp) -> proxima::month_end::EnqueueSummary {
        let event =
            json!({"source": "proxima.month-end", "detail-type": "Scheduled Event", "detail": {}});
        fn_month_end::handle(&app.state, &self.queue, &event, &self.tz, Utc::now())
            .await
            .expect("the schedule enqueues")
    }

    fn period(&self) -> String {
        fn_month_end::previous_period(Utc::now(), &self.tz).to_string()
    }

    /// Run the worker on the queue until it is empty.
    async fn drain(&self, app: &TestApp) -> proxima_infra::sqs_event_source::Poll {
        let max = self.queues.max_receives;
        let worker = |event| {
            let state = app.state.clone();
            async move { fn_month_end_worker::handle(&state, &event, max, Utc::now()).await }
        };
        self.source
            .drain(&worker, Duration::from_secs(60))
            .await
            .expect("the queue drains")
    }
}

async fn invoices(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.get("/api/v1/invoices?per_page=100", Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["data"].as_array().unwrap().clone()
}

async fn run(app: &TestApp, token: &str, period: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/month-end-runs/{period}"), Some(token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].clone()
}

async fn run_clients(app: &TestApp, token: &str, period: &str, query: &str) -> Value {
    let reply = app
        .get(
            &format!("/api/v1/month-end-runs/{period}/clients{query}"),
            Some(token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body.clone()
}

#[tokio::test]
async fn the_schedule_enqueues_each_active_client_and_the_worker_drafts_each_once() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let me = month_end(&app).await;
    let token = app.token(Role::Viewer).await;

    let summary = me.schedule(&app).await;
    assert_eq!(
        summary.enqueued, 4,
        "ACME, GULZOR, NORDLICHT, VOSTOK; not OLDCO"
    );
    assert_eq!(
        me.source.depth().await.unwrap(),
        4,
        "one message per client"
    );
    let running = run(&app, &token, &me.period()).await;
    assert_eq!(running["status"], "running");
    assert_eq!(running["enqueued"], 4);

    let polled = me.drain(&app).await;
    assert_eq!((polled.received, polled.failed), (4, 0));
    let drafts = invoices(&app, &token).await;
    let mut keys: Vec<&str> = drafts
        .iter()
        .map(|i| i["client_key"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, ["ACME", "GULZOR", "NORDLICHT", "VOSTOK"]);
    assert!(drafts.iter().all(|i| i["created_by"] == "system:month-end"
        && i["status"] == "draft"
        && i["period"] == me.period().as_str()));
    let done = run(&app, &token, &me.period()).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(
        (&done["created"], &done["skipped"], &done["failed"]),
        (&json!(4), &json!(0), &json!(0))
    );
    assert!(done["completed_at"].is_string());
    let clients = run_clients(&app, &token, &me.period(), "").await;
    assert_eq!(clients["meta"]["total"], 4);
    let acme = &clients["data"][0];
    assert_eq!(acme["client_key"], "ACME");
    assert_eq!(acme["outcome"], "created");
    let acme_invoice = drafts.iter().find(|i| i["client_key"] == "ACME").unwrap();
    assert_eq!(acme["invoice_id"], acme_invoice["id"]);
    assert_eq!(acme["attempts"], 1);

    // The schedule delivered again (EventBridge delivers at least once): every client is
    // enqueued again, nothing is drafted twice and the report keeps its outcomes.
    assert_eq!(me.schedule(&app).await.enqueued, 4);
    assert_eq!(me.drain(&app).await.failed, 0);
    assert_eq!(invoices(&app, &token).await.len(), 4);
    let again = run(&app, &token, &me.period()).await;
    assert_eq!(
        (&again["enqueued"], &again["created"], &again["skipped"]),
        (&json!(4), &json!(4), &json!(0))
    );
    assert_eq!(
        again["completed_at"], done["completed_at"],
        "completed once"
    );

    // Work imported after the run (ACME's draft does not bill it) is counted in the run's
    // report as uninvoiced, as the uninvoiced report lists it; before it, only the work of
    // the inactive client (not drafted).
    let before = &done["uninvoiced"];
    let rows = app
        .get(
            &format!("/api/v1/reports/uninvoiced?period={}", me.period()),
            Some(&token),
        )
        .await;
    let rows = rows.body["data"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["client_key"], "OLDCO");
    assert_eq!(before["clients"], 1);
    assert_eq!(
        before["worklogs"],
        json!(rows[0]["worklog_ids"].as_array().unwrap().len())
    );
    assert_eq!(before["minutes"], rows[0]["minutes"]);
    let late = format!(
        "client_key,date,author,issue_key,minutes\nACME,{}-28,Late Lola,ACME-LATE,75\n",
        me.period()
    );
    proxima::import::import_worklogs(late.as_bytes(), app.state.stores())
        .await
        .unwrap();
    let counted = &run(&app, &token, &me.period()).await["uninvoiced"];
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap();
    assert_eq!(n(counted, "clients"), 2);
    assert_eq!(n(counted, "worklogs"), n(before, "worklogs") + 1);
    assert_eq!(n(counted, "minutes"), n(before, "minutes") + 75);
}

#[tokio::test]
async fn a_redelivered_message_creates_nothing_twice() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let me = month_end(&app).await;
    let token = app.token(Role::Viewer).await;
    me.schedule(&app).await;

    // The worker drafts every client, but its answer is lost (the invocation timed out
    // after the work): SQS sees a failure and delivers every message again.
    let max = me.queues.max_receives;
    let lost = |event: aws_lambda_events::event::sqs::SqsEvent| {
        let state = app.state.clone();
        async move {
            let ids: Vec<String> = event
                .records
                .iter()
                .map(|r| r.message_id.clone().unwrap_or_default())
                .collect();
            let _ = fn_month_end_worker::handle(&state, &event, max, Utc::now()).await;
            serde_json::from_value(json!({"batchItemFailures": ids
                .iter()
                .map(|id| json!({"itemIdentifier": id}))
                .collect::<Vec<_>>()}))
            .unwrap()
        }
    };
    let first = me.source.poll_once(&lost).await.unwrap();
    assert_eq!((first.received, first.failed), (4, 4));
    assert_eq!(invoices(&app, &token).await.len(), 4);

    let redelivered = me.drain(&app).await;
    assert_eq!((redelivered.received, redelivered.failed), (4, 0));
    assert_eq!(
        invoices(&app, &token).await.len(),
        4,
        "nothing created twice"
    );
    let report = run(&app, &token, &me.period()).await;
    assert_eq!(
        (&report["created"], &report["skipped"], &report["status"]),
        (&json!(4), &json!(0), &json!("completed")),
        "each client counted once, as created: {report}"
    );
}

/// The delivery that counted the last outcome failed before it could mark the run
/// completed (its `mark_completed` transaction did not commit: no `completed_at`, no
/// event): SQS delivers it again, and that delivery completes the run, once.
#[tokio::test]
async fn a_completion_lost_with_its_delivery_is_made_by_the_redelivery() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let me = month_end(&app).await;
    let token = app.token(Role::Viewer).await;
    let period = me.period();
    me.schedule(&app).await;
    assert_eq!(me.drain(&app).await.failed, 0);
    assert_eq!(run(&app, &token, &period).await["status"], "completed");
    // Undo what the lost `mark_completed` transaction wrote.
    app.dynamodb
        .update_item()
        .table_name(&app.table)
        .key("pk", S(format!("MONTH_END_RUN#{period}")))
        .key("sk", S("RUN".into()))
        .update_expression("REMOVE completed_at")
        .send()
        .await
        .unwrap();
    for event in outbox_events(&app).await {
        app.dynamodb
            .delete_item()
            .table_name(&app.table)
            .key("pk", event["pk"].clone())
            .key("sk", event["sk"].clone())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(run(&app, &token, &period).await["status"], "running");

    let body = proxima::month_end::DraftRequest {
        period: period.parse().unwrap(),
        client_key: "ACME".into(),
    }
    .to_body()
    .unwrap();
    me.sqs
        .send_message()
        .queue_url(&me.queues.queue_url)
        .message_body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(me.drain(&app).await.failed, 0);
    let report = run(&app, &token, &period).await;
    assert_eq!(
        (&report["status"], &report["created"]),
        (&json!("completed"), &json!(4)),
        "{report}"
    );
    let completed: Vec<_> = outbox_events(&app)
        .await
        .into_iter()
        .filter(|e| e.get("detail_type") == Some(&S("month_end.completed".into())))
        .collect();
    assert_eq!(completed.len(), 1, "one month_end.completed: {completed:?}");
}

/// The events waiting in the table's outbox (nothing relays them in these tests).
async fn outbox_events(
    app: &TestApp,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    app.dynamodb
        .query()
        .table_name(&app.table)
        .key_condition_expression("pk = :outbox")
        .expression_attribute_values(":outbox", S("OUTBOX".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

#[tokio::test]
async fn a_poisoned_client_ends_in_the_dead_letter_queue_and_every_other_client_gets_its_draft() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let me = month_end(&app).await;
    let token = app.token(Role::Viewer).await;
    let period = me.period();
    // A worklog item of VOSTOK's that cannot be read: VOSTOK's draft fails on every
    // delivery, the others' not.
    let bad_key = [("pk", "WORKLOG#unreadable"), ("sk", "WORKLOG")];
    let mut bad: Vec<(&str, String)> = bad_key.iter().map(|(k, v)| (*k, v.to_string())).collect();
    bad.push(("gsi1pk", "CLIENT#VOSTOK#WORKLOGS".into()));
    bad.push(("gsi1sk", format!("{period}-01#unreadable")));
    app.dynamodb
        .put_item()
        .table_name(&app.table)
        .set_item(Some(
            bad.into_iter()
                .map(|(k, v)| (k.to_string(), S(v)))
                .collect(),
        ))
        .send()
        .await
        .unwrap();

    me.schedule(&app).await;
    let polled = me.drain(&app).await;
    assert_eq!(
        polled.failed as u32,
        me.queues.max_receives,
        "VOSTOK failed on each of its deliveries and nothing else failed: {}",
        run_clients(&app, &token, &period, "").await
    );
    assert_eq!(
        visible_messages(&me.sqs, &me.queues.dead_letter_url)
            .await
            .unwrap(),
        1
    );
    let mut keys: Vec<String> = invoices(&app, &token)
        .await
        .iter()
        .map(|i| i["client_key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    assert_eq!(keys, ["ACME", "GULZOR", "NORDLICHT"]);
    let report = run(&app, &token, &period).await;
    assert_eq!(
        (&report["created"], &report["failed"], &report["status"]),
        (&json!(3), &json!(1), &json!("completed")),
        "{report}"
    );
    assert_eq!(
        report["uninvoiced"],
        Value::Null,
        "VOSTOK's unreadable work cannot be counted; the report stands"
    );
    let failed = run_clients(&app, &token, &period, "?outcome=failed").await;
    assert_eq!(failed["meta"]["total"], 1);
    assert_eq!(failed["data"][0]["client_key"], "VOSTOK");
    assert_eq!(failed["data"][0]["attempts"], me.queues.max_receives);
    assert!(failed["data"][0]["error"].is_string());
    let bad_filter = app
        .get(
            &format!("/api/v1/month-end-runs/{period}/clients?outcome=lost"),
            Some(&token),
        )
        .await;
    bad_filter.assert_error(400, "VALIDATION_ERROR");

    // The runbook: fix the cause, redrive the dead-letter queue; VOSTOK gets its draft and
    // the report moves it from failed to created.
    app.dynamodb
        .delete_item()
        .table_name(&app.table)
        .key("pk", S(bad_key[0].1.into()))
        .key("sk", S(bad_key[1].1.into()))
        .send()
        .await
        .unwrap();
    let dead = me
        .sqs
        .receive_message()
        .queue_url(&me.queues.dead_letter_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].body().unwrap_or_default().contains("VOSTOK"));
    me.sqs
        .send_message()
        .queue_url(&me.queues.queue_url)
        .message_body(dead[0].body().unwrap_or_default())
        .send()
        .await
        .unwrap();
    me.sqs
        .delete_message()
        .queue_url(&me.queues.dead_letter_url)
        .receipt_handle(dead[0].receipt_handle().unwrap_or_default())
        .send()
        .await
        .unwrap();
    assert_eq!(me.drain(&app).await.failed, 0);
    assert_eq!(invoices(&app, &token).await.len(), 4);
    let report = run(&app, &token, &period).await;
    assert_eq!(
        (&report["created"], &report["failed"]),
        (&json!(4), &json!(0)),
        "{report}"
    );
}

#[tokio::test]
async fn a_period_without_a_run_is_404() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    for path in [
        "/api/v1/month-end-runs/2026-01",
        "/api/v1/month-end-runs/2026-01/clients",
        "/api/v1/month-end-runs/nonsense",
    ] {
        app.get(path, Some(&token))
            .await
            .assert_error(404, "NOT_FOUND");
    }
    app.get("/api/v1/month-end-runs/2026-01", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn a_run_known_only_from_counters_is_reported_not_500() {
    // A message redriven from the dead-letter queue before the schedule ran counts its
    // outcome with `ADD`, which creates a header with counters only (no period, no start).
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    use aws_sdk_dynamodb::types::AttributeValue as A;
    app.dynamodb
        .update_item()
        .table_name(&app.table)
        .key("pk", A::S("MONTH_END_RUN#2026-02".into()))
        .key("sk", A::S("RUN".into()))
        .update_expression("ADD created :one, enqueued :one")
        .expression_attribute_values(":one", A::N("1".into()))
        .send()
        .await
        .unwrap();
    let report = app
        .get("/api/v1/month-end-runs/2026-02", Some(&token))
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let data = &report.body["data"];
    assert_eq!(data["period"], "2026-02");
    assert_eq!(data["status"], "running");
    assert_eq!(data["created"], 1);
    assert_eq!(data["started_at"], serde_json::Value::Null);
    let clients = app
        .get("/api/v1/month-end-runs/2026-02/clients", Some(&token))
        .await;
    assert_eq!(clients.status, 200, "{}", clients.body);
}

/// What the model of the page test expects for client `i`: its outcome after the writes
/// below (some retried first, some failed then redriven, some left retrying).
fn expected_outcome(i: usize) -> &'static str {
    match i % 5 {
        0 if i.is_multiple_of(3) => "retrying",
        0 => "created",
        1 if i % 2 == 1 => "created",
        1 => "failed",
        2 => "skipped",
        _ => "created",
    }
}

/// Every page of `query` (by `meta.next_cursor`), with the total each page said.
async fn scroll(app: &TestApp, token: &str, path: &str) -> (Vec<String>, Vec<u64>) {
    let (mut keys, mut totals) = (Vec::new(), Vec::new());
    let mut url = path.to_string();
    loop {
        let page = app.get(&url, Some(token)).await;
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        totals.push(page.body["meta"]["total"].as_u64().unwrap());
        for c in page.body["data"].as_array().unwrap() {
            keys.push(c["client_key"].as_str().unwrap().to_string());
        }
        match page.body["meta"]["next_cursor"].as_str() {
            Some(c) => url = format!("{path}&cursor={c}"),
            None => return (keys, totals),
        }
    }
}

#[tokio::test]
async fn the_run_report_pages_its_clients_by_cursor_with_exact_totals_per_outcome() {
    use futures::StreamExt;
    use proxima::domain::PageRequest;
    use proxima::month_end::ClientOutcome;
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let runs = MonthEndRuns(app.state.runs.clone());
    let period: proxima::domain::Period = "2026-09".parse().unwrap();
    let keys: Vec<String> = (0..130).map(|i| format!("C{i:03}")).collect();
    runs.start_run(period, Utc::now()).await.unwrap();
    runs.count_enqueued(period, &keys).await.unwrap();
    runs.finish_enqueuing(period).await.unwrap();

    // The workers' writes, eight at once: a failed attempt first for every third client,
    // then each client's final outcome (every fifth one of the first kind stays retrying),
    // a repeated delivery, and a redrive that turns half the failed clients into created.
    let record = |key: String, outcome: ClientOutcome, attempts: u32| {
        let runs = runs.clone();
        async move {
            runs.record_outcome(period, &key, &outcome, attempts, Utc::now())
                .await
                .unwrap()
        }
    };
    let created = || ClientOutcome::Created {
        invoice_id: uuid::Uuid::new_v4(),
    };
    let retrying = || ClientOutcome::Retrying {
        error: "throttled".into(),
    };
    let mut writes = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if i.is_multiple_of(3) {
            writes.push((key.clone(), retrying(), 1));
        }
    }
    futures::stream::iter(writes.drain(..))
        .map(|(k, o, a)| record(k, o, a))
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    for (i, key) in keys.iter().enumerate() {
        let outcome = match i % 5 {
            0 if i.is_multiple_of(3) => retrying(),
            1 => ClientOutcome::Failed {
                error: "dead-lettered".into(),
            },
            2 => ClientOutcome::Skipped {
                reason: "no_billable_worklogs".into(),
            },
            _ => created(),
        };
        writes.push((key.clone(), outcome, 2));
    }
    futures::stream::iter(writes.drain(..))
        .map(|(k, o, a)| record(k, o, a))
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    for (i, key) in keys.iter().enumerate() {
        if i % 5 == 1 && i % 2 == 1 {
            writes.push((key.clone(), created(), 1));
        }
        if i % 5 == 3 {
            // A late duplicate of a drafted client: its `invoice_exists` changes nothing.
            writes.push((
                key.clone(),
                ClientOutcome::Skipped {
                    reason: "invoice_exists".into(),
                },
                3,
            ));
        }
    }
    futures::stream::iter(writes.drain(..))
        .map(|(k, o, a)| record(k, o, a))
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;

    let expect = |outcome: Option<&str>| -> Vec<String> {
        keys.iter()
            .enumerate()
            .filter(|(i, _)| outcome.is_none_or(|o| expected_outcome(*i) == o))
            .map(|(_, k)| k.clone())
            .collect()
    };
    let report = run(&app, &token, "2026-09").await;
    for outcome in ["created", "skipped", "failed", "retrying"] {
        assert_eq!(
            report[outcome].as_u64().unwrap() as usize,
            expect(Some(outcome)).len(),
            "{outcome}: {report}"
        );
    }
    assert_eq!(report["enqueued"], 130);
    assert_eq!(
        report["status"], "running",
        "some clients are still retrying"
    );

    // Scrolling by cursor returns every client once, in key order, with the exact total
    // on every page; page 2 by number is what the cursor of page 1 gives.
    for filter in [
        None,
        Some("created"),
        Some("skipped"),
        Some("failed"),
        Some("retrying"),
    ] {
        let path = format!(
            "/api/v1/month-end-runs/2026-09/clients?per_page=7{}",
            filter.map(|o| format!("&outcome={o}")).unwrap_or_default()
        );
        let (seen, totals) = scroll(&app, &token, &path).await;
        let want = expect(filter);
        assert_eq!(seen, want, "{filter:?}");
        assert!(
            totals.iter().all(|&t| t as usize == want.len()),
            "{filter:?}: {totals:?}"
        );
        let second = app.get(&format!("{path}&page=2"), Some(&token)).await;
        assert_eq!(second.status, 200, "{}", second.body);
        let second: Vec<&str> = second.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_key"].as_str().unwrap())
            .collect();
        assert_eq!(
            second,
            want[7..14.min(want.len())]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
    }

    // A cursor belongs to its run and filter.
    let first = run_clients(&app, &token, "2026-09", "?per_page=5&outcome=created").await;
    let cursor = first["meta"]["next_cursor"].as_str().unwrap();
    for other in ["&outcome=failed", ""] {
        app.get(
            &format!("/api/v1/month-end-runs/2026-09/clients?per_page=5&cursor={cursor}{other}"),
            Some(&token),
        )
        .await
        .assert_error(400, "VALIDATION_ERROR");
    }

    // What a page costs: the header and a page of items (with the one that proves more
    // follow, and after a cursor the cursor's own), however many clients.
    let store = proxima::store::DynamoStore::new(app.dynamodb.clone(), &app.table);
    for only in [None, Some("created")] {
        store.list_metrics().take();
        let page =
            proxima::month_end::run::run_clients(&store, period, only, PageRequest::new(1, 10))
                .await
                .unwrap();
        let (_, items) = store.list_metrics().take();
        assert_eq!(page.items.len(), 10);
        assert!(items <= 12, "{only:?}: page 1 read {items} items");
        let next = proxima::month_end::run::run_clients(
            &store,
            period,
            only,
            PageRequest {
                cursor: page.next,
                ..PageRequest::new(1, 10)
            },
        )
        .await
        .unwrap();
        let (_, items) = store.list_metrics().take();
        assert_eq!(next.items.len(), 10);
        assert!(
            items <= 13,
            "{only:?}: the page after a cursor read {items} items"
        );
    }
}

/// The queue of the schedule, failing from its `fail_from`-th send on (a crash halfway).
struct BrokenQueue<'a> {
    queue: &'a SqsJobQueue,
    sends: std::sync::atomic::AtomicU32,
    fail_from: u32,
}

#[async_trait::async_trait]
impl proxima::ports::JobQueue for BrokenQueue<'_> {
    async fn send(&self, bodies: &[String]) -> proxima::Result<()> {
        let n = self.sends.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n + 1 >= self.fail_from {
            return Err(proxima::Error::Unavailable("queue down".into()));
        }
        self.queue.send(bodies).await
    }
}

#[tokio::test]
async fn the_schedule_enqueues_many_clients_page_by_page_and_counts_each_once() {
    use futures::StreamExt;
    let app = spawn_app().await;
    let me = month_end(&app).await;
    let token = app.token(Role::Viewer).await;
    let clients = proxima::fan_out::enqueue::PAGE as usize + 50;
    futures::stream::iter(0..clients)
        .map(|i| {
            let state = app.state.clone();
            async move {
                let client: proxima::domain::Client = serde_json::from_value(json!({
                    "key": format!("K{i:04}"), "name": "Client", "email": "a@b.example",
                    "address": {"line1": "1", "city": "X", "country": "UZ"},
                    "currency": "USD", "hourly_rate": "10", "tax_rate": "0",
                    "payment_terms_days": 10, "timezone": "UTC", "active": i % 10 != 9,
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
                }))
                .unwrap();
                state.clients.put_client(&client).await.unwrap();
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    let active = (0..clients).filter(|i| i % 10 != 9).count() as u64;
    let period = me.period();

    // The queue fails on the second page: the invocation fails, the first page is counted.
    let broken = BrokenQueue {
        queue: &me.queue,
        sends: 0.into(),
        fail_from: 2,
    };
    let now = Utc::now();
    let crashed = proxima::month_end::enqueue_month_end(
        app.state.stores(),
        &broken,
        app.state.runs.as_ref(),
        period.parse().unwrap(),
        now,
    )
    .await;
    assert!(crashed.is_err());
    let partial = run(&app, &token, &period).await;
    assert_eq!(
        partial["enqueued"],
        u64::from(proxima::fan_out::enqueue::PAGE)
    );
    assert_eq!(partial["status"], "running");

    // Lambda retries it while EventBridge delivers it twice more, all three at once, racing
    // page by page on the run's mark: every active client is sent each time, counted once.
    for summary in futures::future::join_all((0..3).map(|_| me.schedule(&app))).await {
        assert_eq!(summary.enqueued, active);
    }
    let report = run(&app, &token, &period).await;
    assert_eq!(report["enqueued"], active, "{report}");
    assert_eq!(report["status"], "running");
    // At least once: a batch whose answer was lost may be sent again.
    let depth = me.source.depth().await.unwrap();
    assert!(
        depth >= u64::from(proxima::fan_out::enqueue::PAGE) + 3 * active,
        "{depth}"
    );
}

#[tokio::test]
async fn a_run_written_before_the_outcome_index_is_listed_by_outcome_after_the_backfill() {
    use proxima::month_end::ClientOutcome;
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let runs = MonthEndRuns(app.state.runs.clone());
    let period: proxima::domain::Period = "2026-08".parse().unwrap();
    runs.start_run(period, Utc::now()).await.unwrap();
    let outcomes = [
        ("A1", ClientOutcome::Retrying { error: "x".into() }),
        ("A2", ClientOutcome::Retrying { error: "x".into() }),
        (
            "B1",
            ClientOutcome::Created {
                invoice_id: uuid::Uuid::new_v4(),
            },
        ),
        ("C1", ClientOutcome::Failed { error: "x".into() }),
    ];
    for (key, outcome) in &outcomes {
        runs.record_outcome(period, key, outcome, 1, Utc::now())
            .await
            .unwrap();
    }
    // As an older version wrote them: no index keys on the clients, no `retrying` count.
    let pk = S("MONTH_END_RUN#2026-08".into());
    for (key, _) in &outcomes {
        app.dynamodb
            .update_item()
            .table_name(&app.table)
            .key("pk", pk.clone())
            .key("sk", S(format!("CLIENT#{key}")))
            .update_expression("REMOVE list2pk, list_sk")
            .send()
            .await
            .unwrap();
    }
    app.dynamodb
        .update_item()
        .table_name(&app.table)
        .key("pk", pk.clone())
        .key("sk", S("RUN".into()))
        .update_expression("REMOVE retrying")
        .send()
        .await
        .unwrap();
    let before = run_clients(&app, &token, "2026-08", "?outcome=retrying").await;
    assert_eq!(before["data"], json!([]), "not in the index yet");

    let store = proxima::store::DynamoStore::new(app.dynamodb.clone(), &app.table);
    store.backfill_lists().await.unwrap();
    let report = run(&app, &token, "2026-08").await;
    assert_eq!(report["retrying"], 2, "{report}");
    for (outcome, want) in [
        ("retrying", vec!["A1", "A2"]),
        ("created", vec!["B1"]),
        ("failed", vec!["C1"]),
    ] {
        let page = run_clients(&app, &token, "2026-08", &format!("?outcome={outcome}")).await;
        let keys: Vec<&str> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["client_key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, want, "{outcome}");
        assert_eq!(page["meta"]["total"], want.len(), "{outcome}");
    }
    assert_eq!(
        store.backfill_lists().await.unwrap().reindexed,
        0,
        "run again, it changes nothing"
    );
}

#[tokio::test]
async fn the_runs_are_listed_newest_first_with_their_counters_and_old_ones_after_the_backfill() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let runs = MonthEndRuns(app.state.runs.clone());
    let list = |query: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let reply = app
                .get(&format!("/api/v1/month-end-runs{query}"), Some(token))
                .await;
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
            reply.body
        }
    };
    assert_eq!(list("").await["data"], json!([]), "no run yet");
    assert_eq!(list("").await["meta"]["total"], 0);

    for period in ["2026-06", "2026-08", "2026-07"] {
        runs.start_run(period.parse().unwrap(), Utc::now())
            .await
            .unwrap();
    }
    runs.record_outcome(
        "2026-08".parse().unwrap(),
        "ACME",
        &proxima::month_end::ClientOutcome::Skipped {
            reason: "no_billable_worklogs".into(),
        },
        1,
        Utc::now(),
    )
    .await
    .unwrap();
    let all = list("").await;
    let periods: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2026-08", "2026-07", "2026-06"], "newest first");
    assert_eq!(all["meta"]["total"], 3);
    assert_eq!(all["data"][0]["skipped"], 1, "with its counters");
    assert_eq!(all["data"][0]["status"], "running");
    // The same report as the run's own page (which also counts the uninvoiced work).
    let mut own = run(&app, &token, "2026-08").await;
    assert!(own["uninvoiced"].is_object(), "{own}");
    own.as_object_mut().unwrap().remove("uninvoiced");
    assert_eq!(all["data"][0], own);

    let second = list("?per_page=2&page=2").await;
    assert_eq!(second["data"][0]["period"], "2026-06");
    assert_eq!(second["meta"]["total"], 3);

    // A run written before runs were listed (no index keys) is listed after the backfill.
    app.dynamodb
        .update_item()
        .table_name(&app.table)
        .key("pk", S("MONTH_END_RUN#2026-07".into()))
        .key("sk", S("RUN".into()))
        .update_expression("REMOVE gsi1pk, gsi1sk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        list("").await["meta"]["total"],
        2,
        "unlisted before the backfill"
    );
    let store = proxima::store::DynamoStore::new(app.dynamodb.clone(), &app.table);
    store.backfill_lists().await.unwrap();
    assert_eq!(list("").await["meta"]["total"], 3, "listed after it");

    // This list is paged by number: a cursor (of another list) is refused, naming it.
    let cursor = proxima::domain::pagination::Cursor {
        offset: 1,
        list: "INVOICES".into(),
        after: "x".into(),
    }
    .encode();
    let reply = app
        .get(
            &format!("/api/v1/month-end-runs?cursor={cursor}"),
            Some(&token),
        )
        .await;
    reply.assert_error(400, "VALIDATION_ERROR");
    assert_eq!(reply.body["error"]["details"][0]["field"], "cursor");
    app.get("/api/v1/month-end-runs", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

/// Month-end's runs in the generic run store, written with month-end's types (what the
/// schedule and the worker write, without them).
#[derive(Clone)]
struct MonthEndRuns(std::sync::Arc<dyn proxima::ports::RunStore>);

impl MonthEndRuns {
    async fn start_run(
        &self,
        period: proxima::domain::Period,
        now: chrono::DateTime<Utc>,
    ) -> proxima::Result<()> {
        self.0
            .start_run(&proxima::month_end::JOB, &period.to_string(), now)
            .await
    }

    async fn count_enqueued(
        &self,
        period: proxima::domain::Period,
        keys: &[String],
    ) -> proxima::Result<()> {
        self.0
            .count_enqueued(&proxima::month_end::JOB, &period.to_string(), keys)
            .await
    }

    async fn finish_enqueuing(
        &self,
        period: proxima::domain::Period,
    ) -> proxima::Result<proxima::fan_out::Counts> {
        self.0
            .finish_enqueuing(&proxima::month_end::JOB, &period.to_string())
            .await
    }

    async fn record_outcome(
        &self,
        period: proxima::domain::Period,
        client_key: &str,
        outcome: &proxima::month_end::ClientOutcome,
        attempts: u32,
        now: chrono::DateTime<Utc>,
    ) -> proxima::Result<proxima::fan_out::Recorded> {
        let outcome = proxima::fan_out::ItemOutcome::of(outcome)?;
        self.0
            .record_outcome(
                &proxima::month_end::JOB,
                &period.to_string(),
                client_key,
                &outcome,
                attempts,
                now,
            )
            .await
    }
}
