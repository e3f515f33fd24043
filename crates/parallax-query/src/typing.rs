//! What a literal of the text language means next to the field it is compared with.
//!
//! The language has no typed literals: `25` is a number next to `status_code`, text next to
//! `name`, and a number or text next to a metadata key depending on the operator and on quotes.
//! The rules are written out on [`typed_value`] and in the crate documentation.

use crate::error::ParseError;
use crate::literal::{parse_duration, parse_number, parse_timestamp};
use crate::model::{CmpOp, Field, FieldKind, Value};
use crate::syntax::field_text;

/// A literal value as written, before the field gives it a meaning.
pub(crate) struct Literal {
    pub(crate) text: String,
    pub(crate) quoted: bool,
    /// Byte offset of the literal (of its opening quote, if quoted).
    pub(crate) start: usize,
}

impl Literal {
    pub(crate) fn describe(&self) -> String {
        if self.quoted {
            format!("string {:?}", self.text)
        } else {
            format!("{:?}", self.text)
        }
    }
}

/// The meaning of `literal` when compared with `field` by `op` (see [`FieldKind`]):
///
/// * text fields: the text, whatever it looks like;
/// * numbers, durations, timestamps, booleans: the literal must read as one, quoted or not;
/// * metadata and metrics: text for case-insensitive operators and for contains; a number for
///   `<`, `<=`, `>`, `>=`; otherwise a bare number is a number (and, for metrics only, a bare
///   `true`/`false` a boolean), while anything quoted stays text.
pub(crate) fn typed_value(
    field: &Field,
    op: CmpOp,
    case_sensitive: bool,
    literal: &Literal,
    spelling: &str,
) -> Result<Value, ParseError> {
    let subject = field_text(field);
    let fail = |what: &str| {
        ParseError::new(
            literal.start,
            format!(
                "expected {what} for {subject}, found {}",
                literal.describe()
            ),
        )
    };
    let text = literal.text.as_str();
    let boolean = match text.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    match field.kind() {
        FieldKind::Text => Ok(Value::Str(literal.text.clone())),
        FieldKind::Number => parse_number(text)
            .map(Value::Num)
            .ok_or_else(|| fail("a number")),
        FieldKind::Duration => parse_duration(text).map(Value::DurationNs).ok_or_else(|| {
            fail("a duration with a unit, such as 2s, 150ms or 1h (units: ns, us, µs, ms, s, m, h)")
        }),
        FieldKind::Time => parse_timestamp(text).map(Value::Time).ok_or_else(|| {
            fail("a date such as 2026-12-01 or a timestamp such as 2026-12-01T10:00:00Z")
        }),
        FieldKind::Bool => boolean
            .map(Value::Bool)
            .ok_or_else(|| fail("true or false")),
        FieldKind::Metadata | FieldKind::Metric => {
            if !case_sensitive || op == CmpOp::Contains {
                return Ok(Value::Str(literal.text.clone()));
            }
            if matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) {
                return parse_number(text)
                    .map(Value::Num)
                    .ok_or_else(|| fail(&format!("a number after \"{spelling}\"")));
            }
            // Quotes keep a value text: `metadata.v = "25"` matches only the string "25".
            if literal.quoted {
                return Ok(Value::Str(literal.text.clone()));
            }
            Ok(match (parse_number(text), boolean, field.kind()) {
                (Some(n), _, _) => Value::Num(n),
                (None, Some(b), FieldKind::Metric) => Value::Bool(b),
                _ => Value::Str(literal.text.clone()),
            })
        }
    }
}
