//! The data-protection retention schedule: how long a person's social care record is kept, and
//! when it falls due to be reviewed for disposal. A record is sorted into retention classes by
//! what its journey holds (adopted, looked after, care leaver, child protection, child in need,
//! early help, contact only); each class has a rule counting a number of years from an anchor
//! (the date of birth, the last activity on the record, or the adoption), and the class whose
//! rule gives the latest date governs. The schedule an authority runs is configuration:
//! `RetentionSchedule::default()` holds common local-authority practice and
//! `RetentionSchedule::from_json` reads an authority's changes, refusing any that would keep an
//! adoption or looked-after record for less than the regulations require. Everything here is
//! pure: the store supplies the person and their events, and "today" is passed in. The date
//! worked out is when a person should look at the record again, not an instruction to destroy it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

use crate::events::{AllocationRole, ContactOutcome, EventKind, JourneyEvent, VisitPurpose};
use crate::people::{Person, PersonKind};
use crate::projection::effective_events;

/// The longest retention period a schedule file may set, in years.
pub const MAX_YEARS: u32 = 150;

/// The SSDA903 'reason episode ceased' codes that mean the child left care through adoption.
pub const ADOPTION_CEASED_CODES: [&str; 2] = ["E11", "E12"];

/// A kind of record, for retention. One person's record can fall in several classes; the one
/// whose rule gives the latest date governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionClass {
    /// The child left care through adoption (an adoption case record).
    Adoption,
    /// The child was looked after at some time.
    LookedAfter,
    /// The young person received leaving-care support.
    CareLeaver,
    /// The child was subject to a section 47 enquiry or a child protection plan at some time.
    ChildProtection,
    /// The child was referred to children's social care (a child in need episode).
    ChildInNeed,
    /// The child had early help.
    EarlyHelp,
    /// Only contacts (and notes) were recorded: no further involvement.
    ContactOnly,
}

impl RetentionClass {
    /// Every class, the longest-kept first by default.
    pub const ALL: [RetentionClass; 7] = [
        Self::Adoption,
        Self::LookedAfter,
        Self::CareLeaver,
        Self::ChildProtection,
        Self::ChildInNeed,
        Self::EarlyHelp,
        Self::ContactOnly,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adoption => "adoption",
            Self::LookedAfter => "looked_after",
            Self::CareLeaver => "care_leaver",
            Self::ChildProtection => "child_protection",
            Self::ChildInNeed => "child_in_need",
            Self::EarlyHelp => "early_help",
            Self::ContactOnly => "contact_only",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// How people name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Adoption => "Adoption",
            Self::LookedAfter => "Looked after",
            Self::CareLeaver => "Care leaver",
            Self::ChildProtection => "Child protection",
            Self::ChildInNeed => "Child in need",
            Self::EarlyHelp => "Early help",
            Self::ContactOnly => "Contact only",
        }
    }
    /// The position of the class in `ALL`.
    fn index(self) -> usize {
        match self {
            Self::Adoption => 0,
            Self::LookedAfter => 1,
            Self::CareLeaver => 2,
            Self::ChildProtection => 3,
            Self::ChildInNeed => 4,
            Self::EarlyHelp => 5,
            Self::ContactOnly => 6,
        }
    }
}

/// The date a retention period is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The date of birth; for an unborn child, the expected date of birth.
    Birth,
    /// The effective date of the last event on the record (withdrawals aside).
    LastActivity,
    /// The date the child left care through adoption.
    Adoption,
}

impl Anchor {
    /// Every anchor.
    pub const ALL: [Anchor; 3] = [Self::Birth, Self::LastActivity, Self::Adoption];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Birth => "birth",
            Self::LastActivity => "last_activity",
            Self::Adoption => "adoption",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Birth => "the date of birth",
            Self::LastActivity => "the last activity",
            Self::Adoption => "the adoption",
        }
    }
}

/// How long one class of record is kept: `years` from the anchor and, where set, never less
/// than `minimum_after_last_activity_years` from the last activity, whichever is later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionRule {
    pub anchor: Anchor,
    pub years: u32,
    /// A floor counted from the last activity, so that a record still in use near the end of
    /// its period is not reviewed for disposal straight away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_after_last_activity_years: Option<u32>,
}

impl RetentionRule {
    /// A rule with no floor.
    pub const fn new(anchor: Anchor, years: u32) -> Self {
        Self {
            anchor,
            years,
            minimum_after_last_activity_years: None,
        }
    }
    /// The same rule with a floor counted from the last activity.
    pub const fn at_least_after_last_activity(self, years: u32) -> Self {
        Self {
            minimum_after_last_activity_years: Some(years),
            ..self
        }
    }
}

/// The rule for every retention class. Built only by `default()` or `from_json`, so the
/// statutory minimums always hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionSchedule {
    /// One rule per class, in the order of `RetentionClass::ALL`.
    rules: [RetentionRule; 7],
}

impl Default for RetentionSchedule {
    /// Common local-authority practice. Every period is a local choice that an authority can
    /// change in its schedule file, except that adoption and looked-after records cannot be
    /// shortened below their statutory minimums:
    ///
    /// | Class            | Kept for                                                         |
    /// |------------------|------------------------------------------------------------------|
    /// | Adoption         | 100 years from the adoption (statutory minimum)                  |
    /// | Looked after     | 75 years from birth: until the 75th birthday (statutory minimum) |
    /// | Care leaver      | 75 years from birth                                              |
    /// | Child protection | 25 years from birth, and at least 6 years from last activity     |
    /// | Child in need    | 25 years from birth, and at least 6 years from last activity     |
    /// | Early help       | 25 years from birth, and at least 6 years from last activity     |
    /// | Contact only     | 6 years from last activity                                       |
    fn default() -> Self {
        use Anchor as A;
        Self {
            rules: [
                RetentionRule::new(A::Adoption, 100),
                RetentionRule::new(A::Birth, 75),
                RetentionRule::new(A::Birth, 75),
                RetentionRule::new(A::Birth, 25).at_least_after_last_activity(6),
                RetentionRule::new(A::Birth, 25).at_least_after_last_activity(6),
                RetentionRule::new(A::Birth, 25).at_least_after_last_activity(6),
                RetentionRule::new(A::LastActivity, 6),
            ],
        }
    }
}

/// Why an authority's retention schedule file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    /// The text is not a schedule file at all.
    #[error("retention schedule: not a retention schedule file ({0})")]
    NotASchedule(String),
    /// The file names a class that does not exist.
    #[error(
        "retention schedule: unknown class {name:?} (the classes are {})",
        class_names()
    )]
    UnknownClass { name: String },
    /// A class's entry could not be read (an unknown field, or a value of the wrong type).
    #[error("retention schedule: class {}: {message}", .class.as_str())]
    Unreadable {
        class: RetentionClass,
        message: String,
    },
    /// A field of a class's entry is missing or wrong.
    #[error("retention schedule: class {}, {field}: {message}", .class.as_str())]
    Field {
        class: RetentionClass,
        field: &'static str,
        message: String,
    },
    /// The change would keep the class for less than the regulations require.
    #[error("retention schedule: class {}: {message}", .class.as_str())]
    BelowStatutoryMinimum {
        class: RetentionClass,
        message: String,
    },
}

fn class_names() -> String {
    RetentionClass::ALL.map(RetentionClass::as_str).join(", ")
}

/// An authority's schedule file: the classes it changes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    classes: BTreeMap<String, serde_json::Value>,
}

/// One class's entry in a schedule file. Everything is optional here so that a missing or
/// out-of-range value gets a message of our own naming the field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    anchor: Option<String>,
    years: Option<i64>,
    minimum_after_last_activity_years: Option<i64>,
}

/// The statutory minimum for adoption case records, in years from the adoption.
const ADOPTION_MINIMUM_YEARS: u32 = 100;
/// The statutory minimum for looked-after children's case records, in years from birth.
const LOOKED_AFTER_MINIMUM_YEARS: u32 = 75;

impl RetentionSchedule {
    /// Reads an authority's changes to the defaults, for example
    /// `{"classes": {"early_help": {"anchor": "birth", "years": 21,
    /// "minimum_after_last_activity_years": 6}}}`. Every class named replaces its default rule
    /// whole; classes not named keep theirs. Refused, naming the class and the field: unknown
    /// classes, fields or anchors, a missing anchor or number of years, a number of years of 0
    /// or above 150, an adoption anchor on any class but adoption, and any change that would
    /// keep adoption records for less than 100 years from the adoption or looked-after records
    /// for less than 75 years from birth (the minimums the regulations set).
    pub fn from_json(text: &str) -> Result<Self, RetentionError> {
        let file: ScheduleFile =
            serde_json::from_str(text).map_err(|e| RetentionError::NotASchedule(e.to_string()))?;
        let mut schedule = Self::default();
        for (name, value) in file.classes {
            let class = RetentionClass::parse(&name)
                .ok_or_else(|| RetentionError::UnknownClass { name: name.clone() })?;
            let entry: RuleEntry =
                serde_json::from_value(value).map_err(|e| RetentionError::Unreadable {
                    class,
                    message: e.to_string(),
                })?;
            let rule = read_rule(class, entry)?;
            check_statutory_minimum(class, &rule)?;
            schedule.rules[class.index()] = rule;
        }
        Ok(schedule)
    }

    /// The rule for a class.
    pub fn rule(&self, class: RetentionClass) -> RetentionRule {
        self.rules[class.index()]
    }

    /// Every class with its rule, in the order of `RetentionClass::ALL`.
    pub fn rules(&self) -> impl Iterator<Item = (RetentionClass, RetentionRule)> + '_ {
        RetentionClass::ALL.into_iter().map(|c| (c, self.rule(c)))
    }
}

impl Serialize for RetentionSchedule {
    /// In the shape of a schedule file, naming every class, so that what is written can be
    /// read back by `from_json`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out {
            classes: BTreeMap<&'static str, RetentionRule>,
        }
        Out {
            classes: self.rules().map(|(c, r)| (c.as_str(), r)).collect(),
        }
        .serialize(serializer)
    }
}

/// Checks one entry's fields and turns it into a rule.
fn read_rule(class: RetentionClass, entry: RuleEntry) -> Result<RetentionRule, RetentionError> {
    let field = |field: &'static str, message: String| RetentionError::Field {
        class,
        field,
        message,
    };
    let choices = Anchor::ALL.map(Anchor::as_str).join(", ");
    let anchor_name = entry
        .anchor
        .ok_or_else(|| field("anchor", format!("missing: give one of {choices}")))?;
    let anchor = Anchor::parse(&anchor_name).ok_or_else(|| {
        field(
            "anchor",
            format!("unknown anchor {anchor_name:?} (use one of {choices})"),
        )
    })?;
    if anchor == Anchor::Adoption && class != RetentionClass::Adoption {
        return Err(field(
            "anchor",
            "only the adoption class can be counted from an adoption".to_string(),
        ));
    }
    let in_range = |name: &'static str, n: i64| -> Result<u32, RetentionError> {
        match u32::try_from(n) {
            Ok(y) if (1..=MAX_YEARS).contains(&y) => Ok(y),
            _ => Err(field(
                name,
                format!("must be between 1 and {MAX_YEARS} years (got {n})"),
            )),
        }
    };
    let years = entry.years.ok_or_else(|| {
        field(
            "years",
            "missing: say how many years the record is kept".to_string(),
        )
    })?;
    let years = in_range("years", years)?;
    let minimum = entry
        .minimum_after_last_activity_years
        .map(|n| in_range("minimum_after_last_activity_years", n))
        .transpose()?;
    Ok(RetentionRule {
        anchor,
        years,
        minimum_after_last_activity_years: minimum,
    })
}

/// Refuses a rule that would keep adoption or looked-after records for less than the law says.
fn check_statutory_minimum(
    class: RetentionClass,
    rule: &RetentionRule,
) -> Result<(), RetentionError> {
    let (anchor, minimum, law) = match class {
        RetentionClass::Adoption => (
            Anchor::Adoption,
            ADOPTION_MINIMUM_YEARS,
            "the Adoption Agencies Regulations 2005 (regulation 42) require an adoption case \
             record to be kept for at least 100 years from the adoption",
        ),
        RetentionClass::LookedAfter => (
            Anchor::Birth,
            LOOKED_AFTER_MINIMUM_YEARS,
            "the Care Planning, Placement and Case Review (England) Regulations 2010 \
             (regulation 50) require a looked-after child's case record to be kept until their \
             75th birthday",
        ),
        _ => return Ok(()),
    };
    let refuse = |what: String| {
        Err(RetentionError::BelowStatutoryMinimum {
            class,
            message: format!("{law}, so {what}; this minimum is statutory and cannot be shortened"),
        })
    };
    if rule.anchor != anchor {
        return refuse(format!(
            "it must be counted from {}, not from {}",
            anchor.label(),
            rule.anchor.label()
        ));
    }
    if rule.years < minimum {
        return refuse(format!("{} is too short", years_phrase(rule.years)));
    }
    Ok(())
}

/// What the retention schedule says about one person's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionAssessment {
    /// The classes the record falls in, in the order of `RetentionClass::ALL`; never empty.
    pub classes: Vec<RetentionClass>,
    /// The class whose rule gives the latest date (or whose date cannot be worked out, since
    /// that date might be later than any other).
    pub governing: RetentionClass,
    /// The date the record falls due for disposal review; None when it cannot be worked out
    /// (the `note` says why), in which case the record is kept.
    pub due: Option<NaiveDate>,
    /// The effective date of the last event that counts, if any.
    pub last_activity: Option<NaiveDate>,
    /// The governing rule in plain words, e.g. "Looked after: kept until the 75th birthday
    /// (2089-03-27)".
    pub reason: String,
    /// Anything a reviewer should know: why there is no date, or that it rests on an expected
    /// date of birth.
    pub note: Option<String>,
}

impl RetentionAssessment {
    /// Whether the record is due for disposal review on `today` (on or after the due date).
    /// A record whose date cannot be worked out is never due.
    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.due.is_some_and(|d| today >= d)
    }
}

/// The retention classes one event is evidence of. Every event kind is listed so that a new
/// kind has to be placed here on purpose. Contacts, case notes and withdrawals are evidence of
/// nothing more than contact: a record with nothing else is `ContactOnly`.
fn classes_of(kind: &EventKind) -> &'static [RetentionClass] {
    use RetentionClass as C;
    match kind {
        EventKind::ContactReceived { .. } | EventKind::CaseNote { .. } | EventKind::Withdrawn => {
            &[]
        }
        EventKind::ContactDecided { outcome, .. } => match outcome {
            ContactOutcome::EarlyHelp => &[C::EarlyHelp],
            ContactOutcome::SocialCareReferral | ContactOutcome::StrategyDiscussion => {
                &[C::ChildInNeed]
            }
            ContactOutcome::NoFurtherAction
            | ContactOutcome::InformationAndAdvice
            | ContactOutcome::SignpostUniversal
            | ContactOutcome::PassToAllocatedWorker => &[],
        },
        // Routing only: the episode or referral it waits in carries the class.
        EventKind::AllocationRequested { .. } => &[],
        EventKind::EarlyHelpOpened { .. } | EventKind::EarlyHelpClosed { .. } => &[C::EarlyHelp],
        EventKind::WorkerAllocated { role, .. } => match role {
            AllocationRole::Keyworker => &[C::EarlyHelp],
            AllocationRole::SocialWorker => &[C::ChildInNeed],
            AllocationRole::PersonalAdviser => &[C::CareLeaver],
            // Appointed for a plan or a period of care, whose own events carry the class.
            AllocationRole::ReviewingOfficer => &[],
        },
        EventKind::ReferralOpened { .. }
        | EventKind::ReferralClosed { .. }
        | EventKind::AssessmentStarted
        | EventKind::AssessmentAuthorised { .. }
        | EventKind::StrategyDiscussion { .. }
        | EventKind::CinPlanStarted
        | EventKind::CinPlanEnded => &[C::ChildInNeed],
        EventKind::Section47Started
        | EventKind::Section47Completed { .. }
        | EventKind::InitialConference { .. }
        | EventKind::CpPlanStarted { .. }
        | EventKind::CpReview { .. }
        | EventKind::CpPlanEnded => &[C::ChildProtection],
        EventKind::LookedAfterStarted { .. }
        | EventKind::LookedAfterChanged { .. }
        | EventKind::LookedAfterReview { .. }
        | EventKind::AdoptionDecided
        | EventKind::AdoptersMatched { .. }
        | EventKind::AdoptionDecisionReversed { .. }
        | EventKind::HealthChecked { .. }
        | EventKind::SdqAssessed { .. }
        | EventKind::SubstanceMisuse { .. }
        | EventKind::Convicted
        | EventKind::MissingEpisode { .. } => &[C::LookedAfter],
        EventKind::LookedAfterEnded { reason } => {
            if is_adoption(reason.as_str()) {
                &[C::Adoption, C::LookedAfter]
            } else {
                &[C::LookedAfter]
            }
        }
        EventKind::Visit { purpose, .. } => match purpose {
            VisitPurpose::EarlyHelp => &[C::EarlyHelp],
            VisitPurpose::Assessment | VisitPurpose::ChildInNeed => &[C::ChildInNeed],
            VisitPurpose::ChildProtection => &[C::ChildProtection],
            VisitPurpose::LookedAfter => &[C::LookedAfter],
            VisitPurpose::CareLeaver => &[C::CareLeaver],
        },
        EventKind::SteppedUp { .. } | EventKind::SteppedDown { .. } => {
            &[C::EarlyHelp, C::ChildInNeed]
        }
        EventKind::CareLeaverStarted
        | EventKind::CareLeaverContact { .. }
        | EventKind::CareLeaverEnded => &[C::CareLeaver],
    }
}

/// Whether an SSDA903 reason episode ceased means the child was adopted.
fn is_adoption(reason_ceased: &str) -> bool {
    ADOPTION_CEASED_CODES.contains(&reason_ceased.trim())
}

/// The date a person's birth-anchored periods count from, with a note when it is only expected.
fn birth_anchor(person: &Person) -> Result<(NaiveDate, Option<String>), String> {
    if let Some(dob) = person.date_of_birth {
        return Ok((dob, None));
    }
    match (person.kind, person.expected_date_of_birth) {
        (PersonKind::Unborn, Some(edd)) => Ok((
            edd,
            Some(format!(
                "Counted from the expected date of birth ({edd}), as the child is not yet born; \
                 assess the record again once the birth is recorded."
            )),
        )),
        (PersonKind::Unborn, None) => {
            Err("no expected date of birth is recorded for this unborn child".to_string())
        }
        (_, Some(edd)) => Err(format!(
            "no date of birth is recorded (only the expected date of birth, {edd}, from before \
             the birth)"
        )),
        (_, None) => Err("no date of birth is recorded".to_string()),
    }
}

/// The same day `years` years on. A 29 February falls on 1 March in a year that has none, the
/// later of the two possible days, so that a record is never reviewed a day early.
fn years_after(from: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = from.year().checked_add(i32::try_from(years).ok()?)?;
    from.with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

fn years_phrase(years: u32) -> String {
    if years == 1 {
        "1 year".to_string()
    } else {
        format!("{years} years")
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The facts about a record that the rules count from.
struct Anchors {
    birth: Result<(NaiveDate, Option<String>), String>,
    last_activity: Option<NaiveDate>,
    adoption: Option<NaiveDate>,
}

/// One class's outcome: its date (or why there is none), its reason and any note.
struct ClassOutcome {
    class: RetentionClass,
    due: Option<NaiveDate>,
    reason: String,
    note: Option<String>,
}

const BEYOND_CALENDAR: &str = "the period runs past the last date the calendar can hold";

/// Applies one rule to one class of the record.
fn apply_rule(class: RetentionClass, rule: RetentionRule, at: &Anchors) -> ClassOutcome {
    let label = class.label();
    let unknown = |measure: String, why: String| ClassOutcome {
        class,
        due: None,
        reason: format!("{label}: kept {measure}, but {why}"),
        note: Some(format!(
            "The disposal review date cannot be worked out: {why}. The record is kept until it \
             can be."
        )),
    };
    // The date the anchor gives; how the rule reads after "kept" ("until the 25th birthday");
    // the same as a yardstick ("the 25th birthday"); and any note about the anchor.
    let (main, measure, yardstick, mut note) = match rule.anchor {
        Anchor::Birth => {
            let birthday = format!("the {} birthday", ordinal(rule.years));
            match &at.birth {
                Ok((dob, note)) => (
                    years_after(*dob, rule.years),
                    format!("until {birthday}"),
                    birthday,
                    note.clone(),
                ),
                Err(why) => return unknown(format!("until {birthday}"), why.clone()),
            }
        }
        Anchor::LastActivity => {
            let period = format!("{} from the last activity", years_phrase(rule.years));
            match at.last_activity {
                Some(last) => (
                    years_after(last, rule.years),
                    format!("for {period} on {last}"),
                    format!("{period} on {last}"),
                    None,
                ),
                None => {
                    return unknown(
                        format!("for {period}"),
                        "nothing is recorded to count from".to_string(),
                    );
                }
            }
        }
        Anchor::Adoption => {
            let period = format!("{} from the adoption", years_phrase(rule.years));
            match at.adoption {
                Some(adopted) => (
                    years_after(adopted, rule.years),
                    format!("for {period} on {adopted}"),
                    format!("{period} on {adopted}"),
                    None,
                ),
                None => {
                    return unknown(
                        format!("for {period}"),
                        "no adoption is recorded (no period of care ended with reason E11 or \
                         E12)"
                            .to_string(),
                    );
                }
            }
        }
    };
    let Some(main) = main else {
        return unknown(measure, BEYOND_CALENDAR.to_string());
    };
    let mut due = main;
    let mut reason = format!("{label}: kept {measure} ({main})");
    if let (Some(floor), Some(last)) = (rule.minimum_after_last_activity_years, at.last_activity) {
        let Some(floor_date) = years_after(last, floor) else {
            return unknown(measure, BEYOND_CALENDAR.to_string());
        };
        if floor_date > main {
            due = floor_date;
            reason = format!(
                "{label}: kept for {} from the last activity on {last} ({floor_date}), which is \
                 later than {yardstick} ({main})",
                years_phrase(floor),
            );
            // The last activity decides, so a note about the birth date no longer matters.
            if rule.anchor == Anchor::Birth {
                note = None;
            }
        }
    }
    ClassOutcome {
        class,
        due: Some(due),
        reason,
        note,
    }
}

/// Works out which retention classes a person's record falls in and when it falls due for
/// disposal review under `schedule`. Superseded events are left out (as in
/// `projection::effective_events`), and so are withdrawals, which correct the record rather
/// than add to it. Adoption is a period of care that ended with SSDA903 reason E11 or E12; it
/// is counted from the latest such date. A person with no events that count is contact only,
/// with nothing to count from, so there is no date.
pub fn assess(
    person: &Person,
    events: &[JourneyEvent],
    schedule: &RetentionSchedule,
) -> RetentionAssessment {
    let counted: Vec<&JourneyEvent> = effective_events(events)
        .into_iter()
        .filter(|e| e.kind != EventKind::Withdrawn)
        .collect();
    if counted.is_empty() {
        let mut note = "No journey events are recorded for this person, so there is nothing to \
                        count a retention period from; the record is kept until there is."
            .to_string();
        if person.kind == PersonKind::Adult {
            note.push_str(
                " A parent's or carer's record is kept for as long as the records of the \
                 children it belongs to.",
            );
        }
        return RetentionAssessment {
            classes: vec![RetentionClass::ContactOnly],
            governing: RetentionClass::ContactOnly,
            due: None,
            last_activity: None,
            reason: format!(
                "{}: nothing is recorded to count from",
                RetentionClass::ContactOnly.label()
            ),
            note: Some(note),
        };
    }

    let mut found = [false; 7];
    for e in &counted {
        for c in classes_of(&e.kind) {
            found[c.index()] = true;
        }
    }
    let mut classes: Vec<RetentionClass> = RetentionClass::ALL
        .into_iter()
        .filter(|c| found[c.index()])
        .collect();
    if classes.is_empty() {
        classes.push(RetentionClass::ContactOnly);
    }

    let anchors = Anchors {
        birth: birth_anchor(person),
        last_activity: counted.iter().map(|e| e.effective).max(),
        adoption: counted
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::LookedAfterEnded { reason } if is_adoption(reason.as_str())))
            .map(|e| e.effective)
            .max(),
    };

    // The latest date governs; a date that cannot be worked out counts as later than any.
    // On a tie the class listed first in `RetentionClass::ALL` governs.
    let first = classes
        .first()
        .copied()
        .unwrap_or(RetentionClass::ContactOnly);
    let mut governing = apply_rule(first, schedule.rule(first), &anchors);
    for &class in classes.iter().skip(1) {
        let outcome = apply_rule(class, schedule.rule(class), &anchors);
        let later = match (outcome.due, governing.due) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => a > b,
        };
        if later {
            governing = outcome;
        }
    }
    RetentionAssessment {
        classes,
        governing: governing.class,
        due: governing.due,
        last_activity: anchors.last_activity,
        reason: governing.reason,
        note: governing.note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EarlyHelpClosure, Placement, Supersession};
    use crate::ids::{EventSeq, PersonId, WorkerId};
    use chrono::{TimeZone, Utc};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn person(kind: PersonKind, dob: Option<NaiveDate>, edd: Option<NaiveDate>) -> Person {
        Person {
            id: PersonId(1),
            kind,
            names: Vec::new(),
            date_of_birth: dob,
            expected_date_of_birth: edd,
            date_of_death: None,
            sex: "U".parse().unwrap(),
            ethnicity: "NOBT".parse().unwrap(),
            disabilities: Vec::new(),
            nhs_number: None,
            upn: None,
            former_upn: None,
            upn_unknown: None,
            language: None,
            uasc: false,
            uasc_ceased: None,
        }
    }

    fn child(dob: NaiveDate) -> Person {
        person(PersonKind::Child, Some(dob), None)
    }

    fn ev(seq: i64, on: NaiveDate, kind: EventKind) -> JourneyEvent {
        JourneyEvent {
            seq: EventSeq(seq),
            child: PersonId(1),
            effective: on,
            effective_time: None,
            recorded_at: Utc
                .timestamp_opt(1_700_000_000 + seq * 60, 0)
                .single()
                .unwrap_or_default(),
            recorded_by: WorkerId(1),
            supersedes: None,
            kind,
        }
    }

    fn correcting(seq: i64, on: NaiveDate, target: i64, kind: EventKind) -> JourneyEvent {
        JourneyEvent {
            supersedes: Some(Supersession {
                event: EventSeq(target),
                reason: "entered in error".into(),
            }),
            ..ev(seq, on, kind)
        }
    }

    fn placement(pl: &str) -> Placement {
        Placement {
            legal_status: "C2".parse().unwrap(),
            placement: pl.parse().unwrap(),
            provider: "PR1".parse().unwrap(),
            category_of_need: "N1".parse().unwrap(),
            home_postcode: None,
            placement_postcode: None,
            urn: None,
        }
    }

    fn contact() -> EventKind {
        EventKind::ContactReceived {
            source: "3B".parse().unwrap(),
            concerns: "".into(),
            consent: true,
        }
    }

    fn decided(outcome: ContactOutcome) -> EventKind {
        EventKind::ContactDecided {
            level: "2".parse().unwrap(),
            outcome,
            reason: "".into(),
        }
    }

    fn referral() -> EventKind {
        EventKind::ReferralOpened {
            source: "3B".parse().unwrap(),
            primary_need: "N1".parse().unwrap(),
            no_further_action: false,
        }
    }

    fn into_care(pl: &str) -> EventKind {
        EventKind::LookedAfterStarted {
            placement: placement(pl),
            previous_permanence: None,
        }
    }

    fn left_care(reason: &str) -> EventKind {
        EventKind::LookedAfterEnded {
            reason: reason.parse().unwrap(),
        }
    }

    fn early_help() -> EventKind {
        EventKind::EarlyHelpOpened {
            level: "2".parse().unwrap(),
        }
    }

    fn early_help_closed() -> EventKind {
        EventKind::EarlyHelpClosed {
            reason: EarlyHelpClosure::NeedsMet,
        }
    }

    fn history(kinds: Vec<EventKind>) -> Vec<JourneyEvent> {
        kinds
            .into_iter()
            .zip(0..)
            .map(|(k, i)| ev(i + 1, day(2020, 1, 1) + chrono::Days::new(i as u64 * 10), k))
            .collect()
    }

    fn assess_default(p: &Person, events: &[JourneyEvent]) -> RetentionAssessment {
        assess(p, events, &RetentionSchedule::default())
    }

    #[test]
    fn names_round_trip() {
        for c in RetentionClass::ALL {
            assert_eq!(RetentionClass::parse(c.as_str()), Some(c));
            assert!(!c.label().is_empty());
        }
        for a in Anchor::ALL {
            assert_eq!(Anchor::parse(a.as_str()), Some(a));
        }
        assert_eq!(RetentionClass::parse("Looked after"), None);
        for (i, c) in RetentionClass::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
        }
    }

    #[test]
    fn each_class_is_detected_from_its_own_history() {
        use RetentionClass as C;
        let cases: Vec<(&str, Vec<EventKind>, Vec<RetentionClass>)> = vec![
            (
                "contact, no further action",
                vec![contact(), decided(ContactOutcome::NoFurtherAction)],
                vec![C::ContactOnly],
            ),
            (
                "only a case note",
                vec![EventKind::CaseNote {
                    subject: "call".into(),
                    text: "".into(),
                }],
                vec![C::ContactOnly],
            ),
            (
                "early help",
                vec![
                    contact(),
                    decided(ContactOutcome::EarlyHelp),
                    early_help(),
                    early_help_closed(),
                ],
                vec![C::EarlyHelp],
            ),
            (
                "referral and assessment",
                vec![
                    referral(),
                    EventKind::AssessmentStarted,
                    EventKind::ReferralClosed {
                        reason: "RC8".parse().unwrap(),
                    },
                ],
                vec![C::ChildInNeed],
            ),
            (
                "section 47 enquiry without a plan",
                vec![
                    referral(),
                    EventKind::Section47Started,
                    EventKind::Section47Completed {
                        outcome: crate::events::Section47Outcome::NoFurtherAction,
                    },
                ],
                vec![C::ChildProtection, C::ChildInNeed],
            ),
            (
                "child protection plan",
                vec![
                    referral(),
                    EventKind::CpPlanStarted {
                        category: "NEG".parse().unwrap(),
                        previous_plans: None,
                    },
                ],
                vec![C::ChildProtection, C::ChildInNeed],
            ),
            (
                "looked after",
                vec![into_care("U6"), left_care("E4A")],
                vec![C::LookedAfter],
            ),
            (
                "care leaver",
                vec![EventKind::CareLeaverStarted],
                vec![C::CareLeaver],
            ),
            (
                "adopted",
                vec![into_care("U6"), left_care("E11")],
                vec![C::Adoption, C::LookedAfter],
            ),
            (
                "adopted, consent dispensed with",
                vec![into_care("A6"), left_care("E12")],
                vec![C::Adoption, C::LookedAfter],
            ),
            (
                "placed for adoption but went home",
                vec![into_care("A5"), left_care("E4A")],
                vec![C::LookedAfter],
            ),
        ];
        let p = child(day(2015, 4, 1));
        for (what, kinds, want) in cases {
            let a = assess_default(&p, &history(kinds));
            assert_eq!(a.classes, want, "{what}");
        }
    }

    #[test]
    fn contact_only_is_kept_six_years_from_the_last_contact() {
        let events = vec![
            ev(1, day(2019, 2, 3), contact()),
            ev(
                2,
                day(2019, 2, 4),
                decided(ContactOutcome::InformationAndAdvice),
            ),
        ];
        let a = assess_default(&child(day(2015, 4, 1)), &events);
        assert_eq!(a.governing, RetentionClass::ContactOnly);
        assert_eq!(a.last_activity, Some(day(2019, 2, 4)));
        assert_eq!(a.due, Some(day(2025, 2, 4)));
        assert_eq!(
            a.reason,
            "Contact only: kept for 6 years from the last activity on 2019-02-04 (2025-02-04)"
        );
        assert_eq!(a.note, None);
    }

    #[test]
    fn the_longest_rule_governs() {
        let events = vec![
            ev(1, day(2020, 5, 1), early_help()),
            ev(2, day(2021, 1, 10), early_help_closed()),
            ev(3, day(2022, 9, 12), into_care("U4")),
        ];
        let a = assess_default(&child(day(2014, 3, 27)), &events);
        assert_eq!(
            a.classes,
            vec![RetentionClass::LookedAfter, RetentionClass::EarlyHelp]
        );
        assert_eq!(a.governing, RetentionClass::LookedAfter);
        assert_eq!(a.due, Some(day(2089, 3, 27)));
        assert_eq!(
            a.reason,
            "Looked after: kept until the 75th birthday (2089-03-27)"
        );
    }

    #[test]
    fn the_six_year_floor_wins_when_the_birthday_comes_first() {
        // A 24-year-old whose early help closed last year: the 25th birthday is next year, but
        // the record is kept for six years after the closure.
        let events = vec![
            ev(1, day(2024, 1, 10), early_help()),
            ev(2, day(2024, 9, 30), early_help_closed()),
        ];
        let a = assess_default(&child(day(2001, 6, 1)), &events);
        assert_eq!(a.governing, RetentionClass::EarlyHelp);
        assert_eq!(a.due, Some(day(2030, 9, 30)));
        assert_eq!(
            a.reason,
            "Early help: kept for 6 years from the last activity on 2024-09-30 (2030-09-30), \
             which is later than the 25th birthday (2026-06-01)"
        );
        assert!(!a.is_due(day(2026, 6, 1)));
        // For a young child the same history is kept until the 25th birthday.
        let young = assess_default(&child(day(2015, 6, 1)), &events);
        assert_eq!(young.due, Some(day(2040, 6, 1)));
        assert_eq!(
            young.reason,
            "Early help: kept until the 25th birthday (2040-06-01)"
        );
    }

    #[test]
    fn adoption_counts_from_the_adoption_date() {
        let events = vec![
            ev(1, day(2013, 2, 1), into_care("U6")),
            ev(
                2,
                day(2014, 6, 1),
                EventKind::LookedAfterChanged {
                    reason_new_episode: "B".parse().unwrap(),
                    placement: placement("A6"),
                    reason_place_change: None,
                },
            ),
            ev(3, day(2015, 11, 20), left_care("E12")),
        ];
        let a = assess_default(&child(day(2012, 5, 5)), &events);
        assert_eq!(a.governing, RetentionClass::Adoption);
        assert_eq!(a.due, Some(day(2115, 11, 20)));
        assert_eq!(
            a.reason,
            "Adoption: kept for 100 years from the adoption on 2015-11-20 (2115-11-20)"
        );
    }

    #[test]
    fn superseded_and_withdrawn_events_are_ignored() {
        // Coming into care was entered on the wrong child and withdrawn two years later.
        let withdrawn = vec![
            ev(1, day(2020, 1, 1), contact()),
            ev(2, day(2020, 1, 5), into_care("U6")),
            correcting(3, day(2022, 3, 1), 2, EventKind::Withdrawn),
        ];
        let a = assess_default(&child(day(2015, 4, 1)), &withdrawn);
        assert_eq!(a.classes, vec![RetentionClass::ContactOnly]);
        assert_eq!(
            a.last_activity,
            Some(day(2020, 1, 1)),
            "the withdrawal is no activity"
        );
        assert_eq!(a.due, Some(day(2026, 1, 1)));

        // An adoption recorded in error, corrected to a return home.
        let corrected = vec![
            ev(1, day(2016, 1, 1), into_care("A5")),
            ev(2, day(2018, 7, 1), left_care("E11")),
            correcting(3, day(2018, 7, 1), 2, left_care("E4A")),
        ];
        let a = assess_default(&child(day(2015, 4, 1)), &corrected);
        assert_eq!(a.classes, vec![RetentionClass::LookedAfter]);
        assert_eq!(a.due, Some(day(2090, 4, 1)));
    }

    #[test]
    fn a_person_with_no_events_has_no_date_and_says_why() {
        let a = assess_default(&child(day(2015, 4, 1)), &[]);
        assert_eq!(a.classes, vec![RetentionClass::ContactOnly]);
        assert_eq!(a.governing, RetentionClass::ContactOnly);
        assert_eq!(a.due, None);
        assert!(!a.is_due(day(2200, 1, 1)));
        let note = a.note.unwrap_or_default();
        assert!(note.contains("No journey events are recorded"), "{note}");
        assert!(!note.contains("parent"), "{note}");

        let adult = assess_default(&person(PersonKind::Adult, Some(day(1990, 1, 1)), None), &[]);
        assert!(
            adult
                .note
                .unwrap_or_default()
                .contains("parent's or carer's record")
        );

        // A history whose only event was withdrawn counts as none.
        let only_withdrawn = vec![
            ev(1, day(2020, 1, 5), into_care("U6")),
            correcting(2, day(2020, 1, 6), 1, EventKind::Withdrawn),
        ];
        assert_eq!(
            assess_default(&child(day(2015, 4, 1)), &only_withdrawn).due,
            None
        );
    }

    #[test]
    fn a_missing_date_of_birth_leaves_no_date_and_says_why() {
        // The adoption date is known, but the looked-after date could be later and is unknown.
        let events = vec![
            ev(1, day(2013, 2, 1), into_care("U6")),
            ev(2, day(2015, 11, 20), left_care("E11")),
        ];
        let a = assess_default(&person(PersonKind::Child, None, None), &events);
        assert_eq!(a.governing, RetentionClass::LookedAfter);
        assert_eq!(a.due, None);
        assert_eq!(
            a.reason,
            "Looked after: kept until the 75th birthday, but no date of birth is recorded"
        );
        let note = a.note.unwrap_or_default();
        assert!(
            note.contains("cannot be worked out: no date of birth is recorded"),
            "{note}"
        );

        // A child recorded before birth and never updated: the expected date is not used.
        let stale = person(PersonKind::Child, None, Some(day(2016, 2, 1)));
        let a = assess_default(&stale, &events);
        assert_eq!(a.due, None);
        assert!(
            a.note
                .unwrap_or_default()
                .contains("only the expected date of birth, 2016-02-01")
        );
    }

    #[test]
    fn an_unborn_child_counts_from_the_expected_date_of_birth() {
        let events = vec![
            ev(1, day(2025, 12, 1), referral()),
            ev(
                2,
                day(2026, 1, 15),
                EventKind::CpPlanStarted {
                    category: "NEG".parse().unwrap(),
                    previous_plans: None,
                },
            ),
        ];
        let unborn = person(PersonKind::Unborn, None, Some(day(2026, 2, 10)));
        let a = assess_default(&unborn, &events);
        assert_eq!(a.governing, RetentionClass::ChildProtection);
        assert_eq!(a.due, Some(day(2051, 2, 10)));
        let note = a.note.unwrap_or_default();
        assert!(
            note.contains("expected date of birth (2026-02-10)"),
            "{note}"
        );

        let unknown = person(PersonKind::Unborn, None, None);
        let a = assess_default(&unknown, &events);
        assert_eq!(a.due, None);
        assert!(
            a.reason
                .contains("no expected date of birth is recorded for this unborn child")
        );
    }

    #[test]
    fn leap_day_birthdays_land_on_a_real_date() {
        let dob = day(2008, 2, 29);
        // 2083 and 2033 are not leap years: the birthday is kept on 1 March.
        let cared_for = assess_default(&child(dob), &[ev(1, day(2012, 3, 1), into_care("U6"))]);
        assert_eq!(cared_for.due, Some(day(2083, 3, 1)));
        let helped = assess_default(&child(dob), &[ev(1, day(2010, 3, 1), early_help())]);
        assert_eq!(helped.due, Some(day(2033, 3, 1)));
        // In a leap year it stays on 29 February.
        assert_eq!(years_after(dob, 4), Some(day(2012, 2, 29)));
        assert_eq!(years_after(day(2020, 2, 29), 100), Some(day(2120, 2, 29)));
        assert_eq!(years_after(day(2020, 2, 29), 1), Some(day(2021, 3, 1)));
        assert_eq!(years_after(dob, u32::MAX), None);
    }

    #[test]
    fn a_record_is_due_from_its_due_date_on() {
        let events = vec![ev(1, day(2019, 2, 4), contact())];
        let a = assess_default(&child(day(2015, 4, 1)), &events);
        assert!(!a.is_due(day(2025, 2, 3)));
        assert!(a.is_due(day(2025, 2, 4)));
        assert!(a.is_due(day(2030, 1, 1)));
    }

    #[test]
    fn the_defaults_are_the_documented_table() {
        use Anchor as A;
        use RetentionClass as C;
        let s = RetentionSchedule::default();
        let floor6 = |a, y| RetentionRule::new(a, y).at_least_after_last_activity(6);
        let want = [
            (C::Adoption, RetentionRule::new(A::Adoption, 100)),
            (C::LookedAfter, RetentionRule::new(A::Birth, 75)),
            (C::CareLeaver, RetentionRule::new(A::Birth, 75)),
            (C::ChildProtection, floor6(A::Birth, 25)),
            (C::ChildInNeed, floor6(A::Birth, 25)),
            (C::EarlyHelp, floor6(A::Birth, 25)),
            (C::ContactOnly, RetentionRule::new(A::LastActivity, 6)),
        ];
        for (c, rule) in want {
            assert_eq!(s.rule(c), rule, "{c:?}");
        }
        assert_eq!(s.rules().count(), 7);
    }

    #[test]
    fn an_authority_can_change_a_class() {
        let s = RetentionSchedule::from_json(
            r#"{"classes": {"early_help": {"anchor": "birth", "years": 21, "minimum_after_last_activity_years": 6},
                            "looked_after": {"anchor": "birth", "years": 80}}}"#,
        );
        assert!(s.is_ok(), "{s:?}");
        let s = s.unwrap_or_default();
        assert_eq!(
            s.rule(RetentionClass::EarlyHelp),
            RetentionRule::new(Anchor::Birth, 21).at_least_after_last_activity(6)
        );
        assert_eq!(
            s.rule(RetentionClass::LookedAfter),
            RetentionRule::new(Anchor::Birth, 80)
        );
        let d = RetentionSchedule::default();
        for c in [
            RetentionClass::Adoption,
            RetentionClass::CareLeaver,
            RetentionClass::ChildProtection,
            RetentionClass::ChildInNeed,
            RetentionClass::ContactOnly,
        ] {
            assert_eq!(s.rule(c), d.rule(c), "{c:?} keeps its default");
        }
        let events = vec![ev(1, day(2020, 5, 1), early_help())];
        let a = assess(&child(day(2015, 6, 1)), &events, &s);
        assert_eq!(a.due, Some(day(2036, 6, 1)));
        assert_eq!(
            a.reason,
            "Early help: kept until the 21st birthday (2036-06-01)"
        );
        // An empty file is the defaults.
        assert_eq!(RetentionSchedule::from_json(r#"{"classes": {}}"#), Ok(d));
    }

    #[test]
    fn a_schedule_reads_back_what_it_writes() {
        for s in [
            RetentionSchedule::default(),
            RetentionSchedule::from_json(
                r#"{"classes": {"contact_only": {"anchor": "birth", "years": 18, "minimum_after_last_activity_years": 3}}}"#,
            )
            .unwrap_or_default(),
        ] {
            let text = serde_json::to_string(&s).unwrap_or_default();
            assert!(text.contains(r#""adoption":{"anchor":"adoption","years":100}"#), "{text}");
            assert_eq!(RetentionSchedule::from_json(&text), Ok(s));
        }
    }

    #[test]
    fn bad_schedule_files_are_refused_naming_the_class_and_field() {
        let cases = [
            (
                r#"{"classes": {"forever": {"anchor": "birth", "years": 10}}}"#,
                "retention schedule: unknown class \"forever\" (the classes are adoption, \
                 looked_after, care_leaver, child_protection, child_in_need, early_help, \
                 contact_only)",
            ),
            (
                r#"{"classes": {"early_help": {"anchor": "moon", "years": 10}}}"#,
                "retention schedule: class early_help, anchor: unknown anchor \"moon\" (use one \
                 of birth, last_activity, adoption)",
            ),
            (
                r#"{"classes": {"early_help": {"years": 10}}}"#,
                "retention schedule: class early_help, anchor: missing: give one of birth, \
                 last_activity, adoption",
            ),
            (
                r#"{"classes": {"child_in_need": {"anchor": "birth"}}}"#,
                "retention schedule: class child_in_need, years: missing: say how many years \
                 the record is kept",
            ),
            (
                r#"{"classes": {"child_in_need": {"anchor": "birth", "years": 0}}}"#,
                "retention schedule: class child_in_need, years: must be between 1 and 150 \
                 years (got 0)",
            ),
            (
                r#"{"classes": {"care_leaver": {"anchor": "birth", "years": 151}}}"#,
                "retention schedule: class care_leaver, years: must be between 1 and 150 years \
                 (got 151)",
            ),
            (
                r#"{"classes": {"care_leaver": {"anchor": "birth", "years": -3}}}"#,
                "retention schedule: class care_leaver, years: must be between 1 and 150 years \
                 (got -3)",
            ),
            (
                r#"{"classes": {"early_help": {"anchor": "birth", "years": 25, "minimum_after_last_activity_years": 0}}}"#,
                "retention schedule: class early_help, minimum_after_last_activity_years: must \
                 be between 1 and 150 years (got 0)",
            ),
            (
                r#"{"classes": {"early_help": {"anchor": "adoption", "years": 25}}}"#,
                "retention schedule: class early_help, anchor: only the adoption class can be \
                 counted from an adoption",
            ),
        ];
        for (text, says) in cases {
            let got = RetentionSchedule::from_json(text)
                .err()
                .map(|e| e.to_string());
            assert_eq!(got.as_deref(), Some(says), "{text}");
        }
        let contains = [
            (
                r#"{"classes": {"early_help": {"anchor": "birth", "years": 25, "colour": "red"}}}"#,
                "retention schedule: class early_help: unknown field `colour`",
            ),
            (
                r#"{"classes": {"early_help": {"anchor": "birth", "years": "ten"}}}"#,
                "retention schedule: class early_help: invalid type",
            ),
            (
                r#"{"classes": {}, "comment": "x"}"#,
                "not a retention schedule file",
            ),
            (r#"{"rules": {}}"#, "not a retention schedule file"),
            ("not json", "not a retention schedule file"),
            (
                r#"{"classes": {"adoption": {"anchor": "adoption", "years": 99}}}"#,
                "retention schedule: class adoption: the Adoption Agencies Regulations 2005 \
                 (regulation 42) require an adoption case record to be kept for at least 100 \
                 years from the adoption, so 99 years is too short; this minimum is statutory",
            ),
            (
                r#"{"classes": {"adoption": {"anchor": "birth", "years": 120}}}"#,
                "so it must be counted from the adoption, not from the date of birth; this \
                 minimum is statutory",
            ),
            (
                r#"{"classes": {"looked_after": {"anchor": "birth", "years": 74}}}"#,
                "retention schedule: class looked_after: the Care Planning, Placement and Case \
                 Review (England) Regulations 2010 (regulation 50) require a looked-after \
                 child's case record to be kept until their 75th birthday, so 74 years is too \
                 short",
            ),
            (
                r#"{"classes": {"looked_after": {"anchor": "last_activity", "years": 80}}}"#,
                "so it must be counted from the date of birth, not from the last activity",
            ),
        ];
        for (text, says) in contains {
            let got = RetentionSchedule::from_json(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(got.contains(says), "{text}: {got}");
        }
        // A statutory class may still be lengthened or given a floor.
        assert!(
            RetentionSchedule::from_json(
                r#"{"classes": {"adoption": {"anchor": "adoption", "years": 110, "minimum_after_last_activity_years": 6}}}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn ordinals_read_as_words_do() {
        for (n, s) in [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (25, "25th"),
            (75, "75th"),
            (101, "101st"),
            (112, "112th"),
        ] {
            assert_eq!(ordinal(n), s);
        }
    }
}
