//! The stored form of an event's payload, and its version.
//!
//! An event's payload is stored as the JSON of its `EventKind` (`{"type":"case_note",...}`)
//! beside a version number in its own column. Rows are never rewritten, so every payload ever
//! stored must stay readable by every later release:
//!
//! * Adding a field: give it a default (`Option`, or `#[serde(default)]`), so older rows, which
//!   lack it, still read. The version does not change.
//! * Renaming or removing a field or a variant, or changing what a value means: raise the
//!   kind's version in [`version`] and add a step to [`upcast`] that turns the older JSON into
//!   the newer shape. The golden file `golden/event-payloads.txt` keeps one line for every
//!   version of every kind, and its test decodes each of them, so a change that would make old
//!   rows unreadable fails in review rather than in a council's database.
//!
//! Unknown fields are ignored when reading, so a row written by a newer release with an added
//! field still reads here.

use crate::DomainError;
use crate::events::EventKind;

/// The current payload version of each kind of event. Every kind is named, so a new kind
/// must be given its version here.
pub fn version(kind: &EventKind) -> u32 {
    use EventKind as K;
    match kind {
        K::ContactReceived { .. }
        | K::ContactDecided { .. }
        | K::EarlyHelpOpened { .. }
        | K::EarlyHelpClosed { .. }
        | K::AllocationRequested { .. }
        | K::WorkerAllocated { .. }
        | K::ReferralOpened { .. }
        | K::ReferralClosed { .. }
        | K::AssessmentStarted
        | K::AssessmentAuthorised { .. }
        | K::StrategyDiscussion { .. }
        | K::Section47Started
        | K::Section47Completed { .. }
        | K::InitialConference { .. }
        | K::CpPlanStarted { .. }
        | K::CpReview { .. }
        | K::CpPlanEnded
        | K::CinPlanStarted
        | K::CinPlanEnded
        | K::LookedAfterStarted { .. }
        | K::LookedAfterChanged { .. }
        | K::LookedAfterEnded { .. }
        | K::LookedAfterReview { .. }
        | K::AdoptionDecided
        | K::AdoptersMatched { .. }
        | K::AdoptionDecisionReversed { .. }
        | K::HealthChecked { .. }
        | K::SdqAssessed { .. }
        | K::SubstanceMisuse { .. }
        | K::Convicted
        | K::Visit { .. }
        | K::MissingEpisode { .. }
        | K::SteppedUp { .. }
        | K::SteppedDown { .. }
        | K::CareLeaverStarted
        | K::CareLeaverContact { .. }
        | K::CareLeaverEnded
        | K::CaseNote { .. }
        | K::Withdrawn => 1,
    }
}

/// The highest payload version any kind has; a stored row with a higher one was written by a
/// newer release.
pub const LATEST: u32 = 1;

/// The stored form of a payload: its version and its JSON.
pub fn encode(kind: &EventKind) -> Result<(u32, String), DomainError> {
    let json = serde_json::to_string(kind).map_err(|e| DomainError::StoredEvent {
        message: format!("a {} event could not be encoded: {e}", kind.type_name()),
    })?;
    Ok((version(kind), json))
}

/// Reads a stored payload of the given version, bringing an older one up to date first.
pub fn decode(stored_version: i64, json: &str) -> Result<EventKind, DomainError> {
    decode_slice(stored_version, json.as_bytes())
}

/// The same, from the stored bytes (the whole-log read decodes rows in place).
pub fn decode_slice(stored_version: i64, json: &[u8]) -> Result<EventKind, DomainError> {
    let v = u32::try_from(stored_version).map_err(|_| DomainError::StoredEvent {
        message: format!("payload version {stored_version} is not a version"),
    })?;
    let newer = || DomainError::StoredEvent {
        message: format!(
            "payload version {v} is newer than this release reads; was the row written by a newer release of Stepwise?"
        ),
    };
    if v == 0 || v > LATEST {
        return Err(newer());
    }
    // The common case: the row is in its kind's current shape.
    let first = crate::tagged::read(json);
    if let Ok(k) = &first {
        let current = version(k);
        if current == v {
            return first.map_err(|_| newer());
        }
        if current < v {
            return Err(newer());
        }
    }
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| DomainError::StoredEvent {
            message: format!("payload version {v} is not JSON: {e}"),
        })?;
    if first.is_err() && v == LATEST {
        // Nothing to bring up to date: the row does not read as any kind.
        return first.map_err(|e| DomainError::StoredEvent {
            message: format!("payload version {v} could not be read: {e}"),
        });
    }
    let upcast_value = upcast(v, value)?;
    serde_json::from_value(upcast_value).map_err(|e| DomainError::StoredEvent {
        message: format!("payload version {v}, brought up to date, could not be read: {e}"),
    })
}

/// Turns a payload of version `from` into the current shape of its kind, one version at a
/// time. No kind has been revised yet, so there is no step; the first revision adds its step
/// here as a match on (type, version).
fn upcast(from: u32, value: serde_json::Value) -> Result<serde_json::Value, DomainError> {
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("unknown")
        .to_string();
    Err(DomainError::StoredEvent {
        message: format!("there is no way to bring a {kind} payload of version {from} up to date"),
    })
}

#[cfg(test)]
mod tests {
    //! The golden file pins the stored JSON of every kind of event at every version.
    //! Set `STEPWISE_BLESS=1` to rewrite the lines of the current versions after a deliberate
    //! change (older versions' lines are kept: they are rows that exist).

    use super::*;
    use crate::events::*;
    use crate::ids::{Postcode, TeamId, WorkerId};
    use chrono::NaiveDate;

    const GOLDEN: &str = "golden/event-payloads.txt";

    /// Which arm of `EventKind` a value is. There is no wildcard, so a new kind stops this
    /// compiling until it has a number, and then `every_kind_has_a_sample` asks for a sample.
    fn variant(k: &EventKind) -> usize {
        use EventKind as K;
        match k {
            K::ContactReceived { .. } => 0,
            K::ContactDecided { .. } => 1,
            K::EarlyHelpOpened { .. } => 2,
            K::EarlyHelpClosed { .. } => 3,
            K::WorkerAllocated { .. } => 4,
            K::ReferralOpened { .. } => 5,
            K::ReferralClosed { .. } => 6,
            K::AssessmentStarted => 7,
            K::AssessmentAuthorised { .. } => 8,
            K::StrategyDiscussion { .. } => 9,
            K::Section47Started => 10,
            K::Section47Completed { .. } => 11,
            K::InitialConference { .. } => 12,
            K::CpPlanStarted { .. } => 13,
            K::CpReview { .. } => 14,
            K::CpPlanEnded => 15,
            K::CinPlanStarted => 16,
            K::CinPlanEnded => 17,
            K::LookedAfterStarted { .. } => 18,
            K::LookedAfterChanged { .. } => 19,
            K::LookedAfterEnded { .. } => 20,
            K::LookedAfterReview { .. } => 21,
            K::Visit { .. } => 22,
            K::MissingEpisode { .. } => 23,
            K::SteppedUp { .. } => 24,
            K::SteppedDown { .. } => 25,
            K::CareLeaverStarted => 26,
            K::CareLeaverContact { .. } => 27,
            K::CareLeaverEnded => 28,
            K::CaseNote { .. } => 29,
            K::Withdrawn => 30,
            K::AdoptionDecided => 31,
            K::AdoptersMatched { .. } => 32,
            K::AdoptionDecisionReversed { .. } => 33,
            K::HealthChecked { .. } => 34,
            K::SdqAssessed { .. } => 35,
            K::SubstanceMisuse { .. } => 36,
            K::Convicted => 37,
            K::AllocationRequested { .. } => 38,
        }
    }
    const KINDS: usize = 39;

    fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> T {
        serde_json::from_str(s).unwrap()
    }

    fn placement() -> Placement {
        Placement {
            legal_status: from_json("\"C2\""),
            placement: from_json("\"U1\""),
            provider: from_json("\"PR1\""),
            category_of_need: from_json("\"N1\""),
            home_postcode: Some(Postcode::parse("LS1 4AB").unwrap()),
            placement_postcode: None,
            urn: Some("SC123456".into()),
        }
    }

    /// One event of every kind, with every field set, the codes read from their stored form.
    fn samples() -> Vec<EventKind> {
        let k = |json: &str| -> EventKind { from_json(json) };
        vec![
            k(
                r#"{"type":"contact_received","source":"1A","concerns":"Bruising seen at nursery","consent":true}"#,
            ),
            k(
                r#"{"type":"contact_decided","level":"3","outcome":"social_care_referral","reason":"Needs assessment"}"#,
            ),
            k(r#"{"type":"early_help_opened","level":"2"}"#),
            k(r#"{"type":"allocation_requested","team":4}"#),
            EventKind::EarlyHelpClosed {
                reason: EarlyHelpClosure::NeedsMet,
            },
            k(
                r#"{"type":"worker_allocated","worker":12,"team":3,"role":"social_worker","reason":"MANAGE"}"#,
            ),
            k(
                r#"{"type":"referral_opened","source":"3A","primary_need":"N1","no_further_action":false}"#,
            ),
            k(r#"{"type":"referral_closed","reason":"RC8"}"#),
            EventKind::AssessmentStarted,
            k(
                r#"{"type":"assessment_authorised","factors":["3A","4B"],"outcome":"child_in_need_plan"}"#,
            ),
            EventKind::StrategyDiscussion { section47: true },
            EventKind::Section47Started,
            EventKind::Section47Completed {
                outcome: Section47Outcome::InitialConference,
            },
            EventKind::InitialConference { plan: true },
            k(r#"{"type":"cp_plan_started","category":"NEG"}"#),
            k(r#"{"type":"cp_review","category":"EMO"}"#),
            EventKind::CpPlanEnded,
            EventKind::CinPlanStarted,
            EventKind::CinPlanEnded,
            EventKind::LookedAfterStarted {
                placement: placement(),
                previous_permanence: None,
            },
            EventKind::LookedAfterChanged {
                reason_new_episode: from_json("\"P\""),
                placement: placement(),
                reason_place_change: Some(from_json("\"CARPL\"")),
            },
            k(r#"{"type":"looked_after_ended","reason":"E11"}"#),
            k(r#"{"type":"looked_after_review","participation":"PN1"}"#),
            EventKind::Visit {
                purpose: VisitPurpose::LookedAfter,
                seen_alone: true,
            },
            EventKind::MissingEpisode {
                missing: from_json("\"M\""),
                end: NaiveDate::from_ymd_opt(2025, 3, 4),
            },
            k(r#"{"type":"stepped_up","level":"3","reason":"Concerns escalated"}"#),
            k(r#"{"type":"stepped_down","level":"2","reason":"Plan ended"}"#),
            EventKind::CareLeaverStarted,
            k(
                r#"{"type":"care_leaver_contact","in_touch":"YES","activity":"F2","accommodation":"B1"}"#,
            ),
            EventKind::CareLeaverEnded,
            EventKind::CaseNote {
                subject: "Home visit".into(),
                text: "Saw the child at home.\n\"Quiet\" but well.".into(),
            },
            EventKind::Withdrawn,
            EventKind::AdoptionDecided,
            k(
                r#"{"type":"adopters_matched","adopters":2,"sex":"MF","legal_status":"L11","foster_carers":true}"#,
            ),
            k(r#"{"type":"adoption_decision_reversed","reason":"RD3"}"#),
            k(r#"{"type":"health_checked","check":"dental_check"}"#),
            k(r#"{"type":"sdq_assessed","score":14,"reason":null}"#),
            k(
                r#"{"type":"substance_misuse","intervention_offered":true,"intervention_received":false}"#,
            ),
            EventKind::Convicted,
        ]
    }

    #[test]
    fn every_kind_has_a_sample() {
        let mut seen = [false; KINDS];
        for s in samples() {
            seen[variant(&s)] = true;
        }
        let missing: Vec<usize> = (0..KINDS).filter(|i| !seen[*i]).collect();
        assert!(missing.is_empty(), "no sample for kinds {missing:?}");
        // The worker and team in the allocation sample are plain numbers in the JSON.
        assert!(samples().contains(&EventKind::WorkerAllocated {
            worker: WorkerId(12),
            team: TeamId(3),
            role: AllocationRole::SocialWorker,
            reason: Some(from_json("\"MANAGE\"")),
        }));
    }

    fn golden_lines() -> Vec<(String, i64, String)> {
        let text = std::fs::read_to_string(GOLDEN).unwrap_or_default();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut parts = l.splitn(3, ' ');
                let kind = parts.next().unwrap_or_default().to_string();
                let v = parts
                    .next()
                    .and_then(|v| v.strip_prefix('v'))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(-1);
                (kind, v, parts.next().unwrap_or_default().to_string())
            })
            .collect()
    }

    /// Pins the stored JSON of every kind at its current version, and reads back every line
    /// of the golden file, old versions included.
    #[test]
    fn stored_payloads_match_the_golden_file_and_every_version_still_reads() {
        let current: Vec<(String, i64, String)> = samples()
            .iter()
            .map(|k| {
                let (v, json) = encode(k).unwrap();
                (k.type_name().to_string(), i64::from(v), json)
            })
            .collect();
        let golden = golden_lines();
        if std::env::var("STEPWISE_BLESS").is_ok() {
            let mut keep: Vec<(String, i64, String)> = golden
                .into_iter()
                .filter(|(k, v, _)| !current.iter().any(|(ck, cv, _)| ck == k && cv == v))
                .collect();
            keep.extend(current.iter().cloned());
            keep.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let mut out = String::from(
                "# The stored JSON of every kind of journey event, at every payload version.\n\
                 # Lines of older versions stay: they are rows in councils' databases, and must\n\
                 # still read. Regenerate the current lines with STEPWISE_BLESS=1 (crates/domain).\n",
            );
            for (k, v, j) in &keep {
                out.push_str(&format!("{k} v{v} {j}\n"));
            }
            std::fs::write(GOLDEN, out).unwrap();
            return;
        }
        for (kind, v, json) in &current {
            let pinned = golden.iter().find(|(k, gv, _)| k == kind && gv == v);
            assert_eq!(
                pinned.map(|p| p.2.as_str()),
                Some(json.as_str()),
                "the stored JSON of {kind} (version {v}) changed: old rows would no longer \
                 match. Keep the field names, add fields with defaults, or raise the version \
                 with an upcast step (see payload.rs)"
            );
        }
        for (kind, v, json) in &golden {
            let read = decode(*v, json);
            assert!(read.is_ok(), "{kind} v{v} no longer reads: {read:?}");
            let read = read.unwrap();
            assert_eq!(read.type_name(), kind);
            if let Some(now) = samples().iter().find(|s| s.type_name() == kind)
                && i64::from(version(now)) == *v
            {
                assert_eq!(&read, now, "{kind} v{v} reads as something else");
            }
        }
    }

    #[test]
    fn an_added_field_is_ignored_by_older_readers_and_versions_outside_the_range_fail() {
        let newer = r#"{"type":"case_note","subject":"s","text":"t","attachments":3}"#;
        assert!(matches!(decode(1, newer), Ok(EventKind::CaseNote { .. })));
        let e = decode(i64::from(LATEST) + 1, newer)
            .unwrap_err()
            .to_string();
        assert!(e.contains("newer release"), "{e}");
        assert!(decode(0, newer).is_err());
        assert!(decode(-3, newer).is_err());
        let e = decode(1, r#"{"type":"case_nate","subject":"s"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("case_nate"), "{e}");
    }
}
