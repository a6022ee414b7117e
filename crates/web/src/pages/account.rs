//! "Your account": who you are signed in as, your role and what it may do, your sessions,
//! changing your own password (the account's other sessions end; this one goes on), and
//! signing out everywhere (every session of the account ends at once, on every device).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::html;
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::credentials::check_new_password;

use super::{Page, error_summary, field_class};
use crate::auth::{
    CurrentUser, SESSION_COOKIE, cookie, hash_password, set_cookie, token_hash, verify_password,
};
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The account page.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    axum::extract::Query(q): axum::extract::Query<AccountQuery>,
) -> Result<Response, WebError> {
    let sessions = state.store.accounts().user_sessions(user.id).await?;
    let tokens = state.store.accounts().api_tokens(user.id).await?;
    let now = state.store.now();
    let body = html! {
        @match q.token.as_deref() {
            Some("revoked") => div class="notice" role="status" { p { "The API token has been revoked: requests bearing it are refused from now on." } },
            Some("already") => div class="notice" role="status" { p { "That API token had already been revoked. Nothing has changed." } },
            _ => {}
        }
        h1 { "Your account" }
        p class="lead" { (user.display_name) " · " (user.username) " · " (user.role.label()) }
        h2 { "What your role may do" }
        ul class="plain-list" {
            @for (p, s) in &user.permissions {
                li { (p.label()) @if p.is_about_records() { ": " span class="muted" { (s.label()) } } }
            }
        }
        h2 { "Second factor" }
        @if user.account.second_factor {
            p { "Your account asks for a code from your authenticator app when you sign in. " a href="/account/second-factor" { "Manage it" } }
        } @else {
            p { "Your account signs in with a password only. " a href="/account/second-factor" { "Set up a second factor" } }
        }
        h2 { "Password" }
        p { a href="/account/password" { "Change your password" } }
        h2 { "Where you are signed in" }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption class="visually-hidden" { "Your sessions, newest first" }
                thead { tr { th scope="col" { "Signed in" } th scope="col" { "Last used" } th scope="col" { "Ends by" } } }
                tbody {
                    @for (created, seen, expires) in &sessions {
                        tr {
                            td { (stepwise_domain::localtime::show(*created)) }
                            td { (stepwise_domain::localtime::show(*seen)) }
                            td { (stepwise_domain::localtime::show(*expires)) }
                        }
                    }
                }
            }
        }
        h2 id="api-tokens" { "API tokens" }
        @if tokens.is_empty() {
            p { "No other system calls Stepwise as you. An API token lets one (a partner's referral portal, the council's own forms) use the API with your permissions; whoever runs Stepwise issues them, on request, with " code { "stepwise token create" } "." }
        } @else {
            p { "These let other systems call Stepwise's API as you, with your permissions, and everything they do is recorded as yours. Revoke one you no longer need, or that may have been seen by someone else: it stops working at once." }
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Your API tokens, newest first" }
                    thead { tr { th scope="col" { "For" } th scope="col" { "Made" } th scope="col" { "Ends" } th scope="col" { "Last used" } th scope="col" { "State" } th scope="col" { span class="visually-hidden" { "Action" } } } }
                    tbody {
                        @for t in &tokens {
                            @let st = crate::api_tokens::state_of(t, now);
                            tr {
                                td { (t.name) }
                                td { (stepwise_domain::localtime::show(t.created_at)) }
                                td { (stepwise_domain::localtime::show(t.expires_at)) }
                                td { @match t.last_used_at { Some(at) => (stepwise_domain::localtime::show(at)), None => span class="muted" { "never" } } }
                                td { @match st { "active" => "Active", "expired" => "Expired", _ => "Revoked" } }
                                td {
                                    @if st == "active" {
                                        form method="post" action=(format!("/account/tokens/{}/revoke", t.id)) {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            button type="submit" class="button button-secondary" { "Revoke" span class="visually-hidden" { " the token for " (t.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Signing out everywhere" }
        p { "If you think someone else has used your account, sign out everywhere and tell your manager and the information governance team." }
        form method="post" action="/account/sign-out-everywhere" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            button type="submit" class="button button-secondary" { "Sign out everywhere" }
        }
    };
    Ok(
        Page::new("Your account", Some(&user), &state.authority_name)
            .active("account")
            .body(body)
            .into_response(),
    )
}

/// What the account page is told after an action.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AccountQuery {
    /// `revoked` or `already`, after the revoke button.
    pub token: Option<String>,
}

/// Ends every session of the account, this one included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let ended = state.store.accounts().delete_user_sessions(user.id).await?;
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::SignOutEverywhere,
            &AuditSubject::User(user.id),
            &current_request_id(),
            &format!("{ended} sessions ended"),
        )
        .await?;
    let mut res = crate::routes::see_other("/sign-in");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, &state.config).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

fn password_page(
    state: &AppState,
    user: &CurrentUser,
    errors: &[(String, String)],
    done: bool,
) -> Response {
    let error_for = |name: &str| {
        errors
            .iter()
            .filter(|e| e.0 == name)
            .map(|e| e.1.clone())
            .collect::<Vec<_>>()
    };
    let body = html! {
        div class="narrow" {
            (error_summary(errors))
            h1 { "Change your password" }
            @if done {
                div class="notice" role="status" { p { "Your password has been changed. You have been signed out everywhere else." } }
            }
            p class="lead" { "Use at least 12 characters. Three random words make a good password; nothing else about it is asked." }
            form method="post" action="/account/password" novalidate {
                input type="hidden" name="csrf" value=(user.csrf_token);
                div class=(field_class(errors, "current_password")) {
                    label for="current_password" { "Your current password" }
                    @for e in error_for("current_password") { p class="error-message" { (e) } }
                    input type="password" id="current_password" name="current_password" autocomplete="current-password" required;
                }
                div class=(field_class(errors, "new_password")) {
                    label for="new_password" { "New password" }
                    @for e in error_for("new_password") { p class="error-message" { (e) } }
                    input type="password" id="new_password" name="new_password" autocomplete="new-password" required;
                }
                div class=(field_class(errors, "confirm_password")) {
                    label for="confirm_password" { "New password again" }
                    @for e in error_for("confirm_password") { p class="error-message" { (e) } }
                    input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password" required;
                }
                button type="submit" class="button" { "Change password" }
            }
            p class="muted" { "Changing it signs you out on every other device." }
        }
    };
    let mut res = Page::new(
        if errors.is_empty() {
            "Change your password"
        } else {
            "Error: Change your password"
        },
        Some(user),
        &state.authority_name,
    )
    .active("account")
    .body(body)
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    res
}

/// The page to change one's own password.
pub async fn password(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Response {
    let done = q.as_deref() == Some("changed=1");
    password_page(&state, &user, &[], done)
}

/// What the password form sends.
#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// Changes one's own password: the current one must be right, the new one must meet the
/// password rules and be typed the same twice. Ends the account's other sessions; audited as
/// `password.change` (a wrong current password as `password.change_refused`).
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(user): Extension<CurrentUser>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let rid = current_request_id();
    let mut errors = Vec::new();
    // The current password is a guess like any other: counted before it is checked.
    let key = format!("password-change:{}", user.username);
    let now = state.now();
    if let Err(until) = state
        .store
        .accounts()
        .reserve_signin_attempt(
            &[(key.as_str(), stepwise_domain::credentials::FREE_FAILURES)],
            now,
        )
        .await?
    {
        let minutes = ((until - now).num_seconds() + 59) / 60;
        errors.push((
            "current_password".to_string(),
            format!(
                "There have been too many wrong passwords. Wait {minutes} minutes and try again"
            ),
        ));
        let mut res = password_page(&state, &user, &errors, false);
        *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return Ok(res);
    }
    if !verify_password(
        f.current_password.clone(),
        user.account.password_hash.clone(),
    )
    .await?
    {
        state
            .store
            .audit_log()
            .record(
                &user.actor(),
                AuditAction::PasswordChangeRefused,
                &AuditSubject::User(user.id),
                &rid,
                "the current password was not right",
            )
            .await?;
        errors.push((
            "current_password".to_string(),
            "Your current password is not right".to_string(),
        ));
        return Ok(password_page(&state, &user, &errors, false));
    }
    state.store.accounts().clear_signin_failures(&key).await?;
    if let Err(problem) = check_new_password(&user.username, &f.new_password) {
        let mut c = problem.to_string();
        if let Some(first) = c.get(..1) {
            c = first.to_uppercase() + &c[1..];
        }
        errors.push(("new_password".to_string(), c));
    } else if f.new_password == f.current_password {
        errors.push((
            "new_password".to_string(),
            "The new password must be different from the current one".to_string(),
        ));
    } else if f.new_password != f.confirm_password {
        errors.push((
            "confirm_password".to_string(),
            "The two new passwords are not the same".to_string(),
        ));
    }
    if !errors.is_empty() {
        return Ok(password_page(&state, &user, &errors, false));
    }
    let hash = hash_password(f.new_password).await?;
    let keep = cookie(&headers, SESSION_COOKIE)
        .map(|t| token_hash(&t))
        .unwrap_or_default();
    state
        .store
        .accounts()
        .change_password(&user.account, &rid, &hash, &keep)
        .await?;
    Ok(crate::routes::see_other("/account/password?changed=1"))
}
