//! Model name, token counts, the few typed LLM fields, and status, from every convention.
//!
//! The first key present wins, in the order of otel-conventions.md §2.10 (response model before
//! request model). Token counts are stored as sent, including the aggregate counts container
//! spans repeat from their children (§4.8): totals over a trace must add only leaf `llm` spans,
//! which is the query side's job, not ingest's. No total is invented when none was sent, as the
//! Galileo SDK does not invent one either.

use super::ctx::Ctx;
use crate::attrs::{as_f64, as_int, json_or_raw, mlflow_decode};
use crate::proto::{Span, StatusCode};
use parallax_model::Tokens;
use serde_json::{json, Map, Value};

pub(crate) const MODEL_KEYS: &[&str] = &[
    "langfuse.observation.model.name",
    "gen_ai.response.model",
    "llm.response.model_name",
    "llm.model_name",
    "gen_ai.request.model",
    "llm.request.model_name",
    "ai.response.model",
    "ai.model.id",
    "mlflow.llm.model",
    "embedding.model_name",
];

const INPUT_TOKENS: &[&str] = &[
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "ai.usage.inputTokens",
    "ai.usage.promptTokens",
];
const OUTPUT_TOKENS: &[&str] = &[
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "ai.usage.outputTokens",
    "ai.usage.completionTokens",
];
const TOTAL_TOKENS: &[&str] = &[
    "llm.token_count.total",
    "gen_ai.usage.total_tokens",
    "llm.usage.total_tokens",
    "ai.usage.totalTokens",
    "ai.usage.tokens",
];

/// The model name, from the first model attribute present.
pub(crate) fn model(ctx: &mut Ctx) -> Option<String> {
    for key in MODEL_KEYS {
        let Some(v) = ctx.get(key) else { continue };
        let v = if key.starts_with("mlflow.") {
            mlflow_decode(v)
        } else {
            v.clone()
        };
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            let s = s.to_owned();
            ctx.mark(key, "model");
            return Some(s);
        }
    }
    None
}

/// Token counts: the flat attributes first, then MLflow's and Langfuse's usage objects.
pub(crate) fn tokens(ctx: &mut Ctx) -> Tokens {
    let mut t = Tokens {
        input: flat(ctx, INPUT_TOKENS, "tokens.input"),
        output: flat(ctx, OUTPUT_TOKENS, "tokens.output"),
        total: flat(ctx, TOTAL_TOKENS, "tokens.total"),
    };
    let objects = [
        (
            "mlflow.chat.tokenUsage",
            ["input_tokens", "output_tokens", "total_tokens"],
        ),
        (
            "langfuse.observation.usage_details",
            ["input", "output", "total"],
        ),
    ];
    for (key, [i, o, n]) in objects {
        let Some(raw) = ctx.get(key) else { continue };
        let obj = match mlflow_decode(raw) {
            Value::Object(o) => o,
            _ => continue,
        };
        let mut used = false;
        for (slot, name) in [(&mut t.input, i), (&mut t.output, o), (&mut t.total, n)] {
            if slot.is_none() {
                if let Some(n) = obj.get(name).and_then(as_int) {
                    *slot = Some(n);
                    used = true;
                }
            }
        }
        if used {
            ctx.mark(key, "tokens");
        }
    }
    t
}

fn flat(ctx: &mut Ctx, keys: &[&str], to: &str) -> Option<i64> {
    for key in keys {
        if let Some(n) = ctx.get(key).and_then(as_int) {
            ctx.mark(key, to);
            return Some(n);
        }
    }
    None
}

/// The typed LLM and tool fields of the Galileo record shape that conventions carry
/// (`tool_call_id`, `temperature`, `finish_reason`, `metrics.time_to_first_token_ns`), as
/// entries for `Record::extra`.
pub(crate) fn typed_extras(ctx: &mut Ctx) -> Map<String, Value> {
    let mut out = Map::new();
    let call_id = [
        "gen_ai.tool.call.id",
        "ai.toolCall.id",
        "tool.id",
        "tool_call.id",
    ];
    if let Some((_, v)) = ctx.take_first(&call_id, "tool_call_id") {
        out.insert("tool_call_id".into(), v);
    }
    if let Some(t) = ctx.get("gen_ai.request.temperature").and_then(as_f64) {
        ctx.mark("gen_ai.request.temperature", "temperature");
        out.insert("temperature".into(), json!(t));
    }
    let finish = ["gen_ai.response.finish_reasons", "ai.response.finishReason"];
    if let Some((_, v)) = ctx.take_first(&finish, "finish_reason") {
        let reason = match json_or_raw(&v) {
            Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
            other => other,
        };
        out.insert("finish_reason".into(), reason);
    }
    let ttft = [
        ("gen_ai.response.time_to_first_chunk", 1e9),
        ("ai.response.msToFirstChunk", 1e6),
    ];
    for (key, to_ns) in ttft {
        if let Some(x) = ctx.get(key).and_then(as_f64) {
            ctx.mark(key, "metrics.time_to_first_token_ns");
            out.insert(
                "metrics".into(),
                json!({"time_to_first_token_ns": (x * to_ns).round() as i64}),
            );
            break;
        }
    }
    out
}

/// The status code (500 for an error, 200 otherwise, as Galileo records use HTTP-like codes) and
/// the OTel status as reported under `extra.otel.status`.
///
/// An error is OTel `status.code = ERROR`, `langfuse.observation.level = ERROR`,
/// `logfire.level_num >= 17` or an `exception` event. OK and UNSET are both 200: UNSET is what
/// every SDK sends for a span that did not fail, and no convention uses OK to mean more.
pub(crate) fn status(ctx: &mut Ctx, span: &Span) -> (i64, Value) {
    let otel = span.status.as_ref();
    let code = otel
        .and_then(|s| StatusCode::try_from(s.code).ok())
        .unwrap_or(StatusCode::Unset);
    let mut report = json!({"code": code.as_str_name()});
    if let Some(m) = otel.map(|s| s.message.as_str()).filter(|m| !m.is_empty()) {
        report["message"] = m.into();
    }
    let mut error = code == StatusCode::Error;
    if ctx
        .get("langfuse.observation.level")
        .and_then(Value::as_str)
        .is_some_and(|l| l.eq_ignore_ascii_case("error"))
    {
        ctx.mark("langfuse.observation.level", "status_code");
        error = true;
    }
    if let Some(msg) = ctx.take("langfuse.observation.status_message", "status.message") {
        report["message"] = msg;
    }
    if ctx
        .get("logfire.level_num")
        .and_then(as_int)
        .is_some_and(|n| n >= 17)
    {
        ctx.mark("logfire.level_num", "status_code");
        error = true;
    }
    if let Some(e) = span.events.iter().find(|e| e.name == "exception") {
        error = true;
        let attrs = crate::attrs::kvs_to_json(&e.attributes);
        let pick = |k: &str| attrs.get(k).cloned().unwrap_or(Value::Null);
        report["exception"] =
            json!({"type": pick("exception.type"), "message": pick("exception.message")});
    }
    if let Some(t) = ctx.take("error.type", "status.error_type") {
        report["error_type"] = t;
    }
    (if error { 500 } else { 200 }, report)
}
