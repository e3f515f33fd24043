//! Properties: printing then parsing gives back the same expression, for every expression the
//! text language can spell; and no input, text or JSON, makes a parser panic.

use parallax_query::{from_galileo, parse, print, CmpOp, Expr, Field, Predicate, Value};
use proptest::prelude::*;
use serde_json::Value as Json;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,6}",
        "[a-zA-Z0-9_./:+ -]{0,8}",
        any::<String>(),
        Just(String::new()),
        Just("and".to_owned()),
        Just("true".to_owned()),
        Just("25".to_owned()),
        Just("say \"hi\" \\".to_owned()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    text().prop_filter("keys are not empty", |k| !k.is_empty())
}

fn metric_key() -> impl Strategy<Value = String> {
    key().prop_filter("keys with their own field", |k| {
        matches!(Field::from_metric_key(k), Field::Metric(_))
    })
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<i32>().prop_map(f64::from),
        any::<f64>().prop_filter("finite", |n| n.is_finite()),
    ]
}

/// Microseconds from 0000-01-01 to 9999-12-31, what RFC 3339 can write.
fn time() -> impl Strategy<Value = i64> {
    prop_oneof![
        -62_167_219_200_000_000i64..=253_402_300_799_999_999,
        (-719_528i64..=2_932_896).prop_map(|day| day * 86_400_000_000),
    ]
}

fn text_field() -> impl Strategy<Value = Field> {
    prop::sample::select(vec![
        Field::Id,
        Field::TraceId,
        Field::ParentId,
        Field::SessionId,
        Field::ExternalId,
        Field::Name,
        Field::Type,
        Field::Model,
        Field::Input,
        Field::Output,
    ])
}

fn number_field() -> impl Strategy<Value = Field> {
    prop::sample::select(vec![
        Field::StatusCode,
        Field::InputTokens,
        Field::OutputTokens,
        Field::TotalTokens,
    ])
}

fn keyed_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        key().prop_map(Field::Metadata),
        metric_key().prop_map(Field::Metric)
    ]
}

fn any_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        text_field(),
        number_field(),
        keyed_field(),
        Just(Field::Duration),
        Just(Field::CreatedAt),
        Just(Field::IsComplete),
    ]
}

fn text_op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne, CmpOp::Contains])
}

fn ordered_op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ])
}

fn compare(field: Field, op: CmpOp, value: Value, case_sensitive: bool) -> Predicate {
    Predicate::Compare {
        field,
        op,
        value,
        case_sensitive,
    }
}

/// A field with a value of its kind, case-sensitive unless the value is text.
fn comparison() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        (text_field(), text_op(), text(), any::<bool>()).prop_map(|(f, op, s, cs)| compare(
            f,
            op,
            Value::Str(s),
            cs
        )),
        (keyed_field(), text_op(), text(), any::<bool>()).prop_map(|(f, op, s, cs)| compare(
            f,
            op,
            Value::Str(s),
            cs
        )),
        (keyed_field(), ordered_op(), number()).prop_map(|(f, op, n)| compare(
            f,
            op,
            Value::Num(n),
            true
        )),
        (
            metric_key(),
            prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne]),
            any::<bool>()
        )
            .prop_map(|(k, op, b)| compare(Field::Metric(k), op, Value::Bool(b), true)),
        (number_field(), ordered_op(), number()).prop_map(|(f, op, n)| compare(
            f,
            op,
            Value::Num(n),
            true
        )),
        (ordered_op(), any::<i64>()).prop_map(|(op, ns)| compare(
            Field::Duration,
            op,
            Value::DurationNs(ns),
            true
        )),
        (ordered_op(), time()).prop_map(|(op, us)| compare(
            Field::CreatedAt,
            op,
            Value::Time(us),
            true
        )),
        (
            prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne]),
            any::<bool>()
        )
            .prop_map(|(op, b)| compare(Field::IsComplete, op, Value::Bool(b), true)),
    ]
}

fn membership() -> impl Strategy<Value = Predicate> {
    let list = |values: BoxedStrategy<Value>| prop::collection::vec(values, 0..4);
    let strs = || text().prop_map(Value::Str).boxed();
    let keyed_values =
        prop_oneof![text().prop_map(Value::Str), number().prop_map(Value::Num)].boxed();
    let in_ = |(field, values, negated, case_sensitive)| Predicate::In {
        field,
        values,
        negated,
        case_sensitive,
    };
    prop_oneof![
        (
            prop_oneof![text_field(), keyed_field()],
            list(strs()),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(in_),
        (keyed_field(), list(keyed_values), any::<bool>(), Just(true)).prop_map(in_),
        (
            number_field(),
            list(number().prop_map(Value::Num).boxed()),
            any::<bool>(),
            Just(true)
        )
            .prop_map(in_),
        (
            Just(Field::Duration),
            list(any::<i64>().prop_map(Value::DurationNs).boxed()),
            any::<bool>(),
            Just(true)
        )
            .prop_map(in_),
        (
            Just(Field::CreatedAt),
            list(time().prop_map(Value::Time).boxed()),
            any::<bool>(),
            Just(true)
        )
            .prop_map(in_),
        (
            Just(Field::IsComplete),
            list(any::<bool>().prop_map(Value::Bool).boxed()),
            any::<bool>(),
            Just(true)
        )
            .prop_map(in_),
    ]
}

fn predicate() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        (prop::collection::vec(text(), 0..4), any::<bool>()).prop_map(
            |(any_of, case_sensitive)| Predicate::HasTag {
                any_of,
                case_sensitive
            }
        ),
        any_field().prop_map(Predicate::Exists),
        comparison(),
        membership(),
    ]
}

/// Expressions as the parsers build them: `And` and `Or` have at least two children.
fn expr() -> impl Strategy<Value = Expr> {
    predicate()
        .prop_map(Expr::Pred)
        .prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
                inner.prop_map(|e| Expr::Not(Box::new(e))),
            ]
        })
}

/// JSON shaped roughly like filters and trees, to reach past the first checks.
fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |n| n.is_finite())
            .prop_map(Json::from),
        prop::sample::select(vec![
            "text",
            "id",
            "collection",
            "number",
            "date",
            "boolean",
            "eq",
            "ne",
            "contains",
            "one_of",
            "not_in",
            "gt",
            "gte",
            "lt",
            "lte",
            "between",
            "tags",
            "name",
            "input",
            "created_at",
            "metrics/duration_ns",
            "user_metadata.k",
            "2026-12-01",
            "is_complete",
            "x",
        ])
        .prop_map(Json::from),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        let keys = prop::sample::select(vec![
            "type",
            "column_id",
            "name",
            "operator",
            "value",
            "case_sensitive",
            "and",
            "or",
            "not",
            "filter",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map(keys.prop_map(str::to_owned), inner, 0..5)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// Well-formed filter objects of every type on every kind of column, with awkward values.
fn filter_json() -> impl Strategy<Value = Json> {
    let column = prop::sample::select(vec![
        "name",
        "id",
        "tags",
        "status_code",
        "created_at",
        "is_complete",
        "metrics/duration_ns",
        "metrics/num_total_tokens",
        "metrics/score",
        "user_metadata.k",
        "user_metadata.a b",
    ]);
    let filter_type = prop::sample::select(vec![
        "text",
        "id",
        "collection",
        "number",
        "date",
        "boolean",
    ]);
    let operator = prop::sample::select(vec![
        "eq", "ne", "contains", "one_of", "not_in", "gt", "gte", "lt", "lte", "between",
    ]);
    let value = prop_oneof![
        text().prop_map(Json::from),
        prop::collection::vec(text(), 0..3).prop_map(Json::from),
        number().prop_map(Json::from),
        prop::collection::vec(number(), 2..=2).prop_map(Json::from),
        any::<bool>().prop_map(Json::from),
        Just(Json::from("2026-12-01")),
        Just(Json::from("2026-12-03T16:16:29.908171+01:00")),
    ];
    (column, filter_type, operator, value, any::<Option<bool>>()).prop_map(|(c, t, op, v, cs)| {
        let mut filter = serde_json::json!({"column_id": c, "type": t, "operator": op, "value": v});
        if let Some(cs) = cs {
            filter["case_sensitive"] = Json::from(cs);
        }
        filter
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printing_then_parsing_gives_the_same_expression(e in expr()) {
        let printed = print(&e);
        prop_assert_eq!(parse(&printed), Ok(Some(e)), "printed as {}", printed);
    }

    #[test]
    fn the_parser_never_panics(input in any::<String>()) {
        let _ = parse(&input);
    }

    #[test]
    fn the_parser_never_panics_on_near_misses(
        input in "[a-z_.:\"()~=!<>0-9, µ-]{0,40}",
        e in expr(),
        cut in any::<prop::sample::Index>(),
    ) {
        if let Ok(Some(parsed)) = parse(&input) {
            prop_assert_eq!(parse(&print(&parsed)), Ok(Some(parsed)));
        }
        let printed = print(&e);
        let mut end = cut.index(printed.len() + 1);
        while !printed.is_char_boundary(end) {
            end -= 1;
        }
        let _ = parse(&printed[..end]);
    }

    #[test]
    fn galileo_json_never_panics_and_reads_as_text_too(
        filters in prop::collection::vec(json(), 0..3),
        tree in json(),
    ) {
        // Whatever Galileo JSON means, the text language can say it: one model, two spellings.
        if let Ok(Some(e)) = from_galileo(&filters, Some(&tree)) {
            let printed = print(&e);
            prop_assert_eq!(parse(&printed), Ok(Some(e)), "printed as {}", printed);
        }
    }

    #[test]
    fn galileo_filters_read_as_text_too(filter in filter_json()) {
        if let Ok(Some(e)) = from_galileo(&[filter], None) {
            let printed = print(&e);
            prop_assert_eq!(parse(&printed), Ok(Some(e)), "printed as {}", printed);
        }
    }
}
