//! The mails of a ticket's later life: a refusal to someone who is not the
//! requester, the note on a resubmission that was rejected, and the mails an
//! operator's action sends (a question, the approval with the AS numbers and
//! the objects as registered, a decline with its reason).

use super::{item, paragraph, SecretMasker};

/// The body for someone who cited a ticket without being its requester.
pub fn not_requester(ticket: &str) -> String {
    let mut body = paragraph(&format!(
        "Your mail cites the request [{ticket}], but it did not come from the address that sent that \
         request, so nothing was done with it. Only the requester can add to a request or change it."
    ));
    body.push('\n');
    body.push_str(&paragraph(
        "To send a request of your own, write a new mail without that tag in the subject. Send a mail \
         with the subject 'help' for a blank form and a short guide.",
    ));
    body
}

/// The paragraph added to the rejection of a resubmission when the ticket
/// keeps an earlier accepted request.
pub fn kept_request(ticket: &str) -> String {
    paragraph(&format!(
        "Your earlier request on [{ticket}], which was accepted, stays as it is and is still being \
         reviewed; nothing in it was changed by this mail. If you meant to change it, correct the \
         errors above and send the whole form again."
    ))
}

/// The body of a hostmaster's question to the requester.
pub fn question(ticket: &str, message: &str) -> String {
    let mut body = paragraph(&format!("A hostmaster has a question about your request [{ticket}]:"));
    body.push('\n');
    for line in message.lines() {
        body.push_str(&format!("  {line}\n"));
    }
    body.push('\n');
    body.push_str(&paragraph(&format!(
        "Please answer by replying to this mail, keeping [{ticket}] in the subject. If the answer \
         changes the form, send the whole corrected form in your reply: it is checked again."
    )));
    body
}

/// An AS number given to a request, with the aut-num it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered<'a> {
    /// The AS numbers assigned, `AS64496`.
    pub asns: &'a [String],
    /// The objects as registered, one RPSL or template text each.
    pub objects: &'a [String],
}

/// The body of the final mail: the AS numbers and the objects as registered.
pub fn approval(ticket: &str, registered: &Registered<'_>, note: Option<&str>) -> String {
    let numbers = registered.asns.join(", ");
    let mut body = paragraph(&format!(
        "Your request [{ticket}] has been approved. The AS number{} assigned to you: {numbers}.",
        if registered.asns.len() == 1 { " is" } else { "s are" }
    ));
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        body.push_str("\nA note from the hostmaster:\n\n");
        for line in note.lines() {
            body.push_str(&format!("  {line}\n"));
        }
    }
    body.push('\n');
    body.push_str(&paragraph(
        "The objects below are now in the registry, as shown. Use the AS number and the NIC handles \
         in them from now on.",
    ));
    for object in registered.objects {
        body.push('\n');
        let mut masker = SecretMasker::new();
        for line in object.lines() {
            body.push_str(&masker.line(line));
            body.push('\n');
        }
    }
    body
}

/// The body of the mail that declines a request, with the hostmaster's reason.
pub fn decline(ticket: &str, reason: &str, handles_released: &[String]) -> String {
    let mut body = paragraph(&format!("Your request [{ticket}] has been declined. The reason:"));
    body.push('\n');
    for line in reason.lines() {
        body.push_str(&format!("  {line}\n"));
    }
    body.push('\n');
    if !handles_released.is_empty() {
        body.push_str(&paragraph(
            "The NIC handles set aside for this request were not registered and have been released:",
        ));
        for handle in handles_released {
            body.push_str(&item("  - ", handle));
        }
        body.push('\n');
    }
    body.push_str(&paragraph(
        "If you think this is a mistake, reply to this mail keeping the tag in the subject. A new \
         request may be sent as a new mail without the tag.",
    ));
    body
}

/// The acknowledgement of a request made through the Resource Request API:
/// the ticket, what was asked for, and the objects it will create.
pub fn api_acknowledgement(ticket: &str, what: &str, contact: &str, objects: &[String]) -> String {
    let mut body = paragraph(&format!(
        "Dear {contact}, your {what} request was received through the Resource Request API and is now \
         waiting for a hostmaster's review. Its ticket is [{ticket}]; please keep the tag in the subject \
         of any mail about it."
    ));
    body.push('\n');
    body.push_str(&paragraph("What the request will create once it is approved:"));
    for object in objects {
        body.push('\n');
        for line in object.lines() {
            body.push_str(&format!("  {line}\n"));
        }
    }
    body.push('\n');
    body.push_str(&paragraph(
        "You will hear from us again by mail when the request is approved or declined, or if a \
         hostmaster needs to ask you something. You can also ask for its state at any time with the \
         key you sent it with.",
    ));
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_approval_names_the_numbers_and_masks_secrets() {
        let objects = vec![
            "aut-num:        AS64496\nas-name:        EXAMPLE-AP\n".to_owned(),
            "mntner: X\nauth: CRYPT-PW abcdefgh\n".to_owned(),
        ];
        let asns = vec!["AS64496".to_owned()];
        let body = approval("FR-1", &Registered { asns: &asns, objects: &objects }, Some("welcome"));
        assert!(body.contains("The AS number is assigned to you:\nAS64496."), "{body}");
        assert!(body.contains("  welcome\n") && body.contains("EXAMPLE-AP"), "{body}");
        assert!(!body.contains("abcdefgh"), "{body}");
    }

    #[test]
    fn a_decline_lists_the_released_handles() {
        let body = decline("FR-1", "not multihomed", &["JD1-AP".to_owned()]);
        assert!(body.contains("  not multihomed\n") && body.contains("  - JD1-AP\n"), "{body}");
    }
}
