//! AS numbers (`AS4711`) and the request forms' placeholder for an AS still
//! to be assigned (`NEW`, `NEW1`, `ASNEW`).

use super::{parse_digits, strip_prefix_ignore_case};

/// How an `AS<n>` may be spelt where it is being read.
///
/// The digits are always plain ASCII digits, leading zeros allowed; the
/// spellings differ only in what comes before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AsSpelling {
    /// Whether `as`, `As` and `aS` count as well as `AS`.
    any_case: bool,
    /// Whether blanks may stand between `AS` and the digits (`AS 4711`).
    blanks_after_as: bool,
}

impl AsSpelling {
    /// What people write in forms and policies: `AS` in either case, the
    /// digits straight after it (RFC 2622 keywords and AS numbers ignore case).
    pub(crate) const WRITTEN: AsSpelling = AsSpelling { any_case: true, blanks_after_as: false };

    /// Anything a person might have meant as an AS number, `AS 4711` included:
    /// for recognising a mistake, never for accepting a value.
    pub(crate) const LOOSE: AsSpelling = AsSpelling { any_case: true, blanks_after_as: true };
}

/// What a word is, read as `AS<digits>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AsNumber {
    /// `AS` and a number that fits in 32 bits.
    Valid(u32),
    /// `AS` and digits, but more than 32 bits' worth (above AS4294967295).
    TooLarge,
    /// Not `AS` followed by digits at all.
    Not,
}

/// Reads `word` as `AS<digits>` in the given spelling.
///
/// The whole word must be the AS number: `AS1:AS-FOO` or `AS1^+` are
/// [`AsNumber::Not`] here, and it is for the caller to see what else they are.
pub(crate) fn read_as_number(word: &str, spelling: AsSpelling) -> AsNumber {
    let rest = if spelling.any_case { strip_prefix_ignore_case(word, "AS") } else { word.strip_prefix("AS") };
    let Some(rest) = rest else {
        return AsNumber::Not;
    };
    let digits = if spelling.blanks_after_as { rest.trim() } else { rest };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return AsNumber::Not;
    }
    match parse_digits(digits) {
        Some(asn) => AsNumber::Valid(asn),
        None => AsNumber::TooLarge,
    }
}

/// The number in an `AS<n>` word as people write it (`AS` in either case, no
/// blanks), if `n` is a 32-bit AS number.
pub(crate) fn parse_as_number(word: &str) -> Option<u32> {
    match read_as_number(word, AsSpelling::WRITTEN) {
        AsNumber::Valid(asn) => Some(asn),
        AsNumber::TooLarge | AsNumber::Not => None,
    }
}

/// The canonical spelling of an AS number, `AS4711`.
pub(crate) fn as_name(asn: u32) -> String {
    // Written by hand: `format!` costs several times as much, once per neighbour of every rule.
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut rest = asn;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut name = String::with_capacity(2 + digits.len() - at);
    name.push_str("AS");
    name.extend(digits[at..].iter().map(|&d| char::from(d)));
    name
}

/// Where the placeholder for an AS still to be assigned is being read.
///
/// The RIPE-228 form names the object being created `NEW` or `NEW1`,
/// `NEW2`, ... in `aut-num:`, and its policies refer to it in filters, where
/// people also write it like an AS number (`ASNEW`). The two places have
/// always been read differently, and both readings are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewPlaceholder {
    /// The `aut-num:` value: `NEW`, or `NEW` and a positive 32-bit number
    /// without leading zeros (`NEW1`, not `NEW0` or `NEW01`).
    AutNum,
    /// A policy filter: an optional `AS`, then `NEW`, then any run of digits,
    /// none included (`NEW`, `ASNEW`, `NEW0`, `ASNEW007`).
    Filter,
}

/// Whether `word` is the placeholder for the new AS, read as `place` reads it;
/// the letters in either case.
pub(crate) fn is_new_placeholder(word: &str, place: NewPlaceholder) -> bool {
    match place {
        NewPlaceholder::AutNum => strip_prefix_ignore_case(word, "NEW")
            .is_some_and(|n| n.is_empty() || (!n.starts_with('0') && parse_digits(n).is_some())),
        NewPlaceholder::Filter => {
            let rest = strip_prefix_ignore_case(word, "AS").unwrap_or(word);
            strip_prefix_ignore_case(rest, "NEW").is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_an_as_number() {
        for asn in [0, 7, 10, 1103, 65536, 4_294_967_295] {
            assert_eq!(as_name(asn), format!("AS{asn}"));
        }
    }

    #[test]
    fn written_as_numbers() {
        let read = |w| read_as_number(w, AsSpelling::WRITTEN);
        assert_eq!(read("AS4711"), AsNumber::Valid(4711));
        assert_eq!(read("as0"), AsNumber::Valid(0));
        assert_eq!(read("As007"), AsNumber::Valid(7));
        assert_eq!(read("AS4294967295"), AsNumber::Valid(u32::MAX));
        assert_eq!(read("AS4294967296"), AsNumber::TooLarge);
        assert_eq!(read("AS99999999999999999999999"), AsNumber::TooLarge);
        for w in ["AS", "A", "Aé", "AS 1", "AS1 ", "AS-1", "AS+1", "AS1x", "AS1:AS-FOO", "AS1^+", "1103", "ASTRA"] {
            assert_eq!(read(w), AsNumber::Not, "{w:?}");
        }
        assert_eq!(parse_as_number("as4711"), Some(4711));
        assert_eq!(parse_as_number("AS4294967296"), None);
        assert_eq!(parse_as_number("AS"), None);
    }

    #[test]
    fn loose_as_numbers_allow_blanks_after_as() {
        let read = |w| read_as_number(w, AsSpelling::LOOSE);
        assert_eq!(read("AS 4711"), AsNumber::Valid(4711));
        assert_eq!(read("as\t1"), AsNumber::Valid(1));
        assert_eq!(read("AS 99999999999"), AsNumber::TooLarge);
        for w in ["AS", "AS ", "AS 1 2", "AS-1", "4711"] {
            assert_eq!(read(w), AsNumber::Not, "{w:?}");
        }
    }

    #[test]
    fn new_placeholders_differ_between_aut_num_and_filters() {
        let both = |w| (is_new_placeholder(w, NewPlaceholder::AutNum), is_new_placeholder(w, NewPlaceholder::Filter));
        assert_eq!(both("NEW"), (true, true));
        assert_eq!(both("new2"), (true, true));
        assert_eq!(both("NEW17"), (true, true));
        // Only filters take the AS prefix, zero, leading zeros and numbers beyond 32 bits.
        assert_eq!(both("ASNEW"), (false, true));
        assert_eq!(both("asnew2"), (false, true));
        assert_eq!(both("NEW0"), (false, true));
        assert_eq!(both("NEW01"), (false, true));
        assert_eq!(both("NEW4294967296"), (false, true));
        for w in ["NEWS", "NEW-1", "AS", "RENEW", "ASASNEW", "NEW 1", ""] {
            assert_eq!(both(w), (false, false), "{w:?}");
        }
    }
}
