//! Stage 8, reply: the mail the robot sends back, written as plain ASCII text.
//!
//! Each kind of reply has its own module; this one builds the message around
//! a body (lettre's builder): `Re:` subject with the status and ticket tag,
//! threading headers, `Auto-Submitted: auto-replied` and an `X-Loop` header so
//! that the robot recognises its own replies if they ever come back.
//!
//! Everything here is pure: the time and the ticket come in as arguments.

mod acknowledgement;
mod dry_run;
mod help;
mod lifecycle;
mod refusal;
mod rejection;

pub use acknowledgement::acknowledgement;
pub use dry_run::{dry_run, verdict_only};
pub use formrobot_engine::secrets::{mask_secrets, SecretMasker};
pub use help::{blank_forms, help};
pub use lifecycle::{api_acknowledgement, approval, decline, kept_request, not_requester, question, Registered};
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
    /// Its `Message-ID`, with angle brackets: an answer citing it finds the ticket.
    pub message_id: String,
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
    /// `DRY RUN`: checked only, on no ticket.
    DryRun,
    /// A hostmaster's question: the tag alone.
    Question,
    /// `APPROVED`.
    Approved,
    /// `DECLINED`.
    Declined,
    /// A refusal to someone who is not the requester: the tag they cited, `REFUSED`.
    Refused,
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
        .filter(|w| !matches!(*w, "ACCEPTED" | "REJECTED" | "APPROVED" | "DECLINED" | "REFUSED"))
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
        SubjectStatus::DryRun => " DRY RUN",
        SubjectStatus::Question => "",
        SubjectStatus::Approved => " APPROVED",
        SubjectStatus::Declined => " DECLINED",
        SubjectStatus::Refused => " REFUSED",
    };
    format!("Re: {quoted}{tag}{status}")
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// Lists the submission's warnings under "Please note:", one item each with
/// its line; once `body` has grown past `limit` bytes the rest are counted.
fn push_warnings(body: &mut String, checked: &formrobot_engine::check::Checked, limit: usize) {
    let warnings: Vec<_> = checked.warnings().collect();
    if warnings.is_empty() {
        return;
    }
    body.push_str("\nPlease note:\n");
    for (shown, warning) in warnings.iter().enumerate() {
        if body.len() > limit {
            body.push_str(&format!("  - ... and {} more warning(s), not shown\n", warnings.len() - shown));
            break;
        }
        let place = warning.line.map(|line| format!("line {line}: ")).unwrap_or_default();
        body.push_str(&wrap(&format!("  - {place}{}", warning.message), WIDTH, "    "));
        body.push('\n');
    }
}

/// Replaces every character a plain-ASCII reply cannot carry.
pub fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii() && (!c.is_ascii_control() || c == '\n' || c == '\t') { c } else { '?' })
        .collect()
}

/// The largest reply body: past it a reply says how many problems it leaves out.
pub const MAX_REPLY_BYTES: usize = 256 * 1024;

/// What a reply keeps free under [`MAX_REPLY_BYTES`] for its closing paragraphs.
pub const RESERVED_FOR_THE_END: usize = 8 * 1024;

/// The longest value of a header copied from the request (`In-Reply-To`,
/// `References`), so that each header stays on one line within RFC 5322's 998 bytes.
const MAX_COPIED_HEADER: usize = 900;

/// A Message-ID that can be copied as it stands: `<left@right>` in printable ASCII, short enough.
fn is_copyable_id(id: &str) -> bool {
    id.len() <= MAX_COPIED_HEADER
        && id.starts_with('<')
        && id.ends_with('>')
        && id.contains('@')
        && id.bytes().all(|b| b.is_ascii_graphic())
        && id[1..id.len() - 1].bytes().all(|b| b != b'<' && b != b'>')
}

/// `References:` for a reply: the request's own references and its id, the
/// nearest ones that fit in [`MAX_COPIED_HEADER`] bytes, in their order.
fn references(original: &Headers, id: Option<&str>) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut length = 0;
    for reference in id.into_iter().chain(original.references.iter().rev().map(String::as_str)) {
        if !is_copyable_id(reference) {
            continue;
        }
        if length + reference.len() + 1 > MAX_COPIED_HEADER {
            break;
        }
        length += reference.len() + 1;
        kept.push(reference);
    }
    kept.reverse();
    kept.join(" ")
}

/// The body cut at a line end to stay within [`MAX_REPLY_BYTES`], with a note that it was cut.
fn bounded_body(body: String) -> String {
    if body.len() <= MAX_REPLY_BYTES {
        return body;
    }
    let note = format!("\n[... the rest of this reply is left out to keep it under {} KiB.]\n", MAX_REPLY_BYTES / 1024);
    let mut end = MAX_REPLY_BYTES - note.len();
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let end = body[..end].rfind('\n').map_or(end, |newline| newline + 1);
    format!("{}{note}", &body[..end])
}

/// Builds the reply message to `to`; `None` when `to` is no plain-ASCII address.
///
/// Headers copied from the request are kept only when they fit on one line
/// (an id that does not is dropped, references are kept from the nearest),
/// and the body is cut at [`MAX_REPLY_BYTES`].
pub fn compose(
    settings: &ReplySettings,
    original: &Headers,
    to: &str,
    subject: String,
    body: String,
    now: i64,
) -> Option<Reply> {
    let robot: Mailbox = format!("formrobot <{}>", settings.robot_address).parse().ok()?;
    if !to.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    // Several recipients (a request made through the API and its additional addresses) are comma-separated.
    let recipients: Vec<Mailbox> = to.split(',').map(|address| address.parse().ok()).collect::<Option<_>>()?;
    let body = bounded_body(ascii(&body));
    let seed = format!("{now}\n{to}\n{subject}\n{}\n{body}", original.message_id.as_deref().unwrap_or(""));
    let digest = Sha256::digest(seed.as_bytes());
    let id: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let message_id = format!("<formrobot.{id}@{}>", settings.domain());
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(now).unwrap_or(0));

    let mut builder = Message::builder().from(robot);
    for recipient in recipients {
        builder = builder.to(recipient);
    }
    let mut builder = builder
        .subject(subject.clone())
        .date(when)
        .message_id(Some(message_id.clone()))
        .header(ContentType::parse("text/plain; charset=us-ascii").ok()?)
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii("Auto-Submitted".into()).ok()?, "auto-replied".into()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii("X-Loop".into()).ok()?,
            settings.robot_address.clone(),
        ));
    if let Some(id) = &original.message_id {
        let copyable = Some(id.as_str()).filter(|id| is_copyable_id(id));
        if let Some(id) = copyable {
            builder = builder.in_reply_to(id.to_owned());
        }
        let references = references(original, copyable);
        if !references.is_empty() {
            builder = builder.references(references);
        }
    }
    // Plain 7-bit ASCII, readable as it stands; quoted-printable only if a line is too long for 7bit.
    let crlf = body.replace("\r\n", "\n").replace('\n', "\r\n");
    let encoded = Body::new_with_encoding(crlf, ContentTransferEncoding::SevenBit).unwrap_or_else(|original| {
        Body::new_with_encoding(original, ContentTransferEncoding::QuotedPrintable).unwrap_or_else(Body::new)
    });
    let message = builder.body(encoded).ok()?;
    Some(Reply { to: to.to_owned(), subject, body, message: message.formatted(), message_id })
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
    fn copied_headers_are_kept_short_or_dropped() {
        let settings = ReplySettings { robot_address: "as-request@example.net".into() };
        let original = Headers {
            message_id: Some(format!("<{}@example.org>", "m".repeat(5000))),
            references: (0..10_000).map(|i| format!("<r{i}@example.org>")).collect(),
            ..Headers::default()
        };
        let reply = compose(&settings, &original, "jo@example.org", "Re: x".into(), "x\n".into(), 0).expect("composed");
        let text = String::from_utf8(reply.message).expect("ASCII");
        let headers = text.split("\r\n\r\n").next().unwrap_or_default();
        assert!(headers.split("\r\n").all(|line| line.len() <= 998), "{headers}");
        assert!(!headers.contains("In-Reply-To"), "{headers}");
        assert!(headers.contains("<r9999@example.org>") && !headers.contains("<r0@example.org>"), "{headers}");

        let invalid = Headers { message_id: Some("<caf\u{e9} x>".into()), ..Headers::default() };
        let reply = compose(&settings, &invalid, "jo@example.org", "Re: x".into(), "x\n".into(), 0).expect("composed");
        let text = String::from_utf8(reply.message).expect("ASCII");
        assert!(!text.contains("In-Reply-To") && !text.contains("=?"), "{text}");
        assert!(compose(&settings, &Headers::default(), "j\u{f6}@example.org", "Re: x".into(), "x".into(), 0).is_none());
    }

    #[test]
    fn an_enormous_body_is_cut() {
        let settings = ReplySettings { robot_address: "as-request@example.net".into() };
        let body = "a line of the reply\n".repeat(100_000);
        let reply =
            compose(&settings, &Headers::default(), "jo@example.org", "Re: x".into(), body, 0).expect("composed");
        assert!(reply.body.len() <= MAX_REPLY_BYTES, "{}", reply.body.len());
        assert!(reply.body.ends_with("KiB.]\n"), "{}", &reply.body[reply.body.len() - 200..]);
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
