//! The council's clock: the one place Stepwise reads the time. The store stamps what it records
//! from it, the web layer takes "today" from it, and everything else is given a moment by its
//! caller. "Today" is the civil date in Europe/London (`localtime::london_date`), so a page read
//! at half past midnight in June is already the next day.
//!
//! `Utc::now()` is a disallowed method everywhere else (clippy.toml), so a new call to it fails
//! the lint check instead of slipping a second source of "now" into the code.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

use crate::localtime;

/// Where "now" and "today" come from.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The wall clock.
    #[default]
    System,
    /// "Today" held at a date while moments come from the wall clock: a demonstration database
    /// generated as at a date, with sessions and sign-in codes still running in real time.
    Fixed(NaiveDate),
    /// A stopped clock that a test sets and moves: "now" is exactly what it was set to, and
    /// "today" is the London date at that moment.
    Stopped(StoppedClock),
}

/// A moment that stands still until it is set or moved; clones share it.
#[derive(Debug, Clone)]
pub struct StoppedClock(Arc<Mutex<DateTime<Utc>>>);

impl StoppedClock {
    /// The moment it shows.
    pub fn now(&self) -> DateTime<Utc> {
        // A poisoned lock still holds a valid moment (it is only ever replaced whole).
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// Sets the moment.
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }
    /// Moves the moment on (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock {
    /// A stopped clock showing `t`.
    pub fn stopped_at(t: DateTime<Utc>) -> Self {
        Self::Stopped(StoppedClock(Arc::new(Mutex::new(t))))
    }

    /// The present moment, in UTC (as it is stored and compared).
    // The one call to the wall clock in Stepwise.
    #[allow(clippy::disallowed_methods)]
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System | Self::Fixed(_) => Utc::now(),
            Self::Stopped(s) => s.now(),
        }
    }

    /// Today: the civil date in England now (or the date the clock is held at).
    pub fn today(&self) -> NaiveDate {
        match self {
            Self::Fixed(d) => *d,
            _ => localtime::london_date(self.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_stopped_clock_shows_what_it_was_set_to_and_moves_when_told() {
        let july = Utc.with_ymd_and_hms(2026, 7, 4, 13, 5, 9).unwrap();
        let clock = Clock::stopped_at(july);
        assert_eq!(clock.now(), july);
        let Clock::Stopped(hand) = clock.clone() else {
            unreachable!()
        };
        hand.advance(chrono::Duration::minutes(10));
        // Clones share the one moment: the store's and the web layer's clocks agree.
        assert_eq!(clock.now(), july + chrono::Duration::minutes(10));
        let january = Utc.with_ymd_and_hms(2026, 1, 14, 9, 0, 0).unwrap();
        hand.set(january);
        assert_eq!(clock.now(), january);
    }

    /// Item 5 of issue 7: "today" is the London date, not the UTC date, near midnight in
    /// summer; in winter the two agree.
    #[test]
    fn today_is_the_london_date_near_midnight() {
        let late_june = Utc.with_ymd_and_hms(2026, 6, 30, 23, 30, 0).unwrap();
        assert_eq!(
            Clock::stopped_at(late_june).today(),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        let late_december = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(
            Clock::stopped_at(late_december).today(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }

    #[test]
    fn a_fixed_date_holds_today_while_moments_run_on() {
        let date = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        let clock = Clock::Fixed(date);
        assert_eq!(clock.today(), date);
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
        assert!(a.date_naive() > date, "moments come from the wall clock");
    }

    #[test]
    fn the_system_clock_reads_the_wall_clock() {
        #[allow(clippy::disallowed_methods)]
        let before = Utc::now();
        let now = Clock::System.now();
        #[allow(clippy::disallowed_methods)]
        let after = Utc::now();
        assert!(before <= now && now <= after);
        assert_eq!(Clock::System.today(), localtime::london_date(now));
    }
}
