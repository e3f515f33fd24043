//! The native JSON API under `/api/v1/`: what Galileo's API lacks.

pub mod annotations;
pub mod import;
pub mod keys;
pub mod query;
pub mod records;

use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The OpenAPI document of the native API, kept beside the routes it describes.
const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/projects/{pid}/traces/{id}",
            get(records::get_trace),
        )
        .route(
            "/api/v1/projects/{pid}/records/{id}",
            get(records::get_record),
        )
        .route(
            "/api/v1/projects/{pid}/quarantine",
            get(records::quarantine),
        )
        .route("/api/v1/projects/{pid}/search", post(query::search))
        .route("/api/v1/projects/{pid}/count", post(query::count))
        .route("/api/v1/projects/{pid}/aggregate", post(query::aggregate))
        .route("/api/v1/projects/{pid}/export", post(query::export))
        .route(
            "/api/v1/projects/{pid}/metadata-keys",
            get(query::metadata_keys),
        )
        .route(
            "/api/v1/projects/{pid}/metadata-keys/{key}/values",
            get(query::metadata_values),
        )
        .route("/api/v1/projects/{pid}/tags", get(query::tags))
        .route(
            "/api/v1/projects/{pid}/annotations",
            post(annotations::annotate),
        )
        .route(
            "/api/v1/projects/{pid}/annotations/{id}/undo",
            post(annotations::undo),
        )
        .route(
            "/api/v1/projects/{pid}/records/{id}/annotations",
            get(annotations::history),
        )
        .route(
            "/api/v1/projects/{pid}/bulk-annotations",
            post(annotations::bulk).get(annotations::jobs),
        )
        .route(
            "/api/v1/projects/{pid}/bulk-annotations/{id}",
            get(annotations::job),
        )
        .route(
            "/api/v1/projects/{pid}/bulk-annotations/{id}/undo",
            post(annotations::undo_job),
        )
        .route(
            "/api/v1/projects/{pid}/registry/tags",
            get(annotations::tag_registry),
        )
        .route(
            "/api/v1/projects/{pid}/registry/tags/{tag}",
            axum::routing::put(annotations::set_tag_info),
        )
        .route(
            "/api/v1/projects/{pid}/registry/tags/{tag}/rename",
            post(annotations::rename_tag),
        )
        .route(
            "/api/v1/projects/{pid}/registry/metadata-keys",
            get(annotations::key_registry),
        )
        .route(
            "/api/v1/projects/{pid}/registry/metadata-keys/{key}",
            axum::routing::put(annotations::set_key_info),
        )
        .route(
            "/api/v1/projects/{pid}/pii-policy",
            get(annotations::pii_policy).put(annotations::set_pii_policy),
        )
        .route("/api/v1/projects/{pid}/records", post(import::import))
        .route("/api/v1/keys", get(keys::list).post(keys::create))
        .route("/api/v1/keys/{id}/revoke", post(keys::revoke))
}
