//! The domain's one error type: every variant says what was wrong and with which value.

use thiserror::Error;

/// Why a value or a requested change was refused by a domain rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// An identifier failed its format or check-digit rule.
    #[error("{field}: {message} (got {value:?})")]
    InvalidIdentifier {
        field: &'static str,
        value: String,
        message: String,
    },
    /// A code is not in the named code list for the collection year.
    #[error("{list}: {code:?} is not a valid code for collection year {year}")]
    UnknownCode {
        list: String,
        code: String,
        year: i32,
    },
    /// A recorded code is in no year of the named code list.
    #[error("{list}: {code:?} is not in the code list")]
    NotInCodeList { list: &'static str, code: String },
    /// A date could not be read or is impossible.
    #[error("{field}: {message} (got {value:?})")]
    InvalidDate {
        field: &'static str,
        value: String,
        message: String,
    },
    /// A journey event does not fit the child's current state.
    #[error("event {event} cannot be applied: {rule}")]
    Transition { event: String, rule: String },
    /// A stored event payload could not be read or written.
    #[error("stored event: {message}")]
    StoredEvent { message: String },
    /// A value typed into a form or sent to the API was refused: which field, and why.
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// The embedded reference data could not be read.
    #[error("reference data {file}, line {line}: {message}")]
    ReferenceData {
        file: &'static str,
        line: usize,
        message: String,
    },
}
