//! OpenInference (Arize Phoenix, Galileo's OTel docs): the acceptance example and the
//! flattened message, document and annotation attributes.

use crate::support::*;
use parallax_model::{Limits, RecordType};
use parallax_otlp::span_uuid;
use serde_json::json;

#[test]
fn acceptance_example_tags_and_metadata_reach_trace_and_span() {
    let c = run(&request(
        json!({"service.name": "physics-app"}),
        "openinference.instrumentation.openai",
        vec![span(
            "explain",
            ROOT,
            None,
            json!({
                "openinference.span.kind": "CHAIN",
                "tag.tags": ["newton", "test"],
                "metadata": "{\"field\": \"physics\"}",
                "input.value": "Explain Newton's First Law",
            }),
        )],
    ));
    assert!(c.quarantined.is_empty() && c.rejected.is_empty());
    assert_eq!(c.records.len(), 2);
    let t = trace_record(&c);
    let s = by_span(&c, ROOT);
    assert_eq!(t.id.simple().to_string(), TRACE);
    assert_eq!(t.trace_id, t.id);
    assert_eq!(s.parent_id, Some(t.id));
    assert_eq!(s.trace_id, t.id);
    assert_eq!(s.record_type, RecordType::Workflow);
    for r in [t, s] {
        assert_eq!(tags(r), ["newton", "test"]);
        assert_eq!(meta(r), json!({"field": "physics"}));
        assert_eq!(r.status_code, Some(200));
        assert_eq!(r.duration_ns, Some(1_500_000_000));
        assert_eq!(r.created_at.to_rfc3339(), "2026-01-01T00:00:00.000000Z");
    }
    assert_eq!(t.name, "explain");
    assert_eq!(t.input, json!("Explain Newton's First Law"));
    assert!(has_mapping(s, "tag.tags", "tags"));
    assert!(has_mapping(s, "metadata", "metadata.field"));
    assert_eq!(
        s.extra["otel"]["resource"],
        json!({"service.name": "physics-app"})
    );
    assert_eq!(
        s.extra["otel"]["scope"]["name"],
        "openinference.instrumentation.openai"
    );
    assert_eq!(s.extra["otel"]["kind"], "SPAN_KIND_INTERNAL");
    assert_eq!(
        s.extra["otel"]["mapping"][0],
        json!({"attribute": "openinference.span.kind", "to": "type", "value": "CHAIN"})
    );
}

#[test]
fn llm_span_with_flattened_messages_model_tokens_and_tool_calls() {
    let c = run(&request(
        json!({}),
        "openinference.instrumentation.openai",
        vec![
            span(
                "root",
                ROOT,
                None,
                json!({"openinference.span.kind": "AGENT"}),
            ),
            span(
                "ChatCompletion",
                CHILD,
                Some(ROOT),
                json!({
                    "openinference.span.kind": "LLM",
                    "llm.model_name": "gpt-4o",
                    "llm.provider": "openai",
                    "llm.input_messages.0.message.role": "system",
                    "llm.input_messages.0.message.content": "Be brief.",
                    "llm.input_messages.1.message.role": "user",
                    "llm.input_messages.1.message.contents.0.message_content.type": "text",
                    "llm.input_messages.1.message.contents.0.message_content.text": "What is in this image?",
                    "llm.input_messages.1.message.contents.1.message_content.type": "image",
                    "llm.input_messages.1.message.contents.1.message_content.image.image.url": "https://x/y.png",
                    "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_1",
                    "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "lookup",
                    "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": "{\"q\": 1}",
                    "llm.token_count.prompt": 12,
                    "llm.token_count.completion": 3,
                    "llm.token_count.total": 15,
                    "input.value": "{\"messages\": []}",
                    "input.mime_type": "application/json",
                    "llm.input_messages.999999999999.message.role": "user",
                }),
            ),
        ],
    ));
    let s = by_span(&c, CHILD);
    assert_eq!(s.record_type, RecordType::Llm);
    assert_eq!(s.parent_id, Some(span_uuid(hex16(TRACE), hex8(ROOT))));
    assert_eq!(s.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        (s.tokens.input, s.tokens.output, s.tokens.total),
        (Some(12), Some(3), Some(15))
    );
    assert_eq!(
        s.input,
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is in this image?"},
                {"type": "data", "modality": "image", "url": "https://x/y.png"}
            ]}
        ])
    );
    // No content was sent, so the Message has none rather than an invented empty one.
    assert_eq!(
        s.output,
        json!({"role": "assistant", "tool_calls": [{"id": "call_1", "function": {"name": "lookup", "arguments": "{\"q\": 1}"}}]})
    );
    // Structured messages win for llm spans; input.value stays visible, unmapped, as does the
    // provider and the out-of-bounds index.
    let rest = unmapped(s);
    assert!(rest.contains_key("input.value"));
    assert_eq!(rest["llm.provider"], "openai");
    assert!(rest.contains_key("llm.input_messages.999999999999.message.role"));
}

#[test]
fn retriever_documents_become_galileo_documents() {
    let c = run(&request(
        json!({}),
        "openinference.instrumentation.llama_index",
        vec![
            span("root", ROOT, None, json!({})),
            span(
                "retrieve",
                CHILD,
                Some(ROOT),
                json!({
                    "openinference.span.kind": "RETRIEVER",
                    "input.value": "newton",
                    "retrieval.documents.0.document.id": "d1",
                    "retrieval.documents.0.document.content": "An object at rest…",
                    "retrieval.documents.0.document.score": 0.9,
                    "retrieval.documents.0.document.metadata": "{\"source\": \"book\"}",
                    "retrieval.documents.1.document.content": "F = ma",
                }),
            ),
        ],
    ));
    let s = by_span(&c, CHILD);
    assert_eq!(s.record_type, RecordType::Retriever);
    assert_eq!(s.input, json!("newton"));
    assert_eq!(
        s.output,
        json!([
            {"content": "An object at rest…", "metadata": {"id": "d1", "score": 0.9, "source": "book"}},
            {"content": "F = ma", "metadata": {}}
        ])
    );
}

#[test]
fn session_and_user_from_context_attributes() {
    let c = run(&request(
        json!({}),
        "openinference.instrumentation",
        vec![
            span(
                "root",
                ROOT,
                None,
                json!({"session.id": "chat-42", "user.id": "alice"}),
            ),
            span(
                "child",
                CHILD,
                Some(ROOT),
                json!({"session.id": "chat-42", "user.id": "alice"}),
            ),
        ],
    ));
    let t = trace_record(&c);
    let s = by_span(&c, CHILD);
    assert_eq!(t.session_id, Some(parallax_otlp::session_uuid("chat-42")));
    assert_eq!(s.session_id, t.session_id);
    assert_eq!(meta(s), json!({"user.id": "alice"}));
    assert_eq!(
        s.extra["otel"]["session"],
        json!({"id": "chat-42", "attribute": "session.id"})
    );
    let notes: Vec<_> = s.extra["otel"]["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["note"] == "trace-level attribute on a non-root span; applied to this span")
        .map(|e| e["attribute"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["user.id", "session.id"]);
    assert!(by_span(&c, ROOT).extra["otel"]["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e.get("note").is_none()));
}

#[test]
fn metadata_forms_flattened_repr_and_non_object() {
    let c = run(&request(
        json!({}),
        "openinference",
        vec![
            span(
                "flat",
                ROOT,
                None,
                json!({"metadata.experiment": 3, "metadata.flags": ["a", "b"]}),
            ),
            span(
                "repr",
                CHILD,
                Some(ROOT),
                json!({"metadata": "{'author': 'John Doe'}"}),
            ),
            span(
                "array",
                GRANDCHILD,
                Some(ROOT),
                json!({"metadata": "[1, 2]"}),
            ),
        ],
    ));
    assert_eq!(
        meta(by_span(&c, ROOT)),
        json!({"experiment": "3", "flags": "[\"a\",\"b\"]"})
    );
    assert_eq!(
        meta(by_span(&c, CHILD)),
        json!({"metadata": "{'author': 'John Doe'}"})
    );
    assert_eq!(c.quarantined.len(), 1);
    let q = &c.quarantined[0];
    assert_eq!(q.path, "resourceSpans[0].scopeSpans[0].spans[2]");
    assert_eq!(
        q.violations[0].to_string(),
        "resourceSpans[0].scopeSpans[0].spans[2].attributes[\"metadata\"]: metadata must be a JSON object, found an array"
    );
}

#[test]
fn rule_violations_quarantine_with_attribute_paths() {
    let long = "x".repeat(57);
    let c = run(&request(
        json!({}),
        "openinference",
        vec![
            span("root", ROOT, None, json!({})),
            span("ok", CHILD, Some(ROOT), json!({"tag.tags": ["fine"]})),
            span(
                "bad",
                GRANDCHILD,
                Some(ROOT),
                json!({"tag.tags": ["a", "b", "", long], "metadata": json!({"k": "v".repeat(300)}).to_string()}),
            ),
        ],
    ));
    assert_eq!(
        c.records.len(),
        3,
        "trace, root and the good sibling are stored"
    );
    assert_eq!(c.quarantined.len(), 1);
    let q = &c.quarantined[0];
    let lines: Vec<String> = q.violations.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        lines,
        [
            "resourceSpans[0].scopeSpans[0].spans[2].attributes[\"tag.tags\"][2]: tag is empty",
            "resourceSpans[0].scopeSpans[0].spans[2].attributes[\"tag.tags\"][3]: tag is 57 characters; the limit is 50",
            "resourceSpans[0].scopeSpans[0].spans[2].attributes[\"metadata\"][\"k\"]: metadata value is 300 characters; the limit is 256",
        ]
    );
    // The quarantined record reads like a Galileo step, with the values as sent.
    assert_eq!(q.raw["type"], "workflow");
    assert_eq!(q.raw["tags"][3].as_str().unwrap().len(), 57);
    assert_eq!(q.raw["user_metadata"]["k"].as_str().unwrap().len(), 300);
    assert_eq!(q.parent_id, Some(span_uuid(hex16(TRACE), hex8(ROOT))));
    let (rejected, message) = c.partial_success().unwrap();
    assert_eq!(rejected, 0);
    assert!(message.starts_with("1 records quarantined"), "{message}");
}

#[test]
fn count_limits_come_from_the_limits_passed_in() {
    let limits = Limits {
        max_tags: 2,
        max_metadata_keys: 50,
    };
    let c = run_with(
        &request(
            json!({}),
            "s",
            vec![span(
                "root",
                ROOT,
                None,
                json!({"tag.tags": ["a", "b", "c", "a"]}),
            )],
        ),
        &limits,
    );
    assert_eq!(
        c.quarantined.len(),
        2,
        "the trace record and the root span record"
    );
    assert_eq!(
        c.quarantined[0].violations[0].to_string(),
        "resourceSpans[0].scopeSpans[0].spans[0].tags: record has 3 distinct tags; the limit is 2"
    );
}

pub fn hex16(s: &str) -> [u8; 16] {
    hex::decode(s).unwrap().try_into().unwrap()
}

pub fn hex8(s: &str) -> [u8; 8] {
    hex::decode(s).unwrap().try_into().unwrap()
}
