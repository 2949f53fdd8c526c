//! Reading a JSON object field by field while collecting every problem with
//! its path, instead of stopping at the first one as a derived deserialiser
//! would: the API answers with all of a request's problems at once.

use crate::ApiError;
use serde_json::{Map, Value};

/// The path of the request's root, as the API's documentation names it.
pub const ROOT: &str = "obj";

/// Where the problems of one request are collected.
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<ApiError>,
}

impl Problems {
    /// Notes a problem at `path`.
    pub fn add(&mut self, path: &str, msg: impl Into<String>) {
        self.found.push(ApiError { path: path.to_owned(), msg: msg.into() });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The problems, in the order they were found.
    pub fn into_vec(self) -> Vec<ApiError> {
        self.found
    }
}

/// One JSON object being read: its path, its fields, and which field names it may have.
pub struct Object<'a> {
    path: String,
    fields: &'a Map<String, Value>,
    known: Vec<&'static str>,
}

/// The path of `field` in the object at `parent`.
pub fn field_path(parent: &str, field: &str) -> String {
    if parent == ROOT {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

/// The path of element `index` of the array at `parent`.
pub fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

impl<'a> Object<'a> {
    /// The object `value` at `path`, or `None` (with a problem noted) when it is not an object.
    pub fn new(value: &'a Value, path: &str, problems: &mut Problems) -> Option<Object<'a>> {
        match value {
            Value::Object(fields) => Some(Object { path: path.to_owned(), fields, known: Vec::new() }),
            other => {
                problems.add(path, format!("must be a JSON object, not {}", kind(other)));
                None
            }
        }
    }

    /// This object's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path of one of its fields.
    pub fn path_of(&self, field: &str) -> String {
        field_path(&self.path, field)
    }

    /// The value of `field`, counting `null` as absent; the field becomes a known one.
    fn get(&mut self, field: &'static str) -> Option<&'a Value> {
        self.known.push(field);
        self.fields.get(field).filter(|value| !value.is_null())
    }

    /// Notes that a required field is missing, at this object's path.
    fn missing(&self, field: &str, problems: &mut Problems) {
        problems.add(&self.path, format!("The {field} is required"));
    }

    /// A string field that must be there and not blank.
    pub fn required_str(&mut self, field: &'static str, problems: &mut Problems) -> Option<&'a str> {
        match self.optional_str(field, problems) {
            Some(text) if !text.trim().is_empty() => Some(text),
            Some(_) => {
                problems.add(&self.path_of(field), format!("The {field} may not be empty"));
                None
            }
            None => {
                if self.get(field).is_none() {
                    self.missing(field, problems);
                }
                None
            }
        }
    }

    /// A string field that may be left out.
    pub fn optional_str(&mut self, field: &'static str, problems: &mut Problems) -> Option<&'a str> {
        match self.get(field)? {
            Value::String(text) => Some(text),
            other => {
                problems.add(&self.path_of(field), format!("must be a string, not {}", kind(other)));
                None
            }
        }
    }

    /// A boolean field that must be there.
    pub fn required_bool(&mut self, field: &'static str, problems: &mut Problems) -> Option<bool> {
        match self.get(field) {
            Some(Value::Bool(flag)) => Some(*flag),
            Some(other) => {
                problems.add(&self.path_of(field), format!("must be true or false, not {}", kind(other)));
                None
            }
            None => {
                self.missing(field, problems);
                None
            }
        }
    }

    /// A boolean field that may be left out, false when it is.
    pub fn optional_bool(&mut self, field: &'static str, problems: &mut Problems) -> bool {
        match self.get(field) {
            Some(Value::Bool(flag)) => *flag,
            Some(other) => {
                problems.add(&self.path_of(field), format!("must be true or false, not {}", kind(other)));
                false
            }
            None => false,
        }
    }

    /// A whole number field that must be there: a JSON number, or digits in a string.
    pub fn required_number(&mut self, field: &'static str, problems: &mut Problems) -> Option<u64> {
        let Some(value) = self.get(field) else {
            self.missing(field, problems);
            return None;
        };
        number(value).or_else(|| {
            problems.add(&self.path_of(field), format!("must be a whole number, not {}", describe(value)));
            None
        })
    }

    /// An array field that must be there (it may be empty).
    pub fn required_array(&mut self, field: &'static str, problems: &mut Problems) -> Option<&'a [Value]> {
        match self.get(field) {
            Some(_) => self.optional_array(field, problems),
            None => {
                self.missing(field, problems);
                None
            }
        }
    }

    /// An array field that may be left out.
    pub fn optional_array(&mut self, field: &'static str, problems: &mut Problems) -> Option<&'a [Value]> {
        match self.get(field)? {
            Value::Array(items) => Some(items),
            other => {
                problems.add(&self.path_of(field), format!("must be an array, not {}", kind(other)));
                None
            }
        }
    }

    /// An object field that must be there.
    pub fn required_object(&mut self, field: &'static str, problems: &mut Problems) -> Option<Object<'a>> {
        match self.get(field) {
            Some(value) => Object::new(value, &self.path_of(field), problems),
            None => {
                self.missing(field, problems);
                None
            }
        }
    }

    /// An object field that may be left out.
    pub fn optional_object(&mut self, field: &'static str, problems: &mut Problems) -> Option<Object<'a>> {
        let value = self.get(field)?;
        Object::new(value, &self.path_of(field), problems)
    }

    /// Marks fields as known without reading them (read elsewhere, or ignored on purpose).
    pub fn allow(&mut self, fields: &[&'static str]) {
        self.known.extend_from_slice(fields);
    }

    /// Notes every field that was not asked for: a misspelt field name must not be ignored silently.
    pub fn reject_unknown(&self, what: &str, problems: &mut Problems) {
        for name in self.fields.keys().filter(|name| !self.known.contains(&name.as_str())) {
            let shown: String = name.chars().take(60).collect();
            problems.add(&self.path_of(&shown), format!("'{shown}' is not a field of {what}"));
        }
    }
}

/// A whole number from a JSON number or a string of digits.
fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => {
            let digits = text.trim();
            (!digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().ok())
                .flatten()
        }
        _ => None,
    }
}

/// What kind of JSON value this is, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a value for messages: a string quoted and cut, others by kind.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => formrobot_engine::diagnostic::quote(text),
        Value::Number(number) => number.to_string(),
        other => kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_problem_is_found_with_its_path() {
        let value = json!({"a": 1, "b": "", "n": "x7", "extra": true});
        let mut problems = Problems::default();
        let mut object = Object::new(&value, "requestContent", &mut problems).expect("an object");
        assert_eq!(object.required_str("a", &mut problems), None);
        assert_eq!(object.required_str("b", &mut problems), None);
        assert_eq!(object.required_str("c", &mut problems), None);
        assert_eq!(object.required_number("n", &mut problems), None);
        object.reject_unknown("a test", &mut problems);
        let found: Vec<(String, String)> = problems.into_vec().into_iter().map(|e| (e.path, e.msg)).collect();
        assert_eq!(
            found,
            [
                ("requestContent.a".to_owned(), "must be a string, not a number".to_owned()),
                ("requestContent.b".to_owned(), "The b may not be empty".to_owned()),
                ("requestContent".to_owned(), "The c is required".to_owned()),
                ("requestContent.n".to_owned(), "must be a whole number, not 'x7'".to_owned()),
                ("requestContent.extra".to_owned(), "'extra' is not a field of a test".to_owned()),
            ]
        );
    }

    #[test]
    fn paths_below_the_root_do_not_repeat_it() {
        assert_eq!(field_path(ROOT, "requestType"), "requestType");
        assert_eq!(
            index_path(&field_path("requestContent", "peeringPartners"), 1),
            "requestContent.peeringPartners[1]"
        );
        let mut problems = Problems::default();
        let body = json!({"n": "22"});
        let mut root = Object::new(&body, ROOT, &mut problems).expect("an object");
        assert_eq!(root.required_number("n", &mut problems), Some(22));
        assert!(Object::new(&json!([1]), ROOT, &mut problems).is_none());
        assert_eq!(problems.into_vec()[0].msg, "must be a JSON object, not an array");
    }
}
