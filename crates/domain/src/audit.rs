//! What the audit log records, as types: every action Stepwise writes to the log (`AuditAction`,
//! one stored label and one plain-English description each) and what it was done to
//! (`AuditSubject`). The stored labels are the strings rows have always held, so old rows read
//! back into these types and the log's keyed hashes, computed over the stored strings, do not
//! change. A row written by a later version with a label this one does not know reads back as
//! `RecordedAction::Unknown` and shows as its label.

use std::borrow::Cow;
use std::fmt;

use crate::ids::{PersonId, UserId, local_person_id};

macro_rules! audit_actions {
    ($( $(#[$doc:meta])* $variant:ident = $label:literal, $words:literal; )*) => {
        /// An action recorded in the audit log.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $( $(#[$doc])* $variant, )*
        }

        impl AuditAction {
            /// Every action, in the order declared.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            /// The label stored in the log (never changed once rows hold it).
            pub fn label(self) -> &'static str {
                match self { $( Self::$variant => $label, )* }
            }

            /// The action in plain words, as the pages show it.
            pub fn describe(self) -> &'static str {
                match self { $( Self::$variant => $words, )* }
            }

            /// The action whose stored label is `label`, if this version knows it.
            pub fn from_label(label: &str) -> Option<Self> {
                match label { $( $label => Some(Self::$variant), )* _ => None }
            }
        }
    };
}

audit_actions! {
    /// A child's record was opened.
    RecordView = "record.view", "Opened the record";
    /// A partner agency opened what the family consented to share.
    RecordViewShared = "record.view.shared", "Opened the shared summary";
    /// An analyst opened a pseudonymised record.
    RecordViewPseudonymised = "record.view.pseudonymised", "Opened the pseudonymised record";
    /// Opening a record was refused.
    RecordDenied = "record.denied", "Refused access";
    /// Someone looked at who has seen a record.
    RecordAccessLog = "record.access_log", "Looked at who has seen the record";
    /// A reason was given to open a restricted record.
    RecordReason = "record.reason", "Gave a reason to open the restricted record";
    /// A record's details were shown beside another record.
    RecordReveal = "record.reveal", "Saw the record's details beside another record";
    /// People were shown on a list.
    RecordList = "record.list", "Saw the person on a list";
    /// A record was exported (a subject access pack).
    RecordExport = "record.export", "Exported the record";
    /// A temporary grant of access was made.
    GrantCreate = "grant.create", "Granted temporary access";
    /// A temporary grant was revoked.
    GrantRevoke = "grant.revoke", "Revoked temporary access";
    /// A record was restricted or sealed.
    RestrictionSet = "restriction.set", "Protected the record";
    /// A restriction was lifted.
    RestrictionLift = "restriction.lift", "Lifted the restriction";
    /// Someone reviewed the openings of restricted records.
    RestrictedReview = "restricted.review", "Reviewed openings of restricted records";
    /// A search for people.
    Search = "search", "Searched";
    /// A sign-in.
    SignIn = "signin", "Signed in";
    /// A sign-in failed.
    SignInFailed = "signin.failed", "Failed to sign in";
    /// Sign-in attempts were held back after repeated failures.
    SignInThrottled = "signin.throttled", "Sign-in held back after repeated failures";
    /// A sign-in waited for an account's approval.
    SignInAwaitingApproval = "signin.awaiting_approval", "Tried to sign in before the account was approved";
    /// A second factor was given at sign-in.
    SignInSecondFactor = "signin.second_factor", "Gave the second factor";
    /// A wrong second-factor code was given.
    SignInSecondFactorFailed = "signin.second_factor_failed", "Gave a wrong second-factor code";
    /// Second-factor attempts were held back after repeated failures.
    SignInSecondFactorThrottled = "signin.second_factor_throttled", "Second-factor codes held back after repeated failures";
    /// A sign-out.
    SignOut = "signout", "Signed out";
    /// A person signed out of every session.
    SignOutEverywhere = "signout.everywhere", "Signed out everywhere";
    /// A page was refused.
    AccessDenied = "access.denied", "Refused a page";
    /// A form was refused because its CSRF token did not match.
    CsrfRejected = "csrf.rejected", "Form refused (CSRF)";
    /// Someone looked at a user's activity.
    UserActivity = "user.activity", "Looked at a user's activity";
    /// An account was added.
    UserAdd = "user.add", "Added an account";
    /// An account was made or updated from the command line.
    UserUpsert = "user.upsert", "Made an account (command line)";
    /// A set-up link was issued.
    UserSetupLink = "user.setup_link", "Issued a set-up link";
    /// An account holder chose a password through a set-up link.
    UserSetup = "user.setup", "Set their password (set-up link)";
    /// An account was approved.
    UserApprove = "user.approve", "Approved an account";
    /// An account was refused.
    UserRefuse = "user.refuse", "Refused an account";
    /// An account was disabled.
    UserDisable = "user.disable", "Disabled an account";
    /// An account was enabled.
    UserEnable = "user.enable", "Enabled an account";
    /// An account was linked to the identity provider.
    UserOidcLinked = "user.oidc.linked", "Linked the account to the council's sign-in";
    /// An API token was made for an account.
    ApiTokenCreated = "api_token.created", "Made an API token";
    /// An API token was revoked.
    ApiTokenRevoked = "api_token.revoked", "Revoked an API token";
    /// A password was changed.
    PasswordChange = "password.change", "Changed their password";
    /// A password change was refused.
    PasswordChangeRefused = "password.change_refused", "Password change refused";
    /// A second factor was reset by an administrator.
    SecondFactorReset = "second_factor.reset", "Reset a second factor";
    /// A second factor was set up.
    SecondFactorEnrolled = "second_factor.enrolled", "Set up a second factor";
    /// Replacing a second factor began.
    SecondFactorReplacing = "second_factor.replacing", "Began replacing their second factor";
    /// A second factor was replaced.
    SecondFactorReplaced = "second_factor.replaced", "Replaced their second factor";
    /// Replacing a second factor was refused.
    SecondFactorReplaceRefused = "second_factor.replace_refused", "Second factor replacement refused";
    /// A journey event was recorded.
    EventRecord = "event.record", "Recorded an event";
    /// A contact was received at the front door (one row for each child it names).
    ContactReceived = "contact.received", "Received a contact";
    /// A person was added to the record by a contact that named someone not yet on it.
    PersonCreated = "person.created", "Added a person to the record";
    /// A contact was opened on the front door's pages or through the API.
    ContactView = "contact.view", "Opened a contact";
    /// A contact was rated, or a partner check was requested or answered.
    ContactStep = "contact.step", "Screened a contact";
    /// A decision that needs a manager's authorisation was proposed.
    ContactDecisionProposed = "contact.decision_proposed", "Proposed a front-door decision";
    /// A contact was decided and routed (one row for each child).
    ContactDecided = "contact.decided", "Decided a contact";
    /// A family's consent to share was recorded.
    ConsentRecord = "consent.record", "Recorded consent to share";
    /// Consent to share was withdrawn.
    ConsentWithdraw = "consent.withdraw", "Withdrew consent to share";
    /// A retention decision was made.
    RetentionDecision = "retention.decision", "Decided what happens to the record at the end of its retention";
    /// The disposal queue was reviewed.
    RetentionReview = "retention.review", "Reviewed the disposal queue";
    /// A form sent after its session ended was kept as a draft.
    FormDraftKept = "form.draft.kept", "Kept a form sent after the session ended";
    /// A kept draft was sent.
    FormDraftSent = "form.draft.sent", "Sent a kept form";
    /// A kept draft was discarded.
    FormDraftDiscarded = "form.draft.discarded", "Discarded a kept form";
    /// One table of a bulk load.
    BulkLoad = "bulk.load", "Loaded a table";
    /// A bulk load finished.
    BulkLoadComplete = "bulk.load.complete", "Finished loading the authority";
    /// The audit head was keyed.
    AuditHeadKeyed = "audit.head.keyed", "Keyed the audit log's head";
}

impl AuditAction {
    /// A refusal or failure, which the pages mark in red.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            Self::RecordDenied
                | Self::AccessDenied
                | Self::CsrfRejected
                | Self::SignInFailed
                | Self::SignInSecondFactorFailed
        )
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An action as a stored row holds it: one this version knows, or a label from another version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordedAction {
    Known(AuditAction),
    /// A label this version does not know (written by a later one): shown as it is.
    Unknown(String),
}

impl RecordedAction {
    /// Reads a stored label; never fails.
    pub fn parse(label: &str) -> Self {
        match AuditAction::from_label(label) {
            Some(a) => Self::Known(a),
            None => Self::Unknown(label.to_string()),
        }
    }
    /// The stored label, exactly as the row holds it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(a) => a.label(),
            Self::Unknown(s) => s,
        }
    }
    /// Plain words for the pages (an unknown label shows as itself).
    pub fn describe(&self) -> &str {
        match self {
            Self::Known(a) => a.describe(),
            Self::Unknown(s) => s,
        }
    }
    /// The known action, if it is one.
    pub fn known(&self) -> Option<AuditAction> {
        match self {
            Self::Known(a) => Some(*a),
            Self::Unknown(_) => None,
        }
    }
    /// A refusal or failure, which the pages mark in red.
    pub fn is_refusal(&self) -> bool {
        self.known().is_some_and(AuditAction::is_refusal)
    }
}

impl From<AuditAction> for RecordedAction {
    fn from(a: AuditAction) -> Self {
        Self::Known(a)
    }
}

impl PartialEq<AuditAction> for RecordedAction {
    fn eq(&self, other: &AuditAction) -> bool {
        self.known() == Some(*other)
    }
}

impl PartialEq<str> for RecordedAction {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RecordedAction {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for RecordedAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RecordedAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What an audited action was done to. The stored form (`Display`) is the string rows have
/// always held: `person:12`, `user:3`, `route:/grants`, `people`, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuditSubject {
    /// A person's record (grants, restrictions, consent and retention are recorded on it).
    Person(PersonId),
    /// A user account (and its sessions, second factor and drafts).
    User(UserId),
    /// The name typed at sign-in, which may not be an account.
    Username(String),
    /// A list of people shown on a page.
    List(String),
    /// A table filled by a bulk load.
    Table(String),
    /// A page (its path).
    Route(String),
    /// The whole authority.
    Authority,
    /// The audit log itself.
    Audit,
    /// A search of people.
    People,
    /// The disposal queue.
    DisposalQueue,
    /// The review of openings of restricted records.
    RestrictedOpenings,
    /// Sign-in through the identity provider.
    Oidc,
    /// Anything else a row holds (from another version): shown as it is.
    Other(String),
}

impl AuditSubject {
    /// Reads a stored subject; never fails. A string that would not be written back byte for
    /// byte as it was (`person:012`) stays as it is, so the hashes over it still hold.
    pub fn parse(stored: &str) -> Self {
        let typed = match stored.split_once(':') {
            Some(("person", n)) => n.parse().ok().map(|n| Self::Person(PersonId(n))),
            Some(("user", n)) => n.parse().ok().map(|n| Self::User(UserId(n))),
            Some(("username", u)) => Some(Self::Username(u.to_string())),
            Some(("list", l)) => Some(Self::List(l.to_string())),
            Some(("table", t)) => Some(Self::Table(t.to_string())),
            Some(("route", r)) => Some(Self::Route(r.to_string())),
            Some(_) => None,
            None => match stored {
                "authority" => Some(Self::Authority),
                "audit" => Some(Self::Audit),
                "people" => Some(Self::People),
                "disposal-queue" => Some(Self::DisposalQueue),
                "restricted-openings" => Some(Self::RestrictedOpenings),
                "oidc" => Some(Self::Oidc),
                _ => None,
            },
        };
        match typed {
            Some(t) if t.stored() == stored => t,
            _ => Self::Other(stored.to_string()),
        }
    }

    /// The form stored in the log.
    pub fn stored(&self) -> Cow<'_, str> {
        match self {
            Self::Person(p) => Cow::Owned(format!("person:{}", p.0)),
            Self::User(u) => Cow::Owned(format!("user:{u}")),
            Self::Username(u) => Cow::Owned(format!("username:{u}")),
            Self::List(l) => Cow::Owned(format!("list:{l}")),
            Self::Table(t) => Cow::Owned(format!("table:{t}")),
            Self::Route(r) => Cow::Owned(format!("route:{r}")),
            Self::Authority => Cow::Borrowed("authority"),
            Self::Audit => Cow::Borrowed("audit"),
            Self::People => Cow::Borrowed("people"),
            Self::DisposalQueue => Cow::Borrowed("disposal-queue"),
            Self::RestrictedOpenings => Cow::Borrowed("restricted-openings"),
            Self::Oidc => Cow::Borrowed("oidc"),
            Self::Other(s) => Cow::Borrowed(s),
        }
    }

    /// The subject in plain words, as the pages show it.
    pub fn describe(&self) -> String {
        match self {
            Self::Person(p) => format!("record {}", local_person_id(*p)),
            Self::User(u) => format!("account {u}"),
            Self::Username(u) => format!("sign-in as {u}"),
            Self::List(l) => format!("the list {l}"),
            Self::Table(t) => format!("the {t} table"),
            Self::Route(r) => format!("the page {r}"),
            Self::Authority => "the authority".to_string(),
            Self::Audit => "the audit log".to_string(),
            Self::People => "people".to_string(),
            Self::DisposalQueue => "the disposal queue".to_string(),
            Self::RestrictedOpenings => "openings of restricted records".to_string(),
            Self::Oidc => "the council's sign-in".to_string(),
            Self::Other(s) => s.clone(),
        }
    }

    /// The person, when the subject is a person's record.
    pub fn person(&self) -> Option<PersonId> {
        match self {
            Self::Person(p) => Some(*p),
            _ => None,
        }
    }

    /// The user account, when the subject is one.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Self::User(u) => Some(*u),
            _ => None,
        }
    }
}

impl fmt::Display for AuditSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stored())
    }
}

impl PartialEq<str> for AuditSubject {
    fn eq(&self, other: &str) -> bool {
        self.stored() == other
    }
}

impl PartialEq<&str> for AuditSubject {
    fn eq(&self, other: &&str) -> bool {
        self.stored() == *other
    }
}

impl serde::Serialize for AuditSubject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.stored())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 7, item 3: every stored label, pinned. Rows already in councils' logs hold these
    /// strings; renaming one would leave those rows unread as that action (and the pages would
    /// show the raw label), so a rename must fail here first.
    #[test]
    fn every_stored_label_is_pinned() {
        let pinned = [
            "record.view",
            "record.view.shared",
            "record.view.pseudonymised",
            "record.denied",
            "record.access_log",
            "record.reason",
            "record.reveal",
            "record.list",
            "record.export",
            "grant.create",
            "grant.revoke",
            "restriction.set",
            "restriction.lift",
            "restricted.review",
            "search",
            "signin",
            "signin.failed",
            "signin.throttled",
            "signin.awaiting_approval",
            "signin.second_factor",
            "signin.second_factor_failed",
            "signin.second_factor_throttled",
            "signout",
            "signout.everywhere",
            "access.denied",
            "csrf.rejected",
            "user.activity",
            "user.add",
            "user.upsert",
            "user.setup_link",
            "user.setup",
            "user.approve",
            "user.refuse",
            "user.disable",
            "user.enable",
            "user.oidc.linked",
            "api_token.created",
            "api_token.revoked",
            "password.change",
            "password.change_refused",
            "second_factor.reset",
            "second_factor.enrolled",
            "second_factor.replacing",
            "second_factor.replaced",
            "second_factor.replace_refused",
            "event.record",
            "contact.received",
            "person.created",
            "contact.view",
            "contact.step",
            "contact.decision_proposed",
            "contact.decided",
            "consent.record",
            "consent.withdraw",
            "retention.decision",
            "retention.review",
            "form.draft.kept",
            "form.draft.sent",
            "form.draft.discarded",
            "bulk.load",
            "bulk.load.complete",
            "audit.head.keyed",
        ];
        let labels: Vec<&str> = AuditAction::ALL.iter().map(|a| a.label()).collect();
        assert_eq!(labels, pinned);
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_label(a.label()), Some(*a));
            assert_eq!(RecordedAction::parse(a.label()), *a);
            assert!(!a.describe().is_empty());
            assert_ne!(a.describe(), a.label(), "{a} is described in words");
        }
    }

    #[test]
    fn an_unknown_label_reads_back_as_itself() {
        let future = RecordedAction::parse("referral.triaged");
        assert_eq!(future, RecordedAction::Unknown("referral.triaged".into()));
        assert_eq!(future.as_str(), "referral.triaged");
        assert_eq!(future.describe(), "referral.triaged");
        assert!(!future.is_refusal());
        assert_eq!(
            serde_json::to_string(&future).unwrap(),
            "\"referral.triaged\""
        );
    }

    /// The stored form of a subject is what was stored, byte for byte, so the keyed hash over
    /// a row still holds when it is read back and written out again.
    #[test]
    fn subjects_round_trip_byte_for_byte() {
        for s in [
            "person:12",
            "user:3",
            "username:social.worker",
            "list:my work",
            "table:people",
            "route:/grants",
            "authority",
            "audit",
            "people",
            "disposal-queue",
            "restricted-openings",
            "oidc",
            "person:012",
            "person:x",
            "query:4",
            "",
            "user:",
        ] {
            assert_eq!(AuditSubject::parse(s).to_string(), s, "{s}");
        }
        assert_eq!(
            AuditSubject::parse("person:12"),
            AuditSubject::Person(PersonId(12))
        );
        assert_eq!(
            AuditSubject::parse("person:012"),
            AuditSubject::Other("person:012".into())
        );
        assert_eq!(AuditSubject::parse("user:3").user(), Some(UserId(3)));
        assert_eq!(
            AuditSubject::Person(PersonId(12)).describe(),
            "record P0000012"
        );
    }
}
