//! Stored JSON of journey events and child states, pinned as it was written when codes were
//! plain strings: typed codes must serialise byte for byte the same, so rows already in a
//! council's database still read, and reading a code that is in no list is an error naming it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use stepwise_domain::codes::{self, Code, CodeList};
use stepwise_domain::events::{
    AllocationRole, AssessmentOutcome, ContactOutcome, EarlyHelpClosure, EventKind, JourneyEvent,
    Placement, Section47Outcome, Supersession, VisitPurpose,
};
use stepwise_domain::ids::{EventSeq, PersonId, Postcode, TeamId, WorkerId};
use stepwise_domain::need::LevelOfNeed;
use stepwise_domain::projection::ChildState;

/// A code valid in collection year 2025.
fn c<L: CodeList>(code: &str) -> Code<L> {
    Code::parse(code, 2025).unwrap()
}

fn lvl(level: &str) -> LevelOfNeed {
    LevelOfNeed::parse(level).unwrap()
}

fn placement() -> Placement {
    Placement {
        legal_status: c("C2"),
        placement: c("U6"),
        provider: c("PR1"),
        category_of_need: c("N1"),
        home_postcode: Some(Postcode::parse("SW1A 1AA").unwrap()),
        placement_postcode: None,
        urn: Some("SC123456".into()),
    }
}

/// One of every event kind (two where an optional code may be absent), each with the JSON
/// that Stepwise wrote for it before codes were typed.
fn every_kind() -> Vec<(EventKind, &'static str)> {
    vec![
        (
            EventKind::ContactReceived {
                source: c("2A"),
                concerns: "c".into(),
                consent: true,
            },
            r#"{"type":"contact_received","source":"2A","concerns":"c","consent":true}"#,
        ),
        (
            EventKind::ContactDecided {
                level: lvl("3"),
                outcome: ContactOutcome::EarlyHelp,
                reason: "r".into(),
            },
            r#"{"type":"contact_decided","level":"3","outcome":"early_help","reason":"r"}"#,
        ),
        (
            EventKind::EarlyHelpOpened { level: lvl("2") },
            r#"{"type":"early_help_opened","level":"2"}"#,
        ),
        (
            EventKind::EarlyHelpClosed {
                reason: EarlyHelpClosure::NeedsMet,
            },
            r#"{"type":"early_help_closed","reason":"needs_met"}"#,
        ),
        (
            EventKind::WorkerAllocated {
                worker: WorkerId(7),
                team: TeamId(3),
                role: AllocationRole::SocialWorker,
                reason: Some(c("CHCHAN")),
            },
            r#"{"type":"worker_allocated","worker":7,"team":3,"role":"social_worker","reason":"CHCHAN"}"#,
        ),
        (
            EventKind::WorkerAllocated {
                worker: WorkerId(7),
                team: TeamId(3),
                role: AllocationRole::Keyworker,
                reason: None,
            },
            r#"{"type":"worker_allocated","worker":7,"team":3,"role":"keyworker","reason":null}"#,
        ),
        (
            EventKind::ReferralOpened {
                source: c("6"),
                primary_need: c("N1"),
                no_further_action: false,
            },
            r#"{"type":"referral_opened","source":"6","primary_need":"N1","no_further_action":false}"#,
        ),
        (
            EventKind::ReferralClosed { reason: c("RC8") },
            r#"{"type":"referral_closed","reason":"RC8"}"#,
        ),
        (
            EventKind::AssessmentStarted,
            r#"{"type":"assessment_started"}"#,
        ),
        (
            EventKind::AssessmentAuthorised {
                factors: vec![c("3A"), c("4B")],
                outcome: AssessmentOutcome::ChildInNeedPlan,
            },
            r#"{"type":"assessment_authorised","factors":["3A","4B"],"outcome":"child_in_need_plan"}"#,
        ),
        (
            EventKind::StrategyDiscussion { section47: true },
            r#"{"type":"strategy_discussion","section47":true}"#,
        ),
        (
            EventKind::Section47Started,
            r#"{"type":"section47_started"}"#,
        ),
        (
            EventKind::Section47Completed {
                outcome: Section47Outcome::InitialConference,
            },
            r#"{"type":"section47_completed","outcome":"initial_conference"}"#,
        ),
        (
            EventKind::InitialConference { plan: true },
            r#"{"type":"initial_conference","plan":true}"#,
        ),
        (
            EventKind::CpPlanStarted {
                category: c("NEG"),
                previous_plans: None,
            },
            r#"{"type":"cp_plan_started","category":"NEG"}"#,
        ),
        (
            EventKind::CpReview { category: c("EMO") },
            r#"{"type":"cp_review","category":"EMO"}"#,
        ),
        (EventKind::CpPlanEnded, r#"{"type":"cp_plan_ended"}"#),
        (EventKind::CinPlanStarted, r#"{"type":"cin_plan_started"}"#),
        (EventKind::CinPlanEnded, r#"{"type":"cin_plan_ended"}"#),
        (
            EventKind::LookedAfterStarted {
                placement: placement(),
                previous_permanence: None,
            },
            r#"{"type":"looked_after_started","placement":{"legal_status":"C2","placement":"U6","provider":"PR1","category_of_need":"N1","home_postcode":"SW1A 1AA","placement_postcode":null,"urn":"SC123456"}}"#,
        ),
        (
            EventKind::LookedAfterChanged {
                reason_new_episode: c("P"),
                placement: placement(),
                reason_place_change: Some(c("CARPL")),
            },
            r#"{"type":"looked_after_changed","reason_new_episode":"P","placement":{"legal_status":"C2","placement":"U6","provider":"PR1","category_of_need":"N1","home_postcode":"SW1A 1AA","placement_postcode":null,"urn":"SC123456"},"reason_place_change":"CARPL"}"#,
        ),
        (
            EventKind::LookedAfterChanged {
                reason_new_episode: c("L"),
                placement: placement(),
                reason_place_change: None,
            },
            r#"{"type":"looked_after_changed","reason_new_episode":"L","placement":{"legal_status":"C2","placement":"U6","provider":"PR1","category_of_need":"N1","home_postcode":"SW1A 1AA","placement_postcode":null,"urn":"SC123456"},"reason_place_change":null}"#,
        ),
        (
            EventKind::LookedAfterEnded { reason: c("E11") },
            r#"{"type":"looked_after_ended","reason":"E11"}"#,
        ),
        (
            EventKind::LookedAfterReview {
                participation: c("PN1"),
            },
            r#"{"type":"looked_after_review","participation":"PN1"}"#,
        ),
        (
            EventKind::Visit {
                purpose: VisitPurpose::LookedAfter,
                seen_alone: true,
            },
            r#"{"type":"visit","purpose":"looked_after","seen_alone":true}"#,
        ),
        (
            EventKind::MissingEpisode {
                missing: c("M"),
                end: NaiveDate::from_ymd_opt(2025, 5, 2),
            },
            r#"{"type":"missing_episode","missing":"M","end":"2025-05-02"}"#,
        ),
        (
            EventKind::SteppedUp {
                level: lvl("4"),
                reason: "r".into(),
            },
            r#"{"type":"stepped_up","level":"4","reason":"r"}"#,
        ),
        (
            EventKind::SteppedDown {
                level: lvl("3"),
                reason: "r".into(),
            },
            r#"{"type":"stepped_down","level":"3","reason":"r"}"#,
        ),
        (
            EventKind::CareLeaverStarted,
            r#"{"type":"care_leaver_started"}"#,
        ),
        (
            EventKind::CareLeaverContact {
                in_touch: c("YES"),
                activity: c("F1"),
                accommodation: c("S2"),
            },
            r#"{"type":"care_leaver_contact","in_touch":"YES","activity":"F1","accommodation":"S2"}"#,
        ),
        (
            EventKind::CareLeaverEnded,
            r#"{"type":"care_leaver_ended"}"#,
        ),
        (
            EventKind::CaseNote {
                subject: "s".into(),
                text: "t".into(),
            },
            r#"{"type":"case_note","subject":"s","text":"t"}"#,
        ),
        (EventKind::Withdrawn, r#"{"type":"withdrawn"}"#),
    ]
}

/// Guards issue 7 item 3: typed codes must not change stored JSON. Each event kind serialises
/// to exactly the string written when its codes were `String`s, and reads back to itself.
#[test]
fn every_event_kind_serialises_as_before() {
    let all = every_kind();
    assert_eq!(all.len(), 33);
    let mut names: Vec<&str> = all.iter().map(|(k, _)| k.type_name()).collect();
    names.dedup();
    assert_eq!(names.len(), 31, "one of each of the 31 kinds");
    let on = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    for (kind, json) in all {
        assert_eq!(serde_json::to_string(&kind).unwrap(), json);
        let back: EventKind = serde_json::from_str(json).unwrap();
        assert_eq!(back, kind);
        assert!(kind.check_codes(on).is_ok(), "{json}");
    }
}

/// Guards issue 7 item 3: a whole stored event, as the store writes it, is unchanged.
#[test]
fn a_whole_event_serialises_as_before() {
    let e = JourneyEvent {
        seq: EventSeq(42),
        child: PersonId(9),
        effective: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        effective_time: chrono::NaiveTime::from_hms_opt(9, 30, 0),
        recorded_at: chrono::DateTime::parse_from_rfc3339("2025-06-01T10:00:00Z")
            .unwrap()
            .into(),
        recorded_by: WorkerId(5),
        supersedes: Some(Supersession {
            event: EventSeq(40),
            reason: "typo".into(),
        }),
        kind: EventKind::LookedAfterStarted {
            placement: placement(),
            previous_permanence: None,
        },
    };
    let json = r#"{"seq":42,"child":9,"effective":"2025-06-01","effective_time":"09:30:00","recorded_at":"2025-06-01T10:00:00Z","recorded_by":5,"supersedes":{"event":40,"reason":"typo"},"kind":{"type":"looked_after_started","placement":{"legal_status":"C2","placement":"U6","provider":"PR1","category_of_need":"N1","home_postcode":"SW1A 1AA","placement_postcode":null,"urn":"SC123456"}}}"#;
    assert_eq!(serde_json::to_string(&e).unwrap(), json);
    assert_eq!(serde_json::from_str::<JourneyEvent>(json).unwrap(), e);
}

/// Guards issue 7 item 3: the stored projection of a child (with a level of need, a referral,
/// a plan category, a placement and care-leaver codes) is unchanged and reads back.
#[test]
fn a_child_state_serialises_as_before() {
    let all = every_kind();
    let mut state = ChildState::new(PersonId(9));
    for (i, (kind, _)) in all.into_iter().enumerate() {
        if ![0usize, 2, 5, 6, 8, 14, 19, 25, 28, 29].contains(&i) {
            continue;
        }
        state.apply(&JourneyEvent {
            seq: EventSeq(i as i64 + 1),
            child: PersonId(9),
            effective: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            effective_time: None,
            recorded_at: chrono::DateTime::parse_from_rfc3339("2025-06-01T10:00:00Z")
                .unwrap()
                .into(),
            recorded_by: WorkerId(5),
            supersedes: None,
            kind,
        });
    }
    let json = r#"{"child":9,"pending_contact":{"received":"2025-06-01","source":"2A"},"early_help":{"opened":"2025-06-01","level":"2","last_visit":null},"referral":{"opened":"2025-06-01","source":"6","primary_need":"N1","re_referral":false,"assessment_started":"2025-06-01","assessment_authorised":null,"strategy_discussion":null,"section47_started":null,"section47_completed":null,"awaiting_conference":false},"cin_plan":null,"cp_plan":{"started":"2025-06-01","category":"NEG","last_review":null,"reviews":0,"last_visit":null},"looked_after":{"period_started":"2025-06-01","episode_started":"2025-06-01","placement_started":"2025-06-01","placement":{"legal_status":"C2","placement":"U6","provider":"PR1","category_of_need":"N1","home_postcode":"SW1A 1AA","placement_postcode":null,"urn":"SC123456"},"episodes":1,"last_review":null,"reviews":0,"last_visit":null,"missing":false},"care_leaver":{"since":"2025-06-01","last_contact":"2025-06-01","in_touch":"YES","activity":"F1","accommodation":"S2"},"level_of_need":"2","allocated":{"worker":7,"team":3,"role":"keyworker","since":"2025-06-01"},"last_referral":"2025-06-01","previous_cp_plans":0,"periods_looked_after":1,"last_event":"2025-06-01","events_applied":10}"#;
    assert_eq!(serde_json::to_string(&state).unwrap(), json);
    let mut back: ChildState = serde_json::from_str(json).unwrap();
    back.last_key = state.last_key;
    assert_eq!(back, state);
}

/// Guards issue 7 item 3: a stored code that is in no list is an error naming the list and the
/// code, never a silent default; a level of need that is not a level is refused the same way.
#[test]
fn unknown_stored_codes_are_errors_that_name_them() {
    let e = serde_json::from_str::<EventKind>(r#"{"type":"referral_closed","reason":"RC99"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(r#"reason_for_closure: "RC99" is not in the code list"#),
        "{e}"
    );
    let e = serde_json::from_str::<EventKind>(
        r#"{"type":"assessment_authorised","factors":["3A","3Z"],"outcome":"other"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains(r#"assessment_factor: "3Z""#), "{e}");
    let e = serde_json::from_str::<EventKind>(r#"{"type":"early_help_opened","level":"high"}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("level of need"), "{e}");
    // An empty code was never valid either.
    assert!(
        serde_json::from_str::<EventKind>(r#"{"type":"cp_plan_started","category":""}"#).is_err()
    );
}

/// A placement type the DfE has since retired still reads back from the log, and is then
/// refused for a new event in a year it is no longer valid.
#[test]
fn retired_codes_still_read_back() {
    let json = r#"{"type":"looked_after_started","placement":{"legal_status":"C2","placement":"H5","provider":"PR1","category_of_need":"N1","home_postcode":null,"placement_postcode":null,"urn":null}}"#;
    let kind: EventKind = serde_json::from_str(json).unwrap();
    assert_eq!(serde_json::to_string(&kind).unwrap(), json);
    let on = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    assert_eq!(
        kind.check_codes(on).unwrap_err().to_string(),
        format!(
            "placement: \"H5\" is not a valid code for collection year {}",
            codes::collection_year(on)
        )
    );
}
