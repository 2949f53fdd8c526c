//! The reply to a submission with errors: the form echoed with every error
//! placed right under the line it concerns, so the sender can fix and resend.

use super::{paragraph, wrap, SecretMasker, MAX_REPLY_BYTES, RESERVED_FOR_THE_END, WIDTH};
use formrobot_engine::check::Checked;
use formrobot_engine::diagnostic::Diagnostic;
use formrobot_engine::extract;
use std::collections::BTreeMap;

/// The most lines of a form echoed whole; a longer one is echoed only around
/// its problems, so that every problem is shown however long the form is.
const MAX_ECHOED_LINES: usize = 2_000;

/// Lines shown before and after a problem's line when a long form is echoed in parts.
const CONTEXT_LINES: usize = 2;

/// The body of a rejection for the submission `text`, on `ticket` (none for a dry run).
pub fn rejection(checked: &Checked, ticket: Option<&str>, text: &str) -> String {
    let errors = checked.error_count();
    let warnings = checked.warning_count();
    let templates = checked
        .validation
        .objects
        .iter()
        .filter(|o| o.disposition != formrobot_engine::validate::Disposition::Blank)
        .count();

    let mut body = String::new();
    body.push_str("Your AS number request could not be accepted: the form has errors.\n\n");
    if let Some(ticket) = ticket {
        body.push_str(&format!("Ticket: [{ticket}]\n"));
    }
    body.push_str(&paragraph(&format!(
        "Summary: {templates} template(s) read, {errors} error(s), {warnings} warning(s)."
    )));
    body.push('\n');
    body.push_str(&paragraph(
        "Each problem is shown right under the line it concerns, with that line's number. \
         Please correct them and send the whole form again.",
    ));

    // The form's lines are read from the text as they are echoed, never all
    // held at once: a form of millions of short lines costs a byte per line here.
    let frame = extract::Frame::new(text);
    let line_count = frame.lines().count();
    let last_line = frame.lines().last().map_or(0, |line| line.number);
    let mut by_line: BTreeMap<usize, Vec<&Diagnostic>> = BTreeMap::new();
    let mut general: Vec<&Diagnostic> = Vec::new();
    for diagnostic in &checked.diagnostics {
        match diagnostic.line.filter(|&l| l <= last_line && frame.holds(l)) {
            Some(line) => by_line.entry(line).or_default().push(diagnostic),
            None => general.push(diagnostic),
        }
    }

    // Problems shown; past the size budget the rest are counted, not shown.
    let mut shown = 0usize;
    let budget = MAX_REPLY_BYTES - RESERVED_FOR_THE_END;
    if !general.is_empty() {
        body.push_str("\nProblems with the form as a whole:\n\n");
        for diagnostic in general {
            if body.len() > budget {
                break;
            }
            shown += 1;
            let place = diagnostic.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let text = format!("  {}: {place}{}", severity(diagnostic), diagnostic.message);
            body.push_str(&wrap(&text, WIDTH, "    "));
            body.push('\n');
        }
    }

    if line_count > 0 {
        body.push_str("\nYour form, as received:\n\n");
        body.push_str(&rule());
        let mut masker = SecretMasker::new();
        let shown_lines = lines_to_echo(frame.lines(), line_count, &by_line);
        let mut skipped = 0usize;
        let mut cut_at = None;
        for (index, line) in frame.lines().enumerate() {
            // The masker must see every line, shown or not: a secret's continuation lines follow it.
            let masked = masker.line(line.text.trim_end());
            if !shown_lines[index] {
                skipped += 1;
                continue;
            }
            if body.len() > budget {
                cut_at = Some(index);
                break;
            }
            if skipped > 0 {
                body.push_str(&format!("       ... {skipped} line(s) without problems not shown\n"));
                skipped = 0;
            }
            body.push_str(&format!("{:>5}  {}\n", line.number, clip(&masked)));
            for diagnostic in by_line.get(&line.number).into_iter().flatten() {
                shown += 1;
                let attribute = diagnostic.attribute.as_deref().map(|a| format!(" in {a}")).unwrap_or_default();
                let text = format!("       ^^^ {}{attribute}: {}", severity(diagnostic), diagnostic.message);
                body.push_str(&wrap(&text, WIDTH, "           "));
                body.push('\n');
                if let Some(help) = &diagnostic.help {
                    body.push_str(&wrap(&format!("           Help: {help}"), WIDTH, "                 "));
                    body.push('\n');
                }
            }
        }
        match cut_at.and_then(|index| Some((index, frame.lines().nth(index)?))) {
            Some((index, next)) => {
                let rest: usize = by_line.range(next.number..).map(|(_, d)| d.len()).sum();
                body.push_str(&format!(
                    "       ... {} more lines not shown, with {rest} more problem(s)\n",
                    line_count - index
                ));
            }
            None if skipped > 0 => body.push_str(&format!("       ... {skipped} line(s) without problems not shown\n")),
            None => {}
        }
        body.push_str(&rule());
    }

    let total = checked.diagnostics.len();
    if shown < total {
        body.push('\n');
        body.push_str(&paragraph(&format!(
            "This reply is shortened to stay under {} KiB: {} more problem(s) are not shown. Correct \
             the problems above and send the form again; the reply to it lists what remains. If you \
             have formrobot, 'formrobot check' on your form lists every problem at once.",
            MAX_REPLY_BYTES / 1024,
            total - shown
        )));
    }

    body.push('\n');
    let keep_tag = ticket
        .map(|ticket| format!(" Keep [{ticket}] in the subject so that we can connect the two mails."))
        .unwrap_or_default();
    body.push_str(&paragraph(&format!(
        "How to resend: correct the lines marked above in your own copy of the form, keep the two \
         CUT HERE lines around the templates, and send it as plain text (not HTML, not as base64) \
         to this address.{keep_tag} Send a mail with the subject 'help' for a blank form and a short guide."
    )));
    body
}

/// Which lines of the form to echo: all of a form up to [`MAX_ECHOED_LINES`]
/// lines; of a longer one, each problem's line with [`CONTEXT_LINES`] around it.
fn lines_to_echo<'a>(
    lines: impl Iterator<Item = extract::Line<'a>>,
    count: usize,
    by_line: &BTreeMap<usize, Vec<&Diagnostic>>,
) -> Vec<bool> {
    if count <= MAX_ECHOED_LINES {
        return vec![true; count];
    }
    let mut shown = vec![false; count];
    for (index, line) in lines.enumerate().take(count) {
        if by_line.contains_key(&line.number) {
            let from = index.saturating_sub(CONTEXT_LINES);
            let to = (index + CONTEXT_LINES).min(count - 1);
            shown[from..=to].iter_mut().for_each(|s| *s = true);
        }
    }
    shown
}

/// The longest echoed line; junk can be one enormous line.
const MAX_ECHOED_WIDTH: usize = 200;

fn clip(line: &str) -> String {
    if line.chars().count() <= MAX_ECHOED_WIDTH {
        line.to_owned()
    } else {
        format!("{} [...]", line.chars().take(MAX_ECHOED_WIDTH).collect::<String>())
    }
}

fn severity(diagnostic: &Diagnostic) -> &'static str {
    if diagnostic.is_error() {
        "ERROR"
    } else {
        "WARNING"
    }
}

fn rule() -> String {
    format!("{}\n", "-".repeat(72))
}

#[cfg(test)]
mod tests {
    use super::*;
    use formrobot_engine::check::check_text;
    use formrobot_engine::date::Date;
    use formrobot_engine::forms::FormSet;

    #[test]
    fn every_problem_of_a_long_form_is_shown_with_its_context() {
        let mut text = String::from("aut-num: NEW\nas-name: EXAMPLENET-AS\ndescr: Example\n");
        text.push_str(&"remarks: peering policy details\n".repeat(3_000));
        text.push_str("changed: jane@example.net 2001-10-02\nsource: RIPE\n");
        let forms = FormSet::embedded().expect("forms");
        let checked = check_text(&text, &forms, Date::new(2026, 11, 23).expect("date"));
        let bad_line = 3 + 3_000 + 1;
        assert!(checked.errors().any(|e| e.line == Some(bad_line)), "{:?}", checked.diagnostics);

        let body = rejection(&checked, Some("FR-TEST"), &text);
        assert!(body.contains(&format!("{bad_line:>5}  changed: jane@example.net 2001-10-02")), "{body}");
        assert!(body.contains("ERROR in changed"), "{body}");
        // The lines around it are shown, the thousands before them are not.
        assert!(body.contains(&format!("{:>5}  remarks:", bad_line - 2)));
        assert!(!body.contains(&format!("{:>5}  remarks:", bad_line - 3)));
        assert!(body.contains("line(s) without problems not shown"), "{body}");
        assert!(!body.contains("more problem(s) are not shown"), "{body}");
        assert!(body.len() < 64 * 1024, "{} bytes", body.len());
    }
}
