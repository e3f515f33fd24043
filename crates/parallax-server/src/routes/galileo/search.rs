//! Galileo's reads (PROTOCOL.md §7): search of traces, spans and sessions with filter objects,
//! `available_columns` (one column per metadata key) and `export_records`.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::parse_value;
use crate::routes::query_common::{export as stream_export, parse_root, Format};
use crate::routes::{load_project, load_stream};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use parallax_query::{standard_columns, ColumnDef, Query, Root};
use parallax_store::{Page, SearchRequest, SessionSummary};
use serde_json::{json, Value};
use uuid::Uuid;

/// A session as a search record (PROTOCOL.md §7.1: `id`, `project_id`, `run_id` required).
pub fn session_record(s: &SessionSummary) -> Value {
    json!({
        "type": "session",
        "id": s.id.to_string(),
        "project_id": s.project_id.to_string(),
        "run_id": s.log_stream_id.to_string(),
        "log_stream_id": s.log_stream_id.to_string(),
        "name": s.name,
        "external_id": s.external_id,
        "user_metadata": s.metadata,
        "created_at": s.created_at.to_rfc3339(),
        "num_traces": s.num_traces,
        "tags": [],
    })
}

fn stream_of(body: &Value) -> ApiResult<Uuid> {
    match &body["log_stream_id"] {
        Value::String(s) => Uuid::parse_str(s)
            .map_err(|_| ApiError::Unprocessable(format!("log_stream_id: {s:?} is not a UUID"))),
        Value::Null if !body["experiment_id"].is_null() => Err(ApiError::Unprocessable(
            "experiment_id: experiments are not supported; query a log stream".into(),
        )),
        _ => Err(ApiError::Unprocessable("log_stream_id: required".into())),
    }
}

macro_rules! per_root {
    ($name:ident, $inner:ident, $root:expr) => {
        pub async fn $name(
            state: State<AppState>,
            who: Principal,
            Path(pid): Path<String>,
            body: Bytes,
        ) -> ApiResult<Json<Value>> {
            $inner(state, who, pid, $root, body).await
        }
    };
}

per_root!(search_traces, search, Root::Trace);
per_root!(search_spans, search, Root::Span);
per_root!(search_sessions, search, Root::Session);
per_root!(columns_traces, available_columns, Root::Trace);
per_root!(columns_spans, available_columns, Root::Span);
per_root!(columns_sessions, available_columns, Root::Session);

async fn search(
    State(state): State<AppState>,
    who: Principal,
    pid: String,
    root: Root,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let body = parse_value(&body)?;
    let stream = load_stream(&state, &project, stream_of(&body)?).await?;
    let query =
        Query::from_galileo_request(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let start = body["starting_token"].as_u64().unwrap_or(0) as usize;
    let limit = body["limit"].as_u64().unwrap_or(100).clamp(1, 1000) as usize;
    let req = SearchRequest {
        project_id: project.id,
        log_stream_id: stream.id,
        root,
        filter: query.filter,
        sort: query.sort,
        limit,
        page: Page::Offset(start),
    };
    let (records, next) = if root == Root::Session {
        let page = state.store(move |s| s.search_sessions(&req)).await?;
        (
            page.sessions.iter().map(session_record).collect::<Vec<_>>(),
            page.next_offset,
        )
    } else {
        let page = state.store(move |s| s.search(&req)).await?;
        let records = page
            .records
            .iter()
            .map(crate::routes::stored_json)
            .collect();
        (records, page.next_offset)
    };
    let last = records
        .last()
        .and_then(|r| r["id"].as_str().map(str::to_owned));
    Ok(Json(json!({
        "records": records,
        "starting_token": start,
        "limit": limit,
        "paginated": next.is_some(),
        "next_starting_token": next,
        "last_row_id": last,
    })))
}

async fn available_columns(
    State(state): State<AppState>,
    who: Principal,
    pid: String,
    root: Root,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let body = parse_value(&body)?;
    let stream = load_stream(&state, &project, stream_of(&body)?).await?;
    let keys = state
        .store(move |s| s.metadata_keys(project.id, stream.id))
        .await?;
    let mut columns: Vec<Value> = standard_columns(root)
        .iter()
        .map(|c| serde_json::to_value(c).unwrap_or_default())
        .collect();
    columns.extend(
        keys.iter()
            .map(|k| serde_json::to_value(ColumnDef::metadata(&k.key)).unwrap_or_default()),
    );
    Ok(Json(json!({"columns": columns})))
}

pub async fn export_records(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let project = load_project(&state, &who, &pid).await?;
    let body = parse_value(&body)?;
    let stream = load_stream(&state, &project, stream_of(&body)?).await?;
    let root = parse_root(body["root_type"].as_str())?;
    let query =
        Query::from_galileo_request(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let format = Format::parse(body["export_format"].as_str())?;
    stream_export(
        state,
        project.id,
        stream.id,
        root,
        query.filter,
        query.sort,
        format,
    )
    .await
}
