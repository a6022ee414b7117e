//! Independent reviewing officers' appointments.
//!
//! Every child on a child protection plan or looked after has an independent reviewing officer
//! who chairs their conferences or reviews and follows the plan between them. The journeys are
//! simulated without them; this pass appoints one (a `worker_allocated` event with the role
//! `reviewing_officer`, recorded by the reviewing team's manager) on the day a plan or a period
//! of care begins when none is in post, and lets the appointment lapse when neither is open,
//! as the projection does. A child who moves from a plan into care keeps the same officer.
//! Which officer is chosen when the workers are hired (`assemble`).

use stepwise_domain::events::{AllocationRole, EventKind};
use stepwise_domain::ids::{TeamId, WorkerId};

use crate::journeys::{ChildJourney, Raw, Rec};

/// Inserts the appointments into one child's journey, keeping each correction pointing at
/// the event it supersedes.
pub(crate) fn appoint(j: &mut ChildJourney, reviewing_team: TeamId) {
    let mut plan = false;
    let mut care = false;
    let mut in_post = false;
    let n = j.events.len();
    let mut events = Vec::with_capacity(n + 2);
    let mut recorded = Vec::with_capacity(n + 2);
    let mut moved = Vec::with_capacity(n);
    for (r, at) in std::mem::take(&mut j.events)
        .into_iter()
        .zip(std::mem::take(&mut j.recorded))
    {
        if r.ev.supersedes.is_none() {
            match &r.ev.kind {
                EventKind::CpPlanStarted { .. } => plan = true,
                EventKind::CpPlanEnded => plan = false,
                EventKind::LookedAfterStarted { .. } => care = true,
                EventKind::LookedAfterEnded { .. } => care = false,
                _ => {}
            }
        }
        if !plan && !care {
            in_post = false;
        }
        let appoint_now = (plan || care) && !in_post;
        let appointment = appoint_now.then(|| {
            let mut a = Raw::new(
                r.day,
                None,
                EventKind::WorkerAllocated {
                    worker: WorkerId(0),
                    team: reviewing_team,
                    role: AllocationRole::ReviewingOfficer,
                    reason: None,
                },
                Rec::TeamManager(reviewing_team),
                r.draw.rotate_left(11) ^ 0x5f3c_1a27,
                r.case,
                r.ord,
                0,
            );
            a.fill = r.fill;
            a
        });
        moved.push(events.len());
        events.push(r);
        recorded.push(at);
        if let Some(a) = appointment {
            events.push(a);
            recorded.push(at);
            in_post = true;
        }
    }
    for c in &mut j.corrections {
        if let Some(&to) = moved.get(c.2) {
            c.2 = to;
        }
    }
    j.events = events;
    j.recorded = recorded;
}
