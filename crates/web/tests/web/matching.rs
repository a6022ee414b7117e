//! `POST /api/v1/people/matches` (the front door issue, item 3): the people on the record who
//! might be a person about to be named, ranked with reasons; bad details are all named with 422
//! and write nothing; the search permission is needed; what is shown is audited.

use reqwest::StatusCode;
use serde_json::{Value, json};

use stepwise_domain::access::Role;
use stepwise_domain::people::Person;

use super::support::app::{PASSWORD, TestApp, post_form, spawn_app, username};

async fn post(app: &TestApp, cookie: &str, body: &Value) -> (StatusCode, Value) {
    let me: Value = app
        .get("/api/v1/me", Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/people/matches"))
        .header("cookie", cookie)
        .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The test child as their social worker's record shows them.
async fn the_child(app: &TestApp) -> Person {
    let sw = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    let record: Value = app
        .get(&format!("/api/v1/people/{}", app.child), Some(&sw))
        .await
        .json()
        .await
        .unwrap();
    serde_json::from_value(record["person"].clone()).unwrap()
}

#[tokio::test]
async fn the_front_door_sees_who_a_named_child_might_be_before_creating_anyone() {
    let app = spawn_app().await;
    let fd = app
        .sign_in(&username(Role::FrontDoorPractitioner), PASSWORD)
        .await
        .unwrap();
    let child = the_child(&app).await;
    let name = &child.names[0];
    let dob = child.date_of_birth.unwrap();

    // A misspelt family name and the right date of birth: the child, with the reasons.
    let mut misspelt = name.family.clone();
    misspelt.push('e');
    let lists = app.audit_count("record.list").await;
    let (status, body) = post(
        &app,
        &fd,
        &json!({"given_name": name.given, "family_name": misspelt, "date_of_birth": dob.to_string()}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &body["candidates"][0];
    assert_eq!(first["person_id"], app.child, "{body}");
    assert!(
        matches!(first["strength"].as_str(), Some("likely" | "certain")),
        "{first}"
    );
    let reasons: Vec<&str> = first["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"same_birth_date"), "{reasons:?}");
    assert!(
        first["reasons"][0]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(
        app.audit_count("record.list").await > lists,
        "who was shown is audited"
    );

    // Its NHS number alone finds it for certain.
    if let Some(nhs) = &child.nhs_number {
        let (status, body) = post(&app, &fd, &json!({"nhs_number": nhs.as_str()})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["candidates"][0]["person_id"], app.child);
        assert_eq!(body["candidates"][0]["strength"], "certain");
        assert_eq!(body["candidates"][0]["score"], 100);
    }

    // Bad details are all named at once, and nothing is written.
    let searches = app.audit_count("search").await;
    let (status, body) = post(
        &app,
        &fd,
        &json!({"given_name": "A", "family_name": "B", "date_of_birth": "2099-01-01",
                "nhs_number": "943 476 5918", "postcode": "nowhere"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["date_of_birth", "nhs_number", "postcode"]);
    let (status, _) = post(&app, &fd, &json!({"given_name": "A", "surname": "B"})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    assert_eq!(app.audit_count("search").await, searches);

    // A partner professional may not search the record.
    let partner = app
        .sign_in(&username(Role::PartnerProfessional), PASSWORD)
        .await
        .unwrap();
    let (status, _) = post(&app, &partner, &json!({"family_name": name.family})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The same check as a page: the form, every problem beside its field with what was typed kept,
/// the candidates with their reasons, and the CSRF token required.
#[tokio::test]
async fn the_page_checks_whether_a_person_is_already_known() {
    let app = spawn_app().await;
    let fd = app
        .sign_in(&username(Role::FrontDoorPractitioner), PASSWORD)
        .await
        .unwrap();
    let child = the_child(&app).await;
    let name = &child.names[0];
    let dob = child.date_of_birth.unwrap().to_string();

    let form = app.get("/people/match", Some(&fd)).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("Is this person already known?")
    );
    let search = app.get("/people", Some(&fd)).await.text().await.unwrap();
    assert!(
        search.contains("href=\"/people/match\""),
        "search links to the check"
    );

    // Without the form's CSRF token: refused.
    let res = app
        .client
        .post(app.url("/people/match"))
        .header("cookie", &fd)
        .form(&[("family_name", name.family.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Bad details: the form again, naming each, keeping what was typed.
    let res = post_form(
        &app,
        &fd,
        "/people/match",
        "/people/match",
        &[
            ("given_name", "Zed"),
            ("family_name", "Quill"),
            ("date_of_birth", "2099-01-01"),
            ("nhs_number", "123"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("There is a problem"));
    assert!(
        page.contains("Date of birth: 2099-01-01 is in the future"),
        "{page}"
    );
    assert!(page.contains("NHS number:"));
    assert!(page.contains("value=\"Quill\""), "what was typed is kept");

    // Good details: the child, with the reasons.
    let mut misspelt = name.family.clone();
    misspelt.push('e');
    let res = post_form(
        &app,
        &fd,
        "/people/match",
        "/people/match",
        &[
            ("given_name", name.given.as_str()),
            ("family_name", misspelt.as_str()),
            ("date_of_birth", dob.as_str()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(&format!("href=\"/people/{}\"", app.child)),
        "{page}"
    );
    assert!(page.contains("Same date of birth"));

    // A partner may not use it.
    let partner = app
        .sign_in(&username(Role::PartnerProfessional), PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        app.get("/people/match", Some(&partner)).await.status(),
        StatusCode::FORBIDDEN
    );
}
