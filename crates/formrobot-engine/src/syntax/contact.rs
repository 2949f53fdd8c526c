//! NIC handles, `AUTO-n` placeholders and contact references.
//!
//! A contact attribute (`admin-c`, `tech-c`) names a person either by the
//! handle the registry gave them (`JD1-AP`, `MK16-RIPE`), by a placeholder for
//! a person object in the same submission that has no handle yet (`AUTO-1`),
//! or, on the 1996 APNIC form only, by their full name. The robot later
//! replaces placeholders with real handles, so the parsed shapes here are the
//! ones it works with.

use super::SyntaxError;
use crate::dialect::Dialect;
use crate::grammar::strip_prefix_ignore_case;
use std::fmt;

/// A registry-assigned NIC handle such as `JD1-AP`, `MK16-RIPE` or `CREW-RIPE`.
///
/// Its parts are kept inline, without allocating: a large form references
/// tens of thousands of handles.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NicHandle {
    /// The 2 to 4 letters before the number, upper case (`JD`).
    pub initials: Letters<4>,
    /// The sequence number, if the handle has one (`CREW-RIPE` has none).
    pub number: Option<u32>,
    /// The registry suffix after the `-`, upper case (`AP`, `RIPE`).
    pub suffix: Letters<10>,
}

/// Up to `N` ASCII letters, kept inline: the parts of a handle, whose
/// grammar bounds their length.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Letters<const N: usize> {
    bytes: [u8; N],
    length: u8,
}

impl<const N: usize> Letters<N> {
    /// `text` upper-cased, if it is at most `N` ASCII letters.
    pub fn upper(text: &str) -> Option<Letters<N>> {
        if text.len() > N || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let mut bytes = [0; N];
        for (to, from) in bytes.iter_mut().zip(text.bytes()) {
            *to = from.to_ascii_uppercase();
        }
        Some(Letters { bytes, length: u8::try_from(text.len()).ok()? })
    }

    /// The letters as text.
    pub fn as_str(&self) -> &str {
        // ASCII letters only (see `upper`), so always UTF-8.
        self.bytes.get(..usize::from(self.length)).and_then(|bytes| std::str::from_utf8(bytes).ok()).unwrap_or("")
    }
}

impl<const N: usize> std::ops::Deref for Letters<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> PartialEq<str> for Letters<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for Letters<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<const N: usize> fmt::Display for Letters<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for Letters<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for NicHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.initials)?;
        if let Some(number) = self.number {
            write!(f, "{number}")?;
        }
        write!(f, "-{}", self.suffix)
    }
}

/// An `AUTO-<n>` placeholder, optionally with initials (`AUTO-1JD`).
///
/// The number alone identifies the placeholder: `AUTO-1` and `AUTO-1JD` refer
/// to the same person; the initials only suggest the handle to assign.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Placeholder {
    /// The placeholder's number, which identifies it within a submission.
    pub number: u32,
    /// Suggested initials for the handle to be assigned, upper case.
    pub initials: Option<Letters<4>>,
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AUTO-{}{}", self.number, self.initials.as_ref().map_or("", |initials| initials.as_str()))
    }
}

/// What a contact attribute refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// An existing NIC handle.
    Handle(NicHandle),
    /// A person object in this submission that will be given a handle.
    Auto(Placeholder),
    /// A person's full name (APNIC-038 only), as written, blanks trimmed.
    Name(String),
}

/// The length of the run of ASCII letters at the start of `bytes`.
fn letters(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count()
}

/// The length of the run of ASCII digits at the start of `bytes`.
fn digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Parses a NIC handle (either case, blanks around it ignored), normalised to upper case:
/// 2 to 4 initials, a number without leading zeros of up to 9 digits if any,
/// `-`, and a suffix of 2 to 10 letters. Letters are ASCII only: Unicode case
/// folding would let the Kelvin sign and long s through as `k` and `s`.
///
/// `AUTO-...` is never a handle: that prefix is reserved for placeholders.
pub fn parse_handle(v: &str) -> Option<NicHandle> {
    let value = crate::parse::trim(v);
    let bytes = value.as_bytes();
    let initials = letters(bytes);
    let numbered = digits(&bytes[initials..]);
    let suffix_start = initials + numbered + 1;
    let suffix = bytes.get(suffix_start..).map_or(0, letters);
    let shaped = (2..=4).contains(&initials)
        && numbered <= 9
        && bytes.get(initials) != Some(&b'0')
        && bytes.get(suffix_start - 1) == Some(&b'-')
        && (2..=10).contains(&suffix)
        && suffix_start + suffix == bytes.len();
    if !shaped {
        return None;
    }
    let initials_text = Letters::upper(&value[..initials])?;
    if initials_text == "AUTO" {
        return None;
    }
    let number = match numbered {
        0 => None,
        _ => Some(value[initials..initials + numbered].parse().ok()?),
    };
    Some(NicHandle { initials: initials_text, number, suffix: Letters::upper(&value[suffix_start..])? })
}

/// Parses an `AUTO-` placeholder.
///
/// `Ok(None)` if the value does not start with `AUTO-` (either case), so it is
/// something else; an error if it does but is malformed, since then the person
/// clearly meant a placeholder.
pub fn parse_placeholder(v: &str) -> Result<Option<Placeholder>, SyntaxError> {
    let value = v.trim();
    let Some(body) = strip_prefix_ignore_case(value, "AUTO-") else {
        return Ok(None);
    };
    // A number, then any letters to the end.
    let numbered = digits(body.as_bytes());
    if numbered == 0 || numbered + letters(&body.as_bytes()[numbered..]) != body.len() {
        return Err(malformed_placeholder(value, body));
    }
    let (digits, letters) = body.split_at(numbered);
    let number = digits.parse().map_err(|_| {
        SyntaxError::new(format!("'{value}': the number after AUTO- is too large; number placeholders 1, 2, 3, ..."))
    })?;
    let initials = placeholder_initials(value, digits, letters)?;
    Ok(Some(Placeholder { number, initials }))
}

fn placeholder_initials(value: &str, digits: &str, letters: &str) -> Result<Option<Letters<4>>, SyntaxError> {
    match letters.len() {
        0 => Ok(None),
        2..=4 => Ok(Letters::upper(letters)),
        _ => Err(SyntaxError::new(format!("'{value}': the initials after AUTO-{digits} must be 2 to 4 letters"))),
    }
}

fn malformed_placeholder(value: &str, body: &str) -> SyntaxError {
    let what = if body.starts_with(|c: char| c.is_ascii_digit()) {
        "is not a placeholder"
    } else {
        "has no number after AUTO-"
    };
    SyntaxError::new(format!(
        "'{value}' {what}: write AUTO-<number>, optionally followed by 2 to 4 initials, e.g. AUTO-1 or AUTO-1JD"
    ))
}

/// Works out what a contact attribute (`admin-c`, `tech-c`) refers to.
pub fn classify_contact(v: &str, dialect: Dialect) -> Result<Contact, SyntaxError> {
    let value = v.trim();
    if let Some(placeholder) = parse_placeholder(value)? {
        return Ok(Contact::Auto(placeholder));
    }
    if let Some(handle) = parse_handle(value) {
        if dialect == Dialect::Ripe || !reads_as_apnic_name(value, &handle) {
            return Ok(Contact::Handle(handle));
        }
    }
    match dialect {
        Dialect::Apnic if is_full_name(value) => Ok(Contact::Name(value.to_string())),
        Dialect::Apnic => Err(bad_apnic_contact(value)),
        Dialect::Ripe => Err(bad_ripe_contact(value)),
    }
}

/// Whether a number-less handle shape is more likely a hyphenated name (`Mary-Ann`).
///
/// Registries write handles in capitals; a mixed- or lower-case word pair
/// without a number on the APNIC form, where names are allowed, is a name.
fn reads_as_apnic_name(value: &str, handle: &NicHandle) -> bool {
    handle.number.is_none() && value.bytes().any(|b| b.is_ascii_lowercase())
}

/// A person's full name: words of letters, with `.`, `'` and `-` allowed.
fn is_full_name(value: &str) -> bool {
    value.chars().any(char::is_alphabetic)
        && value.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '.' || c == '\'' || c == '-')
}

fn bad_apnic_contact(value: &str) -> SyntaxError {
    if value.is_empty() {
        return SyntaxError::new("the contact is missing: give a NIC handle such as JD1-AP, or the person's full name");
    }
    SyntaxError::new(format!(
        "'{value}' is neither a NIC handle (e.g. JD1-AP), an AUTO-1 placeholder nor a person's full name"
    ))
}

fn bad_ripe_contact(value: &str) -> SyntaxError {
    if value.is_empty() {
        return SyntaxError::new(
            "the contact is missing: give a NIC handle such as MK16-RIPE or an AUTO-1 placeholder",
        );
    }
    SyntaxError::new(format!(
        "'{value}' is not a NIC handle: a contact must be a NIC handle such as MK16-RIPE or an AUTO-1 placeholder"
    ))
}

/// Checks a contact reference (`admin-c`, `tech-c`).
pub(super) fn check_contact(v: &str, dialect: Dialect) -> Result<(), SyntaxError> {
    classify_contact(v, dialect).map(|_| ())
}

/// Checks a `nic-hdl:` value: a handle or a placeholder; blank is fine on the APNIC form.
pub(super) fn check_nic_hdl(v: &str, dialect: Dialect) -> Result<(), SyntaxError> {
    let value = v.trim();
    if value.is_empty() {
        return match dialect {
            Dialect::Apnic => Ok(()),
            Dialect::Ripe => Err(SyntaxError::new(
                "the nic-hdl is missing: give the person's NIC handle, or AUTO-1 to have one assigned",
            )),
        };
    }
    if parse_placeholder(value)?.is_some() || parse_handle(value).is_some() {
        return Ok(());
    }
    Err(bad_nic_hdl(value, dialect))
}

fn bad_nic_hdl(value: &str, dialect: Dialect) -> SyntaxError {
    let asks_for_one = asks_for_assignment(value);
    let why = match (dialect, asks_for_one) {
        (Dialect::Apnic, true) => "is not a NIC handle: to have one assigned, leave nic-hdl blank",
        (Dialect::Apnic, false) => {
            "is not a NIC handle: write one such as JD1-AP, or leave it blank to have one assigned"
        }
        (Dialect::Ripe, true) => {
            "is not a NIC handle: to have one assigned, write AUTO-1 (AUTO-2 for the next person, ...)"
        }
        (Dialect::Ripe, false) => "is not a NIC handle: write one such as MK16-RIPE, or AUTO-1 to have one assigned",
    };
    SyntaxError::new(format!("'{value}' {why}"))
}

/// Values people write to mean "please give me a handle".
fn asks_for_assignment(value: &str) -> bool {
    let lower = value.to_lowercase();
    ["assign", "new", "none", "n/a", "tbd", "tba", "request", "?"].iter().any(|word| lower.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handle and placeholder shapes as regular expressions, as they were
    /// written before the hand-written readers replaced them on the hot path.
    #[test]
    fn reads_handles_and_placeholders_as_the_regular_expressions_do() {
        let handle = regex::Regex::new(r"^([A-Za-z]{2,4})([1-9][0-9]{0,8})?-([A-Za-z]{2,10})$").expect("regex");
        let body = regex::Regex::new(r"^([0-9]+)([A-Za-z]*)$").expect("regex");
        let mut cases: Vec<String> = [
            "JD1-AP",
            " mk16-ripe ",
            "CREW-RIPE",
            "AUTO-1",
            "auto-12jd",
            "J1-AP",
            "ABCDE1-AP",
            "JD0-AP",
            "JD01-AP",
            "JD123456789-AP",
            "JD1234567890-AP",
            "JD1-A",
            "JD1-ABCDEFGHIJ",
            "JD1-ABCDEFGHIJK",
            "JD1AP",
            "JD-",
            "-AP",
            "JD1-AP ",
            "JD1-AP\n",
            "J\u{212a}1-AP",
            "JD1-\u{17f}P",
            "",
            "JD 1-AP",
            "AUTO-",
            "AUTO-x",
            "AUTO-1x2",
            "AUTO-99999999999",
            "auto-1JDXYZ",
            "JD1--AP",
            "JD1-AP-",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        // Every short string over a small alphabet, so that each boundary is tried.
        let alphabet = ['A', 'j', '0', '1', '9', '-', ' '];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            frontier = frontier.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            cases.extend(frontier.iter().cloned());
        }
        for case in &cases {
            let expected = handle.captures(case.trim()).and_then(|caps| {
                let initials = Letters::upper(&caps[1]).expect("2 to 4 letters");
                (initials != "AUTO").then(|| NicHandle {
                    initials,
                    number: caps.get(2).map(|m| m.as_str().parse().expect("nine digits fit")),
                    suffix: Letters::upper(&caps[3]).expect("2 to 10 letters"),
                })
            });
            assert_eq!(parse_handle(case), expected, "{case:?}");
            if let Some(rest) = strip_prefix_ignore_case(case.trim(), "AUTO-") {
                let malformed = parse_placeholder(case).err().is_some_and(|e| {
                    e.message.contains("is not a placeholder") || e.message.contains("has no number after AUTO-")
                });
                assert_eq!(malformed, !body.is_match(rest), "{case:?}");
            }
        }
    }

    fn handle(initials: &str, number: Option<u32>, suffix: &str) -> NicHandle {
        NicHandle {
            initials: Letters::upper(initials).expect("initials"),
            number,
            suffix: Letters::upper(suffix).expect("a suffix"),
        }
    }

    fn auto(number: u32, initials: Option<&str>) -> Placeholder {
        Placeholder { number, initials: initials.map(|letters| Letters::upper(letters).expect("initials")) }
    }

    fn placeholder_error(v: &str) -> String {
        parse_placeholder(v).err().map(|e| e.message).unwrap_or_default()
    }

    fn contact_error(v: &str, d: Dialect) -> String {
        classify_contact(v, d).err().map(|e| e.message).unwrap_or_default()
    }

    fn nic_hdl_error(v: &str, d: Dialect) -> String {
        check_nic_hdl(v, d).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn parses_handles() {
        assert_eq!(parse_handle("JD1-AP"), Some(handle("JD", Some(1), "AP")));
        assert_eq!(parse_handle("JD401-AP"), Some(handle("JD", Some(401), "AP")));
        assert_eq!(parse_handle("MK16-RIPE"), Some(handle("MK", Some(16), "RIPE")));
        assert_eq!(parse_handle("OPS4-RIPE"), Some(handle("OPS", Some(4), "RIPE")));
        assert_eq!(parse_handle("CREW-RIPE"), Some(handle("CREW", None, "RIPE")));
        assert_eq!(parse_handle(" mk16-ripe "), Some(handle("MK", Some(16), "RIPE")));
        assert_eq!(parse_handle("MK16-RIPE").map(|h| h.to_string()).as_deref(), Some("MK16-RIPE"));
        assert_eq!(parse_handle("crew-ripe").map(|h| h.to_string()).as_deref(), Some("CREW-RIPE"));
    }

    #[test]
    fn rejects_non_handles() {
        for v in [
            "JD1",
            "J1-AP",
            "JOHND1-AP",
            "JD01-AP",
            "JD0-AP",
            "JD1-",
            "JD1-A",
            "JD1-AP1",
            "JD 1-AP",
            "AUTO-1",
            "AUTO-AB",
            "1JD-AP",
            "JD1234567890-AP",
            "ÄB1-AP",
            "\u{212A}D1-AP",
            "",
            "JD1--AP",
        ] {
            assert_eq!(parse_handle(v), None, "{v}");
        }
    }

    #[test]
    fn parses_placeholders() {
        assert_eq!(parse_placeholder("AUTO-1"), Ok(Some(auto(1, None))));
        assert_eq!(parse_placeholder("AUTO-1JD"), Ok(Some(auto(1, Some("JD")))));
        assert_eq!(parse_placeholder("auto-2ab"), Ok(Some(auto(2, Some("AB")))));
        assert_eq!(parse_placeholder("AUTO-12ABCD"), Ok(Some(auto(12, Some("ABCD")))));
        assert_eq!(parse_placeholder("AUTO-0"), Ok(Some(auto(0, None))));
        assert_eq!(parse_placeholder(" AUTO-3 "), Ok(Some(auto(3, None))));
        assert_eq!(auto(1, Some("JD")).to_string(), "AUTO-1JD");
        for v in ["JD1-AP", "AUTO", "AUTO1", "Mary", "", "AUT", "ÄUTO-1"] {
            assert_eq!(parse_placeholder(v), Ok(None), "{v}");
        }
    }

    #[test]
    fn explains_malformed_placeholders() {
        assert_eq!(
            placeholder_error("AUTO-7ABCDEF"),
            "'AUTO-7ABCDEF': the initials after AUTO-7 must be 2 to 4 letters"
        );
        assert_eq!(placeholder_error("AUTO-1J"), "'AUTO-1J': the initials after AUTO-1 must be 2 to 4 letters");
        assert!(placeholder_error("AUTO-").starts_with("'AUTO-' has no number after AUTO-: write AUTO-<number>"));
        assert!(placeholder_error("AUTO-X").starts_with("'AUTO-X' has no number"));
        assert!(placeholder_error("AUTO-1-JD").starts_with("'AUTO-1-JD' is not a placeholder"));
        assert!(placeholder_error("AUTO-1 JD").starts_with("'AUTO-1 JD'"));
        assert!(placeholder_error("AUTO-1JDé").starts_with("'AUTO-1JDé'"));
        assert!(placeholder_error("AUTO-99999999999").contains("too large"));
    }

    #[test]
    fn classifies_contacts_in_apnic() {
        let d = Dialect::Apnic;
        assert_eq!(classify_contact("JD1-AP", d), Ok(Contact::Handle(handle("JD", Some(1), "AP"))));
        assert_eq!(classify_contact("AUTO-1", d), Ok(Contact::Auto(auto(1, None))));
        assert_eq!(classify_contact(" John E Doe ", d), Ok(Contact::Name("John E Doe".into())));
        assert_eq!(classify_contact("O'Brien-Smith Mary", d), Ok(Contact::Name("O'Brien-Smith Mary".into())));
        assert_eq!(classify_contact("Mary-Ann", d), Ok(Contact::Name("Mary-Ann".into())));
        assert_eq!(classify_contact("CREW-AP", d), Ok(Contact::Handle(handle("CREW", None, "AP"))));
        assert_eq!(classify_contact("José Núñez", d), Ok(Contact::Name("José Núñez".into())));
        assert!(contact_error("12345", d).starts_with("'12345' is neither a NIC handle"));
        assert!(contact_error("JD1", d).starts_with("'JD1'"));
        assert!(contact_error("jd@example.org", d).starts_with("'jd@example.org'"));
        assert!(contact_error("...", d).starts_with("'...'"));
        assert!(contact_error("", d).contains("missing"));
        assert!(contact_error("AUTO-7ABCDEF", d).contains("2 to 4 letters"));
    }

    #[test]
    fn classifies_contacts_in_ripe() {
        let d = Dialect::Ripe;
        assert_eq!(classify_contact("MK16-RIPE", d), Ok(Contact::Handle(handle("MK", Some(16), "RIPE"))));
        assert_eq!(classify_contact("Crew-Ripe", d), Ok(Contact::Handle(handle("CREW", None, "RIPE"))));
        assert_eq!(classify_contact("auto-2ab", d), Ok(Contact::Auto(auto(2, Some("AB")))));
        assert_eq!(
            contact_error("John Doe", d),
            "'John Doe' is not a NIC handle: a contact must be a NIC handle such as MK16-RIPE or an AUTO-1 placeholder"
        );
        assert!(contact_error("AUTO-X", d).starts_with("'AUTO-X'"));
        assert!(contact_error("", d).contains("missing"));
        assert!(check_contact("OPS4-RIPE", d).is_ok());
        assert!(check_contact("Santa Claus", Dialect::Apnic).is_ok());
        assert!(check_contact("Santa Claus", d).is_err());
    }

    #[test]
    fn checks_nic_hdl() {
        assert!(check_nic_hdl("", Dialect::Apnic).is_ok());
        assert!(check_nic_hdl("  ", Dialect::Apnic).is_ok());
        assert!(nic_hdl_error("", Dialect::Ripe).contains("missing"));
        for d in [Dialect::Apnic, Dialect::Ripe] {
            for v in ["JD1-AP", "MK16-RIPE", "CREW-RIPE", "AUTO-1", "AUTO-1JD"] {
                assert!(check_nic_hdl(v, d).is_ok(), "{v}");
            }
            assert!(nic_hdl_error("AUTO-1J", d).contains("2 to 4 letters"));
        }
        assert_eq!(
            nic_hdl_error("Please Assign", Dialect::Apnic),
            "'Please Assign' is not a NIC handle: to have one assigned, leave nic-hdl blank"
        );
        assert!(nic_hdl_error("Please Assign", Dialect::Ripe).contains("AUTO-1"));
        assert!(nic_hdl_error("John Doe", Dialect::Apnic).contains("such as JD1-AP"));
        assert!(nic_hdl_error("John Doe", Dialect::Ripe).starts_with("'John Doe' is not a NIC handle"));
    }
}
