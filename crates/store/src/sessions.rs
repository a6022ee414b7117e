//! Users and server-side sessions. Passwords arrive already hashed (argon2id, by the web
//! layer); session tokens and set-up link tokens are stored only as their SHA-256, so a copy of
//! the database cannot be used to take over a session or an account.
//!
//! Accounts come from two places. The operator who holds the server makes them on the command
//! line (`upsert_user`): approved at once, with the password the operator gives. An
//! administrator adds them on the users page (`add_user_by`): with no usable password until the
//! holder sets one through a one-time set-up link, and, when the role reaches case records,
//! awaiting a second person's approval (`decide_approval`) before they can be used.

use chrono::{DateTime, Utc};
use stepwise_domain::audit::{AuditAction, AuditSubject};

use stepwise_domain::access::{AccessPolicy, Permission, Role};
use stepwise_domain::credentials::next_attempt_after_allowing;
use stepwise_domain::ids::UserId;

use crate::StoreError;
use crate::sql::{Col, parse_time, time};

/// How long a set-up link works.
pub const SETUP_LINK_HOURS: i64 = 72;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub worker_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Empty while the account has no usable password (waiting for its set-up link).
    pub password_hash: String,
    pub disabled: bool,
    /// A second factor (TOTP) is set up and confirmed.
    pub second_factor: bool,
    /// Who made the account on the users page (`None`: the operator, on the command line).
    pub created_by: Option<UserId>,
    /// The account reaches case records and waits for a second person's approval.
    pub awaiting_approval: bool,
    /// Who made it need approval (`None`: the operator), when, and why.
    pub approval_asked_by: Option<UserId>,
    pub approval_asked_at: Option<DateTime<Utc>>,
    pub approval_for: Option<String>,
    /// Who approved it last (`None`: the operator, or never needed).
    pub approved_by: Option<UserId>,
    /// Who issued the last set-up link, and until when the current one works.
    pub setup_issued_by: Option<UserId>,
    pub setup_expires_at: Option<DateTime<Utc>>,
    /// Who chose the password in use: `holder` (through a set-up link) or `operator`.
    pub password_set_by: Option<String>,
}

impl UserAccount {
    /// Whether the account has a password that can be used.
    pub fn has_password(&self) -> bool {
        !self.password_hash.is_empty()
    }
    /// Whether user `other` made this account, asked for its approval or issued its last
    /// set-up link: they control it, or did, and so may not grant it anything (nor be granted
    /// anything by it).
    pub fn controlled_by(&self, other: UserId) -> bool {
        [
            self.created_by,
            self.approval_asked_by,
            self.setup_issued_by,
        ]
        .contains(&Some(other))
    }
    /// Whether the account can be used now (enabled and not awaiting approval).
    pub fn usable(&self) -> bool {
        !self.disabled && !self.awaiting_approval
    }
}

/// A user's second factor, unsealed.
#[derive(Clone)]
pub struct SecondFactor {
    pub secret: Vec<u8>,
    pub confirmed: bool,
    /// The last step whose code was used.
    pub last_step: Option<i64>,
    /// Names this secret (it changes whenever a new secret is kept).
    pub nonce: String,
    /// A secret being set up to replace the confirmed one, and its nonce.
    pub replacement: Option<(Vec<u8>, String)>,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactor")
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .field("replacing", &self.replacement.is_some())
            .finish_non_exhaustive()
    }
}

fn user_actor(user: &UserAccount) -> crate::Actor {
    crate::Actor::User {
        id: user.id,
        username: user.username.clone(),
    }
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

/// An account to add from the users page: it has no password until its holder sets one.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<i64>,
    /// For partner professionals: their agency.
    pub agency: Option<String>,
}

/// A one-time set-up link as stored: the SHA-256 of its token, and when it stops working.
#[derive(Debug, Clone)]
pub struct SetupLink {
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
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

pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.worker_id, u.team_id, u.password_hash, u.disabled, u.totp_confirmed, u.created_by, u.awaiting_approval, u.approval_asked_by, u.approval_asked_at, u.approval_for, u.approved_by, u.setup_issued_by, u.setup_expires_at, u.password_set_by";

pub(crate) fn user_from_row(r: &sqlx::any::AnyRow) -> Result<UserAccount, StoreError> {
    Ok(UserAccount {
        id: UserId(r.i64("id")?),
        username: r.text("username")?,
        display_name: r.text("display_name")?,
        role: Role::parse(&r.text("role")?).ok_or_else(|| StoreError::corrupt("user role"))?,
        worker_id: r.opt_i64("worker_id")?,
        team_id: r.opt_i64("team_id")?,
        password_hash: r.text("password_hash")?,
        disabled: r.i64("disabled")? != 0,
        second_factor: r.i64("totp_confirmed")? != 0,
        created_by: r.opt_i64("created_by")?.map(UserId),
        awaiting_approval: r.i64("awaiting_approval")? != 0,
        approval_asked_by: r.opt_i64("approval_asked_by")?.map(UserId),
        approval_asked_at: r
            .opt_text("approval_asked_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
        approval_for: r.opt_text("approval_for")?,
        approved_by: r.opt_i64("approved_by")?.map(UserId),
        setup_issued_by: r.opt_i64("setup_issued_by")?.map(UserId),
        setup_expires_at: r
            .opt_text("setup_expires_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
        password_set_by: r.opt_text("password_set_by")?,
    })
}

/// A username as stored, or why it cannot be one.
/// A username as stored: trimmed and in lower case, so that `Jo.Smith` and `jo.smith` are one
/// account at sign-in and cannot be made twice.
pub fn normalise_username(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

fn check_username(name: &str) -> Result<String, StoreError> {
    let name = normalise_username(name);
    let name = name.as_str();
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
    Ok(name.to_string())
}

/// The permission of information governance (approving accounts, protecting records) that
/// no other usable account would hold if `target` could no longer be used, if any.
fn last_holder_of(
    all: &[UserAccount],
    target: &UserAccount,
    policy: &AccessPolicy,
) -> Option<Permission> {
    if !target.usable() {
        return None;
    }
    [Permission::ApproveAccounts, Permission::ManageRestrictions]
        .into_iter()
        .filter(|p| policy.holds(target.role, *p))
        .find(|p| {
            !all.iter()
                .any(|u| u.id != target.id && u.usable() && policy.holds(u.role, *p))
        })
}

/// An account read inside a write transaction, or "not found".
async fn user_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: UserId,
) -> Result<UserAccount, StoreError> {
    sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    ))
    .bind(user_id.0)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| user_from_row(&r))
    .transpose()?
    .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))
}

/// The user id of an actor, if it is a signed-in user.
fn actor_id(actor: &crate::Actor) -> Option<UserId> {
    match actor {
        crate::Actor::User { id, .. } => Some(*id),
        _ => None,
    }
}

impl crate::Accounts<'_> {
    /// Creates a user, or replaces the password, role and links of one with the same username,
    /// for the operator who holds the server (the command line, the demo). The account is
    /// approved at once (audited as `user.approve` by the operator) and its password is the
    /// operator's, not an administrator's.
    pub async fn upsert_user(&self, u: &NewUser) -> Result<UserId, StoreError> {
        self.upsert_user_by(&crate::Actor::System("operator"), "-", u)
            .await
    }

    /// The same, naming the part of the system that made the change. Refused for a signed-in
    /// user: the users page adds accounts with `add_user_by`.
    pub async fn upsert_user_by(
        &self,
        actor: &crate::Actor,
        request_id: &str,
        u: &NewUser,
    ) -> Result<UserId, StoreError> {
        if actor_id(actor).is_some() {
            return Err(StoreError::Invalid(
                "accounts with a password are made by the operator on the command line; the users page issues a set-up link".into(),
            ));
        }
        let name = check_username(&u.username)?;
        let name = name.as_str();
        let now = self.now();
        let mut tx = self.write().await?;
        let existing = sqlx::query("SELECT id FROM users WHERE lower(username) = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(r) => {
                let id = r.i64("id")?;
                sqlx::query("UPDATE users SET display_name = $1, role = $2, worker_id = $3, team_id = $4, password_hash = $5, disabled = 0, created_by = NULL, awaiting_approval = 0, approval_asked_by = NULL, approval_asked_at = NULL, approval_for = NULL, approved_by = NULL, setup_token_hash = NULL, setup_expires_at = NULL, setup_issued_by = NULL, password_set_by = 'operator' WHERE id = $6")
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
                "INSERT INTO users (username, display_name, role, worker_id, team_id, password_hash, created_at, disabled, password_set_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 'operator') RETURNING id",
            )
            .bind(name)
            .bind(&u.display_name)
            .bind(u.role.as_str())
            .bind(u.worker_id)
            .bind(u.team_id)
            .bind(&u.password_hash)
            .bind(time(now))
            .fetch_one(&mut *tx)
            .await?
            .i64("id")?,
        };
        let subject = AuditSubject::User(UserId(id));
        tx.audit(
            actor,
            AuditAction::UserUpsert,
            &subject,
            request_id,
            &format!(
                "{name} as {}, password set by the operator",
                u.role.as_str()
            ),
        )
        .await?;
        tx.audit(
            actor,
            AuditAction::UserApprove,
            &subject,
            request_id,
            "approved at once: made from the command line by the operator who holds the server",
        )
        .await?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// Adds an account from the users page. It has no usable password: its holder chooses one
    /// through the set-up link (given here only as its hash). When its role reaches case
    /// records under `policy` it awaits a second person's approval. Refused for a username in
    /// use. Audited (`user.add`, `user.setup_link`) with who did it.
    pub async fn add_user_by(
        &self,
        by: &UserAccount,
        request_id: &str,
        a: &NewAccount,
        link: &SetupLink,
        policy: &AccessPolicy,
    ) -> Result<UserId, StoreError> {
        let name = check_username(&a.username)?;
        let name = name.as_str();
        let now = self.now();
        let approval = a.role.reaches_case_records(policy);
        let mut tx = self.write().await?;
        if sqlx::query("SELECT id FROM users WHERE lower(username) = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            return Err(StoreError::Invalid(format!(
                "there is already a user called {name}"
            )));
        }
        let id = sqlx::query(
            "INSERT INTO users (username, display_name, role, worker_id, team_id, password_hash, created_at, disabled, agency, created_by, awaiting_approval, approval_asked_by, approval_asked_at, approval_for, setup_token_hash, setup_expires_at, setup_issued_by) VALUES ($1, $2, $3, NULL, $4, '', $5, 0, $6, $7, $8, $9, $10, $11, $12, $13, $7) RETURNING id",
        )
        .bind(name)
        .bind(a.display_name.trim())
        .bind(a.role.as_str())
        .bind(a.team_id)
        .bind(time(now))
        .bind(a.agency.as_deref())
        .bind(by.id.0)
        .bind(i64::from(approval))
        .bind(approval.then_some(by.id).map(|u| u.0))
        .bind(approval.then(|| time(now)))
        .bind(approval.then_some("a new account"))
        .bind(&link.token_hash)
        .bind(time(link.expires_at))
        .fetch_one(&mut *tx)
        .await?
        .i64("id")?;
        let actor = crate::Actor::User {
            id: by.id,
            username: by.username.clone(),
        };
        let subject = AuditSubject::User(UserId(id));
        tx.audit(
            &actor,
            AuditAction::UserAdd,
            &subject,
            request_id,
            &format!(
                "{name} as {}{}",
                a.role.as_str(),
                if approval {
                    "; reaches case records, so it awaits a second person's approval"
                } else {
                    ""
                }
            ),
        )
        .await?;
        tx.audit(
            &actor,
            AuditAction::UserSetupLink,
            &subject,
            request_id,
            &format!(
                "a set-up link valid until {}",
                stepwise_domain::localtime::show(link.expires_at)
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// Issues a new set-up link for an account: its password stops working and its sessions
    /// end at once. An account whose role reaches case records then awaits a second person's
    /// approval again (whoever holds the link could otherwise take it over). Refused for one's
    /// own account, and for the last usable account that can approve accounts or protect
    /// records. Audited (`user.setup_link`).
    pub async fn issue_setup_link(
        &self,
        by: &UserAccount,
        request_id: &str,
        user_id: UserId,
        link: &SetupLink,
        policy: &AccessPolicy,
    ) -> Result<UserAccount, StoreError> {
        if user_id == by.id {
            return Err(StoreError::Invalid(
                "you cannot issue a set-up link for your own account".into(),
            ));
        }
        let now = self.now();
        let mut tx = self.write().await?;
        let target = user_in(tx.tx(), user_id).await?;
        let approval = target.role.reaches_case_records(policy);
        // It would then await approval and have no password: the last account that can approve
        // accounts or protect records would be silenced. The operator resets it instead
        // (`stepwise user add`).
        if approval {
            let all: Vec<UserAccount> = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u"))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(user_from_row)
                .collect::<Result<_, _>>()?;
            if let Some(p) = last_holder_of(&all, &target, policy) {
                return Err(StoreError::Invalid(format!(
                    "{} is the last account that can {}; the operator who holds the server resets its password with `stepwise user add`",
                    target.username,
                    p.label().to_lowercase()
                )));
            }
        }
        sqlx::query("UPDATE users SET password_hash = '', password_set_by = NULL, setup_token_hash = $1, setup_expires_at = $2, setup_issued_by = $3 WHERE id = $4")
            .bind(&link.token_hash)
            .bind(time(link.expires_at))
            .bind(by.id.0)
            .bind(user_id.0)
            .execute(&mut *tx)
            .await?;
        if approval {
            sqlx::query("UPDATE users SET awaiting_approval = 1, approval_asked_by = $1, approval_asked_at = $2, approval_for = 'a new set-up link' WHERE id = $3")
                .bind(by.id.0)
                .bind(time(now))
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id.0)
            .execute(&mut *tx)
            .await?;
        tx.audit(&crate::Actor::User {
                id: by.id,
                username: by.username.clone(),
            },
            AuditAction::UserSetupLink,
            &AuditSubject::User(user_id),
            request_id,
            &format!(
                "a new set-up link valid until {}; the password no longer works and the sessions ended{}",
                stepwise_domain::localtime::show(link.expires_at),
                if approval {
                    "; reaches case records, so it awaits a second person's approval"
                } else {
                    ""
                }
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(target)
    }

    /// The account a set-up link belongs to, while the link works.
    pub async fn setup_account(&self, token_hash: &str) -> Result<Option<UserAccount>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.setup_token_hash = $1 AND u.setup_expires_at > $2 AND u.disabled = 0"
        ))
        .bind(token_hash)
        .bind(time(self.now()))
        .fetch_optional(&self.pool)
        .await?
        .map(|r| user_from_row(&r))
        .transpose()
    }

    /// Sets the password its holder chose through a set-up link, and ends the link (it works
    /// once). `None` when the link is unknown, used or expired. Audited (`user.setup`).
    pub async fn complete_setup(
        &self,
        token_hash: &str,
        password_hash: &str,
        request_id: &str,
    ) -> Result<Option<UserAccount>, StoreError> {
        if password_hash.is_empty() {
            return Err(StoreError::Invalid("a password is needed".into()));
        }
        let now = self.now();
        let mut tx = self.write().await?;
        let Some(account) = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.setup_token_hash = $1 AND u.setup_expires_at > $2 AND u.disabled = 0"
        ))
        .bind(token_hash)
        .bind(time(now))
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| user_from_row(&r))
        .transpose()?
        else {
            return Ok(None);
        };
        let n = sqlx::query("UPDATE users SET password_hash = $1, password_set_by = 'holder', setup_token_hash = NULL, setup_expires_at = NULL WHERE id = $2 AND setup_token_hash = $3")
            .bind(password_hash)
            .bind(account.id.0)
            .bind(token_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Ok(None);
        }
        tx.audit(
            &crate::Actor::User {
                id: account.id,
                username: account.username.clone(),
            },
            AuditAction::UserSetup,
            &AuditSubject::User(account.id),
            request_id,
            &format!(
                "password chosen by the account holder through a set-up link issued by {}",
                account
                    .setup_issued_by
                    .map(|i| format!("user:{i}"))
                    .unwrap_or_else(|| "the operator".into())
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(account))
    }

    /// Approves or refuses an account awaiting approval. Only a holder of `approve_accounts`
    /// under `policy`, never for their own account nor for one they made, asked approval for
    /// or issued the set-up link of. A refused account is disabled, its set-up link ended.
    /// Audited (`user.approve`, `user.refuse`) with who did it.
    pub async fn decide_approval(
        &self,
        by: &UserAccount,
        request_id: &str,
        user_id: UserId,
        approve: bool,
        policy: &AccessPolicy,
    ) -> Result<UserAccount, StoreError> {
        if !policy.holds(by.role, Permission::ApproveAccounts) || !by.usable() {
            return Err(StoreError::Invalid(format!(
                "the {} role cannot approve accounts",
                by.role.label()
            )));
        }
        if user_id == by.id {
            return Err(StoreError::Invalid(
                "you cannot approve or refuse your own account; another person must".into(),
            ));
        }
        let mut tx = self.write().await?;
        let target = user_in(tx.tx(), user_id).await?;
        if !target.awaiting_approval {
            return Err(StoreError::Invalid(format!(
                "{} is not awaiting approval",
                target.username
            )));
        }
        if target.controlled_by(by.id) {
            return Err(StoreError::Invalid(format!(
                "you made {}, asked for its approval or issued its set-up link, so another person must approve or refuse it",
                target.username
            )));
        }
        if approve {
            sqlx::query("UPDATE users SET awaiting_approval = 0, approved_by = $1 WHERE id = $2")
                .bind(by.id.0)
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE users SET awaiting_approval = 0, disabled = 1, password_hash = '', password_set_by = NULL, setup_token_hash = NULL, setup_expires_at = NULL WHERE id = $1")
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.audit(
            &crate::Actor::User {
                id: by.id,
                username: by.username.clone(),
            },
            if approve {
                AuditAction::UserApprove
            } else {
                AuditAction::UserRefuse
            },
            &AuditSubject::User(user_id),
            request_id,
            &format!(
                "{} as {}, asked by {} for {}",
                target.username,
                target.role.as_str(),
                target
                    .approval_asked_by
                    .map(|i| format!("user:{i}"))
                    .unwrap_or_else(|| "the operator".into()),
                target.approval_for.as_deref().unwrap_or("an account")
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(target)
    }

    /// The latest changes to accounts (added, set-up links, approvals and refusals, disabling
    /// and enabling, second factors reset), newest first, for information governance to see.
    pub async fn account_changes(&self, limit: i64) -> Result<Vec<crate::AuditEntry>, StoreError> {
        sqlx::query("SELECT seq, at, actor, action, subject, request_id, detail FROM audit_log WHERE action IN ('user.add', 'user.upsert', 'user.setup_link', 'user.setup', 'user.approve', 'user.refuse', 'user.disable', 'user.enable', 'second_factor.reset') ORDER BY seq DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(crate::audit::audit_entry_from_row)
            .collect()
    }

    /// A user by id.
    pub async fn user_by_id(&self, id: UserId) -> Result<Option<UserAccount>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| user_from_row(&r))
        .transpose()
    }

    /// Changes a user's own password and ends every other session of the account (the one the
    /// change was made in, `keep_session`, goes on). Audited as `password.change` in the same
    /// transaction. Returns how many sessions ended.
    pub async fn change_password(
        &self,
        user: &UserAccount,
        request_id: &str,
        new_hash: &str,
        keep_session: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(new_hash)
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound(format!("user {}", user.id)));
        }
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.id.0)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.audit(
            &user_actor(user),
            AuditAction::PasswordChange,
            &AuditSubject::User(user.id),
            request_id,
            &format!("{ended} other sessions ended"),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// A user by username.
    pub async fn user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<UserAccount>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE lower(u.username) = $1 ORDER BY u.id LIMIT 1"
        ))
        .bind(normalise_username(username))
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
        user_id: UserId,
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
        user_id: UserId,
        csrf: &str,
        expires_at: DateTime<Utc>,
        second_factor_pending: bool,
    ) -> Result<(), StoreError> {
        let now = time(self.now());
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at, second_factor_pending) VALUES ($1, $2, $3, $4, $4, $5, $6)")
            .bind(token_hash)
            .bind(user_id.0)
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
    pub async fn delete_user_sessions(&self, user_id: UserId) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id.0)
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

    /// Counts a failed sign-in for a key in one atomic statement; returns the failures in a row.
    pub async fn record_signin_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let n = sqlx::query(
            "INSERT INTO signin_throttle (username, failures, last_failure) VALUES ($1, 1, $2) ON CONFLICT (username) DO UPDATE SET failures = signin_throttle.failures + 1, last_failure = $2 RETURNING failures",
        )
        .bind(key)
        .bind(time(at))
        .fetch_one(&self.pool)
        .await?
        .i64("failures")?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Reserves one attempt at a secret (a password, a code) before it is checked: for each
    /// `(key, free)`, the attempt is allowed while the key's failures in a row are under `free`
    /// or the back-off since the last one has passed, and then counted as a failure at once (a
    /// success clears it afterwards). Either every key is counted or none is. Each count moves
    /// by compare-and-set from the value that was checked, inside one write transaction, so
    /// parallel attempts cannot all pass the same check: N parallel guesses reserve at most
    /// `free` attempts. Returns the counts after this attempt, or when the next may be made.
    pub async fn reserve_signin_attempt(
        &self,
        keys: &[(&str, u32)],
        now: DateTime<Utc>,
    ) -> Result<Result<Vec<u32>, DateTime<Utc>>, StoreError> {
        for _ in 0..20 {
            let mut tx = self.begin_write().await?;
            let mut seen = Vec::new();
            let mut wait_until: Option<DateTime<Utc>> = None;
            for (key, free) in keys {
                let row = sqlx::query(
                    "SELECT failures, last_failure FROM signin_throttle WHERE username = $1",
                )
                .bind(*key)
                .fetch_optional(&mut *tx)
                .await?;
                let current = match row {
                    Some(r) => Some((r.i64("failures")?, parse_time(&r.text("last_failure")?)?)),
                    None => None,
                };
                if let Some((n, last)) = current {
                    let n32 = u32::try_from(n).unwrap_or(u32::MAX);
                    if let Some(until) = next_attempt_after_allowing(*free, n32, last)
                        && now < until
                    {
                        wait_until = Some(wait_until.map_or(until, |w| w.max(until)));
                    }
                }
                seen.push((*key, current.map(|c| c.0)));
            }
            if let Some(until) = wait_until {
                tx.rollback().await?;
                return Ok(Err(until));
            }
            let mut counts = Vec::new();
            let mut raced = false;
            for (key, before) in &seen {
                let changed = match before {
                    Some(n) => sqlx::query("UPDATE signin_throttle SET failures = failures + 1, last_failure = $1 WHERE username = $2 AND failures = $3")
                        .bind(time(now))
                        .bind(*key)
                        .bind(*n)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                    None => sqlx::query("INSERT INTO signin_throttle (username, failures, last_failure) VALUES ($1, 1, $2) ON CONFLICT (username) DO NOTHING")
                        .bind(*key)
                        .bind(time(now))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                };
                if changed != 1 {
                    raced = true;
                    break;
                }
                counts.push(u32::try_from(before.unwrap_or(0) + 1).unwrap_or(u32::MAX));
            }
            if raced {
                // Another attempt moved a count between the check and the update: check again.
                tx.rollback().await?;
                continue;
            }
            tx.commit().await?;
            return Ok(Ok(counts));
        }
        Err(StoreError::Invalid(
            "too many sign-in attempts at once; wait a moment and try again".into(),
        ))
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
        user_id: UserId,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        sqlx::query("SELECT created_at, last_seen, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at DESC")
            .bind(user_id.0)
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

    /// Seals a TOTP secret for a user with authenticated encryption (XChaCha20-Poly1305) under
    /// the sealing key derived from the key held outside the database, with a fresh random nonce
    /// and the user's id bound in as associated data: a copy of the database alone cannot produce
    /// codes, a sealed secret copied to another user's row does not open, and an altered one is
    /// refused. Returns (sealed, nonce), both text.
    fn seal_totp(&self, user_id: UserId, secret: &[u8]) -> Result<(String, String), StoreError> {
        if secret.is_empty() || secret.len() > 32 {
            return Err(StoreError::Invalid("a TOTP secret is 1 to 32 bytes".into()));
        }
        seal_second_factor(&self.audit_key, user_id, secret)
    }

    /// Opens a sealed TOTP secret (or one sealed the older, unauthenticated way).
    fn unseal_totp(
        &self,
        user_id: UserId,
        sealed: &str,
        nonce: &str,
    ) -> Result<Vec<u8>, StoreError> {
        match sealed.strip_prefix(SEALED_V2) {
            Some(body) => open_second_factor(&self.audit_key, user_id, body, nonce),
            None => open_legacy_second_factor(&self.audit_key, user_id, sealed, nonce),
        }
    }

    /// Keeps a new TOTP secret for a user who has no confirmed one, unconfirmed until they
    /// enter a code from it. A confirmed secret is never replaced here (see
    /// `begin_second_factor_replacement`): the answer is `false` and nothing changes.
    pub async fn begin_second_factor(
        &self,
        user_id: UserId,
        secret: &[u8],
    ) -> Result<bool, StoreError> {
        let (sealed, nonce) = self.seal_totp(user_id, secret)?;
        Ok(sqlx::query("UPDATE users SET totp_sealed = $1, totp_nonce = $2, totp_confirmed = 0, totp_last_step = NULL WHERE id = $3 AND totp_confirmed = 0")
            .bind(sealed)
            .bind(nonce)
            .bind(user_id.0)
            .execute(&self.pool)
            .await?
            .rows_affected()
            == 1)
    }

    /// A user's TOTP secret (unsealed), whether it is confirmed, and the last step used. A
    /// secret that does not open (altered, or copied from another user's row) is an error, never
    /// a usable secret. A secret sealed the older way (a keystream, unauthenticated) is opened
    /// once and sealed again with authenticated encryption.
    pub async fn second_factor(
        &self,
        user_id: UserId,
    ) -> Result<Option<(Vec<u8>, bool, Option<i64>)>, StoreError> {
        Ok(self
            .second_factor_state(user_id)
            .await?
            .map(|f| (f.secret, f.confirmed, f.last_step)))
    }

    /// A user's second factor in full: the secret, whether it is confirmed, the last step
    /// used, which secret it is (its nonce), and a replacement being set up, if any.
    pub async fn second_factor_state(
        &self,
        user_id: UserId,
    ) -> Result<Option<SecondFactor>, StoreError> {
        let Some(r) = sqlx::query("SELECT totp_sealed, totp_nonce, totp_confirmed, totp_last_step, totp_next_sealed, totp_next_nonce FROM users WHERE id = $1")
            .bind(user_id.0)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let (Some(sealed), Some(nonce)) = (r.opt_text("totp_sealed")?, r.opt_text("totp_nonce")?)
        else {
            return Ok(None);
        };
        // A secret sealed the older way (a keystream, unauthenticated) is opened once and
        // sealed again with authenticated encryption.
        let (secret, nonce) = if sealed.starts_with(SEALED_V2) {
            (self.unseal_totp(user_id, &sealed, &nonce)?, nonce)
        } else {
            let secret = self.unseal_totp(user_id, &sealed, &nonce)?;
            let (resealed, new_nonce) = self.seal_totp(user_id, &secret)?;
            let n = sqlx::query("UPDATE users SET totp_sealed = $1, totp_nonce = $2 WHERE id = $3 AND totp_sealed = $4 AND totp_nonce = $5")
                .bind(resealed)
                .bind(&new_nonce)
                .bind(user_id.0)
                .bind(&sealed)
                .bind(&nonce)
                .execute(&self.pool)
                .await?
                .rows_affected();
            (secret, if n == 1 { new_nonce } else { nonce })
        };
        let replacement = match (
            r.opt_text("totp_next_sealed")?,
            r.opt_text("totp_next_nonce")?,
        ) {
            (Some(s), Some(n)) => Some((self.unseal_totp(user_id, &s, &n)?, n)),
            _ => None,
        };
        Ok(Some(SecondFactor {
            secret,
            confirmed: r.i64("totp_confirmed")? != 0,
            last_step: r.opt_i64("totp_last_step")?,
            nonce,
            replacement,
        }))
    }

    /// Records that a code for `step` of the user's confirmed factor was used, so it cannot be
    /// used again: a compare-and-set that succeeds only if no code of this step or a later one
    /// was used before, so of two requests with the same code exactly one gets `true`. The
    /// audit row commits with it.
    pub async fn use_second_factor(
        &self,
        user: &UserAccount,
        request_id: &str,
        step: i64,
        action: AuditAction,
    ) -> Result<bool, StoreError> {
        self.second_factor_step(
            user,
            request_id,
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_confirmed = 1 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            step,
            None,
            action,
        )
        .await
    }

    /// Confirms the unconfirmed secret named by `nonce` with a code for `step`: a
    /// compare-and-set, so it succeeds once, and only for the secret the code was checked
    /// against. Audited in the same transaction.
    pub async fn confirm_second_factor(
        &self,
        user: &UserAccount,
        request_id: &str,
        nonce: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        self.second_factor_step(
            user,
            request_id,
            "UPDATE users SET totp_confirmed = 1, totp_last_step = $1 WHERE id = $2 AND totp_confirmed = 0 AND totp_nonce = $3",
            step,
            Some(nonce),
            AuditAction::SecondFactorEnrolled,
        )
        .await
    }

    /// One compare-and-set on a user's second factor (`sql` binds the step, the user's id and,
    /// when given, the nonce of the secret it is about), with its audit row in the same
    /// transaction: `true` when it changed the row, `false` (and nothing written) when another
    /// request got there first or the secret is not the one the code was checked against.
    async fn second_factor_step(
        &self,
        user: &UserAccount,
        request_id: &str,
        sql: &str,
        step: i64,
        nonce: Option<&str>,
        action: AuditAction,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let mut q = sqlx::query(sql).bind(step).bind(user.id.0);
        if let Some(nonce) = nonce {
            q = q.bind(nonce);
        }
        let n = q.execute(&mut *tx).await?.rows_affected();
        if n != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.audit(
            &user_actor(user),
            action,
            &AuditSubject::User(user.id),
            request_id,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Starts replacing a confirmed second factor, once the current code from it has been
    /// used (`step`, compare-and-set as in `use_second_factor`): keeps the new secret beside
    /// the confirmed one, which goes on working until the new one is confirmed. Audited.
    pub async fn begin_second_factor_replacement(
        &self,
        user: &UserAccount,
        request_id: &str,
        step: i64,
        secret: &[u8],
    ) -> Result<bool, StoreError> {
        let (sealed, nonce) = self.seal_totp(user.id, secret)?;
        let mut tx = self.write().await?;
        let n = sqlx::query("UPDATE users SET totp_last_step = $1, totp_next_sealed = $2, totp_next_nonce = $3 WHERE id = $4 AND totp_confirmed = 1 AND (totp_last_step IS NULL OR totp_last_step < $1)")
            .bind(step)
            .bind(sealed)
            .bind(nonce)
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.audit(
            &user_actor(user),
            AuditAction::SecondFactorReplacing,
            &AuditSubject::User(user.id),
            request_id,
            "the current code was given",
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Makes the replacement named by `next_nonce` the confirmed second factor, with a code
    /// from it for `step`; the old one stops working. Compare-and-set; audited.
    pub async fn finish_second_factor_replacement(
        &self,
        user: &UserAccount,
        request_id: &str,
        next_nonce: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        self.second_factor_step(
            user,
            request_id,
            "UPDATE users SET totp_sealed = totp_next_sealed, totp_nonce = totp_next_nonce, totp_next_sealed = NULL, totp_next_nonce = NULL, totp_confirmed = 1, totp_last_step = $1 WHERE id = $2 AND totp_confirmed = 1 AND totp_next_nonce = $3",
            step,
            Some(next_nonce),
            AuditAction::SecondFactorReplaced,
        )
        .await
    }

    /// Removes a user's second factor (a lost phone), with the one waiting to replace it, and
    /// audits it in the same transaction. Returns whether there was one: an account with none
    /// is left as it is and nothing is audited, so the log never records removing a factor
    /// that did not exist.
    pub async fn reset_second_factor(
        &self,
        actor: &crate::Actor,
        request_id: &str,
        user_id: UserId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let Some(row) =
            sqlx::query("SELECT totp_sealed, totp_next_sealed FROM users WHERE id = $1")
                .bind(user_id.0)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        };
        if row.opt_text("totp_sealed")?.is_none() && row.opt_text("totp_next_sealed")?.is_none() {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE users SET totp_sealed = NULL, totp_nonce = NULL, totp_confirmed = 0, totp_last_step = NULL, totp_next_sealed = NULL, totp_next_nonce = NULL WHERE id = $1")
            .bind(user_id.0)
            .execute(&mut *tx)
            .await?;
        tx.audit(
            actor,
            AuditAction::SecondFactorReset,
            &AuditSubject::User(user_id),
            request_id,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Disables or re-enables an account; disabling ends its sessions at once. Audited.
    ///
    /// Disabling an account whose role approves accounts or protects records (information
    /// governance) is refused when no other usable account would hold that permission under
    /// `policy`, and otherwise audited saying so. Re-enabling an account whose role reaches
    /// case records, when a signed-in user does it, makes it await a second person's approval.
    pub async fn set_user_disabled(
        &self,
        actor: &crate::Actor,
        request_id: &str,
        user_id: UserId,
        disabled: bool,
        policy: &AccessPolicy,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut tx = self.write().await?;
        let all: Vec<UserAccount> = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u"))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(user_from_row)
            .collect::<Result<_, _>>()?;
        let Some(target) = all.iter().find(|u| u.id == user_id) else {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        };
        let mut detail = String::new();
        if disabled {
            let held: Vec<Permission> =
                [Permission::ApproveAccounts, Permission::ManageRestrictions]
                    .into_iter()
                    .filter(|p| policy.holds(target.role, *p))
                    .collect();
            if let Some(p) = last_holder_of(&all, target, policy) {
                return Err(StoreError::Invalid(format!(
                    "{} is the last account that can {}; add another and have it approved before disabling this one",
                    target.username,
                    p.label().to_lowercase()
                )));
            }
            if !held.is_empty() {
                detail = format!(
                    "an information governance account (holds {}); shown to information governance",
                    held.iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
        } else {
            let asker = actor_id(actor);
            let approval = asker.is_some() && target.role.reaches_case_records(policy);
            sqlx::query("UPDATE users SET disabled = 0 WHERE id = $1")
                .bind(user_id.0)
                .execute(&mut *tx)
                .await?;
            if approval && target.disabled {
                sqlx::query("UPDATE users SET awaiting_approval = 1, approval_asked_by = $1, approval_asked_at = $2, approval_for = 're-enabling' WHERE id = $3")
                    .bind(asker.map(|u| u.0))
                    .bind(time(now))
                    .bind(user_id.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id.0)
                    .execute(&mut *tx)
                    .await?;
                detail = "reaches case records, so it awaits a second person's approval".into();
            }
        }
        tx.audit(
            actor,
            if disabled {
                AuditAction::UserDisable
            } else {
                AuditAction::UserEnable
            },
            &AuditSubject::User(user_id),
            request_id,
            &detail,
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
    ) -> Result<Option<(UserId, String)>, StoreError> {
        sqlx::query("SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND u.disabled = 0 AND s.second_factor_pending = 0")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok::<_, StoreError>((UserId(r.i64("user_id")?), r.text("csrf_token")?)))
            .transpose()
    }

    /// Keeps a form for its owner. Audited (without the form's contents).
    pub async fn keep_draft(
        &self,
        id: &str,
        user_id: UserId,
        path: &str,
        body: &str,
        request_id: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        sqlx::query("DELETE FROM form_drafts WHERE created_at < $1")
            .bind(time(now - chrono::Duration::hours(24)))
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO form_drafts (id, user_id, path, body, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(user_id.0)
            .bind(path)
            .bind(body)
            .bind(time(now))
            .execute(&self.pool)
            .await?;
        self.audit_log()
            .record(
                &crate::Actor::User {
                    id: user_id,
                    username: String::new(),
                },
                AuditAction::FormDraftKept,
                &AuditSubject::User(user_id),
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
        user_id: UserId,
    ) -> Result<Option<(String, String)>, StoreError> {
        sqlx::query("SELECT path, body FROM form_drafts WHERE id = $1 AND user_id = $2 AND created_at >= $3")
            .bind(id)
            .bind(user_id.0)
            .bind(time(self.now() - chrono::Duration::hours(24)))
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Ok::<_, StoreError>((r.text("path")?, r.text("body")?)))
            .transpose()
    }

    /// The kept forms of a user, newest first: (id, path, created).
    pub async fn drafts(
        &self,
        user_id: UserId,
    ) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
        sqlx::query("SELECT id, path, created_at FROM form_drafts WHERE user_id = $1 AND created_at >= $2 ORDER BY created_at DESC")
            .bind(user_id.0)
            .bind(time(self.now() - chrono::Duration::hours(24)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.text("id")?, r.text("path")?, parse_time(&r.text("created_at")?)?)))
            .collect()
    }

    /// Removes a kept form (sent again, or discarded).
    pub async fn drop_draft(&self, id: &str, user_id: UserId) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("DELETE FROM form_drafts WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id.0)
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
        let now = self.now();
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
        // Taken and forgotten in one statement, so two answers with the same state cannot both
        // find it, and no read lock is held while waiting to write.
        let found = sqlx::query(
            "DELETE FROM oidc_logins WHERE state = $1 RETURNING nonce, verifier, next, created_at",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = found else { return Ok(None) };
        if parse_time(&r.text("created_at")?)? < self.now() - chrono::Duration::minutes(10) {
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
fn second_factor_aad(user_id: UserId) -> Vec<u8> {
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
    user_id: UserId,
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
    user_id: UserId,
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
    user_id: UserId,
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
