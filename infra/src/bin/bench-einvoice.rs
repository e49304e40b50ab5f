//! Benchmark of the e-invoice writers (not a test): renders the sample invoice with 12 and
//! 1000 lines as UBL, CII and Factur-X many times in process (the EN 16931 rules checked
//! each time, as on a download) and prints the median render time and the document size.
//!
//! cargo run --release -p proxima-infra --bin bench-einvoice

use proxima::einvoice::{Format, render_invoice};
use proxima::pdf::Issuer;
use proxima::pdf::sample::sample_invoice;
use std::time::Instant;

fn main() -> Result<(), proxima::Error> {
    for (lines, runs) in [(12usize, 100usize), (1000, 15)] {
        let mut invoice = sample_invoice(lines);
        invoice.header.issuer = Some(Issuer::default());
        for format in [Format::Ubl, Format::Cii, Format::Facturx] {
            // Warm-up: parses the embedded fonts once per process, as a warm Lambda has.
            let first = render_invoice(&invoice, format)?;
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let started = Instant::now();
                let bytes = render_invoice(&invoice, format)?;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(bytes, first, "deterministic output");
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{lines:>5} lines {:<8}: median {:.2} ms (min {:.2}, max {:.2}, {runs} runs), {:.1} KB",
                format.suffix().split('.').next().unwrap_or_default(),
                times[runs / 2],
                times[0],
                times[runs - 1],
                first.len() as f64 / 1024.0,
            );
        }
    }
    Ok(())
}
