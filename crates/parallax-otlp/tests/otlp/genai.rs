//! OpenTelemetry GenAI semantic conventions, new (`gen_ai.input.messages`) and old
//! (`gen_ai.prompt.N.*`, deprecated token names), and Traceloop/OpenLLMetry, which sends both.

use crate::support::*;
use parallax_model::RecordType;
use parallax_otlp::session_uuid;
use serde_json::json;

#[test]
fn new_semconv_chat_span() {
    let input = json!([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]).to_string();
    let output = json!([{"role": "assistant", "parts": [
        {"type": "text", "content": "Calling."},
        {"type": "tool_call", "id": "c1", "name": "weather", "arguments": {"city": "Paris"}}
    ], "finish_reason": "tool_call"}])
    .to_string();
    let c = run(&request(
        json!({"service.name": "svc"}),
        "opentelemetry.instrumentation.openai_v2",
        vec![
            span(
                "invoke_agent planner",
                ROOT,
                None,
                json!({"gen_ai.operation.name": "invoke_agent", "gen_ai.conversation.id": "conv-1"}),
            ),
            span(
                "chat gpt-4o",
                CHILD,
                Some(ROOT),
                json!({
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.response.model": "gpt-4o-2024-08-06",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.input.messages": input,
                    "gen_ai.system_instructions": json!([{"type": "text", "content": "Be kind."}]).to_string(),
                    "gen_ai.output.messages": output,
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.output_tokens": "4",
                    "gen_ai.request.temperature": 0.2,
                    "gen_ai.response.finish_reasons": ["tool_call"],
                }),
            ),
        ],
    ));
    assert_eq!(trace_record(&c).session_id, Some(session_uuid("conv-1")));
    assert_eq!(by_span(&c, ROOT).record_type, RecordType::Agent);
    let s = by_span(&c, CHILD);
    assert_eq!(s.record_type, RecordType::Llm);
    assert_eq!(
        s.model.as_deref(),
        Some("gpt-4o-2024-08-06"),
        "the response model wins"
    );
    assert_eq!(
        (s.tokens.input, s.tokens.output, s.tokens.total),
        (Some(10), Some(4), None)
    );
    assert_eq!(
        s.input,
        json!([{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}])
    );
    assert_eq!(
        s.output,
        json!({"role": "assistant", "content": "Calling.", "finish_reason": "tool_call",
               "tool_calls": [{"id": "c1", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}}]})
    );
    assert_eq!(s.extra["temperature"], json!(0.2));
    assert_eq!(s.extra["finish_reason"], "tool_call");
    assert_eq!(unmapped(s)["gen_ai.request.model"], "gpt-4o");
}

#[test]
fn new_semconv_tool_span() {
    let c = run(&request(
        json!({}),
        "opentelemetry.instrumentation",
        vec![
            span("root", ROOT, None, json!({})),
            span(
                "execute_tool weather",
                CHILD,
                Some(ROOT),
                json!({
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "weather",
                    "gen_ai.tool.call.id": "c1",
                    "gen_ai.tool.call.arguments": "{\"city\": \"Paris\"}",
                    "gen_ai.tool.call.result": "{\"temp\": 21}",
                }),
            ),
        ],
    ));
    let s = by_span(&c, CHILD);
    assert_eq!(s.record_type, RecordType::Tool);
    // Tool input and output are strings in the Galileo shape; parsed JSON goes back to text.
    assert_eq!(s.input, json!("{\"city\":\"Paris\"}"));
    assert_eq!(s.output, json!("{\"temp\":21}"));
    assert_eq!(s.extra["tool_call_id"], "c1");
}

#[test]
fn old_semconv_flattened_prompt_and_completion() {
    let c = run(&request(
        json!({}),
        "opentelemetry.instrumentation.openai",
        vec![
            span("root", ROOT, None, json!({})),
            span(
                "openai.chat",
                CHILD,
                Some(ROOT),
                json!({
                    "llm.request.type": "chat",
                    "gen_ai.system": "OpenAI",
                    "gen_ai.request.model": "gpt-3.5-turbo",
                    "gen_ai.prompt.0.role": "user",
                    "gen_ai.prompt.0.content": "Tell me a joke",
                    "gen_ai.completion.0.role": "assistant",
                    "gen_ai.completion.0.content": "Why did…",
                    "gen_ai.completion.0.finish_reason": "stop",
                    "gen_ai.usage.prompt_tokens": 9,
                    "gen_ai.usage.completion_tokens": 12,
                    "llm.usage.total_tokens": 21,
                }),
            ),
        ],
    ));
    let s = by_span(&c, CHILD);
    assert_eq!(s.record_type, RecordType::Llm);
    assert!(has_mapping(s, "llm.request.type", "type"));
    assert_eq!(s.model.as_deref(), Some("gpt-3.5-turbo"));
    assert_eq!(
        (s.tokens.input, s.tokens.output, s.tokens.total),
        (Some(9), Some(12), Some(21))
    );
    assert_eq!(
        s.input,
        json!([{"role": "user", "content": "Tell me a joke"}])
    );
    assert_eq!(
        s.output,
        json!({"role": "assistant", "content": "Why did…", "finish_reason": "stop"})
    );
}

#[test]
fn traceloop_workflow_association_properties_and_entity_io() {
    let c = run(&request(
        json!({}),
        "traceloop.tracer",
        vec![
            span(
                "joke_workflow.workflow",
                ROOT,
                None,
                json!({
                    "traceloop.span.kind": "workflow",
                    "traceloop.workflow.name": "joke_workflow",
                    "traceloop.entity.input": "{\"args\": [], \"kwargs\": {\"topic\": \"cats\"}}",
                    "traceloop.entity.output": "\"a joke\"",
                    "traceloop.association.properties.user_id": "u-7",
                    "traceloop.association.properties.session_id": "s-9",
                    "traceloop.association.properties.customer_id": "acme",
                    "traceloop.association.properties.tier": 2,
                }),
            ),
            span(
                "task",
                CHILD,
                Some(ROOT),
                json!({"traceloop.span.kind": "task", "traceloop.association.properties.customer_id": "acme"}),
            ),
        ],
    ));
    let t = trace_record(&c);
    assert_eq!(t.name, "joke_workflow");
    assert_eq!(t.input, json!({"args": [], "kwargs": {"topic": "cats"}}));
    assert_eq!(t.output, json!("a joke"));
    assert_eq!(t.session_id, Some(session_uuid("s-9")));
    assert_eq!(
        meta(t),
        json!({"user.id": "u-7", "customer_id": "acme", "tier": "2"})
    );
    assert_eq!(by_span(&c, ROOT).record_type, RecordType::Workflow);
    let task = by_span(&c, CHILD);
    assert_eq!(task.record_type, RecordType::Workflow);
    assert_eq!(meta(task), json!({"customer_id": "acme"}));
    assert!(has_mapping(
        by_span(&c, ROOT),
        "traceloop.workflow.name",
        "trace.name"
    ));
}
