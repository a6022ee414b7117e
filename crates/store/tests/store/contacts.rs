//! Contacts at the front door (ADR 0007): acknowledged whole or not at all, never creating a
//! duplicate silently, screened, and decided child by child with the routing recorded on each
//! child's journey in the same write.

use super::*;
use stepwise_domain::access::{AccessPolicy, RestrictionKind, Role, Viewer};
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::contact::{
    Agency, Channel, ContactInput, ContactStatus, DecisionInput, NewContact,
};
use stepwise_domain::screening::{Rag, ScreeningTargets};
use stepwise_domain::threshold::{Preset, ThresholdModel};

/// The shared fixture with the teams a decision routes to: an early help team in the North
/// Hub, one elsewhere, and an assessment team; and a front-door worker.
async fn front_door_stores() -> Vec<(&'static str, Store, String)> {
    let mut f = fixture();
    f.localities.push(Locality {
        id: LocalityId(2),
        name: "South Hub".into(),
    });
    f.teams.extend([
        Team {
            id: TeamId(3),
            name: "South Early Help".into(),
            kind: TeamKind::EarlyHelp,
            locality: Some(LocalityId(2)),
        },
        Team {
            id: TeamId(4),
            name: "North Early Help".into(),
            kind: TeamKind::EarlyHelp,
            locality: Some(LocalityId(1)),
        },
        Team {
            id: TeamId(5),
            name: "Assessment Team".into(),
            kind: TeamKind::Assessment,
            locality: None,
        },
    ]);
    f.workers.push(Worker {
        id: WorkerId(3),
        name: "Fran Screener".into(),
        role: WorkerRole::SocialWorker,
        team: TeamId(1),
        employment: Employment::Permanent,
        fte: 1.0,
        registration: Some("SW100003".into()),
    });
    let mut v = Vec::new();
    for (name, s, url) in stores_with_urls().await {
        s.journeys()
            .bulk_load(&f, &Actor::System("test"), |_, _, _| {})
            .await
            .unwrap();
        v.push((name, s, url));
    }
    v
}

/// A front-door user linked to worker 3.
struct As {
    actor: Actor,
    viewer: Viewer,
    policy: AccessPolicy,
}

impl As {
    async fn user(s: &Store, username: &str, role: Role) -> Self {
        Self::worker(s, username, role, 3).await
    }
    async fn worker(s: &Store, username: &str, role: Role, worker: i64) -> Self {
        let id = s
            .accounts()
            .upsert_user(&NewUser {
                username: username.into(),
                display_name: username.into(),
                role,
                worker_id: Some(worker),
                team_id: Some(1),
                password_hash: String::new(),
            })
            .await
            .unwrap();
        Self {
            actor: Actor::User {
                id,
                username: username.into(),
            },
            viewer: Viewer {
                role,
                worker: Some(WorkerId(worker)),
                team: Some(TeamId(1)),
                ..Viewer::default()
            },
            policy: AccessPolicy::default(),
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

fn input(v: serde_json::Value) -> ContactInput {
    serde_json::from_value(v).unwrap()
}

/// A police contact about a new child at the family's postcode, Sami (on the record), and a new
/// adult.
fn police_contact(s: &Store) -> NewContact {
    input(serde_json::json!({
        "source": "6",
        "referrer": {"name": "PC Lee", "agency": "Police", "phone": "01632 960000", "email": "lee@police.example"},
        "concerns": "Domestic incident at the home last night; children present.",
        "consent": {"status": "not_sought", "basis": "Seeking consent would increase the risk"},
        "urgency": "red",
        "children": [
            {"given_name": "Noor", "family_name": "Quinlan", "date_of_birth": "2021-06-01", "sex": "F", "postcode": "NB1 4QT"},
            {"person_id": 2}
        ],
        "adults": [{"given_name": "Dale", "family_name": "Quinlan", "postcode": "NB1 4QT"}]
    }))
    .check(s.now())
    .unwrap()
}

fn cal() -> WorkingDayCalendar {
    WorkingDayCalendar::england().unwrap()
}

/// The rows in a table, read through a connection of the test's own.
async fn count(url: &str, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    sqlx::Row::get::<i64, _>(&row, "n")
}

#[tokio::test]
async fn a_contact_is_acknowledged_whole_with_its_new_people_and_each_childs_event() {
    for (name, s, url) in front_door_stores().await {
        let url = url.as_str();
        let fd = As::user(&s, "fd.one", Role::FrontDoorPractitioner).await;
        let before = count(url, "persons").await;
        let got = s
            .front_door()
            .receive(
                &fd.reader(),
                "req-c1",
                police_contact(&s),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(got.children.len(), 2, "{name}");
        assert_eq!(got.children[1], PersonId(2), "{name}");
        assert_eq!(got.created.len(), 2, "{name}: a child and an adult");
        assert_eq!(count(url, "persons").await, before + 2, "{name}");
        assert_eq!(got.rag, Rag::Red);
        // Red: within four hours of receipt, day or night.
        assert!(
            got.decide_by > s.now() && got.decide_by <= s.now() + chrono::Duration::hours(4),
            "{name}: {:?}",
            got.decide_by
        );
        // Each child's journey holds the contact, recorded by the screener's worker.
        for child in &got.children {
            let log = s.journeys().child_log(*child).await.unwrap();
            let last = log.last().unwrap();
            assert!(
                matches!(&last.kind, EventKind::ContactReceived { source, consent, .. } if source.as_str() == "6" && !consent),
                "{name}: {last:?}"
            );
            assert_eq!(last.recorded_by, WorkerId(3), "{name}");
        }
        // The new child shares a new household with the new adult, at the family's locality.
        let new_child = got.created[0];
        let found = s
            .people()
            .match_people(
                &stepwise_domain::matching::Incoming {
                    given_name: "Noor".into(),
                    family_name: "Quinlan".into(),
                    date_of_birth: Some(d(2021, 6, 1)),
                    ..Default::default()
                },
                false,
            )
            .await
            .unwrap();
        assert_eq!(found[0].found.person_id, new_child, "{name}: searchable");
        assert_eq!(found[0].postcode.as_deref(), Some("NB1 4QT"), "{name}");

        // The queue shows it, red, with what is known of each child.
        let q = s.front_door().queue(&fd.reader(), "req-q").await.unwrap();
        assert_eq!(q.len(), 1, "{name}");
        assert_eq!(q[0].rag, Rag::Red);
        assert_eq!(q[0].status, ContactStatus::Awaiting);
        let sami = &q[0].children[1];
        assert!(sami.known && !sami.created, "{name}: {sami:?}");
        let noor = &q[0].children[0];
        assert!(noor.created && !noor.known, "{name}: {noor:?}");

        // The detail is audited on each child's access log.
        let c = s
            .front_door()
            .contact(&fd.reader(), "req-view", got.id)
            .await
            .unwrap();
        assert_eq!(c.adults.len(), 1);
        assert_eq!(c.referrer.phone, "01632 960000");
        let views = s.audit_log().entries(Some("person:2"), 100).await.unwrap();
        for label in ["contact.received", "contact.view"] {
            assert!(
                views.iter().any(|e| e.action.as_str() == label),
                "{name}: {label}"
            );
        }
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_new_person_who_matches_someone_is_never_created_silently() {
    for (name, s, url) in front_door_stores().await {
        let url = url.as_str();
        let fd = As::user(&s, "fd.two", Role::FrontDoorPractitioner).await;
        let amira_again = |create_new: bool, nhs_number: Option<String>| {
            input(serde_json::json!({
                "source": "3B",
                "referrer": {"name": "HV Ray", "agency": "Health"},
                "concerns": "Missed appointments.",
                "consent": {"status": "given"},
                "children": [{"given_name": "Amira", "family_name": "Husain", "date_of_birth": "2015-03-27",
                              "nhs_number": nhs_number}],
                "create_new": create_new
            }))
            .check(s.now())
            .unwrap()
        };
        let persons = count(url, "persons").await;
        let events = count(url, "events").await;
        let held = s
            .front_door()
            .receive(
                &fd.reader(),
                "r",
                amira_again(false, None),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await;
        let Err(Refused::Candidates(c)) = held else {
            panic!("{name}: {held:?}")
        };
        assert_eq!(c[0].field, "children[0]");
        assert_eq!(c[0].candidates[0].found.person_id, PersonId(1), "{name}");
        assert!(!c[0].blocking);
        assert_eq!(
            count(url, "persons").await,
            persons,
            "{name}: nothing written"
        );
        assert_eq!(count(url, "events").await, events, "{name}");
        assert_eq!(count(url, "contacts").await, 0, "{name}");

        // The same NHS number is the same person: create_new does not override it.
        let same_nhs = nhs("999000001").as_str().to_string();
        let held = s
            .front_door()
            .receive(
                &fd.reader(),
                "r",
                amira_again(true, Some(same_nhs)),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await;
        assert!(
            matches!(&held, Err(Refused::Candidates(c)) if c[0].blocking),
            "{name}: {held:?}"
        );
        assert_eq!(count(url, "persons").await, persons, "{name}");

        // Told to, having seen the candidates, the worker creates a new person.
        let made = s
            .front_door()
            .receive(
                &fd.reader(),
                "r",
                amira_again(true, None),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await
            .unwrap();
        assert_eq!(made.created.len(), 1, "{name}");
        assert_eq!(count(url, "persons").await, persons + 1, "{name}");
    }
}

#[tokio::test]
async fn a_refused_contact_names_the_field_and_writes_nothing() {
    for (name, s, url) in front_door_stores().await {
        let url = url.as_str();
        let fd = As::user(&s, "fd.three", Role::FrontDoorPractitioner).await;
        let audit_before = count(url, "audit_log").await;
        for (body, field) in [
            (
                serde_json::json!({"children": [{"person_id": 999}]}),
                "children[0].person_id",
            ),
            (
                serde_json::json!({"children": [{"person_id": 3}]}),
                "children[0].person_id",
            ),
            (
                serde_json::json!({"children": [{"given_name": "Old", "family_name": "Enough", "date_of_birth": "2000-01-01"}]}),
                "children[0].date_of_birth",
            ),
        ] {
            let mut v = serde_json::json!({
                "source": "6",
                "referrer": {"name": "PC Lee", "agency": "Police"},
                "concerns": "x",
                "consent": {"status": "given"}
            });
            v["children"] = body["children"].clone();
            let got = s
                .front_door()
                .receive(
                    &fd.reader(),
                    "r",
                    input(v).check(s.now()).unwrap(),
                    Channel::Professional,
                    &ScreeningTargets::default(),
                    &cal(),
                )
                .await;
            match got {
                Err(Refused::Fields(f)) => {
                    assert_eq!(f[0].field, field, "{name}: {f:?}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        assert_eq!(count(url, "contacts").await, 0, "{name}");
        assert_eq!(count(url, "persons").await, 4, "{name}");
        assert_eq!(
            count(url, "audit_log").await,
            audit_before,
            "{name}: no record was read or written"
        );
    }
}

#[tokio::test]
async fn a_decision_records_each_child_and_routes_them_to_a_team() {
    let model = ThresholdModel::preset(Preset::ChildConcernModel).unwrap();
    for (name, s, _) in front_door_stores().await {
        let fd = As::user(&s, "fd.four", Role::FrontDoorPractitioner).await;
        let got = s
            .front_door()
            .receive(
                &fd.reader(),
                "r",
                police_contact(&s),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await
            .unwrap();
        let noor = got.children[0];
        // A partner check asked and answered.
        let check = s
            .front_door()
            .request_check(
                &fd.reader(),
                "r",
                got.id,
                Agency::Health,
                "Known to health visiting?",
                None,
            )
            .await
            .unwrap();
        s.front_door()
            .answer_check(&fd.reader(), "r", got.id, check, "Yes: two missed checks.")
            .await
            .unwrap();
        let decision: DecisionInput = serde_json::from_value(serde_json::json!({
            "children": [
                {"person_id": noor.0, "level": "4", "outcome": "social_care_assessment", "primary_need": "N1"},
                {"person_id": 2, "level": "2", "outcome": "early_help"}
            ],
            "rationale": "Domestic abuse with a baby in the home; Sami's needs met by early help.",
            "feedback_to_referrer": "Thank you: social care will assess."
        }))
        .unwrap();
        let done = s
            .front_door()
            .decide(&fd.reader(), "r", got.id, decision, &model, false)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let Decided::Recorded { decision, events } = done else {
            panic!("{name}: proposed")
        };
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.type_name()).collect();
        assert_eq!(
            kinds,
            [
                "contact_decided",
                "referral_opened",
                "assessment_started",
                "allocation_requested",
                "contact_decided",
                "early_help_opened",
                "allocation_requested"
            ],
            "{name}"
        );
        assert_eq!(
            decision.children[0].team,
            Some(5),
            "{name}: assessment team"
        );
        assert_eq!(
            decision.children[1].team,
            Some(4),
            "{name}: Sami lives in the North Hub"
        );
        // Both wait in their team, unallocated, and the contact has left the queue.
        let noor_state = s.journeys().child_state(noor).await.unwrap().unwrap();
        assert!(noor_state.referral.is_some() && noor_state.allocated.is_none());
        assert_eq!(noor_state.awaiting_team, Some(TeamId(5)));
        assert!(
            s.front_door()
                .queue(&fd.reader(), "r")
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let c = s
            .front_door()
            .contact(&fd.reader(), "r", got.id)
            .await
            .unwrap();
        assert_eq!(c.status, ContactStatus::Decided);
        assert_eq!(
            c.checks[0].response.as_deref(),
            Some("Yes: two missed checks.")
        );
        // A second decision is refused.
        let again: DecisionInput = serde_json::from_value(serde_json::json!({
            "children": [{"person_id": noor.0, "level": "1", "outcome": "information_and_advice"},
                         {"person_id": 2, "level": "1", "outcome": "information_and_advice"}],
            "rationale": "r", "feedback_to_referrer": "f"}))
        .unwrap();
        let refused = s
            .front_door()
            .decide(&fd.reader(), "r", got.id, again, &model, false)
            .await;
        assert!(
            matches!(refused, Err(Refused::Store(StoreError::Conflict(_)))),
            "{name}: {refused:?}"
        );
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_decision_the_model_reserves_waits_for_a_manager() {
    let model = ThresholdModel::preset(Preset::ChildConcernModel).unwrap();
    for (name, s, url) in front_door_stores().await {
        let url = url.as_str();
        let fd = As::user(&s, "fd.five", Role::FrontDoorPractitioner).await;
        let manager = As::user(&s, "fd.manager", Role::FrontDoorManager).await;
        let got = s
            .front_door()
            .receive(
                &fd.reader(),
                "r",
                police_contact(&s),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await
            .unwrap();
        let nfa = || -> DecisionInput {
            serde_json::from_value(serde_json::json!({
                "children": [{"person_id": got.children[0].0, "level": "1", "outcome": "no_further_action"},
                             {"person_id": 2, "level": "1", "outcome": "no_further_action"}],
                "rationale": "Police attended; no ongoing risk.", "feedback_to_referrer": "No further action."}))
            .unwrap()
        };
        let events = count(url, "events").await;
        let proposed = s
            .front_door()
            .decide(&fd.reader(), "r", got.id, nfa(), &model, false)
            .await
            .unwrap();
        assert_eq!(proposed, Decided::Proposed, "{name}");
        assert_eq!(
            count(url, "events").await,
            events,
            "{name}: nothing recorded yet"
        );
        let q = s.front_door().queue(&fd.reader(), "r").await.unwrap();
        assert_eq!(q[0].status, ContactStatus::AwaitingAuthorisation);
        // Sent back, then proposed again and authorised.
        s.front_door()
            .authorise(
                &manager.reader(),
                "r",
                got.id,
                false,
                "Check with school first",
                &model,
            )
            .await
            .unwrap();
        assert_eq!(
            s.front_door().queue(&fd.reader(), "r").await.unwrap()[0].status,
            ContactStatus::Awaiting
        );
        s.front_door()
            .decide(&fd.reader(), "r", got.id, nfa(), &model, false)
            .await
            .unwrap();
        let done = s
            .front_door()
            .authorise(&manager.reader(), "r", got.id, true, "", &model)
            .await
            .unwrap();
        assert!(matches!(done, Decided::Recorded { .. }), "{name}");
        let c = s
            .front_door()
            .contact(&fd.reader(), "r", got.id)
            .await
            .unwrap();
        let (_, authorised_by, _) = c.decision.unwrap();
        assert_eq!(authorised_by.as_deref(), Some("fd.manager"), "{name}");
        assert_eq!(count(url, "events").await, events + 2, "{name}");
    }
}

#[tokio::test]
async fn a_contact_about_a_sealed_child_is_invisible_and_a_restricted_one_shows_the_name() {
    for (name, s, _) in front_door_stores().await {
        let fd = As::user(&s, "fd.six", Role::FrontDoorPractitioner).await;
        let got = s
            .front_door()
            .receive(
                &fd.reader(),
                "r",
                police_contact(&s),
                Channel::Professional,
                &ScreeningTargets::default(),
                &cal(),
            )
            .await
            .unwrap();
        // The screener who recorded the contact is associated with the children now, so the
        // test reads as a colleague who has not touched the record.
        let fd = As::worker(&s, "fd.colleague", Role::FrontDoorPractitioner, 2).await;
        s.governance()
            .set_restriction(
                &Actor::System("test"),
                "r",
                PersonId(2),
                RestrictionKind::Restricted,
                "perpetrator_risk",
                "A note long enough to say why the record is protected.",
            )
            .await
            .unwrap();
        let q = s.front_door().queue(&fd.reader(), "r").await.unwrap();
        assert!(q[0].children[1].name_only, "{name}");
        assert!(
            q[0].concerns.is_empty(),
            "{name}: the concerns are held back"
        );
        assert!(q[0].children[1].date_of_birth.is_none());
        let opened = s.front_door().contact(&fd.reader(), "r", got.id).await;
        assert!(
            matches!(opened, Err(StoreError::ReasonNeeded(_))),
            "{name}: {opened:?}"
        );
        s.governance()
            .lift_restriction(&Actor::System("test"), "r", PersonId(2))
            .await
            .unwrap();
        s.governance()
            .set_restriction(
                &Actor::System("test"),
                "r",
                PersonId(2),
                RestrictionKind::Sealed,
                "sealed_adoption",
                "A note long enough to say why the record is protected.",
            )
            .await
            .unwrap();
        assert!(
            s.front_door()
                .queue(&fd.reader(), "r")
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let opened = s.front_door().contact(&fd.reader(), "r", got.id).await;
        assert!(
            matches!(opened, Err(StoreError::NotFound(_))),
            "{name}: {opened:?}"
        );
    }
}
