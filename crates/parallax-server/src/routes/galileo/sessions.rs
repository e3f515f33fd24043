//! Sessions (PROTOCOL.md §3.10): create, and the SDK's search by external id.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::parse_value;
use crate::routes::{load_project, load_stream};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use parallax_store::{NewSession, Role, Session};
use serde_json::{json, Value};
use uuid::Uuid;

pub fn session_json(s: &Session, project_name: &str) -> Value {
    json!({
        "id": s.id.to_string(),
        "type": "session",
        "name": s.name,
        "external_id": s.external_id,
        "previous_session_id": s.previous_session_id.map(|u| u.to_string()),
        "user_metadata": s.metadata,
        "project_id": s.project_id.to_string(),
        "project_name": project_name,
        "log_stream_id": s.log_stream_id.to_string(),
        "run_id": s.log_stream_id.to_string(),
        "experiment_id": null,
        "created_at": s.created_at.to_rfc3339(),
    })
}

fn uuid_field(body: &Value, key: &str) -> ApiResult<Option<Uuid>> {
    match &body[key] {
        Value::Null => Ok(None),
        Value::String(s) => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| ApiError::Unprocessable(format!("{key}: {s:?} is not a UUID"))),
        _ => Err(ApiError::Unprocessable(format!(
            "{key}: expected a UUID string"
        ))),
    }
}

fn str_field(body: &Value, key: &str) -> ApiResult<Option<String>> {
    match &body[key] {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(ApiError::Unprocessable(format!("{key}: expected a string"))),
    }
}

pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    who.require_role(Role::Annotator)?;
    let project = load_project(&state, &who, &pid).await?;
    let body = parse_value(&body)?;
    let stream_id = uuid_field(&body, "log_stream_id")?
        .ok_or_else(|| ApiError::Unprocessable("log_stream_id: required".into()))?;
    let stream = load_stream(&state, &project, stream_id).await?;
    let metadata = match &body["user_metadata"] {
        Value::Null => json!({}),
        Value::Object(m) if m.values().all(Value::is_string) => Value::Object(m.clone()),
        _ => {
            return Err(ApiError::Unprocessable(
                "user_metadata: expected an object of string values".into(),
            ))
        }
    };
    let new = NewSession {
        project_id: project.id,
        log_stream_id: stream.id,
        name: str_field(&body, "name")?,
        external_id: str_field(&body, "external_id")?,
        previous_session_id: uuid_field(&body, "previous_session_id")?,
        metadata,
    };
    let made = state.store(move |s| s.create_session(new)).await?;
    Ok(Json(session_json(&made, &project.name)))
}

/// The SDK only searches sessions by `external_id` (and spells `column_id` as `name`).
pub async fn search(
    State(state): State<AppState>,
    who: Principal,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let project = load_project(&state, &who, &pid).await?;
    let body = parse_value(&body)?;
    let stream_id = uuid_field(&body, "log_stream_id")?
        .ok_or_else(|| ApiError::Unprocessable("log_stream_id: required".into()))?;
    let stream = load_stream(&state, &project, stream_id).await?;
    let external = body["filters"].as_array().and_then(|fs| {
        fs.iter().find_map(|f| {
            let column = f
                .get("column_id")
                .or_else(|| f.get("name"))
                .and_then(Value::as_str);
            (column == Some("external_id"))
                .then(|| f["value"].as_str().map(str::to_owned))
                .flatten()
        })
    });
    let records: Vec<Value> = match external {
        Some(ext) => state
            .store(move |s| s.sessions_by_external_id(stream.id, &ext))
            .await?
            .iter()
            .map(|s| session_json(s, &project.name))
            .collect(),
        None => Vec::new(),
    };
    Ok(Json(json!({
        "records": records,
        "starting_token": 0,
        "limit": 100,
        "paginated": false,
        "next_starting_token": null,
        "last_row_id": null,
    })))
}
