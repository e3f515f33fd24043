//! `POST /console/projects/{pid}/traces/{tid}?…`: the inline review forms of the trace page post
//! to the page itself. `do=annotate` applies one op (`op`, `key`, `value`) to the record named
//! by `record`; `do=undo` appends the inverse of the history event named by `event`.
//!
//! On success the answer is a 303 back to the page (so a reload does not post again). A value
//! that breaks a rule (length, count, the PII policy) re-renders the page with status 422 and
//! the rule's message beside the form it came from, with what was typed still in the inputs.
//! Only annotators and admins get here ([`ReviewerUser`]); the CSRF token is checked first.

use super::layout::PageResult;
use super::parameters::{FormError, FormId};
use super::projects::{load_project, parse_uuid};
use super::review::{actor, field, form_op, parse_fields, ReviewerUser};
use super::trace::{render_page, self_href};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use parallax_store::Source;

/// Errors a person can fix by changing what they typed; anything else is an error page.
fn refusal(e: ApiError) -> Result<String, ApiError> {
    match e {
        ApiError::Unprocessable(m) | ApiError::BadRequest(m) | ApiError::Conflict(m) => Ok(m),
        other => Err(other),
    }
}

pub async fn act(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, tid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let project = load_project(&state, &pid).await?;
    let trace_id = parse_uuid(&tid, "trace")?;
    let (p, who) = (project.id, actor(&user));
    let outcome: Result<(), FormError> = match field(&f, "do") {
        "annotate" => {
            let (op, key, value) = (field(&f, "op"), field(&f, "key"), field(&f, "value"));
            let form = if op.ends_with("_tag") {
                FormId::Tag
            } else {
                FormId::Metadata
            };
            let refused = |message: String| FormError {
                form,
                message,
                key: key.to_owned(),
                value: value.to_owned(),
            };
            let record = parse_uuid(field(&f, "record"), "record")?;
            match form_op(op, key, value) {
                Err(m) => Err(refused(m)),
                Ok(op) => {
                    // The same core as the API: the project's PII policy applies to console edits too.
                    let done = crate::review::annotate_record(
                        &state,
                        p,
                        record,
                        vec![op],
                        who,
                        Source::Console,
                    )
                    .await;
                    match done {
                        Ok((events, _warnings)) => {
                            tracing::info!(by = %user.email, %record, events = events.len(), "annotated in the console");
                            Ok(())
                        }
                        Err(e) => Err(refused(refusal(e)?)),
                    }
                }
            }
        }
        "undo" => {
            let event = parse_uuid(field(&f, "event"), "annotation event")?;
            match state
                .store(move |s| s.undo_annotation(p, event, who, Source::Console))
                .await
            {
                Ok(_) => Ok(()),
                Err(e) => Err(FormError {
                    form: FormId::History,
                    message: refusal(e)?,
                    key: String::new(),
                    value: String::new(),
                }),
            }
        }
        other => {
            return Err(super::layout::PageError::bad_request(format!(
                "unknown action {other:?}; expected annotate or undo"
            )))
        }
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&self_href(project.id, trace_id, raw.as_deref())).into_response())
        }
        Err(refused) => {
            let mut page =
                render_page(&state, &user, &pid, &tid, raw.as_deref(), Some(refused)).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
    }
}
