//! Stage 2, decide: what kind of mail this is, and whether it is answered.
//!
//! A robot that answers robots loops forever, so every sign of an automatic
//! mail (bounces, auto-replies, list traffic, our own replies coming back)
//! means silence. Everything else gets an answer: help, a refusal that says
//! why, or the verdict on the form.

use crate::intake::{self, Headers, Mail};

/// Why a mail is refused with a reply instead of being read as a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Larger than the configured limit; not parsed.
    TooLarge {
        /// The mail's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// HTML with no plain-text part.
    HtmlOnly,
    /// The MIME structure could not be read.
    Unreadable(Vec<String>),
    /// Encrypted (PGP or S/MIME), which the robot cannot read.
    Encrypted,
}

/// What to do with a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Record and log it, answer nothing.
    Ignore(String),
    /// Answer with a refusal.
    Refuse(Refusal),
    /// Answer with the blank forms and a guide.
    Help,
    /// Read it as a form.
    Submission,
}

/// Decides what a mail is.
pub fn decide(mail: &Mail, robot_address: &str) -> Decision {
    if let Some(reason) = ignore_reason(&mail.headers, robot_address) {
        return Decision::Ignore(reason);
    }
    if mail.is_report {
        return Decision::Ignore("a delivery status report (multipart/report)".into());
    }
    if mail.encrypted {
        return Decision::Refuse(Refusal::Encrypted);
    }
    if mail.html_only {
        return Decision::Refuse(Refusal::HtmlOnly);
    }
    let body_is_empty = mail.text.as_deref().is_none_or(|t| t.trim().is_empty());
    if !mail.problems.is_empty() && body_is_empty {
        return Decision::Refuse(Refusal::Unreadable(mail.problems.clone()));
    }
    if mail.headers.subject.trim().eq_ignore_ascii_case("help") || (body_is_empty && mail.attachments.is_empty()) {
        return Decision::Help;
    }
    Decision::Submission
}

/// Why a mail must not be answered, judged from its headers alone (so that
/// it works for mails too large to parse), or `None` if it may be.
pub fn ignore_reason(headers: &Headers, robot_address: &str) -> Option<String> {
    let robot = robot_address.to_ascii_lowercase();
    let Some(reply_to) = headers.reply_address() else {
        return Some("no sender address to reply to".into());
    };
    let reply_to = reply_to.to_ascii_lowercase();
    if let Some(why) = undeliverable(&reply_to) {
        return Some(format!("the sender's address {reply_to} cannot receive mail ({why})"));
    }
    let robot_mailbox = intake::mailbox(&robot);
    let is_robot = |address: &str| intake::mailbox(address) == robot_mailbox;
    if is_robot(&reply_to) || headers.from.as_deref().is_some_and(is_robot) {
        return Some(format!("sent from the robot's own address {robot}"));
    }
    if headers.x_loop.iter().any(|value| value.contains(&robot)) {
        return Some("one of the robot's own replies came back (X-Loop)".into());
    }
    // RFC 3834: anything but "no" (with or without a comment) is automatic.
    if let Some(auto) = headers.auto_submitted.as_deref() {
        let keyword = auto.split(|c: char| c == ';' || c == '(' || c.is_whitespace()).next().unwrap_or_default();
        if keyword != "no" {
            return Some(format!("an automatic mail (Auto-Submitted: {auto})"));
        }
    }
    if let Some(precedence) = headers.precedence.as_deref().filter(|p| matches!(*p, "bulk" | "junk" | "list")) {
        return Some(format!("a bulk or list mail (Precedence: {precedence})"));
    }
    if headers.list_id {
        return Some("a mailing list mail (List-Id)".into());
    }
    if headers.list_unsubscribe {
        return Some("a mailing list or bulk mail (List-Unsubscribe)".into());
    }
    if headers.content_type == "multipart/report" {
        return Some("a delivery status report (multipart/report)".into());
    }
    if headers.return_path.as_deref() == Some("") {
        return Some("the return path is empty (<>), as for bounces".into());
    }
    for address in [Some(reply_to.as_str()), headers.from.as_deref()].into_iter().flatten() {
        if is_automatic_sender(address) {
            return Some(format!("sent by {address}, an address that does not read replies"));
        }
    }
    if let Some(path) = headers.return_path.as_deref().filter(|path| is_automatic_sender(path)) {
        return Some(format!("the return path {path} is an address that does not read replies"));
    }
    None
}

/// Why a reply to `address` could never be delivered: no domain, a domain
/// without a dot (a host name of the sender's own network) or `localhost`.
fn undeliverable(address: &str) -> Option<&'static str> {
    let Some((_, domain)) = address.rsplit_once('@') else { return Some("it has no domain") };
    let domain = domain.trim_end_matches('.');
    if domain.is_empty() {
        Some("it has no domain")
    } else if domain == "localhost" || domain.ends_with(".localhost") {
        Some("its domain is localhost")
    } else if !domain.contains('.') {
        Some("its domain has no dot, so it is a local host name")
    } else {
        None
    }
}

/// An address that never reads replies: daemons, postmasters, no-reply
/// addresses and the owner and request addresses of mailing lists.
fn is_automatic_sender(address: &str) -> bool {
    let local_part = address.rsplit_once('@').map_or(address, |(local, _)| local).to_ascii_lowercase();
    let local_part = local_part.split('+').next().unwrap_or_default();
    matches!(local_part, "mailer-daemon" | "postmaster" | "noreply" | "no-reply" | "do-not-reply")
        || local_part.starts_with("owner-")
        || local_part.ends_with("-request")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::read_mail;

    const ROBOT: &str = "as-request@example.net";

    fn decide_raw(raw: &str) -> Decision {
        decide(&read_mail(raw.as_bytes()), ROBOT)
    }

    #[test]
    fn senders_that_cannot_receive_mail_are_not_answered() {
        for (from, why) in
            [("root@localhost", "localhost"), ("jo@mail.localhost", "localhost"), ("jo@intranet", "no dot")]
        {
            let decision = decide_raw(&format!("From: {from}\nSubject: AS\n\naut-num: NEW\n"));
            assert!(
                matches!(&decision, Decision::Ignore(reason) if reason.contains("cannot receive mail") && reason.contains(why)),
                "{from}: {decision:?}"
            );
        }
        // Without a domain the address is not even read as one: nobody to answer either.
        for from in ["jo", "jo@"] {
            let decision = decide_raw(&format!("From: {from}\nSubject: AS\n\naut-num: NEW\n"));
            assert!(matches!(decision, Decision::Ignore(_)), "{from}: {decision:?}");
        }
        assert_eq!(decide_raw("From: jo@example.net\nSubject: AS\n\naut-num: NEW\n"), Decision::Submission);
    }

    #[test]
    fn automatic_mail_is_ignored() {
        for raw in [
            "From: a@example.org\nAuto-Submitted: auto-replied\n\nOut of office\n",
            "From: a@example.org\nPrecedence: bulk\n\nx\n",
            "From: a@example.org\nPrecedence: junk\n\nx\n",
            "From: a@example.org\nList-Id: <ops.example.org>\n\nx\n",
            "From: a@example.org\nX-Loop: as-request@example.net\n\nx\n",
            "From: AS-Request@Example.net\n\nx\n",
            "From: MAILER-DAEMON@mx.example.org\n\nx\n",
            "From: postmaster@example.org\n\nx\n",
            "Return-Path: <>\nFrom: a@example.org\n\nx\n",
            "From: a@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: text/plain\n\nfailed\n--B--\n",
            "Subject: no sender\n\nx\n",
        ] {
            assert!(matches!(decide_raw(raw), Decision::Ignore(_)), "{raw}");
        }
    }

    #[test]
    fn loop_signs_answered_before_issue_10_are_ignored() {
        for raw in [
            "From: MAILER-DAEMON@mx.example.org\nReply-To: jo@example.org\n\nx\n",
            "From: owner-ops@lists.example.org\n\nx\n",
            "From: ops-request@lists.example.org\n\nx\n",
            "From: jo@example.org\nReply-To: owner-ops@lists.example.org\n\nx\n",
            "Return-Path: <MAILER-DAEMON@mx.example.org>\nFrom: jo@example.org\n\nx\n",
            "From: jo@example.org\nAuto-Submitted: notification\n\nx\n",
            "From: jo@example.org\nAuto-Submitted: no-thanks\n\nx\n",
            "From: jo@example.org\nList-Unsubscribe: <mailto:leave@lists.example.org>\n\nx\n",
            "From: jo@example.org\nReply-To: as-request+loop@example.net\n\nx\n",
            "From: AS-Request+x@EXAMPLE.net\n\nx\n",
        ] {
            assert!(matches!(decide_raw(raw), Decision::Ignore(_)), "{raw}");
        }
        assert_eq!(
            decide_raw("From: a@example.org\nAuto-Submitted: No (a person wrote this)\n\naut-num: NEW\n"),
            Decision::Submission
        );
    }

    #[test]
    fn auto_submitted_no_is_a_person() {
        assert_eq!(decide_raw("From: a@example.org\nAuto-Submitted: no\n\naut-num: NEW\n"), Decision::Submission);
    }

    #[test]
    fn help_by_subject_or_empty_body() {
        assert_eq!(decide_raw("From: a@example.org\nSubject:  HELP \n\nplease\n"), Decision::Help);
        assert_eq!(decide_raw("From: a@example.org\nSubject: AS request\n\n  \n"), Decision::Help);
    }

    #[test]
    fn html_only_and_unreadable_mail_are_refused() {
        assert_eq!(
            decide_raw("From: a@example.org\nContent-Type: text/html\n\n<p>x</p>\n"),
            Decision::Refuse(Refusal::HtmlOnly)
        );
        let broken = decide_raw("From: a@example.org\nContent-Type: multipart/mixed; boundary=NOPE\n\nx\n");
        assert!(matches!(broken, Decision::Refuse(Refusal::Unreadable(_))), "{broken:?}");
    }
}
