//! An approved request's objects completed for the registry, as the seed
//! documents say: the placeholders for the new AS become its number
//! (`aut-num: NEW`/`NEWn` in RIPE-228; APNIC-038's count becomes that many
//! aut-nums), `NEW`, `ASNEW` and `THIS-AS` in the routing policies become the
//! number, APNIC as-names get `-AP`, an APNIC object without `changed:` gets
//! the requester's address and the date, one without `mnt-by:` a default
//! maintainer created for the requester (without authentication, as APNIC-038
//! says), and every object the registry's `source:`.
//!
//! Pure: the AS numbers, the requester, the date and the source come in; the
//! objects' texts (as the store keeps them, real handles in place) go in and
//! out. Which numbers are free is the store's knowledge.

use crate::date::Date;
use crate::dialect::Dialect;
use crate::grammar::asn::{as_name, is_new_placeholder, parse_as_number, NewPlaceholder};
use crate::grammar::parse_digits;
use crate::resolve::NAME_COLUMN;
use crate::syntax::apnic_as_count;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A range of AS numbers a registry gives out, `AS64496-AS64511` (or one, `AS64496`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AsnRange {
    /// The first number.
    pub first: u32,
    /// The last number, included.
    pub last: u32,
}

/// Why a pool is not a range of AS numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a range of AS numbers such as AS64496-AS64511 (the first no higher than the last)")]
pub struct BadRange(pub String);

impl FromStr for AsnRange {
    type Err = BadRange;

    fn from_str(text: &str) -> Result<AsnRange, BadRange> {
        let bad = || BadRange(text.to_owned());
        let (first, last) = match text.split_once('-') {
            Some((first, last)) => (first.trim(), last.trim()),
            None => (text.trim(), text.trim()),
        };
        let first = parse_as_number(first).ok_or_else(bad)?;
        let last = parse_as_number(last).ok_or_else(bad)?;
        if first > last || first == 0 {
            return Err(bad());
        }
        Ok(AsnRange { first, last })
    }
}

impl fmt::Display for AsnRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", as_name(self.first), as_name(self.last))
    }
}

/// The canonical spelling of an AS number, `AS64496`.
pub fn asn_text(asn: u32) -> String {
    as_name(asn)
}

/// Reads an AS number as people write it (`AS64496`, `as64496`) or as plain digits.
pub fn read_asn(text: &str) -> Option<u32> {
    let text = text.trim();
    parse_as_number(text).or_else(|| parse_digits(text))
}

/// What the registration needs besides the objects.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    /// The form's dialect.
    pub dialect: Dialect,
    /// The AS numbers assigned, as many as [`numbers_needed`] said, in order.
    pub asns: &'a [u32],
    /// The requester's address, for `changed:` and the default maintainer.
    pub requester: &'a str,
    /// The day of the approval.
    pub today: Date,
    /// The registry's `source:`.
    pub source: &'a str,
}

/// Why the objects could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The number of AS numbers given is not the number the request asks for.
    #[error("the request asks for {wanted} AS number(s), but {given} were given")]
    WrongCount {
        /// What the request asks for.
        wanted: usize,
        /// What was given.
        given: usize,
    },
}

/// The policy attributes whose placeholders become the new AS number.
const POLICY_ATTRIBUTES: &[&str] =
    &["import", "export", "default", "mp-import", "mp-export", "mp-default", "as-in", "as-out"];

/// The APNIC suffix of names and handles in its registry.
const APNIC_SUFFIX: &str = "-AP";

/// An object of the request: its class (an APNIC template's comes from its
/// header) and its text as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectText<'a> {
    /// `aut-num`, `person`, ...
    pub class: &'a str,
    /// `name: value` lines, real handles in place.
    pub text: &'a str,
}

/// How many AS numbers the request's objects ask for: one per RIPE aut-num,
/// the count in each APNIC `aut-num:`.
pub fn numbers_needed(dialect: Dialect, objects: &[ObjectText<'_>]) -> usize {
    objects
        .iter()
        .map(Paragraph::read)
        .filter(|p| p.class() == Some("aut-num"))
        .map(|p| match dialect {
            Dialect::Ripe => 1,
            Dialect::Apnic => apnic_count(&p),
        })
        .sum()
}

/// The count an accepted APNIC `aut-num:` asks for (validation has checked it; one otherwise).
fn apnic_count(aut_num: &Paragraph) -> usize {
    aut_num.value("aut-num").and_then(apnic_as_count).map_or(1, |n| usize::try_from(n).unwrap_or(1))
}

/// The objects as they enter the registry, in the request's order (a default
/// maintainer, when one is created, first: the others name it).
pub fn complete(objects: &[ObjectText<'_>], completion: &Completion<'_>) -> Result<Vec<String>, RegisterError> {
    let wanted = numbers_needed(completion.dialect, objects);
    if wanted != completion.asns.len() {
        return Err(RegisterError::WrongCount { wanted, given: completion.asns.len() });
    }
    let mut paragraphs: Vec<Paragraph> = objects.iter().map(Paragraph::read).collect();

    // Which AS each aut-num becomes, and which number each RIPE placeholder (NEW1, NEW2) names.
    let mut next = completion.asns.iter().copied();
    let mut expanded: Vec<(Paragraph, Option<u32>)> = Vec::new();
    let mut by_placeholder: HashMap<String, u32> = HashMap::new();
    for paragraph in paragraphs.drain(..) {
        if paragraph.class() != Some("aut-num") {
            expanded.push((paragraph, None));
            continue;
        }
        let copies = match completion.dialect {
            Dialect::Ripe => 1,
            Dialect::Apnic => apnic_count(&paragraph),
        };
        let placeholder = paragraph.value("aut-num").map(|v| v.trim().to_ascii_uppercase()).unwrap_or_default();
        for _ in 0..copies {
            let Some(asn) = next.next() else { break };
            if is_new_placeholder(&placeholder, NewPlaceholder::AutNum) {
                by_placeholder.entry(placeholder.clone()).or_insert(asn);
            }
            expanded.push((paragraph.clone(), Some(asn)));
        }
    }

    let apnic = completion.dialect == Dialect::Apnic;
    let date =
        format!("{:02}{:02}{:02}", completion.today.year.rem_euclid(100), completion.today.month, completion.today.day);
    let changed = format!("{} {date}", completion.requester);
    let needs_maintainer = apnic && expanded.iter().any(|(p, _)| p.value("mnt-by").is_none());
    let first_aut_num = expanded.iter().find(|(_, asn)| asn.is_some()).map(|(p, _)| p.clone());
    let maintainer = needs_maintainer.then(|| default_maintainer_name(first_aut_num.as_ref(), completion.asns));

    let mut done: Vec<String> = Vec::new();
    if let Some(name) = &maintainer {
        let mut mntner = Paragraph { class: "mntner".to_owned(), attributes: Vec::new() };
        mntner.push("mntner", name);
        // The requester is named in upd-to; a descr line stays short enough for a 7-bit reply.
        mntner.push("descr", "Default maintainer, without authentication");
        for contact in ["admin-c", "tech-c"] {
            if let Some(value) = first_aut_num.as_ref().and_then(|p| p.value(contact)) {
                mntner.push(contact, value);
            }
        }
        mntner.push("upd-to", completion.requester);
        mntner.push("auth", "NONE");
        mntner.push("mnt-by", name);
        mntner.push("changed", &changed);
        mntner.push("source", completion.source);
        done.push(mntner.render());
    }
    for (mut paragraph, asn) in expanded {
        if let Some(asn) = asn {
            paragraph.set("aut-num", &as_name(asn));
            paragraph.rewrite_policies(asn, &by_placeholder);
            if apnic {
                if let Some(name) = paragraph.value("as-name").map(str::to_owned) {
                    let ends_ap = name.to_ascii_uppercase().ends_with(APNIC_SUFFIX);
                    if !ends_ap {
                        paragraph.set("as-name", &format!("{name}{APNIC_SUFFIX}"));
                    }
                }
            }
        }
        if apnic {
            if paragraph.value("changed").is_none() {
                paragraph.insert_before_source("changed", &changed);
            }
            if let (None, Some(name)) = (paragraph.value("mnt-by"), &maintainer) {
                paragraph.insert_before_source("mnt-by", name);
            }
        }
        paragraph.set_source(completion.source);
        done.push(paragraph.render());
    }
    Ok(done)
}

/// `MAINT-<as-name>-AP`, from the first aut-num's name, else its number.
fn default_maintainer_name(aut_num: Option<&Paragraph>, asns: &[u32]) -> String {
    let base = aut_num
        .and_then(|p| p.value("as-name"))
        .map(|name| name.trim().to_ascii_uppercase())
        .filter(|name| !name.is_empty())
        .map(|name| name.strip_suffix(APNIC_SUFFIX).map(str::to_owned).unwrap_or(name))
        .unwrap_or_else(|| asns.first().map_or_else(|| "DEFAULT".to_owned(), |asn| as_name(*asn)));
    format!("MAINT-{base}{APNIC_SUFFIX}")
}

/// One attribute: its name and its lines (the first line's value, then continuation lines).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attribute {
    name: String,
    lines: Vec<String>,
}

/// An object as lines of attributes; template headers and comments are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Paragraph {
    class: String,
    attributes: Vec<Attribute>,
}

impl Paragraph {
    fn read(object: &ObjectText<'_>) -> Paragraph {
        let mut attributes: Vec<Attribute> = Vec::new();
        for line in object.text.lines() {
            if line.trim().is_empty() || line.starts_with('#') || line.starts_with('%') {
                continue;
            }
            let continues = line.starts_with([' ', '\t', '+']);
            match (continues, attributes.last_mut(), line.split_once(':')) {
                (true, Some(last), _) => last.lines.push(line.trim_start_matches('+').trim().to_owned()),
                (false, _, Some((name, value))) => attributes
                    .push(Attribute { name: name.trim().to_ascii_lowercase(), lines: vec![value.trim().to_owned()] }),
                _ => {}
            }
        }
        Paragraph { class: object.class.to_ascii_lowercase(), attributes }
    }

    fn class(&self) -> Option<&str> {
        Some(self.class.as_str())
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|a| a.name == name).map(|a| a.lines[0].as_str()).filter(|v| !v.is_empty())
    }

    fn push(&mut self, name: &str, value: &str) {
        self.attributes.push(Attribute { name: name.to_owned(), lines: vec![value.to_owned()] });
    }

    /// Gives the first `name` attribute the one-line `value`.
    fn set(&mut self, name: &str, value: &str) {
        if let Some(attribute) = self.attributes.iter_mut().find(|a| a.name == name) {
            attribute.lines = vec![value.to_owned()];
        }
    }

    fn insert_before_source(&mut self, name: &str, value: &str) {
        let at = self.attributes.iter().position(|a| a.name == "source").unwrap_or(self.attributes.len());
        self.attributes.insert(at, Attribute { name: name.to_owned(), lines: vec![value.to_owned()] });
    }

    /// One `source:` with the registry's name, last.
    fn set_source(&mut self, source: &str) {
        self.attributes.retain(|a| a.name != "source");
        self.push("source", source);
    }

    /// The placeholders in the policies become AS numbers: `NEWn`/`ASNEWn` the
    /// aut-num that `NEWn` names, and `NEW`, `ASNEW`, `THIS-AS` this one.
    fn rewrite_policies(&mut self, asn: u32, by_placeholder: &HashMap<String, u32>) {
        for attribute in self.attributes.iter_mut().filter(|a| POLICY_ATTRIBUTES.contains(&a.name.as_str())) {
            for line in &mut attribute.lines {
                *line = replace_words(line, |word| {
                    let upper = word.to_ascii_uppercase();
                    if upper == "THIS-AS" {
                        return Some(as_name(asn));
                    }
                    if !is_new_placeholder(word, NewPlaceholder::Filter) {
                        return None;
                    }
                    // `NEW` and `ASNEW` are this object's AS; `NEW2` names the aut-num written `NEW2`.
                    let bare = upper.strip_prefix("AS").unwrap_or(&upper);
                    let named = if bare == "NEW" { None } else { by_placeholder.get(bare).copied() };
                    Some(as_name(named.unwrap_or(asn)))
                });
            }
        }
    }

    fn render(&self) -> String {
        let mut text = String::new();
        for attribute in &self.attributes {
            let label = format!("{}:", attribute.name);
            for (index, line) in attribute.lines.iter().enumerate() {
                let lead = if index == 0 { label.as_str() } else { "" };
                text.push_str(format!("{lead:<NAME_COLUMN$}{line}").trim_end());
                text.push('\n');
            }
        }
        text
    }
}

/// A registry object's text as public dumps show it: each `auth:` value
/// filtered ([`crate::syntax::filtered_auth`]), continuation lines of an
/// `auth:` dropped; everything else as it is.
pub fn public_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_auth = false;
    for line in text.lines() {
        let continues = line.starts_with([' ', '\t', '+']);
        if continues && in_auth {
            continue;
        }
        match line.split_once(':').filter(|_| !continues) {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("auth") => {
                in_auth = true;
                let label = format!("{}:", name.trim());
                out.push_str(&format!("{label:<NAME_COLUMN$}{}", crate::syntax::filtered_auth(value)));
            }
            _ => {
                in_auth = in_auth && continues;
                out.push_str(line);
            }
        }
        out.push('\n');
    }
    out
}

/// `text` with each word (letters, digits, `-`, `_`) that `replace` maps replaced.
fn replace_words(text: &str, replace: impl Fn(&str) -> Option<String>) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if is_word(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push_str(&replace(&word).unwrap_or_else(|| word.clone()));
            word.clear();
        }
        if c != '\n' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 23).expect("date")
    }

    #[test]
    fn public_dumps_filter_password_hashes_only() {
        let text = "mntner:  A-MNT\nauth:    MD5-PW $1$abcdefgh$0123456789012345678901\nauth: CRYPT-PW  aBcDeFgHiJkLm\nauth:    PGPKEY-1A2B3C4D\nAUTH:    hunter2 and more\n         continued secret\nsource:  RIPE";
        assert_eq!(
            public_text(text),
            "mntner:  A-MNT\nauth:           MD5-PW # Filtered\nauth:           CRYPT-PW # Filtered\nauth:           PGPKEY-1A2B3C4D\nAUTH:           # Filtered\nsource:  RIPE\n"
        );
    }

    #[test]
    fn pools_read_as_ranges() {
        assert_eq!("AS64496-AS64511".parse(), Ok(AsnRange { first: 64496, last: 64511 }));
        assert_eq!("as65536 - AS65551".parse(), Ok(AsnRange { first: 65536, last: 65551 }));
        assert_eq!("AS64496".parse(), Ok(AsnRange { first: 64496, last: 64496 }));
        for bad in ["AS64511-AS64496", "64496-64511x", "AS0", "", "AS4294967296"] {
            assert!(bad.parse::<AsnRange>().is_err(), "{bad}");
        }
        assert_eq!(AsnRange { first: 1, last: 2 }.to_string(), "AS1-AS2");
        assert_eq!(read_asn("as64500"), Some(64500));
        assert_eq!(read_asn("64500"), Some(64500));
    }

    #[test]
    fn ripe_placeholders_become_the_numbers() {
        let first = "aut-num:        NEW1\nas-name:        ONE\nimport:         from AS1 accept ANY\nexport:         to AS1\n                announce NEW1 OR ASNEW2\nsource:         RIPE\n";
        let second = "aut-num:        NEW2\nas-name:        TWO\nexport:         to AS-NEWS announce ASNEW AND THIS-AS\nsource:         RIPE\n";
        let third = "aut-num:        NEW\nas-name:        THREE\nexport:         to AS1 announce NEW OR NEW1\nsource:         RIPE\n";
        let person = "person:         Jo Example\nnic-hdl:        JE1-RIPE\nsource:         RIPE\n";
        let objects = [("aut-num", first), ("aut-num", second), ("aut-num", third), ("person", person)]
            .map(|(class, text)| ObjectText { class, text });
        assert_eq!(numbers_needed(Dialect::Ripe, &objects), 3);
        let completion = Completion {
            dialect: Dialect::Ripe,
            asns: &[64496, 64497, 64498],
            requester: "jo@example.net",
            today: today(),
            source: "TEST",
        };
        let done = complete(&objects, &completion).expect("completed");
        assert_eq!(done.len(), 4);
        assert!(done[0].starts_with("aut-num:        AS64496\n"), "{}", done[0]);
        assert!(done[0].contains("\n                announce AS64496 OR AS64497\n"), "{}", done[0]);
        assert!(done[0].ends_with("source:         TEST\n"), "{}", done[0]);
        assert!(done[1].contains("export:         to AS-NEWS announce AS64497 AND AS64497\n"), "{}", done[1]);
        assert!(done[2].contains("export:         to AS1 announce AS64498 OR AS64496\n"), "{}", done[2]);
        assert_eq!(done[3], person.replace("RIPE\n", "TEST\n").replace("JE1-TEST", "JE1-RIPE"));
        assert_eq!(
            complete(&objects, &Completion { asns: &[1], ..completion }),
            Err(RegisterError::WrongCount { wanted: 3, given: 1 })
        );
    }

    #[test]
    fn apnic_counts_suffixes_changed_and_a_default_maintainer() {
        let aut_num = "#[AUT-NUM TEMPLATE V3.0]#\nacct-name:      EXAMPLE-AP\naut-num:        2\nas-name:        TERABIT-AS\nadmin-c:        JD1-AP\ntech-c:         JD1-AP\nas-in:          AS1 100 ANY\nas-out:         AS1 THIS-AS\nsource:         APNIC\n";
        let person = "#[PERSON TEMPLATE V4.0]#\nperson:         John Doe\nnic-hdl:        JD1-AP\nmnt-by:         MAINT-FOO-AP\nchanged:        jd@example.net 261120\nsource:         APNIC\n";
        let objects = [("aut-num", aut_num), ("person", person)].map(|(class, text)| ObjectText { class, text });
        assert_eq!(numbers_needed(Dialect::Apnic, &objects), 2);
        let completion = Completion {
            dialect: Dialect::Apnic,
            asns: &[64500, 64501],
            requester: "jd@example.net",
            today: today(),
            source: "APNIC",
        };
        let done = complete(&objects, &completion).expect("completed");
        assert_eq!(done.len(), 4, "{done:#?}");
        assert!(done[0].starts_with("mntner:         MAINT-TERABIT-AS-AP\n"), "{}", done[0]);
        assert!(done[0].contains("auth:           NONE\n") && done[0].contains("upd-to:         jd@example.net\n"));
        for (object, asn) in [(&done[1], "AS64500"), (&done[2], "AS64501")] {
            assert!(object.starts_with("acct-name:"), "{object}");
            assert!(object.contains(&format!("aut-num:        {asn}\n")), "{object}");
            assert!(object.contains("as-name:        TERABIT-AS-AP\n"), "{object}");
            assert!(object.contains(&format!("as-out:         AS1 {asn}\n")), "{object}");
            let tail =
                "changed:        jd@example.net 261123\nmnt-by:         MAINT-TERABIT-AS-AP\nsource:         APNIC\n";
            assert!(object.ends_with(tail), "{object}");
        }
        assert!(
            done[3].contains("mnt-by:         MAINT-FOO-AP\nchanged:        jd@example.net 261120\n"),
            "{}",
            done[3]
        );
        assert!(!done[3].contains("#["), "template headers are not registry text");
    }
}
