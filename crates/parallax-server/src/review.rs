//! The review layer's core, shared by the API and the console: reading ops from JSON, naming the
//! actor, and running bulk annotation jobs in the background.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use parallax_model::{MetadataKey, MetadataValue, Tag};
use parallax_query::{Expr, Root};
use parallax_store::{Actor, AnnotationOp, BulkJob, NewBulkJob, Source};
use serde_json::{json, Value};
use uuid::Uuid;

/// How many records one bulk transaction annotates: large enough to amortise the commit, small
/// enough that ingest keeps flowing between chunks.
const CHUNK: usize = 2000;

/// Annotates one record after the PII guard, returning the events and any PII warnings. Every
/// surface that annotates a single record goes through here.
pub async fn annotate_record(
    state: &AppState,
    project_id: Uuid,
    record_id: Uuid,
    ops: Vec<AnnotationOp>,
    actor: Actor,
    source: Source,
) -> ApiResult<(Vec<parallax_store::AnnotationEvent>, Vec<Value>)> {
    let policy = crate::pii::policy(state, project_id).await?;
    let (ops, warnings) = crate::pii::guard_ops(policy, ops)?;
    let limits = state.limits;
    let events = state
        .store(move |s| s.annotate(project_id, record_id, ops, actor, source, limits))
        .await?;
    Ok((events, warnings))
}

pub fn key_actor(who: &Principal) -> Actor {
    Actor(format!("key:{}", who.key.prefix))
}

/// Reads one op object (`{"op": "add_tag", "key": "x"}`; `tag` is accepted for `key`), naming
/// the path of anything wrong.
pub fn parse_op(v: &Value, path: &str) -> ApiResult<AnnotationOp> {
    let bad = |m: String| ApiError::Unprocessable(format!("{path}{m}"));
    let op = v["op"].as_str().ok_or_else(|| {
        bad(".op: required (add_tag, remove_tag, set_metadata or unset_metadata)".into())
    })?;
    let key = v
        .get("key")
        .or_else(|| v.get("tag"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad(".key: required".into()))?;
    let tag = || Tag::parse(key).map_err(|e| bad(format!(".key: {e}")));
    let mkey = || MetadataKey::parse(key).map_err(|e| bad(format!(".key: {e}")));
    Ok(match op {
        "add_tag" => AnnotationOp::AddTag(tag()?),
        "remove_tag" => AnnotationOp::RemoveTag(tag()?),
        "set_metadata" => {
            let value = v["value"].as_str().ok_or_else(|| bad(".value: set_metadata needs a string value".into()))?;
            AnnotationOp::SetMetadata(mkey()?, MetadataValue::parse(value).map_err(|e| bad(format!(".value: {e}")))?)
        }
        "unset_metadata" => AnnotationOp::UnsetMetadata(mkey()?),
        other => return Err(bad(format!(".op: unknown op {other:?}; expected add_tag, remove_tag, set_metadata or unset_metadata"))),
    })
}

pub fn parse_ops(v: &Value) -> ApiResult<Vec<AnnotationOp>> {
    let items = v
        .as_array()
        .ok_or_else(|| ApiError::Unprocessable("ops: expected an array of ops".into()))?;
    if items.is_empty() {
        return Err(ApiError::Unprocessable("ops: give at least one op".into()));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, op)| parse_op(op, &format!("ops[{i}]")))
        .collect()
}

pub fn ops_json(ops: &[AnnotationOp]) -> Value {
    Value::Array(
        ops.iter()
            .map(|o| json!({"op": o.name(), "key": o.key(), "value": o.value()}))
            .collect(),
    )
}

pub fn job_json(j: &BulkJob) -> Value {
    json!({
        "id": j.id.to_string(), "log_stream_id": j.log_stream_id.to_string(), "root": j.root, "q": j.query, "ops": j.ops,
        "state": j.state, "total": j.total, "done": j.done, "actor": j.actor, "created_at": j.created_at.to_rfc3339(),
        "finished_at": j.finished_at.map(|t| t.to_rfc3339()), "undo_of": j.undo_of.map(|u| u.to_string()), "error": j.error,
    })
}

/// Which records a bulk job annotates: those of `root` in the stream matching `filter` (whose
/// text, `query`, is kept with the job) when the job starts.
pub struct BulkSpec {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub root: Root,
    pub query: String,
    pub filter: Option<Expr>,
}

/// Starts a bulk job: snapshots the matching records now, then annotates them chunk by chunk in
/// the background. Returns the job as created.
pub async fn start_bulk(
    state: &AppState,
    spec: BulkSpec,
    ops: Vec<AnnotationOp>,
    actor: Actor,
) -> ApiResult<BulkJob> {
    let BulkSpec {
        project_id,
        log_stream_id,
        root,
        query,
        filter,
    } = spec;
    let policy = crate::pii::policy(state, project_id).await?;
    let (ops, _) = crate::pii::guard_ops(policy, ops)?;
    let new = NewBulkJob {
        project_id,
        log_stream_id,
        root: format!("{root:?}").to_lowercase(),
        query,
        ops: ops_json(&ops),
        actor: actor.0.clone(),
        undo_of: None,
    };
    let job = state.store(move |s| s.create_job(new)).await?;
    let ids = state
        .store(move |s| s.matching_ids(project_id, log_stream_id, root, filter.as_ref()))
        .await?;
    let total = ids.len() as u64;
    let (id, st) = (job.id, state.clone());
    state
        .store(move |s| s.update_job(id, "running", total, 0, None))
        .await?;
    tokio::spawn(async move {
        let mut done = 0u64;
        for chunk in ids.chunks(CHUNK) {
            let (chunk, ops, actor, limits) =
                (chunk.to_vec(), ops.clone(), actor.clone(), st.limits);
            let n = chunk.len() as u64;
            let result = st
                .store(move |s| {
                    s.annotate_many(project_id, chunk, ops, actor, Source::Bulk(id), limits)
                })
                .await;
            if let Err(e) = result {
                let _ = st
                    .store(move |s| {
                        s.update_job(id, "failed", total, done, Some(e.public_message()))
                    })
                    .await;
                return;
            }
            done += n;
            let _ = st
                .store(move |s| s.update_job(id, "running", total, done, None))
                .await;
        }
        let _ = st
            .store(move |s| s.update_job(id, "done", total, done, None))
            .await;
    });
    Ok(job)
}

/// Undoes a whole job as a new job that appends the inverse of each of its events.
pub async fn undo_bulk(
    state: &AppState,
    project_id: Uuid,
    job: BulkJob,
    actor: Actor,
) -> ApiResult<BulkJob> {
    if job.state == "running" {
        return Err(ApiError::Conflict(format!(
            "job {} is still running; undo it when it has finished",
            job.id
        )));
    }
    if job.state == "undone" {
        return Err(ApiError::Conflict(format!(
            "job {} was already undone",
            job.id
        )));
    }
    let new = NewBulkJob {
        project_id,
        log_stream_id: job.log_stream_id,
        root: job.root.clone(),
        query: job.query.clone(),
        ops: json!({"undo": job.id.to_string()}),
        actor: actor.0.clone(),
        undo_of: Some(job.id),
    };
    let undo = state.store(move |s| s.create_job(new)).await?;
    // Each record of the job got one event per op; each is undone by one inverse.
    let events = job.done * job.ops.as_array().map_or(1, |a| a.len() as u64);
    let (undo_id, target, total, st) = (undo.id, job.id, events, state.clone());
    state
        .store(move |s| s.update_job(target, "undone", job.total, job.done, None))
        .await?;
    tokio::spawn(async move {
        let mut after = None;
        let mut done = 0u64;
        loop {
            let a = actor.clone();
            match st
                .store(move |s| s.undo_job_chunk(project_id, target, undo_id, a, after, CHUNK))
                .await
            {
                Ok((n, next)) => {
                    done += n;
                    let _ = st
                        .store(move |s| s.update_job(undo_id, "running", total, done, None))
                        .await;
                    match next {
                        Some(pos) => after = Some(pos),
                        None => break,
                    }
                }
                Err(e) => {
                    let _ = st
                        .store(move |s| {
                            s.update_job(undo_id, "failed", total, done, Some(e.public_message()))
                        })
                        .await;
                    return;
                }
            }
        }
        let _ = st
            .store(move |s| s.update_job(undo_id, "done", done, done, None))
            .await;
    });
    Ok(undo)
}
