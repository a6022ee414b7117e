//! Nothing in the synthetic council that could not happen: checks computed from the generated
//! events, people and relationships alone (see `support/realism.rs`), on one authority of
//! 10,000 children shared by the tests. `cargo run --release -p stepwise-synth --example
//! realism` prints the same counts for the default authority.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/realism.rs"]
mod realism;

use std::sync::OnceLock;

use chrono::NaiveDate;
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_synth::{SynthConfig, SyntheticAuthority, generate};

use realism::Logs;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn authority() -> &'static SyntheticAuthority {
    static A: OnceLock<SyntheticAuthority> = OnceLock::new();
    A.get_or_init(|| {
        let mut c = SynthConfig::new(today());
        c.children = 10_000;
        generate(&c).unwrap()
    })
}

fn logs() -> &'static Logs<'static> {
    static L: OnceLock<Logs<'static>> = OnceLock::new();
    L.get_or_init(|| Logs::new(authority(), today()))
}

fn none(what: &str, f: &realism::Found) {
    assert_eq!(f.count, 0, "{what}: {f}");
}

#[test]
fn nothing_but_care_leaver_support_is_open_past_the_eighteenth_birthday() {
    none("open past 18", &realism::open_past_eighteen(logs()));
}

#[test]
fn no_referral_sits_open_for_months_with_nothing_decided() {
    none("referrals left open", &realism::referrals_left_open(logs()));
}

#[test]
fn meetings_fall_on_working_days_and_visits_almost_never_on_bank_holidays() {
    let cal = WorkingDayCalendar::england().unwrap();
    none(
        "meetings on weekends or bank holidays",
        &realism::meetings_off_working_days(logs(), &cal),
    );
    let (holidays, weekend_pct) = realism::visits_on_holidays(logs(), &cal);
    none("visits on bank holidays", &holidays);
    assert!(
        (0.5..=6.0).contains(&weekend_pct),
        "visits at weekends: {weekend_pct:.1}%"
    );
}

#[test]
fn nothing_is_recorded_after_now_or_effective_after_today() {
    let now = realism::start_of_today(today());
    none(
        "recorded after now",
        &realism::recorded_after_now(authority(), today(), now),
    );
    // And in summer time, when midnight in England is 23:00 the day before in UTC.
    let summer = NaiveDate::from_ymd_opt(2025, 7, 14).unwrap();
    let mut c = SynthConfig::new(summer);
    c.children = 1_500;
    let a = generate(&c).unwrap();
    none(
        "recorded after now (summer)",
        &realism::recorded_after_now(&a, summer, realism::start_of_today(summer)),
    );
}

#[test]
fn nothing_but_pre_birth_work_happens_before_birth() {
    none("before birth", &realism::before_birth(logs()));
}

#[test]
fn an_assessment_outcome_is_followed_and_cases_close_only_when_work_is_concluded() {
    none(
        "looked after outcome not followed by care",
        &realism::looked_after_outcome_not_followed(logs()),
    );
    let (assessments, enquiries) = realism::closed_unfinished(logs());
    none("closed with the assessment unfinished", &assessments);
    none("closed with the section 47 unfinished", &enquiries);
}

#[test]
fn parents_are_at_least_sixteen_at_the_birth_and_fathers_somewhat_older() {
    let p = realism::parent_ages(authority());
    none("parents under 16 at the birth", &p.under_16);
    assert!(
        p.mothers_under_18_pct < 3.0,
        "mothers under 18 at the birth: {:.1}%",
        p.mothers_under_18_pct
    );
    let gap = p.mean_father - p.mean_mother;
    assert!(
        (1.0..=5.0).contains(&gap),
        "fathers {:.1}, mothers {:.1}",
        p.mean_father,
        p.mean_mother
    );
}

#[test]
fn contact_text_agrees_with_its_source_and_the_childs_age() {
    let (source, age, placement) = realism::text_and_age(logs());
    none("text against source", &source);
    none("text against age", &age);
    none("supported accommodation under 16", &placement);
}
