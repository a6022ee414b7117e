//! The store's capabilities. `Store` itself only opens the database and holds what every part
//! shares (the pool, the clock, the audit key and writer, the caches); what the application does
//! with the database is reached through one view per capability, each in its own modules:
//!
//! | view | modules | what it holds |
//! |---|---|---|
//! | [`Journeys`] | `events`, `snapshot`, `bulk`, `pseudonymised` | the append-only journey log: recording an event, reading a child's log and state, the whole-log snapshot, the analysts' pseudonymised extract, loading a generated council |
//! | [`People`] | `people`, `records` | people and their records: search, the child's record with its audited opening, My work and team lists, what may be disclosed |
//! | [`Organisation`] | `org` | the authority, its localities, teams and workers, caseload figures |
//! | [`Accounts`] | `sessions`, `identity` | users, sign-in, sessions, second factors, set-up links, drafts, single sign-on links |
//! | [`AuditLog`] | `audit` | recording audit entries, reading them, verifying the chain and its checkpoint |
//! | [`Governance`] | `access`, `consent`, `retention`, `subject_access` | restricted and sealed records, grants, stated reasons, consent, retention decisions, subject access packs |
//! | [`FrontDoor`] | `contacts` | contacts received (and the people they add), screening steps, partner checks, decisions and their routing, the queue |
//!
//! A view is a borrowed handle (`store.journeys().record(…)`), free to make. It dereferences to the
//! `Store` so that a capability's code reaches the shared parts (`self.pool`, `self.write()`,
//! `self.now()`) and the other capabilities (`self.audit_log()`) the same way; the audited-write
//! helper (`Store::write`) and the audit writer stay on the `Store`, shared by all. A new
//! capability (the front door, Family Help) adds a view here, its own modules, and an accessor
//! below; `docs/architecture.md` walks through it.

use crate::Store;

macro_rules! capability {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name<'a> {
            store: &'a Store,
        }

        impl std::ops::Deref for $name<'_> {
            type Target = Store;
            fn deref(&self) -> &Store {
                self.store
            }
        }

        impl Store {
            $(#[$doc])*
            pub fn $accessor(&self) -> $name<'_> {
                $name { store: self }
            }
        }
    };
}

capability!(
    /// The journey event log: recording, reading a child's log and state, the whole-log snapshot.
    Journeys,
    journeys
);
capability!(
    /// People and their records: search, the child's record, My work and team lists.
    People,
    people
);
capability!(
    /// The authority, its localities, teams and workers.
    Organisation,
    organisation
);
capability!(
    /// Users, sign-in, sessions, second factors, set-up links, drafts and single sign-on links.
    Accounts,
    accounts
);
capability!(
    /// The keyed, hash-chained audit log: recording entries, reading and verifying them.
    AuditLog,
    audit_log
);
capability!(
    /// Restricted and sealed records, grants, reasons, consent, retention and subject access.
    Governance,
    governance
);
capability!(
    /// The front door: contacts received, screened and decided, and the queue.
    FrontDoor,
    front_door
);
