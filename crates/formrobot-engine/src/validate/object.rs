//! Checks one object against its template definition.

use super::multihoming::{check_multihoming, NeighbourTally};
use super::{
    AsCountFact, ContactFact, CountryFact, Disposition, MaintainerFact, NeighbourFact, NicHdlFact, NicHdlRequest,
    ObjectSummary, Surroundings, Validation,
};
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::forms::{AttributeDef, FormSet, TemplateDef};
use crate::hash::FastHash;
use crate::parse::{Attribute, Name, Object, ObjectKind};
use crate::policy;
use crate::source::{Span, Subject};
use crate::syntax::{self, SyntaxClass, SyntaxContext};
use std::collections::HashMap;
use std::sync::Arc;

/// Which definition of a template each attribute name is, found once per
/// name and template for a whole submission: the parser shares one text
/// among the attributes of a name, so an attribute's definition is a look-up
/// by that text's address, not a comparison of its name with each of the
/// template's. (Every name is held by the interner of the reader that read
/// it until that reading ends, and a table is used within one reading or on
/// a whole submission, so no address is reused for another name meanwhile.)
#[derive(Debug, Default)]
pub(super) struct Definitions {
    /// (template address, name address) -> the place of the definition, or [`UNDEFINED`].
    found: HashMap<(usize, usize), u16, FastHash>,
    /// The place of each attribute's definition, for the object being checked.
    places: Vec<u16>,
    /// The object being checked's attributes grouped by definition (see [`Grouped`]), kept for the next object's room.
    grouped: Grouped,
    /// The neighbouring ASes the object's rules name, kept for the next object's room.
    neighbours: NeighbourTally,
}

/// An object's attributes grouped by the place of their definition in the
/// template, each group in the object's order: a template's checks go
/// definition by definition, and each must find its attributes without
/// looking at all the others.
#[derive(Debug, Default)]
struct Grouped {
    /// Indexes into the object's attributes, group after group.
    indexes: Vec<u32>,
    /// Where the group of each place starts in `indexes`, and one more entry where the last ends.
    starts: Vec<u32>,
}

impl Grouped {
    /// Groups the attributes whose definitions are at `places` (one per
    /// attribute, [`UNDEFINED`] for none) among a template's `count` definitions.
    fn group(&mut self, places: &[u16], count: usize) {
        // A counting sort: how many in each group, where each group starts, then each index into its place.
        self.starts.clear();
        self.starts.resize(count + 1, 0);
        for &place in places.iter().filter(|&&place| place != UNDEFINED) {
            self.starts[usize::from(place) + 1] += 1;
        }
        for place in 1..=count {
            self.starts[place] += self.starts[place - 1];
        }
        self.indexes.clear();
        self.indexes.resize(self.starts[count] as usize, 0);
        // Each group's start serves as its next free slot, so that it ends
        // up where the group ends, which is where the next one starts.
        for (index, &place) in places.iter().enumerate().filter(|(_, &place)| place != UNDEFINED) {
            let slot = &mut self.starts[usize::from(place)];
            // An object has far fewer than 2^32 attributes: its text is held in memory.
            self.indexes[*slot as usize] = index as u32;
            *slot += 1;
        }
        self.starts.rotate_right(1);
        self.starts[0] = 0;
    }

    /// The indexes of the attributes defined at `place`, in order.
    fn of(&self, place: usize) -> &[u32] {
        match (self.starts.get(place), self.starts.get(place + 1)) {
            (Some(&start), Some(&end)) => &self.indexes[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// A name the template does not define.
const UNDEFINED: u16 = u16::MAX;

impl Definitions {
    /// The place of `name`'s definition in `template`.
    fn find(&mut self, template: &TemplateDef, name: &Name) -> u16 {
        let key = (std::ptr::from_ref(template) as usize, name.address());
        *self.found.entry(key).or_insert_with(|| {
            template
                .attribute_index(name)
                .and_then(|i| u16::try_from(i).ok())
                .filter(|&i| i < UNDEFINED)
                .unwrap_or(UNDEFINED)
        })
    }
}

/// Checks object `index`, adding its diagnostics and facts to `validation`.
pub(super) fn check_object(
    index: usize,
    object: &Object,
    around: &Surroundings<'_>,
    validation: &mut Validation,
    definitions: &mut Definitions,
) {
    check_against_template(index, object, around, validation, definitions);
    // A mntner object creates the maintainer it names, whatever else is wrong with it.
    if validation.objects.last().is_some_and(|summary| &*summary.class == "mntner") {
        if let Some(name) = object.first("mntner") {
            validation.created_maintainers.push(name.joined().text().to_owned());
        }
    }
}

fn check_against_template(
    index: usize,
    object: &Object,
    around: &Surroundings<'_>,
    validation: &mut Validation,
    definitions: &mut Definitions,
) {
    let (forms, context) = (around.forms, &around.context);
    let template = match find_template(object, around.marked, forms) {
        Ok(template) => template,
        Err(diagnostic) => {
            validation.diagnostics.push(diagnostic);
            validation.objects.push(summary(index, object, None, Disposition::Unknown));
            return;
        }
    };
    if template.dialect == Dialect::Apnic && is_blank(object, template) {
        validation.objects.push(summary(index, object, Some(template), Disposition::Blank));
        return;
    }

    let mut places = std::mem::take(&mut definitions.places);
    places.clear();
    for attribute in &object.attributes {
        let definition = definitions.find(template, &attribute.name);
        if definition == UNDEFINED {
            validation.diagnostics.push(unknown_attribute(attribute, template));
        }
        places.push(definition);
    }
    let mut grouped = std::mem::take(&mut definitions.grouped);
    grouped.group(&places, template.attributes.len());
    definitions.places = places;
    let mut neighbours = std::mem::take(&mut definitions.neighbours);
    neighbours.clear();
    let mut checker = ObjectChecker {
        index,
        object,
        grouped: &grouped,
        template,
        context,
        validation,
        policy_errors: 0,
        neighbours: &mut neighbours,
    };
    for (place, definition) in template.attributes.iter().enumerate() {
        checker.check_attribute(place, definition);
    }
    let policy_errors = checker.policy_errors;
    definitions.grouped = grouped;
    collect_nic_hdl(index, object, template, validation);
    if template.dialect == Dialect::Apnic && &*template.class == "aut-num" {
        collect_as_count(index, object, validation);
    }
    if !around.policy.service_region.is_empty() {
        collect_countries(index, object, validation);
    }

    let mut checked = summary(index, object, Some(template), Disposition::Checked);
    checked.policy_errors = policy_errors;
    validation.objects.push(checked);
    // A rule across this aut-num's attributes only, so it is checked here, on
    // the object's thread, rather than among the rules across objects.
    if &*template.class == "aut-num" {
        let (dialect, min_neighbours) = (context.dialect, around.policy.min_neighbours);
        validation.diagnostics.extend(check_multihoming(
            dialect,
            min_neighbours,
            object.line,
            policy_errors,
            &neighbours,
        ));
        for asn in neighbours.ases() {
            validation.neighbours.push(NeighbourFact { object: index, asn });
        }
    }
    definitions.neighbours = neighbours;
}

/// APNIC: how many AS numbers an aut-num template asks for, when more than
/// one (a rule then wants a justification in Additional Comments).
fn collect_as_count(index: usize, object: &Object, validation: &mut Validation) {
    let Some(attribute) = object.first("aut-num") else { return };
    if let Some(count) = syntax::apnic_as_count(attribute.joined().text()).filter(|&c| c > 1) {
        validation.as_counts.push(AsCountFact { object: index, line: attribute.line, count });
    }
}

/// The country codes of a checked object, for the registry's service region
/// ([`super::RegistryPolicy::service_region`]); only when it names one.
fn collect_countries(index: usize, object: &Object, validation: &mut Validation) {
    for attribute in object.attributes.iter().filter(|a| a.name == "country") {
        let code = attribute.joined().text().trim().to_ascii_uppercase();
        if syntax::is_country_code(&code) {
            validation.countries.push(CountryFact { object: index, line: attribute.line, code });
        }
    }
}

fn summary(index: usize, object: &Object, template: Option<&TemplateDef>, disposition: Disposition) -> ObjectSummary {
    let class = match (&object.kind, template) {
        (_, Some(template)) => Arc::clone(&template.class),
        (ObjectKind::Rpsl { class }, None) => Arc::from(class.as_str()),
        (ObjectKind::Template { header, .. }, None) => Arc::from(header.to_ascii_lowercase()),
    };
    ObjectSummary {
        index,
        class,
        line: object.line,
        disposition,
        template: template.map(|t| Arc::clone(&t.title)),
        policy_errors: 0,
    }
}

/// The template definition an object claims, or the diagnostic explaining why there is none.
fn find_template<'f>(object: &Object, marked: bool, forms: &'f FormSet) -> Result<&'f TemplateDef, Diagnostic> {
    match &object.kind {
        ObjectKind::Template { header, version } => forms.apnic(header, version).ok_or_else(|| {
            let versions = forms.apnic_versions(header);
            let message = if versions.is_empty() {
                format!(
                    "'{header}' is not a template of this form; the templates are: {}",
                    forms.apnic_headers().join(", ")
                )
            } else {
                format!(
                    "version {version} of the {header} template is not supported; use version {} \
                     (take a fresh copy of the form)",
                    versions.join(" or ")
                )
            };
            Diagnostic::error(Some(object.line), None, message)
        }),
        ObjectKind::Rpsl { class } => forms.ripe(class).ok_or_else(|| {
            let message = format!(
                "objects of class '{class}' are not part of an AS number request and were not processed; \
                 this robot takes {} objects",
                forms.ripe_classes().join(", ")
            );
            if marked {
                Diagnostic::error(Some(object.line), Some(class), message)
            } else {
                Diagnostic::warning(Some(object.line), Some(class), message)
            }
        }),
    }
}

/// Whether an APNIC template was left as the blank form has it.
fn is_blank(object: &Object, template: &TemplateDef) -> bool {
    object.attributes.iter().all(|attribute| {
        let prefilled = template.attribute(&attribute.name).and_then(|d| d.prefilled.as_deref());
        attribute.is_empty() || prefilled.is_some_and(|p| attribute.joined().text().eq_ignore_ascii_case(p))
    })
}

fn unknown_attribute(attribute: &Attribute, template: &TemplateDef) -> Diagnostic {
    let mut message = format!("'{}' is not an attribute of the {}", attribute.name, template.title);
    let closest = template.closest_attribute(&attribute.name).and_then(|name| template.attribute(name));
    if let Some(closest) = closest {
        message.push_str(&format!("; did you mean '{}'?", closest.name));
    }
    let diagnostic = Diagnostic::error(Some(attribute.line), Some(&attribute.name), message);
    match closest {
        Some(closest) => diagnostic.with_help(&closest.help),
        None => diagnostic,
    }
}

/// The per-object state while its attributes are checked one definition at a time.
struct ObjectChecker<'a> {
    index: usize,
    object: &'a Object,
    /// The attributes grouped by the place of their definition in the template.
    grouped: &'a Grouped,
    template: &'a TemplateDef,
    context: &'a SyntaxContext,
    validation: &'a mut Validation,
    policy_errors: usize,
    /// The neighbouring ASes of the rules that parsed.
    neighbours: &'a mut NeighbourTally,
}

impl<'a> ObjectChecker<'a> {
    fn error(&mut self, line: usize, definition: &AttributeDef, message: String) {
        self.validation
            .diagnostics
            .push(Diagnostic::error(Some(line), Some(&definition.name), message).with_help(&definition.help));
    }

    /// The attributes of definition `place`, in order.
    fn occurrences(&self, place: usize) -> impl Iterator<Item = &'a Attribute> + Clone + 'a {
        let attributes: &'a [Attribute] = &self.object.attributes;
        self.grouped.of(place).iter().filter_map(move |&index| attributes.get(index as usize))
    }

    fn check_attribute(&mut self, place: usize, definition: &AttributeDef) {
        let object = self.object;
        let occurrences = self.occurrences(place);
        let given = occurrences.clone().filter(|a| !a.is_empty());

        if definition.mandatory && given.clone().next().is_none() {
            match occurrences.clone().next() {
                Some(empty) => self.error(empty.line, definition, format!("'{}' needs a value", definition.name)),
                None => self.error(
                    object.line,
                    definition,
                    format!(
                        "the mandatory attribute '{}' is missing from this {}",
                        definition.name, self.template.class
                    ),
                ),
            }
        }
        if !definition.multiple {
            let mut rest = given.clone();
            if let Some(first) = rest.next() {
                for extra in rest {
                    let message = format!(
                        "'{}' may be given only once in this {}; it is already on line {}",
                        definition.name, self.template.class, first.line
                    );
                    self.error(extra.line, definition, message);
                }
            }
        }
        if definition.min_lines.is_some() || definition.max_lines.is_some() {
            self.check_line_counts(definition, given.clone());
        }
        for attribute in given {
            self.check_values(definition, attribute);
        }
    }

    fn check_line_counts(&mut self, definition: &AttributeDef, given: impl Iterator<Item = &'a Attribute> + Clone) {
        // Counted, not collected: an attribute may have a million lines.
        let lines = || given.clone().flat_map(|a| a.pieces().map(|p| p.start.line));
        let count = given.clone().map(|a| a.joined().piece_count()).sum::<usize>();
        if let Some(min) = definition.min_lines {
            if let Some(first) = lines().next().filter(|_| count < min) {
                let message = format!(
                    "at least {min} '{}' lines are needed, but only {count} {} given",
                    definition.name,
                    if count == 1 { "is" } else { "are" }
                );
                self.error(first, definition, message);
            }
        }
        if let Some(max) = definition.max_lines {
            if let Some(first_extra) = lines().nth(max) {
                let message =
                    format!("'{}' may have at most {max} lines, but {count} are given; shorten it", definition.name);
                self.error(first_extra, definition, message);
            }
        }
    }

    fn check_values(&mut self, definition: &AttributeDef, attribute: &Attribute) {
        let joined = attribute.joined();
        if definition.syntax.is_line_oriented() && !joined.is_one_piece() {
            // One line at a time, read where it stands: a value of many
            // continuation lines is never copied line by line.
            for (text, start) in joined.pieces() {
                self.check_value(definition, attribute, Subject::Span(Span { text, start: Some(start) }));
            }
        } else if !joined.text().is_empty() {
            self.check_value(definition, attribute, Subject::Value(joined));
        }
    }

    fn check_value(&mut self, definition: &AttributeDef, attribute: &Attribute, value: Subject<'_>) {
        match definition.syntax.policy_kind() {
            Some(kind) => self.check_policy(definition, kind, value),
            None if definition.list => self.check_list(definition, attribute, value),
            None => self.check_syntax(definition, attribute, value),
        }
    }

    /// An RPSL `list of ...` value: each comma-separated item on its own.
    fn check_list(&mut self, definition: &AttributeDef, attribute: &Attribute, value: Subject<'_>) {
        for item in value.items() {
            if item.text.is_empty() {
                let line = item.start.map_or(attribute.line, |p| p.line);
                let column = item.start.map_or(1, |p| p.column);
                self.error(line, definition, format!("column {column}: an empty item in the comma-separated list"));
            } else {
                self.check_syntax(definition, attribute, Subject::Span(item));
            }
        }
    }

    fn check_policy(&mut self, definition: &AttributeDef, kind: policy::PolicyKind, value: Subject<'_>) {
        match policy::parse(kind, value.text()) {
            Ok(rule) => {
                let direction = rule.direction();
                rule.each_neighbour_as(|asn| self.neighbours.note(asn, direction));
                if matches!(
                    kind,
                    policy::PolicyKind::AsIn | policy::PolicyKind::AsOut | policy::PolicyKind::Ripe181Default
                ) {
                    self.warn_near_keywords(definition, value);
                }
            }
            Err(error) => {
                self.policy_errors += 1;
                let position = value.position_of(error.offset).or(value.start());
                let line = position.map_or(self.object.line, |p| p.line);
                let column = position.map_or(1, |p| p.column);
                self.error(line, definition, format!("column {column}: {}", error.message));
            }
        }
    }

    /// RIPE-181 reads any unknown word as a community name, so `ANDD` parses;
    /// a word one edit from a keyword is most likely that keyword misspelt.
    fn warn_near_keywords(&mut self, definition: &AttributeDef, value: Subject<'_>) {
        for near in policy::ripe181::near_keywords(value.text()) {
            let position = value.position_of(near.offset).or(value.start());
            let line = position.map_or(self.object.line, |p| p.line);
            let column = position.map_or(1, |p| p.column);
            let message = format!(
                "column {column}: '{}' is read as a community name; if you meant the keyword {}, write it so",
                near.word, near.keyword
            );
            self.validation
                .diagnostics
                .push(Diagnostic::warning(Some(line), Some(&definition.name), message).with_help(&definition.help));
        }
    }

    fn check_syntax(&mut self, definition: &AttributeDef, attribute: &Attribute, value: Subject<'_>) {
        let line = value.start().map_or(attribute.line, |p| p.line);
        let text = value.text();
        // A contact is read once: its check is what it refers to.
        let checked = match definition.syntax {
            SyntaxClass::Contact => syntax::classify_contact(text, self.context.dialect).map(Some),
            class => syntax::check(class, text, self.context).map(|()| None),
        };
        match (checked, definition.syntax) {
            (Err(error), _) => self.error(line, definition, error.message),
            (Ok(Some(contact)), _) => self.validation.contacts.push(ContactFact {
                object: self.index,
                attribute: attribute.name.clone(),
                line,
                contact,
                help: definition.help.clone(),
            }),
            // The class attribute of a mntner names the maintainer it creates; every other one refers to one.
            (Ok(None), SyntaxClass::MntnerName | SyntaxClass::MntRoutes)
                if *definition.name != *self.template.class =>
            {
                if let Some(name) = text.split_whitespace().next() {
                    self.validation.maintainers.push(MaintainerFact {
                        object: self.index,
                        attribute: attribute.name.clone(),
                        line,
                        name: name.to_owned(),
                        help: definition.help.clone(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Records the handle a person or role object asks for.
///
/// Only objects whose template has a `nic-hdl` attribute and whose class
/// attribute is a person's or role's name take part.
fn collect_nic_hdl(index: usize, object: &Object, template: &TemplateDef, validation: &mut Validation) {
    let has_nic_hdl = template.attributes.iter().any(|a| a.syntax == SyntaxClass::NicHdl);
    let name_definition = template.attribute(&template.class).filter(|a| a.syntax == SyntaxClass::PersonName);
    let (true, Some(name_definition)) = (has_nic_hdl, name_definition) else {
        return;
    };
    let Some(name) = object.first(&name_definition.name).map(|a| a.joined().text().to_owned()) else {
        return;
    };
    let nic_hdl_definition = template.attributes.iter().find(|a| a.syntax == SyntaxClass::NicHdl);
    let nic_hdl = nic_hdl_definition.and_then(|d| object.first(&d.name));
    let text = nic_hdl.map_or("", |a| a.joined().text());
    let request = if text.is_empty() {
        NicHdlRequest::Blank
    } else if let Ok(Some(placeholder)) = syntax::parse_placeholder(text) {
        NicHdlRequest::Auto(placeholder)
    } else if let Some(handle) = syntax::parse_handle(text) {
        NicHdlRequest::Handle(handle)
    } else {
        // Malformed: the syntax check has already reported it.
        return;
    };
    validation.nic_handles.push(NicHdlFact {
        object: index,
        line: nic_hdl.or(object.attributes.first()).map_or(object.line, |a| a.line),
        name,
        request,
        help: nic_hdl_definition.map(|d| d.help.clone()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_attributes_by_definition_in_their_order() {
        let mut grouped = Grouped::default();
        // Attributes 0..7 defined at places 2, 0, UNDEFINED, 2, 3, 0, 2 of a template of 5 definitions.
        grouped.group(&[2, 0, UNDEFINED, 2, 3, 0, 2], 5);
        let groups: Vec<&[u32]> = (0..6).map(|place| grouped.of(place)).collect();
        assert_eq!(groups, [&[1, 5][..], &[], &[0, 3, 6], &[4], &[], &[]]);
        // The room is reused: a second object leaves nothing of the first behind.
        grouped.group(&[1, 1], 2);
        assert_eq!((grouped.of(0), grouped.of(1), grouped.of(2)), (&[][..], &[0, 1][..], &[][..]));
    }
}
