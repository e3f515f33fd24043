//! Values the text language refuses: missing or keyword values, broken strings, lists, and
//! literals that do not read as the number, duration, date or boolean their field needs.

use expect_test::expect;

use super::check;

#[test]
fn refused_values() {
    check(
        "tag:",
        expect![[r#"
        tag:
            ^
        at 4: expected a tag name after "tag:", found end of input
    "#]],
    );
    check(
        "tag: and",
        expect![[r#"
        tag: and
             ^
        at 5: expected a tag name after "tag:", found keyword "and"; quote it to use it as text
    "#]],
    );
    check(
        "name = and",
        expect![[r#"
        name = and
               ^
        at 7: expected a value after "=", found keyword "and"; quote it to use it as text
    "#]],
    );
    check(
        "name =",
        expect![[r#"
        name =
              ^
        at 6: expected a value after "=", found end of input
    "#]],
    );
    check(
        "name in (a, b",
        expect![[r#"
        name in (a, b
                     ^
        at 13: expected "," or ")" in the list, found end of input
    "#]],
    );
    check(
        "name in (a, )",
        expect![[r#"
        name in (a, )
                    ^
        at 12: expected a value after ",", found ")"
    "#]],
    );
    check(
        "name in (a b)",
        expect![[r#"
        name in (a b)
                   ^
        at 11: expected "," or ")" in the list, found "b"
    "#]],
    );
    check(
        "name in a",
        expect![[r#"
        name in a
                ^
        at 8: expected "(" and a list of values after "in", found "a"
    "#]],
    );
    check(
        "status_code = abc",
        expect![[r#"
        status_code = abc
                      ^
        at 14: expected a number for status_code, found "abc"
    "#]],
    );
    check(
        r#"status_code = "4xx""#,
        expect![[r#"
        status_code = "4xx"
                      ^
        at 14: expected a number for status_code, found string "4xx"
    "#]],
    );
    check(
        "duration > 2",
        expect![[r#"
        duration > 2
                   ^
        at 11: expected a duration with a unit, such as 2s, 150ms or 1h (units: ns, us, µs, ms, s, m, h) for duration, found "2"
    "#]],
    );
    check(
        "duration > 2d",
        expect![[r#"
        duration > 2d
                   ^
        at 11: expected a duration with a unit, such as 2s, 150ms or 1h (units: ns, us, µs, ms, s, m, h) for duration, found "2d"
    "#]],
    );
    check(
        "created_at > yesterday",
        expect![[r#"
        created_at > yesterday
                     ^
        at 13: expected a date such as 2026-12-01 or a timestamp such as 2026-12-01T10:00:00Z for created_at, found "yesterday"
    "#]],
    );
    check(
        "created_at > 2026-13-01",
        expect![[r#"
        created_at > 2026-13-01
                     ^
        at 13: expected a date such as 2026-12-01 or a timestamp such as 2026-12-01T10:00:00Z for created_at, found "2026-13-01"
    "#]],
    );
    check(
        "is_complete = yes",
        expect![[r#"
        is_complete = yes
                      ^
        at 14: expected true or false for is_complete, found "yes"
    "#]],
    );
    check(
        "metadata.n > abc",
        expect![[r#"
        metadata.n > abc
                     ^
        at 13: expected a number after ">" for metadata.n, found "abc"
    "#]],
    );
    check(
        r#"metadata.n > "abc""#,
        expect![[r#"
        metadata.n > "abc"
                     ^
        at 13: expected a number after ">" for metadata.n, found string "abc"
    "#]],
    );
    check(
        "metrics.score < high",
        expect![[r#"
        metrics.score < high
                        ^
        at 16: expected a number after "<" for metrics.score, found "high"
    "#]],
    );
    check(
        r#"name = "abc"#,
        expect![[r#"
        name = "abc
               ^
        at 7: unterminated string: this " is never closed
    "#]],
    );
    check(
        r#"name = "a\n""#,
        expect![[r#"
        name = "a\n"
                 ^
        at 9: unknown escape "\n" in a string; only \" and \\ are escapes
    "#]],
    );
    check(
        "name in (,)",
        expect![[r#"
        name in (,)
                 ^
        at 9: expected a value after "(", found ","
    "#]],
    );
    check(
        "tag = ",
        expect![[r#"
        tag = 
              ^
        at 6: expected a tag name after "=", found end of input
    "#]],
    );
    check(
        "tag in (a,",
        expect![[r#"
        tag in (a,
                  ^
        at 10: expected a value after ",", found end of input
    "#]],
    );
}
