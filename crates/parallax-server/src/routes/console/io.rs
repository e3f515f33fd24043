//! Inputs and outputs rendered by what they are: chat messages with their roles and tool calls,
//! retrieved documents, plain text, or anything else as indented JSON.
//!
//! The shapes are the Galileo SDK's (PROTOCOL.md §4): an LLM span's input is a list of messages
//! `{role, content, tool_calls, tool_call_id}` and its output one message; a retriever's output
//! is a list of documents `{content, metadata}`; tool and workflow spans carry strings, which
//! are often JSON text and are shown indented when they are.

use super::format::content_text;
use maud::{html, Markup};
use serde_json::Value;

/// Whether `v` looks like one chat message.
fn is_message(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.get("role").is_some_and(Value::is_string))
}

/// Whether `v` looks like one retrieved document.
fn is_document(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        !m.contains_key("role") && (m.contains_key("content") || m.contains_key("page_content"))
    })
}

pub fn render(v: &Value) -> Markup {
    match v {
        Value::Null => html! { p.dim { "—" } },
        Value::String(s) => text_or_json(s),
        Value::Array(items) if !items.is_empty() && items.iter().all(is_message) => html! {
            div.messages { @for m in items { (message(m)) } }
        },
        Value::Array(items) if !items.is_empty() && items.iter().all(is_document) => html! {
            ol.documents { @for (i, d) in items.iter().enumerate() { (document(i, d)) } }
        },
        v if is_message(v) => html! { div.messages { (message(v)) } },
        other => json_block(other),
    }
}

/// A string shown as text, or indented when it is a JSON object or array (tool arguments).
fn text_or_json(s: &str) -> Markup {
    let t = s.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str::<Value>(s) {
            return json_block(&v);
        }
    }
    html! { pre.text { (s) } }
}

pub fn json_block(v: &Value) -> Markup {
    html! { pre.json { (serde_json::to_string_pretty(v).unwrap_or_default()) } }
}

fn role_class(role: &str) -> &'static str {
    match role {
        "system" => "msg role-system",
        "user" | "human" => "msg role-user",
        "assistant" | "ai" => "msg role-assistant",
        "tool" | "function" => "msg role-tool",
        _ => "msg role-other",
    }
}

fn message(m: &Value) -> Markup {
    let role = m.get("role").and_then(Value::as_str).unwrap_or("message");
    let content = m.get("content").map(content_text).unwrap_or_default();
    let calls = m
        .get("tool_calls")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty());
    html! {
        div class=(role_class(role)) {
            div.role {
                (role)
                @if let Some(id) = m.get("tool_call_id").and_then(Value::as_str) { " " span.dim.mono { "(" (id) ")" } }
            }
            @if !content.is_empty() { (text_or_json(&content)) }
            @if let Some(calls) = calls {
                @for c in calls { (tool_call(c)) }
            }
        }
    }
}

fn tool_call(c: &Value) -> Markup {
    let name = c
        .pointer("/function/name")
        .or_else(|| c.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("tool");
    let args = c
        .pointer("/function/arguments")
        .or_else(|| c.get("arguments"));
    html! {
        div.toolcall {
            span.badge.type.type-tool { "tool call" } " " code { (name) }
            @if let Some(id) = c.get("id").and_then(Value::as_str) { " " span.dim.mono { (id) } }
            @match args {
                Some(Value::String(s)) => (text_or_json(s)),
                Some(v) => (json_block(v)),
                None => {},
            }
        }
    }
}

fn document(i: usize, d: &Value) -> Markup {
    let content = d
        .get("content")
        .or_else(|| d.get("page_content"))
        .map(content_text)
        .unwrap_or_default();
    html! {
        li.document {
            div.doc-head { "Document " (i + 1) }
            pre.text { (content) }
            @if let Some(meta) = d.get("metadata").and_then(Value::as_object).filter(|m| !m.is_empty()) {
                dl.kv {
                    @for (k, v) in meta {
                        dt { (k) }
                        dd { (v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chat_messages_show_roles_and_tool_calls() {
        let html = render(&json!([
            {"role": "system", "content": "be brief"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "function": {"name": "search", "arguments": "{\"q\":\"newton\"}"}}]}
        ]))
        .into_string();
        assert!(html.contains("msg role-system"));
        assert!(html.contains("be brief"));
        assert!(html.contains("<code>search</code>"));
        assert!(
            html.contains("&quot;q&quot;: &quot;newton&quot;")
                || html.contains("\"q\": \"newton\""),
            "{html}"
        );
    }

    #[test]
    fn documents_and_text() {
        let html =
            render(&json!([{"content": "doc one", "metadata": {"source": "wiki"}}])).into_string();
        assert!(html.contains("Document 1") && html.contains("wiki"));
        let html = render(&json!("<script>alert(1)</script>")).into_string();
        assert_eq!(
            html,
            "<pre class=\"text\">&lt;script&gt;alert(1)&lt;/script&gt;</pre>"
        );
    }
}
