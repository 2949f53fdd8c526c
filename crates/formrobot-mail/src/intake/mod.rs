//! Stage 1, intake: from the raw bytes of a mail to the text of a submission.
//!
//! The MIME tree is walked with mailparse. The submission is read from
//! `text/plain` parts: inline ones, forms sent as `.txt` attachments, the plain
//! half of `multipart/alternative`, the signed half of `multipart/signed`.
//! Transfer encodings and charsets are undone and `format=flowed` text is
//! un-flowed ([`flowed`]). Other attachments are kept, never parsed. HTML is
//! noted but never scraped. Whatever the bytes, reading them never panics: a
//! mail that cannot be read is described in [`Mail::problems`].

pub mod cleartext;
pub mod envelope;
pub mod flowed;
pub mod identity;
pub mod nesting;
#[cfg(test)]
mod properties;
pub mod separator;

use mailparse::{DispositionType, MailHeader, MailHeaderMap, ParsedMail};

/// The headers the robot decides with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// The first address of `From:`.
    pub from: Option<String>,
    /// The first address of `Reply-To:`.
    pub reply_to: Option<String>,
    /// `Return-Path:`, when present: `Some("")` for the null sender `<>`.
    pub return_path: Option<String>,
    /// `Subject:`, decoded, on one line.
    pub subject: String,
    /// `Message-ID:`, with its angle brackets.
    pub message_id: Option<String>,
    /// `References:` ids, in order.
    pub references: Vec<String>,
    /// `In-Reply-To:` ids, in order (usually one).
    pub in_reply_to: Vec<String>,
    /// `Auto-Submitted:`, lower case.
    pub auto_submitted: Option<String>,
    /// `Precedence:`, lower case.
    pub precedence: Option<String>,
    /// Whether a `List-Id:` header is present.
    pub list_id: bool,
    /// Whether a `List-Unsubscribe:` header is present (bulk mail, with or without `List-Id:`).
    pub list_unsubscribe: bool,
    /// Every `X-Loop:` value, lower case.
    pub x_loop: Vec<String>,
    /// The top-level content type, lower case (`multipart/mixed`).
    pub content_type: String,
}

impl Headers {
    /// An mbox `From ` line's sender stands for `Return-Path:` when the mail has none.
    fn take_envelope_sender(&mut self, sender: Option<String>) {
        if self.return_path.is_none() {
            self.return_path = sender;
        }
    }

    /// Where a reply goes: `Reply-To:`, else `From:`.
    pub fn reply_address(&self) -> Option<&str> {
        self.reply_to.as_deref().or(self.from.as_deref())
    }

    /// The mailboxes a reply to this mail counts against for the per-sender
    /// limit: the From's and the Reply-To's, each as [`mailbox`] writes it, so
    /// that neither letter case, nor a `+tag`, nor a rotated Reply-To escapes it.
    pub fn sender_mailboxes(&self) -> Vec<String> {
        let mut mailboxes: Vec<String> =
            [&self.from, &self.reply_to].into_iter().flatten().map(|address| mailbox(address)).collect();
        mailboxes.dedup();
        mailboxes
    }
}

/// An address in lower case without its `+tag`: `As-Request+x@Example.NET` is
/// `as-request@example.net`, the mailbox that receives both.
pub fn mailbox(address: &str) -> String {
    let address = address.to_ascii_lowercase();
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or_default()),
        None => address,
    }
}

/// A part of the mail kept for the ticket but not parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name, if it has one.
    pub filename: Option<String>,
    /// Its content type, lower case.
    pub content_type: String,
    /// Its decoded bytes.
    pub content: Vec<u8>,
}

/// A received mail as the robot understands it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mail {
    /// The deciding headers.
    pub headers: Headers,
    /// The text of every readable `text/plain` part, in order, separated by an empty line.
    pub text: Option<String>,
    /// The mail has HTML but no plain text.
    pub html_only: bool,
    /// The mail is a delivery status report (`multipart/report`).
    pub is_report: bool,
    /// The text was sent base64-encoded, which the forms ask people not to do.
    pub base64_text: bool,
    /// Parts kept but not parsed.
    pub attachments: Vec<Attachment>,
    /// What could not be read, in words for the sender.
    pub problems: Vec<String>,
    /// The mail (or a part of it) is encrypted: PGP/MIME, S/MIME enveloped
    /// data or an inline PGP message. The robot holds no key to read it.
    pub encrypted: bool,
    /// Inline PGP signature blocks taken off the text, for the maintainer
    /// authentication that comes later (they stay in the recorded raw mail).
    pub signatures: Vec<String>,
}

/// Reads only the header block: for mails too large to parse.
pub fn read_headers(raw: &[u8]) -> Headers {
    let (envelope_sender, raw) = envelope::split(raw);
    let mut headers = match mailparse::parse_headers(raw) {
        Ok((headers, _)) => deciding_headers(&headers, ""),
        Err(_) => Headers::default(),
    };
    headers.take_envelope_sender(envelope_sender);
    headers
}

/// Reads a whole mail. A mail whose parts nest too deeply
/// ([`nesting::structure_problem`]) is not parsed: its only problem says why.
pub fn read_mail(raw: &[u8]) -> Mail {
    // A parser bug must not take the robot down with it: a panic is one more unreadable mail.
    std::panic::catch_unwind(|| read_mail_unguarded(raw)).unwrap_or_else(|_| Mail {
        headers: read_headers_guarded(raw),
        problems: vec!["the mail's structure could not be read".to_owned()],
        ..Mail::default()
    })
}

fn read_headers_guarded(raw: &[u8]) -> Headers {
    std::panic::catch_unwind(|| read_headers(raw)).unwrap_or_default()
}

fn read_mail_unguarded(raw: &[u8]) -> Mail {
    let (envelope_sender, raw) = envelope::split(raw);
    let mut mail = read_message(raw);
    mail.headers.take_envelope_sender(envelope_sender);
    mail
}

/// Reads a mail that starts with its headers.
fn read_message(raw: &[u8]) -> Mail {
    // mailparse recurses once per nested part: too deep a mail would overflow the stack, which no guard catches.
    if let Some(problem) = nesting::structure_problem(raw) {
        return Mail { headers: read_headers(raw), problems: vec![problem], ..Mail::default() };
    }
    let parsed = match mailparse::parse_mail(raw) {
        Ok(parsed) => parsed,
        Err(error) => {
            return Mail {
                headers: read_headers(raw),
                problems: vec![format!("the mail is not well-formed MIME ({error})")],
                ..Mail::default()
            };
        }
    };
    let mut mail = Mail { headers: deciding_headers(&parsed.headers, &parsed.ctype.mimetype), ..Mail::default() };
    let mut texts = Vec::new();
    let mut saw_html = false;
    walk(&parsed, &mut mail, &mut texts, &mut saw_html);
    if texts.is_empty() {
        mail.html_only = saw_html;
        if !saw_html && parsed.ctype.mimetype.starts_with("multipart/") && parsed.subparts.is_empty() {
            mail.problems.push(format!(
                "the mail says it is {} but none of its parts could be found (is the MIME boundary right?)",
                parsed.ctype.mimetype
            ));
        }
    } else {
        mail.text = Some(texts.join("\n\n"));
    }
    mail
}

fn walk(part: &ParsedMail<'_>, mail: &mut Mail, texts: &mut Vec<String>, saw_html: &mut bool) {
    let mimetype = effective_mimetype(&part.ctype.mimetype);
    match mimetype.as_str() {
        "multipart/report" => mail.is_report = true,
        "multipart/alternative" => {
            // The plain alternative is the form; HTML is never scraped.
            match part.subparts.iter().find(|p| p.ctype.mimetype.eq_ignore_ascii_case("text/plain")) {
                Some(plain) => walk(plain, mail, texts, saw_html),
                None => {
                    for sub in &part.subparts {
                        walk(sub, mail, texts, saw_html);
                    }
                }
            }
        }
        "multipart/signed" => {
            // The first part is what was signed; the second is the signature.
            if let Some(signed) = part.subparts.first() {
                walk(signed, mail, texts, saw_html);
            }
        }
        "multipart/encrypted" => {
            mail.encrypted = true;
            for sub in &part.subparts {
                walk(sub, mail, texts, saw_html);
            }
        }
        "application/pkcs7-mime" | "application/x-pkcs7-mime" if !is_smime_signed_data(part) => {
            mail.encrypted = true;
            keep(part, mail, mimetype);
        }
        m if m.starts_with("multipart/") => {
            for sub in &part.subparts {
                walk(sub, mail, texts, saw_html);
            }
        }
        "text/plain" if is_readable_text(part) => {
            if is_base64(part) {
                mail.base64_text = true;
            }
            let text = decoded_text(part);
            if text.contains(cleartext::BEGIN_MESSAGE) {
                mail.encrypted = true;
            }
            match cleartext::unarmour(&text) {
                Some(unarmoured) => {
                    texts.push(unarmoured.text);
                    mail.signatures.extend(unarmoured.signatures);
                }
                None => texts.push(text),
            }
        }
        "text/html" if !is_attachment(part) => *saw_html = true,
        _ => keep(part, mail, mimetype),
    }
}

/// Keeps a part with the mail, unread.
fn keep(part: &ParsedMail<'_>, mail: &mut Mail, mimetype: String) {
    mail.attachments.push(Attachment {
        filename: filename(part),
        content_type: mimetype,
        content: part.get_body_raw().unwrap_or_default(),
    });
}

/// S/MIME's opaque signed data (`smime-type=signed-data`) is signed, not
/// encrypted; every other `pkcs7-mime` part is enveloped (encrypted) data.
fn is_smime_signed_data(part: &ParsedMail<'_>) -> bool {
    part.ctype.params.get("smime-type").is_some_and(|t| t.trim().eq_ignore_ascii_case("signed-data"))
}

/// The content type, lower case; a syntactically invalid one (`text`, `text/`,
/// `/plain`) counts as `text/plain`, as RFC 2045 section 5.2 says.
fn effective_mimetype(declared: &str) -> String {
    let lower = declared.trim().to_ascii_lowercase();
    match lower.split_once('/') {
        Some((kind, subtype)) if !kind.is_empty() && !subtype.is_empty() => lower,
        _ => "text/plain".to_owned(),
    }
}

fn is_attachment(part: &ParsedMail<'_>) -> bool {
    part.get_content_disposition().disposition == DispositionType::Attachment
}

/// Inline plain text, or a plain-text attachment that is a `.txt` file (or has no name).
fn is_readable_text(part: &ParsedMail<'_>) -> bool {
    if !is_attachment(part) {
        return true;
    }
    filename(part).is_none_or(|name| name.to_ascii_lowercase().ends_with(".txt"))
}

fn filename(part: &ParsedMail<'_>) -> Option<String> {
    let disposition = part.get_content_disposition();
    disposition.params.get("filename").or_else(|| part.ctype.params.get("name")).cloned()
}

fn is_base64(part: &ParsedMail<'_>) -> bool {
    part.headers
        .get_first_value("Content-Transfer-Encoding")
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("base64"))
}

/// The part's text, transfer encoding and charset undone, format=flowed un-flowed.
fn decoded_text(part: &ParsedMail<'_>) -> String {
    // Text that lost the empty line after its headers was read as headers, leaving the part empty.
    if part.get_body_raw().is_ok_and(|body| body.is_empty()) {
        if let Some(repaired) = separator::restored(part.raw_bytes) {
            if let Ok(reparsed) = mailparse::parse_mail(&repaired) {
                return decoded_text(&reparsed);
            }
        }
    }
    let param = |name: &str| part.ctype.params.get(name).map(|v| v.trim().to_ascii_lowercase());
    let raw_text = || formrobot_engine::check::decode_bytes(&part.get_body_raw().unwrap_or_default());
    // 8-bit text said to be ASCII, or in no charset at all, is not ASCII: read it as UTF-8 when it is
    // that (what mailers send today), else byte for byte, rather than through a Windows code page.
    let ascii_claimed = matches!(param("charset").as_deref(), None | Some("us-ascii" | "ascii"));
    let text = if ascii_claimed && part.get_body_raw().is_ok_and(|bytes| !bytes.is_ascii()) {
        raw_text()
    } else {
        part.get_body().unwrap_or_else(|_| raw_text())
    };
    if param("format").as_deref() == Some("flowed") {
        flowed::unflow(&text, param("delsp").as_deref() == Some("yes"))
    } else {
        text
    }
}

fn deciding_headers(headers: &[MailHeader<'_>], mimetype: &str) -> Headers {
    let first = |name: &str| headers.get_first_value(name).map(|v| one_line(&v));
    let lower = |name: &str| first(name).map(|v| v.trim().to_ascii_lowercase());
    Headers {
        from: first_address(headers, "From"),
        reply_to: first_address(headers, "Reply-To"),
        return_path: first("Return-Path")
            .map(|v| v.trim().trim_start_matches('<').trim_end_matches('>').trim().to_owned()),
        subject: first("Subject").unwrap_or_default(),
        message_id: first("Message-ID").map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
        references: first("References").map(|v| v.split_whitespace().map(str::to_owned).collect()).unwrap_or_default(),
        in_reply_to: first("In-Reply-To")
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        auto_submitted: lower("Auto-Submitted"),
        precedence: lower("Precedence"),
        list_id: headers.get_first_header("List-Id").is_some(),
        list_unsubscribe: headers.get_first_header("List-Unsubscribe").is_some(),
        x_loop: headers.get_all_values("X-Loop").iter().map(|v| v.trim().to_ascii_lowercase()).collect(),
        content_type: mimetype.to_ascii_lowercase(),
    }
}

fn first_address(headers: &[MailHeader<'_>], name: &str) -> Option<String> {
    let header = headers.get_first_header(name)?;
    let addresses = mailparse::addrparse_header(header).ok()?;
    addresses
        .iter()
        .find_map(|address| match address {
            mailparse::MailAddr::Single(single) => Some(single.addr.trim().to_owned()),
            mailparse::MailAddr::Group(group) => group.addrs.first().map(|single| single.addr.trim().to_owned()),
        })
        // Replies go to plain-ASCII addresses only: 8-bit bytes never reach a header.
        .filter(|address| address.contains('@') && address.bytes().all(|b| b.is_ascii_graphic()))
}

/// Folds a header value onto one line without control characters, so it can be quoted safely.
fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_mail_is_noticed_in_each_of_its_shapes() {
        let smime = "From: jo@example.net\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n";
        assert!(read_mail(smime.as_bytes()).encrypted);
        let opaque_signed = smime.replace("enveloped-data", "signed-data");
        assert!(!read_mail(opaque_signed.as_bytes()).encrypted);
        let inline =
            "From: jo@example.net\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA\r\n-----END PGP MESSAGE-----\r\n";
        assert!(read_mail(inline.as_bytes()).encrypted);
        let signed = "From: jo@example.net\r\n\r\n-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\naut-num: NEW\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\niQ\r\n-----END PGP SIGNATURE-----\r\n";
        let mail = read_mail(signed.as_bytes());
        assert!(!mail.encrypted);
        assert_eq!(mail.text.as_deref(), Some("\r\n\r\n\r\naut-num: NEW\r\n\r\n\r\n\r\n\r\n"));
        assert_eq!(mail.signatures.len(), 1);
    }

    #[test]
    fn an_invalid_content_type_is_read_as_plain_text() {
        for declared in ["text", "text/", "/plain", "garbage"] {
            let raw =
                format!("From: jo@example.net\r\nSubject: AS\r\nContent-Type: {declared}\r\n\r\naut-num: NEW\r\n");
            let mail = read_mail(raw.as_bytes());
            assert_eq!(mail.text.as_deref(), Some("aut-num: NEW\r\n"), "Content-Type: {declared}");
            assert!(mail.attachments.is_empty(), "Content-Type: {declared}");
        }
        // A valid type that is not text stays an attachment.
        let raw = "From: jo@example.net\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n";
        assert_eq!(read_mail(raw.as_bytes()).text, None);
    }

    #[test]
    fn reads_a_plain_mail() {
        let mail =
            read_mail(b"From: Jo Doe <jo@example.net>\r\nSubject: AS\r\nMessage-ID: <1@x>\r\n\r\naut-num: NEW\r\n");
        assert_eq!(mail.headers.from.as_deref(), Some("jo@example.net"));
        assert_eq!(mail.headers.message_id.as_deref(), Some("<1@x>"));
        assert_eq!(mail.text.as_deref(), Some("aut-num: NEW\r\n"));
        assert!(mail.problems.is_empty());
    }

    #[test]
    fn prefers_the_plain_alternative_and_keeps_attachments() {
        let raw = b"From: a@example.net\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: multipart/alternative; boundary=Y\n\n--Y\nContent-Type: text/plain\n\nform\n--Y\nContent-Type: text/html\n\n<p>form</p>\n--Y--\n--X\nContent-Type: application/pdf; name=c.pdf\nContent-Transfer-Encoding: base64\n\nJVBERg==\n--X--\n";
        let mail = read_mail(raw);
        assert_eq!(mail.text.as_deref().map(str::trim), Some("form"));
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].filename.as_deref(), Some("c.pdf"));
        assert_eq!(mail.attachments[0].content, b"%PDF");
    }

    #[test]
    fn notes_html_only_and_base64() {
        let html = read_mail(b"From: a@example.net\nContent-Type: text/html\n\n<p>hi</p>\n");
        assert!(html.html_only && html.text.is_none());
        let b64 = read_mail(
            b"From: a@example.net\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nYXV0LW51bTogTkVX\n",
        );
        assert!(b64.base64_text);
        assert_eq!(b64.text.as_deref(), Some("aut-num: NEW"));
    }

    #[test]
    fn reads_the_signed_part_of_a_signed_mail() {
        let raw = b"From: a@example.net\nContent-Type: multipart/signed; boundary=S; protocol=\"application/pgp-signature\"\n\n--S\nContent-Type: text/plain\n\nsigned form\n--S\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n--S--\n";
        let mail = read_mail(raw);
        assert_eq!(mail.text.as_deref().map(str::trim), Some("signed form"));
        assert!(mail.attachments.is_empty(), "the signature is neither text nor kept");
    }

    #[test]
    fn reply_goes_to_reply_to_first() {
        let mail = read_mail(b"From: a@example.net\nReply-To: \"Desk\" <desk@example.org>\n\nx\n");
        assert_eq!(mail.headers.reply_address(), Some("desk@example.org"));
    }

    #[test]
    fn a_sender_counts_by_mailbox_whatever_the_case_and_tag() {
        let mail = read_mail(b"From: Eager+Two@Example.ORG\nReply-To: desk+7@example.net\n\nx\n");
        assert_eq!(mail.headers.sender_mailboxes(), ["eager@example.org", "desk@example.net"]);
        let same = read_mail(b"From: eager@example.org\nReply-To: EAGER+x@example.org\n\nx\n");
        assert_eq!(same.headers.sender_mailboxes(), ["eager@example.org"]);
    }

    #[test]
    fn hostile_headers_are_flattened() {
        let mail = read_mail(b"From: a@example.net\nSubject: =?utf-8?B?!!!?= one\r\n two\x07\n\nx\n");
        assert!(!mail.headers.subject.chars().any(char::is_control), "{:?}", mail.headers.subject);
    }

    #[test]
    fn a_missing_boundary_is_a_problem_not_a_panic() {
        let mail = read_mail(b"From: a@example.net\nContent-Type: multipart/mixed; boundary=NOPE\n\nno parts here\n");
        assert!(mail.text.is_none());
        assert_eq!(mail.problems.len(), 1, "{:?}", mail);
    }
}
