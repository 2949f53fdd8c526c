//! The reply to a submission with errors: the form echoed with every error
//! placed right under the line it concerns, so the sender can fix and resend.

use super::{paragraph, wrap, SecretMasker, MAX_REPLY_BYTES, RESERVED_FOR_THE_END, WIDTH};
use formrobot_engine::check::Checked;
use formrobot_engine::diagnostic::Diagnostic;
use formrobot_engine::extract;
use std::collections::BTreeMap;

/// The most lines of the form echoed; a larger submission is cut with a note.
const MAX_ECHOED_LINES: usize = 2_000;

/// The body of a rejection for the submission `text`.
pub fn rejection(checked: &Checked, ticket: &str, text: &str) -> String {
    let errors = checked.errors().count();
    let warnings = checked.warnings().count();
    let templates = checked
        .validation
        .objects
        .iter()
        .filter(|o| o.disposition != formrobot_engine::validate::Disposition::Blank)
        .count();

    let mut body = String::new();
    body.push_str("Your AS number request could not be accepted: the form has errors.\n\n");
    body.push_str(&format!("Ticket: [{ticket}]\n"));
    body.push_str(&paragraph(&format!(
        "Summary: {templates} template(s) read, {errors} error(s), {warnings} warning(s)."
    )));
    body.push('\n');
    body.push_str(&paragraph(
        "Each problem is shown right under the line it concerns, with that line's number. \
         Please correct them and send the whole form again.",
    ));

    let extraction = extract::extract(text);
    let echoed: Vec<usize> = extraction.lines.iter().map(|l| l.number).collect();
    let mut by_line: BTreeMap<usize, Vec<&Diagnostic>> = BTreeMap::new();
    let mut general: Vec<&Diagnostic> = Vec::new();
    for diagnostic in &checked.diagnostics {
        match diagnostic.line.filter(|l| echoed.binary_search(l).is_ok()) {
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

    if !extraction.lines.is_empty() {
        body.push_str("\nYour form, as received:\n\n");
        body.push_str(&rule());
        let mut masker = SecretMasker::new();
        let mut echoed_lines = 0usize;
        for line in extraction.lines.iter().take(MAX_ECHOED_LINES) {
            if body.len() > budget {
                break;
            }
            echoed_lines += 1;
            body.push_str(&format!("{:>5}  {}\n", line.number, clip(&masker.line(line.text.trim_end()))));
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
        if let Some(next) = extraction.lines.get(echoed_lines) {
            let rest: usize = by_line.range(next.number..).map(|(_, d)| d.len()).sum();
            body.push_str(&format!(
                "       ... {} more lines not shown, with {rest} more problem(s)\n",
                extraction.lines.len() - echoed_lines
            ));
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
    body.push_str(&paragraph(&format!(
        "How to resend: correct the lines marked above in your own copy of the form, keep the two \
         CUT HERE lines around the templates, and send it as plain text (not HTML, not as base64) \
         to this address. Keep [{ticket}] in the subject so that we can connect the two mails. \
         Send a mail with the subject 'help' for a blank form and a short guide."
    )));
    body
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
