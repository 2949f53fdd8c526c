//! E-mail addresses (`e-mail:`, and the first half of `changed:`).
//!
//! The registries mail the requester and the contacts, so the address must be
//! deliverable from anywhere on the Internet: an RFC 822 addr-spec whose
//! domain is fully qualified. Display names and angle brackets are not part of
//! an address and are rejected rather than silently stripped, so that what the
//! database stores is exactly what the person wrote.

use super::SyntaxError;

/// Longest domain name DNS can carry (RFC 1035, without the final dot).
const MAX_DOMAIN_LEN: usize = 253;
/// Longest DNS label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;
/// Longest local part SMTP servers must accept (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;

/// Checks an `e-mail:` value.
pub(super) fn check_email(v: &str) -> Result<(), SyntaxError> {
    check_addr_spec(v.trim())
}

/// Checks that `address` is exactly one addr-spec with a fully qualified domain.
///
/// Errors quote the whole address, so callers embedding it in a longer value
/// (`changed:`) get a message about the address alone.
pub(super) fn check_addr_spec(address: &str) -> Result<(), SyntaxError> {
    if is_plain_address(address) {
        return Ok(());
    }
    if address.is_empty() {
        return Err(SyntaxError::new("the e-mail address is missing"));
    }
    check_no_brackets(address)?;
    let (local, domain) = split_at_sign(address)?;
    check_local_part(address, local)?;
    check_domain(address, domain)
}

/// The usual address, accepted in one pass over its bytes: letters, digits,
/// `-`, `_` and `+` in dot-separated words before the `@`, and a domain of at
/// least two labels ending in letters. Everything this accepts the full check
/// accepts too; anything else (and every error) goes through the full check.
fn is_plain_address(address: &str) -> bool {
    let bytes = address.as_bytes();
    // The local part: words of local bytes, one dot between two.
    let mut word = 0;
    let mut at = None;
    for (index, &b) in bytes.iter().enumerate() {
        match b {
            b'@' => {
                at = Some(index);
                break;
            }
            b'.' if word > 0 => word = 0,
            _ if ADDRESS_BYTES[usize::from(b)] & IN_LOCAL_WORD != 0 => word += 1,
            _ => return false,
        }
    }
    let Some(at) = at.filter(|&at| word > 0 && at <= MAX_LOCAL_LEN) else { return false };
    let domain = &bytes[at + 1..];
    if domain.len() > MAX_DOMAIN_LEN {
        return false;
    }
    // The domain: labels of letters, digits and inner `-`, the last of letters only.
    let (mut labels, mut label, mut last, mut letters_only) = (0, 0, 0, true);
    for &b in domain {
        let class = ADDRESS_BYTES[usize::from(b)];
        if b == b'.' {
            if label == 0 || last == b'-' {
                return false;
            }
            (labels, label, letters_only) = (labels + 1, 0, true);
        } else if class & IN_LABEL != 0 && !(label == 0 && b == b'-') && label < MAX_LABEL_LEN {
            (label, last) = (label + 1, b);
            letters_only &= class & LETTER != 0;
        } else {
            return false;
        }
    }
    label >= 2 && letters_only && labels >= 1
}

/// [`ADDRESS_BYTES`]: a letter, a digit, `-`, `_` or `+`.
const IN_LOCAL_WORD: u8 = 1;
/// [`ADDRESS_BYTES`]: a letter, a digit or `-`.
const IN_LABEL: u8 = 2;
/// [`ADDRESS_BYTES`]: a letter.
const LETTER: u8 = 4;

/// What each byte may be in a plain address, by value: one look-up per byte.
static ADDRESS_BYTES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphabetic() {
            table[b] = IN_LOCAL_WORD | IN_LABEL | LETTER;
        } else if byte.is_ascii_digit() || byte == b'-' {
            table[b] = IN_LOCAL_WORD | IN_LABEL;
        } else if byte == b'_' || byte == b'+' {
            table[b] = IN_LOCAL_WORD;
        }
        b += 1;
    }
    table
};

fn bad(address: &str, why: &str) -> SyntaxError {
    SyntaxError::new(format!("'{address}' {why}"))
}

/// `Name <addr>` and `<addr>` are mail header forms, not addresses.
fn check_no_brackets(address: &str) -> Result<(), SyntaxError> {
    if !address.contains(['<', '>']) {
        return Ok(());
    }
    let inner = address
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(inner, _)| inner.trim())
        .filter(|inner| !inner.is_empty());
    Err(match inner {
        Some(inner) => {
            bad(address, &format!("is not a plain address: write it without name or angle brackets, as {inner}"))
        }
        None => bad(address, "is not an e-mail address: remove the angle brackets"),
    })
}

/// Splits at the `@` between local part and domain, allowing `@` inside a quoted local part.
fn split_at_sign(address: &str) -> Result<(&str, &str), SyntaxError> {
    let local_end = if address.starts_with('"') {
        quoted_string_end(address).ok_or_else(|| bad(address, "has an opening '\"' without a closing one"))?
    } else {
        address.find('@').unwrap_or(address.len())
    };
    let (local, rest) = address.split_at(local_end);
    let Some(domain) = rest.strip_prefix('@') else {
        return Err(if address.contains(char::is_whitespace) && rest.is_empty() {
            bad(address, "is not an e-mail address: it has no '@' (and an address cannot contain spaces)")
        } else if rest.is_empty() {
            bad(address, "is not an e-mail address: it has no '@'")
        } else {
            bad(address, "must have '@' right after the closing '\"'")
        });
    };
    if domain.contains('@') {
        return Err(bad(address, "has more than one '@': write a single address"));
    }
    Ok((local, domain))
}

/// The byte offset just past the closing quote of a leading quoted string.
fn quoted_string_end(address: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in address.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn check_local_part(address: &str, local: &str) -> Result<(), SyntaxError> {
    if local.is_empty() {
        return Err(bad(address, "has nothing before the '@'"));
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(bad(address, "has more than 64 characters before the '@'"));
    }
    if local.starts_with('"') {
        return check_quoted_local(address, local);
    }
    check_dot_atom(address, local)
}

fn check_quoted_local(address: &str, local: &str) -> Result<(), SyntaxError> {
    if local.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return Err(bad(address, "has a character before the '@' that e-mail does not allow"));
    }
    Ok(())
}

fn check_dot_atom(address: &str, local: &str) -> Result<(), SyntaxError> {
    if local.contains(char::is_whitespace) {
        return Err(bad(address, "is not an e-mail address: an address cannot contain spaces"));
    }
    check_dots(address, local, "before the '@'")?;
    match local.chars().find(|&c| c != '.' && !is_atext(c)) {
        Some(c) => Err(bad(address, &format!("contains '{c}', which is not allowed before the '@'"))),
        None => Ok(()),
    }
}

/// RFC 822 atom characters: letters, digits and the listed specials.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn check_dots(address: &str, part: &str, place: &str) -> Result<(), SyntaxError> {
    if part.starts_with('.') || part.ends_with('.') {
        return Err(bad(address, &format!("must not start or end with a dot {place}")));
    }
    if part.contains("..") {
        return Err(bad(address, &format!("has two dots in a row {place}")));
    }
    Ok(())
}

fn check_domain(address: &str, domain: &str) -> Result<(), SyntaxError> {
    if domain.is_empty() {
        return Err(bad(address, "has no domain after the '@'"));
    }
    if domain.contains(char::is_whitespace) {
        return Err(bad(address, "is not an e-mail address: an address cannot contain spaces"));
    }
    if domain.starts_with('[') {
        return Err(bad(address, "must use a domain name, not an address in brackets"));
    }
    check_dots(address, domain, "after the '@'")?;
    if domain.len() > MAX_DOMAIN_LEN {
        return Err(bad(address, "has a domain longer than 253 characters"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.iter().try_for_each(|label| check_label(address, label))?;
    check_qualified(address, domain, &labels)
}

fn check_label(address: &str, label: &str) -> Result<(), SyntaxError> {
    if let Some(c) = label.chars().find(|&c| !c.is_ascii_alphanumeric() && c != '-') {
        return Err(bad(address, &format!("contains '{c}', which is not allowed in a domain name")));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(bad(address, &format!("has '{label}' in its domain: a name part must not start or end with '-'")));
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(bad(address, "has a domain name part longer than 63 characters"));
    }
    Ok(())
}

/// A single label (`terabit`) only resolves inside the sender's own network.
fn check_qualified(address: &str, domain: &str, labels: &[&str]) -> Result<(), SyntaxError> {
    if labels.len() < 2 {
        return Err(bad(
            address,
            &format!(
                "does not have a fully qualified domain: write the full name, such as {domain}.com or {domain}.net"
            ),
        ));
    }
    let top = labels.last().copied().unwrap_or_default();
    if top.len() < 2 || !top.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad(address, &format!("ends in '{top}', which is not a top-level domain")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick path as it was first written, part by part: the oracle for the one-pass reader.
    fn plain_address_by_parts(address: &str) -> bool {
        let bytes = address.as_bytes();
        let Some(at) = bytes.iter().position(|&b| b == b'@') else { return false };
        let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
        if local.is_empty() || local.len() > MAX_LOCAL_LEN || domain.len() > MAX_DOMAIN_LEN {
            return false;
        }
        let word =
            |part: &[u8]| !part.is_empty() && part.iter().all(|&b| b.is_ascii_alphanumeric() || b"-_+".contains(&b));
        if !local.split(|&b| b == b'.').all(word) {
            return false;
        }
        let label = |part: &[u8]| {
            !part.is_empty()
                && part.len() <= MAX_LABEL_LEN
                && part.first() != Some(&b'-')
                && part.last() != Some(&b'-')
                && part.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        };
        let parts: Vec<&[u8]> = domain.split(|&b| b == b'.').collect();
        let top = parts.last().copied().unwrap_or_default();
        parts.iter().all(|part| label(part))
            && parts.len() >= 2
            && top.len() >= 2
            && top.iter().all(u8::is_ascii_alphabetic)
    }

    #[test]
    fn the_quick_path_reads_as_the_parts_do() {
        // Every text of up to five of these, with and without a top-level domain, and around the length limits.
        let alphabet = ["a", "Z", "0", ".", "-", "_", "+", "@", "\u{e9}", "ab"];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last.iter().flat_map(|text| alphabet.iter().map(move |piece| format!("{text}{piece}"))).collect();
            texts.extend(last.iter().flat_map(|text| [text.clone(), format!("{text}.net")]));
        }
        for length in [1, 2, 62, 63, 64, 65, 66] {
            let long = "a".repeat(length);
            texts.push(format!("{long}@example.net"));
            texts.push(format!("jo@{long}.net"));
            texts.push(format!("jo@example.{long}"));
            texts.push(format!("jo@{long}-{long}.{long}.{long}.net"));
        }
        for count in [60, 61, 62, 63, 64] {
            texts.push(format!("jo@{}net", "abc.".repeat(count)));
        }
        let mut accepted = 0;
        for text in &texts {
            assert_eq!(is_plain_address(text), plain_address_by_parts(text), "{text:?}");
            accepted += usize::from(is_plain_address(text));
        }
        assert!(accepted > 1000, "only {accepted} accepted");
    }

    /// What the one-pass reader accepts, the full check accepts.
    #[test]
    fn the_quick_path_accepts_only_what_the_full_check_does() {
        let alphabet = ['a', 'Z', '0', '.', '-', '_', '+', '@', ' ', '"', '<'];
        let mut frontier = vec![String::from("x@")];
        let mut accepted = 0;
        for _ in 0..6 {
            frontier = frontier.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            for address in frontier.iter().flat_map(|s| [s.clone(), format!("{s}.net"), s.replacen('x', "a.b", 1)]) {
                let body = address.strip_prefix('x').map(|rest| format!("jo{rest}")).unwrap_or(address);
                if is_plain_address(&body) {
                    accepted += 1;
                    assert!(check_email(&body).is_ok(), "{body:?}");
                }
            }
        }
        assert!(accepted > 1000, "the quick path took only {accepted}");
        for address in ["jo@example.net", "a.b-c_d+e@sub.example.co.uk", "noc1@example.net"] {
            assert!(is_plain_address(address), "{address}");
        }
    }

    fn message(v: &str) -> String {
        check_email(v).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn accepts_fully_qualified_addresses() {
        for v in [
            "johndoe@terabit.na",
            "santa@xmas.nn",
            "tom.smith@example.org",
            "first+tag@sub.example.co.uk",
            " hostmaster@apnic.net ",
            "o'brien@example.ie",
            "a_b-c@x-y.example.com",
            "\"john doe\"@example.org",
            "\"odd@local\"@example.org",
            "x@1.example.com",
        ] {
            assert!(check_email(v).is_ok(), "{v}: {}", message(v));
        }
    }

    #[test]
    fn rejects_unqualified_domains() {
        assert_eq!(
            message("johndoe@terabit"),
            "'johndoe@terabit' does not have a fully qualified domain: write the full name, such as terabit.com or terabit.net"
        );
        assert!(message("a@example.123").contains("'123'"));
        assert!(message("a@example.c").contains("top-level"));
    }

    #[test]
    fn rejects_spaces_brackets_and_at_signs() {
        assert!(message("john doe@x.nn").starts_with("'john doe@x.nn'"));
        assert!(message("john doe@x.nn").contains("spaces"));
        assert!(message("<a@b.cc>").contains("without name or angle brackets, as a@b.cc"));
        assert!(message("John Doe <jd@b.cc>").contains("as jd@b.cc"));
        assert!(message("<>").contains("angle brackets"));
        assert!(message("a@b@c.cc").contains("more than one '@'"));
        assert!(message("johndoe.terabit.na").contains("no '@'"));
        assert!(message("john doe").contains("no '@'"));
        assert!(message("@x.nn").contains("nothing before"));
        assert!(message("a@").contains("no domain"));
        assert!(message("a@x .nn").contains("spaces"));
    }

    #[test]
    fn rejects_misplaced_dots() {
        assert!(message(".tom@example.org").contains("start or end with a dot"));
        assert!(message("tom.@example.org").contains("start or end with a dot"));
        assert!(message("tom..smith@example.org").contains("two dots"));
        assert!(message("tom@example..org").contains("two dots"));
        assert!(message("tom@example.org.").contains("start or end with a dot"));
        assert!(message("tom@.example.org").contains("start or end with a dot"));
    }

    #[test]
    fn rejects_bad_characters_and_labels() {
        assert!(message("tom,smith@example.org").contains("','"));
        assert!(message("tom@exa_mple.org").contains("'_'"));
        assert!(message("tom@-example.org").contains("'-example'"));
        assert!(message("tom@example-.org").contains("'example-'"));
        assert!(message("tom@[10.0.0.1]").contains("brackets"));
        assert!(message("jürgen@example.de").contains("'ü'"));
        assert!(message("tom@exämple.de").contains("'ä'"));
        assert!(message("\"unclosed@example.org").contains("closing"));
        assert!(message("\"a\"b@example.org").contains("right after"));
        assert!(message("").contains("missing"));
    }

    #[test]
    fn enforces_lengths() {
        let long_label = "a".repeat(64);
        assert!(message(&format!("a@{long_label}.com")).contains("63"));
        let long_domain = format!("{}.com", ["abcdefghi"; 26].join("."));
        assert!(message(&format!("a@{long_domain}")).contains("253"));
        assert!(message(&format!("{}@example.com", "a".repeat(65))).contains("64"));
        assert!(check_email(&format!("{}@example.com", "a".repeat(64))).is_ok());
    }
}
