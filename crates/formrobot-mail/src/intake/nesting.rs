//! How deep a mail's MIME parts nest, measured on the raw bytes BEFORE mailparse.
//!
//! mailparse reads nested `multipart/*` parts by recursion, and each level
//! scans the whole of its part again: 40,000 nested parts overflow the stack
//! (an abort that `catch_unwind` cannot catch) and a few thousand take time
//! that grows with the square of the mail. Mail servers stop at a fixed
//! depth, and so does the robot: [`structure_problem`] walks the lines once,
//! keeping a stack of the open boundaries, and names the problem when the
//! parts nest deeper than [`MAX_NESTING`] or a boundary is longer than MIME
//! allows. Such a mail is never handed to mailparse.
//!
//! The walk follows mailparse's own reading: a part's headers start on the
//! line after a boundary line (a line that starts with `--` and the
//! boundary; an outer boundary ends every part inside it), the first empty
//! line ends them, and a `Content-Type: multipart/...` header with a
//! `boundary` parameter opens one more level when its part has a body. When
//! a boundary is written in a way the walk does not follow exactly (encoded
//! words, RFC 2231 continuations, 8-bit bytes), it falls back to an upper
//! bound that holds whatever mailparse makes of it: parts cannot nest deeper
//! than the number of `Content-Type` header lines in the whole mail.

/// The deepest nesting of `multipart/*` parts read; deeper mail is refused as unreadable.
pub const MAX_NESTING: usize = 50;

/// The most MIME parts a mail may have. A mail program sends a handful; the
/// parser keeps a record of every part, so a mail of a million empty parts
/// (one boundary line each) would cost forty times its size in memory.
pub const MAX_PARTS: usize = 10_000;

/// The longest MIME boundary read (RFC 2046 allows 70 characters).
pub const MAX_BOUNDARY: usize = 70;

/// The longest folded `Content-Type` header looked into; a longer one counts as not understood.
const MAX_CONTENT_TYPE: usize = 4096;

/// A boundary as the walk knows it: its bytes, or `None` when it could not be read exactly.
type Boundary = Option<Vec<u8>>;

/// Why the mail's MIME structure is not handed to the parser, in words for
/// the sender, or `None` when it nests at most [`MAX_NESTING`] levels deep.
pub fn structure_problem(raw: &[u8]) -> Option<String> {
    match depth_bound(raw) {
        Ok(depth) => (depth > MAX_NESTING).then(too_deep),
        Err(problem) => Some(problem),
    }
}

/// An upper bound of the nesting depth mailparse would reach, or the problem
/// that stopped the walk (deeper than [`MAX_NESTING`], a boundary too long).
fn depth_bound(raw: &[u8]) -> Result<usize, String> {
    let mut walk = Walk { in_headers: true, ..Walk::default() };
    for line in raw.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(problem) = walk.line(line) {
            return Err(problem);
        }
    }
    Ok(if walk.uncertain { walk.depth.max(walk.content_type_lines) } else { walk.depth })
}

fn too_deep() -> String {
    format!(
        "the mail's MIME parts are nested more than {MAX_NESTING} levels deep, more than this robot reads \
         (a mail program nests them two or three levels deep)"
    )
}

#[derive(Default)]
struct Walk {
    /// The boundaries of the open multipart parts, outermost first, and
    /// whether the first boundary line of each has been seen.
    open: Vec<(Boundary, bool)>,
    /// Whether the current line is in a header block (the mail's own, or a part's).
    in_headers: bool,
    /// The header block seen so far has a multipart Content-Type with this boundary.
    pending: Option<Boundary>,
    /// The Content-Type header being read (with its continuation lines), if any.
    content_type: Option<Vec<u8>>,
    /// The deepest nesting seen.
    depth: usize,
    /// `Content-Type` header lines anywhere in the mail: the bound when `uncertain`.
    content_type_lines: usize,
    /// A boundary could not be read exactly.
    uncertain: bool,
    /// The parts opened so far, at any level.
    parts: usize,
}

impl Walk {
    fn line(&mut self, line: &[u8]) -> Option<String> {
        if is_content_type(line) {
            self.content_type_lines += 1;
        }
        // A boundary line of an open part: the outermost one that matches wins, as in mailparse.
        if line.starts_with(b"--") {
            let rest = &line[2..];
            let matched = self.open.iter().position(|(b, _)| b.as_deref().is_some_and(|b| rest.starts_with(b)));
            if let Some(level) = matched {
                let length = self.open[level].0.as_ref().map_or(0, Vec::len);
                // mailparse reads the first boundary line of a part as an opening one, even `--b--`.
                let first = !std::mem::replace(&mut self.open[level].1, true);
                self.finish_content_type();
                self.pending = None;
                if !first && rest[length..].starts_with(b"--") {
                    // The closing boundary: what follows is that part's epilogue.
                    self.open.truncate(level);
                    self.in_headers = false;
                } else {
                    self.open.truncate(level + 1);
                    self.in_headers = true;
                    self.parts += 1;
                    if self.parts > MAX_PARTS {
                        return Some(format!(
                            "the mail has more than {MAX_PARTS} MIME parts, more than this robot reads \
                             (a mail program sends a handful)"
                        ));
                    }
                }
                return None;
            }
        }
        if !self.in_headers {
            return None;
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if let Some(value) = self.content_type.as_mut() {
                value.extend_from_slice(line);
                if value.len() > MAX_CONTENT_TYPE {
                    self.uncertain = true;
                    value.truncate(MAX_CONTENT_TYPE);
                }
            }
            return None;
        }
        self.finish_content_type();
        if line.is_empty() {
            self.in_headers = false;
            if let Some(boundary) = self.pending.take() {
                if let Some(bytes) = &boundary {
                    if bytes.len() > MAX_BOUNDARY {
                        return Some(format!(
                            "a MIME boundary in the mail is {} characters long, more than the {MAX_BOUNDARY} that MIME allows",
                            bytes.len()
                        ));
                    }
                }
                self.open.push((boundary, false));
                self.depth = self.depth.max(self.open.len());
                if self.depth > MAX_NESTING {
                    return Some(too_deep());
                }
            }
        } else if line.len() > 13 && line[..13].eq_ignore_ascii_case(b"content-type:") {
            // Exactly as mailparse names the header it reads (no space before the colon).
            let value = line.iter().position(|b| *b == b':').map_or(&[][..], |colon| &line[colon + 1..]);
            self.content_type = Some(value.iter().take(MAX_CONTENT_TYPE).copied().collect());
        }
        None
    }

    /// Reads the Content-Type header just ended: a multipart one opens a level at the end of the headers.
    fn finish_content_type(&mut self) {
        let Some(value) = self.content_type.take() else { return };
        let understood = value.is_ascii() && !value.windows(2).any(|w| w == b"=?");
        let Ok(text) = std::str::from_utf8(&value) else {
            self.uncertain = true;
            self.pending = Some(None);
            return;
        };
        if !understood {
            self.uncertain = true;
            if self.pending.is_none() {
                self.pending = Some(None);
            }
            return;
        }
        let mut tokens = text.split(';');
        let mimetype = tokens.next().unwrap_or_default().trim().to_ascii_lowercase();
        if !mimetype.starts_with("multipart/") {
            return;
        }
        let mut boundary: Option<Boundary> = None;
        for token in tokens {
            let Some((key, value)) = token.split_once('=') else { continue };
            let key = key.trim().to_ascii_lowercase();
            if key == "boundary" {
                let value = value.trim();
                let value = if value.len() > 1 && value.starts_with('"') && value.ends_with('"') {
                    &value[1..value.len() - 1]
                } else {
                    value
                };
                boundary = Some(Some(value.as_bytes().to_vec()));
            } else if key.starts_with("boundary*") {
                self.uncertain = true;
                boundary = boundary.or(Some(None));
            }
        }
        if let Some(boundary) = boundary {
            if self.pending.is_none() {
                self.pending = Some(boundary);
            }
        }
    }
}

/// A `Content-Type:` header line (its name in any case, blanks allowed before
/// the colon): counted for the fallback bound, so it errs on the side of more.
fn is_content_type(line: &[u8]) -> bool {
    const NAME: &[u8] = b"content-type";
    line.len() > NAME.len()
        && line[..NAME.len()].eq_ignore_ascii_case(NAME)
        && line[NAME.len()..].iter().find(|b| **b != b' ' && **b != b'\t') == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_mail_of_too_many_parts_is_not_parsed() {
        let mail = |parts: usize| {
            let mut raw = b"From: a@example.org\nContent-Type: multipart/mixed; boundary=\"b\"\n\n".to_vec();
            for _ in 0..parts {
                raw.extend_from_slice(b"--b\n\nx\n");
            }
            raw.extend_from_slice(b"--b--\n");
            raw
        };
        assert_eq!(structure_problem(&mail(MAX_PARTS)), None);
        let problem = structure_problem(&mail(MAX_PARTS + 1)).expect("refused");
        assert!(problem.contains("more than 10000 MIME parts"), "{problem}");
        // The refusal is decided in one pass, before the parser would keep a record per part.
        let refused = crate::intake::read_mail(&mail(1_000_000));
        assert_eq!(refused.problems.len(), 1, "{:?}", refused.problems);
    }

    /// How deep mailparse actually nests a mail's parts.
    fn parsed_depth(part: &mailparse::ParsedMail<'_>) -> usize {
        part.subparts.iter().map(|sub| 1 + parsed_depth(sub)).max().unwrap_or(0)
    }

    /// Random MIME trees written with colliding boundaries (one a prefix of
    /// another), header case, folding, CRLF, quotes, missing closings and stray '--' lines.
    fn random_mime() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            "Content-Type: multipart/mixed; boundary=a\n",
            "content-type: Multipart/Alternative;\n boundary=\"ab\"\n",
            "CONTENT-TYPE:multipart/mixed; boundary=b; boundary=a-\n",
            "Content-Type: multipart/related; boundary=\"\"\n",
            "Content-Type: text/plain\n",
            "Content-Type: multipart/mixed\n",
            "X-Other: 1\n",
            "\n",
            "\r\n",
            "--a\n",
            "--ab\n",
            "--a-\n",
            "--b\n",
            "--a--\n",
            "--ab--\n",
            "--\n",
            "text\n",
            " folded\n",
            "\tboundary=a\n",
            "Content-Type : multipart/mixed; boundary=a\n",
            "no colon here\n",
            "Content-Type: multipart/digest; boundary=\"a\"\r\n",
        ]);
        prop::collection::vec(piece, 0..80).prop_map(|pieces| {
            let mut mail = b"From: a@example.org\n".to_vec();
            for piece in pieces {
                mail.extend_from_slice(piece.as_bytes());
            }
            mail
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn the_walk_never_underestimates_mailparse(raw in random_mime()) {
            if let (Ok(bound), Ok(parsed)) = (depth_bound(&raw), mailparse::parse_mail(&raw)) {
                prop_assert!(parsed_depth(&parsed) <= bound, "mailparse {} > walk {bound}", parsed_depth(&parsed));
            }
        }
    }

    /// A mail of `depth` nested multipart/mixed parts around one line of text.
    pub(crate) fn nested(depth: usize) -> Vec<u8> {
        let mut mail = String::from("From: a@example.org\nSubject: deep\n");
        for level in 0..depth {
            mail.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{level}x\"\n\n--b{level}x\n"));
        }
        mail.push_str("Content-Type: text/plain\n\naut-num: NEW\n");
        for level in (0..depth).rev() {
            mail.push_str(&format!("--b{level}x--\n"));
        }
        mail.into_bytes()
    }

    #[test]
    fn ordinary_mail_passes() {
        let raw = b"From: a@example.net\nContent-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: multipart/alternative;\n boundary=\"Y\"\n\n--Y\nContent-Type: text/plain\n\nform\n--Y\nContent-Type: text/html\n\n<p>form</p>\n--Y--\n--X\nContent-Type: application/pdf; name=c.pdf\n\nJVBERg==\n--X--\n";
        assert_eq!(structure_problem(raw), None);
        assert_eq!(structure_problem(b"From: a@example.net\n\nno MIME at all\n"), None);
    }

    #[test]
    fn nesting_is_measured_not_counted() {
        assert_eq!(structure_problem(&nested(MAX_NESTING)), None);
        assert!(structure_problem(&nested(MAX_NESTING + 1)).is_some_and(|p| p.contains("nested")));
        assert!(structure_problem(&nested(40_000)).is_some());
        // Many sibling multiparts are wide, not deep.
        let mut wide = String::from("From: a@example.org\nContent-Type: multipart/mixed; boundary=T\n\n");
        for i in 0..500 {
            wide.push_str(&format!(
                "--T\nContent-Type: multipart/alternative; boundary=A{i}\n\n--A{i}\nContent-Type: text/plain\n\nx\n--A{i}--\n"
            ));
        }
        wide.push_str("--T--\n");
        assert_eq!(structure_problem(wide.as_bytes()), None);
    }

    #[test]
    fn boundaries_it_cannot_read_exactly_fall_back_to_a_sound_bound() {
        let mut encoded = String::from("From: a@example.org\n");
        for level in 0..(MAX_NESTING + 1) {
            encoded
                .push_str(&format!("Content-Type: =?us-ascii?q?multipart/mixed?=; boundary=b{level}\n\n--b{level}\n"));
        }
        assert!(structure_problem(encoded.as_bytes()).is_some());
        let long = format!("From: a@example.org\nContent-Type: multipart/mixed; boundary={}\n\nx\n", "b".repeat(71));
        assert!(structure_problem(long.as_bytes()).is_some_and(|p| p.contains("boundary")));
    }
}
