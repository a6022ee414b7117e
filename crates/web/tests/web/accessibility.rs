//! Accessibility, checked by a machine in real headless Chromium:
//!
//! * axe-core (from the npm registry, `crates/web/tests/axe`) runs over the pages people use most
//!   (sign-in, My work, search, the child's record, the case note form and the form with its
//!   errors, a team, the record's access log and the analysts' pages), each as a role that uses
//!   it, at desktop and phone widths, and finds no violation of WCAG 2.2 at levels A and AA;
//! * a keyboard-only journey signs in, searches and opens a record with Tab, typing and Enter
//!   alone, and every control it lands on shows where the focus is;
//! * the same pages at tablet (768 px) and phone (390 px) widths never scroll sideways and
//!   nothing sticks out past the edge of the screen. With `STEPWISE_SCREENSHOT_DIR` set, each is
//!   also saved as a screenshot (`narrow-WIDTH-PAGE.png`) for a person to look over.
//!
//! They run when `STEPWISE_TEST_CHROMIUM` names the browser and, for axe, `STEPWISE_TEST_AXE`
//! names `axe.min.js` (`.ci/run` sets both); otherwise each says NOT TESTED.

use std::path::PathBuf;

use serde_json::{Value, json};
use stepwise_domain::access::Role;

use crate::support::app::{PASSWORD, TestApp, spawn_app, username};
use crate::support::cdp::{Browser, Page};

/// The WCAG levels axe checks: 2.0, 2.1 and 2.2, A and AA.
const WCAG_TAGS: [&str; 6] = [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa",
];

/// Each page to check, the role that opens it (`None`: signed out) and a short name.
fn pages(app: &TestApp) -> Vec<(Option<Role>, String, &'static str)> {
    let family = app
        .child_name
        .split(' ')
        .next_back()
        .unwrap_or("")
        .to_string();
    vec![
        (None, "/sign-in".into(), "sign-in"),
        (Some(Role::SocialWorker), "/my-work".into(), "my-work"),
        (
            Some(Role::FrontDoorPractitioner),
            "/threshold".into(),
            "threshold",
        ),
        (Some(Role::SocialWorker), "/account".into(), "account"),
        (
            Some(Role::FrontDoorPractitioner),
            "/people/match".into(),
            "person-match",
        ),
        (
            Some(Role::SocialWorker),
            format!("/people?q={family}"),
            "search",
        ),
        (
            Some(Role::SocialWorker),
            format!("/people/{}", app.child),
            "record",
        ),
        (
            Some(Role::SocialWorker),
            format!("/people/{}/notes/new", app.child),
            "case-note",
        ),
        (
            Some(Role::TeamManager),
            format!("/teams/{}", app.sw_team),
            "team",
        ),
        (
            Some(Role::TeamManager),
            format!("/people/{}/access-log", app.child),
            "access-log",
        ),
        (
            Some(Role::PerformanceAnalyst),
            "/analysis".into(),
            "analysis",
        ),
        (
            Some(Role::PerformanceAnalyst),
            format!("/analysis/{}", app.pseudonym),
            "analysis-journey",
        ),
    ]
}

/// Signs `role` in through the sign-in form (after signing anyone else out), or only signs out.
async fn become_(page: &Page, app: &TestApp, role: Option<Role>) {
    page.call("Network.clearBrowserCookies", json!({}))
        .await
        .unwrap();
    let Some(role) = role else { return };
    page.goto(&app.url("/sign-in")).await.unwrap();
    page.fill("#username", &username(role)).await.unwrap();
    page.fill("#password", PASSWORD).await.unwrap();
    page.click_and_wait("button[type=submit]").await.unwrap();
    let url = page.url().await.unwrap();
    assert!(
        !url.contains("/sign-in"),
        "{} could not sign in: still at {url}",
        username(role)
    );
}

/// Opens `path` and checks it answered with a page of its own, not an error.
async fn open(page: &Page, app: &TestApp, path: &str) {
    page.goto(&app.url(path)).await.unwrap();
    let title = page.eval("document.title").await.unwrap();
    let title = title.as_str().unwrap_or("");
    assert!(
        !title.contains("Not found") && !title.contains("not allowed") && !title.is_empty(),
        "{path} did not open as expected: its title is {title:?}"
    );
}

/// Runs axe-core over the page and returns each violation in words, or none.
async fn axe_violations(page: &Page, axe_source: &str) -> Vec<String> {
    page.eval(axe_source).await.unwrap();
    let tags = serde_json::to_string(&WCAG_TAGS).unwrap();
    let found = page
        .eval(&format!(
            "axe.run(document, {{ runOnly: {{ type: 'tag', values: {tags} }} }}).then(r => \
             r.violations.map(v => `${{v.id}} (${{v.impact}}): ${{v.help}} at ${{v.nodes.slice(0, 5)\
             .map(n => n.target.join(' ')).join(', ')}}`))"
        ))
        .await
        .unwrap();
    match found {
        Value::Array(v) => v
            .into_iter()
            .map(|x| x.as_str().unwrap_or("?").to_string())
            .collect(),
        other => panic!("axe returned {other}"),
    }
}

#[tokio::test]
async fn the_main_pages_meet_wcag_2_2_aa_by_axe() {
    let Some(browser) = Browser::launch_from_env().await.unwrap() else {
        crate::support::not_tested(
            "the_main_pages_meet_wcag_2_2_aa_by_axe",
            "STEPWISE_TEST_CHROMIUM is not set",
        );
        return;
    };
    let Some(axe_path) = std::env::var_os("STEPWISE_TEST_AXE") else {
        crate::support::not_tested(
            "the_main_pages_meet_wcag_2_2_aa_by_axe",
            "STEPWISE_TEST_AXE (axe-core's axe.min.js) is not set",
        );
        return;
    };
    let axe_source = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| {
        panic!(
            "STEPWISE_TEST_AXE names {}, which cannot be read: {e}",
            PathBuf::from(&axe_path).display()
        )
    });
    let app = spawn_app().await;
    let page = browser.new_page().await.unwrap();
    page.set_viewport(1280, 900).await.unwrap();
    let mut problems = Vec::new();
    let mut signed_in = Some(Role::InformationGovernance);
    for (role, path, name) in pages(&app) {
        if role != signed_in {
            become_(&page, &app, role).await;
            signed_in = role;
        }
        open(&page, &app, &path).await;
        for v in axe_violations(&page, &axe_source).await {
            problems.push(format!("{name} ({path}): {v}"));
        }
    }
    // The same pages as a phone shows them (tables scroll within their own box there).
    page.set_mobile_viewport(390, 844).await.unwrap();
    for (role, path, name) in pages(&app) {
        if role != signed_in {
            become_(&page, &app, role).await;
            signed_in = role;
        }
        open(&page, &app, &path).await;
        for v in axe_violations(&page, &axe_source).await {
            problems.push(format!("{name} at 390px ({path}): {v}"));
        }
    }
    page.set_viewport(1280, 900).await.unwrap();
    // A form refused with its errors shown beside the fields is checked too.
    become_(&page, &app, Some(Role::SocialWorker)).await;
    open(&page, &app, &format!("/people/{}/notes/new", app.child)).await;
    page.fill("#subject", "").await.unwrap();
    page.click_and_wait("form.record-form button[type=submit]")
        .await
        .unwrap();
    assert!(page.exists(".error-summary").await.unwrap());
    for v in axe_violations(&page, &axe_source).await {
        problems.push(format!("case note form with errors: {v}"));
    }
    let _ = browser.close().await;
    assert!(
        problems.is_empty(),
        "axe found {} violation(s) of WCAG 2.2 AA:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Presses Tab until the focused element satisfies `test` (a JavaScript expression over `el`),
/// checking that each control focused on the way shows where the focus is.
async fn tab_to(page: &Page, test: &str, what: &str) {
    for _ in 0..60 {
        page.press_key("Tab").await.unwrap();
        let state = page
            .eval(&format!(
                "(() => {{ const el = document.activeElement; if (!el || el === document.body) \
                 return {{ found: false, shown: true }}; const s = getComputedStyle(el); \
                 const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) \
                 || s.boxShadow !== 'none'; \
                 return {{ found: !!({test}), shown, what: el.outerHTML.slice(0, 100) }}; }})()"
            ))
            .await
            .unwrap();
        assert_eq!(
            state["shown"],
            Value::Bool(true),
            "the focus is not visible on {}",
            state["what"]
        );
        if state["found"] == Value::Bool(true) {
            return;
        }
    }
    panic!("60 presses of Tab never reached {what}");
}

#[tokio::test]
async fn sign_in_search_and_open_a_record_with_the_keyboard_alone() {
    let Some(browser) = Browser::launch_from_env().await.unwrap() else {
        crate::support::not_tested(
            "sign_in_search_and_open_a_record_with_the_keyboard_alone",
            "STEPWISE_TEST_CHROMIUM is not set",
        );
        return;
    };
    let app = spawn_app().await;
    let page = browser.new_page().await.unwrap();
    page.set_viewport(1280, 900).await.unwrap();
    page.goto(&app.url("/sign-in")).await.unwrap();

    tab_to(&page, "el.id === 'username'", "the username field").await;
    page.type_text("social.worker").await.unwrap();
    page.press_key("Tab").await.unwrap();
    assert_eq!(
        page.eval("document.activeElement.id").await.unwrap(),
        json!("password"),
        "Tab from the username goes to the password"
    );
    page.type_text(PASSWORD).await.unwrap();
    page.press_enter_on_focus_and_wait().await.unwrap();
    assert_eq!(page.text("h1").await.unwrap(), "My work");

    tab_to(
        &page,
        "el.tagName === 'A' && el.pathname === '/people'",
        "the link to search",
    )
    .await;
    page.press_enter_on_focus_and_wait().await.unwrap();
    tab_to(&page, "el.id === 'q'", "the search box").await;
    let family = app.child_name.split(' ').next_back().unwrap_or("");
    page.type_text(family).await.unwrap();
    page.press_enter_on_focus_and_wait().await.unwrap();
    let href = format!("/people/{}", app.child);
    tab_to(
        &page,
        &format!("el.tagName === 'A' && el.getAttribute('href') === '{href}'"),
        "the child in the results",
    )
    .await;
    page.press_enter_on_focus_and_wait().await.unwrap();
    assert_eq!(page.text("h1").await.unwrap(), app.child_name);
    let _ = browser.close().await;
}

/// What sticks out past the window's edge, or makes the page scroll sideways; none when it fits.
const FITS_JS: &str = r#"(() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > W + 1)
    out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px of content in a ${W}px window`);
  const inScroller = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const hidden = el => {
    const s = getComputedStyle(el);
    return s.visibility === 'hidden' || s.clipPath.startsWith('inset(50%') || s.clip === 'rect(0px, 0px, 0px, 0px)';
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    // Wholly off the left edge is the visually hidden pattern (the skip link until focused).
    if (r.width === 0 || r.height === 0 || r.right <= 0 || hidden(el)) continue;
    if ((r.right > W + 1 || r.left < -1) && !inScroller(el))
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} spans ${Math.round(r.left)} to ${Math.round(r.right)}px`);
    if (out.length >= 15) break;
  }
  return out;
})()"#;

#[tokio::test]
async fn the_main_pages_fit_a_tablet_and_a_phone() {
    let Some(browser) = Browser::launch_from_env().await.unwrap() else {
        crate::support::not_tested(
            "the_main_pages_fit_a_tablet_and_a_phone",
            "STEPWISE_TEST_CHROMIUM is not set",
        );
        return;
    };
    let shots = std::env::var("STEPWISE_SCREENSHOT_DIR")
        .ok()
        .map(PathBuf::from);
    let app = spawn_app().await;
    let page = browser.new_page().await.unwrap();
    let mut problems = Vec::new();
    for width in [768, 390] {
        page.set_mobile_viewport(width, if width == 768 { 1024 } else { 844 })
            .await
            .unwrap();
        let mut signed_in = Some(Role::InformationGovernance);
        for (role, path, name) in pages(&app) {
            if role != signed_in {
                become_(&page, &app, role).await;
                signed_in = role;
            }
            open(&page, &app, &path).await;
            if let Value::Array(found) = page.eval(FITS_JS).await.unwrap() {
                for f in found {
                    problems.push(format!("{width}px, {name}: {}", f.as_str().unwrap_or("?")));
                }
            }
            if let Some(dir) = &shots {
                page.screenshot_png(&dir.join(format!("narrow-{width}-{name}.png")), true)
                    .await
                    .unwrap();
            }
        }
    }
    let _ = browser.close().await;
    assert!(
        problems.is_empty(),
        "{} thing(s) do not fit the screen:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
