//! The RIPE-228 dialect: RPSL objects.
//!
//! Objects are separated by truly empty lines; a line of only spaces or tabs
//! does not end an object. A line starting with a space, a tab or `+`
//! continues the previous attribute, and `#` starts a comment that runs to the
//! end of the line. The first attribute names the object's class.
//!
//! RIPE's pseudo-attributes (`password:`, `override:`, `dry-run:`, `delete:`)
//! may stand anywhere: on their own, right above an object or inside one. They
//! are instructions, not attributes: they are taken out before the paragraph
//! is read, so `password: ...` above an aut-num never becomes the class.

use super::{
    clip, split_attribute, trim, trim_end, trim_start, Attribute, Continued, Names, Object, ObjectKind,
    PseudoAttribute, PseudoKind, Submission,
};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::dialect::Dialect;
use crate::extract::Line;
use crate::source::{Position, ValueBuffer};

/// Reads the lines one at a time: what the parser keeps is the objects, never
/// the lines of a paragraph, so a paragraph of a million lines costs no more
/// than the object it makes.
pub(super) fn parse<'a>(lines: impl Iterator<Item = Line<'a>>, marked: bool) -> Submission {
    let mut objects = Vec::new();
    let reading = read(lines, marked, |object| objects.push(object));
    submission(objects, [reading], marked)
}

/// What the reader made of a run of lines that starts and ends between
/// objects, besides the objects it handed on.
pub(super) struct Reading {
    diagnostics: Diagnostics,
    pseudo_attributes: Vec<PseudoAttribute>,
}

/// Reads a run of lines that starts and ends between objects (the whole
/// submission, or a stretch of it), handing each object to `each` as soon as
/// its paragraph ends.
pub(super) fn read<'a>(lines: impl Iterator<Item = Line<'a>>, marked: bool, each: impl FnMut(Object)) -> Reading {
    let mut reader = Reader::new(marked, each);
    for line in lines {
        reader.line(line);
    }
    reader.end_paragraph();
    let Reader { diagnostics, pseudo_attributes, .. } = reader;
    Reading { diagnostics, pseudo_attributes }
}

/// The submission of `objects` and the readings of its stretches, in order:
/// the same as one reading of all its lines, as the reader keeps nothing from
/// one object to the next.
pub(super) fn submission(
    objects: Vec<Object>,
    readings: impl IntoIterator<Item = Reading>,
    marked: bool,
) -> Submission {
    let (diagnostics, pseudo_attributes) = joined(readings);
    Submission { dialect: Dialect::Ripe, marked, objects, comments: String::new(), diagnostics, pseudo_attributes }
}

/// The readings of a submission's stretches joined, in order: their problems
/// (with a note on each pseudo-attribute) and their pseudo-attributes.
pub(super) fn joined(readings: impl IntoIterator<Item = Reading>) -> (Diagnostics, Vec<PseudoAttribute>) {
    let mut diagnostics = Diagnostics::new();
    let mut pseudo_attributes = Vec::new();
    for reading in readings {
        diagnostics.append(reading.diagnostics);
        pseudo_attributes.extend(reading.pseudo_attributes);
    }
    diagnostics.extend(pseudo_attributes.iter().filter_map(pseudo_attribute_note));
    (diagnostics, pseudo_attributes)
}

/// One object from a paragraph of lines, problems ignored: for reading registry dumps.
pub(super) fn parse_object(paragraph: &[Line<'_>]) -> Option<Object> {
    let mut found = None;
    let mut reader = Reader::new(false, |object| found = Some(object));
    for line in paragraph {
        // One paragraph is one object, even with an empty line in it.
        if line.text.is_empty() {
            reader.in_pseudo = false;
        } else {
            reader.line(*line);
        }
    }
    reader.end_paragraph();
    drop(reader);
    found
}

/// Where the reader is within the current paragraph.
enum Paragraph {
    /// No line with content yet.
    Opening,
    /// Its first line with content named a class: the object being read.
    Object(Object),
    /// Its first line with content was no attribute: the rest of it is skipped.
    NotAnObject,
}

/// The RPSL reader's state between lines; `each` takes the objects it reads.
struct Reader<Each> {
    marked: bool,
    names: Names,
    paragraph: Paragraph,
    /// The text of the current object's values.
    buffer: ValueBuffer,
    /// The current object's attributes.
    attributes: Vec<Attribute>,
    /// Whether the last attribute line was a pseudo-attribute, which takes the continuation lines after it.
    in_pseudo: bool,
    each: Each,
    diagnostics: Diagnostics,
    pseudo_attributes: Vec<PseudoAttribute>,
}

/// What one line with content holds, read once.
struct Read<'a> {
    /// The line without its comment.
    text: &'a str,
    /// Whether it continues the attribute before it.
    continuation: bool,
    /// For an attribute line: the name as written, the value and the value's column.
    attribute: Option<(&'a str, &'a str, usize)>,
}

impl<Each: FnMut(Object)> Reader<Each> {
    fn new(marked: bool, each: Each) -> Reader<Each> {
        Reader {
            marked,
            names: Names::default(),
            paragraph: Paragraph::Opening,
            buffer: ValueBuffer::default(),
            attributes: Vec::new(),
            in_pseudo: false,
            each,
            diagnostics: Diagnostics::new(),
            pseudo_attributes: Vec::new(),
        }
    }

    fn line(&mut self, line: Line<'_>) {
        if line.text.is_empty() {
            self.end_paragraph();
            return;
        }
        let text = strip_comment(line.text);
        let continuation = is_continuation(text);
        let read = Read { text, continuation, attribute: if continuation { None } else { split_attribute(text) } };
        if self.take_pseudo_attribute(line, &read) {
            return;
        }
        // Lines that are nothing but comments or blanks do not make an object.
        if trim(text).is_empty() {
            return;
        }
        match &mut self.paragraph {
            Paragraph::NotAnObject => {}
            Paragraph::Opening => self.open(line, &read),
            Paragraph::Object(_) => {
                read_line(&mut self.attributes, line, &read, &mut self.names, &mut self.buffer, &mut self.diagnostics)
            }
        }
    }

    /// Pseudo-attribute lines (and their continuation lines) are taken out
    /// wherever they stand, before the paragraph is read; true for such a line.
    fn take_pseudo_attribute(&mut self, line: Line<'_>, read: &Read<'_>) -> bool {
        if read.continuation {
            if !self.in_pseudo {
                return false;
            }
            if let Some(pseudo) = self.pseudo_attributes.last_mut() {
                let more = trim(read.text.strip_prefix('+').unwrap_or(read.text));
                // Appended in place: a secret continued over many lines stays linear.
                if !more.is_empty() {
                    if !pseudo.value.is_empty() {
                        pseudo.value.push(' ');
                    }
                    pseudo.value.push_str(more);
                }
            }
            return true;
        }
        let pseudo = read.attribute.and_then(|(name, value, _)| Some((pseudo_kind(name)?, value)));
        self.in_pseudo = pseudo.is_some();
        if let Some((kind, value)) = pseudo {
            self.pseudo_attributes.push(PseudoAttribute { kind, line: line.number, value: value.to_owned() });
        }
        self.in_pseudo
    }

    /// The first line with content: an object's class attribute, or the sign of a paragraph that is no object.
    fn open(&mut self, first: Line<'_>, read: &Read<'_>) {
        let Some((class, _, _)) = read.attribute else {
            let message =
                format!("this paragraph (starting '{}') is not an object, so it was not processed", clip(first.text));
            self.diagnostics.push(if self.marked {
                Diagnostic::error(Some(first.number), None, message)
            } else {
                Diagnostic::warning(Some(first.number), None, message)
            });
            self.paragraph = Paragraph::NotAnObject;
            return;
        };
        let kind = ObjectKind::Rpsl { class: self.names.intern(class) };
        let object = Object { kind, line: first.number, attributes: Vec::new() };
        read_line(&mut self.attributes, first, read, &mut self.names, &mut self.buffer, &mut self.diagnostics);
        self.paragraph = Paragraph::Object(object);
    }

    fn end_paragraph(&mut self) {
        if let Paragraph::Object(mut object) = std::mem::replace(&mut self.paragraph, Paragraph::Opening) {
            self.buffer.share(self.attributes.iter_mut().map(Attribute::value_mut));
            // Copied out of the reader's list, which keeps its room for the next object: one allocation, to size.
            object.attributes = self.attributes.drain(..).collect();
            (self.each)(object);
        }
        self.in_pseudo = false;
    }
}

/// One line of an object with content: an attribute or a continuation line.
fn read_line(
    attributes: &mut Vec<Attribute>,
    line: Line<'_>,
    read: &Read<'_>,
    names: &mut Names,
    buffer: &mut ValueBuffer,
    diagnostics: &mut Diagnostics,
) {
    let text = read.text;
    if read.continuation {
        let body = text.strip_prefix('+').unwrap_or(text);
        let value = trim_start(body);
        let leading = body.len() - value.len();
        let value = trim_end(value);
        let Some(attribute) = attributes.last_mut() else {
            return;
        };
        if !value.is_empty() {
            let column = text.len() - body.len() + leading + 1;
            let position = Position { line: line.number, column };
            if attribute.push_piece_in(buffer, value, position) == (Continued::Dropped { first: true }) {
                diagnostics.push(attribute.too_long(line.number));
            }
        }
    } else if let Some((name, value, column)) = read.attribute {
        let start = Position { line: line.number, column };
        attributes.push(Attribute::in_buffer(names.intern(name), line.number, buffer, value, start));
    } else {
        diagnostics.push(Diagnostic::error(
            Some(line.number),
            None,
            format!(
                "'{}' is neither an attribute ('name: value') nor a continuation line \
                 (starting with a space, a tab or '+')",
                clip(text)
            ),
        ));
    }
}

/// The pseudo-attribute a name as written (any case) is, without lower-casing every name read.
fn pseudo_kind(name: &str) -> Option<PseudoKind> {
    if !name.as_bytes().first().is_some_and(|b| matches!(b.to_ascii_lowercase(), b'p' | b'o' | b'd')) {
        return None;
    }
    ["password", "override", "dry-run", "delete"]
        .into_iter()
        .find(|pseudo| name.eq_ignore_ascii_case(pseudo))
        .and_then(PseudoKind::from_name)
}

/// What the sender is told about a pseudo-attribute the robot does not act on.
fn pseudo_attribute_note(pseudo: &PseudoAttribute) -> Option<Diagnostic> {
    let (name, message) = match pseudo.kind {
        // Kept for maintainer authentication; nothing to say.
        PseudoKind::Password => return None,
        // Obeyed, not warned about: the reply to a dry run says what it did (`Submission::dry_run`).
        PseudoKind::DryRun => return None,
        PseudoKind::Override => (
            "override",
            "meant for the registry's own staff; it has no effect on requests sent to this robot, and the \
             request was checked as usual",
        ),
        PseudoKind::Delete => (
            "delete",
            "this robot takes requests and deletes nothing; the line was ignored and the object checked as \
             a request",
        ),
    };
    Some(Diagnostic::warning(Some(pseudo.line), Some(name), message))
}

/// Removes a `#` comment; the text before it is kept.
fn strip_comment(text: &str) -> &str {
    memchr::memchr(b'#', text.as_bytes()).map_or(text, |at| &text[..at])
}

fn is_continuation(text: &str) -> bool {
    text.starts_with([' ', '\t', '+'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::lines;
    use crate::parse::MAX_VALUE_LINES;

    fn parse_text(text: &str, marked: bool) -> Submission {
        parse(lines(text).into_iter(), marked)
    }

    #[test]
    fn a_value_keeps_a_thousand_lines_and_one_error_says_the_rest_was_not_read() {
        let text = format!("aut-num: NEW\ndescr: first\n{}source: RIPE\n", "+ more\n".repeat(5_000));
        let submission = parse_text(&text, false);
        let descr = submission.objects[0].first("descr").expect("descr");
        assert_eq!(descr.pieces().count(), MAX_VALUE_LINES);
        let found: Vec<_> = submission.diagnostics.iter().collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(2 + MAX_VALUE_LINES));
        assert!(found[0].message.contains("more than 1000 lines"), "{}", found[0].message);
        assert!(submission.objects[0].first("source").is_some(), "the object goes on after the long value");
    }

    #[test]
    fn pseudo_attributes_are_taken_out_of_objects_wherever_they_stand() {
        let text =
            "password: hunter2\naut-num: NEW\nas-name: EX-AS\noverride: staff secret\n  continued\nsource: RIPE\n\n\
                    dry-run: only checking\n\nperson: Jo Doe\ndelete: old\nnic-hdl: AUTO-1\n";
        let submission = parse_text(text, true);
        let classes: Vec<_> = submission.objects.iter().map(|o| o.kind.clone()).collect();
        assert_eq!(
            classes,
            vec![ObjectKind::Rpsl { class: "aut-num".into() }, ObjectKind::Rpsl { class: "person".into() }]
        );
        let names: Vec<&str> = submission.objects[0].attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["aut-num", "as-name", "source"]);
        assert_eq!(submission.objects[1].attributes.len(), 2);
        let found: Vec<(PseudoKind, usize)> = submission.pseudo_attributes.iter().map(|p| (p.kind, p.line)).collect();
        assert_eq!(
            found,
            [(PseudoKind::Password, 1), (PseudoKind::Override, 4), (PseudoKind::DryRun, 8), (PseudoKind::Delete, 11)]
        );
        assert_eq!(submission.pseudo_attributes[1].value, "staff secret continued");
        assert!(submission.dry_run());
        // The paragraph of only a dry-run line is no object and no "not an object" problem.
        assert!(submission.diagnostics.iter().all(|d| !d.message.contains("is not an object")));
        // Override and delete are answered with a warning; a password is not, and a dry run is obeyed.
        let warned: Vec<Option<usize>> = submission.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(warned, [Some(4), Some(11)]);
        assert!(!format!("{:?}", submission.pseudo_attributes).contains("hunter2"));
    }

    #[test]
    fn reads_the_ripe_228_example_with_continuations() {
        let text = "aut-num:   NEW\ndescr:     Santa's Workshop Inc.\n           Christmas Toys\nimport:    from AS1234\n\t   action pref=100;\n+          accept ANY # any route\n\nperson: Santa A Claus\n";
        let submission = parse_text(text, true);
        assert_eq!(submission.objects.len(), 2);
        let aut_num = &submission.objects[0];
        assert_eq!(aut_num.kind, ObjectKind::Rpsl { class: "aut-num".into() });
        let import = &aut_num.attributes[2];
        assert_eq!(import.joined().text(), "from AS1234 action pref=100; accept ANY");
        let starts: Vec<Position> = import.pieces().map(|piece| piece.start).collect();
        assert_eq!(starts[1], Position { line: 5, column: 5 });
        assert_eq!(starts[2], Position { line: 6, column: 12 });
        assert_eq!(aut_num.attributes[1].each_line().len(), 2);
        assert!(submission.diagnostics.is_empty());
    }

    #[test]
    fn a_line_of_spaces_does_not_end_the_object() {
        let submission = parse_text("person: A B\n   \nphone: +1 2 3\n\nrole: C\n", true);
        assert_eq!(submission.objects.len(), 2);
        assert_eq!(submission.objects[0].attributes.len(), 2);
    }

    #[test]
    fn prose_is_not_an_object() {
        let marked = parse_text("Hello there,\nplease find below.\n\naut-num: NEW\n", true);
        assert_eq!(marked.objects.len(), 1);
        assert!(marked.diagnostics[0].is_error());
        assert!(marked.diagnostics[0].message.contains("'Hello there,'"));
        let unmarked = parse_text("Hello there,\n\naut-num: NEW\n", false);
        assert!(!unmarked.diagnostics[0].is_error());
    }

    #[test]
    fn comment_lines_are_skipped_and_stray_lines_reported() {
        let submission = parse_text("# a comment\naut-num: NEW\n# another\nnonsense here\n", true);
        assert_eq!(submission.objects.len(), 1);
        assert_eq!(submission.diagnostics.len(), 1);
        assert_eq!(submission.diagnostics[0].line, Some(4));
    }
}
