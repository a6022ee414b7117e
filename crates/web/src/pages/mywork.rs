//! "My work": the signed-in worker's children with what is due and overdue, contacts waiting
//! at the front door for front-door staff, and records opened recently.

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use stepwise_domain::access::{Role, Service};
use stepwise_domain::ids::TeamId;

use super::{Page, badges, fmt_date, fmt_opt_date};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The page.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let today = state.today();
    let front_door = matches!(
        user.role,
        Role::FrontDoorPractitioner | Role::FrontDoorManager
    );
    let actor = user.actor();
    let work = state
        .store
        .people()
        .my_work(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            user.id,
            user.worker_id,
            front_door,
            today,
            &state.calendar,
        )
        .await?;
    // Managers see their team at a glance, with links to the lists behind the figures.
    let manager = matches!(
        user.role,
        Role::TeamManager | Role::LocalityManager | Role::ServiceManager | Role::FrontDoorManager
    );
    let team = match (manager, user.team_id) {
        (true, Some(t)) => {
            state
                .store
                .organisation()
                .team_summary(
                    &user.reader(&actor, &state.config.policy),
                    TeamId(t),
                    today,
                    &state.calendar,
                )
                .await?
        }
        _ => None,
    };
    // Locality and service managers see every team of their locality or service, team by team.
    let area = match (&team, user.role) {
        (Some(t), Role::LocalityManager) => match t.team.locality {
            Some(l) => Some((
                format!("Your locality: {}", t.locality.clone().unwrap_or_default()),
                state
                    .store
                    .organisation()
                    .teams()
                    .await?
                    .into_iter()
                    .filter(|x| x.locality == Some(l))
                    .collect::<Vec<_>>(),
            )),
            None => None,
        },
        (Some(t), Role::ServiceManager) => {
            let service = Service::of_team(t.team.kind);
            Some((
                format!("Your service: {}", service.label()),
                state
                    .store
                    .organisation()
                    .teams()
                    .await?
                    .into_iter()
                    .filter(|x| Service::of_team(x.kind) == service)
                    .collect::<Vec<_>>(),
            ))
        }
        _ => None,
    };
    let mut area_rows = Vec::new();
    if let Some((_, teams)) = &area {
        for t in teams {
            if let Some(s) = state
                .store
                .organisation()
                .team_summary(
                    &user.reader(&actor, &state.config.policy),
                    t.id,
                    today,
                    &state.calendar,
                )
                .await?
            {
                area_rows.push(s);
            }
        }
    }
    let mut behind: Vec<_> = team
        .iter()
        .flat_map(|t| t.workers.iter())
        .filter(|w| w.overdue > 0)
        .collect();
    behind.sort_by_key(|w| std::cmp::Reverse(w.overdue));
    let overdue: usize = work.children.iter().map(|c| c.overdue).sum();
    let due_this_week = work
        .children
        .iter()
        .flat_map(|c| c.due.iter())
        .filter(|d| d.due >= today && d.due <= today + chrono::Days::new(7))
        .count();
    let body = html! {
        h1 { "My work" }
        p class="lead" { "Good to see you, " (user.display_name) ". Today is " (fmt_date(today)) "." }
        @let reviewer = user.role == Role::IndependentReviewingOfficer;
        @let caseholder = !work.children.is_empty() || team.is_none();
        @let yours = if reviewer { "children you review" } else { "children allocated to you" };
        @if caseholder || front_door { div class="stats" {
            div class="stat" { span class="stat-value" { (work.children.len()) } span class="stat-label" { (yours) } }
            div class=(if overdue > 0 { "stat stat-alert" } else { "stat" }) { span class="stat-value" { (overdue) } span class="stat-label" { "overdue items" } }
            div class="stat" { span class="stat-value" { (due_this_week) } span class="stat-label" { "due in the next 7 days" } }
            @if front_door { div class="stat" { span class="stat-value" { (work.contacts_waiting_total) } span class="stat-label" { "contacts awaiting a decision" } } }
        } }
        @if let Some(t) = &team {
            @let base = format!("/teams/{}", t.team.id);
            @let open: i64 = t.workers.iter().map(|w| w.children).sum::<i64>() + t.unallocated;
            @let late: i64 = t.workers.iter().map(|w| w.overdue).sum();
            section aria-labelledby="team-h" {
                h2 id="team-h" { "Your team: " a href=(base) { (t.team.name) } }
                div class="stats" {
                    div class="stat" { a class="stat-value" href=(format!("{base}#children")) { (open) } span class="stat-label" { "children open to the team" } }
                    div class=(if late > 0 { "stat stat-alert" } else { "stat" }) { a class="stat-value" href=(format!("{base}#children")) { (late) } span class="stat-label" { "children with overdue work" } }
                    div class=(if t.unallocated > 0 { "stat stat-alert" } else { "stat" }) { a class="stat-value" href=(format!("{base}#children")) { (t.unallocated) } span class="stat-label" { "unallocated" } }
                }
                @if behind.is_empty() {
                    p { "Nobody in the team has overdue work." }
                } @else {
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table" {
                            caption class="visually-hidden" { "Workers with overdue work, most first" }
                            thead { tr { th scope="col" { "Worker" } th scope="col" class="num" { "Children" } th scope="col" class="num" { "Weighted" } th scope="col" class="num" { "With overdue work" } } }
                            tbody {
                                @for w in &behind {
                                    tr {
                                        td { a href=(format!("{base}?worker={}#children", w.worker.id)) { (w.worker.name) } }
                                        td class="num" { (w.children) }
                                        td class="num" { (format!("{:.1}", w.weighted)) }
                                        td class="num" { span class="tag tag-red" { (w.overdue) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some((title, _)) = &area {
            section aria-labelledby="area-h" {
                h2 id="area-h" { (title) }
                @if area_rows.is_empty() {
                    p { "No teams." }
                } @else {
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table stack" {
                            caption class="visually-hidden" { (title) ", team by team" }
                            thead { tr { th scope="col" { "Team" } th scope="col" class="num" { "Workers" } th scope="col" class="num" { "Children open" } th scope="col" class="num" { "Unallocated" } th scope="col" class="num" { "With overdue work" } } }
                            tbody {
                                @for s in &area_rows {
                                    @let open: i64 = s.workers.iter().map(|w| w.children).sum::<i64>() + s.unallocated;
                                    @let late: i64 = s.workers.iter().map(|w| w.overdue).sum();
                                    tr {
                                        td data-label="Team" { a href=(format!("/teams/{}", s.team.id)) { (s.team.name) } }
                                        td data-label="Workers" class="num" { (s.workers.len()) }
                                        td data-label="Children open" class="num" { (open) }
                                        td data-label="Unallocated" class="num" { @if s.unallocated > 0 { span class="tag tag-red" { (s.unallocated) } } @else { "0" } }
                                        td data-label="With overdue work" class="num" { @if late > 0 { span class="tag tag-red" { (late) } } @else { "0" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if front_door {
            section aria-labelledby="contacts-h" {
                h2 id="contacts-h" { "Contacts awaiting a decision" }
                @if work.contacts_waiting.is_empty() {
                    p { "No contacts are waiting." }
                } @else {
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table stack" {
                            caption class="visually-hidden" { "Contacts awaiting a decision, oldest first" }
                            thead { tr { th scope="col" { "Child" } th scope="col" { "Received" } th scope="col" { "From" } th scope="col" { "Concerns" } th scope="col" { "Decision due" } } }
                            tbody {
                                @for c in &work.contacts_waiting {
                                    tr {
                                        (child_cell(c))
                                        @if c.restriction.is_some() {
                                            (not_shown(4))
                                        } @else {
                                            td data-label="Received" {
                                                @if let Some(w) = &c.waiting {
                                                    (fmt_date(w.received))
                                                    @if let Some(t) = w.time { br; span class="muted" { (t.format("%H:%M")) } }
                                                } @else { "–" }
                                            }
                                            td data-label="From" { (c.waiting.as_ref().map_or("–", |w| w.source.as_str())) }
                                            td data-label="Concerns" class="concerns" {
                                                @if let Some(w) = &c.waiting {
                                                    (w.concerns) @if w.concerns.chars().count() >= 200 { "…" }
                                                } @else { "–" }
                                            }
                                            td data-label="Decision due" {
                                                (fmt_opt_date(c.next_due)) br;
                                                @if c.overdue > 0 { span class="tag tag-red" { "Overdue" } } @else { span class="tag" { "Due" } }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if caseholder { section aria-labelledby="children-h" {
            h2 id="children-h" { @if reviewer { "Children you review" } @else { "Children allocated to you" } }
            @if reviewer { p class="lead" { "Children on a child protection plan or looked after for whom you are the appointed independent reviewing officer, with the conferences and reviews you chair, most overdue first." } }
            @if user.worker_id.is_none() {
                p { "Your account is not linked to a worker, so no children are allocated to you." }
            } @else if work.children.is_empty() {
                p { @if reviewer { "You are not the reviewing officer for any child." } @else { "No children are allocated to you." } }
            } @else {
                div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                    table class="table stack" {
                        caption class="visually-hidden" { @if reviewer { "Children you review, most overdue first" } @else { "Children allocated to you, most overdue first" } }
                        thead { tr { th scope="col" { "Child" } th scope="col" { "Open" } th scope="col" { "Level" } th scope="col" { "Most urgent" } th scope="col" { "Overdue" } } }
                        tbody {
                            @for c in &work.children {
                                tr {
                                    (child_cell(c))
                                    @if c.restriction.is_some() {
                                        (not_shown(4))
                                    } @else {
                                    td data-label="Open" {
                                        (badges(&c.open))
                                        @if let Some(w) = &c.waiting {
                                            br; span class="tag tag-amber" { "New contact" } " "
                                            span class="muted" { (fmt_date(w.received)) " from " (w.source) ": " (w.concerns) }
                                        }
                                    }
                                    td data-label="Level" { (c.level_of_need.as_ref().map_or("–", |l| l.as_str())) }
                                    td data-label="Most urgent" {
                                        @if let Some(d) = c.due.first() {
                                            (d.what) br; @if d.due < today { span class="overdue-since" { "Overdue since " (fmt_date(d.due)) } } @else { span class="muted" { (fmt_date(d.due)) } }
                                        } @else { "–" }
                                    }
                                    td data-label="Overdue" { @if c.overdue > 0 { span class="tag tag-red" { (c.overdue) " overdue" } } @else { span class="tag tag-green" { "On time" } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }
        @if user.role == Role::IndependentReviewingOfficer {
            section aria-labelledby="reviews-h" {
                h2 id="reviews-h" { "Awaiting a reviewing officer" }
                p class="lead" { "Child protection conferences and looked-after reviews overdue or due in the next " (stepwise_store::REVIEW_HORIZON_DAYS / 7) " weeks for children with no reviewing officer appointed (initial conferences, mostly), soonest first: " (work.reviews_due_total) " in all." }
                @if work.reviews_due_total > work.reviews_due.len() as i64 {
                    p class="notice" role="status" { "Showing the soonest " (work.reviews_due.len()) " of " (work.reviews_due_total) "." }
                }
                @if work.reviews_due.is_empty() {
                    p { "Every child due a conference or review has a reviewing officer." }
                } @else {
                    div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                        table class="table stack" {
                            caption class="visually-hidden" { "Conferences and reviews awaiting a reviewing officer, soonest first" }
                            thead { tr { th scope="col" { "Child" } th scope="col" { "Open" } th scope="col" { "Conference or review" } th scope="col" { "Due" } } }
                            tbody {
                                @for c in &work.reviews_due {
                                    tr {
                                        (child_cell(c))
                                        @if c.restriction.is_some() {
                                            (not_shown(3))
                                        } @else {
                                            td data-label="Open" { (badges(&c.open)) }
                                            td data-label="Conference or review" { (c.due.first().map_or("–", |d| d.what.as_str())) }
                                            td data-label="Due" {
                                                @if let Some(d) = c.due.first() {
                                                    @if d.due < today { span class="overdue-since" { "Overdue since " (fmt_date(d.due)) } } @else { (fmt_date(d.due)) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="recent-h" {
            h2 id="recent-h" { "Recently viewed" }
            @if work.recent.is_empty() {
                p { "Records you open will appear here." }
            } @else {
                ul class="plain-list" {
                    @for r in &work.recent {
                        li { a href=(format!("/people/{}", r.id)) { (r.name) } " " span class="muted" { (r.local_id) " · viewed " (stepwise_domain::localtime::show(r.at)) } }
                    }
                }
            }
        }
    };
    Ok(Page::new("My work", Some(&user), &state.authority_name)
        .active("my-work")
        .body(body)
        .into_response())
}

/// The first cell of a child's row on a work list: the name linking to the record, the local id
/// and, unless the record is restricted, the date of birth.
fn child_cell(c: &stepwise_store::MyWorkChild) -> maud::Markup {
    html! {
        td data-label="Child" { a href=(format!("/people/{}", c.id)) { (c.name) } br; span class="muted" { (c.local_id) @if c.restriction.is_none() { " · born " (fmt_opt_date(c.date_of_birth)) } } }
    }
}

/// The rest of a restricted child's row, across `columns` cells: nothing but that it is not shown.
fn not_shown(columns: usize) -> maud::Markup {
    html! {
        td colspan=(columns) { span class="tag tag-small tag-red" { "Restricted record" } " " span class="muted" { "Not shown: restricted" } }
    }
}
