//! Benchmark of the S3 import (not a test): generates a worklog CSV of N rows (1 % of them
//! rejected), uploads it to the emulator's bucket and runs the import function's handler on
//! the upload's S3 event in a child process, which prints its wall time and peak resident
//! memory (`VmHWM`); the target is a 128 MB function.
//!
//! cargo run -p proxima-infra --bin bench-import -- --rows 100000

use anyhow::{Context, Result, ensure};
use chrono::Utc;
use clap::Parser;
use proxima::config::Config;
use proxima::state::AppState;
use proxima::store::aws;
use proxima_infra::bench_setup::bench_client;
use proxima_infra::provision;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// Rows of the CSV.
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
    /// Clients the rows are spread over.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Internal: run the import of `key` against `endpoint`, `table`, `bucket` and report.
    #[arg(long, num_args = 4, value_names = ["ENDPOINT", "TABLE", "BUCKET", "KEY"])]
    child: Option<Vec<String>>,
}

const TABLE: &str = "bench-import";
const BUCKET: &str = "bench-import";
const KEY: &str = "imports/bench.csv";

/// Peak resident set of this process, in kB (`VmHWM` of /proc/self/status).
fn peak_rss_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn child(endpoint: &str, table: &str, bucket: &str, key: &str) -> Result<()> {
    let before = peak_rss_kb();
    let mut config = Config::local(table, bucket, endpoint);
    config.documents_bucket_name = provision::archive_bucket_name(bucket)?;
    let state = AppState::from_config(config).await;
    let event: aws_lambda_events::event::s3::S3Event = serde_json::from_value(serde_json::json!({
        "Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-11-01T04:00:00.000Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {"principalId": "AWS:EXAMPLE"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": "0", "x-amz-id-2": "0"},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "imports",
                "bucket": {"name": bucket, "ownerIdentity": {"principalId": "EXAMPLE"}, "arn": format!("arn:aws:s3:::{bucket}")},
                "object": {"key": key, "size": 0, "eTag": "0", "sequencer": "0"}}
        }]
    }))?;
    let started = Instant::now();
    let done = fn_import::handle(&state, &event)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let wall = started.elapsed().as_secs_f64();
    let report = &done.first().context("nothing imported")?.1;
    println!(
        "{}",
        serde_json::json!({
            "rows": report.rows, "imported": report.imported, "rejected": report.rejected_total,
            "wall_s": wall, "peak_rss_kb": peak_rss_kb(), "rss_at_start_kb": before,
        })
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(c) = &args.child {
        return child(&c[0], &c[1], &c[2], &c[3]).await;
    }
    let (_emulator, endpoint) = proxima_infra::bench_setup::emulator_or_env()?;
    let sdk = aws::sdk_config(Some(&endpoint)).await;
    let s3 = aws::s3_client(&sdk);
    provision::provision(&aws::dynamodb_client(&sdk), &s3, TABLE, BUCKET).await?;
    let state = AppState::from_config(Config::local(TABLE, BUCKET, &endpoint)).await;
    let now = Utc::now();
    for c in 0..args.clients {
        let client = bench_client(&format!("IMP{c:04}"), "USD", now)?;
        state.clients.put_client(&client).await?;
    }
    // A Tempo-style export; every 100th row names an unknown client.
    let mut csv = String::from(
        "Worklog Id,Account Key,Work date,Full name,Issue Key,Issue summary,Work Description,Hours\n",
    );
    for i in 0..args.rows {
        let account = if i % 100 == 99 {
            "UNKNOWN".to_string()
        } else {
            format!("IMP{:04}", i % args.clients)
        };
        csv.push_str(&format!(
            "{i},{account},2025-{:02}-{:02},Author {},PRJ-{},Feature work {},\"Implemented part {i}, reviewed\",{}\n",
            1 + i % 12,
            1 + i % 28,
            i % 9,
            i % 300,
            i % 300,
            ["0.5", "1", "1.25", "2", "3.5"][i % 5]
        ));
    }
    let size = csv.len();
    s3.put_object()
        .bucket(BUCKET)
        .key(KEY)
        .body(csv.into_bytes().into())
        .send()
        .await
        .context("upload the CSV")?;
    println!(
        "uploaded {} rows ({:.1} MB) to s3://{BUCKET}/{KEY}",
        args.rows,
        size as f64 / 1_048_576.0
    );

    let started = Instant::now();
    let out = tokio::process::Command::new(std::env::current_exe()?)
        .args(["--child", &endpoint, TABLE, BUCKET, KEY])
        .env("RUST_LOG", "warn")
        .output()
        .await?;
    ensure!(
        out.status.success(),
        "import child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let figures: serde_json::Value =
        serde_json::from_str(line.trim().lines().last().unwrap_or_default())
            .with_context(|| format!("child output: {line}"))?;
    let peak_mb = figures["peak_rss_kb"].as_f64().unwrap_or(f64::NAN) / 1024.0;
    println!(
        "import: {} rows, {} imported, {} rejected in {:.2} s (child process {:.2} s); peak RSS {peak_mb:.1} MB (target <= 128 MB)",
        figures["rows"],
        figures["imported"],
        figures["rejected"],
        figures["wall_s"].as_f64().unwrap_or(f64::NAN),
        started.elapsed().as_secs_f64()
    );
    ensure!(peak_mb <= 128.0, "peak RSS {peak_mb:.1} MB is over 128 MB");
    Ok(())
}
