//! Stage 6, resolve handles: turn `AUTO-n` placeholders and blank APNIC
//! `nic-hdl:` lines into real NIC handles, and rewrite every reference to them.
//!
//! Everything here is pure. Which numbers are free is the store's knowledge:
//! it asks [`HandleRequest::initials`] and [`lowest_free`] inside its
//! transaction, then hands the [`Assignment`]s back to [`rewrite`].

use crate::check::{Checked, Findings};
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::parse::{Attribute, Object, ObjectKind};
use crate::source::Position;
use crate::syntax::{self, Contact};
use crate::validate::{Disposition, NicHdlFact, NicHdlRequest};
use std::collections::{HashMap, HashSet};

/// A person or role object that needs a handle from the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandleRequest {
    /// Index of the object in the submission.
    pub object: usize,
    /// What the sender wrote for it: the placeholder (`AUTO-1RL`) or, for a
    /// blank APNIC `nic-hdl:`, the person's name. The JSON outcome's `handles` keys.
    pub label: String,
    /// The placeholder's number, when it was an `AUTO-n`.
    pub placeholder: Option<u32>,
    /// The person's or role's name.
    pub name: String,
    /// The letters the handle starts with.
    pub initials: String,
    /// The registry's suffix, without the dash (`AP`, `RIPE`).
    pub suffix: &'static str,
}

/// A real handle given to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// What was asked for.
    pub request: HandleRequest,
    /// The number chosen for the initials.
    pub number: u32,
}

impl Assignment {
    /// The handle as the registry writes it, `JD1-AP`.
    pub fn handle(&self) -> String {
        format!("{}{}-{}", self.request.initials, self.number, self.request.suffix)
    }
}

/// The most letters a handle's initials may have.
const MAX_INITIALS: usize = 4;
/// The fewest letters a handle's initials may have; shorter ones are padded with `A`.
const MIN_INITIALS: usize = 2;

/// The most new NIC handles one submission may ask for: `AUTO-n`
/// placeholders, and APNIC persons and roles with a blank `nic-hdl`. A real
/// request names a handful of contacts; a bound keeps one mail from claiming
/// thousands of handles and getting a reply too big to deliver.
pub const MAX_NEW_HANDLES: usize = 100;

/// The error of a submission that asks for more than [`MAX_NEW_HANDLES`]
/// handles, at the first object over the limit (on its `nic-hdl:` line).
pub fn too_many_handles(findings: &Findings) -> Option<Diagnostic> {
    // Counted, not collected: a large form's requests are many, and only the first one over matters.
    let mut requests = new_handle_facts(findings);
    let first_over = requests.nth(MAX_NEW_HANDLES)?;
    let count = MAX_NEW_HANDLES + 1 + requests.count();
    Some(Diagnostic::error(
        Some(first_over.line),
        Some("nic-hdl"),
        format!(
            "this form asks for {count} new NIC handles (AUTO-n placeholders and persons or roles without a \
             nic-hdl); one mail may ask for at most {MAX_NEW_HANDLES}, so none was assigned: send the \
             objects in several mails of at most {MAX_NEW_HANDLES} new contacts each"
        ),
    ))
}

/// The facts of the checked persons and roles that ask for a new handle, in object order.
fn new_handle_facts(findings: &Findings) -> impl Iterator<Item = &NicHdlFact> {
    let apnic = findings.dialect == Dialect::Apnic;
    // The request first: most persons give their handle, and whether the object was checked is a search.
    findings.validation.nic_handles.iter().filter(move |fact| {
        let asks = match fact.request {
            NicHdlRequest::Handle(_) => false,
            NicHdlRequest::Blank => apnic,
            NicHdlRequest::Auto(_) => true,
        };
        asks && findings.validation.is_checked(fact.object)
    })
}

/// The handles an accepted submission asks the registry for, in object order.
pub fn requests(checked: &Checked) -> Vec<HandleRequest> {
    let dialect = checked.dialect;
    new_handle_facts(checked)
        .map(|fact| {
            let (label, placeholder, given) = match &fact.request {
                NicHdlRequest::Auto(placeholder) => {
                    let written = nic_hdl_text(&checked.submission.objects[fact.object]).unwrap_or_default();
                    (written, Some(placeholder.number), placeholder.initials.map(|initials| initials.to_string()))
                }
                // A blank APNIC nic-hdl (the only other kind asked for): the person is named by name.
                NicHdlRequest::Blank | NicHdlRequest::Handle(_) => (fact.name.clone(), None, None),
            };
            HandleRequest {
                object: fact.object,
                label,
                placeholder,
                name: fact.name.clone(),
                initials: derive_initials(&fact.name, given.as_deref()),
                suffix: dialect.handle_suffix(),
            }
        })
        .collect()
}

fn nic_hdl_text(object: &Object) -> Option<String> {
    object.first("nic-hdl").map(|a| a.joined().text().to_ascii_uppercase())
}

/// The letters a new handle starts with: the ones given (`AUTO-1JD` gives
/// `JD`), else the first letter of each word of the name, upper case, at most
/// four, padded with `A` to two.
pub fn derive_initials(name: &str, given: Option<&str>) -> String {
    if let Some(given) = given.filter(|g| !g.is_empty()) {
        return given.to_ascii_uppercase();
    }
    let mut initials: String = name
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter_map(|word| word.chars().find(char::is_ascii_alphabetic))
        .map(|c| c.to_ascii_uppercase())
        .take(MAX_INITIALS)
        .collect();
    while initials.len() < MIN_INITIALS {
        initials.push('A');
    }
    initials
}

/// The lowest positive number not in `taken`, which must be ascending.
pub fn lowest_free(taken: impl IntoIterator<Item = u32>) -> u32 {
    let mut candidate = 1;
    for number in taken {
        if number > candidate {
            break;
        }
        if number == candidate {
            candidate += 1;
        }
    }
    candidate
}

/// One object of the submission as text, as submitted or with real handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedObject {
    /// Index of the object in the submission.
    pub object: usize,
    /// Its class (`aut-num`, `person`, ...).
    pub class: String,
    /// The object as the sender wrote it, normalised to one `name: value` per line.
    pub submitted: String,
    /// The same with real handles in place of placeholders and person names;
    /// `None` when nothing was replaced (the text is `submitted`, kept once).
    pub replaced: Option<String>,
}

impl RenderedObject {
    /// The object with real handles in place of placeholders and person names.
    pub fn rewritten(&self) -> &str {
        self.replaced.as_deref().unwrap_or(&self.submitted)
    }
}

/// Renders every filled-in object, before and after handle replacement.
pub fn rewrite(checked: &Checked, assignments: &[Assignment]) -> Vec<RenderedObject> {
    let mut by_placeholder: HashMap<u32, String> = HashMap::new();
    let mut by_name: HashMap<&str, String> = HashMap::new();
    let mut by_object: HashMap<usize, String> = HashMap::new();
    for assignment in assignments {
        let handle = assignment.handle();
        match assignment.request.placeholder {
            Some(number) => {
                by_placeholder.insert(number, handle.clone());
            }
            None => {
                by_name.insert(assignment.request.name.as_str(), handle.clone());
            }
        }
        by_object.insert(assignment.request.object, handle);
    }
    // APNIC contacts may name a person who already holds a handle in the same form.
    for fact in &checked.validation.nic_handles {
        if let NicHdlRequest::Handle(handle) = &fact.request {
            by_name.entry(fact.name.as_str()).or_insert_with(|| handle.to_string());
        }
    }

    // Only contact attributes refer to people; a person's own name is left alone.
    let contact_lines: HashSet<(usize, usize)> =
        checked.validation.contacts.iter().map(|fact| (fact.object, fact.line)).collect();
    let dialect = checked.submission.dialect;
    checked
        .validation
        .objects
        .iter()
        .filter(|summary| summary.disposition == Disposition::Checked)
        .map(|summary| {
            let object = &checked.submission.objects[summary.index];
            let replace = |attribute: &Attribute, value: &str| -> Option<String> {
                if attribute.name == "nic-hdl" {
                    return by_object.get(&summary.index).cloned();
                }
                // A value's first piece stands on the attribute's own line.
                let line = attribute.line;
                if !contact_lines.contains(&(summary.index, line)) {
                    return None;
                }
                match syntax::classify_contact(value, dialect).ok()? {
                    Contact::Auto(placeholder) => by_placeholder.get(&placeholder.number).cloned(),
                    Contact::Name(name) => by_name.get(name.as_str()).cloned(),
                    Contact::Handle(_) => None,
                }
            };
            let gets_handle = by_object.contains_key(&summary.index);
            let replaced_any = std::cell::Cell::new(false);
            let rewritten = render(
                object,
                |attribute, value| {
                    let replaced = replace(attribute, value);
                    replaced_any.set(replaced_any.get() || replaced.is_some());
                    replaced
                },
                gets_handle,
            );
            // A large object is rendered twice only when a handle really changes it.
            let (submitted, replaced) = if replaced_any.get() {
                (render(object, |_, _| None, gets_handle), Some(rewritten))
            } else {
                (rewritten, None)
            };
            RenderedObject { object: summary.index, class: summary.class.to_string(), submitted, replaced }
        })
        .collect()
}

/// Width of the attribute name column, as in the registries' own examples.
pub(crate) const NAME_COLUMN: usize = 16;

/// One `name: value` line per value; empty attributes are left out, except a
/// `nic-hdl:` that is about to be filled in. An RPSL value keeps its
/// continuation lines; a replaced value (a handle) is always one line.
fn render(object: &Object, replace: impl Fn(&Attribute, &str) -> Option<String>, gets_handle: bool) -> String {
    let mut text = String::new();
    let continuations = matches!(object.kind, ObjectKind::Rpsl { .. });
    if let ObjectKind::Template { header, version } = &object.kind {
        text.push_str(&format!("#[{header} TEMPLATE {version}]#\n"));
    }
    let mut wrote_nic_hdl = false;
    for attribute in &object.attributes {
        let value = attribute.joined();
        let is_nic_hdl = attribute.name == "nic-hdl";
        if value.text().is_empty() && !(is_nic_hdl && gets_handle) {
            continue;
        }
        if is_nic_hdl {
            if wrote_nic_hdl {
                continue;
            }
            wrote_nic_hdl = true;
        }
        let label = format!("{}:", attribute.name);
        // Written line by line straight into the text: a value of a million
        // continuation lines is never copied into a string per line.
        let mut written = 0;
        let mut write_line = |line: &str| {
            let lead = if written == 0 { label.as_str() } else { "" };
            let start = text.len();
            text.push_str(lead);
            text.extend(std::iter::repeat_n(' ', NAME_COLUMN.saturating_sub(lead.len())));
            text.push_str(line);
            let kept = text[start..].trim_end().len();
            text.truncate(start + kept);
            text.push('\n');
            written += 1;
        };
        match replace(attribute, value.text()) {
            Some(replaced) => write_line(&replaced),
            None if continuations => attribute.pieces().for_each(|piece| write_line(piece.text)),
            None => write_line(value.text()),
        }
        if written == 0 {
            text.push_str(&label);
            text.push('\n');
        }
    }
    if gets_handle && !wrote_nic_hdl {
        // An APNIC person template without any nic-hdl line: the handle still belongs in the object.
        if let Some(shown) =
            replace(&Attribute::new("nic-hdl".into(), object.line, "", Position { line: object.line, column: 1 }), "")
        {
            text.push_str(&format!("{:<NAME_COLUMN$}{shown}\n", "nic-hdl:"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_handles_points_at_the_nic_hdl_of_the_first_person_over() {
        let mut form = String::from("aut-num: NEW\nas-name: MANY-AS\nsource: RIPE\n");
        let mut lines_of_nic_hdl = Vec::new();
        for n in 1..=MAX_NEW_HANDLES + 2 {
            form.push_str(&format!("\nperson: Jane Example{n}\naddress: Oslo\nphone: +47 22 555 0100\n"));
            lines_of_nic_hdl.push(form.lines().count() + 1);
            form.push_str(&format!("nic-hdl: AUTO-{n}\nsource: RIPE\n"));
        }
        let forms = crate::forms::FormSet::embedded().expect("built-in forms load");
        let checked = crate::check::check_text(&form, &forms, crate::date::Date::new(2026, 11, 23).expect("date"));
        let error = too_many_handles(&checked).expect("over the limit");
        assert_eq!(error.line, Some(lines_of_nic_hdl[MAX_NEW_HANDLES]));
        assert!(
            error.message.contains(&format!("asks for {} new NIC handles", MAX_NEW_HANDLES + 2)),
            "{}",
            error.message
        );
        assert!(checked.diagnostics.iter().any(|d| d == &error), "the check reports it");
    }

    #[test]
    fn initials_come_from_the_given_letters_first() {
        assert_eq!(derive_initials("Santa A Claus", Some("jd")), "JD");
        assert_eq!(derive_initials("Santa A Claus", None), "SAC");
    }

    #[test]
    fn initials_from_names_of_many_shapes() {
        assert_eq!(derive_initials("Madonna", None), "MA");
        assert_eq!(derive_initials("John E Doe", None), "JED");
        assert_eq!(derive_initials("Anna Maria Luisa de la Cruz", None), "AMLD");
        assert_eq!(derive_initials("O'Brien-Smith, Mary", None), "OSM");
        assert_eq!(derive_initials("  (NOC) Example   Networks ", None), "NEN");
        assert_eq!(derive_initials("3rd Floor Team", None), "RFT");
        assert_eq!(derive_initials("", None), "AA");
        assert_eq!(derive_initials("42", None), "AA");
    }

    #[test]
    fn the_lowest_free_number_fills_gaps() {
        assert_eq!(lowest_free([]), 1);
        assert_eq!(lowest_free([1, 2, 3]), 4);
        assert_eq!(lowest_free([1, 3, 4]), 2);
        assert_eq!(lowest_free([2, 3]), 1);
        assert_eq!(lowest_free([1, 1, 2]), 3);
    }
}
