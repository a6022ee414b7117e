//! Teams: every team with its open work, and a team's page with workers, weighted caseloads,
//! what is overdue by worker and what is unallocated.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::collections::HashMap;

use stepwise_domain::access::{Permission, Scope, Service};
use stepwise_domain::ids::TeamId;
use stepwise_domain::org::{Employment, TeamKind};

use super::{Page, badges, fmt_date, query_pairs};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// Every team, grouped by kind.
pub async fn index(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let teams = state.store.organisation().teams().await?;
    let counts = state.store.organisation().team_counts().await?;
    let localities: HashMap<i64, String> = state
        .store
        .organisation()
        .localities()
        .await?
        .into_iter()
        .map(|l| (l.id.0, l.name))
        .collect();
    let body = html! {
        h1 { "Teams" }
        @for kind in TeamKind::ALL {
            @let of_kind: Vec<_> = teams.iter().filter(|t| t.kind == kind).collect();
            @if !of_kind.is_empty() {
                section {
                    h2 { (kind.label()) }
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table" {
                            thead { tr { th scope="col" { "Team" } th scope="col" { "Area" } th scope="col" class="num" { "Workers" } th scope="col" class="num" { "Open children" } } }
                            tbody {
                                @for t in of_kind {
                                    @let (open, workers) = counts.get(&t.id.0).copied().unwrap_or_default();
                                    tr {
                                        td { a href=(format!("/teams/{}", t.id)) { (t.name) } }
                                        td { (t.locality.and_then(|l| localities.get(&l.0).cloned()).unwrap_or_else(|| "Authority-wide".into())) }
                                        td class="num" { (workers) }
                                        td class="num" { (open) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new("Teams", Some(&user), &state.authority_name)
        .active("teams")
        .body(body)
        .into_response())
}

/// One team.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::NotFound(format!("Team {raw:?}")))?;
    let today = state.today();
    let actor = user.actor();
    let t = state
        .store
        .organisation()
        .team_summary(
            &user.reader(&actor, &state.config.policy),
            TeamId(id),
            today,
            &state.calendar,
        )
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Team {id}")))?;
    let holders: Vec<_> = t
        .workers
        .iter()
        .filter(|w| w.worker.role.holds_cases())
        .collect();
    let fte: f64 = holders.iter().map(|w| w.worker.fte).sum();
    let children: i64 = holders.iter().map(|w| w.children).sum();
    let overdue: i64 = t.workers.iter().map(|w| w.overdue).sum();
    // `?worker=N` narrows the list to one worker's children; anything else is refused plainly.
    let worker_filter = match query_pairs(q.as_deref())
        .into_iter()
        .find(|(k, _)| k == "worker")
    {
        None => None,
        Some((_, v)) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|w| t.workers.iter().any(|x| x.worker.id.0 == *w))
                .ok_or_else(|| WebError::NotFound(format!("Worker {v:?} in this team")))?,
        ),
    };
    // The list names children, so only users who may open these children's records see it.
    let may_see_children = match user.scope(Permission::ViewChildRecord) {
        Some(Scope::All) => true,
        Some(Scope::Service) => user.viewer.service == Some(Service::of_team(t.team.kind)),
        Some(Scope::Locality) => {
            user.team_id == Some(id)
                || (t.team.locality.is_some() && user.viewer.locality == t.team.locality)
        }
        Some(Scope::Team) => user.team_id == Some(id),
        Some(Scope::Own) | None => false,
    };
    let listed = if may_see_children {
        state
            .store
            .people()
            .team_children(
                &user.reader(&actor, &state.config.policy),
                &current_request_id(),
                TeamId(id),
                worker_filter,
                today,
                &state.calendar,
            )
            .await?
    } else {
        Vec::new()
    };
    let names: HashMap<i64, &str> = t
        .workers
        .iter()
        .map(|w| (w.worker.id.0, w.worker.name.as_str()))
        .collect();
    let base = format!("/teams/{id}");
    let list_title = match worker_filter.and_then(|w| names.get(&w)) {
        Some(n) => format!("Children allocated to {n}"),
        None => "Children open to the team".to_string(),
    };
    let agency = t
        .workers
        .iter()
        .filter(|w| w.worker.employment == Employment::Agency)
        .count();
    let body = html! {
        p class="caption" { (t.team.kind.label()) @if let Some(l) = &t.locality { " · " (l) } }
        h1 { (t.team.name) }
        div class="stats" {
            div class="stat" { span class="stat-value" { (t.workers.len()) } span class="stat-label" { "workers (" (agency) " agency)" } }
            div class="stat" { span class="stat-value" { (format!("{:.1}", if fte > 0.0 { children as f64 / fte } else { 0.0 })) } span class="stat-label" { "children per case-holding FTE" } }
            div class=(if overdue > 0 { "stat stat-alert" } else { "stat" }) {
                @if may_see_children { a class="stat-value" href=(format!("{base}#children")) { (overdue) } } @else { span class="stat-value" { (overdue) } }
                span class="stat-label" { "children with overdue work" }
            }
            div class=(if t.unallocated > 0 { "stat stat-alert" } else { "stat" }) {
                @if may_see_children { a class="stat-value" href=(format!("{base}#children")) { (t.unallocated) } } @else { span class="stat-value" { (t.unallocated) } }
                span class="stat-label" { "unallocated" }
            }
        }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption { "Workers and caseloads. Weighted caseload counts a child protection or looked-after child as 1.5, child in need 1, early help or care leaver 0.75." }
                thead { tr {
                    th scope="col" { "Worker" } th scope="col" { "Role" } th scope="col" { "Employment" }
                    th scope="col" class="num" { "FTE" } th scope="col" class="num" { "Children" } th scope="col" class="num" { "Weighted" } th scope="col" class="num" { "With overdue work" }
                } }
                tbody {
                    @for w in &t.workers {
                        tr {
                            td { (w.worker.name) }
                            td { (w.worker.role.label()) }
                            td { @if w.worker.employment == Employment::Agency { span class="tag" { "Agency" } } @else { "Permanent" } }
                            td class="num" { (format!("{:.1}", w.worker.fte)) }
                            td class="num" {
                                @if may_see_children && w.children > 0 { a href=(format!("{base}?worker={}#children", w.worker.id)) { (w.children) } } @else { (w.children) }
                            }
                            td class="num" { (format!("{:.1}", w.weighted)) }
                            td class="num" { @if w.overdue > 0 { span class="tag tag-red" { (w.overdue) } } @else { "0" } }
                        }
                    }
                }
            }
        }
        @if may_see_children {
            section aria-labelledby="children" {
                h2 id="children" { (list_title) }
                p class="muted" {
                    "Unallocated children first, then the most overdue. "
                    @if worker_filter.is_some() { a href=(format!("{base}#children")) { "Show the whole team" } }
                }
                @if listed.is_empty() {
                    p { "No open children." }
                } @else {
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table stack" {
                            caption class="visually-hidden" { (list_title) ", unallocated first, then most overdue" }
                            thead { tr { th scope="col" { "Child" } th scope="col" { "Open" } th scope="col" { "Worker" } th scope="col" { "Most urgent" } th scope="col" { "Overdue" } } }
                            tbody {
                                @for c in &listed {
                                    tr {
                                        td data-label="Child" { a href=(format!("/people/{}", c.child.id)) { (c.child.name) } br; span class="muted" { (c.child.local_id) } }
                                        @if c.child.restriction.is_some() {
                                            td colspan="4" { span class="tag tag-small tag-red" { "Restricted record" } " " span class="muted" { "Not shown: restricted" } }
                                        } @else {
                                        td data-label="Open" { (badges(&c.child.open)) }
                                        td data-label="Worker" {
                                            @match c.worker_id.and_then(|w| names.get(&w).map(|n| (w, n))) {
                                                Some((w, n)) => a href=(format!("{base}?worker={w}#children")) { (n) },
                                                None => span class="tag tag-red" { "Unallocated" },
                                            }
                                        }
                                        td data-label="Most urgent" {
                                            @if let Some(d) = c.child.due.first() {
                                                (d.what) br; @if d.due < today { span class="overdue-since" { "Overdue since " (fmt_date(d.due)) } } @else { span class="muted" { (fmt_date(d.due)) } }
                                            } @else { "–" }
                                        }
                                        td data-label="Overdue" { @if c.child.overdue > 0 { span class="tag tag-red" { (c.child.overdue) " overdue" } } @else { span class="tag tag-green" { "On time" } } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&t.team.name, Some(&user), &state.authority_name)
        .active("teams")
        .body(body)
        .into_response())
}
