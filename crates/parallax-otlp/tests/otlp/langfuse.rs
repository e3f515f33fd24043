//! Langfuse SDK attributes: trace-level tags and metadata, observation metadata, type, level.

use crate::support::*;
use parallax_model::RecordType;
use parallax_otlp::session_uuid;
use serde_json::json;

#[test]
fn trace_and_observation_attributes() {
    let c = run(&request(
        json!({"langfuse.trace.metadata.region": "eu"}),
        "langfuse-sdk",
        vec![
            span(
                "root",
                ROOT,
                None,
                json!({
                    "langfuse.trace.name": "support-bot",
                    "langfuse.trace.tags": ["prod", "v2"],
                    "langfuse.trace.metadata.promptVersion": "0.0.3",
                    "langfuse.trace.input": "{\"question\": \"hi\"}",
                    "langfuse.trace.output": "hello",
                    "langfuse.user.id": "bob",
                    "langfuse.session.id": "sess-1",
                    "langfuse.observation.metadata": "{\"langfuse_tags\": [\"from-langchain\"], \"step\": 1}",
                }),
            ),
            span(
                "generation",
                CHILD,
                Some(ROOT),
                json!({
                    "langfuse.observation.type": "generation",
                    "langfuse.observation.model.name": "claude-3",
                    "langfuse.observation.input": "[{\"role\": \"user\", \"content\": \"hi\"}]",
                    "langfuse.observation.output": "{\"role\": \"assistant\", \"content\": \"hello\"}",
                    "langfuse.observation.usage_details": "{\"input\": 5, \"output\": 2, \"total\": 7}",
                    "langfuse.observation.level": "ERROR",
                    "langfuse.observation.status_message": "rate limited",
                    "langfuse.trace.tags": ["prod"],
                }),
            ),
        ],
    ));
    let t = trace_record(&c);
    assert_eq!(t.name, "support-bot");
    assert_eq!(t.input, json!({"question": "hi"}));
    assert_eq!(t.output, json!("hello"));
    assert_eq!(t.session_id, Some(session_uuid("sess-1")));
    assert_eq!(tags(t), ["prod", "v2", "from-langchain"]);
    assert_eq!(
        meta(t),
        json!({"user.id": "bob", "step": "1", "promptVersion": "0.0.3", "region": "eu"})
    );
    let root = by_span(&c, ROOT);
    assert!(root.extra["otel"]["mapping"]
        .as_array()
        .unwrap()
        .contains(&json!({"attribute": "langfuse.trace.metadata.region", "from": "resource", "to": "metadata.region"})));
    let g = by_span(&c, CHILD);
    assert_eq!(g.record_type, RecordType::Llm);
    assert_eq!(g.model.as_deref(), Some("claude-3"));
    assert_eq!(
        (g.tokens.input, g.tokens.output, g.tokens.total),
        (Some(5), Some(2), Some(7))
    );
    assert_eq!(g.input, json!([{"role": "user", "content": "hi"}]));
    assert_eq!(g.output, json!({"role": "assistant", "content": "hello"}));
    assert_eq!(g.status_code, Some(500));
    assert_eq!(g.extra["otel"]["status"]["message"], "rate limited");
    assert_eq!(tags(g), ["prod"]);
    // The resource's trace metadata applies to every span of that resource.
    assert_eq!(meta(g), json!({"region": "eu"}));
}

#[test]
fn conflicting_sources_keep_the_first_and_report_the_other() {
    let c = run(&request(
        json!({}),
        "langfuse-sdk",
        vec![span(
            "root",
            ROOT,
            None,
            json!({
                "user.id": "alice",
                "langfuse.user.id": "bob",
                "metadata": "{\"env\": \"prod\"}",
                "langfuse.trace.metadata.env": "staging",
                "langfuse.observation.metadata.env": "prod",
            }),
        )],
    ));
    let s = by_span(&c, ROOT);
    assert_eq!(meta(s), json!({"user.id": "alice", "env": "prod"}));
    let entries = s.extra["otel"]["mapping"].as_array().unwrap();
    assert!(entries.contains(&json!({"attribute": "langfuse.user.id", "to": "metadata.user.id", "note": "conflicts with user.id; kept that value", "value": "bob"})));
    assert!(entries.contains(&json!({"attribute": "langfuse.trace.metadata.env", "to": "metadata.env", "note": "conflicts with metadata; kept that value", "value": "staging"})));
    assert!(entries.contains(&json!({"attribute": "langfuse.observation.metadata.env", "to": "metadata.env", "note": "same value as metadata"})));
}
