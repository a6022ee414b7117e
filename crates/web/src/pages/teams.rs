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

use super::{Page, badges, fmt_date, paging, query_pairs};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};
use stepwise_store::{Paged, TeamListFilter};

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
    // The list is narrowed by `?worker=N` (one worker's children), `?unallocated=1` and
    // `?overdue=1`, and paged with `?page=N`; anything else is refused plainly.
    let pairs = query_pairs(q.as_deref());
    let filter = team_filter(&pairs, |w| t.workers.iter().any(|x| x.worker.id.0 == w))?;
    let worker_filter = filter.worker;
    let wanted = paging::page_request(&pairs, paging::PER_PAGE)?;
    let may_see_children = may_list_children(&user, &t.team);
    let listed = if may_see_children {
        state
            .store
            .people()
            .team_children(
                &user.reader(&actor, &state.config.policy),
                &current_request_id(),
                TeamId(id),
                filter,
                wanted,
                today,
                &state.calendar,
            )
            .await?
    } else {
        Paged::of(Vec::new(), wanted)
    };
    if let Some(last) = paging::past_the_end(&listed, &format!("/teams/{id}"), &pairs, "#children")
    {
        return Ok(last);
    }
    let names: HashMap<i64, &str> = t
        .workers
        .iter()
        .map(|w| (w.worker.id.0, w.worker.name.as_str()))
        .collect();
    let base = format!("/teams/{id}");
    let mut list_title = match worker_filter.and_then(|w| names.get(&w)) {
        Some(n) => format!("Children allocated to {n}"),
        None if filter.unallocated => "Unallocated children".to_string(),
        None => "Children open to the team".to_string(),
    };
    if filter.overdue {
        list_title.push_str(" with overdue work");
    }
    let narrowed = filter != TeamListFilter::default();
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
                form method="get" action=(base) class="filters" aria-label="Narrow the list" {
                    div class="filter-row" {
                        div class="field" {
                            label for="worker" { "Worker" }
                            select id="worker" name="worker" {
                                option value="" selected[worker_filter.is_none()] { "Every worker" }
                                @for w in t.workers.iter().filter(|w| w.worker.role.holds_cases()) {
                                    option value=(w.worker.id) selected[worker_filter == Some(w.worker.id.0)] { (w.worker.name) }
                                }
                            }
                        }
                        div class="field checkbox" {
                            input type="checkbox" id="unallocated" name="unallocated" value="1" checked[filter.unallocated];
                            label for="unallocated" { "Unallocated only" }
                        }
                        div class="field checkbox" {
                            input type="checkbox" id="overdue" name="overdue" value="1" checked[filter.overdue];
                            label for="overdue" { "Overdue only" }
                        }
                        button type="submit" class="button button-secondary" { "Show" }
                    }
                }
                p class="muted" {
                    "Unallocated children first, then the most overdue. "
                    @if narrowed { "Restricted records are left out of a narrowed list. " a href=(format!("{base}#children")) { "Show the whole team" } }
                }
                @if listed.is_empty() {
                    p { @if narrowed { "No open children match." } @else { "No open children are allocated to the team." } }
                    @if !narrowed && t.team.kind == TeamKind::FrontDoor {
                        p { "The front door holds contacts rather than allocated children: the contacts awaiting a decision, oldest first, are on My work for front-door practitioners and managers." }
                    }
                    @if !narrowed && t.team.kind == TeamKind::QualityAssurance {
                        p { "Reviewing officers chair the conferences and reviews of children allocated to other teams: each officer's children are on their My work." }
                    }
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
                    (paging::pager(&listed, "children", |n| paging::page_link(&base, &pairs, n, "#children")))
                }
            }
        }
    };
    Ok(Page::new(&t.team.name, Some(&user), &state.authority_name)
        .active("teams")
        .body(body)
        .into_response())
}

/// Reads how a team's list is narrowed: `worker` (one of the team's workers, checked by
/// `in_team`), `unallocated` and `overdue` (1 or on). Bad input is refused, naming it.
/// Whether the user may see the list of a team's children. The list names children, so only
/// users whose record scope reaches the team's children see it (the page and the API alike).
pub fn may_list_children(user: &CurrentUser, team: &stepwise_domain::org::Team) -> bool {
    match user.scope(Permission::ViewChildRecord) {
        Some(Scope::All) => true,
        Some(Scope::Service) => user.viewer.service == Some(Service::of_team(team.kind)),
        Some(Scope::Locality) => {
            user.team_id == Some(team.id.0)
                || (team.locality.is_some() && user.viewer.locality == team.locality)
        }
        Some(Scope::Team) => user.team_id == Some(team.id.0),
        Some(Scope::Own) | None => false,
    }
}

pub fn team_filter(
    pairs: &[(String, String)],
    in_team: impl Fn(i64) -> bool,
) -> Result<TeamListFilter, WebError> {
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let flag = |k: &str| match get(k).as_deref() {
        None | Some("0") => Ok(false),
        Some("1" | "on" | "true" | "yes") => Ok(true),
        Some(v) => Err(WebError::BadRequest(format!(
            "{k} must be 1 (yes) or 0 (no) (it was {v:?})"
        ))),
    };
    let worker = match get("worker") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|w| in_team(*w))
                .ok_or_else(|| WebError::NotFound(format!("Worker {v:?} in this team")))?,
        ),
    };
    Ok(TeamListFilter {
        worker,
        unallocated: flag("unallocated")?,
        overdue: flag("overdue")?,
    })
}
