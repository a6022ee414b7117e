//! The front door's contacts (ADR 0007): a contact acknowledged whole or not at all, with the
//! people it creates and each child's `ContactReceived`; the screening steps that follow it (a
//! new rating, partner checks asked and answered, a decision proposed, authorised or sent back);
//! and the decision, written as each child's `ContactDecided` with the events that route the child
//! (early help opened, a referral and assessment opened, waiting for allocation in a team).
//!
//! The contact rows are never updated: what happens to a contact is a step row, and the queue, the
//! time left and the dashboard are read from them. Every journey event goes through
//! `Journeys::append`, the one write path, inside the same audited transaction.
//!
//! Access follows the children: the queue leaves out a contact naming a sealed child the reader
//! may not see and shows a restricted child by name only (with no concerns); opening, screening or
//! deciding a contact checks `record_front_door` on every child, as recording on their record
//! would.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{Any, Transaction};

use stepwise_domain::access::{Disclosure, Permission};
use stepwise_domain::audit::{AuditAction, AuditSubject};
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::codes::{Ethnicity, PrimaryNeed, ReferralSource, collection_year};
use stepwise_domain::commands::{FieldError, NewEvent};
use stepwise_domain::contact::{
    Agency, Channel, ChildDecided, ConsentStatus, ContactStatus, Decision, DecisionInput, Named,
    NewContact, NewPerson, PersonInput, RecordedDecision, Referrer, StepData, described_person,
    field_error,
};
use stepwise_domain::events::{ContactOutcome, EventKind, JourneyEvent};
use stepwise_domain::ids::{PersonId, TeamId, WorkerId, local_person_id};
use stepwise_domain::localtime::{london, london_date};
use stepwise_domain::matching::{Incoming, Strength};
use stepwise_domain::org::TeamKind;
use stepwise_domain::people::{NameKind, Person, PersonKind, PersonName, age_on};
use stepwise_domain::projection::{ChildState, Involvement};
use stepwise_domain::screening::{Rag, ScreeningTargets};
use stepwise_domain::search::{phonetic_key, tokens};
use stepwise_domain::threshold::{Outcome, ThresholdModel};

use crate::StoreError;
use crate::audit::Actor;
use crate::events::{STATE_COLUMNS, author, state_from_row};
use crate::matching::PersonCandidate;
use crate::records::Reader;
use crate::sql::{Col, date, parse_time, rows_for_ids, time};

/// A contact as acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedContact {
    pub id: i64,
    pub children: Vec<PersonId>,
    pub adults: Vec<PersonId>,
    /// The people this contact added to the record.
    pub created: Vec<PersonId>,
    pub rag: Rag,
    pub decide_by: DateTime<Utc>,
}

/// The existing people who may be a new person a contact names.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedCandidates {
    /// Where the person is in the contact (`children[0]`).
    pub field: String,
    pub candidates: Vec<PersonCandidate>,
    /// An identifier matched: the person is already on the record and must be named by their
    /// key; `create_new` does not override it.
    pub blocking: bool,
}

/// Why a contact, a screening step or a decision was not written. Nothing was.
#[derive(Debug)]
pub enum Refused {
    /// Fields that are wrong, with what to do about each.
    Fields(Vec<FieldError>),
    /// New people who match people on the record.
    Candidates(Vec<NamedCandidates>),
    /// Anything else (access, not found, a journey rule, the database).
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// One step, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactStep {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub by: String,
    pub user_id: Option<i64>,
    pub data: StepData,
}

/// A partner check and its answer, if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerCheck {
    pub id: i64,
    pub agency: Agency,
    pub question: String,
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    pub due_at: DateTime<Utc>,
    pub response: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
}

/// A person a contact names, as the front door sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactPerson {
    pub person_id: i64,
    pub local_id: String,
    pub name: String,
    /// Not shown for a restricted record seen by name only.
    pub date_of_birth: Option<NaiveDate>,
    /// The contact added them to the record.
    pub created: bool,
    /// Known before this contact (on the record already).
    pub known: bool,
    /// What is open for them now.
    pub open: Vec<Involvement>,
    /// Their allocated worker's name, when open to one.
    pub allocated_worker: Option<String>,
    /// Other contacts about them in the 12 months before this one.
    pub repeat_contacts: i64,
    /// Shown by name only (a restricted record).
    pub name_only: bool,
}

/// A contact as its page and `GET /api/v1/contacts/{id}` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactDetail {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub channel: Channel,
    pub source: ReferralSource,
    pub referrer: Referrer,
    pub concerns: String,
    pub consent: ConsentStatus,
    pub consent_basis: String,
    pub rag: Rag,
    pub decide_by: DateTime<Utc>,
    pub status: ContactStatus,
    pub children: Vec<ContactPerson>,
    pub adults: Vec<ContactPerson>,
    /// People a partner or the public described, still to be matched to the record.
    pub unmatched: Vec<UnmatchedPerson>,
    pub checks: Vec<PartnerCheck>,
    pub steps: Vec<ContactStep>,
    pub proposal: Option<RecordedDecision>,
    pub decision: Option<(RecordedDecision, Option<String>, DateTime<Utc>)>,
}

/// A contact as the person who sent it sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SentContact {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub status: ContactStatus,
    /// Each child by the name given, with the outcome decided for them.
    pub children: Vec<(String, Option<Outcome>)>,
    pub feedback: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One line of the screening queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub decide_by: DateTime<Utc>,
    pub rag: Rag,
    pub status: ContactStatus,
    pub source: ReferralSource,
    pub agency: String,
    /// The start of the concerns; empty when a child is shown by name only.
    pub concerns: String,
    pub children: Vec<ContactPerson>,
    /// Children described by a partner or the public, still to be matched (their names as
    /// given).
    pub to_match: Vec<String>,
    pub checks_outstanding: usize,
    /// The earliest due time of an unanswered check.
    pub next_check_due: Option<DateTime<Utc>>,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// Recorded and routed.
    Recorded {
        decision: RecordedDecision,
        events: Vec<JourneyEvent>,
    },
    /// Proposed, waiting for a manager's authorisation.
    Proposed,
}

/// A stored contact row.
struct ContactRow {
    id: i64,
    received_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    recorded_by: String,
    channel: Channel,
    source: ReferralSource,
    referrer: Referrer,
    concerns: String,
    consent: ConsentStatus,
    consent_basis: String,
    rag: Rag,
    decide_by: DateTime<Utc>,
}

const CONTACT_COLUMNS: &str = "id, received_at, recorded_at, recorded_by, channel, source, referrer_name, referrer_agency, referrer_role, referrer_phone, referrer_email, concerns, consent, consent_basis, rag, decide_by";

fn contact_from_row(r: &sqlx::any::AnyRow) -> Result<ContactRow, StoreError> {
    let id = r.i64("id")?;
    let bad = |what: &str| StoreError::corrupt(format!("contact {id}: {what}"));
    Ok(ContactRow {
        id,
        received_at: parse_time(&r.text("received_at")?)?,
        recorded_at: parse_time(&r.text("recorded_at")?)?,
        recorded_by: r.text("recorded_by")?,
        channel: Channel::parse(&r.text("channel")?),
        source: ReferralSource::from_recorded(&r.text("source")?)
            .map_err(|e| bad(&e.to_string()))?,
        referrer: Referrer {
            name: r.text("referrer_name")?,
            agency: r.text("referrer_agency")?,
            role: r.text("referrer_role")?,
            phone: r.text("referrer_phone")?,
            email: r.text("referrer_email")?,
        },
        concerns: r.text("concerns")?,
        consent: ConsentStatus::parse(&r.text("consent")?).ok_or_else(|| bad("consent"))?,
        consent_basis: r.text("consent_basis")?,
        rag: Rag::parse(&r.text("rag")?).map_err(|e| bad(&e.to_string()))?,
        decide_by: parse_time(&r.text("decide_by")?)?,
    })
}

/// A named person's stored row (matched to the record, when it was made or since).
#[derive(Debug, Clone)]
struct NamedRow {
    role: String,
    person: PersonId,
    created: bool,
}

/// A person a partner or the public described, not yet matched to the record by the front
/// door.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmatchedPerson {
    /// Their place on the contact, which the match names.
    pub ordinal: i64,
    /// `child` or `adult`.
    pub role: String,
    /// As the referrer gave them.
    pub described: PersonInput,
}

impl UnmatchedPerson {
    /// The name as given.
    pub fn name(&self) -> String {
        format!(
            "{} {}",
            self.described.given_name.as_deref().unwrap_or(""),
            self.described.family_name.as_deref().unwrap_or("")
        )
        .trim()
        .to_string()
    }
}

/// The steps of a contact, folded: its current rating, status, checks and decision.
struct Folded {
    rag: Rag,
    decide_by: DateTime<Utc>,
    status: ContactStatus,
    checks: Vec<PartnerCheck>,
    proposal: Option<RecordedDecision>,
    decision: Option<(RecordedDecision, Option<String>, DateTime<Utc>)>,
}

fn fold(row: &ContactRow, steps: &[ContactStep]) -> Folded {
    let mut f = Folded {
        rag: row.rag,
        decide_by: row.decide_by,
        status: ContactStatus::Awaiting,
        checks: Vec::new(),
        proposal: None,
        decision: None,
    };
    for s in steps {
        match &s.data {
            StepData::Rated { rag, decide_by, .. } => {
                f.rag = *rag;
                f.decide_by = *decide_by;
            }
            StepData::CheckRequested {
                agency,
                question,
                due_at,
            } => f.checks.push(PartnerCheck {
                id: s.id,
                agency: *agency,
                question: question.clone(),
                requested_at: s.at,
                requested_by: s.by.clone(),
                due_at: *due_at,
                response: None,
                answered_at: None,
                answered_by: None,
            }),
            StepData::CheckAnswered { check, response } => {
                if let Some(c) = f.checks.iter_mut().find(|c| c.id == *check) {
                    c.response = Some(response.clone());
                    c.answered_at = Some(s.at);
                    c.answered_by = Some(s.by.clone());
                }
            }
            StepData::DecisionProposed { decision } => {
                f.proposal = Some(decision.clone());
                f.status = ContactStatus::AwaitingAuthorisation;
            }
            StepData::DecisionReturned { .. } => {
                f.proposal = None;
                f.status = ContactStatus::Awaiting;
            }
            StepData::Decided {
                decision,
                authorised_by,
            } => {
                f.decision = Some((decision.clone(), authorised_by.clone(), s.at));
                f.proposal = None;
                f.status = ContactStatus::Decided;
            }
            StepData::Matched { .. } => {}
        }
    }
    f
}

/// How far back a contact counts as a repeat.
const REPEAT_MONTHS: u32 = 12;
/// The longest answer to a partner check, or question.
const MAX_CHECK_TEXT: usize = 5_000;

impl crate::FrontDoor<'_> {
    /// Acknowledges a contact: checks the people it names (existing ones exist, are on the
    /// right side, and may be recorded on by `reader`; new ones match nobody on the record, or
    /// the caller said `create_new` and no identifier matched), then in one audited write
    /// creates the new people, stores the contact, and records `ContactReceived` on each
    /// child's journey. Refused, nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub async fn receive(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        contact: NewContact,
        channel: Channel,
        targets: &ScreeningTargets,
        calendar: &WorkingDayCalendar,
    ) -> Result<ReceivedContact, Refused> {
        let received_on = london_date(contact.received_at);
        if channel != Channel::Professional {
            return self
                .receive_described(reader, request_id, contact, channel, targets, calendar)
                .await;
        }
        let mut errors = Vec::new();
        // People already on the record.
        let existing: Vec<(String, &'static str, PersonId)> =
            [("children", &contact.children), ("adults", &contact.adults)]
                .into_iter()
                .flat_map(|(side, list)| {
                    list.iter().enumerate().filter_map(move |(i, n)| match n {
                        Named::Existing(id) => Some((format!("{side}[{i}].person_id"), side, *id)),
                        Named::New(_) => None,
                    })
                })
                .collect();
        let ids: Vec<i64> = existing.iter().map(|(_, _, id)| id.0).collect();
        let people = self.people().people_by_id(&ids).await?;
        for (field, side, id) in &existing {
            let missing = || {
                field_error(
                    field.clone(),
                    format!("There is no person {} on the record", local_person_id(*id)),
                )
            };
            let Some(p) = people.get(&id.0) else {
                errors.push(missing());
                continue;
            };
            if *side == "children" && p.kind == PersonKind::Adult {
                errors.push(field_error(
                    field.clone(),
                    format!(
                        "{} is an adult on the record: name them under adults",
                        local_person_id(*id)
                    ),
                ));
                continue;
            }
            match self
                .people()
                .check_record_access(reader, request_id, *id, Permission::RecordFrontDoor)
                .await
            {
                Ok(_) => {}
                // A sealed record reads as no record at all.
                Err(StoreError::NotFound(_)) => errors.push(missing()),
                Err(e) => return Err(e.into()),
            }
        }
        // New people: a child must be under 18 on the day, and nobody may be a duplicate.
        let include_sealed = reader
            .policy
            .holds(reader.viewer.role, Permission::ViewSealedRecords);
        let mut matched = Vec::new();
        for (side, list) in [("children", &contact.children), ("adults", &contact.adults)] {
            for (i, n) in list.iter().enumerate() {
                let Named::New(p) = n else { continue };
                if side == "children"
                    && let Some(dob) = p.date_of_birth
                    && age_on(dob, received_on) >= 18
                {
                    errors.push(field_error(
                        format!("{side}[{i}].date_of_birth"),
                        "This person is 18 or over: name them under adults",
                    ));
                }
                let incoming = Incoming {
                    given_name: p.given_name.clone(),
                    family_name: p.family_name.clone(),
                    date_of_birth: p.date_of_birth,
                    sex: Some(p.sex),
                    nhs_number: p.nhs_number.clone(),
                    upn: None,
                    local_id: None,
                    postcode: p.postcode.clone(),
                };
                let found: Vec<PersonCandidate> = self
                    .people()
                    .match_people(&incoming, include_sealed)
                    .await?
                    .into_iter()
                    .filter(|c| matches!(c.found.strength, Strength::Certain | Strength::Likely))
                    .collect();
                if !found.is_empty() {
                    matched.push(NamedCandidates {
                        field: format!("{side}[{i}]"),
                        blocking: found.iter().any(|c| c.found.strength == Strength::Certain),
                        candidates: found,
                    });
                }
            }
        }
        if !errors.is_empty() {
            return Err(Refused::Fields(errors));
        }
        if matched.iter().any(|m| m.blocking) || (!matched.is_empty() && !contact.create_new) {
            return Err(Refused::Candidates(matched));
        }

        let rag = contact.rag;
        let decide_by = targets.decide_by(contact.received_at, rag, calendar);
        let mut tx = self.write().await?;
        let recorded_by = match contact_author(tx.tx(), reader.actor).await {
            Ok(w) => w,
            Err(e) => return Err(e.into()),
        };
        // New people, numbered after everyone on the record (writes are serialised by the
        // audit head, so no other write takes the same numbers).
        let mut next_id = sqlx::query("SELECT COALESCE(MAX(id), 0) AS n FROM persons")
            .fetch_one(&mut *tx)
            .await?
            .i64("n")?
            + 1;
        let mut households: BTreeMap<String, i64> = BTreeMap::new();
        let mut created = Vec::new();
        let mut named: Vec<(i64, &'static str, PersonId, bool, String)> = Vec::new();
        let mut ordinal = 0;
        for (side, list) in [("child", &contact.children), ("adult", &contact.adults)] {
            for n in list {
                let (id, new, described) = match n {
                    Named::Existing(id) => (*id, false, String::from("{}")),
                    Named::New(p) => {
                        let id = PersonId(next_id);
                        next_id += 1;
                        let kind = if side == "child" {
                            PersonKind::Child
                        } else {
                            PersonKind::Adult
                        };
                        create_person(tx.tx(), id, kind, p, received_on, &mut households).await?;
                        created.push(id);
                        (id, true, describe(p))
                    }
                };
                named.push((ordinal, side, id, new, described));
                ordinal += 1;
            }
        }
        let id = insert_contact(
            tx.tx(),
            &contact,
            reader.actor,
            channel,
            self.now(),
            decide_by,
        )
        .await?;
        let local = london(contact.received_at);
        let mut children = Vec::new();
        let mut adults = Vec::new();
        for (ordinal, role, person, new, described) in named {
            let seq = if role == "child" {
                children.push(person);
                let e = self
                    .journeys()
                    .append(
                        tx.tx(),
                        recorded_by,
                        NewEvent {
                            child: person,
                            effective: received_on,
                            effective_time: Some(local.time()),
                            supersedes: None,
                            kind: EventKind::ContactReceived {
                                source: contact.source,
                                concerns: contact.concerns.clone(),
                                consent: contact.consent == ConsentStatus::Given,
                            },
                        },
                    )
                    .await?;
                Some(e.seq.0)
            } else {
                adults.push(person);
                None
            };
            sqlx::query("INSERT INTO contact_people (contact_id, ordinal, role, person_id, created, described, received_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(ordinal)
                .bind(role)
                .bind(person.0)
                .bind(i64::from(new))
                .bind(described)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        for p in &created {
            tx.audit(
                reader.actor,
                AuditAction::PersonCreated,
                &AuditSubject::Person(*p),
                request_id,
                &format!("named on contact {id}"),
            )
            .await?;
        }
        for c in &children {
            tx.audit(
                reader.actor,
                AuditAction::ContactReceived,
                &AuditSubject::Person(*c),
                request_id,
                &format!(
                    "contact {id} from {} ({}), {}",
                    contact.source.as_str(),
                    channel.as_str(),
                    rag.as_str()
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ReceivedContact {
            id,
            children,
            adults,
            created,
            rag,
            decide_by,
        })
    }

    /// The contacts waiting for a decision (or a manager's authorisation), the one due first
    /// first. A contact naming a sealed child `reader` may not see is left out; a restricted
    /// child is shown by name only, and then the concerns are not shown either. The view is
    /// audited as one `record.list` naming every child shown.
    pub async fn queue(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
    ) -> Result<Vec<QueueItem>, StoreError> {
        let rows: Vec<ContactRow> = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM contact_steps s WHERE s.contact_id = c.id AND s.kind = 'decided') ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(contact_from_row)
        .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let steps = self.steps_of(&ids).await?;
        let people = self.people_of(&ids).await?;
        let named: HashMap<i64, Vec<NamedRow>> =
            people.iter().map(|(k, v)| (*k, v.0.clone())).collect();
        let child_ids: Vec<i64> = named
            .values()
            .flatten()
            .filter(|n| n.role == "child")
            .map(|n| n.person.0)
            .collect();
        let decided = self.people().disclosure_map(reader, &child_ids).await?;
        let mut out = Vec::new();
        for row in rows {
            let names = named.get(&row.id).cloned().unwrap_or_default();
            let kids: Vec<&NamedRow> = names.iter().filter(|n| n.role == "child").collect();
            if kids
                .iter()
                .any(|n| matches!(decided.get(&n.person.0), Some(Disclosure::Hidden) | None))
            {
                continue;
            }
            let f = fold(&row, steps.get(&row.id).map(Vec::as_slice).unwrap_or(&[]));
            let mut children = Vec::new();
            for n in kids {
                let name_only = matches!(decided.get(&n.person.0), Some(Disclosure::NameOnly));
                children.push(
                    self.contact_person(n, row.received_at, row.id, name_only)
                        .await?,
                );
            }
            let restricted = children.iter().any(|c| c.name_only);
            let outstanding: Vec<&PartnerCheck> =
                f.checks.iter().filter(|c| c.response.is_none()).collect();
            out.push(QueueItem {
                id: row.id,
                received_at: row.received_at,
                decide_by: f.decide_by,
                rag: f.rag,
                status: f.status,
                source: row.source,
                agency: row.referrer.agency.clone(),
                concerns: if restricted {
                    String::new()
                } else {
                    row.concerns.chars().take(200).collect()
                },
                checks_outstanding: outstanding.len(),
                next_check_due: outstanding.iter().map(|c| c.due_at).min(),
                children,
                to_match: people
                    .get(&row.id)
                    .map(|p| {
                        p.1.iter()
                            .filter(|u| u.role == "child")
                            .map(UnmatchedPerson::name)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
        out.sort_by(|a, b| a.decide_by.cmp(&b.decide_by).then(a.id.cmp(&b.id)));
        let shown: Vec<i64> = out
            .iter()
            .flat_map(|q| q.children.iter().map(|c| c.person_id))
            .collect();
        self.shown_in_list(reader, request_id, &shown, "front door queue")
            .await?;
        Ok(out)
    }

    /// One contact, whole, for a reader who may record on every child it names (a restricted
    /// child needs a stated reason first, as their record does). Audited on each child's
    /// access log (`contact.view`).
    pub async fn contact(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
    ) -> Result<ContactDetail, StoreError> {
        let (row, named) = self.checked(reader, request_id, id).await?;
        let steps = self.steps_of(&[id]).await?.remove(&id).unwrap_or_default();
        let f = fold(&row, &steps);
        let (_, unmatched) = self.people_of(&[id]).await?.remove(&id).unwrap_or_default();
        let mut children = Vec::new();
        let mut adults = Vec::new();
        for n in &named {
            let p = self
                .contact_person(n, row.received_at, row.id, false)
                .await?;
            if n.role == "child" {
                children.push(p);
            } else {
                adults.push(p);
            }
        }
        for c in &children {
            self.audit_log()
                .record(
                    reader.actor,
                    AuditAction::ContactView,
                    &AuditSubject::Person(PersonId(c.person_id)),
                    request_id,
                    &format!("contact {id}"),
                )
                .await?;
        }
        Ok(ContactDetail {
            id: row.id,
            received_at: row.received_at,
            recorded_at: row.recorded_at,
            recorded_by: row.recorded_by.clone(),
            channel: row.channel,
            source: row.source,
            referrer: row.referrer.clone(),
            concerns: row.concerns.clone(),
            consent: row.consent,
            consent_basis: row.consent_basis.clone(),
            rag: f.rag,
            decide_by: f.decide_by,
            status: f.status,
            children,
            adults,
            unmatched,
            checks: f.checks,
            steps,
            proposal: f.proposal,
            decision: f.decision,
        })
    }

    /// Rates (or re-rates) a contact waiting for a decision, which sets when it is due.
    #[allow(clippy::too_many_arguments)]
    pub async fn rate(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        rag: Rag,
        reason: &str,
        targets: &ScreeningTargets,
        calendar: &WorkingDayCalendar,
    ) -> Result<DateTime<Utc>, Refused> {
        let (row, named) = self.checked(reader, request_id, id).await?;
        self.still_open(&row).await?;
        let reason = required(reason, "reason", "why the rating changed", 1_000)?;
        let decide_by = targets.decide_by(row.received_at, rag, calendar);
        self.add_step(
            reader,
            request_id,
            id,
            &named,
            StepData::Rated {
                rag,
                decide_by,
                reason,
            },
        )
        .await?;
        Ok(decide_by)
    }

    /// Asks a partner agency for what it knows, due by `due_at` (by default an hour before the
    /// contact is due, and at least an hour from now).
    pub async fn request_check(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        agency: Agency,
        question: &str,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<i64, Refused> {
        let (row, named) = self.checked(reader, request_id, id).await?;
        self.still_open(&row).await?;
        let question = required(
            question,
            "question",
            "what the agency is asked",
            MAX_CHECK_TEXT,
        )?;
        let now = self.now();
        let steps = self.steps_of(&[id]).await?.remove(&id).unwrap_or_default();
        let f = fold(&row, &steps);
        let due_at = match due_at {
            Some(d) if d <= now => {
                return Err(Refused::Fields(vec![field_error(
                    "due_at",
                    "The time the answer is due must be in the future",
                )]));
            }
            Some(d) => d,
            None => (f.decide_by - Duration::hours(1)).max(now + Duration::hours(1)),
        };
        self.add_step(
            reader,
            request_id,
            id,
            &named,
            StepData::CheckRequested {
                agency,
                question,
                due_at,
            },
        )
        .await
        .map_err(Refused::from)
    }

    /// Records a partner agency's answer to a check.
    pub async fn answer_check(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        check: i64,
        response: &str,
    ) -> Result<i64, Refused> {
        let (row, named) = self.checked(reader, request_id, id).await?;
        self.still_open(&row).await?;
        let response = required(response, "response", "the agency's answer", MAX_CHECK_TEXT)?;
        let steps = self.steps_of(&[id]).await?.remove(&id).unwrap_or_default();
        let f = fold(&row, &steps);
        match f.checks.iter().find(|c| c.id == check) {
            None => {
                return Err(Refused::Fields(vec![field_error(
                    "check",
                    format!("There is no check {check} on contact {id}"),
                )]));
            }
            Some(c) if c.response.is_some() => {
                return Err(Refused::Fields(vec![field_error(
                    "check",
                    "This check has already been answered",
                )]));
            }
            Some(_) => {}
        }
        self.add_step(
            reader,
            request_id,
            id,
            &named,
            StepData::CheckAnswered { check, response },
        )
        .await
        .map_err(Refused::from)
    }

    /// Decides a contact: every child once, within the threshold model. A decision the model
    /// says a manager must authorise is only proposed unless `authoriser` (the reader holds
    /// `authorise_decisions`); otherwise each child's `ContactDecided` and the events that
    /// route them are recorded in one audited write.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        input: DecisionInput,
        model: &ThresholdModel,
        authoriser: bool,
    ) -> Result<Decided, Refused> {
        let (row, named) = self.checked(reader, request_id, id).await?;
        let steps = self.steps_of(&[id]).await?.remove(&id).unwrap_or_default();
        let f = fold(&row, &steps);
        if f.status == ContactStatus::Decided {
            return Err(
                StoreError::Conflict(format!("contact {id} has already been decided")).into(),
            );
        }
        self.all_matched(id).await?;
        let kids: Vec<PersonId> = named
            .iter()
            .filter(|n| n.role == "child")
            .map(|n| n.person)
            .collect();
        let needs = primary_needs(&input, collection_year(self.clock().today()))?;
        let decision = input
            .check(&kids, model)
            .map_err(|i| Refused::Fields(i.0))?;
        let recorded = RecordedDecision {
            children: decision
                .children
                .iter()
                .map(|c| ChildDecided {
                    person_id: c.child.0,
                    level: c.level.clone(),
                    outcome: c.outcome,
                    primary_need: needs.get(&c.child.0).map(|n| n.as_str().to_string()),
                    team: None,
                    events: Vec::new(),
                })
                .collect(),
            rationale: decision.rationale.clone(),
            feedback_to_referrer: decision.feedback.clone(),
            decided_by: display_actor(reader.actor),
        };
        if decision.needs_authorisation(model) && !authoriser {
            self.add_step(
                reader,
                request_id,
                id,
                &named,
                StepData::DecisionProposed { decision: recorded },
            )
            .await?;
            return Ok(Decided::Proposed);
        }
        let authorised_by = decision
            .needs_authorisation(model)
            .then(|| display_actor(reader.actor));
        self.record_decision(
            reader,
            request_id,
            &row,
            &named,
            &decision,
            recorded,
            authorised_by,
            &needs,
        )
        .await
    }

    /// A manager authorises the decision proposed for a contact, which records it as
    /// proposed, or sends it back with a reason.
    pub async fn authorise(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        approve: bool,
        reason: &str,
        model: &ThresholdModel,
    ) -> Result<Decided, Refused> {
        let (row, named) = self.checked(reader, request_id, id).await?;
        let steps = self.steps_of(&[id]).await?.remove(&id).unwrap_or_default();
        let f = fold(&row, &steps);
        let Some(proposal) = f.proposal else {
            return Err(StoreError::Conflict(format!(
                "contact {id} has no decision waiting for authorisation"
            ))
            .into());
        };
        if !approve {
            let reason = required(reason, "reason", "why the decision is sent back", 1_000)?;
            self.add_step(
                reader,
                request_id,
                id,
                &named,
                StepData::DecisionReturned { reason },
            )
            .await?;
            return Ok(Decided::Proposed);
        }
        let input = DecisionInput {
            children: proposal
                .children
                .iter()
                .map(|c| stepwise_domain::contact::ChildDecisionInput {
                    person_id: c.person_id,
                    level: Some(c.level.to_string()),
                    outcome: Some(c.outcome.as_str().to_string()),
                    primary_need: c.primary_need.clone(),
                })
                .collect(),
            rationale: Some(proposal.rationale.clone()),
            feedback_to_referrer: Some(proposal.feedback_to_referrer.clone()),
        };
        let kids: Vec<PersonId> = named
            .iter()
            .filter(|n| n.role == "child")
            .map(|n| n.person)
            .collect();
        let needs = primary_needs(&input, collection_year(self.clock().today()))?;
        let decision = input
            .check(&kids, model)
            .map_err(|i| Refused::Fields(i.0))?;
        let mut recorded = proposal.clone();
        for c in &mut recorded.children {
            c.events.clear();
            c.team = None;
        }
        self.record_decision(
            reader,
            request_id,
            &row,
            &named,
            &decision,
            recorded,
            Some(display_actor(reader.actor)),
            &needs,
        )
        .await
    }

    /// Writes a decision: each child's `ContactDecided` and routing, the `decided` step and the
    /// audit rows, in one write.
    #[allow(clippy::too_many_arguments)]
    async fn record_decision(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        row: &ContactRow,
        named: &[NamedRow],
        decision: &Decision,
        mut recorded: RecordedDecision,
        authorised_by: Option<String>,
        needs: &HashMap<i64, PrimaryNeed>,
    ) -> Result<Decided, Refused> {
        // What each child's record allows, checked before anything is written so that the
        // refusal names the child and the outcome.
        let states = self
            .states(
                &decision
                    .children
                    .iter()
                    .map(|c| c.child.0)
                    .collect::<Vec<_>>(),
            )
            .await?;
        let mut errors = Vec::new();
        for (i, c) in decision.children.iter().enumerate() {
            let s = states
                .get(&c.child.0)
                .cloned()
                .unwrap_or_else(|| ChildState::new(c.child));
            if let Some(message) = route_refusal(&s, c.outcome) {
                errors.push(field_error(format!("children[{i}].outcome"), message));
            }
        }
        if !errors.is_empty() {
            return Err(Refused::Fields(errors));
        }
        let now = self.now();
        let today = london_date(now);
        let at = Some(london(now).time());
        let mut tx = self.write().await?;
        let recorded_by = author(tx.tx(), reader.actor).await?;
        let mut events = Vec::new();
        for (i, c) in decision.children.iter().enumerate() {
            let state = states
                .get(&c.child.0)
                .cloned()
                .unwrap_or_else(|| ChildState::new(c.child));
            let mut kinds = Vec::new();
            if state.pending_contact.is_some() {
                kinds.push(EventKind::ContactDecided {
                    level: c.level.clone(),
                    outcome: ContactOutcome::from(c.outcome),
                    reason: decision.rationale.clone(),
                });
            }
            let mut team = None;
            match c.outcome {
                Outcome::EarlyHelp => {
                    kinds.push(EventKind::EarlyHelpOpened {
                        level: c.level.clone(),
                    });
                    if state.allocated.is_none() {
                        let locality = locality_of(tx.tx(), c.child).await?;
                        team = route_team(tx.tx(), TeamKind::EarlyHelp, locality).await?;
                    }
                }
                Outcome::SocialCareAssessment | Outcome::StrategyDiscussion => {
                    if state.referral.is_none() {
                        kinds.push(EventKind::ReferralOpened {
                            source: row.source,
                            primary_need: match needs.get(&c.child.0) {
                                Some(n) => *n,
                                None => not_stated()?,
                            },
                            no_further_action: false,
                        });
                        if c.outcome == Outcome::SocialCareAssessment {
                            kinds.push(EventKind::AssessmentStarted);
                        }
                    }
                    if state.allocated.is_none() {
                        team = route_team(tx.tx(), TeamKind::Assessment, None).await?;
                    }
                }
                _ => {}
            }
            if let Some(t) = team {
                kinds.push(EventKind::AllocationRequested { team: t });
            }
            let mut seqs = Vec::new();
            for kind in kinds {
                let e = self
                    .journeys()
                    .append(
                        tx.tx(),
                        recorded_by,
                        NewEvent {
                            child: c.child,
                            effective: today,
                            effective_time: at,
                            supersedes: None,
                            kind,
                        },
                    )
                    .await?;
                seqs.push(e.seq.0);
                events.push(e);
            }
            if let Some(d) = recorded.children.get_mut(i) {
                d.team = team.map(|t| t.0);
                d.events = seqs;
            }
        }
        let data = StepData::Decided {
            decision: recorded.clone(),
            authorised_by,
        };
        insert_step(tx.tx(), row.id, now, reader.actor, &data).await?;
        for c in named.iter().filter(|n| n.role == "child") {
            let outcome = decision
                .children
                .iter()
                .find(|d| d.child == c.person)
                .map(|d| d.outcome.as_str())
                .unwrap_or("");
            tx.audit(
                reader.actor,
                AuditAction::ContactDecided,
                &AuditSubject::Person(c.person),
                request_id,
                &format!("contact {} {outcome}", row.id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Decided::Recorded {
            decision: recorded,
            events,
        })
    }

    /// The contacts that name a child, newest first: for the child's record.
    pub async fn contacts_about(&self, child: PersonId) -> Result<Vec<(i64, i64)>, StoreError> {
        sqlx::query("SELECT contact_id, received_seq FROM contact_people WHERE person_id = $1 AND role = 'child' ORDER BY contact_id DESC")
            .bind(child.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.i64("contact_id")?, r.opt_i64("received_seq")?.unwrap_or(0))))
            .collect()
    }

    /// A contact from a partner or the public: the people are kept as described, not matched
    /// or created (the referrer may not see the record, and is shown nothing of it); the front
    /// door matches each one (`match_person`) before deciding. No journey event is written
    /// until then. Audited as received, on the contact.
    async fn receive_described(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        contact: NewContact,
        channel: Channel,
        targets: &ScreeningTargets,
        calendar: &WorkingDayCalendar,
    ) -> Result<ReceivedContact, Refused> {
        let mut errors = Vec::new();
        for (side, list) in [("children", &contact.children), ("adults", &contact.adults)] {
            for (i, n) in list.iter().enumerate() {
                match n {
                    Named::Existing(_) => errors.push(field_error(
                        format!("{side}[{i}].person_id"),
                        "Describe the person (name, date of birth, address): the front door finds their record",
                    )),
                    Named::New(p)
                        if side == "children"
                            && p.date_of_birth.is_some_and(|d| {
                                age_on(d, london_date(contact.received_at)) >= 18
                            }) =>
                    {
                        errors.push(field_error(
                            format!("{side}[{i}].date_of_birth"),
                            "This person is 18 or over: name them under adults",
                        ))
                    }
                    Named::New(_) => {}
                }
            }
        }
        if !errors.is_empty() {
            return Err(Refused::Fields(errors));
        }
        let rag = contact.rag;
        let decide_by = targets.decide_by(contact.received_at, rag, calendar);
        let mut tx = self.write().await?;
        let id = insert_contact(
            tx.tx(),
            &contact,
            reader.actor,
            channel,
            self.now(),
            decide_by,
        )
        .await?;
        let mut ordinal = 0;
        for (role, list) in [("child", &contact.children), ("adult", &contact.adults)] {
            for n in list {
                if let Named::New(p) = n {
                    sqlx::query("INSERT INTO contact_people (contact_id, ordinal, role, person_id, created, described, received_seq) VALUES ($1, $2, $3, NULL, 0, $4, NULL)")
                        .bind(id)
                        .bind(ordinal)
                        .bind(role)
                        .bind(describe(p))
                        .execute(&mut *tx)
                        .await?;
                    ordinal += 1;
                }
            }
        }
        tx.audit(
            reader.actor,
            AuditAction::ContactReceived,
            &AuditSubject::Route(format!("/contacts/{id}")),
            request_id,
            &format!(
                "contact {id} from {} ({}), {}, {} to match",
                contact.source.as_str(),
                channel.as_str(),
                rag.as_str(),
                ordinal
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(ReceivedContact {
            id,
            children: Vec::new(),
            adults: Vec::new(),
            created: Vec::new(),
            rag,
            decide_by,
        })
    }

    /// Who on the record might be a person a contact describes, best first: for the front door
    /// to choose from when matching them.
    pub async fn candidates_for(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        ordinal: i64,
    ) -> Result<Vec<PersonCandidate>, StoreError> {
        let (_, unmatched) = self.unmatched(reader, request_id, id).await?;
        let Some(u) = unmatched.iter().find(|u| u.ordinal == ordinal) else {
            return Ok(Vec::new());
        };
        let p = &u.described;
        let incoming = Incoming {
            given_name: p.given_name.clone().unwrap_or_default(),
            family_name: p.family_name.clone().unwrap_or_default(),
            date_of_birth: p
                .date_of_birth
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            sex: None,
            nhs_number: p
                .nhs_number
                .as_deref()
                .and_then(|n| stepwise_domain::ids::NhsNumber::parse(n).ok()),
            upn: None,
            local_id: None,
            postcode: p
                .postcode
                .as_deref()
                .and_then(|n| stepwise_domain::ids::Postcode::parse(n).ok()),
        };
        let include_sealed = reader
            .policy
            .holds(reader.viewer.role, Permission::ViewSealedRecords);
        let found = self
            .people()
            .match_people(&incoming, include_sealed)
            .await?;
        let shown: Vec<i64> = found.iter().map(|c| c.found.person_id.0).collect();
        self.people()
            .audit_list(reader.actor, request_id, "match", &shown)
            .await?;
        Ok(found)
    }

    /// Matches a person a partner or the public described to someone on the record
    /// (`Some(person)`), or adds them to it (`None`; refused when an identifier matches someone
    /// already there). For a child, their `ContactReceived` is recorded, dated when the contact
    /// arrived; the match is a step, written with it in one audited write.
    pub async fn match_person(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        ordinal: i64,
        to: Option<PersonId>,
    ) -> Result<PersonId, Refused> {
        let (row, unmatched) = self.unmatched(reader, request_id, id).await?;
        self.still_open(&row).await?;
        let Some(u) = unmatched.into_iter().find(|u| u.ordinal == ordinal) else {
            return Err(Refused::Fields(vec![field_error(
                "ordinal",
                "This person has already been matched",
            )]));
        };
        let received_on = london_date(row.received_at);
        let new = match to {
            Some(p) => {
                let people = self.people().people_by_id(&[p.0]).await?;
                let missing = || {
                    Refused::Fields(vec![field_error(
                        "person_id",
                        format!("There is no person {} on the record", local_person_id(p)),
                    )])
                };
                let Some(person) = people.get(&p.0) else {
                    return Err(missing());
                };
                if u.role == "child" && person.kind == PersonKind::Adult {
                    return Err(Refused::Fields(vec![field_error(
                        "person_id",
                        format!("{} is an adult on the record", local_person_id(p)),
                    )]));
                }
                match self
                    .people()
                    .check_record_access(reader, request_id, p, Permission::RecordFrontDoor)
                    .await
                {
                    Ok(_) => {}
                    Err(StoreError::NotFound(_)) => return Err(missing()),
                    Err(e) => return Err(e.into()),
                }
                None
            }
            None => {
                let at = if u.role == "child" {
                    "children"
                } else {
                    "adults"
                };
                let p = described_person(
                    &format!("{at}[{ordinal}]"),
                    u.described.clone(),
                    received_on,
                )
                .map_err(|i| Refused::Fields(i.0))?;
                if p.nhs_number.is_some() {
                    let incoming = Incoming {
                        given_name: p.given_name.clone(),
                        family_name: p.family_name.clone(),
                        nhs_number: p.nhs_number.clone(),
                        ..Incoming::default()
                    };
                    let found: Vec<PersonCandidate> = self
                        .people()
                        .match_people(&incoming, true)
                        .await?
                        .into_iter()
                        .filter(|c| c.found.strength == Strength::Certain)
                        .collect();
                    if !found.is_empty() {
                        return Err(Refused::Candidates(vec![NamedCandidates {
                            field: format!("{at}[{ordinal}]"),
                            candidates: found,
                            blocking: true,
                        }]));
                    }
                }
                Some(p)
            }
        };
        let mut tx = self.write().await?;
        let recorded_by = contact_author(tx.tx(), reader.actor).await?;
        let (person, created) = match (to, &new) {
            (Some(p), _) => (p, false),
            (None, Some(p)) => {
                let pid = PersonId(
                    sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM persons")
                        .fetch_one(&mut *tx)
                        .await?
                        .i64("n")?,
                );
                let kind = if u.role == "child" {
                    PersonKind::Child
                } else {
                    PersonKind::Adult
                };
                create_person(tx.tx(), pid, kind, p, received_on, &mut BTreeMap::new()).await?;
                (pid, true)
            }
            (None, None) => return Err(StoreError::corrupt("a match with no person").into()),
        };
        let received = if u.role == "child" {
            let e = self
                .journeys()
                .append(
                    tx.tx(),
                    recorded_by,
                    NewEvent {
                        child: person,
                        effective: received_on,
                        effective_time: Some(london(row.received_at).time()),
                        supersedes: None,
                        kind: EventKind::ContactReceived {
                            source: row.source,
                            concerns: row.concerns.clone(),
                            consent: row.consent == ConsentStatus::Given,
                        },
                    },
                )
                .await?;
            Some(e.seq.0)
        } else {
            None
        };
        let data = StepData::Matched {
            ordinal,
            person_id: person.0,
            created,
            received,
        };
        insert_step(tx.tx(), id, self.now(), reader.actor, &data).await?;
        if created {
            tx.audit(
                reader.actor,
                AuditAction::PersonCreated,
                &AuditSubject::Person(person),
                request_id,
                &format!("described on contact {id}"),
            )
            .await?;
        }
        tx.audit(
            reader.actor,
            if u.role == "child" {
                AuditAction::ContactReceived
            } else {
                AuditAction::ContactStep
            },
            &AuditSubject::Person(person),
            request_id,
            &format!("contact {id} matched"),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// The contact (checked as `checked` checks it) and the people on it still to be matched.
    async fn unmatched(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
    ) -> Result<(ContactRow, Vec<UnmatchedPerson>), StoreError> {
        let (row, _) = self.checked(reader, request_id, id).await?;
        let (_, unmatched) = self.people_of(&[id]).await?.remove(&id).unwrap_or_default();
        Ok((row, unmatched))
    }

    /// Refuses a decision while a child on the contact is still to be matched.
    async fn all_matched(&self, id: i64) -> Result<(), Refused> {
        let (_, unmatched) = self.people_of(&[id]).await?.remove(&id).unwrap_or_default();
        if unmatched.iter().any(|u| u.role == "child") {
            return Err(StoreError::Conflict(format!(
                "contact {id} names children not yet matched to the record: match them first"
            ))
            .into());
        }
        Ok(())
    }

    /// The contacts a user sent (a partner's own), newest first, with the decision on each
    /// child and the feedback given to them: what the referrer may see. Children are shown by
    /// the names the referrer gave, never by what the record holds. Audited as one view.
    pub async fn sent_by(
        &self,
        actor: &Actor,
        request_id: &str,
        limit: i64,
    ) -> Result<Vec<SentContact>, StoreError> {
        let Some(user) = user_id(actor) else {
            return Ok(Vec::new());
        };
        let rows: Vec<ContactRow> = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(contact_from_row)
        .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let steps = self.steps_of(&ids).await?;
        let mut out = Vec::new();
        for row in rows {
            let steps = steps.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            let f = fold(&row, steps);
            // Each child as given, and the record they were matched to (if they were).
            let mut matched: HashMap<i64, i64> = HashMap::new();
            for s in steps {
                if let StepData::Matched {
                    ordinal, person_id, ..
                } = &s.data
                {
                    matched.insert(*ordinal, *person_id);
                }
            }
            let mut children = Vec::new();
            for r in sqlx::query("SELECT ordinal, person_id, described FROM contact_people WHERE contact_id = $1 AND role = 'child' ORDER BY ordinal")
                .bind(row.id)
                .fetch_all(&self.pool)
                .await?
            {
                let ordinal = r.i64("ordinal")?;
                let described: PersonInput =
                    serde_json::from_str(&r.text("described")?).unwrap_or_default();
                let person = r.opt_i64("person_id")?.or(matched.get(&ordinal).copied());
                let outcome = f.decision.as_ref().and_then(|(d, _, _)| {
                    d.children
                        .iter()
                        .find(|c| Some(c.person_id) == person)
                        .map(|c| c.outcome)
                });
                children.push((
                    UnmatchedPerson {
                        ordinal,
                        role: "child".into(),
                        described,
                    }
                    .name(),
                    outcome,
                ));
            }
            out.push(SentContact {
                id: row.id,
                received_at: row.received_at,
                status: f.status,
                feedback: f
                    .decision
                    .as_ref()
                    .map(|(d, _, _)| d.feedback_to_referrer.clone()),
                decided_at: f.decision.as_ref().map(|(_, _, at)| *at),
                children,
            });
        }
        if !out.is_empty() {
            self.audit_log()
                .record(
                    actor,
                    AuditAction::ContactView,
                    &AuditSubject::List("contacts sent".into()),
                    request_id,
                    &format!(
                        "contacts {}",
                        out.iter()
                            .map(|c| c.id.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                )
                .await?;
        }
        Ok(out)
    }

    /// The contact row and the people it names, after checking that `reader` may record on
    /// every child it names. A contact that does not exist, and one naming a sealed child the
    /// reader may not see, are both "not found".
    async fn checked(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
    ) -> Result<(ContactRow, Vec<NamedRow>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| contact_from_row(&r))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("contact {id}")))?;
        let (named, _) = self.people_of(&[id]).await?.remove(&id).unwrap_or_default();
        for n in named.iter().filter(|n| n.role == "child") {
            match self
                .people()
                .check_record_access(reader, request_id, n.person, Permission::RecordFrontDoor)
                .await
            {
                Err(StoreError::NotFound(_)) => {
                    return Err(StoreError::NotFound(format!("contact {id}")));
                }
                other => {
                    other?;
                }
            }
        }
        Ok((row, named))
    }

    async fn still_open(&self, row: &ContactRow) -> Result<(), StoreError> {
        let decided = sqlx::query(
            "SELECT COUNT(*) AS n FROM contact_steps WHERE contact_id = $1 AND kind = 'decided'",
        )
        .bind(row.id)
        .fetch_one(&self.pool)
        .await?
        .i64("n")?;
        if decided > 0 {
            return Err(StoreError::Conflict(format!(
                "contact {} has already been decided",
                row.id
            )));
        }
        Ok(())
    }

    async fn add_step(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        id: i64,
        named: &[NamedRow],
        data: StepData,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().await?;
        let step = insert_step(tx.tx(), id, self.now(), reader.actor, &data).await?;
        let action = match data {
            StepData::DecisionProposed { .. } => AuditAction::ContactDecisionProposed,
            _ => AuditAction::ContactStep,
        };
        for c in named.iter().filter(|n| n.role == "child") {
            tx.audit(
                reader.actor,
                action,
                &AuditSubject::Person(c.person),
                request_id,
                &format!("contact {id} {}", data.kind()),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(step)
    }

    async fn steps_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<ContactStep>>, StoreError> {
        let mut out: HashMap<i64, Vec<ContactStep>> = HashMap::new();
        for r in rows_for_ids(
            &self.pool,
            "SELECT id, contact_id, at, user_id, by_name, data FROM contact_steps WHERE contact_id IN ({ids}) ORDER BY id",
            ids,
        )
        .await?
        {
            let id = r.i64("id")?;
            let data: StepData = serde_json::from_str(&r.text("data")?)
                .map_err(|e| StoreError::corrupt(format!("contact step {id}: {e}")))?;
            out.entry(r.i64("contact_id")?)
                .or_default()
                .push(ContactStep {
                    id,
                    at: parse_time(&r.text("at")?)?,
                    by: r.text("by_name")?,
                    user_id: r.opt_i64("user_id")?,
                    data,
                });
        }
        Ok(out)
    }

    /// The people each contact names: those matched to the record (when the contact was made,
    /// or since by a `matched` step), and those still to be matched, in the contact's order.
    async fn people_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, (Vec<NamedRow>, Vec<UnmatchedPerson>)>, StoreError> {
        let mut out: HashMap<i64, (Vec<NamedRow>, Vec<UnmatchedPerson>)> = HashMap::new();
        let rows = rows_for_ids(
            &self.pool,
            "SELECT contact_id, ordinal, role, person_id, created, described FROM contact_people WHERE contact_id IN ({ids}) ORDER BY contact_id, ordinal",
            ids,
        )
        .await?;
        // Matches made since, by ordinal.
        let mut matched: HashMap<(i64, i64), (i64, bool)> = HashMap::new();
        for r in rows_for_ids(
            &self.pool,
            "SELECT contact_id, data FROM contact_steps WHERE contact_id IN ({ids}) AND kind = 'matched' ORDER BY id",
            ids,
        )
        .await?
        {
            let contact = r.i64("contact_id")?;
            if let StepData::Matched {
                ordinal,
                person_id,
                created,
                ..
            } = serde_json::from_str(&r.text("data")?).map_err(|e| {
                StoreError::corrupt(format!("a match step of contact {contact}: {e}"))
            })? {
                matched.insert((contact, ordinal), (person_id, created));
            }
        }
        for r in rows {
            let contact = r.i64("contact_id")?;
            let ordinal = r.i64("ordinal")?;
            let role = r.text("role")?;
            let entry = out.entry(contact).or_default();
            let person = match r.opt_i64("person_id")? {
                Some(p) => Some((p, r.i64("created")? != 0)),
                None => matched.get(&(contact, ordinal)).copied(),
            };
            match person {
                Some((p, created)) => entry.0.push(NamedRow {
                    role,
                    person: PersonId(p),
                    created,
                }),
                None => entry.1.push(UnmatchedPerson {
                    ordinal,
                    role,
                    described: serde_json::from_str(&r.text("described")?).map_err(|e| {
                        StoreError::corrupt(format!("a person named on contact {contact}: {e}"))
                    })?,
                }),
            }
        }
        Ok(out)
    }

    async fn states(&self, ids: &[i64]) -> Result<HashMap<i64, ChildState>, StoreError> {
        let mut out = HashMap::new();
        for id in ids {
            if let Some(r) = sqlx::query(&format!(
                "SELECT {STATE_COLUMNS} FROM child_state WHERE child_id = $1"
            ))
            .bind(*id)
            .fetch_optional(&self.pool)
            .await?
            {
                out.insert(*id, state_from_row(&r)?);
            }
        }
        Ok(out)
    }

    /// A named person as the front door sees them at the time of the contact.
    async fn contact_person(
        &self,
        n: &NamedRow,
        received_at: DateTime<Utc>,
        contact: i64,
        name_only: bool,
    ) -> Result<ContactPerson, StoreError> {
        let person = self.people().person(n.person).await?;
        let name = person
            .as_ref()
            .map(Person::display_name)
            .unwrap_or_default();
        let mut p = ContactPerson {
            person_id: n.person.0,
            local_id: local_person_id(n.person),
            name,
            date_of_birth: None,
            created: false,
            known: false,
            open: Vec::new(),
            allocated_worker: None,
            repeat_contacts: 0,
            name_only,
        };
        if name_only {
            return Ok(p);
        }
        p.date_of_birth = person
            .as_ref()
            .and_then(|p| p.date_of_birth.or(p.expected_date_of_birth));
        p.created = n.created;
        let state = self.states(&[n.person.0]).await?.remove(&n.person.0);
        if let Some(s) = &state {
            p.open = s
                .involvements()
                .into_iter()
                .filter(|i| *i != Involvement::FrontDoor)
                .collect();
            if let Some(a) = &s.allocated {
                p.allocated_worker = self.organisation().worker(a.worker).await?.map(|w| w.name);
            }
        }
        let day = london_date(received_at);
        let from = day - chrono::Months::new(REPEAT_MONTHS);
        // Contacts before this one in the 12 months before it (the same day's earlier ones
        // count; this contact's own event does not).
        p.repeat_contacts = sqlx::query(
            "SELECT COUNT(*) AS n FROM events e WHERE e.child_id = $1 AND e.kind = 'contact_received' AND e.effective >= $2 AND e.effective <= $3 AND e.supersedes IS NULL \
             AND e.seq NOT IN (SELECT received_seq FROM contact_people WHERE contact_id >= $4 AND person_id = $1 AND received_seq IS NOT NULL)",
        )
        .bind(n.person.0)
        .bind(date(from))
        .bind(date(day))
        .bind(contact)
        .fetch_one(&self.pool)
        .await?
        .i64("n")?;
        p.known = !n.created
            || sqlx::query(
                "SELECT COUNT(*) AS n FROM contact_people WHERE person_id = $1 AND contact_id < $2",
            )
            .bind(n.person.0)
            .bind(contact)
            .fetch_one(&self.pool)
            .await?
            .i64("n")?
                > 0;
        Ok(p)
    }
}

/// Why a child's record does not allow an outcome's routing, if it does not.
fn route_refusal(s: &ChildState, outcome: Outcome) -> Option<String> {
    match outcome {
        Outcome::EarlyHelp if s.early_help.is_some() => Some(
            "This child already has an open early help episode: pass the contact to the allocated worker".into(),
        ),
        Outcome::EarlyHelp if s.referral.is_some() || s.looked_after.is_some() => Some(
            "This child is open to social care: pass the contact to the allocated worker".into(),
        ),
        Outcome::SocialCareAssessment if s.referral.is_some() => Some(
            "This child already has an open referral: pass the contact to the allocated worker, or call a strategy discussion".into(),
        ),
        Outcome::PassToAllocatedWorker if s.allocated.is_none() => Some(
            "This child has no allocated worker to pass the contact to".into(),
        ),
        _ => None,
    }
}

/// N0, "not stated": the primary need of a referral whose decision did not give one.
fn not_stated() -> Result<PrimaryNeed, StoreError> {
    PrimaryNeed::from_recorded("N0")
        .map_err(|e| StoreError::corrupt(format!("the primary need list: {e}")))
}

/// The primary need codes a decision names, checked for the collection year.
fn primary_needs(input: &DecisionInput, year: i32) -> Result<HashMap<i64, PrimaryNeed>, Refused> {
    let mut out = HashMap::new();
    let mut errors = Vec::new();
    for (i, c) in input.children.iter().enumerate() {
        if let Some(code) = c
            .primary_need
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match PrimaryNeed::parse(&code.to_uppercase(), year) {
                Ok(n) => {
                    out.insert(c.person_id, n);
                }
                Err(_) => errors.push(field_error(
                    format!("children[{i}].primary_need"),
                    format!("{code:?} is not a CIN census primary need code (N1 to N9, or N0 not stated)"),
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Refused::Fields(errors))
    }
}

fn required(t: &str, field: &str, what: &str, max: usize) -> Result<String, Refused> {
    let t = t.trim();
    let message = if t.is_empty() {
        format!("Enter {what}")
    } else if t.chars().count() > max {
        format!("This must be {max} characters or fewer")
    } else if t
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        "This contains control characters".to_string()
    } else {
        return Ok(t.to_string());
    };
    Err(Refused::Fields(vec![field_error(field, message)]))
}

fn user_id(actor: &Actor) -> Option<i64> {
    match actor {
        Actor::User { id, .. } => Some(id.0),
        _ => None,
    }
}

/// How an actor is named on a contact's steps.
fn display_actor(actor: &Actor) -> String {
    match actor {
        Actor::User { username, .. } => username.clone(),
        Actor::Anonymous => "the public form".to_string(),
        Actor::System(what) => what.to_string(),
    }
}

/// The worker a contact's journey events are recorded under: the signed-in worker, or for a
/// contact sent by a partner or the public, the system (worker 0), as the contact row names who
/// sent it.
async fn contact_author(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
) -> Result<WorkerId, StoreError> {
    match author(tx, actor).await {
        Ok(w) => Ok(w),
        Err(StoreError::Invalid(_)) => Ok(WorkerId(0)),
        Err(e) => Err(e),
    }
}

/// The contact's own row, as acknowledged; its id.
async fn insert_contact(
    tx: &mut Transaction<'static, Any>,
    contact: &NewContact,
    actor: &Actor,
    channel: Channel,
    now: DateTime<Utc>,
    decide_by: DateTime<Utc>,
) -> Result<i64, StoreError> {
    sqlx::query(&format!(
        "INSERT INTO contacts ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        &CONTACT_COLUMNS["id, ".len()..].replace("recorded_by, ", "recorded_by, user_id, ")
    ))
    .bind(time(contact.received_at))
    .bind(time(now))
    .bind(actor.label())
    .bind(user_id(actor))
    .bind(channel.as_str())
    .bind(contact.source.as_str())
    .bind(&contact.referrer.name)
    .bind(&contact.referrer.agency)
    .bind(&contact.referrer.role)
    .bind(&contact.referrer.phone)
    .bind(&contact.referrer.email)
    .bind(&contact.concerns)
    .bind(contact.consent.as_str())
    .bind(&contact.consent_basis)
    .bind(contact.rag.as_str())
    .bind(time(decide_by))
    .fetch_one(&mut **tx)
    .await?
    .i64("id")
}

async fn insert_step(
    tx: &mut Transaction<'static, Any>,
    contact: i64,
    at: DateTime<Utc>,
    actor: &Actor,
    data: &StepData,
) -> Result<i64, StoreError> {
    let json = serde_json::to_string(data).map_err(|e| StoreError::corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO contact_steps (contact_id, at, user_id, by_name, kind, data) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(contact)
        .bind(time(at))
        .bind(user_id(actor))
        .bind(display_actor(actor))
        .bind(data.kind())
        .bind(json)
        .fetch_one(&mut **tx)
        .await?
        .i64("id")
}

/// The details a referrer gave of a new person, kept on the contact.
fn describe(p: &NewPerson) -> String {
    serde_json::json!({
        "given_name": p.given_name,
        "family_name": p.family_name,
        "date_of_birth": p.date_of_birth.map(date),
        "sex": p.sex.as_str(),
        "nhs_number": p.nhs_number.as_ref().map(|n| n.as_str().to_string()),
        "postcode": p.postcode.as_ref().map(|n| n.as_str().to_string()),
        "address": p.address,
    })
    .to_string()
}

/// Adds a person a contact named: their row, their searchable name, and (when a postcode in
/// the authority is given) a household at that address, shared with the others the same
/// contact names at the same postcode.
async fn create_person(
    tx: &mut Transaction<'static, Any>,
    id: PersonId,
    kind: PersonKind,
    p: &NewPerson,
    on: NaiveDate,
    households: &mut BTreeMap<String, i64>,
) -> Result<(), StoreError> {
    let year = collection_year(on);
    let ethnicity = Ethnicity::parse("NOBT", year)
        .or_else(|_| Ethnicity::from_recorded("NOBT"))
        .map_err(|e| StoreError::corrupt(format!("ethnicity NOBT: {e}")))?;
    let person = Person {
        id,
        kind,
        names: vec![PersonName {
            given: p.given_name.clone(),
            family: p.family_name.clone(),
            kind: NameKind::Current,
        }],
        date_of_birth: p.date_of_birth,
        expected_date_of_birth: None,
        date_of_death: None,
        sex: p.sex,
        ethnicity,
        disabilities: Vec::new(),
        nhs_number: p.nhs_number.clone(),
        upn: None,
        former_upn: None,
        upn_unknown: None,
        language: None,
        uasc: false,
        uasc_ceased: None,
    };
    let data = serde_json::to_string(&person).map_err(|e| StoreError::corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO persons (id, kind, given, family, dob, expected_dob, sex, nhs_number, upn, former_upn, data) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, NULL, NULL, $8)")
        .bind(id.0)
        .bind(kind.as_str())
        .bind(&p.given_name)
        .bind(&p.family_name)
        .bind(p.date_of_birth.map(date))
        .bind(p.sex.as_str())
        .bind(p.nhs_number.as_ref().map(|n| n.as_str().to_string()))
        .bind(data)
        .execute(&mut **tx)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for t in tokens(&format!("{} {}", p.given_name, p.family_name)) {
        if seen.insert(t.clone()) {
            sqlx::query("INSERT INTO name_tokens (person_id, sound, token) VALUES ($1, $2, $3)")
                .bind(id.0)
                .bind(phonetic_key(&t))
                .bind(&t)
                .execute(&mut **tx)
                .await?;
        }
    }
    let Some(postcode) = &p.postcode else {
        return Ok(());
    };
    let household = match households.get(postcode.as_str()) {
        Some(h) => *h,
        None => {
            // The locality and town of the postcode's district, from the addresses the
            // authority already holds there; a postcode outside them gets no household.
            let Some(r) = sqlx::query("SELECT locality_id, town, COUNT(*) AS n FROM addresses WHERE postcode LIKE $1 GROUP BY locality_id, town ORDER BY n DESC, locality_id LIMIT 1")
                .bind(format!("{} %", postcode.outward()))
                .fetch_optional(&mut **tx)
                .await?
            else {
                return Ok(());
            };
            let h = sqlx::query(
                "SELECT COALESCE(MAX(household_id), 0) + 1 AS n FROM household_members",
            )
            .fetch_one(&mut **tx)
            .await?
            .i64("n")?;
            sqlx::query("INSERT INTO addresses (household_id, line1, town, postcode, locality_id, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
                .bind(h)
                .bind(p.address.clone().unwrap_or_else(|| "(address not given)".to_string()))
                .bind(r.text("town")?)
                .bind(postcode.as_str())
                .bind(r.i64("locality_id")?)
                .bind(date(on))
                .execute(&mut **tx)
                .await?;
            households.insert(postcode.as_str().to_string(), h);
            h
        }
    };
    sqlx::query("INSERT INTO household_members (household_id, person_id, from_date, to_date) VALUES ($1, $2, $3, NULL)")
        .bind(household)
        .bind(id.0)
        .bind(date(on))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The locality of a child's current address, if they have one.
async fn locality_of(
    tx: &mut Transaction<'static, Any>,
    child: PersonId,
) -> Result<Option<i64>, StoreError> {
    sqlx::query("SELECT a.locality_id FROM household_members m JOIN addresses a ON a.household_id = m.household_id WHERE m.person_id = $1 AND m.to_date IS NULL AND a.end_date IS NULL ORDER BY a.start_date DESC LIMIT 1")
        .bind(child.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.i64("locality_id"))
        .transpose()
}

/// The team of a kind (in the locality, when one is given and it has one) holding the fewest
/// open children: where a routed child waits for a worker.
async fn route_team(
    tx: &mut Transaction<'static, Any>,
    kind: TeamKind,
    locality: Option<i64>,
) -> Result<Option<TeamId>, StoreError> {
    let mut teams: Vec<(i64, Option<i64>)> = Vec::new();
    for r in sqlx::query("SELECT id, locality_id FROM teams WHERE kind = $1 ORDER BY id")
        .bind(kind.as_str())
        .fetch_all(&mut **tx)
        .await?
    {
        teams.push((r.i64("id")?, r.opt_i64("locality_id")?));
    }
    if let Some(l) = locality
        && teams.iter().any(|t| t.1 == Some(l))
    {
        teams.retain(|t| t.1 == Some(l));
    }
    let mut best: Option<(i64, i64)> = None;
    for (id, _) in teams {
        let n =
            sqlx::query("SELECT COUNT(*) AS n FROM child_state WHERE team_id = $1 AND is_open = 1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?
                .i64("n")?;
        if best.is_none_or(|(_, m)| n < m) {
            best = Some((id, n));
        }
    }
    Ok(best.map(|(id, _)| TeamId(id)))
}

/// One contact as the front door's dashboard counts it: no names, only what the figures need.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFact {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub source: ReferralSource,
    pub rag: Rag,
    /// The locality of the first child's address, when known.
    pub locality: Option<String>,
    /// The outcomes decided for its children.
    pub outcomes: Vec<Outcome>,
    /// A child on it had a referral in the 12 months before this one's decision opened another.
    pub re_referral: bool,
    /// A child on it had another contact in the 12 months before.
    pub repeat: bool,
    /// The children it names who are on the record.
    pub children: Vec<PersonId>,
}

impl crate::FrontDoor<'_> {
    /// Every contact received since `since`, and every one still waiting, as facts for the
    /// dashboard. Reads no names, so it is not audited; the lists behind each figure are.
    pub async fn contact_facts(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<ContactFact>, StoreError> {
        let rows: Vec<ContactRow> = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts c WHERE received_at >= $1 OR NOT EXISTS (SELECT 1 FROM contact_steps s WHERE s.contact_id = c.id AND s.kind = 'decided') ORDER BY id"
        ))
        .bind(time(since))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(contact_from_row)
        .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let steps = self.steps_of(&ids).await?;
        let people = self.people_of(&ids).await?;
        let localities: HashMap<i64, String> = sqlx::query("SELECT id, name FROM localities")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.i64("id")?, r.text("name")?)))
            .collect::<Result<_, StoreError>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let f = fold(&row, steps.get(&row.id).map(Vec::as_slice).unwrap_or(&[]));
            let children: Vec<PersonId> = people
                .get(&row.id)
                .map(|p| {
                    p.0.iter()
                        .filter(|n| n.role == "child")
                        .map(|n| n.person)
                        .collect()
                })
                .unwrap_or_default();
            let day = london_date(row.received_at);
            let year_before = date(day - chrono::Months::new(REPEAT_MONTHS));
            let mut locality = None;
            let mut repeat = false;
            let mut re_referral = false;
            let outcomes: Vec<Outcome> = f
                .decision
                .as_ref()
                .map(|(d, _, _)| d.children.iter().map(|c| c.outcome).collect())
                .unwrap_or_default();
            let referred = outcomes.iter().any(|o| {
                matches!(
                    o,
                    Outcome::SocialCareAssessment | Outcome::StrategyDiscussion
                )
            });
            for c in &children {
                if locality.is_none()
                    && let Some(r) = sqlx::query("SELECT a.locality_id FROM household_members m JOIN addresses a ON a.household_id = m.household_id WHERE m.person_id = $1 AND m.to_date IS NULL AND a.end_date IS NULL LIMIT 1")
                        .bind(c.0)
                        .fetch_optional(&self.pool)
                        .await?
                {
                    locality = localities.get(&r.i64("locality_id")?).cloned();
                }
                let earlier = sqlx::query("SELECT kind, COUNT(*) AS n FROM events WHERE child_id = $1 AND kind IN ('contact_received', 'referral_opened') AND effective >= $2 AND effective < $3 AND supersedes IS NULL GROUP BY kind")
                    .bind(c.0)
                    .bind(&year_before)
                    .bind(date(day))
                    .fetch_all(&self.pool)
                    .await?;
                for r in earlier {
                    let n = r.i64("n")?;
                    match r.text("kind")?.as_str() {
                        "contact_received" if n > 0 => repeat = true,
                        "referral_opened" if n > 0 && referred => re_referral = true,
                        _ => {}
                    }
                }
            }
            out.push(ContactFact {
                id: row.id,
                received_at: row.received_at,
                decided_at: f.decision.as_ref().map(|(_, _, at)| *at),
                source: row.source,
                rag: f.rag,
                locality,
                outcomes,
                re_referral,
                repeat,
                children,
            });
        }
        Ok(out)
    }

    /// The names of the children on a list of contacts, as `reader` may see them (a sealed
    /// child left out, a restricted one by name only), audited as one `record.list`.
    pub async fn child_names(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        children: &[i64],
        list: &str,
    ) -> Result<HashMap<i64, (String, bool)>, StoreError> {
        let decided = self.people().disclosure_map(reader, children).await?;
        let people = self.people().people_by_id(children).await?;
        let mut out = HashMap::new();
        for id in children {
            let name_only = match decided.get(id) {
                Some(Disclosure::Full { .. }) => false,
                Some(Disclosure::NameOnly) => true,
                _ => continue,
            };
            if let Some(p) = people.get(id) {
                out.insert(*id, (p.display_name(), name_only));
            }
        }
        let shown: Vec<i64> = out.keys().copied().collect();
        self.shown_in_list(reader, request_id, &shown, list).await?;
        Ok(out)
    }

    /// Logs the children a list shows: each protected child's sight on their access log
    /// (`record.reveal`), and the list as one `record.list`.
    async fn shown_in_list(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        shown: &[i64],
        list: &str,
    ) -> Result<(), StoreError> {
        self.people()
            .disclosures(reader, request_id, shown, list)
            .await?;
        self.people()
            .audit_list(reader.actor, request_id, list, shown)
            .await
    }
}
