//! OTLP/HTTP trace ingestion (`POST /v1/traces`, also at Galileo's `/otel/traces` paths).
//!
//! The project and log stream come from request headers: `x-parallax-project` (or Galileo's
//! `project`) and `x-parallax-log-stream` (or `logstream`), each a name or an id; a missing project
//! or stream named by a key allowed to create is created, as the Galileo SDK does. Decoding and
//! convention mapping are pure functions in `parallax-otlp`; this handler only authenticates,
//! picks the stream, stores through the shared ingest core and answers the OTLP way.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::ingest::store_decoded;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parallax_model::wire::galileo::Decoded;
use parallax_otlp::{convert, decode, encode_response, encode_status, DecodeError, Format};
use parallax_store::{Project, Role, Source, StoreError};
use uuid::Uuid;

fn header<'a>(headers: &'a HeaderMap, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn reply(status: StatusCode, body: Vec<u8>, json: bool) -> Response {
    let ct = if json {
        "application/json"
    } else {
        "application/x-protobuf"
    };
    (status, [(header::CONTENT_TYPE, ct)], body).into_response()
}

fn failure(e: &ApiError, json: bool) -> Response {
    let code = match e.status() {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => 3,
        StatusCode::UNAUTHORIZED => 16,
        StatusCode::FORBIDDEN => 7,
        StatusCode::NOT_FOUND => 5,
        _ => 13,
    };
    let status = if e.status() == StatusCode::UNPROCESSABLE_ENTITY {
        StatusCode::BAD_REQUEST
    } else {
        e.status()
    };
    reply(
        status,
        encode_status(code, &e.public_message(), &[], json),
        json,
    )
}

async fn project_for(state: &AppState, who: &Principal, raw: &str) -> Result<Project, ApiError> {
    let by_id = Uuid::parse_str(raw).ok();
    let name = raw.to_owned();
    let found = match by_id {
        Some(id) => state.store(move |s| s.project(id)).await?,
        None => state.store(move |s| s.project_by_name(&name)).await?,
    };
    match found {
        Some(p) => {
            who.check_project(p.id)?;
            Ok(p)
        }
        None if by_id.is_none() && who.key.projects.is_none() => {
            who.require_role(Role::Annotator)?;
            let name = raw.to_owned();
            let by = who.key.id;
            match state
                .store(move |s| s.create_project(&name, Some(by)))
                .await
            {
                Ok(p) => Ok(p),
                Err(ApiError::Conflict(_)) => {
                    let name = raw.to_owned();
                    state
                        .store(move |s| s.project_by_name(&name))
                        .await?
                        .ok_or_else(|| ApiError::NotFound(format!("project {raw:?}")))
                }
                Err(e) => Err(e),
            }
        }
        None => Err(ApiError::NotFound(format!("project {raw:?} not found"))),
    }
}

async fn stream_for(state: &AppState, project: &Project, raw: &str) -> Result<Uuid, ApiError> {
    let pid = project.id;
    let streams = state.store(move |s| s.log_streams(pid)).await?;
    if let Some(s) = streams
        .iter()
        .find(|s| s.name == raw || s.id.to_string() == raw)
    {
        return Ok(s.id);
    }
    let name = raw.to_owned();
    match state.store(move |s| s.create_log_stream(pid, &name)).await {
        Ok(s) => Ok(s.id),
        Err(ApiError::Conflict(_)) => {
            let streams = state.store(move |s| s.log_streams(pid)).await?;
            streams
                .iter()
                .find(|s| s.name == raw)
                .map(|s| s.id)
                .ok_or_else(|| {
                    ApiError::Internal(StoreError::Internal("stream vanished".into()).to_string())
                })
        }
        Err(e) => Err(e),
    }
}

pub async fn traces(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Result<Principal, ApiError>,
    body: Bytes,
) -> Response {
    let content_type = header(&headers, &["content-type"]).unwrap_or("application/x-protobuf");
    let json = matches!(Format::from_content_type(content_type), Ok(Format::Json));
    let who = match who {
        Ok(w) => w,
        Err(e) => return failure(&e, json),
    };
    let encoding = header(&headers, &["content-encoding"]);
    let _slot = state.ingest_slot().await;
    let request = match decode(&body, content_type, encoding, state.config.max_body_bytes) {
        Ok(r) => r,
        Err(e) => {
            let status = match &e {
                DecodeError::UnsupportedMediaType { .. }
                | DecodeError::UnsupportedEncoding { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                DecodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            let violations: Vec<(String, String)> = e.field_violation().into_iter().collect();
            return reply(
                status,
                encode_status(3, &e.to_string(), &violations, json),
                json,
            );
        }
    };
    let project_name = header(&headers, &["x-parallax-project", "project"])
        .unwrap_or("default")
        .to_owned();
    let stream_name = header(&headers, &["x-parallax-log-stream", "logstream"])
        .unwrap_or("default")
        .to_owned();
    if let Err(e) = who.require_role(Role::Annotator) {
        return failure(&e, json);
    }
    let project = match project_for(&state, &who, &project_name).await {
        Ok(p) => p,
        Err(e) => return failure(&e, json),
    };
    let stream = match stream_for(&state, &project, &stream_name).await {
        Ok(s) => s,
        Err(e) => return failure(&e, json),
    };
    let converted = convert(&request, &state.limits);
    let partial = converted.partial_success();
    let decoded = Decoded {
        records: converted.records,
        quarantined: converted.quarantined,
    };
    match store_decoded(&state, project.id, stream, decoded, Source::Otel).await {
        Ok(_) => reply(StatusCode::OK, encode_response(partial, json), json),
        // Released Python exporters retry every 5xx; a store failure is worth retrying.
        Err(e) => failure(&e, json),
    }
}
