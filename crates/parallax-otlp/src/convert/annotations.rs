//! Tags, metadata, session and user from every convention, validated by the model's rules.
//!
//! Sources are read from the span's attributes first and then its resource's, in the order of
//! otel-conventions.md §2.10. Tags from all sources are merged (duplicates collapse during
//! validation, first appearance kept). Metadata is merged key by key: the first source wins, an
//! identical value from a later source is noted as a duplicate, and a different one is reported
//! as a conflict with its value in the mapping report, so nothing disappears unseen. Values become
//! strings: strings as they are, numbers and booleans as text, arrays and objects as compact
//! JSON. The user id becomes metadata `user.id` (our model has no user field). The session string
//! becomes the record's session UUID (see [`crate::session_uuid`]) and is kept as sent in
//! `extra.otel.session`, so the server can give the session its external id.
//!
//! Validation is `parallax_model::validate_annotations`, the same call the Galileo route makes;
//! its violation paths (`<span>.tags[3]`, `<span>.metadata.field`) are then rewritten to the
//! attribute each value came from (`<span>.attributes["tag.tags"][3]`,
//! `<span>.attributes["metadata"]["field"]`), which is what the sender can fix.

use super::ctx::Ctx;
use crate::attrs::{json_or_raw, key_segment, mlflow_decode, to_text, AttrSet};
use crate::json::kind;
use parallax_model::{validate_annotations, Annotations, Limits, Violation};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const TAG_KEYS: &[&str] = &[
    "tag.tags",
    "langfuse.trace.tags",
    "langfuse.tags",
    "langfuse_tags",
    "ai.telemetry.metadata.tags",
    "lmnr.association.properties.tags",
    "logfire.tags",
    "tags",
];
const USER_KEYS: &[&str] = &[
    "user.id",
    "langfuse.user.id",
    "ai.telemetry.metadata.userId",
    "ai.telemetry.metadata.user_id",
    "traceloop.association.properties.user_id",
    "lmnr.association.properties.user_id",
    "gen_ai.user",
    "llm.user",
];
const SESSION_KEYS: &[&str] = &[
    "session.id",
    "gen_ai.conversation.id",
    "langfuse.session.id",
    "ai.telemetry.metadata.sessionId",
    "ai.telemetry.metadata.session_id",
    "traceloop.association.properties.session_id",
    "lmnr.association.properties.session_id",
    "galileo.session.id",
];
/// Attributes holding a JSON object (or a kvlist) of metadata.
const METADATA_OBJECTS: &[&str] = &[
    "metadata",
    "langfuse.trace.metadata",
    "langfuse.observation.metadata",
    "langfuse.metadata",
];
/// Prefixes whose remainder is a metadata key.
const METADATA_PREFIXES: &[&str] = &[
    "metadata.",
    "langfuse.trace.metadata.",
    "langfuse.observation.metadata.",
    "langfuse.metadata.",
    "ai.telemetry.metadata.",
    "ai.settings.context.",
    "ai.settings.runtimeContext.",
    "traceloop.association.properties.",
    "lmnr.association.properties.metadata.",
    "mlflow.traceTag.",
    "mlflow.trace.tag.",
];
/// Keys under the prefixes above that are not user metadata: the Vercel prompt reference,
/// which Langfuse also leaves out.
const NOT_METADATA: &[&str] = &["ai.telemetry.metadata.langfusePrompt"];
/// The metadata key a user id is stored under.
pub(crate) const USER_KEY: &str = "user.id";

/// Tags and metadata as raw JSON, each value with the path of the attribute it came from.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    pub(crate) tags: Vec<Value>,
    tag_paths: Vec<String>,
    pub(crate) metadata: Map<String, Value>,
    meta_paths: HashMap<String, (String, String)>,
    /// The session string and the attribute it came from.
    pub(crate) session: Option<(String, String)>,
    /// Problems found before validation (a metadata attribute that is JSON but not an object).
    violations: Vec<Violation>,
}

/// Which attribute list a value is read from.
#[derive(Clone, Copy, PartialEq)]
enum From {
    Span,
    Resource,
}

/// Reads tags, metadata, user and session from the span and its resource.
pub(crate) fn extract(ctx: &mut Ctx) -> Raw {
    let mut raw = Raw::default();
    for from in [From::Span, From::Resource] {
        for key in TAG_KEYS {
            if let Some(v) = source(ctx, from).get(key).cloned() {
                let path = source(ctx, from).path(key);
                push_tags(&mut raw, &v, &path);
                mark(ctx, from, key, "tags", None, None);
            }
        }
    }
    if let Some((key, v, path)) = first_of(ctx, USER_KEYS, "metadata.user.id") {
        if let Some(text) = to_text(&v) {
            raw.metadata.insert(USER_KEY.into(), text.into());
            raw.meta_paths.insert(USER_KEY.into(), (path, key));
        }
    }
    if let Some((key, v, _)) = first_of(ctx, SESSION_KEYS, "session") {
        raw.session = to_text(&v).filter(|s| !s.is_empty()).map(|s| (s, key));
    }
    for from in [From::Span, From::Resource] {
        for key in METADATA_OBJECTS {
            metadata_object(ctx, &mut raw, from, key);
        }
        for prefix in METADATA_PREFIXES {
            let entries = source(ctx, from).with_prefix(prefix);
            for (key, v) in entries {
                let excluded = TAG_KEYS.contains(&key.as_str())
                    || USER_KEYS.contains(&key.as_str())
                    || SESSION_KEYS.contains(&key.as_str())
                    || NOT_METADATA.contains(&key.as_str());
                if excluded || key.len() == prefix.len() {
                    continue;
                }
                let path = source(ctx, from).path(&key);
                let v = if prefix.starts_with("mlflow.") {
                    mlflow_decode(&v)
                } else {
                    v
                };
                put(ctx, &mut raw, from, (&key, &path), &key[prefix.len()..], &v);
            }
        }
    }
    raw
}

fn source<'c>(ctx: &'c Ctx, from: From) -> &'c AttrSet {
    match from {
        From::Span => &ctx.attrs,
        From::Resource => ctx.resource,
    }
}

fn mark(ctx: &mut Ctx, from: From, key: &str, to: &str, note: Option<&str>, value: Option<Value>) {
    match (from, note) {
        (From::Span, None) => ctx.mark(key, to),
        (From::Span, Some(n)) => ctx.mark_note(key, to, n, value),
        (From::Resource, _) => ctx.mark_resource(key, to, note, value),
    }
}

/// The first present of `keys` (span, then resource). Every other present key is reported too:
/// as a duplicate when its value is the same, as a conflict with its value when it differs.
fn first_of(ctx: &mut Ctx, keys: &[&str], to: &str) -> Option<(String, Value, String)> {
    let mut found: Vec<(From, &str, Value)> = Vec::new();
    for from in [From::Span, From::Resource] {
        for key in keys {
            if let Some(v) = source(ctx, from).get(key) {
                found.push((from, key, v.clone()));
            }
        }
    }
    let mut it = found.into_iter();
    let (from, key, value) = it.next()?;
    let path = source(ctx, from).path(key);
    mark(ctx, from, key, to, None, None);
    for (f, k, v) in it {
        if v == value {
            mark(ctx, f, k, to, Some(&format!("same value as {key}")), None);
        } else {
            mark(
                ctx,
                f,
                k,
                to,
                Some(&format!("conflicts with {key}; kept that value")),
                Some(v),
            );
        }
    }
    Some((key.to_owned(), value, path))
}

/// Tags from one attribute: a list, a JSON-array string, or one string as one tag. Commas are
/// not split on (Langfuse does; a comma is a legal character in a tag).
fn push_tags(raw: &mut Raw, v: &Value, path: &str) {
    let list = match v {
        Value::Array(items) => Some(items.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => Some(items),
            _ => None,
        },
        _ => None,
    };
    match list {
        Some(items) => {
            for (i, item) in items.into_iter().enumerate() {
                raw.tags.push(item);
                raw.tag_paths.push(format!("{path}[{i}]"));
            }
        }
        None => {
            raw.tags.push(v.clone());
            raw.tag_paths.push(path.to_owned());
        }
    }
}

/// A metadata attribute holding a JSON object (or kvlist): one metadata key per top-level key.
/// Text that is not JSON (the spec's own example is Python repr) is kept as one value under the
/// attribute's name; JSON that is not an object is a violation, never silently dropped.
fn metadata_object(ctx: &mut Ctx, raw: &mut Raw, from: From, key: &str) {
    let Some(v) = source(ctx, from).get(key).cloned() else {
        return;
    };
    let path = source(ctx, from).path(key);
    let parsed = match &v {
        Value::String(s) => serde_json::from_str::<Value>(s).ok(),
        other => Some(other.clone()),
    };
    match parsed {
        Some(Value::Object(entries)) => {
            for (k, item) in &entries {
                let item_path = format!("{path}{}", key_segment(k));
                if k == "langfuse_tags" {
                    push_tags(raw, item, &item_path);
                    mark(ctx, from, key, "tags", None, None);
                } else {
                    put(ctx, raw, from, (key, &item_path), k, item);
                }
            }
            if entries.is_empty() {
                mark(ctx, from, key, "metadata", Some("empty object"), None);
            }
        }
        None => {
            let note = "not JSON; kept as one value";
            put_note(ctx, raw, from, (key, &path), key, &v, Some(note));
        }
        Some(other) => raw.violations.push(Violation::new(
            path,
            format!("metadata must be a JSON object, found {}", kind(&other)),
        )),
    }
}

fn put(ctx: &mut Ctx, raw: &mut Raw, from: From, origin: (&str, &str), meta_key: &str, v: &Value) {
    put_note(ctx, raw, from, origin, meta_key, v, None);
}

/// Adds one metadata entry; `origin` is (attribute key, path of the value).
fn put_note(
    ctx: &mut Ctx,
    raw: &mut Raw,
    from: From,
    origin: (&str, &str),
    meta_key: &str,
    v: &Value,
    note: Option<&str>,
) {
    let (attr, path) = origin;
    let to = format!("metadata.{meta_key}");
    let Some(text) = to_text(v) else {
        return mark(ctx, from, attr, &to, Some("empty value; not stored"), None);
    };
    match raw.metadata.get(meta_key) {
        None => {
            raw.metadata.insert(meta_key.to_owned(), text.into());
            raw.meta_paths
                .insert(meta_key.to_owned(), (path.to_owned(), attr.to_owned()));
            mark(ctx, from, attr, &to, note, None);
        }
        Some(existing) => {
            let first = raw
                .meta_paths
                .get(meta_key)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
            if existing.as_str() == Some(text.as_str()) {
                mark(
                    ctx,
                    from,
                    attr,
                    &to,
                    Some(&format!("same value as {first}")),
                    None,
                );
            } else {
                let note = format!("conflicts with {first}; kept that value");
                mark(
                    ctx,
                    from,
                    attr,
                    &to,
                    Some(&note),
                    Some(json_or_raw(&text.into())),
                );
            }
        }
    }
}

/// Validates with the model's rules and points each violation at the attribute it came from.
pub(crate) fn validate(
    raw: &Raw,
    path: &str,
    limits: &Limits,
) -> Result<Annotations, Vec<Violation>> {
    let tags = Value::Array(raw.tags.clone());
    let metadata = Value::Object(raw.metadata.clone());
    let result = validate_annotations(path, Some(&tags), Some(&metadata), "metadata", limits);
    let mut violations = raw.violations.clone();
    match result {
        Ok(a) if violations.is_empty() => return Ok(a),
        Ok(_) => {}
        Err(found) => violations.extend(found.into_iter().map(|v| relocate(raw, path, v))),
    }
    Err(violations)
}

fn relocate(raw: &Raw, path: &str, v: Violation) -> Violation {
    let tags = format!("{path}.tags[");
    let meta = format!("{path}.metadata");
    let to = if let Some(rest) = v.path.strip_prefix(&tags) {
        rest.strip_suffix(']')
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| raw.tag_paths.get(i).cloned())
    } else if let Some(rest) = v.path.strip_prefix(&meta) {
        let key = if let Some(k) = rest.strip_prefix('.') {
            Some(k.to_owned())
        } else {
            rest.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|q| serde_json::from_str::<String>(q).ok())
        };
        key.and_then(|k| raw.meta_paths.get(&k).map(|(p, _)| p.clone()))
    } else {
        None
    };
    match to {
        Some(p) => Violation::new(p, v.message),
        None => v,
    }
}

/// The session as reported under `extra.otel.session`.
pub(crate) fn session_report(raw: &Raw) -> Option<Value> {
    raw.session
        .as_ref()
        .map(|(id, attribute)| json!({"id": id, "attribute": attribute}))
}
