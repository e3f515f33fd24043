//! The Galileo SDK's trace/span JSON (PROTOCOL.md §4) to and from domain [`Record`]s.
//!
//! Decoding walks a nested step tree, fills in `trace_id`, `parent_id` and `session_id` from the
//! nesting (the SDK sends them as null in batch mode), validates tags and metadata, and sorts each
//! step into stored records or quarantined ones. Structural errors (a step that is not an object,
//! an id that is not a UUID, a field of the wrong JSON type) are a [`WireError`] for the whole
//! request; rule violations quarantine only the record that broke them.

use crate::validate::kind;
use crate::{validate_annotations, Limits, Record, RecordType, Timestamp, Tokens, Violation};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A request that cannot be read at all, with the JSON path of the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct WireError {
    pub path: String,
    pub message: String,
}

fn wire_err(path: &str, message: impl Into<String>) -> WireError {
    WireError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// A record kept aside because it broke a rule: the step as sent (without its children, which are
/// judged on their own) and every violation.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    pub id: Uuid,
    pub record_type: RecordType,
    pub trace_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub path: String,
    pub raw: Value,
    pub violations: Vec<Violation>,
}

/// The outcome of decoding: records to store and records to quarantine, in request order.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    pub records: Vec<Record>,
    pub quarantined: Vec<Quarantined>,
}

/// Where a step sits: the ids its nesting implies.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub trace_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
}

/// Fields read into typed columns; everything else goes to `Record::extra` verbatim.
const TYPED_FIELDS: &[&str] = &[
    "type",
    "id",
    "name",
    "created_at",
    "input",
    "output",
    "user_metadata",
    "tags",
    "status_code",
    "model",
    "external_id",
    "spans",
    "session_id",
    "trace_id",
    "parent_id",
    "is_complete",
];

/// The values of a step's [`TYPED_FIELDS`] and of its `metrics`, found in one pass over its keys.
/// A step has twenty-odd keys; comparing them once is cheaper than hashing each field's name to
/// read it, and it tells which fields to remove afterwards, so absent ones cost nothing.
struct Fields<'a> {
    typed: [Option<&'a Value>; TYPED_FIELDS.len()],
    metrics: Option<&'a Value>,
}

impl<'a> Fields<'a> {
    fn of(obj: &'a Map<String, Value>) -> Fields<'a> {
        let mut fields = Fields {
            typed: [None; TYPED_FIELDS.len()],
            metrics: None,
        };
        // Keys of a `Map` are unique, so each slot is filled at most once, as `Map::get` would.
        for (key, value) in obj {
            match typed_index(key) {
                Some(i) => fields.typed[i] = Some(value),
                None if key == "metrics" => fields.metrics = Some(value),
                None => {}
            }
        }
        fields
    }

    /// The value of `key`, one of [`TYPED_FIELDS`], as `Map::get` would return it.
    fn get(&self, key: &str) -> Option<&'a Value> {
        let i = typed_index(key);
        debug_assert!(i.is_some(), "{key} is not a typed field");
        i.and_then(|i| self.typed[i])
    }
}

fn typed_index(key: &str) -> Option<usize> {
    TYPED_FIELDS.iter().position(|f| *f == key)
}

/// Decodes one step (a trace or span object) at `path` and, recursively, its `spans`. The step
/// is taken by value so that its (often large) input and output move into the record instead of
/// being copied.
pub fn decode_step(
    step: Value,
    path: &str,
    at: Placement,
    limits: &Limits,
    out: &mut Decoded,
) -> Result<(), WireError> {
    let mut obj = match step {
        Value::Object(obj) => obj,
        other => {
            return Err(wire_err(
                path,
                format!("expected an object, found {}", kind(&other)),
            ))
        }
    };
    let children = obj.remove("spans");
    let obj = &mut obj;
    let fields = Fields::of(obj);
    let type_name = opt_str(&fields, "type", path)?.unwrap_or("trace");
    let record_type = RecordType::parse(type_name).ok_or_else(|| {
        wire_err(
            &format!("{path}.type"),
            format!("unknown step type {type_name:?}; expected one of trace, llm, retriever, tool, workflow, agent, control"),
        )
    })?;
    let id = match opt_str(&fields, "id", path)? {
        Some(s) => Uuid::parse_str(s).map_err(|_| not_a_uuid(s, &format!("{path}.id")))?,
        None => Uuid::new_v4(),
    };
    let own_trace = opt_uuid(&fields, "trace_id", path)?;
    let own_parent = opt_uuid(&fields, "parent_id", path)?;
    let own_session = opt_uuid(&fields, "session_id", path)?;
    let trace_id = if record_type.is_trace() {
        id
    } else {
        own_trace.or(at.trace_id).ok_or_else(|| {
            wire_err(
                path,
                "span has no trace: give trace_id in the span or the request",
            )
        })?
    };
    let parent_id = if record_type.is_trace() {
        None
    } else {
        own_parent.or(at.parent_id).or(Some(trace_id))
    };
    let session_id = own_session.or(at.session_id);

    let created_at = match opt_str(&fields, "created_at", path)? {
        Some(s) => Timestamp::parse(s)
            .map_err(|e| wire_err(&format!("{path}.created_at"), e.to_string()))?,
        None => Timestamp::now(),
    };
    let metrics = match fields.metrics {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(other) => {
            return Err(wire_err(
                &format!("{path}.metrics"),
                format!("expected an object, found {}", kind(other)),
            ))
        }
    };
    let metric = |key: &str| -> Result<Option<i64>, WireError> {
        match metrics.and_then(|m| m.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => as_int(v).map(Some).ok_or_else(|| {
                wire_err(
                    &format!("{path}.metrics.{key}"),
                    format!("expected an integer, found {}", kind(v)),
                )
            }),
        }
    };
    let tokens = Tokens {
        input: metric("num_input_tokens")?,
        output: metric("num_output_tokens")?,
        total: metric("num_total_tokens")?,
    };
    let duration_ns = metric("duration_ns")?;
    let status_code = match fields.get("status_code") {
        None | Some(Value::Null) => None,
        Some(v) => Some(as_int(v).ok_or_else(|| {
            wire_err(
                &format!("{path}.status_code"),
                format!("expected an integer, found {}", kind(v)),
            )
        })?),
    };
    let is_complete = match fields.get("is_complete") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            return Err(wire_err(
                &format!("{path}.is_complete"),
                format!("expected a boolean, found {}", kind(v)),
            ))
        }
    };
    let name = opt_str(&fields, "name", path)?.unwrap_or("").to_owned();
    match &children {
        None | Some(Value::Null) | Some(Value::Array(_)) => {}
        Some(other) => {
            return Err(wire_err(
                &format!("{path}.spans"),
                format!("expected an array, found {}", kind(other)),
            ))
        }
    }
    let model = opt_str(&fields, "model", path)?.map(str::to_owned);
    let external_id = opt_str(&fields, "external_id", path)?.map(str::to_owned);

    let annotations = validate_annotations(
        path,
        fields.get("tags"),
        fields.get("user_metadata"),
        "user_metadata",
        limits,
    );
    let found = fields.typed.map(|v| v.is_some());
    match annotations {
        Ok(a) => {
            let input = obj.remove("input").unwrap_or(Value::Null);
            let output = obj.remove("output").unwrap_or(Value::Null);
            // In the same order as always (a removal moves the last key into the gap, so the
            // order decides how `extra` is ordered), skipping fields the step does not have and
            // the two just removed: removing an absent key changes nothing.
            for (field, found) in TYPED_FIELDS.iter().zip(found) {
                if found && !matches!(*field, "input" | "output") {
                    obj.remove(*field);
                }
            }
            let extra = std::mem::take(obj);
            out.records.push(Record {
                id,
                record_type,
                trace_id,
                parent_id,
                session_id,
                name,
                created_at,
                duration_ns,
                status_code,
                model,
                tokens,
                input,
                output,
                tags: a.tags,
                metadata: a.metadata,
                external_id,
                is_complete,
                extra,
            });
        }
        Err(violations) => {
            let raw = std::mem::take(obj);
            out.quarantined.push(Quarantined {
                id,
                record_type,
                trace_id,
                parent_id,
                session_id,
                path: path.to_owned(),
                raw: Value::Object(raw),
                violations,
            });
        }
    }

    if let Some(Value::Array(children)) = children {
        let below = Placement {
            trace_id: Some(trace_id),
            parent_id: Some(id),
            session_id,
        };
        for (i, child) in children.into_iter().enumerate() {
            decode_step(child, &format!("{path}.spans[{i}]"), below, limits, out)?;
        }
    }
    Ok(())
}

fn opt_str<'a>(fields: &Fields<'a>, key: &str, path: &str) -> Result<Option<&'a str>, WireError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(wire_err(
            &format!("{path}.{key}"),
            format!("expected a string, found {}", kind(v)),
        )),
    }
}

fn opt_uuid(fields: &Fields, key: &str, path: &str) -> Result<Option<Uuid>, WireError> {
    opt_str(fields, key, path)?
        .map(|s| Uuid::parse_str(s).map_err(|_| not_a_uuid(s, &format!("{path}.{key}"))))
        .transpose()
}

/// Parses a UUID, naming the path when it is not one.
pub fn parse_uuid(s: &str, path: &str) -> Result<Uuid, WireError> {
    Uuid::parse_str(s).map_err(|_| not_a_uuid(s, path))
}

/// The error for a string that is not a UUID; decoding builds the path only then.
fn not_a_uuid(s: &str, path: &str) -> WireError {
    wire_err(path, format!("{s:?} is not a UUID"))
}

/// Integers may arrive as floats with no fraction (`3.0`) from some JSON encoders.
fn as_int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
            .map(|f| f as i64)
    })
}

/// Ids of the project and log stream a record belongs to, for the read-side JSON.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
}

/// A record as Galileo's search API returns it (PROTOCOL.md §7.1): the step fields flattened,
/// `user_metadata` and `tags` as given, metrics merged back, plus `project_id` and `run_id`.
pub fn record_to_json(r: &Record, owner: Owner) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), r.record_type.as_str().into());
    o.insert("id".into(), r.id.to_string().into());
    o.insert("name".into(), r.name.clone().into());
    o.insert("created_at".into(), r.created_at.to_rfc3339().into());
    o.insert("input".into(), r.input.clone());
    o.insert("output".into(), r.output.clone());
    o.insert(
        "tags".into(),
        Value::Array(r.tags.iter().map(|t| t.as_str().into()).collect()),
    );
    o.insert("user_metadata".into(), r.metadata.to_json());
    o.insert("status_code".into(), r.status_code.into());
    o.insert("external_id".into(), r.external_id.clone().into());
    o.insert("trace_id".into(), r.trace_id.to_string().into());
    o.insert(
        "parent_id".into(),
        r.parent_id.map(|p| p.to_string()).into(),
    );
    o.insert(
        "session_id".into(),
        r.session_id.map(|p| p.to_string()).into(),
    );
    o.insert("project_id".into(), owner.project_id.to_string().into());
    o.insert("run_id".into(), owner.log_stream_id.to_string().into());
    o.insert(
        "log_stream_id".into(),
        owner.log_stream_id.to_string().into(),
    );
    o.insert("is_complete".into(), r.is_complete.into());
    if r.record_type != RecordType::Trace || r.model.is_some() {
        o.insert("model".into(), r.model.clone().into());
    }
    let mut metrics = match r.extra.get("metrics") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    metrics.insert("duration_ns".into(), r.duration_ns.into());
    if r.tokens != Tokens::default() || r.record_type == RecordType::Llm {
        metrics.insert("num_input_tokens".into(), r.tokens.input.into());
        metrics.insert("num_output_tokens".into(), r.tokens.output.into());
        metrics.insert("num_total_tokens".into(), r.tokens.total.into());
    }
    for (k, v) in &r.extra {
        if k != "metrics" {
            o.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    o.insert("metrics".into(), Value::Object(metrics));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use serde_json::json;

    fn decode(v: Value) -> Result<Decoded, WireError> {
        let mut out = Decoded::default();
        let at = Placement {
            trace_id: None,
            parent_id: None,
            session_id: None,
        };
        decode_step(v, "traces[0]", at, &Limits::default(), &mut out)?;
        Ok(out)
    }

    #[test]
    fn nesting_fills_in_ids_and_unknown_fields_are_kept() {
        let d = decode(json!({
            "type": "trace", "id": "30a44133-66cb-4bf1-9f90-9748d6642fef", "name": "",
            "created_at": "2026-12-03T16:25:18.921579Z", "tags": ["a"], "user_metadata": {"k": "v"},
            "metrics": {"duration_ns": 5, "custom_score": 0.5},
            "dataset_input": "ds", "trace_id": null,
            "spans": [{"type": "llm", "id": "06b80396-7eb4-4dc0-a41d-66a575a9211d",
                       "model": "gpt-4o", "metrics": {"num_input_tokens": 3}, "tools": null}]
        }))
        .unwrap();
        assert_eq!(d.records.len(), 2);
        let (t, s) = (&d.records[0], &d.records[1]);
        assert_eq!(t.trace_id, t.id);
        assert_eq!(s.trace_id, t.id);
        assert_eq!(s.parent_id, Some(t.id));
        assert_eq!(t.duration_ns, Some(5));
        assert_eq!(s.tokens.input, Some(3));
        assert_eq!(t.extra["dataset_input"], "ds");
        assert_eq!(t.extra["metrics"]["custom_score"], 0.5);
        assert!(s.extra.contains_key("tools"));
        let back = record_to_json(
            t,
            Owner {
                project_id: Uuid::nil(),
                log_stream_id: Uuid::nil(),
            },
        );
        assert_eq!(back["metrics"]["custom_score"], 0.5);
        assert_eq!(back["user_metadata"]["k"], "v");
    }

    #[test]
    fn a_broken_span_is_quarantined_and_its_siblings_stored() {
        let d = decode(json!({
            "type": "trace", "id": "30a44133-66cb-4bf1-9f90-9748d6642fef",
            "spans": [
                {"type": "tool", "id": "06b80396-7eb4-4dc0-a41d-66a575a9211d", "tags": ["x".repeat(57)]},
                {"type": "tool", "id": "16b80396-7eb4-4dc0-a41d-66a575a9211d"}
            ]
        }))
        .unwrap();
        assert_eq!(d.records.len(), 2);
        assert_eq!(d.quarantined.len(), 1);
        assert_eq!(
            d.quarantined[0].violations[0].to_string(),
            "traces[0].spans[0].tags[0]: tag is 57 characters; the limit is 50"
        );
    }

    /// `extra` as decoding has always built it: the typed fields removed one at a time.
    fn extra_by_removal(mut obj: Map<String, Value>) -> Vec<String> {
        obj.remove("spans");
        obj.remove("input");
        obj.remove("output");
        for field in TYPED_FIELDS {
            obj.remove(*field);
        }
        obj.keys().cloned().collect()
    }

    #[test]
    fn extra_keeps_the_order_of_one_removal_per_field() {
        // The SDK's key order for an LLM span, typed fields and others interleaved.
        let step = json!({
            "type": "llm", "input": "q", "redacted_input": null, "output": "a",
            "redacted_output": null, "name": "", "created_at": null, "user_metadata": {},
            "tags": [], "status_code": null, "metrics": {}, "external_id": null,
            "dataset_input": null, "dataset_output": null, "dataset_metadata": {},
            "id": "06b80396-7eb4-4dc0-a41d-66a575a9211d", "session_id": null,
            "trace_id": "30a44133-66cb-4bf1-9f90-9748d6642fef", "step_number": null,
            "parent_id": null, "tools": null, "events": null, "model": "gpt-4o",
            "temperature": null, "finish_reason": null
        });
        let expected = extra_by_removal(step.as_object().unwrap().clone());
        let d = decode(step).unwrap();
        let keys: Vec<&String> = d.records[0].extra.keys().collect();
        assert_eq!(keys, expected.iter().collect::<Vec<_>>());
        // Each removal moves the last key into the gap; stored records have this order.
        assert_eq!(
            keys,
            [
                "events",
                "finish_reason",
                "redacted_input",
                "temperature",
                "redacted_output",
                "tools",
                "dataset_metadata",
                "step_number",
                "dataset_input",
                "dataset_output",
                "metrics"
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn extra_is_ordered_as_by_one_removal_per_field(
            keys in proptest::sample::subsequence(
                [TYPED_FIELDS, &["metrics", "tools", "dataset_input", "x", "a-b", "zz"]].concat(),
                0..=22,
            )
            .prop_shuffle(),
        ) {
            // Null is a valid value for every typed field.
            let obj: Map<String, Value> = keys.iter().map(|k| (k.to_string(), Value::Null)).collect();
            let expected = extra_by_removal(obj.clone());
            let d = decode(Value::Object(obj)).unwrap();
            let got: Vec<String> = d.records[0].extra.keys().cloned().collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn structural_errors_name_the_field() {
        let e = decode(json!({"type": "trace", "id": "nope"})).unwrap_err();
        assert_eq!(e.to_string(), "traces[0].id: \"nope\" is not a UUID");
        let e = decode(json!({"type": "trace", "id": "30a44133-66cb-4bf1-9f90-9748d6642fef", "status_code": "x"})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "traces[0].status_code: expected an integer, found a string"
        );
        let e = decode(json!({"type": "blob"})).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("traces[0].type: unknown step type \"blob\""));
    }
}
