//! Benchmark of the PDF renderer (not a test): renders the sample invoice with 12 lines
//! (one page) and 1000 lines many times in process and prints the median render time, the
//! PDF size and the process's peak RSS.
//!
//! cargo run --release -p proxima-infra --bin bench-pdf

use proxima::pdf::sample::sample_invoice;
use proxima::pdf::{Issuer, render_invoice};
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

fn main() -> Result<(), proxima::Error> {
    let issuer = Issuer::default();
    println!("peak RSS before rendering: {:.1} MB", peak_rss_mb());
    for (lines, runs) in [(12usize, 200usize), (1000, 30)] {
        let invoice = sample_invoice(lines);
        // Warm-up: parses the embedded fonts once per process, as a warm Lambda has.
        let first = render_invoice(&invoice, &issuer)?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let bytes = render_invoice(&invoice, &issuer)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(bytes.len(), first.len(), "deterministic output");
        }
        times.sort_by(f64::total_cmp);
        let pages = lopdf::Document::load_mem(&first)
            .map(|d| d.get_pages().len())
            .unwrap_or(0);
        println!(
            "{lines:>5} lines: median {:.2} ms (min {:.2}, max {:.2}, {runs} runs), {pages} pages, {:.1} KB, peak RSS {:.1} MB",
            times[runs / 2],
            times[0],
            times[runs - 1],
            first.len() as f64 / 1024.0,
            peak_rss_mb()
        );
    }
    Ok(())
}
