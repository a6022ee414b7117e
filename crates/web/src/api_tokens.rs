//! API tokens on the web side: reading a request's `Authorization: Bearer` token into the user
//! it acts as, the API calls that list and revoke a user's own tokens, and the account page's
//! revoke button. Tokens are made on the command line (`stepwise token create`): whoever runs
//! the service issues them to the systems that call it.
//!
//! A request bearing a token is checked exactly as a signed-in page is (the route's permission,
//! the user's scopes, restricted and sealed records, the audit), but it needs no CSRF token
//! (a browser never adds an `Authorization` header to a request another site makes) and its
//! cookies are ignored, so a token can never be mixed with someone else's session.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use stepwise_store::{ApiToken, Store};

use crate::auth::{CurrentUser, current_user, random_token, token_hash};
use crate::error::ApiError;
use crate::routes::current_request_id;
use crate::{AppState, WebConfig, WebError};

/// What every token starts with, so that a token pasted somewhere it should not be is easy to
/// recognise (and for secret scanners).
pub const TOKEN_PREFIX: &str = "stepwise_";

/// A new token: the prefix and 64 random hex digits (256 bits).
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_token())
}

/// The token a request bears, if its `Authorization` header is a bearer token of our shape;
/// `Err` when the header is there but is not one (so the request is refused, never let
/// through on a cookie instead).
pub fn bearer(headers: &HeaderMap) -> Option<Result<String, WebError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| {
            t.strip_prefix(TOKEN_PREFIX)
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        });
    Some(token.map(str::to_string).ok_or(WebError::Unauthenticated))
}

/// The user a bearer token acts as, or `Unauthenticated` when the token is unknown, revoked,
/// expired, or its account is disabled or awaiting approval.
pub async fn token_user(
    store: &Store,
    token: &str,
    cfg: &WebConfig,
) -> Result<CurrentUser, WebError> {
    let Some((t, user)) = store
        .accounts()
        .api_token_by_hash(&token_hash(token))
        .await?
    else {
        return Err(WebError::Unauthenticated);
    };
    let now = store.now();
    if !t.usable(now) || !user.usable() {
        return Err(WebError::Unauthenticated);
    }
    if t.last_used_at
        .is_none_or(|at| now - at > chrono::Duration::minutes(1))
    {
        store.accounts().touch_api_token(t.id, now).await?;
    }
    current_user(store, user, String::new(), false, Some(t.id), cfg).await
}

/// One of the user's API tokens (never the token itself, which is shown once when it is made).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenRow {
    pub id: i64,
    /// What the token is for.
    pub name: String,
    /// When it was made (UTC, RFC 3339).
    pub created_at: String,
    /// Who made it, as the audit log names them (`system:cli` for the command line).
    pub created_by: String,
    /// When it stops working (UTC, RFC 3339).
    pub expires_at: String,
    /// When a request last bore it, to the minute (UTC, RFC 3339).
    pub last_used_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
    /// Whether this request bears this token.
    pub this_request: bool,
}

/// The user's API tokens, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenRow>,
}

/// The answer to revoking a token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    pub id: i64,
    /// False when the token had already been revoked (nothing changed).
    pub revoked: bool,
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A token's state in words: `active`, `expired` or `revoked`.
pub fn state_of(t: &ApiToken, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if now >= t.expires_at {
        "expired"
    } else {
        "active"
    }
}

/// The signed-in user's (or the calling token's user's) API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<TokenList>, ApiError> {
    let now = state.store.now();
    let tokens = state
        .store
        .accounts()
        .api_tokens(user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            state: state_of(&t, now).to_string(),
            this_request: user.api_token == Some(t.id),
            id: t.id,
            name: t.name,
            created_at: rfc3339(t.created_at),
            created_by: t.created_by,
            expires_at: rfc3339(t.expires_at),
            last_used_at: t.last_used_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
        })
        .collect();
    Ok(Json(TokenList { tokens }))
}

/// Revokes one of the user's own API tokens at once (a request bearing it is refused from
/// then on). Another user's token answers 404. Audited.
#[utoipa::path(post, path = "/api/v1/me/tokens/{id}/revoke", params(("id" = i64, Path, description = "The token's id, from /api/v1/me/tokens")),
    responses((status = 200, body = Revoked), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Json<Revoked>, ApiError> {
    let id = token_id(&id)?;
    let revoked = state
        .store
        .accounts()
        .revoke_api_token(&user.actor(), &current_request_id(), id, Some(user.id))
        .await?;
    Ok(Json(Revoked { id, revoked }))
}

/// The account page's revoke button: the same as the API call, then back to the account page
/// saying what happened.
pub async fn revoke_page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = token_id(&id)?;
    let revoked = state
        .store
        .accounts()
        .revoke_api_token(&user.actor(), &current_request_id(), id, Some(user.id))
        .await?;
    let done = if revoked { "revoked" } else { "already" };
    Ok(crate::routes::see_other(&format!("/account?token={done}#api-tokens")).into_response())
}

fn token_id(s: &str) -> Result<i64, WebError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::BadRequest(format!("{s:?} is not a token id (a number)")))
}

// The error body, named for the OpenAPI paths above.
use crate::api::ErrorBody;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn bearer_tokens_of_our_shape_are_read_and_anything_else_is_refused() {
        let t = new_token();
        assert!(t.starts_with(TOKEN_PREFIX) && t.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(bearer(&with(&format!("Bearer {t}"))).unwrap().unwrap(), t);
        assert!(bearer(&HeaderMap::new()).is_none());
        for bad in [
            "Basic dXNlcjpwYXNz".to_string(),
            "Bearer".to_string(),
            "Bearer ".to_string(),
            format!("bearer {t}"),
            format!("Bearer {}", &t[..t.len() - 1]),
            format!("Bearer {}", t.replace(TOKEN_PREFIX, "")),
            format!("Bearer {}g", &t[..t.len() - 1]),
        ] {
            assert!(
                matches!(bearer(&with(&bad)), Some(Err(WebError::Unauthenticated))),
                "{bad}"
            );
        }
    }

    #[test]
    fn token_states() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut t = ApiToken {
            id: 1,
            user_id: stepwise_domain::ids::UserId(1),
            name: "x".into(),
            created_at: now,
            created_by: "system:cli".into(),
            expires_at: now + chrono::Duration::days(1),
            last_used_at: None,
            revoked_at: None,
            revoked_by: None,
        };
        assert_eq!(state_of(&t, now), "active");
        assert_eq!(state_of(&t, now + chrono::Duration::days(1)), "expired");
        t.revoked_at = Some(now);
        assert_eq!(state_of(&t, now), "revoked");
    }
}
