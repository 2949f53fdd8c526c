//! `auth:` how a maintainer proves who it is.
//!
//! The value after the scheme is a password hash, and a weak hash is as good
//! as the password: error messages therefore never repeat it, nor any word
//! that might be a password typed in clear. They quote the scheme only, and
//! only when it is one of the scheme names we know.

use super::SyntaxError;
use crate::grammar::strip_prefix_ignore_case;

/// What every "use one of these" message lists.
const ACCEPTED: &str = "CRYPT-PW, MD5-PW, BCRYPT-PW or PGPKEY-<8 hex digits>";

/// A character of a crypt(3) hash or salt: letters, digits, `.` and `/`.
fn is_crypt_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'/'
}

/// `count` characters of a crypt(3) hash, no more and no fewer.
fn is_crypt_run(text: &str, count: std::ops::RangeInclusive<usize>) -> bool {
    count.contains(&text.len()) && text.bytes().all(is_crypt_char)
}

/// A traditional DES crypt(3) hash: two salt characters and eleven of hash.
fn is_crypt_hash(hash: &str) -> bool {
    is_crypt_run(hash, 13..=13)
}

/// An MD5-crypt hash as `crypt(3)` writes it: `$1$`, a salt of one to
/// eight characters, `$`, and 22 characters of hash.
fn is_md5_hash(hash: &str) -> bool {
    // The salt has no `$`, so the first one after it ends it.
    let Some((salt, digest)) = hash.strip_prefix("$1$").and_then(|rest| rest.split_once('$')) else {
        return false;
    };
    is_crypt_run(salt, 1..=8) && is_crypt_run(digest, 22..=22)
}

/// A bcrypt hash (`$2a$`, `$2b$` or `$2y$`, two digits of cost, `$`, 53
/// characters of salt and hash): its cost, as written.
fn bcrypt_cost(hash: &str) -> Option<u32> {
    let rest = hash.strip_prefix("$2")?;
    let rest = ["a$", "b$", "y$"].iter().find_map(|variant| rest.strip_prefix(variant))?;
    let (cost, digest) = rest.split_once('$')?;
    let two_digits = cost.len() == 2 && cost.bytes().all(|b| b.is_ascii_digit());
    (two_digits && is_crypt_run(digest, 53..=53)).then(|| cost.parse().ok()).flatten()
}

/// The hash-based schemes, each with its hash check and the words describing a valid hash.
#[derive(Clone, Copy)]
enum HashScheme {
    Crypt,
    Md5,
    Bcrypt,
}

impl HashScheme {
    fn from_name(name: &str) -> Option<HashScheme> {
        match name.to_ascii_uppercase().as_str() {
            "CRYPT-PW" => Some(HashScheme::Crypt),
            "MD5-PW" => Some(HashScheme::Md5),
            "BCRYPT-PW" => Some(HashScheme::Bcrypt),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            HashScheme::Crypt => "CRYPT-PW",
            HashScheme::Md5 => "MD5-PW",
            HashScheme::Bcrypt => "BCRYPT-PW",
        }
    }

    fn shape(self) -> &'static str {
        match self {
            HashScheme::Crypt => "13 characters of letters, digits, '.' and '/'",
            HashScheme::Md5 => "an MD5-crypt hash: $1$, a salt of up to 8 characters, $, and 22 characters of letters, digits, '.' and '/'",
            HashScheme::Bcrypt => "a bcrypt hash: $2a$, $2b$ or $2y$, a two-digit cost, $, and 53 characters of letters, digits, '.' and '/'",
        }
    }
}

/// Checks an `auth:` value.
/// An `auth:` value as public registry dumps show it: a password hash
/// scheme keeps its name and loses its hash (`MD5-PW # Filtered`); a key
/// reference (`PGPKEY-...`) is public and stays; anything else is filtered whole.
pub fn filtered_auth(v: &str) -> String {
    let scheme = v.split_whitespace().next().unwrap_or_default();
    if HashScheme::from_name(scheme).is_some() {
        format!("{} # Filtered", scheme.to_ascii_uppercase())
    } else if strip_prefix_ignore_case(scheme, "PGPKEY-").is_some() && v.split_whitespace().count() == 1 {
        v.trim().to_owned()
    } else {
        "# Filtered".to_owned()
    }
}

pub(super) fn check_auth(v: &str) -> Result<(), SyntaxError> {
    let value = v.trim();
    let (scheme, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.is_empty() {
        return Err(SyntaxError::new(format!("the auth value is missing: write {ACCEPTED}")));
    }
    if let Some(hash_scheme) = HashScheme::from_name(scheme) {
        return check_hash(hash_scheme, rest);
    }
    if let Some(key_id) = strip_prefix_ignore_case(scheme, "PGPKEY-") {
        return check_pgp_key(key_id, rest);
    }
    Err(unknown_scheme(scheme))
}

fn check_hash(scheme: HashScheme, hash: &str) -> Result<(), SyntaxError> {
    let name = scheme.name();
    if hash.is_empty() {
        return Err(SyntaxError::new(format!("{name} must be followed by the encrypted password")));
    }
    if hash.contains(char::is_whitespace) {
        return Err(SyntaxError::new(format!("the {name} value must be a single word: the encrypted password alone")));
    }
    if !hash_fits(scheme, hash)? {
        return Err(SyntaxError::new(format!(
            "the {name} value must be {}{}",
            scheme.shape(),
            other_scheme_hint(scheme, hash)
        )));
    }
    Ok(())
}

/// Whether the hash has the scheme's shape; an error for a bcrypt cost out of range.
fn hash_fits(scheme: HashScheme, hash: &str) -> Result<bool, SyntaxError> {
    match scheme {
        HashScheme::Crypt => Ok(is_crypt_hash(hash)),
        HashScheme::Md5 => Ok(is_md5_hash(hash)),
        HashScheme::Bcrypt => check_bcrypt(hash),
    }
}

fn check_bcrypt(hash: &str) -> Result<bool, SyntaxError> {
    let Some(cost) = bcrypt_cost(hash) else {
        return Ok(false);
    };
    if !(4..=31).contains(&cost) {
        return Err(SyntaxError::new("the BCRYPT-PW cost (the two digits after $2a$) must be between 04 and 31"));
    }
    Ok(true)
}

/// A hint when the hash pasted belongs to another scheme, said without showing it.
fn other_scheme_hint(scheme: HashScheme, hash: &str) -> &'static str {
    let belongs_to = if hash.starts_with("$1$") {
        HashScheme::Md5
    } else if hash.starts_with("$2") {
        HashScheme::Bcrypt
    } else if hash.len() == 13 && !hash.starts_with('$') {
        HashScheme::Crypt
    } else {
        return "";
    };
    match (scheme, belongs_to) {
        (HashScheme::Crypt, HashScheme::Crypt)
        | (HashScheme::Md5, HashScheme::Md5)
        | (HashScheme::Bcrypt, HashScheme::Bcrypt) => "",
        (_, HashScheme::Md5) => " (this looks like an MD5-crypt hash: write MD5-PW)",
        (_, HashScheme::Bcrypt) => " (this looks like a bcrypt hash: write BCRYPT-PW)",
        (_, HashScheme::Crypt) => " (this looks like a traditional crypt hash: write CRYPT-PW)",
    }
}

/// `PGPKEY-` followed by the key's 8-digit hex ID, and nothing after it.
fn check_pgp_key(key_id: &str, rest: &str) -> Result<(), SyntaxError> {
    if key_id.len() != 8 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SyntaxError::new(
            "PGPKEY- must be followed by the 8 hex digits of the key ID, e.g. PGPKEY-1A2B3C4D",
        ));
    }
    if !rest.is_empty() {
        return Err(SyntaxError::new("nothing may follow the PGPKEY- key ID"));
    }
    Ok(())
}

/// Scheme names people use that we can safely repeat, with advice for each.
fn known_unaccepted(upper: &str) -> Option<&'static str> {
    Some(match upper {
        "NONE" => "every maintainer needs authentication",
        "MAIL-FROM" => "a sender address is easily forged",
        "PLAIN" | "CLEAR" | "CLEARTEXT" | "PASSWORD" | "PASSWD" => "never send a password in clear: send its hash",
        "CRYPT" | "DES" => "write CRYPT-PW",
        "MD5" => "write MD5-PW",
        "BCRYPT" => "write BCRYPT-PW",
        "PGP" | "PGPKEY" | "PGP-KEY" => "write PGPKEY-<8 hex digits of the key ID>, e.g. PGPKEY-1A2B3C4D",
        "SSO" | "X509" | "X.509" => "this form does not support it",
        _ => return None,
    })
}

fn unknown_scheme(scheme: &str) -> SyntaxError {
    let upper = scheme.to_ascii_uppercase();
    if let Some(advice) = known_unaccepted(&upper) {
        return SyntaxError::new(format!("'{upper}' is not accepted ({advice}): use {ACCEPTED}"));
    }
    let hint = match () {
        _ if scheme.starts_with("$1$") => " (for an MD5-crypt hash, write MD5-PW before it)",
        _ if scheme.starts_with("$2") => " (for a bcrypt hash, write BCRYPT-PW before it)",
        _ => "",
    };
    SyntaxError::new(format!("the auth value must start with {ACCEPTED}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "$1$abcdefgh$0123456789ABCDEFabcdef";
    const BCRYPT: &str = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";

    fn message(v: &str) -> String {
        check_auth(v).err().map(|e| e.message).unwrap_or_default()
    }

    /// The error for `v` must not contain the secret part `secret`.
    fn assert_hidden(v: &str, secret: &str) -> String {
        let m = message(v);
        assert!(!m.is_empty(), "{v} should be rejected");
        assert!(!m.contains(secret), "{m} leaks {secret}");
        m
    }

    #[test]
    fn accepts_the_schemes() {
        for v in [
            "CRYPT-PW peEw8Gb4xBNqI".to_string(),
            "crypt-pw peEw8Gb4xBNqI   ".to_string(),
            format!("MD5-PW {MD5}"),
            "MD5-PW $1$a$0123456789ABCDEFabcdef".to_string(),
            format!("BCRYPT-PW {BCRYPT}"),
            format!("bcrypt-pw {}", BCRYPT.replace("$2b$", "$2y$")),
            "PGPKEY-1A2B3C4D".to_string(),
            "pgpkey-deadbeef ".to_string(),
        ] {
            assert!(check_auth(&v).is_ok(), "{v}: {}", message(&v));
        }
    }

    #[test]
    fn rejects_bad_crypt_hashes_without_quoting_them() {
        let m = assert_hidden("CRYPT-PW secret", "secret");
        assert_eq!(m, "the CRYPT-PW value must be 13 characters of letters, digits, '.' and '/'");
        assert_hidden("CRYPT-PW peEw8Gb4xBNq!", "peEw8Gb4xBNq");
        assert_hidden("CRYPT-PW peEw8Gb4xBNqIX", "peEw8Gb4xBNqIX");
        assert!(assert_hidden("CRYPT-PW hunter two", "hunter").contains("single word"));
        assert!(message("CRYPT-PW").contains("must be followed by"));
        assert!(assert_hidden(&format!("CRYPT-PW {MD5}"), "abcdefgh").contains("write MD5-PW"));
    }

    #[test]
    fn rejects_bad_md5_and_bcrypt_hashes_without_quoting_them() {
        assert!(assert_hidden("MD5-PW $1$abcdefghi$0123456789ABCDEFabcdef", "abcdefghi").contains("MD5-crypt hash"));
        assert_hidden("MD5-PW $1$$0123456789ABCDEFabcdef", "0123456789");
        assert_hidden("MD5-PW $1$salt$short", "short");
        assert!(assert_hidden(&format!("MD5-PW {BCRYPT}"), "R9h").contains("write BCRYPT-PW"));
        assert!(assert_hidden("MD5-PW peEw8Gb4xBNqI", "peEw8").contains("write CRYPT-PW"));
        assert_hidden(&format!("BCRYPT-PW {}", BCRYPT.replace("$2b$", "$2x$")), "R9h");
        assert!(assert_hidden(&format!("BCRYPT-PW {}", BCRYPT.replace("$12$", "$03$")), "R9h").contains("cost"));
        assert!(message(&format!("BCRYPT-PW {}", BCRYPT.replace("$12$", "$32$"))).contains("between 04 and 31"));
        assert_hidden(&format!("BCRYPT-PW {BCRYPT}x"), "R9h");
        assert!(message("MD5-PW").contains("must be followed by"));
        assert!(message("BCRYPT-PW ").contains("must be followed by"));
    }

    #[test]
    fn checks_pgp_keys() {
        assert!(message("PGPKEY-1A2B3C4").contains("8 hex digits"));
        assert!(message("PGPKEY-1A2B3C4G").contains("8 hex digits"));
        assert!(message("PGPKEY-").contains("8 hex digits"));
        assert!(message("PGPKEY-1A2B3C4D extra").contains("nothing may follow"));
        assert!(message("PGPKEY-1A2B3C4DE").contains("8 hex digits"));
    }

    #[test]
    fn names_accepted_schemes_for_unknown_ones() {
        for scheme in ["NONE", "MAIL-FROM", "PLAIN", "mail-from"] {
            let m = message(&format!("{scheme} something"));
            assert!(m.starts_with(&format!("'{}' is not accepted", scheme.to_ascii_uppercase())), "{m}");
            assert!(m.contains("CRYPT-PW, MD5-PW, BCRYPT-PW or PGPKEY-"), "{m}");
            assert!(!m.contains("something"));
        }
        assert!(message("PLAIN hunter2").contains("never send a password in clear"));
        assert!(message("MD5 x").contains("write MD5-PW"));
        let m = assert_hidden("hunter2", "hunter2");
        assert!(m.starts_with("the auth value must start with"));
        assert!(assert_hidden(MD5, "abcdefgh").contains("write MD5-PW before it"));
        assert!(message("").contains("missing"));
        assert!(message("   ").contains("missing"));
        assert_hidden("sécret", "sécret");
    }

    /// The matchers say what the regular expressions they replace said, on
    /// every string made of a head, a middle and a body of those below.
    #[test]
    fn hash_shapes_match_their_regular_expressions() {
        let crypt = regex::Regex::new(r"^[./0-9A-Za-z]{13}$").expect("regex");
        let md5 = regex::Regex::new(r"^\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}$").expect("regex");
        let bcrypt = regex::Regex::new(r"^\$2[aby]\$([0-9]{2})\$[./0-9A-Za-z]{53}$").expect("regex");
        let heads = ["", "$", "$1", "$1$", "$2", "$2a$", "$2b$", "$2y$", "$2x$", "$2A$", "pe"];
        let middles =
            ["", "1", "12", "04", "123", "1a", "a", "abcdefgh", "abcdefghi", "$", "12$", "ab$", "abcdefgh$", "ab!$"];
        let digest53 = &BCRYPT[7..];
        let bodies = [
            "".to_owned(),
            "Ew8Gb4xBNqI".to_owned(),
            "peEw8Gb4xBNqI".to_owned(),
            "peEw8Gb4xBNq!".to_owned(),
            "0123456789ABCDEFabcdef".to_owned(),
            "0123456789ABCDEFabcde".to_owned(),
            "0123456789ABCDEFabcd\u{e9}".to_owned(),
            digest53.to_owned(),
            digest53[1..].to_owned(),
            format!("{digest53}x"),
            digest53.replace('R', "$"),
        ];
        let mut cases = 0;
        for head in heads {
            for middle in middles {
                for body in &bodies {
                    let hash = format!("{head}{middle}{body}");
                    assert_eq!(is_crypt_hash(&hash), crypt.is_match(&hash), "crypt {hash}");
                    assert_eq!(is_md5_hash(&hash), md5.is_match(&hash), "md5 {hash}");
                    let want = bcrypt.captures(&hash).and_then(|caps| caps[1].parse::<u32>().ok());
                    assert_eq!(bcrypt_cost(&hash), want, "bcrypt {hash}");
                    cases += usize::from(crypt.is_match(&hash) || md5.is_match(&hash) || want.is_some());
                }
            }
        }
        assert!(cases > 10, "the strings include hashes of each shape ({cases})");
        for variant in ["$2a$", "$2b$", "$2y$"] {
            assert_eq!(bcrypt_cost(&BCRYPT.replace("$2b$", variant)), Some(12), "{variant}");
        }
    }
}
