//! How the front door's day went (the front door issue, item 7): contacts today and this week;
//! the share decided within one working day, by source and by locality; conversion to a referral
//! and to early help; re-referrals; repeat contacts; and the age of the queue now. Every figure
//! and every bar links to the list of contacts behind it (`/front-door/contacts?…`), which shows
//! children as the reader may see them and is audited like any list of children.
//!
//! The figures are computed from the contacts' own rows and steps (`FrontDoor::contact_facts`),
//! which read no names; only a list reads names.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Serialize;
use utoipa::ToSchema;

use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::localtime::{london_date, show};
use stepwise_domain::screening::{Rag, ScreeningTargets};
use stepwise_domain::threshold::Outcome;
use stepwise_store::ContactFact;

use super::{Page, encode_component, query_pairs};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::routes::current_request_id;
use crate::{AppState, WebError};

/// The period the rates are over.
const PERIOD_DAYS: i64 = 28;

/// Which contacts a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// `today`, `week`, `period`, `decided`, `in_time`, `late`, `referral`, `early_help`,
    /// `re_referral`, `repeat`, `waiting`.
    pub what: String,
    pub source: Option<String>,
    pub locality: Option<String>,
    /// A day (`YYYY-MM-DD`).
    pub day: Option<NaiveDate>,
    /// A queue age band (`0`..`3`).
    pub age: Option<usize>,
}

impl Filter {
    fn href(&self) -> String {
        let mut q = vec![format!("f={}", self.what)];
        if let Some(s) = &self.source {
            q.push(format!("source={}", encode_component(s)));
        }
        if let Some(l) = &self.locality {
            q.push(format!("locality={}", encode_component(l)));
        }
        if let Some(d) = self.day {
            q.push(format!("day={d}"));
        }
        if let Some(a) = self.age {
            q.push(format!("age={a}"));
        }
        format!("/front-door/contacts?{}", q.join("&"))
    }
    fn of(what: &str) -> Self {
        Self {
            what: what.into(),
            ..Self::default()
        }
    }
}

/// The queue's age bands, in hours since received.
const AGE_BANDS: [(&str, i64, i64); 4] = [
    ("Under 4 hours", 0, 4),
    ("4 to 24 hours", 4, 24),
    ("1 to 3 days", 24, 72),
    ("Over 3 days", 72, i64::MAX),
];

/// What the figures are computed against.
struct Frame<'a> {
    now: DateTime<Utc>,
    today: NaiveDate,
    cal: &'a WorkingDayCalendar,
    one_day: ScreeningTargets,
}

impl Frame<'_> {
    fn week_start(&self) -> NaiveDate {
        self.today - Duration::days(i64::from(self.today.weekday().num_days_from_monday()))
    }
    fn in_period(&self, f: &ContactFact) -> bool {
        f.received_at >= self.now - Duration::days(PERIOD_DAYS)
    }
    /// Decided within one working day of arriving (the same clock time, one working day on).
    fn in_time(&self, f: &ContactFact) -> Option<bool> {
        f.decided_at
            .map(|d| d <= self.one_day.decide_by(f.received_at, Rag::Amber, self.cal))
    }
    fn keeps(&self, f: &ContactFact, filter: &Filter) -> bool {
        let day = london_date(f.received_at);
        let referred = f.outcomes.iter().any(|o| {
            matches!(
                o,
                Outcome::SocialCareAssessment | Outcome::StrategyDiscussion
            )
        });
        let what = match filter.what.as_str() {
            "today" => day == self.today,
            "week" => day >= self.week_start(),
            "period" => self.in_period(f),
            "decided" => self.in_period(f) && f.decided_at.is_some(),
            "in_time" => self.in_period(f) && self.in_time(f) == Some(true),
            "late" => self.in_period(f) && self.in_time(f) == Some(false),
            "referral" => self.in_period(f) && referred,
            "early_help" => self.in_period(f) && f.outcomes.contains(&Outcome::EarlyHelp),
            "re_referral" => self.in_period(f) && f.re_referral,
            "repeat" => self.in_period(f) && f.repeat,
            "waiting" => f.decided_at.is_none(),
            _ => false,
        };
        what && filter
            .source
            .as_ref()
            .is_none_or(|s| f.source.as_str() == s)
            && filter
                .locality
                .as_ref()
                .is_none_or(|l| f.locality.as_deref().unwrap_or("Not known") == l)
            && filter.day.is_none_or(|d| d == day)
            && filter.age.is_none_or(|a| {
                let h = (self.now - f.received_at).num_hours();
                AGE_BANDS
                    .get(a)
                    .is_some_and(|(_, from, to)| h >= *from && h < *to)
            })
    }
}

/// A count with the share it is of something, for the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct Share {
    pub count: usize,
    pub of: usize,
    /// Percent, one decimal place; none when `of` is 0.
    pub percent: Option<f64>,
    /// The list of contacts behind the count.
    pub list: String,
}

fn share(count: usize, of: usize, list: String) -> Share {
    Share {
        count,
        of,
        percent: (of > 0).then(|| (count as f64 * 1000.0 / of as f64).round() / 10.0),
        list,
    }
}

/// One bar of a breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct Bar {
    pub label: String,
    pub share: Share,
}

/// The front door's figures (`GET /api/v1/contacts/dashboard`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub at: DateTime<Utc>,
    pub period_days: i64,
    pub today: Share,
    pub this_week: Share,
    /// Decided within one working day, of those decided in the period.
    pub decided_in_time: Share,
    pub by_source: Vec<Bar>,
    pub by_locality: Vec<Bar>,
    /// Decided contacts in the period that opened a referral (assessment or strategy
    /// discussion).
    pub to_referral: Share,
    pub to_early_help: Share,
    /// Referrals opened in the period for a child referred in the 12 months before.
    pub re_referrals: Share,
    /// Contacts in the period naming a child with another contact in the 12 months before.
    pub repeat_contacts: Share,
    /// Contacts waiting now, by how long they have waited.
    pub queue_age: Vec<Bar>,
    /// Contacts received each day of the last 14.
    pub per_day: Vec<Bar>,
}

fn figures(facts: &[ContactFact], frame: &Frame<'_>) -> Dashboard {
    let count = |filter: &Filter| facts.iter().filter(|f| frame.keeps(f, filter)).count();
    let share_of = |filter: Filter, of: &Filter| share(count(&filter), count(of), filter.href());
    let decided = Filter::of("decided");
    let period = Filter::of("period");
    let breakdown = |key: &dyn Fn(&ContactFact) -> String, by_source: bool| -> Vec<Bar> {
        let mut groups: BTreeMap<String, ()> = BTreeMap::new();
        for f in facts.iter().filter(|f| frame.keeps(f, &decided)) {
            groups.insert(key(f), ());
        }
        groups
            .into_keys()
            .map(|g| {
                let narrow = |what: &str| Filter {
                    what: what.into(),
                    source: by_source.then(|| g.clone()),
                    locality: (!by_source).then(|| g.clone()),
                    ..Filter::default()
                };
                let label = if by_source {
                    facts
                        .iter()
                        .find(|f| f.source.as_str() == g)
                        .map(|f| format!("{} ({g})", f.source.description()))
                        .unwrap_or(g.clone())
                } else {
                    g.clone()
                };
                Bar {
                    label,
                    share: share_of(narrow("in_time"), &narrow("decided")),
                }
            })
            .collect()
    };
    let waiting = Filter::of("waiting");
    Dashboard {
        at: frame.now,
        period_days: PERIOD_DAYS,
        today: share_of(Filter::of("today"), &Filter::of("today")),
        this_week: share_of(Filter::of("week"), &Filter::of("week")),
        decided_in_time: share_of(Filter::of("in_time"), &decided),
        by_source: breakdown(&|f| f.source.as_str().to_string(), true),
        by_locality: breakdown(
            &|f| f.locality.clone().unwrap_or_else(|| "Not known".into()),
            false,
        ),
        to_referral: share_of(Filter::of("referral"), &decided),
        to_early_help: share_of(Filter::of("early_help"), &decided),
        re_referrals: share_of(Filter::of("re_referral"), &Filter::of("referral")),
        repeat_contacts: share_of(Filter::of("repeat"), &period),
        queue_age: AGE_BANDS
            .iter()
            .enumerate()
            .map(|(i, (label, _, _))| {
                let f = Filter {
                    age: Some(i),
                    ..Filter::of("waiting")
                };
                Bar {
                    label: (*label).into(),
                    share: share_of(f, &waiting),
                }
            })
            .collect(),
        per_day: (0..14)
            .rev()
            .map(|n| {
                let day = frame.today - Duration::days(n);
                let f = Filter {
                    day: Some(day),
                    ..Filter::of("period")
                };
                Bar {
                    label: day.format("%a %-d").to_string(),
                    share: share_of(f, &period),
                }
            })
            .collect(),
    }
}

async fn load(state: &AppState) -> Result<(Vec<ContactFact>, DateTime<Utc>), WebError> {
    let now = state.now();
    // The rates' period, and far enough back for this week and the daily chart.
    let facts = state
        .store
        .front_door()
        .contact_facts(now - Duration::days(PERIOD_DAYS))
        .await?;
    Ok((facts, now))
}

fn frame(state: &AppState, now: DateTime<Utc>) -> Frame<'_> {
    Frame {
        now,
        today: london_date(now),
        cal: &state.calendar,
        one_day: ScreeningTargets::default(),
    }
}

/// The figures as JSON.
#[utoipa::path(get, path = "/api/v1/contacts/dashboard",
    responses((status = 200, body = Dashboard), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn api(
    State(state): State<AppState>,
    Extension(_user): Extension<CurrentUser>,
) -> Result<Json<Dashboard>, ApiError> {
    let (facts, now) = load(&state).await?;
    Ok(Json(figures(&facts, &frame(&state, now))))
}

/// Horizontal bars, each a link to its list: the share (or the count, when `counts`).
fn bars(caption: &str, bars: &[Bar], counts: bool) -> Markup {
    let row_h = 28;
    let height = row_h * bars.len().max(1) + 8;
    let max = bars.iter().map(|b| b.share.count).max().unwrap_or(0).max(1);
    html! {
        figure class="chart" {
            figcaption { (caption) }
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(caption) width="100%" height=(height) viewBox=(format!("0 0 640 {height}")) preserveAspectRatio="xMinYMin meet" {
                @for (i, b) in bars.iter().enumerate() {
                    @let y = i * row_h + 4;
                    @let fraction = if counts { b.share.count as f64 / max as f64 } else { b.share.percent.unwrap_or(0.0) / 100.0 };
                    @let w = (fraction * 230.0).round();
                    a href=(b.share.list) {
                        title { (b.label) ": " (value(&b.share, counts)) }
                        text x="0" y=(y + 17) font-size="13" fill="#1b1f23" { (truncate(&b.label, 38)) }
                        rect x="270" y=(y + 4) width="230" height="18" fill="#e1e6ea" {}
                        rect x="270" y=(y + 4) width=(w) height="18" fill="#1d4f5c" {}
                        text x="510" y=(y + 17) font-size="13" fill="#1b1f23" { (value(&b.share, counts)) }
                    }
                }
            }
        }
    }
}

fn value(s: &Share, counts: bool) -> String {
    if counts {
        s.count.to_string()
    } else {
        match s.percent {
            Some(p) => format!("{p:.0}% of {}", s.of),
            None => "none".into(),
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn stat(label: &str, s: &Share, percent: bool) -> Markup {
    html! {
        div class="stat" {
            a class="stat-value" href=(s.list) {
                @if percent { (s.percent.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "–".into())) } @else { (s.count) }
            }
            span class="stat-label" { (label) @if percent { " (" (s.count) " of " (s.of) ")" } }
        }
    }
}

/// The dashboard page.
pub async fn show_page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let (facts, now) = load(&state).await?;
    let d = figures(&facts, &frame(&state, now));
    let body = html! {
        p { a href="/front-door" { "Back to the queue" } }
        h1 { "How the front door is doing" }
        p class="lead" { "As at " (show(d.at)) ". Rates are over the last " (d.period_days) " days; every figure and bar opens the contacts behind it." }
        div class="stats" {
            (stat("contacts today", &d.today, false))
            (stat("contacts this week", &d.this_week, false))
            (stat("decided within one working day", &d.decided_in_time, true))
            (stat("became a referral", &d.to_referral, true))
            (stat("went to early help", &d.to_early_help, true))
            (stat("referrals that were re-referrals", &d.re_referrals, true))
            (stat("repeat contacts", &d.repeat_contacts, true))
        }
        (bars("Waiting now, by time since received", &d.queue_age, true))
        (bars("Contacts received each day, last 14 days", &d.per_day, true))
        (bars("Decided within one working day, by locality", &d.by_locality, false))
        (bars("Decided within one working day, by source", &d.by_source, false))
    };
    Ok(
        Page::new("Front door dashboard", Some(&user), &state.authority_name)
            .active("front-door")
            .body(body)
            .into_response(),
    )
}

/// Reads a list's filter from its query.
pub fn parse_filter(q: Option<&str>) -> Result<Filter, WebError> {
    let mut f = Filter::default();
    for (k, v) in query_pairs(q) {
        match k.as_str() {
            "f" => f.what = v,
            "source" => f.source = Some(v),
            "locality" => f.locality = Some(v),
            "day" => {
                f.day = Some(NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| {
                    WebError::BadRequest(format!("day {v:?} is not a date written YYYY-MM-DD"))
                })?)
            }
            "age" => {
                f.age = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|a| *a < AGE_BANDS.len())
                        .ok_or_else(|| WebError::BadRequest(format!("age {v:?} is not 0 to 3")))?,
                )
            }
            _ => {}
        }
    }
    // With no figure named, the contacts waiting now.
    if f.what.is_empty() {
        f.what = "waiting".into();
    }
    const KNOWN: [&str; 11] = [
        "today",
        "week",
        "period",
        "decided",
        "in_time",
        "late",
        "referral",
        "early_help",
        "re_referral",
        "repeat",
        "waiting",
    ];
    if !KNOWN.contains(&f.what.as_str()) {
        return Err(WebError::BadRequest(format!(
            "f {:?} is not one of {}",
            f.what,
            KNOWN.join(", ")
        )));
    }
    Ok(f)
}

fn describe(f: &Filter) -> String {
    let base = match f.what.as_str() {
        "today" => "Contacts received today",
        "week" => "Contacts received this week",
        "period" => "Contacts received",
        "decided" => "Contacts decided",
        "in_time" => "Contacts decided within one working day",
        "late" => "Contacts decided later than one working day",
        "referral" => "Contacts that became a referral",
        "early_help" => "Contacts that went to early help",
        "re_referral" => "Contacts that were re-referrals",
        "repeat" => "Repeat contacts",
        _ => "Contacts waiting",
    };
    let mut s = base.to_string();
    if let Some(src) = &f.source {
        s.push_str(&format!(", source {src}"));
    }
    if let Some(l) = &f.locality {
        s.push_str(&format!(", {l}"));
    }
    if let Some(d) = f.day {
        s.push_str(&format!(", {}", d.format("%-d %b %Y")));
    }
    if let Some(a) = f.age.and_then(|a| AGE_BANDS.get(a)) {
        s.push_str(&format!(", waiting {}", a.0.to_lowercase()));
    }
    s
}

/// The list of contacts behind a figure.
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let filter = parse_filter(q.as_deref())?;
    let (facts, now) = load(&state).await?;
    let fr = frame(&state, now);
    let mut shown: Vec<&ContactFact> = facts.iter().filter(|f| fr.keeps(f, &filter)).collect();
    shown.sort_by_key(|f| std::cmp::Reverse(f.received_at));
    let total = shown.len();
    shown.truncate(500);
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    let ids: Vec<i64> = shown
        .iter()
        .flat_map(|f| f.children.iter().map(|c| c.0))
        .collect();
    let names = state
        .store
        .front_door()
        .child_names(
            &reader,
            &current_request_id(),
            &ids,
            "front door dashboard list",
        )
        .await?;
    // A contact naming a child the reader may not see at all is not listed.
    shown.retain(|f| f.children.iter().all(|c| names.contains_key(&c.0)));
    let title = describe(&filter);
    let body = html! {
        p { a href="/front-door/dashboard" { "Back to the dashboard" } }
        h1 { (title) }
        p class="lead" { (shown.len()) " contact" @if shown.len() != 1 { "s" } @if total > shown.len() { " shown of " (total) } "." }
        div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
            table class="table" {
                caption class="visually-hidden" { (title) }
                thead { tr { th scope="col" { "Contact" } th scope="col" { "Received" } th scope="col" { "Children" } th scope="col" { "Source" } th scope="col" { "Decided" } th scope="col" { "Outcomes" } } }
                tbody {
                    @for f in &shown {
                        tr {
                            td { a href=(format!("/contacts/{}", f.id)) { (f.id) } }
                            td { (show(f.received_at)) }
                            td {
                                ul class="plain-list" {
                                    @for c in &f.children {
                                        @if let Some((n, name_only)) = names.get(&c.0) {
                                            li { a href=(format!("/people/{}", c.0)) { (n) } @if *name_only { " " span class="badge badge-restricted" { "Restricted" } } }
                                        }
                                    }
                                }
                            }
                            td { (f.source.description()) " (" (f.source.as_str()) ")" }
                            td {
                                @match (f.decided_at, fr.in_time(f)) {
                                    (Some(d), Some(true)) => { (show(d)) }
                                    (Some(d), _) => { (show(d)) br; span class="error-message" { "after one working day" } }
                                    (None, _) => { span class="muted" { "Waiting" } }
                                }
                            }
                            td { (f.outcomes.iter().map(|o| o.label()).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new(&title, Some(&user), &state.authority_name)
        .active("front-door")
        .body(body)
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stepwise_domain::ids::PersonId;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn fact(
        id: i64,
        received: &str,
        decided: Option<&str>,
        outcome: Option<Outcome>,
    ) -> ContactFact {
        ContactFact {
            id,
            received_at: at(received),
            decided_at: decided.map(at),
            source: "6".parse().unwrap(),
            rag: Rag::Amber,
            locality: Some("North Hub".into()),
            outcomes: outcome.into_iter().collect(),
            re_referral: false,
            repeat: id == 2,
            children: vec![PersonId(id)],
        }
    }

    #[test]
    fn a_friday_evening_contact_decided_on_monday_is_in_time() {
        let cal = WorkingDayCalendar::england().unwrap();
        // Thursday 3 December 2026, midday.
        let now = at("2026-12-03T12:00:00Z");
        let frame = Frame {
            now,
            today: london_date(now),
            cal: &cal,
            one_day: ScreeningTargets::default(),
        };
        let facts = vec![
            // Friday 27 November 18:00, decided Monday 30th 17:00: within one working day.
            fact(
                1,
                "2026-11-27T18:00:00Z",
                Some("2026-11-30T17:00:00Z"),
                Some(Outcome::EarlyHelp),
            ),
            // Monday 30th 09:00, decided Wednesday 10:00: late.
            fact(
                2,
                "2026-11-30T09:00:00Z",
                Some("2026-12-02T10:00:00Z"),
                Some(Outcome::SocialCareAssessment),
            ),
            // Today, waiting.
            fact(3, "2026-12-03T09:00:00Z", None, None),
        ];
        let d = figures(&facts, &frame);
        assert_eq!((d.decided_in_time.count, d.decided_in_time.of), (1, 2));
        assert_eq!(d.today.count, 1);
        assert_eq!(d.this_week.count, 2, "Monday and today");
        assert_eq!(d.to_referral.count, 1);
        assert_eq!(d.to_early_help.count, 1);
        assert_eq!(d.repeat_contacts.count, 1);
        assert_eq!(d.queue_age[0].share.count, 1, "waiting three hours");
        assert!(d.decided_in_time.list.ends_with("f=in_time"));
        let late = parse_filter(Some("f=late")).unwrap();
        assert_eq!(
            facts
                .iter()
                .filter(|f| frame.keeps(f, &late))
                .map(|f| f.id)
                .collect::<Vec<_>>(),
            [2]
        );
        assert!(parse_filter(Some("f=everything")).is_err());
        assert!(parse_filter(Some("f=today&age=9")).is_err());
    }
}
