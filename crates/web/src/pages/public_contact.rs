//! The public's way in: "Worried about a child?" (`/contact-us`), a short form anyone can send
//! without signing in. It shows the public nothing about any person: the children are described,
//! not looked up, and the answer says only that the concern has reached the front door, which
//! matches the people to the record as it does a partner's contact.
//!
//! Guarded against abuse three ways: the form carries the anti-forgery token of its own cookie
//! (as the sign-in form does); a field people never see, which automated senders fill, makes the
//! sending look accepted but writes nothing; and each source may send a few a hour (and everyone
//! together a few hundred), after which the page gives the front door's number instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};

use stepwise_domain::access::Viewer;
use stepwise_domain::contact::{Channel, ConsentInput, ContactInput, PersonInput, Referrer};
use stepwise_store::{Actor, Reader, Refused};

use super::{Page, error_summary, field_class, field_errors};
use crate::auth::{CurrentUser, SIGNIN_CSRF_COOKIE, cookie, random_token, set_cookie};
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// How many contacts one source may send in an hour.
pub const PER_SOURCE_PER_HOUR: usize = 5;
/// How many the public form takes in an hour from everyone together.
pub const ALL_PER_HOUR: usize = 300;

/// Recent public contacts by source, for the rate limit (kept in memory: a second server would
/// keep its own).
#[derive(Clone, Default)]
pub struct PublicLimiter(Arc<Mutex<HashMap<String, Vec<DateTime<Utc>>>>>);

impl PublicLimiter {
    /// Counts a contact from `source` at `now`, or says no when the source, or everyone, has
    /// sent their hour's share.
    pub fn allow(&self, source: &str, now: DateTime<Utc>) -> bool {
        let Ok(mut m) = self.0.lock() else {
            return false;
        };
        let since = now - Duration::hours(1);
        m.retain(|_, v| {
            v.retain(|t| *t > since);
            !v.is_empty()
        });
        let all: usize = m.values().map(Vec::len).sum();
        let mine = m.get(source).map_or(0, Vec::len);
        if mine >= PER_SOURCE_PER_HOUR || all >= ALL_PER_HOUR {
            return false;
        }
        m.entry(source.to_string()).or_default().push(now);
        true
    }
}

type Pairs = Vec<(String, String)>;

fn get<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// How the person sending knows the child, and the CIN census source it is.
const RELATIONSHIPS: [(&str, &str, &str); 4] = [
    ("family", "I am family, or I look after the child", "1A"),
    ("acquaintance", "A neighbour, friend or childminder", "1B"),
    ("self", "I am the child or young person", "1C"),
    ("other", "Someone else", "1D"),
];

/// The public form.
pub async fn show(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    headers: header::HeaderMap,
) -> Response {
    let csrf = form_token(user.as_ref().map(|u| &u.0), &headers);
    page(&state, &csrf, &Vec::new(), &[], StatusCode::OK)
}

/// The anti-forgery token the form carries: a signed-in person's session's (the check asks for
/// it when someone is signed in), or the form's own cookie's.
fn form_token(user: Option<&CurrentUser>, headers: &header::HeaderMap) -> String {
    match user {
        Some(u) => u.csrf_token.clone(),
        None => cookie(headers, SIGNIN_CSRF_COOKIE).unwrap_or_else(random_token),
    }
}

/// A public contact: the thanks page, the form again naming each problem, or the front door's
/// number when the source has sent too many.
pub async fn submit(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    headers: header::HeaderMap,
    connection: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let csrf = form_token(user.as_ref().map(|u| &u.0), &headers);
    // Filled in only by something that fills in every field it finds: thank it, keep nothing.
    if !get(&pairs, "website").trim().is_empty() {
        return Ok(thanks(&state));
    }
    let input = contact_input(&pairs);
    let contact = match input.check(state.now()) {
        Ok(c) => c,
        Err(i) => {
            let errors: Vec<(String, String)> =
                i.0.into_iter().map(|e| (e.field, e.message)).collect();
            return Ok(page(
                &state,
                &csrf,
                &pairs,
                &errors,
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    // Only what would be written counts against the allowance.
    let source = crate::auth::request_source(connection.map(|c| c.0.0));
    if !state.public_limiter.allow(&source, state.now()) {
        let body = html! {
            h1 { "We could not take your report online just now" }
            p class="lead" { "Too many reports have been sent from here in the last hour. Please telephone the front door instead, or if a child is in immediate danger, call 999." }
        };
        let mut r = Page::new("Worried about a child?", None, &state.authority_name)
            .body(body)
            .into_response();
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(r);
    }
    let viewer = Viewer::default();
    let reader = Reader {
        actor: &Actor::Anonymous,
        viewer: &viewer,
        policy: &state.config.policy,
    };
    match state
        .store
        .front_door()
        .receive(
            &reader,
            &current_request_id(),
            contact,
            Channel::Public,
            &state.config.screening,
            &state.calendar,
        )
        .await
    {
        Ok(_) => Ok(thanks(&state)),
        Err(Refused::Fields(f)) => {
            let errors: Vec<(String, String)> =
                f.into_iter().map(|e| (e.field, e.message)).collect();
            Ok(page(
                &state,
                &csrf,
                &pairs,
                &errors,
                StatusCode::BAD_REQUEST,
            ))
        }
        Err(Refused::Candidates(_)) => Err(WebError::Internal(
            "a public contact was matched to the record".into(),
        )),
        Err(Refused::Store(e)) => Err(e.into()),
    }
}

/// The form's fields as the contact the front door receives.
fn contact_input(pairs: &Pairs) -> ContactInput {
    let opt = |k: &str| {
        let v = get(pairs, k).trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    let name = get(pairs, "name").trim().to_string();
    let phone = get(pairs, "phone").trim().to_string();
    let email = get(pairs, "email").trim().to_string();
    let relationship = RELATIONSHIPS
        .iter()
        .find(|r| r.0 == get(pairs, "relationship"));
    // Nobody to call back: anonymous, whatever the relationship.
    let anonymous = name.is_empty() && phone.is_empty() && email.is_empty();
    let source = if anonymous {
        "9"
    } else {
        relationship.map_or("1D", |r| r.2)
    };
    let child = |i: usize| -> Option<PersonInput> {
        let f = |k: &str| opt(&format!("children[{i}].{k}"));
        let p = PersonInput {
            person_id: None,
            given_name: f("given_name"),
            family_name: f("family_name"),
            date_of_birth: f("date_of_birth"),
            sex: None,
            nhs_number: None,
            postcode: f("postcode"),
            address: f("address"),
        };
        let any = [
            &p.given_name,
            &p.family_name,
            &p.date_of_birth,
            &p.postcode,
            &p.address,
        ]
        .iter()
        .any(|v| v.is_some());
        (i == 0 || any).then_some(p)
    };
    ContactInput {
        received_at: None,
        source: Some(source.to_string()),
        referrer: Referrer {
            name: if anonymous {
                "Anonymous".into()
            } else if name.is_empty() {
                "Not given".into()
            } else {
                name
            },
            agency: "Member of the public".into(),
            role: relationship.map(|r| r.1.to_string()).unwrap_or_default(),
            phone,
            email,
        },
        concerns: opt("concerns"),
        consent: ConsentInput {
            status: Some("not_sought".into()),
            basis: Some(
                "A member of the public told the front door of a concern; the front door considers consent when it screens the contact".into(),
            ),
        },
        urgency: None,
        children: (0..2).filter_map(child).collect(),
        adults: Vec::new(),
        create_new: false,
    }
}

fn thanks(state: &AppState) -> Response {
    let body = html! {
        h1 { "Thank you" }
        p class="lead" { "Your concern has reached the front door. Someone will look at it today, and within one working day at the latest." }
        p { "If you gave a telephone number or email address, the front door may contact you to ask more. If a child is in immediate danger, call 999." }
        p { a href="/contact-us" { "Tell us about another child" } }
    };
    Page::new("Thank you", None, &state.authority_name)
        .body(body)
        .into_response()
}

fn page(
    state: &AppState,
    csrf: &str,
    pairs: &Pairs,
    errors: &[(String, String)],
    status: StatusCode,
) -> Response {
    let value = |k: &str| get(pairs, k).to_string();
    let text = |name: &str, label: &str, hint: Option<&str>, autocomplete: &str| -> Markup {
        html! {
            div class=(field_class(errors, name)) {
                label for=(name) { (label) }
                @if let Some(h) = hint { p class="hint" { (h) } }
                (field_errors(errors, name))
                input type="text" id=(name) name=(name) value=(value(name)) autocomplete=(autocomplete);
            }
        }
    };
    let body = html! {
        (error_summary(errors))
        h1 { "Worried about a child?" }
        p class="lead" { "Tell " (state.authority_name) "'s front door. If a child is in immediate danger, call 999 now." }
        p { "You do not need to be sure. Tell us what you have seen or heard; we will decide what help is needed. You can stay anonymous, but we cannot tell you what happened or ask you more if you do." }
        form method="post" action="/contact-us" novalidate class="record-form" {
            input type="hidden" name="csrf" value=(csrf);
            div class="visually-hidden" aria-hidden="true" {
                label for="website" { "Leave this empty" }
                input type="text" id="website" name="website" tabindex="-1" autocomplete="off";
            }
            h2 { "The child" }
            @for i in 0..2 {
                fieldset class="filters" {
                    legend { @if i == 0 { "The child you are worried about" } @else { "Another child (if any)" } }
                    div class="filter-row" {
                        (text(&format!("children[{i}].given_name"), "First name", None, "off"))
                        (text(&format!("children[{i}].family_name"), "Last name", None, "off"))
                        div class=(field_class(errors, &format!("children[{i}].date_of_birth"))) {
                            label for=(format!("children[{i}].date_of_birth")) { "Date of birth, if you know it" }
                            (field_errors(errors, &format!("children[{i}].date_of_birth")))
                            input type="date" id=(format!("children[{i}].date_of_birth")) name=(format!("children[{i}].date_of_birth")) value=(value(&format!("children[{i}].date_of_birth")));
                        }
                    }
                    div class="filter-row" {
                        (text(&format!("children[{i}].address"), "Where they live", None, "off"))
                        (text(&format!("children[{i}].postcode"), "Postcode", None, "off"))
                    }
                }
            }
            h2 { "What worries you" }
            div class=(field_class(errors, "concerns")) {
                label for="concerns" { "What have you seen or heard, and when?" }
                (field_errors(errors, "concerns"))
                textarea id="concerns" name="concerns" rows="8" { (value("concerns")) }
            }
            h2 { "You" }
            p class="hint" { "Optional. Leave these empty to stay anonymous." }
            div class="filter-row" {
                (text("name", "Your name", None, "name"))
                (text("phone", "Telephone", None, "tel"))
                (text("email", "Email", None, "email"))
            }
            (field_errors(errors, "referrer.phone"))
            (field_errors(errors, "referrer.email"))
            div class="field" {
                label for="relationship" { "How do you know the child?" }
                select id="relationship" name="relationship" {
                    @for (v, l, _) in RELATIONSHIPS { option value=(v) selected[value("relationship") == v] { (l) } }
                }
            }
            button type="submit" class="button" { "Send to the front door" }
        }
    };
    let mut r = Page::new("Worried about a child?", None, &state.authority_name)
        .body(body)
        .into_response();
    *r.status_mut() = status;
    if let Ok(v) = set_cookie(SIGNIN_CSRF_COOKIE, csrf, 1800, &state.config).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_gets_a_few_an_hour() {
        let l = PublicLimiter::default();
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for _ in 0..PER_SOURCE_PER_HOUR {
            assert!(l.allow("192.0.2.1", now));
        }
        assert!(!l.allow("192.0.2.1", now));
        assert!(l.allow("192.0.2.2", now), "another source is not held up");
        assert!(
            l.allow("192.0.2.1", now + Duration::minutes(61)),
            "an hour later"
        );
    }

    #[test]
    fn no_way_back_to_the_sender_is_anonymous() {
        let pairs: Pairs = vec![
            ("children[0].given_name".into(), "Ava".into()),
            ("relationship".into(), "family".into()),
            ("concerns".into(), "Shouting every night".into()),
        ];
        let c = contact_input(&pairs);
        assert_eq!(c.source.as_deref(), Some("9"));
        assert_eq!(c.children.len(), 1);
        let mut pairs = pairs;
        pairs.push(("phone".into(), "07700 900123".into()));
        assert_eq!(contact_input(&pairs).source.as_deref(), Some("1A"));
    }
}
