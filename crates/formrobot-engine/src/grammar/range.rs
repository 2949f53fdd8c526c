//! Range operators on address prefixes (RFC 2622, section 2): `^-`, `^+`,
//! `^n` and `^n-m`, as in `192.0.2.0/24^24-28`.
//!
//! Both `mnt-routes:` values and policy filters carry them; this is the one
//! reader of the operator, and the one check that its lengths fit a prefix.

use super::parse_digits;

/// A range operator, which widens a prefix to more specific ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOp {
    /// `^-`: the more specifics, not the prefix itself.
    Exclusive,
    /// `^+`: the prefix and its more specifics.
    Inclusive,
    /// `^n`: the more specifics of length `n`.
    Exact(u8),
    /// `^n-m`: the more specifics of lengths `n` to `m`.
    Range(u8, u8),
}

/// Why the text after a `^` is not a range operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeOpError {
    /// Not `-`, `+`, `n` or `n-m` with `n` and `m` one to three digits each.
    Malformed,
    /// Well formed, but a length is above 255: longer than any prefix, so
    /// the operator can never fit. Callers word this case differently.
    TooLong,
}

/// `word` split at its first `^`: the prefix or name, and the operator after
/// the `^` if there is one (possibly empty, which [`parse_range_op`] rejects).
pub(crate) fn split_range(word: &str) -> (&str, Option<&str>) {
    match super::split_once_ascii(word, b'^') {
        Some((base, op)) => (base, Some(op)),
        None => (word, None),
    }
}

/// Reads the part after the `^` of a range operator, without checking its
/// lengths against any prefix (see [`RangeOp::fits`]).
///
/// A malformed half wins over a too-long one: `^300-x` is
/// [`RangeOpError::Malformed`].
pub(crate) fn parse_range_op(op: &str) -> Result<RangeOp, RangeOpError> {
    match op {
        "-" => return Ok(RangeOp::Exclusive),
        "+" => return Ok(RangeOp::Inclusive),
        _ => {}
    }
    let halves = super::split_once_ascii(op, b'-');
    let (low, high) = halves.unwrap_or((op, op));
    let (Some(low), Some(high)) = (parse_length(low), parse_length(high)) else {
        return Err(RangeOpError::Malformed);
    };
    let (Ok(low), Ok(high)) = (u8::try_from(low), u8::try_from(high)) else {
        return Err(RangeOpError::TooLong);
    };
    if halves.is_some() {
        Ok(RangeOp::Range(low, high))
    } else {
        Ok(RangeOp::Exact(low))
    }
}

/// A prefix length or range bound as written: one to three ASCII digits.
///
/// Three digits are enough for any length (IPv6 goes to 128); a longer run
/// is a typo, not a large number.
pub(crate) fn parse_length(s: &str) -> Option<u32> {
    if s.len() > 3 {
        return None;
    }
    parse_digits(s)
}

impl RangeOp {
    /// Whether the lengths this operator names lie within `min..=max`, the
    /// smaller first. `^-` and `^+` name no length and always fit.
    pub(crate) fn fits(self, min: u32, max: u32) -> bool {
        match self {
            RangeOp::Exclusive | RangeOp::Inclusive => true,
            RangeOp::Exact(n) => (min..=max).contains(&u32::from(n)),
            RangeOp::Range(n, m) => min <= u32::from(n) && n <= m && u32::from(m) <= max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_operator() {
        assert_eq!(parse_range_op("-"), Ok(RangeOp::Exclusive));
        assert_eq!(parse_range_op("+"), Ok(RangeOp::Inclusive));
        assert_eq!(parse_range_op("24"), Ok(RangeOp::Exact(24)));
        assert_eq!(parse_range_op("024"), Ok(RangeOp::Exact(24)));
        assert_eq!(parse_range_op("24-32"), Ok(RangeOp::Range(24, 32)));
        // Out of order is read as written; `fits` rejects it.
        assert_eq!(parse_range_op("32-24"), Ok(RangeOp::Range(32, 24)));
        assert_eq!(parse_range_op("255"), Ok(RangeOp::Exact(255)));
    }

    #[test]
    fn tells_malformed_from_too_long() {
        for op in ["", "x", "-5", "5-", "1-2-3", "+1", "1+", "0024", "9999", "24 ", "300-x", "x-300", "١"] {
            assert_eq!(parse_range_op(op), Err(RangeOpError::Malformed), "{op:?}");
        }
        for op in ["256", "999", "24-256", "300-24"] {
            assert_eq!(parse_range_op(op), Err(RangeOpError::TooLong), "{op:?}");
        }
    }

    #[test]
    fn fits_within_the_prefix() {
        assert!(RangeOp::Exclusive.fits(32, 32) && RangeOp::Inclusive.fits(128, 128));
        assert!(RangeOp::Exact(24).fits(24, 32) && !RangeOp::Exact(16).fits(24, 32));
        assert!(!RangeOp::Exact(33).fits(24, 32));
        assert!(RangeOp::Range(24, 24).fits(24, 32) && RangeOp::Range(0, 32).fits(0, 32));
        assert!(!RangeOp::Range(28, 26).fits(24, 32) && !RangeOp::Range(24, 33).fits(24, 32));
        assert!(!RangeOp::Range(16, 24).fits(24, 32));
    }

    #[test]
    fn splits_at_the_first_caret() {
        assert_eq!(split_range("10.0.0.0/8^24-32"), ("10.0.0.0/8", Some("24-32")));
        assert_eq!(split_range("AS1^"), ("AS1", Some("")));
        assert_eq!(split_range("AS1^+^+"), ("AS1", Some("+^+")));
        assert_eq!(split_range("AS-FOO"), ("AS-FOO", None));
    }
}
