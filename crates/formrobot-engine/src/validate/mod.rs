//! Stage 5, validate: check a parsed submission against its template definitions.
//!
//! `object` checks each object on its own: that its template exists, that
//! every attribute is known, present as often as allowed, and well formed.
//! `rules` then checks what spans objects: references between them, `AUTO-n`
//! placeholders, and that the requested AS is multihomed. Both collect every
//! problem rather than stopping at the first.

mod object;
pub mod registry;
pub mod registry_policy;
mod rules;

use crate::diagnostic::Diagnostics;
use crate::forms::FormSet;
use crate::parse::{Name, Submission};
use crate::policy::Direction;
use crate::syntax::{Contact, SyntaxContext};
use registry_policy::RegistryPolicy;
use std::sync::Arc;

/// How the validator treated one object of the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Checked against its template.
    Checked,
    /// An APNIC template left blank (only its pre-filled values): skipped silently.
    Blank,
    /// No template definition matches it; an error or warning says so.
    Unknown,
}

/// What the validator learnt about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// Index into [`Submission::objects`].
    pub index: usize,
    /// The object class (`aut-num`, `person`, ...), lower case.
    pub class: Arc<str>,
    /// The line the object starts on.
    pub line: usize,
    /// How it was treated.
    pub disposition: Disposition,
    /// The title of the template definition it was checked against.
    pub template: Option<Arc<str>>,
    /// How many of its routing policy rules failed to parse.
    pub policy_errors: usize,
}

/// What the `nic-hdl:` of a person or role object asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NicHdlRequest {
    /// Left blank (APNIC) or absent: the registry assigns one.
    Blank,
    /// An `AUTO-n` placeholder.
    Auto(crate::syntax::Placeholder),
    /// A handle the sender already holds or wants.
    Handle(crate::syntax::NicHandle),
}

/// A person or role object and the handle it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicHdlFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// The line of the `nic-hdl:` attribute, or of the object when it has none.
    pub line: usize,
    /// The person's or role's name.
    pub name: String,
    /// The handle requested.
    pub request: NicHdlRequest,
    /// The `nic-hdl` attribute's help text, for errors about it.
    pub help: Option<Arc<str>>,
}

/// A reference to a contact (`admin-c`, `tech-c`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// The referring attribute.
    pub attribute: Name,
    /// Its line.
    pub line: usize,
    /// What it refers to.
    pub contact: Contact,
    /// The referring attribute's help text, for errors about it.
    pub help: Arc<str>,
}

/// A reference to a maintainer (`mnt-by`, `mnt-lower`, `referral-by`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintainerFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// The referring attribute.
    pub attribute: Name,
    /// Its line.
    pub line: usize,
    /// The maintainer's name as written.
    pub name: String,
    /// The referring attribute's help text, for errors about it.
    pub help: Arc<str>,
}

/// A neighbouring AS that a routing policy rule which parsed names: one
/// fact per rule and AS number ([`crate::policy::Policy::neighbour_ases`]),
/// sixteen bytes and nothing to allocate, for the 100,000 rules of a large form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// Which way the rule's routes flow.
    pub direction: Direction,
    /// The neighbour's AS number.
    pub asn: u32,
}

/// The validator's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// Every problem found, in line order.
    pub diagnostics: Diagnostics,
    /// One summary per object of the submission.
    pub objects: Vec<ObjectSummary>,
    /// The handles that person and role objects ask for.
    pub nic_handles: Vec<NicHdlFact>,
    /// The contact references.
    pub contacts: Vec<ContactFact>,
    /// The neighbouring ASes of the routing policy rules that parsed, in order.
    pub neighbours: Vec<NeighbourFact>,
    /// The maintainer references.
    pub maintainers: Vec<MaintainerFact>,
}

/// Validates `submission` against `forms` and the registry's `policy`.
pub fn validate(
    submission: &Submission,
    forms: &FormSet,
    context: &SyntaxContext,
    policy: &RegistryPolicy,
) -> Validation {
    validate_in(submission, forms, context, policy, 1)
}

/// The number of objects from which [`validate_in`] checks objects on
/// threads of their own: below it, starting a thread costs more than it saves.
pub const PARALLEL_FROM_OBJECTS: usize = 500;

/// [`validate`] on up to `threads` threads: the objects, each checked on its
/// own, are shared out in runs of about equal size and the findings joined
/// in object order, before the rules that span objects run over all of them.
/// The validation is the same whatever `threads` is.
pub fn validate_in(
    submission: &Submission,
    forms: &FormSet,
    context: &SyntaxContext,
    policy: &RegistryPolicy,
    threads: usize,
) -> Validation {
    let count = submission.objects.len();
    let runs = if count >= PARALLEL_FROM_OBJECTS { threads.clamp(1, count) } else { 1 };
    let check_run = |run: usize| {
        let mut validation = Validation::default();
        let mut definitions = object::Definitions::default();
        for index in count * run / runs..count * (run + 1) / runs {
            let parsed = &submission.objects[index];
            object::check_object(index, parsed, submission, forms, context, &mut validation, &mut definitions);
        }
        validation
    };
    let mut validation = if runs == 1 {
        check_run(0)
    } else {
        let runs: Vec<usize> = (0..runs).collect();
        let found = crate::threads::each_on_a_thread(&runs, |&run| check_run(run));
        Validation::joined(found)
    };
    rules::check_rules(submission, &mut validation, policy);
    validation
}

impl Validation {
    /// The findings of runs of objects, in order, joined into one: each list
    /// made once to its size, as a large form's lists would otherwise be
    /// copied again each time they double.
    fn joined(runs: Vec<Validation>) -> Validation {
        fn all<T>(runs: &mut [Validation], list: fn(&mut Validation) -> &mut Vec<T>) -> Vec<T> {
            let mut joined = Vec::with_capacity(runs.iter_mut().map(|run| list(run).len()).sum());
            for run in runs.iter_mut() {
                joined.append(list(run));
            }
            joined
        }
        let mut runs = runs;
        let mut diagnostics = crate::diagnostic::Diagnostics::new();
        for run in &mut runs {
            diagnostics.append(std::mem::take(&mut run.diagnostics));
        }
        Validation {
            objects: all(&mut runs, |run| &mut run.objects),
            nic_handles: all(&mut runs, |run| &mut run.nic_handles),
            contacts: all(&mut runs, |run| &mut run.contacts),
            neighbours: all(&mut runs, |run| &mut run.neighbours),
            maintainers: all(&mut runs, |run| &mut run.maintainers),
            diagnostics,
        }
    }
}
