//! Users and server-side sessions. Passwords arrive already hashed (argon2id, by the web
//! layer); session tokens are stored only as their SHA-256, so a copy of the database cannot
//! be used to take over a session.

use chrono::{DateTime, Utc};

use stepwise_domain::access::Role;

use crate::sql::{Col, parse_time, time};
use crate::{Store, StoreError};

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub worker_id: Option<i64>,
    pub team_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub worker_id: Option<i64>,
    pub team_id: Option<i64>,
    pub password_hash: String,
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: UserAccount,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.worker_id, u.team_id, u.password_hash, u.disabled";

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<UserAccount, StoreError> {
    Ok(UserAccount {
        id: r.i64("id")?,
        username: r.text("username")?,
        display_name: r.text("display_name")?,
        role: Role::parse(&r.text("role")?).ok_or_else(|| StoreError::corrupt("user role"))?,
        worker_id: r.opt_i64("worker_id")?,
        team_id: r.opt_i64("team_id")?,
        password_hash: r.text("password_hash")?,
        disabled: r.i64("disabled")? != 0,
    })
}

impl Store {
    /// Creates a user, or replaces the password, role and links of one with the same username.
    pub async fn upsert_user(&self, u: &NewUser) -> Result<i64, StoreError> {
        let name = u.username.trim();
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        {
            return Err(StoreError::Invalid(format!(
                "username {name:?}: use 1 to 64 letters, digits, dots, hyphens or underscores"
            )));
        }
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(r) => {
                let id = r.i64("id")?;
                sqlx::query("UPDATE users SET display_name = $1, role = $2, worker_id = $3, team_id = $4, password_hash = $5, disabled = 0 WHERE id = $6")
                    .bind(&u.display_name)
                    .bind(u.role.as_str())
                    .bind(u.worker_id)
                    .bind(u.team_id)
                    .bind(&u.password_hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => sqlx::query(
                "INSERT INTO users (username, display_name, role, worker_id, team_id, password_hash, created_at, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING id",
            )
            .bind(name)
            .bind(&u.display_name)
            .bind(u.role.as_str())
            .bind(u.worker_id)
            .bind(u.team_id)
            .bind(&u.password_hash)
            .bind(time(Utc::now()))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?,
        };
        crate::audit::append_in(
            &mut tx,
            &self.audit_key,
            Utc::now(),
            &crate::Actor::System("accounts"),
            "user.upsert",
            &format!("user:{id}"),
            "-",
            &format!("{name} as {}", u.role.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A user by username.
    pub async fn user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserAccount>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"
        ))
        .bind(username.trim())
        .fetch_optional(&self.pool)
        .await?
        .map(|r| user_from_row(&r))
        .transpose()
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<UserAccount>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(user_from_row)
        .collect()
    }

    /// Stores a new session.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = time(Utc::now());
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $4, $4, $5)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(time(expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A session by its token hash, with its user.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>, StoreError> {
        let Some(r) = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.created_at, s.last_seen, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionInfo {
            user: user_from_row(&r)?,
            csrf_token: r.text("csrf_token")?,
            created_at: parse_time(&r.text("created_at")?)?,
            last_seen: parse_time(&r.text("last_seen")?)?,
            expires_at: parse_time(&r.text("expires_at")?)?,
        }))
    }

    /// Records activity on a session (for the idle time-out).
    pub async fn touch_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(time(at))
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user.
    pub async fn delete_user_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Failed sign-ins in a row for a username, and when the last one was.
    pub async fn signin_failures(
        &self,
        username: &str,
    ) -> Result<(u32, Option<DateTime<Utc>>), StoreError> {
        match sqlx::query("SELECT failures, last_failure FROM signin_throttle WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
        {
            Some(r) => Ok((
                u32::try_from(r.i64("failures")?).unwrap_or(u32::MAX),
                Some(parse_time(&r.text("last_failure")?)?),
            )),
            None => Ok((0, None)),
        }
    }

    /// Counts a failed sign-in for a username; returns the failures in a row.
    pub async fn record_signin_failure(
        &self,
        username: &str,
        at: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("SELECT failures FROM signin_throttle WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.i64("failures"))
            .transpose()?
            .unwrap_or(0)
            + 1;
        sqlx::query("DELETE FROM signin_throttle WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signin_throttle (username, failures, last_failure) VALUES ($1, $2, $3)",
        )
        .bind(username)
        .bind(n)
        .bind(time(at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Clears the failures after a successful sign-in.
    pub async fn clear_signin_failures(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM signin_throttle WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A user's live sessions (when each began and was last used), newest first. Tokens are
    /// never returned.
    pub async fn user_sessions(
        &self,
        user_id: i64,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        sqlx::query("SELECT created_at, last_seen, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at DESC")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    parse_time(&r.text("created_at")?)?,
                    parse_time(&r.text("last_seen")?)?,
                    parse_time(&r.text("expires_at")?)?,
                ))
            })
            .collect()
    }
}
