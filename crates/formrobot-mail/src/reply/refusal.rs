//! Replies to mails that could not be read as forms at all.

use super::{item, paragraph};
use crate::decide::Refusal;

/// The body explaining why a mail was refused.
pub fn refusal(refusal: &Refusal) -> String {
    let reason = match refusal {
        Refusal::TooLarge { size, limit } => paragraph(&format!(
            "Your mail is {size} bytes long, more than the {limit} bytes this robot accepts, so it \
             was not read. A filled-in form is only a few kilobytes: please send the form alone, \
             as plain text, without attachments."
        )),
        Refusal::HtmlOnly => paragraph(
            "Your mail holds only HTML, and this robot reads plain text only, so the form could not \
             be read. Please set your mail program to send plain text (or \"plain text and HTML\") \
             and send the form again.",
        ),
        Refusal::Encrypted => paragraph(
            "Your mail is encrypted, and this robot cannot read encrypted mail: it holds no key to \
             open it, so the form could not be read. Please send the form again unencrypted, as \
             plain text. You may sign it (PGP/MIME or an inline PGP signature); a signature does not \
             stop the robot from reading the form.",
        ),
        Refusal::Unreadable(problems) => {
            let mut text =
                String::from("Your mail could not be read, so no form was found in it. What went wrong:\n\n");
            for problem in problems {
                text.push_str(&item("  - ", problem));
            }
            text.push('\n');
            text.push_str(&paragraph("Please send the form again as the plain-text body of a simple mail."));
            text
        }
    };
    format!("{reason}\n{}", paragraph("Send a mail with the subject 'help' for a blank form and a short guide."))
}
