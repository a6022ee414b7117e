//! No dead ends: a path nothing serves answers JSON under `/api/`, and elsewhere the "not
//! found" page keeps the navigation of whoever is signed in.

use reqwest::StatusCode;
use serde_json::Value;

use stepwise_domain::access::Role;

use crate::support::app::{PASSWORD, spawn_app, username};

#[tokio::test]
async fn unknown_paths_answer_in_kind_and_keep_the_navigation() {
    let app = spawn_app().await;
    let cookie = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    for signed_in in [true, false] {
        let c = signed_in.then_some(cookie.as_str());
        let res = app.get("/api/v1/no-such-call", c).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    let res = app.get("/no-such-page", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(
        html.contains("Sign out") && html.contains("My work"),
        "{html}"
    );
    let res = app.get("/no-such-page", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("Sign out"));
}

/// Usernames are one account however they are typed: signing in with capitals or spaces
/// around the name works (issue 8, item 5); a wrong password is still one failure.
#[tokio::test]
async fn a_username_signs_in_whatever_its_case() {
    let app = spawn_app().await;
    assert!(app.sign_in("Social.Worker", PASSWORD).await.is_ok());
    assert!(app.sign_in(" SOCIAL.WORKER ", PASSWORD).await.is_ok());
    assert!(
        app.sign_in("social.worker", "not the password")
            .await
            .is_err()
    );
    let failed = app
        .store
        .audit_log()
        .entries(None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "signin.failed")
        .count();
    assert_eq!(failed, 1);
}

/// Issue 8, item 5: the access log names people, not logins (the username is beside the name).
#[tokio::test]
async fn the_access_log_names_people() {
    let app = spawn_app().await;
    let sw = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    app.get(&format!("/people/{}", app.child), Some(&sw)).await;
    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let page = app
        .get(&format!("/people/{}/access-log", app.child), Some(&ig))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(">Test Social worker</a>"),
        "the person's name, linked to their activity"
    );
}
