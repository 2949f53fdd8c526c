//! The RIPE-228 dialect: RPSL objects.
//!
//! Objects are separated by truly empty lines; a line of only spaces or tabs
//! does not end an object. A line starting with a space, a tab or `+`
//! continues the previous attribute, and `#` starts a comment that runs to the
//! end of the line. The first attribute names the object's class.

use super::{clip, split_attribute, Attribute, Object, ObjectKind, Piece, Submission};
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::extract::Line;
use crate::source::Position;

pub(super) fn parse(lines: &[Line<'_>], marked: bool) -> Submission {
    let mut objects = Vec::new();
    let mut diagnostics = Vec::new();
    for paragraph in lines.split(|line| line.text.is_empty()) {
        if let Some(object) = parse_paragraph(paragraph, marked, &mut diagnostics) {
            objects.push(object);
        }
    }
    Submission { dialect: Dialect::Ripe, marked, objects, comments: String::new(), diagnostics }
}

/// One object from a paragraph of lines, problems ignored: for reading registry dumps.
pub(super) fn parse_object(paragraph: &[Line<'_>]) -> Option<Object> {
    parse_paragraph(paragraph, false, &mut Vec::new())
}

/// Removes a `#` comment; the text before it is kept.
fn strip_comment(text: &str) -> &str {
    text.split_once('#').map_or(text, |(before, _)| before)
}

fn is_continuation(text: &str) -> bool {
    text.starts_with([' ', '\t', '+'])
}

fn parse_paragraph(paragraph: &[Line<'_>], marked: bool, diagnostics: &mut Vec<Diagnostic>) -> Option<Object> {
    // Lines that are nothing but comments or blanks do not make an object.
    let mut content = paragraph.iter().filter(|line| !strip_comment(line.text).trim().is_empty()).peekable();
    let first = content.peek()?;
    let Some((class, _, _)) = split_attribute(strip_comment(first.text)).filter(|_| !is_continuation(first.text))
    else {
        let message =
            format!("this paragraph (starting '{}') is not an object, so it was not processed", clip(first.text));
        diagnostics.push(if marked {
            Diagnostic::error(Some(first.number), None, message)
        } else {
            Diagnostic::warning(Some(first.number), None, message)
        });
        return None;
    };
    let mut object = Object { kind: ObjectKind::Rpsl { class }, line: first.number, attributes: Vec::new() };
    for line in content {
        let text = strip_comment(line.text);
        if is_continuation(text) {
            let body = text.strip_prefix('+').unwrap_or(text);
            let value = body.trim();
            let Some(attribute) = object.attributes.last_mut() else {
                continue;
            };
            if !value.is_empty() {
                let leading = body.len() - body.trim_start().len();
                let column = text.len() - body.len() + leading + 1;
                attribute.pieces.push(Piece { start: Position { line: line.number, column }, text: value.to_owned() });
            }
        } else if let Some((name, value, column)) = split_attribute(text) {
            let piece = Piece { start: Position { line: line.number, column }, text: value.to_owned() };
            object.attributes.push(Attribute { name, line: line.number, pieces: vec![piece] });
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
    Some(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::lines;

    fn parse_text(text: &str, marked: bool) -> Submission {
        parse(&lines(text), marked)
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
        assert_eq!(import.pieces[1].start, Position { line: 5, column: 5 });
        assert_eq!(import.pieces[2].start, Position { line: 6, column: 12 });
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
