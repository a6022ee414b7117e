//! The continuum of need in force (the authority's threshold document as Stepwise holds it): its
//! levels, what each opens at the front door, which decisions a manager authorises, and the
//! indicators at each level under the three domains of the Assessment Framework. Open to everyone
//! signed in, partners included: a threshold document is published to every agency that refers.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use maud::html;
use serde::Serialize;
use utoipa::ToSchema;

use stepwise_domain::threshold::{AssessmentDomain, ThresholdModel};

use super::Page;
use crate::auth::CurrentUser;
use crate::{AppState, WebError};

/// The continuum of need page.
pub async fn show(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let m: &ThresholdModel = &state.threshold;
    let authorised: Vec<String> = m
        .authorisation()
        .iter()
        .map(|o| o.label().to_lowercase())
        .collect();
    let body = html! {
        h1 { "Continuum of need" }
        p class="lead" { (m.name()) }
        p { "The levels of need this authority decides contacts by, what a decision at each level may do, and the signs of need at each level. Indicators are examples to weigh together, not a checklist: a child's needs are judged as a whole." }
        @if !authorised.is_empty() {
            p { "A manager authorises these decisions: " strong { (authorised.join(" and ")) } "." }
        }
        h2 { "How soon the front door decides" }
        ul {
            @for (rag, words) in state.config.screening.describe() {
                li { strong { (rag.label()) } ": " (words) }
            }
        }
        nav aria-label="Levels" {
            ul class="plain-list inline-list" {
                @for l in m.levels() {
                    li { a href=(format!("#level-{}", l.level)) { "Level " (l.level) ": " (l.name) } }
                }
            }
        }
        @for l in m.levels() {
            section aria-labelledby=(format!("level-{}", l.level)) {
                h2 id=(format!("level-{}", l.level)) { "Level " (l.level) ": " (l.name) }
                p { (l.description) }
                p {
                    "A decision at this level may: "
                    (l.opens.iter().map(|o| {
                        let mut s = o.label().to_lowercase();
                        if m.needs_authorisation(*o) { s.push_str(" (a manager authorises)"); }
                        s
                    }).collect::<Vec<_>>().join("; "))
                    "."
                }
                @for d in AssessmentDomain::ALL {
                    @let items: Vec<&str> = m.indicators_at(&l.level).filter(|i| i.domain == d).map(|i| i.text.as_str()).collect();
                    @if !items.is_empty() {
                        h3 { (d.label()) }
                        ul { @for t in items { li { (t) } } }
                    }
                }
            }
        }
        p class="muted" { "The authority sets its continuum of need in a file (" code { "--threshold-model" } "); " a href="/api/v1/threshold" { "the same as data" } "." }
    };
    Ok(
        Page::new("Continuum of need", Some(&user), &state.authority_name)
            .active("threshold")
            .body(body)
            .into_response(),
    )
}

/// One level of need.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelJson {
    /// The level's code, such as `2` or `3b`.
    pub level: String,
    pub name: String,
    pub description: String,
    /// The front-door outcomes a decision at this level may record.
    pub opens: Vec<String>,
    pub indicators: Vec<IndicatorJson>,
}

/// One indicator of need at a level.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorJson {
    /// `developmental`, `parenting` or `family_environment`.
    pub domain: String,
    pub text: String,
}

/// The continuum of need in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThresholdJson {
    pub name: String,
    /// Lowest first.
    pub levels: Vec<LevelJson>,
    /// The outcomes a manager must authorise.
    pub authorisation: Vec<String>,
    /// How soon a contact must be decided, by its RAG rating.
    pub decision_limits: DecisionLimits,
}

/// How soon the front door must decide a contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionLimits {
    /// Hours on the clock, day or night, for a red contact.
    pub red_hours: u32,
    /// Working days for an amber contact (at the same London time on that day).
    pub amber_working_days: u32,
    /// Working days for a green contact.
    pub green_working_days: u32,
}

impl ThresholdJson {
    fn of(m: &ThresholdModel, t: stepwise_domain::screening::ScreeningTargets) -> Self {
        Self {
            decision_limits: DecisionLimits {
                red_hours: t.red_hours,
                amber_working_days: t.amber_working_days,
                green_working_days: t.green_working_days,
            },
            name: m.name().to_string(),
            levels: m
                .levels()
                .iter()
                .map(|l| LevelJson {
                    level: l.level.to_string(),
                    name: l.name.clone(),
                    description: l.description.clone(),
                    opens: l.opens.iter().map(|o| o.as_str().to_string()).collect(),
                    indicators: m
                        .indicators_at(&l.level)
                        .map(|i| IndicatorJson {
                            domain: i.domain.as_str().to_string(),
                            text: i.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
            authorisation: m
                .authorisation()
                .iter()
                .map(|o| o.as_str().to_string())
                .collect(),
        }
    }
}

/// The continuum of need in force: levels, what each opens, indicators, the outcomes a
/// manager authorises, and how soon a contact must be decided.
#[utoipa::path(get, path = "/api/v1/threshold", responses((status = 200, body = ThresholdJson), (status = 401, body = crate::api::ErrorBody)))]
pub async fn api(State(state): State<AppState>) -> Json<ThresholdJson> {
    Json(ThresholdJson::of(
        state.threshold.as_ref(),
        state.config.screening,
    ))
}
