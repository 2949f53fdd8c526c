//! The `aut-num:` value and AS numbers.
//!
//! The two forms ask different questions here: APNIC-038 asks *how many* AS
//! numbers are wanted (the registry picks them), RIPE-228 names the object
//! being created, either `NEW`/`NEWn` for one still to be assigned or an
//! existing `AS<n>`.

use super::SyntaxError;
use crate::dialect::Dialect;
use crate::grammar::asn::{is_new_placeholder, read_as_number, AsNumber, AsSpelling, NewPlaceholder};
use crate::grammar::{parse_digits, strip_prefix_ignore_case};

/// Most AS numbers one APNIC form may ask for; more needs a conversation, not a robot.
pub const APNIC_MAX_AS_COUNT: u32 = 64;

/// The number of AS numbers an APNIC `aut-num:` value asks for, if it is a valid count.
///
/// Surrounding blanks are ignored; the count must be written in plain digits
/// and lie between 1 and `APNIC_MAX_AS_COUNT` (64).
pub fn apnic_as_count(v: &str) -> Option<u32> {
    let count = parse_digits(v.trim())?;
    (1..=APNIC_MAX_AS_COUNT).contains(&count).then_some(count)
}

/// Checks an `aut-num:` value.
pub(super) fn check_aut_num(v: &str, dialect: Dialect) -> Result<(), SyntaxError> {
    let value = v.trim();
    match dialect {
        Dialect::Apnic => check_apnic_count(value),
        Dialect::Ripe => check_ripe_aut_num(value),
    }
}

fn check_apnic_count(value: &str) -> Result<(), SyntaxError> {
    if apnic_as_count(value).is_some() {
        return Ok(());
    }
    if value.is_empty() {
        return Err(SyntaxError::new(
            "the number of AS numbers wanted is missing: the APNIC form asks for a count, e.g. 1",
        ));
    }
    let why = match parse_digits(value) {
        Some(0) => "asks for no AS number: the APNIC form asks how many you need, at least 1".to_string(),
        Some(_) => format!("is more than the {APNIC_MAX_AS_COUNT} AS numbers one form may ask for"),
        None if value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit()) => {
            format!("is more than the {APNIC_MAX_AS_COUNT} AS numbers one form may ask for")
        }
        None if looks_like_as_number(value) => {
            "names an AS number, but the APNIC form asks how many AS numbers you need: write a count, e.g. 1"
                .to_string()
        }
        None => "is not a count: the APNIC form asks how many AS numbers you need, in digits, e.g. 1".to_string(),
    };
    Err(SyntaxError::new(format!("'{value}' {why}")))
}

/// `AS4711` or `AS 4711`: someone naming the number they want instead of counting.
fn looks_like_as_number(value: &str) -> bool {
    // Any number of digits: a 20-digit AS number is still an AS number, not a count.
    read_as_number(value, AsSpelling::LOOSE) != AsNumber::Not
}

fn check_ripe_aut_num(value: &str) -> Result<(), SyntaxError> {
    if value.is_empty() {
        return Err(SyntaxError::new("the AS number is missing: write NEW for a new one, or AS<number>"));
    }
    if strip_prefix_ignore_case(value, "NEW").is_some() {
        return check_new_placeholder(value);
    }
    if let Some(rest) = strip_prefix_ignore_case(value, "AS") {
        return check_as_digits(value, rest);
    }
    Err(SyntaxError::new(format!(
        "'{value}' is not an AS number: write NEW (or NEW1, NEW2, ...) for one to be assigned, or AS<number>"
    )))
}

/// `NEW` alone or followed by a positive number without leading zeros.
fn check_new_placeholder(value: &str) -> Result<(), SyntaxError> {
    if is_new_placeholder(value, NewPlaceholder::AutNum) {
        return Ok(());
    }
    Err(SyntaxError::new(format!(
        "'{value}' is not a new AS placeholder: write NEW, or NEW followed by a number such as NEW1"
    )))
}

/// `value` is `AS` and `rest`; explains what is wrong with `rest`, if anything.
fn check_as_digits(value: &str, rest: &str) -> Result<(), SyntaxError> {
    let why = match read_as_number(value, AsSpelling::WRITTEN) {
        AsNumber::Valid(_) => return Ok(()),
        AsNumber::TooLarge => "is out of range: AS numbers go up to AS4294967295".to_string(),
        AsNumber::Not if rest.is_empty() => "has no number after AS: write e.g. AS4711".to_string(),
        AsNumber::Not if rest.starts_with(char::is_whitespace) => {
            "must not have a space between AS and the number: write e.g. AS4711".to_string()
        }
        AsNumber::Not => match asdot_to_asplain(rest) {
            Some(asplain) => format!("is written in asdot notation: write AS{asplain}"),
            None if rest.starts_with('-') => "is an as-set name, not an AS number: write NEW or AS<number>".to_string(),
            None => "is not an AS number: after AS write digits only, e.g. AS4711".to_string(),
        },
    };
    Err(SyntaxError::new(format!("'{value}' {why}")))
}

/// The plain number for an asdot `high.low` pair, if both halves are 16-bit.
fn asdot_to_asplain(rest: &str) -> Option<u64> {
    let (high, low) = rest.split_once('.')?;
    let (high, low) = (parse_digits(high)?, parse_digits(low)?);
    (high <= 0xFFFF && low <= 0xFFFF).then(|| u64::from(high) * 65_536 + u64::from(low))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(v: &str, d: Dialect) -> String {
        check_aut_num(v, d).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn apnic_counts() {
        assert_eq!(apnic_as_count("1"), Some(1));
        assert_eq!(apnic_as_count(" 2 "), Some(2));
        assert_eq!(apnic_as_count("64"), Some(64));
        for v in ["0", "65", "-1", "+1", "two", "AS1", "", "1 2", "١"] {
            assert_eq!(apnic_as_count(v), None, "{v}");
        }
        assert!(check_aut_num(" 1 ", Dialect::Apnic).is_ok());
    }

    #[test]
    fn apnic_messages_explain_the_count() {
        assert!(message("0", Dialect::Apnic).starts_with("'0' asks for no AS number"));
        assert!(message("-1", Dialect::Apnic).starts_with("'-1' is not a count"));
        assert!(message("two", Dialect::Apnic).contains("how many AS numbers you need, in digits"));
        assert!(message("AS1", Dialect::Apnic).starts_with("'AS1' names an AS number"));
        assert!(message("AS 4711", Dialect::Apnic).contains("names an AS number"));
        assert!(message("65", Dialect::Apnic).contains("64"));
        assert!(message("99999999999", Dialect::Apnic).contains("64"));
        assert!(message("", Dialect::Apnic).contains("missing"));
        assert!(message("NEW", Dialect::Apnic).contains("is not a count"));
    }

    #[test]
    fn ripe_accepts_new_and_as_numbers() {
        for v in ["NEW", "new", "NEW1", "New2", "NEW17", "AS0", "AS1", "as4711", "AS4294967295", " AS65536 "] {
            assert!(check_aut_num(v, Dialect::Ripe).is_ok(), "{v}: {}", message(v, Dialect::Ripe));
        }
    }

    #[test]
    fn ripe_rejects_other_values() {
        assert_eq!(
            message("AS4294967296", Dialect::Ripe),
            "'AS4294967296' is out of range: AS numbers go up to AS4294967295"
        );
        assert!(message("AS", Dialect::Ripe).starts_with("'AS' has no number"));
        assert!(message("AS 4711", Dialect::Ripe).contains("space"));
        assert!(message("AS1.10", Dialect::Ripe).contains("write AS65546"));
        assert!(message("AS-FOO", Dialect::Ripe).contains("as-set"));
        assert!(message("ASX", Dialect::Ripe).starts_with("'ASX'"));
        assert!(message("NEW0", Dialect::Ripe).starts_with("'NEW0'"));
        assert!(message("NEW-1", Dialect::Ripe).starts_with("'NEW-1'"));
        assert!(message("NEWS", Dialect::Ripe).starts_with("'NEWS'"));
        assert!(message("1", Dialect::Ripe).starts_with("'1' is not an AS number"));
        assert!(message("", Dialect::Ripe).contains("missing"));
        assert!(message("Ä", Dialect::Ripe).starts_with("'Ä'"));
    }
}
