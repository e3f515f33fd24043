//! One filter model for Parallax's logs, with three spellings: Galileo's JSON filters, a text
//! language for people, and the console's filter bar (which writes the text language).
//!
//! The model ([`Expr`], [`Predicate`], [`Field`], [`Value`]) is what store backends compile to
//! parameterised SQL; this crate has no SQL, IO or HTTP. [`from_galileo`] and
//! [`sort_from_galileo`] read Galileo's search JSON, [`parse`] reads the text language, and
//! [`print()`] writes it back. [`standard_columns`] is the column catalog behind Galileo's
//! `available_columns` and its column ids.
//!
//! ```
//! use parallax_query::{from_galileo, parse, print};
//! use serde_json::json;
//!
//! let typed = parse(r#"tag:newton and metadata.field = "physics""#).unwrap();
//! let sent = from_galileo(
//!     &[
//!         json!({"type": "collection", "column_id": "tags", "operator": "contains", "value": "newton"}),
//!         json!({"type": "text", "column_id": "user_metadata.field", "operator": "eq", "value": "physics"}),
//!     ],
//!     None,
//! )
//! .unwrap();
//! assert_eq!(typed, sent);
//! assert_eq!(print(&typed.unwrap()), "tag:newton and metadata.field = physics");
//! ```
//!
//! # The text language
//!
//! ```text
//! tag:label_mismatch and metadata.promptVersion = "0.0.3" and duration > 2s and not tag:test
//! ```
//!
//! * **Combining.** `and`, `or`, `not` and parentheses; `not` binds tightest, then `and`, then
//!   `or`. Keywords and field names ignore case (`AND`, `Status_Code`); metadata keys, tags and
//!   values do not.
//! * **Fields.** `id`, `trace_id`, `parent_id`, `session_id`, `external_id`, `name`, `type`,
//!   `model`, `input`, `output` (text); `status_code`, `input_tokens`, `output_tokens`, `tokens`
//!   (total; `total_tokens` also works) (numbers); `duration`; `created_at`; `is_complete`;
//!   `metadata.<key>` and `metrics.<key>`, with the key quoted when it has other characters
//!   (`metadata."key with spaces"`).
//! * **Tags.** `tag:name`, `tag:"two words"`, `tag = name`, `tag in (a, b)` (any of them),
//!   `tag not in (a, b)`, and `tag =~ name`, `tag in~ (a, b)` ignoring case.
//! * **Operators.** `=`, `!=`, `<`, `<=`, `>`, `>=`, `in (…)`, `not in (…)`. For text,
//!   `~` is contains ignoring case and `contains_cs` contains with case; `=~`, `!~`, `in~` and
//!   `not in~` are `=`, `!=`, `in` and `not in` ignoring case (the spellings of Kusto, the log
//!   query language of Azure Data Explorer). `=` and `in` are case-sensitive.
//! * **Presence.** `has(metadata.user_id)` (key present), `has(model)` (not null).
//! * **Values.** A bareword is a run of letters, digits and `_ - . / : +`
//!   (`gpt-4o`, `2026-12-01T10:00:00Z`, a uuid) that is not a keyword (`and`, `or`, `not`,
//!   `in`); anything else goes in double quotes, where `\"` and `\\` are the only escapes. The
//!   field decides what a value means:
//!   * text fields take any value as text (`name = 25` is the name "25");
//!   * number fields take numbers (`[+-]digits[.digits][e[+-]digits]`);
//!   * `duration` takes a number **with a unit**, one of `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`
//!     (`duration > 1.5s`); a bare number is refused rather than guessed;
//!   * `created_at` takes a date (`2026-12-01`, midnight UTC) or an RFC 3339 timestamp; one
//!     without an offset is UTC. `=` on a time is exact to the microsecond;
//!   * `is_complete` takes `true` or `false`;
//!   * on metadata, `<`, `<=`, `>`, `>=` take a number and compare numerically; with `=`, `!=`
//!     and `in` a bare number is a number (`metadata.n = 25` also matches "25.0") and a quoted
//!     one is text (`metadata.n = "25"` matches only "25"). Metrics read the same way, and
//!     also take bare `true` and `false` as booleans.
//! * Blank input is no filter.
//!
//! # Semantics every backend follows
//!
//! The rules of each predicate are on [`Predicate`]; two hold everywhere:
//!
//! * **Absent values never match.** A predicate on a value the record does not have (a metadata
//!   key nobody logged, `model` on a trace, a null `status_code`) is false, for `!=` and
//!   `not in` too. Filtering on an unknown metadata key is not an error: it matches nothing.
//! * **`not` is the exact complement.** [`Expr::Not`] matches every record that its child does
//!   not match, including the records where the child was false because a value was absent. In
//!   SQL that means `NOT COALESCE(<child>, FALSE)` or an equivalent, never a bare `NOT <child>`
//!   over nullable columns.

mod columns;
mod error;
mod galileo;
mod lexer;
mod literal;
mod model;
mod parser;
mod print;
mod syntax;
mod typing;

pub use columns::{
    resolve_column, standard_columns, Column, ColumnCategory, ColumnDef, ColumnError, DataType,
    Root,
};
pub use error::{ParseError, QueryError};
pub use galileo::{from_galileo, sort_from_galileo};
pub use model::{parse_number, CmpOp, Expr, Field, FieldKind, Predicate, Query, Sort, Value};
pub use parser::parse;
pub use print::print;
