//! The store's clock (issue 7, item 5): every time the store records comes from the clock it
//! holds, so a test (or the web layer) that sets the clock sets what is recorded.

use super::*;
use stepwise_domain::clock::Clock;

/// Issue 7, item 5: the store stamped audit rows with the host's `Utc::now()`; now a store
/// given a stopped clock records that moment, and its clones share the clock.
#[tokio::test]
async fn the_store_records_times_from_its_clock() {
    let july = Utc.with_ymd_and_hms(2026, 7, 4, 13, 5, 9).unwrap();
    for (name, s) in stores().await {
        let clock = Clock::stopped_at(july);
        let s = s.with_clock(clock.clone());
        assert_eq!(s.now(), july, "{name}");
        s.audit_log()
            .record(
                &actor(),
                AuditAction::Search,
                &AuditSubject::People,
                "r1",
                "",
            )
            .await
            .unwrap();
        let last = s.audit_log().entries(None, 1).await.unwrap().remove(0);
        assert_eq!(last.at, "2026-07-04T13:05:09.000000Z", "{name}");
        assert_eq!(last.action, AuditAction::Search, "{name}");
        assert_eq!(last.subject, AuditSubject::People, "{name}");
        // A clone made afterwards reads the same clock, as the web layer's does.
        let other = s.clone();
        let Clock::Stopped(hand) = clock else {
            unreachable!()
        };
        hand.advance(chrono::Duration::hours(1));
        other
            .audit_log()
            .record(
                &actor(),
                AuditAction::Search,
                &AuditSubject::People,
                "r2",
                "",
            )
            .await
            .unwrap();
        let last = other.audit_log().entries(None, 1).await.unwrap().remove(0);
        assert_eq!(last.at, "2026-07-04T14:05:09.000000Z", "{name}");
    }
}

/// Issue 7, item 3: a row a later version wrote, with an action this one does not know, reads
/// back as its label rather than failing (and a subject it would not write back byte for byte
/// stays as it was).
#[tokio::test]
async fn an_unknown_action_reads_back_as_itself() {
    for (name, s, url) in stores_with_urls().await {
        s.audit_log()
            .record(
                &actor(),
                AuditAction::Search,
                &AuditSubject::People,
                "r",
                "",
            )
            .await
            .unwrap();
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        // The row as another version would have written it, with an action label this one
        // does not know.
        sqlx::query("UPDATE audit_log SET action = 'referral.triaged', subject = 'person:012' WHERE seq = (SELECT MAX(seq) FROM audit_log)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let last = s.audit_log().entries(None, 1).await.unwrap().remove(0);
        assert_eq!(
            last.action,
            RecordedAction::Unknown("referral.triaged".into()),
            "{name}"
        );
        assert_eq!(last.action.describe(), "referral.triaged", "{name}");
        assert_eq!(last.subject.to_string(), "person:012", "{name}");
    }
}
