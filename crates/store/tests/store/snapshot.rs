//! The log snapshot (`Journeys::log_snapshot`): one shared, immutable view of every child's
//! history, read once and then caught up by sequence number (issue 7, item 4).

// A failed step fails the test; unwrap says so with the error.
#![allow(clippy::unwrap_used)]

use super::*;
use std::sync::Arc;

/// Every child of the fixture, with and without events.
const CHILDREN: [i64; 4] = [1, 2, 3, 4];

/// The snapshot holds, for every child, exactly the events a per-child read of the log
/// returns, in the same (log) order, and nothing for a person without events.
async fn assert_matches_the_log(name: &str, s: &Store, snap: &LogSnapshot) {
    let mut total = 0;
    for id in CHILDREN {
        let log = s.journeys().child_log(PersonId(id)).await.unwrap();
        total += log.len();
        match snap.child(PersonId(id)) {
            Some(h) => assert_eq!(**h, log, "{name}: child {id}"),
            None => assert!(log.is_empty(), "{name}: child {id} is missing"),
        }
    }
    assert_eq!(snap.events(), total, "{name}");
    assert_eq!(
        snap.iter().map(|(_, h)| h.len()).sum::<usize>(),
        total,
        "{name}"
    );
}

/// The events appended after the bulk load: a first event for a child who had none, a
/// late entry (effective before the child's last event, with a time of day) and a correction
/// (withdrawing the plan start).
async fn append_late_entry_and_correction(s: &Store) {
    append(
        s,
        "r",
        ev(
            2,
            0,
            d(2024, 6, 3),
            EventKind::ContactReceived {
                source: "1A".parse().unwrap(),
                concerns: "nursery concern".into(),
                consent: true,
            },
        ),
    )
    .await
    .unwrap();
    let mut late = ev(
        1,
        0,
        d(2024, 1, 20),
        EventKind::Visit {
            purpose: stepwise_domain::events::VisitPurpose::Assessment,
            seen_alone: true,
        },
    );
    late.effective_time = chrono::NaiveTime::from_hms_opt(14, 30, 0);
    append(s, "r", late).await.unwrap();
    let mut w = ev(1, 0, d(2024, 3, 1), EventKind::Withdrawn);
    w.supersedes = Some(Supersession {
        event: EventSeq(7),
        reason: "recorded against the wrong child".into(),
    });
    append(s, "r", w).await.unwrap();
}

#[tokio::test]
async fn the_snapshot_equals_a_per_child_read_of_the_log() {
    for (name, s) in loaded().await {
        let snap = s.journeys().log_snapshot().await.unwrap();
        assert_matches_the_log(name, &s, &snap).await;
        assert_eq!(snap.seq(), EventSeq(8), "{name}");
        assert_eq!(snap.children(), 2, "{name}");
        let ids: Vec<i64> = snap.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, vec![1, 4], "{name}: by child, in ascending order");
        // Nothing new: the same snapshot, not a second read.
        assert!(
            Arc::ptr_eq(&snap, &s.journeys().log_snapshot().await.unwrap()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_empty_log_gives_an_empty_snapshot_that_catches_up() {
    for (name, s) in stores().await {
        let empty = s.journeys().log_snapshot().await.unwrap();
        assert_eq!(
            (empty.seq(), empty.events(), empty.children()),
            (EventSeq(0), 0, 0),
            "{name}"
        );
        s.journeys()
            .bulk_load(&fixture(), &Actor::System("test"), |_, _, _| {})
            .await
            .unwrap();
        let snap = s.journeys().log_snapshot().await.unwrap();
        assert_matches_the_log(name, &s, &snap).await;
        assert_eq!(snap.seq(), EventSeq(8), "{name}");
    }
}

#[tokio::test]
async fn catching_up_after_appends_equals_a_fresh_snapshot() {
    for (name, s, url) in loaded_with_urls().await {
        let before = s.journeys().log_snapshot().await.unwrap();
        append_late_entry_and_correction(&s).await;
        let after = s.journeys().log_snapshot().await.unwrap();
        assert_eq!(after.seq(), EventSeq(11), "{name}");
        assert_eq!(after.children(), 3, "{name}");
        assert_matches_the_log(name, &s, &after).await;
        // A new store on the same database reads the whole log afresh.
        let fresh = Store::open(&url, AuditKey::for_tests())
            .await
            .unwrap()
            .journeys()
            .log_snapshot()
            .await
            .unwrap();
        assert_eq!(*after, *fresh, "{name}");
        // The snapshot taken before is immutable.
        assert_eq!((before.seq(), before.events()), (EventSeq(8), 8), "{name}");
        assert_eq!(
            before.child(PersonId(1)).map(|h| h.len()),
            Some(7),
            "{name}"
        );
        assert!(before.child(PersonId(2)).is_none(), "{name}");
        let changed: Vec<i64> = after
            .changed_since(before.seq())
            .map(|(id, _)| id.0)
            .collect();
        assert_eq!(changed, vec![1, 2], "{name}");
    }
}

#[tokio::test]
async fn children_unchanged_by_a_catch_up_share_their_history() {
    for (name, s) in loaded().await {
        let before = s.journeys().log_snapshot().await.unwrap();
        append_late_entry_and_correction(&s).await;
        let after = s.journeys().log_snapshot().await.unwrap();
        let shared = |id: i64| match (before.child(PersonId(id)), after.child(PersonId(id))) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        assert!(shared(4), "{name}: child 4 had no new event");
        assert!(
            !shared(1),
            "{name}: child 1 had a late entry and a correction"
        );
    }
}

/// A log large enough to be read in parts through the database's own driver (a twentieth of
/// the default synthetic authority, about 34,000 events): the snapshot still equals a
/// per-child read, in log order, and a catch-up after one more event equals a fresh read.
#[tokio::test]
async fn a_large_log_read_in_parts_equals_a_per_child_read() {
    let today = d(2026, 11, 23);
    let a =
        stepwise_synth::generate(&stepwise_synth::SynthConfig::new(today).scaled(0.05)).unwrap();
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
        let snap = s.journeys().log_snapshot().await.unwrap();
        assert_eq!(snap.events(), load.events.len(), "{name}");
        assert!(
            snap.events() > 20_000,
            "{name}: large enough to be read in parts"
        );
        let mut by_child: std::collections::BTreeMap<PersonId, Vec<JourneyEvent>> =
            Default::default();
        for e in &load.events {
            by_child.entry(e.child).or_default().push(e.clone());
        }
        assert_eq!(snap.children(), by_child.len(), "{name}");
        for (id, h) in snap.iter() {
            assert_eq!(Some(&**h), by_child.get(&id), "{name}: child {id}");
        }
        // Spot-check against the store's own per-child read.
        for (id, h) in snap.iter().step_by(97) {
            assert_eq!(
                **h,
                s.journeys().child_log(id).await.unwrap(),
                "{name}: child {id}"
            );
        }
        let (_child, last) = snap
            .iter()
            .find_map(|(id, h)| {
                let p = load.people.iter().find(|p| p.id == id)?;
                (p.kind == PersonKind::Child).then(|| (id, h.last().cloned()))
            })
            .unwrap();
        let mut note = last.unwrap();
        note.seq = EventSeq(0);
        note.supersedes = None;
        note.effective = today;
        note.kind = EventKind::CaseNote {
            subject: "Visit".into(),
            text: "seen at home".into(),
        };
        append(&s, "r", note).await.unwrap();
        let after = s.journeys().log_snapshot().await.unwrap();
        let fresh = Store::open(&url, AuditKey::for_tests())
            .await
            .unwrap()
            .journeys()
            .log_snapshot()
            .await
            .unwrap();
        assert_eq!(*after, *fresh, "{name}");
        assert_eq!(after.events(), snap.events() + 1, "{name}");
    }
}
