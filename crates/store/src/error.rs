//! The store's one error type. Database errors stay inside it; callers get variants they can
//! act on and a message that says what went wrong.

use thiserror::Error;

use stepwise_domain::DomainError;

/// What went wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL could not be understood.
    #[error("{0}")]
    BadUrl(String),
    /// The database could not be reached.
    #[error("could not open the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    /// A migration failed.
    #[error("migration {name} failed: {source}")]
    Migration { name: String, source: sqlx::Error },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value could not be read back (a corrupt row or a bug).
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// A domain rule refused the change; nothing was written.
    #[error(transparent)]
    Rule(#[from] DomainError),
    /// The thing asked for does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// The database already holds data where an empty one is needed.
    #[error("{0}")]
    NotEmpty(String),
    /// The access policy refused the reader, for the reason given; the refusal was audited.
    #[error("{0}")]
    Forbidden(String),
    /// The record is restricted: the reader must say why they need it before opening it.
    #[error("{0} is a restricted record: say why you need to open it")]
    ReasonNeeded(String),
    /// A value was refused at the edge (a duplicate username, say).
    #[error("{0}")]
    Invalid(String),
    /// The change does not fit what it changes as it now stands (a contact already decided);
    /// nothing was written.
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    /// Whether the database refused because other writers held it (SQLite busy or locked after
    /// its busy timeout; PostgreSQL serialisation failure, deadlock or lock not available).
    /// Nothing was written, and the same request may succeed a moment later, so the web layer
    /// answers "busy, try again" rather than a server error.
    pub fn is_contention(&self) -> bool {
        let Self::Database(sqlx::Error::Database(db)) = self else {
            return false;
        };
        let code = db.code().map(|c| c.to_string()).unwrap_or_default();
        // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6) with their extended codes.
        let sqlite_busy = code.parse::<i64>().is_ok_and(|n| matches!(n & 0xff, 5 | 6));
        let postgres_busy = matches!(code.as_str(), "40001" | "40P01" | "55P03");
        sqlite_busy || postgres_busy || db.message().contains("database is locked")
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// A real lock: one connection holds SQLite's write lock, another with no busy timeout
    /// tries to write and is refused; that refusal is recognised as contention, and other
    /// errors are not.
    #[tokio::test]
    // The wall clock only makes a file name unique; it is not a time anyone reads.
    #[allow(clippy::disallowed_methods)]
    async fn a_held_write_lock_is_recognised_as_contention() {
        let path = std::env::temp_dir().join(format!(
            "stepwise_contention_{}_{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .busy_timeout(std::time::Duration::ZERO);
        let mut holder = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut holder)
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut holder)
            .await
            .unwrap();
        let mut other = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        let refused = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(StoreError::Database(refused).is_contention());
        let syntax = sqlx::query("SELEC 1")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert!(!StoreError::Database(syntax).is_contention());
        assert!(!StoreError::Invalid("database is locked".into()).is_contention());
        let _ = std::fs::remove_file(&path);
    }
}
