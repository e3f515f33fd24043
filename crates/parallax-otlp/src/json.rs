//! OTLP/JSON to the protobuf structs, written by hand so every error names its field.
//!
//! OTLP/JSON differs from the standard proto3 JSON mapping (otel-conventions.md §1.4): ids are
//! hex, not base64; enums are integers (old senders use names, which we also take); 64-bit
//! integers are decimal strings (numbers are also taken, as hand-written JS encoders send them);
//! doubles may be `"NaN"`, `"Infinity"` or `"-Infinity"`. Keys are lowerCamelCase; the proto
//! field names (`resource_spans`) are accepted too, as any proto3 JSON parser does, because
//! ignoring them as unknown fields would store nothing and answer 200. Unknown fields are ignored
//! as the spec requires. Two known mistakes get their own 400 message: attributes sent as a plain
//! `{k: v}` object, and OTLP logs or metrics posted to the traces path.
//!
//! The body is parsed into a `serde_json::Value` first and then walked: the walk carries the path
//! (`resourceSpans[0].scopeSpans[1].spans[3].traceId`) that every error message starts with.
//! serde_json's recursion limit (128) bounds the depth of nested `arrayValue`/`kvlistValue`.

use crate::proto::{
    AnyValue, ArrayValue, Event, ExportTraceServiceRequest, InstrumentationScope, KeyValue,
    KeyValueList, Link, Resource, ResourceSpans, ScopeSpans, Span, Status, Value as Any,
};
use crate::DecodeError;
use base64::Engine;
use serde_json::{Map, Value};

type Result<T> = std::result::Result<T, DecodeError>;

fn err(path: &str, message: impl Into<String>) -> DecodeError {
    DecodeError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Decodes an OTLP/JSON `ExportTraceServiceRequest`.
pub(crate) fn decode_json(body: &[u8]) -> Result<ExportTraceServiceRequest> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| err("", format!("body is not JSON: {e}")))?;
    let obj = object(&root, "")?;
    let resource_spans = match field(obj, "resourceSpans", "resource_spans") {
        Some(v) => array(v, "resourceSpans")?,
        None => {
            for (key, signal) in [("resourceLogs", "logs"), ("resourceMetrics", "metrics")] {
                if obj.contains_key(key) {
                    return Err(err(
                        key,
                        format!("this is an OTLP {signal} request; the traces endpoint takes resourceSpans (post {signal} to /v1/{signal})"),
                    ));
                }
            }
            return Ok(ExportTraceServiceRequest::default());
        }
    };
    let mut out = ExportTraceServiceRequest::default();
    for (i, rs) in resource_spans.iter().enumerate() {
        out.resource_spans
            .push(resource_spans_at(rs, &format!("resourceSpans[{i}]"))?);
    }
    Ok(out)
}

fn resource_spans_at(v: &Value, path: &str) -> Result<ResourceSpans> {
    let obj = object(v, path)?;
    let resource = match field(obj, "resource", "resource") {
        None => None,
        Some(r) => {
            let at = format!("{path}.resource");
            let robj = object(r, &at)?;
            Some(Resource {
                attributes: attributes(robj, &at)?,
                dropped_attributes_count: u32_field(
                    robj,
                    "droppedAttributesCount",
                    "dropped_attributes_count",
                    &at,
                )?,
            })
        }
    };
    let mut scope_spans = Vec::new();
    if let Some(list) = field(obj, "scopeSpans", "scope_spans") {
        let at = format!("{path}.scopeSpans");
        for (j, ss) in array(list, &at)?.iter().enumerate() {
            scope_spans.push(scope_spans_at(ss, &format!("{at}[{j}]"))?);
        }
    }
    Ok(ResourceSpans {
        resource,
        scope_spans,
        schema_url: string_field(obj, "schemaUrl", "schema_url", path)?,
    })
}

fn scope_spans_at(v: &Value, path: &str) -> Result<ScopeSpans> {
    let obj = object(v, path)?;
    let scope = match field(obj, "scope", "scope") {
        None => None,
        Some(s) => {
            let at = format!("{path}.scope");
            let sobj = object(s, &at)?;
            Some(InstrumentationScope {
                name: string_field(sobj, "name", "name", &at)?,
                version: string_field(sobj, "version", "version", &at)?,
                attributes: attributes(sobj, &at)?,
                dropped_attributes_count: u32_field(
                    sobj,
                    "droppedAttributesCount",
                    "dropped_attributes_count",
                    &at,
                )?,
            })
        }
    };
    let mut spans = Vec::new();
    if let Some(list) = field(obj, "spans", "spans") {
        let at = format!("{path}.spans");
        for (k, s) in array(list, &at)?.iter().enumerate() {
            spans.push(span_at(s, &format!("{at}[{k}]"))?);
        }
    }
    Ok(ScopeSpans {
        scope,
        spans,
        schema_url: string_field(obj, "schemaUrl", "schema_url", path)?,
    })
}

const SPAN_KINDS: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];
const STATUS_CODES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

fn span_at(v: &Value, path: &str) -> Result<Span> {
    let obj = object(v, path)?;
    let status = match field(obj, "status", "status") {
        None => None,
        Some(s) => {
            let at = format!("{path}.status");
            let sobj = object(s, &at)?;
            Some(Status {
                message: string_field(sobj, "message", "message", &at)?,
                code: enum_field(sobj, "code", "code", STATUS_CODES, "STATUS_CODE_", &at)?,
            })
        }
    };
    Ok(Span {
        trace_id: id_field(obj, "traceId", "trace_id", 16, path)?,
        span_id: id_field(obj, "spanId", "span_id", 8, path)?,
        trace_state: string_field(obj, "traceState", "trace_state", path)?,
        parent_span_id: id_field(obj, "parentSpanId", "parent_span_id", 8, path)?,
        flags: u32_field(obj, "flags", "flags", path)?,
        name: string_field(obj, "name", "name", path)?,
        kind: enum_field(obj, "kind", "kind", SPAN_KINDS, "SPAN_KIND_", path)?,
        start_time_unix_nano: u64_field(obj, "startTimeUnixNano", "start_time_unix_nano", path)?,
        end_time_unix_nano: u64_field(obj, "endTimeUnixNano", "end_time_unix_nano", path)?,
        attributes: attributes(obj, path)?,
        dropped_attributes_count: dropped(obj, path)?,
        events: list(obj, "events", path, event_at)?,
        dropped_events_count: u32_field(obj, "droppedEventsCount", "dropped_events_count", path)?,
        links: list(obj, "links", path, link_at)?,
        dropped_links_count: u32_field(obj, "droppedLinksCount", "dropped_links_count", path)?,
        status,
    })
}

/// The list field `name` of `obj`, each item read by `item` at its own path.
fn list<T>(
    obj: &Map<String, Value>,
    name: &str,
    path: &str,
    item: fn(&Map<String, Value>, &str) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(v) = field(obj, name, name) else {
        return Ok(Vec::new());
    };
    let at = format!("{path}.{name}");
    let mut out = Vec::new();
    for (i, e) in array(v, &at)?.iter().enumerate() {
        let at = format!("{at}[{i}]");
        out.push(item(object(e, &at)?, &at)?);
    }
    Ok(out)
}

fn event_at(obj: &Map<String, Value>, at: &str) -> Result<Event> {
    Ok(Event {
        time_unix_nano: u64_field(obj, "timeUnixNano", "time_unix_nano", at)?,
        name: string_field(obj, "name", "name", at)?,
        attributes: attributes(obj, at)?,
        dropped_attributes_count: dropped(obj, at)?,
    })
}

fn link_at(obj: &Map<String, Value>, at: &str) -> Result<Link> {
    Ok(Link {
        trace_id: id_field(obj, "traceId", "trace_id", 16, at)?,
        span_id: id_field(obj, "spanId", "span_id", 8, at)?,
        trace_state: string_field(obj, "traceState", "trace_state", at)?,
        attributes: attributes(obj, at)?,
        dropped_attributes_count: dropped(obj, at)?,
        flags: u32_field(obj, "flags", "flags", at)?,
    })
}

fn dropped(obj: &Map<String, Value>, path: &str) -> Result<u32> {
    u32_field(
        obj,
        "droppedAttributesCount",
        "dropped_attributes_count",
        path,
    )
}

/// The `attributes` list of `obj`; a plain `{k: v}` object is the common mistake named in §1.4.
fn attributes(obj: &Map<String, Value>, path: &str) -> Result<Vec<KeyValue>> {
    let at = format!("{path}.attributes");
    match field(obj, "attributes", "attributes") {
        None => Ok(Vec::new()),
        Some(Value::Object(_)) => Err(err(
            &at,
            "attributes must be an array of {\"key\": …, \"value\": {\"stringValue\": …}} objects; \
             found a plain JSON object, which is not OTLP/JSON",
        )),
        Some(v) => key_values(v, &at),
    }
}

fn key_values(v: &Value, path: &str) -> Result<Vec<KeyValue>> {
    let mut out = Vec::new();
    for (i, kv) in array(v, path)?.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let kvobj = object(kv, &at)?;
        let key = string_field(kvobj, "key", "key", &at)?;
        let value = match field(kvobj, "value", "value") {
            None => None,
            Some(val) => Some(any_value(val, &format!("{at}.value"))?),
        };
        out.push(KeyValue { key, value });
    }
    Ok(out)
}

/// One `AnyValue`. An object with no known variant is the empty value, which the spec allows.
fn any_value(v: &Value, path: &str) -> Result<AnyValue> {
    let obj = v.as_object().ok_or_else(|| {
        err(
            path,
            format!(
                "expected an AnyValue object such as {{\"stringValue\": …}}, found {}",
                kind(v)
            ),
        )
    })?;
    let get = |camel: &str, snake: &str| field(obj, camel, snake);
    let value = if let Some(s) = get("stringValue", "string_value") {
        Some(Any::StringValue(
            string(s, &format!("{path}.stringValue"))?.to_owned(),
        ))
    } else if let Some(b) = get("boolValue", "bool_value") {
        let b = b.as_bool().ok_or_else(|| {
            err(
                &format!("{path}.boolValue"),
                format!("expected a boolean, found {}", kind(b)),
            )
        })?;
        Some(Any::BoolValue(b))
    } else if let Some(n) = get("intValue", "int_value") {
        Some(Any::IntValue(int64(n, &format!("{path}.intValue"))?))
    } else if let Some(d) = get("doubleValue", "double_value") {
        Some(Any::DoubleValue(double(d, &format!("{path}.doubleValue"))?))
    } else if let Some(a) = get("arrayValue", "array_value") {
        let at = format!("{path}.arrayValue");
        let aobj = object(a, &at)?;
        let mut values = Vec::new();
        if let Some(list) = field(aobj, "values", "values") {
            let at = format!("{at}.values");
            for (i, item) in array(list, &at)?.iter().enumerate() {
                values.push(any_value(item, &format!("{at}[{i}]"))?);
            }
        }
        Some(Any::ArrayValue(ArrayValue { values }))
    } else if let Some(l) = get("kvlistValue", "kvlist_value") {
        let at = format!("{path}.kvlistValue");
        let lobj = object(l, &at)?;
        let values = match field(lobj, "values", "values") {
            None => Vec::new(),
            Some(list) => key_values(list, &format!("{at}.values"))?,
        };
        Some(Any::KvlistValue(KeyValueList { values }))
    } else if let Some(b) = get("bytesValue", "bytes_value") {
        let at = format!("{path}.bytesValue");
        let s = string(b, &at)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| err(&at, format!("{s:?} is not base64")))?;
        Some(Any::BytesValue(bytes))
    } else {
        None
    };
    Ok(AnyValue { value })
}

/// A field by its lowerCamelCase name or its proto name; JSON `null` counts as absent.
fn field<'a>(obj: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    obj.get(camel)
        .or_else(|| obj.get(snake))
        .filter(|v| !v.is_null())
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| err(path, format!("expected an object, found {}", kind(v))))
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    v.as_array()
        .ok_or_else(|| err(path, format!("expected an array, found {}", kind(v))))
}

fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str()
        .ok_or_else(|| err(path, format!("expected a string, found {}", kind(v))))
}

fn string_field(obj: &Map<String, Value>, camel: &str, snake: &str, path: &str) -> Result<String> {
    match field(obj, camel, snake) {
        None => Ok(String::new()),
        Some(v) => Ok(string(v, &format!("{path}.{camel}"))?.to_owned()),
    }
}

fn u64_field(obj: &Map<String, Value>, camel: &str, snake: &str, path: &str) -> Result<u64> {
    let at = format!("{path}.{camel}");
    match field(obj, camel, snake) {
        None => Ok(0),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| err(&at, format!("{s:?} is not an unsigned 64-bit integer"))),
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| err(&at, format!("{n} is not an unsigned 64-bit integer"))),
        Some(v) => Err(err(
            &at,
            format!("expected a decimal string or number, found {}", kind(v)),
        )),
    }
}

fn u32_field(obj: &Map<String, Value>, camel: &str, snake: &str, path: &str) -> Result<u32> {
    let n = u64_field(obj, camel, snake, path)?;
    u32::try_from(n).map_err(|_| {
        err(
            &format!("{path}.{camel}"),
            format!("{n} does not fit an unsigned 32-bit integer"),
        )
    })
}

/// int64 as a decimal string or a JSON number; an integral float (`3.0`) is taken as well.
fn int64(v: &Value, path: &str) -> Result<i64> {
    match v {
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| err(path, format!("{s:?} is not a 64-bit integer"))),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| err(path, format!("{n} is not a 64-bit integer"))),
        other => Err(err(
            path,
            format!("expected a decimal string or number, found {}", kind(other)),
        )),
    }
}

fn double(v: &Value, path: &str) -> Result<f64> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| err(path, format!("{n} is not a double"))),
        Value::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => other.trim().parse::<f64>().map_err(|_| {
                err(
                    path,
                    format!("{s:?} is not a number, \"NaN\", \"Infinity\" or \"-Infinity\""),
                )
            }),
        },
        other => Err(err(
            path,
            format!("expected a number, found {}", kind(other)),
        )),
    }
}

/// An enum as its integer or, for old senders, its name (with or without the prefix).
fn enum_field(
    obj: &Map<String, Value>,
    camel: &str,
    snake: &str,
    names: &[&str],
    prefix: &str,
    path: &str,
) -> Result<i32> {
    let at = format!("{path}.{camel}");
    match field(obj, camel, snake) {
        None => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .ok_or_else(|| err(&at, format!("{n} is not an enum value"))),
        Some(Value::String(s)) => {
            let upper = s.to_ascii_uppercase();
            names
                .iter()
                .position(|name| {
                    *name == upper || name.strip_prefix(prefix) == Some(upper.as_str())
                })
                .map(|i| i as i32)
                .or_else(|| s.parse::<i32>().ok())
                .ok_or_else(|| err(&at, format!("{s:?} is not one of {}", names.join(", "))))
        }
        Some(v) => Err(err(
            &at,
            format!("expected an integer enum value, found {}", kind(v)),
        )),
    }
}

/// A hex id of `len` bytes. `""` and absence give an empty id (a root span's parent; a missing
/// trace or span id is rejected later, per span, rather than failing the request).
fn id_field(
    obj: &Map<String, Value>,
    camel: &str,
    snake: &str,
    len: usize,
    path: &str,
) -> Result<Vec<u8>> {
    let at = format!("{path}.{camel}");
    let s = match field(obj, camel, snake) {
        None => return Ok(Vec::new()),
        Some(v) => string(v, &at)?,
    };
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if s.len() == len * 2 {
        if let Ok(bytes) = hex::decode(s) {
            return Ok(bytes);
        }
    }
    let mut message = format!("{s:?} is not {} hex characters", len * 2);
    let looks_base64 = base64::engine::general_purpose::STANDARD
        .decode(s)
        .is_ok_and(|b| b.len() == len);
    if looks_base64 {
        message.push_str(" (it looks like base64; OTLP/JSON ids are hex)");
    }
    Err(err(&at, message))
}

/// The JSON type of a value, as a noun for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
