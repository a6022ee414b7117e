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
    /// A second factor (TOTP) is set up and confirmed.
    pub second_factor: bool,
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
    /// The password was right but the second factor is still to come.
    pub second_factor_pending: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.worker_id, u.team_id, u.password_hash, u.disabled, u.totp_confirmed";

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
        second_factor: r.i64("totp_confirmed")? != 0,
    })
}

impl Store {
    /// Creates a user, or replaces the password, role and links of one with the same username.
    pub async fn upsert_user(&self, u: &NewUser) -> Result<i64, StoreError> {
        self.upsert_user_by(&crate::Actor::System("accounts"), "-", u)
            .await
    }

    /// The same, recording who made the change.
    pub async fn upsert_user_by(
        &self,
        actor: &crate::Actor,
        request_id: &str,
        u: &NewUser,
    ) -> Result<i64, StoreError> {
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
            actor,
            "user.upsert",
            &format!("user:{id}"),
            request_id,
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
        self.create_session_pending(token_hash, user_id, csrf, expires_at, false)
            .await
    }

    /// Starts a session that may still be waiting for the second factor.
    pub async fn create_session_pending(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
        second_factor_pending: bool,
    ) -> Result<(), StoreError> {
        let now = time(Utc::now());
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at, second_factor_pending) VALUES ($1, $2, $3, $4, $4, $5, $6)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(now)
            .bind(time(expires_at))
            .bind(i64::from(second_factor_pending))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A session by its token hash, with its user.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionInfo>, StoreError> {
        let Some(r) = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.created_at, s.last_seen, s.expires_at, s.second_factor_pending FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
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
            second_factor_pending: r.i64("second_factor_pending")? != 0,
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

    /// Keeps a new TOTP secret for a user, unconfirmed until they enter a code from it. The
    /// secret is sealed with authenticated encryption (XChaCha20-Poly1305) under the sealing key
    /// derived from the key held outside the database, with a fresh random nonce and the user's
    /// id bound in as associated data: a copy of the database alone cannot produce codes, a
    /// sealed secret copied to another user's row does not open, and an altered one is refused.
    pub async fn begin_second_factor(&self, user_id: i64, secret: &[u8]) -> Result<(), StoreError> {
        if secret.is_empty() || secret.len() > 32 {
            return Err(StoreError::Invalid("a TOTP secret is 1 to 32 bytes".into()));
        }
        let (sealed, nonce) = seal_second_factor(&self.audit_key, user_id, secret)?;
        sqlx::query("UPDATE users SET totp_sealed = $1, totp_nonce = $2, totp_confirmed = 0, totp_last_step = NULL WHERE id = $3")
            .bind(sealed)
            .bind(nonce)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A user's TOTP secret (unsealed), whether it is confirmed, and the last step used. A
    /// secret that does not open (altered, or copied from another user's row) is an error, never
    /// a usable secret. A secret sealed the older way (a keystream, unauthenticated) is opened
    /// once and sealed again with authenticated encryption.
    pub async fn second_factor(
        &self,
        user_id: i64,
    ) -> Result<Option<(Vec<u8>, bool, Option<i64>)>, StoreError> {
        let Some(r) = sqlx::query("SELECT totp_sealed, totp_nonce, totp_confirmed, totp_last_step FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let (Some(sealed), Some(nonce)) = (r.opt_text("totp_sealed")?, r.opt_text("totp_nonce")?)
        else {
            return Ok(None);
        };
        let secret = match sealed.strip_prefix(SEALED_V2) {
            Some(body) => open_second_factor(&self.audit_key, user_id, body, &nonce)?,
            None => {
                let secret = open_legacy_second_factor(&self.audit_key, user_id, &sealed, &nonce)?;
                let (resealed, new_nonce) = seal_second_factor(&self.audit_key, user_id, &secret)?;
                sqlx::query("UPDATE users SET totp_sealed = $1, totp_nonce = $2 WHERE id = $3 AND totp_sealed = $4 AND totp_nonce = $5")
                    .bind(resealed)
                    .bind(new_nonce)
                    .bind(user_id)
                    .bind(&sealed)
                    .bind(&nonce)
                    .execute(&self.pool)
                    .await?;
                secret
            }
        };
        Ok(Some((
            secret,
            r.i64("totp_confirmed")? != 0,
            r.opt_i64("totp_last_step")?,
        )))
    }

    /// Records that a code for `step` was used (confirming the secret if it was new), so it
    /// cannot be used again. Audited.
    pub async fn use_second_factor(
        &self,
        user: &UserAccount,
        request_id: &str,
        step: i64,
        enrolling: bool,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_confirmed = 1, totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(user.id)
            .execute(&self.pool)
            .await?;
        self.audit(
            &crate::Actor::User {
                id: user.id,
                username: user.username.clone(),
            },
            if enrolling {
                "second_factor.enrolled"
            } else {
                "signin.second_factor"
            },
            &format!("user:{}", user.id),
            request_id,
            "",
        )
        .await?;
        Ok(())
    }

    /// Removes a user's second factor (they set up a new one at their next sign-in if their
    /// role requires it). Audited with who did it.
    pub async fn reset_second_factor(
        &self,
        actor: &crate::Actor,
        request_id: &str,
        user_id: i64,
    ) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE users SET totp_sealed = NULL, totp_nonce = NULL, totp_confirmed = 0, totp_last_step = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        self.audit(
            actor,
            "second_factor.reset",
            &format!("user:{user_id}"),
            request_id,
            "",
        )
        .await?;
        Ok(())
    }

    /// Disables or re-enables an account; disabling ends its sessions at once. Audited.
    pub async fn set_user_disabled(
        &self,
        actor: &crate::Actor,
        request_id: &str,
        user_id: i64,
        disabled: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        crate::audit::append_in(
            &mut tx,
            &self.audit_key,
            Utc::now(),
            actor,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            &format!("user:{user_id}"),
            request_id,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner and CSRF token of a session that has ended by time (not by signing out or by
    /// the account being disabled), so a form sent on it can be kept as a draft for its owner.
    pub async fn lapsed_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query("SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND u.disabled = 0 AND s.second_factor_pending = 0")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok::<_, StoreError>((r.i64("user_id")?, r.text("csrf_token")?)))
            .transpose()?)
    }

    /// Keeps a form for its owner. Audited (without the form's contents).
    pub async fn keep_draft(
        &self,
        id: &str,
        user_id: i64,
        path: &str,
        body: &str,
        request_id: &str,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        sqlx::query("DELETE FROM form_drafts WHERE created_at < $1")
            .bind(time(now - chrono::Duration::hours(24)))
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO form_drafts (id, user_id, path, body, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(user_id)
            .bind(path)
            .bind(body)
            .bind(time(now))
            .execute(&self.pool)
            .await?;
        self.audit(
            &crate::Actor::User {
                id: user_id,
                username: String::new(),
            },
            "form.draft.kept",
            &format!("user:{user_id}"),
            request_id,
            &format!("a form for {path} sent after the session ended"),
        )
        .await?;
        Ok(())
    }

    /// A kept form, for its owner only: (path, body).
    pub async fn draft(
        &self,
        id: &str,
        user_id: i64,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(sqlx::query("SELECT path, body FROM form_drafts WHERE id = $1 AND user_id = $2 AND created_at >= $3")
            .bind(id)
            .bind(user_id)
            .bind(time(Utc::now() - chrono::Duration::hours(24)))
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok::<_, StoreError>((r.text("path")?, r.text("body")?)))
            .transpose()?)
    }

    /// The kept forms of a user, newest first: (id, path, created).
    pub async fn drafts(
        &self,
        user_id: i64,
    ) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
        sqlx::query("SELECT id, path, created_at FROM form_drafts WHERE user_id = $1 AND created_at >= $2 ORDER BY created_at DESC")
            .bind(user_id)
            .bind(time(Utc::now() - chrono::Duration::hours(24)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.text("id")?, r.text("path")?, parse_time(&r.text("created_at")?)?)))
            .collect()
    }

    /// Removes a kept form (sent again, or discarded).
    pub async fn drop_draft(&self, id: &str, user_id: i64) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("DELETE FROM form_drafts WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Remembers a sign-in that has gone to the identity provider.
    pub async fn begin_oidc_login(
        &self,
        state: &str,
        nonce: &str,
        verifier: &str,
        next: &str,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < $1")
            .bind(time(now - chrono::Duration::minutes(10)))
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO oidc_logins (state, nonce, verifier, next, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(state)
            .bind(nonce)
            .bind(verifier)
            .bind(next)
            .bind(time(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes (and forgets) the sign-in a provider's answer belongs to, if it is recent:
    /// (nonce, verifier, next).
    pub async fn take_oidc_login(
        &self,
        state: &str,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let found = sqlx::query(
            "SELECT nonce, verifier, next, created_at FROM oidc_logins WHERE state = $1",
        )
        .bind(state)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oidc_logins WHERE state = $1")
            .bind(state)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some(r) = found else { return Ok(None) };
        if parse_time(&r.text("created_at")?)? < Utc::now() - chrono::Duration::minutes(10) {
            return Ok(None);
        }
        Ok(Some((
            r.text("nonce")?,
            r.text("verifier")?,
            r.text("next")?,
        )))
    }
}

/// The prefix of a second-factor secret sealed with XChaCha20-Poly1305.
const SEALED_V2: &str = "v2:";

/// The associated data binding a sealed second-factor secret to its user.
fn second_factor_aad(user_id: i64) -> Vec<u8> {
    format!("stepwise-second-factor|user:{user_id}").into_bytes()
}

fn sealing_cipher(
    key: &crate::AuditKey,
) -> Result<chacha20poly1305::XChaCha20Poly1305, StoreError> {
    use chacha20poly1305::KeyInit;
    use secrecy::ExposeSecret;
    chacha20poly1305::XChaCha20Poly1305::new_from_slice(key.sealing_key().expose_secret())
        .map_err(|_| StoreError::Invalid("the sealing key is not 32 bytes".into()))
}

/// Seals a second-factor secret for a user: (`v2:` and the ciphertext in hex, the nonce in hex).
fn seal_second_factor(
    key: &crate::AuditKey,
    user_id: i64,
    secret: &[u8],
) -> Result<(String, String), StoreError> {
    use chacha20poly1305::AeadCore;
    use chacha20poly1305::aead::{Aead, Payload};
    let nonce =
        chacha20poly1305::XChaCha20Poly1305::generate_nonce(&mut chacha20poly1305::aead::OsRng);
    let aad = second_factor_aad(user_id);
    let sealed = sealing_cipher(key)?
        .encrypt(
            &nonce,
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| StoreError::Invalid("the second factor could not be sealed".into()))?;
    Ok((
        format!("{SEALED_V2}{}", hex::encode(sealed)),
        hex::encode(nonce),
    ))
}

/// Opens a sealed second-factor secret; refuses one altered or sealed for another user.
fn open_second_factor(
    key: &crate::AuditKey,
    user_id: i64,
    sealed_hex: &str,
    nonce_hex: &str,
) -> Result<Vec<u8>, StoreError> {
    use chacha20poly1305::aead::{Aead, Payload};
    let refused = || {
        StoreError::Invalid(
            "this account's second factor does not open with this key (it was altered or belongs to another account): reset the second factor".into(),
        )
    };
    let sealed = hex::decode(sealed_hex).map_err(|_| refused())?;
    let nonce = hex::decode(nonce_hex).map_err(|_| refused())?;
    if nonce.len() != 24 {
        return Err(refused());
    }
    let aad = second_factor_aad(user_id);
    sealing_cipher(key)?
        .decrypt(
            chacha20poly1305::XNonce::from_slice(&nonce),
            Payload {
                msg: &sealed,
                aad: &aad,
            },
        )
        .map_err(|_| refused())
}

/// Opens a secret sealed before authenticated encryption: XOR with an HMAC keystream under the
/// master key, labelled with the user and a nonce.
fn open_legacy_second_factor(
    key: &crate::AuditKey,
    user_id: i64,
    sealed_hex: &str,
    nonce: &str,
) -> Result<Vec<u8>, StoreError> {
    let sealed = hex::decode(sealed_hex).map_err(|_| StoreError::corrupt("totp secret"))?;
    if sealed.is_empty() || sealed.len() > 32 {
        return Err(StoreError::corrupt("totp secret"));
    }
    let stream = key.legacy_keystream(format!("stepwise-totp|{user_id}|{nonce}").as_bytes())?;
    Ok(sealed.iter().zip(stream).map(|(a, b)| a ^ b).collect())
}
