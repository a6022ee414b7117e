//! The role × route matrix for every state-changing route. For every role and every route that
//! is not a GET, a signed-in request carrying that session's own CSRF token is sent: a role the
//! policy refuses gets 403, exactly one `access.denied` audit row and nothing else written; a
//! role the policy allows reaches the handler, which answers what that route answers to an empty
//! form (pinned per route in `allowed_answer`), never a refusal and never a server error. A new
//! state-changing route fails this test until it says what an allowed role gets.

use reqwest::StatusCode;

use stepwise_domain::access::{Access, AccessPolicy, Decision, Role};
use stepwise_domain::ids::PersonId;
use stepwise_web::routes::table;

use crate::support::app::{PASSWORD, TestApp, csrf_in, username};

/// An id that names nothing.
const MISSING: i64 = 987_654_321;

/// A requestable URL for a state-changing route.
fn concrete(path: &str, app: &TestApp, target_user: stepwise_domain::ids::UserId) -> String {
    path.replace("{consent}", &MISSING.to_string())
        .replace("{check}", &MISSING.to_string())
        .replace("{ordinal}", "0")
        .replace("{seq}", &MISSING.to_string())
        .replace(
            "{id}",
            &if path.starts_with("/users/") {
                target_user.to_string()
            } else if path.starts_with("/grants/") || path.starts_with("/drafts/") {
                MISSING.to_string()
            } else {
                app.child.to_string()
            },
        )
}

/// What a role the policy allows gets from a route when it sends only the CSRF token: the
/// status, and where a redirect leads. Every state-changing route must be listed.
fn allowed_answer(path: &str) -> Option<(StatusCode, Option<&'static str>)> {
    use StatusCode as S;
    Some(match path {
        // Not waiting for a code: straight on to the home page.
        "/sign-in/second-factor" => (S::SEE_OTHER, Some("/")),
        // Setting up a second factor: a code is needed, and an empty one is refused on the form.
        // No secret waiting to be confirmed: back to the set-up page, which starts one.
        "/account/second-factor" => (S::SEE_OTHER, Some("/account/second-factor")),
        // Kept forms that do not exist (or are someone else's) are not found.
        // A kept form that does not exist (or is someone else's): nothing to send, home.
        "/drafts/{id}/send" | "/drafts/{id}/discard" => (S::SEE_OTHER, Some("/")),
        // Changing one's password: the current password is needed, and its absence is named.
        "/account/password" => (S::BAD_REQUEST, None),
        "/account/sign-out-everywhere" => (S::SEE_OTHER, Some("/sign-in")),
        "/sign-out" => (S::SEE_OTHER, Some("/sign-in")),
        // Forms about a record: the missing fields are named on the form.
        "/people/{id}/consent" | "/people/{id}/restriction" | "/retention/{id}" => {
            (S::BAD_REQUEST, None)
        }
        // An ordinary record needs no reason: straight to it.
        "/people/{id}/reason" => (S::SEE_OTHER, Some("/people/")),
        "/people/{id}/consent/{consent}/withdraw" => (S::BAD_REQUEST, None),
        // Recording forms sent empty: the form again, naming the missing fields.
        "/people/{id}/notes" | "/people/{id}/visits" => (S::BAD_REQUEST, None),
        // Withdrawing an entry the record does not hold.
        "/people/{id}/events/{seq}/withdraw" => (S::NOT_FOUND, None),
        // The API's recording calls take JSON: a form body is refused as such.
        "/api/v1/people/{id}/notes"
        | "/api/v1/people/{id}/visits"
        | "/api/v1/people/{id}/events/{seq}/withdraw"
        | "/api/v1/people/{id}/events/{seq}/correct" => (S::BAD_REQUEST, None),
        // Person matching takes JSON: a form body is refused as such.
        "/api/v1/people/matches" => (S::BAD_REQUEST, None),
        // The contact forms sent empty: the form again, naming what is missing.
        "/contacts" | "/shared/refer" | "/contact-us" => (S::BAD_REQUEST, None),
        "/contacts/{id}/people/{ordinal}/match" => (S::NOT_FOUND, None),
        // A contact that does not exist.
        "/contacts/{id}/decision"
        | "/contacts/{id}/authorisation"
        | "/contacts/{id}/rating"
        | "/contacts/{id}/checks"
        | "/contacts/{id}/checks/{check}/response" => (S::NOT_FOUND, None),
        // So do the front door's calls.
        "/api/v1/contacts"
        | "/api/v1/contacts/{id}/decision"
        | "/api/v1/contacts/{id}/authorisation"
        | "/api/v1/contacts/{id}/rating"
        | "/api/v1/contacts/{id}/checks"
        | "/api/v1/contacts/{id}/checks/{check}/response"
        | "/api/v1/contacts/{id}/people/{ordinal}/match" => (S::BAD_REQUEST, None),
        // The check with nothing typed: the form again, asking for a name or an identifier.
        "/people/match" => (S::BAD_REQUEST, None),
        "/grants" => (S::BAD_REQUEST, None),
        "/grants/{id}/revoke" => (S::NOT_FOUND, None),
        // A token the user does not hold (or that does not exist): not found.
        "/account/tokens/{id}/revoke" | "/api/v1/me/tokens/{id}/revoke" => (S::NOT_FOUND, None),
        "/users" => (S::BAD_REQUEST, None),
        "/users/{id}/disable" | "/users/{id}/enable" | "/users/{id}/reset-second-factor" => {
            (S::SEE_OTHER, Some("/users"))
        }
        // A set-up form with no link: the same "not found" as an unknown or used link.
        "/set-up" => (S::NOT_FOUND, None),
        // A new set-up link is shown once, on the page that answers.
        "/users/{id}/set-up-link" => (S::OK, None),
        // The target account is not awaiting approval: nothing to approve or refuse.
        "/users/{id}/approve" | "/users/{id}/refuse" => (S::BAD_REQUEST, None),
        _ => return None,
    })
}

/// Routes that end the session: sent last, after every other route.
fn ends_session(path: &str) -> bool {
    matches!(path, "/sign-out" | "/account/sign-out-everywhere")
}

#[tokio::test]
async fn every_role_is_allowed_or_refused_on_every_state_changing_route() {
    let app = crate::support::app::spawn_app().await;
    let policy = AccessPolicy::default();
    let target_user = app
        .store
        .accounts()
        .user_by_username(&username(Role::PartnerProfessional))
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut routes: Vec<_> = table()
        .into_iter()
        .filter(|(m, p, _, _)| *m != reqwest::Method::GET && *p != "/sign-in")
        .collect();
    for (m, p, _, _) in &routes {
        assert!(
            allowed_answer(p).is_some(),
            "{m} {p}: say in allowed_answer what a role the policy allows gets from it"
        );
    }
    // The session-ending routes go last, sign out everywhere before sign out.
    routes.sort_by_key(|(_, p, _, _)| (ends_session(p), *p == "/sign-out"));
    let now = chrono::Utc::now();
    let facts = app
        .store
        .governance()
        .child_facts(PersonId(app.child), now)
        .await
        .unwrap();
    let total = || async {
        app.store
            .audit_log()
            .entries(None, 1_000_000)
            .await
            .unwrap()
            .len()
    };
    let mut refusals = 0;
    let mut allowed = 0;
    let mut wrong = Vec::new();
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
        let mut cookie = cookie;
        let page = app.get("/account", Some(&cookie)).await;
        assert_eq!(
            page.status(),
            StatusCode::OK,
            "{role:?} opens their account"
        );
        let mut csrf = csrf_in(&page.text().await.unwrap());
        for (method, path, access, _) in &routes {
            if ends_session(path) {
                // Each session-ending route gets a session of its own to end.
                cookie = app.sign_in(&username(role), PASSWORD).await.unwrap();
                let page = app.get("/account", Some(&cookie)).await;
                csrf = csrf_in(&page.text().await.unwrap());
            }
            // Routes about one person's record also ask whether the role reaches this record.
            let record_allowed = match access {
                Access::Requires(p) if path.starts_with("/people/{id}") => {
                    matches!(
                        policy.decide(&viewer, *p, &facts, now),
                        Decision::Allowed(_)
                    )
                }
                _ => true,
            };
            let record_denials_before = app.audit_count("record.denied").await;
            let url = concrete(path, &app, target_user);
            let denials_before = app.audit_count("access.denied").await;
            let rows_before = total().await;
            let res = app
                .client
                .request(method.clone(), app.url(&url))
                .header("cookie", &cookie)
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            let status = res.status();
            assert!(
                !status.is_server_error(),
                "{role:?} {method} {path}: {status}"
            );
            if policy.allows(role, *access) && !record_allowed {
                refusals += 1;
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role:?} {method} {path}: outside the role's scope"
                );
                assert_eq!(
                    app.audit_count("record.denied").await,
                    record_denials_before + 1,
                    "{role:?} {method} {path}: the refusal is audited on the record"
                );
                assert_eq!(
                    total().await,
                    rows_before + 1,
                    "{role:?} {method} {path}: a refusal writes its audit row and nothing else"
                );
            } else if policy.allows(role, *access) {
                allowed += 1;
                let (want, location) = allowed_answer(path).unwrap();
                let got = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let lands = match location {
                    Some(to) => {
                        got == to
                            || got.starts_with(&format!("{to}?"))
                            || (to.len() > 1 && to.ends_with('/') && got.starts_with(to))
                    }
                    None => got.is_empty(),
                };
                if status != want || !lands {
                    wrong.push(format!(
                        "{role:?} {method} {path}: {status} {got}, not {want} {location:?}"
                    ));
                }
                assert_eq!(
                    app.audit_count("access.denied").await,
                    denials_before,
                    "{role:?} {method} {path}: allowed, so not refused"
                );
            } else {
                refusals += 1;
                assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {method} {path}");
                assert_eq!(
                    app.audit_count("access.denied").await,
                    denials_before + 1,
                    "{role:?} {method} {path}: the refusal is audited"
                );
                assert_eq!(
                    total().await,
                    rows_before + 1,
                    "{role:?} {method} {path}: a refusal writes its audit row and nothing else"
                );
                let body = res.text().await.unwrap();
                assert!(
                    !body.contains(&app.child_name),
                    "{role:?} {method} {path}: a refusal shows nothing of the record"
                );
            }
        }
        // Signed out by the last routes: the session no longer opens anything.
        assert_eq!(
            app.get("/account", Some(&cookie)).await.status(),
            StatusCode::SEE_OTHER,
            "{role:?}: signed out at the end"
        );
    }
    assert!(
        wrong.is_empty(),
        "allowed roles did not land where they should:\n{}",
        wrong.join("\n")
    );
    assert!(refusals > 0 && allowed > 0, "{refusals} {allowed}");
    // Every permission-guarded state-changing route is refused to some role.
    for (m, p, access, _) in &routes {
        if let Access::Requires(_) = access {
            assert!(
                Role::ALL.iter().any(|r| !policy.allows(*r, *access)),
                "{m} {p} is allowed to every role"
            );
        }
    }
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
