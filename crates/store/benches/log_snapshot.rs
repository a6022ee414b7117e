//! Whole-log read benchmark on the default synthetic authority (60,000 children, about
//! 725,000 events, as at 2026-11-23), loaded into a new SQLite file, and into a new
//! PostgreSQL database as well when `STEPWISE_TEST_POSTGRES` holds a server URL.
//!
//! On each database it times:
//!
//! * the old path: every event fetched in one query ordered by child, each row decoded by
//!   column name, grouped into a map of child to events (what retention did before the log
//!   snapshot);
//! * `Journeys::log_snapshot` cold (a newly opened store, so nothing is cached);
//! * the disposal queue's first assessment of every record (`Governance::warm_retention`) cold;
//! * catching up after one new event (`append_event`, then `log_snapshot` timed on its own),
//!   and `log_snapshot` when nothing is new.
//!
//! Run with `cargo bench -p stepwise-store --bench log_snapshot`; `SNAPSHOT_RUNS` sets the runs
//! of each cold read (default 3), `CATCH_UP_RUNS` the catch-ups (default 100), and
//! `SNAPSHOT_SCALE` the size of the authority (default 1, the default authority).
//! `SNAPSHOT_DATABASES="SQLite=sqlite://FILE PostgreSQL=postgres://…"` reads existing
//! databases holding the default authority instead of generating and loading one (the
//! catch-up appends case notes to them), and `SNAPSHOT_OLD=0` leaves out the old path.

use chrono::{NaiveDate, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use stepwise_domain::commands::NewEvent;
use stepwise_domain::events::{EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::{EventSeq, PersonId, WorkerId};
use stepwise_domain::retention::RetentionSchedule;
use stepwise_store::{Actor, AuditKey, BulkLoad, Store};

fn fail(msg: &str) -> ! {
    eprintln!("benchmark failed: {msg}");
    std::process::exit(1)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d.get(d.len() / 2).copied().unwrap_or_default()
}

fn p95(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d.get((d.len() * 95 / 100).min(d.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// The processor time this process has used so far, from `/proc/self/stat` (Linux, 100 ticks a
/// second; zero elsewhere): on a shared machine it shows the work a read took when the wall
/// time is stretched by other processes.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn runs(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
        .max(1)
}

/// The old whole-log read: one query ordered by child, rows decoded by column name, grouped
/// by child (as `retention.rs` read the log before the snapshot).
async fn old_read(url: &str) -> BTreeMap<i64, Vec<JourneyEvent>> {
    let pool = sqlx::AnyPool::connect(url)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let rows = sqlx::query("SELECT seq, child_id, effective, effective_time, recorded_at, recorded_by, kind, supersedes, supersede_reason, payload FROM events ORDER BY child_id, seq")
        .fetch_all(&pool)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    let mut logs: BTreeMap<i64, Vec<JourneyEvent>> = BTreeMap::new();
    for r in &rows {
        let text = |c: &str| {
            r.try_get::<String, _>(c)
                .unwrap_or_else(|e| fail(&e.to_string()))
        };
        let int = |c: &str| {
            r.try_get::<i64, _>(c)
                .unwrap_or_else(|e| fail(&e.to_string()))
        };
        let kind: EventKind =
            serde_json::from_str(&text("payload")).unwrap_or_else(|e| fail(&e.to_string()));
        let supersedes = r
            .try_get::<Option<i64>, _>("supersedes")
            .unwrap_or_else(|e| fail(&e.to_string()))
            .map(|s| Supersession {
                event: EventSeq(s),
                reason: r
                    .try_get::<Option<String>, _>("supersede_reason")
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            });
        let e = JourneyEvent {
            seq: EventSeq(int("seq")),
            child: PersonId(int("child_id")),
            effective: NaiveDate::parse_from_str(&text("effective"), "%Y-%m-%d")
                .unwrap_or_else(|e| fail(&e.to_string())),
            effective_time: r
                .try_get::<Option<String>, _>("effective_time")
                .unwrap_or_else(|e| fail(&e.to_string()))
                .map(|t| {
                    chrono::NaiveTime::parse_from_str(&t, "%H:%M:%S")
                        .unwrap_or_else(|e| fail(&e.to_string()))
                }),
            recorded_at: chrono::DateTime::parse_from_rfc3339(&text("recorded_at"))
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|e| fail(&e.to_string())),
            recorded_by: WorkerId(int("recorded_by")),
            supersedes,
            kind,
        };
        logs.entry(e.child.0).or_default().push(e);
    }
    pool.close().await;
    logs
}

async fn open(url: &str) -> Store {
    Store::open(url, AuditKey::for_tests())
        .await
        .unwrap_or_else(|e| fail(&e.to_string()))
}

async fn bench(name: &str, url: &str, today: NaiveDate) {
    let cold_runs = runs("SNAPSHOT_RUNS", 3);
    let mut old = Vec::new();
    let mut new = Vec::new();
    let mut cpu = Vec::new();
    let mut events = 0;
    let mut children = 0;
    let with_old = std::env::var("SNAPSHOT_OLD").map_or(true, |v| v != "0");
    for _ in 0..cold_runs {
        let mut old_children = None;
        if with_old {
            let t = Instant::now();
            let logs = old_read(url).await;
            old.push(t.elapsed());
            old_children = Some(logs.len());
            drop(logs);
        }

        let store = open(url).await;
        let (t, c) = (Instant::now(), cpu_time());
        let snap = store
            .journeys()
            .log_snapshot()
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        new.push(t.elapsed());
        cpu.push(cpu_time().saturating_sub(c));
        events = snap.events();
        children = snap.children();
        if old_children.is_some_and(|n| n != children) {
            fail("the snapshot and the old read disagree on the children");
        }
        drop(snap);
        store.close().await;
    }
    let (old_m, new_m) = (median(old), median(new.clone()));
    println!(
        "{name}: whole log read and grouped by child ({events} events, {children} children), median of {cold_runs}:"
    );
    if with_old {
        println!(
            "  old path (by name, one query ordered by child)  {:>8.0} ms",
            ms(old_m)
        );
    }
    let mut sorted = new;
    sorted.sort();
    println!(
        "  log_snapshot, cold                              {:>8.0} ms  ({:.1}x faster than the old path; best {:.0} ms)",
        ms(new_m),
        old_m.as_secs_f64() / new_m.as_secs_f64().max(1e-9),
        sorted.first().map_or(0.0, |d| ms(*d))
    );
    println!(
        "  log_snapshot, cold: processor time (all threads) {:>8.0} ms",
        ms(median(cpu))
    );

    let mut retention = Vec::new();
    for _ in 0..cold_runs.min(2) {
        let store = open(url).await;
        let t = Instant::now();
        store
            .governance()
            .warm_retention(&RetentionSchedule::default())
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        retention.push(t.elapsed());
        store.close().await;
    }
    println!(
        "  retention assessment of every record, cold      {:>8.0} ms",
        ms(median(retention))
    );

    let store = open(url).await;
    let snap = store
        .journeys()
        .log_snapshot()
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    // A child (not an adult) to record case notes for: the first whose note is accepted.
    let actor = Actor::System("bench");
    let note = |child: PersonId, _recorder: WorkerId, k: usize| NewEvent {
        child,
        effective: today,
        effective_time: None,
        supersedes: None,
        kind: EventKind::CaseNote {
            subject: "Benchmark".into(),
            text: format!("note {k}"),
        },
    };
    let candidates: Vec<(PersonId, WorkerId)> = snap
        .iter()
        .filter_map(|(id, h)| h.last().map(|e| (id, e.recorded_by)))
        .take(200)
        .collect();
    drop(snap);
    let mut chosen = None;
    for (child, recorder) in candidates {
        if store
            .journeys()
            .record(&actor, "bench", note(child, recorder, 0))
            .await
            .is_ok()
        {
            chosen = Some((child, recorder));
            break;
        }
    }
    let Some((child, recorder)) = chosen else {
        fail("no child accepts a case note")
    };
    let events = events + 1;
    let mut unchanged = Vec::new();
    let mut catch_up = Vec::new();
    let mut append = Vec::new();
    for k in 0..runs("CATCH_UP_RUNS", 100) {
        let t = Instant::now();
        store
            .journeys()
            .log_snapshot()
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        unchanged.push(t.elapsed());
        let t = Instant::now();
        store
            .journeys()
            .record(&actor, "bench", note(child, recorder, k + 1))
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        append.push(t.elapsed());
        let t = Instant::now();
        let snap = store
            .journeys()
            .log_snapshot()
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        catch_up.push(t.elapsed());
        if snap.events() != events + k + 1 {
            fail("the catch-up missed an event");
        }
    }
    println!(
        "  log_snapshot after one new event (catch-up)     median {:.3} ms  p95 {:.3} ms  ({} runs)",
        ms(median(catch_up.clone())),
        ms(p95(catch_up)),
        append.len()
    );
    println!(
        "  log_snapshot with nothing new                   median {:.3} ms  p95 {:.3} ms",
        ms(median(unchanged.clone())),
        ms(p95(unchanged))
    );
    println!(
        "  (recording itself, not part of the catch-up: median {:.2} ms)",
        ms(median(append))
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
        if let Ok(list) = std::env::var("SNAPSHOT_DATABASES")
            && !list.is_empty()
        {
            // Existing databases holding the default authority (`stepwise demo --no-serve
            // --today 2026-11-23`), read as they are; the catch-up appends case notes to them.
            for target in list.split_whitespace() {
                let Some((name, url)) = target.split_once('=') else {
                    fail("SNAPSHOT_DATABASES holds NAME=URL pairs")
                };
                bench(name, url, today).await;
            }
            return;
        }
        let t = Instant::now();
        let scale = std::env::var("SNAPSHOT_SCALE")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(1.0);
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
            "default authority generated in {:.1} s: {} events; an event in memory is {} bytes before its strings",
            t.elapsed().as_secs_f64(),
            load.events.len(),
            std::mem::size_of::<JourneyEvent>()
        );

        let mut targets = Vec::new();
        let path =
            std::env::temp_dir().join(format!("stepwise_snapshot_bench_{}.db", std::process::id()));
        targets.push(("SQLite", format!("sqlite://{}", path.display()), None));
        if let Ok(base) = std::env::var("STEPWISE_TEST_POSTGRES")
            && !base.is_empty()
        {
            let name = format!("stepwise_snapshot_bench_{}", std::process::id());
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
            let t = Instant::now();
            store
                .journeys().bulk_load(&load, &Actor::System("bench"), |_, _, _| {})
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            store.close().await;
            println!("{name}: loaded in {:.1} s", t.elapsed().as_secs_f64());
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
