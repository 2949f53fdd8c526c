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
    /// Each signature block, armour lines included, in order.
    pub signatures: Vec<String>,
}

/// The most signed blocks taken out of one text; each pass reads the whole
/// text, so a bound keeps a text of many tiny blocks from costing n squared.
/// Blocks past it stay as they are and are reported like any other text.
const MAX_SIGNED_BLOCKS: usize = 50;

/// A line without its line end and trailing blanks.
fn bare(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r']).trim_end()
}

/// Takes every cleartext-signed message of `text` out of its armour (people
/// paste several signed objects into one mail), or `None` when the text
/// holds none (or only a broken one: no signature block).
pub fn unarmour(text: &str) -> Option<Unarmoured> {
    let (mut text, first) = unarmour_first(text)?;
    let mut signatures = vec![first];
    while signatures.len() < MAX_SIGNED_BLOCKS {
        let Some((rest, signature)) = unarmour_first(&text) else { break };
        text = rest;
        signatures.push(signature);
    }
    Some(Unarmoured { text, signatures })
}

/// Whether `bytes` may hold a cleartext-signed message: one fast search for
/// the line that starts one. Where it says no, [`unarmour`] finds nothing;
/// the search can run apart from (and at once with) the rest of the reading.
pub fn may_hold_signed_message(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, BEGIN_SIGNED.as_bytes()).is_some()
}

/// Takes the first signed message out of its armour: the text and its signature block.
fn unarmour_first(text: &str) -> Option<(String, String)> {
    // One fast scan for the usual text, which is not signed inline, before any line is split off.
    if !may_hold_signed_message(text.as_bytes()) {
        return None;
    }
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
    Some((out, signature))
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
        let [signature] = &unarmoured.signatures[..] else { panic!("one signature: {:?}", unarmoured.signatures) };
        assert!(signature.starts_with(BEGIN_SIGNATURE) && signature.contains("iQEzBAEB"));
        assert!(signature.trim_end().ends_with(END_SIGNATURE));
    }

    #[test]
    fn every_signed_block_is_taken_out() {
        let block = |body: &str, key: &str| {
            format!("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n{body}\n-----BEGIN PGP SIGNATURE-----\n{key}\n-----END PGP SIGNATURE-----\n")
        };
        let text = format!("{}\n{}", block("person: Jo Doe", "AAAA"), block("aut-num: NEW", "BBBB"));
        let unarmoured = unarmour(&text).expect("signed");
        assert_eq!(unarmoured.text, "\n\n\nperson: Jo Doe\n\n\n\n\n\n\n\naut-num: NEW\n\n\n\n");
        assert_eq!(unarmoured.signatures.len(), 2);
        assert!(unarmoured.signatures[1].contains("BBBB"));
        // Past the bound, blocks are left as they are.
        let many: String = (0..MAX_SIGNED_BLOCKS + 3).map(|_| block("x: y", "K")).collect();
        let unarmoured = unarmour(&many).expect("signed");
        assert_eq!(unarmoured.signatures.len(), MAX_SIGNED_BLOCKS);
        assert_eq!(unarmoured.text.matches(BEGIN_SIGNED).count(), 3);
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
