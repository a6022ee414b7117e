//! Web integration tests: a real server on a random port over a fresh SQLite database holding a
//! small synthetic council, driven over HTTP. They cover the access check on every route for
//! every role, the audit rows reads and refusals write, sign-in, sessions, CSRF, the pages,
//! the API and the OpenAPI document.

use reqwest::StatusCode;

use stepwise_domain::access::{Access, AccessPolicy, Decision, Permission, Role, Scope};
use stepwise_domain::ids::PersonId;
use stepwise_web::routes::{Surface, table};

use crate::support::app::post_form;
use crate::support::app::{
    PASSWORD, TestApp, csrf_in, set_cookies, spawn_app, spawn_app_with_policy, username,
};

/// A requestable URL for a route: path parameters filled in, and the query a search needs.
fn concrete(path: &str, app: &TestApp) -> String {
    let id = if path.contains("teams") {
        app.team
    } else if path.contains("/users/") || path.starts_with("/grants/") {
        1
    } else {
        app.child
    };
    let p = if path.starts_with("/analysis/") {
        path.replace("{id}", &app.pseudonym)
    } else {
        path.replace("{id}", &id.to_string())
            .replace("{seq}", &app.note_entry.to_string())
            .replace("{ordinal}", "0")
    };
    if p == "/api/v1/people" {
        format!("{p}?q=smith")
    } else if p.contains("subject-access") {
        format!("{p}?reference=SAR-2026-001")
    } else {
        p
    }
}

#[tokio::test]
async fn every_route_is_refused_without_a_session_unless_public() {
    let app = spawn_app().await;
    for (method, path, access, surface) in table() {
        let url = concrete(path, &app);
        let res = if method == reqwest::Method::GET {
            app.get(&url, None).await
        } else {
            app.client.post(app.url(&url)).send().await.unwrap()
        };
        let status = res.status();
        match (access, surface) {
            // Without an identity provider configured, its routes lead back to the password form.
            (Access::Public, _)
                if method == reqwest::Method::GET && path.starts_with("/sign-in/oidc") =>
            {
                assert_eq!(status, StatusCode::SEE_OTHER, "{method} {path}")
            }
            // A set-up link that was never issued does not work, for anyone.
            (Access::Public, _) if method == reqwest::Method::GET && path == "/set-up/{token}" => {
                assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}")
            }
            (Access::Public, _) if method == reqwest::Method::GET => {
                assert_eq!(status, StatusCode::OK, "{method} {path}")
            }
            (Access::Public, _) => assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path}: a form without its CSRF token"
            ),
            (_, Surface::Api) => assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}"),
            (_, _) if method == reqwest::Method::GET => {
                assert_eq!(status, StatusCode::SEE_OTHER, "{method} {path}");
                let loc = res.headers().get("location").unwrap().to_str().unwrap();
                assert!(loc.starts_with("/sign-in?next="), "{path} -> {loc}");
            }
            _ => assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}"),
        }
    }
}

/// The audit action a route's allowed read writes, and the record permission it checks against
/// the child (for routes about one person's record). A route with a path parameter must be
/// listed here or in `NOT_READS`, so a new reading route cannot join without its audit row.
fn read_audit(path: &str) -> Option<(&'static str, Option<Permission>)> {
    match path {
        "/people/{id}" | "/api/v1/people/{id}" | "/people/{id}/print" => {
            Some(("record.view", Some(Permission::ViewChildRecord)))
        }
        "/people/{id}/access-log" | "/api/v1/people/{id}/access-log" => {
            Some(("record.access_log", Some(Permission::ViewRecordAccessLog)))
        }
        "/users/{id}/activity" | "/api/v1/users/{id}/activity" => Some(("user.activity", None)),
        "/api/v1/people" => Some(("search", None)),
        "/analysis/{id}" => Some(("record.view.pseudonymised", None)),
        "/shared/{id}" => Some(("record.view.shared", None)),
        "/people/{id}/subject-access" | "/people/{id}/subject-access.json" => {
            Some(("record.export", Some(Permission::ExportSubjectAccess)))
        }
        // The recording forms open the record to record on it (the withdrawal form shows a
        // case note, whose family every role that corrects also records).
        "/people/{id}/notes/new" => Some(("record.view", Some(Permission::RecordCaseNotes))),
        "/people/{id}/visits/new" => Some(("record.view", Some(Permission::RecordVisits))),
        "/people/{id}/events/{seq}/withdraw" => {
            Some(("record.view", Some(Permission::RecordCorrections)))
        }
        _ => None,
    }
}

/// What a role the policy allows gets from a GET route: a page (200), or a redirect and where it
/// leads. Pages answer 200; these lead elsewhere.
fn allowed_get(path: &str, policy: &AccessPolicy, role: Role) -> (StatusCode, Option<String>) {
    use Permission as P;
    let to = |s: &str| (StatusCode::SEE_OTHER, Some(s.to_string()));
    match path {
        // Each role's home page is the first page it can use.
        "/" => to(if policy.holds(role, P::ViewMyWork) {
            "/my-work"
        } else if policy.holds(role, P::SearchPeople) {
            "/people"
        } else if policy.holds(role, P::ViewPseudonymised) {
            "/analysis"
        } else if policy.holds(role, P::ViewTeams) {
            "/teams"
        } else {
            "/shared"
        }),
        // Already signed in, with no second factor waiting: on to the home page.
        "/sign-in" | "/sign-in/second-factor" => to("/"),
        // No identity provider is configured in these tests: back to the password form.
        "/sign-in/oidc" | "/sign-in/oidc/callback" => to("/sign-in"),
        // A kept form that does not exist: home.
        "/drafts/{id}" => to("/"),
        // A set-up link that names no account (the tests use a made-up token).
        "/set-up/{token}" => (StatusCode::NOT_FOUND, None),
        // No contact has the id the test gives.
        "/api/v1/contacts/{id}"
        | "/contacts/{id}"
        | "/api/v1/contacts/{id}/people/{ordinal}/candidates" => (StatusCode::NOT_FOUND, None),
        _ => (StatusCode::OK, None),
    }
}

/// Routes with a path parameter that read no person's record.
const NOT_READS: &[&str] = &[
    "/teams/{id}",
    "/api/v1/teams/{id}",
    "/api/v1/teams/{id}/children",
    "/grants/{id}/revoke",
    // Revoking one's own API token: about the account, not a record.
    "/account/tokens/{id}/revoke",
    "/api/v1/me/tokens/{id}/revoke",
    // Forms: they record a reason or a restriction (tested below), and read nothing.
    "/people/{id}/reason",
    "/people/{id}/restriction",
    "/retention/{id}",
    "/users/{id}/disable",
    "/users/{id}/enable",
    "/users/{id}/reset-second-factor",
    "/users/{id}/set-up-link",
    "/users/{id}/approve",
    "/users/{id}/refuse",
    // A one-time set-up link (public; sec_accounts.rs tests it).
    "/set-up/{token}",
    // A kept form: its owner's own, and it reads no record.
    "/drafts/{id}",
    "/drafts/{id}/send",
    "/drafts/{id}/discard",
    "/people/{id}/consent",
    "/people/{id}/consent/{consent}/withdraw",
    // Recording: each writes an `event.record` row (casework.rs tests them), and reads no
    // record unless it answers with the form again.
    "/people/{id}/notes",
    "/people/{id}/visits",
    "/api/v1/people/{id}/notes",
    "/api/v1/people/{id}/visits",
    "/api/v1/people/{id}/events/{seq}/withdraw",
    "/api/v1/people/{id}/events/{seq}/correct",
    // The front door's calls about one contact: the test council has no contact with the
    // route's id, so they answer "not found"; contacts.rs tests their audit rows
    // (`contact.view`, `contact.step`, `contact.decided`).
    "/api/v1/contacts/{id}",
    "/api/v1/contacts/{id}/people/{ordinal}/candidates",
    "/api/v1/contacts/{id}/people/{ordinal}/match",
    "/contacts/{id}/people/{ordinal}/match",
    "/contacts/{id}",
    "/contacts/{id}/decision",
    "/contacts/{id}/authorisation",
    "/contacts/{id}/rating",
    "/contacts/{id}/checks",
    "/contacts/{id}/checks/{check}/response",
    "/api/v1/contacts/{id}/decision",
    "/api/v1/contacts/{id}/authorisation",
    "/api/v1/contacts/{id}/rating",
    "/api/v1/contacts/{id}/checks",
    "/api/v1/contacts/{id}/checks/{check}/response",
];

#[tokio::test]
async fn every_role_is_allowed_or_refused_on_every_route_and_reads_are_audited() {
    let app = spawn_app().await;
    let policy = AccessPolicy::default();
    let now = chrono::Utc::now();
    let facts = app
        .store
        .governance()
        .child_facts(PersonId(app.child), now)
        .await
        .unwrap();
    let mut record_refusals = 0;
    let mut wrong = Vec::new();
    for (_, path, _, _) in table() {
        assert!(
            !path.contains('{') || read_audit(path).is_some() || NOT_READS.contains(&path),
            "{path}: say which audit row it writes (read_audit) or that it reads no record (NOT_READS)"
        );
    }
    for role in Role::ALL {
        let cookie = app
            .sign_in(&username(role), PASSWORD)
            .await
            .unwrap_or_else(|_| panic!("sign in as {role:?}"));
        let account = app
            .store
            .accounts()
            .user_by_username(&username(role))
            .await
            .unwrap()
            .unwrap();
        let viewer = app.store.governance().viewer(&account, now).await.unwrap();
        for (method, path, access, _) in table() {
            if method != reqwest::Method::GET {
                continue;
            }
            let url = concrete(path, &app);
            let read = read_audit(path);
            let count = |a: &'static str| app.audit_count(a);
            let denials_before = count("access.denied").await;
            let record_denials_before = count("record.denied").await;
            let reads_before = match read {
                Some((a, _)) => count(a).await,
                None => 0,
            };
            let res = app.get(&url, Some(&cookie)).await;
            let status = res.status();
            // A team's list of children also needs the role's record scope to reach the team:
            // in the test council only "all" does (the route's team is authority-wide, and
            // accounts with narrower scopes belong to other teams or none).
            let route_allowed = policy.allows(role, access)
                && (path != "/api/v1/teams/{id}/children"
                    || policy.scope(role, Permission::ViewChildRecord) == Some(Scope::All));
            let record_allowed = match read.and_then(|r| r.1) {
                Some(p) => matches!(policy.decide(&viewer, p, &facts, now), Decision::Allowed(_)),
                None => true,
            };
            let denials = count("access.denied").await;
            let record_denials = count("record.denied").await;
            if !route_allowed {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {path}");
                assert_eq!(
                    denials,
                    denials_before + 1,
                    "{role:?} {path}: the refusal is audited"
                );
            } else if !record_allowed {
                record_refusals += 1;
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {path}: outside the role's scope"
                );
                assert_eq!(
                    record_denials,
                    record_denials_before + 1,
                    "{role:?} {path}: the refusal is audited"
                );
                let body = res.text().await.unwrap();
                assert!(
                    !body.contains(&app.child_name),
                    "{role:?} {path}: nothing of the record is shown"
                );
            } else {
                let got = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let (want, to) = allowed_get(path, &policy, role);
                if status != want || got != to.clone().unwrap_or_default() {
                    wrong.push(format!(
                        "{role:?} {path}: {status} {got}, not {want} {to:?}"
                    ));
                }
                assert_eq!(
                    (denials, record_denials),
                    (denials_before, record_denials_before),
                    "{role:?} {path}"
                );
            }
            if let Some((action, _)) = read {
                assert_eq!(
                    count(action).await,
                    reads_before + usize::from(route_allowed && record_allowed),
                    "{role:?} {path}: every allowed read writes its {action} row, and a refused one does not"
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "allowed reads did not land where they should:\n{}",
        wrong.join("\n")
    );
    assert!(
        record_refusals > 0,
        "some role is refused a record by its scope"
    );
    assert!(
        app.store
            .audit_log()
            .verify()
            .await
            .unwrap()
            .problem
            .is_none()
    );
}

#[tokio::test]
async fn sign_in_failures_are_plain_and_audited_and_sessions_are_fresh() {
    let app = spawn_app().await;
    let failed_before = app.audit_count("signin.failed").await;
    let res = app
        .sign_in("social.worker", "wrong password")
        .await
        .unwrap_err();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("There is a problem") && body.contains("href=\"#username\""),
        "an error summary linking to the field"
    );
    assert!(app.sign_in("nobody.here", PASSWORD).await.is_err());
    assert_eq!(app.audit_count("signin.failed").await, failed_before + 2);

    // Session fixation: a session id planted before sign-in is not the one afterwards.
    let planted = "a".repeat(64);
    let page = app.client.get(app.url("/sign-in")).send().await.unwrap();
    let pre = set_cookies(&page).get("stepwise_signin").cloned().unwrap();
    let csrf = csrf_in(&page.text().await.unwrap());
    let res = app
        .client
        .post(app.url("/sign-in"))
        .header(
            "cookie",
            format!("stepwise_signin={pre}; stepwise_session={planted}"),
        )
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "social.worker"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let issued = set_cookies(&res).get("stepwise_session").cloned().unwrap();
    assert_ne!(issued, planted);
    assert_eq!(
        app.get("/my-work", Some(&format!("stepwise_session={planted}")))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let cookie_attrs = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("stepwise_session="))
        .unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie_attrs.contains(attr), "{attr} in {cookie_attrs}");
    }
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let cookie = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let rejected_before = app.audit_count("csrf.rejected").await;
    for body in [vec![], vec![("csrf", "0".repeat(64))]] {
        let res = app
            .client
            .post(app.url("/sign-out"))
            .header("cookie", &cookie)
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.audit_count("csrf.rejected").await, rejected_before + 2);
    // Still signed in.
    assert_eq!(
        app.get("/my-work", Some(&cookie)).await.status(),
        StatusCode::OK
    );
    // With the token from the page, signing out works and ends the session.
    let html = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&html);
    let res = app
        .client
        .post(app.url("/sign-out"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/my-work", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn pages_show_the_record_search_and_teams_with_safe_headers() {
    let app = spawn_app().await;
    let cookie = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let res = app
        .get(&format!("/people/{}", app.child), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    assert!(
        h.get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(h.get("x-request-id").is_some());
    let html = res.text().await.unwrap();
    let escaped_name = app.child_name.replace('\'', "&#39;");
    assert!(html.contains(&app.child_name) || html.contains(&escaped_name));
    assert!(html.contains("Chronology") && html.contains("chronology-entry"));
    assert!(html.contains("Family and household"));
    assert!(html.contains("Due and overdue"));

    // The filter narrows the chronology; a bad date is named and links to its field.
    let res = app
        .get(
            &format!("/people/{}?from=31/02/2024", app.child),
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("href=\"#from\""));
    let all = app
        .get(&format!("/people/{}?all=1", app.child), Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let visits = app
        .get(
            &format!("/people/{}?category=visit", app.child),
            Some(&cookie),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(all.matches("chronology-entry").count() >= visits.matches("chronology-entry").count());

    // Search by a misspelt name in the other order finds the child.
    let parts: Vec<&str> = app.child_name.split(' ').collect();
    let given = parts[0];
    let family = parts[parts.len() - 1];
    let typo: String = if family.len() > 4 {
        format!("{}{}", &family[..family.len() - 1], "e")
    } else {
        family.to_string()
    };
    let res = app
        .get(&format!("/people?q={}+{}", typo, given), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(&format!("/people/{}", app.child)),
        "misspelt search for {typo} {given}"
    );
    let res = app
        .get("/people?q=&dob=31%2F02%2F2015", Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("href=\"#dob\""));

    let res = app
        .get(&format!("/teams/{}", app.team), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Weighted"));
    assert_eq!(
        app.get("/people/999999999", Some(&cookie)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/people/nonsense", Some(&cookie)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/no-such-page", Some(&cookie)).await.status(),
        StatusCode::NOT_FOUND
    );
    let my = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(my.contains("Recently viewed") && my.contains(&format!("/people/{}", app.child)));
}

#[tokio::test]
async fn sign_in_redirects_only_to_local_pages() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/sign-in?next=//evil.example/x"))
        .send()
        .await
        .unwrap();
    let pre = set_cookies(&page).get("stepwise_signin").cloned().unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"next\" value=\"/\""));
    let res = app
        .client
        .post(app.url("/sign-in"))
        .header("cookie", format!("stepwise_signin={pre}"))
        .form(&[
            ("csrf", csrf_in(&html).as_str()),
            ("username", "social.worker"),
            ("password", PASSWORD),
            ("next", "https://evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get("location").unwrap(), "/");
}

#[tokio::test]
async fn the_api_answers_json_and_errors_with_codes() {
    let app = spawn_app().await;
    let cookie = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "social_worker");
    let rec = app
        .get(&format!("/api/v1/people/{}", app.child), Some(&cookie))
        .await;
    assert_eq!(rec.status(), StatusCode::OK);
    let rec: serde_json::Value = rec.json().await.unwrap();
    assert_eq!(rec["local_id"], format!("P{:07}", app.child));
    assert!(!rec["chronology"].as_array().unwrap().is_empty());
    let bad = app
        .get("/api/v1/people?dob=2015-02-31", Some(&cookie))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(body["error"]["reference"].as_str().unwrap().len() == 16);
    let missing = app.get("/api/v1/people/999999999", Some(&cookie)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let found: serde_json::Value = app
        .get(
            &format!("/api/v1/people?q=P{:07}", app.child),
            Some(&cookie),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["results"][0]["id"], app.child);
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let refused = app
        .get(&format!("/api/v1/people/{}", app.child), Some(&admin))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let teams: serde_json::Value = app
        .get("/api/v1/teams", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(teams.as_array().unwrap().len() > 3);
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .unwrap_or_default();
    let generated = stepwise_web::api::openapi_json_text().unwrap();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `cargo run -p stepwise -- openapi > docs/openapi.json` and commit it"
    );
    // Every API route in the registry is described, and nothing else.
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    let described: std::collections::BTreeSet<String> =
        doc["paths"].as_object().unwrap().keys().cloned().collect();
    let routed: std::collections::BTreeSet<String> = table()
        .into_iter()
        .filter(|r| r.1.starts_with("/api/v1/") && r.1 != "/api/v1/openapi.json")
        .map(|r| r.1.to_string())
        .collect();
    assert_eq!(described, routed);
}

#[tokio::test]
async fn managers_see_their_team_and_every_figure_opens_its_list() {
    let app = spawn_app().await;
    let manager = app.sign_in("team.manager", PASSWORD).await.unwrap();
    let my = app
        .get("/my-work", Some(&manager))
        .await
        .text()
        .await
        .unwrap();
    let team_link = format!("/teams/{}", app.sw_team);
    assert!(
        my.contains("Your team") && my.contains(&format!("{team_link}#children")),
        "a team manager's work starts with their team"
    );

    // The team page lists the team's children; a worker's figure opens that worker's list.
    let page = app
        .get(&team_link, Some(&manager))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Children open to the team"));
    assert!(page.contains(&format!("/people/{}", app.child)));
    assert!(page.contains(&format!("?worker={}#children", app.sw)));
    let mine = app
        .get(&format!("{team_link}?worker={}", app.sw), Some(&manager))
        .await;
    assert_eq!(mine.status(), StatusCode::OK);
    let mine = mine.text().await.unwrap();
    assert!(
        mine.contains("Children allocated to") && mine.contains(&format!("/people/{}", app.child))
    );
    for bad in ["abc", "-1", "999999"] {
        assert_eq!(
            app.get(&format!("{team_link}?worker={bad}"), Some(&manager))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "worker {bad:?} is not in the team"
        );
    }

    // An analyst sees the team's figures but no child's name.
    let analyst = app.sign_in("performance.analyst", PASSWORD).await.unwrap();
    let page = app
        .get(&team_link, Some(&analyst))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("children per case-holding FTE"));
    assert!(
        !page.contains("/people/"),
        "no child is named to an analyst"
    );
    assert!(!page.contains(&app.child_name));
    // A page the analyst may not see still has the navigation and the sign-out button.
    let denied = app.get("/my-work", Some(&analyst)).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let denied = denied.text().await.unwrap();
    assert!(denied.contains("You do not have access") && denied.contains("Sign out"));
}

#[tokio::test]
async fn information_governance_grants_an_administrator_one_record_for_a_time_and_sees_its_use() {
    let app = spawn_app().await;
    let child = format!("/people/{}", app.child);
    let local = stepwise_domain::ids::local_person_id(PersonId(app.child));
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();

    // Without a grant the administrator is refused at the route.
    assert_eq!(
        app.get(&child, Some(&admin)).await.status(),
        StatusCode::FORBIDDEN
    );
    // An early help keyworker with no team in the child's locality is refused by scope, with
    // the reason, and sees nothing of the record.
    let eh = app.sign_in("early.help.keyworker", PASSWORD).await.unwrap();
    let refused = app.get(&child, Some(&eh)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body = refused.text().await.unwrap();
    assert!(body.contains("their locality"), "the reason is given");
    assert!(!body.contains(&app.child_name));

    // Bad grant forms are refused with an error summary and create nothing.
    let grants_before = app
        .store
        .governance()
        .grants(None, chrono::Utc::now())
        .await
        .unwrap()
        .len();
    for (fields, says) in [
        (
            [
                ("username", ""),
                ("person", local.as_str()),
                ("reason", "Complaint investigation"),
                ("days", "1"),
            ],
            "Enter the username",
        ),
        (
            [
                ("username", "nobody"),
                ("person", local.as_str()),
                ("reason", "Complaint investigation"),
                ("days", "1"),
            ],
            "There is no user",
        ),
        (
            [
                ("username", "system.administrator"),
                ("person", "12345"),
                ("reason", "Complaint investigation"),
                ("days", "1"),
            ],
            "local id",
        ),
        (
            [
                ("username", "system.administrator"),
                ("person", "P9999999"),
                ("reason", "Complaint investigation"),
                ("days", "1"),
            ],
            "no record",
        ),
        (
            [
                ("username", "system.administrator"),
                ("person", local.as_str()),
                ("reason", "because"),
                ("days", "1"),
            ],
            "reason",
        ),
        (
            [
                ("username", "system.administrator"),
                ("person", local.as_str()),
                ("reason", "Complaint investigation"),
                ("days", "31"),
            ],
            "from 1 to 30",
        ),
        (
            [
                ("username", "information.governance"),
                ("person", local.as_str()),
                ("reason", "Complaint investigation"),
                ("days", "1"),
            ],
            "yourself",
        ),
        (
            [
                ("username", "partner.professional"),
                ("person", local.as_str()),
                ("reason", "Complaint investigation"),
                ("days", "1"),
            ],
            "consent",
        ),
    ] {
        let res = post_form(&app, &ig, "/grants", "/grants", &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{says}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("There is a problem") && html.contains(says),
            "{says}"
        );
    }
    assert_eq!(
        app.store
            .governance()
            .grants(None, chrono::Utc::now())
            .await
            .unwrap()
            .len(),
        grants_before
    );

    // A good grant opens that one record to the administrator, and the read says why.
    let res = post_form(
        &app,
        &ig,
        &format!("/grants?person={local}"),
        "/grants",
        &[
            ("username", "system.administrator"),
            ("person", local.as_str()),
            ("reason", "Investigating a data fault reported by the team"),
            ("days", "2"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/grants?created="));
    let grant_id = location.trim_start_matches("/grants?created=").to_string();
    let page = app.get(&location, Some(&ig)).await.text().await.unwrap();
    assert!(page.contains(&format!("Grant {grant_id} is in force")));
    let opened = app.get(&child, Some(&admin)).await;
    assert_eq!(opened.status(), StatusCode::OK);
    assert!(opened.text().await.unwrap().contains(&app.child_name));
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("person:{}", app.child)), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "record.view");
    assert!(
        last.detail.contains(&format!("temporary grant {grant_id}")),
        "{}",
        last.detail
    );
    // Only that record: the administrator still cannot open anyone else's.
    let other = app.child + 1;
    assert_eq!(
        app.get(&format!("/people/{other}"), Some(&admin))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Information governance sees the view, the refusals and the grant on the record's log.
    let log = app
        .get(&format!("{child}/access-log"), Some(&ig))
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("Who has looked at this record"));
    assert!(log.contains("system.administrator") && log.contains("Opened the record"));
    assert!(log.contains("Refused access") && log.contains("early.help.keyworker"));
    assert!(log.contains("Investigating a data fault"));
    // ... and the administrator's activity, linked from the users page.
    let users = app.get("/users", Some(&ig)).await.text().await.unwrap();
    let admin_id = app
        .store
        .accounts()
        .user_by_username("system.administrator")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(users.contains(&format!("/users/{admin_id}/activity")));
    assert!(users.contains("Open a child's record"), "the roles table");
    let activity = app
        .get(&format!("/users/{admin_id}/activity"), Some(&ig))
        .await
        .text()
        .await
        .unwrap();
    assert!(activity.contains("Opened the record") && activity.contains(&local));
    // Between dates, and as CSV; bad dates are named.
    let csv = app
        .get(
            &format!("/users/{admin_id}/activity?from=01/01/2000&to=31/12/2099&format=csv"),
            Some(&ig),
        )
        .await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("seq,at,actor,action") && csv.contains("\"record.view\""));
    let none = app
        .get(
            &format!("/users/{admin_id}/activity?from=01/01/2000&to=31/12/2000"),
            Some(&ig),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        none.contains("This user has done nothing yet"),
        "nothing in 2000"
    );
    let bad = app
        .get(
            &format!("/users/{admin_id}/activity?from=31/02/2026"),
            Some(&ig),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("href=\"#from\""));

    // Revoking ends it at once; a second revoke is refused plainly.
    let res = post_form(
        &app,
        &ig,
        "/grants",
        &format!("/grants/{grant_id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&child, Some(&admin)).await.status(),
        StatusCode::FORBIDDEN
    );
    let again = post_form(
        &app,
        &ig,
        "/grants",
        &format!("/grants/{grant_id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("already ended"));
    assert!(
        app.store
            .audit_log()
            .verify()
            .await
            .unwrap()
            .problem
            .is_none()
    );
}

#[tokio::test]
async fn repeated_failures_slow_sign_in_down_for_that_username_only() {
    let app = spawn_app().await;
    // Four failures, then the right password: signed in, and the count starts again.
    for _ in 0..4 {
        let res = app
            .sign_in("team.manager", "not the password")
            .await
            .unwrap_err();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(app.sign_in("team.manager", PASSWORD).await.is_ok());
    for _ in 0..4 {
        assert_eq!(
            app.sign_in("team.manager", "not the password")
                .await
                .unwrap_err()
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The fifth failure in a row starts the back-off: even the right password waits.
    assert_eq!(
        app.sign_in("team.manager", "not the password")
            .await
            .unwrap_err()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let throttled_before = app.audit_count("signin.throttled").await;
    let res = app.sign_in("team.manager", PASSWORD).await.unwrap_err();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body = res.text().await.unwrap();
    assert!(body.contains("too many failed attempts") && body.contains("href=\"#username\""));
    assert_eq!(
        app.audit_count("signin.throttled").await,
        throttled_before + 1
    );
    // Other accounts are not affected, and an unknown username is treated the same way (the
    // answer does not reveal whether it exists).
    assert!(app.sign_in("social.worker", PASSWORD).await.is_ok());
    for _ in 0..5 {
        let _ = app.sign_in("no.such.person", "guess").await;
    }
    assert_eq!(
        app.sign_in("no.such.person", "guess")
            .await
            .unwrap_err()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account() {
    let app = spawn_app().await;
    let laptop = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let tablet = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let other = app.sign_in("team.manager", PASSWORD).await.unwrap();
    let page = app
        .get("/account", Some(&laptop))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Where you are signed in") && page.contains("Sign out everywhere"));
    assert!(page.contains("Open a child&#39;s record") || page.contains("Open a child's record"));
    let res = post_form(
        &app,
        &laptop,
        "/account",
        "/account/sign-out-everywhere",
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for cookie in [&laptop, &tablet] {
        assert_eq!(
            app.get("/my-work", Some(cookie)).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        app.get("/my-work", Some(&other)).await.status(),
        StatusCode::OK,
        "other accounts keep their sessions"
    );
    let last = &app.store.audit_log().entries(None, 1).await.unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.detail.as_str()),
        ("signout.everywhere", "2 sessions ended")
    );
}

#[tokio::test]
async fn a_restricted_record_asks_for_a_reason_and_a_sealed_one_is_hidden() {
    let app = spawn_app().await;
    let child = format!("/people/{}", app.child);
    let local = stepwise_domain::ids::local_person_id(PersonId(app.child));
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();

    // Information governance restricts the record from its access log page; bad input is
    // refused with the field named, and changes nothing.
    let log_page = format!("{child}/access-log");
    let action = format!("{child}/restriction");
    let bad = post_form(
        &app,
        &ig,
        &log_page,
        &action,
        &[
            ("action", "restricted"),
            ("category", "staff_relative"),
            ("note", "short"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("href=\"#note\""));
    let bad = post_form(
        &app,
        &ig,
        &log_page,
        &action,
        &[
            ("action", "hide"),
            ("category", "staff_relative"),
            ("note", "A long enough note"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        app.store
            .governance()
            .restriction(PersonId(app.child))
            .await
            .unwrap()
            .is_none()
    );
    let ok = post_form(
        &app,
        &ig,
        &log_page,
        &action,
        &[
            ("action", "restricted"),
            ("category", "staff_relative"),
            ("note", "The child of a member of staff"),
        ],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert!(
        app.get(&log_page, Some(&ig))
            .await
            .text()
            .await
            .unwrap()
            .contains("Restricted record")
    );

    // The allocated social worker opens it as before; the front door must say why first.
    let mine = app.get(&child, Some(&sw)).await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert!(
        mine.text().await.unwrap().contains("Restricted record"),
        "the header says so"
    );
    let ask = app.get(&child, Some(&fd)).await;
    assert_eq!(ask.status(), StatusCode::FORBIDDEN);
    let html = ask.text().await.unwrap();
    assert!(
        html.contains("This record is restricted")
            && html.contains("Why do you need to open this record?")
    );
    assert!(
        !html.contains(&app.child_name),
        "nothing of the record before the reason"
    );
    let reason_action = format!("{child}/reason");
    let short = post_form(
        &app,
        &fd,
        "/people",
        &reason_action,
        &[("reason", "need it")],
    )
    .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    assert!(short.text().await.unwrap().contains("There is a problem"));
    let given = post_form(
        &app,
        &fd,
        "/people",
        &reason_action,
        &[(
            "reason",
            "A new contact from the school about this child today",
        )],
    )
    .await;
    assert_eq!(given.status(), StatusCode::SEE_OTHER);
    let opened = app.get(&child, Some(&fd)).await;
    assert_eq!(opened.status(), StatusCode::OK);
    assert!(opened.text().await.unwrap().contains(&app.child_name));
    let openings = app
        .get("/restricted-openings", Some(&ig))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        openings.contains("front.door.practitioner")
            && openings.contains("A new contact from the school")
    );
    // Found by name only, showing nothing else.
    let by_id = app
        .get(&format!("/people?q={local}"), Some(&fd))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_id.contains("0 people found"), "not by its identifier");
    let first_name = app.child_name.split(' ').next().unwrap();
    let family = app.child_name.rsplit(' ').next().unwrap();
    let by_name = app
        .get(&format!("/people?q={first_name}+{family}"), Some(&fd))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_name.contains(&local) && by_name.contains("Not shown: restricted"));

    // Sealed: hidden from the front door even by name, and "not found" if asked for directly.
    let sealed = post_form(
        &app,
        &ig,
        &log_page,
        &action,
        &[
            ("action", "sealed"),
            ("category", "sealed_adoption"),
            ("note", "Adopted: the record is sealed"),
        ],
    )
    .await;
    assert_eq!(sealed.status(), StatusCode::SEE_OTHER);
    let by_name = app
        .get(&format!("/people?q={first_name}+{family}"), Some(&fd))
        .await
        .text()
        .await
        .unwrap();
    assert!(!by_name.contains(&local));
    assert_eq!(
        app.get(&child, Some(&fd)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&child, Some(&sw)).await.status(),
        StatusCode::NOT_FOUND,
        "even for the allocated worker"
    );
    assert_eq!(app.get(&child, Some(&ig)).await.status(), StatusCode::OK);
    let lift = post_form(
        &app,
        &ig,
        &log_page,
        &action,
        &[("action", "lift"), ("category", "other"), ("note", "")],
    )
    .await;
    assert_eq!(lift.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&child, Some(&fd)).await.status(), StatusCode::OK);
    assert!(
        app.store
            .audit_log()
            .verify()
            .await
            .unwrap()
            .problem
            .is_none()
    );
}

#[tokio::test]
async fn information_governance_reviews_the_records_due_for_disposal() {
    let app = spawn_app().await;
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let now = app.get("/retention", Some(&ig)).await;
    assert_eq!(now.status(), StatusCode::OK);
    assert!(
        now.text()
            .await
            .unwrap()
            .contains("Records due for disposal review")
    );
    let bad = app.get("/retention?as_at=31/02/2100", Some(&ig)).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("href=\"#as_at\""));
    // The queue is paged: the child is on one of its pages, each saying how many are due.
    let target = format!("/retention/{}", app.child);
    let mut at = "/retention?as_at=01/01/2200".to_string();
    let mut found = false;
    for _ in 0..100 {
        let ahead = app.get(&at, Some(&ig)).await.text().await.unwrap();
        assert!(ahead.contains("records due"), "{ahead}");
        if ahead.contains(&target) {
            found = true;
            break;
        }
        let Some(i) = ahead.find("rel=\"next\" href=\"") else {
            break;
        };
        let rest = &ahead[i + "rel=\"next\" href=\"".len()..];
        at = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
    }
    assert!(found, "the child is due by 2200");
    let page = at
        .split("page=")
        .nth(1)
        .and_then(|p| p.split('&').next())
        .unwrap_or("1")
        .to_string();
    let res = post_form(
        &app,
        &ig,
        &at,
        &target,
        &[
            ("decision", "dispose"),
            ("review_on", ""),
            ("reason", "The retention period has ended"),
            ("page", &page),
            ("as_at", "01/01/2200"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Back to the same page of the queue, as at the same date, saying what was decided.
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("/retention?decided="), "{back}");
    assert!(back.contains("as_at=01%2F01%2F2200"), "{back}");
    assert_eq!(
        back.contains(&format!("page={page}")),
        page != "1",
        "{back}"
    );
    let ahead = app
        .get("/retention?as_at=01/01/2200", Some(&ig))
        .await
        .text()
        .await
        .unwrap();
    assert!(!ahead.contains(&target), "decided records leave the queue");
    let keep_without_date = post_form(
        &app,
        &ig,
        "/retention",
        &format!("/retention/{}", app.child + 1),
        &[
            ("decision", "keep"),
            ("review_on", ""),
            ("reason", "Still needed for a complaint"),
        ],
    )
    .await;
    assert_eq!(keep_without_date.status(), StatusCode::BAD_REQUEST);
    // The queue again, with the problem beside the record's form and the reason kept, not a
    // bare error page (issue 8, item 5).
    let html = keep_without_date.text().await.unwrap();
    assert!(html.contains("give the date to review it again"), "{html}");
    assert!(html.contains("value=\"Still needed for a complaint\""));
    assert!(html.contains("Records due for disposal review"));
    assert_eq!(app.audit_count("retention.decision").await, 1);
}

#[tokio::test]
async fn a_subject_access_pack_gathers_everything_and_marks_third_parties() {
    let app = spawn_app().await;
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let base = format!("/people/{}/subject-access", app.child);
    let missing = app.get(&base, Some(&ig)).await;
    assert_eq!(
        missing.status(),
        StatusCode::BAD_REQUEST,
        "a reference is required"
    );
    // A refused reference shows the form again, the problem beside the field and what was
    // typed kept, rather than a bare error page (issue 8, item 5).
    let short = app.get(&format!("{base}?reference=S1"), Some(&ig)).await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let html = short.text().await.unwrap();
    assert!(html.contains("value=\"S1\"") && html.contains("3 to 60 characters"));
    assert!(html.contains("Sign out"), "the page keeps the navigation");
    assert!(
        !html.contains(&app.child_name),
        "and shows nothing of the record"
    );
    let exports_before = app.audit_count("record.export").await;
    let page = app
        .get(&format!("{base}?reference=SAR-2026-014"), Some(&ig))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("Information held about {}", app.child_name)));
    assert!(
        html.contains("Family and household (third parties)") && html.contains("class=\"redact\"")
    );
    assert!(html.contains("Who has looked at the record"));
    let json = app
        .get(&format!("{base}.json?reference=SAR-2026-014"), Some(&ig))
        .await;
    assert_eq!(json.status(), StatusCode::OK);
    assert!(
        json.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let pack: serde_json::Value = json.json().await.unwrap();
    assert_eq!(pack["reference"], "SAR-2026-014");
    assert!(pack["chronology"].as_array().unwrap().len() > 5);
    assert!(
        !pack["third_parties"].as_array().unwrap().is_empty(),
        "the family are marked as third parties"
    );
    assert_eq!(
        app.audit_count("record.export").await,
        exports_before + 2,
        "each export is audited"
    );
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("person:{}", app.child)), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.detail, "subject access request SAR-2026-014");
    // A social worker may not prepare one.
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    assert_eq!(
        app.get(&format!("{base}?reference=SAR-1"), Some(&sw))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// The key shown on the set-up page.
fn totp_key(html: &str) -> stepwise_domain::totp::TotpSecret {
    let i = html.find("class=\"totp-key\">").unwrap() + "class=\"totp-key\">".len();
    let key: String = html[i..].split('<').next().unwrap().to_string();
    stepwise_domain::totp::TotpSecret::from_base32(&key).unwrap()
}

fn session_cookie(res: &reqwest::Response) -> String {
    format!("stepwise_session={}", set_cookies(res)["stepwise_session"])
}

#[tokio::test]
async fn a_second_factor_is_set_up_then_asked_for_and_each_code_works_once() {
    use stepwise_domain::totp::code_at;
    let app = spawn_app().await;
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let setup = app
        .get("/account/second-factor", Some(&sw))
        .await
        .text()
        .await
        .unwrap();
    let secret = totp_key(&setup);
    // Reloading shows the same key until it is confirmed.
    let again = app
        .get("/account/second-factor", Some(&sw))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(totp_key(&again).to_base32(), secret.to_base32());
    let now = chrono::Utc::now().timestamp();
    let wrong = post_form(
        &app,
        &sw,
        "/account/second-factor",
        "/account/second-factor",
        &[("code", "000000")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let ok = post_form(
        &app,
        &sw,
        "/account/second-factor",
        "/account/second-factor",
        &[("code", &code_at(&secret, now))],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("second_factor.enrolled").await, 1);

    // Now the password alone opens nothing.
    let half = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let blocked = app.get("/my-work", Some(&half)).await;
    assert_eq!(blocked.status(), StatusCode::SEE_OTHER);
    assert_eq!(blocked.headers()["location"], "/sign-in/second-factor");
    assert_eq!(
        app.get("/api/v1/me", Some(&half)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = app.get("/sign-in/second-factor", Some(&half)).await;
    assert!(page.text().await.unwrap().contains("Enter your code"));
    // The code used to set it up cannot be used again; a wrong one is refused and audited.
    let replay = post_form(
        &app,
        &half,
        "/sign-in/second-factor",
        "/sign-in/second-factor",
        &[("code", &code_at(&secret, now)), ("next", "/my-work")],
    )
    .await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(replay.text().await.unwrap().contains("already"));
    assert!(app.audit_count("signin.second_factor_failed").await >= 1);
    // The next step's code (the app's clock may run ahead) completes the sign-in, on a new token.
    let done = post_form(
        &app,
        &half,
        "/sign-in/second-factor",
        "/sign-in/second-factor",
        &[("code", &code_at(&secret, now + 30)), ("next", "/my-work")],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], "/my-work");
    let full = session_cookie(&done);
    assert_ne!(full, half, "a new session, not the waiting one");
    assert_eq!(
        app.get("/my-work", Some(&full)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/my-work", Some(&half)).await.status(),
        StatusCode::SEE_OTHER,
        "the waiting session has ended"
    );
}

#[tokio::test]
async fn a_role_that_requires_a_second_factor_must_set_one_up_to_get_in() {
    use stepwise_domain::totp::code_at;
    let policy = stepwise_domain::access::AccessPolicy::from_json(
        r#"{"require_second_factor": ["system_administrator"]}"#,
    )
    .unwrap();
    let app = spawn_app_with_policy(policy).await;
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let res = app.get("/teams", Some(&admin)).await;
    assert_eq!(res.headers()["location"], "/account/second-factor");
    let setup = app
        .get("/account/second-factor", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(setup.contains("Your role needs a second factor"));
    let secret = totp_key(&setup);
    let done = post_form(
        &app,
        &admin,
        "/account/second-factor",
        "/account/second-factor",
        &[("code", &code_at(&secret, chrono::Utc::now().timestamp()))],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let full = session_cookie(&done);
    assert_eq!(
        app.get("/teams", Some(&full)).await.status(),
        StatusCode::OK
    );
    // Other roles are not asked.
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    assert_eq!(
        app.get("/my-work", Some(&sw)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_administrator_adds_disables_and_enables_accounts() {
    let app = spawn_app().await;
    let admin = app.sign_in("system.administrator", PASSWORD).await.unwrap();
    let team = app.sw_team.to_string();
    let add = |fields: Vec<(&'static str, String)>| {
        let (app, admin) = (&app, &admin);
        async move {
            let owned: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, admin, "/users", "/users", &owned).await
        }
    };
    for (name, says) in [
        ("bad name!", "letters, digits"),
        ("social.worker", "already a user"),
    ] {
        let res = add(vec![
            ("username", name.to_string()),
            ("display_name", "Nia Evans".to_string()),
            ("role", "social_worker".to_string()),
            ("team", team.clone()),
        ])
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{name}");
        assert!(res.text().await.unwrap().contains(says), "{says}");
    }
    assert!(
        app.store
            .accounts()
            .user_by_username("new.worker")
            .await
            .unwrap()
            .is_none()
    );
    let partner_without_agency = add(vec![
        ("username", "school.nurse".to_string()),
        ("display_name", "Ada Obi".to_string()),
        ("role", "partner_professional".to_string()),
        ("team", String::new()),
        ("agency", String::new()),
    ])
    .await;
    assert_eq!(partner_without_agency.status(), StatusCode::BAD_REQUEST);
    assert!(
        partner_without_agency
            .text()
            .await
            .unwrap()
            .contains("Choose the partner professional")
    );
    // The page takes no password: it shows a one-time set-up link, with which the person
    // chooses their own (the password rules are checked there: sec_accounts.rs).
    let res = add(vec![
        ("username", "new.worker".to_string()),
        ("display_name", "Nia Evans".to_string()),
        ("role", "social_worker".to_string()),
        ("team", team.clone()),
    ])
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let i = html.find("/set-up/").unwrap();
    let link: String = html[i..].chars().take("/set-up/".len() + 64).collect();
    let made = app
        .store
        .accounts()
        .user_by_username("new.worker")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.team_id, Some(app.sw_team));
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("user:{}", made.id)), 2)
        .await
        .unwrap();
    assert!(
        last.iter()
            .any(|e| e.action == "user.add" && e.actor.ends_with(":system.administrator"))
    );
    let page = app.get(&link, None).await;
    let pre = set_cookies(&page).get("stepwise_signin").cloned().unwrap();
    let csrf = csrf_in(&page.text().await.unwrap());
    let done = app
        .client
        .post(app.url("/set-up"))
        .header("cookie", format!("stepwise_signin={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", link.trim_start_matches("/set-up/")),
            ("password", "kettle orbit lantern"),
            ("confirm", "kettle orbit lantern"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    // A social worker reaches case records: information governance approves the account.
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let approve = |ig: String| {
        let app = &app;
        async move {
            let res = post_form(
                app,
                &ig,
                "/users",
                &format!("/users/{}/approve", made.id),
                &[],
            )
            .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
        }
    };
    approve(ig.clone()).await;
    let nia = app
        .sign_in("new.worker", "kettle orbit lantern")
        .await
        .unwrap();
    assert_eq!(
        app.get("/my-work", Some(&nia)).await.status(),
        StatusCode::OK
    );
    // Disabling ends the sessions at once and refuses sign-in; enabling (after approval
    // again, as the role reaches case records) restores it.
    let res = post_form(
        &app,
        &admin,
        "/users",
        &format!("/users/{}/disable", made.id),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/my-work", Some(&nia)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.sign_in("new.worker", "kettle orbit lantern")
            .await
            .is_err()
    );
    let admin_id = app
        .store
        .accounts()
        .user_by_username("system.administrator")
        .await
        .unwrap()
        .unwrap()
        .id;
    let own = post_form(
        &app,
        &admin,
        "/users",
        &format!("/users/{admin_id}/disable"),
        &[],
    )
    .await;
    assert_eq!(
        own.status(),
        StatusCode::BAD_REQUEST,
        "not your own account"
    );
    post_form(
        &app,
        &admin,
        "/users",
        &format!("/users/{}/enable", made.id),
        &[],
    )
    .await;
    assert!(
        app.sign_in("new.worker", "kettle orbit lantern")
            .await
            .is_err()
    );
    approve(ig.clone()).await;
    assert!(
        app.sign_in("new.worker", "kettle orbit lantern")
            .await
            .is_ok()
    );
    // Information governance sees users and roles but cannot change them.
    assert!(
        !app.get("/users", Some(&ig))
            .await
            .text()
            .await
            .unwrap()
            .contains("Add a user")
    );
    let refused = post_form(
        &app,
        &ig,
        "/users",
        &format!("/users/{}/disable", made.id),
        &[],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn analysts_follow_journeys_under_a_pseudonym_and_see_nothing_that_identifies() {
    let app = spawn_app().await;
    let analyst = app.sign_in("performance.analyst", PASSWORD).await.unwrap();
    // No named record by role.
    assert_eq!(
        app.get(&format!("/people/{}", app.child), Some(&analyst))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let list = app
        .get("/analysis", Some(&analyst))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains(&app.pseudonym),
        "the open child is listed by pseudonym"
    );
    assert!(!list.contains(&app.child_name) && !list.contains("/people/"));
    let views_before = app.audit_count("record.view.pseudonymised").await;
    let page = app
        .get(&format!("/analysis/{}", app.pseudonym), Some(&analyst))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let local = stepwise_domain::ids::local_person_id(PersonId(app.child));
    for secret in [app.child_name.as_str(), local.as_str()] {
        assert!(!html.contains(secret), "{secret} is not shown");
    }
    let log = app
        .store
        .journeys()
        .child_log(PersonId(app.child))
        .await
        .unwrap();
    for e in &log {
        if let Some(t) = match &e.kind {
            stepwise_domain::events::EventKind::CaseNote { text, .. } => Some(text),
            stepwise_domain::events::EventKind::ContactReceived { concerns, .. } => Some(concerns),
            _ => None,
        } {
            assert!(!html.contains(t.as_str()), "free text is left out: {t}");
        }
    }
    assert!(html.contains("Journey ("));
    assert_eq!(
        app.audit_count("record.view.pseudonymised").await,
        views_before + 1
    );
    // The read shows on the child's record for information governance.
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("person:{}", app.child)), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "record.view.pseudonymised");
    // Unknown and malformed pseudonyms are "not found".
    for bad in ["R0000000000", "nonsense", "R"] {
        assert_eq!(
            app.get(&format!("/analysis/{bad}"), Some(&analyst))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn a_form_sent_after_the_session_lapsed_is_kept_and_can_be_sent_after_signing_in() {
    let app = spawn_app().await;
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let local = stepwise_domain::ids::local_person_id(PersonId(app.child));
    let page = app.get("/grants", Some(&ig)).await.text().await.unwrap();
    let csrf = csrf_in(&page);
    // The session lapses while the form is being filled in.
    let token = ig.trim_start_matches("stepwise_session=");
    let hash = stepwise_web::auth::token_hash(token);
    app.store
        .accounts()
        .touch_session(&hash, chrono::Utc::now() - chrono::Duration::hours(3))
        .await
        .unwrap();
    let fields = [
        ("csrf", csrf.as_str()),
        ("username", "system.administrator"),
        ("person", local.as_str()),
        ("reason", "Investigating a data fault reported by the team"),
        ("days", "1"),
    ];
    let res = app
        .client
        .post(app.url("/grants"))
        .header("cookie", &ig)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/sign-in?next=%2Fdrafts%2F"), "{to}");
    assert!(
        app.store
            .governance()
            .grants(None, chrono::Utc::now())
            .await
            .unwrap()
            .is_empty(),
        "nothing was done yet"
    );
    let signin = app.get(&to, None).await.text().await.unwrap();
    assert!(signin.contains("It has been kept"));
    // On other lapsed sessions: signing out keeps nothing, and a forged form (a token that is
    // not the session's) is not kept.
    let drafts_before = app.audit_count("form.draft.kept").await;
    for (path, token_of_form) in [("/sign-out", None), ("/grants", Some("0".repeat(64)))] {
        let other = app
            .sign_in("information.governance", PASSWORD)
            .await
            .unwrap();
        let own = csrf_in(&app.get("/grants", Some(&other)).await.text().await.unwrap());
        let t = other.trim_start_matches("stepwise_session=");
        app.store
            .accounts()
            .touch_session(
                &stepwise_web::auth::token_hash(t),
                chrono::Utc::now() - chrono::Duration::hours(3),
            )
            .await
            .unwrap();
        let sent = token_of_form.unwrap_or(own);
        let res = app
            .client
            .post(app.url(path))
            .header("cookie", &other)
            .form(&[
                ("csrf", sent.as_str()),
                ("reason", "Investigating a data fault"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "{path}: nothing kept"
        );
    }
    assert_eq!(app.audit_count("form.draft.kept").await, drafts_before);

    // Signing in again shows what was typed; someone else cannot see it.
    let draft = to
        .trim_start_matches("/sign-in?next=%2Fdrafts%2F")
        .to_string();
    let other = app.sign_in("social.worker", PASSWORD).await.unwrap();
    assert_eq!(
        app.get(&format!("/drafts/{draft}"), Some(&other))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let again = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let kept = app
        .get(&format!("/drafts/{draft}"), Some(&again))
        .await
        .text()
        .await
        .unwrap();
    assert!(kept.contains("Your form was kept") && kept.contains("Investigating a data fault"));
    // Sending it goes on to the grants page (a 307 keeps the form), which makes the grant.
    let csrf = csrf_in(&kept);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(&fields[1..]);
    let sent = app
        .client
        .post(app.url(&format!("/drafts/{draft}/send")))
        .header("cookie", &again)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(sent.headers()["location"], "/grants");
    let done = app
        .client
        .post(app.url("/grants"))
        .header("cookie", &again)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store
            .governance()
            .grants(None, chrono::Utc::now())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get(&format!("/drafts/{draft}"), Some(&again))
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "sent once"
    );
}

#[tokio::test]
async fn partners_see_only_what_families_consented_to_share_with_their_agency() {
    let app = spawn_app().await;
    let partner = app.sign_in("partner.professional", PASSWORD).await.unwrap();
    assert_eq!(
        app.get("/", Some(&partner)).await.headers()["location"],
        "/shared"
    );
    let list = app
        .get("/shared", Some(&partner))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains(&app.child_name),
        "the consenting family is listed"
    );
    let one = app
        .get(&format!("/shared/{}", app.child), Some(&partner))
        .await;
    assert_eq!(one.status(), StatusCode::OK);
    let html = one.text().await.unwrap();
    assert!(
        html.contains("Who to contact") && !html.contains("Chronology"),
        "a summary, not the record"
    );
    // Not the record itself, not search, and nobody without consent.
    assert_eq!(
        app.get(&format!("/people/{}", app.child), Some(&partner))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/people?q=smith", Some(&partner)).await.status(),
        StatusCode::FORBIDDEN
    );
    let other = app.child + 1;
    assert_eq!(
        app.get(&format!("/shared/{other}"), Some(&partner))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("person:{other}")), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "record.denied", "the attempt is audited");

    // The social worker records and withdraws consent on the record; bad input is refused.
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let record = format!("/people/{}", app.child);
    let page = app.get(&record, Some(&sw)).await.text().await.unwrap();
    assert!(page.contains("Consent to share") && page.contains("School or education setting"));
    for (fields, says) in [
        (
            [
                ("agency", "school"),
                ("basis", "consent"),
                ("given_by", "Mother"),
                ("until", "31/02/2027"),
            ],
            "Enter the date",
        ),
        (
            [
                ("agency", "bank"),
                ("basis", "consent"),
                ("given_by", "Mother"),
                ("until", "01/06/2027"),
            ],
            "not a partner agency",
        ),
        (
            [
                ("agency", "health"),
                ("basis", "whim"),
                ("given_by", "Mother"),
                ("until", "01/06/2027"),
            ],
            "not a basis",
        ),
        (
            [
                ("agency", "health"),
                ("basis", "consent"),
                ("given_by", ""),
                ("until", "01/06/2027"),
            ],
            "who gave",
        ),
        (
            [
                ("agency", "health"),
                ("basis", "consent"),
                ("given_by", "Mother"),
                ("until", "01/06/2030"),
            ],
            "two years",
        ),
    ] {
        let res = post_form(&app, &sw, &record, &format!("{record}/consent"), &fields).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{says}");
        assert!(res.text().await.unwrap().contains(says), "{says}");
    }
    let ok = post_form(
        &app,
        &sw,
        &record,
        &format!("{record}/consent"),
        &[
            ("agency", "health"),
            ("basis", "consent"),
            ("given_by", "Mother, with parental responsibility"),
            ("until", "01/06/2027"),
        ],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let consents = app
        .store
        .governance()
        .consents(
            PersonId(app.child),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )
        .await
        .unwrap();
    let school = consents.iter().find(|c| c.agency == "school").unwrap();
    let res = post_form(
        &app,
        &sw,
        &record,
        &format!("{record}/consent/{}/withdraw", school.id),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/shared/{}", app.child), Some(&partner))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "withdrawn: no longer shared"
    );
    assert!(
        app.store
            .audit_log()
            .verify()
            .await
            .unwrap()
            .problem
            .is_none()
    );
}

#[tokio::test]
async fn printing_a_record_is_audited_as_a_print() {
    let app = spawn_app().await;
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let page = app
        .get(&format!("/people/{}/print", app.child), Some(&sw))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Printed from Stepwise by") && html.contains(&app.child_name));
    let last = &app
        .store
        .audit_log()
        .entries(Some(&format!("person:{}", app.child)), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "record.view");
    assert!(last.detail.starts_with("print; "), "{}", last.detail);
    let analyst = app.sign_in("performance.analyst", PASSWORD).await.unwrap();
    assert_eq!(
        app.get(&format!("/people/{}/print", app.child), Some(&analyst))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
