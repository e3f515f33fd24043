//! Input the text language accepts, construct by construct: the canonical print, then the tree.

use expect_test::expect;

use super::check;

#[test]
fn tags() {
    check(
        "tag:label_mismatch",
        expect![[r#"
        tag:label_mismatch
        HasTag { any_of: ["label_mismatch"], case_sensitive: true }
    "#]],
    );
    check(
        r#"tag:"two words""#,
        expect![[r#"
        tag:"two words"
        HasTag { any_of: ["two words"], case_sensitive: true }
    "#]],
    );
    check(
        "tag in (a, b)",
        expect![[r#"
        tag in (a, b)
        HasTag { any_of: ["a", "b"], case_sensitive: true }
    "#]],
    );
    check(
        "TAG IN (a, b)",
        expect![[r#"
        tag in (a, b)
        HasTag { any_of: ["a", "b"], case_sensitive: true }
    "#]],
    );
    check(
        "tag = a",
        expect![[r#"
        tag:a
        HasTag { any_of: ["a"], case_sensitive: true }
    "#]],
    );
    check(
        "tag != a",
        expect![[r#"
        not tag:a
        not
          HasTag { any_of: ["a"], case_sensitive: true }
    "#]],
    );
    check(
        "tag =~ Newton",
        expect![[r#"
        tag =~ Newton
        HasTag { any_of: ["Newton"], case_sensitive: false }
    "#]],
    );
    check(
        "tag !~ Newton",
        expect![[r#"
        not tag =~ Newton
        not
          HasTag { any_of: ["Newton"], case_sensitive: false }
    "#]],
    );
    check(
        "tag in~ (A, b)",
        expect![[r#"
        tag in~ (A, b)
        HasTag { any_of: ["A", "b"], case_sensitive: false }
    "#]],
    );
    check(
        "tag not in (a, b)",
        expect![[r#"
        not tag in (a, b)
        not
          HasTag { any_of: ["a", "b"], case_sensitive: true }
    "#]],
    );
    check(
        "tag not in~ (a)",
        expect![[r#"
        not tag =~ a
        not
          HasTag { any_of: ["a"], case_sensitive: false }
    "#]],
    );
    check(
        "tag in ()",
        expect![[r#"
        tag in ()
        HasTag { any_of: [], case_sensitive: true }
    "#]],
    );
    check(
        "tag: spaced",
        expect![[r#"
        tag:spaced
        HasTag { any_of: ["spaced"], case_sensitive: true }
    "#]],
    );
    check(
        "tag:and",
        expect![[r#"
        tag:"and"
        HasTag { any_of: ["and"], case_sensitive: true }
    "#]],
    );
    check(
        "tag:a:b",
        expect![[r#"
        tag:a:b
        HasTag { any_of: ["a:b"], case_sensitive: true }
    "#]],
    );
    check(
        "not tag:test",
        expect![[r#"
        not tag:test
        not
          HasTag { any_of: ["test"], case_sensitive: true }
    "#]],
    );
}

#[test]
fn metadata_and_metrics() {
    check(
        r#"metadata.promptVersion = "0.0.3""#,
        expect![[r#"
        metadata.promptVersion = 0.0.3
        Compare { field: Metadata("promptVersion"), op: Eq, value: Str("0.0.3"), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.promptVersion = 0.0.3",
        expect![[r#"
        metadata.promptVersion = 0.0.3
        Compare { field: Metadata("promptVersion"), op: Eq, value: Str("0.0.3"), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.field != physics",
        expect![[r#"
        metadata.field != physics
        Compare { field: Metadata("field"), op: Ne, value: Str("physics"), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.experimentNumber > 25",
        expect![[r#"
        metadata.experimentNumber > 25
        Compare { field: Metadata("experimentNumber"), op: Gt, value: Num(25.0), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.experimentNumber <= -2.5e3",
        expect![[r#"
        metadata.experimentNumber <= -2500
        Compare { field: Metadata("experimentNumber"), op: Le, value: Num(-2500.0), case_sensitive: true }
    "#]],
    );
    check(
        r#"metadata.experimentNumber < "25""#,
        expect![[r#"
        metadata.experimentNumber < 25
        Compare { field: Metadata("experimentNumber"), op: Lt, value: Num(25.0), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.n = 25",
        expect![[r#"
        metadata.n = 25
        Compare { field: Metadata("n"), op: Eq, value: Num(25.0), case_sensitive: true }
    "#]],
    );
    check(
        r#"metadata.n = "25""#,
        expect![[r#"
        metadata.n = "25"
        Compare { field: Metadata("n"), op: Eq, value: Str("25"), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.flag = true",
        expect![[r#"
        metadata.flag = "true"
        Compare { field: Metadata("flag"), op: Eq, value: Str("true"), case_sensitive: true }
    "#]],
    );
    check(
        "metadata.n =~ 25",
        expect![[r#"
        metadata.n =~ "25"
        Compare { field: Metadata("n"), op: Eq, value: Str("25"), case_sensitive: false }
    "#]],
    );
    check(
        "metadata.user.id = abc",
        expect![[r#"
        metadata.user.id = abc
        Compare { field: Metadata("user.id"), op: Eq, value: Str("abc"), case_sensitive: true }
    "#]],
    );
    check(
        r#"metadata."key with spaces" = x"#,
        expect![[r#"
        metadata."key with spaces" = x
        Compare { field: Metadata("key with spaces"), op: Eq, value: Str("x"), case_sensitive: true }
    "#]],
    );
    check(
        "Metadata.Key = x",
        expect![[r#"
        metadata.Key = x
        Compare { field: Metadata("Key"), op: Eq, value: Str("x"), case_sensitive: true }
    "#]],
    );
    check(
        r#"metadata.k in ("a","b")"#,
        expect![[r#"
        metadata.k in (a, b)
        In { field: Metadata("k"), values: [Str("a"), Str("b")], negated: false, case_sensitive: true }
    "#]],
    );
    check(
        r#"metadata.k in (1, two, "3")"#,
        expect![[r#"
        metadata.k in (1, two, "3")
        In { field: Metadata("k"), values: [Num(1.0), Str("two"), Str("3")], negated: false, case_sensitive: true }
    "#]],
    );
    check(
        "metadata.k not in (a, b)",
        expect![[r#"
        metadata.k not in (a, b)
        In { field: Metadata("k"), values: [Str("a"), Str("b")], negated: true, case_sensitive: true }
    "#]],
    );
    check(
        "metadata.k in~ (A)",
        expect![[r#"
        metadata.k in~ (A)
        In { field: Metadata("k"), values: [Str("A")], negated: false, case_sensitive: false }
    "#]],
    );
    check(
        r#"metadata.k ~ "sub""#,
        expect![[r#"
        metadata.k ~ sub
        Compare { field: Metadata("k"), op: Contains, value: Str("sub"), case_sensitive: false }
    "#]],
    );
    check(
        "metadata.k contains_cs Sub",
        expect![[r#"
        metadata.k contains_cs Sub
        Compare { field: Metadata("k"), op: Contains, value: Str("Sub"), case_sensitive: true }
    "#]],
    );
    check(
        "has(metadata.user_id)",
        expect![[r#"
        has(metadata.user_id)
        Exists(Metadata("user_id"))
    "#]],
    );
    check(
        "has(model)",
        expect![[r#"
        has(model)
        Exists(Model)
    "#]],
    );
    check(
        r#"has(metadata."a b")"#,
        expect![[r#"
        has(metadata."a b")
        Exists(Metadata("a b"))
    "#]],
    );
    check(
        "metrics.duration_ns > 1s",
        expect![[r#"
        duration > 1s
        Compare { field: Duration, op: Gt, value: DurationNs(1000000000), case_sensitive: true }
    "#]],
    );
    check(
        "metrics.num_input_tokens > 10",
        expect![[r#"
        input_tokens > 10
        Compare { field: InputTokens, op: Gt, value: Num(10.0), case_sensitive: true }
    "#]],
    );
    check(
        "metrics.custom_score >= 0.5",
        expect![[r#"
        metrics.custom_score >= 0.5
        Compare { field: Metric("custom_score"), op: Ge, value: Num(0.5), case_sensitive: true }
    "#]],
    );
    check(
        "metrics.passed = true",
        expect![[r#"
        metrics.passed = true
        Compare { field: Metric("passed"), op: Eq, value: Bool(true), case_sensitive: true }
    "#]],
    );
    check(
        r#"metrics.passed = "true""#,
        expect![[r#"
        metrics.passed = "true"
        Compare { field: Metric("passed"), op: Eq, value: Str("true"), case_sensitive: true }
    "#]],
    );
    check(
        "metrics.label = good",
        expect![[r#"
        metrics.label = good
        Compare { field: Metric("label"), op: Eq, value: Str("good"), case_sensitive: true }
    "#]],
    );
}

#[test]
fn combinations() {
    check(
        "tag:a and tag:b or tag:c",
        expect![[r#"
        tag:a and tag:b or tag:c
        or
          and
            HasTag { any_of: ["a"], case_sensitive: true }
            HasTag { any_of: ["b"], case_sensitive: true }
          HasTag { any_of: ["c"], case_sensitive: true }
    "#]],
    );
    check(
        "tag:a or tag:b and tag:c",
        expect![[r#"
        tag:a or tag:b and tag:c
        or
          HasTag { any_of: ["a"], case_sensitive: true }
          and
            HasTag { any_of: ["b"], case_sensitive: true }
            HasTag { any_of: ["c"], case_sensitive: true }
    "#]],
    );
    check(
        "(tag:a or tag:b) and tag:c",
        expect![[r#"
        (tag:a or tag:b) and tag:c
        and
          or
            HasTag { any_of: ["a"], case_sensitive: true }
            HasTag { any_of: ["b"], case_sensitive: true }
          HasTag { any_of: ["c"], case_sensitive: true }
    "#]],
    );
    check(
        "tag:a and (tag:b and tag:c)",
        expect![[r#"
        tag:a and (tag:b and tag:c)
        and
          HasTag { any_of: ["a"], case_sensitive: true }
          and
            HasTag { any_of: ["b"], case_sensitive: true }
            HasTag { any_of: ["c"], case_sensitive: true }
    "#]],
    );
    check(
        "not (tag:a or tag:b)",
        expect![[r#"
        not (tag:a or tag:b)
        not
          or
            HasTag { any_of: ["a"], case_sensitive: true }
            HasTag { any_of: ["b"], case_sensitive: true }
    "#]],
    );
    check(
        "not not tag:a",
        expect![[r#"
        not not tag:a
        not
          not
            HasTag { any_of: ["a"], case_sensitive: true }
    "#]],
    );
    check(
        "tag:a AND NOT tag:b Or tag:c",
        expect![[r#"
        tag:a and not tag:b or tag:c
        or
          and
            HasTag { any_of: ["a"], case_sensitive: true }
            not
              HasTag { any_of: ["b"], case_sensitive: true }
          HasTag { any_of: ["c"], case_sensitive: true }
    "#]],
    );
    check(
        "tag:a and tag:b and tag:c",
        expect![[r#"
        tag:a and tag:b and tag:c
        and
          HasTag { any_of: ["a"], case_sensitive: true }
          HasTag { any_of: ["b"], case_sensitive: true }
          HasTag { any_of: ["c"], case_sensitive: true }
    "#]],
    );
    check(
        "((tag:a))",
        expect![[r#"
        tag:a
        HasTag { any_of: ["a"], case_sensitive: true }
    "#]],
    );
    check(
        r#"tag:label_mismatch and metadata.promptVersion = "0.0.3" and duration > 2s and not tag:test"#,
        expect![[r#"
        tag:label_mismatch and metadata.promptVersion = 0.0.3 and duration > 2s and not tag:test
        and
          HasTag { any_of: ["label_mismatch"], case_sensitive: true }
          Compare { field: Metadata("promptVersion"), op: Eq, value: Str("0.0.3"), case_sensitive: true }
          Compare { field: Duration, op: Gt, value: DurationNs(2000000000), case_sensitive: true }
          not
            HasTag { any_of: ["test"], case_sensitive: true }
    "#]],
    );
}
