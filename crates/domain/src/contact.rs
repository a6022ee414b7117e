//! A contact at the front door, as it is asked for, before it is acknowledged: who made it, about
//! whom, why, and on what basis it is shared; and the decision on it, child by child. Both are
//! checked here, field by field, so that a form and the API refuse the same things with the same
//! words, and nothing is written until everything is right (ADR 0007).
//!
//! Field names in errors are the paths of the API's JSON body (`children[0].nhs_number`), so an
//! API client can point at the field and a page can put the message beside its input.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{ReferralSource, Sex, collection_year};
use crate::commands::{Check, FieldError, Invalid, MAX_LINE, MAX_NOTE, capitalise};
use crate::ids::{NhsNumber, PersonId, Postcode};
use crate::need::LevelOfNeed;
use crate::screening::Rag;
use crate::threshold::{Outcome, ThresholdModel};

/// Whether the family agreed to the contact being shared with the front door and its partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Given,
    Refused,
    NotSought,
}

impl ConsentStatus {
    pub const ALL: [ConsentStatus; 3] = [Self::Given, Self::Refused, Self::NotSought];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Given => "given",
            Self::Refused => "refused",
            Self::NotSought => "not_sought",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Given => "Consent given",
            Self::Refused => "Consent refused",
            Self::NotSought => "Consent not sought",
        }
    }
}

/// Who made the contact and how to reach them for feedback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Referrer {
    pub name: String,
    pub agency: String,
    pub role: String,
    pub phone: String,
    pub email: String,
}

/// A person the contact names who is not yet on the record, as the referrer described them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Sex,
    pub nhs_number: Option<NhsNumber>,
    pub postcode: Option<Postcode>,
    /// The first line of the address, when given.
    pub address: Option<String>,
}

/// A person a contact names: someone already on the record, or someone new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Existing(PersonId),
    New(NewPerson),
}

/// A contact as checked, ready for the store to match its new people and acknowledge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub received_at: DateTime<Utc>,
    pub source: ReferralSource,
    pub referrer: Referrer,
    pub concerns: String,
    pub consent: ConsentStatus,
    /// Why consent was given on that basis, or why the contact is shared without it (the 2026
    /// duty to share).
    pub consent_basis: String,
    pub rag: Rag,
    pub children: Vec<Named>,
    pub adults: Vec<Named>,
    /// The caller has seen the candidates for the new people and still wants them created.
    pub create_new: bool,
}

/// A person as typed into a form or sent in JSON, before it is checked: every value as text, so
/// that a wrong value is a field error rather than an unreadable body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonInput {
    /// Someone already on the record (their key, as `GET /api/v1/people/{id}` takes it).
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// `F`, `M` or `U`.
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub nhs_number: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
    /// The first line of the address.
    #[serde(default)]
    pub address: Option<String>,
}

/// Consent as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentInput {
    /// `given`, `refused` or `not_sought`.
    #[serde(default)]
    pub status: Option<String>,
    /// On what basis consent was given, or why the contact is shared without it.
    #[serde(default)]
    pub basis: Option<String>,
}

/// A contact as sent, before it is checked (the body of `POST /api/v1/contacts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    /// RFC 3339; when the front door received it. Defaults to now.
    #[serde(default)]
    pub received_at: Option<String>,
    /// A CIN census referral source code (`1A` to `9`).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub referrer: Referrer,
    #[serde(default)]
    pub concerns: Option<String>,
    #[serde(default)]
    pub consent: ConsentInput,
    /// The referrer's view of urgency as a RAG rating: `red`, `amber` (the default) or `green`.
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub children: Vec<PersonInput>,
    #[serde(default)]
    pub adults: Vec<PersonInput>,
    /// Create the new people even though existing people matched them.
    #[serde(default)]
    pub create_new: bool,
}

/// The most people one contact may name on each side.
pub const MAX_NAMED: usize = 12;
/// How far ahead of the server's clock a received time may be (clock skew between systems).
const SKEW_MINUTES: i64 = 5;
/// How far back a contact may be entered (a late entry of a contact taken on paper).
const OLDEST_DAYS: i64 = 31;

impl ContactInput {
    /// Checks every field and turns the input into a contact, or says everything that is wrong.
    /// `now` is the store's clock.
    pub fn check(self, now: DateTime<Utc>) -> Result<NewContact, Invalid> {
        let mut c = Check::default();
        let received_at = match self.received_at.as_deref().map(str::trim) {
            None | Some("") => now,
            Some(t) => match DateTime::parse_from_rfc3339(t) {
                Ok(t) => {
                    let t = t.with_timezone(&Utc);
                    if t > now + Duration::minutes(SKEW_MINUTES) {
                        c.fail("received_at", "The time received cannot be in the future");
                    } else if t < now - Duration::days(OLDEST_DAYS) {
                        c.fail(
                            "received_at",
                            format!(
                                "A contact more than {OLDEST_DAYS} days old cannot be entered as new; record it as a case note"
                            ),
                        );
                    }
                    t
                }
                Err(_) => {
                    c.fail(
                        "received_at",
                        format!("{t:?} is not a date and time like 2026-12-03T09:30:00Z"),
                    );
                    now
                }
            },
        };
        let year = collection_year(received_at.date_naive());
        let source = match self.source.as_deref().map(str::trim) {
            None | Some("") => {
                c.fail(
                    "source",
                    "Enter the referral source (a CIN census code such as 6 for police)",
                );
                None
            }
            Some(s) => match ReferralSource::parse(&s.to_uppercase(), year) {
                Ok(s) => Some(s),
                Err(_) => {
                    c.fail(
                        "source",
                        format!(
                            "{s:?} is not a referral source code for {year}-{:02} (codes 1A to 10, such as 6 for police)",
                            (year + 1) % 100
                        ),
                    );
                    None
                }
            },
        };
        let r = &self.referrer;
        let referrer = Referrer {
            name: c.text("referrer.name", "the referrer's name", &r.name, MAX_LINE),
            agency: c.text(
                "referrer.agency",
                "the referrer's agency",
                &r.agency,
                MAX_LINE,
            ),
            role: optional(&mut c, "referrer.role", "The role", &r.role),
            phone: optional(&mut c, "referrer.phone", "The telephone number", &r.phone),
            email: optional(&mut c, "referrer.email", "The email address", &r.email),
        };
        if !referrer.email.is_empty() && !looks_like_email(&referrer.email) {
            c.fail(
                "referrer.email",
                "Enter an email address like name@example.org",
            );
        }
        if !referrer.phone.is_empty() && !looks_like_phone(&referrer.phone) {
            c.fail(
                "referrer.phone",
                "Enter a telephone number of digits, spaces and an optional + or brackets",
            );
        }
        let concerns = c.text(
            "concerns",
            "the concerns in the referrer's words",
            self.concerns.as_deref().unwrap_or(""),
            MAX_NOTE,
        );
        let consent = match self.consent.status.as_deref().map(str::trim) {
            None | Some("") => {
                c.fail(
                    "consent.status",
                    "Say whether consent was given, refused or not sought",
                );
                ConsentStatus::NotSought
            }
            Some(s) => ConsentStatus::parse(s).unwrap_or_else(|| {
                c.fail(
                    "consent.status",
                    format!("{s:?} is not one of given, refused or not_sought"),
                );
                ConsentStatus::NotSought
            }),
        };
        let basis = self.consent.basis.as_deref().unwrap_or("");
        let consent_basis = if consent == ConsentStatus::Given {
            optional(&mut c, "consent.basis", "The basis", basis)
        } else {
            c.text(
                "consent.basis",
                "why the contact is shared without consent",
                basis,
                MAX_LINE * 5,
            )
        };
        let rag = match self.urgency.as_deref().map(str::trim) {
            None | Some("") => Rag::Amber,
            Some(u) => Rag::parse(u).unwrap_or_else(|_| {
                c.fail(
                    "urgency",
                    format!("{u:?} is not one of red, amber or green"),
                );
                Rag::Amber
            }),
        };
        if self.children.is_empty() {
            c.fail("children", "Name at least one child the contact is about");
        }
        for (side, list) in [("children", &self.children), ("adults", &self.adults)] {
            if list.len() > MAX_NAMED {
                c.fail(
                    side,
                    format!("A contact may name at most {MAX_NAMED} {side}"),
                );
            }
        }
        let today = received_at.date_naive();
        let children = named(&mut c, "children", self.children, today, year);
        let adults = named(&mut c, "adults", self.adults, today, year);
        let mut ids: Vec<PersonId> = children
            .iter()
            .chain(&adults)
            .filter_map(|n| match n {
                Named::Existing(p) => Some(*p),
                Named::New(_) => None,
            })
            .collect();
        ids.sort();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            c.fail("children", "The same person is named twice");
        }
        match (c.0.is_empty(), source) {
            (true, Some(source)) => Ok(NewContact {
                received_at,
                source,
                referrer,
                concerns,
                consent,
                consent_basis,
                rag,
                children,
                adults,
                create_new: self.create_new,
            }),
            _ => Err(Invalid(c.0)),
        }
    }
}

fn named(
    c: &mut Check,
    side: &str,
    list: Vec<PersonInput>,
    today: NaiveDate,
    year: i32,
) -> Vec<Named> {
    list.into_iter()
        .enumerate()
        .filter_map(|(i, p)| person(c, &format!("{side}[{i}]"), p, today, year))
        .collect()
}

/// Checks one person as described (the details a partner or the public gave, kept on the
/// contact until the front door matches them), naming fields under `at` (`children[0]`).
pub fn described_person(at: &str, p: PersonInput, today: NaiveDate) -> Result<NewPerson, Invalid> {
    let mut c = Check::default();
    let mut p = p;
    p.person_id = None;
    match person(&mut c, at, p, today, collection_year(today)) {
        Some(Named::New(n)) if c.0.is_empty() => Ok(n),
        _ => Err(Invalid(c.0)),
    }
}

fn person(c: &mut Check, at: &str, p: PersonInput, today: NaiveDate, year: i32) -> Option<Named> {
    let given_any = [
        &p.given_name,
        &p.family_name,
        &p.date_of_birth,
        &p.nhs_number,
        &p.postcode,
    ]
    .iter()
    .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
    if let Some(id) = p.person_id {
        if given_any {
            c.fail(
                format!("{at}.person_id"),
                "Give either the person_id of someone on the record or the details of someone new, not both",
            );
            return None;
        }
        if id <= 0 {
            c.fail(
                format!("{at}.person_id"),
                format!("{id} is not a person key"),
            );
            return None;
        }
        return Some(Named::Existing(PersonId(id)));
    }
    let f = |name: &str| format!("{at}.{name}");
    let given = c.text(
        &f("given_name"),
        "the given name",
        p.given_name.as_deref().unwrap_or(""),
        100,
    );
    let family = c.text(
        &f("family_name"),
        "the family name",
        p.family_name.as_deref().unwrap_or(""),
        100,
    );
    let date_of_birth = match p.date_of_birth.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if d > today => {
                c.fail(
                    f("date_of_birth"),
                    "The date of birth cannot be in the future",
                );
                None
            }
            Ok(d) if d < today - Duration::days(366 * 120) => {
                c.fail(
                    f("date_of_birth"),
                    "The date of birth is more than 120 years ago",
                );
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                c.fail(
                    f("date_of_birth"),
                    format!("{d:?} is not a real date written YYYY-MM-DD"),
                );
                None
            }
        },
    };
    let sex = match p.sex.as_deref().map(str::trim) {
        None | Some("") => Sex::parse("U", year).ok(),
        Some(s) => match Sex::parse(&s.to_uppercase(), year) {
            Ok(s) => Some(s),
            Err(_) => {
                c.fail(f("sex"), format!("{s:?} is not one of F, M or U"));
                None
            }
        },
    };
    let nhs_number = match p.nhs_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => match NhsNumber::parse(n) {
            Ok(n) => Some(n),
            Err(e) => {
                c.fail(f("nhs_number"), identifier_message(&e));
                None
            }
        },
    };
    let postcode = match p.postcode.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(pc) => match Postcode::parse(pc) {
            Ok(pc) => Some(pc),
            Err(e) => {
                c.fail(f("postcode"), identifier_message(&e));
                None
            }
        },
    };
    let address = Some(optional(
        c,
        &f("address"),
        "The address",
        p.address.as_deref().unwrap_or(""),
    ))
    .filter(|a| !a.is_empty());
    Some(Named::New(NewPerson {
        given_name: given,
        family_name: family,
        date_of_birth,
        sex: sex?,
        nhs_number,
        postcode,
        address,
    }))
}

fn identifier_message(e: &crate::DomainError) -> String {
    match e {
        crate::DomainError::InvalidIdentifier {
            field,
            value,
            message,
        } => format!("{value:?} is not a valid {field}: {message}"),
        other => other.to_string(),
    }
}

/// Optional text: trimmed, at most a line long, without control characters.
fn optional(c: &mut Check, field: &str, what: &str, t: &str) -> String {
    let t = t.trim();
    if t.chars().count() > MAX_LINE {
        c.fail(
            field,
            format!("{what} must be {MAX_LINE} characters or fewer"),
        );
    } else if t.chars().any(char::is_control) {
        c.fail(
            field,
            format!("{} contains control characters", capitalise(what)),
        );
    }
    t.to_string()
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && s.chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, ' ' | '+' | '(' | ')' | '-'))
}

/// How a contact reached the front door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Entered by front-door staff, or sent by another system through the API.
    Professional,
    /// Sent by a partner professional from their own page.
    Partner,
    /// The public form.
    Public,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Professional => "professional",
            Self::Partner => "partner",
            Self::Public => "public",
        }
    }
    /// Reads a stored channel (anything unknown is professional).
    pub fn parse(s: &str) -> Self {
        match s {
            "partner" => Self::Partner,
            "public" => Self::Public,
            _ => Self::Professional,
        }
    }
}

/// Where a contact stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactStatus {
    /// Waiting for screening and a decision.
    Awaiting,
    /// A decision was proposed and waits for a manager's authorisation.
    AwaitingAuthorisation,
    Decided,
}

impl ContactStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Awaiting => "awaiting",
            Self::AwaitingAuthorisation => "awaiting_authorisation",
            Self::Decided => "decided",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Awaiting => "Awaiting decision",
            Self::AwaitingAuthorisation => "Awaiting a manager's authorisation",
            Self::Decided => "Decided",
        }
    }
}

/// The agencies the front door checks with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Agency {
    Police,
    Health,
    Education,
    Probation,
    Housing,
    AdultServices,
    Other,
}

impl Agency {
    pub const ALL: [Agency; 7] = [
        Self::Police,
        Self::Health,
        Self::Education,
        Self::Probation,
        Self::Housing,
        Self::AdultServices,
        Self::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Police => "police",
            Self::Health => "health",
            Self::Education => "education",
            Self::Probation => "probation",
            Self::Housing => "housing",
            Self::AdultServices => "adult_services",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Police => "Police",
            Self::Health => "Health",
            Self::Education => "Education",
            Self::Probation => "Probation",
            Self::Housing => "Housing",
            Self::AdultServices => "Adult services",
            Self::Other => "Other",
        }
    }
}

/// What happened to a contact after it arrived: one stored step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum StepData {
    /// The front door rated (or re-rated) the contact.
    Rated {
        rag: Rag,
        decide_by: DateTime<Utc>,
        reason: String,
    },
    /// A check with a partner agency was asked for.
    CheckRequested {
        agency: Agency,
        question: String,
        due_at: DateTime<Utc>,
    },
    /// A partner agency answered a check (`check` is the request's step id).
    CheckAnswered { check: i64, response: String },
    /// A decision that needs a manager's authorisation, proposed.
    DecisionProposed { decision: RecordedDecision },
    /// A manager sent a proposed decision back.
    DecisionReturned { reason: String },
    /// The decision, as recorded, with who authorised it where the model required it.
    Decided {
        decision: RecordedDecision,
        authorised_by: Option<String>,
    },
    /// A person a partner or the public described was matched to the record (or added to it)
    /// by the front door; for a child, `received` is their `ContactReceived` event.
    Matched {
        ordinal: i64,
        person_id: i64,
        created: bool,
        received: Option<i64>,
    },
}

impl StepData {
    /// The stored name of the step's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Rated { .. } => "rated",
            Self::CheckRequested { .. } => "check_requested",
            Self::CheckAnswered { .. } => "check_answered",
            Self::DecisionProposed { .. } => "decision_proposed",
            Self::DecisionReturned { .. } => "decision_returned",
            Self::Decided { .. } => "decided",
            Self::Matched { .. } => "matched",
        }
    }
}

/// One child's part of a recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChildDecided {
    pub person_id: i64,
    #[schema(value_type = String)]
    pub level: LevelOfNeed,
    pub outcome: Outcome,
    /// A CIN census primary need code, for a referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_need: Option<String>,
    /// The team the child was routed to, waiting for allocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<i64>,
    /// The journey events the decision wrote for the child.
    #[serde(default)]
    pub events: Vec<i64>,
}

/// A decision as the contact's steps keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordedDecision {
    pub children: Vec<ChildDecided>,
    pub rationale: String,
    pub feedback_to_referrer: String,
    /// Who decided (or proposed).
    pub decided_by: String,
}

/// One child's part of a decision, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChildDecisionInput {
    pub person_id: i64,
    /// A level of the authority's continuum of need.
    #[serde(default)]
    pub level: Option<String>,
    /// One of the seven outcomes (`no_further_action` ... `pass_to_allocated_worker`).
    #[serde(default)]
    pub outcome: Option<String>,
    /// For a referral (`social_care_assessment` or `strategy_discussion`), the CIN census
    /// primary need code (`N1` to `N9`); `N0` (not stated) when not given.
    #[serde(default)]
    pub primary_need: Option<String>,
}

/// A decision on a contact as sent (the body of `POST /api/v1/contacts/{id}/decision`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    #[serde(default)]
    pub children: Vec<ChildDecisionInput>,
    #[serde(default)]
    pub rationale: Option<String>,
    #[serde(default)]
    pub feedback_to_referrer: Option<String>,
}

/// One child's part of a decision, checked against the threshold model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildDecision {
    pub child: PersonId,
    pub level: LevelOfNeed,
    pub outcome: Outcome,
}

/// A decision on a contact, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub children: Vec<ChildDecision>,
    pub rationale: String,
    pub feedback: String,
}

impl Decision {
    /// Whether any child's outcome needs a manager's authorisation under `model`.
    pub fn needs_authorisation(&self, model: &ThresholdModel) -> bool {
        self.children
            .iter()
            .any(|c| model.needs_authorisation(c.outcome))
    }
}

impl DecisionInput {
    /// Checks the decision against the contact's children (every child decided, once, and no
    /// one else) and the threshold model (each level is the model's and opens its outcome).
    pub fn check(
        self,
        contact_children: &[PersonId],
        model: &ThresholdModel,
    ) -> Result<Decision, Invalid> {
        let mut c = Check::default();
        let mut out = Vec::new();
        for (i, d) in self.children.iter().enumerate() {
            let at = |f: &str| format!("children[{i}].{f}");
            let child = PersonId(d.person_id);
            if !contact_children.contains(&child) {
                c.fail(
                    at("person_id"),
                    format!("{} is not one of the children on this contact", d.person_id),
                );
                continue;
            }
            if out.iter().any(|o: &ChildDecision| o.child == child) {
                c.fail(at("person_id"), "This child is decided twice");
                continue;
            }
            let level = match d.level.as_deref().map(str::trim) {
                None | Some("") => {
                    c.fail(at("level"), "Choose the level of need");
                    None
                }
                Some(l) => match LevelOfNeed::parse(l) {
                    Ok(l) if model.level(&l).is_some() => Some(l),
                    _ => {
                        let levels: Vec<&str> =
                            model.levels().iter().map(|l| l.level.as_str()).collect();
                        c.fail(
                            at("level"),
                            format!(
                                "{l:?} is not a level of {} (levels {})",
                                model.name(),
                                levels.join(", ")
                            ),
                        );
                        None
                    }
                },
            };
            let outcome = match d.outcome.as_deref().map(str::trim) {
                None | Some("") => {
                    c.fail(at("outcome"), "Choose the outcome");
                    None
                }
                Some(o) => Outcome::parse(o).or_else(|| {
                    c.fail(
                        at("outcome"),
                        format!(
                            "{o:?} is not an outcome (one of {})",
                            Outcome::ALL.map(Outcome::as_str).join(", ")
                        ),
                    );
                    None
                }),
            };
            if let (Some(level), Some(outcome)) = (level, outcome) {
                if let Err(e) = model.check_decision(&level, outcome) {
                    c.fail(at("outcome"), capitalise(&e.to_string()));
                }
                out.push(ChildDecision {
                    child,
                    level,
                    outcome,
                });
            }
        }
        for (i, child) in contact_children.iter().enumerate() {
            if !self.children.iter().any(|d| d.person_id == child.0) {
                c.fail(
                    format!("children[{i}]"),
                    format!(
                        "Decide for every child on the contact: {} has no decision",
                        crate::ids::local_person_id(*child)
                    ),
                );
            }
        }
        let rationale = c.text(
            "rationale",
            "the rationale for the decision",
            self.rationale.as_deref().unwrap_or(""),
            MAX_NOTE,
        );
        let feedback = c.text(
            "feedback_to_referrer",
            "the feedback to the referrer",
            self.feedback_to_referrer.as_deref().unwrap_or(""),
            MAX_NOTE,
        );
        if c.0.is_empty() {
            Ok(Decision {
                children: out,
                rationale,
                feedback,
            })
        } else {
            Err(Invalid(c.0))
        }
    }
}

/// A field error, for callers outside this crate that refuse something of their own with the
/// same shape.
pub fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::Preset;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
    }

    fn good() -> ContactInput {
        serde_json::from_value(serde_json::json!({
            "received_at": "2026-12-03T09:30:00Z",
            "source": "6",
            "referrer": {"name": "PC Amy Hart", "agency": "Police", "role": "Officer",
                         "phone": "01632 960123", "email": "amy.hart@police.example"},
            "concerns": "Domestic incident overnight; two children present.",
            "consent": {"status": "not_sought", "basis": "Sharing would put the children at risk"},
            "children": [{"given_name": "Ava", "family_name": "Stone", "date_of_birth": "2019-04-02",
                          "sex": "F", "nhs_number": "943 476 5919", "postcode": "ZZ1 1AA"},
                         {"person_id": 12}],
            "adults": [{"given_name": "Sam", "family_name": "Stone"}]
        }))
        .unwrap()
    }

    #[test]
    fn a_good_contact_is_read_whole() {
        let c = good().check(now()).unwrap();
        assert_eq!(c.source.as_str(), "6");
        assert_eq!(c.consent, ConsentStatus::NotSought);
        assert_eq!(c.rag, Rag::Amber);
        assert_eq!(c.children.len(), 2);
        assert_eq!(c.children[1], Named::Existing(PersonId(12)));
        let Named::New(p) = &c.children[0] else {
            panic!("new")
        };
        assert_eq!(p.nhs_number.as_ref().unwrap().as_str(), "9434765919");
        assert_eq!(c.adults.len(), 1);
    }

    #[test]
    fn every_bad_field_is_named_by_its_path() {
        let mut i = good();
        i.source = Some("ZZ".into());
        i.received_at = Some("2026-12-04T09:30:00Z".into());
        i.referrer.name = " ".into();
        i.referrer.email = "not-an-email".into();
        i.children[0].nhs_number = Some("9434765918".into());
        i.children[0].date_of_birth = Some("2027-01-01".into());
        i.adults[0].family_name = None;
        i.consent.basis = None;
        let e = i.check(now()).unwrap_err();
        for f in [
            "source",
            "received_at",
            "referrer.name",
            "referrer.email",
            "children[0].nhs_number",
            "children[0].date_of_birth",
            "adults[0].family_name",
            "consent.basis",
        ] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        assert!(
            e.message_for("children[0].nhs_number")
                .unwrap()
                .contains("check digit")
        );
    }

    #[test]
    fn a_contact_names_a_child_and_no_one_twice() {
        let mut i = good();
        i.children.clear();
        assert!(
            i.check(now())
                .unwrap_err()
                .message_for("children")
                .is_some()
        );
        let mut i = good();
        i.adults = vec![PersonInput {
            person_id: Some(12),
            ..Default::default()
        }];
        assert!(i.check(now()).is_err());
        let mut i = good();
        i.children[1].given_name = Some("Also".into());
        assert!(
            i.check(now())
                .unwrap_err()
                .message_for("children[1].person_id")
                .is_some()
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        let mut i = good();
        i.children[0].date_of_birth = Some("2019-02-30".into());
        let e = i.check(now()).unwrap_err();
        assert!(
            e.message_for("children[0].date_of_birth")
                .unwrap()
                .contains("not a real date")
        );
    }

    #[test]
    fn decisions_cover_every_child_once_within_the_model() {
        let model = ThresholdModel::preset(Preset::ChildConcernModel).unwrap();
        let kids = [PersonId(1), PersonId(2)];
        let input = |v: serde_json::Value| -> DecisionInput { serde_json::from_value(v).unwrap() };
        let ok = input(serde_json::json!({
            "children": [{"person_id": 1, "level": "4", "outcome": "social_care_assessment"},
                         {"person_id": 2, "level": "2", "outcome": "early_help"}],
            "rationale": "Two incidents in a month.", "feedback_to_referrer": "Thank you."}))
        .check(&kids, &model)
        .unwrap();
        assert_eq!(ok.children.len(), 2);
        let missing = input(serde_json::json!({
            "children": [{"person_id": 1, "level": "9", "outcome": "early_help"},
                         {"person_id": 7, "level": "2", "outcome": "early_help"}],
            "rationale": "", "feedback_to_referrer": "x"}))
        .check(&kids, &model)
        .unwrap_err();
        assert!(missing.message_for("children[0].level").is_some());
        assert!(missing.message_for("children[1].person_id").is_some());
        assert!(missing.message_for("children[1]").is_some());
        assert!(missing.message_for("rationale").is_some());
        let not_opened = input(serde_json::json!({
            "children": [{"person_id": 1, "level": "1", "outcome": "strategy_discussion"},
                         {"person_id": 2, "level": "2", "outcome": "no_such"}],
            "rationale": "r", "feedback_to_referrer": "f"}))
        .check(&kids, &model)
        .unwrap_err();
        assert!(
            not_opened
                .message_for("children[0].outcome")
                .unwrap()
                .contains("does not open")
        );
        assert!(not_opened.message_for("children[1].outcome").is_some());
    }
}
