//! API tokens: how another system (a partner's referral portal, the council's own forms) calls
//! the API as one user. A token is made on the command line by whoever runs the service, shown
//! once, and kept only as its SHA-256; a request bearing it acts as its user through the same
//! access check, scopes and audit as a signed-in page. Tokens end on a date, can be revoked by
//! their user or on the command line, and are never deleted, so the account page and the audit
//! log can always say what a token was.

use chrono::{DateTime, Utc};
use stepwise_domain::audit::{AuditAction, AuditSubject};
use stepwise_domain::ids::UserId;

use crate::sessions::{USER_COLUMNS, UserAccount, user_from_row};
use crate::sql::{Col, parse_time, time};
use crate::{Actor, StoreError};

/// The longest a token may last, in days.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// What is kept about a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: UserId,
    /// What the token is for, in its maker's words ("Police referral portal").
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Who made it, as the audit log names actors.
    pub created_by: String,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl ApiToken {
    /// Whether a request bearing this token is let in at `now`.
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

const TOKEN_COLUMNS: &str = "t.id AS token_id, t.user_id AS token_user_id, t.name AS token_name, t.created_at AS token_created_at, t.created_by AS token_created_by, t.expires_at AS token_expires_at, t.last_used_at AS token_last_used_at, t.revoked_at AS token_revoked_at, t.revoked_by AS token_revoked_by";

fn token_from_row(r: &sqlx::any::AnyRow) -> Result<ApiToken, StoreError> {
    let opt_time = |c: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        r.opt_text(c)?.as_deref().map(parse_time).transpose()
    };
    Ok(ApiToken {
        id: r.i64("token_id")?,
        user_id: UserId(r.i64("token_user_id")?),
        name: r.text("token_name")?,
        created_at: parse_time(&r.text("token_created_at")?)?,
        created_by: r.text("token_created_by")?,
        expires_at: parse_time(&r.text("token_expires_at")?)?,
        last_used_at: opt_time("token_last_used_at")?,
        revoked_at: opt_time("token_revoked_at")?,
        revoked_by: r.opt_text("token_revoked_by")?,
    })
}

/// Checks a token's name: what it is for, in a few words.
pub fn check_token_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid(
            "the token needs a name that says what it is for (such as \"Police referral portal\")"
                .into(),
        ));
    }
    if name.chars().count() > 100 {
        return Err(StoreError::Invalid(
            "the token's name is longer than 100 characters".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "the token's name holds a control character".into(),
        ));
    }
    Ok(name.to_string())
}

impl crate::Accounts<'_> {
    /// Keeps a new token (its hash) for a user, lasting `days` days. Audited on the user.
    /// The user must exist and not be disabled.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        request_id: &str,
        user_id: UserId,
        name: &str,
        token_hash: &str,
        days: i64,
    ) -> Result<ApiToken, StoreError> {
        let name = check_token_name(name)?;
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(StoreError::Invalid(format!(
                "a token lasts from 1 to {MAX_TOKEN_DAYS} days (asked for {days})"
            )));
        }
        let user = self
            .user_by_id(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        if user.disabled {
            return Err(StoreError::Invalid(format!(
                "the account {} is disabled: enable it before giving it a token",
                user.username
            )));
        }
        let now = self.now();
        let expires = now + chrono::Duration::days(days);
        let mut tx = self.write().await?;
        let id = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(user_id.0)
            .bind(&name)
            .bind(token_hash)
            .bind(time(now))
            .bind(actor.label())
            .bind(time(expires))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?;
        tx.audit(
            actor,
            AuditAction::ApiTokenCreated,
            &AuditSubject::User(user_id),
            request_id,
            &format!("token {id} ({name}), until {}", time(expires)),
        )
        .await?;
        tx.commit().await?;
        self.api_token(id)
            .await?
            .ok_or_else(|| StoreError::corrupt(format!("token {id} was not kept")))
    }

    /// One token by its id.
    pub async fn api_token(&self, id: i64) -> Result<Option<ApiToken>, StoreError> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(token_from_row)
        .transpose()
    }

    /// A user's tokens, newest first (revoked and expired ones too).
    pub async fn api_tokens(&self, user_id: UserId) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id DESC"
        ))
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
    }

    /// Every token, newest first, with its user's name (for the command line).
    pub async fn all_api_tokens(&self) -> Result<Vec<(ApiToken, String)>, StoreError> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS}, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((token_from_row(r)?, r.text("username")?)))
        .collect()
    }

    /// The token with this hash and its account, whatever their state: the caller decides
    /// whether it lets the request in ([`ApiToken::usable`], [`UserAccount::usable`]).
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, UserAccount)>, StoreError> {
        let Some(r) = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS}, {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some((token_from_row(&r)?, user_from_row(&r)?)))
    }

    /// Notes that a token was used (at most once a minute, as sessions are touched).
    pub async fn touch_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(time(at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Revokes a token. `owner`, when given, is the only user whose token may be revoked this
    /// way (a signed-in user revoking their own); any other token answers "not found", so one
    /// user cannot learn which token ids another holds. Revoking a token already revoked
    /// changes nothing and answers `false`. Audited on the token's user.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        request_id: &str,
        id: i64,
        owner: Option<UserId>,
    ) -> Result<bool, StoreError> {
        let not_found = || StoreError::NotFound(format!("API token {id}"));
        let mut tx = self.write().await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(not_found());
        };
        let token = token_from_row(&row)?;
        if owner.is_some_and(|o| o != token.user_id) {
            return Err(not_found());
        }
        if token.revoked_at.is_some() {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
            .bind(time(self.now()))
            .bind(actor.label())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.audit(
            actor,
            AuditAction::ApiTokenRevoked,
            &AuditSubject::User(token.user_id),
            request_id,
            &format!("token {id} ({})", token.name),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
