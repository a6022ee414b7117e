//! API tokens over HTTP (the front door issue, item 1): a request bearing a token acts as its
//! user through the same access check, scopes and audit as a signed-in session, needs no CSRF
//! token, and ignores cookies; a bad, revoked or unknown token is refused and never passed over
//! for a cookie; tokens are listed and revoked on the account page and through the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use stepwise_domain::access::Role;
use stepwise_store::Actor;

use super::support::app::{PASSWORD, TestApp, post_form, spawn_app, username};

/// Makes a token for a role's account, as `stepwise token create` does; returns (id, token).
pub(crate) async fn token_for(app: &TestApp, r: Role, name: &str) -> (i64, String) {
    let user = app
        .store
        .accounts()
        .user_by_username(&username(r))
        .await
        .unwrap()
        .unwrap();
    let token = stepwise_web::api_tokens::new_token();
    let kept = app
        .store
        .accounts()
        .create_api_token(
            &Actor::System("cli"),
            "-",
            user.id,
            name,
            &stepwise_web::auth::token_hash(&token),
            30,
        )
        .await
        .unwrap();
    (kept.id, token)
}

pub(crate) async fn bearer_get(
    app: &TestApp,
    token: &str,
    path: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut r = app
        .client
        .get(app.url(path))
        .header("authorization", format!("Bearer {token}"));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    r.send().await.unwrap()
}

pub(crate) async fn bearer_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url(path))
        .header("authorization", format!("Bearer {token}"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn log_len(app: &TestApp) -> usize {
    app.store
        .journeys()
        .child_log(stepwise_domain::ids::PersonId(app.child))
        .await
        .unwrap()
        .len()
}

/// A token acts as its user: it reads and records with no CSRF token, under the user's
/// worker, audited as the user; and the user's own checks hold (a route their role lacks is
/// refused and audited).
#[tokio::test]
async fn a_token_acts_as_its_user_with_the_same_checks_and_no_csrf() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::SocialWorker, "Case recording app").await;
    let me: Value = bearer_get(&app, &token, "/api/v1/me", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], username(Role::SocialWorker));
    assert_eq!(
        me["csrf_token"], "",
        "a token call has no anti-forgery token to use"
    );

    // Reading the child's record is audited as the user.
    let views = app.audit_count("record.view").await;
    let res = bearer_get(&app, &token, &format!("/api/v1/people/{}", app.child), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.audit_count("record.view").await, views + 1);
    let last = app
        .store
        .audit_log()
        .entries(None, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(last.action, "record.view");
    assert!(
        last.actor
            .ends_with(&format!(":{}", username(Role::SocialWorker))),
        "{}",
        last.actor
    );

    // Recording needs no CSRF token, and is recorded under the account's worker.
    let before = log_len(&app).await;
    let (status, body) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/people/{}/notes", app.child),
        &json!({"effective": "2026-11-20", "subject": "Call", "text": "Called the school."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["recorded_by"], app.sw);
    assert_eq!(log_len(&app).await, before + 1);

    // Bad input through a token is refused as it is for a session, and writes nothing.
    let (status, _) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/people/{}/notes", app.child),
        &json!({"effective": "2099-01-01", "subject": "", "text": "t"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(log_len(&app).await, before + 1);

    // A route the role does not hold is refused and audited, as for a session.
    let denied = app.audit_count("access.denied").await;
    let res = bearer_get(&app, &token, "/api/v1/grants", None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count("access.denied").await, denied + 1);

    // Every API read answers a token as it answers the same user's session.
    let sw = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    for path in [
        "/api/v1/my-work".to_string(),
        format!("/api/v1/people/{}", app.child),
        format!("/api/v1/people/{}/access-log", app.child),
        "/api/v1/people?q=a".to_string(),
        "/api/v1/teams".to_string(),
        format!("/api/v1/teams/{}/children", app.team),
        "/api/v1/grants".to_string(),
        "/api/v1/users/1/activity".to_string(),
    ] {
        let by_token = bearer_get(&app, &token, &path, None).await.status();
        let by_session = app.get(&path, Some(&sw)).await.status();
        assert_eq!(by_token, by_session, "{path}");
    }
}

/// A token ignores cookies: with someone else's session cookie it still acts as its own user;
/// a bad or unknown token is refused even beside a good cookie; pages do not take tokens.
#[tokio::test]
async fn a_token_ignores_cookies_and_a_bad_token_is_never_passed_over_for_one() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::PartnerProfessional, "School portal").await;
    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let me: Value = bearer_get(&app, &token, "/api/v1/me", Some(&ig))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], username(Role::PartnerProfessional));
    let res = bearer_get(&app, &token, "/api/v1/grants", Some(&ig)).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the cookie's permissions are not borrowed"
    );

    let unknown = stepwise_web::api_tokens::new_token();
    for header in [
        format!("Bearer {unknown}"),
        "Bearer not-a-token".to_string(),
        format!("Basic {token}"),
        "Bearer ".to_string(),
    ] {
        let res = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", &header)
            .header("cookie", &ig)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{header}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated", "{header}");
    }

    // Pages are for people signed in: a token alone opens none.
    let res = bearer_get(&app, &token, "/shared", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Tokens are listed and revoked through the API and on the account page; a revoked token is
/// refused at once; a user cannot revoke another's token; a disabled account's token is refused.
#[tokio::test]
async fn tokens_are_listed_and_revoked_on_the_account_page_and_through_the_api() {
    let app = spawn_app().await;
    let (first, token) = token_for(&app, Role::SocialWorker, "Case recording app").await;
    let (second, token2) = token_for(&app, Role::SocialWorker, "Mobile visits").await;
    let (other, _) = token_for(&app, Role::TeamManager, "Team dashboard").await;

    let list: Value = bearer_get(&app, &token, "/api/v1/me/tokens", None)
        .await
        .json()
        .await
        .unwrap();
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["id"], second);
    assert_eq!(tokens[1]["this_request"], true);
    assert_eq!(tokens[1]["state"], "active");
    assert!(
        !list.to_string().contains(&token[10..]),
        "the token itself is never shown again"
    );

    // Another user's token is "not found", and stays in force.
    let (status, _) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/me/tokens/{other}/revoke"),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = bearer_post(&app, &token, "/api/v1/me/tokens/x/revoke", &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Revoking through the API; the token is refused from then on.
    let revoked = app.audit_count("api_token.revoked").await;
    let (status, body) = bearer_post(
        &app,
        &token2,
        &format!("/api/v1/me/tokens/{second}/revoke"),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked"], true);
    assert_eq!(app.audit_count("api_token.revoked").await, revoked + 1);
    assert_eq!(
        bearer_get(&app, &token2, "/api/v1/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The account page lists both, with a revoke button for the one still active.
    let sw = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    let page = app.get("/account", Some(&sw)).await.text().await.unwrap();
    assert!(page.contains("Case recording app") && page.contains("Mobile visits"));
    assert!(page.contains(&format!("/account/tokens/{first}/revoke")));
    assert!(!page.contains(&format!("/account/tokens/{second}/revoke")));
    assert!(!page.contains("Team dashboard"));

    // The page's button needs the session's CSRF token.
    let res = app
        .client
        .post(app.url(&format!("/account/tokens/{first}/revoke")))
        .header("cookie", &sw)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        bearer_get(&app, &token, "/api/v1/me", None).await.status(),
        StatusCode::OK
    );
    let res = post_form(
        &app,
        &sw,
        "/account",
        &format!("/account/tokens/{first}/revoke"),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/account?token=revoked"), "{to}");
    let page = app.get(&to, Some(&sw)).await.text().await.unwrap();
    assert!(page.contains("The API token has been revoked"));
    assert_eq!(
        bearer_get(&app, &token, "/api/v1/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A disabled account's token is refused.
    let (_, tm_token) = token_for(&app, Role::FrontDoorManager, "Front door board").await;
    assert_eq!(
        bearer_get(&app, &tm_token, "/api/v1/me", None)
            .await
            .status(),
        StatusCode::OK
    );
    let fdm = app
        .store
        .accounts()
        .user_by_username(&username(Role::FrontDoorManager))
        .await
        .unwrap()
        .unwrap();
    app.store
        .accounts()
        .set_user_disabled(
            &Actor::System("cli"),
            "-",
            fdm.id,
            true,
            &stepwise_domain::access::AccessPolicy::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        bearer_get(&app, &tm_token, "/api/v1/me", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
