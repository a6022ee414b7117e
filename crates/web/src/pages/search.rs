//! "Find a person": by name (any order, tolerant of spelling), date of birth, or any
//! identifier (local id, NHS number, UPN). Bad input gets an error summary that links to the
//! field, and no search is run.

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::access::Permission;
use stepwise_domain::ids::parse_date;
use stepwise_domain::people::PersonKind;
use stepwise_store::{Paged, SearchQuery};

use super::{Page, badges, error_summary, fmt_opt_date, paging, query_pairs};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The search page, with results when a query was given.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = query_pairs(q.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let text = get("q");
    let dob_text = get("dob");
    let mut errors = Vec::new();
    let dob = if dob_text.is_empty() {
        None
    } else {
        match parse_date("date of birth", &dob_text) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push((
                    "dob".to_string(),
                    "Date of birth must be a real date, for example 27/03/2015".to_string(),
                ));
                None
            }
        }
    };
    if text.chars().count() > 100 {
        errors.push((
            "q".to_string(),
            "Name or identifier must be 100 characters or fewer".to_string(),
        ));
    }
    let wanted = paging::page_request(&pairs, paging::PER_PAGE)?;
    let searched = errors.is_empty() && (!text.is_empty() || dob.is_some());
    let results = if searched {
        state
            .store
            .audit_log()
            .record(
                &user.actor(),
                AuditAction::Search,
                &AuditSubject::People,
                &current_request_id(),
                &format!(
                    "{} word(s){}",
                    text.split_whitespace().count(),
                    if dob.is_some() {
                        ", with date of birth"
                    } else {
                        ""
                    }
                ),
            )
            .await?;
        state
            .store
            .people()
            .search_people(&SearchQuery {
                text: text.clone(),
                date_of_birth: dob,
                page: wanted,
                include_sealed: user.holds(Permission::ViewSealedRecords),
            })
            .await?
    } else {
        Paged::of(Vec::new(), wanted)
    };
    if let Some(last) = paging::past_the_end(&results, "/people", &pairs, "") {
        return Ok(last);
    }
    // The people shown are recorded as a list view, so each one's access log shows where
    // they appeared.
    let shown: Vec<i64> = results.iter().map(|m| m.id).collect();
    state
        .store
        .people()
        .audit_list(&user.actor(), &current_request_id(), "search", &shown)
        .await?;
    let title = if errors.is_empty() {
        "Find a person"
    } else {
        "Error: Find a person"
    };
    let body = html! {
        (error_summary(&errors))
        h1 { "Find a person" }
        p { "Taking a contact about someone who may be new to us? " a href="/people/match" { "Check whether they are already known" } ", with reasons for each possible match, before creating anyone." }
        form method="get" action="/people" class="search-form" role="search" {
            div class=(if errors.iter().any(|e| e.0 == "q") { "field field-error" } else { "field" }) {
                label for="q" { "Name or identifier" }
                p class="hint" id="q-hint" { "A name in any order, even if unsure of the spelling, or a local id (P0001234), NHS number or UPN" }
                @for e in errors.iter().filter(|e| e.0 == "q") { p class="error-message" { (e.1) } }
                input type="search" id="q" name="q" value=(text) aria-describedby="q-hint" autocomplete="off" spellcheck="false";
            }
            div class=(if errors.iter().any(|e| e.0 == "dob") { "field field-error" } else { "field" }) {
                label for="dob" { "Date of birth (optional)" }
                p class="hint" id="dob-hint" { "For example, 27/03/2015" }
                @for e in errors.iter().filter(|e| e.0 == "dob") { p class="error-message" { (e.1) } }
                input type="text" id="dob" name="dob" value=(dob_text) aria-describedby="dob-hint" class="input-date" inputmode="numeric";
            }
            button type="submit" class="button" { "Search" }
        }
        @if searched {
            section aria-labelledby="results-h" {
                h2 id="results-h" { (paging::fmt_count(results.total)) @if results.total == 1 { " person found" } @else { " people found" } }
                @if results.is_empty() {
                    p { "No one matches. Check the spelling, try fewer words, or search by date of birth or an identifier." }
                } @else {
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table stack results" {
                            caption class="visually-hidden" { "People matching your search, best match first" }
                            thead { tr { th scope="col" { "Name" } th scope="col" { "Born" } th scope="col" { "Postcode" } th scope="col" { "Open" } } }
                            tbody {
                                @for m in &results {
                                    tr {
                                        td data-label="Name" {
                                            a class="person-link" href=(format!("/people/{}", m.id)) { (m.name) }
                                            @if m.kind == PersonKind::Adult { " " span class="tag" { "Adult" } }
                                            @if let Some(r) = m.restriction { " " span class="tag tag-red" { (r.label()) } }
                                            br;
                                            span class="muted" { (m.local_id) @if let Some(o) = &m.matched_other_name { " · also known as " (o) } }
                                        }
                                        td data-label="Born" { (fmt_opt_date(m.date_of_birth)) }
                                        td data-label="Postcode" { (m.postcode.clone().unwrap_or_else(|| "–".into())) }
                                        td data-label="Open" {
                                            @if m.restriction.is_some() { span class="muted" { "Not shown: restricted" } }
                                            @else if m.open.is_empty() { span class="muted" { "Nothing open" } } @else { (badges(&m.open)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (paging::pager(&results, if results.total == 1 { "person" } else { "people" }, |n| paging::page_link("/people", &pairs, n, "")))
                }
            }
        }
    };
    let mut res = Page::new(title, Some(&user), &state.authority_name)
        .active("people")
        .body(body)
        .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}
