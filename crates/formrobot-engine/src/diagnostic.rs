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

/// The most characters of a user's value quoted in a message; longer values are cut with `...`.
pub const MAX_QUOTED_CHARS: usize = 80;

/// The most characters of one message. A message that would be longer (because
/// it lists many values) keeps its beginning and its end, where the advice is.
pub const MAX_MESSAGE_CHARS: usize = 1_200;

/// Names a character for a person: the character and its code point, or
/// only the code point for a control character, which cannot be shown.
pub fn describe_char(c: char) -> String {
    if c.is_control() {
        format!("control character U+{:04X}", u32::from(c))
    } else if c == '\u{a0}' {
        // Word processors put it between words; shown, it looks like an ordinary space.
        "no-break space (U+00A0)".to_owned()
    } else if c.is_whitespace() && !c.is_ascii() {
        format!("space character U+{:04X}", u32::from(c))
    } else {
        format!("character '{c}' (U+{:04X})", u32::from(c))
    }
}

/// Quotes a value the sender wrote as `'value'`, cut to [`MAX_QUOTED_CHARS`]
/// characters with `...` inside the quotes, so that no value, however long,
/// makes a message long.
pub fn quote(value: &str) -> String {
    format!("'{}'", clip(value, MAX_QUOTED_CHARS))
}

/// `text` cut to at most `limit` characters, ending in `...` when it was cut.
pub fn clip(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_owned(),
        Some(_) => {
            let head: String = text.chars().take(limit.saturating_sub(3)).collect();
            format!("{head}...")
        }
    }
}

/// A message with every quoted value longer than [`MAX_QUOTED_CHARS`] cut
/// (see [`clip_quoted`]), then cut in its middle to [`MAX_MESSAGE_CHARS`],
/// keeping both ends.
fn bound_message(message: String) -> String {
    let message = clip_quoted(message);
    let count = message.chars().count();
    if count <= MAX_MESSAGE_CHARS {
        return message;
    }
    let tail = MAX_MESSAGE_CHARS / 4;
    let head = MAX_MESSAGE_CHARS - tail - 5;
    let start: String = message.chars().take(head).collect();
    let end: String = message.chars().skip(count - tail).collect();
    format!("{start} ... {end}")
}

/// Cuts every `'...'` quotation in `message` longer than [`MAX_QUOTED_CHARS`].
///
/// Messages quote the sender's values between single quotes; an opening quote
/// is one not preceded by a letter or digit, and the closing one is the next
/// quote not followed by a letter or digit, so that apostrophes (`person's`,
/// `O'Brien`) are neither.
pub fn clip_quoted(message: String) -> String {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let chars: Vec<char> = message.chars().collect();
    if chars.len() <= MAX_QUOTED_CHARS {
        return message;
    }
    // For each position, the next closing quote at or after it: one pass, so that cutting stays linear.
    let mut next_close = vec![None; chars.len() + 1];
    for j in (0..chars.len()).rev() {
        next_close[j] =
            if chars[j] == '\'' && !is_word(chars.get(j + 1).copied()) { Some(j) } else { next_close[j + 1] };
    }
    let mut out = String::with_capacity(message.len().min(4 * MAX_MESSAGE_CHARS));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens = c == '\'' && !is_word(i.checked_sub(1).map(|p| chars[p]));
        let close = if opens { next_close[i + 1] } else { None };
        match close {
            Some(j) if j - i - 1 > MAX_QUOTED_CHARS => {
                out.push('\'');
                out.extend(chars[i + 1..i + 1 + MAX_QUOTED_CHARS - 3].iter());
                out.push_str("...'");
                i = j + 1;
            }
            Some(j) => {
                out.extend(chars[i..=j].iter());
                i = j + 1;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

impl Diagnostic {
    /// An error at `line` about `attribute`.
    pub fn error(line: Option<usize>, attribute: Option<&str>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            line,
            attribute: attribute.map(str::to_owned),
            message: bound_message(message.into()),
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

/// How many diagnostics a list keeps in full. A form with more problems
/// than this gets the first of them and a count of the rest: nobody reads
/// further, and a diagnostic per line of a 10 MB mail of junk would cost many
/// times the mail in memory in every stage that copies the list.
pub const MAX_LISTED: usize = 1_000;

/// A list of diagnostics that keeps the first [`MAX_LISTED`] and counts the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    listed: Vec<Diagnostic>,
    unlisted_errors: usize,
    unlisted_warnings: usize,
    /// Whether `listed[0]` is the note that counts the unlisted ones ([`Diagnostics::note_unlisted`]).
    has_note: bool,
}

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Adds `diagnostic`, or only counts it when the list is full.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        if self.listed.len() < MAX_LISTED {
            self.listed.push(diagnostic);
        } else {
            if diagnostic.is_error() {
                self.unlisted_errors += 1;
            } else {
                self.unlisted_warnings += 1;
            }
            if self.has_note {
                self.note_unlisted();
            }
        }
    }

    /// Puts in front the note that says how many diagnostics are not listed
    /// (an error when an error is among them), or brings it up to date; it is
    /// kept up to date from then on.
    pub fn note_unlisted(&mut self) {
        let Some(note) = self.unlisted_note() else { return };
        if self.has_note {
            if let Some(first) = self.listed.first_mut() {
                *first = note;
            }
        } else {
            self.listed.insert(0, note);
            self.has_note = true;
        }
    }

    /// Errors in all, listed or not (the note not counted).
    pub fn error_count(&self) -> usize {
        let note = usize::from(self.has_note && self.unlisted_errors > 0);
        self.listed.iter().filter(|d| d.is_error()).count() - note + self.unlisted_errors
    }

    /// Warnings in all, listed or not (the note not counted).
    pub fn warning_count(&self) -> usize {
        let note = usize::from(self.has_note && self.unlisted_errors == 0);
        self.listed.iter().filter(|d| !d.is_error()).count() - note + self.unlisted_warnings
    }

    /// Adds `diagnostic` in front (after the note on unlisted ones), listed whatever the count: a
    /// note about the whole mail.
    pub fn insert_first(&mut self, diagnostic: Diagnostic) {
        self.listed.insert(usize::from(self.has_note), diagnostic);
    }

    /// Adds every diagnostic of `other`, and its counts.
    pub fn append(&mut self, other: Diagnostics) {
        self.extend(other.listed);
        self.unlisted_errors += other.unlisted_errors;
        self.unlisted_warnings += other.unlisted_warnings;
    }

    /// Keeps the errors only (before any note on unlisted ones is made).
    pub fn retain_errors(&mut self) {
        self.listed.retain(Diagnostic::is_error);
        self.unlisted_warnings = 0;
    }

    /// Errors counted but not listed.
    pub fn unlisted_errors(&self) -> usize {
        self.unlisted_errors
    }

    /// Warnings counted but not listed.
    pub fn unlisted_warnings(&self) -> usize {
        self.unlisted_warnings
    }

    /// The note that says how many were not listed (an error when any error was not), if any were not.
    fn unlisted_note(&self) -> Option<Diagnostic> {
        let (errors, warnings) = (self.unlisted_errors, self.unlisted_warnings);
        let what = match (errors, warnings) {
            (0, 0) => return None,
            (e, 0) => format!("{e} more error(s)"),
            (0, w) => format!("{w} more warning(s)"),
            (e, w) => format!("{e} more error(s) and {w} more warning(s)"),
        };
        let message = format!(
            "the form has more problems than are listed here: {what} after the first {MAX_LISTED} are not \
             shown. Correct the ones listed and check the form again"
        );
        Some(if errors > 0 { Diagnostic::error(None, None, message) } else { Diagnostic::warning(None, None, message) })
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, items: I) {
        for diagnostic in items {
            self.push(diagnostic);
        }
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(items: I) -> Diagnostics {
        let mut list = Diagnostics::new();
        list.extend(items);
        list
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Diagnostics {
        items.into_iter().collect()
    }
}

/// The listed diagnostics, as a slice.
impl std::ops::Deref for Diagnostics {
    type Target = [Diagnostic];

    fn deref(&self) -> &[Diagnostic] {
        &self.listed
    }
}

/// The listed diagnostics, to sort them.
impl std::ops::DerefMut for Diagnostics {
    fn deref_mut(&mut self) -> &mut [Diagnostic] {
        &mut self.listed
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.listed.iter()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_list_keeps_the_first_thousand_and_counts_the_rest_in_a_note() {
        let mut list = Diagnostics::new();
        for line in 1..=3_000 {
            list.push(Diagnostic::error(Some(line), None, "wrong"));
        }
        list.push(Diagnostic::warning(Some(3_001), None, "odd"));
        assert_eq!(list.len(), MAX_LISTED);
        list.note_unlisted();
        assert_eq!(list.len(), MAX_LISTED + 1);
        assert!(list[0].is_error() && list[0].message.contains("2000 more error(s) and 1 more warning(s)"));
        // Counted after the note: the note follows.
        list.push(Diagnostic::error(Some(3_002), None, "wrong"));
        assert!(list[0].message.contains("2001 more error(s)"), "{}", list[0].message);
        assert_eq!(list.error_count(), 3_001);
        assert_eq!(list.warning_count(), 1);
        list.insert_first(Diagnostic::warning(None, None, "about the whole mail"));
        assert!(list[0].message.contains("more error(s)") && list[1].message == "about the whole mail");
    }

    use super::*;

    #[test]
    fn characters_are_named_so_that_a_person_can_find_them() {
        assert_eq!(describe_char('\u{e9}'), "character '\u{e9}' (U+00E9)");
        assert_eq!(describe_char('\u{1b}'), "control character U+001B");
        assert_eq!(describe_char('\u{a0}'), "no-break space (U+00A0)");
        assert_eq!(describe_char('\u{2009}'), "space character U+2009");
    }

    #[test]
    fn quoted_values_are_bounded() {
        assert_eq!(quote("AS-EXAMPLE"), "'AS-EXAMPLE'");
        let long = "x".repeat(10_000);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), MAX_QUOTED_CHARS + 2);
        assert!(quoted.ends_with("...'"), "{quoted}");
        assert_eq!(quote(&"\u{e9}".repeat(81)).chars().count(), MAX_QUOTED_CHARS + 2);
    }

    #[test]
    fn long_quotations_in_messages_are_cut_and_apostrophes_left_alone() {
        let long = "n".repeat(500);
        let message = format!("'{long}' is not a person's name; 'AS1' and 'O'Brien' are fine");
        let clipped = clip_quoted(message);
        assert_eq!(clipped, format!("'{}...' is not a person's name; 'AS1' and 'O'Brien' are fine", &long[..77]));
        let short = "'short' stays as it is, and so does everything else in a message of some length".to_owned();
        assert_eq!(clip_quoted(short.clone()), short);
    }

    #[test]
    fn messages_are_bounded_at_both_ends() {
        let message = format!("{} is not a date: write it as YYMMDD", "9".repeat(100_000));
        let diagnostic = Diagnostic::error(Some(1), Some("changed"), message);
        assert!(diagnostic.message.chars().count() <= MAX_MESSAGE_CHARS, "{}", diagnostic.message.len());
        assert!(diagnostic.message.ends_with("write it as YYMMDD"), "{}", diagnostic.message);
        assert!(diagnostic.message.contains(" ... "));
    }
}
