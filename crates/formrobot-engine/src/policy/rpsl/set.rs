//! Set names (RFC 2622, section 5): as-sets, route-sets, filter-sets,
//! peering-sets and router sets, told apart by their prefix, possibly
//! hierarchical (`AS1:AS-FOO`).

use crate::grammar::asn::parse_as_number;
use crate::grammar::strip_prefix_ignore_case;
use crate::policy::quote;

/// The kinds of RPSL set, told apart by their name's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SetKind {
    As,
    Route,
    Filter,
    Peering,
    Router,
}

impl SetKind {
    const ALL: [(SetKind, &'static str); 5] = [
        (SetKind::As, "AS-"),
        (SetKind::Route, "RS-"),
        (SetKind::Filter, "FLTR-"),
        (SetKind::Peering, "PRNG-"),
        (SetKind::Router, "RTRS-"),
    ];

    /// The kind's name, for error messages: `as-set`, `route-set`, ...
    pub(super) fn describe(self) -> &'static str {
        match self {
            SetKind::As => "as-set",
            SetKind::Route => "route-set",
            SetKind::Filter => "filter-set",
            SetKind::Peering => "peering-set",
            SetKind::Router => "router set",
        }
    }
}

/// What a word is as a set name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SetName {
    /// No component has a set prefix.
    NotSet,
    /// A well-formed (possibly hierarchical) set name.
    Set(SetKind),
    /// Meant as a set name but malformed; the message says why.
    Bad(String),
}

/// Classifies a possibly hierarchical set name such as `AS1:AS-FOO:AS-BAR`.
///
/// RFC 2622 section 5: the components are AS numbers and set names, at least
/// one is a set name, and all set names are of the same kind.
pub(super) fn set_kind(word: &str) -> SetName {
    // Every set prefix ends in '-': a word without one (an AS number, a
    // keyword) is no set, and no bad one, without trying each prefix on it.
    if !word.contains('-') {
        return SetName::NotSet;
    }
    let mut kind = None;
    let mut stranger = None;
    for component in word.split(':') {
        let prefixed = SetKind::ALL
            .iter()
            .find_map(|&(kind, prefix)| Some((kind, prefix, strip_prefix_ignore_case(component, prefix)?)));
        match prefixed {
            Some((this, prefix, tail)) => {
                if tail.is_empty() || !tail.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                    return SetName::Bad(format!(
                        "{} is not a valid set name: after '{prefix}' use letters, digits, '-' or '_'",
                        quote(component)
                    ));
                }
                if kind.is_some_and(|seen| seen != this) {
                    return SetName::Bad(format!("{} mixes different kinds of set", quote(word)));
                }
                kind = Some(this);
            }
            None if parse_as_number(component).is_some() => {}
            None => stranger = stranger.or(Some(component)),
        }
    }
    match (kind, stranger) {
        (None, _) => SetName::NotSet,
        (Some(kind), None) => SetName::Set(kind),
        (Some(_), Some(component)) => SetName::Bad(format!(
            "{} is not a valid set name: {} is neither an AS number nor a set name",
            quote(word),
            quote(component)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_names() {
        assert_eq!(set_kind("AS-FOO"), SetName::Set(SetKind::As));
        assert_eq!(set_kind("AS1:as-foo:AS-BAR"), SetName::Set(SetKind::As));
        assert_eq!(set_kind("AS1:RS-FOO"), SetName::Set(SetKind::Route));
        assert_eq!(set_kind("AS1"), SetName::NotSet);
        assert_eq!(set_kind("8501:1"), SetName::NotSet);
        assert!(matches!(set_kind("AS1::AS-FOO"), SetName::Bad(_)));
    }
}
