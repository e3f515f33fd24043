//! Reading stored records back: a trace with its span tree, one record, the quarantine.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::routes::{load_project, parse_id};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use parallax_store::StoredRecord;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// The trace `trace_id` with its spans nested under their parents (`spans` arrays), the way
/// the SDK sent them. Spans whose parent is not stored (yet) hang under the trace.
pub async fn trace_json(state: &AppState, project_id: Uuid, trace_id: Uuid) -> ApiResult<Value> {
    let records = state
        .store(move |s| s.trace_records(project_id, trace_id))
        .await?;
    let root = records
        .iter()
        .find(|r| r.record.id == trace_id)
        .ok_or_else(|| ApiError::NotFound(format!("trace {trace_id} not found")))?;
    let known: std::collections::HashSet<Uuid> = records.iter().map(|r| r.record.id).collect();
    let mut children: HashMap<Uuid, Vec<&StoredRecord>> = HashMap::new();
    for r in records.iter().filter(|r| r.record.id != trace_id) {
        let parent = r
            .record
            .parent_id
            .filter(|p| known.contains(p))
            .unwrap_or(trace_id);
        children.entry(parent).or_default().push(r);
    }
    fn build(r: &StoredRecord, children: &HashMap<Uuid, Vec<&StoredRecord>>) -> Value {
        let mut v = crate::routes::stored_json(r);
        let kids: Vec<Value> = children
            .get(&r.record.id)
            .map(|ks| ks.iter().map(|k| build(k, children)).collect())
            .unwrap_or_default();
        v["num_spans"] = json!(kids.len());
        v["spans"] = Value::Array(kids);
        v
    }
    let mut out = build(root, &children);
    out["num_spans"] = json!(records.len() - 1);
    Ok(out)
}

pub async fn get_trace(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "trace")?;
    Ok(Json(trace_json(&state, project.id, id).await?))
}

pub async fn get_record(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "record")?;
    let pid = project.id;
    let r = state
        .store(move |s| s.record(pid, id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("record {id} not found")))?;
    Ok(Json(crate::routes::stored_json(&r)))
}

#[derive(Deserialize)]
pub struct QuarantineQuery {
    log_stream_id: Option<Uuid>,
    limit: Option<usize>,
}

pub async fn quarantine(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    Query(q): Query<QuarantineQuery>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store(move |s| s.quarantine(project.id, q.log_stream_id, limit))
        .await?;
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id.to_string(),
                "record_id": e.record_id.to_string(),
                "log_stream_id": e.log_stream_id.to_string(),
                "type": e.record_type,
                "path": e.path,
                "violations": e.violations,
                "record": e.raw,
                "trace_id": e.trace_id.map(|u| u.to_string()),
                "parent_id": e.parent_id.map(|u| u.to_string()),
                "received_at": e.received_at.to_rfc3339(),
            })
        })
        .collect();
    Ok(Json(json!({"quarantined": items})))
}

/// Admits a quarantined record: the fixed step in `{"record": …}` (or, without a body, the record
/// as kept, re-judged by today's rules), decoded in the place of its tree it came from. If it
/// still breaks a rule the answer is 422 with every violation, and it stays in quarantine.
pub async fn admit(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(parallax_store::Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "quarantined record")?;
    let fixed = if body.is_empty() {
        None
    } else {
        let mut v = crate::json::parse_value(&body)?;
        match v.get_mut("record").map(Value::take) {
            Some(record @ Value::Object(_)) => Some(record),
            _ => {
                return Err(ApiError::Unprocessable(
                    "record: expected the fixed record as an object".into(),
                ))
            }
        }
    };
    let done = crate::quarantine::admit(&state, project.id, id, fixed, parallax_store::Source::Api)
        .await?;
    Ok(Json(
        json!({"admitted": done.summary.stored, "record_id": done.entry.record_id.to_string()}),
    ))
}
