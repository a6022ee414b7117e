//! A faster reading of stored payloads.
//!
//! `EventKind` is stored internally tagged (`{"type":"case_note","subject":…}`), which serde
//! reads by first buffering the whole object to find the tag. The whole-log read decodes
//! hundreds of thousands of payloads, so for the exact form Stepwise writes (the `type` field
//! first) the tag is read from the front of the bytes, the object is re-framed as serde's
//! externally tagged form (`{"case_note":{"subject":…}}`), and read in one pass by a twin
//! of `EventKind`'s derive. The twin is a remote derive: it builds `EventKind`'s own variants,
//! so a field added to one and not the other does not compile, and the golden payloads are
//! read both ways in the tests. Anything else falls back to the ordinary reading.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::codes::*;
use crate::events::*;
use crate::ids::{TeamId, WorkerId};
use crate::need::LevelOfNeed;

#[derive(Deserialize)]
#[serde(remote = "EventKind", rename_all = "snake_case")]
enum External {
    ContactReceived {
        source: ReferralSource,
        concerns: String,
        consent: bool,
    },
    ContactDecided {
        level: LevelOfNeed,
        outcome: ContactOutcome,
        reason: String,
    },
    EarlyHelpOpened {
        level: LevelOfNeed,
    },
    EarlyHelpClosed {
        reason: EarlyHelpClosure,
    },
    AllocationRequested {
        team: TeamId,
    },
    WorkerAllocated {
        worker: WorkerId,
        team: TeamId,
        role: AllocationRole,
        reason: Option<SwChangeReason>,
    },
    ReferralOpened {
        source: ReferralSource,
        primary_need: PrimaryNeed,
        no_further_action: bool,
    },
    ReferralClosed {
        reason: ReasonForClosure,
    },
    AssessmentStarted,
    AssessmentAuthorised {
        factors: Vec<AssessmentFactor>,
        outcome: AssessmentOutcome,
    },
    StrategyDiscussion {
        section47: bool,
    },
    Section47Started,
    Section47Completed {
        outcome: Section47Outcome,
    },
    InitialConference {
        plan: bool,
    },
    CpPlanStarted {
        category: CategoryOfAbuse,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_plans: Option<u32>,
    },
    CpReview {
        category: CategoryOfAbuse,
    },
    CpPlanEnded,
    CinPlanStarted,
    CinPlanEnded,
    LookedAfterStarted {
        placement: Placement,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_permanence: Option<PreviousPermanence>,
    },
    LookedAfterChanged {
        reason_new_episode: ReasonNewEpisode,
        placement: Placement,
        reason_place_change: Option<ReasonPlaceChange>,
    },
    LookedAfterEnded {
        reason: ReasonEpisodeCeased,
    },
    LookedAfterReview {
        participation: ReviewParticipation,
    },
    Visit {
        purpose: VisitPurpose,
        seen_alone: bool,
    },
    AdoptionDecided,
    AdoptersMatched {
        adopters: u8,
        sex: AdopterSex,
        legal_status: AdopterLegalStatus,
        foster_carers: bool,
    },
    AdoptionDecisionReversed {
        reason: ReasonPlacedCeased,
    },
    HealthChecked {
        check: HealthCheck,
    },
    SdqAssessed {
        score: Option<u8>,
        reason: Option<SdqReason>,
    },
    SubstanceMisuse {
        intervention_offered: bool,
        intervention_received: bool,
    },
    Convicted,
    MissingEpisode {
        missing: MissingType,
        end: Option<NaiveDate>,
    },
    SteppedUp {
        level: LevelOfNeed,
        reason: String,
    },
    SteppedDown {
        level: LevelOfNeed,
        reason: String,
    },
    CareLeaverStarted,
    CareLeaverContact {
        in_touch: InTouch,
        activity: CareLeaverActivity,
        accommodation: CareLeaverAccommodation,
    },
    CareLeaverEnded,
    CaseNote {
        subject: String,
        text: String,
    },
    Withdrawn,
}

/// Reads a payload in its current shape, by the fast path where the bytes allow, else as
/// `serde_json` reads `EventKind`.
pub(crate) fn read(json: &[u8]) -> Result<EventKind, serde_json::Error> {
    match fast(json) {
        Some(k) => Ok(k),
        None => serde_json::from_slice::<EventKind>(json),
    }
}

/// The fast path alone: `None` where the bytes are not in the form Stepwise writes.
fn fast(json: &[u8]) -> Option<EventKind> {
    const PREFIX: &[u8] = br#"{"type":""#;
    if let Some(rest) = json.strip_prefix(PREFIX)
        && let Some(end) = rest.iter().position(|b| *b == b'"')
    {
        let tag = &rest[..end];
        let after = &rest[end + 1..];
        if after == b"}" {
            // A kind with no fields: `{"type":"cp_plan_ended"}` is the string form.
            let mut unit = Vec::with_capacity(tag.len() + 2);
            unit.push(b'"');
            unit.extend_from_slice(tag);
            unit.push(b'"');
            let mut de = serde_json::Deserializer::from_slice(&unit);
            if let Ok(k) = External::deserialize(&mut de) {
                return Some(k);
            }
        } else if let Some(fields) = after.strip_prefix(b",") {
            // `{"tag":{` + the remaining fields (which end with the object's `}`) + `}`.
            let mut framed = Vec::with_capacity(json.len() + 4);
            framed.extend_from_slice(b"{\"");
            framed.extend_from_slice(tag);
            framed.extend_from_slice(b"\":{");
            framed.extend_from_slice(fields);
            framed.push(b'}');
            let mut de = serde_json::Deserializer::from_slice(&framed);
            if let Ok(k) = External::deserialize(&mut de)
                && de.end().is_ok()
            {
                return Some(k);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stored form in the golden file (every kind, every version that is current) reads
    /// the same by the fast path as by serde's own reading, and takes the fast path.
    #[test]
    fn the_fast_path_reads_every_golden_payload_as_serde_does() {
        let text = std::fs::read_to_string("golden/event-payloads.txt").unwrap();
        let mut n = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let json = line.splitn(3, ' ').nth(2).unwrap();
            let slow = serde_json::from_str::<EventKind>(json).unwrap();
            assert_eq!(fast(json.as_bytes()), Some(slow), "{json}");
            n += 1;
        }
        assert!(n >= 31, "{n} golden lines");
    }

    /// Forms the fast path does not take (another field first, spacing, bad JSON, an unknown
    /// kind, trailing bytes) are read, or refused, exactly as serde reads them.
    #[test]
    fn anything_else_falls_back_to_serde() {
        for json in [
            r#"{"subject":"a","type":"case_note","text":"b"}"#,
            r#"{ "type": "case_note", "subject": "a", "text": "b" }"#,
            r#"{"type":"case_note","subject":"a"}"#,
            r#"{"type":"case_note","subject":"a","text":"b"} x"#,
            r#"{"type":"case_note","subject":"a","text":"b","extra":1}"#,
            r#"{"type":"no_such_kind"}"#,
            r#"{"type":"cp_plan_ended"}"#,
            r#"{"type":"cp_plan_started","category":"ZZZ"}"#,
            r#"{"type":"visit","purpose":"looked_after","seen_alone":true}}"#,
            r#"{"type":"#,
        ] {
            let slow = serde_json::from_str::<EventKind>(json).ok();
            assert_eq!(read(json.as_bytes()).ok(), slow, "{json}");
        }
    }
}
