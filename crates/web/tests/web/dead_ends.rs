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
