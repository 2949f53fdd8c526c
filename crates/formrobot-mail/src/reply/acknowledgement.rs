//! The reply to an accepted submission.

use super::{paragraph, push_warnings, SecretMasker, MAX_REPLY_BYTES, RESERVED_FOR_THE_END};
use formrobot_engine::check::Checked;
use formrobot_engine::resolve::{Assignment, RenderedObject};

/// The body of an acknowledgement: ticket, summary, handles, the objects as accepted, what comes next.
pub fn acknowledgement(
    checked: &Checked,
    ticket: &str,
    assignments: &[Assignment],
    objects: &[RenderedObject],
) -> String {
    let mut body = String::new();
    body.push_str("Thank you. Your AS number request has been accepted for processing.\n\n");
    body.push_str(&format!("Ticket: [{ticket}]\n"));
    let classes: Vec<&str> = objects.iter().map(|o| o.class.as_str()).collect();
    body.push_str(&paragraph(&format!(
        "Summary: {} template(s) read ({}), no errors, {} NIC handle(s) assigned.",
        objects.len(),
        classes.join(", "),
        assignments.len()
    )));

    let budget = MAX_REPLY_BYTES - RESERVED_FOR_THE_END;
    // A quarter of the budget: the objects as accepted come after the warnings.
    push_warnings(&mut body, checked, budget / 4);

    if !assignments.is_empty() {
        body.push_str("\nNIC handles assigned (use them from now on instead of the placeholders):\n\n");
        let width = assignments.iter().map(|a| a.request.label.len()).max().unwrap_or(0).max("You wrote".len());
        body.push_str(&format!("  {:<width$}  {:<14}  {}\n", "You wrote", "Handle", "Person or role"));
        for (shown, assignment) in assignments.iter().enumerate() {
            if body.len() > budget / 2 {
                body.push_str(&format!("  ... and {} more handle(s), not shown\n", assignments.len() - shown));
                break;
            }
            body.push_str(&format!(
                "  {:<width$}  {:<14}  {}\n",
                assignment.request.label,
                assignment.handle(),
                assignment.request.name
            ));
        }
    }

    body.push_str("\nThe objects as they will be registered:\n");
    for (shown, object) in objects.iter().enumerate() {
        if body.len() > budget {
            body.push_str(&format!(
                "\n... and {} more object(s), not shown here to keep this reply under {} KiB; they are \
                 recorded with the ticket.\n",
                objects.len() - shown,
                MAX_REPLY_BYTES / 1024
            ));
            break;
        }
        body.push('\n');
        let mut masker = SecretMasker::new();
        for line in object.rewritten().lines() {
            body.push_str(&masker.line(line));
            body.push('\n');
        }
    }

    body.push('\n');
    body.push_str(&paragraph(&format!(
        "What happens next: a hostmaster reviews the request and writes to you from this address. \
         There is no need to send the form again. If you need to add anything, reply to this mail \
         and keep [{ticket}] in the subject."
    )));
    body
}
