//! The projects page (the console's home) and one project's page: log streams with their trace
//! and span counts. Also the loaders the other pages use to turn path ids into a project and a
//! log stream, or a 404 page that names what was not found.
//!
//! Console roles apply to every project, so there is no per-project check here (unlike API keys,
//! which may be scoped to projects).

use super::format::{count, relative};
use super::layout::{page, Crumb, PageError, PageResult};
use super::session::ConsoleUser;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use parallax_model::Timestamp;
use parallax_store::{LogStream, Project};
use uuid::Uuid;

pub fn parse_uuid(raw: &str, what: &str) -> PageResult<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| PageError::not_found(format!("{what} {raw:?} not found (not a UUID)")))
}

pub async fn load_project(state: &AppState, raw: &str) -> PageResult<Project> {
    let id = parse_uuid(raw, "project")?;
    state
        .store(move |s| s.project(id))
        .await?
        .ok_or_else(|| PageError::not_found(format!("project {id} not found")))
}

/// The project and log stream that a console URL names.
pub async fn load_stream(
    state: &AppState,
    pid: &str,
    sid: &str,
) -> PageResult<(Project, LogStream)> {
    let project = load_project(state, pid).await?;
    let id = parse_uuid(sid, "log stream")?;
    let pid = project.id;
    let stream = state
        .store(move |s| s.log_stream(pid, id))
        .await?
        .ok_or_else(|| {
            PageError::not_found(format!("log stream {id} not found in this project"))
        })?;
    Ok((project, stream))
}

pub fn stream_href(project_id: Uuid, stream_id: Uuid) -> String {
    format!("/console/projects/{project_id}/log-streams/{stream_id}")
}

fn streams_table(project: &Project, streams: &[LogStream], now: Timestamp) -> Markup {
    html! {
        @if streams.is_empty() {
            p.muted { "No log streams yet. Log a trace with the Galileo SDK (" code { "GALILEO_PROJECT=" (project.name) } ") or create one through the API." }
        } @else {
            table.grid.compact {
                thead { tr { th { "Log stream" } th.num { "Traces" } th.num { "Spans" } th { "Created" } th { "Id" } } }
                tbody {
                    @for s in streams {
                        tr {
                            td { a.strong href=(stream_href(project.id, s.id)) { (s.name) } }
                            td.num { (count(s.num_traces)) }
                            td.num { (count(s.num_spans)) }
                            td { time datetime=(s.created_at.to_rfc3339()) title=(s.created_at.to_rfc3339()) { (relative(s.created_at, now)) } }
                            td.mono.dim { (s.id) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/`: every project with its log streams.
pub async fn list(State(state): State<AppState>, user: ConsoleUser) -> PageResult<Response> {
    let all = state
        .store(|s| {
            let mut out = Vec::new();
            for p in s.projects()? {
                let streams = s.log_streams(p.id)?;
                out.push((p, streams));
            }
            Ok(out)
        })
        .await?;
    let now = Timestamp::now();
    let body = html! {
        h1 { "Projects" }
        @if all.is_empty() {
            section.notice {
                p { "No projects yet. Point the Galileo SDK at this server and log a trace:" }
                pre.code { "GALILEO_API_URL=<this server>  GALILEO_API_KEY=<an API key>\nGALILEO_PROJECT=my-project  GALILEO_LOG_STREAM=default" }
            }
        }
        @for (p, streams) in &all {
            section.card {
                h2 { a href=(format!("/console/projects/{}", p.id)) { (p.name) } " " span.dim.mono.small { (p.id) } }
                (streams_table(p, streams, now))
            }
        }
    };
    Ok(page(&user, "Projects", &[Crumb::here("Projects")], body))
}

/// `GET /console/projects/{pid}`: one project's log streams.
pub async fn one(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(pid): Path<String>,
) -> PageResult<Response> {
    let project = load_project(&state, &pid).await?;
    let id = project.id;
    let (streams, policy) = state
        .store(move |s| Ok((s.log_streams(id)?, s.pii_policy(id)?)))
        .await?;
    let body = html! {
        h1 { (project.name) }
        p.dim.mono.small { (project.id) }
        p.small {
            a href=(format!("/console/projects/{id}/jobs")) { "Bulk annotation jobs" }
            " · PII policy " strong #project-pii-policy { (policy) }
            @if let Some(first) = streams.first() { " (" a href=(format!("{}/registry", stream_href(id, first.id))) { "registry" } ")" }
        }
        (streams_table(&project, &streams, Timestamp::now()))
    };
    Ok(page(
        &user,
        &project.name,
        &[
            Crumb::link("Projects", "/console/"),
            Crumb::here(project.name.clone()),
        ],
        body,
    ))
}
