//! A seeded synthetic English local authority for Stepwise: a fictional council with its hubs,
//! teams and workers, a population of families (children, parents and carers, siblings and
//! half-siblings, addresses and moves, test-range NHS numbers and UPNs), and five years of
//! children's journeys through the front door, early help, child in need, child protection,
//! care and leaving care, as `stepwise_domain::events::JourneyEvent`s that pass the domain's
//! rules, with the front door's own record of every contact (`front_door`). The same config
//! always gives the same authority, byte for byte. Rates are calibrated to the England
//! figures; `calibration::measure` shows how close a generated authority is.
//! Everything is invented: no real person, address or identifier appears.

pub mod calibration;
mod days;
mod dist;
mod families;
pub mod front_door;
mod journeys;
mod names;
mod notes;
mod org;
mod places;
mod returns;
mod reviewing;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use stepwise_domain::DomainError;
use stepwise_domain::contact_record::ContactRecord;
use stepwise_domain::events::{AllocationRole, EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::{EventSeq, HouseholdId, PersonId, WorkerId};
use stepwise_domain::org::{Authority, Locality, Team, Worker};
use stepwise_domain::people::{
    Address, Household, HouseholdMember, NameKind, Person, PersonKind, PersonName, Relationship,
    RelationshipKind,
};

use crate::days::{Cal, Day, add_months, date, day};
use crate::dist::{Draw, stream};
use crate::journeys::{Ctx, Params, Rec};
use crate::org::{Staff, TeamPlan, Workload};
use crate::places::Places;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// The seed every random draw comes from.
    pub seed: u64,
    /// Children aged 0 to 17 on `today`.
    pub children: usize,
    /// Years of history before `today`.
    pub years: u32,
    /// The "as at" date: history runs up to it and nothing is after it.
    pub today: NaiveDate,
    /// The names of the localities (hubs).
    pub localities: Vec<String>,
}

impl SynthConfig {
    /// The default authority as at `today`: seed 20241123, 60,000 children, 5 years, four hubs.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            seed: 20_241_123,
            children: 60_000,
            years: 5,
            today,
            localities: ["North Hub", "South Hub", "East Hub", "West Hub"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// The moment the history is as at: the start of `today` in England (midnight in
    /// Europe/London). Everything is recorded before it, so a demonstration loaded at any time
    /// on `today` reads nothing recorded in its future; the last day of history is the day
    /// before `today`.
    pub fn now(&self) -> DateTime<Utc> {
        start_of_day_in_england(self.today)
    }

    /// The same authority with `k` times as many children (for benchmarks).
    pub fn scaled(mut self, k: f64) -> Self {
        self.children = ((self.children as f64) * k).round().max(1.0) as usize;
        self
    }
}

/// A generated authority: organisation, people, families and the journey log.
#[derive(Debug, Clone, Serialize)]
pub struct SyntheticAuthority {
    pub authority: Authority,
    pub localities: Vec<Locality>,
    pub teams: Vec<Team>,
    pub workers: Vec<Worker>,
    /// Children, adults (parents, carers, young adults and care leavers) and unborn children.
    pub people: Vec<Person>,
    pub households: Vec<Household>,
    pub relationships: Vec<Relationship>,
    /// The journey log: `seq` runs 1..=N in the order recorded (`recorded_at` ascending).
    pub events: Vec<JourneyEvent>,
    /// The front door's own record of every contact in the log (ADR 0007), numbered in the
    /// order received: the referrer, channel, rating, partner checks and decision. Those
    /// without a decision are the front door's work waiting on `today`.
    pub contacts: Vec<ContactRecord>,
}

/// Problems met while generating (all zero when the generator is correct).
#[derive(Debug, Clone, Default)]
pub struct GenerationReport {
    /// Events left out because they did not fit the child's state.
    pub dropped: usize,
    /// Of those, events that were meant to be there (a generator defect if non-zero).
    pub dropped_required: usize,
    /// Children open on `today` with no allocated worker.
    pub open_unallocated: usize,
    /// The first few rules that refused an event.
    pub first_errors: Vec<String>,
}

/// Midnight at the start of a day in England, as a moment (23:00 the day before in UTC while
/// British Summer Time is in force).
fn start_of_day_in_england(d: NaiveDate) -> DateTime<Utc> {
    let utc_midnight = journeys::finish::at(day(d), 0);
    let an_hour_before = utc_midnight - chrono::Duration::hours(1);
    if stepwise_domain::localtime::london_date(an_hour_before) == d {
        an_hour_before
    } else {
        utc_midnight
    }
}

/// Generates the authority for a config. Fails only when the reference data compiled into the
/// domain (code lists, bank holidays) cannot be read, naming the file and line.
pub fn generate(config: &SynthConfig) -> Result<SyntheticAuthority, DomainError> {
    Ok(generate_with_report(config)?.0)
}

/// Generates the authority and says what, if anything, had to be left out.
pub fn generate_with_report(
    config: &SynthConfig,
) -> Result<(SyntheticAuthority, GenerationReport), DomainError> {
    // History runs to the end of the day before `today`: nothing is recorded after `now`.
    let today = day(config.today) - 1;
    let years = config.years.max(1) as i32;
    let window_start = add_months(day(config.today), -12 * years);
    let cal = Cal::new(today - 366 * (20 + years + 2), today + 366 * 10)?;
    let (authority, localities, plan) = TeamPlan::new(&config.localities, config.children);
    let places = Places::new(config.seed, localities.len(), config.children);
    let pop = families::populate(config, &places, localities.len());
    let params = Params::default();
    let ctx = Ctx {
        seed: config.seed,
        today,
        now: config.now(),
        window_start,
        floor: journeys::placement_floor()?,
        retirements: journeys::retirements()?,
        cal: &cal,
        teams: &plan,
        places: &places,
        p: &params,
    };
    let (journeys, report) = journeys::simulate(&ctx, &pop)?;
    let authority = assemble(
        config, authority, localities, plan, pop, journeys, &cal, &places,
    )?;
    Ok((
        authority,
        GenerationReport {
            dropped: report.dropped,
            dropped_required: report.dropped_required,
            open_unallocated: report.open_unallocated,
            first_errors: report.first_errors,
        },
    ))
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    config: &SynthConfig,
    authority: Authority,
    localities: Vec<Locality>,
    plan: TeamPlan,
    mut pop: families::Population,
    mut journeys: Vec<journeys::ChildJourney>,
    cal: &Cal,
    places: &Places,
) -> Result<SyntheticAuthority, DomainError> {
    let today = day(config.today);
    let mut rng = stream(config.seed, 0x4153_4d42, 0, 0);
    // Who is kept, and their dense ids.
    let mut has_journey = vec![false; pop.people.len()];
    for j in &journeys {
        has_journey[j.person] = true;
    }
    let mut ids = vec![0i64; pop.people.len()];
    let mut next = 0i64;
    for (i, p) in pop.people.iter().enumerate() {
        if !p.conditional || has_journey[i] {
            next += 1;
            ids[i] = next;
        }
    }
    // Children adopted or living under a special guardianship order leave the birth household;
    // adopted children take their adopters' family name.
    let mut left: Vec<Option<(Day, bool)>> = vec![None; pop.people.len()];
    for j in &journeys {
        left[j.person] = j.left_home;
    }
    for (i, l) in left.iter().enumerate() {
        if let Some((_, true)) = l {
            let h = if rng.chance(0.7) {
                names::Heritage::WhiteBritish
            } else {
                pop.people[i].heritage
            };
            let new_family = names::family(&mut rng, h).to_string();
            let p = &mut pop.people[i];
            if let Some(current) = p.names.first().cloned()
                && current.family != new_family
            {
                p.names[0].family = new_family;
                p.names.push(PersonName {
                    kind: NameKind::Former,
                    ..current
                });
            }
        }
    }
    let people: Vec<Person> = pop
        .people
        .iter()
        .enumerate()
        .filter(|(i, _)| ids[*i] > 0)
        .map(|(i, p)| -> Result<Person, DomainError> {
            Ok(Person {
                id: PersonId(ids[i]),
                kind: p.kind,
                names: p.names.clone(),
                date_of_birth: p.dob.map(date),
                expected_date_of_birth: p.expected.map(date),
                date_of_death: None,
                sex: p.sex.parse()?,
                ethnicity: p.ethnicity.parse()?,
                disabilities: p
                    .disabilities
                    .iter()
                    .map(|s| s.parse())
                    .collect::<Result<_, _>>()?,
                nhs_number: p.nhs.clone(),
                upn: p.upn.clone(),
                former_upn: p.former_upn.clone(),
                upn_unknown: p.upn_unknown.map(str::parse).transpose()?,
                language: p.language.map(str::to_string),
                uasc: p.uasc,
                // Asylum-seeking children stop being so at 18 (SSDA903 DUC).
                uasc_ceased: p
                    .dob
                    .map(|b| days::birthday(b, 18))
                    .filter(|d| p.uasc && *d <= today)
                    .map(date),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut households = Vec::new();
    for h in &pop.households {
        let members: Vec<HouseholdMember> = h
            .members
            .iter()
            .filter(|(p, _, _)| ids[*p] > 0)
            .map(|(p, from, to)| {
                let to = match left[*p] {
                    Some((d, _)) => Some(to.map_or(d, |t| t.min(d))),
                    None => *to,
                };
                HouseholdMember {
                    person: PersonId(ids[*p]),
                    from: date(*from),
                    to: to.map(date),
                }
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let addresses = h
            .addresses
            .iter()
            .map(|(p, s, e)| Address {
                line1: p.line1.clone(),
                town: p.town.clone(),
                postcode: p.postcode.clone(),
                locality: p.locality,
                start: date(*s),
                end: e.map(date),
            })
            .collect();
        households.push(Household {
            id: HouseholdId(households.len() as i64 + 1),
            members,
            addresses,
        });
    }
    let mut relationships: Vec<Relationship> = pop
        .relationships
        .iter()
        .filter(|(a, b, _)| ids[*a] > 0 && ids[*b] > 0)
        .map(|(a, b, k)| Relationship {
            person: PersonId(ids[*a]),
            related: PersonId(ids[*b]),
            kind: *k,
        })
        .collect();

    // Mothers in care (SSDA903 MOTHER and MC_DOB): now and then a girl of 16 or 17 looked
    // after on `today` has a baby of her own, born after her 16th birthday.
    let mut people = people;
    let mut mrng = stream(config.seed, 0x4d4f_5448, 0, 0);
    let mut next_id = people.iter().map(|p| p.id.0).max().unwrap_or(0);
    let mut candidates = 0usize;
    for j in journeys.iter().filter(|j| j.looked_after) {
        let girl = &pop.people[j.person];
        let Some(dob) = girl.dob else { continue };
        if girl.sex != "F" || !(16..=17).contains(&days::age(dob, today)) {
            continue;
        }
        // One girl in sixteen, taken in turn so that every council has its few.
        candidates += 1;
        if candidates % 16 != 8 {
            continue;
        }
        // Born after her 16th birthday, up to about 16 months ago.
        let earliest = days::birthday(dob, 16).max(today - 480);
        if earliest > today - 20 || ids[j.person] == 0 {
            continue;
        }
        let born = mrng.int(earliest, today - 20);
        next_id += 1;
        let sex = if mrng.chance(0.5) { "F" } else { "M" };
        let family = girl
            .names
            .first()
            .map(|n| n.family.clone())
            .unwrap_or_default();
        people.push(Person {
            id: PersonId(next_id),
            kind: PersonKind::Child,
            names: vec![PersonName {
                given: names::given(&mut mrng, girl.heritage, sex).to_string(),
                family,
                kind: NameKind::Current,
            }],
            date_of_birth: Some(date(born)),
            expected_date_of_birth: None,
            date_of_death: None,
            sex: sex.parse()?,
            ethnicity: girl.ethnicity.parse()?,
            disabilities: Vec::new(),
            nhs_number: None,
            upn: None,
            former_upn: None,
            upn_unknown: Some("UN1".parse()?),
            language: None,
            uasc: false,
            uasc_ceased: None,
        });
        relationships.push(Relationship {
            person: PersonId(ids[j.person]),
            related: PersonId(next_id),
            kind: RelationshipKind::Parent,
        });
    }

    // Staff enough workers for the work open on `today`.
    let mut load = Workload {
        allocated: vec![0; plan.teams.len()],
        ..Workload::default()
    };
    for j in &journeys {
        if let Some(t) = j.final_team
            && let Some(n) = load.allocated.get_mut((t.0 - 1).max(0) as usize)
        {
            *n += 1;
        }
        load.looked_after += usize::from(j.looked_after);
        load.reviews_load += usize::from(j.looked_after) + usize::from(j.on_plan);
        load.contacts_per_year += j
            .events
            .iter()
            .filter(|e| {
                e.day > today - 365 && matches!(e.ev.kind, EventKind::ContactReceived { .. })
            })
            .count() as f64;
    }
    let staff = Staff::hire(config.seed, &plan, &load);
    // Reviewing officers for children on a plan or looked after.
    if let Some(reviewing) = plan
        .teams
        .iter()
        .find(|t| t.kind == stepwise_domain::org::TeamKind::QualityAssurance)
    {
        for j in &mut journeys {
            reviewing::appoint(j, reviewing.id);
        }
    }
    // The front door's work waiting on `today`, then what its record reads of every journey.
    front_door::last_evening(
        &front_door::Evening {
            seed: config.seed,
            today: today - 1,
            now: config.now(),
            cal,
            children: config.children,
        },
        &pop,
        &mut journeys,
    )?;
    let marked: Vec<front_door::Marked> = journeys
        .iter()
        .map(|j| front_door::Marked {
            household: j.household,
            marks: front_door::marks(j),
        })
        .collect();
    let open_today: std::collections::HashSet<i64> = journeys
        .iter()
        .filter(|j| j.final_team.is_some())
        .map(|j| ids[j.person])
        .collect();

    // Resolve workers and recorders, then put the log in recording order.
    struct Item {
        at: DateTime<Utc>,
        child: i64,
        local: usize,
        journey: usize,
        correction: Option<usize>,
    }
    let mut items: Vec<Item> = Vec::new();
    let mut finals: Vec<Vec<Option<JourneyEvent>>> = Vec::with_capacity(journeys.len());
    let mut fixes: Vec<Vec<(Option<JourneyEvent>, usize)>> = Vec::with_capacity(journeys.len());
    for (ji, j) in journeys.into_iter().enumerate() {
        let child = PersonId(ids[j.person]);
        let mut current: Option<WorkerId> = None;
        let mut current_team = plan.front_door;
        // The appointed reviewing officer chairs the child's conferences and reviews.
        let mut reviewer: Option<WorkerId> = None;
        let mut chair: Option<WorkerId> = None;
        let mut after_plan_start = false;
        let mut by_event: Vec<WorkerId> = Vec::with_capacity(j.events.len());
        let mut evs: Vec<Option<JourneyEvent>> = Vec::with_capacity(j.events.len());
        let salt = |r: &journeys::Raw| {
            r.draw ^ (j.person as u32).wrapping_mul(2_654_435_761) ^ (r.day as u32)
        };
        for (k, mut r) in j.events.into_iter().enumerate() {
            match &mut r.ev.kind {
                EventKind::WorkerAllocated {
                    worker,
                    role: AllocationRole::ReviewingOfficer,
                    ..
                } => {
                    // The officer who chaired the conference that made the plan, where there
                    // was one, or any of the team.
                    let w = match (chair, after_plan_start) {
                        (Some(w), true) => w,
                        _ => staff.iro(mix(j.person as u64, r.day as u64, r.draw)),
                    };
                    *worker = w;
                    reviewer = Some(w);
                }
                EventKind::WorkerAllocated { worker, team, .. } => {
                    let w = staff.holder(*team, r.draw, current);
                    *worker = w;
                    current = Some(w);
                    current_team = *team;
                }
                _ => {}
            }
            let by = match (r.rec, reviewer) {
                (Rec::Iro, Some(w)) => w,
                _ => recorder(&staff, &plan, r.rec, salt(&r), current, current_team),
            };
            if matches!(r.ev.kind, EventKind::InitialConference { .. }) {
                chair = Some(by);
            }
            after_plan_start = matches!(r.ev.kind, EventKind::CpPlanStarted { .. });
            by_event.push(by);
            r.ev.child = child;
            items.push(Item {
                at: j.recorded[k],
                child: child.0,
                local: k,
                journey: ji,
                correction: None,
            });
            evs.push(Some(journeys::finish::finish(r, j.recorded[k], by)));
        }
        let mut fx = Vec::new();
        for (n, (mut r, at, target)) in j.corrections.into_iter().enumerate() {
            r.ev.child = child;
            let by = by_event.get(target).copied().unwrap_or(WorkerId(1));
            items.push(Item {
                at,
                child: child.0,
                local: evs.len() + n,
                journey: ji,
                correction: Some(n),
            });
            fx.push((Some(journeys::finish::finish(r, at, by)), target));
        }
        finals.push(evs);
        fixes.push(fx);
    }
    items.sort_by_key(|a| (a.at, a.child, a.local));
    let mut seqs: Vec<Vec<i64>> = finals.iter().map(|v| vec![0; v.len()]).collect();
    let mut events = Vec::with_capacity(items.len());
    for it in items {
        let seq = events.len() as i64 + 1;
        let e = match it.correction {
            None => {
                seqs[it.journey][it.local] = seq;
                finals[it.journey][it.local].take()
            }
            Some(n) => {
                let (slot, target) = &mut fixes[it.journey][n];
                let target_seq = seqs[it.journey][*target];
                slot.take().map(|mut e| {
                    if let Some(s) = e.supersedes.as_mut() {
                        s.event = EventSeq(target_seq);
                    } else {
                        e.supersedes = Some(Supersession {
                            event: EventSeq(target_seq),
                            reason: "Corrected".into(),
                        });
                    }
                    e
                })
            }
        };
        if let Some(mut e) = e {
            e.seq = EventSeq(seq);
            events.push(e);
        }
    }
    let contacts = front_door::contacts(
        &front_door::Sources {
            seed: config.seed,
            today: today - 1,
            now: config.now(),
            pop: &pop,
            ids: &ids,
            places,
            authority: &authority.name,
            teams: &plan.teams,
            workers: &staff.workers,
            manager: staff.manager(plan.front_door),
            open: &open_today,
        },
        &marked,
        &seqs,
        &events,
    )?;
    Ok(SyntheticAuthority {
        authority,
        localities,
        teams: plan.teams,
        workers: staff.workers,
        people,
        households,
        relationships,
        events,
        contacts,
    })
}

/// A well-spread number from a child, a day and a draw (splitmix64's finaliser), for choices
/// that must not follow patterns in the draws, such as sharing officers out evenly.
fn mix(a: u64, b: u64, c: u32) -> u32 {
    let mut z = a
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(b.wrapping_mul(0xbf58_476d_1ce4_e5b9))
        .wrapping_add(u64::from(c));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

fn recorder(
    staff: &Staff,
    plan: &TeamPlan,
    rec: Rec,
    draw: u32,
    current: Option<WorkerId>,
    team: stepwise_domain::ids::TeamId,
) -> WorkerId {
    match rec {
        Rec::Allocated => current.unwrap_or_else(|| staff.front_door(draw)),
        Rec::FrontDoor => staff.front_door(draw),
        Rec::FrontDoorManager => staff.manager(plan.front_door),
        Rec::Manager => {
            if current.is_some() {
                staff.manager(team)
            } else {
                staff.manager(plan.front_door)
            }
        }
        Rec::Iro => staff.iro(draw),
        Rec::TeamManager(t) => staff.manager(t),
    }
}
