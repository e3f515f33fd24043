//! Which of our record types a span is, from whichever convention names its kind.
//!
//! The order is otel-conventions.md §2.10: Langfuse, OpenInference, Laminar, MLflow, Traceloop,
//! GenAI `gen_ai.operation.name`, legacy Vercel `ai.operationId`, `llm.request.type`, then
//! heuristics (tool attributes → tool; retrieval attributes → retriever; any model attribute →
//! llm), then `workflow`. A value a convention defines as something we have no type for (an
//! evaluator, a guardrail, a reranker) maps to workflow; a value we do not know at all falls
//! through to the next rule and stays among the unmapped attributes. Embeddings map to `llm`, so
//! their model and input tokens are counted (§3 leaves it as a product decision; this is ours).
//! The attribute that decided is reported with its original value (`{"to": "type", "value": …}`).

use super::ctx::Ctx;
use super::usage::MODEL_KEYS;
use crate::attrs::mlflow_decode;
use parallax_model::RecordType;
use serde_json::Value;

use RecordType::{Agent, Llm, Retriever, Tool, Workflow};

type Rule = fn(&str) -> Option<RecordType>;

const RULES: &[(&str, Rule)] = &[
    ("langfuse.observation.type", langfuse),
    ("openinference.span.kind", openinference),
    ("lmnr.span.type", laminar),
    ("mlflow.spanType", mlflow),
    ("traceloop.span.kind", traceloop),
    ("gen_ai.operation.name", gen_ai),
    ("ai.operationId", vercel),
    ("llm.request.type", llm_request_type),
];

/// Decides the record type of a span and reports the attribute that decided it.
pub(crate) fn resolve(ctx: &mut Ctx) -> RecordType {
    for (key, rule) in RULES {
        let Some(raw) = ctx.get(key) else { continue };
        let decoded = if *key == "mlflow.spanType" {
            mlflow_decode(raw)
        } else {
            raw.clone()
        };
        if let Some(t) = decoded.as_str().and_then(|s| rule(s.trim())) {
            ctx.mark_type(key, &decoded);
            return t;
        }
    }
    heuristic(ctx)
}

/// The last rules of §2.10, reported like the others with the attribute that decided (the
/// value is kept in the report, so claiming the attribute loses nothing).
fn heuristic(ctx: &mut Ctx) -> RecordType {
    let tool = [
        "gen_ai.tool.name",
        "gen_ai.tool.call.id",
        "gen_ai.tool.call.arguments",
        "ai.toolCall.name",
    ];
    let retrieval = ["gen_ai.retrieval.query.text", "gen_ai.retrieval.documents"];
    let documents = ctx
        .attrs
        .with_prefix("retrieval.documents.")
        .into_iter()
        .next()
        .map(|(k, _)| k);
    let search = ctx
        .get("db.operation")
        .is_some_and(|v| v == "search")
        .then(|| "db.operation".to_owned());
    let found = if let Some(k) = tool.iter().find(|k| ctx.has(k)) {
        Some((k.to_string(), Tool))
    } else if let Some(k) = retrieval
        .iter()
        .find(|k| ctx.has(k))
        .map(|k| k.to_string())
        .or(documents)
        .or(search)
    {
        Some((k, Retriever))
    } else {
        MODEL_KEYS
            .iter()
            .find(|k| ctx.has(k))
            .map(|k| (k.to_string(), Llm))
    };
    let Some((key, t)) = found else {
        return Workflow;
    };
    let value = ctx.get(&key).cloned().unwrap_or(Value::Null);
    ctx.mark_type(&key, &value);
    t
}

fn langfuse(v: &str) -> Option<RecordType> {
    Some(match v.to_ascii_lowercase().as_str() {
        "generation" | "embedding" => Llm,
        "retriever" => Retriever,
        "tool" => Tool,
        "agent" => Agent,
        "chain" | "span" | "event" | "evaluator" | "guardrail" => Workflow,
        _ => return None,
    })
}

fn openinference(v: &str) -> Option<RecordType> {
    Some(match v.to_ascii_uppercase().as_str() {
        "LLM" | "EMBEDDING" => Llm,
        "RETRIEVER" => Retriever,
        "TOOL" => Tool,
        "AGENT" => Agent,
        "CHAIN" | "RERANKER" | "GUARDRAIL" | "EVALUATOR" | "PROMPT" => Workflow,
        // UNKNOWN says nothing: let the next convention decide.
        _ => return None,
    })
}

fn laminar(v: &str) -> Option<RecordType> {
    Some(match v.to_ascii_uppercase().as_str() {
        "LLM" | "CACHED" => Llm,
        "TOOL" => Tool,
        "DEFAULT" | "PIPELINE" | "EXECUTOR" | "EVALUATOR" | "HUMAN_EVALUATOR" | "EVALUATION" => {
            Workflow
        }
        _ => return None,
    })
}

fn mlflow(v: &str) -> Option<RecordType> {
    Some(match v.to_ascii_uppercase().as_str() {
        "LLM" | "CHAT_MODEL" | "EMBEDDING" => Llm,
        "RETRIEVER" => Retriever,
        "TOOL" => Tool,
        "AGENT" => Agent,
        "CHAIN" | "WORKFLOW" | "TASK" | "RERANKER" | "PARSER" | "MEMORY" | "GUARDRAIL"
        | "EVALUATOR" => Workflow,
        _ => return None,
    })
}

fn traceloop(v: &str) -> Option<RecordType> {
    Some(match v.to_ascii_lowercase().as_str() {
        "tool" => Tool,
        "agent" => Agent,
        "workflow" | "task" => Workflow,
        _ => return None,
    })
}

fn gen_ai(v: &str) -> Option<RecordType> {
    Some(match v {
        "chat" | "text_completion" | "generate_content" | "embeddings" | "llm_request" => Llm,
        "retrieval" | "vector_db_retrieve" => Retriever,
        "execute_tool" => Tool,
        "invoke_agent" | "create_agent" => Agent,
        "invoke_workflow" | "agent_step" | "execute_task" | "rerank" => Workflow,
        _ => return None,
    })
}

/// Legacy Vercel AI SDK operation ids; the `do*` inner spans are the provider calls.
fn vercel(v: &str) -> Option<RecordType> {
    const LLM: &[&str] = &[
        "ai.generateText.doGenerate",
        "ai.streamText.doStream",
        "ai.generateObject.doGenerate",
        "ai.streamObject.doStream",
        "ai.embed",
        "ai.embedMany",
    ];
    const WRAPPERS: &[&str] = &[
        "ai.generateText",
        "ai.streamText",
        "ai.generateObject",
        "ai.streamObject",
    ];
    if LLM.iter().any(|p| v.starts_with(p)) {
        Some(Llm)
    } else if v.starts_with("ai.toolCall") {
        Some(Tool)
    } else if WRAPPERS.iter().any(|p| v.starts_with(p)) {
        Some(Workflow)
    } else {
        None
    }
}

fn llm_request_type(v: &str) -> Option<RecordType> {
    match v {
        "chat" | "completion" | "embedding" => Some(Llm),
        "rerank" => Some(Workflow),
        _ => None,
    }
}
