//! Page-time benchmark on the default synthetic authority (60,000 children, about 720,000
//! events, as at 2026-11-23) in a new SQLite file. The open child with the longest history is
//! given extra visits and case notes until their record holds 500 events; then the pages people
//! live in are fetched over HTTP from the running server, through the session lookup, the access
//! check, the audit write and the HTML rendering:
//!
//! * that child's record, significant events only (the default view) and with everything shown;
//! * "my work" for the child's social worker, the team page, a name search with a typo.
//!
//! The record is also assembled and rendered in process (no HTTP) to show where the time goes.
//! Prints the median, 95th percentile and mean of each. Run with `cargo bench -p stepwise-web`;
//! `PAGE_RUNS` sets the runs per page (default 200).

use chrono::{Days, NaiveDate, TimeZone, Utc};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use stepwise_domain::access::Role;
use stepwise_domain::events::{EventKind, JourneyEvent, VisitPurpose};
use stepwise_domain::ids::{EventSeq, PersonId};
use stepwise_domain::projection::{Involvement, replay};
use stepwise_store::{Actor, AuditKey, BulkLoad, ChronologyFilter, NewUser, Store};
use stepwise_web::{AppState, Clock, WebConfig};

const EVENTS: usize = 500;

fn stats(mut d: Vec<Duration>) -> String {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let mean = d.iter().map(|x| ms(*x)).sum::<f64>() / d.len() as f64;
    format!(
        "median {:>6.2} ms  p95 {:>6.2} ms  mean {:>6.2} ms  ({} runs)",
        ms(d[d.len() / 2]),
        ms(d[(d.len() * 95 / 100).min(d.len() - 1)]),
        mean,
        d.len()
    )
}

fn fail(msg: &str) -> ! {
    eprintln!("benchmark failed: {msg}");
    std::process::exit(1)
}

/// Adds visits and case notes to `child`'s log until it holds `EVENTS` events, recorded after
/// everything else (as late entries spread over the two years before `today`).
fn grow(events: &mut Vec<JourneyEvent>, child: PersonId, today: NaiveDate) {
    let have = events.iter().filter(|e| e.child == child).count();
    let recorder = events
        .iter()
        .rev()
        .find(|e| e.child == child)
        .map(|e| e.recorded_by)
        .unwrap_or(stepwise_domain::ids::WorkerId(1));
    let last = events
        .last()
        .map(|e| e.recorded_at)
        .unwrap_or_else(|| Clock::System.now());
    for k in 0..EVENTS.saturating_sub(have) {
        let on = today
            .checked_sub_days(Days::new(730 - (k as u64 * 3) % 730))
            .unwrap_or(today);
        let kind = if k % 2 == 0 {
            EventKind::Visit {
                purpose: VisitPurpose::ChildInNeed,
                seen_alone: k % 4 == 0,
            }
        } else {
            EventKind::CaseNote {
                subject: "Contact with birth family".into(),
                text: "Supervised contact went well; asked to see her brother more often.".into(),
            }
        };
        events.push(JourneyEvent {
            seq: EventSeq(events.len() as i64 + 1),
            child,
            effective: on,
            effective_time: None,
            recorded_at: last + chrono::Duration::seconds(k as i64 + 1),
            recorded_by: recorder,
            supersedes: None,
            kind,
        });
    }
}

fn main() {
    let runs: usize = std::env::var("PAGE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
        .max(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    rt.block_on(async move {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let t = Instant::now();
        let mut a = stepwise_synth::generate(&stepwise_synth::SynthConfig::new(today))
            .unwrap_or_else(|e| fail(&e.to_string()));
        // The open, allocated child with the longest history.
        let mut logs: HashMap<PersonId, Vec<JourneyEvent>> = HashMap::new();
        for e in &a.events {
            logs.entry(e.child).or_default().push(e.clone());
        }
        let Some((_, child, worker, team)) = logs
            .iter()
            .filter_map(|(id, log)| {
                let s = replay(*id, log);
                let al = s.allocated.as_ref()?;
                s.involvements()
                    .contains(&Involvement::ChildInNeed)
                    .then_some((log.len(), *id, al.worker.0, al.team.0))
            })
            .max()
        else {
            fail("no open child in need")
        };
        grow(&mut a.events, child, today);
        let name = a
            .people
            .iter()
            .find(|p| p.id == child)
            .map(|p| p.display_name())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("stepwise_bench_{}.db", std::process::id()));
        let store = Store::open(
            &format!("sqlite://{}", path.display()),
            AuditKey::for_tests(),
        )
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
        let events = a.events.len();
        store
            .journeys().bulk_load(
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
            "default authority generated and loaded in {:.1} s: {events} events; child {} ({name}) has {EVENTS}",
            t.elapsed().as_secs_f64(),
            child.0
        );

        // In process: the store's reads and audit write, then the HTML.
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england()
            .unwrap_or_else(|e| fail(&e.to_string()));
        let actor = Actor::User {
            id: stepwise_domain::ids::UserId(1),
            username: "bench".into(),
        };
        // The child's social worker, allowed as the allocated worker.
        let viewer = stepwise_domain::access::Viewer {
            role: Role::SocialWorker,
            worker: Some(stepwise_domain::ids::WorkerId(worker)),
            team: Some(stepwise_domain::ids::TeamId(team)),
            ..Default::default()
        };
        let policy = stepwise_domain::access::AccessPolicy::default();
        let reader = stepwise_store::Reader {
            actor: &actor,
            viewer: &viewer,
            policy: &policy,
        };
        let everything = ChronologyFilter {
            significant_only: false,
            limit: 500,
            ..Default::default()
        };
        let mut read = Vec::new();
        let mut whole = Vec::new();
        for i in 0..runs + 20 {
            let t = Instant::now();
            let rec = store
                .people().open_child_record(&reader, "bench", child, &everything, today, &cal, "bench")
                .await
                .unwrap_or_else(|e| fail(&e.to_string()));
            let r = t.elapsed();
            let html = stepwise_web::pages::record::render(
                &rec,
                &everything,
                &[],
                &(String::new(), String::new()),
                today,
                true,
            )
            .into_string();
            std::hint::black_box(html);
            // The first runs warm the caches after the load; they are not counted.
            if i >= 20 {
                read.push(r);
                whole.push(t.elapsed());
            }
        }
        println!("in process, record with all {EVENTS} events:");
        println!("  access check, store read, audit row  {}", stats(read));
        println!("  ... and rendered to HTML             {}", stats(whole));

        // Over HTTP, as the child's social worker.
        let hash = stepwise_web::auth::hash_password("bench password long".into())
            .await
            .unwrap_or_default();
        let uid = store
            .accounts().upsert_user(&NewUser {
                username: "bench".into(),
                display_name: "Bench".into(),
                role: Role::SocialWorker,
                worker_id: Some(worker),
                team_id: Some(team),
                password_hash: hash,
            })
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        let token = stepwise_web::auth::random_token();
        store
            .accounts().create_session(
                &stepwise_web::auth::token_hash(&token),
                uid,
                "csrf",
                Utc.from_utc_datetime(&today.and_hms_opt(0, 0, 0).unwrap_or_default())
                    + chrono::Duration::days(3650),
            )
            .await
            .unwrap_or_else(|e| fail(&e.to_string()));
        let state = AppState::new(
            store.clone(),
            WebConfig {
                clock: Clock::Fixed(today),
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
        let client = reqwest::Client::new();
        // A misspelt family name with the given name first.
        let mut typo: Vec<char> = name.chars().collect();
        if let Some(c) = typo.iter_mut().rev().find(|c| c.is_ascii_lowercase()) {
            *c = if *c == 'e' { 'a' } else { 'e' };
        }
        let typo: String = typo.into_iter().collect();
        let pages = [
            ("record, significant events", format!("/people/{}", child.0)),
            ("record, all 500 events", format!("/people/{}?all=1", child.0)),
            ("my work", "/my-work".to_string()),
            ("team page with its children", format!("/teams/{team}")),
            (
                "search, misspelt name",
                format!("/people?q={}", typo.replace(' ', "+")),
            ),
        ];
        println!("over HTTP (session, access check, audit, HTML):");
        for (what, url) in pages {
            let mut times = Vec::new();
            let mut size = 0;
            for i in 0..runs + 5 {
                let t = Instant::now();
                let res = client
                    .get(format!("http://{addr}{url}"))
                    .header("cookie", format!("stepwise_session={token}"))
                    .send()
                    .await;
                let body = match res {
                    Ok(r) if r.status().is_success() => r.text().await.ok(),
                    _ => None,
                };
                let Some(body) = body else {
                    fail(&format!("{url} did not load"))
                };
                if !body.contains(&stepwise_domain::ids::local_person_id(child)) {
                    fail(&format!("{url} does not show the child"))
                }
                if i >= 5 {
                    times.push(t.elapsed());
                }
                size = body.len();
            }
            println!(
                "  {what:<28} {} {:>4} KB",
                stats(times),
                size / 1024
            );
        }
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    });
}
