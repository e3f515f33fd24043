//! Laminar, MLflow, Galileo's own OTel exporter and Logfire.

use crate::support::*;
use parallax_model::RecordType;
use parallax_otlp::session_uuid;
use serde_json::json;

#[test]
fn laminar_association_properties() {
    let c = run(&request(
        json!({}),
        "lmnr",
        vec![
            span(
                "pipeline",
                ROOT,
                None,
                json!({
                    "lmnr.span.type": "DEFAULT",
                    "lmnr.span.input": "{\"q\": \"hi\"}",
                    "lmnr.span.output": "\"answer\"",
                    "lmnr.association.properties.tags": ["lmnr-tag"],
                    "lmnr.association.properties.metadata.team": "search",
                    "lmnr.association.properties.session_id": "ls-1",
                    "lmnr.association.properties.user_id": "lu-1",
                    "lmnr.association.properties.trace_type": "DEFAULT",
                }),
            ),
            span(
                "llm",
                CHILD,
                Some(ROOT),
                json!({"lmnr.span.type": "LLM", "gen_ai.request.model": "gpt-4o", "lmnr.span.output": "truncated {…[Laminar: truncated]"}),
            ),
        ],
    ));
    let t = trace_record(&c);
    assert_eq!(tags(t), ["lmnr-tag"]);
    assert_eq!(meta(t), json!({"user.id": "lu-1", "team": "search"}));
    assert_eq!(t.session_id, Some(session_uuid("ls-1")));
    assert_eq!(t.input, json!({"q": "hi"}));
    assert_eq!(t.output, json!("answer"));
    assert_eq!(
        unmapped(by_span(&c, ROOT))["lmnr.association.properties.trace_type"],
        "DEFAULT"
    );
    let llm = by_span(&c, CHILD);
    assert_eq!(llm.record_type, RecordType::Llm);
    // A value cut by Laminar's size limit is no longer JSON and is kept as the raw string.
    assert_eq!(
        llm.output,
        json!({"role": "assistant", "content": "truncated {…[Laminar: truncated]"})
    );
}

#[test]
fn mlflow_json_encoded_values() {
    let c = run(&request(
        json!({}),
        "mlflow.tracing",
        vec![
            span(
                "predict",
                ROOT,
                None,
                json!({
                    "mlflow.spanType": "\"CHAIN\"",
                    "mlflow.traceRequestId": "\"tr-5b8e\"",
                    "mlflow.spanInputs": json!(json!({"question": "why"}).to_string()).to_string(),
                    "mlflow.spanOutputs": "\"because\"",
                    "mlflow.traceTag.team": "\"ml\"",
                    "mlflow.trace.tag.stage": "beta",
                    "session.id": "m-1",
                }),
            ),
            span(
                "chat",
                CHILD,
                Some(ROOT),
                json!({
                    "mlflow.spanType": "\"CHAT_MODEL\"",
                    "mlflow.llm.model": "\"gpt-4o\"",
                    "mlflow.chat.tokenUsage": "{\"input_tokens\": 3, \"output_tokens\": 4, \"total_tokens\": 7}",
                }),
            ),
        ],
    ));
    let root = by_span(&c, ROOT);
    assert_eq!(root.record_type, RecordType::Workflow);
    assert_eq!(
        root.input,
        json!({"question": "why"}),
        "double-encoded inputs are decoded twice"
    );
    assert_eq!(root.output, json!("because"));
    assert_eq!(meta(root), json!({"team": "ml", "stage": "beta"}));
    assert_eq!(
        root.extra["otel"]["mapping"][0],
        json!({"attribute": "mlflow.spanType", "to": "type", "value": "CHAIN"})
    );
    let chat = by_span(&c, CHILD);
    assert_eq!(chat.record_type, RecordType::Llm);
    assert_eq!(chat.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        (chat.tokens.input, chat.tokens.output, chat.tokens.total),
        (Some(3), Some(4), Some(7))
    );
}

#[test]
fn galileo_otel_exporter_resource_routing_and_retriever() {
    let c = run(&request(
        json!({
            "galileo.project.name": "physics",
            "galileo.logstream.name": "default",
            "galileo.session.id": "g-sess",
        }),
        "galileo-tracer",
        vec![
            span(
                "workflow",
                ROOT,
                None,
                json!({"gen_ai.system": "galileo-otel", "input.value": "q"}),
            ),
            span(
                "search",
                CHILD,
                Some(ROOT),
                json!({
                    "gen_ai.system": "galileo-otel",
                    "db.operation": "search",
                    "gen_ai.input.messages": "[{\"role\": \"user\", \"content\": \"newton\"}]",
                    "gen_ai.output.messages": json!([{"role": "assistant", "content": json!({"documents": [{"content": "F=ma", "metadata": {"source": "book"}}, "plain"]}).to_string()}]).to_string(),
                }),
            ),
        ],
    ));
    let t = trace_record(&c);
    assert_eq!(t.session_id, Some(session_uuid("g-sess")));
    assert_eq!(by_span(&c, ROOT).record_type, RecordType::Workflow);
    let r = by_span(&c, CHILD);
    assert_eq!(r.record_type, RecordType::Retriever);
    assert_eq!(r.session_id, Some(session_uuid("g-sess")));
    assert!(r.extra["otel"]["mapping"].as_array().unwrap().contains(
        &json!({"attribute": "galileo.session.id", "from": "resource", "to": "session"})
    ));
    assert_eq!(
        r.extra["otel"]["resource"]["galileo.project.name"],
        "physics"
    );
    assert_eq!(r.input, json!("newton"));
    assert_eq!(
        r.output,
        json!([{"content": "F=ma", "metadata": {"source": "book"}}, {"content": "plain", "metadata": {}}])
    );
}

#[test]
fn logfire_tags_level_and_pending_spans() {
    let c = run(&request(
        json!({}),
        "logfire",
        vec![
            span(
                "agent run",
                ROOT,
                None,
                json!({"logfire.tags": ["lf"], "logfire.level_num": 17, "logfire.msg": "agent run"}),
            ),
            span(
                "agent run",
                CHILD,
                Some(ROOT),
                json!({"logfire.span_type": "pending_span"}),
            ),
        ],
    ));
    let root = by_span(&c, ROOT);
    assert_eq!(tags(root), ["lf"]);
    assert_eq!(root.status_code, Some(500));
    assert_eq!(c.rejected.len(), 1);
    assert_eq!(
        c.rejected[0].path,
        "resourceSpans[0].scopeSpans[0].spans[1]"
    );
    assert_eq!(c.partial_success().unwrap().0, 1);
}
