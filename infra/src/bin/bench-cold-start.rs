//! Cold-start benchmark (not a test). Runs each built function binary against a local
//! Lambda Runtime API, as the Lambda service would: it measures init (process start to the
//! first `GET /invocation/next`) and first response (start to the response of one real
//! event), next to a hello-world `lambda_http` binary built with the same profile.
//!
//! cargo build --release --bins && cargo run --release -p proxima-infra --bin bench-cold-start
//!
//! Name binaries after `--` to measure only those (beside the hello-world baseline), e.g.
//! `... --bin bench-cold-start -- invoices einvoice`.

use anyhow::{Context, Result, bail};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use proxima::auth::TokenService;
use proxima::domain::{Role, User};
use proxima::store::aws;
use proxima_infra::emulator::{Emulator, workspace_root};
use proxima_infra::provision;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const RUNS: usize = 14;
const SECRET: &str = "cold-start-benchmark-secret-0123456789abcdef";

#[derive(Default)]
struct Invocation {
    event: Option<Value>,
    first_next: Option<Instant>,
    response: Option<(Instant, Value)>,
    error: Option<String>,
}

#[derive(Clone)]
struct Api {
    state: Arc<Mutex<Invocation>>,
    done: Arc<Notify>,
}

async fn next(State(api): State<Api>) -> (HeaderMap, Json<Value>) {
    let event = {
        let mut inv = api.state.lock().unwrap_or_else(|e| e.into_inner());
        inv.first_next.get_or_insert_with(Instant::now);
        inv.event.take()
    };
    let Some(event) = event else {
        // Only one event per process: park the runtime until it is killed.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        "cold-start-1".parse().unwrap(),
    );
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        + Duration::from_secs(30);
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.as_millis().to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:bench"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-5759e988-bd862e3fe1be46a994272793".parse().unwrap(),
    );
    (headers, Json(event))
}

async fn response(State(api): State<Api>, Path(_id): Path<String>, body: String) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    api.state.lock().unwrap_or_else(|e| e.into_inner()).response = Some((Instant::now(), value));
    api.done.notify_one();
    StatusCode::ACCEPTED
}

async fn error(State(api): State<Api>, body: String) -> StatusCode {
    api.state.lock().unwrap_or_else(|e| e.into_inner()).error = Some(body);
    api.done.notify_one();
    StatusCode::ACCEPTED
}

fn http_event(method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
    let mut headers = json!({"content-type": "application/json"});
    if let Some(t) = token {
        headers["authorization"] = json!(format!("Bearer {t}"));
    }
    json!({
        "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path, "rawQueryString": "",
        "headers": headers,
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "bench.example",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "01/Nov/2026:04:00:00 +0000", "timeEpoch": 0},
        "body": body.map(|b| b.to_string()), "isBase64Encoded": false
    })
}

struct Measured {
    init_ms: f64,
    first_response_ms: f64,
    /// The HTTP status of the answer (API events), to show what was measured.
    status: Option<u64>,
}

async fn run_once(bin: &std::path::Path, env: &[(&str, String)], event: Value) -> Result<Measured> {
    let api = Api {
        state: Arc::new(Mutex::new(Invocation {
            event: Some(event),
            ..Default::default()
        })),
        done: Arc::new(Notify::new()),
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    let mut child = tokio::process::Command::new(bin)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("start {}", bin.display()))?;
    let waited = tokio::time::timeout(Duration::from_secs(30), api.done.notified()).await;
    let _ = child.kill().await;
    server.abort();
    if waited.is_err() {
        bail!("{} did not answer within 30 s", bin.display());
    }
    let inv = api.state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = &inv.error {
        bail!("{} reported an error: {e}", bin.display());
    }
    let first_next = inv.first_next.context("no /next")?;
    let (answered, body) = inv.response.as_ref().context("no response")?;
    Ok(Measured {
        init_ms: (first_next - started).as_secs_f64() * 1000.0,
        first_response_ms: (*answered - started).as_secs_f64() * 1000.0,
        status: body["statusCode"].as_u64(),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> Result<()> {
    let bin_dir = std::env::var("BIN_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target/release"));
    let emulator = Emulator::start(None)?;
    let sdk = aws::sdk_config(Some(&emulator.endpoint())).await;
    let (table, bucket) = ("coldstart", "coldstart");
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        table,
        bucket,
    )
    .await?;
    let queues = provision::ensure_month_end_queues(&aws::sqs_client(&sdk), table, None).await?;
    let state = proxima::state::AppState::from_config(proxima::config::Config::local(
        table,
        bucket,
        &emulator.endpoint(),
    ))
    .await;
    proxima_infra::demo::seed(
        state.users.as_ref(),
        state.clients.as_ref(),
        state.worklogs.as_ref(),
    )
    .await?;
    let tokens = TokenService::new(
        SECRET.as_bytes(),
        "proxima-invoice",
        "proxima-invoice-api",
        chrono::Duration::hours(1),
    );
    let now = chrono::Utc::now();
    // A real user, so that its session is in the table: tokens are checked against it.
    let bench_user = User {
        email: "bench@proxima.local".into(),
        name: "Bench".into(),
        role: Role::Accountant,
        password_hash: String::new(),
        disabled: false,
        token_version: 0,
        created_at: now,
        updated_at: now,
    };
    state.users.put_user(&bench_user).await?;
    let token = tokens.issue(&bench_user, now)?.token;

    let env: Vec<(&str, String)> = vec![
        ("APP_ENV", "cloud".into()),
        ("JWT_SECRET", SECRET.into()),
        ("TABLE_NAME", table.into()),
        ("BUCKET_NAME", bucket.into()),
        ("DOCUMENTS_BUCKET_NAME", bucket.into()),
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "bench".into()),
        ("RUST_LOG", "warn".into()),
        ("MONTH_END_QUEUE_URL", queues.queue_url.clone()),
    ];
    let period = proxima::domain::Period::containing(now.date_naive())
        .previous()
        .to_string();
    let cases: Vec<(&str, Value)> = vec![
        ("hello", http_event("GET", "/", None, None)),
        ("health", http_event("GET", "/readyz", None, None)),
        (
            "auth",
            http_event(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "viewer@proxima.local", "password": "viewer-demo-pass"})),
            ),
        ),
        (
            "clients",
            http_event("GET", "/api/v1/clients", Some(&token), None),
        ),
        (
            "invoices",
            http_event(
                "POST",
                "/api/v1/invoices/prefill",
                Some(&token),
                Some(json!({"client_key": "ACME", "period": period})),
            ),
        ),
        ("einvoice", {
            // No such invoice: the token check and the invoice read, then 404.
            let mut e = http_event(
                "GET",
                "/api/v1/invoices/5b0d7c3e-1f2a-4c6b-9d8e-7a6b5c4d3e2f/einvoice",
                Some(&token),
                None,
            );
            e["rawQueryString"] = json!("format=ubl");
            e["queryStringParameters"] = json!({"format": "ubl"});
            e
        }),
        ("month-end", json!({"source": "proxima.month-end"})),
        (
            "month-end-worker",
            json!({"Records": [{
                "messageId": "cold-1", "receiptHandle": "r", "md5OfBody": "0",
                "body": json!({"period": period, "client_key": "ACME"}).to_string(),
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                "eventSource": "aws:sqs", "eventSourceARN": queues.queue_arn, "awsRegion": "us-east-1"
            }]}),
        ),
        ("import", json!({"Records": []})),
    ];
    // `bench-cold-start invoices einvoice`: only the binaries named (and the baseline).
    let only: Vec<String> = std::env::args().skip(1).collect();
    let cases: Vec<(&str, Value)> = cases
        .into_iter()
        .filter(|(name, _)| *name == "hello" || only.is_empty() || only.iter().any(|o| o == name))
        .collect();
    println!(
        "{:<16} {:>9} {:>12} {:>16} {:>10}",
        "binary", "size MB", "init ms", "first resp. ms", "init/hello"
    );
    // Round-robin with a rotating start: every round starts each binary once, and each binary
    // takes each place in the order equally often, so neither a slow moment of the machine
    // nor what ran just before (caches, the emulator) favours or burdens one binary.
    let mut inits: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut firsts: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut statuses: Vec<Option<u64>> = vec![None; cases.len()];
    let mut sizes = Vec::new();
    for (name, _) in &cases {
        let bin = bin_dir.join(name);
        sizes.push(
            std::fs::metadata(&bin)
                .with_context(|| format!("{} (run cargo build --release --bins)", bin.display()))?
                .len(),
        );
    }
    for round in 0..RUNS {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let (name, event) = &cases[i];
            let m = run_once(&bin_dir.join(name), &env, event.clone()).await?;
            inits[i].push(m.init_ms);
            firsts[i].push(m.first_response_ms);
            statuses[i] = m.status;
        }
    }
    let hello_init = median(inits[0].clone());
    for (i, (name, _)) in cases.iter().enumerate() {
        let init = median(inits[i].clone());
        println!(
            "{name:<16} {:>9.2} {:>12.2} {:>16.2} {:>10.2}",
            sizes[i] as f64 / 1_048_576.0,
            init,
            median(firsts[i].clone()),
            init / hello_init
        );
    }
    println!("(median of {RUNS} cold starts each; init = process start to first /next)");
    let answers: Vec<String> = cases
        .iter()
        .zip(&statuses)
        .filter_map(|((name, _), status)| status.map(|s| format!("{name} {s}")))
        .collect();
    println!("HTTP status of the first responses: {}", answers.join(", "));
    Ok(())
}
