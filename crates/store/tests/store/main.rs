//! The store conformance suite. Every scenario runs on SQLite, and on PostgreSQL too when
//! `STEPWISE_TEST_POSTGRES` holds a URL (each scenario gets a fresh database of its own).

// An integration-test crate: clippy's allow-*-in-tests covers #[test] functions only, not the
// support modules and helpers here, where a failed unwrap is a failed test all the same.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests read the wall clock to build their inputs (an expiry from now, a sign-in code for
// now): the one-clock rule (clippy.toml) binds Stepwise's own code, not the tests that drive it.
#![allow(clippy::disallowed_methods)]

use chrono::{NaiveDate, TimeZone, Utc};
use sqlx::Executor;
use std::sync::atomic::{AtomicU32, Ordering};

use stepwise_domain::events::{
    AssessmentOutcome, ContactOutcome, EventKind, JourneyEvent, Placement, Supersession,
};
use stepwise_domain::ids::*;
use stepwise_domain::org::*;
use stepwise_domain::people::*;
use stepwise_domain::projection::Involvement;
use stepwise_store::*;

mod clock;
mod sec_audit;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

/// A fresh store on every available backend.
#[allow(dead_code)]
/// Says, once per run and past the test harness's capture of output, that part of the suite did
/// not run, so a green run on a bare machine is not taken for the whole suite.
fn not_tested_once(what: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), "\nNOT TESTED: {what}");
    });
}

async fn stores() -> Vec<(&'static str, Store)> {
    stores_with_urls()
        .await
        .into_iter()
        .map(|(name, s, _)| (name, s))
        .collect()
}

/// A fresh store on every available backend, with its database URL, so a test can change the
/// database behind the store's back through a connection of its own (as an attacker with
/// database access would).
async fn stores_with_urls() -> Vec<(&'static str, Store, String)> {
    let mut v = Vec::new();
    let path = std::env::temp_dir().join(format!("{}.db", unique("stepwise_store_test")));
    let url = format!("sqlite://{}", path.display());
    v.push((
        "sqlite",
        Store::open(&url, AuditKey::for_tests()).await.unwrap(),
        url,
    ));
    match std::env::var("STEPWISE_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => {
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&base).await.unwrap();
            let name = unique("stepwise_t").to_lowercase();
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            admin.close().await;
            let (head, _) = base.rsplit_once('/').unwrap();
            let url = format!("{head}/{name}");
            v.push((
                "postgres",
                Store::open(&url, AuditKey::for_tests()).await.unwrap(),
                url,
            ));
        }
        _ => not_tested_once(
            "the store's conformance suite ran on SQLite only: set STEPWISE_TEST_POSTGRES (`.ci/run` does) to run it on PostgreSQL too",
        ),
    }
    v
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn nhs(first: &str) -> NhsNumber {
    let digits: Vec<u32> = first.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let c = nhs_check_digit(&digits).unwrap();
    NhsNumber::parse(&format!("{first}{c}")).unwrap()
}

fn person(
    id: i64,
    kind: PersonKind,
    given: &str,
    family: &str,
    dob: NaiveDate,
    sex: &str,
) -> Person {
    Person {
        id: PersonId(id),
        kind,
        names: vec![PersonName {
            given: given.into(),
            family: family.into(),
            kind: NameKind::Current,
        }],
        date_of_birth: Some(dob),
        expected_date_of_birth: None,
        date_of_death: None,
        sex: sex.parse().unwrap(),
        ethnicity: "WBRI".parse().unwrap(),
        disabilities: vec![],
        nhs_number: None,
        upn: None,
        former_upn: None,
        upn_unknown: None,
        language: None,
        uasc: false,
        uasc_ceased: None,
    }
}

fn ev(child: i64, seq: i64, on: NaiveDate, kind: EventKind) -> JourneyEvent {
    JourneyEvent {
        seq: EventSeq(seq),
        child: PersonId(child),
        effective: on,
        effective_time: None,
        recorded_at: Utc.from_utc_datetime(&on.and_hms_opt(10, 0, 0).unwrap())
            + chrono::Duration::seconds(seq),
        recorded_by: WorkerId(1),
        supersedes: None,
        kind,
    }
}

/// A small authority: one locality, two teams, two workers, a family of four (two adults, two
/// children), one child with a journey into care.
fn fixture() -> BulkLoad {
    let mut amira = person(
        1,
        PersonKind::Child,
        "Amira",
        "Hussain",
        d(2015, 3, 27),
        "F",
    );
    amira.nhs_number = Some(nhs("999000001"));
    amira.names.push(PersonName {
        given: "Amira".into(),
        family: "Begum".into(),
        kind: NameKind::Former,
    });
    let sami = person(2, PersonKind::Child, "Sami", "Hussain", d(2018, 7, 2), "M");
    let mother = person(3, PersonKind::Adult, "Farah", "Hussain", d(1988, 1, 9), "F");
    let other = person(
        4,
        PersonKind::Child,
        "Katherine",
        "O'Neill",
        d(2012, 11, 30),
        "F",
    );
    let pc = Postcode::parse("NB1 4QT").unwrap();
    let events = vec![
        ev(
            1,
            1,
            d(2024, 1, 8),
            EventKind::ContactReceived {
                source: "3B".parse().unwrap(),
                concerns: "Health visitor worried".into(),
                consent: true,
            },
        ),
        ev(
            1,
            2,
            d(2024, 1, 8),
            EventKind::ContactDecided {
                level: "4".parse().unwrap(),
                outcome: ContactOutcome::SocialCareReferral,
                reason: "significant concerns".into(),
            },
        ),
        ev(
            1,
            3,
            d(2024, 1, 8),
            EventKind::ReferralOpened {
                source: "3B".parse().unwrap(),
                primary_need: "N1".parse().unwrap(),
                no_further_action: false,
            },
        ),
        ev(
            1,
            4,
            d(2024, 1, 10),
            EventKind::WorkerAllocated {
                worker: WorkerId(1),
                team: TeamId(2),
                role: stepwise_domain::events::AllocationRole::SocialWorker,
                reason: None,
            },
        ),
        ev(1, 5, d(2024, 1, 10), EventKind::AssessmentStarted),
        ev(
            1,
            6,
            d(2024, 2, 20),
            EventKind::AssessmentAuthorised {
                factors: vec!["3A".parse().unwrap(), "4B".parse().unwrap()],
                outcome: AssessmentOutcome::ChildInNeedPlan,
            },
        ),
        ev(1, 7, d(2024, 2, 21), EventKind::CinPlanStarted),
        ev(
            4,
            8,
            d(2024, 5, 1),
            EventKind::ContactReceived {
                source: "2A".parse().unwrap(),
                concerns: "school concern".into(),
                consent: true,
            },
        ),
    ];
    BulkLoad {
        authority: Some(Authority {
            name: "Test Borough".into(),
            la_code: "990".into(),
            area_word: "hub".into(),
        }),
        localities: vec![Locality {
            id: LocalityId(1),
            name: "North Hub".into(),
        }],
        teams: vec![
            Team {
                id: TeamId(1),
                name: "Front Door".into(),
                kind: TeamKind::FrontDoor,
                locality: None,
            },
            Team {
                id: TeamId(2),
                name: "North CIN/CP".into(),
                kind: TeamKind::ChildInNeedProtection,
                locality: Some(LocalityId(1)),
            },
        ],
        workers: vec![
            Worker {
                id: WorkerId(1),
                name: "Jo Social".into(),
                role: WorkerRole::SocialWorker,
                team: TeamId(2),
                employment: Employment::Permanent,
                fte: 1.0,
                registration: Some("SW100001".into()),
            },
            Worker {
                id: WorkerId(2),
                name: "Sam Manager".into(),
                role: WorkerRole::TeamManager,
                team: TeamId(2),
                employment: Employment::Agency,
                fte: 0.8,
                registration: None,
            },
        ],
        people: vec![amira, sami, mother, other],
        households: vec![Household {
            id: HouseholdId(1),
            members: vec![
                HouseholdMember {
                    person: PersonId(1),
                    from: d(2015, 3, 27),
                    to: None,
                },
                HouseholdMember {
                    person: PersonId(2),
                    from: d(2018, 7, 2),
                    to: None,
                },
                HouseholdMember {
                    person: PersonId(3),
                    from: d(2010, 1, 1),
                    to: None,
                },
            ],
            addresses: vec![Address {
                line1: "12 Mill Lane".into(),
                town: "Northbridge".into(),
                postcode: pc,
                locality: LocalityId(1),
                start: d(2010, 1, 1),
                end: None,
            }],
        }],
        relationships: vec![
            Relationship {
                person: PersonId(3),
                related: PersonId(1),
                kind: RelationshipKind::Parent,
            },
            Relationship {
                person: PersonId(3),
                related: PersonId(2),
                kind: RelationshipKind::Parent,
            },
            Relationship {
                person: PersonId(1),
                related: PersonId(2),
                kind: RelationshipKind::Sibling,
            },
        ],
        events,
        contacts: Vec::new(),
    }
}

/// What a caller asks to record: the event without its position, recording time or author,
/// which the store supplies.
fn asked(e: JourneyEvent) -> stepwise_domain::commands::NewEvent {
    stepwise_domain::commands::NewEvent {
        child: e.child,
        effective: e.effective,
        effective_time: e.effective_time,
        supersedes: e.supersedes,
        kind: e.kind,
    }
}

/// Records an event through the store's one write path, as Stepwise itself.
async fn append(s: &Store, request_id: &str, e: JourneyEvent) -> Result<JourneyEvent, StoreError> {
    s.journeys()
        .record(&Actor::System("test"), request_id, asked(e))
        .await
}

fn actor() -> Actor {
    Actor::User {
        id: UserId(7),
        username: "tester".into(),
    }
}

/// A reader whose role may open every record (information governance, by the defaults).
struct ReadAs {
    actor: Actor,
    viewer: stepwise_domain::access::Viewer,
    policy: stepwise_domain::access::AccessPolicy,
}

impl ReadAs {
    fn governance() -> Self {
        Self {
            actor: actor(),
            viewer: stepwise_domain::access::Viewer {
                role: stepwise_domain::access::Role::InformationGovernance,
                ..Default::default()
            },
            policy: stepwise_domain::access::AccessPolicy::default(),
        }
    }
    fn reader(&self) -> Reader<'_> {
        Reader {
            actor: &self.actor,
            viewer: &self.viewer,
            policy: &self.policy,
        }
    }
}

async fn loaded() -> Vec<(&'static str, Store)> {
    loaded_with_urls()
        .await
        .into_iter()
        .map(|(name, s, _)| (name, s))
        .collect()
}

/// `loaded()`, with each database's URL (see `stores_with_urls`).
async fn loaded_with_urls() -> Vec<(&'static str, Store, String)> {
    let mut v = Vec::new();
    for (name, s, url) in stores_with_urls().await {
        s.journeys()
            .bulk_load(&fixture(), &Actor::System("test"), |_, _, _| {})
            .await
            .unwrap();
        v.push((name, s, url));
    }
    v
}

/// Runs one statement on the database at `url` through a connection of the test's own,
/// bypassing the store (and so the audit chain), with `seq` bound as `$1`.
async fn tamper(url: &str, sql: &str, seq: i64) -> u64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let n = sqlx::query(sql)
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    pool.close().await;
    n
}

async fn count(s: &Store) -> (usize, i64) {
    let events = s.journeys().child_log(PersonId(1)).await.unwrap().len();
    (events, s.audit_log().verify().await.unwrap().entries)
}

#[tokio::test]
async fn migrations_are_idempotent_and_a_second_load_is_refused() {
    for (name, s) in loaded().await {
        assert!(!s.journeys().is_empty().await.unwrap(), "{name}");
        let again = s
            .journeys()
            .bulk_load(&fixture(), &Actor::System("test"), |_, _, _| {})
            .await;
        assert!(matches!(again, Err(StoreError::NotEmpty(_))), "{name}");
        assert_eq!(s.people().count_people().await.unwrap(), (3, 1), "{name}");
        assert_eq!(
            s.organisation()
                .authority()
                .await
                .unwrap()
                .map(|a| a.la_code),
            Some("990".into()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn bulk_load_builds_projections_equal_to_replay() {
    for (name, s) in loaded().await {
        let st = s
            .journeys()
            .child_state(PersonId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(st.involvements(), vec![Involvement::ChildInNeed], "{name}");
        assert_eq!(st.allocated.map(|a| a.worker), Some(WorkerId(1)), "{name}");
        assert!(
            s.journeys().check_projections().await.unwrap().is_empty(),
            "{name}"
        );
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_event_its_projection_and_its_audit_row_commit_together() {
    for (name, s) in loaded().await {
        let (events, audits) = count(&s).await;
        let placement = Placement {
            legal_status: "C1".parse().unwrap(),
            placement: "U6".parse().unwrap(),
            provider: "PR1".parse().unwrap(),
            category_of_need: "N1".parse().unwrap(),
            home_postcode: Postcode::parse("NB1 4QT").ok(),
            placement_postcode: Postcode::parse("NB7 2DD").ok(),
            urn: None,
        };
        let e = append(
            &s,
            "req-1",
            ev(
                1,
                0,
                d(2024, 6, 1),
                EventKind::LookedAfterStarted {
                    placement,
                    previous_permanence: None,
                },
            ),
        )
        .await
        .unwrap();
        assert!(
            e.seq.0 > 8,
            "{name}: the log position is assigned by the store"
        );
        let st = s
            .journeys()
            .child_state(PersonId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(st.legal_status(), Some("C1"), "{name}");
        assert_eq!(count(&s).await, (events + 1, audits + 1), "{name}");
        let last = s.audit_log().entries(Some("person:1"), 1).await.unwrap();
        assert_eq!(last[0].action, "event.record", "{name}");
        assert_eq!(last[0].request_id, "req-1", "{name}");
        assert!(
            s.journeys().check_projections().await.unwrap().is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn refused_events_change_nothing() {
    for (name, s) in loaded().await {
        let before = count(&s).await;
        let state_before = s.journeys().child_state(PersonId(1)).await.unwrap();
        // A code that does not exist cannot be put in an event at all; one that is not valid
        // in the collection year of the event's date is refused.
        assert!(
            "RC99"
                .parse::<stepwise_domain::codes::ReasonForClosure>()
                .is_err()
        );
        let bad_code = append(
            &s,
            "r",
            ev(
                1,
                0,
                d(2024, 6, 1),
                EventKind::LookedAfterStarted {
                    placement: stepwise_domain::events::Placement {
                        legal_status: "C2".parse().unwrap(),
                        placement: "Z11".parse().unwrap(),
                        provider: "PR1".parse().unwrap(),
                        category_of_need: "N1".parse().unwrap(),
                        home_postcode: None,
                        placement_postcode: None,
                        urn: None,
                    },
                    previous_permanence: None,
                },
            ),
        )
        .await;
        assert!(
            matches!(&bad_code, Err(StoreError::Rule(_))),
            "{name}: {bad_code:?}"
        );
        assert!(bad_code.unwrap_err().to_string().contains("Z11"), "{name}");
        // A transition that does not fit: no child protection plan is open.
        let bad_step = append(&s, "r", ev(1, 0, d(2024, 6, 1), EventKind::CpPlanEnded)).await;
        assert!(matches!(bad_step, Err(StoreError::Rule(_))), "{name}");
        // A child who does not exist, and an adult.
        assert!(
            matches!(
                append(
                    &s,
                    "r",
                    ev(999, 0, d(2024, 6, 1), EventKind::AssessmentStarted)
                )
                .await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
        assert!(
            matches!(
                append(
                    &s,
                    "r",
                    ev(3, 0, d(2024, 6, 1), EventKind::AssessmentStarted)
                )
                .await,
                Err(StoreError::Invalid(_))
            ),
            "{name}"
        );
        // A correction of an event that is not this child's.
        let mut wrong = ev(1, 0, d(2024, 6, 1), EventKind::Withdrawn);
        wrong.supersedes = Some(Supersession {
            event: EventSeq(8),
            reason: "x".into(),
        });
        assert!(
            matches!(append(&s, "r", wrong).await, Err(StoreError::Rule(_))),
            "{name}"
        );
        assert_eq!(count(&s).await, before, "{name}");
        assert_eq!(
            s.journeys().child_state(PersonId(1)).await.unwrap(),
            state_before,
            "{name}"
        );
    }
}

#[tokio::test]
async fn corrections_and_late_entries_rebuild_the_projection() {
    for (name, s) in loaded().await {
        // Withdraw the CIN plan start: the child is back to an open referral.
        let mut w = ev(1, 0, d(2024, 3, 1), EventKind::Withdrawn);
        w.supersedes = Some(Supersession {
            event: EventSeq(7),
            reason: "recorded against the wrong child".into(),
        });
        append(&s, "r", w).await.unwrap();
        let st = s
            .journeys()
            .child_state(PersonId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(st.involvements(), vec![Involvement::Referral], "{name}");
        // A visit recorded late, before the last event.
        append(
            &s,
            "r",
            ev(
                1,
                0,
                d(2024, 1, 20),
                EventKind::Visit {
                    purpose: stepwise_domain::events::VisitPurpose::Assessment,
                    seen_alone: true,
                },
            ),
        )
        .await
        .unwrap();
        assert!(
            s.journeys().check_projections().await.unwrap().is_empty(),
            "{name}"
        );
        let rec = s
            .people()
            .open_child_record(
                &ReadAs::governance().reader(),
                "r",
                PersonId(1),
                &ChronologyFilter::default(),
                d(2024, 6, 1),
                &stepwise_domain::calendar::WorkingDayCalendar::england().unwrap(),
                "test",
            )
            .await
            .unwrap();
        let corrected = rec
            .chronology
            .iter()
            .find(|c| c.seq == EventSeq(7))
            .unwrap();
        assert!(
            corrected.corrected_by.is_some(),
            "{name}: the withdrawn entry shows what corrected it"
        );
    }
}

#[tokio::test]
async fn the_audit_chain_detects_altered_removed_and_inserted_entries() {
    for (name, s, url) in loaded_with_urls().await {
        for i in 0..5 {
            s.audit_log()
                .record(
                    &actor(),
                    AuditAction::Search,
                    &AuditSubject::parse(&format!("query:{i}")),
                    "r",
                    "",
                )
                .await
                .unwrap();
        }
        let v = s.audit_log().verify().await.unwrap();
        assert!(v.problem.is_none(), "{name}");
        // Altered.
        tamper(
            &url,
            "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = $1",
            3,
        )
        .await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::Altered { seq: 3 }),
            "{name}"
        );
    }
    for (name, s, url) in loaded_with_urls().await {
        for i in 0..5 {
            s.audit_log()
                .record(
                    &actor(),
                    AuditAction::Search,
                    &AuditSubject::parse(&format!("query:{i}")),
                    "r",
                    "",
                )
                .await
                .unwrap();
        }
        // Removed from the middle.
        tamper(&url, "DELETE FROM audit_log WHERE seq = $1", 4).await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::Removed { after: 3, next: 5 }),
            "{name}"
        );
    }
    for (name, s, url) in loaded_with_urls().await {
        for i in 0..5 {
            s.audit_log()
                .record(
                    &actor(),
                    AuditAction::Search,
                    &AuditSubject::parse(&format!("query:{i}")),
                    "r",
                    "",
                )
                .await
                .unwrap();
        }
        let n = s.audit_log().verify().await.unwrap().entries;
        // Removed from the end.
        tamper(&url, "DELETE FROM audit_log WHERE seq = $1", n).await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::Truncated {
                last: n - 1,
                expected: n
            }),
            "{name}"
        );
    }
    for (name, s, url) in loaded_with_urls().await {
        for i in 0..5 {
            s.audit_log()
                .record(
                    &actor(),
                    AuditAction::Search,
                    &AuditSubject::parse(&format!("query:{i}")),
                    "r",
                    "",
                )
                .await
                .unwrap();
        }
        // Inserted: rows after 2 are renumbered up by one and a forged row put in at 3, copying
        // the neighbouring hashes (the forger lacks the key, so cannot make a valid one).
        let n = s.audit_log().verify().await.unwrap().entries;
        for seq in (3..=n).rev() {
            tamper(
                &url,
                "UPDATE audit_log SET seq = seq + 1 WHERE seq = $1",
                seq,
            )
            .await;
        }
        tamper(
            &url,
            "INSERT INTO audit_log (seq, at, actor, action, subject, request_id, detail, prev_hash, hash) SELECT $1, at, actor, 'record.view', 'person:1', request_id, detail, prev_hash, hash FROM audit_log WHERE seq = 2",
            3,
        )
        .await;
        let p = s.audit_log().verify().await.unwrap().problem;
        assert_eq!(p, Some(AuditProblem::Altered { seq: 3 }), "{name}");
    }
}

#[tokio::test]
async fn a_forged_row_with_a_recomputed_unkeyed_hash_is_caught() {
    for (name, s, url) in loaded_with_urls().await {
        // Append a row at the end whose hash was computed without the key.
        let n = s.audit_log().verify().await.unwrap().entries;
        tamper(
            &url,
            "INSERT INTO audit_log (seq, at, actor, action, subject, request_id, detail, prev_hash, hash) SELECT $1 + 1, at, actor, action, subject, request_id, detail, hash, 'deadbeef' FROM audit_log WHERE seq = $1",
            n,
        )
        .await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::Altered { seq: n + 1 }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn concurrent_writers_keep_the_chain_whole() {
    for (name, s) in loaded().await {
        let mut handles = Vec::new();
        for t in 0..4 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                for i in 0..10 {
                    s.audit_log()
                        .record(
                            &actor(),
                            AuditAction::Search,
                            &AuditSubject::parse(&format!("t{t}-{i}")),
                            "r",
                            "",
                        )
                        .await
                        .unwrap();
                    if i % 3 == 0 {
                        append(
                            &s,
                            "r",
                            ev(
                                1,
                                0,
                                d(2024, 3, 1 + i),
                                EventKind::CaseNote {
                                    subject: format!("note {t}/{i}"),
                                    text: "text".into(),
                                },
                            ),
                        )
                        .await
                        .unwrap();
                    }
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let v = s.audit_log().verify().await.unwrap();
        assert!(v.problem.is_none(), "{name}: {:?}", v.problem);
        assert!(
            s.journeys().check_projections().await.unwrap().is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn search_tolerates_spelling_and_order_and_finds_identifiers() {
    for (name, s) in loaded().await {
        let q = |t: &str| SearchQuery {
            text: t.into(),
            date_of_birth: None,
            page: PageRequest::first(10),
            include_sealed: false,
        };
        let ids = |v: Paged<PersonMatch>| v.into_iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.people().search_people(&q("hussain amira")).await.unwrap()).first(),
            Some(&1),
            "{name}"
        );
        assert_eq!(
            ids(s.people().search_people(&q("Amria Husain")).await.unwrap()).first(),
            Some(&1),
            "{name}"
        );
        assert_eq!(
            ids(s
                .people()
                .search_people(&q("catherine oneill"))
                .await
                .unwrap()),
            vec![4],
            "{name}: O'Neill typed without the apostrophe"
        );
        assert_eq!(
            ids(s.people().search_people(&q("zebedee")).await.unwrap()),
            Vec::<i64>::new(),
            "{name}"
        );
        assert_eq!(
            ids(s
                .people()
                .search_people(&q("catherine neill"))
                .await
                .unwrap()),
            vec![4],
            "{name}"
        );
        let former = s.people().search_people(&q("amira begum")).await.unwrap();
        assert_eq!(
            former.first().and_then(|m| m.matched_other_name.clone()),
            Some("Amira Begum".into()),
            "{name}"
        );
        let by_nhs = s
            .people()
            .search_people(&q(fixture().people[0]
                .nhs_number
                .as_ref()
                .unwrap()
                .formatted()
                .as_str()))
            .await
            .unwrap();
        assert_eq!(ids(by_nhs), vec![1], "{name}");
        assert_eq!(
            ids(s.people().search_people(&q("P0000002")).await.unwrap()),
            vec![2],
            "{name}"
        );
        let by_dob = s
            .people()
            .search_people(&SearchQuery {
                text: "".into(),
                date_of_birth: Some(d(2018, 7, 2)),
                page: PageRequest::first(10),
                include_sealed: false,
            })
            .await
            .unwrap();
        assert_eq!(ids(by_dob), vec![2], "{name}");
        let narrowed = s
            .people()
            .search_people(&SearchQuery {
                text: "hussain".into(),
                date_of_birth: Some(d(1988, 1, 9)),
                page: PageRequest::first(10),
                include_sealed: false,
            })
            .await
            .unwrap();
        assert_eq!(ids(narrowed), vec![3], "{name}");
    }
}

#[tokio::test]
async fn opening_a_record_is_audited_and_shows_the_family() {
    for (name, s) in loaded().await {
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
        let before = s.audit_log().verify().await.unwrap().entries;
        let rec = s
            .people()
            .open_child_record(
                &ReadAs::governance().reader(),
                "req-9",
                PersonId(1),
                &ChronologyFilter::default(),
                d(2024, 6, 1),
                &cal,
                "search",
            )
            .await
            .unwrap();
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            before + 1,
            "{name}"
        );
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(
            (
                last.action.as_str(),
                last.request_id.as_str(),
                last.actor.as_str()
            ),
            ("record.view", "req-9", "user:7:tester"),
            "{name}"
        );
        let rels: Vec<(String, bool)> = rec
            .family
            .iter()
            .map(|f| (f.relationship.clone(), f.lives_with_child))
            .collect();
        assert_eq!(
            rels,
            vec![("Mother".to_string(), true), ("Brother".to_string(), true)],
            "{name}"
        );
        assert_eq!(rec.postcode.as_deref(), Some("NB1 4QT"), "{name}");
        assert_eq!(rec.chronology_total, 7, "{name}");
        let filtered = s
            .people()
            .open_child_record(
                &ReadAs::governance().reader(),
                "r",
                PersonId(1),
                &ChronologyFilter {
                    categories: vec![stepwise_domain::events::EventCategory::Assessment],
                    ..Default::default()
                },
                d(2024, 6, 1),
                &cal,
                "t",
            )
            .await
            .unwrap();
        assert_eq!(filtered.chronology.len(), 3, "{name}");
        let recent = s
            .people()
            .my_work(
                &ReadAs::governance().reader(),
                "r",
                UserId(7),
                Some(1),
                true,
                d(2024, 6, 1),
                &cal,
            )
            .await
            .unwrap();
        assert_eq!(recent.recent.first().map(|r| r.id), Some(1), "{name}");
        assert_eq!(recent.children.len(), 1, "{name}");
        assert_eq!(
            recent
                .contacts_waiting
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            vec![4],
            "{name}"
        );
        assert!(
            matches!(
                s.people()
                    .open_child_record(
                        &ReadAs::governance().reader(),
                        "r",
                        PersonId(404),
                        &ChronologyFilter::default(),
                        d(2024, 6, 1),
                        &cal,
                        "t"
                    )
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
    }
}

#[tokio::test]
async fn users_and_sessions() {
    for (name, s) in loaded().await {
        let id = s
            .accounts()
            .upsert_user(&NewUser {
                username: "sw.demo".into(),
                display_name: "Jo".into(),
                role: stepwise_domain::access::Role::SocialWorker,
                worker_id: Some(1),
                team_id: Some(2),
                password_hash: "h".into(),
            })
            .await
            .unwrap();
        assert!(
            s.accounts()
                .upsert_user(&NewUser {
                    username: "bad name!".into(),
                    display_name: "x".into(),
                    role: stepwise_domain::access::Role::SocialWorker,
                    worker_id: None,
                    team_id: None,
                    password_hash: "h".into()
                })
                .await
                .is_err(),
            "{name}"
        );
        let exp = Utc::now() + chrono::Duration::hours(1);
        s.accounts()
            .create_session("tokenhash", id, "csrf", exp)
            .await
            .unwrap();
        let sess = s.accounts().session("tokenhash").await.unwrap().unwrap();
        assert_eq!(
            (sess.user.username.as_str(), sess.csrf_token.as_str()),
            ("sw.demo", "csrf"),
            "{name}"
        );
        assert_eq!(
            s.accounts().delete_user_sessions(id).await.unwrap(),
            1,
            "{name}"
        );
        assert!(
            s.accounts().session("tokenhash").await.unwrap().is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn team_caseloads_count_open_children() {
    for (name, s) in loaded().await {
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
        let t = s
            .organisation()
            .team_summary(
                &ReadAs::governance().reader(),
                TeamId(2),
                d(2024, 6, 1),
                &cal,
            )
            .await
            .unwrap()
            .unwrap();
        let jo = t
            .workers
            .iter()
            .find(|w| w.worker.id == WorkerId(1))
            .unwrap();
        assert_eq!((jo.children, jo.weighted), (1, 1.0), "{name}");
        assert_eq!(jo.overdue, 1, "{name}: the CIN visit is overdue by June");
        assert!(
            s.organisation()
                .team_summary(
                    &ReadAs::governance().reader(),
                    TeamId(99),
                    d(2024, 6, 1),
                    &cal
                )
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
    }
}

async fn user(
    s: &Store,
    username: &str,
    role: stepwise_domain::access::Role,
    worker: Option<i64>,
    team: Option<i64>,
) -> UserAccount {
    s.accounts()
        .upsert_user(&NewUser {
            username: username.into(),
            display_name: username.into(),
            role,
            worker_id: worker,
            team_id: team,
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    s.accounts()
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn access_facts_come_from_the_record_and_the_organisation() {
    use stepwise_domain::access::{Role, Service};
    for (name, s) in loaded().await {
        let now = Utc::now();
        let f = s.governance().child_facts(PersonId(1), now).await.unwrap();
        assert_eq!(f.allocated_worker, Some(WorkerId(1)), "{name}");
        assert_eq!(f.teams, vec![TeamId(2)], "{name}");
        assert_eq!(
            f.localities,
            vec![LocalityId(1)],
            "{name}: the team's and the home's locality"
        );
        assert!(
            f.services.contains(&Service::Safeguarding),
            "{name}: {:?}",
            f.services
        );
        // The adult has no involvements; she belongs to where she lives.
        let mother = s.governance().child_facts(PersonId(3), now).await.unwrap();
        assert_eq!(
            (mother.allocated_worker, mother.teams.len()),
            (None, 0),
            "{name}"
        );
        assert_eq!(mother.localities, vec![LocalityId(1)], "{name}");
        let u = user(&s, "eh.north", Role::EarlyHelpKeyworker, Some(2), Some(2)).await;
        let v = s.governance().viewer(&u, now).await.unwrap();
        assert_eq!(
            (v.team, v.locality, v.service),
            (
                Some(TeamId(2)),
                Some(LocalityId(1)),
                Some(Service::Safeguarding)
            ),
            "{name}"
        );
        assert!(v.grants.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn a_refused_read_is_audited_and_returns_nothing_and_a_grant_opens_one_record() {
    use stepwise_domain::access::{AccessPolicy, Basis, Permission, Role};
    for (name, s) in loaded().await {
        let now = Utc::now();
        let policy = AccessPolicy::default();
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
        let admin = user(&s, "admin", Role::SystemAdministrator, None, None).await;
        let ig = user(&s, "ig", Role::InformationGovernance, None, None).await;
        let admin_actor = Actor::User {
            id: admin.id,
            username: admin.username.clone(),
        };
        let open = |viewer: stepwise_domain::access::Viewer| {
            let s = s.clone();
            let policy = policy.clone();
            let admin_actor = admin_actor.clone();
            let cal = cal.clone();
            async move {
                s.people()
                    .open_child_record(
                        &Reader {
                            actor: &admin_actor,
                            viewer: &viewer,
                            policy: &policy,
                        },
                        "req-a",
                        PersonId(1),
                        &ChronologyFilter::default(),
                        d(2024, 6, 1),
                        &cal,
                        "test",
                    )
                    .await
            }
        };
        let before = s.audit_log().verify().await.unwrap().entries;
        let refused = open(s.governance().viewer(&admin, now).await.unwrap()).await;
        assert!(
            matches!(&refused, Err(StoreError::Forbidden(r)) if r.contains("System administrator")),
            "{name}: {refused:?}"
        );
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(
            (last.action.as_str(), last.request_id.as_str()),
            ("record.denied", "req-a"),
            "{name}"
        );
        assert!(
            last.detail.starts_with("view_child_record: "),
            "{name}: {}",
            last.detail
        );
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            before + 1,
            "{name}: only the refusal is written"
        );

        // Grants that must be refused change nothing.
        let grant = |user_id: UserId, child: i64, reason: &str, days: i64| NewGrant {
            user_id,
            child: PersonId(child),
            reason: reason.into(),
            until: now + chrono::Duration::days(days),
        };
        let entries = s.audit_log().verify().await.unwrap().entries;
        for (g, says) in [
            (grant(admin.id, 1, "short", 1), "reason"),
            (
                grant(ig.id, 1, "Reviewing a complaint about the record", 1),
                "yourself",
            ),
            (
                grant(admin.id, 1, "Reviewing a complaint about the record", 0),
                "future",
            ),
            (
                grant(admin.id, 1, "Reviewing a complaint about the record", 31),
                "at most 30 days",
            ),
            (
                grant(UserId(9999), 1, "Reviewing a complaint about the record", 1),
                "user 9999",
            ),
            (
                grant(admin.id, 404, "Reviewing a complaint about the record", 1),
                "P0000404",
            ),
        ] {
            let e = s
                .governance()
                .create_grant(&ig, "req-g", &g, now)
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            entries,
            "{name}"
        );
        assert!(
            s.governance().grants(None, now).await.unwrap().is_empty(),
            "{name}"
        );

        let id = s
            .governance()
            .create_grant(
                &ig,
                "req-g",
                &grant(
                    admin.id,
                    1,
                    "Checking a data quality fault reported by the team",
                    1,
                ),
                now,
            )
            .await
            .unwrap();
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(last.action, "grant.create", "{name}");
        assert!(
            last.detail.contains("to admin") && last.detail.contains("data quality"),
            "{name}: {}",
            last.detail
        );
        let viewer = s.governance().viewer(&admin, Utc::now()).await.unwrap();
        assert_eq!(viewer.grants.len(), 1, "{name}");
        assert!(
            open(viewer.clone()).await.is_ok(),
            "{name}: the grant opens the record"
        );
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(last.action, "record.view", "{name}");
        assert!(
            last.detail.contains(&format!("temporary grant {id}")),
            "{name}: {}",
            last.detail
        );
        // Only that record.
        let facts = s
            .governance()
            .child_facts(PersonId(2), Utc::now())
            .await
            .unwrap();
        assert!(
            !matches!(
                policy.decide(&viewer, Permission::ViewChildRecord, &facts, Utc::now()),
                stepwise_domain::access::Decision::Allowed(_)
            ),
            "{name}"
        );
        let rows = s
            .governance()
            .grants(Some(PersonId(1)), Utc::now())
            .await
            .unwrap();
        assert_eq!(
            (
                rows.len(),
                rows[0].active,
                rows[0].username.as_str(),
                rows[0].granted_by.as_str()
            ),
            (1, true, "admin", "ig"),
            "{name}"
        );

        s.governance()
            .revoke_grant(&ig, "req-r", id, Utc::now())
            .await
            .unwrap();
        assert!(
            s.governance()
                .revoke_grant(&ig, "req-r", id, Utc::now())
                .await
                .is_err(),
            "{name}: revoked once"
        );
        let viewer = s.governance().viewer(&admin, Utc::now()).await.unwrap();
        assert!(viewer.grants.is_empty(), "{name}");
        assert!(
            matches!(open(viewer).await, Err(StoreError::Forbidden(_))),
            "{name}: revoked"
        );
        let rows = s.governance().grants(None, Utc::now()).await.unwrap();
        assert!(!rows[0].active && rows[0].revoked_at.is_some(), "{name}");

        // The allocated worker reads on that basis, and it is what the audit row says.
        let sw = user(&s, "jo", Role::SocialWorker, Some(1), Some(2)).await;
        let v = s.governance().viewer(&sw, Utc::now()).await.unwrap();
        let basis = s
            .people()
            .check_record_access(
                &Reader {
                    actor: &actor(),
                    viewer: &v,
                    policy: &policy,
                },
                "r",
                PersonId(1),
                Permission::ViewChildRecord,
            )
            .await
            .unwrap();
        assert_eq!(basis, Basis::Allocated, "{name}");
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_access_log_and_user_activity_are_read_from_the_chain_and_audited() {
    use stepwise_domain::access::Role;
    for (name, s) in loaded().await {
        let ig = user(&s, "ig", Role::InformationGovernance, None, None).await;
        let ig_actor = Actor::User {
            id: ig.id,
            username: ig.username.clone(),
        };
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
        s.people()
            .open_child_record(
                &ReadAs::governance().reader(),
                "r1",
                PersonId(1),
                &ChronologyFilter::default(),
                d(2024, 6, 1),
                &cal,
                "test",
            )
            .await
            .unwrap();
        let (who, log) = s
            .governance()
            .record_access_log(&ig_actor, "r2", PersonId(1), 100)
            .await
            .unwrap();
        assert_eq!(who, "Amira Hussain", "{name}");
        assert_eq!(
            log.iter().filter(|e| e.action == "record.view").count(),
            1,
            "{name}"
        );
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("record.access_log", "user:1:ig"),
            "{name}: reading the log is logged"
        );
        let mine = s
            .governance()
            .user_activity(&ig_actor, "r3", UserId(7), (None, None), 100)
            .await
            .unwrap();
        assert!(
            mine.iter().all(|e| e.actor.starts_with("user:7:")),
            "{name}"
        );
        assert!(mine.iter().any(|e| e.action == "record.view"), "{name}");
        assert!(
            matches!(
                s.governance()
                    .record_access_log(&ig_actor, "r4", PersonId(404), 10)
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
    }
}

#[tokio::test]
async fn restricted_records_are_found_by_name_only_and_sealed_ones_not_at_all() {
    use stepwise_domain::access::{AccessPolicy, RestrictionKind, Role};
    for (name, s) in loaded().await {
        let ig = user(&s, "ig", Role::InformationGovernance, None, None).await;
        let ig_actor = Actor::User {
            id: ig.id,
            username: ig.username.clone(),
        };
        // Bad restrictions are refused and change nothing.
        let before = s.audit_log().verify().await.unwrap().entries;
        for (category, note, says) in [
            ("gossip", "A note long enough", "not a restriction category"),
            ("staff_relative", "short", "in a sentence"),
        ] {
            let e = s
                .governance()
                .set_restriction(
                    &ig_actor,
                    "r",
                    PersonId(1),
                    RestrictionKind::Restricted,
                    category,
                    note,
                )
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        assert!(
            matches!(
                s.governance()
                    .set_restriction(
                        &ig_actor,
                        "r",
                        PersonId(404),
                        RestrictionKind::Restricted,
                        "other",
                        "A note long enough"
                    )
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
        assert!(
            s.governance()
                .lift_restriction(&ig_actor, "r", PersonId(1))
                .await
                .is_err(),
            "{name}: nothing to lift"
        );
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            before,
            "{name}"
        );

        s.governance()
            .set_restriction(
                &ig_actor,
                "r",
                PersonId(1),
                RestrictionKind::Restricted,
                "staff_relative",
                "Child of a member of the front door team",
            )
            .await
            .unwrap();
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(last.action, "restriction.set", "{name}");
        let q = |t: &str, dob: Option<NaiveDate>, sealed: bool| SearchQuery {
            text: t.into(),
            date_of_birth: dob,
            page: PageRequest::first(10),
            include_sealed: sealed,
        };
        let by_name = s
            .people()
            .search_people(&q("amira hussain", None, false))
            .await
            .unwrap();
        let hit = by_name.iter().find(|m| m.id == 1).expect("found by name");
        assert_eq!(hit.restriction, Some(RestrictionKind::Restricted), "{name}");
        assert!(
            hit.date_of_birth.is_none() && hit.postcode.is_none() && hit.open.is_empty(),
            "{name}: only the name shows"
        );
        let nhs = fixture().people[0].nhs_number.clone().unwrap();
        assert!(
            s.people()
                .search_people(&q(nhs.as_str(), None, false))
                .await
                .unwrap()
                .is_empty(),
            "{name}: not by identifier"
        );
        assert!(
            s.people()
                .search_people(&q("P0000001", None, false))
                .await
                .unwrap()
                .is_empty(),
            "{name}: not by local id"
        );
        assert!(
            !s.people()
                .search_people(&q("amira", Some(d(2015, 3, 27)), false))
                .await
                .unwrap()
                .iter()
                .any(|m| m.id == 1),
            "{name}: not by name and date of birth"
        );
        // Opening by role needs a reason; the allocated worker needs none.
        let policy = AccessPolicy::default();
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
        let fd = user(&s, "fd", Role::FrontDoorPractitioner, None, None).await;
        let fd_actor = Actor::User {
            id: fd.id,
            username: fd.username.clone(),
        };
        let open = |v: stepwise_domain::access::Viewer| {
            let (s, policy, a, cal) = (s.clone(), policy.clone(), fd_actor.clone(), cal.clone());
            async move {
                s.people()
                    .open_child_record(
                        &Reader {
                            actor: &a,
                            viewer: &v,
                            policy: &policy,
                        },
                        "r",
                        PersonId(1),
                        &ChronologyFilter::default(),
                        d(2024, 6, 1),
                        &cal,
                        "t",
                    )
                    .await
            }
        };
        assert!(
            matches!(
                open(s.governance().viewer(&fd, Utc::now()).await.unwrap()).await,
                Err(StoreError::ReasonNeeded(_))
            ),
            "{name}"
        );
        assert!(
            s.governance()
                .state_reason(&fd_actor, "r", PersonId(1), "too short")
                .await
                .is_err(),
            "{name}"
        );
        s.governance()
            .state_reason(
                &fd_actor,
                "r",
                PersonId(1),
                "New contact from the school about Amira today",
            )
            .await
            .unwrap();
        let rec = open(s.governance().viewer(&fd, Utc::now()).await.unwrap())
            .await
            .unwrap();
        assert_eq!(
            rec.restriction.map(|r| r.kind),
            Some(RestrictionKind::Restricted),
            "{name}"
        );
        let openings = s.governance().restricted_openings(10).await.unwrap();
        assert_eq!(
            (openings.len(), openings[0].person_id),
            (1, PersonId(1)),
            "{name}"
        );
        assert!(openings[0].reason.contains("school"), "{name}");
        let sw = user(&s, "jo", Role::SocialWorker, Some(1), Some(2)).await;
        assert!(
            open(s.governance().viewer(&sw, Utc::now()).await.unwrap())
                .await
                .is_ok(),
            "{name}: allocated worker"
        );
        // On her brother's record she shows by name only.
        let brother = s
            .people()
            .open_child_record(
                &ReadAs::governance().reader(),
                "r",
                PersonId(2),
                &ChronologyFilter::default(),
                d(2024, 6, 1),
                &cal,
                "t",
            )
            .await
            .unwrap();
        let amira = brother.family.iter().find(|f| f.id == 1).unwrap();
        assert!(
            amira.restriction.is_some() && amira.age.is_none() && amira.open.is_empty(),
            "{name}"
        );

        // Sealed: found by nobody without the permission, not even by name; opening is "not found".
        s.governance()
            .set_restriction(
                &ig_actor,
                "r",
                PersonId(1),
                RestrictionKind::Sealed,
                "sealed_adoption",
                "Adopted; the adoption record is sealed",
            )
            .await
            .unwrap();
        assert!(
            s.people()
                .search_people(&q("amira hussain", None, false))
                .await
                .unwrap()
                .iter()
                .all(|m| m.id != 1),
            "{name}"
        );
        assert!(
            s.people()
                .search_people(&q("amira hussain", None, true))
                .await
                .unwrap()
                .iter()
                .any(|m| m.id == 1),
            "{name}: information governance finds it"
        );
        assert!(
            matches!(
                open(s.governance().viewer(&sw, Utc::now()).await.unwrap()).await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(
            (last.action.as_str(), last.detail.as_str()),
            ("record.denied", "view_child_record: sealed record"),
            "{name}"
        );
        let fd_brother = s
            .people()
            .open_child_record(
                &Reader {
                    actor: &fd_actor,
                    viewer: &s.governance().viewer(&fd, Utc::now()).await.unwrap(),
                    policy: &policy,
                },
                "r",
                PersonId(2),
                &ChronologyFilter::default(),
                d(2024, 6, 1),
                &cal,
                "t",
            )
            .await
            .unwrap();
        assert!(
            fd_brother.family.iter().all(|f| f.id != 1),
            "{name}: a sealed sibling is left out"
        );
        s.governance()
            .lift_restriction(&ig_actor, "r", PersonId(1))
            .await
            .unwrap();
        assert!(
            s.governance()
                .restriction(PersonId(1))
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_disposal_queue_follows_the_schedule_and_records_each_decision() {
    use stepwise_domain::retention::RetentionSchedule;
    for (name, s) in loaded().await {
        let schedule = RetentionSchedule::default();
        let today = d(2026, 12, 1);
        assert!(
            s.governance()
                .disposal_queue(&schedule, today, PageRequest::first(100))
                .await
                .unwrap()
                .is_empty(),
            "{name}: nothing is due yet"
        );
        let far = d(2100, 1, 1);
        let due = s
            .governance()
            .disposal_queue(&schedule, far, PageRequest::first(100))
            .await
            .unwrap();
        let amira = due
            .iter()
            .find(|c| c.person_id == PersonId(1))
            .expect("Amira is due by 2100");
        assert_eq!(
            amira.governing, "child_in_need",
            "{name}: she was a child in need"
        );
        assert_eq!(amira.due, d(2040, 3, 27), "{name}: her 25th birthday");
        // A later event moves the date (the queue brings its cached assessments up to date).
        append(
            &s,
            "r",
            ev(
                1,
                0,
                d(2036, 1, 10),
                EventKind::Visit {
                    purpose: stepwise_domain::events::VisitPurpose::ChildInNeed,
                    seen_alone: true,
                },
            ),
        )
        .await
        .unwrap();
        let due = s
            .governance()
            .disposal_queue(&schedule, far, PageRequest::first(100))
            .await
            .unwrap();
        let amira = due.iter().find(|c| c.person_id == PersonId(1)).unwrap();
        assert_eq!(
            amira.due,
            d(2042, 1, 10),
            "{name}: six years after the last activity"
        );
        let actor = actor();
        let before = s.audit_log().verify().await.unwrap().entries;
        for (decision, reason, says) in [
            (RetentionDecision::Dispose, "no", "in a sentence"),
            (
                RetentionDecision::Keep { review_on: today },
                "Ongoing litigation about the placement",
                "after today",
            ),
        ] {
            let e = s
                .governance()
                .decide_retention(&actor, "r", PersonId(1), decision, reason, today)
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        assert!(
            matches!(
                s.governance()
                    .decide_retention(
                        &actor,
                        "r",
                        PersonId(404),
                        RetentionDecision::Dispose,
                        "A long enough reason",
                        today
                    )
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "{name}"
        );
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            before,
            "{name}: refusals write nothing"
        );
        s.governance()
            .decide_retention(
                &actor,
                "r",
                PersonId(1),
                RetentionDecision::Keep {
                    review_on: d(2101, 1, 1),
                },
                "Ongoing litigation about the placement",
                today,
            )
            .await
            .unwrap();
        let last = &s.audit_log().entries(Some("person:1"), 1).await.unwrap()[0];
        assert_eq!(last.action, "retention.decision", "{name}");
        assert!(
            last.detail.starts_with("keep until 2101-01-01"),
            "{name}: {}",
            last.detail
        );
        let due = s
            .governance()
            .disposal_queue(&schedule, far, PageRequest::first(100))
            .await
            .unwrap();
        assert!(
            due.iter().all(|c| c.person_id != PersonId(1)),
            "{name}: kept until after the date asked about"
        );
        let later = s
            .governance()
            .disposal_queue(&schedule, d(2102, 1, 1), PageRequest::first(100))
            .await
            .unwrap();
        let again = later
            .iter()
            .find(|c| c.person_id == PersonId(1))
            .expect("due again after the review date");
        assert_eq!(
            again.previous.as_deref(),
            Some("keep until 2101-01-01"),
            "{name}"
        );
        s.governance()
            .decide_retention(
                &actor,
                "r",
                PersonId(1),
                RetentionDecision::Dispose,
                "Retention period ended; no reason to keep",
                today,
            )
            .await
            .unwrap();
        assert!(
            s.governance()
                .disposal_queue(&schedule, d(2102, 1, 1), PageRequest::first(100))
                .await
                .unwrap()
                .iter()
                .all(|c| c.person_id != PersonId(1)),
            "{name}"
        );
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}
mod api_tokens;
mod audit_batching;
mod contacts;
mod contacts_load;
mod lists;
mod matching;
mod reviewing;
mod sec_accounts;
mod sec_records;
mod sec_signin;
mod snapshot;
mod write_path;
