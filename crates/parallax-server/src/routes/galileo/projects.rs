//! Projects and log streams (PROTOCOL.md §3.4–3.7, §7.3).
//!
//! The SDK takes element [0] of `GET /projects?project_name=` without checking the name, so the
//! lookup is exact; it pages through every log stream and matches names itself, so pagination
//! must be right; and every create answers 200, never 201.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json;
use crate::routes::{load_project, load_stream, parse_id};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use parallax_store::{LogStream, Project, Role};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn project_json(p: &Project) -> Value {
    let created_by = p.created_by.unwrap_or_default().to_string();
    let at = p.created_at.to_rfc3339();
    json!({
        "id": p.id.to_string(),
        "name": p.name,
        "type": "gen_ai",
        "created_by": created_by,
        "created_by_user": {"id": created_by, "email": "api-key@parallax.local"},
        "runs": [],
        "created_at": at,
        "updated_at": at,
        "bookmark": false,
        "permissions": [],
        "labels": [],
        "description": null,
    })
}

pub fn stream_json(s: &LogStream) -> Value {
    let at = s.created_at.to_rfc3339();
    json!({
        "id": s.id.to_string(),
        "name": s.name,
        "project_id": s.project_id.to_string(),
        "created_at": at,
        "updated_at": at,
        "created_by": null,
        "num_traces": s.num_traces,
        "num_spans": s.num_spans,
        "has_user_created_sessions": false,
    })
}

#[derive(Deserialize)]
pub struct FindQuery {
    project_name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub async fn find(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<FindQuery>,
) -> ApiResult<Json<Value>> {
    if q.kind.as_deref().is_some_and(|k| k != "gen_ai") {
        return Ok(Json(json!([])));
    }
    let projects = match q.project_name {
        Some(name) => state
            .store(move |s| s.project_by_name(name.trim()))
            .await?
            .into_iter()
            .collect(),
        None => state.store(|s| s.projects()).await?,
    };
    Ok(Json(Value::Array(
        projects
            .iter()
            .filter(|p| who.key.may_access(p.id))
            .map(project_json)
            .collect(),
    )))
}

pub async fn list(State(state): State<AppState>, who: Principal) -> ApiResult<Json<Value>> {
    find(
        State(state),
        who,
        Query(FindQuery {
            project_name: None,
            kind: None,
        }),
    )
    .await
}

#[derive(Deserialize)]
struct CreateProject {
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: CreateProject = json::parse(&body)?;
    if who.key.projects.is_some() {
        return Err(ApiError::Forbidden(
            "this API key is limited to some projects and cannot create new ones".into(),
        ));
    }
    who.require_role(Role::Annotator)?;
    let name = req.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::Unprocessable(
            "name: a project needs a non-empty name".into(),
        ));
    }
    let by = who.key.id;
    let p = state
        .store(move |s| s.create_project(&name, Some(by)))
        .await?;
    Ok(Json(project_json(&p)))
}

pub async fn get_one(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(project_json(&load_project(&state, &who, &pid).await?)))
}

pub async fn streams(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = load_project(&state, &who, &pid).await?;
    let all = state.store(move |s| s.log_streams(p.id)).await?;
    Ok(Json(Value::Array(all.iter().map(stream_json).collect())))
}

#[derive(Deserialize)]
pub struct PageQuery {
    starting_token: Option<usize>,
    limit: Option<usize>,
}

pub async fn streams_paginated(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    let p = load_project(&state, &who, &pid).await?;
    let all = state.store(move |s| s.log_streams(p.id)).await?;
    let start = q.starting_token.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(stream_json)
        .collect();
    let next = (start + limit < all.len()).then_some(start + limit);
    Ok(Json(json!({
        "log_streams": page,
        "starting_token": start,
        "limit": limit,
        "paginated": next.is_some(),
        "next_starting_token": next,
    })))
}

#[derive(Deserialize)]
struct CreateStream {
    name: String,
}

pub async fn create_stream(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: CreateStream = json::parse(&body)?;
    who.require_role(Role::Annotator)?;
    let p = load_project(&state, &who, &pid).await?;
    if req.name.is_empty() {
        return Err(ApiError::Unprocessable(
            "name: a log stream needs a non-empty name".into(),
        ));
    }
    let s = state
        .store(move |s| s.create_log_stream(p.id, &req.name))
        .await?;
    Ok(Json(stream_json(&s)))
}

pub async fn stream(
    State(state): State<AppState>,
    who: Principal,
    Path((pid, sid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let p = load_project(&state, &who, &pid).await?;
    let id = parse_id(&sid, "log stream")?;
    Ok(Json(stream_json(&load_stream(&state, &p, id).await?)))
}
