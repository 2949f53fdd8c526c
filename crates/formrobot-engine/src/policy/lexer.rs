//! The tokenizer shared by the RIPE-181 and RPSL policy grammars.
//!
//! Words are generous: they take in `:`, `.`, `/`, `^` and `+` as well as
//! letters, digits, `-` and `_`, so that `AS1:AS-FOO`, `10.0.0.0/8^24-32`,
//! `2001:db8::/32`, `8501:1` and `community.append` each arrive as one token.
//! The parsers then decide what a word means where it stands.
//!
//! The lexer is lazy and the parser says, token by token, which [`Mode`] it is
//! in. That matters for one character only: `<` compares in an action
//! (`pref < 10`) but opens an AS-path regular expression (`<^AS1 .* $>`) in a
//! filter, and only the parser knows which of the two it is looking at.

/// What sort of token this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of word characters: keywords, AS numbers, set names, prefixes, communities.
    Word,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `;`
    Semicolon,
    /// `,`
    Comma,
    /// One of `=`, `.=`, `+=`, `-=`, `*=`, `/=`, `==`, `!=`, `<`, `>`, `<=`, `>=`.
    Operator,
    /// An AS-path regular expression, from `<` through the next `>`.
    ///
    /// Only produced in [`Mode::Filter`]. If no `>` follows, the token runs to
    /// the end of the input and the parser reports it as unclosed.
    AsPath,
    /// A character no grammar allows: stray punctuation, control or non-ASCII.
    Invalid,
    /// The end of the input; its text is empty.
    End,
}

/// One token and where it stands in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// What sort of token this is.
    pub kind: TokenKind,
    /// The token's text, a slice of the input.
    pub text: &'a str,
    /// Byte offset of the token's first character in the input.
    pub offset: usize,
    /// The keyword a word is, in any case; `None` for any other word or token.
    pub keyword: Option<Keyword>,
}

impl<'a> Token<'a> {
    /// A token of `kind`; a word is looked up among the keywords here, once,
    /// so that the parsers ask which keyword it is with one comparison.
    pub fn new(kind: TokenKind, text: &'a str, offset: usize) -> Token<'a> {
        let keyword = if kind == TokenKind::Word { Keyword::of(text) } else { None };
        Token { kind, text, offset, keyword }
    }

    /// Whether this is the word `keyword`, written in any case.
    pub fn is_keyword(&self, keyword: Keyword) -> bool {
        self.keyword == Some(keyword)
    }

    /// Byte offset just past the token.
    pub fn end(&self) -> usize {
        self.offset + self.text.len()
    }
}

/// A word with a fixed meaning in a policy grammar (RPSL's reserved words,
/// and the few words RIPE-181 and RPSL filters give a meaning of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// `from`
    From,
    /// `to`
    To,
    /// `accept`
    Accept,
    /// `announce`
    Announce,
    /// `action`
    Action,
    /// `networks`
    Networks,
    /// `protocol`
    Protocol,
    /// `into`
    Into,
    /// `at`
    At,
    /// `and`
    And,
    /// `or`
    Or,
    /// `not`
    Not,
    /// `except`
    Except,
    /// `refine`
    Refine,
    /// `afi`
    Afi,
    /// `any`
    Any,
    /// `PeerAS`
    PeerAs,
    /// `THIS-AS` (RIPE-181)
    ThisAs,
}

impl Keyword {
    /// The keyword as the grammars write it.
    pub const fn text(self) -> &'static str {
        match self {
            Keyword::From => "from",
            Keyword::To => "to",
            Keyword::Accept => "accept",
            Keyword::Announce => "announce",
            Keyword::Action => "action",
            Keyword::Networks => "networks",
            Keyword::Protocol => "protocol",
            Keyword::Into => "into",
            Keyword::At => "at",
            Keyword::And => "and",
            Keyword::Or => "or",
            Keyword::Not => "not",
            Keyword::Except => "except",
            Keyword::Refine => "refine",
            Keyword::Afi => "afi",
            Keyword::Any => "any",
            Keyword::PeerAs => "PeerAS",
            Keyword::ThisAs => "THIS-AS",
        }
    }

    /// The keyword `word` is, in any case. Every word of every policy is
    /// asked, and most are AS numbers, set names and prefixes: its length and
    /// first letters name the one keyword it could be, or turn it away, before
    /// any text is compared.
    pub fn of(word: &str) -> Option<Keyword> {
        use Keyword::*;
        let bytes = word.as_bytes();
        // Lower case for letters; anything else still fails the comparison at the end.
        let letter = |at: usize| bytes.get(at).map_or(0, |b| b | 0x20);
        let candidate = match (bytes.len(), letter(0)) {
            (2, b'a') => At,
            (2, b'o') => Or,
            (2, b't') => To,
            (3, b'a') => match (letter(1), letter(2)) {
                (b'n', b'd') => And,
                (b'n', _) => Any,
                _ => Afi,
            },
            (3, b'n') => Not,
            (4, b'f') => From,
            (4, b'i') => Into,
            (6, b'a') if letter(2) == b'c' => Accept,
            (6, b'a') => Action,
            (6, b'e') => Except,
            (6, b'p') => PeerAs,
            (6, b'r') => Refine,
            // Its `-` is the one byte of a keyword that is no letter, and a
            // carriage return folds to it: it is compared as it is.
            (7, b't') if bytes[4] == b'-' => ThisAs,
            (8, b'a') => Announce,
            (8, b'n') => Networks,
            (8, b'p') => Protocol,
            _ => return None,
        };
        (folded(bytes) == candidate.folded()).then_some(candidate)
    }

    /// The keyword in lower case, as [`folded`] makes a word of up to eight bytes.
    fn folded(self) -> u64 {
        const fn fold(keyword: Keyword) -> u64 {
            let text = keyword.text().as_bytes();
            let mut eight = [0; 8];
            let mut at = 0;
            while at < text.len() {
                eight[at] = text[at].to_ascii_lowercase();
                at += 1;
            }
            u64::from_le_bytes(eight)
        }
        const FOLDED: [u64; ALL_KEYWORDS.len()] = {
            let mut folded = [0; ALL_KEYWORDS.len()];
            let mut at = 0;
            while at < ALL_KEYWORDS.len() {
                folded[at] = fold(ALL_KEYWORDS[at]);
                at += 1;
            }
            folded
        };
        FOLDED[self as usize]
    }

    /// Whether RPSL reserves the word: it never stands for an attribute, a
    /// value, a router or (bar `NOT`) a filter term.
    pub fn is_reserved(self) -> bool {
        !matches!(self, Keyword::Afi | Keyword::Any | Keyword::PeerAs | Keyword::ThisAs)
    }
}

/// Every keyword, in the order of their declaration (so `keyword as usize` is its place here).
const ALL_KEYWORDS: [Keyword; 18] = {
    use Keyword::*;
    [
        From, To, Accept, Announce, Action, Networks, Protocol, Into, At, And, Or, Not, Except, Refine, Afi, Any,
        PeerAs, ThisAs,
    ]
};

/// A word of up to eight bytes as one number, `0x20` set in each of its
/// bytes: capitals become small letters, and a byte that becomes a small
/// letter was that letter in either case, so that a word and a keyword of
/// letters are the same in any case exactly when their numbers are equal.
fn folded(word: &[u8]) -> u64 {
    // Two loads that overlap in the middle (the bytes they share are the same
    // bytes, so OR-ing them is harmless) read any length with no copy.
    let length = word.len();
    let number = match length {
        0 => return 0,
        1 => u64::from(word[0]),
        2..=3 => {
            let low = u16::from_le_bytes([word[0], word[1]]);
            let high = u16::from_le_bytes([word[length - 2], word[length - 1]]);
            u64::from(low) | u64::from(high) << (8 * (length - 2))
        }
        4..=8 => {
            let low = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            let high = u32::from_le_bytes([word[length - 4], word[length - 3], word[length - 2], word[length - 1]]);
            u64::from(low) | u64::from(high) << (8 * (length - 4))
        }
        _ => return u64::MAX,
    };
    let lower = u64::from_ne_bytes([0x20; 8]) & (u64::MAX >> (64 - 8 * length.clamp(1, 8)));
    number | lower
}

impl std::fmt::Display for Keyword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// Where in the grammar the parser is, as far as the lexer cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `<` is a comparison operator.
    Plain,
    /// `<` opens an AS-path regular expression.
    Filter,
}

/// Cuts policy text into tokens, one at a time.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    text: &'a str,
    /// Always on a character boundary: the lexer only ever steps over whole
    /// ASCII bytes or whole characters.
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `text`.
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0 }
    }

    /// The next token; [`TokenKind::End`] once the input is used up, and again after that.
    pub fn next_token(&mut self, mode: Mode) -> Token<'a> {
        let bytes = self.text.as_bytes();
        while bytes.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&first) = bytes.get(start) else {
            return Token::new(TokenKind::End, "", self.text.len());
        };
        // Most tokens are words that start with a letter or a digit (keywords,
        // AS numbers, set names): they need none of the questions below.
        if WORD_BYTES[usize::from(first)] == Byte::Word {
            let end = self.word_end(start);
            self.pos = end;
            return Token::new(TokenKind::Word, self.text.get(start..end).unwrap_or(""), start);
        }
        let second = bytes.get(start + 1).copied();
        let (kind, end) = match first {
            b'(' => (TokenKind::LParen, start + 1),
            b')' => (TokenKind::RParen, start + 1),
            b'{' => (TokenKind::LBrace, start + 1),
            b'}' => (TokenKind::RBrace, start + 1),
            b';' => (TokenKind::Semicolon, start + 1),
            b',' => (TokenKind::Comma, start + 1),
            b'<' if second == Some(b'=') => (TokenKind::Operator, start + 2),
            b'<' if mode == Mode::Filter => (TokenKind::AsPath, self.as_path_end(start)),
            b'<' | b'>' | b'=' if second == Some(b'=') => (TokenKind::Operator, start + 2),
            b'<' | b'>' | b'=' => (TokenKind::Operator, start + 1),
            // These are word characters too (or `!`/`*`, nothing at all), so the
            // operator reading has to be tried before the word reading.
            b'.' | b'+' | b'-' | b'/' | b'*' | b'!' if second == Some(b'=') => (TokenKind::Operator, start + 2),
            b if is_word_byte(b) => (TokenKind::Word, self.word_end(start)),
            b if b.is_ascii() => (TokenKind::Invalid, start + 1),
            _ => {
                let width = self.text.get(start..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8);
                (TokenKind::Invalid, start + width)
            }
        };
        self.pos = end;
        Token::new(kind, self.text.get(start..end).unwrap_or(""), start)
    }

    /// Where a word starting at `start` (a word byte) ends.
    fn word_end(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        // The first byte is the word's whatever follows it; each further byte
        // is looked up once, as every byte of every word passes here.
        let mut end = start + 1;
        while let Some(&b) = bytes.get(end) {
            match WORD_BYTES[usize::from(b)] {
                Byte::Word => end += 1,
                // `community.={...}` and `pref+=1`: the operator wins over the word.
                Byte::WordOrOperator if bytes.get(end + 1) != Some(&b'=') => end += 1,
                Byte::WordOrOperator | Byte::Other => break,
            }
        }
        end
    }

    /// Where an AS-path expression starting with the `<` at `start` ends: just
    /// past the next `>`, or the end of the input if there is none.
    fn as_path_end(&self, start: usize) -> usize {
        let rest = self.text.as_bytes().get(start + 1..).unwrap_or(&[]);
        match rest.iter().position(|&b| b == b'>') {
            Some(i) => start + 1 + i + 1,
            None => self.text.len(),
        }
    }
}

/// Whether `b` may appear in a word: one look-up in [`WORD_BYTES`], as every byte of every policy asks.
fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[usize::from(b)] != Byte::Other
}

/// What a byte is to a word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    /// A letter, a digit, `_`, `:` or `^`.
    Word,
    /// `.`, `+`, `-` or `/`: part of a word, unless `=` follows (`.=`, `+=`, `-=`, `/=`).
    WordOrOperator,
    /// Anything else ends a word.
    Other,
}

/// What each byte is to a word, by value.
static WORD_BYTES: [Byte; 256] = {
    let mut table = [Byte::Other; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b':' | b'^') {
            table[b] = Byte::Word;
        } else if matches!(byte, b'.' | b'+' | b'-' | b'/') {
            table[b] = Byte::WordOrOperator;
        }
        b += 1;
    }
    table
};

/// Every token of `text` in one mode, without the final [`TokenKind::End`].
///
/// The parsers use a [`Cursor`] instead; this is for tests and diagnostics.
pub fn tokenize(text: &str, mode: Mode) -> Vec<Token<'_>> {
    let mut lexer = Lexer::new(text);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token(mode);
        if token.kind == TokenKind::End {
            return tokens;
        }
        tokens.push(token);
    }
}

/// A lexer with one token of lookahead, as the recursive-descent parsers use it.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    lexer: Lexer<'a>,
    /// The lookahead token and the mode it was lexed in.
    peeked: Option<(Token<'a>, Mode)>,
    /// The token most recently consumed, for "after 'x'" in messages.
    prev: Option<Token<'a>>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'a str) -> Cursor<'a> {
        Cursor { lexer: Lexer::new(text), peeked: None, prev: None }
    }

    /// The whole input.
    pub fn text(&self) -> &'a str {
        self.lexer.text
    }

    /// The next token, without consuming it.
    pub fn peek(&mut self, mode: Mode) -> Token<'a> {
        if let Some((token, peeked_mode)) = self.peeked {
            // Only a token starting with `<` can read differently in the other
            // mode; anything else is reused as is.
            if peeked_mode == mode || !token.text.starts_with('<') {
                return token;
            }
            self.lexer.pos = token.offset;
        }
        let token = self.lexer.next_token(mode);
        self.peeked = Some((token, mode));
        token
    }

    /// Consumes and returns the next token.
    pub fn bump(&mut self, mode: Mode) -> Token<'a> {
        let token = self.peek(mode);
        self.peeked = None;
        self.prev = Some(token);
        token
    }

    /// The token most recently consumed, if any.
    pub fn prev(&self) -> Option<Token<'a>> {
        self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, mode: Mode) -> Vec<&str> {
        tokenize(text, mode).into_iter().map(|t| t.text).collect()
    }

    fn kinds(text: &str, mode: Mode) -> Vec<TokenKind> {
        tokenize(text, mode).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn action_items_split_at_operators() {
        assert_eq!(texts("pref=120;", Mode::Plain), ["pref", "=", "120", ";"]);
        assert_eq!(texts("med = 0 ;", Mode::Plain), ["med", "=", "0", ";"]);
        assert_eq!(
            texts("community.append(8501:1, 8501:2);", Mode::Plain),
            ["community.append", "(", "8501:1", ",", "8501:2", ")", ";"]
        );
        assert_eq!(texts("community.={8501:1}", Mode::Plain), ["community", ".=", "{", "8501:1", "}"]);
        assert_eq!(
            texts("pref+=1 pref-=2 pref*=3 pref/=4", Mode::Plain),
            ["pref", "+=", "1", "pref", "-=", "2", "pref", "*=", "3", "pref", "/=", "4"]
        );
        assert_eq!(
            texts("a==b a!=b a<b a>b a<=b a>=b", Mode::Plain),
            ["a", "==", "b", "a", "!=", "b", "a", "<", "b", "a", ">", "b", "a", "<=", "b", "a", ">=", "b"]
        );
    }

    #[test]
    fn words_keep_prefixes_and_set_names_whole() {
        assert_eq!(
            texts("{10.0.0.0/8^24-32, 2001:db8::/32}", Mode::Plain),
            ["{", "10.0.0.0/8^24-32", ",", "2001:db8::/32", "}"]
        );
        assert_eq!(
            texts("AS1:AS-FOO AS1^+ next-hop NO_EXPORT", Mode::Plain),
            ["AS1:AS-FOO", "AS1^+", "next-hop", "NO_EXPORT"]
        );
    }

    #[test]
    fn offsets_are_byte_offsets() {
        let tokens = tokenize("from  AS1\taccept\nANY", Mode::Plain);
        let offsets: Vec<usize> = tokens.iter().map(|t| t.offset).collect();
        assert_eq!(offsets, [0, 6, 10, 17]);
        assert_eq!(tokens[1].end(), 9);
    }

    #[test]
    fn as_path_only_in_filter_mode() {
        assert_eq!(texts("<^AS1 AS2+ .* $> AND ANY", Mode::Filter), ["<^AS1 AS2+ .* $>", "AND", "ANY"]);
        assert_eq!(kinds("<^AS1>", Mode::Filter), [TokenKind::AsPath]);
        assert_eq!(kinds("<^AS1>", Mode::Plain)[0], TokenKind::Operator);
        assert_eq!(texts("<= 3", Mode::Filter), ["<=", "3"]);
        // Unclosed: runs to the end, the parser complains.
        assert_eq!(texts("<AS1 AS2", Mode::Filter), ["<AS1 AS2"]);
    }

    #[test]
    fn cursor_relexes_when_the_mode_changes() {
        let mut cursor = Cursor::new("pref < 10 <AS1>");
        assert_eq!(cursor.bump(Mode::Plain).text, "pref");
        assert_eq!(cursor.peek(Mode::Filter).kind, TokenKind::AsPath);
        assert_eq!(cursor.peek(Mode::Plain).text, "<");
        assert_eq!(cursor.bump(Mode::Plain).text, "<");
        assert_eq!(cursor.bump(Mode::Filter).text, "10");
        assert_eq!(cursor.bump(Mode::Filter).text, "<AS1>");
        assert_eq!(cursor.prev().map(|t| t.text), Some("<AS1>"));
        let end = cursor.bump(Mode::Filter);
        assert_eq!((end.kind, end.offset, end.text), (TokenKind::End, 15, ""));
        assert_eq!(cursor.bump(Mode::Plain).kind, TokenKind::End);
    }

    #[test]
    fn strange_characters_become_invalid_tokens() {
        let tokens = tokenize("AS1 ! é\u{7}日 $ *", Mode::Plain);
        let got: Vec<(TokenKind, &str, usize)> = tokens.iter().map(|t| (t.kind, t.text, t.offset)).collect();
        assert_eq!(
            got,
            [
                (TokenKind::Word, "AS1", 0),
                (TokenKind::Invalid, "!", 4),
                (TokenKind::Invalid, "é", 6),
                (TokenKind::Invalid, "\u{7}", 8),
                (TokenKind::Invalid, "日", 9),
                (TokenKind::Invalid, "$", 13),
                (TokenKind::Invalid, "*", 15),
            ]
        );
    }

    #[test]
    fn keywords_ignore_case() {
        let tokens = tokenize("aNd", Mode::Plain);
        assert!(tokens[0].is_keyword(Keyword::And));
        assert!(!tokens[0].is_keyword(Keyword::Or));
    }

    #[test]
    fn every_keyword_and_only_a_keyword_is_found() {
        use Keyword::*;
        for (place, keyword) in ALL_KEYWORDS.into_iter().enumerate() {
            assert_eq!(keyword as usize, place, "{keyword}");
            let text = keyword.text();
            assert_eq!(Keyword::of(text), Some(keyword), "{text}");
            assert_eq!(Keyword::of(&text.to_ascii_uppercase()), Some(keyword), "{text}");
            assert_eq!(Keyword::of(&text.to_ascii_lowercase()), Some(keyword), "{text}");
            assert_eq!(Keyword::of(&format!("{text}1")), None, "{text}1");
            assert_eq!(Keyword::of(&text[..text.len() - 1]), None, "{text} cut short");
        }
        // Folding reads every byte of every length, in place.
        for text in ["", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"] {
            let mut eight = [0; 8];
            eight[..text.len()].copy_from_slice(text.as_bytes());
            let lower = eight.map(|b| if b == 0 { 0 } else { b | 0x20 });
            let expected = if text.is_empty() { 0 } else { u64::from_le_bytes(lower) };
            assert_eq!(folded(text.to_ascii_uppercase().as_bytes()), expected, "{text}");
        }
        assert_eq!(folded(b"abcdefghi"), u64::MAX);
        for other in [
            "AS1",
            "AS-ANY",
            "announces",
            "t",
            "",
            "fromage",
            "PeerAS1",
            "action1",
            "10.0.0.0/8",
            "a",
            "THIS\rAS",
            "F\u{d2}OM",
        ] {
            assert_eq!(Keyword::of(other), None, "{other}");
        }
        // Only words are keywords.
        assert_eq!(Token::new(TokenKind::Invalid, "and", 0).keyword, None);
        assert_eq!(
            tokenize("ANY ( from", Mode::Plain).iter().map(|t| t.keyword).collect::<Vec<_>>(),
            [Some(Any), None, Some(From)]
        );
    }
}
