//! The recursive-descent parser state both policy grammars share.
//!
//! A [`Parser`] is a token [`Cursor`] and the current nesting depth, with
//! the moves every rule of either grammar makes: going one level deeper
//! under the [`MAX_DEPTH`] guard, reading a parenthesised sub-expression,
//! and reading a comma-separated list up to its closing bracket.
//!
//! The grammars themselves stay apart: each names its own marker type and
//! adds its rules with `impl Parser<'_, Marker>`, so RIPE-181's `primary`
//! and RPSL's `filter` are methods of different types that share one state.

use std::marker::PhantomData;

use super::lexer::{Cursor, Mode, Token, TokenKind};
use super::{expected, quote, PolicyError, MAX_DEPTH};

/// Recursive-descent parser state for the grammar `G`.
pub(super) struct Parser<'a, G> {
    /// The tokens, with one of lookahead.
    pub(super) cursor: Cursor<'a>,
    /// Current nesting of parentheses, `NOT`s and (RPSL) `EXCEPT`s, capped at [`MAX_DEPTH`].
    pub(super) depth: usize,
    grammar: PhantomData<G>,
}

impl<'a, G> Parser<'a, G> {
    /// A parser at the start of `text`.
    pub(super) fn new(text: &'a str) -> Parser<'a, G> {
        Parser { cursor: Cursor::new(text), depth: 0, grammar: PhantomData }
    }

    /// Goes one nesting level deeper on account of `token`; an error past [`MAX_DEPTH`].
    ///
    /// The depth is not restored on an error: an error ends the whole parse.
    pub(super) fn enter(&mut self, token: Token<'_>) -> Result<(), PolicyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(token));
        }
        Ok(())
    }

    /// Runs `inner` one nesting level deeper, on account of `token`.
    pub(super) fn nested<T>(
        &mut self,
        token: Token<'_>,
        inner: impl FnOnce(&mut Self) -> Result<T, PolicyError>,
    ) -> Result<T, PolicyError> {
        self.enter(token)?;
        let value = inner(self)?;
        self.depth -= 1;
        Ok(value)
    }

    /// `( inner )`: consumes the `(` that is the next token in `mode`, runs
    /// `inner` one level deeper, and consumes the matching `)`.
    pub(super) fn parenthesized<T>(
        &mut self,
        mode: Mode,
        inner: impl FnOnce(&mut Self) -> Result<T, PolicyError>,
    ) -> Result<T, PolicyError> {
        let open = self.cursor.bump(mode);
        self.nested(open, |parser| {
            let value = inner(parser)?;
            parser.close_paren(open, mode)?;
            Ok(value)
        })
    }

    /// Consumes the `)` matching `open`.
    ///
    /// If the input ends first, the fault is the `(` that was never closed, so
    /// the error points there; anything else in the way is reported where it is.
    fn close_paren(&mut self, open: Token<'_>, mode: Mode) -> Result<(), PolicyError> {
        let token = self.cursor.peek(mode);
        match token.kind {
            TokenKind::RParen => {
                self.cursor.bump(mode);
                Ok(())
            }
            TokenKind::End => Err(never_closed(open, ")")),
            _ => Err(expected(token, "')' to close the '('", self.cursor.prev())),
        }
    }

    /// The items of a comma-separated list that `open` (just consumed) began,
    /// through the closing `)` or `}`; the list may be empty. `item` reads one
    /// item, in [`Mode::Plain`] like the list itself.
    pub(super) fn comma_list<T>(
        &mut self,
        open: Token<'_>,
        mut item: impl FnMut(&mut Self) -> Result<T, PolicyError>,
    ) -> Result<Vec<T>, PolicyError> {
        let (close, close_text) = match open.kind {
            TokenKind::LBrace => (TokenKind::RBrace, "}"),
            _ => (TokenKind::RParen, ")"),
        };
        let mut items = Vec::new();
        if self.cursor.peek(Mode::Plain).kind == close {
            self.cursor.bump(Mode::Plain);
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            let token = self.cursor.peek(Mode::Plain);
            match token.kind {
                TokenKind::Comma => {
                    self.cursor.bump(Mode::Plain);
                }
                kind if kind == close => {
                    self.cursor.bump(Mode::Plain);
                    return Ok(items);
                }
                TokenKind::End => return Err(never_closed(open, close_text)),
                _ => return Err(expected(token, &format!("',' or '{close_text}'"), self.cursor.prev())),
            }
        }
    }
}

/// The error for a bracket `open` that the input ends without closing.
pub(super) fn never_closed(open: Token<'_>, close_text: &str) -> PolicyError {
    PolicyError::at(open, format!("'{}' is never closed: add the missing '{close_text}'", open.text))
}

/// The error for going past [`MAX_DEPTH`], reported at the token that did it.
fn too_deep(token: Token<'_>) -> PolicyError {
    PolicyError::at(
        token,
        format!("the expression is nested too deeply at {} (more than {MAX_DEPTH} levels)", quote(token.text)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grammar with no rules of its own, to exercise the shared moves.
    enum Bare {}

    fn word(parser: &mut Parser<'_, Bare>) -> Result<String, PolicyError> {
        let token = parser.cursor.bump(Mode::Plain);
        match token.kind {
            TokenKind::Word => Ok(token.text.to_string()),
            _ => Err(expected(token, "a word", None)),
        }
    }

    #[test]
    fn nesting_is_counted_and_capped() {
        let mut parser = Parser::<Bare>::new("(a)");
        assert_eq!(parser.parenthesized(Mode::Plain, word), Ok("a".to_string()));
        assert_eq!(parser.depth, 0);
        let token = parser.cursor.peek(Mode::Plain);
        for _ in 0..MAX_DEPTH {
            assert_eq!(parser.enter(token), Ok(()));
        }
        let error = parser.enter(token).expect_err("one level too deep");
        assert!(error.message.contains("nested too deeply"), "{}", error.message);
    }

    #[test]
    fn unclosed_parenthesis_is_blamed_on_the_open() {
        let mut parser = Parser::<Bare>::new("x (a");
        parser.cursor.bump(Mode::Plain);
        let error = parser.parenthesized(Mode::Plain, word).expect_err("unclosed");
        assert_eq!((error.offset, error.token.as_str()), (2, "("));
        assert_eq!(error.message, "'(' is never closed: add the missing ')'");
        let mut parser = Parser::<Bare>::new("(a b)");
        let error = parser.parenthesized(Mode::Plain, word).expect_err("junk");
        assert_eq!((error.offset, error.token.as_str()), (3, "b"));
    }

    #[test]
    fn comma_lists() {
        let list = |text| {
            let mut parser = Parser::<Bare>::new(text);
            let open = parser.cursor.bump(Mode::Plain);
            parser.comma_list(open, word)
        };
        assert_eq!(list("{}"), Ok(vec![]));
        assert_eq!(list("(a, b)"), Ok(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(list("{a}"), Ok(vec!["a".to_string()]));
        let error = list("{a").expect_err("unclosed");
        assert_eq!((error.offset, error.message.as_str()), (0, "'{' is never closed: add the missing '}'"));
        let error = list("(a b)").expect_err("no comma");
        assert_eq!((error.offset, error.token.as_str()), (3, "b"));
        assert!(error.message.starts_with("expected ',' or ')' after 'a'"), "{}", error.message);
        // A `)` does not close a `{`.
        assert!(list("{a)").is_err());
    }
}
