//! The council's clock face: English councils work in Europe/London, so "today" is the civil
//! date there and every time a person reads is shown there, British Summer Time included. Times
//! are stored and compared in UTC; this module only turns them into what a person expects to
//! read. An access log read in July is not an hour out.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use chrono_tz::Tz;

/// A moment as it reads on a clock in England.
pub fn london(t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&London)
}

/// The civil date in England at a moment (after midnight in June, 23:30 UTC is already the
/// next day).
pub fn london_date(t: DateTime<Utc>) -> NaiveDate {
    london(t).date_naive()
}

/// A wall-clock time typed in England, as a moment: the earlier reading when the clocks go
/// back, and none for a time skipped when they go forward.
pub fn from_london(t: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    t.and_local_timezone(London)
        .earliest()
        .map(|l| l.with_timezone(&Utc))
}

/// A moment for people to read: `4 Jul 2026 14:05` in England's time.
pub fn show(t: DateTime<Utc>) -> String {
    london(t).format("%-d %b %Y %H:%M").to_string()
}

/// A moment to the second, for logs people read: `4 Jul 2026 14:05:09`.
pub fn show_seconds(t: DateTime<Utc>) -> String {
    london(t).format("%-d %b %Y %H:%M:%S").to_string()
}

/// A time of day only: `14:05`.
pub fn show_time(t: DateTime<Utc>) -> String {
    london(t).format("%H:%M").to_string()
}

/// A moment with a chrono format string, in England's time.
pub fn show_as(t: DateTime<Utc>, format: &str) -> String {
    london(t).format(format).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn summer_times_are_an_hour_ahead_of_utc_and_winter_times_are_not() {
        let july = Utc.with_ymd_and_hms(2026, 7, 4, 13, 5, 9).unwrap();
        assert_eq!(show(july), "4 Jul 2026 14:05");
        assert_eq!(show_seconds(july), "4 Jul 2026 14:05:09");
        let january = Utc.with_ymd_and_hms(2026, 1, 14, 13, 5, 0).unwrap();
        assert_eq!(show(january), "14 Jan 2026 13:05");
        assert_eq!(show_time(january), "13:05");
    }

    #[test]
    fn the_clocks_change_on_the_last_sundays_of_march_and_october() {
        // 29 March 2026: 01:00 UTC is 02:00 BST.
        let before = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert_eq!(show_time(before), "00:59");
        assert_eq!(show_time(after), "02:00");
        // 25 October 2026: 01:00 UTC is 01:00 GMT again.
        let summer = Utc.with_ymd_and_hms(2026, 10, 25, 0, 59, 0).unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap();
        assert_eq!(show_time(summer), "01:59");
        assert_eq!(show_time(winter), "01:00");
    }

    #[test]
    fn today_is_the_date_in_england() {
        // 23:30 UTC on 30 June is 00:30 on 1 July in England.
        let late = Utc.with_ymd_and_hms(2026, 6, 30, 23, 30, 0).unwrap();
        assert_eq!(
            london_date(late),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        // In winter the dates agree.
        let winter = Utc.with_ymd_and_hms(2026, 12, 3, 23, 30, 0).unwrap();
        assert_eq!(
            london_date(winter),
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
        );
    }
}
