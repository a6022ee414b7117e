//! The one write path for casework (`Journeys::record`): the store stamps the recording time and
//! the author, checks the event against the history as it would stand, and reads the whole log
//! only for a late entry or a correction. The last test drives the store's own append with
//! random histories and checks the stored projection against a full replay after every step.

use super::*;
use proptest::prelude::*;
use stepwise_domain::commands::{Command, NewEvent, RecordCaseNote, WithdrawEntry};
use stepwise_domain::events::EventCategory;
use stepwise_domain::projection::replay;

fn note(child: i64, on: NaiveDate, subject: &str) -> NewEvent {
    NewEvent {
        child: PersonId(child),
        effective: on,
        effective_time: None,
        supersedes: None,
        kind: EventKind::CaseNote {
            subject: subject.into(),
            text: "text".into(),
        },
    }
}

fn withdraw(child: i64, target: i64, on: NaiveDate) -> NewEvent {
    NewEvent {
        child: PersonId(child),
        effective: on,
        effective_time: None,
        supersedes: Some(Supersession {
            event: EventSeq(target),
            reason: "entered in error".into(),
        }),
        kind: EventKind::Withdrawn,
    }
}

/// The author is the acting user's own worker, read by the store; the time is the store's.
/// A user with no worker, and nobody signed in, cannot record.
#[tokio::test]
async fn the_store_stamps_the_author_and_the_time() {
    for (name, s) in loaded().await {
        let linked = s
            .accounts()
            .upsert_user(&NewUser {
                username: "sw.linked".into(),
                display_name: "Linked Worker".into(),
                role: stepwise_domain::access::Role::SocialWorker,
                worker_id: Some(2),
                team_id: Some(2),
                password_hash: String::new(),
            })
            .await
            .unwrap();
        let unlinked = s
            .accounts()
            .upsert_user(&NewUser {
                username: "no.worker".into(),
                display_name: "No Worker".into(),
                role: stepwise_domain::access::Role::SocialWorker,
                worker_id: None,
                team_id: None,
                password_hash: String::new(),
            })
            .await
            .unwrap();
        let before = Utc::now();
        let e = s
            .journeys()
            .record(
                &Actor::User {
                    id: linked,
                    username: "sw.linked".into(),
                },
                "req-w",
                note(1, d(2024, 3, 1), "seen"),
            )
            .await
            .unwrap();
        assert_eq!(e.recorded_by, WorkerId(2), "{name}");
        assert!(
            e.recorded_at >= before && e.recorded_at <= Utc::now(),
            "{name}"
        );
        let stored = s.journeys().child_log(PersonId(1)).await.unwrap();
        assert_eq!(
            stored.last(),
            Some(&e),
            "{name}: the event returned is the one stored"
        );
        let last = s.audit_log().entries(Some("person:1"), 1).await.unwrap();
        assert_eq!(last[0].action, "event.record", "{name}");
        assert!(last[0].actor.contains("sw.linked"), "{name}");

        let (events, audits) = count(&s).await;
        let refused = s
            .journeys()
            .record(
                &Actor::User {
                    id: unlinked,
                    username: "no.worker".into(),
                },
                "r",
                note(1, d(2024, 3, 2), "x"),
            )
            .await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.to_string().contains("not linked to a worker")),
            "{name}: {refused:?}"
        );
        let anonymous = s
            .journeys()
            .record(&Actor::Anonymous, "r", note(1, d(2024, 3, 2), "x"))
            .await;
        assert!(matches!(anonymous, Err(StoreError::Invalid(_))), "{name}");
        assert_eq!(
            count(&s).await,
            (events, audits),
            "{name}: nothing was written"
        );
    }
}

/// Withdrawing the referral would leave the assessment, the plan and the rest without the
/// referral they need: refused, naming the entry and the rule, and nothing is written. The
/// plan start (the last event) can be withdrawn.
#[tokio::test]
async fn a_correction_that_breaks_a_later_entry_is_refused_and_names_it() {
    for (name, s) in loaded().await {
        let before = count(&s).await;
        let state = s.journeys().child_state(PersonId(1)).await.unwrap();
        let refused = s
            .journeys()
            .record(&Actor::System("test"), "r", withdraw(1, 3, d(2024, 3, 1)))
            .await;
        let message = refused
            .as_ref()
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            matches!(refused, Err(StoreError::Rule(_))),
            "{name}: {message}"
        );
        assert!(
            message.contains("entry 5 (assessment started, 10/01/2024)")
                && message.contains("an assessment needs an open referral"),
            "{name}: {message}"
        );
        assert_eq!(count(&s).await, before, "{name}");
        assert_eq!(
            s.journeys().child_state(PersonId(1)).await.unwrap(),
            state,
            "{name}"
        );
        s.journeys()
            .record(&Actor::System("test"), "r", withdraw(1, 7, d(2024, 3, 1)))
            .await
            .unwrap();
        assert!(
            s.journeys().check_projections().await.unwrap().is_empty(),
            "{name}"
        );
    }
}

/// A late entry is checked against the history after it too: closing the referral on a date
/// before the assessment started would leave the assessment without its referral.
#[tokio::test]
async fn a_late_entry_that_breaks_a_later_entry_is_refused() {
    for (name, s) in loaded().await {
        // The child protection plan is not open, so close the plan first to make the closure
        // fit on its own date; then the closure dated before the assessment breaks it.
        let late = NewEvent {
            child: PersonId(1),
            effective: d(2024, 1, 9),
            effective_time: None,
            supersedes: None,
            kind: EventKind::ReferralClosed {
                reason: "RC8".parse().unwrap(),
            },
        };
        let before = count(&s).await;
        let refused = s.journeys().record(&Actor::System("test"), "r", late).await;
        let message = refused
            .as_ref()
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            message.contains("without its precondition") && message.contains("entry 5"),
            "{name}: {message}"
        );
        assert_eq!(count(&s).await, before, "{name}");
    }
}

/// An entry in order is checked against the stored projection alone: the store does not read
/// the child's log for it. Shown by damaging an old row behind the store's back: an entry in
/// order still records; a late entry, which must read the log, reports the damaged row.
#[tokio::test]
async fn only_a_late_entry_or_a_correction_reads_the_whole_log() {
    for (name, s, url) in loaded_with_urls().await {
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE events SET payload = 'damaged' WHERE seq = 2")
            .execute(&raw)
            .await
            .unwrap();
        s.journeys()
            .record(
                &Actor::System("test"),
                "r",
                note(1, d(2024, 6, 1), "in order"),
            )
            .await
            .unwrap();
        let late = s
            .journeys()
            .record(&Actor::System("test"), "r", note(1, d(2024, 1, 9), "late"))
            .await;
        assert!(
            matches!(&late, Err(StoreError::Corrupt(m)) if m.contains("event 2")),
            "{name}: {late:?}"
        );
        raw.close().await;
    }
}

/// The command checks what it can on its own before the store sees it; a command and the
/// store together are the write path a page or API handler follows.
#[tokio::test]
async fn a_command_becomes_the_event_the_store_records() {
    for (name, s) in loaded().await {
        let today = d(2024, 6, 1);
        let cmd = RecordCaseNote {
            effective: today,
            subject: "  Phone call ".into(),
            text: "Mother called.".into(),
        };
        assert_eq!(cmd.category(), EventCategory::Note);
        let e = s
            .journeys()
            .record(
                &Actor::System("test"),
                "r",
                cmd.into_event(PersonId(1), today).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(e.kind.summary(), "Case note: Phone call", "{name}");
        let w = WithdrawEntry {
            event: e.seq,
            reason: "wrong child".into(),
        }
        .into_event(PersonId(1), today)
        .unwrap();
        let w = s
            .journeys()
            .record(&Actor::System("test"), "r", w)
            .await
            .unwrap();
        assert_eq!(w.supersedes.map(|x| x.event), Some(e.seq), "{name}");
        assert_eq!(
            s.journeys().event_family(PersonId(1), e.seq).await.unwrap(),
            Some((EventCategory::Note, "case_note".to_string())),
            "{name}"
        );
        assert_eq!(
            s.journeys().event_family(PersonId(4), e.seq).await.unwrap(),
            None,
            "{name}"
        );
    }
}

/// One step of a random history: an entry of some kind on some day, or a withdrawal of the
/// n-th event recorded so far.
#[derive(Debug, Clone)]
enum Step {
    Enter(u8, u32),
    Withdraw(usize),
    Correct(usize, u8, u32),
}

fn kind(k: u8) -> EventKind {
    match k % 10 {
        0 => EventKind::ReferralOpened {
            source: "3B".parse().unwrap(),
            primary_need: "N1".parse().unwrap(),
            no_further_action: false,
        },
        1 => EventKind::AssessmentStarted,
        2 => EventKind::CinPlanStarted,
        3 => EventKind::CinPlanEnded,
        4 => EventKind::ReferralClosed {
            reason: "RC8".parse().unwrap(),
        },
        5 => EventKind::EarlyHelpOpened {
            level: "2".parse().unwrap(),
        },
        6 => EventKind::EarlyHelpClosed {
            reason: stepwise_domain::events::EarlyHelpClosure::NeedsMet,
        },
        7 => EventKind::Visit {
            purpose: stepwise_domain::events::VisitPurpose::ChildInNeed,
            seen_alone: false,
        },
        8 => EventKind::StrategyDiscussion { section47: false },
        _ => EventKind::CaseNote {
            subject: "s".into(),
            text: "t".into(),
        },
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (any::<u8>(), 0u32..90).prop_map(|(k, d)| Step::Enter(k, d)),
        1 => (0usize..64).prop_map(Step::Withdraw),
        1 => (0usize..64, any::<u8>(), 0u32..90).prop_map(|(n, k, d)| Step::Correct(n, k, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Incremental projection equals replay, through the store's own append on SQLite: random
    /// entries in and out of order, withdrawals and corrections, some refused. After every
    /// step the stored projection equals a replay of the stored log, and a refused step
    /// changed nothing.
    #[test]
    fn the_stored_projection_always_equals_a_replay(steps in prop::collection::vec(step(), 1..14)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let path = std::env::temp_dir().join(format!("{}.db", unique("stepwise_prop")));
            let s = Store::open(&format!("sqlite://{}", path.display()), AuditKey::for_tests())
                .await
                .unwrap();
            s.journeys().bulk_load(&fixture(), &Actor::System("test"), |_, _, _| {}).await.unwrap();
            let child = PersonId(2);
            let base = d(2024, 1, 1);
            let mut recorded: Vec<EventSeq> = Vec::new();
            for st in steps {
                let new = match st {
                    Step::Enter(k, day) => NewEvent {
                        child,
                        effective: base + chrono::Days::new(u64::from(day)),
                        effective_time: None,
                        supersedes: None,
                        kind: kind(k),
                    },
                    Step::Withdraw(n) if !recorded.is_empty() => NewEvent {
                        child,
                        effective: base + chrono::Days::new(100),
                        effective_time: None,
                        supersedes: Some(Supersession {
                            event: recorded[n % recorded.len()],
                            reason: "error".into(),
                        }),
                        kind: EventKind::Withdrawn,
                    },
                    Step::Correct(n, k, day) if !recorded.is_empty() => NewEvent {
                        child,
                        effective: base + chrono::Days::new(u64::from(day)),
                        effective_time: None,
                        supersedes: Some(Supersession {
                            event: recorded[n % recorded.len()],
                            reason: "correction".into(),
                        }),
                        kind: kind(k),
                    },
                    _ => continue,
                };
                let before_log = s.journeys().child_log(child).await.unwrap();
                let before_state = s.journeys().child_state(child).await.unwrap();
                match s.journeys().record(&Actor::System("test"), "p", new).await {
                    Ok(e) => recorded.push(e.seq),
                    Err(StoreError::Rule(_)) => {
                        assert_eq!(s.journeys().child_log(child).await.unwrap(), before_log);
                        assert_eq!(s.journeys().child_state(child).await.unwrap(), before_state);
                    }
                    Err(e) => panic!("unexpected failure: {e}"),
                }
                let log = s.journeys().child_log(child).await.unwrap();
                if !log.is_empty() {
                    assert_eq!(s.journeys().child_state(child).await.unwrap(), Some(replay(child, &log)));
                }
                // Whatever was accepted leaves no event without its precondition.
                assert_eq!(
                    stepwise_domain::projection::breaches(child, &log),
                    Vec::new(),
                    "{log:#?}"
                );
            }
            s.close().await;
            let _ = std::fs::remove_file(&path);
        });
    }
}

/// Every read of the log goes through the payload's version: a row written by a newer release
/// (a version this one does not know) is reported, naming the event, by the whole-log read
/// and by the read of one child's log, on both databases.
#[tokio::test]
async fn a_payload_of_an_unknown_version_is_reported_by_every_read() {
    for (name, s, url) in loaded_with_urls().await {
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE events SET payload_version = 99 WHERE seq = 3")
            .execute(&raw)
            .await
            .unwrap();
        raw.close().await;
        let whole = s.journeys().log_snapshot().await.map(|_| ());
        assert!(
            matches!(&whole, Err(StoreError::Corrupt(m)) if m.contains("event 3") && m.contains("newer")),
            "{name}: {whole:?}"
        );
        let one = s.journeys().child_log(PersonId(1)).await.map(|_| ());
        assert!(
            matches!(&one, Err(StoreError::Corrupt(m)) if m.contains("event 3") && m.contains("newer")),
            "{name}: {one:?}"
        );
    }
}
