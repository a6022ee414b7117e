//! Signing in and out. The sign-in form carries a CSRF token from a short-lived cookie; a
//! successful sign-in always starts a new session; failures are audited and say only that the
//! username or password was not right.
//!
//! The back-off: every attempt is counted before the password is checked (a reservation that
//! a success clears), so parallel guesses cannot pass one check together. It is counted twice:
//! for the username from this source (the client's address), allowing `FREE_FAILURES` before
//! waits begin, and for the username from every source together, allowing the higher
//! `ACCOUNT_FREE_FAILURES`. So a stranger failing elsewhere does not slow a colleague's own
//! sign-in until the account-wide ceiling, which still caps guessing spread over many addresses.

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, extract::RawQuery};
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::credentials::{ACCOUNT_FREE_FAILURES, FREE_FAILURES};
use stepwise_store::Actor;

use super::{Page, error_summary, query_pairs, safe_next};
use crate::auth::{
    CurrentUser, SESSION_COOKIE, SIGNIN_CSRF_COOKIE, cookie, dummy_hash, random_token, set_cookie,
    start_session_pending, token_hash, verify_password,
};
use crate::routes::current_request_id;
use crate::{AppState, WebError};

fn form(
    state: &AppState,
    csrf: &str,
    next: &str,
    username: &str,
    errors: &[(String, String)],
) -> Response {
    let body = html! {
        div class="narrow" {
            (error_summary(errors))
            h1 { "Sign in to Stepwise" }
            @if next.starts_with("/drafts/") {
                div class="notice" role="status" { p { "You were signed out before your form was sent. It has been kept: sign in again to check it and send it." } }
            }
            p class="lead" { (state.authority_name) " children's services" }
            form method="post" action="/sign-in" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                div class=(if errors.is_empty() { "field" } else { "field field-error" }) {
                    label for="username" { "Username" }
                    @for e in errors { p class="error-message" { (e.1) } }
                    input type="text" id="username" name="username" value=(username) autocomplete="username" spellcheck="false" autocapitalize="none" required;
                }
                div class="field" {
                    label for="password" { "Password" }
                    input type="password" id="password" name="password" autocomplete="current-password" required;
                }
                button type="submit" class="button" { "Sign in" }
            }
            @if state.config.oidc.is_some() {
                p { a class="button button-secondary" href=(format!("/sign-in/oidc?next={}", super::encode_component(next))) { "Sign in with your council account" } }
            }
            p class="muted" { "Every record you open is logged with your name." }
        }
    };
    let page = Page::new(
        if errors.is_empty() {
            "Sign in"
        } else {
            "Error: Sign in"
        },
        None,
        &state.authority_name,
    )
    .body(body);
    let mut res = page.into_response();
    if let Ok(v) = set_cookie(SIGNIN_CSRF_COOKIE, csrf, 1800, &state.config).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    }
    res
}

/// The sign-in page.
pub async fn show(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    RawQuery(q): RawQuery,
) -> Response {
    let pairs = query_pairs(q.as_deref());
    let next = safe_next(
        pairs
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.as_str()),
    );
    // A session still waiting for a second factor may sign in again from the start.
    if user.is_some_and(|u| !u.second_factor_pending) {
        return crate::routes::see_other(&next);
    }
    form(&state, &random_token(), &next, "", &[])
}

/// What the sign-in form sends.
#[derive(Deserialize)]
pub struct SignIn {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: Option<String>,
}

/// Checks the credentials and starts a session.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<SignIn>,
) -> Result<Response, WebError> {
    let next = safe_next(f.next.as_deref());
    let username = f.username.trim().to_string();
    let rid = current_request_id();
    let now = state.now();
    // The back-off: the attempt is counted (for this source, and for the username from every
    // source) before the password is checked; when either count is over its allowance and its
    // wait has not passed, the password is not even checked, so guessing gains nothing.
    // One key for every spelling of a username, as sign-in treats them as one account.
    let key: String = stepwise_store::normalise_username(&username)
        .chars()
        .take(64)
        .collect();
    let source = crate::auth::request_source(connection.map(|c| c.0.0));
    let source_key = format!("source:{source}|{key}");
    let account_key = format!("account:{key}");
    let reserved = state
        .store
        .accounts()
        .reserve_signin_attempt(
            &[
                (source_key.as_str(), FREE_FAILURES),
                (account_key.as_str(), ACCOUNT_FREE_FAILURES),
            ],
            now,
        )
        .await?;
    let failures = match reserved {
        Ok(counts) => counts.first().copied().unwrap_or(0),
        Err(until) => {
            state
                .store
                .audit_log()
                .record(
                    &Actor::Anonymous,
                    AuditAction::SignInThrottled,
                    &AuditSubject::Username(key.to_string()),
                    &rid,
                    &format!(
                        "too many failures in a row; next attempt after {}",
                        stepwise_domain::localtime::show_as(until, "%H:%M:%S")
                    ),
                )
                .await?;
            let wait = (until - now).num_seconds().max(1);
            let minutes = (wait + 59) / 60;
            let errors = vec![(
                "username".to_string(),
                format!(
                    "There have been too many failed attempts to sign in with this username. Wait {minutes} minute{} and try again, or ask your system administrator",
                    if minutes == 1 { "" } else { "s" }
                ),
            )];
            let mut res = form(&state, &random_token(), &next, &username, &errors);
            *res.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            if let Ok(v) = wait.to_string().parse() {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
    };
    let account = if username.is_empty() {
        None
    } else {
        state.store.accounts().user_by_username(&username).await?
    };
    let ok = match &account {
        // An account still waiting for its set-up link has no password: checked against the
        // dummy below, so it takes as long and is not revealed.
        Some(a) if !a.disabled && a.has_password() => {
            verify_password(f.password.clone(), a.password_hash.clone()).await?
        }
        _ => {
            // Spend the same time as a real check so a wrong username is not revealed.
            verify_password(f.password.clone(), dummy_hash().await?).await?;
            false
        }
    };
    match (ok, account) {
        // The right password for an account that a second person has still to approve: said
        // plainly, and only now (a wrong password gets the usual answer).
        (true, Some(a)) if a.awaiting_approval => {
            state
                .store
                .audit_log()
                .record(
                    &Actor::User {
                        id: a.id,
                        username: a.username.clone(),
                    },
                    AuditAction::SignInAwaitingApproval,
                    &AuditSubject::User(a.id),
                    &rid,
                    "",
                )
                .await?;
            let errors = vec![(
                "username".to_string(),
                "Your account is waiting for a second person (information governance) to approve it. You can sign in once they have".to_string(),
            )];
            let mut res = form(&state, &random_token(), &next, &username, &errors);
            *res.status_mut() = axum::http::StatusCode::FORBIDDEN;
            Ok(res)
        }
        (true, Some(a)) => {
            // A fresh session on every sign-in; any session cookie the browser already had is ended.
            if let Some(old) = cookie(&headers, SESSION_COOKIE) {
                state
                    .store
                    .accounts()
                    .delete_session(&token_hash(&old))
                    .await?;
            }
            state
                .store
                .accounts()
                .clear_signin_failures(&source_key)
                .await?;
            state
                .store
                .accounts()
                .clear_signin_failures(&account_key)
                .await?;
            // A second factor when the user has one, or their role requires one.
            let second = a.second_factor || state.config.policy.requires_second_factor(a.role);
            let token = start_session_pending(&state.store, &a, &state.config, second).await?;
            let next = match (second, a.second_factor) {
                (false, _) => next,
                (true, true) => format!(
                    "/sign-in/second-factor?next={}",
                    super::encode_component(&next)
                ),
                (true, false) => "/account/second-factor".to_string(),
            };
            state
                .store
                .audit_log()
                .record(
                    &Actor::User {
                        id: a.id,
                        username: a.username.clone(),
                    },
                    AuditAction::SignIn,
                    &AuditSubject::User(a.id),
                    &rid,
                    "",
                )
                .await?;
            let mut res = crate::routes::see_other(&next);
            let h = res.headers_mut();
            if let Ok(v) = set_cookie(
                SESSION_COOKIE,
                &token,
                state.config.session_hours * 3600,
                &state.config,
            )
            .parse()
            {
                h.append(header::SET_COOKIE, v);
            }
            if let Ok(v) = set_cookie(SIGNIN_CSRF_COOKIE, "", 0, &state.config).parse() {
                h.append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        _ => {
            // Already counted when the attempt was reserved.
            state
                .store
                .audit_log()
                .record(
                    &Actor::Anonymous,
                    AuditAction::SignInFailed,
                    &AuditSubject::Username(key.to_string()),
                    &rid,
                    &format!("{failures} in a row"),
                )
                .await?;
            let errors = vec![(
                "username".to_string(),
                "Enter a correct username and password".to_string(),
            )];
            Ok(form(&state, &random_token(), &next, &username, &errors))
        }
    }
}

/// Ends the session.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        state
            .store
            .accounts()
            .delete_session(&token_hash(&t))
            .await?;
    }
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::SignOut,
            &AuditSubject::User(user.id),
            &current_request_id(),
            "",
        )
        .await?;
    let mut res = crate::routes::see_other("/sign-in");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, &state.config).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// Sends the person to the authority's identity provider.
pub async fn oidc_start(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    // Without an identity provider configured there is only the password form.
    let Some(cfg) = state.config.oidc.clone() else {
        return Ok(crate::routes::see_other("/sign-in"));
    };
    let next = safe_next(
        query_pairs(q.as_deref())
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.as_str()),
    );
    let d = crate::oidc::discover(&cfg).await.map_err(|e| {
        WebError::BadRequest(format!("{e}; sign in with your Stepwise password instead"))
    })?;
    let (st, nonce, verifier) = (random_token(), random_token(), random_token());
    state
        .store
        .accounts()
        .begin_oidc_login(&st, &nonce, &verifier, &next)
        .await?;
    Ok(crate::routes::see_other(&crate::oidc::authorization_url(
        &d, &cfg, &st, &nonce, &verifier,
    )))
}

/// A failed sign-in through the provider: audited, and said plainly on the sign-in page.
async fn oidc_refused(state: &AppState, rid: &str, why: String) -> Result<Response, WebError> {
    state
        .store
        .audit_log()
        .record(
            &Actor::Anonymous,
            AuditAction::SignInFailed,
            &AuditSubject::Oidc,
            rid,
            &why,
        )
        .await?;
    let errors = vec![(
        "username".to_string(),
        format!("Signing in with your council account did not work: {why}"),
    )];
    let mut res = form(state, &random_token(), "/", "", &errors);
    *res.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    Ok(res)
}

/// The provider's answer: checks it and signs the person in.
pub async fn oidc_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    // Without an identity provider configured there is only the password form.
    let Some(cfg) = state.config.oidc.clone() else {
        return Ok(crate::routes::see_other("/sign-in"));
    };
    let pairs = query_pairs(q.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let rid = current_request_id();
    let (Some(code), Some(st)) = (get("code"), get("state")) else {
        return oidc_refused(
            &state,
            &rid,
            get("error_description")
                .or(get("error"))
                .unwrap_or_else(|| "the identity provider sent no code".into()),
        )
        .await;
    };
    let Some((nonce, verifier, next)) = state.store.accounts().take_oidc_login(&st).await? else {
        return oidc_refused(
            &state,
            &rid,
            "the sign-in had expired or was already used; try again".into(),
        )
        .await;
    };
    let d = match crate::oidc::discover(&cfg).await {
        Ok(d) => d,
        Err(e) => return oidc_refused(&state, &rid, e.to_string()).await,
    };
    let claims = match crate::oidc::finish(&d, &cfg, &code, &verifier, &nonce).await {
        Ok(c) => c,
        Err(e) => return oidc_refused(&state, &rid, e.to_string()).await,
    };
    // The account is the one linked to the provider's (issuer, subject); a username the
    // provider reports names nothing here.
    let found = state
        .store
        .accounts()
        .user_by_oidc_subject(cfg.issuer_id(), &claims.sub)
        .await?;
    if let Some(a) = found
        .as_ref()
        .filter(|a| a.awaiting_approval && !a.disabled)
    {
        return oidc_refused(
            &state,
            &rid,
            format!(
                "the Stepwise account {} is waiting for a second person (information governance) to approve it",
                a.username
            ),
        )
        .await;
    }
    let Some(a) = found.filter(|a| a.usable()) else {
        return oidc_refused(
            &state,
            &rid,
            format!(
                "no Stepwise account is linked to your council account (subject {}); ask your system administrator to link it",
                claims.sub
            ),
        )
        .await;
    };
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state
            .store
            .accounts()
            .delete_session(&token_hash(&old))
            .await?;
    }
    let second = a.second_factor || state.config.policy.requires_second_factor(a.role);
    let token = start_session_pending(&state.store, &a, &state.config, second).await?;
    state
        .store
        .audit_log()
        .record(
            &Actor::User {
                id: a.id,
                username: a.username.clone(),
            },
            AuditAction::SignIn,
            &AuditSubject::User(a.id),
            &rid,
            &format!("through the identity provider (subject {})", claims.sub),
        )
        .await?;
    let next = safe_next(Some(&next));
    let next = match (second, a.second_factor) {
        (false, _) => next,
        (true, true) => format!(
            "/sign-in/second-factor?next={}",
            super::encode_component(&next)
        ),
        (true, false) => "/account/second-factor".to_string(),
    };
    let mut res = crate::routes::see_other(&next);
    if let Ok(v) = set_cookie(
        SESSION_COOKIE,
        &token,
        state.config.session_hours * 3600,
        &state.config,
    )
    .parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
