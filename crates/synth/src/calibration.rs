//! Calibration: the rates a generated authority actually has, computed purely by replaying its
//! events with the domain's projection, set beside the England figures they are meant to match
//! (each with its published source in docs/england-figures.md). Nothing here looks inside the
//! generator.

use chrono::{Datelike, Months, NaiveDate};
use stepwise_domain::DomainError;
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::events::{ContactOutcome, EventKind, JourneyEvent};
use stepwise_domain::org::{Employment, TeamKind, WorkerRole};
use stepwise_domain::people::{PersonKind, age_on};
use stepwise_domain::projection::{ChildState, Involvement, effective_events};

use crate::SyntheticAuthority;

/// One rate: its target, what the authority has, and whether that is within tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub name: String,
    pub target: String,
    pub actual: String,
    pub within: bool,
}

fn relative(name: &str, target: f64, actual: f64, tol: f64, unit: &str) -> Measure {
    Measure {
        name: name.to_string(),
        target: format!("{target}{unit}"),
        actual: format!("{actual:.1}{unit}"),
        within: (actual - target).abs() <= tol * target.abs(),
    }
}

fn absolute(name: &str, target: f64, actual: f64, tol: f64, unit: &str) -> Measure {
    Measure {
        name: name.to_string(),
        target: format!("{target}{unit}"),
        actual: format!("{actual:.1}{unit}"),
        within: (actual - target).abs() <= tol,
    }
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

#[derive(Default)]
struct Tally {
    children: usize,
    cin: usize,
    cp: usize,
    lac: usize,
    eh_open: usize,
    referrals: usize,
    re_referrals: usize,
    nfa: usize,
    assessments: usize,
    assessments_45: usize,
    assessment_days: Vec<i64>,
    icpcs: usize,
    icpc_15: usize,
    icpc_15_s47: usize,
    cp_starts: usize,
    cp_repeat: usize,
    cp_ends: usize,
    cp_ends_2y: usize,
    placement: [usize; 4],
    legal: [usize; 5],
    change_reasons: Vec<(String, usize)>,
    changes: usize,
    lac_3plus: usize,
    leavers: usize,
    leavers_touch: usize,
    leavers_eet: usize,
    leavers_suitable: usize,
    contacts: usize,
    decided: usize,
    decided_1wd: usize,
    outcomes: [usize; 3],
    step_up: usize,
    step_down: usize,
    sw_cases: usize,
    kw_cases: usize,
}

/// Computes the actual rates from the generated data and sets them beside the targets.
#[allow(clippy::vec_init_then_push)]
pub fn measure(a: &SyntheticAuthority, today: NaiveDate) -> Result<Vec<Measure>, DomainError> {
    let cal = WorkingDayCalendar::england()?;
    let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    let in_year = |d: NaiveDate| d > year_ago && d <= today;
    let mut t = Tally::default();
    let n = a.people.len();
    let mut logs: Vec<Vec<JourneyEvent>> = vec![Vec::new(); n + 1];
    for e in &a.events {
        if let Some(v) = logs.get_mut(e.child.0 as usize) {
            v.push(e.clone());
        }
    }
    for p in &a.people {
        if p.kind != PersonKind::Unborn
            && p.date_of_birth
                .is_some_and(|d| (0..=17).contains(&age_on(d, today)))
        {
            t.children += 1;
        }
    }
    for p in &a.people {
        let Some(log) = logs.get(p.id.0 as usize) else {
            continue;
        };
        if log.is_empty() {
            continue;
        }
        let mut s = ChildState::new(p.id);
        let mut lac_at_year_start: Option<bool> = None;
        let mut placements_in_year = 0usize;
        let mut leaver_since: Option<NaiveDate> = None;
        let mut leaver_contacts: Vec<(NaiveDate, &JourneyEvent)> = Vec::new();
        for e in effective_events(log) {
            let d = e.effective;
            if in_year(d) && lac_at_year_start.is_none() {
                lac_at_year_start = Some(s.looked_after.is_some());
            }
            if in_year(d) {
                match &e.kind {
                    EventKind::ContactReceived { .. } => t.contacts += 1,
                    EventKind::ContactDecided { outcome, .. } => {
                        t.decided += 1;
                        if let Some(c) = &s.pending_contact
                            && cal.working_days_between(c.received, d) <= 1
                        {
                            t.decided_1wd += 1;
                        }
                        let i = match outcome {
                            ContactOutcome::NoFurtherAction
                            | ContactOutcome::InformationAndAdvice
                            | ContactOutcome::SignpostUniversal
                            | ContactOutcome::PassToAllocatedWorker => 0,
                            ContactOutcome::EarlyHelp => 1,
                            ContactOutcome::SocialCareReferral
                            | ContactOutcome::StrategyDiscussion => 2,
                        };
                        t.outcomes[i] += 1;
                    }
                    EventKind::ReferralOpened {
                        no_further_action, ..
                    } => {
                        t.referrals += 1;
                        if *no_further_action {
                            t.nfa += 1;
                        }
                        if s.last_referral.is_some_and(|l| d <= l + Months::new(12)) {
                            t.re_referrals += 1;
                        }
                    }
                    EventKind::AssessmentAuthorised { .. } => {
                        if let Some(r) = &s.referral
                            && r.assessment_started.is_some()
                        {
                            let wd = cal.working_days_between(r.opened, d);
                            t.assessments += 1;
                            if wd <= 45 {
                                t.assessments_45 += 1;
                            }
                            t.assessment_days.push(wd);
                        }
                    }
                    EventKind::InitialConference { .. } => {
                        if let Some(r) = &s.referral {
                            t.icpcs += 1;
                            if r.strategy_discussion
                                .is_some_and(|sd| cal.working_days_between(sd, d) <= 15)
                            {
                                t.icpc_15 += 1;
                            }
                            if r.section47_started
                                .is_some_and(|sd| cal.working_days_between(sd, d) <= 15)
                            {
                                t.icpc_15_s47 += 1;
                            }
                        }
                    }
                    EventKind::CpPlanStarted { .. } => {
                        t.cp_starts += 1;
                        if s.previous_cp_plans > 0 {
                            t.cp_repeat += 1;
                        }
                    }
                    EventKind::CpPlanEnded => {
                        if let Some(c) = &s.cp_plan {
                            t.cp_ends += 1;
                            if d >= c.started + Months::new(24) {
                                t.cp_ends_2y += 1;
                            }
                        }
                    }
                    EventKind::LookedAfterStarted { .. } => placements_in_year += 1,
                    EventKind::LookedAfterChanged {
                        reason_new_episode,
                        reason_place_change,
                        ..
                    } => {
                        if matches!(reason_new_episode.as_str(), "P" | "B" | "T" | "U") {
                            placements_in_year += 1;
                        }
                        if let Some(r) = reason_place_change {
                            t.changes += 1;
                            match t.change_reasons.iter_mut().find(|(c, _)| c == r.as_str()) {
                                Some((_, n)) => *n += 1,
                                None => t.change_reasons.push((r.to_string(), 1)),
                            }
                        }
                    }
                    EventKind::SteppedUp { .. } => t.step_up += 1,
                    EventKind::SteppedDown { .. } => t.step_down += 1,
                    _ => {}
                }
            }
            match &e.kind {
                EventKind::CareLeaverStarted => leaver_since = leaver_since.or(Some(d)),
                EventKind::CareLeaverContact { .. } => leaver_contacts.push((d, e)),
                _ => {}
            }
            s.apply(e);
        }
        let at_start = lac_at_year_start.unwrap_or(s.looked_after.is_some());
        // The state on `today`.
        let ls = s.legal_status().unwrap_or("");
        let lac = s.looked_after.is_some() && !matches!(ls, "V3" | "V4");
        if s.referral.is_some() || s.cp_plan.is_some() || lac {
            t.cin += 1;
        }
        if s.cp_plan.is_some() {
            t.cp += 1;
        }
        if s.early_help.is_some() {
            t.eh_open += 1;
        }
        if lac {
            t.lac += 1;
            if let Some(l) = &s.looked_after {
                let code = l.placement.placement.as_str();
                let i = match code {
                    "U1" | "U2" | "U3" | "U4" | "U5" | "U6" => 0,
                    "K2" => 1,
                    "P1" => 2,
                    _ => 3,
                };
                t.placement[i] += 1;
                let j = match ls {
                    "C2" => 0,
                    "V2" => 1,
                    "C1" => 2,
                    "E1" => 3,
                    _ => 4,
                };
                t.legal[j] += 1;
            }
            if placements_in_year + usize::from(at_start) >= 3 {
                t.lac_3plus += 1;
            }
        }
        if s.involvements()
            .iter()
            .any(|i| *i != Involvement::FrontDoor)
            && let Some(al) = &s.allocated
        {
            match al.role {
                stepwise_domain::events::AllocationRole::SocialWorker => t.sw_cases += 1,
                stepwise_domain::events::AllocationRole::Keyworker => t.kw_cases += 1,
                stepwise_domain::events::AllocationRole::PersonalAdviser
                | stepwise_domain::events::AllocationRole::ReviewingOfficer => {}
            }
        }
        // Care leavers: the contact nearest each 17th to 21st birthday in the year.
        if let (Some(since), Some(dob)) = (leaver_since, p.date_of_birth) {
            for y in 17..=21 {
                let Some(bd) =
                    NaiveDate::from_ymd_opt(dob.year() + y, dob.month(), dob.day().min(28))
                else {
                    continue;
                };
                if !in_year(bd) || since > bd {
                    continue;
                }
                t.leavers += 1;
                let near = leaver_contacts
                    .iter()
                    .filter(|(d, _)| (*d - bd).num_days().abs() <= 31)
                    .min_by_key(|(d, _)| (*d - bd).num_days().abs());
                if let Some((_, e)) = near
                    && let EventKind::CareLeaverContact {
                        in_touch,
                        activity,
                        accommodation,
                    } = &e.kind
                {
                    if in_touch == "YES" {
                        t.leavers_touch += 1;
                    }
                    if matches!(
                        activity.as_str(),
                        "F1" | "P1" | "F2" | "P2" | "F4" | "P4" | "F5" | "P5"
                    ) {
                        t.leavers_eet += 1;
                    }
                    if accommodation.as_str().ends_with('1') {
                        t.leavers_suitable += 1;
                    }
                }
            }
        }
    }
    // Workforce.
    let team_kind =
        |id: stepwise_domain::ids::TeamId| a.teams.iter().find(|x| x.id == id).map(|x| x.kind);
    let mut sw_fte = 0.0;
    let mut sw_all = 0.0;
    let mut sw_agency = 0.0;
    let mut kw_fte = 0.0;
    for w in &a.workers {
        let social = matches!(
            w.role,
            WorkerRole::SocialWorker | WorkerRole::SeniorPractitioner
        );
        if social {
            sw_all += w.fte;
            if w.employment == Employment::Agency {
                sw_agency += w.fte;
            }
            if matches!(
                team_kind(w.team),
                Some(
                    TeamKind::Assessment
                        | TeamKind::ChildInNeedProtection
                        | TeamKind::ChildrenInCare
                )
            ) {
                sw_fte += w.fte;
            }
        }
        if w.role == WorkerRole::EarlyHelpKeyworker {
            kw_fte += w.fte;
        }
    }
    let per10k = |n: usize| {
        if t.children == 0 {
            0.0
        } else {
            n as f64 * 10_000.0 / t.children as f64
        }
    };
    let mut days = t.assessment_days.clone();
    days.sort_unstable();
    let median = days.get(days.len() / 2).copied().unwrap_or(0) as f64;
    let reason = |code: &str| {
        pct(
            t.change_reasons
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, n)| *n)
                .unwrap_or(0),
            t.changes,
        )
    };
    let mut v = Vec::new();
    v.push(relative(
        "Children in need per 10,000 (open referral, CP or looked after)",
        330.0,
        per10k(t.cin),
        0.15,
        "",
    ));
    v.push(relative(
        "Child protection plans per 10,000",
        40.0,
        per10k(t.cp),
        0.15,
        "",
    ));
    v.push(relative(
        "Looked after per 10,000 (excluding V3/V4)",
        70.0,
        per10k(t.lac),
        0.15,
        "",
    ));
    v.push(relative(
        "Referrals in the year per 10,000",
        530.0,
        per10k(t.referrals),
        0.15,
        "",
    ));
    v.push(relative(
        "Re-referrals within 12 months",
        22.4,
        pct(t.re_referrals, t.referrals),
        0.15,
        "%",
    ));
    v.push(absolute(
        "Referrals with no further action",
        6.5,
        pct(t.nfa, t.referrals),
        2.0,
        "%",
    ));
    v.push(absolute(
        "Assessments authorised within 45 working days of referral",
        86.0,
        pct(t.assessments_45, t.assessments),
        5.0,
        "%",
    ));
    v.push(absolute(
        "Median working days, referral to assessment authorised",
        33.0,
        median,
        5.0,
        "",
    ));
    v.push(absolute(
        "ICPCs within 15 working days of the strategy discussion",
        80.0,
        pct(t.icpc_15, t.icpcs),
        8.0,
        "%",
    ));
    v.push(absolute(
        "ICPCs within 15 working days of the section 47 start",
        80.0,
        pct(t.icpc_15_s47, t.icpcs),
        10.0,
        "%",
    ));
    v.push(absolute(
        "CP plans starting in the year that are repeat plans",
        23.0,
        pct(t.cp_repeat, t.cp_starts),
        6.0,
        "%",
    ));
    v.push(absolute(
        "CP plans ending in the year that lasted 2 years or more",
        4.4,
        pct(t.cp_ends_2y, t.cp_ends),
        3.0,
        "%",
    ));
    v.push(absolute(
        "Looked after in foster care (U1-U6)",
        70.0,
        pct(t.placement[0], t.lac),
        8.0,
        "%",
    ));
    v.push(absolute(
        "Looked after in children's homes (K2)",
        16.0,
        pct(t.placement[1], t.lac),
        6.0,
        "%",
    ));
    v.push(absolute(
        "Looked after placed with parents (P1)",
        6.0,
        pct(t.placement[2], t.lac),
        4.0,
        "%",
    ));
    v.push(absolute(
        "Looked after in supported accommodation and other",
        8.0,
        pct(t.placement[3], t.lac),
        5.0,
        "%",
    ));
    v.push(absolute(
        "Legal status C2 (full care order)",
        60.0,
        pct(t.legal[0], t.lac),
        10.0,
        "%",
    ));
    v.push(absolute(
        "Legal status V2 (section 20)",
        15.0,
        pct(t.legal[1], t.lac),
        7.0,
        "%",
    ));
    v.push(absolute(
        "Legal status C1 (interim care order)",
        12.0,
        pct(t.legal[2], t.lac),
        6.0,
        "%",
    ));
    v.push(absolute(
        "Legal status E1 (placement order)",
        8.0,
        pct(t.legal[3], t.lac),
        5.0,
        "%",
    ));
    v.push(absolute(
        "Placement changes for CARPL",
        31.0,
        reason("CARPL"),
        8.0,
        "%",
    ));
    v.push(absolute(
        "Placement changes for PLACE",
        24.0,
        reason("PLACE"),
        8.0,
        "%",
    ));
    v.push(absolute(
        "Placement changes for OTHER",
        22.0,
        reason("OTHER"),
        8.0,
        "%",
    ));
    v.push(absolute(
        "Placement changes for CREQB",
        8.0,
        reason("CREQB"),
        4.0,
        "%",
    ));
    v.push(absolute(
        "Placement changes for CREQO",
        6.0,
        reason("CREQO"),
        4.0,
        "%",
    ));
    v.push(absolute(
        "Placement changes for CHILD",
        3.0,
        reason("CHILD"),
        3.0,
        "%",
    ));
    v.push(absolute(
        "Looked after with 3 or more placements in the year",
        10.0,
        pct(t.lac_3plus, t.lac),
        4.0,
        "%",
    ));
    v.push(absolute(
        "Care leavers 17-21 in touch around their birthday",
        90.0,
        pct(t.leavers_touch, t.leavers),
        6.0,
        "%",
    ));
    v.push(absolute(
        "Care leavers 17-21 in education, employment or training",
        55.0,
        pct(t.leavers_eet, t.leavers),
        10.0,
        "%",
    ));
    v.push(absolute(
        "Care leavers 17-21 in suitable accommodation",
        85.0,
        pct(t.leavers_suitable, t.leavers),
        8.0,
        "%",
    ));
    let ratio = if t.referrals == 0 {
        0.0
    } else {
        t.contacts as f64 / t.referrals as f64
    };
    v.push(absolute("Contacts per referral", 3.0, ratio, 0.6, ""));
    v.push(absolute(
        "Contacts decided within 1 working day",
        87.0,
        pct(t.decided_1wd, t.decided),
        5.0,
        "%",
    ));
    v.push(absolute(
        "Contact outcome: no further action or advice",
        40.0,
        pct(t.outcomes[0], t.decided),
        8.0,
        "%",
    ));
    v.push(absolute(
        "Contact outcome: early help",
        25.0,
        pct(t.outcomes[1], t.decided),
        7.0,
        "%",
    ));
    v.push(absolute(
        "Contact outcome: social care referral",
        35.0,
        pct(t.outcomes[2], t.decided),
        8.0,
        "%",
    ));
    v.push(absolute(
        "Children open to early help on the day",
        2.0,
        pct(t.eh_open, t.children),
        0.5,
        "%",
    ));
    v.push(Measure {
        name: "Step-ups and step-downs in the year".to_string(),
        target: "both flows present".to_string(),
        actual: format!("{} up, {} down", t.step_up, t.step_down),
        within: t.step_up > 0 && t.step_down > 0,
    });
    let sw = if sw_fte > 0.0 {
        t.sw_cases as f64 / sw_fte
    } else {
        0.0
    };
    let kw = if kw_fte > 0.0 {
        t.kw_cases as f64 / kw_fte
    } else {
        0.0
    };
    v.push(absolute(
        "Children per case-holding social worker FTE",
        18.0,
        sw,
        2.0,
        "",
    ));
    v.push(absolute(
        "Children per early help keyworker FTE",
        17.5,
        kw,
        2.5,
        "",
    ));
    v.push(absolute(
        "Agency social workers (share of FTE)",
        16.0,
        if sw_all > 0.0 {
            100.0 * sw_agency / sw_all
        } else {
            0.0
        },
        4.0,
        "%",
    ));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use stepwise_domain::events::JourneyEvent;
    use stepwise_domain::ids::{EventSeq, PersonId, WorkerId};
    use stepwise_domain::org::Authority;
    use stepwise_domain::people::Person;

    #[test]
    fn rates_come_from_replaying_the_events() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let child = Person {
            id: PersonId(1),
            kind: PersonKind::Child,
            names: Vec::new(),
            date_of_birth: NaiveDate::from_ymd_opt(2020, 1, 1),
            expected_date_of_birth: None,
            date_of_death: None,
            sex: "F".parse().unwrap(),
            ethnicity: "WBRI".parse().unwrap(),
            disabilities: Vec::new(),
            nhs_number: None,
            upn: None,
            former_upn: None,
            upn_unknown: Some("UN1".parse().unwrap()),
            language: None,
            uasc: false,
            uasc_ceased: None,
        };
        let ev = |seq: i64, d: NaiveDate, kind: EventKind| JourneyEvent {
            seq: EventSeq(seq),
            child: PersonId(1),
            effective: d,
            effective_time: None,
            recorded_at: Utc
                .from_utc_datetime(&d.and_hms_opt(12, 0, seq as u32).unwrap_or_default()),
            recorded_by: WorkerId(1),
            supersedes: None,
            kind,
        };
        let d = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let a = SyntheticAuthority {
            authority: Authority {
                name: "Test".into(),
                la_code: "990".into(),
                area_word: "hub".into(),
            },
            localities: Vec::new(),
            teams: Vec::new(),
            workers: Vec::new(),
            people: vec![child],
            households: Vec::new(),
            relationships: Vec::new(),
            events: vec![
                ev(
                    1,
                    d,
                    EventKind::ReferralOpened {
                        source: "6".parse().unwrap(),
                        primary_need: "N1".parse().unwrap(),
                        no_further_action: false,
                    },
                ),
                ev(
                    2,
                    d,
                    EventKind::CpPlanStarted {
                        category: "NEG".parse().unwrap(),
                        previous_plans: None,
                    },
                ),
            ],
            contacts: Vec::new(),
        };
        let m = measure(&a, today).unwrap();
        let cp = m
            .iter()
            .find(|x| x.name.starts_with("Child protection plans per 10,000"));
        assert_eq!(cp.map(|x| x.actual.as_str()), Some("10000.0"));
        let refs = m
            .iter()
            .find(|x| x.name.starts_with("Referrals in the year"));
        assert_eq!(refs.map(|x| x.actual.as_str()), Some("10000.0"));
    }
}
