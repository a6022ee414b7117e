//! Statutory and local timescales: what is due for a child and when, from their current state
//! and the working-day calendar. `docs/timescales.md` gives each limit's authority (statute,
//! statutory guidance or local practice) and its public source.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkingDayCalendar;
use crate::projection::ChildState;

/// The limits an authority works to. Statutory ones should only be changed with care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timescales {
    pub contact_decision_working_days: u32,
    /// From the front door's decision that a strategy discussion is needed to holding it.
    #[serde(default = "one")]
    pub strategy_discussion_working_days: u32,
    pub assessment_working_days: u32,
    pub icpc_working_days: u32,
    pub cp_visit_working_days: u32,
    pub cin_visit_working_days: u32,
    pub cp_first_review_months: u32,
    pub cp_review_months: u32,
    pub lac_first_review_working_days: u32,
    pub lac_second_review_months: u32,
    pub lac_review_months: u32,
    pub lac_first_visit_days: u64,
    pub lac_visit_weeks: u64,
    pub early_help_review_weeks: u64,
    pub care_leaver_contact_months: u32,
}

impl Default for Timescales {
    fn default() -> Self {
        Self {
            contact_decision_working_days: 1,
            strategy_discussion_working_days: 1,
            assessment_working_days: 45,
            icpc_working_days: 15,
            cp_visit_working_days: 10,
            cin_visit_working_days: 20,
            cp_first_review_months: 3,
            cp_review_months: 6,
            lac_first_review_working_days: 20,
            lac_second_review_months: 3,
            lac_review_months: 6,
            lac_first_visit_days: 7,
            lac_visit_weeks: 6,
            early_help_review_weeks: 6,
            care_leaver_contact_months: 2,
        }
    }
}

fn one() -> u32 {
    1
}

/// Something due for a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DueItem {
    pub what: String,
    pub due: NaiveDate,
    /// The rule's authority: STATUTE, STAT-GUID or LOCAL.
    pub authority: String,
}

impl DueItem {
    /// Whether it is overdue on `today`.
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        self.due < today
    }
}

/// Everything due for a child, soonest first.
pub fn due_items(state: &ChildState, cal: &WorkingDayCalendar, t: &Timescales) -> Vec<DueItem> {
    let mut v = Vec::new();
    let mut push = |what: &str, due: NaiveDate, authority: &str| {
        v.push(DueItem {
            what: what.to_string(),
            due,
            authority: authority.to_string(),
        })
    };
    if let Some(c) = &state.pending_contact {
        push(
            "Front-door decision",
            cal.add_working_days(c.received, t.contact_decision_working_days),
            "STAT-GUID",
        );
    }
    if let Some(d) = state.strategy_requested {
        push(
            "Strategy discussion",
            cal.add_working_days(d, t.strategy_discussion_working_days),
            "LOCAL",
        );
    }
    if let Some(r) = &state.referral {
        if r.assessment_authorised.is_none() {
            push(
                "Assessment authorised",
                cal.add_working_days(r.opened, t.assessment_working_days),
                "STAT-GUID",
            );
        }
        if let (Some(sd), true) = (
            r.strategy_discussion.or(r.section47_started),
            r.awaiting_conference
                || (r.section47_started.is_some() && r.section47_completed.is_none()),
        ) && state.cp_plan.is_none()
        {
            push(
                "Initial child protection conference",
                cal.add_working_days(sd, t.icpc_working_days),
                "STAT-GUID",
            );
        }
    }
    if let Some(p) = &state.cp_plan {
        let from = p.last_visit.unwrap_or(p.started);
        push(
            "Child protection visit",
            cal.add_working_days(from, t.cp_visit_working_days),
            "LOCAL",
        );
        let review = match p.last_review {
            None => p
                .started
                .checked_add_months(Months::new(t.cp_first_review_months)),
            Some(r) => r.checked_add_months(Months::new(t.cp_review_months)),
        };
        if let Some(d) = review {
            push("Review child protection conference", d, "STAT-GUID");
        }
    }
    if let Some(p) = &state.cin_plan
        && state.cp_plan.is_none()
        && state.looked_after.is_none()
    {
        let from = p.last_visit.unwrap_or(p.started);
        push(
            "Child in need visit",
            cal.add_working_days(from, t.cin_visit_working_days),
            "LOCAL",
        );
    }
    if let Some(l) = &state.looked_after {
        let review = match (l.reviews, l.last_review) {
            (0, _) | (_, None) => {
                Some(cal.add_working_days(l.period_started, t.lac_first_review_working_days))
            }
            (1, Some(r)) => r.checked_add_months(Months::new(t.lac_second_review_months)),
            (_, Some(r)) => r.checked_add_months(Months::new(t.lac_review_months)),
        };
        if let Some(d) = review {
            push("Looked-after review", d, "STATUTE");
        }
        let visit = match l.last_visit.filter(|v| *v >= l.placement_started) {
            None => l
                .placement_started
                .checked_add_days(Days::new(t.lac_first_visit_days)),
            Some(v) => v.checked_add_days(Days::new(t.lac_visit_weeks * 7)),
        };
        if let Some(d) = visit {
            push("Looked-after statutory visit", d, "STATUTE");
        }
    }
    if let Some(e) = &state.early_help {
        let from = e.last_visit.unwrap_or(e.opened);
        if let Some(d) = from.checked_add_days(Days::new(t.early_help_review_weeks * 7)) {
            push("Early help review", d, "LOCAL");
        }
    }
    if let Some(c) = &state.care_leaver
        && let Some(d) = c
            .last_contact
            .unwrap_or(c.since)
            .checked_add_months(Months::new(t.care_leaver_contact_months))
    {
        push("Personal adviser contact", d, "STATUTE");
    }
    v.sort_by_key(|d| d.due);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Placement;
    use crate::ids::PersonId;
    use crate::projection::LookedAfter;

    #[test]
    fn first_looked_after_review_is_twenty_working_days_from_entry() {
        let cal = WorkingDayCalendar::england().unwrap();
        let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
        let mut s = ChildState::new(PersonId(1));
        s.looked_after = Some(LookedAfter {
            period_started: start,
            episode_started: start,
            placement_started: start,
            placement: Placement {
                legal_status: "V2".parse().unwrap(),
                placement: "U6".parse().unwrap(),
                provider: "PR1".parse().unwrap(),
                category_of_need: "N4".parse().unwrap(),
                home_postcode: None,
                placement_postcode: None,
                urn: None,
            },
            episodes: 1,
            last_review: None,
            reviews: 0,
            last_visit: None,
            missing: false,
        });
        let due = due_items(&s, &cal, &Timescales::default());
        let review = due
            .iter()
            .find(|d| d.what == "Looked-after review")
            .map(|d| d.due);
        // 1 Dec 2026 plus 20 working days, skipping Christmas Day and the Boxing Day substitute.
        assert_eq!(review, NaiveDate::from_ymd_opt(2026, 12, 31));
        let visit = due
            .iter()
            .find(|d| d.what == "Looked-after statutory visit")
            .map(|d| d.due);
        assert_eq!(visit, NaiveDate::from_ymd_opt(2026, 12, 8));
    }
}
