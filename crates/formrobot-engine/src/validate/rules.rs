//! Rules that span the objects of one submission.

use super::registry_policy::{check_registry_policy, RegistryPolicy};
use super::{Disposition, NicHdlRequest, Validation};
use crate::diagnostic::{quote, Diagnostic};
use crate::dialect::Dialect;
use crate::syntax::Contact;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

/// Checks the rules across objects, and the registry's policy, adding diagnostics to `validation`.
pub(super) fn check_rules(validation: &mut Validation, dialect: Dialect, comments: &str, policy: &RegistryPolicy) {
    let mut found = Vec::new();
    if !check_something_was_sent(dialect, validation, &mut found) {
        validation.diagnostics.extend(found);
        return;
    }
    check_placeholders(validation, &mut found);
    check_contacts(dialect, validation, &mut found);
    if dialect == Dialect::Apnic && comments.trim().is_empty() {
        check_apnic_as_count(validation, &mut found);
    }
    check_registry_policy(validation, policy, &mut found);
    validation.diagnostics.extend(found);
    // Stable, so that problems on one line keep the order they were found in.
    validation.diagnostics.sort_by_key(|d| d.line.unwrap_or(0));
}

/// A submission needs at least one filled-in template, and an AS request needs an aut-num.
fn check_something_was_sent(dialect: Dialect, validation: &Validation, found: &mut Vec<Diagnostic>) -> bool {
    let checked = || validation.objects.iter().filter(|o| o.disposition == Disposition::Checked);
    // Every object read has a summary, whatever became of it.
    if validation.objects.is_empty() {
        found.push(Diagnostic::error(
            None,
            None,
            "no template was found: send the filled-in templates between the two CUT HERE lines \
             (send a mail with the subject 'help' to get a blank form)",
        ));
        return false;
    }
    if validation.objects.iter().all(|o| o.disposition == Disposition::Blank) {
        found.push(Diagnostic::error(
            None,
            None,
            "every template in the form is still blank: fill them in before sending",
        ));
        return false;
    }
    // An aut-num of an unknown template version has its own error already.
    let has_aut_num = validation.objects.iter().any(|o| &*o.class == "aut-num" && o.disposition != Disposition::Blank);
    if !has_aut_num {
        // A route, an inetnum or an unknown class alone is not an AS number request:
        // nothing may be accepted (and no ticket opened) for it.
        let first = checked().next().or_else(|| validation.objects.first()).map(|o| o.line);
        let what = match dialect {
            Dialect::Apnic => "an AUT-NUM template",
            Dialect::Ripe => "an aut-num object",
        };
        let mut message = format!("this robot takes AS number requests, which need {what}, and this form has none");
        let unprocessed: Vec<String> = validation
            .objects
            .iter()
            .filter(|o| o.disposition == Disposition::Unknown)
            .map(|o| format!("{} (line {})", o.class, o.line))
            .collect();
        if !unprocessed.is_empty() {
            message.push_str(&format!("; not processed: {}", listed(&unprocessed, MAX_LISTED)));
        }
        found.push(Diagnostic::error(first, None, message));
    }
    checked().count() > 0
}

/// How many items a message names before it counts the rest.
const MAX_LISTED: usize = 10;

/// `a, b, c`, or the first `most` and how many more.
fn listed(items: &[String], most: usize) -> String {
    let shown = items.iter().take(most).cloned().collect::<Vec<_>>().join(", ");
    match items.len().saturating_sub(most) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// Each `AUTO-n` may name one person or role only.
fn check_placeholders(validation: &Validation, found: &mut Vec<Diagnostic>) {
    let mut first_use: HashMap<u32, usize> = HashMap::new();
    for fact in &validation.nic_handles {
        let NicHdlRequest::Auto(placeholder) = &fact.request else { continue };
        if let Some(&line) = first_use.get(&placeholder.number) {
            let diagnostic = Diagnostic::error(
                Some(fact.line),
                Some("nic-hdl"),
                format!(
                    "AUTO-{} already names the person or role on line {line}; give each new contact its own number \
                     (AUTO-1, AUTO-2, ...)",
                    placeholder.number
                ),
            );
            found.push(match &fact.help {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            });
        } else {
            first_use.insert(placeholder.number, fact.line);
        }
    }
}

/// Every contact reference must resolve: a handle, a defined `AUTO-n`, or (APNIC) an exact person name.
fn check_contacts(dialect: Dialect, validation: &Validation, found: &mut Vec<Diagnostic>) {
    // Each made on the first reference that needs it: most references are handles, which need neither.
    let defined = OnceCell::new();
    let defined = || -> &HashSet<u32> {
        defined.get_or_init(|| {
            validation
                .nic_handles
                .iter()
                .filter_map(|fact| match &fact.request {
                    NicHdlRequest::Auto(placeholder) => Some(placeholder.number),
                    _ => None,
                })
                .collect()
        })
    };
    let names = OnceCell::new();
    let names = || names.get_or_init(|| NameIndex::new(validation.nic_handles.iter().map(|fact| fact.name.as_str())));
    // The names found are listed in full in the first few such errors only; the others point there.
    let mut listings: Vec<usize> = Vec::new();
    for reference in &validation.contacts {
        let problem = match &reference.contact {
            Contact::Handle(_) => None,
            Contact::Auto(placeholder) if defined().contains(&placeholder.number) => None,
            Contact::Auto(placeholder) => Some(format!(
                "AUTO-{} is referenced here, but no person or role in this form has 'nic-hdl: AUTO-{}'",
                placeholder.number, placeholder.number
            )),
            Contact::Name(name) if names().exact.contains(name.as_str()) => None,
            Contact::Name(name) => {
                let listed_at = (listings.len() >= LISTINGS_IN_FULL).then(|| listings[0]);
                if listed_at.is_none() {
                    listings.push(reference.line);
                }
                Some(names().mismatch(name, dialect, listed_at))
            }
        };
        if let Some(message) = problem {
            found.push(
                Diagnostic::error(Some(reference.line), Some(&reference.attribute), message).with_help(&reference.help),
            );
        }
    }
}

/// The person and role names of a submission, indexed once so that
/// resolving many references stays linear in the size of the submission.
struct NameIndex<'a> {
    /// The names as written, in order, for listing.
    listed: Vec<&'a str>,
    /// The names as written, for exact matches.
    exact: HashSet<&'a str>,
    /// For names that match none exactly; made on the first such name, as
    /// most forms (and every RIPE form of handles) have none.
    near: OnceCell<NearNames<'a>>,
}

/// The names again, normalised two ways, for [`NameIndex::near_miss`].
struct NearNames<'a> {
    /// Letters only, lower case -> the name: catches differences of case, spacing and punctuation.
    by_letters: HashMap<String, &'a str>,
    /// Significant words (two letters or more) -> the name: catches a missing middle initial.
    by_words: HashMap<Vec<String>, &'a str>,
}

/// How many names a message lists before it stops.
const NAMES_LISTED: usize = 10;

/// How many messages about contacts that name nobody list the names found; the others refer to the first.
const LISTINGS_IN_FULL: usize = 3;

impl<'a> NameIndex<'a> {
    fn new(names: impl Iterator<Item = &'a str>) -> NameIndex<'a> {
        let mut index = NameIndex { listed: Vec::new(), exact: HashSet::new(), near: OnceCell::new() };
        for name in names {
            if index.exact.insert(name) {
                index.listed.push(name);
            }
        }
        index
    }

    /// A name that is not quite `name`, if one is close enough to be the one meant.
    fn near_miss(&self, name: &str) -> Option<&'a str> {
        let near = self.near.get_or_init(|| {
            let mut near = NearNames { by_letters: HashMap::new(), by_words: HashMap::new() };
            // In the order listed, so that of two names alike the first is the one suggested.
            for &listed in &self.listed {
                near.by_letters.entry(letters(listed)).or_insert(listed);
                near.by_words.entry(significant_words(listed)).or_insert(listed);
            }
            near
        });
        near.by_letters.get(&letters(name)).or_else(|| near.by_words.get(&significant_words(name))).copied()
    }

    /// Why `name` names nobody; the names found are listed unless `listed_at`
    /// gives the line of an earlier message that listed them.
    fn mismatch(&self, name: &str, dialect: Dialect, listed_at: Option<usize>) -> String {
        let template = if dialect == Dialect::Apnic { "person template" } else { "person or role object" };
        if self.listed.is_empty() {
            return format!(
                "'{name}' is not a NIC handle, and this form has no {template} with that name; \
                 give the contact's NIC handle or fill in a {template} for them"
            );
        }
        let listed = match listed_at {
            Some(line) => format!("listed under line {line}"),
            None => {
                let mut listed = self.listed.iter().take(NAMES_LISTED).map(|n| quote(n)).collect::<Vec<_>>().join(", ");
                if self.listed.len() > NAMES_LISTED {
                    listed.push_str(&format!(" and {} more", self.listed.len() - NAMES_LISTED));
                }
                listed
            }
        };
        match self.near_miss(name) {
            Some(near) => format!(
                "'{name}' does not match the name in any {template} exactly; did you mean '{near}'? \
                 The names must be identical, letter for letter (names found: {listed})"
            ),
            None => format!("'{name}' matches no {template} in this form (names found: {listed})"),
        }
    }
}

fn letters(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The words of a name that carry more than an initial, normalised.
fn significant_words(name: &str) -> Vec<String> {
    name.split_whitespace().map(letters).filter(|w| w.chars().count() > 1).collect()
}

/// APNIC: asking for more than one AS number needs a justification in
/// Additional Comments (called when that section is empty).
fn check_apnic_as_count(validation: &Validation, found: &mut Vec<Diagnostic>) {
    // Collected from checked objects only.
    for fact in &validation.as_counts {
        found.push(Diagnostic::error(
            Some(fact.line),
            Some("aut-num"),
            format!(
                "{} AS numbers are requested, which needs a justification under 'Additional Comments:', \
                 but that section is empty",
                fact.count
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_recognised() {
        let index = NameIndex::new(["John E Doe", "Mary Major"].into_iter());
        assert_eq!(index.near_miss("John Doe"), Some("John E Doe"));
        assert_eq!(index.near_miss("john e doe"), Some("John E Doe"));
        assert_eq!(index.near_miss("John  E. Doe"), Some("John E Doe"));
        assert_eq!(index.near_miss("Peter Pan"), None);
        let message = index.mismatch("John Doe", Dialect::Apnic, None);
        assert!(message.contains("did you mean 'John E Doe'?"), "{message}");
        assert!(message.contains("names found: 'John E Doe', 'Mary Major'"), "{message}");
    }
}
