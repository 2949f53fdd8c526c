//! What identifies a mail, for finding the same mail received twice.
//!
//! The same mail can arrive twice with different bytes: each hop adds its
//! trace (`Received:`, `Delivered-To:`, `Return-Path:`, spam and
//! authentication verdicts), and the line ends may change between an MTA's
//! pipe and IMAP. What the sender wrote does not change: the headers that say
//! who sent what to whom, when and under which Message-ID, and the body. The
//! identity is the SHA-256 of those, so that a mail without a Message-ID sent
//! twice identically is still recognised, and one more `Received:` line does
//! not make a new mail.

use mailparse::MailHeaderMap;
use sha2::{Digest, Sha256};

/// The headers the sender's program writes, in the order they are hashed.
const IDENTIFYING_HEADERS: &[&str] = &[
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// The mail's identity: SHA-256, in hex, of its identifying headers (each
/// unfolded and trimmed) and its body with CRLF read as LF.
pub fn identity(raw: &[u8]) -> String {
    let mut hasher = Sha256::new();
    let body = match mailparse::parse_headers(raw) {
        Ok((headers, body_offset)) => {
            for name in IDENTIFYING_HEADERS {
                for header in headers.get_all_headers(name) {
                    hasher.update(name.to_ascii_lowercase().as_bytes());
                    hasher.update(b":");
                    hasher.update(unfolded(header.get_value_raw()).as_bytes());
                    hasher.update(b"\n");
                }
            }
            raw.get(body_offset..).unwrap_or_default()
        }
        // Headers that cannot be read: the whole mail is what identifies it.
        Err(_) => raw,
    };
    hasher.update(b"\n");
    for (index, line) in body.split(|b| *b == b'\n').enumerate() {
        if index > 0 {
            hasher.update(b"\n");
        }
        hasher.update(line.strip_suffix(b"\r").unwrap_or(line));
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A header value on one line, its folding whitespace made one space.
fn unfolded(value: &[u8]) -> String {
    String::from_utf8_lossy(value).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::identity;

    const MAIL: &str = "Received: from a by b; Mon, 30 Nov 2026 10:00:00 +0000\nFrom: jq@example.net\nTo: as-request@example.net\nSubject: AS request\nDate: Mon, 30 Nov 2026 09:59:00 +0000\n\naut-num: NEW\n";

    #[test]
    fn trace_headers_and_line_ends_do_not_change_the_identity() {
        let more_trace =
            format!("Received: from c by a; Mon, 30 Nov 2026 10:00:01 +0000\nDelivered-To: robot@example.net\n{MAIL}");
        assert_eq!(identity(MAIL.as_bytes()), identity(more_trace.as_bytes()));
        assert_eq!(identity(MAIL.as_bytes()), identity(MAIL.replace('\n', "\r\n").as_bytes()));
        let refolded = MAIL.replace("Subject: AS request", "Subject: AS\n  request");
        assert_eq!(identity(MAIL.as_bytes()), identity(refolded.as_bytes()));
    }

    #[test]
    fn what_the_sender_wrote_changes_it() {
        let base = identity(MAIL.as_bytes());
        for changed in [
            MAIL.replace("aut-num: NEW", "aut-num: AS64500"),
            MAIL.replace("jq@example.net", "jd@example.net"),
            MAIL.replace("09:59:00", "09:59:01"),
            MAIL.replace("Subject: AS request\n", "Subject: AS request\nMessage-ID: <x@example.net>\n"),
            MAIL.replace("Subject: AS request", "Subject: AS  request!"),
        ] {
            assert_ne!(identity(changed.as_bytes()), base, "{changed}");
        }
    }

    #[test]
    fn unreadable_headers_still_have_an_identity() {
        assert_eq!(identity(b"\xff\xfe not a mail").len(), 64);
    }
}
