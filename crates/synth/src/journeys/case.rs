//! A case: what happens after one concern about one or more children of a household, from the
//! front door through early help or a referral, assessment, section 47 enquiries, conferences,
//! child in need and child protection plans, to step-down, closure or care. Siblings share a
//! case (the same dates and decisions, the same worker); a child who comes into care or comes of
//! age leaves the case and the others carry on.

use chrono::NaiveTime;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::codes::{Code, CodeList};
use stepwise_domain::events::{
    AllocationRole, AssessmentOutcome, ContactOutcome, EarlyHelpClosure, EventKind,
    Section47Outcome,
};
use stepwise_domain::ids::{TeamId, WorkerId};

use super::{Ctx, Raw, Rec};
use crate::days::{Day, add_months, age, age_years, birthday};
use crate::dist::Draw;
use crate::families::HouseholdDraft;
use crate::notes;

/// What kind of concern started a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// A concern about the family (the usual case); `bounce` when it comes back soon after closing.
    Family { bounce: bool },
    /// A teenager's own behaviour or safety.
    Teen,
    /// A disabled child's needs.
    Disability,
    /// An expected baby.
    PreBirth,
    /// An unaccompanied asylum-seeking child arriving.
    Uasc,
}

/// How a child came into care; it shapes legal status, placement and plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Through child protection or a section 47 enquiry, usually care proceedings.
    Protection,
    /// Accommodated with the parents' agreement (section 20).
    Voluntary,
    /// A baby removed at or soon after birth.
    Birth,
    /// An unaccompanied asylum-seeking child.
    Uasc,
    /// Remanded to local authority accommodation.
    Remand,
    /// An agreed series of short breaks for a disabled child (V4).
    ShortBreaks,
}

/// One child in a case, with what is open for them.
#[derive(Debug, Clone)]
pub struct CaseKid {
    pub k: usize,
    pub person: usize,
    pub dob: Day,
    pub disabled: bool,
    pub active: bool,
    pub eh: bool,
    pub referral: bool,
    pub cin: bool,
    pub cp: bool,
    pub lac: bool,
    pub cl: bool,
    pub allocated: bool,
    /// Something for this child runs past `today`: still open.
    pub truncated: bool,
    pub last_day: Day,
    pub events: Vec<Raw>,
    pub ord: u32,
    pub levels: Vec<(Day, &'static str)>,
    /// Left the birth family: the day, and whether by adoption.
    pub left_home: Option<(Day, bool)>,
    pub had_cp_or_care: bool,
    pub need: &'static str,
    /// An assessment is under way (started, not yet authorised).
    pub asmt: bool,
    /// A section 47 enquiry is under way.
    pub s47: bool,
}

/// A case being generated.
pub struct Case<'a> {
    pub ctx: &'a Ctx<'a>,
    pub hh: &'a HouseholdDraft,
    pub rng: ChaCha8Rng,
    pub id: u32,
    pub kind: CaseKind,
    pub risk: u8,
    pub kids: Vec<CaseKid>,
    pub team: Option<TeamId>,
    pub factors_kind: CaseKind,
    pub last_source: &'static str,
    pub eh_level: &'static str,
    /// A child of the family has been on a plan or in care before.
    pub history: bool,
}

fn time(h: u32, m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h.min(23), m.min(59), 0)
}

const FAMILY_FACTORS: &[(&str, f64)] = &[
    ("3B", 25.0),
    ("3A", 16.0),
    ("4B", 25.0),
    ("2B", 12.0),
    ("1B", 10.0),
    ("16A", 14.0),
    ("17A", 14.0),
    ("18C", 7.0),
    ("19C", 3.0),
    ("5B", 4.0),
    ("6B", 4.0),
    ("4C", 3.0),
    ("3C", 3.0),
    ("2C", 3.0),
    ("1C", 2.0),
    ("7A", 3.0),
    ("20", 6.0),
    ("23A", 0.4),
    ("22A", 0.3),
    ("8E", 0.5),
];
const TEEN_FACTORS: &[(&str, f64)] = &[
    ("4A", 20.0),
    ("15A", 12.0),
    ("10A", 15.0),
    ("11A", 10.0),
    ("24A", 10.0),
    ("13A", 6.0),
    ("14A", 12.0),
    ("2A", 8.0),
    ("1A", 4.0),
    ("3A", 8.0),
    ("17A", 8.0),
    ("19B", 3.0),
    ("18B", 2.0),
    ("12A", 1.0),
    ("20", 5.0),
];
const DISABILITY_FACTORS: &[(&str, f64)] = &[
    ("5A", 30.0),
    ("6A", 40.0),
    ("4A", 10.0),
    ("4B", 8.0),
    ("7A", 4.0),
    ("20", 8.0),
];
const PREBIRTH_FACTORS: &[(&str, f64)] = &[
    ("3B", 25.0),
    ("4B", 30.0),
    ("2B", 20.0),
    ("1B", 10.0),
    ("5B", 8.0),
    ("16A", 15.0),
    ("20", 5.0),
];

impl<'a> Case<'a> {
    fn today(&self) -> Day {
        self.ctx.today
    }

    /// Records an event for one child; events after `today` are not recorded and mark the
    /// child as still open.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        i: usize,
        d: Day,
        t: Option<NaiveTime>,
        kind: EventKind,
        rec: Rec,
        draw: u32,
        aux: Day,
    ) {
        let today = self.today();
        let case = self.id;
        let kid = &mut self.kids[i];
        if d > today {
            kid.truncated = true;
            return;
        }
        match &kind {
            EventKind::EarlyHelpOpened { level } => {
                kid.eh = true;
                kid.levels.push((d, level_static(level.as_str())));
            }
            EventKind::EarlyHelpClosed { .. } => kid.eh = false,
            EventKind::ReferralOpened { .. } => {
                kid.referral = true;
                kid.levels.push((d, "4"));
            }
            EventKind::ReferralClosed { .. } => {
                kid.referral = false;
                kid.cin = false;
                kid.asmt = false;
                kid.s47 = false;
            }
            EventKind::AssessmentStarted => kid.asmt = true,
            EventKind::AssessmentAuthorised { .. } => kid.asmt = false,
            EventKind::Section47Started => kid.s47 = true,
            EventKind::Section47Completed { .. } => kid.s47 = false,
            EventKind::CinPlanStarted => kid.cin = true,
            EventKind::CinPlanEnded => kid.cin = false,
            EventKind::CpPlanStarted { .. } => {
                kid.cp = true;
                kid.had_cp_or_care = true;
            }
            EventKind::CpPlanEnded => kid.cp = false,
            EventKind::LookedAfterStarted { .. } => {
                kid.lac = true;
                kid.cl = false;
                kid.had_cp_or_care = true;
            }
            EventKind::LookedAfterEnded { .. } => kid.lac = false,
            EventKind::CareLeaverStarted => kid.cl = true,
            EventKind::CareLeaverEnded => kid.cl = false,
            EventKind::WorkerAllocated { .. } => kid.allocated = true,
            _ => {}
        }
        if !(kid.eh || kid.referral || kid.lac || kid.cl) {
            kid.allocated = false;
        }
        kid.last_day = kid.last_day.max(d);
        kid.ord += 1;
        kid.events
            .push(Raw::new(d, t, kind, rec, draw, case, kid.ord, aux));
    }

    /// Records an event for one child with no extra detail.
    pub fn emit(&mut self, i: usize, d: Day, kind: EventKind, rec: Rec) {
        self.push(i, d, None, kind, rec, 0, 0);
    }

    fn active(&self) -> Vec<usize> {
        (0..self.kids.len())
            .filter(|&i| self.kids[i].active)
            .collect()
    }

    /// Records an event for every child still in the case, after closing for any who came of age.
    pub fn emit_all(&mut self, d: Day, kind: EventKind, rec: Rec) -> Result<(), DomainError> {
        self.age_out(d)?;
        for i in self.active() {
            self.emit(i, d, kind.clone(), rec);
        }
        Ok(())
    }

    fn any_active(&self) -> bool {
        self.kids.iter().any(|k| k.active)
    }

    /// Stops the case at `today`: whatever is open stays open.
    fn stop(&mut self) {
        for k in &mut self.kids {
            if k.active {
                k.truncated = true;
                k.active = false;
            }
        }
    }

    /// Whether the case cannot go on to `d`: it is after `today` (the case stops there, after
    /// closing for any child who has come of age by then) or no child is left in it.
    fn past(&mut self, d: Day) -> Result<bool, DomainError> {
        if d > self.today() {
            self.age_out(self.today())?;
            self.stop();
            Ok(true)
        } else {
            Ok(!self.any_active())
        }
    }

    /// Children who turn 18 by `d` leave the case on their birthday.
    fn age_out(&mut self, d: Day) -> Result<(), DomainError> {
        for i in 0..self.kids.len() {
            if !self.kids[i].active {
                continue;
            }
            let b = birthday(self.kids[i].dob, 18);
            if b <= d {
                self.close_child(i, b)?;
                self.kids[i].active = false;
            }
        }
        Ok(())
    }

    /// Closes everything open for one child on a day (coming of age, or a closure).
    fn close_child(&mut self, i: usize, d: Day) -> Result<(), DomainError> {
        // A child protection plan ends with childhood; no conference is held for it.
        if self.kids[i].cp {
            self.emit(i, d, EventKind::CpPlanEnded, Rec::Allocated);
        }
        if self.kids[i].cin {
            self.emit(i, d, EventKind::CinPlanEnded, Rec::Allocated);
        }
        if self.kids[i].referral {
            self.conclude(i, d)?;
            let reason = if self.kids[i].disabled && self.rng.chance(0.5) {
                "RC6"
            } else {
                "RC7"
            };
            self.emit(
                i,
                d,
                EventKind::ReferralClosed {
                    reason: reason.parse()?,
                },
                Rec::Manager,
            );
        }
        if self.kids[i].eh {
            self.emit(
                i,
                d,
                EventKind::EarlyHelpClosed {
                    reason: EarlyHelpClosure::Other,
                },
                Rec::Allocated,
            );
        }
        Ok(())
    }

    /// Concludes whatever assessment work is under way for one child before the referral
    /// closes on `d`: the section 47 enquiry is completed and the assessment authorised.
    pub fn conclude(&mut self, i: usize, d: Day) -> Result<(), DomainError> {
        if self.kids[i].s47 {
            self.emit(
                i,
                d,
                EventKind::Section47Completed {
                    outcome: Section47Outcome::Other,
                },
                Rec::Allocated,
            );
        }
        if self.kids[i].asmt {
            let factors = codes(&self.factors(false))?;
            self.emit(
                i,
                d,
                EventKind::AssessmentAuthorised {
                    factors,
                    outcome: AssessmentOutcome::Other,
                },
                Rec::Manager,
            );
        }
        Ok(())
    }

    /// Allocates a worker of a team to every child in the case.
    fn allocate(
        &mut self,
        d: Day,
        team: TeamId,
        role: AllocationRole,
        reason: &'static str,
    ) -> Result<(), DomainError> {
        self.age_out(d)?;
        let draw: u32 = self.rng.r#gen();
        for i in self.active() {
            self.allocate_one(i, d, team, role, reason, draw)?;
        }
        self.team = Some(team);
        Ok(())
    }

    /// Allocates a worker to one child; the reason is only given on a change.
    pub fn allocate_one(
        &mut self,
        i: usize,
        d: Day,
        team: TeamId,
        role: AllocationRole,
        reason: &'static str,
        draw: u32,
    ) -> Result<(), DomainError> {
        let change = self.kids[i].allocated;
        self.push(
            i,
            d,
            None,
            EventKind::WorkerAllocated {
                worker: WorkerId(0),
                team,
                role,
                reason: if change { Some(reason.parse()?) } else { None },
            },
            Rec::TeamManager(team),
            draw,
            0,
        );
        Ok(())
    }

    fn locality(&self, d: Day) -> usize {
        self.hh.locality_on(d)
    }

    fn youngest_age(&self, d: Day) -> i32 {
        self.kids
            .iter()
            .filter(|k| k.active)
            .map(|k| if k.dob > d { -1 } else { age(k.dob, d) })
            .min()
            .unwrap_or(0)
    }

    fn oldest_age(&self, d: Day) -> i32 {
        self.kids
            .iter()
            .filter(|k| k.active)
            .map(|k| if k.dob > d { -1 } else { age(k.dob, d) })
            .max()
            .unwrap_or(0)
    }

    fn source(&mut self, d: Day) -> &'static str {
        let young = self.oldest_age(d) < 5;
        let r = &mut self.rng;
        match self.kind {
            CaseKind::PreBirth => r.pick(&[
                ("3D", 35.0),
                ("3F", 20.0),
                ("5A", 12.0),
                ("6", 15.0),
                ("1A", 5.0),
                ("8", 5.0),
                ("10", 3.0),
            ]),
            CaseKind::Uasc => r.pick(&[("7", 35.0), ("6", 30.0), ("5C", 25.0), ("1D", 10.0)]),
            CaseKind::Disability => r.pick(&[
                ("3A", 15.0),
                ("3D", 18.0),
                ("2A", 32.0),
                ("2B", 10.0),
                ("5A", 5.0),
                ("1A", 10.0),
                ("8", 5.0),
            ]),
            CaseKind::Teen => r.pick(&[
                ("6", 40.0),
                ("2A", 26.0),
                ("3E", 8.0),
                ("3F", 4.5),
                ("1A", 8.0),
                ("1C", 3.0),
                ("5B", 3.5),
                ("8", 5.0),
                ("7", 2.0),
            ]),
            CaseKind::Family { .. } if young => r.pick(&[
                ("6", 33.0),
                ("3B", 13.0),
                ("3D", 6.0),
                ("3A", 3.0),
                ("3E", 3.0),
                ("3F", 4.5),
                ("1A", 6.0),
                ("1B", 3.0),
                ("4", 2.5),
                ("5A", 4.0),
                ("5B", 1.5),
                ("5C", 1.5),
                ("8", 6.0),
                ("9", 2.5),
                ("10", 3.0),
            ]),
            CaseKind::Family { .. } => r.pick(&[
                ("6", 32.0),
                ("2A", 28.0),
                ("2B", 1.2),
                ("3A", 1.5),
                ("3B", 2.5),
                ("3C", 1.5),
                ("3D", 2.2),
                ("3E", 1.5),
                ("3F", 3.0),
                ("4", 1.5),
                ("5A", 2.8),
                ("5B", 1.7),
                ("5C", 1.7),
                ("1A", 5.0),
                ("1B", 2.0),
                ("1C", 1.0),
                ("1D", 1.0),
                ("7", 3.0),
                ("8", 5.5),
                ("9", 1.5),
                ("10", 3.0),
            ]),
        }
    }

    fn need(&mut self) -> &'static str {
        let r = &mut self.rng;
        match self.kind {
            CaseKind::Family { .. } => r.pick(&[
                ("N1", 56.0),
                ("N4", 10.0),
                ("N5", 17.0),
                ("N3", 8.0),
                ("N7", 1.0),
                ("N8", 2.0),
                ("N9", 1.5),
                ("N0", 0.5),
                ("N6", 1.0),
                ("N2", 1.0),
            ]),
            CaseKind::Teen => r.pick(&[
                ("N6", 28.0),
                ("N1", 30.0),
                ("N4", 20.0),
                ("N5", 15.0),
                ("N2", 4.0),
                ("N8", 3.0),
            ]),
            CaseKind::Disability => r.pick(&[("N2", 92.0), ("N3", 4.0), ("N4", 4.0)]),
            CaseKind::PreBirth => r.pick(&[("N1", 70.0), ("N3", 15.0), ("N5", 15.0)]),
            CaseKind::Uasc => r.pick(&[("N8", 95.0), ("N4", 5.0)]),
        }
    }

    fn factors(&mut self, nfa: bool) -> Vec<String> {
        if nfa && self.rng.chance(0.4) {
            return vec!["21".to_string()];
        }
        let list = match self.factors_kind {
            CaseKind::Family { .. } => FAMILY_FACTORS,
            CaseKind::Teen => TEEN_FACTORS,
            CaseKind::Disability => DISABILITY_FACTORS,
            CaseKind::PreBirth => PREBIRTH_FACTORS,
            CaseKind::Uasc => &[("4A", 1.0)],
        };
        let n = self
            .rng
            .pick(&[(1usize, 35.0), (2, 35.0), (3, 20.0), (4, 10.0)]);
        let mut v: Vec<String> = Vec::new();
        if self.kind == CaseKind::Uasc {
            v.push("9A".to_string());
            if self.rng.chance(0.3) {
                v.push("4A".to_string());
            }
            if self.rng.chance(0.05) {
                v.push("12A".to_string());
            }
            return v;
        }
        for _ in 0..n * 3 {
            if v.len() >= n {
                break;
            }
            let f = self.rng.pick(list).to_string();
            if !v.contains(&f) {
                v.push(f);
            }
        }
        v.sort();
        v
    }

    /// Runs the case from its first contact.
    pub fn run(&mut self, start: Day) -> Result<(), DomainError> {
        self.factors_kind = self.kind;
        let Some((d, outcome)) = self.front_door(start)? else {
            return Ok(());
        };
        match outcome {
            ContactOutcome::NoFurtherAction
            | ContactOutcome::InformationAndAdvice
            | ContactOutcome::SignpostUniversal
            | ContactOutcome::PassToAllocatedWorker => {
                for k in &mut self.kids {
                    k.active = false;
                }
            }
            ContactOutcome::EarlyHelp => self.early_help(d, false)?,
            ContactOutcome::SocialCareReferral | ContactOutcome::StrategyDiscussion => {
                let source = self.kids.first().map(|_| self.last_source).unwrap_or("10");
                self.referral(d, source, false)?;
            }
        }
        self.stop_if_open();
        Ok(())
    }

    fn stop_if_open(&mut self) {
        for k in &mut self.kids {
            if k.active && (k.eh || k.referral || k.lac || k.cl) {
                k.truncated = true;
            }
            k.active = false;
        }
    }

    fn front_door(&mut self, d: Day) -> Result<Option<(Day, ContactOutcome)>, DomainError> {
        if self.past(d)? {
            return Ok(None);
        }
        self.age_out(d)?;
        // Who made the contact fits the children's ages, and what they said fits both.
        let (youngest, oldest) = (self.youngest_age(d), self.oldest_age(d));
        let mut source = self.source(d);
        for _ in 0..20 {
            if notes::source_fits(source, youngest, oldest) {
                break;
            }
            source = self.source(d);
        }
        if !notes::source_fits(source, youngest, oldest) {
            source = "6";
        }
        // Schools, health visitors, GPs and other services that keep office hours contact the
        // front door on a working day: a worry from the weekend comes in on the Monday.
        let cal = self.ctx.cal;
        let d = if office_hours(source) {
            cal.on_or_after(d)
        } else {
            d
        };
        if self.past(d)? {
            return Ok(None);
        }
        self.age_out(d)?;
        let (youngest, oldest) = (self.youngest_age(d), self.oldest_age(d));
        if !notes::source_fits(source, youngest, oldest) {
            source = "6";
        }
        self.last_source = source;
        let flavour = match self.kind {
            CaseKind::Teen => notes::Flavour::Teen,
            CaseKind::Uasc => notes::Flavour::Uasc,
            _ => notes::Flavour::Family,
        };
        let concerns = notes::concern(&mut self.rng, source, youngest, oldest, flavour);
        let minute = self.rng.pick(&[
            (8 * 60 + 30, 30.0),
            (10 * 60, 30.0),
            (13 * 60, 25.0),
            (16 * 60, 10.0),
            (19 * 60, 5.0),
        ]) + self.rng.int(0, 120);
        let t = time((minute / 60) as u32, (minute % 60) as u32);
        let consent = self.rng.chance(0.78);
        self.age_out(d)?;
        let received = self.active();
        for &i in &received {
            self.push(
                i,
                d,
                t,
                EventKind::ContactReceived {
                    source: source.parse()?,
                    concerns: concerns.clone(),
                    consent,
                },
                Rec::FrontDoor,
                self.kids[i].person as u32,
                0,
            );
        }
        let lag = self
            .rng
            .pick(&[(0, 70.0), (1, 17.0), (2, 6.0), (3, 3.0), (4, 2.0), (7, 2.0)]);
        let lag = if minute > 16 * 60 + 30 && lag == 0 && self.rng.chance(0.5) {
            1
        } else {
            lag
        };
        let dd = if lag == 0 && cal.is_working(d) {
            d
        } else {
            cal.add(d, lag.max(1))
        };
        // The front door clears its queue: on `today` only contacts received since the start
        // of the last working day are still waiting for a decision.
        let last_working = {
            let mut w = self.today();
            while !cal.is_working(w) {
                w -= 1;
            }
            w
        };
        let dd = if dd > self.today() && d < last_working {
            last_working
        } else {
            dd
        };
        let p = &self.ctx.p;
        let r = self.risk as usize;
        let (refer, eh) = match self.kind {
            CaseKind::Family { bounce } => {
                let b = if bounce { 0.2 } else { 0.0 };
                ((p.referral[r] + b).min(0.95), p.early_help[r])
            }
            CaseKind::Teen => (0.42, 0.28),
            CaseKind::Disability => (0.7, 0.15),
            CaseKind::PreBirth => (0.8, 0.15),
            CaseKind::Uasc => (1.0, 0.0),
        };
        let u = self.rng.unit();
        let outcome = if u < refer {
            ContactOutcome::SocialCareReferral
        } else if u < refer + eh {
            ContactOutcome::EarlyHelp
        } else if self.rng.chance(0.5) {
            ContactOutcome::InformationAndAdvice
        } else {
            ContactOutcome::NoFurtherAction
        };
        let (level, why) = match outcome {
            ContactOutcome::NoFurtherAction
            | ContactOutcome::SignpostUniversal
            | ContactOutcome::PassToAllocatedWorker => ("1", "nfa"),
            ContactOutcome::InformationAndAdvice => {
                (if self.rng.chance(0.5) { "1" } else { "2" }, "advice")
            }
            ContactOutcome::EarlyHelp => (if self.rng.chance(0.4) { "2" } else { "3" }, "eh"),
            ContactOutcome::SocialCareReferral | ContactOutcome::StrategyDiscussion => {
                ("4", "referral")
            }
        };
        let reason = notes::decision_reason(&mut self.rng, why).to_string();
        let dt = if dd == d {
            time(
                (minute / 60 + self.rng.int(1, 5)).min(23) as u32,
                self.rng.int(0, 59) as u32,
            )
        } else {
            time(self.rng.int(9, 17) as u32, self.rng.int(0, 59) as u32)
        };
        let rec = if self.rng.chance(0.5) {
            Rec::FrontDoorManager
        } else {
            Rec::FrontDoor
        };
        // Every contact received is decided. A young person who turns 18 before the decision
        // is due is signposted to adult services on the birthday at the latest; the others get
        // the decision made for the family.
        for &i in &received {
            let b18 = birthday(self.kids[i].dob, 18);
            if b18 <= dd && b18 <= self.today() {
                let at = if b18 > d { b18 } else { d };
                self.push(
                    i,
                    at,
                    if at == d { dt } else { None },
                    EventKind::ContactDecided {
                        level: "1".parse()?,
                        outcome: ContactOutcome::InformationAndAdvice,
                        reason: "Now 18: signposted to adult services and universal support."
                            .into(),
                    },
                    rec,
                    self.kids[i].person as u32,
                    0,
                );
                self.kids[i].active = false;
            }
        }
        if dd > self.today() {
            self.stop();
            return Ok(None);
        }
        for i in self.active() {
            self.push(
                i,
                dd,
                dt,
                EventKind::ContactDecided {
                    level: level.parse()?,
                    outcome,
                    reason: reason.clone(),
                },
                rec,
                self.kids[i].person as u32,
                0,
            );
        }
        self.age_out(dd)?;
        self.eh_level = level_static(level);
        Ok(Some((dd, outcome)))
    }

    /// An early help episode opened on `d` (already opened when `stepped_down`).
    fn early_help(&mut self, d: Day, stepped_down: bool) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        let level = if stepped_down || self.eh_level == "4" || self.eh_level == "1" {
            if self.rng.chance(0.5) { "2" } else { "3" }
        } else {
            self.eh_level
        };
        if !stepped_down {
            self.emit_all(
                d,
                EventKind::EarlyHelpOpened {
                    level: level.parse()?,
                },
                Rec::Allocated,
            )?;
            let team = self
                .ctx
                .teams
                .early_help_team(self.locality(d), self.rng.r#gen());
            self.allocate(d, team, AllocationRole::Keyworker, "TSPROC")?;
        }
        let withdrawn = self.rng.chance(0.12);
        let length = if withdrawn {
            self.rng.int(10, 45)
        } else {
            (self.rng.lognormal(self.ctx.p.eh_median_days, 0.5) as i32).clamp(40, 720)
        };
        let end = d + length;
        if !withdrawn && self.rng.chance(self.ctx.p.eh_step_up) {
            let at = d + (f64::from(length) * self.rng.quantile(&[(0.0, 0.15), (1.0, 0.9)])) as i32;
            self.step_up(at)?;
            return Ok(());
        }
        if self.past(end)? {
            return Ok(());
        }
        let reason = if withdrawn {
            EarlyHelpClosure::ConsentWithdrawn
        } else {
            self.rng.pick(&[
                (EarlyHelpClosure::NeedsMet, 78.0),
                (EarlyHelpClosure::Other, 12.0),
                (EarlyHelpClosure::MovedAway, 4.0),
                (EarlyHelpClosure::ConsentWithdrawn, 6.0),
            ])
        };
        self.emit_all(end, EventKind::EarlyHelpClosed { reason }, Rec::Allocated)?;
        self.finish(end);
        Ok(())
    }

    fn step_up(&mut self, d: Day) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        let (youngest, oldest) = (self.youngest_age(d), self.oldest_age(d));
        let concerns = notes::concern(
            &mut self.rng,
            "5D",
            youngest,
            oldest,
            notes::Flavour::Family,
        );
        let cal = self.ctx.cal;
        let dd = cal.on_or_after(d);
        if self.past(dd)? {
            return Ok(());
        }
        let t = time(self.rng.int(9, 15) as u32, self.rng.int(0, 59) as u32);
        self.age_out(dd)?;
        for i in self.active() {
            self.push(
                i,
                dd,
                t,
                EventKind::ContactReceived {
                    source: "5D".parse()?,
                    concerns: concerns.clone(),
                    consent: true,
                },
                Rec::Allocated,
                0,
                0,
            );
        }
        let reason = notes::decision_reason(&mut self.rng, "referral").to_string();
        let t2 = time(16, self.rng.int(0, 59) as u32);
        for i in self.active() {
            self.push(
                i,
                dd,
                t2,
                EventKind::ContactDecided {
                    level: "4".parse()?,
                    outcome: ContactOutcome::SocialCareReferral,
                    reason: reason.clone(),
                },
                Rec::FrontDoorManager,
                self.kids[i].person as u32,
                0,
            );
        }
        self.emit_all(
            dd,
            EventKind::SteppedUp {
                level: "4".parse()?,
                reason: "Concerns increased despite early help support.".into(),
            },
            Rec::Allocated,
        )?;
        self.referral(dd, "5D", true)?;
        Ok(())
    }

    fn referral(
        &mut self,
        d: Day,
        source: &'static str,
        from_early_help: bool,
    ) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        let nfa = !from_early_help
            && self.kind != CaseKind::Uasc
            && self.rng.chance(self.ctx.p.referral_nfa);
        let need = self.need();
        for k in &mut self.kids {
            k.need = need;
        }
        self.emit_all(
            d,
            EventKind::ReferralOpened {
                source: source.parse()?,
                primary_need: need.parse()?,
                no_further_action: nfa,
            },
            Rec::FrontDoor,
        )?;
        if nfa {
            self.emit_all(
                d,
                EventKind::ReferralClosed {
                    reason: "RC8".parse()?,
                },
                Rec::FrontDoorManager,
            )?;
            self.finish(d);
            return Ok(());
        }
        if from_early_help {
            self.emit_all(
                d,
                EventKind::EarlyHelpClosed {
                    reason: EarlyHelpClosure::SteppedUp,
                },
                Rec::Allocated,
            )?;
        }
        let team = self.ctx.teams.assessment_team(self.rng.r#gen());
        self.allocate(d, team, AllocationRole::SocialWorker, "TSPROC")?;
        self.assessment(d)?;
        Ok(())
    }

    fn assessment_days(&mut self) -> i32 {
        self.rng
            .quantile(&[
                (0.0, 2.0),
                (0.05, 7.0),
                (0.25, 20.0),
                (0.5, 35.0),
                (0.75, 43.0),
                (0.86, 45.0),
                (0.95, 62.0),
                (1.0, 110.0),
            ])
            .round() as i32
    }

    fn icpc_days(&mut self) -> i32 {
        self.rng
            .quantile(&[
                (0.0, 4.0),
                (0.1, 8.0),
                (0.3, 11.0),
                (0.5, 13.0),
                (0.8, 15.0),
                (0.9, 19.0),
                (1.0, 32.0),
            ])
            .round() as i32
    }

    fn assessment(&mut self, r: Day) -> Result<(), DomainError> {
        let cal = self.ctx.cal;
        let start_lag = self
            .rng
            .pick(&[(0, 35.0), (1, 35.0), (2, 15.0), (3, 8.0), (5, 7.0)]);
        let start = cal.add(r, start_lag);
        let auth = cal.add(r, self.assessment_days()).max(start);
        let risk = self.risk as usize;
        let p = self.ctx.p;
        let s47_now = match self.kind {
            CaseKind::Family { .. } if self.history => (p.s47_now[risk] * 1.1).min(0.8),
            CaseKind::Family { .. } => p.s47_now[risk],
            CaseKind::Teen => 0.22,
            CaseKind::PreBirth => 0.22,
            CaseKind::Disability => 0.03,
            CaseKind::Uasc => 0.0,
        };
        if self.past(start)? {
            return Ok(());
        }
        if self.kind == CaseKind::Uasc {
            self.emit_all(start, EventKind::AssessmentStarted, Rec::Allocated)?;
            // The young person is accommodated straight away; the assessment finishes later.
            let d = start;
            let draw: u32 = self.rng.r#gen();
            for i in self.active() {
                self.kids[i].active = false;
                self.enter_care(i, d, Route::Uasc, None, None, draw)?;
            }
            return Ok(());
        }
        if self.rng.chance(s47_now) {
            let sd = cal.add(
                r,
                self.rng.pick(&[(0, 60.0), (1, 25.0), (2, 10.0), (3, 5.0)]),
            );
            let s47 = self.rng.chance(0.9);
            // The assessment runs alongside the enquiry from the strategy discussion at latest.
            let start = if s47 { start.min(sd) } else { start };
            let mut batch: Vec<(Day, u8)> = vec![(start, 0), (sd, 1)];
            batch.sort();
            for (d, what) in batch {
                if self.past(d)? {
                    return Ok(());
                }
                if what == 0 {
                    self.emit_all(d, EventKind::AssessmentStarted, Rec::Allocated)?;
                } else {
                    self.emit_all(
                        d,
                        EventKind::StrategyDiscussion { section47: s47 },
                        Rec::Allocated,
                    )?;
                }
            }
            if s47 {
                self.emit_all(sd, EventKind::Section47Started, Rec::Allocated)?;
                self.section47(sd, Some(auth))?;
                return Ok(());
            }
        } else {
            self.emit_all(start, EventKind::AssessmentStarted, Rec::Allocated)?;
        }
        // A single assessment with no enquiry (yet).
        if self.past(auth)? {
            return Ok(());
        }
        let w = |a: f64, b: f64, c: f64, d: f64, e: f64, f: f64| [a, b, c, d, e, f];
        let weights = match self.kind {
            CaseKind::Family { .. } => {
                let cin = [0.22, 0.27, 0.32, 0.36][risk];
                w(0.42 - cin / 4.0, 0.13, cin, 0.1, 0.05, 0.012)
            }
            CaseKind::Teen => w(0.3, 0.15, 0.3, 0.1, 0.05, 0.1),
            CaseKind::Disability => w(0.2, 0.1, 0.6, 0.1, 0.0, 0.0),
            CaseKind::PreBirth => w(0.22, 0.08, 0.28, 0.05, 0.15, 0.24),
            CaseKind::Uasc => w(0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        };
        let outcome = self.rng.pick(&[
            (AssessmentOutcome::NoFurtherAction, weights[0]),
            (AssessmentOutcome::StepDownToEarlyHelp, weights[1]),
            (AssessmentOutcome::ChildInNeedPlan, weights[2]),
            (AssessmentOutcome::Other, weights[3]),
            (AssessmentOutcome::StrategyDiscussion, weights[4]),
            (AssessmentOutcome::LookedAfter, weights[5]),
        ]);
        let factors = codes(&self.factors(outcome == AssessmentOutcome::NoFurtherAction))?;
        // When care is the outcome, it is the outcome for the children who come into care;
        // their brothers and sisters who stay at home go on to a child in need plan.
        self.age_out(auth)?;
        let chosen = if outcome == AssessmentOutcome::LookedAfter {
            self.choose_for_care(auth)
        } else {
            Vec::new()
        };
        for i in self.active() {
            let outcome = if outcome == AssessmentOutcome::LookedAfter && !chosen.contains(&i) {
                AssessmentOutcome::ChildInNeedPlan
            } else {
                outcome
            };
            self.emit(
                i,
                auth,
                EventKind::AssessmentAuthorised {
                    factors: factors.clone(),
                    outcome,
                },
                Rec::Manager,
            );
        }
        match outcome {
            AssessmentOutcome::NoFurtherAction => {
                let close = auth + self.rng.int(0, 14);
                self.close_all(close, "RC8")?;
            }
            AssessmentOutcome::StepDownToEarlyHelp => {
                let at = auth + self.rng.int(0, 7);
                self.step_down(at, "RC9")?
            }
            AssessmentOutcome::ChildInNeedPlan => {
                let at = auth + self.rng.int(0, 5);
                self.cin_plan(at)?
            }
            AssessmentOutcome::Other => {
                let close = auth + self.rng.int(20, 120);
                self.close_all(close, "RC7")?;
            }
            AssessmentOutcome::StrategyDiscussion => {
                let sd = cal.add(auth, self.rng.int(0, 2));
                if self.past(sd)? {
                    return Ok(());
                }
                self.emit_all(
                    sd,
                    EventKind::StrategyDiscussion { section47: true },
                    Rec::Allocated,
                )?;
                self.emit_all(sd, EventKind::Section47Started, Rec::Allocated)?;
                self.section47(sd, None)?;
            }
            AssessmentOutcome::LookedAfter => {
                let route = if self.kind == CaseKind::PreBirth {
                    Route::Birth
                } else if self.kind == CaseKind::Teen && self.rng.chance(0.2) {
                    Route::Remand
                } else {
                    Route::Voluntary
                };
                let d = auth + self.rng.int(0, 10);
                self.bring_chosen_into_care(d, route, chosen)?;
                if self.any_active() {
                    self.cin_plan(d)?;
                }
            }
        }
        Ok(())
    }

    /// A section 47 enquiry that started on `sd`; `auth` is when the single assessment that
    /// runs alongside it is due to be authorised (none when it was authorised already).
    fn section47(&mut self, sd: Day, auth: Option<Day>) -> Result<(), DomainError> {
        let cal = self.ctx.cal;
        let risk = self.risk as usize;
        let p = self.ctx.p;
        let p_icpc = match self.kind {
            CaseKind::Family { .. } => {
                // Babies and toddlers are the most likely to be made subject of a plan.
                let youngest = self.youngest_age(sd);
                let by_age = p.icpc_by_youngest[match youngest {
                    ..=0 => 0,
                    1..=4 => 1,
                    5..=9 => 2,
                    _ => 3,
                }];
                let history = if self.history { p.icpc_history } else { 1.0 };
                (p.icpc[risk] * by_age * history).min(0.8)
            }
            CaseKind::Teen => p.icpc_teen,
            CaseKind::PreBirth => 0.55,
            _ => 0.1,
        };
        let rest = 1.0 - p_icpc;
        let outcome = self.rng.pick(&[
            (Section47Outcome::InitialConference, p_icpc),
            (Section47Outcome::ChildInNeedServices, rest * 0.36),
            (Section47Outcome::NoFurtherAction, rest * 0.54),
            (Section47Outcome::LegalAction, rest * 0.04),
            (Section47Outcome::Other, rest * 0.06),
        ]);
        let icpc = if outcome == Section47Outcome::InitialConference {
            // A pre-birth conference waits for the later weeks of pregnancy.
            let due = self.kids.first().map(|k| k.dob).unwrap_or(sd);
            let base = cal.add(sd, self.icpc_days());
            if self.kind == CaseKind::PreBirth && due - base > 70 {
                Some(cal.on_or_after(due - self.rng.int(42, 70)))
            } else {
                Some(base)
            }
        } else {
            None
        };
        let done = match icpc {
            Some(c) => cal.add(sd, (cal.between(sd, c) - self.rng.int(1, 4)).max(1)),
            None => cal.add(sd, self.rng.int(4, 18)),
        };
        // The single assessment is authorised by the initial conference when there is one.
        let auth_day = auth.map(|a| match icpc {
            Some(c) => a.min(c).max(done),
            None => a.max(done),
        });
        let mut batch: Vec<(Day, u8)> = vec![(done, 0)];
        if let Some(a) = auth_day {
            batch.push((a, 1));
        }
        if let Some(c) = icpc {
            batch.push((c, 2));
        }
        batch.sort();
        let a_outcome = match outcome {
            Section47Outcome::InitialConference => AssessmentOutcome::Other,
            Section47Outcome::ChildInNeedServices => AssessmentOutcome::ChildInNeedPlan,
            Section47Outcome::NoFurtherAction => {
                if self.rng.chance(0.25) {
                    AssessmentOutcome::StepDownToEarlyHelp
                } else {
                    AssessmentOutcome::NoFurtherAction
                }
            }
            Section47Outcome::LegalAction => AssessmentOutcome::LookedAfter,
            Section47Outcome::Other => AssessmentOutcome::Other,
        };
        let chosen = if outcome == Section47Outcome::LegalAction {
            self.choose_for_care(sd)
        } else {
            Vec::new()
        };
        let mut plan = false;
        for (d, what) in batch {
            if self.past(d)? {
                return Ok(());
            }
            match what {
                0 => self.emit_all(d, EventKind::Section47Completed { outcome }, Rec::Allocated)?,
                1 => {
                    let factors =
                        codes(&self.factors(a_outcome == AssessmentOutcome::NoFurtherAction))?;
                    self.age_out(d)?;
                    for i in self.active() {
                        let outcome = if a_outcome == AssessmentOutcome::LookedAfter
                            && !chosen.contains(&i)
                        {
                            AssessmentOutcome::ChildInNeedPlan
                        } else {
                            a_outcome
                        };
                        self.emit(
                            i,
                            d,
                            EventKind::AssessmentAuthorised {
                                factors: factors.clone(),
                                outcome,
                            },
                            Rec::Manager,
                        );
                    }
                }
                _ => {
                    plan = self.rng.chance(self.ctx.p.icpc_plan);
                    self.age_out(d)?;
                    for i in self.active() {
                        // A young person of 16 or 17 in a family case is often not made the
                        // subject of a plan with the younger children: they are supported
                        // under a child in need plan instead.
                        let own = plan
                            && matches!(self.kind, CaseKind::Family { .. })
                            && self.kids[i].dob <= d
                            && age(self.kids[i].dob, d) >= 16
                            && self.rng.chance(self.ctx.p.older_teen_not_on_plan);
                        if own {
                            self.emit(i, d, EventKind::InitialConference { plan: false }, Rec::Iro);
                            self.leave_on_cin_plan(i, d)?;
                        } else {
                            self.emit(i, d, EventKind::InitialConference { plan }, Rec::Iro);
                        }
                    }
                }
            }
        }
        let last = auth_day.unwrap_or(done).max(icpc.unwrap_or(done));
        match outcome {
            Section47Outcome::InitialConference => {
                let c = icpc.unwrap_or(done);
                if plan {
                    self.cp_plan(c)?;
                } else if self.rng.chance(0.6) {
                    self.cin_plan(c)?;
                } else {
                    let close = last + self.rng.int(3, 20);
                    self.close_all(close, "RC7")?;
                }
            }
            Section47Outcome::ChildInNeedServices => {
                let at = last + self.rng.int(0, 5);
                self.cin_plan(at)?
            }
            Section47Outcome::NoFurtherAction => {
                if a_outcome == AssessmentOutcome::StepDownToEarlyHelp {
                    {
                        let at = last + self.rng.int(0, 7);
                        self.step_down(at, "RC9")?
                    };
                } else {
                    let close = last + self.rng.int(0, 14);
                    self.close_all(close, "RC8")?;
                }
            }
            Section47Outcome::LegalAction => {
                let route = if self.kind == CaseKind::PreBirth {
                    Route::Birth
                } else {
                    Route::Protection
                };
                let at = last + self.rng.int(0, 5);
                self.bring_chosen_into_care(at, route, chosen)?;
                if self.any_active() {
                    self.cin_plan(at)?;
                }
            }
            Section47Outcome::Other => {
                let close = last + self.rng.int(10, 60);
                self.close_all(close, "RC7")?;
            }
        }
        Ok(())
    }

    /// One child leaves the case for a child in need plan of their own from `d`, ending (with
    /// the referral) after a few months or on the 18th birthday.
    fn leave_on_cin_plan(&mut self, i: usize, d: Day) -> Result<(), DomainError> {
        self.kids[i].active = false;
        self.emit(i, d, EventKind::CinPlanStarted, Rec::Allocated);
        let length = (self.rng.lognormal(self.ctx.p.cin_median_days, 0.5) as i32).clamp(45, 700);
        let end = (d + length).min(birthday(self.kids[i].dob, 18));
        if end > self.today() {
            self.kids[i].truncated = true;
            return Ok(());
        }
        self.emit(i, end, EventKind::CinPlanEnded, Rec::Allocated);
        self.conclude(i, end)?;
        self.emit(
            i,
            end,
            EventKind::ReferralClosed {
                reason: "RC7".parse()?,
            },
            Rec::Manager,
        );
        Ok(())
    }

    fn cp_category(&mut self) -> &'static str {
        match self.kind {
            CaseKind::Teen => self.rng.pick(&[
                ("NEG", 25.0),
                ("EMO", 35.0),
                ("PHY", 18.0),
                ("SAB", 15.0),
                ("MUL", 7.0),
            ]),
            _ => self.rng.pick(&[
                ("NEG", 49.0),
                ("EMO", 38.0),
                ("PHY", 6.5),
                ("SAB", 3.5),
                ("MUL", 3.0),
            ]),
        }
    }

    fn transfer_to_locality(&mut self, d: Day) -> Result<(), DomainError> {
        let in_assessment = self
            .team
            .is_some_and(|t| self.ctx.teams.assessment.contains(&t));
        if in_assessment || self.team.is_none() {
            let team = self
                .ctx
                .teams
                .cin_cp_team(self.locality(d), self.rng.r#gen());
            let at = d + self.rng.int(0, 10);
            if at <= self.today() {
                self.allocate(at, team, AllocationRole::SocialWorker, "TSPROC")?;
            }
        }
        Ok(())
    }

    /// A child protection plan that starts on `d` and ends at a review conference.
    fn cp_plan(&mut self, d: Day) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        let p = self.ctx.p;
        if self.kids.iter().any(|k| k.active && k.cin) {
            self.emit_all(d, EventKind::CinPlanEnded, Rec::Allocated)?;
        }
        let category = self.cp_category();
        self.emit_all(
            d,
            EventKind::CpPlanStarted {
                category: category.parse()?,
                previous_plans: None,
            },
            Rec::Iro,
        )?;
        // Reviews: first within 3 months, then at most every 6 months, on working days.
        let cal = self.ctx.cal;
        let mut reviews = Vec::new();
        let mut r = cal.on_or_after(add_months(d, 3) - self.late_or_early());
        for _ in 0..8 {
            reviews.push(r);
            r = cal.on_or_after(add_months(r, 6) - self.late_or_early());
        }
        // How long the plan lasts (DfE D7 shape), snapped to a review conference.
        let band = self.rng.pick(&p.cp_length_bands);
        let end = match band {
            0 => d + self.rng.int(35, 88),
            1 => d + self.rng.int(95, 180),
            2 => {
                if self.rng.chance(0.8) {
                    reviews[1]
                } else {
                    d + self.rng.int(190, 355)
                }
            }
            3 => {
                if self.rng.chance(0.55) {
                    reviews[2]
                } else {
                    reviews[3]
                }
            }
            _ => {
                if self.rng.chance(0.7) {
                    reviews[4]
                } else {
                    reviews[5]
                }
            }
        };
        let into_care = self.rng.chance(if self.kind == CaseKind::PreBirth {
            0.4
        } else if self.youngest_age(d) < 1 {
            p.cp_to_care * p.cp_to_care_baby
        } else {
            p.cp_to_care
        });
        // A plan ends at a review conference (on a working day), or when the child comes into
        // care, which can be any day.
        let end = if into_care {
            d + ((end - d) as f64 * self.rng.quantile(&[(0.0, 0.1), (1.0, 1.0)])) as i32
        } else {
            cal.on_or_after(end)
        };
        self.transfer_to_locality(d)?;
        for &rv in reviews.iter().filter(|&&rv| rv < end) {
            if self.past(rv)? {
                return Ok(());
            }
            let cat = if self.rng.chance(0.85) {
                category
            } else {
                self.cp_category()
            };
            self.emit_all(
                rv,
                EventKind::CpReview {
                    category: cat.parse()?,
                },
                Rec::Iro,
            )?;
        }
        if self.past(end)? {
            return Ok(());
        }
        if into_care {
            let route = if self.kind == CaseKind::PreBirth {
                Route::Birth
            } else {
                Route::Protection
            };
            self.bring_into_care(end, route)?;
            if !self.any_active() {
                return Ok(());
            }
            // Siblings who stay at home continue on the plan until the next review.
            let next = reviews
                .iter()
                .copied()
                .find(|&rv| rv > end)
                .unwrap_or(end + 90);
            if self.past(next)? {
                return Ok(());
            }
            self.emit_all(
                next,
                EventKind::CpReview {
                    category: category.parse()?,
                },
                Rec::Iro,
            )?;
            self.emit_all(next, EventKind::CpPlanEnded, Rec::Iro)?;
            self.after_plan(next)?;
            return Ok(());
        }
        self.emit_all(
            end,
            EventKind::CpReview {
                category: category.parse()?,
            },
            Rec::Iro,
        )?;
        self.emit_all(end, EventKind::CpPlanEnded, Rec::Iro)?;
        self.after_plan(end)?;
        Ok(())
    }

    fn after_plan(&mut self, end: Day) -> Result<(), DomainError> {
        let next = self
            .rng
            .pick(&[(0u8, 50.0), (1, 36.0), (2, 11.0), (3, 3.0)]);
        match next {
            0 => self.cin_plan(end)?,
            1 => {
                let close = end + self.rng.int(0, 30);
                self.close_all(close, "RC7")?;
            }
            2 => {
                let at = end + self.rng.int(0, 14);
                self.step_down(at, "RC7")?
            }
            _ => {
                let reason = if self.rng.chance(0.5) { "RC3" } else { "RC4" };
                let close = end + self.rng.int(0, 30);
                self.close_all(close, reason)?;
            }
        }
        Ok(())
    }

    fn late_or_early(&mut self) -> i32 {
        if self.rng.chance(0.9) {
            self.rng.int(0, 14)
        } else {
            -self.rng.int(1, 25)
        }
    }

    /// A child in need plan that starts on `d`.
    fn cin_plan(&mut self, d: Day) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        self.emit_all(d, EventKind::CinPlanStarted, Rec::Allocated)?;
        self.transfer_to_locality(d)?;
        let median = if self.factors_kind == CaseKind::Disability {
            650.0
        } else {
            self.ctx.p.cin_median_days
        };
        let length = (self.rng.lognormal(median, 0.55) as i32).clamp(45, 2_000);
        let end = d + length;
        let teen = self.youngest_age(d) >= 12;
        let care_p = if teen {
            self.ctx.p.cin_to_care * 2.5
        } else {
            self.ctx.p.cin_to_care
        };
        let u = self.rng.unit();
        let escalates = u < self.ctx.p.cin_to_cp + care_p;
        if !escalates && self.factors_kind == CaseKind::Disability && self.rng.chance(0.15) {
            // A disabled child also has an agreed series of short breaks (V4), ending before
            // the plan does and before the child comes of age.
            let s = d + self.rng.int(20, 120);
            let draw: u32 = self.rng.r#gen();
            if s + 30 < end && s <= self.today() {
                for i in self.active() {
                    let until = (end - 1).min(birthday(self.kids[i].dob, 18) - 2);
                    if s + 30 < until {
                        self.enter_care(i, s, Route::ShortBreaks, None, Some(until), draw)?;
                    }
                }
            }
        }
        if u < self.ctx.p.cin_to_cp {
            let at = d + (f64::from(length) * self.rng.quantile(&[(0.0, 0.1), (1.0, 0.9)])) as i32;
            if self.past(at)? {
                return Ok(());
            }
            let cal = self.ctx.cal;
            let sd = cal.on_or_after(at);
            self.emit_all(
                sd,
                EventKind::StrategyDiscussion { section47: true },
                Rec::Allocated,
            )?;
            self.emit_all(sd, EventKind::Section47Started, Rec::Allocated)?;
            let icpc = cal.add(sd, self.icpc_days());
            let done = cal.add(sd, (cal.between(sd, icpc) - 2).max(1));
            if self.past(done)? {
                return Ok(());
            }
            self.emit_all(
                done,
                EventKind::Section47Completed {
                    outcome: Section47Outcome::InitialConference,
                },
                Rec::Allocated,
            )?;
            if self.past(icpc)? {
                return Ok(());
            }
            self.emit_all(icpc, EventKind::InitialConference { plan: true }, Rec::Iro)?;
            self.cp_plan(icpc)?;
            return Ok(());
        }
        if u < self.ctx.p.cin_to_cp + care_p {
            let at = d + (f64::from(length) * self.rng.quantile(&[(0.0, 0.1), (1.0, 0.9)])) as i32;
            if self.past(at)? {
                return Ok(());
            }
            self.emit_all(at, EventKind::CinPlanEnded, Rec::Allocated)?;
            self.bring_into_care(at, Route::Voluntary)?;
            if self.any_active() {
                self.cin_plan(at)?;
            }
            return Ok(());
        }
        if self.past(end)? {
            return Ok(());
        }
        if self.rng.chance(0.17) {
            self.step_down(end, "RC7")?;
        } else {
            self.emit_all(end, EventKind::CinPlanEnded, Rec::Allocated)?;
            self.close_all(end, "RC7")?;
        }
        Ok(())
    }

    /// Closes the referral for every child still in the case.
    fn close_all(&mut self, d: Day, reason: &'static str) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        self.age_out(d)?;
        for i in self.active() {
            self.conclude(i, d)?;
            if self.kids[i].cin {
                self.emit(i, d, EventKind::CinPlanEnded, Rec::Allocated);
            }
        }
        self.emit_all(
            d,
            EventKind::ReferralClosed {
                reason: reason.parse()?,
            },
            Rec::Manager,
        )?;
        self.finish(d);
        Ok(())
    }

    fn finish(&mut self, _d: Day) {
        for k in &mut self.kids {
            if k.active && !(k.eh || k.referral || k.lac || k.cl) {
                k.active = false;
            }
        }
    }

    /// Steps down from social care to early help on `d`.
    fn step_down(&mut self, d: Day, reason: &'static str) -> Result<(), DomainError> {
        if self.past(d)? {
            return Ok(());
        }
        let level = if self.rng.chance(0.5) { "2" } else { "3" };
        self.emit_all(
            d,
            EventKind::SteppedDown {
                level: level.parse()?,
                reason: "Needs can now be met by early help; handover meeting held.".into(),
            },
            Rec::Allocated,
        )?;
        for i in self.active() {
            self.conclude(i, d)?;
            if self.kids[i].cin {
                self.emit(i, d, EventKind::CinPlanEnded, Rec::Allocated);
            }
        }
        self.emit_all(
            d,
            EventKind::EarlyHelpOpened {
                level: level.parse()?,
            },
            Rec::Allocated,
        )?;
        self.emit_all(
            d,
            EventKind::ReferralClosed {
                reason: reason.parse()?,
            },
            Rec::Manager,
        )?;
        let team = self
            .ctx
            .teams
            .early_help_team(self.locality(d), self.rng.r#gen());
        self.allocate(d, team, AllocationRole::Keyworker, "CHCHAN")?;
        self.eh_level = level;
        self.early_help(d, true)?;
        Ok(())
    }

    /// Some or all of the children come into care on `d`; the rest stay in the case.
    fn bring_into_care(&mut self, d: Day, route: Route) -> Result<(), DomainError> {
        self.age_out(d)?;
        if self.past(d)? {
            return Ok(());
        }
        let chosen = self.choose_for_care(d);
        self.bring_chosen_into_care(d, route, chosen)
    }

    /// Which of the children still in the case come into care on `d` (at least one).
    fn choose_for_care(&mut self, d: Day) -> Vec<usize> {
        let active: Vec<usize> = self
            .active()
            .into_iter()
            .filter(|&i| birthday(self.kids[i].dob, 18) > d)
            .collect();
        let mut chosen: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| {
                let a = age_years(self.kids[i].dob, d);
                let p = if a < 10.0 {
                    self.ctx.p.sibling_into_care
                } else {
                    self.ctx.p.sibling_into_care * 0.7
                };
                self.rng.chance(p)
            })
            .collect();
        if chosen.is_empty()
            && let Some(&first) = active.get(self.rng.int(0, active.len() as i32 - 1) as usize)
        {
            chosen.push(first);
        }
        chosen
    }

    /// The chosen children come into care on `d` (a baby on the day of birth at the earliest).
    fn bring_chosen_into_care(
        &mut self,
        d: Day,
        route: Route,
        chosen: Vec<usize>,
    ) -> Result<(), DomainError> {
        self.age_out(d)?;
        if self.past(d)? {
            return Ok(());
        }
        let shared_draw: u32 = self.rng.r#gen();
        let mut shared: Option<super::care::Shared> = None;
        for i in chosen {
            if !self.kids[i].active {
                continue;
            }
            // Nobody is looked after before they are born: a baby comes into care on the day
            // of birth or soon after, and until then the pre-birth plan stays open.
            let dob = self.kids[i].dob;
            let d = if dob >= d {
                dob + self.rng.int(0, 3)
            } else {
                d
            };
            self.kids[i].active = false;
            if d > self.today() {
                self.kids[i].truncated = true;
                continue;
            }
            // The plan ends when the child becomes looked after.
            if self.kids[i].cp {
                self.emit(i, d, EventKind::CpPlanEnded, Rec::Iro);
            }
            if self.kids[i].cin {
                self.emit(i, d, EventKind::CinPlanEnded, Rec::Allocated);
            }
            let s = self.enter_care(i, d, route, shared.as_ref(), None, shared_draw)?;
            if shared.is_none() {
                shared = s;
            }
        }
        Ok(())
    }
}

/// Whether contacts from a referral source come in office hours only (not at weekends or on
/// bank holidays): schools, education, GPs, health visitors, school nurses, community health,
/// housing, council services, probation and courts, and voluntary organisations.
fn office_hours(source: &str) -> bool {
    matches!(
        source,
        "2A" | "2B" | "3A" | "3B" | "3C" | "3D" | "4" | "5A" | "5B" | "5C" | "5D" | "7" | "8"
    )
}

/// Reads codes the synthetic council chose from its own tables; one missing from the domain's
/// lists stops generation with the error naming it.
pub fn codes<L: CodeList>(v: &[String]) -> Result<Vec<Code<L>>, DomainError> {
    v.iter().map(|c| c.parse()).collect()
}

/// A level of need as a static string.
pub fn level_static(level: &str) -> &'static str {
    match level {
        "1" => "1",
        "2" => "2",
        "3" => "3",
        _ => "4",
    }
}
