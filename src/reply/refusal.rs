//! Replies to mails that could not be read as forms at all.

use crate::decide::Refusal;

/// The body explaining why a mail was refused.
pub fn refusal(refusal: &Refusal) -> String {
    let reason = match refusal {
        Refusal::TooLarge { size, limit } => format!(
            "Your mail is {size} bytes long, more than the {limit} bytes this robot accepts,\n\
             so it was not read. A filled-in form is only a few kilobytes: please send\n\
             the form alone, as plain text, without attachments.\n"
        ),
        Refusal::HtmlOnly => "Your mail holds only HTML, and this robot reads plain text only, so the form\n\
             could not be read. Please set your mail program to send plain text (or\n\
             \"plain text and HTML\") and send the form again.\n"
            .to_owned(),
        Refusal::Unreadable(problems) => {
            let mut text = String::from(
                "Your mail could not be read, so no form was found in it. What went wrong:\n\n",
            );
            for problem in problems {
                text.push_str(&format!("  - {problem}\n"));
            }
            text.push_str(
                "\nPlease send the form again as the plain-text body of a simple mail.\n",
            );
            text
        }
    };
    format!("{reason}\nSend a mail with the subject 'help' for a blank form and a short guide.\n")
}
