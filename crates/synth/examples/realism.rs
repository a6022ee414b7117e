//! Prints the independent checks (`tests/support/realism.rs`) for a generated authority:
//! `cargo run --release -p stepwise-synth --example realism -- [children] [today]` (defaults:
//! 60000, 2026-11-23; `SEED` picks another seed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/realism.rs"]
mod realism;

use std::time::Instant;

use chrono::NaiveDate;
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_synth::{SynthConfig, generate};

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
    let a = generate(&cfg).unwrap();
    println!(
        "seed {}, {} children, today {}: {} events in {:.2} s",
        cfg.seed,
        cfg.children,
        today,
        a.events.len(),
        t.elapsed().as_secs_f64()
    );
    let l = realism::Logs::new(&a, today);
    let cal = WorkingDayCalendar::england().unwrap();
    println!("1. open past 18: {}", realism::open_past_eighteen(&l));
    println!(
        "2. referrals left open: {}",
        realism::referrals_left_open(&l)
    );
    println!(
        "3a. meetings off working days: {}",
        realism::meetings_off_working_days(&l, &cal)
    );
    let (h, w) = realism::visits_on_holidays(&l, &cal);
    println!("3b. visits on bank holidays: {h}\n    visits at weekends: {w:.1}%");
    println!(
        "4. recorded after now: {}",
        realism::recorded_after_now(&a, today, realism::start_of_today(today))
    );
    println!("6. before birth: {}", realism::before_birth(&l));
    println!(
        "7a. looked after outcome not followed: {}",
        realism::looked_after_outcome_not_followed(&l)
    );
    let (fa, fs) = realism::closed_unfinished(&l);
    println!("7b. closed mid-assessment: {fa}\n7c. closed mid-enquiry: {fs}");
    let p = realism::parent_ages(&a);
    println!(
        "8. parents under 16 at the birth: {} (under 13: {}); mothers under 18: {:.1}%; mean age at birth: mothers {:.1}, fathers {:.1}",
        p.under_16, p.under_13, p.mothers_under_18_pct, p.mean_mother, p.mean_father
    );
    let (s, ag, pl) = realism::text_and_age(&l);
    println!(
        "9a. text against source: {s}\n9b. text against age: {ag}\n9c. supported accommodation under 16: {pl}"
    );
    let (children, contacts, days) = realism::front_door_queue(&l);
    println!(
        "10. front door on {today}: {contacts} contacts about {children} children waiting, received {:?} to {:?}",
        days.first(),
        days.last()
    );
    let years = std::env::var("YEARS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let m = realism::mixes(&l, years);
    println!("11. mixes over the years {:?}", m.years);
    let ages = [
        "unborn",
        "under 1",
        "1 to 4",
        "5 to 9",
        "10 to 15",
        "16 and 17",
    ];
    for (a, x) in ages.iter().zip(m.cp_start_age) {
        println!("    CP plans starting, aged {a}: {x}");
    }
    let lengths = [
        "3 months or less",
        "3 to 6 months",
        "6 to 12 months",
        "1 to 2 years",
        "2 years or more",
    ];
    for (a, x) in lengths.iter().zip(m.cp_length) {
        println!("    CP plans ending, lasting {a}: {x}");
    }
    println!(
        "    CP plans starting that are repeat plans: {}",
        m.cp_repeat
    );
    println!("    looked after at 31 March, UASC: {}", m.lac_uasc);
    println!("    looked after at 31 March, under 1: {}", m.lac_under_1);
    println!("    looked after at 31 March, 1 to 4: {}", m.lac_1_to_4);
    println!(
        "    looked after at 31 March, placed for adoption: {}",
        m.lac_placed_for_adoption
    );
    println!(
        "    ceasing to be looked after, adopted: {}",
        m.ceased_adopted
    );
    for (g, x) in &m.referral_source {
        println!("    referrals from {g}: {x}");
    }
}
