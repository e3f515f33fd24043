//! Vercel AI SDK legacy `ai.*` spans with `experimental_telemetry` metadata.

use crate::support::*;
use parallax_model::RecordType;
use parallax_otlp::session_uuid;
use serde_json::json;

#[test]
fn generate_text_with_telemetry_metadata() {
    let telemetry = json!({
        "ai.telemetry.functionId": "weather-chat",
        "ai.telemetry.metadata.tags": ["web", "beta"],
        "ai.telemetry.metadata.userId": "u1",
        "ai.telemetry.metadata.sessionId": "s1",
        "ai.telemetry.metadata.plan": "pro",
        "ai.telemetry.metadata.attempt": 2,
    });
    let mut outer = telemetry.clone();
    outer.as_object_mut().unwrap().extend(
        json!({
            "ai.operationId": "ai.generateText",
            "operation.name": "ai.generateText weather-chat",
            "ai.prompt": "{\"system\": \"Be brief\", \"prompt\": \"Weather in Paris?\"}",
            "ai.response.text": "Sunny.",
            "ai.usage.promptTokens": 20,
            "ai.usage.completionTokens": 5,
        })
        .as_object()
        .unwrap()
        .clone(),
    );
    let mut inner = telemetry.clone();
    inner.as_object_mut().unwrap().extend(
        json!({
            "ai.operationId": "ai.generateText.doGenerate",
            "ai.model.id": "gpt-4o-mini",
            "ai.prompt.messages": "[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Weather in Paris?\"}]}]",
            "ai.response.text": "",
            "ai.response.toolCalls": "[{\"toolCallType\": \"function\", \"toolCallId\": \"t1\", \"toolName\": \"weather\", \"args\": \"{\\\"city\\\":\\\"Paris\\\"}\"}]",
            "ai.response.msToFirstChunk": 120.5,
            "ai.usage.promptTokens": 20,
            "ai.usage.completionTokens": 5,
        })
        .as_object()
        .unwrap()
        .clone(),
    );
    let tool = json!({
        "ai.operationId": "ai.toolCall",
        "ai.toolCall.name": "weather",
        "ai.toolCall.id": "t1",
        "ai.toolCall.args": "{\"city\":\"Paris\"}",
        "ai.toolCall.result": "{\"sky\":\"sunny\"}",
    });
    let c = run(&request(
        json!({}),
        "ai",
        vec![
            span("ai.generateText", ROOT, None, outer),
            span("ai.generateText.doGenerate", CHILD, Some(ROOT), inner),
            span("ai.toolCall", GRANDCHILD, Some(ROOT), tool),
        ],
    ));
    assert!(c.quarantined.is_empty());
    let t = trace_record(&c);
    assert_eq!(t.name, "weather-chat");
    assert_eq!(tags(t), ["web", "beta"]);
    assert_eq!(
        meta(t),
        json!({"user.id": "u1", "plan": "pro", "attempt": "2"})
    );
    assert_eq!(t.session_id, Some(session_uuid("s1")));
    let root = by_span(&c, ROOT);
    assert_eq!(root.record_type, RecordType::Workflow);
    assert_eq!(
        root.input,
        json!([{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Weather in Paris?"}])
    );
    assert_eq!(root.output, json!("Sunny."));
    let llm = by_span(&c, CHILD);
    assert_eq!(llm.record_type, RecordType::Llm);
    assert_eq!(llm.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!((llm.tokens.input, llm.tokens.output), (Some(20), Some(5)));
    assert_eq!(
        llm.input,
        json!([{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}])
    );
    assert_eq!(
        llm.output,
        json!({"role": "assistant", "content": "", "tool_calls": [{"id": "t1", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]})
    );
    assert_eq!(llm.extra["metrics"]["time_to_first_token_ns"], 120_500_000);
    assert_eq!(tags(llm), ["web", "beta"]);
    let tool = by_span(&c, GRANDCHILD);
    assert_eq!(tool.record_type, RecordType::Tool);
    assert_eq!(tool.input, json!("{\"city\":\"Paris\"}"));
    assert_eq!(tool.output, json!("{\"sky\":\"sunny\"}"));
    assert_eq!(tool.extra["tool_call_id"], "t1");
}
