//! `changed:` an e-mail address and the date of the change.
//!
//! APNIC-038 requires the date as `YYMMDD`; RIPE-228 makes it optional (the
//! database fills in today) and writes it `YYYYMMDD`.

use super::email::check_addr_spec;
use super::SyntaxError;
use crate::date::Date;
use crate::dialect::Dialect;

/// The registries' databases date from the mid-1980s; anything earlier is a typo.
const EARLIEST_YEAR: i32 = 1984;

/// Checks a `changed:` value against the dialect's date rules, with `today` as the latest date.
pub(super) fn check_changed(v: &str, dialect: Dialect, today: Date) -> Result<(), SyntaxError> {
    let value = v.trim();
    let mut words = crate::grammar::words(value);
    let Some(address) = words.next() else {
        return Err(SyntaxError::new(missing_message(dialect)));
    };
    check_addr_spec(address)?;
    let date_text = words.next();
    if let Some(extra) = words.next() {
        return Err(SyntaxError::new(format!(
            "'{value}': nothing may follow the date, but '{extra}' does: write only the e-mail address and the date"
        )));
    }
    match (date_text, dialect) {
        (None, Dialect::Ripe) => Ok(()),
        (None, Dialect::Apnic) => Err(SyntaxError::new(format!(
            "'{value}' has no date: add the date of the change as YYMMDD, e.g. {address} 961002"
        ))),
        (Some(text), _) => check_date(text, dialect, today),
    }
}

fn missing_message(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Apnic => "the change is not recorded: write your e-mail address and the date as YYMMDD, e.g. johndoe@terabit.na 961002",
        Dialect::Ripe => "the change is not recorded: write your e-mail address, optionally followed by the date as YYYYMMDD",
    }
}

fn check_date(text: &str, dialect: Dialect, today: Date) -> Result<(), SyntaxError> {
    let digits = text.len();
    let all_digits = text.bytes().all(|b| b.is_ascii_digit());
    let date = match (dialect, digits, all_digits) {
        (Dialect::Apnic, 6, true) => split_date(text, 2, |yy| century_for(yy, today)),
        (Dialect::Ripe, 8, true) => split_date(text, 4, |yyyy| yyyy),
        _ => return Err(wrong_format(text, dialect, all_digits)),
    };
    let date = date.ok_or_else(|| not_in_calendar(text, dialect))?;
    check_plausible(text, date, today)
}

/// Splits an all-digit date into year, month and day and checks it exists.
fn split_date(text: &str, year_len: usize, full_year: impl Fn(i32) -> i32) -> Option<Date> {
    let year: i32 = text.get(..year_len)?.parse().ok()?;
    let month: u32 = text.get(year_len..year_len + 2)?.parse().ok()?;
    let day: u32 = text.get(year_len + 2..)?.parse().ok()?;
    Date::new(full_year(year), month, day)
}

/// `20YY` unless that is after today's year, else `19YY`.
fn century_for(yy: i32, today: Date) -> i32 {
    if 2000 + yy <= today.year {
        2000 + yy
    } else {
        1900 + yy
    }
}

fn wrong_format(text: &str, dialect: Dialect, all_digits: bool) -> SyntaxError {
    let message = match (dialect, all_digits && text.len() == 8, all_digits && text.len() == 6) {
        (Dialect::Apnic, true, _) => {
            format!("'{text}' has a four-digit year: the APNIC form wants the date as YYMMDD, e.g. 961002")
        }
        (Dialect::Ripe, _, true) => {
            format!("'{text}' has a two-digit year: RIPE-228 wants the date as YYYYMMDD, e.g. 19961002")
        }
        (Dialect::Apnic, _, _) => {
            format!("'{text}' is not a date: write it as YYMMDD, e.g. 961002")
        }
        (Dialect::Ripe, _, _) => {
            format!("'{text}' is not a date: write it as YYYYMMDD, e.g. 19961002")
        }
    };
    SyntaxError::new(message)
}

fn not_in_calendar(text: &str, dialect: Dialect) -> SyntaxError {
    let format = match dialect {
        Dialect::Apnic => "YYMMDD",
        Dialect::Ripe => "YYYYMMDD",
    };
    SyntaxError::new(format!("'{text}' is not a date that exists: check the month and day ({format})"))
}

fn check_plausible(text: &str, date: Date, today: Date) -> Result<(), SyntaxError> {
    if date > today {
        return Err(SyntaxError::new(format!("'{text}' is in the future: give the date of the change")));
    }
    if date.year < EARLIEST_YEAR {
        return Err(SyntaxError::new(format!(
            "'{text}' is {}, before the registry existed: check the year",
            date.year
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 23).expect("a real date")
    }

    fn message(v: &str, d: Dialect) -> String {
        check_changed(v, d, today()).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn accepts_apnic_changed_lines() {
        for v in [
            "johndoe@terabit.na 961002",
            "santa@xmas.nn 000229",
            "  tom.smith@example.org   261123 ",
            "hostmaster@apnic.net 850101",
        ] {
            assert!(check_changed(v, Dialect::Apnic, today()).is_ok(), "{v}: {}", message(v, Dialect::Apnic));
        }
    }

    #[test]
    fn accepts_ripe_changed_lines() {
        for v in ["santa@xmas.nn 20011016", "santa@xmas.nn", "johndoe@terabit.na 19961002", "a@b.cc 20261123"] {
            assert!(check_changed(v, Dialect::Ripe, today()).is_ok(), "{v}: {}", message(v, Dialect::Ripe));
        }
    }

    #[test]
    fn apnic_requires_a_short_date() {
        assert!(message("johndoe@terabit.na", Dialect::Apnic).starts_with("'johndoe@terabit.na' has no date"));
        assert_eq!(
            message("johndoe@terabit.na 1996/10/02", Dialect::Apnic),
            "'1996/10/02' is not a date: write it as YYMMDD, e.g. 961002"
        );
        assert!(message("johndoe@terabit.na 19961002", Dialect::Apnic).contains("four-digit year"));
        assert!(message("johndoe@terabit.na 96-10-02", Dialect::Apnic).starts_with("'96-10-02'"));
        assert!(message("johndoe@terabit.na 961302", Dialect::Apnic).starts_with("'961302' is not a date that exists"));
        assert!(message("johndoe@terabit.na 970229", Dialect::Apnic).starts_with("'970229'"));
        assert!(message("johndoe@terabit.na 961000", Dialect::Apnic).starts_with("'961000'"));
    }

    #[test]
    fn apnic_two_digit_years() {
        // 26 is this year, so 2026; 27 would be next year, so 1927, which is too early.
        assert_eq!(message("a@b.cc 261124", Dialect::Apnic), "'261124' is in the future: give the date of the change");
        assert!(message("a@b.cc 270101", Dialect::Apnic).contains("1927"));
        assert!(message("a@b.cc 830101", Dialect::Apnic).contains("1983"));
    }

    #[test]
    fn ripe_wants_a_long_date() {
        assert_eq!(
            message("johndoe@terabit.na 961002", Dialect::Ripe),
            "'961002' has a two-digit year: RIPE-228 wants the date as YYYYMMDD, e.g. 19961002"
        );
        assert!(message("a@b.cc 19961302", Dialect::Ripe).starts_with("'19961302' is not a date that exists"));
        assert!(message("a@b.cc 1996-10-02", Dialect::Ripe).contains("YYYYMMDD"));
        assert!(message("a@b.cc 20261124", Dialect::Ripe).contains("in the future"));
        assert!(message("a@b.cc 20300101", Dialect::Ripe).contains("in the future"));
        assert!(message("a@b.cc 19000229", Dialect::Ripe).starts_with("'19000229'"));
        assert!(message("a@b.cc 2001101６", Dialect::Ripe).starts_with("'2001101６'"));
    }

    #[test]
    fn rejects_bad_addresses_and_trailing_text() {
        for d in [Dialect::Apnic, Dialect::Ripe] {
            assert!(message("johndoe@terabit 961002", d).starts_with("'johndoe@terabit'"));
            assert!(message("", d).contains("e-mail address"));
            assert!(message("961002", d).starts_with("'961002'"));
        }
        let m = message("a@b.cc 961002 by hand", Dialect::Apnic);
        assert!(m.contains("nothing may follow the date") && m.contains("'by'"), "{m}");
        assert!(message("a@b.cc 20011016 x", Dialect::Ripe).contains("nothing may follow"));
    }
}
