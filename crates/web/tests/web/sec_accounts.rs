//! Issue 6 item 2 ("an administrator can reach every case record without a grant"): an
//! administrator added an information-governance account with a password they chose, signed in
//! as it and granted themselves access, and could disable the real information-governance
//! accounts. These tests drive the fix over HTTP.

use reqwest::StatusCode;

use crate::support::app::post_form as post;
use crate::support::app::{PASSWORD, TestApp, csrf_in, set_cookies, spawn_app};
use stepwise_domain::access::Role;
use stepwise_domain::ids::{PersonId, local_person_id};

/// The set-up path shown once on the page (`/set-up/` and 64 hex digits).
pub(crate) fn setup_path(html: &str) -> String {
    let i = html.find("/set-up/").expect("a set-up link on the page");
    let token: String = html[i + "/set-up/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64, "a 256-bit token");
    format!("/set-up/{token}")
}

/// Opens a set-up link (signed out) and sends the password form; returns the answer.
pub(crate) async fn set_up(
    app: &TestApp,
    path: &str,
    password: &str,
    confirm: &str,
) -> reqwest::Response {
    let page = app.get(path, None).await;
    if page.status() != StatusCode::OK {
        return page;
    }
    let pre = set_cookies(&page).get("stepwise_signin").cloned().unwrap();
    let html = page.text().await.unwrap();
    let csrf = csrf_in(&html);
    let token = path.trim_start_matches("/set-up/");
    app.client
        .post(app.url("/set-up"))
        .header("cookie", format!("stepwise_signin={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token),
            ("password", password),
            ("confirm", confirm),
        ])
        .send()
        .await
        .unwrap()
}

pub(crate) async fn add_user(
    app: &TestApp,
    admin: &str,
    username: &str,
    role: &str,
) -> reqwest::Response {
    post(
        app,
        admin,
        "/users",
        "/users",
        &[
            ("username", username),
            ("display_name", "Sam Carter"),
            ("role", role),
            ("team", ""),
            ("agency", ""),
            // The old form's field: a password chosen by the administrator, now ignored.
            ("password", "kettle orbit lantern"),
        ],
    )
    .await
}

/// The attack end to end, each step now refused: the administrator adds an information
/// governance account (it gets no password of theirs), cannot sign in as it with the password
/// they would have chosen, can set it up only through the one-time link and is then told it
/// awaits approval, cannot approve it, cannot disable the real information governance account,
/// and even once someone approves it by mistake, the account cannot grant its maker access.
#[tokio::test]
async fn an_administrator_alone_cannot_end_up_reading_case_records() {
    let app = spawn_app().await;
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let admin_id = app
        .store
        .accounts()
        .user_by_username("system.administrator")
        .await
        .unwrap()
        .unwrap()
        .id;
    let res = add_user(&app, &admin, "ig.mine", "information_governance").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Set-up link for ig.mine"), "{html}");
    let link = setup_path(&html);
    let mine = app
        .store
        .accounts()
        .user_by_username("ig.mine")
        .await
        .unwrap()
        .unwrap();
    assert!(!mine.has_password() && mine.awaiting_approval);
    assert_eq!(mine.created_by, Some(admin_id));
    // The link is shown once: the users page does not show it again.
    let users = app.get("/users", Some(&admin)).await.text().await.unwrap();
    assert!(!users.contains(&link));
    assert!(users.contains("Awaiting approval") && users.contains("ig.mine"));

    // 1. The password the administrator would have chosen does not work.
    let refused = app
        .sign_in("ig.mine", "kettle orbit lantern")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Enter a correct username and password")
    );

    // 2. Setting it up through the link still leaves it unusable until approved; the sign-in
    // says so only after the right password.
    let done = set_up(
        &app,
        &link,
        "harbour violet compass",
        "harbour violet compass",
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("must approve it"));
    let waiting = app
        .sign_in("ig.mine", "harbour violet compass")
        .await
        .unwrap_err();
    assert_eq!(waiting.status(), StatusCode::FORBIDDEN);
    assert!(
        waiting
            .text()
            .await
            .unwrap()
            .contains("waiting for a second person")
    );
    let wrong = app
        .sign_in("ig.mine", "not the password at all")
        .await
        .unwrap_err();
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("Enter a correct username and password") && !wrong.contains("waiting"));
    assert_eq!(app.audit_count("signin.awaiting_approval").await, 1);

    // 3. The administrator cannot approve it (no permission), nor disable the real
    // information governance account (the last one that can approve or protect).
    let approve = post(
        &app,
        &admin,
        "/users",
        &format!("/users/{}/approve", mine.id),
        &[],
    )
    .await;
    assert_eq!(approve.status(), StatusCode::FORBIDDEN);
    let ig_id = app
        .store
        .accounts()
        .user_by_username("information.governance")
        .await
        .unwrap()
        .unwrap()
        .id;
    let disable = post(
        &app,
        &admin,
        "/users",
        &format!("/users/{ig_id}/disable"),
        &[],
    )
    .await;
    assert_eq!(disable.status(), StatusCode::BAD_REQUEST);
    assert!(disable.text().await.unwrap().contains("last account"));
    assert!(
        app.sign_in("information.governance", PASSWORD)
            .await
            .is_ok()
    );

    // 4. Even approved (information governance was misled), the account the administrator
    // made cannot grant the administrator access to a record.
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let ok = post(
        &app,
        &ig,
        "/users",
        &format!("/users/{}/approve", mine.id),
        &[],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("user:{}", mine.id)), 1)
        .await
        .unwrap()[0];
    assert!(last.action == "user.approve" && last.actor.ends_with(":information.governance"));
    let as_mine = app
        .sign_in("ig.mine", "harbour violet compass")
        .await
        .unwrap();
    let local = local_person_id(PersonId(app.child));
    let grants_before = app.audit_count("grant.create").await;
    let grant = post(
        &app,
        &as_mine,
        "/grants",
        "/grants",
        &[
            ("username", "system.administrator"),
            ("person", local.as_str()),
            ("reason", "Investigating a data fault reported by the team"),
            ("days", "2"),
        ],
    )
    .await;
    assert_eq!(grant.status(), StatusCode::BAD_REQUEST);
    assert!(grant.text().await.unwrap().contains("made your account"));
    assert_eq!(app.audit_count("grant.create").await, grants_before);
    assert_eq!(
        app.get(&format!("/people/{}", app.child), Some(&admin))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// Issue 6 item 2: a set-up link is the only way to a first password. It works once, follows
/// the password rules, needs the page's CSRF token, is stored only as its SHA-256, and an
/// expired or unknown one answers the same.
#[tokio::test]
async fn a_set_up_link_works_once_with_the_password_rules() {
    let app = spawn_app().await;
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let res = add_user(&app, &admin, "analyst.two", "performance_analyst").await;
    let link = setup_path(&res.text().await.unwrap());
    let token = link.trim_start_matches("/set-up/");
    // Only the hash is stored.
    assert!(
        app.store
            .accounts()
            .setup_account(token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.store
            .accounts()
            .setup_account(&stepwise_web::auth::token_hash(token))
            .await
            .unwrap()
            .is_some()
    );
    for (password, confirm, says) in [
        ("Password1234", "Password1234", "attackers try"),
        ("short", "short", "at least 12"),
        (
            "analyst.two is my name",
            "analyst.two is my name",
            "username",
        ),
        (
            "harbour violet compass",
            "harbour violet compasses",
            "same password twice",
        ),
    ] {
        let res = set_up(&app, &link, password, confirm).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{says}");
        assert!(res.text().await.unwrap().contains(says), "{says}");
    }
    // Without the page's CSRF cookie the form is refused and changes nothing.
    let forged = app
        .client
        .post(app.url("/set-up"))
        .form(&[
            ("csrf", "forged"),
            ("token", token),
            ("password", "harbour violet compass"),
            ("confirm", "harbour violet compass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        !app.store
            .accounts()
            .user_by_username("analyst.two")
            .await
            .unwrap()
            .unwrap()
            .has_password()
    );
    // The analyst reaches no case record: no approval needed, signs in once set up.
    let ok = set_up(
        &app,
        &link,
        "harbour violet compass",
        "harbour violet compass",
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let made = app
        .store
        .accounts()
        .user_by_username("analyst.two")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.password_set_by.as_deref(), Some("holder"));
    assert!(
        app.sign_in("analyst.two", "harbour violet compass")
            .await
            .is_ok()
    );
    // Used once; an unknown link answers the same.
    let again = set_up(
        &app,
        &link,
        "another good passphrase",
        "another good passphrase",
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let unknown = app.get(&format!("/set-up/{}", "0".repeat(64)), None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("This set-up link does not work")
    );
    // The token never reaches the audit log.
    let log = app.store.audit_log().entries(None, 100_000).await.unwrap();
    assert!(
        log.iter()
            .all(|e| !e.subject.to_string().contains(token) && !e.detail.contains(token))
    );
    let entries = app
        .store
        .audit_log()
        .entries(Some(&format!("user:{}", made.id)), 5)
        .await
        .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "user.setup" && e.actor.ends_with(":analyst.two")),
        "{entries:?}"
    );
}

/// Issue 6 item 2: information governance sees what awaits approval (who asked, when) and
/// decides, never for an account it asked for itself; a new set-up link ends the password and
/// the sessions and, for a role that reaches records, asks for approval again; disabling one
/// of several information governance accounts is allowed and shown to information governance.
#[tokio::test]
async fn information_governance_approves_accounts_and_sees_changes_to_them() {
    let app = spawn_app().await;
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let sw_id = app
        .store
        .accounts()
        .user_by_username("social.worker")
        .await
        .unwrap()
        .unwrap()
        .id;
    // A forgotten password: a new link ends the old password and every session.
    let res = post(
        &app,
        &admin,
        "/users",
        &format!("/users/{sw_id}/set-up-link"),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let link = setup_path(&res.text().await.unwrap());
    assert_eq!(
        app.get("/my-work", Some(&sw)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(app.sign_in("social.worker", PASSWORD).await.is_err());
    let done = set_up(
        &app,
        &link,
        "harbour violet compass",
        "harbour violet compass",
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    let waiting = app
        .sign_in("social.worker", "harbour violet compass")
        .await
        .unwrap_err();
    assert_eq!(waiting.status(), StatusCode::FORBIDDEN);
    // Information governance sees who asked and decides; the administrator sees no buttons.
    let page = app.get("/users", Some(&ig)).await.text().await.unwrap();
    assert!(page.contains("Awaiting approval") && page.contains("system.administrator"));
    assert!(page.contains(&format!("/users/{sw_id}/approve")));
    assert!(page.contains("Latest changes to accounts") && page.contains("Issued a set-up link"));
    let admin_page = app.get("/users", Some(&admin)).await.text().await.unwrap();
    assert!(!admin_page.contains(&format!("/users/{sw_id}/approve")));
    assert!(!admin_page.contains("Latest changes to accounts"));
    let ok = post(&app, &ig, "/users", &format!("/users/{sw_id}/approve"), &[]).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert!(
        app.sign_in("social.worker", "harbour violet compass")
            .await
            .is_ok()
    );
    // A second information governance officer refuses an account: it is disabled.
    app.store
        .accounts()
        .upsert_user(&stepwise_store::NewUser {
            username: "ig.two".into(),
            display_name: "Second officer".into(),
            role: Role::InformationGovernance,
            worker_id: None,
            team_id: None,
            password_hash: stepwise_web::auth::hash_password(PASSWORD.into())
                .await
                .unwrap(),
        })
        .await
        .unwrap();
    let ig2 = app.sign_in("ig.two", PASSWORD).await.unwrap();
    let ig2_id = app
        .store
        .accounts()
        .user_by_username("ig.two")
        .await
        .unwrap()
        .unwrap()
        .id;
    let res = post(
        &app,
        &admin,
        "/users",
        "/users",
        &[
            ("username", "new.worker"),
            ("display_name", "Nia Evans"),
            ("role", "social_worker"),
            ("team", ""),
            ("agency", ""),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new_id = app
        .store
        .accounts()
        .user_by_username("new.worker")
        .await
        .unwrap()
        .unwrap()
        .id;
    let refuse = post(
        &app,
        &ig2,
        "/users",
        &format!("/users/{new_id}/refuse"),
        &[],
    )
    .await;
    assert_eq!(refuse.status(), StatusCode::SEE_OTHER);
    let refused = app
        .store
        .accounts()
        .user_by_id(new_id)
        .await
        .unwrap()
        .unwrap();
    assert!(refused.disabled && !refused.awaiting_approval);
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("user:{new_id}")), 1)
        .await
        .unwrap()[0];
    assert!(last.action == "user.refuse" && last.actor.ends_with(":ig.two"));
    // Disabling one of two information governance accounts is allowed, audited and shown.
    let off = post(
        &app,
        &admin,
        "/users",
        &format!("/users/{ig2_id}/disable"),
        &[],
    )
    .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let page = app.get("/users", Some(&ig)).await.text().await.unwrap();
    assert!(
        page.contains("Disabled an account")
            && page.contains("tag tag-red\">Information governance")
    );
}
