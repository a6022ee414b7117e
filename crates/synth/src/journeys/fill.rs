//! The routine work inside each open involvement, added once a child's significant events are
//! settled: visits at the statutory or local frequency with realistic lateness, looked-after
//! reviews (20 working days, 3 months, then 6-monthly), missing episodes for some looked-after
//! teenagers, personal adviser contacts with OC3 codes around birthdays, changes of worker with
//! an SW_REASON code, and case notes. Siblings in one case share visit dates and worker changes.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::events::{AllocationRole, EventKind, VisitPurpose};
use stepwise_domain::ids::{TeamId, WorkerId};

use super::{Ctx, Raw, Rec, TAG_FILL, TAG_KID};
use crate::days::{Cal, Day, add_months, age, age_years, birthday, date};
use crate::dist::{Draw, stream};
use crate::notes::{self, NoteContext};

/// What the fill needs to know about the child.
pub struct KidInfo<'a> {
    pub person: usize,
    pub dob: Day,
    pub hh_index: usize,
    pub name: &'a str,
}

/// The day a visit due on `t` is made: a working day, or now and then the weekend it falls on;
/// never a bank holiday, Christmas Day, Boxing Day or New Year's Day.
fn visit_day(cal: &Cal, r: &mut ChaCha8Rng, t: Day) -> Day {
    use chrono::Datelike;
    let mut t = t;
    let mut weekend_ok = r.chance(0.12);
    loop {
        let d = date(t);
        let festive = matches!((d.month(), d.day()), (12, 25) | (12, 26) | (1, 1));
        let weekend = d.weekday().num_days_from_monday() >= 5;
        if !festive && (cal.is_working(t) || (weekend && weekend_ok)) {
            return t;
        }
        weekend_ok = false;
        t += 1;
    }
}

struct Filler<'a> {
    ctx: &'a Ctx<'a>,
    info: &'a KidInfo<'a>,
    rng: ChaCha8Rng,
    out: Vec<Raw>,
    ord: u32,
}

#[derive(Clone, Copy)]
struct Open {
    start: Day,
    case: u32,
}

impl Filler<'_> {
    fn shared(&self, case: u32, start: Day, tag: u64) -> ChaCha8Rng {
        stream(
            self.ctx.seed,
            TAG_FILL ^ tag,
            ((self.info.hh_index as u64) << 20) | u64::from(case),
            start as u64,
        )
    }

    fn add(&mut self, d: Day, kind: EventKind, rec: Rec, draw: u32, aux: Day) {
        if d > self.ctx.today {
            return;
        }
        self.ord += 1;
        let mut r = Raw::new(d, None, kind, rec, draw, 0, self.ord, aux);
        r.fill = true;
        self.out.push(r);
    }

    fn seen_alone(&mut self, d: Day, p: f64) -> bool {
        d >= self.info.dob && age(self.info.dob, d) >= 4 && self.rng.chance(p)
    }

    fn visits(&mut self, purpose: VisitPurpose, o: Open, end: Day) {
        let cal = self.ctx.cal;
        let mut r = self.shared(o.case, o.start, purpose as u64 + 1);
        let alone_p = match purpose {
            VisitPurpose::EarlyHelp => 0.25,
            VisitPurpose::Assessment => 0.55,
            VisitPurpose::ChildInNeed => 0.5,
            VisitPurpose::ChildProtection => 0.7,
            VisitPurpose::LookedAfter => 0.55,
            VisitPurpose::CareLeaver => 0.9,
        };
        let mut t = match purpose {
            VisitPurpose::EarlyHelp => o.start + r.int(5, 20),
            VisitPurpose::Assessment => cal.add(o.start, r.int(0, 4)),
            VisitPurpose::ChildInNeed => cal.add(o.start, r.int(3, 15)),
            VisitPurpose::ChildProtection => cal.add(o.start, r.int(1, 8)),
            _ => o.start + r.int(1, 7),
        };
        let mut n = 0;
        while t < end && t <= self.ctx.today {
            t = visit_day(cal, &mut r, t);
            if t >= end || t > self.ctx.today {
                break;
            }
            let alone = self.seen_alone(t, alone_p);
            self.add(
                t,
                EventKind::Visit {
                    purpose,
                    seen_alone: alone,
                },
                Rec::Allocated,
                0,
                0,
            );
            n += 1;
            t = match purpose {
                VisitPurpose::EarlyHelp => {
                    t + if r.chance(0.85) {
                        r.int(28, 45)
                    } else {
                        r.int(46, 70)
                    }
                }
                VisitPurpose::Assessment => {
                    if n >= 2 || r.chance(0.6) {
                        break;
                    }
                    cal.add(t, r.int(8, 20))
                }
                VisitPurpose::ChildInNeed => cal.add(
                    t,
                    if r.chance(0.85) {
                        r.int(12, 20)
                    } else {
                        r.int(21, 30)
                    },
                ),
                VisitPurpose::ChildProtection => {
                    let u = r.unit();
                    cal.add(
                        t,
                        if u < 0.85 {
                            r.int(6, 10)
                        } else if u < 0.97 {
                            r.int(11, 14)
                        } else {
                            r.int(15, 20)
                        },
                    )
                }
                _ => t + r.int(28, 42),
            };
        }
    }

    fn placement_visits(&mut self, o: Open, code: &str, end: Day) {
        let mut r = self.shared(o.case, o.start, 0x4c41);
        let mut t = o.start
            + if r.chance(0.88) {
                r.int(1, 7)
            } else {
                r.int(8, 14)
            };
        let long_term = matches!(code, "U1" | "U4" | "A3" | "A4" | "A5" | "A6");
        let cal = self.ctx.cal;
        while t < end && t <= self.ctx.today {
            t = visit_day(cal, &mut r, t);
            if t >= end || t > self.ctx.today {
                break;
            }
            let alone = self.seen_alone(t, 0.55);
            self.add(
                t,
                EventKind::Visit {
                    purpose: VisitPurpose::LookedAfter,
                    seen_alone: alone,
                },
                Rec::Allocated,
                0,
                0,
            );
            let gap = if long_term && t - o.start > 365 {
                r.int(60, 90)
            } else if r.chance(0.9) {
                r.int(28, 42)
            } else {
                r.int(43, 60)
            };
            t += gap;
        }
    }

    fn notes(&mut self, ctx: NoteContext, o: Open, end: Day, gap: (i32, i32)) {
        let cal = self.ctx.cal;
        let mut t = o.start + self.rng.int(1, gap.1);
        while t < end && t <= self.ctx.today {
            // Notes are written, and meetings held, on working days.
            t = cal.on_or_after(t);
            if t >= end || t > self.ctx.today {
                break;
            }
            let (subject, text) = notes::case_note(&mut self.rng, ctx, self.info.name);
            self.add(
                t,
                EventKind::CaseNote { subject, text },
                Rec::Allocated,
                0,
                0,
            );
            t += self.rng.int(gap.0, gap.1);
        }
    }

    fn reviews(&mut self, true_start: Day, shown_from: Day, end: Day) -> Result<(), DomainError> {
        let cal = self.ctx.cal;
        let mut r = if self.rng.chance(0.9) {
            cal.add(true_start, 20 - self.rng.int(0, 6))
        } else {
            cal.add(true_start, 20) + self.rng.int(1, 20)
        };
        let mut k = 0;
        while r < end && r <= self.ctx.today {
            // Reviews are held on working days.
            r = cal.on_or_after(r);
            if r >= end || r > self.ctx.today {
                break;
            }
            if r >= shown_from {
                let participation = if age_years(self.info.dob, r) < 4.0 {
                    "PN0"
                } else {
                    self.rng.pick(&[
                        ("PN1", 45.0),
                        ("PN2", 8.0),
                        ("PN3", 3.0),
                        ("PN4", 4.0),
                        ("PN5", 12.0),
                        ("PN6", 20.0),
                        ("PN7", 8.0),
                    ])
                };
                let draw: u32 = self.rng.r#gen();
                self.add(
                    r,
                    EventKind::LookedAfterReview {
                        participation: participation.parse()?,
                    },
                    Rec::Iro,
                    draw,
                    0,
                );
            }
            k += 1;
            let months = if k == 1 { 3 } else { 6 };
            r = add_months(r, months)
                - if self.rng.chance(0.92) {
                    self.rng.int(0, 14)
                } else {
                    -self.rng.int(1, 25)
                };
        }
        Ok(())
    }

    fn missing(&mut self, from: Day, end: Day, code: &str) -> Result<(), DomainError> {
        let teen_from = birthday(self.info.dob, 11).max(from);
        if teen_from >= end {
            return Ok(());
        }
        let prone = self.rng.chance(if code == "K2" { 0.35 } else { 0.14 });
        let rate = if prone {
            f64::from(self.rng.int(5, 12))
        } else {
            0.2
        };
        let mut t = teen_from;
        loop {
            t += self.rng.exponential(365.25 / rate) as i32 + 1;
            if t >= end || t > self.ctx.today {
                break;
            }
            let kind = if self.rng.chance(0.85) { "M" } else { "A" };
            let u = self.rng.unit();
            let days = if u < 0.5 {
                0
            } else if u < 0.8 {
                1
            } else if u < 0.95 {
                self.rng.int(2, 4)
            } else {
                self.rng.int(5, 14)
            };
            let back = t + days;
            let (end_date, recorded) = if back > self.ctx.today {
                (None, t)
            } else {
                (Some(crate::days::date(back)), back)
            };
            self.add(
                t,
                EventKind::MissingEpisode {
                    missing: kind.parse()?,
                    end: end_date,
                },
                Rec::Allocated,
                0,
                recorded,
            );
        }
        Ok(())
    }

    fn leaver_contacts(&mut self, o: Open, end: Day, staying_put: bool) -> Result<(), DomainError> {
        let mut days: Vec<(Day, bool)> = Vec::new();
        let mut t = o.start + self.rng.int(7, 30);
        while t < end && t <= self.ctx.today {
            days.push((t, false));
            t += self.rng.int(40, 75);
        }
        for y in 17..=21 {
            let bd = birthday(self.info.dob, y);
            let mut b = bd + self.rng.int(-21, -1);
            if b <= o.start && bd >= o.start {
                // Left care on or just before the birthday: the contact follows soon after.
                b = o.start + self.rng.int(1, 20);
            }
            if b > o.start && b < end && b <= self.ctx.today {
                days.retain(|(d, _)| (d - b).abs() > 12);
                days.push((b, true));
            }
        }
        days.sort_unstable();
        let engaged = self.rng.chance(0.86);
        let p_touch = if engaged { 0.98 } else { 0.62 };
        let eet = self.rng.chance(0.64);
        let suitable = self.rng.chance(0.985);
        let mut activity: Option<&'static str> = None;
        let mut accommodation: Option<&'static str> = None;
        let stay_put = staying_put && self.rng.chance(0.7);
        for (d, _) in days {
            let a = age(self.info.dob, d);
            let (touch, act, acc) = if self.rng.chance(p_touch) {
                let act = match activity {
                    Some(x) if self.rng.chance(0.7) => x,
                    _ => {
                        let in_eet = if self.rng.chance(0.88) { eet } else { !eet };
                        if in_eet {
                            self.rng.pick(&[
                                ("F1", 10.0),
                                ("P1", 2.0),
                                ("F2", 35.0),
                                ("P2", 5.0),
                                ("F4", 8.0),
                                ("P4", 2.0),
                                ("F5", 25.0),
                                ("P5", 13.0),
                            ])
                        } else {
                            self.rng.pick(&[("G4", 20.0), ("G5", 65.0), ("G6", 15.0)])
                        }
                    }
                };
                let acc = match accommodation {
                    Some(x) if self.rng.chance(0.75) && !(a < 18 && x.starts_with('Z')) => x,
                    _ => {
                        let ok = if self.rng.chance(0.97) {
                            suitable
                        } else {
                            !suitable
                        };
                        if stay_put && a >= 18 && ok {
                            "Z1"
                        } else if ok {
                            self.rng.pick(&[
                                ("U1", 35.0),
                                ("D1", 20.0),
                                ("E1", 8.0),
                                ("B1", 10.0),
                                ("T1", 5.0),
                                ("K1", 4.0),
                                ("C1", 3.0),
                                ("Y1", 2.0),
                            ])
                        } else {
                            self.rng.pick(&[
                                ("U2", 2.0),
                                ("D2", 1.0),
                                ("S2", 2.0),
                                ("V2", 1.0),
                                ("W2", 1.0),
                                ("X2", 1.5),
                                ("K2", 1.0),
                                ("Y2", 0.5),
                                ("B2", 1.0),
                            ])
                        }
                    }
                };
                activity = Some(act);
                accommodation = Some(acc);
                ("YES", act, acc)
            } else {
                (if self.rng.chance(0.3) { "REFU" } else { "NO" }, "0", "0")
            };
            self.add(
                d,
                EventKind::CareLeaverContact {
                    in_touch: touch.parse()?,
                    activity: act.parse()?,
                    accommodation: acc.parse()?,
                },
                Rec::Allocated,
                0,
                0,
            );
        }
        Ok(())
    }

    fn worker_changes(
        &mut self,
        team: TeamId,
        role: AllocationRole,
        o: Open,
        end: Day,
        in_care: bool,
    ) -> Result<(), DomainError> {
        let mut r = self.shared(o.case, o.start, 0x5357 + team.0 as u64);
        let rate = match role {
            AllocationRole::SocialWorker => 0.5,
            AllocationRole::Keyworker => 0.25,
            AllocationRole::PersonalAdviser | AllocationRole::ReviewingOfficer => 0.3,
        };
        let mut t = o.start + 20;
        loop {
            t += r.exponential(365.25 / rate) as i32 + 1;
            if t >= end || t > self.ctx.today {
                break;
            }
            let reason = r.pick(&[
                ("LEFTRL", 30.0),
                ("MANAGE", 15.0),
                ("ABSENC", 10.0),
                ("ORGRST", 5.0),
                ("FCONTA", 8.0),
                ("CHCHAN", 12.0),
                ("OTHERS", 10.0),
                ("PCCHAN", if in_care { 10.0 } else { 0.0 }),
            ]);
            let draw: u32 = r.r#gen();
            self.add(
                t,
                EventKind::WorkerAllocated {
                    worker: WorkerId(0),
                    team,
                    role,
                    reason: Some(reason.parse()?),
                },
                Rec::TeamManager(team),
                draw,
                0,
            );
        }
        Ok(())
    }
}

/// Adds the routine events to a child's significant events (sorted, in effective order) and
/// returns them all in effective order.
pub fn fill(
    ctx: &Ctx,
    info: &KidInfo,
    events: Vec<Raw>,
    ord: u32,
) -> Result<Vec<Raw>, DomainError> {
    let mut f = Filler {
        ctx,
        info,
        rng: stream(ctx.seed, TAG_KID, info.person as u64, 0),
        out: Vec::new(),
        ord,
    };
    let end_of_time = ctx.today + 1;
    let mut eh: Option<Open> = None;
    let mut asmt: Option<Open> = None;
    let mut cin: Option<Open> = None;
    let mut cp: Option<Open> = None;
    let mut lac: Option<(Open, Day)> = None;
    let mut place: Option<(Open, &'static str)> = None;
    let mut cl: Option<(Open, bool)> = None;
    let mut alloc: Option<(Open, TeamId, AllocationRole)> = None;
    let mut referral = false;
    let mut last_rec: &str = "";
    let mut open_any;
    for e in &events {
        let d = e.day;
        let o = Open {
            start: d,
            case: e.case,
        };
        match &e.ev.kind {
            EventKind::EarlyHelpOpened { .. } => eh = Some(o),
            EventKind::EarlyHelpClosed { .. } => {
                if let Some(s) = eh.take() {
                    f.visits(VisitPurpose::EarlyHelp, s, d);
                    f.notes(NoteContext::EarlyHelp, s, d, (25, 60));
                }
            }
            EventKind::ReferralOpened { .. } => referral = true,
            EventKind::AssessmentStarted => asmt = Some(o),
            EventKind::AssessmentAuthorised { .. } => {
                if let Some(s) = asmt.take() {
                    f.visits(VisitPurpose::Assessment, s, d);
                    f.notes(NoteContext::Assessment, s, d, (10, 25));
                }
            }
            EventKind::CinPlanStarted => cin = Some(o),
            EventKind::CinPlanEnded => {
                if let Some(s) = cin.take() {
                    f.visits(VisitPurpose::ChildInNeed, s, d);
                    f.notes(NoteContext::ChildInNeed, s, d, (20, 45));
                }
            }
            EventKind::CpPlanStarted { .. } => cp = Some(o),
            EventKind::CpPlanEnded => {
                if let Some(s) = cp.take() {
                    f.visits(VisitPurpose::ChildProtection, s, d);
                    f.notes(NoteContext::ChildProtection, s, d, (15, 35));
                }
            }
            EventKind::ReferralClosed { .. } => {
                referral = false;
                if let Some(s) = asmt.take() {
                    f.visits(VisitPurpose::Assessment, s, d);
                }
                if let Some(s) = cin.take() {
                    f.visits(VisitPurpose::ChildInNeed, s, d);
                    f.notes(NoteContext::ChildInNeed, s, d, (20, 45));
                }
            }
            EventKind::LookedAfterStarted { placement, .. } => {
                lac = Some((o, e.aux));
                place = Some((o, code_static(placement.placement.as_str())));
            }
            EventKind::LookedAfterChanged {
                reason_new_episode,
                placement,
                ..
            } => {
                if reason_new_episode != "L" {
                    if let Some((s, code)) = place.take() {
                        f.placement_visits(s, code, d);
                    }
                    place = Some((o, code_static(placement.placement.as_str())));
                } else if let Some((_, code)) = place.as_mut() {
                    *code = code_static(placement.placement.as_str());
                }
            }
            EventKind::LookedAfterEnded { reason } => {
                last_rec = code_static(reason.as_str());
                if let Some((s, code)) = place.take() {
                    f.placement_visits(s, code, d);
                    f.missing(s.start, d, code)?;
                }
                if let Some((s, true_start)) = lac.take() {
                    f.reviews(true_start, s.start, d)?;
                    f.notes(NoteContext::LookedAfter, s, d, (20, 45));
                }
            }
            EventKind::CareLeaverStarted => cl = Some((o, last_rec == "E17")),
            EventKind::CareLeaverEnded => {
                if let Some((s, sp)) = cl.take() {
                    f.leaver_contacts(s, d, sp)?;
                    f.notes(NoteContext::CareLeaver, s, d, (45, 90));
                }
            }
            _ => {}
        }
        open_any = eh.is_some() || referral || lac.is_some() || cl.is_some();
        if let EventKind::WorkerAllocated { team, role, .. } = &e.ev.kind {
            if let Some((s, t, r)) = alloc.take() {
                f.worker_changes(t, r, s, d, lac.is_some())?;
            }
            alloc = Some((o, *team, *role));
        } else if !open_any && let Some((s, t, r)) = alloc.take() {
            f.worker_changes(t, r, s, d, false)?;
        }
    }
    // Whatever is still open runs to `today`.
    let e = end_of_time;
    if let Some(s) = eh {
        f.visits(VisitPurpose::EarlyHelp, s, e);
        f.notes(NoteContext::EarlyHelp, s, e, (25, 60));
    }
    if let Some(s) = asmt {
        f.visits(VisitPurpose::Assessment, s, e);
    }
    if let Some(s) = cin {
        f.visits(VisitPurpose::ChildInNeed, s, e);
        f.notes(NoteContext::ChildInNeed, s, e, (20, 45));
    }
    if let Some(s) = cp {
        f.visits(VisitPurpose::ChildProtection, s, e);
        f.notes(NoteContext::ChildProtection, s, e, (15, 35));
    }
    if let Some((s, code)) = place {
        f.placement_visits(s, code, e);
        f.missing(s.start, e, code)?;
    }
    if let Some((s, true_start)) = lac {
        f.reviews(true_start, s.start, e)?;
        f.notes(NoteContext::LookedAfter, s, e, (20, 45));
    }
    if let Some((s, sp)) = cl {
        f.leaver_contacts(s, e, sp)?;
        f.notes(NoteContext::CareLeaver, s, e, (45, 90));
    }
    if let Some((s, t, r)) = alloc {
        let in_care = lac.is_some();
        f.worker_changes(t, r, s, e, in_care)?;
    }
    let mut all = events;
    all.append(&mut f.out);
    all.sort_by_key(|r| (r.day, r.fill, r.ord));
    Ok(all)
}

/// A placement or episode-ceased code as a static string (they come from fixed lists).
fn code_static(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5",
        "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12",
        "Z13", "Z14", "E17",
    ];
    CODES.iter().copied().find(|c| *c == code).unwrap_or("")
}
