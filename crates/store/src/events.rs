//! The journey event log and the projection it feeds. An event, the child's updated projection
//! and the audit row that records the write commit in one transaction, or none of them do.

use chrono::{NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

use stepwise_domain::events::{EventCategory, EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::{EventSeq, PersonId, WorkerId};
use stepwise_domain::projection::{ChildState, Involvement, check_new_event, replay};

use crate::audit::{Actor, append_in};
use crate::sql::{Col, date, parse_clock, parse_date, parse_time, time};
use crate::{Store, StoreError};

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
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ChronologyEntry {
    #[schema(value_type = i64)]
    pub seq: EventSeq,
    pub effective: NaiveDate,
    pub recorded_at: String,
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

pub(crate) const EVENT_COLUMNS: &str = "seq, child_id, effective, effective_time, recorded_at, recorded_by, kind, supersedes, supersede_reason, payload";

/// Reads one event row.
pub(crate) fn event_from_row(r: &AnyRow) -> Result<JourneyEvent, StoreError> {
    let payload = r.text("payload")?;
    let kind: EventKind = serde_json::from_str(&payload)
        .map_err(|e| StoreError::corrupt(format!("event payload: {e}")))?;
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
            team: s.allocated.as_ref().map(|a| a.team.0),
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
        "INSERT INTO child_state (child_id, state, is_open, early_help, child_in_need, child_protection, looked_after, care_leaver, awaiting_decision, level, worker_id, team_id, legal_status, placement, last_effective, last_recorded, last_seq, events) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (child_id) DO UPDATE SET state = excluded.state, is_open = excluded.is_open, early_help = excluded.early_help, \
         child_in_need = excluded.child_in_need, child_protection = excluded.child_protection, looked_after = excluded.looked_after, \
         care_leaver = excluded.care_leaver, awaiting_decision = excluded.awaiting_decision, level = excluded.level, worker_id = excluded.worker_id, team_id = excluded.team_id, \
         legal_status = excluded.legal_status, placement = excluded.placement, last_effective = excluded.last_effective, \
         last_recorded = excluded.last_recorded, last_seq = excluded.last_seq, events = excluded.events",
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
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Appends an event to a child's journey. The event is checked against the child's record
    /// (codes for its collection year, the transition rules, corrections naming a real earlier
    /// event); if refused nothing is written. Otherwise the event, the child's projection and an
    /// audit row commit together. Returns the event with its position in the log.
    pub async fn append_event(
        &self,
        actor: &Actor,
        request_id: &str,
        mut e: JourneyEvent,
    ) -> Result<JourneyEvent, StoreError> {
        let mut tx = self.begin_write().await?;
        let kind = sqlx::query("SELECT kind FROM persons WHERE id = $1")
            .bind(e.child.0)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.text("kind"))
            .transpose()?;
        match kind.as_deref() {
            None => return Err(StoreError::NotFound(format!("child {}", e.child))),
            Some("adult") => {
                return Err(StoreError::Invalid(format!(
                    "person {} is an adult; journey events are recorded for children",
                    e.child
                )));
            }
            _ => {}
        }
        let log = load_log(&mut tx, e.child).await?;
        let state = match sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE child_id = $1"
        ))
        .bind(e.child.0)
        .fetch_optional(&mut *tx)
        .await?
        {
            Some(r) => state_from_row(&r)?,
            None => replay(e.child, &log),
        };
        check_new_event(&log, &state, &e)?;
        let payload =
            serde_json::to_string(&e.kind).map_err(|x| StoreError::corrupt(x.to_string()))?;
        let seq = sqlx::query(
            "INSERT INTO events (child_id, effective, effective_time, recorded_at, recorded_by, kind, category, significant, supersedes, supersede_reason, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq",
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
        .bind(payload)
        .fetch_one(&mut *tx)
        .await?
        .i64("seq")?;
        e.seq = EventSeq(seq);
        let next = if state.can_append_in_order(&e) {
            let mut s = state;
            s.apply(&e);
            s
        } else {
            let mut all = log;
            all.push(e.clone());
            replay(e.child, &all)
        };
        save_state(&mut tx, &next).await?;
        append_in(
            &mut tx,
            &self.audit_key,
            Utc::now(),
            actor,
            "event.record",
            &format!("person:{}", e.child),
            request_id,
            &format!("event {seq} {}", e.kind.type_name()),
        )
        .await?;
        tx.commit().await?;
        Ok(e)
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

    pub(crate) async fn chronology(
        &self,
        child: PersonId,
        f: &ChronologyFilter,
    ) -> Result<(Vec<ChronologyEntry>, i64), StoreError> {
        let mut sql = "SELECT e.seq, e.child_id, e.effective, e.effective_time, e.recorded_at, e.recorded_by, e.kind, e.supersedes, e.supersede_reason, e.payload, w.name AS worker_name \
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
        let count_sql = format!("SELECT COUNT(*) AS n FROM ({sql}) AS q");
        sql.push_str(" ORDER BY e.effective DESC, e.recorded_at DESC, e.seq DESC");
        let limit = if f.limit > 0 { f.limit } else { 500 };
        sql.push_str(&format!(" LIMIT {limit}"));
        let mut q = sqlx::query(&sql).bind(child.0);
        let mut cq = sqlx::query(&count_sql).bind(child.0);
        for b in &binds {
            q = q.bind(b.clone());
            cq = cq.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let total = cq.fetch_one(&self.pool).await?.i64("n")?;
        let corrections: HashMap<i64, i64> = sqlx::query(
            "SELECT seq, supersedes FROM events WHERE child_id = $1 AND supersedes IS NOT NULL",
        )
        .bind(child.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.i64("supersedes")?, r.i64("seq")?)))
        .collect::<Result<_, StoreError>>()?;
        let entries = rows
            .iter()
            .map(|r| {
                let e = event_from_row(r)?;
                Ok(ChronologyEntry {
                    seq: e.seq,
                    effective: e.effective,
                    recorded_at: stepwise_domain::localtime::show_as(
                        e.recorded_at,
                        "%d/%m/%Y %H:%M",
                    ),
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
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((entries, total))
    }
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
