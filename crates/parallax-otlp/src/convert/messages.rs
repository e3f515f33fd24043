//! Chat messages spread over flattened attributes or sent as GenAI JSON, as Galileo Messages.
//!
//! A Galileo Message is `{"role", "content", "tool_call_id"?, "tool_calls"?: [{"id",
//! "function": {"name", "arguments"}}]}` with content a string or a list of content blocks
//! (PROTOCOL.md §4.3). Flattened keys such as `llm.input_messages.0.message.role` mix list
//! indices with names that themselves contain dots, so they are parsed against the known suffixes
//! of each convention (otel-conventions.md §4.4), with numeric segments as indices. An index above
//! [`MAX_INDEX`] is not read (a key `…messages.999999999…` must not allocate anything) and stays
//! among the unmapped attributes, as does any suffix we do not know.

use super::ctx::Ctx;
use crate::attrs::json_or_raw;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The highest list index read from a flattened key.
pub(crate) const MAX_INDEX: usize = 10_000;

/// `prefix.N.rest` attributes grouped by N, each as (rest, full key, value).
fn indexed(ctx: &Ctx, prefix: &str) -> BTreeMap<usize, Vec<(String, String, Value)>> {
    let mut out: BTreeMap<usize, Vec<(String, String, Value)>> = BTreeMap::new();
    for (key, value) in ctx.attrs.with_prefix(prefix) {
        let rest = &key[prefix.len()..];
        let Some((n, tail)) = rest.split_once('.') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        if n > MAX_INDEX || value.is_null() {
            continue;
        }
        out.entry(n)
            .or_default()
            .push((tail.to_owned(), key.clone(), value));
    }
    out
}

/// One message built from its flattened fields; `field` maps a suffix to where it goes.
fn build(ctx: &mut Ctx, prefix: &str, to: &str, field: fn(&str) -> Option<Slot>) -> Vec<Value> {
    let mut messages = Vec::new();
    for (_, fields) in indexed(ctx, prefix) {
        let mut msg = Map::new();
        let mut blocks: BTreeMap<usize, Map<String, Value>> = BTreeMap::new();
        let mut calls: BTreeMap<usize, Map<String, Value>> = BTreeMap::new();
        for (tail, key, value) in fields {
            let Some(slot) = field(&tail) else { continue };
            match slot {
                Slot::Field(name) => {
                    msg.insert(name.into(), value);
                }
                Slot::Block(i, name) => set_path(blocks.entry(i).or_default(), name, value),
                Slot::Call(i, name) => set_path(calls.entry(i).or_default(), name, value),
            }
            ctx.mark(&key, to);
        }
        if !msg.contains_key("content") && !blocks.is_empty() {
            let content: Vec<Value> = blocks.into_values().map(content_block).collect();
            msg.insert("content".into(), Value::Array(content));
        }
        if !calls.is_empty() {
            msg.insert(
                "tool_calls".into(),
                calls.into_values().map(Value::Object).collect(),
            );
        }
        if !msg.is_empty() {
            messages.push(Value::Object(msg));
        }
    }
    messages
}

/// Where one flattened suffix goes in a message.
enum Slot {
    Field(&'static str),
    Block(usize, &'static str),
    Call(usize, &'static str),
}

/// Sets `a.b.c` in `obj` from a dotted name.
fn set_path(obj: &mut Map<String, Value>, dotted: &str, value: Value) {
    match dotted.split_once('.') {
        None => {
            obj.insert(dotted.to_owned(), value);
        }
        Some((head, tail)) => {
            let child = obj.entry(head.to_owned()).or_insert_with(|| json!({}));
            if let Value::Object(m) = child {
                set_path(m, tail, value);
            }
        }
    }
}

/// An OpenInference `message_content` as a Galileo content block.
fn content_block(part: Map<String, Value>) -> Value {
    match part.get("image").and_then(|i| i.get("url")) {
        Some(url) => json!({"type": "data", "modality": "image", "url": url}),
        None => json!({"type": "text", "text": part.get("text").cloned().unwrap_or(Value::Null)}),
    }
}

/// Splits `head.N.rest` into N and rest when `s` starts with `head.`.
fn nth<'s>(s: &'s str, head: &str) -> Option<(usize, &'s str)> {
    let rest = s.strip_prefix(head)?.strip_prefix('.')?;
    let (n, tail) = rest.split_once('.')?;
    let n = n.parse().ok().filter(|n| *n <= MAX_INDEX)?;
    Some((n, tail))
}

fn openinference_slot(tail: &str) -> Option<Slot> {
    Some(match tail {
        "message.role" => Slot::Field("role"),
        "message.content" => Slot::Field("content"),
        "message.name" => Slot::Field("name"),
        "message.tool_call_id" => Slot::Field("tool_call_id"),
        _ => {
            if let Some((i, t)) = nth(tail, "message.contents") {
                match t {
                    "message_content.type" => Slot::Block(i, "type"),
                    "message_content.text" => Slot::Block(i, "text"),
                    "message_content.image.image.url" => Slot::Block(i, "image.url"),
                    _ => return None,
                }
            } else if let Some((i, t)) = nth(tail, "message.tool_calls") {
                match t {
                    "tool_call.id" => Slot::Call(i, "id"),
                    "tool_call.function.name" => Slot::Call(i, "function.name"),
                    "tool_call.function.arguments" => Slot::Call(i, "function.arguments"),
                    _ => return None,
                }
            } else {
                return None;
            }
        }
    })
}

fn gen_ai_slot(tail: &str) -> Option<Slot> {
    Some(match tail {
        "role" => Slot::Field("role"),
        "content" => Slot::Field("content"),
        "tool_call_id" => Slot::Field("tool_call_id"),
        "finish_reason" => Slot::Field("finish_reason"),
        _ => {
            let (i, t) = nth(tail, "tool_calls")?;
            match t {
                "id" => Slot::Call(i, "id"),
                "name" => Slot::Call(i, "function.name"),
                "arguments" => Slot::Call(i, "function.arguments"),
                _ => return None,
            }
        }
    })
}

/// OpenInference `llm.input_messages.*` / `llm.output_messages.*`.
pub(crate) fn openinference(ctx: &mut Ctx, prefix: &str, to: &str) -> Option<Vec<Value>> {
    Some(build(ctx, prefix, to, openinference_slot)).filter(|m| !m.is_empty())
}

/// Legacy OpenLLMetry `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`.
pub(crate) fn gen_ai_flat(ctx: &mut Ctx, prefix: &str, to: &str) -> Option<Vec<Value>> {
    Some(build(ctx, prefix, to, gen_ai_slot)).filter(|m| !m.is_empty())
}

/// GenAI semconv messages (`gen_ai.input.messages` / `gen_ai.output.messages`, JSON text or a
/// structured value): `{role, parts: [{type: "text", content}, {type: "tool_call", id, name,
/// arguments}, {type: "tool_call_response", id, response}, …]}` to Galileo Messages. Parts of
/// other types are kept as content blocks as sent. Anything that is not a list of such objects
/// is returned as parsed, so nothing is lost.
pub(crate) fn from_gen_ai(v: &Value) -> Value {
    let parsed = json_or_raw(v);
    let Value::Array(items) = &parsed else {
        return parsed;
    };
    let mut out = Vec::new();
    for item in items {
        let Some(parts) = item.get("parts").and_then(Value::as_array) else {
            return parsed;
        };
        out.push(gen_ai_message(item, parts));
    }
    Value::Array(out)
}

fn gen_ai_message(item: &Value, parts: &[Value]) -> Value {
    let mut msg = Map::new();
    msg.insert(
        "role".into(),
        item.get("role").cloned().unwrap_or(Value::Null),
    );
    let mut texts = Vec::new();
    let mut blocks = Vec::new();
    let mut calls = Vec::new();
    for part in parts {
        match part.get("type").and_then(Value::as_str) {
            Some("text") => {
                let text = part.get("content").cloned().unwrap_or(Value::Null);
                texts.push(text.as_str().unwrap_or_default().to_owned());
                blocks.push(json!({"type": "text", "text": text}));
            }
            Some("tool_call") => {
                let args = part.get("arguments").cloned().unwrap_or(Value::Null);
                let args = if args.is_string() {
                    args
                } else {
                    Value::String(args.to_string())
                };
                calls.push(json!({"id": part.get("id"), "function": {"name": part.get("name"), "arguments": args}}));
            }
            Some("tool_call_response") => {
                msg.insert(
                    "tool_call_id".into(),
                    part.get("id").cloned().unwrap_or(Value::Null),
                );
                let response = part.get("response").cloned().unwrap_or(Value::Null);
                texts.push(
                    response
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| response.to_string()),
                );
                blocks.push(json!({"type": "text", "text": texts.last()}));
            }
            _ => blocks.push(part.clone()),
        }
    }
    let content = if blocks.len() == texts.len() {
        Value::String(texts.join("\n"))
    } else {
        Value::Array(blocks)
    };
    msg.insert("content".into(), content);
    if !calls.is_empty() {
        msg.insert("tool_calls".into(), Value::Array(calls));
    }
    if let Some(reason) = item.get("finish_reason") {
        msg.insert("finish_reason".into(), reason.clone());
    }
    Value::Object(msg)
}

/// `gen_ai.system_instructions` (parts or text) as one system Message.
pub(crate) fn system_instructions(v: &Value) -> Value {
    let parsed = json_or_raw(v);
    let content = match &parsed {
        Value::Array(parts) => {
            let texts: Option<Vec<&str>> = parts
                .iter()
                .map(|p| p.get("content").and_then(Value::as_str))
                .collect();
            texts
                .map(|t| Value::String(t.join("\n")))
                .unwrap_or(parsed.clone())
        }
        other => other.clone(),
    };
    json!({"role": "system", "content": content})
}

/// Vercel `ai.response.toolCalls` (`[{toolCallId, toolName, args|input}]`) as Galileo tool calls.
pub(crate) fn vercel_tool_calls(v: &Value) -> Value {
    match json_or_raw(v) {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|c| {
                    let args = c.get("args").or_else(|| c.get("input")).cloned().unwrap_or(Value::Null);
                    let args = if args.is_string() { args } else { Value::String(args.to_string()) };
                    json!({"id": c.get("toolCallId"), "function": {"name": c.get("toolName"), "arguments": args}})
                })
                .collect(),
        ),
        other => other,
    }
}
