//! The Stepwise web interface: server-rendered HTML pages that work without JavaScript, a JSON
//! API under `/api/v1/` described by an OpenAPI document, sign-in with argon2id passwords and
//! server-side sessions, CSRF tokens on every form, and one access check that every route
//! passes. Routes are declared in one registry (`routes::registry`) with the access each needs;
//! a route cannot be added without one.

pub mod api;
pub mod api_json;
pub mod api_tokens;
pub mod auth;
pub mod casework;
pub mod casework_api;
pub mod contacts_api;
pub mod csv_export;
pub mod error;
pub mod matching_api;
pub mod oidc;
pub mod pages;
pub mod routes;

use chrono::{DateTime, NaiveDate, Utc};
use std::net::SocketAddr;
use std::sync::Arc;

use stepwise_domain::access::AccessPolicy;
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::retention::RetentionSchedule;
use stepwise_store::Store;

pub use error::WebError;

pub use stepwise_domain::clock::Clock;

/// Settings for the web server.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies Secure (browsers still accept them on http://localhost).
    pub secure_cookies: bool,
    /// Send Strict-Transport-Security (only behind TLS).
    pub hsts: bool,
    /// Sessions end after this long regardless of activity.
    pub session_hours: i64,
    /// Sessions end after this long without a request.
    pub idle_minutes: i64,
    /// The council's clock: the store is given it too, so pages and records read one "now".
    pub clock: Clock,
    /// The roles and what they may do (the safe defaults unless the authority configures them).
    pub policy: AccessPolicy,
    /// How long records are kept before they are reviewed for disposal.
    pub retention: RetentionSchedule,
    /// The authority's identity provider, when people may sign in through it.
    pub oidc: Option<oidc::OidcConfig>,
    /// The continuum of need the front door decides by (`None`: the four-level Child Concern
    /// Model that Stepwise ships).
    pub threshold: Option<Arc<stepwise_domain::threshold::ThresholdModel>>,
    /// How soon the front door must decide a contact, by its RAG rating.
    pub screening: stepwise_domain::screening::ScreeningTargets,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            hsts: false,
            session_hours: 10,
            idle_minutes: 60,
            clock: Clock::System,
            policy: AccessPolicy::default(),
            retention: RetentionSchedule::default(),
            oidc: None,
            threshold: None,
            screening: stepwise_domain::screening::ScreeningTargets::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub calendar: Arc<WorkingDayCalendar>,
    pub config: Arc<WebConfig>,
    pub authority_name: Arc<String>,
    /// The continuum of need in force.
    pub threshold: Arc<stepwise_domain::threshold::ThresholdModel>,
    /// The public contact form's hourly allowance, by source.
    pub public_limiter: pages::public_contact::PublicLimiter,
}

impl AppState {
    /// Builds the state, reading the authority's name from the store.
    pub async fn new(store: Store, config: WebConfig) -> Result<Self, WebError> {
        // One clock: what the store stamps and what the pages call "now" and "today" agree.
        let store = store.with_clock(config.clock.clone());
        let calendar = WorkingDayCalendar::england().map_err(|e| {
            WebError::Internal(format!("the bank-holiday calendar cannot be read: {e}"))
        })?;
        stepwise_domain::codes::all()
            .map_err(|e| WebError::Internal(format!("the DfE code lists cannot be read: {e}")))?;
        let threshold = match &config.threshold {
            Some(t) => t.clone(),
            None => Arc::new(
                stepwise_domain::threshold::ThresholdModel::preset(
                    stepwise_domain::threshold::Preset::default(),
                )
                .map_err(|e| {
                    WebError::Internal(format!("the default continuum of need cannot be read: {e}"))
                })?,
            ),
        };
        auth::check_password_hashing()?;
        api::openapi_json_text()?;
        let authority_name = store
            .organisation()
            .authority()
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| "Stepwise".to_string());
        Ok(Self {
            store,
            calendar: Arc::new(calendar),
            config: Arc::new(config),
            authority_name: Arc::new(authority_name),
            threshold,
            public_limiter: Default::default(),
        })
    }
    /// Today (the London date), by the council's clock.
    pub fn today(&self) -> NaiveDate {
        self.store.clock().today()
    }
    /// Now, by the council's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.store.now()
    }
}

/// The whole application as a router.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves the application until the process is stopped.
pub async fn serve(state: AppState, addr: SocketAddr) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| WebError::Internal(format!("could not listen on {addr}: {e}")))?;
    serve_on(state, listener).await
}

/// Serves the application on a listener that is already bound (tests bind port 0).
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> Result<(), WebError> {
    // The client's address reaches the handlers (`ConnectInfo`), for the sign-in back-off.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))
}
