//! The state of converting one span: its attributes, its resource's attributes, and the mapping
//! report that says which attribute went where.
//!
//! Every reader that maps an attribute goes through [`Ctx::mark`], so the report
//! (`extra.otel.mapping`) and the set of unmapped attributes (`extra.otel.attributes`) cannot
//! disagree. Resource attributes are only read for the annotation conventions (tags, metadata,
//! session, user), since `galileo.*` and `langfuse.trace.metadata.*` may be sent there; they are
//! reported once, in full, under `extra.otel.resource`.

use crate::attrs::AttrSet;
use serde_json::{json, Map, Value};

/// Attributes that describe the whole trace but travel on span attributes (scope "T" in
/// otel-conventions.md §2). On a non-root span they apply to that span, and the report says so.
const TRACE_LEVEL_PREFIXES: &[&str] = &[
    "langfuse.trace.",
    "langfuse.tags",
    "langfuse.metadata",
    "langfuse.session.id",
    "langfuse.user.id",
    "session.id",
    "user.id",
    "gen_ai.conversation.id",
    "ai.telemetry.metadata.",
    "traceloop.association.properties.",
    "lmnr.association.properties.metadata.",
    "lmnr.association.properties.session_id",
    "lmnr.association.properties.user_id",
    "mlflow.traceTag.",
    "mlflow.trace.tag.",
    "galileo.session.id",
];

pub(crate) const NOTE_NON_ROOT: &str =
    "trace-level attribute on a non-root span; applied to this span";

pub(crate) struct Ctx<'a> {
    /// `resourceSpans[i].scopeSpans[j].spans[k]`.
    pub(crate) path: String,
    pub(crate) attrs: AttrSet,
    pub(crate) resource: &'a AttrSet,
    pub(crate) mapping: Vec<Value>,
    pub(crate) is_root: bool,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        path: String,
        attrs: AttrSet,
        resource: &'a AttrSet,
        is_root: bool,
    ) -> Ctx<'a> {
        Ctx {
            path,
            attrs,
            resource,
            mapping: Vec::new(),
            is_root,
        }
    }

    /// A span attribute; an empty value counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.attrs.get(key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.attrs.get(key).is_some()
    }

    /// Marks span attribute `key` as mapped to the record field `to`, with a note when a
    /// trace-level annotation lands on a non-root span.
    pub(crate) fn mark(&mut self, key: &str, to: &str) {
        let annotation = to == "tags" || to == "session" || to.starts_with("metadata");
        let note = (!self.is_root && annotation && is_trace_level(key)).then_some(NOTE_NON_ROOT);
        self.entry(key, to, None, note, None);
    }

    /// Marks span attribute `key` as mapped, with an explanatory note and, where the value would
    /// otherwise be lost (a conflicting duplicate), the value itself.
    pub(crate) fn mark_note(&mut self, key: &str, to: &str, note: &str, value: Option<Value>) {
        self.entry(key, to, None, Some(note), value);
    }

    /// Records that resource attribute `key` was mapped to `to` for this span.
    pub(crate) fn mark_resource(
        &mut self,
        key: &str,
        to: &str,
        note: Option<&str>,
        value: Option<Value>,
    ) {
        self.entry(key, to, Some("resource"), note, value);
    }

    fn entry(
        &mut self,
        key: &str,
        to: &str,
        from: Option<&str>,
        note: Option<&str>,
        value: Option<Value>,
    ) {
        if from.is_none() {
            self.attrs.consume(key);
        }
        let mut e = Map::new();
        e.insert("attribute".into(), key.into());
        if let Some(from) = from {
            e.insert("from".into(), from.into());
        }
        e.insert("to".into(), to.into());
        if let Some(note) = note {
            e.insert("note".into(), note.into());
        }
        if let Some(value) = value {
            e.insert("value".into(), value);
        }
        self.mapping.push(Value::Object(e));
    }

    /// Takes the value of span attribute `key`, marking it as mapped to `to`.
    pub(crate) fn take(&mut self, key: &str, to: &str) -> Option<Value> {
        let v = self.attrs.get(key)?.clone();
        self.mark(key, to);
        Some(v)
    }

    /// Takes the first present of `keys`, marking it as mapped to `to`.
    pub(crate) fn take_first(&mut self, keys: &[&str], to: &str) -> Option<(String, Value)> {
        let key = keys.iter().find(|k| self.has(k))?;
        let v = self.take(key, to)?;
        Some(((*key).to_owned(), v))
    }

    /// Records the type decision, keeping the original value, which the type alone would lose.
    pub(crate) fn mark_type(&mut self, key: &str, value: &Value) {
        self.attrs.consume(key);
        self.mapping
            .push(json!({"attribute": key, "to": "type", "value": value}));
    }
}

fn is_trace_level(key: &str) -> bool {
    TRACE_LEVEL_PREFIXES.iter().any(|p| key.starts_with(p))
}
