//! Prints journeys: `cargo run --release -p stepwise-synth --example dump -- <children> "<Given
//! Family>" <yyyy-mm-dd>` for a named person, or `-- <children> --changes N` for the first child
//! with at least N looked-after changes.
use chrono::NaiveDate;
use stepwise_domain::people::Person;
use stepwise_synth::{SynthConfig, generate};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut cfg = SynthConfig::new(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default());
    cfg.children = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60_000);
    let name = args.get(2).cloned().unwrap_or_default();
    let a = generate(&cfg).unwrap_or_else(|e| fail(e));
    let chosen: Vec<&Person> = if name == "--changes" {
        let k: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
        let mut n = vec![0usize; a.people.len() + 1];
        for e in &a.events {
            if e.kind.type_name() == "looked_after_changed" {
                n[e.child.0 as usize] += 1;
            }
        }
        a.people
            .iter()
            .filter(|p| n[p.id.0 as usize] >= k)
            .take(1)
            .collect()
    } else {
        let dob = args
            .get(3)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
        a.people
            .iter()
            .filter(|p| {
                p.display_name() == name
                    && (p.date_of_birth == dob || p.expected_date_of_birth == dob)
            })
            .collect()
    };
    for p in chosen {
        println!(
            "== {} {} {:?} {:?}",
            p.id.0,
            p.display_name(),
            p.date_of_birth,
            p.names
        );
        for e in a.events.iter().filter(|e| e.child == p.id) {
            println!(
                "{} {} seq {} by {} {:?} {}",
                e.effective,
                e.recorded_at,
                e.seq.0,
                e.recorded_by.0,
                e.supersedes.as_ref().map(|s| s.event.0),
                e.kind.summary()
            );
        }
    }
}

/// Stops with the reason, for a broken build whose reference data cannot be read.
fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(1)
}
