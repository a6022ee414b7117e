//! The synthetic council's contacts loaded with the rest of it (ADR 0007): the front door's queue
//! shows the work waiting on `today`, a contact decided years ago reads back whole, and contacts
//! and steps recorded afterwards are numbered after the loaded ones.

use super::*;
use std::collections::BTreeSet;
use stepwise_domain::access::{AccessPolicy, Role, Viewer};
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::contact::{Agency, Channel, ContactInput, ContactStatus, StepData};
use stepwise_domain::contact_record::ContactRecord;
use stepwise_domain::screening::{Rag, ScreeningTargets};

/// A front-door practitioner's account, linked to a front-door worker of the council.
struct FrontDoorUser {
    actor: Actor,
    viewer: Viewer,
    policy: AccessPolicy,
}

impl FrontDoorUser {
    async fn new(s: &Store, worker: &Worker) -> Self {
        let id = s
            .accounts()
            .upsert_user(&NewUser {
                username: "front.door".into(),
                display_name: worker.name.clone(),
                role: Role::FrontDoorPractitioner,
                worker_id: Some(worker.id.0),
                team_id: Some(worker.team.0),
                password_hash: String::new(),
            })
            .await
            .unwrap();
        Self {
            actor: Actor::User {
                id,
                username: "front.door".into(),
            },
            viewer: Viewer {
                role: Role::FrontDoorPractitioner,
                worker: Some(worker.id),
                team: Some(worker.team),
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

fn is_decided(c: &ContactRecord) -> bool {
    c.steps
        .iter()
        .any(|s| matches!(s.data, StepData::Decided { .. }))
}

#[tokio::test]
async fn a_loaded_council_has_its_front_door_queue_and_its_history_of_contacts() {
    let a =
        stepwise_synth::generate(&stepwise_synth::SynthConfig::new(d(2026, 11, 23)).scaled(0.04))
            .unwrap();
    let front_door_team = a
        .teams
        .iter()
        .find(|t| t.kind == TeamKind::FrontDoor)
        .unwrap()
        .id;
    let worker = a
        .workers
        .iter()
        .find(|w| w.team == front_door_team)
        .unwrap()
        .clone();
    let contacts = a.contacts.clone();
    let steps: usize = contacts.iter().map(|c| c.steps.len()).sum();
    let named: usize = contacts
        .iter()
        .map(|c| c.children.len() + c.adults.len())
        .sum();
    let waiting: BTreeSet<i64> = contacts
        .iter()
        .filter(|c| !is_decided(c))
        .map(|c| c.id)
        .collect();
    assert!(waiting.len() >= 3, "{} waiting", waiting.len());
    // A contact decided long ago, with partner checks and a decision a manager authorised.
    let historic = contacts
        .iter()
        .find(|c| {
            is_decided(c)
                && c.received_at.date_naive() < d(2025, 1, 1)
                && c.steps
                    .iter()
                    .any(|s| matches!(s.data, StepData::CheckAnswered { .. }))
                && c.steps
                    .iter()
                    .any(|s| matches!(s.data, StepData::DecisionProposed { .. }))
                && !c.adults.is_empty()
        })
        .expect("a historic contact with checks and an authorised decision")
        .clone();
    let load = BulkLoad {
        authority: Some(a.authority),
        localities: a.localities,
        teams: a.teams,
        workers: a.workers,
        people: a.people,
        households: a.households,
        relationships: a.relationships,
        events: a.events,
        contacts: a.contacts,
    };
    for (name, s, url) in stores_with_urls().await {
        s.journeys()
            .bulk_load(&load, &Actor::System("test"), |_, _, _| {})
            .await
            .unwrap();
        let pool = {
            sqlx::any::install_default_drivers();
            sqlx::AnyPool::connect(&url).await.unwrap()
        };
        let count = |table: &'static str| {
            let pool = pool.clone();
            async move {
                let r = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                sqlx::Row::get::<i64, _>(&r, "n") as usize
            }
        };
        assert_eq!(count("contacts").await, contacts.len(), "{name}");
        assert_eq!(count("contact_steps").await, steps, "{name}");
        assert_eq!(count("contact_people").await, named, "{name}");
        pool.close().await;
        // Each table is recorded in the audit chain, which still verifies.
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );

        let fd = FrontDoorUser::new(&s, &worker).await;
        let queue = s.front_door().queue(&fd.reader(), "q").await.unwrap();
        let shown: BTreeSet<i64> = queue.iter().map(|q| q.id).collect();
        assert_eq!(shown, waiting, "{name}: the queue is today's work");
        assert!(
            queue.windows(2).all(|w| w[0].decide_by <= w[1].decide_by),
            "{name}"
        );
        assert!(queue.iter().any(|q| q.rag == Rag::Red), "{name}: red");
        assert!(
            queue
                .iter()
                .any(|q| q.checks_outstanding > 0 && q.next_check_due.is_some()),
            "{name}: partner checks outstanding"
        );
        assert!(
            queue
                .iter()
                .any(|q| q.children.iter().any(|c| !c.open.is_empty())),
            "{name}: a child already open"
        );
        assert_eq!(
            queue
                .iter()
                .filter(|q| q.status == ContactStatus::AwaitingAuthorisation)
                .count(),
            1,
            "{name}: one decision waiting for a manager"
        );

        // The historic contact reads back whole.
        let got = s
            .front_door()
            .contact(&fd.reader(), "c", historic.id)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(got.status, ContactStatus::Decided, "{name}");
        assert_eq!(got.received_at, historic.received_at, "{name}");
        assert_eq!(got.referrer, historic.referrer, "{name}");
        assert_eq!(got.source.as_str(), historic.source.as_str(), "{name}");
        assert_eq!(got.channel, historic.channel, "{name}");
        assert_eq!(got.concerns, historic.concerns, "{name}");
        assert_eq!(got.consent, historic.consent, "{name}");
        assert_eq!(got.consent_basis, historic.consent_basis, "{name}");
        assert_eq!(got.rag, historic.rag, "{name}");
        assert_eq!(got.decide_by, historic.decide_by, "{name}");
        assert_eq!(
            got.children.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            historic
                .children
                .iter()
                .map(|c| c.person.0)
                .collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(
            got.adults.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            historic.adults.iter().map(|p| p.0).collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(got.steps.len(), historic.steps.len(), "{name}");
        for (a, b) in got.steps.iter().zip(&historic.steps) {
            assert_eq!(
                (a.id, a.at, &a.by, &a.data),
                (b.id, b.at, &b.by, &b.data),
                "{name}"
            );
        }
        assert!(!got.checks.is_empty(), "{name}");
        assert!(
            got.checks
                .iter()
                .all(|c| c.response.is_some() && c.answered_at > Some(c.requested_at)),
            "{name}"
        );
        let StepData::Decided {
            decision,
            authorised_by,
        } = &historic.steps.last().unwrap().data
        else {
            panic!("{name}: the last step is the decision")
        };
        let (read, by, _) = got.decision.clone().unwrap();
        assert_eq!(&read, decision, "{name}");
        assert_eq!(&by, authorised_by, "{name}");
        assert!(by.is_some(), "{name}: authorised");

        // What the front door records next is numbered after the loaded contacts and steps.
        let last_step = contacts
            .iter()
            .flat_map(|c| c.steps.iter().map(|s| s.id))
            .max()
            .unwrap();
        let check = s
            .front_door()
            .request_check(
                &fd.reader(),
                "r1",
                *waiting.iter().next().unwrap(),
                Agency::Police,
                "Anything known about the adults?",
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(check > last_step, "{name}: step {check} after {last_step}");
        // A child on today's queue, named again by their school.
        let child = contacts
            .iter()
            .find(|c| !is_decided(c))
            .map(|c| c.children[0].person.0)
            .unwrap();
        let contact: ContactInput = serde_json::from_value(serde_json::json!({
            "source": "2A",
            "referrer": {"name": "Dana Ashcroft", "agency": "Hartwell School",
                         "phone": "01632 960555", "email": "dana.ashcroft@hartwell.sch.example"},
            "concerns": "School concerned about a bruise a child could not explain.",
            "consent": {"status": "given"},
            "children": [{"person_id": child}]
        }))
        .unwrap();
        let got = s
            .front_door()
            .receive(
                &fd.reader(),
                "r2",
                contact.check(s.now()).unwrap(),
                Channel::Professional,
                &ScreeningTargets::default(),
                &WorkingDayCalendar::england().unwrap(),
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(got.id, contacts.len() as i64 + 1, "{name}");
    }
}
