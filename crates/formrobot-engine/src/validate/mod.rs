//! Stage 5, validate: check a parsed submission against its template definitions.
//!
//! `object` checks each object on its own: that its template exists, that
//! every attribute is known, present as often as allowed, and well formed.
//! `rules` then checks what spans objects: references between them, `AUTO-n`
//! placeholders, and that the requested AS is multihomed. Both collect every
//! problem rather than stopping at the first.

mod facts;
mod multihoming;
mod object;
pub mod registry;
pub mod registry_policy;
mod rules;

use crate::diagnostic::Diagnostics;
use crate::dialect::Dialect;
use crate::forms::FormSet;
use crate::parse::{Name, Object, Submission};
use crate::syntax::{Contact, SyntaxContext};
pub use facts::Facts;
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
    /// The line of the `nic-hdl:` attribute, or of the object's first attribute when it has none.
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

/// A neighbouring AS that the rules of a checked aut-num name: one fact
/// per aut-num and AS number, in the order first named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// The neighbour's AS number.
    pub asn: u32,
}

/// A country code a checked object gives, collected only when the
/// registry's policy names a service region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// The line of the `country:` attribute.
    pub line: usize,
    /// The code, upper case.
    pub code: String,
}

/// APNIC: how many AS numbers a checked aut-num template asks for, when more than one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsCountFact {
    /// Index into [`Submission::objects`].
    pub object: usize,
    /// The line of the `aut-num:` attribute.
    pub line: usize,
    /// The number asked for.
    pub count: u32,
}

/// The validator's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    /// Every problem found, in line order.
    pub diagnostics: Diagnostics,
    /// One summary per object of the submission, in object order ([`Validation::is_checked`] searches them).
    pub objects: Facts<ObjectSummary>,
    /// The handles that person and role objects ask for.
    pub nic_handles: Facts<NicHdlFact>,
    /// The contact references.
    pub contacts: Facts<ContactFact>,
    /// The neighbouring ASes of each checked aut-num.
    pub neighbours: Facts<NeighbourFact>,
    /// The maintainer references.
    pub maintainers: Facts<MaintainerFact>,
    /// The names of the maintainers the submission's mntner objects create, as written.
    pub created_maintainers: Facts<String>,
    /// The country codes of the checked objects, when the registry's policy names a service region.
    pub countries: Facts<CountryFact>,
    /// The checked APNIC aut-num templates that ask for more than one AS number.
    pub as_counts: Facts<AsCountFact>,
}

/// What checking one object needs besides the object: the templates, the
/// dialect and today, the registry's policy, and whether the form was marked.
#[derive(Debug, Clone, Copy)]
pub struct Surroundings<'a> {
    /// The template definitions.
    pub forms: &'a FormSet,
    /// The dialect and today, for the syntax checks.
    pub context: SyntaxContext,
    /// The registry's policy.
    pub policy: &'a RegistryPolicy,
    /// Whether the form stood between CUT HERE lines: an object of a class
    /// the robot does not take is then an error rather than a warning.
    pub marked: bool,
}

/// Checks objects one at a time, in order, and keeps what it found: the
/// validator of one run of objects, on the thread that has them.
#[derive(Debug)]
pub struct ObjectValidator<'a> {
    around: Surroundings<'a>,
    validation: Validation,
    definitions: object::Definitions,
}

impl<'a> ObjectValidator<'a> {
    /// A validator that has checked nothing yet.
    pub fn new(around: Surroundings<'a>) -> ObjectValidator<'a> {
        ObjectValidator { around, validation: Validation::default(), definitions: object::Definitions::default() }
    }

    /// Checks `object`, whose index in this validator's run is `index`.
    pub fn check(&mut self, index: usize, object: &Object) {
        object::check_object(index, object, &self.around, &mut self.validation, &mut self.definitions);
    }

    /// What it found, the objects' indexes counted from the start of its run.
    pub fn found(self) -> Validation {
        self.validation
    }
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
    let around = Surroundings { forms, context: *context, policy, marked: submission.marked };
    let count = submission.objects.len();
    let runs = if count >= PARALLEL_FROM_OBJECTS { threads.clamp(1, count) } else { 1 };
    let check_run = |run: usize| {
        let first = count * run / runs;
        let mut validator = ObjectValidator::new(around);
        for (index, parsed) in submission.objects[first..count * (run + 1) / runs].iter().enumerate() {
            validator.check(index, parsed);
        }
        (first, validator.found())
    };
    // One run is done on the calling thread, as `shared_among` starts no thread for it.
    let runs: Vec<usize> = (0..runs).collect();
    let found = crate::threads::shared_among(&runs, runs.len(), |&run| check_run(run));
    let mut validation = Validation::joined(found);
    check_rules(&mut validation, submission.dialect, &submission.comments, policy);
    validation
}

/// Checks the rules that span objects, and the registry's policy, over the
/// findings of every object of a submission in `dialect` whose APNIC
/// Additional Comments are `comments`.
pub fn check_rules(validation: &mut Validation, dialect: Dialect, comments: &str, policy: &RegistryPolicy) {
    rules::check_rules(validation, dialect, comments, policy);
}

impl Validation {
    /// Whether object `index` was checked against its template. The
    /// summaries are in object order, one per object, so this is a search,
    /// not a set built for the question.
    pub fn is_checked(&self, index: usize) -> bool {
        self.objects
            .find_sorted_by_key(&index, |summary| summary.index)
            .is_some_and(|summary| summary.disposition == Disposition::Checked)
    }

    /// The findings of runs of objects, each with the index of its first
    /// object, joined in order into one with every index counted from the
    /// start. The runs' lists are kept as they are ([`Facts`]), not copied.
    pub fn joined(runs: Vec<(usize, Validation)>) -> Validation {
        let mut joined = Validation::default();
        for (first, run) in runs {
            let Validation {
                diagnostics,
                objects,
                nic_handles,
                contacts,
                neighbours,
                maintainers,
                created_maintainers,
                countries,
                as_counts,
            } = run;
            joined.diagnostics.append(diagnostics);
            joined.objects.append_shifted(objects, |fact| fact.index += first);
            joined.nic_handles.append_shifted(nic_handles, |fact| fact.object += first);
            joined.contacts.append_shifted(contacts, |fact| fact.object += first);
            joined.neighbours.append_shifted(neighbours, |fact| fact.object += first);
            joined.maintainers.append_shifted(maintainers, |fact| fact.object += first);
            joined.created_maintainers.append_shifted(created_maintainers, |_| ());
            joined.countries.append_shifted(countries, |fact| fact.object += first);
            joined.as_counts.append_shifted(as_counts, |fact| fact.object += first);
        }
        joined
    }
}
