//! Pseudonymised journeys for performance analysts: the children open today and each child's
//! journey, with a pseudonym in place of everything that identifies them. An analyst who needs
//! a named record asks information governance for a temporary grant.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Page, badges, fmt_date, paging, query_pairs};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The children open today, pseudonymised, a page at a time.
pub async fn index(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = query_pairs(q.as_deref());
    let wanted = paging::page_request(&pairs, paging::PER_PAGE)?;
    let today = state.today();
    let rows = state
        .store
        .journeys()
        .pseudonymised_children(today, wanted)
        .await?;
    if let Some(last) = paging::past_the_end(&rows, "/analysis", &pairs, "") {
        return Ok(last);
    }
    let body = html! {
        h1 { "Pseudonymised journeys" }
        p class="lead" { "Children open today, without names, dates of birth, addresses, identifiers or free text. Each has a pseudonym that stays the same, so you can follow a journey; opening one is recorded on the child's record. Restricted and sealed records are not shown." }
        p { (paging::fmt_count(rows.total)) " children open, in pseudonym order." }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption class="visually-hidden" { "Children open today, pseudonymised" }
                thead { tr { th scope="col" { "Pseudonym" } th scope="col" class="num" { "Age" } th scope="col" { "Sex" } th scope="col" { "Ethnicity" } th scope="col" { "Locality" } th scope="col" { "Open" } th scope="col" { "Level" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { a href=(format!("/analysis/{}", r.pseudonym)) { code { (r.pseudonym) } } }
                            td class="num" { (r.age.map(|a| a.to_string()).unwrap_or_else(|| "–".into())) }
                            td { (r.sex) }
                            td { (r.ethnicity) }
                            td { (r.locality.clone().unwrap_or_else(|| "Authority-wide".into())) }
                            td { (badges(&r.open)) }
                            td { (r.level_of_need.as_ref().map_or("–", |l| l.as_str())) }
                        }
                    }
                }
            }
        }
        (paging::pager(&rows, "children", |n| paging::page_link("/analysis", &pairs, n, "")))
    };
    Ok(
        Page::new("Pseudonymised journeys", Some(&user), &state.authority_name)
            .active("analysis")
            .body(body)
            .into_response(),
    )
}

/// One child's journey, pseudonymised.
pub async fn journey(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(pseudonym): Path<String>,
) -> Result<Response, WebError> {
    let j = state
        .store
        .journeys()
        .pseudonymised_journey(
            &user.actor(),
            &current_request_id(),
            &pseudonym,
            state.today(),
        )
        .await?;
    let body = html! {
        p class="caption" { a href="/analysis" { "Pseudonymised journeys" } }
        h1 { code { (j.child.pseudonym) } }
        p class="lead" {
            @if let Some(a) = j.child.age { "Aged " (a) " · " }
            (j.child.sex) " · " (j.child.ethnicity)
            @if let Some(l) = &j.child.locality { " · " (l) }
        }
        div class="badges" { (badges(&j.child.open)) }
        h2 { "Journey (" (j.events.len()) " events)" }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption class="visually-hidden" { "The child's journey, oldest first" }
                thead { tr { th scope="col" { "Date" } th scope="col" { "What" } } }
                tbody { @for e in &j.events { tr { td { (fmt_date(e.effective)) } td { (e.summary) } } } }
            }
        }
    };
    Ok(Page::new(
        &format!("Journey {}", j.child.pseudonym),
        Some(&user),
        &state.authority_name,
    )
    .active("analysis")
    .body(body)
    .into_response())
}
