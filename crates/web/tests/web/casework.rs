//! Recording casework over HTTP: the forms and the API calls follow one path (a command, the
//! `record_*` permission for the child, `Journeys::record`), so the time and the author are
//! Stepwise's, bad input changes nothing, a correction that breaks a later entry is refused
//! naming it, and restricted and sealed records are answered as for any read.

use reqwest::StatusCode;
use serde_json::{Value, json};

use stepwise_domain::access::{RestrictionKind, Role};
use stepwise_domain::events::EventKind;
use stepwise_domain::ids::{PersonId, WorkerId};
use stepwise_store::Actor;

use crate::support::app::{PASSWORD, TestApp, post_form, spawn_app, username};

async fn log_len(app: &TestApp) -> usize {
    app.store
        .journeys()
        .child_log(PersonId(app.child))
        .await
        .unwrap()
        .len()
}

async fn as_role(app: &TestApp, r: Role) -> String {
    app.sign_in(&username(r), PASSWORD).await.unwrap()
}

/// The API's anti-forgery token for a session, from /api/v1/me.
async fn api_token(app: &TestApp, cookie: &str) -> String {
    let me: Value = app
        .get("/api/v1/me", Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    me["csrf_token"].as_str().unwrap().to_string()
}

async fn post_json(
    app: &TestApp,
    cookie: &str,
    token: Option<&str>,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let mut r = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .json(body);
    if let Some(t) = token {
        r = r.header("x-csrf-token", t);
    }
    let res = r.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The child's social worker writes a case note from the record page: the link is there, the
/// form names the child, the note is recorded under the worker linked to the account (not
/// whatever the form claims), at Stepwise's time, audited, and shown in the chronology.
#[tokio::test]
async fn a_social_worker_writes_a_case_note_from_the_record() {
    let app = spawn_app().await;
    let sw = as_role(&app, Role::SocialWorker).await;
    let record = app
        .get(&format!("/people/{}", app.child), Some(&sw))
        .await
        .text()
        .await
        .unwrap();
    assert!(record.contains(&format!("/people/{}/notes/new", app.child)));
    assert!(record.contains(&format!("/people/{}/visits/new", app.child)));
    let form = app
        .get(&format!("/people/{}/notes/new", app.child), Some(&sw))
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains(&app.child_name));
    let before = log_len(&app).await;
    let started = chrono::Utc::now();
    let res = post_form(
        &app,
        &sw,
        &format!("/people/{}/notes/new", app.child),
        &format!("/people/{}/notes", app.child),
        &[
            ("effective", "20/11/2026"),
            ("subject", "Home visit follow-up"),
            ("text", "Spoke with mother about school attendance."),
            // A hostile client cannot choose the author or the time.
            ("recorded_by", "1"),
            ("recorded_at", "2001-01-01T00:00:00Z"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&format!("/people/{}?category=note#event-", app.child)),
        "{to}"
    );
    let log = app
        .store
        .journeys()
        .child_log(PersonId(app.child))
        .await
        .unwrap();
    assert_eq!(log.len(), before + 1);
    let e = log.last().unwrap();
    assert_eq!(e.recorded_by, WorkerId(app.sw));
    assert!(e.recorded_at >= started);
    assert_eq!(
        e.kind,
        EventKind::CaseNote {
            subject: "Home visit follow-up".into(),
            text: "Spoke with mother about school attendance.".into()
        }
    );
    let audit = app
        .store
        .audit_log()
        .entries(Some(&format!("person:{}", app.child)), 1)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "event.record");
    assert!(audit[0].actor.contains("social.worker"));
    let page = app.get(&to, Some(&sw)).await.text().await.unwrap();
    assert!(page.contains("Spoke with mother about school attendance."));
}

/// A future date, an empty subject and an impossible date are named on the form, which keeps
/// what was typed; nothing is written.
#[tokio::test]
async fn bad_input_is_named_on_the_form_and_changes_nothing() {
    let app = spawn_app().await;
    let sw = as_role(&app, Role::SocialWorker).await;
    let before = log_len(&app).await;
    let page = format!("/people/{}/notes/new", app.child);
    let action = format!("/people/{}/notes", app.child);
    let res = post_form(
        &app,
        &sw,
        &page,
        &action,
        &[
            ("effective", "01/01/2099"),
            ("subject", " "),
            ("text", "kept text"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("The date cannot be in the future"), "{html}");
    assert!(html.contains("Enter a subject"));
    assert!(html.contains("kept text"));
    let res = post_form(
        &app,
        &sw,
        &page,
        &action,
        &[("effective", "31/02/2026"), ("subject", "s"), ("text", "t")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("must be a real date"));
    let res = post_form(
        &app,
        &sw,
        &format!("/people/{}/visits/new", app.child),
        &format!("/people/{}/visits", app.child),
        &[("effective", "20/11/2026"), ("purpose", "tea_party")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose the kind of visit")
    );
    assert_eq!(log_len(&app).await, before);
}

/// A visit, then its withdrawal by the team manager: the chronology shows the withdrawn
/// entry and its reason; a second withdrawal of the same entry is refused on the form.
#[tokio::test]
async fn a_visit_is_recorded_and_a_manager_withdraws_it() {
    let app = spawn_app().await;
    let sw = as_role(&app, Role::SocialWorker).await;
    // The form comes filled with today's date and the likely kind of visit, as it would be
    // sent unchanged.
    let form = app
        .get(&format!("/people/{}/visits/new", app.child), Some(&sw))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("value=\"23/11/2026\""),
        "today's date, as typed"
    );
    let res = post_form(
        &app,
        &sw,
        &format!("/people/{}/visits/new", app.child),
        &format!("/people/{}/visits", app.child),
        &[
            ("effective", "23/11/2026"),
            ("purpose", "child_in_need"),
            ("seen_alone", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let visit = app
        .store
        .journeys()
        .child_log(PersonId(app.child))
        .await
        .unwrap();
    let visit = visit.last().unwrap().clone();
    assert!(matches!(
        visit.kind,
        EventKind::Visit {
            seen_alone: true,
            ..
        }
    ));

    let tm = as_role(&app, Role::TeamManager).await;
    let form_path = format!("/people/{}/events/{}/withdraw", app.child, visit.seq.0);
    let form = app.get(&form_path, Some(&tm)).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("Child in need visit"));
    let res = post_form(&app, &tm, &form_path, &form_path, &[("reason", "")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Enter the reason"));
    let res = post_form(
        &app,
        &tm,
        &form_path,
        &form_path,
        &[("reason", "Recorded on the wrong child's record")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app
        .get(&format!("/people/{}?all=1", app.child), Some(&tm))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Recorded on the wrong child&#39;s record")
            || page.contains("Recorded on the wrong child's record")
    );
    assert!(page.contains("Corrected by <a href=\"#event-"));
    // Already corrected: the form says so and offers nothing to send; a sent form is refused.
    let again = app.get(&form_path, Some(&tm)).await.text().await.unwrap();
    assert!(again.contains("already been corrected"));
    let before = log_len(&app).await;
    let csrf =
        crate::support::app::csrf_in(&app.get("/account", Some(&tm)).await.text().await.unwrap());
    let res = app
        .client
        .post(app.url(&form_path))
        .header("cookie", &tm)
        .form(&[("csrf", csrf.as_str()), ("reason", "again")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("has already been corrected")
    );
    assert_eq!(log_len(&app).await, before);
}

/// The API records with the same checks: the session's token is required, the author is the
/// account's worker, unknown fields (a caller's own `recorded_by`) are refused, bad fields
/// are listed with 422, and a withdrawal that would leave a later entry without its
/// precondition is 409 naming the entry.
#[tokio::test]
async fn the_api_records_with_the_same_checks() {
    let app = spawn_app().await;
    let sw = as_role(&app, Role::SocialWorker).await;
    let token = api_token(&app, &sw).await;
    let notes = format!("/api/v1/people/{}/notes", app.child);
    let note = json!({"effective": "2026-11-20", "subject": "Call", "text": "Called school."});
    let before = log_len(&app).await;
    let (status, _) = post_json(&app, &sw, None, &notes, &note).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no anti-forgery token");
    let (status, body) = post_json(&app, &sw, Some("wrong"), &notes, &note).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "csrf");
    assert_eq!(log_len(&app).await, before);
    let (status, body) = post_json(&app, &sw, Some(&token), &notes, &note).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["recorded_by"], app.sw);
    assert_eq!(body["type"], "case_note");
    assert_eq!(body["summary"], "Case note: Call");
    let mut hostile = note.clone();
    hostile["recorded_by"] = json!(1);
    let (status, body) = post_json(&app, &sw, Some(&token), &notes, &hostile).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("recorded_by")
    );
    let (status, body) = post_json(
        &app,
        &sw,
        Some(&token),
        &notes,
        &json!({"effective": "2099-01-01", "subject": "", "text": "t"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["effective", "subject"]);
    assert_eq!(log_len(&app).await, before + 1);

    // The referral that the child's later entries depend on cannot be withdrawn.
    let log = app
        .store
        .journeys()
        .child_log(PersonId(app.child))
        .await
        .unwrap();
    let referral = log
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::ReferralOpened { .. }))
        .unwrap();
    let depends = log.iter().any(|e| {
        e.effective >= referral.effective
            && matches!(
                e.kind,
                EventKind::AssessmentStarted
                    | EventKind::CinPlanStarted
                    | EventKind::CpPlanStarted { .. }
            )
    });
    assert!(depends, "the fixture child's referral has later work");
    let tm = as_role(&app, Role::TeamManager).await;
    let tm_token = api_token(&app, &tm).await;
    let (status, body) = post_json(
        &app,
        &tm,
        Some(&tm_token),
        &format!(
            "/api/v1/people/{}/events/{}/withdraw",
            app.child, referral.seq.0
        ),
        &json!({"reason": "entered in error"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("without its precondition"),
        "{body}"
    );
    assert_eq!(log_len(&app).await, before + 1);
}

/// A restricted record needs a stated reason from anyone not working with the child, for
/// recording as for reading; a sealed record is answered as if there were none.
#[tokio::test]
async fn restricted_and_sealed_records_are_answered_as_for_a_read() {
    let app = spawn_app().await;
    app.store
        .governance()
        .set_restriction(
            &Actor::System("test"),
            "r",
            PersonId(app.child),
            RestrictionKind::Restricted,
            "perpetrator_risk",
            "Father is seeking the family's address",
        )
        .await
        .unwrap();
    let before = log_len(&app).await;
    // The front door's practitioner is not working with the child: a reason is needed first.
    let fd = as_role(&app, Role::FrontDoorPractitioner).await;
    let token = api_token(&app, &fd).await;
    let (status, body) = post_json(
        &app,
        &fd,
        Some(&token),
        &format!("/api/v1/people/{}/notes", app.child),
        &json!({"effective": "2026-11-20", "subject": "s", "text": "t"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "reason_needed");
    let form = app
        .get(&format!("/people/{}/notes/new", app.child), Some(&fd))
        .await;
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    assert!(!form.text().await.unwrap().contains(&app.child_name));
    // The allocated social worker records without one.
    let sw = as_role(&app, Role::SocialWorker).await;
    let token = api_token(&app, &sw).await;
    let (status, _) = post_json(
        &app,
        &sw,
        Some(&token),
        &format!("/api/v1/people/{}/notes", app.child),
        &json!({"effective": "2026-11-20", "subject": "s", "text": "t"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(log_len(&app).await, before + 1);
    // Sealed: not found, for the form and the API alike.
    app.store
        .governance()
        .set_restriction(
            &Actor::System("test"),
            "r",
            PersonId(app.child),
            RestrictionKind::Sealed,
            "sealed_adoption",
            "Adopted; the record is sealed",
        )
        .await
        .unwrap();
    let (status, _) = post_json(
        &app,
        &sw,
        Some(&token),
        &format!("/api/v1/people/{}/notes", app.child),
        &json!({"effective": "2026-11-20", "subject": "s", "text": "t"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(log_len(&app).await, before + 1);
}
