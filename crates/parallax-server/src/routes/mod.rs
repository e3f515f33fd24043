//! The router: one module per surface.

pub mod api;
pub mod console;
pub mod galileo;
pub mod otlp;
pub mod query_common;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::Router;

pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .merge(galileo::routes())
        .merge(api::routes())
        .merge(console::routes())
        .route("/v1/traces", axum::routing::post(otlp::traces))
        .route("/otel/traces", axum::routing::post(otlp::traces))
        .route("/otel/v1/traces", axum::routing::post(otlp::traces))
        .route(
            "/api/galileo/otel/traces",
            axum::routing::post(otlp::traces),
        )
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use parallax_store::{LogStream, Project};
use uuid::Uuid;

/// A stored record as Galileo's search JSON, with the ids of where it is stored.
pub fn stored_json(r: &parallax_store::StoredRecord) -> serde_json::Value {
    use parallax_model::wire::galileo::{record_to_json, Owner};
    record_to_json(
        &r.record,
        Owner {
            project_id: r.project_id,
            log_stream_id: r.log_stream_id,
        },
    )
}

/// Parses a path id, naming what it should have been.
pub fn parse_id(raw: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::NotFound(format!("{what} {raw:?} not found (not a UUID)")))
}

/// The project `raw` names, if it exists and the caller may see it.
pub async fn load_project(state: &AppState, who: &Principal, raw: &str) -> ApiResult<Project> {
    let id = parse_id(raw, "project")?;
    who.check_project(id)?;
    state
        .store(move |s| s.project(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("project {id} not found")))
}

/// The log stream `id` of `project`, or a 404 that names it.
pub async fn load_stream(state: &AppState, project: &Project, id: Uuid) -> ApiResult<LogStream> {
    let pid = project.id;
    state
        .store(move |s| s.log_stream(pid, id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("log stream {id} not found in project {pid}")))
}
