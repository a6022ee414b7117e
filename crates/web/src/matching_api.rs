//! `POST /api/v1/people/matches`: who on the record might be the person a contact names, before
//! anyone new is created. The details go in the body, not the address, so that names and dates of
//! birth never reach a proxy's or server's access log. It needs the search permission, and is
//! audited as a search, with every person shown on it (`record.list`).

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::{Extension, Json};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use stepwise_domain::access::{Permission, RestrictionKind};
use stepwise_domain::codes::Sex;
use stepwise_domain::ids::{NhsNumber, Postcode, Upn, parse_local_person_id};
use stepwise_domain::matching::Incoming;
use stepwise_domain::people::PersonKind;
use stepwise_domain::projection::Involvement;
use stepwise_store::{AuditAction, AuditSubject};

use crate::api::ErrorBody;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The person to look for, as a referrer names them. Everything but the family name (or an
/// identifier) may be missing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchInput {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// `F`, `M` or `U`.
    pub sex: Option<String>,
    /// Ten digits with a valid check digit; spaces allowed.
    pub nhs_number: Option<String>,
    /// A unique pupil number (13 characters).
    pub upn: Option<String>,
    /// Stepwise's local person id (`P0001234`).
    pub local_id: Option<String>,
    pub postcode: Option<String>,
}

/// One reason a candidate matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchReason {
    /// Stable code, such as `same_nhs_number`, `given_name_short_form`, `birth_date_day_month_swapped`.
    pub code: String,
    /// The reason in plain words.
    pub text: String,
}

/// A person who might be the one named.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCandidate {
    pub person_id: i64,
    pub local_id: String,
    pub name: String,
    pub kind: PersonKind,
    /// 0 to 100; 100 only for a shared identifier with nothing against it.
    pub score: u32,
    /// `certain`, `likely` or `possible`.
    pub strength: String,
    /// Why it matched, strongest first (empty for a restricted record: open it to compare).
    pub reasons: Vec<MatchReason>,
    pub date_of_birth: Option<NaiveDate>,
    pub postcode: Option<String>,
    /// What is open for them now.
    pub open: Vec<Involvement>,
    /// Set when the record is restricted or sealed; a restricted record shows only its name.
    pub restriction: Option<RestrictionKind>,
}

/// The candidates, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCandidates {
    pub candidates: Vec<MatchCandidate>,
}

/// A domain error's words without its own field name (the answer names the field already).
fn without_field(e: stepwise_domain::DomainError) -> String {
    match e {
        stepwise_domain::DomainError::InvalidIdentifier { value, message, .. } => {
            format!("{message} (got {value:?})")
        }
        other => other.to_string(),
    }
}

/// Reads the details into what the matcher takes, or every field's problem at once.
pub fn incoming(input: &MatchInput, today: NaiveDate) -> Result<Incoming, WebError> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut problem = |field: &str, message: String| errors.push((field.to_string(), message));
    for (field, value) in [
        ("given_name", &input.given_name),
        ("family_name", &input.family_name),
    ] {
        if value.chars().count() > 100 {
            problem(field, "must be 100 characters or fewer".into());
        }
        if value.chars().any(char::is_control) {
            problem(field, "must not hold control characters".into());
        }
    }
    fn present(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let date_of_birth = match present(&input.date_of_birth) {
        None => None,
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if d > today => {
                problem("date_of_birth", format!("{d} is in the future"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                problem(
                    "date_of_birth",
                    format!("{s:?} is not a date written as YYYY-MM-DD"),
                );
                None
            }
        },
    };
    let sex = match present(&input.sex) {
        None => None,
        Some(s) => match Sex::parse(s, today.year()) {
            Ok(x) => Some(x),
            Err(_) => {
                problem("sex", format!("{s:?} is not F, M or U"));
                None
            }
        },
    };
    let nhs_number = match present(&input.nhs_number) {
        None => None,
        Some(s) => {
            let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            match NhsNumber::parse(&compact) {
                Ok(n) => Some(n),
                Err(e) => {
                    problem("nhs_number", without_field(e));
                    None
                }
            }
        }
    };
    let upn = match present(&input.upn) {
        None => None,
        Some(s) => match Upn::parse(s) {
            Ok(u) => Some(u),
            Err(e) => {
                problem("upn", without_field(e));
                None
            }
        },
    };
    let local_id = match present(&input.local_id) {
        None => None,
        Some(s) if parse_local_person_id(s).is_some() => Some(s.to_string()),
        Some(s) => {
            problem(
                "local_id",
                format!("{s:?} is not a local person id (such as P0001234)"),
            );
            None
        }
    };
    let postcode = match present(&input.postcode) {
        None => None,
        Some(s) => match Postcode::parse(s) {
            Ok(p) => Some(p),
            Err(e) => {
                problem("postcode", without_field(e));
                None
            }
        },
    };
    let has_identifier = nhs_number.is_some() || upn.is_some() || local_id.is_some();
    let named_or_identified = !input.family_name.trim().is_empty() || has_identifier;
    if !named_or_identified
        && [&input.nhs_number, &input.upn, &input.local_id]
            .iter()
            .all(|v| present(v).is_none())
    {
        problem(
            "family_name",
            "give the family name, or an NHS number, UPN or local id".into(),
        );
    }
    if !errors.is_empty() {
        return Err(WebError::Invalid(errors));
    }
    Ok(Incoming {
        given_name: input.given_name.trim().to_string(),
        family_name: input.family_name.trim().to_string(),
        date_of_birth,
        sex,
        nhs_number,
        upn,
        local_id,
        postcode,
    })
}

/// The most candidates shown.
pub const MAX_CANDIDATES: usize = 20;

/// Looks for the person, audited as a search (`via`: "api" or "page"), with everyone shown
/// listed: the one way the page and the API match.
pub async fn run(
    state: &AppState,
    user: &CurrentUser,
    incoming: &Incoming,
    via: &str,
) -> Result<Vec<stepwise_store::PersonCandidate>, WebError> {
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::Search,
            &AuditSubject::People,
            &current_request_id(),
            &format!("{via}, matches before creating a person"),
        )
        .await?;
    let mut found = state
        .store
        .people()
        .match_people(incoming, user.holds(Permission::ViewSealedRecords))
        .await?;
    found.truncate(MAX_CANDIDATES);
    let shown: Vec<i64> = found.iter().map(|c| c.found.person_id.0).collect();
    state
        .store
        .people()
        .audit_list(&user.actor(), &current_request_id(), "match", &shown)
        .await?;
    Ok(found)
}

/// Who on the record might be this person, best first, with the reasons each matched; at most
/// 20. Sealed records are found only by roles that may see them; a restricted record is shown
/// only as a certain or likely match, by name alone.
#[utoipa::path(post, path = "/api/v1/people/matches", request_body = MatchInput,
    responses((status = 200, body = MatchCandidates), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn matches(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    body: Result<Json<MatchInput>, JsonRejection>,
) -> Result<Json<MatchCandidates>, ApiError> {
    let Json(input) = body.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let incoming = incoming(&input, state.today())?;
    let found = run(&state, &user, &incoming, "api").await?;
    Ok(Json(MatchCandidates {
        candidates: found
            .into_iter()
            .map(|c| MatchCandidate {
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
                date_of_birth: c.date_of_birth,
                postcode: c.postcode,
                open: c.open,
                restriction: c.restriction,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let input = MatchInput {
            given_name: "Amira".into(),
            family_name: "Khan".into(),
            date_of_birth: Some("2030-01-01".into()),
            sex: Some("X".into()),
            nhs_number: Some("943 476 5918".into()),
            upn: Some("nope".into()),
            local_id: Some("42".into()),
            postcode: Some("ZZZ".into()),
        };
        let Err(WebError::Invalid(errors)) = incoming(&input, today()) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            fields,
            [
                "date_of_birth",
                "sex",
                "nhs_number",
                "upn",
                "local_id",
                "postcode"
            ]
        );
    }

    #[test]
    fn a_family_name_or_an_identifier_is_needed_and_good_details_are_read() {
        assert!(matches!(
            incoming(&MatchInput::default(), today()),
            Err(WebError::Invalid(e)) if e[0].0 == "family_name"
        ));
        let ok = incoming(
            &MatchInput {
                given_name: " Amira ".into(),
                family_name: "Khan".into(),
                date_of_birth: Some("2015-03-27".into()),
                sex: Some("F".into()),
                nhs_number: Some("943 476 5919".into()),
                postcode: Some("sw1a1aa".into()),
                ..MatchInput::default()
            },
            today(),
        )
        .unwrap();
        assert_eq!(ok.given_name, "Amira");
        assert_eq!(ok.nhs_number.unwrap().as_str(), "9434765919");
        assert_eq!(ok.postcode.unwrap().as_str(), "SW1A 1AA");
        let by_id = incoming(
            &MatchInput {
                local_id: Some("P0000042".into()),
                ..MatchInput::default()
            },
            today(),
        );
        assert!(by_id.is_ok());
    }
}
