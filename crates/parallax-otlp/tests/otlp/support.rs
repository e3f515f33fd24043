//! Builders for OTLP/JSON requests from plain JSON attributes, and lookups into the result.
//!
//! Tests go through `decode` (JSON) and then `convert`, so every convention test also exercises
//! the JSON decoder the way a JS exporter's body would.

use parallax_model::{Limits, Record, RecordType};
use parallax_otlp::{convert, decode, Converted};
use serde_json::{json, Map, Value};

pub const TRACE: &str = "5b8efff798038103d269b633813fc60c";
pub const ROOT: &str = "eee19b7ec3c1b174";
pub const CHILD: &str = "eee19b7ec3c1b175";
pub const GRANDCHILD: &str = "eee19b7ec3c1b176";

/// Plain JSON to an OTLP AnyValue: whole numbers become `intValue` (as a string, as the spec
/// writes int64), other numbers `doubleValue`, objects `kvlistValue`.
pub fn any(v: &Value) -> Value {
    match v {
        Value::Null => json!({}),
        Value::Bool(b) => json!({"boolValue": b}),
        Value::Number(n) if n.is_i64() => json!({"intValue": n.to_string()}),
        Value::Number(n) => json!({"doubleValue": n}),
        Value::String(s) => json!({"stringValue": s}),
        Value::Array(items) => {
            json!({"arrayValue": {"values": items.iter().map(any).collect::<Vec<_>>()}})
        }
        Value::Object(o) => json!({"kvlistValue": {"values": kvs(o)}}),
    }
}

/// A plain JSON object to an OTLP key/value list.
pub fn kvs(o: &Map<String, Value>) -> Vec<Value> {
    o.iter()
        .map(|(k, v)| json!({"key": k, "value": any(v)}))
        .collect()
}

/// One span in OTLP/JSON. Times are 1 s apart from a fixed start.
pub fn span(name: &str, span_id: &str, parent: Option<&str>, attrs: Value) -> Value {
    json!({
        "traceId": TRACE,
        "spanId": span_id,
        "parentSpanId": parent.unwrap_or(""),
        "name": name,
        "kind": 1,
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": "1767225601500000000",
        "attributes": kvs(attrs.as_object().expect("attributes as an object")),
    })
}

/// A request with one resource and one scope.
pub fn request(resource: Value, scope: &str, spans: Vec<Value>) -> Value {
    json!({"resourceSpans": [{
        "resource": {"attributes": kvs(resource.as_object().expect("resource as an object"))},
        "scopeSpans": [{"scope": {"name": scope, "version": "1.0"}, "spans": spans}]
    }]})
}

pub fn run(req: &Value) -> Converted {
    run_with(req, &Limits::default())
}

pub fn run_with(req: &Value, limits: &Limits) -> Converted {
    let body = serde_json::to_vec(req).unwrap();
    let decoded = decode(&body, "application/json", None, 1 << 20).expect("decodes");
    convert(&decoded, limits)
}

/// The record of span `span_id` (not the trace record).
pub fn by_span<'c>(c: &'c Converted, span_id: &str) -> &'c Record {
    c.records
        .iter()
        .find(|r| r.extra.get("otel").and_then(|o| o.get("span_id")) == Some(&json!(span_id)))
        .unwrap_or_else(|| {
            panic!(
                "no record for span {span_id}: {:#?}",
                c.records.iter().map(|r| &r.name).collect::<Vec<_>>()
            )
        })
}

pub fn trace_record(c: &Converted) -> &Record {
    c.records
        .iter()
        .find(|r| r.record_type == RecordType::Trace)
        .expect("a trace record")
}

pub fn tags(r: &Record) -> Vec<&str> {
    r.tags.iter().map(|t| t.as_str()).collect()
}

pub fn meta(r: &Record) -> Value {
    r.metadata.to_json()
}

/// The mapping report entries as (attribute, to).
pub fn mapping(r: &Record) -> Vec<(String, String)> {
    r.extra["otel"]["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["attribute"].as_str().unwrap().to_owned(),
                e["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn has_mapping(r: &Record, attribute: &str, to: &str) -> bool {
    mapping(r).iter().any(|(a, t)| a == attribute && t == to)
}

pub fn unmapped(r: &Record) -> &Map<String, Value> {
    r.extra["otel"]["attributes"].as_object().unwrap()
}
