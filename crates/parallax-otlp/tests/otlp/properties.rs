//! Properties: decoding never panics on any bytes, every span is accounted for, and OTLP tags are
//! accepted exactly when the seed's rules hold (the same rules as the Galileo route).

use crate::support::{by_span, request, run, span, tags, ROOT};
use parallax_model::Limits;
use parallax_otlp::{convert, decode};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn attribute_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "\\PC{0,40}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        proptest::collection::vec("\\PC{0,8}", 0..4).prop_map(|v| json!(v)),
        Just(json!("{\"k\": [1, {\"x\": null}]}")),
        Just(json!("[\"a\", 1]")),
        Just(Value::Null),
    ]
}

/// Keys from the conventions (so the mappers run) and arbitrary ones.
fn attribute_key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "tag.tags",
            "metadata",
            "session.id",
            "user.id",
            "langfuse.trace.tags",
            "langfuse.trace.metadata",
            "ai.telemetry.metadata.tags",
            "ai.telemetry.metadata.x",
            "openinference.span.kind",
            "gen_ai.operation.name",
            "mlflow.spanType",
            "mlflow.spanInputs",
            "llm.input_messages.0.message.role",
            "llm.input_messages.7.message.contents.2.message_content.text",
            "llm.output_messages.0.message.tool_calls.1.tool_call.function.name",
            "gen_ai.prompt.3.content",
            "retrieval.documents.0.document.metadata",
            "gen_ai.input.messages",
            "gen_ai.output.messages",
            "ai.response.toolCalls",
            "input.value",
            "input.mime_type",
            "llm.token_count.prompt",
            "tags",
        ])
        .prop_map(str::to_owned),
        "[a-z._0-9]{1,30}",
    ]
}

fn attributes() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(attribute_key(), attribute_value(), 0..12)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn decoding_any_bytes_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&body, "application/x-protobuf", None, 1 << 16);
        let _ = decode(&body, "application/json", None, 1 << 16);
        let _ = decode(&body, "application/json", Some("gzip"), 1 << 16);
    }

    #[test]
    fn every_span_is_stored_quarantined_or_rejected(spans in proptest::collection::vec((attributes(), any::<bool>()), 1..6)) {
        let list: Vec<Value> = spans
            .iter()
            .enumerate()
            .map(|(i, (attrs, root))| {
                let id = format!("{:016x}", i + 1);
                span("s", &id, (!root).then_some(ROOT), Value::Object(attrs.clone()))
            })
            .collect();
        let body = serde_json::to_vec(&request(json!({}), "p", list)).unwrap();
        let req = decode(&body, "application/json", None, 1 << 20).unwrap();
        let c = convert(&req, &Limits::default());
        let spans_out = c.records.iter().filter(|r| !r.record_type.is_trace()).count()
            + c.quarantined.iter().filter(|q| !q.record_type.is_trace()).count()
            + c.rejected.len();
        prop_assert_eq!(spans_out, spans.len());
    }

    #[test]
    fn tags_are_accepted_exactly_when_the_rules_hold(tags in proptest::collection::vec("\\PC{0,60}", 0..60)) {
        let c = run(&request(json!({}), "p", vec![span("s", ROOT, None, json!({"tag.tags": tags}))]));
        let mut distinct: Vec<&String> = Vec::new();
        for t in &tags {
            if !distinct.contains(&t) {
                distinct.push(t);
            }
        }
        let ok = tags.iter().all(|t| (1..=50).contains(&t.chars().count())) && distinct.len() <= 50;
        prop_assert_eq!(c.quarantined.is_empty(), ok);
        if ok {
            prop_assert_eq!(tags_of(&c), distinct.iter().map(|s| s.as_str()).collect::<Vec<_>>());
        }
    }
}

fn tags_of(c: &parallax_otlp::Converted) -> Vec<&str> {
    tags(by_span(c, ROOT))
}
