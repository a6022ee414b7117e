//! The subject access request pack, as a printable page and as JSON: everything held about one
//! person, with third-party information marked for the reviewer to consider redacting. Both
//! forms are exports, audited with the request's reference.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use maud::{Markup, html};

use stepwise_store::SubjectAccessPack;

use super::record::person_id;
use super::{Page, fmt_date, fmt_opt_date, query_pairs};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

async fn pack(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    q: Option<&str>,
) -> Result<SubjectAccessPack, WebError> {
    let id = person_id(raw)?;
    let reference = query_pairs(q)
        .into_iter()
        .find(|(k, _)| k == "reference")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let actor = user.actor();
    Ok(state
        .store
        .governance()
        .subject_access_pack(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            id,
            &reference,
        )
        .await?)
}

/// Marks each third party's name where it appears in free text.
fn highlight(text: &str, names: &[String]) -> Markup {
    let lower = text.to_lowercase();
    // Non-overlapping matches, earliest and longest first.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for n in names {
        let n = n.to_lowercase();
        if n.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(i) = lower[from..].find(&n) {
            let start = from + i;
            let end = start + n.len();
            if spans.iter().all(|(a, b)| end <= *a || start >= *b) {
                spans.push((start, end));
            }
            from = end;
        }
    }
    spans.sort();
    // Lower-casing can change byte lengths outside ASCII; then no marks rather than wrong ones.
    if lower.len() != text.len() {
        return html! { (text) };
    }
    let mut pieces: Vec<(&str, bool)> = Vec::new();
    let mut last = 0;
    for (a, b) in spans {
        if a >= last && text.is_char_boundary(a) && text.is_char_boundary(b) {
            pieces.push((&text[last..a], false));
            pieces.push((&text[a..b], true));
            last = b;
        }
    }
    pieces.push((&text[last..], false));
    html! {
        @for (t, marked) in pieces {
            @if marked { mark class="redact" title="Third party: consider redacting" { (t) } } @else { (t) }
        }
    }
}

/// The request form again, with what to fix beside the field and what was typed kept, when
/// the reference is refused (checked for the permission first, and naming only the record's
/// local id, so it tells nothing about the record).
async fn reference_form(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    typed: &str,
    problem: &str,
) -> Result<Response, WebError> {
    let id = super::record::person_allowed(
        state,
        user,
        raw,
        stepwise_domain::access::Permission::ExportSubjectAccess,
    )
    .await?;
    let message = {
        let mut c = problem.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    let errors = vec![("reference".to_string(), message)];
    let body = html! {
        p class="caption" { a href=(format!("/people/{}/access-log", id.0)) { "Back to who has looked at " (stepwise_domain::ids::local_person_id(id)) } }
        h1 { "Prepare a subject access pack" }
        (super::error_summary(&errors))
        form method="get" action=(format!("/people/{}/subject-access", id.0)) novalidate {
            div class=(super::field_class(&errors, "reference")) {
                label for="reference" { "Request reference" }
                p class="hint" { "As the request was logged, for example SAR-2026-014" }
                (super::field_errors(&errors, "reference"))
                input type="text" id="reference" name="reference" value=(typed);
            }
            button type="submit" class="button" { "Prepare the pack" }
        }
    };
    let mut res = Page::new(
        "Error: Prepare a subject access pack",
        Some(user),
        &state.authority_name,
    )
    .active("people")
    .body(body)
    .into_response();
    *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(res)
}

/// The pack as a page to print or save.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let typed = query_pairs(q.as_deref())
        .into_iter()
        .find(|(k, _)| k == "reference")
        .map(|(_, v)| v)
        .unwrap_or_default();
    if let Err(e) = stepwise_store::check_sar_reference(&typed) {
        return reference_form(&state, &user, &raw, &typed, &e.to_string()).await;
    }
    let p = pack(&state, &user, &raw, q.as_deref()).await?;
    let name = p.person.display_name();
    let names: Vec<String> = p
        .chronology
        .iter()
        .flat_map(|e| e.names_found.clone())
        .collect();
    let to_review = p.chronology.iter().filter(|e| e.review).count();
    let body = html! {
        p class="caption" { "Subject access request " (p.reference) }
        h1 { "Information held about " (name) }
        p class="lead" {
            "Prepared by " (user.display_name) " (" (user.username) ") on " (stepwise_domain::localtime::show(p.prepared_at)) ". "
            mark class="redact" { "Marked text" } " is about someone else: consider redacting it before release. "
            @if p.third_parties.len() == 1 { "1 other person appears; " } @else { (p.third_parties.len()) " other people appear; " }
            (to_review) " entries have free text to read before release."
        }
        p class="no-print" {
            a href=(format!("/people/{}/subject-access.json?reference={}", p.person.id.0, super::encode_component(&p.reference))) { "Download the same information as JSON" }
        }
        h2 { "Identity" }
        dl class="summary-list" {
            dt { "Local id" } dd { (p.local_id) }
            dt { "Names" } dd { @for (i, n) in p.person.names.iter().enumerate() { @if i > 0 { "; " } (n.full()) @if i > 0 { " (former or other name)" } } }
            dt { "Date of birth" } dd { (fmt_opt_date(p.person.date_of_birth.or(p.person.expected_date_of_birth))) }
            dt { "Sex" } dd { (p.person.sex) }
            dt { "Ethnicity" } dd { (p.person.ethnicity.description()) " (" (p.person.ethnicity) ")" }
            dt { "NHS number" } dd { (p.person.nhs_number.as_ref().map(|n| n.formatted()).unwrap_or_else(|| "–".into())) }
            dt { "UPN" } dd { (p.person.upn.as_ref().map(|u| u.as_str().to_string()).unwrap_or_else(|| "–".into())) }
            dt { "Disabilities" } dd { @if p.person.disabilities.is_empty() { "None recorded" } @else { (p.person.disabilities.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")) } }
        }
        h2 { "Addresses" }
        @if p.addresses_withheld > 0 {
            div class="notice notice-warning" role="note" { p { (p.addresses_withheld) " address(es) not shown: shared with a restricted record. Ask information governance before release." } }
        }
        @if p.addresses.is_empty() { p { "No address is recorded." } } @else {
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    thead { tr { th scope="col" { "Address" } th scope="col" { "From" } th scope="col" { "To" } } }
                    tbody { @for a in &p.addresses { tr { td { (a.line1) ", " (a.town) ", " (a.postcode) } td { (fmt_date(a.from)) } td { (fmt_opt_date(a.to)) } } } }
                }
            }
        }
        h2 { "Family and household (third parties)" }
        @if p.third_parties.is_empty() { p { "No one else is recorded." } } @else {
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    thead { tr { th scope="col" { "Person" } th scope="col" { "Connection" } th scope="col" { "From" } th scope="col" { "To" } } }
                    tbody { @for t in &p.third_parties { tr { td { mark class="redact" { (t.name) } } td { (t.connection) } td { (fmt_opt_date(t.from)) } td { (fmt_opt_date(t.to)) } } } }
                }
            }
        }
        h2 { "Chronology (" (p.chronology.len()) " entries)" }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                thead { tr { th scope="col" { "Date" } th scope="col" { "What" } th scope="col" { "Recorded by" } th scope="col" { "Review" } } }
                tbody {
                    @for e in &p.chronology {
                        tr {
                            td { (fmt_date(e.entry.effective)) }
                            td { (e.entry.summary) @if let Some(t) = &e.entry.text { br; span class="entry-text" { (highlight(t, &names)) } } }
                            td { (e.entry.recorded_by) br; span class="muted" { (stepwise_domain::localtime::show_as(e.entry.recorded_at, "%d/%m/%Y %H:%M")) } }
                            td { @if !e.names_found.is_empty() { span class="tag tag-red" { "Names a third party" } } @else if e.review { span class="tag" { "Read before release" } } }
                        }
                    }
                }
            }
        }
        h2 { "Who has looked at the record" }
        p class="muted" { "Staff acting in their role; usually released." }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } } }
                tbody { @for a in &p.access_log { tr { td { (super::access::when(&a.at)) } td { (a.actor) } td { (a.action.describe()) } } } }
            }
        }
    };
    Ok(Page::new(
        &format!("Subject access request {}", p.reference),
        Some(&user),
        &state.authority_name,
    )
    .active("people")
    .body(body)
    .into_response())
}

/// The pack as JSON, to download.
pub async fn json(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let p = pack(&state, &user, &raw, q.as_deref()).await?;
    let file = format!(
        "attachment; filename=\"subject-access-{}-{}.json\"",
        p.local_id,
        p.reference
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
    );
    let mut res = Json(crate::api_json::SubjectAccessPack::from(p)).into_response();
    if let Ok(v) = file.parse() {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
