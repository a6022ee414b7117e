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
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}
