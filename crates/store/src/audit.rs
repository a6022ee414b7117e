//! The audit log: append-only, one row for every write and every read of a child's record,
//! each row chained to the one before by a keyed hash (HMAC-SHA-256). The key is kept outside
//! the database, so someone who can edit the tables cannot recompute the chain after altering,
//! removing or inserting a row; `verify` finds the first entry that no longer fits.

use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use sqlx::{Any, Transaction};
use subtle::ConstantTimeEq;

use stepwise_domain::audit::{AuditAction, AuditSubject, RecordedAction};
use stepwise_domain::ids::UserId;

use crate::sql::{Col, time};
use crate::{Store, StoreError};

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA-256 of the parts, in order, under `key`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], StoreError> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .map_err(|_| StoreError::Invalid("the key cannot key an HMAC".to_string()))?;
    for p in parts {
        mac.update(p);
    }
    Ok(mac.finalize().into_bytes().into())
}

/// Compares two MACs (or any two secrets' digests) in constant time.
pub(crate) fn same_mac(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The one master key held outside the database, and the keys derived from it for each purpose.
///
/// The audit chain is keyed by the master key itself, as it always has been, so databases written
/// before the keys were derived still verify. Every other purpose has its own key, derived with
/// HKDF-SHA-256 and a label naming the purpose: the pseudonyms shown to analysts, the sealing of
/// second-factor secrets, and the keyed audit head and checkpoint. A key for one purpose says
/// nothing about another.
#[derive(Clone)]
pub struct AuditKey {
    master: SecretSlice<u8>,
    pseudonym: SecretSlice<u8>,
    sealing: SecretSlice<u8>,
    checkpoint: SecretSlice<u8>,
}

/// The HKDF salt: fixed, naming the application (RFC 5869 allows a fixed salt).
const HKDF_SALT: &[u8] = b"stepwise key derivation v1";

fn derive(master: &[u8], purpose: &str) -> Result<SecretSlice<u8>, StoreError> {
    let mut okm = vec![0u8; 32];
    Hkdf::<Sha256>::new(Some(HKDF_SALT), master)
        .expand(purpose.as_bytes(), &mut okm)
        .map_err(|_| StoreError::Invalid("the key could not be derived".to_string()))?;
    Ok(SecretSlice::from(okm))
}

impl AuditKey {
    /// A key from raw bytes (at least 16).
    pub fn new(bytes: Vec<u8>) -> Result<Self, StoreError> {
        if bytes.len() < 16 {
            return Err(StoreError::Invalid(
                "the audit key must be at least 16 bytes".to_string(),
            ));
        }
        Ok(Self {
            pseudonym: derive(&bytes, "stepwise/pseudonym/v1")?,
            sealing: derive(&bytes, "stepwise/second-factor-sealing/v1")?,
            checkpoint: derive(&bytes, "stepwise/audit-checkpoint/v1")?,
            master: SecretSlice::from(bytes),
        })
    }
    /// A key from its hex form.
    pub fn from_hex(s: &str) -> Result<Self, StoreError> {
        let bytes = hex::decode(s.trim())
            .map_err(|_| StoreError::Invalid("the audit key is not hexadecimal".to_string()))?;
        Self::new(bytes)
    }
    /// A fixed key for tests only.
    pub fn for_tests() -> Self {
        match Self::new(b"stepwise-test-audit-key-not-secret".to_vec()) {
            Ok(k) => k,
            // The fixed key is long enough; this arm is never taken.
            Err(_) => Self {
                master: SecretSlice::from(Vec::new()),
                pseudonym: SecretSlice::from(Vec::new()),
                sealing: SecretSlice::from(Vec::new()),
                checkpoint: SecretSlice::from(Vec::new()),
            },
        }
    }
    /// The chain's MAC of one entry: HMAC-SHA-256 under the master key, in hex.
    fn mac(&self, message: &[u8]) -> Result<String, StoreError> {
        Ok(hex::encode(hmac_sha256(
            self.master.expose_secret(),
            &[message],
        )?))
    }
    /// The MAC that keys the audit head and the checkpoint (the checkpoint key, with a label
    /// telling the two apart), in hex.
    fn anchor_mac(&self, label: &str, seq: i64, hash: &str) -> Result<String, StoreError> {
        Ok(hex::encode(hmac_sha256(
            self.checkpoint.expose_secret(),
            &[
                label.as_bytes(),
                b"|",
                seq.to_string().as_bytes(),
                b"|",
                hash.as_bytes(),
            ],
        )?))
    }
    /// The keyed digest a pseudonym is cut from.
    pub(crate) fn pseudonym_digest(&self, message: &[u8]) -> Result<[u8; 32], StoreError> {
        hmac_sha256(self.pseudonym.expose_secret(), &[message])
    }
    /// The key that seals second-factor secrets (32 bytes).
    pub(crate) fn sealing_key(&self) -> &SecretSlice<u8> {
        &self.sealing
    }
    /// The keystream that sealed second-factor secrets before they were sealed with
    /// authenticated encryption; used only to open and re-seal such secrets once.
    pub(crate) fn legacy_keystream(&self, label: &[u8]) -> Result<[u8; 32], StoreError> {
        hmac_sha256(self.master.expose_secret(), &[label])
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
    User { id: UserId, username: String },
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
    pub fn user_prefix(id: UserId) -> String {
        format!("user:{id}:")
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// What was done, read from its stored label (a label from a later version reads back as
    /// itself).
    pub action: RecordedAction,
    /// What it was done to, read from its stored form.
    pub subject: AuditSubject,
    pub request_id: String,
    pub detail: String,
}

/// Reads one audit row (`seq, at, actor, action, subject, request_id, detail`).
pub(crate) fn audit_entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: r.i64("seq")?,
        at: r.text("at")?,
        actor: r.text("actor")?,
        action: RecordedAction::parse(&r.text("action")?),
        subject: AuditSubject::parse(&r.text("subject")?),
        request_id: r.text("request_id")?,
        detail: r.text("detail")?,
    })
}

/// What `verify` checked the log against besides its own head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorSource {
    /// The keyed checkpoint file kept outside the database.
    Checkpoint,
    /// A head the operator gave (from an earlier run's output).
    Expected,
}

impl std::fmt::Display for AnchorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Checkpoint => "the checkpoint kept outside the database",
            Self::Expected => "the head you expected",
        })
    }
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
    /// The head row is gone.
    HeadMissing,
    /// The head's MAC is missing or wrong: the head was rewritten outside Stepwise.
    HeadForged { seq: i64 },
    /// The head was keyed more than once: its MAC was cleared outside Stepwise and re-keyed.
    HeadRekeyed { seq: i64 },
    /// The log ends before an entry an anchor outside the database says it reached.
    BehindAnchor {
        last: i64,
        anchor: i64,
        source: AnchorSource,
    },
    /// The entry at an anchor's position is not the one the anchor recorded.
    AnchorMismatch { seq: i64, source: AnchorSource },
    /// The checkpoint file is not one Stepwise wrote with this key.
    CheckpointForged,
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
            Self::HeadMissing => write!(
                f,
                "the audit head (the record of the last entry) was deleted from the database"
            ),
            Self::HeadForged { seq } => write!(
                f,
                "the audit head (saying the log runs to entry {seq}) was rewritten outside Stepwise: its MAC does not match"
            ),
            Self::HeadRekeyed { seq } => write!(
                f,
                "the audit head was keyed again at entry {seq}: its MAC had been cleared outside Stepwise"
            ),
            Self::BehindAnchor {
                last,
                anchor,
                source,
            } => write!(
                f,
                "audit entries after {last} were removed: {source} says the log reached entry {anchor}"
            ),
            Self::AnchorMismatch { seq, source } => write!(
                f,
                "audit entry {seq} is not the entry {source} recorded: the log was replaced"
            ),
            Self::CheckpointForged => write!(
                f,
                "the audit checkpoint file was not written by Stepwise with this key (it was edited, or the key is another)"
            ),
        }
    }
}

/// A position in the chain: an entry's number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
}

impl AuditAnchor {
    /// Reads `SEQ:HASH`, as `audit verify` prints it.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        let bad = || {
            StoreError::Invalid(format!(
                "{s:?} is not an audit head: give SEQ:HASH as `stepwise audit verify` printed it"
            ))
        };
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if seq < 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self { seq, hash })
    }
}

impl std::fmt::Display for AuditAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: i64,
    pub problem: Option<AuditProblem>,
    /// The last entry verified (none for an empty log).
    pub head: Option<AuditAnchor>,
    /// The checkpoint outside the database the log was checked against, if there was one.
    pub checkpoint: Option<AuditAnchor>,
}

const HEAD_LABEL: &str = "stepwise-audit-head";
const CHECKPOINT_LABEL: &str = "stepwise-audit-checkpoint-v1";
const CHECKPOINT_MAGIC: &str = "stepwise-audit-checkpoint v1";
/// The action of the entry recording that the head was keyed.
const HEAD_KEYED: AuditAction = AuditAction::AuditHeadKeyed;

/// The bytes an entry's MAC is computed over. An error if they cannot be written: an empty
/// input would give every entry the same MAC, so the chain would no longer bind its content.
/// The action and subject go in as the strings stored in the row (their labels), so typed
/// actions hash exactly as the strings did before them.
fn canonical(e: &AuditEntry, prev: &str) -> Result<Vec<u8>, StoreError> {
    canonical_bytes(serde_json::to_vec(&(
        e.seq,
        &e.at,
        &e.actor,
        e.action.as_str(),
        &*e.subject.stored(),
        &e.request_id,
        &e.detail,
        prev,
    )))
}

fn canonical_bytes(bytes: Result<Vec<u8>, serde_json::Error>) -> Result<Vec<u8>, StoreError> {
    match bytes {
        Ok(b) if !b.is_empty() => Ok(b),
        Ok(_) => Err(StoreError::Invalid(
            "an audit entry encoded to nothing, so it cannot be chained".to_string(),
        )),
        Err(e) => Err(StoreError::Invalid(format!(
            "an audit entry could not be encoded for its MAC: {e}"
        ))),
    }
}

/// Appends one entry inside the caller's transaction, so the entry commits or rolls back with
/// the change it records. The head row is updated first, which takes the write lock and keeps
/// concurrent writers in order; it is then set to the new entry with its MAC.
// The arguments are the transaction, the key, and the fields of the entry being written; the
// two dozen call sites name each field where they call it.
#[allow(clippy::too_many_arguments)]
async fn append_in(
    tx: &mut Transaction<'static, Any>,
    key: &AuditKey,
    at: DateTime<Utc>,
    actor: &Actor,
    action: AuditAction,
    subject: &AuditSubject,
    request_id: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            StoreError::Invalid(
                "the audit head is missing from the database, so nothing can be recorded: run `stepwise audit verify`".to_string(),
            )
        })?;
    let seq = head.i64("seq")?;
    let prev = head.text("hash")?;
    let entry = AuditEntry {
        seq,
        at: time(at),
        actor: actor.label(),
        action: RecordedAction::Known(action),
        subject: subject.clone(),
        request_id: request_id.to_string(),
        detail: detail.to_string(),
    };
    let hash = key.mac(&canonical(&entry, &prev)?)?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, request_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(&entry.at)
    .bind(&entry.actor)
    .bind(entry.action.as_str())
    .bind(entry.subject.stored().into_owned())
    .bind(&entry.request_id)
    .bind(&entry.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1")
        .bind(&hash)
        .bind(key.anchor_mac(HEAD_LABEL, seq, &hash)?)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// Most entries the audit writer commits in one transaction.
const MAX_BATCH: usize = 256;

/// Rows in one `INSERT` of a batch (9 values each).
const INSERT_ROWS: usize = 64;

/// Entries waiting for the audit writer at most (a caller beyond that waits to hand its
/// entry over).
const WRITER_QUEUE: usize = 4096;

/// An entry handed to the audit writer, and where its position goes once it has committed.
struct Pending {
    entry: AuditEntry,
    reply: tokio::sync::oneshot::Sender<Result<i64, StoreError>>,
}

/// The one task that appends entries recorded on their own (a record read, a sign-in, a
/// denial) to the audit log. It takes the entries waiting when it is free and commits them
/// in one transaction, each chained to the one before with its MAC exactly as `append_in`
/// would (so `AuditLog::verify` cannot tell the difference), and the keyed head set once, to the
/// last. Its transaction takes the same lock as every other write (the head row, first), so
/// entries written in a change's own transaction (`begin_write`, `append_in`) and the
/// writer's batches form one sequence. A caller is answered only after its batch commits:
/// nothing acknowledged is lost. A batch that fails is tried again one entry at a time, so
/// each caller gets its own entry's answer (and an entry that cannot be written does not
/// take others with it).
#[derive(Clone)]
pub(crate) struct AuditWriter {
    queue: Option<tokio::sync::mpsc::Sender<Pending>>,
}

impl AuditWriter {
    /// Starts the writer on the current runtime (none outside one: entries are then each
    /// committed by their caller).
    pub(crate) fn start(pool: sqlx::AnyPool, key: AuditKey) -> Self {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Self { queue: None };
        };
        let (tx, rx) = tokio::sync::mpsc::channel(WRITER_QUEUE);
        runtime.spawn(run_writer(pool, key, rx));
        Self { queue: Some(tx) }
    }
}

async fn run_writer(
    pool: sqlx::AnyPool,
    key: AuditKey,
    mut queue: tokio::sync::mpsc::Receiver<Pending>,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut entries: Vec<AuditEntry> = batch.iter().map(|p| p.entry.clone()).collect();
        match commit_batch(&pool, &key, &mut entries).await {
            Ok(()) => {
                for (p, e) in batch.drain(..).zip(&entries) {
                    // A caller that has gone away still has its entry recorded.
                    let _ = p.reply.send(Ok(e.seq));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some(p) = batch.pop() {
                    let _ = p.reply.send(Err(e));
                }
            }
            Err(_) => {
                for p in batch.drain(..) {
                    let mut one = vec![p.entry];
                    let answer = commit_batch(&pool, &key, &mut one)
                        .await
                        .map(|()| one.first().map_or(0, |e| e.seq));
                    let _ = p.reply.send(answer);
                }
            }
        }
    }
}

/// Appends `entries` (their `seq` set here) to the chain in one transaction of its own.
async fn commit_batch(
    pool: &sqlx::AnyPool,
    key: &AuditKey,
    entries: &mut [AuditEntry],
) -> Result<(), StoreError> {
    let Ok(n) = i64::try_from(entries.len()) else {
        return Err(StoreError::Invalid(
            "too many audit entries at once".to_string(),
        ));
    };
    if n == 0 {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    // Takes the write lock and reserves the batch's positions in one statement.
    let head =
        sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
            .bind(n)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(
                    "the audit head is missing from the database, so nothing can be recorded: run `stepwise audit verify`".to_string(),
                )
            })?;
    let last = head.i64("seq")?;
    let mut prev = head.text("hash")?;
    let mut links = Vec::with_capacity(entries.len());
    for (e, seq) in entries.iter_mut().zip(last - n + 1..) {
        e.seq = seq;
        let hash = key.mac(&canonical(e, &prev)?)?;
        links.push((std::mem::replace(&mut prev, hash.clone()), hash));
    }
    for (rows, links) in entries.chunks(INSERT_ROWS).zip(links.chunks(INSERT_ROWS)) {
        let values: Vec<String> = (0..rows.len())
            .map(|r| {
                let p: Vec<String> = (1..=9).map(|c| format!("${}", r * 9 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, action, subject, request_id, detail, prev_hash, hash) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (e, (prev, hash)) in rows.iter().zip(links) {
            q = q
                .bind(e.seq)
                .bind(&e.at)
                .bind(&e.actor)
                .bind(e.action.as_str())
                .bind(e.subject.stored().into_owned())
                .bind(&e.request_id)
                .bind(&e.detail)
                .bind(prev)
                .bind(hash);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1")
        .bind(&prev)
        .bind(key.anchor_mac(HEAD_LABEL, last, &prev)?)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The checkpoint file's contents for an anchor.
fn checkpoint_text(key: &AuditKey, a: &AuditAnchor) -> Result<String, StoreError> {
    Ok(format!(
        "{CHECKPOINT_MAGIC} {} {} {}\n",
        a.seq,
        a.hash,
        key.anchor_mac(CHECKPOINT_LABEL, a.seq, &a.hash)?
    ))
}

/// What a checkpoint file says: nothing yet, a position Stepwise wrote, or something else.
enum CheckpointRead {
    Missing,
    Valid(AuditAnchor),
    Forged,
}

fn read_checkpoint(key: &AuditKey, path: &std::path::Path) -> Result<CheckpointRead, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CheckpointRead::Missing),
        Err(e) => {
            return Err(StoreError::Invalid(format!(
                "the audit checkpoint {} cannot be read: {e}",
                path.display()
            )));
        }
    };
    let Some(rest) = text.trim().strip_prefix(CHECKPOINT_MAGIC) else {
        return Ok(CheckpointRead::Forged);
    };
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [seq, hash, mac] = parts.as_slice() else {
        return Ok(CheckpointRead::Forged);
    };
    let Ok(seq) = seq.parse::<i64>() else {
        return Ok(CheckpointRead::Forged);
    };
    if !same_mac(&key.anchor_mac(CHECKPOINT_LABEL, seq, hash)?, mac) {
        return Ok(CheckpointRead::Forged);
    }
    Ok(CheckpointRead::Valid(AuditAnchor {
        seq,
        hash: (*hash).to_string(),
    }))
}

/// Replaces the checkpoint file atomically (a new file renamed over the old), readable by its
/// owner only.
fn write_checkpoint(
    key: &AuditKey,
    path: &std::path::Path,
    a: &AuditAnchor,
) -> Result<(), StoreError> {
    use std::io::Write;
    let io = |e: std::io::Error| {
        StoreError::Invalid(format!(
            "the audit checkpoint {} cannot be written: {e}",
            path.display()
        ))
    };
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(io)?;
    f.write_all(checkpoint_text(key, a)?.as_bytes())
        .map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)
}

/// A change to the database and the audit rows that record it, in one transaction: the one
/// way the store writes something that must be audited. It is begun by `Store::write` (which
/// takes the write lock first, as every write does), queries run on it as on a connection,
/// `audit` appends each entry to the chain inside it, and `commit` refuses to commit a change
/// that recorded no audit entry (nothing is then written). Dropped without committing, it
/// rolls back.
pub(crate) struct AuditedWrite<'s> {
    tx: Transaction<'static, Any>,
    store: &'s Store,
    entries: usize,
}

impl std::ops::Deref for AuditedWrite<'_> {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for AuditedWrite<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl AuditedWrite<'_> {
    /// The transaction, for helpers that take one.
    pub(crate) fn tx(&mut self) -> &mut Transaction<'static, Any> {
        &mut self.tx
    }

    /// Appends an entry to the audit chain inside this write, stamped by the store's clock;
    /// it commits or rolls back with the change it records.
    pub(crate) async fn audit(
        &mut self,
        actor: &Actor,
        action: AuditAction,
        subject: &AuditSubject,
        request_id: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let seq = append_in(
            &mut self.tx,
            &self.store.audit_key,
            self.store.now(),
            actor,
            action,
            subject,
            request_id,
            detail,
        )
        .await?;
        self.entries += 1;
        Ok(seq)
    }

    /// Commits the change with its audit entries; a change that recorded none is refused and
    /// nothing is written.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        if self.entries == 0 {
            self.tx.rollback().await?;
            return Err(StoreError::Invalid(
                "a change was about to be saved without an audit entry, so nothing was written"
                    .to_string(),
            ));
        }
        self.tx.commit().await?;
        Ok(())
    }

    /// Abandons the change.
    pub(crate) async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}

impl Store {
    /// Begins a write: a transaction holding the audit head row, so the change and its audit
    /// row commit together and audit rows are appended one at a time.
    /// Begins an audited write (see `AuditedWrite`).
    pub(crate) async fn write(&self) -> Result<AuditedWrite<'_>, StoreError> {
        Ok(AuditedWrite {
            tx: self.begin_write().await?,
            store: self,
            entries: 0,
        })
    }

    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Keys an unkeyed audit head (a new database, or one written before heads were keyed) by
    /// appending an entry that says so; run when the store opens. A head that is already keyed,
    /// or missing, is left as it is (`AuditLog::verify` reports a missing one).
    pub(crate) async fn key_audit_head(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let unkeyed = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 AND mac IS NULL")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if unkeyed == 0 {
            tx.rollback().await?;
            return Ok(());
        }
        append_in(
            &mut tx,
            &self.audit_key,
            self.now(),
            &Actor::System("audit"),
            HEAD_KEYED,
            &AuditSubject::Audit,
            "-",
            "the audit head is keyed from this entry on",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a keyed checkpoint of the audit head in `path`, outside the database: `AuditLog::verify`
    /// then refuses a log that ends before it or that holds another entry at its position, and
    /// `AuditLog::checkpoint` (and every clean `AuditLog::verify`) moves it forward.
    pub fn with_audit_checkpoint(mut self, path: std::path::PathBuf) -> Self {
        self.audit_checkpoint = Some(std::sync::Arc::new(path));
        self
    }

    /// The checkpoint file, if the store keeps one.
    pub fn audit_checkpoint_path(&self) -> Option<&std::path::Path> {
        self.audit_checkpoint.as_deref().map(|p| p.as_path())
    }

    /// The head as recorded, if its MAC holds: `Ok(None)` when it is missing or forged.
    async fn keyed_head(&self) -> Result<Option<AuditAnchor>, StoreError> {
        let Some(head) = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let (seq, hash) = (head.i64("seq")?, head.text("hash")?);
        let mac = head.opt_text("mac")?.unwrap_or_default();
        if !same_mac(&self.audit_key.anchor_mac(HEAD_LABEL, seq, &hash)?, &mac) {
            return Ok(None);
        }
        Ok(Some(AuditAnchor { seq, hash }))
    }
}

impl crate::AuditLog<'_> {
    /// Moves the checkpoint outside the database up to the current (keyed) head. Never moves it
    /// back: a head behind the checkpoint, or a checkpoint that is not Stepwise's, is an error
    /// for an operator to look at, and the file is left as it is. Returns the checkpoint
    /// written, or `None` when the store keeps no checkpoint.
    pub async fn checkpoint(&self) -> Result<Option<AuditAnchor>, StoreError> {
        let Some(path) = self.audit_checkpoint.clone() else {
            return Ok(None);
        };
        let head = self.keyed_head().await?.ok_or_else(|| {
            StoreError::Invalid(
                "the audit head is missing or was rewritten outside Stepwise: run `stepwise audit verify`".to_string(),
            )
        })?;
        let entry = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(head.seq)
            .fetch_optional(&self.pool)
            .await?;
        let in_log = match &entry {
            Some(r) => r.text("hash")? == head.hash,
            None => head.seq == 0,
        };
        if !in_log {
            return Err(StoreError::Invalid(
                "the audit head does not match the log: run `stepwise audit verify`".to_string(),
            ));
        }
        match read_checkpoint(&self.audit_key, &path)? {
            CheckpointRead::Forged => {
                return Err(StoreError::Invalid(format!(
                    "the audit checkpoint {} was not written by Stepwise with this key: run `stepwise audit verify`",
                    path.display()
                )));
            }
            CheckpointRead::Valid(c) if c.seq > head.seq => {
                return Err(StoreError::Invalid(format!(
                    "the audit log ends at entry {} but its checkpoint says it reached entry {}: run `stepwise audit verify`",
                    head.seq, c.seq
                )));
            }
            CheckpointRead::Valid(c) if c == head => return Ok(Some(head)),
            _ => {}
        }
        write_checkpoint(&self.audit_key, &path, &head)?;
        Ok(Some(head))
    }

    /// Records an action on its own (a sign-in, a denial, a search, a record read) through the
    /// audit writer, which commits the entries waiting together; returns once this one has
    /// committed, with its position in the log.
    pub async fn record(
        &self,
        actor: &Actor,
        action: AuditAction,
        subject: &AuditSubject,
        request_id: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let entry = AuditEntry {
            seq: 0,
            at: time(self.now()),
            actor: actor.label(),
            action: RecordedAction::Known(action),
            subject: subject.clone(),
            request_id: request_id.to_string(),
            detail: detail.to_string(),
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let pending = Pending { entry, reply };
        let pending = match &self.audit_writer.queue {
            Some(queue) => match queue.send(pending).await {
                Ok(()) => {
                    return answer.await.unwrap_or_else(|_| {
                        Err(StoreError::Invalid(
                            "the audit writer stopped before it could say whether the entry was recorded, so the action was not completed".to_string(),
                        ))
                    });
                }
                // The writer has stopped (its runtime has ended): commit the entry here.
                Err(tokio::sync::mpsc::error::SendError(p)) => p,
            },
            None => pending,
        };
        let mut one = vec![pending.entry];
        commit_batch(&self.pool, &self.audit_key, &mut one).await?;
        Ok(one.first().map_or(0, |e| e.seq))
    }

    /// Recomputes the chain from the first entry and reports the first that does not fit.
    pub async fn verify(&self) -> Result<AuditVerification, StoreError> {
        self.audit_log().verify_expecting(None).await
    }

    /// Recomputes the chain from the first entry and reports the first thing that does not fit:
    /// an entry altered, removed or inserted; a head that is missing, rewritten or re-keyed; a
    /// log that ends before the checkpoint kept outside the database (or `expected`, a head an
    /// operator noted earlier) or holds another entry at its position. A clean result moves the
    /// checkpoint forward to the head verified.
    pub async fn verify_expecting(
        &self,
        expected: Option<&AuditAnchor>,
    ) -> Result<AuditVerification, StoreError> {
        let checkpoint = match &self.audit_checkpoint {
            None => CheckpointRead::Missing,
            Some(path) => read_checkpoint(&self.audit_key, path)?,
        };
        let mut anchors: Vec<(AuditAnchor, AnchorSource)> = Vec::new();
        if let CheckpointRead::Valid(c) = &checkpoint {
            anchors.push((c.clone(), AnchorSource::Checkpoint));
        }
        if let Some(e) = expected {
            anchors.push((e.clone(), AnchorSource::Expected));
        }
        let mut result = AuditVerification {
            entries: 0,
            problem: None,
            head: None,
            checkpoint: match &checkpoint {
                CheckpointRead::Valid(c) => Some(c.clone()),
                _ => None,
            },
        };
        let mut prev_hash = "genesis".to_string();
        let mut prev_seq = 0i64;
        let mut keyed_at: Option<i64> = None;
        let mut seen: Vec<(i64, String)> = Vec::new();
        let page = 5000i64;
        'walk: loop {
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
                let e = audit_entry_from_row(r)?;
                let stored_prev = r.text("prev_hash")?;
                let stored_hash = r.text("hash")?;
                result.entries += 1;
                let problem = if !same_mac(
                    &self.audit_key.mac(&canonical(&e, &stored_prev)?)?,
                    &stored_hash,
                ) {
                    Some(AuditProblem::Altered { seq: e.seq })
                } else if e.seq != prev_seq + 1 {
                    Some(AuditProblem::Removed {
                        after: prev_seq,
                        next: e.seq,
                    })
                } else if stored_prev != prev_hash {
                    Some(AuditProblem::Inserted { seq: e.seq })
                } else if e.action == HEAD_KEYED && keyed_at.is_some() {
                    Some(AuditProblem::HeadRekeyed { seq: e.seq })
                } else {
                    None
                };
                if problem.is_some() {
                    result.problem = problem;
                    break 'walk;
                }
                if e.action == HEAD_KEYED {
                    keyed_at = Some(e.seq);
                }
                if anchors.iter().any(|(a, _)| a.seq == e.seq) {
                    seen.push((e.seq, stored_hash.clone()));
                }
                prev_hash = stored_hash;
                prev_seq = e.seq;
            }
        }
        if result.problem.is_some() {
            return Ok(result);
        }
        if prev_seq > 0 {
            result.head = Some(AuditAnchor {
                seq: prev_seq,
                hash: prev_hash.clone(),
            });
        }
        if matches!(checkpoint, CheckpointRead::Forged) {
            result.problem = Some(AuditProblem::CheckpointForged);
            return Ok(result);
        }
        let Some(head) = sqlx::query("SELECT seq, hash, mac FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
        else {
            result.problem = Some(AuditProblem::HeadMissing);
            return Ok(result);
        };
        let (head_seq, head_hash) = (head.i64("seq")?, head.text("hash")?);
        let head_mac = head.opt_text("mac")?.unwrap_or_default();
        if !same_mac(
            &self
                .audit_key
                .anchor_mac(HEAD_LABEL, head_seq, &head_hash)?,
            &head_mac,
        ) {
            result.problem = Some(AuditProblem::HeadForged { seq: head_seq });
            return Ok(result);
        }
        for (a, source) in &anchors {
            let at = if a.seq == 0 {
                Some("genesis".to_string())
            } else {
                seen.iter()
                    .find(|(s, _)| *s == a.seq)
                    .map(|(_, h)| h.clone())
            };
            let problem = match at {
                None => AuditProblem::BehindAnchor {
                    last: prev_seq,
                    anchor: a.seq,
                    source: *source,
                },
                Some(h) if h != a.hash => AuditProblem::AnchorMismatch {
                    seq: a.seq,
                    source: *source,
                },
                Some(_) => continue,
            };
            result.problem = Some(problem);
            return Ok(result);
        }
        result.problem = if prev_seq < head_seq {
            Some(AuditProblem::Truncated {
                last: prev_seq,
                expected: head_seq,
            })
        } else if prev_seq > head_seq || prev_hash != head_hash {
            Some(AuditProblem::HeadMismatch { seq: prev_seq })
        } else {
            None
        };
        if result.problem.is_none()
            && let (Some(path), Some(h)) = (&self.audit_checkpoint, &result.head)
            && result.checkpoint.as_ref() != Some(h)
        {
            write_checkpoint(&self.audit_key, path, h)?;
        }
        Ok(result)
    }

    /// The newest entries, newest first.
    pub async fn entries(
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 7, item 7: the one audited-write helper refuses to commit a change that recorded
    /// no audit entry, and nothing of the change is written; with its entry, both commit.
    #[tokio::test]
    async fn a_change_without_its_audit_entry_is_not_committed() {
        let path = std::env::temp_dir().join(format!(
            "stepwise_audited_write_{}_{}.db",
            std::process::id(),
            line!()
        ));
        let _ = std::fs::remove_file(&path);
        let url = format!("sqlite://{}", path.display());
        let s = Store::open(&url, AuditKey::for_tests()).await.unwrap();
        let before = s.audit_log().verify().await.unwrap().entries;
        let count = |s: &Store| {
            let s = s.clone();
            async move {
                sqlx::query("SELECT COUNT(*) AS n FROM users")
                    .fetch_one(&s.pool)
                    .await
                    .unwrap()
                    .i64("n")
                    .unwrap()
            }
        };
        let insert = "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES ('x', 'X', 'social_worker', '', '2026-12-03T10:00:00.000000Z')";
        let mut w = s.write().await.unwrap();
        sqlx::query(insert).execute(&mut *w).await.unwrap();
        let refused = w.commit().await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("without an audit entry")),
            "{refused:?}"
        );
        assert_eq!(count(&s).await, 0, "nothing of the change was written");
        let mut w = s.write().await.unwrap();
        sqlx::query(insert).execute(&mut *w).await.unwrap();
        w.audit(
            &Actor::System("test"),
            AuditAction::UserAdd,
            &AuditSubject::Username("x".into()),
            "r",
            "",
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        assert_eq!(count(&s).await, 1);
        let v = s.audit_log().verify().await.unwrap();
        assert_eq!(v.entries, before + 1);
        assert!(v.problem.is_none());
        s.close().await;
        let _ = std::fs::remove_file(&path);
    }

    /// Guards issue 7 item 6 (the audit MAC input): input that cannot be encoded is an error,
    /// never empty bytes that would give every entry the same MAC; and the encoding binds every
    /// field, so two entries that differ only in their detail have different MAC inputs.
    #[test]
    fn the_mac_input_is_never_empty_and_binds_every_field() {
        let broken = serde_json::from_str::<serde_json::Value>("{").map(|_| Vec::new());
        let e = canonical_bytes(broken).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("could not be encoded")),
            "{e:?}"
        );
        assert!(canonical_bytes(Ok(Vec::new())).is_err());
        let a = AuditEntry {
            seq: 7,
            at: "2026-12-03T07:41:03Z".into(),
            actor: "user:1".into(),
            action: RecordedAction::parse("record.view"),
            subject: AuditSubject::parse("person:9"),
            request_id: "r1".into(),
            detail: "one".into(),
        };
        let b = AuditEntry {
            detail: "two".into(),
            ..a.clone()
        };
        let (ca, cb) = (canonical(&a, "p").unwrap(), canonical(&b, "p").unwrap());
        assert!(!ca.is_empty());
        assert_ne!(ca, cb);
        assert_ne!(ca, canonical(&a, "q").unwrap());
    }

    #[test]
    fn hmac_matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"]).unwrap()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// Issue 6 item 9: the chain is HMAC-SHA-256 under the master key, byte for byte as the
    /// hand-written HMAC made it, so existing logs still verify. The hash is of the first entry
    /// a database made before keys were derived holds (its key and row are fixed here).
    #[test]
    fn the_chain_hash_of_an_existing_row_is_unchanged() {
        let key =
            AuditKey::from_hex("9a2bf5ff432c8434bae1e8d5c4dfe89905c55af7eead9ce72d4868558a6f5dd5")
                .unwrap();
        let entry = AuditEntry {
            seq: 1,
            at: "2026-12-03T07:41:03.218769Z".into(),
            actor: "system:accounts".into(),
            action: RecordedAction::parse("user.upsert"),
            subject: AuditSubject::parse("user:1"),
            request_id: "-".into(),
            detail: "alice.old as social_worker".into(),
        };
        assert_eq!(
            key.mac(&canonical(&entry, "genesis").unwrap()).unwrap(),
            "eb8d7b9ad0dfb1fbc31f4022d6d483d208679f2d658541d5efd0885a28857a80"
        );
    }

    /// Issue 7 item 3: typed actions and subjects hash as the strings the row holds, known or
    /// not, so rows written before the types (and by later versions) still verify.
    #[test]
    fn typed_actions_and_subjects_hash_as_their_stored_strings() {
        for (action, subject) in [
            ("record.view", "person:9"),
            ("referral.triaged", "person:09"),
            ("search", "query:4"),
            ("audit.head.keyed", "audit"),
        ] {
            let entry = AuditEntry {
                seq: 3,
                at: "2026-07-04T13:05:09Z".into(),
                actor: "user:1:alice".into(),
                action: RecordedAction::parse(action),
                subject: AuditSubject::parse(subject),
                request_id: "r".into(),
                detail: "d".into(),
            };
            let as_strings = serde_json::to_vec(&(
                3,
                "2026-07-04T13:05:09Z",
                "user:1:alice",
                action,
                subject,
                "r",
                "d",
                "p",
            ))
            .unwrap();
            assert_eq!(
                canonical(&entry, "p").unwrap(),
                as_strings,
                "{action} {subject}"
            );
        }
    }

    /// Issue 6 item 9: one key per purpose, none of them the master key.
    #[test]
    fn each_purpose_has_its_own_derived_key() {
        let k = AuditKey::for_tests();
        let keys = [
            k.master.expose_secret().to_vec(),
            k.pseudonym.expose_secret().to_vec(),
            k.sealing.expose_secret().to_vec(),
            k.checkpoint.expose_secret().to_vec(),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(k.sealing.expose_secret().len(), 32);
    }

    /// Issue 6 item 9: neither the master key nor any derived key shows in `Debug` output.
    #[test]
    fn debug_shows_no_key_material() {
        let k = AuditKey::for_tests();
        let shown = format!("{k:?} {:?} {:?}", k.sealing_key(), k);
        for secret in [
            k.master.expose_secret(),
            k.pseudonym.expose_secret(),
            k.sealing.expose_secret(),
            k.checkpoint.expose_secret(),
        ] {
            assert!(!shown.contains(&hex::encode(secret)), "{shown}");
            assert!(!shown.contains(&format!("{:?}", secret)), "{shown}");
        }
        assert!(!shown.contains("stepwise-test-audit-key"), "{shown}");
    }

    #[test]
    fn an_anchor_reads_as_printed() {
        let a = AuditAnchor {
            seq: 12,
            hash: "ab".repeat(32),
        };
        assert_eq!(AuditAnchor::parse(&a.to_string()).unwrap(), a);
        assert!(AuditAnchor::parse("12").is_err());
        assert!(AuditAnchor::parse("x:ab").is_err());
        assert!(AuditAnchor::parse("12:abc").is_err());
    }
}
