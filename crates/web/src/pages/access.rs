//! The pages information governance and managers use to account for access: who has looked at
//! a record, temporary grants (with a reason and an end date), users and the roles they hold,
//! and one user's activity. Every one of them reads the hash-chained audit log, and every read
//! of it is itself audited.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::access::{Permission, RESTRICTION_CATEGORIES, RestrictionKind, Role};
use stepwise_domain::ids::{PersonId, UserId, local_person_id, parse_local_person_id};
use stepwise_store::{AuditEntry, MAX_GRANT_DAYS, NewGrant};

use super::record::person_allowed;
use super::{Page, error_summary, field_class, field_errors, query_pairs, see_other};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// People's names by account, so that the logs show who did something, not a login.
pub(crate) struct Names(std::collections::HashMap<i64, String>);

impl Names {
    pub(crate) async fn load(state: &AppState) -> Result<Self, WebError> {
        Ok(Self(
            state
                .store
                .accounts()
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id.0, u.display_name))
                .collect(),
        ))
    }
}

/// "user:5:social.worker" as the person's name (with their username), linked to the user's
/// activity when the reader may see it.
fn actor_cell(actor: &str, link: bool, names: &Names) -> Markup {
    let mut parts = actor.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("user"), Some(id), Some(username)) => {
            let name = id
                .parse::<i64>()
                .ok()
                .and_then(|i| names.0.get(&i))
                .map(|n| n.as_str())
                .unwrap_or(username);
            html! {
                @if link { a href=(format!("/users/{id}/activity")) { (name) } } @else { (name) }
                @if name != username { br; span class="muted" { (username) } }
            }
        }
        _ => html! { span class="muted" { (actor) } },
    }
}

/// A stored moment (RFC 3339 in UTC) as RFC 3339 in England's time, for files a spreadsheet
/// reads: `2026-07-04T14:05:09+01:00`.
fn london_rfc3339(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            stepwise_domain::localtime::london(t.with_timezone(&chrono::Utc))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        })
        .unwrap_or_else(|_| at.to_string())
}

/// A stored moment (RFC 3339 in UTC) as people read it, to the second, in England's time.
pub(crate) fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| stepwise_domain::localtime::show_seconds(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| at.to_string())
}

fn audit_table(
    names: &Names,
    entries: &[AuditEntry],
    caption: &str,
    link_users: bool,
    show_subject: bool,
) -> Markup {
    html! {
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption { (caption) }
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" }
                    @if show_subject { th scope="col" { "Subject" } }
                    th scope="col" { "Detail" } th scope="col" class="num" { "Entry" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (when(&e.at)) }
                            td { (actor_cell(&e.actor, link_users, names)) }
                            td {
                                @if e.action.is_refusal() {
                                    span class="tag tag-red" { (e.action.describe()) }
                                } @else { (e.action.describe()) }
                            }
                            @if show_subject {
                                td {
                                    @match e.subject.person() {
                                        Some(id) => a href=(format!("/people/{}", id.0)) { (local_person_id(id)) },
                                        None => span class="muted" { (e.subject.describe()) },
                                    }
                                }
                            }
                            td { (e.detail) }
                            td class="num" { (e.seq) }
                        }
                    }
                }
            }
        }
    }
}

/// "Who has looked at this record": every view, refusal and grant of one person's record.
/// The most entries a record's access log page shows (the latest).
const RECORD_LOG_CAP: usize = 1000;
/// The most actions a user's activity page shows (the latest in the dates chosen).
const ACTIVITY_CAP: usize = 10_000;
/// The most openings of restricted records the page shows (the latest).
const OPENINGS_CAP: usize = 500;

pub async fn record_access_log(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = person_allowed(&state, &user, &raw, Permission::ViewRecordAccessLog).await?;
    let actor = user.actor();
    let rid = current_request_id();
    let (name, entries) = state
        .store
        .governance()
        .record_access_log(&actor, &rid, id, RECORD_LOG_CAP as i64)
        .await?;
    // A restricted record's note says what it holds: shown only to a reader who may open it now.
    let note_shown = state
        .store
        .governance()
        .may_read_contents(&user.reader(&actor, &state.config.policy), id)
        .await?;
    let entries = if note_shown {
        entries
    } else {
        stepwise_store::without_restriction_notes(entries)
    };
    let grants = state
        .store
        .governance()
        .grants(Some(id), state.now())
        .await?;
    let restriction = state.store.governance().restriction(id).await?;
    let views = entries
        .iter()
        .filter(|e| e.action == AuditAction::RecordView)
        .count();
    let denied = entries
        .iter()
        .filter(|e| e.action == AuditAction::RecordDenied)
        .count();
    let link_users = user.holds(Permission::ViewUserActivity);
    let names = Names::load(&state).await?;
    let body = html! {
        p class="caption" { a href=(format!("/people/{}", id.0)) { (name) } " · " (local_person_id(id)) }
        h1 { "Who has looked at this record" }
        p class="lead" { "Every opening of the record, every refusal and every temporary grant, from the audit log. Looking at this page is recorded too." }
        div class="stats" {
            div class="stat" { span class="stat-value" { (views) } span class="stat-label" { "views" } }
            div class=(if denied > 0 { "stat stat-alert" } else { "stat" }) { span class="stat-value" { (denied) } span class="stat-label" { "refusals" } }
            div class="stat" { span class="stat-value" { (grants.iter().filter(|g| g.active).count()) } span class="stat-label" { "grants in force" } }
        }
        @if user.holds(Permission::GrantAccess) {
            p { a href=(format!("/grants?person={}", local_person_id(id))) { "Grant someone temporary access to this record" } }
        }
        @if let Some(r) = &restriction {
            div class="notice notice-warning" role="note" {
                p { strong { (r.kind.label()) } " since " (stepwise_domain::localtime::show_as(r.set_at, "%-d %b %Y")) ", by " (actor_cell(&r.set_by, false, &names)) ": " (category_label(&r.category)) ". "
                    @if note_shown { (r.note) } @else { span class="muted" { "The note is shown once you have stated a reason to open the record." } } }
            }
        }
        @if user.holds(Permission::ExportSubjectAccess) {
            h2 { "Subject access request" }
            form method="get" action=(format!("/people/{}/subject-access", id.0)) class="filters" {
                div class="filter-row" {
                    div class="field" {
                        label for="reference" { "Request reference" }
                        input type="text" id="reference" name="reference" class="input-date" placeholder="SAR-2026-014";
                    }
                    button type="submit" class="button button-secondary" { "Prepare the pack" }
                }
            }
        }
        @if user.holds(Permission::ManageRestrictions) {
            (restriction_form(&user, id, restriction.as_ref(), &RestrictionFormValues::default(), &[]))
        }
        @if !grants.is_empty() {
            h2 { "Temporary grants" }
            (grants_table(&grants, &user))
        }
        h2 { "Access log" }
        @if entries.is_empty() {
            p { "Nobody has looked at this record yet." }
        } @else {
            (super::cap_notice(entries.len(), RECORD_LOG_CAP, "entries", "Earlier ones are kept in the audit log; information governance can read them there."))
            (audit_table(&names, &entries, "Newest first", link_users, false))
        }
    };
    Ok(Page::new(
        &format!("Who has looked at {name}'s record"),
        Some(&user),
        &state.authority_name,
    )
    .active("people")
    .body(body)
    .into_response())
}

fn grants_table(grants: &[stepwise_store::GrantRow], user: &CurrentUser) -> Markup {
    html! {
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption class="visually-hidden" { "Temporary grants, newest first" }
                thead { tr {
                    th scope="col" { "Grant" } th scope="col" { "User" } th scope="col" { "Record" }
                    th scope="col" { "Reason" } th scope="col" { "Granted by" } th scope="col" { "Until" } th scope="col" { "Status" }
                } }
                tbody {
                    @for g in grants {
                        tr {
                            td { (g.id) }
                            td { (g.username) }
                            td { a href=(format!("/people/{}", g.child_id)) { (g.child_local_id) } }
                            td { (g.reason) }
                            td { (g.granted_by) br; span class="muted" { (stepwise_domain::localtime::show(g.granted_at)) } }
                            td { (stepwise_domain::localtime::show(g.until)) }
                            td {
                                @if g.active {
                                    span class="tag tag-green" { "In force" }
                                    @if user.holds(Permission::GrantAccess) {
                                        form method="post" action=(format!("/grants/{}/revoke", g.id)) class="inline" {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            " " button type="submit" class="button button-secondary" { "Revoke" }
                                        }
                                    }
                                } @else if let Some(r) = g.revoked_at {
                                    span class="tag" { "Revoked" } br; span class="muted" { (stepwise_domain::localtime::show(r)) }
                                } @else {
                                    span class="tag" { "Ended" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The grant form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub days: String,
}

fn grants_page(
    state: &AppState,
    user: &CurrentUser,
    grants: &[stepwise_store::GrantRow],
    form: &GrantForm,
    errors: &[(String, String)],
    notice: Option<String>,
) -> Response {
    let body = html! {
        (error_summary(errors))
        h1 { "Temporary access" }
        p class="lead" { "Give one user access to one person's record for a limited time, with a reason. Administrators and analysts open records only this way. Every grant, revocation and use is in the audit log." }
        @if let Some(n) = notice { div class="notice" role="status" { p { (n) } } }
        form method="post" action="/grants" class="search-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            div class=(field_class(errors, "username")) {
                label for="username" { "Username" }
                p class="hint" id="username-hint" { "The account that needs access, for example admin" }
                (field_errors(errors, "username"))
                input type="text" id="username" name="username" value=(form.username) aria-describedby="username-hint" autocomplete="off" spellcheck="false";
            }
            div class=(field_class(errors, "person")) {
                label for="person" { "Record" }
                p class="hint" id="person-hint" { "The person's local id, for example P0001234" }
                (field_errors(errors, "person"))
                input type="text" id="person" name="person" value=(form.person) aria-describedby="person-hint" class="input-date" autocomplete="off" spellcheck="false";
            }
            div class=(field_class(errors, "reason")) {
                label for="reason" { "Reason" }
                p class="hint" id="reason-hint" { "Why the access is needed; it is kept in the audit log" }
                (field_errors(errors, "reason"))
                input type="text" id="reason" name="reason" value=(form.reason) aria-describedby="reason-hint";
            }
            div class=(field_class(errors, "days")) {
                label for="days" { "For how many days" }
                p class="hint" id="days-hint" { "From 1 to " (MAX_GRANT_DAYS) }
                (field_errors(errors, "days"))
                input type="text" id="days" name="days" value=(form.days) aria-describedby="days-hint" class="input-date" inputmode="numeric";
            }
            button type="submit" class="button" { "Grant access" }
        }
        h2 { "Grants" }
        @if grants.is_empty() { p { "No grants have been made." } } @else { (super::cap_notice(grants.len(), stepwise_store::GRANTS_CAP, "grants", "Older grants have all ended; each child's access log still shows them.")) (grants_table(grants, user)) }
    };
    let mut res = Page::new("Temporary access", Some(user), &state.authority_name)
        .active("grants")
        .body(body)
        .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    res
}

/// The grants page: the form and every grant.
pub async fn grants_index(
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
    };
    let form = GrantForm {
        person: get("person").unwrap_or_default(),
        days: "1".into(),
        ..GrantForm::default()
    };
    let notice = get("created")
        .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
        .map(|id| format!("Grant {id} is in force."))
        .or_else(|| {
            get("revoked")
                .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
                .map(|id| format!("Grant {id} has been revoked."))
        });
    let grants = state
        .store
        .governance()
        .grants_within_reach(
            &user.reader(&user.actor(), &state.config.policy),
            user.id,
            None,
            state.now(),
        )
        .await?;
    Ok(grants_page(&state, &user, &grants, &form, &[], notice))
}

/// Creates a grant, or shows the form again with what to fix.
pub async fn grants_create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(form): Form<GrantForm>,
) -> Result<Response, WebError> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let target = match form.username.trim() {
        "" => {
            errors.push((
                "username".into(),
                "Enter the username of the account".into(),
            ));
            None
        }
        name => match state.store.accounts().user_by_username(name).await? {
            Some(u) => Some(u),
            None => {
                errors.push((
                    "username".into(),
                    format!("There is no user called {name:?}"),
                ));
                None
            }
        },
    };
    // Granting is itself a record permission: the granter's scope must reach the record. A
    // sealed record the granter may not see is answered exactly as a missing one is.
    let person = match parse_local_person_id(form.person.trim()) {
        Some(p) => match state
            .store
            .people()
            .check_record_access(
                &user.reader(&user.actor(), &state.config.policy),
                &current_request_id(),
                p,
                Permission::GrantAccess,
            )
            .await
        {
            Ok(_) => Some(p),
            Err(stepwise_store::StoreError::NotFound(_)) => {
                errors.push((
                    "person".into(),
                    format!("There is no record {}", local_person_id(p)),
                ));
                None
            }
            Err(stepwise_store::StoreError::Forbidden(reason)) => {
                errors.push((
                    "person".into(),
                    format!("You cannot grant access to this record: {reason}"),
                ));
                None
            }
            Err(other) => return Err(other.into()),
        },
        None => {
            errors.push(("person".into(), "Enter a local id such as P0001234".into()));
            None
        }
    };
    if form.reason.trim().chars().count() < 10 {
        errors.push((
            "reason".into(),
            "Give the reason for the access in a sentence (at least 10 characters)".into(),
        ));
    }
    let days = match form.days.trim().parse::<i64>() {
        Ok(d) if (1..=MAX_GRANT_DAYS).contains(&d) => Some(d),
        _ => {
            errors.push((
                "days".into(),
                format!("Enter a whole number of days from 1 to {MAX_GRANT_DAYS}"),
            ));
            None
        }
    };
    if let Some(t) = &target
        && t.id == user.id
    {
        errors.push((
            "username".into(),
            "You cannot grant access to yourself; ask information governance".into(),
        ));
    }
    if let Some(t) = &target
        && t.role == Role::PartnerProfessional
    {
        errors.push((
            "username".into(),
            "Partner professionals see what families consent to share, not records by grant".into(),
        ));
    }
    let (Some(target), Some(person), Some(days), true) = (target, person, days, errors.is_empty())
    else {
        let grants = state
            .store
            .governance()
            .grants_within_reach(
                &user.reader(&user.actor(), &state.config.policy),
                user.id,
                None,
                state.now(),
            )
            .await?;
        return Ok(grants_page(&state, &user, &grants, &form, &errors, None));
    };
    let now = state.now();
    let id = state
        .store
        .governance()
        .create_grant(
            &user.account,
            &current_request_id(),
            &NewGrant {
                user_id: target.id,
                child: person,
                reason: form.reason.trim().to_string(),
                until: now + chrono::Duration::days(days),
            },
            now,
        )
        .await?;
    Ok(see_other(&format!("/grants?created={id}")))
}

/// Revokes a grant.
pub async fn grants_revoke(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::NotFound(format!("Grant {raw:?}")))?;
    state
        .store
        .governance()
        .revoke_grant_within_reach(
            &user.reader(&user.actor(), &state.config.policy),
            &user.account,
            &current_request_id(),
            id,
            state.now(),
        )
        .await?;
    Ok(see_other(&format!("/grants?revoked={id}")))
}

/// Users and the roles they hold, with what each role may do; accounts awaiting approval (with
/// Approve and Refuse for holders of `approve_accounts`), and, for them, the latest changes to
/// accounts.
pub async fn users_index(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let users = state.store.accounts().users().await?;
    let teams = state.store.organisation().teams().await?;
    let policy = &state.config.policy;
    let link = user.holds(Permission::ViewUserActivity);
    let manage = user.holds(Permission::ManageUsers);
    let approve = user.holds(Permission::ApproveAccounts);
    let notice = query_pairs(q.as_deref())
        .into_iter()
        .find(|(k, _)| k == "done")
        .map(|(_, v)| v)
        .filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' || c == ' ')
        });
    let name_of = |id: Option<UserId>| -> String {
        match id {
            Some(i) => users
                .iter()
                .find(|u| u.id == i)
                .map(|u| u.username.clone())
                .unwrap_or_else(|| format!("user {i}")),
            None => "the operator (command line)".to_string(),
        }
    };
    let awaiting: Vec<&stepwise_store::UserAccount> =
        users.iter().filter(|u| u.awaiting_approval).collect();
    let changes = if approve {
        state.store.accounts().account_changes(20).await?
    } else {
        Vec::new()
    };
    let names = Names::load(&state).await?;
    let body = html! {
        @if let Some(n) = notice { div class="notice" role="status" { p { (n) } } }
        h1 { "Users and roles" }
        p class="lead" { "Who can use Stepwise, and what each role may do. Roles and scopes are set by the authority's access policy (" code { "stepwise access" } " prints it)." }
        @if !awaiting.is_empty() {
            h2 id="awaiting-approval" { "Awaiting approval" }
            p { "These accounts reach children's records, so a second person must approve them before they can be used. Check with the person themselves, not with whoever asked, that the account is theirs and that they set its password." }
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Accounts awaiting approval" }
                    thead { tr {
                        th scope="col" { "Username" } th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Asked by" } th scope="col" { "When" } th scope="col" { "For" } th scope="col" { "Password" }
                        @if approve { th scope="col" { "Decide" } }
                    } }
                    tbody {
                        @for u in &awaiting {
                            tr {
                                td { (u.username) }
                                td { (u.display_name) }
                                td { (u.role.label()) }
                                td { (name_of(u.approval_asked_by)) }
                                td { (u.approval_asked_at.map(stepwise_domain::localtime::show).unwrap_or_default()) }
                                td { (u.approval_for.as_deref().unwrap_or("")) }
                                td { @if u.has_password() { "Set by the person" } @else { "Not set up yet" } }
                                @if approve {
                                    td {
                                        @if u.id == user.id {
                                            span class="muted" { "Your own account: another person decides" }
                                        } @else if u.controlled_by(user.id) {
                                            span class="muted" { "You asked for it: another person decides" }
                                        } @else {
                                            form method="post" action=(format!("/users/{}/approve", u.id)) class="inline" {
                                                input type="hidden" name="csrf" value=(user.csrf_token);
                                                button type="submit" class="button" { "Approve" }
                                            }
                                            " "
                                            form method="post" action=(format!("/users/{}/refuse", u.id)) class="inline" {
                                                input type="hidden" name="csrf" value=(user.csrf_token);
                                                button type="submit" class="button button-secondary" { "Refuse" }
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
        h2 { "Users" }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption class="visually-hidden" { "User accounts" }
                thead { tr {
                    th scope="col" { "Username" } th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Team" } th scope="col" { "Status" }
                    @if manage { th scope="col" { "Change" } }
                } }
                tbody {
                    @for u in &users {
                        tr {
                            td { @if link { a href=(format!("/users/{}/activity", u.id)) { (u.username) } } @else { (u.username) } }
                            td { (u.display_name) }
                            td { (u.role.label()) }
                            td { (u.team_id.and_then(|t| teams.iter().find(|x| x.id.0 == t)).map(|t| t.name.clone()).unwrap_or_else(|| "–".into())) }
                            td {
                                @if u.disabled { span class="tag tag-red" { "Disabled" } }
                                @else if u.awaiting_approval { span class="tag tag-purple" { "Awaiting approval" } }
                                @else { span class="tag tag-green" { "Active" } }
                                @if !u.has_password() && !u.disabled {
                                    " " span class="tag" { "No password yet" }
                                    @if let Some(t) = u.setup_expires_at { " " span class="muted" { "set-up link until " (stepwise_domain::localtime::show_as(t, "%-d %b %H:%M")) } }
                                }
                                @if u.second_factor { " " span class="tag" { "Second factor" } }
                            }
                            @if manage {
                                td {
                                    @if u.id != user.id {
                                        form method="post" action=(format!("/users/{}/{}", u.id, if u.disabled { "enable" } else { "disable" })) class="inline" {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            button type="submit" class="button button-secondary" { @if u.disabled { "Enable" } @else { "Disable" } }
                                        }
                                        " "
                                        form method="post" action=(format!("/users/{}/set-up-link", u.id)) class="inline" {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            button type="submit" class="button button-secondary" { "New set-up link" }
                                        }
                                    }
                                    @if u.second_factor {
                                        " "
                                        form method="post" action=(format!("/users/{}/reset-second-factor", u.id)) class="inline" {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            button type="submit" class="button button-secondary" { "Reset second factor" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if manage { (new_user_form(&user, &teams, &NewUserForm::default(), &[])) }
        @if approve {
            h2 id="account-changes" { "Latest changes to accounts" }
            p { "Every account added, set-up link issued, approval, refusal, and account disabled or enabled, newest first. Disabling an information governance account is marked." }
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Latest changes to accounts" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Account" } th scope="col" { "Detail" } } }
                    tbody {
                        @for e in &changes {
                            tr {
                                td { (when(&e.at)) }
                                td { (actor_cell(&e.actor, link, &names)) }
                                td {
                                    (e.action.describe())
                                    @if e.action == AuditAction::UserDisable && e.detail.contains("information governance") { " " span class="tag tag-red" { "Information governance" } }
                                }
                                td { (e.subject.user().map(|i| name_of(Some(i))).unwrap_or_else(|| e.subject.describe())) }
                                td { (e.detail) }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Roles" }
        // One row per role listing what it may do (a role-by-permission grid of 29 columns does
        // not fit a screen); recording permissions are listed together.
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table roles" {
                caption { "What each role may do, and for which children. Allocated and associated workers may open their own children's records wherever the role can open records at all; a temporary grant opens one record to anyone. Accounts of roles that reach case records need a second person's approval (approve accounts) before they can be used." }
                thead { tr { th scope="col" { "Role" } th scope="col" { "May" } th scope="col" { "Records in the journey" } } }
                tbody {
                    @for r in Role::ALL {
                        @let perms = policy.permissions(r);
                        tr {
                            th scope="row" { (r.label()) }
                            td {
                                @let others: Vec<_> = Permission::ALL.iter().filter(|p| p.records().is_none() && perms.contains_key(p)).collect();
                                @if others.is_empty() { span class="muted" { "Nothing" } }
                                ul class="plain-list" {
                                    @for p in others {
                                        li { (p.label()) @if p.is_about_records() { @if let Some(sc) = perms.get(p) { " " span class="tag tag-small" { (sc.as_str()) } } } }
                                    }
                                }
                            }
                            td {
                                @let rec: Vec<_> = Permission::ALL.iter().filter(|p| p.records().is_some() && perms.contains_key(p)).collect();
                                @if rec.is_empty() { span class="muted" { "Nothing" } }
                                ul class="plain-list" {
                                    @for p in rec {
                                        li { (p.label()) @if let Some(sc) = perms.get(p) { " " span class="tag tag-small" { (sc.as_str()) } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p class="muted" { "Scopes: own (allocated or associated), team, locality, service, all." }
    };
    Ok(
        Page::new("Users and roles", Some(&user), &state.authority_name)
            .active("users")
            .body(body)
            .into_response(),
    )
}

/// The per-user activity report: everything one user has done, from the audit log, between
/// two dates (`?from=dd/mm/yyyy&to=dd/mm/yyyy`), as a page or as CSV (`&format=csv`).
pub async fn user_activity(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(UserId)
        .ok_or_else(|| WebError::NotFound(format!("User {raw:?}")))?;
    let Some(account) = state
        .store
        .accounts()
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == id)
    else {
        return Err(WebError::NotFound(format!("User {id}")));
    };
    let pairs = query_pairs(q.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let (from_text, to_text) = (get("from"), get("to"));
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut date = |field: &'static str, text: &str| {
        if text.is_empty() {
            return None;
        }
        match stepwise_domain::ids::parse_date(field, text) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push((
                    field.to_string(),
                    format!("The {field} date must be a real date, for example 01/11/2026"),
                ));
                None
            }
        }
    };
    let from = date("from", &from_text);
    let to = date("to", &to_text);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push((
            "to".into(),
            "The to date must be on or after the from date".into(),
        ));
    }
    let entries = if errors.is_empty() {
        state
            .store
            .governance()
            .user_activity(
                &user.actor(),
                &current_request_id(),
                id,
                (from, to),
                ACTIVITY_CAP as i64,
            )
            .await?
    } else {
        Vec::new()
    };
    if get("format") == "csv" && errors.is_empty() {
        let csv = crate::csv_export::csv_document(
            &[
                "seq",
                "at",
                "actor",
                "action",
                "subject",
                "request_id",
                "detail",
                "what",
            ],
            entries.iter().map(|e| {
                [
                    e.seq.to_string(),
                    london_rfc3339(&e.at),
                    e.actor.clone(),
                    e.action.to_string(),
                    e.subject.to_string(),
                    e.request_id.clone(),
                    e.detail.clone(),
                    e.action.describe().to_string(),
                ]
            }),
        )?;
        let file = format!("attachment; filename=\"activity-{}.csv\"", account.username);
        let mut res = csv.into_response();
        let h = res.headers_mut();
        if let Ok(v) = "text/csv; charset=utf-8".parse() {
            h.insert(axum::http::header::CONTENT_TYPE, v);
        }
        if let Ok(v) = file.parse() {
            h.insert(axum::http::header::CONTENT_DISPOSITION, v);
        }
        return Ok(res);
    }
    let records: std::collections::BTreeSet<PersonId> = entries
        .iter()
        .filter(|e| e.action == AuditAction::RecordView)
        .filter_map(|e| e.subject.person())
        .collect();
    let refused = entries
        .iter()
        .filter(|e| {
            matches!(
                e.action.known(),
                Some(
                    AuditAction::RecordDenied
                        | AuditAction::AccessDenied
                        | AuditAction::SignInFailed
                )
            )
        })
        .count();
    let names = Names::load(&state).await?;
    let body = html! {
        p class="caption" { a href="/users" { "Users and roles" } }
        h1 { "Activity of " (account.display_name) }
        (error_summary(&errors))
        p class="lead" { (account.username) " · " (account.role.label()) ". From the audit log, newest first (up to 10,000 entries); looking at this page is recorded too." }
        form method="get" action=(format!("/users/{id}/activity")) class="filters" {
            div class="filter-row" {
                div class=(field_class(&errors, "from")) { label for="from" { "From" } (field_errors(&errors, "from")) input type="text" id="from" name="from" value=(from_text) class="input-date" placeholder="dd/mm/yyyy" inputmode="numeric"; }
                div class=(field_class(&errors, "to")) { label for="to" { "To" } (field_errors(&errors, "to")) input type="text" id="to" name="to" value=(to_text) class="input-date" placeholder="dd/mm/yyyy" inputmode="numeric"; }
                button type="submit" class="button button-secondary" { "Show" }
                a class="clear-link" href=(format!("/users/{id}/activity?from={}&to={}&format=csv", super::encode_component(&from_text), super::encode_component(&to_text))) { "Download as CSV" }
            }
        }
        div class="stats" {
            div class="stat" { span class="stat-value" { (entries.len()) } span class="stat-label" { "entries" } }
            div class="stat" { span class="stat-value" { (records.len()) } span class="stat-label" { "records opened" } }
            div class=(if refused > 0 { "stat stat-alert" } else { "stat" }) { span class="stat-value" { (refused) } span class="stat-label" { "refusals and failed sign-ins" } }
        }
        @if entries.is_empty() {
            p { "This user has done nothing yet." }
        } @else {
            (super::cap_notice(entries.len(), ACTIVITY_CAP, "actions", "Narrow the dates to see earlier ones."))
            (audit_table(&names, &entries, "Newest first", false, true))
        }
    };
    let mut res = Page::new(
        &format!("Activity of {}", account.display_name),
        Some(&user),
        &state.authority_name,
    )
    .active("users")
    .body(body)
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

fn category_label(c: &str) -> &str {
    RESTRICTION_CATEGORIES
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(_, l)| *l)
        .unwrap_or(c)
}

/// The restriction form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RestrictionFormValues {
    /// "restricted", "sealed" or "lift".
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub note: String,
}

fn restriction_form(
    user: &CurrentUser,
    id: PersonId,
    current: Option<&stepwise_store::RestrictionRow>,
    values: &RestrictionFormValues,
    errors: &[(String, String)],
) -> Markup {
    html! {
        h2 id="restriction" { "Protect this record" }
        (error_summary(errors))
        form method="post" action=(format!("/people/{}/restriction", id.0)) class="search-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            div class=(field_class(errors, "action")) {
                label for="action" { "Protection" }
                p class="hint" { "Restricted: found by name only, opened with a stated reason. Sealed: hidden from everyone without the sealed-records permission." }
                (field_errors(errors, "action"))
                select id="action" name="action" {
                    option value="restricted" selected[values.action == "restricted"] { "Restrict" }
                    option value="sealed" selected[values.action == "sealed"] { "Seal (adoption)" }
                    @if current.is_some() { option value="lift" selected[values.action == "lift"] { "Lift the restriction" } }
                }
            }
            div class=(field_class(errors, "category")) {
                label for="category" { "Why" }
                (field_errors(errors, "category"))
                select id="category" name="category" {
                    @for (k, l) in RESTRICTION_CATEGORIES { option value=(k) selected[values.category == k] { (l) } }
                }
            }
            div class=(field_class(errors, "note")) {
                label for="note" { "Note" }
                p class="hint" id="note-hint" { "What information governance needs to know (not needed to lift)" }
                (field_errors(errors, "note"))
                input type="text" id="note" name="note" value=(values.note) aria-describedby="note-hint";
            }
            button type="submit" class="button" { "Save" }
        }
    }
}

/// Restricts, seals or lifts the restriction on a record.
pub async fn set_restriction(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    Form(form): Form<RestrictionFormValues>,
) -> Result<Response, WebError> {
    let id = person_allowed(&state, &user, &raw, Permission::ManageRestrictions).await?;
    let actor = user.actor();
    let rid = current_request_id();
    let result = match form.action.as_str() {
        "lift" => state
            .store
            .governance()
            .lift_restriction(&actor, &rid, id)
            .await
            .map(|_| ()),
        kind => match RestrictionKind::parse(kind) {
            Some(k) => state
                .store
                .governance()
                .set_restriction(&actor, &rid, id, k, &form.category, &form.note)
                .await
                .map(|_| ()),
            None => Err(stepwise_store::StoreError::Invalid(
                "choose restrict, seal or lift".into(),
            )),
        },
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/people/{}/access-log", id.0))),
        Err(stepwise_store::StoreError::Invalid(m)) => {
            let field = if m.contains("category") {
                "category"
            } else if m.contains("sentence") {
                "note"
            } else {
                "action"
            };
            let mut c = m.chars();
            let m = c
                .next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or(m);
            let current = state.store.governance().restriction(id).await?;
            let body = html! {
                p class="caption" { a href=(format!("/people/{}/access-log", id.0)) { "Who has looked at this record" } }
                (restriction_form(&user, id, current.as_ref(), &form, &[(field.to_string(), m)]))
            };
            let mut res = Page::new(
                "Error: Protect this record",
                Some(&user),
                &state.authority_name,
            )
            .active("people")
            .body(body)
            .into_response();
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// Openings of restricted records with their reasons, for information governance to review.
pub async fn restricted_openings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let rows = state
        .store
        .governance()
        .restricted_openings(OPENINGS_CAP as i64)
        .await?;
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::RestrictedReview,
            &AuditSubject::RestrictedOpenings,
            &current_request_id(),
            "",
        )
        .await?;
    let link = user.holds(Permission::ViewUserActivity);
    let names = Names::load(&state).await?;
    let body = html! {
        h1 { "Openings of restricted records" }
        p class="lead" { "Everyone who opened a restricted record by their role rather than as its allocated or associated worker, with the reason they gave, newest first. Allocated workers and grant holders are on each record's access log." }
        @if rows.is_empty() {
            p { "No restricted record has been opened this way." }
        } @else {
            (super::cap_notice(rows.len(), OPENINGS_CAP, "openings", "Earlier ones are kept in the audit log."))
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Openings of restricted records, newest first" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Record" } th scope="col" { "Reason given" } th scope="col" class="num" { "Entry" } } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { (when(&r.at)) }
                                td { (actor_cell(&r.actor, link, &names)) }
                                td { a href=(format!("/people/{}/access-log", r.person_id)) { (r.local_id) } }
                                td { (r.reason) }
                                td class="num" { (r.seq) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(
        "Openings of restricted records",
        Some(&user),
        &state.authority_name,
    )
    .active("restricted")
    .body(body)
    .into_response())
}

/// The new-user form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub team: String,
    /// For partner professionals: their agency.
    #[serde(default)]
    pub agency: String,
}

fn new_user_form(
    user: &CurrentUser,
    teams: &[stepwise_domain::org::Team],
    f: &NewUserForm,
    errors: &[(String, String)],
) -> Markup {
    html! {
        h2 id="add-user" { "Add a user" }
        (error_summary(errors))
        form method="post" action="/users" class="search-form" novalidate {
            input type="hidden" name="csrf" value=(user.csrf_token);
            div class=(field_class(errors, "username")) { label for="username" { "Username" } p class="hint" { "Letters, digits, dots, hyphens or underscores, for example jo.bloggs" } (field_errors(errors, "username")) input type="text" id="username" name="username" value=(f.username) autocomplete="off" spellcheck="false"; }
            div class=(field_class(errors, "display_name")) { label for="display_name" { "Name" } (field_errors(errors, "display_name")) input type="text" id="display_name" name="display_name" value=(f.display_name); }
            div class=(field_class(errors, "role")) {
                label for="role" { "Role" } (field_errors(errors, "role"))
                select id="role" name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[f.role == r.as_str()] { (r.label()) } } }
            }
            div class=(field_class(errors, "team")) {
                label for="team" { "Team (optional)" } (field_errors(errors, "team"))
                select id="team" name="team" { option value="" { "No team" } @for t in teams { option value=(t.id.0) selected[f.team == t.id.0.to_string()] { (t.name) } } }
            }
            div class=(field_class(errors, "agency")) {
                label for="agency" { "Agency (partner professionals only)" } (field_errors(errors, "agency"))
                select id="agency" name="agency" { option value="" { "None" } @for (k, l) in stepwise_domain::access::AGENCIES { option value=(k) selected[f.agency == k] { (l) } } }
            }
            p class="hint" { "You will be shown a set-up link, once, to give to the person: they choose their own password with it. An account whose role reaches children's records can be used only once information governance has approved it." }
            button type="submit" class="button" { "Add the user" }
        }
    }
}

/// Adds a user, or shows the form again with what to fix.
pub async fn users_create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: axum::http::HeaderMap,
    Form(f): Form<NewUserForm>,
) -> Result<Response, WebError> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let username = f.username.trim().to_string();
    let ok_name = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if !ok_name {
        errors.push((
            "username".into(),
            "Enter a username of letters, digits, dots, hyphens or underscores (at most 64)".into(),
        ));
    } else if state
        .store
        .accounts()
        .user_by_username(&username)
        .await?
        .is_some()
    {
        errors.push((
            "username".into(),
            format!("There is already a user called {username}"),
        ));
    }
    if f.display_name.trim().is_empty() || f.display_name.chars().count() > 100 {
        errors.push((
            "display_name".into(),
            "Enter the person's name (at most 100 characters)".into(),
        ));
    }
    let role = Role::parse(&f.role);
    if role.is_none() {
        errors.push(("role".into(), "Choose a role".into()));
    }
    let teams = state.store.organisation().teams().await?;
    let team = match f.team.trim() {
        "" => None,
        t => match t
            .parse::<i64>()
            .ok()
            .filter(|id| teams.iter().any(|x| x.id.0 == *id))
        {
            Some(id) => Some(id),
            None => {
                errors.push(("team".into(), "Choose one of the teams".into()));
                None
            }
        },
    };
    let agency = match f.agency.trim() {
        "" => None,
        a if stepwise_domain::access::AGENCIES
            .iter()
            .any(|(k, _)| *k == a) =>
        {
            Some(a.to_string())
        }
        _ => {
            errors.push(("agency".into(), "Choose one of the agencies".into()));
            None
        }
    };
    if role == Some(Role::PartnerProfessional)
        && agency.is_none()
        && errors.iter().all(|e| e.0 != "agency")
    {
        errors.push((
            "agency".into(),
            "Choose the partner professional's agency".into(),
        ));
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        let body = html! {
            p class="caption" { a href="/users" { "Users and roles" } }
            (new_user_form(&user, &teams, &f, &errors))
        };
        let mut res = Page::new("Error: Add a user", Some(&user), &state.authority_name)
            .active("users")
            .body(body)
            .into_response();
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        return Ok(res);
    };
    let (token, link) = new_setup_link(state.now());
    let new_id = state
        .store
        .accounts()
        .add_user_by(
            &user.account,
            &current_request_id(),
            &stepwise_store::NewAccount {
                username: username.clone(),
                display_name: f.display_name.trim().to_string(),
                role,
                team_id: team,
                agency,
            },
            &link,
            &state.config.policy,
        )
        .await?;
    let made = state
        .store
        .accounts()
        .user_by_id(new_id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("User {new_id}")))?;
    Ok(setup_link_page(
        &state, &user, &headers, &made, &token, "added",
    ))
}

/// A new set-up link: the token to give (once) and what is stored (its SHA-256 and expiry).
fn new_setup_link(now: chrono::DateTime<chrono::Utc>) -> (String, stepwise_store::SetupLink) {
    let token = crate::auth::random_token();
    let link = stepwise_store::SetupLink {
        token_hash: crate::auth::token_hash(&token),
        expires_at: now + chrono::Duration::hours(stepwise_store::SETUP_LINK_HOURS),
    };
    (token, link)
}

/// The page that shows a set-up link, once: it is not stored, so it cannot be shown again.
fn setup_link_page(
    state: &AppState,
    user: &CurrentUser,
    headers: &axum::http::HeaderMap,
    account: &stepwise_store::UserAccount,
    token: &str,
    what: &str,
) -> Response {
    let path = format!("/set-up/{token}");
    // The address as the administrator reached this server, when it looks like a host name.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
    let url = match host {
        Some(h) => format!(
            "{}://{h}{path}",
            if state.config.secure_cookies {
                "https"
            } else {
                "http"
            }
        ),
        None => path.clone(),
    };
    let body = html! {
        p class="caption" { a href="/users" { "Users and roles" } }
        div class="notice" role="status" { p { (account.username) " " (what) } }
        h1 { "Set-up link for " (account.username) }
        p { "Give this link to " (account.display_name) " in a safe way (in person, or by a channel only they read). With it they choose their own password. It works once, for " (stepwise_store::SETUP_LINK_HOURS) " hours, and is shown only now: if it is lost, issue a new one." }
        p { code id="setup-link" { (url) } }
        @if account.awaiting_approval {
            p { "The account reaches children's records, so it can be used only once a second person (information governance) has approved it. It is listed under Awaiting approval." }
        }
        p { "Never use the link yourself: an account must be set up by the person who will use it." }
        p { a class="button" href="/users" { "Back to users and roles" } }
    };
    Page::new(
        &format!("Set-up link for {}", account.username),
        Some(user),
        &state.authority_name,
    )
    .active("users")
    .body(body)
    .into_response()
}

async fn change_user(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    what: &str,
) -> Result<Response, WebError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(UserId)
        .ok_or_else(|| WebError::NotFound(format!("User {raw:?}")))?;
    let Some(target) = state
        .store
        .accounts()
        .users()
        .await?
        .into_iter()
        .find(|u| u.id == id)
    else {
        return Err(WebError::NotFound(format!("User {id}")));
    };
    let rid = current_request_id();
    let done = match what {
        "disable" if id == user.id => {
            return Err(WebError::BadRequest(
                "you cannot disable your own account".into(),
            ));
        }
        "disable" => {
            state
                .store
                .accounts()
                .set_user_disabled(&user.actor(), &rid, id, true, &state.config.policy)
                .await?;
            format!("{} disabled", target.username)
        }
        "enable" => {
            state
                .store
                .accounts()
                .set_user_disabled(&user.actor(), &rid, id, false, &state.config.policy)
                .await?;
            let again = state.store.accounts().user_by_id(id).await?;
            if again.is_some_and(|a| a.awaiting_approval) {
                format!("{} enabled and awaiting approval", target.username)
            } else {
                format!("{} enabled", target.username)
            }
        }
        "approve" | "refuse" => {
            state
                .store
                .accounts()
                .decide_approval(
                    &user.account,
                    &rid,
                    id,
                    what == "approve",
                    &state.config.policy,
                )
                .await?;
            format!(
                "{} {}",
                target.username,
                if what == "approve" {
                    "approved"
                } else {
                    "refused"
                }
            )
        }
        _ => {
            if state
                .store
                .accounts()
                .reset_second_factor(&user.actor(), &rid, id)
                .await?
            {
                format!("{} second factor removed", target.username)
            } else {
                format!(
                    "{} has no second factor: nothing was changed",
                    target.username
                )
            }
        }
    };
    Ok(see_other(&format!(
        "/users?done={}",
        super::encode_component(&done)
    )))
}

/// Disables an account (its sessions end at once).
pub async fn users_disable(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    change_user(&state, &user, &raw, "disable").await
}

/// Re-enables an account.
pub async fn users_enable(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    change_user(&state, &user, &raw, "enable").await
}

/// Removes a user's second factor (a lost phone).
pub async fn users_reset_second_factor(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    change_user(&state, &user, &raw, "reset").await
}

/// Approves an account awaiting approval (never one's own, nor one asked for by oneself).
pub async fn users_approve(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    change_user(&state, &user, &raw, "approve").await
}

/// Refuses an account awaiting approval: it is disabled and its set-up link ends.
pub async fn users_refuse(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    change_user(&state, &user, &raw, "refuse").await
}

/// Issues a new set-up link for an account (a forgotten password): its password stops working,
/// its sessions end, and, when its role reaches case records, it awaits approval again. The
/// link is shown once.
pub async fn users_setup_link(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: axum::http::HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(UserId)
        .ok_or_else(|| WebError::NotFound(format!("User {raw:?}")))?;
    let (token, link) = new_setup_link(state.now());
    state
        .store
        .accounts()
        .issue_setup_link(
            &user.account,
            &current_request_id(),
            id,
            &link,
            &state.config.policy,
        )
        .await?;
    let account = state
        .store
        .accounts()
        .user_by_id(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("User {id}")))?;
    Ok(setup_link_page(
        &state,
        &user,
        &headers,
        &account,
        &token,
        "has a new set-up link; the old password no longer works",
    ))
}

#[cfg(test)]
mod tests {
    /// Audit times are stored in UTC and read in England's time: a July entry is not an hour out.
    #[test]
    fn audit_times_read_in_englands_time() {
        assert_eq!(
            super::when("2026-07-04T13:05:09+00:00"),
            "4 Jul 2026 14:05:09"
        );
        assert_eq!(
            super::when("2026-01-14T13:05:09+00:00"),
            "14 Jan 2026 13:05:09"
        );
        assert_eq!(super::when("not a time"), "not a time");
    }
}
