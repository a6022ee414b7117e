//! Forms kept when a session lapsed before they were sent: nothing a practitioner typed is lost
//! to the idle time-out. After signing in again they see what they entered and send it (it goes
//! to the page it was meant for, checked as any form is) or discard it. Passwords are never kept.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use stepwise_store::{AuditAction, AuditSubject};

use super::{Page, decode_component};
use crate::auth::CurrentUser;
use crate::routes::{current_request_id, see_other};
use crate::{AppState, WebError};

fn pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// A kept form: what was entered, and the buttons to send or discard it.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Some((path, body)) = state.store.accounts().draft(&id, user.id).await? else {
        return Ok(see_other("/"));
    };
    let fields = pairs(&body);
    let page = html! {
        h1 { "Your form was kept" }
        p class="lead" { "You were signed out before it was sent, so nothing was saved yet. Check what you entered, then send it." }
        dl class="summary-list" {
            @for (k, v) in &fields { dt { (k.replace('_', " ")) } dd { @if v.is_empty() { span class="muted" { "(empty)" } } @else { (v) } } }
        }
        p class="muted" { "It goes to " code { (path) } ". Kept for a day." }
        form method="post" action=(format!("/drafts/{id}/send")) class="inline" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            @for (k, v) in &fields { input type="hidden" name=(k) value=(v); }
            button type="submit" class="button" { "Send it now" }
        }
        " "
        form method="post" action=(format!("/drafts/{id}/discard")) class="inline" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            button type="submit" class="button button-secondary" { "Discard it" }
        }
    };
    Ok(
        Page::new("Your form was kept", Some(&user), &state.authority_name)
            .body(page)
            .into_response(),
    )
}

/// Sends the kept form on to its page: a 307 keeps the method and the body (with this
/// session's CSRF token), so the page checks and handles it as if it had just been sent.
pub async fn send(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Some((path, _)) = state.store.accounts().draft(&id, user.id).await? else {
        return Ok(see_other("/"));
    };
    // The kept path came from the request that lapsed; it is still only followed if local.
    let path = super::safe_next(Some(&path));
    state.store.accounts().drop_draft(&id, user.id).await?;
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::FormDraftSent,
            &AuditSubject::User(user.id),
            &current_request_id(),
            &path,
        )
        .await?;
    Ok((StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, path)]).into_response())
}

/// Discards a kept form.
pub async fn discard(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if state.store.accounts().drop_draft(&id, user.id).await? {
        state
            .store
            .audit_log()
            .record(
                &user.actor(),
                AuditAction::FormDraftDiscarded,
                &AuditSubject::User(user.id),
                &current_request_id(),
                "",
            )
            .await?;
    }
    Ok(see_other("/"))
}
