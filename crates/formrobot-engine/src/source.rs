//! Values that remember where in the submitted text they came from.
//!
//! An attribute's value may be assembled from several source lines (RPSL
//! continuation lines, APNIC `as-in` rules wrapped over lines). Errors found
//! deep inside such a value, say by the routing policy parser, must still point
//! at the right line and column of the text the user sent, so a [`Value`]
//! keeps a map from byte offsets in its text back to source positions.

use std::sync::Arc;

/// A 1-based line and column in the submitted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number in the whole submitted text.
    pub line: usize,
    /// 1-based column (in characters) on that line.
    pub column: usize,
}

/// Where one source piece of a [`Value`] starts: its byte offset in
/// [`Value::text`] and its place in the submitted text.
///
/// Kept in 32-bit numbers because a value made of many short continuation
/// lines has one of these per line: 12 bytes each, not 24, keeps such a value
/// within a small multiple of its text (a text past 4 GiB would only saturate
/// the numbers, and never reaches the engine through the mail limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    offset: u32,
    line: u32,
    column: u32,
}

fn narrow(number: usize) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

impl Mark {
    fn new(offset: usize, start: Position) -> Mark {
        Mark { offset: narrow(offset), line: narrow(start.line), column: narrow(start.column) }
    }

    fn offset(self) -> usize {
        self.offset as usize
    }

    fn start(self) -> Position {
        Position { line: self.line as usize, column: self.column as usize }
    }
}

/// How many marks one block of [`Value`]'s further pieces holds.
const MARKS_PER_BLOCK: usize = 1024;

/// Where a [`Value`]'s text is kept.
#[derive(Debug, Clone)]
enum Text {
    /// Its own string: a value made on its own, or grown piece by piece.
    Owned(String),
    /// A range of a text shared by the values of one object, so that the
    /// parser allocates once per object, not once per attribute.
    Shared {
        /// The text of every value of the object.
        source: Arc<str>,
        /// Where this value's text starts in `source`.
        start: u32,
        /// Where it ends.
        end: u32,
    },
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Text::Owned(text) => text,
            Text::Shared { source, start, end } => source.get(*start as usize..*end as usize).unwrap_or(""),
        }
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::Owned(String::new())
    }
}

/// An attribute value with its source positions.
///
/// Most values are one piece, whose place is kept inline; only values spread
/// over several lines allocate for the others, in blocks of a fixed size: a
/// value of a million continuation lines grows by adding blocks, never by
/// copying all its marks into an array twice the size. The parser keeps the
/// text of all values of one object in one shared string.
#[derive(Debug, Clone, Default)]
pub struct Value {
    text: Text,
    first: Option<Mark>,
    more: Option<Box<Blocks>>,
}

/// The marks of a value's further pieces, in blocks of [`MARKS_PER_BLOCK`],
/// and how many pieces were dropped rather than kept (see
/// [`Value::drop_piece`]); boxed, so that a value of one line pays a pointer
/// for them, not a `Vec`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Blocks(Vec<Vec<Mark>>, usize);

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.text() == other.text() && self.first == other.first && self.more == other.more
    }
}

impl Eq for Value {}

/// The text of the values of one object, written as the parser reads them;
/// [`ValueBuffer::share`] hands it to the object's values in one allocation.
#[derive(Debug, Default)]
pub(crate) struct ValueBuffer {
    text: String,
    /// What values point at until [`ValueBuffer::share`] gives them their text.
    empty: Arc<str>,
}

impl ValueBuffer {
    /// A value made of a single piece of text starting at `start`, its text kept in the buffer.
    pub(crate) fn value(&mut self, text: &str, start: Position) -> Value {
        let at = narrow(self.text.len());
        self.text.push_str(text);
        let first = (!text.is_empty()).then(|| Mark::new(0, start));
        Value {
            text: Text::Shared { source: Arc::clone(&self.empty), start: at, end: narrow(self.text.len()) },
            first,
            more: None,
        }
    }

    /// Appends a piece to `value`, the last value written to this buffer.
    pub(crate) fn push_piece(&mut self, value: &mut Value, text: &str, start: Position) {
        let Text::Shared { start: value_start, end, .. } = &mut value.text else {
            value.push_piece(text, start);
            return;
        };
        if text.is_empty() {
            return;
        }
        let value_start = *value_start as usize;
        let mut length = self.text.len() - value_start;
        if length > 0 {
            self.text.push(' ');
            length += 1;
        }
        self.text.push_str(text);
        *end = narrow(self.text.len());
        value.add_mark(Mark::new(length, start));
    }

    /// Gives the values written since the last call their text, and empties the buffer.
    pub(crate) fn share<'v>(&mut self, values: impl Iterator<Item = &'v mut Value>) {
        let source: Arc<str> = Arc::from(self.text.as_str());
        for value in values {
            if let Text::Shared { source: shared, .. } = &mut value.text {
                *shared = Arc::clone(&source);
            }
        }
        self.text.clear();
    }
}

impl Value {
    /// A value made of a single piece of text starting at `start`.
    pub fn new(text: &str, start: Position) -> Value {
        let first = (!text.is_empty()).then(|| Mark::new(0, start));
        Value { text: Text::Owned(text.to_owned()), first, more: None }
    }

    /// Appends another source piece, separated from the existing text by one space.
    pub fn push_piece(&mut self, text: &str, start: Position) {
        if text.is_empty() {
            return;
        }
        if let Text::Shared { .. } = self.text {
            self.text = Text::Owned(self.text.as_str().to_owned());
        }
        let Text::Owned(own) = &mut self.text else { return };
        if !own.is_empty() {
            own.push(' ');
        }
        let mark = Mark::new(own.len(), start);
        own.push_str(text);
        self.add_mark(mark);
    }

    fn add_mark(&mut self, mark: Mark) {
        if self.first.is_none() {
            self.first = Some(mark);
            return;
        }
        let Blocks(more, _) = &mut **self.more.get_or_insert_with(|| Box::new(Blocks(Vec::with_capacity(1), 0)));
        match more.last_mut() {
            Some(block) if block.len() < MARKS_PER_BLOCK => block.push(mark),
            _ => {
                // A value of two or three lines (the usual continuation) gets small blocks, not a default four.
                let mut block = Vec::with_capacity(if more.is_empty() { 1 } else { MARKS_PER_BLOCK });
                block.push(mark);
                more.push(block);
            }
        }
    }

    /// Counts a piece left out of the value (a caller's limit); how many have been, this one included.
    pub(crate) fn drop_piece(&mut self) -> usize {
        let blocks = self.more.get_or_insert_with(Box::default);
        blocks.1 += 1;
        blocks.1
    }

    fn more(&self) -> &[Vec<Mark>] {
        self.more.as_deref().map_or(&[], |blocks| blocks.0.as_slice())
    }

    /// The value's text, pieces joined by single spaces.
    pub fn text(&self) -> &str {
        self.text.as_str()
    }

    /// The position of the value's first character, if it has any text.
    pub fn start(&self) -> Option<Position> {
        self.first.map(Mark::start)
    }

    /// Each source piece's text and where it starts, in order.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, Position)> + '_ {
        let text = self.text();
        let more = self.more().iter().flatten();
        let all = self.first.iter().chain(more.clone());
        let ends = more.map(|next| next.offset().saturating_sub(1)).chain(std::iter::once(text.len()));
        all.zip(ends).map(move |(mark, end)| (text.get(mark.offset()..end).unwrap_or(""), mark.start()))
    }

    /// How many source pieces the value has.
    pub fn piece_count(&self) -> usize {
        usize::from(self.first.is_some()) + self.more().iter().map(Vec::len).sum::<usize>()
    }

    /// Whether the value came from one source line (or none).
    pub fn is_one_piece(&self) -> bool {
        self.more.is_none()
    }

    /// The items of an RPSL `list of ...` value, split at commas and trimmed,
    /// each placed where it stands in the submitted text. An empty item (as in
    /// `A-MNT,,B-MNT` or a trailing comma) is kept as an empty value placed
    /// where the item should have been, so that the caller can report it.
    pub fn list_items(&self) -> Vec<Value> {
        self.items()
            .map(|item| match item.start {
                Some(position) if item.text.is_empty() => {
                    Value { text: Text::default(), first: Some(Mark::new(0, position)), more: None }
                }
                position => Value::new(item.text, position.unwrap_or(Position { line: 0, column: 0 })),
            })
            .collect()
    }

    /// [`Value::list_items`] without a copy: each item's text and place.
    pub(crate) fn items(&self) -> impl Iterator<Item = Span<'_>> + '_ {
        Subject::Value(self).items()
    }

    /// Maps a byte offset within [`Value::text`] back to the submitted text.
    ///
    /// Offsets past the end map to just after the last character, which is
    /// where an "unexpected end of rule" error belongs. A binary search, so
    /// that many errors in a value of many lines stay linear in all.
    pub fn position_of(&self, offset: usize) -> Option<Position> {
        let first = self.first.filter(|mark| mark.offset() <= offset)?;
        let more = self.more();
        // The last block that starts at or before the offset, then the last mark in it that does.
        let block = more.partition_point(|block| block.first().is_some_and(|mark| mark.offset() <= offset));
        let piece = match block.checked_sub(1).and_then(|b| more.get(b)) {
            None => first,
            Some(marks) => {
                let within = marks.partition_point(|mark| mark.offset() <= offset);
                within.checked_sub(1).and_then(|m| marks.get(m)).copied().unwrap_or(first)
            }
        };
        let text = self.text();
        Some(advance(piece.start(), text.get(piece.offset()..offset.min(text.len())).unwrap_or("")))
    }
}

/// `start` moved past `text` on its line.
fn advance(start: Position, text: &str) -> Position {
    let columns = if text.is_ascii() { text.len() } else { text.chars().count() };
    Position { line: start.line, column: start.column + columns }
}

/// A piece of text on one line with its place: a line of a value, or an
/// item of a list, read where it stands without a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span<'a> {
    /// The text.
    pub(crate) text: &'a str,
    /// Where it starts; `None` for an empty text that has no place.
    pub(crate) start: Option<Position>,
}

/// Text the validator checks: a whole [`Value`], or a [`Span`] of one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    /// A value as parsed.
    Value(&'a Value),
    /// A line or an item of a value.
    Span(Span<'a>),
}

impl<'a> Subject<'a> {
    /// The text.
    pub(crate) fn text(self) -> &'a str {
        match self {
            Subject::Value(value) => value.text(),
            Subject::Span(span) => span.text,
        }
    }

    /// Where the text starts.
    pub(crate) fn start(self) -> Option<Position> {
        match self {
            Subject::Value(value) => value.start(),
            Subject::Span(span) => span.start.filter(|_| !span.text.is_empty()),
        }
    }

    /// The items of an RPSL `list of ...` value, as [`Value::list_items`] has them.
    pub(crate) fn items(self) -> impl Iterator<Item = Span<'a>> + 'a {
        let mut start = 0;
        self.text().split(',').map(move |part| {
            let item = crate::parse::trim(part);
            let lead = part.len() - crate::parse::trim_start(part).len();
            let offset = start + lead;
            start += part.len() + 1;
            Span { text: item, start: Some(self.position_of(offset).unwrap_or(Position { line: 0, column: 0 })) }
        })
    }

    /// Where byte `offset` of the text stands in the submitted text.
    pub(crate) fn position_of(self, offset: usize) -> Option<Position> {
        match self {
            Subject::Value(value) => value.position_of(offset),
            Subject::Span(span) => {
                let start = span.start.filter(|_| !span.text.is_empty())?;
                Some(advance(start, span.text.get(..offset.min(span.text.len())).unwrap_or("")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_are_trimmed_and_placed() {
        let value = Value::new("A-MNT,  B-MNT,,C", Position { line: 4, column: 9 });
        let items: Vec<(String, Option<Position>)> =
            value.list_items().iter().map(|v| (v.text().to_owned(), v.start())).collect();
        assert_eq!(
            items,
            [
                ("A-MNT".to_owned(), Some(Position { line: 4, column: 9 })),
                ("B-MNT".to_owned(), Some(Position { line: 4, column: 17 })),
                (String::new(), Some(Position { line: 4, column: 23 })),
                ("C".to_owned(), Some(Position { line: 4, column: 24 })),
            ]
        );
        assert_eq!(Value::new("A-MNT", Position { line: 1, column: 1 }).list_items().len(), 1);
    }

    #[test]
    fn offsets_map_back_to_the_piece_they_fall_in() {
        let mut value = Value::new("AS1755 100 AS102 AND NOT", Position { line: 10, column: 9 });
        value.push_piece("(AS1234 AS513)", Position { line: 11, column: 20 });
        assert_eq!(value.text(), "AS1755 100 AS102 AND NOT (AS1234 AS513)");
        assert_eq!(value.position_of(0), Some(Position { line: 10, column: 9 }));
        assert_eq!(value.position_of(11), Some(Position { line: 10, column: 20 }));
        let paren = value.text().find('(').unwrap();
        assert_eq!(value.position_of(paren), Some(Position { line: 11, column: 20 }));
        assert_eq!(value.position_of(paren + 1), Some(Position { line: 11, column: 21 }));
        assert_eq!(value.position_of(value.text().len()), Some(Position { line: 11, column: 34 }));
    }

    #[test]
    fn empty_value_has_no_position() {
        let value = Value::new("", Position { line: 3, column: 5 });
        assert_eq!(value.text(), "");
        assert_eq!(value.start(), None);
        assert_eq!(value.position_of(0), None);
    }
}
