//! The values a step carries (messages, documents) and the exact JSON the Galileo SDK sends for
//! each step type (PROTOCOL.md §4, captures/10 and 11): every field present, nulls included, in
//! the SDK's order, so a server that reads the SDK's batches reads ours the same way.

use parallax_model::{Metadata, Tag, Timestamp};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Who speaks in a [`Message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRole {
    Agent,
    Assistant,
    Developer,
    Function,
    System,
    Tool,
    User,
}

impl MessageRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::Agent => "agent",
            MessageRole::Assistant => "assistant",
            MessageRole::Developer => "developer",
            MessageRole::Function => "function",
            MessageRole::System => "system",
            MessageRole::Tool => "tool",
            MessageRole::User => "user",
        }
    }
}

/// A tool call requested by the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them (usually JSON text).
    pub arguments: String,
}

/// One chat message of an LLM span's input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: MessageRole,
    pub content: String,
    pub tool_call_id: Option<String>,
    pub tool_calls: Option<Vec<ToolCall>>,
}

impl Message {
    pub fn new(role: MessageRole, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            tool_call_id: None,
            tool_calls: None,
        }
    }
    pub fn system(content: impl Into<String>) -> Message {
        Message::new(MessageRole::System, content)
    }
    pub fn user(content: impl Into<String>) -> Message {
        Message::new(MessageRole::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Message {
        Message::new(MessageRole::Assistant, content)
    }
    pub fn tool(content: impl Into<String>, tool_call_id: impl Into<String>) -> Message {
        Message {
            tool_call_id: Some(tool_call_id.into()),
            ..Message::new(MessageRole::Tool, content)
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let calls = self.tool_calls.as_ref().map(|calls| {
            calls
                .iter()
                .map(
                    |c| json!({"id": c.id, "function": {"name": c.name, "arguments": c.arguments}}),
                )
                .collect::<Vec<_>>()
        });
        json!({"content": self.content, "role": self.role.as_str(), "tool_call_id": self.tool_call_id, "tool_calls": calls})
    }
}

/// A retrieved document: its text and metadata of any JSON scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub content: String,
    pub metadata: Map<String, Value>,
}

impl Document {
    pub fn new(content: impl Into<String>) -> Document {
        Document {
            content: content.into(),
            metadata: Map::new(),
        }
    }

    /// Adds one metadata entry (a string, number or boolean).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Document {
        self.metadata.insert(key.into(), value.into());
        self
    }

    fn to_json(&self) -> Value {
        json!({"content": self.content, "metadata": self.metadata})
    }
}

/// An LLM span's input: always a list of messages on the wire; a plain string becomes one
/// user message, as the SDK does.
#[derive(Debug, Clone)]
pub struct LlmInput(pub(crate) Vec<Message>);

impl From<&str> for LlmInput {
    fn from(s: &str) -> LlmInput {
        LlmInput(vec![Message::user(s)])
    }
}
impl From<String> for LlmInput {
    fn from(s: String) -> LlmInput {
        LlmInput(vec![Message::user(s)])
    }
}
impl From<Message> for LlmInput {
    fn from(m: Message) -> LlmInput {
        LlmInput(vec![m])
    }
}
impl From<Vec<Message>> for LlmInput {
    fn from(ms: Vec<Message>) -> LlmInput {
        LlmInput(ms)
    }
}
impl<const N: usize> From<[Message; N]> for LlmInput {
    fn from(ms: [Message; N]) -> LlmInput {
        LlmInput(ms.into())
    }
}

/// An LLM span's output: one message; a plain string becomes an assistant message.
#[derive(Debug, Clone)]
pub struct LlmOutput(pub(crate) Message);

impl From<&str> for LlmOutput {
    fn from(s: &str) -> LlmOutput {
        LlmOutput(Message::assistant(s))
    }
}
impl From<String> for LlmOutput {
    fn from(s: String) -> LlmOutput {
        LlmOutput(Message::assistant(s))
    }
}
impl From<Message> for LlmOutput {
    fn from(m: Message) -> LlmOutput {
        LlmOutput(m)
    }
}

/// A retriever span's output: documents; plain strings become one document each.
#[derive(Debug, Clone)]
pub struct Documents(pub(crate) Vec<Document>);

impl From<Vec<Document>> for Documents {
    fn from(d: Vec<Document>) -> Documents {
        Documents(d)
    }
}
impl From<Vec<String>> for Documents {
    fn from(d: Vec<String>) -> Documents {
        Documents(d.into_iter().map(Document::new).collect())
    }
}
impl From<Vec<&str>> for Documents {
    fn from(d: Vec<&str>) -> Documents {
        Documents(d.into_iter().map(Document::new).collect())
    }
}
impl<const N: usize> From<[&str; N]> for Documents {
    fn from(d: [&str; N]) -> Documents {
        Documents(d.into_iter().map(Document::new).collect())
    }
}

/// The fields every step has, after validation.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub tags: Vec<Tag>,
    pub metadata: Metadata,
    pub status_code: Option<i64>,
    pub duration_ns: Option<i64>,
}

/// What differs between step types, as JSON.
/// Public only so the sealed `Kind` trait can name it; not reachable from outside the crate.
pub struct Shape {
    pub type_name: &'static str,
    pub input: Value,
    pub output: Value,
    /// Retriever spans send `[{"content":"","metadata":{}}]` here when nothing is given.
    pub redacted_output: Value,
    /// Extra `metrics` keys (the LLM token counts).
    pub metrics: Map<String, Value>,
    /// Fields after `parent_id`: `spans`, `tool_call_id`, `agent_type`, the LLM fields.
    pub tail: Map<String, Value>,
}

/// The step object in the SDK's field order. `trace_id`, `parent_id` and `session_id` stay
/// null: in a batch the nesting says where a step belongs (PROTOCOL.md §4.1).
pub(crate) fn step_json(c: &Common, shape: Shape) -> Map<String, Value> {
    let mut metrics = Map::new();
    metrics.insert("duration_ns".into(), c.duration_ns.into());
    metrics.extend(shape.metrics);
    let tags: Vec<Value> = c.tags.iter().map(|t| Value::from(t.as_str())).collect();
    let mut o = Map::new();
    o.insert("type".into(), shape.type_name.into());
    o.insert("input".into(), shape.input);
    o.insert("redacted_input".into(), Value::Null);
    o.insert("output".into(), shape.output);
    o.insert("redacted_output".into(), shape.redacted_output);
    o.insert("name".into(), c.name.clone().into());
    o.insert("created_at".into(), c.created_at.to_rfc3339().into());
    o.insert("user_metadata".into(), c.metadata.to_json());
    o.insert("tags".into(), Value::Array(tags));
    o.insert("status_code".into(), c.status_code.into());
    o.insert("metrics".into(), Value::Object(metrics));
    o.insert("external_id".into(), Value::Null);
    o.insert("dataset_input".into(), Value::Null);
    o.insert("dataset_output".into(), Value::Null);
    o.insert("dataset_metadata".into(), json!({}));
    o.insert("id".into(), c.id.to_string().into());
    o.insert("session_id".into(), Value::Null);
    o.insert("trace_id".into(), Value::Null);
    o.insert("step_number".into(), Value::Null);
    o.insert("parent_id".into(), Value::Null);
    o.extend(shape.tail);
    o
}

pub(crate) fn llm_io(input: &LlmInput, output: &LlmOutput) -> (Value, Value) {
    (
        Value::Array(input.0.iter().map(Message::to_json).collect()),
        output.0.to_json(),
    )
}

pub(crate) fn documents_json(docs: &Documents) -> Value {
    Value::Array(docs.0.iter().map(Document::to_json).collect())
}

/// The LLM metric keys the SDK always sends, null when unknown (PROTOCOL.md §4.5).
pub(crate) fn llm_metrics(
    input: Option<i64>,
    output: Option<i64>,
    total: Option<i64>,
    ttft_ns: Option<i64>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("num_input_tokens".into(), input.into());
    m.insert("num_output_tokens".into(), output.into());
    m.insert("num_total_tokens".into(), total.into());
    m.insert("time_to_first_token_ns".into(), ttft_ns.into());
    for k in [
        "num_image_input_tokens",
        "num_audio_input_tokens",
        "num_audio_output_tokens",
        "num_image_output_tokens",
    ] {
        m.insert(k.into(), Value::Null);
    }
    m
}

/// The trailing LLM fields in the SDK's order.
pub(crate) fn llm_tail(model: Option<&str>, temperature: Option<f64>) -> Map<String, Value> {
    let mut t = Map::new();
    t.insert("tools".into(), Value::Null);
    t.insert("events".into(), Value::Null);
    t.insert("model".into(), model.into());
    // NaN and infinities are not JSON; the SDK sends null for them too.
    t.insert(
        "temperature".into(),
        temperature.filter(|f| f.is_finite()).into(),
    );
    t.insert("finish_reason".into(), Value::Null);
    t
}

/// A parent concluded without an output takes its last child's output; a message becomes its
/// JSON text, as the SDK writes it (`{"content": "y", "role": "assistant"}`).
pub(crate) fn output_from_last_child(children: &[Value]) -> Value {
    match children.last().map(|c| &c["output"]) {
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(Value::Object(m)) => {
            let kept: Vec<String> = m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), v))
                .collect();
            Value::String(format!("{{{}}}", kept.join(", ")))
        }
        Some(Value::Null) | None => Value::Null,
        Some(other) => Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builders::{kind, kind_shape};

    fn common() -> Common {
        Common {
            id: Uuid::new_v4(),
            name: String::new(),
            created_at: Timestamp::now(),
            tags: Vec::new(),
            metadata: Metadata::new(),
            status_code: None,
            duration_ns: None,
        }
    }

    fn keys(m: &Map<String, Value>) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    /// The field lists of captures/10 and 11 (the SDK's batch of the seed snippet and of every
    /// span type), in the SDK's order.
    #[test]
    fn steps_have_the_sdks_fields_in_its_order() {
        const BASE: [&str; 20] = [
            "type",
            "input",
            "redacted_input",
            "output",
            "redacted_output",
            "name",
            "created_at",
            "user_metadata",
            "tags",
            "status_code",
            "metrics",
            "external_id",
            "dataset_input",
            "dataset_output",
            "dataset_metadata",
            "id",
            "session_id",
            "trace_id",
            "step_number",
            "parent_id",
        ];
        let with = |extra: &[&'static str]| -> Vec<&'static str> {
            BASE.iter().chain(extra).copied().collect()
        };
        let trace = step_json(&common(), kind_shape(kind::Trace { input: "q".into() }));
        assert_eq!(keys(&trace), with(&["spans"]));
        let llm = kind::Llm {
            input: "x".into(),
            output: "y".into(),
            model: Some("gpt-4o".into()),
            tokens: [None; 3],
            temperature: None,
            ttft_ns: None,
        };
        let llm = step_json(&common(), kind_shape(llm));
        assert_eq!(
            keys(&llm),
            with(&["tools", "events", "model", "temperature", "finish_reason"])
        );
        assert_eq!(
            keys(llm["metrics"].as_object().unwrap()),
            [
                "duration_ns",
                "num_input_tokens",
                "num_output_tokens",
                "num_total_tokens",
                "time_to_first_token_ns",
                "num_image_input_tokens",
                "num_audio_input_tokens",
                "num_audio_output_tokens",
                "num_image_output_tokens",
            ]
        );
        assert_eq!(
            llm["input"],
            json!([{"content": "x", "role": "user", "tool_call_id": null, "tool_calls": null}])
        );
        let tool = step_json(
            &common(),
            kind_shape(kind::Tool {
                input: "i".into(),
                output: None,
                tool_call_id: None,
            }),
        );
        assert_eq!(keys(&tool), with(&["spans", "tool_call_id"]));
        let agent = step_json(
            &common(),
            kind_shape(kind::Agent {
                input: "i".into(),
                agent_type: Default::default(),
            }),
        );
        assert_eq!(keys(&agent), with(&["spans", "agent_type"]));
        assert_eq!(agent["agent_type"], "default");
        let retriever = step_json(
            &common(),
            kind_shape(kind::Retriever {
                input: "q".into(),
                output: vec!["doc"].into(),
            }),
        );
        assert_eq!(
            retriever["redacted_output"],
            json!([{"content": "", "metadata": {}}])
        );
        assert_eq!(
            retriever["output"],
            json!([{"content": "doc", "metadata": {}}])
        );
    }

    #[test]
    fn message_output_becomes_the_sdks_json_text() {
        let child = json!({"output": Message::assistant("y").to_json()});
        assert_eq!(
            output_from_last_child(&[child]),
            json!("{\"content\": \"y\", \"role\": \"assistant\"}")
        );
    }
}
