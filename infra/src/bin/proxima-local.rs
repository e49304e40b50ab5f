//! The local stack in one command: starts the emulator (moto) on loopback, provisions the
//! table, buckets and month-end queues from `template.yaml`, seeds demo data, serves every
//! function's routes on http://localhost:8081 exactly as API Gateway routes them, and runs
//! the month-end worker on the local queue as Lambda's SQS event source would.
//!
//! Environment: `PORT` (8081), `MOTO_PORT` (4567), `TABLE_NAME` (proxima-local),
//! `BUCKET_NAME` (proxima-local-documents). With `AWS_ENDPOINT_URL` set, that endpoint is
//! used and no emulator is started.

use anyhow::{Context, Result};
use proxima::config::Config;
use proxima::state::AppState;
use proxima::store::aws;
use proxima_infra::outbox_source::OutboxSource;
use proxima_infra::sqs_event_source::SqsEventSource;
use proxima_infra::{api, demo, emulator::Emulator, messaging, provision};
use std::fmt::Write as _;
use std::io::Write as _;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() -> Result<()> {
    proxima::telemetry::init(proxima::config::Mode::Local);
    let port: u16 = env_or("PORT", "8081").parse().context("PORT")?;
    let table = env_or("TABLE_NAME", "proxima-local");
    let bucket = env_or("BUCKET_NAME", "proxima-local-documents");

    let (_emulator, endpoint) = match std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(endpoint) => (None, endpoint),
        None => {
            let moto_port: u16 = env_or("MOTO_PORT", "4567").parse().context("MOTO_PORT")?;
            let emulator = Emulator::start(Some(moto_port)).with_context(|| {
                format!("start moto on port {moto_port} (is another dev server running?)")
            })?;
            let endpoint = emulator.endpoint();
            (Some(emulator), endpoint)
        }
    };

    let sdk = aws::sdk_config(Some(&endpoint)).await;
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        &table,
        &bucket,
    )
    .await?;

    let mut config = Config::local_from_env(&table, &bucket, &endpoint)?;
    config.documents_bucket_name = provision::archive_bucket_name(&bucket)?;
    // E-mail and events as in the cloud: the sender verified in the emulator's SES, the bus
    // with a rule copying every event to the `<table>-events` queue (read it with the SQS API).
    if let Some(from) = &config.mail_from {
        messaging::verify_sender(&sdk, from).await?;
    }
    let bus = format!("{table}{}", messaging::event_bus_name_suffix()?);
    let events = messaging::provision_event_bus(&sdk, &bus, &format!("{table}-events")).await?;
    config.event_bus_name = Some(events.bus_name.clone());
    let state = AppState::from_config(config).await;
    // Month-end: the queue and dead-letter queue from template.yaml, drained in the
    // background by the worker as Lambda's SQS event source would.
    let sqs = aws::sqs_client(&sdk);
    let queues = provision::ensure_month_end_queues(&sqs, &table, Some(30)).await?;
    tokio::spawn(month_end_worker(
        state.clone(),
        SqsEventSource {
            client: sqs.clone(),
            queue_url: queues.queue_url.clone(),
            queue_arn: queues.queue_arn.clone(),
            batch_size: 10,
        },
        queues.max_receives,
    ));
    // Reminders: their queue from template.yaml, drained by the reminders function's worker
    // half (the schedule is `proxima-admin reminders run --date`).
    let reminder_queues = provision::ensure_reminder_queues(&sqs, &table, Some(30)).await?;
    tokio::spawn(reminders_worker(
        state.clone(),
        SqsEventSource {
            client: sqs.clone(),
            queue_url: reminder_queues.queue_url.clone(),
            queue_arn: reminder_queues.queue_arn.clone(),
            batch_size: 10,
        },
        reminder_queues.max_receives,
    ));
    // Domain events: the outbox relayed to the bus as the table's stream and the relay
    // function do in the cloud.
    tokio::spawn(
        OutboxSource {
            outbox: state.outbox.clone(),
            publisher: state.events.clone(),
        }
        .run(std::time::Duration::from_millis(250)),
    );
    let summary = demo::seed(
        state.users.as_ref(),
        state.clients.as_ref(),
        state.worklogs.as_ref(),
    )
    .await?;
    // The Central Bank's rate archive: a local fake in its format (the real one is not
    // reached from here), and the last 40 days' rates fetched from it as the rates
    // function does.
    let cbu_port: u16 = env_or("CBU_FAKE_PORT", "4580")
        .parse()
        .context("CBU_FAKE_PORT")?;
    let cbu = proxima_infra::cbu_fake::CbuFake::start_on(cbu_port)
        .await
        .with_context(|| format!("start the Central Bank fake on port {cbu_port}"))?;
    let today = chrono::Utc::now().date_naive();
    let rates = proxima::rates::fetch_range(
        &proxima::store::cbu::CbuRates::new(&cbu.base_url, std::time::Duration::from_secs(5))?,
        state.rates.as_ref(),
        (today - chrono::Days::new(40), today + chrono::Days::new(1)),
        &["USD".to_string(), "EUR".to_string(), "RUB".to_string()],
        chrono::Utc::now(),
    )
    .await?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("listen on 127.0.0.1:{port} (is another dev server running?)"))?;

    let env_file = proxima_infra::emulator::workspace_root().join(".local/dev.env");
    if let Some(dir) = env_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(
        &env_file,
        format!(
            "export APP_ENV=local\nexport AWS_ENDPOINT_URL={endpoint}\nexport TABLE_NAME={table}\nexport BUCKET_NAME={bucket}\nexport MONTH_END_QUEUE_URL={}\nexport REMINDERS_QUEUE_URL={}\nexport CBU_BASE_URL={}\n",
            queues.queue_url, reminder_queues.queue_url, cbu.base_url
        ),
    )?;

    // The banner is built first and written once; a reader that stops early (a closed
    // pipe) must not stop the server, so a failed write is only noted.
    let mut out = String::new();
    writeln!(
        out,
        "\nProxima Invoice local API: http://localhost:{port}  (OpenAPI: /openapi.json, docs page: /docs)"
    )?;
    writeln!(
        out,
        "Emulator (moto): {endpoint}  table {table}, bucket {bucket}"
    )?;
    writeln!(
        out,
        "E-mail from {}; events on bus {} copied to {}",
        state.config.mail_from.as_deref().unwrap_or("(none)"),
        events.bus_name,
        events.queue_url
    )?;
    writeln!(
        out,
        "Demo data: {} users, {} clients, {} worklogs (seeding again changes nothing)",
        summary.users, summary.clients, summary.worklogs
    )?;
    writeln!(
        out,
        "Central Bank rates: {} stored for the last 40 days from the local fake at {} (GET /api/v1/exchange-rates?currency=USD)\n",
        rates.stored, cbu.base_url
    )?;
    writeln!(
        out,
        "Log in (demo users; passwords are for local use only):"
    )?;
    for (email, password, _, role) in demo::DEMO_USERS {
        writeln!(out, "  {:<11} {email} / {password}", role.as_str())?;
    }
    writeln!(
        out,
        "\n  TOKEN=$(curl -s -X POST http://localhost:{port}/api/v1/auth/login \\\n    -H 'Content-Type: application/json' \\\n    -d '{{\"email\":\"accountant@proxima.local\",\"password\":\"accountant-demo-pass\"}}' \\\n    | sed -E 's/.*\"token\":\"([^\"]+)\".*/\\1/')\n  curl -s -H \"Authorization: Bearer $TOKEN\" http://localhost:{port}/api/v1/clients\n"
    )?;
    writeln!(
        out,
        "Admin CLI against this stack: source {} && cargo run -q -p proxima-infra --bin proxima-admin -- --help",
        env_file.display()
    )?;
    writeln!(
        out,
        "Month-end by hand (the worker drains the queue here): ... proxima-admin -- month-end --period YYYY-MM"
    )?;
    writeln!(
        out,
        "Reminders of a day by hand (turn them on with PUT /api/v1/settings/reminders): ... proxima-admin -- reminders run --date YYYY-MM-DD"
    )?;
    writeln!(out, "Ctrl-C stops the API and the emulator.")?;
    if let Err(error) = std::io::stdout().lock().write_all(out.as_bytes()) {
        tracing::warn!(%error, "could not print the banner");
    }

    // The peer address stands in for API Gateway's source IP (per-source login limits).
    let app =
        api::local_router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Drain the reminder queue forever with the reminders function's worker half.
async fn reminders_worker(state: AppState, source: SqsEventSource, max_receives: u32) {
    let worker = |event: aws_lambda_events::event::sqs::SqsEvent| {
        let state = state.clone();
        async move {
            match fn_reminders::work(&state, &event, max_receives, chrono::Utc::now()).await {
                Ok(answer) => answer,
                // The whole batch comes back (the settings could not be read).
                Err(e) => {
                    tracing::warn!(error = %e, "reminder batch failed");
                    every_message_failed(&event)
                }
            }
        }
    };
    loop {
        match source.poll_once(&worker).await {
            Ok(poll) if poll.received > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reminder queue poll failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// A batch answer naming every message as failed (Lambda's answer to a failed invocation).
fn every_message_failed(
    event: &aws_lambda_events::event::sqs::SqsEvent,
) -> aws_lambda_events::event::sqs::SqsBatchResponse {
    let mut answer = aws_lambda_events::event::sqs::SqsBatchResponse::default();
    answer.batch_item_failures = event
        .records
        .iter()
        .map(|m| {
            let mut f = aws_lambda_events::event::sqs::BatchItemFailure::default();
            f.item_identifier = m.message_id.clone().unwrap_or_default();
            f
        })
        .collect();
    answer
}

/// Drain the month-end queue forever with the worker, polling once a second when idle.
async fn month_end_worker(state: AppState, source: SqsEventSource, max_receives: u32) {
    let worker = |event: aws_lambda_events::event::sqs::SqsEvent| {
        let state = state.clone();
        async move {
            fn_month_end_worker::handle(&state, &event, max_receives, chrono::Utc::now()).await
        }
    };
    loop {
        match source.poll_once(&worker).await {
            Ok(poll) if poll.received > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "month-end queue poll failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
