//! The small pieces of registry syntax that several stages read: runs of
//! digits, AS numbers, the placeholder for an AS still to be assigned, and
//! the range operators of address prefixes.
//!
//! Each piece is read in exactly one place, here, so that the attribute
//! checks in [`crate::syntax`], the policy grammars in [`crate::policy`] and
//! the cross-object rules in [`crate::validate`] cannot drift apart. Where
//! callers deliberately read a piece differently (the case of `AS`, blanks
//! after it, which `NEW` spellings count), the function takes a parameter
//! that names the difference rather than each caller keeping its own copy.

pub(crate) mod asn;
pub(crate) mod range;

/// A non-empty run of ASCII digits as a `u32`: no sign, no blanks, leading
/// zeros allowed. `None` for anything else, or a number beyond 32 bits.
pub(crate) fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    // One pass, as every AS number of every policy is read here: the value
    // stops growing one past the largest, which is then no `u32`.
    let beyond = u64::from(u32::MAX) + 1;
    let mut value = 0u64;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        value = (value * 10 + u64::from(b - b'0')).min(beyond);
    }
    u32::try_from(value).ok()
}

/// Whether `b` is a byte of ASCII white space as `char::is_whitespace` has it (vertical tab included).
pub(crate) fn is_ascii_space(b: u8) -> bool {
    // A space, or one of the five controls from tab to carriage return.
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// The words of `text` exactly as `str::split_whitespace` gives them, but
/// byte by byte when the text is ASCII, as nearly every value is: most of
/// that method's cost is decoding characters to ask each whether it is a blank.
pub(crate) fn words(text: &str) -> Words<'_> {
    if text.is_ascii() {
        Words::Ascii(text)
    } else {
        Words::Unicode(text.split_whitespace())
    }
}

/// The iterator of [`words`].
#[derive(Clone)]
pub(crate) enum Words<'a> {
    /// ASCII text: what is left of it.
    Ascii(&'a str),
    /// Any other text, read by the standard library.
    Unicode(std::str::SplitWhitespace<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Words::Unicode(words) => words.next(),
            Words::Ascii(rest) => {
                let bytes = rest.as_bytes();
                let Some(start) = bytes.iter().position(|&b| !is_ascii_space(b)) else {
                    *rest = "";
                    return None;
                };
                let end = bytes[start..].iter().position(|&b| is_ascii_space(b)).map_or(bytes.len(), |n| start + n);
                let word = &rest[start..end];
                *rest = &rest[end..];
                Some(word)
            }
        }
    }
}

/// The length of the longest of `words`, for a list of reserved words
/// that a word longer than this cannot be one of.
pub(crate) const fn longest(words: &[&str]) -> usize {
    let mut longest = 0;
    let mut at = 0;
    while at < words.len() {
        if words[at].len() > longest {
            longest = words[at].len();
        }
        at += 1;
    }
    longest
}

/// `s` without `prefix`, compared ASCII case-insensitively.
///
/// `None` where `s` does not start with `prefix`, including where the
/// prefix's length would cut a multi-byte character of `s` in half.
pub(crate) fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// Whether `word` is letters, digits, `-` and `_`, starting with a letter:
/// the shape of attribute, protocol and community names.
pub(crate) fn is_name(word: &str) -> bool {
    word.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && word.bytes().all(is_name_byte)
}

/// Whether `b` may stand in a name after its first letter ([`is_name`]):
/// one look-up, as every line of every form asks for each byte of its name.
pub(crate) fn is_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)]
}

/// The bytes of [`is_name_byte`], by value.
static NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
        b += 1;
    }
    table
};

/// `text` split at the first `separator`, which must be ASCII: what
/// `str::split_once` gives for a `char`, by a plain look at each byte. The
/// words split so (`ipv4.unicast`, `AS1^24-32`) are short, and for them the
/// standard library's search costs several times the look.
pub(crate) fn split_once_ascii(text: &str, separator: u8) -> Option<(&str, &str)> {
    debug_assert!(separator.is_ascii());
    let at = text.bytes().position(|b| b == separator)?;
    // An ASCII byte is a whole character: both sides are on boundaries.
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// Whether `haystack` holds `needle`, compared without regard to ASCII case.
pub(crate) fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_where_split_whitespace_splits() {
        // Every text of up to four of these: blanks either method might count, and non-ASCII.
        let pieces = ["a", "bc", " ", "\t", "\u{b}", "\u{c}", "\r", "\n", "\u{1c}", "\u{a0}", "\u{e9}", "\u{3000}"];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last.iter().flat_map(|text| pieces.iter().map(move |piece| format!("{text}{piece}"))).collect();
            texts.extend(last.iter().cloned());
        }
        assert_eq!(texts.len(), 1 + 12 + 144 + 1728 + 20736);
        for text in &texts {
            let want: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(words(text).collect::<Vec<_>>(), want, "{text:?}");
        }
        let mut ascii = words("a  b ");
        assert!(matches!(ascii, Words::Ascii(_)), "ASCII text takes the byte path");
        assert_eq!((ascii.next(), ascii.next(), ascii.next(), ascii.next()), (Some("a"), Some("b"), None, None));
    }

    #[test]
    fn split_once_ascii_splits_where_split_once_splits() {
        for text in ["", ".", "a.", ".b", "ipv4.unicast", "a.b.c", "é.é", "no", "é", "1^24-32", "^", "x^^"] {
            for separator in [b'.', b'^', b'-'] {
                assert_eq!(split_once_ascii(text, separator), text.split_once(char::from(separator)), "{text:?}");
            }
        }
    }

    #[test]
    fn digits() {
        assert_eq!(parse_digits("0"), Some(0));
        assert_eq!(parse_digits("0042"), Some(42));
        assert_eq!(parse_digits("4294967295"), Some(u32::MAX));
        assert_eq!(parse_digits("000000000000000000000042"), Some(42));
        for s in ["", "4294967296", "99999999999999999999999999", "42949672950", "+1", "-1", " 1", "1 ", "1a", "١"] {
            assert_eq!(parse_digits(s), None, "{s:?}");
        }
    }

    #[test]
    fn prefixes_ignore_case_but_not_boundaries() {
        assert_eq!(strip_prefix_ignore_case("as-Foo", "AS-"), Some("Foo"));
        assert_eq!(strip_prefix_ignore_case("AS", "AS"), Some(""));
        assert_eq!(strip_prefix_ignore_case("A", "AS"), None);
        assert_eq!(strip_prefix_ignore_case("Aé", "AS"), None);
        assert_eq!(strip_prefix_ignore_case("éA", "AS"), None);
    }
}
