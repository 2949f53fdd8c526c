//! Address family lists (RFC 4012, section 2.1): `afi ipv6.unicast, ipv4`.

use std::fmt;

use smallvec::SmallVec;

use super::{is_reserved, Flavour, Parser};
use crate::policy::lexer::{Keyword, Mode, Token, TokenKind};
use crate::policy::{expected, quote, PolicyError};

/// One address family of an `afi` list, such as `ipv6.unicast` or `any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Afi {
    /// IPv4, IPv6 or both.
    pub family: Family,
    /// Unicast or multicast; `None` for both (`ipv6` alone).
    pub cast: Option<Cast>,
}

/// An `afi` list.
///
/// Rules name one or two families (`afi ipv4.unicast, ipv6.unicast`), which
/// are kept in the list itself rather than in an allocation of their own.
pub type AfiList = SmallVec<[Afi; 2]>;

/// The address family proper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `ipv4`.
    Ipv4,
    /// `ipv6`.
    Ipv6,
    /// `any`: IPv4 and IPv6.
    Any,
}

/// The sub-family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    /// `.unicast`.
    Unicast,
    /// `.multicast`.
    Multicast,
}

impl fmt::Display for Afi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = match self.family {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
            Family::Any => "any",
        };
        match self.cast {
            None => f.write_str(family),
            Some(Cast::Unicast) => write!(f, "{family}.unicast"),
            Some(Cast::Multicast) => write!(f, "{family}.multicast"),
        }
    }
}

/// Reads one address family word, without regard to case; `None` if it is not one.
pub(super) fn read_afi(word: &str) -> Option<Afi> {
    let (family, cast) = match crate::grammar::split_once_ascii(word, b'.') {
        Some((family, cast)) => (family, Some(cast)),
        None => (word, None),
    };
    let family = if family.eq_ignore_ascii_case("ipv4") {
        Family::Ipv4
    } else if family.eq_ignore_ascii_case("ipv6") {
        Family::Ipv6
    } else if family.eq_ignore_ascii_case("any") {
        Family::Any
    } else {
        return None;
    };
    let cast = match cast {
        None => None,
        Some(cast) if cast.eq_ignore_ascii_case("unicast") => Some(Cast::Unicast),
        Some(cast) if cast.eq_ignore_ascii_case("multicast") => Some(Cast::Multicast),
        Some(_) => return None,
    };
    Some(Afi { family, cast })
}

/// What an address family may be, for messages.
const AFI_WORDS: &str = "ipv4, ipv6 or any, alone or followed by .unicast or .multicast";

fn not_an_afi(token: Token<'_>) -> PolicyError {
    PolicyError::at(token, format!("{} is not an address family: use {AFI_WORDS}", quote(token.text)))
}

impl Parser<'_> {
    /// The optional `afi <afi-list>`; empty if there is none.
    ///
    /// Only the `mp-` rules take one: in a plain rule, `afi` is an error
    /// that names the `mp-` attribute to use instead.
    pub(super) fn afi_clause(&mut self, flavour: Flavour, attribute: &str) -> Result<AfiList, PolicyError> {
        let keyword = self.cursor.peek(Mode::Plain);
        if !keyword.is_keyword(Keyword::Afi) {
            return Ok(AfiList::new());
        }
        if flavour == Flavour::Plain {
            return Err(PolicyError::at(
                keyword,
                format!(
                    "'afi' belongs in mp-{attribute} (RPSLng): {attribute} is for IPv4 unicast only, so write this \
                     rule as mp-{attribute}"
                ),
            ));
        }
        self.cursor.bump(Mode::Plain);
        let mut list = AfiList::new();
        loop {
            let token = self.cursor.peek(Mode::Plain);
            if token.kind != TokenKind::Word || is_reserved(token) {
                return Err(expected(token, &format!("an address family ({AFI_WORDS})"), self.cursor.prev()));
            }
            list.push(read_afi(token.text).ok_or_else(|| not_an_afi(token))?);
            self.cursor.bump(Mode::Plain);
            let next = self.cursor.peek(Mode::Plain);
            match next.kind {
                TokenKind::Comma => {
                    self.cursor.bump(Mode::Plain);
                }
                TokenKind::Word if read_afi(next.text).is_some() => {
                    return Err(PolicyError::at(
                        next,
                        format!("address families are separated by ',': add one before {}", quote(next.text)),
                    ));
                }
                _ => return Ok(list),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rpsl::{parse_import, parse_mp_default, parse_mp_export, parse_mp_import};
    use crate::policy::test_support::assert_fails;

    fn afi(family: Family, cast: Option<Cast>) -> Afi {
        Afi { family, cast }
    }

    #[test]
    fn every_family_reads() {
        let cases = [
            ("ipv4", afi(Family::Ipv4, None)),
            ("ipv6", afi(Family::Ipv6, None)),
            ("IPv4.Unicast", afi(Family::Ipv4, Some(Cast::Unicast))),
            ("ipv4.multicast", afi(Family::Ipv4, Some(Cast::Multicast))),
            ("ipv6.unicast", afi(Family::Ipv6, Some(Cast::Unicast))),
            ("IPV6.MULTICAST", afi(Family::Ipv6, Some(Cast::Multicast))),
            ("any", afi(Family::Any, None)),
            ("ANY.unicast", afi(Family::Any, Some(Cast::Unicast))),
            ("any.multicast", afi(Family::Any, Some(Cast::Multicast))),
        ];
        for (word, want) in cases {
            assert_eq!(read_afi(word), Some(want), "{word}");
            assert_eq!(want.to_string(), word.to_ascii_lowercase());
        }
        for word in ["ipv5", "ipv6.", "ipv6.anycast", "ipv6.unicast.x", "inet6", ""] {
            assert_eq!(read_afi(word), None, "{word}");
        }
    }

    #[test]
    fn afi_lists_in_mp_rules() {
        let rule = parse_mp_import("afi ipv6.unicast, ipv4 from AS64497 accept ANY").expect("list");
        assert_eq!(rule.afi[..], [afi(Family::Ipv6, Some(Cast::Unicast)), afi(Family::Ipv4, None)]);
        let rule = parse_mp_export("afi any to AS64497 announce NEW").expect("any");
        assert_eq!(rule.afi[..], [afi(Family::Any, None)]);
        // `afi` may be left out: every family.
        assert_eq!(parse_mp_import("from AS64497 accept ANY").map(|r| r.afi.len()), Ok(0));
        let rule = parse_mp_import("protocol BGP4 into OSPF afi ipv6 from AS1 accept ANY").expect("protocols");
        assert_eq!((rule.protocol, rule.into, rule.afi.len()), (Some("BGP4"), Some("OSPF"), 1));
        let default = parse_mp_default("afi ipv6.unicast to AS64497 networks {2001:db8::/32}").expect("default");
        assert_eq!(default.afi[..], [afi(Family::Ipv6, Some(Cast::Unicast))]);
    }

    #[test]
    fn afi_errors_point_at_the_culprit() {
        let message = assert_fails(parse_mp_import("afi ipv5 from AS1 accept ANY"), 4, "ipv5");
        assert!(message.contains("not an address family"), "{message}");
        assert_fails(parse_mp_import("afi ipv6.anycast from AS1 accept ANY"), 4, "ipv6.anycast");
        let message = assert_fails(parse_mp_import("afi from AS1 accept ANY"), 4, "from");
        assert!(message.contains("after 'afi'"), "{message}");
        assert_fails(parse_mp_import("afi ipv4, from AS1 accept ANY"), 10, "from");
        let message = assert_fails(parse_mp_import("afi ipv4 ipv6 from AS1 accept ANY"), 9, "ipv6");
        assert!(message.contains("separated by ','"), "{message}");
        assert_fails(parse_mp_import("afi ipv6 accept ANY"), 9, "accept");
        assert_fails(parse_mp_import("afi"), 3, "");
        // `afi` comes after protocol and into, not before.
        assert_fails(parse_mp_import("afi ipv6 protocol BGP4 from AS1 accept ANY"), 9, "protocol");
        // A plain rule has no afi and says where it belongs.
        let message = assert_fails(parse_import("afi ipv6 from AS1 accept ANY"), 0, "afi");
        assert!(message.contains("mp-import"), "{message}");
        assert_fails(crate::policy::rpsl::parse_default("afi ipv6 to AS1"), 0, "afi");
        assert_fails(parse_mp_default("afi ipv6 from AS1"), 9, "from");
        assert_fails(parse_mp_default("afi ipv6.unicast"), 16, "");
    }
}
