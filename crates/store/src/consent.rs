//! Consent to share with partner agencies: recorded per person, with the agency, the lawful
//! basis, who gave it and when it ends; withdrawn, never deleted. A partner professional sees
//! the people whose consent to share with their agency is in force, and for each only a short
//! summary (what is open and who to contact), every look audited on the person's record.

use chrono::NaiveDate;
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::access::{AGENCIES, SHARING_BASES};
use stepwise_domain::ids::{PersonId, UserId, local_person_id};

use crate::StoreError;
use crate::audit::Actor;
use crate::sql::{Col, date, parse_date, time};

/// A consent to share, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: i64,
    pub person_id: PersonId,
    pub agency: String,
    pub basis: String,
    pub given_by: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub expires_on: NaiveDate,
    pub withdrawn_at: Option<String>,
    /// In force today: not withdrawn and not expired.
    pub active: bool,
}

/// What a partner agency sees of a person who consented to share with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedSummary {
    pub person_id: PersonId,
    pub local_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// What is open, in plain words.
    pub open: Vec<stepwise_domain::projection::Involvement>,
    /// Who to contact: the allocated worker and team.
    pub worker: Option<String>,
    pub team: Option<String>,
    pub consent_until: NaiveDate,
    pub basis: String,
}

fn consent_from_row(r: &sqlx::any::AnyRow, today: NaiveDate) -> Result<Consent, StoreError> {
    let expires_on = parse_date(&r.text("expires_on")?)?;
    let withdrawn_at = r.opt_text("withdrawn_at")?;
    Ok(Consent {
        id: r.i64("id")?,
        person_id: PersonId(r.i64("person_id")?),
        agency: r.text("agency")?,
        basis: r.text("basis")?,
        given_by: r.text("given_by")?,
        recorded_by: r.text("recorded_by")?,
        recorded_at: r.text("recorded_at")?,
        active: withdrawn_at.is_none() && today <= expires_on,
        expires_on,
        withdrawn_at,
    })
}

impl crate::Governance<'_> {
    /// Records a person's consent to share with an agency. Refused, changing nothing: an
    /// unknown agency or basis, no one named as giving it, an end date not after today or
    /// more than two years ahead, a person who does not exist. Audited with the change.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_consent(
        &self,
        actor: &Actor,
        request_id: &str,
        person: PersonId,
        agency: &str,
        basis: &str,
        given_by: &str,
        expires_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        if !AGENCIES.iter().any(|(a, _)| *a == agency) {
            return Err(StoreError::Invalid(format!(
                "{agency:?} is not a partner agency"
            )));
        }
        if !SHARING_BASES.iter().any(|(b, _)| *b == basis) {
            return Err(StoreError::Invalid(format!(
                "{basis:?} is not a basis for sharing"
            )));
        }
        let given_by = given_by.trim();
        if given_by.chars().count() < 3 || given_by.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "say who gave the consent, or why none was needed (3 to 200 characters)".into(),
            ));
        }
        if expires_on <= today {
            return Err(StoreError::Invalid(
                "the consent must end after today".into(),
            ));
        }
        if expires_on > today + chrono::Days::new(731) {
            return Err(StoreError::Invalid(
                "a consent can last at most two years; record it again when it is renewed".into(),
            ));
        }
        self.require_person(person).await?;
        let now = self.now();
        let mut tx = self.write().await?;
        let id = sqlx::query("INSERT INTO consents (person_id, agency, basis, given_by, recorded_by, recorded_at, expires_on) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(person.0)
            .bind(agency)
            .bind(basis)
            .bind(given_by)
            .bind(actor.label())
            .bind(time(now))
            .bind(date(expires_on))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        tx.audit(
            actor,
            AuditAction::ConsentRecord,
            &AuditSubject::Person(person),
            request_id,
            &format!(
                "share with {agency} on {basis} until {}, given by {given_by}",
                date(expires_on)
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Withdraws a consent from now. Refused when it does not belong to the person or has
    /// already been withdrawn.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        request_id: &str,
        person: PersonId,
        id: i64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut tx = self.write().await?;
        let n = sqlx::query("UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3 AND person_id = $4 AND withdrawn_at IS NULL")
            .bind(time(now))
            .bind(actor.label())
            .bind(id)
            .bind(person.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid(format!(
                "consent {id} is not in force on this record"
            )));
        }
        tx.audit(
            actor,
            AuditAction::ConsentWithdraw,
            &AuditSubject::Person(person),
            request_id,
            &format!("consent {id} withdrawn"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person's consents, newest first.
    pub async fn consents(
        &self,
        person: PersonId,
        today: NaiveDate,
    ) -> Result<Vec<Consent>, StoreError> {
        sqlx::query("SELECT id, person_id, agency, basis, given_by, recorded_by, recorded_at, expires_on, withdrawn_at FROM consents WHERE person_id = $1 ORDER BY id DESC")
            .bind(person.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| consent_from_row(r, today))
            .collect()
    }

    /// Sets the agency a partner professional's account belongs to.
    pub async fn set_user_agency(
        &self,
        user_id: UserId,
        agency: Option<&str>,
    ) -> Result<(), StoreError> {
        if let Some(a) = agency
            && !AGENCIES.iter().any(|(k, _)| *k == a)
        {
            return Err(StoreError::Invalid(format!(
                "{a:?} is not a partner agency"
            )));
        }
        sqlx::query("UPDATE users SET agency = $1 WHERE id = $2")
            .bind(agency)
            .bind(user_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The agency of a user's account, if any.
    pub async fn user_agency(&self, user_id: UserId) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query("SELECT agency FROM users WHERE id = $1")
            .bind(user_id.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.opt_text("agency"))
            .transpose()?
            .flatten())
    }

    /// The people whose consent to share with `agency` is in force today (restricted and
    /// sealed records are never shared this way).
    pub async fn shared_with(
        &self,
        agency: &str,
        today: NaiveDate,
    ) -> Result<Vec<SharedSummary>, StoreError> {
        let rows = sqlx::query("SELECT person_id, basis, expires_on FROM consents WHERE agency = $1 AND withdrawn_at IS NULL AND expires_on >= $2 AND person_id NOT IN (SELECT person_id FROM record_restrictions WHERE lifted_at IS NULL) ORDER BY person_id")
            .bind(agency)
            .bind(date(today))
            .fetch_all(&self.pool)
            .await?;
        let mut best: std::collections::BTreeMap<i64, (NaiveDate, String)> = Default::default();
        for r in &rows {
            let until = parse_date(&r.text("expires_on")?)?;
            let e = best
                .entry(r.i64("person_id")?)
                .or_insert((until, r.text("basis")?));
            if until > e.0 {
                *e = (until, r.text("basis")?);
            }
        }
        let ids: Vec<i64> = best.keys().copied().collect();
        let people = self.people().people_by_id(&ids).await?;
        let open = self.people().open_involvements(&ids).await?;
        let workers = self.organisation().workers().await?;
        let teams = self.organisation().teams().await?;
        let mut out = Vec::new();
        for (id, (until, basis)) in best {
            let Some(p) = people.get(&id) else { continue };
            let state = self.journeys().child_state(PersonId(id)).await?;
            let alloc = state.as_ref().and_then(|s| s.allocated.clone());
            out.push(SharedSummary {
                person_id: PersonId(id),
                local_id: local_person_id(PersonId(id)),
                name: p.display_name(),
                date_of_birth: p.date_of_birth,
                open: open.get(&id).cloned().unwrap_or_default(),
                worker: alloc
                    .as_ref()
                    .and_then(|a| workers.get(&a.worker.0))
                    .map(|w| w.name.clone()),
                team: alloc
                    .as_ref()
                    .and_then(|a| teams.iter().find(|t| t.id == a.team))
                    .map(|t| t.name.clone()),
                consent_until: until,
                basis,
            });
        }
        Ok(out)
    }

    /// What an agency sees of one person, if consent to share with it is in force; audited on
    /// the person's record. Without consent: "not found", and the attempt is audited too.
    pub async fn shared_summary(
        &self,
        actor: &Actor,
        request_id: &str,
        agency: &str,
        person: PersonId,
        today: NaiveDate,
    ) -> Result<SharedSummary, StoreError> {
        let found = self
            .shared_with(agency, today)
            .await?
            .into_iter()
            .find(|s| s.person_id == person);
        let subject = AuditSubject::Person(person);
        match found {
            Some(s) => {
                self.audit_log()
                    .record(
                        actor,
                        AuditAction::RecordViewShared,
                        &subject,
                        request_id,
                        agency,
                    )
                    .await?;
                Ok(s)
            }
            None => {
                self.audit_log()
                    .record(
                        actor,
                        AuditAction::RecordDenied,
                        &subject,
                        request_id,
                        &format!("view_shared: no consent for {agency}"),
                    )
                    .await?;
                Err(StoreError::NotFound(format!(
                    "person {}",
                    local_person_id(person)
                )))
            }
        }
    }
}
