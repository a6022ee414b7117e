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
        crate::support::not_tested(
            "sign_in_find_a_child_open_the_record_and_read_the_chronology",
            "STEPWISE_TEST_CHROMIUM is not set",
        );
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

/// Writing a case note in Chromium: from the record, the form (with today's date filled in),
/// a mistake named beside its field, then the note saved and shown in the chronology.
#[tokio::test]
async fn write_a_case_note_from_the_record() {
    let Some(browser) = Browser::launch_from_env().await.unwrap() else {
        crate::support::not_tested(
            "write_a_case_note_from_the_record",
            "STEPWISE_TEST_CHROMIUM is not set",
        );
        return;
    };
    let app = spawn_app().await;
    let page = browser.new_page().await.unwrap();
    page.set_viewport(1280, 900).await.unwrap();
    page.goto(&app.url("/sign-in")).await.unwrap();
    page.fill("#username", "social.worker").await.unwrap();
    page.fill("#password", PASSWORD).await.unwrap();
    page.click_and_wait("button[type=submit]").await.unwrap();
    page.goto(&app.url(&format!("/people/{}", app.child)))
        .await
        .unwrap();
    page.click_and_wait(".record-actions a[href$='/notes/new']")
        .await
        .unwrap();
    assert_eq!(page.text("h1").await.unwrap(), "Write a case note");
    assert_eq!(
        page.eval("document.querySelector('#effective').value")
            .await
            .unwrap()
            .as_str(),
        Some("23/11/2026"),
        "today's date, as people type it"
    );
    page.fill("#text", "Met the child at school with their teacher.")
        .await
        .unwrap();
    page.click_and_wait(".record-form button[type=submit]")
        .await
        .unwrap();
    assert!(
        page.text(".error-summary")
            .await
            .unwrap()
            .contains("Enter a subject")
    );
    assert_eq!(
        page.eval("document.querySelector('#text').value")
            .await
            .unwrap()
            .as_str(),
        Some("Met the child at school with their teacher."),
        "what was typed is kept"
    );
    page.fill("#subject", "School visit").await.unwrap();
    page.click_and_wait(".record-form button[type=submit]")
        .await
        .unwrap();
    assert!(page.url().await.unwrap().contains("category=note"));
    assert!(
        page.text("#chronology")
            .await
            .unwrap()
            .contains("Met the child at school with their teacher.")
    );
    // Who recorded each entry is shown, readable against the page (it was once white on white).
    let who = page
        .eval("(() => { const w = document.querySelector('.chronology-entry .who'); const c = getComputedStyle(w).color; const b = getComputedStyle(w.closest('.chronology')).backgroundColor; return [w.innerText, c, b, w.getBoundingClientRect().height]; })()")
        .await
        .unwrap();
    assert!(
        who[0].as_str().unwrap().starts_with("Recorded by "),
        "{who}"
    );
    assert_ne!(who[1], serde_json::json!("rgb(255, 255, 255)"), "{who}");
    assert_ne!(who[1], who[2], "{who}");
    assert!(who[3].as_f64().unwrap() > 0.0, "{who}");
    let _ = browser.close().await;
}

/// A real OpenID Connect provider (oidc-provider, installed by `.ci/run` from the npm registry
/// into `crates/web/tests/oidc-provider`), run with Node on a free port.
struct IdentityProvider {
    child: std::process::Child,
    issuer: String,
}

impl IdentityProvider {
    fn start(dir: &str, redirect: &str, port: u16) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new("node")
            .arg("provider.mjs")
            .arg(port.to_string())
            .arg(redirect)
            .current_dir(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node runs the identity provider");
        let out = child.stdout.take().unwrap();
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(out);
        while !line.starts_with("ready ") {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                panic!("the identity provider stopped before it was ready");
            }
        }
        // Keep reading what it prints, so it never writes to a closed pipe.
        std::thread::spawn(move || {
            let mut rest = String::new();
            while reader.read_line(&mut rest).map(|n| n > 0).unwrap_or(false) {
                rest.clear();
            }
        });
        Self {
            child,
            issuer: line.trim_start_matches("ready ").trim().to_string(),
        }
    }
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sign_in_through_the_councils_identity_provider() {
    let (Ok(dir), Some(browser)) = (
        std::env::var("STEPWISE_TEST_OIDC_PROVIDER"),
        Browser::launch_from_env().await.unwrap(),
    ) else {
        crate::support::not_tested(
            "sign_in_through_the_councils_identity_provider",
            "STEPWISE_TEST_OIDC_PROVIDER or STEPWISE_TEST_CHROMIUM is not set",
        );
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = crate::support::app::spawn_app_with(
        stepwise_domain::access::AccessPolicy::default(),
        Some(format!("http://127.0.0.1:{port}")),
    )
    .await;
    let idp = IdentityProvider::start(&dir, &app.url("/sign-in/oidc/callback"), port);
    // Accounts are bound to the provider's (issuer, subject): link the social worker's.
    let sw = app
        .store
        .accounts()
        .user_by_username("social.worker")
        .await
        .unwrap()
        .unwrap();
    app.store
        .accounts()
        .link_oidc_subject(
            &stepwise_store::Actor::System("test"),
            "-",
            sw.id,
            &idp.issuer,
            "social.worker",
        )
        .await
        .unwrap();
    let page = browser.new_page().await.unwrap();
    let sign_in_as = |who: &'static str| {
        let page = &page;
        let app = &app;
        async move {
            page.goto(&app.url("/sign-in")).await.unwrap();
            page.click_and_wait("a[href^='/sign-in/oidc']")
                .await
                .unwrap();
            assert!(
                page.url().await.unwrap().contains("/interaction/"),
                "at the provider"
            );
            page.fill("input[name=login]", who).await.unwrap();
            page.fill("input[name=password]", "anything").await.unwrap();
            page.click_and_wait("button[type=submit]").await.unwrap();
            // The provider asks to share the profile with Stepwise.
            if page.url().await.unwrap().contains("/interaction/") {
                page.click_and_wait("button[type=submit]").await.unwrap();
            }
        }
    };
    sign_in_as("social.worker").await;
    assert!(
        page.url().await.unwrap().ends_with("/my-work"),
        "signed in: {}",
        page.url().await.unwrap()
    );
    assert_eq!(page.text("h1").await.unwrap(), "My work");
    let last = app.store.audit_log().entries(None, 5).await.unwrap();
    assert!(
        last.iter()
            .any(|e| e.action == "signin" && e.detail.starts_with("through the identity provider"))
    );

    // Someone the provider knows but no account is linked to gets a plain refusal, audited,
    // even when the provider calls them by a Stepwise username (issue 6 item 9: accounts are
    // bound by subject, never by `preferred_username`).
    let page2 = browser.new_page().await.unwrap();
    // Forget the provider's session from the first sign-in.
    page2
        .call("Network.clearBrowserCookies", serde_json::json!({}))
        .await
        .unwrap();
    page2.goto(&app.url("/sign-in")).await.unwrap();
    page2
        .click_and_wait("a[href^='/sign-in/oidc']")
        .await
        .unwrap();
    page2
        .fill("input[name=login]", "team.manager")
        .await
        .unwrap();
    page2
        .fill("input[name=password]", "anything")
        .await
        .unwrap();
    page2.click_and_wait("button[type=submit]").await.unwrap();
    if page2.url().await.unwrap().contains("/interaction/") {
        page2.click_and_wait("button[type=submit]").await.unwrap();
    }
    assert!(
        page2.text(".error-summary").await.unwrap().contains(
            "no Stepwise account is linked to your council account (subject team.manager)"
        )
    );
    let last = &app
        .store
        .audit_log()
        .entries(Some("oidc"), 1)
        .await
        .unwrap()[0];
    assert_eq!(last.action, "signin.failed");
    // A forged return (an unknown state) changes nothing.
    let forged = app
        .get("/sign-in/oidc/callback?code=abc&state=forged", None)
        .await;
    assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );
}
