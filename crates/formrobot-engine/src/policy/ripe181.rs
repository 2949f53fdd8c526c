//! RIPE-181 routing policies: `as-in`, `as-out` and `default`.
//!
//! RIPE-181 predates RPSL; the APNIC-038 form still asks for it:
//!
//! ```text
//! as-in:   <aut-num> <cost> <expression>
//! as-out:  <aut-num> <expression>
//! default: <aut-num> <cost>
//! ```
//!
//! An expression combines AS numbers, AS macros (`AS-FOO`), community names
//! (`HEPNET`), `ANY` and `THIS-AS` with `AND`, `OR`, `NOT` and parentheses.
//! Two terms side by side mean `OR`. `NOT` binds tightest, then `AND`, then
//! `OR`.

use super::lexer::{Keyword, Mode, Token, TokenKind};
use super::{asn_error, classify_asn, expected, invalid_char, quote, Terms};
use super::{AsnWord, PolicyError};
use crate::grammar::{parse_digits, strip_prefix_ignore_case};

/// An `as-in` rule: which routes to accept from a neighbour, and at what cost.
///
/// The names in its expression are slices of the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsIn<'a> {
    /// The neighbouring AS.
    pub peer: u32,
    /// The preference of these routes; lower is preferred.
    pub cost: u32,
    /// Which routes to accept.
    pub expr: Expr<'a>,
}

/// An `as-out` rule: which routes to announce to a neighbour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsOut<'a> {
    /// The neighbouring AS.
    pub peer: u32,
    /// Which routes to announce.
    pub expr: Expr<'a>,
}

/// A `default` rule: send traffic with no better route to this neighbour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Default {
    /// The neighbouring AS.
    pub peer: u32,
    /// The preference among several defaults; lower is preferred.
    pub cost: u32,
}

/// A RIPE-181 routing policy expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr<'a> {
    /// Any of the operands, written with `OR` or side by side.
    Or(Vec<Expr<'a>>),
    /// All of the operands.
    And(Vec<Expr<'a>>),
    /// Everything but the operand.
    Not(Box<Expr<'a>>),
    /// The routes of one AS, `AS1103`.
    As(u32),
    /// The routes of an AS macro such as `AS-EBONE`, as written.
    AsMacro(&'a str),
    /// The routes tagged with a community such as `HEPNET`, as written.
    Community(&'a str),
    /// `ANY`: every route.
    Any,
    /// `THIS-AS`: the routes of the AS the object describes.
    ThisAs,
}

/// The words RIPE-181 policies treat as keywords.
const KEYWORDS: [&str; 5] = ["AND", "OR", "NOT", "ANY", "THIS-AS"];

/// A word of a RIPE-181 policy that is one edit away from a keyword: the
/// grammar reads it as a community name (`ANDD`, `NTO`), which is rarely what
/// the writer meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearKeyword<'a> {
    /// Byte offset of the word in the policy text.
    pub offset: usize,
    /// The word as written, a slice of the policy text.
    pub word: &'a str,
    /// The keyword it is one edit away from.
    pub keyword: &'static str,
}

/// Every word of `text` that is within one edit (or one swap of neighbours)
/// of a keyword without being one. Words with digits (AS numbers, costs,
/// prefixes) are never keywords misspelt.
pub fn near_keywords(text: &str) -> Vec<NearKeyword<'_>> {
    let is_word_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut found = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (start, is_word_char(c)) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                start = None;
                let word = &text[from..at];
                if word.bytes().any(|b| b.is_ascii_digit()) {
                    continue;
                }
                let upper = word.to_ascii_uppercase();
                if KEYWORDS.contains(&upper.as_str()) {
                    continue;
                }
                if let Some(keyword) = KEYWORDS.iter().find(|k| strsim::osa_distance(&upper, k) == 1) {
                    found.push(NearKeyword { offset: from, word, keyword });
                }
            }
            _ => {}
        }
    }
    found
}

/// Parses an `as-in` value: `<aut-num> <cost> <expression>`.
pub fn parse_as_in(text: &str) -> Result<AsIn<'_>, PolicyError> {
    let mut parser = Parser::new(text);
    let peer = parser.aut_num()?;
    let cost = parser.cost()?;
    let expr = parser.whole_expr()?;
    Ok(AsIn { peer, cost, expr })
}

/// Parses an `as-out` value: `<aut-num> <expression>`.
pub fn parse_as_out(text: &str) -> Result<AsOut<'_>, PolicyError> {
    let mut parser = Parser::new(text);
    let peer = parser.aut_num()?;
    let expr = parser.whole_expr()?;
    Ok(AsOut { peer, expr })
}

/// Parses a RIPE-181 `default` value: `<aut-num> <cost>`.
pub fn parse_default(text: &str) -> Result<Default, PolicyError> {
    let mut parser = Parser::new(text);
    let peer = parser.aut_num()?;
    let cost = parser.cost()?;
    let token = parser.cursor.peek(Mode::Plain);
    match token.kind {
        TokenKind::End => Ok(Default { peer, cost }),
        TokenKind::Invalid => Err(invalid_char(token)),
        _ => Err(PolicyError::at(
            token,
            format!(
                "unexpected {} after the cost: a default rule is only an AS number and a cost, such as 'AS1755 10'",
                quote(token.text)
            ),
        )),
    }
}

/// What an expression term may be, for "expected ..." messages.
const TERM: &str = "an AS number such as AS1103, an AS macro, a community, ANY or THIS-AS";

/// Marks the shared parser state as reading RIPE-181; the rules below are its methods.
enum Ripe181 {}

/// The parser for RIPE-181 rules, nesting on parentheses and `NOT`s.
type Parser<'a> = super::parser::Parser<'a, Ripe181>;

impl<'a> Parser<'a> {
    /// The neighbour's `AS<n>`.
    fn aut_num(&mut self) -> Result<u32, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word {
            match classify_asn(token.text) {
                AsnWord::Valid(asn) => {
                    self.cursor.bump(Mode::Plain);
                    return Ok(asn);
                }
                AsnWord::NotAsn if parse_digits(token.text).is_some() => {
                    return Err(PolicyError::at(
                        token,
                        format!("{} is not an AS number: write it as AS{}", quote(token.text), token.text),
                    ));
                }
                AsnWord::NotAsn => {}
                bad => return Err(asn_error(token, bad)),
            }
        }
        Err(expected(token, "the neighbouring AS number (such as AS1103)", None))
    }

    /// A cost: a whole number from 1 up.
    fn cost(&mut self) -> Result<u32, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        let is_number = token.kind == TokenKind::Word && token.text.bytes().all(|b| b.is_ascii_digit());
        if !is_number {
            return Err(expected(token, "a cost (a whole number such as 10)", self.cursor.prev()));
        }
        match parse_digits(token.text) {
            Some(0) => Err(PolicyError::at(token, "a cost of '0' is not allowed: the cost must be 1 or more")),
            Some(cost) => {
                self.cursor.bump(Mode::Plain);
                Ok(cost)
            }
            None => Err(PolicyError::at(
                token,
                format!("the cost {} is too large: the largest is 4294967295", quote(token.text)),
            )),
        }
    }

    /// An expression that must run to the end of the input.
    fn whole_expr(&mut self) -> Result<Expr<'a>, PolicyError> {
        let expr = self.or_expr()?;
        let token = self.cursor.peek(Mode::Plain);
        match token.kind {
            TokenKind::End => Ok(expr),
            TokenKind::Invalid => Err(invalid_char(token)),
            TokenKind::RParen => Err(PolicyError::at(token, "')' has no matching '('")),
            _ => Err(PolicyError::at(
                token,
                format!(
                    "{} is not allowed here: use AS numbers, AS macros, communities, ANY, THIS-AS, AND, OR, NOT \
                     and parentheses",
                    quote(token.text)
                ),
            )),
        }
    }

    fn or_expr(&mut self) -> Result<Expr<'a>, PolicyError> {
        let mut terms = Terms::new(self.and_expr()?);
        loop {
            let token = self.cursor.peek(Mode::Plain);
            if token.is_keyword(Keyword::Or) {
                self.cursor.bump(Mode::Plain);
            } else if !starts_term(token) {
                break;
            }
            terms.push(self.and_expr()?);
        }
        Ok(terms.join(Expr::Or))
    }

    fn and_expr(&mut self) -> Result<Expr<'a>, PolicyError> {
        let mut terms = Terms::new(self.not_expr()?);
        while self.cursor.peek(Mode::Plain).is_keyword(Keyword::And) {
            self.cursor.bump(Mode::Plain);
            terms.push(self.not_expr()?);
        }
        Ok(terms.join(Expr::And))
    }

    fn not_expr(&mut self) -> Result<Expr<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if !token.is_keyword(Keyword::Not) {
            return self.primary();
        }
        self.cursor.bump(Mode::Plain);
        let inner = self.nested(token, Self::not_expr)?;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Expr<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        match token.kind {
            TokenKind::LParen => self.parenthesized(Mode::Plain, Self::or_expr),
            TokenKind::Word => {
                let term = self.word(token)?;
                self.cursor.bump(Mode::Plain);
                Ok(term)
            }
            _ => Err(expected(token, TERM, self.cursor.prev())),
        }
    }

    /// What a word in an expression stands for.
    fn word(&self, token: Token<'a>) -> Result<Expr<'a>, PolicyError> {
        let word = token.text;
        if token.is_keyword(Keyword::Any) {
            return Ok(Expr::Any);
        }
        if token.is_keyword(Keyword::ThisAs) {
            return Ok(Expr::ThisAs);
        }
        if matches!(token.keyword, Some(Keyword::And | Keyword::Or | Keyword::Not)) {
            return Err(expected(token, TERM, self.cursor.prev()));
        }
        match classify_asn(word) {
            AsnWord::Valid(asn) => return Ok(Expr::As(asn)),
            AsnWord::NotAsn => {}
            bad => return Err(asn_error(token, bad)),
        }
        if let Some(tail) = strip_prefix_ignore_case(word, "AS-") {
            return if is_name_tail(tail) {
                Ok(Expr::AsMacro(word))
            } else {
                Err(PolicyError::at(
                    token,
                    format!(
                        "{} is not a valid AS macro name: after 'AS-' use letters, digits, '-' or '_'",
                        quote(word)
                    ),
                ))
            };
        }
        if super::is_identifier(word) {
            return Ok(Expr::Community(word));
        }
        Err(PolicyError::at(token, format!("{} is not an AS number, AS macro (AS-...) or community name", quote(word))))
    }
}

/// Whether `token` can begin a term, making it an implicit `OR` after another term.
fn starts_term(token: Token<'_>) -> bool {
    match token.kind {
        TokenKind::LParen => true,
        TokenKind::Word => !token.is_keyword(Keyword::And) && !token.is_keyword(Keyword::Or),
        _ => false,
    }
}

/// Whether `tail` is a non-empty run of letters, digits, `-` and `_`.
fn is_name_tail(tail: &str) -> bool {
    !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::test_support::assert_fails;

    fn or(items: Vec<Expr<'_>>) -> Expr<'_> {
        Expr::Or(items)
    }

    fn and(items: Vec<Expr<'_>>) -> Expr<'_> {
        Expr::And(items)
    }

    fn not(inner: Expr<'_>) -> Expr<'_> {
        Expr::Not(Box::new(inner))
    }

    fn com(name: &str) -> Expr<'_> {
        Expr::Community(name)
    }

    fn as_in(text: &str) -> AsIn<'_> {
        parse_as_in(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    #[test]
    fn words_one_edit_from_a_keyword_are_found() {
        let found = near_keywords("AS1 100 ANDD NOT AS2 OR NTO AS3 THIS_AS HEPNET and");
        let words: Vec<(usize, &str, &str)> = found.iter().map(|n| (n.offset, n.word, n.keyword)).collect();
        assert_eq!(words, [(8, "ANDD", "AND"), (24, "NTO", "NOT"), (32, "THIS_AS", "THIS-AS")]);
        assert!(near_keywords("AS1 100 AS2 AND NOT AS3 OR ANY").is_empty());
    }

    #[test]
    fn form_examples_parse() {
        assert_eq!(as_in("AS1103 100 AS1103"), AsIn { peer: 1103, cost: 100, expr: Expr::As(1103) });
        assert_eq!(
            as_in("AS786  10  AS786 HEPNET"),
            AsIn { peer: 786, cost: 10, expr: or(vec![Expr::As(786), com("HEPNET")]) }
        );
        assert_eq!(as_in("AS1755 110 AS1103 AS786").expr, or(vec![Expr::As(1103), Expr::As(786)]));
        assert_eq!(as_in("AS1103 10 ANY").expr, Expr::Any);
        assert_eq!(
            as_in("AS1755 100 AS102 AND NOT (AS1234 OR AS513)").expr,
            and(vec![Expr::As(102), not(or(vec![Expr::As(1234), Expr::As(513)]))])
        );
        assert_eq!(as_in("AS1755 150 ANY AND NOT AS1234").expr, and(vec![Expr::Any, not(Expr::As(1234))]));
        assert_eq!(
            as_in("AS1755 100 AS102 AND NOT (AS1234 AS513)").expr,
            and(vec![Expr::As(102), not(or(vec![Expr::As(1234), Expr::As(513)]))])
        );
        assert_eq!(
            parse_as_out("AS786 AS701 AND NOT (AS978 AS65535)"),
            Ok(AsOut { peer: 786, expr: and(vec![Expr::As(701), not(or(vec![Expr::As(978), Expr::As(65535)]))]) })
        );
        assert_eq!(parse_as_out("AS1 THIS-AS"), Ok(AsOut { peer: 1, expr: Expr::ThisAs }));
        assert_eq!(parse_default("AS1755 10"), Ok(Default { peer: 1755, cost: 10 }));
        assert_eq!(parse_default("AS786  5"), Ok(Default { peer: 786, cost: 5 }));
    }

    #[test]
    fn precedence_and_case() {
        // NOT > AND > OR, and juxtaposition is OR.
        assert_eq!(
            as_in("AS1 1 AS2 AS3 and not AS4 or as-ebone").expr,
            or(vec![Expr::As(2), and(vec![Expr::As(3), not(Expr::As(4))]), Expr::AsMacro("as-ebone")])
        );
        assert_eq!(as_in("as1 1 any").expr, Expr::Any);
        assert_eq!(as_in("AS1 1 this-as").expr, Expr::ThisAs);
        assert_eq!(as_in("AS1 1 NOT NOT ANY").expr, not(not(Expr::Any)));
        assert_eq!(as_in("AS1 1 (AS2)").expr, Expr::As(2));
        assert_eq!(
            as_in("AS1 1 CERN_NET ((AS2 OR AS3))").expr,
            or(vec![com("CERN_NET"), or(vec![Expr::As(2), Expr::As(3)])])
        );
        assert_eq!(as_in("AS4294967295 4294967295 AS0").peer, u32::MAX);
    }

    #[test]
    fn bad_expressions_fail_at_the_right_token() {
        // Empty expression.
        let message = assert_fails(parse_as_in("AS1 10"), 6, "");
        assert!(message.contains("after '10'"), "{message}");
        assert_fails(parse_as_out("AS1"), 3, "");
        assert_fails(parse_as_in("AS1 10 ANY AND"), 14, "");
        assert_fails(parse_as_in("AS1 10 AND ANY"), 7, "AND");
        assert_fails(parse_as_in("AS1 10 AS2 OR OR AS3"), 14, "OR");
        // Unclosed: points at the '('.
        let message = assert_fails(parse_as_in("AS1 10 AS2 AND (AS3 OR AS4"), 15, "(");
        assert!(message.contains("never closed"), "{message}");
        assert_fails(parse_as_in("AS1 10 (AS2 ;"), 12, ";");
        let message = assert_fails(parse_as_in("AS1 10 AS2)"), 10, ")");
        assert!(message.contains("no matching"), "{message}");
        assert_fails(parse_as_in("AS1 10 ()"), 8, ")");
        assert_fails(parse_as_in("AS1 10 ANY !"), 11, "!");
        assert_fails(parse_as_in("AS1 10 ANY;"), 10, ";");
        assert_fails(parse_as_in("AS1 10 {ANY}"), 7, "{");
        assert_fails(parse_as_in("AS1 10 AS12x"), 7, "AS12x");
        assert_fails(parse_as_in("AS1 10 AS"), 7, "AS");
        assert_fails(parse_as_in("AS1 10 AS-"), 7, "AS-");
        assert_fails(parse_as_in("AS1 10 AS-FOO:BAR"), 7, "AS-FOO:BAR");
        assert_fails(parse_as_in("AS1 10 10.0.0.0/8"), 7, "10.0.0.0/8");
        assert_fails(parse_as_in("AS1 10 AS4294967296"), 7, "AS4294967296");
        let message = assert_fails(parse_as_in("AS1 10 ANY é"), 11, "é");
        assert!(message.contains("U+00E9"), "{message}");
        let error = parse_as_in("AS1 10 ANY\u{1}").expect_err("control");
        assert_eq!((error.offset, error.token.as_str()), (10, "\u{1}"));
        assert!(error.message.contains("U+0001"), "{}", error.message);
    }

    #[test]
    fn bad_aut_num_and_cost() {
        assert_fails(parse_as_in("AS1 0 ANY"), 4, "0");
        let message = assert_fails(parse_as_in("AS1 ten ANY"), 4, "ten");
        assert!(message.contains("after 'AS1'"), "{message}");
        let message = assert_fails(parse_as_in("1103 10 ANY"), 0, "1103");
        assert!(message.contains("AS1103"), "{message}");
        assert_fails(parse_as_in("AS 10 ANY"), 0, "AS");
        assert_fails(parse_as_in("AS12x 10 ANY"), 0, "AS12x");
        assert_fails(parse_as_in("AS4294967296 10 ANY"), 0, "AS4294967296");
        assert_fails(parse_as_in("AS1 4294967296 ANY"), 4, "4294967296");
        assert_fails(parse_as_in("AS1 -1 ANY"), 4, "-1");
        assert_fails(parse_as_in("ANY 10 ANY"), 0, "ANY");
        assert_fails(parse_as_in(""), 0, "");
        assert_fails(parse_as_in("   "), 3, "");
        assert_fails(parse_default("AS1"), 3, "");
        assert_fails(parse_default("AS1 0"), 4, "0");
        let message = assert_fails(parse_default("AS1755 10 AS1"), 10, "AS1");
        assert!(message.contains("after the cost"), "{message}");
        assert_fails(parse_default("AS1755 10;"), 9, ";");
        assert_fails(parse_as_out("AS1 10 ANY"), 4, "10");
    }
}
