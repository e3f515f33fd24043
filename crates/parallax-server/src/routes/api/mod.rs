//! The native JSON API under `/api/v1/`: what Galileo's API lacks.

pub mod records;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects/{pid}/traces/{id}", get(records::get_trace))
        .route("/api/v1/projects/{pid}/records/{id}", get(records::get_record))
        .route("/api/v1/projects/{pid}/quarantine", get(records::quarantine))
}
