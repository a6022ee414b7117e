//! A person's record: who this is and what is happening at a glance, what is due, the family
//! and household with who else is open, and the chronology with filters. Opening it is audited
//! by the store before anything is shown.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};

use stepwise_domain::access::{Decision, Permission};
use stepwise_domain::events::EventCategory;
use stepwise_domain::ids::{PersonId, parse_date, parse_local_person_id};
use stepwise_domain::people::{NameKind, PersonKind};
use stepwise_store::{ChildRecord, ChronologyFilter};

use super::{Page, badges, error_summary, fmt_date, query_pairs};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// Reads a person key from the path: the number or the local id (P0001234).
pub fn person_id(raw: &str) -> Result<PersonId, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(PersonId)
        .or_else(|| parse_local_person_id(raw))
        .ok_or_else(|| WebError::NotFound(format!("Person {raw:?}")))
}

/// Reads a person's key from the path and checks that the user may use `permission` on their
/// record (the refusal is audited by the store); "not found" for anyone who does not exist.
pub async fn person_allowed(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    permission: Permission,
) -> Result<PersonId, WebError> {
    let id = person_id(raw)?;
    if !state.store.people().person_exists(id).await? {
        return Err(WebError::NotFound(format!(
            "Person {}",
            stepwise_domain::ids::local_person_id(id)
        )));
    }
    let actor = user.actor();
    state
        .store
        .people()
        .check_record_access(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            id,
            permission,
        )
        .await?;
    Ok(id)
}

/// The chronology filter read from the query string, with any errors by field.
pub fn chronology_filter(
    q: Option<&str>,
) -> (ChronologyFilter, Vec<(String, String)>, (String, String)) {
    let pairs = query_pairs(q);
    let mut f = ChronologyFilter {
        significant_only: true,
        limit: 500,
        ..Default::default()
    };
    let mut errors = Vec::new();
    let mut from_text = String::new();
    let mut to_text = String::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "category" => match EventCategory::parse(v) {
                Some(c) => {
                    if !f.categories.contains(&c) {
                        f.categories.push(c)
                    }
                }
                None => errors.push((
                    "category".to_string(),
                    format!("{v:?} is not a kind of event"),
                )),
            },
            "all" if v == "1" => f.significant_only = false,
            "from" if !v.trim().is_empty() => {
                from_text = v.clone();
                match parse_date("from", v) {
                    Ok(d) => f.from = Some(d),
                    Err(_) => errors.push((
                        "from".to_string(),
                        "The from date must be a real date, for example 01/04/2024".to_string(),
                    )),
                }
            }
            "to" if !v.trim().is_empty() => {
                to_text = v.clone();
                match parse_date("to", v) {
                    Ok(d) => f.to = Some(d),
                    Err(_) => errors.push((
                        "to".to_string(),
                        "The to date must be a real date, for example 31/03/2025".to_string(),
                    )),
                }
            }
            _ => {}
        }
    }
    if let (Some(a), Some(b)) = (f.from, f.to)
        && a > b
    {
        errors.push((
            "to".to_string(),
            "The to date must be the same as or after the from date".to_string(),
        ));
    }
    // Asking for visits or notes by name shows them even without "all".
    if f.categories
        .iter()
        .any(|c| matches!(c, EventCategory::Visit | EventCategory::Note))
    {
        f.significant_only = false;
    }
    (f, errors, (from_text, to_text))
}

/// The record page.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let (mut filter, errors, dates) = chronology_filter(q.as_deref());
    if !errors.is_empty() {
        filter = ChronologyFilter {
            significant_only: true,
            limit: 500,
            ..Default::default()
        };
    }
    let today = state.today();
    let actor = user.actor();
    let opened = state
        .store
        .people()
        .open_child_record(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            id,
            &filter,
            today,
            &state.calendar,
            "page",
        )
        .await;
    let rec = match opened {
        Err(stepwise_store::StoreError::ReasonNeeded(_)) => {
            return Ok(reason_form(&state, &user, id, "", &[]));
        }
        other => other?,
    };
    let title = rec.person.display_name();
    // What the user may record here (decided without auditing; recording is checked again).
    let may = |f| crate::casework::may_record(&state, &user, id, f);
    let note = may(EventCategory::Note).await?;
    let visit = may(EventCategory::Visit).await?;
    let correct = may(EventCategory::Correction).await?;
    let record = render(&rec, &filter, &errors, &dates, today, correct);
    let consents = state.store.governance().consents(id, today).await?;
    let body = html! {
        @if user.holds(Permission::ViewRecordAccessLog) {
            p class="record-tools" { a href=(format!("/people/{}/access-log", id.0)) { "Who has looked at this record" } }
        }
        @if user.holds(Permission::ViewChildRecord) || !user.viewer.grants.is_empty() {
            p class="record-tools no-print" { a href=(format!("/people/{}/print", id.0)) { "Print the whole record" } }
        }
        @if note || visit {
            nav class="record-actions no-print" aria-label="Record work" {
                @if note { a class="button button-secondary" href=(format!("/people/{}/notes/new", id.0)) { "Write a case note" } }
                @if visit { a class="button button-secondary" href=(format!("/people/{}/visits/new", id.0)) { "Record a visit" } }
            }
        }
        (record)
        (super::consent::section(&user, id, &consents, &super::consent::ConsentForm::default(), &[]))
    };
    let mut res = Page::new(&title, Some(&user), &state.authority_name)
        .active("people")
        .body(body)
        .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

fn age_text(dob: Option<NaiveDate>, today: NaiveDate) -> String {
    match dob {
        Some(d) if d > today => "unborn".to_string(),
        Some(d) => {
            let a = stepwise_domain::people::age_on(d, today);
            if a == 0 {
                let months = (today.signed_duration_since(d).num_days() / 30).max(0);
                format!("{months} months")
            } else {
                format!("age {a}")
            }
        }
        None => "age not known".to_string(),
    }
}

/// The page body (also used by the benchmark).
pub fn render(
    rec: &ChildRecord,
    filter: &ChronologyFilter,
    errors: &[(String, String)],
    dates: &(String, String),
    today: NaiveDate,
    correct: bool,
) -> Markup {
    let p = &rec.person;
    let s = &rec.state;
    let open = s.involvements();
    let other_names: Vec<String> = p
        .names
        .iter()
        .filter(|n| n.kind != NameKind::Current)
        .map(|n| {
            format!(
                "{} ({})",
                n.full(),
                if n.kind == NameKind::Former {
                    "former"
                } else {
                    "alias"
                }
            )
        })
        .collect();
    let overdue: Vec<_> = rec.due.iter().filter(|d| d.overdue_on(today)).collect();
    let upcoming: Vec<_> = rec.due.iter().filter(|d| !d.overdue_on(today)).collect();
    html! {
        (error_summary(errors))
        div class="record-header" {
            div class="record-identity" {
                p class="caption" { (match p.kind { PersonKind::Child => "Child", PersonKind::Adult => "Adult", PersonKind::Unborn => "Unborn child" }) " · " (rec.local_id) }
                h1 { (p.display_name()) }
                p class="identity-line" {
                    @if let Some(d) = p.date_of_birth { "Born " (fmt_date(d)) " (" (age_text(Some(d), today)) ")" }
                    @else if let Some(d) = p.expected_date_of_birth { "Expected " (fmt_date(d)) }
                    " · " (match p.sex.as_str() { "F" => "Female", "M" => "Male", _ => "Sex not recorded" })
                    " · " (p.ethnicity.description())
                }
                dl class="identifiers" {
                    div { dt { "NHS number" } dd { (p.nhs_number.as_ref().map(|n| n.formatted()).unwrap_or_else(|| "Not recorded".into())) } }
                    div { dt { "UPN" } dd {
                        @if let Some(u) = &p.upn { (u.as_str()) }
                        @else if let Some(r) = &p.upn_unknown { "Unknown: " (r.description()) }
                        @else { "Not recorded" }
                    } }
                    @if let Some(f) = &p.former_upn { div { dt { "Former UPN" } dd { (f.as_str()) } } }
                    @if let Some(pc) = &rec.postcode { div { dt { (if s.looked_after.is_some() { "Home address" } else { "Lives at" }) } dd { (rec.address.clone().unwrap_or_default()) ", " (pc) } } }
                    @if rec.address_withheld { div { dt { "Address" } dd { span class="muted" { "Not shown: shared with a restricted record" } } } }
                }
                @if !other_names.is_empty() { p class="muted" { "Also known as: " (other_names.join("; ")) } }
                @if !p.disabilities.is_empty() && p.disabilities != ["NONE"] {
                    p class="muted" { "Disability: " (p.disabilities.iter().map(|d| d.description().to_string()).collect::<Vec<_>>().join(", ")) }
                }
                @if p.uasc { p { span class="tag tag-purple" { "Unaccompanied asylum-seeking child" @if let Some(d) = p.uasc_ceased { " until " (fmt_date(d)) } } } }
            }
            div class="record-status" {
                div class="badges" {
                    @if let Some(r) = &rec.restriction { span class="badge badge-restricted" { (r.kind.label()) } " " }
                    @if open.is_empty() { span class="badge badge-closed" { "Nothing open" } } @else { (badges(&open)) }
                    @if s.looked_after.as_ref().is_some_and(|l| l.missing) { span class="badge badge-cp" { "Missing now" } }
                }
                dl class="summary-list" {
                    div { dt { "Level of need" } dd { (s.level_of_need.as_ref().map_or("–", |l| l.as_str())) } }
                    div { dt { "Allocated to" } dd {
                        @if let Some(w) = &rec.allocated_worker { (w.name) br; span class="muted" { (w.role.label()) } }
                        @else if s.is_open() { span class="tag tag-red" { "Unallocated" } }
                        @else { "–" }
                    } }
                    div { dt { "Team" } dd {
                        @if let Some(t) = &rec.allocated_team { a href=(format!("/teams/{}", t.id)) { (t.name) } } @else { "–" }
                    } }
                    @if s.cp_plan.is_some() || s.looked_after.is_some() {
                        div { dt { "Reviewing officer" } dd {
                            @if let Some(w) = &rec.reviewing_officer { (w.name) } @else { span class="tag tag-red" { "None appointed" } }
                        } }
                    }
                    @if let Some(l) = &s.looked_after {
                        div { dt { "Legal status" } dd { (l.placement.legal_status.description()) " (" (l.placement.legal_status) ")" } }
                        div { dt { "Placement" } dd { (l.placement.placement.description()) " (" (l.placement.placement) "), since " (fmt_date(l.placement_started)) } }
                        div { dt { "Looked after since" } dd { (fmt_date(l.period_started)) } }
                    }
                    @if let Some(cp) = &s.cp_plan {
                        div { dt { "Child protection plan" } dd { "Since " (fmt_date(cp.started)) @if let Some(c) = &cp.category { ", " (c.description()) } } }
                    }
                    @if let Some(r) = &s.referral {
                        div { dt { "Referral" } dd { "Since " (fmt_date(r.opened)) ", " (r.primary_need.description()) @if r.re_referral { " " span class="tag" { "Re-referral" } } } }
                    }
                    @if let Some(e) = &s.early_help {
                        div { dt { "Early help" } dd { "Since " (fmt_date(e.opened)) ", level " (e.level) } }
                    }
                }
            }
        }
        section class="due" aria-labelledby="due-h" {
            h2 id="due-h" { "Due and overdue" }
            @if rec.due.is_empty() {
                p class="muted" { "Nothing is due." }
            } @else {
                ul class="due-list" {
                    @for d in &overdue { li class="due-item overdue" { span class="tag tag-red" { "Overdue" } " " strong { (d.what) } " was due " (fmt_date(d.due)) } }
                    @for d in &upcoming { li class="due-item" { span class="tag" { "Due" } " " strong { (d.what) } " by " (fmt_date(d.due)) } }
                }
            }
        }
        div class="record-columns" {
            section class="chronology" id="chronology" aria-labelledby="chron-h" {
                h2 id="chron-h" { "Chronology" }
                (filter_form(filter, dates))
                p class="muted" aria-live="polite" {
                    @if rec.chronology_total > rec.chronology.len() as i64 {
                        "Showing the latest " (rec.chronology.len()) " of " (rec.chronology_total) " entries. Narrow the dates to see earlier ones."
                    } @else {
                        (rec.chronology_total) " entries"
                        @if filter.significant_only { " (significant events; routine visits and notes hidden)" }
                    }
                }
                @if rec.chronology.is_empty() {
                    p { "No entries match." }
                } @else {
                    ol class="chronology-list" reversed {
                        @for e in &rec.chronology {
                            li class=(if e.corrected_by.is_some() { "chronology-entry superseded" } else { "chronology-entry" }) id=(format!("event-{}", e.seq)) {
                                div class="when" { time datetime=(e.effective.format("%Y-%m-%d").to_string()) { (fmt_date(e.effective)) } }
                                div class="what" {
                                    span class=(format!("cat cat-{}", e.category.as_str())) { (e.category.label()) }
                                    " " (e.summary)
                                    @if let Some(t) = &e.text { p class="entry-text" { (t) } }
                                    @if let Some(c) = e.corrects { p class="correction" { "Corrects " a href=(format!("#event-{c}")) { "entry " (c) } @if let Some(r) = &e.correction_reason { ": " (r) } } }
                                    @if let Some(by) = e.corrected_by { p class="correction" { "Corrected by " a href=(format!("#event-{by}")) { "entry " (by) } } }
                                    p class="who muted" {
                                        "Recorded by " (e.recorded_by) " on " (stepwise_domain::localtime::show_as(e.recorded_at, "%d/%m/%Y %H:%M")) " · entry " (e.seq)
                                        @if correct && e.corrected_by.is_none() && e.kind != "withdrawn" {
                                            " · " a class="no-print" href=(format!("/people/{}/events/{}/withdraw", rec.person.id.0, e.seq)) { "Withdraw" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            aside class="family" aria-labelledby="family-h" {
                h2 id="family-h" { "Family and household" }
                @if let Some(l) = &rec.locality { p class="muted" { (l) } }
                @if rec.family.is_empty() { p { "No family or household members recorded." } }
                ul class="family-list" {
                    @for m in &rec.family {
                        li {
                            a href=(format!("/people/{}", m.id)) { (m.name) }
                            span class="muted" { " · " (m.relationship) @if let Some(a) = m.age { ", " (a) } }
                            @if m.name_only { " " span class="muted" { "Not shown: restricted" } }
                            @if let Some(r) = m.restriction { " " span class="tag tag-small tag-red" { (r.label()) } }
                            @if m.lives_with_child { " " span class="tag tag-small" { "Lives here" } }
                            @if !m.open.is_empty() {
                                div class="family-open" { (badges(&m.open)) @if let Some(w) = &m.worker { span class="muted" { "with " (w) } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn filter_form(f: &ChronologyFilter, dates: &(String, String)) -> Markup {
    let checked = |c: EventCategory| f.categories.contains(&c);
    html! {
        form method="get" action="#chronology" class="filters" {
            fieldset {
                legend { "Show" }
                div class="checkboxes" {
                    @for c in EventCategory::ALL {
                        label class="checkbox" {
                            input type="checkbox" name="category" value=(c.as_str()) checked[checked(c)];
                            " " (c.label())
                        }
                    }
                }
            }
            div class="filter-row" {
                div class="field" { label for="from" { "From" } input type="text" id="from" name="from" value=(dates.0) class="input-date" placeholder="dd/mm/yyyy"; }
                div class="field" { label for="to" { "To" } input type="text" id="to" name="to" value=(dates.1) class="input-date" placeholder="dd/mm/yyyy"; }
                label class="checkbox" { input type="checkbox" name="all" value="1" checked[!f.significant_only]; " Include routine visits and notes" }
                button type="submit" class="button button-secondary" { "Apply filters" }
                a href="?" class="clear-link" { "Clear" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_and_bad_dates_named() {
        let (f, e, _) = chronology_filter(Some("category=visit&from=01/04/2024&to=31/03/2025"));
        assert!(e.is_empty());
        assert_eq!(f.categories, vec![EventCategory::Visit]);
        assert!(!f.significant_only);
        let (_, e, _) = chronology_filter(Some("from=31/02/2024&category=nonsense"));
        assert_eq!(e.len(), 2);
        let (_, e, _) = chronology_filter(Some("from=01/04/2025&to=01/04/2024"));
        assert_eq!(e.first().map(|x| x.0.as_str()), Some("to"));
        assert!(person_id("P0000012").is_ok());
        assert!(person_id("12").is_ok());
        assert!(person_id("0").is_err());
        assert!(person_id("x").is_err());
    }
}

/// The form that asks why a restricted record is needed.
fn reason_form(
    state: &AppState,
    user: &CurrentUser,
    id: PersonId,
    reason: &str,
    errors: &[(String, String)],
) -> Response {
    let local = stepwise_domain::ids::local_person_id(id);
    let body = html! {
        (error_summary(errors))
        h1 { "This record is restricted" }
        p class="lead" { (local) " is a restricted record. Say why you need to open it: your reason is kept with your name in the record's access log, and information governance reviews every opening." }
        form method="post" action=(format!("/people/{}/reason", id.0)) class="search-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            div class=(if errors.is_empty() { "field" } else { "field field-error" }) {
                label for="reason" { "Why do you need to open this record?" }
                p class="hint" id="reason-hint" { "For example: allocated the family's new referral today" }
                @for e in errors { p class="error-message" { (e.1) } }
                input type="text" id="reason" name="reason" value=(reason) aria-describedby="reason-hint";
            }
            button type="submit" class="button" { "Open the record" }
            " "
            a href="/people" { "Cancel" }
        }
    };
    let mut res = Page::new(
        "This record is restricted",
        Some(user),
        &state.authority_name,
    )
    .active("people")
    .body(body)
    .into_response();
    *res.status_mut() = if errors.is_empty() {
        axum::http::StatusCode::FORBIDDEN
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    res
}

/// The reason form's field.
#[derive(Debug, serde::Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// Records the reason for opening a restricted record, then opens it.
pub async fn give_reason(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    axum::Form(form): axum::Form<ReasonForm>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let actor = user.actor();
    let rid = current_request_id();
    let reader = user.reader(&actor, &state.config.policy);
    // A person who does not exist and a sealed record answer alike; a record that needs no
    // reason opens; any other refusal is audited and answered by the one access check.
    let decision = if state.store.people().person_exists(id).await? {
        Some(
            state
                .store
                .people()
                .record_decision(&reader, id, Permission::ViewChildRecord)
                .await?,
        )
    } else {
        None
    };
    match decision {
        None | Some(Decision::Hidden) => {
            return Err(WebError::NotFound(format!(
                "Person {}",
                stepwise_domain::ids::local_person_id(id)
            )));
        }
        Some(Decision::Allowed(_)) => {
            return Ok(crate::routes::see_other(&format!("/people/{}", id.0)));
        }
        Some(Decision::NeedsReason) if user.holds(Permission::SearchPeople) => {}
        Some(_) => {
            state
                .store
                .people()
                .check_record_access(&reader, &rid, id, Permission::ViewChildRecord)
                .await?;
            return Ok(crate::routes::see_other(&format!("/people/{}", id.0)));
        }
    }
    match state
        .store
        .governance()
        .state_reason(&actor, &rid, id, &form.reason)
        .await
    {
        Ok(()) => Ok(crate::routes::see_other(&format!("/people/{}", id.0))),
        Err(stepwise_store::StoreError::Invalid(m)) => {
            let mut c = m.chars();
            let m = c
                .next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or(m);
            Ok(reason_form(
                &state,
                &user,
                id,
                &form.reason,
                &[("reason".into(), m)],
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The whole record laid out for printing (every event, routine ones included). Printing is
/// audited like any read, marked "print" in the access log.
pub async fn print(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    let filter = ChronologyFilter {
        significant_only: false,
        limit: 100_000,
        ..Default::default()
    };
    let today = state.today();
    let actor = user.actor();
    let rec = state
        .store
        .people()
        .open_child_record(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            id,
            &filter,
            today,
            &state.calendar,
            "print",
        )
        .await?;
    let title = format!("{} (printed record)", rec.person.display_name());
    let body = html! {
        p class="print-banner" { "Printed from Stepwise by " (user.display_name) " on " (fmt_date(today)) ". Official-sensitive: keep it safe and destroy it when no longer needed." }
        (render(&rec, &filter, &[], &(String::new(), String::new()), today, false))
    };
    Ok(Page::new(&title, Some(&user), &state.authority_name)
        .active("people")
        .body(body)
        .into_response())
}
