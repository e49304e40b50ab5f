//! Benchmark of the month-end run report's client list on the local stack (not a test): one
//! run with `--clients` client outcomes (recorded through the store, as the workers do:
//! mostly created, some skipped, failed and retrying), then page 1, the page after page 1's
//! cursor, a page 20 cursors deep and page 5 by number, for the whole list and each
//! `outcome=` filter. Prints p50/p95 per request with the rows, the total and the DynamoDB
//! calls and items read (target: a page reads about `per_page` items however many clients).
//!
//! cargo run -p proxima-infra --bin bench-run-report -- --clients 10000

use anyhow::{Result, bail};
use chrono::Utc;
use clap::Parser;
use futures::StreamExt;
use proxima::domain::{PageRequest, Period};
use proxima::fan_out::ItemOutcome;
use proxima::month_end::ClientOutcome;
use proxima::month_end::{JOB, run::run_clients};
use proxima::ports::RunStore;
use proxima::store::{DynamoStore, aws};
use proxima_infra::provision;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// Clients in the run.
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// Requests measured per list and page.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Rows per page.
    #[arg(long, default_value_t = 50)]
    per_page: u32,
    /// Outcomes recorded at once while seeding.
    #[arg(long, default_value_t = 16)]
    parallel: usize,
}

/// The outcome of the `i`-th client: 70% created, 25% skipped, 4% failed, 1% retrying.
fn outcome(i: usize) -> ClientOutcome {
    match i % 100 {
        0 => ClientOutcome::Retrying {
            error: "throttled".into(),
        },
        1..=4 => ClientOutcome::Failed {
            error: "dead-lettered".into(),
        },
        5..=29 => ClientOutcome::Skipped {
            reason: "no_billable_worklogs".into(),
        },
        _ => ClientOutcome::Created {
            invoice_id: uuid::Uuid::new_v4(),
        },
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (_emulator, endpoint) = proxima_infra::bench_setup::emulator_or_env()?;
    let sdk = proxima_infra::bench_setup::patient_sdk(&endpoint).await;
    let table = "bench-run-report";
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        table,
        table,
    )
    .await?;
    let store = DynamoStore::new(aws::dynamodb_client(&sdk), table);
    let period: Period = "2026-10".parse()?;
    let run = period.to_string();
    let keys: Vec<String> = (0..args.clients).map(|i| format!("C{i:06}")).collect();
    let t = Instant::now();
    store.start_run(&JOB, &run, Utc::now()).await?;
    for page in keys.chunks(200) {
        store.count_enqueued(&JOB, &run, page).await?;
    }
    store.finish_enqueuing(&JOB, &run).await?;
    let recorded: Vec<_> = futures::stream::iter(keys.iter().enumerate())
        .map(|(i, k)| {
            let (store, run) = (&store, &run);
            async move {
                let outcome = ItemOutcome::of(&outcome(i))?;
                store
                    .record_outcome(&JOB, run, k, &outcome, 1, Utc::now())
                    .await
            }
        })
        .buffer_unordered(args.parallel)
        .collect()
        .await;
    if let Some(e) = recorded.into_iter().find_map(|r| r.err()) {
        bail!("seeding: {e}");
    }
    println!(
        "seeded a run of {} clients in {:.1} s",
        args.clients,
        t.elapsed().as_secs_f64()
    );
    println!("list | page | rows | total | p50 ms | p95 ms | calls | items read");
    for only in [
        None,
        Some("created"),
        Some("skipped"),
        Some("failed"),
        Some("retrying"),
    ] {
        let name = only.unwrap_or("all");
        let first = PageRequest::new(1, args.per_page);
        let page1 = run_clients(&store, period, only, first.clone()).await?;
        let mut deep = page1.next.clone();
        for _ in 0..19 {
            let Some(c) = deep.clone() else { break };
            deep = run_clients(
                &store,
                period,
                only,
                PageRequest {
                    cursor: Some(c),
                    ..first.clone()
                },
            )
            .await?
            .next;
        }
        let mut requests = vec![("1".to_string(), first.clone())];
        if let Some(c) = page1.next.clone() {
            requests.push((
                "2 by cursor".into(),
                PageRequest {
                    cursor: Some(c),
                    ..first.clone()
                },
            ));
        }
        if let Some(c) = deep {
            requests.push((
                "21 by cursor".into(),
                PageRequest {
                    cursor: Some(c),
                    ..first.clone()
                },
            ));
        }
        requests.push(("5 by number".into(), PageRequest::new(5, args.per_page)));
        for (label, request) in requests {
            let mut times = Vec::new();
            let (mut rows, mut total, mut calls, mut items) = (0, 0, 0, 0);
            for _ in 0..args.runs {
                store.list_metrics().take();
                let t = Instant::now();
                let page = run_clients(&store, period, only, request.clone()).await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                (calls, items) = store.list_metrics().take();
                (rows, total) = (page.items.len(), page.total);
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
            println!(
                "{name} | {label} | {rows} | {total} | {:.1} | {:.1} | {calls} | {items}",
                at(0.5),
                at(0.95)
            );
        }
    }
    Ok(())
}
