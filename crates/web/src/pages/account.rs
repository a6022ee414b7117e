//! "Your account": who you are signed in as, your role and what it may do, your sessions, and
//! signing out everywhere (every session of the account ends at once, on every device).

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::Page;
use crate::auth::{CurrentUser, SESSION_COOKIE, set_cookie};
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The account page.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let sessions = state.store.user_sessions(user.id).await?;
    let body = html! {
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
        h2 { "Where you are signed in" }
        table class="table" {
            caption class="visually-hidden" { "Your sessions, newest first" }
            thead { tr { th scope="col" { "Signed in" } th scope="col" { "Last used" } th scope="col" { "Ends by" } } }
            tbody {
                @for (created, seen, expires) in &sessions {
                    tr {
                        td { (created.format("%-d %b %Y %H:%M")) }
                        td { (seen.format("%-d %b %Y %H:%M")) }
                        td { (expires.format("%-d %b %Y %H:%M")) }
                    }
                }
            }
        }
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

/// Ends every session of the account, this one included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let ended = state.store.delete_user_sessions(user.id).await?;
    state
        .store
        .audit(
            &user.actor(),
            "signout.everywhere",
            &format!("user:{}", user.id),
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
