//! The test application: a real server on a random port over a fresh SQLite database holding a
//! small synthetic council, with one user per role, and helpers to sign in and make requests.

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use stepwise_domain::access::Role;
use stepwise_domain::people::PersonKind;
use stepwise_store::{Actor, AuditKey, BulkLoad, NewUser, Store};
use stepwise_web::{AppState, Clock, WebConfig};

pub const PASSWORD: &str = "a long test password";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub child: i64,
    pub child_name: String,
    pub team: i64,
    /// The team of the child's social worker (managed by the team manager account).
    pub sw_team: i64,
    /// The child's social worker.
    pub sw: i64,
    /// The child's pseudonym for analysts.
    pub pseudonym: String,
    /// A case note in the child's record.
    pub note_entry: i64,
    pub client: reqwest::Client,
}

pub fn username(r: Role) -> String {
    r.as_str().replace('_', ".")
}

/// Starts the application on 127.0.0.1:0 over a new SQLite file with a small synthetic council
/// and one user per role.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_policy(stepwise_domain::access::AccessPolicy::default()).await
}

/// The same, with an authority's access policy.
pub async fn spawn_app_with_policy(policy: stepwise_domain::access::AccessPolicy) -> TestApp {
    spawn_app_with(policy, None).await
}

/// The same, signing in through an identity provider at `issuer` (client `stepwise`).
pub async fn spawn_app_with(
    policy: stepwise_domain::access::AccessPolicy,
    oidc_issuer: Option<String>,
) -> TestApp {
    let path = std::env::temp_dir().join(format!(
        "stepwise_web_{}_{}.db",
        std::process::id(),
        rand_suffix()
    ));
    let store = Store::open(
        &format!("sqlite://{}", path.display()),
        AuditKey::for_tests(),
    )
    .await
    .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut cfg = stepwise_synth::SynthConfig::new(today);
    cfg.children = 400;
    let a = stepwise_synth::generate(&cfg).unwrap();
    // The open child with the most events who is allocated to a social worker; the
    // social worker's account is linked to that worker, so "my work" has real work in it.
    let mut logs: HashMap<i64, Vec<stepwise_domain::events::JourneyEvent>> = HashMap::new();
    for e in &a.events {
        logs.entry(e.child.0).or_default().push(e.clone());
    }
    let social_workers: std::collections::HashSet<i64> = a
        .workers
        .iter()
        .filter(|w| w.role == stepwise_domain::org::WorkerRole::SocialWorker)
        .map(|w| w.id.0)
        .collect();
    let (child, sw) = logs
        .iter()
        .filter_map(|(id, log)| {
            let s = stepwise_domain::projection::replay(stepwise_domain::ids::PersonId(*id), log);
            let w = s
                .allocated
                .as_ref()
                .map(|x| x.worker.0)
                .filter(|w| social_workers.contains(w))?;
            Some((log.len(), -*id, *id, w))
        })
        .max()
        .map(|(_, _, id, w)| (id, w))
        .unwrap();
    // A case note in the child's record, for the routes that correct an entry.
    let note_entry = logs[&child]
        .iter()
        .rev()
        .find(|e| matches!(e.kind, stepwise_domain::events::EventKind::CaseNote { .. }))
        .map(|e| e.seq.0)
        .expect("the child has a case note");
    let child_name = a
        .people
        .iter()
        .find(|p| p.id.0 == child)
        .unwrap()
        .display_name();
    assert!(
        a.people
            .iter()
            .any(|p| p.id.0 == child && p.kind != PersonKind::Adult)
    );
    let sw = a
        .workers
        .iter()
        .find(|w| w.id.0 == sw)
        .map(|w| (w.id.0, w.team.0));
    // The manager of the social worker's team, for the team manager's account.
    let manager = a
        .workers
        .iter()
        .find(|w| {
            Some(w.team.0) == sw.map(|x| x.1)
                && w.role == stepwise_domain::org::WorkerRole::TeamManager
        })
        .map(|w| w.id.0);
    // The reviewing officer appointed for the most children, for the reviewing officer's account.
    let mut reviewed: HashMap<i64, usize> = HashMap::new();
    for (id, log) in &logs {
        let s = stepwise_domain::projection::replay(stepwise_domain::ids::PersonId(*id), log);
        if let Some(r) = &s.reviewing_officer {
            *reviewed.entry(r.worker.0).or_default() += 1;
        }
    }
    let iro = reviewed
        .iter()
        .max_by_key(|(w, n)| (**n, -**w))
        .and_then(|(w, _)| a.workers.iter().find(|x| x.id.0 == *w))
        .map(|w| (w.id.0, w.team.0));
    let team = a.teams[0].id.0;
    // Two workers of the front door, for the front door's accounts (a decision is recorded
    // under the deciding worker).
    let front_door: Vec<(i64, i64)> = a
        .workers
        .iter()
        .filter(|w| {
            a.teams
                .iter()
                .any(|t| t.id == w.team && t.kind == stepwise_domain::org::TeamKind::FrontDoor)
        })
        .map(|w| (w.id.0, w.team.0))
        .take(2)
        .collect();
    store
        .journeys()
        .bulk_load(
            &BulkLoad {
                authority: Some(a.authority),
                localities: a.localities,
                teams: a.teams,
                workers: a.workers.clone(),
                people: a.people,
                households: a.households,
                relationships: a.relationships,
                events: a.events,
                contacts: a.contacts,
            },
            &Actor::System("test"),
            |_, _, _| {},
        )
        .await
        .unwrap();
    let hash = stepwise_web::auth::hash_password(PASSWORD.into())
        .await
        .unwrap();
    for r in Role::ALL {
        // The social worker is the child's worker; the team manager manages that team.
        let (worker_id, team_id) = match r {
            Role::FrontDoorPractitioner => (
                front_door.first().map(|x| x.0),
                front_door.first().map(|x| x.1),
            ),
            Role::FrontDoorManager => (
                front_door.get(1).map(|x| x.0),
                front_door.get(1).map(|x| x.1),
            ),
            Role::SocialWorker => (sw.map(|x| x.0), sw.map(|x| x.1)),
            Role::TeamManager => (manager, sw.map(|x| x.1)),
            Role::IndependentReviewingOfficer => (iro.map(|x| x.0), iro.map(|x| x.1)),
            _ => (None, None),
        };
        store
            .accounts()
            .upsert_user(&NewUser {
                username: username(r),
                display_name: format!("Test {}", r.label()),
                role: r,
                worker_id,
                team_id,
                password_hash: hash.clone(),
            })
            .await
            .unwrap();
    }
    // The partner belongs to a school, and the child's family consented to share with it.
    let partner = store
        .accounts()
        .user_by_username(&username(Role::PartnerProfessional))
        .await
        .unwrap()
        .unwrap();
    store
        .governance()
        .set_user_agency(partner.id, Some("school"))
        .await
        .unwrap();
    store
        .governance()
        .record_consent(
            &Actor::System("test"),
            "-",
            stepwise_domain::ids::PersonId(child),
            "school",
            "consent",
            "Mother, with parental responsibility",
            today + chrono::Days::new(365),
            today,
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = WebConfig {
        clock: Clock::Fixed(today),
        policy,
        oidc: oidc_issuer.map(|issuer| stepwise_web::oidc::OidcConfig {
            issuer,
            client_id: "stepwise".into(),
            client_secret: "stepwise-test-secret".into(),
            redirect_url: format!("http://{addr}/sign-in/oidc/callback"),
        }),
        ..WebConfig::default()
    };
    let state = AppState::new(store.clone(), config).await.unwrap();
    tokio::spawn(async move {
        let _ = stepwise_web::serve_on(state, listener).await;
    });
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let pseudonym = store
        .journeys()
        .pseudonym(stepwise_domain::ids::PersonId(child))
        .unwrap();
    TestApp {
        base: format!("http://{addr}"),
        store,
        child,
        child_name,
        team,
        sw_team: sw.map(|x| x.1).unwrap(),
        sw: sw.map(|x| x.0).unwrap(),
        pseudonym,
        note_entry,
        client,
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

pub fn set_cookies(res: &reqwest::Response) -> HashMap<String, String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            v.split(';')
                .next()?
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Posts a form as a signed-in user, with the session's CSRF token taken from `page`.
pub async fn post_form(
    app: &TestApp,
    cookie: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let html = app.get(page, Some(cookie)).await.text().await.unwrap();
    let csrf = csrf_in(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    app.client
        .post(app.url(action))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub fn csrf_in(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in and returns the session cookie header value.
    pub async fn sign_in(&self, user: &str, password: &str) -> Result<String, reqwest::Response> {
        let page = self.client.get(self.url("/sign-in")).send().await.unwrap();
        let pre = set_cookies(&page).get("stepwise_signin").cloned().unwrap();
        let csrf = csrf_in(&page.text().await.unwrap());
        let res = self
            .client
            .post(self.url("/sign-in"))
            .header("cookie", format!("stepwise_signin={pre}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", user),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        match set_cookies(&res).get("stepwise_session") {
            Some(t) if res.status() == StatusCode::SEE_OTHER => Ok(format!("stepwise_session={t}")),
            _ => Err(res),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut r = self.client.get(self.url(path));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send().await.unwrap()
    }

    pub async fn audit_count(&self, action: &str) -> usize {
        self.store
            .audit_log()
            .entries(None, 100_000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == action)
            .count()
    }
}
