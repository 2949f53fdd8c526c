//! The APNIC-038 dialect: `#[NAME TEMPLATE Vn.n]#` headers, one attribute per line.
//!
//! ```text
//! #[AUT-NUM TEMPLATE V3.0]#
//! aut-num:   1
//! as-in:     AS1755 100 AS102 AND NOT
//! as-in:     AS1755 100 (AS1234 AS513)
//! #[TEMPLATES END]#
//! Additional Comments:
//! ```
//!
//! A value longer than a line repeats the attribute. An `as-in` rule wrapped
//! over consecutive lines that repeat the same `<aut-num> <cost>` is one rule,
//! so such lines are joined here, keeping each piece's source position.

use super::{clip, split_attribute, Attribute, Continued, Name, Names, Object, ObjectKind, Piece, Submission};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::dialect::Dialect;
use crate::extract::Line;
use crate::grammar::strip_prefix_ignore_case;
use crate::source::Position;

/// What a `#[...]#` line says.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    /// `#[AUT-NUM TEMPLATE V3.0]#`
    Template { name: String, version: String },
    /// `#[TEMPLATES END]#`
    End,
    /// Shaped like a header but not one we can read.
    Malformed,
}

/// Whether a line has the `#[...]#` shape of a template header.
pub(super) fn is_header_like(text: &str) -> bool {
    let trimmed = text.trim();
    trimmed.starts_with("#[") && trimmed.ends_with("]#")
}

fn read_header(text: &str) -> Option<Header> {
    if !is_header_like(text) {
        return None;
    }
    let trimmed = text.trim();
    let inner = &trimmed[2..trimmed.len() - 2];
    let words: Vec<&str> = inner.split_whitespace().collect();
    let header = match words.as_slice() {
        [templates, end] if templates.eq_ignore_ascii_case("TEMPLATES") && end.eq_ignore_ascii_case("END") => {
            Header::End
        }
        [name @ .., keyword, version] if !name.is_empty() && keyword.eq_ignore_ascii_case("TEMPLATE") => {
            Header::Template { name: name.join(" ").to_ascii_uppercase(), version: version.to_ascii_uppercase() }
        }
        _ => Header::Malformed,
    };
    Some(header)
}

/// Where the parser is in the form.
enum State {
    /// Before the first template header.
    Preamble,
    /// Inside the template at this index of `objects`.
    Template(usize),
    /// After a header that could not be read: its lines are skipped.
    Skipping,
    /// After `#[TEMPLATES END]#` or `Additional Comments:`: free text.
    Comments,
}

pub(super) fn parse<'a>(lines: impl Iterator<Item = Line<'a>>) -> Submission {
    let mut names = Names::default();
    let mut objects: Vec<Object> = Vec::new();
    let mut diagnostics = Diagnostics::new();
    let mut comments: Vec<&str> = Vec::new();
    let mut state = State::Preamble;
    let mut saw_end = false;

    for line in lines {
        if let State::Comments = state {
            let text = line.text.trim_start();
            comments.push(strip_prefix_ignore_case(text, "additional comments:").unwrap_or(line.text));
            continue;
        }
        if line.text.trim().is_empty() {
            continue;
        }
        if let Some(header) = read_header(line.text) {
            state = match header {
                Header::Template { name, version } => {
                    objects.push(Object {
                        kind: ObjectKind::Template { header: name, version },
                        line: line.number,
                        attributes: Vec::new(),
                    });
                    State::Template(objects.len() - 1)
                }
                Header::End => {
                    saw_end = true;
                    State::Comments
                }
                Header::Malformed => {
                    diagnostics.push(Diagnostic::error(
                        Some(line.number),
                        None,
                        format!(
                            "'{}' is not a template header; headers look like #[AUT-NUM TEMPLATE V3.0]#, \
                             please keep them exactly as in the blank form",
                            line.text.trim()
                        ),
                    ));
                    State::Skipping
                }
            };
            continue;
        }
        if let Some(rest) = strip_prefix_ignore_case(line.text.trim_start(), "additional comments:") {
            comments.push(rest);
            state = State::Comments;
            continue;
        }
        match (&state, split_attribute(line.text.trim_start())) {
            (State::Template(index), Some((name, value, column))) => {
                let column = column + (line.text.len() - line.text.trim_start().len());
                let piece = Piece { start: Position { line: line.number, column }, text: value };
                push_attribute(&mut objects[*index], names.intern(name), line.number, piece);
            }
            (State::Skipping, _) | (State::Comments, _) => {}
            (State::Preamble, Some((name, _, _))) => diagnostics.push(Diagnostic::error(
                Some(line.number),
                Some(&name.to_ascii_lowercase()),
                "this attribute stands before the first template header, so it belongs to no template",
            )),
            (State::Preamble, None) => diagnostics.push(Diagnostic::error(
                Some(line.number),
                None,
                format!(
                    "'{}' is not part of any template; only templates belong between the CUT HERE lines",
                    clip(line.text)
                ),
            )),
            (State::Template(_), None) => diagnostics.push(Diagnostic::error(
                Some(line.number),
                None,
                format!("'{}' is not an attribute; every line of a template reads 'name: value'", clip(line.text)),
            )),
        }
    }

    if !saw_end && !objects.is_empty() {
        diagnostics.push(Diagnostic::warning(
            None,
            None,
            "the #[TEMPLATES END]# line is missing; keep it after the last template",
        ));
    }
    Submission {
        dialect: Dialect::Apnic,
        marked: true,
        objects,
        comments: comments.join("\n").trim().to_owned(),
        diagnostics,
        pseudo_attributes: Vec::new(),
    }
}

/// Adds an attribute, joining an `as-in` line onto the previous one when it continues the same rule.
fn push_attribute(object: &mut Object, name: Name, line: usize, piece: Piece<'_>) {
    if name == "as-in" {
        if let Some(previous) = object.attributes.last_mut() {
            let consecutive = previous.pieces().last().is_some_and(|p| p.start.line + 1 == line);
            if previous.name == "as-in" && consecutive {
                let rest = previous.pieces().next().and_then(|first| continued_rule(first.text, &piece));
                // A rule too long to continue goes on as an `as-in` of its own.
                if let Some(rest) = rest {
                    if previous.push_piece(rest.text, rest.start) == Continued::Kept {
                        return;
                    }
                }
            }
        }
    }
    object.attributes.push(Attribute::new(name, line, piece.text, piece.start));
}

/// If `next` repeats the `<aut-num> <cost>` that `first` starts with, the rest of `next`.
fn continued_rule<'a>(first: &str, next: &Piece<'a>) -> Option<Piece<'a>> {
    let mut first_words = first.split_whitespace();
    let (peer, cost) = (first_words.next()?, first_words.next()?);
    let text = next.text;
    let after_peer = strip_prefix_ignore_case(text, peer)?;
    let after_cost = after_peer.trim_start().strip_prefix(cost)?;
    if !after_cost.starts_with(char::is_whitespace) || after_cost.trim().is_empty() {
        return None;
    }
    let rest = after_cost.trim_start();
    let skipped = text.len() - rest.len();
    Some(Piece {
        start: Position { line: next.start.line, column: next.start.column + text[..skipped].chars().count() },
        text: rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::lines;

    fn parse_text(text: &str) -> Submission {
        parse(lines(text).into_iter())
    }

    #[test]
    fn reads_headers() {
        assert_eq!(
            read_header("#[AUT-NUM TEMPLATE V3.0]#"),
            Some(Header::Template { name: "AUT-NUM".into(), version: "V3.0".into() })
        );
        assert_eq!(
            read_header("  #[person template v4.0]#  "),
            Some(Header::Template { name: "PERSON".into(), version: "V4.0".into() })
        );
        assert_eq!(read_header("#[TEMPLATES END]#"), Some(Header::End));
        assert_eq!(read_header("#[AUT-NUM]#"), Some(Header::Malformed));
        assert_eq!(read_header("aut-num: 1"), None);
    }

    #[test]
    fn splits_templates_and_keeps_comments() {
        let submission = parse_text(
            "#[AUT-NUM TEMPLATE V3.0]#\n\naut-num:\t1\nas-name: X\n\n#[PERSON TEMPLATE V4.0]#\nperson: Jo Doe\n\
             #[TEMPLATES END]#\n\nAdditional Comments:\nWe need it soon.\nThanks\n",
        );
        assert_eq!(submission.objects.len(), 2);
        assert_eq!(submission.objects[0].attributes.len(), 2);
        assert_eq!(
            submission.objects[0].attributes[0].pieces().next().map(|p| p.start),
            Some(Position { line: 3, column: 10 })
        );
        assert_eq!(submission.objects[1].line, 6);
        assert_eq!(submission.comments, "We need it soon.\nThanks");
        assert!(submission.diagnostics.is_empty(), "{:?}", submission.diagnostics);
    }

    #[test]
    fn joins_wrapped_as_in_rules() {
        let submission = parse_text(
            "#[AUT-NUM TEMPLATE V3.0]#\nas-in: AS1755 100 AS102 AND NOT\nas-in: AS1755 100 (AS1234 AS513)\nas-in: AS786 10 ANY\n#[TEMPLATES END]#\n",
        );
        let attributes = &submission.objects[0].attributes;
        assert_eq!(attributes.len(), 2);
        let joined = attributes[0].joined();
        assert_eq!(joined.text(), "AS1755 100 AS102 AND NOT (AS1234 AS513)");
        let paren = joined.text().find('(').unwrap_or_default();
        assert_eq!(joined.position_of(paren), Some(Position { line: 3, column: 19 }));
        assert_eq!(attributes[1].joined().text(), "AS786 10 ANY");
    }

    #[test]
    fn does_not_join_rules_for_other_peers_or_costs() {
        let submission =
            parse_text("#[AUT-NUM TEMPLATE V3.0]#\nas-in: AS1 100 ANY\nas-in: AS1 10 ANY\nas-in: AS2 10 ANY\n");
        assert_eq!(submission.objects[0].attributes.len(), 3);
    }

    #[test]
    fn reports_stray_lines_and_bad_headers() {
        let submission = parse_text("hello\n#[AUT-NUM]#\naut-num: 1\n#[PERSON TEMPLATE V4.0]#\nnot an attribute\n");
        let lines: Vec<Option<usize>> = submission.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![Some(1), Some(2), Some(5), None]);
        assert!(submission.diagnostics[1].message.contains("'#[AUT-NUM]#'"));
        assert!(!submission.diagnostics[3].is_error(), "missing TEMPLATES END is a warning");
        assert_eq!(submission.objects.len(), 1, "the malformed header's lines are skipped");
    }
}
