//! The recording forms on a child's record: a case note, a visit, and withdrawing an entry
//! made in error. Each reads its form into a domain command and records it through
//! `casework::record_command`; the API does the same from JSON (`casework_api`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::{Markup, html};

use stepwise_domain::access::Permission;
use stepwise_domain::commands::{RecordCaseNote, RecordVisit, WithdrawEntry};
use stepwise_domain::events::{VisitPurpose, visit_purpose_label};
use stepwise_domain::ids::{EventSeq, PersonId, parse_date};
use stepwise_domain::projection::ChildState;
use stepwise_store::RecordingHeader;

use super::record::person_id;
use super::{Page, error_summary, field_class, field_errors, fmt_date};
use crate::auth::CurrentUser;
use crate::casework::{Refusal, record_command};
use crate::routes::{current_request_id, see_other};
use crate::{AppState, WebError};

/// Every purpose a visit can have, in the order the form lists them.
pub const VISIT_PURPOSES: [VisitPurpose; 6] = [
    VisitPurpose::EarlyHelp,
    VisitPurpose::Assessment,
    VisitPurpose::ChildInNeed,
    VisitPurpose::ChildProtection,
    VisitPurpose::LookedAfter,
    VisitPurpose::CareLeaver,
];

/// The name of a visit purpose in forms and the API.
pub fn purpose_value(p: VisitPurpose) -> &'static str {
    match p {
        VisitPurpose::EarlyHelp => "early_help",
        VisitPurpose::Assessment => "assessment",
        VisitPurpose::ChildInNeed => "child_in_need",
        VisitPurpose::ChildProtection => "child_protection",
        VisitPurpose::LookedAfter => "looked_after",
        VisitPurpose::CareLeaver => "care_leaver",
    }
}

/// The purpose a visit most likely has, from what is open for the child.
fn likely_purpose(s: &ChildState) -> VisitPurpose {
    if s.care_leaver.is_some() {
        VisitPurpose::CareLeaver
    } else if s.looked_after.is_some() {
        VisitPurpose::LookedAfter
    } else if s.cp_plan.is_some() {
        VisitPurpose::ChildProtection
    } else if s.cin_plan.is_some() {
        VisitPurpose::ChildInNeed
    } else if s.referral.is_some() {
        VisitPurpose::Assessment
    } else {
        VisitPurpose::EarlyHelp
    }
}

/// Opens the record for a form: checked and audited like any sight of the record.
async fn header(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    permission: Permission,
    form: &str,
    entry: Option<EventSeq>,
) -> Result<RecordingHeader, WebError> {
    let actor = user.actor();
    Ok(state
        .store
        .open_for_recording(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            id,
            permission,
            form,
            entry,
        )
        .await?)
}

fn page(state: &AppState, user: &CurrentUser, title: &str, body: Markup, bad: bool) -> Response {
    let title = if bad {
        format!("Error: {title}")
    } else {
        title.to_string()
    };
    let mut res = Page::new(&title, Some(user), &state.authority_name)
        .active("people")
        .body(body)
        .into_response();
    if bad {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    res
}

fn heading(h: &RecordingHeader, what: &str) -> Markup {
    html! {
        p class="caption" { a href=(format!("/people/{}", h.child.0)) { "Back to the record" } }
        p class="caption" { (h.name) " · " (h.local_id) }
        h1 { (what) }
    }
}

fn date_field(errors: &[(String, String)], value: &str) -> Markup {
    html! {
        div class=(field_class(errors, "effective")) {
            label for="effective" { "Date" }
            p class="hint" { "The day it happened, for example 27/11/2026" }
            (field_errors(errors, "effective"))
            input type="text" id="effective" name="effective" value=(value) class="input-date" inputmode="numeric";
        }
    }
}

/// A date as a form field holds it (and as people type it): 27/11/2026.
fn typed_date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Reads the date typed into a form, or the field error.
fn form_date(text: &str, errors: &mut Vec<(String, String)>) -> Option<chrono::NaiveDate> {
    if text.trim().is_empty() {
        errors.push(("effective".into(), "Enter the date".into()));
        return None;
    }
    match parse_date("effective", text) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push((
                "effective".into(),
                "The date must be a real date, for example 27/11/2026".into(),
            ));
            None
        }
    }
}

/// Where a recorded entry is shown: the record with its family of entries listed.
fn entry_url(child: PersonId, family: &str, seq: EventSeq) -> String {
    format!("/people/{}?category={family}#event-{}", child.0, seq.0)
}

fn refusal_fields(r: Refusal) -> Result<Vec<(String, String)>, WebError> {
    match r {
        Refusal::Fields(f) => Ok(f),
        // A journey rule is shown on the form, as a problem with what was asked.
        Refusal::Web(WebError::Conflict(m)) => Ok(vec![("record".to_string(), capitalise(&m))]),
        Refusal::Web(e) => Err(e),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ----- Case notes -----

/// The case note form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub text: String,
}

fn note_body(
    user: &CurrentUser,
    h: &RecordingHeader,
    f: &NoteForm,
    errors: &[(String, String)],
) -> Markup {
    html! {
        (heading(h, "Write a case note"))
        (error_summary(errors))
        (field_errors(errors, "record"))
        form method="post" action=(format!("/people/{}/notes", h.child.0)) novalidate class="record-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            (date_field(errors, &f.effective))
            div class=(field_class(errors, "subject")) {
                label for="subject" { "Subject" }
                (field_errors(errors, "subject"))
                input type="text" id="subject" name="subject" value=(f.subject) maxlength="200";
            }
            div class=(field_class(errors, "text")) {
                label for="text" { "Note" }
                p class="hint" { "What happened, who was there, what was said and what happens next" }
                (field_errors(errors, "text"))
                textarea id="text" name="text" rows="12" { (f.text) }
            }
            button type="submit" class="button" { "Save the note" }
        }
    }
}

/// The case note form.
pub async fn note_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let h = header(
        &state,
        &user,
        id,
        Permission::RecordCaseNotes,
        "case note",
        None,
    )
    .await?;
    let f = NoteForm {
        effective: typed_date(state.today()),
        ..Default::default()
    };
    Ok(page(
        &state,
        &user,
        "Write a case note",
        note_body(&user, &h, &f, &[]),
        false,
    ))
}

/// Records a case note, or shows the form again with what to fix.
pub async fn note_submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    Form(f): Form<NoteForm>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let mut errors = Vec::new();
    let effective = form_date(&f.effective, &mut errors);
    if let Some(effective) = effective.filter(|_| errors.is_empty()) {
        let cmd = RecordCaseNote {
            effective,
            subject: f.subject.clone(),
            text: f.text.clone(),
        };
        match record_command(&state, &user, id, cmd).await {
            Ok(e) => return Ok(see_other(&entry_url(id, "note", e.seq))),
            Err(r) => errors = refusal_fields(r)?,
        }
    }
    let h = header(
        &state,
        &user,
        id,
        Permission::RecordCaseNotes,
        "case note",
        None,
    )
    .await?;
    Ok(page(
        &state,
        &user,
        "Write a case note",
        note_body(&user, &h, &f, &errors),
        true,
    ))
}

// ----- Visits -----

/// The visit form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub seen_alone: Option<String>,
}

fn visit_body(
    user: &CurrentUser,
    h: &RecordingHeader,
    f: &VisitForm,
    errors: &[(String, String)],
) -> Markup {
    html! {
        (heading(h, "Record a visit"))
        (error_summary(errors))
        (field_errors(errors, "record"))
        form method="post" action=(format!("/people/{}/visits", h.child.0)) novalidate class="record-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            (date_field(errors, &f.effective))
            div class=(field_class(errors, "purpose")) {
                label for="purpose" { "Kind of visit" }
                p class="hint" { "Statutory visiting frequencies differ by kind" }
                (field_errors(errors, "purpose"))
                select id="purpose" name="purpose" {
                    @for p in VISIT_PURPOSES {
                        option value=(purpose_value(p)) selected[f.purpose == purpose_value(p)] { (visit_purpose_label(p)) }
                    }
                }
            }
            div class="field" {
                label class="checkbox" {
                    input type="checkbox" id="seen_alone" name="seen_alone" value="1" checked[f.seen_alone.is_some()];
                    " The child was seen alone"
                }
            }
            button type="submit" class="button" { "Record the visit" }
        }
    }
}

/// The visit form.
pub async fn visit_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let h = header(&state, &user, id, Permission::RecordVisits, "visit", None).await?;
    let f = VisitForm {
        effective: typed_date(state.today()),
        purpose: purpose_value(likely_purpose(&h.state)).to_string(),
        seen_alone: None,
    };
    Ok(page(
        &state,
        &user,
        "Record a visit",
        visit_body(&user, &h, &f, &[]),
        false,
    ))
}

/// Records a visit, or shows the form again with what to fix.
pub async fn visit_submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    Form(f): Form<VisitForm>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let mut errors = Vec::new();
    let effective = form_date(&f.effective, &mut errors);
    let purpose = VISIT_PURPOSES
        .into_iter()
        .find(|p| purpose_value(*p) == f.purpose);
    if purpose.is_none() {
        errors.push(("purpose".into(), "Choose the kind of visit".into()));
    }
    if let (Some(effective), Some(purpose), true) = (effective, purpose, errors.is_empty()) {
        let cmd = RecordVisit {
            effective,
            purpose,
            seen_alone: f.seen_alone.is_some(),
        };
        match record_command(&state, &user, id, cmd).await {
            Ok(e) => return Ok(see_other(&entry_url(id, "visit", e.seq))),
            Err(r) => errors = refusal_fields(r)?,
        }
    }
    let h = header(&state, &user, id, Permission::RecordVisits, "visit", None).await?;
    Ok(page(
        &state,
        &user,
        "Record a visit",
        visit_body(&user, &h, &f, &errors),
        true,
    ))
}

// ----- Withdrawing an entry -----

/// The withdrawal form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    pub reason: String,
}

fn withdraw_body(
    user: &CurrentUser,
    h: &RecordingHeader,
    seq: EventSeq,
    f: &WithdrawForm,
    errors: &[(String, String)],
) -> Markup {
    html! {
        (heading(h, &format!("Withdraw entry {seq}")))
        (error_summary(errors))
        (field_errors(errors, "record"))
        (field_errors(errors, "event"))
        @if let Some(e) = &h.entry {
            div class="entry-to-withdraw" {
                p { strong { (fmt_date(e.effective)) } " · " (e.category.label()) }
                p { (e.summary) }
                @if let Some(t) = &e.text { p class="entry-text" { (t) } }
                p class="muted" { "Recorded by " (e.recorded_by) " on " (e.recorded_at) }
            }
            @if let Some(by) = e.corrected_by {
                p { "This entry has already been corrected by " a href=(format!("/people/{}#event-{by}", h.child.0)) { "entry " (by) } ". Withdraw or correct that entry instead." }
            } @else if e.kind == "withdrawn" {
                p { "This entry is itself a withdrawal, and cannot be withdrawn. Record the entry again instead." }
            } @else {
                p { "The entry stays in the record, marked as withdrawn, with your reason; it no longer counts towards the child's journey. If a later entry depends on it, the withdrawal is refused and that entry named." }
                form method="post" action=(format!("/people/{}/events/{}/withdraw", h.child.0, seq.0)) novalidate class="record-form" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    div class=(field_class(errors, "reason")) {
                        label for="reason" { "Why is it being withdrawn?" }
                        p class="hint" { "For example: recorded on the wrong child's record" }
                        (field_errors(errors, "reason"))
                        textarea id="reason" name="reason" rows="3" { (f.reason) }
                    }
                    button type="submit" class="button button-warning" { "Withdraw the entry" }
                }
            }
        }
    }
}

fn entry_seq(raw: &str) -> Result<EventSeq, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(EventSeq)
        .ok_or_else(|| WebError::NotFound(format!("Entry {raw:?}")))
}

/// The form that withdraws an entry.
pub async fn withdraw_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((raw, seq)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let seq = entry_seq(&seq)?;
    let h = header(
        &state,
        &user,
        id,
        Permission::RecordCorrections,
        "withdrawal",
        Some(seq),
    )
    .await?;
    let body = withdraw_body(&user, &h, seq, &WithdrawForm::default(), &[]);
    Ok(page(&state, &user, "Withdraw an entry", body, false))
}

/// Withdraws an entry, or shows the form again with what to fix.
pub async fn withdraw_submit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((raw, seq)): Path<(String, String)>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let seq = entry_seq(&seq)?;
    let cmd = WithdrawEntry {
        event: seq,
        reason: f.reason.clone(),
    };
    let errors = match record_command(&state, &user, id, cmd).await {
        Ok(e) => {
            return Ok(see_other(&format!(
                "/people/{}?all=1#event-{}",
                id.0, e.seq.0
            )));
        }
        Err(r) => refusal_fields(r)?,
    };
    let h = header(
        &state,
        &user,
        id,
        Permission::RecordCorrections,
        "withdrawal",
        Some(seq),
    )
    .await?;
    let body = withdraw_body(&user, &h, seq, &f, &errors);
    Ok(page(&state, &user, "Withdraw an entry", body, true))
}
