//! The reply to a dry run: a form sent with RIPE's `dry-run:` line is checked
//! and answered like any other, but no request is opened, so the reply has no
//! ticket and names no NIC handle.

use super::{paragraph, push_warnings, rejection, MAX_REPLY_BYTES, RESERVED_FOR_THE_END};
use formrobot_engine::check::Checked;
use formrobot_engine::outcome::Status;

/// The body of the reply to a dry run of the submission `text`.
pub fn dry_run(checked: &Checked, text: &str) -> String {
    let mut body = paragraph(
        "You asked for a dry run (the dry-run: line in your mail), so your form was checked and \
         nothing more: no request was opened, no ticket was made and no NIC handle was reserved.",
    );
    body.push('\n');
    if checked.status() != Status::Accepted {
        body.push_str(&rejection(checked, None, text));
        return body;
    }
    let warnings = checked.warning_count();
    body.push_str(&paragraph(&format!(
        "Your form has no errors{}. Sent again without the dry-run: line, it would be accepted for \
         processing and you would get a ticket.",
        if warnings == 0 { String::new() } else { format!(", and {warnings} warning(s)") }
    )));
    push_warnings(&mut body, checked, MAX_REPLY_BYTES - RESERVED_FOR_THE_END);
    body
}
