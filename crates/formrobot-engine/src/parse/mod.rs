//! Stage 4, parse: split the submission into objects and attributes.
//!
//! The dialect is detected per submission: a line that opens with `#[` and
//! closes with `]#` is an APNIC-038 template header, so its presence means the
//! APNIC dialect (`apnic`); otherwise the text is read as RIPE-228 RPSL
//! objects (`rpsl`). Parsing is purely structural: which template or class
//! an object claims to be and which attributes it carries. Whether those are
//! right is for [`crate::validate`].

mod apnic;
mod rpsl;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::dialect::Dialect;
use crate::extract::{Extraction, Frame, Line, Markers};
use crate::grammar::is_ascii_space;
use crate::source::{Position, Value, ValueBuffer};
use std::borrow::{Borrow, Cow};
use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

/// What an object claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectKind {
    /// An APNIC template, from its header `#[AUT-NUM TEMPLATE V3.0]#`.
    Template {
        /// The template's name as written (`AUT-NUM`).
        header: String,
        /// The version as written (`V3.0`).
        version: String,
    },
    /// An RPSL object, from its first attribute.
    Rpsl {
        /// The class, lower case (`aut-num`): the name of its first attribute, shared with it.
        class: Name,
    },
}

/// A piece of an attribute's value as it stands on one source line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Where the piece starts.
    pub start: Position,
    /// The piece's text, trimmed, comments removed.
    pub text: &'a str,
}

/// An attribute name, lower case, shared by every attribute of that name in
/// a submission: a form of 10,000 objects holds each name once, not once per
/// line (see [`Names`]). One pointer wide (the text's length is kept with
/// the text), as every attribute holds one.
#[derive(Clone)]
pub struct Name(Arc<Box<str>>);

impl Name {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the name's text is kept: the same for every attribute of a
    /// name within a submission the parser read, and different for different
    /// names while they live, so that the validator can find an attribute's
    /// definition without comparing text.
    pub(crate) fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Name {
        Name(Arc::new(Box::from(name)))
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that a set of names can be searched with a `&str` (`Borrow`).
        self.as_str().hash(state);
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

/// The attribute names met so far, so that each distinct name is allocated once.
#[derive(Debug)]
pub(crate) struct Names {
    /// Every name met, lower case.
    all: HashSet<Name, crate::hash::FastHash>,
    /// The names last met as written, by their length and first and last
    /// bytes: a form repeats a handful of names in every object, and one
    /// comparison with the name in its slot finds most of them without hashing.
    recent: [Option<Name>; RECENT_NAMES],
}

/// How many slots [`Names::recent`] has.
const RECENT_NAMES: usize = 64;

impl Default for Names {
    fn default() -> Names {
        Names { all: HashSet::default(), recent: std::array::from_fn(|_| None) }
    }
}

impl Names {
    /// The lower-case name for `written`, shared with earlier attributes of that name.
    pub(crate) fn intern(&mut self, written: &str) -> Name {
        let bytes = written.as_bytes();
        let slot = match (bytes.first(), bytes.last()) {
            (Some(&first), Some(&last)) => {
                (bytes.len().wrapping_mul(31) ^ usize::from(first).wrapping_mul(7) ^ usize::from(last)) % RECENT_NAMES
            }
            _ => 0,
        };
        // Exactly as written: a name written in capitals takes the longer way.
        if let Some(name) = self.recent[slot].as_ref().filter(|name| name.as_str() == written) {
            return name.clone();
        }
        let lower: Cow<'_, str> = if bytes.iter().any(u8::is_ascii_uppercase) {
            Cow::Owned(written.to_ascii_lowercase())
        } else {
            Cow::Borrowed(written)
        };
        let name = match self.all.get(lower.as_ref()) {
            Some(name) => name.clone(),
            None => {
                let name = Name::from(lower.as_ref());
                self.all.insert(name.clone());
                name
            }
        };
        if !matches!(lower, Cow::Owned(_)) {
            self.recent[slot] = Some(name.clone());
        }
        name
    }
}

/// One attribute, with its value pieces (several for continuation lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute name, lower case.
    pub name: Name,
    /// The line the attribute name stands on.
    pub line: usize,
    /// The value: the pieces with text joined by single spaces, each placed in the source
    /// (and a count of the continuation lines past [`MAX_VALUE_LINES`], which it does not keep).
    value: Value,
}

/// The most source lines one attribute's value keeps. No registry attribute
/// needs more, and every later stage (policy parsing, rendering, storing,
/// replying) costs a multiple of a value's size: a value of millions of
/// three-byte continuation lines would cost many times the mail.
pub const MAX_VALUE_LINES: usize = 1_000;

/// What became of a continuation line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continued {
    /// It is part of the value.
    Kept,
    /// The value has [`MAX_VALUE_LINES`] lines already; `first` for the first line dropped.
    Dropped {
        /// Whether it is the first line dropped from this value (the one to report).
        first: bool,
    },
}

impl Attribute {
    /// An attribute whose value starts with `text` at `start` (empty when no value was given).
    pub fn new(name: Name, line: usize, text: &str, start: Position) -> Attribute {
        Attribute { name, line, value: Value::new(text, start) }
    }

    /// [`Attribute::new`] with the value's text kept in the object's `buffer`.
    pub(crate) fn in_buffer(
        name: Name,
        line: usize,
        buffer: &mut ValueBuffer,
        text: &str,
        start: Position,
    ) -> Attribute {
        Attribute { name, line, value: buffer.value(text, start) }
    }

    /// Adds the text of a continuation line; an empty one adds nothing. A
    /// value that has [`MAX_VALUE_LINES`] lines keeps no more.
    pub fn push_piece(&mut self, text: &str, start: Position) -> Continued {
        self.push_piece_with(text, |value| value.push_piece(text, start))
    }

    /// [`Attribute::push_piece`] for the last attribute written to `buffer`.
    pub(crate) fn push_piece_in(&mut self, buffer: &mut ValueBuffer, text: &str, start: Position) -> Continued {
        self.push_piece_with(text, |value| buffer.push_piece(value, text, start))
    }

    fn push_piece_with(&mut self, text: &str, push: impl FnOnce(&mut Value)) -> Continued {
        if !text.is_empty() && self.value.piece_count() >= MAX_VALUE_LINES {
            return Continued::Dropped { first: self.value.drop_piece() == 1 };
        }
        push(&mut self.value);
        Continued::Kept
    }

    /// The error for the first line past [`MAX_VALUE_LINES`], at `line`.
    pub fn too_long(&self, line: usize) -> Diagnostic {
        Diagnostic::error(
            Some(line),
            Some(self.name.as_str()),
            format!(
                "the value of '{}' (line {}) goes on for more than {MAX_VALUE_LINES} lines, which no registry \
                 attribute needs; the lines from here to its end were not read. Split the text over several \
                 attributes, or shorten it",
                self.name, self.line
            ),
        )
    }

    /// The value, for the parser to give it its text.
    pub(crate) fn value_mut(&mut self) -> &mut Value {
        &mut self.value
    }

    /// The whole value, pieces joined by single spaces.
    pub fn joined(&self) -> &Value {
        &self.value
    }

    /// The pieces that carry text, one per source line, in order.
    pub fn pieces(&self) -> impl Iterator<Item = Piece<'_>> + '_ {
        self.value.pieces().map(|(text, start)| Piece { start, text })
    }

    /// Each source line's piece as a value of its own.
    pub fn each_line(&self) -> Vec<Value> {
        self.pieces().map(|piece| Value::new(piece.text, piece.start)).collect()
    }

    /// Whether no text was given at all.
    pub fn is_empty(&self) -> bool {
        self.value.text().is_empty()
    }
}

/// One template or object of the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// What the object claims to be.
    pub kind: ObjectKind,
    /// The line it starts on (the APNIC header, or the RPSL class attribute).
    pub line: usize,
    /// Its attributes in order.
    pub attributes: Vec<Attribute>,
}

impl Object {
    /// The first attribute called `name`.
    pub fn first(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// A parsed submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The detected dialect.
    pub dialect: Dialect,
    /// Whether the submission was framed by CUT HERE markers.
    pub marked: bool,
    /// The templates or objects, in order.
    pub objects: Vec<Object>,
    /// APNIC: the free text after `Additional Comments:`.
    pub comments: String,
    /// Structural problems found while parsing.
    pub diagnostics: Diagnostics,
    /// RIPE's pseudo-attributes (`password:`, `override:`, `dry-run:`, `delete:`),
    /// taken out of the objects they were written in or above.
    pub pseudo_attributes: Vec<PseudoAttribute>,
}

impl Submission {
    /// Whether the sender asked for a check only (`dry-run:`).
    pub fn dry_run(&self) -> bool {
        self.pseudo_attributes.iter().any(|p| p.kind == PseudoKind::DryRun)
    }
}

/// Which RIPE pseudo-attribute a line is: an instruction to the robot written
/// like an attribute, never part of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PseudoKind {
    /// `password:`, for maintainers with CRYPT-PW or MD5-PW authentication.
    Password,
    /// `override:`, the registry staff's own authentication.
    Override,
    /// `dry-run:`, check and answer only.
    DryRun,
    /// `delete:`, asking for an object to be deleted.
    Delete,
}

impl PseudoKind {
    /// The kind named by a lower-case attribute name, if it is one.
    pub fn from_name(name: &str) -> Option<PseudoKind> {
        match name {
            "password" => Some(PseudoKind::Password),
            "override" => Some(PseudoKind::Override),
            "dry-run" => Some(PseudoKind::DryRun),
            "delete" => Some(PseudoKind::Delete),
            _ => None,
        }
    }
}

/// One pseudo-attribute line. Its value (a password, an override secret, a
/// reason) is kept for the checks that need it and never shown: `Debug`
/// leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct PseudoAttribute {
    /// Which one.
    pub kind: PseudoKind,
    /// Its line.
    pub line: usize,
    /// Its value, with continuation lines joined by a space.
    pub value: String,
}

impl std::fmt::Debug for PseudoAttribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PseudoAttribute").field("kind", &self.kind).field("line", &self.line).finish_non_exhaustive()
    }
}

/// The most character problems reported for one submission; binary junk would otherwise drown the reply.
const MAX_CHARACTER_DIAGNOSTICS: usize = 20;

/// Parses the extracted lines in the dialect they are written in.
pub fn parse(extraction: &Extraction<'_>) -> Submission {
    let lines = extraction.lines.iter().copied();
    parse_lines(lines.clone(), detect_dialect_of(lines), extraction.markers, true)
}

/// Parses the submission a [`Frame`] finds, reading its lines as they come:
/// what the engine keeps is the objects, not the lines.
pub fn parse_frame(frame: &Frame<'_>) -> Submission {
    parse_frame_in(frame, 1)
}

/// The size from which [`read_frame_in`] reads RPSL stretches on threads of
/// their own: below it, starting a thread costs more than it saves.
pub const PARALLEL_FROM_BYTES: usize = 256 * 1024;

/// [`parse_frame`] on up to `threads` threads: a large RPSL submission is cut
/// into stretches between objects ([`Frame::stretches`]), read at once, and
/// the readings joined in order. The submission is the same whatever `threads` is.
pub fn parse_frame_in(frame: &Frame<'_>, threads: usize) -> Submission {
    let read =
        read_frame_in(frame, threads, |_| Vec::new(), |objects: &mut Vec<Object>, _, object| objects.push(object));
    let Read { dialect, marked, comments, diagnostics, pseudo_attributes, stretches } = read;
    let objects = concatenated(stretches.into_iter().map(|(_, objects)| objects).collect());
    Submission { dialect, marked, objects, comments, diagnostics, pseudo_attributes }
}

/// The stretches' lists of objects, in order, as one: the first list moved
/// and grown once to hold the others (one stretch, the usual form, copies nothing).
pub(crate) fn concatenated<T>(lists: Vec<Vec<T>>) -> Vec<T> {
    let total: usize = lists.iter().map(Vec::len).sum();
    let mut lists = lists.into_iter();
    let mut joined = lists.next().unwrap_or_default();
    joined.reserve_exact(total - joined.len());
    for list in lists {
        joined.extend(list);
    }
    joined
}

/// How many stretches [`read_frame_in`] cuts a large RPSL submission into for
/// each thread: the threads take the next stretch as they finish one, so a
/// thread that runs slower (its core shared with another process) takes
/// fewer, and they end at about the same time.
const STRETCHES_PER_THREAD: usize = 8;

/// Where to cut `len` bytes into `count` stretches that shrink as they go,
/// the last about an eighth of the first (sizes in a geometric series). The
/// threads take the stretches in order, so the last ones, which decide how
/// long one thread waits for the other at the end, are the smallest, while
/// there are no more stretches in all (each has its own findings to join).
fn shrinking_cuts(len: usize, count: usize) -> impl ExactSizeIterator<Item = usize> {
    const LAST_OVER_FIRST: f64 = 1.0 / 8.0;
    let steps = count.saturating_sub(1).max(1) as f64;
    let ratio = LAST_OVER_FIRST.powf(1.0 / steps);
    let whole = 1.0 - ratio.powf(count as f64);
    // The share of the text before stretch k: the sizes of stretches 0 to k - 1 over the sum of all.
    (1..count.max(1)).map(move |k| (len as f64 * (1.0 - ratio.powf(k as f64)) / whole) as usize)
}

/// The smallest stretch worth a piece of work of its own.
const MIN_STRETCH_BYTES: usize = 64 * 1024;

/// A submission whose objects were handed on as they were read
/// ([`read_frame_in`]): everything it holds besides them, and what became of
/// them, stretch by stretch.
#[derive(Debug)]
pub struct Read<T> {
    /// The dialect it is written in.
    pub dialect: Dialect,
    /// Whether it stood between "CUT HERE" marker lines.
    pub marked: bool,
    /// APNIC: the text under "Additional Comments:".
    pub comments: String,
    /// The problems found while reading, in the order [`Submission::diagnostics`] has them.
    pub diagnostics: Diagnostics,
    /// RIPE's pseudo-attributes, taken out of the objects.
    pub pseudo_attributes: Vec<PseudoAttribute>,
    /// For each stretch, in order: how many objects it held, and what `each` made of them.
    pub stretches: Vec<(usize, T)>,
}

/// Reads the submission a [`Frame`] finds and hands each object, as soon as
/// it is read, to `each`, with its index within its stretch and the state
/// `start` made for that stretch (given the dialect). A large RPSL submission
/// is cut into stretches ([`Frame::stretches`]) that up to `threads` threads
/// read, each taking the next stretch as it finishes one, and each stretch's
/// objects are handed on, in order, on the thread that read them: work done
/// in `each` is done while the object is fresh, and an object `each` does not
/// keep is never held with the others. An APNIC form is read whole, then
/// handed on.
pub fn read_frame_in<T: Send>(
    frame: &Frame<'_>,
    threads: usize,
    start: impl Fn(Dialect) -> T + Sync,
    each: impl Fn(&mut T, usize, Object) + Sync,
) -> Read<T> {
    // Answered by the scan that found the markers, so that the usual form
    // is numbered line by line only once, to parse it.
    let dialect = if frame.has_header_mark() { detect_dialect_of(frame.lines()) } else { Dialect::Ripe };
    let marked = frame.markers != Markers::Missing;
    let (mut read, may_have_bad_characters) = match dialect {
        Dialect::Apnic => {
            let Submission { dialect, objects, comments, diagnostics, pseudo_attributes, .. } =
                apnic::parse(frame.lines());
            let mut taken = start(dialect);
            let count = objects.len();
            for (index, object) in objects.into_iter().enumerate() {
                each(&mut taken, index, object);
            }
            let read =
                Read { dialect, marked, comments, diagnostics, pseudo_attributes, stretches: vec![(count, taken)] };
            (read, !is_plain_text(frame.text().as_bytes()))
        }
        Dialect::Ripe => {
            // Each stretch's bytes are also looked over for characters the
            // form may not have, on its thread: a pass over the whole text
            // that would otherwise run before the threads start.
            let read_stretch = |lines: &mut dyn Iterator<Item = Line<'_>>, bytes: &[u8]| {
                let mut taken = start(dialect);
                let mut count = 0;
                let reading = rpsl::read(lines, marked, |object| {
                    each(&mut taken, count, object);
                    count += 1;
                });
                (reading, (count, taken), is_plain_text(bytes))
            };
            let text = frame.text();
            let read: Vec<_> = if threads > 1 && text.len() >= PARALLEL_FROM_BYTES {
                let count = (threads * STRETCHES_PER_THREAD).min(text.len() / MIN_STRETCH_BYTES);
                let stretches = frame.stretches_cut_after(shrinking_cuts(text.len(), count));
                crate::threads::shared_among(&stretches, threads, |stretch| {
                    read_stretch(&mut frame.lines_in(stretch), &text.as_bytes()[stretch.bytes.clone()])
                })
            } else {
                vec![read_stretch(&mut frame.lines(), text.as_bytes())]
            };
            let mut all_plain = true;
            let mut readings = Vec::with_capacity(read.len());
            let mut stretches = Vec::with_capacity(read.len());
            for (reading, stretch, plain) in read {
                readings.push(reading);
                stretches.push(stretch);
                all_plain &= plain;
            }
            let (diagnostics, pseudo_attributes) = rpsl::joined(readings);
            (Read { dialect, marked, comments: String::new(), diagnostics, pseudo_attributes, stretches }, !all_plain)
        }
    };
    if may_have_bad_characters {
        character_problems(&mut read.diagnostics, &read.pseudo_attributes, frame.lines());
    }
    read
}

fn parse_lines<'a>(
    lines: impl Iterator<Item = Line<'a>> + Clone,
    dialect: Dialect,
    markers: Markers,
    may_have_bad_characters: bool,
) -> Submission {
    let marked = markers != Markers::Missing;
    let mut submission = match dialect {
        Dialect::Apnic => apnic::parse(lines.clone()),
        Dialect::Ripe => rpsl::parse(lines.clone(), marked),
    };
    submission.marked = marked;
    if may_have_bad_characters {
        character_problems(&mut submission.diagnostics, &submission.pseudo_attributes, lines);
    }
    submission
}

/// What parsing does after the dialect's reader: the character checks over all lines.
fn character_problems<'a>(
    diagnostics: &mut Diagnostics,
    pseudo_attributes: &[PseudoAttribute],
    lines: impl Iterator<Item = Line<'a>> + Clone,
) {
    // A password's characters are its owner's business, and a reply masks them, so a column there could not be found.
    let mut secret_lines: Vec<usize> = pseudo_attributes
        .iter()
        .filter(|pseudo| matches!(pseudo.kind, PseudoKind::Password | PseudoKind::Override))
        .map(|pseudo| pseudo.line)
        .collect();
    secret_lines.sort_unstable();
    diagnostics.extend(character_diagnostics(lines, &secret_lines));
}

/// Parses one RPSL object, such as a paragraph of a registry dump, ignoring
/// its problems; `None` when the lines hold no object.
pub fn parse_rpsl_object(lines: &[Line<'_>]) -> Option<Object> {
    rpsl::parse_object(lines)
}

/// APNIC if any line is a `#[...]#` template header, RIPE otherwise.
pub fn detect_dialect(lines: &[Line<'_>]) -> Dialect {
    detect_dialect_of(lines.iter().copied())
}

fn detect_dialect_of<'a>(mut lines: impl Iterator<Item = Line<'a>>) -> Dialect {
    if lines.any(|line| apnic::is_header_like(line.text)) {
        Dialect::Apnic
    } else {
        Dialect::Ripe
    }
}

/// The most characters named in one line's error; the rest of the line is counted.
const MAX_CHARACTERS_NAMED_PER_LINE: usize = 5;

/// One error per line that has characters outside printable ASCII (tabs
/// aside), naming each with its column; at most
/// [`MAX_CHARACTER_DIAGNOSTICS`] lines are listed, the others counted. The
/// lines numbered in `skipped` (sorted) are not looked at.
fn character_diagnostics<'a>(lines: impl Iterator<Item = Line<'a>>, skipped: &[usize]) -> Vec<Diagnostic> {
    let mut found =
        lines.filter(|line| !is_plain(line.text) && skipped.binary_search(&line.number).is_err()).filter_map(|line| {
            let mut bad =
                line.text.chars().enumerate().filter(|(_, c)| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'));
            let named: Vec<String> = bad
                .by_ref()
                .take(MAX_CHARACTERS_NAMED_PER_LINE)
                .map(|(index, c)| format!("{} at column {}", crate::diagnostic::describe_char(c), index + 1))
                .collect();
            let more = bad.count();
            let message = match (named.as_slice(), more) {
                ([], _) => return None,
                ([one], _) => format!("{one} is not plain ASCII; the form must be written in plain ASCII only"),
                (several, 0) => {
                    format!("{} are not plain ASCII; the form must be written in plain ASCII only", several.join(", "))
                }
                (several, more) => format!(
                    "{} and {more} more characters on this line are not plain ASCII; the form must be written in \
                 plain ASCII only",
                    several.join(", ")
                ),
            };
            Some(Diagnostic::error(Some(line.number), attribute_name_of(line.text), message))
        });
    let mut diagnostics: Vec<Diagnostic> = found.by_ref().take(MAX_CHARACTER_DIAGNOSTICS).collect();
    let more = found.count();
    if more > 0 {
        diagnostics.push(Diagnostic::error(
            None,
            None,
            format!("{more} more lines with characters outside plain ASCII were not listed"),
        ));
    }
    diagnostics
}

/// Whether a line is printable ASCII (tabs allowed): the common case, checked byte by byte.
fn is_plain(text: &str) -> bool {
    text.bytes().all(is_plain_byte)
}

/// Whether every byte is a plain one or a line end: a check of every byte
/// of the form, written so that the compiler can test many bytes at a time
/// (no early exit within a block).
fn is_plain_text(bytes: &[u8]) -> bool {
    bytes.chunks(4096).all(|block| {
        // `&` and `|`, not `&&` and `||`: no branch per byte.
        let bad = block
            .iter()
            .fold(false, |bad, &b| bad | ((b.wrapping_sub(b' ') > b'~' - b' ') & (b != b'\t') & (b != b'\n')));
        !bad
    })
}

fn is_plain_byte(b: u8) -> bool {
    b.is_ascii_graphic() || b == b' ' || b == b'\t'
}

/// The attribute a line starts, if it starts one.
fn attribute_name_of(text: &str) -> Option<&str> {
    let (name, _) = text.split_once(':')?;
    crate::extract::is_attribute_name(name).then_some(name)
}

/// Shortens a line quoted in a message so the message stays readable.
fn clip(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= 60 {
        trimmed.to_owned()
    } else {
        format!("{}...", trimmed.chars().take(57).collect::<String>())
    }
}

/// Splits `name: value` at the first colon, if the part before it is an attribute name.
///
/// Returns the name as written, the value (trimmed) and the value's 1-based column.
fn split_attribute(text: &str) -> Option<(&str, &str, usize)> {
    let colon = attribute_colon(text)?;
    // Every line of every form passes here: the usual blanks before the value
    // are ASCII, so that the value's column is its byte offset plus one.
    let bytes = text.as_bytes();
    let mut start = colon + 1;
    while bytes.get(start).copied().is_some_and(is_ascii_space) {
        start += 1;
    }
    if bytes.get(start).is_none_or(u8::is_ascii) {
        return Some((&text[..colon], trim_end(&text[start..]), start + 1));
    }
    Some(split_at_colon(text, colon))
}

/// Where the colon after an attribute name at the start of `text` is, if it starts with one.
fn attribute_colon(text: &str) -> Option<usize> {
    // The name's characters are read until the first other one, which must be the colon:
    // the first colon, as no name character is one.
    let bytes = text.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let length = bytes.iter().position(|&b| !crate::grammar::is_name_byte(b))?;
    (bytes[length] == b':').then_some(length)
}

/// [`split_attribute`] for any blanks before the value, Unicode ones too.
fn split_at_colon(text: &str, colon: usize) -> (&str, &str, usize) {
    let (name, rest) = (&text[..colon], &text[colon + 1..]);
    let value = trim_start(rest);
    let leading = &rest[..rest.len() - value.len()];
    // An attribute name is ASCII, so its length in bytes is its length in characters.
    let leading_width = if leading.is_ascii() { leading.len() } else { leading.chars().count() };
    let column = name.len() + 1 + leading_width + 1;
    (name, trim_end(value), column)
}

/// `str::trim_start`, byte by byte while the text is ASCII.
pub(crate) fn trim_start(text: &str) -> &str {
    let skipped = text.bytes().take_while(|&b| is_ascii_space(b)).count();
    let rest = &text[skipped..];
    if rest.as_bytes().first().is_some_and(|b| !b.is_ascii()) {
        rest.trim_start()
    } else {
        rest
    }
}

/// `str::trim_end`, byte by byte while the text is ASCII.
pub(crate) fn trim_end(text: &str) -> &str {
    let kept = text.len() - text.bytes().rev().take_while(|&b| is_ascii_space(b)).count();
    let rest = &text[..kept];
    if rest.as_bytes().last().is_some_and(|b| !b.is_ascii()) {
        rest.trim_end()
    } else {
        rest
    }
}

/// `str::trim`, byte by byte while the text is ASCII.
pub(crate) fn trim(text: &str) -> &str {
    trim_end(trim_start(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::extract;

    #[test]
    fn stretches_shrink_to_an_eighth_and_cover_the_text() {
        for (len, count) in [(11_406_468, 16), (1_000_000, 15), (300_000, 4), (262_144, 2), (100, 1)] {
            let cuts: Vec<usize> = shrinking_cuts(len, count).collect();
            assert_eq!(cuts.len(), count - 1, "{len} bytes");
            let mut bounds = vec![0];
            bounds.extend(&cuts);
            bounds.push(len);
            let sizes: Vec<usize> = bounds.windows(2).map(|pair| pair[1] - pair[0]).collect();
            assert!(sizes.windows(2).all(|pair| pair[0] >= pair[1]), "{len} bytes: {sizes:?}");
            let (first, last) = (sizes[0] as f64, sizes[count - 1] as f64);
            if count > 1 {
                assert!((last / first - 0.125).abs() < 0.01, "{len} bytes: {first} then {last}");
            }
        }
    }

    #[test]
    fn an_attribute_is_split_as_the_unicode_reading_splits_it() {
        // Every line of up to five of these pieces: names, colons, ASCII and Unicode blanks, values.
        let pieces = ["a", "x-1", ":", " ", "\t", "\u{b}", "\u{a0}", "\u{3000}", "\u{e9}", "#", "v w"];
        let mut lines = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last.iter().flat_map(|line| pieces.iter().map(move |piece| format!("{line}{piece}"))).collect();
            lines.extend(last.iter().cloned());
        }
        let mut attributes = 0;
        for line in lines.iter().flat_map(|line| [line.clone(), format!("descr:{line}")]) {
            let want = attribute_colon(&line).map(|colon| split_at_colon(&line, colon));
            assert_eq!(split_attribute(&line), want, "{line:?}");
            attributes += usize::from(want.is_some());
        }
        assert!(attributes > 100_000, "only {attributes} attribute lines");
        assert_eq!(split_attribute("descr:  \u{a0} x "), Some(("descr", "x", 11)));
        assert_eq!(split_attribute("descr:   x "), Some(("descr", "x", 10)));
    }

    #[test]
    fn a_name_is_interned_once_whatever_its_case_and_slot() {
        let mut names = Names::default();
        // More names than slots, so that many share one, each met in either case.
        let written: Vec<String> = (0..200).map(|n| format!("attribute-{n}")).collect();
        let first: Vec<Name> = written.iter().map(|name| names.intern(name)).collect();
        for (name, interned) in written.iter().zip(&first) {
            for again in [names.intern(name), names.intern(&name.to_ascii_uppercase())] {
                assert!(Arc::ptr_eq(&again.0, &interned.0), "{name} was interned twice");
                assert_eq!(again.as_str(), name);
            }
        }
        assert_eq!(names.intern("DESCR").as_str(), "descr");
        assert!(Arc::ptr_eq(&names.intern("descr").0, &names.intern("Descr").0));
    }

    #[test]
    fn plain_text_is_printable_ascii_tabs_and_line_ends() {
        let plain: Vec<u8> = (0..=255u8).filter(|&b| is_plain_byte(b) || b == b'\n').collect();
        assert!(is_plain_text(&plain.repeat(80)));
        for b in (0..=255u8).filter(|&b| !is_plain_byte(b) && b != b'\n') {
            let mut text = plain.repeat(80);
            text.insert(5000, b);
            assert!(!is_plain_text(&text), "byte {b:#04x}");
        }
    }

    #[test]
    fn detects_the_dialect() {
        assert_eq!(parse(&extract("#[AUT-NUM TEMPLATE V3.0]#\naut-num: 1\n")).dialect, Dialect::Apnic);
        assert_eq!(parse(&extract("aut-num: NEW\n")).dialect, Dialect::Ripe);
    }

    #[test]
    fn a_password_line_is_not_searched_for_characters() {
        // The reply masks the value, so a column in it could not be found; the object's own lines still are.
        let submission = parse(&extract("password: s\u{e9}same\naut-num: NEW\ndescr: caf\u{e9}\n"));
        let lines: Vec<Option<usize>> = submission.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(3)]);
    }

    #[test]
    fn reports_non_ascii_characters_with_their_column() {
        let submission = parse(&extract("person: Jos\u{e9} M\u{fc}ller\naddress: x\x07\n"));
        let messages: Vec<(Option<usize>, Option<&str>, &str)> =
            submission.diagnostics.iter().map(|d| (d.line, d.attribute.as_deref(), d.message.as_str())).collect();
        // One error per line, naming every character of it with its column.
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].0, Some(1));
        assert_eq!(messages[0].1, Some("person"));
        assert!(messages[0].2.contains("'\u{e9}' (U+00E9) at column 12, "), "{}", messages[0].2);
        assert!(messages[0].2.contains("U+00FC) at column 15 are not plain ASCII"), "{}", messages[0].2);
        assert_eq!(messages[1].0, Some(2));
        assert!(messages[1].2.contains("control character U+0007 at column 11 is not"), "{}", messages[1].2);
    }

    #[test]
    fn caps_the_number_of_character_errors() {
        // One line of junk: one error naming a few characters and counting the rest.
        let junk = "\u{1}".repeat(500);
        let submission = parse(&extract(&junk));
        let errors: Vec<&str> =
            submission.diagnostics.iter().map(|d| d.message.as_str()).filter(|m| m.contains("plain ASCII")).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("at column 5 and 495 more characters on this line"), "{}", errors[0]);
        // Many lines: a bounded number listed, the other lines counted.
        let lines = "x\u{1}\n".repeat(MAX_CHARACTER_DIAGNOSTICS + 10);
        let submission = parse(&extract(&lines));
        let listed =
            submission.diagnostics.iter().filter(|d| d.line.is_some() && d.message.contains("plain ASCII")).count();
        assert_eq!(listed, MAX_CHARACTER_DIAGNOSTICS);
        assert!(submission.diagnostics.iter().any(|d| d.message.starts_with("10 more lines with characters")));
    }

    /// A form of many short attributes holds one of these per line: keep it small.
    #[test]
    fn an_attribute_takes_at_most_56_bytes() {
        assert!(std::mem::size_of::<Attribute>() <= 56, "{}", std::mem::size_of::<Attribute>());
        assert_eq!(std::mem::size_of::<Name>(), 8);
    }

    #[test]
    fn trims_as_the_standard_library_does() {
        for text in
            ["", " ", "a", " a b \t", "\u{a0}x\u{a0}", " \u{2003} y \u{85}", "\x0b z \x0c", "\u{e9} ", " \u{e9}"]
        {
            assert_eq!(trim(text), text.trim(), "{text:?}");
            assert_eq!(trim_start(text), text.trim_start(), "{text:?}");
            assert_eq!(trim_end(text), text.trim_end(), "{text:?}");
        }
    }

    #[test]
    fn splits_attributes_and_finds_the_value_column() {
        assert_eq!(split_attribute("descr: \u{a0} caf\u{e9} \u{a0}"), Some(("descr", "caf\u{e9}", 10)));
        assert_eq!(split_attribute("a-b_c:x:y"), Some(("a-b_c", "x:y", 7)));
        assert_eq!(split_attribute("1a: x"), None);
        assert_eq!(split_attribute(":x"), None);
        assert_eq!(split_attribute("abc"), None);
        assert_eq!(split_attribute("as-name:\tTERABIT-AS  "), Some(("as-name", "TERABIT-AS", 10)));
        assert_eq!(split_attribute("Admin-C: JD1-AP"), Some(("Admin-C", "JD1-AP", 10)));
        assert_eq!(split_attribute("source:"), Some(("source", "", 8)));
        assert_eq!(split_attribute("Dear John: hello"), None);
        assert_eq!(split_attribute("no colon"), None);
    }
}
