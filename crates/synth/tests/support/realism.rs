//! Independent checks of a generated authority: each reads only the published events, people
//! and relationships (replaying with the domain's projection where it needs a child's state)
//! and counts what a practitioner would call impossible. Shared by `tests/realism.rs` and the
//! `realism` example, which prints the counts for the default authority.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::events::{AssessmentOutcome, EventKind, JourneyEvent, VisitPurpose};
use stepwise_domain::ids::PersonId;
use stepwise_domain::people::{Person, RelationshipKind, age_on};
use stepwise_domain::projection::{ChildState, Involvement, effective_events};
use stepwise_synth::SyntheticAuthority;

/// What one check found: how many, and a few examples to read.
#[derive(Debug, Default)]
pub struct Found {
    pub count: usize,
    pub examples: Vec<String>,
}

impl Found {
    fn add(&mut self, what: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < 8 {
            self.examples.push(what());
        }
    }
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.count)?;
        for e in &self.examples {
            write!(f, "\n    {e}")?;
        }
        Ok(())
    }
}

/// Each child's events in effective order (corrections applied), with the person.
pub struct Logs<'a> {
    pub a: &'a SyntheticAuthority,
    pub today: NaiveDate,
    pub by_child: Vec<(&'a Person, Vec<JourneyEvent>)>,
}

impl<'a> Logs<'a> {
    pub fn new(a: &'a SyntheticAuthority, today: NaiveDate) -> Self {
        let mut m: HashMap<PersonId, Vec<JourneyEvent>> = HashMap::new();
        for e in &a.events {
            m.entry(e.child).or_default().push(e.clone());
        }
        let person: HashMap<PersonId, &Person> = a.people.iter().map(|p| (p.id, p)).collect();
        let mut by_child: Vec<(&Person, Vec<JourneyEvent>)> = m
            .into_iter()
            .map(|(c, log)| {
                let eff: Vec<JourneyEvent> = effective_events(&log).into_iter().cloned().collect();
                (person[&c], eff)
            })
            .collect();
        by_child.sort_by_key(|(p, _)| p.id);
        Self { a, today, by_child }
    }
}

fn name(p: &Person) -> String {
    format!(
        "person {} (born {})",
        p.id,
        p.date_of_birth
            .map(|d| d.to_string())
            .or_else(|| p.expected_date_of_birth.map(|d| format!("due {d}")))
            .unwrap_or_default()
    )
}

/// The day someone born on `dob` turns `years`.
pub fn birthday(dob: NaiveDate, years: i32) -> NaiveDate {
    let mut d = dob
        .checked_add_months(chrono::Months::new(12 * years as u32))
        .unwrap_or(dob);
    while age_on(dob, d) < years {
        d = d + Days::new(1);
    }
    d
}

/// The start of `today` in England (midnight in Europe/London), as a moment: a demonstration
/// loaded at any time on `today` reads nothing recorded after it.
pub fn start_of_today(today: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let utc_midnight = Utc.from_utc_datetime(&today.and_time(chrono::NaiveTime::MIN));
    let an_hour_before = utc_midnight - chrono::Duration::hours(1);
    if stepwise_domain::localtime::london_date(an_hour_before) == today {
        an_hour_before
    } else {
        utc_midnight
    }
}

/// Check 1: Ages: children's services involvement (front door, early help, referral, child in need,
/// child protection, looked after) is closed by the 18th birthday; after it only care leaver
/// support goes on. Counts children with something other than care leaver support still open
/// at the end of their 18th birthday, or anything but leaving-care work dated after it.
pub fn open_past_eighteen(l: &Logs) -> Found {
    let mut f = Found::default();
    for (p, log) in &l.by_child {
        let Some(dob) = p.date_of_birth else { continue };
        // A birthday that falls on `today` is not yet history (nothing is recorded today).
        let b18 = birthday(dob, 18);
        if b18 >= l.today {
            continue;
        }
        let mut s = ChildState::new(p.id);
        let mut after = None;
        for e in log {
            if e.effective <= b18 {
                s.apply(e);
            } else if !leaving_care_work(&e.kind) {
                after = Some(e);
                break;
            }
        }
        let open: Vec<Involvement> = s
            .involvements()
            .into_iter()
            .filter(|i| *i != Involvement::CareLeaver)
            .collect();
        if !open.is_empty() {
            f.add(|| format!("{}: open at 18 as {open:?}", name(p)));
        } else if let Some(e) = after {
            f.add(|| format!("{}: {} on {}", name(p), e.kind.type_name(), e.effective));
        }
    }
    f
}

fn leaving_care_work(k: &EventKind) -> bool {
    matches!(
        k,
        EventKind::CareLeaverStarted
            | EventKind::CareLeaverEnded
            | EventKind::CareLeaverContact { .. }
            | EventKind::Visit {
                purpose: VisitPurpose::CareLeaver,
                ..
            }
            | EventKind::CaseNote { .. }
            | EventKind::Withdrawn
            | EventKind::WorkerAllocated {
                role: stepwise_domain::events::AllocationRole::PersonalAdviser,
                ..
            }
    )
}

/// Check 2: Referrals left open: a referral open on `today` with no child in need or child protection
/// plan and no care, where nothing has been decided for six months (no assessment, enquiry,
/// conference, plan or step taken; visits, notes and changes of worker do not count).
pub fn referrals_left_open(l: &Logs) -> Found {
    let mut f = Found::default();
    let half_year_ago = l.today - Days::new(182);
    for (p, log) in &l.by_child {
        let mut s = ChildState::new(p.id);
        let mut last = None;
        for e in log {
            s.apply(e);
            if !matches!(
                e.kind,
                EventKind::Visit { .. }
                    | EventKind::CaseNote { .. }
                    | EventKind::WorkerAllocated { .. }
                    | EventKind::ContactReceived { .. }
                    | EventKind::ContactDecided { .. }
                    | EventKind::Withdrawn
            ) {
                last = Some(e.effective);
            }
        }
        if let Some(r) = &s.referral
            && s.cin_plan.is_none()
            && s.cp_plan.is_none()
            && s.looked_after.is_none()
            && last.is_some_and(|d| d < half_year_ago)
        {
            f.add(|| {
                format!(
                    "{}: referral open since {}, nothing decided since {}",
                    name(p),
                    r.opened,
                    last.unwrap_or(r.opened)
                )
            });
        }
    }
    f
}

fn is_meeting(k: &EventKind) -> bool {
    match k {
        EventKind::StrategyDiscussion { .. }
        | EventKind::InitialConference { .. }
        | EventKind::CpReview { .. }
        | EventKind::LookedAfterReview { .. } => true,
        EventKind::CaseNote { subject, .. } => {
            let s = subject.to_lowercase();
            s.contains("meeting") || s.contains("conference") || s.ends_with(" review")
        }
        _ => false,
    }
}

/// Check 3a: Meetings (strategy discussions, conferences, reviews, core groups and other meetings
/// noted in the record) on a weekend or bank holiday.
pub fn meetings_off_working_days(l: &Logs, cal: &WorkingDayCalendar) -> Found {
    let mut f = Found::default();
    for (p, log) in &l.by_child {
        for e in log {
            if is_meeting(&e.kind) && !cal.is_working_day(e.effective) {
                f.add(|| {
                    format!(
                        "{}: {} on {} ({})",
                        name(p),
                        e.kind.type_name(),
                        e.effective,
                        e.effective.weekday()
                    )
                });
            }
        }
    }
    f
}

/// Check 3b: Visits on a bank holiday (a weekday that is not a working day) or on Christmas Day,
/// Boxing Day or New Year's Day whatever the weekday, and the share of visits at weekends (in
/// percent).
pub fn visits_on_holidays(l: &Logs, cal: &WorkingDayCalendar) -> (Found, f64) {
    let mut f = Found::default();
    let (mut all, mut weekends) = (0usize, 0usize);
    for (p, log) in &l.by_child {
        for e in log {
            if !matches!(e.kind, EventKind::Visit { .. }) {
                continue;
            }
            all += 1;
            let d = e.effective;
            let festive = matches!((d.month(), d.day()), (12, 25) | (12, 26) | (1, 1));
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            if festive || (!weekend && !cal.is_working_day(d)) {
                f.add(|| format!("{}: visit on {} ({})", name(p), d, d.weekday()));
            } else if weekend {
                weekends += 1;
            }
        }
    }
    (f, 100.0 * weekends as f64 / all.max(1) as f64)
}

/// Check 4: Events recorded after the authority's "now", or effective after its today.
pub fn recorded_after_now(a: &SyntheticAuthority, today: NaiveDate, now: DateTime<Utc>) -> Found {
    let mut f = Found::default();
    for e in &a.events {
        if e.recorded_at > now || e.effective > today {
            f.add(|| {
                format!(
                    "child {}: {} effective {} recorded {}",
                    e.child,
                    e.kind.type_name(),
                    e.effective,
                    e.recorded_at
                )
            });
        }
    }
    f
}

/// Check 6: What cannot happen before birth: care (periods, placements, reviews, missing episodes,
/// visits as a looked-after child), leaving care, or being seen alone. Counts events dated
/// before the date of birth, and unborn children with any of them.
pub fn before_birth(l: &Logs) -> Found {
    let mut f = Found::default();
    for (p, log) in &l.by_child {
        let born = p.date_of_birth;
        for e in log {
            let impossible = matches!(
                e.kind,
                EventKind::LookedAfterStarted { .. }
                    | EventKind::LookedAfterChanged { .. }
                    | EventKind::LookedAfterEnded { .. }
                    | EventKind::LookedAfterReview { .. }
                    | EventKind::MissingEpisode { .. }
                    | EventKind::CareLeaverStarted
                    | EventKind::CareLeaverContact { .. }
                    | EventKind::Visit {
                        purpose: VisitPurpose::LookedAfter | VisitPurpose::CareLeaver,
                        ..
                    }
                    | EventKind::Visit {
                        seen_alone: true,
                        ..
                    }
            );
            if impossible && born.is_none_or(|b| e.effective < b) {
                f.add(|| format!("{}: {} on {}", name(p), e.kind.type_name(), e.effective));
            }
        }
    }
    f
}

/// Check 7a: An assessment that concludes "looked after" for a child not already in care, with no
/// period of care starting within 30 days of it (or of the birth, for a pre-birth assessment).
pub fn looked_after_outcome_not_followed(l: &Logs) -> Found {
    let mut f = Found::default();
    for (p, log) in &l.by_child {
        let mut s = ChildState::new(p.id);
        for (i, e) in log.iter().enumerate() {
            if let EventKind::AssessmentAuthorised {
                outcome: AssessmentOutcome::LookedAfter,
                ..
            } = &e.kind
                && s.looked_after.is_none()
            {
                let from = match p.date_of_birth {
                    Some(b) if b > e.effective => b,
                    None => l.today + Days::new(1),
                    _ => e.effective,
                };
                let by = from + Days::new(30);
                // Care that began before the placement code lists is recorded from their first
                // day, with a note of when it really began.
                let started = log[i..].iter().any(|x| match &x.kind {
                    EventKind::LookedAfterStarted { .. } => x.effective <= by,
                    EventKind::CaseNote { text, .. } => {
                        earlier_care(text).is_some_and(|(from, to)| {
                            from <= by && to.is_none_or(|t| t >= e.effective)
                        })
                    }
                    _ => false,
                });
                if by <= l.today && !started {
                    f.add(|| format!("{}: looked after outcome on {}", name(p), e.effective));
                }
            }
            s.apply(e);
        }
    }
    f
}

/// The start of a period of care noted as held in an earlier system ("Looked after since
/// 01/02/2020" or "Looked after from 01/02/2020 to ...").
fn earlier_care(text: &str) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let d = |s: &str| NaiveDate::parse_from_str(s.get(..10)?, "%d/%m/%Y").ok();
    if let Some(rest) = text.strip_prefix("Looked after since ") {
        return Some((d(rest)?, None));
    }
    let rest = text.strip_prefix("Looked after from ")?;
    Some((d(rest)?, d(rest.get(14..)?)))
}

/// Check 7b: A referral closed while its assessment or section 47 enquiry is still unfinished:
/// (assessments, section 47 enquiries).
pub fn closed_unfinished(l: &Logs) -> (Found, Found) {
    let (mut fa, mut fs) = (Found::default(), Found::default());
    for (p, log) in &l.by_child {
        let mut s = ChildState::new(p.id);
        for e in log {
            if matches!(e.kind, EventKind::ReferralClosed { .. })
                && let Some(r) = &s.referral
            {
                if r.assessment_started.is_some() && r.assessment_authorised.is_none() {
                    fa.add(|| format!("{}: closed on {} mid-assessment", name(p), e.effective));
                }
                if r.section47_started.is_some() && r.section47_completed.is_none() {
                    fs.add(|| format!("{}: closed on {} mid-enquiry", name(p), e.effective));
                }
            }
            s.apply(e);
        }
    }
    (fa, fs)
}

/// Check 8: Parents under 16 at their child's birth; with the share of mothers under 18 at the birth
/// and the mean ages of mothers and fathers at the birth.
pub struct ParentAges {
    pub under_16: Found,
    pub under_13: usize,
    pub mothers_under_18_pct: f64,
    pub mean_mother: f64,
    pub mean_father: f64,
}

pub fn parent_ages(a: &SyntheticAuthority) -> ParentAges {
    let person: HashMap<PersonId, &Person> = a.people.iter().map(|p| (p.id, p)).collect();
    let mut f = Found::default();
    let mut under_13 = 0;
    let (mut m, mut m18, mut msum, mut fa, mut fsum) = (0usize, 0usize, 0.0, 0usize, 0.0);
    for r in &a.relationships {
        if r.kind != RelationshipKind::Parent {
            continue;
        }
        let (Some(parent), Some(child)) = (person.get(&r.person), person.get(&r.related)) else {
            continue;
        };
        let (Some(pdob), Some(born)) = (
            parent.date_of_birth,
            child.date_of_birth.or(child.expected_date_of_birth),
        ) else {
            continue;
        };
        let years = (born - pdob).num_days() as f64 / 365.25;
        let age = age_on(pdob, born);
        if age < 16 {
            f.add(|| format!("{} was {age} when {} was born", name(parent), name(child)));
            if age < 13 {
                under_13 += 1;
            }
        }
        if parent.sex.as_str() == "F" {
            m += 1;
            msum += years;
            m18 += usize::from(age < 18);
        } else {
            fa += 1;
            fsum += years;
        }
    }
    ParentAges {
        under_16: f,
        under_13,
        mothers_under_18_pct: 100.0 * m18 as f64 / m.max(1) as f64,
        mean_mother: msum / m.max(1) as f64,
        mean_father: fsum / fa.max(1) as f64,
    }
}

/// Who a contact's text says it came from, by how the text opens, for each referral source
/// code (10, unknown, may say anything).
fn openings(source: &str) -> &'static [&'static str] {
    match source {
        "1A" => &[
            "Parent",
            "Mother",
            "Father",
            "Grandparent",
            "Grandmother",
            "Aunt",
            "Relative",
            "Family member",
            "Carer",
        ],
        "1B" => &["Neighbour", "Family friend", "Childminder", "Friend"],
        "1C" => &["Young person", "The child"],
        "1D" => &["Member of the public", "Local councillor", "MP"],
        "2A" | "2B" => &["School", "Teacher", "Nursery", "College", "Education"],
        "3A" => &["GP"],
        "3B" => &["Health visitor"],
        "3C" => &["School nurse"],
        "3D" => &[
            "Midwife",
            "Community nurse",
            "Pharmacist",
            "Dentist",
            "Community health",
        ],
        "3E" => &["A&E", "Emergency department", "Hospital"],
        "3F" => &[
            "CAMHS",
            "Hospital",
            "Midwife",
            "Mental health",
            "Hospice",
            "Paediatric",
            "Substance",
        ],
        "4" => &["Housing"],
        "5A" => &["Adult social care", "Adult services"],
        "5B" => &[
            "Youth justice",
            "Council",
            "Leisure",
            "Library",
            "Youth service",
        ],
        "5C" => &["Another authority", "Another local authority"],
        "5D" => &["Early help"],
        "6" => &["Police"],
        "7" => &[
            "Probation",
            "Court",
            "Cafcass",
            "Immigration",
            "Home Office",
            "Prison",
        ],
        "8" => &[
            "Voluntary organisation",
            "Children's centre",
            "Charity",
            "Youth club",
        ],
        "9" => &["Anonymous"],
        _ => &[""],
    }
}

/// Check 9: Text against source and age: a contact's concern text opens with who it came from, as
/// coded; text about a young person is about a child of 10 or over; text about a baby or a
/// pregnancy is about a child under 2 or unborn; health visitors contact about families with a
/// child under 5, schools about families with a child of school age; and supported or
/// independent accommodation (K3, H5, P2) is for 16 and over. Returns (text vs source, text
/// vs age, placements vs age).
pub fn text_and_age(l: &Logs) -> (Found, Found, Found) {
    let (mut fs, mut fa, mut fp) = (Found::default(), Found::default(), Found::default());
    // The children in each contact: the same moment, source and text.
    type Key = (NaiveDate, Option<chrono::NaiveTime>, String, String);
    let mut groups: HashMap<Key, (i32, i32)> = HashMap::new();
    let age_at = |p: &Person, d: NaiveDate| match p.date_of_birth {
        Some(b) if b <= d => age_on(b, d),
        _ => -1,
    };
    for (p, log) in &l.by_child {
        for e in log {
            if let EventKind::ContactReceived {
                source, concerns, ..
            } = &e.kind
            {
                let a = age_at(p, e.effective);
                let g = groups
                    .entry((
                        e.effective,
                        e.effective_time,
                        source.as_str().to_string(),
                        concerns.clone(),
                    ))
                    .or_insert((a, a));
                g.0 = g.0.min(a);
                g.1 = g.1.max(a);
            }
        }
    }
    for (p, log) in &l.by_child {
        for e in log {
            match &e.kind {
                EventKind::ContactReceived {
                    source, concerns, ..
                } => {
                    let src = source.as_str();
                    if !openings(src).iter().any(|o| concerns.starts_with(o)) {
                        fs.add(|| format!("{}: source {src}, \"{concerns}\"", name(p)));
                    }
                    let a = age_at(p, e.effective);
                    let (youngest, oldest) = groups[&(
                        e.effective,
                        e.effective_time,
                        src.to_string(),
                        concerns.clone(),
                    )];
                    let t = concerns.to_lowercase();
                    let wrong = (t.contains("young person") && a < 10)
                        || ((t.contains("baby")
                            || t.contains("pregnan")
                            || t.contains("unborn")
                            || t.contains("newborn"))
                            && a > 1)
                        || (src == "3B" && youngest > 4)
                        || (matches!(src, "2A" | "2B" | "3C") && oldest < 4);
                    if wrong {
                        fa.add(|| format!("{} aged {a}: source {src}, \"{concerns}\"", name(p)));
                    }
                }
                EventKind::LookedAfterStarted { placement, .. }
                | EventKind::LookedAfterChanged { placement, .. } => {
                    let code = placement.placement.as_str();
                    let a = age_at(p, e.effective);
                    if matches!(code, "K3" | "H5" | "P2") && a < 16 {
                        fp.add(|| {
                            format!("{} aged {a}: placement {code} on {}", name(p), e.effective)
                        });
                    }
                }
                _ => {}
            }
        }
    }
    (fs, fa, fp)
}

/// A share of a whole: how many of how many, in percent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Share {
    pub n: usize,
    pub of: usize,
}

impl Share {
    pub fn pct(&self) -> f64 {
        100.0 * self.n as f64 / self.of.max(1) as f64
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}% ({} of {})", self.pct(), self.n, self.of)
    }
}

/// The mixes of a generated authority that the DfE publishes for England, each computed from
/// the events (replayed with the domain's projection where a child's state is needed), with
/// the DfE's definitions. Flows are pooled over the last `years` collection years (to 31
/// March) before `today`, and the "at 31 March" snapshots over the 31 Marches ending them, so
/// that a 60,000-child authority gives counts large enough to compare.
#[derive(Debug, Default)]
pub struct Mixes {
    /// The collection years pooled, as (first day, last day).
    pub years: Vec<(NaiveDate, NaiveDate)>,
    /// Child protection plans starting, by the child's age at the start: unborn, under 1, 1 to
    /// 4, 5 to 9, 10 to 15, 16 and 17.
    pub cp_start_age: [Share; 6],
    /// Child protection plans ending, by how long they lasted: 3 months or less, more than 3
    /// up to 6 months, more than 6 months and under a year, 1 year and under 2, 2 years or more.
    pub cp_length: [Share; 5],
    /// Child protection plans starting for a child who had been on a plan before (ever).
    pub cp_repeat: Share,
    /// Looked after at 31 March (excluding V3/V4 short breaks) who are unaccompanied
    /// asylum-seeking children.
    pub lac_uasc: Share,
    /// Looked after at 31 March aged under 1, and aged 1 to 4.
    pub lac_under_1: Share,
    pub lac_1_to_4: Share,
    /// Looked after at 31 March placed for adoption (A3 to A6).
    pub lac_placed_for_adoption: Share,
    /// Periods of care ending (excluding V3/V4 short breaks) by adoption (E11, E12).
    pub ceased_adopted: Share,
    /// Referrals by source, in the DfE's groups: individual (1A-1D), schools (2A), education
    /// services (2B), health services (3A-3F), housing (4), LA services (5A-5D), police (6),
    /// other legal agency (7), other (8), anonymous (9), unknown (10).
    pub referral_source: Vec<(&'static str, Share)>,
    /// Girls looked after on `today` who are mothers (SSDA903 MOTHER: a `Parent` relationship
    /// to a child), and the youngest age at which one of them became a mother (MC_DOB).
    pub mothers_in_care: usize,
    pub youngest_mother_age: Option<i32>,
}

/// The DfE group of a CIN census referral source code.
pub fn source_group(code: &str) -> &'static str {
    match code {
        "1A" | "1B" | "1C" | "1D" => "Individual",
        "2A" => "Schools",
        "2B" => "Education services",
        "3A" | "3B" | "3C" | "3D" | "3E" | "3F" => "Health services",
        "4" => "Housing",
        "5A" | "5B" | "5C" | "5D" => "LA services",
        "6" => "Police",
        "7" => "Other legal agency",
        "8" => "Other",
        "9" => "Anonymous",
        _ => "Unknown",
    }
}

const SOURCE_GROUPS: [&str; 11] = [
    "Individual",
    "Schools",
    "Education services",
    "Health services",
    "Housing",
    "LA services",
    "Police",
    "Other legal agency",
    "Other",
    "Anonymous",
    "Unknown",
];

/// The collection years (1 April to 31 March) that ended before `today`, latest last.
pub fn collection_years(today: NaiveDate, years: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let last_end_year = if (today.month(), today.day()) > (3, 31) {
        today.year()
    } else {
        today.year() - 1
    };
    (0..years as i32)
        .rev()
        .filter_map(|k| {
            let y = last_end_year - k;
            Some((
                NaiveDate::from_ymd_opt(y - 1, 4, 1)?,
                NaiveDate::from_ymd_opt(y, 3, 31)?,
            ))
        })
        .collect()
}

fn age_band(dob: Option<NaiveDate>, on: NaiveDate) -> usize {
    match dob {
        Some(b) if b <= on => match age_on(b, on) {
            0 => 1,
            1..=4 => 2,
            5..=9 => 3,
            10..=15 => 4,
            _ => 5,
        },
        _ => 0,
    }
}

/// Computes the mixes over the last `years` collection years before `l.today`.
pub fn mixes(l: &Logs, years: u32) -> Mixes {
    let ys = collection_years(l.today, years);
    let in_years = |d: NaiveDate| ys.iter().any(|(s, e)| d >= *s && d <= *e);
    let mut m = Mixes {
        years: ys.clone(),
        ..Mixes::default()
    };
    let mut sources = [0usize; 11];
    let mut referrals = 0usize;
    let (mut starts, mut ends, mut ceased, mut lac) = (0usize, 0usize, 0usize, 0usize);
    for (p, log) in &l.by_child {
        let dob = p.date_of_birth;
        let mut s = ChildState::new(p.id);
        let mut plans_before = 0usize;
        let mut snapshots = ys.iter().map(|(_, e)| *e).peekable();
        let on_31_march = |s: &ChildState, d: NaiveDate, m: &mut Mixes, lac: &mut usize| {
            let Some(la) = &s.looked_after else { return };
            if matches!(s.legal_status(), Some("V3" | "V4")) {
                return;
            }
            *lac += 1;
            m.lac_uasc.n += usize::from(p.uasc);
            let band = age_band(dob, d);
            m.lac_under_1.n += usize::from(band == 1);
            m.lac_1_to_4.n += usize::from(band == 2);
            m.lac_placed_for_adoption.n += usize::from(matches!(
                la.placement.placement.as_str(),
                "A3" | "A4" | "A5" | "A6"
            ));
        };
        for e in log {
            // Snapshots at the end of each 31 March before this event's day.
            while let Some(&d) = snapshots.peek() {
                if d < e.effective {
                    on_31_march(&s, d, &mut m, &mut lac);
                    snapshots.next();
                } else {
                    break;
                }
            }
            let d = e.effective;
            match &e.kind {
                EventKind::CpPlanStarted { .. } => {
                    if in_years(d) {
                        starts += 1;
                        m.cp_start_age[age_band(dob, d)].n += 1;
                        m.cp_repeat.n += usize::from(plans_before > 0);
                    }
                    plans_before += 1;
                }
                EventKind::CpPlanEnded if in_years(d) => {
                    if let Some(c) = &s.cp_plan {
                        ends += 1;
                        let months = |k: u32| c.started + chrono::Months::new(k);
                        let band = if d <= months(3) {
                            0
                        } else if d <= months(6) {
                            1
                        } else if d < months(12) {
                            2
                        } else if d < months(24) {
                            3
                        } else {
                            4
                        };
                        m.cp_length[band].n += 1;
                    }
                }
                EventKind::LookedAfterEnded { reason }
                    if in_years(d) && !matches!(s.legal_status(), Some("V3" | "V4")) =>
                {
                    ceased += 1;
                    m.ceased_adopted.n += usize::from(matches!(reason.as_str(), "E11" | "E12"));
                }
                EventKind::ReferralOpened { source, .. } if in_years(d) => {
                    referrals += 1;
                    let g = source_group(source.as_str());
                    if let Some(i) = SOURCE_GROUPS.iter().position(|x| *x == g) {
                        sources[i] += 1;
                    }
                }
                _ => {}
            }
            s.apply(e);
        }
        for d in snapshots {
            if d <= l.today {
                on_31_march(&s, d, &mut m, &mut lac);
            }
        }
    }
    for x in &mut m.cp_start_age {
        x.of = starts;
    }
    m.cp_repeat.of = starts;
    for x in &mut m.cp_length {
        x.of = ends;
    }
    for x in [
        &mut m.lac_uasc,
        &mut m.lac_under_1,
        &mut m.lac_1_to_4,
        &mut m.lac_placed_for_adoption,
    ] {
        x.of = lac;
    }
    m.ceased_adopted.of = ceased;
    m.referral_source = SOURCE_GROUPS
        .iter()
        .zip(sources)
        .map(|(g, n)| (*g, Share { n, of: referrals }))
        .collect();
    let people: HashMap<PersonId, &Person> = l.a.people.iter().map(|p| (p.id, p)).collect();
    for (p, log) in &l.by_child {
        if p.sex != "F" {
            continue;
        }
        let mut s = ChildState::new(p.id);
        for e in log {
            s.apply(e);
        }
        if s.looked_after.is_none() {
            continue;
        }
        let births: Vec<NaiveDate> =
            l.a.relationships
                .iter()
                .filter(|r| r.person == p.id && r.kind == RelationshipKind::Parent)
                .filter_map(|r| people.get(&r.related).and_then(|c| c.date_of_birth))
                .collect();
        if let (Some(first), Some(dob)) = (births.iter().min(), p.date_of_birth) {
            m.mothers_in_care += 1;
            let age = age_on(dob, *first);
            m.youngest_mother_age = Some(m.youngest_mother_age.map_or(age, |y| y.min(age)));
        }
    }
    m
}

/// The front door's queue on `today`: for each child with a contact received and not yet
/// decided, the day it was received. Contacts about siblings made together are one contact:
/// returns (children waiting, contacts waiting, days received).
pub fn front_door_queue(l: &Logs) -> (usize, usize, Vec<NaiveDate>) {
    let mut children = 0;
    let mut contacts: std::collections::BTreeSet<(NaiveDate, Option<chrono::NaiveTime>, String)> =
        Default::default();
    let mut days = Vec::new();
    for (p, log) in &l.by_child {
        let mut s = ChildState::new(p.id);
        let mut last_received = None;
        for e in log {
            if let EventKind::ContactReceived { concerns, .. } = &e.kind {
                last_received = Some((e.effective, e.effective_time, concerns.clone()));
            }
            s.apply(e);
        }
        if let Some(c) = &s.pending_contact {
            children += 1;
            days.push(c.received);
            if let Some(k) = last_received {
                contacts.insert(k);
            }
        }
    }
    days.sort();
    (children, contacts.len(), days)
}

/// What the statutory returns need from the events, found missing: (adoptions without the
/// decision or the match in the period of care, SSDA903 AD1; placement orders or placements for
/// adoption without a standing decision, PlacedAdoption; plans without their previous-plan
/// count or with fewer than the record shows, CIN NumberOfPreviousCPP; periods of care without
/// their previous permanence, or not naming the adoption or special guardianship that ended an
/// earlier one, PrevPerm).
pub fn return_fields_missing(l: &Logs) -> (Found, Found, Found, Found) {
    let (mut ad1, mut placed, mut cpp, mut perm) = Default::default();
    for (p, log) in &l.by_child {
        let mut s = ChildState::new(p.id);
        let mut plans = 0u32;
        let mut ended_by: Option<String> = None;
        let mut decided = false;
        let mut matched = false;
        for (i, e) in log.iter().enumerate() {
            match &e.kind {
                EventKind::LookedAfterEnded { reason } => {
                    if matches!(reason.as_str(), "E11" | "E12") && !(decided && matched) {
                        Found::add(&mut ad1, || {
                            format!("{}: adopted on {} without AD1", name(p), e.effective)
                        });
                    }
                    ended_by = Some(reason.as_str().to_string());
                }
                EventKind::LookedAfterStarted {
                    placement,
                    previous_permanence,
                } => {
                    decided = false;
                    matched = false;
                    let want = match ended_by.as_deref() {
                        Some("E11" | "E12") => Some("P1"),
                        Some("E45" | "E46" | "E47" | "E48") => Some("P2"),
                        _ => None,
                    };
                    match previous_permanence {
                        None => Found::add(&mut perm, || {
                            format!("{}: care from {} without PrevPerm", name(p), e.effective)
                        }),
                        Some(pp) if want.is_some_and(|w| pp.option != w) => {
                            Found::add(&mut perm, || {
                                format!(
                                    "{}: care from {} says {} after {:?}",
                                    name(p),
                                    e.effective,
                                    pp.option,
                                    ended_by
                                )
                            })
                        }
                        _ => {}
                    }
                    // Care that the record shows from the start of its window already placed
                    // for adoption: the decision is recorded that day.
                    let towards = placement.legal_status == "E1"
                        || placement.placement.as_str().starts_with('A');
                    let same_day = log[i..]
                        .iter()
                        .take_while(|x| x.effective == e.effective)
                        .any(|x| matches!(x.kind, EventKind::AdoptionDecided));
                    if towards && !same_day {
                        Found::add(&mut placed, || {
                            format!(
                                "{}: placed for adoption on {} with no decision",
                                name(p),
                                e.effective
                            )
                        });
                    }
                }
                EventKind::LookedAfterChanged { placement, .. } => {
                    let towards = placement.legal_status == "E1"
                        || placement.placement.as_str().starts_with('A');
                    if towards && s.adoption.is_none() && !decided {
                        Found::add(&mut placed, || {
                            format!(
                                "{}: placement order or placement on {} with no decision",
                                name(p),
                                e.effective
                            )
                        });
                    }
                }
                EventKind::AdoptionDecided => decided = true,
                EventKind::AdoptersMatched { .. } => matched = true,
                EventKind::AdoptionDecisionReversed { .. } => {
                    decided = false;
                    matched = false;
                }
                EventKind::CpPlanStarted { previous_plans, .. } => {
                    match previous_plans {
                        Some(n) if *n >= plans => {}
                        _ => Found::add(&mut cpp, || {
                            format!(
                                "{}: plan on {} says {:?} previous plans, the record shows {plans}",
                                name(p),
                                e.effective,
                                previous_plans
                            )
                        }),
                    }
                    plans += 1;
                }
                _ => {}
            }
            s.apply(e);
        }
    }
    (ad1, placed, cpp, perm)
}

/// The SSDA903 OC2 cohort of the collection years (children looked after continuously for 12
/// months at 31 March, short breaks aside) and the shares of them with each item in the year to
/// 31 March: (cohort, health assessment, dental check, immunisations up to date, and of those
/// aged 4 to 16 at 31 March, an SDQ score or a reason).
pub fn oc2_shares(l: &Logs, years: u32) -> (usize, f64, f64, f64, f64) {
    let (mut n, mut ha, mut dental, mut imm, mut sdq_n, mut sdq) = (0, 0, 0, 0, 0, 0);
    for (from, to) in collection_years(l.today, years) {
        for (p, log) in &l.by_child {
            let mut s = ChildState::new(p.id);
            let mut since: Option<NaiveDate> = None;
            let mut got = [false; 4];
            for e in log {
                if e.effective > to {
                    break;
                }
                s.apply(e);
                match &e.kind {
                    EventKind::LookedAfterStarted { .. } => since = Some(e.effective),
                    EventKind::LookedAfterEnded { .. } => since = None,
                    EventKind::HealthChecked { check } if e.effective >= from => {
                        use stepwise_domain::events::HealthCheck as H;
                        match check {
                            H::HealthAssessment => got[0] = true,
                            H::DentalCheck => got[1] = true,
                            H::ImmunisationsUpToDate => got[2] = true,
                            H::DevelopmentCheck => {}
                        }
                    }
                    EventKind::SdqAssessed { .. } if e.effective >= from => got[3] = true,
                    _ => {}
                }
            }
            let short_break = s
                .looked_after
                .as_ref()
                .is_some_and(|la| matches!(la.placement.legal_status.as_str(), "V3" | "V4"));
            let Some(start) = since else { continue };
            if short_break || start + Days::new(365) > to {
                continue;
            }
            n += 1;
            ha += usize::from(got[0]);
            dental += usize::from(got[1]);
            imm += usize::from(got[2]);
            if p.date_of_birth
                .is_some_and(|b| (4..=16).contains(&age_on(b, to)))
            {
                sdq_n += 1;
                sdq += usize::from(got[3]);
            }
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    (n, pct(ha, n), pct(dental, n), pct(imm, n), pct(sdq, sdq_n))
}
