//! Values that remember where in the submitted text they came from.
//!
//! An attribute's value may be assembled from several source lines (RPSL
//! continuation lines, APNIC `as-in` rules wrapped over lines). Errors found
//! deep inside such a value, say by the routing policy parser, must still point
//! at the right line and column of the text the user sent, so a [`Value`]
//! keeps a map from byte offsets in its text back to source positions.

use smallvec::SmallVec;
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
    place: Place,
}

/// A line and column in 32-bit numbers; [`Place::NONE`] for a value without text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    line: u32,
    column: u32,
}

impl Place {
    /// No place: a value's first piece is this until the value has text.
    const NONE: Place = Place { line: u32::MAX, column: u32::MAX };

    fn new(start: Position) -> Place {
        Place { line: narrow(start.line), column: narrow(start.column) }
    }

    fn get(self) -> Option<Position> {
        (self != Place::NONE).then_some(Position { line: self.line as usize, column: self.column as usize })
    }
}

fn narrow(number: usize) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

impl Mark {
    fn new(offset: usize, start: Position) -> Mark {
        Mark { offset: narrow(offset), place: Place::new(start) }
    }

    fn offset(self) -> usize {
        self.offset as usize
    }

    fn start(self) -> Position {
        Position { line: self.place.line as usize, column: self.place.column as usize }
    }
}

/// An attribute value with its source positions.
///
/// Most values are one piece, whose place is kept inline (the first piece
/// always starts at offset 0); only values spread over several lines
/// allocate, for the marks of the others. A value keeps at most
/// [`crate::parse::MAX_VALUE_LINES`] pieces, so its marks are one small array.
/// The parser keeps the text of all values of one object in one shared
/// string, of which a value holds a range: 40 bytes a value, for the
/// hundreds of thousands a large form has.
#[derive(Debug, Clone)]
pub struct Value {
    /// The text this value's text is a range of (`None`: no text, or grown in [`More::grown`]).
    source: Option<Arc<str>>,
    /// Where this value's text starts in `source`.
    start: u32,
    /// Where it ends.
    end: u32,
    /// Where the first piece stands; it starts the text.
    first: Place,
    more: Option<Box<More>>,
}

impl Default for Value {
    fn default() -> Value {
        Value { source: None, start: 0, end: 0, first: Place::NONE, more: None }
    }
}

/// What only values of several pieces need: the marks of the further
/// pieces, how many pieces were dropped rather than kept (see
/// [`Value::drop_piece`]), and the text of a value grown piece by piece
/// outside the parser's buffer; boxed, so that a value of one line pays a
/// pointer for them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct More {
    /// Two in place: a value of two or three lines (the usual continuation)
    /// then costs the `More` alone, not an array besides, nor its growing.
    marks: SmallVec<[Mark; 2]>,
    dropped: u32,
    // Boxed: every value of several lines from the parser has a `More`, and
    // this keeps it 16 bytes smaller; only values grown outside the parser's
    // buffer (APNIC, `Value::push_piece`) pay the extra allocation.
    #[allow(clippy::box_collection)]
    grown: Option<Box<String>>,
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        let dropped = |value: &Value| value.more.as_ref().map_or(0, |more| more.dropped);
        self.text() == other.text()
            && self.first == other.first
            && self.more() == other.more()
            && dropped(self) == dropped(other)
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
        let first = if text.is_empty() { Place::NONE } else { Place::new(start) };
        Value { source: Some(Arc::clone(&self.empty)), start: at, end: narrow(self.text.len()), first, more: None }
    }

    /// Appends a piece to `value`, the last value written to this buffer.
    pub(crate) fn push_piece(&mut self, value: &mut Value, text: &str, start: Position) {
        if value.source.is_none() || value.more.as_ref().is_some_and(|more| more.grown.is_some()) {
            value.push_piece(text, start);
            return;
        }
        if text.is_empty() {
            return;
        }
        let value_start = value.start as usize;
        let mut length = self.text.len() - value_start;
        if length > 0 {
            self.text.push(' ');
            length += 1;
        }
        self.text.push_str(text);
        value.end = narrow(self.text.len());
        value.add_mark(Mark::new(length, start));
    }

    /// Gives the values written since the last call their text, and empties the buffer.
    pub(crate) fn share<'v>(&mut self, values: impl Iterator<Item = &'v mut Value>) {
        let source: Arc<str> = Arc::from(self.text.as_str());
        for value in values {
            if let Some(shared) = &mut value.source {
                *shared = Arc::clone(&source);
            }
        }
        self.text.clear();
    }
}

impl Value {
    /// A value made of a single piece of text starting at `start`.
    pub fn new(text: &str, start: Position) -> Value {
        if text.is_empty() {
            return Value::default();
        }
        Value { source: Some(Arc::from(text)), start: 0, end: narrow(text.len()), first: Place::new(start), more: None }
    }

    /// Appends another source piece, separated from the existing text by one space.
    pub fn push_piece(&mut self, text: &str, start: Position) {
        if text.is_empty() {
            return;
        }
        let so_far = self.text();
        if self.more.as_ref().is_none_or(|more| more.grown.is_none()) {
            // From here on the value grows in a string of its own, with room to grow.
            let grown = so_far.to_owned();
            self.more.get_or_insert_with(Box::default).grown = Some(Box::new(grown));
            self.source = None;
        }
        let Some(own) = self.more.as_mut().and_then(|more| more.grown.as_mut()) else { return };
        if !own.is_empty() {
            own.push(' ');
        }
        let mark = Mark::new(own.len(), start);
        own.push_str(text);
        self.add_mark(mark);
    }

    fn add_mark(&mut self, mark: Mark) {
        if self.first == Place::NONE {
            // The first piece starts the text: its offset is 0.
            self.first = mark.place;
            return;
        }
        self.more.get_or_insert_with(Box::default).marks.push(mark);
    }

    /// Counts a piece left out of the value (a caller's limit); how many have been, this one included.
    pub(crate) fn drop_piece(&mut self) -> usize {
        let more = self.more.get_or_insert_with(Box::default);
        more.dropped = more.dropped.saturating_add(1);
        more.dropped as usize
    }

    fn more(&self) -> &[Mark] {
        self.more.as_deref().map_or(&[], |more| more.marks.as_slice())
    }

    fn first(&self) -> Option<Mark> {
        (self.first != Place::NONE).then_some(Mark { offset: 0, place: self.first })
    }

    /// The value's text, pieces joined by single spaces.
    pub fn text(&self) -> &str {
        if let Some(grown) = self.more.as_ref().and_then(|more| more.grown.as_deref().map(String::as_str)) {
            return grown;
        }
        match &self.source {
            Some(source) => source.get(self.start as usize..self.end as usize).unwrap_or(""),
            None => "",
        }
    }

    /// The position of the value's first character, if it has any text.
    pub fn start(&self) -> Option<Position> {
        self.first.get()
    }

    /// Each source piece's text and where it starts, in order.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, Position)> + '_ {
        let text = self.text();
        let more = self.more().iter().copied();
        let all = self.first().into_iter().chain(more.clone());
        let ends = more.map(|next| next.offset().saturating_sub(1)).chain(std::iter::once(text.len()));
        all.zip(ends).map(move |(mark, end)| (text.get(mark.offset()..end).unwrap_or(""), mark.start()))
    }

    /// How many source pieces the value has.
    pub fn piece_count(&self) -> usize {
        usize::from(self.first != Place::NONE) + self.more().len()
    }

    /// Whether the value came from one source line (or none).
    pub fn is_one_piece(&self) -> bool {
        self.more.as_ref().is_none_or(|more| more.marks.is_empty() && more.dropped == 0)
    }

    /// The items of an RPSL `list of ...` value, split at commas and trimmed,
    /// each placed where it stands in the submitted text. An empty item (as in
    /// `A-MNT,,B-MNT` or a trailing comma) is kept as an empty value placed
    /// where the item should have been, so that the caller can report it.
    pub fn list_items(&self) -> Vec<Value> {
        self.items()
            .map(|item| match item.start {
                Some(position) if item.text.is_empty() => Value { first: Place::new(position), ..Value::default() },
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
        let first = self.first()?;
        let more = self.more();
        // The last mark that starts at or before the offset.
        let within = more.partition_point(|mark| mark.offset() <= offset);
        let piece = within.checked_sub(1).and_then(|m| more.get(m)).copied().unwrap_or(first);
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
    fn a_value_is_the_same_however_its_text_is_kept() {
        // Grown piece by piece in a string of its own, or written to a parser's buffer and shared.
        let mut grown = Value::new("", Position { line: 2, column: 8 });
        grown.push_piece("AS1", Position { line: 2, column: 8 });
        assert!(grown.is_one_piece());
        let mut buffer = ValueBuffer::default();
        let mut shared = buffer.value("AS1", Position { line: 2, column: 8 });
        buffer.share(std::iter::once(&mut shared));
        assert_eq!(grown, shared);
        grown.push_piece("AS2", Position { line: 3, column: 2 });
        assert!(!grown.is_one_piece());
        assert_ne!(grown, shared);
        assert_eq!(grown.text(), "AS1 AS2");
        assert_eq!(std::mem::size_of::<Value>(), 40, "a large form holds one per attribute");
    }

    #[test]
    fn empty_value_has_no_position() {
        let value = Value::new("", Position { line: 3, column: 5 });
        assert_eq!(value.text(), "");
        assert_eq!(value.start(), None);
        assert_eq!(value.position_of(0), None);
    }
}
