//! Issue 6, items 4, 5 and 8, over HTTP: protected children in every side path (household
//! panel, print, subject access, API), in every list (team, My work, contacts awaiting a
//! decision, recently viewed, partners' shared list), the forms that must answer a sealed
//! record exactly as a missing one, grants kept within the granter's scope, and CSV exports.

use reqwest::StatusCode;
use serde_json::Value;

use stepwise_domain::access::{AccessPolicy, RestrictionKind};
use stepwise_domain::ids::{PersonId, local_person_id};
use stepwise_store::Actor;

use crate::support::app::post_form as post;
use crate::support::app::{PASSWORD, TestApp, spawn_app, spawn_app_with_policy};

const NOTE: &str = "Father is seeking the family's address";

async fn protect(app: &TestApp, person: i64, kind: RestrictionKind) {
    app.store
        .governance()
        .set_restriction(
            &Actor::System("test"),
            "req-protect",
            PersonId(person),
            kind,
            if kind == RestrictionKind::Sealed {
                "sealed_adoption"
            } else {
                "perpetrator_risk"
            },
            NOTE,
        )
        .await
        .unwrap();
}

async fn json(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, Value) {
    let res = app.get(path, Some(cookie)).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn text(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let res = app.get(path, Some(cookie)).await;
    let status = res.status();
    (status, res.text().await.unwrap())
}

/// The actions written on one person's access log.
async fn actions_on(app: &TestApp, person: i64) -> Vec<(String, String)> {
    app.store
        .audit_log()
        .entries(Some(&format!("person:{person}")), 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action.to_string(), e.detail))
        .collect()
}

/// The adult who lives with the test child (their parent or carer), and the child's postcode.
async fn parent_and_postcode(app: &TestApp, ig: &str) -> (i64, String) {
    let (status, rec) = json(app, &format!("/api/v1/people/{}", app.child), ig).await;
    assert_eq!(status, StatusCode::OK);
    let postcode = rec["postcode"].as_str().unwrap().to_string();
    let parent = rec["family"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["lives_with_child"] == true && m["kind"] == "adult")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    (parent, postcode)
}

/// Issue 6, item 4: opening a parent's unrestricted record showed the restricted child's
/// address and "Son, lives here", in the page, the print view, the API and the subject access
/// pack, and logged nothing on the child. Now the child shows by name only and the shared
/// address is withheld, unless the viewer may open the child's record (the allocated worker),
/// and then the sight is logged on the child's access log.
#[tokio::test]
async fn a_restricted_childs_address_stays_off_a_parents_record_everywhere() {
    let app = spawn_app().await;
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let (parent, postcode) = parent_and_postcode(&app, &ig).await;
    let (_, before) = text(&app, &format!("/people/{parent}"), &fd).await;
    assert!(
        before.contains(&postcode),
        "the parent's page showed it before"
    );

    protect(&app, app.child, RestrictionKind::Restricted).await;
    for path in [
        format!("/people/{parent}"),
        format!("/people/{parent}/print"),
        format!("/api/v1/people/{parent}"),
    ] {
        let (status, body) = text(&app, &path, &fd).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.contains(&postcode), "{path}: the shared address");
        assert!(body.contains(&app.child_name), "{path}: the name is shown");
        // The child's own entry in the family list: no "lives here", no age.
        let entry = body
            .split(app.child_name.as_str())
            .nth(1)
            .and_then(|rest| rest.split("</li>").next())
            .unwrap_or_default()
            .to_string();
        assert!(!entry.contains("Lives here"), "{path}: {entry}");
        assert!(!entry.contains("age "), "{path}: {entry}");
    }
    let (_, page) = text(&app, &format!("/people/{parent}"), &fd).await;
    assert!(page.contains("Not shown: shared with a restricted record"));
    assert!(page.contains("Not shown: restricted"));
    let (_, api) = json(&app, &format!("/api/v1/people/{parent}"), &fd).await;
    let member = api["family"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == app.child)
        .unwrap()
        .clone();
    assert_eq!(member["name_only"], true);
    assert_eq!(member["date_of_birth"], Value::Null);
    assert_eq!(member["relationship"], "Relationship not shown");
    assert_eq!(api["address_withheld"], true);
    assert!(
        !actions_on(&app, app.child)
            .await
            .iter()
            .any(|(a, _)| a == "record.reveal"),
        "nothing was revealed to the front door"
    );

    // Information governance's subject access pack for the parent (page and JSON).
    for path in [
        format!("/people/{parent}/subject-access?reference=SAR-1"),
        format!("/people/{parent}/subject-access.json?reference=SAR-1"),
    ] {
        let (status, body) = text(&app, &path, &ig).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.contains(&postcode), "{path}");
    }

    // The allocated social worker may open the child's record: they see the address, and the
    // sight is logged on the child's access log.
    let (_, page) = text(&app, &format!("/people/{parent}"), &sw).await;
    assert!(page.contains(&postcode) && page.contains("Lives here"));
    let log = actions_on(&app, app.child).await;
    assert!(
        log.iter().any(|(a, d)| a == "record.reveal"
            && d.contains(&format!(
                "family panel of {}",
                local_person_id(PersonId(parent))
            ))),
        "{log:?}"
    );
    let (_, access_log) = text(&app, &format!("/people/{}/access-log", app.child), &ig).await;
    assert!(
        access_log.contains("Saw the record&#39;s details beside another record")
            || access_log.contains("Saw the record's details beside another record")
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

/// Issue 6, item 5: team pages, My work (page and API), recently viewed and the contacts
/// awaiting a decision showed sealed and restricted children with their details. Now sealed
/// children appear nowhere (nor in the count of contacts), restricted ones by name only; each
/// list view is audited once with the people it showed, and "who has looked at this record"
/// shows the appearance.
#[tokio::test]
async fn protected_children_stay_out_of_every_list() {
    let app = spawn_app().await;
    let tm = app.sign_in("team.manager", PASSWORD).await.unwrap();
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    // Every child of the team on one page, wherever the restriction sorts the child.
    let team = format!("/teams/{}?per_page=200", app.sw_team);
    // The social worker opens the child's record, so it is "recently viewed".
    assert_eq!(
        app.get(&format!("/people/{}", app.child), Some(&sw))
            .await
            .status(),
        StatusCode::OK
    );
    let (_, page) = text(&app, &team, &tm).await;
    assert!(page.contains(&app.child_name));
    // A new contact about the child arrives at the front door today.
    app.store
        .journeys()
        .record(
            &Actor::System("test"),
            "req-contact",
            stepwise_domain::commands::NewEvent {
                child: PersonId(app.child),
                effective: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                effective_time: None,
                supersedes: None,
                kind: stepwise_domain::events::EventKind::ContactReceived {
                    source: "3B".parse().unwrap(),
                    concerns: "Health visitor worried".into(),
                    consent: true,
                },
            },
        )
        .await
        .unwrap();
    let (_, work) = json(&app, "/api/v1/my-work", &fd).await;
    let contact = work["contacts_waiting"][0]["id"].as_i64().unwrap();
    let contact_name = work["contacts_waiting"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let total = work["contacts_waiting_total"].as_i64().unwrap();

    protect(&app, app.child, RestrictionKind::Sealed).await;
    protect(&app, contact, RestrictionKind::Sealed).await;
    let (_, page) = text(&app, &team, &tm).await;
    assert!(
        !page.contains(&app.child_name),
        "sealed: not on the team page"
    );
    for path in ["/my-work", "/api/v1/my-work"] {
        let (status, body) = text(&app, path, &sw).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains(&app.child_name), "{path}: nor on My work");
        let (_, body) = text(&app, path, &fd).await;
        assert!(!body.contains(&contact_name), "{path}: nor the contacts");
    }
    let (_, work) = json(&app, "/api/v1/my-work", &fd).await;
    // The child (whose contact is waiting) and the first waiting child are sealed: one child
    // fewer when they are the same, two when the synthetic council had another waiting first.
    let sealed_waiting = if contact == app.child { 1 } else { 2 };
    assert_eq!(
        work["contacts_waiting_total"].as_i64(),
        Some(total - sealed_waiting)
    );

    protect(&app, app.child, RestrictionKind::Restricted).await;
    protect(&app, contact, RestrictionKind::Restricted).await;
    let (_, page) = text(&app, &team, &tm).await;
    // Restricted: by name only, unless the manager could open the record now without a reason
    // (where the synthetic record shows them recording on it in the last year).
    let opens = app
        .get(&format!("/api/v1/people/{}", app.child), Some(&tm))
        .await
        .status()
        == StatusCode::OK;
    assert!(page.contains(&app.child_name), "{page}");
    assert_eq!(page.contains("Not shown: restricted"), !opens, "{page}");
    let (_, work) = json(&app, "/api/v1/my-work", &fd).await;
    let c = work["contacts_waiting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == contact)
        .unwrap()
        .clone();
    assert_eq!(
        (&c["date_of_birth"], &c["open"], &c["restriction"]),
        (
            &Value::Null,
            &Value::Array(vec![]),
            &Value::from("restricted")
        )
    );
    // The allocated worker sees their own child in full.
    let (_, work) = json(&app, "/api/v1/my-work", &sw).await;
    let mine = work["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == app.child)
        .unwrap()
        .clone();
    assert_eq!(mine["restriction"], Value::Null);
    assert!(!mine["open"].as_array().unwrap().is_empty());

    // Every list view is audited with the people it showed.
    let lists = app
        .store
        .audit_log()
        .entries(None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "record.list")
        .collect::<Vec<_>>();
    assert!(
        lists.iter().any(|e| e.detail.starts_with("my work:")
            && e.detail.contains(&format!(" person:{contact} ")))
    );
    assert!(
        lists
            .iter()
            .any(|e| e.detail.starts_with(&format!("team {}:", app.sw_team))
                && e.detail.contains(&format!(" person:{} ", app.child)))
    );
    let (_, log) = text(&app, &format!("/people/{contact}/access-log"), &ig).await;
    assert!(log.contains("Saw the person on a list") && log.contains("appeared on my work"));
}

/// Issue 6, item 8: POSTing to `/people/{id}/reason`, `/people/{id}/consent/{c}/withdraw` or
/// `/grants` told a sealed record from a missing one (404 against 303 or 400). Both now get
/// the same status and the same answer.
#[tokio::test]
async fn sealed_and_missing_records_answer_alike_on_every_form() {
    let app = spawn_app().await;
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let sm = app.sign_in("service.manager", PASSWORD).await.unwrap();
    protect(&app, app.child, RestrictionKind::Sealed).await;
    let missing = 9_999_999;
    let answer = |status: StatusCode, body: String, id: i64| {
        // The reference differs per request and the id is the one asked about.
        let mut body = body.replace(&local_person_id(PersonId(id)), "ID");
        if let Some(reference) = body
            .split("Reference: <code>")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
        {
            body = body.replace(&reference, "REF");
        }
        (status, body)
    };
    for (path, fields) in [
        (
            "/people/{id}/reason",
            vec![("reason", "A new contact from the school today")],
        ),
        ("/people/{id}/consent/1/withdraw", vec![]),
    ] {
        let mut answers = Vec::new();
        for id in [app.child, missing] {
            let res = post(
                &app,
                &fd,
                "/people",
                &path.replace("{id}", &id.to_string()),
                &fields,
            )
            .await;
            let status = res.status();
            answers.push(answer(status, res.text().await.unwrap(), id));
        }
        assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answers[0], answers[1], "{path}");
    }
    let mut answers = Vec::new();
    for id in [app.child, missing] {
        let local = local_person_id(PersonId(id));
        let res = post(
            &app,
            &sm,
            "/grants",
            "/grants",
            &[
                ("username", "system.administrator"),
                ("person", local.as_str()),
                ("reason", "Reviewing a complaint about the record"),
                ("days", "1"),
            ],
        )
        .await;
        let status = res.status();
        answers.push(answer(status, res.text().await.unwrap(), id));
    }
    assert_eq!(answers[0].0, StatusCode::BAD_REQUEST);
    assert_eq!(answers[0], answers[1]);
    assert!(
        app.store
            .governance()
            .grants(None, chrono::Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
}

/// Issue 6, item 8: trying a restricted record without a reason wrote no audit row, and told
/// anyone asking by id that it is restricted. Now the attempt is on the child's access log;
/// a role that could find the record by name is asked for the reason, and one that could not
/// gets a plain refusal that does not say "restricted".
#[tokio::test]
async fn a_restricted_record_tried_without_a_reason_is_audited_and_says_no_more_than_it_must() {
    let app = spawn_app().await;
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    protect(&app, app.child, RestrictionKind::Restricted).await;
    let (status, body) = text(&app, &format!("/people/{}", app.child), &fd).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Why do you need to open this record?"));
    assert!(!body.contains(&app.child_name));
    assert!(
        actions_on(&app, app.child)
            .await
            .iter()
            .any(|(a, d)| a == "record.denied" && d.contains("no reason stated")),
        "the attempt is on the child's access log"
    );

    // An authority's role that may open records but not search for people.
    let policy = AccessPolicy::from_json(
        r#"{"roles": {"early_help_keyworker": {"view_my_work": "own", "view_child_record": "all"}}}"#,
    )
    .unwrap();
    let app = spawn_app_with_policy(policy).await;
    protect(&app, app.child, RestrictionKind::Restricted).await;
    let eh = app.sign_in("early.help.keyworker", PASSWORD).await.unwrap();
    for path in [
        format!("/people/{}", app.child),
        format!("/api/v1/people/{}", app.child),
    ] {
        let (status, body) = text(&app, &path, &eh).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            !body.to_lowercase().contains("restricted"),
            "{path}: {body}"
        );
        assert!(!body.contains(&app.child_name), "{path}");
    }
    let reason = post(
        &app,
        &eh,
        "/my-work",
        &format!("/people/{}/reason", app.child),
        &[("reason", "A new contact from the school today")],
    )
    .await;
    assert_eq!(reason.status(), StatusCode::FORBIDDEN);
    assert!(
        !reason
            .text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("restricted")
    );
}

/// Issue 6, item 8: recording consent, information governance's subject access pack and the
/// restriction note in the access log (page and API) skipped the reason on a restricted
/// record. Each now needs the reason (or an exempt basis) like opening the record.
#[tokio::test]
async fn consent_subject_access_and_the_restriction_note_need_the_reason() {
    let app = spawn_app().await;
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let tm = app.sign_in("team.manager", PASSWORD).await.unwrap();
    protect(&app, app.child, RestrictionKind::Restricted).await;
    let consents = app
        .store
        .governance()
        .consents(
            PersonId(app.child),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )
        .await
        .unwrap()
        .len();
    let res = post(
        &app,
        &fd,
        "/people",
        &format!("/people/{}/consent", app.child),
        &[
            ("agency", "health"),
            ("basis", "consent"),
            ("given_by", "Mother, with parental responsibility"),
            ("until", "01/01/2027"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store
            .governance()
            .consents(
                PersonId(app.child),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
            )
            .await
            .unwrap()
            .len(),
        consents,
        "nothing recorded"
    );
    for path in [
        format!("/people/{}/subject-access?reference=SAR-9", app.child),
        format!("/people/{}/subject-access.json?reference=SAR-9", app.child),
    ] {
        assert_eq!(
            app.get(&path, Some(&ig)).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for who in [&ig, &tm] {
        let (status, body) = text(
            &app,
            &format!("/api/v1/people/{}/access-log", app.child),
            who,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // Only a reader who could open the record now without a reason (the team manager,
        // where the synthetic record shows them recording on it in the last year) reads the
        // note; information governance reaches it by scope, so does not.
        let opens = app
            .get(&format!("/api/v1/people/{}", app.child), Some(who))
            .await
            .status()
            == StatusCode::OK;
        assert!(
            !opens || std::ptr::eq(who, &tm),
            "information governance needs a reason"
        );
        assert_eq!(
            body.contains(NOTE),
            opens,
            "the note is in the API's access log only for a reader who may open the record: {body}"
        );
        // The log says whether it is whole: a short log is, and says how many it would hold.
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["complete"], true);
        assert_eq!(json["limit"], 1000);
        let (_, page) = text(&app, &format!("/people/{}/access-log", app.child), who).await;
        assert_eq!(page.contains("Father is seeking"), opens, "nor on the page");
    }
    // With the reason stated, information governance prepares the pack and reads the note.
    let given = post(
        &app,
        &ig,
        "/people",
        &format!("/people/{}/reason", app.child),
        &[("reason", "Subject access request SAR-9 from the family")],
    )
    .await;
    assert_eq!(given.status(), StatusCode::SEE_OTHER);
    let path = format!("/people/{}/subject-access?reference=SAR-9", app.child);
    assert_eq!(app.get(&path, Some(&ig)).await.status(), StatusCode::OK);
    let (_, body) = text(
        &app,
        &format!("/api/v1/people/{}/access-log", app.child),
        &ig,
    )
    .await;
    assert!(body.contains(NOTE));
}

/// Issue 6, item 8: a service manager listed every grant with its reason across services
/// and could revoke any of them. Now lists (page and API) and revoking keep to grants on
/// records within their `grant_access` scope, or grants they made; information governance
/// (scope all) sees every one.
#[tokio::test]
async fn grants_are_listed_and_revoked_only_within_the_granters_scope() {
    let app = spawn_app().await;
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    // The test service manager has no team, so no service: no record is within their scope.
    let sm = app.sign_in("service.manager", PASSWORD).await.unwrap();
    let reason = "Reviewing a complaint about the record";
    let made = post(
        &app,
        &ig,
        "/grants",
        "/grants",
        &[
            ("username", "system.administrator"),
            ("person", local_person_id(PersonId(app.child)).as_str()),
            ("reason", reason),
            ("days", "1"),
        ],
    )
    .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let id = app
        .store
        .governance()
        .grants(None, chrono::Utc::now())
        .await
        .unwrap()[0]
        .id;
    let (_, page) = text(&app, "/grants", &sm).await;
    assert!(!page.contains(reason), "not listed to the service manager");
    let (_, api) = json(&app, "/api/v1/grants", &sm).await;
    assert_eq!(api, Value::Array(vec![]));
    let revoke = post(&app, &sm, "/grants", &format!("/grants/{id}/revoke"), &[]).await;
    assert_eq!(revoke.status(), StatusCode::NOT_FOUND);
    assert!(
        app.store
            .governance()
            .grants(None, chrono::Utc::now())
            .await
            .unwrap()[0]
            .active
    );
    let (_, page) = text(&app, "/grants", &ig).await;
    assert!(page.contains(reason));
    let (_, api) = json(&app, "/api/v1/grants", &ig).await;
    assert_eq!(api.as_array().map(Vec::len), Some(1));
}

/// Issue 6, item 8: the activity CSV passed formulas straight to a spreadsheet. A reason that
/// starts with `=` now arrives as text.
#[tokio::test]
async fn the_activity_csv_neutralises_formulas() {
    let app = spawn_app().await;
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    protect(&app, app.child, RestrictionKind::Restricted).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"open\")";
    let given = post(
        &app,
        &fd,
        "/people",
        &format!("/people/{}/reason", app.child),
        &[("reason", formula)],
    )
    .await;
    assert_eq!(given.status(), StatusCode::SEE_OTHER);
    let fd_id = app
        .store
        .accounts()
        .user_by_username("front.door.practitioner")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (status, csv) = text(
        &app,
        &format!("/users/{fd_id}/activity?from=01/01/2000&to=31/12/2099&format=csv"),
        &ig,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(!csv.contains(",\"=HYPERLINK"), "{csv}");
}

/// Issue 6, item 8: the partner's "Shared with us" list and the consent form shown again with
/// an error wrote no audit row for the people they showed.
#[tokio::test]
async fn the_shared_list_and_the_consent_error_page_are_audited() {
    let app = spawn_app().await;
    let partner = app.sign_in("partner.professional", PASSWORD).await.unwrap();
    let fd = app
        .sign_in("front.door.practitioner", PASSWORD)
        .await
        .unwrap();
    let (status, page) = text(&app, "/shared", &partner).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&app.child_name));
    let lists = app
        .store
        .audit_log()
        .entries(None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.action == "record.list"
                && e.detail.starts_with("shared with us:")
                && e.detail.contains(&format!(" person:{} ", app.child))
        })
        .count();
    assert_eq!(lists, 1);
    let bad = post(
        &app,
        &fd,
        "/people",
        &format!("/people/{}/consent", app.child),
        &[
            ("agency", "health"),
            ("basis", "consent"),
            ("given_by", "Mother, with parental responsibility"),
            ("until", "not a date"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        actions_on(&app, app.child)
            .await
            .iter()
            .any(|(a, d)| a == "record.view" && d == "consent form shown again")
    );
}
