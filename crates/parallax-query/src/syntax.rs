//! The vocabulary of the text language, shared by the parser and the pretty-printer.
//!
//! Keeping the names of fields and operators, the bareword rule and the quoting rule in one
//! place is what makes `parse(print(e)) == e` hold: the printer writes a bareword exactly when
//! the lexer would read it back as the same value.

use crate::literal::parse_number;
use crate::model::{CmpOp, Field, FieldKind};

/// Characters of a bareword: letters and digits of any script, and `_ - . / : +`.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '+')
}

/// Words that join or negate conditions and so cannot be bare values. Compared ignoring case.
const KEYWORDS: [&str; 4] = ["and", "or", "not", "in"];

pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Whether `text` may be written without quotes and still read back as the same string for any
/// field: one bareword, not a keyword, and not something that a number, boolean or metadata
/// field would read as a number or boolean instead.
pub(crate) fn can_be_bare(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(is_word_char)
        && !is_keyword(text)
        && parse_number(text).is_none()
        && !text.eq_ignore_ascii_case("true")
        && !text.eq_ignore_ascii_case("false")
}

/// `text` in double quotes, with `"` and `\` escaped.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `text` bare when [`can_be_bare`] allows it, quoted otherwise.
pub(crate) fn bare_or_quoted(text: &str) -> String {
    if can_be_bare(text) {
        text.to_owned()
    } else {
        quote(text)
    }
}

/// The fields with a fixed name; the first name of a field is the one the printer writes.
const FIELD_NAMES: [(&str, Field); 18] = [
    ("id", Field::Id),
    ("trace_id", Field::TraceId),
    ("parent_id", Field::ParentId),
    ("session_id", Field::SessionId),
    ("external_id", Field::ExternalId),
    ("name", Field::Name),
    ("type", Field::Type),
    ("model", Field::Model),
    ("status_code", Field::StatusCode),
    ("duration", Field::Duration),
    ("input_tokens", Field::InputTokens),
    ("output_tokens", Field::OutputTokens),
    ("tokens", Field::TotalTokens),
    ("total_tokens", Field::TotalTokens),
    ("created_at", Field::CreatedAt),
    ("input", Field::Input),
    ("output", Field::Output),
    ("is_complete", Field::IsComplete),
];

/// The list of fields that "unknown field" errors show.
pub(crate) const FIELD_LIST: &str = "id, trace_id, parent_id, session_id, external_id, name, \
    type, model, status_code, duration, input_tokens, output_tokens, tokens, created_at, input, \
    output, is_complete, metadata.<key>, metrics.<key> and tag:<name>";

/// The field with this fixed name, ignoring case.
pub(crate) fn field_by_name(name: &str) -> Option<Field> {
    FIELD_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| f.clone())
}

/// How the printer and error messages write a field: its name, `metadata.<key>` or
/// `metrics.<key>` (the key quoted when it is not all bareword characters).
pub(crate) fn field_text(field: &Field) -> String {
    let keyed = |prefix: &str, key: &str| {
        if !key.is_empty() && key.chars().all(is_word_char) {
            format!("{prefix}.{key}")
        } else {
            format!("{prefix}.{}", quote(key))
        }
    };
    match field {
        Field::Metadata(key) => keyed("metadata", key),
        Field::Metric(key) => keyed("metrics", key),
        fixed => FIELD_NAMES
            .iter()
            .find(|(_, f)| f == fixed)
            .map(|(n, _)| (*n).to_owned())
            .unwrap_or_default(),
    }
}

/// An operator as written in the text language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextOp {
    Cmp { op: CmpOp, case_sensitive: bool },
    In { negated: bool, case_sensitive: bool },
}

impl TextOp {
    pub(crate) fn spelling(self) -> &'static str {
        match self {
            TextOp::Cmp { op, case_sensitive } => match (op, case_sensitive) {
                (CmpOp::Eq, true) => "=",
                (CmpOp::Eq, false) => "=~",
                (CmpOp::Ne, true) => "!=",
                (CmpOp::Ne, false) => "!~",
                (CmpOp::Lt, _) => "<",
                (CmpOp::Le, _) => "<=",
                (CmpOp::Gt, _) => ">",
                (CmpOp::Ge, _) => ">=",
                (CmpOp::Contains, false) => "~",
                (CmpOp::Contains, true) => "contains_cs",
            },
            TextOp::In {
                negated,
                case_sensitive,
            } => match (negated, case_sensitive) {
                (false, true) => "in",
                (false, false) => "in~",
                (true, true) => "not in",
                (true, false) => "not in~",
            },
        }
    }

    /// Whether a field of this kind takes the operator. Case-insensitive operators only apply
    /// to text, and ordering only to values with an order.
    pub(crate) fn applies_to(self, kind: FieldKind) -> bool {
        let (op, case_sensitive) = match self {
            TextOp::Cmp { op, case_sensitive } => (Some(op), case_sensitive),
            TextOp::In { case_sensitive, .. } => (None, case_sensitive),
        };
        let ordered = matches!(op, Some(CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge));
        let textual = !case_sensitive || op == Some(CmpOp::Contains);
        match kind {
            FieldKind::Metadata | FieldKind::Metric => true,
            FieldKind::Text => !ordered,
            FieldKind::Number | FieldKind::Duration | FieldKind::Time => !textual,
            FieldKind::Bool => !textual && !ordered,
        }
    }
}

/// The operators a field takes, for error messages.
pub(crate) fn operator_list(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "=, !=, =~, !~, ~, contains_cs, in, in~, not in or not in~",
        FieldKind::Number | FieldKind::Duration | FieldKind::Time => {
            "=, !=, <, <=, >, >=, in or not in"
        }
        FieldKind::Bool => "=, !=, in or not in",
        FieldKind::Metadata | FieldKind::Metric => {
            "=, !=, =~, !~, <, <=, >, >=, ~, contains_cs, in, in~, not in or not in~"
        }
    }
}

/// The forms a tag condition takes, for error messages.
pub(crate) const TAG_FORMS: &str =
    "tag:name, tag = name, tag =~ name, tag != name, tag !~ name, tag in (a, b), tag in~ (a, b), \
     tag not in (a, b) or tag not in~ (a, b)";

/// What a field of this kind holds, for error messages ("status_code, which is a number").
pub(crate) fn kind_text(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Number => "a number",
        FieldKind::Duration => "a duration",
        FieldKind::Time => "a timestamp",
        FieldKind::Bool => "true or false",
        FieldKind::Metadata => "a metadata value",
        FieldKind::Metric => "a metric",
    }
}
