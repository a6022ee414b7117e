//! Issue 7 item 4: audited reads at scale. Entries recorded on their own (`AuditLog::record`, and
//! the `record.view` row of every record read) go through one audit writer that commits the
//! entries waiting together. These check that the chain it writes is the chain `append_in`
//! writes: every acknowledged entry is there, in order, with no gaps, interleaved with the
//! entries that changes commit in their own transactions, and it verifies; that a failed batch
//! fails its callers and leaves the chain as it was; and (on PostgreSQL, where a row's
//! transaction can be seen) that concurrent entries really are committed together.

use super::*;
use sqlx::Row;
use stepwise_domain::access::{AccessPolicy, Role, Viewer};
use stepwise_domain::calendar::WorkingDayCalendar;

/// A connection of the test's own to the database at `url`, bypassing the store.
async fn own_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.unwrap()
}

/// Every entry of the log, in order: (seq, action, subject, detail).
async fn whole_log(url: &str) -> Vec<(i64, String, String, String)> {
    let pool = own_pool(url).await;
    let rows = sqlx::query("SELECT seq, action, subject, detail FROM audit_log ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// Opens child 1's record as a front-door practitioner (allowed by the fixture's policy).
async fn read_record(s: &Store, k: usize) -> Result<i64, StoreError> {
    let actor = Actor::User {
        id: stepwise_domain::ids::UserId(70),
        username: "reader".into(),
    };
    let viewer = Viewer {
        role: Role::FrontDoorPractitioner,
        ..Viewer::default()
    };
    let policy = AccessPolicy::default();
    let reader = Reader {
        actor: &actor,
        viewer: &viewer,
        policy: &policy,
    };
    let cal = WorkingDayCalendar::england().unwrap();
    s.people()
        .open_child_record(
            &reader,
            &format!("req-read-{k}"),
            PersonId(1),
            &ChronologyFilter::default(),
            d(2024, 6, 1),
            &cal,
            "test",
        )
        .await
        .map(|r| r.person.id.0)
}

/// Many concurrent audited reads and entries: every one acknowledged is in the log exactly
/// once, each client's entries are in the order it made them, the log has no gaps, a change
/// committed meanwhile with its own audit row sits in the same sequence, and the chain
/// verifies.
#[tokio::test]
async fn many_concurrent_audited_reads_land_in_one_chain_that_verifies() {
    for (name, s, url) in loaded_with_urls().await {
        let before = whole_log(&url).await.len();
        let mut tasks = Vec::new();
        for c in 0..8 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for k in 0..15 {
                    let seq = s
                        .audit_log()
                        .record(
                            &actor(),
                            AuditAction::Search,
                            &AuditSubject::parse(&format!("client:{c}")),
                            "r",
                            &k.to_string(),
                        )
                        .await
                        .unwrap();
                    seqs.push(seq);
                    if k % 5 == 0 {
                        assert_eq!(read_record(&s, c * 100 + k).await.unwrap(), 1);
                    }
                }
                seqs
            }));
        }
        // A change with its audit row in its own transaction, while the writer is busy.
        s.governance()
            .set_restriction(
                &Actor::System("test"),
                "req-protect",
                PersonId(2),
                stepwise_domain::access::RestrictionKind::Restricted,
                "perpetrator_risk",
                "Father is seeking the family's address",
            )
            .await
            .unwrap();
        let mut acknowledged = Vec::new();
        for t in tasks {
            let seqs = t.await.unwrap();
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]),
                "{name}: one client's entries are in the order it made them: {seqs:?}"
            );
            acknowledged.extend(seqs);
        }
        let log = whole_log(&url).await;
        assert_eq!(
            log.len(),
            before + 8 * 15 + 8 * 3 + 1,
            "{name}: every entry, every read and the change, once each"
        );
        assert!(
            log.iter().enumerate().all(|(i, e)| e.0 == i as i64 + 1),
            "{name}: the log has no gaps"
        );
        for seq in &acknowledged {
            let e = &log[(*seq - 1) as usize];
            assert_eq!((e.0, e.1.as_str()), (*seq, "search"), "{name}");
        }
        for c in 0..8 {
            let details: Vec<&str> = log
                .iter()
                .filter(|e| e.2 == format!("client:{c}"))
                .map(|e| e.3.as_str())
                .collect();
            let expected: Vec<String> = (0..15).map(|k| k.to_string()).collect();
            assert_eq!(details, expected, "{name}: client {c}'s entries in order");
        }
        let reads = log.iter().filter(|e| e.1 == "record.view").count();
        assert_eq!(reads, 8 * 3, "{name}: every record read audited");
        assert!(
            log.iter().any(|e| e.1.starts_with("restriction")),
            "{name}: the change's own audit row is in the same chain"
        );
        let v = s.audit_log().verify().await.unwrap();
        assert_eq!(v.problem, None, "{name}");
        assert_eq!(v.entries, log.len() as i64, "{name}");
    }
}

/// A batch that cannot be committed (here the head row is gone, as `AuditLog::verify` would
/// report) fails every caller in it, writes nothing, and leaves the chain as it was: once the
/// head is back, entries are chained on from where it stood and the log verifies.
#[tokio::test]
async fn a_failed_batch_fails_its_callers_and_leaves_the_chain_intact() {
    for (name, s, url) in stores_with_urls().await {
        for i in 0..3 {
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
        let pool = own_pool(&url).await;
        let head = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        let (seq, hash, mac): (i64, String, Option<String>) =
            (head.get(0), head.get(1), head.get(2));
        sqlx::query("DELETE FROM audit_head WHERE id = 1")
            .execute(&pool)
            .await
            .unwrap();
        let before = whole_log(&url).await;

        let mut tasks = Vec::new();
        for c in 0..20 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.audit_log()
                    .record(
                        &actor(),
                        AuditAction::Search,
                        &AuditSubject::parse(&format!("lost:{c}")),
                        "r",
                        "",
                    )
                    .await
            }));
        }
        for t in tasks {
            let e = t.await.unwrap().unwrap_err();
            assert!(
                e.to_string().contains("audit head is missing"),
                "{name}: every caller is told why: {e}"
            );
        }
        assert_eq!(whole_log(&url).await, before, "{name}: nothing was written");

        sqlx::query("INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, $1, $2, $3)")
            .bind(seq)
            .bind(hash)
            .bind(mac)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let next = s
            .audit_log()
            .record(
                &actor(),
                AuditAction::Search,
                &AuditSubject::parse("after"),
                "r",
                "",
            )
            .await
            .unwrap();
        assert_eq!(next, seq + 1, "{name}: the chain goes on from the head");
        let v = s.audit_log().verify().await.unwrap();
        assert_eq!(v.problem, None, "{name}");
        assert_eq!(v.entries, seq + 1, "{name}");
    }
}

/// Entries made while another writer holds the lock are committed together when it lets go,
/// not one transaction each (PostgreSQL shows each row's transaction as `xmin`; SQLite has
/// nothing like it, so this runs on PostgreSQL only). Before the audit writer, 40 entries
/// were 40 transactions.
#[tokio::test]
async fn entries_waiting_for_the_lock_are_committed_together() {
    for (name, s, url) in stores_with_urls().await {
        if name != "postgres" {
            continue;
        }
        let pool = own_pool(&url).await;
        let mut lock = pool.begin().await.unwrap();
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *lock)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for c in 0..40 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.audit_log()
                    .record(
                        &actor(),
                        AuditAction::Search,
                        &AuditSubject::parse(&format!("waiting:{c}")),
                        "r",
                        "",
                    )
                    .await
                    .unwrap()
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        lock.rollback().await.unwrap();
        for t in tasks {
            t.await.unwrap();
        }
        let transactions: i64 = sqlx::query(
            "SELECT COUNT(DISTINCT xmin::text)::int8 FROM audit_log WHERE subject LIKE 'waiting:%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
        pool.close().await;
        assert!(
            transactions <= 3,
            "{name}: 40 entries took {transactions} transactions"
        );
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            None,
            "{name}"
        );
    }
}
