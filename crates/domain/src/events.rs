//! Journey events: everything that happens to a child, as an append-only record. Each event has
//! the date it took effect, the time it was recorded, who recorded it, and may supersede an
//! earlier event with a stated reason. Nothing is edited in place.
//!
//! The fields carry the DfE codes that the CIN census and SSDA903 returns need: referral source,
//! primary need, assessment factors, category of abuse, reason for closure, legal status,
//! placement type and provider, reason for new episode, reason episode ceased, review
//! participation, missing type, care-leaver activity and accommodation.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::codes::{
    self, AdopterLegalStatus, AdopterSex, AssessmentFactor, CareLeaverAccommodation,
    CareLeaverActivity, CategoryOfAbuse, InTouch, LegalStatus, MissingType, PlacementProvider,
    PlacementType, PreviousPermanenceOption, PrimaryNeed, ReasonEpisodeCeased, ReasonForClosure,
    ReasonNewEpisode, ReasonPlaceChange, ReasonPlacedCeased, ReferralSource, ReviewParticipation,
    SdqReason, SwChangeReason,
};
use crate::ids::{EventSeq, PersonId, Postcode, TeamId, WorkerId};
use crate::need::LevelOfNeed;

/// One event in a child's journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JourneyEvent {
    /// The event's position in the log; 0 until the store has appended it.
    pub seq: EventSeq,
    pub child: PersonId,
    /// The date the event took effect (a visit's date, a plan's start date).
    pub effective: NaiveDate,
    /// The time of day it took effect, where that matters (a contact's receipt).
    pub effective_time: Option<NaiveTime>,
    /// When it was written into the record.
    pub recorded_at: DateTime<Utc>,
    /// The worker who recorded it.
    pub recorded_by: WorkerId,
    /// An earlier event that this one corrects or withdraws.
    pub supersedes: Option<Supersession>,
    pub kind: EventKind,
}

/// A correction: which earlier event is replaced and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supersession {
    pub event: EventSeq,
    pub reason: String,
}

/// Where a contact was sent by the front door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactOutcome {
    NoFurtherAction,
    InformationAndAdvice,
    EarlyHelp,
    SocialCareReferral,
    /// Signposted to universal services (a school, a health visitor, a children's centre).
    SignpostUniversal,
    /// A strategy discussion (child protection), with the referral it needs.
    StrategyDiscussion,
    /// The child is already open: the contact goes to their allocated worker.
    PassToAllocatedWorker,
}

impl From<crate::threshold::Outcome> for ContactOutcome {
    fn from(o: crate::threshold::Outcome) -> Self {
        use crate::threshold::Outcome as O;
        match o {
            O::NoFurtherAction => Self::NoFurtherAction,
            O::InformationAndAdvice => Self::InformationAndAdvice,
            O::SignpostUniversal => Self::SignpostUniversal,
            O::EarlyHelp => Self::EarlyHelp,
            O::SocialCareAssessment => Self::SocialCareReferral,
            O::StrategyDiscussion => Self::StrategyDiscussion,
            O::PassToAllocatedWorker => Self::PassToAllocatedWorker,
        }
    }
}

/// What an assessment concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentOutcome {
    NoFurtherAction,
    StepDownToEarlyHelp,
    ChildInNeedPlan,
    StrategyDiscussion,
    LookedAfter,
    Other,
}

/// What a section 47 enquiry concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section47Outcome {
    InitialConference,
    ChildInNeedServices,
    NoFurtherAction,
    LegalAction,
    Other,
}

/// Why an early help episode closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EarlyHelpClosure {
    NeedsMet,
    SteppedUp,
    ConsentWithdrawn,
    MovedAway,
    Other,
}

/// The part a worker takes for the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllocationRole {
    Keyworker,
    SocialWorker,
    PersonalAdviser,
    /// The independent reviewing officer appointed for a child on a protection plan or looked
    /// after, who chairs their conferences or reviews. Held beside the allocated worker, never
    /// in place of them.
    ReviewingOfficer,
}

/// Why a visit was made; statutory visit frequencies differ by purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitPurpose {
    EarlyHelp,
    Assessment,
    ChildInNeed,
    ChildProtection,
    LookedAfter,
    CareLeaver,
}

/// The legal and placement details of a looked-after episode (one SSDA903 episode row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Placement {
    /// Legal status (LS), e.g. C2, V2.
    #[schema(value_type = String)]
    pub legal_status: LegalStatus,
    /// Placement type (PLACE), e.g. U6, K2.
    #[schema(value_type = String)]
    pub placement: PlacementType,
    /// Placement provider (PLACE_PROVIDER), e.g. PR1.
    #[schema(value_type = String)]
    pub provider: PlacementProvider,
    /// Category of need (CIN), N1 to N8.
    #[schema(value_type = String)]
    pub category_of_need: PrimaryNeed,
    /// The child's home postcode (HOME_POST).
    #[schema(value_type = Option<String>)]
    pub home_postcode: Option<Postcode>,
    /// The placement's postcode (PL_POST).
    #[schema(value_type = Option<String>)]
    pub placement_postcode: Option<Postcode>,
    /// Ofsted URN of the placement, where it has one.
    pub urn: Option<String>,
}

/// A health check of a looked-after child (SSDA903 OC2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthCheck {
    /// The statutory health assessment (initial, then six-monthly under 5 and yearly from 5):
    /// OC2 HEALTH_ASSESSMENT.
    HealthAssessment,
    /// A dental check: OC2 TEETH_CHECK.
    DentalCheck,
    /// A development assessment of a child under 5: OC2 HEALTH_CHECK.
    DevelopmentCheck,
    /// Immunisations found up to date: OC2 IMMUNISATIONS.
    ImmunisationsUpToDate,
}

/// Plain words for a health check.
pub fn health_check_label(c: HealthCheck) -> &'static str {
    match c {
        HealthCheck::HealthAssessment => "Health assessment",
        HealthCheck::DentalCheck => "Dental check",
        HealthCheck::DevelopmentCheck => "Development assessment",
        HealthCheck::ImmunisationsUpToDate => "Immunisations up to date",
    }
}

/// A permanence order the child had before this period of care (SSDA903 PrevPerm), recorded
/// when care starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviousPermanence {
    /// PREV_PERM: P1 adoption, P2 special guardianship, P3 child arrangements (residence),
    /// P4 unknown, Z1 none.
    #[schema(value_type = String)]
    pub option: PreviousPermanenceOption,
    /// LA_PERM: the authority that made the arrangement (its three-digit code, or NIR, SCO,
    /// WAL, NUK, or 999 where not known); only with P1 to P3.
    pub authority: Option<String>,
    /// DATE_PERM: when the order was made, where known; only with P1 to P3.
    pub date: Option<NaiveDate>,
}

impl PreviousPermanence {
    fn check(&self, year: i32, effective: NaiveDate) -> Result<(), DomainError> {
        self.option.check_in(year)?;
        let had = matches!(self.option.as_str(), "P1" | "P2" | "P3");
        let field = |field: &'static str, message: &str| {
            Err(DomainError::Field {
                field,
                message: message.to_string(),
            })
        };
        if let Some(a) = &self.authority {
            if !had {
                return field(
                    "previous_permanence.authority",
                    "only a previous adoption, special guardianship or child arrangements order has an authority",
                );
            }
            let code = a.len() == 3 && a.bytes().all(|b| b.is_ascii_digit());
            if !code && !["NIR", "SCO", "WAL", "NUK"].contains(&a.as_str()) {
                return field(
                    "previous_permanence.authority",
                    "must be a three-digit local authority code, NIR, SCO, WAL, NUK or 999",
                );
            }
        }
        if let Some(d) = self.date {
            if !had {
                return field(
                    "previous_permanence.date",
                    "only a previous adoption, special guardianship or child arrangements order has a date",
                );
            }
            if d > effective {
                return field(
                    "previous_permanence.date",
                    "the earlier order must be made before this period of care starts",
                );
            }
        }
        Ok(())
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A concern about the child reached the front door.
    ContactReceived {
        source: ReferralSource,
        concerns: String,
        consent: bool,
    },
    /// The front door decided the level of need and the response.
    ContactDecided {
        level: LevelOfNeed,
        outcome: ContactOutcome,
        reason: String,
    },
    /// An early help episode began at a level of need.
    EarlyHelpOpened { level: LevelOfNeed },
    /// The early help episode ended.
    EarlyHelpClosed { reason: EarlyHelpClosure },
    /// The child waits for a worker in a team: the front door routed them there (early help to
    /// the locality's team, a referral to an assessment team). Until a worker is allocated the
    /// child is on the team's unallocated list.
    AllocationRequested { team: TeamId },
    /// A worker was allocated (or changed). `reason` is an SW_REASON code on a change.
    WorkerAllocated {
        worker: WorkerId,
        team: TeamId,
        role: AllocationRole,
        reason: Option<SwChangeReason>,
    },
    /// A referral to children's social care: the start of a CIN episode.
    ReferralOpened {
        source: ReferralSource,
        primary_need: PrimaryNeed,
        no_further_action: bool,
    },
    /// The CIN episode closed, with the CIN census reason for closure.
    ReferralClosed { reason: ReasonForClosure },
    /// A single assessment started.
    AssessmentStarted,
    /// The assessment was authorised, with the factors it identified.
    AssessmentAuthorised {
        factors: Vec<AssessmentFactor>,
        outcome: AssessmentOutcome,
    },
    /// A strategy discussion was held.
    StrategyDiscussion { section47: bool },
    /// A section 47 enquiry started.
    Section47Started,
    /// The section 47 enquiry concluded.
    Section47Completed { outcome: Section47Outcome },
    /// An initial child protection conference was held.
    InitialConference { plan: bool },
    /// A child protection plan started, with its initial category of abuse, and how many
    /// plans the child had before it in any authority where the conference knew it (the CIN
    /// census's NumberOfPreviousCPP; without it the plans on the record are counted).
    CpPlanStarted {
        category: CategoryOfAbuse,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_plans: Option<u32>,
    },
    /// A review child protection conference, with the latest category of abuse.
    CpReview { category: CategoryOfAbuse },
    /// The child protection plan ended.
    CpPlanEnded,
    /// A child in need plan started.
    CinPlanStarted,
    /// The child in need plan ended.
    CinPlanEnded,
    /// The child started to be looked after (SSDA903 reason for new episode S), with any
    /// permanence order they had before (PrevPerm).
    LookedAfterStarted {
        placement: Placement,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_permanence: Option<PreviousPermanence>,
    },
    /// A new SSDA903 episode within a period of care: legal status or placement changed.
    LookedAfterChanged {
        reason_new_episode: ReasonNewEpisode,
        placement: Placement,
        reason_place_change: Option<ReasonPlaceChange>,
    },
    /// The period of care ended, with the SSDA903 reason episode ceased.
    LookedAfterEnded { reason: ReasonEpisodeCeased },
    /// A looked-after review was held, with the child's participation code.
    LookedAfterReview { participation: ReviewParticipation },
    /// A visit to the child.
    Visit {
        purpose: VisitPurpose,
        seen_alone: bool,
    },
    /// The agency decision maker decided that the child should be placed for adoption
    /// (SSDA903 AD1 DATE_INT and PlacedAdoption DATE_PLACED: the effective date).
    AdoptionDecided,
    /// The child was matched with prospective adopters (AD1 DATE_MATCH: the effective date),
    /// how many adopters (NB_ADOPTR, 1 or 2), their sex (SEX_ADOPTR) and legal status
    /// (LS_ADOPTR), and whether they are the child's foster carers (FOSTER_CARE).
    AdoptersMatched {
        adopters: u8,
        sex: AdopterSex,
        legal_status: AdopterLegalStatus,
        foster_carers: bool,
    },
    /// The decision that the child should be placed for adoption was reversed
    /// (PlacedAdoption DATE_PLACED_CEASED: the effective date; REASON_PLACED_CEASED).
    AdoptionDecisionReversed { reason: ReasonPlacedCeased },
    /// A health check of a looked-after child (SSDA903 OC2).
    HealthChecked { check: HealthCheck },
    /// The Strengths and Difficulties Questionnaire: its total score (0 to 40, OC2 SDQ_SCORE),
    /// or the reason there is none (SDQ_REASON); exactly one of them.
    SdqAssessed {
        score: Option<u8>,
        reason: Option<SdqReason>,
    },
    /// A substance misuse problem was identified (OC2 SUBSTANCE_MISUSE), with whether an
    /// intervention was offered and whether it was received.
    SubstanceMisuse {
        intervention_offered: bool,
        intervention_received: bool,
    },
    /// The child was convicted, or given a final warning or reprimand (OC2 CONVICTED).
    Convicted,
    /// The child went missing (M) or was away without authorisation (A).
    MissingEpisode {
        missing: MissingType,
        end: Option<NaiveDate>,
    },
    /// Stepped up from early help to social care.
    SteppedUp { level: LevelOfNeed, reason: String },
    /// Stepped down from social care to early help.
    SteppedDown { level: LevelOfNeed, reason: String },
    /// The young person became a care leaver.
    CareLeaverStarted,
    /// A contact with a care leaver, with SSDA903 OC3 codes.
    CareLeaverContact {
        in_touch: InTouch,
        activity: CareLeaverActivity,
        accommodation: CareLeaverAccommodation,
    },
    /// Leaving-care support ended.
    CareLeaverEnded,
    /// A case note.
    CaseNote { subject: String, text: String },
    /// Withdraws the event it supersedes (entered in error) without replacing it.
    Withdrawn,
}

/// The families of events, for filtering a chronology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    FrontDoor,
    EarlyHelp,
    Assessment,
    ChildProtection,
    ChildInNeed,
    LookedAfter,
    CareLeaver,
    Allocation,
    Visit,
    Note,
    Correction,
}

impl EventCategory {
    /// Every category, in display order.
    pub const ALL: [EventCategory; 11] = [
        Self::FrontDoor,
        Self::EarlyHelp,
        Self::Assessment,
        Self::ChildInNeed,
        Self::ChildProtection,
        Self::LookedAfter,
        Self::CareLeaver,
        Self::Allocation,
        Self::Visit,
        Self::Note,
        Self::Correction,
    ];
    /// The name used in URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontDoor => "front_door",
            Self::EarlyHelp => "early_help",
            Self::Assessment => "assessment",
            Self::ChildProtection => "child_protection",
            Self::ChildInNeed => "child_in_need",
            Self::LookedAfter => "looked_after",
            Self::CareLeaver => "care_leaver",
            Self::Allocation => "allocation",
            Self::Visit => "visit",
            Self::Note => "note",
            Self::Correction => "correction",
        }
    }
    /// Reads a name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// How people name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::FrontDoor => "Front door",
            Self::EarlyHelp => "Early help",
            Self::Assessment => "Assessment",
            Self::ChildProtection => "Child protection",
            Self::ChildInNeed => "Child in need",
            Self::LookedAfter => "Looked after",
            Self::CareLeaver => "Care leaver",
            Self::Allocation => "Allocation",
            Self::Visit => "Visits",
            Self::Note => "Case notes",
            Self::Correction => "Corrections",
        }
    }
}

impl EventKind {
    /// The stored type name of the event.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::ContactReceived { .. } => "contact_received",
            Self::ContactDecided { .. } => "contact_decided",
            Self::AllocationRequested { .. } => "allocation_requested",
            Self::EarlyHelpOpened { .. } => "early_help_opened",
            Self::EarlyHelpClosed { .. } => "early_help_closed",
            Self::WorkerAllocated { .. } => "worker_allocated",
            Self::ReferralOpened { .. } => "referral_opened",
            Self::ReferralClosed { .. } => "referral_closed",
            Self::AssessmentStarted => "assessment_started",
            Self::AssessmentAuthorised { .. } => "assessment_authorised",
            Self::StrategyDiscussion { .. } => "strategy_discussion",
            Self::Section47Started => "section47_started",
            Self::Section47Completed { .. } => "section47_completed",
            Self::InitialConference { .. } => "initial_conference",
            Self::CpPlanStarted { .. } => "cp_plan_started",
            Self::CpReview { .. } => "cp_review",
            Self::CpPlanEnded => "cp_plan_ended",
            Self::CinPlanStarted => "cin_plan_started",
            Self::CinPlanEnded => "cin_plan_ended",
            Self::LookedAfterStarted { .. } => "looked_after_started",
            Self::LookedAfterChanged { .. } => "looked_after_changed",
            Self::LookedAfterEnded { .. } => "looked_after_ended",
            Self::LookedAfterReview { .. } => "looked_after_review",
            Self::AdoptionDecided => "adoption_decided",
            Self::AdoptersMatched { .. } => "adopters_matched",
            Self::AdoptionDecisionReversed { .. } => "adoption_decision_reversed",
            Self::HealthChecked { .. } => "health_checked",
            Self::SdqAssessed { .. } => "sdq_assessed",
            Self::SubstanceMisuse { .. } => "substance_misuse",
            Self::Convicted => "convicted",
            Self::Visit { .. } => "visit",
            Self::MissingEpisode { .. } => "missing_episode",
            Self::SteppedUp { .. } => "stepped_up",
            Self::SteppedDown { .. } => "stepped_down",
            Self::CareLeaverStarted => "care_leaver_started",
            Self::CareLeaverContact { .. } => "care_leaver_contact",
            Self::CareLeaverEnded => "care_leaver_ended",
            Self::CaseNote { .. } => "case_note",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// The chronology family the event belongs to.
    pub fn category(&self) -> EventCategory {
        use EventCategory as C;
        match self {
            Self::ContactReceived { .. } | Self::ContactDecided { .. } => C::FrontDoor,
            Self::EarlyHelpOpened { .. }
            | Self::EarlyHelpClosed { .. }
            | Self::SteppedUp { .. }
            | Self::SteppedDown { .. } => C::EarlyHelp,
            Self::ReferralOpened { .. }
            | Self::ReferralClosed { .. }
            | Self::AssessmentStarted
            | Self::AssessmentAuthorised { .. } => C::Assessment,
            Self::StrategyDiscussion { .. }
            | Self::Section47Started
            | Self::Section47Completed { .. }
            | Self::InitialConference { .. }
            | Self::CpPlanStarted { .. }
            | Self::CpReview { .. }
            | Self::CpPlanEnded => C::ChildProtection,
            Self::CinPlanStarted | Self::CinPlanEnded => C::ChildInNeed,
            Self::LookedAfterStarted { .. }
            | Self::LookedAfterChanged { .. }
            | Self::LookedAfterEnded { .. }
            | Self::LookedAfterReview { .. }
            | Self::AdoptionDecided
            | Self::AdoptersMatched { .. }
            | Self::AdoptionDecisionReversed { .. }
            | Self::HealthChecked { .. }
            | Self::SdqAssessed { .. }
            | Self::SubstanceMisuse { .. }
            | Self::Convicted
            | Self::MissingEpisode { .. } => C::LookedAfter,
            Self::CareLeaverStarted | Self::CareLeaverContact { .. } | Self::CareLeaverEnded => {
                C::CareLeaver
            }
            Self::WorkerAllocated { .. } | Self::AllocationRequested { .. } => C::Allocation,
            Self::Visit { .. } => C::Visit,
            Self::CaseNote { .. } => C::Note,
            Self::Withdrawn => C::Correction,
        }
    }

    /// Whether the event belongs in a chronology of significant events by default. Routine
    /// visits and case notes are recorded but shown only when asked for.
    pub fn is_significant(&self) -> bool {
        !matches!(
            self,
            Self::Visit { .. }
                | Self::CaseNote { .. }
                | Self::CareLeaverContact { .. }
                | Self::HealthChecked { .. }
                | Self::SdqAssessed { .. }
        )
    }

    /// A one-line plain-English summary, with code descriptions spelled out.
    pub fn summary(&self) -> String {
        match self {
            Self::ContactReceived {
                source, consent, ..
            } => format!(
                "Contact received from {}{}",
                source.described(),
                if *consent {
                    ", consent given"
                } else {
                    ", no consent recorded"
                }
            ),
            Self::ContactDecided { level, outcome, .. } => {
                format!(
                    "Contact decided: level {level}, {}",
                    outcome_label(*outcome)
                )
            }
            Self::EarlyHelpOpened { level } => format!("Early help opened at level {level}"),
            Self::AllocationRequested { .. } => "Waiting for allocation in a team".to_string(),
            Self::EarlyHelpClosed { reason } => {
                format!("Early help closed: {}", early_help_closure_label(*reason))
            }
            Self::WorkerAllocated {
                role: AllocationRole::ReviewingOfficer,
                ..
            } => "Independent reviewing officer appointed".to_string(),
            Self::WorkerAllocated { role, .. } => {
                format!("{} allocated", allocation_role_label(*role))
            }
            Self::ReferralOpened {
                source,
                primary_need,
                no_further_action,
            } => format!(
                "Referral to social care from {}; primary need {}{}",
                source.described(),
                primary_need.described(),
                if *no_further_action {
                    "; no further action"
                } else {
                    ""
                }
            ),
            Self::ReferralClosed { reason } => {
                format!("Referral closed: {}", reason.described())
            }
            Self::AssessmentStarted => "Assessment started".to_string(),
            Self::AssessmentAuthorised { factors, outcome } => format!(
                "Assessment authorised; factors {}; outcome: {}",
                if factors.is_empty() {
                    "none".to_string()
                } else {
                    factors
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                assessment_outcome_label(*outcome)
            ),
            Self::StrategyDiscussion { section47 } => format!(
                "Strategy discussion{}",
                if *section47 {
                    ": section 47 enquiry to start"
                } else {
                    ": no section 47 enquiry"
                }
            ),
            Self::Section47Started => "Section 47 enquiry started".to_string(),
            Self::Section47Completed { outcome } => format!(
                "Section 47 enquiry completed: {}",
                s47_outcome_label(*outcome)
            ),
            Self::InitialConference { plan } => format!(
                "Initial child protection conference: {}",
                if *plan {
                    "child protection plan"
                } else {
                    "no plan"
                }
            ),
            Self::CpPlanStarted {
                category,
                previous_plans,
            } => format!(
                "Child protection plan started: {}{}",
                category.described(),
                match previous_plans {
                    Some(0) | None => String::new(),
                    Some(1) => "; one previous plan".to_string(),
                    Some(n) => format!("; {n} previous plans"),
                }
            ),
            Self::CpReview { category } => format!(
                "Review child protection conference: {}",
                category.described()
            ),
            Self::CpPlanEnded => "Child protection plan ended".to_string(),
            Self::CinPlanStarted => "Child in need plan started".to_string(),
            Self::CinPlanEnded => "Child in need plan ended".to_string(),
            Self::LookedAfterStarted {
                placement,
                previous_permanence,
            } => format!(
                "Started to be looked after: {}; {}{}",
                placement.legal_status.described(),
                placement.placement.described(),
                match previous_permanence {
                    Some(p) if p.option != "Z1" => {
                        format!("; previously {}", p.option.description())
                    }
                    _ => String::new(),
                }
            ),
            Self::AdoptionDecided => {
                "Decision that the child should be placed for adoption".to_string()
            }
            Self::AdoptersMatched {
                adopters,
                sex,
                foster_carers,
                ..
            } => format!(
                "Matched with {} ({}){}",
                if *adopters == 1 {
                    "a prospective adopter"
                } else {
                    "prospective adopters"
                },
                sex.description(),
                if *foster_carers {
                    ", the child's foster carers"
                } else {
                    ""
                }
            ),
            Self::HealthChecked { check } => health_check_label(*check).to_string(),
            Self::SdqAssessed { score, reason } => match (score, reason) {
                (Some(s), _) => format!("Strengths and Difficulties Questionnaire: score {s}"),
                (None, Some(r)) => format!(
                    "Strengths and Difficulties Questionnaire: no score, {}",
                    r.described()
                ),
                (None, None) => "Strengths and Difficulties Questionnaire".to_string(),
            },
            Self::SubstanceMisuse {
                intervention_offered,
                intervention_received,
            } => format!(
                "Substance misuse identified; intervention {}",
                match (intervention_offered, intervention_received) {
                    (_, true) => "received",
                    (true, false) => "offered, not received",
                    (false, false) => "not offered",
                }
            ),
            Self::Convicted => "Convicted, or given a final warning or reprimand".to_string(),
            Self::AdoptionDecisionReversed { reason } => format!(
                "Decision to place for adoption reversed: {}",
                reason.described()
            ),
            Self::LookedAfterChanged {
                reason_new_episode,
                placement,
                ..
            } => format!(
                "{}: {}; {}",
                reason_new_episode.description(),
                placement.legal_status.described(),
                placement.placement.described()
            ),
            Self::LookedAfterEnded { reason } => {
                format!("Ceased to be looked after: {}", reason.described())
            }
            Self::LookedAfterReview { participation } => {
                format!("Looked-after review: {}", participation.described())
            }
            Self::Visit {
                purpose,
                seen_alone,
            } => format!(
                "{} visit{}",
                visit_purpose_label(*purpose),
                if *seen_alone {
                    ", child seen alone"
                } else {
                    ""
                }
            ),
            Self::MissingEpisode { missing, end } => format!(
                "{}{}",
                missing.described(),
                match end {
                    Some(e) => format!(" until {}", e.format("%d/%m/%Y")),
                    None => ", not yet returned".to_string(),
                }
            ),
            Self::SteppedUp { level, .. } => format!("Stepped up to social care (level {level})"),
            Self::SteppedDown { level, .. } => {
                format!("Stepped down to early help (level {level})")
            }
            Self::CareLeaverStarted => "Became a care leaver".to_string(),
            Self::CareLeaverContact {
                in_touch,
                activity,
                accommodation,
            } => format!(
                "Care leaver contact: {}; {}; {}",
                in_touch.described(),
                activity.described(),
                accommodation.described()
            ),
            Self::CareLeaverEnded => "Leaving-care support ended".to_string(),
            Self::CaseNote { subject, .. } => format!("Case note: {subject}"),
            Self::Withdrawn => "Entry withdrawn".to_string(),
        }
    }

    /// Checks every DfE code the event carries against the lists for the collection year of
    /// `on`, and the other field rules, naming the field that is wrong.
    pub fn check_codes(&self, on: NaiveDate) -> Result<(), DomainError> {
        let year = codes::collection_year(on);
        let placement = |p: &Placement| -> Result<(), DomainError> {
            p.legal_status.check_in(year)?;
            p.placement.check_in(year)?;
            p.provider.check_in(year)?;
            p.category_of_need.check_in(year)
        };
        match self {
            Self::ContactReceived { source, .. } => source.check_in(year),
            Self::ReferralOpened {
                source,
                primary_need,
                ..
            } => {
                source.check_in(year)?;
                primary_need.check_in(year)
            }
            Self::ReferralClosed { reason } => reason.check_in(year),
            Self::AssessmentAuthorised { factors, .. } => {
                factors.iter().try_for_each(|f| f.check_in(year))
            }
            Self::CpPlanStarted { category, .. } | Self::CpReview { category } => {
                category.check_in(year)
            }
            Self::LookedAfterStarted {
                placement: p,
                previous_permanence,
            } => {
                placement(p)?;
                match previous_permanence {
                    Some(pp) => pp.check(year, on),
                    None => Ok(()),
                }
            }
            Self::AdoptersMatched {
                adopters,
                sex,
                legal_status,
                ..
            } => {
                sex.check_in(year)?;
                legal_status.check_in(year)?;
                let single = matches!(sex.as_str(), "M1" | "F1");
                let fits = match *adopters {
                    1 => single && legal_status == "L0",
                    2 => {
                        !single
                            && legal_status != "L0"
                            && (sex == "MF") == matches!(legal_status.as_str(), "L11" | "L3")
                            || (!single && legal_status == "L2")
                    }
                    _ => false,
                };
                if fits {
                    Ok(())
                } else {
                    Err(DomainError::Field {
                        field: "adopters",
                        message: format!(
                            "{adopters} adopter(s), sex {sex} and legal status {legal_status} do not agree: one adopter is M1 or F1 and L0; a couple is MM, FF or MF, with L11 or L3 for MF, L12 or L4 for MM and FF, or L2"
                        ),
                    })
                }
            }
            Self::AdoptionDecisionReversed { reason } => reason.check_in(year),
            Self::SdqAssessed { score, reason } => match (score, reason) {
                (Some(s), None) if *s <= 40 => Ok(()),
                (None, Some(r)) => r.check_in(year),
                (Some(_), None) => Err(DomainError::Field {
                    field: "score",
                    message: "an SDQ total score is 0 to 40".to_string(),
                }),
                _ => Err(DomainError::Field {
                    field: "score",
                    message: "give the SDQ score or the reason there is none, not both or neither"
                        .to_string(),
                }),
            },
            Self::SubstanceMisuse {
                intervention_offered: false,
                intervention_received: true,
            } => Err(DomainError::Field {
                field: "intervention_received",
                message: "an intervention received was offered".to_string(),
            }),
            Self::LookedAfterChanged {
                reason_new_episode,
                placement: p,
                reason_place_change,
            } => {
                reason_new_episode.check_in(year)?;
                placement(p)?;
                match reason_place_change {
                    Some(r) => r.check_in(year),
                    None => Ok(()),
                }
            }
            Self::LookedAfterEnded { reason } => reason.check_in(year),
            Self::LookedAfterReview { participation } => participation.check_in(year),
            Self::MissingEpisode { missing, .. } => missing.check_in(year),
            Self::WorkerAllocated {
                reason: Some(r), ..
            } => r.check_in(year),
            Self::CareLeaverContact {
                in_touch,
                activity,
                accommodation,
            } => {
                in_touch.check_in(year)?;
                activity.check_in(year)?;
                accommodation.check_in(year)
            }
            _ => Ok(()),
        }
    }
}

/// Plain words for a contact outcome.
pub fn outcome_label(o: ContactOutcome) -> &'static str {
    match o {
        ContactOutcome::NoFurtherAction => "no further action",
        ContactOutcome::InformationAndAdvice => "information and advice",
        ContactOutcome::EarlyHelp => "early help",
        ContactOutcome::SocialCareReferral => "referral to social care",
        ContactOutcome::SignpostUniversal => "signposted to universal services",
        ContactOutcome::StrategyDiscussion => "strategy discussion",
        ContactOutcome::PassToAllocatedWorker => "passed to the allocated worker",
    }
}

/// Plain words for an assessment outcome.
pub fn assessment_outcome_label(o: AssessmentOutcome) -> &'static str {
    match o {
        AssessmentOutcome::NoFurtherAction => "no further action",
        AssessmentOutcome::StepDownToEarlyHelp => "step down to early help",
        AssessmentOutcome::ChildInNeedPlan => "child in need plan",
        AssessmentOutcome::StrategyDiscussion => "strategy discussion",
        AssessmentOutcome::LookedAfter => "looked after",
        AssessmentOutcome::Other => "other",
    }
}

/// Plain words for a section 47 outcome.
pub fn s47_outcome_label(o: Section47Outcome) -> &'static str {
    match o {
        Section47Outcome::InitialConference => "initial child protection conference",
        Section47Outcome::ChildInNeedServices => "services under section 17",
        Section47Outcome::NoFurtherAction => "no further action",
        Section47Outcome::LegalAction => "initiate legal action",
        Section47Outcome::Other => "other outcome",
    }
}

/// Plain words for an early help closure reason.
pub fn early_help_closure_label(o: EarlyHelpClosure) -> &'static str {
    match o {
        EarlyHelpClosure::NeedsMet => "needs met",
        EarlyHelpClosure::SteppedUp => "stepped up to social care",
        EarlyHelpClosure::ConsentWithdrawn => "consent withdrawn",
        EarlyHelpClosure::MovedAway => "moved away",
        EarlyHelpClosure::Other => "other",
    }
}

/// Plain words for an allocation role.
pub fn allocation_role_label(r: AllocationRole) -> &'static str {
    match r {
        AllocationRole::Keyworker => "Keyworker",
        AllocationRole::SocialWorker => "Social worker",
        AllocationRole::PersonalAdviser => "Personal adviser",
        AllocationRole::ReviewingOfficer => "Independent reviewing officer",
    }
}

/// Plain words for a visit purpose.
pub fn visit_purpose_label(p: VisitPurpose) -> &'static str {
    match p {
        VisitPurpose::EarlyHelp => "Early help",
        VisitPurpose::Assessment => "Assessment",
        VisitPurpose::ChildInNeed => "Child in need",
        VisitPurpose::ChildProtection => "Child protection",
        VisitPurpose::LookedAfter => "Looked-after",
        VisitPurpose::CareLeaver => "Care leaver",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_json() {
        let k = EventKind::AssessmentAuthorised {
            factors: vec!["3A".parse().unwrap(), "4B".parse().unwrap()],
            outcome: AssessmentOutcome::ChildInNeedPlan,
        };
        let s = serde_json::to_string(&k).unwrap_or_default();
        assert!(s.contains("\"type\":\"assessment_authorised\""));
        let back: Result<EventKind, _> = serde_json::from_str(&s);
        assert_eq!(back.ok(), Some(k));
    }

    #[test]
    fn wrong_codes_are_refused_and_named() {
        let on = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default();
        // A code outside its list can no longer be put in an event at all.
        assert_eq!(
            codes::PrimaryNeed::parse("N12", codes::collection_year(on))
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("primary_need: \"N12\" is not a valid code for collection year 2025")
        );
        let retired = EventKind::LookedAfterStarted {
            placement: Placement {
                legal_status: "C2".parse().unwrap(),
                placement: "H5".parse().unwrap(),
                provider: "PR4".parse().unwrap(),
                category_of_need: "N1".parse().unwrap(),
                home_postcode: None,
                placement_postcode: None,
                urn: None,
            },
            previous_permanence: None,
        };
        assert!(retired.check_codes(on).is_err());
        let earlier = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap_or_default();
        assert!(retired.check_codes(earlier).is_ok());
    }

    #[test]
    fn summaries_spell_out_codes() {
        let k = EventKind::ReferralClosed {
            reason: "RC8".parse().unwrap(),
        };
        assert_eq!(
            k.summary(),
            "Referral closed: Case closed after assessment, no further action (RC8)"
        );
    }
}
