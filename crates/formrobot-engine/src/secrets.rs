//! Secrets a sender wrote that no reply and no view may repeat: `auth:` hashes
//! and passwords, found by the attribute's name (misspellings included), by the
//! shape of the value (`CRYPT-PW x`, `MD5-PW x`, `$1$...`, `$2a$...`,
//! anything after `password:`) and on the continuation lines of such an
//! attribute. Replies (`formrobot-mail`), the objects the store keeps and what
//! operators read (`formrobot-store`'s queries) all mask with this one masker.

use crate::grammar::contains_ignore_case;
use std::borrow::Cow;

/// What replaces a secret.
const HIDDEN: &str = "<hidden>";

/// Masks the secrets of one line, on its own (see [`SecretMasker`] for whole texts,
/// which also hides the continuation lines of a secret attribute).
pub fn mask_secrets(line: &str) -> String {
    SecretMasker::default().line(line).into_owned()
}

/// Masks the secrets of a whole text (an object, a log entry), line by line.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    let mut masker = SecretMasker::new();
    // Copied only from the first line that changes: most texts hold no secret.
    let mut masked: Option<String> = None;
    let mut start = 0;
    for (index, line) in text.split('\n').enumerate() {
        let shown = masker.line(line);
        match &mut masked {
            Some(out) => {
                if index > 0 {
                    out.push('\n');
                }
                out.push_str(&shown);
            }
            None if shown != line => {
                let mut out = String::with_capacity(text.len());
                out.push_str(&text[..start]);
                out.push_str(&shown);
                masked = Some(out);
            }
            None => {}
        }
        start += line.len() + 1;
    }
    masked.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// Masks the secrets of a text line by line, remembering whether the
/// attribute being continued holds a secret.
#[derive(Debug, Default, Clone)]
pub struct SecretMasker {
    /// The attribute that the next continuation line continues holds a secret.
    in_secret: bool,
}

impl SecretMasker {
    /// A masker at the start of a text.
    pub fn new() -> SecretMasker {
        SecretMasker::default()
    }

    /// The line as it may be shown: the line itself, not a copy, when it holds no secret.
    pub fn line<'a>(&mut self, line: &'a str) -> Cow<'a, str> {
        let is_continuation = line.starts_with([' ', '\t', '+']);
        if is_continuation {
            if self.in_secret {
                let content = line.trim_start_matches([' ', '\t', '+']);
                if content.trim().is_empty() {
                    return Cow::Borrowed(line);
                }
                let lead = &line[..line.len() - content.len()];
                return Cow::Owned(format!("{lead}{HIDDEN}"));
            }
            return mask_by_shape(line);
        }
        self.in_secret = false;
        let Some((name, value)) = line.split_once(':') else { return mask_by_shape(line) };
        let attribute = name.trim();
        if !is_attribute_name(attribute) {
            return mask_by_shape(line);
        }
        let letters = Letters::of(attribute);
        if is_password_name(attribute, &letters) {
            self.in_secret = true;
            return if value.trim().is_empty() { Cow::Borrowed(line) } else { Cow::Owned(format!("{name}: {HIDDEN}")) };
        }
        if is_auth_name(&letters) {
            self.in_secret = true;
            let mut words = value.split_whitespace();
            let scheme = words.next().unwrap_or_default();
            return match words.next() {
                Some(_) => Cow::Owned(format!("{name}: {scheme} {HIDDEN}")),
                // A scheme alone (PGPKEY-..., NONE) is no secret; a lone word that is no scheme may be one.
                None if scheme.is_empty() || is_public_scheme(scheme) || is_secret_scheme(scheme) => {
                    Cow::Borrowed(line)
                }
                None => Cow::Owned(format!("{name}: {HIDDEN}")),
            };
        }
        mask_by_shape(line)
    }
}

/// The letters of an attribute name, lower case, without a copy on the heap:
/// every line of every echoed form and stored object asks whether its name is
/// a secret one. Names with more letters than any secret name (and one to
/// spare for a misspelling) keep only a count, which matches none.
struct Letters {
    kept: [u8; Letters::ROOM],
    count: usize,
}

impl Letters {
    /// `override` and `password` have 8 letters; one more for a letter too many.
    const ROOM: usize = 9;

    fn of(name: &str) -> Letters {
        let mut letters = Letters { kept: [0; Letters::ROOM], count: 0 };
        for b in name.bytes().filter(u8::is_ascii_alphabetic) {
            if let Some(slot) = letters.kept.get_mut(letters.count) {
                *slot = b.to_ascii_lowercase();
            }
            letters.count += 1;
        }
        letters
    }

    /// The letters, or an empty text when there were too many to keep.
    fn as_str(&self) -> &str {
        self.kept.get(..self.count).and_then(|kept| std::str::from_utf8(kept).ok()).unwrap_or("")
    }
}

/// Masks what looks like a secret wherever it stands on the line.
fn mask_by_shape(line: &str) -> Cow<'_, str> {
    // Every shape of secret holds one of these: `password:`/`passwd:`, a `$` hash, a `CRYPT-PW`/`MD5-PW` scheme.
    if !line.contains('$') && !contains_ignore_case(line, "pass") && !contains_ignore_case(line, "-pw") {
        return Cow::Borrowed(line);
    }
    let lower = line.to_ascii_lowercase();
    let cut = ["password:", "passwd:"].iter().filter_map(|marker| lower.find(marker).map(|at| at + marker.len())).min();
    if let Some(end) = cut.filter(|end| !line[*end..].trim().is_empty()) {
        return Cow::Owned(format!("{} {HIDDEN}", &line[..end]));
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut hide_rest = false;
    let mut changed = false;
    let mut shown: Vec<&str> = Vec::with_capacity(words.len());
    for word in &words {
        if hide_rest || is_hash(word) {
            changed = true;
            if shown.last() != Some(&HIDDEN) {
                shown.push(HIDDEN);
            }
            continue;
        }
        shown.push(word);
        let scheme = word.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()).to_ascii_uppercase();
        if is_secret_scheme(&scheme) {
            hide_rest = true;
        }
    }
    if !changed {
        return Cow::Borrowed(line);
    }
    let lead = &line[..line.len() - line.trim_start().len()];
    Cow::Owned(format!("{lead}{}", shown.join(" ")))
}

/// A crypt(3)-style hash: `$1$`, `$2a$`, `$5$`, `$6$`, `$apr1$`, `$y$`, `$argon2...`.
fn is_hash(word: &str) -> bool {
    let Some(rest) = word.strip_prefix('$') else { return false };
    let Some((id, tail)) = rest.split_once('$') else { return false };
    !id.is_empty() && id.len() <= 10 && id.chars().all(|c| c.is_ascii_alphanumeric()) && !tail.is_empty()
}

fn is_attribute_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 30 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `auth` and what a hurried hand makes of it (`auht`, `ath`, `auth-`), by the name's letters.
fn is_auth_name(letters: &Letters) -> bool {
    let letters = letters.as_str();
    letters == "auth" || within_one_edit(letters, "auth") || is_transposition(letters, "auth")
}

/// `password`, `passwd`, `override` and their misspellings, and RIPE's other
/// pseudo-attributes `dry-run` and `delete`, whose values are never echoed either.
fn is_password_name(name: &str, letters: &Letters) -> bool {
    let letters = letters.as_str();
    let secret = ["password", "passwd", "override"]
        .iter()
        .any(|word| letters == *word || within_one_edit(letters, word) || is_transposition(letters, word));
    secret || name.eq_ignore_ascii_case("dry-run") || name.eq_ignore_ascii_case("delete")
}

/// Scheme words followed by a secret.
fn is_secret_scheme(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("CRYPT-PW") || scheme.eq_ignore_ascii_case("MD5-PW")
}

/// Scheme words that name a key, not a secret.
fn is_public_scheme(scheme: &str) -> bool {
    let upper = scheme.to_ascii_uppercase();
    upper.starts_with("PGPKEY-") || upper.starts_with("X509-") || upper == "NONE" || upper.starts_with("SSO")
}

/// One letter inserted, removed or changed.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    a.len().saturating_sub(prefix + suffix) <= 1 && b.len().saturating_sub(prefix + suffix) <= 1
}

/// Two neighbouring letters swapped.
fn is_transposition(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut differ = (0..a.len()).filter(|&i| a[i] != b[i]);
    match (differ.next(), differ.next(), differ.next()) {
        (Some(first), Some(second), None) => second == first + 1 && a[first] == b[second] && a[second] == b[first],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut masker = SecretMasker::new();
        text.lines().map(|line| masker.line(line)).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn lines_without_a_secret_are_given_back_without_a_copy() {
        let mut masker = SecretMasker::new();
        for line in ["aut-num: AS65537", "descr: passes traffic for $5", "  continued", "remarks: MD5", "x", ""] {
            assert!(matches!(masker.line(line), Cow::Borrowed(shown) if shown == line), "{line:?}");
        }
        // Each shape of secret, in any case, is still found.
        for (line, shown) in [
            ("remarks: my PassWord: hunter2", "remarks: my PassWord: <hidden>"),
            ("remarks: Passwd: hunter2", "remarks: Passwd: <hidden>"),
            ("remarks: md5-pw $1$salt$hash", "remarks: md5-pw <hidden>"),
            ("remarks: crypt-PW peEw8Gb4xBNqI", "remarks: crypt-PW <hidden>"),
            ("descr: $2a$10$abc", "descr: <hidden>"),
            ("PASSWORD: hunter2", "PASSWORD: <hidden>"),
            ("Overide: x", "Overide: <hidden>"),
        ] {
            assert_eq!(SecretMasker::new().line(line), shown, "{line:?}");
        }
    }

    #[test]
    fn a_whole_text_keeps_its_lines_and_loses_its_secrets() {
        let object = "mntner: EX-MNT\nauth: MD5-PW $1$salt$hash\n  $1$more$hash\nsource: RIPE\n";
        assert_eq!(mask_text(object), "mntner: EX-MNT\nauth: MD5-PW <hidden>\n  <hidden>\nsource: RIPE\n");
        assert_eq!(mask_text(&mask_text(object)), mask_text(object), "masking twice changes nothing");
    }

    #[test]
    fn secrets_are_masked_by_name() {
        assert_eq!(mask_secrets("auth:   CRYPT-PW peEw8Gb4xBNqI"), "auth: CRYPT-PW <hidden>");
        assert_eq!(mask_secrets("auth: PGPKEY-1A2B3C4D"), "auth: PGPKEY-1A2B3C4D");
        assert_eq!(mask_secrets("password: hunter2"), "password: <hidden>");
        assert_eq!(mask_secrets("override: hunter2"), "override: <hidden>");
        assert_eq!(mask_secrets("overide: hunter2"), "overide: <hidden>");
        assert_eq!(mask_secrets("dry-run: a reason"), "dry-run: <hidden>");
        assert_eq!(mask_secrets("delete: a reason"), "delete: <hidden>");
        assert_eq!(mask_secrets("descr: auth: none"), "descr: auth: none");
    }

    #[test]
    fn misspelt_names_are_masked() {
        assert_eq!(mask_secrets("auht: CRYPT-PW peEw8Gb4xBNqI"), "auht: CRYPT-PW <hidden>");
        assert_eq!(mask_secrets("auht: hunter2"), "auht: <hidden>");
        assert_eq!(mask_secrets("pasword: hunter2"), "pasword: <hidden>");
        assert_eq!(mask_secrets("Passwrod: hunter2"), "Passwrod: <hidden>");
        assert_eq!(mask_secrets("author: Jo"), "author: Jo", "a different word stays");
    }

    #[test]
    fn secrets_are_masked_by_shape() {
        assert_eq!(mask_secrets("remarks: my MD5-PW $1$abcd$efgh is here"), "remarks: my MD5-PW <hidden>");
        assert_eq!(mask_secrets("remarks: $2a$10$abcdefghijklmnopqrstuv"), "remarks: <hidden>");
        assert_eq!(mask_secrets("remarks: the password: hunter2"), "remarks: the password: <hidden>");
        assert_eq!(mask_secrets("remarks: costs $5 or $10"), "remarks: costs $5 or $10");
    }

    #[test]
    fn continuation_lines_of_a_secret_are_masked() {
        let text = "mntner: EX-MNT\nauth: CRYPT-PW\n    peEw8Gb4xBNqI\n+   more\ndescr: x\n    plain continuation\npassword:\n hunter2";
        assert_eq!(
            masked(text),
            "mntner: EX-MNT\nauth: CRYPT-PW\n    <hidden>\n+   <hidden>\ndescr: x\n    plain continuation\npassword:\n <hidden>"
        );
        assert_eq!(masked("descr: x\n password: hunter2"), "descr: x\n password: <hidden>");
        assert_eq!(masked("descr: x\n\tMD5-PW $1$salt$hash"), "descr: x\n\tMD5-PW <hidden>");
    }
}
