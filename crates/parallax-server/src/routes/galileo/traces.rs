//! Trace and span ingestion, batch and distributed (PROTOCOL.md §3.9, §3.11), and reads by id.
//!
//! Batch bodies carry whole trees with null `trace_id`/`parent_id`; distributed bodies carry one
//! span with its `trace_id`/`parent_id` in the envelope, in any order. Both go through the same
//! decoder and the same idempotent upsert, so re-sends change nothing.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::ingest::store_decoded;
use crate::json::parse_value;
use crate::routes::{load_project, load_stream, parse_id};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use parallax_model::wire::galileo::{decode_step, parse_uuid, Decoded, Placement};
use parallax_model::Tag;
use parallax_store::{AnnotationOp, Project, RecordPatch, Role, Source};
use serde_json::{json, Map, Value};
use uuid::Uuid;

fn object(body: &Value) -> ApiResult<&Map<String, Value>> {
    body.as_object()
        .ok_or_else(|| ApiError::Unprocessable("body: expected a JSON object".into()))
}

fn opt_uuid(obj: &Map<String, Value>, key: &str) -> ApiResult<Option<Uuid>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(
            parse_uuid(s, key).map_err(|e| ApiError::Unprocessable(e.to_string()))?,
        )),
        Some(_) => Err(ApiError::Unprocessable(format!(
            "{key}: expected a UUID string"
        ))),
    }
}

/// The log stream an ingest body names, checked to belong to the project.
async fn body_stream(
    state: &AppState,
    project: &Project,
    obj: &Map<String, Value>,
) -> ApiResult<Uuid> {
    let id = match opt_uuid(obj, "log_stream_id")? {
        Some(id) => id,
        None if opt_uuid(obj, "experiment_id")?.is_some() => {
            return Err(ApiError::Unprocessable(
                "experiment_id: experiments are not supported; log to a log stream".into(),
            ))
        }
        None => return Err(ApiError::Unprocessable("log_stream_id: required".into())),
    };
    Ok(load_stream(state, project, id).await?.id)
}

fn reply(
    project: &Project,
    stream: Uuid,
    session: Option<Uuid>,
    stored: usize,
    quarantined: Value,
    extra: Value,
) -> Json<Value> {
    let mut out = json!({
        "project_id": project.id.to_string(),
        "project_name": project.name,
        "log_stream_id": stream.to_string(),
        "experiment_id": null,
        "session_id": session.map(|s| s.to_string()),
        "records_count": stored,
        "accepted": stored,
        "quarantined": quarantined,
    });
    if let (Value::Object(o), Value::Object(e)) = (&mut out, extra) {
        o.extend(e);
    }
    Json(out)
}

pub async fn ingest_traces(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let _slot = state.ingest_slot().await;
    let mut body = parse_value(&body)?;
    let obj = object(&body)?;
    let stream = body_stream(&state, &project, obj).await?;
    let session = opt_uuid(obj, "session_id")?;
    let traces = match body.get_mut("traces").map(Value::take) {
        Some(Value::Array(t)) => t,
        _ => {
            return Err(ApiError::Unprocessable(
                "traces: expected an array of traces".into(),
            ))
        }
    };
    let traces_count = traces.len();
    let mut decoded = Decoded::default();
    for (i, trace) in traces.into_iter().enumerate() {
        let path = format!("traces[{i}]");
        if trace
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "trace")
        {
            return Err(ApiError::Unprocessable(format!(
                "{path}.type: a top-level step must be a trace"
            )));
        }
        // Galileo gives every trace logged outside a session an implicit session of its own;
        // Parallax uses the trace's id as that session's id.
        let own_id = trace
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        let at = Placement {
            trace_id: None,
            parent_id: None,
            session_id: session.or(own_id),
        };
        decode_step(trace, &path, at, &state.limits, &mut decoded)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    let first_session = session.or_else(|| decoded.records.first().and_then(|r| r.session_id));
    let (summary, quarantined) =
        store_decoded(&state, project.id, stream, decoded, Source::Sdk).await?;
    Ok(reply(
        &project,
        stream,
        first_session,
        summary.stored,
        quarantined,
        json!({"traces_count": traces_count}),
    ))
}

pub async fn ingest_spans(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let _slot = state.ingest_slot().await;
    let mut body = parse_value(&body)?;
    let obj = object(&body)?;
    let stream = body_stream(&state, &project, obj).await?;
    let trace_id = opt_uuid(obj, "trace_id")?
        .ok_or_else(|| ApiError::Unprocessable("trace_id: required".into()))?;
    let parent_id = opt_uuid(obj, "parent_id")?.unwrap_or(trace_id);
    let session = opt_uuid(obj, "session_id")?;
    let spans = match body.get_mut("spans").map(Value::take) {
        Some(Value::Array(s)) => s,
        _ => {
            return Err(ApiError::Unprocessable(
                "spans: expected an array of spans".into(),
            ))
        }
    };
    let mut decoded = Decoded::default();
    let at = Placement {
        trace_id: Some(trace_id),
        parent_id: Some(parent_id),
        session_id: session,
    };
    for (i, span) in spans.into_iter().enumerate() {
        decode_step(
            span,
            &format!("spans[{i}]"),
            at,
            &state.limits,
            &mut decoded,
        )
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    let (summary, quarantined) =
        store_decoded(&state, project.id, stream, decoded, Source::Sdk).await?;
    Ok(reply(
        &project,
        stream,
        session,
        summary.stored,
        quarantined,
        json!({"trace_id": trace_id.to_string(), "parent_id": parent_id.to_string()}),
    ))
}

/// Reads a PATCH body into a patch. Tags are validated like ingest; a bad one is a 422 with its path.
fn patch_from(obj: &Map<String, Value>, id: Uuid) -> ApiResult<RecordPatch> {
    let tags = match obj.get("tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut tags: Vec<Tag> = Vec::new();
            for (i, t) in items.iter().enumerate() {
                let s = t.as_str().ok_or_else(|| {
                    ApiError::Unprocessable(format!("tags[{i}]: tag must be a string"))
                })?;
                let tag = Tag::parse(s)
                    .map_err(|e| ApiError::Unprocessable(format!("tags[{i}]: {e}")))?;
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            Some(tags)
        }
        Some(_) => {
            return Err(ApiError::Unprocessable(
                "tags: expected an array of strings".into(),
            ))
        }
    };
    let int = |key: &str| -> ApiResult<Option<i64>> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::Unprocessable(format!("{key}: expected an integer"))),
        }
    };
    let present = |key: &str| obj.get(key).filter(|v| !v.is_null()).cloned();
    Ok(RecordPatch {
        id,
        input: present("input"),
        output: present("output"),
        status_code: int("status_code")?,
        duration_ns: int("duration_ns")?,
        tags,
        is_complete: obj.get("is_complete").and_then(Value::as_bool),
    })
}

/// How a PATCH's tags are taken: as the logged values (the SDK's distributed mode concluding a
/// step, under `/v2`), or as a review of an existing record (Galileo's update API under
/// `/projects`), where the difference becomes annotation events with source `api`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PatchKind {
    Logging,
    Review,
}

async fn patch_record(
    state: AppState,
    who: Principal,
    pid: String,
    id: String,
    body: Bytes,
    what: &str,
    kind: PatchKind,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, what)?;
    let body = parse_value(&body)?;
    let obj = object(&body)?;
    let pid = project.id;
    let stream = if kind == PatchKind::Review && obj.get("log_stream_id").is_none_or(Value::is_null)
    {
        let found = state.store(move |s| s.record(pid, id)).await?;
        found
            .ok_or_else(|| ApiError::NotFound(format!("{what} {id} not found")))?
            .log_stream_id
    } else {
        body_stream(&state, &project, obj).await?
    };
    let mut patch = patch_from(obj, id)?;
    let review_tags = if kind == PatchKind::Review {
        patch.tags.take()
    } else {
        None
    };
    if patch
        != (RecordPatch {
            id,
            ..Default::default()
        })
        || kind == PatchKind::Logging
    {
        state
            .store(move |s| s.patch_record(pid, stream, patch))
            .await?;
    }
    if let Some(wanted) = review_tags {
        let current = state
            .store(move |s| s.record(pid, id))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("{what} {id} not found")))?;
        let have = current.record.tags;
        let mut ops: Vec<AnnotationOp> = have
            .iter()
            .filter(|t| !wanted.contains(t))
            .map(|t| AnnotationOp::RemoveTag(t.clone()))
            .collect();
        ops.extend(
            wanted
                .iter()
                .filter(|t| !have.contains(t))
                .map(|t| AnnotationOp::AddTag(t.clone())),
        );
        if !ops.is_empty() {
            crate::review::annotate_record(
                &state,
                pid,
                id,
                ops,
                crate::review::key_actor(&who),
                Source::Api,
            )
            .await?;
        }
    }
    let key = if what == "trace" {
        "trace_id"
    } else {
        "span_id"
    };
    let mut extra = Map::new();
    extra.insert(key.into(), id.to_string().into());
    Ok(reply(
        &project,
        stream,
        None,
        1,
        json!([]),
        Value::Object(extra),
    ))
}

pub async fn patch_trace(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    patch_record(state, who, pid, id, body, "trace", PatchKind::Logging).await
}

pub async fn patch_span(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    patch_record(state, who, pid, id, body, "span", PatchKind::Logging).await
}

pub async fn review_trace(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    patch_record(state, who, pid, id, body, "trace", PatchKind::Review).await
}

pub async fn review_span(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    patch_record(state, who, pid, id, body, "span", PatchKind::Review).await
}
