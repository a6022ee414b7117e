//! A contact whole, as the front door's own tables hold it (ADR 0007): the row as it was
//! acknowledged, the people it names (each child with their `ContactReceived` event), and the
//! screening steps that followed it, in order. A council's history of contacts is loaded in this
//! shape, all at once (the synthetic council's five years, or a migration from another system);
//! the live front door writes the same rows one at a time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::ReferralSource;
use crate::contact::{Channel, ConsentStatus, Referrer, StepData};
use crate::ids::{EventSeq, PersonId};
use crate::screening::Rag;

/// A child a contact names, with the `ContactReceived` event on their journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChild {
    pub person: PersonId,
    pub received: EventSeq,
}

/// One screening step of a contact, with who took it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactStepRecord {
    /// The step's key: steps are numbered across all contacts, in the order they were taken
    /// within each contact, and a `CheckAnswered` names its `CheckRequested` by this key.
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The username of whoever took the step, as the front door's pages show it.
    pub by: String,
    pub data: StepData,
}

/// A contact as acknowledged, with the people it names and everything that happened to it.
/// Without a `Decided` step it is still waiting on the front door's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// The contact's key: contacts are numbered in the order they were received, so that a
    /// contact received later has a larger key (the front door counts earlier contacts by it).
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it, as the contact row names them.
    pub recorded_by: String,
    pub channel: Channel,
    pub source: ReferralSource,
    pub referrer: Referrer,
    pub concerns: String,
    pub consent: ConsentStatus,
    pub consent_basis: String,
    /// The rating it was received with (a `Rated` step changes it).
    pub rag: Rag,
    pub decide_by: DateTime<Utc>,
    pub children: Vec<ContactChild>,
    pub adults: Vec<PersonId>,
    pub steps: Vec<ContactStepRecord>,
}

impl ContactRecord {
    /// The decision recorded on the contact, if it has been decided.
    pub fn decided(&self) -> Option<&ContactStepRecord> {
        self.steps
            .iter()
            .find(|s| matches!(s.data, StepData::Decided { .. }))
    }
}
