//! Recording casework: the pattern every capability that writes to a child's journey follows.
//!
//! 1. The handler reads a form (`pages::casework`) or JSON (`casework_api`) into a domain
//!    command (`stepwise_domain::commands`). Input that cannot even be read (a date that does
//!    not exist) is a field error here.
//! 2. [`record_command`] checks the command on its own (`Command::into_event`), then checks the
//!    `record_*` permission for each family of events it touches (the command's, the event's,
//!    and for a correction the corrected entry's) against the child, as any record read is
//!    checked (scope, restrictions, sealing; refusals audited), and hands the new event to
//!    `Journeys::record`, which stamps time and author, checks the history and commits the event
//!    with its audit row.
//! 3. The page redirects to the entry on the record, or shows the form again with what to fix;
//!    the API answers 201 with the recorded entry, 422 with the fields, or 409 with the rule.

use stepwise_domain::access::Permission;
use stepwise_domain::commands::Command;
use stepwise_domain::events::{EventCategory, JourneyEvent};
use stepwise_domain::ids::PersonId;
use stepwise_store::StoreError;

use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// Why a command was not recorded.
#[derive(Debug)]
pub enum Refusal {
    /// Fields to put right, by name (the form shows each beside its field).
    Fields(Vec<(String, String)>),
    /// Anything else: not allowed, not found, a journey rule, the database busy.
    Web(WebError),
}

impl From<WebError> for Refusal {
    fn from(e: WebError) -> Self {
        Self::Web(e)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Self::Web(e.into())
    }
}

impl From<Refusal> for WebError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Fields(f) => WebError::Invalid(f),
            Refusal::Web(e) => e,
        }
    }
}

/// Checks and records a command for a child, as `user`. The one write path for casework.
pub async fn record_command<C: Command>(
    state: &AppState,
    user: &CurrentUser,
    child: PersonId,
    cmd: C,
) -> Result<JourneyEvent, Refusal> {
    let family = cmd.category();
    let actor = user.actor();
    let rid = current_request_id();
    let reader = user.reader(&actor, &state.config.policy);
    // The command's own permission first: nothing about the record is looked at before it.
    state
        .store
        .people()
        .check_record_access(&reader, &rid, child, Permission::to_record(family))
        .await?;
    let new = cmd.into_event(child, state.today()).map_err(|i| {
        Refusal::Fields(
            i.0.into_iter()
                .map(|e| (e.field.to_string(), e.message))
                .collect(),
        )
    })?;
    let mut families: Vec<EventCategory> = vec![new.kind.category()];
    if let Some(s) = &new.supersedes {
        match state.store.journeys().event_family(child, s.event).await? {
            Some((f, _)) => families.push(f),
            None => {
                return Err(Refusal::Fields(vec![(
                    "event".to_string(),
                    format!("There is no entry {} in this record", s.event),
                )]));
            }
        }
    }
    families.retain(|f| *f != family);
    families.sort_by_key(|f| f.as_str());
    families.dedup();
    for f in families {
        state
            .store
            .people()
            .check_record_access(&reader, &rid, child, Permission::to_record(f))
            .await?;
    }
    Ok(state.store.journeys().record(&actor, &rid, new).await?)
}

/// Whether `user` may record events of a family for this child, without auditing (to decide
/// which recording links a page shows; recording itself is checked and audited).
pub async fn may_record(
    state: &AppState,
    user: &CurrentUser,
    child: PersonId,
    family: EventCategory,
) -> Result<bool, WebError> {
    let p = Permission::to_record(family);
    if !user.holds(p) {
        return Ok(false);
    }
    let actor = user.actor();
    Ok(matches!(
        state
            .store
            .people()
            .record_decision(&user.reader(&actor, &state.config.policy), child, p)
            .await?,
        stepwise_domain::access::Decision::Allowed(_)
    ))
}
