//! Journeys: five years (and more, for whatever is still open when the window starts) of each
//! child's events. Each household lives through a stream of concerns whose rate depends on the
//! family's risk and recent history; each concern becomes a case (see `case`), possibly a period
//! of care (`care`); the routine work inside each involvement is then filled in (`fill`) and
//! recording times and corrections are added (`finish`). Every child's events are checked
//! against the domain's rules as they are settled.

mod care;
mod case;
mod fill;
pub mod finish;
mod params;

pub(crate) use care::{placement_floor, retirements};
pub use params::Params;

use chrono::{DateTime, NaiveTime, Utc};
use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::events::{ContactOutcome, EventKind, JourneyEvent};
use stepwise_domain::ids::{EventSeq, PersonId, TeamId, WorkerId};
use stepwise_domain::projection::{ChildState, Involvement};

use crate::days::{Cal, Day, age, date};
use crate::dist::{Draw, stream};
use crate::families::{HouseholdDraft, Population};
use crate::notes;
use crate::org::TeamPlan;
use crate::places::Places;
use case::{Case, CaseKid, CaseKind};

/// Stream tags: each purpose draws from its own random stream.
pub(crate) const TAG_CARE: u64 = 0x4341_5245;
pub(crate) const TAG_FILL: u64 = 0x4649_4c4c;
pub(crate) const TAG_KID: u64 = 0x4b49_4421;
const TAG_HOUSEHOLD: u64 = 0x484f_5553;
const TAG_CASE: u64 = 0x4341_5345;
const TAG_RECORD: u64 = 0x5245_4344;
const TAG_RETURNS: u64 = 0x5245_5455;

/// Who recorded an event, resolved to a named worker once workers are hired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rec {
    /// The child's allocated worker at the time.
    Allocated,
    FrontDoor,
    FrontDoorManager,
    /// The manager of the allocated worker's team.
    Manager,
    /// An independent reviewing officer or conference chair.
    Iro,
    /// The manager of a named team (allocations).
    TeamManager(TeamId),
}

/// An event while it is being generated.
#[derive(Debug, Clone)]
pub struct Raw {
    pub day: Day,
    pub ev: JourneyEvent,
    pub rec: Rec,
    /// A random number that picks the worker (for allocations) or the recorder.
    pub draw: u32,
    pub case: u32,
    pub ord: u32,
    /// For a start of care: the day the period really began; for a missing episode: the day
    /// it was recorded.
    pub aux: Day,
    /// Routine work added after the significant events.
    pub fill: bool,
    /// An event that may be dropped if it does not fit (a contact on an open case).
    pub optional: bool,
}

impl Raw {
    /// A new event; `seq`, `recorded_at` and `recorded_by` are set when the log is assembled.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        day: Day,
        t: Option<NaiveTime>,
        kind: EventKind,
        rec: Rec,
        draw: u32,
        case: u32,
        ord: u32,
        aux: Day,
    ) -> Self {
        Self {
            day,
            ev: JourneyEvent {
                seq: EventSeq(0),
                child: PersonId(0),
                effective: date(day),
                effective_time: t,
                recorded_at: DateTime::<Utc>::default(),
                recorded_by: WorkerId(0),
                supersedes: None,
                kind,
            },
            rec,
            draw,
            case,
            ord,
            aux,
            fill: false,
            optional: false,
        }
    }
}

/// What the journeys need to know about the world.
pub struct Ctx<'a> {
    pub seed: u64,
    /// The last day of history (the day before the configured `today`).
    pub today: Day,
    /// The moment history is as at: nothing is recorded at or after it.
    pub now: DateTime<Utc>,
    pub window_start: Day,
    /// The first day placement codes are listed for (earlier starts of care are shown from here).
    pub floor: Day,
    pub retirements: Vec<Day>,
    pub cal: &'a Cal,
    pub teams: &'a TeamPlan,
    pub places: &'a Places,
    pub p: &'a Params,
}

/// One child's finished journey.
#[derive(Debug, Clone)]
pub struct ChildJourney {
    pub person: usize,
    /// The household the child's cases came from (an index past the population's households
    /// for an unaccompanied child, who arrives alone).
    pub household: usize,
    pub events: Vec<Raw>,
    pub recorded: Vec<DateTime<Utc>>,
    pub corrections: Vec<(Raw, DateTime<Utc>, usize)>,
    pub left_home: Option<(Day, bool)>,
    /// The team of the allocated worker on `today`, when something is open.
    pub final_team: Option<TeamId>,
    pub looked_after: bool,
    pub on_plan: bool,
}

/// What went wrong while settling journeys (all zero in a correct generator).
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Events dropped because they did not fit the child's state.
    pub dropped: usize,
    /// Of those, events that were not optional.
    pub dropped_required: usize,
    /// Children open on `today` with no allocated worker.
    pub open_unallocated: usize,
    /// The first few rule breaches, for diagnosis.
    pub first_errors: Vec<String>,
}

struct Kid {
    person: usize,
    dob: Day,
    disabled: bool,
    busy_until: Day,
    gone: bool,
    events: Vec<Raw>,
    ord: u32,
    levels: Vec<(Day, &'static str)>,
    left_home: Option<(Day, bool)>,
    next_teen: Option<Day>,
    next_disability: Option<Day>,
    prebirth: Option<Day>,
}

#[derive(Clone, Copy)]
enum Next {
    Family(bool),
    Teen(usize),
    Disability(usize),
    PreBirth(usize),
}

struct HouseholdRun<'a> {
    ctx: &'a Ctx<'a>,
    hh: &'a HouseholdDraft,
    hh_index: usize,
    rng: ChaCha8Rng,
    kids: Vec<Kid>,
    cases: u32,
    history: bool,
    next_bounce: Option<Day>,
}

impl HouseholdRun<'_> {
    fn incident(
        &mut self,
        t: Day,
        kind: CaseKind,
        candidates: &[usize],
    ) -> Result<(), DomainError> {
        let ctx = self.ctx;
        let eligible: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&k| {
                let kid = &self.kids[k];
                let born = kid.dob <= t || kind == CaseKind::PreBirth;
                born && !kid.gone && (kid.dob > t || age(kid.dob, t) < 18) && kid.busy_until < t
            })
            .collect();
        if matches!(kind, CaseKind::Family { .. }) {
            for &k in candidates {
                let kid = &self.kids[k];
                if kid.dob <= t
                    && !kid.gone
                    && age(kid.dob, t) < 18
                    && kid.busy_until >= t
                    && self.rng.chance(0.35)
                {
                    self.open_case_contact(k, t)?;
                }
            }
        }
        if eligible.is_empty() {
            return Ok(());
        }
        self.cases += 1;
        let mut case = Case {
            ctx,
            hh: self.hh,
            rng: stream(
                ctx.seed,
                TAG_CASE,
                self.hh_index as u64,
                u64::from(self.cases),
            ),
            id: self.cases,
            kind,
            risk: self.hh.risk,
            kids: eligible
                .iter()
                .map(|&k| {
                    let kid = &self.kids[k];
                    CaseKid {
                        k,
                        person: kid.person,
                        dob: kid.dob,
                        disabled: kid.disabled,
                        active: true,
                        eh: false,
                        referral: false,
                        cin: false,
                        cp: false,
                        lac: false,
                        cl: false,
                        allocated: false,
                        truncated: false,
                        last_day: t,
                        events: Vec::new(),
                        ord: kid.ord,
                        levels: Vec::new(),
                        left_home: None,
                        had_cp_or_care: false,
                        need: "N1",
                        asmt: false,
                        s47: false,
                    }
                })
                .collect(),
            team: None,
            factors_kind: kind,
            last_source: "10",
            eh_level: "3",
            history: self.history,
        };
        case.run(t)?;
        let mut all_closed = true;
        let mut last = t;
        for ck in case.kids {
            let kid = &mut self.kids[ck.k];
            kid.events.extend(ck.events);
            kid.ord = ck.ord;
            kid.levels.extend(ck.levels);
            kid.busy_until = if ck.truncated {
                Day::MAX
            } else {
                ck.last_day.max(t)
            };
            if ck.left_home.is_some() {
                kid.left_home = ck.left_home;
                kid.gone = true;
            }
            if ck.had_cp_or_care {
                self.history = true;
            }
            all_closed &= !ck.truncated;
            last = last.max(ck.last_day);
        }
        if all_closed && matches!(kind, CaseKind::Family { .. } | CaseKind::Teen) {
            let p = ctx.p.bounce[self.hh.risk as usize];
            if self.rng.chance(p) {
                let gap = (15.0 + self.rng.exponential(110.0)).min(365.0) as i32;
                let at = last + gap;
                self.next_bounce = Some(self.next_bounce.map_or(at, |b| b.min(at)));
            }
        }
        Ok(())
    }

    /// A contact about a child whose case is already open: passed to the allocated worker.
    fn open_case_contact(&mut self, k: usize, t: Day) -> Result<(), DomainError> {
        let kid = &self.kids[k];
        let clash = kid.events.iter().any(|e| {
            matches!(
                e.ev.kind,
                EventKind::ContactReceived { .. } | EventKind::ContactDecided { .. }
            ) && (e.day - t).abs() <= 10
        });
        if clash || kid.events.is_empty() {
            return Ok(());
        }
        let level = kid
            .levels
            .iter()
            .rev()
            .find(|(d, _)| *d <= t)
            .map(|(_, l)| *l)
            .unwrap_or("4");
        let a = if kid.dob > t { -1 } else { age(kid.dob, t) };
        let mut source = self.rng.pick(&[
            ("6", 40.0),
            ("2A", 25.0),
            ("3D", 15.0),
            ("1A", 10.0),
            ("8", 10.0),
        ]);
        if !notes::source_fits(source, a, a) {
            source = "6";
        }
        let concerns = notes::concern(&mut self.rng, source, a, a, notes::Flavour::Family);
        let h = self.rng.int(8, 16) as u32;
        let m = self.rng.int(0, 59) as u32;
        let reason = notes::decision_reason(&mut self.rng, "open").to_string();
        self.cases += 1;
        let case = self.cases;
        let kid = &mut self.kids[k];
        kid.ord += 1;
        let mut a = Raw::new(
            t,
            NaiveTime::from_hms_opt(h, m, 0),
            EventKind::ContactReceived {
                source: source.parse()?,
                concerns,
                consent: true,
            },
            Rec::FrontDoor,
            kid.person as u32,
            case,
            kid.ord,
            0,
        );
        a.optional = true;
        kid.ord += 1;
        let mut b = Raw::new(
            t,
            NaiveTime::from_hms_opt((h + 1).min(23), m, 0),
            EventKind::ContactDecided {
                level: level.parse()?,
                outcome: ContactOutcome::InformationAndAdvice,
                reason,
            },
            Rec::FrontDoor,
            kid.person as u32,
            case,
            kid.ord,
            0,
        );
        b.optional = true;
        kid.events.push(a);
        kid.events.push(b);
        Ok(())
    }

    fn run(&mut self) -> Result<(), DomainError> {
        let ctx = self.ctx;
        let p = ctx.p;
        let risk = self.hh.risk as usize;
        let start = self.kids.iter().map(|k| k.dob).min().unwrap_or(ctx.today);
        let family_gap =
            |rng: &mut ChaCha8Rng| rng.exponential(365.25 / p.family_rate[risk]) as i32 + 1;
        let mut next_family = start + family_gap(&mut self.rng);
        for k in 0..self.kids.len() {
            let dob = self.kids[k].dob;
            let twelve = crate::days::birthday(dob, 12);
            self.kids[k].next_teen =
                Some(twelve + self.rng.exponential(365.25 / p.teen_rate[risk]) as i32);
            if self.kids[k].disabled {
                self.kids[k].next_disability =
                    Some(dob + 180 + self.rng.exponential(365.25 / p.disability_rate) as i32);
            }
            if dob > start + 200 {
                self.kids[k].prebirth = Some(dob - self.rng.int(60, 130));
            }
        }
        loop {
            let mut best = (next_family, Next::Family(false));
            if let Some(b) = self.next_bounce
                && b < best.0
            {
                best = (b, Next::Family(true));
            }
            for (k, kid) in self.kids.iter().enumerate() {
                if let Some(t) = kid.next_teen
                    && t < best.0
                {
                    best = (t, Next::Teen(k));
                }
                if let Some(t) = kid.next_disability
                    && t < best.0
                {
                    best = (t, Next::Disability(k));
                }
                if let Some(t) = kid.prebirth
                    && t < best.0
                {
                    best = (t, Next::PreBirth(k));
                }
            }
            let (t, what) = best;
            if t > ctx.today {
                break;
            }
            match what {
                Next::Family(bounce) => {
                    if bounce {
                        self.next_bounce = None;
                    } else {
                        next_family = t + family_gap(&mut self.rng);
                    }
                    let all: Vec<usize> = (0..self.kids.len()).collect();
                    self.incident(t, CaseKind::Family { bounce }, &all)?;
                }
                Next::Teen(k) => {
                    let dob = self.kids[k].dob;
                    let next = t + self.rng.exponential(365.25 / p.teen_rate[risk]) as i32 + 1;
                    self.kids[k].next_teen = (age(dob, next) < 18).then_some(next);
                    self.incident(t, CaseKind::Teen, &[k])?;
                }
                Next::Disability(k) => {
                    let dob = self.kids[k].dob;
                    let next = t + self.rng.exponential(365.25 / p.disability_rate) as i32 + 1;
                    self.kids[k].next_disability = (age(dob, next) < 17).then_some(next);
                    self.incident(t, CaseKind::Disability, &[k])?;
                }
                Next::PreBirth(k) => {
                    self.kids[k].prebirth = None;
                    let chance = (p.prebirth[risk] * if self.history { 3.0 } else { 1.0 }).min(0.9);
                    if self.rng.chance(chance) {
                        self.incident(t, CaseKind::PreBirth, &[k])?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Settles one child's events: drops history that closed before the window, shows care that
/// began before the placement code lists from their first day, adds the routine work, checks
/// every event against the domain's rules and adds recording times and corrections.
fn settle(
    ctx: &Ctx,
    pop: &Population,
    kid: Kid,
    hh_index: usize,
    report: &mut Report,
) -> Result<Option<ChildJourney>, DomainError> {
    let mut ev = kid.events;
    if ev.is_empty() {
        return Ok(None);
    }
    ev.sort_by_key(|r| (r.day, r.ord));
    let mut earlier = drop_closed_before(&mut ev, ctx.window_start);
    drop_contacts_about_others(&mut earlier, ctx.window_start, kid.dob);
    drop_contacts_about_others(&mut ev, ctx.window_start, kid.dob);
    show_from_floor(&mut ev, ctx.floor);
    if ev.is_empty() && earlier.is_empty() {
        return Ok(None);
    }
    let name = pop.people[kid.person]
        .names
        .first()
        .map(|n| n.given.clone())
        .unwrap_or_default();
    let info = fill::KidInfo {
        person: kid.person,
        dob: kid.dob,
        hh_index,
        name: &name,
    };
    let mut ev = if ev.is_empty() {
        ev
    } else {
        fill::fill(ctx, &info, ev, kid.ord)?
    };
    if !earlier.is_empty() {
        let mut all = earlier;
        all.append(&mut ev);
        ev = all;
    }
    // What the statutory returns need beyond the journey: adoption decisions and matches,
    // previous plans, previous permanence.
    let mut rng = stream(ctx.seed, TAG_RETURNS, kid.person as u64, 0);
    crate::returns::add(&mut ev, &mut rng, ctx.cal, ctx.today + 1, kid.dob)?;
    // Check every event against the domain's rules, in order.
    let mut state = ChildState::new(PersonId(0));
    let mut kept = Vec::with_capacity(ev.len());
    for r in ev {
        match state.check(&r.ev) {
            Ok(()) => {
                state.apply(&r.ev);
                kept.push(r);
            }
            Err(e) => {
                report.dropped += 1;
                if !r.optional {
                    report.dropped_required += 1;
                    if report.first_errors.len() < 20 {
                        let who = pop.people[kid.person]
                            .names
                            .first()
                            .map(|n| n.full())
                            .unwrap_or_default();
                        report.first_errors.push(format!(
                            "{who} (born {}) on {}: {e}",
                            date(kid.dob),
                            date(r.day)
                        ));
                    }
                }
            }
        }
    }
    let open = state
        .involvements()
        .iter()
        .any(|i| *i != Involvement::FrontDoor);
    if open && state.allocated.is_none() {
        report.open_unallocated += 1;
    }
    let mut rng = stream(ctx.seed, TAG_RECORD, kid.person as u64, 0);
    let recorded = finish::recorded_times(&mut rng, &kept, ctx.now);
    let corrections = finish::corrections(&mut rng, &kept, &recorded, ctx.now)?;
    Ok(Some(ChildJourney {
        person: kid.person,
        household: hh_index,
        events: kept,
        recorded,
        corrections,
        left_home: kid.left_home,
        final_team: if open {
            state.allocated.map(|a| a.team)
        } else {
            None
        },
        looked_after: state.looked_after.is_some(),
        on_plan: state.cp_plan.is_some(),
    }))
}

/// Drops each run of involvement that closed before the window began, except the runs with a
/// child protection plan (and no care), which are returned: the significant events of a
/// child's earlier plans stay on the record (as a council's records hold them, however long
/// ago), so that a later plan shows as a repeat plan. They are kept without routine work.
fn drop_closed_before(ev: &mut Vec<Raw>, window_start: Day) -> Vec<Raw> {
    let n = ev.len();
    let mut keep = vec![true; n];
    let (mut pending, mut eh, mut referral, mut lac, mut cl) = (false, false, false, false, false);
    let mut chain_start = 0;
    let mut earlier = vec![false; n];
    for i in 0..n {
        match &ev[i].ev.kind {
            EventKind::ContactReceived { .. } => pending = true,
            EventKind::ContactDecided { .. } => pending = false,
            EventKind::EarlyHelpOpened { .. } => eh = true,
            EventKind::EarlyHelpClosed { .. } => eh = false,
            EventKind::ReferralOpened { .. } => referral = true,
            EventKind::ReferralClosed { .. } => referral = false,
            EventKind::LookedAfterStarted { .. } => lac = true,
            EventKind::LookedAfterEnded { .. } => lac = false,
            EventKind::CareLeaverStarted => cl = true,
            EventKind::CareLeaverEnded => cl = false,
            _ => {}
        }
        let closed = !(pending || eh || referral || lac || cl);
        let next_day_later = i + 1 == n || ev[i + 1].day > ev[i].day;
        if closed && next_day_later {
            if ev[i].day < window_start {
                let run = &ev[chain_start..=i];
                let plan = run
                    .iter()
                    .any(|r| matches!(r.ev.kind, EventKind::CpPlanStarted { .. }));
                let care = run.iter().any(|r| {
                    matches!(
                        r.ev.kind,
                        EventKind::LookedAfterStarted { .. } | EventKind::CareLeaverStarted
                    )
                });
                for k in chain_start..=i {
                    keep[k] = false;
                    earlier[k] = plan && !care;
                }
            }
            chain_start = i + 1;
        }
    }
    let mut kept = Vec::new();
    let mut rest = Vec::with_capacity(n);
    for (i, r) in ev.drain(..).enumerate() {
        if keep[i] {
            rest.push(r);
        } else if earlier[i] {
            kept.push(r);
        }
    }
    *ev = rest;
    kept
}

/// Before the window only part of a family's history is kept (each child's runs that were
/// still open when it began, or had a plan), so a contact made about brothers and sisters
/// together may be kept for one child and not for the others. Such a contact is kept only when
/// its source fits this child on their own (a school does not write about a baby); otherwise
/// it and its decision are left out, and the record starts at the referral.
fn drop_contacts_about_others(ev: &mut Vec<Raw>, window_start: Day, dob: Day) {
    let mut skip_decision = false;
    ev.retain(|r| match &r.ev.kind {
        EventKind::ContactReceived { .. } if r.day >= window_start => {
            skip_decision = false;
            true
        }
        EventKind::ContactReceived { source, .. } => {
            let a = if dob > r.day { -1 } else { age(dob, r.day) };
            skip_decision = !notes::source_fits(source.as_str(), a, a);
            !skip_decision
        }
        // The decision goes with its contact, even when it was made after the window began.
        EventKind::ContactDecided { .. } if skip_decision => {
            skip_decision = false;
            false
        }
        _ => true,
    });
}

/// Periods of care that began before the placement code lists start are shown from the first
/// day of the lists, with a note of when they really began; periods that ended before it are
/// left out. (The domain's placement codes are listed from collection year 2022-23.)
fn show_from_floor(ev: &mut Vec<Raw>, floor: Day) {
    if ev.first().is_none_or(|e| e.day >= floor) {
        return;
    }
    let mut out: Vec<Raw> = Vec::with_capacity(ev.len() + 2);
    let mut period: Option<(Day, Option<Raw>)> = None;
    let mut ended: Vec<(Day, Day, u32)> = Vec::new();
    for r in ev.drain(..) {
        let before = r.day < floor;
        match &r.ev.kind {
            EventKind::LookedAfterStarted { .. } if before => {
                period = Some((r.day, Some(r)));
                continue;
            }
            EventKind::LookedAfterChanged { .. } if before && period.is_some() => {
                if let Some((s, _)) = period.take() {
                    period = Some((s, Some(r)));
                }
                continue;
            }
            EventKind::LookedAfterEnded { .. } if before && period.is_some() => {
                if let Some((s, _)) = period.take() {
                    ended.push((s, r.day, r.case));
                }
                continue;
            }
            EventKind::LookedAfterReview { .. } | EventKind::MissingEpisode { .. } if before => {
                continue;
            }
            _ => {}
        }
        if !before {
            for (start, end, case) in ended.drain(..) {
                out.push(ended_note(start, end, floor, case));
            }
            if let Some((start, Some(last))) = period.take() {
                out.push(started_at_floor(start, last, floor));
                out.push(floor_note(start, floor, &out));
            }
        }
        out.push(r);
    }
    for (start, end, case) in ended.drain(..) {
        out.push(ended_note(start, end, floor, case));
    }
    if let Some((start, Some(last))) = period.take() {
        out.push(started_at_floor(start, last, floor));
        out.push(floor_note(start, floor, &out));
    }
    *ev = out;
}

/// A note, on the first day of the code lists, of a period of care that ended before them.
fn ended_note(start: Day, end: Day, floor: Day, case: u32) -> Raw {
    let mut r = Raw::new(
        floor,
        None,
        EventKind::CaseNote {
            subject: "Earlier care history".into(),
            text: format!(
                "Looked after from {} to {}. Episodes before {} are held in the previous case management system.",
                date(start).format("%d/%m/%Y"),
                date(end).format("%d/%m/%Y"),
                date(floor).format("%d/%m/%Y")
            ),
        },
        Rec::Allocated,
        0,
        case,
        0,
        0,
    );
    r.fill = true;
    r
}

fn started_at_floor(start: Day, last: Raw, floor: Day) -> Raw {
    let placement = match last.ev.kind {
        EventKind::LookedAfterStarted { placement, .. } => placement,
        EventKind::LookedAfterChanged { placement, .. } => placement,
        _ => return last,
    };
    Raw::new(
        floor,
        None,
        EventKind::LookedAfterStarted {
            placement,
            previous_permanence: None,
        },
        Rec::Allocated,
        0,
        last.case,
        0,
        start,
    )
}

fn floor_note(start: Day, floor: Day, out: &[Raw]) -> Raw {
    let case = out.last().map(|r| r.case).unwrap_or(0);
    let mut r = Raw::new(
        floor,
        None,
        EventKind::CaseNote {
            subject: "Earlier care history".into(),
            text: format!(
                "Looked after since {}. Episodes before {} are held in the previous case management system.",
                date(start).format("%d/%m/%Y"),
                date(floor).format("%d/%m/%Y")
            ),
        },
        Rec::Allocated,
        0,
        case,
        0,
        0,
    );
    r.fill = true;
    r
}

/// Simulates every household and unaccompanied child and settles each child's journey.
pub fn simulate(ctx: &Ctx, pop: &Population) -> Result<(Vec<ChildJourney>, Report), DomainError> {
    let mut report = Report::default();
    let mut out = Vec::new();
    for (h, hh) in pop.households.iter().enumerate() {
        let kids: Vec<Kid> = hh
            .children
            .iter()
            .filter_map(|&p| {
                let person = &pop.people[p];
                let dob = person.dob.or(person.expected)?;
                Some(Kid {
                    person: p,
                    dob,
                    disabled: !person.disabilities.is_empty(),
                    busy_until: Day::MIN,
                    gone: false,
                    events: Vec::new(),
                    ord: 0,
                    levels: Vec::new(),
                    left_home: None,
                    next_teen: None,
                    next_disability: None,
                    prebirth: None,
                })
            })
            .collect();
        if kids.is_empty() {
            continue;
        }
        let mut run = HouseholdRun {
            ctx,
            hh,
            hh_index: h,
            rng: stream(ctx.seed, TAG_HOUSEHOLD, h as u64, 0),
            kids,
            cases: 0,
            history: false,
            next_bounce: None,
        };
        run.run()?;
        for kid in run.kids {
            if let Some(j) = settle(ctx, pop, kid, h, &mut report)? {
                out.push(j);
            }
        }
    }
    // Unaccompanied children arrive alone; they live where they are placed.
    let base = pop.households.len();
    for (n, &(p, arrival)) in pop.uasc.iter().enumerate() {
        let person = &pop.people[p];
        let Some(dob) = person.dob else { continue };
        let mut rng = stream(ctx.seed, TAG_HOUSEHOLD, (base + n) as u64, 1);
        let loc = rng.int(0, ctx.teams.early_help.len().max(1) as i32 - 1) as usize;
        let place = ctx.places.address(&mut rng, loc);
        let hh = HouseholdDraft {
            members: vec![(p, arrival, None)],
            addresses: vec![(place, arrival, None)],
            risk: 0,
            children: vec![p],
        };
        let mut run = HouseholdRun {
            ctx,
            hh: &hh,
            hh_index: base + n,
            rng,
            kids: vec![Kid {
                person: p,
                dob,
                disabled: false,
                busy_until: Day::MIN,
                gone: false,
                events: Vec::new(),
                ord: 0,
                levels: Vec::new(),
                left_home: None,
                next_teen: None,
                next_disability: None,
                prebirth: None,
            }],
            cases: 0,
            history: false,
            next_bounce: None,
        };
        run.incident(arrival, CaseKind::Uasc, &[0])?;
        for kid in run.kids {
            if let Some(j) = settle(ctx, pop, kid, base + n, &mut report)? {
                out.push(j);
            }
        }
    }
    Ok((out, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stepwise_domain::events::{EarlyHelpClosure, Placement};

    fn raw(day: Day, kind: EventKind) -> Raw {
        Raw::new(day, None, kind, Rec::Allocated, 0, 1, day as u32, 0)
    }

    fn placement(code: &str) -> Placement {
        Placement {
            legal_status: "C2".parse().unwrap(),
            placement: code.parse().unwrap(),
            provider: "PR1".parse().unwrap(),
            category_of_need: "N1".parse().unwrap(),
            home_postcode: None,
            placement_postcode: None,
            urn: None,
        }
    }

    #[test]
    fn runs_that_closed_before_the_window_are_dropped() {
        let mut ev = vec![
            raw(
                10,
                EventKind::EarlyHelpOpened {
                    level: "2".parse().unwrap(),
                },
            ),
            raw(
                20,
                EventKind::EarlyHelpClosed {
                    reason: EarlyHelpClosure::NeedsMet,
                },
            ),
            raw(
                90,
                EventKind::EarlyHelpOpened {
                    level: "3".parse().unwrap(),
                },
            ),
            raw(
                120,
                EventKind::EarlyHelpClosed {
                    reason: EarlyHelpClosure::NeedsMet,
                },
            ),
        ];
        let earlier = drop_closed_before(&mut ev, 100);
        assert!(earlier.is_empty());
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].day, 90);
    }

    #[test]
    fn care_that_began_before_the_code_lists_is_shown_from_their_first_day() {
        let mut ev = vec![
            raw(
                10,
                EventKind::LookedAfterStarted {
                    placement: placement("U6"),
                    previous_permanence: None,
                },
            ),
            raw(
                30,
                EventKind::LookedAfterEnded {
                    reason: "E4A".parse().unwrap(),
                },
            ),
            raw(
                50,
                EventKind::LookedAfterStarted {
                    placement: placement("U6"),
                    previous_permanence: None,
                },
            ),
            raw(
                60,
                EventKind::LookedAfterChanged {
                    reason_new_episode: "P".parse().unwrap(),
                    placement: placement("K2"),
                    reason_place_change: Some("CREQB".parse().unwrap()),
                },
            ),
            raw(
                150,
                EventKind::LookedAfterReview {
                    participation: "PN1".parse().unwrap(),
                },
            ),
        ];
        show_from_floor(&mut ev, 100);
        // The first period ended before the floor and is left out, with a note of it; the
        // second starts at the floor, with a note of when it really began.
        assert_eq!(ev.len(), 4);
        assert!(matches!(ev[0].ev.kind, EventKind::CaseNote { .. }));
        assert_eq!(ev[1].day, 100);
        assert_eq!(ev[1].aux, 50);
        let code = match &ev[1].ev.kind {
            EventKind::LookedAfterStarted { placement, .. } => placement.placement.as_str(),
            _ => "",
        };
        assert_eq!(code, "K2");
        assert!(matches!(ev[2].ev.kind, EventKind::CaseNote { .. }));
    }
}
