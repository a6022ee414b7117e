//! Lists say what they hold, over HTTP: search, the team page, the pseudonymised list and the
//! disposal queue give the true count and a way to every page, the API gives `total` beside its
//! results, and bad paging input gets a plain answer naming the parameter, never a 500.

use reqwest::StatusCode;
use stepwise_domain::access::Role;

use crate::support::app::{PASSWORD, spawn_app, username};

fn family_name(full: &str) -> String {
    full.split(' ').next_back().unwrap_or_default().to_string()
}

/// The address of the link marked `rel="next"` in a page, unescaped.
fn next_link(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\" href=\"")? + "rel=\"next\" href=\"".len();
    let end = html[at..].find('"')? + at;
    Some(html[at..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn search_says_how_many_match_and_pages_through_them() {
    let app = spawn_app().await;
    let cookie = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    let family = family_name(&app.child_name);

    let api: serde_json::Value = app
        .get(
            &format!("/api/v1/people?q={family}&per_page=1"),
            Some(&cookie),
        )
        .await
        .json()
        .await
        .unwrap();
    let total = api["total"].as_u64().unwrap();
    assert!(
        total >= 2,
        "the family name {family} matches the child's family: {api}"
    );
    assert_eq!(api["page"], 1);
    assert_eq!(api["per_page"], 1);
    assert_eq!(api["results"].as_array().unwrap().len(), 1);
    let whole: serde_json::Value = app
        .get(
            &format!("/api/v1/people?q={family}&per_page=200"),
            Some(&cookie),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(whole["total"].as_u64(), Some(total));
    assert_eq!(whole["results"].as_array().unwrap().len() as u64, total);

    let listed_before = app.audit_count("record.list").await;
    let page = app
        .get(&format!("/people?q={family}&per_page=1"), Some(&cookie))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("Showing 1 to 1 of {total} people")),
        "{html}"
    );
    let next = next_link(&html).expect("a link to the next page");
    assert!(
        next.contains(&format!("q={family}")) && next.contains("page=2"),
        "the next page keeps the query: {next}"
    );
    let second = app.get(&next, Some(&cookie)).await;
    assert_eq!(second.status(), StatusCode::OK);
    let html = second.text().await.unwrap();
    assert!(
        html.contains(&format!("Showing 2 to 2 of {total} people")),
        "{html}"
    );
    assert!(html.contains("rel=\"prev\""), "a way back");
    assert_eq!(
        app.audit_count("record.list").await,
        listed_before + 2,
        "each page view is one record.list row"
    );

    // Past the end: the page goes to the last page, the API says which page is wrong.
    let past = app
        .get(
            &format!("/people?q={family}&per_page=1&page=999"),
            Some(&cookie),
        )
        .await;
    assert_eq!(past.status(), StatusCode::SEE_OTHER);
    let to = past.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with(&format!("page={total}")), "{to}");
    let past = app
        .get(
            &format!("/api/v1/people?q={family}&page=999"),
            Some(&cookie),
        )
        .await;
    assert_eq!(past.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = past.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("page"),
        "{body}"
    );
}

#[tokio::test]
async fn bad_paging_input_is_named_and_never_a_server_error() {
    let app = spawn_app().await;
    let sw = app
        .sign_in(&username(Role::SocialWorker), PASSWORD)
        .await
        .unwrap();
    let tm = app
        .sign_in(&username(Role::TeamManager), PASSWORD)
        .await
        .unwrap();
    let analyst = app
        .sign_in(&username(Role::PerformanceAnalyst), PASSWORD)
        .await
        .unwrap();
    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    for (bad, name) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("per_page=0", "per_page"),
        ("per_page=100000", "per_page"),
    ] {
        let res = app
            .get(&format!("/api/v1/people?q=smith&{bad}"), Some(&sw))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .starts_with(name),
            "{bad}: {body}"
        );
        for (path, cookie) in [
            ("/people?q=smith&".to_string(), &sw),
            (format!("/teams/{}?", app.sw_team), &tm),
            ("/analysis?".to_string(), &analyst),
            ("/retention?".to_string(), &ig),
        ] {
            let res = app.get(&format!("{path}{bad}"), Some(cookie)).await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}{bad}");
            let html = res.text().await.unwrap();
            assert!(
                html.contains("There is a problem") && html.to_lowercase().contains(name),
                "{path}{bad}"
            );
        }
    }
    let res = app
        .get(
            &format!("/teams/{}?overdue=perhaps", app.sw_team),
            Some(&tm),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_team_page_pages_and_narrows_its_children() {
    let app = spawn_app().await;
    // Information governance may see every team's children: the busiest team is used.
    let tm = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let teams: serde_json::Value = app
        .get("/api/v1/teams", Some(&tm))
        .await
        .json()
        .await
        .unwrap();
    let busiest = teams
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|t| t["open_children"].as_i64().unwrap_or(0))
        .unwrap();
    let base = format!("/teams/{}", busiest["id"]);
    let html = app
        .get(&format!("{base}?per_page=1"), Some(&tm))
        .await
        .text()
        .await
        .unwrap();
    let at = html.find("Showing 1 to 1 of ").expect("the count") + "Showing 1 to 1 of ".len();
    let total: usize = html[at..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(total >= 2, "the team holds several children: {total}");
    let next = next_link(&html).expect("a link to the next page");
    assert!(
        next.contains("page=2") && next.ends_with("#children"),
        "{next}"
    );
    let second = app.get(&next, Some(&tm)).await;
    assert_eq!(second.status(), StatusCode::OK);
    assert!(
        second
            .text()
            .await
            .unwrap()
            .contains(&format!("Showing 2 to 2 of {total} children"))
    );

    // Narrowed to one worker, to unallocated children, to overdue work: each says so.
    let worker = html
        .split("?worker=")
        .nth(1)
        .and_then(|s| s.split(['#', '"', '&']).next())
        .expect("a worker's link")
        .to_string();
    let mine = app
        .get(&format!("{base}?worker={worker}"), Some(&tm))
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("Children allocated to"), "one worker's list");
    for (q, title) in [
        ("unallocated=1", "Unallocated children"),
        ("overdue=1", "with overdue work"),
    ] {
        let res = app.get(&format!("{base}?{q}"), Some(&tm)).await;
        assert_eq!(res.status(), StatusCode::OK, "{q}");
        let html = res.text().await.unwrap();
        assert!(html.contains(title), "{q}");
        assert!(html.contains("Show the whole team"), "{q}");
    }
}

#[tokio::test]
async fn the_api_gives_a_teams_children_a_page_at_a_time_with_the_true_count() {
    let app = spawn_app().await;
    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let teams: serde_json::Value = app
        .get("/api/v1/teams", Some(&ig))
        .await
        .json()
        .await
        .unwrap();
    let busiest = teams
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|t| t["open_children"].as_i64().unwrap_or(0))
        .unwrap();
    let base = format!("/api/v1/teams/{}/children", busiest["id"]);
    let first: serde_json::Value = app
        .get(&format!("{base}?per_page=2"), Some(&ig))
        .await
        .json()
        .await
        .unwrap();
    let total = first["total"].as_u64().unwrap();
    assert!(total >= 3, "{first}");
    assert_eq!(
        total,
        busiest["open_children"].as_u64().unwrap(),
        "the list holds every open child"
    );
    assert_eq!(first["per_page"], 2);
    assert_eq!(first["pages"].as_u64().unwrap(), total.div_ceil(2));
    assert_eq!(first["children"].as_array().unwrap().len(), 2);
    // Every page together holds each child once.
    let mut seen = std::collections::HashSet::new();
    for page in 1..=first["pages"].as_u64().unwrap() {
        let p: serde_json::Value = app
            .get(&format!("{base}?per_page=2&page={page}"), Some(&ig))
            .await
            .json()
            .await
            .unwrap();
        for c in p["children"].as_array().unwrap() {
            assert!(seen.insert(c["id"].as_i64().unwrap()), "{c} twice");
        }
    }
    assert_eq!(seen.len() as u64, total);
    // Narrowed to one worker: only that worker's children.
    let worker = first["children"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::empty())
        .find_map(|c| c["worker_id"].as_i64());
    if let Some(w) = worker {
        let mine: serde_json::Value = app
            .get(&format!("{base}?worker={w}&per_page=200"), Some(&ig))
            .await
            .json()
            .await
            .unwrap();
        assert!(mine["total"].as_u64().unwrap() >= 1);
        for c in mine["children"].as_array().unwrap() {
            assert_eq!(c["worker_id"].as_i64(), Some(w), "{c}");
        }
    }
    let overdue: serde_json::Value = app
        .get(&format!("{base}?overdue=1&per_page=200"), Some(&ig))
        .await
        .json()
        .await
        .unwrap();
    for c in overdue["children"].as_array().unwrap() {
        if c["restriction"].is_null() {
            assert!(c["overdue"].as_u64().unwrap() > 0, "{c}");
        }
    }
    // Bad input is refused plainly, as JSON.
    for bad in ["page=999", "per_page=0", "overdue=perhaps", "worker=abc"] {
        let res = app.get(&format!("{base}?{bad}"), Some(&ig)).await;
        assert!(res.status().is_client_error(), "{bad}: {}", res.status());
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["error"].is_object() || body["error"].is_string(),
            "{bad}: {body}"
        );
    }
    // An analyst may see the teams but opens no child's record: the list of names is refused.
    let analyst = app
        .sign_in(&username(Role::PerformanceAnalyst), PASSWORD)
        .await
        .unwrap();
    let res = app.get(&base, Some(&analyst)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_says_whether_a_users_activity_is_whole() {
    let app = spawn_app().await;
    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let me: serde_json::Value = app.get("/api/v1/me", Some(&ig)).await.json().await.unwrap();
    let id = me["id"].as_i64().unwrap();
    // Signing in and two searches leave three entries.
    for q in ["smith", "jones"] {
        let res = app.get(&format!("/api/v1/people?q={q}"), Some(&ig)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let all: serde_json::Value = app
        .get(&format!("/api/v1/users/{id}/activity"), Some(&ig))
        .await
        .json()
        .await
        .unwrap();
    let n = all["entries"].as_array().unwrap().len();
    assert!(n >= 2, "{all}");
    assert_eq!(
        (all["limit"].as_u64(), all["complete"].as_bool()),
        (Some(1000), Some(true))
    );
    let one: serde_json::Value = app
        .get(&format!("/api/v1/users/{id}/activity?limit=1"), Some(&ig))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["entries"].as_array().unwrap().len(), 1);
    assert_eq!(one["complete"], false, "{one}");
    // Dates narrow it; nothing was done in 2000.
    let none: serde_json::Value = app
        .get(
            &format!("/api/v1/users/{id}/activity?from=2000-01-01&to=31/12/2000"),
            Some(&ig),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["entries"].as_array().unwrap().len(), 0, "{none}");
    assert_eq!(
        (none["from"].as_str(), none["complete"].as_bool()),
        (Some("2000-01-01"), Some(true))
    );
    for bad in [
        "from=31/02/2026",
        "from=2026-02-01&to=2026-01-01",
        "limit=0",
        "limit=10001",
        "limit=many",
    ] {
        let res = app
            .get(&format!("/api/v1/users/{id}/activity?{bad}"), Some(&ig))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body = res.text().await.unwrap();
        let field = bad.split('=').next().unwrap();
        assert!(
            body.to_lowercase().contains(field) || body.contains("to must"),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn the_pseudonymised_list_and_the_disposal_queue_say_how_many() {
    let app = spawn_app().await;
    let analyst = app
        .sign_in(&username(Role::PerformanceAnalyst), PASSWORD)
        .await
        .unwrap();
    let html = app
        .get("/analysis?per_page=1", Some(&analyst))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Showing 1 to 1 of "), "{html}");
    let next = next_link(&html).expect("a link to the next page");
    assert_eq!(
        app.get(&next, Some(&analyst)).await.status(),
        StatusCode::OK
    );

    let ig = app
        .sign_in(&username(Role::InformationGovernance), PASSWORD)
        .await
        .unwrap();
    let res = app
        .get("/retention?as_at=01/01/2150&per_page=1", Some(&ig))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("records due") && html.contains("Showing 1 to 1 of "),
        "{html}"
    );
    let next = next_link(&html).expect("a link to the next page");
    assert!(
        next.contains("as_at=01%2F01%2F2150"),
        "the date is kept: {next}"
    );
    assert_eq!(app.get(&next, Some(&ig)).await.status(), StatusCode::OK);
}
