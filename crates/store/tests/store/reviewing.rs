//! Independent reviewing officers: an appointment is kept beside the allocated worker while a
//! plan or a period of care is open, finds the child on the officer's My work with only the
//! meetings they chair, names the officer on the record, and lapses when the plan ends, on
//! SQLite and PostgreSQL.

use super::*;
use stepwise_domain::access::{AccessPolicy, Role, Viewer};
use stepwise_domain::events::AllocationRole;

fn appoint(worker: i64, on: NaiveDate) -> JourneyEvent {
    ev(
        1,
        0,
        on,
        EventKind::WorkerAllocated {
            worker: WorkerId(worker),
            team: TeamId(1),
            role: AllocationRole::ReviewingOfficer,
            reason: None,
        },
    )
}

async fn reviewed_by(s: &Store, worker: i64, today: NaiveDate) -> Vec<stepwise_store::MyWorkChild> {
    let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
    let actor = actor();
    let viewer = Viewer {
        role: Role::IndependentReviewingOfficer,
        worker: Some(WorkerId(worker)),
        ..Default::default()
    };
    let policy = AccessPolicy::default();
    let reader = Reader {
        actor: &actor,
        viewer: &viewer,
        policy: &policy,
    };
    s.people()
        .my_work(&reader, "r", UserId(7), Some(worker), false, today, &cal)
        .await
        .unwrap()
        .children
}

#[tokio::test]
async fn a_reviewing_officer_is_appointed_beside_the_social_worker_and_lapses_with_the_plan() {
    for (name, s) in loaded().await {
        // Child 1 is on a child in need plan with worker 1: no officer can be appointed yet,
        // and the refusal writes nothing.
        let before = count(&s).await;
        let refused = append(&s, "r1", appoint(2, d(2024, 5, 10))).await;
        assert!(
            matches!(&refused, Err(StoreError::Rule(e)) if e.to_string().contains("reviewing officer")),
            "{name}: {refused:?}"
        );
        assert_eq!(count(&s).await, before, "{name}");

        append(
            &s,
            "r2",
            ev(
                1,
                0,
                d(2024, 5, 10),
                EventKind::CpPlanStarted {
                    category: "NEG".parse().unwrap(),
                    previous_plans: None,
                },
            ),
        )
        .await
        .unwrap();
        append(&s, "r3", appoint(2, d(2024, 5, 10))).await.unwrap();
        let state = s
            .journeys()
            .child_state(PersonId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            state.allocated.as_ref().map(|a| a.worker),
            Some(WorkerId(1)),
            "{name}"
        );
        assert_eq!(
            state.reviewing_officer.as_ref().map(|a| a.worker),
            Some(WorkerId(2)),
            "{name}"
        );

        // The officer's My work lists the child, with only the meetings the officer chairs.
        let mine = reviewed_by(&s, 2, d(2024, 6, 1)).await;
        assert_eq!(
            mine.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![1],
            "{name}"
        );
        let whats: Vec<&str> = mine[0].due.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(whats, vec!["Review child protection conference"], "{name}");
        // The social worker's list still has the child, with the visits.
        let theirs = reviewed_by(&s, 1, d(2024, 6, 1)).await;
        assert!(
            theirs[0].due.iter().any(|d| d.what.contains("visit")),
            "{name}: {:?}",
            theirs[0].due
        );

        // The record names the officer.
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
        let rec = s
            .people()
            .open_child_record(
                &ReadAs::governance().reader(),
                "r4",
                PersonId(1),
                &ChronologyFilter::default(),
                d(2024, 6, 1),
                &cal,
                "t",
            )
            .await
            .unwrap();
        assert_eq!(
            rec.reviewing_officer.map(|w| w.id),
            Some(WorkerId(2)),
            "{name}"
        );

        // The plan ends: the appointment lapses and the child leaves the officer's list.
        append(&s, "r5", ev(1, 0, d(2024, 8, 1), EventKind::CpPlanEnded))
            .await
            .unwrap();
        let state = s
            .journeys()
            .child_state(PersonId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state.reviewing_officer, None, "{name}");
        assert!(reviewed_by(&s, 2, d(2024, 8, 2)).await.is_empty(), "{name}");
    }
}
