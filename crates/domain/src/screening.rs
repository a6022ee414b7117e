//! Screening at the front door: the RAG rating a screener gives a contact, and when its
//! decision is due. Red contacts (a child may be at immediate risk) are due within hours on the
//! clock, whatever the day: the front door and the emergency duty team work through nights and
//! weekends for them. Amber and green contacts are due within the one-working-day decision limit:
//! at the same time of day (in Europe/London) on the next working day after the day the contact
//! arrived, skipping weekends and bank holidays. So a contact that arrives at 18:30 on a Friday is
//! due at 18:30 on Monday, or on Tuesday when Monday is a bank holiday; one that arrives on a
//! Saturday morning is due on Monday morning.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::WorkingDayCalendar;
use crate::localtime::london;

/// The screener's rating of how urgent a contact is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    /// A child may be at immediate risk of significant harm.
    Red,
    /// Concerns that need a decision within the working day.
    Amber,
    /// No immediate risk; decided within the working day.
    Green,
}

impl Rag {
    /// Every rating, most urgent first.
    pub const ALL: [Rag; 3] = [Rag::Red, Rag::Amber, Rag::Green];

    /// The stored label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Amber => "amber",
            Self::Green => "green",
        }
    }

    /// The label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Red => "Red",
            Self::Amber => "Amber",
            Self::Green => "Green",
        }
    }

    /// Reads a stored or typed label (any case).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "red" => Ok(Self::Red),
            "amber" => Ok(Self::Amber),
            "green" => Ok(Self::Green),
            _ => Err(DomainError::InvalidIdentifier {
                field: "RAG rating",
                value: s.to_string(),
                message: "must be red, amber or green".to_string(),
            }),
        }
    }
}

/// How soon each rating must be decided: an authority sets its own; the defaults are red within
/// 4 hours, amber and green within one working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningTargets {
    /// Hours on the clock for a red contact (1 to 24).
    pub red_hours: u32,
    /// Working days for an amber contact (1 to 5).
    pub amber_working_days: u32,
    /// Working days for a green contact (1 to 5).
    pub green_working_days: u32,
}

impl Default for ScreeningTargets {
    fn default() -> Self {
        Self {
            red_hours: 4,
            amber_working_days: 1,
            green_working_days: 1,
        }
    }
}

impl ScreeningTargets {
    /// Checks an authority's targets: red within a day, amber and green within a working week,
    /// and amber no slower than green.
    pub fn checked(self) -> Result<Self, DomainError> {
        let bad = |message: String| DomainError::InvalidIdentifier {
            field: "screening targets",
            value: format!(
                "red {} hours, amber {} working days, green {} working days",
                self.red_hours, self.amber_working_days, self.green_working_days
            ),
            message,
        };
        if !(1..=24).contains(&self.red_hours) {
            return Err(bad("red must be due within 1 to 24 hours".into()));
        }
        for (what, n) in [
            ("amber", self.amber_working_days),
            ("green", self.green_working_days),
        ] {
            if !(1..=5).contains(&n) {
                return Err(bad(format!(
                    "{what} must be due within 1 to 5 working days"
                )));
            }
        }
        if self.amber_working_days > self.green_working_days {
            return Err(bad("amber cannot be given longer than green".into()));
        }
        Ok(self)
    }

    /// Reads an authority's targets written as `red=4,amber=1,green=1` (hours for red, working
    /// days for amber and green; any of the three may be left out to keep its default), and
    /// checks them.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let bad = |message: String| DomainError::InvalidIdentifier {
            field: "screening targets",
            value: text.to_string(),
            message,
        };
        let mut t = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(bad(format!(
                    "{part:?} is not NAME=NUMBER (write red=4,amber=1,green=1)"
                )));
            };
            let n: u32 = value
                .trim()
                .parse()
                .map_err(|_| bad(format!("{:?} is not a whole number", value.trim())))?;
            match key.trim().to_ascii_lowercase().as_str() {
                "red" => t.red_hours = n,
                "amber" => t.amber_working_days = n,
                "green" => t.green_working_days = n,
                other => {
                    return Err(bad(format!("{other:?} is not red, amber or green")));
                }
            }
        }
        t.checked()
    }

    /// The targets in words, as the pages say them.
    pub fn describe(&self) -> [(Rag, String); 3] {
        let days = |n: u32| {
            if n == 1 {
                "within one working day".to_string()
            } else {
                format!("within {n} working days")
            }
        };
        [
            (
                Rag::Red,
                format!("within {} hours, day or night", self.red_hours),
            ),
            (Rag::Amber, days(self.amber_working_days)),
            (Rag::Green, days(self.green_working_days)),
        ]
    }

    /// When a contact received at `received` with this rating is due to be decided.
    pub fn decide_by(
        &self,
        received: DateTime<Utc>,
        rag: Rag,
        cal: &WorkingDayCalendar,
    ) -> DateTime<Utc> {
        match rag {
            Rag::Red => received + Duration::hours(i64::from(self.red_hours)),
            Rag::Amber => working_days_after(received, self.amber_working_days, cal),
            Rag::Green => working_days_after(received, self.green_working_days, cal),
        }
    }
}

/// The same local time, `n` working days after the day `received` falls on (in Europe/London).
fn working_days_after(received: DateTime<Utc>, n: u32, cal: &WorkingDayCalendar) -> DateTime<Utc> {
    let local = london(received);
    let day = cal.add_working_days(local.date_naive(), n);
    at_london(day, local.time())
}

/// A London wall-clock time on a day as UTC. When the clocks go forward and the time does not
/// exist, the hour after; when they go back and it happens twice, the later of the two (the
/// more generous deadline).
fn at_london(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = day.and_time(time);
    match London.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(_, later) => later.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let later = naive + Duration::hours(1);
            London
                .from_local_datetime(&later)
                .latest()
                .map(|t| t.with_timezone(&Utc))
                // An hour after a gap always exists in Europe/London; were it ever not to, the
                // UTC reading of the wall-clock time is at most an hour out.
                .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> WorkingDayCalendar {
        WorkingDayCalendar::england().unwrap()
    }

    fn london_at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        London
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_friday_evening_contact_is_due_on_monday_or_tuesday_after_a_bank_holiday() {
        let t = ScreeningTargets::default();
        let c = cal();
        // Friday 4 December 2026, 18:30: due Monday 7 December, 18:30.
        let fri = london_at(2026, 12, 4, 18, 30);
        assert_eq!(
            t.decide_by(fri, Rag::Amber, &c),
            london_at(2026, 12, 7, 18, 30)
        );
        assert_eq!(
            t.decide_by(fri, Rag::Green, &c),
            london_at(2026, 12, 7, 18, 30)
        );
        // Friday 22 May 2026 before the late May bank holiday (Monday 25 May): due Tuesday.
        let before_holiday = london_at(2026, 5, 22, 18, 30);
        assert_eq!(
            t.decide_by(before_holiday, Rag::Amber, &c),
            london_at(2026, 5, 26, 18, 30)
        );
        // Christmas: Thursday 24 December 2026 is due on Tuesday 29 December (Friday 25 and
        // Monday 28, the substitute for Boxing Day, are bank holidays).
        let eve = london_at(2026, 12, 24, 16, 0);
        assert_eq!(
            t.decide_by(eve, Rag::Green, &c),
            london_at(2026, 12, 29, 16, 0)
        );
        // A Saturday morning contact is due on Monday morning.
        let sat = london_at(2026, 12, 5, 9, 15);
        assert_eq!(
            t.decide_by(sat, Rag::Amber, &c),
            london_at(2026, 12, 7, 9, 15)
        );
        // A Tuesday contact is due on Wednesday.
        let tue = london_at(2026, 12, 1, 11, 0);
        assert_eq!(
            t.decide_by(tue, Rag::Amber, &c),
            london_at(2026, 12, 2, 11, 0)
        );
    }

    #[test]
    fn red_is_due_within_hours_on_the_clock_whatever_the_day() {
        let t = ScreeningTargets::default();
        let sat_night = london_at(2026, 12, 5, 23, 0);
        assert_eq!(
            t.decide_by(sat_night, Rag::Red, &cal()),
            sat_night + Duration::hours(4)
        );
        let custom = ScreeningTargets {
            red_hours: 2,
            ..ScreeningTargets::default()
        };
        assert_eq!(
            custom.decide_by(sat_night, Rag::Red, &cal()),
            sat_night + Duration::hours(2)
        );
    }

    #[test]
    fn deadlines_keep_the_london_time_across_the_clock_changes() {
        let t = ScreeningTargets::default();
        // Friday 23 October 2026, 10:00 BST; the clocks go back on Sunday 25 October, so
        // Monday 10:00 is GMT: 25 hours later on the clock than 10:00 BST plus three days.
        let fri = london_at(2026, 10, 23, 10, 0);
        let due = t.decide_by(fri, Rag::Amber, &cal());
        assert_eq!(due, london_at(2026, 10, 26, 10, 0));
        assert_eq!(london(due).format("%H:%M").to_string(), "10:00");
        assert_eq!(due - fri, Duration::hours(73));
        // A time that does not exist (01:30 on 29 March 2026, when the clocks go forward) is
        // read as the hour after; one that happens twice (01:30 on 25 October 2026) as the later.
        let gap = at_london(
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
            NaiveTime::from_hms_opt(1, 30, 0).unwrap(),
        );
        assert_eq!(london(gap).format("%H:%M").to_string(), "02:30");
        let twice = at_london(
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap(),
            NaiveTime::from_hms_opt(1, 30, 0).unwrap(),
        );
        assert_eq!(twice, Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap());
    }

    #[test]
    fn an_authoritys_targets_are_read_from_a_line_and_bad_ones_named() {
        assert_eq!(
            ScreeningTargets::parse("red=2, amber=1,green=3").unwrap(),
            ScreeningTargets {
                red_hours: 2,
                amber_working_days: 1,
                green_working_days: 3
            }
        );
        assert_eq!(
            ScreeningTargets::parse("RED=6").unwrap(),
            ScreeningTargets {
                red_hours: 6,
                ..ScreeningTargets::default()
            }
        );
        assert_eq!(
            ScreeningTargets::parse("").unwrap(),
            ScreeningTargets::default()
        );
        for (bad, says) in [
            ("red", "NAME=NUMBER"),
            ("red=four", "whole number"),
            ("blue=1", "not red, amber or green"),
            ("red=30", "1 to 24 hours"),
            ("amber=3,green=2", "longer than green"),
        ] {
            let e = ScreeningTargets::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let words = ScreeningTargets::default().describe();
        assert_eq!(words[0].1, "within 4 hours, day or night");
        assert_eq!(words[1].1, "within one working day");
    }

    #[test]
    fn ratings_read_back_and_targets_are_checked() {
        for r in Rag::ALL {
            assert_eq!(Rag::parse(r.as_str()).unwrap(), r);
            assert_eq!(Rag::parse(&r.label().to_uppercase()).unwrap(), r);
        }
        assert!(Rag::parse("blue").is_err());
        assert!(ScreeningTargets::default().checked().is_ok());
        for bad in [
            ScreeningTargets {
                red_hours: 0,
                ..Default::default()
            },
            ScreeningTargets {
                red_hours: 25,
                ..Default::default()
            },
            ScreeningTargets {
                amber_working_days: 0,
                ..Default::default()
            },
            ScreeningTargets {
                green_working_days: 6,
                ..Default::default()
            },
            ScreeningTargets {
                amber_working_days: 3,
                green_working_days: 2,
                ..Default::default()
            },
        ] {
            let e = bad.checked().unwrap_err().to_string();
            assert!(e.contains("screening targets"), "{e}");
        }
    }
}
