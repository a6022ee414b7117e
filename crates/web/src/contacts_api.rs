//! The front door's API (the contract; other teams' systems are built against these
//! names): `POST /api/v1/contacts` acknowledges a contact, `GET /api/v1/contacts?status=awaiting`
//! is the screening queue, `GET /api/v1/contacts/{id}` one contact, and the screening and decision
//! calls under it. The pages (`pages::front_door`) call the same functions here, so a page and the
//! API refuse the same things with the same words and write the same rows.
//!
//! Answers: 201 with what was written; 409 with `candidates` when a new person matches people on
//! the record and `create_new` is not true (or an identifier matched, which `create_new` does not
//! override); 422 with `errors` (`[{"field", "message"}]`) for bad input; a refused call writes
//! nothing.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use stepwise_domain::access::Permission;
use stepwise_domain::contact::{
    Agency, Channel, ConsentStatus, ContactInput, ContactStatus, DecisionInput, RecordedDecision,
    Referrer,
};
use stepwise_domain::people::PersonKind;
use stepwise_domain::projection::Involvement;
use stepwise_domain::screening::Rag;
use stepwise_store::{
    ContactDetail, ContactPerson, Decided, NamedCandidates, QueueItem, ReceivedContact, Refused,
};

use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::matching_api::MatchReason;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// A contact as acknowledged.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactReceipt {
    pub id: i64,
    pub children: Vec<PersonRef>,
    pub adults: Vec<PersonRef>,
    /// The people this contact added to the record.
    pub created: Vec<PersonRef>,
    /// `red`, `amber` or `green`.
    pub rag: Rag,
    /// When the front door must decide by (UTC, RFC 3339), from the rating and the
    /// working-day calendar.
    pub decide_by: DateTime<Utc>,
}

/// A person by key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub person_id: i64,
}

/// People on the record who may be a new person the contact names.
#[derive(Serialize, ToSchema)]
pub struct ContactCandidates {
    pub error: crate::api::ErrorDetail,
    pub candidates: Vec<ContactCandidate>,
}

/// One candidate for one new person.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactCandidate {
    /// Which new person of the contact it may be (`children[0]`, `adults[1]`).
    pub field: String,
    pub person_id: i64,
    pub local_id: String,
    pub name: String,
    pub kind: PersonKind,
    /// 0 to 100.
    pub score: u32,
    /// `certain` (a shared identifier: name them by `person_id`; `create_new` does not
    /// override it) or `likely`.
    pub strength: String,
    /// Why it matched (empty for a restricted record).
    pub reasons: Vec<MatchReason>,
}

/// A person a contact names, as the front door sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPersonJson {
    pub person_id: i64,
    pub local_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// Added to the record by this contact.
    pub created: bool,
    /// On the record before this contact.
    pub known: bool,
    /// What is open for them now.
    pub open: Vec<Involvement>,
    pub allocated_worker: Option<String>,
    /// Other contacts about them in the 12 months before this one.
    pub repeat_contacts: i64,
    /// A restricted record seen by name only.
    pub name_only: bool,
}

impl From<ContactPerson> for ContactPersonJson {
    fn from(p: ContactPerson) -> Self {
        Self {
            person_id: p.person_id,
            local_id: p.local_id,
            name: p.name,
            date_of_birth: p.date_of_birth,
            created: p.created,
            known: p.known,
            open: p.open,
            allocated_worker: p.allocated_worker,
            repeat_contacts: p.repeat_contacts,
            name_only: p.name_only,
        }
    }
}

/// One contact on the screening queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntry {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub decide_by: DateTime<Utc>,
    /// Minutes until it is due (negative when overdue).
    pub minutes_left: i64,
    pub rag: Rag,
    pub status: ContactStatus,
    /// The CIN census referral source code.
    pub source: String,
    pub source_description: String,
    pub agency: String,
    /// The start of the concerns (empty when a child is shown by name only).
    pub concerns: String,
    pub children: Vec<ContactPersonJson>,
    pub checks_outstanding: usize,
    pub next_check_due: Option<DateTime<Utc>>,
}

impl QueueEntry {
    fn of(q: QueueItem, now: DateTime<Utc>) -> Self {
        Self {
            id: q.id,
            received_at: q.received_at,
            decide_by: q.decide_by,
            minutes_left: (q.decide_by - now).num_minutes(),
            rag: q.rag,
            status: q.status,
            source: q.source.as_str().to_string(),
            source_description: q.source.description().to_string(),
            agency: q.agency,
            concerns: q.concerns,
            children: q.children.into_iter().map(Into::into).collect(),
            checks_outstanding: q.checks_outstanding,
            next_check_due: q.next_check_due,
        }
    }
}

/// The screening queue, the contact due first first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactQueue {
    pub contacts: Vec<QueueEntry>,
}

/// A partner check.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckJson {
    pub id: i64,
    pub agency: Agency,
    pub question: String,
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    pub due_at: DateTime<Utc>,
    pub response: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
}

/// A recorded or proposed decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionJson {
    #[serde(flatten)]
    pub decision: RecordedDecision,
    /// The manager who authorised it, where the threshold model required one.
    pub authorised_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One contact, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactJson {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub channel: Channel,
    pub source: String,
    pub source_description: String,
    pub referrer: Referrer,
    pub concerns: String,
    pub consent: ConsentStatus,
    pub consent_basis: String,
    pub rag: Rag,
    pub decide_by: DateTime<Utc>,
    pub status: ContactStatus,
    pub children: Vec<ContactPersonJson>,
    pub adults: Vec<ContactPersonJson>,
    /// People a partner or the public described, still to be matched to the record
    /// (`POST /api/v1/contacts/{id}/people/{ordinal}/match`).
    pub to_match: Vec<ToMatch>,
    pub checks: Vec<CheckJson>,
    /// A decision waiting for a manager's authorisation.
    pub proposal: Option<DecisionJson>,
    pub decision: Option<DecisionJson>,
}

impl From<ContactDetail> for ContactJson {
    fn from(c: ContactDetail) -> Self {
        Self {
            id: c.id,
            received_at: c.received_at,
            recorded_at: c.recorded_at,
            channel: c.channel,
            source: c.source.as_str().to_string(),
            source_description: c.source.description().to_string(),
            referrer: c.referrer,
            concerns: c.concerns,
            consent: c.consent,
            consent_basis: c.consent_basis,
            rag: c.rag,
            decide_by: c.decide_by,
            status: c.status,
            children: c.children.into_iter().map(Into::into).collect(),
            adults: c.adults.into_iter().map(Into::into).collect(),
            to_match: c
                .unmatched
                .into_iter()
                .map(|u| ToMatch {
                    ordinal: u.ordinal,
                    role: u.role,
                    described: u.described,
                })
                .collect(),
            checks: c
                .checks
                .into_iter()
                .map(|k| CheckJson {
                    id: k.id,
                    agency: k.agency,
                    question: k.question,
                    requested_at: k.requested_at,
                    requested_by: k.requested_by,
                    due_at: k.due_at,
                    response: k.response,
                    answered_at: k.answered_at,
                    answered_by: k.answered_by,
                })
                .collect(),
            proposal: c.proposal.map(|decision| DecisionJson {
                decision,
                authorised_by: None,
                decided_at: None,
            }),
            decision: c
                .decision
                .map(|(decision, authorised_by, at)| DecisionJson {
                    decision,
                    authorised_by,
                    decided_at: Some(at),
                }),
        }
    }
}

/// A person described on a contact, to be matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToMatch {
    pub ordinal: i64,
    /// `child` or `adult`.
    pub role: String,
    /// As the referrer gave them.
    pub described: stepwise_domain::contact::PersonInput,
}

/// Who a described person is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchChoice {
    /// Someone on the record; leave out (with `create_new` true) to add them as someone new.
    pub person_id: Option<i64>,
    #[serde(default)]
    pub create_new: bool,
}

/// The person a described person was matched to (or added as).
#[derive(Debug, Serialize, ToSchema)]
pub struct Matched {
    pub person_id: i64,
}

/// Candidates for one described person.
#[derive(Debug, Serialize, ToSchema)]
pub struct DescribedCandidates {
    pub candidates: Vec<ContactCandidate>,
}

/// A contact as the person who sent it sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentJson {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub status: ContactStatus,
    pub children: Vec<SentChild>,
    /// The front door's feedback, once decided.
    pub feedback: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A child on a sent contact, by the name given, with the outcome decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentChild {
    pub name: String,
    pub outcome: Option<stepwise_domain::threshold::Outcome>,
}

/// The contacts a user sent, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SentList {
    pub contacts: Vec<SentJson>,
}

/// What a decision did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResult {
    /// `decided`, or `awaiting_authorisation` when the threshold model needs a manager to
    /// authorise it first (nothing is recorded on the children until then).
    pub status: ContactStatus,
    pub decision: Option<RecordedDecision>,
    /// The journey events the decision recorded, in order.
    pub events: Vec<crate::casework_api::RecordedEntry>,
}

/// Which contacts to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// `awaiting` (every contact not yet decided, the default) or `awaiting_authorisation`.
    pub status: Option<String>,
}

/// A new rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// `red`, `amber` or `green`.
    pub rag: String,
    pub reason: String,
}

/// A partner check to ask for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    /// `police`, `health`, `education`, `probation`, `housing`, `adult_services` or `other`.
    pub agency: String,
    pub question: String,
    /// When the answer is due (RFC 3339); by default an hour before the contact is due.
    pub due_at: Option<String>,
}

/// A partner's answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResponseInput {
    pub response: String,
}

/// A manager's answer to a proposed decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisationInput {
    /// `true` records the decision as proposed; `false` sends it back.
    pub approve: bool,
    /// Why it is sent back (needed when `approve` is false).
    #[serde(default)]
    pub reason: String,
}

/// The id of a step written.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepWritten {
    pub id: i64,
}

/// How a refusal of the front door's store reaches a caller.
pub enum ContactRefusal {
    Candidates(Vec<NamedCandidates>),
    Web(WebError),
}

impl From<Refused> for ContactRefusal {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Fields(f) => Self::Web(WebError::Invalid(
                f.into_iter().map(|e| (e.field, e.message)).collect(),
            )),
            Refused::Candidates(c) => Self::Candidates(c),
            Refused::Store(e) => Self::Web(e.into()),
        }
    }
}

impl From<WebError> for ContactRefusal {
    fn from(e: WebError) -> Self {
        Self::Web(e)
    }
}

impl From<stepwise_store::StoreError> for ContactRefusal {
    fn from(e: stepwise_store::StoreError) -> Self {
        Self::Web(e.into())
    }
}

impl From<ContactRefusal> for WebError {
    fn from(r: ContactRefusal) -> Self {
        match r {
            ContactRefusal::Web(e) => e,
            ContactRefusal::Candidates(_) => WebError::Conflict(
                "people on the record may be the people this contact names".into(),
            ),
        }
    }
}

/// The channel a signed-in user sends contacts through: partners from their own page,
/// everyone else as the front door.
pub fn channel_of(user: &CurrentUser) -> Channel {
    if user.holds(Permission::RecordFrontDoor) {
        Channel::Professional
    } else {
        Channel::Partner
    }
}

/// Checks and acknowledges a contact: the one way in for the form and the API.
pub async fn receive(
    state: &AppState,
    user: &CurrentUser,
    input: ContactInput,
    channel: Channel,
) -> Result<ReceivedContact, ContactRefusal> {
    let contact = input
        .check(state.now())
        .map_err(|i| WebError::Invalid(i.0.into_iter().map(|e| (e.field, e.message)).collect()))?;
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    Ok(state
        .store
        .front_door()
        .receive(
            &reader,
            &current_request_id(),
            contact,
            channel,
            &state.config.screening,
            &state.calendar,
        )
        .await?)
}

/// Decides a contact (or proposes the decision for a manager): the one way for the page and
/// the API.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: DecisionInput,
) -> Result<Decided, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    state
        .store
        .front_door()
        .decide(
            &reader,
            &current_request_id(),
            id,
            input,
            &state.threshold,
            user.holds(Permission::AuthoriseDecisions),
        )
        .await
        .map_err(|r| ContactRefusal::from(r).into())
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| {
        ApiError(WebError::BadRequest(format!(
            "the request body is not the JSON this call takes: {}",
            e.body_text()
        )))
    })
}

fn contact_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError(WebError::NotFound(format!("contact {raw:?}"))))
}

/// The candidates a refused contact names, as JSON.
pub fn candidates_json(found: Vec<NamedCandidates>) -> Vec<ContactCandidate> {
    found
        .into_iter()
        .flat_map(|n| {
            let field = n.field;
            n.candidates.into_iter().map(move |c| ContactCandidate {
                field: field.clone(),
                person_id: c.found.person_id.0,
                local_id: c.local_id,
                name: c.name,
                kind: c.kind,
                score: c.found.score,
                strength: c.found.strength.as_str().to_string(),
                reasons: c
                    .found
                    .reasons
                    .iter()
                    .map(|r| MatchReason {
                        code: r.code().to_string(),
                        text: r.describe(),
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Receives a contact. New people are matched first: when any matches someone on the record the
/// answer is 409 with the candidates, and nothing is written, unless `create_new` is true (an
/// identifier match is never overridden: name that person by `person_id`). Bad input is 422
/// naming each field (`children[0].nhs_number`). The contact, the people it adds and each
/// child's `contact_received` are written together or not at all.
#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactInput,
    responses((status = 201, body = ContactReceipt), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ContactCandidates), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    b: Result<Json<ContactInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let input = body(b)?;
    let channel = channel_of(&user);
    match receive(&state, &user, input, channel).await {
        Ok(r) => {
            let refs = |v: &[stepwise_domain::ids::PersonId]| {
                v.iter().map(|p| PersonRef { person_id: p.0 }).collect()
            };
            Ok((
                StatusCode::CREATED,
                [(
                    axum::http::header::LOCATION,
                    format!("/api/v1/contacts/{}", r.id),
                )],
                Json(ContactReceipt {
                    id: r.id,
                    children: refs(&r.children),
                    adults: refs(&r.adults),
                    created: refs(&r.created),
                    rag: r.rag,
                    decide_by: r.decide_by,
                }),
            )
                .into_response())
        }
        Err(ContactRefusal::Candidates(found)) => {
            let blocking = found.iter().any(|n| n.blocking);
            Ok((
                StatusCode::CONFLICT,
                Json(ContactCandidates {
                    error: crate::api::ErrorDetail {
                        code: "candidates".into(),
                        message: if blocking {
                            "A person this contact describes has the identifier of someone on the record: name them by person_id. Nothing was written.".into()
                        } else {
                            "People on the record may be the people this contact describes: name them by person_id, or send again with create_new true. Nothing was written.".into()
                        },
                        reference: current_request_id(),
                        fields: None,
                    },
                    candidates: candidates_json(found),
                }),
            )
                .into_response())
        }
        Err(ContactRefusal::Web(e)) => Err(e.into()),
    }
}

/// The screening queue: the contacts not yet decided, the one due first first, with each
/// child's known and open involvements, repeat contacts in the last 12 months and outstanding
/// partner checks. A contact about a sealed child the caller may not see is left out; a
/// restricted child is shown by name only, without the concerns.
#[utoipa::path(get, path = "/api/v1/contacts", params(QueueQuery),
    responses((status = 200, body = ContactQueue), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<QueueQuery>,
) -> Result<Json<ContactQueue>, ApiError> {
    let only_authorisation = match q.status.as_deref() {
        None | Some("awaiting") => false,
        Some("awaiting_authorisation") => true,
        Some(other) => {
            return Err(ApiError(WebError::BadRequest(format!(
                "status {other:?} is not awaiting or awaiting_authorisation"
            ))));
        }
    };
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    let now = state.now();
    let items = state
        .store
        .front_door()
        .queue(&reader, &current_request_id())
        .await?;
    Ok(Json(ContactQueue {
        contacts: items
            .into_iter()
            .filter(|i| !only_authorisation || i.status == ContactStatus::AwaitingAuthorisation)
            .map(|i| QueueEntry::of(i, now))
            .collect(),
    }))
}

/// One contact: the referrer, concerns, consent, rating, the people named with what is open
/// for them, partner checks, and the decision. Needs `record_front_door` on every child it
/// names (a restricted child needs a stated reason first); audited on each child's access log.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", params(("id" = i64, Path, description = "The contact")),
    responses((status = 200, body = ContactJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Json<ContactJson>, ApiError> {
    let id = contact_id(&id)?;
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    let c = state
        .store
        .front_door()
        .contact(&reader, &current_request_id(), id)
        .await?;
    Ok(Json(c.into()))
}

fn decided_response(d: Decided) -> Response {
    match d {
        Decided::Recorded { decision, events } => (
            StatusCode::CREATED,
            Json(DecisionResult {
                status: ContactStatus::Decided,
                decision: Some(decision),
                events: events.into_iter().map(Into::into).collect(),
            }),
        )
            .into_response(),
        Decided::Proposed => (
            StatusCode::ACCEPTED,
            Json(DecisionResult {
                status: ContactStatus::AwaitingAuthorisation,
                decision: None,
                events: Vec::new(),
            }),
        )
            .into_response(),
    }
}

/// Decides a contact, every child once: the level of need (one of the authority's continuum)
/// and the outcome it opens, the rationale and the feedback to the referrer. Each child's
/// `contact_decided` is recorded with its routing: early help opens an episode waiting for
/// allocation in the locality's team; a social care assessment opens a referral (a re-referral
/// when the child had one in the previous 12 months) and an assessment waiting for allocation; a
/// strategy discussion opens the referral and sets the team its task. 201 when recorded; 202
/// when the threshold model needs a manager's authorisation and the caller may not give it
/// (nothing is recorded on the children until then); 409 when already decided.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/decision", request_body = DecisionInput,
    params(("id" = i64, Path, description = "The contact")),
    responses((status = 201, body = DecisionResult), (status = 202, body = DecisionResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decision(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    b: Result<Json<DecisionInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = contact_id(&id)?;
    let input = body(b)?;
    Ok(decided_response(decide(&state, &user, id, input).await?))
}

/// A manager authorises the decision proposed for a contact (which records it, as a decision
/// does) or sends it back with a reason. Needs `authorise_decisions`.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/authorisation", request_body = AuthorisationInput,
    params(("id" = i64, Path, description = "The contact")),
    responses((status = 201, body = DecisionResult), (status = 202, body = DecisionResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn authorisation(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    b: Result<Json<AuthorisationInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = contact_id(&id)?;
    let input = body(b)?;
    Ok(decided_response(
        authorise(&state, &user, id, input.approve, &input.reason).await?,
    ))
}

/// A manager's authorisation: the one way for the page and the API.
pub async fn authorise(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    approve: bool,
    reason: &str,
) -> Result<Decided, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    state
        .store
        .front_door()
        .authorise(
            &reader,
            &current_request_id(),
            id,
            approve,
            reason,
            &state.threshold,
        )
        .await
        .map_err(|r| ContactRefusal::from(r).into())
}

/// Rates (or re-rates) a contact, which sets when it is due: red within the authority's red
/// limit (four hours by default), amber and green within their working days.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/rating", request_body = RatingInput,
    params(("id" = i64, Path, description = "The contact")),
    responses((status = 201, body = StepWritten), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rating(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    b: Result<Json<RatingInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = contact_id(&id)?;
    let input = body(b)?;
    rate(&state, &user, id, &input.rag, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(StepWritten { id })).into_response())
}

/// A new rating: the one way for the page and the API.
pub async fn rate(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    rag: &str,
    reason: &str,
) -> Result<DateTime<Utc>, WebError> {
    let rag = Rag::parse(rag.trim()).map_err(|_| {
        WebError::Invalid(vec![(
            "rag".into(),
            format!("{rag:?} is not one of red, amber or green"),
        )])
    })?;
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    state
        .store
        .front_door()
        .rate(
            &reader,
            &current_request_id(),
            id,
            rag,
            reason,
            &state.config.screening,
            &state.calendar,
        )
        .await
        .map_err(|r| ContactRefusal::from(r).into())
}

/// Asks a partner agency for what it knows about the family, due by a time.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/checks", request_body = CheckInput,
    params(("id" = i64, Path, description = "The contact")),
    responses((status = 201, body = StepWritten), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_check(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    b: Result<Json<CheckInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = contact_id(&id)?;
    let input = body(b)?;
    let step = ask(
        &state,
        &user,
        id,
        &input.agency,
        &input.question,
        input.due_at.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(StepWritten { id: step })).into_response())
}

/// A partner check asked for: the one way for the page and the API.
pub async fn ask(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    agency: &str,
    question: &str,
    due_at: Option<&str>,
) -> Result<i64, WebError> {
    let mut errors = Vec::new();
    let agency = Agency::parse(agency.trim()).or_else(|| {
        errors.push((
            "agency".to_string(),
            format!(
                "{agency:?} is not one of {}",
                Agency::ALL.map(Agency::as_str).join(", ")
            ),
        ));
        None
    });
    let due_at = match due_at.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(t) => match DateTime::parse_from_rfc3339(t) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                errors.push((
                    "due_at".to_string(),
                    format!("{t:?} is not a date and time like 2026-12-03T15:00:00Z"),
                ));
                None
            }
        },
    };
    let Some(agency) = agency.filter(|_| errors.is_empty()) else {
        return Err(WebError::Invalid(errors));
    };
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    state
        .store
        .front_door()
        .request_check(&reader, &current_request_id(), id, agency, question, due_at)
        .await
        .map_err(|r| ContactRefusal::from(r).into())
}

/// Records a partner agency's answer to a check.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/checks/{check}/response", request_body = CheckResponseInput,
    params(("id" = i64, Path, description = "The contact"), ("check" = i64, Path, description = "The check")),
    responses((status = 201, body = StepWritten), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_check(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((id, check)): Path<(String, String)>,
    b: Result<Json<CheckResponseInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = contact_id(&id)?;
    let check = contact_id(&check)?;
    let input = body(b)?;
    let step = answer(&state, &user, id, check, &input.response).await?;
    Ok((StatusCode::CREATED, Json(StepWritten { id: step })).into_response())
}

/// A partner's answer recorded: the one way for the page and the API.
pub async fn answer(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    check: i64,
    response: &str,
) -> Result<i64, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    state
        .store
        .front_door()
        .answer_check(&reader, &current_request_id(), id, check, response)
        .await
        .map_err(|r| ContactRefusal::from(r).into())
}

/// Who on the record might be a person a partner or the public described on a contact, best
/// first (at most 20), audited as a search.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/people/{ordinal}/candidates",
    params(("id" = i64, Path, description = "The contact"), ("ordinal" = i64, Path, description = "The person's place on the contact")),
    responses((status = 200, body = DescribedCandidates), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn described_candidates(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((id, ordinal)): Path<(String, String)>,
) -> Result<Json<DescribedCandidates>, ApiError> {
    let id = contact_id(&id)?;
    let ordinal: i64 = ordinal
        .parse()
        .map_err(|_| ApiError(WebError::NotFound(format!("person {ordinal:?}"))))?;
    let found = candidates(&state, &user, id, ordinal).await?;
    Ok(Json(DescribedCandidates {
        candidates: candidates_json(vec![NamedCandidates {
            field: format!("{ordinal}"),
            candidates: found,
            blocking: false,
        }]),
    }))
}

/// Candidates for a described person: the one way for the page and the API.
pub async fn candidates(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    ordinal: i64,
) -> Result<Vec<stepwise_store::PersonCandidate>, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    let mut found = state
        .store
        .front_door()
        .candidates_for(&reader, &current_request_id(), id, ordinal)
        .await?;
    found.truncate(crate::matching_api::MAX_CANDIDATES);
    Ok(found)
}

/// Matches a person a partner or the public described to someone on the record, or adds them
/// as someone new (`create_new`; refused with 409 when their NHS number is already on the
/// record). For a child, their `contact_received` is recorded, dated when the contact arrived.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/people/{ordinal}/match", request_body = MatchChoice,
    params(("id" = i64, Path, description = "The contact"), ("ordinal" = i64, Path, description = "The person's place on the contact")),
    responses((status = 201, body = Matched), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn match_described(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((id, ordinal)): Path<(String, String)>,
    b: Result<Json<MatchChoice>, JsonRejection>,
) -> Result<Response, ApiError> {
    let id = contact_id(&id)?;
    let ordinal: i64 = ordinal
        .parse()
        .map_err(|_| ApiError(WebError::NotFound(format!("person {ordinal:?}"))))?;
    let choice = body(b)?;
    let to = match (choice.person_id, choice.create_new) {
        (Some(p), false) => Some(stepwise_domain::ids::PersonId(p)),
        (None, true) => None,
        _ => {
            return Err(ApiError(WebError::Invalid(vec![(
                "person_id".into(),
                "Give the person_id of someone on the record, or create_new true, not both".into(),
            )])));
        }
    };
    let p = match_one(&state, &user, id, ordinal, to).await?;
    Ok((StatusCode::CREATED, Json(Matched { person_id: p.0 })).into_response())
}

/// A match: the one way for the page and the API.
pub async fn match_one(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    ordinal: i64,
    to: Option<stepwise_domain::ids::PersonId>,
) -> Result<stepwise_domain::ids::PersonId, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    state
        .store
        .front_door()
        .match_person(&reader, &current_request_id(), id, ordinal, to)
        .await
        .map_err(|r| ContactRefusal::from(r).into())
}

/// The contacts the caller sent (a partner's own), newest first, with the outcome for each
/// child and the feedback the front door gave. Children are named as the caller named them.
#[utoipa::path(get, path = "/api/v1/contacts/sent",
    responses((status = 200, body = SentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sent(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<SentList>, ApiError> {
    Ok(Json(SentList {
        contacts: sent_by(&state, &user).await?,
    }))
}

/// The caller's own contacts: the one way for the page and the API.
pub async fn sent_by(state: &AppState, user: &CurrentUser) -> Result<Vec<SentJson>, WebError> {
    Ok(state
        .store
        .front_door()
        .sent_by(&user.actor(), &current_request_id(), 100)
        .await?
        .into_iter()
        .map(|c| SentJson {
            id: c.id,
            received_at: c.received_at,
            status: c.status,
            children: c
                .children
                .into_iter()
                .map(|(name, outcome)| SentChild { name, outcome })
                .collect(),
            feedback: c.feedback,
            decided_at: c.decided_at,
        })
        .collect())
}
