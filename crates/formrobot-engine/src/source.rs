//! Values that remember where in the submitted text they came from.
//!
//! An attribute's value may be assembled from several source lines (RPSL
//! continuation lines, APNIC `as-in` rules wrapped over lines). Errors found
//! deep inside such a value, say by the routing policy parser, must still point
//! at the right line and column of the text the user sent, so a [`Value`]
//! keeps a map from byte offsets in its text back to source positions.

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

/// An attribute value with its source positions.
///
/// Most values are one piece, which is kept inline; only values spread over
/// several lines allocate for the others, in blocks of a fixed size: a value
/// of a million continuation lines grows by adding blocks, never by copying
/// all its marks into an array twice the size.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    text: String,
    first: Option<Mark>,
    more: Vec<Vec<Mark>>,
}

impl Value {
    /// A value made of a single piece of text starting at `start`.
    pub fn new(text: &str, start: Position) -> Value {
        let mut value = Value { text: String::with_capacity(text.len()), first: None, more: Vec::new() };
        value.push_piece(text, start);
        value
    }

    /// Appends another source piece, separated from the existing text by one space.
    pub fn push_piece(&mut self, text: &str, start: Position) {
        if !self.text.is_empty() && !text.is_empty() {
            self.text.push(' ');
        }
        if text.is_empty() {
            return;
        }
        let mark = Mark::new(self.text.len(), start);
        if self.first.is_none() {
            self.first = Some(mark);
        } else {
            match self.more.last_mut() {
                Some(block) if block.len() < MARKS_PER_BLOCK => block.push(mark),
                _ => {
                    // A value of two or three lines (the usual continuation) gets small blocks, not a default four.
                    let mut block = Vec::with_capacity(if self.more.is_empty() { 1 } else { MARKS_PER_BLOCK });
                    block.push(mark);
                    if self.more.is_empty() {
                        self.more.reserve_exact(1);
                    }
                    self.more.push(block);
                }
            }
        }
        self.text.push_str(text);
    }

    /// The value's text, pieces joined by single spaces.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The position of the value's first character, if it has any text.
    pub fn start(&self) -> Option<Position> {
        self.first.map(Mark::start)
    }

    /// Each source piece's text and where it starts, in order.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, Position)> + '_ {
        let more = self.more.iter().flatten();
        let all = self.first.iter().chain(more.clone());
        let ends = more.map(|next| next.offset().saturating_sub(1)).chain(std::iter::once(self.text.len()));
        all.zip(ends).map(|(mark, end)| (self.text.get(mark.offset()..end).unwrap_or(""), mark.start()))
    }

    /// How many source pieces the value has.
    pub fn piece_count(&self) -> usize {
        usize::from(self.first.is_some()) + self.more.iter().map(Vec::len).sum::<usize>()
    }

    /// The items of an RPSL `list of ...` value, split at commas and trimmed,
    /// each placed where it stands in the submitted text. An empty item (as in
    /// `A-MNT,,B-MNT` or a trailing comma) is kept as an empty value placed
    /// where the item should have been, so that the caller can report it.
    pub fn list_items(&self) -> Vec<Value> {
        let mut items = Vec::new();
        let mut start = 0;
        for part in self.text.split(',') {
            let lead = part.len() - part.trim_start().len();
            let item = part.trim();
            let offset = start + lead;
            let position = self.position_of(offset).unwrap_or(Position { line: 0, column: 0 });
            let value = if item.is_empty() {
                Value { text: String::new(), first: Some(Mark::new(0, position)), more: Vec::new() }
            } else {
                Value::new(item, position)
            };
            items.push(value);
            start += part.len() + 1;
        }
        items
    }

    /// Maps a byte offset within [`Value::text`] back to the submitted text.
    ///
    /// Offsets past the end map to just after the last character, which is
    /// where an "unexpected end of rule" error belongs. A binary search, so
    /// that many errors in a value of many lines stay linear in all.
    pub fn position_of(&self, offset: usize) -> Option<Position> {
        let first = self.first.filter(|mark| mark.offset() <= offset)?;
        // The last block that starts at or before the offset, then the last mark in it that does.
        let block = self.more.partition_point(|block| block.first().is_some_and(|mark| mark.offset() <= offset));
        let piece = match block.checked_sub(1).and_then(|b| self.more.get(b)) {
            None => first,
            Some(marks) => {
                let within = marks.partition_point(|mark| mark.offset() <= offset);
                within.checked_sub(1).and_then(|m| marks.get(m)).copied().unwrap_or(first)
            }
        };
        let within = self.text.get(piece.offset()..offset.min(self.text.len())).unwrap_or("");
        let start = piece.start();
        Some(Position { line: start.line, column: start.column + within.chars().count() })
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
