//! Teams: every team with its open work, and a team's page with workers, weighted caseloads,
//! what is overdue by worker and what is unallocated.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::collections::HashMap;

use stepwise_domain::ids::TeamId;
use stepwise_domain::org::{Employment, TeamKind};

use super::Page;
use crate::auth::CurrentUser;
use crate::{AppState, WebError};

/// Every team, grouped by kind.
pub async fn index(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let teams = state.store.teams().await?;
    let counts = state.store.team_counts().await?;
    let localities: HashMap<i64, String> = state
        .store
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
) -> Result<Response, WebError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::NotFound(format!("Team {raw:?}")))?;
    let today = state.today();
    let t = state
        .store
        .team_summary(TeamId(id), today, &state.calendar)
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
            div class=(if overdue > 0 { "stat stat-alert" } else { "stat" }) { span class="stat-value" { (overdue) } span class="stat-label" { "children with overdue work" } }
            div class=(if t.unallocated > 0 { "stat stat-alert" } else { "stat" }) { span class="stat-value" { (t.unallocated) } span class="stat-label" { "unallocated" } }
        }
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
                        td class="num" { (w.children) }
                        td class="num" { (format!("{:.1}", w.weighted)) }
                        td class="num" { @if w.overdue > 0 { span class="tag tag-red" { (w.overdue) } } @else { "0" } }
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
