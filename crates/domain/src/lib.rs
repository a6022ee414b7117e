//! The Stepwise domain: pure types and rules with no IO. People and their identifiers, families
//! and households, the organisation of a children's services department, the child's journey as
//! an append-only list of events, the projection of those events into each child's current
//! state, DfE code lists by collection year, the working-day calendar, statutory timescales and
//! the access policy. Nothing here knows about databases, HTTP or the clock on the wall: time is
//! passed in.

pub mod access;
pub mod calendar;
pub mod codes;
pub mod credentials;
pub mod error;
pub mod events;
pub mod ids;
pub mod localtime;
pub mod need;
pub mod org;
pub mod people;
pub mod projection;
pub mod retention;
pub mod search;
pub mod timescales;
pub mod totp;

pub use error::DomainError;
