//! Galileo's JSON: the search requests the official SDK really sent (captures/), then every
//! filter type and operator, the tree, the sort clause, and every error, by hand.

use expect_test::{expect, Expect};
use parallax_query::{from_galileo, print, sort_from_galileo, Query};
use serde_json::{json, Value as Json};

/// The JSON body of a captured SDK request, from the shared folder beside the repository.
pub(crate) fn captured_body(name: &str) -> Json {
    let path = format!(
        "{}/../../../shared/galileo-sdk/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let capture: Json = serde_json::from_str(&text).unwrap();
    capture["request"]["json"].clone()
}

pub(crate) fn show_query(body: &Json) -> String {
    match Query::from_galileo_request(body) {
        Ok(query) => format!(
            "filter: {}\nsort: {:?}\n",
            query.filter.as_ref().map_or("none".to_owned(), print),
            query.sort
        ),
        Err(error) => format!("error: {error}\n"),
    }
}

/// `filters` is the JSON list of filters; `tree` the optional filter_tree.
pub(crate) fn check(filters: Json, tree: Option<Json>, expect: Expect) {
    let filters = filters.as_array().expect("filters are a list").clone();
    let actual = match from_galileo(&filters, tree.as_ref()) {
        Ok(Some(expr)) => format!("{}\n{expr:?}\n", print(&expr)),
        Ok(None) => "no filter\n".to_owned(),
        Err(error) => format!("error: {error}\n"),
    };
    expect.assert_eq(&actual);
}

pub(crate) fn check_one(filter: Json, expect: Expect) {
    check(json!([filter]), None, expect);
}

pub(crate) fn check_sort(sort: Json, expect: Expect) {
    let actual = match sort_from_galileo(&sort) {
        Ok(sort) => format!("{sort:?}\n"),
        Err(error) => format!("error: {error}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn captured_trace_search_with_every_filter_type() {
    expect![[r#"
        filter: input ~ Newton and tag:newton and metadata.field = physics and duration >= 0s and duration >= 0s and duration <= 1000s and created_at > 2020-01-01 and id != 00000000-0000-4000-8000-000000000000 and is_complete = true and name in ("", x)
        sort: Sort { field: CreatedAt, ascending: false }
    "#]].assert_eq(&show_query(&captured_body("50_post_traces_search_filters.json")));
}

#[test]
fn captured_searches_without_filters() {
    let spans = show_query(&captured_body("51_post_spans_search.json"));
    expect![[r#"
        filter: none
        sort: Sort { field: CreatedAt, ascending: false }
    "#]]
    .assert_eq(&spans);
    let sessions = show_query(&captured_body("52_post_sessions_search.json"));
    assert_eq!(sessions, spans);
}

#[test]
fn captured_search_through_log_stream_columns() {
    expect![[r#"
        filter: input contains_cs Newton and metadata.field = physics
        sort: Sort { field: CreatedAt, ascending: false }
    "#]]
    .assert_eq(&show_query(&captured_body(
        "56_post_traces_search_via_logstream_columns.json",
    )));
}

#[test]
fn captured_session_search_names_its_column_with_name() {
    expect![[r#"
        filter: external_id = conv-42
        sort: Sort { field: CreatedAt, ascending: false }
    "#]]
    .assert_eq(&show_query(&captured_body(
        "20_post_v2_sessions_search_external_id.json",
    )));
}

#[test]
fn text_filters() {
    let text = |op: &str, value: Json| json!({"type": "text", "column_id": "name", "operator": op, "value": value});
    check_one(
        text("eq", json!("x")),
        expect![[r#"
        name = x
        Pred(Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true })
    "#]],
    );
    check_one(
        text("ne", json!("x")),
        expect![[r#"
        name != x
        Pred(Compare { field: Name, op: Ne, value: Str("x"), case_sensitive: true })
    "#]],
    );
    check_one(
        text("contains", json!("x")),
        expect![[r#"
        name contains_cs x
        Pred(Compare { field: Name, op: Contains, value: Str("x"), case_sensitive: true })
    "#]],
    );
    check_one(
        text("one_of", json!(["a", "b"])),
        expect![[r#"
        name in (a, b)
        Pred(In { field: Name, values: [Str("a"), Str("b")], negated: false, case_sensitive: true })
    "#]],
    );
    check_one(
        text("not_in", json!(["a"])),
        expect![[r#"
        name not in (a)
        Pred(In { field: Name, values: [Str("a")], negated: true, case_sensitive: true })
    "#]],
    );
    check_one(
        text("one_of", json!("a")),
        expect![[r#"
        name in (a)
        Pred(In { field: Name, values: [Str("a")], negated: false, case_sensitive: true })
    "#]],
    );
    check_one(
        json!({"type": "text", "column_id": "input", "operator": "contains", "value": "Newton", "case_sensitive": false}),
        expect![[r#"
            input ~ Newton
            Pred(Compare { field: Input, op: Contains, value: Str("Newton"), case_sensitive: false })
        "#]],
    );
    check_one(
        json!({"type": "text", "column_id": "user_metadata.field", "operator": "eq", "value": "25"}),
        expect![[r#"
            metadata.field = "25"
            Pred(Compare { field: Metadata("field"), op: Eq, value: Str("25"), case_sensitive: true })
        "#]],
    );
    check_one(
        json!({"type": "text", "column_id": "metrics/label", "operator": "ne", "value": "bad"}),
        expect![[r#"
            metrics.label != bad
            Pred(Compare { field: Metric("label"), op: Ne, value: Str("bad"), case_sensitive: true })
        "#]],
    );
}

#[test]
fn text_filters_on_tags_test_tag_membership() {
    let tags = |op: &str, value: Json| json!({"type": "text", "column_id": "tags", "operator": op, "value": value});
    check_one(
        tags("eq", json!("a")),
        expect![[r#"
        tag:a
        Pred(HasTag { any_of: ["a"], case_sensitive: true })
    "#]],
    );
    check_one(
        tags("contains", json!("a")),
        expect![[r#"
        tag:a
        Pred(HasTag { any_of: ["a"], case_sensitive: true })
    "#]],
    );
    check_one(
        tags("ne", json!("a")),
        expect![[r#"
        not tag:a
        Not(Pred(HasTag { any_of: ["a"], case_sensitive: true }))
    "#]],
    );
    check_one(
        tags("one_of", json!(["a", "b"])),
        expect![[r#"
        tag in (a, b)
        Pred(HasTag { any_of: ["a", "b"], case_sensitive: true })
    "#]],
    );
    check_one(
        tags("not_in", json!(["a", "b"])),
        expect![[r#"
        not tag in (a, b)
        Not(Pred(HasTag { any_of: ["a", "b"], case_sensitive: true }))
    "#]],
    );
}

#[test]
fn id_filters() {
    let id = |op: &str, value: Json| json!({"type": "id", "column_id": "trace_id", "operator": op, "value": value});
    check_one(
        id("eq", json!("d739d37f-789f-45c1-b93f-7d31eebae825")),
        expect![[r#"
        trace_id = d739d37f-789f-45c1-b93f-7d31eebae825
        Pred(Compare { field: TraceId, op: Eq, value: Str("d739d37f-789f-45c1-b93f-7d31eebae825"), case_sensitive: true })
    "#]],
    );
    check_one(
        id("ne", json!("d739d37f-789f-45c1-b93f-7d31eebae825")),
        expect![[r#"
        trace_id != d739d37f-789f-45c1-b93f-7d31eebae825
        Pred(Compare { field: TraceId, op: Ne, value: Str("d739d37f-789f-45c1-b93f-7d31eebae825"), case_sensitive: true })
    "#]],
    );
    check_one(
        id("contains", json!("d739")),
        expect![[r#"
        trace_id contains_cs d739
        Pred(Compare { field: TraceId, op: Contains, value: Str("d739"), case_sensitive: true })
    "#]],
    );
    check_one(
        id("one_of", json!(["a", "b"])),
        expect![[r#"
        trace_id in (a, b)
        Pred(In { field: TraceId, values: [Str("a"), Str("b")], negated: false, case_sensitive: true })
    "#]],
    );
    check_one(
        id("not_in", json!(["a"])),
        expect![[r#"
        trace_id not in (a)
        Pred(In { field: TraceId, values: [Str("a")], negated: true, case_sensitive: true })
    "#]],
    );
}

#[test]
fn collection_filters() {
    let tags = |op: &str, value: Json| json!({"type": "collection", "column_id": "tags", "operator": op, "value": value, "case_sensitive": true});
    check_one(
        tags("contains", json!("newton")),
        expect![[r#"
        tag:newton
        Pred(HasTag { any_of: ["newton"], case_sensitive: true })
    "#]],
    );
    check_one(
        tags("eq", json!("newton")),
        expect![[r#"
        tag:newton
        Pred(HasTag { any_of: ["newton"], case_sensitive: true })
    "#]],
    );
    check_one(
        tags("one_of", json!(["a", "b"])),
        expect![[r#"
        tag in (a, b)
        Pred(HasTag { any_of: ["a", "b"], case_sensitive: true })
    "#]],
    );
    check_one(
        tags("not_in", json!(["a", "b"])),
        expect![[r#"
        not tag in (a, b)
        Not(Pred(HasTag { any_of: ["a", "b"], case_sensitive: true }))
    "#]],
    );
    check_one(
        json!({"type": "collection", "column_id": "tags", "operator": "contains", "value": "A", "case_sensitive": false}),
        expect![[r#"
            tag =~ A
            Pred(HasTag { any_of: ["A"], case_sensitive: false })
        "#]],
    );
}

#[test]
fn number_filters() {
    let number = |column: &str, op: &str, value: Json| json!({"type": "number", "column_id": column, "operator": op, "value": value});
    check_one(
        number("status_code", "eq", json!(200)),
        expect![[r#"
        status_code = 200
        Pred(Compare { field: StatusCode, op: Eq, value: Num(200.0), case_sensitive: true })
    "#]],
    );
    check_one(
        number("status_code", "ne", json!(200)),
        expect![[r#"
        status_code != 200
        Pred(Compare { field: StatusCode, op: Ne, value: Num(200.0), case_sensitive: true })
    "#]],
    );
    check_one(
        number("metrics/num_total_tokens", "gt", json!(100)),
        expect![[r#"
        tokens > 100
        Pred(Compare { field: TotalTokens, op: Gt, value: Num(100.0), case_sensitive: true })
    "#]],
    );
    check_one(
        number("metrics/num_input_tokens", "gte", json!(1.5)),
        expect![[r#"
        input_tokens >= 1.5
        Pred(Compare { field: InputTokens, op: Ge, value: Num(1.5), case_sensitive: true })
    "#]],
    );
    check_one(
        number("metrics/num_output_tokens", "lt", json!(5)),
        expect![[r#"
        output_tokens < 5
        Pred(Compare { field: OutputTokens, op: Lt, value: Num(5.0), case_sensitive: true })
    "#]],
    );
    check_one(
        number("metrics/custom", "lte", json!(0.25)),
        expect![[r#"
        metrics.custom <= 0.25
        Pred(Compare { field: Metric("custom"), op: Le, value: Num(0.25), case_sensitive: true })
    "#]],
    );
    check_one(
        number("metrics/duration_ns", "gte", json!(1500000)),
        expect![[r#"
        duration >= 1500us
        Pred(Compare { field: Duration, op: Ge, value: DurationNs(1500000), case_sensitive: true })
    "#]],
    );
    check_one(
        number("metrics/duration_ns", "lt", json!(2.6)),
        expect![[r#"
        duration < 3ns
        Pred(Compare { field: Duration, op: Lt, value: DurationNs(3), case_sensitive: true })
    "#]],
    );
    check_one(
        number(
            "metrics/duration_ns",
            "between",
            json!([0, 1000000000000i64]),
        ),
        expect![[r#"
        duration >= 0s and duration <= 1000s
        And([Pred(Compare { field: Duration, op: Ge, value: DurationNs(0), case_sensitive: true }), Pred(Compare { field: Duration, op: Le, value: DurationNs(1000000000000), case_sensitive: true })])
    "#]],
    );
    check_one(
        number("user_metadata.experimentNumber", "gt", json!(25)),
        expect![[r#"
        metadata.experimentNumber > 25
        Pred(Compare { field: Metadata("experimentNumber"), op: Gt, value: Num(25.0), case_sensitive: true })
    "#]],
    );
}

#[test]
fn date_filters() {
    let date = |op: &str, value: &str| json!({"type": "date", "column_id": "created_at", "operator": op, "value": value});
    check_one(
        date("eq", "2026-12-03T16:16:29.908171Z"),
        expect![[r#"
        created_at = 2026-12-03T16:16:29.908171Z
        Pred(Compare { field: CreatedAt, op: Eq, value: Time(1796314589908171), case_sensitive: true })
    "#]],
    );
    check_one(
        date("ne", "2026-12-03T16:16:29.908171+01:00"),
        expect![[r#"
        created_at != 2026-12-03T15:16:29.908171Z
        Pred(Compare { field: CreatedAt, op: Ne, value: Time(1796310989908171), case_sensitive: true })
    "#]],
    );
    check_one(
        date("gt", "2020-01-01T00:00:00"),
        expect![[r#"
        created_at > 2020-01-01
        Pred(Compare { field: CreatedAt, op: Gt, value: Time(1577836800000000), case_sensitive: true })
    "#]],
    );
    check_one(
        date("gte", "2020-01-01"),
        expect![[r#"
        created_at >= 2020-01-01
        Pred(Compare { field: CreatedAt, op: Ge, value: Time(1577836800000000), case_sensitive: true })
    "#]],
    );
    check_one(
        date("lt", "2026-12-03 16:16:29"),
        expect![[r#"
        created_at < 2026-12-03T16:16:29Z
        Pred(Compare { field: CreatedAt, op: Lt, value: Time(1796314589000000), case_sensitive: true })
    "#]],
    );
    check_one(
        date("lte", "2026-12-03T16:16:29.123456789Z"),
        expect![[r#"
        created_at <= 2026-12-03T16:16:29.123456Z
        Pred(Compare { field: CreatedAt, op: Le, value: Time(1796314589123456), case_sensitive: true })
    "#]],
    );
}

#[test]
fn boolean_filters() {
    check_one(
        json!({"type": "boolean", "column_id": "is_complete", "value": true}),
        expect![[r#"
        is_complete = true
        Pred(Compare { field: IsComplete, op: Eq, value: Bool(true), case_sensitive: true })
    "#]],
    );
    check_one(
        json!({"type": "boolean", "column_id": "is_complete", "operator": "ne", "value": true}),
        expect![[r#"
            is_complete != true
            Pred(Compare { field: IsComplete, op: Ne, value: Bool(true), case_sensitive: true })
        "#]],
    );
    check_one(
        json!({"type": "boolean", "column_id": "metrics/passed", "operator": "eq", "value": false}),
        expect![[r#"
        metrics.passed = false
        Pred(Compare { field: Metric("passed"), op: Eq, value: Bool(false), case_sensitive: true })
    "#]],
    );
}

#[test]
fn a_missing_type_is_the_columns_natural_type() {
    check_one(
        json!({"column_id": "status_code", "operator": "gte", "value": 400}),
        expect![[r#"
        status_code >= 400
        Pred(Compare { field: StatusCode, op: Ge, value: Num(400.0), case_sensitive: true })
    "#]],
    );
    check_one(
        json!({"column_id": "tags", "operator": "contains", "value": "a"}),
        expect![[r#"
        tag:a
        Pred(HasTag { any_of: ["a"], case_sensitive: true })
    "#]],
    );
    check_one(
        json!({"column_id": "created_at", "operator": "gt", "value": "2026-12-01"}),
        expect![[r#"
        created_at > 2026-12-01
        Pred(Compare { field: CreatedAt, op: Gt, value: Time(1796083200000000), case_sensitive: true })
    "#]],
    );
    check_one(
        json!({"column_id": "is_complete", "value": false}),
        expect![[r#"
        is_complete = false
        Pred(Compare { field: IsComplete, op: Eq, value: Bool(false), case_sensitive: true })
    "#]],
    );
    check_one(
        json!({"column_id": "user_metadata.k", "operator": "eq", "value": "v"}),
        expect![[r#"
        metadata.k = v
        Pred(Compare { field: Metadata("k"), op: Eq, value: Str("v"), case_sensitive: true })
    "#]],
    );
}
