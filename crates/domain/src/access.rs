//! The access policy: roles, the permissions each role holds, and what every route requires.
//! The web layer asks one question per request, "does this role hold this permission?", and
//! refuses (and audits the refusal) when it does not.

use serde::{Deserialize, Serialize};

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See one's own caseload and what is due.
    ViewMyWork,
    /// Search for people by name, date of birth or identifier.
    SearchPeople,
    /// Open a child's record (identity, family, involvements, chronology).
    ViewChildRecord,
    /// See teams, workers and caseloads.
    ViewTeams,
    /// Read the audit log and verify its chain.
    ViewAudit,
    /// Manage users and configuration.
    ManageUsers,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 6] = [
        Self::ViewMyWork,
        Self::SearchPeople,
        Self::ViewChildRecord,
        Self::ViewTeams,
        Self::ViewAudit,
        Self::ManageUsers,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewMyWork => "view_my_work",
            Self::SearchPeople => "search_people",
            Self::ViewChildRecord => "view_child_record",
            Self::ViewTeams => "view_teams",
            Self::ViewAudit => "view_audit",
            Self::ManageUsers => "manage_users",
        }
    }
}

/// What a route requires: nothing (the sign-in page, static assets) or a signed-in user
/// holding a permission. Every route must declare one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Open to anyone, signed in or not.
    Public,
    /// Any signed-in user (sign out, the home page that routes by role).
    SignedIn,
    /// A signed-in user whose role holds the permission.
    Requires(Permission),
}

/// A user's role. Roles map to permissions through `Role::permissions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDoorPractitioner,
    FrontDoorManager,
    EarlyHelpKeyworker,
    LocalityManager,
    SocialWorker,
    TeamManager,
    IndependentReviewingOfficer,
    ServiceManager,
    PerformanceAnalyst,
    PartnerProfessional,
    InformationGovernance,
    SystemAdministrator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 12] = [
        Self::FrontDoorPractitioner,
        Self::FrontDoorManager,
        Self::EarlyHelpKeyworker,
        Self::LocalityManager,
        Self::SocialWorker,
        Self::TeamManager,
        Self::IndependentReviewingOfficer,
        Self::ServiceManager,
        Self::PerformanceAnalyst,
        Self::PartnerProfessional,
        Self::InformationGovernance,
        Self::SystemAdministrator,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontDoorPractitioner => "front_door_practitioner",
            Self::FrontDoorManager => "front_door_manager",
            Self::EarlyHelpKeyworker => "early_help_keyworker",
            Self::LocalityManager => "locality_manager",
            Self::SocialWorker => "social_worker",
            Self::TeamManager => "team_manager",
            Self::IndependentReviewingOfficer => "independent_reviewing_officer",
            Self::ServiceManager => "service_manager",
            Self::PerformanceAnalyst => "performance_analyst",
            Self::PartnerProfessional => "partner_professional",
            Self::InformationGovernance => "information_governance",
            Self::SystemAdministrator => "system_administrator",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    /// How people name the role.
    pub fn label(self) -> &'static str {
        match self {
            Self::FrontDoorPractitioner => "Front-door practitioner",
            Self::FrontDoorManager => "Front-door manager",
            Self::EarlyHelpKeyworker => "Early help keyworker",
            Self::LocalityManager => "Locality manager",
            Self::SocialWorker => "Social worker",
            Self::TeamManager => "Team manager",
            Self::IndependentReviewingOfficer => "Independent reviewing officer",
            Self::ServiceManager => "Service manager",
            Self::PerformanceAnalyst => "Performance analyst",
            Self::PartnerProfessional => "Partner professional",
            Self::InformationGovernance => "Information governance officer",
            Self::SystemAdministrator => "System administrator",
        }
    }
    /// The permissions the role holds by default. Analysts, partners and administrators do
    /// not open case records: analysts will see pseudonymised data, partners only what was
    /// shared with them, and administrators only through an audited, time-limited grant.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission as P;
        match self {
            Self::FrontDoorPractitioner
            | Self::EarlyHelpKeyworker
            | Self::SocialWorker
            | Self::IndependentReviewingOfficer => &[
                P::ViewMyWork,
                P::SearchPeople,
                P::ViewChildRecord,
                P::ViewTeams,
            ],
            Self::FrontDoorManager
            | Self::LocalityManager
            | Self::TeamManager
            | Self::ServiceManager => &[
                P::ViewMyWork,
                P::SearchPeople,
                P::ViewChildRecord,
                P::ViewTeams,
            ],
            Self::PerformanceAnalyst => &[P::ViewTeams],
            Self::PartnerProfessional => &[],
            Self::InformationGovernance => &[
                P::SearchPeople,
                P::ViewChildRecord,
                P::ViewTeams,
                P::ViewAudit,
            ],
            Self::SystemAdministrator => &[P::ViewTeams, P::ManageUsers, P::ViewAudit],
        }
    }
    /// Whether the role holds a permission.
    pub fn holds(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
    /// Whether the role may pass a route's access requirement.
    pub fn allows(self, a: Access) -> bool {
        match a {
            Access::Public | Access::SignedIn => true,
            Access::Requires(p) => self.holds(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_and_analysts_cannot_open_case_records() {
        assert!(!Role::SystemAdministrator.holds(Permission::ViewChildRecord));
        assert!(!Role::PerformanceAnalyst.holds(Permission::ViewChildRecord));
        assert!(!Role::PartnerProfessional.holds(Permission::SearchPeople));
        assert!(Role::SocialWorker.holds(Permission::ViewChildRecord));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
