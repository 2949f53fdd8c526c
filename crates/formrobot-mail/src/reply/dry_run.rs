//! The reply to a dry run: a form sent with RIPE's `dry-run:` line is checked
//! and answered like any other, but no request is opened, so the reply has no
//! ticket and names no NIC handle. The same verdict, without a ticket, is
//! what the public check page shows ([`verdict_only`]).

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
    body.push_str(&verdict_only(
        checked,
        text,
        "Sent again without the dry-run: line, it would be accepted for processing and you would get a ticket.",
    ));
    body
}

/// The verdict on the submission `text` when it is checked and nothing more
/// (a dry run, the public check page): the rejection with each problem under
/// its line, or that it has no errors (and `if_accepted`), with its warnings.
pub fn verdict_only(checked: &Checked, text: &str, if_accepted: &str) -> String {
    if checked.status() != Status::Accepted {
        return rejection(checked, None, text);
    }
    let warnings = checked.warning_count();
    let mut body = paragraph(&format!(
        "Your form has no errors{}. {if_accepted}",
        if warnings == 0 { String::new() } else { format!(", and {warnings} warning(s)") }
    ));
    push_warnings(&mut body, checked, MAX_REPLY_BYTES - RESERVED_FOR_THE_END);
    body
}
