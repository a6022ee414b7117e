//! Server-rendered pages. Each page is a function from data to HTML (maud escapes every value);
//! the layout gives every page the same header, navigation by permission, a skip link and a
//! main landmark. Pages work without JavaScript and carry no scripts at all.

pub mod access;
pub mod account;
pub mod analysis;
pub mod casework;
pub mod consent;
pub mod drafts;
pub mod front_door;
pub mod front_door_dashboard;
pub mod matching;
pub mod mywork;
pub mod paging;
pub mod public_contact;
pub mod record;
pub mod retention;
pub mod search;
pub mod second_factor;
pub mod setup;
pub mod signin;
pub mod subject_access;
pub mod teams;
pub mod threshold;

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use stepwise_domain::access::Permission;
use stepwise_domain::projection::Involvement;

use crate::auth::CurrentUser;
use crate::routes::see_other;
use crate::{AppState, WebError};

const STYLESHEET: &str = include_str!("../../assets/stepwise.css");

/// The stylesheet.
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

/// A liveness check for load balancers: answers when the database does.
pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.organisation().authority().await {
        Ok(_) => ([(header::CONTENT_TYPE, "text/plain")], "ok").into_response(),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        )
            .into_response(),
    }
}

/// The home page sends people where their role starts.
pub async fn home(Extension(user): Extension<CurrentUser>) -> Response {
    if user.holds(Permission::ViewMyWork) {
        see_other("/my-work")
    } else if user.holds(Permission::SearchPeople) {
        see_other("/people")
    } else if user.holds(Permission::ViewPseudonymised) {
        see_other("/analysis")
    } else if user.holds(Permission::ViewTeams) {
        see_other("/teams")
    } else if user.holds(Permission::ViewShared) {
        see_other("/shared")
    } else {
        Page::new("Welcome", Some(&user), "")
            .body(html! {
                h1 { "Welcome, " (user.display_name) }
                p class="lead" { "Your role (" (user.role.label()) ") has no pages in this release. Ask your system administrator if you need access." }
            })
            .into_response()
    }
}

/// A page under construction: title, user, authority and content.
pub struct Page<'a> {
    title: String,
    user: Option<&'a CurrentUser>,
    authority: String,
    content: Markup,
    active: &'static str,
}

impl<'a> Page<'a> {
    /// A page with a title, for a user (or nobody), in an authority.
    pub fn new(title: &str, user: Option<&'a CurrentUser>, authority: &str) -> Self {
        Self {
            title: title.to_string(),
            user,
            authority: authority.to_string(),
            content: html! {},
            active: "",
        }
    }
    /// Which navigation item is current.
    pub fn active(mut self, nav: &'static str) -> Self {
        self.active = nav;
        self
    }
    /// The page's main content.
    pub fn body(mut self, content: Markup) -> Self {
        self.content = content;
        self
    }
    /// The whole HTML document.
    pub fn render(self) -> Markup {
        let nav: Vec<(&str, &str, &str)> = match self.user {
            Some(u) => {
                let mut v = Vec::new();
                if u.holds(Permission::ViewMyWork) {
                    v.push(("my-work", "/my-work", "My work"));
                }
                if u.holds(Permission::RecordFrontDoor) {
                    v.push(("front-door", "/front-door", "Front door"));
                }
                if u.holds(Permission::SearchPeople) {
                    v.push(("people", "/people", "Find a person"));
                }
                if u.holds(Permission::ViewTeams) {
                    v.push(("teams", "/teams", "Teams"));
                }
                if u.holds(Permission::ViewShared) {
                    v.push(("shared", "/shared", "Shared with us"));
                }
                // The levels of need are what the front door decides by, what partners refer
                // against, and what practitioners step children up and down by.
                if u.holds(Permission::RecordFrontDoor)
                    || u.holds(Permission::ViewShared)
                    || u.holds(Permission::ViewMyWork)
                {
                    v.push(("threshold", "/threshold", "Levels of need"));
                }
                if u.holds(Permission::ViewPseudonymised) {
                    v.push(("analysis", "/analysis", "Analysis"));
                }
                if u.holds(Permission::GrantAccess) {
                    v.push(("grants", "/grants", "Grants"));
                }
                if u.holds(Permission::ManageRestrictions) {
                    v.push(("restricted", "/restricted-openings", "Restricted"));
                }
                if u.holds(Permission::ReviewRetention) {
                    v.push(("retention", "/retention", "Retention"));
                }
                if u.holds(Permission::ViewRoles) {
                    v.push(("users", "/users", "Users"));
                }
                v
            }
            None => Vec::new(),
        };
        html! {
            (DOCTYPE)
            html lang="en-GB" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " – Stepwise" }
                    link rel="stylesheet" href="/assets/stepwise.css";
                }
                body {
                    a class="skip-link" href="#main" { "Skip to main content" }
                    header class="site-header" {
                        div class="wrap header-row" {
                            a class="brand" href="/" {
                                span class="brand-mark" aria-hidden="true" { "S" }
                                span { "Stepwise" }
                                @if !self.authority.is_empty() { span class="brand-authority" { (self.authority) } }
                            }
                            @if let Some(u) = self.user {
                                nav aria-label="Main" {
                                    ul class="nav" {
                                        @for (key, href, label) in &nav {
                                            li { a href=(href) aria-current=[(*key == self.active).then_some("page")] { (label) } }
                                        }
                                    }
                                }
                                div class="account" {
                                    a class="who" href="/account" aria-current=[(self.active == "account").then_some("page")] { (u.display_name) span class="role" { (u.role.label()) } }
                                    form method="post" action="/sign-out" class="inline" {
                                        input type="hidden" name="csrf" value=(u.csrf_token);
                                        button type="submit" class="link-button" { "Sign out" }
                                    }
                                }
                            }
                        }
                    }
                    main id="main" class="wrap" tabindex="-1" {
                        @if let Some(u) = self.user {
                            @if !u.viewer.grants.is_empty() {
                                div class="notice" role="note" {
                                    p {
                                        "You have temporary access to "
                                        @for (i, g) in u.viewer.grants.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            a href=(format!("/people/{}", g.child.0)) { (stepwise_domain::ids::local_person_id(g.child)) }
                                            " until " (stepwise_domain::localtime::show(g.until))
                                        }
                                        ". Every view is recorded."
                                    }
                                }
                            }
                        }
                        (self.content)
                    }
                    footer class="site-footer" {
                        div class="wrap" {
                            "Stepwise · synthetic data only in this demonstration · every view of a record is logged"
                        }
                    }
                }
            }
        }
    }
}

impl IntoResponse for Page<'_> {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            self.render().into_string(),
        )
            .into_response()
    }
}

/// The error page.
pub fn error_page(e: &WebError, reference: &str) -> Response {
    let title = match e {
        WebError::NotFound(_) => "Page not found",
        WebError::Forbidden | WebError::Denied(_) => "You do not have access",
        WebError::ReasonNeeded(_) => "This record is restricted",
        WebError::Unauthenticated => "Sign in to continue",
        WebError::Csrf => "The form has expired",
        WebError::BadRequest(_) | WebError::Invalid(_) => "There is a problem",
        WebError::Conflict(_) => "This does not fit the record",
        WebError::Busy => "Stepwise is busy",
        WebError::Internal(_) => "Sorry, there is a problem with the service",
    };
    let body = html! {
        h1 { (title) }
        p class="lead" { (e.public_message()) }
        @if matches!(e, WebError::Forbidden | WebError::Denied(_)) {
            p { "If you need this for your work, ask your manager or the information governance team. This attempt has been recorded." }
        }
        @if matches!(e, WebError::Unauthenticated) {
            p { a href="/sign-in" { "Sign in" } }
        }
        p class="muted" { "Reference: " code { (reference) } }
        p { a href="/" { "Go to the start page" } }
    };
    match crate::routes::current_page_user() {
        Some((user, authority)) => Page::new(title, Some(&user), &authority)
            .body(body)
            .into_response(),
        None => Page::new(title, None, "").body(body).into_response(),
    }
}

/// A date as people read it: 27 Mar 2015.
pub fn fmt_date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// An optional date, or an em dash.
pub fn fmt_opt_date(d: Option<NaiveDate>) -> String {
    d.map(fmt_date).unwrap_or_else(|| "–".to_string())
}

/// The CSS class of an involvement's badge.
pub fn badge_class(i: Involvement) -> &'static str {
    match i {
        Involvement::EarlyHelp => "badge badge-eh",
        Involvement::ChildInNeed => "badge badge-cin",
        Involvement::ChildProtection => "badge badge-cp",
        Involvement::LookedAfter => "badge badge-lac",
        Involvement::CareLeaver => "badge badge-cl",
        Involvement::FrontDoor => "badge badge-fd",
        _ => "badge",
    }
}

/// Badges for what is open, in plain words.
pub fn badges(open: &[Involvement]) -> Markup {
    html! {
        @for i in open { span class=(badge_class(*i)) { (i.label()) } " " }
    }
}

/// Percent-encodes a URL component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a URL component (also turning + into a space, as forms send it).
pub fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The pairs of a query string, decoded, in order (repeated keys kept).
pub fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    q.unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(kv), String::new()),
        })
        .collect()
}

/// The class of a form field's wrapper: marked when the field has an error.
pub fn field_class(errors: &[(String, String)], name: &str) -> &'static str {
    if errors.iter().any(|e| e.0 == name) {
        "field field-error"
    } else {
        "field"
    }
}

/// A form field's error messages, shown above its input.
pub fn field_errors(errors: &[(String, String)], name: &str) -> Markup {
    html! { @for e in errors.iter().filter(|e| e.0 == name) { p class="error-message" { (e.1) } } }
}

/// A GOV.UK-style error summary linking each message to its field.
pub fn error_summary(errors: &[(String, String)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for (field, message) in errors {
                        li { a href=(format!("#{field}")) { (message) } }
                    }
                }
            }
        }
    }
}

/// Non-breaking text, for numbers next to units.
pub fn nbsp() -> PreEscaped<&'static str> {
    PreEscaped("&nbsp;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_components_round_trip() {
        for s in ["/people?q=amira hussain&x=1", "ü/%+", ""] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(decode_component("a+b%2"), "a b%2");
        assert_eq!(
            query_pairs(Some("category=visit&category=note&q=")),
            vec![
                ("category".to_string(), "visit".to_string()),
                ("category".to_string(), "note".to_string()),
                ("q".to_string(), String::new())
            ]
        );
    }
}

/// Where to go after signing in (or after any page that follows a `next`): `next` itself when
/// it is a path on this site, otherwise the home page. Only a plain local path is accepted: it
/// starts with one `/` (not `//` or `/\`, which browsers read as another host), holds no
/// backslash, control character or whitespace (browsers drop tabs and newlines, turning
/// `/\t/evil.example` into `//evil.example`) either as written or percent-decoded, and, parsed
/// as a browser would relative to this site, stays on this site with the same path.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n))
        .map(str::to_string)
        .unwrap_or_else(|| "/".to_string())
}

fn is_local_path(next: &str) -> bool {
    let hostile = |s: &str| {
        s.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    // Spaces in the query (a search, "+" or "%20") are harmless there and kept; in the path
    // they are not.
    let (path, query) = match next.find(['?', '#']) {
        Some(i) => next.split_at(i),
        None => (next, ""),
    };
    let decoded_path = decode_component(path);
    let decoded_query = decode_component(query);
    let b = next.as_bytes();
    if next.is_empty()
        || next.len() > 2048
        || b[0] != b'/'
        || b.get(1).is_some_and(|c| *c == b'/' || *c == b'\\')
        || hostile(next)
        || hostile(&decoded_path)
        || decoded_query.chars().any(|c| c.is_control() || c == '\\')
        || decoded_path.starts_with("//")
        || next.contains("://")
    {
        return false;
    }
    // Parse it as the browser will, against a stand-in for this site: the host must not change.
    let Ok(base) = url::Url::parse("http://stepwise.invalid/") else {
        return false;
    };
    match base.join(next) {
        Ok(u) => {
            u.scheme() == "http"
                && u.host_str() == Some("stepwise.invalid")
                && u.port().is_none()
                && u.username().is_empty()
                && u.password().is_none()
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod next_tests {
    use super::safe_next;

    /// Finding 6 of issue 6: every one of these sent the browser to another site (or could).
    pub(crate) const HOSTILE: &[&str] = &[
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%5Cevil.example",
        "/%5cevil.example",
        "/\t/evil.example",
        "/%09/evil.example",
        "/\r\n/evil.example",
        "/%0d%0a/evil.example",
        "/%0a/evil.example",
        "/%2F/evil.example",
        "/%2f%2fevil.example",
        "/ /evil.example",
        "/%20/evil.example",
        "https://evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
        "/people/1\\..\\..\\evil",
        "/\u{0}",
        "/%00",
        "/people?q=%0d%0aSet-Cookie:x",
        "/people?q=%5C",
    ];

    #[test]
    fn only_local_paths_are_followed() {
        for ok in [
            "/",
            "/people/1",
            "/people?q=smith&page=2",
            "/people?q=jo%20smith",
            "/drafts/abc#x",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in HOSTILE {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

/// Says plainly that a list shows only its latest `cap` entries, when it has reached that many,
/// and how to see the rest; nothing when the list is whole.
pub fn cap_notice(shown: usize, cap: usize, what: &str, how: &str) -> maud::Markup {
    maud::html! {
        @if shown >= cap {
            p class="notice" role="status" {
                "Showing the latest " (paging::fmt_count(cap)) " " (what) ", not all of them. " (how)
            }
        }
    }
}

#[cfg(test)]
mod cap_notice_tests {
    use super::cap_notice;

    #[test]
    fn a_list_at_its_cap_says_so_and_a_whole_list_says_nothing() {
        let full = cap_notice(1000, 1000, "entries", "Narrow the dates.").into_string();
        assert!(full.contains("Showing the latest 1,000 entries, not all of them."));
        assert!(full.contains("Narrow the dates."));
        assert_eq!(
            cap_notice(999, 1000, "entries", "Narrow the dates.").into_string(),
            ""
        );
    }
}
