//! Secrets a sender wrote that no reply and no view may repeat: `auth:` hashes
//! and passwords, found by the attribute's name (misspellings included), by the
//! shape of the value (`CRYPT-PW x`, `MD5-PW x`, `$1$...`, `$2a$...`,
//! anything after `password:`) and on the continuation lines of such an
//! attribute. Replies (`formrobot-mail`), the objects the store keeps and what
//! operators read (`formrobot-store`'s queries) all mask with this one masker.

use std::borrow::Cow;

/// What replaces a secret.
const HIDDEN: &str = "<hidden>";

/// Masks the secrets of one line, on its own (see [`SecretMasker`] for whole texts,
/// which also hides the continuation lines of a secret attribute).
pub fn mask_secrets(line: &str) -> String {
    SecretMasker::default().line(line)
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

    /// The line as it may be shown.
    pub fn line(&mut self, line: &str) -> String {
        let is_continuation = line.starts_with([' ', '\t', '+']);
        if is_continuation {
            if self.in_secret {
                let content = line.trim_start_matches([' ', '\t', '+']);
                if content.trim().is_empty() {
                    return line.to_owned();
                }
                let lead = &line[..line.len() - content.len()];
                return format!("{lead}{HIDDEN}");
            }
            return mask_by_shape(line);
        }
        self.in_secret = false;
        let Some((name, value)) = line.split_once(':') else { return mask_by_shape(line) };
        let attribute = name.trim().to_ascii_lowercase();
        if is_attribute_name(&attribute) && is_password_name(&attribute) {
            self.in_secret = true;
            return if value.trim().is_empty() { line.to_owned() } else { format!("{name}: {HIDDEN}") };
        }
        if is_attribute_name(&attribute) && is_auth_name(&attribute) {
            self.in_secret = true;
            let mut words = value.split_whitespace();
            let scheme = words.next().unwrap_or_default();
            return match words.next() {
                Some(_) => format!("{name}: {scheme} {HIDDEN}"),
                // A scheme alone (PGPKEY-..., NONE) is no secret; a lone word that is no scheme may be one.
                None if scheme.is_empty() || is_public_scheme(scheme) || is_secret_scheme(scheme) => line.to_owned(),
                None => format!("{name}: {HIDDEN}"),
            };
        }
        mask_by_shape(line)
    }
}

/// Masks what looks like a secret wherever it stands on the line.
fn mask_by_shape(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let cut = ["password:", "passwd:"].iter().filter_map(|marker| lower.find(marker).map(|at| at + marker.len())).min();
    if let Some(end) = cut.filter(|end| !line[*end..].trim().is_empty()) {
        return format!("{} {HIDDEN}", &line[..end]);
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
        return line.to_owned();
    }
    let lead = &line[..line.len() - line.trim_start().len()];
    format!("{lead}{}", shown.join(" "))
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

/// `auth` and what a hurried hand makes of it (`auht`, `ath`, `auth-`).
fn is_auth_name(name: &str) -> bool {
    let letters: String = name.chars().filter(char::is_ascii_alphabetic).collect();
    letters == "auth" || within_one_edit(&letters, "auth") || is_transposition(&letters, "auth")
}

/// `password`, `passwd`, `override` and their misspellings, and RIPE's other
/// pseudo-attributes `dry-run` and `delete`, whose values are never echoed either.
fn is_password_name(name: &str) -> bool {
    let letters: String = name.chars().filter(char::is_ascii_alphabetic).collect();
    let secret = ["password", "passwd", "override"]
        .iter()
        .any(|word| letters == *word || within_one_edit(&letters, word) || is_transposition(&letters, word));
    secret || name == "dry-run" || name == "delete"
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
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    differ.len() == 2 && differ[1] == differ[0] + 1 && a[differ[0]] == b[differ[1]] && a[differ[1]] == b[differ[0]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut masker = SecretMasker::new();
        text.lines().map(|line| masker.line(line)).collect::<Vec<_>>().join("\n")
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
