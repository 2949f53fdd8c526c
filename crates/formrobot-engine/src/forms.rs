//! Template definitions: the data in `forms/` that says what each template holds.
//!
//! One TOML file describes one template in one version: its dialect, the
//! object class it creates, and for every attribute whether it is mandatory,
//! whether it may repeat, how many lines it may take, its syntax class and a
//! short help text for replies. The engine knows nothing about particular
//! templates; a new template version is a new file.
//!
//! The files are embedded at build time (see `build.rs`), and can also be
//! loaded from a directory at run time with [`FormSet::from_sources`].

use crate::dialect::Dialect;
use crate::syntax::SyntaxClass;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

/// The template definitions compiled into the binary: `(file name, TOML text)`.
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_forms.rs"));

/// A problem with a template definition file.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// The file is not valid TOML or does not have the expected fields.
    #[error("{file}: {source}")]
    Toml {
        /// The definition file's name.
        file: String,
        /// What the TOML reader said.
        #[source]
        source: toml::de::Error,
    },
    /// An embedded definition (its TOML turned into JSON when the engine was
    /// built) does not have the expected fields.
    #[error("{file} (embedded): {source}")]
    Embedded {
        /// The definition file's name.
        file: String,
        /// What the JSON reader said.
        #[source]
        source: serde_json::Error,
    },
    /// The file parses but its content is inconsistent.
    #[error("{file}: {message}")]
    Invalid {
        /// The definition file's name.
        file: String,
        /// What is inconsistent.
        message: String,
    },
    /// Two files define the same template.
    #[error("{file}: defines {what}, which {other} already defines")]
    Duplicate {
        /// The later file.
        file: String,
        /// The template both define.
        what: String,
        /// The earlier file.
        other: String,
    },
}

/// One attribute of a template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// The attribute's name as written in the form, e.g. `admin-c`.
    pub name: String,
    /// Whether the template must have it (with a value).
    #[serde(default)]
    pub mandatory: bool,
    /// Whether it may appear more than once.
    #[serde(default)]
    pub multiple: bool,
    /// The fewest lines it must have when mandatory (APNIC: two `as-in`).
    #[serde(default)]
    pub min_lines: Option<usize>,
    /// The most lines it may have (APNIC: five `descr`).
    #[serde(default)]
    pub max_lines: Option<usize>,
    /// Whether a value is an RPSL `list of ...`: comma-separated items, each
    /// checked against the syntax on its own (`mnt-by: A-MNT, B-MNT`).
    #[serde(default)]
    pub list: bool,
    /// What each value must look like.
    pub syntax: SyntaxClass,
    /// A short explanation for the person filling in the form; shared (not
    /// copied) by every reference a submission makes through this attribute.
    pub help: Arc<str>,
    /// A value the blank form already carries (`source: APNIC`).
    #[serde(default)]
    pub prefilled: Option<String>,
    /// How many empty lines of this attribute the blank form shows.
    #[serde(default = "one")]
    pub blank_lines: usize,
}

fn one() -> usize {
    1
}

/// One template in one version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    /// Which dialect the template belongs to.
    pub dialect: Dialect,
    /// The object class it creates (`aut-num`, `person`, `mntner`, `role`);
    /// shared with the summary of every object checked against it.
    pub class: Arc<str>,
    /// APNIC only: the name in the template header, `AUT-NUM` in `#[AUT-NUM TEMPLATE V3.0]#`.
    #[serde(default)]
    pub header: Option<String>,
    /// APNIC only: the version in the template header, `V3.0`.
    #[serde(default)]
    pub version: Option<String>,
    /// A human title, e.g. "APNIC-038 aut-num template V3.0"; shared like the class.
    pub title: Arc<str>,
    /// What the template is for, in a sentence or two.
    pub help: String,
    /// The attributes in the order the blank form lists them.
    pub attributes: Vec<AttributeDef>,
    /// The file the definition came from.
    #[serde(skip)]
    pub file: String,
}

impl TemplateDef {
    /// The definition of attribute `name`, if the template has it.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The place of attribute `name` in [`TemplateDef::attributes`], if the template has it.
    pub(crate) fn attribute_index(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.name == name)
    }

    /// The template's header line, `#[AUT-NUM TEMPLATE V3.0]#`, for APNIC templates.
    pub fn header_line(&self) -> Option<String> {
        match (&self.header, &self.version) {
            (Some(header), Some(version)) => Some(format!("#[{header} TEMPLATE {version}]#")),
            _ => None,
        }
    }

    /// The attribute names closest to `unknown`, nearest first: for "did you mean".
    pub fn closest_attribute(&self, unknown: &str) -> Option<&str> {
        let unknown = unknown.to_ascii_lowercase();
        self.attributes
            .iter()
            .map(|a| (edit_distance(&unknown, &a.name), a.name.as_str()))
            .filter(|(distance, name)| *distance <= (name.len() / 3).max(2))
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, name)| name)
    }
}

/// All template definitions the engine may use.
#[derive(Debug, Clone)]
pub struct FormSet {
    templates: Vec<TemplateDef>,
}

impl FormSet {
    /// The definitions compiled into the binary from `forms/`: their TOML,
    /// read when the engine was built, is kept as JSON, which reads about
    /// ten times as fast; every process that checks a form loads them
    /// (a millisecond as TOML, a tenth of `formrobot process`).
    pub fn embedded() -> Result<FormSet, FormError> {
        FormSet::from_definitions(EMBEDDED.iter().map(|(file, json)| {
            let template = serde_json::from_str(json)
                .map_err(|source| FormError::Embedded { file: (*file).to_owned(), source })?;
            Ok(((*file).to_owned(), template))
        }))
    }

    /// Definitions from `(file name, TOML text)` pairs, checked for consistency.
    pub fn from_sources(sources: impl IntoIterator<Item = (String, String)>) -> Result<FormSet, FormError> {
        FormSet::from_definitions(sources.into_iter().map(|(file, text)| {
            let template = toml::from_str(&text).map_err(|source| FormError::Toml { file: file.clone(), source })?;
            Ok((file, template))
        }))
    }

    /// Definitions read from their files, checked each and against each other.
    fn from_definitions(
        definitions: impl IntoIterator<Item = Result<(String, TemplateDef), FormError>>,
    ) -> Result<FormSet, FormError> {
        let mut templates: Vec<TemplateDef> = Vec::new();
        for definition in definitions {
            let (file, mut template) = definition?;
            template.file = file.clone();
            check_definition(&template)?;
            if let Some(other) = templates.iter().find(|t| same_template(t, &template)) {
                return Err(FormError::Duplicate { file, what: template.title.to_string(), other: other.file.clone() });
            }
            templates.push(template);
        }
        Ok(FormSet { templates })
    }

    /// Every definition, in file order.
    pub fn templates(&self) -> &[TemplateDef] {
        &self.templates
    }

    /// The APNIC template with this header name and version (both case-insensitive).
    pub fn apnic(&self, header: &str, version: &str) -> Option<&TemplateDef> {
        self.templates.iter().find(|t| {
            t.dialect == Dialect::Apnic
                && t.header.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(header))
                && t.version.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(version))
        })
    }

    /// The versions of the APNIC template `header` that are defined, for error messages.
    pub fn apnic_versions(&self, header: &str) -> Vec<&str> {
        self.templates
            .iter()
            .filter(|t| {
                t.dialect == Dialect::Apnic && t.header.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(header))
            })
            .filter_map(|t| t.version.as_deref())
            .collect()
    }

    /// The APNIC template names that are defined, for error messages.
    pub fn apnic_headers(&self) -> Vec<&str> {
        let mut headers: Vec<&str> = Vec::new();
        for header in self.templates.iter().filter(|t| t.dialect == Dialect::Apnic).filter_map(|t| t.header.as_deref())
        {
            if !headers.contains(&header) {
                headers.push(header);
            }
        }
        headers
    }

    /// The RIPE template for objects of class `class` (case-insensitive).
    pub fn ripe(&self, class: &str) -> Option<&TemplateDef> {
        self.templates.iter().find(|t| t.dialect == Dialect::Ripe && t.class.eq_ignore_ascii_case(class))
    }

    /// The RIPE object classes that are defined, for error messages.
    pub fn ripe_classes(&self) -> Vec<&str> {
        self.templates.iter().filter(|t| t.dialect == Dialect::Ripe).map(|t| &*t.class).collect()
    }
}

fn same_template(a: &TemplateDef, b: &TemplateDef) -> bool {
    a.dialect == b.dialect
        && match a.dialect {
            Dialect::Apnic => {
                a.header.as_deref().map(str::to_ascii_uppercase) == b.header.as_deref().map(str::to_ascii_uppercase)
                    && a.version.as_deref().map(str::to_ascii_uppercase)
                        == b.version.as_deref().map(str::to_ascii_uppercase)
            }
            Dialect::Ripe => a.class.eq_ignore_ascii_case(&b.class),
        }
}

fn check_definition(template: &TemplateDef) -> Result<(), FormError> {
    let invalid = |message: String| FormError::Invalid { file: template.file.clone(), message };
    if template.dialect == Dialect::Apnic && (template.header.is_none() || template.version.is_none()) {
        return Err(invalid("an APNIC template needs both `header` and `version`".into()));
    }
    if template.attributes.is_empty() {
        return Err(invalid("a template needs at least one attribute".into()));
    }
    if template.dialect == Dialect::Ripe && *template.attributes[0].name != *template.class {
        return Err(invalid(format!(
            "the first attribute of a RIPE template names its class, so it must be `{}`",
            template.class
        )));
    }
    let mut seen = HashSet::new();
    for attribute in &template.attributes {
        if !seen.insert(attribute.name.as_str()) {
            return Err(invalid(format!("attribute `{}` is defined twice", attribute.name)));
        }
        if let (Some(min), Some(max)) = (attribute.min_lines, attribute.max_lines) {
            if min > max {
                return Err(invalid(format!("attribute `{}` has min_lines above max_lines", attribute.name)));
            }
        }
        if !attribute.multiple && (attribute.min_lines.unwrap_or(1) > 1 || attribute.max_lines.unwrap_or(1) > 1) {
            return Err(invalid(format!("attribute `{}` is single but allows several lines", attribute.name)));
        }
    }
    Ok(())
}

/// Levenshtein distance over bytes; attribute names are short ASCII words.
///
/// Bytes rather than characters, as the distance has always been counted: a
/// non-ASCII letter in a misspelt name costs as many edits as it has bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::generic_levenshtein(&Bytes(a), &Bytes(b))
}

/// A string seen as its bytes, for [`strsim::generic_levenshtein`].
struct Bytes<'a>(&'a str);

impl<'a> IntoIterator for &Bytes<'a> {
    type Item = u8;
    type IntoIter = std::str::Bytes<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms() -> FormSet {
        FormSet::embedded().expect("the embedded forms are valid")
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // The test reads forms/ to compare with what was embedded.
    fn the_embedded_forms_are_the_files_in_forms() {
        // Embedded as JSON made from the TOML at build time: the same definitions as the files read now.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms");
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("forms/")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .map(|path| {
                let name = path.file_name().and_then(|n| n.to_str()).expect("a name").to_owned();
                (name, std::fs::read_to_string(&path).expect("readable"))
            })
            .collect();
        files.sort();
        let read = FormSet::from_sources(files).expect("the files are valid");
        assert_eq!(format!("{:?}", forms().templates()), format!("{:?}", read.templates()));
        assert!(forms().templates().len() >= 7);
    }

    #[test]
    fn embedded_forms_load_and_cover_both_dialects() {
        let forms = forms();
        assert!(forms.apnic("AUT-NUM", "V3.0").is_some());
        assert!(forms.apnic("person", "v4.0").is_some());
        assert!(forms.apnic("PERSON", "V3.0").is_some());
        for class in ["aut-num", "mntner", "person", "role"] {
            assert!(forms.ripe(class).is_some(), "RIPE {class}");
        }
        assert_eq!(forms.apnic_versions("PERSON").len(), 2);
        assert_eq!(
            forms.apnic("AUT-NUM", "V3.0").and_then(|t| t.header_line()).as_deref(),
            Some("#[AUT-NUM TEMPLATE V3.0]#")
        );
    }

    #[test]
    fn apnic_descr_is_limited_to_five_lines_and_as_in_needs_two() {
        let forms = forms();
        let aut_num = forms.apnic("AUT-NUM", "V3.0").expect("defined");
        assert_eq!(aut_num.attribute("descr").and_then(|a| a.max_lines), Some(5));
        assert_eq!(aut_num.attribute("as-in").and_then(|a| a.min_lines), Some(2));
    }

    #[test]
    fn suggests_the_closest_attribute() {
        let forms = forms();
        let aut_num = forms.ripe("aut-num").expect("defined");
        assert_eq!(aut_num.closest_attribute("tech-cc"), Some("tech-c"));
        assert_eq!(aut_num.closest_attribute("Admin-C"), Some("admin-c"));
        assert_eq!(aut_num.closest_attribute("imports"), Some("import"));
        assert_eq!(aut_num.closest_attribute("zzzzzzzzzz"), None);
    }

    #[test]
    fn edit_distance_counts_bytes() {
        assert_eq!(edit_distance("tech-c", "tech-c"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "admin-c"), 7);
        // A transposition is two edits (plain Levenshtein, not Damerau).
        assert_eq!(edit_distance("ipmort", "import"), 2);
        // 'ë' is two bytes: a substitution and an insertion.
        assert_eq!(edit_distance("tëch-c", "tech-c"), 2);
    }

    #[test]
    fn rejects_inconsistent_definitions() {
        let two = |text: &str| FormSet::from_sources([("a.toml".to_string(), text.to_string())]);
        let missing_version = r#"
            dialect = "apnic"
            class = "person"
            header = "PERSON"
            title = "t"
            help = "h"
            [[attributes]]
            name = "person"
            syntax = "person-name"
            help = "h"
        "#;
        assert!(matches!(two(missing_version), Err(FormError::Invalid { .. })));
        let unknown_syntax = r#"
            dialect = "ripe"
            class = "person"
            title = "t"
            help = "h"
            [[attributes]]
            name = "person"
            syntax = "no-such-class"
            help = "h"
        "#;
        assert!(matches!(two(unknown_syntax), Err(FormError::Toml { .. })));
        let duplicate = r#"
            dialect = "ripe"
            class = "person"
            title = "t"
            help = "h"
            [[attributes]]
            name = "person"
            syntax = "person-name"
            help = "h"
        "#;
        let result = FormSet::from_sources([
            ("a.toml".to_string(), duplicate.to_string()),
            ("b.toml".to_string(), duplicate.to_string()),
        ]);
        assert!(matches!(result, Err(FormError::Duplicate { .. })));
    }
}
