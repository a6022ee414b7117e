//! Lists say what they hold: search, the team list, the disposal queue and the pseudonymised
//! list each give the true count beside one page, on SQLite and PostgreSQL, and a sealed person
//! is never counted for a reader who may not see sealed records.

use super::*;
use stepwise_domain::access::{AccessPolicy, RestrictionKind, Role, Viewer};
use stepwise_domain::retention::RetentionSchedule;

async fn protect(s: &Store, person: i64, kind: RestrictionKind) {
    s.governance()
        .set_restriction(
            &Actor::System("test"),
            "req-protect",
            PersonId(person),
            kind,
            if kind == RestrictionKind::Sealed {
                "sealed_adoption"
            } else {
                "perpetrator_risk"
            },
            "Protected for the lists test",
        )
        .await
        .unwrap();
}

fn search(text: &str, page: usize, per_page: usize, include_sealed: bool) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        date_of_birth: None,
        page: PageRequest::new(page, per_page),
        include_sealed,
    }
}

/// Every page of a list, read one page at a time, with the total each page gave.
async fn all_pages<T, F, Fut>(per_page: usize, read: F) -> (Vec<T>, Vec<usize>)
where
    F: Fn(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Paged<T>>,
{
    let mut items = Vec::new();
    let mut totals = Vec::new();
    let mut page = 1;
    loop {
        let p = read(PageRequest::new(page, per_page)).await;
        assert!(p.len() <= per_page);
        totals.push(p.total);
        let last = page >= p.pages();
        items.extend(p.items);
        if last {
            break;
        }
        page += 1;
    }
    (items, totals)
}

#[tokio::test]
async fn search_counts_every_match_and_pages_best_first() {
    for (name, s) in loaded().await {
        let whole = s
            .people()
            .search_people(&search("hussain", 1, 200, false))
            .await
            .unwrap();
        assert_eq!(whole.total, 3, "{name}: Amira, Sami and their mother");
        assert_eq!(whole.len(), 3, "{name}");
        let first = s
            .people()
            .search_people(&search("hussain", 1, 2, false))
            .await
            .unwrap();
        assert_eq!(
            (
                first.total,
                first.len(),
                first.pages(),
                first.first_shown(),
                first.last_shown()
            ),
            (3, 2, 2, 1, 2),
            "{name}"
        );
        let (paged, totals) = all_pages(2, |page| {
            let s = s.clone();
            async move {
                s.people()
                    .search_people(&SearchQuery {
                        page,
                        ..search("hussain", 1, 2, false)
                    })
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(
            paged.iter().map(|m| m.id).collect::<Vec<_>>(),
            whole.iter().map(|m| m.id).collect::<Vec<_>>(),
            "{name}: the pages together are the whole list, best first"
        );
        assert_eq!(totals, vec![3, 3], "{name}");
        let past = s
            .people()
            .search_people(&search("hussain", 3, 2, false))
            .await
            .unwrap();
        assert!(
            past.is_empty() && past.past_the_end() && past.total == 3,
            "{name}"
        );

        // A restricted person still counts (they are found by name) and shows by name only.
        protect(&s, 2, RestrictionKind::Restricted).await;
        let r = s
            .people()
            .search_people(&search("hussain", 1, 50, false))
            .await
            .unwrap();
        assert_eq!(r.total, 3, "{name}");
        let sami = r.iter().find(|m| m.id == 2).unwrap();
        assert!(
            sami.date_of_birth.is_none() && sami.postcode.is_none(),
            "{name}"
        );

        // A sealed person is neither found nor counted, except by those who may see them.
        protect(&s, 1, RestrictionKind::Sealed).await;
        for per_page in [1, 50] {
            let sealed_out = s
                .people()
                .search_people(&search("hussain", 1, per_page, false))
                .await
                .unwrap();
            assert_eq!(
                sealed_out.total, 2,
                "{name}: the count does not reveal the seal"
            );
            assert!(sealed_out.iter().all(|m| m.id != 1), "{name}");
        }
        let ig = s
            .people()
            .search_people(&search("hussain", 1, 50, true))
            .await
            .unwrap();
        assert_eq!(
            ig.total, 3,
            "{name}: information governance counts everyone"
        );
    }
}

fn reader_for(role: Role) -> (Actor, Viewer, AccessPolicy) {
    (
        Actor::User {
            id: UserId(71),
            username: "lists".into(),
        },
        Viewer {
            role,
            ..Viewer::default()
        },
        AccessPolicy::default(),
    )
}

#[tokio::test]
async fn the_team_list_counts_pages_and_narrows_without_revealing_a_seal() {
    let cal = stepwise_domain::calendar::WorkingDayCalendar::england().unwrap();
    for (name, s) in loaded().await {
        let today = d(2024, 6, 1);
        let list = |role: Role, filter: TeamListFilter, page: PageRequest| {
            let s = s.clone();
            let cal = cal.clone();
            async move {
                let (actor, viewer, policy) = reader_for(role);
                let reader = Reader {
                    actor: &actor,
                    viewer: &viewer,
                    policy: &policy,
                };
                s.people()
                    .team_children(&reader, "req-list", TeamId(2), filter, page, today, &cal)
                    .await
                    .unwrap()
            }
        };
        let all = TeamListFilter::default();
        let whole = list(Role::TeamManager, all, PageRequest::first(200)).await;
        assert!(whole.total >= 1, "{name}: the team has open children");
        assert_eq!(whole.total, whole.len(), "{name}");
        let (paged, totals) = all_pages(1, |p| list(Role::TeamManager, all, p)).await;
        assert_eq!(
            paged.iter().map(|c| c.child.id).collect::<Vec<_>>(),
            whole.iter().map(|c| c.child.id).collect::<Vec<_>>(),
            "{name}: the pages together keep the order, unallocated first"
        );
        assert!(totals.iter().all(|t| *t == whole.total), "{name}");

        // Narrowing: each narrowed list is the whole list's matching children, in order.
        let unallocated = list(
            Role::TeamManager,
            TeamListFilter {
                unallocated: true,
                ..all
            },
            PageRequest::first(200),
        )
        .await;
        let expect: Vec<i64> = whole
            .iter()
            .filter(|c| c.worker_id.is_none())
            .map(|c| c.child.id)
            .collect();
        assert_eq!(
            unallocated.iter().map(|c| c.child.id).collect::<Vec<_>>(),
            expect,
            "{name}"
        );
        assert_eq!(unallocated.total, expect.len(), "{name}");
        let overdue = list(
            Role::TeamManager,
            TeamListFilter {
                overdue: true,
                ..all
            },
            PageRequest::first(200),
        )
        .await;
        assert!(overdue.iter().all(|c| c.child.overdue > 0), "{name}");
        assert_eq!(
            overdue.total,
            whole.iter().filter(|c| c.child.overdue > 0).count(),
            "{name}"
        );
        let jo = list(
            Role::TeamManager,
            TeamListFilter {
                worker: Some(1),
                ..all
            },
            PageRequest::first(200),
        )
        .await;
        assert!(
            jo.iter().any(|c| c.child.id == 1) && jo.iter().all(|c| c.worker_id == Some(1)),
            "{name}"
        );

        // Each page view is one `record.list` row naming only the children on that page.
        list(Role::TeamManager, all, PageRequest::first(1)).await;
        let row = &s.audit_log().entries(None, 20).await.unwrap();
        let row = row.iter().find(|e| e.action == "record.list").unwrap();
        assert_eq!(row.detail.matches("person:").count(), 1, "{name}: {row:?}");

        // A sealed child is not counted for a manager who may not see sealed records.
        protect(&s, 1, RestrictionKind::Sealed).await;
        let manager = list(Role::TeamManager, all, PageRequest::first(1)).await;
        assert_eq!(
            manager.total,
            whole.total - 1,
            "{name}: the seal is not counted"
        );
        let ig = list(Role::InformationGovernance, all, PageRequest::first(1)).await;
        assert_eq!(ig.total, whole.total, "{name}");
    }
}

#[tokio::test]
async fn the_disposal_queue_and_the_pseudonymised_list_give_their_totals_by_page() {
    for (name, s) in loaded().await {
        let schedule = RetentionSchedule::default();
        let far = d(2100, 1, 1);
        let whole = s
            .governance()
            .disposal_queue(&schedule, far, PageRequest::first(200))
            .await
            .unwrap();
        assert!(whole.total >= 2, "{name}: {}", whole.total);
        let (paged, totals) = all_pages(1, |p| {
            let s = s.clone();
            let schedule = schedule.clone();
            async move {
                s.governance()
                    .disposal_queue(&schedule, far, p)
                    .await
                    .unwrap()
            }
        })
        .await;
        assert_eq!(
            paged.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            whole.iter().map(|c| c.person_id).collect::<Vec<_>>(),
            "{name}"
        );
        assert!(totals.iter().all(|t| *t == whole.total), "{name}");

        let today = d(2024, 6, 1);
        let open = s
            .journeys()
            .pseudonymised_children(today, PageRequest::first(200))
            .await
            .unwrap();
        assert!(open.total >= 2, "{name}: {}", open.total);
        let (paged, _) = all_pages(1, |p| {
            let s = s.clone();
            async move { s.journeys().pseudonymised_children(today, p).await.unwrap() }
        })
        .await;
        assert_eq!(
            paged
                .iter()
                .map(|c| c.pseudonym.clone())
                .collect::<Vec<_>>(),
            open.iter().map(|c| c.pseudonym.clone()).collect::<Vec<_>>(),
            "{name}: in pseudonym order across the pages"
        );
        protect(&s, 1, RestrictionKind::Restricted).await;
        let after = s
            .journeys()
            .pseudonymised_children(today, PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(
            after.total,
            open.total - 1,
            "{name}: protected records are not counted"
        );
    }
}
