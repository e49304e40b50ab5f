//! Benchmark of the PDF renderer (not a test): renders the sample invoice with 12 lines
//! (one page) and 1000 lines, and a sample credit note, in every locale (en, ru, uz), many
//! times in process and prints the median render time, the PDF size and the process's peak
//! RSS.
//!
//! cargo run --release -p proxima-infra --bin bench-pdf
//!
//! With `--out DIR` it only writes the one-page invoice, the credit note and the act of
//! completed work of each locale to `DIR` (`invoice-ru.pdf`, `credit-note-uz.pdf`,
//! `act-en.pdf`, ...), for looking at them.

use proxima::domain::Locale;
use proxima::invoice::credit_note::{
    CreditLineInput, CreditNote, CreditNoteRequest, NewCreditNote, build_credit_note,
    credit_note_number,
};
use proxima::pdf::act::render_act;
use proxima::pdf::credit_note::render_credit_note;
use proxima::pdf::sample::sample_invoice;
use proxima::pdf::{Issuer, render_invoice};
use rust_decimal::Decimal;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A credit note for two lines of the sample invoice, in `locale`.
fn sample_note(locale: Locale, issuer: &Issuer) -> proxima::Result<CreditNote> {
    let invoice = sample_invoice(12);
    let req = CreditNoteRequest {
        reason: "Часы выставлены дважды / soatlar ikki marta yozilgan / hours billed twice".into(),
        lines: Some(vec![
            CreditLineInput {
                description: "GULZOR-3: qoʻshimcha filtrlar — возврат".into(),
                quantity: Decimal::new(150, 2),
                unit_price: Decimal::new(450_000, 0),
            },
            CreditLineInput {
                description: "GULZOR-7: Integratsiya ishlari / интеграция".into(),
                quantity: Decimal::new(2, 0),
                unit_price: Decimal::new(450_000, 0),
            },
        ]),
        full: None,
    };
    build_credit_note(
        &invoice,
        &req,
        proxima::invoice::credit_note::Credited::default(),
        NewCreditNote {
            id: uuid::Uuid::from_u128(0xC1),
            number: credit_note_number(2026, 1),
            issue_date: invoice.header.due_date,
            created_by: "bench",
            created_at: invoice.header.created_at,
            fallback_issuer: issuer,
            locale,
        },
    )
}

/// Median, min and max of `runs` renders, in ms; the bytes of the first.
fn time(
    runs: usize,
    render: impl Fn() -> proxima::Result<Vec<u8>>,
) -> proxima::Result<(Vec<u8>, [f64; 3])> {
    // Warm-up: parses the embedded fonts once per process, as a warm Lambda has.
    let first = render()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let bytes = render()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(bytes, first, "deterministic output");
    }
    times.sort_by(f64::total_cmp);
    Ok((first, [times[runs / 2], times[0], times[runs - 1]]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = Issuer::default();
    let args: Vec<String> = std::env::args().collect();
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
    {
        std::fs::create_dir_all(dir)?;
        for locale in Locale::ALL {
            let mut invoice = sample_invoice(12);
            invoice.header.locale = Some(locale);
            let path = format!("{dir}/invoice-{locale}.pdf");
            std::fs::write(&path, render_invoice(&invoice, &issuer)?)?;
            println!("{path}");
            let path = format!("{dir}/credit-note-{locale}.pdf");
            std::fs::write(&path, render_credit_note(&sample_note(locale, &issuer)?)?)?;
            println!("{path}");
            let path = format!("{dir}/act-{locale}.pdf");
            std::fs::write(&path, render_act(&invoice, &issuer)?)?;
            println!("{path}");
        }
        return Ok(());
    }
    println!("peak RSS before rendering: {:.1} MB", peak_rss_mb());
    for locale in Locale::ALL {
        for (lines, runs) in [(12usize, 200usize), (1000, 30)] {
            let mut invoice = sample_invoice(lines);
            invoice.header.locale = Some(locale);
            let (pdf, [median, min, max]) = time(runs, || render_invoice(&invoice, &issuer))?;
            let pages = lopdf::Document::load_mem(&pdf)
                .map(|d| d.get_pages().len())
                .unwrap_or(0);
            println!(
                "{locale} invoice {lines:>5} lines: median {median:.2} ms (min {min:.2}, max {max:.2}, {runs} runs), {pages} pages, {:.1} KB, peak RSS {:.1} MB",
                pdf.len() as f64 / 1024.0,
                peak_rss_mb()
            );
        }
        let note = sample_note(locale, &issuer)?;
        let runs = 200;
        let (pdf, [median, min, max]) = time(runs, || render_credit_note(&note))?;
        println!(
            "{locale} credit note  2 lines: median {median:.2} ms (min {min:.2}, max {max:.2}, {runs} runs), {:.1} KB",
            pdf.len() as f64 / 1024.0
        );
    }
    Ok(())
}
