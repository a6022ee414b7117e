//! The details the statutory returns need beyond the journey itself, added to each child's
//! simulated journey before the workers are chosen:
//!
//! * **Adoption** (SSDA903 AD1 and PlacedAdoption): a period of care that reaches a placement
//!   order (legal status E1), a placement for adoption (A3 to A6) or an adoption (E11, E12)
//!   has the agency decision maker's decision that the child should be placed for adoption,
//!   a few months before the order; a child placed for adoption was matched with the adopters
//!   a few weeks before the placement (former foster carers where the placement is with them,
//!   A3 and A5). A child with a placement order who is still waiting for a family long after
//!   it may have the decision reversed because no adopters could be found (RD3).
//! * **Previous child protection plans** (CIN census NumberOfPreviousCPP): each plan records
//!   how many the child had before, counted from the record, with now and then one in another
//!   authority before the family moved here.
//! * **Previous permanence** (SSDA903 PrevPerm): each period of care records the order the
//!   child had before, from the record (an adoption, a special guardianship or a child
//!   arrangements order ending an earlier period of care), with now and then one made
//!   elsewhere, otherwise none (Z1).
//!
//! * **Health and offending** (SSDA903 OC2): health assessments on the statutory cycle, and in
//!   each year of care dental checks, development assessments (under 5), immunisations, the
//!   Strengths and Difficulties Questionnaire (4 to 16), and now and then substance misuse or
//!   a conviction for older children.
//!
//! Every decision and match falls on a working day, never before the period of care it
//! belongs to (or, for a period shown from the start of the record's window, its first day)
//! and never after `today`.

use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::events::{EventKind, PreviousPermanence};

use crate::days::{Cal, Day, date};
use crate::dist::Draw;
use crate::journeys::{Raw, Rec};

/// A new event to put into the journey, and the day it belongs to.
struct Added {
    day: Day,
    kind: EventKind,
}

/// Adds the details to one child's events (in effective order, before they are checked
/// against the domain's rules and given recording times); every new event is before `today`.
pub(crate) fn add(
    ev: &mut Vec<Raw>,
    rng: &mut ChaCha8Rng,
    cal: &Cal,
    today: Day,
    dob: Day,
) -> Result<(), DomainError> {
    previous_plans_and_permanence(ev, rng)?;
    let mut added = adoption(ev, rng, cal, today)?;
    added.extend(health(ev, rng, cal, today, dob)?);
    insert(ev, added, today);
    Ok(())
}

/// The health and offending data of each period of care (SSDA903 OC2): the initial health
/// assessment within about 20 working days, then one every six months under 5 and every year
/// from 5, most of them on time; in each year of care a dental check, a development assessment
/// (under 5), immunisations found up to date, and a Strengths and Difficulties Questionnaire
/// (4 to 16: a score, or the reason there is none), for most children; and now and then for
/// older children, a substance misuse problem identified or a conviction, final warning or
/// reprimand.
fn health(
    ev: &[Raw],
    rng: &mut ChaCha8Rng,
    cal: &Cal,
    today: Day,
    dob: Day,
) -> Result<Vec<Added>, DomainError> {
    use stepwise_domain::events::HealthCheck as H;
    let mut periods = Vec::new();
    let mut start: Option<Day> = None;
    for r in ev {
        match &r.ev.kind {
            EventKind::LookedAfterStarted { .. } if r.ev.supersedes.is_none() => {
                start = Some(r.day)
            }
            EventKind::LookedAfterEnded { .. } if r.ev.supersedes.is_none() => {
                if let Some(s) = start.take() {
                    periods.push((s, r.day));
                }
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        periods.push((s, today));
    }
    let mut out = Vec::new();
    for (start, end) in periods {
        let within = |d: Day| d > start.max(dob) && d < end && d < today;
        let push = |out: &mut Vec<Added>, d: Day, kind: EventKind| {
            let d = cal.on_or_after(d);
            if within(d) {
                out.push(Added { day: d, kind });
            }
        };
        let age = |d: Day| crate::days::age(dob, d);
        // Health assessments: the first within about 20 working days, then on the cycle.
        let mut due = cal.add(start, rng.int(8, 30));
        while due < end.min(today) {
            if rng.chance(0.9) {
                push(
                    &mut out,
                    due,
                    EventKind::HealthChecked {
                        check: H::HealthAssessment,
                    },
                );
            }
            let gap = if age(due) < 5 { 182 } else { 365 };
            due += gap + rng.int(-25, 35);
        }
        // Each year of the period.
        let mut year = start;
        while year < end.min(today) {
            let at = |rng: &mut ChaCha8Rng| year + rng.int(30, 340);
            let a = age(year);
            if a >= 1 && rng.chance(0.8) {
                let d = at(rng);
                push(
                    &mut out,
                    d,
                    EventKind::HealthChecked {
                        check: H::DentalCheck,
                    },
                );
            }
            if a < 5 && rng.chance(0.88) {
                let d = at(rng);
                push(
                    &mut out,
                    d,
                    EventKind::HealthChecked {
                        check: H::DevelopmentCheck,
                    },
                );
            }
            if rng.chance(0.84) {
                let d = at(rng);
                push(
                    &mut out,
                    d,
                    EventKind::HealthChecked {
                        check: H::ImmunisationsUpToDate,
                    },
                );
            }
            let d = at(rng);
            if (4..=16).contains(&age(d)) {
                let kind = if rng.chance(0.78) {
                    let score = (14.0 + 7.0 * rng.normal()).round().clamp(0.0, 40.0) as u8;
                    EventKind::SdqAssessed {
                        score: Some(score),
                        reason: None,
                    }
                } else {
                    let reason = rng.pick(&[
                        ("SDQ2", 35.0),
                        ("SDQ3", 15.0),
                        ("SDQ4", 35.0),
                        ("SDQ5", 15.0),
                    ]);
                    EventKind::SdqAssessed {
                        score: None,
                        reason: Some(reason.parse()?),
                    }
                };
                push(&mut out, d, kind);
            }
            if a >= 11 && rng.chance(0.03) {
                let offered = rng.chance(0.85);
                let d = at(rng);
                push(
                    &mut out,
                    d,
                    EventKind::SubstanceMisuse {
                        intervention_offered: offered,
                        intervention_received: offered && rng.chance(0.65),
                    },
                );
            }
            if a >= 10 && rng.chance(0.025) {
                let d = at(rng);
                push(&mut out, d, EventKind::Convicted);
            }
            year += 365;
        }
    }
    Ok(out)
}

fn previous_plans_and_permanence(ev: &mut [Raw], rng: &mut ChaCha8Rng) -> Result<(), DomainError> {
    let mut plans = 0u32;
    let mut elsewhere = 0u32;
    let mut before: Option<(&'static str, Day)> = None;
    let mut period_end: Option<(String, Day)> = None;
    for r in ev.iter_mut() {
        if r.ev.supersedes.is_some() {
            continue;
        }
        match &mut r.ev.kind {
            EventKind::CpPlanStarted { previous_plans, .. } => {
                if plans == 0 && elsewhere == 0 && rng.chance(0.03) {
                    elsewhere = 1;
                }
                *previous_plans = Some(plans + elsewhere);
                plans += 1;
            }
            EventKind::LookedAfterEnded { reason } => {
                period_end = Some((reason.as_str().to_string(), r.day));
            }
            EventKind::LookedAfterStarted {
                previous_permanence,
                ..
            } => {
                if let Some((rec, on)) = period_end.take() {
                    let option = match rec.as_str() {
                        "E11" | "E12" => Some("P1"),
                        "E45" | "E46" | "E47" | "E48" => Some("P2"),
                        "E41" | "E43" | "E44" => Some("P3"),
                        _ => None,
                    };
                    if let Some(o) = option {
                        before = Some((o, on));
                    }
                }
                let pp = match before {
                    Some((o, on)) => PreviousPermanence {
                        option: o.parse()?,
                        authority: Some("990".to_string()),
                        date: Some(date(on)),
                    },
                    None if rng.chance(0.02) => PreviousPermanence {
                        option: rng
                            .pick(&[("P2", 60.0), ("P3", 30.0), ("P1", 10.0)])
                            .parse()?,
                        authority: Some("999".to_string()),
                        date: None,
                    },
                    None if rng.chance(0.01) => PreviousPermanence {
                        option: "P4".parse()?,
                        authority: None,
                        date: None,
                    },
                    None => PreviousPermanence {
                        option: "Z1".parse()?,
                        authority: None,
                        date: None,
                    },
                };
                *previous_permanence = Some(pp);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The decisions, matches and reversals for each period of care that moves towards adoption.
fn adoption(
    ev: &[Raw],
    rng: &mut ChaCha8Rng,
    cal: &Cal,
    today: Day,
) -> Result<Vec<Added>, DomainError> {
    let mut out = Vec::new();
    // (start, day of the placement order, day of the placement for adoption and whether with
    // the foster carers, end and whether by adoption)
    let mut start: Option<Day> = None;
    let mut order: Option<Day> = None;
    let mut placed: Option<(Day, bool)> = None;
    let finish = |out: &mut Vec<Added>,
                  rng: &mut ChaCha8Rng,
                  start: Day,
                  order: Option<Day>,
                  placed: Option<(Day, bool)>,
                  end: Option<(Day, bool)>|
     -> Result<(), DomainError> {
        // An adoption with no order or placement on the record (they came before the record's
        // window, or the adopters were the carers already): the decision and the match came
        // in the months before it.
        let (order, placed) = match (order.or(placed.map(|p| p.0)), end) {
            (None, Some((e, true))) => {
                let decided = (e - rng.int(250, 450)).max(start);
                (
                    Some(decided),
                    Some(((e - rng.int(60, 150)).max(decided), true)),
                )
            }
            _ => (order, placed),
        };
        let end = end.map(|e| e.0);
        let first = order.or(placed.map(|p| p.0));
        let Some(first) = first else {
            return Ok(());
        };
        // The decision comes a few months before the order (or the placement), but not
        // before the period of care as the record shows it.
        let decided = cal
            .on_or_after((first - rng.int(40, 150)).max(start))
            .min(first);
        let decided = if decided < start { start } else { decided };
        if decided >= today {
            return Ok(());
        }
        out.push(Added {
            day: decided,
            kind: EventKind::AdoptionDecided,
        });
        match placed {
            Some((p, with_carers)) => {
                let matched = cal.on_or_after((p - rng.int(10, 60)).max(decided)).min(p);
                let matched = matched.max(decided);
                out.push(Added {
                    day: matched,
                    kind: matched_with(rng, with_carers)?,
                });
            }
            None => {
                // Still waiting: after a long wait with no family found, some decisions are
                // reversed.
                let waited = end.unwrap_or(today) - first;
                if end.is_none() && waited > 540 && rng.chance(0.4) {
                    let reversed = cal.on_or_after(first + rng.int(420, 540));
                    if reversed <= today {
                        out.push(Added {
                            day: reversed,
                            kind: EventKind::AdoptionDecisionReversed {
                                reason: "RD3".parse()?,
                            },
                        });
                    }
                }
            }
        }
        Ok(())
    };
    for r in ev {
        if r.ev.supersedes.is_some() {
            continue;
        }
        let placement = match &r.ev.kind {
            EventKind::LookedAfterStarted { placement, .. } => {
                start = Some(r.day);
                order = None;
                placed = None;
                Some(placement)
            }
            EventKind::LookedAfterChanged { placement, .. } => Some(placement),
            EventKind::LookedAfterEnded { reason } => {
                let adopted = matches!(reason.as_str(), "E11" | "E12");
                if let Some(s) = start.take() {
                    finish(&mut out, rng, s, order, placed, Some((r.day, adopted)))?;
                }
                None
            }
            _ => None,
        };
        if let Some(p) = placement {
            if p.legal_status == "E1" && order.is_none() {
                order = Some(r.day);
            }
            let code = p.placement.as_str();
            if matches!(code, "A3" | "A4" | "A5" | "A6") && placed.is_none() {
                placed = Some((r.day, matches!(code, "A3" | "A5")));
            }
        }
    }
    if let Some(s) = start {
        finish(&mut out, rng, s, order, placed, None)?;
    }
    Ok(out)
}

/// The adopters: mostly a couple, mostly married, now and then the child's foster carers.
fn matched_with(rng: &mut ChaCha8Rng, with_carers: bool) -> Result<EventKind, DomainError> {
    let (adopters, sex, legal_status) = if rng.chance(0.15) {
        (1, if rng.chance(0.9) { "F1" } else { "M1" }, "L0")
    } else {
        let sex = rng.pick(&[("MF", 80.0), ("FF", 12.0), ("MM", 8.0)]);
        let ls = if sex == "MF" {
            rng.pick(&[("L11", 78.0), ("L3", 17.0), ("L2", 5.0)])
        } else {
            rng.pick(&[("L12", 50.0), ("L2", 25.0), ("L4", 25.0)])
        };
        (2, sex, ls)
    };
    Ok(EventKind::AdoptersMatched {
        adopters,
        sex: sex.parse()?,
        legal_status: legal_status.parse()?,
        foster_carers: with_carers,
    })
}

/// Puts the new events into the journey in effective order, after the events already there
/// on the same day (a decision never comes before the start of the care it belongs to) but
/// before care ends that day.
fn insert(ev: &mut Vec<Raw>, mut added: Vec<Added>, today: Day) {
    added.retain(|a| a.day < today);
    if added.is_empty() {
        return;
    }
    added.sort_by_key(|a| a.day);
    let old = std::mem::take(ev);
    ev.reserve(old.len() + added.len());
    let mut pending = added.into_iter().peekable();
    let put = |ev: &mut Vec<Raw>, a: Added| {
        let (draw, case, ord) = ev.last().map_or((0, 0, 0), |r| (r.draw, r.case, r.ord));
        ev.push(Raw::new(
            a.day,
            None,
            a.kind,
            Rec::Allocated,
            draw,
            case,
            ord,
            0,
        ));
    };
    for r in old {
        // Same day: after the care starts, before it ends.
        let ends = matches!(r.ev.kind, EventKind::LookedAfterEnded { .. });
        while let Some(a) = pending.next_if(|a| a.day < r.day || (ends && a.day == r.day)) {
            put(ev, a);
        }
        ev.push(r);
    }
    for a in pending {
        put(ev, a);
    }
}
