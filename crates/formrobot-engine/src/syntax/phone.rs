//! Telephone and fax numbers in international form (`phone:`, `fax-no:`).
//!
//! Both forms ask for `+<country code> <number>`: APNIC-038 writes groups with
//! `-` (`+81-20-1233-4676`), RIPE-228 with spaces (`+12 12 122 1122`), and
//! both allow an extension (`ext 4711`, `ext. 1221`). Bracketed area codes and
//! the national `(0)` trunk prefix are rejected: in international form the
//! `(0)` must not be dialled, and a number in the database is read by people
//! in every country.

use super::SyntaxError;

/// Fewest digits a dialable international number can have, country code included.
const MIN_DIGITS: usize = 5;
/// Most digits we accept; E.164 allows 15, the margin covers odd PBX numbering.
const MAX_DIGITS: usize = 20;

/// The number before a trailing extension written in the accepted way: a
/// space, `ext` in any case, an optional `.`, an optional space, and one to
/// eight digits at the very end (`+31 20 535 4444 ext. 1221`).
fn before_extension(value: &str) -> Option<&str> {
    let digits = value.len() - value.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if !(1..=8).contains(&digits) {
        return None;
    }
    let rest = &value[..value.len() - digits];
    let rest = rest.strip_suffix(' ').unwrap_or(rest);
    let rest = rest.strip_suffix('.').unwrap_or(rest);
    let ext = rest.len().checked_sub(3).and_then(|at| rest.get(at..)).filter(|ext| ext.eq_ignore_ascii_case("ext"))?;
    let number = rest[..rest.len() - ext.len()].strip_suffix(' ')?;
    // One line: a value's lines are checked each on its own.
    (!number.contains('\n')).then_some(number)
}

/// The digits of a trailing extension written in a common but unaccepted
/// way: `x4711`, `#4711`, `extn 4711`, `extension 4711` or `ext: 4711` (in
/// any case, spaces and a `.` allowed before the digits), after the start, a
/// digit or a space.
fn odd_extension(value: &str) -> Option<&str> {
    let rest = value.trim_end();
    let digits = rest.len() - rest.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let (rest, digits) = rest.split_at(rest.len() - digits);
    let rest = rest.trim_end();
    let rest = rest.strip_suffix('.').unwrap_or(rest).trim_end();
    let ends_with = |text: &str, word: &str| {
        text.len() >= word.len()
            && text.get(text.len() - word.len()..).is_some_and(|end| end.eq_ignore_ascii_case(word))
    };
    let keyword = if let Some(colon) = rest.strip_suffix(':') {
        let spaced = colon.trim_end();
        ends_with(spaced, "ext").then(|| &spaced[..spaced.len() - 3])
    } else {
        ["extension", "extn", "x", "#"]
            .iter()
            .find(|word| ends_with(rest, word))
            .map(|word| &rest[..rest.len() - word.len()])
    };
    let before = keyword?;
    let follows_right = before.is_empty() || before.ends_with(|c: char| c.is_ascii_digit() || c == ' ');
    follows_right.then_some(digits)
}

/// Checks a `phone:` or `fax-no:` value.
pub(super) fn check_phone(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    if value.is_empty() {
        return Err(SyntaxError::new(
            "the number is missing: write it as +<country code> <number>, e.g. +81-20-1233-4676",
        ));
    }
    let number = strip_extension(value)?;
    check_prefix(value, number)?;
    check_groups(value, number)?;
    check_digit_count(value, number)
}

fn bad(value: &str, why: &str) -> SyntaxError {
    SyntaxError::new(format!("'{value}' {why}"))
}

/// The number without its extension, or an error for an extension written some other way.
fn strip_extension(value: &str) -> Result<&str, SyntaxError> {
    // The usual number has no letter, '#' or ':', so neither way of writing an extension; neither matcher need look.
    if value.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'+' | b'-' | b'(' | b')' | b'.' | b'/')) {
        return Ok(value);
    }
    if let Some(number) = before_extension(value) {
        return Ok(number);
    }
    if let Some(ext) = odd_extension(value) {
        return Err(bad(
            value,
            &format!("has an extension written in a way the registry does not accept: write extensions as 'ext {ext}'"),
        ));
    }
    Ok(value)
}

/// The number must start with `+` and a country code (which never starts with 0).
fn check_prefix(value: &str, number: &str) -> Result<(), SyntaxError> {
    let Some(rest) = number.strip_prefix('+') else {
        return Err(missing_plus(value, number));
    };
    match rest.chars().next() {
        Some('0') => {
            Err(bad(value, "has a country code starting with 0: write '+' followed by the country code, e.g. +81"))
        }
        Some(c) if c.is_ascii_digit() => Ok(()),
        Some(' ' | '-') => {
            Err(bad(value, "has a space after the '+': write the country code right after it, e.g. +81"))
        }
        _ => Err(bad(value, "must have the country code right after the '+', e.g. +81")),
    }
}

fn missing_plus(value: &str, number: &str) -> SyntaxError {
    if number.starts_with("00") {
        return bad(value, "starts with the international prefix 00: write '+' instead, e.g. +81 for 0081");
    }
    bad(value, "must start with '+' and the country code, e.g. +81-20-1233-4676")
}

/// Digit groups separated by a single space or `-`, nothing else.
fn check_groups(value: &str, number: &str) -> Result<(), SyntaxError> {
    let body = number.strip_prefix('+').unwrap_or(number);
    // A bracket is rare, so the search for `(0)` is made only when one stands there.
    if body.as_bytes().contains(&b'(') && body.contains("(0)") {
        return Err(bad(
            value,
            "contains '(0)': leave out the national trunk prefix, which is not dialled from abroad",
        ));
    }
    if let Some(c) = body.chars().find(|c| !c.is_ascii_digit() && *c != ' ' && *c != '-') {
        return Err(bad_character(value, c));
    }
    if body.ends_with([' ', '-']) {
        return Err(bad(value, "must end with a digit"));
    }
    // Two separators in a row (`  `, `--`, ` -`, `- `), found in one pass.
    let double = body.as_bytes().windows(2).any(|pair| matches!(pair, [b' ' | b'-', b' ' | b'-']));
    if double {
        return Err(bad(value, "must separate digit groups with a single space or '-'"));
    }
    Ok(())
}

fn bad_character(value: &str, c: char) -> SyntaxError {
    let why = match c {
        '(' | ')' => "contains brackets: write the number without them, e.g. +1 212 555 1234".to_string(),
        '/' | ',' | ';' => "must contain a single number: give further numbers as separate lines".to_string(),
        '+' => "may contain only one '+', at the start".to_string(),
        c if c.is_alphabetic() => {
            format!("contains the letter '{c}': write digits only, and an extension as 'ext 4711'")
        }
        c => format!("contains '{c}': use only digits, separated by single spaces or '-'"),
    };
    bad(value, &why)
}

fn check_digit_count(value: &str, number: &str) -> Result<(), SyntaxError> {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if digits < MIN_DIGITS {
        return Err(bad(
            value,
            "is too short to be an international number: give the country code and the full number",
        ));
    }
    if digits > MAX_DIGITS {
        return Err(bad(value, "has more than 20 digits: give a single number"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(v: &str) -> String {
        check_phone(v).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn accepts_apnic_and_ripe_examples() {
        for v in [
            "+81-20-1233-4676",
            "+81-20-1233-4677 ext 4711",
            "+12 12 122 1122",
            "+12 12 122 2211 ext. 1221",
            "+31634567890",
            "+31 20 535 4444",
            "+61 7 3858 3100 EXT 12",
            "+61 7 3858 3100 ext.12",
            "  +44 20 7946 0000  ",
            "+12345",
        ] {
            assert!(check_phone(v).is_ok(), "{v}: {}", message(v));
        }
    }

    #[test]
    fn requires_plus_and_country_code() {
        assert_eq!(
            message("81-20-1233-4676"),
            "'81-20-1233-4676' must start with '+' and the country code, e.g. +81-20-1233-4676"
        );
        assert!(message("0081 20 1233 4676").contains("write '+' instead"));
        assert!(message("+ 81 20 1233 4676").contains("space after the '+'"));
        assert!(message("+0 20 1233 4676").contains("starting with 0"));
        assert!(message("+").contains("country code right after"));
    }

    #[test]
    fn explains_extensions_written_otherwise() {
        for v in [
            "+81-20-1233-4677 x4711",
            "+81-20-1233-4677x4711",
            "+81-20-1233-4677 X 4711",
            "+81-20-1233-4677 extn 4711",
            "+81-20-1233-4677 #4711",
        ] {
            let m = message(v);
            assert!(m.starts_with(&format!("'{v}'")), "{v}");
            assert!(m.contains("write extensions as 'ext 4711'"), "{v}: {m}");
        }
    }

    #[test]
    fn rejects_letters_brackets_and_separators() {
        assert!(message("+81-20-CALL-NOW").contains("letter 'C'"));
        assert!(message("+31 (0)20 535 4444").contains("'(0)'"));
        assert!(message("+1 (212) 555 1234").contains("brackets"));
        assert!(message("+81-20-1233-4676 / 4677").contains("single number"));
        assert!(message("+81--20-1233").contains("single space or '-'"));
        assert!(message("+81  20 1233").contains("single space or '-'"));
        assert!(message("+81-20-1233-").contains("end with a digit"));
        assert!(message("+81.20.1233.4676").contains("'.'"));
        assert!(message("+81 20 1233 4676 ext").contains("letter 'e'"));
        assert!(message("+81 20+1233").contains("only one '+'"));
        assert!(message("+81 ２０ 1233").starts_with("'+81 ２０ 1233'"));
    }

    #[test]
    fn enforces_digit_counts() {
        assert!(message("+1234").contains("too short"));
        assert!(message("+12 3").contains("too short"));
        assert!(message("+123456789012345678901").contains("more than 20 digits"));
        assert!(check_phone("+12345678901234567890").is_ok());
        assert!(message("").contains("missing"));
    }

    /// The two extension matchers say what the regular expressions they
    /// replace said, on strings made of the pieces phone numbers are made of.
    #[test]
    fn extensions_match_their_regular_expressions() {
        use proptest::prelude::*;
        let accepted = regex::Regex::new(r"^(.*?) (?:[eE][xX][tT]\.?) ?([0-9]{1,8})$").expect("regex");
        let odd =
            regex::Regex::new(r"(?i)(?:^|[0-9 ])(?:x|#|extn|extension|ext\s*:)\s*\.?\s*([0-9]+)\s*$").expect("regex");
        const PIECES: &[&str] = &[
            "+",
            "31",
            "0",
            " ",
            "  ",
            "\t",
            "-",
            "(",
            ")",
            ".",
            ":",
            "#",
            "x",
            "X",
            "ext",
            "EXT",
            "eXt",
            "extn",
            "Extension",
            "1234",
            "12345678",
            "123456789",
            "e",
            "t",
            "\n",
            "\u{e9}",
        ];
        let strings =
            proptest::collection::vec(proptest::sample::select(PIECES), 0..8).prop_map(|parts| parts.concat());
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(2048));
        let outcome = runner.run(&strings, |value| {
            let want = accepted.captures(&value).map(|caps| caps.get(1).map_or("", |m| m.as_str()).to_owned());
            prop_assert_eq!(before_extension(&value).map(str::to_owned), want, "accepted {:?}", &value);
            let want = odd.captures(&value).map(|caps| caps[1].to_owned());
            prop_assert_eq!(odd_extension(&value).map(str::to_owned), want, "odd {:?}", &value);
            Ok(())
        });
        outcome.expect("the matchers agree with the expressions");
        assert_eq!(before_extension("+31 20 535 4444 ext. 1221"), Some("+31 20 535 4444"));
        assert_eq!(odd_extension("+31 20 535 4444 ext: 1221 "), Some("1221"));
    }
}
