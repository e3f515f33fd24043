//! Records: traces and spans, flattened out of their tree.
//!
//! A trace is the root record of a tree and has `trace_id == id`. Parentage is by id only, so a
//! span may be stored before its parent arrives (distributed mode) and is linked when it does.

use crate::{Metadata, Tag, Timestamp};
use uuid::Uuid;

/// What a record is: the trace at the root, or one of the span types of PROTOCOL.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    Trace,
    Llm,
    Retriever,
    Tool,
    Workflow,
    Agent,
    Control,
}

impl RecordType {
    pub const ALL: [RecordType; 7] = [
        RecordType::Trace,
        RecordType::Llm,
        RecordType::Retriever,
        RecordType::Tool,
        RecordType::Workflow,
        RecordType::Agent,
        RecordType::Control,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Trace => "trace",
            RecordType::Llm => "llm",
            RecordType::Retriever => "retriever",
            RecordType::Tool => "tool",
            RecordType::Workflow => "workflow",
            RecordType::Agent => "agent",
            RecordType::Control => "control",
        }
    }

    pub fn parse(raw: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// A small stable code for storage.
    pub fn code(self) -> i64 {
        RecordType::ALL.iter().position(|t| *t == self).unwrap_or(0) as i64
    }

    pub fn from_code(code: i64) -> RecordType {
        RecordType::ALL
            .get(code as usize)
            .copied()
            .unwrap_or(RecordType::Trace)
    }

    pub fn is_trace(self) -> bool {
        self == RecordType::Trace
    }
}

/// Token counts of an LLM call (or sums over a trace), each absent when not logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tokens {
    pub input: Option<i64>,
    pub output: Option<i64>,
    pub total: Option<i64>,
}

/// One validated trace or span, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: Uuid,
    pub record_type: RecordType,
    /// The root trace's id; equal to `id` for a trace.
    pub trace_id: Uuid,
    /// The enclosing trace or span; `None` only for a trace.
    pub parent_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub name: String,
    pub created_at: Timestamp,
    pub duration_ns: Option<i64>,
    pub status_code: Option<i64>,
    pub model: Option<String>,
    pub tokens: Tokens,
    pub input: serde_json::Value,
    pub output: serde_json::Value,
    pub tags: Vec<Tag>,
    pub metadata: Metadata,
    pub external_id: Option<String>,
    pub is_complete: bool,
    /// Every other field the client sent (metrics, dataset fields, redacted input and output,
    /// tools, events, …), kept as sent so nothing is lost.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Record {
    /// A record with only the required fields; protocol adapters fill the rest.
    pub fn new(id: Uuid, record_type: RecordType, trace_id: Uuid, created_at: Timestamp) -> Record {
        Record {
            id,
            record_type,
            trace_id,
            parent_id: None,
            session_id: None,
            name: String::new(),
            created_at,
            duration_ns: None,
            status_code: None,
            model: None,
            tokens: Tokens::default(),
            input: serde_json::Value::Null,
            output: serde_json::Value::Null,
            tags: Vec::new(),
            metadata: Metadata::new(),
            external_id: None,
            is_complete: true,
            extra: serde_json::Map::new(),
        }
    }

    /// Whether the record counts as failed: a status code of 400 or more.
    pub fn is_error(&self) -> bool {
        self.status_code.is_some_and(|c| c >= 400)
    }
}
