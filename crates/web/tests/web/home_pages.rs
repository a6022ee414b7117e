//! What each kind of manager finds on My work: locality and service managers see every team of
//! their locality or service, team by team; and every list of children shows the most urgent
//! item first, saying "overdue" in words when it is.

use stepwise_domain::access::{Role, Service};
use stepwise_domain::org::Team;

use crate::support::app::{PASSWORD, TestApp, spawn_app, username};

/// Adds a manager of `role` linked to `team` and signs them in.
async fn manager(app: &TestApp, role: Role, name: &str, team: &Team) -> String {
    app.store
        .accounts()
        .upsert_user(&stepwise_store::NewUser {
            username: name.into(),
            display_name: format!("Test {}", role.label()),
            role,
            worker_id: None,
            team_id: Some(team.id.0),
            password_hash: stepwise_web::auth::hash_password(PASSWORD.into())
                .await
                .unwrap(),
        })
        .await
        .unwrap();
    app.sign_in(name, PASSWORD).await.unwrap()
}

#[tokio::test]
async fn locality_and_service_managers_see_their_teams_one_by_one() {
    let app = spawn_app().await;
    let teams = app.store.organisation().teams().await.unwrap();

    let home = teams
        .iter()
        .find(|t| t.locality.is_some())
        .expect("a team with a locality");
    let cookie = manager(&app, Role::LocalityManager, "area.manager", home).await;
    let page = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your locality: "), "{page}");
    for t in teams.iter().filter(|t| t.locality == home.locality) {
        assert!(
            page.contains(&format!("href=\"/teams/{}\"", t.id.0)),
            "the locality's team {} is listed",
            t.name
        );
    }
    for t in teams.iter().filter(|t| t.locality != home.locality) {
        assert!(
            !page.contains(&format!("<a href=\"/teams/{}\">", t.id.0)),
            "a team of another locality ({}) is not listed",
            t.name
        );
    }

    let sw_team = teams.iter().find(|t| t.id.0 == app.sw_team).unwrap();
    let service = Service::of_team(sw_team.kind);
    let cookie = manager(&app, Role::ServiceManager, "head.of.service", sw_team).await;
    let page = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("Your service: {}", service.label())),
        "{page}"
    );
    for t in teams.iter().filter(|t| Service::of_team(t.kind) == service) {
        assert!(page.contains(&format!("href=\"/teams/{}\"", t.id.0)));
    }
}

#[tokio::test]
async fn the_most_urgent_item_comes_first_and_says_overdue() {
    let app = spawn_app().await;
    let mut seen_overdue = 0;
    let mut pages = vec![(Role::SocialWorker, "/my-work".to_string())];
    for t in app.store.organisation().teams().await.unwrap() {
        pages.push((Role::TeamManager, format!("/teams/{}", t.id.0)));
    }
    for (role, path) in pages {
        let cookie = app.sign_in(&username(role), PASSWORD).await.unwrap();
        let page = app.get(&path, Some(&cookie)).await.text().await.unwrap();
        if !page.contains("Most urgent") {
            continue; // a team with no open children has no list
        }
        // Each row that counts overdue work says, in its most urgent item, since when.
        let rows_overdue = page.matches(" overdue</span>").count();
        assert_eq!(
            page.matches("Overdue since ").count(),
            rows_overdue,
            "{path}: every row with overdue work shows its overdue item first"
        );
        seen_overdue += rows_overdue;
    }
    assert!(
        seen_overdue > 0,
        "the test council has overdue work to show (if it no longer does, choose another team)"
    );
}

#[tokio::test]
async fn the_front_door_sees_when_each_waiting_contact_came_from_whom_and_about_what() {
    use stepwise_domain::codes::ReferralSource;
    use stepwise_domain::commands::NewEvent;
    use stepwise_domain::events::EventKind;
    use stepwise_domain::ids::{PersonId, UserId};
    let app = spawn_app().await;
    // A contact arrives about the child, recorded as the social worker (a linked worker).
    let sw_user = app
        .store
        .accounts()
        .user_by_username(&username(Role::SocialWorker))
        .await
        .unwrap()
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    app.store
        .journeys()
        .record(
            &stepwise_store::Actor::User {
                id: UserId(sw_user.id.0),
                username: sw_user.username.clone(),
            },
            "test",
            NewEvent {
                child: PersonId(app.child),
                effective: today,
                effective_time: chrono::NaiveTime::from_hms_opt(9, 40, 0),
                supersedes: None,
                kind: EventKind::ContactReceived {
                    source: ReferralSource::parse("3B", 2026).unwrap(),
                    concerns: "Health visitor worried about bruising seen at a home visit".into(),
                    consent: true,
                },
            },
        )
        .await
        .unwrap();
    let cookie = app
        .sign_in(&username(Role::FrontDoorPractitioner), PASSWORD)
        .await
        .unwrap();
    let page = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let section = &page[page
        .find("Contacts awaiting a decision")
        .expect("the front door's list")..];
    for shown in [
        "Received",
        "From",
        "Concerns",
        "09:40",
        "Health services: health visitor (3B)",
        "Health visitor worried about bruising",
    ] {
        assert!(section.contains(shown), "{shown} is on the list: {section}");
    }
    // The API gives the same.
    let json: serde_json::Value = app
        .get("/api/v1/my-work", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let waiting = json["contacts_waiting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == app.child)
        .expect("the child is waiting");
    assert_eq!(
        waiting["waiting"]["source"],
        "Health services: health visitor (3B)"
    );
    assert_eq!(waiting["waiting"]["time"], "09:40:00");
}

#[tokio::test]
async fn a_reviewing_officer_sees_the_children_they_review_and_the_meetings_awaiting_a_chair() {
    let app = spawn_app().await;
    let cookie = app
        .sign_in(&username(Role::IndependentReviewingOfficer), PASSWORD)
        .await
        .unwrap();
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let page = app
        .get("/my-work", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Children you review"), "{page}");
    assert!(
        page.contains("children you review"),
        "the count says what it counts"
    );
    assert!(!page.contains("children allocated to you"), "{page}");
    assert!(page.contains("Awaiting a reviewing officer"), "{page}");
    let json: serde_json::Value = app
        .get("/api/v1/my-work", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let chaired = [
        "Initial child protection conference",
        "Review child protection conference",
        "Looked-after review",
    ];
    // The children the officer is appointed to: each on a plan or looked after, with only the
    // meetings the officer chairs, and the officer named on the record.
    let mine = json["children"].as_array().unwrap();
    assert!(!mine.is_empty(), "the test officer reviews children");
    for c in mine {
        assert!(page.contains(&format!("href=\"/people/{}\"", c["id"])));
        if !c["restriction"].is_null() {
            continue;
        }
        let open: Vec<&str> = c["open"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        assert!(
            open.contains(&"child_protection") || open.contains(&"looked_after"),
            "{open:?}"
        );
        for d in c["due"].as_array().unwrap() {
            assert!(chaired.contains(&d["what"].as_str().unwrap()), "{d}");
        }
        let record: serde_json::Value = app
            .get(&format!("/api/v1/people/{}", c["id"]), Some(&cookie))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            record["reviewing_officer"]["id"], me["worker_id"],
            "{record}"
        );
    }
    // Meetings awaiting a chair: children with no officer appointed, soonest first.
    let due = json["reviews_due"].as_array().unwrap();
    assert!(json["reviews_due_total"].as_i64().unwrap() >= due.len() as i64);
    let mut last = String::new();
    for c in due {
        if c["restriction"].is_null() {
            let item = &c["due"][0];
            assert!(chaired.contains(&item["what"].as_str().unwrap()), "{item}");
            let date = item["due"].as_str().unwrap().to_string();
            assert!(date >= last, "soonest first");
            last = date;
            assert!(page.contains(&format!("href=\"/people/{}\"", c["id"])));
            let record: serde_json::Value = app
                .get(&format!("/api/v1/people/{}", c["id"]), Some(&cookie))
                .await
                .json()
                .await
                .unwrap();
            assert!(record["reviewing_officer"].is_null(), "{record}");
        }
    }
    // Every child shown is named in the list's audit row.
    assert!(app.audit_count("record.list").await > 0);
}

#[tokio::test]
async fn the_front_door_and_reviewing_team_pages_say_where_their_work_is() {
    let app = spawn_app().await;
    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let teams = app.store.organisation().teams().await.unwrap();
    for (kind, says) in [
        (
            stepwise_domain::org::TeamKind::FrontDoor,
            "the contacts awaiting a decision, oldest first, are on My work",
        ),
        (
            stepwise_domain::org::TeamKind::QualityAssurance,
            "each officer's children are on their My work",
        ),
    ] {
        let team = teams.iter().find(|t| t.kind == kind).unwrap();
        let page = app
            .get(&format!("/teams/{}", team.id.0), Some(&ig))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(says), "{kind:?}: {page}");
    }
}
