//! The native JSON API under `/api/v1/`: what Galileo's API lacks.

pub mod query;
pub mod records;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects/{pid}/traces/{id}", get(records::get_trace))
        .route("/api/v1/projects/{pid}/records/{id}", get(records::get_record))
        .route("/api/v1/projects/{pid}/quarantine", get(records::quarantine))
        .route("/api/v1/projects/{pid}/search", post(query::search))
        .route("/api/v1/projects/{pid}/count", post(query::count))
        .route("/api/v1/projects/{pid}/aggregate", post(query::aggregate))
        .route("/api/v1/projects/{pid}/export", post(query::export))
        .route("/api/v1/projects/{pid}/metadata-keys", get(query::metadata_keys))
        .route("/api/v1/projects/{pid}/metadata-keys/{key}/values", get(query::metadata_values))
        .route("/api/v1/projects/{pid}/tags", get(query::tags))
}
