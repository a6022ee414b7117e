//! Accounts bound to the authority's identity provider: an account is linked to one
//! (issuer, subject) pair, and a sign-in through the provider opens only the account linked to
//! the subject the provider vouched for. Linking is audited.

use stepwise_domain::ids::UserId;

use crate::StoreError;
use crate::audit::Actor;
use crate::sessions::UserAccount;
use crate::sql::Col;
use stepwise_domain::audit::{AuditAction, AuditSubject};

/// The issuer as accounts are bound to it: without a trailing slash.
fn issuer_id(issuer: &str) -> &str {
    issuer.trim_end_matches('/')
}

impl crate::Accounts<'_> {
    /// Links an account to the provider's subject, replacing any earlier link of that account.
    /// Refused if the subject is linked to another account. Audited.
    pub async fn link_oidc_subject(
        &self,
        actor: &Actor,
        request_id: &str,
        user_id: UserId,
        issuer: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        let (issuer, subject) = (issuer_id(issuer.trim()), subject.trim());
        if issuer.is_empty() || subject.is_empty() {
            return Err(StoreError::Invalid(
                "give both the identity provider's issuer and the person's subject there".into(),
            ));
        }
        let mut tx = self.write().await?;
        let taken = sqlx::query(
            "SELECT id FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2 AND id <> $3",
        )
        .bind(issuer)
        .bind(subject)
        .bind(user_id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = taken {
            return Err(StoreError::Invalid(format!(
                "that subject is already linked to account {}; unlink it there first",
                r.i64("id")?
            )));
        }
        let n = sqlx::query("UPDATE users SET oidc_issuer = $1, oidc_subject = $2 WHERE id = $3")
            .bind(issuer)
            .bind(subject)
            .bind(user_id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        tx.audit(
            actor,
            AuditAction::UserOidcLinked,
            &AuditSubject::User(user_id),
            request_id,
            &format!("issuer {issuer}, subject {subject}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account linked to the provider's (issuer, subject), if any.
    pub async fn user_by_oidc_subject(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<UserAccount>, StoreError> {
        let Some(r) =
            sqlx::query("SELECT username FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2")
                .bind(issuer_id(issuer))
                .bind(subject)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        self.user_by_username(&r.text("username")?).await
    }

    /// The (issuer, subject) an account is linked to, if any.
    pub async fn oidc_subject_of(
        &self,
        user_id: UserId,
    ) -> Result<Option<(String, String)>, StoreError> {
        let Some(r) = sqlx::query("SELECT oidc_issuer, oidc_subject FROM users WHERE id = $1")
            .bind(user_id.0)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(
            match (r.opt_text("oidc_issuer")?, r.opt_text("oidc_subject")?) {
                (Some(i), Some(s)) => Some((i, s)),
                _ => None,
            },
        )
    }
}
