//! Galileo's `filter_tree` (combined with `filters`), the sort clause, and whole request bodies.

use expect_test::expect;
use serde_json::json;

use crate::galileo::{check, check_sort, show_query};

#[test]
fn filters_and_tree_are_anded() {
    let filters = json!([
        {"type": "collection", "column_id": "tags", "operator": "contains", "value": "a"},
        {"type": "number", "column_id": "status_code", "operator": "gte", "value": 400},
    ]);
    let tree = json!({"or": [
        {"filter": {"type": "text", "column_id": "model", "operator": "eq", "value": "gpt-4o"}},
        {"not": {"filter": {"type": "collection", "column_id": "tags", "operator": "contains", "value": "test"}}},
        {"and": [
            {"filter": {"type": "text", "column_id": "name", "operator": "eq", "value": "x"}},
            {"filter": {"type": "text", "column_id": "name", "operator": "ne", "value": "y"}},
        ]},
    ]});
    check(
        filters,
        Some(tree),
        expect![[r#"
        tag:a and status_code >= 400 and (model = gpt-4o or not tag:test or name = x and name != y)
        And([Pred(HasTag { any_of: ["a"], case_sensitive: true }), Pred(Compare { field: StatusCode, op: Ge, value: Num(400.0), case_sensitive: true }), Or([Pred(Compare { field: Model, op: Eq, value: Str("gpt-4o"), case_sensitive: true }), Not(Pred(HasTag { any_of: ["test"], case_sensitive: true })), And([Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true }), Pred(Compare { field: Name, op: Ne, value: Str("y"), case_sensitive: true })])])])
    "#]],
    );
}

#[test]
fn tree_variants() {
    let leaf = json!({"type": "text", "column_id": "name", "operator": "eq", "value": "x"});
    check(
        json!([]),
        None,
        expect![[r#"
        no filter
    "#]],
    );
    check(
        json!([]),
        Some(json!(null)),
        expect![[r#"
        no filter
    "#]],
    );
    check(
        json!([]),
        Some(json!({"and": []})),
        expect![[r#"
        no filter
    "#]],
    );
    check(
        json!([]),
        Some(json!({"and": [{"filter": leaf}]})),
        expect![[r#"
        name = x
        Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true })
    "#]],
    );
    check(
        json!([]),
        Some(json!({"or": [{"filter": leaf}]})),
        expect![[r#"
        name = x
        Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true })
    "#]],
    );
    check(
        json!([]),
        Some(json!({"or": [{"filter": leaf}, {"and": []}]})),
        expect![[r#"
        no filter
    "#]],
    );
    // A bare filter object or a list stands for itself, as a convenience.
    check(
        json!([]),
        Some(leaf.clone()),
        expect![[r#"
        name = x
        Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true })
    "#]],
    );
    check(
        json!([]),
        Some(json!([{"filter": leaf}, {"not": leaf}])),
        expect![[r#"
            name = x and not name = x
            And([Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true }), Not(Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true }))])
        "#]],
    );
}

#[test]
fn sort_clauses() {
    check_sort(
        json!({"column_id": "created_at", "ascending": false, "sort_type": "column"}),
        expect![[r#"
        Sort { field: CreatedAt, ascending: false }
    "#]],
    );
    check_sort(
        json!({"column_id": "metrics/duration_ns"}),
        expect![[r#"
        Sort { field: Duration, ascending: true }
    "#]],
    );
    check_sort(
        json!({"column_id": "user_metadata.rank", "ascending": true}),
        expect![[r#"
        Sort { field: Metadata("rank"), ascending: true }
    "#]],
    );
    check_sort(
        json!(null),
        expect![[r#"
        Sort { field: CreatedAt, ascending: false }
    "#]],
    );
    check_sort(
        json!([]),
        expect![[r#"
        error: sort: expected an object, found a list
    "#]],
    );
    check_sort(
        json!({"ascending": true}),
        expect![[r#"
        error: sort: missing "column_id"
    "#]],
    );
    check_sort(
        json!({"column_id": 1}),
        expect![[r#"
        error: sort.column_id: expected a string, found a number
    "#]],
    );
    check_sort(
        json!({"column_id": "tags"}),
        expect![[r#"
        error: sort.column_id: column "tags" cannot be sorted
    "#]],
    );
    check_sort(
        json!({"column_id": "nope"}),
        expect![[r#"
        error: sort.column_id: unknown column "nope"; the columns are id, trace_id, parent_id, session_id, external_id, name, type, model, status_code, created_at, input, output, is_complete, tags, metrics/duration_ns, metrics/num_input_tokens, metrics/num_output_tokens, metrics/num_total_tokens, metrics/<key> and user_metadata.<key>
    "#]],
    );
    check_sort(
        json!({"column_id": "name", "ascending": "yes"}),
        expect![[r#"
        error: sort.ascending: expected true or false, found a string
    "#]],
    );
    check_sort(
        json!({"column_id": "name", "sort_type": "score"}),
        expect![[r#"
        error: sort.sort_type: unsupported sort type "score"; only "column" is supported
    "#]],
    );
    check_sort(
        json!({"column_id": "name", "sort_type": 1}),
        expect![[r#"
        error: sort.sort_type: expected a string, found a number
    "#]],
    );
}

#[test]
fn request_bodies() {
    expect![[r#"
        filter: none
        sort: Sort { field: CreatedAt, ascending: false }
    "#]]
    .assert_eq(&show_query(&json!({})));
    expect![[r#"
        error: body: expected an object, found a list
    "#]]
    .assert_eq(&show_query(&json!([])));
    expect![[r#"
        error: filters: expected a list, found an object
    "#]]
    .assert_eq(&show_query(&json!({"filters": {"type": "text"}})));
    expect![[r#"
        filter: none
        sort: Sort { field: CreatedAt, ascending: false }
    "#]]
    .assert_eq(&show_query(
        &json!({"filters": null, "sort": null, "filter_tree": null}),
    ));
}
