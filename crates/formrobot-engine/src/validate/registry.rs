//! References checked against what the registry already holds.
//!
//! This runs only when a registry is at hand (`check --db`, the mail
//! pipeline); without one, references are checked for their syntax only. The
//! registry is reached through the [`Registry`] trait so that the rules stay
//! plain functions: the store implements it over SQLite, tests over a map.

use super::{NicHdlRequest, Validation};
use crate::diagnostic::Diagnostic;
use crate::syntax::Contact;
use std::collections::HashSet;

/// A failure to look something up.
pub type LookupError = Box<dyn std::error::Error + Send + Sync>;

/// What the rules need to know about the registry's existing objects.
pub trait Registry {
    /// Whether any existing objects have been loaded at all. An empty registry
    /// knows nothing, so references are then checked for their syntax only.
    fn is_loaded(&self) -> Result<bool, LookupError>;
    /// The name of the person or role holding `handle` (upper case), if any.
    fn handle_owner(&self, handle: &str) -> Result<Option<String>, LookupError>;
    /// Whether a maintainer called `name` (upper case) exists.
    fn has_maintainer(&self, name: &str) -> Result<bool, LookupError>;
}

/// A registry that holds nothing yet: references are checked for their syntax only.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmptyRegistry;

impl Registry for EmptyRegistry {
    fn is_loaded(&self) -> Result<bool, LookupError> {
        Ok(false)
    }

    fn handle_owner(&self, _handle: &str) -> Result<Option<String>, LookupError> {
        Ok(None)
    }

    fn has_maintainer(&self, _name: &str) -> Result<bool, LookupError> {
        Ok(false)
    }
}

/// Errors for references to handles and maintainers that exist neither in the
/// registry nor in the submission, and for explicit handles owned by someone else.
/// An empty registry (nothing imported yet) finds nothing.
pub fn check_references(validation: &Validation, registry: &dyn Registry) -> Result<Vec<Diagnostic>, LookupError> {
    let mut found = Vec::new();
    if !registry.is_loaded()? {
        return Ok(found);
    }

    let mut created_handles: HashSet<String> = HashSet::new();
    for fact in &validation.nic_handles {
        let NicHdlRequest::Handle(handle) = &fact.request else { continue };
        let handle = handle.to_string().to_ascii_uppercase();
        match registry.handle_owner(&handle)? {
            Some(owner) if !owner.eq_ignore_ascii_case(fact.name.trim()) => {
                let diagnostic = Diagnostic::error(
                    Some(fact.line),
                    Some("nic-hdl"),
                    format!(
                        "{handle} already belongs to '{owner}' in the registry; leave nic-hdl blank or use AUTO-1 \
                         to be given a new handle"
                    ),
                );
                found.push(match &fact.help {
                    Some(help) => diagnostic.with_help(help),
                    None => diagnostic,
                });
            }
            _ => {}
        }
        created_handles.insert(handle);
    }
    for reference in &validation.contacts {
        let Contact::Handle(handle) = &reference.contact else { continue };
        let handle = handle.to_string().to_ascii_uppercase();
        if created_handles.contains(&handle) || registry.handle_owner(&handle)?.is_some() {
            continue;
        }
        found.push(
            Diagnostic::error(
                Some(reference.line),
                Some(&reference.attribute),
                format!(
                    "{handle} does not exist in the registry, and no person or role in this form creates it; \
                     check the handle, or add the contact's object with nic-hdl: AUTO-1"
                ),
            )
            .with_help(&reference.help),
        );
    }

    let created_maintainers: HashSet<String> =
        validation.created_maintainers.iter().map(|name| name.to_ascii_uppercase()).collect();
    for reference in &validation.maintainers {
        let name = reference.name.to_ascii_uppercase();
        if created_maintainers.contains(&name) || registry.has_maintainer(&name)? {
            continue;
        }
        found.push(
            Diagnostic::error(
                Some(reference.line),
                Some(&reference.attribute),
                format!(
                    "the maintainer {name} does not exist in the registry, and this form does not create it; \
                     check the name, or add a mntner object for it"
                ),
            )
            .with_help(&reference.help),
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_text;
    use crate::date::Date;
    use crate::forms::FormSet;
    use std::collections::HashMap;

    struct MapRegistry {
        handles: HashMap<&'static str, &'static str>,
        maintainers: Vec<&'static str>,
    }

    impl Registry for MapRegistry {
        fn is_loaded(&self) -> Result<bool, LookupError> {
            Ok(!self.handles.is_empty() || !self.maintainers.is_empty())
        }
        fn handle_owner(&self, handle: &str) -> Result<Option<String>, LookupError> {
            Ok(self.handles.get(handle).map(|name| name.to_string()))
        }
        fn has_maintainer(&self, name: &str) -> Result<bool, LookupError> {
            Ok(self.maintainers.contains(&name))
        }
    }

    const FORM: &str = "\
aut-num: NEW
as-name: EXAMPLE-AS
descr: Example
import: from AS64497 accept ANY
import: from AS64498 accept ANY
export: to AS64497 announce NEW
export: to AS64498 announce NEW
admin-c: JD1-RIPE
tech-c: ZZ9-RIPE
tech-c: AUTO-1
mnt-by: EXAMPLE-MNT
mnt-by: OTHER-MNT
changed: a@example.net 20011002
source: RIPE

person: Jane Doe
address: Street 1
phone: +31 20 555 0100
nic-hdl: AUTO-1
changed: a@example.net 20011002
source: RIPE

person: Pat Other
address: Street 2
phone: +31 20 555 0101
nic-hdl: OPS4-RIPE
changed: a@example.net 20011002
source: RIPE
";

    #[test]
    fn unknown_handles_and_maintainers_are_named() {
        let forms = FormSet::embedded().expect("built-in forms");
        let checked = check_text(FORM, &forms, Date::new(2026, 11, 23).expect("date"));
        assert_eq!(checked.errors().count(), 0, "{:?}", checked.diagnostics);
        let registry = MapRegistry {
            handles: HashMap::from([("JD1-RIPE", "John Doe"), ("OPS4-RIPE", "Someone Else")]),
            maintainers: vec!["EXAMPLE-MNT"],
        };
        let found = check_references(&checked.validation, &registry).expect("lookups work");
        let messages: Vec<(Option<usize>, Option<&str>, &str)> =
            found.iter().map(|d| (d.line, d.attribute.as_deref(), d.message.as_str())).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert_eq!(messages[0].0, Some(26));
        assert!(messages[0].2.starts_with("OPS4-RIPE already belongs to 'Someone Else'"));
        assert_eq!((messages[1].0, messages[1].1), (Some(9), Some("tech-c")));
        assert!(messages[1].2.starts_with("ZZ9-RIPE does not exist in the registry"));
        assert_eq!((messages[2].0, messages[2].1), (Some(12), Some("mnt-by")));
        assert!(messages[2].2.contains("OTHER-MNT"));

        let empty = MapRegistry { handles: HashMap::new(), maintainers: Vec::new() };
        let found = check_references(&checked.validation, &empty).expect("lookups work");
        assert!(found.is_empty(), "an empty registry knows nothing to check against");
    }
}
