//! Problems found in a submission, each tied to where it was found.

use serde::Serialize;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The submission cannot be accepted until this is fixed.
    Error,
    /// Worth telling the sender, but the submission can still be accepted.
    Warning,
}

/// One problem, located in the submitted text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// 1-based line in the submitted text, when the problem has a place.
    pub line: Option<usize>,
    /// The attribute concerned, when there is one.
    pub attribute: Option<String>,
    /// What is wrong, quoting the offending value.
    pub message: String,
    /// The attribute's help text from its template definition, for replies.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `line` about `attribute`.
    pub fn error(line: Option<usize>, attribute: Option<&str>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            line,
            attribute: attribute.map(str::to_owned),
            message: message.into(),
            help: None,
        }
    }

    /// A warning at `line` about `attribute`.
    pub fn warning(line: Option<usize>, attribute: Option<&str>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(line, attribute, message) }
    }

    /// The same diagnostic carrying an attribute's help text.
    pub fn with_help(mut self, help: &str) -> Diagnostic {
        self.help = Some(help.to_owned());
        self
    }

    /// Whether this is an error (rather than a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
