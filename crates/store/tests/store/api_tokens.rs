//! API tokens (the front door issue, item 1): only a token's hash is kept; a token is found by
//! its hash with its account; it ends on its date or when revoked; a user revokes only their
//! own; bad names and lengths change nothing; every change is audited.

use super::*;
use stepwise_domain::access::Role;

async fn audit_len(s: &Store) -> usize {
    s.audit_log().entries(None, 100_000).await.unwrap().len()
}

#[tokio::test]
async fn tokens_are_kept_as_hashes_found_by_hash_and_revoked_by_their_owner_only() {
    for (name, s) in stores().await {
        let alice = user(&s, "alice", Role::FrontDoorPractitioner, None, None).await;
        let bob = user(&s, "bob", Role::SocialWorker, None, None).await;
        let cli = Actor::System("cli");
        let t = s
            .accounts()
            .create_api_token(
                &cli,
                "-",
                alice.id,
                "  Police referral portal ",
                "hash-a",
                30,
            )
            .await
            .unwrap();
        assert_eq!(
            t.name, "Police referral portal",
            "{name}: the name is trimmed"
        );
        assert_eq!(t.user_id, alice.id, "{name}");
        assert!(t.usable(s.now()), "{name}");
        assert!(!t.usable(t.expires_at), "{name}: it ends on its date");
        let days = (t.expires_at - t.created_at).num_days();
        assert_eq!(days, 30, "{name}");

        // Found by its hash, with its account; an unknown hash finds nothing.
        let (found, account) = s
            .accounts()
            .api_token_by_hash("hash-a")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id, account.id), (t.id, alice.id), "{name}");
        assert!(
            s.accounts()
                .api_token_by_hash("hash-b")
                .await
                .unwrap()
                .is_none()
        );

        // The hash is unique: the same hash cannot be kept twice.
        assert!(
            s.accounts()
                .create_api_token(&cli, "-", bob.id, "Other", "hash-a", 30)
                .await
                .is_err(),
            "{name}"
        );

        // Bob cannot revoke Alice's token, and is told only that it was not found.
        let before = audit_len(&s).await;
        let bob_actor = Actor::User {
            id: bob.id,
            username: "bob".into(),
        };
        let refused = s
            .accounts()
            .revoke_api_token(&bob_actor, "-", t.id, Some(bob.id))
            .await;
        assert!(
            matches!(refused, Err(StoreError::NotFound(_))),
            "{name}: {refused:?}"
        );
        assert!(
            s.accounts()
                .api_token(t.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
        assert_eq!(
            audit_len(&s).await,
            before,
            "{name}: a refusal writes nothing"
        );

        // Alice can; a second revoke changes nothing.
        let alice_actor = Actor::User {
            id: alice.id,
            username: "alice".into(),
        };
        assert!(
            s.accounts()
                .revoke_api_token(&alice_actor, "-", t.id, Some(alice.id))
                .await
                .unwrap(),
            "{name}"
        );
        let revoked = s.accounts().api_token(t.id).await.unwrap().unwrap();
        assert!(
            revoked.revoked_at.is_some() && !revoked.usable(s.now()),
            "{name}"
        );
        assert_eq!(
            revoked.revoked_by.as_deref(),
            Some(alice_actor.label().as_str())
        );
        assert!(
            !s.accounts()
                .revoke_api_token(&cli, "-", t.id, None)
                .await
                .unwrap(),
            "{name}"
        );

        // Both changes are in the audit log, on Alice's account.
        let entries = s
            .audit_log()
            .entries(Some(&format!("user:{}", alice.id)), 20)
            .await
            .unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"api_token.created"),
            "{name}: {actions:?}"
        );
        assert!(
            actions.contains(&"api_token.revoked"),
            "{name}: {actions:?}"
        );
        assert!(
            !entries.iter().any(|e| e.detail.contains("hash-a")),
            "{name}: the audit log never holds a token or its hash"
        );

        // The list holds the revoked token too, newest first.
        let t2 = s
            .accounts()
            .create_api_token(&cli, "-", alice.id, "Council web form", "hash-c", 1)
            .await
            .unwrap();
        let list = s.accounts().api_tokens(alice.id).await.unwrap();
        assert_eq!(
            list.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![t2.id, t.id],
            "{name}"
        );
        assert!(s.accounts().api_tokens(bob.id).await.unwrap().is_empty());
        let all = s.accounts().all_api_tokens().await.unwrap();
        assert_eq!(all.len(), 2, "{name}");
        assert!(all.iter().all(|(_, u)| u == "alice"), "{name}");

        // Using a token notes when.
        let at = s.now();
        s.accounts().touch_api_token(t2.id, at).await.unwrap();
        let used = s.accounts().api_token(t2.id).await.unwrap().unwrap();
        assert_eq!(
            used.last_used_at.map(|t| t.timestamp()),
            Some(at.timestamp()),
            "{name}"
        );
        assert!(
            s.audit_log().verify().await.unwrap().problem.is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_bad_token_request_is_refused_with_the_reason_and_writes_nothing() {
    for (name, s) in stores().await {
        let alice = user(&s, "alice", Role::FrontDoorPractitioner, None, None).await;
        let cli = Actor::System("cli");
        let before = audit_len(&s).await;
        for (label, token_name, days) in [
            ("an empty name", "   ", 30),
            ("a control character", "portal\u{7}", 30),
            ("a name too long", &"x".repeat(101)[..], 30),
            ("no days", "portal", 0),
            ("negative days", "portal", -5),
            ("over a year", "portal", 367),
        ] {
            let e = s
                .accounts()
                .create_api_token(&cli, "-", alice.id, token_name, "h", days)
                .await;
            assert!(
                matches!(&e, Err(StoreError::Invalid(m)) if !m.is_empty()),
                "{name}: {label}: {e:?}"
            );
        }
        let missing = s
            .accounts()
            .create_api_token(&cli, "-", UserId(999_999), "portal", "h", 30)
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))), "{name}");
        let e = s.accounts().revoke_api_token(&cli, "-", 12345, None).await;
        assert!(matches!(e, Err(StoreError::NotFound(_))), "{name}");
        assert!(
            s.accounts().all_api_tokens().await.unwrap().is_empty(),
            "{name}"
        );
        assert_eq!(audit_len(&s).await, before, "{name}");
    }
}
