//! Actions (RFC 2622, section 6.1): the items after `action`, each ending
//! in `;`, and the values they take, which attribute filters share.

use super::{is_reserved, Parser};
use crate::grammar::parse_digits;
use crate::policy::lexer::{Mode, Token, TokenKind};
use crate::policy::{asn_error, classify_asn, expected, found, is_identifier, quote};
use crate::policy::{AsnWord, PolicyError};

/// One item of an `action`; its names are slices of the policy text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionItem<'a> {
    /// `<attribute> <operator> <value>`, such as `pref=120` or `community .= {8501:1}`.
    Assign {
        /// The route attribute, as written (`pref`, `med`, `next-hop`, ...).
        attribute: &'a str,
        /// The operator.
        op: Operator,
        /// The value.
        value: Value<'a>,
    },
    /// `<attribute>.<method>(<args>)`, such as `aspath.prepend(AS1, AS1)`.
    Call {
        /// The route attribute, as written.
        attribute: &'a str,
        /// The method, as written.
        method: &'a str,
        /// The arguments.
        args: Vec<Value<'a>>,
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
pub enum Value<'a> {
    /// A whole number such as `120`.
    Number(u32),
    /// An AS number such as `AS1`.
    As(u32),
    /// A community such as `8501:1`.
    Community(u16, u16),
    /// Any other word (`self`, `NO_EXPORT`, `igp_cost`, an address), as written.
    Word(&'a str),
    /// A braced list such as `{8501:1, 8501:2}`.
    List(Vec<Value<'a>>),
}

impl<'a> Parser<'a> {
    /// `action` and its items, each ending in `;`.
    pub(super) fn actions(&mut self) -> Result<Vec<ActionItem<'a>>, PolicyError> {
        let keyword = self.cursor.bump(Mode::Plain);
        // Most actions set one or two things (`pref=100; community.append(...);`).
        let mut items = Vec::with_capacity(2);
        loop {
            let token = self.cursor.peek(Mode::Plain);
            if token.kind != TokenKind::Word || is_reserved(token) {
                break;
            }
            items.push(self.action_item()?);
        }
        if items.is_empty() {
            let token = self.cursor.peek(Mode::Plain);
            return Err(expected(token, "an action such as 'pref=100;'", Some(keyword)));
        }
        Ok(items)
    }

    fn action_item(&mut self) -> Result<ActionItem<'a>, PolicyError> {
        let name = self.cursor.bump(Mode::Plain);
        let next = self.cursor.peek(Mode::Plain);
        let item = match next.kind {
            TokenKind::LParen => {
                let Some((attribute, method)) = split_method(name.text) else {
                    return Err(PolicyError::at(
                        name,
                        format!("{} is not a method call: write it like community.append(8501:1)", quote(name.text)),
                    ));
                };
                let args = self.args()?;
                ActionItem::Call { attribute, method, args }
            }
            TokenKind::Operator => {
                if !is_identifier(name.text) {
                    return Err(PolicyError::at(
                        name,
                        format!("{} is not an attribute name such as pref, med or community", quote(name.text)),
                    ));
                }
                let (op, value) = self.operator_and_value()?;
                ActionItem::Assign { attribute: name.text, op, value }
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
        let item_text = self.cursor.text().get(name.offset..end).unwrap_or(name.text);
        Err(PolicyError::at(token, format!("action item {} must end with ';', {}", quote(item_text), found(token))))
    }

    /// An operator and the value after it.
    pub(super) fn operator_and_value(&mut self) -> Result<(Operator, Value<'a>), PolicyError> {
        let token = self.cursor.bump(Mode::Plain);
        let Some(op) = Operator::from_text(token.text) else {
            return Err(PolicyError::at(token, format!("{} is not an operator", quote(token.text))));
        };
        Ok((op, self.value()?))
    }

    /// A parenthesised, comma-separated argument list, possibly empty.
    pub(super) fn args(&mut self) -> Result<Vec<Value<'a>>, PolicyError> {
        let open = self.cursor.bump(Mode::Plain);
        self.comma_list(open, Self::value)
    }

    /// A value, which may be a braced list of simple values.
    fn value(&mut self) -> Result<Value<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind != TokenKind::LBrace {
            return self.simple_value();
        }
        let open = self.cursor.bump(Mode::Plain);
        self.comma_list(open, Self::simple_value).map(Value::List)
    }

    fn simple_value(&mut self) -> Result<Value<'a>, PolicyError> {
        let token = self.cursor.peek(Mode::Plain);
        if token.kind != TokenKind::Word || is_reserved(token) {
            return Err(expected(token, "a value such as 120, AS1 or 8501:1", self.cursor.prev()));
        }
        let value = word_value(token)?;
        self.cursor.bump(Mode::Plain);
        Ok(value)
    }
}

/// Splits `attribute.method` into its two names.
pub(super) fn split_method(word: &str) -> Option<(&str, &str)> {
    let (attribute, method) = word.split_once('.')?;
    (is_identifier(attribute) && is_identifier(method)).then_some((attribute, method))
}

/// The value a word stands for.
fn word_value(token: Token<'_>) -> Result<Value<'_>, PolicyError> {
    let word = token.text;
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return parse_digits(word).map(Value::Number).ok_or_else(|| {
            PolicyError::at(token, format!("the number {} is too large: the largest is 4294967295", quote(word)))
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
                    format!("{} is not a valid community: both numbers must be from 0 to 65535", quote(word)),
                )),
            };
        }
    }
    Ok(Value::Word(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rpsl::tests::{as_filter, assign, call, export, import, v4};
    use crate::policy::rpsl::{parse_import, Filter, Prefix, RangeOp};
    use crate::policy::test_support::assert_fails;

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
                    prefixes: vec![Prefix { addr: v4(10, 0, 0, 0), len: 8, range: Some(RangeOp::Inclusive) }],
                    range: None,
                })),
            ])
        );

        let rule = export("to AS1 action med=10; aspath.prepend(AS2, AS2); announce NEW OR AS-CUSTOMERS");
        assert_eq!(
            rule.peerings[0].actions,
            [
                assign("med", Operator::Assign, Value::Number(10)),
                call("aspath", "prepend", vec![Value::As(2), Value::As(2)]),
            ]
        );
        assert_eq!(
            rule.filter,
            Filter::Or(vec![Filter::NewAs("NEW".into()), Filter::AsSet { name: "AS-CUSTOMERS", range: None }])
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
                    Value::List(vec![Value::Community(8501, 1), Value::Word("NO_EXPORT")])
                ),
                call("community", "delete", vec![Value::List(vec![Value::Community(8501, 2)])]),
                assign("next-hop", Operator::Assign, Value::Word("192.0.2.1")),
                assign("dpa", Operator::Assign, Value::Number(100)),
                assign("cost", Operator::Assign, Value::Number(5)),
                assign("pref", Operator::GreaterEqual, Value::Number(1)),
                call("aspath", "prepend", vec![]),
            ]
        );
        // `<` compares in an action, even with an AS-path expression later on.
        let rule = import("from AS1 action pref < 10; accept <^AS1 AS2+ .* $>");
        assert_eq!(rule.peerings[0].actions, [assign("pref", Operator::Less, Value::Number(10))]);
        assert_eq!(rule.filter, Filter::AsPath("^AS1 AS2+ .* $"));
    }

    #[test]
    fn action_errors() {
        assert_fails(parse_import("from AS1 action accept ANY"), 16, "accept");
        assert_fails(parse_import("from AS1 action ; accept ANY"), 16, ";");
        assert_fails(parse_import("from AS1 action pref; accept ANY"), 20, ";");
        assert_fails(parse_import("from AS1 action pref=; accept ANY"), 21, ";");
        assert_fails(parse_import("from AS1 action pref=accept ANY"), 21, "accept");
        assert_fails(parse_import("from AS1 action pref=120 med=0; accept ANY"), 25, "med");
        assert_fails(parse_import("from AS1 action community.append(8501:1) accept ANY"), 41, "accept");
        assert_fails(parse_import("from AS1 action community.append(8501:1; accept ANY"), 39, ";");
        assert_fails(parse_import("from AS1 action community.append(8501:1"), 32, "(");
        assert_fails(parse_import("from AS1 action community(8501:1); accept ANY"), 16, "community");
        assert_fails(parse_import("from AS1 action a.b.c=1; accept ANY"), 16, "a.b.c");
        assert_fails(parse_import("from AS1 action community={1:2; accept ANY"), 30, ";");
        assert_fails(parse_import("from AS1 action community={1:2"), 26, "{");
        assert_fails(parse_import("from AS1 action community.append(70000:1); accept ANY"), 33, "70000:1");
        assert_fails(parse_import("from AS1 action med=4294967296; accept ANY"), 20, "4294967296");
        assert_fails(parse_import("from AS1 action aspath.prepend(AS1x); accept ANY"), 31, "AS1x");
        assert_fails(parse_import("from AS1 action pref=1 ! accept ANY"), 23, "!");
    }
}
