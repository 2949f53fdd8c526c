//! Filters (RFC 2622, section 5.4): `ANY`, AS numbers, set names, prefix
//! lists with their range operators, AS-path expressions and attribute
//! tests, joined by `AND`, `OR` and `NOT`.

use std::borrow::Cow;
use std::net::IpAddr;

use super::action::split_method;
use super::set::{set_kind, SetKind, SetName};
use super::{is_reserved, Operator, Parser, Value};
use crate::grammar::asn::{is_new_placeholder, NewPlaceholder};
use crate::grammar::parse_digits;
use crate::grammar::range::{parse_range_op, split_range, RangeOp};
use crate::policy::lexer::{Keyword, Mode, Token, TokenKind};
use crate::policy::parser::never_closed;
use crate::policy::{asn_error, classify_asn, expected, invalid_char, is_identifier, quote, Terms};
use crate::policy::{AsnWord, PolicyError};

/// A route filter; the names in it are slices of the policy text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter<'a> {
    /// Any of the operands, written with `OR` or side by side.
    Or(Vec<Filter<'a>>),
    /// All of the operands.
    And(Vec<Filter<'a>>),
    /// Everything but the operand.
    Not(Box<Filter<'a>>),
    /// `ANY`: every route.
    Any,
    /// `PeerAS`: the routes of the AS on the other side of the peering.
    PeerAs,
    /// The request form's placeholder for the AS being requested (`NEW`,
    /// `NEW1`, `ASNEW`, ...), in upper case: borrowed from the text when
    /// written so, as it nearly always is, and only copied when it was not.
    NewAs(Cow<'a, str>),
    /// The routes originated by an AS, such as `AS1` or `AS1^+`.
    As {
        /// The AS.
        asn: u32,
        /// The range operator, if any.
        range: Option<RangeOp>,
    },
    /// The routes of an as-set such as `AS-FOO`.
    AsSet {
        /// The set's name, as written.
        name: &'a str,
        /// The range operator, if any.
        range: Option<RangeOp>,
    },
    /// The routes of a route-set such as `RS-FOO`.
    RouteSet {
        /// The set's name, as written.
        name: &'a str,
        /// The range operator, if any.
        range: Option<RangeOp>,
    },
    /// A filter-set such as `FLTR-MARTIAN`, as written.
    FilterSet(&'a str),
    /// A braced prefix list, possibly empty, with an optional range operator after the `}`.
    Prefixes {
        /// The prefixes.
        prefixes: Vec<Prefix>,
        /// The range operator applied to all of them, if any.
        range: Option<RangeOp>,
    },
    /// An AS-path regular expression; the text between `<` and `>`.
    AsPath(&'a str),
    /// An attribute method such as `community.contains(8501:1)` or `community(8501:1)`.
    Call {
        /// The route attribute, as written.
        attribute: &'a str,
        /// The method, if written with a dot.
        method: Option<&'a str>,
        /// The arguments.
        args: Vec<Value<'a>>,
    },
    /// An attribute comparison such as `community == {8501:1}`.
    Compare {
        /// The route attribute, as written.
        attribute: &'a str,
        /// The operator.
        op: Operator,
        /// The value compared with.
        value: Value<'a>,
    },
}

/// One prefix in a braced list, such as `10.0.0.0/8^24-32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length.
    pub len: u8,
    /// The range operator, if any.
    pub range: Option<RangeOp>,
}

/// What a filter term may be, for "expected ..." messages.
const FILTER_TERM: &str = "a filter such as ANY, NEW, AS1103, AS-FOO or {192.0.2.0/24}";

impl<'a> Parser<'a> {
    /// A filter: `OR` (or juxtaposition) of `AND`s of `NOT`s of terms.
    pub(super) fn filter(&mut self) -> Result<Filter<'a>, PolicyError> {
        let mut terms = Terms::new(self.filter_and()?);
        loop {
            let token = self.cursor.peek(Mode::Filter);
            if token.is_keyword(Keyword::Or) {
                self.cursor.bump(Mode::Filter);
            } else if !starts_filter_term(token) {
                break;
            }
            terms.push(self.filter_and()?);
        }
        Ok(terms.join(Filter::Or))
    }

    fn filter_and(&mut self) -> Result<Filter<'a>, PolicyError> {
        let mut terms = Terms::new(self.filter_not()?);
        while self.cursor.peek(Mode::Filter).is_keyword(Keyword::And) {
            self.cursor.bump(Mode::Filter);
            terms.push(self.filter_not()?);
        }
        Ok(terms.join(Filter::And))
    }

    fn filter_not(&mut self) -> Result<Filter<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Filter);
        if !token.is_keyword(Keyword::Not) {
            return self.filter_primary();
        }
        self.cursor.bump(Mode::Filter);
        let inner = self.nested(token, Self::filter_not)?;
        Ok(Filter::Not(Box::new(inner)))
    }

    fn filter_primary(&mut self) -> Result<Filter<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Filter);
        match token.kind {
            TokenKind::LParen => self.parenthesized(Mode::Filter, Self::filter),
            TokenKind::LBrace => self.prefix_list(),
            TokenKind::AsPath => {
                let regex = as_path(token)?;
                self.cursor.bump(Mode::Filter);
                Ok(regex)
            }
            TokenKind::Word if !is_reserved(token) => self.filter_word(token),
            _ => Err(expected(token, FILTER_TERM, self.cursor.prev())),
        }
    }

    /// What a word in a filter stands for; `token` is the word, not yet consumed.
    fn filter_word(&mut self, token: Token<'a>) -> Result<Filter<'a>, PolicyError> {
        let word = token.text;
        let simple = if token.is_keyword(Keyword::Any) {
            Some(Filter::Any)
        } else if token.is_keyword(Keyword::PeerAs) {
            Some(Filter::PeerAs)
        } else if is_new_placeholder(word, NewPlaceholder::Filter) {
            Some(Filter::NewAs(upper_case(word)))
        } else {
            None
        };
        if let Some(filter) = simple {
            self.cursor.bump(Mode::Filter);
            return Ok(filter);
        }

        let (base, op) = split_range(word);
        let range = op.map(|op| name_range(token, op)).transpose()?;
        let named = match classify_asn(base) {
            AsnWord::Valid(asn) => Some(Filter::As { asn, range }),
            AsnWord::NotAsn => match set_kind(base) {
                SetName::Set(SetKind::As) => Some(Filter::AsSet { name: base, range }),
                SetName::Set(SetKind::Route) => Some(Filter::RouteSet { name: base, range }),
                SetName::Set(SetKind::Filter) if range.is_none() => Some(Filter::FilterSet(base)),
                SetName::Set(SetKind::Filter) => {
                    return Err(PolicyError::at(
                        token,
                        format!("{}: a filter-set cannot take a range operator", quote(word)),
                    ));
                }
                SetName::Set(kind) => {
                    return Err(PolicyError::at(
                        token,
                        format!("{} is a {} and cannot be used as a filter", quote(word), kind.describe()),
                    ));
                }
                SetName::Bad(message) => return Err(PolicyError::at(token, message)),
                SetName::NotSet => None,
            },
            bad => return Err(asn_error(token, bad)),
        };
        if let Some(filter) = named {
            self.cursor.bump(Mode::Filter);
            return Ok(filter);
        }

        // `community(8501:1)`, `community.contains(8501:1)`, `community == {8501:1}`.
        if range.is_none() && (is_identifier(word) || split_method(word).is_some()) {
            let next = {
                let mut lookahead = self.cursor.clone();
                lookahead.bump(Mode::Filter);
                lookahead.peek(Mode::Plain)
            };
            if next.kind == TokenKind::LParen {
                self.cursor.bump(Mode::Filter);
                let args = self.args()?;
                let (attribute, method) = match split_method(word) {
                    Some((attribute, method)) => (attribute, Some(method)),
                    None => (word, None),
                };
                return Ok(Filter::Call { attribute, method, args });
            }
            if next.kind == TokenKind::Operator && is_identifier(word) {
                self.cursor.bump(Mode::Filter);
                let (op, value) = self.operator_and_value()?;
                return Ok(Filter::Compare { attribute: word, op, value });
            }
        }
        Err(PolicyError::at(
            token,
            format!(
                "{} is not a filter: use ANY, NEW, an AS number, an as-set, route-set or filter-set name, or \
                 prefixes in braces",
                quote(word)
            ),
        ))
    }

    /// A braced prefix list such as `{ 192.0.2.0/24, 10.0.0.0/8^+ }`, with an
    /// optional range operator straight after the `}`.
    fn prefix_list(&mut self) -> Result<Filter<'a>, PolicyError> {
        let open = self.cursor.bump(Mode::Plain);
        let prefixes = self.comma_list(open, |parser| {
            let token = parser.cursor.peek(Mode::Plain);
            // Input that ends where a prefix should be is the unclosed `{`'s
            // fault, not a missing prefix's.
            if token.kind == TokenKind::End {
                return Err(never_closed(open, "}"));
            }
            if token.kind != TokenKind::Word {
                return Err(expected(token, "an address prefix such as 192.0.2.0/24", parser.cursor.prev()));
            }
            let parsed = prefix(token)?;
            parser.cursor.bump(Mode::Plain);
            Ok(parsed)
        })?;
        // `{...}^+` applies to every prefix; only when glued to the brace, as
        // a spaced-out `^+` would be a stray word.
        let close_end = self.cursor.prev().map_or(0, |close| close.end());
        let token = self.cursor.peek(Mode::Filter);
        let mut range = None;
        if token.kind == TokenKind::Word && token.offset == close_end {
            if let Some(op) = token.text.strip_prefix('^') {
                range = Some(name_range(token, op)?);
                self.cursor.bump(Mode::Filter);
            }
        }
        Ok(Filter::Prefixes { prefixes, range })
    }
}

/// Whether `token` can begin a filter term, making it an implicit `OR` after another term.
fn starts_filter_term(token: Token<'_>) -> bool {
    match token.kind {
        TokenKind::LParen | TokenKind::LBrace | TokenKind::AsPath => true,
        TokenKind::Word => token.is_keyword(Keyword::Not) || !is_reserved(token),
        _ => false,
    }
}

/// `word` in upper case, borrowed if it already is.
fn upper_case(word: &str) -> Cow<'_, str> {
    if word.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(word.to_ascii_uppercase())
    } else {
        Cow::Borrowed(word)
    }
}

/// Checks an AS-path expression token and returns its contents.
fn as_path(token: Token<'_>) -> Result<Filter<'_>, PolicyError> {
    let text = token.text;
    let Some(inner) = text.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')) else {
        let open = Token::new(TokenKind::Invalid, text.get(..1).unwrap_or(""), token.offset);
        return Err(PolicyError::at(open, "'<' is never closed: an AS-path expression must end with '>'"));
    };
    if inner.trim().is_empty() {
        return Err(PolicyError::at(token, format!("the AS-path expression {} is empty", quote(text))));
    }
    if let Some((index, c)) = inner.char_indices().find(|&(_, c)| !(c.is_ascii_graphic() || c == ' ' || c == '\t')) {
        let start = 1 + index;
        let bad =
            Token::new(TokenKind::Invalid, text.get(start..start + c.len_utf8()).unwrap_or(""), token.offset + start);
        return Err(invalid_char(bad));
    }
    Ok(Filter::AsPath(inner))
}

/// Parses the part after `^` of a range operator, for a set name or a whole
/// prefix list, where only the lengths themselves can be checked.
fn name_range(token: Token<'_>, op: &str) -> Result<RangeOp, PolicyError> {
    match parse_range_op(op) {
        Ok(range) if range.fits(0, 128) => Ok(range),
        _ => Err(range_error(token, op)),
    }
}

fn range_error(token: Token<'_>, op: &str) -> PolicyError {
    PolicyError::at(
        token,
        format!("{} has a bad range operator '^{op}': use ^-, ^+, ^n or ^n-m with n no more than m", quote(token.text)),
    )
}

/// Parses one prefix of a braced list, such as `10.0.0.0/8^24-32`.
fn prefix(token: Token<'_>) -> Result<Prefix, PolicyError> {
    let word = token.text;
    let (base, op) = split_range(word);
    let Some((address, length)) = base.split_once('/') else {
        return Err(PolicyError::at(token, format!("{} needs a prefix length, such as 192.0.2.0/24", quote(word))));
    };
    let (addr, family, max): (IpAddr, &str, u8) = if address.contains(':') {
        match address.parse() {
            Ok(addr) => (IpAddr::V6(addr), "IPv6", 128),
            Err(_) => return Err(bad_address(token, address, "IPv6")),
        }
    } else {
        match address.parse() {
            Ok(addr) => (IpAddr::V4(addr), "IPv4", 32),
            Err(_) => return Err(bad_address(token, address, "IPv4")),
        }
    };
    let len = match parse_digits(length) {
        Some(len) if len <= u32::from(max) => u8::try_from(len).unwrap_or(max),
        Some(_) => {
            return Err(PolicyError::at(
                token,
                format!(
                    "{}: the prefix length /{length} is too long for {family}, which allows at most /{max}",
                    quote(word)
                ),
            ));
        }
        None => {
            return Err(PolicyError::at(
                token,
                format!("{}: '{length}' is not a prefix length; write a number such as /24", quote(word)),
            ));
        }
    };
    let range = match op {
        None => None,
        Some(op) => match parse_range_op(op) {
            Ok(range) if range.fits(u32::from(len), u32::from(max)) => Some(range),
            Ok(_) => {
                return Err(PolicyError::at(
                    token,
                    format!(
                        "{}: the range '^{op}' must lie between the prefix length /{len} and /{max}, smaller first",
                        quote(word)
                    ),
                ));
            }
            // A length above 255 is a bad operator here, not one outside the
            // prefix: the policy tree keeps lengths in a byte.
            Err(_) => return Err(range_error(token, op)),
        },
    };
    Ok(Prefix { addr, len, range })
}

fn bad_address(token: Token<'_>, address: &str, family: &str) -> PolicyError {
    PolicyError::at(token, format!("{}: '{address}' is not a valid {family} address", quote(token.text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rpsl::parse_import;
    use crate::policy::rpsl::tests::{as_filter, import, v4};
    use crate::policy::test_support::assert_fails;
    use std::net::Ipv6Addr;

    #[test]
    fn filter_terms() {
        let filter = import(
            "from AS1 accept { 192.0.2.0/24, 10.0.0.0/8^-, 10.0.0.0/8^24, 10.0.0.0/8^24-32, 2001:db8::/32, 0.0.0.0/0 }",
        )
        .filter;
        let Filter::Prefixes { prefixes, range: None } = filter else { panic!("{filter:?}") };
        let db8 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0));
        assert_eq!(
            prefixes,
            [
                Prefix { addr: v4(192, 0, 2, 0), len: 24, range: None },
                Prefix { addr: v4(10, 0, 0, 0), len: 8, range: Some(RangeOp::Exclusive) },
                Prefix { addr: v4(10, 0, 0, 0), len: 8, range: Some(RangeOp::Exact(24)) },
                Prefix { addr: v4(10, 0, 0, 0), len: 8, range: Some(RangeOp::Range(24, 32)) },
                Prefix { addr: db8, len: 32, range: None },
                Prefix { addr: v4(0, 0, 0, 0), len: 0, range: None },
            ]
        );
        assert_eq!(
            import("from AS1 accept {10.0.0.0/8}^+").filter,
            Filter::Prefixes {
                prefixes: vec![Prefix { addr: v4(10, 0, 0, 0), len: 8, range: None }],
                range: Some(RangeOp::Inclusive),
            }
        );
        assert_eq!(import("from AS1 accept AS1^+").filter, Filter::As { asn: 1, range: Some(RangeOp::Inclusive) });
        assert_eq!(
            import("from AS1 accept AS1:RS-FOO^24-32").filter,
            Filter::RouteSet { name: "AS1:RS-FOO", range: Some(RangeOp::Range(24, 32)) }
        );
        assert_eq!(import("from AS1 accept fltr-martian").filter, Filter::FilterSet("fltr-martian"));
        assert_eq!(import("from AS1 accept peeras").filter, Filter::PeerAs);
        // Juxtaposition is OR; NOT binds tighter than AND, AND tighter than OR.
        assert_eq!(
            import("from AS1 accept AS2 AS3 AND NOT AS4 OR (AS5)").filter,
            Filter::Or(vec![
                as_filter(2),
                Filter::And(vec![as_filter(3), Filter::Not(Box::new(as_filter(4)))]),
                as_filter(5),
            ])
        );
        assert_eq!(
            import("from AS1 accept community(8501:1)").filter,
            Filter::Call { attribute: "community", method: None, args: vec![Value::Community(8501, 1)] }
        );
        assert_eq!(
            import("from AS1 accept community.contains(8501:1) AND AS2").filter,
            Filter::And(vec![
                Filter::Call {
                    attribute: "community",
                    method: Some("contains"),
                    args: vec![Value::Community(8501, 1)]
                },
                as_filter(2),
            ])
        );
        assert_eq!(
            import("from AS1 accept community == {8501:1}").filter,
            Filter::Compare {
                attribute: "community",
                op: Operator::Equal,
                value: Value::List(vec![Value::Community(8501, 1)]),
            }
        );
        assert_eq!(
            import("from AS1 accept <AS1> <AS2>").filter,
            Filter::Or(vec![Filter::AsPath("AS1"), Filter::AsPath("AS2")])
        );
        assert_eq!(
            import("from AS1 accept asnew OR NEW007").filter,
            Filter::Or(vec![Filter::NewAs("ASNEW".into()), Filter::NewAs("NEW007".into())])
        );
        // Written in upper case, the placeholder is the text itself, not a copy.
        assert!(matches!(import("from AS1 accept NEW").filter, Filter::NewAs(Cow::Borrowed("NEW"))));
        assert!(matches!(import("from AS1 accept New").filter, Filter::NewAs(Cow::Owned(ref new)) if new == "NEW"));
    }

    #[test]
    fn filter_errors() {
        assert_fails(parse_import("from AS1 accept FOO"), 16, "FOO");
        assert_fails(parse_import("from AS1 accept AND ANY"), 16, "AND");
        assert_fails(parse_import("from AS1 accept ANY AND"), 23, "");
        assert_fails(parse_import("from AS1 accept NOT"), 19, "");
        assert_fails(parse_import("from AS1 accept PRNG-X"), 16, "PRNG-X");
        assert_fails(parse_import("from AS1 accept FLTR-X^+"), 16, "FLTR-X^+");
        assert_fails(parse_import("from AS1 accept AS1^"), 16, "AS1^");
        assert_fails(parse_import("from AS1 accept AS1^40-30"), 16, "AS1^40-30");
        let message = assert_fails(parse_import("from AS1 accept <^AS1"), 16, "<");
        assert!(message.contains("never closed"), "{message}");
        assert_fails(parse_import("from AS1 accept <>"), 16, "<>");
        assert_fails(parse_import("from AS1 accept <AS1 é>"), 21, "é");
        assert_fails(parse_import("from AS1 accept community"), 16, "community");
        assert_fails(parse_import("from AS1 accept community.contains(1:2"), 34, "(");
        assert_fails(parse_import("from AS1 accept ()"), 17, ")");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8} ^+"), 29, "^+");
    }
}
