//! The reads practitioners live in: a child's record (audited on every open) and "my work".
//! These assemble the person, their family and household with who else is open, their
//! current involvements and what is due, and the chronology.

use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::ids::{PersonId, TeamId, UserId, local_person_id};
use stepwise_domain::need::LevelOfNeed;
use stepwise_domain::org::{Team, Worker};
use stepwise_domain::people::{Person, PersonKind, RelationshipKind};
use stepwise_domain::projection::ChildState;
use stepwise_domain::timescales::{DueItem, Timescales, due_items};

use stepwise_domain::access::{
    AccessPolicy, Basis, Decision, Disclosure, Permission, RestrictionKind, Viewer,
};

use crate::StoreError;
use crate::access::RestrictionRow;
use crate::audit::Actor;
use crate::events::{
    ChronologyEntry, ChronologyFilter, EVENT_COLUMNS, STATE_COLUMNS, event_from_row, state_from_row,
};
use crate::sql::{Col, parse_date};

/// Who is reading a record: the audit actor, the user as the policy sees them, and the policy.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub actor: &'a Actor,
    pub viewer: &'a Viewer,
    pub policy: &'a AccessPolicy,
}

/// Someone in the child's family or household.
#[derive(Debug, Clone, PartialEq)]
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
    pub open: Vec<stepwise_domain::projection::Involvement>,
    /// Their allocated worker, when open.
    pub worker: Option<String>,
    /// Set when their own record is restricted or sealed.
    pub restriction: Option<RestrictionKind>,
    /// Set when the reader may see nothing but the name (a restricted record they may not
    /// open now): then no date of birth, relationship, address, involvements or worker.
    pub name_only: bool,
}

/// Everything on a child's record page.
#[derive(Debug, Clone)]
pub struct ChildRecord {
    pub person: Person,
    pub local_id: String,
    pub state: ChildState,
    pub due: Vec<DueItem>,
    pub allocated_worker: Option<Worker>,
    pub allocated_team: Option<Team>,
    /// The independent reviewing officer appointed while a plan or a period of care is open.
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

/// A child on "my work".
#[derive(Debug, Clone, PartialEq)]
pub struct MyWorkChild {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub open: Vec<stepwise_domain::projection::Involvement>,
    pub level_of_need: Option<LevelOfNeed>,
    pub due: Vec<DueItem>,
    pub overdue: usize,
    pub next_due: Option<NaiveDate>,
    /// Set when the child's record is restricted and the reader may not see it now: then only
    /// the name is shown.
    pub restriction: Option<RestrictionKind>,
    /// For a contact waiting at the front door: what a screener needs to pick the next one.
    pub waiting: Option<WaitingContact>,
}

/// A contact waiting for the front door's decision: when it came, from whom, and about what.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingContact {
    pub received: NaiveDate,
    pub time: Option<chrono::NaiveTime>,
    /// The referral source in words ("Police", "Schools"), with its DfE code.
    pub source: String,
    /// The start of the concerns as written, at most 200 characters.
    pub concerns: String,
}

impl MyWorkChild {
    /// The line with nothing but the name (and the key the link to the record needs).
    fn name_only(mut self) -> Self {
        self.date_of_birth = None;
        self.open.clear();
        self.level_of_need = None;
        self.due.clear();
        self.overdue = 0;
        self.next_due = None;
        self.restriction = Some(RestrictionKind::Restricted);
        self.waiting = None;
        self
    }
}

/// How a team's list of children is narrowed (nothing set: every open child).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeamListFilter {
    /// Only the children allocated to this worker.
    pub worker: Option<i64>,
    /// Only the children with no allocated worker.
    pub unallocated: bool,
    /// Only the children with overdue work.
    pub overdue: bool,
}

/// One of a team's open children, with the worker it is allocated to (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamChild {
    pub child: MyWorkChild,
    pub worker_id: Option<i64>,
}

/// A child's line on a work list: what is open and what is due.
fn work_child(
    s: &ChildState,
    p: Option<&Person>,
    cal: &WorkingDayCalendar,
    t: &Timescales,
    today: NaiveDate,
) -> MyWorkChild {
    let due = due_items(s, cal, t);
    MyWorkChild {
        id: s.child.0,
        local_id: local_person_id(s.child),
        name: p.map(Person::display_name).unwrap_or_default(),
        date_of_birth: p.and_then(|p| p.date_of_birth.or(p.expected_date_of_birth)),
        open: s.involvements(),
        level_of_need: s.level_of_need.clone(),
        overdue: due.iter().filter(|d| d.overdue_on(today)).count(),
        next_due: due.first().map(|d| d.due),
        due,
        restriction: None,
        waiting: None,
    }
}

/// What an independent reviewing officer chairs.
const CHAIRED: [&str; 3] = [
    "Initial child protection conference",
    "Review child protection conference",
    "Looked-after review",
];

/// A child's line for the reviewing officer appointed to them (who is not their allocated
/// worker): only the conferences and reviews they chair, which are theirs to keep in time.
fn chaired_only(mut c: MyWorkChild, today: NaiveDate) -> MyWorkChild {
    c.due.retain(|d| CHAIRED.contains(&d.what.as_str()));
    c.overdue = c.due.iter().filter(|d| d.overdue_on(today)).count();
    c.next_due = c.due.first().map(|d| d.due);
    c
}

/// A record the user opened recently.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentView {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    /// When (UTC; pages show it in England's time).
    pub at: chrono::DateTime<chrono::Utc>,
}

/// What the signed-in worker must do: their children with what is due, contacts waiting at
/// the front door (for front-door staff), and records they opened recently.
#[derive(Debug, Clone)]
pub struct MyWork {
    pub children: Vec<MyWorkChild>,
    pub contacts_waiting: Vec<MyWorkChild>,
    pub contacts_waiting_total: i64,
    /// For an independent reviewing officer: the conferences and reviews overdue or due soon
    /// for children with no reviewing officer appointed (initial conferences, mostly), soonest
    /// first (at most `REVIEWS_SHOWN`), and how many there are in all.
    pub reviews_due: Vec<MyWorkChild>,
    pub reviews_due_total: i64,
    pub recent: Vec<RecentView>,
}

/// How far ahead a reviewing officer's list of conferences and reviews looks, in days.
pub const REVIEW_HORIZON_DAYS: u64 = 56;
/// The most conferences and reviews the list shows (the soonest).
pub const REVIEWS_SHOWN: usize = 100;

/// The detail of a `record.list` row: the list's name, then each person as ` person:N ` (with a
/// space either side, so that one person's rows can be found without matching another's).
pub(crate) fn list_detail(list: &str, ids: &[i64]) -> String {
    let mut d = format!("{list}:");
    for id in ids {
        d.push_str(&format!(" person:{id}"));
    }
    d.push(' ');
    d
}

fn relationship_label(
    kind: RelationshipKind,
    other: &Person,
    other_is_parent_of_child: bool,
) -> String {
    let sex = other.sex.as_str();
    match kind {
        RelationshipKind::Parent if other_is_parent_of_child => match sex {
            "F" => "Mother",
            "M" => "Father",
            _ => "Parent",
        },
        RelationshipKind::Parent => match sex {
            "F" => "Daughter",
            "M" => "Son",
            _ => "Child",
        },
        RelationshipKind::Carer if other_is_parent_of_child => "Carer",
        RelationshipKind::Carer => "Cared for",
        RelationshipKind::Sibling => match sex {
            "F" => "Sister",
            "M" => "Brother",
            _ => "Sibling",
        },
        RelationshipKind::HouseholdMember => "Household member",
        RelationshipKind::Other => "Other",
    }
    .to_string()
}

impl crate::People<'_> {
    /// What the access policy decides for `reader` using a record permission on one person,
    /// without auditing it (for a handler that only needs to know whether to ask for a reason).
    pub async fn record_decision(
        &self,
        reader: &Reader<'_>,
        child: PersonId,
        permission: Permission,
    ) -> Result<Decision, StoreError> {
        let now = self.now();
        let facts = self.governance().child_facts(child, now).await?;
        Ok(reader.policy.decide(reader.viewer, permission, &facts, now))
    }

    /// Decides whether `reader` may use a record permission on one person, auditing a refusal
    /// (`record.denied`, with the reason) on the person's access log, a request that still
    /// needs a stated reason included. Returns the basis of an allowed access. A person who
    /// does not exist and a sealed record the reader may not see get the same "not found";
    /// a restricted record that needs a reason says so only to a reader who could find it by
    /// name anyway (who holds `search_people`), and is a plain refusal to anyone else, so an
    /// id alone tells them nothing.
    pub async fn check_record_access(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        child: PersonId,
        permission: Permission,
    ) -> Result<Basis, StoreError> {
        if !self.people().person_exists(child).await? {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(child)
            )));
        }
        let now = self.now();
        let facts = self.governance().child_facts(child, now).await?;
        self.check_access_with(reader, request_id, child, permission, &facts, now)
            .await
    }

    /// `check_record_access` for a person known to exist whose facts are already read.
    async fn check_access_with(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        child: PersonId,
        permission: Permission,
        facts: &stepwise_domain::access::ChildFacts,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Basis, StoreError> {
        let decision = reader.policy.decide(reader.viewer, permission, facts, now);
        let (refusal, detail) = match decision {
            Decision::Allowed(basis) => return Ok(basis),
            Decision::NeedsReason
                if reader
                    .policy
                    .holds(reader.viewer.role, Permission::SearchPeople) =>
            {
                (
                    StoreError::ReasonNeeded(local_person_id(child)),
                    "restricted record, no reason stated".to_string(),
                )
            }
            Decision::NeedsReason => (
                StoreError::Forbidden(format!(
                    "the {} role cannot {} here",
                    reader.viewer.role.label(),
                    permission.label().to_lowercase()
                )),
                "restricted record, no reason stated".to_string(),
            ),
            // A sealed record is answered as if there were none.
            Decision::Hidden => (
                StoreError::NotFound(format!("person {}", local_person_id(child))),
                "sealed record".to_string(),
            ),
            Decision::Denied(reason) => (StoreError::Forbidden(reason.clone()), reason),
        };
        self.audit_log()
            .record(
                reader.actor,
                AuditAction::RecordDenied,
                &AuditSubject::Person(child),
                request_id,
                &format!("{}: {detail}", permission.as_str()),
            )
            .await?;
        Err(refusal)
    }

    /// The one place that decides how much of each person `reader` may see where they appear
    /// beside someone else (a family or household panel, a shared address, a work list, a
    /// subject access pack), by `AccessPolicy::disclose`. Each sight of a protected person's
    /// details is logged on that person's access log (`record.reveal`, saying where and on
    /// what basis) before anything is returned. People not asked about are shown in full.
    pub async fn disclosures(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        ids: &[i64],
        via: &str,
    ) -> Result<HashMap<i64, Disclosure>, StoreError> {
        let restrictions = self.governance().restrictions(ids).await?;
        self.disclosures_with(reader, request_id, ids, via, &restrictions)
            .await
    }

    /// `disclosures` for a caller that has already read the people's restrictions.
    pub(crate) async fn disclosures_with(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        ids: &[i64],
        via: &str,
        restrictions: &HashMap<i64, crate::RestrictionRow>,
    ) -> Result<HashMap<i64, Disclosure>, StoreError> {
        let out = self.disclosure_map_with(reader, ids, restrictions).await?;
        let reveals: Vec<(i64, String)> = ids
            .iter()
            .filter_map(|id| match out.get(id) {
                Some(Disclosure::Full { reveal: Some(b) }) => Some((*id, b.describe())),
                _ => None,
            })
            .collect();
        if !reveals.is_empty() {
            let mut tx = self.write().await?;
            for (id, basis) in reveals {
                tx.audit(
                    reader.actor,
                    AuditAction::RecordReveal,
                    &AuditSubject::Person(PersonId(id)),
                    request_id,
                    &format!("{via}; {basis}"),
                )
                .await?;
            }
            tx.commit().await?;
        }
        Ok(out)
    }

    /// What `disclosures` decides, without logging anything: for figures that show no one's
    /// details (how many children a worker holds), never for what is shown.
    pub(crate) async fn disclosure_map(
        &self,
        reader: &Reader<'_>,
        ids: &[i64],
    ) -> Result<HashMap<i64, Disclosure>, StoreError> {
        let restrictions = self.governance().restrictions(ids).await?;
        self.disclosure_map_with(reader, ids, &restrictions).await
    }

    /// `disclosure_map` with the people's restrictions already read.
    async fn disclosure_map_with(
        &self,
        reader: &Reader<'_>,
        ids: &[i64],
        restrictions: &HashMap<i64, crate::RestrictionRow>,
    ) -> Result<HashMap<i64, Disclosure>, StoreError> {
        let now = self.now();
        let mut out = HashMap::new();
        for id in ids {
            let d = if restrictions.contains_key(id) {
                let facts = self.governance().child_facts(PersonId(*id), now).await?;
                reader.policy.disclose(reader.viewer, &facts, now)
            } else {
                Disclosure::Full { reveal: None }
            };
            out.insert(*id, d);
        }
        Ok(out)
    }

    /// Audits one view of a list of people (`record.list`): one row for the whole list, naming
    /// each person shown, so that a person's access log can show where they appeared.
    pub async fn audit_list(
        &self,
        actor: &Actor,
        request_id: &str,
        list: &str,
        ids: &[i64],
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.audit_log()
            .record(
                actor,
                AuditAction::RecordList,
                &AuditSubject::List(list.to_string()),
                request_id,
                &list_detail(list, ids),
            )
            .await?;
        Ok(())
    }

    /// Opens a person's record. The access policy decides first, from the reader's role and
    /// scope and relationship to the person; a refusal is audited and returns
    /// `StoreError::Forbidden`. An allowed read is audited (who, which record, when, the
    /// request, the basis) before anything is returned.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_child_record(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        child: PersonId,
        filter: &ChronologyFilter,
        today: NaiveDate,
        cal: &WorkingDayCalendar,
        via: &str,
    ) -> Result<ChildRecord, StoreError> {
        let Some(person) = self.person(child).await? else {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(child)
            )));
        };
        // The state and restriction are read once, for the access decision and the record.
        let now = self.now();
        let state = self.journeys().child_state(child).await?;
        let restriction = self.governance().restriction(child).await?;
        let facts = self
            .governance()
            .child_facts_from(child, state.as_ref(), restriction.as_ref(), now)
            .await?;
        let basis = self
            .check_access_with(
                reader,
                request_id,
                child,
                Permission::ViewChildRecord,
                &facts,
                now,
            )
            .await?;
        // Through the audit writer, which commits concurrent reads' entries together.
        self.audit_log()
            .record(
                reader.actor,
                AuditAction::RecordView,
                &AuditSubject::Person(child),
                request_id,
                &format!("{via}; {}", basis.describe()),
            )
            .await?;

        let state = state.unwrap_or_else(|| ChildState::new(child));
        let due = due_items(&state, cal, &Timescales::default());
        // The allocated worker and team only (a record read does not load the organisation).
        let (allocated_worker, allocated_team) = match &state.allocated {
            Some(a) => (
                self.organisation().worker(a.worker).await?,
                self.organisation().team(a.team).await?,
            ),
            None => (None, None),
        };
        let reviewing_officer = match &state.reviewing_officer {
            Some(a) => self.organisation().worker(a.worker).await?,
            None => None,
        };

        // Household now, and relationships recorded either way.
        let mut related: BTreeMap<i64, (Option<RelationshipKind>, bool, bool)> = BTreeMap::new();
        for r in sqlx::query("SELECT person_id, related_id, kind FROM relationships WHERE person_id = $1 OR related_id = $1")
            .bind(child.0)
            .fetch_all(&self.pool)
            .await?
        {
            let (a, b) = (r.i64("person_id")?, r.i64("related_id")?);
            let kind = RelationshipKind::parse(&r.text("kind")?);
            let (other, other_is_source) = if a == child.0 { (b, false) } else { (a, true) };
            let e = related.entry(other).or_insert((None, false, false));
            if e.0.is_none() || kind == Some(RelationshipKind::Parent) {
                e.0 = kind;
                // For "X is parent of Y": if the other person is the source, they are the parent.
                e.2 = other_is_source;
            }
        }
        let mut address = None;
        let mut postcode = None;
        let mut locality = None;
        // The child's household now: its members and its current address, in one read.
        for m in sqlx::query(
            "SELECT m.person_id, a.line1, a.town, a.postcode, l.name AS locality \
             FROM household_members c \
             JOIN household_members m ON m.household_id = c.household_id AND m.to_date IS NULL \
             LEFT JOIN addresses a ON a.household_id = c.household_id AND a.end_date IS NULL \
             LEFT JOIN localities l ON l.id = a.locality_id \
             WHERE c.person_id = $1 AND c.to_date IS NULL",
        )
        .bind(child.0)
        .fetch_all(&self.pool)
        .await?
        {
            let p = m.i64("person_id")?;
            if p != child.0 {
                related
                    .entry(p)
                    .or_insert((Some(RelationshipKind::HouseholdMember), false, false))
                    .1 = true;
            }
            if address.is_none()
                && let Some(line1) = m.opt_text("line1")?
            {
                address = Some(format!(
                    "{}, {}",
                    line1,
                    m.opt_text("town")?.unwrap_or_default()
                ));
                postcode = m.opt_text("postcode")?;
                locality = m.opt_text("locality")?;
            }
        }
        let ids: Vec<i64> = related.keys().copied().collect();
        let people = self.people().people_by_id(&ids).await?;
        // What is open for each family member and who holds them, from their projections in
        // one read (worker names from the organisation as kept).
        let mut open: HashMap<i64, Vec<stepwise_domain::projection::Involvement>> = HashMap::new();
        let mut allocated: BTreeMap<i64, String> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {STATE_COLUMNS} FROM child_state WHERE is_open = 1 AND child_id IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let s = state_from_row(&r)?;
                if let Some(a) = &s.allocated
                    && let Some(w) = self.organisation().worker(a.worker).await?
                {
                    allocated.insert(s.child.0, w.name);
                }
                open.insert(s.child.0, s.involvements());
            }
        }
        // A family member's protected record shows as the access policy's one rule says: a
        // sealed one is left out unless the reader may see sealed records, a restricted one
        // shows its name only unless the reader may open it now (and then the sight is logged
        // on that member's access log).
        let restrictions = self.governance().restrictions(&ids).await?;
        let shown = self
            .disclosures_with(
                reader,
                request_id,
                &ids,
                &format!("family panel of {} ({via})", local_person_id(child)),
                &restrictions,
            )
            .await?;
        // An address shared with someone whose restricted record the reader may not see is not
        // shown either: it would say where they live.
        let address_withheld = related
            .iter()
            .any(|(id, (_, lives, _))| *lives && shown.get(id) == Some(&Disclosure::NameOnly));
        if address_withheld {
            address = None;
            postcode = None;
            locality = None;
        }
        let mut family: Vec<FamilyMember> = related
            .iter()
            .filter_map(|(id, (kind, lives, other_is_source))| {
                let p = people.get(id)?;
                let shown = shown.get(id)?;
                if shown.hidden() {
                    return None;
                }
                let restriction = restrictions.get(id).map(|r| r.kind);
                let hide = !shown.full();
                let rel = if hide {
                    "Relationship not shown".to_string()
                } else {
                    relationship_label(kind.unwrap_or(RelationshipKind::Other), p, *other_is_source)
                };
                Some(FamilyMember {
                    id: *id,
                    local_id: local_person_id(PersonId(*id)),
                    name: p.display_name(),
                    kind: p.kind,
                    relationship: rel,
                    date_of_birth: if hide {
                        None
                    } else {
                        p.date_of_birth.or(p.expected_date_of_birth)
                    },
                    age: if hide { None } else { p.age_on(today) },
                    lives_with_child: *lives && !hide,
                    open: if hide {
                        Vec::new()
                    } else {
                        open.get(id).cloned().unwrap_or_default()
                    },
                    worker: if hide {
                        None
                    } else {
                        allocated.get(id).cloned()
                    },
                    restriction,
                    name_only: hide,
                })
            })
            .collect();
        // Adults first, then children oldest first; those in the household before others.
        family.sort_by(|a, b| {
            b.lives_with_child
                .cmp(&a.lives_with_child)
                .then_with(|| {
                    (a.kind == PersonKind::Adult)
                        .cmp(&(b.kind == PersonKind::Adult))
                        .reverse()
                })
                .then_with(|| a.date_of_birth.cmp(&b.date_of_birth))
        });
        let (chronology, chronology_total) = self.journeys().chronology(child, filter).await?;
        Ok(ChildRecord {
            local_id: local_person_id(child),
            person,
            state,
            due,
            allocated_worker,
            allocated_team,
            reviewing_officer,
            family,
            address,
            postcode,
            locality,
            address_withheld,
            chronology,
            chronology_total,
            restriction,
        })
    }

    /// Applies the access policy's one rule to a work list: sealed children the reader may not
    /// see are left out, restricted ones they may not open now show their name only.
    async fn protect_list(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        list: Vec<MyWorkChild>,
        via: &str,
    ) -> Result<Vec<MyWorkChild>, StoreError> {
        let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
        let shown = self.disclosures(reader, request_id, &ids, via).await?;
        Ok(list
            .into_iter()
            .filter_map(|c| match shown.get(&c.id) {
                Some(Disclosure::Full { .. }) => Some(c),
                Some(Disclosure::NameOnly) => Some(c.name_only()),
                Some(Disclosure::Hidden) | None => None,
            })
            .collect())
    }

    /// The latest contact received for each of these children waiting at the front door.
    async fn waiting_contacts(
        &self,
        states: &[ChildState],
    ) -> Result<HashMap<i64, WaitingContact>, StoreError> {
        let mut out = HashMap::new();
        let ids: Vec<i64> = states
            .iter()
            .filter(|s| s.pending_contact.is_some())
            .map(|s| s.child.0)
            .collect();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE kind = 'contact_received' AND child_id IN ({}) ORDER BY seq",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let e = event_from_row(&r)?;
                if let stepwise_domain::events::EventKind::ContactReceived {
                    source,
                    concerns,
                    ..
                } = &e.kind
                {
                    out.insert(
                        e.child.0,
                        WaitingContact {
                            received: e.effective,
                            time: e.effective_time,
                            source: source.described(),
                            concerns: concerns.chars().take(200).collect(),
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    /// "My work" for the reader's worker (and the reader's recent views), with front-door
    /// contacts awaiting a decision when `front_door`. Protected children are shown as the
    /// access policy's one rule says (`disclosures`), and the view is audited as one
    /// `record.list` row naming every child shown.
    #[allow(clippy::too_many_arguments)]
    pub async fn my_work(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        user_id: UserId,
        worker: Option<i64>,
        front_door: bool,
        today: NaiveDate,
        cal: &WorkingDayCalendar,
    ) -> Result<MyWork, StoreError> {
        let t = Timescales::default();
        let to_child = |s: &ChildState, p: Option<&Person>| work_child(s, p, cal, &t, today);
        let mut children = Vec::new();
        if let Some(w) = worker {
            // The children allocated to the worker, and those they review as the appointed
            // independent reviewing officer.
            let states: Vec<ChildState> = sqlx::query(&format!(
                "SELECT {STATE_COLUMNS} FROM child_state WHERE worker_id = $1 AND is_open = 1 \
                 UNION SELECT {STATE_COLUMNS} FROM child_state WHERE reviewing_officer_id = $2 AND is_open = 1"
            ))
            .bind(w)
            .bind(w)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(state_from_row)
            .collect::<Result<_, _>>()?;
            let people = self
                .people()
                .people_by_id(&states.iter().map(|s| s.child.0).collect::<Vec<_>>())
                .await?;
            children = states
                .iter()
                .map(|s| {
                    let c = to_child(s, people.get(&s.child.0));
                    let reviewer_only = s
                        .reviewing_officer
                        .as_ref()
                        .is_some_and(|r| r.worker.0 == w)
                        && s.allocated.as_ref().is_none_or(|a| a.worker.0 != w);
                    if reviewer_only {
                        chaired_only(c, today)
                    } else {
                        c
                    }
                })
                .collect();
            // A new contact about one of the worker's children waits at the front door: say
            // so on the child's line, so the worker knows before the decision reaches them.
            let pending: Vec<ChildState> = states
                .iter()
                .filter(|s| s.pending_contact.is_some())
                .cloned()
                .collect();
            let waiting = self.waiting_contacts(&pending).await?;
            for c in &mut children {
                c.waiting = waiting.get(&c.id).cloned();
            }
            children = self
                .protect_list(reader, request_id, children, "my work")
                .await?;
            children.sort_by(|a: &MyWorkChild, b: &MyWorkChild| {
                b.overdue.cmp(&a.overdue).then(a.next_due.cmp(&b.next_due))
            });
        }
        let mut contacts_waiting = Vec::new();
        let mut contacts_waiting_total = 0;
        if front_door {
            // Sealed records are not counted for those who may not see them.
            let sees_sealed = reader
                .policy
                .holds(reader.viewer.role, Permission::ViewSealedRecords);
            let unsealed = if sees_sealed {
                ""
            } else {
                " AND child_id NOT IN (SELECT person_id FROM record_restrictions WHERE lifted_at IS NULL AND kind = 'sealed')"
            };
            contacts_waiting_total = sqlx::query(&format!(
                "SELECT COUNT(*) AS n FROM child_state WHERE awaiting_decision = 1{unsealed}"
            ))
            .fetch_one(&self.pool)
            .await?
            .i64("n")?;
            let states: Vec<ChildState> = sqlx::query(&format!("SELECT {STATE_COLUMNS} FROM child_state WHERE awaiting_decision = 1{unsealed} ORDER BY last_effective LIMIT 50"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(state_from_row)
                .collect::<Result<_, _>>()?;
            let people = self
                .people()
                .people_by_id(&states.iter().map(|s| s.child.0).collect::<Vec<_>>())
                .await?;
            let waiting = self.waiting_contacts(&states).await?;
            contacts_waiting = states
                .iter()
                .map(|s| MyWorkChild {
                    waiting: waiting.get(&s.child.0).cloned(),
                    ..to_child(s, people.get(&s.child.0))
                })
                .collect();
            contacts_waiting = self
                .protect_list(
                    reader,
                    request_id,
                    contacts_waiting,
                    "contacts awaiting a decision",
                )
                .await?;
        }
        let mut recent = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in sqlx::query("SELECT subject, at FROM audit_log WHERE actor LIKE $1 AND action = 'record.view' ORDER BY seq DESC LIMIT 50")
            .bind(format!("{}%", Actor::user_prefix(user_id)))
            .fetch_all(&self.pool)
            .await?
        {
            let subject = r.text("subject")?;
            let Some(id) = subject.strip_prefix("person:").and_then(|s| s.parse::<i64>().ok()) else { continue };
            if seen.insert(id) && seen.len() <= 8 {
                recent.push((id, r.text("at")?));
            }
        }
        // A record sealed since it was opened is no longer there; a restricted one shows only
        // its name, which is all a recent view shows.
        let shown = self
            .disclosures(
                reader,
                request_id,
                &recent.iter().map(|r| r.0).collect::<Vec<_>>(),
                "recently viewed",
            )
            .await?;
        recent.retain(|(id, _)| shown.get(id).is_some_and(|d| !d.hidden()));
        let people = self
            .people()
            .people_by_id(&recent.iter().map(|r| r.0).collect::<Vec<_>>())
            .await?;
        let recent: Vec<RecentView> = recent
            .into_iter()
            .map(|(id, at)| {
                Ok(RecentView {
                    id,
                    local_id: local_person_id(PersonId(id)),
                    name: people
                        .get(&id)
                        .map(Person::display_name)
                        .unwrap_or_default(),
                    at: crate::sql::parse_time(&at)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let (reviews_due, reviews_due_total) =
            if reader.viewer.role == stepwise_domain::access::Role::IndependentReviewingOfficer {
                self.reviews_due(reader, request_id, today, cal).await?
            } else {
                (Vec::new(), 0)
            };
        let listed: Vec<i64> = children
            .iter()
            .chain(contacts_waiting.iter())
            .chain(reviews_due.iter())
            .map(|c| c.id)
            .chain(recent.iter().map(|r| r.id))
            .collect();
        self.audit_list(reader.actor, request_id, "my work", &listed)
            .await?;
        Ok(MyWork {
            children,
            contacts_waiting,
            contacts_waiting_total,
            reviews_due,
            reviews_due_total,
            recent,
        })
    }

    /// The conferences and reviews awaiting a chair: those overdue or due within
    /// `REVIEW_HORIZON_DAYS` for children with no reviewing officer appointed, soonest first:
    /// initial and review child protection conferences and looked-after reviews, one line per
    /// child (its soonest), at most
    /// `REVIEWS_SHOWN`, with how many there are in all. Sealed records the reader may not see
    /// are neither shown nor counted; restricted ones show by name only.
    async fn reviews_due(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        today: NaiveDate,
        cal: &WorkingDayCalendar,
    ) -> Result<(Vec<MyWorkChild>, i64), StoreError> {
        let t = Timescales::default();
        let horizon = today + chrono::Days::new(REVIEW_HORIZON_DAYS);
        let mut due: Vec<(ChildState, DueItem)> = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE is_open = 1 AND reviewing_officer_id IS NULL"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(state_from_row)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|s| {
            let d = due_items(&s, cal, &t)
                .into_iter()
                .filter(|d| CHAIRED.contains(&d.what.as_str()) && d.due <= horizon)
                .min_by_key(|d| d.due)?;
            Some((s, d))
        })
        .collect();
        due.sort_by(|a, b| a.1.due.cmp(&b.1.due).then(a.0.child.cmp(&b.0.child)));
        // Sealed records the reader may not see are not counted either.
        let ids: Vec<i64> = due.iter().map(|(s, _)| s.child.0).collect();
        let restrictions = self.governance().restrictions(&ids).await?;
        let sees_sealed = reader
            .policy
            .holds(reader.viewer.role, Permission::ViewSealedRecords);
        due.retain(|(s, _)| {
            sees_sealed
                || restrictions
                    .get(&s.child.0)
                    .is_none_or(|r| r.kind != RestrictionKind::Sealed)
        });
        let total = i64::try_from(due.len()).unwrap_or(i64::MAX);
        due.truncate(REVIEWS_SHOWN);
        let people = self
            .people()
            .people_by_id(&due.iter().map(|(s, _)| s.child.0).collect::<Vec<_>>())
            .await?;
        let list: Vec<MyWorkChild> = due
            .into_iter()
            .map(|(s, d)| {
                let mut c = work_child(&s, people.get(&s.child.0), cal, &t, today);
                c.overdue = usize::from(d.due < today);
                c.next_due = Some(d.due);
                c.due = vec![d];
                c
            })
            .collect();
        let list = self
            .protect_list(reader, request_id, list, "conferences and reviews due")
            .await?;
        Ok((list, total))
    }

    /// A page of a team's open children with what is due, unallocated children first, then
    /// the most overdue, and how many the whole list holds; narrowed by `filter` (one worker's
    /// children, unallocated only, overdue only). For users who may open case records: the list
    /// names children. Protected children are shown as the access policy's one rule says (a
    /// restricted child's worker is not shown either): sealed children the reader may not see
    /// are neither listed nor counted, and a child shown by name only is left out of a
    /// narrowed list, which would otherwise say who holds them or that their work is overdue.
    /// The view is audited as one `record.list` row naming every child shown on the page, and
    /// only the page's protected children are revealed (`record.reveal`).
    #[allow(clippy::too_many_arguments)]
    pub async fn team_children(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        team: TeamId,
        filter: TeamListFilter,
        page: crate::PageRequest,
        today: NaiveDate,
        cal: &WorkingDayCalendar,
    ) -> Result<crate::Paged<TeamChild>, StoreError> {
        let t = Timescales::default();
        let sql = format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE team_id = $1 AND is_open = 1{}",
            if filter.worker.is_some() {
                " AND worker_id = $2"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql).bind(team.0);
        if let Some(w) = filter.worker {
            q = q.bind(w);
        }
        let states: Vec<ChildState> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(state_from_row)
            .collect::<Result<_, _>>()?;
        let ids: Vec<i64> = states.iter().map(|s| s.child.0).collect();
        let people = self.people().people_by_id(&ids).await?;
        // Decided for the whole list (to count and order it) without logging; the reveals are
        // logged below for the page shown.
        let decided = self.disclosure_map(reader, &ids).await?;
        let narrowed = filter.worker.is_some() || filter.unallocated || filter.overdue;
        let mut out: Vec<TeamChild> = states
            .iter()
            .filter_map(|s| {
                let child = work_child(s, people.get(&s.child.0), cal, &t, today);
                match decided.get(&s.child.0)? {
                    Disclosure::Full { .. } => Some(TeamChild {
                        worker_id: s.allocated.as_ref().map(|a| a.worker.0),
                        child,
                    }),
                    Disclosure::NameOnly if narrowed => None,
                    Disclosure::NameOnly => Some(TeamChild {
                        worker_id: None,
                        child: child.name_only(),
                    }),
                    Disclosure::Hidden => None,
                }
            })
            .filter(|c| !filter.unallocated || c.worker_id.is_none())
            .filter(|c| !filter.overdue || c.child.overdue > 0)
            .collect();
        out.sort_by(|a, b| {
            a.worker_id
                .is_some()
                .cmp(&b.worker_id.is_some())
                .then(b.child.overdue.cmp(&a.child.overdue))
                .then(a.child.next_due.cmp(&b.child.next_due))
                .then(a.child.id.cmp(&b.child.id))
        });
        let out = crate::Paged::of(out, page);
        let shown: Vec<i64> = out.items.iter().map(|c| c.child.id).collect();
        self.disclosures(reader, request_id, &shown, &format!("team {} list", team.0))
            .await?;
        self.audit_list(
            reader.actor,
            request_id,
            &format!("team {}", team.0),
            &shown,
        )
        .await?;
        Ok(out)
    }

    /// The latest effective date in the journey log: "today" for a demo database.
    pub async fn latest_event_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        sqlx::query("SELECT MAX(effective) AS d FROM events")
            .fetch_one(&self.pool)
            .await?
            .opt_text("d")?
            .map(|d| parse_date(&d))
            .transpose()
    }
}
