//! Loading a whole authority at once (the synthetic demo council, or a migration from another
//! system): organisation, people, families, the journey log and the front door's contacts, with
//! every child's projection computed by replay. Rows go in batches inside one transaction,
//! recorded by one audit entry per table that states how many rows it wrote and a digest of
//! them.

use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::contact_record::ContactRecord;
use stepwise_domain::events::JourneyEvent;
use stepwise_domain::org::{Authority, Employment, Locality, Team, Worker};
use stepwise_domain::people::{Household, Person, PersonKind, Relationship};
use stepwise_domain::projection::replay;
use stepwise_domain::search::{phonetic_key, tokens};

use crate::audit::Actor;
use crate::events::StateRow;
use crate::sql::{date, opt_date, time};
use crate::{Backend, StoreError};

/// Everything a bulk load writes. Event positions (`seq`) must run 1..=N in log order; contact
/// keys must rise in the order received, and step keys be unique, so that contacts and steps
/// recorded afterwards are numbered after them.
#[derive(Debug, Clone, Default)]
pub struct BulkLoad {
    pub authority: Option<Authority>,
    pub localities: Vec<Locality>,
    pub teams: Vec<Team>,
    pub workers: Vec<Worker>,
    pub people: Vec<Person>,
    pub households: Vec<Household>,
    pub relationships: Vec<Relationship>,
    pub events: Vec<JourneyEvent>,
    /// The front door's record of the contacts in the log (ADR 0007): each contact row, the
    /// people it names and its screening steps.
    pub contacts: Vec<ContactRecord>,
}

/// A value bound into a batch insert.
enum V {
    I(i64),
    OI(Option<i64>),
    F(f64),
    T(String),
    OT(Option<String>),
}

/// Inserts rows in multi-row statements, within the bind-parameter limits of both databases.
/// SQLite gets anonymous `?` placeholders: it looks numbered ones up by walking a list, which
/// makes binding a statement with thousands of `$N` parameters quadratic.
async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<V>>,
    digest: &mut Sha256,
) -> Result<usize, StoreError> {
    let per = (30_000 / columns.len()).clamp(1, 1000);
    let n = rows.len();
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Vec<V>> = it.by_ref().take(per).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut p = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                p += 1;
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => sql.push_str(&format!("${p}")),
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    V::I(x) => {
                        digest.update(x.to_le_bytes());
                        q.bind(x)
                    }
                    V::OI(x) => {
                        digest.update(format!("{x:?}"));
                        q.bind(x)
                    }
                    V::F(x) => {
                        digest.update(x.to_le_bytes());
                        q.bind(x)
                    }
                    V::T(x) => {
                        digest.update(x.as_bytes());
                        q.bind(x)
                    }
                    V::OT(x) => {
                        digest.update(format!("{x:?}"));
                        q.bind(x)
                    }
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(n)
}

/// Checks that the contacts of a load fit the rest of it: keys that rise in the order received,
/// unique step keys, and every child's `ContactReceived` in the load's log.
fn check_contacts(load: &BulkLoad) -> Result<(), StoreError> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    let mut step_ids = std::collections::HashSet::new();
    let mut last: Option<(i64, chrono::DateTime<chrono::Utc>)> = None;
    for c in &load.contacts {
        if let Some((id, at)) = last
            && (c.id <= id || c.received_at < at)
        {
            return bad(format!(
                "contact {} comes after contact {id} in the load: contacts must be numbered in the order received",
                c.id
            ));
        }
        if c.id < 1 {
            return bad(format!("contact {} has no positive key", c.id));
        }
        last = Some((c.id, c.received_at));
        for k in &c.children {
            let ok = usize::try_from(k.received.0 - 1)
                .ok()
                .and_then(|i| load.events.get(i))
                .is_some_and(|e| {
                    e.child == k.person
                        && matches!(
                            e.kind,
                            stepwise_domain::events::EventKind::ContactReceived { .. }
                        )
                });
            if !ok {
                return bad(format!(
                    "contact {}: event {} is not a ContactReceived for child {}",
                    c.id, k.received, k.person
                ));
            }
        }
        for st in &c.steps {
            if st.id < 1 || !step_ids.insert(st.id) {
                return bad(format!(
                    "contact {}: step {} is not a new positive key",
                    c.id, st.id
                ));
            }
        }
    }
    Ok(())
}

impl crate::Journeys<'_> {
    /// Whether the database already holds an authority or any journey events.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        use crate::sql::Col;
        let r = sqlx::query("SELECT (SELECT COUNT(*) FROM authority) AS a, (SELECT COUNT(*) FROM events) AS e, (SELECT COUNT(*) FROM persons) AS p")
            .fetch_one(&self.pool)
            .await?;
        Ok(r.i64("a")? == 0 && r.i64("e")? == 0 && r.i64("p")? == 0)
    }

    /// Loads a whole authority into an empty database, calling `progress(done, total, what)`
    /// as it goes. Refuses a database that already holds data, and writes nothing if any part
    /// fails.
    pub async fn bulk_load(
        &self,
        load: &BulkLoad,
        actor: &Actor,
        mut progress: impl FnMut(usize, usize, &str),
    ) -> Result<(), StoreError> {
        if !self.is_empty().await? {
            return Err(StoreError::NotEmpty(
                "the database already holds an authority; load into a new database (choose another --database)".to_string(),
            ));
        }
        for (i, e) in load.events.iter().enumerate() {
            if e.seq.0 != i as i64 + 1 {
                return Err(StoreError::Invalid(format!(
                    "event {} is at position {} of the load; positions must run 1 to N",
                    e.seq,
                    i + 1
                )));
            }
        }
        check_contacts(load)?;
        let total = load.events.len() + load.people.len() + load.contacts.len();
        let mut tx = self.write().await?;
        let audit = |what: &str, rows: usize, d: Sha256| {
            (what.to_string(), rows, hex::encode(d.finalize()))
        };
        let mut audits = Vec::new();

        if let Some(a) = &load.authority {
            let mut d = Sha256::new();
            let n = insert_rows(
                tx.tx(),
                self.backend,
                "authority",
                &["id", "name", "la_code", "area_word"],
                vec![vec![
                    V::I(1),
                    V::T(a.name.clone()),
                    V::T(a.la_code.clone()),
                    V::T(a.area_word.clone()),
                ]],
                &mut d,
            )
            .await?;
            audits.push(audit("authority", n, d));
        }
        let mut d = Sha256::new();
        let n = insert_rows(
            tx.tx(),
            self.backend,
            "localities",
            &["id", "name"],
            load.localities
                .iter()
                .map(|l| vec![V::I(l.id.0), V::T(l.name.clone())])
                .collect(),
            &mut d,
        )
        .await?;
        audits.push(audit("localities", n, d));
        let mut d = Sha256::new();
        let n = insert_rows(
            tx.tx(),
            self.backend,
            "teams",
            &["id", "name", "kind", "locality_id"],
            load.teams
                .iter()
                .map(|t| {
                    vec![
                        V::I(t.id.0),
                        V::T(t.name.clone()),
                        V::T(t.kind.as_str().to_string()),
                        V::OI(t.locality.map(|l| l.0)),
                    ]
                })
                .collect(),
            &mut d,
        )
        .await?;
        audits.push(audit("teams", n, d));
        let mut d = Sha256::new();
        let n = insert_rows(
            tx.tx(),
            self.backend,
            "workers",
            &[
                "id",
                "name",
                "role",
                "team_id",
                "employment",
                "fte",
                "registration",
            ],
            load.workers
                .iter()
                .map(|w| {
                    vec![
                        V::I(w.id.0),
                        V::T(w.name.clone()),
                        V::T(w.role.as_str().to_string()),
                        V::I(w.team.0),
                        V::T(
                            if w.employment == Employment::Agency {
                                "agency"
                            } else {
                                "permanent"
                            }
                            .to_string(),
                        ),
                        V::F(w.fte),
                        V::OT(w.registration.clone()),
                    ]
                })
                .collect(),
            &mut d,
        )
        .await?;
        audits.push(audit("workers", n, d));

        // People and their searchable name tokens.
        let mut d = Sha256::new();
        let mut done = 0;
        for chunk in load.people.chunks(5000) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut name_rows = Vec::new();
            for p in chunk {
                let name = p.name().cloned();
                let data =
                    serde_json::to_string(p).map_err(|e| StoreError::corrupt(e.to_string()))?;
                rows.push(vec![
                    V::I(p.id.0),
                    V::T(p.kind.as_str().to_string()),
                    V::T(name.as_ref().map(|n| n.given.clone()).unwrap_or_default()),
                    V::T(name.as_ref().map(|n| n.family.clone()).unwrap_or_default()),
                    V::OT(opt_date(p.date_of_birth)),
                    V::OT(opt_date(p.expected_date_of_birth)),
                    V::T(p.sex.to_string()),
                    V::OT(p.nhs_number.as_ref().map(|n| n.as_str().to_string())),
                    V::OT(p.upn.as_ref().map(|n| n.as_str().to_string())),
                    V::OT(p.former_upn.as_ref().map(|n| n.as_str().to_string())),
                    V::T(data),
                ]);
                let mut seen = std::collections::BTreeSet::new();
                for n in &p.names {
                    for t in tokens(&n.full()) {
                        if seen.insert(t.clone()) {
                            name_rows.push(vec![V::I(p.id.0), V::T(phonetic_key(&t)), V::T(t)]);
                        }
                    }
                }
            }
            insert_rows(
                tx.tx(),
                self.backend,
                "persons",
                &[
                    "id",
                    "kind",
                    "given",
                    "family",
                    "dob",
                    "expected_dob",
                    "sex",
                    "nhs_number",
                    "upn",
                    "former_upn",
                    "data",
                ],
                rows,
                &mut d,
            )
            .await?;
            insert_rows(
                tx.tx(),
                self.backend,
                "name_tokens",
                &["person_id", "sound", "token"],
                name_rows,
                &mut d,
            )
            .await?;
            done += chunk.len();
            progress(done, total, "people");
        }
        audits.push(audit("persons", load.people.len(), d));

        let mut d = Sha256::new();
        let n = insert_rows(
            tx.tx(),
            self.backend,
            "relationships",
            &["person_id", "related_id", "kind"],
            load.relationships
                .iter()
                .map(|r| {
                    vec![
                        V::I(r.person.0),
                        V::I(r.related.0),
                        V::T(r.kind.as_str().to_string()),
                    ]
                })
                .collect(),
            &mut d,
        )
        .await?;
        audits.push(audit("relationships", n, d));
        let mut d = Sha256::new();
        let mut members = Vec::new();
        let mut addresses = Vec::new();
        for h in &load.households {
            for m in &h.members {
                members.push(vec![
                    V::I(h.id.0),
                    V::I(m.person.0),
                    V::T(date(m.from)),
                    V::OT(opt_date(m.to)),
                ]);
            }
            for a in &h.addresses {
                addresses.push(vec![
                    V::I(h.id.0),
                    V::T(a.line1.clone()),
                    V::T(a.town.clone()),
                    V::T(a.postcode.as_str().to_string()),
                    V::I(a.locality.0),
                    V::T(date(a.start)),
                    V::OT(opt_date(a.end)),
                ]);
            }
        }
        let n = insert_rows(
            tx.tx(),
            self.backend,
            "household_members",
            &["household_id", "person_id", "from_date", "to_date"],
            members,
            &mut d,
        )
        .await?;
        let m = insert_rows(
            tx.tx(),
            self.backend,
            "addresses",
            &[
                "household_id",
                "line1",
                "town",
                "postcode",
                "locality_id",
                "start_date",
                "end_date",
            ],
            addresses,
            &mut d,
        )
        .await?;
        audits.push(audit("households", n + m, d));

        // The journey log, then every child's projection by replay.
        let mut d = Sha256::new();
        for chunk in load.events.chunks(20_000) {
            let mut rows = Vec::with_capacity(chunk.len());
            for e in chunk {
                let (payload_version, payload) = stepwise_domain::payload::encode(&e.kind)?;
                rows.push(vec![
                    V::I(e.seq.0),
                    V::I(e.child.0),
                    V::T(date(e.effective)),
                    V::OT(e.effective_time.map(|t| t.format("%H:%M:%S").to_string())),
                    V::T(time(e.recorded_at)),
                    V::I(e.recorded_by.0),
                    V::T(e.kind.type_name().to_string()),
                    V::T(e.kind.category().as_str().to_string()),
                    V::I(i64::from(e.kind.is_significant())),
                    V::OI(e.supersedes.as_ref().map(|s| s.event.0)),
                    V::OT(e.supersedes.as_ref().map(|s| s.reason.clone())),
                    V::I(i64::from(payload_version)),
                    V::T(payload),
                ]);
            }
            insert_rows(
                tx.tx(),
                self.backend,
                "events",
                &[
                    "seq",
                    "child_id",
                    "effective",
                    "effective_time",
                    "recorded_at",
                    "recorded_by",
                    "kind",
                    "category",
                    "significant",
                    "supersedes",
                    "supersede_reason",
                    "payload_version",
                    "payload",
                ],
                rows,
                &mut d,
            )
            .await?;
            done += chunk.len();
            progress(done, total, "journey events");
        }
        audits.push(audit("events", load.events.len(), d));
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT setval(pg_get_serial_sequence('events', 'seq'), GREATEST((SELECT COALESCE(MAX(seq), 0) FROM events), 1))")
                .execute(&mut *tx)
                .await?;
        }

        // The front door's contacts: the rows as acknowledged, the people they name, and
        // their steps.
        let mut d = Sha256::new();
        let mut people_d = Sha256::new();
        let mut steps_d = Sha256::new();
        let (mut people_n, mut steps_n) = (0, 0);
        for chunk in load.contacts.chunks(5000) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut named = Vec::new();
            let mut steps = Vec::new();
            for c in chunk {
                rows.push(vec![
                    V::I(c.id),
                    V::T(time(c.received_at)),
                    V::T(time(c.recorded_at)),
                    V::T(c.recorded_by.clone()),
                    V::OI(None),
                    V::T(c.channel.as_str().to_string()),
                    V::T(c.source.as_str().to_string()),
                    V::T(c.referrer.name.clone()),
                    V::T(c.referrer.agency.clone()),
                    V::T(c.referrer.role.clone()),
                    V::T(c.referrer.phone.clone()),
                    V::T(c.referrer.email.clone()),
                    V::T(c.concerns.clone()),
                    V::T(c.consent.as_str().to_string()),
                    V::T(c.consent_basis.clone()),
                    V::T(c.rag.as_str().to_string()),
                    V::T(time(c.decide_by)),
                ]);
                let people = c
                    .children
                    .iter()
                    .map(|k| ("child", k.person.0, Some(k.received.0)))
                    .chain(c.adults.iter().map(|a| ("adult", a.0, None)));
                for (ordinal, (role, person, seq)) in people.enumerate() {
                    named.push(vec![
                        V::I(c.id),
                        V::I(ordinal as i64),
                        V::T(role.to_string()),
                        V::OI(Some(person)),
                        V::I(0),
                        V::T("{}".to_string()),
                        V::OI(seq),
                    ]);
                }
                for st in &c.steps {
                    let json = serde_json::to_string(&st.data)
                        .map_err(|e| StoreError::corrupt(e.to_string()))?;
                    steps.push(vec![
                        V::I(st.id),
                        V::I(c.id),
                        V::T(time(st.at)),
                        V::OI(None),
                        V::T(st.by.clone()),
                        V::T(st.data.kind().to_string()),
                        V::T(json),
                    ]);
                }
            }
            insert_rows(
                tx.tx(),
                self.backend,
                "contacts",
                &[
                    "id",
                    "received_at",
                    "recorded_at",
                    "recorded_by",
                    "user_id",
                    "channel",
                    "source",
                    "referrer_name",
                    "referrer_agency",
                    "referrer_role",
                    "referrer_phone",
                    "referrer_email",
                    "concerns",
                    "consent",
                    "consent_basis",
                    "rag",
                    "decide_by",
                ],
                rows,
                &mut d,
            )
            .await?;
            people_n += insert_rows(
                tx.tx(),
                self.backend,
                "contact_people",
                &[
                    "contact_id",
                    "ordinal",
                    "role",
                    "person_id",
                    "created",
                    "described",
                    "received_seq",
                ],
                named,
                &mut people_d,
            )
            .await?;
            steps_n += insert_rows(
                tx.tx(),
                self.backend,
                "contact_steps",
                &[
                    "id",
                    "contact_id",
                    "at",
                    "user_id",
                    "by_name",
                    "kind",
                    "data",
                ],
                steps,
                &mut steps_d,
            )
            .await?;
            done += chunk.len();
            progress(done, total, "front-door contacts");
        }
        audits.push(audit("contacts", load.contacts.len(), d));
        audits.push(audit("contact_people", people_n, people_d));
        audits.push(audit("contact_steps", steps_n, steps_d));
        if self.backend == Backend::Postgres && !load.contacts.is_empty() {
            // Contacts and steps recorded from now on are numbered after the loaded ones.
            for table in ["contacts", "contact_steps"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }

        let mut by_child: BTreeMap<i64, Vec<JourneyEvent>> = BTreeMap::new();
        for e in &load.events {
            by_child.entry(e.child.0).or_default().push(e.clone());
        }
        let mut d = Sha256::new();
        let mut rows = Vec::new();
        for (child, log) in &by_child {
            let r = StateRow::from_state(&replay(stepwise_domain::ids::PersonId(*child), log))?;
            rows.push(vec![
                V::I(r.child),
                V::T(r.json),
                V::I(r.flags[0]),
                V::I(r.flags[1]),
                V::I(r.flags[2]),
                V::I(r.flags[3]),
                V::I(r.flags[4]),
                V::I(r.flags[5]),
                V::I(r.flags[6]),
                V::OT(r.level),
                V::OI(r.worker),
                V::OI(r.team),
                V::OT(r.legal_status),
                V::OT(r.placement),
                V::OT(r.last_effective),
                V::OT(r.last_recorded),
                V::OI(r.last_seq),
                V::I(r.events),
                V::OI(r.reviewing_officer),
            ]);
        }
        let n = insert_rows(
            tx.tx(),
            self.backend,
            "child_state",
            &[
                "child_id",
                "state",
                "is_open",
                "early_help",
                "child_in_need",
                "child_protection",
                "looked_after",
                "care_leaver",
                "awaiting_decision",
                "level",
                "worker_id",
                "team_id",
                "legal_status",
                "placement",
                "last_effective",
                "last_recorded",
                "last_seq",
                "events",
                "reviewing_officer_id",
            ],
            rows,
            &mut d,
        )
        .await?;
        audits.push(audit("child_state", n, d));
        let children = load
            .people
            .iter()
            .filter(|p| p.kind != PersonKind::Adult)
            .count();
        for (what, rows, digest) in audits {
            tx.audit(
                actor,
                AuditAction::BulkLoad,
                &AuditSubject::Table(what.to_string()),
                "-",
                &format!("{rows} rows, sha256 {digest}"),
            )
            .await?;
        }
        tx.audit(
            actor,
            AuditAction::BulkLoadComplete,
            &AuditSubject::Authority,
            "-",
            &format!("{children} children, {} events", load.events.len()),
        )
        .await?;
        tx.commit().await?;
        self.forget_organisation();
        Ok(())
    }
}
