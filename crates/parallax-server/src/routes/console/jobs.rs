//! Bulk annotation jobs of a project: the list, one job's page with its progress and an
//! **Undo job** button, and the JSON the page polls while the job runs.
//!
//! The console authenticates with its session cookie, not with API keys, so it cannot poll the
//! native API's `GET /api/v1/projects/{pid}/bulk-annotations/{id}`; `GET
//! /console/api/projects/{pid}/jobs/{id}` answers the same JSON (`review::job_json`) to a
//! logged-in console user. Without script the page has a Refresh link instead.

use super::format::{absolute, count, relative, short_id};
use super::layout::{project_page, Crumb, PageError, PageResult};
use super::projects::{load_project, parse_uuid, stream_href};
use super::review::{
    actor, actor_label, can_annotate, describe_ops_json, field, parse_fields, ReviewerUser,
};
use super::session::ConsoleUser;
use super::view::{add_clause, tag_clause, RootParam, View};
use crate::review::{job_json, undo_bulk};
use crate::state::AppState;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::{html, Markup};
use parallax_model::Timestamp;
use parallax_store::{BulkJob, Project};
use serde_json::Value;
use uuid::Uuid;

/// Jobs the list shows, newest first.
const LIST: usize = 100;

fn job_href(project_id: Uuid, job: Uuid) -> String {
    format!("/console/projects/{project_id}/jobs/{job}")
}

fn state_badge(state: &str) -> Markup {
    html! { span #job-state class=(format!("badge job-state state-{state}")) { (state) } }
}

/// Whether the job may be undone now: a finished job that is not itself an undo.
fn undoable(job: &BulkJob) -> bool {
    job.undo_of.is_none() && matches!(job.state.as_str(), "done" | "failed")
}

/// Links to the records a job tagged: one filter per added tag.
fn find_links(project_id: Uuid, job: &BulkJob) -> Markup {
    let base = stream_href(project_id, job.log_stream_id);
    let root = RootParam::parse(&job.root);
    let added: Vec<&str> = job
        .ops
        .as_array()
        .map(|ops| {
            ops.iter()
                .filter(|o| o["op"] == "add_tag")
                .filter_map(|o| o["key"].as_str())
                .collect()
        })
        .unwrap_or_default();
    html! {
        p.find {
            @for t in added {
                a.button href=(View { root, ..View::default() }.with_q(add_clause("", &tag_clause(t))).href(&base)) { "Records tagged " (t) }
                " "
            }
            @if !job.query.trim().is_empty() {
                a.button href=(View { root, q: job.query.clone(), ..View::default() }.href(&base)) { "The job's filter" }
            }
        }
    }
}

fn job_page(
    user: &ConsoleUser,
    project: &Project,
    job: &BulkJob,
    undone_by: Option<&BulkJob>,
    error: Option<String>,
) -> Response {
    let now = Timestamp::now();
    let running = job.state == "running";
    let poll = format!("/console/api/projects/{}/jobs/{}", project.id, job.id);
    let body = html! {
        h1 { @if job.undo_of.is_some() { "Undo job " } @else { "Bulk job " } span.mono { (short_id(job.id)) } }
        @if let Some(m) = &error { p.notice.error role="alert" { (m) } }
        section #job.card.job data-poll=(poll) data-state=(job.state) {
            p.progress-line {
                (state_badge(&job.state)) " "
                span #job-done { (count(job.done)) } " of " span #job-total { (count(job.total)) }
                // An undo job counts the events it inverts, not records.
                @if job.undo_of.is_some() { " events" } @else { " records" }
                @if running { " · " a #job-refresh href=(job_href(project.id, job.id)) { "Refresh" } }
            }
            progress #job-progress value=(job.done) max=(job.total.max(1)) {}
            dl.kv {
                dt { "Operations" } dd { (describe_ops_json(&job.ops)) }
                dt { "Records" } dd {
                    (RootParam::parse(&job.root).plural())
                    @if job.query.trim().is_empty() { " (no filter)" } @else { " matching " code { (job.query) } }
                }
                dt { "Started" } dd { "by " (actor_label(&job.actor)) " · " time title=(absolute(job.created_at)) { (relative(job.created_at, now)) } }
                @if let Some(t) = job.finished_at { dt { "Finished" } dd { time title=(absolute(t)) { (relative(t, now)) } } }
                @if let Some(e) = &job.error { dt { "Error" } dd.err { (e) } }
                @if let Some(of) = job.undo_of { dt { "Undoes" } dd { a href=(job_href(project.id, of)) { "bulk job " (short_id(of)) } } }
                @if let Some(u) = undone_by { dt { "Undone by" } dd { a #undone-by href=(job_href(project.id, u.id)) { "undo job " (short_id(u.id)) } } }
            }
            @if job.undo_of.is_none() { (find_links(project.id, job)) }
            @if undoable(job) && can_annotate(user) {
                form #undo-job method="post" action=(format!("{}/undo", job_href(project.id, job.id))) {
                    input type="hidden" name="csrf" value=(user.csrf);
                    button.danger type="submit" { "Undo job" }
                    span.dim.small { " Appends the inverse of each of its " (count(job.done)) " records' events, as one new job." }
                }
            }
        }
        p { a href=(format!("/console/projects/{}/jobs", project.id)) { "All jobs of " (project.name) } }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::link("Jobs", format!("/console/projects/{}/jobs", project.id)),
        Crumb::here(short_id(job.id)),
    ];
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    (
        status,
        project_page(user, project.id, "Bulk job", &crumbs, body),
    )
        .into_response()
}

async fn load_job(
    state: &AppState,
    project: &Project,
    raw: &str,
) -> PageResult<(BulkJob, Option<BulkJob>)> {
    let id = parse_uuid(raw, "bulk job")?;
    let p = project.id;
    let (job, jobs) = state
        .store(move |s| Ok((s.job(p, id)?, s.jobs(p, LIST)?)))
        .await?;
    let job = job.ok_or_else(|| PageError::not_found(format!("bulk job {id} not found")))?;
    let undone_by = jobs.into_iter().find(|j| j.undo_of == Some(id));
    Ok((job, undone_by))
}

/// `GET /console/projects/{pid}/jobs/{jid}`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, jid)): Path<(String, String)>,
) -> PageResult<Response> {
    let project = load_project(&state, &pid).await?;
    let (job, undone_by) = load_job(&state, &project, &jid).await?;
    Ok(job_page(&user, &project, &job, undone_by.as_ref(), None))
}

/// `POST /console/projects/{pid}/jobs/{jid}/undo`.
pub async fn undo(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, jid)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    user.check_csrf(field(&parse_fields(&body), "csrf"))?;
    let project = load_project(&state, &pid).await?;
    let (job, undone_by) = load_job(&state, &project, &jid).await?;
    if job.undo_of.is_some() {
        return Ok(job_page(
            &user,
            &project,
            &job,
            undone_by.as_ref(),
            Some("an undo job is not undone itself; run the original job again instead".into()),
        ));
    }
    match undo_bulk(&state, project.id, job.clone(), actor(&user)).await {
        Ok(u) => {
            tracing::info!(by = %user.email, job = %job.id, undo = %u.id, "bulk job undone in the console");
            Ok(Redirect::to(&job_href(project.id, u.id)).into_response())
        }
        Err(crate::error::ApiError::Conflict(m)) => {
            Ok(job_page(&user, &project, &job, undone_by.as_ref(), Some(m)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /console/api/projects/{pid}/jobs/{jid}`: the job as JSON, for the page's polling.
pub async fn json(
    State(state): State<AppState>,
    _user: ConsoleUser,
    Path((pid, jid)): Path<(String, String)>,
) -> PageResult<Json<Value>> {
    let project = load_project(&state, &pid).await?;
    let id = parse_uuid(&jid, "bulk job")?;
    let p = project.id;
    let job = state
        .store(move |s| s.job(p, id))
        .await?
        .ok_or_else(|| PageError::not_found(format!("bulk job {id} not found")))?;
    Ok(Json(job_json(&job)))
}

/// `GET /console/projects/{pid}/jobs`.
pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(pid): Path<String>,
) -> PageResult<Response> {
    let project = load_project(&state, &pid).await?;
    let p = project.id;
    let (jobs, streams) = state
        .store(move |s| Ok((s.jobs(p, LIST)?, s.log_streams(p)?)))
        .await?;
    let now = Timestamp::now();
    let stream_name = |id: Uuid| {
        streams
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| short_id(id))
    };
    let body = html! {
        h1 { "Bulk jobs" }
        @if jobs.is_empty() {
            p.empty { "No bulk jobs yet. Select rows in a log stream, or all records matching a filter, and annotate them." }
        } @else {
            table.grid.compact.jobs {
                thead { tr { th { "Started" } th { "Job" } th { "State" } th { "Operations" } th { "Stream" } th { "Filter" } th.num { "Records" } th { "By" } } }
                tbody {
                    @for j in &jobs {
                        tr {
                            td.nowrap { time title=(absolute(j.created_at)) { (relative(j.created_at, now)) } }
                            td.mono { a href=(job_href(p, j.id)) { (short_id(j.id)) } }
                            td { span class=(format!("badge job-state state-{}", j.state)) { (j.state) } }
                            td { (describe_ops_json(&j.ops)) @if let Some(of) = j.undo_of { " " a href=(job_href(p, of)) { (short_id(of)) } } }
                            td { a href=(stream_href(p, j.log_stream_id)) { (stream_name(j.log_stream_id)) } }
                            td.mono.io { span.preview title=(j.query) { (super::format::clip(&j.query, 60)) } }
                            td.num { (count(j.done)) " / " (count(j.total)) }
                            td { (actor_label(&j.actor)) }
                        }
                    }
                }
            }
        }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::here("Jobs"),
    ];
    Ok(project_page(&user, project.id, "Bulk jobs", &crumbs, body))
}
