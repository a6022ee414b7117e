//! Recording: when each event was written into the record (mostly the same day, sometimes a
//! few days late, never at or after the authority's `now`), kept in an order that the domain's checks accept, and
//! the corrections a real record carries (a case note corrected, a visit entered against the
//! wrong child withdrawn, a care leaver's accommodation code put right).

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use rand_chacha::ChaCha8Rng;
use stepwise_domain::DomainError;
use stepwise_domain::events::{EventKind, JourneyEvent, Supersession};
use stepwise_domain::ids::EventSeq;

use super::Raw;
use crate::days::{Day, date};
use crate::dist::Draw;
use crate::notes;

/// The moment `minutes` after midnight on day `d`.
pub fn at(d: Day, minutes: i64) -> DateTime<Utc> {
    let midnight = date(d).and_time(NaiveTime::MIN);
    Utc.from_utc_datetime(&midnight) + chrono::Duration::minutes(minutes)
}

fn is_routine(k: &EventKind) -> bool {
    matches!(
        k,
        EventKind::Visit { .. } | EventKind::CaseNote { .. } | EventKind::MissingEpisode { .. }
    )
}

/// When each event was recorded, parallel to `events`. Significant events are never recorded
/// after a later one, so that the record always reads in order.
pub fn recorded_times(
    rng: &mut ChaCha8Rng,
    events: &[Raw],
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let end_of_today = now - chrono::Duration::seconds(1);
    let mut out: Vec<DateTime<Utc>> = Vec::with_capacity(events.len());
    let mut prev: Option<(Day, DateTime<Utc>, bool)> = None;
    for e in events {
        let routine = is_routine(&e.ev.kind);
        let late = match &e.ev.kind {
            EventKind::Visit { .. } => {
                let u = rng.unit();
                if u < 0.68 {
                    0
                } else if u < 0.88 {
                    rng.int(1, 2)
                } else if u < 0.97 {
                    rng.int(3, 7)
                } else {
                    rng.int(8, 20)
                }
            }
            EventKind::CaseNote { .. } => {
                if rng.chance(0.8) {
                    0
                } else {
                    rng.int(1, 5)
                }
            }
            EventKind::MissingEpisode { .. } => (e.aux - e.day).max(0) + i32::from(rng.chance(0.3)),
            EventKind::ContactReceived { .. } | EventKind::ContactDecided { .. } => 0,
            _ => {
                let u = rng.unit();
                if u < 0.88 {
                    0
                } else if u < 0.98 {
                    rng.int(1, 3)
                } else {
                    rng.int(4, 10)
                }
            }
        };
        let minutes = match e.ev.effective_time {
            Some(t) => {
                let m = i64::from(chrono::Timelike::hour(&t)) * 60
                    + i64::from(chrono::Timelike::minute(&t));
                m + i64::from(rng.int(2, 40))
            }
            None => i64::from(rng.int(8 * 60, 18 * 60 + 30)),
        };
        let mut t = at(e.day + late, minutes);
        if let Some((pd, pt, plate)) = prev
            && pd == e.day
            && late == 0
            && !plate
            && !routine
            && t <= pt
        {
            t = pt + chrono::Duration::minutes(i64::from(rng.int(1, 6)));
        }
        let t = t.min(end_of_today).max(at(e.day, 0));
        prev = if routine {
            prev
        } else {
            Some((e.day, t, late > 0))
        };
        out.push(t);
    }
    // A significant event is recorded no later than anything that follows it.
    let mut floor = end_of_today;
    for i in (0..events.len()).rev() {
        if !is_routine(&events[i].ev.kind) && out[i] > floor {
            out[i] = floor;
        }
        floor = floor.min(out[i]);
    }
    out
}

/// Corrections for a child's record: (event, recorded at, index of the event it supersedes).
pub fn corrections(
    rng: &mut ChaCha8Rng,
    events: &[Raw],
    recorded: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Result<Vec<(Raw, DateTime<Utc>, usize)>, DomainError> {
    let end_of_today = now - chrono::Duration::seconds(1);
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let (p, kind, reason): (f64, Option<EventKind>, String) = match &e.ev.kind {
            EventKind::CaseNote { subject, text } => (
                0.012,
                Some(EventKind::CaseNote {
                    subject: subject.clone(),
                    text: format!("{text} (corrected)"),
                }),
                notes::correction_reason(rng).to_string(),
            ),
            EventKind::Visit { .. } => (
                0.003,
                None,
                "Visit entered against the wrong child".to_string(),
            ),
            EventKind::CareLeaverContact {
                in_touch, activity, ..
            } if in_touch == "YES" => (
                0.01,
                Some(EventKind::CareLeaverContact {
                    in_touch: *in_touch,
                    activity: *activity,
                    accommodation: "U1".parse()?,
                }),
                "Accommodation type corrected after the pathway plan review".to_string(),
            ),
            _ => continue,
        };
        if !rng.chance(p) {
            continue;
        }
        let later = crate::days::day(recorded[i].date_naive()) + rng.int(1, 10);
        let when = at(later, i64::from(rng.int(8 * 60 + 30, 18 * 60)));
        if when > end_of_today {
            continue;
        }
        let (effective, kind) = match kind {
            Some(k) => (e.day, k),
            None => (crate::days::day(when.date_naive()), EventKind::Withdrawn),
        };
        let mut r = Raw::new(effective, None, kind, e.rec, e.draw, e.case, e.ord, 0);
        r.fill = true;
        r.ev.supersedes = Some(Supersession {
            event: EventSeq(0),
            reason,
        });
        out.push((r, when, i));
    }
    Ok(out)
}

/// Builds the final event, with its recording time and recorder.
pub fn finish(
    mut r: Raw,
    recorded_at: DateTime<Utc>,
    by: stepwise_domain::ids::WorkerId,
) -> JourneyEvent {
    r.ev.recorded_at = recorded_at;
    r.ev.recorded_by = by;
    r.ev
}
