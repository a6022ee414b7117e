//! Pseudonymised records, for performance analysts: children open today and their journeys,
//! with no name, date of birth, address, identifier, free text or worker's name. Each child has
//! a stable pseudonym computed with a key derived from the one held outside the database, so an analyst can follow
//! one child's journey without being able to tell who it is. Reading a pseudonymised journey is
//! audited on the child's record like any other read.

use chrono::NaiveDate;
use std::collections::HashMap;
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::codes::{Ethnicity, Sex};
use stepwise_domain::events::EventKind;
use stepwise_domain::ids::PersonId;
use stepwise_domain::need::LevelOfNeed;
use stepwise_domain::projection::{ChildState, effective_events};

use crate::StoreError;
use crate::audit::Actor;
use crate::events::{STATE_COLUMNS, state_from_row};
use crate::sql::Col;

/// A child open today, as an analyst sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudonymisedChild {
    pub pseudonym: String,
    /// Age in whole years today.
    pub age: Option<i32>,
    pub sex: Sex,
    /// The DfE ethnicity code.
    pub ethnicity: Ethnicity,
    /// The locality of the team holding the child.
    pub locality: Option<String>,
    pub open: Vec<stepwise_domain::projection::Involvement>,
    pub level_of_need: Option<LevelOfNeed>,
}

/// One event of a pseudonymised journey: when and what, with codes, and no free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudonymisedEvent {
    pub effective: NaiveDate,
    pub kind: String,
    pub summary: String,
}

/// A child's journey with nothing that identifies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudonymisedJourney {
    pub child: PseudonymisedChild,
    pub events: Vec<PseudonymisedEvent>,
}

impl crate::Journeys<'_> {
    /// The child's pseudonym: stable, and not reversible without the key. It is cut from an
    /// HMAC under the pseudonym key (derived from the master key for this purpose alone).
    /// An error when the digest cannot be made, never a pseudonym cut from zeros (which would
    /// give every child the same one).
    pub fn pseudonym(&self, child: PersonId) -> Result<String, StoreError> {
        let k = self
            .audit_key
            .pseudonym_digest(format!("stepwise-pseudonym|{}", child.0).as_bytes())?;
        Ok(format!("R{}", hex::encode_upper(&k[..5])))
    }

    async fn pseudonymise(
        &self,
        states: &[ChildState],
        today: NaiveDate,
    ) -> Result<Vec<PseudonymisedChild>, StoreError> {
        let people = self
            .people()
            .people_by_id(&states.iter().map(|s| s.child.0).collect::<Vec<_>>())
            .await?;
        let teams = self.organisation().teams().await?;
        let localities: HashMap<i64, String> = self
            .organisation()
            .localities()
            .await?
            .into_iter()
            .map(|l| (l.id.0, l.name))
            .collect();
        let mut out = Vec::with_capacity(states.len());
        for s in states {
            let Some(p) = people.get(&s.child.0) else {
                continue;
            };
            let locality = s
                .allocated
                .as_ref()
                .and_then(|a| teams.iter().find(|t| t.id == a.team))
                .and_then(|t| t.locality)
                .and_then(|l| localities.get(&l.0).cloned());
            out.push(PseudonymisedChild {
                pseudonym: self.pseudonym(s.child)?,
                age: p.age_on(today),
                sex: p.sex,
                ethnicity: p.ethnicity,
                locality,
                open: s.involvements(),
                level_of_need: s.level_of_need.clone(),
            });
        }
        Ok(out)
    }

    /// A page of the children open today, pseudonymised, in pseudonym order, with how many
    /// there are; restricted and sealed records are left out (and not counted).
    pub async fn pseudonymised_children(
        &self,
        today: NaiveDate,
        page: crate::PageRequest,
    ) -> Result<crate::Paged<PseudonymisedChild>, StoreError> {
        let states: Vec<ChildState> = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM child_state WHERE is_open = 1 AND child_id NOT IN (SELECT person_id FROM record_restrictions WHERE lifted_at IS NULL)"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(state_from_row)
        .collect::<Result<_, _>>()?;
        // Ordered by pseudonym; only the page shown is read in full.
        let mut keyed: Vec<(String, ChildState)> = states
            .into_iter()
            .map(|s| Ok((self.pseudonym(s.child)?, s)))
            .collect::<Result<_, StoreError>>()?;
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let page = crate::Paged::of(keyed, page);
        let states: Vec<ChildState> = page.items.iter().map(|(_, s)| s.clone()).collect();
        let rows = self.pseudonymise(&states, today).await?;
        Ok(crate::Paged {
            items: rows,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// One child's journey by pseudonym, audited on their record as a pseudonymised read.
    pub async fn pseudonymised_journey(
        &self,
        actor: &Actor,
        request_id: &str,
        pseudonym: &str,
        today: NaiveDate,
    ) -> Result<PseudonymisedJourney, StoreError> {
        let not_found = || StoreError::NotFound(format!("record {pseudonym}"));
        if pseudonym.len() != 11 || !pseudonym.starts_with('R') {
            return Err(not_found());
        }
        let restricted: std::collections::HashSet<i64> =
            sqlx::query("SELECT person_id FROM record_restrictions WHERE lifted_at IS NULL")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.i64("person_id"))
                .collect::<Result<_, _>>()?;
        let mut found = None;
        for r in sqlx::query("SELECT child_id FROM child_state")
            .fetch_all(&self.pool)
            .await?
        {
            let id = r.i64("child_id")?;
            if self.pseudonym(PersonId(id))? == pseudonym {
                found = Some(id);
                break;
            }
        }
        let Some(id) = found.filter(|id| !restricted.contains(id)) else {
            return Err(not_found());
        };
        let child = PersonId(id);
        let state = self.child_state(child).await?.ok_or_else(not_found)?;
        let log = self.child_log(child).await?;
        let events = effective_events(&log)
            .into_iter()
            .filter(|e| e.kind != EventKind::Withdrawn)
            .map(|e| PseudonymisedEvent {
                effective: e.effective,
                kind: e.kind.type_name().to_string(),
                summary: match &e.kind {
                    // Subjects and free text can name people: left out.
                    EventKind::CaseNote { .. } => "Case note".to_string(),
                    k => k.summary(),
                },
            })
            .collect();
        let mut children = self.pseudonymise(&[state], today).await?;
        let child_row = children.pop().ok_or_else(not_found)?;
        self.audit_log()
            .record(
                actor,
                AuditAction::RecordViewPseudonymised,
                &AuditSubject::Person(PersonId(id)),
                request_id,
                pseudonym,
            )
            .await?;
        Ok(PseudonymisedJourney {
            child: child_row,
            events,
        })
    }
}
