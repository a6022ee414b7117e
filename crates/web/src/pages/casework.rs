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
        .journeys()
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

/// What a recording form is: the permission it needs, how its sight is audited, its title.
struct Spec {
    permission: Permission,
    audit_as: &'static str,
    title: &'static str,
}

const NOTE: Spec = Spec {
    permission: Permission::RecordCaseNotes,
    audit_as: "case note",
    title: "Write a case note",
};
const VISIT: Spec = Spec {
    permission: Permission::RecordVisits,
    audit_as: "visit",
    title: "Record a visit",
};
const WITHDRAWAL: Spec = Spec {
    permission: Permission::RecordCorrections,
    audit_as: "withdrawal",
    title: "Withdraw an entry",
};

/// Shows a recording form: the record opened for it (checked and audited), then the form.
async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    spec: &Spec,
    entry: Option<EventSeq>,
    render: impl FnOnce(&RecordingHeader) -> Markup,
) -> Result<Response, WebError> {
    let h = header(state, user, id, spec.permission, spec.audit_as, entry).await?;
    Ok(page(state, user, spec.title, render(&h), false))
}

/// Answers a sent recording form: when it was read without errors, records the command and
/// goes to the entry (`done` gives where); otherwise, or when recording refuses it, shows the
/// form again with every problem beside its field and what was typed kept.
#[allow(clippy::too_many_arguments)]
async fn answer<C: stepwise_domain::commands::Command>(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    spec: &Spec,
    entry: Option<EventSeq>,
    mut errors: Vec<(String, String)>,
    cmd: Option<C>,
    done: impl FnOnce(EventSeq) -> String,
    render: impl FnOnce(&RecordingHeader, &[(String, String)]) -> Markup,
) -> Result<Response, WebError> {
    if let (Some(cmd), true) = (cmd, errors.is_empty()) {
        match record_command(state, user, id, cmd).await {
            Ok(e) => return Ok(see_other(&done(e.seq))),
            Err(r) => errors = refusal_fields(r)?,
        }
    }
    let h = header(state, user, id, spec.permission, spec.audit_as, entry).await?;
    Ok(page(state, user, spec.title, render(&h, &errors), true))
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
    let f = NoteForm {
        effective: typed_date(state.today()),
        ..Default::default()
    };
    show(&state, &user, person_id(&raw)?, &NOTE, None, |h| {
        note_body(&user, h, &f, &[])
    })
    .await
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
    let cmd = form_date(&f.effective, &mut errors).map(|effective| RecordCaseNote {
        effective,
        subject: f.subject.clone(),
        text: f.text.clone(),
    });
    let done = |seq| entry_url(id, "note", seq);
    answer(&state, &user, id, &NOTE, None, errors, cmd, done, |h, e| {
        note_body(&user, h, &f, e)
    })
    .await
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

/// The visit form, with today's date and the likely kind of visit filled in.
pub async fn visit_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let today = typed_date(state.today());
    show(&state, &user, person_id(&raw)?, &VISIT, None, |h| {
        let f = VisitForm {
            effective: today,
            purpose: purpose_value(likely_purpose(&h.state)).to_string(),
            seen_alone: None,
        };
        visit_body(&user, h, &f, &[])
    })
    .await
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
    let cmd = effective
        .zip(purpose)
        .map(|(effective, purpose)| RecordVisit {
            effective,
            purpose,
            seen_alone: f.seen_alone.is_some(),
        });
    let done = |seq| entry_url(id, "visit", seq);
    answer(
        &state,
        &user,
        id,
        &VISIT,
        None,
        errors,
        cmd,
        done,
        |h, e| visit_body(&user, h, &f, e),
    )
    .await
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
                p class="muted" { "Recorded by " (e.recorded_by) " on " (stepwise_domain::localtime::show_as(e.recorded_at, "%d/%m/%Y %H:%M")) }
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
    let seq = entry_seq(&seq)?;
    show(
        &state,
        &user,
        person_id(&raw)?,
        &WITHDRAWAL,
        Some(seq),
        |h| withdraw_body(&user, h, seq, &WithdrawForm::default(), &[]),
    )
    .await
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
    let cmd = Some(WithdrawEntry {
        event: seq,
        reason: f.reason.clone(),
    });
    let done = |w: EventSeq| format!("/people/{}?all=1#event-{}", id.0, w.0);
    answer(
        &state,
        &user,
        id,
        &WITHDRAWAL,
        Some(seq),
        Vec::new(),
        cmd,
        done,
        |h, e| withdraw_body(&user, h, seq, &f, e),
    )
    .await
}
