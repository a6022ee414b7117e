//! Audited record reads under concurrency: 8 clients at once, on a synthetic authority loaded
//! into a new SQLite file, and into a new PostgreSQL database as well when
//! `STEPWISE_TEST_POSTGRES` holds a server URL.
//!
//! On each database it runs, for a fixed time each:
//!
//! * audit appends alone: each client records `record.view` rows (`AuditLog::record`) one after
//!   another, so the figure is the chain's own throughput;
//! * record reads as the API makes them: each client builds its viewer from a service
//!   manager's account (`Governance::viewer`, as every signed-in request does) and opens a child's
//!   record (`People::open_child_record`: the access decision, the audit row, the record), one
//!   child after another.
//!
//! It reports reads a second and the median and 99th percentile of one read, then checks that
//! the whole audit chain verifies.
//!
//! Run with `cargo bench -p stepwise-store --bench audited_reads`. `AUDIT_CLIENTS` sets the
//! clients (default 8), `AUDIT_SECONDS` each phase's length (default 5) and `AUDIT_SCALE` the
//! size of the authority (default 0.25 of the default authority; a record's size does not
//! depend on it).

use chrono::NaiveDate;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stepwise_domain::access::{AccessPolicy, Role};
use stepwise_domain::calendar::WorkingDayCalendar;
use stepwise_domain::ids::PersonId;
use stepwise_store::{Actor, AuditKey, BulkLoad, ChronologyFilter, NewUser, Reader, Store};

fn fail(msg: &str) -> ! {
    eprintln!("benchmark failed: {msg}");
    std::process::exit(1)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn env<T: std::str::FromStr>(var: &str, default: T) -> T {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

async fn open(url: &str) -> Store {
    Store::open(url, AuditKey::for_tests())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()))
}

fn report(what: &str, clients: usize, elapsed: Duration, mut lat: Vec<Duration>) {
    lat.sort();
    println!(
        "  {what:<34} {clients} clients  {:>7.0} a second  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} in {:.1} s)",
        lat.len() as f64 / elapsed.as_secs_f64(),
        ms(quantile(&lat, 0.5)),
        ms(quantile(&lat, 0.99)),
        lat.len(),
        elapsed.as_secs_f64()
    );
}

/// Runs `clients` loops of `op` for `secs` seconds; returns the time taken and each call's
/// latency.
async fn run<F, Fut>(clients: usize, secs: f64, op: F) -> (Duration, Vec<Duration>)
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut k = 0;
            while Instant::now() < until {
                let t = Instant::now();
                op(c, k).await;
                lat.push(t.elapsed());
                k += 1;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_else(|e| fail(&e.to_string())));
    }
    (start.elapsed(), all)
}

async fn bench(name: &str, url: &str, today: NaiveDate) {
    let clients: usize = env("AUDIT_CLIENTS", 8);
    let secs: f64 = env("AUDIT_SECONDS", 5.0);
    let store = open(url).await;
    let snap = store
        .journeys()
        .log_snapshot()
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let children: Arc<Vec<PersonId>> = Arc::new(snap.iter().map(|(id, _)| id).take(2000).collect());
    drop(snap);
    println!("{name}:");

    let actor = Arc::new(Actor::User {
        id: stepwise_domain::ids::UserId(1),
        username: "bench".into(),
    });
    {
        let (store, actor, children) = (store.clone(), actor.clone(), children.clone());
        let (t, lat) = run(clients, secs, move |c, k| {
            let (store, actor, children) = (store.clone(), actor.clone(), children.clone());
            async move {
                let child = children[(c * 997 + k) % children.len()];
                store
                    .audit_log()
                    .record(
                        &actor,
                        stepwise_domain::audit::AuditAction::RecordView,
                        &stepwise_domain::audit::AuditSubject::Person(child),
                        "bench",
                        "bench; audit append only",
                    )
                    .await
                    .unwrap_or_else(|e| fail(&e.to_string()));
            }
        })
        .await;
        report("audit appends (AuditLog::record)", clients, t, lat);
    }

    // A service manager's account: each read first builds the viewer from it, as every
    // signed-in request does (its grants, and the reasons it stated today, from the audit log).
    let user_id = store
        .accounts()
        .upsert_user(&NewUser {
            username: "bench-manager".into(),
            display_name: "Bench Manager".into(),
            role: Role::ServiceManager,
            worker_id: None,
            team_id: None,
            password_hash: "-".into(),
        })
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let user = Arc::new(
        store
            .accounts()
            .user_by_id(user_id)
            .await
            .unwrap_or_else(|e| fail(&e.to_string()))
            .unwrap_or_else(|| fail("the benchmark's account is missing")),
    );
    let policy = Arc::new(AccessPolicy::default());
    let cal = Arc::new(WorkingDayCalendar::england().unwrap_or_else(|e| fail(&e.to_string())));
    let filter = Arc::new(ChronologyFilter::default());
    {
        let store = store.clone();
        let (t, lat) = run(clients, secs, move |c, k| {
            let (store, actor, user, policy, cal, filter, children) = (
                store.clone(),
                actor.clone(),
                user.clone(),
                policy.clone(),
                cal.clone(),
                filter.clone(),
                children.clone(),
            );
            async move {
                let child = children[(c * 997 + k) % children.len()];
                let viewer = store
                    .governance()
                    .viewer(&user, store.now())
                    .await
                    .unwrap_or_else(|e| fail(&e.to_string()));
                let reader = Reader {
                    actor: &actor,
                    viewer: &viewer,
                    policy: &policy,
                };
                store
                    .people()
                    .open_child_record(&reader, "bench", child, &filter, today, &cal, "bench")
                    .await
                    .unwrap_or_else(|e| fail(&format!("reading {child:?}: {e}")));
            }
        })
        .await;
        report("record reads (viewer, open_child_record)", clients, t, lat);
    }

    let t = Instant::now();
    let v = store
        .audit_log()
        .verify()
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    if let Some(p) = v.problem {
        fail(&format!("the audit chain does not verify: {p:?}"));
    }
    println!(
        "  the audit chain verifies ({} entries, {:.1} s)",
        v.entries,
        t.elapsed().as_secs_f64()
    );
    store.close().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    rt.block_on(async move {
        sqlx::any::install_default_drivers();
        let Some(today) = NaiveDate::from_ymd_opt(2026, 11, 23) else {
            fail("bad date")
        };
        let scale: f64 = env("AUDIT_SCALE", 0.25);
        let a = stepwise_synth::generate(&stepwise_synth::SynthConfig::new(today).scaled(scale))
            .unwrap_or_else(|e| fail(&e.to_string()));
        let load = BulkLoad {
            authority: Some(a.authority),
            localities: a.localities,
            teams: a.teams,
            workers: a.workers,
            people: a.people,
            households: a.households,
            relationships: a.relationships,
            events: a.events,
            contacts: a.contacts,
        };
        println!(
            "authority at scale {scale}: {} people, {} events",
            load.people.len(),
            load.events.len()
        );
        let mut targets = Vec::new();
        let path =
            std::env::temp_dir().join(format!("stepwise_audit_bench_{}.db", std::process::id()));
        targets.push(("SQLite", format!("sqlite://{}", path.display()), None));
        if let Ok(base) = std::env::var("STEPWISE_TEST_POSTGRES")
            && !base.is_empty()
        {
            let name = format!("stepwise_audit_bench_{}", std::process::id());
            let admin = sqlx::AnyPool::connect(&base)
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            let Some((head, _)) = base.rsplit_once('/') else {
                fail("STEPWISE_TEST_POSTGRES is not a database URL")
            };
            targets.push(("PostgreSQL", format!("{head}/{name}"), Some((admin, name))));
        }
        for (name, url, _) in &targets {
            let store = open(url).await;
            store
                .journeys()
                .bulk_load(&load, &Actor::System("bench"), |_, _, _| {})
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            store.close().await;
            bench(name, url, today).await;
        }
        for (_, _, admin) in targets {
            if let Some((admin, name)) = admin {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&admin)
                    .await;
            }
        }
        let _ = std::fs::remove_file(&path);
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    });
}
