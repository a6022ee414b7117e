//! Page-time benchmark: the record of a child with 500 events, on SQLite, measured two ways:
//! assembling and rendering the page in process (store reads, audit write, HTML), and a full
//! HTTP request against the running server. Run with `cargo bench -p stepwise-web`.
//! Prints the median, 95th percentile and mean over the runs.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use std::time::{Duration, Instant};

use stepwise_domain::access::Role;
use stepwise_domain::events::{EventKind, JourneyEvent, Placement, VisitPurpose};
use stepwise_domain::ids::{EventSeq, HouseholdId, LocalityId, PersonId, TeamId, WorkerId};
use stepwise_domain::org::{Authority, Employment, Locality, Team, TeamKind, Worker, WorkerRole};
use stepwise_domain::people::{NameKind, Person, PersonKind, PersonName};
use stepwise_store::{Actor, AuditKey, BulkLoad, ChronologyFilter, NewUser, Store};
use stepwise_web::{AppState, Clock, WebConfig};

const EVENTS: usize = 500;
const RUNS: usize = 200;

fn child() -> Person {
    Person {
        id: PersonId(1),
        kind: PersonKind::Child,
        names: vec![PersonName {
            given: "Bench".into(),
            family: "Child".into(),
            kind: NameKind::Current,
        }],
        date_of_birth: NaiveDate::from_ymd_opt(2012, 5, 4),
        expected_date_of_birth: None,
        date_of_death: None,
        sex: "F".into(),
        ethnicity: "WBRI".into(),
        disabilities: vec![],
        nhs_number: None,
        upn: None,
        former_upn: None,
        upn_unknown: Some("UN5".into()),
        language: None,
        uasc: false,
    }
}

fn events(start: NaiveDate) -> Vec<JourneyEvent> {
    let mut v = Vec::new();
    let mut push = |day: u64, kind: EventKind| {
        let n = v.len() as i64 + 1;
        let on = start.checked_add_days(Days::new(day)).unwrap_or(start);
        v.push(JourneyEvent {
            seq: EventSeq(n),
            child: PersonId(1),
            effective: on,
            effective_time: None,
            recorded_at: Utc.from_utc_datetime(&on.and_hms_opt(12, 0, 0).unwrap_or_default())
                + chrono::Duration::seconds(n),
            recorded_by: WorkerId(1),
            supersedes: None,
            kind,
        });
    };
    push(
        0,
        EventKind::ReferralOpened {
            source: "6".into(),
            primary_need: "N1".into(),
            no_further_action: false,
        },
    );
    push(
        0,
        EventKind::WorkerAllocated {
            worker: WorkerId(1),
            team: TeamId(1),
            role: stepwise_domain::events::AllocationRole::SocialWorker,
            reason: None,
        },
    );
    let placement = Placement {
        legal_status: "C2".into(),
        placement: "U4".into(),
        provider: "PR1".into(),
        category_of_need: "N1".into(),
        home_postcode: None,
        placement_postcode: None,
        urn: None,
    };
    push(1, EventKind::LookedAfterStarted { placement });
    let mut day = 2;
    while v.len() < EVENTS {
        let k = match v.len() % 5 {
            0 => EventKind::LookedAfterReview {
                participation: "PN1".into(),
            },
            1 | 2 => EventKind::Visit {
                purpose: VisitPurpose::LookedAfter,
                seen_alone: true,
            },
            _ => EventKind::CaseNote {
                subject: "Contact with birth family".into(),
                text:
                    "Supervised contact went well; the child asked to see her brother more often."
                        .into(),
            },
        };
        push(day, k);
        day += 3;
    }
    v
}

fn stats(mut d: Vec<Duration>) -> String {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let mean = d.iter().map(|x| ms(*x)).sum::<f64>() / d.len() as f64;
    format!(
        "median {:.2} ms, p95 {:.2} ms, mean {:.2} ms over {} runs",
        ms(d[d.len() / 2]),
        ms(d[d.len() * 95 / 100]),
        mean,
        d.len()
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        });
    rt.block_on(async {
        let path = std::env::temp_dir().join(format!("stepwise_bench_{}.db", std::process::id()));
        let store = Store::open(
            &format!("sqlite://{}", path.display()),
            AuditKey::for_tests(),
        )
        .await
        .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        let start = NaiveDate::from_ymd_opt(2022, 1, 10).unwrap_or_default();
        let load = BulkLoad {
            authority: Some(Authority {
                name: "Bench Borough".into(),
                la_code: "990".into(),
                area_word: "hub".into(),
            }),
            localities: vec![Locality {
                id: LocalityId(1),
                name: "North".into(),
            }],
            teams: vec![Team {
                id: TeamId(1),
                name: "Children in care".into(),
                kind: TeamKind::ChildrenInCare,
                locality: None,
            }],
            workers: vec![Worker {
                id: WorkerId(1),
                name: "Bench Worker".into(),
                role: WorkerRole::SocialWorker,
                team: TeamId(1),
                employment: Employment::Permanent,
                fte: 1.0,
                registration: None,
            }],
            people: vec![child()],
            households: vec![stepwise_domain::people::Household {
                id: HouseholdId(1),
                members: vec![],
                addresses: vec![],
            }],
            relationships: vec![],
            events: events(start),
        };
        store
            .bulk_load(&load, &Actor::System("bench"), |_, _, _| {})
            .await
            .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap_or_default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let actor = Actor::User {
            id: 1,
            username: "bench".into(),
        };
        let filter = ChronologyFilter {
            significant_only: false,
            limit: 500,
            ..Default::default()
        };

        // In process: store reads + audit write + render.
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let rec = store
                .open_child_record(&actor, "bench", PersonId(1), &filter, today, &cal, "bench")
                .await
                .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
            let html = stepwise_web::pages::record::render(
                &rec,
                &filter,
                &[],
                &(String::new(), String::new()),
                today,
            )
            .into_string();
            size = html.len();
            times.push(t.elapsed());
        }
        println!(
            "record of a child with {EVENTS} events, all shown, in process: {} ({} KB of HTML)",
            stats(times),
            size / 1024
        );

        // Over HTTP, through the access check, session lookup and headers.
        let hash = stepwise_web::auth::hash_password("bench password long".into())
            .await
            .unwrap_or_default();
        let uid = store
            .upsert_user(&NewUser {
                username: "bench".into(),
                display_name: "Bench".into(),
                role: Role::SocialWorker,
                worker_id: Some(1),
                team_id: Some(1),
                password_hash: hash,
            })
            .await
            .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        let token = stepwise_web::auth::random_token();
        store
            .create_session(
                &stepwise_web::auth::token_hash(&token),
                uid,
                "csrf",
                Utc::now() + chrono::Duration::hours(1),
            )
            .await
            .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        let state = AppState::new(
            store.clone(),
            WebConfig {
                clock: Clock::Fixed(today),
                ..WebConfig::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic_free_exit(&e.to_string()));
        tokio::spawn(async move {
            let _ = stepwise_web::serve_on(state, listener).await;
        });
        let client = reqwest::Client::new();
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let res = client
                .get(format!("http://{addr}/people/1?all=1"))
                .header("cookie", format!("stepwise_session={token}"))
                .send()
                .await;
            let ok = match res {
                Ok(r) => r.status().is_success() && r.text().await.is_ok(),
                Err(_) => false,
            };
            if !ok {
                panic_free_exit("the record page did not load");
            }
            times.push(t.elapsed());
        }
        println!(
            "record of a child with {EVENTS} events, all shown, over HTTP: {}",
            stats(times)
        );
        let _ = std::fs::remove_file(&path);
    });
}

fn panic_free_exit(msg: &str) -> ! {
    eprintln!("benchmark failed: {msg}");
    std::process::exit(1)
}
