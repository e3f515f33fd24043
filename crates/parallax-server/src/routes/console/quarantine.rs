//! The quarantine of one log stream: records that broke a rule, each violation with its JSON path
//! and plain sentence ("Nothing is dropped or truncated silently", PRODUCT.md), and the record as
//! it was received.
//!
//! "A quarantined record can be fixed and admitted": reviewers (annotators and admins) get, per
//! entry, a form with the record's JSON in a textarea and two buttons. "Admit" sends the edited
//! JSON, "Admit as is" the record as kept (re-judged by today's rules, useful after a limit was
//! raised). Both post to this page ([`act`]) and call the same core as the API
//! ([`crate::quarantine::admit`]). Success is a 303 back here with `?admitted=<record id>`, shown
//! as a notice; a record that still breaks a rule (or JSON that does not parse) re-renders the
//! page with status 422 and the message beside that entry's form, the edited JSON kept. Viewers
//! see no form, and a forged POST from their session gets a 403 ([`ReviewerUser`]).

use super::format::{absolute, relative};
use super::io::json_block;
use super::layout::{self, Crumb, PageResult};
use super::log_stream::tabs;
use super::projects::{load_stream, parse_uuid, stream_href};
use super::review::{can_annotate, field, parse_fields, ReviewerUser};
use super::session::ConsoleUser;
use super::view::View;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use parallax_model::Timestamp;
use parallax_store::{QuarantineEntry, Source};
use uuid::Uuid;

/// How many entries the page lists, newest first.
const LIMIT: usize = 200;

/// An admission that was refused: which entry, why, and the JSON as it was typed.
struct Refused {
    entry: Uuid,
    message: String,
    typed: String,
}

fn page_href(project_id: Uuid, stream_id: Uuid) -> String {
    format!("{}/quarantine", stream_href(project_id, stream_id))
}

/// `GET /console/projects/{pid}/log-streams/{sid}/quarantine`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, sid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    // The notice after an admission names the record; anything but a UUID is ignored.
    let admitted = raw.as_deref().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "admitted")
            .and_then(|(_, v)| Uuid::parse_str(&v).ok())
    });
    render(&state, &user, &pid, &sid, admitted, None).await
}

/// `POST /console/projects/{pid}/log-streams/{sid}/quarantine`: `do=admit` with the edited
/// JSON in `record`, or `do=as_is`, for the entry named by `entry`.
pub async fn act(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, sid)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let (p, s) = (project.id, stream.id);
    let entry_id = parse_uuid(field(&f, "entry"), "quarantined record")?;
    let found = state
        .store(move |st| st.quarantine_entry(p, entry_id))
        .await?;
    if found.is_none_or(|e| e.log_stream_id != s) {
        return Err(layout::PageError::not_found(format!(
            "quarantined record {entry_id} not found in this log stream; it may have been admitted already"
        )));
    }
    let typed = field(&f, "record").to_owned();
    let fixed = match field(&f, "do") {
        "as_is" => Ok(None),
        "admit" => serde_json::from_str::<serde_json::Value>(&typed)
            .map(Some)
            .map_err(|e| format!("The record is not valid JSON ({e}); fix it and admit again.")),
        other => {
            return Err(layout::PageError::bad_request(format!(
                "unknown action {other:?}; expected admit or as_is"
            )))
        }
    };
    let outcome = match fixed {
        Err(m) => Err(m),
        Ok(fixed) => {
            match crate::quarantine::admit(&state, p, entry_id, fixed, Source::Console).await {
                Ok(done) => Ok(done.entry.record_id),
                Err(
                    ApiError::Unprocessable(m) | ApiError::BadRequest(m) | ApiError::Conflict(m),
                ) => Err(m),
                Err(other) => return Err(other.into()),
            }
        }
    };
    match outcome {
        Ok(record_id) => {
            tracing::info!(by = %user.email, %record_id, "admitted from quarantine in the console");
            let to = format!("{}?admitted={record_id}", page_href(p, s));
            Ok(Redirect::to(&to).into_response())
        }
        Err(message) => {
            let refused = Refused {
                entry: entry_id,
                message,
                typed,
            };
            let mut page = render(&state, &user, &pid, &sid, None, Some(refused)).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
    }
}

/// The admit form of one entry, with the refusal beside it when it is the one that failed.
fn admit_form(
    user: &ConsoleUser,
    action: &str,
    e: &QuarantineEntry,
    refused: Option<&Refused>,
) -> Markup {
    let refused = refused.filter(|r| r.entry == e.id);
    let text = match refused {
        Some(r) => r.typed.clone(),
        None => serde_json::to_string_pretty(&e.raw).unwrap_or_else(|_| e.raw.to_string()),
    };
    let rows = text.lines().count().clamp(4, 30);
    let area_id = format!("fix-{}", e.id);
    html! {
        form.admit method="post" action=(action) {
            input type="hidden" name="csrf" value=(user.csrf);
            input type="hidden" name="entry" value=(e.id);
            div { label for=(area_id) { "Fix the record and admit it" } }
            @if let Some(r) = refused {
                p.notice.error role="alert" { (r.message) }
            }
            div {
                textarea #(area_id) name="record" rows=(rows) cols="100" spellcheck="false"
                    aria-invalid=[refused.map(|_| "true")] { (text) }
            }
            div {
                button.primary type="submit" name="do" value="admit" { "Admit" }
                " "
                button type="submit" name="do" value="as_is"
                    title="Admit the record as received, judged by today's rules" { "Admit as is" }
            }
        }
    }
}

async fn render(
    state: &AppState,
    user: &ConsoleUser,
    pid: &str,
    sid: &str,
    admitted: Option<Uuid>,
    refused: Option<Refused>,
) -> PageResult<Response> {
    let (project, stream) = load_stream(state, pid, sid).await?;
    let (p, s) = (project.id, stream.id);
    let entries = state
        .store(move |st| st.quarantine(p, Some(s), LIMIT))
        .await?;
    let now = Timestamp::now();
    let action = page_href(p, s);
    let reviewer = can_annotate(user);
    let body = html! {
        (tabs(&project, &stream, &View::default(), "quarantine"))
        @if let Some(id) = admitted {
            p.notice.ok role="status" { "Admitted 1 record: " span.mono { (id) } " is now stored in this log stream." }
        }
        @if entries.is_empty() {
            p.empty { "Nothing in quarantine: every record of this stream followed the rules." }
        } @else {
            p.muted {
                (entries.len()) @if entries.len() == LIMIT { "+" }
                @if entries.len() == 1 { " record was" } @else { " records were" }
                " kept aside because they broke a rule. "
                @if reviewer {
                    "They are stored as received; fix one below and admit it, or fix them at the source and send them again."
                } @else {
                    "They are stored as received; fix them at the source and send them again."
                }
            }
            @for e in &entries {
                article.card.quarantined id=(format!("entry-{}", e.id)) {
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
                    @if reviewer {
                        (admit_form(user, &action, e, refused.as_ref()))
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
        user,
        &format!("Quarantine · {}", stream.name),
        &crumbs,
        body,
    ))
}
