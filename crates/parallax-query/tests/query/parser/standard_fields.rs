//! Input the text language accepts on the standard fields (ids, names, numbers, durations,
//! timestamps, booleans): the canonical print, then the tree.

use expect_test::expect;

use super::check;

#[test]
fn standard_fields() {
    check(
        r#"model = "gpt-4o""#,
        expect![[r#"
        model = gpt-4o
        Compare { field: Model, op: Eq, value: Str("gpt-4o"), case_sensitive: true }
    "#]],
    );
    check(
        "model = gpt-4o",
        expect![[r#"
        model = gpt-4o
        Compare { field: Model, op: Eq, value: Str("gpt-4o"), case_sensitive: true }
    "#]],
    );
    check(
        "type = llm",
        expect![[r#"
        type = llm
        Compare { field: Type, op: Eq, value: Str("llm"), case_sensitive: true }
    "#]],
    );
    check(
        "name = 25",
        expect![[r#"
        name = "25"
        Compare { field: Name, op: Eq, value: Str("25"), case_sensitive: true }
    "#]],
    );
    check(
        r#"name = "and""#,
        expect![[r#"
        name = "and"
        Compare { field: Name, op: Eq, value: Str("and"), case_sensitive: true }
    "#]],
    );
    check(
        "status_code >= 400",
        expect![[r#"
        status_code >= 400
        Compare { field: StatusCode, op: Ge, value: Num(400.0), case_sensitive: true }
    "#]],
    );
    check(
        "status_code != 200",
        expect![[r#"
        status_code != 200
        Compare { field: StatusCode, op: Ne, value: Num(200.0), case_sensitive: true }
    "#]],
    );
    check(
        "status_code in (400, 500)",
        expect![[r#"
        status_code in (400, 500)
        In { field: StatusCode, values: [Num(400.0), Num(500.0)], negated: false, case_sensitive: true }
    "#]],
    );
    check(
        "duration > 2s",
        expect![[r#"
        duration > 2s
        Compare { field: Duration, op: Gt, value: DurationNs(2000000000), case_sensitive: true }
    "#]],
    );
    check(
        "duration >= 1.5ms",
        expect![[r#"
        duration >= 1500us
        Compare { field: Duration, op: Ge, value: DurationNs(1500000), case_sensitive: true }
    "#]],
    );
    check(
        "duration < 250us",
        expect![[r#"
        duration < 250us
        Compare { field: Duration, op: Lt, value: DurationNs(250000), case_sensitive: true }
    "#]],
    );
    check(
        "duration < 250µs",
        expect![[r#"
        duration < 250us
        Compare { field: Duration, op: Lt, value: DurationNs(250000), case_sensitive: true }
    "#]],
    );
    check(
        "duration <= 100ns",
        expect![[r#"
        duration <= 100ns
        Compare { field: Duration, op: Le, value: DurationNs(100), case_sensitive: true }
    "#]],
    );
    check(
        "duration = 10m",
        expect![[r#"
        duration = 10m
        Compare { field: Duration, op: Eq, value: DurationNs(600000000000), case_sensitive: true }
    "#]],
    );
    check(
        "duration != 1h",
        expect![[r#"
        duration != 1h
        Compare { field: Duration, op: Ne, value: DurationNs(3600000000000), case_sensitive: true }
    "#]],
    );
    check(
        "duration > 0.5ns",
        expect![[r#"
        duration > 1ns
        Compare { field: Duration, op: Gt, value: DurationNs(1), case_sensitive: true }
    "#]],
    );
    check(
        "created_at >= 2026-12-01",
        expect![[r#"
        created_at >= 2026-12-01
        Compare { field: CreatedAt, op: Ge, value: Time(1796083200000000), case_sensitive: true }
    "#]],
    );
    check(
        "created_at < 2026-12-01T10:00:00Z",
        expect![[r#"
        created_at < 2026-12-01T10:00:00Z
        Compare { field: CreatedAt, op: Lt, value: Time(1796119200000000), case_sensitive: true }
    "#]],
    );
    check(
        "created_at < 2026-12-01T10:00:00.123456+01:00",
        expect![[r#"
        created_at < 2026-12-01T09:00:00.123456Z
        Compare { field: CreatedAt, op: Lt, value: Time(1796115600123456), case_sensitive: true }
    "#]],
    );
    check(
        r#"created_at > "2026-12-01 10:00""#,
        expect![[r#"
        created_at > 2026-12-01T10:00:00Z
        Compare { field: CreatedAt, op: Gt, value: Time(1796119200000000), case_sensitive: true }
    "#]],
    );
    check(
        "created_at = 2020-01-01T00:00:00",
        expect![[r#"
        created_at = 2020-01-01
        Compare { field: CreatedAt, op: Eq, value: Time(1577836800000000), case_sensitive: true }
    "#]],
    );
    check(
        r#"input ~ "newton""#,
        expect![[r#"
        input ~ newton
        Compare { field: Input, op: Contains, value: Str("newton"), case_sensitive: false }
    "#]],
    );
    check(
        "input ~ newton",
        expect![[r#"
        input ~ newton
        Compare { field: Input, op: Contains, value: Str("newton"), case_sensitive: false }
    "#]],
    );
    check(
        "input contains_cs Newton",
        expect![[r#"
        input contains_cs Newton
        Compare { field: Input, op: Contains, value: Str("Newton"), case_sensitive: true }
    "#]],
    );
    check(
        r#"input =~ "Newton""#,
        expect![[r#"
        input =~ Newton
        Compare { field: Input, op: Eq, value: Str("Newton"), case_sensitive: false }
    "#]],
    );
    check(
        "input !~ Newton",
        expect![[r#"
        input !~ Newton
        Compare { field: Input, op: Ne, value: Str("Newton"), case_sensitive: false }
    "#]],
    );
    check(
        r#"output ~ "done""#,
        expect![[r#"
        output ~ done
        Compare { field: Output, op: Contains, value: Str("done"), case_sensitive: false }
    "#]],
    );
    check(
        "id = 3fa85f64-5717-4562-b3fc-2c963f66afa6",
        expect![[r#"
        id = 3fa85f64-5717-4562-b3fc-2c963f66afa6
        Compare { field: Id, op: Eq, value: Str("3fa85f64-5717-4562-b3fc-2c963f66afa6"), case_sensitive: true }
    "#]],
    );
    check(
        "trace_id = d739d37f-789f-45c1-b93f-7d31eebae825",
        expect![[r#"
        trace_id = d739d37f-789f-45c1-b93f-7d31eebae825
        Compare { field: TraceId, op: Eq, value: Str("d739d37f-789f-45c1-b93f-7d31eebae825"), case_sensitive: true }
    "#]],
    );
    check(
        "parent_id != d739d37f-789f-45c1-b93f-7d31eebae825",
        expect![[r#"
        parent_id != d739d37f-789f-45c1-b93f-7d31eebae825
        Compare { field: ParentId, op: Ne, value: Str("d739d37f-789f-45c1-b93f-7d31eebae825"), case_sensitive: true }
    "#]],
    );
    check(
        "session_id = f7b86495-4913-458f-9048-572611beb86b",
        expect![[r#"
        session_id = f7b86495-4913-458f-9048-572611beb86b
        Compare { field: SessionId, op: Eq, value: Str("f7b86495-4913-458f-9048-572611beb86b"), case_sensitive: true }
    "#]],
    );
    check(
        "external_id = conv-42",
        expect![[r#"
        external_id = conv-42
        Compare { field: ExternalId, op: Eq, value: Str("conv-42"), case_sensitive: true }
    "#]],
    );
    check(
        r#"name in ("", x)"#,
        expect![[r#"
        name in ("", x)
        In { field: Name, values: [Str(""), Str("x")], negated: false, case_sensitive: true }
    "#]],
    );
    check(
        "name not in~ (A, B)",
        expect![[r#"
        name not in~ (A, B)
        In { field: Name, values: [Str("A"), Str("B")], negated: true, case_sensitive: false }
    "#]],
    );
    check(
        "tokens > 100",
        expect![[r#"
        tokens > 100
        Compare { field: TotalTokens, op: Gt, value: Num(100.0), case_sensitive: true }
    "#]],
    );
    check(
        "total_tokens > 100",
        expect![[r#"
        tokens > 100
        Compare { field: TotalTokens, op: Gt, value: Num(100.0), case_sensitive: true }
    "#]],
    );
    check(
        "input_tokens >= 10",
        expect![[r#"
        input_tokens >= 10
        Compare { field: InputTokens, op: Ge, value: Num(10.0), case_sensitive: true }
    "#]],
    );
    check(
        "output_tokens < 5",
        expect![[r#"
        output_tokens < 5
        Compare { field: OutputTokens, op: Lt, value: Num(5.0), case_sensitive: true }
    "#]],
    );
    check(
        "is_complete = true",
        expect![[r#"
        is_complete = true
        Compare { field: IsComplete, op: Eq, value: Bool(true), case_sensitive: true }
    "#]],
    );
    check(
        "is_complete != FALSE",
        expect![[r#"
        is_complete != false
        Compare { field: IsComplete, op: Ne, value: Bool(false), case_sensitive: true }
    "#]],
    );
    check(
        r#"is_complete = "true""#,
        expect![[r#"
        is_complete = true
        Compare { field: IsComplete, op: Eq, value: Bool(true), case_sensitive: true }
    "#]],
    );
    check(
        r#"name = "say \"hi\" \\ bye""#,
        expect![[r#"
        name = "say \"hi\" \\ bye"
        Compare { field: Name, op: Eq, value: Str("say \"hi\" \\ bye"), case_sensitive: true }
    "#]],
    );
    check(
        r#"name="x"and status_code>=400"#,
        expect![[r#"
        name = x and status_code >= 400
        and
          Compare { field: Name, op: Eq, value: Str("x"), case_sensitive: true }
          Compare { field: StatusCode, op: Ge, value: Num(400.0), case_sensitive: true }
    "#]],
    );
    check(
        r#"name = "multi
line""#,
        expect![[r#"
    name = "multi
    line"
    Compare { field: Name, op: Eq, value: Str("multi\nline"), case_sensitive: true }
"#]],
    );
    check(
        "name = 名前",
        expect![[r#"
        name = 名前
        Compare { field: Name, op: Eq, value: Str("名前"), case_sensitive: true }
    "#]],
    );
}
