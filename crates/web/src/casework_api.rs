//! The API's recording calls: the same commands, checks and audit as the recording forms
//! (`pages::casework`), from JSON. Each answers 201 with the entry as recorded, 422 naming the
//! fields to put right, 409 naming the journey rule the entry would break, or the usual
//! refusals. A session-cookie client sends the session's anti-forgery token (from
//! `/api/v1/me`) as the `X-CSRF-Token` header.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use stepwise_domain::commands::{
    Command, CorrectEntry, RecordCaseNote, RecordVisit, WithdrawEntry,
};
use stepwise_domain::events::{EventCategory, EventKind, JourneyEvent, VisitPurpose};
use stepwise_domain::ids::{EventSeq, local_person_id};

use crate::auth::CurrentUser;
use crate::casework::record_command;
use crate::error::ApiError;
use crate::pages::record::person_id;
use crate::{AppState, WebError};

/// An entry as recorded: its place in the log, when and by whom (set by Stepwise, never by
/// the caller), and what it says.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedEntry {
    /// The entry's position in the journey log.
    pub seq: i64,
    /// The child's local identifier.
    pub person: String,
    /// The date it took effect.
    pub effective: NaiveDate,
    /// When it was recorded (UTC, RFC 3339).
    pub recorded_at: String,
    /// The worker who recorded it: the signed-in user's own worker.
    pub recorded_by: i64,
    #[serde(rename = "type")]
    pub kind: String,
    #[schema(value_type = String)]
    pub category: EventCategory,
    pub summary: String,
    /// The entry it corrects or withdraws, if any.
    pub corrects: Option<i64>,
}

impl From<JourneyEvent> for RecordedEntry {
    fn from(e: JourneyEvent) -> Self {
        Self {
            seq: e.seq.0,
            person: local_person_id(e.child),
            effective: e.effective,
            recorded_at: e
                .recorded_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            recorded_by: e.recorded_by.0,
            kind: e.kind.type_name().to_string(),
            category: e.kind.category(),
            summary: e.kind.summary(),
            corrects: e.supersedes.map(|s| s.event.0),
        }
    }
}

/// A case note to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// The day it happened (not in the future).
    pub effective: NaiveDate,
    /// At most 200 characters.
    pub subject: String,
    /// At most 20,000 characters.
    pub text: String,
}

/// A visit to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    pub effective: NaiveDate,
    pub purpose: VisitPurpose,
    pub seen_alone: bool,
}

/// Why an entry is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    /// At most 1,000 characters.
    pub reason: String,
}

/// An entry's correction: the event that takes its place, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectInput {
    pub reason: String,
    pub effective: NaiveDate,
    pub effective_time: Option<NaiveTime>,
    /// The corrected event, in the stored form of its kind, for example
    /// `{"type": "visit", "purpose": "child_in_need", "seen_alone": true}`.
    #[schema(value_type = Object)]
    pub replacement: EventKind,
}

/// Reads a JSON body, or says what is wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| {
        ApiError(WebError::BadRequest(format!(
            "the request body is not the JSON this call takes: {}",
            e.body_text()
        )))
    })
}

fn entry_seq(raw: &str) -> Result<EventSeq, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(EventSeq)
        .ok_or_else(|| ApiError(WebError::NotFound(format!("Entry {raw:?}"))))
}

async fn record<C: Command>(
    state: &AppState,
    user: &CurrentUser,
    raw: &str,
    cmd: C,
) -> Result<Response, ApiError> {
    let id = person_id(raw)?;
    let e = record_command(state, user, id, cmd)
        .await
        .map_err(|r| ApiError(r.into()))?;
    Ok((StatusCode::CREATED, Json(RecordedEntry::from(e))).into_response())
}

/// Records a case note on a child's record. Needs `record_case_notes` for the child.
#[utoipa::path(post, path = "/api/v1/people/{id}/notes", request_body = NoteInput,
    params(("id" = String, Path, description = "Local id (P0000012) or key")),
    responses((status = 201, body = RecordedEntry), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_note(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    b: Result<Json<NoteInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let n = body(b)?;
    let cmd = RecordCaseNote {
        effective: n.effective,
        subject: n.subject,
        text: n.text,
    };
    record(&state, &user, &raw, cmd).await
}

/// Records a visit to a child. Needs `record_visits` for the child.
#[utoipa::path(post, path = "/api/v1/people/{id}/visits", request_body = VisitInput,
    params(("id" = String, Path, description = "Local id (P0000012) or key")),
    responses((status = 201, body = RecordedEntry), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_visit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    b: Result<Json<VisitInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let v = body(b)?;
    let cmd = RecordVisit {
        effective: v.effective,
        purpose: v.purpose,
        seen_alone: v.seen_alone,
    };
    record(&state, &user, &raw, cmd).await
}

/// Withdraws an entry made in error. Needs `record_corrections`, and the permission to record
/// the entry's own family, for the child.
#[utoipa::path(post, path = "/api/v1/people/{id}/events/{seq}/withdraw", request_body = WithdrawInput,
    params(("id" = String, Path, description = "Local id (P0000012) or key"), ("seq" = i64, Path, description = "The entry's position in the log")),
    responses((status = 201, body = RecordedEntry), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((raw, seq)): Path<(String, String)>,
    b: Result<Json<WithdrawInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let seq = entry_seq(&seq)?;
    let w = body(b)?;
    let cmd = WithdrawEntry {
        event: seq,
        reason: w.reason,
    };
    record(&state, &user, &raw, cmd).await
}

/// Replaces an entry with a corrected one; the child's history is checked again as
/// corrected. Needs `record_corrections`, and the permission to record the families of both
/// the entry and its replacement, for the child.
#[utoipa::path(post, path = "/api/v1/people/{id}/events/{seq}/correct", request_body = CorrectInput,
    params(("id" = String, Path, description = "Local id (P0000012) or key"), ("seq" = i64, Path, description = "The entry's position in the log")),
    responses((status = 201, body = RecordedEntry), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((raw, seq)): Path<(String, String)>,
    b: Result<Json<CorrectInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let seq = entry_seq(&seq)?;
    let c = body(b)?;
    let cmd = CorrectEntry {
        event: seq,
        reason: c.reason,
        effective: c.effective,
        effective_time: c.effective_time,
        replacement: c.replacement,
    };
    record(&state, &user, &raw, cmd).await
}

#[allow(unused_imports)]
use crate::api::ErrorBody;
