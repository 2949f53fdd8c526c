//! A MIME part whose text follows its headers without the empty line between.
//!
//! RFC 2045 wants an empty line after a part's headers. Some mailers leave it
//! out, and a strict reader then takes the first lines of text for headers
//! and finds the part empty. A header line is a field name (printable ASCII
//! without spaces or a colon) followed by a colon, or a folded line starting
//! with a space or tab; the first line that is neither is where the text
//! begins, as widespread readers (Python's `email`, which IRRd uses) decide.

/// The part's bytes with the missing empty line put back before the first
/// line that cannot be a header, or `None` when its headers end as they should.
pub fn restored(part: &[u8]) -> Option<Vec<u8>> {
    let mut offset = 0;
    for line in part.split_inclusive(|&byte| byte == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.is_empty() {
            return None;
        }
        let folded = offset > 0 && matches!(content[0], b' ' | b'\t');
        if !folded && !is_header_line(content) {
            // Only a part that has headers at all can have lost their end.
            if offset == 0 {
                return None;
            }
            let newline: &[u8] = if part[..offset].ends_with(b"\r\n") { b"\r\n" } else { b"\n" };
            let mut repaired = Vec::with_capacity(part.len() + 2);
            repaired.extend_from_slice(&part[..offset]);
            repaired.extend_from_slice(newline);
            repaired.extend_from_slice(&part[offset..]);
            return Some(repaired);
        }
        offset += line.len();
    }
    None
}

/// `Name: value`, with a name of printable ASCII other than the colon (RFC 5322 section 2.2).
fn is_header_line(line: &[u8]) -> bool {
    match line.iter().position(|&byte| byte == b':') {
        Some(colon) if colon > 0 => line[..colon].iter().all(|&byte| byte.is_ascii_graphic()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::restored;

    #[test]
    fn text_right_under_the_headers_gets_its_empty_line_back() {
        let part = b"Content-Type: text/plain;\r\n    charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\nse font =\r\nvite\r\n";
        let repaired = restored(part).expect("the text starts at 'se font'");
        assert_eq!(
            repaired,
            b"Content-Type: text/plain;\r\n    charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nse font =\r\nvite\r\n"
        );
    }

    #[test]
    fn well_formed_parts_and_parts_without_headers_are_left_alone() {
        assert_eq!(restored(b"Content-Type: text/plain\n\nse font: vite\n"), None);
        assert_eq!(restored(b"just text\nmore\n"), None);
        assert_eq!(restored(b"Content-Type: text/plain\n"), None);
        assert_eq!(restored(b""), None);
    }
}
