//! Persistence for Stepwise. This crate owns every line of SQL: the journey event log and the
//! projection of each child's current state (written in one transaction with the event), the
//! people, families and organisation, users and server-side sessions, and the append-only,
//! keyed hash-chained audit log. It runs on SQLite (the embedded default) and PostgreSQL, chosen
//! by the database URL; one conformance suite runs against both.
//!
//! Its results are plain Rust types with no serialisation: the web crate decides what goes over
//! the wire (`api_json`) and builds its JSON from them.

mod access;
mod api_tokens;
mod audit;
mod bulk;
mod capabilities;
mod consent;
mod contacts;
mod error;
mod events;
mod identity;
mod matching;
mod migrate;
mod org;
mod paging;
mod people;
mod pseudonymised;
mod records;
mod retention;
mod sessions;
mod snapshot;
mod sql;
mod subject_access;

pub use access::{
    GRANTS_CAP, GrantRow, MAX_GRANT_DAYS, NewGrant, REASON_HOURS, RestrictedOpening,
    RestrictionRow, without_restriction_notes,
};
pub use api_tokens::{ApiToken, MAX_TOKEN_DAYS, check_token_name};
pub use audit::{
    Actor, AnchorSource, AuditAnchor, AuditEntry, AuditKey, AuditProblem, AuditVerification,
};
pub use bulk::BulkLoad;
pub use capabilities::{Accounts, AuditLog, FrontDoor, Governance, Journeys, Organisation, People};
pub use consent::{Consent, SharedSummary};
pub use contacts::{
    ContactDetail, ContactFact, ContactPerson, ContactStep, Decided, NamedCandidates, PartnerCheck,
    QueueItem, ReceivedContact, Refused, SentContact, UnmatchedPerson,
};
pub use error::StoreError;
pub use events::{ChronologyEntry, ChronologyFilter, RecordingHeader};
pub use matching::PersonCandidate;
pub use org::{TeamSummary, WorkerCaseload};
pub use paging::{MAX_PER_PAGE, PageRequest, Paged};
pub use people::{PersonMatch, SearchQuery};
pub use pseudonymised::{PseudonymisedChild, PseudonymisedEvent, PseudonymisedJourney};
pub use records::{
    ChildRecord, FamilyMember, MyWork, MyWorkChild, REVIEW_HORIZON_DAYS, REVIEWS_SHOWN, Reader,
    RecentView, TeamChild, TeamListFilter, WaitingContact,
};
pub use retention::{DisposalCandidate, RetentionDecision, class_label};
pub use sessions::{
    NewAccount, NewUser, SETUP_LINK_HOURS, SecondFactor, SessionInfo, SetupLink, UserAccount,
    normalise_username,
};
pub use snapshot::{ChildHistory, LogSnapshot};
pub use stepwise_domain::audit::{AuditAction, AuditSubject, RecordedAction};
pub use subject_access::{
    PackAddress, PackEntry, SubjectAccessPack, ThirdParty, check_sar_reference,
};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database, and the application functions that read and write it.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    audit_key: AuditKey,
    /// The keyed checkpoint of the audit head kept outside the database, if any.
    audit_checkpoint: Option<std::sync::Arc<std::path::PathBuf>>,
    /// Retention assessments, kept between disposal-queue views and brought up to date from
    /// the events appended since.
    retention_cache: std::sync::Arc<tokio::sync::Mutex<retention::RetentionCache>>,
    /// Every child's history as last read, caught up by sequence number on each use.
    log_snapshot: std::sync::Arc<tokio::sync::Mutex<Option<std::sync::Arc<LogSnapshot>>>>,
    /// The teams and workers, read once and kept (see `org::OrgCache`).
    org_cache: std::sync::Arc<std::sync::RwLock<Option<std::sync::Arc<org::OrgCache>>>>,
    /// The one task that commits audit entries recorded on their own, in batches.
    audit_writer: audit::AuditWriter,
    /// The database URL, for the connections of the database's own driver that read the whole
    /// log (it may hold a password, so it is kept secret).
    url: std::sync::Arc<secrecy::SecretString>,
    /// Where "now" comes from: every time the store records (events, audit rows, sessions) is
    /// read from this clock, never from the wall directly.
    clock: stepwise_domain::clock::Clock,
}

/// The default database: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://stepwise.db";

impl Store {
    /// Connects to the database named by `url` (`sqlite://FILE` or `postgres://…`), creating an
    /// SQLite file if needed, and runs any migrations not yet applied.
    pub async fn open(url: &str, audit_key: AuditKey) -> Result<Self, StoreError> {
        install_default_drivers();
        let (url, backend) = normalise_url(url)?;
        let max = if backend == Backend::Sqlite { 4 } else { 8 };
        let options = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30));
        // SQLite has one writer at a time. Concurrent writers wait rather than fail because:
        // WAL lets readers go on while a write commits; the busy timeout makes a writer wait
        // for the lock instead of answering "database is locked"; and every write transaction
        // writes first (`begin_write`, or a first statement that writes), which takes the lock
        // before it reads, like BEGIN IMMEDIATE. A transaction that read first and then wrote
        // could not wait (SQLite refuses its upgrade at once when another writer has committed
        // meanwhile). Measured with 40 parallel sign-ins (issue 6): 24 answered 500 with WAL
        // and the timeout but read-first transactions, none once transactions wrote first;
        // without the timeout 30 still did.
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|e| StoreError::Connect {
                url: redact(&url),
                source: e,
            })?;
        let store = Self {
            audit_writer: audit::AuditWriter::start(pool.clone(), audit_key.clone()),
            pool,
            backend,
            audit_key,
            audit_checkpoint: None,
            retention_cache: Default::default(),
            log_snapshot: Default::default(),
            org_cache: Default::default(),
            url: std::sync::Arc::new(secrecy::SecretString::from(url.clone())),
            clock: stepwise_domain::clock::Clock::System,
        };
        migrate::run(&store).await?;
        store.key_audit_head().await?;
        Ok(store)
    }

    /// The store with another clock (a stopped one in tests, or the web configuration's); the
    /// store's clones made afterwards share it.
    pub fn with_clock(mut self, clock: stepwise_domain::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock the store records times from.
    pub fn clock(&self) -> &stepwise_domain::clock::Clock {
        &self.clock
    }

    /// Now, by the store's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the connection pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Checks that `url` names a database Stepwise can open, without connecting (so a caller can
/// refuse a wrong URL before it creates anything, such as an audit key file).
pub fn check_database_url(url: &str) -> Result<(), StoreError> {
    normalise_url(url).map(|_| ())
}

/// Recognises the backend and, for SQLite, asks for the file to be created when missing.
fn normalise_url(url: &str) -> Result<(String, Backend), StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((url.to_string(), Backend::Postgres));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        if rest.contains("mode=") || rest.contains(":memory:") {
            return Ok((url.to_string(), Backend::Sqlite));
        }
        let sep = if rest.contains('?') { '&' } else { '?' };
        return Ok((format!("{url}{sep}mode=rwc"), Backend::Sqlite));
    }
    Err(StoreError::BadUrl(format!(
        "{url:?} is not a database URL: use sqlite://FILE (for example sqlite://stepwise.db) or postgres://USER:PASSWORD@HOST/DATABASE"
    )))
}

/// A URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:****{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised_and_passwords_hidden() {
        assert_eq!(
            normalise_url("sqlite://x.db").ok().map(|u| u.0),
            Some("sqlite://x.db?mode=rwc".to_string())
        );
        assert!(matches!(
            normalise_url("postgres://a:b@h/d"),
            Ok((_, Backend::Postgres))
        ));
        assert!(normalise_url("mysql://x").is_err());
        assert_eq!(
            redact("postgres://ci:secret@127.0.0.1/db"),
            "postgres://ci:****@127.0.0.1/db"
        );
    }
}
