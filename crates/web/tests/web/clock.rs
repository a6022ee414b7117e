//! The council's clock (issue 7, item 5): the web layer and the store read one injected clock,
//! "today" is the civil date in England, and every time shown is England's, British Summer
//! Time included. Each test serves the test council again under a stopped clock.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;

use stepwise_web::{AppState, Clock, WebConfig};

use crate::support::app::{PASSWORD, TestApp, spawn_app};

/// Serves the test app's database again under `clock`, and points the app at that server.
async fn serve_with_clock(app: &mut TestApp, clock: Clock) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(
        app.store.clone(),
        WebConfig {
            clock,
            ..WebConfig::default()
        },
    )
    .await
    .unwrap();
    tokio::spawn(async move {
        let _ = stepwise_web::serve_on(state, listener).await;
    });
    app.base = format!("http://{addr}");
}

/// Opens the child's record as the social worker at the clock's "now", then returns the
/// child's access log page ("who has looked at this record") and the social worker's activity
/// CSV as information governance sees them.
async fn open_then_read_the_logs(app: &TestApp) -> (String, String) {
    let sw = app.sign_in("social.worker", PASSWORD).await.unwrap();
    let record = app.get(&format!("/people/{}", app.child), Some(&sw)).await;
    assert_eq!(record.status(), StatusCode::OK);
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let log = app
        .get(&format!("/people/{}/access-log", app.child), Some(&ig))
        .await;
    assert_eq!(log.status(), StatusCode::OK);
    let sw_id = app
        .store
        .accounts()
        .user_by_username("social.worker")
        .await
        .unwrap()
        .unwrap()
        .id;
    let csv = app
        .get(
            &format!("/users/{sw_id}/activity?from=01/01/2000&to=31/12/2099&format=csv"),
            Some(&ig),
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    (log.text().await.unwrap(), csv.text().await.unwrap())
}

/// Issue 7, item 5: a record opened at 13:05 UTC in July was opened at 14:05 in England. The
/// access log shows 14:05 (not an hour out), with the action in plain words (issue 7, item 3),
/// and the activity CSV gives the time with England's offset.
#[tokio::test]
async fn a_july_access_log_shows_british_summer_time() {
    let mut app = spawn_app().await;
    let july = Utc.with_ymd_and_hms(2026, 7, 4, 13, 5, 9).unwrap();
    serve_with_clock(&mut app, Clock::stopped_at(july)).await;
    let (log, csv) = open_then_read_the_logs(&app).await;
    assert!(log.contains("4 Jul 2026 14:05:09"), "BST on the page");
    assert!(!log.contains("4 Jul 2026 13:05:09"), "not UTC");
    assert!(log.contains("Opened the record"), "the action in words");
    assert!(!log.contains(">record.view<"), "not the stored label");
    assert!(csv.contains("\"2026-07-04T14:05:09+01:00\""), "{csv}");
    assert!(csv.contains("\"Opened the record\""), "{csv}");
    // The subject access pack's "who has looked at the record" reads the same way.
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let pack = app
        .get(
            &format!(
                "/people/{}/subject-access?reference=SAR-2026-001",
                app.child
            ),
            Some(&ig),
        )
        .await;
    assert_eq!(pack.status(), StatusCode::OK);
    let pack = pack.text().await.unwrap();
    assert!(pack.contains("4 Jul 2026 14:05:09"), "BST in the pack");
    assert!(pack.contains("Opened the record"), "words in the pack");
}

/// Issue 7, item 5: in January England keeps Greenwich Mean Time, so the same moment of day
/// shows as it is.
#[tokio::test]
async fn a_january_access_log_shows_greenwich_mean_time() {
    let mut app = spawn_app().await;
    let january = Utc.with_ymd_and_hms(2026, 1, 14, 13, 5, 9).unwrap();
    serve_with_clock(&mut app, Clock::stopped_at(january)).await;
    let (log, csv) = open_then_read_the_logs(&app).await;
    assert!(log.contains("14 Jan 2026 13:05:09"), "GMT on the page");
    assert!(csv.contains("\"2026-01-14T13:05:09+00:00\""), "{csv}");
}

/// Issue 7, item 5: "today" was the host's date; at 23:30 UTC on 30 June it is already 1 July
/// in England, and the disposal queue (as at today) says so.
#[tokio::test]
async fn today_is_the_london_date_just_before_midnight_utc() {
    let mut app = spawn_app().await;
    let late = Utc.with_ymd_and_hms(2026, 6, 30, 23, 30, 0).unwrap();
    serve_with_clock(&mut app, Clock::stopped_at(late)).await;
    let ig = app
        .sign_in("information.governance", PASSWORD)
        .await
        .unwrap();
    let queue = app.get("/retention", Some(&ig)).await;
    assert_eq!(queue.status(), StatusCode::OK);
    let queue = queue.text().await.unwrap();
    assert!(queue.contains("due for review by 1 Jul 2026"), "{queue}");
}
