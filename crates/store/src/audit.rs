//! The audit log: append-only, one row for every write and every read of a child's record,
//! each row chained to the one before by a keyed hash (HMAC-SHA-256). The key is kept outside
//! the database, so someone who can edit the tables cannot recompute the chain after altering,
//! removing or inserting a row; `verify` finds the first entry that no longer fits.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use crate::sql::{Col, time};
use crate::{Store, StoreError};

/// The secret that keys the audit chain.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// A key from raw bytes (at least 16).
    pub fn new(bytes: Vec<u8>) -> Result<Self, StoreError> {
        if bytes.len() < 16 {
            return Err(StoreError::Invalid(
                "the audit key must be at least 16 bytes".to_string(),
            ));
        }
        Ok(Self(bytes))
    }
    /// A key from its hex form.
    pub fn from_hex(s: &str) -> Result<Self, StoreError> {
        let bytes = hex::decode(s.trim())
            .map_err(|e| StoreError::Invalid(format!("the audit key is not hexadecimal: {e}")))?;
        Self::new(bytes)
    }
    /// A fixed key for tests only.
    pub fn for_tests() -> Self {
        Self(b"stepwise-test-audit-key-not-secret".to_vec())
    }
    /// A 32-byte keystream for sealing a small secret (a TOTP seed) with the key held outside
    /// the database; `label` must be unique to the secret (it carries a random nonce).
    pub(crate) fn keystream(&self, label: &[u8]) -> Vec<u8> {
        hex::decode(self.mac(label)).unwrap_or_default()
    }
    fn mac(&self, message: &[u8]) -> String {
        // HMAC (RFC 2104) over SHA-256.
        let mut key = if self.0.len() > 64 {
            Sha256::digest(&self.0).to_vec()
        } else {
            self.0.clone()
        };
        key.resize(64, 0);
        let ipad: Vec<u8> = key.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = key.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(message)
            .finalize();
        hex::encode(
            Sha256::new()
                .chain_update(&opad)
                .chain_update(inner)
                .finalize(),
        )
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(****)")
    }
}

/// Who did something: a signed-in user, or Stepwise itself (start-up, the demo loader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: i64, username: String },
    Anonymous,
    System(&'static str),
}

impl Actor {
    /// The actor as written in the log.
    pub fn label(&self) -> String {
        match self {
            Self::User { id, username } => format!("user:{id}:{username}"),
            Self::Anonymous => "anonymous".to_string(),
            Self::System(what) => format!("system:{what}"),
        }
    }
    /// The prefix that finds this user's entries.
    pub fn user_prefix(id: i64) -> String {
        format!("user:{id}:")
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub request_id: String,
    pub detail: String,
}

/// Reads one audit row (`seq, at, actor, action, subject, request_id, detail`).
pub(crate) fn audit_entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: r.i64("seq")?,
        at: r.text("at")?,
        actor: r.text("actor")?,
        action: r.text("action")?,
        subject: r.text("subject")?,
        request_id: r.text("request_id")?,
        detail: r.text("detail")?,
    })
}

/// What `verify` found wrong, at the first entry where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditProblem {
    /// The entry's contents no longer match its hash.
    Altered { seq: i64 },
    /// Entries are missing: the sequence jumps.
    Removed { after: i64, next: i64 },
    /// The entry does not follow the one before it (it was inserted, or its neighbour removed
    /// and the sequence renumbered).
    Inserted { seq: i64 },
    /// The log ends before the entry the head says is last: the tail was removed.
    Truncated { last: i64, expected: i64 },
    /// The head does not match the last entry.
    HeadMismatch { seq: i64 },
}

impl std::fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Altered { seq } => write!(
                f,
                "audit entry {seq} was altered: its contents do not match its hash"
            ),
            Self::Removed { after, next } => {
                write!(
                    f,
                    "audit entries were removed: entry {after} is followed by entry {next}"
                )
            }
            Self::Inserted { seq } => write!(
                f,
                "audit entry {seq} was inserted or moved: it does not chain from the entry before it"
            ),
            Self::Truncated { last, expected } => write!(
                f,
                "audit entries after {last} were removed: the log should run to entry {expected}"
            ),
            Self::HeadMismatch { seq } => write!(
                f,
                "audit entry {seq} is the last entry but does not match the recorded head"
            ),
        }
    }
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: i64,
    pub problem: Option<AuditProblem>,
}

fn canonical(e: &AuditEntry, prev: &str) -> Vec<u8> {
    serde_json::to_vec(&(
        e.seq,
        &e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.request_id,
        &e.detail,
        prev,
    ))
    .unwrap_or_default()
}

/// Appends one entry inside the caller's transaction, so the entry commits or rolls back with
/// the change it records. The head row is updated first, which takes the write lock and keeps
/// concurrent writers in order.
pub(crate) async fn append_in(
    tx: &mut Transaction<'static, Any>,
    key: &AuditKey,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    subject: &str,
    request_id: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let seq = head.i64("seq")?;
    let prev = head.text("hash")?;
    let entry = AuditEntry {
        seq,
        at: time(at),
        actor: actor.label(),
        action: action.to_string(),
        subject: subject.to_string(),
        request_id: request_id.to_string(),
        detail: detail.to_string(),
    };
    let hash = key.mac(&canonical(&entry, &prev));
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, request_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject)
    .bind(&entry.request_id)
    .bind(&entry.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

impl Store {
    /// Begins a write: a transaction holding the audit head row, so the change and its audit
    /// row commit together and audit rows are appended one at a time.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Records an action on its own (a sign-in, a denial, a search).
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        request_id: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seq = append_in(
            &mut tx,
            &self.audit_key,
            chrono::Utc::now(),
            actor,
            action,
            subject,
            request_id,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Recomputes the chain from the first entry and reports the first that does not fit.
    pub async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let (head_seq, head_hash) = (head.i64("seq")?, head.text("hash")?);
        let mut prev_hash = "genesis".to_string();
        let mut prev_seq = 0i64;
        let mut count = 0i64;
        let page = 5000i64;
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor, action, subject, request_id, detail, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(prev_seq)
            .bind(page)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = AuditEntry {
                    seq: r.i64("seq")?,
                    at: r.text("at")?,
                    actor: r.text("actor")?,
                    action: r.text("action")?,
                    subject: r.text("subject")?,
                    request_id: r.text("request_id")?,
                    detail: r.text("detail")?,
                };
                let stored_prev = r.text("prev_hash")?;
                let stored_hash = r.text("hash")?;
                count += 1;
                let fail = |p| {
                    Ok(AuditVerification {
                        entries: count,
                        problem: Some(p),
                    })
                };
                if self.audit_key.mac(&canonical(&e, &stored_prev)) != stored_hash {
                    return fail(AuditProblem::Altered { seq: e.seq });
                }
                if e.seq != prev_seq + 1 {
                    return fail(AuditProblem::Removed {
                        after: prev_seq,
                        next: e.seq,
                    });
                }
                if stored_prev != prev_hash {
                    return fail(AuditProblem::Inserted { seq: e.seq });
                }
                prev_hash = stored_hash;
                prev_seq = e.seq;
            }
        }
        let problem = if prev_seq < head_seq {
            Some(AuditProblem::Truncated {
                last: prev_seq,
                expected: head_seq,
            })
        } else if prev_seq > head_seq || prev_hash != head_hash {
            Some(AuditProblem::HeadMismatch { seq: prev_seq })
        } else {
            None
        };
        Ok(AuditVerification {
            entries: count,
            problem,
        })
    }

    /// The newest entries, newest first.
    pub async fn audit_entries(
        &self,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = match subject {
            Some(s) => {
                sqlx::query("SELECT seq, at, actor, action, subject, request_id, detail FROM audit_log WHERE subject = $1 ORDER BY seq DESC LIMIT $2")
                    .bind(s)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT seq, at, actor, action, subject, request_id, detail FROM audit_log ORDER BY seq DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(audit_entry_from_row).collect()
    }

    /// Changes one stored audit row directly, bypassing the chain. For tamper tests only.
    #[doc(hidden)]
    pub async fn tamper_audit_for_tests(&self, sql: &str, seq: i64) -> Result<u64, StoreError> {
        let r = sqlx::query(sql).bind(seq).execute(&self.pool).await?;
        Ok(r.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let k = AuditKey(b"Jefe".to_vec());
        assert_eq!(
            k.mac(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
