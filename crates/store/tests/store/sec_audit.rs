//! Issue 6 items 3 and 9: truncating the audit log is detected, with or without the head row,
//! against a keyed head and a keyed checkpoint kept outside the database; existing logs still
//! verify; second-factor secrets are sealed with authenticated encryption bound to their user.
//! Every change to the database here is made through the test's own connection, as an attacker
//! with database access but not the key would make it.

use super::*;

/// Runs `sql` on the database at `url` through a connection of the test's own, binding the
/// given values in order.
async fn raw(url: &str, sql: &str, binds: &[&str]) -> u64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(b.to_string());
    }
    let n = q.execute(&pool).await.unwrap().rows_affected();
    pool.close().await;
    n
}

/// The head row as stored: (seq, hash, mac).
async fn head_row(url: &str) -> (i64, String, Option<String>) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let r = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    use sqlx::Row;
    (r.get("seq"), r.get("hash"), r.get("mac"))
}

async fn add_entries(s: &Store, n: usize) {
    for i in 0..n {
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
}

fn checkpoint_file() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}.audit-checkpoint", unique("stepwise_ckpt")))
}

/// Cuts the log back to entry `keep` and sets the head to that entry, with the given MAC (the
/// old one, none, or one copied from an earlier head).
async fn truncate_to(url: &str, keep: i64, mac: Option<&str>) {
    tamper(url, "DELETE FROM audit_log WHERE seq > $1", keep).await;
    tamper(
        url,
        "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1",
        keep,
    )
    .await;
    match mac {
        Some(m) => raw(url, "UPDATE audit_head SET mac = $1 WHERE id = 1", &[m]).await,
        None => raw(url, "UPDATE audit_head SET mac = NULL WHERE id = 1", &[]).await,
    };
}

/// Finding 3: deleting the last entries and rewriting the head to the new last entry verified
/// as intact; the head's MAC now gives it away, whether the old MAC is left or cleared.
#[tokio::test]
async fn tail_truncation_with_the_head_rewritten_is_detected() {
    for (name, s, url) in loaded_with_urls().await {
        add_entries(&s, 5).await;
        let n = s.audit_log().verify().await.unwrap().entries;
        let (_, _, mac) = head_row(&url).await;
        truncate_to(&url, n - 2, mac.as_deref()).await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::HeadForged { seq: n - 2 }),
            "{name}: the old MAC does not fit the rewritten head"
        );
        truncate_to(&url, n - 3, None).await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::HeadForged { seq: n - 3 }),
            "{name}: a head without a MAC is not accepted"
        );
    }
}

/// Finding 3: emptying the whole log and resetting the head to the start verified as intact
/// (an empty log looked like a new one).
#[tokio::test]
async fn emptying_the_whole_log_and_resetting_the_head_is_detected() {
    for (name, s, url) in loaded_with_urls().await {
        add_entries(&s, 3).await;
        tamper(&url, "DELETE FROM audit_log WHERE seq >= $1", 1).await;
        tamper(
            &url,
            "UPDATE audit_head SET seq = 0, hash = 'genesis', mac = NULL WHERE id = $1",
            1,
        )
        .await;
        let v = s.audit_log().verify().await.unwrap();
        assert_eq!(v.entries, 0, "{name}");
        assert_eq!(
            v.problem,
            Some(AuditProblem::HeadForged { seq: 0 }),
            "{name}"
        );
    }
}

/// Finding 3: deleting the head row made verification fail with a database error (and with
/// the tail cut as well, an attacker could hope for "no head, nothing to compare"): it is now
/// reported as a problem, and nothing more is recorded on a log without its head.
#[tokio::test]
async fn deleting_the_head_row_is_detected() {
    for (name, s, url) in loaded_with_urls().await {
        add_entries(&s, 3).await;
        let n = s.audit_log().verify().await.unwrap().entries;
        tamper(&url, "DELETE FROM audit_log WHERE seq = $1", n).await;
        tamper(&url, "DELETE FROM audit_head WHERE id = $1", 1).await;
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::HeadMissing),
            "{name}"
        );
        assert!(
            s.audit_log()
                .record(
                    &actor(),
                    AuditAction::Search,
                    &AuditSubject::parse("after"),
                    "r",
                    ""
                )
                .await
                .is_err(),
            "{name}: no entry is appended to a log without its head"
        );
    }
}

/// Finding 3: an attacker who kept a copy of an earlier head row (with its valid MAC) can roll
/// the log back to it; the keyed checkpoint outside the database catches that.
#[tokio::test]
async fn the_checkpoint_outside_the_database_catches_a_rolled_back_head() {
    for (name, s, url) in loaded_with_urls().await {
        let path = checkpoint_file();
        let plain = s.clone();
        let s = s.with_audit_checkpoint(path.clone());
        add_entries(&s, 3).await;
        let (old_seq, _, old_mac) = head_row(&url).await;
        add_entries(&s, 3).await;
        let v = s.audit_log().verify().await.unwrap();
        assert!(v.problem.is_none(), "{name}: {:?}", v.problem);
        let head = v.head.clone().unwrap();
        assert!(
            path.exists(),
            "{name}: a clean verify writes the checkpoint"
        );
        assert_eq!(v.checkpoint, None, "{name}: there was none before");
        // Roll back to the saved head: the database alone cannot tell.
        truncate_to(&url, old_seq, old_mac.as_deref()).await;
        assert_eq!(
            plain.audit_log().verify().await.unwrap().problem,
            None,
            "{name}: without an anchor outside the database a rollback to a saved head is invisible"
        );
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::BehindAnchor {
                last: old_seq,
                anchor: head.seq,
                source: AnchorSource::Checkpoint
            }),
            "{name}"
        );
        // And the checkpoint is not moved back by the server's periodic checkpointing.
        assert!(s.audit_log().checkpoint().await.is_err(), "{name}");
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_some(),
            "{name}: still caught"
        );
        // A head the operator noted earlier catches it too, without the file.
        assert_eq!(
            plain
                .audit_log()
                .verify_expecting(Some(&head))
                .await
                .unwrap()
                .problem,
            Some(AuditProblem::BehindAnchor {
                last: old_seq,
                anchor: head.seq,
                source: AnchorSource::Expected
            }),
            "{name}"
        );
        let _ = std::fs::remove_file(&path);
    }
}

/// Finding 3: emptying the log, clearing the head's MAC and letting Stepwise key the head again
/// when it next opens the database leaves a log that verifies on its own; the checkpoint does
/// not, and a log refilled to the checkpoint's length holds another entry at its position.
#[tokio::test]
async fn an_emptied_log_rekeyed_on_reopening_is_caught_by_the_checkpoint() {
    for (name, s, url) in loaded_with_urls().await {
        let path = checkpoint_file();
        let s = s.with_audit_checkpoint(path.clone());
        add_entries(&s, 4).await;
        let head = s.audit_log().verify().await.unwrap().head.unwrap();
        tamper(&url, "DELETE FROM audit_log WHERE seq >= $1", 1).await;
        tamper(
            &url,
            "UPDATE audit_head SET seq = 0, hash = 'genesis', mac = NULL WHERE id = $1",
            1,
        )
        .await;
        s.close().await;
        let again = Store::open(&url, AuditKey::for_tests())
            .await
            .unwrap()
            .with_audit_checkpoint(path.clone());
        let v = again.audit_log().verify().await.unwrap();
        assert_eq!(
            v.problem,
            Some(AuditProblem::BehindAnchor {
                last: 1,
                anchor: head.seq,
                source: AnchorSource::Checkpoint
            }),
            "{name}"
        );
        add_entries(&again, head.seq as usize).await;
        assert_eq!(
            again.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::AnchorMismatch {
                seq: head.seq,
                source: AnchorSource::Checkpoint
            }),
            "{name}"
        );
        let _ = std::fs::remove_file(&path);
    }
}

/// Finding 3: clearing the head's MAC after cutting the tail gets the head keyed again on the
/// next start, which the log shows as a second keying.
#[tokio::test]
async fn clearing_the_head_mac_to_have_it_rekeyed_is_detected() {
    for (name, s, url) in loaded_with_urls().await {
        add_entries(&s, 5).await;
        let n = s.audit_log().verify().await.unwrap().entries;
        truncate_to(&url, n - 2, None).await;
        s.close().await;
        let again = Store::open(&url, AuditKey::for_tests()).await.unwrap();
        assert_eq!(
            again.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::HeadRekeyed { seq: n - 1 }),
            "{name}"
        );
    }
}

/// Finding 3: a checkpoint file not written with the key is refused, not trusted or replaced.
#[tokio::test]
async fn a_checkpoint_not_written_with_the_key_is_refused() {
    for (name, s, _url) in loaded_with_urls().await {
        let path = checkpoint_file();
        let s = s.with_audit_checkpoint(path.clone());
        add_entries(&s, 2).await;
        let head = s.audit_log().verify().await.unwrap().head.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&head.hash), "{name}: {text}");
        let forged = text.replace(&format!(" {} ", head.seq), " 1 ");
        std::fs::write(&path, forged).unwrap();
        assert_eq!(
            s.audit_log().verify().await.unwrap().problem,
            Some(AuditProblem::CheckpointForged),
            "{name}"
        );
        assert!(s.audit_log().checkpoint().await.is_err(), "{name}");
        let _ = std::fs::remove_file(&path);
    }
}

/// Finding 3: the checkpoint moves forward with the log, and a head given by the operator
/// that is not in the log is a mismatch.
#[tokio::test]
async fn the_checkpoint_moves_forward_and_a_wrong_expected_head_is_refused() {
    for (name, s, _url) in loaded_with_urls().await {
        let path = checkpoint_file();
        let s = s.with_audit_checkpoint(path.clone());
        let first = s.audit_log().checkpoint().await.unwrap().unwrap();
        add_entries(&s, 2).await;
        let second = s.audit_log().checkpoint().await.unwrap().unwrap();
        assert_eq!(second.seq, first.seq + 2, "{name}");
        let v = s.audit_log().verify().await.unwrap();
        assert_eq!(v.problem, None, "{name}");
        assert_eq!(v.checkpoint, Some(second.clone()), "{name}");
        let wrong = AuditAnchor {
            seq: first.seq,
            hash: "0".repeat(64),
        };
        assert_eq!(
            s.audit_log()
                .verify_expecting(Some(&wrong))
                .await
                .unwrap()
                .problem,
            Some(AuditProblem::AnchorMismatch {
                seq: first.seq,
                source: AnchorSource::Expected
            }),
            "{name}"
        );
        let _ = std::fs::remove_file(&path);
    }
}

/// Finding 9: the chain is HMAC-SHA-256 from the `hmac` crate now, and the master key still
/// keys it, so a log written before (these two rows and their key come from a database made by
/// the previous version) verifies unchanged, and its head is keyed on opening.
#[tokio::test]
async fn a_log_written_before_the_keys_were_derived_still_verifies() {
    let key = "9a2bf5ff432c8434bae1e8d5c4dfe89905c55af7eead9ce72d4868558a6f5dd5";
    let h1 = "eb8d7b9ad0dfb1fbc31f4022d6d483d208679f2d658541d5efd0885a28857a80";
    let h2 = "2e3917e5245e44002d2be92841683e0d77f4bdfde92a06cde1e343761efd0540";
    for (name, s, url) in stores_with_urls().await {
        s.close().await;
        raw(&url, "DELETE FROM audit_log", &[]).await;
        let insert = "INSERT INTO audit_log (seq, at, actor, action, subject, request_id, detail, prev_hash, hash) VALUES (CAST($1 AS BIGINT), $2, 'system:accounts', 'user.upsert', $3, '-', $4, $5, $6)";
        raw(
            &url,
            insert,
            &[
                "1",
                "2026-12-03T07:41:03.218769Z",
                "user:1",
                "alice.old as social_worker",
                "genesis",
                h1,
            ],
        )
        .await;
        raw(
            &url,
            insert,
            &[
                "2",
                "2026-12-03T07:41:08.441495Z",
                "user:2",
                "bob.old as team_manager",
                h1,
                h2,
            ],
        )
        .await;
        raw(
            &url,
            "UPDATE audit_head SET seq = 2, hash = $1, mac = NULL WHERE id = 1",
            &[h2],
        )
        .await;
        let old = Store::open(&url, AuditKey::from_hex(key).unwrap())
            .await
            .unwrap();
        let v = old.audit_log().verify().await.unwrap();
        assert_eq!(v.problem, None, "{name}");
        assert_eq!(v.entries, 3, "{name}: the two old entries and the keying");
        let entries = old.audit_log().entries(None, 5).await.unwrap();
        assert_eq!(entries[0].action, "audit.head.keyed", "{name}");
        let (seq, _, mac) = head_row(&url).await;
        assert_eq!(seq, 3, "{name}");
        assert!(mac.is_some(), "{name}: the head is keyed");
    }
}

fn user(username: &str) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: username.into(),
        role: stepwise_domain::access::Role::SocialWorker,
        worker_id: None,
        team_id: None,
        password_hash: "x".into(),
    }
}

/// Finding 9: a sealed second-factor secret copied to another user's row does not open (the
/// user is bound in as associated data), and neither does one with a byte flipped.
#[tokio::test]
async fn a_sealed_second_factor_opens_only_unaltered_and_for_its_own_user() {
    for (name, s, url) in stores_with_urls().await {
        let a = s.accounts().upsert_user(&user("sealed.a")).await.unwrap();
        let b = s.accounts().upsert_user(&user("sealed.b")).await.unwrap();
        let secret = b"12345678901234567890";
        s.accounts().begin_second_factor(a, secret).await.unwrap();
        s.accounts()
            .begin_second_factor(b, b"abcdefghijabcdefghij")
            .await
            .unwrap();
        assert_eq!(
            s.accounts().second_factor(a).await.unwrap().unwrap().0,
            secret.to_vec(),
            "{name}"
        );
        // Copied to b's row.
        raw(
            &url,
            &format!("UPDATE users SET totp_sealed = (SELECT totp_sealed FROM users WHERE id = {a}), totp_nonce = (SELECT totp_nonce FROM users WHERE id = {a}) WHERE id = {b}"),
            &[],
        )
        .await;
        assert!(s.accounts().second_factor(b).await.is_err(), "{name}");
        // A flipped byte in a's sealed secret.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let sealed: String = sqlx::Row::get(
            &sqlx::query(&format!("SELECT totp_sealed FROM users WHERE id = {a}"))
                .fetch_one(&pool)
                .await
                .unwrap(),
            "totp_sealed",
        );
        pool.close().await;
        assert!(sealed.starts_with("v2:"), "{name}: {sealed}");
        assert_ne!(
            &sealed[3..],
            hex_of(secret),
            "{name}: the secret is not stored in the clear"
        );
        let mut bytes: Vec<char> = sealed.chars().collect();
        let i = 5;
        bytes[i] = if bytes[i] == '0' { '1' } else { '0' };
        let flipped: String = bytes.into_iter().collect();
        raw(
            &url,
            &format!("UPDATE users SET totp_sealed = $1 WHERE id = {a}"),
            &[&flipped],
        )
        .await;
        assert!(s.accounts().second_factor(a).await.is_err(), "{name}");
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Finding 9: a secret sealed the old way (a keystream XOR) still opens once, and is sealed
/// again with authenticated encryption.
#[tokio::test]
async fn a_second_factor_sealed_the_old_way_is_sealed_again() {
    use hmac::Mac;
    for (name, s, url) in stores_with_urls().await {
        let a = s.accounts().upsert_user(&user("legacy.a")).await.unwrap();
        let secret = b"12345678901234567890";
        let nonce = "00112233445566778899aabbccddeeff";
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(b"stepwise-test-audit-key-not-secret")
                .unwrap();
        mac.update(format!("stepwise-totp|{a}|{nonce}").as_bytes());
        let stream = mac.finalize().into_bytes();
        let sealed: Vec<u8> = secret.iter().zip(stream).map(|(x, k)| x ^ k).collect();
        raw(
            &url,
            &format!("UPDATE users SET totp_sealed = $1, totp_nonce = $2, totp_confirmed = 1 WHERE id = {a}"),
            &[&hex_of(&sealed), nonce],
        )
        .await;
        let (opened, confirmed, _) = s.accounts().second_factor(a).await.unwrap().unwrap();
        assert_eq!(opened, secret.to_vec(), "{name}");
        assert!(confirmed, "{name}");
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let now: String = sqlx::Row::get(
            &sqlx::query(&format!("SELECT totp_sealed FROM users WHERE id = {a}"))
                .fetch_one(&pool)
                .await
                .unwrap(),
            "totp_sealed",
        );
        pool.close().await;
        assert!(now.starts_with("v2:"), "{name}: sealed again");
        assert_eq!(
            s.accounts().second_factor(a).await.unwrap().unwrap().0,
            secret.to_vec(),
            "{name}"
        );
    }
}
