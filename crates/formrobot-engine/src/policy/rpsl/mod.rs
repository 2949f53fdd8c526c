//! RPSL routing policies (RFC 2622, section 6): `import`, `export` and
//! `default`, and their RPSLng forms (RFC 4012) `mp-import`, `mp-export` and
//! `mp-default`.
//!
//! ```text
//! import:     [protocol <p1>] [into <p2>] <expression>
//! export:     [protocol <p1>] [into <p2>] <expression>
//! default:    to <peering> [action <action>] [networks <filter>]
//! mp-import:  [protocol <p1>] [into <p2>] [afi <afi-list>] <expression>
//! mp-export:  [protocol <p1>] [into <p2>] [afi <afi-list>] <expression>
//! mp-default: [afi <afi-list>] to <peering> [action <action>] [networks <filter>]
//!
//! <expression> ::= <term>
//!                | <term> EXCEPT [afi <afi-list>] <expression>
//!                | <term> REFINE [afi <afi-list>] <expression>
//! <term>       ::= <factor> | { <factor> ; ... <factor> [;] }
//! <factor>     ::= from <peering> [action <action>] ... accept <filter>  (import)
//!                | to <peering> [action <action>] ... announce <filter>  (export)
//! ```
//!
//! A peering is an AS expression (AS numbers and as-sets joined by `AND`,
//! `OR` and `EXCEPT`), optionally narrowed to a router of the peer and `at` a
//! router of our own (IPv4 or IPv6), or a peering-set name. Actions are items
//! each ending in `;`. Filters combine `ANY`, AS numbers, sets, IPv4 and IPv6
//! prefix lists with range operators and AS-path expressions with `AND`, `OR`,
//! `NOT`; two terms side by side mean `OR`.
//!
//! The structured forms (section 6.6 of RFC 2622: `{ ... }` blocks, `REFINE`
//! and `EXCEPT` between terms) are read for both the plain and the `mp-`
//! attributes; each `REFINE`, `EXCEPT` and block counts against the nesting
//! limit. The address family list (`afi ipv6.unicast, ipv4`) belongs to the
//! `mp-` attributes only: a plain `import` is about IPv4 unicast and saying
//! `afi` there is an error that names the `mp-` attribute to use.
//!
//! The RIPE request forms write the AS being requested as `NEW` (or `NEW1`,
//! `ASNEW`, ...), since it has no number yet; filters accept that placeholder.
//!
//! This module holds the rules themselves; the parts of a rule are parsed in
//! `afi` (address family lists), `peering` (AS expressions, routers), `action`
//! (action items and values), `filter` (filters, prefixes, range operators)
//! and `set` (set names, which peerings and filters share). The parser state
//! is the one RIPE-181 uses too, from `policy::parser`.

mod action;
mod afi;
mod filter;
mod peering;
pub(crate) use peering::Neighbour;
mod set;

pub use crate::grammar::range::RangeOp;
pub use action::{ActionItem, Operator, Value};
pub use afi::{Afi, AfiList, Cast, Family};
pub use filter::{Filter, Prefix};
pub use peering::{AsExpr, Peering, Router};

use super::lexer::{Keyword, Mode, Token, TokenKind};
use super::parser::never_closed;
use super::PolicyError;
use super::{classify_asn, expected, invalid_char, is_identifier, quote, AsnWord};
use set::{set_kind, SetKind, SetName};

/// An `import`, `export`, `mp-import` or `mp-export` rule.
///
/// The rule borrows its words from the text it was parsed from (`'a`): it is
/// read for its neighbours and dropped straight away, so copying each word
/// out of the text would only cost allocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule<'a> {
    /// The protocol routes are learnt or announced by (`protocol BGP4`), if given.
    pub protocol: Option<&'a str>,
    /// The protocol routes are imported into or taken from (`into OSPF`), if given.
    pub into: Option<&'a str>,
    /// The address families of an `mp-` rule (`afi ipv6.unicast`); empty when
    /// not given, which for an `mp-` rule means every family.
    pub afi: AfiList,
    /// The policy expression: one factor, a block of them, or terms joined
    /// by `REFINE` and `EXCEPT`.
    pub expression: Expression<'a>,
}

/// An `import` (or `mp-import`) rule.
pub type Import<'a> = Rule<'a>;

/// An `export` (or `mp-export`) rule.
pub type Export<'a> = Rule<'a>;

impl<'a> Rule<'a> {
    /// Every factor of the expression, in order of appearance.
    pub fn factors(&self) -> Vec<&Factor<'a>> {
        let mut factors = Vec::new();
        self.expression.collect_factors(&mut factors);
        factors
    }

    /// The AS numbers and as-set names of every peering in the rule, in order
    /// of appearance, repeats included (see [`Peering::neighbours`]).
    pub fn neighbours(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.visit_neighbours(&mut |neighbour| names.push(neighbour.name()));
        names
    }

    /// Calls `visit` with each neighbour [`Rule::neighbours`] names, in order.
    pub(crate) fn visit_neighbours<'s>(&'s self, visit: &mut impl FnMut(Neighbour<'s>)) {
        self.expression.visit_factors(&mut |factor| {
            for peering in &factor.peerings {
                peering.peering.visit_neighbours(visit);
            }
        });
    }
}

/// A policy expression (RFC 2622 section 6.6, RFC 4012 section 2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression<'a> {
    /// A single term.
    Term(Term<'a>),
    /// `<term> EXCEPT [afi ...] <expression>`: the term, with the routes the
    /// rest matches treated as the rest says.
    Except {
        /// The term before `EXCEPT`.
        term: Term<'a>,
        /// The address families after `EXCEPT` (`mp-` rules only); empty if not given.
        afi: AfiList,
        /// The expression after `EXCEPT`.
        rest: Box<Expression<'a>>,
    },
    /// `<term> REFINE [afi ...] <expression>`: the rest narrows what the term allows.
    Refine {
        /// The term before `REFINE`.
        term: Term<'a>,
        /// The address families after `REFINE` (`mp-` rules only); empty if not given.
        afi: AfiList,
        /// The expression after `REFINE`.
        rest: Box<Expression<'a>>,
    },
}

impl<'a> Expression<'a> {
    fn visit_factors<'s>(&'s self, visit: &mut impl FnMut(&'s Factor<'a>)) {
        let (term, rest) = match self {
            Expression::Term(term) => (term, None),
            Expression::Except { term, rest, .. } | Expression::Refine { term, rest, .. } => (term, Some(rest)),
        };
        match term {
            Term::Factor(factor) => visit(factor),
            Term::Block(block) => block.iter().for_each(&mut *visit),
        }
        if let Some(rest) = rest {
            rest.visit_factors(visit);
        }
    }

    fn collect_factors<'s>(&'s self, factors: &mut Vec<&'s Factor<'a>>) {
        let (term, rest) = match self {
            Expression::Term(term) => (term, None),
            Expression::Except { term, rest, .. } | Expression::Refine { term, rest, .. } => (term, Some(rest)),
        };
        match term {
            Term::Factor(factor) => factors.push(factor),
            Term::Block(block) => factors.extend(block.iter()),
        }
        if let Some(rest) = rest {
            rest.collect_factors(factors);
        }
    }
}

/// A term of a policy expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term<'a> {
    /// One factor, unbraced.
    Factor(Factor<'a>),
    /// `{ <factor>; <factor>; ... }`: several factors, read in order.
    Block(Vec<Factor<'a>>),
}

/// One factor: `from`/`to` clauses and the `accept`/`announce` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor<'a> {
    /// One entry per `from`/`to` clause, in order.
    pub peerings: Vec<PeeringAction<'a>>,
    /// The `accept`/`announce` filter.
    pub filter: Filter<'a>,
}

/// A `default` or `mp-default` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Default<'a> {
    /// The address families of an `mp-default` (`afi ipv6`); empty if not given.
    pub afi: AfiList,
    /// The `to` clause and its actions.
    pub peering: PeeringAction<'a>,
    /// The `networks` filter, if given.
    pub networks: Option<Filter<'a>>,
}

/// One `from`/`to` clause: whom, and what to do to their routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringAction<'a> {
    /// The neighbours.
    pub peering: Peering<'a>,
    /// The `action` items, empty if there is no `action`.
    pub actions: Vec<ActionItem<'a>>,
}

/// Whether a rule is RPSL's own or RPSLng's `mp-` form, which alone takes `afi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Plain,
    Mp,
}

/// Parses an `import` value.
pub fn parse_import(text: &str) -> Result<Import<'_>, PolicyError> {
    Parser::new(text).rule(&IMPORT, Flavour::Plain)
}

/// Parses an `export` value.
pub fn parse_export(text: &str) -> Result<Export<'_>, PolicyError> {
    Parser::new(text).rule(&EXPORT, Flavour::Plain)
}

/// Parses an `mp-import` value (RFC 4012).
pub fn parse_mp_import(text: &str) -> Result<Import<'_>, PolicyError> {
    Parser::new(text).rule(&MP_IMPORT, Flavour::Mp)
}

/// Parses an `mp-export` value (RFC 4012).
pub fn parse_mp_export(text: &str) -> Result<Export<'_>, PolicyError> {
    Parser::new(text).rule(&MP_EXPORT, Flavour::Mp)
}

/// Parses an RPSL `default` value.
pub fn parse_default(text: &str) -> Result<Default<'_>, PolicyError> {
    Parser::new(text).default_rule(Flavour::Plain)
}

/// Parses an `mp-default` value (RFC 4012).
pub fn parse_mp_default(text: &str) -> Result<Default<'_>, PolicyError> {
    Parser::new(text).default_rule(Flavour::Mp)
}

/// The keywords of one rule type, for its clause loop and its error messages.
struct RuleWords {
    rule: &'static str,
    /// The attribute's name, for "'afi' belongs in ..." messages.
    attribute: &'static str,
    clause: Keyword,
    filter: Keyword,
    /// The other direction's keywords, a common mix-up worth its own message.
    wrong_clause: Keyword,
    wrong_filter: Keyword,
}

const IMPORT: RuleWords = RuleWords {
    rule: "an import",
    attribute: "import",
    clause: Keyword::From,
    filter: Keyword::Accept,
    wrong_clause: Keyword::To,
    wrong_filter: Keyword::Announce,
};

const EXPORT: RuleWords = RuleWords {
    rule: "an export",
    attribute: "export",
    clause: Keyword::To,
    filter: Keyword::Announce,
    wrong_clause: Keyword::From,
    wrong_filter: Keyword::Accept,
};

const MP_IMPORT: RuleWords = RuleWords { rule: "an mp-import", attribute: "mp-import", ..IMPORT };

const MP_EXPORT: RuleWords = RuleWords { rule: "an mp-export", attribute: "mp-export", ..EXPORT };

/// Whether `token` is a word RPSL reserves ([`Keyword::is_reserved`]), which
/// therefore never stands for an attribute, a value, a router or (bar `NOT`)
/// a filter term.
fn is_reserved(token: Token<'_>) -> bool {
    token.keyword.is_some_and(Keyword::is_reserved)
}

/// Marks the shared parser state as reading RPSL; the rules here and in the
/// submodules are its methods.
enum Rpsl {}

/// The parser for RPSL rules, nesting on parentheses, `NOT`s and `EXCEPT`s.
type Parser<'a> = super::parser::Parser<'a, Rpsl>;

impl<'a> Parser<'a> {
    /// A whole `import`/`export` rule, plain or `mp-`, through the end of the input.
    fn rule(&mut self, words: &RuleWords, flavour: Flavour) -> Result<Rule<'a>, PolicyError> {
        let (protocol, into) = self.protocols()?;
        let afi = self.afi_clause(flavour, words.attribute)?;
        let expression = self.expression(words, flavour)?;
        self.finish("filter")?;
        Ok(Rule { protocol, into, afi, expression })
    }

    /// A policy expression: a term, optionally followed by `REFINE` or
    /// `EXCEPT`, an optional `afi` list (`mp-` rules) and another expression.
    fn expression(&mut self, words: &RuleWords, flavour: Flavour) -> Result<Expression<'a>, PolicyError> {
        let term = self.term(words)?;
        let token = self.cursor.peek(Mode::Filter);
        let refine = token.is_keyword(Keyword::Refine);
        if !refine && !token.is_keyword(Keyword::Except) {
            return Ok(Expression::Term(term));
        }
        self.cursor.bump(Mode::Filter);
        let (afi, rest) = self.nested(token, |parser| {
            let afi = parser.afi_clause(flavour, words.attribute)?;
            let rest = parser.expression(words, flavour)?;
            Ok((afi, Box::new(rest)))
        })?;
        Ok(if refine { Expression::Refine { term, afi, rest } } else { Expression::Except { term, afi, rest } })
    }

    /// A term: one factor, or a braced block of factors each ending in `;`
    /// (the last one's `;` may be left out).
    fn term(&mut self, words: &RuleWords) -> Result<Term<'a>, PolicyError> {
        let open = self.cursor.peek(Mode::Plain);
        if open.kind != TokenKind::LBrace {
            return Ok(Term::Factor(self.factor(words)?));
        }
        self.cursor.bump(Mode::Plain);
        self.nested(open, |parser| {
            let mut factors = Vec::new();
            loop {
                let token = parser.cursor.peek(Mode::Plain);
                match token.kind {
                    TokenKind::RBrace if !factors.is_empty() => {
                        parser.cursor.bump(Mode::Plain);
                        return Ok(Term::Block(factors));
                    }
                    TokenKind::RBrace => {
                        let what = format!("'{}' and the neighbouring AS inside the braces", words.clause);
                        return Err(expected(token, &what, parser.cursor.prev()));
                    }
                    TokenKind::End => return Err(never_closed(open, "}")),
                    _ => {}
                }
                factors.push(parser.factor(words)?);
                let token = parser.cursor.peek(Mode::Filter);
                match token.kind {
                    TokenKind::Semicolon => {
                        parser.cursor.bump(Mode::Filter);
                    }
                    TokenKind::RBrace => {}
                    TokenKind::End => return Err(never_closed(open, "}")),
                    _ => {
                        let what = format!("';' or '}}' after the {} filter", words.filter);
                        return Err(expected(token, &what, parser.cursor.prev()));
                    }
                }
            }
        })
    }

    /// A factor: the `from`/`to` clauses and the filter.
    fn factor(&mut self, words: &RuleWords) -> Result<Factor<'a>, PolicyError> {
        let peerings = self.clauses(words)?;
        let filter = self.filter()?;
        Ok(Factor { peerings, filter })
    }

    /// A whole `default` or `mp-default` rule, through the end of the input.
    fn default_rule(&mut self, flavour: Flavour) -> Result<Default<'a>, PolicyError> {
        let attribute = match flavour {
            Flavour::Plain => "default",
            Flavour::Mp => "mp-default",
        };
        let afi = self.afi_clause(flavour, attribute)?;
        let token = self.cursor.peek(Mode::Plain);
        if token.is_keyword(Keyword::From) {
            return Err(PolicyError::at(token, "a default rule starts with 'to', not 'from', such as 'to AS1103'"));
        }
        if !token.is_keyword(Keyword::To) {
            return Err(expected(token, "'to' and the neighbouring AS (such as 'to AS1103')", self.cursor.prev()));
        }
        self.cursor.bump(Mode::Plain);
        let peering = self.peering_action()?;
        let next = self.cursor.peek(Mode::Plain);
        if next.is_keyword(Keyword::Networks) {
            self.cursor.bump(Mode::Plain);
            let networks = self.filter()?;
            self.finish("filter")?;
            return Ok(Default { afi, peering, networks: Some(networks) });
        }
        if !matches!(next.kind, TokenKind::End | TokenKind::Semicolon) {
            return Err(self.after_peering(next, "'action', 'networks' or the end of the rule"));
        }
        self.finish("peering")?;
        Ok(Default { afi, peering, networks: None })
    }

    /// The optional `protocol <p1>` and `into <p2>`.
    fn protocols(&mut self) -> Result<(Option<&'a str>, Option<&'a str>), PolicyError> {
        let mut protocol = None;
        let mut into = None;
        if self.cursor.peek(Mode::Plain).is_keyword(Keyword::Protocol) {
            protocol = Some(self.protocol_name()?);
        }
        if self.cursor.peek(Mode::Plain).is_keyword(Keyword::Into) {
            into = Some(self.protocol_name()?);
        }
        Ok((protocol, into))
    }

    /// The name after `protocol` or `into`, which is the next token.
    fn protocol_name(&mut self) -> Result<&'a str, PolicyError> {
        let keyword = self.cursor.bump(Mode::Plain);
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && !is_reserved(token) && is_identifier(token.text) {
            self.cursor.bump(Mode::Plain);
            return Ok(token.text);
        }
        Err(expected(token, "a protocol name such as BGP4 or OSPF", Some(keyword)))
    }

    /// One or more `from`/`to` clauses, through the `accept`/`announce`.
    fn clauses(&mut self, words: &RuleWords) -> Result<Vec<PeeringAction<'a>>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.is_keyword(words.wrong_clause) || token.is_keyword(words.wrong_filter) {
            return Err(wrong_direction(token, words));
        }
        if !token.is_keyword(words.clause) {
            let what = format!("'{}' and the neighbouring AS (such as '{} AS1103')", words.clause, words.clause);
            return Err(expected(token, &what, self.cursor.prev()));
        }
        // Nearly every rule has one peering: room for it at once, without growing.
        let mut peerings = Vec::with_capacity(1);
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
    fn peering_action(&mut self) -> Result<PeeringAction<'a>, PolicyError> {
        let peering = self.peering()?;
        let actions =
            if self.cursor.peek(Mode::Plain).is_keyword(Keyword::Action) { self.actions()? } else { Vec::new() };
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

    #[test]
    fn reserved_words_are_found_in_either_case_and_only_they() {
        // RFC 2622's reserved words in policies, as written there.
        const RESERVED: [&str; 14] = [
            "from", "to", "accept", "announce", "action", "networks", "protocol", "into", "at", "and", "or", "not",
            "except", "refine",
        ];
        fn word(text: &str) -> Token<'_> {
            Token::new(TokenKind::Word, text, 0)
        }
        for reserved in RESERVED {
            let upper = reserved.to_ascii_uppercase();
            assert!(is_reserved(word(reserved)), "{reserved}");
            assert!(is_reserved(word(&upper)), "{upper}");
        }
        for other in ["AS1", "ANY", "AS-FOO", "announces", "t", "", "fromage", "PeerAS", "action1", "afi", "THIS-AS"] {
            assert!(!is_reserved(word(other)), "{other}");
        }
        assert!(!is_reserved(Token::new(TokenKind::Invalid, "from", 0)));
    }

    /// An unstructured rule: one factor, no `REFINE`, `EXCEPT` or block.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Simple<'a> {
        pub(super) protocol: Option<&'a str>,
        pub(super) into: Option<&'a str>,
        pub(super) peerings: Vec<PeeringAction<'a>>,
        pub(super) filter: Filter<'a>,
    }

    fn simple<'a>(text: &str, rule: Result<Rule<'a>, PolicyError>) -> Simple<'a> {
        let rule = rule.unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        match rule.expression {
            Expression::Term(Term::Factor(Factor { peerings, filter })) => {
                Simple { protocol: rule.protocol, into: rule.into, peerings, filter }
            }
            other => panic!("{text:?} is structured: {other:?}"),
        }
    }

    pub(super) fn import(text: &str) -> Simple<'_> {
        simple(text, parse_import(text))
    }

    pub(super) fn export(text: &str) -> Simple<'_> {
        simple(text, parse_export(text))
    }

    pub(super) fn factor<'a>(peerings: Vec<PeeringAction<'a>>, filter: Filter<'a>) -> Factor<'a> {
        Factor { peerings, filter }
    }

    pub(super) fn remote(as_expr: AsExpr<'_>) -> Peering<'_> {
        Peering::Remote { as_expr, peer_router: None, local_router: None }
    }

    pub(super) fn peer(asn: u32, actions: Vec<ActionItem<'_>>) -> PeeringAction<'_> {
        PeeringAction { peering: remote(AsExpr::As(asn)), actions }
    }

    pub(super) fn assign<'a>(attribute: &'a str, op: Operator, value: Value<'a>) -> ActionItem<'a> {
        ActionItem::Assign { attribute, op, value }
    }

    pub(super) fn call<'a>(attribute: &'a str, method: &'a str, args: Vec<Value<'a>>) -> ActionItem<'a> {
        ActionItem::Call { attribute, method, args }
    }

    pub(super) fn as_filter(asn: u32) -> Filter<'static> {
        Filter::As { asn, range: None }
    }

    pub(super) fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn ripe228_form_examples_parse() {
        assert_eq!(
            import("from AS1234 action pref=120; accept ANY"),
            Simple {
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
            Simple {
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
    fn structured_policies() {
        // RFC 2622 section 6.6: a block, refined by a single factor.
        let rule = parse_import(
            "{ from AS-ANY action pref=1; accept community(3560:10); from AS-ANY accept ANY; } \
             refine from AS1 accept AS1",
        )
        .expect("block refine");
        let Expression::Refine { term: Term::Block(block), afi, rest } = &rule.expression else {
            panic!("not a refine of a block: {rule:?}");
        };
        assert_eq!((block.len(), afi.len()), (2, 0));
        assert_eq!(**rest, Expression::Term(Term::Factor(factor(vec![peer(1, vec![])], as_filter(1)))));
        assert_eq!(rule.neighbours(), ["AS-ANY", "AS-ANY", "AS1"]);
        // The issue's example: refine with an action only in the inner factor.
        let rule = parse_import("from AS1 accept ANY refine { from AS1 action pref=1; accept {192.0.2.0/24} }")
            .expect("refine block");
        assert!(matches!(rule.expression, Expression::Refine { term: Term::Factor(_), .. }));
        // EXCEPT and REFINE chain to the right, case-insensitively.
        let rule = export("to AS1 announce ANY").filter;
        assert_eq!(rule, Filter::Any);
        let rule = parse_export("to AS1 announce ANY EXCEPT to AS2 announce AS2 Refine { to AS3 announce NEW }")
            .expect("chain");
        let Expression::Except { rest, .. } = &rule.expression else { panic!("not an except: {rule:?}") };
        assert!(matches!(**rest, Expression::Refine { term: Term::Factor(_), .. }));
        assert_eq!(rule.factors().len(), 3);
        // The last `;` of a block may be left out; a trailing `;` after the rule is fine.
        assert!(parse_import("{ from AS1 accept ANY }").is_ok());
        assert!(parse_import("{ from AS1 accept ANY; };").is_ok());
        // afi after REFINE/EXCEPT in mp- rules.
        let rule =
            parse_mp_import("afi ipv6 from AS1 accept ANY refine afi ipv6.unicast from AS1 accept {2001:db8::/32^+}")
                .expect("mp refine");
        let Expression::Refine { afi, .. } = &rule.expression else { panic!("not a refine: {rule:?}") };
        assert_eq!(afi.len(), 1);
    }

    #[test]
    fn structured_policy_errors_point_at_the_culprit() {
        assert_fails(parse_import("{ }"), 2, "}");
        let message = assert_fails(parse_import("{ from AS1 accept ANY;"), 0, "{");
        assert!(message.contains("never closed"), "{message}");
        assert_fails(parse_import("{ from AS1 accept ANY"), 0, "{");
        assert_fails(parse_import("{"), 0, "{");
        let message = assert_fails(parse_import("{ from AS1 accept ANY from AS2 accept ANY }"), 22, "from");
        assert!(message.contains("';' or '}'"), "{message}");
        assert_fails(parse_import("{ from AS1 accept ANY; to AS2 announce ANY; }"), 23, "to");
        assert_fails(parse_import("from AS1 accept ANY refine"), 26, "");
        assert_fails(parse_import("from AS1 accept ANY except accept ANY"), 27, "accept");
        assert_fails(parse_import("from AS1 accept ANY refine afi ipv6 from AS1 accept ANY"), 27, "afi");
        assert_fails(parse_mp_import("from AS1 accept ANY refine afi ipv7 from AS1 accept ANY"), 31, "ipv7");
        assert_fails(parse_import("{ from AS1 accept ANY; } }"), 25, "}");
        assert_fails(parse_import("from AS1 accept ANY; refine from AS1 accept ANY"), 21, "refine");
        // Nesting: each REFINE counts against the limit, and so does each block.
        let chain = vec!["from AS1 accept ANY"; crate::policy::MAX_DEPTH + 2].join(" refine ");
        let error = parse_import(&chain).expect_err("too deep");
        assert!(error.message.contains("nested too deeply"), "{}", error.message);
        assert_eq!(error.token, "refine");
        // A block holds factors, not other blocks.
        assert_fails(parse_import("{ { from AS1 accept ANY } }"), 2, "{");
    }

    #[test]
    fn mp_rules_take_ipv6() {
        let rule = parse_mp_import(
            "afi ipv6.unicast from AS64497 2001:db8::1 at 2001:db8::2 accept {2001:db8::/32^48-64, 2001:db8:1::/48^+}",
        )
        .expect("ipv6");
        let Expression::Term(Term::Factor(Factor { filter: Filter::Prefixes { prefixes, .. }, .. })) = &rule.expression
        else {
            panic!("not a prefix list: {rule:?}");
        };
        assert_eq!(prefixes.len(), 2);
        assert_eq!(prefixes[0].len, 32);
        assert_eq!(prefixes[0].range, Some(RangeOp::Range(48, 64)));
        assert!(parse_mp_export("afi ipv6 to AS64497 announce {2001:db8::/32}^- AND NOT {2001:db8::/48}").is_ok());
        assert_fails(parse_mp_import("afi ipv6 from AS1 accept {2001:db8::/32^129}"), 26, "2001:db8::/32^129");
        assert_fails(parse_mp_import("afi ipv6 from AS1 accept {2001:db8::/32^64-48}"), 26, "2001:db8::/32^64-48");
        assert_fails(parse_mp_import("afi ipv6 from AS1 accept {2001:db8::g/32}"), 26, "2001:db8::g/32");
        assert_fails(parse_mp_import("afi ipv6 from AS1 2001:db8::1::2 accept ANY"), 18, "2001:db8::1::2");
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse_default("to AS1234 action pref=100; networks ANY"),
            Ok(Default {
                afi: AfiList::new(),
                peering: peer(1234, vec![assign("pref", Operator::Assign, Value::Number(100))]),
                networks: Some(Filter::Any),
            })
        );
        assert_eq!(
            parse_default("to AS1"),
            Ok(Default { afi: AfiList::new(), peering: peer(1, vec![]), networks: None })
        );
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
