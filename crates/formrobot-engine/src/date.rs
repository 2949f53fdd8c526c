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

/// A Unix time as `YYYY-MM-DD HH:MM:SS` in UTC, for logs and replies.
pub fn format_timestamp(seconds: i64) -> String {
    let date = Date::from_unix_seconds(seconds);
    let in_day = seconds.rem_euclid(86_400);
    format!("{date} {:02}:{:02}:{:02}", in_day / 3600, in_day % 3600 / 60, in_day % 60)
}

/// Reads a point in time for `--since`: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`
/// (or with a `T`), all UTC, or an age before `now` such as `90s`, `30m`, `2h`, `7d`.
pub fn parse_since(text: &str, now: i64) -> Option<i64> {
    let text = text.trim();
    if let Some(unit) = text.chars().last().filter(|c| matches!(c, 's' | 'm' | 'h' | 'd')) {
        let amount: i64 = text[..text.len() - 1].parse().ok()?;
        let scale = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => 86_400,
        };
        return amount.checked_mul(scale).and_then(|ago| now.checked_sub(ago));
    }
    let (day, time) = match text.split_once([' ', 'T']) {
        Some((day, time)) => (day, Some(time.trim_end_matches('Z'))),
        None => (text, None),
    };
    let mut parts = day.split('-');
    let date = Date::new(parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?)?;
    if parts.next().is_some() {
        return None;
    }
    let mut seconds_in_day = 0;
    if let Some(time) = time {
        let fields: Vec<i64> = time.split(':').map(|f| f.parse().ok()).collect::<Option<_>>()?;
        let (hours, minutes, seconds) = match fields.as_slice() {
            [h, m] => (*h, *m, 0),
            [h, m, s] => (*h, *m, *s),
            _ => return None,
        };
        if !(0..24).contains(&hours) || !(0..60).contains(&minutes) || !(0..60).contains(&seconds) {
            return None;
        }
        seconds_in_day = hours * 3600 + minutes * 60 + seconds;
    }
    Some(date.days_since_epoch() * 86_400 + seconds_in_day)
}

impl Date {
    /// Days from 1970-01-01 to this date (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year - era * 400;
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
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
    fn days_since_epoch_inverts_from_unix_seconds() {
        for seconds in [0_i64, 951_782_400, 1_795_392_000, -86_400, 4_102_444_800] {
            let date = Date::from_unix_seconds(seconds);
            assert_eq!(date.days_since_epoch() * 86_400, seconds);
        }
    }

    #[test]
    fn formats_and_reads_times() {
        assert_eq!(format_timestamp(1_795_392_000 + 3_723), "2026-11-23 01:02:03");
        let now = 1_795_392_000;
        assert_eq!(parse_since("2026-11-23", now), Some(now));
        assert_eq!(parse_since("2026-11-23 01:02:03", now), Some(now + 3_723));
        assert_eq!(parse_since("2026-11-23T01:02Z", now), Some(now + 3_720));
        assert_eq!(parse_since("2h", now), Some(now - 7_200));
        assert_eq!(parse_since("7d", now), Some(now - 7 * 86_400));
        for bad in ["", "yesterday", "2026-13-01", "2026-11-23 25:00", "h", "2026-11-23-1"] {
            assert_eq!(parse_since(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn converts_unix_time() {
        assert_eq!(Date::from_unix_seconds(0), Date { year: 1970, month: 1, day: 1 });
        assert_eq!(Date::from_unix_seconds(951_782_400), Date { year: 2000, month: 2, day: 29 });
        assert_eq!(Date::from_unix_seconds(1_795_392_000), Date { year: 2026, month: 11, day: 23 });
        assert_eq!(Date::from_unix_seconds(-86_400), Date { year: 1969, month: 12, day: 31 });
    }
}
