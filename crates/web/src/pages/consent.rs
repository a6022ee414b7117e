//! Consent to share: on a person's record, the consents recorded for them (agency, basis, who
//! gave it, until when) with a form to record one and a button to withdraw one; and, for
//! partner professionals, the people who consented to share with their agency, each with a
//! short summary only.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::access::{AGENCIES, Permission, SHARING_BASES};
use stepwise_domain::ids::{PersonId, parse_date};
use stepwise_store::Consent;

use super::record::{person_allowed, person_id};
use super::{Page, badges, error_summary, field_class, field_errors, fmt_date, fmt_opt_date};
use crate::auth::CurrentUser;
use crate::routes::{current_request_id, see_other};
use crate::{AppState, WebError};

fn label<'a>(list: &'a [(&'a str, &'a str)], k: &'a str) -> &'a str {
    list.iter()
        .find(|(a, _)| *a == k)
        .map(|(_, l)| *l)
        .unwrap_or(k)
}

/// The consent section of a record page.
pub fn section(
    user: &CurrentUser,
    id: PersonId,
    consents: &[Consent],
    values: &ConsentForm,
    errors: &[(String, String)],
) -> Markup {
    html! {
        section class="family" aria-labelledby="consent" {
            h2 id="consent" { "Consent to share" }
            (error_summary(errors))
            @if consents.is_empty() { p { "No consent to share with partner agencies is recorded." } } @else {
                ul class="family-list" {
                    @for c in consents {
                        li {
                            strong { (label(&AGENCIES, &c.agency)) }
                            @if c.active { " " span class="tag tag-green tag-small" { "In force" } } @else if c.withdrawn_at.is_some() { " " span class="tag tag-small" { "Withdrawn" } } @else { " " span class="tag tag-small" { "Ended" } }
                            br; span class="muted" { (label(&SHARING_BASES, &c.basis)) "; given by " (c.given_by) "; until " (fmt_date(c.expires_on)) }
                            @if c.active && user.holds(Permission::RecordConsent) {
                                form method="post" action=(format!("/people/{}/consent/{}/withdraw", id.0, c.id)) class="inline" {
                                    input type="hidden" name="csrf" value=(user.csrf_token);
                                    " " button type="submit" class="button button-secondary" { "Withdraw" }
                                }
                            }
                        }
                    }
                }
            }
            @if user.holds(Permission::RecordConsent) {
                form method="post" action=(format!("/people/{}/consent", id.0)) novalidate {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    div class=(field_class(errors, "agency")) { label for="agency" { "Share with" } (field_errors(errors, "agency"))
                        select id="agency" name="agency" { @for (k, l) in AGENCIES { option value=(k) selected[values.agency == k] { (l) } } } }
                    div class=(field_class(errors, "basis")) { label for="basis" { "Basis" } (field_errors(errors, "basis"))
                        select id="basis" name="basis" { @for (k, l) in SHARING_BASES { option value=(k) selected[values.basis == k] { (l) } } } }
                    div class=(field_class(errors, "given_by")) { label for="given_by" { "Given by" } p class="hint" { "Who consented (for example: mother, with parental responsibility), or why none was needed" } (field_errors(errors, "given_by"))
                        input type="text" id="given_by" name="given_by" value=(values.given_by); }
                    div class=(field_class(errors, "until")) { label for="until" { "Until" } p class="hint" { "For example, 31/08/2027; at most two years" } (field_errors(errors, "until"))
                        input type="text" id="until" name="until" value=(values.until) class="input-date" inputmode="numeric"; }
                    button type="submit" class="button button-secondary" { "Record consent" }
                }
            }
        }
    }
}

/// The consent form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub given_by: String,
    #[serde(default)]
    pub until: String,
}

/// Records a consent, or shows the form again with what to fix.
pub async fn record(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    Form(f): Form<ConsentForm>,
) -> Result<Response, WebError> {
    let id = person_allowed(&state, &user, &raw, Permission::RecordConsent).await?;
    let actor = user.actor();
    let rid = current_request_id();
    let today = state.today();
    let until = parse_date("until", f.until.trim()).ok();
    let result = match until {
        None => Err((
            "until".to_string(),
            "Enter the date the consent ends, for example 31/08/2027".to_string(),
        )),
        Some(u) => state
            .store
            .governance()
            .record_consent(&actor, &rid, id, &f.agency, &f.basis, &f.given_by, u, today)
            .await
            .map_err(|e| {
                let m = e.to_string();
                let field = if m.contains("agency") {
                    "agency"
                } else if m.contains("basis") {
                    "basis"
                } else if m.contains("who gave") {
                    "given_by"
                } else {
                    "until"
                };
                (field.to_string(), m[..1].to_uppercase() + &m[1..])
            }),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/people/{}#consent", id.0))),
        Err(err) => {
            let consents = state.store.governance().consents(id, today).await?;
            // The form shown again lists the person's consents: a read of their record.
            state
                .store
                .audit_log()
                .record(
                    &actor,
                    AuditAction::RecordView,
                    &AuditSubject::Person(id),
                    &rid,
                    "consent form shown again",
                )
                .await?;
            let body = html! {
                p class="caption" { a href=(format!("/people/{}", id.0)) { "Back to the record" } }
                (section(&user, id, &consents, &f, &[err]))
            };
            let mut res = Page::new(
                "Error: Consent to share",
                Some(&user),
                &state.authority_name,
            )
            .active("people")
            .body(body)
            .into_response();
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
    }
}

/// Withdraws a consent.
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((raw, cid)): Path<(String, String)>,
) -> Result<Response, WebError> {
    // A missing person and a sealed record are answered alike, before the consent is looked at.
    let id = person_allowed(&state, &user, &raw, Permission::RecordConsent).await?;
    let cid = cid
        .parse::<i64>()
        .map_err(|_| WebError::NotFound(format!("Consent {cid:?}")))?;
    let actor = user.actor();
    let rid = current_request_id();
    state
        .store
        .governance()
        .withdraw_consent(&actor, &rid, id, cid)
        .await?;
    Ok(see_other(&format!("/people/{}#consent", id.0)))
}

/// For partner professionals: the people who consented to share with their agency.
pub async fn shared_index(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Result<Response, WebError> {
    let just_sent = super::query_pairs(q.as_deref())
        .into_iter()
        .find(|(k, _)| k == "sent")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let sent = if user.holds(stepwise_domain::access::Permission::SubmitContacts) {
        Some(super::front_door::sent_section(&state, &user, just_sent).await?)
    } else {
        None
    };
    let agency = state.store.governance().user_agency(user.id).await?;
    let rows = match &agency {
        Some(a) => {
            state
                .store
                .governance()
                .shared_with(a, state.today())
                .await?
        }
        None => Vec::new(),
    };
    state
        .store
        .people()
        .audit_list(
            &user.actor(),
            &current_request_id(),
            "shared with us",
            &rows.iter().map(|r| r.person_id.0).collect::<Vec<_>>(),
        )
        .await?;
    let body = html! {
        h1 { "Shared with your agency" }
        @match &agency {
            None => p class="lead" { "Your account is not linked to an agency, so nothing is shared with it. Ask your system administrator." },
            Some(a) => p class="lead" { "Children and families who have agreed to share with " (label(&AGENCIES, a)) ", while that agreement lasts. You see what is open and who to contact, nothing more." },
        }
        @if agency.is_some() && rows.is_empty() { p { "Nothing is shared with your agency at the moment." } }
        @if !rows.is_empty() {
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    thead { tr { th scope="col" { "Person" } th scope="col" { "Born" } th scope="col" { "Open" } th scope="col" { "Shared until" } } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { a href=(format!("/shared/{}", r.person_id)) { (r.name) } }
                                td { (fmt_opt_date(r.date_of_birth)) }
                                td { @if r.open.is_empty() { span class="muted" { "Nothing open" } } @else { (badges(&r.open)) } }
                                td { (fmt_date(r.consent_until)) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(s) = sent { (s) }
    };
    Ok(Page::new(
        "Shared with your agency",
        Some(&user),
        &state.authority_name,
    )
    .active("shared")
    .body(body)
    .into_response())
}

/// For partner professionals: one person's shared summary.
pub async fn shared_show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let Some(agency) = state.store.governance().user_agency(user.id).await? else {
        return Err(WebError::NotFound(format!("Person {raw:?}")));
    };
    let s = state
        .store
        .governance()
        .shared_summary(
            &user.actor(),
            &current_request_id(),
            &agency,
            id,
            state.today(),
        )
        .await?;
    let body = html! {
        p class="caption" { a href="/shared" { "Shared with your agency" } }
        h1 { (s.name) }
        dl class="summary-list" {
            dt { "Born" } dd { (fmt_opt_date(s.date_of_birth)) }
            dt { "Open" } dd { @if s.open.is_empty() { "Nothing open" } @else { (badges(&s.open)) } }
            dt { "Who to contact" } dd { (s.worker.clone().unwrap_or_else(|| "The front door".into())) @if let Some(t) = &s.team { br; span class="muted" { (t) } } }
            dt { "Shared until" } dd { (fmt_date(s.consent_until)) }
            dt { "Basis" } dd { (label(&SHARING_BASES, &s.basis)) }
        }
    };
    Ok(Page::new(&s.name, Some(&user), &state.authority_name)
        .active("shared")
        .body(body)
        .into_response())
}
