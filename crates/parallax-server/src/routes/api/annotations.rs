//! Review through the API: one annotation, a record's history, undo, bulk jobs by filter,
//! registries of tags and metadata keys, and the PII policy.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::{self, parse_value};
use crate::review::{
    annotate_record, job_json, key_actor, parse_op, parse_ops, start_bulk, undo_bulk, BulkSpec,
};
use crate::routes::query_common::{parse_record_root, parse_root, parse_text};
use crate::routes::{load_project, load_stream, parse_id};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use parallax_model::Tag;
use parallax_store::{
    AnnotationEvent, AnnotationOp, KeyInfo, Page, Role, SearchRequest, Source, TagInfo,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

pub fn event_json(e: &AnnotationEvent) -> Value {
    json!({
        "id": e.id.to_string(), "record_id": e.record_id.to_string(), "op": e.op, "key": e.key, "value": e.value,
        "previous": e.previous, "actor": e.actor, "source": e.source, "at": e.at.to_rfc3339(),
        "undoes": e.undoes.map(|u| u.to_string()), "job": e.job.map(|u| u.to_string()),
    })
}

/// `{"record_id", "op", "key", "value"}` or `{"record_id", "ops": [...]}`.
pub async fn annotate(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let body = parse_value(&body)?;
    let record = body["record_id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| {
            ApiError::Unprocessable("record_id: required, the id of a trace or span".into())
        })?;
    let ops = match body.get("ops") {
        Some(ops) => parse_ops(ops)?,
        None => vec![parse_op(&body, "")?],
    };
    let (events, warnings) = annotate_record(
        &state,
        project.id,
        record,
        ops,
        key_actor(&who),
        Source::Api,
    )
    .await?;
    Ok(Json(
        json!({"events": events.iter().map(event_json).collect::<Vec<_>>(), "pii_warnings": warnings}),
    ))
}

/// The record's history, with the values as logged and as they are now.
pub async fn history(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "record")?;
    let events = state.store(move |s| s.annotations(project.id, id)).await?;
    let record = state
        .store(move |s| s.record(project.id, id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("record {id} not found")))?;
    Ok(Json(json!({
        "record_id": id.to_string(),
        "tags": record.record.tags.iter().map(Tag::as_str).collect::<Vec<_>>(),
        "user_metadata": record.record.metadata.to_json(),
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
    })))
}

pub async fn undo(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "annotation event")?;
    let actor = key_actor(&who);
    let event = state
        .store(move |s| s.undo_annotation(project.id, id, actor, Source::Api))
        .await?;
    Ok(Json(event_json(&event)))
}

#[derive(Deserialize)]
pub struct BulkBody {
    log_stream_id: Uuid,
    root: Option<String>,
    q: Option<String>,
    ops: Value,
    #[serde(default)]
    dry_run: bool,
}

/// A dry run answers how many records match and a sample; a real run starts a job.
pub async fn bulk(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: BulkBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;
    let root = parse_record_root(body.root.as_deref(), "annotate")?;
    let filter = parse_text(body.q.as_deref())?;
    let ops = parse_ops(&body.ops)?;
    let policy = crate::pii::policy(&state, project.id).await?;
    let (ops, pii_warnings) = crate::pii::guard_ops(policy, ops)?;
    if body.dry_run {
        let f = filter.clone();
        let matching = state
            .store(move |s| s.count(project.id, stream.id, root, f.as_ref()))
            .await?;
        let req = SearchRequest {
            project_id: project.id,
            log_stream_id: stream.id,
            root,
            filter,
            sort: Default::default(),
            limit: 10,
            page: Page::Offset(0),
        };
        let sample = state.store(move |s| s.search(&req)).await?;
        let sample: Vec<Value> = sample
            .records
            .iter()
            .map(crate::routes::stored_json)
            .collect();
        return Ok(Json(
            json!({"dry_run": true, "matching": matching, "sample": sample, "ops": crate::review::ops_json(&ops), "pii_warnings": pii_warnings}),
        ));
    }
    who.require_role(Role::Annotator)?;
    let job = start_bulk(
        &state,
        BulkSpec {
            project_id: project.id,
            log_stream_id: stream.id,
            root,
            query: body.q.unwrap_or_default(),
            filter,
        },
        ops,
        key_actor(&who),
    )
    .await?;
    Ok(Json(job_json(&job)))
}

pub async fn job(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "bulk job")?;
    let job = state
        .store(move |s| s.job(project.id, id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("bulk job {id} not found")))?;
    Ok(Json(job_json(&job)))
}

pub async fn jobs(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let jobs = state.store(move |s| s.jobs(project.id, 100)).await?;
    Ok(Json(
        json!({"jobs": jobs.iter().map(job_json).collect::<Vec<_>>()}),
    ))
}

pub async fn undo_job(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let id = parse_id(&id, "bulk job")?;
    let job = state
        .store(move |s| s.job(project.id, id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("bulk job {id} not found")))?;
    let undo = undo_bulk(&state, project.id, job, key_actor(&who)).await?;
    Ok(Json(job_json(&undo)))
}

#[derive(Deserialize)]
pub struct StreamParam {
    log_stream_id: Uuid,
}

/// Groups names that differ only by case, `_`, `-`, `.` or spaces (`user_id`, `userId`, `UserID`).
pub fn near_duplicates<'a>(
    names: impl Iterator<Item = &'a str>,
    fold_separators: bool,
) -> Vec<Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in names {
        let norm: String = n
            .chars()
            .filter(|c| !fold_separators || !matches!(c, '_' | '-' | '.' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        groups.entry(norm).or_default().push(n.to_owned());
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

pub async fn tag_registry(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    Query(q): Query<StreamParam>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, q.log_stream_id).await?;
    let used = state.store(move |s| s.tags(project.id, stream.id)).await?;
    let info = state.store(move |s| s.tag_registry(project.id)).await?;
    let mut tags: Vec<Value> = used
        .iter()
        .map(|(t, n)| {
            let i = info.iter().find(|i| &i.tag == t);
            json!({"tag": t, "count": n, "description": i.and_then(|i| i.description.clone()), "colour": i.and_then(|i| i.colour.clone())})
        })
        .collect();
    for i in info
        .iter()
        .filter(|i| !used.iter().any(|(t, _)| t == &i.tag))
    {
        tags.push(
            json!({"tag": i.tag, "count": 0, "description": i.description, "colour": i.colour}),
        );
    }
    let warnings: Vec<Value> = near_duplicates(used.iter().map(|(t, _)| t.as_str()), false)
        .into_iter()
        .map(|g| json!({"tags": g, "message": format!("tags that differ only by case: {}", g.join(", "))}))
        .collect();
    Ok(Json(json!({"tags": tags, "warnings": warnings})))
}

#[derive(Deserialize)]
pub struct TagInfoBody {
    description: Option<String>,
    colour: Option<String>,
}

pub async fn set_tag_info(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, tag)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let body: TagInfoBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let tag = Tag::parse(&tag).map_err(|e| ApiError::Unprocessable(format!("tag: {e}")))?;
    if let Some(c) = &body.colour {
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
        if !ok {
            return Err(ApiError::Unprocessable(format!(
                "colour: {c:?} is not a colour like #1f77b4"
            )));
        }
    }
    let info = TagInfo {
        tag: tag.as_str().to_owned(),
        description: body.description,
        colour: body.colour,
    };
    let out = json!({"tag": info.tag, "description": info.description, "colour": info.colour});
    state
        .store(move |s| s.set_tag_info(project.id, info))
        .await?;
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct RenameBody {
    log_stream_id: Uuid,
    to: String,
    root: Option<String>,
}

/// Renames (or, when the new name exists, merges) a tag across history, as an undoable bulk job.
pub async fn rename_tag(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, tag)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let body: RenameBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;
    let from = Tag::parse(&tag).map_err(|e| ApiError::Unprocessable(format!("tag: {e}")))?;
    let to = Tag::parse(&body.to).map_err(|e| ApiError::Unprocessable(format!("to: {e}")))?;
    let root = parse_root(body.root.as_deref())?;
    let q = parallax_query::print(&parallax_query::Expr::Pred(
        parallax_query::Predicate::HasTag {
            any_of: vec![from.as_str().to_owned()],
            case_sensitive: true,
        },
    ));
    let filter = parse_text(Some(&q))?;
    let ops = vec![AnnotationOp::AddTag(to), AnnotationOp::RemoveTag(from)];
    let job = start_bulk(
        &state,
        BulkSpec {
            project_id: project.id,
            log_stream_id: stream.id,
            root,
            query: q,
            filter,
        },
        ops,
        key_actor(&who),
    )
    .await?;
    Ok(Json(job_json(&job)))
}

pub async fn key_registry(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    Query(q): Query<StreamParam>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, q.log_stream_id).await?;
    let keys = state
        .store(move |s| s.metadata_keys(project.id, stream.id))
        .await?;
    let info = state.store(move |s| s.key_registry(project.id)).await?;
    let out: Vec<Value> = keys
        .iter()
        .map(|k| {
            let d = info.iter().find(|i| i.key == k.key).and_then(|i| i.description.clone());
            json!({"key": k.key, "type": k.observed_type, "distinct_values": k.distinct_values, "records": k.records, "description": d})
        })
        .collect();
    let warnings: Vec<Value> = near_duplicates(keys.iter().map(|k| k.key.as_str()), true)
        .into_iter()
        .map(|g| json!({"keys": g, "message": format!("keys that look like the same key: {}", g.join(", "))}))
        .collect();
    Ok(Json(json!({"keys": out, "warnings": warnings})))
}

#[derive(Deserialize)]
pub struct KeyInfoBody {
    description: Option<String>,
}

pub async fn set_key_info(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, key)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let body: KeyInfoBody = json::parse(&body)?;
    let key = parallax_model::MetadataKey::parse(&key)
        .map_err(|e| ApiError::Unprocessable(format!("key: {e}")))?
        .as_str()
        .to_owned();
    let project = load_project(&state, &who, &pid).await?;
    let info = KeyInfo {
        key: key.clone(),
        description: body.description.clone(),
    };
    state
        .store(move |s| s.set_key_info(project.id, info))
        .await?;
    Ok(Json(json!({"key": key, "description": body.description})))
}

pub async fn pii_policy(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let policy = state.store(move |s| s.pii_policy(project.id)).await?;
    Ok(Json(json!({"policy": policy})))
}

#[derive(Deserialize)]
pub struct PolicyBody {
    policy: String,
}

pub async fn set_pii_policy(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Admin)?;
    let body: PolicyBody = json::parse(&body)?;
    if !matches!(body.policy.as_str(), "warn" | "redact" | "reject") {
        return Err(ApiError::Unprocessable(format!(
            "policy: {:?} is not one of warn, redact, reject",
            body.policy
        )));
    }
    let project = load_project(&state, &who, &pid).await?;
    let p = body.policy.clone();
    state
        .store(move |s| s.set_pii_policy(project.id, &p))
        .await?;
    Ok(Json(json!({"policy": body.policy})))
}
