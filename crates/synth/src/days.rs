//! Days as plain numbers for a fast simulation: a `Day` is the chrono day number from the common
//! era, converted to and from `NaiveDate` at the edges. The working-day table is built once from
//! the domain's England calendar so that adding or counting working days is a lookup.

use chrono::{Datelike, Months, NaiveDate};
use stepwise_domain::DomainError;
use stepwise_domain::calendar::WorkingDayCalendar;

/// A date as a day number (days from the common era).
pub type Day = i32;

/// The day number of a date.
pub fn day(d: NaiveDate) -> Day {
    d.num_days_from_ce()
}

/// The date of a day number.
pub fn date(d: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d).unwrap_or_default()
}

/// `d` plus whole months (clamped at the month end), as chrono does it.
pub fn add_months(d: Day, months: i32) -> Day {
    let nd = date(d);
    let moved = if months >= 0 {
        nd.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        nd.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    moved.map(day).unwrap_or(d + months * 30)
}

/// The day someone born on `dob` reaches `years` of age.
pub fn birthday(dob: Day, years: i32) -> Day {
    let d = add_months(dob, years * 12);
    // Someone born on 29 February comes of age on 1 March in other years.
    if age(dob, d) < years { d + 1 } else { d }
}

/// Age in whole years on a day.
pub fn age(dob: Day, on: Day) -> i32 {
    stepwise_domain::people::age_on(date(dob), date(on))
}

/// Age in (fractional) years on a day, for rates that change smoothly with age.
pub fn age_years(dob: Day, on: Day) -> f64 {
    f64::from(on - dob) / 365.25
}

/// The working-day calendar as lookup tables over a range of days.
#[derive(Debug, Clone)]
pub struct Cal {
    first: Day,
    /// For each day in range, how many working days there are from `first` up to and including it.
    count: Vec<u32>,
    /// The working days in range, in order.
    working: Vec<Day>,
}

impl Cal {
    /// Tables from `first` to `last` inclusive, from the England bank-holiday calendar.
    pub fn new(first: Day, last: Day) -> Result<Self, DomainError> {
        let cal = WorkingDayCalendar::england()?;
        let mut count = Vec::with_capacity((last - first + 1).max(0) as usize);
        let mut working = Vec::new();
        let mut n = 0u32;
        for d in first..=last {
            if cal.is_working_day(date(d)) {
                n += 1;
                working.push(d);
            }
            count.push(n);
        }
        Ok(Self {
            first,
            count,
            working,
        })
    }

    fn count_at(&self, d: Day) -> u32 {
        let i = (d - self.first).clamp(0, self.count.len() as i32 - 1);
        self.count.get(i as usize).copied().unwrap_or(0)
    }

    /// Whether `d` is a working day.
    pub fn is_working(&self, d: Day) -> bool {
        let i = d - self.first;
        if i <= 0 || i as usize >= self.count.len() {
            let wd = date(d).weekday().num_days_from_monday();
            return wd < 5;
        }
        self.count[i as usize] != self.count[i as usize - 1]
    }

    /// The day `n` working days after `d` (`d` itself when `n` is 0).
    pub fn add(&self, d: Day, n: i32) -> Day {
        if n <= 0 {
            return d;
        }
        let k = self.count_at(d) as usize + n as usize;
        match self.working.get(k - 1) {
            Some(&x) if x > d => x,
            _ => d + (n * 7 + 4) / 5,
        }
    }

    /// Working days after `a` up to and including `b` (negative when `b` is before `a`).
    pub fn between(&self, a: Day, b: Day) -> i32 {
        self.count_at(b) as i32 - self.count_at(a) as i32
    }

    /// `d` when it is a working day, else the next working day.
    pub fn on_or_after(&self, d: Day) -> Day {
        if self.is_working(d) {
            d
        } else {
            self.add(d, 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_agree_with_the_domain_calendar() {
        let dom = WorkingDayCalendar::england().unwrap();
        let a = day(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        let cal = Cal::new(a - 400, a + 1200).unwrap();
        for off in (0..900).step_by(7) {
            let d = a + off;
            for n in [0, 1, 5, 15, 45] {
                assert_eq!(
                    date(cal.add(d, n)),
                    dom.add_working_days(date(d), n as u32),
                    "{d} {n}"
                );
            }
            let e = d + 37;
            assert_eq!(
                i64::from(cal.between(d, e)),
                dom.working_days_between(date(d), date(e))
            );
            assert_eq!(cal.is_working(d), dom.is_working_day(date(d)));
        }
    }

    #[test]
    fn ages_turn_on_birthdays() {
        let dob = day(NaiveDate::from_ymd_opt(2008, 2, 29).unwrap_or_default());
        let b18 = birthday(dob, 18);
        assert_eq!(age(dob, b18), 18);
        assert_eq!(age(dob, b18 - 1), 17);
    }
}
