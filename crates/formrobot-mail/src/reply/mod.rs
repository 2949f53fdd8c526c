//! Stage 8, reply: the mail the robot sends back, written as plain ASCII text.
//!
//! Each kind of reply has its own module; this one builds the message around
//! a body (lettre's builder): `Re:` subject with the status and ticket tag,
//! threading headers, `Auto-Submitted: auto-replied` and an `X-Loop` header so
//! that the robot recognises its own replies if they ever come back.
//!
//! Everything here is pure: the time and the ticket come in as arguments.

mod acknowledgement;
mod help;
mod refusal;
mod rejection;

pub use acknowledgement::acknowledgement;
pub use help::{blank_forms, help};
pub use refusal::refusal;
pub use rejection::rejection;

use crate::intake::Headers;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox};
use lettre::Message;
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime};

/// A reply ready to be sent: the recipient, its subject and body, and the whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The whole message as it will be sent (headers and body).
    pub message: Vec<u8>,
}

/// Who the robot is when it writes.
#[derive(Debug, Clone)]
pub struct ReplySettings {
    /// The robot's address, the sender of every reply.
    pub robot_address: String,
}

impl ReplySettings {
    /// The domain of the robot's address, for Message-IDs.
    fn domain(&self) -> &str {
        self.robot_address.rsplit_once('@').map_or("formrobot.invalid", |(_, domain)| domain)
    }
}

/// What a reply says about the outcome in its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectStatus {
    /// `ACCEPTED`.
    Accepted,
    /// `REJECTED`.
    Rejected,
    /// The help reply.
    Help,
}

/// The longest subject we quote from the original mail.
const MAX_QUOTED_SUBJECT: usize = 120;

/// `Re: <original subject> [FR-...] STATUS`, without earlier tags, statuses and `Re:`s.
pub fn subject(original: &str, status: SubjectStatus, ticket: Option<&str>) -> String {
    let mut rest = original.trim();
    while let Some(stripped) = strip_prefix_ignore_case(rest, "re:").or_else(|| strip_prefix_ignore_case(rest, "aw:")) {
        rest = stripped.trim_start();
    }
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| !(w.starts_with("[FR-") && w.ends_with(']')))
        .filter(|w| !matches!(*w, "ACCEPTED" | "REJECTED"))
        .collect();
    let mut quoted: String = words.join(" ").chars().take(MAX_QUOTED_SUBJECT).collect();
    if quoted.is_empty() {
        quoted = "your request".into();
    }
    let tag = ticket.map(|t| format!(" [{t}]")).unwrap_or_default();
    let status = match status {
        SubjectStatus::Accepted => " ACCEPTED",
        SubjectStatus::Rejected => " REJECTED",
        SubjectStatus::Help => " (help)",
    };
    format!("Re: {quoted}{tag}{status}")
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// Replaces every character a plain-ASCII reply cannot carry.
pub fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii() && (!c.is_ascii_control() || c == '\n' || c == '\t') { c } else { '?' })
        .collect()
}

/// Builds the reply message to `to`.
pub fn compose(
    settings: &ReplySettings,
    original: &Headers,
    to: &str,
    subject: String,
    body: String,
    now: i64,
) -> Option<Reply> {
    let robot: Mailbox = format!("formrobot <{}>", settings.robot_address).parse().ok()?;
    let recipient: Mailbox = to.parse().ok()?;
    let body = ascii(&body);
    let seed = format!("{now}\n{to}\n{subject}\n{}\n{body}", original.message_id.as_deref().unwrap_or(""));
    let digest = Sha256::digest(seed.as_bytes());
    let id: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(now).unwrap_or(0));

    let mut builder = Message::builder()
        .from(robot)
        .to(recipient)
        .subject(subject.clone())
        .date(when)
        .message_id(Some(format!("<formrobot.{id}@{}>", settings.domain())))
        .header(ContentType::parse("text/plain; charset=us-ascii").ok()?)
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii("Auto-Submitted".into()).ok()?, "auto-replied".into()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii("X-Loop".into()).ok()?,
            settings.robot_address.clone(),
        ));
    if let Some(id) = &original.message_id {
        builder = builder.in_reply_to(id.clone());
        let mut references: Vec<String> = original.references.clone();
        references.push(id.clone());
        builder = builder.references(references.join(" "));
    }
    // Plain 7-bit ASCII, readable as it stands; quoted-printable only if a line is too long for 7bit.
    let crlf = body.replace("\r\n", "\n").replace('\n', "\r\n");
    let encoded = Body::new_with_encoding(crlf, ContentTransferEncoding::SevenBit).unwrap_or_else(|original| {
        Body::new_with_encoding(original, ContentTransferEncoding::QuotedPrintable).unwrap_or_else(Body::new)
    });
    let message = builder.body(encoded).ok()?;
    Some(Reply { to: to.to_owned(), subject, body, message: message.formatted() })
}

/// The width replies are wrapped to: 7-bit encoding (no quoted-printable) needs lines under 76 characters.
pub const WIDTH: usize = 72;

/// Word-wraps `text` to `width` columns, greedily (each line as full as it can
/// be); lines after the first start with `indent`. Runs of whitespace, line
/// breaks included, count as one space; the text's own leading whitespace stays
/// in front of the first line. A word longer than the width is never split (an
/// address or a handle must stay whole), so such a line is longer.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let lead = &text[..text.len() - text.trim_start().len()];
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let options = textwrap::Options::new(width)
        .initial_indent(lead)
        .subsequent_indent(indent)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    textwrap::fill(&words, options)
}

/// A paragraph of running text, wrapped, with its line end.
pub fn paragraph(text: &str) -> String {
    format!("{}\n", wrap(text, WIDTH, ""))
}

/// A list item, wrapped under its own first word (`1. `, `- `).
pub fn item(marker: &str, text: &str) -> String {
    let indent = " ".repeat(marker.len());
    format!("{}\n", wrap(&format!("{marker}{text}"), WIDTH, &indent))
}

/// Masks what must never be repeated: `auth:` secrets and `password:` lines.
pub fn mask_secrets(line: &str) -> String {
    let Some((name, value)) = line.split_once(':') else { return line.to_owned() };
    let attribute = name.trim().to_ascii_lowercase();
    match attribute.as_str() {
        "password" if !value.trim().is_empty() => format!("{name}: <hidden>"),
        "auth" => {
            let scheme = value.split_whitespace().next().unwrap_or_default();
            let hides_a_secret = value.split_whitespace().nth(1).is_some();
            if hides_a_secret {
                format!("{name}: {scheme} <hidden>")
            } else {
                line.to_owned()
            }
        }
        _ => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_carry_status_and_ticket_once() {
        assert_eq!(subject("AS request", SubjectStatus::Accepted, Some("FR-1")), "Re: AS request [FR-1] ACCEPTED");
        assert_eq!(
            subject("Re: RE: AS request [FR-OLD] REJECTED", SubjectStatus::Rejected, Some("FR-2")),
            "Re: AS request [FR-2] REJECTED"
        );
        assert_eq!(subject("", SubjectStatus::Help, None), "Re: your request (help)");
    }

    #[test]
    fn wraps_with_a_hanging_indent() {
        assert_eq!(wrap("one two three four", 9, "  "), "one two\n  three\n  four");
        assert_eq!(wrap("averyveryverylongword x", 5, ""), "averyveryverylongword\nx");
        assert_eq!(wrap("  - a b", 6, "    "), "  - a\n    b");
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_secrets("auth:   CRYPT-PW peEw8Gb4xBNqI"), "auth: CRYPT-PW <hidden>");
        assert_eq!(mask_secrets("auth: PGPKEY-1A2B3C4D"), "auth: PGPKEY-1A2B3C4D");
        assert_eq!(mask_secrets("password: hunter2"), "password: <hidden>");
        assert_eq!(mask_secrets("descr: auth: none"), "descr: auth: none");
    }

    #[test]
    fn replies_are_threaded_and_marked_automatic() {
        let settings = ReplySettings { robot_address: "as-request@example.net".into() };
        let original = Headers {
            message_id: Some("<orig@example.org>".into()),
            references: vec!["<older@example.org>".into()],
            ..Headers::default()
        };
        let reply =
            compose(&settings, &original, "jo@example.org", "Re: x".into(), "Hello \u{e9}\n".into(), 1_795_392_000)
                .expect("composed");
        let text = String::from_utf8(reply.message).expect("ASCII");
        for header in [
            "In-Reply-To: <orig@example.org>",
            "References: <older@example.org> <orig@example.org>",
            "Auto-Submitted: auto-replied",
            "X-Loop: as-request@example.net",
            "To: jo@example.org",
            "Date: Mon, 23 Nov 2026 00:00:00 +0000",
        ] {
            assert!(text.contains(header), "{header} missing in:\n{text}");
        }
        assert!(text.contains("Message-ID: <formrobot."), "{text}");
        assert!(text.contains("Hello ?"), "{text}");
        assert!(text.is_ascii());
    }
}
