//! The pretty-printer: an [`Expr`] back to canonical text in the text language.
//!
//! Canonical means one spelling per expression: `and`/`or`/`not` in lowercase, one space around
//! operators, strings bare when [`crate::syntax::can_be_bare`] allows and quoted otherwise, and
//! parentheses exactly where the tree needs them. A nested `And` inside an `And` (or `Or` inside
//! `Or`) keeps its parentheses, so `parse(print(e)) == Some(e)` holds for every expression the
//! parsers can build.
//!
//! Expressions the language cannot spell print in a form that does not parse back: an `And` or
//! `Or` with fewer than two children, a non-finite number, a time outside the years 0000–9999
//! (printed as raw microseconds), or a value of the wrong kind for its field.

use crate::literal::{format_duration, format_timestamp};
use crate::model::{CmpOp, Expr, Predicate, Value};
use crate::syntax::{bare_or_quoted, field_text, TextOp};

/// The canonical text of `expr`; [`crate::parse`] reads it back to the same expression.
pub fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, Precedence::Or);
    out
}

/// Binding strength, weakest first: a child weaker than its context needs parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Unary,
}

fn write_expr(out: &mut String, expr: &Expr, context: Precedence) {
    let (own, children, joiner) = match expr {
        Expr::Or(children) => (Precedence::Or, children, " or "),
        Expr::And(children) => (Precedence::And, children, " and "),
        Expr::Not(inner) => {
            out.push_str("not ");
            write_expr(out, inner, Precedence::Unary);
            return;
        }
        Expr::Pred(predicate) => {
            write_predicate(out, predicate);
            return;
        }
    };
    let parenthesised = own < context;
    if parenthesised {
        out.push('(');
    }
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            out.push_str(joiner);
        }
        // A child as strong as its parent is parenthesised so that the parser, which
        // flattens `a and b and c`, rebuilds the same nesting.
        let child_context = match own {
            Precedence::Or => Precedence::And,
            _ => Precedence::Unary,
        };
        write_expr(out, child, child_context);
    }
    if parenthesised {
        out.push(')');
    }
}

fn write_predicate(out: &mut String, predicate: &Predicate) {
    match predicate {
        Predicate::HasTag {
            any_of,
            case_sensitive,
        } => match (any_of.as_slice(), case_sensitive) {
            ([tag], true) => {
                out.push_str("tag:");
                out.push_str(&bare_or_quoted(tag));
            }
            ([tag], false) => {
                out.push_str("tag =~ ");
                out.push_str(&bare_or_quoted(tag));
            }
            (tags, case_sensitive) => {
                out.push_str(if *case_sensitive {
                    "tag in "
                } else {
                    "tag in~ "
                });
                let values: Vec<String> = tags.iter().map(|t| bare_or_quoted(t)).collect();
                write_list(out, &values);
            }
        },
        Predicate::Exists(field) => {
            out.push_str("has(");
            out.push_str(&field_text(field));
            out.push(')');
        }
        Predicate::Compare {
            field,
            op,
            value,
            case_sensitive,
        } => {
            // Only text comparisons have a case-insensitive spelling; for the others the flag is
            // meaningless and the parsers set it to true.
            let textual = matches!(value, Value::Str(_))
                && matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Contains);
            let op = TextOp::Cmp {
                op: *op,
                case_sensitive: *case_sensitive || !textual,
            };
            out.push_str(&field_text(field));
            out.push(' ');
            out.push_str(op.spelling());
            out.push(' ');
            out.push_str(&value_text(value));
        }
        Predicate::In {
            field,
            values,
            negated,
            case_sensitive,
        } => {
            let op = TextOp::In {
                negated: *negated,
                case_sensitive: *case_sensitive,
            };
            out.push_str(&field_text(field));
            out.push(' ');
            out.push_str(op.spelling());
            out.push(' ');
            let values: Vec<String> = values.iter().map(value_text).collect();
            write_list(out, &values);
        }
    }
}

fn write_list(out: &mut String, values: &[String]) {
    out.push('(');
    out.push_str(&values.join(", "));
    out.push(')');
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Str(text) => bare_or_quoted(text),
        Value::Num(n) => format!("{n}"),
        Value::Bool(b) => b.to_string(),
        Value::Time(micros) => format_timestamp(*micros).unwrap_or_else(|| micros.to_string()),
        Value::DurationNs(nanos) => format_duration(*nanos),
    }
}
