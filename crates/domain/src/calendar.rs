//! The working-day calendar: weekends and English bank holidays, read from data
//! (`data/bank-holidays.tsv`) rather than computed in code.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeSet;

use crate::DomainError;

const BANK_HOLIDAYS_TSV: &str = include_str!("../data/bank-holidays.tsv");

/// Which days are working days.
#[derive(Debug, Clone)]
pub struct WorkingDayCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingDayCalendar {
    /// A calendar with the given non-working days besides weekends.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The calendar for England and Wales shipped with Stepwise.
    pub fn england() -> Result<Self, DomainError> {
        Self::from_tsv(BANK_HOLIDAYS_TSV)
    }

    /// Reads a table whose first column is an ISO date, with a header line.
    pub fn from_tsv(text: &str) -> Result<Self, DomainError> {
        let mut days = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            let Some(first) = line.split('\t').next().filter(|s| !s.is_empty()) else {
                continue;
            };
            let d = NaiveDate::parse_from_str(first, "%Y-%m-%d").map_err(|e| {
                DomainError::ReferenceData {
                    file: "bank-holidays.tsv",
                    line: i + 1,
                    message: e.to_string(),
                }
            })?;
            days.push(d);
        }
        if days.is_empty() {
            // An empty calendar would quietly count every bank holiday as a working day.
            return Err(DomainError::ReferenceData {
                file: "bank-holidays.tsv",
                line: text.lines().count(),
                message: "the table holds no bank holidays".to_string(),
            });
        }
        Ok(Self::new(days))
    }

    /// Whether a date is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The date `n` working days after `from` (from itself is day 0).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.checked_add_days(Days::new(1)).unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days from `from` to `to`: the working days after `from` up to and including `to`
    /// (so a decision on the day of receipt takes 0 days, the next working day 1). Negative when
    /// `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.checked_add_days(Days::new(1)).unwrap_or(to);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default()
    }

    #[test]
    fn christmas_2026_skips_bank_holidays() {
        let cal = WorkingDayCalendar::england().unwrap();
        // Thursday 24 Dec 2026; 25 Dec (Fri) and 28 Dec (Mon, Boxing Day substitute) are holidays.
        assert_eq!(cal.add_working_days(d(2026, 12, 24), 1), d(2026, 12, 29));
        assert_eq!(
            cal.working_days_between(d(2026, 12, 24), d(2026, 12, 29)),
            1
        );
    }

    /// Guards issue 7 item 6 (the bank-holiday calendar): the embedded table parses and holds
    /// the holidays, so Christmas Day is not a working day.
    #[test]
    fn the_shipped_table_parses() {
        let cal = WorkingDayCalendar::england().unwrap();
        assert!(!cal.is_working_day(d(2026, 12, 25)));
        assert!(!cal.is_working_day(d(2025, 8, 25)));
        assert!(WorkingDayCalendar::from_tsv("date\nnot-a-date\n").is_err());
    }

    /// Guards issue 7 item 6: a table with no dates is an error naming the file, not an empty
    /// calendar that would count every bank holiday as a working day.
    #[test]
    fn an_empty_table_is_an_error_not_an_empty_calendar() {
        for bad in ["", "date\tname\tstatus\n", "date\tname\tstatus\n\n\n"] {
            let e = WorkingDayCalendar::from_tsv(bad).unwrap_err().to_string();
            assert!(
                e.starts_with("reference data bank-holidays.tsv"),
                "{bad:?}: {e}"
            );
        }
    }

    proptest! {
        #[test]
        fn adding_then_counting_working_days_round_trips(offset in 0u64..4000, n in 0u32..200) {
            let cal = WorkingDayCalendar::england().unwrap();
            let start = d(2016, 1, 1).checked_add_days(Days::new(offset)).unwrap_or_default();
            let end = cal.add_working_days(start, n);
            prop_assert_eq!(cal.working_days_between(start, end), i64::from(n));
            prop_assert!(n == 0 || cal.is_working_day(end));
        }
    }
}
