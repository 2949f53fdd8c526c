//! Calendar dates, just enough for `changed:` attributes.
//!
//! The core never reads the clock: callers turn the current time into a
//! [`Date`] with [`Date::from_unix_seconds`] at the edge and pass it in.

use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Full year, e.g. 1996.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
}

impl Date {
    /// A date, if the day exists in that month of that year.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The UTC date of a Unix timestamp.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        // Days-from-civil inverse (H. Hinnant's algorithm), valid for any i64 day count we meet.
        let days = seconds.div_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_days_that_do_not_exist() {
        assert!(Date::new(1996, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2001, 4, 31).is_none());
        assert!(Date::new(2001, 13, 1).is_none());
        assert!(Date::new(2001, 1, 0).is_none());
    }

    #[test]
    fn converts_unix_time() {
        assert_eq!(Date::from_unix_seconds(0), Date { year: 1970, month: 1, day: 1 });
        assert_eq!(Date::from_unix_seconds(951_782_400), Date { year: 2000, month: 2, day: 29 });
        assert_eq!(Date::from_unix_seconds(1_795_392_000), Date { year: 2026, month: 11, day: 23 });
        assert_eq!(Date::from_unix_seconds(-86_400), Date { year: 1969, month: 12, day: 31 });
    }
}
