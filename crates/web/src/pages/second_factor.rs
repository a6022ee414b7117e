//! The second sign-in factor: a time-based one-time code from an authenticator app (RFC 6238).
//! Setting it up shows a new secret to add to the app and asks for one code from it; signing
//! in asks for the current code after the password. A code works once (recorded by
//! compare-and-set, so two requests with one code cannot both pass); every attempt is counted
//! before the code is checked, with the same back-off as passwords. Roles can be made to need it
//! (the access policy's `require_second_factor`); anyone may set one up from their account. A
//! session still waiting for its second factor may only enrol a first one (when the account has
//! none); replacing a confirmed one needs a full session and the current code from it.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::html;
use rand::RngCore;
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::credentials::FREE_FAILURES;
use stepwise_domain::totp::{self, RECOMMENDED_SECRET_BYTES, TotpSecret};

use super::{Page, error_summary, query_pairs, safe_next};
use crate::auth::{
    CurrentUser, SESSION_COOKIE, cookie, set_cookie, start_session_pending, token_hash,
};
use crate::routes::{current_request_id, see_other};
use crate::{AppState, WebError};

/// Ends the waiting session and starts a full one (a new token: nothing carries over).
async fn complete(
    state: &AppState,
    headers: &HeaderMap,
    user: &CurrentUser,
    next: &str,
) -> Result<Response, WebError> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state
            .store
            .accounts()
            .delete_session(&token_hash(&old))
            .await?;
    }
    let token = start_session_pending(&state.store, &user.account, &state.config, false).await?;
    let mut res = see_other(next);
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

fn code_page(
    state: &AppState,
    user: &CurrentUser,
    next: &str,
    errors: &[(String, String)],
) -> Response {
    let body = html! {
        div class="narrow" {
            (error_summary(errors))
            h1 { "Enter your code" }
            p class="lead" { "Open your authenticator app and enter the 6-digit code it shows for Stepwise." }
            form method="post" action="/sign-in/second-factor" novalidate {
                input type="hidden" name="csrf" value=(user.csrf_token);
                input type="hidden" name="next" value=(next);
                div class=(if errors.is_empty() { "field" } else { "field field-error" }) {
                    label for="code" { "Code" }
                    @for e in errors { p class="error-message" { (e.1) } }
                    input type="text" id="code" name="code" class="input-date" inputmode="numeric" autocomplete="one-time-code" spellcheck="false";
                }
                button type="submit" class="button" { "Continue" }
            }
            form method="post" action="/sign-out" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                button type="submit" class="button button-secondary" { "Cancel and sign out" }
            }
            p class="muted" { "Lost your phone? Ask your system administrator to reset your second factor." }
        }
    };
    let mut res = Page::new(
        if errors.is_empty() {
            "Enter your code"
        } else {
            "Error: Enter your code"
        },
        None,
        &state.authority_name,
    )
    .body(body)
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    }
    res
}

/// The code page, after a correct password.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Response {
    let next = query_pairs(q.as_deref())
        .into_iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| safe_next(Some(&v)))
        .unwrap_or_else(|| "/".into());
    if !user.second_factor_pending {
        return see_other(&next);
    }
    code_page(&state, &user, &next, &[])
}

/// The code form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub next: String,
}

/// Checks the code and completes the sign-in.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(user): Extension<CurrentUser>,
    Form(f): Form<CodeForm>,
) -> Result<Response, WebError> {
    let next = safe_next(Some(&f.next));
    if !user.second_factor_pending {
        return Ok(see_other(&next));
    }
    let rid = current_request_id();
    let now = state.now();
    let key = format!("second-factor:{}", user.username);
    // The attempt is counted before the code is checked, so parallel guesses share one count.
    let failures = match state
        .store
        .accounts()
        .reserve_signin_attempt(&[(key.as_str(), FREE_FAILURES)], now)
        .await?
    {
        Ok(counts) => counts.first().copied().unwrap_or(0),
        Err(until) => {
            state
                .store
                .audit_log()
                .record(
                    &user.actor(),
                    AuditAction::SignInSecondFactorThrottled,
                    &AuditSubject::User(user.id),
                    &rid,
                    &format!(
                        "next attempt after {}",
                        stepwise_domain::localtime::show_as(until, "%H:%M:%S")
                    ),
                )
                .await?;
            let minutes = ((until - now).num_seconds() + 59) / 60;
            let mut res = code_page(
                &state,
                &user,
                &next,
                &[(
                    "code".into(),
                    format!(
                        "There have been too many wrong codes. Wait {minutes} minutes and try again"
                    ),
                )],
            );
            *res.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            return Ok(res);
        }
    };
    let Some(factor) = state
        .store
        .accounts()
        .second_factor_state(user.id)
        .await?
        .filter(|f| f.confirmed)
    else {
        state.store.accounts().clear_signin_failures(&key).await?;
        return Ok(see_other("/account/second-factor"));
    };
    let secret =
        TotpSecret::from_bytes(factor.secret).map_err(|e| WebError::Internal(e.to_string()))?;
    let checked = totp::verify(&secret, &f.code, now.timestamp(), factor.last_step);
    let outcome = match checked {
        // Only one request can record a step as used: a second with the same code finds it used.
        Ok(step) => {
            if state
                .store
                .accounts()
                .use_second_factor(&user.account, &rid, step, AuditAction::SignInSecondFactor)
                .await?
            {
                Ok(())
            } else {
                Err(totp::TotpError::AlreadyUsed)
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            state.store.accounts().clear_signin_failures(&key).await?;
            complete(&state, &headers, &user, &next).await
        }
        Err(e) => {
            state
                .store
                .audit_log()
                .record(
                    &user.actor(),
                    AuditAction::SignInSecondFactorFailed,
                    &AuditSubject::User(user.id),
                    &rid,
                    &format!("{e}; {failures} in a row"),
                )
                .await?;
            Ok(code_page(
                &state,
                &user,
                &next,
                &[("code".into(), sentence(&e))],
            ))
        }
    }
}

/// An error as the start of a sentence.
fn sentence(e: &impl std::fmt::Display) -> String {
    let c = e.to_string();
    match c.get(..1) {
        Some(f) => f.to_uppercase() + &c[1..],
        None => c,
    }
}

/// Setting up a second factor: a new secret to add to the app, and a code to prove it.
pub async fn enrol(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    enrol_page(&state, &user, &[]).await
}

async fn enrol_page(
    state: &AppState,
    user: &CurrentUser,
    errors: &[(String, String)],
) -> Result<Response, WebError> {
    let current = state.store.accounts().second_factor_state(user.id).await?;
    if user.second_factor_pending && current.as_ref().is_some_and(|f| f.confirmed) {
        // Never reached through the access check; kept as a second line.
        return Ok(see_other("/sign-in/second-factor"));
    }
    let replacing = match &current {
        Some(f) if f.confirmed => match &f.replacement {
            // A full session that gave the current code: the new secret to confirm.
            Some((s, _)) if !user.second_factor_pending => Some(s.clone()),
            _ => {
                return Ok(confirmed_page(state, user, errors));
            }
        },
        _ => None,
    };
    // A secret waiting to be confirmed is kept, so reloading the page shows the same one.
    let secret = match (replacing, current) {
        (Some(s), _) => s,
        (None, Some(f)) if !f.confirmed => f.secret,
        _ => {
            let mut s = vec![0u8; RECOMMENDED_SECRET_BYTES];
            rand::thread_rng().fill_bytes(&mut s);
            if !state
                .store
                .accounts()
                .begin_second_factor(user.id, &s)
                .await?
            {
                return Ok(see_other("/account/second-factor"));
            }
            s
        }
    };
    let secret = TotpSecret::from_bytes(secret).map_err(|e| WebError::Internal(e.to_string()))?;
    let key = secret.to_base32();
    let grouped: Vec<String> = key
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_string())
        .collect();
    let uri = totp::provisioning_uri(
        &secret,
        &format!("Stepwise {}", state.authority_name),
        &user.username,
    );
    let required = state.config.policy.requires_second_factor(user.role);
    let body = html! {
        (error_summary(errors))
        h1 { "Set up a second factor" }
        @if required && user.second_factor_pending {
            p class="lead" { "Your role needs a second factor. Set it up now to finish signing in." }
        } @else if user.account.second_factor {
            p class="lead" { "Add Stepwise to the authenticator app on your new phone. Your old app goes on working until you confirm a code from the new one." }
        } @else {
            p class="lead" { "After your password, Stepwise will ask for a code from an authenticator app on your phone." }
        }
        ol {
            li { "Open an authenticator app (your council's approved one) and add an account." }
            li { "Enter this key (or open " a href=(uri) { "this link" } " on the phone):" br; code class="totp-key" { (grouped.join(" ")) } }
            li { "Enter the 6-digit code the app now shows." }
        }
        form method="post" action="/account/second-factor" novalidate class="search-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            div class=(if errors.is_empty() { "field" } else { "field field-error" }) {
                label for="code" { "Code from the app" }
                @for e in errors { p class="error-message" { (e.1) } }
                input type="text" id="code" name="code" class="input-date" inputmode="numeric" autocomplete="one-time-code";
            }
            button type="submit" class="button" { "Confirm" }
        }
    };
    let mut res = Page::new("Set up a second factor", Some(user), &state.authority_name)
        .active("account")
        .body(body)
        .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

/// The page for an account with a confirmed second factor: setting it up again on a new phone
/// needs the current code from the old one.
fn confirmed_page(state: &AppState, user: &CurrentUser, errors: &[(String, String)]) -> Response {
    let body = html! {
        (error_summary(errors))
        h1 { "Second factor" }
        p class="lead" { "Your account asks for a code from your authenticator app when you sign in." }
        form method="post" action="/account/second-factor" novalidate {
            input type="hidden" name="csrf" value=(user.csrf_token);
            input type="hidden" name="restart" value="1";
            p { "Changed your phone? Set it up again: enter the code your current app shows, then add Stepwise to the new one. The old app stops working once you confirm a code from the new one." }
            div class=(if errors.is_empty() { "field" } else { "field field-error" }) {
                label for="current_code" { "Code from your current app" }
                @for e in errors { p class="error-message" { (e.1) } }
                input type="text" id="current_code" name="current_code" class="input-date" inputmode="numeric" autocomplete="one-time-code";
            }
            button type="submit" class="button button-secondary" { "Set up again" }
        }
        p class="muted" { "Lost your phone? Ask your system administrator to reset your second factor." }
    };
    let mut res = Page::new("Second factor", Some(user), &state.authority_name)
        .active("account")
        .body(body)
        .into_response();
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    res
}

/// The set-up form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub restart: String,
    /// To set up again: the current code from the confirmed factor.
    #[serde(default)]
    pub current_code: String,
}

/// Confirms a new second factor with a code from it, or (with the current code from a confirmed
/// one, in a full session) starts setting up a replacement.
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(user): Extension<CurrentUser>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    let rid = current_request_id();
    let now = state.now();
    let current = state.store.accounts().second_factor_state(user.id).await?;
    let confirmed = current.as_ref().is_some_and(|c| c.confirmed);
    if confirmed && user.second_factor_pending {
        // A waiting session never changes a confirmed factor (the access check keeps it on the
        // code prompt; this is the second line).
        state
            .store
            .audit_log()
            .record(
                &user.actor(),
                AuditAction::AccessDenied,
                &AuditSubject::Route("/account/second-factor".to_string()),
                &rid,
                "a session waiting for its second factor tried to change it",
            )
            .await?;
        return Err(WebError::Forbidden);
    }
    if f.restart == "1" {
        let Some(factor) = current.filter(|c| c.confirmed) else {
            return Ok(see_other("/account/second-factor"));
        };
        // The current code is a guess like any other: counted first, and backed off.
        let key = format!("second-factor:{}", user.username);
        if let Err(until) = state
            .store
            .accounts()
            .reserve_signin_attempt(&[(key.as_str(), FREE_FAILURES)], now)
            .await?
        {
            let minutes = ((until - now).num_seconds() + 59) / 60;
            let mut res = confirmed_page(
                &state,
                &user,
                &[(
                    "current_code".into(),
                    format!(
                        "There have been too many wrong codes. Wait {minutes} minutes and try again"
                    ),
                )],
            );
            *res.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            return Ok(res);
        }
        let old =
            TotpSecret::from_bytes(factor.secret).map_err(|e| WebError::Internal(e.to_string()))?;
        let outcome = match totp::verify(&old, &f.current_code, now.timestamp(), factor.last_step) {
            Ok(step) => {
                let mut s = vec![0u8; RECOMMENDED_SECRET_BYTES];
                rand::thread_rng().fill_bytes(&mut s);
                if state
                    .store
                    .accounts()
                    .begin_second_factor_replacement(&user.account, &rid, step, &s)
                    .await?
                {
                    Ok(())
                } else {
                    Err(totp::TotpError::AlreadyUsed)
                }
            }
            Err(e) => Err(e),
        };
        return match outcome {
            Ok(()) => {
                state.store.accounts().clear_signin_failures(&key).await?;
                Ok(see_other("/account/second-factor"))
            }
            Err(e) => {
                state
                    .store
                    .audit_log()
                    .record(
                        &user.actor(),
                        AuditAction::SecondFactorReplaceRefused,
                        &AuditSubject::User(user.id),
                        &rid,
                        &e.to_string(),
                    )
                    .await?;
                Ok(confirmed_page(
                    &state,
                    &user,
                    &[("current_code".into(), sentence(&e))],
                ))
            }
        };
    }
    let Some(factor) = current else {
        return Ok(see_other("/account/second-factor"));
    };
    // The secret the code must come from: the replacement being set up, or the first one.
    let (secret, nonce, replacing) = match (factor.confirmed, factor.replacement) {
        (true, Some((s, n))) => (s, n, true),
        (false, _) => (factor.secret, factor.nonce, false),
        (true, None) => return Ok(see_other("/account/second-factor")),
    };
    let secret = TotpSecret::from_bytes(secret).map_err(|e| WebError::Internal(e.to_string()))?;
    let outcome = match totp::verify(&secret, &f.code, now.timestamp(), None) {
        Ok(step) => {
            let done = if replacing {
                state
                    .store
                    .accounts()
                    .finish_second_factor_replacement(&user.account, &rid, &nonce, step)
                    .await?
            } else {
                state
                    .store
                    .accounts()
                    .confirm_second_factor(&user.account, &rid, &nonce, step)
                    .await?
            };
            if done {
                Ok(())
            } else {
                Err(totp::TotpError::AlreadyUsed)
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) if user.second_factor_pending => complete(&state, &headers, &user, "/").await,
        Ok(()) => Ok(see_other("/account")),
        Err(e) => enrol_page(&state, &user, &[("code".into(), sentence(&e))]).await,
    }
}
