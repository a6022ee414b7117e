//! The route registry and the one access check. Every route is declared here with the access
//! it needs (`Access::Public`, `Access::SignedIn` or a permission); the router is built from
//! this list alone, and every route passes `guard` before its handler runs. `guard` resolves the
//! session, refuses (and audits) requests the role may not make, and checks the CSRF token of
//! every form submission. Outer layers give each request an id (tower-http's request-id layers,
//! `x-request-id`), a trace span that names its route template but never its path, and the
//! security headers.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use std::collections::BTreeMap;
use std::sync::Arc;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use stepwise_domain::access::{Access, Permission};
use stepwise_domain::ids::UserId;
use stepwise_store::{AuditAction, AuditSubject};

use crate::auth::{CurrentUser, SIGNIN_CSRF_COOKIE, cookie, session_user, tokens_match};
use crate::error::ApiError;
use crate::{AppState, WebError, api, pages};

tokio::task_local! {
    static REQUEST_ID: String;
    /// Who is signed in for the request being answered (with the authority's name), so that an
    /// error page keeps the navigation and the sign-out button.
    static PAGE_USER: Option<(CurrentUser, Arc<String>)>;
}

/// The signed-in user of the request being answered, if any.
pub fn current_page_user() -> Option<(CurrentUser, Arc<String>)> {
    PAGE_USER.try_with(Clone::clone).ok().flatten()
}

/// The id of the request being answered, for error references and the audit log.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_string())
}

/// The pages a session waiting for its second factor may reach when the account has a
/// confirmed one: the code prompt and signing out.
const SECOND_FACTOR_CODE_PATHS: [&str; 2] = ["/sign-in/second-factor", "/sign-out"];
/// The pages a session waiting for its second factor may reach when the account has none and
/// its role requires one: setting up a first one, and signing out.
const SECOND_FACTOR_SETUP_PATHS: [&str; 2] = ["/account/second-factor", "/sign-out"];

/// Where a session waiting for its second factor may go, and where it is sent otherwise.
fn second_factor_paths(
    has_factor: bool,
    role_requires_one: bool,
) -> (&'static [&'static str], &'static str) {
    if has_factor {
        (&SECOND_FACTOR_CODE_PATHS, "/sign-in/second-factor")
    } else if role_requires_one {
        (&SECOND_FACTOR_SETUP_PATHS, "/account/second-factor")
    } else {
        // The factor was removed while the session waited: only signing in again helps.
        (&["/sign-out"], "/sign-in")
    }
}

/// What a route serves: a page, the API or a static asset. Decides how a refusal is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Page,
    Api,
    Asset,
}

/// One route: method, path, the access it requires, and its handler.
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub surface: Surface,
    handler: MethodRouter<AppState>,
}

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    surface: Surface,
    handler: MethodRouter<AppState>,
) -> RouteDef {
    RouteDef {
        method,
        path,
        access,
        surface,
        handler,
    }
}

/// Every route of the application.
pub fn registry() -> Vec<RouteDef> {
    use Access::{Public, Requires, SignedIn};
    use Permission as P;
    use Surface::{Api, Asset, Page};
    vec![
        route(Method::GET, "/", SignedIn, Page, get(pages::home)),
        route(
            Method::GET,
            "/sign-in",
            Public,
            Page,
            get(pages::signin::show),
        ),
        route(
            Method::POST,
            "/sign-in",
            Public,
            Page,
            post(pages::signin::submit),
        ),
        route(
            Method::GET,
            "/sign-in/oidc",
            Public,
            Page,
            get(pages::signin::oidc_start),
        ),
        route(
            Method::GET,
            "/sign-in/oidc/callback",
            Public,
            Page,
            get(pages::signin::oidc_callback),
        ),
        route(
            Method::GET,
            "/set-up/{token}",
            Public,
            Page,
            get(pages::setup::show),
        ),
        route(
            Method::POST,
            "/set-up",
            Public,
            Page,
            post(pages::setup::submit),
        ),
        route(
            Method::GET,
            "/sign-in/second-factor",
            SignedIn,
            Page,
            get(pages::second_factor::show),
        ),
        route(
            Method::POST,
            "/sign-in/second-factor",
            SignedIn,
            Page,
            post(pages::second_factor::submit),
        ),
        route(
            Method::GET,
            "/account/second-factor",
            SignedIn,
            Page,
            get(pages::second_factor::enrol),
        ),
        route(
            Method::POST,
            "/account/second-factor",
            SignedIn,
            Page,
            post(pages::second_factor::confirm),
        ),
        route(
            Method::GET,
            "/drafts/{id}",
            SignedIn,
            Page,
            get(pages::drafts::show),
        ),
        route(
            Method::POST,
            "/drafts/{id}/send",
            SignedIn,
            Page,
            post(pages::drafts::send),
        ),
        route(
            Method::POST,
            "/drafts/{id}/discard",
            SignedIn,
            Page,
            post(pages::drafts::discard),
        ),
        route(
            Method::POST,
            "/sign-out",
            SignedIn,
            Page,
            post(pages::signin::sign_out),
        ),
        route(
            Method::GET,
            "/account",
            SignedIn,
            Page,
            get(pages::account::show),
        ),
        route(
            Method::GET,
            "/account/password",
            SignedIn,
            Page,
            get(pages::account::password),
        ),
        route(
            Method::POST,
            "/account/password",
            SignedIn,
            Page,
            post(pages::account::change_password),
        ),
        route(
            Method::POST,
            "/account/tokens/{id}/revoke",
            SignedIn,
            Page,
            post(crate::api_tokens::revoke_page),
        ),
        route(
            Method::POST,
            "/account/sign-out-everywhere",
            SignedIn,
            Page,
            post(pages::account::sign_out_everywhere),
        ),
        route(
            Method::GET,
            "/people/match",
            Requires(P::SearchPeople),
            Page,
            get(pages::matching::show),
        ),
        route(
            Method::POST,
            "/people/match",
            Requires(P::SearchPeople),
            Page,
            post(pages::matching::check),
        ),
        route(
            Method::GET,
            "/threshold",
            SignedIn,
            Page,
            get(pages::threshold::show),
        ),
        route(
            Method::GET,
            "/contact-us",
            Public,
            Page,
            get(pages::public_contact::show),
        ),
        route(
            Method::POST,
            "/contact-us",
            Public,
            Page,
            post(pages::public_contact::submit),
        ),
        route(
            Method::GET,
            "/shared/refer",
            Requires(P::SubmitContacts),
            Page,
            get(pages::front_door::refer_form),
        ),
        route(
            Method::POST,
            "/shared/refer",
            Requires(P::SubmitContacts),
            Page,
            post(pages::front_door::refer),
        ),
        route(
            Method::GET,
            "/front-door",
            Requires(P::RecordFrontDoor),
            Page,
            get(pages::front_door::queue),
        ),
        route(
            Method::GET,
            "/front-door/dashboard",
            Requires(P::RecordFrontDoor),
            Page,
            get(pages::front_door_dashboard::show_page),
        ),
        route(
            Method::GET,
            "/front-door/contacts",
            Requires(P::RecordFrontDoor),
            Page,
            get(pages::front_door_dashboard::list),
        ),
        route(
            Method::GET,
            "/contacts/new",
            Requires(P::RecordFrontDoor),
            Page,
            get(pages::front_door::new_form),
        ),
        route(
            Method::POST,
            "/contacts",
            Requires(P::RecordFrontDoor),
            Page,
            post(pages::front_door::create),
        ),
        route(
            Method::GET,
            "/contacts/{id}",
            Requires(P::RecordFrontDoor),
            Page,
            get(pages::front_door::show_contact),
        ),
        route(
            Method::POST,
            "/contacts/{id}/decision",
            Requires(P::RecordFrontDoor),
            Page,
            post(pages::front_door::decide),
        ),
        route(
            Method::POST,
            "/contacts/{id}/authorisation",
            Requires(P::AuthoriseDecisions),
            Page,
            post(pages::front_door::authorise),
        ),
        route(
            Method::POST,
            "/contacts/{id}/people/{ordinal}/match",
            Requires(P::RecordFrontDoor),
            Page,
            post(pages::front_door::match_person),
        ),
        route(
            Method::POST,
            "/contacts/{id}/rating",
            Requires(P::RecordFrontDoor),
            Page,
            post(pages::front_door::rate),
        ),
        route(
            Method::POST,
            "/contacts/{id}/checks",
            Requires(P::RecordFrontDoor),
            Page,
            post(pages::front_door::ask),
        ),
        route(
            Method::POST,
            "/contacts/{id}/checks/{check}/response",
            Requires(P::RecordFrontDoor),
            Page,
            post(pages::front_door::answer),
        ),
        route(
            Method::GET,
            "/my-work",
            Requires(P::ViewMyWork),
            Page,
            get(pages::mywork::show),
        ),
        route(
            Method::GET,
            "/people",
            Requires(P::SearchPeople),
            Page,
            get(pages::search::show),
        ),
        route(
            Method::GET,
            "/people/{id}",
            Requires(P::ViewChildRecord),
            Page,
            get(pages::record::show),
        ),
        route(
            Method::GET,
            "/people/{id}/access-log",
            Requires(P::ViewRecordAccessLog),
            Page,
            get(pages::access::record_access_log),
        ),
        route(
            Method::GET,
            "/people/{id}/subject-access",
            Requires(P::ExportSubjectAccess),
            Page,
            get(pages::subject_access::show),
        ),
        route(
            Method::GET,
            "/people/{id}/subject-access.json",
            Requires(P::ExportSubjectAccess),
            Page,
            get(pages::subject_access::json),
        ),
        route(
            Method::GET,
            "/people/{id}/print",
            Requires(P::ViewChildRecord),
            Page,
            get(pages::record::print),
        ),
        // Recording casework: each capability's forms and API calls need its `record_*`
        // permission (the handler checks its scope against the child).
        route(
            Method::GET,
            "/people/{id}/notes/new",
            Requires(P::RecordCaseNotes),
            Page,
            get(pages::casework::note_form),
        ),
        route(
            Method::POST,
            "/people/{id}/notes",
            Requires(P::RecordCaseNotes),
            Page,
            post(pages::casework::note_submit),
        ),
        route(
            Method::GET,
            "/people/{id}/visits/new",
            Requires(P::RecordVisits),
            Page,
            get(pages::casework::visit_form),
        ),
        route(
            Method::POST,
            "/people/{id}/visits",
            Requires(P::RecordVisits),
            Page,
            post(pages::casework::visit_submit),
        ),
        route(
            Method::GET,
            "/people/{id}/events/{seq}/withdraw",
            Requires(P::RecordCorrections),
            Page,
            get(pages::casework::withdraw_form),
        ),
        route(
            Method::POST,
            "/people/{id}/events/{seq}/withdraw",
            Requires(P::RecordCorrections),
            Page,
            post(pages::casework::withdraw_submit),
        ),
        route(
            Method::POST,
            "/people/{id}/consent",
            Requires(P::RecordConsent),
            Page,
            post(pages::consent::record),
        ),
        route(
            Method::POST,
            "/people/{id}/consent/{consent}/withdraw",
            Requires(P::RecordConsent),
            Page,
            post(pages::consent::withdraw),
        ),
        route(
            Method::GET,
            "/shared",
            Requires(P::ViewShared),
            Page,
            get(pages::consent::shared_index),
        ),
        route(
            Method::GET,
            "/shared/{id}",
            Requires(P::ViewShared),
            Page,
            get(pages::consent::shared_show),
        ),
        route(
            Method::POST,
            "/people/{id}/reason",
            Requires(P::ViewChildRecord),
            Page,
            post(pages::record::give_reason),
        ),
        route(
            Method::POST,
            "/people/{id}/restriction",
            Requires(P::ManageRestrictions),
            Page,
            post(pages::access::set_restriction),
        ),
        route(
            Method::GET,
            "/restricted-openings",
            Requires(P::ManageRestrictions),
            Page,
            get(pages::access::restricted_openings),
        ),
        route(
            Method::GET,
            "/analysis",
            Requires(P::ViewPseudonymised),
            Page,
            get(pages::analysis::index),
        ),
        route(
            Method::GET,
            "/analysis/{id}",
            Requires(P::ViewPseudonymised),
            Page,
            get(pages::analysis::journey),
        ),
        route(
            Method::GET,
            "/retention",
            Requires(P::ReviewRetention),
            Page,
            get(pages::retention::queue),
        ),
        route(
            Method::POST,
            "/retention/{id}",
            Requires(P::ReviewRetention),
            Page,
            post(pages::retention::decide),
        ),
        route(
            Method::GET,
            "/grants",
            Requires(P::GrantAccess),
            Page,
            get(pages::access::grants_index),
        ),
        route(
            Method::POST,
            "/grants",
            Requires(P::GrantAccess),
            Page,
            post(pages::access::grants_create),
        ),
        route(
            Method::POST,
            "/grants/{id}/revoke",
            Requires(P::GrantAccess),
            Page,
            post(pages::access::grants_revoke),
        ),
        route(
            Method::GET,
            "/users",
            Requires(P::ViewRoles),
            Page,
            get(pages::access::users_index),
        ),
        route(
            Method::POST,
            "/users",
            Requires(P::ManageUsers),
            Page,
            post(pages::access::users_create),
        ),
        route(
            Method::POST,
            "/users/{id}/disable",
            Requires(P::ManageUsers),
            Page,
            post(pages::access::users_disable),
        ),
        route(
            Method::POST,
            "/users/{id}/enable",
            Requires(P::ManageUsers),
            Page,
            post(pages::access::users_enable),
        ),
        route(
            Method::POST,
            "/users/{id}/reset-second-factor",
            Requires(P::ManageUsers),
            Page,
            post(pages::access::users_reset_second_factor),
        ),
        route(
            Method::POST,
            "/users/{id}/set-up-link",
            Requires(P::ManageUsers),
            Page,
            post(pages::access::users_setup_link),
        ),
        route(
            Method::POST,
            "/users/{id}/approve",
            Requires(P::ApproveAccounts),
            Page,
            post(pages::access::users_approve),
        ),
        route(
            Method::POST,
            "/users/{id}/refuse",
            Requires(P::ApproveAccounts),
            Page,
            post(pages::access::users_refuse),
        ),
        route(
            Method::GET,
            "/users/{id}/activity",
            Requires(P::ViewUserActivity),
            Page,
            get(pages::access::user_activity),
        ),
        route(
            Method::GET,
            "/teams",
            Requires(P::ViewTeams),
            Page,
            get(pages::teams::index),
        ),
        route(
            Method::GET,
            "/teams/{id}",
            Requires(P::ViewTeams),
            Page,
            get(pages::teams::show),
        ),
        route(
            Method::GET,
            "/assets/stepwise.css",
            Public,
            Asset,
            get(pages::stylesheet),
        ),
        route(Method::GET, "/healthz", Public, Asset, get(pages::health)),
        route(
            Method::GET,
            "/api/v1/openapi.json",
            Public,
            Api,
            get(api::openapi_json),
        ),
        route(Method::GET, "/api/v1/me", SignedIn, Api, get(api::me)),
        route(
            Method::GET,
            "/api/v1/threshold",
            SignedIn,
            Api,
            get(pages::threshold::api),
        ),
        route(
            Method::GET,
            "/api/v1/me/tokens",
            SignedIn,
            Api,
            get(crate::api_tokens::list),
        ),
        route(
            Method::POST,
            "/api/v1/me/tokens/{id}/revoke",
            SignedIn,
            Api,
            post(crate::api_tokens::revoke),
        ),
        route(
            Method::GET,
            "/api/v1/my-work",
            Requires(P::ViewMyWork),
            Api,
            get(api::my_work),
        ),
        route(
            Method::GET,
            "/api/v1/people",
            Requires(P::SearchPeople),
            Api,
            get(api::search),
        ),
        route(
            Method::POST,
            "/api/v1/people/matches",
            Requires(P::SearchPeople),
            Api,
            post(crate::matching_api::matches),
        ),
        route(
            Method::POST,
            "/api/v1/contacts",
            Requires(P::SubmitContacts),
            Api,
            post(crate::contacts_api::create),
        ),
        route(
            Method::GET,
            "/api/v1/contacts/dashboard",
            Requires(P::RecordFrontDoor),
            Api,
            get(pages::front_door_dashboard::api),
        ),
        route(
            Method::GET,
            "/api/v1/contacts/sent",
            Requires(P::SubmitContacts),
            Api,
            get(crate::contacts_api::sent),
        ),
        route(
            Method::GET,
            "/api/v1/contacts/{id}/people/{ordinal}/candidates",
            Requires(P::RecordFrontDoor),
            Api,
            get(crate::contacts_api::described_candidates),
        ),
        route(
            Method::POST,
            "/api/v1/contacts/{id}/people/{ordinal}/match",
            Requires(P::RecordFrontDoor),
            Api,
            post(crate::contacts_api::match_described),
        ),
        route(
            Method::GET,
            "/api/v1/contacts",
            Requires(P::RecordFrontDoor),
            Api,
            get(crate::contacts_api::queue),
        ),
        route(
            Method::GET,
            "/api/v1/contacts/{id}",
            Requires(P::RecordFrontDoor),
            Api,
            get(crate::contacts_api::show),
        ),
        route(
            Method::POST,
            "/api/v1/contacts/{id}/decision",
            Requires(P::RecordFrontDoor),
            Api,
            post(crate::contacts_api::decision),
        ),
        route(
            Method::POST,
            "/api/v1/contacts/{id}/authorisation",
            Requires(P::AuthoriseDecisions),
            Api,
            post(crate::contacts_api::authorisation),
        ),
        route(
            Method::POST,
            "/api/v1/contacts/{id}/rating",
            Requires(P::RecordFrontDoor),
            Api,
            post(crate::contacts_api::rating),
        ),
        route(
            Method::POST,
            "/api/v1/contacts/{id}/checks",
            Requires(P::RecordFrontDoor),
            Api,
            post(crate::contacts_api::request_check),
        ),
        route(
            Method::POST,
            "/api/v1/contacts/{id}/checks/{check}/response",
            Requires(P::RecordFrontDoor),
            Api,
            post(crate::contacts_api::answer_check),
        ),
        route(
            Method::GET,
            "/api/v1/people/{id}",
            Requires(P::ViewChildRecord),
            Api,
            get(api::record),
        ),
        route(
            Method::POST,
            "/api/v1/people/{id}/notes",
            Requires(P::RecordCaseNotes),
            Api,
            post(crate::casework_api::record_note),
        ),
        route(
            Method::POST,
            "/api/v1/people/{id}/visits",
            Requires(P::RecordVisits),
            Api,
            post(crate::casework_api::record_visit),
        ),
        route(
            Method::POST,
            "/api/v1/people/{id}/events/{seq}/withdraw",
            Requires(P::RecordCorrections),
            Api,
            post(crate::casework_api::withdraw),
        ),
        route(
            Method::POST,
            "/api/v1/people/{id}/events/{seq}/correct",
            Requires(P::RecordCorrections),
            Api,
            post(crate::casework_api::correct),
        ),
        route(
            Method::GET,
            "/api/v1/people/{id}/access-log",
            Requires(P::ViewRecordAccessLog),
            Api,
            get(api::record_access_log),
        ),
        route(
            Method::GET,
            "/api/v1/grants",
            Requires(P::GrantAccess),
            Api,
            get(api::grants),
        ),
        route(
            Method::GET,
            "/api/v1/users/{id}/activity",
            Requires(P::ViewUserActivity),
            Api,
            get(api::user_activity),
        ),
        route(
            Method::GET,
            "/api/v1/teams",
            Requires(P::ViewTeams),
            Api,
            get(api::teams),
        ),
        route(
            Method::GET,
            "/api/v1/teams/{id}",
            Requires(P::ViewTeams),
            Api,
            get(api::team),
        ),
        route(
            Method::GET,
            "/api/v1/teams/{id}/children",
            Requires(P::ViewChildRecord),
            Api,
            get(api::team_children),
        ),
    ]
}

/// The route table without handlers: method, path, access and surface, for tests and docs.
pub fn table() -> Vec<(Method, &'static str, Access, Surface)> {
    registry()
        .into_iter()
        .map(|r| (r.method, r.path, r.access, r.surface))
        .collect()
}

#[derive(Clone)]
struct Guard {
    state: AppState,
    access: Access,
    surface: Surface,
}

/// Builds the router from the registry.
pub fn router(state: AppState) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for r in registry() {
        let g = Guard {
            state: state.clone(),
            access: r.access,
            surface: r.surface,
        };
        let handler = r.handler.route_layer(from_fn_with_state(g, guard));
        let merged = match by_path.remove(r.path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        by_path.insert(r.path, merged);
    }
    let mut router = Router::new();
    for (path, mr) in by_path {
        router = router.route(path, mr);
    }
    // Outermost last: a request's own x-request-id is dropped, Stepwise gives it one, the
    // trace span opens with it, the response carries it back, and `request_context` hands it
    // to the handlers (and so to the audit rows).
    router
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), request_context))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response)
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, StepwiseRequestId))
        .layer(axum::middleware::map_request(drop_request_id))
        .with_state(state)
}

/// The header that carries the request id, on requests (set by Stepwise) and responses.
const REQUEST_ID_HEADER: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// Request ids are made by Stepwise: 16 random hex digits.
#[derive(Clone, Copy)]
struct StepwiseRequestId;

impl MakeRequestId for StepwiseRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&crate::auth::random_token()[..16])
            .ok()
            .map(RequestId::new)
    }
}

/// Removes an x-request-id the client sent, so the id in the audit log and the logs is always
/// one Stepwise made: a client cannot write its own text (a name, say) into either.
async fn drop_request_id(mut req: Request) -> Request {
    req.headers_mut().remove(REQUEST_ID_HEADER);
    req
}

/// The span of one request. Its fields never hold personal data: the route is the template
/// (`/people/{id}`), never the path with its identifiers, and there is no query string, form
/// body, user name or cookie. `status` and `latency_ms` are filled in when the response goes.
fn request_span(req: &axum::http::Request<Body>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", |p| p.as_str());
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

/// One line per request answered, in the request's span, with its status and latency.
fn log_response(res: &Response, latency: std::time::Duration, span: &tracing::Span) {
    span.record("status", res.status().as_u16());
    span.record(
        "latency_ms",
        u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
    );
    tracing::info!("request answered");
}

/// A path no route serves: JSON under `/api/`, otherwise the "not found" page, with the
/// navigation of whoever is signed in so that it is not a dead end.
async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return ApiError(WebError::NotFound("The API call you asked for".to_string()))
            .into_response();
    }
    let user = session_user(&state.store, req.headers(), &state.config)
        .await
        .ok()
        .flatten()
        .filter(|u| !u.second_factor_pending)
        .map(|u| (u, state.authority_name.clone()));
    PAGE_USER
        .scope(user, async {
            WebError::NotFound("The page you asked for".to_string()).into_response()
        })
        .await
}

/// Hands the request's id (set by `SetRequestIdLayer`) to the handlers, and gives every
/// response the security headers.
async fn request_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| crate::auth::random_token()[..16].to_string());
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut res = REQUEST_ID.scope(id.clone(), next.run(req)).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    // The id is on the response already (PropagateRequestIdLayer); this keeps it there if
    // that layer is ever removed.
    set(h, "x-request-id", &id);
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if state.config.hsts {
        set(
            h,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if is_asset {
        set(h, "cache-control", "public, max-age=3600");
    } else {
        set(h, "cache-control", "no-store");
    }
    res
}

/// The one access check.
async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    let cfg = g.state.config.clone();
    // A form sent on a session that has just lapsed is kept for its owner (looked up before
    // the lapsed session is removed).
    let lapsed = if req.method() == Method::POST && g.surface == Surface::Page {
        match cookie(req.headers(), crate::auth::SESSION_COOKIE) {
            Some(t) => g
                .state
                .store
                .accounts()
                .lapsed_session(&crate::auth::token_hash(&t))
                .await
                .ok()
                .flatten(),
            None => None,
        }
    } else {
        None
    };
    // An API call bearing a token acts as the token's user, and its cookies are ignored; a
    // bad token is refused, never passed over for a session cookie.
    let bearer = match g.surface {
        Surface::Api => crate::api_tokens::bearer(req.headers()),
        _ => None,
    };
    let found = match bearer {
        Some(Ok(token)) => crate::api_tokens::token_user(&g.state.store, &token, &cfg)
            .await
            .map(Some),
        Some(Err(e)) => Err(e),
        None => session_user(&g.state.store, req.headers(), &cfg).await,
    };
    let user = match found {
        Ok(u) => u,
        Err(e) => return refuse(g.surface, e),
    };
    let page_user = user.clone().map(|u| (u, g.state.authority_name.clone()));
    PAGE_USER
        .scope(page_user, checked(g, user, lapsed, req, next))
        .await
}

/// Keeps the form of a lapsed session as a draft for its owner, when its CSRF token is the
/// session's own; then asks them to sign in again.
async fn keep_as_draft(g: &Guard, owner: (UserId, String), req: Request) -> Response {
    let path = req.uri().path().to_string();
    let bytes = match axum::body::to_bytes(req.into_body(), 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return refuse(
                g.surface,
                WebError::BadRequest("the form is too large".into()),
            );
        }
    };
    let sent = form_field(&bytes, "csrf");
    if !sent.as_deref().is_some_and(|s| tokens_match(s, &owner.1)) {
        return refuse(g.surface, WebError::Unauthenticated);
    }
    // Passwords are never kept.
    let body: String = String::from_utf8_lossy(&bytes)
        .split('&')
        .filter(|kv| {
            let k = kv.split('=').next().unwrap_or("");
            k != "csrf" && !k.contains("password")
        })
        .collect::<Vec<_>>()
        .join("&");
    let id = crate::auth::random_token()[..32].to_string();
    if let Err(e) = g
        .state
        .store
        .accounts()
        .keep_draft(&id, owner.0, &path, &body, &current_request_id())
        .await
    {
        return refuse(g.surface, e.into());
    }
    let next = pages::encode_component(&format!("/drafts/{id}"));
    Redirect::to(&format!("/sign-in?next={next}")).into_response()
}

/// The rest of the access check, once the session is known.
async fn checked(
    g: Guard,
    user: Option<CurrentUser>,
    lapsed: Option<(UserId, String)>,
    req: Request,
    next: Next,
) -> Response {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    // A session still waiting for its second factor opens only the code prompt (when the
    // account has a confirmed factor) or the set-up page (when it has none and the role needs
    // one), and signing out. It can never reach the page that replaces a confirmed factor.
    if let Some(u) = &user
        && u.second_factor_pending
        && g.access != Access::Public
    {
        let (allowed, home) = second_factor_paths(u.account.second_factor, cfg_requires(&g, u));
        if !allowed.contains(&req.uri().path()) {
            return match g.surface {
                Surface::Api => refuse(g.surface, WebError::Unauthenticated),
                _ => Redirect::to(home).into_response(),
            };
        }
    }
    match (g.access, &user) {
        (Access::Public, _) => {}
        (_, None) => {
            if g.surface == Surface::Page && req.method() == Method::GET {
                let next_url = pages::encode_component(&path_and_query);
                return Redirect::to(&format!("/sign-in?next={next_url}")).into_response();
            }
            // Signing out, or sending a kept form again, has nothing worth keeping.
            let path = req.uri().path();
            let worth_keeping = path != "/sign-out"
                && !path.starts_with("/drafts/")
                && !path.starts_with("/sign-in")
                && !path.starts_with("/account/");
            if let Some(owner) = lapsed.filter(|_| worth_keeping) {
                return keep_as_draft(&g, owner, req).await;
            }
            return refuse(g.surface, WebError::Unauthenticated);
        }
        (Access::Requires(p), Some(u)) if !u.passes(p) => {
            let detail = format!("{} {} needs {}", req.method(), req.uri().path(), p.as_str());
            if let Err(e) = g
                .state
                .store
                .audit_log()
                .record(
                    &u.actor(),
                    AuditAction::AccessDenied,
                    &AuditSubject::Route(req.uri().path().to_string()),
                    &current_request_id(),
                    &detail,
                )
                .await
            {
                return refuse(g.surface, e.into());
            }
            return refuse(g.surface, WebError::Forbidden);
        }
        _ => {}
    }
    let mut req = req;
    // A request bearing an API token needs no CSRF token: a browser never adds an
    // Authorization header to a request another site makes it send.
    let bears_token = user.as_ref().is_some_and(|u| u.api_token.is_some());
    if req.method() != Method::GET && req.method() != Method::HEAD && !bears_token {
        // Every form submission carries the CSRF token of the session (or, for signing in, of
        // the sign-in page's cookie).
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
            Ok(b) => b,
            Err(_) => {
                return refuse(
                    g.surface,
                    WebError::BadRequest("the form is too large".to_string()),
                );
            }
        };
        // A form carries it as a field; an API client as the X-CSRF-Token header (which
        // another site's page cannot set without the browser asking this server first).
        let sent = form_field(&bytes, "csrf").or_else(|| {
            parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
        let expected = match &user {
            Some(u) => Some(u.csrf_token.clone()),
            None => cookie(&parts.headers, SIGNIN_CSRF_COOKIE),
        };
        let ok = matches!((&sent, &expected), (Some(s), Some(e)) if tokens_match(s, e));
        if !ok {
            let actor = user
                .as_ref()
                .map(|u| u.actor())
                .unwrap_or(stepwise_store::Actor::Anonymous);
            if let Err(e) = g
                .state
                .store
                .audit_log()
                .record(
                    &actor,
                    AuditAction::CsrfRejected,
                    &AuditSubject::Route(parts.uri.path().to_string()),
                    &current_request_id(),
                    "",
                )
                .await
            {
                return refuse(g.surface, e.into());
            }
            return refuse(g.surface, WebError::Csrf);
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(u) = user {
        req.extensions_mut().insert(u);
    }
    next.run(req).await
}

fn cfg_requires(g: &Guard, u: &CurrentUser) -> bool {
    g.state.config.policy.requires_second_factor(u.role)
}

fn refuse(surface: Surface, e: WebError) -> Response {
    match surface {
        Surface::Api => ApiError(e).into_response(),
        _ => e.into_response(),
    }
}

/// Reads one field of an urlencoded form body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| pages::decode_component(v))
}

/// A 303 redirect.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_declares_its_access_and_none_is_declared_twice() {
        let t = table();
        let mut seen = std::collections::HashSet::new();
        for (m, p, a, s) in &t {
            assert!(seen.insert((m.clone(), *p)), "{m} {p} is declared twice");
            // Only the sign-in and account set-up pages, assets, health and the API description
            // are public.
            if *a == Access::Public {
                assert!(
                    matches!(
                        *p,
                        "/sign-in"
                            | "/sign-in/oidc"
                            | "/sign-in/oidc/callback"
                            | "/set-up/{token}"
                            | "/set-up"
                            | "/assets/stepwise.css"
                            | "/healthz"
                            | "/api/v1/openapi.json"
                            | "/contact-us"
                    ),
                    "{m} {p} is public but should not be"
                );
            }
            // Every read about one person's record needs a record permission (whose scope the
            // handler then checks against the person).
            // (Except the check for who a named person might be: a search of the whole record
            // under the search permission, as `/people` is, that opens no one's record.)
            if (p.starts_with("/people/") || p.starts_with("/api/v1/people/"))
                && !matches!(*p, "/people/match" | "/api/v1/people/matches")
            {
                assert!(
                    matches!(*a, Access::Requires(x) if x.is_about_records()),
                    "{p} needs a record permission, not {a:?}"
                );
            }
            if p.starts_with("/api/") {
                assert_eq!(*s, Surface::Api, "{p}");
            }
        }
    }

    /// Finding 1 of issue 6: a waiting session could open the set-up page and replace a
    /// confirmed factor. With a confirmed factor only the code prompt and sign-out are open.
    #[test]
    fn a_waiting_session_reaches_only_what_its_factor_allows() {
        let (with, home) = second_factor_paths(true, true);
        assert_eq!(home, "/sign-in/second-factor");
        assert!(!with.contains(&"/account/second-factor"));
        assert!(with.contains(&"/sign-in/second-factor") && with.contains(&"/sign-out"));
        let (without, home) = second_factor_paths(false, true);
        assert_eq!(home, "/account/second-factor");
        assert!(!without.contains(&"/sign-in/second-factor"));
        let (neither, _) = second_factor_paths(false, false);
        assert_eq!(neither, ["/sign-out"]);
    }

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_field(b"a=1&csrf=ab%2Fc&b=2", "csrf").as_deref(),
            Some("ab/c")
        );
        assert_eq!(form_field(b"a=1", "csrf"), None);
    }
}
