//! `POST /api/v1/projects/{pid}/records`: stores flat records as exported (ours or Galileo's
//! `export_records`), for `parallax import`.
//!
//! Each record keeps its own `trace_id`, `parent_id` and `session_id` (decode_step honours
//! them); records nested in `spans` are taken out and stored as records of their own. The
//! read-side fields an export adds (`project_id`, `run_id`, `log_stream_id`, `num_spans`) say
//! where a record *was*, not what it is, so they are dropped rather than kept as extra fields.
//!
//! Ids are kept, so importing a file twice upserts and reports the second copy as `existing`.
//! One exception: record ids are unique per server, so records exported from *another stream
//! of this server* would be moved out of that stream by an upsert. Those are imported as
//! copies under new ids derived from (target stream, old id): the same file still maps to the
//! same ids every time, so re-importing stays idempotent, and the tree is kept because every
//! reference (`trace_id`, `parent_id`, `session_id`) is mapped the same way.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::ingest::store_decoded;
use crate::json;
use crate::routes::{load_project, load_stream};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use parallax_model::wire::galileo::{decode_step, Decoded, Placement};
use parallax_store::{Role, Source};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Fields the read side adds to a record; never stored.
const READ_SIDE_FIELDS: &[&str] = &["project_id", "run_id", "log_stream_id", "num_spans"];

/// Fields holding a record id, mapped together when records are copied.
const ID_FIELDS: &[&str] = &["id", "trace_id", "parent_id", "session_id"];

#[derive(Deserialize)]
pub struct ImportBody {
    log_stream_id: Uuid,
    records: Vec<Value>,
}

pub async fn import(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let _slot = state.ingest_slot().await;
    let body: ImportBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;

    let mut flat = Vec::with_capacity(body.records.len());
    for (i, record) in body.records.into_iter().enumerate() {
        flatten(record, format!("records[{i}]"), None, &mut flat)?;
    }
    let copied = copied_streams(&state, &flat, stream.id).await?;
    let mut decoded = Decoded::default();
    let mut remapped = 0usize;
    let none = Placement {
        trace_id: None,
        parent_id: None,
        session_id: None,
    };
    for (path, mut obj) in flat {
        if source_stream(&obj).is_some_and(|s| copied.get(&s) == Some(&true)) {
            remap_ids(&mut obj, stream.id);
            remapped += 1;
        }
        for field in READ_SIDE_FIELDS {
            obj.remove(*field);
        }
        decode_step(Value::Object(obj), &path, none, &state.limits, &mut decoded)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    let (summary, quarantined) =
        store_decoded(&state, project.id, stream.id, decoded, Source::Api).await?;
    Ok(Json(json!({
        "stored": summary.stored,
        "existing": summary.existing,
        "quarantined": quarantined,
        "remapped": remapped,
    })))
}

/// What a nested record inherits from the record it is nested in.
struct Inherited {
    trace_id: String,
    parent_id: String,
    session_id: Option<String>,
    /// The parent's `log_stream_id`, so a child is copied or kept together with its parent.
    source: Option<String>,
}

/// Takes a record out of its parent's `spans` and fills the ids its nesting implies when the
/// record does not carry them, the way a batch ingest would.
fn flatten(
    record: Value,
    path: String,
    parent: Option<&Inherited>,
    out: &mut Vec<(String, Map<String, Value>)>,
) -> ApiResult<()> {
    let Value::Object(mut obj) = record else {
        return Err(ApiError::Unprocessable(format!(
            "{path}: expected a record object"
        )));
    };
    let children = match obj.remove("spans") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(children)) => children,
        Some(_) => {
            return Err(ApiError::Unprocessable(format!(
                "{path}.spans: expected an array"
            )))
        }
    };
    if let Some(up) = parent {
        let has_source = source_stream(&obj).is_some();
        let mut fill = |key: &str, value: Option<&String>| {
            if let Some(v) = value {
                if obj.get(key).is_none_or(Value::is_null) {
                    obj.insert(key.to_owned(), v.clone().into());
                }
            }
        };
        fill("trace_id", Some(&up.trace_id));
        fill("parent_id", Some(&up.parent_id));
        fill("session_id", up.session_id.as_ref());
        if !has_source {
            fill("log_stream_id", up.source.as_ref());
        }
    }
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id");
    let is_trace = obj
        .get("type")
        .and_then(Value::as_str)
        .is_none_or(|t| t == "trace");
    let trace_id = if is_trace {
        id.clone()
    } else {
        text("trace_id")
    };
    let session_id = text("session_id");
    let source = source_stream(&obj).map(|s| s.to_string());
    out.push((path.clone(), obj));
    if children.is_empty() {
        return Ok(());
    }
    let (Some(id), Some(trace_id)) = (id, trace_id) else {
        return Err(ApiError::Unprocessable(format!(
            "{path}: a record with nested spans needs an id and a trace_id"
        )));
    };
    let below = Inherited {
        trace_id,
        parent_id: id,
        session_id,
        source,
    };
    for (j, child) in children.into_iter().enumerate() {
        flatten(child, format!("{path}.spans[{j}]"), Some(&below), out)?;
    }
    Ok(())
}

/// The stream a record was exported from, if it says (`log_stream_id`, or Galileo's `run_id`).
fn source_stream(obj: &Map<String, Value>) -> Option<Uuid> {
    ["log_stream_id", "run_id"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// For each source stream other than the target: does it exist on this server? Only then would
/// keeping ids move records, so only then are they copied under new ids.
async fn copied_streams(
    state: &AppState,
    flat: &[(String, Map<String, Value>)],
    target: Uuid,
) -> ApiResult<HashMap<Uuid, bool>> {
    let mut sources: Vec<Uuid> = flat
        .iter()
        .filter_map(|(_, o)| source_stream(o))
        .filter(|s| *s != target)
        .collect();
    sources.sort();
    sources.dedup();
    if sources.is_empty() {
        return Ok(HashMap::new());
    }
    state
        .store(move |s| {
            let projects = s.projects()?;
            let mut out = HashMap::new();
            for src in sources {
                let mut here = false;
                for p in &projects {
                    if s.log_stream(p.id, src)?.is_some() {
                        here = true;
                        break;
                    }
                }
                out.insert(src, here);
            }
            Ok(out)
        })
        .await
}

/// Maps every id field through [`copy_id`]; a value that is not a UUID is left for the decoder
/// to report.
fn remap_ids(obj: &mut Map<String, Value>, target: Uuid) {
    for field in ID_FIELDS {
        if let Some(Value::String(s)) = obj.get_mut(*field) {
            if let Ok(old) = Uuid::parse_str(s) {
                *s = copy_id(target, old).to_string();
            }
        }
    }
}

/// The id of the copy of record `old` in stream `target`: deterministic, so a re-import finds
/// the same records, and shaped as a version-4 UUID because the Galileo SDK reads ids back as
/// UUID4 and would refuse another version.
pub fn copy_id(target: Uuid, old: Uuid) -> Uuid {
    let hashed = Uuid::new_v5(&target, old.as_bytes());
    uuid::Builder::from_random_bytes(*hashed.as_bytes()).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_get_stable_v4_ids() {
        let (target, old) = (Uuid::new_v4(), Uuid::new_v4());
        let a = copy_id(target, old);
        assert_eq!(a, copy_id(target, old));
        assert_ne!(a, old);
        assert_eq!(a.get_version_num(), 4);
        assert_ne!(a, copy_id(Uuid::new_v4(), old));
    }

    #[test]
    fn nested_spans_become_flat_records_with_their_parents() {
        let t = "30a44133-66cb-4bf1-9f90-9748d6642fef";
        let rec = json!({"type": "trace", "id": t, "num_spans": 1, "spans": [
            {"type": "workflow", "id": "06b80396-7eb4-4dc0-a41d-66a575a9211d", "spans": [
                {"type": "llm", "id": "16b80396-7eb4-4dc0-a41d-66a575a9211d"}]}]});
        let mut out = Vec::new();
        flatten(rec, "records[0]".into(), None, &mut out).unwrap();
        let paths: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "records[0]",
                "records[0].spans[0]",
                "records[0].spans[0].spans[0]"
            ]
        );
        assert!(out.iter().all(|(_, o)| !o.contains_key("spans")));
        assert_eq!(out[2].1["trace_id"], t);
        assert_eq!(
            out[2].1["parent_id"],
            "06b80396-7eb4-4dc0-a41d-66a575a9211d"
        );
    }
}
