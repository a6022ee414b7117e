//! The Stepwise domain: pure types and rules with no IO. People and their identifiers, families
//! and households, the organisation of a children's services department, the child's journey as
//! an append-only list of events, the projection of those events into each child's current
//! state, DfE code lists by collection year, the working-day calendar, statutory timescales and
//! the access policy. Nothing here knows about databases or HTTP, and only `clock` reads the
//! clock on the wall: everything else is passed the time.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod codes;
pub mod commands;
pub mod contact;
pub mod contact_record;
pub mod credentials;
pub mod error;
pub mod events;
pub mod ids;
pub mod localtime;
pub mod matching;
pub mod need;
pub mod org;
pub mod payload;
pub mod people;
pub mod projection;
pub mod retention;
pub mod screening;
pub mod search;
mod tagged;
pub mod threshold;
pub mod timescales;
pub mod totp;

pub use error::DomainError;
