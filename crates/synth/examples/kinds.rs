//! Counts the default authority's events by type: `cargo run --release -p stepwise-synth --example kinds`.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use stepwise_synth::{SynthConfig, generate};

fn main() {
    let cfg = SynthConfig::new(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default());
    let a = generate(&cfg).unwrap_or_else(|e| fail(e));
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &a.events {
        *n.entry(e.kind.type_name()).or_default() += 1;
    }
    let corrections = a.events.iter().filter(|e| e.supersedes.is_some()).count();
    let late = a
        .events
        .iter()
        .filter(|e| e.recorded_at.date_naive() > e.effective)
        .count();
    let first = a.events.iter().map(|e| e.effective).min();
    println!(
        "{} events, {} corrections, {} recorded late, earliest {:?}",
        a.events.len(),
        corrections,
        late,
        first
    );
    for (k, v) in n {
        println!("{k:24} {v}");
    }
    let kinds: BTreeMap<String, usize> = a.people.iter().fold(BTreeMap::new(), |mut m, p| {
        *m.entry(format!("{:?}", p.kind)).or_default() += 1;
        m
    });
    println!(
        "people by kind {kinds:?}; households {}; relationships {}",
        a.households.len(),
        a.relationships.len()
    );
}

/// Stops with the reason, for a broken build whose reference data cannot be read.
fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(1)
}
