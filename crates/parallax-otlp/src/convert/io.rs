//! A span's input and output, from the first convention that carries them, shaped per type.
//!
//! The order is otel-conventions.md §2.10, except that for `llm` spans structured messages come
//! before `input.value`/`output.value`, because an llm input is a list of Messages; for retriever
//! spans `retrieval.documents.*` likewise comes first. Values documented as JSON text are parsed,
//! with the raw string kept when parsing fails (values cut by a length limit, §4.6).
//!
//! The result is then shaped the way the Galileo SDK shapes the same fields (PROTOCOL.md §4.3), so
//! records from both routes read alike: an llm input is a list of Messages and its output one
//! Message; a tool's input and output are strings; a retriever's input is a string and its output
//! a list of `{content, metadata}` Documents. Shaping turns non-conforming values into JSON text,
//! never drops them.

use super::ctx::Ctx;
use super::messages::{
    from_gen_ai, gen_ai_flat, openinference, system_instructions, vercel_tool_calls, MAX_INDEX,
};
use crate::attrs::{json_or_raw, mlflow_decode, text_or_json};
use parallax_model::RecordType;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The span's input, shaped for its type.
pub(crate) fn input(ctx: &mut Ctx, ty: RecordType) -> Value {
    let raw = raw_input(ctx, ty).unwrap_or(Value::Null);
    shape_input(raw, ty)
}

/// The span's output, shaped for its type.
pub(crate) fn output(ctx: &mut Ctx, ty: RecordType) -> Value {
    let raw = raw_output(ctx, ty).unwrap_or(Value::Null);
    shape_output(raw, ty)
}

fn raw_input(ctx: &mut Ctx, ty: RecordType) -> Option<Value> {
    const TO: &str = "input";
    if let Some(v) = ctx.take("langfuse.observation.input", TO) {
        return Some(json_or_raw(&v));
    }
    if ty == RecordType::Llm {
        if let Some(v) = messages_in(ctx) {
            return Some(v);
        }
    }
    if let Some(v) = with_mime(ctx, "input.value", "input.mime_type", TO) {
        return Some(v);
    }
    if let Some(v) = ctx.take("lmnr.span.input", TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(v) = ctx.take("mlflow.spanInputs", TO) {
        return Some(mlflow_decode(&v));
    }
    let json_keys = [
        "traceloop.entity.input",
        "ai.prompt.messages",
        "ai.toolCall.args",
        "ai.toolCall.input",
    ];
    if let Some((_, v)) = ctx.take_first(&json_keys, TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(v) = ctx.take("ai.prompt", TO) {
        return Some(vercel_prompt(&v));
    }
    if let Some(v) = messages_in(ctx) {
        return Some(v);
    }
    let late = [
        "gen_ai.tool.call.arguments",
        "pydantic_ai.all_messages",
        "tool_arguments",
    ];
    if let Some((_, v)) = ctx.take_first(&late, TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(prompts) = indexed_texts(ctx, "llm.prompts.", "prompt.text", TO) {
        return Some(prompts);
    }
    ctx.take_first(&["gen_ai.retrieval.query.text", "reranker.query"], TO)
        .map(|(_, v)| v)
}

fn raw_output(ctx: &mut Ctx, ty: RecordType) -> Option<Value> {
    const TO: &str = "output";
    if let Some(v) = ctx.take("langfuse.observation.output", TO) {
        return Some(json_or_raw(&v));
    }
    match ty {
        RecordType::Llm => {
            if let Some(v) = messages_out(ctx) {
                return Some(v);
            }
        }
        RecordType::Retriever => {
            if let Some(v) = documents(ctx) {
                return Some(v);
            }
        }
        _ => {}
    }
    if let Some(v) = with_mime(ctx, "output.value", "output.mime_type", TO) {
        return Some(v);
    }
    if let Some(v) = ctx.take("lmnr.span.output", TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(v) = ctx.take("mlflow.spanOutputs", TO) {
        return Some(mlflow_decode(&v));
    }
    if let Some(v) = ctx.take("traceloop.entity.output", TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(v) = vercel_response(ctx, ty) {
        return Some(v);
    }
    let json_keys = ["ai.toolCall.result", "ai.toolCall.output"];
    if let Some((_, v)) = ctx.take_first(&json_keys, TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(v) = messages_out(ctx) {
        return Some(v);
    }
    let late = ["gen_ai.tool.call.result", "final_result", "tool_response"];
    if let Some((_, v)) = ctx.take_first(&late, TO) {
        return Some(json_or_raw(&v));
    }
    if let Some(v) = documents(ctx) {
        return Some(v);
    }
    indexed_texts(ctx, "llm.choices.", "completion.text", TO)
}

/// Structured input messages, most specific convention first.
fn messages_in(ctx: &mut Ctx) -> Option<Value> {
    if let Some(m) = openinference(ctx, "llm.input_messages.", "input") {
        return Some(Value::Array(m));
    }
    if let Some(v) = ctx.take("gen_ai.input.messages", "input") {
        let mut messages = match from_gen_ai(&v) {
            Value::Array(m) => m,
            other => return Some(other),
        };
        if let Some(sys) = ctx.take("gen_ai.system_instructions", "input") {
            messages.insert(0, system_instructions(&sys));
        }
        return Some(Value::Array(messages));
    }
    if let Some(m) = gen_ai_flat(ctx, "gen_ai.prompt.", "input") {
        return Some(Value::Array(m));
    }
    ctx.take("ai.prompt.messages", "input")
        .map(|v| json_or_raw(&v))
}

/// Structured output messages; one message is the output, several stay a list.
fn messages_out(ctx: &mut Ctx) -> Option<Value> {
    let list = if let Some(m) = openinference(ctx, "llm.output_messages.", "output") {
        Value::Array(m)
    } else if let Some(v) = ctx.take("gen_ai.output.messages", "output") {
        from_gen_ai(&v)
    } else if let Some(m) = gen_ai_flat(ctx, "gen_ai.completion.", "output") {
        Value::Array(m)
    } else {
        return None;
    };
    Some(match list {
        Value::Array(mut m) if m.len() == 1 => m.remove(0),
        other => other,
    })
}

/// `input.value` / `output.value`: JSON text is parsed when the mime type says JSON.
fn with_mime(ctx: &mut Ctx, key: &str, mime_key: &str, to: &str) -> Option<Value> {
    let v = ctx.take(key, to)?;
    let is_json = ctx
        .get(mime_key)
        .and_then(Value::as_str)
        .is_some_and(|m| m.contains("json"));
    if ctx.has(mime_key) {
        ctx.mark(mime_key, to);
    }
    Some(if is_json { json_or_raw(&v) } else { v })
}

/// Vercel `ai.prompt` (`{system, prompt, messages}`) as messages where it can be.
fn vercel_prompt(v: &Value) -> Value {
    let parsed = json_or_raw(v);
    let Value::Object(o) = &parsed else {
        return parsed;
    };
    let mut messages = Vec::new();
    if let Some(sys) = o.get("system").filter(|s| !s.is_null()) {
        messages.push(json!({"role": "system", "content": sys}));
    }
    match (o.get("messages"), o.get("prompt")) {
        (Some(Value::Array(m)), _) => messages.extend(m.iter().cloned()),
        (_, Some(p)) if !p.is_null() => messages.push(json!({"role": "user", "content": p})),
        _ => return parsed,
    }
    Value::Array(messages)
}

/// Vercel `ai.response.text` or `.object`, with `.toolCalls`; a Message on llm spans.
fn vercel_response(ctx: &mut Ctx, ty: RecordType) -> Option<Value> {
    let body = ctx
        .take_first(
            &[
                "ai.response.text",
                "ai.response.object",
                "ai.result.text",
                "ai.result.object",
            ],
            "output",
        )
        .map(|(k, v)| {
            if k.ends_with("text") {
                v
            } else {
                json_or_raw(&v)
            }
        });
    let calls = ctx
        .take_first(&["ai.response.toolCalls", "ai.result.toolCalls"], "output")
        .map(|(_, v)| vercel_tool_calls(&v));
    if body.is_none() && calls.is_none() {
        return None;
    }
    if ty != RecordType::Llm && calls.is_none() {
        return body;
    }
    let mut msg = Map::new();
    msg.insert("role".into(), "assistant".into());
    msg.insert(
        "content".into(),
        body.map(|b| text_or_json(&b)).unwrap_or_else(|| "".into()),
    );
    if let Some(c) = calls {
        msg.insert("tool_calls".into(), c);
    }
    Some(Value::Object(msg))
}

/// OpenInference `retrieval.documents.N.document.*` as Galileo Documents.
fn documents(ctx: &mut Ctx) -> Option<Value> {
    let mut docs: BTreeMap<usize, Map<String, Value>> = BTreeMap::new();
    for (key, value) in ctx.attrs.with_prefix("retrieval.documents.") {
        let rest = &key["retrieval.documents.".len()..];
        let Some((n, field)) = rest.split_once('.') else {
            continue;
        };
        let Some(n) = n.parse::<usize>().ok().filter(|n| *n <= MAX_INDEX) else {
            continue;
        };
        let doc = docs.entry(n).or_default();
        match field {
            "document.content" => {
                doc.insert("content".into(), value);
            }
            "document.id" | "document.score" => {
                let name = &field["document.".len()..];
                doc.entry("metadata").or_insert_with(|| json!({}))[name] = value;
            }
            "document.metadata" => {
                let meta = doc.entry("metadata").or_insert_with(|| json!({}));
                // Metadata that is not a JSON object (repr text) is kept whole, not dropped.
                match (meta, json_or_raw(&value)) {
                    (Value::Object(m), Value::Object(extra)) => m.extend(extra),
                    (Value::Object(m), other) => {
                        m.insert("metadata".into(), other);
                    }
                    _ => {}
                }
            }
            _ => continue,
        }
        ctx.mark(&key, "output");
    }
    if docs.is_empty() {
        return None;
    }
    let list = docs
        .into_values()
        .map(|mut d| {
            d.entry("content").or_insert_with(|| "".into());
            d.entry("metadata").or_insert_with(|| json!({}));
            Value::Object(d)
        })
        .collect();
    Some(Value::Array(list))
}

/// `prefix.N.field` texts (OpenInference completions API) as a list, or one text.
fn indexed_texts(ctx: &mut Ctx, prefix: &str, field: &str, to: &str) -> Option<Value> {
    let mut texts: BTreeMap<usize, Value> = BTreeMap::new();
    for (key, value) in ctx.attrs.with_prefix(prefix) {
        let rest = &key[prefix.len()..];
        let Some((n, f)) = rest.split_once('.') else {
            continue;
        };
        match n.parse::<usize>() {
            Ok(n) if n <= MAX_INDEX && f == field => {
                texts.insert(n, value);
                ctx.mark(&key, to);
            }
            _ => {}
        }
    }
    let mut list: Vec<Value> = texts.into_values().collect();
    match list.len() {
        0 => None,
        1 => list.pop(),
        _ => Some(Value::Array(list)),
    }
}

/// Shapes an input as the Galileo SDK would for the type (PROTOCOL.md §4.3).
pub(crate) fn shape_input(v: Value, ty: RecordType) -> Value {
    if v.is_null() {
        return v;
    }
    match ty {
        RecordType::Llm => match v {
            Value::Array(items) if items.iter().all(is_message) => Value::Array(items),
            Value::String(s) => json!([{"role": "user", "content": s}]),
            m if is_message(&m) => json!([m]),
            other => json!([{"role": "user", "content": other.to_string()}]),
        },
        RecordType::Tool | RecordType::Retriever => text_or_json(&single_message_content(v)),
        _ => v,
    }
}

/// The content of a one-message list (`[{"role": "user", "content": "q"}]` → `"q"`), which is
/// how Galileo's exporter sends a retriever query; anything else as it is.
fn single_message_content(v: Value) -> Value {
    match &v {
        Value::Array(items) if items.len() == 1 && is_message(&items[0]) => {
            items[0].get("content").cloned().unwrap_or(v)
        }
        _ => v,
    }
}

/// Galileo's exporter sends retriever output as a Message whose content is
/// `{"documents": [...]}` JSON text; those documents are the output.
fn galileo_documents(v: &Value) -> Option<Vec<Value>> {
    let content = v.get("content")?.as_str()?;
    match serde_json::from_str::<Value>(content)
        .ok()?
        .get("documents")?
    {
        Value::Array(docs) => Some(docs.clone()),
        _ => None,
    }
}

/// Shapes an output as the Galileo SDK would for the type (PROTOCOL.md §4.3).
pub(crate) fn shape_output(v: Value, ty: RecordType) -> Value {
    if v.is_null() {
        return v;
    }
    match ty {
        RecordType::Llm => match v {
            m if is_message(&m) => m,
            Value::String(s) => json!({"role": "assistant", "content": s}),
            other => json!({"role": "assistant", "content": other.to_string()}),
        },
        RecordType::Tool => text_or_json(&v),
        RecordType::Retriever => match v {
            m if galileo_documents(&m).is_some() => {
                let docs = galileo_documents(&m).unwrap_or_default();
                shape_output(Value::Array(docs), RecordType::Retriever)
            }
            Value::Array(items) => Value::Array(items.iter().map(document).collect()),
            other => json!([document(&other)]),
        },
        _ => v,
    }
}

fn is_message(v: &Value) -> bool {
    v.get("role").is_some_and(Value::is_string)
}

fn document(v: &Value) -> Value {
    match v {
        d if d.get("content").is_some() => d.clone(),
        Value::String(s) => json!({"content": s, "metadata": {}}),
        other => json!({"content": other.to_string(), "metadata": {}}),
    }
}
