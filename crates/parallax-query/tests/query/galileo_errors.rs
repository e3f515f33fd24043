//! Galileo JSON that does not describe a filter: every error of a filter object and of a
//! filter tree, each naming its JSON path.

use expect_test::expect;
use parallax_query::from_galileo;
use serde_json::json;

#[test]
fn filter_errors() {
    let errors = [
        json!("name = x"),
        json!({"type": "text", "operator": "eq", "value": "x"}),
        json!({"type": "text", "column_id": 3, "operator": "eq", "value": "x"}),
        json!({"type": "text", "column_id": "nope", "operator": "eq", "value": "x"}),
        json!({"type": "text", "column_id": "user_metadata.", "operator": "eq", "value": "x"}),
        json!({"type": 1, "column_id": "name", "operator": "eq", "value": "x"}),
        json!({"type": "regex", "column_id": "name", "operator": "eq", "value": "x"}),
        json!({"type": "text", "column_id": "name", "value": "x"}),
        json!({"type": "text", "column_id": "name", "operator": 1, "value": "x"}),
        json!({"type": "number", "column_id": "status_code", "operator": "foo", "value": 1}),
        json!({"type": "text", "column_id": "name", "operator": "gt", "value": "x"}),
        json!({"type": "text", "column_id": "name", "operator": "eq"}),
        json!({"type": "text", "column_id": "name", "operator": "eq", "value": "x", "case_sensitive": "no"}),
        json!({"type": "text", "column_id": "name", "operator": "eq", "value": ["x"]}),
        json!({"type": "text", "column_id": "name", "operator": "one_of", "value": ["x", null]}),
        json!({"type": "text", "column_id": "name", "operator": "one_of", "value": 3}),
        json!({"type": "text", "column_id": "status_code", "operator": "eq", "value": "200"}),
        json!({"type": "collection", "column_id": "name", "operator": "contains", "value": "x"}),
        json!({"type": "collection", "column_id": "tags", "operator": "contains", "value": ["a", "b"]}),
        json!({"type": "number", "column_id": "name", "operator": "gt", "value": 1}),
        json!({"type": "number", "column_id": "status_code", "operator": "gt", "value": "400"}),
        json!({"type": "number", "column_id": "status_code", "operator": "between", "value": [1]}),
        json!({"type": "number", "column_id": "status_code", "operator": "between", "value": [1, "2"]}),
        json!({"type": "date", "column_id": "name", "operator": "gt", "value": "2026-12-01"}),
        json!({"type": "date", "column_id": "created_at", "operator": "gt", "value": "yesterday"}),
        json!({"type": "date", "column_id": "created_at", "operator": "gt", "value": 1700000000}),
        json!({"type": "date", "column_id": "created_at", "operator": "between", "value": "2026-12-01"}),
        json!({"type": "boolean", "column_id": "is_complete", "operator": "eq", "value": "true"}),
        json!({"type": "boolean", "column_id": "tags", "operator": "eq", "value": true}),
        json!({"type": "boolean", "column_id": "created_at", "operator": "eq", "value": true}),
        json!({"type": "text", "column_id": "metrics/duration_ns", "operator": "eq", "value": "x"}),
    ];
    let actual: String = errors
        .into_iter()
        .map(|filter| match from_galileo(&[filter], None) {
            Ok(e) => format!("accepted: {e:?}\n"),
            Err(error) => format!("{error}\n"),
        })
        .collect();
    expect![[r#"
        filters[0]: expected a filter object, found a string
        filters[0]: missing "column_id"
        filters[0].column_id: expected a string, found a number
        filters[0].column_id: unknown column "nope"; the columns are id, trace_id, parent_id, session_id, external_id, name, type, model, status_code, created_at, input, output, is_complete, tags, metrics/duration_ns, metrics/num_input_tokens, metrics/num_output_tokens, metrics/num_total_tokens, metrics/<key> and user_metadata.<key>
        filters[0].column_id: column id "user_metadata." has no key after the prefix
        filters[0].type: expected a string, found a number
        filters[0].type: unknown filter type "regex"; expected one of text, id, collection, number, date, boolean
        filters[0]: missing "operator"
        filters[0].operator: expected a string, found a number
        filters[0].operator: unknown operator "foo" for a number filter; expected one of eq, ne, gt, gte, lt, lte, between
        filters[0].operator: unknown operator "gt" for a text filter; expected one of eq, ne, contains, one_of, not_in
        filters[0]: missing "value"
        filters[0].case_sensitive: expected true or false, found a string
        filters[0].value: expected a string, found a list
        filters[0].value[1]: expected a string, found null
        filters[0].value: expected a string or a list of strings, found a number
        filters[0]: a text filter does not apply to column "status_code", which holds numbers; use a number filter
        filters[0]: a collection filter does not apply to column "name", which holds text; use a text filter
        filters[0].value: expected a string, found a list
        filters[0]: a number filter does not apply to column "name", which holds text; use a text filter
        filters[0].value: expected a number, found a string
        filters[0].value: expected [min, max], found a list
        filters[0].value[1]: expected a number, found a string
        filters[0]: a date filter does not apply to column "name", which holds text; use a text filter
        filters[0].value: expected an ISO 8601 date or timestamp such as 2026-12-01 or 2026-12-01T10:00:00Z, found "yesterday"
        filters[0].value: expected a string, found a number
        filters[0].operator: unknown operator "between" for a date filter; expected one of eq, ne, gt, gte, lt, lte
        filters[0].value: expected true or false, found a string
        filters[0]: a boolean filter does not apply to column "tags", which holds tags; use a collection filter
        filters[0]: a boolean filter does not apply to column "created_at", which holds timestamps; use a date filter
        filters[0]: a text filter does not apply to column "metrics/duration_ns", which holds durations; use a number filter
    "#]].assert_eq(&actual);
}

#[test]
fn tree_errors() {
    let leaf = json!({"type": "text", "column_id": "name", "operator": "eq", "value": "x"});
    let trees = [
        json!("and"),
        json!({"any": []}),
        json!({"and": [], "or": []}),
        json!({"not": null}),
        json!({"not": {"and": []}}),
        json!({"and": {"filter": leaf}}),
        json!({"or": []}),
        json!({"or": [{"filter": leaf}, {"filter": {"type": "text"}}]}),
        json!({"and": [{"not": {"filter": 3}}]}),
    ];
    let actual: String = trees
        .iter()
        .map(|tree| match from_galileo(&[], Some(tree)) {
            Ok(e) => format!("accepted: {e:?}\n"),
            Err(error) => format!("{error}\n"),
        })
        .collect();
    expect![[r#"
        filter_tree: expected an object, found a string
        filter_tree: expected an object with "and", "or", "not" or "filter"
        filter_tree: expected only one of "and", "or", "not" or "filter", found "and" and "or"
        filter_tree.not: "not" needs a condition inside
        filter_tree.not: "not" needs a condition inside
        filter_tree.and: expected a list, found an object
        filter_tree.or: "or" needs at least one condition
        filter_tree.or[1].filter: missing "column_id"
        filter_tree.and[0].not.filter: expected a filter object, found a number
    "#]]
    .assert_eq(&actual);

    let mut deep = leaf;
    for _ in 0..70 {
        deep = json!({"not": deep});
    }
    expect!["filter_tree.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not: the tree nests deeper than 64 levels"].assert_eq(&from_galileo(&[], Some(&deep)).unwrap_err().to_string());
}
