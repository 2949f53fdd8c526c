//! Decoding of `format=flowed` text (RFC 3676).
//!
//! Mail clients that send `format=flowed` wrap long lines at about 72
//! columns and mark each soft break with a trailing space. A long `descr:` or
//! `remarks:` value would otherwise reach the form parser as two lines, the
//! second of which looks like a stray line or an unknown attribute. Undoing
//! the wrapping before parsing gives back the lines the person typed.

/// Undoes format=flowed (RFC 3676): joins soft-broken lines into paragraphs.
///
/// `text` is already decoded (transfer encoding and charset); lines may end
/// in `\n` or `\r\n`, and the result uses `\n`. `delsp` is the `DelSp=yes`
/// parameter: the space that marks a soft break is then not part of the text.
///
/// Following RFC 3676 section 4: quote marks are counted first, then one
/// space-stuffing space is removed, and only then is the line flowed (it ends
/// in a space) or fixed. The signature separator `-- ` is never flowed and
/// never continues a paragraph. A flowed line joins the next line only when
/// both have the same quote depth; otherwise, and on the last line of the
/// text, it is kept as it stands, trailing space included. Quoted lines are
/// written back in the canonical form: the quote marks, then a space unless
/// the content is empty.
pub fn unflow(text: &str, delsp: bool) -> String {
    let lines: Vec<Line<'_>> = physical_lines(text).map(Line::parse).collect();
    let mut out = String::with_capacity(text.len());
    let mut paragraph = String::new();
    for (index, line) in lines.iter().enumerate() {
        let joins = lines.get(index + 1).is_some_and(|next| line.joins(next));
        paragraph.push_str(line.content_in_paragraph(joins, delsp));
        if !joins {
            push_paragraph(&mut out, line.depth, &paragraph, line.ended);
            paragraph.clear();
        }
    }
    out
}

/// One physical line, taken apart as RFC 3676 section 4.1 reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line<'a> {
    /// Number of leading `>` quote marks.
    depth: usize,
    /// The text after the quote marks and the space-stuffing space.
    content: &'a str,
    /// Whether the line ended with a line break (the last one may not).
    ended: bool,
}

impl<'a> Line<'a> {
    /// Counts the quote marks and removes space-stuffing, in the RFC's order:
    /// a space after the quote marks is stuffing, not content.
    fn parse((raw, ended): (&'a str, bool)) -> Line<'a> {
        let unquoted = raw.trim_start_matches('>');
        // `>` is one byte, so the byte difference is the number of marks.
        let depth = raw.len() - unquoted.len();
        let content = unquoted.strip_prefix(' ').unwrap_or(unquoted);
        Line { depth, content, ended }
    }

    /// Whether this line is the `-- ` signature separator, which RFC 3676
    /// section 4.3 makes neither flowed nor fixed.
    fn is_signature_separator(&self) -> bool {
        self.content == "-- "
    }

    /// Whether the line ends in a soft break. An empty content is fixed even
    /// if the raw line was a single space: that space was stuffing.
    fn is_flowed(&self) -> bool {
        self.content.ends_with(' ') && !self.is_signature_separator()
    }

    /// Whether this line and `next` belong to one paragraph. A change of
    /// quote depth ends the paragraph (section 4.5) and a signature separator
    /// never continues one, so the flowed line is then read as fixed.
    fn joins(&self, next: &Line<'_>) -> bool {
        // An empty line is kept as a line of its own, as mutt does: in a form
        // it separates objects, and a stray trailing space must not merge two.
        self.is_flowed() && next.depth == self.depth && !next.is_signature_separator() && !next.content.is_empty()
    }

    /// The content as it goes into the paragraph: with DelSp=yes the space
    /// that marks a soft break is not text, but only where a break is undone.
    fn content_in_paragraph(&self, joins: bool, delsp: bool) -> &'a str {
        if joins && delsp {
            self.content.strip_suffix(' ').unwrap_or(self.content)
        } else {
            self.content
        }
    }
}

/// Splits text into lines without their `\n` or `\r\n`, each with whether it
/// had one, so that a text without a final line break keeps it that way.
fn physical_lines(text: &str) -> impl Iterator<Item = (&str, bool)> {
    text.split_inclusive('\n').map(|line| match line.strip_suffix('\n') {
        Some(body) => (body.strip_suffix('\r').unwrap_or(body), true),
        None => (line, false),
    })
}

/// Writes one logical line: canonical quote marks, the text, and a line
/// break if its last physical line had one.
fn push_paragraph(out: &mut String, depth: usize, paragraph: &str, ended: bool) {
    if depth > 0 {
        out.extend(std::iter::repeat_n('>', depth));
        if !paragraph.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(paragraph);
    if ended {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::unflow;

    #[test]
    fn plain_text_is_unchanged() {
        let text = "person: Jane Doe\naddress: 1 Main St\n\ncountry: AU\n";
        assert_eq!(unflow(text, false), text);
        assert_eq!(unflow(text, true), text);
    }

    #[test]
    fn soft_break_joins_lines() {
        assert_eq!(unflow("descr: a long \nvalue\n", false), "descr: a long value\n");
    }

    #[test]
    fn delsp_deletes_the_soft_break_space() {
        assert_eq!(unflow("abc \ndef\n", true), "abcdef\n");
        assert_eq!(unflow("abc \ndef\n", false), "abc def\n");
    }

    #[test]
    fn delsp_deletes_only_one_space() {
        assert_eq!(unflow("abc  \ndef\n", true), "abc def\n");
    }

    #[test]
    fn signature_separator_is_never_flowed() {
        let text = "Regards, \nJane\n-- \nJane Doe\n";
        assert_eq!(unflow(text, false), "Regards, Jane\n-- \nJane Doe\n");
        assert_eq!(unflow(text, true), "Regards,Jane\n-- \nJane Doe\n");
    }

    #[test]
    fn signature_separator_does_not_continue_a_paragraph() {
        assert_eq!(unflow("thanks \n-- \nJane\n", false), "thanks \n-- \nJane\n");
    }

    #[test]
    fn quoted_signature_separator_is_never_flowed() {
        assert_eq!(unflow("> -- \n> Jane\n", false), "> -- \n> Jane\n");
    }

    #[test]
    fn space_stuffing_is_removed() {
        assert_eq!(unflow(" From me\n", false), "From me\n");
        assert_eq!(unflow("  x\n", false), " x\n");
        assert_eq!(unflow(" >not quoted\n", false), ">not quoted\n");
    }

    #[test]
    fn stuffed_flowed_line_joins() {
        assert_eq!(unflow(" From a \n b\n", false), "From a b\n");
    }

    #[test]
    fn quoted_paragraph_joins_at_same_depth() {
        let text = "> the form says \n> something\n>> deeper \n>> still\n";
        assert_eq!(unflow(text, false), "> the form says something\n>> deeper still\n");
    }

    #[test]
    fn quote_marks_are_written_canonically() {
        assert_eq!(unflow(">>x\n>\n> \n", false), ">> x\n>\n>\n");
    }

    #[test]
    fn change_of_quote_depth_ends_paragraph() {
        assert_eq!(unflow("> quoted \nreply\n", false), "> quoted \nreply\n");
        assert_eq!(unflow("> quoted \nreply\n", true), "> quoted \nreply\n");
        assert_eq!(unflow("text \n> quoted\n", false), "text \n> quoted\n");
    }

    #[test]
    fn crlf_input_gives_lf_output() {
        assert_eq!(unflow("descr: a long \r\nvalue\r\nsource: RIPE\r\n", false), "descr: a long value\nsource: RIPE\n");
    }

    #[test]
    fn empty_input_gives_empty_output() {
        assert_eq!(unflow("", false), "");
        assert_eq!(unflow("", true), "");
    }

    #[test]
    fn line_of_one_space_is_a_stuffed_empty_line() {
        assert_eq!(unflow(" \n", false), "\n");
        assert_eq!(unflow("a\n \nb\n", true), "a\n\nb\n");
    }

    #[test]
    fn trailing_flowed_last_line_stays() {
        assert_eq!(unflow("last \n", false), "last \n");
        assert_eq!(unflow("last ", true), "last ");
        assert_eq!(unflow("first \nlast ", false), "first last ");
    }

    #[test]
    fn missing_final_line_break_is_kept_missing() {
        assert_eq!(unflow("a \nb", false), "a b");
        assert_eq!(unflow("a\nb", false), "a\nb");
    }

    #[test]
    fn an_empty_line_after_a_flowed_line_is_kept() {
        // RFC 3676 would absorb the empty line into the paragraph "a " starts;
        // like mutt we keep it, because in a form it separates two objects.
        assert_eq!(unflow("a \n\nb\n", false), "a \n\nb\n");
        assert_eq!(unflow("source: RIPE \n\nperson: Jo\n", true), "source: RIPE \n\nperson: Jo\n");
    }

    #[test]
    fn remarks_value_spanning_three_physical_lines() {
        let text = concat!(
            "aut-num: AS64500\n",
            "remarks: This network is operated by Example Pty Ltd \n",
            "for its customers in Brisbane, Sydney and \n",
            "Melbourne\n",
            "source: APNIC\n",
        );
        let expected = concat!(
            "aut-num: AS64500\n",
            "remarks: This network is operated by Example Pty Ltd for its customers in Brisbane, Sydney and Melbourne\n",
            "source: APNIC\n",
        );
        assert_eq!(unflow(text, false), expected);
    }

    #[test]
    fn non_ascii_text_is_kept() {
        assert_eq!(unflow("descr: Zürich \nstraße\n", false), "descr: Zürich straße\n");
        assert_eq!(unflow("日本語 \n語\n", true), "日本語語\n");
    }
}
