//! Attribute lists as plain JSON, with a record of which attributes a mapping used.
//!
//! Conversion reads attributes by name from an [`AttrSet`] and marks those it maps onto a record
//! field; what is left unmarked is reported verbatim under `extra.otel.attributes`, so no
//! attribute is lost even when no convention claims it. Values become plain JSON once, up front:
//! ints and doubles as numbers, arrays and kvlists as arrays and objects, bytes as base64 text,
//! the empty AnyValue as `null`, and non-finite doubles as the strings OTLP/JSON uses for them
//! (`"NaN"`, `"Infinity"`, `"-Infinity"`), since JSON has no such numbers.

use crate::proto::{AnyValue, KeyValue, Value as Any};
use base64::Engine;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// An AnyValue as plain JSON.
pub(crate) fn any_to_json(v: &AnyValue) -> Value {
    match &v.value {
        None => Value::Null,
        Some(Any::StringValue(s)) => Value::String(s.clone()),
        Some(Any::BoolValue(b)) => Value::Bool(*b),
        Some(Any::IntValue(i)) => Value::Number((*i).into()),
        Some(Any::DoubleValue(d)) => match Number::from_f64(*d) {
            Some(n) => Value::Number(n),
            None if d.is_nan() => Value::String("NaN".into()),
            None if *d > 0.0 => Value::String("Infinity".into()),
            None => Value::String("-Infinity".into()),
        },
        Some(Any::ArrayValue(a)) => Value::Array(a.values.iter().map(any_to_json).collect()),
        Some(Any::KvlistValue(l)) => Value::Object(kvs_to_json(&l.values)),
        Some(Any::BytesValue(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
    }
}

/// A key/value list as a JSON object; for a repeated key (which the spec forbids) the first wins.
pub(crate) fn kvs_to_json(kvs: &[KeyValue]) -> Map<String, Value> {
    let mut out = Map::new();
    for kv in kvs {
        let v = kv.value.as_ref().map(any_to_json).unwrap_or(Value::Null);
        out.entry(kv.key.clone()).or_insert(v);
    }
    out
}

/// A path segment for an object key: always bracketed and JSON-quoted, because attribute names
/// are full of dots (`attributes["tag.tags"]`).
pub(crate) fn key_segment(key: &str) -> String {
    format!("[{}]", Value::String(key.to_owned()))
}

/// The attributes of one span (or resource), in the order sent, with the ones already mapped.
#[derive(Debug, Clone)]
pub(crate) struct AttrSet {
    /// Path of the owner of the list, e.g. `resourceSpans[0].scopeSpans[0].spans[2]`.
    base: String,
    items: Vec<(String, Value)>,
    index: HashMap<String, usize>,
    used: Vec<bool>,
}

impl AttrSet {
    pub(crate) fn new(base: String, kvs: &[KeyValue]) -> AttrSet {
        let mut set = AttrSet {
            base,
            items: Vec::with_capacity(kvs.len()),
            index: HashMap::with_capacity(kvs.len()),
            used: Vec::with_capacity(kvs.len()),
        };
        for kv in kvs {
            if set.index.contains_key(&kv.key) {
                continue;
            }
            let v = kv.value.as_ref().map(any_to_json).unwrap_or(Value::Null);
            set.index.insert(kv.key.clone(), set.items.len());
            set.items.push((kv.key.clone(), v));
            set.used.push(false);
        }
        set
    }

    /// The value of `key`; an empty value (`null`) counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.index
            .get(key)
            .map(|i| &self.items[*i].1)
            .filter(|v| !v.is_null())
    }

    /// Marks `key` as mapped, so it is not reported among the unmapped attributes.
    pub(crate) fn consume(&mut self, key: &str) {
        if let Some(i) = self.index.get(key) {
            self.used[*i] = true;
        }
    }

    /// Attributes whose key starts with `prefix`, in the order sent, as `(key, value)`.
    pub(crate) fn with_prefix(&self, prefix: &str) -> Vec<(String, Value)> {
        self.items
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The path of attribute `key`: `<owner>.attributes["key"]`.
    pub(crate) fn path(&self, key: &str) -> String {
        format!("{}.attributes{}", self.base, key_segment(key))
    }

    /// Every attribute not yet marked as mapped.
    pub(crate) fn unmapped(&self) -> Map<String, Value> {
        self.items
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|((k, v), _)| (k.clone(), v.clone()))
            .collect()
    }

    /// Every attribute, mapped or not.
    pub(crate) fn all(&self) -> Map<String, Value> {
        self.items.iter().cloned().collect()
    }
}

/// An integer from a number (doubles are rounded) or a numeric string. Token counts arrive in
/// all three forms depending on the SDK (otel-conventions.md §2.10).
pub(crate) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                .map(|f| f.round() as i64)
        }),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| as_int(&Value::Number(Number::from_f64(s.parse().ok()?)?)))
        }
        _ => None,
    }
}

/// A float from a number or a numeric string.
pub(crate) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok().filter(|f: &f64| f.is_finite()),
        _ => None,
    }
}

/// The value of an attribute documented as "JSON text": parsed when it parses, the raw string
/// otherwise (values cut by a length limit are no longer JSON, §4.6). Non-strings pass through,
/// since newer SDKs send the structured value itself.
pub(crate) fn json_or_raw(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| v.clone()),
        other => other.clone(),
    }
}

/// MLflow JSON-encodes every attribute value, sometimes twice (§4.7): decode once, and again
/// when the result is still a string holding a JSON object, array or string.
pub(crate) fn mlflow_decode(v: &Value) -> Value {
    let once = json_or_raw(v);
    match &once {
        Value::String(s) if looks_like_json(s) && v.as_str() != Some(s) => json_or_raw(&once),
        _ => once,
    }
}

fn looks_like_json(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('{') || t.starts_with('[') || t.starts_with('"')
}

/// A metadata value as text: strings as they are, numbers and booleans as their JSON text,
/// arrays and objects as compact JSON. `None` for null.
pub(crate) fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Text for a field that must be a string (tool input, retriever query): strings as they are,
/// anything else as compact JSON.
pub(crate) fn text_or_json(v: &Value) -> Value {
    match v {
        Value::Null | Value::String(_) => v.clone(),
        other => Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ArrayValue, KeyValueList};
    use serde_json::json;

    fn kv(key: &str, value: Any) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
        }
    }

    #[test]
    fn any_values_become_plain_json() {
        let list = vec![
            kv("s", Any::StringValue("x".into())),
            kv("i", Any::IntValue(3)),
            kv("nan", Any::DoubleValue(f64::NAN)),
            kv("inf", Any::DoubleValue(f64::NEG_INFINITY)),
            kv(
                "a",
                Any::ArrayValue(ArrayValue {
                    values: vec![AnyValue {
                        value: Some(Any::BoolValue(true)),
                    }],
                }),
            ),
            kv(
                "m",
                Any::KvlistValue(KeyValueList {
                    values: vec![kv("k", Any::IntValue(1))],
                }),
            ),
            kv("b", Any::BytesValue(vec![1, 2])),
            KeyValue {
                key: "empty".into(),
                value: Some(AnyValue { value: None }),
            },
            kv("s", Any::StringValue("second".into())),
        ];
        assert_eq!(
            Value::Object(kvs_to_json(&list)),
            json!({"s": "x", "i": 3, "nan": "NaN", "inf": "-Infinity", "a": [true], "m": {"k": 1}, "b": "AQI=", "empty": null})
        );
        let mut set = AttrSet::new("spans[0]".into(), &list);
        assert!(set.get("empty").is_none());
        set.consume("s");
        assert!(!set.unmapped().contains_key("s"));
        assert_eq!(set.path("tag.tags"), "spans[0].attributes[\"tag.tags\"]");
    }

    #[test]
    fn numbers_in_every_form() {
        assert_eq!(as_int(&json!("12")), Some(12));
        assert_eq!(as_int(&json!(12.0)), Some(12));
        assert_eq!(as_int(&json!("12.0")), Some(12));
        assert_eq!(as_int(&json!("x")), None);
    }

    #[test]
    fn mlflow_values_are_decoded_once_or_twice() {
        assert_eq!(mlflow_decode(&json!("\"LLM\"")), json!("LLM"));
        assert_eq!(mlflow_decode(&json!("\"{\\\"a\\\": 1}\"")), json!({"a": 1}));
        assert_eq!(mlflow_decode(&json!("plain")), json!("plain"));
    }
}
