//! One Galileo filter object (`{"type", "column_id", "operator", "value", "case_sensitive"}`)
//! read into a predicate, with the checks that make a filter's type, operator, column and value
//! agree.
//!
//! The mapping follows the SDK's own filter builders (`galileo.shared.column`): text and id
//! filters apply to text and uuid columns and, with `one_of`/`not_in`, to the tag list; number
//! filters to integer and floating-point columns; `between` is inclusive at both ends.

use serde_json::{Map, Value as Json};

use super::not_a;
use crate::columns::{resolve_column, Column};
use crate::error::QueryError;
use crate::literal::parse_timestamp;
use crate::model::{CmpOp, Expr, Field, FieldKind, Predicate, Value};

/// One filter object at `path`.
pub(super) fn leaf(json: &Json, path: &str) -> Result<Expr, QueryError> {
    let Json::Object(object) = json else {
        return Err(not_a(path, "a filter object", json));
    };
    let (key, id) = column_of(object, path)?;
    let column =
        resolve_column(id).map_err(|e| QueryError::new(format!("{path}.{key}"), e.to_string()))?;
    let filter_type = match object.get("type") {
        None | Some(Json::Null) => natural_type(&column),
        Some(Json::String(t)) => t.as_str(),
        Some(other) => return Err(not_a(&format!("{path}.type"), "a string", other)),
    };
    let filter = Filter {
        object,
        path,
        id,
        column: &column,
        filter_type,
    };
    match filter_type {
        "text" | "id" => filter.text(),
        "collection" => filter.collection(),
        "number" => filter.number(),
        "date" => filter.date(),
        "boolean" => filter.boolean(),
        other => Err(QueryError::new(
            format!("{path}.type"),
            format!("unknown filter type {other:?}; expected one of text, id, collection, number, date, boolean"),
        )),
    }
}

/// The column id, from `column_id` or, as the SDK's session search sends it, `name`.
fn column_of<'a>(
    object: &'a Map<String, Json>,
    path: &str,
) -> Result<(&'static str, &'a str), QueryError> {
    for key in ["column_id", "name"] {
        match object.get(key) {
            Some(Json::String(id)) => return Ok((key, id)),
            None | Some(Json::Null) => {}
            Some(other) => return Err(not_a(&format!("{path}.{key}"), "a string", other)),
        }
    }
    Err(QueryError::new(path, "missing \"column_id\""))
}

/// The filter type a column takes when the filter does not say.
fn natural_type(column: &Column) -> &'static str {
    match column {
        Column::Tags => "collection",
        Column::Field(field) => match field.kind() {
            FieldKind::Text | FieldKind::Metadata => "text",
            FieldKind::Number | FieldKind::Duration | FieldKind::Metric => "number",
            FieldKind::Time => "date",
            FieldKind::Bool => "boolean",
        },
    }
}

/// A filter object being read, with what is known about it so far.
struct Filter<'a> {
    object: &'a Map<String, Json>,
    path: &'a str,
    id: &'a str,
    column: &'a Column,
    filter_type: &'a str,
}

impl Filter<'_> {
    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn operator(
        &self,
        allowed: &[&'static str],
        default: Option<&'static str>,
    ) -> Result<&'static str, QueryError> {
        let op = match self.object.get("operator") {
            Some(Json::String(op)) => op.as_str(),
            None | Some(Json::Null) => {
                default.ok_or_else(|| QueryError::new(self.path, "missing \"operator\""))?
            }
            Some(other) => return Err(not_a(&self.at("operator"), "a string", other)),
        };
        allowed.iter().find(|a| **a == op).copied().ok_or_else(|| {
            QueryError::new(
                self.at("operator"),
                format!(
                    "unknown operator {op:?} for a {} filter; expected one of {}",
                    self.filter_type,
                    allowed.join(", ")
                ),
            )
        })
    }

    fn value(&self) -> Result<&Json, QueryError> {
        self.object
            .get("value")
            .ok_or_else(|| QueryError::new(self.path, "missing \"value\""))
    }

    fn case_sensitive(&self) -> Result<bool, QueryError> {
        match self.object.get("case_sensitive") {
            None | Some(Json::Null) => Ok(true),
            Some(Json::Bool(b)) => Ok(*b),
            Some(other) => Err(not_a(&self.at("case_sensitive"), "true or false", other)),
        }
    }

    fn string(&self) -> Result<String, QueryError> {
        match self.value()? {
            Json::String(s) => Ok(s.clone()),
            other => Err(not_a(&self.at("value"), "a string", other)),
        }
    }

    /// A list of strings; a single string is a list of one.
    fn strings(&self) -> Result<Vec<String>, QueryError> {
        match self.value()? {
            Json::String(s) => Ok(vec![s.clone()]),
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Json::String(s) => Ok(s.clone()),
                    other => Err(not_a(
                        &format!("{}.value[{i}]", self.path),
                        "a string",
                        other,
                    )),
                })
                .collect(),
            other => Err(not_a(
                &self.at("value"),
                "a string or a list of strings",
                other,
            )),
        }
    }

    fn field(&self, kinds: &[FieldKind]) -> Result<Field, QueryError> {
        match self.column {
            Column::Field(field) if kinds.contains(&field.kind()) => Ok(field.clone()),
            column => {
                let holds = match column {
                    Column::Tags => "tags",
                    Column::Field(field) => match field.kind() {
                        FieldKind::Text => "text",
                        FieldKind::Number => "numbers",
                        FieldKind::Duration => "durations",
                        FieldKind::Time => "timestamps",
                        FieldKind::Bool => "booleans",
                        FieldKind::Metadata => "metadata values",
                        FieldKind::Metric => "metric values",
                    },
                };
                Err(QueryError::new(
                    self.path,
                    format!(
                        "a {} filter does not apply to column {:?}, which holds {holds}; use a {} filter",
                        self.filter_type,
                        self.id,
                        natural_type(column)
                    ),
                ))
            }
        }
    }

    fn text(&self) -> Result<Expr, QueryError> {
        let op = self.operator(&["eq", "ne", "contains", "one_of", "not_in"], None)?;
        let case_sensitive = self.case_sensitive()?;
        if *self.column == Column::Tags {
            return self.tags(op, case_sensitive);
        }
        let field = self.field(&[FieldKind::Text, FieldKind::Metadata, FieldKind::Metric])?;
        let predicate = match op {
            "one_of" | "not_in" => Predicate::In {
                field,
                values: self.strings()?.into_iter().map(Value::Str).collect(),
                negated: op == "not_in",
                case_sensitive,
            },
            _ => Predicate::Compare {
                field,
                op: match op {
                    "eq" => CmpOp::Eq,
                    "ne" => CmpOp::Ne,
                    _ => CmpOp::Contains,
                },
                value: Value::Str(self.string()?),
                case_sensitive,
            },
        };
        Ok(Expr::Pred(predicate))
    }

    fn collection(&self) -> Result<Expr, QueryError> {
        let op = self.operator(&["contains", "eq", "one_of", "not_in"], None)?;
        let case_sensitive = self.case_sensitive()?;
        if *self.column != Column::Tags {
            self.field(&[])?;
        }
        self.tags(op, case_sensitive)
    }

    /// Tags are a set: `eq` and `contains` test for one tag, `one_of` for any of a list.
    fn tags(&self, op: &str, case_sensitive: bool) -> Result<Expr, QueryError> {
        let any_of = match op {
            "one_of" | "not_in" => self.strings()?,
            _ => vec![self.string()?],
        };
        let has = Expr::Pred(Predicate::HasTag {
            any_of,
            case_sensitive,
        });
        Ok(match op {
            "ne" | "not_in" => Expr::Not(Box::new(has)),
            _ => has,
        })
    }

    fn number(&self) -> Result<Expr, QueryError> {
        let op = self.operator(&["eq", "ne", "gt", "gte", "lt", "lte", "between"], None)?;
        let kinds = [
            FieldKind::Number,
            FieldKind::Duration,
            FieldKind::Metadata,
            FieldKind::Metric,
        ];
        let field = self.field(&kinds)?;
        let number = |json: &Json, path: String| match json {
            Json::Number(n) if field == Field::Duration => {
                Ok(Value::DurationNs(n.as_i64().unwrap_or_else(|| {
                    n.as_f64().unwrap_or_default().round() as i64
                })))
            }
            Json::Number(n) => Ok(Value::Num(n.as_f64().unwrap_or_default())),
            other => Err(not_a(&path, "a number", other)),
        };
        if op == "between" {
            let bounds = match self.value()? {
                Json::Array(bounds) if bounds.len() == 2 => bounds,
                other => return Err(not_a(&self.at("value"), "[min, max]", other)),
            };
            let low = number(&bounds[0], format!("{}.value[0]", self.path))?;
            let high = number(&bounds[1], format!("{}.value[1]", self.path))?;
            return Ok(Expr::And(vec![
                compare(field.clone(), CmpOp::Ge, low),
                compare(field, CmpOp::Le, high),
            ]));
        }
        let value = number(self.value()?, self.at("value"))?;
        Ok(compare(field, ordering(op), value))
    }

    fn date(&self) -> Result<Expr, QueryError> {
        let op = self.operator(&["eq", "ne", "gt", "gte", "lt", "lte"], None)?;
        let field = self.field(&[FieldKind::Time])?;
        let text = self.string()?;
        let micros = parse_timestamp(&text).ok_or_else(|| {
            QueryError::new(
                self.at("value"),
                format!("expected an ISO 8601 date or timestamp such as 2026-12-01 or 2026-12-01T10:00:00Z, found {text:?}"),
            )
        })?;
        Ok(compare(field, ordering(op), Value::Time(micros)))
    }

    fn boolean(&self) -> Result<Expr, QueryError> {
        let op = self.operator(&["eq", "ne"], Some("eq"))?;
        let field = self.field(&[FieldKind::Bool, FieldKind::Metric])?;
        let value = match self.value()? {
            Json::Bool(b) => *b,
            other => return Err(not_a(&self.at("value"), "true or false", other)),
        };
        Ok(compare(field, ordering(op), Value::Bool(value)))
    }
}

fn ordering(op: &str) -> CmpOp {
    match op {
        "eq" => CmpOp::Eq,
        "ne" => CmpOp::Ne,
        "gt" => CmpOp::Gt,
        "gte" => CmpOp::Ge,
        "lt" => CmpOp::Lt,
        _ => CmpOp::Le,
    }
}

fn compare(field: Field, op: CmpOp, value: Value) -> Expr {
    Expr::Pred(Predicate::Compare {
        field,
        op,
        value,
        case_sensitive: true,
    })
}
