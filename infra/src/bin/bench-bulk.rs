//! Benchmark of bulk generation on the local stack (not a test): seeds N clients x M
//! worklogs of last month into a fresh emulator, runs bulk generation once (and a second
//! time, which must create nothing), and prints wall time, invoices per second and
//! DynamoDB calls per invoice.
//!
//! cargo run --release -p proxima-infra --bin bench-bulk -- --clients 1000 --worklogs 50

use anyhow::{Result, ensure};
use chrono::Utc;
use clap::Parser;
use proxima::domain::{Period, Worklog, WorklogInput};
use proxima::invoice::drafting::{self, Actor, Stores};
use proxima::ports::{ClientStore, WorklogStore};
use proxima::store::{DynamoStore, aws};
use proxima_infra::bench_setup::bench_client;
use proxima_infra::call_counter::CallCounter;
use proxima_infra::provision;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// Active clients to seed.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Billable worklogs per client in the period.
    #[arg(long, default_value_t = 50)]
    worklogs: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    // A running emulator can be named with AWS_ENDPOINT_URL (e.g. to profile it).
    let (_emulator, endpoint) = proxima_infra::bench_setup::emulator_or_env()?;
    let sdk = aws::sdk_config(Some(&endpoint)).await;
    let table = "bench";
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        table,
        "bench",
    )
    .await?;
    let counter = CallCounter::default();
    let store = DynamoStore::new(counter.client(&sdk), table);
    let period = Period::containing(Utc::now().date_naive()).previous();
    let now = Utc::now();

    let seed_started = Instant::now();
    let mut worklogs: Vec<Worklog> = Vec::with_capacity(args.clients * args.worklogs);
    for c in 0..args.clients {
        let key = format!("C{c:05}");
        let client = bench_client(&key, ["USD", "EUR", "UZS"][c % 3], now)?;
        store.put_client(&client).await?;
        for w in 0..args.worklogs {
            let day = period.first_day() + chrono::Days::new((w % 28) as u64);
            worklogs.push(
                WorklogInput {
                    source_id: Some(format!("{key}-{w}")),
                    client_key: key.clone(),
                    date: day,
                    author: format!("Author {}", w % 5),
                    issue_key: format!("{key}-{}", w % 7),
                    issue_summary: "Bench work".into(),
                    description: String::new(),
                    minutes: 15 + (w as u32 * 7) % 240,
                    billable: true,
                }
                .validate()?,
            );
        }
    }
    store.put_worklogs(&worklogs).await?;
    println!(
        "seeded {} clients x {} worklogs in {:.1} s",
        args.clients,
        args.worklogs,
        seed_started.elapsed().as_secs_f64()
    );

    let stores = Stores {
        clients: &store,
        worklogs: &store,
        invoices: &store,
        ledger: &store,
    };
    let actor = Actor {
        name: "bench".into(),
        now: Utc::now(),
    };
    let calls_before = counter.get();
    let started = Instant::now();
    let outcome = drafting::generate_bulk(stores, period, &actor).await?;
    let wall = started.elapsed().as_secs_f64();
    let calls = counter.get() - calls_before;
    let created = outcome.created.len();
    ensure!(outcome.failed.is_empty(), "failures: {:?}", outcome.failed);
    ensure!(
        created == args.clients,
        "created {created} of {}",
        args.clients
    );

    let again_started = Instant::now();
    let again = drafting::generate_bulk(stores, period, &actor).await?;
    ensure!(again.created.is_empty(), "second run created invoices");
    println!(
        "bulk generation: {created} invoices in {wall:.2} s = {:.1} invoices/s",
        created as f64 / wall
    );
    println!(
        "DynamoDB calls: {calls} = {:.2} per invoice (1 Query of active clients, then per client 1 Query of worklogs + 1 TransactWriteItems)",
        calls as f64 / created as f64
    );
    println!(
        "second run (all skipped as invoice_exists): {:.2} s, created {}",
        again_started.elapsed().as_secs_f64(),
        again.created.len()
    );
    Ok(())
}
