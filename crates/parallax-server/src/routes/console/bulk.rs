//! Bulk annotation from the log stream: the bar under the filter (which rows, which ops), the
//! preview that says how many records will change, and applying it as a server-side job.
//!
//! `POST /console/projects/{pid}/log-streams/{sid}/bulk` with `step=preview` answers the preview
//! page; with `step=apply` it starts the job and redirects to its page (see [`super::jobs`]).
//! "All N matching this filter" runs over the view's query; checked rows become the filter
//! `id in (…)`. Either way the records are snapshotted when the job starts (issue 5: "applied to
//! exactly the records that matched when it started"), every event is recorded with source
//! `bulk:<job>`, and the job is undone as a whole from its page. The preview counts with the
//! same filter the job will use, so the number shown is the number changed unless records
//! arrive in between.

use super::format::{count, short_id};
use super::layout::{project_page, Crumb, PageError, PageResult};
use super::projects::{load_stream, stream_href};
use super::review::{
    actor, describe_op, field, fields_named, form_op, parse_fields, Fields, ReviewerUser,
};
use super::session::ConsoleUser;
use super::view::{RootParam, View};
use crate::review::{start_bulk, BulkSpec};
use crate::state::AppState;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use parallax_query::{print, Expr, Field, Predicate, Value};
use parallax_store::{AnnotationOp, LogStream, Page, Project, SearchRequest, StoredRecord};
use uuid::Uuid;

/// Rows of ops the bar offers.
const OPS: usize = 3;
/// Records shown as a sample on the preview.
const SAMPLE: usize = 5;

const OP_CHOICES: [(&str, &str); 4] = [
    ("add_tag", "add tag"),
    ("remove_tag", "remove tag"),
    ("set_metadata", "set metadata"),
    ("unset_metadata", "unset metadata"),
];

/// The bar above the table. Row checkboxes join this form through their `form="bulk"` attribute.
pub fn bar(user: &ConsoleUser, action: &str, view: &View, total: Option<u64>) -> Markup {
    html! {
        form #bulk.bulk method="post" action=(action) {
            input type="hidden" name="csrf" value=(user.csrf);
            input type="hidden" name="q" value=(view.q);
            input type="hidden" name="root" value=(view.root.as_str());
            span.bulk-title { "Annotate" }
            label.scope { input type="radio" name="scope" value="selected" checked; " selected rows (" span #selected-count { "0" } ")" }
            @if let Some(n) = total {
                label.scope #select-all-matching {
                    input type="radio" name="scope" value="all";
                    " all " strong { (count(n)) } " " (view.root.plural()) " matching this filter"
                }
            }
            @for i in 0..OPS {
                span.bulk-op {
                    select name=(format!("op{i}")) aria-label=(format!("Operation {}", i + 1)) {
                        @if i > 0 { option value="" { "—" } }
                        @for (value, label) in OP_CHOICES { option value=(value) { (label) } }
                    }
                    input type="text" name=(format!("key{i}")) list="tag-suggestions" placeholder="tag or key" autocomplete="off" aria-label=(format!("Tag or key {}", i + 1));
                    input.value type="text" name=(format!("value{i}")) placeholder="value" autocomplete="off" aria-label=(format!("Value {}", i + 1));
                }
            }
            button.primary type="submit" name="step" value="preview" { "Preview" }
        }
    }
}

/// "1,204 records will be tagged": tagged when every op adds a tag, changed otherwise.
pub fn preview_sentence(n: u64, ops: &[AnnotationOp]) -> String {
    let noun = if n == 1 { "record" } else { "records" };
    let verb = if ops.iter().all(|o| matches!(o, AnnotationOp::AddTag(_))) {
        "tagged"
    } else {
        "changed"
    };
    format!("{} {noun} will be {verb}", count(n))
}

/// The filter that selects exactly the checked rows.
pub fn ids_filter(ids: &[Uuid]) -> Expr {
    Expr::Pred(Predicate::In {
        field: Field::Id,
        values: ids.iter().map(|id| Value::Str(id.to_string())).collect(),
        negated: false,
        case_sensitive: true,
    })
}

/// What the form asks for, checked.
#[derive(Debug)]
struct Request {
    root: RootParam,
    /// The query text the job records, and its filter.
    query: String,
    filter: Option<Expr>,
    all: bool,
    ops: Vec<AnnotationOp>,
}

fn read(f: &Fields) -> Result<Request, String> {
    let root = RootParam::parse(field(f, "root"));
    if root == RootParam::Session {
        return Err("sessions are not annotated in bulk; switch to traces or spans".into());
    }
    let mut ops = Vec::new();
    for i in 0..OPS {
        let (op, key, value) = (
            field(f, &format!("op{i}")),
            field(f, &format!("key{i}")),
            field(f, &format!("value{i}")),
        );
        // A row without a tag or key is an unused row (the first row's op has a default).
        if key.trim().is_empty() {
            continue;
        }
        ops.push(form_op(op, key, value).map_err(|m| format!("operation {}: {m}", i + 1))?);
    }
    if ops.is_empty() {
        return Err(
            "give at least one operation: a tag to add or remove, or a metadata key to set".into(),
        );
    }
    let all = field(f, "scope") == "all";
    if all {
        let q = field(f, "q").to_owned();
        let filter = View {
            q: q.clone(),
            ..View::default()
        }
        .filter()
        .map_err(|e| format!("the filter does not parse: {}", e.message))?;
        return Ok(Request {
            root,
            query: q,
            filter,
            all,
            ops,
        });
    }
    let ids: Vec<Uuid> = fields_named(f, "id")
        .map(|s| Uuid::parse_str(s).map_err(|_| format!("{s:?} is not a record id")))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err("check some rows first, or choose all records matching the filter".into());
    }
    let filter = ids_filter(&ids);
    Ok(Request {
        root,
        query: print(&filter),
        filter: Some(filter),
        all,
        ops,
    })
}

fn sample_table(rows: &[StoredRecord], project_id: Uuid) -> Markup {
    html! {
        table.grid.compact {
            thead { tr { th { "Id" } th { "Name" } th { "Tags" } } }
            tbody {
                @for r in rows {
                    tr {
                        td.mono { a href=(super::table::record_href(project_id, &r.record)) { (short_id(r.record.id)) } }
                        td { (r.record.name) }
                        td { @for t in &r.record.tags { span class=(super::colours::chip_class(t.as_str(), "")) { (t.as_str()) } } }
                    }
                }
            }
        }
    }
}

/// The hidden fields that carry the request from the preview to the apply.
fn carried(f: &Fields) -> Markup {
    html! {
        @for (k, v) in f.iter().filter(|(k, _)| k != "step") { input type="hidden" name=(k) value=(v); }
    }
}

fn preview_page(
    user: &ConsoleUser,
    project: &Project,
    stream: &LogStream,
    f: &Fields,
    outcome: Result<(&Request, u64, Vec<StoredRecord>), String>,
) -> Response {
    let base = stream_href(project.id, stream.id);
    let back = View {
        q: field(f, "q").to_owned(),
        root: RootParam::parse(field(f, "root")),
        ..View::default()
    }
    .href(&base);
    let failed = outcome.is_err();
    let body = html! {
        h1 { "Bulk annotation" }
        section #bulk-preview.card {
            @match &outcome {
                Err(m) => { p.notice.error role="alert" { (m) } }
                Ok((req, n, sample)) => {
                    p #preview-count.preview-count { (preview_sentence(*n, &req.ops)) }
                    p { "Operations: " strong { (req.ops.iter().map(describe_op).collect::<Vec<_>>().join(", ")) } }
                    p {
                        @if req.all {
                            "Every " (req.root.as_str()) " of " strong { (stream.name) }
                            @if req.query.trim().is_empty() { " (no filter)." } @else { " matching " code { (req.query) } "." }
                        } @else { "The " (count(*n)) " checked " (req.root.plural()) "." }
                    }
                    @if !sample.is_empty() { h3 { "For example" } (sample_table(sample, project.id)) }
                    @if *n > 0 {
                        form.stack method="post" action=(format!("{base}/bulk")) {
                            (carried(f))
                            button #bulk-apply.primary type="submit" name="step" value="apply" { "Apply to " (count(*n)) " " @if *n == 1 { "record" } @else { "records" } }
                        }
                    }
                    p.dim.small { "The job runs on the server and is recorded as one job, which its page can undo as a whole." }
                }
            }
            p { a.button href=(back) { "Back to the stream" } }
        }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::link(stream.name.clone(), back.clone()),
        Crumb::here("Bulk annotation"),
    ];
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        project_page(user, project.id, "Bulk annotation", &crumbs, body),
    )
        .into_response()
}

/// `POST /console/projects/{pid}/log-streams/{sid}/bulk`.
pub async fn submit(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, sid)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let req = match read(&f) {
        Ok(r) => r,
        Err(m) => return Ok(preview_page(&user, &project, &stream, &f, Err(m))),
    };
    let (p, s, root) = (project.id, stream.id, req.root.root());
    if field(&f, "step") == "apply" {
        let job = start_bulk(
            &state,
            BulkSpec {
                project_id: p,
                log_stream_id: s,
                root,
                query: req.query.clone(),
                filter: req.filter.clone(),
            },
            req.ops.clone(),
            actor(&user),
        )
        .await?;
        tracing::info!(by = %user.email, job = %job.id, "bulk annotation started in the console");
        return Ok(Redirect::to(&format!("/console/projects/{p}/jobs/{}", job.id)).into_response());
    }
    let filter = req.filter.clone();
    let (n, sample) = state
        .store(move |st| {
            let n = st.count(p, s, root, filter.as_ref())?;
            let page = SearchRequest {
                project_id: p,
                log_stream_id: s,
                root,
                filter,
                sort: Default::default(),
                limit: SAMPLE,
                page: Page::Offset(0),
            };
            Ok((n, st.search(&page)?.records))
        })
        .await
        .map_err(PageError::from)?;
    Ok(preview_page(
        &user,
        &project,
        &stream,
        &f,
        Ok((&req, n, sample)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_model::{MetadataKey, MetadataValue, Tag};

    #[test]
    fn the_sentence_counts_and_names_the_change() {
        let tag = |t: &str| AnnotationOp::AddTag(Tag::parse(t).unwrap());
        assert_eq!(
            preview_sentence(1204, &[tag("label_mismatch"), tag("reviewed")]),
            "1,204 records will be tagged"
        );
        assert_eq!(preview_sentence(1, &[tag("x")]), "1 record will be tagged");
        let set = AnnotationOp::SetMetadata(
            MetadataKey::parse("k").unwrap(),
            MetadataValue::parse("v").unwrap(),
        );
        assert_eq!(
            preview_sentence(3, &[tag("x"), set]),
            "3 records will be changed"
        );
    }

    #[test]
    fn forms_become_requests() {
        let id = Uuid::new_v4();
        let f = parse_fields(
            format!("scope=selected&root=trace&op0=add_tag&key0=reviewed&op1=&key1=&id={id}")
                .as_bytes(),
        );
        let r = read(&f).unwrap();
        assert_eq!(r.ops.len(), 1);
        assert!(!r.all);
        // The job records the filter as text that parses back to the same filter.
        assert_eq!(
            parallax_query::parse(&r.query).unwrap(),
            Some(ids_filter(&[id]))
        );
        let all = parse_fields(b"scope=all&q=tag%3Ax&op0=remove_tag&key0=x");
        assert_eq!(read(&all).unwrap().query, "tag:x");
        let long = format!("scope=all&op0=add_tag&key0={}", "x".repeat(57));
        assert_eq!(
            read(&parse_fields(long.as_bytes())).err().unwrap(),
            "operation 1: tag is 57 characters; the limit is 50"
        );
        assert!(read(&parse_fields(b"scope=selected&op0=add_tag&key0=x"))
            .unwrap_err()
            .contains("check some rows"));
        assert!(read(&parse_fields(b"scope=all&op0=add_tag&key0="))
            .unwrap_err()
            .contains("at least one operation"));
        assert!(
            read(&parse_fields(b"scope=all&q=tag%3A&op0=add_tag&key0=x"))
                .unwrap_err()
                .contains("does not parse")
        );
        assert!(read(&parse_fields(b"scope=all&root=session&op0=add_tag&key0=x")).is_err());
    }
}
