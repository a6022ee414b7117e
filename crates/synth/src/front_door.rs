//! The front door's own record of its work (ADR 0007) for the synthetic council: every contact
//! the journeys received, as the front door's tables keep it. Each household's `ContactReceived`
//! events of one case, day and source (brothers and sisters named together) are one contact,
//! with a referrer who fits the CIN census source, the channel it came by, a RAG rating and the
//! time its decision was due, the adults of the household, partner checks asked and answered,
//! and the decision built from the children's `ContactDecided` events and the events that routed
//! them. Contacts still waiting at the end of the history are the front door's work on `today`.
//!
//! Everything is invented: names come from the generator's lists, telephone numbers from
//! Ofcom's ranges for drama (01632 960000 to 960999, 07700 900000 to 900999), email addresses
//! from `.example` domains.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::codes::ReferralSource;
use stepwise_domain::contact::{
    Agency, Channel, ChildDecided, ConsentStatus, RecordedDecision, Referrer, StepData,
};
use stepwise_domain::contact_record::{ContactChild, ContactRecord, ContactStepRecord};
use stepwise_domain::events::{ContactOutcome, EventKind, JourneyEvent};
use stepwise_domain::ids::{EventSeq, PersonId, WorkerId};
use stepwise_domain::localtime::{from_london, london};
use stepwise_domain::need::LevelOfNeed;
use stepwise_domain::org::{Team, Worker};
use stepwise_domain::people::PersonKind;
use stepwise_domain::screening::{Rag, ScreeningTargets};
use stepwise_domain::threshold::{Outcome, Preset, ThresholdModel};

use crate::days::{Cal, Day, age, date};
use crate::dist::{Draw, mix, stream};
use crate::families::Population;
use crate::journeys::finish::at;
use crate::journeys::{ChildJourney, Raw, Rec};
use crate::names;
use crate::notes;
use crate::places::Places;

/// Stream tags.
const TAG_EVENING: u64 = 0x4556_454e;
const TAG_CONTACT: u64 = 0x434f_4e54;

/// The username a front-door practitioner's steps are taken under (the demo's account).
pub const PRACTITIONER: &str = "front.door";
/// The username of the front door's manager, who authorises decisions.
pub const MANAGER: &str = "front.door.manager";

/// What the last evening's contacts need to know about the council.
pub(crate) struct Evening<'a> {
    pub seed: u64,
    /// The last day of history.
    pub today: Day,
    /// The moment history is as at: nothing is recorded at or after it.
    pub now: DateTime<Utc>,
    pub cal: &'a Cal,
    /// Children in the council (the number of contacts added scales with it).
    pub children: usize,
}

/// What the journeys say about a child at the end of the history.
struct End {
    /// Open to a worker (early help, child in need or protection; not in care).
    open: bool,
    /// Waiting at the front door already.
    pending: bool,
    looked_after: bool,
    gone: bool,
    last_day: Day,
    age: Option<i32>,
}

fn end_of(j: &ChildJourney, pop: &Population, today: Day) -> End {
    let pending = j
        .events
        .iter()
        .rev()
        .find_map(|r| match r.ev.kind {
            EventKind::ContactReceived { .. } => Some(true),
            EventKind::ContactDecided { .. } => Some(false),
            _ => None,
        })
        .unwrap_or(false);
    let dob = pop.people[j.person].dob;
    End {
        open: j.final_team.is_some() && !j.looked_after,
        pending,
        looked_after: j.looked_after,
        gone: j.left_home.is_some(),
        last_day: j.events.iter().map(|r| r.day).max().unwrap_or(Day::MIN),
        age: dob.filter(|b| *b <= today).map(|b| age(b, today)),
    }
}

/// The front door's last evening: a few more contacts on the last day of the history, left
/// waiting for a decision, so that the queue on `today` holds what a front door finds in the
/// morning: police notifications from the night before (about families known to the council
/// but not open), a contact about children already open to a worker, and a contact made in
/// working hours on the last working day. The number scales with the council (at least one
/// of each). The events are added after the journeys are settled and the staff hired, so
/// nothing else in the history changes (only the positions in the log of the few events
/// recorded after them that evening move on).
pub(crate) fn last_evening(
    e: &Evening,
    pop: &Population,
    journeys: &mut [ChildJourney],
) -> Result<(), DomainError> {
    let today = e.today;
    let mut by_household: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (ji, j) in journeys.iter().enumerate() {
        by_household.entry(j.household).or_default().push(ji);
    }
    let ends: Vec<End> = journeys.iter().map(|j| end_of(j, pop, today)).collect();
    let mut open_households = Vec::new();
    let mut known_households = Vec::new();
    for (&h, list) in &by_household {
        let Some(hh) = pop.households.get(h) else {
            continue;
        };
        if list.iter().any(|&ji| ends[ji].pending) {
            continue;
        }
        // The children living at home on the day, under 18.
        let at_home: Vec<usize> = hh
            .members
            .iter()
            .filter(|(p, from, to)| {
                pop.people[*p].kind != PersonKind::Adult
                    && *from <= today
                    && to.is_none_or(|t| t > today)
                    && pop.people[*p]
                        .dob
                        .is_some_and(|b| b <= today && age(b, today) < 18)
            })
            .map(|(p, _, _)| *p)
            .collect();
        let journey_of = |p: usize| list.iter().copied().find(|&ji| journeys[ji].person == p);
        let open: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&ji| {
                let x = &ends[ji];
                x.open
                    && !x.gone
                    && x.last_day < today
                    && x.age.is_some_and(|a| a < 17)
                    && at_home.contains(&journeys[ji].person)
            })
            .collect();
        if !open.is_empty() {
            open_households.push((h, open));
            continue;
        }
        let known: Option<Vec<usize>> = at_home.iter().map(|&p| journey_of(p)).collect();
        if let Some(known) = known
            && !known.is_empty()
            && known.iter().all(|&ji| {
                let x = &ends[ji];
                !x.open && !x.looked_after && !x.gone && x.last_day < today - 90
            })
        {
            known_households.push((h, known));
        }
    }
    let rank = |h: usize| mix(mix(e.seed, TAG_EVENING), h as u64);
    open_households.sort_by_key(|(h, _)| rank(*h));
    known_households.sort_by_key(|(h, _)| rank(*h));
    let n_open = (e.children / 30_000).max(1);
    let n_night = (e.children / 20_000).max(1);
    let n_day = (e.children / 30_000).max(1);
    let mut rng = stream(e.seed, TAG_EVENING, today as u64, 0);
    let mut case = u32::MAX;
    let last_working = {
        let mut w = today;
        while !e.cal.is_working(w) {
            w -= 1;
        }
        w
    };
    // Children already open: the police overnight, a relative or the emergency department.
    for (_, kids) in open_households.iter().take(n_open) {
        let source = rng.pick(&[("6", 60.0), ("1A", 20.0), ("3E", 20.0)]);
        let minute = rng.int(18 * 60 + 30, 23 * 60);
        let consent = rng.chance(0.5);
        add_contact(
            e, pop, journeys, kids, today, minute, source, consent, &mut rng, case,
        )?;
        case -= 1;
    }
    let mut known = known_households.iter();
    // Police notifications late at night about families known before.
    for (_, kids) in known.by_ref().take(n_night) {
        let minute = rng.int(21 * 60, 23 * 60 + 45);
        add_contact(
            e, pop, journeys, kids, today, minute, "6", false, &mut rng, case,
        )?;
        case -= 1;
    }
    // A school or health visitor in working hours on the last working day.
    for (_, kids) in known.take(n_day) {
        let youngest = kids
            .iter()
            .filter_map(|&ji| ends[ji].age)
            .min()
            .unwrap_or(0);
        let source = if youngest <= 4 { "3B" } else { "2A" };
        let minute = rng.int(10 * 60, 13 * 60 + 30);
        add_contact(
            e,
            pop,
            journeys,
            kids,
            last_working,
            minute,
            source,
            true,
            &mut rng,
            case,
        )?;
        case -= 1;
    }
    Ok(())
}

/// One contact about some children of a household, received on `day` at `minute` past
/// midnight, waiting for a decision: each child's `ContactReceived`, recorded soon after.
#[allow(clippy::too_many_arguments)]
fn add_contact(
    e: &Evening,
    pop: &Population,
    journeys: &mut [ChildJourney],
    kids: &[usize],
    day: Day,
    minute: i32,
    source: &'static str,
    consent: bool,
    rng: &mut ChaCha8Rng,
    case: u32,
) -> Result<(), DomainError> {
    let ages: Vec<i32> = kids
        .iter()
        .map(|&ji| {
            pop.people[journeys[ji].person]
                .dob
                .map_or(0, |b| age(b, day))
        })
        .collect();
    let youngest = ages.iter().copied().min().unwrap_or(0);
    let oldest = ages.iter().copied().max().unwrap_or(0);
    let concerns = notes::concern(rng, source, youngest, oldest, notes::Flavour::Family);
    let t = NaiveTime::from_hms_opt((minute / 60) as u32, (minute % 60) as u32, 0);
    let recorded = at(day, i64::from(minute + rng.int(2, 40)));
    let end = e.now - Duration::seconds(1);
    for &ji in kids {
        let j = &mut journeys[ji];
        let ord = j.events.iter().map(|r| r.ord).max().unwrap_or(0) + 1;
        let raw = Raw::new(
            day,
            t,
            EventKind::ContactReceived {
                source: source.parse()?,
                concerns: concerns.clone(),
                consent,
            },
            Rec::FrontDoor,
            j.person as u32,
            case,
            ord,
            0,
        );
        // Recorded after everything already on the child's record, and before `now`.
        let floor = j.recorded.iter().max().copied().unwrap_or(recorded);
        j.events.push(raw);
        j.recorded.push(recorded.max(floor).min(end));
    }
    Ok(())
}

/// A journey event the front door's record reads: where it is in the child's journey, and the
/// case it belongs to (events of one case on one day follow from one decision).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pub local: usize,
    pub case: u32,
}

/// The events of a journey the front door's record reads, in journey order.
pub(crate) fn marks(j: &ChildJourney) -> Vec<Mark> {
    j.events
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            matches!(
                r.ev.kind,
                EventKind::ContactReceived { .. }
                    | EventKind::ContactDecided { .. }
                    | EventKind::EarlyHelpOpened { .. }
                    | EventKind::ReferralOpened { .. }
                    | EventKind::AssessmentStarted
                    | EventKind::AllocationRequested { .. }
                    | EventKind::WorkerAllocated { .. }
            )
        })
        .map(|(local, r)| Mark {
            local,
            case: r.case,
        })
        .collect()
}

/// One child's journey as the front door's record reads it.
pub(crate) struct Marked {
    pub household: usize,
    pub marks: Vec<Mark>,
}

/// What the contacts are built from.
pub(crate) struct Sources<'a> {
    pub seed: u64,
    /// The last day of history.
    pub today: Day,
    pub now: DateTime<Utc>,
    pub pop: &'a Population,
    /// Each person's id by their index in `pop` (0: not kept).
    pub ids: &'a [i64],
    pub places: &'a Places,
    pub authority: &'a str,
    pub teams: &'a [Team],
    pub workers: &'a [Worker],
    /// The front door's manager, whose decisions need nobody else's authorisation.
    pub manager: WorkerId,
    /// Children open to a worker on `today`.
    pub open: &'a HashSet<i64>,
}

/// One child's part of a decision, read from their journey.
#[derive(Debug, Clone)]
struct Dec {
    level: LevelOfNeed,
    outcome: ContactOutcome,
    reason: String,
    at: DateTime<Utc>,
    by: WorkerId,
    events: Vec<i64>,
    team: Option<i64>,
    primary_need: Option<String>,
}

#[derive(Debug, Clone)]
struct Kid {
    person: PersonId,
    dob: Option<Day>,
    family: String,
    given: String,
    received: i64,
    dec: Option<Dec>,
    /// Still waiting at the end of the history.
    waiting: bool,
}

/// A contact being put together from its children's events.
struct Draft {
    household: usize,
    day: NaiveDate,
    received_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    recorded_by: WorkerId,
    source: ReferralSource,
    concerns: String,
    consent: bool,
    kids: Vec<Kid>,
}

/// A wall-clock time in England on a day, as a moment (the hour after, for a time the clocks
/// skip).
fn in_england(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    let naive = d.and_time(t);
    from_london(naive)
        .or_else(|| from_london(naive + Duration::hours(1)))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The outcome a threshold model names for a journey's contact outcome.
pub fn outcome_of(o: ContactOutcome) -> Outcome {
    match o {
        ContactOutcome::NoFurtherAction => Outcome::NoFurtherAction,
        ContactOutcome::InformationAndAdvice => Outcome::InformationAndAdvice,
        ContactOutcome::EarlyHelp => Outcome::EarlyHelp,
        ContactOutcome::SocialCareReferral => Outcome::SocialCareAssessment,
        ContactOutcome::SignpostUniversal => Outcome::SignpostUniversal,
        ContactOutcome::StrategyDiscussion => Outcome::StrategyDiscussion,
        ContactOutcome::PassToAllocatedWorker => Outcome::PassToAllocatedWorker,
    }
}

/// Every contact in the history, numbered in the order received.
pub(crate) fn contacts(
    s: &Sources,
    journeys: &[Marked],
    seqs: &[Vec<i64>],
    events: &[JourneyEvent],
) -> Result<Vec<ContactRecord>, DomainError> {
    let by_seq = |seq: i64| {
        events
            .get((seq - 1).max(0) as usize)
            .filter(|e| e.seq.0 == seq)
    };
    let person_of: HashMap<i64, usize> = s
        .ids
        .iter()
        .enumerate()
        .filter(|(_, id)| **id > 0)
        .map(|(p, id)| (*id, p))
        .collect();
    let mut drafts: Vec<Draft> = Vec::new();
    let mut index: HashMap<(usize, u32, NaiveDate, &'static str), usize> = HashMap::new();
    for (ji, j) in journeys.iter().enumerate() {
        // The child's contact waiting for a decision, and the decision whose routing follows.
        let mut pending: Option<(usize, usize)> = None;
        let mut routing: Option<(usize, usize, NaiveDate, u32)> = None;
        for m in &j.marks {
            let Some(e) = seqs
                .get(ji)
                .and_then(|v| v.get(m.local))
                .and_then(|s| by_seq(*s))
            else {
                continue;
            };
            match &e.kind {
                EventKind::ContactReceived {
                    source,
                    concerns,
                    consent,
                } => {
                    routing = None;
                    let key = (j.household, m.case, e.effective, source.as_str());
                    let d = *index.entry(key).or_insert_with(|| {
                        let time = e
                            .effective_time
                            .unwrap_or(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default());
                        let received_at = in_england(e.effective, time);
                        drafts.push(Draft {
                            household: j.household,
                            day: e.effective,
                            received_at,
                            recorded_at: e.recorded_at.max(received_at),
                            recorded_by: e.recorded_by,
                            source: *source,
                            concerns: concerns.clone(),
                            consent: *consent,
                            kids: Vec::new(),
                        });
                        drafts.len() - 1
                    });
                    let draft = &mut drafts[d];
                    if draft.kids.iter().any(|k| k.person == e.child) {
                        pending = None;
                        continue;
                    }
                    let (given, family) = person_of
                        .get(&e.child.0)
                        .and_then(|p| s.pop.people[*p].names.first())
                        .map(|n| (n.given.clone(), n.family.clone()))
                        .unwrap_or_default();
                    draft.kids.push(Kid {
                        person: e.child,
                        dob: None,
                        family,
                        given,
                        received: e.seq.0,
                        dec: None,
                        waiting: false,
                    });
                    pending = Some((d, draft.kids.len() - 1));
                }
                EventKind::ContactDecided {
                    level,
                    outcome,
                    reason,
                } => {
                    let Some((d, k)) = pending.take() else {
                        continue;
                    };
                    let at = match e.effective_time {
                        Some(t) => in_england(e.effective, t),
                        None => e.recorded_at,
                    };
                    drafts[d].kids[k].dec = Some(Dec {
                        level: level.clone(),
                        outcome: *outcome,
                        reason: reason.clone(),
                        at,
                        by: e.recorded_by,
                        events: vec![e.seq.0],
                        team: None,
                        primary_need: None,
                    });
                    routing = Some((d, k, e.effective, m.case));
                }
                kind => {
                    let Some((d, k, day, case)) = routing else {
                        continue;
                    };
                    if e.effective != day || m.case != case {
                        routing = None;
                        continue;
                    }
                    let Some(dec) = drafts[d].kids[k].dec.as_mut() else {
                        continue;
                    };
                    match kind {
                        EventKind::ReferralOpened { primary_need, .. } => {
                            dec.events.push(e.seq.0);
                            dec.primary_need = Some(primary_need.as_str().to_string());
                        }
                        EventKind::EarlyHelpOpened { .. } | EventKind::AssessmentStarted => {
                            dec.events.push(e.seq.0);
                        }
                        EventKind::AllocationRequested { team } => {
                            dec.events.push(e.seq.0);
                            dec.team = dec.team.or(Some(team.0));
                        }
                        EventKind::WorkerAllocated { team, .. } => {
                            dec.team = dec.team.or(Some(team.0));
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some((d, k)) = pending {
            drafts[d].kids[k].waiting = true;
        }
    }
    // Dates of birth, for the texts that depend on the children's ages.
    for d in &mut drafts {
        d.kids.sort_by_key(|k| k.person);
        for k in &mut d.kids {
            k.dob = person_of
                .get(&k.person.0)
                .and_then(|p| s.pop.people[*p].dob);
        }
    }
    drafts.sort_by_key(|d| (d.received_at, d.kids.first().map(|k| k.received)));

    let calendar = WorkingDayCalendar::england()?;
    let targets = ScreeningTargets::default();
    let model =
        ThresholdModel::preset(Preset::default()).map_err(|e| DomainError::ReferenceData {
            file: "data/thresholds",
            line: e.line.unwrap_or(0) as usize,
            message: e.message,
        })?;
    let mut b = Builder {
        s,
        calendar: &calendar,
        targets: &targets,
        model: &model,
        next_step: 1,
    };
    // The one contact waiting for a manager's authorisation: the earliest of today's work
    // received in working hours on a working day, about children not open to a worker.
    let proposal = drafts.iter().position(|d| {
        let local = london(d.received_at);
        let hour = local.hour();
        d.kids.iter().all(|k| k.waiting && k.dec.is_none())
            && d.kids.iter().all(|k| !s.open.contains(&k.person.0))
            && calendar.is_working_day(d.day)
            && (8..=14).contains(&hour)
            && !matches!(d.source.as_str(), "6" | "3E" | "9")
    });
    let mut out = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        out.push(b.record(i as i64 + 1, d, proposal == Some(i))?);
    }
    Ok(out)
}

/// The adults (at most three) living in a household on a day, with their names and sex.
fn adults_on(s: &Sources, household: usize, day: Day) -> Vec<(PersonId, String, &'static str)> {
    let Some(hh) = s.pop.households.get(household) else {
        return Vec::new();
    };
    let mut v: Vec<(PersonId, String, &'static str)> = hh
        .members
        .iter()
        .filter(|(p, from, to)| {
            let person = &s.pop.people[*p];
            person.kind == PersonKind::Adult
                && s.ids[*p] > 0
                && person.dob.is_none_or(|b| age(b, day) >= 18)
                && *from <= day
                && to.is_none_or(|t| t > day)
        })
        .map(|(p, _, _)| {
            let person = &s.pop.people[*p];
            (
                PersonId(s.ids[*p]),
                person.names.first().map(|n| n.full()).unwrap_or_default(),
                person.sex,
            )
        })
        .collect();
    v.sort_by_key(|a| a.0);
    v.dedup_by_key(|a| a.0);
    v.truncate(3);
    v
}

struct Builder<'a> {
    s: &'a Sources<'a>,
    calendar: &'a WorkingDayCalendar,
    targets: &'a ScreeningTargets,
    model: &'a ThresholdModel,
    next_step: i64,
}

/// How much a contact led to, for the rating and the feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    Low,
    EarlyHelp,
    Open,
    Referral,
}

impl Builder<'_> {
    fn step(&mut self, at: DateTime<Utc>, by: &str, data: StepData) -> ContactStepRecord {
        let id = self.next_step;
        self.next_step += 1;
        ContactStepRecord {
            id,
            at,
            by: by.to_string(),
            data,
        }
    }

    fn record(&mut self, id: i64, d: &Draft, propose: bool) -> Result<ContactRecord, DomainError> {
        let s = self.s;
        let first = d.kids.first().map(|k| k.received).unwrap_or(id);
        let mut rng = stream(s.seed, TAG_CONTACT, first as u64, 0);
        let day = crate::days::day(d.day);
        let ages: Vec<i32> = d
            .kids
            .iter()
            .map(|k| {
                k.dob
                    .map(|b| if b > day { -1 } else { age(b, day) })
                    .unwrap_or(0)
            })
            .collect();
        let youngest = ages.iter().copied().min().unwrap_or(0);
        let oldest = ages.iter().copied().max().unwrap_or(0);
        let adults = adults_on(s, d.household, day);
        let locality = s
            .pop
            .households
            .get(d.household)
            .map(|h| h.locality_on(day))
            .unwrap_or(0);
        let code = d.source.as_str();
        let referrer = self.referrer(&mut rng, d, code, oldest, locality, &adults);
        let channel = channel(&mut rng, code);
        let (consent, consent_basis) = consent(&mut rng, code, d.consent);
        let waiting = d.kids.iter().any(|k| k.waiting);
        let decided: Vec<&Kid> = d.kids.iter().filter(|k| k.dec.is_some()).collect();
        let open = d.kids.iter().any(|k| s.open.contains(&k.person.0));
        let weight = decided
            .iter()
            .filter_map(|k| k.dec.as_ref())
            .map(|x| match x.outcome {
                ContactOutcome::SocialCareReferral | ContactOutcome::StrategyDiscussion => {
                    Weight::Referral
                }
                ContactOutcome::EarlyHelp => Weight::EarlyHelp,
                ContactOutcome::PassToAllocatedWorker => Weight::Open,
                _ if x.reason.starts_with("Open case") => Weight::Open,
                _ => Weight::Low,
            })
            .max()
            .unwrap_or(if open { Weight::Open } else { Weight::Low });
        let local = london(d.received_at);
        // Late at night the police and the emergency department call about children who may
        // not be safe till morning.
        let late_night = local.hour() >= 21 || local.hour() < 6;
        // A contact with a child still waiting is today's work; the others were decided when
        // the last of their children was.
        let decided_at = decided
            .iter()
            .filter_map(|k| k.dec.as_ref().map(|x| x.at))
            .max()
            .filter(|_| !waiting)
            .map(|t| t.max(d.received_at + Duration::minutes(10)))
            .map(|t| t.min(s.now - Duration::seconds(1)));
        let rag = if let Some(decided_at) = decided_at {
            let (red, green) = match weight {
                Weight::Referral => (0.35, 0.05),
                Weight::EarlyHelp => (0.06, 0.22),
                Weight::Open => (0.04, 0.3),
                Weight::Low => (0.02, 0.42),
            };
            // A red contact is decided within hours; one decided days later seldom was red.
            let late = decided_at - d.received_at > Duration::hours(6);
            let red = if late { red * 0.25 } else { red };
            let u = rng.unit();
            if u < red {
                Rag::Red
            } else if u < red + green {
                Rag::Green
            } else {
                Rag::Amber
            }
        } else if propose {
            if rng.chance(0.5) {
                Rag::Green
            } else {
                Rag::Amber
            }
        } else if matches!(code, "6" | "3E") && late_night {
            Rag::Red
        } else if open {
            Rag::Amber
        } else {
            rng.pick(&[(Rag::Red, 8.0), (Rag::Amber, 70.0), (Rag::Green, 22.0)])
        };
        let decide_by = self.targets.decide_by(d.received_at, rag, self.calendar);
        let mut steps = Vec::new();
        if let Some(decided_at) = decided_at {
            self.decided_steps(
                &mut rng, d, weight, youngest, oldest, decided_at, decide_by, &referrer, &mut steps,
            );
        } else {
            self.waiting_steps(&mut rng, d, rag, open, propose, &mut steps)?;
        }
        Ok(ContactRecord {
            id,
            received_at: d.received_at,
            recorded_at: d.recorded_at.min(s.now - Duration::seconds(1)),
            recorded_by: match channel {
                Channel::Professional => PRACTITIONER.to_string(),
                Channel::Partner => "partner".to_string(),
                Channel::Public => "anonymous".to_string(),
            },
            channel,
            source: d.source,
            referrer,
            concerns: d.concerns.clone(),
            consent,
            consent_basis,
            rag,
            decide_by,
            children: d
                .kids
                .iter()
                .map(|k| ContactChild {
                    person: k.person,
                    received: EventSeq(k.received),
                })
                .collect(),
            adults: adults.iter().map(|a| a.0).collect(),
            steps,
        })
    }

    /// Partner checks asked within the hour of receipt and answered before the decision, a
    /// proposal where the model needs a manager's authorisation, and the decision.
    #[allow(clippy::too_many_arguments)]
    fn decided_steps(
        &mut self,
        rng: &mut ChaCha8Rng,
        d: &Draft,
        weight: Weight,
        youngest: i32,
        oldest: i32,
        decided_at: DateTime<Utc>,
        decide_by: DateTime<Utc>,
        referrer: &Referrer,
        steps: &mut Vec<ContactStepRecord>,
    ) {
        let kids: Vec<(&Kid, &Dec)> = d
            .kids
            .iter()
            .filter_map(|k| k.dec.as_ref().map(|x| (k, x)))
            .collect();
        let by_manager = kids
            .iter()
            .max_by_key(|(_, x)| x.at)
            .is_some_and(|(_, x)| x.by == self.s.manager);
        let needs = kids
            .iter()
            .any(|(_, x)| self.model.needs_authorisation(outcome_of(x.outcome)));
        let gap = decided_at - d.received_at;
        let p_checks = match weight {
            Weight::Referral => 0.7,
            Weight::EarlyHelp => 0.5,
            Weight::Open => 0.2,
            Weight::Low => 0.28,
        };
        let mut last = d.received_at;
        if gap >= Duration::minutes(40) && rng.chance(p_checks) {
            let agencies = agencies(rng, d.source.as_str(), youngest, oldest);
            let window = gap.num_minutes().clamp(20, 60);
            let mut requests = Vec::new();
            for agency in agencies {
                let at =
                    d.received_at + Duration::minutes(i64::from(rng.int(3, window as i32 / 2)));
                requests.push((at, agency));
            }
            requests.sort_by_key(|r| r.0);
            let mut ids = Vec::new();
            for (at, agency) in &requests {
                let due_at = (decide_by - Duration::hours(1)).max(*at + Duration::hours(1));
                let step = self.step(
                    *at,
                    PRACTITIONER,
                    StepData::CheckRequested {
                        agency: *agency,
                        question: question(*agency).to_string(),
                        due_at,
                    },
                );
                ids.push((step.id, *agency, *at));
                steps.push(step);
            }
            let after = requests.last().map(|r| r.0).unwrap_or(d.received_at);
            let room = (decided_at - after).num_minutes() - 10;
            let mut answers: Vec<(DateTime<Utc>, i64, Agency)> = ids
                .iter()
                .map(|(id, agency, _)| {
                    let m = if room > 5 { rng.int(5, room as i32) } else { 1 };
                    (after + Duration::minutes(i64::from(m)), *id, *agency)
                })
                .collect();
            answers.sort_by_key(|a| (a.0, a.1));
            for (at, check, agency) in answers {
                let response = answer(rng, agency, weight).to_string();
                steps.push(self.step(
                    at,
                    PRACTITIONER,
                    StepData::CheckAnswered { check, response },
                ));
                last = at;
            }
        }
        let rationale = {
            let mut reasons: Vec<&str> = Vec::new();
            for (_, x) in &kids {
                if !reasons.contains(&x.reason.as_str()) {
                    reasons.push(&x.reason);
                }
            }
            reasons.join(" ")
        };
        let decided_by = if by_manager { MANAGER } else { PRACTITIONER };
        let decision = RecordedDecision {
            children: kids
                .iter()
                .map(|(k, x)| ChildDecided {
                    person_id: k.person.0,
                    level: x.level.clone(),
                    outcome: outcome_of(x.outcome),
                    primary_need: x.primary_need.clone(),
                    team: x.team,
                    events: x.events.clone(),
                })
                .collect(),
            rationale,
            feedback_to_referrer: feedback(d.source.as_str(), referrer, &kids),
            decided_by: decided_by.to_string(),
        };
        if needs && !by_manager {
            // Proposed by the practitioner, then authorised by the manager.
            let room = (decided_at - last).num_minutes();
            let before = if room > 15 {
                rng.int(5, (room - 5).min(120) as i32)
            } else {
                (room / 2) as i32
            };
            let mut proposal = decision.clone();
            for c in &mut proposal.children {
                c.events.clear();
                c.team = None;
            }
            steps.push(self.step(
                decided_at - Duration::minutes(i64::from(before)),
                PRACTITIONER,
                StepData::DecisionProposed { decision: proposal },
            ));
        }
        let by = if needs { MANAGER } else { decided_by };
        steps.push(self.step(
            decided_at,
            by,
            StepData::Decided {
                decision,
                authorised_by: needs.then(|| MANAGER.to_string()),
            },
        ));
    }

    /// Today's work: checks asked and some still outstanding (due later on `today`), and one
    /// decision proposed and waiting for a manager.
    fn waiting_steps(
        &mut self,
        rng: &mut ChaCha8Rng,
        d: &Draft,
        rag: Rag,
        open: bool,
        propose: bool,
        steps: &mut Vec<ContactStepRecord>,
    ) -> Result<(), DomainError> {
        let s = self.s;
        let end = s.now - Duration::minutes(1);
        let morning = date(s.today + 1);
        let day = crate::days::day(d.day);
        let ages: Vec<i32> = d
            .kids
            .iter()
            .map(|k| {
                k.dob
                    .map(|b| if b > day { -1 } else { age(b, day) })
                    .unwrap_or(0)
            })
            .collect();
        let youngest = ages.iter().copied().min().unwrap_or(0);
        let oldest = ages.iter().copied().max().unwrap_or(0);
        let mut list = agencies(rng, d.source.as_str(), youngest, oldest);
        let asked = match rag {
            Rag::Red => 2,
            _ if open || propose => 1,
            _ => usize::from(rng.chance(0.55)),
        };
        list.truncate(asked);
        if rag == Rag::Red && list.len() < 2 {
            let extra = if list.contains(&Agency::Health) {
                Agency::Education
            } else {
                Agency::Health
            };
            list.push(extra);
        }
        let mut requests = Vec::new();
        for agency in list {
            let at = (d.received_at + Duration::minutes(i64::from(rng.int(8, 50))))
                .min(end)
                .max(d.received_at + Duration::minutes(1));
            requests.push((at, agency));
        }
        requests.sort_by_key(|r| r.0);
        let mut ids = Vec::new();
        for (at, agency) in &requests {
            // A partner answers in its working hours: the answers still outstanding are due
            // during the morning and afternoon of `today`.
            let due_at = in_england(
                morning,
                NaiveTime::from_hms_opt(rng.int(9, 15) as u32, rng.one(&[0, 15, 30, 45]), 0)
                    .unwrap_or_default(),
            );
            let step = self.step(
                *at,
                PRACTITIONER,
                StepData::CheckRequested {
                    agency: *agency,
                    question: question(*agency).to_string(),
                    due_at,
                },
            );
            ids.push((step.id, *agency, *at));
            steps.push(step);
        }
        // A check asked on a working day before three in the afternoon is answered that day
        // (and, for the contact proposed for closure, before the proposal).
        let mut last = requests.last().map(|r| r.0).unwrap_or(d.received_at);
        for (check, agency, at) in ids {
            let local = london(at);
            let answered = propose
                || (rag != Rag::Red
                    && !open
                    && self.calendar.is_working_day(local.date_naive())
                    && local.hour() < 15);
            if !answered {
                continue;
            }
            let when = (at + Duration::minutes(i64::from(rng.int(30, 100)))).min(end);
            if when <= at {
                continue;
            }
            steps.push(self.step(
                when,
                PRACTITIONER,
                StepData::CheckAnswered {
                    check,
                    response: answer(rng, agency, Weight::Low).to_string(),
                },
            ));
            last = last.max(when);
        }
        if propose {
            let level: LevelOfNeed = "1".parse()?;
            let at = (last + Duration::minutes(i64::from(rng.int(20, 70)))).min(end);
            let decision = RecordedDecision {
                children: d
                    .kids
                    .iter()
                    .map(|k| ChildDecided {
                        person_id: k.person.0,
                        level: level.clone(),
                        outcome: Outcome::NoFurtherAction,
                        primary_need: None,
                        team: None,
                        events: Vec::new(),
                    })
                    .collect(),
                rationale: "Checks show the family is known to universal services and engaging; the concern is being met by the referrer's own service. No role for children's social care.".to_string(),
                feedback_to_referrer: "Thank you for your contact. After checks we have decided no further action by children's social care is needed; please keep supporting the family and contact us again if anything changes.".to_string(),
                decided_by: PRACTITIONER.to_string(),
            };
            steps.push(self.step(at, PRACTITIONER, StepData::DecisionProposed { decision }));
        }
        Ok(())
    }

    fn referrer(
        &self,
        rng: &mut ChaCha8Rng,
        d: &Draft,
        code: &str,
        oldest: i32,
        locality: usize,
        adults: &[(PersonId, String, &'static str)],
    ) -> Referrer {
        let s = self.s;
        let town = s.places.neighbourhood(rng, locality);
        let council = s.authority.split_whitespace().next().unwrap_or("Council");
        let person = |rng: &mut ChaCha8Rng| {
            let h = rng.pick(names::HERITAGE_MIX);
            let sex = if rng.chance(0.5) { "F" } else { "M" };
            (
                names::given(rng, h, sex).to_string(),
                names::family(rng, h).to_string(),
                sex,
            )
        };
        let landline = |rng: &mut ChaCha8Rng| format!("01632 960{:03}", rng.int(0, 999));
        let mobile = |rng: &mut ChaCha8Rng| format!("07700 900{:03}", rng.int(0, 999));
        let text = d.concerns.as_str();
        let family_name = d.kids.first().map(|k| k.family.clone()).unwrap_or_default();
        let professional =
            |rng: &mut ChaCha8Rng, title: &str, agency: String, role: &str, domain: &str| {
                let (g, f, _) = person(rng);
                let phone = if rng.chance(0.8) {
                    landline(rng)
                } else {
                    mobile(rng)
                };
                Referrer {
                    name: if title.is_empty() {
                        format!("{g} {f}")
                    } else {
                        format!("{title} {g} {f}")
                    },
                    email: format!("{}.{}@{domain}", slug(&g), slug(&f)),
                    agency,
                    role: role.to_string(),
                    phone,
                }
            };
        let individual = |rng: &mut ChaCha8Rng, name: String, agency: &str, role: &str| {
            let email = if rng.chance(0.45) {
                format!("{}@mail.example", slug(&name.replace(' ', ".")))
            } else {
                String::new()
            };
            Referrer {
                name,
                agency: agency.to_string(),
                role: role.to_string(),
                phone: mobile(rng),
                email,
            }
        };
        let school_domain = |school: &str| format!("{}.sch.example", slug(school));
        match code {
            "1A" => {
                let parent = text.starts_with("Parent")
                    || text.starts_with("Mother")
                    || text.starts_with("Father");
                match adults.first() {
                    Some((_, name, sex)) if parent => individual(
                        rng,
                        name.clone(),
                        "Family member",
                        if *sex == "F" { "Mother" } else { "Father" },
                    ),
                    _ => {
                        let (g, _, sex) = person(rng);
                        let role = if text.starts_with("Grandparent") {
                            if sex == "F" {
                                "Grandmother"
                            } else {
                                "Grandfather"
                            }
                        } else if sex == "F" {
                            "Aunt"
                        } else {
                            "Uncle"
                        };
                        individual(rng, format!("{g} {family_name}"), "Family member", role)
                    }
                }
            }
            "1B" => {
                let (g, f, _) = person(rng);
                let role = if text.starts_with("Family friend") {
                    "Family friend"
                } else if text.starts_with("Childminder") {
                    "Childminder"
                } else {
                    "Neighbour"
                };
                individual(rng, format!("{g} {f}"), "Member of the public", role)
            }
            "1C" => {
                let k = d.kids.last();
                let name = k
                    .map(|k| format!("{} {}", k.given, k.family))
                    .unwrap_or_default();
                individual(rng, name, "Self-referral", "Young person")
            }
            "1D" => {
                let (g, f, _) = person(rng);
                individual(
                    rng,
                    format!("{g} {f}"),
                    "Member of the public",
                    "Member of the public",
                )
            }
            "2A" => {
                let school = if oldest >= 11 {
                    format!("{town} {}", rng.one(&["Academy", "High School", "School"]))
                } else {
                    format!("{town} Primary School")
                };
                let role = rng.pick(&[
                    ("Designated safeguarding lead", 55.0),
                    ("Deputy safeguarding lead", 20.0),
                    ("Class teacher", 10.0),
                    ("Head of year", 10.0),
                    ("Headteacher", 5.0),
                ]);
                let domain = school_domain(&school);
                professional(rng, "", school, role, &domain)
            }
            "2B" => professional(
                rng,
                "",
                format!("{council} Education Welfare Service"),
                "Education welfare officer",
                &format!("{}.gov.example", slug(council)),
            ),
            "3A" => {
                let practice = rng.one(&["Medical Practice", "Surgery", "Health Centre"]);
                professional(rng, "Dr", format!("{town} {practice}"), "GP", "nhs.example")
            }
            "3B" => professional(
                rng,
                "",
                format!("{council} Health Visiting Service"),
                "Health visitor",
                "nhs.example",
            ),
            "3C" => professional(
                rng,
                "",
                format!("{council} School Nursing Service"),
                "School nurse",
                "nhs.example",
            ),
            "3D" => {
                let (agency, role) = if text.starts_with("Midwife") {
                    ("Community Midwifery Team", "Community midwife")
                } else {
                    ("Community Nursing Team", "Community nurse")
                };
                professional(rng, "", agency.to_string(), role, "nhs.example")
            }
            "3E" => {
                let role = rng.one(&["Emergency department nurse", "Paediatric liaison nurse"]);
                professional(
                    rng,
                    "",
                    format!("{council} General Hospital, Emergency Department"),
                    role,
                    "nhs.example",
                )
            }
            "3F" => {
                let (agency, role) = if text.starts_with("CAMHS") {
                    (
                        "Child and Adolescent Mental Health Service",
                        "CAMHS practitioner",
                    )
                } else if text.starts_with("Mental health") {
                    ("Adult Community Mental Health Team", "Mental health nurse")
                } else if text.starts_with("Midwife") {
                    ("Maternity Unit", "Safeguarding midwife")
                } else {
                    ("Children's Ward", "Paediatric liaison nurse")
                };
                professional(
                    rng,
                    "",
                    format!("{council} General Hospital, {agency}"),
                    role,
                    "nhs.example",
                )
            }
            "4" => {
                let agency = if text.starts_with("Housing association") {
                    format!("{town} Housing Association")
                } else {
                    format!("{council} Council Housing")
                };
                professional(rng, "", agency, "Housing officer", "housing.example")
            }
            "5A" => professional(
                rng,
                "",
                format!("{council} Adult Social Care"),
                "Social worker",
                &format!("{}.gov.example", slug(council)),
            ),
            "5B" => {
                let (agency, role) = if text.starts_with("Youth justice") {
                    ("Youth Justice Service", "Youth justice worker")
                } else {
                    (
                        "Anti-social Behaviour Team",
                        "Anti-social behaviour officer",
                    )
                };
                professional(
                    rng,
                    "",
                    format!("{council} {agency}"),
                    role,
                    &format!("{}.gov.example", slug(council)),
                )
            }
            "5C" => {
                let other = rng.one(&[
                    "Ashdown Borough Council",
                    "Northfleet City Council",
                    "Stourby District Council",
                    "Kelderton County Council",
                ]);
                let domain = format!(
                    "{}.gov.example",
                    slug(other.split_whitespace().next().unwrap_or("council"))
                );
                professional(
                    rng,
                    "",
                    format!("{other} Children's Services"),
                    "Social worker",
                    &domain,
                )
            }
            "5D" => {
                // The family's early help key worker, who recorded the contact.
                let worker = s.workers.iter().find(|w| w.id == d.recorded_by);
                let team = worker
                    .and_then(|w| s.teams.iter().find(|t| t.id == w.team))
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| format!("{council} Early Help"));
                match worker {
                    Some(w) => {
                        let mut parts = w.name.split_whitespace();
                        let g = parts.next().unwrap_or("");
                        let f = parts.last().unwrap_or("");
                        Referrer {
                            name: w.name.clone(),
                            agency: team,
                            role: "Early help key worker".to_string(),
                            phone: landline(rng),
                            email: format!("{}.{}@{}.gov.example", slug(g), slug(f), slug(council)),
                        }
                    }
                    None => professional(
                        rng,
                        "",
                        team,
                        "Early help key worker",
                        &format!("{}.gov.example", slug(council)),
                    ),
                }
            }
            "6" => {
                let title = rng.pick(&[("PC", 70.0), ("DC", 20.0), ("PS", 10.0)]);
                let role = if title == "DC" {
                    "Public protection unit officer"
                } else {
                    "Police officer"
                };
                professional(
                    rng,
                    title,
                    format!("{council} Police"),
                    role,
                    "police.example",
                )
            }
            "7" => {
                let (agency, role, domain) = if text.starts_with("Cafcass") {
                    ("Cafcass", "Family court adviser", "cafcass.example")
                } else if text.starts_with("Home Office") {
                    ("Home Office", "Immigration officer", "homeoffice.example")
                } else {
                    (
                        "Probation Service",
                        "Probation officer",
                        "probation.example",
                    )
                };
                professional(rng, "", agency.to_string(), role, domain)
            }
            "8" => {
                if text.starts_with("Children's centre") {
                    professional(
                        rng,
                        "",
                        format!("{town} Children's Centre"),
                        "Family support worker",
                        "childrenscentre.example",
                    )
                } else {
                    professional(
                        rng,
                        "",
                        format!("{town} Family Support Project"),
                        "Project worker",
                        "charity.example",
                    )
                }
            }
            "9" => Referrer {
                name: "Anonymous caller".to_string(),
                agency: "Anonymous".to_string(),
                role: String::new(),
                phone: String::new(),
                email: String::new(),
            },
            _ => Referrer {
                name: "Not recorded".to_string(),
                agency: "Unknown".to_string(),
                role: String::new(),
                phone: String::new(),
                email: String::new(),
            },
        }
    }
}

/// A name as it can appear in an email address: lower case letters and digits only.
fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if out.trim_matches(['.', '-']).is_empty() {
        "contact".to_string()
    } else {
        out.trim_matches(['.', '-']).to_string()
    }
}

/// How the contact reached the front door: most are taken by the front door's own staff
/// (a telephone call, a secure email, a form from another system); a share of police, school
/// and health contacts come through the partners' page, and some from the public through the
/// public form.
fn channel(rng: &mut ChaCha8Rng, code: &str) -> Channel {
    match code {
        "6" | "2A" | "3A" | "3B" | "3C" | "3D" | "3E" | "3F" if rng.chance(0.3) => Channel::Partner,
        "1A" | "1B" | "1C" | "1D" if rng.chance(0.4) => Channel::Public,
        "9" if rng.chance(0.5) => Channel::Public,
        _ => Channel::Professional,
    }
}

/// Consent as the front door recorded it, and its basis.
fn consent(rng: &mut ChaCha8Rng, code: &str, given: bool) -> (ConsentStatus, String) {
    if given {
        let basis = rng.one(&[
            "The family agreed to the contact and to information being shared with partner agencies.",
            "Parent agreed to the contact being made and to checks with partner agencies.",
        ]);
        return (ConsentStatus::Given, basis.to_string());
    }
    match code {
        "6" => (
            ConsentStatus::NotSought,
            "Seeking consent could increase the risk to the children; shared under the duty to share.".to_string(),
        ),
        "9" => (
            ConsentStatus::NotSought,
            "The caller was anonymous; consent could not be sought.".to_string(),
        ),
        "1A" | "1B" | "1C" | "1D" => (
            ConsentStatus::NotSought,
            "The referrer is not the parent; the front door will seek consent if the contact goes further.".to_string(),
        ),
        _ if rng.chance(0.5) => (
            ConsentStatus::Refused,
            "Parent refused consent; shared without it because the concerns suggest a child may be at risk of significant harm.".to_string(),
        ),
        _ => (
            ConsentStatus::NotSought,
            "Consent not sought: the concerns suggest a child may be at risk of significant harm.".to_string(),
        ),
    }
}

/// The agencies it makes sense to check with: not the referrer's own, and the ones that know
/// children of these ages (one, two or three of them).
fn agencies(rng: &mut ChaCha8Rng, code: &str, youngest: i32, oldest: i32) -> Vec<Agency> {
    let mut pool: Vec<(Agency, f64)> = Vec::new();
    if code != "6" {
        pool.push((Agency::Police, 40.0));
    }
    if !code.starts_with('3') {
        pool.push((Agency::Health, if youngest <= 4 { 40.0 } else { 20.0 }));
    }
    if oldest >= 4 && !code.starts_with('2') {
        pool.push((Agency::Education, 35.0));
    }
    if code == "7" || code == "6" {
        pool.push((Agency::Probation, 6.0));
    }
    if code != "4" {
        pool.push((Agency::Housing, 4.0));
    }
    if code != "5A" {
        pool.push((Agency::AdultServices, 5.0));
    }
    let n = rng.pick(&[(1usize, 60.0), (2, 35.0), (3, 5.0)]);
    let mut out = Vec::new();
    for _ in 0..n {
        if pool.is_empty() {
            break;
        }
        let a = rng.pick(&pool);
        pool.retain(|(x, _)| *x != a);
        out.push(a);
    }
    out
}

fn question(a: Agency) -> &'static str {
    match a {
        Agency::Police => {
            "Any police involvement with the household, or the adults named, in the last two years?"
        }
        Agency::Health => {
            "Are the children registered with a GP and seen by health services? Any health concerns?"
        }
        Agency::Education => {
            "Is the child attending regularly? Any safeguarding concerns logged at school?"
        }
        Agency::Probation => {
            "Is any adult in the household known to probation? Any risk assessment naming the children?"
        }
        Agency::Housing => "Any concerns about the tenancy, arrears or the condition of the home?",
        Agency::AdultServices => {
            "Is either parent known to adult social care or mental health services?"
        }
        Agency::Other => "Is the family known to your service? Any concerns about the children?",
    }
}

/// A partner's short answer; more worrying where the contact led to a referral.
fn answer(rng: &mut ChaCha8Rng, a: Agency, weight: Weight) -> &'static str {
    let worrying = weight == Weight::Referral && rng.chance(0.6);
    match (a, worrying) {
        (Agency::Police, true) => rng.one(&[
            "Three domestic incidents at the address in the last year; father arrested after the latest, released under investigation.",
            "Mother's partner has a conviction for assault two years ago; no current bail conditions.",
            "Two calls to the address this month about shouting; officers attended once.",
        ]),
        (Agency::Police, false) => rng.one(&[
            "No police records for the household.",
            "One call to the address last year about noise; no further action.",
            "Nothing recorded on the adults named; no markers on the address.",
        ]),
        (Agency::Health, true) => rng.one(&[
            "Children missed their last two health appointments; health visitor unable to gain access.",
            "Mother known to the perinatal mental health team; missed her last review.",
            "Child seen in A&E twice this year with minor injuries.",
        ]),
        (Agency::Health, false) => rng.one(&[
            "Registered with the GP and up to date with immunisations; no concerns noted.",
            "Health visitor saw the family at the last review; no concerns then.",
            "Seen by the GP last month for a routine matter; nothing of concern recorded.",
        ]),
        (Agency::Education, true) => rng.one(&[
            "Attendance 81% this term; school has logged four concerns about hunger and tiredness.",
            "Child disclosed to a teaching assistant that they are scared at home; logged last week.",
        ]),
        (Agency::Education, false) => rng.one(&[
            "Attendance 96%; no safeguarding concerns logged.",
            "Attendance 92%; child settled and making progress; no concerns logged.",
            "Attendance 88%; school in touch with the parent about punctuality; no safeguarding concerns.",
        ]),
        (Agency::Probation, _) => rng.one(&[
            "Not known to probation.",
            "Mother's partner under probation supervision until next year; no order naming the children.",
        ]),
        (Agency::Housing, _) => rng.one(&[
            "Tenancy in good standing; no complaints recorded.",
            "Rent arrears of about two months; no eviction notice served.",
        ]),
        (Agency::AdultServices, _) => rng.one(&[
            "Not known to adult social care.",
            "Mother known to the community mental health team; care coordinator allocated.",
        ]),
        (Agency::Other, _) => "Not known to the service.",
    }
}

/// What the referrer is told, in plain words, about what the front door decided.
fn feedback(code: &str, referrer: &Referrer, kids: &[(&Kid, &Dec)]) -> String {
    if code == "9" || referrer.phone.is_empty() && referrer.email.is_empty() {
        return "The caller did not leave their details, so no feedback could be given."
            .to_string();
    }
    let top = kids.iter().map(|(_, x)| x).max_by_key(|x| match x.outcome {
        ContactOutcome::StrategyDiscussion => 6,
        ContactOutcome::SocialCareReferral => 5,
        ContactOutcome::EarlyHelp => 4,
        ContactOutcome::PassToAllocatedWorker => 3,
        ContactOutcome::InformationAndAdvice => 2,
        ContactOutcome::SignpostUniversal => 1,
        ContactOutcome::NoFurtherAction => 0,
    });
    let Some(top) = top else {
        return String::new();
    };
    match top.outcome {
        ContactOutcome::StrategyDiscussion => "Thank you for your contact. A strategy discussion is being arranged with the police and health; please be ready to share what you know.",
        ContactOutcome::SocialCareReferral => "Thank you for your contact. A social worker will assess the children's needs and may contact you for more information; please keep sharing any new concerns.",
        ContactOutcome::EarlyHelp => "Thank you for your contact. The family has agreed to early help from the locality team; a key worker will be in touch and may invite you to a team around the family meeting.",
        ContactOutcome::PassToAllocatedWorker => "Thank you for your contact. The children are already known to us: your information has gone to their allocated worker, who may contact you.",
        _ if top.reason.starts_with("Open case") => "Thank you for your contact. The children are already known to us: your information has gone to their allocated worker, who may contact you.",
        ContactOutcome::InformationAndAdvice | ContactOutcome::SignpostUniversal => "Thank you for your contact. We have given advice and pointed the family to support in the community; children's social care is not needed now. Please contact us again if your worries grow.",
        ContactOutcome::NoFurtherAction => "Thank you for your contact. After checks we have decided no further action by children's social care is needed; please keep supporting the family and contact us again if anything changes.",
    }
    .to_string()
}
