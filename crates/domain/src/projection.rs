//! Projections: a child's current state (open involvements, level of need, allocated worker,
//! legal status, placement) computed from the journey log. `ChildState::apply` folds one event
//! in; `replay` rebuilds the state from the whole log, honouring supersessions. The store keeps
//! the projection up to date incrementally and a property test shows that this always equals
//! a full replay.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use crate::DomainError;
use crate::codes::{
    CareLeaverAccommodation, CareLeaverActivity, CategoryOfAbuse, InTouch, PrimaryNeed,
    ReferralSource,
};
use crate::events::{
    AllocationRole, AssessmentOutcome, ContactOutcome, EventKind, JourneyEvent, Placement,
    Section47Outcome, VisitPurpose,
};
use crate::ids::{EventSeq, PersonId, TeamId, WorkerId};
use crate::need::LevelOfNeed;
use crate::retention::ADOPTION_CEASED_CODES;

/// The order events take effect in: effective date, then recording time, then log position.
pub type EventKey = (NaiveDate, DateTime<Utc>, i64);

/// The ordering key of an event.
pub fn event_key(e: &JourneyEvent) -> EventKey {
    (e.effective, e.recorded_at, e.seq.0)
}

/// A contact waiting for a front-door decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingContact {
    pub received: NaiveDate,
    #[schema(value_type = String)]
    pub source: ReferralSource,
}

/// An open early help episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EarlyHelpEpisode {
    pub opened: NaiveDate,
    #[schema(value_type = String)]
    pub level: LevelOfNeed,
    pub last_visit: Option<NaiveDate>,
}

/// An open referral (CIN episode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenReferral {
    pub opened: NaiveDate,
    #[schema(value_type = String)]
    pub source: ReferralSource,
    #[schema(value_type = String)]
    pub primary_need: PrimaryNeed,
    pub re_referral: bool,
    pub assessment_started: Option<NaiveDate>,
    pub assessment_authorised: Option<NaiveDate>,
    pub strategy_discussion: Option<NaiveDate>,
    pub section47_started: Option<NaiveDate>,
    pub section47_completed: Option<NaiveDate>,
    pub awaiting_conference: bool,
}

/// An open plan (child in need or child protection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenPlan {
    pub started: NaiveDate,
    /// Category of abuse, for a child protection plan.
    #[schema(value_type = Option<String>)]
    pub category: Option<CategoryOfAbuse>,
    pub last_review: Option<NaiveDate>,
    pub reviews: u32,
    pub last_visit: Option<NaiveDate>,
}

/// An open period of being looked after, with its current SSDA903 episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LookedAfter {
    pub period_started: NaiveDate,
    pub episode_started: NaiveDate,
    pub placement_started: NaiveDate,
    pub placement: Placement,
    pub episodes: u32,
    pub last_review: Option<NaiveDate>,
    pub reviews: u32,
    pub last_visit: Option<NaiveDate>,
    pub missing: bool,
}

/// Leaving-care support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CareLeaver {
    pub since: NaiveDate,
    pub last_contact: Option<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub in_touch: Option<InTouch>,
    #[schema(value_type = Option<String>)]
    pub activity: Option<CareLeaverActivity>,
    #[schema(value_type = Option<String>)]
    pub accommodation: Option<CareLeaverAccommodation>,
}

/// A standing decision that the child should be placed for adoption, and the match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdoptionPlan {
    pub decided: NaiveDate,
    pub matched: Option<NaiveDate>,
}

/// The allocated worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Allocation {
    #[schema(value_type = i64)]
    pub worker: WorkerId,
    #[schema(value_type = i64)]
    pub team: TeamId,
    pub role: AllocationRole,
    pub since: NaiveDate,
}

/// What is open for a child, as badges on the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Involvement {
    FrontDoor,
    EarlyHelp,
    Referral,
    ChildInNeed,
    ChildProtection,
    LookedAfter,
    CareLeaver,
}

impl Involvement {
    /// Every involvement in display order.
    pub const ALL: [Involvement; 7] = [
        Self::FrontDoor,
        Self::EarlyHelp,
        Self::Referral,
        Self::ChildInNeed,
        Self::ChildProtection,
        Self::LookedAfter,
        Self::CareLeaver,
    ];
    /// How people name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::FrontDoor => "Contact awaiting decision",
            Self::EarlyHelp => "Early help",
            Self::Referral => "Social care referral",
            Self::ChildInNeed => "Child in need",
            Self::ChildProtection => "Child protection",
            Self::LookedAfter => "Looked after",
            Self::CareLeaver => "Care leaver",
        }
    }
    /// The short name used in stored flags and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontDoor => "front_door",
            Self::EarlyHelp => "early_help",
            Self::Referral => "referral",
            Self::ChildInNeed => "child_in_need",
            Self::ChildProtection => "child_protection",
            Self::LookedAfter => "looked_after",
            Self::CareLeaver => "care_leaver",
        }
    }
}

/// A child's current state: the projection of their journey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChildState {
    #[schema(value_type = i64)]
    pub child: PersonId,
    pub pending_contact: Option<PendingContact>,
    pub early_help: Option<EarlyHelpEpisode>,
    pub referral: Option<OpenReferral>,
    pub cin_plan: Option<OpenPlan>,
    pub cp_plan: Option<OpenPlan>,
    pub looked_after: Option<LookedAfter>,
    pub care_leaver: Option<CareLeaver>,
    #[schema(value_type = Option<String>)]
    pub level_of_need: Option<LevelOfNeed>,
    pub allocated: Option<Allocation>,
    /// The team the child waits in for a worker, after the front door routed them there and
    /// until a worker is allocated or nothing is open any more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub awaiting_team: Option<TeamId>,
    /// The day the front door decided a strategy discussion is needed, until one is held or the
    /// referral closes: the receiving team's task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_requested: Option<NaiveDate>,
    /// The independent reviewing officer appointed while a child protection plan or a period
    /// of care is open; cleared when neither is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewing_officer: Option<Allocation>,
    pub last_referral: Option<NaiveDate>,
    pub previous_cp_plans: u32,
    /// The decision that the child should be placed for adoption, while it stands and the
    /// child is looked after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adoption: Option<AdoptionPlan>,
    pub periods_looked_after: u32,
    pub last_event: Option<NaiveDate>,
    pub events_applied: u64,
    /// The ordering key of the last event folded in; an event before it needs a replay.
    #[serde(skip)]
    #[schema(ignore)]
    pub last_key: Option<EventKey>,
}

impl ChildState {
    /// The empty state of a child with no journey.
    pub fn new(child: PersonId) -> Self {
        Self {
            child,
            ..Self::default()
        }
    }

    /// What is open, in display order.
    pub fn involvements(&self) -> Vec<Involvement> {
        let mut v = Vec::new();
        if self.pending_contact.is_some() {
            v.push(Involvement::FrontDoor);
        }
        if self.early_help.is_some() {
            v.push(Involvement::EarlyHelp);
        }
        if self.referral.is_some()
            && self.cin_plan.is_none()
            && self.cp_plan.is_none()
            && self.looked_after.is_none()
        {
            v.push(Involvement::Referral);
        }
        if self.cin_plan.is_some() {
            v.push(Involvement::ChildInNeed);
        }
        if self.cp_plan.is_some() {
            v.push(Involvement::ChildProtection);
        }
        if self.looked_after.is_some() {
            v.push(Involvement::LookedAfter);
        }
        if self.care_leaver.is_some() {
            v.push(Involvement::CareLeaver);
        }
        v
    }

    /// Whether anything is open.
    pub fn is_open(&self) -> bool {
        !self.involvements().is_empty()
    }

    /// The legal status code while looked after.
    pub fn legal_status(&self) -> Option<&str> {
        self.looked_after
            .as_ref()
            .map(|l| l.placement.legal_status.as_str())
    }

    /// Checks that an event fits this state: the rule that stops it, or Ok. Corrections
    /// (events that supersede another) are checked when the journey is replayed instead.
    pub fn check(&self, e: &JourneyEvent) -> Result<(), DomainError> {
        e.kind.check_codes(e.effective)?;
        if e.supersedes.is_some() {
            return Ok(());
        }
        let refuse = |rule: &str| {
            Err(DomainError::Transition {
                event: e.kind.type_name().to_string(),
                rule: rule.to_string(),
            })
        };
        let r = self.referral.as_ref();
        match &e.kind {
            EventKind::ContactDecided { .. } if self.pending_contact.is_none() => {
                refuse("there is no contact awaiting a decision")
            }
            EventKind::EarlyHelpOpened { .. } if self.early_help.is_some() => {
                refuse("an early help episode is already open")
            }
            EventKind::EarlyHelpClosed { .. } if self.early_help.is_none() => {
                refuse("there is no open early help episode")
            }
            EventKind::AllocationRequested { .. } if !self.is_open() => {
                refuse("nothing is open for a team to allocate")
            }
            EventKind::ReferralOpened { .. } if self.referral.is_some() => {
                refuse("a referral is already open; close it first")
            }
            EventKind::ReferralClosed { .. } if r.is_none() => refuse("there is no open referral"),
            EventKind::ReferralClosed { .. }
                if self.cp_plan.is_some() || self.looked_after.is_some() =>
            {
                refuse(
                    "a referral cannot close while a child protection plan or looked-after period is open",
                )
            }
            EventKind::AssessmentStarted if r.is_none() => {
                refuse("an assessment needs an open referral")
            }
            EventKind::AssessmentAuthorised { .. }
                if r.and_then(|r| r.assessment_started).is_none() =>
            {
                refuse("there is no assessment in progress")
            }
            EventKind::StrategyDiscussion { .. } | EventKind::Section47Started if r.is_none() => {
                refuse("child protection enquiries need an open referral")
            }
            EventKind::Section47Completed { .. }
                if r.and_then(|r| r.section47_started).is_none() =>
            {
                refuse("there is no section 47 enquiry in progress")
            }
            EventKind::CpPlanStarted { .. } if self.cp_plan.is_some() => {
                refuse("a child protection plan is already open")
            }
            EventKind::CpPlanStarted { .. } if r.is_none() => {
                refuse("a child protection plan needs an open referral")
            }
            EventKind::CpReview { .. } | EventKind::CpPlanEnded if self.cp_plan.is_none() => {
                refuse("there is no open child protection plan")
            }
            EventKind::CinPlanStarted if self.cin_plan.is_some() => {
                refuse("a child in need plan is already open")
            }
            EventKind::CinPlanStarted if r.is_none() => {
                refuse("a child in need plan needs an open referral")
            }
            EventKind::CinPlanEnded if self.cin_plan.is_none() => {
                refuse("there is no open child in need plan")
            }
            EventKind::LookedAfterStarted { .. } if self.looked_after.is_some() => {
                refuse("the child is already looked after")
            }
            EventKind::LookedAfterChanged {
                reason_new_episode, ..
            } if reason_new_episode == "S" => {
                refuse("reason for new episode S starts a period of care; use looked_after_started")
            }
            EventKind::LookedAfterChanged { .. }
            | EventKind::LookedAfterEnded { .. }
            | EventKind::LookedAfterReview { .. }
                if self.looked_after.is_none() =>
            {
                refuse("the child is not looked after")
            }
            EventKind::HealthChecked { .. }
            | EventKind::SdqAssessed { .. }
            | EventKind::SubstanceMisuse { .. }
            | EventKind::Convicted
                if self.looked_after.is_none() =>
            {
                refuse(
                    "the looked-after children's health and offending data are for a looked-after child",
                )
            }
            EventKind::AdoptionDecided if self.looked_after.is_none() => {
                refuse("a decision to place for adoption is for a looked-after child")
            }
            EventKind::AdoptionDecided if self.adoption.is_some() => {
                refuse("the decision to place for adoption has already been made")
            }
            EventKind::AdoptersMatched { .. } | EventKind::AdoptionDecisionReversed { .. }
                if self.adoption.is_none() =>
            {
                refuse("there is no decision that the child should be placed for adoption")
            }
            EventKind::LookedAfterEnded { reason }
                if ADOPTION_CEASED_CODES.contains(&reason.as_str())
                    && self.adoption.as_ref().is_none_or(|a| a.matched.is_none()) =>
            {
                refuse(
                    "an adoption (E11, E12) needs the decision that the child should be placed for adoption and the match with the adopters",
                )
            }
            EventKind::LookedAfterEnded { reason } if reason == "X1" => {
                refuse("X1 only ends an episode within a period of care; record the change instead")
            }
            EventKind::SteppedUp { .. } if self.early_help.is_none() => {
                refuse("stepping up needs an open early help episode")
            }
            EventKind::SteppedDown { .. } if r.is_none() => {
                refuse("stepping down needs an open social care referral")
            }
            EventKind::CareLeaverStarted if self.care_leaver.is_some() => {
                refuse("the young person is already a care leaver")
            }
            EventKind::CareLeaverContact { .. } | EventKind::CareLeaverEnded
                if self.care_leaver.is_none() =>
            {
                refuse("the young person is not a care leaver")
            }
            EventKind::Withdrawn => refuse("a withdrawal must name the event it withdraws"),
            EventKind::WorkerAllocated {
                role: AllocationRole::ReviewingOfficer,
                ..
            } if self.cp_plan.is_none() && self.looked_after.is_none() => refuse(
                "a reviewing officer is appointed only while a child protection plan or a period of care is open",
            ),
            _ => Ok(()),
        }
    }

    /// Folds one event into the state. Total: an event that does not fit (which `check` keeps
    /// out of new entries, but a correction can leave behind) changes what it can and no more.
    pub fn apply(&mut self, e: &JourneyEvent) {
        let on = e.effective;
        self.events_applied += 1;
        self.last_event = Some(self.last_event.map_or(on, |l| l.max(on)));
        self.last_key = Some(event_key(e));
        match &e.kind {
            EventKind::ContactReceived { source, .. } => {
                self.pending_contact = Some(PendingContact {
                    received: on,
                    source: *source,
                });
            }
            EventKind::ContactDecided { level, outcome, .. } => {
                self.pending_contact = None;
                if *outcome == ContactOutcome::StrategyDiscussion {
                    self.strategy_requested = Some(on);
                }
                if !matches!(
                    outcome,
                    ContactOutcome::NoFurtherAction | ContactOutcome::InformationAndAdvice
                ) || self.is_open()
                {
                    self.level_of_need = Some(level.clone());
                }
            }
            EventKind::EarlyHelpOpened { level } => {
                self.early_help = Some(EarlyHelpEpisode {
                    opened: on,
                    level: level.clone(),
                    last_visit: None,
                });
                self.level_of_need = Some(level.clone());
            }
            EventKind::EarlyHelpClosed { .. } => {
                self.early_help = None;
                self.after_close();
            }
            EventKind::WorkerAllocated {
                worker,
                team,
                role: role @ AllocationRole::ReviewingOfficer,
                ..
            } => {
                self.reviewing_officer = Some(Allocation {
                    worker: *worker,
                    team: *team,
                    role: *role,
                    since: on,
                });
            }
            EventKind::AllocationRequested { team } => {
                self.awaiting_team = Some(*team);
            }
            EventKind::WorkerAllocated {
                worker, team, role, ..
            } => {
                self.awaiting_team = None;
                self.allocated = Some(Allocation {
                    worker: *worker,
                    team: *team,
                    role: *role,
                    since: on,
                });
            }
            EventKind::ReferralOpened {
                source,
                primary_need,
                ..
            } => {
                let re_referral = self
                    .last_referral
                    .is_some_and(|last| on <= last + chrono::Months::new(12));
                self.referral = Some(OpenReferral {
                    opened: on,
                    source: *source,
                    primary_need: *primary_need,
                    re_referral,
                    assessment_started: None,
                    assessment_authorised: None,
                    strategy_discussion: None,
                    section47_started: None,
                    section47_completed: None,
                    awaiting_conference: false,
                });
                self.last_referral = Some(on);
            }
            EventKind::ReferralClosed { .. } => {
                self.referral = None;
                self.cin_plan = None;
                self.strategy_requested = None;
                self.after_close();
            }
            EventKind::AssessmentStarted => {
                if let Some(r) = self.referral.as_mut() {
                    r.assessment_started = Some(on);
                    r.assessment_authorised = None;
                }
            }
            EventKind::AssessmentAuthorised { outcome, .. } => {
                if let Some(r) = self.referral.as_mut() {
                    r.assessment_authorised = Some(on);
                    if *outcome == AssessmentOutcome::StrategyDiscussion {
                        r.strategy_discussion.get_or_insert(on);
                    }
                }
            }
            EventKind::StrategyDiscussion { .. } => {
                self.strategy_requested = None;
                if let Some(r) = self.referral.as_mut() {
                    r.strategy_discussion = Some(on);
                }
            }
            EventKind::Section47Started => {
                if let Some(r) = self.referral.as_mut() {
                    r.section47_started = Some(on);
                    r.section47_completed = None;
                    r.awaiting_conference = false;
                }
            }
            EventKind::Section47Completed { outcome } => {
                if let Some(r) = self.referral.as_mut() {
                    r.section47_completed = Some(on);
                    r.awaiting_conference = *outcome == Section47Outcome::InitialConference;
                }
            }
            EventKind::InitialConference { .. } => {
                if let Some(r) = self.referral.as_mut() {
                    r.awaiting_conference = false;
                }
            }
            EventKind::CpPlanStarted {
                category,
                previous_plans,
            } => {
                if let Some(r) = self.referral.as_mut() {
                    r.awaiting_conference = false;
                }
                // Plans elsewhere, or before the record began, as the conference knew them.
                if let Some(n) = previous_plans {
                    self.previous_cp_plans = self.previous_cp_plans.max(*n);
                }
                self.cp_plan = Some(OpenPlan {
                    started: on,
                    category: Some(*category),
                    last_review: None,
                    reviews: 0,
                    last_visit: None,
                });
            }
            EventKind::CpReview { category } => {
                if let Some(p) = self.cp_plan.as_mut() {
                    p.category = Some(*category);
                    p.last_review = Some(on);
                    p.reviews += 1;
                }
            }
            EventKind::CpPlanEnded => {
                if self.cp_plan.take().is_some() {
                    self.previous_cp_plans += 1;
                }
            }
            EventKind::CinPlanStarted => {
                self.cin_plan = Some(OpenPlan {
                    started: on,
                    category: None,
                    last_review: None,
                    reviews: 0,
                    last_visit: None,
                });
            }
            EventKind::CinPlanEnded => {
                self.cin_plan = None;
            }
            EventKind::AdoptionDecided => {
                self.adoption = Some(AdoptionPlan {
                    decided: on,
                    matched: None,
                });
            }
            EventKind::AdoptersMatched { .. } => {
                if let Some(a) = self.adoption.as_mut() {
                    a.matched = Some(on);
                }
            }
            EventKind::AdoptionDecisionReversed { .. } => {
                self.adoption = None;
            }
            // Health and offending data for the return: nothing in the current state.
            EventKind::HealthChecked { .. }
            | EventKind::SdqAssessed { .. }
            | EventKind::SubstanceMisuse { .. }
            | EventKind::Convicted => {}
            EventKind::LookedAfterStarted { placement, .. } => {
                self.periods_looked_after += 1;
                self.care_leaver = None;
                self.looked_after = Some(LookedAfter {
                    period_started: on,
                    episode_started: on,
                    placement_started: on,
                    placement: placement.clone(),
                    episodes: 1,
                    last_review: None,
                    reviews: 0,
                    last_visit: None,
                    missing: false,
                });
            }
            EventKind::LookedAfterChanged {
                reason_new_episode,
                placement,
                ..
            } => {
                if let Some(l) = self.looked_after.as_mut() {
                    l.episode_started = on;
                    l.episodes += 1;
                    if reason_new_episode != "L" {
                        l.placement_started = on;
                    }
                    l.placement = placement.clone();
                }
            }
            EventKind::LookedAfterEnded { .. } => {
                self.looked_after = None;
                self.adoption = None;
                self.after_close();
            }
            EventKind::LookedAfterReview { .. } => {
                if let Some(l) = self.looked_after.as_mut() {
                    l.last_review = Some(on);
                    l.reviews += 1;
                }
            }
            EventKind::Visit { purpose, .. } => {
                let slot = match purpose {
                    VisitPurpose::EarlyHelp => self.early_help.as_mut().map(|x| &mut x.last_visit),
                    VisitPurpose::ChildInNeed => self.cin_plan.as_mut().map(|x| &mut x.last_visit),
                    VisitPurpose::ChildProtection => {
                        self.cp_plan.as_mut().map(|x| &mut x.last_visit)
                    }
                    VisitPurpose::LookedAfter => {
                        self.looked_after.as_mut().map(|x| &mut x.last_visit)
                    }
                    VisitPurpose::CareLeaver => {
                        self.care_leaver.as_mut().map(|x| &mut x.last_contact)
                    }
                    VisitPurpose::Assessment => None,
                };
                if let Some(s) = slot {
                    *s = Some(s.map_or(on, |prev| prev.max(on)));
                }
            }
            EventKind::MissingEpisode { end, .. } => {
                if let Some(l) = self.looked_after.as_mut() {
                    l.missing = end.is_none();
                }
            }
            EventKind::SteppedUp { level, .. } => {
                self.level_of_need = Some(level.clone());
            }
            EventKind::SteppedDown { level, .. } => {
                self.level_of_need = Some(level.clone());
            }
            EventKind::CareLeaverStarted => {
                self.care_leaver = Some(CareLeaver {
                    since: on,
                    last_contact: None,
                    in_touch: None,
                    activity: None,
                    accommodation: None,
                });
            }
            EventKind::CareLeaverContact {
                in_touch,
                activity,
                accommodation,
            } => {
                if let Some(c) = self.care_leaver.as_mut() {
                    c.last_contact = Some(on);
                    c.in_touch = Some(*in_touch);
                    c.activity = Some(*activity);
                    c.accommodation = Some(*accommodation);
                }
            }
            EventKind::CareLeaverEnded => {
                self.care_leaver = None;
                self.after_close();
            }
            EventKind::CaseNote { .. } | EventKind::Withdrawn => {}
        }
        // The reviewing officer's appointment lasts while a plan or a period of care does.
        if self.cp_plan.is_none() && self.looked_after.is_none() {
            self.reviewing_officer = None;
        }
    }

    fn after_close(&mut self) {
        if self.early_help.is_none()
            && self.referral.is_none()
            && self.looked_after.is_none()
            && self.care_leaver.is_none()
        {
            self.level_of_need = None;
            self.allocated = None;
            self.awaiting_team = None;
            self.strategy_requested = None;
        }
    }

    /// Whether `e` can be folded in on top of this state without a replay: it is not a
    /// correction and it comes after everything already applied.
    pub fn can_append_in_order(&self, e: &JourneyEvent) -> bool {
        e.supersedes.is_none() && self.last_key.is_none_or(|k| event_key(e) > k)
    }
}

/// The events that count: every event not superseded by a later one, in effective order.
/// Withdrawals and other corrections stay in the log; a superseded event drops out.
pub fn effective_events(log: &[JourneyEvent]) -> Vec<&JourneyEvent> {
    let superseded: HashSet<EventSeq> = log
        .iter()
        .filter_map(|e| e.supersedes.as_ref().map(|s| s.event))
        .collect();
    let mut v: Vec<&JourneyEvent> = log
        .iter()
        .filter(|e| !superseded.contains(&e.seq))
        .collect();
    v.sort_by_key(|e| event_key(e));
    v
}

/// Rebuilds a child's state from their whole log.
pub fn replay(child: PersonId, log: &[JourneyEvent]) -> ChildState {
    let mut s = ChildState::new(child);
    for e in effective_events(log) {
        s.apply(e);
    }
    s.last_key = log.iter().map(event_key).max();
    s
}

/// Checks a new event against the child's log: in order it is checked against the current
/// state; a late entry is checked against the state as it was on its effective date; a
/// correction must name an event of the same child that is not already superseded.
pub fn check_new_event(
    log: &[JourneyEvent],
    current: &ChildState,
    e: &JourneyEvent,
) -> Result<(), DomainError> {
    if let Some(s) = &e.supersedes {
        let refuse = |rule: String| {
            Err(DomainError::Transition {
                event: e.kind.type_name().to_string(),
                rule,
            })
        };
        if s.reason.trim().is_empty() {
            return refuse("a correction must give its reason".to_string());
        }
        let Some(target) = log.iter().find(|x| x.seq == s.event) else {
            return refuse(format!("event {} is not in this child's record", s.event));
        };
        if log
            .iter()
            .any(|x| x.supersedes.as_ref().is_some_and(|y| y.event == target.seq))
        {
            return refuse(format!("event {} has already been corrected", s.event));
        }
        if target.kind == EventKind::Withdrawn {
            return refuse(
                "a withdrawal cannot itself be corrected; record the event again".to_string(),
            );
        }
        return e.kind.check_codes(e.effective);
    }
    if current.can_append_in_order(e) {
        return current.check(e);
    }
    let key = event_key(e);
    let mut before = ChildState::new(current.child);
    for x in effective_events(log) {
        if event_key(x) < key {
            before.apply(x);
        }
    }
    before.check(e)
}

/// An event in a history that does not fit the state before it: which event, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Breach {
    pub event: EventSeq,
    pub effective: NaiveDate,
    pub kind: &'static str,
    pub rule: String,
}

/// Every event of a history that breaks a transition rule when the history is replayed in
/// effective order: each event that counts (not superseded, not a withdrawal) is checked
/// against the state built from the events before it. A correction's replacement is checked
/// like any other event at its place in the history.
pub fn breaches(child: PersonId, log: &[JourneyEvent]) -> Vec<Breach> {
    let mut s = ChildState::new(child);
    let mut out = Vec::new();
    for e in effective_events(log) {
        if e.kind != EventKind::Withdrawn {
            let mut probe = e.clone();
            probe.supersedes = None;
            if let Err(DomainError::Transition { rule, .. }) = s.check(&probe) {
                out.push(Breach {
                    event: e.seq,
                    effective: e.effective,
                    kind: e.kind.type_name(),
                    rule,
                });
            }
        }
        s.apply(e);
    }
    out
}

/// The breaches a change to a history brings in: those of `after` that `before` did not
/// have (the same event breaking the same rule). A history that already held breaches (an
/// import, an earlier release's data) can still be corrected, as long as the correction adds
/// none.
pub fn new_breaches(
    child: PersonId,
    before: &[JourneyEvent],
    after: &[JourneyEvent],
) -> Vec<Breach> {
    let old: HashSet<(EventSeq, String)> = breaches(child, before)
        .into_iter()
        .map(|b| (b.event, b.rule))
        .collect();
    breaches(child, after)
        .into_iter()
        .filter(|b| !old.contains(&(b.event, b.rule.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default() + chrono::Days::new(u64::from(day))
    }

    fn ev(seq: i64, day: u32, kind: EventKind) -> JourneyEvent {
        JourneyEvent {
            seq: EventSeq(seq),
            child: PersonId(1),
            effective: at(day),
            effective_time: None,
            recorded_at: Utc
                .timestamp_opt(1_700_000_000 + seq * 60, 0)
                .single()
                .unwrap_or_default(),
            recorded_by: WorkerId(1),
            supersedes: None,
            kind,
        }
    }

    fn placement(ls: &str, pl: &str) -> Placement {
        Placement {
            legal_status: ls.parse().unwrap(),
            placement: pl.parse().unwrap(),
            provider: "PR1".parse().unwrap(),
            category_of_need: "N1".parse().unwrap(),
            home_postcode: None,
            placement_postcode: None,
            urn: None,
        }
    }

    #[test]
    fn a_journey_through_social_care_and_back_to_early_help() {
        let log = vec![
            ev(
                1,
                0,
                EventKind::ContactReceived {
                    source: "3B".parse().unwrap(),
                    concerns: "".into(),
                    consent: true,
                },
            ),
            ev(
                2,
                0,
                EventKind::ContactDecided {
                    level: "4".parse().unwrap(),
                    outcome: ContactOutcome::SocialCareReferral,
                    reason: "".into(),
                },
            ),
            ev(
                3,
                0,
                EventKind::ReferralOpened {
                    source: "3B".parse().unwrap(),
                    primary_need: "N1".parse().unwrap(),
                    no_further_action: false,
                },
            ),
            ev(4, 2, EventKind::AssessmentStarted),
            ev(
                5,
                40,
                EventKind::AssessmentAuthorised {
                    factors: vec!["3A".parse().unwrap()],
                    outcome: AssessmentOutcome::ChildInNeedPlan,
                },
            ),
            ev(6, 41, EventKind::CinPlanStarted),
        ];
        let s = replay(PersonId(1), &log);
        assert_eq!(s.involvements(), vec![Involvement::ChildInNeed]);
        assert_eq!(s.level_of_need.as_ref().map(|l| l.as_str()), Some("4"));
        let mut log2 = log.clone();
        log2.push(ev(
            7,
            150,
            EventKind::SteppedDown {
                level: "2".parse().unwrap(),
                reason: "".into(),
            },
        ));
        log2.push(ev(8, 150, EventKind::CinPlanEnded));
        log2.push(ev(
            9,
            150,
            EventKind::ReferralClosed {
                reason: "RC7".parse().unwrap(),
            },
        ));
        log2.push(ev(
            10,
            150,
            EventKind::EarlyHelpOpened {
                level: "2".parse().unwrap(),
            },
        ));
        let s2 = replay(PersonId(1), &log2);
        assert_eq!(s2.involvements(), vec![Involvement::EarlyHelp]);
        assert_eq!(s2.level_of_need.as_ref().map(|l| l.as_str()), Some("2"));
    }

    #[test]
    fn transitions_that_do_not_fit_are_refused_with_the_rule() {
        let s = ChildState::new(PersonId(1));
        let e = ev(1, 0, EventKind::CpPlanEnded);
        assert_eq!(
            s.check(&e).err().map(|e| e.to_string()).as_deref(),
            Some("event cp_plan_ended cannot be applied: there is no open child protection plan")
        );
    }

    #[test]
    fn a_withdrawn_event_drops_out_of_the_state() {
        let mut log = vec![ev(
            1,
            0,
            EventKind::LookedAfterStarted {
                placement: placement("V2", "U6"),
                previous_permanence: None,
            },
        )];
        assert!(replay(PersonId(1), &log).looked_after.is_some());
        let mut w = ev(2, 3, EventKind::Withdrawn);
        w.supersedes = Some(crate::events::Supersession {
            event: EventSeq(1),
            reason: "wrong child".into(),
        });
        let s = replay(PersonId(1), &log);
        assert!(check_new_event(&log, &s, &w).is_ok());
        log.push(w.clone());
        assert!(replay(PersonId(1), &log).looked_after.is_none());
        // A second correction of the same event is refused.
        let mut again = w;
        again.seq = EventSeq(3);
        assert!(check_new_event(&log, &replay(PersonId(1), &log), &again).is_err());
    }

    #[test]
    fn late_entries_are_checked_against_the_state_on_their_date() {
        let log = vec![
            ev(
                1,
                0,
                EventKind::ReferralOpened {
                    source: "6".parse().unwrap(),
                    primary_need: "N1".parse().unwrap(),
                    no_further_action: false,
                },
            ),
            ev(
                2,
                30,
                EventKind::ReferralClosed {
                    reason: "RC8".parse().unwrap(),
                },
            ),
        ];
        let s = replay(PersonId(1), &log);
        // An assessment started on day 5 (while the referral was open) is accepted late...
        assert!(check_new_event(&log, &s, &ev(3, 5, EventKind::AssessmentStarted)).is_ok());
        // ...but not one dated after the referral closed.
        assert!(check_new_event(&log, &s, &ev(4, 40, EventKind::AssessmentStarted)).is_err());
    }

    #[test]
    fn a_reviewing_officer_is_held_beside_the_social_worker_while_a_plan_or_care_is_open() {
        let allocate = |worker: i64, role: AllocationRole| EventKind::WorkerAllocated {
            worker: WorkerId(worker),
            team: TeamId(worker),
            role,
            reason: None,
        };
        let mut log = vec![
            ev(
                1,
                0,
                EventKind::ReferralOpened {
                    source: "5A".parse().unwrap(),
                    primary_need: "N1".parse().unwrap(),
                    no_further_action: false,
                },
            ),
            ev(2, 0, allocate(7, AllocationRole::SocialWorker)),
        ];
        let s = replay(PersonId(1), &log);
        // No plan and no care: nobody to review, so no appointment.
        let early = ev(3, 1, allocate(9, AllocationRole::ReviewingOfficer));
        let refused = s.check(&early).unwrap_err().to_string();
        assert!(refused.contains("reviewing officer"), "{refused}");
        log.push(ev(
            3,
            10,
            EventKind::CpPlanStarted {
                category: "NEG".parse().unwrap(),
                previous_plans: None,
            },
        ));
        log.push(ev(4, 10, allocate(9, AllocationRole::ReviewingOfficer)));
        let s = replay(PersonId(1), &log);
        assert!(s.check(&early).is_ok());
        assert_eq!(s.allocated.as_ref().map(|a| a.worker), Some(WorkerId(7)));
        let iro = s.reviewing_officer.as_ref().unwrap();
        assert_eq!((iro.worker, iro.since), (WorkerId(9), at(10)));
        // Into care while on the plan, then the plan ends: the same officer stays on.
        log.push(ev(
            5,
            40,
            EventKind::LookedAfterStarted {
                placement: placement("C2", "U4"),
                previous_permanence: None,
            },
        ));
        log.push(ev(6, 41, EventKind::CpPlanEnded));
        let s = replay(PersonId(1), &log);
        assert_eq!(
            s.reviewing_officer.as_ref().map(|a| a.worker),
            Some(WorkerId(9))
        );
        // Care ends: nothing left to review.
        log.push(ev(
            7,
            90,
            EventKind::LookedAfterEnded {
                reason: "E13".parse().unwrap(),
            },
        ));
        let s = replay(PersonId(1), &log);
        assert_eq!(s.reviewing_officer, None);
        assert_eq!(s.allocated.as_ref().map(|a| a.worker), Some(WorkerId(7)));
    }

    #[test]
    fn an_adoption_needs_the_decision_and_the_match_and_a_reversal_undoes_the_decision() {
        let start = ev(
            1,
            0,
            EventKind::LookedAfterStarted {
                placement: placement("C2", "U4"),
                previous_permanence: None,
            },
        );
        let decided = ev(2, 30, EventKind::AdoptionDecided);
        let matched = |seq, day| {
            ev(
                seq,
                day,
                EventKind::AdoptersMatched {
                    adopters: 2,
                    sex: "MF".parse().unwrap(),
                    legal_status: "L11".parse().unwrap(),
                    foster_carers: false,
                },
            )
        };
        let adopted = |seq, day| {
            ev(
                seq,
                day,
                EventKind::LookedAfterEnded {
                    reason: "E11".parse().unwrap(),
                },
            )
        };
        // Not looked after: no decision.
        assert!(ChildState::new(PersonId(1)).check(&decided).is_err());
        let s = replay(PersonId(1), std::slice::from_ref(&start));
        // No decision: no match, no reversal, no adoption.
        for e in [
            matched(2, 30),
            adopted(2, 30),
            ev(
                2,
                30,
                EventKind::AdoptionDecisionReversed {
                    reason: "RD3".parse().unwrap(),
                },
            ),
        ] {
            let refused = s.check(&e).unwrap_err().to_string();
            assert!(refused.contains("placed for adoption"), "{refused}");
        }
        let log = vec![start.clone(), decided.clone()];
        let s = replay(PersonId(1), &log);
        assert_eq!(s.adoption.as_ref().map(|a| a.decided), Some(at(30)));
        assert!(s.check(&decided).is_err(), "one decision at a time");
        assert!(
            s.check(&adopted(3, 300)).is_err(),
            "adopted without a match"
        );
        let log = vec![start.clone(), decided.clone(), matched(3, 200)];
        let s = replay(PersonId(1), &log);
        assert_eq!(s.adoption.as_ref().and_then(|a| a.matched), Some(at(200)));
        assert!(s.check(&adopted(4, 300)).is_ok());
        // Reversed: the decision is gone, and so is what it allowed.
        let mut log = log;
        log.push(ev(
            4,
            250,
            EventKind::AdoptionDecisionReversed {
                reason: "RD1".parse().unwrap(),
            },
        ));
        let s = replay(PersonId(1), &log);
        assert_eq!(s.adoption, None);
        assert!(s.check(&adopted(5, 300)).is_err());
        // Care ending clears a standing decision.
        let log = vec![
            start,
            decided,
            ev(
                3,
                90,
                EventKind::LookedAfterEnded {
                    reason: "E13".parse().unwrap(),
                },
            ),
        ];
        assert_eq!(replay(PersonId(1), &log).adoption, None);
    }

    #[test]
    fn the_adopters_details_and_a_previous_permanence_order_must_agree() {
        let s = replay(
            PersonId(1),
            &[
                ev(
                    1,
                    0,
                    EventKind::LookedAfterStarted {
                        placement: placement("C2", "U4"),
                        previous_permanence: None,
                    },
                ),
                ev(2, 10, EventKind::AdoptionDecided),
            ],
        );
        let matched = |n: u8, sex: &str, ls: &str| {
            ev(
                3,
                20,
                EventKind::AdoptersMatched {
                    adopters: n,
                    sex: sex.parse().unwrap(),
                    legal_status: ls.parse().unwrap(),
                    foster_carers: true,
                },
            )
        };
        for (n, sex, ls) in [
            (1, "F1", "L0"),
            (2, "MF", "L11"),
            (2, "MF", "L3"),
            (2, "FF", "L12"),
            (2, "MM", "L4"),
            (2, "FF", "L2"),
        ] {
            assert!(s.check(&matched(n, sex, ls)).is_ok(), "{n} {sex} {ls}");
        }
        for (n, sex, ls) in [
            (1, "MF", "L11"),
            (2, "F1", "L0"),
            (2, "MF", "L12"),
            (2, "MM", "L11"),
            (1, "F1", "L3"),
            (3, "MF", "L11"),
        ] {
            let refused = s.check(&matched(n, sex, ls)).unwrap_err().to_string();
            assert!(
                refused.starts_with("adopters:"),
                "{n} {sex} {ls}: {refused}"
            );
        }
        let starting = |option: &str, authority: Option<&str>, date: Option<u32>| {
            ev(
                1,
                100,
                EventKind::LookedAfterStarted {
                    placement: placement("C2", "U4"),
                    previous_permanence: Some(crate::events::PreviousPermanence {
                        option: option.parse().unwrap(),
                        authority: authority.map(str::to_string),
                        date: date.map(at),
                    }),
                },
            )
        };
        let empty = ChildState::new(PersonId(1));
        assert!(empty.check(&starting("P2", Some("990"), Some(40))).is_ok());
        assert!(empty.check(&starting("P1", Some("WAL"), None)).is_ok());
        assert!(empty.check(&starting("Z1", None, None)).is_ok());
        for (option, authority, date, field) in [
            ("Z1", Some("990"), None, "previous_permanence.authority"),
            ("P2", Some("99"), None, "previous_permanence.authority"),
            ("P4", None, Some(40), "previous_permanence.date"),
            ("P2", None, Some(400), "previous_permanence.date"),
        ] {
            let refused = empty
                .check(&starting(option, authority, date))
                .unwrap_err()
                .to_string();
            assert!(refused.starts_with(field), "{refused}");
        }
    }

    #[test]
    fn health_and_offending_data_are_for_a_looked_after_child_and_an_sdq_has_a_score_or_a_reason() {
        let sdq = |score: Option<u8>, reason: Option<&str>| {
            ev(
                2,
                30,
                EventKind::SdqAssessed {
                    score,
                    reason: reason.map(|r| r.parse().unwrap()),
                },
            )
        };
        let dental = ev(
            2,
            30,
            EventKind::HealthChecked {
                check: crate::events::HealthCheck::DentalCheck,
            },
        );
        let refused = ChildState::new(PersonId(1))
            .check(&dental)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("looked-after child"), "{refused}");
        let s = replay(
            PersonId(1),
            &[ev(
                1,
                0,
                EventKind::LookedAfterStarted {
                    placement: placement("C2", "U4"),
                    previous_permanence: None,
                },
            )],
        );
        assert!(s.check(&dental).is_ok());
        assert!(s.check(&sdq(Some(14), None)).is_ok());
        assert!(s.check(&sdq(None, Some("SDQ2"))).is_ok());
        for bad in [
            sdq(Some(41), None),
            sdq(None, None),
            sdq(Some(3), Some("SDQ4")),
        ] {
            let refused = s.check(&bad).unwrap_err().to_string();
            assert!(refused.starts_with("score:"), "{refused}");
        }
        let received_not_offered = ev(
            2,
            30,
            EventKind::SubstanceMisuse {
                intervention_offered: false,
                intervention_received: true,
            },
        );
        assert!(s.check(&received_not_offered).is_err());
        assert!(s.check(&ev(2, 30, EventKind::Convicted)).is_ok());
    }

    #[test]
    fn plans_before_the_record_count_as_previous_plans() {
        let plan = |seq, day, previous_plans| {
            ev(
                seq,
                day,
                EventKind::CpPlanStarted {
                    category: "NEG".parse().unwrap(),
                    previous_plans,
                },
            )
        };
        let referral = ev(
            1,
            0,
            EventKind::ReferralOpened {
                source: "6".parse().unwrap(),
                primary_need: "N1".parse().unwrap(),
                no_further_action: false,
            },
        );
        // Two plans in another authority, as the conference heard.
        let s = replay(PersonId(1), &[referral.clone(), plan(2, 5, Some(2))]);
        assert_eq!(s.previous_cp_plans, 2);
        // A plan on the record, then a second recorded as "one before": still one.
        let s = replay(
            PersonId(1),
            &[
                referral,
                plan(2, 5, None),
                ev(3, 100, EventKind::CpPlanEnded),
                plan(4, 200, Some(1)),
            ],
        );
        assert_eq!(s.previous_cp_plans, 1);
    }

    fn arb_kind() -> impl Strategy<Value = EventKind> {
        prop_oneof![
            Just(EventKind::ContactReceived {
                source: "2A".parse().unwrap(),
                concerns: "c".into(),
                consent: true
            }),
            Just(EventKind::ContactDecided {
                level: "3".parse().unwrap(),
                outcome: ContactOutcome::EarlyHelp,
                reason: "r".into()
            }),
            Just(EventKind::EarlyHelpOpened {
                level: "2".parse().unwrap()
            }),
            Just(EventKind::EarlyHelpClosed {
                reason: crate::events::EarlyHelpClosure::NeedsMet
            }),
            Just(EventKind::WorkerAllocated {
                worker: WorkerId(7),
                team: TeamId(2),
                role: AllocationRole::SocialWorker,
                reason: None
            }),
            Just(EventKind::WorkerAllocated {
                worker: WorkerId(8),
                team: TeamId(5),
                role: AllocationRole::ReviewingOfficer,
                reason: None
            }),
            Just(EventKind::ReferralOpened {
                source: "6".parse().unwrap(),
                primary_need: "N1".parse().unwrap(),
                no_further_action: false
            }),
            Just(EventKind::ReferralClosed {
                reason: "RC7".parse().unwrap()
            }),
            Just(EventKind::AssessmentStarted),
            Just(EventKind::AssessmentAuthorised {
                factors: vec![],
                outcome: AssessmentOutcome::ChildInNeedPlan
            }),
            Just(EventKind::Section47Started),
            Just(EventKind::Section47Completed {
                outcome: Section47Outcome::InitialConference
            }),
            Just(EventKind::CpPlanStarted {
                category: "NEG".parse().unwrap(),
                previous_plans: None,
            }),
            Just(EventKind::CpReview {
                category: "EMO".parse().unwrap()
            }),
            Just(EventKind::CpPlanEnded),
            Just(EventKind::CinPlanStarted),
            Just(EventKind::CinPlanEnded),
            Just(EventKind::LookedAfterStarted {
                placement: placement("C2", "U6"),
                previous_permanence: None,
            }),
            Just(EventKind::LookedAfterChanged {
                reason_new_episode: "P".parse().unwrap(),
                placement: placement("C2", "K2"),
                reason_place_change: Some("CARPL".parse().unwrap())
            }),
            Just(EventKind::AdoptionDecided),
            Just(EventKind::HealthChecked {
                check: crate::events::HealthCheck::HealthAssessment
            }),
            Just(EventKind::Convicted),
            Just(EventKind::AdoptersMatched {
                adopters: 1,
                sex: "F1".parse().unwrap(),
                legal_status: "L0".parse().unwrap(),
                foster_carers: false
            }),
            Just(EventKind::AdoptionDecisionReversed {
                reason: "RD4".parse().unwrap()
            }),
            Just(EventKind::LookedAfterEnded {
                reason: "E4A".parse().unwrap()
            }),
            Just(EventKind::LookedAfterReview {
                participation: "PN1".parse().unwrap()
            }),
            (any::<bool>()).prop_map(|a| EventKind::Visit {
                purpose: VisitPurpose::LookedAfter,
                seen_alone: a
            }),
            Just(EventKind::Visit {
                purpose: VisitPurpose::ChildProtection,
                seen_alone: true
            }),
            Just(EventKind::SteppedUp {
                level: "4".parse().unwrap(),
                reason: "r".into()
            }),
            Just(EventKind::SteppedDown {
                level: "2".parse().unwrap(),
                reason: "r".into()
            }),
            Just(EventKind::CareLeaverStarted),
            Just(EventKind::CareLeaverContact {
                in_touch: "YES".parse().unwrap(),
                activity: "F2".parse().unwrap(),
                accommodation: "U1".parse().unwrap()
            }),
            Just(EventKind::CaseNote {
                subject: "s".into(),
                text: "t".into()
            }),
        ]
    }

    /// An instruction in a generated history: a new event on some day, or a correction of an
    /// earlier one (a replacement or a withdrawal).
    #[derive(Debug, Clone)]
    enum Step {
        New(u32, EventKind),
        Correct(usize, u32, Option<EventKind>),
    }

    fn arb_step() -> impl Strategy<Value = Step> {
        prop_oneof![
            8 => (0u32..400, arb_kind()).prop_map(|(d, k)| Step::New(d, k)),
            1 => (any::<usize>(), 0u32..400, proptest::option::of(arb_kind())).prop_map(|(i, d, k)| Step::Correct(i, d, k)),
        ]
    }

    proptest! {
        /// The incremental projection (fold in order, replay on a late entry or a correction)
        /// always equals a full replay of the log, whatever the history, including entries
        /// recorded late and corrections of earlier entries.
        #[test]
        fn incremental_projection_equals_full_replay(steps in proptest::collection::vec(arb_step(), 0..60)) {
            let child = PersonId(1);
            let mut log: Vec<JourneyEvent> = Vec::new();
            let mut state = ChildState::new(child);
            for (n, step) in steps.into_iter().enumerate() {
                let seq = n as i64 + 1;
                let e = match step {
                    Step::New(day, kind) => ev(seq, day, kind),
                    Step::Correct(i, day, kind) => {
                        if log.is_empty() { continue; }
                        let target = log[i % log.len()].seq;
                        let mut e = ev(seq, day, kind.unwrap_or(EventKind::Withdrawn));
                        e.supersedes = Some(crate::events::Supersession { event: target, reason: "correction".into() });
                        e
                    }
                };
                if check_new_event(&log, &state, &e).is_err() { continue; }
                log.push(e.clone());
                if state.can_append_in_order(&e) {
                    state.apply(&e);
                } else {
                    state = replay(child, &log);
                }
                let full = replay(child, &log);
                prop_assert_eq!(&state, &full);
                prop_assert_eq!(state.last_key, full.last_key);
            }
        }
    }
}
