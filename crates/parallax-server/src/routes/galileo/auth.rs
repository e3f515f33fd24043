//! Health, login and the current user (PROTOCOL.md §3.1–3.3, §3.8).

use crate::auth::{issue_token, key_for_secret, unix_now, Principal, TOKEN_SECONDS};
use crate::error::{ApiError, ApiResult};
use crate::json;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parallax_store::Role;
use serde_json::{json, Value};

pub async fn healthcheck() -> Json<Value> {
    Json(json!({"api_version": "parallax", "message": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

/// The SDK switches to a separate ingest service when this answers 2xx; Parallax serves
/// everything on one origin, so it answers 404 (PROTOCOL.md §3.8).
pub async fn ingest_healthz() -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"detail": "no separate ingest service; use /v2/projects/{id}/traces"})),
    )
}

#[derive(serde::Deserialize)]
struct LoginRequest {
    api_key: String,
}

pub async fn login_api_key(State(state): State<AppState>, body: Bytes) -> ApiResult<Json<Value>> {
    let req: LoginRequest = json::parse(&body)?;
    let key = key_for_secret(&state, &req.api_key)
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("the API key is unknown or revoked".into()))?;
    Ok(Json(json!({
        "access_token": issue_token(&state.secret, key.id, unix_now()),
        "token_type": "bearer",
        "expires_in": TOKEN_SECONDS,
    })))
}

/// The SDK validates `id` as a UUIDv4 and `role` against Galileo's roles.
pub async fn current_user(who: Principal) -> Json<Value> {
    let role = match who.key.role {
        Role::Admin => "admin",
        Role::Annotator => "user",
        Role::Viewer => "read_only",
    };
    Json(json!({
        "id": who.key.id.to_string(),
        "email": format!("key-{}@api-keys.parallax.local", who.key.id.simple()),
        "role": role,
        "first_name": who.key.name,
        "last_name": "",
    }))
}
