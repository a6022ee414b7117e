//! Front-door throughput (the front door issue, item 11): contacts received and decided through
//! the API, under concurrent load on loopback, on the default synthetic authority (60,000
//! children) in a new SQLite file, and on PostgreSQL too when `STEPWISE_TEST_POSTGRES` names a
//! server (a fresh database is made on it).
//!
//! Each of `FD_CLIENTS` clients (default 8) sends, in a loop, `POST /api/v1/contacts` about one
//! new child (matched against the whole record first) and then
//! `POST /api/v1/contacts/{id}/decision` deciding early help, which records the decision, opens
//! the episode and routes the child to a locality team, all bearing an API token, until
//! `FD_CONTACTS` contacts (default 2,000) are decided. Prints the throughput of decisions, and
//! the p50 and p99 latency of each call; then verifies the audit chain, and fails if it does not
//! hold or if any call failed. Run with `cargo bench -p stepwise-web --bench front_door`.

use chrono::NaiveDate;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::Executor;
use stepwise_domain::access::Role;
use stepwise_domain::org::TeamKind;
use stepwise_store::{Actor, AuditKey, BulkLoad, NewUser, Store};
use stepwise_web::{AppState, Clock, WebConfig};

fn fail(msg: &str) -> ! {
    eprintln!("benchmark failed: {msg}");
    std::process::exit(1)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(d: &mut [Duration], p: usize) -> f64 {
    d.sort();
    d[(d.len() * p / 100).min(d.len() - 1)].as_secs_f64() * 1000.0
}

/// Names no one in the synthetic council has, so a contact never waits on candidates.
const GIVEN: [&str; 8] = [
    "Ottoline",
    "Peregrine",
    "Clementine",
    "Barnaby",
    "Wilhelmina",
    "Ignatius",
    "Araminta",
    "Thaddeus",
];

/// A family name of letters only (names are matched on their letters), different for each n.
fn letters(mut n: usize) -> String {
    let mut s = String::from("Qu");
    loop {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s
}

/// A date of birth between 2009 and 2025, different for neighbouring n.
fn born(n: usize) -> String {
    let d = NaiveDate::from_ymd_opt(2009, 1, 1).unwrap_or_default()
        + chrono::Duration::days(((n * 37) % 6000) as i64);
    d.to_string()
}

async fn run(label: &str, url: &str, today: NaiveDate) {
    let a = stepwise_synth::generate(&stepwise_synth::SynthConfig::new(today))
        .unwrap_or_else(|e| fail(&e.to_string()));
    let front_worker = a
        .workers
        .iter()
        .find(|w| {
            a.teams
                .iter()
                .any(|t| t.id == w.team && t.kind == TeamKind::FrontDoor)
        })
        .map(|w| (w.id.0, w.team.0))
        .unwrap_or_else(|| fail("no front-door worker"));
    let store = Store::open(url, AuditKey::for_tests())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let t = Instant::now();
    store
        .journeys()
        .bulk_load(
            &BulkLoad {
                authority: Some(a.authority),
                localities: a.localities,
                teams: a.teams,
                workers: a.workers,
                people: a.people,
                households: a.households,
                relationships: a.relationships,
                events: a.events,
                contacts: a.contacts,
            },
            &Actor::System("bench"),
            |_, _, _| {},
        )
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "{label}: default authority loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let uid = store
        .accounts()
        .upsert_user(&NewUser {
            username: "bench.front.door".into(),
            display_name: "Bench Front Door".into(),
            role: Role::FrontDoorPractitioner,
            worker_id: Some(front_worker.0),
            team_id: Some(front_worker.1),
            password_hash: String::new(),
        })
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let token = stepwise_web::api_tokens::new_token();
    store
        .accounts()
        .create_api_token(
            &Actor::System("bench"),
            "bench",
            uid,
            "bench",
            &stepwise_web::auth::token_hash(&token),
            30,
        )
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let state = AppState::new(
        store.clone(),
        WebConfig {
            clock: Clock::System,
            ..WebConfig::default()
        },
    )
    .await
    .unwrap_or_else(|e| fail(&e.to_string()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(&e.to_string()));
    tokio::spawn(async move {
        let _ = stepwise_web::serve_on(state, listener).await;
    });

    let clients = env_usize("FD_CLIENTS", 8);
    let total = env_usize("FD_CONTACTS", 2000);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let next = next.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut intake = Vec::new();
            let mut decide = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= total {
                    break;
                }
                let body = serde_json::json!({
                    "source": "6",
                    "referrer": {"name": "PC Bench", "agency": "Police", "phone": "01632 960001"},
                    "concerns": "Police attended a domestic incident; the child was present.",
                    "consent": {"status": "not_sought", "basis": "Risk to the child"},
                    "urgency": if n.is_multiple_of(5) { "red" } else { "amber" },
                    "children": [{"given_name": GIVEN[n % GIVEN.len()], "family_name": letters(n),
                                  "date_of_birth": born(n), "sex": "F"}],
                    // A portal that has shown its user the candidates sends create_new; the
                    // matcher still runs, and an NHS number match would still be refused.
                    "create_new": true
                });
                let t = Instant::now();
                let res = http
                    .post(format!("http://{addr}/api/v1/contacts"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if res.status() != reqwest::StatusCode::CREATED {
                    return Err(format!(
                        "contact {n}: {} {}",
                        res.status(),
                        res.text().await.unwrap_or_default()
                    ));
                }
                let got: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
                intake.push(t.elapsed());
                let id = got["id"].as_i64().unwrap_or(0);
                let child = got["children"][0]["person_id"].as_i64().unwrap_or(0);
                let t = Instant::now();
                let res = http
                    .post(format!("http://{addr}/api/v1/contacts/{id}/decision"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({
                        "children": [{"person_id": child, "level": "2", "outcome": "early_help"}],
                        "rationale": "Needs met by early help; no safeguarding concern after checks.",
                        "feedback_to_referrer": "Thank you: the family will be offered early help."
                    }))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if res.status() != reqwest::StatusCode::CREATED {
                    return Err(format!(
                        "decision {n}: {} {}",
                        res.status(),
                        res.text().await.unwrap_or_default()
                    ));
                }
                decide.push(t.elapsed());
            }
            Ok::<_, String>((intake, decide))
        }));
    }
    let mut intake = Vec::new();
    let mut decide = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok((i, d))) => {
                intake.extend(i);
                decide.extend(d);
            }
            Ok(Err(e)) => fail(&e),
            Err(e) => fail(&e.to_string()),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label}: {} contacts received and decided by {clients} clients in {secs:.1} s: {:.0} decisions/s (with their intake)",
        decide.len(),
        decide.len() as f64 / secs
    );
    println!(
        "{label}:   intake   p50 {:>6.1} ms  p99 {:>6.1} ms",
        pct(&mut intake, 50),
        pct(&mut intake, 99)
    );
    println!(
        "{label}:   decision p50 {:>6.1} ms  p99 {:>6.1} ms",
        pct(&mut decide, 50),
        pct(&mut decide, 99)
    );
    let v = store
        .audit_log()
        .verify()
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    if let Some(p) = v.problem {
        fail(&format!("the audit chain does not hold: {p:?}"));
    }
    println!("{label}: audit chain verified: {} entries", v.entries);
    store.close().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    rt.block_on(async {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("stepwise_fd_bench_{}.db", std::process::id()));
        run("sqlite", &format!("sqlite://{}", path.display()), today).await;
        let _ = std::fs::remove_file(&path);
        if let Ok(base) = std::env::var("STEPWISE_TEST_POSTGRES")
            && !base.is_empty()
        {
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&base)
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            let name = format!("stepwise_fd_bench_{}", std::process::id());
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            admin.close().await;
            let (head, _) = base.rsplit_once('/').unwrap_or_else(|| fail("bad URL"));
            run("postgres", &format!("{head}/{name}"), today).await;
        } else {
            println!("postgres: not run (set STEPWISE_TEST_POSTGRES to a server URL)");
        }
    });
}
