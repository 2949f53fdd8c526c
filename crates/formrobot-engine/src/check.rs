//! The form engine end to end: stages 3 to 5 (extract, parse and validate) for one submission.
//!
//! This is the function the `check` command, the mail pipeline and the daemon
//! all call; it performs no I/O and takes today's date as an argument.

use crate::date::Date;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::dialect::Dialect;
use crate::extract;
use crate::forms::FormSet;
use crate::outcome::{Outcome, Problem, Status};
use crate::parse::{self, Object, Submission};
use crate::syntax::SyntaxContext;
use crate::validate::registry::{check_references, LookupError, Registry};
use crate::validate::registry_policy::RegistryPolicy;
use crate::validate::{self, ObjectValidator, Surroundings, Validation};
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

/// What the form engine found in a submission: everything but the objects
/// themselves ([`check_text_findings`] keeps no more; a [`Checked`] has the
/// objects too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    /// The dialect the submission is written in.
    pub dialect: Dialect,
    /// What validation found out about it.
    pub validation: Validation,
    /// Every problem from every stage, in line order (problems without a line first).
    pub diagnostics: Diagnostics,
}

/// A submission after the form engine has been over it: its objects, and
/// what was found in them (the [`Findings`], which a `Checked` derefs to).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The parsed submission.
    pub submission: Submission,
    /// What the engine found.
    pub findings: Findings,
}

impl Deref for Checked {
    type Target = Findings;
    fn deref(&self) -> &Findings {
        &self.findings
    }
}

impl DerefMut for Checked {
    fn deref_mut(&mut self) -> &mut Findings {
        &mut self.findings
    }
}

impl Findings {
    /// Accepted when there is no error.
    pub fn status(&self) -> Status {
        if self.errors().next().is_some() {
            Status::Rejected
        } else {
            Status::Accepted
        }
    }

    /// Whether the text held any template or object at all. A reply on a
    /// ticket without one is correspondence, not a resubmission.
    pub fn has_templates(&self) -> bool {
        // Every object read has a summary, whatever became of it.
        !self.validation.objects.is_empty()
    }

    /// The errors, in line order.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// How many errors the form has, listed or not.
    pub fn error_count(&self) -> usize {
        self.diagnostics.error_count()
    }

    /// How many warnings the form has, listed or not.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.warning_count()
    }

    /// The warnings, in line order.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// The outcome in its JSON shape, before any ticket, handle or reply exists.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            status: self.status(),
            ticket: None,
            errors: self.errors().map(Problem::from).collect(),
            warnings: self.warnings().map(Problem::from).collect(),
            handles: BTreeMap::new(),
            reply: None,
        }
    }

    /// Checks references to handles and maintainers against the registry,
    /// adding an error for each one that exists neither there nor in the submission.
    pub fn check_references(&mut self, registry: &dyn Registry) -> Result<(), LookupError> {
        let found = check_references(&self.validation, registry)?;
        self.diagnostics.extend(found);
        self.diagnostics.sort_by_key(|d| d.line.unwrap_or(0));
        Ok(())
    }
}

/// Runs the form engine over the text of a submission, under the default registry policy.
pub fn check_text(text: &str, forms: &FormSet, today: Date) -> Checked {
    check_text_under(text, forms, today, &RegistryPolicy::default())
}

/// Runs the form engine over the text of a submission, under the registry's `policy`.
pub fn check_text_under(text: &str, forms: &FormSet, today: Date, policy: &RegistryPolicy) -> Checked {
    check_text_in(text, forms, today, policy, 1)
}

/// [`check_text_under`] on up to `threads` threads for a large submission
/// (see [`parse::read_frame_in`]); the result is the same whatever `threads`
/// is. The caller chooses: one mail among many is better checked on one
/// thread, a registry dump on every core.
pub fn check_text_in(text: &str, forms: &FormSet, today: Date, policy: &RegistryPolicy, threads: usize) -> Checked {
    let (findings, submission) = check_frame(text, forms, today, policy, threads, Keep::Objects);
    Checked { submission, findings }
}

/// [`check_text_in`] for those who want only what was found, such as
/// `formrobot check` on a registry dump: each object is checked on the thread
/// that read it, as soon as it is read, and then dropped, so that a large
/// form is never held as objects. The findings are those [`check_text_in`] gives.
pub fn check_text_findings(
    text: &str,
    forms: &FormSet,
    today: Date,
    policy: &RegistryPolicy,
    threads: usize,
) -> Findings {
    check_frame(text, forms, today, policy, threads, Keep::Nothing).0
}

/// Whether [`check_frame`] keeps the objects it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Objects,
    Nothing,
}

/// What a stretch of the submission became: its objects' findings, and the objects if they are kept.
struct CheckedStretch<'a> {
    validator: ObjectValidator<'a>,
    objects: Vec<Object>,
}

/// Stages 3 to 5: extract, then read and validate each object as it is read,
/// then the rules over them all. The submission has the objects `keep` says.
fn check_frame(
    text: &str,
    forms: &FormSet,
    today: Date,
    policy: &RegistryPolicy,
    threads: usize,
    keep: Keep,
) -> (Findings, Submission) {
    let frame = extract::Frame::new_in(text, threads);
    let marked = frame.markers != extract::Markers::Missing;
    let start = |dialect: Dialect| CheckedStretch {
        validator: ObjectValidator::new(Surroundings {
            forms,
            context: SyntaxContext { dialect, today },
            policy,
            marked,
        }),
        objects: Vec::new(),
    };
    let each = |stretch: &mut CheckedStretch<'_>, index: usize, object: Object| {
        stretch.validator.check(index, &object);
        if keep == Keep::Objects {
            stretch.objects.push(object);
        }
    };
    let read = parse::read_frame_in(&frame, threads, start, each);
    let parse::Read { dialect, marked, comments, diagnostics: read_diagnostics, pseudo_attributes, stretches } = read;

    // Each stretch's findings count their objects from the stretch's start; they are joined counting from the form's.
    let mut objects_read = 0;
    let mut runs = Vec::with_capacity(stretches.len());
    let mut kept = Vec::with_capacity(stretches.len());
    for (count, stretch) in stretches {
        runs.push((objects_read, stretch.validator.found()));
        kept.push(stretch.objects);
        objects_read += count;
    }
    let objects = parse::concatenated(kept);
    let mut validation = Validation::joined(runs);
    validate::check_rules(&mut validation, dialect, &comments, policy);

    // Moved, not copied: the stages' lists are read only through `Findings::diagnostics` from here on.
    let mut diagnostics: Diagnostics = frame.diagnostics.into();
    diagnostics.append(read_diagnostics);
    diagnostics.append(std::mem::take(&mut validation.diagnostics));
    if objects_read == 0 {
        // Warnings about how the form was read are moot when nothing could be read.
        diagnostics.retain_errors();
    }
    let mut findings = Findings { dialect, validation, diagnostics };
    let too_many = crate::resolve::too_many_handles(&findings);
    findings.diagnostics.extend(too_many);
    findings.diagnostics.sort_by_key(|d| d.line.unwrap_or(0));
    findings.diagnostics.note_unlisted();
    // Its problems are in the findings now.
    let diagnostics = Diagnostics::new();
    (findings, Submission { dialect, marked, objects, comments, diagnostics, pseudo_attributes })
}

/// Turns raw bytes into text without losing any: UTF-8 when it is valid,
/// otherwise each byte as the Latin-1 character of that value, so that a
/// stray byte is reported as a character at its column rather than dropped.
pub fn decode_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// [`decode_bytes`] for bytes the caller gives up: valid UTF-8 (the usual
/// case) becomes the text without a copy, so a large form is held once.
pub fn decode_owned_bytes(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|invalid| invalid.into_bytes().iter().map(|&b| char::from(b)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_invalid_utf8_byte_for_byte() {
        assert_eq!(decode_bytes(b"caf\xc3\xa9"), "caf\u{e9}");
        assert_eq!(decode_bytes(b"caf\xe9"), "caf\u{e9}");
        assert_eq!(decode_bytes(b"\xff\x00"), "\u{ff}\u{0}");
        for bytes in [&b"caf\xc3\xa9"[..], b"caf\xe9", b"\xff\x00", b""] {
            assert_eq!(decode_owned_bytes(bytes.to_vec()), decode_bytes(bytes));
        }
    }
}
