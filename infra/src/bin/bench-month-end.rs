//! Benchmark of month-end through the queue on the local stack (not a test): seeds N
//! clients x M worklogs of last month, runs the schedule's half (one message per client on
//! the emulator's SQS queue, created from template.yaml) and drains the queue with W
//! concurrent workers driven as Lambda's SQS event source drives them. Prints wall times,
//! drafts per second and DynamoDB calls per invoice (enqueue and worker), and checks the
//! run report.
//!
//! cargo run -p proxima-infra --bin bench-month-end -- --clients 10000 --worklogs 20

use anyhow::{Result, ensure};
use chrono::Utc;
use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use proxima::domain::{Period, Worklog, WorklogInput};
use proxima::invoice::drafting::Stores;
use proxima::month_end::{enqueue_month_end, run::get_run};
use proxima::ports::{ClientStore, RunStore, WorklogStore};
use proxima::store::{DynamoStore, SqsJobQueue, aws};
use proxima_infra::bench_setup::bench_client;
use proxima_infra::call_counter::CallCounter;
use proxima_infra::provision;
use proxima_infra::sqs_event_source::SqsEventSource;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Active clients to seed.
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// Billable worklogs per client in the period.
    #[arg(long, default_value_t = 20)]
    worklogs: usize,
    /// Workers draining the queue at once (Lambda instances).
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Stop after the schedule's half (the enqueue), e.g. with `--worklogs 0`.
    #[arg(long)]
    enqueue_only: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (_emulator, endpoint) = proxima_infra::bench_setup::emulator_or_env()?;
    let sdk = aws::sdk_config(Some(&endpoint)).await;
    let table = "bench-month-end";
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        table,
        table,
    )
    .await?;
    let sqs = aws::sqs_client(&sdk);
    let queues = provision::ensure_month_end_queues(&sqs, table, Some(60)).await?;
    let counter = CallCounter::default();
    let store = DynamoStore::new(counter.client(&sdk), table);
    let period = Period::containing(Utc::now().date_naive()).previous();
    let now = Utc::now();

    let seed_started = Instant::now();
    futures::stream::iter(0..args.clients)
        .map(|c| {
            let store = &store;
            async move {
                store
                    .put_client(&bench_client(
                        &format!("C{c:06}"),
                        ["USD", "EUR", "UZS"][c % 3],
                        now,
                    )?)
                    .await
                    .map_err(anyhow::Error::from)
            }
        })
        .buffer_unordered(8)
        .try_collect::<()>()
        .await?;
    for chunk in (0..args.clients).collect::<Vec<_>>().chunks(1000) {
        let mut worklogs: Vec<Worklog> = Vec::with_capacity(chunk.len() * args.worklogs);
        for &c in chunk {
            let key = format!("C{c:06}");
            for w in 0..args.worklogs {
                worklogs.push(
                    WorklogInput {
                        source_id: Some(format!("{key}-{w}")),
                        client_key: key.clone(),
                        date: period.first_day() + chrono::Days::new((w % 28) as u64),
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
    }
    println!(
        "seeded {} clients x {} worklogs in {:.1} s",
        args.clients,
        args.worklogs,
        seed_started.elapsed().as_secs_f64()
    );

    // The schedule's half.
    let queue = SqsJobQueue::new(sqs.clone(), &queues.queue_url);
    let calls_before = counter.get();
    let started = Instant::now();
    let stores = Stores {
        clients: &store,
        worklogs: &store,
        invoices: &store,
        ledger: &store,
    };
    let summary = enqueue_month_end(stores, &queue, &store, period, now).await?;
    let enqueue_wall = started.elapsed().as_secs_f64();
    let enqueue_calls = counter.get() - calls_before;
    println!(
        "enqueue: {} messages in {enqueue_wall:.2} s ({enqueue_calls} DynamoDB calls: the run start, per page of 200 clients the active-clients query and the run header's read and count, the end)",
        summary.enqueued
    );
    let run = get_run(&store, period)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no run"))?;
    ensure!(
        run.counts.enqueued == args.clients as u64,
        "the run counted {} of {} clients",
        run.counts.enqueued,
        args.clients
    );
    if args.enqueue_only {
        return Ok(());
    }

    // The workers' half.
    let source = SqsEventSource {
        client: sqs.clone(),
        queue_url: queues.queue_url.clone(),
        queue_arn: queues.queue_arn.clone(),
        batch_size: 10,
    };
    let max = queues.max_receives;
    let runs: &dyn RunStore = &store;
    let worker = |event| async move {
        fn_month_end_worker::handle_with(stores, runs, &event, max, Utc::now()).await
    };
    let calls_before = counter.get();
    let started = Instant::now();
    let polls = futures::future::join_all(
        (0..args.workers).map(|_| source.drain(&worker, Duration::from_secs(3600))),
    )
    .await;
    let wall = started.elapsed().as_secs_f64();
    let worker_calls = counter.get() - calls_before;
    let mut received = 0;
    let mut failed = 0;
    for p in polls {
        let p = p?;
        received += p.received;
        failed += p.failed;
    }
    let run = get_run(&store, period)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no run"))?;
    // A failed delivery (an SDK time-out on a loaded machine, say) goes back to the queue and
    // is retried, as Lambda's event source would; the run must still end with every draft.
    if failed > 0 {
        println!("{failed} deliveries failed and were retried through the queue");
    }
    ensure!(
        run.counts.created == args.clients as u64 && run.completed_at.is_some(),
        "run report: {run:?}"
    );
    let created = run.counts.created as f64;
    println!(
        "workers ({}): {} messages, {} drafts in {wall:.2} s = {:.1} drafts/s; run {:?}",
        args.workers,
        received,
        run.counts.created,
        created / wall,
        run.status
    );
    println!(
        "DynamoDB calls: worker {worker_calls} = {:.2} per invoice (GetItem client, Query worklogs, TransactWriteItems draft, TransactWriteItems outcome, GetItem run; + 2 once at completion); with enqueue {:.2} per invoice",
        worker_calls as f64 / created,
        (worker_calls + enqueue_calls) as f64 / created
    );
    println!(
        "total month-end wall time (enqueue + drain): {:.2} s",
        enqueue_wall + wall
    );
    Ok(())
}
