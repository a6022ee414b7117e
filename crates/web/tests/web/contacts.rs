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
async fn roles_outside_the_front_door_cannot_reach_its_queue() {
    let app = spawn_app().await;
    for role in [
        Role::PerformanceAnalyst,
        Role::SocialWorker,
        Role::PartnerProfessional,
    ] {
        let (_, token) = token_for(&app, role, "t").await;
        let (status, _) = bearer_post(&app, &token, "/api/v1/contacts", &contact("Nope")).await;
        // A partner sends contacts (and only that: the queue is the front door's).
        let sends = role == Role::PartnerProfessional;
        let want = if sends {
            StatusCode::CREATED
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(status, want, "{role:?}");
        let res = bearer_get(&app, &token, "/api/v1/contacts", None).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
}

/// A partner describes the children; the front door matches them, decides, and the partner
/// reads the outcome and the feedback. A partner is shown nothing of the record on the way.
#[tokio::test]
async fn a_partner_refers_and_later_reads_the_decision_and_feedback() {
    let app = spawn_app().await;
    let (_, partner) = token_for(&app, Role::PartnerProfessional, "school").await;
    let (_, front) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    // Naming a record by its key is the front door's to do.
    let mut by_key = contact("x");
    by_key["children"] = json!([{"person_id": app.child}]);
    let (status, got) = bearer_post(&app, &partner, "/api/v1/contacts", &by_key).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{got}");
    assert_eq!(got["errors"][0]["field"], "children[0].person_id");

    let (status, got) = bearer_post(&app, &partner, "/api/v1/contacts", &contact("Juniper")).await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    let id = got["id"].as_i64().unwrap();
    assert!(
        got["children"].as_array().unwrap().is_empty(),
        "nothing of the record: {got}"
    );
    let sent: Value = bearer_get(&app, &partner, "/api/v1/contacts/sent", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["contacts"][0]["id"], id);
    assert_eq!(sent["contacts"][0]["status"], "awaiting");
    assert_eq!(
        sent["contacts"][0]["children"][0]["name"],
        "Juniper Zephyrine"
    );

    // The front door sees it to match, and cannot decide before matching.
    let c: Value = bearer_get(&app, &front, &format!("/api/v1/contacts/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["to_match"].as_array().unwrap().len(), 2, "{c}");
    let (status, _) = bearer_post(
        &app,
        &front,
        &format!("/api/v1/contacts/{id}/decision"),
        &json!({"children": [], "rationale": "r", "feedback_to_referrer": "f"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, child) = bearer_post(
        &app,
        &front,
        &format!("/api/v1/contacts/{id}/people/0/match"),
        &json!({"create_new": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{child}");
    let child = child["person_id"].as_i64().unwrap();
    let (status, _) = bearer_post(
        &app,
        &front,
        &format!("/api/v1/contacts/{id}/people/1/match"),
        &json!({"create_new": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let record: Value = bearer_get(&app, &front, &format!("/api/v1/people/{child}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        record["chronology"][0]["type"], "contact_received",
        "{record}"
    );
    let (status, got) = bearer_post(
        &app,
        &front,
        &format!("/api/v1/contacts/{id}/decision"),
        &json!({"children": [{"person_id": child, "level": "2", "outcome": "early_help"}],
                "rationale": "Needs met by a family support worker.",
                "feedback_to_referrer": "Thank you: the family will be offered early help."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    let sent: Value = bearer_get(&app, &partner, "/api/v1/contacts/sent", None)
        .await
        .json()
        .await
        .unwrap();
    let mine = &sent["contacts"][0];
    assert_eq!(mine["status"], "decided");
    assert_eq!(mine["children"][0]["outcome"], "early_help");
    assert_eq!(
        mine["feedback"],
        "Thank you: the family will be offered early help."
    );
    assert!(
        mine.get("rationale").is_none(),
        "the rationale stays at the front door"
    );
    // The partner cannot open the contact itself.
    let res = bearer_get(&app, &partner, &format!("/api/v1/contacts/{id}"), None).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// The public form: no sign-in, nothing about anyone shown, a trap field that writes nothing,
/// and an hourly allowance per source.
#[tokio::test]
async fn the_public_form_takes_a_concern_and_is_guarded() {
    let app = spawn_app().await;
    let client = app.client.clone();
    let res = client.get(app.url("/contact-us")).send().await.unwrap();
    let cookies = super::support::app::set_cookies(&res);
    let cookie = format!("stepwise_signin={}", cookies["stepwise_signin"]);
    let page = res.text().await.unwrap();
    let csrf = super::support::app::csrf_in(&page);
    let send = |extra: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let url = app.url("/contact-us");
        let csrf = csrf.clone();
        let cookie = cookie.clone();
        async move {
            let mut form: Vec<(&str, String)> = vec![
                ("csrf", csrf),
                ("children[0].given_name", "Rowan".into()),
                ("children[0].family_name", "Quenby".into()),
                ("concerns", "The children are left alone at night.".into()),
                ("relationship", "acquaintance".into()),
                ("phone", "07700 900123".into()),
            ];
            for (k, v) in extra {
                form.retain(|(f, _)| *f != k);
                form.push((k, v.to_string()));
            }
            let res = client
                .post(url)
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let received = || app.audit_count("contact.received");
    let before = received().await;
    let (status, body) = send(vec![("concerns", "")]).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a missing concern is named"
    );
    assert!(body.contains("Enter the concerns"), "{body}");
    let (status, body) = send(vec![("website", "http://spam.example")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Thank you"));
    assert_eq!(received().await, before, "the trap wrote nothing");
    let (status, body) = send(vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Thank you") && !body.contains("Rowan Quenby"));
    assert_eq!(received().await, before + 1);
    for _ in 1..stepwise_web::pages::public_contact::PER_SOURCE_PER_HOUR {
        assert_eq!(send(vec![]).await.0, StatusCode::OK);
    }
    let (status, _) = send(vec![]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        received().await,
        before + stepwise_web::pages::public_contact::PER_SOURCE_PER_HOUR
    );
    // On the front door's queue, to match.
    let (_, front) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    let q: Value = bearer_get(&app, &front, "/api/v1/contacts", None)
        .await
        .json()
        .await
        .unwrap();
    let public = q["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"] == "1B")
        .expect("the public contact is on the queue");
    assert_eq!(public["agency"], "Member of the public");
}

/// The dashboard counts what happened and every figure opens its list, which is audited.
#[tokio::test]
async fn the_dashboard_counts_the_day_and_each_figure_opens_its_contacts() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    let before: Value = bearer_get(&app, &token, "/api/v1/contacts/dashboard", None)
        .await
        .json()
        .await
        .unwrap();
    let (_, got) = bearer_post(&app, &token, "/api/v1/contacts", &contact("Marigold")).await;
    let id = got["id"].as_i64().unwrap();
    let child = got["children"][0]["person_id"].as_i64().unwrap();
    bearer_post(
        &app,
        &token,
        &format!("/api/v1/contacts/{id}/decision"),
        &json!({"children": [{"person_id": child, "level": "2", "outcome": "early_help"}],
                "rationale": "r", "feedback_to_referrer": "f"}),
    )
    .await;
    let d: Value = bearer_get(&app, &token, "/api/v1/contacts/dashboard", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["today"]["count"].as_u64().unwrap(),
        before["today"]["count"].as_u64().unwrap() + 1,
        "{d}"
    );
    assert_eq!(
        d["to_early_help"]["count"].as_u64().unwrap(),
        before["to_early_help"]["count"].as_u64().unwrap() + 1
    );
    // Decided at once: within one working day.
    let list = d["decided_in_time"]["list"].as_str().unwrap();
    let cookie = app
        .sign_in("front.door.practitioner", super::support::app::PASSWORD)
        .await
        .unwrap();
    let lists = app.audit_count("record.list").await;
    let res = app.get(list, Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("/contacts/{id}\"")),
        "the contact is listed"
    );
    assert!(html.contains("Marigold Zephyrine"));
    assert_eq!(app.audit_count("record.list").await, lists + 1);
    let page = app.get("/front-door/dashboard", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("f=in_time"));
    let bad = app
        .get("/front-door/contacts?f=everything", Some(&cookie))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

/// A contact about a child already open reaches their worker's My work at once.
#[tokio::test]
async fn a_contact_about_an_open_child_shows_in_their_workers_my_work() {
    let app = spawn_app().await;
    let (_, token) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    let mut v = contact("x");
    v["children"] = json!([{"person_id": app.child}]);
    v["adults"] = json!([]);
    v["concerns"] = json!("School says the child has not been in for a week.");
    let (status, got) = bearer_post(&app, &token, "/api/v1/contacts", &v).await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    let cookie = app
        .sign_in("social.worker", super::support::app::PASSWORD)
        .await
        .unwrap();
    let html = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("New contact"), "the worker is told");
    assert!(html.contains("has not been in for a week"));
}
