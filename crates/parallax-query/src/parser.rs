//! The parser of the text language: tokens to an [`Expr`], by recursive descent.
//!
//! ```text
//! query      = [ or ]                      empty or blank input is no filter
//! or         = and { "or" and }
//! and        = unary { "and" unary }       "and" binds tighter than "or"
//! unary      = "not" unary | primary
//! primary    = "(" or ")" | "has" "(" field ")" | tag | field operator value
//!            | field ( "in" | "in~" | "not" "in" | "not" "in~" ) list
//! tag        = "tag:" name | "tag" ( "=" | "=~" | "!=" | "!~" ) name | "tag" in-operator list
//! list       = "(" [ value { "," value } ] ")"
//! ```
//!
//! A value is a bareword or a double-quoted string; what it means depends on the field it is
//! compared with (a number for `status_code`, a duration for `duration`, a date for
//! `created_at`), which is decided here so that errors can point at the value.

use crate::error::ParseError;
use crate::lexer::{tokenize, Symbol, Token, TokenKind};
use crate::model::{CmpOp, Expr, Field, Predicate};
use crate::syntax::{
    field_by_name, field_text, is_keyword, kind_text, operator_list, TextOp, FIELD_LIST, TAG_FORMS,
};
use crate::typing::{typed_value, Literal};

/// How deeply parentheses and `not` may nest, so that hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Parses the text language. Blank input is `Ok(None)`, meaning no filter.
///
/// See the crate documentation for the language; errors carry the byte offset of the problem.
pub fn parse(input: &str) -> Result<Option<Expr>, ParseError> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        pos: 0,
        depth: 0,
    };
    if parser.peek().kind == TokenKind::Eof {
        return Ok(None);
    }
    let expr = parser.or(None)?;
    let rest = parser.peek();
    if rest.kind != TokenKind::Eof {
        return Err(expected(rest, "\"and\", \"or\" or end of input"));
    }
    Ok(Some(expr))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// What a condition is about: the tags (with the name, for `tag:name`) or a field.
enum Subject {
    Tag(Option<Literal>),
    Field(Field),
}

fn expected(found: &Token, what: &str) -> ParseError {
    ParseError::new(
        found.start,
        format!("expected {what}, found {}", found.describe()),
    )
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn bump(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn enter(&mut self, at: &Token) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                at.start,
                format!(
                    "conditions nest too deeply; at most {MAX_DEPTH} levels of parentheses and not"
                ),
            ));
        }
        Ok(())
    }

    /// `after` names the token before this expression, for "expected a condition after ...".
    fn or(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        let mut items = vec![self.and(after)?];
        while self.peek().is_word("or") {
            self.bump();
            items.push(self.and(Some("or"))?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        let mut items = vec![self.unary(after)?];
        while self.peek().is_word("and") {
            self.bump();
            items.push(self.unary(Some("and"))?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        if !self.peek().is_word("not") {
            return self.primary(after);
        }
        let not = self.bump();
        self.enter(&not)?;
        let inner = self.unary(Some("not"))?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn primary(&mut self, after: Option<&str>) -> Result<Expr, ParseError> {
        let token = self.peek().clone();
        match &token.kind {
            TokenKind::LParen => {
                self.bump();
                self.enter(&token)?;
                let inner = self.or(Some("("))?;
                if self.peek().kind != TokenKind::RParen {
                    let what = format!(
                        "\"and\", \"or\" or \")\" to close the \"(\" at {}",
                        token.start
                    );
                    return Err(expected(self.peek(), &what));
                }
                self.bump();
                self.depth -= 1;
                Ok(inner)
            }
            TokenKind::Word(word) if word.eq_ignore_ascii_case("has") => self.has(),
            TokenKind::Word(word) if !is_keyword(word) => match self.subject(word)? {
                Subject::Tag(name) => self.tag(name),
                Subject::Field(field) => self.comparison(field),
            },
            _ => {
                let context = after.map_or(String::new(), |a| format!(" after \"{a}\""));
                let hint = match &token.kind {
                    TokenKind::Str(_) => "; to search text, write input ~ \"text\"",
                    _ => "",
                };
                Err(ParseError::new(
                    token.start,
                    format!(
                        "expected a condition{context}, found {}{hint}",
                        token.describe()
                    ),
                ))
            }
        }
    }

    fn has(&mut self) -> Result<Expr, ParseError> {
        self.bump();
        if self.peek().kind != TokenKind::LParen {
            return Err(expected(self.peek(), "\"(\" after \"has\""));
        }
        self.bump();
        let token = self.peek().clone();
        let field = match &token.kind {
            TokenKind::Word(word) if !is_keyword(word) => match self.subject(word)? {
                Subject::Field(field) => field,
                Subject::Tag(_) => {
                    return Err(ParseError::new(
                        token.start,
                        "has() takes a field, not a tag; to test for a tag, write tag:name",
                    ))
                }
            },
            _ => return Err(expected(&token, "a field after \"has(\"")),
        };
        if self.peek().kind != TokenKind::RParen {
            return Err(expected(self.peek(), "\")\" to close has("));
        }
        self.bump();
        Ok(Expr::Pred(Predicate::Exists(field)))
    }

    /// Reads the field word, the next token, which is `word`: `status_code`, `metadata.k`,
    /// `metadata."k"`, `tag`, `tag:name`.
    fn subject(&mut self, word: &str) -> Result<Subject, ParseError> {
        let token = self.bump();
        let unknown = || {
            ParseError::new(
                token.start,
                format!("unknown field {word:?}; the fields are {FIELD_LIST}"),
            )
        };
        let Some(split) = word.find(['.', ':']) else {
            if word.eq_ignore_ascii_case("tag") {
                return Ok(Subject::Tag(None));
            }
            if let Some(field) = field_by_name(word) {
                return Ok(Subject::Field(field));
            }
            let example = match word.to_ascii_lowercase().as_str() {
                "metadata" => Some("metadata.user_id"),
                "metrics" => Some("metrics.score"),
                _ => None,
            };
            if let Some(example) = example {
                let prefix = &example[..example.find('.').unwrap_or_default()];
                return Err(ParseError::new(
                    token.end,
                    format!("expected \".\" and a key after \"{prefix}\", as in {example}"),
                ));
            }
            return Err(unknown());
        };
        let (head, rest) = (&word[..split], &word[split + 1..]);
        let head_lower = head.to_ascii_lowercase();
        let rest_start = token.start + split + 1;
        match (&word[split..split + 1], head_lower.as_str()) {
            (":", "tag") if rest.is_empty() => {
                let name = self.literal("a tag name", "tag:")?;
                Ok(Subject::Tag(Some(name)))
            }
            (":", "tag") => Ok(Subject::Tag(Some(Literal {
                text: rest.to_owned(),
                quoted: false,
                start: rest_start,
            }))),
            (":", _) if field_by_name(head).is_some() => Err(ParseError::new(
                token.start + split,
                format!("\":\" only follows tag, as in tag:name; write {head} = {rest}"),
            )),
            (".", "metadata" | "metrics") => {
                let key = if rest.is_empty() {
                    let key = self.literal("a key", &format!("{head_lower}."))?;
                    if key.text.is_empty() {
                        return Err(ParseError::new(key.start, "a key cannot be empty"));
                    }
                    key.text
                } else {
                    rest.to_owned()
                };
                Ok(Subject::Field(if head_lower == "metadata" {
                    Field::Metadata(key)
                } else {
                    Field::from_metric_key(&key)
                }))
            }
            _ => Err(unknown()),
        }
    }

    /// Reads a bareword or string value; `after` is the token before it, for the message.
    fn literal(&mut self, what: &str, after: &str) -> Result<Literal, ParseError> {
        let token = self.peek().clone();
        let (text, quoted) = match token.kind {
            TokenKind::Word(word) if !is_keyword(&word) => (word, false),
            TokenKind::Str(text) => (text, true),
            TokenKind::Word(keyword) => {
                return Err(ParseError::new(
                    token.start,
                    format!("expected {what} after \"{after}\", found keyword {keyword:?}; quote it to use it as text"),
                ))
            }
            _ => return Err(expected(&token, &format!("{what} after \"{after}\""))),
        };
        self.bump();
        Ok(Literal {
            text,
            quoted,
            start: token.start,
        })
    }

    /// Reads an operator after `subject`, which takes the operators listed in `takes`.
    fn operator(&mut self, subject: &str, takes: &str) -> Result<(TextOp, Token), ParseError> {
        let token = self.bump();
        let cmp = |op, case_sensitive| TextOp::Cmp { op, case_sensitive };
        let op = match &token.kind {
            TokenKind::Op(symbol) => match symbol {
                Symbol::Eq => cmp(CmpOp::Eq, true),
                Symbol::EqTilde => cmp(CmpOp::Eq, false),
                Symbol::Ne => cmp(CmpOp::Ne, true),
                Symbol::NeTilde => cmp(CmpOp::Ne, false),
                Symbol::Lt => cmp(CmpOp::Lt, true),
                Symbol::Le => cmp(CmpOp::Le, true),
                Symbol::Gt => cmp(CmpOp::Gt, true),
                Symbol::Ge => cmp(CmpOp::Ge, true),
                Symbol::Tilde => cmp(CmpOp::Contains, false),
            },
            TokenKind::Word(_) if token.is_word("contains_cs") => cmp(CmpOp::Contains, true),
            TokenKind::Word(_) if token.is_word("in") => self.in_operator(false),
            TokenKind::Word(_) if token.is_word("not") => {
                if !self.peek().is_word("in") {
                    return Err(expected(self.peek(), "\"in\" after \"not\""));
                }
                self.bump();
                self.in_operator(true)
            }
            _ => {
                return Err(ParseError::new(
                    token.start,
                    format!(
                    "expected an operator after \"{subject}\", found {}; {subject} takes {takes}",
                    token.describe()
                ),
                ))
            }
        };
        Ok((op, token))
    }

    /// The `in` or `not in` just read, made case-insensitive by a `~` after it.
    fn in_operator(&mut self, negated: bool) -> TextOp {
        let tilde = self.peek().kind == TokenKind::Op(Symbol::Tilde);
        if tilde {
            self.bump();
        }
        TextOp::In {
            negated,
            case_sensitive: !tilde,
        }
    }

    fn tag(&mut self, name: Option<Literal>) -> Result<Expr, ParseError> {
        let has_tag = |any_of, case_sensitive| {
            Expr::Pred(Predicate::HasTag {
                any_of,
                case_sensitive,
            })
        };
        if let Some(name) = name {
            return Ok(has_tag(vec![name.text], true));
        }
        let (op, token) = self.operator("tag", TAG_FORMS)?;
        let (expr, negated) = match op {
            TextOp::Cmp {
                op: op @ (CmpOp::Eq | CmpOp::Ne),
                case_sensitive,
            } => {
                let name =
                    self.literal("a tag name", TextOp::Cmp { op, case_sensitive }.spelling())?;
                (has_tag(vec![name.text], case_sensitive), op == CmpOp::Ne)
            }
            TextOp::In {
                negated,
                case_sensitive,
            } => {
                let names = self.list(op.spelling(), |literal| Ok(literal.text))?;
                (has_tag(names, case_sensitive), negated)
            }
            TextOp::Cmp { .. } => {
                return Err(ParseError::new(
                    token.start,
                    format!(
                        "\"{}\" does not apply to tag; tag takes {TAG_FORMS}",
                        op.spelling()
                    ),
                ))
            }
        };
        Ok(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn comparison(&mut self, field: Field) -> Result<Expr, ParseError> {
        let subject = field_text(&field);
        let kind = field.kind();
        let (op, token) = self.operator(&subject, operator_list(kind))?;
        if !op.applies_to(kind) {
            return Err(ParseError::new(
                token.start,
                format!(
                    "\"{}\" does not apply to {subject}, which is {}; {subject} takes {}",
                    op.spelling(),
                    kind_text(kind),
                    operator_list(kind)
                ),
            ));
        }
        let predicate = match op {
            TextOp::Cmp {
                op: cmp,
                case_sensitive,
            } => {
                let literal = self.literal("a value", op.spelling())?;
                let value = typed_value(&field, cmp, case_sensitive, &literal, op.spelling())?;
                Predicate::Compare {
                    field,
                    op: cmp,
                    value,
                    case_sensitive,
                }
            }
            TextOp::In {
                negated,
                case_sensitive,
            } => {
                let values = self.list(op.spelling(), |literal| {
                    typed_value(&field, CmpOp::Eq, case_sensitive, &literal, op.spelling())
                })?;
                Predicate::In {
                    field,
                    values,
                    negated,
                    case_sensitive,
                }
            }
        };
        Ok(Expr::Pred(predicate))
    }

    /// Reads `( value, … )` after the operator `after`, giving each value its meaning with `item`.
    fn list<T>(
        &mut self,
        after: &str,
        mut item: impl FnMut(Literal) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        if self.peek().kind != TokenKind::LParen {
            return Err(expected(
                self.peek(),
                &format!("\"(\" and a list of values after \"{after}\""),
            ));
        }
        self.bump();
        let mut items = Vec::new();
        if self.peek().kind == TokenKind::RParen {
            self.bump();
            return Ok(items);
        }
        loop {
            let literal = self.literal("a value", if items.is_empty() { "(" } else { "," })?;
            items.push(item(literal)?);
            let token = self.bump();
            match token.kind {
                TokenKind::Comma => continue,
                TokenKind::RParen => return Ok(items),
                _ => return Err(expected(&token, "\",\" or \")\" in the list")),
            }
        }
    }
}
