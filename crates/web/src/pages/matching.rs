//! "Is this person already known?": the front door's check before anyone new is created. The
//! details a referrer gave are typed into a form, sent in the body (so they never reach an access
//! log in an address), and the people who might be them are listed best first with the reasons
//! each matched. The same check as `POST /api/v1/people/matches`, audited the same way.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;

use stepwise_store::PersonCandidate;

use super::{Page, badges, error_summary, field_class, fmt_opt_date};
use crate::auth::CurrentUser;
use crate::matching_api::{MatchInput, incoming, run};
use crate::{AppState, WebError};

/// The form's fields (all text, as typed).
#[derive(Debug, Default, Deserialize)]
pub struct MatchForm {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub date_of_birth: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub nhs_number: String,
    #[serde(default)]
    pub upn: String,
    #[serde(default)]
    pub postcode: String,
}

impl MatchForm {
    fn input(&self) -> MatchInput {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        MatchInput {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: opt(&self.date_of_birth),
            sex: opt(&self.sex),
            nhs_number: opt(&self.nhs_number),
            upn: opt(&self.upn),
            local_id: None,
            postcode: opt(&self.postcode),
        }
    }
}

/// The empty form.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    Ok(page(&state, &user, &MatchForm::default(), &[], None))
}

/// The check: the form again, with every problem beside its field, or with the candidates.
pub async fn check(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(f): Form<MatchForm>,
) -> Result<Response, WebError> {
    match incoming(&f.input(), state.today()) {
        Err(WebError::Invalid(errors)) => {
            let mut res = page(&state, &user, &f, &errors, None);
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
        Err(e) => Err(e),
        Ok(wanted) => {
            let found = run(&state, &user, &wanted, "page").await?;
            Ok(page(&state, &user, &f, &[], Some(&found)))
        }
    }
}

/// Plain words for a field's machine name, for the error summary.
fn label(field: &str) -> &'static str {
    match field {
        "given_name" => "Given name",
        "family_name" => "Family name",
        "date_of_birth" => "Date of birth",
        "sex" => "Sex",
        "nhs_number" => "NHS number",
        "upn" => "Unique pupil number",
        _ => "Postcode",
    }
}

fn page(
    state: &AppState,
    user: &CurrentUser,
    f: &MatchForm,
    errors: &[(String, String)],
    found: Option<&[PersonCandidate]>,
) -> Response {
    let errors: Vec<(String, String)> = errors
        .iter()
        .map(|(field, m)| (field.clone(), format!("{}: {m}", label(field))))
        .collect();
    let errors = &errors[..];
    let messages = |name: &str| -> Vec<String> {
        errors
            .iter()
            .filter(|e| e.0 == name)
            .map(|e| e.1.clone())
            .collect()
    };
    let text = |name: &'static str,
                label: &'static str,
                value: &str,
                hint: Option<&str>,
                autocomplete: &'static str|
     -> Markup {
        html! {
            div class=(field_class(errors, name)) {
                label for=(name) { (label) }
                @if let Some(h) = hint { p class="hint" id=(format!("{name}-hint")) { (h) } }
                @for e in messages(name) { p class="error-message" { (e) } }
                input type="text" id=(name) name=(name) value=(value) autocomplete=(autocomplete)
                    aria-describedby=[hint.map(|_| format!("{name}-hint"))];
            }
        }
    };
    let body = html! {
        (error_summary(errors))
        h1 { "Is this person already known?" }
        p class="lead" { "Before anyone new is created, check who on the record might be the person a referrer has named. Give what you have: a name and date of birth find most people; an NHS number or UPN settles it." }
        form method="post" action="/people/match" novalidate {
            input type="hidden" name="csrf" value=(user.csrf_token);
            (text("given_name", "Given name", &f.given_name, None, "off"))
            (text("family_name", "Family name", &f.family_name, None, "off"))
            div class=(field_class(errors, "date_of_birth")) {
                label for="date_of_birth" { "Date of birth" }
                @for e in messages("date_of_birth") { p class="error-message" { (e) } }
                input type="date" id="date_of_birth" name="date_of_birth" value=(f.date_of_birth);
            }
            div class=(field_class(errors, "sex")) {
                label for="sex" { "Sex" }
                @for e in messages("sex") { p class="error-message" { (e) } }
                select id="sex" name="sex" {
                    @for (v, l) in [("", "Not known"), ("F", "Female"), ("M", "Male"), ("U", "Not stated")] {
                        option value=(v) selected[f.sex == v] { (l) }
                    }
                }
            }
            (text("nhs_number", "NHS number", &f.nhs_number, Some("10 digits"), "off"))
            (text("upn", "Unique pupil number", &f.upn, None, "off"))
            (text("postcode", "Postcode", &f.postcode, None, "off"))
            button type="submit" class="button" { "Check" }
        }
        @if let Some(found) = found {
            h2 id="candidates" { @if found.is_empty() { "Nobody on the record is like this person" } @else { "Who this might be, most likely first" } }
            @if found.is_empty() {
                p { "No one matched the details given. Check the spelling and the date of birth with the referrer before creating a new record." }
            } @else {
                p { (found.len()) " " @if found.len() == 1 { "person" } @else { "people" } " shown. Open a record to compare it before deciding; a restricted record shows only its name until you open it, giving your reason." }
                div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                    table class="table" {
                        caption class="visually-hidden" { "People who might be the person named, most likely first" }
                        thead { tr {
                            th scope="col" { "Person" } th scope="col" { "How likely" } th scope="col" { "Why" }
                            th scope="col" { "Date of birth" } th scope="col" { "Postcode" } th scope="col" { "Open" }
                        } }
                        tbody {
                            @for c in found {
                                tr {
                                    td { a href=(format!("/people/{}", c.found.person_id.0)) { (c.name) } br; span class="muted" { (c.local_id) } }
                                    td { (match c.found.strength.as_str() { "certain" => "Certain", "likely" => "Likely", _ => "Possible" }) " (" (c.found.score) ")" }
                                    td {
                                        @if c.restriction.is_some() {
                                            span class="muted" { "Restricted record: open it to compare" }
                                        } @else {
                                            ul class="plain-list" { @for r in &c.found.reasons { li { (r.describe()) } } }
                                        }
                                    }
                                    td { (fmt_opt_date(c.date_of_birth)) }
                                    td { (c.postcode.as_deref().unwrap_or("–")) }
                                    td { (badges(&c.open)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Page::new(
        "Is this person already known?",
        Some(user),
        &state.authority_name,
    )
    .active("people")
    .body(body)
    .into_response()
}
