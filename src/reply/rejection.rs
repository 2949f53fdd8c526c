//! The reply to a submission with errors: the form echoed with every error
//! placed right under the line it concerns, so the sender can fix and resend.

use super::mask_secrets;
use crate::check::Checked;
use crate::diagnostic::Diagnostic;
use crate::extract;
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
        .filter(|o| o.disposition != crate::validate::Disposition::Blank)
        .count();

    let mut body = String::new();
    body.push_str("Your AS number request could not be accepted: the form has errors.\n\n");
    body.push_str(&format!("Ticket: [{ticket}]\n"));
    body.push_str(&format!(
        "Summary: {templates} template(s) read, {errors} error(s), {warnings} warning(s).\n\n\
         Each problem is shown right under the line it concerns, with that line's\n\
         number. Please correct them and send the whole form again.\n"
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

    if !general.is_empty() {
        body.push_str("\nProblems with the form as a whole:\n\n");
        for diagnostic in general {
            let place = diagnostic.line.map(|l| format!("line {l}: ")).unwrap_or_default();
            body.push_str(&format!("  {}: {place}{}\n", severity(diagnostic), diagnostic.message));
        }
    }

    if !extraction.lines.is_empty() {
        body.push_str("\nYour form, as received:\n\n");
        body.push_str(&rule());
        for line in extraction.lines.iter().take(MAX_ECHOED_LINES) {
            body.push_str(&format!("{:>5}  {}\n", line.number, mask_secrets(line.text.trim_end())));
            for diagnostic in by_line.get(&line.number).into_iter().flatten() {
                body.push_str(&format!("       ^^^ {}", severity(diagnostic)));
                if let Some(attribute) = &diagnostic.attribute {
                    body.push_str(&format!(" in {attribute}"));
                }
                body.push_str(&format!(": {}\n", diagnostic.message));
                if let Some(help) = &diagnostic.help {
                    body.push_str(&format!("           Help: {help}\n"));
                }
            }
        }
        if extraction.lines.len() > MAX_ECHOED_LINES {
            let rest: usize = by_line.range(extraction.lines[MAX_ECHOED_LINES].number..).map(|(_, d)| d.len()).sum();
            body.push_str(&format!(
                "       ... {} more lines not shown, with {rest} more problem(s)\n",
                extraction.lines.len() - MAX_ECHOED_LINES
            ));
        }
        body.push_str(&rule());
    }

    body.push_str(&format!(
        "\nHow to resend: correct the lines marked above in your own copy of the form,\n\
         keep the two CUT HERE lines around the templates, and send it as plain text\n\
         (not HTML, not as base64) to this address. Keep [{ticket}] in the subject so\n\
         that we can connect the two mails. Send a mail with the subject 'help' for a\n\
         blank form and a short guide.\n"
    ));
    body
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
