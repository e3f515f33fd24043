//! Input the text language refuses, with every message the lexer and parser can give and the
//! position each one points at.

use expect_test::expect;

use super::check;

#[test]
fn structure() {
    check(
        "tag:a and",
        expect![[r#"
        tag:a and
                 ^
        at 9: expected a condition after "and", found end of input
    "#]],
    );
    check(
        "tag:a tag:b",
        expect![[r#"
        tag:a tag:b
              ^
        at 6: expected "and", "or" or end of input, found "tag:b"
    "#]],
    );
    check(
        "(tag:a",
        expect![[r#"
        (tag:a
              ^
        at 6: expected "and", "or" or ")" to close the "(" at 0, found end of input
    "#]],
    );
    check(
        "(tag:a or",
        expect![[r#"
        (tag:a or
                 ^
        at 9: expected a condition after "or", found end of input
    "#]],
    );
    check(
        "()",
        expect![[r#"
        ()
         ^
        at 1: expected a condition after "(", found ")"
    "#]],
    );
    check(
        ")",
        expect![[r#"
        )
        ^
        at 0: expected a condition, found ")"
    "#]],
    );
    check(
        "and tag:a",
        expect![[r#"
        and tag:a
        ^
        at 0: expected a condition, found "and"
    "#]],
    );
    check(
        "tag:a or",
        expect![[r#"
        tag:a or
                ^
        at 8: expected a condition after "or", found end of input
    "#]],
    );
    check(
        "not",
        expect![[r#"
        not
           ^
        at 3: expected a condition after "not", found end of input
    "#]],
    );
    check(
        r#"tag:a and "newton""#,
        expect![[r#"
        tag:a and "newton"
                  ^
        at 10: expected a condition after "and", found string "newton"; to search text, write input ~ "text"
    "#]],
    );
    check(
        r#""newton""#,
        expect![[r#"
        "newton"
        ^
        at 0: expected a condition, found string "newton"; to search text, write input ~ "text"
    "#]],
    );
    check(
        "has model",
        expect![[r#"
        has model
            ^
        at 4: expected "(" after "has", found "model"
    "#]],
    );
    check(
        "has()",
        expect![[r#"
        has()
            ^
        at 4: expected a field after "has(", found ")"
    "#]],
    );
    check(
        "has(model",
        expect![[r#"
        has(model
                 ^
        at 9: expected ")" to close has(, found end of input
    "#]],
    );
    check(
        "has(model = x)",
        expect![[r#"
        has(model = x)
                  ^
        at 10: expected ")" to close has(, found "="
    "#]],
    );
    check(
        "name = 'x'",
        expect![[r#"
        name = 'x'
               ^
        at 7: unexpected character "'"; strings take double quotes
    "#]],
    );
    check(
        "tag:a && tag:b",
        expect![[r#"
        tag:a && tag:b
              ^
        at 6: unexpected character "&"; use "and" to combine conditions
    "#]],
    );
    check(
        "tag:a || tag:b",
        expect![[r#"
        tag:a || tag:b
              ^
        at 6: unexpected character "|"; use "or" to combine conditions
    "#]],
    );
    check(
        "!tag:a",
        expect![[r#"
        !tag:a
        ^
        at 0: unexpected character "!"; use "not" to negate a condition, or "!=" for not equal
    "#]],
    );
    check(
        "name @ x",
        expect![[r#"
        name @ x
             ^
        at 5: unexpected character "@"
    "#]],
    );
    check(
        "tag:a =",
        expect![[r#"
        tag:a =
              ^
        at 6: expected "and", "or" or end of input, found "="
    "#]],
    );
    check(
        "name = café and ?",
        expect![[r#"
        name = café and ?
                        ^
        at 17: unexpected character "?"
    "#]],
    );
    check(
        "name = \"a\" \"b\"",
        expect![[r#"
        name = "a" "b"
                   ^
        at 11: expected "and", "or" or end of input, found string "b"
    "#]],
    );
    check(
        "not in",
        expect![[r#"
        not in
            ^
        at 4: expected a condition after "not", found "in"
    "#]],
    );
}

#[test]
fn fields_and_operators() {
    check(
        "has(tag)",
        expect![[r#"
        has(tag)
            ^
        at 4: has() takes a field, not a tag; to test for a tag, write tag:name
    "#]],
    );
    check(
        "has(tag:x)",
        expect![[r#"
        has(tag:x)
            ^
        at 4: has() takes a field, not a tag; to test for a tag, write tag:name
    "#]],
    );
    check(
        "foo = 1",
        expect![[r#"
        foo = 1
        ^
        at 0: unknown field "foo"; the fields are id, trace_id, parent_id, session_id, external_id, name, type, model, status_code, duration, input_tokens, output_tokens, tokens, created_at, input, output, is_complete, metadata.<key>, metrics.<key> and tag:<name>
    "#]],
    );
    check(
        "foo.bar = 1",
        expect![[r#"
        foo.bar = 1
        ^
        at 0: unknown field "foo.bar"; the fields are id, trace_id, parent_id, session_id, external_id, name, type, model, status_code, duration, input_tokens, output_tokens, tokens, created_at, input, output, is_complete, metadata.<key>, metrics.<key> and tag:<name>
    "#]],
    );
    check(
        "metadata = 1",
        expect![[r#"
        metadata = 1
                ^
        at 8: expected "." and a key after "metadata", as in metadata.user_id
    "#]],
    );
    check(
        "metrics > 1",
        expect![[r#"
        metrics > 1
               ^
        at 7: expected "." and a key after "metrics", as in metrics.score
    "#]],
    );
    check(
        "name:foo",
        expect![[r#"
        name:foo
            ^
        at 4: ":" only follows tag, as in tag:name; write name = foo
    "#]],
    );
    check(
        "metadata.",
        expect![[r#"
        metadata.
                 ^
        at 9: expected a key after "metadata.", found end of input
    "#]],
    );
    check(
        "metadata. = x",
        expect![[r#"
        metadata. = x
                  ^
        at 10: expected a key after "metadata.", found "="
    "#]],
    );
    check(
        r#"metadata."" = x"#,
        expect![[r#"
        metadata."" = x
                 ^
        at 9: a key cannot be empty
    "#]],
    );
    check(
        "model not = x",
        expect![[r#"
        model not = x
                  ^
        at 10: expected "in" after "not", found "="
    "#]],
    );
    check(
        "model equals x",
        expect![[r#"
        model equals x
              ^
        at 6: expected an operator after "model", found "equals"; model takes =, !=, =~, !~, ~, contains_cs, in, in~, not in or not in~
    "#]],
    );
    check(
        "model",
        expect![[r#"
        model
             ^
        at 5: expected an operator after "model", found end of input; model takes =, !=, =~, !~, ~, contains_cs, in, in~, not in or not in~
    "#]],
    );
    check(
        "tag ~ x",
        expect![[r#"
        tag ~ x
            ^
        at 4: "~" does not apply to tag; tag takes tag:name, tag = name, tag =~ name, tag != name, tag !~ name, tag in (a, b), tag in~ (a, b), tag not in (a, b) or tag not in~ (a, b)
    "#]],
    );
    check(
        "tag < x",
        expect![[r#"
        tag < x
            ^
        at 4: "<" does not apply to tag; tag takes tag:name, tag = name, tag =~ name, tag != name, tag !~ name, tag in (a, b), tag in~ (a, b), tag not in (a, b) or tag not in~ (a, b)
    "#]],
    );
    check(
        "tag",
        expect![[r#"
        tag
           ^
        at 3: expected an operator after "tag", found end of input; tag takes tag:name, tag = name, tag =~ name, tag != name, tag !~ name, tag in (a, b), tag in~ (a, b), tag not in (a, b) or tag not in~ (a, b)
    "#]],
    );
    check(
        "name < x",
        expect![[r#"
        name < x
             ^
        at 5: "<" does not apply to name, which is text; name takes =, !=, =~, !~, ~, contains_cs, in, in~, not in or not in~
    "#]],
    );
    check(
        "status_code ~ 4",
        expect![[r#"
        status_code ~ 4
                    ^
        at 12: "~" does not apply to status_code, which is a number; status_code takes =, !=, <, <=, >, >=, in or not in
    "#]],
    );
    check(
        "is_complete > true",
        expect![[r#"
        is_complete > true
                    ^
        at 12: ">" does not apply to is_complete, which is true or false; is_complete takes =, !=, in or not in
    "#]],
    );
    check(
        "duration =~ 1s",
        expect![[r#"
        duration =~ 1s
                 ^
        at 9: "=~" does not apply to duration, which is a duration; duration takes =, !=, <, <=, >, >=, in or not in
    "#]],
    );
    check(
        "metrics.",
        expect![[r#"
        metrics.
                ^
        at 8: expected a key after "metrics.", found end of input
    "#]],
    );
}
