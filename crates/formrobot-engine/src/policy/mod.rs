//! Routing policy parsers for the `as-in`, `as-out`, `import`, `export`,
//! `default`, `mp-import`, `mp-export` and `mp-default` attributes.
//!
//! Two grammars live here: RIPE-181, the older syntax the APNIC-038 form still
//! uses, in [`ripe181`], and RPSL from RFC 2622 with its RPSLng extension
//! from RFC 4012, which the RIPE-228 form uses, in [`rpsl`]. Both share one hand-written [`lexer`] and one recursive-descent
//! parser state (`parser`: the token cursor and the nesting guard), and build
//! a real syntax tree. A regex could say "no", but the tree lets an error name
//! the exact token that broke the rule, and lets [`Policy::neighbours`] read
//! the peer ASes out of the rule for the cross-object checks.
//!
//! The input is whatever a person typed into a form, so nothing on any path
//! here may panic, and nesting is capped at [`MAX_DEPTH`] so that a wall of
//! parentheses cannot exhaust the stack.

pub mod lexer;
mod parser;
pub mod ripe181;
pub mod rpsl;

#[cfg(test)]
pub(crate) mod test_support {
    //! What the grammars' tests share.

    use super::PolicyError;

    /// Asserts that parsing fails at `offset` on `token`, with a message quoting it.
    pub(crate) fn assert_fails<T: std::fmt::Debug>(
        result: Result<T, PolicyError>,
        offset: usize,
        token: &str,
    ) -> String {
        let error = match result {
            Ok(value) => panic!("expected an error at {offset} on {token:?}, got {value:?}"),
            Err(error) => error,
        };
        assert_eq!((error.offset, error.token.as_str()), (offset, token), "{}", error.message);
        if !token.is_empty() {
            assert!(
                error.message.contains(&format!("'{token}'")),
                "message does not quote {token:?}: {}",
                error.message
            );
        }
        error.message
    }
}

use crate::grammar::asn::{read_as_number, AsNumber, AsSpelling};
use crate::grammar::strip_prefix_ignore_case;
use lexer::{Token, TokenKind};
use rpsl::Neighbour;

/// How deeply parentheses, `NOT`s and `EXCEPT`s may nest before the parser gives up.
///
/// Real policies nest two or three levels; the cap exists only so that hostile
/// input cannot recurse the parser off the end of its stack.
pub const MAX_DEPTH: usize = 64;

/// Which routing policy grammar to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// RIPE-181 `as-in: <aut-num> <cost> <expression>`.
    AsIn,
    /// RIPE-181 `as-out: <aut-num> <expression>`.
    AsOut,
    /// RIPE-181 `default: <aut-num> <cost>`.
    Ripe181Default,
    /// RPSL `import: ... from <peering> ... accept <filter>`.
    Import,
    /// RPSL `export: ... to <peering> ... announce <filter>`.
    Export,
    /// RPSL `default: to <peering> [action ...] [networks <filter>]`.
    RpslDefault,
    /// RPSLng `mp-import: [afi <afi-list>] from <peering> ... accept <filter>` (RFC 4012).
    MpImport,
    /// RPSLng `mp-export: [afi <afi-list>] to <peering> ... announce <filter>` (RFC 4012).
    MpExport,
    /// RPSLng `mp-default: [afi <afi-list>] to <peering> [action ...] [networks <filter>]` (RFC 4012).
    MpDefault,
}

/// A parsed policy attribute value.
///
/// The tree borrows the words it keeps (set names, attribute names, ...)
/// from the text it was parsed from, `'a`, rather than copying each one:
/// callers read a rule's neighbours and drop it at once, so the copies were
/// only allocations to free again.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy<'a> {
    /// A RIPE-181 `as-in` rule.
    AsIn(ripe181::AsIn<'a>),
    /// A RIPE-181 `as-out` rule.
    AsOut(ripe181::AsOut<'a>),
    /// A RIPE-181 `default` rule.
    Ripe181Default(ripe181::Default),
    /// An RPSL `import` rule.
    Import(rpsl::Import<'a>),
    /// An RPSL `export` rule.
    Export(rpsl::Export<'a>),
    /// An RPSL `default` rule.
    RpslDefault(rpsl::Default<'a>),
    /// An RPSLng `mp-import` rule.
    MpImport(rpsl::Import<'a>),
    /// An RPSLng `mp-export` rule.
    MpExport(rpsl::Export<'a>),
    /// An RPSLng `mp-default` rule.
    MpDefault(rpsl::Default<'a>),
}

/// Which way routes flow for a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Routes the AS accepts from its neighbours (`as-in`, `import`).
    Inbound,
    /// Routes the AS announces to its neighbours (`as-out`, `export`).
    Outbound,
    /// A default route towards a neighbour (`default`).
    Default,
}

impl Policy<'_> {
    /// Which way routes flow for this rule: `as-in`/`import`/`mp-import` are
    /// inbound, `as-out`/`export`/`mp-export` outbound, and any `default` or
    /// `mp-default` is [`Direction::Default`].
    pub fn direction(&self) -> Direction {
        match self {
            Policy::AsIn(_) | Policy::Import(_) | Policy::MpImport(_) => Direction::Inbound,
            Policy::AsOut(_) | Policy::Export(_) | Policy::MpExport(_) => Direction::Outbound,
            Policy::Ripe181Default(_) | Policy::RpslDefault(_) | Policy::MpDefault(_) => Direction::Default,
        }
    }

    /// The neighbouring ASes this rule talks to, normalised to upper case and
    /// deduplicated in order of appearance.
    ///
    /// Each is `AS1234` for an AS number, the set name (`AS-FOO`, `AS1:AS-BAR`)
    /// for an as-set, or `AS-ANY`. For RIPE-181 this is the `<aut-num>` field;
    /// for RPSL and RPSLng it is every AS number and as-set named in the
    /// `from`/`to` peerings, in every factor of a structured policy. The filter is not looked at: it says which routes, not whom.
    /// A peering-set (`PRNG-FOO`) names no AS directly and contributes nothing.
    pub fn neighbours(&self) -> Vec<String> {
        self.distinct_neighbours().into_iter().map(Neighbour::name).collect()
    }

    /// The AS numbers among [`Policy::neighbours`], in the same order: what
    /// counts towards multihoming, kept as numbers rather than written out.
    pub fn neighbour_ases(&self) -> Vec<u32> {
        let mut found: Vec<u32> = Vec::new();
        self.each_neighbour_as(|asn| {
            if !found.contains(&asn) {
                found.push(asn);
            }
        });
        found
    }

    /// Each AS number the rule names as a neighbour, in order, repeats
    /// included: [`Policy::neighbour_ases`] without a list.
    pub fn each_neighbour_as(&self, mut each: impl FnMut(u32)) {
        self.visit_neighbours(|neighbour| {
            if let Neighbour::As(asn) = neighbour {
                each(asn);
            }
        });
    }

    /// The neighbours of [`Policy::neighbours`], before they are written out.
    fn distinct_neighbours(&self) -> Vec<Neighbour<'_>> {
        // Told apart before they are written out: a rule names a handful, so a scan beats a hash set.
        let mut found: Vec<Neighbour<'_>> = Vec::new();
        self.visit_neighbours(|neighbour| {
            if !found.iter().any(|seen| seen.same(neighbour)) {
                found.push(neighbour);
            }
        });
        found
    }

    /// Every neighbour the rule names, in order, repeats included.
    fn visit_neighbours<'s>(&'s self, mut add: impl FnMut(Neighbour<'s>)) {
        match self {
            Policy::AsIn(ripe181::AsIn { peer, .. })
            | Policy::AsOut(ripe181::AsOut { peer, .. })
            | Policy::Ripe181Default(ripe181::Default { peer, .. }) => add(Neighbour::As(*peer)),
            Policy::Import(rule) | Policy::Export(rule) | Policy::MpImport(rule) | Policy::MpExport(rule) => {
                rule.visit_neighbours(&mut add)
            }
            Policy::RpslDefault(rule) | Policy::MpDefault(rule) => rule.peering.peering.visit_neighbours(&mut add),
        }
    }
}

/// Where and why parsing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    /// Byte offset into the input where the failing token starts; the input's
    /// length when the input ended too early.
    pub offset: usize,
    /// The failing token's text; empty at the end of the input.
    pub token: String,
    /// What went wrong, in words for the person who filled in the form.
    pub message: String,
}

impl PolicyError {
    /// An error at `token` with the given message.
    pub fn at(token: Token<'_>, message: impl Into<String>) -> PolicyError {
        PolicyError { offset: token.offset, token: token.text.to_string(), message: message.into() }
    }
}

/// Parses `text` as a policy attribute value of the given kind.
pub fn parse(kind: PolicyKind, text: &str) -> Result<Policy<'_>, PolicyError> {
    match kind {
        PolicyKind::AsIn => ripe181::parse_as_in(text).map(Policy::AsIn),
        PolicyKind::AsOut => ripe181::parse_as_out(text).map(Policy::AsOut),
        PolicyKind::Ripe181Default => ripe181::parse_default(text).map(Policy::Ripe181Default),
        PolicyKind::Import => rpsl::parse_import(text).map(Policy::Import),
        PolicyKind::Export => rpsl::parse_export(text).map(Policy::Export),
        PolicyKind::RpslDefault => rpsl::parse_default(text).map(Policy::RpslDefault),
        PolicyKind::MpImport => rpsl::parse_mp_import(text).map(Policy::MpImport),
        PolicyKind::MpExport => rpsl::parse_mp_export(text).map(Policy::MpExport),
        PolicyKind::MpDefault => rpsl::parse_mp_default(text).map(Policy::MpDefault),
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by both grammars. They keep the wording of errors uniform.

/// Quotes a token for a message, shortening it so that a pasted paragraph
/// does not swamp the message.
pub(crate) fn quote(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        format!("'{text}'")
    } else {
        let head: String = text.chars().take(LIMIT - 3).collect();
        format!("'{head}...'")
    }
}

/// The tail of an "expected ..." message: what was there instead.
pub(crate) fn found(token: Token<'_>) -> String {
    match token.kind {
        TokenKind::End => "but nothing follows".to_string(),
        _ => format!("found {}", quote(token.text)),
    }
}

/// An error for a character that no grammar allows.
///
/// Control and non-ASCII characters get their code point named, because
/// quoting them verbatim would show nothing useful (or nothing at all).
pub(crate) fn invalid_char(token: Token<'_>) -> PolicyError {
    let message = match token.text.chars().next() {
        Some(c) if c.is_ascii_graphic() => format!("'{c}' is not allowed in a routing policy"),
        Some(c) if c.is_ascii() => {
            format!("control character U+{:04X} is not allowed in a routing policy", u32::from(c))
        }
        Some(c) if c.is_control() => {
            format!("character U+{:04X} is not allowed: routing policies are plain ASCII", u32::from(c))
        }
        Some(c) => format!("'{c}' (U+{:04X}) is not allowed: routing policies are plain ASCII", u32::from(c)),
        None => "unexpected character".to_string(),
    };
    PolicyError::at(token, message)
}

/// "expected `what` after `after`, found ..." at `token`, or the invalid
/// character message if `token` is one.
pub(crate) fn expected(token: Token<'_>, what: &str, after: Option<Token<'_>>) -> PolicyError {
    if token.kind == TokenKind::Invalid {
        return invalid_char(token);
    }
    let message = match after {
        Some(prev) if prev.kind != TokenKind::End => {
            format!("expected {what} after {}, {}", quote(prev.text), found(token))
        }
        // Nothing before and nothing here: the whole value is blank.
        _ if token.kind == TokenKind::End => format!("expected {what}, but the value is empty"),
        _ => format!("expected {what}, {}", found(token)),
    };
    PolicyError::at(token, message)
}

/// How a word fares as an AS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AsnWord {
    /// Not meant as an AS number at all (`AS-FOO`, `ANY`, `AS1:AS-X`).
    NotAsn,
    /// A valid 32-bit AS number.
    Valid(u32),
    /// `AS` and digits, but beyond 32 bits.
    TooLarge,
    /// Clearly meant as an AS number but malformed (`AS`, `AS12x`).
    Malformed,
}

/// Classifies a word as an AS number (`AS` and digits, any case).
pub(crate) fn classify_asn(word: &str) -> AsnWord {
    match read_as_number(word, AsSpelling::WRITTEN) {
        AsNumber::Valid(asn) => return AsnWord::Valid(asn),
        AsNumber::TooLarge => return AsnWord::TooLarge,
        AsNumber::Not => {}
    }
    let Some(rest) = strip_prefix_ignore_case(word, "AS") else {
        return AsnWord::NotAsn;
    };
    // `AS` alone or `AS12x` is a typo for an AS number, but `AS-FOO`, `ASTRA`,
    // `AS1:AS-FOO` or `AS1^+` are something else that the caller may still recognise.
    let typo = rest.is_empty()
        || (rest.starts_with(|c: char| c.is_ascii_digit()) && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if typo {
        AsnWord::Malformed
    } else {
        AsnWord::NotAsn
    }
}

/// The error for a word that [`classify_asn`] found too large or malformed.
pub(crate) fn asn_error(token: Token<'_>, kind: AsnWord) -> PolicyError {
    let message = match kind {
        AsnWord::TooLarge => {
            format!("{} is too large: AS numbers go up to AS4294967295", quote(token.text))
        }
        _ => format!("{} is not an AS number: write AS followed by digits, such as AS1103", quote(token.text)),
    };
    PolicyError::at(token, message)
}

/// Whether `word` is letters, digits, `-` and `_`, starting with a letter:
/// the shape of attribute, protocol and community names.
pub(crate) fn is_identifier(word: &str) -> bool {
    crate::grammar::is_name(word)
}

/// The operands of an operator (`OR`, `AND`), read one after another and
/// made into one node by [`Terms::join`]. A lone operand, what most rules
/// have, is kept as it is: no list is made for it.
pub(crate) struct Terms<T> {
    lone: Option<T>,
    all: Vec<T>,
}

impl<T> Terms<T> {
    /// The first operand.
    pub(crate) fn new(first: T) -> Terms<T> {
        Terms { lone: Some(first), all: Vec::new() }
    }

    /// Another operand.
    pub(crate) fn push(&mut self, next: T) {
        if let Some(first) = self.lone.take() {
            self.all.push(first);
        }
        self.all.push(next);
    }

    /// One node: the lone operand itself, or all of them wrapped.
    pub(crate) fn join(self, wrap: fn(Vec<T>) -> T) -> T {
        match self.lone {
            Some(lone) => lone,
            None => wrap(self.all),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_per_kind() {
        let cases = [
            (PolicyKind::AsIn, "AS1 10 ANY", Direction::Inbound),
            (PolicyKind::AsOut, "AS1 ANY", Direction::Outbound),
            (PolicyKind::Ripe181Default, "AS1 10", Direction::Default),
            (PolicyKind::Import, "from AS1 accept ANY", Direction::Inbound),
            (PolicyKind::Export, "to AS1 announce ANY", Direction::Outbound),
            (PolicyKind::RpslDefault, "to AS1", Direction::Default),
            (PolicyKind::MpImport, "afi ipv6 from AS1 accept ANY", Direction::Inbound),
            (PolicyKind::MpExport, "afi ipv6.unicast to AS1 announce NEW", Direction::Outbound),
            (PolicyKind::MpDefault, "afi any to AS1", Direction::Default),
        ];
        for (kind, text, direction) in cases {
            let policy = parse(kind, text).expect(text);
            assert_eq!(policy.direction(), direction, "{text}");
        }
    }

    #[test]
    fn neighbours_per_rule() {
        let cases: &[(PolicyKind, &str, &[&str])] = &[
            (PolicyKind::AsIn, "AS1755 100 AS102 AND NOT (AS1234 OR AS513)", &["AS1755"]),
            (PolicyKind::AsOut, "as786 AS701", &["AS786"]),
            (PolicyKind::Ripe181Default, "AS1755 10", &["AS1755"]),
            (PolicyKind::Import, "from AS1 from AS2 accept ANY", &["AS1", "AS2"]),
            (PolicyKind::Import, "from AS1 action pref=1; from as1 accept AS7", &["AS1"]),
            (PolicyKind::Import, "from as-foo OR AS1:as-bar EXCEPT AS3 accept AS9", &["AS-FOO", "AS1:AS-BAR", "AS3"]),
            (PolicyKind::Import, "from AS-ANY accept ANY", &["AS-ANY"]),
            (PolicyKind::Import, "from PRNG-FOO accept ANY", &[]),
            (
                PolicyKind::Export,
                "to AS1 action med=10; aspath.prepend(AS2, AS2); announce NEW OR AS-CUSTOMERS",
                &["AS1"],
            ),
            (PolicyKind::Export, "to (AS5 OR AS6) AND AS-X announce AS4", &["AS5", "AS6", "AS-X"]),
            (PolicyKind::RpslDefault, "to AS1234 action pref=100; networks ANY", &["AS1234"]),
            (PolicyKind::MpImport, "afi ipv6.unicast from AS64497 2001:db8::1 accept {2001:db8::/32^48}", &["AS64497"]),
            (PolicyKind::MpExport, "afi ipv4, ipv6 to AS64498 OR AS64499 announce NEW", &["AS64498", "AS64499"]),
            (PolicyKind::MpDefault, "afi ipv6 to AS64500", &["AS64500"]),
            (
                PolicyKind::Import,
                "{ from AS1 accept AS1; from AS2 accept AS2; } refine from AS1 OR AS3 action pref=1; accept ANY",
                &["AS1", "AS2", "AS3"],
            ),
            (
                PolicyKind::MpImport,
                "afi ipv6 from AS1 accept ANY except afi ipv6.unicast { from AS4 accept AS4; }",
                &["AS1", "AS4"],
            ),
        ];
        for (kind, text, want) in cases {
            let policy = parse(*kind, text).expect(text);
            assert_eq!(policy.neighbours(), *want, "{text}");
            // The AS numbers among them, as numbers, in the same order: sets and AS-ANY left out.
            let ases: Vec<String> = policy.neighbour_ases().iter().map(|asn| format!("AS{asn}")).collect();
            let named: Vec<&str> = want
                .iter()
                .copied()
                .filter(|name| name.strip_prefix("AS").is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())))
                .collect();
            assert_eq!(ases, named, "{text}");
        }
    }

    #[test]
    fn parse_dispatches_to_the_right_grammar() {
        assert!(matches!(parse(PolicyKind::AsIn, "AS1 10 ANY"), Ok(Policy::AsIn(_))));
        assert!(matches!(parse(PolicyKind::Ripe181Default, "AS1 10"), Ok(Policy::Ripe181Default(_))));
        assert!(matches!(parse(PolicyKind::RpslDefault, "to AS1"), Ok(Policy::RpslDefault(_))));
        assert!(matches!(parse(PolicyKind::MpImport, "from AS1 accept ANY"), Ok(Policy::MpImport(_))));
        assert!(matches!(parse(PolicyKind::MpExport, "to AS1 announce ANY"), Ok(Policy::MpExport(_))));
        assert!(matches!(parse(PolicyKind::MpDefault, "to AS1"), Ok(Policy::MpDefault(_))));
        assert!(parse(PolicyKind::Import, "afi ipv6 from AS1 accept ANY").is_err());
        // The grammars are not interchangeable.
        assert!(parse(PolicyKind::AsIn, "from AS1 accept ANY").is_err());
        assert!(parse(PolicyKind::Import, "AS1 10 ANY").is_err());
    }

    #[test]
    fn classify_asn_words() {
        assert_eq!(classify_asn("AS1103"), AsnWord::Valid(1103));
        assert_eq!(classify_asn("as0"), AsnWord::Valid(0));
        assert_eq!(classify_asn("AS4294967295"), AsnWord::Valid(u32::MAX));
        assert_eq!(classify_asn("AS4294967296"), AsnWord::TooLarge);
        assert_eq!(classify_asn("AS99999999999999999999999"), AsnWord::TooLarge);
        assert_eq!(classify_asn("AS"), AsnWord::Malformed);
        assert_eq!(classify_asn("AS12x"), AsnWord::Malformed);
        assert_eq!(classify_asn("AS-FOO"), AsnWord::NotAsn);
        assert_eq!(classify_asn("AS1:AS-FOO"), AsnWord::NotAsn);
        assert_eq!(classify_asn("ASTRA"), AsnWord::NotAsn);
        assert_eq!(classify_asn("1103"), AsnWord::NotAsn);
        assert_eq!(classify_asn("é"), AsnWord::NotAsn);
    }

    #[test]
    fn quote_shortens_long_tokens() {
        assert_eq!(quote("AS1"), "'AS1'");
        let long = "x".repeat(100);
        let quoted = quote(&long);
        assert!(quoted.len() < 50 && quoted.ends_with("...'"), "{quoted}");
        // Multi-byte characters must not be cut in half.
        assert!(quote(&"é".repeat(100)).ends_with("...'"));
    }

    /// A deterministic stream of pseudo-random numbers (Knuth's MMIX LCG).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // The high bits of an LCG are the random ones.
            (self.0 >> 33) as usize
        }
    }

    const KINDS: [PolicyKind; 6] = [
        PolicyKind::AsIn,
        PolicyKind::AsOut,
        PolicyKind::Ripe181Default,
        PolicyKind::Import,
        PolicyKind::Export,
        PolicyKind::RpslDefault,
    ];

    /// Checks the invariants every error must keep, whatever the input.
    fn check_error_shape(text: &str, error: &PolicyError) {
        assert!(error.offset <= text.len(), "{text:?}: {error:?}");
        assert!(text.is_char_boundary(error.offset), "{text:?}: {error:?}");
        assert_eq!(text.get(error.offset..error.offset + error.token.len()), Some(error.token.as_str()), "{text:?}");
        assert!(!error.message.is_empty());
        if error.token.is_empty() {
            assert_eq!(error.offset, text.len(), "{text:?}: {error:?}");
        }
    }

    #[test]
    fn random_token_soup_never_panics() {
        const ALPHABET: &[&str] = &[
            "AS1",
            "AS1103",
            "AS-FOO",
            "AS1:AS-BAR",
            "AS-ANY",
            "PRNG-X",
            "RS-Y",
            "FLTR-Z",
            "RTRS-R",
            "AS99999999999",
            "AS12x",
            "AS",
            "0",
            "10",
            "120",
            "(",
            ")",
            "{",
            "}",
            ";",
            ",",
            "AND",
            "OR",
            "NOT",
            "EXCEPT",
            "ANY",
            "THIS-AS",
            "PeerAS",
            "NEW",
            "ASNEW",
            "from",
            "to",
            "accept",
            "announce",
            "action",
            "networks",
            "protocol",
            "BGP4",
            "into",
            "at",
            "pref",
            "=",
            ".=",
            "==",
            "!=",
            "<",
            ">",
            "<=",
            "<^AS1 .* $>",
            "^+",
            "^24-32",
            "10.0.0.0/8^+",
            "300.1.2.3/8",
            "2001:db8::/32",
            "192.0.2.1",
            "rtr.example.net",
            "community.append",
            "8501:1",
            "community",
            "med",
            "HEPNET",
            "!",
            "*",
            "$",
            "é",
            "\u{7}",
            "\u{0}",
            "日本",
            "-",
            ".",
            "/",
            ":",
        ];
        let mut rng = Lcg(0x5eed);
        for _ in 0..600 {
            let count = rng.next() % 14;
            let mut text = String::new();
            for _ in 0..count {
                text.push_str(ALPHABET[rng.next() % ALPHABET.len()]);
                // Sometimes glue tokens together to exercise the lexer's word boundaries.
                if !rng.next().is_multiple_of(3) {
                    text.push(' ');
                }
            }
            for kind in KINDS {
                if let Err(error) = parse(kind, &text) {
                    check_error_shape(&text, &error);
                }
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let n = 100_000;
        let parens = format!("{}ANY{}", "(".repeat(n), ")".repeat(n));
        let nots = format!("{}ANY", "NOT ".repeat(n));
        let excepts = format!("AS1{}", " EXCEPT AS2".repeat(n));
        let cases = [
            (PolicyKind::AsIn, format!("AS1 1 {parens}")),
            (PolicyKind::AsOut, format!("AS1 {nots}")),
            (PolicyKind::Import, format!("from AS1 accept {parens}")),
            (PolicyKind::Import, format!("from AS1 accept {nots}")),
            (PolicyKind::Import, format!("from {parens} accept ANY")),
            (PolicyKind::Import, format!("from {excepts} accept ANY")),
        ];
        for (kind, text) in cases {
            let error = parse(kind, &text).expect_err("too deep");
            assert!(error.message.contains("nested too deeply"), "{}", error.message);
            check_error_shape(&text, &error);
        }
        // Exactly at the limit is still fine.
        let ok = format!("AS1 1 {}ANY{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(PolicyKind::AsIn, &ok).is_ok());
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // A test may time the parser; the library may not read a clock.
    fn long_flat_rules_parse_quickly() {
        // Quadratic behaviour would make these take seconds; linear takes milliseconds.
        let n = 50_000;
        let ors = format!("AS1 1 AS1{}", " OR AS2".repeat(n));
        let juxtaposed = format!("AS1 1{}", " AS2".repeat(n));
        let peers = format!("from AS1{} accept ANY", " OR AS-FOO".repeat(n));
        let froms = format!("{} accept ANY", "from AS1 action pref=1; ".repeat(n));
        let prefixes = format!("from AS1 accept {{10.0.0.0/8{}}}", ", 192.0.2.0/24^+".repeat(n));
        let start = std::time::Instant::now();
        assert!(parse(PolicyKind::AsIn, &ors).is_ok());
        assert!(parse(PolicyKind::AsIn, &juxtaposed).is_ok());
        assert!(parse(PolicyKind::Import, &peers).is_ok());
        assert!(parse(PolicyKind::Import, &froms).is_ok());
        assert!(parse(PolicyKind::Import, &prefixes).is_ok());
        assert!(start.elapsed().as_secs() < 10, "took {:?}", start.elapsed());
    }

    #[test]
    fn unclosed_as_path_does_not_rescan_forever() {
        let text = format!("from AS1 accept {}", "< AS1 ".repeat(20_000));
        let error = parse(PolicyKind::Import, &text).expect_err("unclosed");
        assert_eq!(error.offset, 16);
        check_error_shape(&text, &error);
    }
}
