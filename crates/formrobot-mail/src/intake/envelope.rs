//! The mbox `From ` line in front of a mail: its envelope sender.
//!
//! A mail handed over by a local delivery agent (Postfix's `pipe` with the `F`
//! flag, procmail) or saved from an mbox starts with a line such as
//! `From jo@example.net Thu Mar  7 12:56:28 2024`. It is not a header, but it
//! says who the mail came from on the envelope: where bounces go. Writers put
//! `MAILER-DAEMON` there for the null sender `<>`, the sender of bounces and
//! other automatic mail, which the robot must not answer. Some writers add
//! more such lines, escaped as `>From `, which belong to no header either.

/// The envelope sender of the first `From ` line (`Some("")` for the null
/// sender), and the mail after every leading `From `/`>From ` line.
pub fn split(raw: &[u8]) -> (Option<String>, &[u8]) {
    let mut rest = raw;
    let mut sender = None;
    while let Some(line_end) = leading_from_line(rest) {
        let line = String::from_utf8_lossy(&rest[..line_end]);
        if sender.is_none() && line.starts_with("From ") {
            let word = line["From ".len()..].split_whitespace().next().unwrap_or_default();
            let address = word.trim_start_matches('<').trim_end_matches('>');
            sender =
                Some(if address.eq_ignore_ascii_case("MAILER-DAEMON") { String::new() } else { address.to_owned() });
        }
        rest = &rest[line_end..];
    }
    (sender, rest)
}

/// The length of the first line, newline included, when it is a `From ` or `>From ` line.
fn leading_from_line(bytes: &[u8]) -> Option<usize> {
    if !(bytes.starts_with(b"From ") || bytes.starts_with(b">From ")) {
        return None;
    }
    Some(bytes.iter().position(|&byte| byte == b'\n').map_or(bytes.len(), |newline| newline + 1))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn mailer_daemon_is_the_null_sender() {
        let raw = b"From MAILER-DAEMON Thu Mar  7 12:56:28 2024\n>From jo@example.net Thu Mar 07 12:56:28 2024\nFrom: jo@example.net\n\nbody\n";
        let (sender, rest) = split(raw);
        assert_eq!(sender.as_deref(), Some(""));
        assert_eq!(rest, b"From: jo@example.net\n\nbody\n");
    }

    #[test]
    fn an_address_is_kept_and_a_mail_without_the_line_is_left_alone() {
        let (sender, rest) = split(b"From jo@example.net  Thu Jan  5 10:04:48 2018\r\nSubject: x\r\n\r\n");
        assert_eq!(sender.as_deref(), Some("jo@example.net"));
        assert_eq!(rest, b"Subject: x\r\n\r\n");
        let plain = b"From: jo@example.net\n\nFrom the desk of Jo\n";
        assert_eq!(split(plain), (None, &plain[..]));
    }
}
