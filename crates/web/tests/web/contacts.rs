//! The front door's API contract over HTTP (the front door issue, items 2 to 8): a contact in,
//! matched before anyone is created, on the queue, decided and routed, and in the child's
//! chronology; every bad input refused with the field named and nothing written.

use reqwest::StatusCode;
use serde_json::{Value, json};

use stepwise_domain::access::Role;

use super::api_tokens::{bearer_get, bearer_post, token_for};
use super::support::app::{TestApp, spawn_app};

/// A police contact about one new child, with a family name no one in the test council has.
fn contact(given: &str) -> Value {
    json!({
        "received_at": chrono::Utc::now().to_rfc3339(),
        "source": "6",
        "referrer": {"name": "PC Amy Hart", "agency": "Police", "role": "Response officer",
                     "phone": "01632 960123", "email": "amy.hart@police.example"},
        "concerns": "Called to a domestic incident overnight; the child was present.",
        "consent": {"status": "not_sought", "basis": "Seeking consent would put the child at risk"},
        "urgency": "red",
        "children": [{"given_name": given, "family_name": "Zephyrine", "date_of_birth": "2020-02-14", "sex": "F"}],
        "adults": [{"given_name": "Morgan", "family_name": "Zephyrine"}]
    })
}

/// What a refused call must not have changed: people, events and contacts.
async fn written(app: &TestApp) -> (i64, usize, usize) {
    let (people, _) = app.store.people().count_people().await.unwrap();
    (
        people,
        app.audit_count("event.record").await + app.audit_count("contact.received").await,
        app.audit_count("person.created").await,
    )
}

#[tokio::test]
async fn a_contact_goes_from_intake_to_decision_to_the_childs_chronology() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    let (status, got) = bearer_post(&app, &token, "/api/v1/contacts", &contact("Wren")).await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    let id = got["id"].as_i64().unwrap();
    let child = got["children"][0]["person_id"].as_i64().unwrap();
    assert_eq!(got["created"].as_array().unwrap().len(), 2, "{got}");
    assert_eq!(got["rag"], "red");
    assert!(got["decide_by"].as_str().is_some(), "{got}");

    // On the queue, ordered by time left, with the child new to the record.
    let q: Value = bearer_get(&app, &token, "/api/v1/contacts?status=awaiting", None)
        .await
        .json()
        .await
        .unwrap();
    let entry = q["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .expect("on the queue");
    assert_eq!(entry["children"][0]["known"], false);
    assert!(entry["minutes_left"].as_i64().unwrap() <= 240);
    let res = bearer_get(&app, &token, "/api/v1/contacts?status=later", None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // A partner check, asked and answered.
    let (status, check) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/contacts/{id}/checks"),
        &json!({"agency": "health", "question": "Known to health visiting?"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{check}");
    let (status, _) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/contacts/{id}/checks/{}/response", check["id"]),
        &json!({"response": "Known: two missed development checks."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, decided) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/contacts/{id}/decision"),
        &json!({"children": [{"person_id": child, "level": "4", "outcome": "social_care_assessment", "primary_need": "N1"}],
                "rationale": "A young child present at repeated domestic abuse.",
                "feedback_to_referrer": "Thank you: a social worker will assess."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{decided}");
    let kinds: Vec<&str> = decided["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "contact_decided",
            "referral_opened",
            "assessment_started",
            "allocation_requested"
        ]
    );

    // The child's record shows the contact, the decision and the referral.
    let record: Value = bearer_get(&app, &token, &format!("/api/v1/people/{child}"), None)
        .await
        .json()
        .await
        .unwrap();
    let chronology: Vec<&str> = record["chronology"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for k in ["contact_received", "contact_decided", "referral_opened"] {
        assert!(chronology.contains(&k), "{k}: {chronology:?}");
    }
    // The contact itself, decided, with the check answered; opening it is audited.
    let views = app.audit_count("contact.view").await;
    let c: Value = bearer_get(&app, &token, &format!("/api/v1/contacts/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["status"], "decided");
    assert_eq!(
        c["decision"]["feedback_to_referrer"],
        "Thank you: a social worker will assess."
    );
    assert_eq!(
        c["checks"][0]["response"],
        "Known: two missed development checks."
    );
    assert_eq!(app.audit_count("contact.view").await, views + 1);

    // Decided once: a second decision is a conflict.
    let (status, _) = bearer_post(
        &app,
        &token,
        &format!("/api/v1/contacts/{id}/decision"),
        &json!({"children": [{"person_id": child, "level": "1", "outcome": "information_and_advice"}],
                "rationale": "r", "feedback_to_referrer": "f"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn every_bad_input_is_named_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "children[0].nhs_number",
            Box::new(|v| v["children"][0]["nhs_number"] = json!("943 476 5918")),
        ),
        ("source", Box::new(|v| v["source"] = json!("2Z"))),
        (
            "children[0].date_of_birth",
            Box::new(|v| v["children"][0]["date_of_birth"] = json!("2099-01-01")),
        ),
        (
            "children[0].date_of_birth",
            Box::new(|v| v["children"][0]["date_of_birth"] = json!("2020-02-30")),
        ),
        (
            "children[0].family_name",
            Box::new(|v| v["children"][0]["family_name"] = json!("")),
        ),
        (
            "referrer.name",
            Box::new(|v| v["referrer"]["name"] = json!(" ")),
        ),
        (
            "consent.basis",
            Box::new(|v| v["consent"]["basis"] = Value::Null),
        ),
        (
            "children[0].person_id",
            Box::new(|v| v["children"] = json!([{"person_id": 999_999_999}])),
        ),
        ("children", Box::new(|v| v["children"] = json!([]))),
    ];
    let before = written(&app).await;
    for (field, change) in cases {
        let mut body = contact("Idris");
        change(&mut body);
        let (status, got) = bearer_post(&app, &token, "/api/v1/contacts", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {got}");
        let fields: Vec<&str> = got["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field}: {got}");
        assert_eq!(written(&app).await, before, "{field}: nothing was written");
    }
    // A body that is not JSON at all.
    let res = app
        .client
        .post(app.url("/api/v1/contacts"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(written(&app).await, before);
}

#[tokio::test]
async fn a_new_child_who_matches_someone_gets_candidates_not_a_duplicate() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    // The test child, described as a referrer would: name and date of birth.
    let record: Value = bearer_get(&app, &token, &format!("/api/v1/people/{}", app.child), None)
        .await
        .json()
        .await
        .unwrap();
    let p = &record["person"];
    let described = |create_new: bool, nhs: Value| {
        let mut v = contact("x");
        v["children"] = json!([{
            "given_name": p["names"][0]["given"], "family_name": p["names"][0]["family"],
            "date_of_birth": p["date_of_birth"], "sex": p["sex"], "nhs_number": nhs}]);
        v["create_new"] = json!(create_new);
        v
    };
    let before = written(&app).await;
    let (status, got) = bearer_post(
        &app,
        &token,
        "/api/v1/contacts",
        &described(false, Value::Null),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{got}");
    let first = &got["candidates"][0];
    assert_eq!(first["person_id"], app.child, "{got}");
    assert_eq!(first["field"], "children[0]");
    assert!(first["score"].as_u64().unwrap() > 0);
    assert!(!first["reasons"].as_array().unwrap().is_empty());
    assert_eq!(written(&app).await, before, "nothing was written");

    if !p["nhs_number"].is_null() {
        // The same NHS number: create_new does not make a second record of the same person.
        let (status, got) = bearer_post(
            &app,
            &token,
            "/api/v1/contacts",
            &described(true, p["nhs_number"].clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{got}");
        assert_eq!(written(&app).await, before);
    }
    // Named by their key instead, the contact lands on their record.
    let mut by_key = contact("x");
    by_key["children"] = json!([{"person_id": app.child}]);
    let (status, got) = bearer_post(&app, &token, "/api/v1/contacts", &by_key).await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    assert_eq!(got["children"][0]["person_id"], app.child);
    assert_eq!(
        got["created"].as_array().unwrap().len(),
        1,
        "only the adult"
    );
}

#[tokio::test]
async fn a_decision_the_threshold_reserves_is_authorised_by_a_manager() {
    let app = spawn_app().await;
    let (_, practitioner) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    let (_, manager) = token_for(&app, Role::FrontDoorManager, "portal").await;
    let (_, got) = bearer_post(&app, &practitioner, "/api/v1/contacts", &contact("Ottilie")).await;
    let id = got["id"].as_i64().unwrap();
    let child = got["children"][0]["person_id"].as_i64().unwrap();
    let nfa = json!({"children": [{"person_id": child, "level": "1", "outcome": "no_further_action"}],
                     "rationale": "Police attended; the family has moved away.",
                     "feedback_to_referrer": "No further action by children's services."});
    let (status, got) = bearer_post(
        &app,
        &practitioner,
        &format!("/api/v1/contacts/{id}/decision"),
        &nfa,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{got}");
    assert_eq!(got["status"], "awaiting_authorisation");
    // The practitioner cannot authorise it themselves.
    let (status, _) = bearer_post(
        &app,
        &practitioner,
        &format!("/api/v1/contacts/{id}/authorisation"),
        &json!({"approve": true}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, got) = bearer_post(
        &app,
        &manager,
        &format!("/api/v1/contacts/{id}/authorisation"),
        &json!({"approve": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    assert_eq!(got["events"][0]["type"], "contact_decided");
    let c: Value = bearer_get(&app, &manager, &format!("/api/v1/contacts/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["decision"]["authorised_by"], "front.door.manager", "{c}");
}

#[tokio::test]
async fn roles_without_the_front_door_cannot_reach_its_api() {
    let app = spawn_app().await;
    for role in [
        Role::PartnerProfessional,
        Role::PerformanceAnalyst,
        Role::SocialWorker,
    ] {
        let (_, token) = token_for(&app, role, "t").await;
        let (status, _) = bearer_post(&app, &token, "/api/v1/contacts", &contact("Nope")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        let res = bearer_get(&app, &token, "/api/v1/contacts", None).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
}
