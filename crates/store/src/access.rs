//! What the access policy decides on, as stored: who a user is in the organisation (their team,
//! its locality and service, their temporary grants), who a child belongs to (allocated and
//! associated workers, teams, localities, services), temporary grants themselves, and the two
//! audit views built on the hash-chained log: who has looked at a record, and what one user
//! has done. Granting and revoking are audited in the same transaction as the change.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

use stepwise_domain::access::{AccessGrant, ChildFacts, Service, Viewer};
use stepwise_domain::events::EventKind;
use stepwise_domain::ids::{LocalityId, PersonId, TeamId, WorkerId, local_person_id};
use stepwise_domain::projection::Involvement;

use crate::audit::{Actor, AuditEntry, append_in};
use crate::sessions::UserAccount;
use crate::sql::{Col, parse_time, time};
use crate::{Store, StoreError};

/// The longest a temporary grant may last.
pub const MAX_GRANT_DAYS: i64 = 30;

/// A temporary grant to create.
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The user who will be able to open the record.
    pub user_id: i64,
    pub child: PersonId,
    /// Why the access is needed (required; it goes into the audit log).
    pub reason: String,
    pub until: DateTime<Utc>,
}

/// A temporary grant as the grants page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
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

fn service_of_involvement(i: Involvement) -> Service {
    match i {
        Involvement::EarlyHelp => Service::EarlyHelp,
        Involvement::FrontDoor
        | Involvement::Referral
        | Involvement::ChildInNeed
        | Involvement::ChildProtection => Service::Safeguarding,
        Involvement::LookedAfter | Involvement::CareLeaver => Service::CorporateParenting,
    }
}

impl Store {
    /// The user as the access policy sees them at `now`: team, locality, service and the
    /// grants in force.
    pub async fn viewer(
        &self,
        user: &UserAccount,
        now: DateTime<Utc>,
    ) -> Result<Viewer, StoreError> {
        let mut viewer = Viewer {
            role: user.role,
            worker: user.worker_id.map(WorkerId),
            team: user.team_id.map(TeamId),
            ..Viewer::default()
        };
        if let Some(t) = user.team_id
            && let Some(team) = self.teams().await?.into_iter().find(|x| x.id.0 == t)
        {
            viewer.locality = team.locality;
            viewer.service = Some(Service::of_team(team.kind));
        }
        viewer.grants = self
            .user_grants(user.id)
            .await?
            .into_iter()
            .filter(|g| g.is_active(now))
            .collect();
        Ok(viewer)
    }

    /// Who a person belongs to, for the access decision. Adults have no involvements of their
    /// own; their locality is where they live.
    pub async fn child_facts(
        &self,
        child: PersonId,
        now: DateTime<Utc>,
    ) -> Result<ChildFacts, StoreError> {
        let mut facts = ChildFacts {
            child,
            ..ChildFacts::default()
        };
        let teams = self.teams().await?;
        let mut localities = BTreeSet::new();
        let mut services = BTreeSet::new();
        if let Some(state) = self.child_state(child).await? {
            if let Some(a) = &state.allocated {
                facts.allocated_worker = Some(a.worker);
                facts.teams.push(a.team);
                if let Some(t) = teams.iter().find(|t| t.id == a.team) {
                    services.insert(Service::of_team(t.kind));
                    if let Some(l) = t.locality {
                        localities.insert(l.0);
                    }
                }
            }
            for i in state.involvements() {
                services.insert(service_of_involvement(i));
            }
        }
        // Associated: anyone allocated before, or who recorded on the record in the last year.
        let since = time(now - chrono::Duration::days(365));
        let mut associated = BTreeSet::new();
        for r in sqlx::query(
            "SELECT recorded_by, kind, payload, recorded_at FROM events WHERE child_id = $1",
        )
        .bind(child.0)
        .fetch_all(&self.pool)
        .await?
        {
            if r.text("kind")? == "worker_allocated"
                && let Ok(EventKind::WorkerAllocated { worker, .. }) =
                    serde_json::from_str::<EventKind>(&r.text("payload")?)
            {
                associated.insert(worker.0);
            }
            if r.text("recorded_at")? >= since {
                associated.insert(r.i64("recorded_by")?);
            }
        }
        if let Some(w) = facts.allocated_worker {
            associated.remove(&w.0);
        }
        facts.associated_workers = associated.into_iter().map(WorkerId).collect();
        for r in sqlx::query(
            "SELECT a.locality_id FROM household_members m JOIN addresses a ON a.household_id = m.household_id WHERE m.person_id = $1 AND m.to_date IS NULL AND a.end_date IS NULL",
        )
        .bind(child.0)
        .fetch_all(&self.pool)
        .await?
        {
            localities.insert(r.i64("locality_id")?);
        }
        facts.localities = localities.into_iter().map(LocalityId).collect();
        facts.services = services.into_iter().collect();
        Ok(facts)
    }

    /// Every grant a user holds or held.
    pub async fn user_grants(&self, user_id: i64) -> Result<Vec<AccessGrant>, StoreError> {
        sqlx::query("SELECT id, child_id, from_at, until_at, revoked_at FROM access_grants WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(AccessGrant {
                    id: r.i64("id")?,
                    child: PersonId(r.i64("child_id")?),
                    from: parse_time(&r.text("from_at")?)?,
                    until: parse_time(&r.text("until_at")?)?,
                    revoked: r.opt_text("revoked_at")?.is_some(),
                })
            })
            .collect()
    }

    /// Gives a user temporary access to one person's record. Refused, changing nothing: a grant
    /// to oneself, without a reason, for a person or user who does not exist, ending in the past
    /// or more than `MAX_GRANT_DAYS` ahead. The grant and its audit row commit together.
    pub async fn create_grant(
        &self,
        granted_by: &UserAccount,
        request_id: &str,
        g: &NewGrant,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let reason = g.reason.trim();
        if reason.chars().count() < 10 {
            return Err(StoreError::Invalid(
                "give the reason for the access in a sentence (at least 10 characters)".into(),
            ));
        }
        if g.user_id == granted_by.id {
            return Err(StoreError::Invalid(
                "you cannot grant access to yourself; ask information governance".into(),
            ));
        }
        if g.until <= now {
            return Err(StoreError::Invalid(
                "the end of the grant must be in the future".into(),
            ));
        }
        if g.until > now + chrono::Duration::days(MAX_GRANT_DAYS) {
            return Err(StoreError::Invalid(format!(
                "a grant can last at most {MAX_GRANT_DAYS} days"
            )));
        }
        let Some(user) = self.users().await?.into_iter().find(|u| u.id == g.user_id) else {
            return Err(StoreError::NotFound(format!("user {}", g.user_id)));
        };
        if self.person(g.child).await?.is_none() {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(g.child)
            )));
        }
        let mut tx = self.pool.begin().await?;
        // The audit head row is the write lock: take it first.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let id = sqlx::query("INSERT INTO access_grants (user_id, child_id, reason, granted_by, granted_at, from_at, until_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(g.user_id)
            .bind(g.child.0)
            .bind(reason)
            .bind(granted_by.id)
            .bind(time(now))
            .bind(time(now))
            .bind(time(g.until))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        append_in(
            &mut tx,
            &self.audit_key,
            now,
            &Actor::User {
                id: granted_by.id,
                username: granted_by.username.clone(),
            },
            "grant.create",
            &format!("person:{}", g.child.0),
            request_id,
            &format!(
                "grant {id} to {} ({}) until {}: {reason}",
                user.username,
                user.role.as_str(),
                g.until.format("%Y-%m-%d %H:%M")
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends a grant now. Refused for a grant that does not exist or has already ended.
    pub async fn revoke_grant(
        &self,
        revoked_by: &UserAccount,
        request_id: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let Some(r) =
            sqlx::query("SELECT child_id, until_at, revoked_at FROM access_grants WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Err(StoreError::NotFound(format!("grant {id}")));
        };
        if r.opt_text("revoked_at")?.is_some() || parse_time(&r.text("until_at")?)? <= now {
            return Err(StoreError::Invalid(format!("grant {id} has already ended")));
        }
        let child = r.i64("child_id")?;
        sqlx::query("UPDATE access_grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
            .bind(time(now))
            .bind(revoked_by.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        append_in(
            &mut tx,
            &self.audit_key,
            now,
            &Actor::User {
                id: revoked_by.id,
                username: revoked_by.username.clone(),
            },
            "grant.revoke",
            &format!("person:{child}"),
            request_id,
            &format!("grant {id} revoked"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants, newest first: all of them, or those for one person.
    pub async fn grants(
        &self,
        child: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<GrantRow>, StoreError> {
        let sql = format!(
            "SELECT g.id, g.user_id, u.username, g.child_id, g.reason, b.username AS granted_by, g.granted_at, g.until_at, g.revoked_at \
             FROM access_grants g JOIN users u ON u.id = g.user_id LEFT JOIN users b ON b.id = g.granted_by{} ORDER BY g.id DESC LIMIT 500",
            if child.is_some() {
                " WHERE g.child_id = $1"
            } else {
                ""
            }
        );
        let mut q = sqlx::query(&sql);
        if let Some(c) = child {
            q = q.bind(c.0);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let until = parse_time(&r.text("until_at")?)?;
                let revoked_at = r
                    .opt_text("revoked_at")?
                    .map(|t| parse_time(&t))
                    .transpose()?;
                let child_id = r.i64("child_id")?;
                Ok(GrantRow {
                    id: r.i64("id")?,
                    user_id: r.i64("user_id")?,
                    username: r.text("username")?,
                    child_id,
                    child_local_id: local_person_id(PersonId(child_id)),
                    reason: r.text("reason")?,
                    granted_by: r.opt_text("granted_by")?.unwrap_or_default(),
                    granted_at: parse_time(&r.text("granted_at")?)?,
                    until,
                    revoked_at,
                    active: revoked_at.is_none() && now < until,
                })
            })
            .collect()
    }

    /// Who has looked at (or been refused, or granted) a person's record, newest first, with
    /// the person's name. Reading it is itself audited, as `record.access_log` by `actor`.
    pub async fn record_access_log(
        &self,
        actor: &Actor,
        request_id: &str,
        child: PersonId,
        limit: i64,
    ) -> Result<(String, Vec<AuditEntry>), StoreError> {
        let Some(person) = self.person(child).await? else {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(child)
            )));
        };
        let subject = format!("person:{}", child.0);
        let entries = self.audit_entries(Some(&subject), limit).await?;
        self.audit(actor, "record.access_log", &subject, request_id, "")
            .await?;
        Ok((person.display_name(), entries))
    }

    /// Whether a person with this key exists (reads nothing else about them).
    pub async fn person_exists(&self, id: PersonId) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT id FROM persons WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// Everything one user has done, newest first. Reading it is itself audited, as
    /// `user.activity` by `actor`.
    pub async fn user_activity(
        &self,
        actor: &Actor,
        request_id: &str,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, request_id, detail FROM audit_log WHERE actor LIKE $1 ORDER BY seq DESC LIMIT $2")
            .bind(format!("{}%", Actor::user_prefix(user_id)))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.i64("seq")?,
                    at: r.text("at")?,
                    actor: r.text("actor")?,
                    action: r.text("action")?,
                    subject: r.text("subject")?,
                    request_id: r.text("request_id")?,
                    detail: r.text("detail")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.audit(
            actor,
            "user.activity",
            &format!("user:{user_id}"),
            request_id,
            "",
        )
        .await?;
        Ok(entries)
    }
}
