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

/// One contiguous piece of a [`Value`] and where it starts in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    /// Byte offset of the piece within [`Value::text`].
    offset: usize,
    /// Where the piece's first character stands in the source.
    start: Position,
}

/// An attribute value with its source positions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    text: String,
    pieces: Vec<Piece>,
}

impl Value {
    /// A value made of a single piece of text starting at `start`.
    pub fn new(text: &str, start: Position) -> Value {
        let mut value = Value::default();
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
        self.pieces.push(Piece { offset: self.text.len(), start });
        self.text.push_str(text);
    }

    /// The value's text, pieces joined by single spaces.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The position of the value's first character, if it has any text.
    pub fn start(&self) -> Option<Position> {
        self.pieces.first().map(|p| p.start)
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
            let mut value = Value::default();
            if item.is_empty() {
                value.pieces.push(Piece { offset: 0, start: position });
            } else {
                value.push_piece(item, position);
            }
            items.push(value);
            start += part.len() + 1;
        }
        items
    }

    /// Maps a byte offset within [`Value::text`] back to the submitted text.
    ///
    /// Offsets past the end map to just after the last character, which is
    /// where an "unexpected end of rule" error belongs.
    pub fn position_of(&self, offset: usize) -> Option<Position> {
        let piece = self.pieces.iter().rev().find(|p| p.offset <= offset)?;
        let within = &self.text[piece.offset..offset.min(self.text.len())];
        Some(Position { line: piece.start.line, column: piece.start.column + within.chars().count() })
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
