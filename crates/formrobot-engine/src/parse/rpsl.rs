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

use super::{clip, split_attribute, Attribute, Object, ObjectKind, Piece, PseudoAttribute, PseudoKind, Submission};
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::extract::Line;
use crate::source::Position;

pub(super) fn parse(lines: &[Line<'_>], marked: bool) -> Submission {
    let mut objects = Vec::new();
    let mut diagnostics = Vec::new();
    let mut pseudo_attributes = Vec::new();
    for paragraph in lines.split(|line| line.text.is_empty()) {
        let paragraph = take_pseudo_attributes(paragraph, &mut pseudo_attributes);
        if let Some(object) = parse_paragraph(&paragraph, marked, &mut diagnostics) {
            objects.push(object);
        }
    }
    diagnostics.extend(pseudo_attributes.iter().filter_map(pseudo_attribute_note));
    Submission { dialect: Dialect::Ripe, marked, objects, comments: String::new(), diagnostics, pseudo_attributes }
}

/// One object from a paragraph of lines, problems ignored: for reading registry dumps.
pub(super) fn parse_object(paragraph: &[Line<'_>]) -> Option<Object> {
    parse_paragraph(paragraph, false, &mut Vec::new())
}

/// The paragraph without its pseudo-attribute lines (and their continuation
/// lines), which are added to `found`.
fn take_pseudo_attributes<'a>(paragraph: &[Line<'a>], found: &mut Vec<PseudoAttribute>) -> Vec<Line<'a>> {
    let mut kept = Vec::with_capacity(paragraph.len());
    let mut in_pseudo = false;
    for line in paragraph {
        let text = strip_comment(line.text);
        if is_continuation(text) {
            if in_pseudo {
                if let Some(pseudo) = found.last_mut() {
                    let more = text.strip_prefix('+').unwrap_or(text).trim();
                    if !more.is_empty() {
                        pseudo.value = format!("{} {more}", pseudo.value).trim().to_owned();
                    }
                }
                continue;
            }
        } else {
            let pseudo =
                split_attribute(text).and_then(|(name, value, _)| Some((PseudoKind::from_name(&name)?, value)));
            in_pseudo = pseudo.is_some();
            if let Some((kind, value)) = pseudo {
                found.push(PseudoAttribute { kind, line: line.number, value: value.to_owned() });
                continue;
            }
        }
        kept.push(*line);
    }
    kept
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
