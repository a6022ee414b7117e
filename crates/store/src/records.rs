//! The reads practitioners live in: a child's record (audited on every open) and "my work".
//! These assemble the person, their family and household with who else is open, their
//! current involvements and what is due, and the chronology.

use chrono::NaiveDate;
use std::collections::BTreeMap;

use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::ids::{PersonId, TeamId, local_person_id};
use stepwise_domain::org::{Team, Worker};
use stepwise_domain::people::{Person, PersonKind, RelationshipKind};
use stepwise_domain::projection::ChildState;
use stepwise_domain::timescales::{DueItem, Timescales, due_items};

use stepwise_domain::access::{AccessPolicy, Basis, Decision, Permission, RestrictionKind, Viewer};

use crate::access::RestrictionRow;
use crate::audit::{Actor, append_in};
use crate::events::{ChronologyEntry, ChronologyFilter, STATE_COLUMNS, state_from_row};
use crate::sql::{Col, parse_date};
use crate::{Store, StoreError};

/// Who is reading a record: the audit actor, the user as the policy sees them, and the policy.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub actor: &'a Actor,
    pub viewer: &'a Viewer,
    pub policy: &'a AccessPolicy,
}

/// Someone in the child's family or household.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
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
    pub open: Vec<String>,
    /// Their allocated worker, when open.
    pub worker: Option<String>,
    /// Set when their own record is restricted: then nothing but the name is shown.
    pub restriction: Option<RestrictionKind>,
}

/// Everything on a child's record page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChildRecord {
    #[schema(value_type = Object)]
    pub person: Person,
    pub local_id: String,
    pub state: ChildState,
    pub due: Vec<DueItem>,
    pub allocated_worker: Option<Worker>,
    pub allocated_team: Option<Team>,
    pub family: Vec<FamilyMember>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub locality: Option<String>,
    pub chronology: Vec<ChronologyEntry>,
    /// How many events match the filter (the chronology may show fewer).
    pub chronology_total: i64,
    /// The restriction or seal on this record, if any.
    pub restriction: Option<RestrictionRow>,
}

/// A child on "my work".
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MyWorkChild {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub open: Vec<String>,
    pub level_of_need: Option<String>,
    pub due: Vec<DueItem>,
    pub overdue: usize,
    pub next_due: Option<NaiveDate>,
}

/// One of a team's open children, with the worker it is allocated to (if any).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
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
        open: s
            .involvements()
            .iter()
            .map(|i| i.label().to_string())
            .collect(),
        level_of_need: s.level_of_need.clone(),
        overdue: due.iter().filter(|d| d.overdue_on(today)).count(),
        next_due: due.first().map(|d| d.due),
        due,
    }
}

/// A record the user opened recently.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RecentView {
    pub id: i64,
    pub local_id: String,
    pub name: String,
    pub at: String,
}

/// What the signed-in worker must do: their children with what is due, contacts waiting at
/// the front door (for front-door staff), and records they opened recently.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MyWork {
    pub children: Vec<MyWorkChild>,
    pub contacts_waiting: Vec<MyWorkChild>,
    pub contacts_waiting_total: i64,
    pub recent: Vec<RecentView>,
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

impl Store {
    /// Decides whether `reader` may use a record permission on one person, auditing a refusal
    /// (`record.denied`, with the reason). Returns the basis of an allowed access.
    pub async fn check_record_access(
        &self,
        reader: &Reader<'_>,
        request_id: &str,
        child: PersonId,
        permission: Permission,
    ) -> Result<Basis, StoreError> {
        let now = chrono::Utc::now();
        let facts = self.child_facts(child, now).await?;
        let (refusal, detail) = match reader.policy.decide(reader.viewer, permission, &facts, now) {
            Decision::Allowed(basis) => return Ok(basis),
            Decision::NeedsReason => return Err(StoreError::ReasonNeeded(local_person_id(child))),
            // A sealed record is answered as if there were none.
            Decision::Hidden => (
                StoreError::NotFound(format!("person {}", local_person_id(child))),
                "sealed record".to_string(),
            ),
            Decision::Denied(reason) => (StoreError::Forbidden(reason.clone()), reason),
        };
        self.audit(
            reader.actor,
            "record.denied",
            &format!("person:{}", child.0),
            request_id,
            &format!("{}: {detail}", permission.as_str()),
        )
        .await?;
        Err(refusal)
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
        let basis = self
            .check_record_access(reader, request_id, child, Permission::ViewChildRecord)
            .await?;
        let mut tx = self.pool.begin().await?;
        append_in(
            &mut tx,
            &self.audit_key,
            chrono::Utc::now(),
            reader.actor,
            "record.view",
            &format!("person:{}", child.0),
            request_id,
            &format!("{via}; {}", basis.describe()),
        )
        .await?;
        tx.commit().await?;

        let state = self
            .child_state(child)
            .await?
            .unwrap_or_else(|| ChildState::new(child));
        let due = due_items(&state, cal, &Timescales::default());
        let workers = self.workers().await?;
        let teams = self.teams().await?;
        let allocated_worker = state
            .allocated
            .as_ref()
            .and_then(|a| workers.get(&a.worker.0).cloned());
        let allocated_team = state
            .allocated
            .as_ref()
            .and_then(|a| teams.iter().find(|t| t.id == a.team).cloned());

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
        if let Some(h) = sqlx::query(
            "SELECT household_id FROM household_members WHERE person_id = $1 AND to_date IS NULL",
        )
        .bind(child.0)
        .fetch_optional(&self.pool)
        .await?
        {
            let hid = h.i64("household_id")?;
            for m in sqlx::query("SELECT person_id FROM household_members WHERE household_id = $1 AND to_date IS NULL").bind(hid).fetch_all(&self.pool).await? {
                let p = m.i64("person_id")?;
                if p != child.0 {
                    related.entry(p).or_insert((Some(RelationshipKind::HouseholdMember), false, false)).1 = true;
                }
            }
            if let Some(a) = sqlx::query(
                "SELECT a.line1, a.town, a.postcode, l.name AS locality FROM addresses a LEFT JOIN localities l ON l.id = a.locality_id WHERE a.household_id = $1 AND a.end_date IS NULL",
            )
            .bind(hid)
            .fetch_optional(&self.pool)
            .await?
            {
                address = Some(format!("{}, {}", a.text("line1")?, a.text("town")?));
                postcode = Some(a.text("postcode")?);
                locality = a.opt_text("locality")?;
            }
        }
        let ids: Vec<i64> = related.keys().copied().collect();
        let people = self.people(&ids).await?;
        let open = self.open_labels(&ids).await?;
        let mut allocated: BTreeMap<i64, String> = BTreeMap::new();
        for chunk in ids.chunks(200) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT child_id, worker_id FROM child_state WHERE is_open = 1 AND worker_id IS NOT NULL AND child_id IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                if let Some(w) = r.opt_i64("worker_id")?.and_then(|w| workers.get(&w)) {
                    allocated.insert(r.i64("child_id")?, w.name.clone());
                }
            }
        }
        // A family member's restricted record shows only their name here; a sealed one is left
        // out unless the reader may see sealed records.
        let restrictions = self.restrictions(&ids).await?;
        let sees_sealed = reader
            .policy
            .holds(reader.viewer.role, Permission::ViewSealedRecords);
        let mut family: Vec<FamilyMember> = related
            .iter()
            .filter_map(|(id, (kind, lives, other_is_source))| {
                let p = people.get(id)?;
                let restriction = restrictions.get(id).map(|r| r.kind);
                if restriction == Some(RestrictionKind::Sealed) && !sees_sealed {
                    return None;
                }
                let hide = restriction.is_some();
                let rel = relationship_label(
                    kind.unwrap_or(RelationshipKind::Other),
                    p,
                    *other_is_source,
                );
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
                    lives_with_child: *lives,
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
        let (chronology, chronology_total) = self.chronology(child, filter).await?;
        Ok(ChildRecord {
            local_id: local_person_id(child),
            person,
            state,
            due,
            allocated_worker,
            allocated_team,
            family,
            address,
            postcode,
            locality,
            chronology,
            chronology_total,
            restriction: self.restriction(child).await?,
        })
    }

    /// "My work" for a worker (and the user's recent views).
    pub async fn my_work(
        &self,
        user_id: i64,
        worker: Option<i64>,
        front_door: bool,
        today: NaiveDate,
        cal: &WorkingDayCalendar,
    ) -> Result<MyWork, StoreError> {
        let t = Timescales::default();
        let to_child = |s: &ChildState, p: Option<&Person>| work_child(s, p, cal, &t, today);
        let mut children = Vec::new();
        if let Some(w) = worker {
            let states: Vec<ChildState> = sqlx::query(&format!(
                "SELECT {STATE_COLUMNS} FROM child_state WHERE worker_id = $1 AND is_open = 1"
            ))
            .bind(w)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(state_from_row)
            .collect::<Result<_, _>>()?;
            let people = self
                .people(&states.iter().map(|s| s.child.0).collect::<Vec<_>>())
                .await?;
            children = states
                .iter()
                .map(|s| to_child(s, people.get(&s.child.0)))
                .collect();
            children.sort_by(|a: &MyWorkChild, b: &MyWorkChild| {
                b.overdue.cmp(&a.overdue).then(a.next_due.cmp(&b.next_due))
            });
        }
        let mut contacts_waiting = Vec::new();
        let mut contacts_waiting_total = 0;
        if front_door {
            contacts_waiting_total =
                sqlx::query("SELECT COUNT(*) AS n FROM child_state WHERE awaiting_decision = 1")
                    .fetch_one(&self.pool)
                    .await?
                    .i64("n")?;
            let states: Vec<ChildState> = sqlx::query(&format!("SELECT {STATE_COLUMNS} FROM child_state WHERE awaiting_decision = 1 ORDER BY last_effective LIMIT 50"))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(state_from_row)
                .collect::<Result<_, _>>()?;
            let people = self
                .people(&states.iter().map(|s| s.child.0).collect::<Vec<_>>())
                .await?;
            contacts_waiting = states
                .iter()
                .map(|s| to_child(s, people.get(&s.child.0)))
                .collect();
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
        let people = self
            .people(&recent.iter().map(|r| r.0).collect::<Vec<_>>())
            .await?;
        let recent = recent
            .into_iter()
            .map(|(id, at)| RecentView {
                id,
                local_id: local_person_id(PersonId(id)),
                name: people
                    .get(&id)
                    .map(Person::display_name)
                    .unwrap_or_default(),
                at: crate::sql::parse_time(&at)
                    .map(|t| t.format("%-d %b %Y %H:%M").to_string())
                    .unwrap_or(at),
            })
            .collect();
        Ok(MyWork {
            children,
            contacts_waiting,
            contacts_waiting_total,
            recent,
        })
    }

    /// A team's open children with what is due, most overdue first (unallocated children
    /// before the rest); only those of one worker when `worker` is given. For users who may
    /// open case records: the list names children.
    pub async fn team_children(
        &self,
        team: TeamId,
        worker: Option<i64>,
        today: NaiveDate,
        cal: &WorkingDayCalendar,
    ) -> Result<Vec<TeamChild>, StoreError> {
        let t = Timescales::default();
        let sql = format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE team_id = $1 AND is_open = 1{}",
            if worker.is_some() {
                " AND worker_id = $2"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql).bind(team.0);
        if let Some(w) = worker {
            q = q.bind(w);
        }
        let states: Vec<ChildState> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(state_from_row)
            .collect::<Result<_, _>>()?;
        let people = self
            .people(&states.iter().map(|s| s.child.0).collect::<Vec<_>>())
            .await?;
        let mut out: Vec<TeamChild> = states
            .iter()
            .map(|s| TeamChild {
                worker_id: s.allocated.as_ref().map(|a| a.worker.0),
                child: work_child(s, people.get(&s.child.0), cal, &t, today),
            })
            .collect();
        out.sort_by(|a, b| {
            a.worker_id
                .is_some()
                .cmp(&b.worker_id.is_some())
                .then(b.child.overdue.cmp(&a.child.overdue))
                .then(a.child.next_due.cmp(&b.child.next_due))
                .then(a.child.id.cmp(&b.child.id))
        });
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
