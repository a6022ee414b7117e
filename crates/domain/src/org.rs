//! The organisation: the authority, its localities or hubs, teams and workers.

use serde::{Deserialize, Serialize};

use crate::ids::{LocalityId, TeamId, WorkerId};

/// The local authority that runs Stepwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Authority {
    pub name: String,
    /// The DfE three-digit LA code, used in returns.
    pub la_code: String,
    /// What the authority calls its areas: "locality" or "hub".
    pub area_word: String,
}

/// A locality or hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Locality {
    pub id: LocalityId,
    pub name: String,
}

/// The kinds of team in a children's services department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    FrontDoor,
    EarlyHelp,
    Assessment,
    ChildInNeedProtection,
    ChildrenInCare,
    CareLeavers,
    FosteringAdoption,
    QualityAssurance,
}

impl TeamKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [TeamKind; 8] = [
        Self::FrontDoor,
        Self::EarlyHelp,
        Self::Assessment,
        Self::ChildInNeedProtection,
        Self::ChildrenInCare,
        Self::CareLeavers,
        Self::FosteringAdoption,
        Self::QualityAssurance,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontDoor => "front_door",
            Self::EarlyHelp => "early_help",
            Self::Assessment => "assessment",
            Self::ChildInNeedProtection => "cin_cp",
            Self::ChildrenInCare => "children_in_care",
            Self::CareLeavers => "care_leavers",
            Self::FosteringAdoption => "fostering_adoption",
            Self::QualityAssurance => "quality_assurance",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// How people name the kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::FrontDoor => "Front door",
            Self::EarlyHelp => "Early help",
            Self::Assessment => "Assessment",
            Self::ChildInNeedProtection => "Child in need and child protection",
            Self::ChildrenInCare => "Children in care",
            Self::CareLeavers => "Care leavers",
            Self::FosteringAdoption => "Fostering and adoption",
            Self::QualityAssurance => "Quality assurance",
        }
    }
}

/// A team, in a locality or serving the whole authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub locality: Option<LocalityId>,
}

/// A worker's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkerRole {
    SocialWorker,
    SeniorPractitioner,
    TeamManager,
    EarlyHelpKeyworker,
    PersonalAdviser,
    FrontDoorPractitioner,
    IndependentReviewingOfficer,
    ServiceManager,
}

impl WorkerRole {
    /// Every role.
    pub const ALL: [WorkerRole; 8] = [
        Self::SocialWorker,
        Self::SeniorPractitioner,
        Self::TeamManager,
        Self::EarlyHelpKeyworker,
        Self::PersonalAdviser,
        Self::FrontDoorPractitioner,
        Self::IndependentReviewingOfficer,
        Self::ServiceManager,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SocialWorker => "social_worker",
            Self::SeniorPractitioner => "senior_practitioner",
            Self::TeamManager => "team_manager",
            Self::EarlyHelpKeyworker => "early_help_keyworker",
            Self::PersonalAdviser => "personal_adviser",
            Self::FrontDoorPractitioner => "front_door_practitioner",
            Self::IndependentReviewingOfficer => "iro",
            Self::ServiceManager => "service_manager",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// How people name the role.
    pub fn label(self) -> &'static str {
        match self {
            Self::SocialWorker => "Social worker",
            Self::SeniorPractitioner => "Senior practitioner",
            Self::TeamManager => "Team manager",
            Self::EarlyHelpKeyworker => "Early help keyworker",
            Self::PersonalAdviser => "Personal adviser",
            Self::FrontDoorPractitioner => "Front door practitioner",
            Self::IndependentReviewingOfficer => "Independent reviewing officer",
            Self::ServiceManager => "Service manager",
        }
    }
    /// Whether workers in this role hold cases (count towards caseload figures).
    pub fn holds_cases(self) -> bool {
        matches!(
            self,
            Self::SocialWorker
                | Self::SeniorPractitioner
                | Self::EarlyHelpKeyworker
                | Self::PersonalAdviser
        )
    }
}

/// How a worker is employed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    Permanent,
    Agency,
}

/// A worker in the establishment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Worker {
    pub id: WorkerId,
    pub name: String,
    pub role: WorkerRole,
    pub team: TeamId,
    pub employment: Employment,
    /// Full-time equivalent, 0.1 to 1.0.
    pub fte: f64,
    /// Social Work England registration (the SSDA903 SW_ID), for registered social workers.
    pub registration: Option<String>,
}
