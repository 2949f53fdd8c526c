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

#[cfg(test)]
mod tests {
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
