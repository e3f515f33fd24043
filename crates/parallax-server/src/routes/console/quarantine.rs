//! The quarantine of one log stream: records that broke a rule, each violation with its JSON path
//! and plain sentence ("Nothing is dropped or truncated silently", PRODUCT.md), and the record as
//! it was received.

use super::format::{absolute, relative};
use super::io::json_block;
use super::layout::{self, Crumb, PageResult};
use super::log_stream::tabs;
use super::projects::{load_stream, stream_href};
use super::session::ConsoleUser;
use super::view::View;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use parallax_model::Timestamp;

/// How many entries the page lists, newest first.
const LIMIT: usize = 200;

/// `GET /console/projects/{pid}/log-streams/{sid}/quarantine`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, sid)): Path<(String, String)>,
) -> PageResult<Response> {
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let (p, s) = (project.id, stream.id);
    let entries = state
        .store(move |st| st.quarantine(p, Some(s), LIMIT))
        .await?;
    let now = Timestamp::now();
    let body = html! {
        (tabs(&project, &stream, &View::default(), "quarantine"))
        @if entries.is_empty() {
            p.empty { "Nothing in quarantine: every record of this stream followed the rules." }
        } @else {
            p.muted {
                (entries.len()) @if entries.len() == LIMIT { "+" }
                @if entries.len() == 1 { " record was" } @else { " records were" }
                " kept aside because they broke a rule. "
                "They are stored as received; fix them at the source and send them again."
            }
            @for e in &entries {
                article.card.quarantined {
                    header {
                        span.badge.err { (e.record_type) }
                        " " span.mono { (e.record_id) }
                        " " span.dim.small { "at " code { (e.path) } " · received " time title=(absolute(e.received_at)) { (relative(e.received_at, now)) } }
                    }
                    ul.violations {
                        @for v in &e.violations {
                            li { code { (v.path) } ": " (v.message) }
                        }
                    }
                    details { summary { "Record as received" } (json_block(&e.raw)) }
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
        Crumb::link(stream.name.clone(), stream_href(project.id, stream.id)),
        Crumb::here("Quarantine"),
    ];
    Ok(layout::page(
        &user,
        &format!("Quarantine · {}", stream.name),
        &crumbs,
        body,
    ))
}
