//! The Galileo-compatible API (PROTOCOL.md), served at the root of the origin as the official
//! SDK requires. Ingestion and sessions live under `/v2/projects/...`; reads under `/projects/...`;
//! both spellings are accepted where the SDK's generated client uses either.

mod auth;
mod projects;
pub mod search;
mod sessions;
mod traces;

use crate::routes::api::records;
use crate::state::AppState;
use axum::routing::{get, patch, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthcheck", get(auth::healthcheck))
        .route("/login/api_key", post(auth::login_api_key))
        .route("/current_user", get(auth::current_user))
        .route("/ingest/healthz", get(auth::ingest_healthz))
        .route("/projects", get(projects::find).post(projects::create))
        .route("/projects/all", get(projects::list))
        .route("/projects/{pid}", get(projects::get_one))
        .route(
            "/projects/{pid}/log_streams",
            get(projects::streams).post(projects::create_stream),
        )
        .route(
            "/projects/{pid}/log_streams/paginated",
            get(projects::streams_paginated),
        )
        .route("/projects/{pid}/log_streams/{sid}", get(projects::stream))
        .route("/v2/projects/{pid}/traces", post(traces::ingest_traces))
        .route("/v2/projects/{pid}/spans", post(traces::ingest_spans))
        .route(
            "/v2/projects/{pid}/traces/{id}",
            patch(traces::patch_trace).get(records::get_trace),
        )
        .route(
            "/v2/projects/{pid}/spans/{id}",
            patch(traces::patch_span).get(records::get_record),
        )
        .route(
            "/projects/{pid}/traces/{id}",
            patch(traces::review_trace).get(records::get_trace),
        )
        .route(
            "/projects/{pid}/spans/{id}",
            patch(traces::review_span).get(records::get_record),
        )
        .route("/v2/projects/{pid}/sessions", post(sessions::create))
        .route("/v2/projects/{pid}/sessions/search", post(sessions::search))
        // Spelled out per kind: `/projects/{pid}/traces/{id}` would otherwise capture `search`.
        .route("/projects/{pid}/traces/search", post(search::search_traces))
        .route("/projects/{pid}/spans/search", post(search::search_spans))
        .route(
            "/projects/{pid}/sessions/search",
            post(search::search_sessions),
        )
        .route(
            "/projects/{pid}/traces/available_columns",
            post(search::columns_traces),
        )
        .route(
            "/projects/{pid}/spans/available_columns",
            post(search::columns_spans),
        )
        .route(
            "/projects/{pid}/sessions/available_columns",
            post(search::columns_sessions),
        )
        .route(
            "/projects/{pid}/export_records",
            post(search::export_records),
        )
}
