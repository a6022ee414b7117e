//! The disposal review queue: every person's record assessed against the retention schedule,
//! those due for review by a date, and the decision information governance makes on each (keep
//! it until a later review, or dispose of it), recorded with the reason and audited in the same
//! transaction. A decision is never changed: a later one supersedes it.

use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::ids::{EventSeq, PersonId, local_person_id};
use stepwise_domain::people::PersonKind;
use stepwise_domain::retention::{RetentionClass, RetentionSchedule, assess};

use crate::StoreError;
use crate::audit::Actor;
use crate::snapshot::ChildHistory;
use crate::sql::{Col, date, opt_date, parse_date, time};

/// A record due for disposal review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalCandidate {
    pub person_id: PersonId,
    pub local_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// The class whose rule governs, as stored.
    pub governing: String,
    pub due: NaiveDate,
    pub last_activity: Option<NaiveDate>,
    /// The rule in plain words.
    pub reason: String,
    /// The latest decision, if one was made before (a keep whose review date has come).
    pub previous: Option<String>,
}

/// One child's assessment, as the queue needs it.
#[derive(Debug, Clone)]
pub(crate) struct Assessed {
    name: String,
    date_of_birth: Option<NaiveDate>,
    governing: String,
    due: Option<NaiveDate>,
    last_activity: Option<NaiveDate>,
    reason: String,
}

/// The assessments as of a position in the log, under one schedule.
#[derive(Debug, Default)]
pub(crate) struct RetentionCache {
    fingerprint: String,
    seq: i64,
    assessed: std::sync::Arc<BTreeMap<i64, Assessed>>,
}

/// What is decided about a record due for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionDecision {
    /// Keep it, and review it again on a date.
    Keep { review_on: NaiveDate },
    /// Dispose of it.
    Dispose,
}

impl crate::Governance<'_> {
    /// Records due for disposal review on or before `as_at`, soonest first, leaving out those
    /// whose latest decision is to keep them until a later date, or to dispose of them: the
    /// requested page, with how many records are due in all.
    pub async fn disposal_queue(
        &self,
        schedule: &RetentionSchedule,
        as_at: NaiveDate,
        page: crate::PageRequest,
    ) -> Result<crate::Paged<DisposalCandidate>, StoreError> {
        // The latest decision for each person.
        let mut decided: HashMap<i64, (String, Option<NaiveDate>)> = HashMap::new();
        for r in sqlx::query(
            "SELECT person_id, decision, review_on FROM retention_decisions ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let review = r
                .opt_text("review_on")?
                .map(|d| parse_date(&d))
                .transpose()?;
            decided.insert(r.i64("person_id")?, (r.text("decision")?, review));
        }
        let assessed = self.assessments(schedule).await?;
        let mut out = Vec::new();
        for (id, a) in assessed.iter() {
            let Some(due) = a.due.filter(|d| *d <= as_at) else {
                continue;
            };
            let previous = match decided.get(id) {
                Some((d, _)) if d == "dispose" => continue,
                Some((_, Some(review))) if *review > as_at => continue,
                Some((d, review)) => Some(match review {
                    Some(r) => format!("{d} until {r}"),
                    None => d.clone(),
                }),
                None => None,
            };
            out.push(DisposalCandidate {
                person_id: PersonId(*id),
                local_id: local_person_id(PersonId(*id)),
                name: a.name.clone(),
                date_of_birth: a.date_of_birth,
                governing: a.governing.clone(),
                due,
                last_activity: a.last_activity,
                reason: a.reason.clone(),
                previous,
            });
        }
        out.sort_by(|a, b| a.due.cmp(&b.due).then(a.person_id.cmp(&b.person_id)));
        Ok(crate::Paged::of(out, page))
    }

    /// Assesses every record now, so the first look at the disposal queue is quick (run in the
    /// background when the server starts).
    pub async fn warm_retention(&self, schedule: &RetentionSchedule) -> Result<(), StoreError> {
        self.assessments(schedule).await.map(|_| ())
    }

    /// Every child's retention assessment, from the cache brought up to date: the first call
    /// assesses every child in the log snapshot (`Journeys::log_snapshot`); later calls assess
    /// only the children with events appended since (or everyone again if the schedule
    /// changed).
    async fn assessments(
        &self,
        schedule: &RetentionSchedule,
    ) -> Result<std::sync::Arc<BTreeMap<i64, Assessed>>, StoreError> {
        let fingerprint = serde_json::to_string(schedule)
            .map_err(|e| StoreError::corrupt(format!("retention schedule: {e}")))?;
        let mut cache = self.retention_cache.lock().await;
        let snapshot = self.journeys().log_snapshot().await?;
        let head = snapshot.seq().0;
        if cache.fingerprint == fingerprint && cache.seq == head {
            return Ok(cache.assessed.clone());
        }
        let full = cache.fingerprint != fingerprint || cache.seq > head;
        let logs: Vec<(i64, &ChildHistory)> = if full {
            snapshot.iter().map(|(id, h)| (id.0, h)).collect()
        } else {
            snapshot
                .changed_since(EventSeq(cache.seq))
                .map(|(id, h)| (id.0, h))
                .collect()
        };
        let people = self
            .people()
            .people_by_id(&logs.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .await?;
        let mut assessed: BTreeMap<i64, Assessed> = if full {
            BTreeMap::new()
        } else {
            (*cache.assessed).clone()
        };
        for (id, log) in &logs {
            let Some(p) = people.get(id) else { continue };
            if p.kind == PersonKind::Adult && log.is_empty() {
                continue;
            }
            let a = assess(p, log, schedule);
            assessed.insert(
                *id,
                Assessed {
                    name: p.display_name(),
                    date_of_birth: p.date_of_birth,
                    governing: a.governing.as_str().to_string(),
                    due: a.due,
                    last_activity: a.last_activity,
                    reason: a.reason,
                },
            );
        }
        let assessed = std::sync::Arc::new(assessed);
        *cache = RetentionCache {
            fingerprint,
            seq: head,
            assessed: assessed.clone(),
        };
        Ok(assessed)
    }

    /// Records a decision on a record due for review, with the reason, audited together.
    /// Refused: no reason, a review date not after `today`, a person who does not exist.
    pub async fn decide_retention(
        &self,
        actor: &Actor,
        request_id: &str,
        person: PersonId,
        decision: RetentionDecision,
        reason: &str,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        let reason = reason.trim();
        if reason.chars().count() < 10 {
            return Err(StoreError::Invalid(
                "give the reason for the decision in a sentence (at least 10 characters)".into(),
            ));
        }
        let (name, review) = match decision {
            RetentionDecision::Keep { review_on } if review_on <= today => {
                return Err(StoreError::Invalid(
                    "the next review must be after today".into(),
                ));
            }
            RetentionDecision::Keep { review_on } => ("keep", Some(review_on)),
            RetentionDecision::Dispose => ("dispose", None),
        };
        self.require_person(person).await?;
        let now = self.now();
        let mut tx = self.write().await?;
        let id = sqlx::query("INSERT INTO retention_decisions (person_id, decision, reason, review_on, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(person.0)
            .bind(name)
            .bind(reason)
            .bind(opt_date(review))
            .bind(actor.label())
            .bind(time(now))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        tx.audit(
            actor,
            AuditAction::RetentionDecision,
            &AuditSubject::Person(person),
            request_id,
            &match review {
                Some(r) => format!("keep until {}: {reason}", date(r)),
                None => format!("dispose: {reason}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// The stored name of a class, for pages.
pub fn class_label(stored: &str) -> &'static str {
    RetentionClass::parse(stored).map_or("Unknown", RetentionClass::label)
}
