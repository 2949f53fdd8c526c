//! OpenPGP cleartext signatures (RFC 4880, section 7): a text signed inline,
//! between `-----BEGIN PGP SIGNED MESSAGE-----` and its signature block.
//!
//! The signed text is taken out of its armour so that the form engine reads
//! the form and not the armour. Every armour line becomes an empty line, and a
//! dash-escaped line (`- ` in front) loses its escape, so that each line of
//! the form keeps its number: problems are reported at the line the person
//! sees in the mail they sent. The signature block is kept, for the
//! maintainer authentication that comes later.

const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";
/// The start of an encrypted OpenPGP message in a text part.
pub(crate) const BEGIN_MESSAGE: &str = "-----BEGIN PGP MESSAGE-----";

/// A text with its cleartext signature taken off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unarmoured {
    /// The text, armour lines emptied and dash-escapes undone, line for line.
    pub text: String,
    /// The signature block, armour lines included.
    pub signature: String,
}

/// A line without its line end and trailing blanks.
fn bare(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r']).trim_end()
}

/// Takes the first cleartext-signed message of `text` out of its armour, or
/// `None` when the text holds none (or only a broken one: no signature block).
pub fn unarmour(text: &str) -> Option<Unarmoured> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let begin = lines.iter().position(|line| bare(line) == BEGIN_SIGNED)?;
    let signature_start = begin + lines[begin..].iter().position(|line| bare(line) == BEGIN_SIGNATURE)?;
    let signature_end = signature_start
        + lines[signature_start..]
            .iter()
            .position(|line| bare(line) == END_SIGNATURE)
            .unwrap_or(lines.len() - signature_start - 1);

    let mut out = String::with_capacity(text.len());
    let mut signature = String::new();
    // The armour headers (Hash: ...) run from the BEGIN line to the first empty line.
    let mut in_headers = false;
    for (index, line) in lines.iter().enumerate() {
        let ending = &line[line.trim_end_matches(['\n', '\r']).len()..];
        let content = line.trim_end_matches(['\n', '\r']);
        if index == begin {
            in_headers = true;
            out.push_str(ending);
        } else if in_headers {
            in_headers = !content.trim().is_empty();
            out.push_str(ending);
        } else if (signature_start..=signature_end).contains(&index) {
            signature.push_str(line);
            out.push_str(ending);
        } else if index > begin && index < signature_start {
            // RFC 4880 7.1: a line starting with '-' is sent as "- " and that line.
            out.push_str(content.strip_prefix("- ").unwrap_or(content));
            out.push_str(ending);
        } else {
            out.push_str(line);
        }
    }
    Some(Unarmoured { text: out, signature })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_keeps_its_line_numbers() {
        let text = "Hello,\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n- --- CUT HERE ---\naut-num: NEW\n- --- CUT HERE ---\n-----BEGIN PGP SIGNATURE-----\n\niQEzBAEB\n=abcd\n-----END PGP SIGNATURE-----\nBye\n";
        let unarmoured = unarmour(text).expect("signed");
        assert_eq!(unarmoured.text, "Hello,\n\n\n\n--- CUT HERE ---\naut-num: NEW\n--- CUT HERE ---\n\n\n\n\n\nBye\n");
        assert_eq!(unarmoured.text.lines().count(), text.lines().count());
        assert!(unarmoured.signature.starts_with(BEGIN_SIGNATURE) && unarmoured.signature.contains("iQEzBAEB"));
        assert!(unarmoured.signature.trim_end().ends_with(END_SIGNATURE));
    }

    #[test]
    fn crlf_lines_stay_crlf() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA1\r\n\r\naut-num: NEW\r\n-----BEGIN PGP SIGNATURE-----\r\nx\r\n-----END PGP SIGNATURE-----\r\n";
        let unarmoured = unarmour(text).expect("signed");
        assert_eq!(unarmoured.text, "\r\n\r\n\r\naut-num: NEW\r\n\r\n\r\n\r\n");
    }

    #[test]
    fn text_without_a_signature_block_is_left_alone() {
        assert_eq!(unarmour("aut-num: NEW\n"), None);
        assert_eq!(unarmour("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\naut-num: NEW\n"), None);
    }
}
