//! Issue 6 item 2: an administrator alone could end up reading case records, by adding an
//! information-governance account with a password of their choosing, signing in as it and
//! granting themselves access, and could disable the real information-governance accounts.
//! These scenarios guard the store's side of the fix.

use super::*;
use stepwise_domain::access::{AccessPolicy, Role};

fn link(hash: &str, hours: i64) -> SetupLink {
    SetupLink {
        token_hash: hash.into(),
        expires_at: Utc::now() + chrono::Duration::hours(hours),
    }
}

fn account(username: &str, role: Role) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: username.into(),
        role,
        team_id: None,
        agency: None,
    }
}

async fn last_entry(s: &Store, id: i64) -> AuditEntry {
    s.audit_log()
        .entries(Some(&format!("user:{id}")), 1)
        .await
        .unwrap()
        .remove(0)
}

/// An account added on the users page has no usable password and, when its role reaches case
/// records, cannot be used until a second person (information governance, never its maker
/// nor itself) approves it; its set-up link works once and not after it expires.
#[tokio::test]
async fn accounts_from_the_users_page_have_no_password_and_await_a_second_persons_approval() {
    let policy = AccessPolicy::default();
    for (name, s) in loaded().await {
        let admin = user(&s, "admin", Role::SystemAdministrator, None, None).await;
        let ig = user(&s, "ig", Role::InformationGovernance, None, None).await;
        // The operator's accounts are approved at once, and the log says so.
        assert!(ig.usable() && ig.has_password(), "{name}");
        assert_eq!(ig.password_set_by.as_deref(), Some("operator"), "{name}");
        let operator = s
            .audit_log()
            .entries(Some(&format!("user:{}", ig.id)), 5)
            .await
            .unwrap();
        assert!(
            operator
                .iter()
                .any(|e| e.action == "user.approve" && e.actor == "system:operator"),
            "{name}: {operator:?}"
        );
        // A signed-in user cannot make an account with a password.
        assert!(
            s.accounts()
                .upsert_user_by(
                    &Actor::User {
                        id: admin.id,
                        username: admin.username.clone()
                    },
                    "-",
                    &NewUser {
                        username: "chosen".into(),
                        display_name: "x".into(),
                        role: Role::InformationGovernance,
                        worker_id: None,
                        team_id: None,
                        password_hash: "h".into(),
                    },
                )
                .await
                .is_err(),
            "{name}"
        );
        assert!(
            s.accounts()
                .user_by_username("chosen")
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );

        let id = s
            .accounts()
            .add_user_by(
                &admin,
                "req-add",
                &account("ig.new", Role::InformationGovernance),
                &link("hash-1", 72),
                &policy,
            )
            .await
            .unwrap();
        let made = s.accounts().user_by_id(id).await.unwrap().unwrap();
        assert!(
            !made.has_password() && made.awaiting_approval && !made.usable(),
            "{name}: {made:?}"
        );
        assert_eq!(
            (
                made.created_by,
                made.approval_asked_by,
                made.setup_issued_by
            ),
            (Some(admin.id), Some(admin.id), Some(admin.id)),
            "{name}"
        );
        assert_eq!(
            last_entry(&s, id.0).await.action,
            "user.setup_link",
            "{name}"
        );
        // The same username again is refused, in any case: usernames are one account however
        // they are typed (issue 8, item 5).
        assert!(
            s.accounts()
                .add_user_by(
                    &admin,
                    "-",
                    &account(" IG.New ", Role::SocialWorker),
                    &link("hash-y", 72),
                    &policy
                )
                .await
                .is_err(),
            "{name}"
        );
        let found = s
            .accounts()
            .user_by_username("IG.NEW")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.id, found.username.as_str()),
            (id, "ig.new"),
            "{name}"
        );
        assert!(
            s.accounts()
                .add_user_by(
                    &admin,
                    "-",
                    &account("ig.new", Role::SocialWorker),
                    &link("hash-x", 72),
                    &policy
                )
                .await
                .is_err(),
            "{name}"
        );
        // An analyst reaches no case record, so needs no approval.
        let analyst = s
            .accounts()
            .add_user_by(
                &admin,
                "-",
                &account("analyst.new", Role::PerformanceAnalyst),
                &link("hash-2", 72),
                &policy,
            )
            .await
            .unwrap();
        assert!(
            !s.accounts()
                .user_by_id(analyst)
                .await
                .unwrap()
                .unwrap()
                .awaiting_approval,
            "{name}"
        );

        // The administrator cannot approve; information governance cannot approve itself.
        for (by, target, says) in [
            (&admin, id, "cannot approve"),
            (&ig, ig.id, "your own account"),
        ] {
            let e = s
                .accounts()
                .decide_approval(by, "-", target, true, &policy)
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        assert!(
            s.accounts()
                .user_by_id(id)
                .await
                .unwrap()
                .unwrap()
                .awaiting_approval,
            "{name}"
        );

        // The set-up link: works once, only while it lasts.
        assert_eq!(
            s.accounts()
                .setup_account("hash-1")
                .await
                .unwrap()
                .map(|u| u.id),
            Some(id),
            "{name}"
        );
        assert!(
            s.accounts()
                .setup_account("hash-unknown")
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        let done = s
            .accounts()
            .complete_setup("hash-1", "argon-hash", "req-setup")
            .await
            .unwrap();
        assert_eq!(done.map(|u| u.id), Some(id), "{name}");
        assert!(
            s.accounts()
                .complete_setup("hash-1", "other-hash", "-")
                .await
                .unwrap()
                .is_none(),
            "{name}: a set-up link works once"
        );
        let set = s.accounts().user_by_id(id).await.unwrap().unwrap();
        assert_eq!(
            (set.password_hash.as_str(), set.password_set_by.as_deref()),
            ("argon-hash", Some("holder")),
            "{name}"
        );
        assert!(
            set.awaiting_approval,
            "{name}: setting a password approves nothing"
        );
        let e = last_entry(&s, id.0).await;
        assert_eq!(e.action, "user.setup", "{name}");
        assert_eq!(e.actor, format!("user:{id}:ig.new"), "{name}");
        let expired = s
            .accounts()
            .add_user_by(
                &admin,
                "-",
                &account("late", Role::SocialWorker),
                &link("hash-3", -1),
                &policy,
            )
            .await
            .unwrap();
        assert!(
            s.accounts()
                .setup_account("hash-3")
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        assert!(
            s.accounts()
                .complete_setup("hash-3", "h", "-")
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        assert!(
            !s.accounts()
                .user_by_id(expired)
                .await
                .unwrap()
                .unwrap()
                .has_password(),
            "{name}"
        );

        // A second person approves, and the log names them.
        s.accounts()
            .decide_approval(&ig, "req-approve", id, true, &policy)
            .await
            .unwrap();
        let approved = s.accounts().user_by_id(id).await.unwrap().unwrap();
        assert!(
            approved.usable() && approved.approved_by == Some(ig.id),
            "{name}"
        );
        let e = last_entry(&s, id.0).await;
        assert_eq!(e.action, "user.approve", "{name}");
        assert_eq!(e.actor, format!("user:{}:ig", ig.id), "{name}");
        assert!(
            s.accounts()
                .decide_approval(&ig, "-", id, true, &policy)
                .await
                .is_err(),
            "{name}: not awaiting any more"
        );

        // Whoever made an account cannot approve it, even when they could approve others.
        let mine = s
            .accounts()
            .add_user_by(
                &ig,
                "-",
                &account("sw.by.ig", Role::SocialWorker),
                &link("hash-4", 72),
                &policy,
            )
            .await
            .unwrap();
        let e = s
            .accounts()
            .decide_approval(&ig, "-", mine, true, &policy)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("another person"), "{name}: {e}");
        // A refusal disables the account and ends its link; audited.
        s.accounts()
            .decide_approval(&approved, "req-refuse", mine, false, &policy)
            .await
            .unwrap();
        let refused = s.accounts().user_by_id(mine).await.unwrap().unwrap();
        assert!(refused.disabled && !refused.awaiting_approval, "{name}");
        assert!(
            s.accounts()
                .setup_account("hash-4")
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        assert_eq!(last_entry(&s, mine.0).await.action, "user.refuse", "{name}");

        // A new set-up link ends the password and the sessions, and (the role reaching case
        // records) needs approval again; re-enabling does too.
        s.accounts()
            .create_session(
                "tok-ig-new",
                id,
                "c",
                Utc::now() + chrono::Duration::hours(1),
            )
            .await
            .unwrap();
        s.accounts()
            .issue_setup_link(&admin, "req-link", id, &link("hash-5", 72), &policy)
            .await
            .unwrap();
        let relinked = s.accounts().user_by_id(id).await.unwrap().unwrap();
        assert!(
            !relinked.has_password()
                && relinked.awaiting_approval
                && relinked.setup_issued_by == Some(admin.id),
            "{name}: {relinked:?}"
        );
        assert!(
            s.accounts().session("tok-ig-new").await.unwrap().is_none(),
            "{name}"
        );
        assert!(
            s.accounts()
                .issue_setup_link(&admin, "-", admin.id, &link("hash-6", 72), &policy)
                .await
                .is_err(),
            "{name}: not for one's own account"
        );
        let sw = user(&s, "sw.old", Role::SocialWorker, None, None).await;
        let admin_actor = Actor::User {
            id: admin.id,
            username: admin.username.clone(),
        };
        s.accounts()
            .set_user_disabled(&admin_actor, "-", sw.id, true, &policy)
            .await
            .unwrap();
        s.accounts()
            .set_user_disabled(&admin_actor, "-", sw.id, false, &policy)
            .await
            .unwrap();
        let back = s.accounts().user_by_id(sw.id).await.unwrap().unwrap();
        assert!(
            !back.disabled && back.awaiting_approval && back.approval_asked_by == Some(admin.id),
            "{name}: {back:?}"
        );
    }
}

/// Nobody grants access to an account they made, asked approval for or issued the set-up link
/// of, nor to whoever did that for their own account (the administrator's way in through an
/// account they made); the refusal is plain and writes nothing.
#[tokio::test]
async fn nobody_grants_access_to_an_account_they_made_or_control() {
    let policy = AccessPolicy::default();
    let now = Utc::now();
    for (name, s) in loaded().await {
        let admin = user(&s, "admin", Role::SystemAdministrator, None, None).await;
        let ig = user(&s, "ig", Role::InformationGovernance, None, None).await;
        let ig2 = user(&s, "ig2", Role::InformationGovernance, None, None).await;
        let grant = |user_id: i64| NewGrant {
            user_id: UserId(user_id),
            child: PersonId(1),
            reason: "Checking the record for a complaint".into(),
            until: now + chrono::Duration::days(2),
        };
        // The administrator's own information-governance account, approved by mistake.
        let fake = s
            .accounts()
            .add_user_by(
                &admin,
                "-",
                &account("ig.fake", Role::InformationGovernance),
                &link("hash-f", 72),
                &policy,
            )
            .await
            .unwrap();
        s.accounts()
            .decide_approval(&ig, "-", fake, true, &policy)
            .await
            .unwrap();
        let fake = s.accounts().user_by_id(fake).await.unwrap().unwrap();
        // An account information governance made itself.
        let sw = s
            .accounts()
            .add_user_by(
                &ig,
                "-",
                &account("sw.new", Role::SocialWorker),
                &link("hash-s", 72),
                &policy,
            )
            .await
            .unwrap();
        s.accounts()
            .decide_approval(&ig2, "-", sw, true, &policy)
            .await
            .unwrap();
        // An account whose set-up link ig2 issued.
        let old = user(&s, "sw.old", Role::SocialWorker, None, None).await;
        s.accounts()
            .issue_setup_link(&ig2, "-", old.id, &link("hash-o", 72), &policy)
            .await
            .unwrap();
        let entries = s.audit_log().verify().await.unwrap().entries;
        for (by, to, says) in [
            (&fake, admin.id, "made your account"),
            (&ig, sw, "you made sw.new"),
            (&ig2, old.id, "you made sw.old"),
        ] {
            let e = s
                .governance()
                .create_grant(by, "-", &grant(to.0), now)
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            entries,
            "{name}: refused grants write nothing"
        );
        // Someone else may.
        s.governance()
            .create_grant(&ig2, "-", &grant(sw.0), now)
            .await
            .unwrap();
        s.governance()
            .create_grant(&ig, "-", &grant(admin.id.0), now)
            .await
            .unwrap();
    }
}

/// Administrators cannot silence information governance: the last usable account that can
/// approve accounts or protect records cannot be disabled or given a new set-up link (and the
/// refusal changes nothing);
/// disabling one of several is allowed and the audit row says what it was.
#[tokio::test]
async fn the_last_information_governance_account_cannot_be_disabled() {
    let policy = AccessPolicy::default();
    for (name, s) in loaded().await {
        let admin = user(&s, "admin", Role::SystemAdministrator, None, None).await;
        let by = Actor::User {
            id: admin.id,
            username: admin.username.clone(),
        };
        let ig = user(&s, "ig", Role::InformationGovernance, None, None).await;
        // An account still awaiting approval does not count.
        s.accounts()
            .add_user_by(
                &admin,
                "-",
                &account("ig.pending", Role::InformationGovernance),
                &link("hash-p", 72),
                &policy,
            )
            .await
            .unwrap();
        let entries = s.audit_log().verify().await.unwrap().entries;
        let e = s
            .accounts()
            .set_user_disabled(&by, "-", ig.id, true, &policy)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("last account"), "{name}: {e}");
        assert!(
            !s.accounts()
                .user_by_id(ig.id)
                .await
                .unwrap()
                .unwrap()
                .disabled,
            "{name}"
        );
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            entries,
            "{name}"
        );
        // Nor silenced by a new set-up link (no password, awaiting approval).
        let e = s
            .accounts()
            .issue_setup_link(&admin, "-", ig.id, &link("hash-l", 72), &policy)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("last account"), "{name}: {e}");
        let still = s.accounts().user_by_id(ig.id).await.unwrap().unwrap();
        assert!(still.usable() && still.has_password(), "{name}");
        assert_eq!(
            s.audit_log().verify().await.unwrap().entries,
            entries,
            "{name}"
        );
        let ig2 = user(&s, "ig2", Role::InformationGovernance, None, None).await;
        s.accounts()
            .set_user_disabled(&by, "req-off", ig.id, true, &policy)
            .await
            .unwrap();
        let e = last_entry(&s, ig.id.0).await;
        assert!(
            e.action == "user.disable" && e.detail.contains("approve_accounts"),
            "{name}: {e:?}"
        );
        assert!(
            s.accounts()
                .set_user_disabled(&by, "-", ig2.id, true, &policy)
                .await
                .is_err(),
            "{name}: now ig2 is the last"
        );
        // Other accounts are disabled as before.
        let sw = user(&s, "sw", Role::SocialWorker, None, None).await;
        s.accounts()
            .set_user_disabled(&by, "-", sw.id, true, &policy)
            .await
            .unwrap();
        assert!(
            s.accounts()
                .user_by_id(sw.id)
                .await
                .unwrap()
                .unwrap()
                .disabled,
            "{name}"
        );
    }
}

/// Issue 8, item 5: resetting the second factor of an account that has none changes nothing
/// and records nothing (the log never says a factor was removed that did not exist); with one,
/// it is removed and audited in the same transaction.
#[tokio::test]
async fn resetting_a_second_factor_that_does_not_exist_records_nothing() {
    for (name, s, url) in loaded_with_urls().await {
        let id = s
            .accounts()
            .upsert_user(&NewUser {
                username: "no.factor".into(),
                display_name: "No Factor".into(),
                role: Role::SocialWorker,
                worker_id: None,
                team_id: None,
                password_hash: String::new(),
            })
            .await
            .unwrap();
        let resets = |s: &Store| {
            let s = s.clone();
            async move {
                s.audit_log()
                    .entries(Some(&format!("user:{}", id.0)), 100)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|e| e.action == "second_factor.reset")
                    .count()
            }
        };
        assert!(
            !s.accounts()
                .reset_second_factor(&actor(), "r", id)
                .await
                .unwrap(),
            "{name}"
        );
        assert_eq!(resets(&s).await, 0, "{name}");
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE users SET totp_sealed = 'sealed', totp_nonce = 'n', totp_confirmed = 1 WHERE id = $1")
            .bind(id.0)
            .execute(&raw)
            .await
            .unwrap();
        raw.close().await;
        assert!(
            s.accounts()
                .reset_second_factor(&actor(), "r", id)
                .await
                .unwrap(),
            "{name}"
        );
        assert_eq!(resets(&s).await, 1, "{name}");
        assert!(
            !s.accounts()
                .user_by_id(id)
                .await
                .unwrap()
                .unwrap()
                .second_factor,
            "{name}"
        );
    }
}
