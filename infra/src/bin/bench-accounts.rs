//! Benchmark of client accounts on the local stack (not a test). Two figures of issue #22:
//!
//! 1. The statement of a client with five years of monthly history (an invoice finalized
//!    and paid every month through the real use cases, each booked in its month: 120
//!    entries): DynamoDB calls, entries read and p50 time of a one-month, one-year and
//!    five-year statement, and of the balance. A statement costs the same calls whatever
//!    the history; what it reads grows with the entries in its range only.
//! 2. The aging of `--open` open invoices of `--clients` clients, with `--closed` paid ones
//!    beside them (history that must not be read): calls, open invoices read and time, as of
//!    today (the open invoices) and as of a day past (the ledger's entries up to that day).
//!
//! cargo run -p proxima-infra --bin bench-accounts -- --open 10000 --clients 1000 --closed 5000

use anyhow::Result;
use chrono::{Datelike, Days, Duration, NaiveDate, TimeZone, Utc};
use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use proxima::domain::Period;
use proxima::domain::invoice::receivables::{PaymentMethod, PaymentRequest};
use proxima::domain::issuer::Issuer;
use proxima::invoice::drafting::{self, Actor, GenerateRequest, Stores};
use proxima::invoice::finalize::{Issuing, finalize};
use proxima::invoice::{EditAction, HistoryEntry, Invoice, InvoiceStatus};
use proxima::ports::{ClientStore, InvoiceStore, WorklogStore};
use proxima::store::{DynamoStore, S3Store, aws};
use proxima_infra::bench_setup::bench_client;
use proxima_infra::call_counter::CallCounter;
use proxima_infra::provision;
use std::time::Instant;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// Years of monthly history of the statement's client.
    #[arg(long, default_value_t = 5)]
    years: u32,
    /// Open (finalized) invoices for the aging.
    #[arg(long, default_value_t = 10_000)]
    open: usize,
    /// Paid invoices beside them (history).
    #[arg(long, default_value_t = 5_000)]
    closed: usize,
    /// Clients the aging's invoices are spread over.
    #[arg(long, default_value_t = 1_000)]
    clients: usize,
    /// Requests measured per figure.
    #[arg(long, default_value_t = 9)]
    runs: usize,
    /// Invoices written at once while seeding.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
}

/// p50 of `runs` timings of `f`, and the calls of one run.
async fn measure<F, Fut, T>(counter: &CallCounter, runs: usize, mut f: F) -> Result<(f64, u64, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = proxima::Result<T>>,
{
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    let mut calls = 0;
    for _ in 0..runs.max(1) {
        let before = counter.get();
        let t = Instant::now();
        let out = f().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        calls = counter.get() - before;
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    let out = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    Ok((times[times.len() / 2], calls, out))
}

/// Noon UTC of `day`.
fn noon(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (_emulator, endpoint) = proxima_infra::bench_setup::emulator_or_env()?;
    let sdk = proxima_infra::bench_setup::patient_sdk(&endpoint).await;
    let table = "bench-accounts";
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        table,
        table,
    )
    .await?;
    let counter = CallCounter::default();
    let store = DynamoStore::new(counter.client(&sdk), table);
    let documents = S3Store::new(aws::s3_client(&sdk), table, table);
    let stores = Stores {
        clients: &store,
        worklogs: &store,
        invoices: &store,
        ledger: &store,
    };
    let issuer = Issuer::default();
    let issuing = Issuing {
        clients: &store,
        invoices: &store,
        numbering: &store,
        ledger: &store,
        documents: &documents,
        issuer: &issuer,
        rates: &store,
    };

    // 1. Five years of a client's history, booked month by month.
    let now = Utc::now();
    let months = args.years * 12;
    let mut period = Period::containing(now.date_naive()).previous();
    for _ in 1..months {
        period = period.previous();
    }
    let first = period;
    store.put_client(&bench_client("HIST", "UZS", now)?).await?;
    let mut worklogs = Vec::new();
    let mut p = first;
    for m in 0..months {
        worklogs.push(
            proxima::domain::WorklogInput {
                source_id: Some(format!("HIST-{m}")),
                client_key: "HIST".into(),
                date: p.first_day() + Days::new(3),
                author: "Author".into(),
                issue_key: "HIST-1".into(),
                issue_summary: "Bench work".into(),
                description: String::new(),
                minutes: 600,
                billable: true,
            }
            .validate()?,
        );
        p = Period::containing(p.last_day() + Days::new(1));
    }
    store.put_worklogs(&worklogs).await?;
    let seeded = Instant::now();
    let mut p = first;
    for _ in 0..months {
        let issued_on = p.last_day();
        let actor = Actor {
            name: "bench".into(),
            now: noon(issued_on),
        };
        let draft = drafting::generate(
            stores,
            &GenerateRequest {
                client_key: "HIST".into(),
                period: p,
                group_by: None,
            },
            &actor,
        )
        .await?;
        let issued = finalize(issuing, draft.header.id, None, "bench", actor.now).await?;
        let paid_on = issued_on + Days::new(10);
        proxima::invoice::collection::record_payment(
            stores,
            &store,
            issued.header.id,
            &PaymentRequest {
                amount: issued.header.total,
                paid_on,
                method: PaymentMethod::BankTransfer,
                reference: None,
            },
            &Actor {
                name: "bench".into(),
                now: noon(paid_on),
            },
        )
        .await?;
        p = Period::containing(p.last_day() + Days::new(1));
    }
    println!(
        "statement: {months} months finalized and paid ({} entries) in {:.1} s",
        months * 2,
        seeded.elapsed().as_secs_f64()
    );
    println!("| statement range | entries | calls | p50 |");
    println!("|---|---|---|---|");
    let last_full = Period::containing(now.date_naive()).previous();
    let year_ago = last_full.first_day() - Days::new(365);
    for (name, from, to) in [
        (
            "one month",
            last_full.first_day(),
            last_full.last_day() + Days::new(15),
        ),
        ("one year", year_ago, now.date_naive()),
        ("the whole history", first.first_day(), now.date_naive()),
    ] {
        let (p50, calls, (_, s)) = measure(&counter, args.runs, || {
            proxima::ledger::reports::client_statement(stores, "HIST", None, from, to, Utc::now())
        })
        .await?;
        println!(
            "| {name} ({from} - {to}) | {} | {calls} | {p50:.1} ms |",
            s.lines.len()
        );
    }
    let (p50, calls, _) = measure(&counter, args.runs, || {
        proxima::ledger::reports::balances(stores, "HIST", Utc::now())
    })
    .await?;
    println!("| balance (all currencies) | | {calls} | {p50:.1} ms |");

    // 2. The aging: open invoices of many clients, paid ones beside them.
    let seeded = Instant::now();
    for c in 0..args.clients {
        store
            .put_client(&bench_client(
                &format!("A{c:04}"),
                ["USD", "EUR", "UZS"][c % 3],
                now,
            )?)
            .await?;
    }
    let template: Invoice = {
        let mut t = proxima::invoice::drafting::get(
            stores,
            store
                .list_invoices(
                    &proxima::invoice::model::InvoiceFilter {
                        client_key: Some("HIST".into()),
                        ..Default::default()
                    },
                    proxima::domain::PageRequest::new(1, 1),
                )
                .await?
                .items[0]
                .id,
        )
        .await?;
        t.header.number = None;
        t.header.amount_paid = rust_decimal::Decimal::ZERO;
        t
    };
    let total = args.open + args.closed;
    futures::stream::iter(0..total)
        .map(|i| {
            let mut inv = template.clone();
            let h = &mut inv.header;
            h.id = Uuid::new_v4();
            let c = i % args.clients;
            h.client_key = format!("A{c:04}");
            h.currency = ["USD", "EUR", "UZS"][c % 3].into();
            let mut p = Period::containing(now.date_naive()).previous();
            for _ in 0..(i / args.clients) {
                p = p.previous();
            }
            h.period = p;
            h.issue_date = p.last_day();
            h.due_date = p.last_day() + Days::new(14);
            h.number = Some(format!("INV-{}-{:06}", p.first_day().year(), 900_000 + i));
            if i < args.open {
                h.status = InvoiceStatus::Finalized;
            } else {
                h.status = InvoiceStatus::Paid;
                h.amount_paid = h.total;
            }
            h.created_at = now - Duration::minutes(i as i64);
            let entry = HistoryEntry {
                at: h.created_at,
                actor: "bench".into(),
                action: EditAction::Created,
                version: 1,
                changes: Vec::new(),
            };
            let store = &store;
            async move {
                let mut tries = 0;
                loop {
                    match store.create_invoice(&inv, &entry).await {
                        Ok(o) => return Ok(o),
                        Err(e) if tries < 5 => {
                            tries += 1;
                            eprintln!("retrying invoice {i}: {e:?}");
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        })
        .buffer_unordered(args.parallel)
        .try_collect::<Vec<_>>()
        .await?;
    println!(
        "aging: {} clients, {} open and {} paid invoices seeded in {:.1} s",
        args.clients,
        args.open,
        args.closed,
        seeded.elapsed().as_secs_f64()
    );
    println!("| aging | invoices in buckets | calls | p50 |");
    println!("|---|---|---|---|");
    let (p50, calls, report) = measure(&counter, args.runs.min(5), || {
        proxima::ledger::reports::ar_aging(stores, None, None, Utc::now())
    })
    .await?;
    let counted: u32 = report.currencies.iter().map(|c| c.totals.invoices).sum();
    println!(
        "| as of today ({} open of {total} invoices; source {}) | {counted} | {calls} | {p50:.1} ms |",
        args.open, report.source
    );
    let past = now.date_naive() - Days::new(400);
    let (p50, calls, report) = measure(&counter, args.runs, || {
        proxima::ledger::reports::ar_aging(stores, Some(past), None, Utc::now())
    })
    .await?;
    let counted: u32 = report.currencies.iter().map(|c| c.totals.invoices).sum();
    println!(
        "| as of {past} (source {}: the entries booked by then) | {counted} | {calls} | {p50:.1} ms |",
        report.source
    );
    Ok(())
}
