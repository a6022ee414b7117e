//! The front door's pages: the screening queue (`/front-door`), the contact form
//! (`/contacts/new`), and one contact (`/contacts/{id}`) with its screening (rating, partner
//! checks) and its decision. Every form here is also an API call (`contacts_api`), and both go
//! through the same functions, so they refuse and write alike.
//!
//! The contact form's field names are the paths of the API's JSON body (`referrer.name`,
//! `children[0].date_of_birth`), so an error the API would name by its path is shown beside the
//! input of the same name.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde_json::{Map, Value};

use stepwise_domain::access::Permission;
use stepwise_domain::codes::{PrimaryNeed, ReferralSource, collection_year};
use stepwise_domain::contact::{
    Agency, ConsentStatus, ContactInput, ContactStatus, DecisionInput, RecordedDecision,
};
use stepwise_domain::localtime::{show, show_as};
use stepwise_domain::screening::Rag;
use stepwise_domain::threshold::Outcome;
use stepwise_store::{ContactDetail, ContactPerson, NamedCandidates, QueueItem};

use super::{Page, badges, error_summary, field_class, field_errors, fmt_opt_date};
use crate::auth::CurrentUser;
use crate::contacts_api::{self, ContactRefusal};
use crate::routes::{current_request_id, see_other};
use crate::{AppState, WebError};

/// How many children and adults the contact form has rows for.
const CHILD_ROWS: usize = 4;
const ADULT_ROWS: usize = 2;

/// A form body as its pairs, in order.
type Pairs = Vec<(String, String)>;

fn get<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Time left until `due`, in words: "3 h 10 min left" or "overdue by 25 min".
pub fn time_left(due: DateTime<Utc>, now: DateTime<Utc>) -> (String, bool) {
    let m = (due - now).num_minutes();
    let words = |m: i64| {
        let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
        match (d, h) {
            (0, 0) => format!("{min} min"),
            (0, _) => format!("{h} h {min} min"),
            _ => format!("{d} d {h} h"),
        }
    };
    if m >= 0 {
        (format!("{} left", words(m)), false)
    } else {
        (format!("overdue by {}", words(-m)), true)
    }
}

fn rag_tag(rag: Rag) -> Markup {
    let class = match rag {
        Rag::Red => "tag tag-red",
        Rag::Amber => "tag tag-amber",
        Rag::Green => "tag tag-green",
    };
    html! { span class=(class) { (rag.label()) } }
}

fn status_tag(s: ContactStatus) -> Markup {
    let class = match s {
        ContactStatus::Awaiting => "tag",
        ContactStatus::AwaitingAuthorisation => "tag tag-purple",
        ContactStatus::Decided => "tag tag-green",
    };
    html! { span class=(class) { (s.label()) } }
}

fn person_line(p: &ContactPerson) -> Markup {
    html! {
        a href=(format!("/people/{}", p.person_id)) { (p.name) }
        " " span class="muted" { (p.local_id) }
        @if p.name_only {
            " " span class="badge badge-restricted" { "Restricted" }
        } @else {
            @if p.created { " " span class="tag tag-small" { "New to the record" } }
            @else if p.open.is_empty() { " " span class="tag tag-small" { "Known, not open" } }
            " " (badges(&p.open))
            @if p.repeat_contacts > 0 {
                " " span class="tag tag-small tag-red" { (p.repeat_contacts) " earlier contact" @if p.repeat_contacts != 1 { "s" } " in 12 months" }
            }
        }
    }
}

/// The screening queue: every contact not yet decided, the one due first first.
pub async fn queue(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    let items: Vec<QueueItem> = state
        .store
        .front_door()
        .queue(&reader, &current_request_id())
        .await?;
    let now = state.now();
    let overdue = items.iter().filter(|i| i.decide_by < now).count();
    let red = items.iter().filter(|i| i.rag == Rag::Red).count();
    let authorising = items
        .iter()
        .filter(|i| i.status == ContactStatus::AwaitingAuthorisation)
        .count();
    let checks: usize = items.iter().map(|i| i.checks_outstanding).sum();
    let body = html! {
        div class="record-actions" {
            a class="button" href="/contacts/new" { "Record a contact" }
            " "
            a class="button button-secondary" href="/people/match" { "Is this person already known?" }
            " "
            a class="button button-secondary" href="/front-door/dashboard" { "How the front door is doing" }
        }
        h1 { "Front door" }
        p class="lead" { "Contacts waiting for a decision, the one due first at the top. Red contacts are due within " (state.config.screening.red_hours) " hours; the rest within the working-day limit." }
        div class="stats" {
            div class="stat" { span class="stat-value" { (items.len()) } span class="stat-label" { "waiting" } }
            div class=(if overdue > 0 { "stat stat-alert" } else { "stat" }) { span class="stat-value" { (overdue) } span class="stat-label" { "past their decision time" } }
            div class="stat" { span class="stat-value" { (red) } span class="stat-label" { "rated red" } }
            div class="stat" { span class="stat-value" { (checks) } span class="stat-label" { "partner checks outstanding" } }
            div class="stat" { span class="stat-value" { (authorising) } span class="stat-label" { "awaiting a manager" } }
        }
        @if items.is_empty() {
            p { "Nothing is waiting. New contacts appear here as they arrive." }
        } @else {
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Contacts waiting, the one due first first" }
                    thead { tr {
                        th scope="col" { "Due" } th scope="col" { "Rating" } th scope="col" { "Children" }
                        th scope="col" { "From" } th scope="col" { "Concerns" } th scope="col" { "Checks" } th scope="col" { "Status" }
                    } }
                    tbody {
                        @for i in &items {
                            @let (left, late) = time_left(i.decide_by, now);
                            tr {
                                td {
                                    a href=(format!("/contacts/{}", i.id)) { (show(i.decide_by)) }
                                    br;
                                    span class=(if late { "error-message" } else { "muted" }) { (left) }
                                }
                                td { (rag_tag(i.rag)) }
                                td {
                                    ul class="plain-list" {
                                        @for c in &i.children { li { (person_line(c)) } }
                                        @for n in &i.to_match { li { (n) " " span class="tag tag-small tag-amber" { "To match" } } }
                                    }
                                }
                                td { (i.agency) br; span class="muted" { (i.source.description()) } br; span class="muted" { "Received " (show(i.received_at)) } }
                                td {
                                    @if i.concerns.is_empty() { span class="muted" { "Restricted: open the contact to read" } }
                                    @else { (i.concerns) }
                                }
                                td {
                                    @if i.checks_outstanding > 0 {
                                        (i.checks_outstanding) " waiting"
                                        @if let Some(d) = i.next_check_due { br; span class="muted" { "next due " (show_as(d, "%H:%M")) } }
                                    } @else { span class="muted" { "None waiting" } }
                                }
                                td { (status_tag(i.status)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(Page::new("Front door", Some(&user), &state.authority_name)
        .active("front-door")
        .body(body)
        .into_response())
}

/// Turns form pairs named by JSON paths (`children[0].given_name`) into a JSON object.
fn pairs_to_json(pairs: &Pairs) -> Value {
    let mut root = Value::Object(Map::new());
    for (k, v) in pairs {
        if k == "csrf" {
            continue;
        }
        let parts: Vec<&str> = k.split('.').collect();
        put(&mut root, &parts, v);
    }
    root
}

fn put(at: &mut Value, parts: &[&str], v: &str) {
    let Some((first, rest)) = parts.split_first() else {
        *at = Value::String(v.to_string());
        return;
    };
    let (name, index) = match first.split_once('[') {
        Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
        None => (*first, None),
    };
    let Value::Object(map) = at else { return };
    let slot = map.entry(name.to_string()).or_insert_with(|| match index {
        Some(_) => Value::Array(Vec::new()),
        None => Value::Object(Map::new()),
    });
    match index {
        // At most a few rows: an index beyond them is not a field of these forms.
        Some(i) if i < 32 => {
            let Value::Array(list) = slot else { return };
            while list.len() <= i {
                list.push(Value::Object(Map::new()));
            }
            put(&mut list[i], rest, v);
        }
        Some(_) => {}
        None => put(slot, rest, v),
    }
}

/// The contact as the form sent it: empty rows dropped, a local ID or a chosen candidate
/// turned into the person's key, and `create_new` set when every person whose candidates were
/// shown was confirmed as new.
fn contact_input(pairs: &Pairs) -> Result<(ContactInput, Vec<String>), WebError> {
    let mut v = pairs_to_json(pairs);
    let mut problems = Vec::new();
    let mut chosen_new = 0;
    let mut asked = 0;
    for side in ["children", "adults"] {
        let Some(Value::Array(list)) = v.get_mut(side) else {
            continue;
        };
        let mut kept = Vec::new();
        for (i, p) in list.drain(..).enumerate() {
            let Value::Object(mut m) = p else { continue };
            let text = |m: &Map<String, Value>, k: &str| {
                m.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            let choice = text(&m, "match");
            let local = text(&m, "local_id");
            m.remove("match");
            m.remove("local_id");
            if !choice.is_empty() {
                asked += 1;
            }
            let key = if let Ok(id) = choice.parse::<i64>() {
                Some(id)
            } else if !local.is_empty() {
                match stepwise_domain::ids::parse_local_person_id(&local) {
                    Some(id) => Some(id.0),
                    None => {
                        problems.push(format!("{side}[{i}].local_id"));
                        None
                    }
                }
            } else {
                None
            };
            if choice == "new" {
                chosen_new += 1;
            }
            match key {
                Some(id) => kept.push(serde_json::json!({ "person_id": id })),
                None => {
                    let empty = m
                        .values()
                        .all(|x| x.as_str().is_none_or(|s| s.trim().is_empty()))
                        || m.iter().all(|(k, x)| {
                            k == "sex" || x.as_str().is_none_or(|s| s.trim().is_empty())
                        });
                    if !empty {
                        m.retain(|_, x| x.as_str().is_some_and(|s| !s.trim().is_empty()));
                        kept.push(Value::Object(m));
                    }
                }
            }
        }
        *list = kept;
    }
    if asked > 0 && chosen_new == asked {
        v["create_new"] = Value::Bool(true);
    }
    // A datetime-local input sends "2026-12-03T09:30", in England's time.
    if let Some(t) = v.get("received_at").and_then(Value::as_str) {
        let t = t.trim();
        v["received_at"] = if t.is_empty() {
            Value::Null
        } else {
            match chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M") {
                Ok(n) => match stepwise_domain::localtime::from_london(n) {
                    Some(l) => Value::String(l.to_rfc3339()),
                    None => Value::String(t.to_string()),
                },
                Err(_) => Value::String(t.to_string()),
            }
        };
    }
    let input: ContactInput = serde_json::from_value(v)
        .map_err(|e| WebError::BadRequest(format!("the form could not be read: {e}")))?;
    Ok((input, problems))
}

/// The empty contact form.
pub async fn new_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    Ok(form_page(&state, &user, &Vec::new(), &[], &[]))
}

/// Receives the form: the contact's page on success; the form again naming each problem, or
/// showing who the new people might be.
pub async fn create(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let (input, bad_ids) = contact_input(&pairs)?;
    if !bad_ids.is_empty() {
        let errors: Vec<(String, String)> = bad_ids
            .into_iter()
            .map(|f| {
                (
                    f,
                    "Enter a local ID like P0001234, or leave it empty".to_string(),
                )
            })
            .collect();
        return Ok(refused(form_page(&state, &user, &pairs, &errors, &[])));
    }
    let channel = contacts_api::channel_of(&user);
    match contacts_api::receive(&state, &user, input, channel).await {
        Ok(r) => Ok(see_other(&format!("/contacts/{}", r.id))),
        Err(ContactRefusal::Candidates(c)) => {
            Ok(refused(form_page(&state, &user, &pairs, &[], &c)))
        }
        Err(ContactRefusal::Web(WebError::Invalid(errors))) => {
            Ok(refused(form_page(&state, &user, &pairs, &errors, &[])))
        }
        Err(ContactRefusal::Web(e)) => Err(e),
    }
}

fn refused(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r
}

/// Who is filling the contact form in: the front door, or a partner professional referring.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FormFor {
    FrontDoor,
    Partner,
}

fn form_page(
    state: &AppState,
    user: &CurrentUser,
    pairs: &Pairs,
    errors: &[(String, String)],
    candidates: &[NamedCandidates],
) -> Response {
    contact_form(state, user, pairs, errors, candidates, FormFor::FrontDoor)
}

/// The contact form, for the front door or for a partner.
pub fn contact_form(
    state: &AppState,
    user: &CurrentUser,
    pairs: &Pairs,
    errors: &[(String, String)],
    candidates: &[NamedCandidates],
    who: FormFor,
) -> Response {
    let partner = who == FormFor::Partner;
    let year = collection_year(state.today());
    let sources = ReferralSource::all_in(year).unwrap_or_default();
    // A partner's own name is offered on a fresh form; they can change it.
    let value = |name: &str| {
        let v = get(pairs, name).to_string();
        if partner && pairs.is_empty() && name == "referrer.name" {
            user.display_name.clone()
        } else {
            v
        }
    };
    let text = |name: String, label: &str, hint: Option<&str>| -> Markup {
        html! {
            div class=(field_class(errors, &name)) {
                label for=(name) { (label) }
                @if let Some(h) = hint { p class="hint" { (h) } }
                (field_errors(errors, &name))
                input type="text" id=(name) name=(name) value=(value(&name)) autocomplete="off";
            }
        }
    };
    let person_rows = |side: &str, rows: usize, noun: &str| -> Markup {
        html! {
            @for i in 0..rows {
                @let at = |f: &str| format!("{side}[{i}].{f}");
                @let held = candidates.iter().find(|c| c.field == format!("{side}[{i}]"));
                fieldset class="filters" id=(format!("{side}[{i}]")) {
                    legend { (noun) " " (i + 1) @if i > 0 { " (if any)" } }
                    @if let Some(h) = held {
                        div class="notice notice-warning" {
                            p { strong { @if h.blocking { "This person is already on the record (the identifier matches)." } @else { "People on the record may be this person." } } " Choose who they are" @if !h.blocking { ", or confirm they are someone new" } "." }
                            @for c in &h.candidates {
                                div class="checkbox" {
                                    input type="radio" id=(format!("{}-{}", at("match"), c.found.person_id.0)) name=(at("match")) value=(c.found.person_id.0) required;
                                    label for=(format!("{}-{}", at("match"), c.found.person_id.0)) {
                                        (c.name) " (" (c.local_id) ", " (fmt_opt_date(c.date_of_birth)) "): "
                                        (c.found.strength.as_str()) ", "
                                        (c.found.reasons.iter().map(|r| r.describe()).collect::<Vec<_>>().join("; "))
                                    }
                                }
                            }
                            @if !h.blocking {
                                div class="checkbox" {
                                    input type="radio" id=(format!("{}-new", at("match"))) name=(at("match")) value="new";
                                    label for=(format!("{}-new", at("match"))) { "None of these: a new person" }
                                }
                            }
                        }
                    }
                    @if !partner {
                        div class="filter-row" {
                            (text(at("local_id"), "Already on the record? Local ID", Some("Such as P0001234; leave the rest empty")))
                        }
                    }
                    div class="filter-row" {
                        (text(at("given_name"), "Given name", None))
                        (text(at("family_name"), "Family name", None))
                    }
                    div class="filter-row" {
                        div class=(field_class(errors, &at("date_of_birth"))) {
                            label for=(at("date_of_birth")) { "Date of birth" }
                            (field_errors(errors, &at("date_of_birth")))
                            input type="date" id=(at("date_of_birth")) name=(at("date_of_birth")) value=(value(&at("date_of_birth")));
                        }
                        div class=(field_class(errors, &at("sex"))) {
                            label for=(at("sex")) { "Sex" }
                            (field_errors(errors, &at("sex")))
                            select id=(at("sex")) name=(at("sex")) {
                                @for (v, l) in [("", "Not known"), ("F", "Female"), ("M", "Male")] {
                                    option value=(v) selected[value(&at("sex")) == v] { (l) }
                                }
                            }
                        }
                        (text(at("nhs_number"), "NHS number", None))
                    }
                    div class="filter-row" {
                        (text(at("address"), "Address (first line)", None))
                        (text(at("postcode"), "Postcode", None))
                    }
                }
            }
        }
    };
    let consent = value("consent.status");
    let body = html! {
        (error_summary(errors))
        @if partner {
            h1 { "Refer a child to the front door" }
            p class="lead" { "Tell the front door what worries you about a child, in your own words. The front door decides what help is needed within one working day and tells you what it decided. If a child is in immediate danger, call 999." }
        } @else {
            h1 { "Record a contact" }
            p class="lead" { "Everything the referrer tells you, in their words. The people named are checked against the record before anyone new is created." }
        }
        form method="post" action=(if partner { "/shared/refer" } else { "/contacts" }) novalidate class="record-form" {
            input type="hidden" name="csrf" value=(user.csrf_token);
            h2 { @if partner { "You" } @else { "Who is referring" } }
            div class="filter-row" {
                (text("referrer.name".into(), "Name", None))
                (text("referrer.agency".into(), "Agency", Some("Such as Police, Northbridge Primary School, a relative")))
            }
            div class="filter-row" {
                (text("referrer.role".into(), "Role", None))
                (text("referrer.phone".into(), "Telephone", None))
                (text("referrer.email".into(), "Email", None))
            }
            div class=(field_class(errors, "source")) {
                label for="source" { "Referral source" }
                p class="hint" { "The CIN census code list" }
                (field_errors(errors, "source"))
                select id="source" name="source" {
                    option value="" { "Choose the source" }
                    @for s in &sources {
                        option value=(s.as_str()) selected[value("source") == s.as_str()] { (s.as_str()) ": " (s.description()) }
                    }
                }
            }
            @if !partner { div class="filter-row" {
                div class=(field_class(errors, "received_at")) {
                    label for="received_at" { "Received" }
                    p class="hint" { "Leave empty for now" }
                    (field_errors(errors, "received_at"))
                    input type="datetime-local" id="received_at" name="received_at" value=(value("received_at"));
                }
                div class=(field_class(errors, "urgency")) {
                    label for="urgency" { "Urgency" }
                    (field_errors(errors, "urgency"))
                    select id="urgency" name="urgency" {
                        @for (v, l) in [("amber", "Amber: decide within the working day"), ("red", "Red: immediate risk"), ("green", "Green")] {
                            option value=(v) selected[value("urgency") == v] { (l) }
                        }
                    }
                }
            } }
            h2 { "The concerns" }
            div class=(field_class(errors, "concerns")) {
                label for="concerns" { "What the referrer is worried about, in their words" }
                (field_errors(errors, "concerns"))
                textarea id="concerns" name="concerns" rows="8" { (value("concerns")) }
            }
            h2 { "Consent to share" }
            div class=(field_class(errors, "consent.status")) {
                fieldset {
                    legend { "Did the family agree to this being shared?" }
                    (field_errors(errors, "consent.status"))
                    @for c in ConsentStatus::ALL {
                        div class="checkbox" {
                            input type="radio" id=(format!("consent-{}", c.as_str())) name="consent.status" value=(c.as_str()) checked[consent == c.as_str()];
                            label for=(format!("consent-{}", c.as_str())) { (c.label()) }
                        }
                    }
                }
            }
            div class=(field_class(errors, "consent.basis")) {
                label for="consent.basis" { "The basis, or why it is shared without consent" }
                p class="hint" { "Without consent, say why: the duty to share where a child may be at risk of harm." }
                (field_errors(errors, "consent.basis"))
                textarea id="consent.basis" name="consent.basis" rows="3" { (value("consent.basis")) }
            }
            h2 { "Children" }
            (field_errors(errors, "children"))
            (person_rows("children", CHILD_ROWS, "Child"))
            h2 { "Adults" }
            (person_rows("adults", ADULT_ROWS, "Adult"))
            button type="submit" class="button" { @if partner { "Send to the front door" } @else { "Record the contact" } }
        }
    };
    Page::new(
        if partner {
            "Refer a child"
        } else {
            "Record a contact"
        },
        Some(user),
        &state.authority_name,
    )
    .active(if partner { "shared" } else { "front-door" })
    .body(body)
    .into_response()
}

/// One contact: who, what, the checks, and the decision (or the form to make it).
pub async fn show_contact(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    contact_page(&state, &user, id, &[], &Vec::new()).await
}

fn contact_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::NotFound(format!("contact {raw:?}")))
}

async fn contact_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    errors: &[(String, String)],
    sent: &Pairs,
) -> Result<Response, WebError> {
    let actor = user.actor();
    let reader = user.reader(&actor, &state.config.policy);
    let c: ContactDetail = state
        .store
        .front_door()
        .contact(&reader, &current_request_id(), id)
        .await?;
    let now = state.now();
    let (left, late) = time_left(c.decide_by, now);
    let model = &state.threshold;
    let year = collection_year(state.today());
    let needs = PrimaryNeed::all_in(year).unwrap_or_default();
    let open = c.status != ContactStatus::Decided;
    let mut to_match = Vec::new();
    for u in &c.unmatched {
        let found = contacts_api::candidates(state, user, c.id, u.ordinal).await?;
        to_match.push((u, found));
    }
    let children_to_match = c.unmatched.iter().any(|u| u.role == "child");
    let value = |name: &str| get(sent, name).to_string();
    let csrf = html! { input type="hidden" name="csrf" value=(user.csrf_token); };
    let body = html! {
        (error_summary(errors))
        p { a href="/front-door" { "Back to the front door" } }
        div class="record-header" {
            h1 { "Contact " (c.id) }
            p class="identity-line" {
                (rag_tag(c.rag)) " " (status_tag(c.status))
                @if open {
                    " Decide by " strong { (show(c.decide_by)) } " "
                    span class=(if late { "error-message" } else { "muted" }) { "(" (left) ")" }
                }
            }
        }
        div class="record-columns" {
            section {
                h2 { "The contact" }
                dl class="summary-list" {
                    dt { "Received" } dd { (show(c.received_at)) }
                    dt { "From" } dd { (c.referrer.name) ", " (c.referrer.agency) @if !c.referrer.role.is_empty() { " (" (c.referrer.role) ")" } }
                    dt { "Contact details" } dd { @if c.referrer.phone.is_empty() && c.referrer.email.is_empty() { "None given" } @else { (c.referrer.phone) " " (c.referrer.email) } }
                    dt { "Source" } dd { (c.source.as_str()) ": " (c.source.description()) }
                    dt { "Came in by" } dd { (match c.channel { stepwise_domain::contact::Channel::Professional => "The front door or another system", stepwise_domain::contact::Channel::Partner => "A partner's page", stepwise_domain::contact::Channel::Public => "The public form" }) }
                    dt { "Consent" } dd { (c.consent.label()) @if !c.consent_basis.is_empty() { ": " (c.consent_basis) } }
                }
                h3 { "Concerns" }
                p class="entry-text" { (c.concerns) }
            }
            section {
                h2 { "Children" }
                ul class="plain-list" {
                    @for p in &c.children {
                        li {
                            (person_line(p))
                            @if let Some(d) = p.date_of_birth { br; span class="muted" { "Born " (super::fmt_date(d)) } }
                            @if let Some(w) = &p.allocated_worker { br; span class="muted" { "Allocated to " (w) } }
                        }
                    }
                }
                @if !c.adults.is_empty() {
                    h2 { "Adults" }
                    ul class="plain-list" { @for p in &c.adults { li { (person_line(p)) } } }
                }
            }
        }
        @if !to_match.is_empty() {
            h2 id="match" { "People to match" }
            p { "The referrer described these people; they are not linked to anyone's record yet. Choose who each one is, or add them as someone new. A child's contact appears in their chronology once they are matched." }
            @for (u, found) in &to_match {
                section class="search-form" {
                    h3 { (u.name()) " " span class="muted" { "(" (if u.role == "child" { "child" } else { "adult" }) ")" } }
                    p class="muted" {
                        @if let Some(d) = &u.described.date_of_birth { "Born " (d) ". " }
                        @if let Some(n) = &u.described.nhs_number { "NHS number " (n) ". " }
                        @if let Some(a) = &u.described.address { (a) " " }
                        @if let Some(pc) = &u.described.postcode { (pc) }
                    }
                    form method="post" action=(format!("/contacts/{}/people/{}/match", c.id, u.ordinal)) {
                        (csrf)
                        fieldset {
                            legend { "Who is this?" }
                            @for f in found {
                                div class="checkbox" {
                                    input type="radio" id=(format!("m{}-{}", u.ordinal, f.found.person_id.0)) name="person" value=(f.found.person_id.0);
                                    label for=(format!("m{}-{}", u.ordinal, f.found.person_id.0)) {
                                        a href=(format!("/people/{}", f.found.person_id.0)) { (f.name) } " (" (f.local_id) ", " (fmt_opt_date(f.date_of_birth)) "): " (f.found.strength.as_str())
                                        @if f.restriction.is_none() { ", " (f.found.reasons.iter().map(|r| r.describe()).collect::<Vec<_>>().join("; ")) }
                                    }
                                }
                            }
                            div class="checkbox" {
                                input type="radio" id=(format!("m{}-new", u.ordinal)) name="person" value="new";
                                label for=(format!("m{}-new", u.ordinal)) { "Someone new: add them to the record" }
                            }
                        }
                        button type="submit" class="button button-secondary" { "Match" }
                    }
                }
            }
        }
        h2 id="checks" { "Partner checks" }
        @if c.checks.is_empty() { p class="muted" { "No checks asked for." } }
        @else {
            table class="table" {
                caption class="visually-hidden" { "Checks with partner agencies" }
                thead { tr { th scope="col" { "Agency" } th scope="col" { "Asked" } th scope="col" { "Due" } th scope="col" { "Answer" } } }
                tbody {
                    @for k in &c.checks {
                        tr {
                            td { (k.agency.label()) }
                            td { (k.question) br; span class="muted" { (show(k.requested_at)) " by " (k.requested_by) } }
                            td { (show(k.due_at)) @if k.response.is_none() && k.due_at < now { br; span class="error-message" { "Overdue" } } }
                            td {
                                @if let Some(r) = &k.response {
                                    (r) br; span class="muted" { (k.answered_at.map(show).unwrap_or_default()) " by " (k.answered_by.clone().unwrap_or_default()) }
                                } @else if open {
                                    form method="post" action=(format!("/contacts/{}/checks/{}/response", c.id, k.id)) class="inline" {
                                        (csrf)
                                        label for=(format!("response-{}", k.id)) class="visually-hidden" { "The agency's answer" }
                                        textarea id=(format!("response-{}", k.id)) name="response" rows="2" {}
                                        button type="submit" class="button button-secondary" { "Record the answer" }
                                    }
                                } @else { span class="muted" { "Not answered" } }
                            }
                        }
                    }
                }
            }
        }
        @if open {
            details open[errors.iter().any(|e| e.0 == "agency" || e.0 == "question")] {
                summary { "Ask a partner agency" }
                form method="post" action=(format!("/contacts/{}/checks", c.id)) class="record-form" {
                    (csrf)
                    div class=(field_class(errors, "agency")) {
                        label for="agency" { "Agency" }
                        (field_errors(errors, "agency"))
                        select id="agency" name="agency" { @for a in Agency::ALL { option value=(a.as_str()) { (a.label()) } } }
                    }
                    div class=(field_class(errors, "question")) {
                        label for="question" { "What they are asked" }
                        (field_errors(errors, "question"))
                        textarea id="question" name="question" rows="2" { (value("question")) }
                    }
                    button type="submit" class="button button-secondary" { "Ask" }
                }
            }
            details open[errors.iter().any(|e| e.0 == "rag" || e.0 == "reason")] {
                summary { "Change the rating" }
                form method="post" action=(format!("/contacts/{}/rating", c.id)) class="record-form" {
                    (csrf)
                    div class="field" {
                        label for="rag" { "Rating" }
                        select id="rag" name="rag" { @for r in [Rag::Red, Rag::Amber, Rag::Green] { option value=(r.as_str()) selected[r == c.rag] { (r.label()) } } }
                    }
                    div class=(field_class(errors, "reason")) {
                        label for="reason" { "Why" }
                        (field_errors(errors, "reason"))
                        input type="text" id="reason" name="reason" value=(value("reason"));
                    }
                    button type="submit" class="button button-secondary" { "Change the rating" }
                }
            }
        }
        h2 id="decision" { "Decision" }
        @if let Some((d, authorised_by, at)) = &c.decision {
            (decision_summary(d, model, &c.children))
            p class="muted" { "Decided " (show(*at)) " by " (d.decided_by) @if let Some(a) = authorised_by { "; authorised by " (a) } "." }
        } @else if let Some(p) = &c.proposal {
            (decision_summary(p, model, &c.children))
            p class="muted" { "Proposed by " (p.decided_by) ". The threshold model needs a manager to authorise it." }
            @if user.holds(Permission::AuthoriseDecisions) {
                form method="post" action=(format!("/contacts/{}/authorisation", c.id)) class="record-form" {
                    (csrf)
                    div class=(field_class(errors, "reason")) {
                        label for="auth-reason" { "If you send it back, why" }
                        (field_errors(errors, "reason"))
                        input type="text" id="auth-reason" name="reason" value=(value("reason"));
                    }
                    button type="submit" name="approve" value="true" class="button" { "Authorise the decision" }
                    " "
                    button type="submit" name="approve" value="false" class="button button-secondary" { "Send it back" }
                }
            }
        } @else if children_to_match {
            p { "Match the children named to the record (above) before deciding." }
        } @else {
            form method="post" action=(format!("/contacts/{}/decision", c.id)) class="record-form" {
                (csrf)
                p { "Decide for each child. " a href="/threshold" { "The levels of need" } " say what each level may open; a manager authorises " (model.authorisation().iter().map(|o| o.label().to_lowercase()).collect::<Vec<_>>().join(" and ")) "." }
                @for (i, p) in c.children.iter().enumerate() {
                    @let at = |f: &str| format!("children[{i}].{f}");
                    fieldset class="filters" {
                        legend { (p.name) " " span class="muted" { (p.local_id) } }
                        input type="hidden" name=(at("person_id")) value=(p.person_id);
                        div class="filter-row" {
                            div class=(field_class(errors, &at("level"))) {
                                label for=(at("level")) { "Level of need" }
                                (field_errors(errors, &at("level")))
                                select id=(at("level")) name=(at("level")) {
                                    option value="" { "Choose" }
                                    @for l in model.levels() { option value=(l.level.as_str()) selected[value(&at("level")) == l.level.as_str()] { (l.level) ": " (l.name) } }
                                }
                            }
                            div class=(field_class(errors, &at("outcome"))) {
                                label for=(at("outcome")) { "Outcome" }
                                (field_errors(errors, &at("outcome")))
                                select id=(at("outcome")) name=(at("outcome")) {
                                    option value="" { "Choose" }
                                    @for o in Outcome::ALL { option value=(o.as_str()) selected[value(&at("outcome")) == o.as_str()] { (o.label()) } }
                                }
                            }
                            div class=(field_class(errors, &at("primary_need"))) {
                                label for=(at("primary_need")) { "Primary need (for a referral)" }
                                (field_errors(errors, &at("primary_need")))
                                select id=(at("primary_need")) name=(at("primary_need")) {
                                    option value="" { "Not stated" }
                                    @for n in &needs { option value=(n.as_str()) selected[value(&at("primary_need")) == n.as_str()] { (n.as_str()) ": " (n.description()) } }
                                }
                            }
                        }
                    }
                }
                div class=(field_class(errors, "rationale")) {
                    label for="rationale" { "Rationale" }
                    (field_errors(errors, "rationale"))
                    textarea id="rationale" name="rationale" rows="5" { (value("rationale")) }
                }
                div class=(field_class(errors, "feedback_to_referrer")) {
                    label for="feedback_to_referrer" { "Feedback to the referrer" }
                    (field_errors(errors, "feedback_to_referrer"))
                    textarea id="feedback_to_referrer" name="feedback_to_referrer" rows="3" { (value("feedback_to_referrer")) }
                }
                button type="submit" class="button" { "Record the decision" }
            }
        }
    };
    Ok(Page::new(
        &format!("Contact {}", c.id),
        Some(user),
        &state.authority_name,
    )
    .active("front-door")
    .body(body)
    .into_response())
}

fn decision_summary(
    d: &RecordedDecision,
    model: &stepwise_domain::threshold::ThresholdModel,
    children: &[ContactPerson],
) -> Markup {
    html! {
        table class="table" {
            caption class="visually-hidden" { "The decision for each child" }
            thead { tr { th scope="col" { "Child" } th scope="col" { "Level" } th scope="col" { "Outcome" } } }
            tbody {
                @for c in &d.children {
                    tr {
                        td {
                            a href=(format!("/people/{}", c.person_id)) {
                                (children.iter().find(|p| p.person_id == c.person_id).map(|p| p.name.clone()).unwrap_or_else(|| stepwise_domain::ids::local_person_id(stepwise_domain::ids::PersonId(c.person_id))))
                            }
                        }
                        td { (c.level) @if let Some(l) = model.level(&c.level) { ": " (l.name) } }
                        td { (c.outcome.label()) @if c.team.is_some() { br; span class="muted" { "Waiting for allocation in a team" } } }
                    }
                }
            }
        }
        h3 { "Rationale" }
        p class="entry-text" { (d.rationale) }
        h3 { "Feedback to the referrer" }
        p class="entry-text" { (d.feedback_to_referrer) }
    }
}

/// After a screening step or decision: back to the contact, or the page again with the errors.
async fn after(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    pairs: &Pairs,
    result: Result<(), WebError>,
    anchor: &str,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/contacts/{id}#{anchor}"))),
        Err(WebError::Invalid(errors)) => Ok(refused(
            contact_page(state, user, id, &errors, pairs).await?,
        )),
        Err(e) => Err(e),
    }
}

/// The decision form.
pub async fn decide(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    let mut v = pairs_to_json(&pairs);
    if let Some(Value::Array(list)) = v.get_mut("children") {
        for c in list.iter_mut() {
            if let Some(p) = c
                .get("person_id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<i64>().ok())
            {
                c["person_id"] = Value::from(p);
            }
        }
    }
    let input: DecisionInput = serde_json::from_value(v)
        .map_err(|e| WebError::BadRequest(format!("the form could not be read: {e}")))?;
    let r = contacts_api::decide(&state, &user, id, input)
        .await
        .map(|_| ());
    after(&state, &user, id, &pairs, r, "decision").await
}

/// A manager's authorisation.
pub async fn authorise(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    let approve = get(&pairs, "approve") == "true";
    let r = contacts_api::authorise(&state, &user, id, approve, get(&pairs, "reason"))
        .await
        .map(|_| ());
    after(&state, &user, id, &pairs, r, "decision").await
}

/// A new rating.
pub async fn rate(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    let r = contacts_api::rate(&state, &user, id, get(&pairs, "rag"), get(&pairs, "reason"))
        .await
        .map(|_| ());
    after(&state, &user, id, &pairs, r, "decision").await
}

/// A partner check asked for.
pub async fn ask(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    let r = contacts_api::ask(
        &state,
        &user,
        id,
        get(&pairs, "agency"),
        get(&pairs, "question"),
        None,
    )
    .await
    .map(|_| ());
    after(&state, &user, id, &pairs, r, "checks").await
}

/// A partner's answer recorded.
pub async fn answer(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((id, check)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    let check = contact_id(&check)?;
    let r = contacts_api::answer(&state, &user, id, check, get(&pairs, "response"))
        .await
        .map(|_| ());
    after(&state, &user, id, &pairs, r, "checks").await
}

/// Matches a described person (the match form on a contact).
pub async fn match_person(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((id, ordinal)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let id = contact_id(&id)?;
    let ordinal: i64 = ordinal
        .parse()
        .map_err(|_| WebError::NotFound(format!("person {ordinal:?}")))?;
    let to = match get(&pairs, "person") {
        "new" => Ok(None),
        p => match p.parse::<i64>() {
            Ok(p) => Ok(Some(stepwise_domain::ids::PersonId(p))),
            Err(_) => Err(WebError::Invalid(vec![(
                "match".into(),
                "Choose who this person is, or someone new".into(),
            )])),
        },
    };
    let r = match to {
        Ok(to) => contacts_api::match_one(&state, &user, id, ordinal, to)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&state, &user, id, &pairs, r, "match").await
}

/// A partner's referral form.
pub async fn refer_form(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    Ok(contact_form(
        &state,
        &user,
        &Vec::new(),
        &[],
        &[],
        FormFor::Partner,
    ))
}

/// A partner's referral: on to "Shared with us", which lists it with its reference; or the form
/// again naming each problem.
pub async fn refer(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, WebError> {
    let (input, _) = contact_input(&pairs)?;
    match contacts_api::receive(
        &state,
        &user,
        input,
        stepwise_domain::contact::Channel::Partner,
    )
    .await
    {
        Ok(r) => Ok(see_other(&format!("/shared?sent={}#sent", r.id))),
        Err(ContactRefusal::Web(WebError::Invalid(errors))) => Ok(refused(contact_form(
            &state,
            &user,
            &pairs,
            &errors,
            &[],
            FormFor::Partner,
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The contacts a partner sent, with what was decided: a section of "Shared with us".
pub async fn sent_section(
    state: &AppState,
    user: &CurrentUser,
    just_sent: Option<i64>,
) -> Result<Markup, WebError> {
    let sent = contacts_api::sent_by(state, user).await?;
    Ok(html! {
        h2 id="sent" { "Contacts you sent" }
        @if let Some(id) = just_sent {
            div class="notice" role="status" { p { strong { "Your contact was received. Its reference is " (id) "." } " The front door decides within one working day, and its decision and feedback will appear here." } }
        }
        p { a class="button" href="/shared/refer" { "Refer a child" } }
        @if sent.is_empty() {
            p class="muted" { "You have not sent any contacts." }
        } @else {
            div class="table-scroll" tabindex="0" role="region" aria-label="Table: scroll sideways to see every column" {
                table class="table" {
                    caption class="visually-hidden" { "Contacts you sent, newest first" }
                    thead { tr { th scope="col" { "Reference" } th scope="col" { "Sent" } th scope="col" { "Children" } th scope="col" { "Decision" } th scope="col" { "Feedback" } } }
                    tbody {
                        @for c in &sent {
                            tr {
                                td { (c.id) }
                                td { (show(c.received_at)) }
                                td { ul class="plain-list" { @for k in &c.children { li { (k.name) @if let Some(o) = k.outcome { ": " strong { (o.label()) } } } } } }
                                td { (status_tag(c.status)) @if let Some(d) = c.decided_at { br; span class="muted" { (show(d)) } } }
                                td { @if let Some(f) = &c.feedback { (f) } @else { span class="muted" { "Not yet decided" } } }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn form_paths_become_the_api_body() {
        let (input, bad) = contact_input(&pairs(&[
            ("csrf", "x"),
            ("referrer.name", "PC Lee"),
            ("source", "6"),
            ("children[0].given_name", "Ava"),
            ("children[0].sex", ""),
            ("children[1].given_name", ""),
            ("children[1].sex", ""),
            ("children[2].local_id", "P0000012"),
            ("adults[0].match", "new"),
            ("adults[0].given_name", "Sam"),
            ("received_at", "2026-07-01T09:30"),
        ]))
        .unwrap();
        assert!(bad.is_empty());
        assert_eq!(input.referrer.name, "PC Lee");
        assert_eq!(input.children.len(), 2, "the empty row is dropped");
        assert_eq!(input.children[1].person_id, Some(12));
        assert!(
            input.create_new,
            "every person asked about was confirmed as new"
        );
        // 09:30 in July is 08:30 UTC.
        assert!(input.received_at.unwrap().starts_with("2026-07-01T08:30"));
        let (_, bad) = contact_input(&pairs(&[("children[0].local_id", "12")])).unwrap();
        assert_eq!(bad, ["children[0].local_id"]);
    }

    #[test]
    fn time_left_reads_as_people_say_it() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            time_left(now + chrono::Duration::minutes(190), now).0,
            "3 h 10 min left"
        );
        let (w, late) = time_left(now - chrono::Duration::minutes(25), now);
        assert_eq!((w.as_str(), late), ("overdue by 25 min", true));
    }
}
