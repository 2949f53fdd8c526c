//! RPSL routing policies (RFC 2622, section 6): `import`, `export` and `default`.
//!
//! ```text
//! import:  [protocol <p1>] [into <p2>]
//!          from <peering> [action <action>] ... accept <filter> [;]
//! export:  [protocol <p1>] [into <p2>]
//!          to <peering> [action <action>] ... announce <filter> [;]
//! default: to <peering> [action <action>] [networks <filter>]
//! ```
//!
//! A peering is an AS expression (AS numbers and as-sets joined by `AND`,
//! `OR` and `EXCEPT`), optionally narrowed to a router of the peer and `at` a
//! router of our own, or a peering-set name. Actions are items each ending in
//! `;`. Filters combine `ANY`, AS numbers, sets, prefix lists and AS-path
//! expressions with `AND`, `OR`, `NOT`; two terms side by side mean `OR`.
//!
//! The RIPE request forms write the AS being requested as `NEW` (or `NEW1`,
//! `ASNEW`, ...), since it has no number yet; filters accept that placeholder.
//!
//! Structured policies (`refine`, `{ ... }` blocks) and RPSLng's `afi` are
//! not part of the forms and are not supported.

use std::net::IpAddr;

use super::lexer::{Cursor, Mode, Token, TokenKind};
use super::{
    asn_error, classify_asn, close_paren, collapse, expected, found, invalid_char, is_identifier,
    parse_u32,
};
use super::{quote, too_deep, AsnWord, PolicyError, MAX_DEPTH};

/// An `import` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The protocol routes are learnt by (`protocol BGP4`), if given.
    pub protocol: Option<String>,
    /// The protocol routes are imported into (`into OSPF`), if given.
    pub into: Option<String>,
    /// One entry per `from` clause, in order.
    pub peerings: Vec<PeeringAction>,
    /// The `accept` filter.
    pub filter: Filter,
}

/// An `export` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The protocol routes are announced by (`protocol BGP4`), if given.
    pub protocol: Option<String>,
    /// The protocol routes are taken from (`into OSPF`), if given.
    pub into: Option<String>,
    /// One entry per `to` clause, in order.
    pub peerings: Vec<PeeringAction>,
    /// The `announce` filter.
    pub filter: Filter,
}

/// A `default` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Default {
    /// The `to` clause and its actions.
    pub peering: PeeringAction,
    /// The `networks` filter, if given.
    pub networks: Option<Filter>,
}

/// One `from`/`to` clause: whom, and what to do to their routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringAction {
    /// The neighbours.
    pub peering: Peering,
    /// The `action` items, empty if there is no `action`.
    pub actions: Vec<ActionItem>,
}

/// The neighbours a clause talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peering {
    /// An AS expression, optionally narrowed to particular routers.
    Remote {
        /// Which ASes.
        as_expr: AsExpr,
        /// The peer's router (`from AS1 192.0.2.1`), if given.
        peer_router: Option<Router>,
        /// Our own router (`at 192.0.2.2`), if given.
        local_router: Option<Router>,
    },
    /// A peering-set such as `PRNG-FOO` or `AS1:PRNG-FOO`, as written.
    Set(String),
}

impl Peering {
    /// The AS numbers (`AS1234`) and as-set names (upper case) this peering
    /// names, in order of appearance, repeats included. A peering-set names
    /// none directly.
    pub fn neighbours(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Peering::Remote { as_expr, .. } = self {
            as_expr.collect_names(&mut names);
        }
        names
    }
}

/// An AS expression in a peering.
///
/// `AND` and `EXCEPT` bind equally tightly and group to the left, `OR` less
/// tightly, as in RFC 2622 and the IRRToolSet grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsExpr {
    /// One AS.
    As(u32),
    /// An as-set such as `AS-FOO` or `AS1:AS-FOO`, as written.
    AsSet(String),
    /// `AS-ANY`: every AS.
    Any,
    /// Any of the operands.
    Or(Vec<AsExpr>),
    /// All of the operands.
    And(Vec<AsExpr>),
    /// The first operand without the second.
    Except(Box<AsExpr>, Box<AsExpr>),
}

impl AsExpr {
    fn collect_names(&self, names: &mut Vec<String>) {
        match self {
            AsExpr::As(asn) => names.push(format!("AS{asn}")),
            AsExpr::AsSet(name) => names.push(name.to_ascii_uppercase()),
            AsExpr::Any => names.push("AS-ANY".to_string()),
            AsExpr::Or(items) | AsExpr::And(items) => {
                for item in items {
                    item.collect_names(names);
                }
            }
            AsExpr::Except(left, right) => {
                left.collect_names(names);
                right.collect_names(names);
            }
        }
    }
}

/// A router in a peering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Router {
    /// An IPv4 or IPv6 address.
    Address(IpAddr),
    /// A DNS name such as `rtr1.example.net`.
    Name(String),
    /// A router set such as `RTRS-FOO`, as written.
    Set(String),
}

/// One item of an `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionItem {
    /// `<attribute> <operator> <value>`, such as `pref=120` or `community .= {8501:1}`.
    Assign {
        /// The route attribute, as written (`pref`, `med`, `next-hop`, ...).
        attribute: String,
        /// The operator.
        op: Operator,
        /// The value.
        value: Value,
    },
    /// `<attribute>.<method>(<args>)`, such as `aspath.prepend(AS1, AS1)`.
    Call {
        /// The route attribute, as written.
        attribute: String,
        /// The method, as written.
        method: String,
        /// The arguments.
        args: Vec<Value>,
    },
}

/// An operator in an action item or attribute filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`
    Assign,
    /// `.=`
    Append,
    /// `+=`
    Add,
    /// `-=`
    Subtract,
    /// `*=`
    Multiply,
    /// `/=`
    Divide,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
    /// `<`
    Less,
    /// `>`
    Greater,
    /// `<=`
    LessEqual,
    /// `>=`
    GreaterEqual,
}

impl Operator {
    /// The operator spelt `text`, if it is one.
    pub fn from_text(text: &str) -> Option<Operator> {
        Some(match text {
            "=" => Operator::Assign,
            ".=" => Operator::Append,
            "+=" => Operator::Add,
            "-=" => Operator::Subtract,
            "*=" => Operator::Multiply,
            "/=" => Operator::Divide,
            "==" => Operator::Equal,
            "!=" => Operator::NotEqual,
            "<" => Operator::Less,
            ">" => Operator::Greater,
            "<=" => Operator::LessEqual,
            ">=" => Operator::GreaterEqual,
            _ => return None,
        })
    }
}

/// A value in an action item or method call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A whole number such as `120`.
    Number(u32),
    /// An AS number such as `AS1`.
    As(u32),
    /// A community such as `8501:1`.
    Community(u16, u16),
    /// Any other word (`self`, `NO_EXPORT`, `igp_cost`, an address), as written.
    Word(String),
    /// A braced list such as `{8501:1, 8501:2}`.
    List(Vec<Value>),
}

/// A route filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Any of the operands, written with `OR` or side by side.
    Or(Vec<Filter>),
    /// All of the operands.
    And(Vec<Filter>),
    /// Everything but the operand.
    Not(Box<Filter>),
    /// `ANY`: every route.
    Any,
    /// `PeerAS`: the routes of the AS on the other side of the peering.
    PeerAs,
    /// The request form's placeholder for the AS being requested (`NEW`,
    /// `NEW1`, `ASNEW`, ...), in upper case.
    NewAs(String),
    /// The routes originated by an AS, such as `AS1` or `AS1^+`.
    As {
        /// The AS.
        asn: u32,
        /// The range operator, if any.
        range: Option<RangeOp>,
    },
    /// The routes of an as-set such as `AS-FOO`.
    AsSet {
        /// The set's name, as written.
        name: String,
        /// The range operator, if any.
        range: Option<RangeOp>,
    },
    /// The routes of a route-set such as `RS-FOO`.
    RouteSet {
        /// The set's name, as written.
        name: String,
        /// The range operator, if any.
        range: Option<RangeOp>,
    },
    /// A filter-set such as `FLTR-MARTIAN`, as written.
    FilterSet(String),
    /// A braced prefix list, possibly empty, with an optional range operator after the `}`.
    Prefixes {
        /// The prefixes.
        prefixes: Vec<Prefix>,
        /// The range operator applied to all of them, if any.
        range: Option<RangeOp>,
    },
    /// An AS-path regular expression; the text between `<` and `>`.
    AsPath(String),
    /// An attribute method such as `community.contains(8501:1)` or `community(8501:1)`.
    Call {
        /// The route attribute, as written.
        attribute: String,
        /// The method, if written with a dot.
        method: Option<String>,
        /// The arguments.
        args: Vec<Value>,
    },
    /// An attribute comparison such as `community == {8501:1}`.
    Compare {
        /// The route attribute, as written.
        attribute: String,
        /// The operator.
        op: Operator,
        /// The value compared with.
        value: Value,
    },
}

/// One prefix in a braced list, such as `10.0.0.0/8^24-32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length.
    pub len: u8,
    /// The range operator, if any.
    pub range: Option<RangeOp>,
}

/// A range operator, which widens a prefix to more specific ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOp {
    /// `^-`: the more specifics, not the prefix itself.
    Exclusive,
    /// `^+`: the prefix and its more specifics.
    Inclusive,
    /// `^n`: the more specifics of length `n`.
    Exact(u8),
    /// `^n-m`: the more specifics of lengths `n` to `m`.
    Range(u8, u8),
}

/// Parses an `import` value.
pub fn parse_import(text: &str) -> Result<Import, PolicyError> {
    let mut parser = Parser::new(text);
    let (protocol, into) = parser.protocols()?;
    let peerings = parser.clauses(&IMPORT)?;
    let filter = parser.filter()?;
    parser.finish("filter")?;
    Ok(Import {
        protocol,
        into,
        peerings,
        filter,
    })
}

/// Parses an `export` value.
pub fn parse_export(text: &str) -> Result<Export, PolicyError> {
    let mut parser = Parser::new(text);
    let (protocol, into) = parser.protocols()?;
    let peerings = parser.clauses(&EXPORT)?;
    let filter = parser.filter()?;
    parser.finish("filter")?;
    Ok(Export {
        protocol,
        into,
        peerings,
        filter,
    })
}

/// Parses an RPSL `default` value.
pub fn parse_default(text: &str) -> Result<Default, PolicyError> {
    let mut parser = Parser::new(text);
    let token = parser.cursor.peek(Mode::Plain);
    if token.is_keyword("from") {
        return Err(PolicyError::at(
            token,
            "a default rule starts with 'to', not 'from', such as 'to AS1103'",
        ));
    }
    if !token.is_keyword("to") {
        return Err(expected(
            token,
            "'to' and the neighbouring AS (such as 'to AS1103')",
            None,
        ));
    }
    parser.cursor.bump(Mode::Plain);
    let peering = parser.peering_action()?;
    let next = parser.cursor.peek(Mode::Plain);
    if next.is_keyword("networks") {
        parser.cursor.bump(Mode::Plain);
        let networks = parser.filter()?;
        parser.finish("filter")?;
        return Ok(Default {
            peering,
            networks: Some(networks),
        });
    }
    if !matches!(next.kind, TokenKind::End | TokenKind::Semicolon) {
        return Err(parser.after_peering(next, "'action', 'networks' or the end of the rule"));
    }
    parser.finish("peering")?;
    Ok(Default {
        peering,
        networks: None,
    })
}

/// The keywords of one rule type, for its clause loop and its error messages.
struct RuleWords {
    rule: &'static str,
    clause: &'static str,
    filter: &'static str,
    /// The other direction's keywords, a common mix-up worth its own message.
    wrong_clause: &'static str,
    wrong_filter: &'static str,
}

const IMPORT: RuleWords = RuleWords {
    rule: "an import",
    clause: "from",
    filter: "accept",
    wrong_clause: "to",
    wrong_filter: "announce",
};

const EXPORT: RuleWords = RuleWords {
    rule: "an export",
    clause: "to",
    filter: "announce",
    wrong_clause: "from",
    wrong_filter: "accept",
};

/// Words with a fixed meaning in RPSL policies, which therefore never stand
/// for an attribute, a value, a router or (bar `NOT`) a filter term.
const RESERVED: &[&str] = &[
    "from", "to", "accept", "announce", "action", "networks", "protocol", "into", "at", "and",
    "or", "not", "except", "refine",
];

fn is_reserved(token: Token<'_>) -> bool {
    token.kind == TokenKind::Word
        && RESERVED
            .iter()
            .any(|word| token.text.eq_ignore_ascii_case(word))
}

/// What a filter term may be, for "expected ..." messages.
const FILTER_TERM: &str = "a filter such as ANY, NEW, AS1103, AS-FOO or {192.0.2.0/24}";

/// What an AS expression term may be, for "expected ..." messages.
const AS_TERM: &str = "an AS number such as AS1103 or an as-set such as AS-FOO";

/// Recursive-descent parser state.
struct Parser<'a> {
    cursor: Cursor<'a>,
    /// Current nesting of parentheses, `NOT`s and `EXCEPT`s, capped at [`MAX_DEPTH`].
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            cursor: Cursor::new(text),
            depth: 0,
        }
    }

    fn enter(&mut self, token: Token<'_>) -> Result<(), PolicyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(token));
        }
        Ok(())
    }

    /// The optional `protocol <p1>` and `into <p2>`.
    fn protocols(&mut self) -> Result<(Option<String>, Option<String>), PolicyError> {
        let mut protocol = None;
        let mut into = None;
        if self.cursor.peek(Mode::Plain).is_keyword("protocol") {
            protocol = Some(self.protocol_name()?);
        }
        if self.cursor.peek(Mode::Plain).is_keyword("into") {
            into = Some(self.protocol_name()?);
        }
        Ok((protocol, into))
    }

    /// The name after `protocol` or `into`, which is the next token.
    fn protocol_name(&mut self) -> Result<String, PolicyError> {
        let keyword = self.cursor.bump(Mode::Plain);
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && !is_reserved(token) && is_identifier(token.text) {
            self.cursor.bump(Mode::Plain);
            return Ok(token.text.to_string());
        }
        Err(expected(
            token,
            "a protocol name such as BGP4 or OSPF",
            Some(keyword),
        ))
    }

    /// One or more `from`/`to` clauses, through the `accept`/`announce`.
    fn clauses(&mut self, words: &RuleWords) -> Result<Vec<PeeringAction>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.is_keyword(words.wrong_clause) || token.is_keyword(words.wrong_filter) {
            return Err(wrong_direction(token, words));
        }
        if !token.is_keyword(words.clause) {
            let what = format!(
                "'{}' and the neighbouring AS (such as '{} AS1103')",
                words.clause, words.clause
            );
            return Err(expected(token, &what, self.cursor.prev()));
        }
        let mut peerings = Vec::new();
        loop {
            self.cursor.bump(Mode::Plain);
            peerings.push(self.peering_action()?);
            let token = self.cursor.peek(Mode::Plain);
            if token.is_keyword(words.filter) {
                self.cursor.bump(Mode::Plain);
                return Ok(peerings);
            }
            if token.is_keyword(words.wrong_clause) || token.is_keyword(words.wrong_filter) {
                return Err(wrong_direction(token, words));
            }
            if !token.is_keyword(words.clause) {
                let what = format!(
                    "'{}' and a filter, 'action', or another '{}'",
                    words.filter, words.clause
                );
                return Err(self.after_peering(token, &what));
            }
        }
    }

    /// The error for `token` where a peering (and its actions) should have ended.
    fn after_peering(&self, token: Token<'_>, what: &str) -> PolicyError {
        let looks_like_as = token.kind == TokenKind::Word
            && (classify_asn(token.text) != AsnWord::NotAsn
                || set_kind(token.text) == SetName::Set(SetKind::As)
                || token.text.eq_ignore_ascii_case("AS-ANY"));
        if looks_like_as {
            return PolicyError::at(
                token,
                format!(
                    "{} must be joined to the peering before it with AND, OR or EXCEPT",
                    quote(token.text)
                ),
            );
        }
        expected(token, what, self.cursor.prev())
    }

    /// A peering and its optional `action`.
    fn peering_action(&mut self) -> Result<PeeringAction, PolicyError> {
        let peering = self.peering()?;
        let actions = if self.cursor.peek(Mode::Plain).is_keyword("action") {
            self.actions()?
        } else {
            Vec::new()
        };
        Ok(PeeringAction { peering, actions })
    }

    fn peering(&mut self) -> Result<Peering, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && set_kind(token.text) == SetName::Set(SetKind::Peering) {
            self.cursor.bump(Mode::Plain);
            return Ok(Peering::Set(token.text.to_string()));
        }
        let as_expr = self.as_or()?;
        let mut peer_router = None;
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Word && !is_reserved(token) {
            if let Some(router) = router(token)? {
                self.cursor.bump(Mode::Plain);
                peer_router = Some(router);
            }
        }
        let mut local_router = None;
        if self.cursor.peek(Mode::Plain).is_keyword("at") {
            let at = self.cursor.bump(Mode::Plain);
            let token = self.cursor.peek(Mode::Plain);
            let found_router = if token.kind == TokenKind::Word && !is_reserved(token) {
                router(token)?
            } else {
                None
            };
            match found_router {
                Some(router) => {
                    self.cursor.bump(Mode::Plain);
                    local_router = Some(router);
                }
                None => {
                    return Err(expected(
                        token,
                        "a router address such as 192.0.2.1 or a router name",
                        Some(at),
                    ));
                }
            }
        }
        Ok(Peering::Remote {
            as_expr,
            peer_router,
            local_router,
        })
    }

    fn as_or(&mut self) -> Result<AsExpr, PolicyError> {
        let mut terms = vec![self.as_and()?];
        while self.cursor.peek(Mode::Plain).is_keyword("OR") {
            self.cursor.bump(Mode::Plain);
            terms.push(self.as_and()?);
        }
        Ok(collapse(terms, AsExpr::Or))
    }

    fn as_and(&mut self) -> Result<AsExpr, PolicyError> {
        let depth = self.depth;
        let mut terms = vec![self.as_primary()?];
        loop {
            let token = self.cursor.peek(Mode::Plain);
            if token.is_keyword("AND") {
                self.cursor.bump(Mode::Plain);
                terms.push(self.as_primary()?);
            } else if token.is_keyword("EXCEPT") {
                // Each EXCEPT wraps everything to its left one level deeper,
                // so a long chain of them counts against the nesting limit.
                self.cursor.bump(Mode::Plain);
                self.enter(token)?;
                let left = collapse(std::mem::take(&mut terms), AsExpr::And);
                let right = self.as_primary()?;
                terms.push(AsExpr::Except(Box::new(left), Box::new(right)));
            } else {
                break;
            }
        }
        self.depth = depth;
        Ok(collapse(terms, AsExpr::And))
    }

    fn as_primary(&mut self) -> Result<AsExpr, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        match token.kind {
            TokenKind::LParen => {
                self.cursor.bump(Mode::Plain);
                self.enter(token)?;
                let inner = self.as_or()?;
                close_paren(&mut self.cursor, token, Mode::Plain)?;
                self.depth -= 1;
                Ok(inner)
            }
            TokenKind::Word if !is_reserved(token) => {
                let term = self.as_word(token)?;
                self.cursor.bump(Mode::Plain);
                Ok(term)
            }
            _ => Err(expected(token, AS_TERM, self.cursor.prev())),
        }
    }

    /// What a word in an AS expression stands for.
    fn as_word(&self, token: Token<'_>) -> Result<AsExpr, PolicyError> {
        let word = token.text;
        if word.eq_ignore_ascii_case("AS-ANY") {
            return Ok(AsExpr::Any);
        }
        match classify_asn(word) {
            AsnWord::Valid(asn) => return Ok(AsExpr::As(asn)),
            AsnWord::NotAsn => {}
            bad => return Err(asn_error(token, bad)),
        }
        match set_kind(word) {
            SetName::Set(SetKind::As) => Ok(AsExpr::AsSet(word.to_string())),
            SetName::Set(SetKind::Peering) => Err(PolicyError::at(
                token,
                format!(
                    "the peering-set {} must stand alone, not inside an AS expression",
                    quote(word)
                ),
            )),
            SetName::Set(kind) => Err(PolicyError::at(
                token,
                format!(
                    "{} is a {}, but a peering needs AS numbers or as-sets",
                    quote(word),
                    kind.describe()
                ),
            )),
            SetName::Bad(message) => Err(PolicyError::at(token, message)),
            SetName::NotSet => Err(expected(token, AS_TERM, self.cursor.prev())),
        }
    }

    /// `action` and its items, each ending in `;`.
    fn actions(&mut self) -> Result<Vec<ActionItem>, PolicyError> {
        let keyword = self.cursor.bump(Mode::Plain);
        let mut items = Vec::new();
        loop {
            let token = self.cursor.peek(Mode::Plain);
            if token.kind != TokenKind::Word || is_reserved(token) {
                break;
            }
            items.push(self.action_item()?);
        }
        if items.is_empty() {
            let token = self.cursor.peek(Mode::Plain);
            return Err(expected(
                token,
                "an action such as 'pref=100;'",
                Some(keyword),
            ));
        }
        Ok(items)
    }

    fn action_item(&mut self) -> Result<ActionItem, PolicyError> {
        let name = self.cursor.bump(Mode::Plain);
        let next = self.cursor.peek(Mode::Plain);
        let item = match next.kind {
            TokenKind::LParen => {
                let Some((attribute, method)) = split_method(name.text) else {
                    return Err(PolicyError::at(
                        name,
                        format!(
                            "{} is not a method call: write it like community.append(8501:1)",
                            quote(name.text)
                        ),
                    ));
                };
                let args = self.args()?;
                ActionItem::Call {
                    attribute: attribute.to_string(),
                    method: method.to_string(),
                    args,
                }
            }
            TokenKind::Operator => {
                if !is_identifier(name.text) {
                    return Err(PolicyError::at(
                        name,
                        format!(
                            "{} is not an attribute name such as pref, med or community",
                            quote(name.text)
                        ),
                    ));
                }
                let (op, value) = self.operator_and_value()?;
                ActionItem::Assign {
                    attribute: name.text.to_string(),
                    op,
                    value,
                }
            }
            _ => {
                return Err(expected(
                    next,
                    "an operator such as '=' or a method call such as '.append(...)'",
                    Some(name),
                ));
            }
        };
        let token = self.cursor.peek(Mode::Plain);
        if token.kind == TokenKind::Semicolon {
            self.cursor.bump(Mode::Plain);
            return Ok(item);
        }
        let end = self.cursor.prev().map_or(name.end(), |prev| prev.end());
        let item_text = self
            .cursor
            .text()
            .get(name.offset..end)
            .unwrap_or(name.text);
        Err(PolicyError::at(
            token,
            format!(
                "action item {} must end with ';', {}",
                quote(item_text),
                found(token)
            ),
        ))
    }

    /// An operator and the value after it.
    fn operator_and_value(&mut self) -> Result<(Operator, Value), PolicyError> {
        let token = self.cursor.bump(Mode::Plain);
        let Some(op) = Operator::from_text(token.text) else {
            return Err(PolicyError::at(
                token,
                format!("{} is not an operator", quote(token.text)),
            ));
        };
        Ok((op, self.value()?))
    }

    /// A parenthesised, comma-separated argument list, possibly empty.
    fn args(&mut self) -> Result<Vec<Value>, PolicyError> {
        let open = self.cursor.bump(Mode::Plain);
        let mut args = Vec::new();
        if self.cursor.peek(Mode::Plain).kind == TokenKind::RParen {
            self.cursor.bump(Mode::Plain);
            return Ok(args);
        }
        loop {
            args.push(self.value()?);
            let token = self.cursor.peek(Mode::Plain);
            match token.kind {
                TokenKind::Comma => {
                    self.cursor.bump(Mode::Plain);
                }
                TokenKind::RParen => {
                    self.cursor.bump(Mode::Plain);
                    return Ok(args);
                }
                TokenKind::End => {
                    return Err(PolicyError::at(
                        open,
                        "'(' is never closed: add the missing ')'",
                    ))
                }
                _ => return Err(expected(token, "',' or ')'", self.cursor.prev())),
            }
        }
    }

    /// A value, which may be a braced list of simple values.
    fn value(&mut self) -> Result<Value, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind != TokenKind::LBrace {
            return self.simple_value();
        }
        let open = self.cursor.bump(Mode::Plain);
        let mut items = Vec::new();
        if self.cursor.peek(Mode::Plain).kind == TokenKind::RBrace {
            self.cursor.bump(Mode::Plain);
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.simple_value()?);
            let token = self.cursor.peek(Mode::Plain);
            match token.kind {
                TokenKind::Comma => {
                    self.cursor.bump(Mode::Plain);
                }
                TokenKind::RBrace => {
                    self.cursor.bump(Mode::Plain);
                    return Ok(Value::List(items));
                }
                TokenKind::End => {
                    return Err(PolicyError::at(
                        open,
                        "'{' is never closed: add the missing '}'",
                    ))
                }
                _ => return Err(expected(token, "',' or '}'", self.cursor.prev())),
            }
        }
    }

    fn simple_value(&mut self) -> Result<Value, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind != TokenKind::Word || is_reserved(token) {
            return Err(expected(
                token,
                "a value such as 120, AS1 or 8501:1",
                self.cursor.prev(),
            ));
        }
        let value = word_value(token)?;
        self.cursor.bump(Mode::Plain);
        Ok(value)
    }

    /// A filter: `OR` (or juxtaposition) of `AND`s of `NOT`s of terms.
    fn filter(&mut self) -> Result<Filter, PolicyError> {
        let mut terms = vec![self.filter_and()?];
        loop {
            let token = self.cursor.peek(Mode::Filter);
            if token.is_keyword("OR") {
                self.cursor.bump(Mode::Filter);
            } else if !starts_filter_term(token) {
                break;
            }
            terms.push(self.filter_and()?);
        }
        Ok(collapse(terms, Filter::Or))
    }

    fn filter_and(&mut self) -> Result<Filter, PolicyError> {
        let mut terms = vec![self.filter_not()?];
        while self.cursor.peek(Mode::Filter).is_keyword("AND") {
            self.cursor.bump(Mode::Filter);
            terms.push(self.filter_not()?);
        }
        Ok(collapse(terms, Filter::And))
    }

    fn filter_not(&mut self) -> Result<Filter, PolicyError> {
        let token = self.cursor.peek(Mode::Filter);
        if !token.is_keyword("NOT") {
            return self.filter_primary();
        }
        self.cursor.bump(Mode::Filter);
        self.enter(token)?;
        let inner = self.filter_not()?;
        self.depth -= 1;
        Ok(Filter::Not(Box::new(inner)))
    }

    fn filter_primary(&mut self) -> Result<Filter, PolicyError> {
        let token = self.cursor.peek(Mode::Filter);
        match token.kind {
            TokenKind::LParen => {
                self.cursor.bump(Mode::Filter);
                self.enter(token)?;
                let inner = self.filter()?;
                close_paren(&mut self.cursor, token, Mode::Filter)?;
                self.depth -= 1;
                Ok(inner)
            }
            TokenKind::LBrace => self.prefix_list(),
            TokenKind::AsPath => {
                let regex = as_path(token)?;
                self.cursor.bump(Mode::Filter);
                Ok(regex)
            }
            TokenKind::Word if !is_reserved(token) => self.filter_word(token),
            _ => Err(expected(token, FILTER_TERM, self.cursor.prev())),
        }
    }

    /// What a word in a filter stands for; `token` is the word, not yet consumed.
    fn filter_word(&mut self, token: Token<'a>) -> Result<Filter, PolicyError> {
        let word = token.text;
        let simple = if token.is_keyword("ANY") {
            Some(Filter::Any)
        } else if token.is_keyword("PeerAS") {
            Some(Filter::PeerAs)
        } else if is_new_placeholder(word) {
            Some(Filter::NewAs(word.to_ascii_uppercase()))
        } else {
            None
        };
        if let Some(filter) = simple {
            self.cursor.bump(Mode::Filter);
            return Ok(filter);
        }

        let (base, range) = match word.split_once('^') {
            Some((base, op)) => (base, Some(name_range(token, op)?)),
            None => (word, None),
        };
        let named = match classify_asn(base) {
            AsnWord::Valid(asn) => Some(Filter::As { asn, range }),
            AsnWord::NotAsn => match set_kind(base) {
                SetName::Set(SetKind::As) => Some(Filter::AsSet {
                    name: base.to_string(),
                    range,
                }),
                SetName::Set(SetKind::Route) => Some(Filter::RouteSet {
                    name: base.to_string(),
                    range,
                }),
                SetName::Set(SetKind::Filter) if range.is_none() => {
                    Some(Filter::FilterSet(base.to_string()))
                }
                SetName::Set(SetKind::Filter) => {
                    return Err(PolicyError::at(
                        token,
                        format!("{}: a filter-set cannot take a range operator", quote(word)),
                    ));
                }
                SetName::Set(kind) => {
                    return Err(PolicyError::at(
                        token,
                        format!(
                            "{} is a {} and cannot be used as a filter",
                            quote(word),
                            kind.describe()
                        ),
                    ));
                }
                SetName::Bad(message) => return Err(PolicyError::at(token, message)),
                SetName::NotSet => None,
            },
            bad => return Err(asn_error(token, bad)),
        };
        if let Some(filter) = named {
            self.cursor.bump(Mode::Filter);
            return Ok(filter);
        }

        // `community(8501:1)`, `community.contains(8501:1)`, `community == {8501:1}`.
        if range.is_none() && (is_identifier(word) || split_method(word).is_some()) {
            let next = {
                let mut lookahead = self.cursor.clone();
                lookahead.bump(Mode::Filter);
                lookahead.peek(Mode::Plain)
            };
            if next.kind == TokenKind::LParen {
                self.cursor.bump(Mode::Filter);
                let args = self.args()?;
                let (attribute, method) = match split_method(word) {
                    Some((attribute, method)) => (attribute, Some(method.to_string())),
                    None => (word, None),
                };
                return Ok(Filter::Call {
                    attribute: attribute.to_string(),
                    method,
                    args,
                });
            }
            if next.kind == TokenKind::Operator && is_identifier(word) {
                self.cursor.bump(Mode::Filter);
                let (op, value) = self.operator_and_value()?;
                return Ok(Filter::Compare {
                    attribute: word.to_string(),
                    op,
                    value,
                });
            }
        }
        Err(PolicyError::at(
            token,
            format!(
                "{} is not a filter: use ANY, NEW, an AS number, an as-set, route-set or filter-set name, or \
                 prefixes in braces",
                quote(word)
            ),
        ))
    }

    /// A braced prefix list such as `{ 192.0.2.0/24, 10.0.0.0/8^+ }`, with an
    /// optional range operator straight after the `}`.
    fn prefix_list(&mut self) -> Result<Filter, PolicyError> {
        let open = self.cursor.bump(Mode::Plain);
        let mut prefixes = Vec::new();
        if self.cursor.peek(Mode::Plain).kind == TokenKind::RBrace {
            self.cursor.bump(Mode::Plain);
        } else {
            loop {
                let token = self.cursor.peek(Mode::Plain);
                if token.kind == TokenKind::End {
                    return Err(PolicyError::at(
                        open,
                        "'{' is never closed: add the missing '}'",
                    ));
                }
                if token.kind != TokenKind::Word {
                    return Err(expected(
                        token,
                        "an address prefix such as 192.0.2.0/24",
                        self.cursor.prev(),
                    ));
                }
                prefixes.push(prefix(token)?);
                self.cursor.bump(Mode::Plain);
                let token = self.cursor.peek(Mode::Plain);
                match token.kind {
                    TokenKind::Comma => {
                        self.cursor.bump(Mode::Plain);
                    }
                    TokenKind::RBrace => {
                        self.cursor.bump(Mode::Plain);
                        break;
                    }
                    TokenKind::End => {
                        return Err(PolicyError::at(
                            open,
                            "'{' is never closed: add the missing '}'",
                        ))
                    }
                    _ => return Err(expected(token, "',' or '}'", self.cursor.prev())),
                }
            }
        }
        // `{...}^+` applies to every prefix; only when glued to the brace, as
        // a spaced-out `^+` would be a stray word.
        let close_end = self.cursor.prev().map_or(0, |close| close.end());
        let token = self.cursor.peek(Mode::Filter);
        let mut range = None;
        if token.kind == TokenKind::Word && token.offset == close_end {
            if let Some(op) = token.text.strip_prefix('^') {
                range = Some(name_range(token, op)?);
                self.cursor.bump(Mode::Filter);
            }
        }
        Ok(Filter::Prefixes { prefixes, range })
    }

    /// Checks that the rule ends here, after an optional `;`.
    fn finish(&mut self, last: &str) -> Result<(), PolicyError> {
        if self.cursor.peek(Mode::Filter).kind == TokenKind::Semicolon {
            self.cursor.bump(Mode::Filter);
        }
        let token = self.cursor.peek(Mode::Filter);
        match token.kind {
            TokenKind::End => Ok(()),
            TokenKind::Invalid => Err(invalid_char(token)),
            TokenKind::RParen => Err(PolicyError::at(token, "')' has no matching '('")),
            _ => Err(PolicyError::at(
                token,
                format!(
                    "unexpected {} after the {last}: the {last} must end the rule",
                    quote(token.text)
                ),
            )),
        }
    }
}

/// The error for using the other direction's keyword (`to` in an import, say).
fn wrong_direction(token: Token<'_>, words: &RuleWords) -> PolicyError {
    PolicyError::at(
        token,
        format!(
            "{} rule uses '{}' ... '{}', not {}",
            words.rule,
            words.clause,
            words.filter,
            quote(token.text)
        ),
    )
}

/// Whether `token` can begin a filter term, making it an implicit `OR` after another term.
fn starts_filter_term(token: Token<'_>) -> bool {
    match token.kind {
        TokenKind::LParen | TokenKind::LBrace | TokenKind::AsPath => true,
        TokenKind::Word => token.is_keyword("NOT") || !is_reserved(token),
        _ => false,
    }
}

/// Whether `word` is the request form's placeholder for the new AS:
/// `NEW`, `ASNEW`, optionally numbered (`NEW1`, `ASNEW2`).
fn is_new_placeholder(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let rest = upper.strip_prefix("AS").unwrap_or(&upper);
    rest.strip_prefix("NEW")
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits `attribute.method` into its two names.
fn split_method(word: &str) -> Option<(&str, &str)> {
    let (attribute, method) = word.split_once('.')?;
    (is_identifier(attribute) && is_identifier(method)).then_some((attribute, method))
}

/// The value a word stands for.
fn word_value(token: Token<'_>) -> Result<Value, PolicyError> {
    let word = token.text;
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return parse_u32(word).map(Value::Number).ok_or_else(|| {
            PolicyError::at(
                token,
                format!(
                    "the number {} is too large: the largest is 4294967295",
                    quote(word)
                ),
            )
        });
    }
    match classify_asn(word) {
        AsnWord::Valid(asn) => return Ok(Value::As(asn)),
        AsnWord::NotAsn => {}
        bad => return Err(asn_error(token, bad)),
    }
    if let Some((high, low)) = word.split_once(':') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(high) && digits(low) {
            return match (high.parse::<u16>(), low.parse::<u16>()) {
                (Ok(high), Ok(low)) => Ok(Value::Community(high, low)),
                _ => Err(PolicyError::at(
                    token,
                    format!(
                        "{} is not a valid community: both numbers must be from 0 to 65535",
                        quote(word)
                    ),
                )),
            };
        }
    }
    Ok(Value::Word(word.to_string()))
}

/// Checks an AS-path expression token and returns its contents.
fn as_path(token: Token<'_>) -> Result<Filter, PolicyError> {
    let text = token.text;
    let Some(inner) = text
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
    else {
        let open = Token {
            kind: TokenKind::Invalid,
            text: text.get(..1).unwrap_or(""),
            offset: token.offset,
        };
        return Err(PolicyError::at(
            open,
            "'<' is never closed: an AS-path expression must end with '>'",
        ));
    };
    if inner.trim().is_empty() {
        return Err(PolicyError::at(
            token,
            format!("the AS-path expression {} is empty", quote(text)),
        ));
    }
    if let Some((index, c)) = inner
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_graphic() || c == ' ' || c == '\t'))
    {
        let start = 1 + index;
        let bad = Token {
            kind: TokenKind::Invalid,
            text: text.get(start..start + c.len_utf8()).unwrap_or(""),
            offset: token.offset + start,
        };
        return Err(invalid_char(bad));
    }
    Ok(Filter::AsPath(inner.to_string()))
}

/// Parses the part after `^` of a range operator, for a set name or a whole
/// prefix list, where only the lengths themselves can be checked.
fn name_range(token: Token<'_>, op: &str) -> Result<RangeOp, PolicyError> {
    match range_op(op) {
        Some(range) if range_fits(range, 0, 128) => Ok(range),
        _ => Err(range_error(token, op)),
    }
}

fn range_error(token: Token<'_>, op: &str) -> PolicyError {
    PolicyError::at(
        token,
        format!(
            "{} has a bad range operator '^{op}': use ^-, ^+, ^n or ^n-m with n no more than m",
            quote(token.text)
        ),
    )
}

/// The range operator spelt `op` (after the `^`), without checking lengths.
fn range_op(op: &str) -> Option<RangeOp> {
    let number = |s: &str| -> Option<u8> {
        if s.len() <= 3 {
            parse_u32(s)?.try_into().ok()
        } else {
            None
        }
    };
    match op {
        "-" => Some(RangeOp::Exclusive),
        "+" => Some(RangeOp::Inclusive),
        _ => match op.split_once('-') {
            Some((low, high)) => Some(RangeOp::Range(number(low)?, number(high)?)),
            None => Some(RangeOp::Exact(number(op)?)),
        },
    }
}

/// Whether the lengths in `range` lie within `min..=max` and in order.
fn range_fits(range: RangeOp, min: u8, max: u8) -> bool {
    match range {
        RangeOp::Exclusive | RangeOp::Inclusive => true,
        RangeOp::Exact(n) => (min..=max).contains(&n),
        RangeOp::Range(n, m) => min <= n && n <= m && m <= max,
    }
}

/// Parses one prefix of a braced list, such as `10.0.0.0/8^24-32`.
fn prefix(token: Token<'_>) -> Result<Prefix, PolicyError> {
    let word = token.text;
    let (base, op) = match word.split_once('^') {
        Some((base, op)) => (base, Some(op)),
        None => (word, None),
    };
    let Some((address, length)) = base.split_once('/') else {
        return Err(PolicyError::at(
            token,
            format!(
                "{} needs a prefix length, such as 192.0.2.0/24",
                quote(word)
            ),
        ));
    };
    let (addr, family, max): (IpAddr, &str, u8) = if address.contains(':') {
        match address.parse() {
            Ok(addr) => (IpAddr::V6(addr), "IPv6", 128),
            Err(_) => return Err(bad_address(token, address, "IPv6")),
        }
    } else {
        match address.parse() {
            Ok(addr) => (IpAddr::V4(addr), "IPv4", 32),
            Err(_) => return Err(bad_address(token, address, "IPv4")),
        }
    };
    let len = match parse_u32(length) {
        Some(len) if len <= u32::from(max) => u8::try_from(len).unwrap_or(max),
        Some(_) => {
            return Err(PolicyError::at(
                token,
                format!(
                    "{}: the prefix length /{length} is too long for {family}, which allows at most /{max}",
                    quote(word)
                ),
            ));
        }
        None => {
            return Err(PolicyError::at(
                token,
                format!(
                    "{}: '{length}' is not a prefix length; write a number such as /24",
                    quote(word)
                ),
            ));
        }
    };
    let range = match op {
        None => None,
        Some(op) => match range_op(op) {
            Some(range) if range_fits(range, len, max) => Some(range),
            Some(_) => {
                return Err(PolicyError::at(
                    token,
                    format!(
                        "{}: the range '^{op}' must lie between the prefix length /{len} and /{max}, smaller first",
                        quote(word)
                    ),
                ));
            }
            None => return Err(range_error(token, op)),
        },
    };
    Ok(Prefix { addr, len, range })
}

fn bad_address(token: Token<'_>, address: &str, family: &str) -> PolicyError {
    PolicyError::at(
        token,
        format!(
            "{}: '{address}' is not a valid {family} address",
            quote(token.text)
        ),
    )
}

/// Recognises a router word: an address, a DNS name or a router set.
///
/// `Ok(None)` means the word is not a router at all, which is for the caller
/// to judge; a dotted quad that is not a valid address is an error here,
/// since it can only have been meant as one.
fn router(token: Token<'_>) -> Result<Option<Router>, PolicyError> {
    let word = token.text;
    if let Ok(addr) = word.parse::<IpAddr>() {
        return Ok(Some(Router::Address(addr)));
    }
    if word.contains('.') && word.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(PolicyError::at(
            token,
            format!("{} is not a valid IPv4 address", quote(word)),
        ));
    }
    if set_kind(word) == SetName::Set(SetKind::Router) {
        return Ok(Some(Router::Set(word.to_string())));
    }
    if is_dns_name(word) {
        return Ok(Some(Router::Name(word.to_string())));
    }
    Ok(None)
}

/// Whether `word` is a dotted DNS name whose last label starts with a letter.
fn is_dns_name(word: &str) -> bool {
    let labels: Vec<&str> = word.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// The kinds of RPSL set, told apart by their name's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetKind {
    As,
    Route,
    Filter,
    Peering,
    Router,
}

impl SetKind {
    const ALL: [(SetKind, &'static str); 5] = [
        (SetKind::As, "AS-"),
        (SetKind::Route, "RS-"),
        (SetKind::Filter, "FLTR-"),
        (SetKind::Peering, "PRNG-"),
        (SetKind::Router, "RTRS-"),
    ];

    fn describe(self) -> &'static str {
        match self {
            SetKind::As => "as-set",
            SetKind::Route => "route-set",
            SetKind::Filter => "filter-set",
            SetKind::Peering => "peering-set",
            SetKind::Router => "router set",
        }
    }
}

/// What a word is as a set name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SetName {
    /// No component has a set prefix.
    NotSet,
    /// A well-formed (possibly hierarchical) set name.
    Set(SetKind),
    /// Meant as a set name but malformed; the message says why.
    Bad(String),
}

/// Classifies a possibly hierarchical set name such as `AS1:AS-FOO:AS-BAR`.
///
/// RFC 2622 section 5: the components are AS numbers and set names, at least
/// one is a set name, and all set names are of the same kind.
fn set_kind(word: &str) -> SetName {
    let mut kind = None;
    let mut stranger = None;
    for component in word.split(':') {
        let prefixed = SetKind::ALL.iter().find(|(_, prefix)| {
            component
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        });
        match prefixed {
            Some(&(this, prefix)) => {
                let tail = &component[prefix.len()..];
                if tail.is_empty()
                    || !tail
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return SetName::Bad(format!(
                        "{} is not a valid set name: after '{prefix}' use letters, digits, '-' or '_'",
                        quote(component)
                    ));
                }
                if kind.is_some_and(|seen| seen != this) {
                    return SetName::Bad(format!("{} mixes different kinds of set", quote(word)));
                }
                kind = Some(this);
            }
            None if matches!(classify_asn(component), AsnWord::Valid(_)) => {}
            None => stranger = stranger.or(Some(component)),
        }
    }
    match (kind, stranger) {
        (None, _) => SetName::NotSet,
        (Some(kind), None) => SetName::Set(kind),
        (Some(_), Some(component)) => SetName::Bad(format!(
            "{} is not a valid set name: {} is neither an AS number nor a set name",
            quote(word),
            quote(component)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn import(text: &str) -> Import {
        parse_import(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn export(text: &str) -> Export {
        parse_export(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn remote(as_expr: AsExpr) -> Peering {
        Peering::Remote {
            as_expr,
            peer_router: None,
            local_router: None,
        }
    }

    fn peer(asn: u32, actions: Vec<ActionItem>) -> PeeringAction {
        PeeringAction {
            peering: remote(AsExpr::As(asn)),
            actions,
        }
    }

    fn assign(attribute: &str, op: Operator, value: Value) -> ActionItem {
        ActionItem::Assign {
            attribute: attribute.to_string(),
            op,
            value,
        }
    }

    fn call(attribute: &str, method: &str, args: Vec<Value>) -> ActionItem {
        ActionItem::Call {
            attribute: attribute.to_string(),
            method: method.to_string(),
            args,
        }
    }

    fn as_filter(asn: u32) -> Filter {
        Filter::As { asn, range: None }
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    /// Asserts that parsing fails at `offset` on `token`, with a message quoting it.
    fn assert_fails<T: std::fmt::Debug>(
        result: Result<T, PolicyError>,
        offset: usize,
        token: &str,
    ) -> String {
        let error = match result {
            Ok(value) => panic!("expected an error at {offset} on {token:?}, got {value:?}"),
            Err(error) => error,
        };
        assert_eq!(
            (error.offset, error.token.as_str()),
            (offset, token),
            "{}",
            error.message
        );
        if !token.is_empty() {
            assert!(
                error.message.contains(&format!("'{token}'")),
                "message does not quote {token:?}: {}",
                error.message
            );
        }
        error.message
    }

    #[test]
    fn ripe228_form_examples_parse() {
        assert_eq!(
            import("from AS1234 action pref=120; accept ANY"),
            Import {
                protocol: None,
                into: None,
                peerings: vec![peer(
                    1234,
                    vec![assign("pref", Operator::Assign, Value::Number(120))]
                )],
                filter: Filter::Any,
            }
        );
        assert_eq!(
            import("from AS5678 action pref=100; accept ANY").peerings[0].actions,
            [assign("pref", Operator::Assign, Value::Number(100))]
        );
        assert_eq!(
            export("to AS1234 announce NEW"),
            Export {
                protocol: None,
                into: None,
                peerings: vec![peer(1234, vec![])],
                filter: Filter::NewAs("NEW".into()),
            }
        );
        assert_eq!(
            import("from AS2 accept { }").filter,
            Filter::Prefixes {
                prefixes: vec![],
                range: None
            }
        );
        assert_eq!(export("to AS2 announce AS4").filter, as_filter(4));
        assert_eq!(
            import("from AS333 accept ANY").peerings,
            [peer(333, vec![])]
        );
        assert_eq!(
            export("to AS333 announce ASNEW").filter,
            Filter::NewAs("ASNEW".into())
        );
        assert_eq!(
            export("to AS333 announce new2").filter,
            Filter::NewAs("NEW2".into())
        );
    }

    #[test]
    fn actions_and_filters() {
        let rule =
            import("from AS1 action pref=10; med=0; community.append(8501:1); accept AS1 AND NOT {10.0.0.0/8^+}");
        assert_eq!(
            rule.peerings[0].actions,
            [
                assign("pref", Operator::Assign, Value::Number(10)),
                assign("med", Operator::Assign, Value::Number(0)),
                call("community", "append", vec![Value::Community(8501, 1)]),
            ]
        );
        assert_eq!(
            rule.filter,
            Filter::And(vec![
                as_filter(1),
                Filter::Not(Box::new(Filter::Prefixes {
                    prefixes: vec![Prefix {
                        addr: v4(10, 0, 0, 0),
                        len: 8,
                        range: Some(RangeOp::Inclusive)
                    }],
                    range: None,
                })),
            ])
        );

        let rule =
            export("to AS1 action med=10; aspath.prepend(AS2, AS2); announce NEW OR AS-CUSTOMERS");
        assert_eq!(
            rule.peerings[0].actions,
            [
                assign("med", Operator::Assign, Value::Number(10)),
                call("aspath", "prepend", vec![Value::As(2), Value::As(2)]),
            ]
        );
        assert_eq!(
            rule.filter,
            Filter::Or(vec![
                Filter::NewAs("NEW".into()),
                Filter::AsSet {
                    name: "AS-CUSTOMERS".into(),
                    range: None
                }
            ])
        );

        let rule = import(
            "from AS1 action community .= {8501:1, NO_EXPORT}; community.delete({8501:2}); next-hop = 192.0.2.1; \
             dpa=100; cost=5; pref>=1; aspath.prepend(); accept ANY;",
        );
        assert_eq!(
            rule.peerings[0].actions,
            [
                assign(
                    "community",
                    Operator::Append,
                    Value::List(vec![
                        Value::Community(8501, 1),
                        Value::Word("NO_EXPORT".into())
                    ])
                ),
                call(
                    "community",
                    "delete",
                    vec![Value::List(vec![Value::Community(8501, 2)])]
                ),
                assign(
                    "next-hop",
                    Operator::Assign,
                    Value::Word("192.0.2.1".into())
                ),
                assign("dpa", Operator::Assign, Value::Number(100)),
                assign("cost", Operator::Assign, Value::Number(5)),
                assign("pref", Operator::GreaterEqual, Value::Number(1)),
                call("aspath", "prepend", vec![]),
            ]
        );
        // `<` compares in an action, even with an AS-path expression later on.
        let rule = import("from AS1 action pref < 10; accept <^AS1 AS2+ .* $>");
        assert_eq!(
            rule.peerings[0].actions,
            [assign("pref", Operator::Less, Value::Number(10))]
        );
        assert_eq!(rule.filter, Filter::AsPath("^AS1 AS2+ .* $".into()));
    }

    #[test]
    fn filter_terms() {
        let filter = import(
            "from AS1 accept { 192.0.2.0/24, 10.0.0.0/8^-, 10.0.0.0/8^24, 10.0.0.0/8^24-32, 2001:db8::/32, 0.0.0.0/0 }",
        )
        .filter;
        let Filter::Prefixes {
            prefixes,
            range: None,
        } = filter
        else {
            panic!("{filter:?}")
        };
        let db8 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0));
        assert_eq!(
            prefixes,
            [
                Prefix {
                    addr: v4(192, 0, 2, 0),
                    len: 24,
                    range: None
                },
                Prefix {
                    addr: v4(10, 0, 0, 0),
                    len: 8,
                    range: Some(RangeOp::Exclusive)
                },
                Prefix {
                    addr: v4(10, 0, 0, 0),
                    len: 8,
                    range: Some(RangeOp::Exact(24))
                },
                Prefix {
                    addr: v4(10, 0, 0, 0),
                    len: 8,
                    range: Some(RangeOp::Range(24, 32))
                },
                Prefix {
                    addr: db8,
                    len: 32,
                    range: None
                },
                Prefix {
                    addr: v4(0, 0, 0, 0),
                    len: 0,
                    range: None
                },
            ]
        );
        assert_eq!(
            import("from AS1 accept {10.0.0.0/8}^+").filter,
            Filter::Prefixes {
                prefixes: vec![Prefix {
                    addr: v4(10, 0, 0, 0),
                    len: 8,
                    range: None
                }],
                range: Some(RangeOp::Inclusive),
            }
        );
        assert_eq!(
            import("from AS1 accept AS1^+").filter,
            Filter::As {
                asn: 1,
                range: Some(RangeOp::Inclusive)
            }
        );
        assert_eq!(
            import("from AS1 accept AS1:RS-FOO^24-32").filter,
            Filter::RouteSet {
                name: "AS1:RS-FOO".into(),
                range: Some(RangeOp::Range(24, 32))
            }
        );
        assert_eq!(
            import("from AS1 accept fltr-martian").filter,
            Filter::FilterSet("fltr-martian".into())
        );
        assert_eq!(import("from AS1 accept peeras").filter, Filter::PeerAs);
        // Juxtaposition is OR; NOT binds tighter than AND, AND tighter than OR.
        assert_eq!(
            import("from AS1 accept AS2 AS3 AND NOT AS4 OR (AS5)").filter,
            Filter::Or(vec![
                as_filter(2),
                Filter::And(vec![as_filter(3), Filter::Not(Box::new(as_filter(4)))]),
                as_filter(5),
            ])
        );
        assert_eq!(
            import("from AS1 accept community(8501:1)").filter,
            Filter::Call {
                attribute: "community".into(),
                method: None,
                args: vec![Value::Community(8501, 1)],
            }
        );
        assert_eq!(
            import("from AS1 accept community.contains(8501:1) AND AS2").filter,
            Filter::And(vec![
                Filter::Call {
                    attribute: "community".into(),
                    method: Some("contains".into()),
                    args: vec![Value::Community(8501, 1)]
                },
                as_filter(2),
            ])
        );
        assert_eq!(
            import("from AS1 accept community == {8501:1}").filter,
            Filter::Compare {
                attribute: "community".into(),
                op: Operator::Equal,
                value: Value::List(vec![Value::Community(8501, 1)]),
            }
        );
        assert_eq!(
            import("from AS1 accept <AS1> <AS2>").filter,
            Filter::Or(vec![
                Filter::AsPath("AS1".into()),
                Filter::AsPath("AS2".into())
            ])
        );
    }

    #[test]
    fn peerings() {
        let rule = import("protocol BGP4 into OSPF from AS1 accept ANY");
        assert_eq!(
            (rule.protocol.as_deref(), rule.into.as_deref()),
            (Some("BGP4"), Some("OSPF"))
        );
        assert_eq!(
            import("from AS1 192.0.2.1 at 192.0.2.2 accept AS-FOO").peerings[0].peering,
            Peering::Remote {
                as_expr: AsExpr::As(1),
                peer_router: Some(Router::Address(v4(192, 0, 2, 1))),
                local_router: Some(Router::Address(v4(192, 0, 2, 2))),
            }
        );
        assert_eq!(
            import("from AS1 at rtr1.example.net accept ANY").peerings[0].peering,
            Peering::Remote {
                as_expr: AsExpr::As(1),
                peer_router: None,
                local_router: Some(Router::Name("rtr1.example.net".into())),
            }
        );
        assert_eq!(
            import("from AS1 2001:db8::1 at RTRS-FOO accept ANY").peerings[0].peering,
            Peering::Remote {
                as_expr: AsExpr::As(1),
                peer_router: Some(Router::Address("2001:db8::1".parse().expect("address"))),
                local_router: Some(Router::Set("RTRS-FOO".into())),
            }
        );
        assert_eq!(
            import("from AS1 from AS2 action pref=5; accept ANY").peerings,
            [
                peer(1, vec![]),
                peer(2, vec![assign("pref", Operator::Assign, Value::Number(5))]),
            ]
        );
        assert_eq!(
            import("from AS-ANY accept ANY").peerings[0].peering,
            remote(AsExpr::Any)
        );
        assert_eq!(
            import("from prng-foo accept ANY").peerings[0].peering,
            Peering::Set("prng-foo".into())
        );
        // AND and EXCEPT bind equally and group to the left; OR binds loosest.
        assert_eq!(
            import("from AS1 AND AS2 EXCEPT AS3 AND AS4 OR AS1:AS-X accept ANY").peerings[0]
                .peering,
            remote(AsExpr::Or(vec![
                AsExpr::And(vec![
                    AsExpr::Except(
                        Box::new(AsExpr::And(vec![AsExpr::As(1), AsExpr::As(2)])),
                        Box::new(AsExpr::As(3))
                    ),
                    AsExpr::As(4),
                ]),
                AsExpr::AsSet("AS1:AS-X".into()),
            ]))
        );
        assert_eq!(
            import("from (AS1 OR AS2) except AS3 accept ANY").peerings[0].peering,
            remote(AsExpr::Except(
                Box::new(AsExpr::Or(vec![AsExpr::As(1), AsExpr::As(2)])),
                Box::new(AsExpr::As(3))
            ))
        );
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse_default("to AS1234 action pref=100; networks ANY"),
            Ok(Default {
                peering: peer(
                    1234,
                    vec![assign("pref", Operator::Assign, Value::Number(100))]
                ),
                networks: Some(Filter::Any),
            })
        );
        assert_eq!(
            parse_default("to AS1"),
            Ok(Default {
                peering: peer(1, vec![]),
                networks: None
            })
        );
        assert_eq!(
            parse_default("TO AS1 ACTION pref=1;").map(|d| d.peering.actions.len()),
            Ok(1)
        );
        assert_fails(parse_default("from AS1"), 0, "from");
        assert_fails(parse_default(""), 0, "");
        assert_fails(parse_default("to AS1 networks"), 15, "");
        assert_fails(parse_default("to AS1 accept ANY"), 7, "accept");
        assert_fails(parse_default("to AS1 AS2"), 7, "AS2");
        assert_fails(parse_default("to AS1 networks ANY ANY;;"), 24, ";");
    }

    #[test]
    fn import_errors_point_at_the_culprit() {
        let message = assert_fails(
            parse_import("from AS1234 action pref=120 accept ANY"),
            28,
            "accept",
        );
        assert!(
            message.contains("'pref=120' must end with ';'"),
            "{message}"
        );
        let message = assert_fails(parse_import("from AS1 action pref=1"), 22, "");
        assert!(message.contains("'pref=1' must end with ';'"), "{message}");
        let message = assert_fails(parse_import("from accept ANY"), 5, "accept");
        assert!(message.contains("after 'from'"), "{message}");
        let message = assert_fails(parse_import("from AS1234"), 11, "");
        assert!(message.contains("'accept'"), "{message}");
        let message = assert_fails(parse_import("from AS1234 accept"), 18, "");
        assert!(message.contains("after 'accept'"), "{message}");
        assert_fails(parse_import("to AS1 accept ANY"), 0, "to");
        assert_fails(parse_import("from AS1 announce ANY"), 9, "announce");
        assert_fails(parse_export("from AS1 accept ANY"), 0, "from");
        assert_fails(parse_export("to AS1 accept ANY"), 7, "accept");
        let message = assert_fails(
            parse_import("from AS1 accept {10.0.0.0/33}"),
            17,
            "10.0.0.0/33",
        );
        assert!(message.contains("/32"), "{message}");
        let message = assert_fails(
            parse_import("from AS1 accept {300.1.2.3/8}"),
            17,
            "300.1.2.3/8",
        );
        assert!(message.contains("'300.1.2.3'"), "{message}");
        assert_fails(
            parse_import("from AS1 accept {2001:db8::/129}"),
            17,
            "2001:db8::/129",
        );
        assert_fails(
            parse_import("from AS1 accept {2001:db8:::/32}"),
            17,
            "2001:db8:::/32",
        );
        assert_fails(parse_import("from AS1 accept {10.0.0.0}"), 17, "10.0.0.0");
        assert_fails(
            parse_import("from AS1 accept {10.0.0.0/x}"),
            17,
            "10.0.0.0/x",
        );
        assert_fails(
            parse_import("from AS1 accept {10.0.0.0/8^7}"),
            17,
            "10.0.0.0/8^7",
        );
        assert_fails(
            parse_import("from AS1 accept {10.0.0.0/8^24-16}"),
            17,
            "10.0.0.0/8^24-16",
        );
        assert_fails(
            parse_import("from AS1 accept {10.0.0.0/8^33}"),
            17,
            "10.0.0.0/8^33",
        );
        assert_fails(
            parse_import("from AS1 accept {10.0.0.0/8^x}"),
            17,
            "10.0.0.0/8^x",
        );
        assert_fails(
            parse_import("from AS1 accept {10.0.0.0/8 192.0.2.0/24}"),
            28,
            "192.0.2.0/24",
        );
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8,}"), 28, "}");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8"), 16, "{");
        let message = assert_fails(parse_import("from AS1 accept (ANY"), 16, "(");
        assert!(message.contains("never closed"), "{message}");
        assert_fails(parse_import("from AS1 accept ANY)"), 19, ")");
        assert_fails(parse_import("from (AS1 accept ANY"), 10, "accept");
        assert_fails(parse_import("from (AS1"), 5, "(");
        let message = assert_fails(
            parse_import("from AS99999999999 accept ANY"),
            5,
            "AS99999999999",
        );
        assert!(message.contains("too large"), "{message}");
        assert_fails(
            parse_import("from AS1 accept AS99999999999"),
            16,
            "AS99999999999",
        );
        assert_fails(parse_import("from AS1 accept ANY $"), 20, "$");
        assert_fails(parse_import("from AS1 accept ANY #x"), 20, "#");
        assert_fails(parse_import("from AS1 ~ accept ANY"), 9, "~");
        let error = parse_import("from AS1 accept ANY\u{b}").expect_err("control character");
        assert_eq!((error.offset, error.token.as_str()), (19, "\u{b}"));
        assert!(error.message.contains("U+000B"), "{}", error.message);
        assert_fails(
            parse_import("from AS1 2001:db8::1 RTRS-FOO accept ANY"),
            21,
            "RTRS-FOO",
        );
        assert_fails(parse_import("from AS1 accept ÄNY"), 16, "Ä");
        assert_fails(parse_import("from AS1 accept ANY accept ANY"), 20, "accept");
        assert_fails(parse_import("from AS1 accept ANY;;"), 20, ";");
        assert_fails(parse_import("from AS1 AS2 accept ANY"), 9, "AS2");
        assert_fails(parse_import("from AS1 OR accept ANY"), 12, "accept");
        assert_fails(parse_import("from RS-FOO accept ANY"), 5, "RS-FOO");
        assert_fails(
            parse_import("from AS1 OR PRNG-FOO accept ANY"),
            12,
            "PRNG-FOO",
        );
        assert_fails(parse_import("from AS-FOO:BAR accept ANY"), 5, "AS-FOO:BAR");
        assert_fails(parse_import("from AS- accept ANY"), 5, "AS-");
        assert_fails(
            parse_import("from AS1:AS-FOO:RS-BAR accept ANY"),
            5,
            "AS1:AS-FOO:RS-BAR",
        );
        assert_fails(
            parse_import("from AS1 192.0.2.300 accept ANY"),
            9,
            "192.0.2.300",
        );
        assert_fails(parse_import("from AS1 at accept ANY"), 12, "accept");
        assert_fails(parse_import("from AS1 at AS2 accept ANY"), 12, "AS2");
        assert_fails(parse_import("protocol from AS1 accept ANY"), 9, "from");
        assert_fails(parse_import("protocol BGP4"), 13, "");
    }

    #[test]
    fn action_errors() {
        assert_fails(parse_import("from AS1 action accept ANY"), 16, "accept");
        assert_fails(parse_import("from AS1 action ; accept ANY"), 16, ";");
        assert_fails(parse_import("from AS1 action pref; accept ANY"), 20, ";");
        assert_fails(parse_import("from AS1 action pref=; accept ANY"), 21, ";");
        assert_fails(
            parse_import("from AS1 action pref=accept ANY"),
            21,
            "accept",
        );
        assert_fails(
            parse_import("from AS1 action pref=120 med=0; accept ANY"),
            25,
            "med",
        );
        assert_fails(
            parse_import("from AS1 action community.append(8501:1) accept ANY"),
            41,
            "accept",
        );
        assert_fails(
            parse_import("from AS1 action community.append(8501:1; accept ANY"),
            39,
            ";",
        );
        assert_fails(
            parse_import("from AS1 action community.append(8501:1"),
            32,
            "(",
        );
        assert_fails(
            parse_import("from AS1 action community(8501:1); accept ANY"),
            16,
            "community",
        );
        assert_fails(
            parse_import("from AS1 action a.b.c=1; accept ANY"),
            16,
            "a.b.c",
        );
        assert_fails(
            parse_import("from AS1 action community={1:2; accept ANY"),
            30,
            ";",
        );
        assert_fails(parse_import("from AS1 action community={1:2"), 26, "{");
        assert_fails(
            parse_import("from AS1 action community.append(70000:1); accept ANY"),
            33,
            "70000:1",
        );
        assert_fails(
            parse_import("from AS1 action med=4294967296; accept ANY"),
            20,
            "4294967296",
        );
        assert_fails(
            parse_import("from AS1 action aspath.prepend(AS1x); accept ANY"),
            31,
            "AS1x",
        );
        assert_fails(parse_import("from AS1 action pref=1 ! accept ANY"), 23, "!");
    }

    #[test]
    fn filter_errors() {
        assert_fails(parse_import("from AS1 accept FOO"), 16, "FOO");
        assert_fails(parse_import("from AS1 accept AND ANY"), 16, "AND");
        assert_fails(parse_import("from AS1 accept ANY AND"), 23, "");
        assert_fails(parse_import("from AS1 accept NOT"), 19, "");
        assert_fails(parse_import("from AS1 accept PRNG-X"), 16, "PRNG-X");
        assert_fails(parse_import("from AS1 accept FLTR-X^+"), 16, "FLTR-X^+");
        assert_fails(parse_import("from AS1 accept AS1^"), 16, "AS1^");
        assert_fails(parse_import("from AS1 accept AS1^40-30"), 16, "AS1^40-30");
        let message = assert_fails(parse_import("from AS1 accept <^AS1"), 16, "<");
        assert!(message.contains("never closed"), "{message}");
        assert_fails(parse_import("from AS1 accept <>"), 16, "<>");
        assert_fails(parse_import("from AS1 accept <AS1 é>"), 21, "é");
        assert_fails(parse_import("from AS1 accept community"), 16, "community");
        assert_fails(
            parse_import("from AS1 accept community.contains(1:2"),
            34,
            "(",
        );
        assert_fails(parse_import("from AS1 accept ()"), 17, ")");
        assert_fails(parse_import("from AS1 accept {10.0.0.0/8} ^+"), 29, "^+");
    }

    #[test]
    fn helpers() {
        assert!(
            is_new_placeholder("NEW") && is_new_placeholder("asnew") && is_new_placeholder("NEW12")
        );
        assert!(
            !is_new_placeholder("NEWS")
                && !is_new_placeholder("AS")
                && !is_new_placeholder("RENEW")
        );
        assert_eq!(set_kind("AS-FOO"), SetName::Set(SetKind::As));
        assert_eq!(set_kind("AS1:as-foo:AS-BAR"), SetName::Set(SetKind::As));
        assert_eq!(set_kind("AS1:RS-FOO"), SetName::Set(SetKind::Route));
        assert_eq!(set_kind("AS1"), SetName::NotSet);
        assert_eq!(set_kind("8501:1"), SetName::NotSet);
        assert!(matches!(set_kind("AS1::AS-FOO"), SetName::Bad(_)));
        assert!(
            is_dns_name("rtr.example.net") && !is_dns_name("example") && !is_dns_name("1.2.3.4")
        );
        assert_eq!(range_op("24-32"), Some(RangeOp::Range(24, 32)));
        assert_eq!(range_op("9999"), None);
        assert_eq!(range_op(""), None);
    }
}
