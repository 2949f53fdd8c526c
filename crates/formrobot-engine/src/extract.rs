//! Stage 3, extract: find the submission between the "CUT HERE" lines.
//!
//! People paste the whole form back: the registry's header and instructions,
//! their greeting and signature. Only the text between the two marker lines is
//! the submission; everything else is ignored, even lines that look like
//! attributes (the APNIC instructions are full of `as-in:` examples).

use crate::diagnostic::Diagnostic;
use std::ops::Range;

/// One line of the submitted text, without its line ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number in the whole text.
    pub number: usize,
    /// The line's text, with `\n` and a trailing `\r` removed.
    pub text: &'a str,
}

/// How the marker lines were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markers {
    /// Two marker lines (or several pairs): the submission is what lies between each pair.
    Both,
    /// One marker line: the submission is the side of it that holds templates.
    One,
    /// No marker line: the whole text is the submission.
    Missing,
}

/// The lines that make up the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extraction<'a> {
    /// The submission's lines, numbered as in the whole text.
    pub lines: Vec<Line<'a>>,
    /// How the markers were found.
    pub markers: Markers,
    /// Notes about the extraction (missing markers).
    pub diagnostics: Vec<Diagnostic>,
}

/// Splits text into numbered lines, accepting LF and CRLF line ends.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    numbered(text).collect()
}

/// The numbered lines of `text`, one at a time; a final line end does not start another line.
fn numbered(text: &str) -> impl Iterator<Item = Line<'_>> + Clone {
    Numbered { text, at: 0, number: 0 }
}

/// The iterator of [`numbered`]: the line ends found by the `memchr` crate's
/// vectorised search, which every line of every form passes through.
#[derive(Clone)]
struct Numbered<'a> {
    text: &'a str,
    /// Where the next line starts.
    at: usize,
    /// The number of the line last given.
    number: usize,
}

impl<'a> Iterator for Numbered<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let rest = self.text.get(self.at..).filter(|rest| !rest.is_empty())?;
        let (raw, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(newline) => (&rest[..newline], self.at + newline + 1),
            None => (rest, self.text.len()),
        };
        self.at = next;
        self.number += 1;
        Some(Line { number: self.number, text: raw.strip_suffix('\r').unwrap_or(raw) })
    }
}

/// Whether a line is a "CUT HERE" marker: the words (any case, any spacing)
/// with nothing but decoration such as dashes or equals signs around them.
pub fn is_marker(line: &str) -> bool {
    // Most lines are not markers; skip the normalising work for them.
    if !crate::grammar::contains_ignore_case(line, "cut") {
        return false;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let joined = words.join(" ").to_ascii_lowercase();
    let Some(at) = joined.find("cut here") else {
        return false;
    };
    let rest = format!("{}{}", &joined[..at], &joined[at + "cut here".len()..]);
    // Scissors drawn as "8<" or ">8" are decoration too.
    !rest.replace("8<", "").replace(">8", "").chars().any(|c| c.is_alphanumeric())
}

/// Finds the submission in `text`.
///
/// With one marker only, the side that holds an APNIC template header or an
/// attribute line is taken (the one after the marker when both or neither do).
pub fn extract(text: &str) -> Extraction<'_> {
    let frame = Frame::new(text);
    Extraction { lines: frame.lines().collect(), markers: frame.markers, diagnostics: frame.diagnostics }
}

/// Where the submission lies in a text, found without holding the text's
/// lines: [`Frame::lines`] numbers them again on each pass. The form engine
/// reads a submission through this, so that a text of many short lines costs
/// no memory per line; [`extract`] is the same with the lines collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    text: &'a str,
    /// The parts of the text that make up the submission, as ranges of
    /// 0-based line indexes, in order and apart.
    parts: Vec<Range<usize>>,
    /// How the markers were found.
    pub markers: Markers,
    /// Notes about the extraction (missing markers).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether `#[`, with which an APNIC template header starts, stands
    /// anywhere in the text: noted by the scan for the markers, so that the
    /// usual RPSL form is not passed over once more to learn it has none.
    header_mark: bool,
    /// Places whose line numbers the scan learnt, in order, the text's start
    /// first: [`Frame::stretches`] counts line ends from the nearest instead
    /// of from the start of the text.
    known_lines: Vec<KnownLine>,
}

/// A byte of the text and the number of the line it stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KnownLine {
    byte: usize,
    line: usize,
}

/// From this size [`Frame::new_in`] shares its scan among threads: the size
/// from which the parser reads a form on threads too
/// (`parse::PARALLEL_FROM_BYTES`), so that the tests of reading on threads
/// also run the shared scan.
const SHARED_SCAN_FROM_BYTES: usize = 256 * 1024;

/// The most a piece of a shared scan holds (unless one line is longer): small
/// enough to stay in a core's cache between the scan's two passes over it.
const SCAN_PIECE_BYTES: usize = 512 * 1024;

/// How far apart the places of a shared scan's [`KnownLine`]s are, at most.
const KNOWN_LINE_EVERY_BYTES: usize = 64 * 1024;

/// What the scan for markers found in one piece of a text, which starts a line.
struct PieceScan {
    /// The marker lines, as line indexes counted from the piece's first line.
    markers: Vec<usize>,
    /// Whether `#[` stands in the piece.
    header_mark: bool,
    /// The line ends in the piece, and before places in it (bytes from its
    /// start), when asked for: a piece that ends the text is not counted.
    line_ends: Option<(usize, Vec<KnownLine>)>,
}

impl PieceScan {
    /// Scans `text[piece]`, and counts its line ends when `count`.
    ///
    /// Only the lines where "here" stands (in any case, as in every marker)
    /// are looked at, found by a fast byte search; the others are counted,
    /// never split or normalised.
    fn of(text: &str, piece: Range<usize>, count: bool) -> PieceScan {
        let text = &text[piece];
        let bytes = text.as_bytes();
        let mut markers: Vec<usize> = Vec::new();
        // The line index of `counted_to` (a line start), and the end of the last line looked at.
        let (mut counted_to, mut index, mut looked_to) = (0, 0, 0);
        let mut header_mark = false;
        // Found by its `h`, the rarest letter of "cut here" in forms and registry
        // dumps: each byte found stops the vectorised search once. The same
        // search stops at each `#` for the mark of an APNIC template header.
        for at in memchr::memchr3_iter(b'h', b'H', b'#', bytes) {
            if bytes[at] == b'#' {
                header_mark |= bytes.get(at + 1) == Some(&b'[');
                continue;
            }
            let is_here = bytes.get(at..at + 4).is_some_and(|word| word.eq_ignore_ascii_case(b"here"));
            if !is_here || at < looked_to {
                continue;
            }
            let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |newline| newline + 1);
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |newline| at + newline);
            index += memchr::memchr_iter(b'\n', &bytes[counted_to..start]).count();
            counted_to = start;
            looked_to = end;
            let line = &text[start..end];
            if is_marker(line.strip_suffix('\r').unwrap_or(line)) {
                markers.push(index);
            }
        }
        let line_ends = count.then(|| {
            let mut known = Vec::with_capacity(bytes.len() / KNOWN_LINE_EVERY_BYTES);
            let mut line_ends = 0;
            for (block, chunk) in bytes.chunks(KNOWN_LINE_EVERY_BYTES).enumerate() {
                if block > 0 {
                    known.push(KnownLine { byte: block * KNOWN_LINE_EVERY_BYTES, line: line_ends });
                }
                line_ends += memchr::memchr_iter(b'\n', chunk).count();
            }
            (line_ends, known)
        });
        PieceScan { markers, header_mark, line_ends }
    }
}

/// `bytes` cut into about `count` pieces of about equal size, each but the
/// last ending with a line feed.
fn pieces_at_line_starts(bytes: &[u8], count: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::with_capacity(count);
    let mut start = 0;
    for k in 1..count {
        let target = (bytes.len() / count * k).max(start);
        let Some(newline) = memchr::memchr(b'\n', &bytes[target..]) else { break };
        let end = target + newline + 1;
        pieces.push(start..end);
        start = end;
    }
    pieces.push(start..bytes.len());
    pieces
}

impl<'a> Frame<'a> {
    /// Finds the marker lines of `text` and the parts between them.
    pub fn new(text: &'a str) -> Frame<'a> {
        Frame::new_in(text, 1)
    }

    /// [`Frame::new`] with the scan of a large text shared among up to
    /// `threads` threads, piece by piece, each piece's line ends counted on
    /// its thread too (for [`Frame::stretches`], which would otherwise count
    /// them on one). The frame is the same whatever `threads` is.
    pub fn new_in(text: &'a str, threads: usize) -> Frame<'a> {
        let bytes = text.as_bytes();
        let pieces = if threads > 1 && bytes.len() >= SHARED_SCAN_FROM_BYTES {
            pieces_at_line_starts(bytes, (bytes.len() / SCAN_PIECE_BYTES).max(threads))
        } else {
            std::iter::once(0..bytes.len()).collect()
        };
        // The last piece's line ends are not needed: nothing comes after it.
        let scans = crate::threads::shared_among(&pieces, threads, |piece| {
            PieceScan::of(text, piece.clone(), piece.end < bytes.len())
        });
        let (mut markers, mut known_lines, mut header_mark) = (Vec::new(), Vec::new(), false);
        let mut lines_before = 0;
        for (piece, scan) in pieces.iter().zip(scans) {
            markers.extend(scan.markers.iter().map(|index| lines_before + index));
            header_mark |= scan.header_mark;
            known_lines.push(KnownLine { byte: piece.start, line: lines_before + 1 });
            if let Some((line_ends, known)) = scan.line_ends {
                let place = |known: &KnownLine| KnownLine {
                    byte: piece.start + known.byte,
                    line: lines_before + known.line + 1,
                };
                known_lines.extend(known.iter().map(place));
                lines_before += line_ends;
            }
        }
        let frame = if markers.is_empty() {
            // The usual case, decided without numbering the lines.
            Frame::from_markers(text, &[], usize::MAX)
        } else {
            // The pieces before the last were counted on the threads; each ends a line.
            let last = pieces.last().map_or("", |piece| &text[piece.clone()]);
            Frame::from_markers(text, &markers, lines_before + numbered(last).count())
        };
        Frame { header_mark, known_lines, ..frame }
    }

    /// The frame given the indexes of the marker lines among `count` lines.
    fn from_markers(text: &'a str, markers: &[usize], count: usize) -> Frame<'a> {
        let (parts, markers, diagnostics) = match markers {
            [] => (
                std::iter::once(0..count).collect(),
                Markers::Missing,
                vec![Diagnostic::warning(
                    None,
                    None,
                    "no \"CUT HERE\" lines were found, so the whole text was read as the form; \
                     keep the two CUT HERE lines around the templates next time",
                )],
            ),
            [only] => {
                let (before, after) = (0..*only, only + 1..count);
                let looks_like_form = |range: &Range<usize>| {
                    numbered(text).skip(range.start).take(range.len()).any(|line| looks_like_form_line(line.text))
                };
                let take_before = looks_like_form(&before) && !looks_like_form(&after);
                let side = if take_before { "above" } else { "below" };
                (
                    std::iter::once(if take_before { before } else { after }).collect(),
                    Markers::One,
                    vec![Diagnostic::warning(
                        Some(only + 1),
                        None,
                        format!("only one \"CUT HERE\" line was found; the text {side} it was read as the form"),
                    )],
                )
            }
            pairs => {
                // Each pair of markers frames a part of the form; a last unpaired marker frames nothing.
                let parts = pairs.chunks_exact(2).map(|pair| pair[0] + 1..pair[1]).collect();
                let diagnostics = match pairs.len() % 2 {
                    0 => Vec::new(),
                    _ => vec![Diagnostic::warning(
                        pairs.last().map(|&i| i + 1),
                        None,
                        "this CUT HERE line has no partner below it, so the text after it was not read",
                    )],
                };
                (parts, Markers::Both, diagnostics)
            }
        };
        // Set by `Frame::new_in`, whose scan notes them.
        Frame {
            text,
            parts,
            markers,
            diagnostics,
            header_mark: false,
            known_lines: vec![KnownLine { byte: 0, line: 1 }],
        }
    }

    /// Whether `#[` stands anywhere in the text: without it, no line can be
    /// an APNIC template header.
    pub fn has_header_mark(&self) -> bool {
        self.header_mark
    }

    /// The whole text the frame was found in.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Whether line `number` (1-based, as in the whole text) belongs to the submission.
    pub fn holds(&self, number: usize) -> bool {
        let Some(index) = number.checked_sub(1) else { return false };
        let part = self.parts.partition_point(|part| part.end <= index);
        self.parts.get(part).is_some_and(|part| part.contains(&index))
    }

    /// The submission's lines, numbered as in the whole text.
    pub fn lines(&self) -> impl Iterator<Item = Line<'a>> + Clone + '_ {
        numbered(self.text).filter(move |line| self.holds(line.number))
    }

    /// Cuts the text into at most `count` stretches of about equal size,
    /// each ending right before an empty line that the submission holds, so
    /// that no object spans two stretches and each can be read on its own.
    /// Together the stretches cover the whole text, in order.
    pub fn stretches(&self, count: usize) -> Vec<Stretch> {
        let size = self.text.len() / count.max(1);
        self.stretches_cut_after((1..count.max(1)).map(|k| size * k))
    }

    /// Cuts the text into stretches as [`Frame::stretches`] does, each cut
    /// at the first empty line the submission holds from the next of
    /// `targets` (byte offsets, in increasing order) on.
    pub fn stretches_cut_after(&self, targets: impl ExactSizeIterator<Item = usize>) -> Vec<Stretch> {
        let bytes = self.text.as_bytes();
        let mut stretches = Vec::with_capacity(targets.len() + 1);
        let (mut start, mut first_line) = (0, 1);
        for target in targets {
            let target = target.min(bytes.len()).max(start);
            // Counted from the nearest place whose line is known, this
            // stretch's start at the latest: the text is scanned once in all at most.
            let nearest = self.known_lines.partition_point(|known| known.byte <= target).checked_sub(1);
            let known = match nearest.and_then(|index| self.known_lines.get(index)) {
                Some(&known) if known.byte >= start => known,
                _ => KnownLine { byte: start, line: first_line },
            };
            let line_of_target = known.line + memchr::memchr_iter(b'\n', &bytes[known.byte..target]).count();
            let Some(cut) = self.empty_line_from(target, line_of_target) else { break };
            let end = cut.start;
            stretches.push(Stretch { bytes: start..end, first_line });
            first_line = cut.number;
            start = end;
        }
        stretches.push(Stretch { bytes: start..bytes.len(), first_line });
        stretches
    }

    /// The first empty line the submission holds that starts after a line end
    /// at or after byte `from`, which stands on line number `line`.
    fn empty_line_from(&self, from: usize, line: usize) -> Option<EmptyLine> {
        let bytes = self.text.as_bytes();
        for (passed, newline) in memchr::memchr_iter(b'\n', &bytes[from..]).enumerate() {
            let start = from + newline + 1;
            let number = line + passed + 1;
            let rest = &bytes[start..];
            if (rest.starts_with(b"\n") || rest.starts_with(b"\r\n")) && self.holds(number) {
                return Some(EmptyLine { start, number });
            }
        }
        None
    }

    /// The submission's lines within `stretch`, numbered as in the whole text.
    pub fn lines_in(&self, stretch: &Stretch) -> impl Iterator<Item = Line<'a>> + Clone + '_ {
        let first = stretch.first_line;
        numbered(&self.text[stretch.bytes.clone()])
            .map(move |line| Line { number: line.number + first - 1, text: line.text })
            .filter(move |line| self.holds(line.number))
    }
}

/// A stretch of a submission's text that holds whole objects (see [`Frame::stretches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    /// Its bytes in the whole text, from the start of a line.
    pub bytes: Range<usize>,
    /// The number of its first line in the whole text.
    pub first_line: usize,
}

/// Where an empty line starts.
struct EmptyLine {
    start: usize,
    number: usize,
}

fn looks_like_form_line(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("#[") || t.split_once(':').is_some_and(|(name, _)| is_attribute_name(name))
}

/// Whether `name` has the shape of an attribute name (`as-in`, `nic-hdl`).
pub fn is_attribute_name(name: &str) -> bool {
    crate::grammar::is_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lines_as_split_at_each_line_feed() {
        for text in ["", "a", "a\n", "a\r\n\nb", "\n\n", "\r\n", "a\rb\n\r", "é\nñ\r\n"] {
            let expected: Vec<Line<'_>> = text
                .split_inclusive('\n')
                .enumerate()
                .map(|(index, raw)| {
                    let raw = raw.strip_suffix('\n').unwrap_or(raw);
                    Line { number: index + 1, text: raw.strip_suffix('\r').unwrap_or(raw) }
                })
                .collect();
            assert_eq!(lines(text), expected, "{text:?}");
        }
    }

    #[test]
    fn recognises_marker_variants() {
        for marker in [
            "- - - - - - - - - - - - - CUT HERE - - - - - - - - - - - - - - -",
            "- - - - - - - - - - - - - -  CUT HERE - - - - - - - - - - - - - - - - -",
            "--- cut here ---",
            "=====CUT HERE=====",
            "-\t-  CUT \t HERE  -  -",
            "cut here",
            "8<----- Cut Here -----",
        ] {
            assert!(is_marker(marker), "{marker:?}");
        }
        for not_marker in ["remarks: cut here", "please cut here and send", "", "- - - - -", "CUT", "cuthere"] {
            assert!(!is_marker(not_marker), "{not_marker:?}");
        }
    }

    #[test]
    fn takes_only_the_text_between_the_markers() {
        let text =
            "Dear APNIC,\nas-in: AS1 1 ANY\n--- CUT HERE ---\r\naut-num: 1\r\n\r\n--- CUT HERE ---\nas-in: AS2 1 ANY\n";
        let extraction = extract(text);
        assert_eq!(extraction.markers, Markers::Both);
        let texts: Vec<(usize, &str)> = extraction.lines.iter().map(|l| (l.number, l.text)).collect();
        assert_eq!(texts, vec![(4, "aut-num: 1"), (5, "")]);
        assert!(extraction.diagnostics.is_empty());
    }

    #[test]
    fn reads_each_pair_of_markers() {
        let text = "x: 0\n-- cut here --\na: 1\n-- cut here --\nignored: 2\n-- cut here --\nb: 3\n-- cut here --\nc: 4\n-- cut here --\nd: 5\n";
        let extraction = extract(text);
        assert_eq!(extraction.lines.iter().map(|l| l.text).collect::<Vec<_>>(), vec!["a: 1", "b: 3"]);
        assert_eq!(extraction.diagnostics.len(), 1, "the fifth marker has no partner");
        assert_eq!(extraction.diagnostics[0].line, Some(10));
    }

    #[test]
    fn finds_markers_among_lines_that_only_contain_cut() {
        let text =
            "auth: CRYPT-PW cuTx cut\r\nremarks: Cutting edge\n-- cut here --\r\na: 1\ncutcut\n-- CUT HERE --\nb: 2\n";
        let extraction = extract(text);
        assert_eq!(extraction.markers, Markers::Both);
        let texts: Vec<(usize, &str)> = extraction.lines.iter().map(|l| (l.number, l.text)).collect();
        assert_eq!(texts, vec![(4, "a: 1"), (5, "cutcut")]);
        // "cut" without a marker anywhere: the whole text, and the same frame as a text without "cut".
        let frame = Frame::new("auth: CRYPT-PW cuTUBJAMHJYRE\nsource: RIPE\n");
        assert_eq!(frame.markers, Markers::Missing);
        assert_eq!(frame.lines().count(), 2);
    }

    /// The fast scan finds the markers that looking at every line finds.
    #[test]
    fn the_scan_finds_what_every_line_looked_at_finds() {
        let lines = [
            "-- cut here --",
            "== Cut HERE ==",
            "remarks: here and there, cut here",
            "cut",
            "hEre",
            "--- cut here ---\r",
            "a: 1",
            "",
            "herehere cut here",
            "x here-cut here",
            "#[AUT-NUM TEMPLATE V3.0]# cut here",
            "# [",
        ];
        // Every sequence of up to three of the lines, with and without a last line end.
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..3 {
            last = last.iter().flat_map(|text| lines.iter().map(move |line| format!("{text}{line}\n"))).collect();
            texts.extend(last.iter().flat_map(|text| [text.clone(), text[..text.len() - 1].to_owned()]));
        }
        assert_eq!(texts.len(), 1 + 2 * (12 + 144 + 1728));
        for text in &texts {
            let markers: Vec<usize> =
                numbered(text).enumerate().filter(|(_, line)| is_marker(line.text)).map(|(index, _)| index).collect();
            let want = if markers.is_empty() {
                Frame::from_markers(text, &[], usize::MAX)
            } else {
                Frame::from_markers(text, &markers, numbered(text).count())
            };
            let want = Frame { header_mark: text.contains("#["), ..want };
            assert_eq!(Frame::new(text), want, "{text:?}");
        }
    }

    /// The scan shared among threads finds the frame one thread finds, and
    /// the same stretches, in large texts with markers, template headers and
    /// CRLF lines anywhere, and without markers.
    #[test]
    fn the_shared_scan_finds_what_one_thread_finds() {
        let lines = [
            "aut-num: AS64500",
            "remarks: here and there",
            "",
            "-- cut here --",
            "#[AUT-NUM TEMPLATE V3.0]#",
            "descr: Example\r",
            "\r",
            "x here-cut here",
            "# [",
        ];
        fn without_places(frame: Frame<'_>) -> Frame<'_> {
            Frame { known_lines: Vec::new(), ..frame }
        }
        let without_markers = |line: &&str| !line.contains("cut here");
        let variants = [
            (lines.to_vec(), 7_u64, false),
            (lines.iter().copied().filter(without_markers).collect(), 11, false),
            // One marker: the part below it runs to the last line, which the threads counted.
            (lines.iter().copied().filter(without_markers).collect(), 13, true),
        ];
        for (lines, seed, one_marker) in variants {
            let mut text = String::new();
            let mut state = seed;
            let mut marker_to_come = one_marker;
            while text.len() < 3 * SHARED_SCAN_FROM_BYTES {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                text.push_str(lines[(state >> 33) as usize % lines.len()]);
                text.push('\n');
                if marker_to_come && text.len() > SHARED_SCAN_FROM_BYTES {
                    text.push_str("-- cut here --\n");
                    marker_to_come = false;
                }
            }
            let alone = Frame::new(&text);
            for threads in [2, 3, 8] {
                let shared = Frame::new_in(&text, threads);
                assert!(shared.known_lines.len() > 3, "{threads} threads learnt the lines of places");
                assert_eq!(shared.stretches(16), alone.stretches(16), "{threads} threads");
                assert_eq!(without_places(shared), without_places(alone.clone()), "{threads} threads");
            }
        }
    }

    #[test]
    fn without_markers_reads_everything_and_warns() {
        let extraction = extract("aut-num: NEW\nas-name: X\n");
        assert_eq!(extraction.markers, Markers::Missing);
        assert_eq!(extraction.lines.len(), 2);
        assert_eq!(extraction.diagnostics.len(), 1);
        assert!(!extraction.diagnostics[0].is_error());
    }

    #[test]
    fn with_one_marker_takes_the_side_with_the_form() {
        let above = extract("aut-num: NEW\n--- cut here ---\nThanks, Jo\n");
        assert_eq!(above.lines.iter().map(|l| l.text).collect::<Vec<_>>(), vec!["aut-num: NEW"]);
        let below = extract("Hello\n--- cut here ---\n#[AUT-NUM TEMPLATE V3.0]#\n");
        assert_eq!(below.lines.iter().map(|l| l.text).collect::<Vec<_>>(), vec!["#[AUT-NUM TEMPLATE V3.0]#"]);
    }

    #[test]
    fn numbers_lines_across_line_end_styles() {
        let numbered = lines("a\r\nb\nc");
        assert_eq!(
            numbered,
            vec![Line { number: 1, text: "a" }, Line { number: 2, text: "b" }, Line { number: 3, text: "c" }]
        );
        assert!(lines("").is_empty());
    }
}
