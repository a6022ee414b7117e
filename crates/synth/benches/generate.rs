//! Times `generate` for the default authority (60,000 children, as at 2026-11-23) with
//! `std::time::Instant`. `SYNTH_SCALE=1,2,4` also times multiples of the default (like
//! `--scale K`); `SYNTH_RUNS` sets how many runs each (default 3). Run with
//! `cargo bench -p stepwise-synth`.

use std::time::Instant;

use chrono::NaiveDate;
use stepwise_synth::{SynthConfig, generate};

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let scales: Vec<f64> = std::env::var("SYNTH_SCALE")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<f64>| !v.is_empty())
        .unwrap_or_else(|| vec![1.0]);
    let runs: usize = std::env::var("SYNTH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!("scale  children    people     events  households  workers  best_s  median_s");
    for k in scales {
        let cfg = SynthConfig::new(today).scaled(k);
        let mut times = Vec::new();
        let mut shape = (0, 0, 0, 0);
        for _ in 0..runs {
            let t = Instant::now();
            let a = generate(&cfg).unwrap_or_else(|e| fail(e));
            times.push(t.elapsed().as_secs_f64());
            shape = (
                a.people.len(),
                a.events.len(),
                a.households.len(),
                a.workers.len(),
            );
            drop(a);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{k:>5}  {:>8}  {:>8}  {:>9}  {:>10}  {:>7}  {:>6.2}  {:>8.2}",
            cfg.children,
            shape.0,
            shape.1,
            shape.2,
            shape.3,
            times[0],
            times[times.len() / 2]
        );
    }
}

/// Stops with the reason, for a broken build whose reference data cannot be read.
fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(1)
}
