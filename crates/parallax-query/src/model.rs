//! The filter model: one tree of predicates over traces, spans and sessions.
//!
//! Every spelling of a filter (Galileo's JSON filters and `filter_tree`, the text language, the
//! console's filter bar) becomes an [`Expr`], and every store backend compiles an `Expr` to
//! parameterised SQL of its dialect. The semantics written on these types are therefore the
//! contract between the parsers and the backends: a backend that disagrees with a sentence here
//! is wrong, and the store conformance suite should catch it.
//!
//! The two rules that hold everywhere (absent values never match; `Not` is the exact
//! complement) are in the crate documentation.

use serde::Serialize;

use crate::literal;

/// A boolean combination of predicates.
///
/// The parsers never build an `And` or `Or` with fewer than two children; code that builds
/// expressions by hand should use [`Expr::conjunction`], which keeps that true. An `And` of no
/// children would mean "everything" and an `Or` of none "nothing", but neither can be printed in
/// the text language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    /// Every child matches.
    And(Vec<Expr>),
    /// At least one child matches.
    Or(Vec<Expr>),
    /// The child does not match: the exact complement, also where the child looked at an absent
    /// value (see the crate documentation).
    Not(Box<Expr>),
    /// A single test on one record.
    Pred(Predicate),
}

impl Expr {
    /// ANDs `parts` together: `None` when there are none, the part itself when there is one,
    /// and otherwise one `And` whose children are the parts, with nested `And`s flattened.
    pub fn conjunction(parts: Vec<Expr>) -> Option<Expr> {
        let mut flat = Vec::with_capacity(parts.len());
        for part in parts {
            match part {
                Expr::And(children) => flat.extend(children),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(Expr::And(flat)),
        }
    }
}

impl std::fmt::Display for Expr {
    /// The canonical text-language spelling, as [`crate::print()`] gives it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::print(self))
    }
}

/// One test on one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Predicate {
    /// The record carries at least one of the tags in `any_of` (`tag:x`, `tag in (a, b)`).
    ///
    /// Tags are compared whole. With `case_sensitive` false both sides are lowercased first
    /// (see [`Predicate::Compare`] for what lowercasing means). An empty `any_of` matches nothing.
    HasTag {
        any_of: Vec<String>,
        case_sensitive: bool,
    },
    /// The record has a value for the field (`has(metadata.user_id)`): the metadata key is
    /// present (whatever its value, even `""` or `"None"`), or the standard field is not null.
    Exists(Field),
    /// The field's value compared with a literal (`status_code >= 400`, `input ~ "newton"`).
    ///
    /// Which [`Value`] goes with which field is fixed by [`Field::kind`]; the parsers only build
    /// the combinations listed on [`FieldKind`].
    ///
    /// `case_sensitive` matters only for a [`Value::Str`] with [`CmpOp::Eq`], [`CmpOp::Ne`] or
    /// [`CmpOp::Contains`]; everywhere else the parsers set it to `true`. Case-insensitive means
    /// both sides are lowercased with Unicode's default lowercase mapping (Rust's
    /// `str::to_lowercase`) before comparing.
    ///
    /// Metadata values are always strings on the wire (the Galileo SDK `str()`s them), so
    /// comparisons on [`Field::Metadata`] follow these rules:
    ///
    /// * `Eq`/`Ne` with a `Str` compare the stored string exactly (or lowercased).
    /// * `Eq` with a `Num` matches when the stored string is a number (see [`parse_number`]) equal
    ///   to it: `metadata.x = 25` matches `"25"`, `"25.0"` and `"2.5e1"`. `Ne` with a `Num`
    ///   matches every record that has the key except those that `Eq` would match, so
    ///   `metadata.x != 25` matches `"abc"` but not a record without `x`.
    /// * `Lt`, `Le`, `Gt`, `Ge` always carry a `Num` and compare numerically; stored values that
    ///   are not numbers never match.
    /// * `Contains` carries a `Str` and looks for a substring.
    ///
    /// [`Field::Metric`] follows the same rules, where the stored value is a JSON number, boolean
    /// or string: a `Num` matches numbers (and strings that are numbers), a `Bool` matches
    /// booleans, a `Str` matches strings.
    Compare {
        field: Field,
        op: CmpOp,
        value: Value,
        case_sensitive: bool,
    },
    /// The field's value is one of `values` (`model in ("gpt-4o", "o3")`), or with `negated`
    /// the record has a value and it is none of them (`metadata.k not in (a, b)`).
    ///
    /// `In` means the same as an `Or` of `Eq` comparisons, one per value, and `negated` the same
    /// as an `And` of `Ne` comparisons, with the same `case_sensitive` and the same metadata
    /// rules. With no values, `In` matches nothing and `negated` every record that has a value.
    In {
        field: Field,
        values: Vec<Value>,
        negated: bool,
        case_sensitive: bool,
    },
}

/// A value of a record that a predicate can look at.
///
/// [`Field::column_id`] gives its Galileo column id; the crate documentation lists its name in
/// the text language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Field {
    /// A user metadata key (`metadata.<key>`; Galileo `user_metadata.<key>`). The key is
    /// compared exactly and is never empty.
    Metadata(String),
    /// Any other metric (`metrics.<key>`; Galileo `metrics/<key>`), such as a local metric.
    /// The key is never empty and never one of the metrics that have their own field
    /// (`duration_ns`, `num_input_tokens`, `num_output_tokens`, `num_total_tokens`).
    Metric(String),
    /// The record's own id (uuid).
    Id,
    /// The root trace's id; a trace's `trace_id` is its own id.
    TraceId,
    /// The enclosing trace or span; null on traces and sessions.
    ParentId,
    SessionId,
    /// The user's id for the trace or session (`external_id`).
    ExternalId,
    Name,
    /// The record type: `trace`, `llm`, `retriever`, `tool`, `workflow`, `agent`, `control` or
    /// `session`.
    Type,
    /// The model of an llm span.
    Model,
    StatusCode,
    /// Latency in nanoseconds (Galileo `metrics/duration_ns`).
    Duration,
    /// Galileo `metrics/num_input_tokens`.
    InputTokens,
    /// Galileo `metrics/num_output_tokens`.
    OutputTokens,
    /// Galileo `metrics/num_total_tokens`, as logged (the SDK does not add input and output up).
    TotalTokens,
    /// The start time, in microseconds since the Unix epoch, UTC.
    CreatedAt,
    /// The input as stored text: a JSON string's own text, or the JSON text of a structured
    /// value (a list of messages, a document list).
    Input,
    /// The output as stored text, like [`Field::Input`].
    Output,
    /// Whether the trace was concluded (distributed mode can leave it open).
    IsComplete,
}

/// What sort of value a field holds, which fixes the [`Value`]s and operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FieldKind {
    /// Ids, names, input, output, model, type: `Str` values with `Eq`, `Ne`, `Contains`, `In`.
    Text,
    /// Status code and token counts: `Num` values with every operator but `Contains`.
    Number,
    /// [`Field::Duration`]: `DurationNs` values with every operator but `Contains`.
    Duration,
    /// [`Field::CreatedAt`]: `Time` values with every operator but `Contains`.
    Time,
    /// [`Field::IsComplete`]: `Bool` values with `Eq`, `Ne`, `In`.
    Bool,
    /// [`Field::Metadata`]: `Str` or `Num` values (see [`Predicate::Compare`]), every operator.
    Metadata,
    /// [`Field::Metric`]: `Num`, `Bool` or `Str` values, every operator.
    Metric,
}

impl Field {
    /// What sort of value this field holds.
    pub fn kind(&self) -> FieldKind {
        match self {
            Field::Metadata(_) => FieldKind::Metadata,
            Field::Metric(_) => FieldKind::Metric,
            Field::Id
            | Field::TraceId
            | Field::ParentId
            | Field::SessionId
            | Field::ExternalId
            | Field::Name
            | Field::Type
            | Field::Model
            | Field::Input
            | Field::Output => FieldKind::Text,
            Field::StatusCode | Field::InputTokens | Field::OutputTokens | Field::TotalTokens => {
                FieldKind::Number
            }
            Field::Duration => FieldKind::Duration,
            Field::CreatedAt => FieldKind::Time,
            Field::IsComplete => FieldKind::Bool,
        }
    }

    /// The field for a metric key: the four metrics that have their own field map to it
    /// (`duration_ns` is [`Field::Duration`]), any other key to [`Field::Metric`].
    pub fn from_metric_key(key: &str) -> Field {
        match key {
            "duration_ns" => Field::Duration,
            "num_input_tokens" => Field::InputTokens,
            "num_output_tokens" => Field::OutputTokens,
            "num_total_tokens" => Field::TotalTokens,
            other => Field::Metric(other.to_owned()),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// The stored text contains the value as a substring (`~`, `contains_cs`); an empty value
    /// matches every record that has the field.
    Contains,
}

/// A literal in a predicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    Str(String),
    /// Always finite.
    Num(f64),
    Bool(bool),
    /// Microseconds since the Unix epoch, UTC.
    Time(i64),
    /// Nanoseconds.
    DurationNs(i64),
}

/// The order of search results.
///
/// Records without a value for the field (a missing metadata key, a null `status_code`) come
/// last in either direction. Metadata sorts by its stored string; ties keep no particular
/// order, so a backend should break them by `id` for stable paging.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sort {
    pub field: Field,
    pub ascending: bool,
}

impl Default for Sort {
    /// Newest first: `created_at`, descending, as Galileo's search does.
    fn default() -> Sort {
        Sort {
            field: Field::CreatedAt,
            ascending: false,
        }
    }
}

/// A filter and an order: what a search asks for, apart from paging.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Query {
    /// `None` matches every record.
    pub filter: Option<Expr>,
    pub sort: Sort,
}

/// Reads a number the way the whole crate does: `[+-]digits[.digits][(e|E)[+-]digits]`, finite,
/// with no surrounding spaces. `"25"`, `"-2.5"` and `"1e+20"` are numbers; `"25."`, `".5"`,
/// `" 25"`, `"inf"` and `"0x10"` are not.
///
/// This is the rule for metadata values that "parse as a number", which backends must apply
/// exactly (a SQL `CAST` is usually more lenient), and for number literals in the text language.
pub fn parse_number(text: &str) -> Option<f64> {
    literal::parse_number(text)
}
