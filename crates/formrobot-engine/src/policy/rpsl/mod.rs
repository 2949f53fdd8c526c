//! RPSL routing policies (RFC 2622, section 6): `import`, `export` and `default`.
//!
//! ```text
//! import:  [protocol <p1>] [into <p2>]
//!          from <peering> [action <action>] ... accept <filter> [;]
//! export:  [protocol <p1>] [into <p2>]
//!          to <peering> [action <action>] ... announce <filter> [;]
//! default: to <peering> [action <action>] [networks <filter>]
//! ```
//!
//! A peering is an AS expression (AS numbers and as-sets joined by `AND`,
//! `OR` and `EXCEPT`), optionally narrowed to a router of the peer and `at` a
//! router of our own, or a peering-set name. Actions are items each ending in
//! `;`. Filters combine `ANY`, AS numbers, sets, prefix lists and AS-path
//! expressions with `AND`, `OR`, `NOT`; two terms side by side mean `OR`.
//!
//! The RIPE request forms write the AS being requested as `NEW` (or `NEW1`,
//! `ASNEW`, ...), since it has no number yet; filters accept that placeholder.
//!
//! Structured policies (`refine`, `{ ... }` blocks) and RPSLng's `afi` are
//! not part of the forms and are not supported.
//!
//! This module holds the rules themselves; the parts of a rule are parsed in
//! `peering` (AS expressions, routers), `action` (action items and values),
//! `filter` (filters, prefixes, range operators) and `set` (set names, which
//! peerings and filters share). The parser state is the one RIPE-181 uses too,
//! from `policy::parser`.

mod action;
mod filter;
mod peering;
mod set;

pub use crate::grammar::range::RangeOp;
pub use action::{ActionItem, Operator, Value};
pub use filter::{Filter, Prefix};
pub use peering::{AsExpr, Peering, Router};

use super::lexer::{Mode, Token, TokenKind};
use super::PolicyError;
use super::{classify_asn, expected, invalid_char, is_identifier, quote, AsnWord};
use set::{set_kind, SetKind, SetName};

/// An `import` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The protocol routes are learnt by (`protocol BGP4`), if given.
    pub protocol: Option<String>,
    /// The protocol routes are imported into (`into OSPF`), if given.
    pub into: Option<String>,
    /// One entry per `from` clause, in order.
    pub peerings: Vec<PeeringAction>,
    /// The `accept` filter.
    pub filter: Filter,
}

/// An `export` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The protocol routes are announced by (`protocol BGP4`), if given.
    pub protocol: Option<String>,
    /// The protocol routes are taken from (`into OSPF`), if given.
    pub into: Option<String>,
    /// One entry per `to` clause, in order.
    pub peerings: Vec<PeeringAction>,
    /// The `announce` filter.
    pub filter: Filter,
}

/// A `default` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Default {
    /// The `to` clause and its actions.
    pub peering: PeeringAction,
    /// The `networks` filter, if given.
    pub networks: Option<Filter>,
}

/// One `from`/`to` clause: whom, and what to do to their routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringAction {
    /// The neighbours.
    pub peering: Peering,
    /// The `action` items, empty if there is no `action`.
    pub actions: Vec<ActionItem>,
}

/// Parses an `import` value.
pub fn parse_import(text: &str) -> Result<Import, PolicyError> {
    let mut parser = Parser::new(text);
    let (protocol, into) = parser.protocols()?;
    let peerings = parser.clauses(&IMPORT)?;
    let filter = parser.filter()?;
    parser.finish("filter")?;
    Ok(Import { protocol, into, peerings, filter })
}

/// Parses an `export` value.
pub fn parse_export(text: &str) -> Result<Export, PolicyError> {
    let mut parser = Parser::new(text);
    let (protocol, into) = parser.protocols()?;
    let peerings = parser.clauses(&EXPORT)?;
    let filter = parser.filter()?;
    parser.finish("filter")?;
    Ok(Export { protocol, into, peerings, filter })
}

/// Parses an RPSL `default` value.
pub fn parse_default(text: &str) -> Result<Default, PolicyError> {
    let mut parser = Parser::new(text);
    let token = parser.cursor.peek(Mode::Plain);
    if token.is_keyword("from") {
        return Err(PolicyError::at(token, "a default rule starts with 'to', not 'from', such as 'to AS1103'"));
    }
    if !token.is_keyword("to") {
        return Err(expected(token, "'to' and the neighbouring AS (such as 'to AS1103')", None));
    }
    parser.cursor.bump(Mode::Plain);
    let peering = parser.peering_action()?;
    let next = parser.cursor.peek(Mode::Plain);
    if next.is_keyword("networks") {
        parser.cursor.bump(Mode::Plain);
        let networks = parser.filter()?;
        parser.finish("filter")?;
        return Ok(Default { peering, networks: Some(networks) });
    }
    if !matches!(next.kind, TokenKind::End | TokenKind::Semicolon) {
        return Err(parser.after_peering(next, "'action', 'networks' or the end of the rule"));
    }
    parser.finish("peering")?;
    Ok(Default { peering, networks: None })
}

/// The keywords of one rule type, for its clause loop and its error messages.
struct RuleWords {
    rule: &'static str,
    clause: &'static str,
    filter: &'static str,
    /// The other direction's keywords, a common mix-up worth its own message.
    wrong_clause: &'static str,
    wrong_filter: &'static str,
}

const IMPORT: RuleWords =
    RuleWords { rule: "an import", clause: "from", filter: "accept", wrong_clause: "to", wrong_filter: "announce" };

const EXPORT: RuleWords =
    RuleWords { rule: "an export", clause: "to", filter: "announce", wrong_clause: "from", wrong_filter: "accept" };

/// Words with a fixed meaning in RPSL policies, which therefore never stand
/// for an attribute, a value, a router or (bar `NOT`) a filter term.
const RESERVED: &[&str] = &[
    "from", "to", "accept", "announce", "action", "networks", "protocol", "into", "at", "and", "or", "not", "except",
    "refine",
];

fn is_reserved(token: Token<'_>) -> bool {
    token.kind == TokenKind::Word && RESERVED.iter().any(|word| token.text.eq_ignore_ascii_case(word))
}

/// Marks the shared parser state as reading RPSL; the rules here and in the
/// submodules are its methods.
enum Rpsl {}

/// The parser for RPSL rules, nesting on parentheses, `NOT`s and `EXCEPT`s.
type Parser<'a> = super::parser::Parser<'a, Rpsl>;

impl Parser<'_> {
    /// The optional `protocol <p1>` and `into <p2>`.
    fn protocols(&mut self) -> Result<(Option<String>, Option<String>), PolicyError> {
        let mut protocol = None;
        let mut into = None;
        if self.cursor.peek(Mode::Plain).is_keyword("protocol") {
            protocol = Some(self.protocol_name()?);
        }
        if self.cursor.peek(Mode::Plain).is_keyword("into") {
            into = Some(self.protocol_name()?);
        }
        Ok((protocol, into))
    }

    /// The name after `protocol` or `into`, which is the next token.
    fn protocol_name(&mut self) -> Result<String, PolicyError> {
        let keyword = self.cursor.bump(Mode::Plain);
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && !is_reserved(token) && is_identifier(token.text) {
            self.cursor.bump(Mode::Plain);
            return Ok(token.text.to_string());
        }
        Err(expected(token, "a protocol name such as BGP4 or OSPF", Some(keyword)))
    }

    /// One or more `from`/`to` clauses, through the `accept`/`announce`.
    fn clauses(&mut self, words: &RuleWords) -> Result<Vec<PeeringAction>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.is_keyword(words.wrong_clause) || token.is_keyword(words.wrong_filter) {
            return Err(wrong_direction(token, words));
        }
        if !token.is_keyword(words.clause) {
            let what = format!("'{}' and the neighbouring AS (such as '{} AS1103')", words.clause, words.clause);
            return Err(expected(token, &what, self.cursor.prev()));
        }
        let mut peerings = Vec::new();
        loop {
            self.cursor.bump(Mode::Plain);
            peerings.push(self.peering_action()?);
            let token = self.cursor.peek(Mode::Plain);
            if token.is_keyword(words.filter) {
                self.cursor.bump(Mode::Plain);
                return Ok(peerings);
            }
            if token.is_keyword(words.wrong_clause) || token.is_keyword(words.wrong_filter) {
                return Err(wrong_direction(token, words));
            }
            if !token.is_keyword(words.clause) {
                let what = format!("'{}' and a filter, 'action', or another '{}'", words.filter, words.clause);
                return Err(self.after_peering(token, &what));
            }
        }
    }

    /// The error for `token` where a peering (and its actions) should have ended.
    fn after_peering(&self, token: Token<'_>, what: &str) -> PolicyError {
        let looks_like_as = token.kind == TokenKind::Word
            && (classify_asn(token.text) != AsnWord::NotAsn
                || set_kind(token.text) == SetName::Set(SetKind::As)
                || token.text.eq_ignore_ascii_case("AS-ANY"));
        if looks_like_as {
            return PolicyError::at(
                token,
                format!("{} must be joined to the peering before it with AND, OR or EXCEPT", quote(token.text)),
            );
        }
        expected(token, what, self.cursor.prev())
    }

    /// A peering and its optional `action`.
    fn peering_action(&mut self) -> Result<PeeringAction, PolicyError> {
        let peering = self.peering()?;
        let actions = if self.cursor.peek(Mode::Plain).is_keyword("action") { self.actions()? } else { Vec::new() };
        Ok(PeeringAction { peering, actions })
    }

    /// Checks that the rule ends here, after an optional `;`.
    fn finish(&mut self, last: &str) -> Result<(), PolicyError> {
        if self.cursor.peek(Mode::Filter).kind == TokenKind::Semicolon {
            self.cursor.bump(Mode::Filter);
        }
        let token = self.cursor.peek(Mode::Filter);
        match token.kind {
            TokenKind::End => Ok(()),
            TokenKind::Invalid => Err(invalid_char(token)),
            TokenKind::RParen => Err(PolicyError::at(token, "')' has no matching '('")),
            _ => Err(PolicyError::at(
                token,
                format!("unexpected {} after the {last}: the {last} must end the rule", quote(token.text)),
            )),
        }
    }
}

/// The error for using the other direction's keyword (`to` in an import, say).
fn wrong_direction(token: Token<'_>, words: &RuleWords) -> PolicyError {
    PolicyError::at(
        token,
        format!("{} rule uses '{}' ... '{}', not {}", words.rule, words.clause, words.filter, quote(token.text)),
    )
}

#[cfg(test)]
mod tests {
    //! The tests of the rule grammar, and helpers shared with the tests of
    //! the other parts of the parser.

    use super::*;
    use crate::policy::test_support::assert_fails;
    use std::net::{IpAddr, Ipv4Addr};

    pub(super) fn import(text: &str) -> Import {
        parse_import(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    pub(super) fn export(text: &str) -> Export {
        parse_export(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    pub(super) fn remote(as_expr: AsExpr) -> Peering {
        Peering::Remote { as_expr, peer_router: None, local_router: None }
    }

    pub(super) fn peer(asn: u32, actions: Vec<ActionItem>) -> PeeringAction {
        PeeringAction { peering: remote(AsExpr::As(asn)), actions }
    }

    pub(super) fn assign(attribute: &str, op: Operator, value: Value) -> ActionItem {
        ActionItem::Assign { attribute: attribute.to_string(), op, value }
    }

    pub(super) fn call(attribute: &str, method: &str, args: Vec<Value>) -> ActionItem {
        ActionItem::Call { attribute: attribute.to_string(), method: method.to_string(), args }
    }

    pub(super) fn as_filter(asn: u32) -> Filter {
        Filter::As { asn, range: None }
    }

    pub(super) fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn ripe228_form_examples_parse() {
        assert_eq!(
            import("from AS1234 action pref=120; accept ANY"),
            Import {
                protocol: None,
                into: None,
                peerings: vec![peer(1234, vec![assign("pref", Operator::Assign, Value::Number(120))])],
                filter: Filter::Any,
            }
        );
        assert_eq!(
            import("from AS5678 action pref=100; accept ANY").peerings[0].actions,
            [assign("pref", Operator::Assign, Value::Number(100))]
        );
        assert_eq!(
            export("to AS1234 announce NEW"),
            Export {
                protocol: None,
                into: None,
                peerings: vec![peer(1234, vec![])],
                filter: Filter::NewAs("NEW".into()),
            }
        );
        assert_eq!(import("from AS2 accept { }").filter, Filter::Prefixes { prefixes: vec![], range: None });
        assert_eq!(export("to AS2 announce AS4").filter, as_filter(4));
        assert_eq!(import("from AS333 accept ANY").peerings, [peer(333, vec![])]);
        assert_eq!(export("to AS333 announce ASNEW").filter, Filter::NewAs("ASNEW".into()));
        assert_eq!(export("to AS333 announce new2").filter, Filter::NewAs("NEW2".into()));
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse_default("to AS1234 action pref=100; networks ANY"),
            Ok(Default {
                peering: peer(1234, vec![assign("pref", Operator::Assign, Value::Number(100))]),
                networks: Some(Filter::Any),
            })
        );
        assert_eq!(parse_default("to AS1"), Ok(Default { peering: peer(1, vec![]), networks: None }));
        assert_eq!(parse_default("TO AS1 ACTION pref=1;").map(|d| d.peering.actions.len()), Ok(1));
        assert_fails(parse_default("from AS1"), 0, "from");
        assert_fails(parse_default(""), 0, "");
        assert_fails(parse_default("to AS1 networks"), 15, "");
        assert_fails(parse_default("to AS1 accept ANY"), 7, "accept");
        assert_fails(parse_default("to AS1 AS2"), 7, "AS2");
        assert_fails(parse_default("to AS1 networks ANY ANY;;"), 24, ";");
    }

    #[test]
    fn import_errors_point_at_the_culprit() {
        let message = assert_fails(parse_import("from AS1234 action pref=120 accept ANY"), 28, "accept");
        assert!(message.contains("'pref=120' must end with ';'"), "{message}");
        let message = assert_fails(parse_import("from AS1 action pref=1"), 22, "");
        assert!(message.contains("'pref=1' must end with ';'"), "{message}");
        let message = assert_fails(parse_import("from accept ANY"), 5, "accept");
        assert!(message.contains("after 'from'"), "{message}");
        let message = assert_fails(parse_import("from AS1234"), 11, "");
        assert!(message.contains("'accept'"), "{message}");
        let message = assert_fails(parse_import("from AS1234 accept"), 18, "");
        assert!(message.contains("after 'accept'"), "{message}");
        assert_fails(parse_import("to AS1 accept ANY"), 0, "to");
        assert_fails(parse_import("from AS1 announce ANY"), 9, "announce");
        assert_fails(parse_export("from AS1 accept ANY"), 0, "from");
        assert_fails(parse_export("to AS1 accept ANY"), 7, "accept");
        let message = assert_fails(parse_import("from AS1 accept {10.0.0.0/33}"), 17, "10.0.0.0/33");
        assert!(message.contains("/32"), "{message}");
        let message = assert_fails(parse_import("from AS1 accept {300.1.2.3/8}"), 17, "300.1.2.3/8");
        assert!(message.contains("'300.1.2.3'"), "{message}");
        assert_fails(parse_import("from AS1 accept {2001:db8::/129}"), 17, "2001:db8::/129");
        assert_fails(parse_import("from AS1 accept {2001:db8:::/32}"), 17, "2001:db8:::/32");
        assert_fails(parse_import("from AS1 accept {10.0.0.0}"), 17, "10.0.0.0");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/x}"), 17, "10.0.0.0/x");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8^7}"), 17, "10.0.0.0/8^7");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8^24-16}"), 17, "10.0.0.0/8^24-16");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8^33}"), 17, "10.0.0.0/8^33");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8^x}"), 17, "10.0.0.0/8^x");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8 192.0.2.0/24}"), 28, "192.0.2.0/24");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8,}"), 28, "}");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8"), 16, "{");
        let message = assert_fails(parse_import("from AS1 accept (ANY"), 16, "(");
        assert!(message.contains("never closed"), "{message}");
        assert_fails(parse_import("from AS1 accept ANY)"), 19, ")");
        assert_fails(parse_import("from (AS1 accept ANY"), 10, "accept");
        assert_fails(parse_import("from (AS1"), 5, "(");
        let message = assert_fails(parse_import("from AS99999999999 accept ANY"), 5, "AS99999999999");
        assert!(message.contains("too large"), "{message}");
        assert_fails(parse_import("from AS1 accept AS99999999999"), 16, "AS99999999999");
        assert_fails(parse_import("from AS1 accept ANY $"), 20, "$");
        assert_fails(parse_import("from AS1 accept ANY #x"), 20, "#");
        assert_fails(parse_import("from AS1 ~ accept ANY"), 9, "~");
        let error = parse_import("from AS1 accept ANY\u{b}").expect_err("control character");
        assert_eq!((error.offset, error.token.as_str()), (19, "\u{b}"));
        assert!(error.message.contains("U+000B"), "{}", error.message);
        assert_fails(parse_import("from AS1 2001:db8::1 RTRS-FOO accept ANY"), 21, "RTRS-FOO");
        assert_fails(parse_import("from AS1 accept ÄNY"), 16, "Ä");
        assert_fails(parse_import("from AS1 accept ANY accept ANY"), 20, "accept");
        assert_fails(parse_import("from AS1 accept ANY;;"), 20, ";");
        assert_fails(parse_import("from AS1 AS2 accept ANY"), 9, "AS2");
        assert_fails(parse_import("from AS1 OR accept ANY"), 12, "accept");
        assert_fails(parse_import("from RS-FOO accept ANY"), 5, "RS-FOO");
        assert_fails(parse_import("from AS1 OR PRNG-FOO accept ANY"), 12, "PRNG-FOO");
        assert_fails(parse_import("from AS-FOO:BAR accept ANY"), 5, "AS-FOO:BAR");
        assert_fails(parse_import("from AS- accept ANY"), 5, "AS-");
        assert_fails(parse_import("from AS1:AS-FOO:RS-BAR accept ANY"), 5, "AS1:AS-FOO:RS-BAR");
        assert_fails(parse_import("from AS1 192.0.2.300 accept ANY"), 9, "192.0.2.300");
        assert_fails(parse_import("from AS1 at accept ANY"), 12, "accept");
        assert_fails(parse_import("from AS1 at AS2 accept ANY"), 12, "AS2");
        assert_fails(parse_import("protocol from AS1 accept ANY"), 9, "from");
        assert_fails(parse_import("protocol BGP4"), 13, "");
    }
}
