//! Setting up an account: the one-time link an administrator passes to a new user (or to one
//! who has lost their password), where the person chooses their own password. The link's
//! token is 256 random bits, stored only as its SHA-256, works for 72 hours and once. The page
//! is public (the person has no password yet) and its form carries a CSRF token from a
//! short-lived cookie, as the sign-in form does; the token travels in the form's body, so it is
//! never written to the audit log as part of a path.

use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::{Page, error_summary, field_class, field_errors};
use crate::auth::{
    CurrentUser, SIGNIN_CSRF_COOKIE, hash_password, random_token, set_cookie, token_hash,
};
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The answer for a link that is unknown, used or expired: the same whichever it is.
fn link_does_not_work(state: &AppState) -> Response {
    let body = html! {
        div class="narrow" {
            h1 { "This set-up link does not work" }
            p { "It has been used already, it has expired (links work for 72 hours), or it was never issued. Ask your system administrator for a new one." }
            p { a href="/sign-in" { "Sign in" } }
        }
    };
    let mut res = Page::new("Set-up link not working", None, &state.authority_name)
        .body(body)
        .into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

fn form(
    state: &AppState,
    user: Option<&CurrentUser>,
    token: &str,
    username: &str,
    errors: &[(String, String)],
) -> Response {
    // Signed in (someone opening a link on a shared computer): the session's token; otherwise a
    // fresh one in the sign-in cookie.
    let (csrf, fresh) = match user {
        Some(u) => (u.csrf_token.clone(), false),
        None => (random_token(), true),
    };
    let body = html! {
        div class="narrow" {
            (error_summary(errors))
            h1 { "Set up your Stepwise account" }
            p class="lead" { "Choose the password you will sign in with. Nobody else knows it: not your administrator, and not Stepwise (it keeps only a one-way hash)." }
            form method="post" action="/set-up" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="token" value=(token);
                div class="field" {
                    label for="username" { "Your username" }
                    input type="text" id="username" name="username" value=(username) autocomplete="username" readonly;
                }
                div class=(field_class(errors, "password")) {
                    label for="password" { "New password" }
                    p class="hint" { "At least 12 characters; three random words make a good one. No other rules." }
                    (field_errors(errors, "password"))
                    input type="password" id="password" name="password" autocomplete="new-password";
                }
                div class=(field_class(errors, "confirm")) {
                    label for="confirm" { "The same password again" }
                    (field_errors(errors, "confirm"))
                    input type="password" id="confirm" name="confirm" autocomplete="new-password";
                }
                button type="submit" class="button" { "Set my password" }
            }
        }
    };
    let mut res = Page::new(
        if errors.is_empty() {
            "Set up your account"
        } else {
            "Error: Set up your account"
        },
        user,
        &state.authority_name,
    )
    .body(body)
    .into_response();
    if fresh && let Ok(v) = set_cookie(SIGNIN_CSRF_COOKIE, &csrf, 1800, &state.config).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    res
}

/// The set-up page of one link.
pub async fn show(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(account) = state
        .store
        .accounts()
        .setup_account(&token_hash(&token))
        .await?
    else {
        return Ok(link_does_not_work(&state));
    };
    Ok(form(
        &state,
        user.as_deref(),
        &token,
        &account.username,
        &[],
    ))
}

/// What the set-up form sends.
#[derive(Deserialize)]
pub struct SetUp {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub confirm: String,
}

/// Sets the password the person chose, and ends the link.
pub async fn submit(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Form(f): Form<SetUp>,
) -> Result<Response, WebError> {
    let hash = token_hash(&f.token);
    let Some(account) = state.store.accounts().setup_account(&hash).await? else {
        return Ok(link_does_not_work(&state));
    };
    let mut errors = Vec::new();
    if let Err(p) = stepwise_domain::credentials::check_new_password(&account.username, &f.password)
    {
        let m = p.to_string();
        errors.push(("password".to_string(), m[..1].to_uppercase() + &m[1..]));
    } else if f.confirm != f.password {
        errors.push((
            "confirm".to_string(),
            "Enter the same password twice".to_string(),
        ));
    }
    if !errors.is_empty() {
        return Ok(form(
            &state,
            user.as_deref(),
            &f.token,
            &account.username,
            &errors,
        ));
    }
    let password_hash = hash_password(f.password).await?;
    let Some(done) = state
        .store
        .accounts()
        .complete_setup(&hash, &password_hash, &current_request_id())
        .await?
    else {
        return Ok(link_does_not_work(&state));
    };
    let body = html! {
        div class="narrow" {
            div class="notice" role="status" { p { "Your password is set." } }
            h1 { "Your account is set up" }
            @if done.awaiting_approval {
                p { "Your account gives access to children's records, so a second person (information governance) must approve it before you can use it. You can sign in as soon as they have." }
            }
            p { a class="button" href="/sign-in" { "Sign in" } }
        }
    };
    Ok(Page::new("Account set up", None, &state.authority_name)
        .body(body)
        .into_response())
}
