//! The JSON the web crate writes: the API's response bodies (described in the OpenAPI
//! document) and the subject access pack download. The store returns plain Rust values; each
//! type here is built from one of them (`From`), so what goes over the wire is decided here,
//! beside the API, and the store stays free of the API's concerns.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use stepwise_domain::access::RestrictionKind;
use stepwise_domain::audit::{AuditSubject, RecordedAction};
use stepwise_domain::events::EventCategory;
use stepwise_domain::ids::{EventSeq, PersonId, UserId};
use stepwise_domain::need::LevelOfNeed;
use stepwise_domain::org::{Team, Worker};
use stepwise_domain::people::{Person, PersonKind};
use stepwise_domain::projection::{ChildState, Involvement};
use stepwise_domain::timescales::DueItem;

fn all<S, T: From<S>>(items: Vec<S>) -> Vec<T> {
    items.into_iter().map(T::from).collect()
}

/// One row of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    // What was done: its stored label in the JSON (a label from a later version reads back
    // as itself).
    #[schema(value_type = String)]
    pub action: RecordedAction,
    // What it was done to: its stored form in the JSON.
    #[schema(value_type = String)]
    pub subject: AuditSubject,
    pub request_id: String,
    pub detail: String,
}

impl From<stepwise_store::AuditEntry> for AuditEntry {
    fn from(e: stepwise_store::AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            request_id: e.request_id,
            detail: e.detail,
        }
    }
}

/// A restriction in force on a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionRow {
    pub id: i64,
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    pub kind: RestrictionKind,
    pub category: String,
    pub note: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

impl From<stepwise_store::RestrictionRow> for RestrictionRow {
    fn from(r: stepwise_store::RestrictionRow) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            kind: r.kind,
            category: r.category,
            note: r.note,
            set_by: r.set_by,
            set_at: r.set_at,
        }
    }
}

/// A temporary grant as the grants page lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantRow {
    pub id: i64,
    #[schema(value_type = i64)]
    pub user_id: UserId,
    pub username: String,
    pub child_id: i64,
    pub child_local_id: String,
    pub reason: String,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub active: bool,
}

impl From<stepwise_store::GrantRow> for GrantRow {
    fn from(g: stepwise_store::GrantRow) -> Self {
        Self {
            id: g.id,
            user_id: g.user_id,
            username: g.username,
            child_id: g.child_id,
            child_local_id: g.child_local_id,
            reason: g.reason,
            granted_by: g.granted_by,
            granted_at: g.granted_at,
            until: g.until,
            revoked_at: g.revoked_at,
            active: g.active,
        }
    }
}

/// One line of a chronology.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChronologyEntry {
    #[schema(value_type = i64)]
    pub seq: EventSeq,
    pub effective: NaiveDate,
    /// When it was recorded (UTC; pages show it in England's time).
    #[schema(value_type = String)]
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub recorded_by: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = String)]
    pub category: EventCategory,
    pub summary: String,
    /// Free text the event carries (a case note, a contact's concerns, a reason).
    pub text: Option<String>,
    /// The earlier event this one corrects, and why.
    pub corrects: Option<i64>,
    pub correction_reason: Option<String>,
    /// A later event that corrects or withdraws this one.
    pub corrected_by: Option<i64>,
}

impl From<stepwise_store::ChronologyEntry> for ChronologyEntry {
    fn from(e: stepwise_store::ChronologyEntry) -> Self {
        Self {
            seq: e.seq,
            effective: e.effective,
            recorded_at: e.recorded_at,
            recorded_by: e.recorded_by,
            kind: e.kind,
            category: e.category,
            summary: e.summary,
            text: e.text,
            corrects: e.corrects,
            correction_reason: e.correction_reason,
            corrected_by: e.corrected_by,
        }
    }
}

/// Someone in the child's family or household.
#[derive(Debug, Serialize, ToSchema)]
pub struct FamilyMember {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    pub kind: PersonKind,
    /// How they stand to the child, in plain words ("Mother", "Brother", "Household member").
    pub relationship: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub lives_with_child: bool,
    /// What is open for them.
    pub open: Vec<Involvement>,
    /// Their allocated worker, when open.
    pub worker: Option<String>,
    /// Set when their own record is restricted or sealed.
    pub restriction: Option<RestrictionKind>,
    /// Set when the reader may see nothing but the name (a restricted record they may not
    /// open now): then no date of birth, relationship, address, involvements or worker.
    pub name_only: bool,
}

impl From<stepwise_store::FamilyMember> for FamilyMember {
    fn from(m: stepwise_store::FamilyMember) -> Self {
        Self {
            id: m.id,
            local_id: m.local_id,
            name: m.name,
            kind: m.kind,
            relationship: m.relationship,
            date_of_birth: m.date_of_birth,
            age: m.age,
            lives_with_child: m.lives_with_child,
            open: m.open,
            worker: m.worker,
            restriction: m.restriction,
            name_only: m.name_only,
        }
    }
}

/// Everything on a child's record page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildRecord {
    #[schema(value_type = Object)]
    pub person: Person,
    pub local_id: String,
    pub state: ChildState,
    pub due: Vec<DueItem>,
    pub allocated_worker: Option<Worker>,
    pub allocated_team: Option<Team>,
    /// The independent reviewing officer appointed while a child protection plan or a period
    /// of care is open.
    pub reviewing_officer: Option<Worker>,
    pub family: Vec<FamilyMember>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub locality: Option<String>,
    /// Set when the address is shared with someone whose restricted record the reader may not
    /// see: then the address, postcode and locality are left out.
    pub address_withheld: bool,
    pub chronology: Vec<ChronologyEntry>,
    /// How many events match the filter (the chronology may show fewer).
    pub chronology_total: i64,
    /// The restriction or seal on this record, if any.
    pub restriction: Option<RestrictionRow>,
}

impl From<stepwise_store::ChildRecord> for ChildRecord {
    fn from(r: stepwise_store::ChildRecord) -> Self {
        Self {
            person: r.person,
            local_id: r.local_id,
            state: r.state,
            due: r.due,
            allocated_worker: r.allocated_worker,
            allocated_team: r.allocated_team,
            reviewing_officer: r.reviewing_officer,
            family: all(r.family),
            address: r.address,
            postcode: r.postcode,
            locality: r.locality,
            address_withheld: r.address_withheld,
            chronology: all(r.chronology),
            chronology_total: r.chronology_total,
            restriction: r.restriction.map(RestrictionRow::from),
        }
    }
}

/// A child on "my work".
#[derive(Debug, Serialize, ToSchema)]
pub struct MyWorkChild {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub open: Vec<Involvement>,
    #[schema(value_type = Option<String>)]
    pub level_of_need: Option<LevelOfNeed>,
    pub due: Vec<DueItem>,
    pub overdue: usize,
    pub next_due: Option<NaiveDate>,
    /// Set when the child's record is restricted and the reader may not see it now: then only
    /// the name is shown.
    pub restriction: Option<RestrictionKind>,
    /// For a contact waiting at the front door: when it came, from whom, and about what.
    pub waiting: Option<WaitingContact>,
}

/// A contact waiting for the front door's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingContact {
    pub received: NaiveDate,
    /// The time it was received, where known (HH:MM:SS, the council's local time).
    #[schema(value_type = Option<String>)]
    pub time: Option<chrono::NaiveTime>,
    /// The referral source in words, with its DfE code.
    pub source: String,
    /// The start of the concerns as written (at most 200 characters).
    pub concerns: String,
}

impl From<stepwise_store::WaitingContact> for WaitingContact {
    fn from(w: stepwise_store::WaitingContact) -> Self {
        Self {
            received: w.received,
            time: w.time,
            source: w.source,
            concerns: w.concerns,
        }
    }
}

impl From<stepwise_store::MyWorkChild> for MyWorkChild {
    fn from(c: stepwise_store::MyWorkChild) -> Self {
        Self {
            id: c.id,
            local_id: c.local_id,
            name: c.name,
            date_of_birth: c.date_of_birth,
            open: c.open,
            level_of_need: c.level_of_need,
            due: c.due,
            overdue: c.overdue,
            next_due: c.next_due,
            restriction: c.restriction,
            waiting: c.waiting.map(WaitingContact::from),
        }
    }
}

/// A record the user opened recently.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecentView {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    /// When (UTC; pages show it in England's time).
    #[schema(value_type = String)]
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<stepwise_store::RecentView> for RecentView {
    fn from(v: stepwise_store::RecentView) -> Self {
        Self {
            id: v.id,
            local_id: v.local_id,
            name: v.name,
            at: v.at,
        }
    }
}

/// What the signed-in worker must do: their children with what is due, contacts waiting at
/// the front door (for front-door staff), and records they opened recently.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyWork {
    /// The children allocated to the worker, and, for an independent reviewing officer, the
    /// children they are appointed to review (each with only the conferences or reviews they
    /// chair).
    pub children: Vec<MyWorkChild>,
    pub contacts_waiting: Vec<MyWorkChild>,
    pub contacts_waiting_total: i64,
    /// For an independent reviewing officer: the conferences and reviews awaiting a chair
    /// (children with no reviewing officer appointed, mostly initial conferences) that are
    /// overdue or due within eight weeks, soonest first (at most 100), each with its one item.
    pub reviews_due: Vec<MyWorkChild>,
    /// How many such conferences and reviews there are in all.
    pub reviews_due_total: i64,
    pub recent: Vec<RecentView>,
}

impl From<stepwise_store::MyWork> for MyWork {
    fn from(w: stepwise_store::MyWork) -> Self {
        Self {
            children: all(w.children),
            contacts_waiting: all(w.contacts_waiting),
            contacts_waiting_total: w.contacts_waiting_total,
            reviews_due: all(w.reviews_due),
            reviews_due_total: w.reviews_due_total,
            recent: all(w.recent),
        }
    }
}

/// A person found by a search, best match first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonMatch {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    /// The name that matched, when it was a former name or alias.
    pub matched_other_name: Option<String>,
    pub kind: PersonKind,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: String,
    /// What is open for them, in plain words.
    pub open: Vec<Involvement>,
    pub postcode: Option<String>,
    pub score: u32,
    /// How the person matched: "name", "identifier", "date of birth".
    pub matched_on: String,
    /// Set when the record is restricted or sealed: then only the name is shown.
    pub restriction: Option<RestrictionKind>,
}

impl From<stepwise_store::PersonMatch> for PersonMatch {
    fn from(m: stepwise_store::PersonMatch) -> Self {
        Self {
            id: m.id,
            local_id: m.local_id,
            name: m.name,
            matched_other_name: m.matched_other_name,
            kind: m.kind,
            date_of_birth: m.date_of_birth,
            sex: m.sex,
            open: m.open,
            postcode: m.postcode,
            score: m.score,
            matched_on: m.matched_on,
            restriction: m.restriction,
        }
    }
}

/// A worker with their caseload.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerCaseload {
    pub worker: Worker,
    /// Children allocated to the worker with something open.
    pub children: i64,
    /// Caseload weighted by complexity: child protection and looked-after children count
    /// more than child in need or early help (weights in `caseload_weight`).
    pub weighted: f64,
    /// Children with at least one overdue item.
    pub overdue: i64,
}

impl From<stepwise_store::WorkerCaseload> for WorkerCaseload {
    fn from(w: stepwise_store::WorkerCaseload) -> Self {
        Self {
            worker: w.worker,
            children: w.children,
            weighted: w.weighted,
            overdue: w.overdue,
        }
    }
}

/// A child on a team's list: their line, and the worker they are allocated to (none when
/// unallocated, or when the record is restricted and the reader may not see it now).
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamChild {
    #[serde(flatten)]
    pub child: MyWorkChild,
    pub worker_id: Option<i64>,
}

impl From<stepwise_store::TeamChild> for TeamChild {
    fn from(c: stepwise_store::TeamChild) -> Self {
        Self {
            child: c.child.into(),
            worker_id: c.worker_id,
        }
    }
}

/// A team with its workers and what is unallocated.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamSummary {
    pub team: Team,
    pub locality: Option<String>,
    pub workers: Vec<WorkerCaseload>,
    /// Open children held by the team with no allocated worker.
    pub unallocated: i64,
}

impl From<stepwise_store::TeamSummary> for TeamSummary {
    fn from(t: stepwise_store::TeamSummary) -> Self {
        Self {
            team: t.team,
            locality: t.locality,
            workers: all(t.workers),
            unallocated: t.unallocated,
        }
    }
}

// The subject access pack, downloaded as JSON from the pack's page. It is an export, not part
// of the API, so it is not in the OpenAPI document.

/// An address the person lived at, with when.
#[derive(Debug, Serialize)]
pub struct PackAddress {
    pub line1: String,
    pub town: String,
    pub postcode: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl From<stepwise_store::PackAddress> for PackAddress {
    fn from(a: stepwise_store::PackAddress) -> Self {
        Self {
            line1: a.line1,
            town: a.town,
            postcode: a.postcode,
            from: a.from,
            to: a.to,
        }
    }
}

/// Someone else who appears in the person's record: third-party information.
#[derive(Debug, Serialize)]
pub struct ThirdParty {
    pub local_id: String,
    pub name: String,
    /// How they appear: "Mother", "Lived in the same household", ...
    pub connection: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl From<stepwise_store::ThirdParty> for ThirdParty {
    fn from(t: stepwise_store::ThirdParty) -> Self {
        Self {
            local_id: t.local_id,
            name: t.name,
            connection: t.connection,
            from: t.from,
            to: t.to,
        }
    }
}

/// One chronology entry, with whether its free text needs a reviewer's eye.
#[derive(Debug, Serialize)]
pub struct PackEntry {
    pub entry: ChronologyEntry,
    /// The text names a third party, or is free text that may: review before release.
    pub review: bool,
    /// The third parties' names found in the text.
    pub names_found: Vec<String>,
}

impl From<stepwise_store::PackEntry> for PackEntry {
    fn from(e: stepwise_store::PackEntry) -> Self {
        Self {
            entry: e.entry.into(),
            review: e.review,
            names_found: e.names_found,
        }
    }
}

/// Everything held about one person, for a subject access request.
#[derive(Debug, Serialize)]
pub struct SubjectAccessPack {
    /// The request's reference, as the authority logged it.
    pub reference: String,
    pub prepared_at: DateTime<Utc>,
    pub prepared_by: String,
    pub local_id: String,
    pub person: Person,
    pub addresses: Vec<PackAddress>,
    /// Addresses left out because they were shared with someone whose restricted record the
    /// preparer may not open: the reviewer asks information governance before release.
    pub addresses_withheld: usize,
    /// Family and household members: third parties, to consider redacting.
    pub third_parties: Vec<ThirdParty>,
    pub chronology: Vec<PackEntry>,
    /// Who has looked at the record (staff acting in their role; usually released).
    pub access_log: Vec<AuditEntry>,
}

impl From<stepwise_store::SubjectAccessPack> for SubjectAccessPack {
    fn from(p: stepwise_store::SubjectAccessPack) -> Self {
        Self {
            reference: p.reference,
            prepared_at: p.prepared_at,
            prepared_by: p.prepared_by,
            local_id: p.local_id,
            person: p.person,
            addresses: all(p.addresses),
            addresses_withheld: p.addresses_withheld,
            third_parties: all(p.third_parties),
            chronology: all(p.chronology),
            access_log: all(p.access_log),
        }
    }
}
