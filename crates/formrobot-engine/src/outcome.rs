//! The outcome of processing a submission, in the shape every command prints with `--json`.

use crate::diagnostic::Diagnostic;
use serde::Serialize;
use std::collections::BTreeMap;

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Valid: it goes on to the registry.
    Accepted,
    /// It has errors; the sender must fix them and send it again.
    Rejected,
    /// Not a submission at all (bounces, auto-replies); nothing is answered.
    Ignored,
    /// A request for help; the reply carries the blank forms.
    Help,
}

/// One problem as it appears in the JSON outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line in the submitted text, or null.
    pub line: Option<usize>,
    /// The attribute concerned, or null.
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<&Diagnostic> for Problem {
    fn from(diagnostic: &Diagnostic) -> Problem {
        Problem { line: diagnostic.line, attribute: diagnostic.attribute.clone(), message: diagnostic.message.clone() }
    }
}

/// The reply part of an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplySummary {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// The JSON outcome every command that processes a submission prints with `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// What became of the submission.
    pub status: Status,
    /// The ticket tag, `FR-...`, when one was opened.
    pub ticket: Option<String>,
    /// Every error, in line order.
    pub errors: Vec<Problem>,
    /// Every warning, in line order.
    pub warnings: Vec<Problem>,
    /// Placeholder as written (`AUTO-1RL`, or an APNIC person's name) -> the real handle.
    pub handles: BTreeMap<String, String>,
    /// The reply, when one was written.
    pub reply: Option<ReplySummary>,
}
