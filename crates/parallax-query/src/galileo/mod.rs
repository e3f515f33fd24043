//! Galileo's JSON filters, `filter_tree` and sort clause, read into the filter model.
//!
//! The SDK sends `filters` (a list that is ANDed), may send a `filter_tree` (`{"and": […]}`,
//! `{"or": […]}`, `{"not": …}`, `{"filter": {…}}`), and a `sort` clause (PROTOCOL.md §7.1).
//! Each filter object is discriminated on `type` (`text`, `id`, `collection`, `number`, `date`,
//! `boolean`) and names its column with `column_id`, or with `name` in the SDK's session search,
//! which gets it wrong (`{"type":"text","name":"external_id",…}`, captures/20).
//!
//! This module is lenient where the SDK's own models are (a missing `type` is the column's
//! natural type, a missing boolean `operator` is `eq`, `case_sensitive` defaults to true) and
//! strict everywhere else: anything it cannot read is an error that names its JSON path.

use serde_json::Value as Json;

mod filter;

use crate::columns::{resolve_column, Column};
use crate::error::QueryError;
use crate::model::{Expr, Query, Sort};
use filter::leaf;

/// How deeply a `filter_tree` may nest.
const MAX_TREE_DEPTH: usize = 64;

/// Reads the `filters` list and the optional `filter_tree` of a search request into one
/// expression, ANDing them all. `Ok(None)` means no filter: no filters, and no tree or a null
/// one or `{"and": []}`.
pub fn from_galileo(
    filters: &[Json],
    filter_tree: Option<&Json>,
) -> Result<Option<Expr>, QueryError> {
    let mut parts = Vec::with_capacity(filters.len() + 1);
    for (i, filter) in filters.iter().enumerate() {
        parts.push(leaf(filter, &format!("filters[{i}]"))?);
    }
    if let Some(tree) = filter_tree {
        parts.extend(node(tree, "filter_tree", 0)?);
    }
    Ok(Expr::conjunction(parts))
}

/// Reads a sort clause `{"column_id", "ascending", "sort_type"}`. A null clause is the default
/// order (newest first); a missing `ascending` is true, as in Galileo's schema. Errors name the
/// clause `sort`.
pub fn sort_from_galileo(sort: &Json) -> Result<Sort, QueryError> {
    let clause = match sort {
        Json::Null => return Ok(Sort::default()),
        Json::Object(clause) => clause,
        other => {
            return Err(QueryError::new(
                "sort",
                format!("expected an object, found {}", kind(other)),
            ))
        }
    };
    let id = match clause.get("column_id") {
        Some(Json::String(id)) => id,
        None | Some(Json::Null) => return Err(QueryError::new("sort", "missing \"column_id\"")),
        Some(other) => return Err(not_a("sort.column_id", "a string", other)),
    };
    let field = match resolve_column(id) {
        Ok(Column::Field(field)) => field,
        Ok(Column::Tags) => {
            return Err(QueryError::new(
                "sort.column_id",
                "column \"tags\" cannot be sorted",
            ))
        }
        Err(e) => return Err(QueryError::new("sort.column_id", e.to_string())),
    };
    let ascending = match clause.get("ascending") {
        None | Some(Json::Null) => true,
        Some(Json::Bool(ascending)) => *ascending,
        Some(other) => return Err(not_a("sort.ascending", "true or false", other)),
    };
    match clause.get("sort_type") {
        None | Some(Json::Null) => {}
        Some(Json::String(t)) if t == "column" => {}
        Some(Json::String(t)) => {
            return Err(QueryError::new(
                "sort.sort_type",
                format!("unsupported sort type {t:?}; only \"column\" is supported"),
            ))
        }
        Some(other) => return Err(not_a("sort.sort_type", "a string", other)),
    }
    Ok(Sort { field, ascending })
}

impl Query {
    /// Reads the filter and order of a Galileo search (or export) request body: its `filters`,
    /// `filter_tree` and `sort`, each optional. Paging fields are the caller's business.
    pub fn from_galileo_request(body: &Json) -> Result<Query, QueryError> {
        let Json::Object(body) = body else {
            return Err(QueryError::new(
                "body",
                format!("expected an object, found {}", kind(body)),
            ));
        };
        let filters = match body.get("filters") {
            None | Some(Json::Null) => &[][..],
            Some(Json::Array(filters)) => filters.as_slice(),
            Some(other) => return Err(not_a("filters", "a list", other)),
        };
        Ok(Query {
            filter: from_galileo(filters, body.get("filter_tree"))?,
            sort: body
                .get("sort")
                .map_or(Ok(Sort::default()), sort_from_galileo)?,
        })
    }
}

/// One node of a filter tree; `None` is a node that holds no condition (matches everything).
fn node(json: &Json, path: &str, depth: usize) -> Result<Option<Expr>, QueryError> {
    if depth > MAX_TREE_DEPTH {
        return Err(QueryError::new(
            path,
            format!("the tree nests deeper than {MAX_TREE_DEPTH} levels"),
        ));
    }
    let object = match json {
        Json::Null => return Ok(None),
        Json::Object(object) => object,
        // A bare list reads as the "and" of its items, like the `filters` list.
        Json::Array(_) => return children(json, "and", path, depth),
        other => return Err(not_a(path, "an object", other)),
    };
    let keys: Vec<&str> = ["and", "or", "not", "filter"]
        .into_iter()
        .filter(|k| object.contains_key(*k))
        .collect();
    let key = match keys.as_slice() {
        [key] => *key,
        [] if ["type", "column_id", "name"]
            .iter()
            .any(|k| object.contains_key(*k)) =>
        {
            return leaf(json, path).map(Some)
        }
        [] => {
            return Err(QueryError::new(
                path,
                "expected an object with \"and\", \"or\", \"not\" or \"filter\"",
            ))
        }
        many => {
            return Err(QueryError::new(
                path,
                format!(
                    "expected only one of \"and\", \"or\", \"not\" or \"filter\", found \"{}\"",
                    many.join("\" and \"")
                ),
            ))
        }
    };
    let path = format!("{path}.{key}");
    let child = &object[key];
    match key {
        "filter" => leaf(child, &path).map(Some),
        "not" => match node(child, &path, depth + 1)? {
            Some(inner) => Ok(Some(Expr::Not(Box::new(inner)))),
            None => Err(QueryError::new(path, "\"not\" needs a condition inside")),
        },
        _ => children(child, key, &path, depth),
    }
}

/// The children of an `and` or `or` node (`key`), at `path`.
fn children(json: &Json, key: &str, path: &str, depth: usize) -> Result<Option<Expr>, QueryError> {
    let Json::Array(items) = json else {
        return Err(not_a(path, "a list", json));
    };
    let mut children = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match node(item, &format!("{path}[{i}]"), depth + 1)? {
            Some(expr) => children.push(expr),
            // An "or" with a child that holds every record holds every record.
            None if key == "or" => return Ok(None),
            None => {}
        }
    }
    if key == "and" {
        return Ok(Expr::conjunction(children));
    }
    match children.len() {
        0 => Err(QueryError::new(path, "\"or\" needs at least one condition")),
        1 => Ok(children.pop()),
        _ => Ok(Some(Expr::Or(children))),
    }
}

pub(super) fn not_a(path: &str, what: &str, found: &Json) -> QueryError {
    QueryError::new(path, format!("expected {what}, found {}", kind(found)))
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}
