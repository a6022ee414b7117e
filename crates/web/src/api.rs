//! The JSON API under `/api/v1/`: the same reads as the pages, behind the same access check and
//! audit, described by an OpenAPI document generated from this code (`openapi()`), served at
//! `/api/v1/openapi.json` and committed as `docs/openapi.json`.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use stepwise_store::{AuditAction, AuditSubject};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use stepwise_domain::access::{Permission, Role};
use stepwise_domain::ids::{PersonId, TeamId, UserId, parse_date};
use stepwise_domain::org::TeamKind;
use stepwise_store::SearchQuery;

use crate::api_json::{
    AuditEntry, ChildRecord, GrantRow, MyWork, PersonMatch, TeamChild, TeamSummary,
};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::pages::paging::{PER_PAGE, check_in_range, page_request};
use crate::pages::query_pairs;
use crate::pages::record::{chronology_filter, person_id};
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    #[schema(value_type = i64)]
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub permissions: Vec<Permission>,
    /// The worker the account is linked to (whose caseload My work shows), if any.
    pub worker_id: Option<i64>,
    /// The session's anti-forgery token: send it as the `X-CSRF-Token` header with every
    /// call that changes something. Empty for a call that bears an API token, which needs none.
    pub csrf_token: String,
}

/// One page of the people matching a search, best first, with how many match in all.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// How many people match (sealed records the caller may not see are never counted).
    pub total: usize,
    /// The page returned (the first is 1).
    pub page: usize,
    /// How many people a page holds.
    pub per_page: usize,
    /// How many pages the matches fill (at least 1).
    pub pages: usize,
    pub results: Vec<PersonMatch>,
}

/// A team in the teams list.
#[derive(Serialize, ToSchema)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub kind: TeamKind,
    pub locality: Option<String>,
    pub workers: i64,
    pub open_children: i64,
}

/// The error body every failed API call returns.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// For `invalid` (422): each field refused, and why (the same list as `error.fields`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

/// What went wrong, with a stable code and a reference to quote.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthenticated`, `forbidden`, `reason_needed`, `csrf`, `not_found`, `bad_request`,
    /// `invalid` (a field was refused: see `fields`), `conflict` (the change does not fit the
    /// record as it stands), `busy` (try again) or `internal`.
    pub code: String,
    pub message: String,
    pub reference: String,
    /// For `invalid`: each field refused, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldProblem>>,
}

/// One field refused, and why.
#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("stepwise_session"))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `stepwise token create`, as `Authorization: Bearer stepwise_…`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI description of the API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Stepwise API", description = "Reads of Stepwise's children's services record, and the recording of casework on it. Every call needs either an API token (the Authorization: Bearer header; tokens are issued with `stepwise token create`) or a signed-in session (the stepwise_session cookie), and the user's role must hold the permission the call needs; every read of a person's record is audited, and so is everything recorded. A call bearing a token acts as the token's user, ignores cookies and needs no anti-forgery token. A session-cookie call that changes something also needs the session's anti-forgery token (csrf_token from /api/v1/me) as the X-CSRF-Token header."),
    paths(me, crate::pages::threshold::api, crate::api_tokens::list, crate::api_tokens::revoke, my_work, search, crate::matching_api::matches, record, record_access_log, grants, user_activity, teams, team,
        team_children,
        crate::casework_api::record_note, crate::casework_api::record_visit,
        crate::casework_api::withdraw, crate::casework_api::correct,
        crate::contacts_api::create, crate::contacts_api::queue, crate::contacts_api::show,
        crate::contacts_api::decision, crate::contacts_api::authorisation,
        crate::contacts_api::rating, crate::contacts_api::request_check,
        crate::contacts_api::answer_check, crate::contacts_api::described_candidates,
        crate::contacts_api::match_described, crate::contacts_api::sent,
        crate::pages::front_door_dashboard::api),
    components(schemas(Me, crate::pages::threshold::ThresholdJson, crate::pages::threshold::LevelJson, crate::pages::threshold::IndicatorJson, crate::pages::threshold::DecisionLimits, crate::matching_api::MatchInput, crate::matching_api::MatchCandidates, crate::matching_api::MatchCandidate, crate::matching_api::MatchReason, crate::api_tokens::TokenList, crate::api_tokens::TokenRow, crate::api_tokens::Revoked, SearchResults, TeamRow, AccessLog, UserActivity, TeamChildren, ErrorBody, ErrorDetail, FieldProblem,
        crate::casework_api::RecordedEntry, crate::casework_api::NoteInput,
        crate::casework_api::VisitInput, crate::casework_api::WithdrawInput,
        crate::casework_api::CorrectInput,
        stepwise_domain::contact::ContactInput, stepwise_domain::contact::PersonInput,
        stepwise_domain::contact::ConsentInput, stepwise_domain::contact::Referrer,
        stepwise_domain::contact::DecisionInput, stepwise_domain::contact::ChildDecisionInput,
        stepwise_domain::contact::RecordedDecision, stepwise_domain::contact::ChildDecided,
        stepwise_domain::contact::Channel, stepwise_domain::contact::ContactStatus,
        stepwise_domain::contact::Agency, stepwise_domain::contact::ConsentStatus,
        stepwise_domain::screening::Rag,
        crate::contacts_api::ContactReceipt, crate::contacts_api::PersonRef,
        crate::contacts_api::ContactCandidates, crate::contacts_api::ContactCandidate,
        crate::contacts_api::ContactPersonJson, crate::contacts_api::QueueEntry,
        crate::contacts_api::ContactQueue, crate::contacts_api::CheckJson,
        crate::contacts_api::DecisionJson, crate::contacts_api::ContactJson,
        crate::contacts_api::DecisionResult, crate::contacts_api::RatingInput,
        crate::contacts_api::CheckInput, crate::contacts_api::CheckResponseInput,
        crate::contacts_api::AuthorisationInput, crate::contacts_api::StepWritten,
        crate::contacts_api::ToMatch, crate::contacts_api::MatchChoice,
        crate::contacts_api::Matched, crate::contacts_api::DescribedCandidates,
        crate::contacts_api::SentJson, crate::contacts_api::SentChild,
        crate::contacts_api::SentList, crate::pages::front_door_dashboard::Dashboard,
        crate::pages::front_door_dashboard::Share, crate::pages::front_door_dashboard::Bar)),
    modifiers(&SessionCookie),
    security(("token" = []), ("session" = []))
)]
pub struct ApiDoc;

/// The OpenAPI document as pretty JSON (what `docs/openapi.json` holds), or an error saying it
/// could not be written (never an empty document served as if it were the API).
pub fn openapi_json_text() -> Result<String, WebError> {
    let mut doc = ApiDoc::openapi();
    doc.info.version = "1".to_string();
    document_text(doc.to_pretty_json())
}

fn document_text(json: Result<String, serde_json::Error>) -> Result<String, WebError> {
    json.map(|text| text + "\n")
        .map_err(|e| WebError::Internal(format!("the OpenAPI document could not be written: {e}")))
}

/// Serves the OpenAPI document.
pub async fn openapi_json() -> Result<Response, WebError> {
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json_text()?,
    )
        .into_response())
}

/// Who is signed in, and what they may do.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(user): Extension<CurrentUser>) -> Json<Me> {
    Json(Me {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        permissions: user.permissions.keys().copied().collect(),
        worker_id: user.worker_id,
        csrf_token: user.csrf_token.clone(),
    })
}

/// The signed-in worker's children, with what is due, and their recent views.
#[utoipa::path(get, path = "/api/v1/my-work", responses((status = 200, body = MyWork), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn my_work(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<MyWork>, ApiError> {
    let front_door = matches!(
        user.role,
        Role::FrontDoorPractitioner | Role::FrontDoorManager
    );
    let actor = user.actor();
    let work = state
        .store
        .people()
        .my_work(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            user.id,
            user.worker_id,
            front_door,
            state.today(),
            &state.calendar,
        )
        .await?;
    Ok(Json(MyWork::from(work)))
}

/// Finds people by name (any order, tolerant of spelling), identifier or date of birth.
#[utoipa::path(
    get,
    path = "/api/v1/people",
    params(("q" = Option<String>, Query, description = "Name, local id, NHS number or UPN"), ("dob" = Option<String>, Query, description = "Date of birth, 2015-03-27 or 27/03/2015"),
        ("page" = Option<usize>, Query, description = "Which page of the matches, best first (the first is 1; default 1). A page past the last is refused with 400"),
        ("per_page" = Option<usize>, Query, description = "How many people a page holds, 1 to 200 (default 50)")),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn search(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let pairs = query_pairs(q.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let text = get("q");
    let dob_text = get("dob");
    let dob = if dob_text.is_empty() {
        None
    } else {
        Some(parse_date("dob", &dob_text).map_err(|e| WebError::BadRequest(e.to_string()))?)
    };
    if text.is_empty() && dob.is_none() {
        return Err(WebError::BadRequest(
            "give q (a name or identifier), dob (a date of birth) or both".to_string(),
        )
        .into());
    }
    if text.chars().count() > 100 {
        return Err(WebError::BadRequest("q must be 100 characters or fewer".to_string()).into());
    }
    let wanted = page_request(&pairs, PER_PAGE)?;
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::Search,
            &AuditSubject::People,
            &current_request_id(),
            &format!("api, {} word(s)", text.split_whitespace().count()),
        )
        .await?;
    let results = state
        .store
        .people()
        .search_people(&SearchQuery {
            text,
            date_of_birth: dob,
            page: wanted,
            include_sealed: user.holds(Permission::ViewSealedRecords),
        })
        .await?;
    check_in_range(&results)?;
    let shown: Vec<i64> = results.iter().map(|m| m.id).collect();
    state
        .store
        .people()
        .audit_list(&user.actor(), &current_request_id(), "search", &shown)
        .await?;
    Ok(Json(SearchResults {
        total: results.total,
        page: results.page,
        per_page: results.per_page,
        pages: results.pages(),
        results: results.into_iter().map(PersonMatch::from).collect(),
    }))
}

/// A person's record: identity, family, current state, what is due and the chronology.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    params(
        ("id" = String, Path, description = "Person key or local id (P0001234)"),
        ("category" = Option<Vec<String>>, Query, description = "Event families to include (repeatable): front_door, early_help, assessment, child_in_need, child_protection, looked_after, care_leaver, allocation, visit, note, correction"),
        ("from" = Option<String>, Query, description = "Earliest effective date"),
        ("to" = Option<String>, Query, description = "Latest effective date"),
        ("all" = Option<String>, Query, description = "1 to include routine visits and notes")
    ),
    responses((status = 200, body = ChildRecord), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn record(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<ChildRecord>, ApiError> {
    let id = person_id(&raw)?;
    let actor = user.actor();
    let (filter, errors, _) = chronology_filter(q.as_deref());
    if let Some((field, message)) = errors.into_iter().next() {
        return Err(WebError::BadRequest(format!("{field}: {message}")).into());
    }
    let record = state
        .store
        .people()
        .open_child_record(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            id,
            &filter,
            state.today(),
            &state.calendar,
            "api",
        )
        .await?;
    Ok(Json(ChildRecord::from(record)))
}

/// The most entries the access log call returns (the latest).
const ACCESS_LOG_LIMIT: usize = 1000;

/// Who has looked at a person's record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessLog {
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    pub name: String,
    /// Views, refusals and grants, newest first: at most `limit`.
    pub entries: Vec<AuditEntry>,
    /// The most entries returned (the latest).
    pub limit: usize,
    /// False when `entries` holds `limit` entries and earlier ones may be left out; they are
    /// kept in the audit log.
    pub complete: bool,
    pub grants: Vec<GrantRow>,
}

/// Who has looked at a person's record (views, refusals, grants), newest first. The caller's
/// scope must reach the record; the read is audited.
#[utoipa::path(get, path = "/api/v1/people/{id}/access-log", params(("id" = String, Path, description = "Person key or local id (P0001234)")), responses((status = 200, body = AccessLog), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_access_log(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Json<AccessLog>, ApiError> {
    let id = person_id(&raw)?;
    if !state.store.people().person_exists(id).await? {
        return Err(WebError::NotFound(format!("Person {raw:?}")).into());
    }
    let actor = user.actor();
    let rid = current_request_id();
    state
        .store
        .people()
        .check_record_access(
            &user.reader(&actor, &state.config.policy),
            &rid,
            id,
            Permission::ViewRecordAccessLog,
        )
        .await?;
    let (name, entries) = state
        .store
        .governance()
        .record_access_log(&actor, &rid, id, ACCESS_LOG_LIMIT as i64)
        .await?;
    // A restricted record's note says what it holds: only for a reader who may open it now.
    let entries = if state
        .store
        .governance()
        .may_read_contents(&user.reader(&actor, &state.config.policy), id)
        .await?
    {
        entries
    } else {
        stepwise_store::without_restriction_notes(entries)
    };
    let grants = state
        .store
        .governance()
        .grants(Some(id), state.now())
        .await?;
    Ok(Json(AccessLog {
        person_id: id,
        name,
        limit: ACCESS_LOG_LIMIT,
        complete: entries.len() < ACCESS_LOG_LIMIT,
        entries: entries.into_iter().map(AuditEntry::from).collect(),
        grants: grants.into_iter().map(GrantRow::from).collect(),
    }))
}

/// Temporary grants of access to records within the caller's reach (records their
/// `grant_access` scope reaches, and grants they made), newest first.
#[utoipa::path(get, path = "/api/v1/grants", responses((status = 200, body = Vec<GrantRow>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn grants(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Json<Vec<GrantRow>>, ApiError> {
    let actor = user.actor();
    let grants = state
        .store
        .governance()
        .grants_within_reach(
            &user.reader(&actor, &state.config.policy),
            user.id,
            None,
            state.now(),
        )
        .await?;
    Ok(Json(grants.into_iter().map(GrantRow::from).collect()))
}

/// The most actions `GET /api/v1/users/{id}/activity` returns when no `limit` is given, and the
/// most it ever returns.
pub const ACTIVITY_DEFAULT_LIMIT: usize = 1_000;
pub const ACTIVITY_MAX_LIMIT: usize = 10_000;

/// One user's actions, newest first, between two dates, and whether that is all of them.
#[derive(Serialize, ToSchema)]
pub struct UserActivity {
    pub user_id: i64,
    /// The first and last days asked for (inclusive), if given.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// The most entries this answer holds.
    pub limit: usize,
    /// False when there are more actions in the dates than `limit`: narrow the dates (or
    /// raise `limit`, up to 10,000) to see the earlier ones.
    pub complete: bool,
    pub entries: Vec<AuditEntry>,
}

/// Everything one user has done, newest first (the per-user activity report), between two
/// dates if given. Audited.
#[utoipa::path(get, path = "/api/v1/users/{id}/activity",
    params(("id" = i64, Path, description = "User key"),
        ("from" = Option<String>, Query, description = "First day, 2026-11-01 or 01/11/2026"),
        ("to" = Option<String>, Query, description = "Last day (inclusive), on or after from"),
        ("limit" = Option<usize>, Query, description = "Most entries to return, 1 to 10,000 (default 1,000)")),
    responses((status = 200, body = UserActivity), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn user_activity(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<UserActivity>, ApiError> {
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(UserId)
        .ok_or_else(|| WebError::NotFound(format!("User {raw:?}")))?;
    if !state
        .store
        .accounts()
        .users()
        .await?
        .iter()
        .any(|u| u.id == id)
    {
        return Err(WebError::NotFound(format!("User {id}")).into());
    }
    let pairs = query_pairs(q.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let date = |k: &'static str| -> Result<Option<chrono::NaiveDate>, WebError> {
        get(k)
            .map(|v| parse_date(k, &v).map_err(|e| WebError::BadRequest(e.to_string())))
            .transpose()
    };
    let (from, to) = (date("from")?, date("to")?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(WebError::BadRequest("to must be on or after from".to_string()).into());
    }
    let limit = match get("limit") {
        None => ACTIVITY_DEFAULT_LIMIT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=ACTIVITY_MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                WebError::BadRequest(format!(
                    "limit must be a whole number from 1 to {ACTIVITY_MAX_LIMIT} (it was {v:?})"
                ))
            })?,
    };
    // One more than asked for says whether the answer is whole.
    let mut entries = state
        .store
        .governance()
        .user_activity(
            &user.actor(),
            &current_request_id(),
            id,
            (from, to),
            i64::try_from(limit + 1).unwrap_or(i64::MAX),
        )
        .await?;
    let complete = entries.len() <= limit;
    entries.truncate(limit);
    Ok(Json(UserActivity {
        user_id: id.0,
        from,
        to,
        limit,
        complete,
        entries: entries.into_iter().map(AuditEntry::from).collect(),
    }))
}

/// Every team with its open work.
#[utoipa::path(get, path = "/api/v1/teams", responses((status = 200, body = Vec<TeamRow>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn teams(State(state): State<AppState>) -> Result<Json<Vec<TeamRow>>, ApiError> {
    let counts = state.store.organisation().team_counts().await?;
    let localities: std::collections::HashMap<i64, String> = state
        .store
        .organisation()
        .localities()
        .await?
        .into_iter()
        .map(|l| (l.id.0, l.name))
        .collect();
    Ok(Json(
        state
            .store
            .organisation()
            .teams()
            .await?
            .into_iter()
            .map(|t| {
                let (open, workers) = counts.get(&t.id.0).copied().unwrap_or_default();
                TeamRow {
                    id: t.id.0,
                    name: t.name,
                    kind: t.kind,
                    locality: t.locality.and_then(|l| localities.get(&l.0).cloned()),
                    workers,
                    open_children: open,
                }
            })
            .collect(),
    ))
}

/// The team a path names (its key), as the caller may see it; "not found" for a key that is
/// not a team.
async fn team_summary_for(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> Result<stepwise_store::TeamSummary, WebError> {
    let actor = user.actor();
    let id = raw
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::NotFound(format!("Team {raw:?}")))?;
    state
        .store
        .organisation()
        .team_summary(
            &user.reader(&actor, &state.config.policy),
            TeamId(id),
            state.today(),
            &state.calendar,
        )
        .await?
        .ok_or_else(|| WebError::NotFound(format!("Team {id}")))
}

/// One team: workers, caseloads, overdue work and unallocated children.
#[utoipa::path(get, path = "/api/v1/teams/{id}", params(("id" = i64, Path, description = "Team key")), responses((status = 200, body = TeamSummary), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
) -> Result<Json<TeamSummary>, ApiError> {
    let t = team_summary_for(&state, &user, &raw).await?;
    Ok(Json(TeamSummary::from(t)))
}

/// One page of a team's open children, unallocated first, then the most overdue, with how
/// many the whole list holds.
#[derive(Serialize, ToSchema)]
pub struct TeamChildren {
    pub team_id: i64,
    /// How many children the list holds (narrowed by the filters; sealed records the caller
    /// may not see are never counted).
    pub total: usize,
    /// The page returned (the first is 1).
    pub page: usize,
    /// How many children a page holds.
    pub per_page: usize,
    /// How many pages the list fills (at least 1).
    pub pages: usize,
    pub children: Vec<TeamChild>,
}

/// A team's open children with what is due, as on the team page: unallocated children first,
/// then the most overdue, a page at a time, narrowed to one worker's children, the
/// unallocated or those with overdue work. Only for callers whose record scope reaches the
/// team's children; restricted records show by name only and the list is audited.
#[utoipa::path(
    get,
    path = "/api/v1/teams/{id}/children",
    params(("id" = i64, Path, description = "Team key"),
        ("worker" = Option<i64>, Query, description = "Only this worker's children (a worker key in the team)"),
        ("unallocated" = Option<u8>, Query, description = "1: only children with no allocated worker"),
        ("overdue" = Option<u8>, Query, description = "1: only children with overdue work"),
        ("page" = Option<usize>, Query, description = "Which page (the first is 1; default 1). A page past the last is refused with 400"),
        ("per_page" = Option<usize>, Query, description = "How many children a page holds, 1 to 200 (default 50)")),
    responses((status = 200, body = TeamChildren), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn team_children(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<TeamChildren>, ApiError> {
    let t = team_summary_for(&state, &user, &raw).await?;
    let actor = user.actor();
    let id = t.team.id.0;
    if !crate::pages::teams::may_list_children(&user, &t.team) {
        // Refused as a route is refused: audited, naming the scope that did not reach.
        state
            .store
            .audit_log()
            .record(
                &actor,
                AuditAction::AccessDenied,
                &AuditSubject::Route(format!("/api/v1/teams/{id}/children")),
                &current_request_id(),
                &format!(
                    "GET /api/v1/teams/{id}/children needs view_child_record reaching the team ({:?} scope)",
                    user.scope(Permission::ViewChildRecord)
                ),
            )
            .await?;
        return Err(WebError::Denied(format!(
            "the list of {}'s children is only for those whose access reaches the team's records",
            t.team.name
        ))
        .into());
    }
    let pairs = query_pairs(q.as_deref());
    let filter =
        crate::pages::teams::team_filter(&pairs, |w| t.workers.iter().any(|x| x.worker.id.0 == w))?;
    let wanted = page_request(&pairs, PER_PAGE)?;
    let listed = state
        .store
        .people()
        .team_children(
            &user.reader(&actor, &state.config.policy),
            &current_request_id(),
            TeamId(id),
            filter,
            wanted,
            state.today(),
            &state.calendar,
        )
        .await?;
    check_in_range(&listed)?;
    Ok(Json(TeamChildren {
        team_id: id,
        total: listed.total,
        page: listed.page,
        per_page: listed.per_page,
        pages: listed.pages(),
        children: listed.into_iter().map(TeamChild::from).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards issue 7 item 6 (the OpenAPI document): the document is produced and describes the
    /// API's paths.
    #[test]
    fn the_openapi_document_is_written() {
        let text = openapi_json_text().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(doc["paths"].get("/api/v1/me").is_some(), "{text}");
    }

    /// Guards issue 7 item 6: a document that cannot be written is an error saying so, never an
    /// empty body served (and committed to docs/openapi.json) as if it were the API.
    #[test]
    fn a_document_that_cannot_be_written_is_an_error_not_an_empty_body() {
        let broken = serde_json::from_str::<serde_json::Value>("{").map(|_| String::new());
        let e = document_text(broken).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("OpenAPI document could not be written")),
            "{e:?}"
        );
    }
}
