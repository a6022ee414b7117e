//! The access policy. A role holds fine-grained permissions, each with a scope (own, team,
//! locality, service, all); access to one child's record also follows the user's relationship
//! to the child (allocated worker, associated worker, a temporary grant with an end date and a
//! reason). The policy an authority runs is configuration: `AccessPolicy::default()` holds the
//! safe defaults and `AccessPolicy::from_json` reads an authority's changes, refusing any that
//! would break the rules no authority may relax (administrators and analysts never open case
//! records by role). Everything here is pure: the store supplies the facts, the clock is passed in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::events::EventCategory;
use crate::ids::{LocalityId, PersonId, TeamId, WorkerId};
use crate::org::TeamKind;

/// Something a user may be allowed to do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
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
    /// See who has looked at a child's record.
    ViewRecordAccessLog,
    /// See everything one user has done (the per-user activity report).
    ViewUserActivity,
    /// Give another user temporary access to a child's record, with a reason and an end date.
    GrantAccess,
    /// Read the audit log and verify its chain.
    ViewAudit,
    /// Manage user accounts.
    ManageUsers,
    /// See the roles and their permissions.
    ViewRoles,
    /// Restrict or seal a record, and lift a restriction.
    ManageRestrictions,
    /// Find and open sealed records (adoption).
    ViewSealedRecords,
    /// Review records due for disposal under the retention schedule, and decide on each.
    ReviewRetention,
    /// Prepare a subject access request pack: everything held about one person.
    ExportSubjectAccess,
    /// See children's journeys pseudonymised: no names, dates of birth, addresses,
    /// identifiers or free text.
    ViewPseudonymised,
    /// Record (and withdraw) a person's consent to share with a partner agency.
    RecordConsent,
    /// See what families have consented to share with the user's own agency (partners).
    ViewShared,
    /// Approve (or refuse) an account that reaches case records before it can be used: the
    /// second person who checks what an administrator asked for.
    ApproveAccounts,
    /// Record front-door contacts and their decisions. The `record_*` permissions are one
    /// family, one for each family of journey events (`EventCategory`): see
    /// `Permission::to_record`. Each is about records, so its scope limits the children.
    RecordFrontDoor,
    /// Record early help: episodes opening and closing, stepping up and down.
    RecordEarlyHelp,
    /// Record referrals and assessments.
    RecordAssessment,
    /// Record child protection: strategy discussions, enquiries, conferences, plans.
    RecordChildProtection,
    /// Record child in need plans.
    RecordChildInNeed,
    /// Record looked-after episodes, placements, reviews and missing episodes.
    RecordLookedAfter,
    /// Record leaving-care support and contacts.
    RecordCareLeaver,
    /// Allocate a worker to a child.
    RecordAllocation,
    /// Record visits to a child.
    RecordVisits,
    /// Write case notes.
    RecordCaseNotes,
    /// Correct or withdraw an entry (also needs the permission to record the entry's family).
    RecordCorrections,
    /// Authorise a front-door decision that the threshold model says a manager must sign off
    /// (by default closing a contact with no further action, and calling a strategy discussion).
    AuthoriseDecisions,
    /// Send a contact to the front door, and see the decision and feedback on one's own
    /// contacts. Partners describe the people; the front door matches them to the record.
    SubmitContacts,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 31] = [
        Self::ViewMyWork,
        Self::SearchPeople,
        Self::ViewChildRecord,
        Self::ViewTeams,
        Self::ViewRecordAccessLog,
        Self::ViewUserActivity,
        Self::GrantAccess,
        Self::ViewAudit,
        Self::ManageUsers,
        Self::ViewRoles,
        Self::ManageRestrictions,
        Self::ViewSealedRecords,
        Self::ReviewRetention,
        Self::ExportSubjectAccess,
        Self::ViewPseudonymised,
        Self::RecordConsent,
        Self::ViewShared,
        Self::ApproveAccounts,
        Self::RecordFrontDoor,
        Self::RecordEarlyHelp,
        Self::RecordAssessment,
        Self::RecordChildProtection,
        Self::RecordChildInNeed,
        Self::RecordLookedAfter,
        Self::RecordCareLeaver,
        Self::RecordAllocation,
        Self::RecordVisits,
        Self::RecordCaseNotes,
        Self::RecordCorrections,
        Self::AuthoriseDecisions,
        Self::SubmitContacts,
    ];
    /// The permission that records events of a family: the `record_*` family.
    pub fn to_record(c: EventCategory) -> Self {
        match c {
            EventCategory::FrontDoor => Self::RecordFrontDoor,
            EventCategory::EarlyHelp => Self::RecordEarlyHelp,
            EventCategory::Assessment => Self::RecordAssessment,
            EventCategory::ChildProtection => Self::RecordChildProtection,
            EventCategory::ChildInNeed => Self::RecordChildInNeed,
            EventCategory::LookedAfter => Self::RecordLookedAfter,
            EventCategory::CareLeaver => Self::RecordCareLeaver,
            EventCategory::Allocation => Self::RecordAllocation,
            EventCategory::Visit => Self::RecordVisits,
            EventCategory::Note => Self::RecordCaseNotes,
            EventCategory::Correction => Self::RecordCorrections,
        }
    }
    /// The family of events the permission records, for the `record_*` family.
    pub fn records(self) -> Option<EventCategory> {
        EventCategory::ALL
            .into_iter()
            .find(|c| Self::to_record(*c) == self)
    }
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewMyWork => "view_my_work",
            Self::SearchPeople => "search_people",
            Self::ViewChildRecord => "view_child_record",
            Self::ViewTeams => "view_teams",
            Self::ViewRecordAccessLog => "view_record_access_log",
            Self::ViewUserActivity => "view_user_activity",
            Self::GrantAccess => "grant_access",
            Self::ViewAudit => "view_audit",
            Self::ManageUsers => "manage_users",
            Self::ViewRoles => "view_roles",
            Self::ManageRestrictions => "manage_restrictions",
            Self::ViewSealedRecords => "view_sealed_records",
            Self::ReviewRetention => "review_retention",
            Self::ExportSubjectAccess => "export_subject_access",
            Self::ViewPseudonymised => "view_pseudonymised",
            Self::RecordConsent => "record_consent",
            Self::ViewShared => "view_shared",
            Self::ApproveAccounts => "approve_accounts",
            Self::RecordFrontDoor => "record_front_door",
            Self::RecordEarlyHelp => "record_early_help",
            Self::RecordAssessment => "record_assessment",
            Self::RecordChildProtection => "record_child_protection",
            Self::RecordChildInNeed => "record_child_in_need",
            Self::RecordLookedAfter => "record_looked_after",
            Self::RecordCareLeaver => "record_care_leaver",
            Self::RecordAllocation => "record_allocation",
            Self::RecordVisits => "record_visits",
            Self::RecordCaseNotes => "record_case_notes",
            Self::RecordCorrections => "record_corrections",
            Self::AuthoriseDecisions => "authorise_decisions",
            Self::SubmitContacts => "submit_contacts",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
    /// What it lets a user do, in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::ViewMyWork => "See their own work",
            Self::SearchPeople => "Find people",
            Self::ViewChildRecord => "Open a child's record",
            Self::ViewTeams => "See teams and caseloads",
            Self::ViewRecordAccessLog => "See who has looked at a record",
            Self::ViewUserActivity => "See a user's activity",
            Self::GrantAccess => "Grant temporary access to a record",
            Self::ViewAudit => "Read and verify the audit log",
            Self::ManageUsers => "Manage user accounts",
            Self::ViewRoles => "See roles and permissions",
            Self::ManageRestrictions => "Restrict or seal a record",
            Self::ViewSealedRecords => "Find and open sealed records",
            Self::ReviewRetention => "Review records due for disposal",
            Self::ExportSubjectAccess => "Prepare a subject access request",
            Self::ViewPseudonymised => "See pseudonymised journeys",
            Self::RecordConsent => "Record consent to share",
            Self::ViewShared => "See what families share with their agency",
            Self::ApproveAccounts => "Approve accounts that reach case records",
            Self::RecordFrontDoor => "Record contacts and front-door decisions",
            Self::RecordEarlyHelp => "Record early help",
            Self::RecordAssessment => "Record referrals and assessments",
            Self::RecordChildProtection => "Record child protection",
            Self::RecordChildInNeed => "Record child in need plans",
            Self::RecordLookedAfter => "Record looked-after episodes and reviews",
            Self::RecordCareLeaver => "Record leaving-care support",
            Self::RecordAllocation => "Allocate workers",
            Self::RecordVisits => "Record visits",
            Self::RecordCaseNotes => "Write case notes",
            Self::RecordCorrections => "Correct or withdraw entries",
            Self::AuthoriseDecisions => "Authorise front-door decisions",
            Self::SubmitContacts => "Send contacts to the front door",
        }
    }
    /// Whether the permission is about children's records, so that its scope limits which
    /// children (rather than only whether the user may use it at all).
    pub fn is_about_records(self) -> bool {
        matches!(
            self,
            Self::ViewChildRecord
                | Self::ViewRecordAccessLog
                | Self::GrantAccess
                | Self::ManageRestrictions
                | Self::ExportSubjectAccess
                | Self::RecordConsent
                | Self::AuthoriseDecisions
        ) || self.records().is_some()
    }
    /// Whether holding the permission lets a user reach children's case records, directly or
    /// by opening them to others: every permission about records, and the ones that find
    /// people, list a caseload, see sealed records or what families shared, see what a user
    /// did, prepare a subject access pack, review records for disposal, or approve accounts
    /// (an approver could otherwise approve an account that reaches records). An account whose
    /// role holds any of them needs a second person's approval before it can be used. Every
    /// permission is named, so a new one must be placed on one side or the other.
    pub fn reaches_case_records(self) -> bool {
        match self {
            Self::ViewMyWork
            | Self::SearchPeople
            | Self::ViewChildRecord
            | Self::ViewRecordAccessLog
            | Self::ViewUserActivity
            | Self::GrantAccess
            | Self::ManageRestrictions
            | Self::ViewSealedRecords
            | Self::ReviewRetention
            | Self::ExportSubjectAccess
            | Self::RecordConsent
            | Self::ViewShared
            | Self::ApproveAccounts
            | Self::RecordFrontDoor
            | Self::RecordEarlyHelp
            | Self::RecordAssessment
            | Self::RecordChildProtection
            | Self::RecordChildInNeed
            | Self::RecordLookedAfter
            | Self::RecordCareLeaver
            | Self::RecordAllocation
            | Self::RecordVisits
            | Self::RecordCaseNotes
            | Self::RecordCorrections
            | Self::AuthoriseDecisions
            | Self::SubmitContacts => true,
            Self::ViewTeams
            | Self::ViewAudit
            | Self::ManageUsers
            | Self::ViewRoles
            | Self::ViewPseudonymised => false,
        }
    }
}

impl Permission {
    /// Whether using the permission shows what a record holds (so that reaching a restricted
    /// record by scope alone needs a stated reason). The access log, grants and restrictions
    /// are about the record, not its contents, and need none.
    pub fn reveals_the_record(self) -> bool {
        matches!(
            self,
            Self::ViewChildRecord | Self::ExportSubjectAccess | Self::RecordConsent
        ) || self.records().is_some()
    }
}

/// How far a permission reaches. Wider scopes include the narrower ones.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Children the user is allocated to or associated with.
    Own,
    /// Children held by the user's team.
    Team,
    /// Children held by a team of the user's locality or living in it.
    Locality,
    /// Children open to the user's service (early help, safeguarding, corporate parenting).
    Service,
    /// Every child.
    All,
}

impl Scope {
    /// Every scope, narrowest first.
    pub const ALL: [Scope; 5] = [
        Self::Own,
        Self::Team,
        Self::Locality,
        Self::Service,
        Self::All,
    ];
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Team => "team",
            Self::Locality => "locality",
            Self::Service => "service",
            Self::All => "all",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Own => "their own children",
            Self::Team => "their team's children",
            Self::Locality => "their locality's children",
            Self::Service => "their service's children",
            Self::All => "every child",
        }
    }
}

/// A part of children's services, as teams belong to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Early help (locality early help teams).
    EarlyHelp,
    /// The front door, assessment, child in need and child protection.
    Safeguarding,
    /// Children in care, care leavers, fostering and adoption.
    CorporateParenting,
    /// Quality assurance and independent reviewing.
    QualityAssurance,
}

impl Service {
    /// The service a kind of team belongs to.
    pub fn of_team(kind: TeamKind) -> Self {
        match kind {
            TeamKind::EarlyHelp => Self::EarlyHelp,
            TeamKind::FrontDoor | TeamKind::Assessment | TeamKind::ChildInNeedProtection => {
                Self::Safeguarding
            }
            TeamKind::ChildrenInCare | TeamKind::CareLeavers | TeamKind::FosteringAdoption => {
                Self::CorporateParenting
            }
            TeamKind::QualityAssurance => Self::QualityAssurance,
        }
    }
    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::EarlyHelp => "Early help",
            Self::Safeguarding => "Safeguarding",
            Self::CorporateParenting => "Corporate parenting",
            Self::QualityAssurance => "Quality assurance",
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
    /// A signed-in user whose role holds the permission (at any scope; the handler then checks
    /// the scope against the record it serves).
    Requires(Permission),
}

/// A user's role. Roles map to permissions through the `AccessPolicy`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
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
    /// Roles that may never open case records by role, whatever an authority configures: they
    /// need a temporary, audited grant for each record.
    pub fn never_reads_records(self) -> bool {
        matches!(self, Self::SystemAdministrator | Self::PerformanceAnalyst)
    }
    /// Whether accounts of this role reach case records under `policy` (the role holds a
    /// permission for which `Permission::reaches_case_records` is true), so that an account
    /// made, re-enabled or given a new set-up link by an administrator needs a second person's
    /// approval before it can be used.
    pub fn reaches_case_records(self, policy: &AccessPolicy) -> bool {
        policy
            .permissions(self)
            .keys()
            .any(|p| p.reaches_case_records())
    }
    /// Whether accounts of this role are information governance's voice in the system under
    /// `policy` (they approve accounts or protect records), so that administrators may not
    /// disable the last of them.
    pub fn governs_access(self, policy: &AccessPolicy) -> bool {
        policy.holds(self, Permission::ApproveAccounts)
            || policy.holds(self, Permission::ManageRestrictions)
    }
}

/// The permissions and scopes of one role.
pub type RolePermissions = BTreeMap<Permission, Scope>;

/// The roles of an authority and what each may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessPolicy {
    roles: BTreeMap<Role, RolePermissions>,
    /// Roles whose users must sign in with a second factor.
    second_factor: std::collections::BTreeSet<Role>,
}

/// Why an authority's access policy file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("access policy: {0}")]
pub struct PolicyError(pub String);

impl Default for AccessPolicy {
    /// The safe defaults. Practitioners in children's social care may open any child's record
    /// (every look is audited; restricted records need more); early help reaches its locality;
    /// managers see who has looked at the records they are responsible for; information
    /// governance sees everything, grants temporary access and approves accounts that reach
    /// case records; analysts see teams only, and
    /// administrators manage accounts but open no case record.
    fn default() -> Self {
        use Permission as P;
        use Scope as S;
        let practitioner = |record: Scope| -> RolePermissions {
            [
                (P::ViewMyWork, S::Own),
                (P::SearchPeople, S::All),
                (P::ViewChildRecord, record),
                (P::ViewTeams, S::All),
                (P::RecordConsent, record),
            ]
            .into_iter()
            .collect()
        };
        let manager = |scope: Scope, record: Scope| -> RolePermissions {
            let mut m = practitioner(record);
            m.insert(P::ViewRecordAccessLog, scope);
            m
        };
        // What each role records, and for which children: the front door for any child who
        // reaches it; early help in its locality; social workers and their managers for the
        // children of their team; reviewing officers the conferences and reviews they chair;
        // service managers across their service. Managers also correct entries and allocate.
        use EventCategory as C;
        let records = |mut m: RolePermissions, families: &[C], scope: Scope| {
            for c in families {
                m.insert(P::to_record(*c), scope);
            }
            m
        };
        let social_care = [
            C::EarlyHelp,
            C::Assessment,
            C::ChildProtection,
            C::ChildInNeed,
            C::LookedAfter,
            C::CareLeaver,
            C::Visit,
            C::Note,
        ];
        let with_management = |families: &[C]| -> Vec<C> {
            let mut v = families.to_vec();
            v.extend([C::Allocation, C::Correction]);
            v
        };
        let front_door = [C::FrontDoor, C::Note];
        let early_help = [C::EarlyHelp, C::Visit, C::Note];
        let mut roles = BTreeMap::new();
        let mut front_door_practitioner = records(practitioner(S::All), &front_door, S::All);
        front_door_practitioner.insert(P::SubmitContacts, S::All);
        roles.insert(Role::FrontDoorPractitioner, front_door_practitioner);
        let mut front_door_manager = records(
            manager(S::Service, S::All),
            &with_management(&front_door),
            S::All,
        );
        front_door_manager.insert(P::AuthoriseDecisions, S::All);
        front_door_manager.insert(P::SubmitContacts, S::All);
        roles.insert(Role::FrontDoorManager, front_door_manager);
        roles.insert(
            Role::EarlyHelpKeyworker,
            records(practitioner(S::Locality), &early_help, S::Locality),
        );
        roles.insert(
            Role::LocalityManager,
            records(
                manager(S::Locality, S::Locality),
                &with_management(&early_help),
                S::Locality,
            ),
        );
        roles.insert(
            Role::SocialWorker,
            records(practitioner(S::All), &social_care, S::Team),
        );
        roles.insert(
            Role::TeamManager,
            records(
                manager(S::Team, S::All),
                &with_management(&social_care),
                S::Team,
            ),
        );
        roles.insert(
            Role::IndependentReviewingOfficer,
            records(
                practitioner(S::All),
                &[C::ChildProtection, C::LookedAfter, C::Note],
                S::All,
            ),
        );
        let mut service = records(
            manager(S::Service, S::All),
            &with_management(&social_care),
            S::Service,
        );
        service.insert(P::GrantAccess, S::Service);
        roles.insert(Role::ServiceManager, service);
        roles.insert(
            Role::PerformanceAnalyst,
            [(P::ViewTeams, S::All), (P::ViewPseudonymised, S::All)]
                .into_iter()
                .collect(),
        );
        roles.insert(
            Role::PartnerProfessional,
            [(P::ViewShared, S::Own), (P::SubmitContacts, S::Own)]
                .into_iter()
                .collect(),
        );
        roles.insert(
            Role::InformationGovernance,
            [
                (P::SearchPeople, S::All),
                (P::ViewChildRecord, S::All),
                (P::ViewTeams, S::All),
                (P::ViewRecordAccessLog, S::All),
                (P::ViewUserActivity, S::All),
                (P::GrantAccess, S::All),
                (P::ViewAudit, S::All),
                (P::ViewRoles, S::All),
                (P::ManageRestrictions, S::All),
                (P::ViewSealedRecords, S::All),
                (P::ReviewRetention, S::All),
                (P::ExportSubjectAccess, S::All),
                (P::ApproveAccounts, S::All),
            ]
            .into_iter()
            .collect(),
        );
        roles.insert(
            Role::SystemAdministrator,
            [
                (P::ViewTeams, S::All),
                (P::ManageUsers, S::All),
                (P::ViewAudit, S::All),
                (P::ViewRoles, S::All),
            ]
            .into_iter()
            .collect(),
        );
        Self {
            roles,
            second_factor: Default::default(),
        }
    }
}

/// An authority's policy file: for each role it names, the complete list of its permissions
/// with their scopes (roles it does not name keep the defaults).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    roles: BTreeMap<String, BTreeMap<String, String>>,
    /// Roles that must use a second factor.
    #[serde(default)]
    require_second_factor: Vec<String>,
}

impl AccessPolicy {
    /// Reads an authority's changes to the defaults, for example
    /// `{"roles": {"early_help_keyworker": {"view_my_work": "own", "search_people": "all",
    /// "view_child_record": "service", "view_teams": "locality"}}}`. Every role named replaces
    /// its defaults whole. Refused, naming the role and permission: unknown names, unknown
    /// scopes, and any file that would let an administrator or analyst open records by role.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = serde_json::from_str(text)
            .map_err(|e| PolicyError(format!("not a policy file ({e})")))?;
        let mut policy = Self::default();
        for (role_name, perms) in file.roles {
            let role = Role::parse(&role_name).ok_or_else(|| {
                PolicyError(format!(
                    "unknown role {role_name:?}; the roles are {}",
                    Role::ALL.map(Role::as_str).join(", ")
                ))
            })?;
            let mut set = RolePermissions::new();
            for (perm_name, scope_name) in perms {
                let p = Permission::parse(&perm_name).ok_or_else(|| {
                    PolicyError(format!(
                        "role {role_name}: unknown permission {perm_name:?}; the permissions are {}",
                        Permission::ALL.map(Permission::as_str).join(", ")
                    ))
                })?;
                let s = Scope::parse(&scope_name).ok_or_else(|| {
                    PolicyError(format!(
                        "role {role_name}, permission {perm_name}: unknown scope {scope_name:?}; the scopes are own, team, locality, service, all"
                    ))
                })?;
                if role.never_reads_records() && p.records().is_some() {
                    return Err(PolicyError(format!(
                        "role {role_name} may not hold {perm_name}: administrators and analysts never write in a case record"
                    )));
                }
                if role.never_reads_records() && p == Permission::ViewChildRecord {
                    return Err(PolicyError(format!(
                        "role {role_name} may not hold view_child_record: administrators and analysts open a case record only through a temporary, audited grant"
                    )));
                }
                if role == Role::SystemAdministrator && p == Permission::ApproveAccounts {
                    return Err(PolicyError(format!(
                        "role {role_name} may not hold approve_accounts: the accounts an administrator makes are approved by a second person outside administration"
                    )));
                }
                set.insert(p, s);
            }
            policy.roles.insert(role, set);
        }
        for name in file.require_second_factor {
            let role = Role::parse(&name).ok_or_else(|| {
                PolicyError(format!(
                    "require_second_factor: unknown role {name:?}; the roles are {}",
                    Role::ALL.map(Role::as_str).join(", ")
                ))
            })?;
            policy.second_factor.insert(role);
        }
        Ok(policy)
    }

    /// The policy as a plain table: every role, each permission it holds with its scope, and
    /// whether it must use a second factor. `stepwise access` prints it, and the default policy's
    /// table is pinned in `crates/domain/golden/default-access-policy.txt`, so a change to who may
    /// see what shows in review.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for r in Role::ALL {
            out.push_str(&format!("{} ({})", r.label(), r.as_str()));
            if self.requires_second_factor(r) {
                out.push_str(" [second factor required]");
            }
            if r.reaches_case_records(self) {
                out.push_str(" [new accounts need a second person's approval]");
            }
            out.push('\n');
            let perms = self.permissions(r);
            if perms.is_empty() {
                out.push_str("  (no permissions)\n");
            }
            for p in Permission::ALL {
                if let Some(sc) = perms.get(&p) {
                    out.push_str(&format!("  {:<24} {}\n", p.as_str(), sc.as_str()));
                }
            }
        }
        out
    }

    /// Whether the role's users must sign in with a second factor.
    pub fn requires_second_factor(&self, role: Role) -> bool {
        self.second_factor.contains(&role)
    }

    /// The role's permissions and scopes.
    pub fn permissions(&self, role: Role) -> RolePermissions {
        self.roles.get(&role).cloned().unwrap_or_default()
    }

    /// The scope at which the role holds the permission, if it does.
    pub fn scope(&self, role: Role, p: Permission) -> Option<Scope> {
        self.roles.get(&role).and_then(|m| m.get(&p)).copied()
    }

    /// Whether the role holds the permission at any scope.
    pub fn holds(&self, role: Role, p: Permission) -> bool {
        self.scope(role, p).is_some()
    }

    /// Whether the role may pass a route's access requirement.
    pub fn allows(&self, role: Role, a: Access) -> bool {
        match a {
            Access::Public | Access::SignedIn => true,
            Access::Requires(p) => self.holds(role, p),
        }
    }

    /// Decides whether `viewer` may use a record permission on one child, and on what basis.
    pub fn decide(
        &self,
        viewer: &Viewer,
        p: Permission,
        child: &ChildFacts,
        now: DateTime<Utc>,
    ) -> Decision {
        // A sealed record does not exist for those who may not see sealed records.
        if child.restriction == Some(RestrictionKind::Sealed)
            && !self.holds(viewer.role, Permission::ViewSealedRecords)
        {
            return Decision::Hidden;
        }
        // A temporary grant for this child opens the record whatever the role.
        if p == Permission::ViewChildRecord
            && let Some(g) = viewer
                .grants
                .iter()
                .find(|g| g.child == child.child && g.is_active(now))
        {
            return Decision::Allowed(Basis::Grant {
                id: g.id,
                until: g.until,
            });
        }
        let Some(scope) = self.scope(viewer.role, p) else {
            return Decision::Denied(format!(
                "the {} role cannot {}",
                viewer.role.label(),
                p.label().to_lowercase()
            ));
        };
        let worker = viewer.worker;
        if worker.is_some() && worker == child.allocated_worker {
            return Decision::Allowed(Basis::Allocated);
        }
        if worker.is_some_and(|w| child.associated_workers.contains(&w)) {
            return Decision::Allowed(Basis::Associated);
        }
        let in_scope = match scope {
            Scope::Own => false,
            Scope::Team => viewer.team.is_some_and(|t| child.teams.contains(&t)),
            Scope::Locality => {
                viewer.team.is_some_and(|t| child.teams.contains(&t))
                    || viewer
                        .locality
                        .is_some_and(|l| child.localities.contains(&l))
            }
            Scope::Service => viewer.service.is_some_and(|s| child.services.contains(&s)),
            Scope::All => true,
        };
        if in_scope {
            // Reaching a restricted record by scope alone needs a stated reason, whether to
            // read it, export it for a subject access request or record consent on it.
            if p.reveals_the_record()
                && child.restriction == Some(RestrictionKind::Restricted)
                && !viewer.reasons_given.contains(&child.child)
            {
                return Decision::NeedsReason;
            }
            Decision::Allowed(Basis::Scope(scope))
        } else {
            Decision::Denied(format!(
                "the {} role can {} only for {}, and this child is not one of them",
                viewer.role.label(),
                p.label().to_lowercase(),
                scope.label()
            ))
        }
    }
}

/// How much of a person a viewer may see where that person appears beside someone else (a
/// family or household panel, a shared address, a work list, a subject access pack).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disclosure {
    /// Everything the page shows. `reveal` is set when the person's record is restricted or
    /// sealed and the viewer sees it on this basis: the sight is logged on that person's
    /// access log.
    Full { reveal: Option<Basis> },
    /// The name and nothing else: no identifiers, date of birth, address, involvements or
    /// worker, and no relationship that places them at an address.
    NameOnly,
    /// Not there at all: no name, no row, no count that singles them out.
    Hidden,
}

impl Disclosure {
    /// Whether anything beyond the name may be shown.
    pub fn full(&self) -> bool {
        matches!(self, Self::Full { .. })
    }
    /// Whether the person is left out altogether.
    pub fn hidden(&self) -> bool {
        matches!(self, Self::Hidden)
    }
}

impl AccessPolicy {
    /// The one rule for showing a person beside someone else: a sealed record appears nowhere
    /// except to holders of `view_sealed_records`; a restricted one by name only unless the
    /// viewer could open it now without being asked for a reason (allocated or associated
    /// worker, a grant for it, or a reason stated and in force), and then the sight is
    /// logged; anyone else in full (as before: family panels show relatives outside the
    /// viewer's scope).
    pub fn disclose(&self, viewer: &Viewer, person: &ChildFacts, now: DateTime<Utc>) -> Disclosure {
        match person.restriction {
            None => Disclosure::Full { reveal: None },
            Some(_) => match self.decide(viewer, Permission::ViewChildRecord, person, now) {
                Decision::Hidden => Disclosure::Hidden,
                Decision::Allowed(basis) => Disclosure::Full {
                    reveal: Some(basis),
                },
                Decision::NeedsReason | Decision::Denied(_) => Disclosure::NameOnly,
            },
        }
    }
}

/// Who is asking, with what they may reach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Viewer {
    pub role: Role,
    /// The worker the account belongs to, if any.
    pub worker: Option<WorkerId>,
    /// The user's team, its locality and its service.
    pub team: Option<TeamId>,
    pub locality: Option<LocalityId>,
    pub service: Option<Service>,
    /// The user's temporary grants (expired ones are ignored).
    pub grants: Vec<AccessGrant>,
    /// Restricted records for which the user has stated a reason recently.
    pub reasons_given: Vec<PersonId>,
}

impl Default for Role {
    /// The role with the fewest permissions.
    fn default() -> Self {
        Self::PartnerProfessional
    }
}

/// How a record is protected beyond the ordinary rules.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RestrictionKind {
    /// Findable by name only; opening it needs a stated reason (unless the user is the
    /// allocated or an associated worker, or holds a grant) and is flagged to information
    /// governance.
    Restricted,
    /// Hidden from everyone but the roles that hold `view_sealed_records` (adoption).
    Sealed,
}

impl RestrictionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restricted => "restricted",
            Self::Sealed => "sealed",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Restricted, Self::Sealed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Restricted => "Restricted record",
            Self::Sealed => "Sealed record",
        }
    }
}

/// Why a record is restricted.
pub const RESTRICTION_CATEGORIES: [(&str, &str); 5] = [
    ("staff_relative", "A member of staff or their relative"),
    ("high_profile", "A high-profile case"),
    (
        "perpetrator_risk",
        "Domestic abuse: risk from a perpetrator who may seek the child",
    ),
    ("sealed_adoption", "Adoption: sealed record"),
    ("other", "Another reason (say in the note)"),
];

/// The partner agencies a family may consent to share with.
pub const AGENCIES: [(&str, &str); 6] = [
    ("school", "School or education setting"),
    (
        "health",
        "Health (GP, health visiting, school nursing, hospital)",
    ),
    ("police", "Police"),
    ("housing", "Housing"),
    ("probation", "Probation and youth justice"),
    ("voluntary", "Voluntary and community sector"),
];

/// The lawful bases for sharing (UK GDPR article 6), in plain words.
pub const SHARING_BASES: [(&str, &str); 4] = [
    (
        "consent",
        "Consent given by the person, or by a parent with parental responsibility",
    ),
    ("legal_obligation", "A legal duty to share"),
    (
        "public_task",
        "The council's public task (safeguarding duties)",
    ),
    ("vital_interests", "To protect someone's life"),
];

/// What the record says about who a child belongs to, for the access decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChildFacts {
    pub child: PersonId,
    pub allocated_worker: Option<WorkerId>,
    /// Workers associated with the child: allocated before, or who recorded on the record in
    /// the last year.
    pub associated_workers: Vec<WorkerId>,
    /// Teams holding the child (the allocated team).
    pub teams: Vec<TeamId>,
    /// Localities the child belongs to: the allocated team's and the current home address's.
    pub localities: Vec<LocalityId>,
    /// Services the child is open to.
    pub services: Vec<Service>,
    /// A restriction or seal on the record.
    pub restriction: Option<RestrictionKind>,
}

/// A temporary grant of access to one child's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccessGrant {
    pub id: i64,
    #[schema(value_type = i64)]
    pub child: PersonId,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub revoked: bool,
}

impl AccessGrant {
    /// Whether the grant is in force at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        !self.revoked && self.from <= now && now < self.until
    }
}

/// Why access was allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// The user is the allocated worker.
    Allocated,
    /// The user is an associated worker.
    Associated,
    /// The child is within the scope of the user's role.
    Scope(Scope),
    /// A temporary grant.
    Grant { id: i64, until: DateTime<Utc> },
}

impl Basis {
    /// As the audit log records it.
    pub fn describe(&self) -> String {
        match self {
            Self::Allocated => "allocated worker".to_string(),
            Self::Associated => "associated worker".to_string(),
            Self::Scope(s) => format!("role scope {}", s.as_str()),
            Self::Grant { id, until } => {
                format!(
                    "temporary grant {id} until {}",
                    until.format("%Y-%m-%d %H:%M")
                )
            }
        }
    }
}

/// The outcome of an access decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed(Basis),
    /// Refused, with a reason the user can read.
    Denied(String),
    /// A restricted record: the user may open it once they have said why.
    NeedsReason,
    /// A sealed record the user may not know exists: answer as if there were none.
    Hidden,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    fn child() -> ChildFacts {
        ChildFacts {
            child: PersonId(7),
            allocated_worker: Some(WorkerId(1)),
            associated_workers: vec![WorkerId(2)],
            teams: vec![TeamId(10)],
            localities: vec![LocalityId(3)],
            services: vec![Service::EarlyHelp],
            restriction: None,
        }
    }

    fn viewer(role: Role) -> Viewer {
        Viewer {
            role,
            ..Viewer::default()
        }
    }

    #[test]
    fn administrators_and_analysts_cannot_open_case_records() {
        let p = AccessPolicy::default();
        assert!(!p.holds(Role::SystemAdministrator, Permission::ViewChildRecord));
        assert!(!p.holds(Role::PerformanceAnalyst, Permission::ViewChildRecord));
        assert!(!p.holds(Role::PartnerProfessional, Permission::SearchPeople));
        assert!(p.holds(Role::SocialWorker, Permission::ViewChildRecord));
        let d = p.decide(
            &viewer(Role::SystemAdministrator),
            Permission::ViewChildRecord,
            &child(),
            now(),
        );
        assert!(matches!(d, Decision::Denied(ref r) if r.contains("System administrator")));
    }

    #[test]
    fn scopes_reach_as_far_as_they_say() {
        let mut p = AccessPolicy::default();
        let c = child();
        let check =
            |p: &AccessPolicy, v: &Viewer| p.decide(v, Permission::ViewChildRecord, &c, now());
        for (scope, v, allowed) in [
            (
                Scope::Own,
                Viewer {
                    worker: Some(WorkerId(9)),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                false,
            ),
            (
                Scope::Team,
                Viewer {
                    team: Some(TeamId(10)),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                true,
            ),
            (
                Scope::Team,
                Viewer {
                    team: Some(TeamId(11)),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                false,
            ),
            (
                Scope::Locality,
                Viewer {
                    locality: Some(LocalityId(3)),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                true,
            ),
            (
                Scope::Locality,
                Viewer {
                    locality: Some(LocalityId(4)),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                false,
            ),
            (
                Scope::Service,
                Viewer {
                    service: Some(Service::EarlyHelp),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                true,
            ),
            (
                Scope::Service,
                Viewer {
                    service: Some(Service::Safeguarding),
                    ..viewer(Role::EarlyHelpKeyworker)
                },
                false,
            ),
            (Scope::All, viewer(Role::EarlyHelpKeyworker), true),
        ] {
            p.roles
                .entry(Role::EarlyHelpKeyworker)
                .or_default()
                .insert(Permission::ViewChildRecord, scope);
            let d = check(&p, &v);
            assert_eq!(
                matches!(d, Decision::Allowed(Basis::Scope(s)) if s == scope),
                allowed,
                "{scope:?} {v:?}: {d:?}"
            );
            if !allowed {
                assert!(
                    matches!(d, Decision::Denied(ref r) if r.contains(scope.label())),
                    "{d:?}"
                );
            }
        }
    }

    #[test]
    fn relationships_open_the_record_at_the_narrowest_scope() {
        let mut p = AccessPolicy::default();
        p.roles
            .entry(Role::SocialWorker)
            .or_default()
            .insert(Permission::ViewChildRecord, Scope::Own);
        let c = child();
        let at = |w: i64| Viewer {
            worker: Some(WorkerId(w)),
            ..viewer(Role::SocialWorker)
        };
        assert_eq!(
            p.decide(&at(1), Permission::ViewChildRecord, &c, now()),
            Decision::Allowed(Basis::Allocated)
        );
        assert_eq!(
            p.decide(&at(2), Permission::ViewChildRecord, &c, now()),
            Decision::Allowed(Basis::Associated)
        );
        assert!(matches!(
            p.decide(&at(3), Permission::ViewChildRecord, &c, now()),
            Decision::Denied(_)
        ));
        // A role without the permission gains nothing from being allocated.
        let admin = Viewer {
            worker: Some(WorkerId(1)),
            ..viewer(Role::SystemAdministrator)
        };
        assert!(matches!(
            p.decide(&admin, Permission::ViewChildRecord, &c, now()),
            Decision::Denied(_)
        ));
    }

    #[test]
    fn temporary_grants_open_one_record_until_they_end() {
        let p = AccessPolicy::default();
        let grant = |child: i64, hours: i64, revoked: bool| AccessGrant {
            id: 5,
            child: PersonId(child),
            from: now() - chrono::Duration::hours(1),
            until: now() + chrono::Duration::hours(hours),
            revoked,
        };
        let admin = |g: AccessGrant| Viewer {
            grants: vec![g],
            ..viewer(Role::SystemAdministrator)
        };
        let c = child();
        assert!(matches!(
            p.decide(
                &admin(grant(7, 2, false)),
                Permission::ViewChildRecord,
                &c,
                now()
            ),
            Decision::Allowed(Basis::Grant { id: 5, .. })
        ));
        for g in [grant(7, 0, false), grant(7, 2, true), grant(8, 2, false)] {
            assert!(
                matches!(
                    p.decide(&admin(g.clone()), Permission::ViewChildRecord, &c, now()),
                    Decision::Denied(_)
                ),
                "{g:?}"
            );
        }
        // A grant opens the record only, not its access log.
        assert!(matches!(
            p.decide(
                &admin(grant(7, 2, false)),
                Permission::ViewRecordAccessLog,
                &c,
                now()
            ),
            Decision::Denied(_)
        ));
    }

    #[test]
    fn restricted_records_need_a_reason_and_sealed_ones_are_hidden() {
        let p = AccessPolicy::default();
        let restricted = ChildFacts {
            restriction: Some(RestrictionKind::Restricted),
            ..child()
        };
        let sw = |w: i64| Viewer {
            worker: Some(WorkerId(w)),
            ..viewer(Role::SocialWorker)
        };
        let open = |v: &Viewer, c: &ChildFacts| p.decide(v, Permission::ViewChildRecord, c, now());
        assert_eq!(open(&sw(9), &restricted), Decision::NeedsReason);
        let mut with_reason = sw(9);
        with_reason.reasons_given.push(PersonId(7));
        assert_eq!(
            open(&with_reason, &restricted),
            Decision::Allowed(Basis::Scope(Scope::All))
        );
        assert_eq!(
            open(&sw(1), &restricted),
            Decision::Allowed(Basis::Allocated),
            "the allocated worker needs no reason"
        );
        assert_eq!(
            open(&sw(2), &restricted),
            Decision::Allowed(Basis::Associated)
        );
        // The access log of a restricted record needs no reason (it shows who looked, not what).
        assert!(matches!(
            p.decide(
                &viewer(Role::InformationGovernance),
                Permission::ViewRecordAccessLog,
                &restricted,
                now()
            ),
            Decision::Allowed(_)
        ));
        let sealed = ChildFacts {
            restriction: Some(RestrictionKind::Sealed),
            ..child()
        };
        assert_eq!(
            open(&sw(1), &sealed),
            Decision::Hidden,
            "even the allocated worker"
        );
        assert_eq!(
            open(&viewer(Role::FrontDoorPractitioner), &sealed),
            Decision::Hidden
        );
        assert!(matches!(
            open(&viewer(Role::InformationGovernance), &sealed),
            Decision::Allowed(_)
        ));
    }

    /// Issue 6, items 4, 5 and 8: the one rule for showing a protected person beside someone
    /// else (family panels, shared addresses, work lists, subject access packs).
    #[test]
    fn protected_people_are_named_only_or_hidden_beside_others() {
        let p = AccessPolicy::default();
        let restricted = ChildFacts {
            restriction: Some(RestrictionKind::Restricted),
            ..child()
        };
        let sealed = ChildFacts {
            restriction: Some(RestrictionKind::Sealed),
            ..child()
        };
        let sw = |w: i64| Viewer {
            worker: Some(WorkerId(w)),
            ..viewer(Role::SocialWorker)
        };
        assert_eq!(
            p.disclose(&sw(9), &child(), now()),
            Disclosure::Full { reveal: None }
        );
        assert_eq!(p.disclose(&sw(9), &restricted, now()), Disclosure::NameOnly);
        assert_eq!(
            p.disclose(&sw(1), &restricted, now()),
            Disclosure::Full {
                reveal: Some(Basis::Allocated)
            },
            "the allocated worker sees it, and the sight is logged"
        );
        let mut with_reason = sw(9);
        with_reason.reasons_given.push(PersonId(7));
        assert!(p.disclose(&with_reason, &restricted, now()).full());
        // Out of scope: the name only, never more.
        assert_eq!(
            p.disclose(&viewer(Role::PartnerProfessional), &restricted, now()),
            Disclosure::NameOnly
        );
        assert!(p.disclose(&sw(1), &sealed, now()).hidden());
        assert!(
            p.disclose(&viewer(Role::InformationGovernance), &sealed, now())
                .full()
        );
    }

    /// Issue 6, item 8: recording consent and preparing a subject access pack on a restricted
    /// record need the stated reason, like opening it; its access log does not.
    #[test]
    fn exporting_or_recording_consent_on_a_restricted_record_needs_a_reason() {
        let p = AccessPolicy::default();
        let restricted = ChildFacts {
            restriction: Some(RestrictionKind::Restricted),
            ..child()
        };
        let ig = viewer(Role::InformationGovernance);
        assert_eq!(
            p.decide(&ig, Permission::ExportSubjectAccess, &restricted, now()),
            Decision::NeedsReason
        );
        assert_eq!(
            p.decide(
                &viewer(Role::SocialWorker),
                Permission::RecordConsent,
                &restricted,
                now()
            ),
            Decision::NeedsReason
        );
        let mut ig_reason = ig.clone();
        ig_reason.reasons_given.push(PersonId(7));
        assert!(matches!(
            p.decide(
                &ig_reason,
                Permission::ExportSubjectAccess,
                &restricted,
                now()
            ),
            Decision::Allowed(_)
        ));
        assert!(matches!(
            p.decide(&ig, Permission::ManageRestrictions, &restricted, now()),
            Decision::Allowed(_)
        ));
    }

    /// The `record_*` family: one permission per family of events, each about records (its
    /// scope limits the children), each reaching case records; no policy can give one to an
    /// administrator or an analyst; the defaults give the front door its own, early help its
    /// locality's, social workers their team's, and corrections to managers only.
    #[test]
    fn recording_is_one_family_scoped_like_a_record_read() {
        for c in EventCategory::ALL {
            let p = Permission::to_record(c);
            assert_eq!(p.records(), Some(c));
            assert!(p.as_str().starts_with("record_"), "{}", p.as_str());
            assert!(p.is_about_records() && p.reaches_case_records() && p.reveals_the_record());
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            for role in [Role::SystemAdministrator, Role::PerformanceAnalyst] {
                let text = format!(
                    r#"{{"roles": {{"{}": {{"{}": "all"}}}}}}"#,
                    role.as_str(),
                    p.as_str()
                );
                let e = AccessPolicy::from_json(&text).unwrap_err().to_string();
                assert!(e.contains("never write in a case record"), "{e}");
            }
        }
        assert_eq!(Permission::RecordConsent.records(), None);
        let d = AccessPolicy::default();
        let scope = |r, c| d.scope(r, Permission::to_record(c));
        use EventCategory as C;
        assert_eq!(
            scope(Role::FrontDoorPractitioner, C::FrontDoor),
            Some(Scope::All)
        );
        assert_eq!(scope(Role::FrontDoorPractitioner, C::ChildProtection), None);
        assert_eq!(
            scope(Role::EarlyHelpKeyworker, C::EarlyHelp),
            Some(Scope::Locality)
        );
        assert_eq!(
            scope(Role::SocialWorker, C::ChildProtection),
            Some(Scope::Team)
        );
        assert_eq!(scope(Role::SocialWorker, C::Correction), None);
        assert_eq!(scope(Role::TeamManager, C::Correction), Some(Scope::Team));
        assert_eq!(
            scope(Role::IndependentReviewingOfficer, C::LookedAfter),
            Some(Scope::All)
        );
        for r in [
            Role::PerformanceAnalyst,
            Role::PartnerProfessional,
            Role::InformationGovernance,
            Role::SystemAdministrator,
        ] {
            assert!(
                EventCategory::ALL.iter().all(|c| scope(r, *c).is_none()),
                "{r:?} records nothing"
            );
        }
    }

    #[test]
    fn an_authority_can_change_roles_but_not_the_fixed_rules() {
        let p = AccessPolicy::from_json(
            r#"{"roles": {"early_help_keyworker": {"view_my_work": "own", "view_child_record": "service"}}}"#,
        )
        .unwrap();
        assert_eq!(
            p.scope(Role::EarlyHelpKeyworker, Permission::ViewChildRecord),
            Some(Scope::Service)
        );
        assert!(
            !p.holds(Role::EarlyHelpKeyworker, Permission::SearchPeople),
            "a named role is replaced whole"
        );
        assert!(!AccessPolicy::default().requires_second_factor(Role::SystemAdministrator));
        let mfa = AccessPolicy::from_json(r#"{"require_second_factor": ["system_administrator"]}"#)
            .unwrap();
        assert!(mfa.requires_second_factor(Role::SystemAdministrator));
        assert!(!mfa.requires_second_factor(Role::SocialWorker));
        assert_eq!(
            p.permissions(Role::SocialWorker),
            AccessPolicy::default().permissions(Role::SocialWorker)
        );
        for (text, says) in [
            (r#"{"roles": {"wizard": {}}}"#, "unknown role \"wizard\""),
            (
                r#"{"roles": {"social_worker": {"fly": "all"}}}"#,
                "role social_worker: unknown permission \"fly\"",
            ),
            (
                r#"{"roles": {"social_worker": {"view_child_record": "galaxy"}}}"#,
                "unknown scope \"galaxy\"",
            ),
            (
                r#"{"roles": {"system_administrator": {"view_child_record": "all"}}}"#,
                "temporary, audited grant",
            ),
            (
                r#"{"roles": {"performance_analyst": {"view_child_record": "own"}}}"#,
                "temporary, audited grant",
            ),
            (r#"{"rules": {}}"#, "not a policy file"),
            (
                r#"{"require_second_factor": ["wizard"]}"#,
                "require_second_factor: unknown role",
            ),
            ("not json", "not a policy file"),
        ] {
            let e = AccessPolicy::from_json(text).unwrap_err();
            assert!(e.to_string().contains(says), "{text}: {e}");
        }
    }

    /// Issue 6 item 2: an administrator could make an information-governance account and use
    /// it. Every role that reaches case records (under the defaults: all but administrators and
    /// analysts) needs a second person's approval; only information governance approves, and
    /// no authority can give administrators that permission.
    #[test]
    fn roles_that_reach_case_records_need_approval_and_only_governance_approves() {
        let policy = AccessPolicy::default();
        for r in Role::ALL {
            let expected = !matches!(r, Role::SystemAdministrator | Role::PerformanceAnalyst);
            assert_eq!(r.reaches_case_records(&policy), expected, "{r:?}");
            assert_eq!(
                policy.holds(r, Permission::ApproveAccounts),
                r == Role::InformationGovernance,
                "{r:?}"
            );
            assert_eq!(
                r.governs_access(&policy),
                r == Role::InformationGovernance,
                "{r:?}"
            );
        }
        // Every permission about records reaches them, and so do the ones named in the rule.
        for p in Permission::ALL {
            if p.is_about_records() {
                assert!(p.reaches_case_records(), "{p:?}");
            }
        }
        for p in [
            Permission::GrantAccess,
            Permission::ManageRestrictions,
            Permission::ViewSealedRecords,
            Permission::ExportSubjectAccess,
            Permission::ViewUserActivity,
            Permission::ApproveAccounts,
        ] {
            assert!(p.reaches_case_records(), "{p:?}");
        }
        // The rule follows the policy in force: an analyst given a record permission needs
        // approval too.
        let wider = AccessPolicy::from_json(
            r#"{"roles": {"performance_analyst": {"search_people": "all"}}}"#,
        )
        .unwrap();
        assert!(Role::PerformanceAnalyst.reaches_case_records(&wider));
        let e = AccessPolicy::from_json(
            r#"{"roles": {"system_administrator": {"approve_accounts": "all"}}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("approve_accounts"), "{e}");
        assert_eq!(
            Permission::parse("approve_accounts"),
            Some(Permission::ApproveAccounts)
        );
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn every_team_kind_belongs_to_a_service() {
        for k in TeamKind::ALL {
            let _ = Service::of_team(k).label();
        }
        assert_eq!(
            Service::of_team(TeamKind::CareLeavers),
            Service::CorporateParenting
        );
    }

    /// Pins who may do what by default. A change to the default policy fails here until the
    /// golden file is updated in the same change (`STEPWISE_BLESS=1 cargo test -p
    /// stepwise-domain default_policy`), so reviewers see every widening or narrowing of access.
    #[test]
    fn the_default_policy_matches_its_golden_file() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/golden/default-access-policy.txt"
        );
        let now = AccessPolicy::default().describe();
        if std::env::var_os("STEPWISE_BLESS").is_some() {
            std::fs::write(path, &now).unwrap();
        }
        let pinned = std::fs::read_to_string(path).unwrap();
        let was: Vec<&str> = pinned.lines().collect();
        let is: Vec<&str> = now.lines().collect();
        let gone: Vec<_> = was.iter().filter(|l| !is.contains(l)).collect();
        let new: Vec<_> = is.iter().filter(|l| !was.contains(l)).collect();
        assert!(
            now == pinned,
            "the default access policy changed (lines gone: {gone:?}; lines new: {new:?}): review it, then update {path} (STEPWISE_BLESS=1)"
        );
    }
}
