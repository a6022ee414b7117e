//! The disposal review queue: records the retention schedule says are due for review by a date,
//! and the decision on each (keep until a later review, or dispose), with the reason. Every
//! look at the queue and every decision is audited.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use maud::html;
use stepwise_store::{AuditAction, AuditSubject};

use stepwise_domain::ids::parse_date;
use stepwise_domain::retention::RetentionClass;
use stepwise_store::{RetentionDecision, class_label};

use super::record::person_id;
use super::{Page, error_summary, fmt_date, fmt_opt_date, paging, query_pairs, see_other};
use crate::auth::CurrentUser;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The queue, as at today or a later date (`?as_at=dd/mm/yyyy`) to plan ahead.
pub async fn queue(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    render(&state, &user, q.as_deref(), None).await
}

/// A decision that was refused: the record, what was sent, and what to fix.
struct Refused<'a> {
    person_id: i64,
    form: &'a DecisionForm,
    errors: Vec<(String, String)>,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    q: Option<&str>,
    refused: Option<Refused<'_>>,
) -> Result<Response, WebError> {
    let pairs = query_pairs(q);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let today = state.today();
    let as_at_text = get("as_at");
    let mut errors = Vec::new();
    let as_at = if as_at_text.is_empty() {
        today
    } else {
        match parse_date("as at", &as_at_text) {
            Ok(d) if d >= today => d,
            Ok(_) => {
                errors.push((
                    "as_at".to_string(),
                    "The date must be today or later".to_string(),
                ));
                today
            }
            Err(_) => {
                errors.push((
                    "as_at".to_string(),
                    "The date must be a real date, for example 01/04/2031".to_string(),
                ));
                today
            }
        }
    };
    let decided = get("decided");
    let wanted = paging::page_request(&pairs, paging::PER_PAGE)?;
    let rows = state
        .store
        .governance()
        .disposal_queue(&state.config.retention, as_at, wanted)
        .await?;
    // A refused decision shows the page it was on; a page past the end goes to the last one.
    // Links to other pages keep the date asked about, not the notice of a decision.
    let link_pairs: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "decided")
        .cloned()
        .collect();
    if refused.is_none()
        && let Some(last) = paging::past_the_end(&rows, "/retention", &link_pairs, "")
    {
        return Ok(last);
    }
    state
        .store
        .audit_log()
        .record(
            &user.actor(),
            AuditAction::RetentionReview,
            &AuditSubject::DisposalQueue,
            &current_request_id(),
            &format!(
                "as at {as_at}: {} records due, page {} shown ({} records)",
                rows.total,
                rows.page,
                rows.len()
            ),
        )
        .await?;
    let all_errors: Vec<(String, String)> = errors
        .iter()
        .cloned()
        .chain(refused.iter().flat_map(|r| r.errors.clone()))
        .collect();
    let body = html! {
        (error_summary(&all_errors))
        h1 { "Records due for disposal review" }
        p class="lead" { "Records the retention schedule says are due for review by " (fmt_date(as_at)) ". Decide on each: keep it until a later review, or approve its disposal. Every decision is recorded with your name and reason." }
        @if !decided.is_empty() && decided.chars().all(|c| c.is_ascii_digit()) { div class="notice" role="status" { p { "Decision " (decided) " recorded." } } }
        form method="get" action="/retention" class="filters" {
            div class="filter-row" {
                div class=(if errors.is_empty() { "field" } else { "field field-error" }) {
                    label for="as_at" { "Due by" }
                    @for e in &errors { p class="error-message" { (e.1) } }
                    input type="text" id="as_at" name="as_at" value=(as_at_text) class="input-date" placeholder="dd/mm/yyyy" inputmode="numeric";
                }
                button type="submit" class="button button-secondary" { "Show" }
            }
        }
        // A refused decision on a record not listed here (no longer due, or due later) is
        // shown on its own, with what was typed, so nothing is lost.
        @if let Some(f) = refused.as_ref().filter(|f| !rows.iter().any(|r| r.person_id.0 == f.person_id)) {
            form method="post" action=(format!("/retention/{}", f.person_id)) class="decision notice" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                p { strong { "Decision for " (stepwise_domain::ids::local_person_id(stepwise_domain::ids::PersonId(f.person_id))) } }
                @for e in &f.errors { p class="error-message" id=(e.0) { (e.1) } }
                label for="d-refused" { "Decision" }
                select id="d-refused" name="decision" {
                    option value="keep" selected[f.form.decision == "keep"] { "Keep until" }
                    option value="dispose" selected[f.form.decision == "dispose"] { "Dispose" }
                }
                label for="k-refused" { "Keep until (for keep)" }
                input type="text" id="k-refused" name="review_on" class="input-date" placeholder="dd/mm/yyyy" value=(f.form.review_on);
                label for="r-refused" { "Reason" }
                input type="text" id="r-refused" name="reason" value=(f.form.reason);
                button type="submit" class="button button-secondary" { "Record" }
            }
        }
        h2 { (paging::fmt_count(rows.total)) @if rows.total == 1 { " record due" } @else { " records due" } }
        @if rows.is_empty() {
            p { "No record is due for review by then." }
        } @else {
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Records due for disposal review, soonest first" }
                    thead { tr { th scope="col" { "Record" } th scope="col" { "Rule" } th scope="col" { "Due" } th scope="col" { "Last activity" } th scope="col" { "Decision" } } }
                    tbody {
                        @for r in &rows {
                            @let failed = refused.as_ref().filter(|f| f.person_id == r.person_id.0);
                            @let value = |k: &str| failed.map(|f| match k { "decision" => f.form.decision.clone(), "review_on" => f.form.review_on.clone(), _ => f.form.reason.clone() }).unwrap_or_default();
                            tr id=(format!("record-{}", r.person_id)) {
                                td { a href=(format!("/people/{}", r.person_id)) { (r.name) } br; span class="muted" { (r.local_id) " · born " (fmt_opt_date(r.date_of_birth)) } }
                                td { strong { (class_label(&r.governing)) } br; span class="muted" { (r.reason) } @if let Some(p) = &r.previous { br; span class="tag" { "Earlier: " (p) } } }
                                td { (fmt_date(r.due)) }
                                td { (fmt_opt_date(r.last_activity)) }
                                td {
                                    form method="post" action=(format!("/retention/{}", r.person_id)) class="decision" {
                                        input type="hidden" name="csrf" value=(user.csrf_token);
                                        // After the decision, back to this page of the queue as at this date.
                                        input type="hidden" name="page" value=(rows.page);
                                        @if as_at != today { input type="hidden" name="as_at" value=(as_at.format("%d/%m/%Y")); }
                                        @if let Some(f) = failed { @for e in &f.errors { p class="error-message" id=(e.0) { (e.1) } } }
                                        label for=(format!("d{}", r.person_id)) class="visually-hidden" { "Decision for " (r.local_id) }
                                        select id=(format!("d{}", r.person_id)) name="decision" {
                                            option value="keep" selected[value("decision") == "keep"] { "Keep until" }
                                            option value="dispose" selected[value("decision") == "dispose"] { "Dispose" }
                                        }
                                        label for=(format!("k{}", r.person_id)) class="visually-hidden" { "Keep until (for keep)" }
                                        input type="text" id=(format!("k{}", r.person_id)) name="review_on" class="input-date" placeholder="dd/mm/yyyy" value=(value("review_on"));
                                        label for=(format!("r{}", r.person_id)) class="visually-hidden" { "Reason" }
                                        input type="text" id=(format!("r{}", r.person_id)) name="reason" placeholder="Reason" value=(value("reason"));
                                        button type="submit" class="button button-secondary" { "Record" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (paging::pager(&rows, "records", |n| paging::page_link("/retention", &link_pairs, n, "")))
        }
        p class="muted" { "The schedule: " @for (i, c) in RetentionClass::ALL.iter().enumerate() { @if i > 0 { "; " } (c.label()) ": " (state.config.retention.rule(*c).years) " years" } ". Authorities change it with --retention-schedule (docs/security.md)." }
    };
    let bad = !all_errors.is_empty();
    let mut res = Page::new(
        if bad {
            "Error: Records due for disposal review"
        } else {
            "Records due for disposal review"
        },
        Some(user),
        &state.authority_name,
    )
    .active("retention")
    .body(body)
    .into_response();
    if bad {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

/// The decision form's fields.
#[derive(Debug, serde::Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub review_on: String,
    #[serde(default)]
    pub reason: String,
    /// The page of the queue the form was on, and the date the queue was shown as at, so the
    /// answer returns there.
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub as_at: String,
}

impl DecisionForm {
    /// Where the queue was: the page and the as-at date, each kept only if it is well formed
    /// (the queue checks them again when it is shown).
    fn place(&self) -> (usize, Vec<(String, String)>) {
        let page = self
            .page
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let as_at = parse_date("as at", self.as_at.trim())
            .ok()
            .map(|d| ("as_at".to_string(), d.format("%d/%m/%Y").to_string()));
        (page, as_at.into_iter().collect())
    }
}

/// Records a decision on one record.
pub async fn decide(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(raw): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let id = person_id(&raw)?;
    // Every problem at once, beside the record's own form, with what was typed kept.
    let mut errors = Vec::new();
    let decision = match f.decision.as_str() {
        "dispose" => Some(RetentionDecision::Dispose),
        "keep" => match parse_date("keep until", f.review_on.trim()) {
            Ok(d) => Some(RetentionDecision::Keep { review_on: d }),
            Err(_) => {
                errors.push((
                    "review_on".to_string(),
                    "To keep a record, give the date to review it again, for example 01/04/2031"
                        .to_string(),
                ));
                None
            }
        },
        _ => {
            errors.push(("decision".to_string(), "Choose keep or dispose".to_string()));
            None
        }
    };
    if f.reason.trim().is_empty() {
        errors.push((
            "reason".to_string(),
            "Give the reason for the decision".to_string(),
        ));
    }
    let n = match decision.filter(|_| errors.is_empty()) {
        None => None,
        Some(decision) => match state
            .store
            .governance()
            .decide_retention(
                &user.actor(),
                &current_request_id(),
                id,
                decision,
                &f.reason,
                state.today(),
            )
            .await
        {
            Ok(n) => Some(n),
            Err(stepwise_store::StoreError::Invalid(m))
            | Err(stepwise_store::StoreError::Rule(stepwise_domain::DomainError::Field {
                message: m,
                ..
            })) => {
                let mut c = m.chars();
                let m = c
                    .next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default();
                errors.push(("decision".to_string(), m));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let (page, mut back) = f.place();
    let Some(n) = n else {
        let refused = Refused {
            person_id: id.0,
            form: &f,
            errors,
        };
        // The refused form is shown on the page it was sent from.
        let here = paging::page_link("", &back, page, "");
        let query = here.strip_prefix('?').unwrap_or_default().to_string();
        return render(&state, &user, Some(&query), Some(refused)).await;
    };
    back.insert(0, ("decided".to_string(), n.to_string()));
    Ok(see_other(&paging::page_link("/retention", &back, page, "")))
}
