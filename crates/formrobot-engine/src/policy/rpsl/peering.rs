//! Peerings (RFC 2622, section 5.6): AS expressions, and the routers that
//! narrow them, or a peering-set name.

use std::net::IpAddr;

use super::set::{set_kind, SetKind, SetName};
use super::{is_reserved, Parser};
use crate::grammar::asn::as_name;
use crate::policy::lexer::{Keyword, Mode, Token, TokenKind};
use crate::policy::{asn_error, classify_asn, expected, quote, Terms};
use crate::policy::{AsnWord, PolicyError};

/// The neighbours a clause talks to; the names in it are slices of the policy text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peering<'a> {
    /// An AS expression, optionally narrowed to particular routers.
    Remote {
        /// Which ASes.
        as_expr: AsExpr<'a>,
        /// The peer's router (`from AS1 192.0.2.1`), if given.
        peer_router: Option<Router<'a>>,
        /// Our own router (`at 192.0.2.2`), if given.
        local_router: Option<Router<'a>>,
    },
    /// A peering-set such as `PRNG-FOO` or `AS1:PRNG-FOO`, as written.
    Set(&'a str),
}

impl Peering<'_> {
    /// The AS numbers (`AS1234`) and as-set names (upper case) this peering
    /// names, in order of appearance, repeats included. A peering-set names
    /// none directly.
    pub fn neighbours(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.visit_neighbours(&mut |neighbour| names.push(neighbour.name()));
        names
    }

    /// Calls `visit` with each neighbour [`Peering::neighbours`] names, without writing its name.
    pub(crate) fn visit_neighbours<'s>(&'s self, visit: &mut impl FnMut(Neighbour<'s>)) {
        if let Peering::Remote { as_expr, .. } = self {
            as_expr.visit(visit);
        }
    }
}

/// A neighbour as a peering names it, before it is written out as text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Neighbour<'a> {
    /// An AS number.
    As(u32),
    /// An as-set, as written (any case).
    Set(&'a str),
    /// `AS-ANY`.
    Any,
}

impl Neighbour<'_> {
    /// The neighbour as [`Peering::neighbours`] spells it: `AS1234`, an as-set in upper case, or `AS-ANY`.
    pub(crate) fn name(self) -> String {
        match self {
            Neighbour::As(asn) => as_name(asn),
            Neighbour::Set(name) => name.to_ascii_uppercase(),
            Neighbour::Any => "AS-ANY".to_owned(),
        }
    }

    /// Whether the two are spelt the same by [`Neighbour::name`].
    pub(crate) fn same(self, other: Neighbour<'_>) -> bool {
        match (self, other) {
            (Neighbour::As(a), Neighbour::As(b)) => a == b,
            (Neighbour::Set(a), Neighbour::Set(b)) => a.eq_ignore_ascii_case(b),
            (Neighbour::Any, Neighbour::Any) => true,
            // An as-set is never spelt `AS<digits>`, but may be spelt `AS-ANY`.
            (Neighbour::Set(set), Neighbour::Any) | (Neighbour::Any, Neighbour::Set(set)) => {
                set.eq_ignore_ascii_case("AS-ANY")
            }
            (Neighbour::As(asn), Neighbour::Set(set)) | (Neighbour::Set(set), Neighbour::As(asn)) => {
                set.eq_ignore_ascii_case(&as_name(asn))
            }
            _ => false,
        }
    }
}

/// An AS expression in a peering.
///
/// `AND` and `EXCEPT` bind equally tightly and group to the left, `OR` less
/// tightly, as in RFC 2622 and the IRRToolSet grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsExpr<'a> {
    /// One AS.
    As(u32),
    /// An as-set such as `AS-FOO` or `AS1:AS-FOO`, as written.
    AsSet(&'a str),
    /// `AS-ANY`: every AS.
    Any,
    /// Any of the operands.
    Or(Vec<AsExpr<'a>>),
    /// All of the operands.
    And(Vec<AsExpr<'a>>),
    /// The first operand without the second.
    Except(Box<AsExpr<'a>>, Box<AsExpr<'a>>),
}

impl AsExpr<'_> {
    fn visit<'s>(&'s self, visit: &mut impl FnMut(Neighbour<'s>)) {
        match self {
            AsExpr::As(asn) => visit(Neighbour::As(*asn)),
            AsExpr::AsSet(name) => visit(Neighbour::Set(name)),
            AsExpr::Any => visit(Neighbour::Any),
            AsExpr::Or(items) | AsExpr::And(items) => {
                for item in items {
                    item.visit(visit);
                }
            }
            AsExpr::Except(left, right) => {
                left.visit(visit);
                right.visit(visit);
            }
        }
    }
}

/// A router in a peering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Router<'a> {
    /// An IPv4 or IPv6 address.
    Address(IpAddr),
    /// A DNS name such as `rtr1.example.net`, as written.
    Name(&'a str),
    /// A router set such as `RTRS-FOO`, as written.
    Set(&'a str),
}

/// What an AS expression term may be, for "expected ..." messages.
const AS_TERM: &str = "an AS number such as AS1103 or an as-set such as AS-FOO";

impl<'a> Parser<'a> {
    /// A peering: a peering-set name, or an AS expression and its optional routers.
    pub(super) fn peering(&mut self) -> Result<Peering<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && set_kind(token.text) == SetName::Set(SetKind::Peering) {
            self.cursor.bump(Mode::Plain);
            return Ok(Peering::Set(token.text));
        }
        let as_expr = self.as_or()?;
        let mut peer_router = None;
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && !is_reserved(token) {
            if let Some(router) = router(token)? {
                self.cursor.bump(Mode::Plain);
                peer_router = Some(router);
            }
        }
        let mut local_router = None;
        if self.cursor.peek(Mode::Plain).is_keyword(Keyword::At) {
            let at = self.cursor.bump(Mode::Plain);
            let token = self.cursor.peek(Mode::Plain);
            let found_router = if token.kind == TokenKind::Word && !is_reserved(token) { router(token)? } else { None };
            match found_router {
                Some(router) => {
                    self.cursor.bump(Mode::Plain);
                    local_router = Some(router);
                }
                None => {
                    return Err(expected(token, "a router address such as 192.0.2.1 or a router name", Some(at)));
                }
            }
        }
        Ok(Peering::Remote { as_expr, peer_router, local_router })
    }

    fn as_or(&mut self) -> Result<AsExpr<'a>, PolicyError> {
        let mut terms = Terms::new(self.as_and()?);
        while self.cursor.peek(Mode::Plain).is_keyword(Keyword::Or) {
            self.cursor.bump(Mode::Plain);
            terms.push(self.as_and()?);
        }
        Ok(terms.join(AsExpr::Or))
    }

    fn as_and(&mut self) -> Result<AsExpr<'a>, PolicyError> {
        let depth = self.depth;
        let mut terms = Terms::new(self.as_primary()?);
        loop {
            let token = self.cursor.peek(Mode::Plain);
            if token.is_keyword(Keyword::And) {
                self.cursor.bump(Mode::Plain);
                terms.push(self.as_primary()?);
            } else if token.is_keyword(Keyword::Except) {
                // Each EXCEPT wraps everything to its left one level deeper,
                // so a long chain of them counts against the nesting limit.
                self.cursor.bump(Mode::Plain);
                self.enter(token)?;
                let left = terms.join(AsExpr::And);
                let right = self.as_primary()?;
                terms = Terms::new(AsExpr::Except(Box::new(left), Box::new(right)));
            } else {
                break;
            }
        }
        self.depth = depth;
        Ok(terms.join(AsExpr::And))
    }

    fn as_primary(&mut self) -> Result<AsExpr<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        match token.kind {
            TokenKind::LParen => self.parenthesized(Mode::Plain, Self::as_or),
            TokenKind::Word if !is_reserved(token) => {
                let term = self.as_word(token)?;
                self.cursor.bump(Mode::Plain);
                Ok(term)
            }
            _ => Err(expected(token, AS_TERM, self.cursor.prev())),
        }
    }

    /// What a word in an AS expression stands for.
    fn as_word(&self, token: Token<'a>) -> Result<AsExpr<'a>, PolicyError> {
        let word = token.text;
        if word.eq_ignore_ascii_case("AS-ANY") {
            return Ok(AsExpr::Any);
        }
        match classify_asn(word) {
            AsnWord::Valid(asn) => return Ok(AsExpr::As(asn)),
            AsnWord::NotAsn => {}
            bad => return Err(asn_error(token, bad)),
        }
        match set_kind(word) {
            SetName::Set(SetKind::As) => Ok(AsExpr::AsSet(word)),
            SetName::Set(SetKind::Peering) => Err(PolicyError::at(
                token,
                format!("the peering-set {} must stand alone, not inside an AS expression", quote(word)),
            )),
            SetName::Set(kind) => Err(PolicyError::at(
                token,
                format!("{} is a {}, but a peering needs AS numbers or as-sets", quote(word), kind.describe()),
            )),
            SetName::Bad(message) => Err(PolicyError::at(token, message)),
            SetName::NotSet => Err(expected(token, AS_TERM, self.cursor.prev())),
        }
    }
}

/// Recognises a router word: an address, a DNS name or a router set.
///
/// `Ok(None)` means the word is not a router at all, which is for the caller
/// to judge; a dotted quad that is not a valid address is an error here,
/// since it can only have been meant as one.
fn router(token: Token<'_>) -> Result<Option<Router<'_>>, PolicyError> {
    let word = token.text;
    if let Ok(addr) = word.parse::<IpAddr>() {
        return Ok(Some(Router::Address(addr)));
    }
    if word.contains('.') && word.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(PolicyError::at(token, format!("{} is not a valid IPv4 address", quote(word))));
    }
    if set_kind(word) == SetName::Set(SetKind::Router) {
        return Ok(Some(Router::Set(word)));
    }
    if is_dns_name(word) {
        return Ok(Some(Router::Name(word)));
    }
    Ok(None)
}

/// Whether `word` is a dotted DNS name whose last label starts with a letter.
fn is_dns_name(word: &str) -> bool {
    let labels: Vec<&str> = word.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels.last().is_some_and(|last| last.starts_with(|c: char| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rpsl::tests::{assign, import, peer, remote, v4};
    use crate::policy::rpsl::{Operator, Value};

    #[test]
    fn peerings() {
        let rule = import("protocol BGP4 into OSPF from AS1 accept ANY");
        assert_eq!((rule.protocol, rule.into), (Some("BGP4"), Some("OSPF")));
        assert_eq!(
            import("from AS1 192.0.2.1 at 192.0.2.2 accept AS-FOO").peerings[0].peering,
            Peering::Remote {
                as_expr: AsExpr::As(1),
                peer_router: Some(Router::Address(v4(192, 0, 2, 1))),
                local_router: Some(Router::Address(v4(192, 0, 2, 2))),
            }
        );
        assert_eq!(
            import("from AS1 at rtr1.example.net accept ANY").peerings[0].peering,
            Peering::Remote {
                as_expr: AsExpr::As(1),
                peer_router: None,
                local_router: Some(Router::Name("rtr1.example.net")),
            }
        );
        assert_eq!(
            import("from AS1 2001:db8::1 at RTRS-FOO accept ANY").peerings[0].peering,
            Peering::Remote {
                as_expr: AsExpr::As(1),
                peer_router: Some(Router::Address("2001:db8::1".parse().expect("address"))),
                local_router: Some(Router::Set("RTRS-FOO")),
            }
        );
        assert_eq!(
            import("from AS1 from AS2 action pref=5; accept ANY").peerings,
            [peer(1, vec![]), peer(2, vec![assign("pref", Operator::Assign, Value::Number(5))]),]
        );
        assert_eq!(import("from AS-ANY accept ANY").peerings[0].peering, remote(AsExpr::Any));
        assert_eq!(import("from prng-foo accept ANY").peerings[0].peering, Peering::Set("prng-foo"));
        // AND and EXCEPT bind equally and group to the left; OR binds loosest.
        assert_eq!(
            import("from AS1 AND AS2 EXCEPT AS3 AND AS4 OR AS1:AS-X accept ANY").peerings[0].peering,
            remote(AsExpr::Or(vec![
                AsExpr::And(vec![
                    AsExpr::Except(Box::new(AsExpr::And(vec![AsExpr::As(1), AsExpr::As(2)])), Box::new(AsExpr::As(3))),
                    AsExpr::As(4),
                ]),
                AsExpr::AsSet("AS1:AS-X"),
            ]))
        );
        assert_eq!(
            import("from (AS1 OR AS2) except AS3 accept ANY").peerings[0].peering,
            remote(AsExpr::Except(Box::new(AsExpr::Or(vec![AsExpr::As(1), AsExpr::As(2)])), Box::new(AsExpr::As(3))))
        );
        assert!(is_dns_name("rtr.example.net") && !is_dns_name("example") && !is_dns_name("1.2.3.4"));
    }
}
