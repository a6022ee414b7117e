//! The journey event log and the projection it feeds. An event, the child's updated projection
//! and the audit row that records the write commit in one transaction, or none of them do.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::DomainError;
use stepwise_domain::commands::NewEvent;
use stepwise_domain::events::{EventCategory, EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::{EventSeq, PersonId, WorkerId, local_person_id};
use stepwise_domain::projection::{ChildState, Involvement, check_new_event, new_breaches, replay};

use crate::StoreError;
use crate::audit::Actor;
use crate::sql::{Col, date, parse_clock, parse_date, parse_time, time};

/// Who a recording form is about, and where their journey stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingHeader {
    pub child: PersonId,
    pub local_id: String,
    pub name: String,
    pub state: ChildState,
    /// The entry the form corrects, if it corrects one.
    pub entry: Option<ChronologyEntry>,
}

/// Which events a chronology shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChronologyFilter {
    /// Only these families of event; empty means all.
    pub categories: Vec<EventCategory>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Leave out routine visits, notes and contacts.
    pub significant_only: bool,
    pub limit: i64,
}

/// One line of a chronology.
#[derive(Debug, Clone, PartialEq)]
pub struct ChronologyEntry {
    pub seq: EventSeq,
    pub effective: NaiveDate,
    /// When it was recorded (UTC; pages show it in England's time).
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub recorded_by: String,
    pub kind: String,
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

pub(crate) const EVENT_COLUMNS: &str = "seq, child_id, effective, effective_time, recorded_at, recorded_by, kind, supersedes, supersede_reason, payload_version, payload";

/// Reads one event row.
pub(crate) fn event_from_row(r: &AnyRow) -> Result<JourneyEvent, StoreError> {
    let payload = r.text("payload")?;
    let kind = stepwise_domain::payload::decode(r.i64("payload_version")?, &payload)
        .map_err(|e| StoreError::corrupt(format!("event {}: {e}", r.i64("seq").unwrap_or(0))))?;
    let supersedes = match (r.opt_i64("supersedes")?, r.opt_text("supersede_reason")?) {
        (Some(s), reason) => Some(Supersession {
            event: EventSeq(s),
            reason: reason.unwrap_or_default(),
        }),
        (None, _) => None,
    };
    Ok(JourneyEvent {
        seq: EventSeq(r.i64("seq")?),
        child: PersonId(r.i64("child_id")?),
        effective: parse_date(&r.text("effective")?)?,
        effective_time: r
            .opt_text("effective_time")?
            .map(|t| parse_clock(&t))
            .transpose()?,
        recorded_at: parse_time(&r.text("recorded_at")?)?,
        recorded_by: WorkerId(r.i64("recorded_by")?),
        supersedes,
        kind,
    })
}

/// The free text an event carries, for display.
pub(crate) fn event_text(k: &EventKind) -> Option<String> {
    match k {
        EventKind::CaseNote { text, .. } => Some(text.clone()),
        EventKind::ContactReceived { concerns, .. } => Some(concerns.clone()),
        EventKind::ContactDecided { reason, .. }
        | EventKind::SteppedUp { reason, .. }
        | EventKind::SteppedDown { reason, .. } => Some(reason.clone()),
        _ => None,
    }
    .filter(|t| !t.is_empty())
}

/// The values of the stored projection row for a state.
pub(crate) struct StateRow {
    pub child: i64,
    pub json: String,
    pub flags: [i64; 7],
    pub level: Option<String>,
    pub worker: Option<i64>,
    pub team: Option<i64>,
    pub reviewing_officer: Option<i64>,
    pub legal_status: Option<String>,
    pub placement: Option<String>,
    pub last_effective: Option<String>,
    pub last_recorded: Option<String>,
    pub last_seq: Option<i64>,
    pub events: i64,
}

impl StateRow {
    pub(crate) fn from_state(s: &ChildState) -> Result<Self, StoreError> {
        let inv = s.involvements();
        let has = |i: Involvement| i64::from(inv.contains(&i));
        Ok(Self {
            child: s.child.0,
            json: serde_json::to_string(s).map_err(|e| StoreError::corrupt(e.to_string()))?,
            flags: [
                i64::from(!inv.is_empty()),
                has(Involvement::EarlyHelp),
                i64::from(s.referral.is_some()),
                has(Involvement::ChildProtection),
                has(Involvement::LookedAfter),
                has(Involvement::CareLeaver),
                has(Involvement::FrontDoor),
            ],
            level: s.level_of_need.as_ref().map(|l| l.to_string()),
            worker: s.allocated.as_ref().map(|a| a.worker.0),
            // The team holding the child: their worker's, or the one they wait in for a worker.
            team: s
                .allocated
                .as_ref()
                .map(|a| a.team.0)
                .or(s.awaiting_team.map(|t| t.0)),
            reviewing_officer: s.reviewing_officer.as_ref().map(|a| a.worker.0),
            legal_status: s
                .looked_after
                .as_ref()
                .map(|l| l.placement.legal_status.to_string()),
            placement: s
                .looked_after
                .as_ref()
                .map(|l| l.placement.placement.to_string()),
            last_effective: s.last_key.map(|k| date(k.0)),
            last_recorded: s.last_key.map(|k| time(k.1)),
            last_seq: s.last_key.map(|k| k.2),
            events: i64::try_from(s.events_applied).unwrap_or(i64::MAX),
        })
    }
}

pub(crate) const STATE_COLUMNS: &str = "child_id, state, is_open, early_help, child_in_need, child_protection, looked_after, care_leaver, awaiting_decision, level, worker_id, team_id, legal_status, placement, last_effective, last_recorded, last_seq, events";

/// Reads a stored projection, restoring the ordering key kept beside the JSON.
pub(crate) fn state_from_row(r: &AnyRow) -> Result<ChildState, StoreError> {
    let mut s: ChildState = serde_json::from_str(&r.text("state")?)
        .map_err(|e| StoreError::corrupt(format!("child state: {e}")))?;
    s.last_key = match (
        r.opt_text("last_effective")?,
        r.opt_text("last_recorded")?,
        r.opt_i64("last_seq")?,
    ) {
        (Some(e), Some(t), Some(q)) => Some((parse_date(&e)?, parse_time(&t)?, q)),
        _ => None,
    };
    Ok(s)
}

async fn save_state(tx: &mut Transaction<'static, Any>, s: &ChildState) -> Result<(), StoreError> {
    let r = StateRow::from_state(s)?;
    sqlx::query(
        "INSERT INTO child_state (child_id, state, is_open, early_help, child_in_need, child_protection, looked_after, care_leaver, awaiting_decision, level, worker_id, team_id, legal_status, placement, last_effective, last_recorded, last_seq, events, reviewing_officer_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (child_id) DO UPDATE SET state = excluded.state, is_open = excluded.is_open, early_help = excluded.early_help, \
         child_in_need = excluded.child_in_need, child_protection = excluded.child_protection, looked_after = excluded.looked_after, \
         care_leaver = excluded.care_leaver, awaiting_decision = excluded.awaiting_decision, level = excluded.level, worker_id = excluded.worker_id, team_id = excluded.team_id, \
         legal_status = excluded.legal_status, placement = excluded.placement, last_effective = excluded.last_effective, \
         last_recorded = excluded.last_recorded, last_seq = excluded.last_seq, events = excluded.events, \
         reviewing_officer_id = excluded.reviewing_officer_id",
    )
    .bind(r.child)
    .bind(r.json)
    .bind(r.flags[0])
    .bind(r.flags[1])
    .bind(r.flags[2])
    .bind(r.flags[3])
    .bind(r.flags[4])
    .bind(r.flags[5])
    .bind(r.flags[6])
    .bind(r.level)
    .bind(r.worker)
    .bind(r.team)
    .bind(r.legal_status)
    .bind(r.placement)
    .bind(r.last_effective)
    .bind(r.last_recorded)
    .bind(r.last_seq)
    .bind(r.events)
    .bind(r.reviewing_officer)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl crate::Journeys<'_> {
    /// Records an event on a child's journey: the one write path for casework. The caller
    /// supplies what was asked for (a `NewEvent`, made by a command); the store gives it its
    /// position, the time from its clock and the author from the acting user, so that none of
    /// them can be supplied by a caller. The event is checked against the child's record
    /// (codes for its collection year, the transition rules, a correction naming a real earlier
    /// event); a late entry or a correction is also checked against the rest of the history as
    /// it would then stand, and refused, naming the later event and the rule, if it would leave
    /// an event without its precondition. If refused nothing is written. Otherwise the event,
    /// the child's projection and an audit row commit together; the recorded event is returned.
    /// Only a late entry or a correction reads the child's whole log.
    pub async fn record(
        &self,
        actor: &Actor,
        request_id: &str,
        new: NewEvent,
    ) -> Result<JourneyEvent, StoreError> {
        let mut tx = self.write().await?;
        let recorded_by = author(tx.tx(), actor).await?;
        let e = self.append(tx.tx(), recorded_by, new).await?;
        tx.audit(
            actor,
            AuditAction::EventRecord,
            &AuditSubject::Person(e.child),
            request_id,
            &format!("event {} {}", e.seq, e.kind.type_name()),
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Appends one event inside a write that the caller commits (with its audit row): the
    /// checks and the projection update of [`Self::record`], for a change that writes several
    /// events at once (a contact about siblings, a decision and its routing). If it fails, the
    /// caller's write must not be committed.
    pub(crate) async fn append(
        &self,
        tx: &mut Transaction<'static, Any>,
        recorded_by: WorkerId,
        new: NewEvent,
    ) -> Result<JourneyEvent, StoreError> {
        let kind = sqlx::query("SELECT kind FROM persons WHERE id = $1")
            .bind(new.child.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.text("kind"))
            .transpose()?;
        match kind.as_deref() {
            None => return Err(StoreError::NotFound(format!("child {}", new.child))),
            Some("adult") => {
                return Err(StoreError::Invalid(format!(
                    "person {} is an adult; journey events are recorded for children",
                    new.child
                )));
            }
            _ => {}
        }
        let mut e = JourneyEvent {
            seq: EventSeq(0),
            child: new.child,
            effective: new.effective,
            effective_time: new.effective_time,
            // Stored to the microsecond, so the event returned is the event stored.
            recorded_at: chrono::SubsecRound::trunc_subsecs(self.now(), 6),
            recorded_by,
            supersedes: new.supersedes,
            kind: new.kind,
        };
        let stored = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE child_id = $1"
        ))
        .bind(e.child.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| state_from_row(&r))
        .transpose()?;
        // In order, the stored projection is all the check needs; otherwise read the log.
        let (state, log) = match stored {
            Some(s) if s.can_append_in_order(&e) => (s, None),
            stored => {
                let log = load_log(tx, e.child).await?;
                let s = stored.unwrap_or_else(|| replay(e.child, &log));
                (s, Some(log))
            }
        };
        match &log {
            None => state.check(&e)?,
            Some(log) => check_new_event(log, &state, &e)?,
        }
        let (version, payload) = stepwise_domain::payload::encode(&e.kind)?;
        let seq = sqlx::query(
            "INSERT INTO events (child_id, effective, effective_time, recorded_at, recorded_by, kind, category, significant, supersedes, supersede_reason, payload_version, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq",
        )
        .bind(e.child.0)
        .bind(date(e.effective))
        .bind(e.effective_time.map(|t| t.format("%H:%M:%S").to_string()))
        .bind(time(e.recorded_at))
        .bind(e.recorded_by.0)
        .bind(e.kind.type_name())
        .bind(e.kind.category().as_str())
        .bind(i64::from(e.kind.is_significant()))
        .bind(e.supersedes.as_ref().map(|s| s.event.0))
        .bind(e.supersedes.as_ref().map(|s| s.reason.clone()))
        .bind(i64::from(version))
        .bind(payload)
        .fetch_one(&mut **tx)
        .await?
        .i64("seq")?;
        e.seq = EventSeq(seq);
        let next = match log {
            None => {
                let mut s = state;
                s.apply(&e);
                s
            }
            Some(log) => {
                let mut after = log.clone();
                after.push(e.clone());
                // The history as it would stand must not leave a later event without what it
                // needs (a late "referral closed" before an assessment, a withdrawn plan start
                // before its review). Breaches the history already held do not count.
                if let Some(b) = new_breaches(e.child, &log, &after).into_iter().next() {
                    return Err(StoreError::Rule(DomainError::Transition {
                        event: e.kind.type_name().to_string(),
                        rule: format!(
                            "it would leave entry {} ({}, {}) without its precondition: {}",
                            b.event,
                            b.kind.replace('_', " "),
                            b.effective.format("%d/%m/%Y"),
                            b.rule
                        ),
                    }));
                }
                replay(e.child, &after)
            }
        };
        save_state(tx, &next).await?;
        Ok(e)
    }

    /// Opens a child's record to record something on it: checks `permission` (a `record_*`
    /// permission) for the child as any record read is checked, loads who the child is and
    /// where their journey stands, and audits the sight (`record.view`, naming the form). For
    /// the heading and defaults of a recording form.
    pub async fn open_for_recording(
        &self,
        reader: &crate::Reader<'_>,
        request_id: &str,
        child: PersonId,
        permission: stepwise_domain::access::Permission,
        form: &str,
        entry: Option<EventSeq>,
    ) -> Result<RecordingHeader, StoreError> {
        self.people()
            .check_record_access(reader, request_id, child, permission)
            .await?;
        // An entry to correct is shown only to a reader who may record its family.
        let entry = match entry {
            None => None,
            Some(seq) => {
                let Some((family, _)) = self.event_family(child, seq).await? else {
                    return Err(StoreError::NotFound(format!(
                        "entry {seq} of {}",
                        local_person_id(child)
                    )));
                };
                self.people()
                    .check_record_access(
                        reader,
                        request_id,
                        child,
                        stepwise_domain::access::Permission::to_record(family),
                    )
                    .await?;
                self.chronology_entry(child, seq).await?
            }
        };
        let person =
            self.people().person(child).await?.ok_or_else(|| {
                StoreError::NotFound(format!("person {}", local_person_id(child)))
            })?;
        let state = self
            .child_state(child)
            .await?
            .unwrap_or_else(|| ChildState::new(child));
        self.audit_log()
            .record(
                reader.actor,
                AuditAction::RecordView,
                &AuditSubject::Person(child),
                request_id,
                &format!("{form} form"),
            )
            .await?;
        Ok(RecordingHeader {
            child,
            local_id: local_person_id(child),
            name: person.display_name(),
            state,
            entry,
        })
    }

    /// The family and kind of one event of a child's journey, if the child has it; for the
    /// permission check before a correction, which needs the right to record the family of the
    /// entry it corrects.
    pub async fn event_family(
        &self,
        child: PersonId,
        event: EventSeq,
    ) -> Result<Option<(EventCategory, String)>, StoreError> {
        let row = sqlx::query("SELECT category, kind FROM events WHERE child_id = $1 AND seq = $2")
            .bind(child.0)
            .bind(event.0)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let c = r.text("category")?;
        let category = EventCategory::parse(&c)
            .ok_or_else(|| StoreError::corrupt(format!("event {event}: family {c:?}")))?;
        Ok(Some((category, r.text("kind")?)))
    }

    /// A child's whole log in log order. Internal use: reading a record goes through
    /// `open_child_record`, which is access-checked and audited by its caller.
    pub async fn child_log(&self, child: PersonId) -> Result<Vec<JourneyEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE child_id = $1 ORDER BY seq"
        ))
        .bind(child.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The stored projection of a child, if they have one.
    pub async fn child_state(&self, child: PersonId) -> Result<Option<ChildState>, StoreError> {
        sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE child_id = $1"
        ))
        .bind(child.0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| state_from_row(&r))
        .transpose()
    }

    /// Rebuilds every child's projection from the log and reports the children whose stored
    /// projection differed (it should be none).
    pub async fn check_projections(&self) -> Result<Vec<PersonId>, StoreError> {
        let children: Vec<i64> =
            sqlx::query("SELECT DISTINCT child_id FROM events ORDER BY child_id")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.i64("child_id"))
                .collect::<Result<_, _>>()?;
        let mut differ = Vec::new();
        for c in children {
            let id = PersonId(c);
            let full = replay(id, &self.child_log(id).await?);
            if self.child_state(id).await?.as_ref() != Some(&full) {
                differ.push(id);
            }
        }
        Ok(differ)
    }

    /// One line of a child's chronology, if the child's record holds that entry.
    async fn chronology_entry(
        &self,
        child: PersonId,
        seq: EventSeq,
    ) -> Result<Option<ChronologyEntry>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT e.seq, e.child_id, e.effective, e.effective_time, e.recorded_at, e.recorded_by, e.kind, e.supersedes, e.supersede_reason, e.payload_version, e.payload, w.name AS worker_name \
             FROM events e LEFT JOIN workers w ON w.id = e.recorded_by WHERE e.child_id = $1 AND e.seq = $2",
        )
        .bind(child.0)
        .bind(seq.0)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let corrections: HashMap<i64, i64> = sqlx::query(
            "SELECT seq, supersedes FROM events WHERE child_id = $1 AND supersedes = $2",
        )
        .bind(child.0)
        .bind(seq.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.i64("supersedes")?, r.i64("seq")?)))
        .collect::<Result<_, StoreError>>()?;
        entry_from_row(&row, &corrections).map(Some)
    }

    /// A page of a child's chronology, newest first, with how many entries match the filter
    /// and which later entry corrects each: one query (the count is a window over the matches,
    /// taken before the limit; the correction is found through the `events_supersedes` index).
    pub(crate) async fn chronology(
        &self,
        child: PersonId,
        f: &ChronologyFilter,
    ) -> Result<(Vec<ChronologyEntry>, i64), StoreError> {
        let mut sql = "SELECT e.seq, e.child_id, e.effective, e.effective_time, e.recorded_at, e.recorded_by, e.kind, e.supersedes, e.supersede_reason, e.payload_version, e.payload, w.name AS worker_name, \
             COUNT(*) OVER () AS total, \
             (SELECT MAX(c.seq) FROM events c WHERE c.child_id = e.child_id AND c.supersedes = e.seq) AS corrected_by \
             FROM events e LEFT JOIN workers w ON w.id = e.recorded_by WHERE e.child_id = $1".to_string();
        let mut binds: Vec<String> = Vec::new();
        let mut n = 1;
        let mut next = |binds: &mut Vec<String>, v: String| {
            n += 1;
            binds.push(v);
            format!("${n}")
        };
        if !f.categories.is_empty() {
            let ph: Vec<String> = f
                .categories
                .iter()
                .map(|c| next(&mut binds, c.as_str().to_string()))
                .collect();
            sql.push_str(&format!(" AND e.category IN ({})", ph.join(", ")));
        }
        if let Some(from) = f.from {
            let p = next(&mut binds, date(from));
            sql.push_str(&format!(" AND e.effective >= {p}"));
        }
        if let Some(to) = f.to {
            let p = next(&mut binds, date(to));
            sql.push_str(&format!(" AND e.effective <= {p}"));
        }
        if f.significant_only {
            sql.push_str(" AND e.significant = 1");
        }
        sql.push_str(" ORDER BY e.effective DESC, e.recorded_at DESC, e.seq DESC");
        let limit = if f.limit > 0 { f.limit } else { 500 };
        sql.push_str(&format!(" LIMIT {limit}"));
        let mut q = sqlx::query(&sql).bind(child.0);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        // No row means nothing matches: the page is never past the end (there is no offset).
        let total = match rows.first() {
            Some(r) => r.i64("total")?,
            None => 0,
        };
        let mut corrections: HashMap<i64, i64> = HashMap::new();
        for r in &rows {
            if let Some(by) = r.opt_i64("corrected_by")? {
                corrections.insert(r.i64("seq")?, by);
            }
        }
        let entries = rows
            .iter()
            .map(|r| entry_from_row(r, &corrections))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((entries, total))
    }
}

/// The worker who records an entry: the acting user's own worker in the establishment, read
/// here rather than taken from the caller. Stepwise itself (an import, the demo) records as
/// worker 0, shown as "Stepwise".
pub(crate) async fn author(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
) -> Result<WorkerId, StoreError> {
    match actor {
        Actor::User { id, .. } => {
            let worker = sqlx::query("SELECT worker_id FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| r.opt_i64("worker_id"))
                .transpose()?
                .flatten();
            worker.map(WorkerId).ok_or_else(|| {
                StoreError::Invalid(
                    "your account is not linked to a worker in the establishment, so nothing can be recorded under your name: ask an administrator to link it".to_string(),
                )
            })
        }
        Actor::System(_) => Ok(WorkerId(0)),
        Actor::Anonymous => Err(StoreError::Invalid(
            "nothing can be recorded without signing in".to_string(),
        )),
    }
}

/// One chronology line from a row of the chronology query, with the corrections of the log.
fn entry_from_row(
    r: &AnyRow,
    corrections: &HashMap<i64, i64>,
) -> Result<ChronologyEntry, StoreError> {
    let e = event_from_row(r)?;
    Ok(ChronologyEntry {
        seq: e.seq,
        effective: e.effective,
        recorded_at: e.recorded_at,
        recorded_by: r
            .opt_text("worker_name")?
            .unwrap_or_else(|| "Stepwise".to_string()),
        kind: e.kind.type_name().to_string(),
        category: e.kind.category(),
        summary: e.kind.summary(),
        text: event_text(&e.kind),
        corrects: e.supersedes.as_ref().map(|s| s.event.0),
        correction_reason: e.supersedes.as_ref().map(|s| s.reason.clone()),
        corrected_by: corrections.get(&e.seq.0).copied(),
    })
}

async fn load_log(
    tx: &mut Transaction<'static, Any>,
    child: PersonId,
) -> Result<Vec<JourneyEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE child_id = $1 ORDER BY seq"
    ))
    .bind(child.0)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(event_from_row).collect()
}
