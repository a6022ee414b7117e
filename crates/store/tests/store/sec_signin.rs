//! Store side of the sign-in findings of issue 6: attempts are reserved atomically before a
//! secret is checked, and a second-factor step is marked used by compare-and-set, on SQLite and
//! PostgreSQL alike.

use super::*;

async fn worker(s: &Store, name: &str) -> UserAccount {
    s.accounts()
        .upsert_user(&NewUser {
            username: name.into(),
            display_name: "Jo".into(),
            role: stepwise_domain::access::Role::SocialWorker,
            worker_id: None,
            team_id: None,
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    s.accounts().user_by_username(name).await.unwrap().unwrap()
}

/// Finding 7: the back-off read the count, checked the password, then wrote the count, so 40
/// parallel guesses all passed the check. Reservations are atomic: of 40 parallel attempts
/// exactly `free` are allowed, and a refused one changes no count.
#[tokio::test]
async fn parallel_attempts_reserve_at_most_the_allowance() {
    for (name, s) in stores().await {
        let now = Utc::now();
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.accounts()
                    .reserve_signin_attempt(&[("source:a|jo", 5), ("account:jo", 50)], now)
                    .await
            }));
        }
        let mut allowed = 0;
        for t in tasks {
            if t.await.unwrap().unwrap().is_ok() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 5, "{name}");
        assert_eq!(
            s.accounts().signin_failures("source:a|jo").await.unwrap().0,
            5,
            "{name}"
        );
        assert_eq!(
            s.accounts().signin_failures("account:jo").await.unwrap().0,
            5,
            "{name}"
        );
        // Another source is not held back; the account-wide count goes on.
        let other = s
            .accounts()
            .reserve_signin_attempt(&[("source:b|jo", 5), ("account:jo", 50)], now)
            .await
            .unwrap();
        assert_eq!(other, Ok(vec![1, 6]), "{name}");
        s.accounts()
            .clear_signin_failures("source:a|jo")
            .await
            .unwrap();
        assert!(
            s.accounts()
                .reserve_signin_attempt(&[("source:a|jo", 5)], now)
                .await
                .unwrap()
                .is_ok(),
            "{name}: a cleared source starts again"
        );
    }
}

/// Finding 1: `totp_last_step` was set unconditionally, so two requests with one code both
/// passed. Marking a step used is a compare-and-set: exactly one of many parallel uses wins,
/// and its audit row is written with it.
#[tokio::test]
async fn a_second_factor_step_is_used_once_however_many_ask_at_once() {
    for (name, s) in stores().await {
        let u = worker(&s, "jo.totp").await;
        assert!(
            s.accounts()
                .begin_second_factor(u.id, &[7u8; 20])
                .await
                .unwrap()
        );
        let f = s
            .accounts()
            .second_factor_state(u.id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            s.accounts()
                .confirm_second_factor(&u, "r", &f.nonce, 100)
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !s.accounts()
                .confirm_second_factor(&u, "r", &f.nonce, 101)
                .await
                .unwrap(),
            "{name}: confirmed once"
        );
        // A confirmed factor is never replaced by starting again.
        assert!(
            !s.accounts()
                .begin_second_factor(u.id, &[9u8; 20])
                .await
                .unwrap(),
            "{name}"
        );
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (s, u) = (s.clone(), u.clone());
            tasks.push(tokio::spawn(async move {
                s.accounts()
                    .use_second_factor(&u, "r", 101, AuditAction::SignInSecondFactor)
                    .await
            }));
        }
        let mut won = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1, "{name}");
        assert!(
            !s.accounts()
                .use_second_factor(&u, "r", 100, AuditAction::SignInSecondFactor)
                .await
                .unwrap()
        );
        let used = s
            .audit_log()
            .entries(None, 1000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == AuditAction::SignInSecondFactor)
            .count();
        assert_eq!(used, 1, "{name}");
        assert_eq!(
            s.accounts()
                .second_factor_state(u.id)
                .await
                .unwrap()
                .unwrap()
                .secret,
            vec![7u8; 20],
            "{name}"
        );
    }
}
