//! Benchmark of the list endpoints on the local stack (not a test): builds two tables in one
//! emulator, a small one (100 invoices, 100 worklogs of one client) and a large one (10,000
//! invoices, 10,000 worklogs), and measures page 1 and page 5 of every list and filter on
//! both, alternating small and large request by request so that whatever else the machine
//! does falls on both alike. Prints p50/p95 per list with the rows returned and the DynamoDB
//! calls and items read per request, and the p50 ratio large/small (target: within 1.5x).
//! Where the small list has fewer rows on page 1 than the large one (a client with 1 invoice
//! among 100, with 100 among 10,000), it also measures the large list with `per_page` = the
//! small list's rows: the same rows with 100 times the history, which isolates what the
//! history costs from what the extra rows cost.
//!
//! Invoices are written through the store's own create transaction (guard, header, line
//! chunk, history entry, counts), with statuses mixed; worklogs through the import's
//! transactional writes. Lists are read through the store ports (what the handlers call).
//!
//! cargo run -p proxima-infra --bin bench-lists -- --invoices 10000 --worklogs 10000

use anyhow::Result;
use chrono::{Duration, Utc};
use clap::Parser;
use futures::{StreamExt, TryStreamExt};
use proxima::domain::{DateRange, PageRequest, Period, Worklog, WorklogInput};
use proxima::invoice::drafting::{self, Actor, GenerateRequest, Stores};
use proxima::invoice::model::{InvoiceFilter, PaymentStatus};
use proxima::invoice::{EditAction, HistoryEntry, Invoice, InvoiceStatus};
use proxima::ports::{ClientStore, CreditNoteFilter, CreditNoteStore, InvoiceStore, WorklogStore};
use proxima::store::{DynamoStore, aws};
use proxima_infra::bench_setup::bench_client;
use proxima_infra::provision;
use rust_decimal::Decimal;
use std::time::Instant;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// Invoices in the large table.
    #[arg(long, default_value_t = 10_000)]
    invoices: usize,
    /// Worklogs of one client in the large table.
    #[arg(long, default_value_t = 10_000)]
    worklogs: usize,
    /// Clients (the invoices are spread over them, one per client and period).
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Requests measured per list and page.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Invoices written at once while seeding.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
}

/// How to read page `p` of a list: its total and the rows on the page.
type Read<'a> =
    Box<dyn Fn(PageRequest) -> futures::future::BoxFuture<'a, Result<(u64, usize)>> + 'a>;

/// One list to measure: a name and how to read it.
type Lister<'a> = (String, Read<'a>);

/// p50 and p95 of page 1 and page 5 of a list, the rows returned, and the calls and items
/// read per request.
#[derive(Default, Clone)]
struct Figures {
    total: u64,
    rows: [usize; 2],
    p50: [f64; 2],
    p95: [f64; 2],
    calls: [f64; 2],
    items: [f64; 2],
}

/// The large list read with the small list's rows per page: (per_page, p50 of page 1).
type SameRows = Option<(u32, f64)>;

const STATUSES: [InvoiceStatus; 4] = [
    InvoiceStatus::Draft,
    InvoiceStatus::Finalized,
    InvoiceStatus::Paid,
    InvoiceStatus::Void,
];

fn client_key(c: usize) -> String {
    format!("C{c:03}")
}

/// The `n`-th period back from last month.
fn period(n: usize) -> Period {
    let mut p = Period::containing(Utc::now().date_naive()).previous();
    for _ in 0..n {
        p = p.previous();
    }
    p
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (_emulator, endpoint) = proxima_infra::bench_setup::emulator_or_env()?;
    let sdk = proxima_infra::bench_setup::patient_sdk(&endpoint).await;
    let small = prepare(&sdk, "bench-lists-small", args.clients, Utc::now()).await?;
    let large = prepare(&sdk, "bench-lists-large", args.clients, Utc::now()).await?;
    let t = Instant::now();
    seed_invoices(
        &small.0,
        &small.1,
        1,
        100.min(args.invoices),
        args.clients,
        args.parallel,
    )
    .await?;
    println!(
        "small table: 100 invoices and 100 worklogs of C000 in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    seed_invoices(
        &large.0,
        &large.1,
        1,
        args.invoices,
        args.clients,
        args.parallel,
    )
    .await?;
    let seeded_invoices = t.elapsed().as_secs_f64();
    let t = Instant::now();
    seed_worklogs(&large.0, 100, args.worklogs).await?;
    println!(
        "large table: {} invoices in {seeded_invoices:.1} s and {} worklogs of C000 in {:.1} s",
        args.invoices,
        args.worklogs,
        t.elapsed().as_secs_f64()
    );

    let figures = measure((&small.0, &small.1), (&large.0, &large.1), args.runs).await?;
    println!();
    println!(
        "| list | total | rows p1/p5 | p1 p50 | p1 p95 | p5 p50 | p5 p95 | calls p1/p5 | items p1/p5 | p50 ratio p1/p5 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, a, b, same) in &figures {
        for (label, f) in [("100", a), ("10k", b)] {
            println!(
                "| {name} @{label} | {} | {} / {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} / {:.1} | {:.0} / {:.0} | {} |",
                f.total,
                f.rows[0],
                f.rows[1],
                f.p50[0],
                f.p95[0],
                f.p50[1],
                f.p95[1],
                f.calls[0],
                f.calls[1],
                f.items[0],
                f.items[1],
                if label == "10k" {
                    format!("{:.2} / {:.2}", b.p50[0] / a.p50[0], b.p50[1] / a.p50[1])
                } else {
                    String::new()
                }
            );
        }
        if let Some((per_page, ratio)) = same {
            println!(
                "| {name} @10k, per_page={per_page} (the rows of @100) | | {per_page} / | | | | | | | {ratio:.2} / |"
            );
        }
    }
    Ok(())
}

/// A table with its clients, 100 worklogs of C000 and the template: a real draft of C000
/// with its worklog lines (invoice 0 of the table).
async fn prepare(
    sdk: &aws_config::SdkConfig,
    table: &str,
    clients: usize,
    now: chrono::DateTime<Utc>,
) -> Result<(DynamoStore, Invoice)> {
    provision::provision(
        &aws::dynamodb_client(sdk),
        &aws::s3_client(sdk),
        table,
        table,
    )
    .await?;
    let store = DynamoStore::new(aws::dynamodb_client(sdk), table);
    for c in 0..clients {
        store
            .put_client(&bench_client(&client_key(c), "USD", now)?)
            .await?;
    }
    seed_worklogs(&store, 0, 100).await?;
    let actor = Actor {
        name: "bench".into(),
        now,
    };
    let stores = Stores {
        clients: &store,
        worklogs: &store,
        invoices: &store,
        ledger: &store,
    };
    let template = drafting::generate(
        stores,
        &GenerateRequest {
            client_key: client_key(0),
            period: period(0),
            group_by: None,
        },
        &actor,
    )
    .await?;
    Ok((store, template))
}

/// Worklogs `from..to` of client C000, spread over the last 12 months.
async fn seed_worklogs(store: &DynamoStore, from: usize, to: usize) -> Result<()> {
    let key = client_key(0);
    let rows: Vec<Worklog> = (from..to)
        .map(|w| {
            let day = period(w % 12).first_day() + chrono::Days::new((w % 28) as u64);
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
            .validate()
        })
        .collect::<std::result::Result<_, _>>()?;
    store.put_worklogs(&rows).await?;
    Ok(())
}

/// Invoices `from..to`: invoice `i` is client `i % clients`, period `i / clients` back, status
/// mixed, created a minute apart; each through the store's create transaction.
async fn seed_invoices(
    store: &DynamoStore,
    template: &Invoice,
    from: usize,
    to: usize,
    clients: usize,
    parallel: usize,
) -> Result<()> {
    futures::stream::iter(from..to)
        .map(|i| {
            let mut inv = template.clone();
            let h = &mut inv.header;
            h.id = Uuid::new_v4();
            h.client_key = client_key(i % clients);
            h.period = period(i / clients);
            h.status = STATUSES[i % 4];
            h.created_at = template.header.created_at - Duration::minutes(i as i64);
            // Receivables: each client has its payment terms (due 20, 30 or 40 days after
            // the period starts: last month's partly overdue today, older ones overdue) and
            // half of them their time zone; a third of the finalized are partially paid,
            // the paid ones in full.
            let c = i % clients;
            h.due_date = h.period.first_day() + Duration::days(20 + 10 * (c % 3) as i64);
            h.timezone = (c % 2 == 1).then(|| "Asia/Tashkent".to_string());
            match h.status {
                InvoiceStatus::Paid => h.amount_paid = h.total,
                InvoiceStatus::Finalized if i % 3 == 0 => h.amount_paid = Decimal::ONE,
                _ => {}
            }
            let entry = HistoryEntry {
                at: h.created_at,
                actor: "bench".into(),
                action: EditAction::Created,
                version: 1,
                changes: Vec::new(),
            };
            async move {
                // The emulator on a busy machine may time out; a retried create that finds
                // its own guard is done.
                let mut tries = 0;
                loop {
                    match store.create_invoice(&inv, &entry).await {
                        Ok(outcome) => return Ok(outcome),
                        Err(e) if tries < 5 => {
                            tries += 1;
                            eprintln!("retrying invoice {i}: {e:?}");
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        })
        .buffer_unordered(parallel)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Every list and filter of one table: name and reader.
fn lists<'a>(store: &'a DynamoStore, template: &'a Invoice) -> Vec<Lister<'a>> {
    let p = period(0).to_string();
    let invoice_filters: Vec<(&str, InvoiceFilter)> = vec![
        ("invoices", InvoiceFilter::default()),
        (
            "invoices status=finalized",
            filter(Some("finalized"), None, None),
        ),
        ("invoices client_key=C001", filter(None, Some("C001"), None)),
        ("invoices period", filter(None, None, Some(&p))),
        (
            "invoices client_key+status",
            filter(Some("draft"), Some("C004"), None),
        ),
        (
            "invoices period+status",
            filter(Some("paid"), None, Some(&p)),
        ),
        (
            "invoices client_key+period",
            filter(None, Some("C001"), Some(&p)),
        ),
        (
            "invoices client_key+period+status",
            filter(Some("finalized"), Some("C001"), Some(&p)),
        ),
        (
            // C002's invoices are all paid (status by invoice number), so none is overdue.
            "invoices client_key=C002&overdue=false",
            InvoiceFilter {
                overdue: Some(false),
                ..filter(None, Some("C002"), None)
            },
        ),
        (
            "invoices status=finalized&overdue=false",
            InvoiceFilter {
                overdue: Some(false),
                ..filter(Some("finalized"), None, None)
            },
        ),
        (
            "invoices overdue=true",
            InvoiceFilter {
                overdue: Some(true),
                ..InvoiceFilter::default()
            },
        ),
        (
            "invoices payment_status=partially_paid",
            InvoiceFilter {
                payment_status: Some(PaymentStatus::PartiallyPaid),
                ..InvoiceFilter::default()
            },
        ),
        (
            "invoices payment_status=unpaid",
            InvoiceFilter {
                payment_status: Some(PaymentStatus::Unpaid),
                ..InvoiceFilter::default()
            },
        ),
        (
            "invoices due_from..due_to (10 days)",
            InvoiceFilter {
                due_from: Some(period(0).first_day() + Duration::days(15)),
                due_to: Some(period(0).first_day() + Duration::days(25)),
                ..InvoiceFilter::default()
            },
        ),
        (
            "invoices period&overdue=true (counted by reading the period)",
            InvoiceFilter {
                overdue: Some(true),
                ..filter(None, None, Some(&p))
            },
        ),
    ];
    let mut lists: Vec<Lister<'a>> = Vec::new();
    for (name, f) in invoice_filters {
        lists.push((
            name.to_string(),
            Box::new(move |page| {
                let f = f.clone();
                Box::pin(async move { rows(store.list_invoices(&f, page).await?) })
            }),
        ));
    }
    let month = period(0).range();
    let partial = DateRange {
        from: month.from + chrono::Days::new(3),
        to: month.to,
    };
    for (name, range) in [
        ("worklogs C000 (all)", DateRange::ALL),
        ("worklogs C000 period", month),
        ("worklogs C000 from..to (partial month)", partial),
    ] {
        lists.push((
            name.to_string(),
            Box::new(move |page| {
                Box::pin(
                    async move { rows(store.worklog_page(&client_key(0), range, page).await?) },
                )
            }),
        ));
    }
    lists.push((
        "clients (active)".into(),
        Box::new(move |page| Box::pin(async move { rows(store.client_page(true, page).await?) })),
    ));
    lists.push((
        "credit notes".into(),
        Box::new(move |page| {
            Box::pin(async move {
                rows(
                    store
                        .list_credit_notes(&CreditNoteFilter::default(), page)
                        .await?,
                )
            })
        }),
    ));
    let id = template.header.id;
    lists.push((
        "edit history of one invoice".into(),
        Box::new(move |page| Box::pin(async move { rows(store.invoice_history(id, page).await?) })),
    ));

    lists
}

fn rows<T>(page: proxima::domain::Page<T>) -> Result<(u64, usize)> {
    Ok((page.total, page.items.len()))
}

/// Times of `runs` requests of `page` on the small and the large table, alternating.
struct Paired {
    small: Figures,
    large: Figures,
}

async fn paired<'a>(
    small: (&DynamoStore, &Read<'a>),
    large: (&DynamoStore, &Read<'a>),
    page: PageRequest,
    runs: usize,
    name: &str,
) -> Paired {
    let mut times = [Vec::with_capacity(runs), Vec::with_capacity(runs)];
    let mut figures = [Figures::default(), Figures::default()];
    small.0.list_metrics().take();
    large.0.list_metrics().take();
    for _ in 0..runs {
        for (side, (_, read)) in [small, large].into_iter().enumerate() {
            let t = Instant::now();
            match read(page.clone()).await {
                Ok((total, rows)) => {
                    figures[side].total = total;
                    figures[side].rows[0] = rows;
                }
                Err(e) => eprintln!("{name} page {}: {e:?}", page.page),
            }
            times[side].push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for (side, store) in [small.0, large.0].into_iter().enumerate() {
        let (calls, items) = store.list_metrics().take();
        let t = &mut times[side];
        t.sort_by(f64::total_cmp);
        let f = &mut figures[side];
        f.p50[0] = t[t.len() / 2];
        f.p95[0] = t[(t.len() * 95 / 100).min(t.len() - 1)];
        f.calls[0] = calls as f64 / runs as f64;
        f.items[0] = items as f64 / runs as f64;
    }
    let [small, large] = figures;
    Paired { small, large }
}

/// Every list and filter, page 1 and page 5 (20 a page), `runs` times each on both tables.
async fn measure(
    small: (&DynamoStore, &Invoice),
    large: (&DynamoStore, &Invoice),
    runs: usize,
) -> Result<Vec<(String, Figures, Figures, SameRows)>> {
    let small_lists = lists(small.0, small.1);
    let large_lists = lists(large.0, large.1);
    let mut out = Vec::new();
    for ((name, read_small), (_, read_large)) in small_lists.iter().zip(large_lists.iter()) {
        // Lists counted by reading are measured fewer times.
        let runs = if name.contains("by reading") {
            runs.min(5)
        } else {
            runs
        };
        let mut a = Figures::default();
        let mut b = Figures::default();
        for (slot, page) in [1u32, 5].into_iter().enumerate() {
            let p = paired(
                (small.0, read_small),
                (large.0, read_large),
                PageRequest::new(page, 20),
                runs,
                name,
            )
            .await;
            for (to, from) in [(&mut a, p.small), (&mut b, p.large)] {
                to.total = from.total;
                to.rows[slot] = from.rows[0];
                to.p50[slot] = from.p50[0];
                to.p95[slot] = from.p95[0];
                to.calls[slot] = from.calls[0];
                to.items[slot] = from.items[0];
            }
        }
        // The same rows with 100 times the history: page 1 of the large list with the small
        // list's rows per page, alternating with page 1 of the small list again.
        let same = if a.rows[0] > 0 && a.rows[0] < b.rows[0] {
            let per_page = a.rows[0] as u32;
            let small_again = paired(
                (small.0, read_small),
                (large.0, read_large),
                PageRequest::new(1, per_page),
                runs,
                name,
            )
            .await;
            Some((
                per_page,
                small_again.large.p50[0] / small_again.small.p50[0],
            ))
        } else {
            None
        };
        println!(
            "{name}: total {} / {} | page 1 p50 {:.1} / {:.1} ms | page 5 p50 {:.1} / {:.1} ms",
            a.total, b.total, a.p50[0], b.p50[0], a.p50[1], b.p50[1]
        );
        out.push((name.clone(), a, b, same));
    }
    Ok(out)
}

fn filter(status: Option<&str>, client: Option<&str>, period: Option<&str>) -> InvoiceFilter {
    InvoiceFilter {
        status: status.and_then(|s| s.parse().ok()),
        client_key: client.map(str::to_string),
        period: period.and_then(|p| p.parse().ok()),
        ..InvoiceFilter::default()
    }
}
