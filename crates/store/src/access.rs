//! What the access policy decides on, as stored: who a user is in the organisation (their team,
//! its locality and service, their temporary grants), who a child belongs to (allocated and
//! associated workers, teams, localities, services), temporary grants themselves, and the two
//! audit views built on the hash-chained log: who has looked at a record, and what one user
//! has done. Granting and revoking are audited in the same transaction as the change.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::access::{
    AccessGrant, ChildFacts, RESTRICTION_CATEGORIES, RestrictionKind, Service, Viewer,
};
use stepwise_domain::events::EventKind;
use stepwise_domain::ids::{LocalityId, PersonId, TeamId, UserId, WorkerId, local_person_id};
use stepwise_domain::projection::{ChildState, Involvement};

use crate::StoreError;
use crate::audit::{Actor, AuditEntry, audit_entry_from_row};
use crate::sessions::UserAccount;
use crate::sql::{Col, parse_time, time};

/// An access log with the notes of restrictions cut out (`restriction.set` keeps its kind and
/// category), for a reader who may not read the record's contents now.
pub fn without_restriction_notes(entries: Vec<AuditEntry>) -> Vec<AuditEntry> {
    entries
        .into_iter()
        .map(|mut e| {
            if e.action == AuditAction::RestrictionSet
                && let Some((head, _)) = e.detail.split_once(':')
            {
                e.detail = format!("{head}: note not shown until a reason is stated");
            }
            e
        })
        .collect()
}

/// The most grants a list of grants holds (the most recent).
pub const GRANTS_CAP: usize = 500;

/// The longest a temporary grant may last.
pub const MAX_GRANT_DAYS: i64 = 30;
/// How long a reason stated for opening a restricted record lasts.
pub const REASON_HOURS: i64 = 8;

/// A restriction in force on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictionRow {
    pub id: i64,
    pub person_id: PersonId,
    pub kind: RestrictionKind,
    pub category: String,
    pub note: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// An opening of a restricted record with the reason given, for information governance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictedOpening {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub person_id: PersonId,
    pub local_id: String,
    pub reason: String,
}

/// A temporary grant to create.
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The user who will be able to open the record.
    pub user_id: UserId,
    pub child: PersonId,
    /// Why the access is needed (required; it goes into the audit log).
    pub reason: String,
    pub until: DateTime<Utc>,
}

/// A temporary grant as the grants page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub id: i64,
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

impl crate::Governance<'_> {
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
            && let Some(team) = self
                .organisation()
                .teams()
                .await?
                .into_iter()
                .find(|x| x.id.0 == t)
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
        // Reasons stated for restricted records hold for the working day.
        let since = time(now - chrono::Duration::hours(REASON_HOURS));
        for r in sqlx::query("SELECT subject FROM audit_log WHERE actor LIKE $1 AND action = 'record.reason' AND at >= $2")
            .bind(format!("{}%", Actor::user_prefix(user.id)))
            .bind(since)
            .fetch_all(&self.pool)
            .await?
        {
            if let Some(id) = r
                .text("subject")?
                .strip_prefix("person:")
                .and_then(|s| s.parse::<i64>().ok())
            {
                viewer.reasons_given.push(PersonId(id));
            }
        }
        Ok(viewer)
    }

    /// Who a person belongs to, for the access decision. Adults have no involvements of their
    /// own; their locality is where they live.
    pub async fn child_facts(
        &self,
        child: PersonId,
        now: DateTime<Utc>,
    ) -> Result<ChildFacts, StoreError> {
        let state = self.journeys().child_state(child).await?;
        let restriction = self.restriction(child).await?;
        self.child_facts_from(child, state.as_ref(), restriction.as_ref(), now)
            .await
    }

    /// `child_facts` for a caller that has already read the child's state and restriction (a
    /// record read needs both anyway), so neither is read twice.
    pub(crate) async fn child_facts_from(
        &self,
        child: PersonId,
        state: Option<&ChildState>,
        restriction: Option<&RestrictionRow>,
        now: DateTime<Utc>,
    ) -> Result<ChildFacts, StoreError> {
        let mut facts = ChildFacts {
            child,
            ..ChildFacts::default()
        };
        let teams = self.organisation().teams().await?;
        let mut localities = BTreeSet::new();
        let mut services = BTreeSet::new();
        if let Some(state) = state {
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
        // One narrow read rather than every event of the record: the allocations (their
        // payloads), and who recorded in the last year (their worker only).
        for r in sqlx::query(
            "SELECT seq, payload_version, payload, NULL AS recorded_by FROM events WHERE child_id = $1 AND kind = 'worker_allocated' \
             UNION ALL SELECT DISTINCT 0 AS seq, 0 AS payload_version, NULL AS payload, recorded_by FROM events WHERE child_id = $1 AND recorded_at >= $2",
        )
        .bind(child.0)
        .bind(&since)
        .fetch_all(&self.pool)
        .await?
        {
            if let Some(worker) = r.opt_i64("recorded_by")? {
                associated.insert(worker);
                continue;
            }
            let kind = stepwise_domain::payload::decode(
                r.i64("payload_version")?,
                &r.opt_text("payload")?.unwrap_or_default(),
            )
            .map_err(|e| StoreError::corrupt(format!("event {}: {e}", r.i64("seq").unwrap_or(0))))?;
            if let EventKind::WorkerAllocated { worker, .. } = kind {
                associated.insert(worker.0);
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
        facts.restriction = restriction.map(|r| r.kind);
        Ok(facts)
    }

    /// Every grant a user holds or held.
    pub async fn user_grants(&self, user_id: UserId) -> Result<Vec<AccessGrant>, StoreError> {
        sqlx::query("SELECT id, child_id, from_at, until_at, revoked_at FROM access_grants WHERE user_id = $1 ORDER BY id")
            .bind(user_id.0)
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
        let users = self.accounts().users().await?;
        let Some(user) = users.iter().find(|u| u.id == g.user_id) else {
            return Err(StoreError::NotFound(format!("user {}", g.user_id)));
        };
        // Nobody grants access to an account they made or control (made, asked approval for,
        // or issued the set-up link of), nor to the person who made or controls their own
        // account: either way one person could end up reading the record alone.
        if user.controlled_by(granted_by.id) {
            return Err(StoreError::Invalid(format!(
                "you made {}, asked for its approval or issued its set-up link, so you cannot grant it access; ask another person who can grant access",
                user.username
            )));
        }
        if users
            .iter()
            .find(|u| u.id == granted_by.id)
            .is_some_and(|me| me.controlled_by(user.id))
        {
            return Err(StoreError::Invalid(format!(
                "{} made your account, asked for its approval or issued its set-up link, so you cannot grant them access; ask another person who can grant access",
                user.username
            )));
        }
        if self.people().person(g.child).await?.is_none() {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(g.child)
            )));
        }
        let mut tx = self.write().await?;
        let id = sqlx::query("INSERT INTO access_grants (user_id, child_id, reason, granted_by, granted_at, from_at, until_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(g.user_id.0)
            .bind(g.child.0)
            .bind(reason)
            .bind(granted_by.id.0)
            .bind(time(now))
            .bind(time(now))
            .bind(time(g.until))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        tx.audit(
            &Actor::User {
                id: granted_by.id,
                username: granted_by.username.clone(),
            },
            AuditAction::GrantCreate,
            &AuditSubject::Person(g.child),
            request_id,
            &format!(
                "grant {id} to {} ({}) until {}: {reason}",
                user.username,
                user.role.as_str(),
                stepwise_domain::localtime::show(g.until)
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
        let mut tx = self.write().await?;
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
            .bind(revoked_by.id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.audit(
            &Actor::User {
                id: revoked_by.id,
                username: revoked_by.username.clone(),
            },
            AuditAction::GrantRevoke,
            &AuditSubject::Person(PersonId(child)),
            request_id,
            &format!("grant {id} revoked"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants, newest first: all of them, or those for one person. Unfiltered: for a record's
    /// own access log (whose reader's scope already reaches the record) and for tests; lists
    /// of grants across records use `grants_within_reach`.
    pub async fn grants(
        &self,
        child: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<GrantRow>, StoreError> {
        Ok(self
            .grant_rows(child, now)
            .await?
            .into_iter()
            .map(|(g, _)| g)
            .collect())
    }

    async fn grant_rows(
        &self,
        child: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(GrantRow, Option<i64>)>, StoreError> {
        let sql = format!(
            "SELECT g.id, g.user_id, u.username, g.child_id, g.reason, g.granted_by AS granted_by_id, b.username AS granted_by, g.granted_at, g.until_at, g.revoked_at \
             FROM access_grants g JOIN users u ON u.id = g.user_id LEFT JOIN users b ON b.id = g.granted_by{} ORDER BY g.id DESC LIMIT {GRANTS_CAP}",
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
                Ok((
                    GrantRow {
                        id: r.i64("id")?,
                        user_id: UserId(r.i64("user_id")?),
                        username: r.text("username")?,
                        child_id,
                        child_local_id: local_person_id(PersonId(child_id)),
                        reason: r.text("reason")?,
                        granted_by: r.opt_text("granted_by")?.unwrap_or_default(),
                        granted_at: parse_time(&r.text("granted_at")?)?,
                        until,
                        revoked_at,
                        active: revoked_at.is_none() && now < until,
                    },
                    r.opt_i64("granted_by_id")?,
                ))
            })
            .collect()
    }

    /// Whether a grant is within `reader`'s reach: they made it, or their `grant_access`
    /// scope reaches its record (a sealed record only for those who may see sealed records).
    async fn grant_in_reach(
        &self,
        reader: &crate::records::Reader<'_>,
        user_id: UserId,
        child: PersonId,
        granted_by: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use stepwise_domain::access::{Decision, Permission, Scope};
        if granted_by == Some(user_id.0) {
            return Ok(true);
        }
        if reader
            .policy
            .scope(reader.viewer.role, Permission::GrantAccess)
            == Some(Scope::All)
            && reader
                .policy
                .holds(reader.viewer.role, Permission::ViewSealedRecords)
        {
            return Ok(true);
        }
        let facts = self.child_facts(child, now).await?;
        Ok(matches!(
            reader
                .policy
                .decide(reader.viewer, Permission::GrantAccess, &facts, now),
            Decision::Allowed(_)
        ))
    }

    /// Grants within `reader`'s reach (see `grant_in_reach`), newest first: all of them, or
    /// those for one person. Information governance, whose scope is all, sees every grant; a
    /// service manager sees the grants on their service's records and those they made.
    pub async fn grants_within_reach(
        &self,
        reader: &crate::records::Reader<'_>,
        user_id: UserId,
        child: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<GrantRow>, StoreError> {
        let mut out = Vec::new();
        let mut reach: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        for (g, by) in self.grant_rows(child, now).await? {
            let ok = if by == Some(user_id.0) {
                true
            } else if let Some(ok) = reach.get(&g.child_id) {
                *ok
            } else {
                let ok = self
                    .grant_in_reach(reader, user_id, PersonId(g.child_id), by, now)
                    .await?;
                reach.insert(g.child_id, ok);
                ok
            };
            if ok {
                out.push(g);
            }
        }
        Ok(out)
    }

    /// Ends a grant now, if it is within `reader`'s reach (see `grant_in_reach`); one outside
    /// it is answered as if there were none. Refused for a grant that has already ended.
    pub async fn revoke_grant_within_reach(
        &self,
        reader: &crate::records::Reader<'_>,
        revoked_by: &UserAccount,
        request_id: &str,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(r) = sqlx::query("SELECT child_id, granted_by FROM access_grants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Err(StoreError::NotFound(format!("grant {id}")));
        };
        let child = PersonId(r.i64("child_id")?);
        let by = r.opt_i64("granted_by")?;
        if !self
            .grant_in_reach(reader, revoked_by.id, child, by, now)
            .await?
        {
            return Err(StoreError::NotFound(format!("grant {id}")));
        }
        self.revoke_grant(revoked_by, request_id, id, now).await
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
        let Some(person) = self.people().person(child).await? else {
            return Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(child)
            )));
        };
        let subject = AuditSubject::Person(child);
        let mut entries = self
            .audit_log()
            .entries(Some(subject.stored().as_ref()), limit)
            .await?;
        // The lists the person appeared on (one `record.list` row per list view, naming
        // everyone on it): shown with the list's name only, not who else was on it.
        let mut listed = Vec::new();
        for r in sqlx::query("SELECT seq, at, actor, action, subject, request_id, detail FROM audit_log WHERE action = 'record.list' AND detail LIKE $1 ORDER BY seq DESC LIMIT $2")
            .bind(format!("% {subject} %"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
        {
            let mut e = audit_entry_from_row(&r)?;
            e.detail = e
                .detail
                .split_once(':')
                .map(|(list, _)| format!("appeared on {list}"))
                .unwrap_or_default();
            e.subject = subject.clone();
            listed.push(e);
        }
        if !listed.is_empty() {
            entries.extend(listed);
            entries.sort_by_key(|e| std::cmp::Reverse(e.seq));
            entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        self.audit_log()
            .record(
                actor,
                AuditAction::RecordAccessLog,
                &subject,
                request_id,
                "",
            )
            .await?;
        Ok((person.display_name(), entries))
    }

    /// Whether `reader` may read what a record holds now (the restriction note included):
    /// always for an unprotected record, otherwise only when they could open it without being
    /// asked for a reason (allocated or associated worker, a grant, a reason in force).
    pub async fn may_read_contents(
        &self,
        reader: &crate::records::Reader<'_>,
        child: PersonId,
    ) -> Result<bool, StoreError> {
        if self.restriction(child).await?.is_none() {
            return Ok(true);
        }
        Ok(matches!(
            self.people()
                .record_decision(
                    reader,
                    child,
                    stepwise_domain::access::Permission::ViewChildRecord
                )
                .await?,
            stepwise_domain::access::Decision::Allowed(_)
        ))
    }

    /// Refuses, as "not found", a key that names no person.
    pub(crate) async fn require_person(&self, id: PersonId) -> Result<(), StoreError> {
        if self.people().person_exists(id).await? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!(
                "person {}",
                local_person_id(id)
            )))
        }
    }

    /// Everything one user has done, newest first. Reading it is itself audited, as
    /// `user.activity` by `actor`.
    pub async fn user_activity(
        &self,
        actor: &Actor,
        request_id: &str,
        user_id: UserId,
        between: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Times are stored as fixed-width ISO text, so dates compare as text.
        let from = between.0.map(crate::sql::date).unwrap_or_default();
        let to = between
            .1
            .and_then(|d| d.succ_opt())
            .map(crate::sql::date)
            .unwrap_or_else(|| "9999".to_string());
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, request_id, detail FROM audit_log WHERE actor LIKE $1 AND at >= $2 AND at < $3 ORDER BY seq DESC LIMIT $4")
            .bind(format!("{}%", Actor::user_prefix(user_id)))
            .bind(from)
            .bind(to)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let entries = rows
            .iter()
            .map(audit_entry_from_row)
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.audit_log()
            .record(
                actor,
                AuditAction::UserActivity,
                &AuditSubject::User(user_id),
                request_id,
                &format!(
                    "{} to {}",
                    between.0.map_or("the start".to_string(), |d| d.to_string()),
                    between.1.map_or("now".to_string(), |d| d.to_string())
                ),
            )
            .await?;
        Ok(entries)
    }

    /// The restriction in force on a person's record, if any.
    pub async fn restriction(
        &self,
        person: PersonId,
    ) -> Result<Option<RestrictionRow>, StoreError> {
        Ok(self.restrictions(&[person.0]).await?.remove(&person.0))
    }

    /// The restrictions in force on some people's records.
    pub async fn restrictions(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, RestrictionRow>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            if chunk.is_empty() {
                continue;
            }
            let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, person_id, kind, category, note, set_by, set_at FROM record_restrictions WHERE lifted_at IS NULL AND person_id IN ({})",
                ph.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.pool).await? {
                let kind = RestrictionKind::parse(&r.text("kind")?)
                    .ok_or_else(|| StoreError::corrupt("restriction kind"))?;
                let row = RestrictionRow {
                    id: r.i64("id")?,
                    person_id: PersonId(r.i64("person_id")?),
                    kind,
                    category: r.text("category")?,
                    note: r.text("note")?,
                    set_by: r.text("set_by")?,
                    set_at: parse_time(&r.text("set_at")?)?,
                };
                // A seal outranks a restriction if both were ever set.
                let keep = out
                    .get(&row.person_id.0)
                    .is_none_or(|old: &RestrictionRow| old.kind < row.kind);
                if keep {
                    out.insert(row.person_id.0, row);
                }
            }
        }
        Ok(out)
    }

    /// Restricts or seals a record (replacing any restriction in force), with the category
    /// and a note, audited in the same transaction. Refused: an unknown category, a missing
    /// note, a person who does not exist.
    pub async fn set_restriction(
        &self,
        actor: &Actor,
        request_id: &str,
        person: PersonId,
        kind: RestrictionKind,
        category: &str,
        note: &str,
    ) -> Result<i64, StoreError> {
        if !RESTRICTION_CATEGORIES.iter().any(|(c, _)| *c == category) {
            return Err(StoreError::Invalid(format!(
                "{category:?} is not a restriction category; use one of {}",
                RESTRICTION_CATEGORIES.map(|c| c.0).join(", ")
            )));
        }
        let note = note.trim();
        if note.chars().count() < 10 {
            return Err(StoreError::Invalid(
                "say in a sentence why the record is protected (at least 10 characters)".into(),
            ));
        }
        self.require_person(person).await?;
        let now = self.now();
        let mut tx = self.write().await?;
        sqlx::query("UPDATE record_restrictions SET lifted_at = $1, lifted_by = $2 WHERE person_id = $3 AND lifted_at IS NULL")
            .bind(time(now))
            .bind(actor.label())
            .bind(person.0)
            .execute(&mut *tx)
            .await?;
        let id = sqlx::query("INSERT INTO record_restrictions (person_id, kind, category, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(person.0)
            .bind(kind.as_str())
            .bind(category)
            .bind(note)
            .bind(actor.label())
            .bind(time(now))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        tx.audit(
            actor,
            AuditAction::RestrictionSet,
            &AuditSubject::Person(person),
            request_id,
            &format!("{} ({category}): {note}", kind.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Lifts the restriction on a record. Refused when there is none.
    pub async fn lift_restriction(
        &self,
        actor: &Actor,
        request_id: &str,
        person: PersonId,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut tx = self.write().await?;
        let n = sqlx::query("UPDATE record_restrictions SET lifted_at = $1, lifted_by = $2 WHERE person_id = $3 AND lifted_at IS NULL")
            .bind(time(now))
            .bind(actor.label())
            .bind(person.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Invalid(format!(
                "{} is not restricted",
                local_person_id(person)
            )));
        }
        tx.audit(
            actor,
            AuditAction::RestrictionLift,
            &AuditSubject::Person(person),
            request_id,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the reason a user gives for opening a restricted record. It lets them open it
    /// for `REASON_HOURS`, appears on the record's access log and on information governance's
    /// list of restricted openings.
    pub async fn state_reason(
        &self,
        actor: &Actor,
        request_id: &str,
        person: PersonId,
        reason: &str,
    ) -> Result<(), StoreError> {
        let reason = reason.trim();
        if reason.chars().count() < 10 {
            return Err(StoreError::Invalid(
                "say in a sentence why you need to open this record (at least 10 characters)"
                    .into(),
            ));
        }
        if reason.chars().count() > 500 {
            return Err(StoreError::Invalid(
                "keep the reason to 500 characters".into(),
            ));
        }
        self.require_person(person).await?;
        self.audit_log()
            .record(
                actor,
                AuditAction::RecordReason,
                &AuditSubject::Person(person),
                request_id,
                reason,
            )
            .await?;
        Ok(())
    }

    /// Openings of restricted records with their reasons, newest first.
    pub async fn restricted_openings(
        &self,
        limit: i64,
    ) -> Result<Vec<RestrictedOpening>, StoreError> {
        sqlx::query("SELECT seq, at, actor, subject, detail FROM audit_log WHERE action = 'record.reason' ORDER BY seq DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let subject = r.text("subject")?;
                let person_id = subject
                    .strip_prefix("person:")
                    .and_then(|s| s.parse::<i64>().ok())
                    .unwrap_or_default();
                Ok(RestrictedOpening {
                    seq: r.i64("seq")?,
                    at: r.text("at")?,
                    actor: r.text("actor")?,
                    person_id: PersonId(person_id),
                    local_id: local_person_id(PersonId(person_id)),
                    reason: r.text("detail")?,
                })
            })
            .collect()
    }
}
