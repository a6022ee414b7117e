//! Prints the calibration table for a generated authority: `cargo run --release -p
//! stepwise-synth --example calibrate -- [children] [today]` (defaults: 60000, 2026-11-23).

use std::time::Instant;

use chrono::NaiveDate;
use stepwise_synth::{SynthConfig, calibration, generate_with_report};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let today = args
        .get(2)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .or_else(|| NaiveDate::from_ymd_opt(2026, 11, 23))
        .unwrap_or_default();
    let mut cfg = SynthConfig::new(today);
    if let Some(n) = args.get(1).and_then(|s| s.parse().ok()) {
        cfg.children = n;
    }
    if let Some(seed) = std::env::var("SEED").ok().and_then(|s| s.parse().ok()) {
        cfg.seed = seed;
    }
    let t = Instant::now();
    let (a, report) = generate_with_report(&cfg).unwrap_or_else(|e| fail(e));
    let secs = t.elapsed().as_secs_f64();
    println!(
        "seed {}, {} children, today {}: {} people, {} households, {} workers, {} events in {:.2} s",
        cfg.seed,
        cfg.children,
        cfg.today,
        a.people.len(),
        a.households.len(),
        a.workers.len(),
        a.events.len(),
        secs
    );
    println!(
        "dropped {} (required {}), open without a worker {}",
        report.dropped, report.dropped_required, report.open_unallocated
    );
    for e in &report.first_errors {
        println!("  {e}");
    }
    if std::env::var("DIAG").is_ok() {
        diagnostics(&a, today);
    }
    println!();
    println!("| Measure | Target | Actual | Within |");
    println!("| --- | --- | --- | --- |");
    for m in calibration::measure(&a, today).unwrap_or_else(|e| fail(e)) {
        println!(
            "| {} | {} | {} | {} |",
            m.name,
            m.target,
            m.actual,
            if m.within { "yes" } else { "no" }
        );
    }
}

/// Extra breakdowns for tuning (not part of the calibration table).
#[allow(dead_code, clippy::collapsible_if)]
pub fn diagnostics(a: &stepwise_synth::SyntheticAuthority, today: NaiveDate) {
    use stepwise_domain::events::EventKind;
    use stepwise_domain::projection::replay;
    let mut logs: Vec<Vec<stepwise_domain::events::JourneyEvent>> =
        vec![Vec::new(); a.people.len() + 1];
    for e in &a.events {
        logs[e.child.0 as usize].push(e.clone());
    }
    let (mut asm, mut cin, mut other, mut lac_entries) = (0, 0, 0, [0usize; 5]);
    let mut entry_ls: std::collections::BTreeMap<String, usize> = Default::default();
    let mut lac_age = [0usize; 5];
    let year_ago = today - chrono::Days::new(365);
    for p in &a.people {
        let log = &logs[p.id.0 as usize];
        if log.is_empty() {
            continue;
        }
        let s = replay(p.id, log);
        if let Some(r) = &s.referral {
            if s.cp_plan.is_none() && s.looked_after.is_none() {
                if s.cin_plan.is_some() {
                    cin += 1;
                } else if r.assessment_authorised.is_none() {
                    asm += 1;
                } else {
                    other += 1;
                }
            }
        }
        let dob = p
            .date_of_birth
            .or(p.expected_date_of_birth)
            .unwrap_or(today);
        let band = |d: NaiveDate| {
            let a = stepwise_domain::people::age_on(dob, d).max(0);
            if a < 1 {
                0
            } else if a < 5 {
                1
            } else if a < 10 {
                2
            } else if a < 16 {
                3
            } else {
                4
            }
        };
        if s.looked_after.is_some() {
            lac_age[band(today)] += 1;
        }
        for e in log {
            if let EventKind::LookedAfterStarted { placement, .. } = &e.kind {
                if e.effective > year_ago && e.supersedes.is_none() {
                    lac_entries[band(e.effective)] += 1;
                    *entry_ls
                        .entry(placement.legal_status.to_string())
                        .or_default() += 1;
                }
            }
        }
    }
    println!("open referral without CP/LAC: in assessment {asm}, CIN plan {cin}, other {other}");
    println!(
        "LAC entries in year by age <1,1-4,5-9,10-15,16+: {lac_entries:?}; legal status at entry {entry_ls:?}"
    );
    println!("LAC on the day by age: {lac_age:?}");
}

/// Stops with the reason, for a broken build whose reference data cannot be read.
fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(1)
}
