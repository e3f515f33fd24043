//! The native query API: search and count in the text language, group-by aggregates, and the
//! stream's vocabulary (metadata keys, values, tags).

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json;
use crate::routes::query_common::{
    export as stream_export, parse_record_root, parse_root, parse_text, Format,
};
use crate::routes::{load_project, load_stream};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use parallax_query::{Field, Root, Sort};
use parallax_store::{AggregateRequest, Group, GroupBy, Page, SearchRequest};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Deserialize)]
pub struct SortSpec {
    field: String,
    #[serde(default)]
    ascending: bool,
}

#[derive(Deserialize)]
pub struct SearchBody {
    log_stream_id: Uuid,
    root: Option<String>,
    q: Option<String>,
    sort: Option<SortSpec>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// Reads a sort field in the text language's spelling (`created_at`, `metadata.k`, `duration`).
fn parse_sort(spec: Option<SortSpec>) -> ApiResult<Sort> {
    let Some(spec) = spec else {
        return Ok(Sort::default());
    };
    let field = match parallax_query::parse(&format!("has({})", spec.field)) {
        Ok(Some(parallax_query::Expr::Pred(parallax_query::Predicate::Exists(f)))) => f,
        _ => Field::from_column_id(&spec.field)
            .map_err(|e| ApiError::BadRequest(format!("sort.field: {e}")))?,
    };
    Ok(Sort {
        field,
        ascending: spec.ascending,
    })
}

pub async fn search(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: SearchBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;
    let root = parse_root(body.root.as_deref())?;
    let req = SearchRequest {
        project_id: project.id,
        log_stream_id: stream.id,
        root,
        filter: parse_text(body.q.as_deref())?,
        sort: parse_sort(body.sort)?,
        limit: body.limit.unwrap_or(50).clamp(1, 1000),
        page: match body.cursor {
            Some(c) if !c.is_empty() => Page::Cursor(c),
            _ => Page::Offset(0),
        },
    };
    if root == Root::Session {
        let page = state.store(move |s| s.search_sessions(&req)).await?;
        let records: Vec<Value> = page
            .sessions
            .iter()
            .map(crate::routes::galileo::search::session_record)
            .collect();
        return Ok(Json(
            json!({"records": records, "next_cursor": page.next_offset.map(|o| format!("o.{o}"))}),
        ));
    }
    let page = state.store(move |s| s.search(&req)).await?;
    let records: Vec<Value> = page
        .records
        .iter()
        .map(crate::routes::stored_json)
        .collect();
    Ok(Json(
        json!({"records": records, "next_cursor": page.next_cursor}),
    ))
}

#[derive(Deserialize)]
pub struct CountBody {
    log_stream_id: Uuid,
    root: Option<String>,
    q: Option<String>,
}

pub async fn count(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: CountBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;
    let root = parse_root(body.root.as_deref())?;
    let filter = parse_text(body.q.as_deref())?;
    let n = state
        .store(move |s| s.count(project.id, stream.id, root, filter.as_ref()))
        .await?;
    Ok(Json(json!({"count": n})))
}

#[derive(Deserialize)]
pub struct AggregateBody {
    log_stream_id: Uuid,
    root: Option<String>,
    q: Option<String>,
    group_by: String,
    top: Option<usize>,
    interval: Option<String>,
}

pub fn parse_group_by(raw: &str) -> ApiResult<GroupBy> {
    match raw {
        "tag" | "tags" => Ok(GroupBy::Tag),
        "model" => Ok(GroupBy::Model),
        "type" => Ok(GroupBy::Type),
        "status_code" => Ok(GroupBy::StatusCode),
        other => match other.strip_prefix("metadata.").or_else(|| other.strip_prefix("user_metadata.")) {
            Some(k) if !k.is_empty() => Ok(GroupBy::Metadata(k.trim_matches('"').to_owned())),
            _ => Err(ApiError::BadRequest(format!(
                "group_by: cannot group by {other:?}; use tag, metadata.<key>, model, type or status_code"
            ))),
        },
    }
}

/// `30s`, `5m`, `1h`, `1d` as microseconds.
fn parse_interval(raw: &str) -> ApiResult<i64> {
    let bad = || {
        ApiError::BadRequest(format!(
            "interval: {raw:?} is not an interval like 30s, 5m, 1h or 1d"
        ))
    };
    let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = raw.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if n <= 0 {
        return Err(bad());
    }
    Ok(n * secs * 1_000_000)
}

pub fn group_json(g: &Group) -> Value {
    json!({
        "key": g.key,
        "count": g.count,
        "errors": g.errors,
        "error_rate": g.error_rate(),
        "latency_ns": {"p50": g.latency_ns.p50, "p95": g.latency_ns.p95, "p99": g.latency_ns.p99},
        "tokens": {"input": g.tokens.input, "output": g.tokens.output, "total": g.tokens.total},
        "series": g.series.iter().map(|b| json!({"start": b.start.to_rfc3339(), "count": b.count, "errors": b.errors})).collect::<Vec<_>>(),
    })
}

pub async fn aggregate(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: AggregateBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;
    let root = parse_record_root(body.root.as_deref(), "aggregate over")?;
    let req = AggregateRequest {
        project_id: project.id,
        log_stream_id: stream.id,
        root,
        filter: parse_text(body.q.as_deref())?,
        group_by: parse_group_by(&body.group_by)?,
        top: body.top.unwrap_or(20).clamp(1, 1000),
        interval_us: body.interval.as_deref().map(parse_interval).transpose()?,
    };
    let agg = state.store(move |s| s.aggregate(&req)).await?;
    Ok(Json(json!({
        "groups": agg.groups.iter().map(group_json).collect::<Vec<_>>(),
        "other": agg.other.as_ref().map(group_json),
    })))
}

#[derive(Deserialize)]
pub struct StreamQuery {
    log_stream_id: Uuid,
    prefix: Option<String>,
    limit: Option<usize>,
}

pub async fn metadata_keys(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    Query(q): Query<StreamQuery>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, q.log_stream_id).await?;
    let keys = state
        .store(move |s| s.metadata_keys(project.id, stream.id))
        .await?;
    Ok(Json(json!({"keys": keys.iter().map(|k| json!({
        "key": k.key, "type": k.observed_type, "distinct_values": k.distinct_values,
        "distinct_values_capped": k.distinct_values >= parallax_store::DISTINCT_VALUES_CAP, "records": k.records,
    })).collect::<Vec<_>>()})))
}

pub async fn metadata_values(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, key)): Path<(String, String)>,
    Query(q): Query<StreamQuery>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, q.log_stream_id).await?;
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let k = key.clone();
    let values = state
        .store(move |s| s.metadata_values(project.id, stream.id, &k, q.prefix.as_deref(), limit))
        .await?;
    Ok(Json(
        json!({"key": key, "values": values.iter().map(|(v, n)| json!({"value": v, "count": n})).collect::<Vec<_>>()}),
    ))
}

pub async fn tags(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    Query(q): Query<StreamQuery>,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, q.log_stream_id).await?;
    let tags = state.store(move |s| s.tags(project.id, stream.id)).await?;
    Ok(Json(
        json!({"tags": tags.iter().map(|(t, n)| json!({"tag": t, "count": n})).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize)]
pub struct ExportBody {
    log_stream_id: Uuid,
    root: Option<String>,
    q: Option<String>,
    format: Option<String>,
}

pub async fn export(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let body: ExportBody = json::parse(&body)?;
    let project = load_project(&state, &who, &pid).await?;
    let stream = load_stream(&state, &project, body.log_stream_id).await?;
    let root = parse_root(body.root.as_deref())?;
    let filter = parse_text(body.q.as_deref())?;
    let format = Format::parse(body.format.as_deref())?;
    stream_export(
        state,
        project.id,
        stream.id,
        root,
        filter,
        Sort::default(),
        format,
    )
    .await
}
