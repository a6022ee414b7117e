//! The main journey in real headless Chromium: sign in, find a child by a misspelt name with
//! the keyboard, open the record, see and filter the chronology. Runs when
//! `STEPWISE_TEST_CHROMIUM` names the browser (`.ci/run` sets it). With
//! `STEPWISE_SCREENSHOT_DIR` set it also saves the screenshots the README uses.

use std::time::Duration;

use crate::support::app::{PASSWORD, spawn_app};
use crate::support::cdp::Browser;

#[tokio::test]
async fn sign_in_find_a_child_open_the_record_and_read_the_chronology() {
    let Some(browser) = Browser::launch_from_env().await.unwrap() else {
        eprintln!("skipping: STEPWISE_TEST_CHROMIUM is not set");
        return;
    };
    let app = spawn_app().await;
    let shots = std::env::var("STEPWISE_SCREENSHOT_DIR")
        .ok()
        .map(std::path::PathBuf::from);
    let page = browser.new_page().await.unwrap();
    page.set_viewport(1280, 900).await.unwrap();

    // Asking for a record while signed out leads to sign-in, then back to the record.
    page.goto(&app.url(&format!("/people/{}", app.child)))
        .await
        .unwrap();
    assert!(page.url().await.unwrap().contains("/sign-in?next="));
    assert_eq!(page.text("h1").await.unwrap(), "Sign in to Stepwise");
    page.fill("#username", "social.worker").await.unwrap();
    page.fill("#password", "not the password").await.unwrap();
    page.click_and_wait("button[type=submit]").await.unwrap();
    assert!(
        page.text(".error-summary")
            .await
            .unwrap()
            .contains("Enter a correct username and password")
    );
    page.fill("#password", PASSWORD).await.unwrap();
    page.click_and_wait("button[type=submit]").await.unwrap();
    assert!(
        page.url()
            .await
            .unwrap()
            .ends_with(&format!("/people/{}", app.child)),
        "back to the record asked for"
    );

    // My work.
    page.goto(&app.url("/my-work")).await.unwrap();
    assert_eq!(page.text("h1").await.unwrap(), "My work");
    if let Some(dir) = &shots {
        page.screenshot_png(&dir.join("my-work.png"), false)
            .await
            .unwrap();
    }

    // Find the child with the keyboard, names in the other order and one letter wrong.
    page.goto(&app.url("/people")).await.unwrap();
    let parts: Vec<&str> = app.child_name.split(' ').collect();
    let family = parts[parts.len() - 1];
    let typo = if family.len() > 4 {
        format!("{}e", &family[..family.len() - 1])
    } else {
        family.to_string()
    };
    page.fill("#q", &format!("{typo} {}", parts[0]))
        .await
        .unwrap();
    page.press_enter_and_wait("#q").await.unwrap();
    let link = format!("a.person-link[href=\"/people/{}\"]", app.child);
    page.wait_for(&link, Duration::from_secs(5)).await.unwrap();
    if let Some(dir) = &shots {
        page.screenshot_png(&dir.join("find-a-person.png"), false)
            .await
            .unwrap();
    }
    page.click_and_wait(&link).await.unwrap();

    // The record: who this is, what is open, the chronology.
    assert_eq!(page.text("h1").await.unwrap(), app.child_name);
    assert!(page.exists(".record-status .badges").await.unwrap());
    let entries = page
        .eval("document.querySelectorAll('.chronology-entry').length")
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(entries > 0, "the chronology has entries");
    assert!(page.text("#family-h").await.unwrap().contains("Family"));
    if let Some(dir) = &shots {
        // The top 1,150 pixels of the page: the header, what is due, and the start of the
        // chronology and the family.
        let clip = serde_json::json!({"x": 0, "y": 0, "width": 1280, "height": 1150, "scale": 1});
        let shot = page
            .call(
                "Page.captureScreenshot",
                serde_json::json!({"format": "png", "captureBeyondViewport": true, "clip": clip}),
            )
            .await
            .unwrap();
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        std::fs::write(dir.join("child-record.png"), png).unwrap();
    }

    // Filter the chronology to visits and notes: the filter is kept and the list changes.
    page.eval("document.querySelector('input[name=all]').checked = true")
        .await
        .unwrap();
    page.click_and_wait(".filters button[type=submit]")
        .await
        .unwrap();
    assert!(page.url().await.unwrap().contains("all=1"));
    let all_entries = page
        .eval("document.querySelectorAll('.chronology-entry').length")
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(all_entries >= entries);
    // The page works without scripts: it has none.
    assert_eq!(
        page.eval("document.scripts.length").await.unwrap().as_u64(),
        Some(0)
    );
    // Every form field has a label.
    let unlabelled = page
        .eval("[...document.querySelectorAll('input:not([type=hidden]):not([type=checkbox])')].filter(i => !document.querySelector(`label[for=\"${i.id}\"]`)).length")
        .await
        .unwrap();
    assert_eq!(unlabelled.as_u64(), Some(0));
    let _ = browser.close().await;
}
