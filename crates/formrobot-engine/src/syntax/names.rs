//! Names: AS names, maintainers, accounts, people, as-sets, `source:`, `mnt-routes:`.
//!
//! Most follow the RPSL object-name rules (RFC 2622 section 2): letters,
//! digits, `_` and `-`, starting with a letter and ending with a letter or a
//! digit, and not one of RPSL's reserved words, which would make routing
//! policy that mentions the name ambiguous.

use super::contact::parse_handle;
use super::SyntaxError;
use crate::dialect::Dialect;
use crate::grammar::asn::parse_as_number;
use crate::grammar::range::{parse_length, parse_range_op, split_range, RangeOpError};
use crate::grammar::strip_prefix_ignore_case;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest RPSL object name the registries store.
const MAX_OBJECT_NAME_LEN: usize = 80;
/// The APNIC-038 form asks for an AS name "of less than 25 characters".
const MAX_APNIC_AS_NAME_LEN: usize = 24;

/// Words RPSL reserves (RFC 2622 section 2); compared case-insensitively.
const RESERVED_WORDS: &[&str] = &[
    "ACCEPT", "ACTION", "AND", "ANNOUNCE", "ANY", "AS-ANY", "AT", "ATOMIC", "EXCEPT", "FROM", "INBOUND", "INTO",
    "NETWORKS", "NOT", "OR", "OUTBOUND", "PEERAS", "REFINE", "RS-ANY", "TO",
];

/// The length of the longest of [`RESERVED_WORDS`]: most names are longer, and need no comparing.
const LONGEST_RESERVED_WORD: usize = crate::grammar::longest(RESERVED_WORDS);

/// Name prefixes RPSL reserves for set objects, so other objects cannot use them.
const RESERVED_PREFIXES: &[&str] = &["AS-", "RS-", "RTRS-", "FLTR-", "PRNG-"];

/// Characters the APNIC form's own punctuation allows in a person's name besides letters and digits.
const NAME_PUNCTUATION: &str = ".'-,()&/";

fn quoted(value: &str, why: &str) -> SyntaxError {
    SyntaxError::new(format!("'{value}' {why}"))
}

/// Checks an APNIC `acct-name:` value such as `APNIC-AP`.
pub(super) fn check_account_name(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    if value.is_empty() {
        return Err(SyntaxError::new("the account name is missing: write it as one word, e.g. APNIC-AP"));
    }
    if value.contains(char::is_whitespace) {
        return Err(quoted(value, "must be one word: join the parts with '-', e.g. APNIC-AP"));
    }
    match value.chars().find(|&c| !is_name_char(c)) {
        Some(c) => Err(quoted(
            value,
            &format!("contains '{c}': an account name may contain only letters, digits, '-' and '_'"),
        )),
        None => Ok(()),
    }
}

/// Letters, digits, `-` and `_`: the characters of RPSL names and account names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Checks an `as-name:` value in the dialect's rules.
pub(super) fn check_as_name(v: &str, dialect: Dialect) -> Result<(), SyntaxError> {
    let value = v.trim();
    match dialect {
        Dialect::Apnic => check_apnic_as_name(value),
        Dialect::Ripe => check_ripe_as_name(value),
    }
}

/// One word in capitals, digits and `-`, under 25 characters, as APNIC-038 asks.
fn check_apnic_as_name(value: &str) -> Result<(), SyntaxError> {
    if value.is_empty() {
        return Err(SyntaxError::new("the AS name is missing: write one word in capitals, e.g. TERABIT-AS"));
    }
    if value.contains(char::is_whitespace) {
        let joined = value.split_whitespace().collect::<Vec<_>>().join("-");
        return Err(quoted(
            value,
            &format!("must be one word: join the words with '-', e.g. {}", joined.to_uppercase()),
        ));
    }
    if value.contains('.') {
        let dashed = value.replace('.', "-").to_uppercase();
        return Err(quoted(
            value,
            &format!("looks like a domain name: an AS name may not contain '.', write e.g. {dashed}"),
        ));
    }
    if let Some(c) = value.chars().find(|&c| !c.is_ascii_alphanumeric() && c != '-') {
        return Err(quoted(
            value,
            &format!("contains '{c}': an AS name may contain only capital letters, digits and '-'"),
        ));
    }
    if value.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(quoted(value, &format!("must be written in capitals: {}", value.to_ascii_uppercase())));
    }
    if value.len() > MAX_APNIC_AS_NAME_LEN {
        return Err(quoted(value, &format!("is {} characters long: an AS name must be fewer than 25", value.len())));
    }
    Ok(())
}

/// An RPSL object name that does not start with `AS`.
///
/// `AS` is kept for AS numbers and as-set names, so that an AS name can never
/// be mistaken for either where policy text mentions it.
fn check_ripe_as_name(value: &str) -> Result<(), SyntaxError> {
    check_object_name(value, "an AS name")?;
    if strip_prefix_ignore_case(value, "AS").is_some() {
        return Err(quoted(
            value,
            "starts with 'AS', which is kept for AS numbers and as-sets: choose a name such as TERABIT-NET",
        ));
    }
    Ok(())
}

/// The RPSL object-name rules shared by AS names and maintainer names.
///
/// `what` names the thing in messages, with its article ("a maintainer name").
fn check_object_name(value: &str, what: &str) -> Result<(), SyntaxError> {
    // The usual name is all name characters, which one pass over its bytes
    // tells; the passes below, character by character, find what is wrong.
    if !value.is_empty() && value.bytes().all(crate::grammar::is_name_byte) {
        return check_object_name_shape(value, what);
    }
    if value.is_empty() {
        return Err(SyntaxError::new(format!("{what} is missing")));
    }
    if value.contains(char::is_whitespace) {
        return Err(quoted(value, &format!("must be one word: {what} cannot contain spaces; join the words with '-'")));
    }
    if let Some(c) = value.chars().find(|&c| !is_name_char(c)) {
        return Err(quoted(value, &format!("contains '{c}': {what} may contain only letters, digits, '-' and '_'")));
    }
    check_object_name_shape(value, what)
}

/// First and last character, length and reserved words, for a name of valid characters.
fn check_object_name_shape(value: &str, what: &str) -> Result<(), SyntaxError> {
    if !value.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(quoted(value, &format!("must start with a letter: it is {what}")));
    }
    if !value.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(quoted(value, "must end with a letter or a digit"));
    }
    if value.len() > MAX_OBJECT_NAME_LEN {
        return Err(quoted(value, &format!("is {} characters long: {what} may have at most 80", value.len())));
    }
    // Compared without a copy in capitals: every AS and maintainer name passes here.
    if value.len() <= LONGEST_RESERVED_WORD && RESERVED_WORDS.iter().any(|word| word.eq_ignore_ascii_case(value)) {
        return Err(quoted(value, "is a reserved word in routing policy and cannot be used as a name"));
    }
    Ok(())
}

/// Checks a `source:` value: the registry this form is for.
pub(super) fn check_source(v: &str, dialect: Dialect) -> Result<(), SyntaxError> {
    let value = v.trim();
    let expected = dialect.source_name();
    if value.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    if value.is_empty() {
        return Err(SyntaxError::new(format!("the source is missing: write {expected}")));
    }
    Err(quoted(value, &format!("is not the right source: this {dialect} form must say {expected}")))
}

/// Checks a maintainer's name (`mntner:`, `mnt-by:`, `referral-by:`).
pub(super) fn check_mntner_name(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    check_object_name(value, "a maintainer name")?;
    let starts_with = |prefix: &&&str| value.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix));
    match RESERVED_PREFIXES.iter().find(starts_with) {
        Some(prefix) => Err(quoted(
            value,
            &format!("starts with '{prefix}', which is kept for set names: choose a name such as TERABIT-MNT"),
        )),
        None => Ok(()),
    }
}

/// Checks a person's or role's name.
pub(super) fn check_person_name(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    if value.is_empty() {
        return Err(SyntaxError::new("the name is missing: write the person's full name, e.g. John E Doe"));
    }
    if value.contains('@') {
        return Err(quoted(
            value,
            "looks like an e-mail address: write the person's full name here, and the address under e-mail",
        ));
    }
    // A character outside ASCII already has its error, one per line, from the parser: do not add a second.
    if let Some(c) = value.chars().find(|&c| c.is_ascii() && !is_person_name_char(c)) {
        let character = crate::diagnostic::describe_char(c);
        return Err(quoted(value, &format!("contains {character}, which does not belong in a name")));
    }
    check_person_name_shape(value)
}

/// Letters and digits of any script, single spaces' worth of blanks, and name punctuation.
fn is_person_name_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == ' ' || NAME_PUNCTUATION.contains(c)
    } else {
        !c.is_control() && !c.is_whitespace()
    }
}

fn check_person_name_shape(value: &str) -> Result<(), SyntaxError> {
    if value.chars().count() < 2 {
        return Err(quoted(value, "is too short: write the full name, e.g. John E Doe"));
    }
    if !value.chars().any(char::is_alphabetic) {
        return Err(quoted(value, "is not a name: write the person's full name in letters, e.g. John E Doe"));
    }
    if value.chars().any(|c| c.is_ascii_digit()) && parse_handle(value).is_some() {
        return Err(quoted(value, "is a NIC handle: write the person's full name here, and the handle under nic-hdl"));
    }
    Ok(())
}

/// Checks an as-set name: `AS-FOO`, or hierarchical such as `AS1:AS-FOO`.
pub(super) fn check_as_set_name(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    if value.is_empty() {
        return Err(SyntaxError::new("the as-set name is missing: write it as AS-<name>, e.g. AS-TERABIT"));
    }
    let mut has_set = false;
    for component in value.split(':') {
        has_set |= check_as_set_component(value, component)?;
    }
    if !has_set {
        return Err(quoted(
            value,
            "is not an as-set name: it needs a part starting with AS-, e.g. AS-TERABIT or AS4711:AS-CUSTOMERS",
        ));
    }
    Ok(())
}

/// Checks one `:`-separated part; whether it is a set name (rather than an AS number).
fn check_as_set_component(value: &str, component: &str) -> Result<bool, SyntaxError> {
    if parse_as_number(component).is_some() {
        return Ok(false);
    }
    let Some(rest) = strip_prefix_ignore_case(component, "AS-") else {
        return Err(bad_set_component(value, component));
    };
    let well_formed = !rest.is_empty()
        && rest.chars().all(is_name_char)
        && rest.ends_with(|c: char| c.is_ascii_alphanumeric())
        && component.len() <= MAX_OBJECT_NAME_LEN;
    if !well_formed {
        return Err(bad_set_component(value, component));
    }
    if component.eq_ignore_ascii_case("AS-ANY") {
        return Err(quoted(value, "uses AS-ANY, which is reserved in routing policy: name your own as-set"));
    }
    Ok(true)
}

fn bad_set_component(value: &str, component: &str) -> SyntaxError {
    let part = if component == value { String::new() } else { format!(": the part '{component}' is neither") };
    let why = if part.is_empty() {
        "is not an as-set name: write AS- followed by letters, digits, '-' or '_', e.g. AS-TERABIT".to_string()
    } else {
        format!("is not an as-set name{part} an AS number (AS4711) nor a set name (AS-TERABIT)")
    };
    quoted(value, &why)
}

/// Checks `mnt-routes:` a maintainer, optionally followed by `ANY` or `{ prefix-range, ... }`.
pub(super) fn check_mnt_routes(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    let name_end = value.find(|c: char| c.is_whitespace() || c == '{').unwrap_or(value.len());
    let (name, rest) = value.split_at(name_end);
    if name.is_empty() {
        return Err(SyntaxError::new(format!(
            "'{value}' must start with a maintainer name, e.g. TERABIT-MNT {{ 192.0.2.0/24^+ }}"
        )));
    }
    check_mntner_name(name)?;
    check_route_scope(value, rest.trim())
}

/// What may follow the maintainer: nothing, `ANY`, or a braced list of prefix ranges.
fn check_route_scope(value: &str, scope: &str) -> Result<(), SyntaxError> {
    if scope.is_empty() || scope.eq_ignore_ascii_case("ANY") {
        return Ok(());
    }
    let Some(list) = scope.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
        return Err(quoted(
            value,
            "must have ANY or a list of prefixes in braces after the maintainer name, e.g. { 192.0.2.0/24^+ }",
        ));
    };
    if list.trim().is_empty() {
        return Err(quoted(value, "has an empty prefix list: list prefixes such as 192.0.2.0/24, or write ANY"));
    }
    list.split(',').try_for_each(|item| check_prefix_range(value, item.trim()))
}

/// A prefix with an optional range operator (RFC 2622 section 2: `^-`, `^+`, `^n`, `^n-m`).
fn check_prefix_range(value: &str, item: &str) -> Result<(), SyntaxError> {
    if item.is_empty() {
        return Err(quoted(value, "has an empty entry in its prefix list: remove the extra ','"));
    }
    let (prefix, operator) = split_range(item);
    let (length, max) = check_prefix(item, prefix)?;
    match operator {
        Some(op) => check_range_operator(item, op, length, max),
        None => Ok(()),
    }
}

/// Checks `address/length`; returns the length and the address family's maximum.
fn check_prefix(item: &str, prefix: &str) -> Result<(u32, u32), SyntaxError> {
    let Some((address, length)) = prefix.split_once('/') else {
        return Err(quoted(item, "has no prefix length: write it as address/length, e.g. 192.0.2.0/24"));
    };
    let (bits, max) = parse_address(item, address)?;
    let length = parse_length(length)
        .filter(|&n| n <= max)
        .ok_or_else(|| quoted(item, &format!("has an invalid prefix length: it must be a number from 0 to {max}")))?;
    // The mask of host bits; a full-length prefix has none (a shift by 128 would overflow).
    let host_mask = u128::MAX.checked_shr(128 - max + length).unwrap_or(0);
    let host_bits = bits & host_mask;
    if host_bits != 0 {
        return Err(quoted(
            item,
            &format!("is not a network prefix: the address has bits set beyond the first {length}"),
        ));
    }
    Ok((length, max))
}

/// The address as the low bits of a u128, and its family's prefix length maximum.
fn parse_address(item: &str, address: &str) -> Result<(u128, u32), SyntaxError> {
    if address.contains(':') {
        let parsed: Ipv6Addr = address.parse().map_err(|_| quoted(item, "does not start with a valid IPv6 address"))?;
        return Ok((u128::from(parsed), 128));
    }
    let parsed: Ipv4Addr = address.parse().map_err(|_| {
        quoted(item, "does not start with a valid IPv4 address: write four numbers 0-255 with dots, e.g. 192.0.2.0")
    })?;
    Ok((u128::from(u32::from(parsed)), 32))
}

/// `^-`, `^+`, `^n` or `^n-m`, with `length <= n <= m <= max`.
fn check_range_operator(item: &str, op: &str, length: u32, max: u32) -> Result<(), SyntaxError> {
    let fits = match parse_range_op(op) {
        Ok(range) => range.fits(length, max),
        // Three digits above 255 are well formed but longer than any prefix:
        // the range is outside the prefix, not unreadable.
        Err(RangeOpError::TooLong) => false,
        Err(RangeOpError::Malformed) => {
            return Err(quoted(item, "has an invalid range operator: use ^+, ^-, ^n or ^n-m, e.g. 192.0.2.0/24^24-28"));
        }
    };
    if !fits {
        return Err(quoted(
            item,
            &format!("has a range outside the prefix: n and m in ^n-m must satisfy {length} <= n <= m <= {max}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(result: Result<(), SyntaxError>) -> String {
        result.err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn account_names() {
        for v in ["APNIC-AP", "TERABIT_LABS", "acct1"] {
            assert!(check_account_name(v).is_ok(), "{v}");
        }
        assert!(err(check_account_name("APNIC AP")).starts_with("'APNIC AP' must be one word"));
        assert!(err(check_account_name("APNIC.AP")).contains("'.'"));
        assert!(err(check_account_name("")).contains("missing"));
    }

    #[test]
    fn apnic_as_names() {
        let d = Dialect::Apnic;
        for v in ["TERABIT-AS", "SANTA-NET", "AS-TERABIT", "X1", "ABCDEFGHIJKLMNOPQRSTUVWX"] {
            assert!(check_as_name(v, d).is_ok(), "{v}: {}", err(check_as_name(v, d)));
        }
        assert_eq!(err(check_as_name("terabit-as", d)), "'terabit-as' must be written in capitals: TERABIT-AS");
        assert!(err(check_as_name("TERABIT AS", d)).contains("join the words with '-', e.g. TERABIT-AS"));
        assert!(
            err(check_as_name("FOO.COM", d)).contains("domain name")
                && err(check_as_name("FOO.COM", d)).contains("FOO-COM")
        );
        assert!(err(check_as_name("FOO_NET", d)).contains("'_'"));
        assert!(err(check_as_name("ABCDEFGHIJKLMNOPQRSTUVWXY", d)).contains("fewer than 25"));
        assert!(err(check_as_name("", d)).contains("missing"));
        assert!(err(check_as_name("ÄBC", d)).starts_with("'ÄBC'"));
    }

    #[test]
    fn ripe_as_names() {
        let d = Dialect::Ripe;
        for v in ["TERABIT-NET", "Santa_Net", "x1", &"A".repeat(80)] {
            assert!(check_as_name(v, d).is_ok(), "{v}: {}", err(check_as_name(v, d)));
        }
        assert!(err(check_as_name("AS-FOO", d)).starts_with("'AS-FOO' starts with 'AS'"));
        assert!(err(check_as_name("as4711", d)).contains("'AS'"));
        assert!(err(check_as_name("1NET", d)).contains("start with a letter"));
        assert!(err(check_as_name("NET-", d)).contains("end with a letter or a digit"));
        assert!(err(check_as_name("FOO NET", d)).contains("spaces"));
        assert!(err(check_as_name(&"A".repeat(81), d)).contains("at most 80"));
        assert!(err(check_as_name("ANY", d)).contains("reserved"));
    }

    #[test]
    fn sources() {
        assert!(check_source("APNIC", Dialect::Apnic).is_ok());
        assert!(check_source(" apnic ", Dialect::Apnic).is_ok());
        assert!(check_source("RIPE", Dialect::Ripe).is_ok());
        assert!(check_source("ripe", Dialect::Ripe).is_ok());
        assert_eq!(
            err(check_source("RIPE", Dialect::Apnic)),
            "'RIPE' is not the right source: this APNIC-038 form must say APNIC"
        );
        assert!(err(check_source("APNIC", Dialect::Ripe)).contains("must say RIPE"));
        assert!(err(check_source("", Dialect::Ripe)).contains("write RIPE"));
    }

    #[test]
    fn mntner_names() {
        for v in ["SANTA-SECURITY-MNT", "MAINT-FOO-AP", "RIPE-DBM-MNT", "foo_mnt1"] {
            assert!(check_mntner_name(v).is_ok(), "{v}: {}", err(check_mntner_name(v)));
        }
        for v in ["ANY", "any", "AS-ANY", "RS-ANY", "PEERAS", "AND", "OR", "NOT"] {
            assert!(err(check_mntner_name(v)).contains("reserved word"), "{v}");
        }
        assert!(err(check_mntner_name("SANTA MNT")).starts_with("'SANTA MNT'"));
        assert!(err(check_mntner_name("AS-FOO-MNT")).contains("'AS-'"));
        assert!(err(check_mntner_name("FOO-MNT-")).contains("end with"));
        assert!(err(check_mntner_name("-FOO")).contains("start with a letter"));
        assert!(err(check_mntner_name("FOO.MNT")).contains("'.'"));
        assert!(err(check_mntner_name("")).contains("missing"));
    }

    #[test]
    fn person_names() {
        for v in [
            "Santa A Claus",
            "John E Doe",
            "Jon Q Doe",
            "O'Brien-Smith Mary",
            "José Núñez",
            "山田 太郎",
            "Terabit Labs NOC",
            "CREW-RIPE",
        ] {
            assert!(check_person_name(v).is_ok(), "{v}: {}", err(check_person_name(v)));
        }
        assert!(err(check_person_name("12345")).starts_with("'12345' is not a name"));
        assert!(err(check_person_name("J")).contains("too short"));
        assert!(err(check_person_name("jd@example.org")).contains("e-mail"));
        assert!(err(check_person_name("JD1-AP")).contains("NIC handle"));
        assert!(err(check_person_name("John <Doe>")).contains("'<'"));
        assert!(err(check_person_name("John\tDoe")).contains("control character U+0009"));
        // A character outside ASCII is the parser's to report, once per line.
        assert!(check_person_name("First\u{a0}Person").is_ok());
        assert!(err(check_person_name("")).contains("missing"));
    }

    #[test]
    fn as_set_names() {
        for v in ["AS-TERABIT", "as-foo", "AS1:AS-FOO", "AS-FOO:AS-BAR", "AS4294967295:AS-X1"] {
            assert!(check_as_set_name(v).is_ok(), "{v}: {}", err(check_as_set_name(v)));
        }
        assert!(err(check_as_set_name("AS1")).contains("needs a part starting with AS-"));
        assert!(err(check_as_set_name("AS1:AS2")).contains("needs a part"));
        assert!(err(check_as_set_name("FOO")).starts_with("'FOO' is not an as-set name"));
        assert!(err(check_as_set_name("AS-")).starts_with("'AS-'"));
        assert!(err(check_as_set_name("AS-FOO-")).starts_with("'AS-FOO-'"));
        assert!(err(check_as_set_name("AS1:FOO")).contains("the part 'FOO'"));
        assert!(err(check_as_set_name("AS1::AS-FOO")).contains("the part ''"));
        assert!(err(check_as_set_name("AS-ANY")).contains("reserved"));
        assert!(err(check_as_set_name("AS-FOO BAR")).starts_with("'AS-FOO BAR'"));
        assert!(err(check_as_set_name("")).contains("missing"));
    }

    #[test]
    fn mnt_routes_accepts() {
        for v in [
            "SANTA-MNT",
            "SANTA-MNT ANY",
            "SANTA-MNT any",
            "SANTA-MNT { 192.0.2.0/24 }",
            "SANTA-MNT {192.0.2.0/24^+, 198.51.100.0/22^-}",
            "SANTA-MNT { 10.0.0.0/8^16, 10.0.0.0/8^16-24, 0.0.0.0/0^0-32 }",
            "SANTA-MNT { 2001:db8::/32^48-64, 2001:db8:1::/48 }",
        ] {
            assert!(check_mnt_routes(v).is_ok(), "{v}: {}", err(check_mnt_routes(v)));
        }
    }

    #[test]
    fn mnt_routes_rejects() {
        assert!(err(check_mnt_routes("")).contains("maintainer name"));
        assert!(err(check_mnt_routes("{ 192.0.2.0/24 }")).contains("must start with a maintainer name"));
        assert!(err(check_mnt_routes("ANY")).contains("reserved"));
        assert!(err(check_mnt_routes("SANTA-MNT SOME")).contains("ANY or a list of prefixes"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/24")).contains("braces"));
        assert!(err(check_mnt_routes("SANTA-MNT { }")).contains("empty prefix list"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/24, }")).contains("empty entry"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0 }")).starts_with("'192.0.2.0' has no prefix length"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/33 }")).contains("0 to 32"));
        assert!(err(check_mnt_routes("SANTA-MNT { 2001:db8::/129 }")).contains("0 to 128"));
        assert!(
            err(check_mnt_routes("SANTA-MNT { 192.0.2.1/24 }")).starts_with("'192.0.2.1/24' is not a network prefix")
        );
        assert!(err(check_mnt_routes("SANTA-MNT { 2001:db8::1/64 }")).contains("network prefix"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/24^16 }")).contains("24 <= n <= m <= 32"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/24^28-26 }")).contains("range outside"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/24^24-33 }")).contains("range outside"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.2.0/24^x }")).contains("invalid range operator"));
        assert!(err(check_mnt_routes("SANTA-MNT { 192.0.256.0/24 }")).contains("IPv4"));
        assert!(err(check_mnt_routes("SANTA-MNT { 2001:db8::g/32 }")).contains("IPv6"));
        assert!(err(check_mnt_routes("SANTA-MNT { ７.0.0.0/8 }")).starts_with("'７.0.0.0/8'"));
    }
}
