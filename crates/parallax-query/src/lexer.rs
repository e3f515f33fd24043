//! The lexer of the text language: input text to tokens with byte spans.
//!
//! A bareword is a run of [`is_word_char`] characters, which include `.` and `:` so that
//! `metadata.user_id`, `tag:label_mismatch`, `2026-12-01T10:00:00Z` and a uuid each come out as
//! one token; the parser splits field words at their first `.` or `:`. Keywords are not told
//! apart here either: `and` is a word until the parser decides what it means where it stands.

use crate::error::ParseError;
use crate::syntax::is_word_char;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    Word(String),
    /// A double-quoted string, escapes resolved.
    Str(String),
    LParen,
    RParen,
    Comma,
    Op(Symbol),
    Eof,
}

/// The operator symbols. Word operators (`in`, `not in`, `contains_cs`) are words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symbol {
    Eq,
    EqTilde,
    Ne,
    NeTilde,
    Lt,
    Le,
    Gt,
    Ge,
    Tilde,
}

impl Symbol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Symbol::Eq => "=",
            Symbol::EqTilde => "=~",
            Symbol::Ne => "!=",
            Symbol::NeTilde => "!~",
            Symbol::Lt => "<",
            Symbol::Le => "<=",
            Symbol::Gt => ">",
            Symbol::Ge => ">=",
            Symbol::Tilde => "~",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    /// Byte offsets of the token in the input.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Token {
    /// How error messages name the token: `end of input`, `"foo"`, `string "foo"`, `"="`.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Word(word) => format!("{word:?}"),
            TokenKind::Str(text) => format!("string {text:?}"),
            TokenKind::LParen => "\"(\"".to_owned(),
            TokenKind::RParen => "\")\"".to_owned(),
            TokenKind::Comma => "\",\"".to_owned(),
            TokenKind::Op(symbol) => format!("\"{}\"", symbol.as_str()),
            TokenKind::Eof => "end of input".to_owned(),
        }
    }

    /// The word, when the token is one that equals `keyword` ignoring case.
    pub(crate) fn is_word(&self, keyword: &str) -> bool {
        matches!(&self.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(keyword))
    }
}

/// Splits `input` into tokens, ending with one [`TokenKind::Eof`] at `input.len()`.
pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let kind = if is_word_char(c) {
            let mut word = String::new();
            while let Some(&(_, c)) = chars.peek().filter(|(_, c)| is_word_char(*c)) {
                word.push(c);
                chars.next();
            }
            TokenKind::Word(word)
        } else if c == '"' {
            chars.next();
            TokenKind::Str(string(&mut chars, start)?)
        } else {
            chars.next();
            let mut next_is = |want: char| chars.next_if(|&(_, c)| c == want).is_some();
            match c {
                '(' => TokenKind::LParen,
                ')' => TokenKind::RParen,
                ',' => TokenKind::Comma,
                '=' if next_is('~') => TokenKind::Op(Symbol::EqTilde),
                '=' => TokenKind::Op(Symbol::Eq),
                '!' if next_is('=') => TokenKind::Op(Symbol::Ne),
                '!' if next_is('~') => TokenKind::Op(Symbol::NeTilde),
                '<' if next_is('=') => TokenKind::Op(Symbol::Le),
                '<' => TokenKind::Op(Symbol::Lt),
                '>' if next_is('=') => TokenKind::Op(Symbol::Ge),
                '>' => TokenKind::Op(Symbol::Gt),
                '~' => TokenKind::Op(Symbol::Tilde),
                other => return Err(unexpected(start, other)),
            }
        };
        let end = chars.peek().map_or(input.len(), |&(i, _)| i);
        tokens.push(Token { kind, start, end });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        start: input.len(),
        end: input.len(),
    });
    Ok(tokens)
}

/// The rest of a string whose opening quote, at `open`, has been read.
fn string(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    open: usize,
) -> Result<String, ParseError> {
    let mut text = String::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok(text),
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => text.push(escaped),
                Some((_, other)) => {
                    return Err(ParseError::new(
                        at,
                        format!(
                        "unknown escape \"\\{other}\" in a string; only \\\" and \\\\ are escapes"
                    ),
                    ))
                }
                None => break,
            },
            other => text.push(other),
        }
    }
    Err(ParseError::new(
        open,
        "unterminated string: this \" is never closed",
    ))
}

fn unexpected(at: usize, c: char) -> ParseError {
    let hint = match c {
        '&' => "; use \"and\" to combine conditions",
        '|' => "; use \"or\" to combine conditions",
        '!' => "; use \"not\" to negate a condition, or \"!=\" for not equal",
        '\'' => "; strings take double quotes",
        _ => "",
    };
    ParseError::new(at, format!("unexpected character \"{c}\"{hint}"))
}
