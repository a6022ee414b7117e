//! The front door in real headless Chromium (the front door issue, item 10): a contact from
//! intake through screening and decision to the child's chronology; and a partner sending a
//! contact and later reading the decision and feedback. Runs when `STEPWISE_TEST_CHROMIUM` names
//! the browser (`.ci/run` sets it). With `STEPWISE_SCREENSHOT_DIR` set it also saves the
//! front door's screenshots.

use serde_json::{Value, json};

use stepwise_domain::access::Role;

use super::api_tokens::{bearer_get, bearer_post, token_for};
use crate::support::app::{PASSWORD, TestApp, spawn_app, username};
use crate::support::cdp::{Browser, Page};

/// A field by its name (the contact form's names are JSON paths, which CSS ids cannot carry
/// unescaped).
fn named(name: &str) -> String {
    format!("[name=\"{name}\"]")
}

async fn sign_in(page: &Page, app: &TestApp, role: Role) {
    page.goto(&app.url("/sign-in")).await.unwrap();
    page.fill("#username", &username(role)).await.unwrap();
    page.fill("#password", PASSWORD).await.unwrap();
    page.click_and_wait("button[type=submit]").await.unwrap();
}

/// The browser, a fresh council and a page signed in as `role`; none when no browser is set.
async fn start(test: &str, role: Role) -> Option<(Browser, TestApp, Page)> {
    let Some(browser) = Browser::launch_from_env().await.unwrap() else {
        crate::support::not_tested(test, "STEPWISE_TEST_CHROMIUM is not set");
        return None;
    };
    let app = spawn_app().await;
    let page = browser.new_page().await.unwrap();
    page.set_viewport(1280, 900).await.unwrap();
    sign_in(&page, &app, role).await;
    Some((browser, app, page))
}

async fn shot(page: &Page, name: &str) {
    if let Ok(dir) = std::env::var("STEPWISE_SCREENSHOT_DIR") {
        page.screenshot_png(&std::path::Path::new(&dir).join(name), true)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_contact_goes_from_the_form_through_screening_to_the_childs_chronology() {
    let Some((browser, app, page)) = start(
        "a_contact_goes_from_the_form_through_screening_to_the_childs_chronology",
        Role::FrontDoorPractitioner,
    )
    .await
    else {
        return;
    };

    // The queue, then the form.
    page.goto(&app.url("/front-door")).await.unwrap();
    assert_eq!(page.text("h1").await.unwrap(), "Front door");
    page.click_and_wait("a[href=\"/contacts/new\"]")
        .await
        .unwrap();
    assert_eq!(page.text("h1").await.unwrap(), "Record a contact");

    // Sent with the concerns missing: the form again, naming the field, keeping what was typed.
    page.fill(&named("referrer.name"), "PC Amy Hart")
        .await
        .unwrap();
    page.fill(&named("referrer.agency"), "Police")
        .await
        .unwrap();
    page.fill("#source", "6").await.unwrap();
    page.fill("#urgency", "red").await.unwrap();
    page.click("#consent-not_sought").await.unwrap();
    page.fill(
        &named("consent.basis"),
        "Seeking consent would put the child at risk",
    )
    .await
    .unwrap();
    page.fill(&named("children[0].given_name"), "Saffi")
        .await
        .unwrap();
    page.fill(&named("children[0].family_name"), "Quillfeather")
        .await
        .unwrap();
    page.fill(&named("children[0].date_of_birth"), "2019-05-06")
        .await
        .unwrap();
    page.click_and_wait("form.record-form button[type=submit]")
        .await
        .unwrap();
    assert!(
        page.text(".error-summary")
            .await
            .unwrap()
            .contains("Enter the concerns"),
        "the missing field is named"
    );
    assert!(
        page.eval(&format!(
            "document.querySelector({:?}).value",
            named("children[0].family_name")
        ))
        .await
        .unwrap()
            == json!("Quillfeather"),
        "what was typed is kept"
    );
    page.fill(
        "#concerns",
        "Called to the home overnight: shouting, a broken window, Saffi awake and frightened.",
    )
    .await
    .unwrap();
    page.click_and_wait("form.record-form button[type=submit]")
        .await
        .unwrap();
    let url = page.url().await.unwrap();
    assert!(url.contains("/contacts/"), "on the contact: {url}");
    assert!(page.text("h1").await.unwrap().starts_with("Contact "));
    assert!(page.text(".identity-line").await.unwrap().contains("RED"));

    // Screening: ask health, and record their answer.
    page.click("details summary").await.unwrap();
    page.fill("#agency", "health").await.unwrap();
    page.fill("#question", "Known to health visiting?")
        .await
        .unwrap();
    page.click_and_wait("form[action$=\"/checks\"] button[type=submit]")
        .await
        .unwrap();
    assert!(
        page.text("#checks + table")
            .await
            .unwrap()
            .contains("Known to health visiting?")
    );
    page.fill(
        "textarea[name=response]",
        "Known: missed two development checks.",
    )
    .await
    .unwrap();
    page.click_and_wait("form[action$=\"/response\"] button[type=submit]")
        .await
        .unwrap();
    assert!(
        page.text("#checks + table")
            .await
            .unwrap()
            .contains("missed two development checks")
    );
    shot(&page, "front-door-contact.png").await;

    // The decision.
    page.fill(&named("children[0].level"), "4").await.unwrap();
    page.fill(&named("children[0].outcome"), "social_care_assessment")
        .await
        .unwrap();
    page.fill(&named("children[0].primary_need"), "N1")
        .await
        .unwrap();
    page.fill("#rationale", "A young child present at a violent incident.")
        .await
        .unwrap();
    page.fill(
        "#feedback_to_referrer",
        "Thank you: a social worker will assess.",
    )
    .await
    .unwrap();
    page.click_and_wait("form[action$=\"/decision\"] button[type=submit]")
        .await
        .unwrap();
    let status = page.text(".identity-line").await.unwrap();
    assert!(status.contains("DECIDED"), "{status}");
    assert!(
        page.text("#decision + table")
            .await
            .unwrap()
            .contains("Social care assessment")
    );

    // The child's record: the contact, the decision and the referral in the chronology.
    page.click_and_wait("#decision + table a").await.unwrap();
    let chronology = page.text(".chronology-list").await.unwrap();
    for words in [
        "Contact received from Police",
        "Contact decided: level 4",
        "Referral to social care",
    ] {
        assert!(chronology.contains(words), "{words}: {chronology}");
    }
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_partner_sends_a_contact_and_later_reads_the_feedback() {
    let Some((browser, app, page)) = start(
        "a_partner_sends_a_contact_and_later_reads_the_feedback",
        Role::PartnerProfessional,
    )
    .await
    else {
        return;
    };

    page.goto(&app.url("/shared")).await.unwrap();
    page.click_and_wait("a[href=\"/shared/refer\"]")
        .await
        .unwrap();
    assert_eq!(
        page.text("h1").await.unwrap(),
        "Refer a child to the front door"
    );
    assert!(
        !page.exists(&named("children[0].local_id")).await.unwrap(),
        "a partner describes people; they do not look up records"
    );
    page.fill(&named("referrer.agency"), "Northbridge Primary School")
        .await
        .unwrap();
    page.fill("#source", "2A").await.unwrap();
    page.fill(
        "#concerns",
        "Tolly has come to school hungry every day this week and says there is no food at home.",
    )
    .await
    .unwrap();
    page.click("#consent-given").await.unwrap();
    page.fill(&named("children[0].given_name"), "Tolly")
        .await
        .unwrap();
    page.fill(&named("children[0].family_name"), "Brackenridge")
        .await
        .unwrap();
    page.fill(&named("children[0].date_of_birth"), "2017-09-12")
        .await
        .unwrap();
    page.click_and_wait("form.record-form button[type=submit]")
        .await
        .unwrap();
    assert!(
        !page.exists(".error-summary").await.unwrap(),
        "the referral was taken"
    );
    let notice = page.text("#sent ~ .notice").await.unwrap();
    assert!(notice.contains("Your contact was received"), "{notice}");
    let sent = page.text("#sent ~ .table-scroll").await.unwrap();
    assert!(sent.contains("Tolly Brackenridge") && sent.contains("Not yet decided"));

    // The front door matches Tolly and decides (through the API, as its own tests do on pages).
    let (_, front) = token_for(&app, Role::FrontDoorPractitioner, "portal").await;
    let (_, partner) = token_for(&app, Role::PartnerProfessional, "school").await;
    let mine: Value = bearer_get(&app, &partner, "/api/v1/contacts/sent", None)
        .await
        .json()
        .await
        .unwrap();
    let id = mine["contacts"][0]["id"].as_i64().unwrap();
    let (_, matched) = bearer_post(
        &app,
        &front,
        &format!("/api/v1/contacts/{id}/people/0/match"),
        &json!({"create_new": true}),
    )
    .await;
    let child = matched["person_id"].as_i64().unwrap();
    let (status, got) = bearer_post(
        &app,
        &front,
        &format!("/api/v1/contacts/{id}/decision"),
        &json!({"children": [{"person_id": child, "level": "2", "outcome": "early_help"}],
                "rationale": "Food poverty; no safeguarding concern found in checks.",
                "feedback_to_referrer": "Thank you. The family will be offered early help, starting with food support."}),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{got}");

    page.goto(&app.url("/shared")).await.unwrap();
    let sent = page.text("#sent ~ .table-scroll").await.unwrap();
    assert!(sent.contains("Early help"), "{sent}");
    assert!(sent.contains("starting with food support"), "{sent}");
    assert!(
        !sent.contains("no safeguarding concern"),
        "the rationale stays at the front door"
    );
    shot(&page, "partner-shared.png").await;
    browser.close().await.unwrap();
}
