//! The second sign-in factor: a time-based one-time code from an authenticator app (RFC 6238).
//! Setting it up shows a new secret to add to the app and asks for one code from it; signing
//! in asks for the current code after the password. A code works once; wrong codes count
//! towards the same back-off as wrong passwords. Roles can be made to need it (the access
//! policy's `require_second_factor`); anyone may set one up from their account.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::Utc;
use maud::html;
use rand::RngCore;

use stepwise_domain::credentials::next_attempt_after;
use stepwise_domain::totp::{self, RECOMMENDED_SECRET_BYTES, TotpSecret};

use super::{Page, error_summary, query_pairs};
use crate::auth::{
    CurrentUser, SESSION_COOKIE, cookie, set_cookie, start_session_pending, token_hash,
};
use crate::routes::{current_request_id, see_other};
use crate::{AppState, WebError};

/// Only local paths are followed afterwards.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains("://") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Ends the waiting session and starts a full one (a new token: nothing carries over).
async fn complete(
    state: &AppState,
    headers: &HeaderMap,
    user: &CurrentUser,
    next: &str,
) -> Result<Response, WebError> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(&token_hash(&old)).await?;
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
        .map(|(_, v)| safe_next(&v))
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
    let next = safe_next(&f.next);
    if !user.second_factor_pending {
        return Ok(see_other(&next));
    }
    let rid = current_request_id();
    let now = Utc::now();
    let key = format!("second-factor:{}", user.username);
    let (failures, last) = state.store.signin_failures(&key).await?;
    if let Some(until) = last.and_then(|l| next_attempt_after(failures, l))
        && now < until
    {
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
    let Some((secret, true, last_step)) = state.store.second_factor(user.id).await? else {
        return Ok(see_other("/account/second-factor"));
    };
    let secret = TotpSecret::from_bytes(secret).map_err(|e| WebError::Internal(e.to_string()))?;
    match totp::verify(&secret, &f.code, now.timestamp(), last_step) {
        Ok(step) => {
            state.store.clear_signin_failures(&key).await?;
            state
                .store
                .use_second_factor(&user.account, &rid, step, false)
                .await?;
            complete(&state, &headers, &user, &next).await
        }
        Err(e) => {
            let n = state.store.record_signin_failure(&key, now).await?;
            state
                .store
                .audit(
                    &user.actor(),
                    "signin.second_factor_failed",
                    &format!("user:{}", user.id),
                    &rid,
                    &format!("{e}; {n} in a row"),
                )
                .await?;
            let mut c = e.to_string();
            if let Some(f) = c.get(..1) {
                c = f.to_uppercase() + &c[1..];
            }
            Ok(code_page(&state, &user, &next, &[("code".into(), c)]))
        }
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
    let current = state.store.second_factor(user.id).await?;
    if let Some((_, true, _)) = current
        && errors.is_empty()
    {
        let body = html! {
            h1 { "Second factor" }
            p class="lead" { "Your account asks for a code from your authenticator app when you sign in." }
            form method="post" action="/account/second-factor" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                input type="hidden" name="restart" value="1";
                p { "Changed your phone? Set it up again: the old app stops working once you confirm a code from the new one." }
                button type="submit" class="button button-secondary" { "Set up again" }
            }
        };
        return Ok(
            Page::new("Second factor", Some(user), &state.authority_name)
                .active("account")
                .body(body)
                .into_response(),
        );
    }
    // A secret waiting to be confirmed is kept, so reloading the page shows the same one.
    let secret = match current {
        Some((s, false, _)) => s,
        _ => {
            let mut s = vec![0u8; RECOMMENDED_SECRET_BYTES];
            rand::thread_rng().fill_bytes(&mut s);
            state.store.begin_second_factor(user.id, &s).await?;
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

/// The set-up form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub restart: String,
}

/// Confirms a new second factor with a code from it (or starts again with a new secret).
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Extension(user): Extension<CurrentUser>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    if f.restart == "1" {
        let mut s = vec![0u8; RECOMMENDED_SECRET_BYTES];
        rand::thread_rng().fill_bytes(&mut s);
        state.store.begin_second_factor(user.id, &s).await?;
        return Ok(see_other("/account/second-factor"));
    }
    let Some((secret, false, _)) = state.store.second_factor(user.id).await? else {
        return Ok(see_other("/account/second-factor"));
    };
    let secret = TotpSecret::from_bytes(secret).map_err(|e| WebError::Internal(e.to_string()))?;
    match totp::verify(&secret, &f.code, Utc::now().timestamp(), None) {
        Ok(step) => {
            state
                .store
                .use_second_factor(&user.account, &current_request_id(), step, true)
                .await?;
            if user.second_factor_pending {
                complete(&state, &headers, &user, "/").await
            } else {
                Ok(see_other("/account"))
            }
        }
        Err(e) => {
            let mut c = e.to_string();
            if let Some(f) = c.get(..1) {
                c = f.to_uppercase() + &c[1..];
            }
            enrol_page(&state, &user, &[("code".into(), c)]).await
        }
    }
}
