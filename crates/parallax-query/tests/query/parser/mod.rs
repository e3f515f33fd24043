//! The text language as data: `check` is the only caller of the parser. Each case shows the
//! canonical print and the tree, or the error with a caret under its position. Every accepted
//! input is also checked to print back to text that parses to the same expression.

use expect_test::{expect, Expect};
use parallax_query::{parse, print, Expr};

mod accepted;
mod refused;
mod refused_values;
mod standard_fields;

pub(super) fn check(input: &str, expect: Expect) {
    let actual = match parse(input) {
        Ok(None) => "no filter\n".to_owned(),
        Ok(Some(expr)) => {
            let printed = print(&expr);
            let reparsed =
                parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
            assert_eq!(
                reparsed.as_ref(),
                Some(&expr),
                "{printed:?} parses to another expression"
            );
            let mut out = format!("{printed}\n");
            tree(&mut out, &expr, 0);
            out
        }
        Err(error) => {
            let caret = " ".repeat(error.column(input) - 1);
            format!("{input}\n{caret}^\n{error}\n")
        }
    };
    expect.assert_eq(&actual);
}

fn tree(out: &mut String, expr: &Expr, depth: usize) {
    out.push_str(&"  ".repeat(depth));
    match expr {
        Expr::And(children) | Expr::Or(children) => {
            out.push_str(if matches!(expr, Expr::And(_)) {
                "and\n"
            } else {
                "or\n"
            });
            for child in children {
                tree(out, child, depth + 1);
            }
        }
        Expr::Not(inner) => {
            out.push_str("not\n");
            tree(out, inner, depth + 1);
        }
        Expr::Pred(predicate) => out.push_str(&format!("{predicate:?}\n")),
    }
}

#[test]
fn blank_input_is_no_filter() {
    check(
        "",
        expect![[r#"
        no filter
    "#]],
    );
    check(
        "  \t\n ",
        expect![[r#"
        no filter
    "#]],
    );
}

#[test]
fn nesting_has_a_limit() {
    let deep = format!("{}tag:a{}", "(".repeat(70), ")".repeat(70));
    let error = parse(&deep).unwrap_err();
    expect!["at 64: conditions nest too deeply; at most 64 levels of parentheses and not"]
        .assert_eq(&error.to_string());
    let nots = format!("{}tag:a", "not ".repeat(70));
    expect!["at 256: conditions nest too deeply; at most 64 levels of parentheses and not"]
        .assert_eq(&parse(&nots).unwrap_err().to_string());
    let fine = format!("{}tag:a{}", "(".repeat(60), ")".repeat(60));
    assert!(parse(&fine).is_ok());
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes and one character: the offset counts bytes, the column characters.
    let input = "name = café and ?";
    let error = parse(input).unwrap_err();
    assert_eq!(error.offset, 17);
    assert_eq!(error.column(input), 17);
    assert_eq!(
        error.column(&input[..3]),
        4,
        "an offset past the end points just after it"
    );
}
