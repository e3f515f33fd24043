//! The log-stream page: a table of traces, spans or sessions with one column per metadata key,
//! tags as chips, a filter bar that takes the text query language, sorting by any column and
//! cursor pagination (`Page::Cursor`, which stays fast however deep the page).
//!
//! Reviewers (annotators and admins) also get a checkbox per row and the bulk bar (see
//! [`super::bulk`]); rows whose tags or metadata were flagged for PII carry a badge
//! ([`super::pii`]); and each row opens its record with the view and its position, so the record
//! page can step through the filter ([`super::nav`]).
//!
//! Everything the page shows is in its URL (see [`super::view`]), so a link reproduces the view.
//! The store calls of one page run in one blocking task: the page's server time is the store's
//! time plus rendering.

use super::bulk;
use super::format::{absolute, count, relative, short_id};
use super::layout::{self, Crumb, PageResult};
use super::nav::{record_nav_href, StreamNav};
use super::pii;
use super::projects::{load_stream, stream_href};
use super::review::{can_annotate, key_datalist, tag_datalist};
use super::session::ConsoleUser;
use super::table::{all_columns, cell, header, visible, RowCtx};
use super::view::{RootParam, View};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{html, Markup};
use parallax_model::Timestamp;
use parallax_query::{Expr, ParseError};
use parallax_store::{
    LogStream, MetadataKeyStats, Page, Project, SearchPage, SearchRequest, SessionPage,
    StoredRecord, TagInfo,
};
use uuid::Uuid;

/// Rows per page.
const PAGE_SIZE: usize = 50;

/// The tabs above every view of a stream, keeping the filter across them.
pub fn tabs(project: &Project, stream: &LogStream, view: &View, active: &str) -> Markup {
    let base = stream_href(project.id, stream.id);
    let keep = View {
        q: view.q.clone(),
        root: view.root,
        ..View::default()
    };
    let items = [
        ("records", "Records", keep.href(&base)),
        (
            "group-by",
            "Group by",
            View {
                by: view.by.clone(),
                ..keep.clone()
            }
            .href(&format!("{base}/group-by")),
        ),
        ("quarantine", "Quarantine", format!("{base}/quarantine")),
        ("registry", "Registry", format!("{base}/registry")),
        (
            "jobs",
            "Jobs",
            format!("/console/projects/{}/jobs", project.id),
        ),
    ];
    html! {
        header.stream {
            div {
                h1 { (stream.name) }
                p.dim.small {
                    (count(stream.num_traces)) " traces · " (count(stream.num_spans)) " spans · project "
                    a href=(format!("/console/projects/{}", project.id)) { (project.name) }
                }
            }
            nav.tabs {
                @for (id, label, href) in &items {
                    a.active[*id == active] href=(href) { (label) }
                }
            }
        }
    }
}

/// The filter bar: the text query, its inline error with a caret under the offending character,
/// and the parameters of the view carried as hidden fields.
pub fn filter_bar(
    action: &str,
    view: &View,
    error: Option<&ParseError>,
    project_id: Uuid,
    stream_id: Uuid,
) -> Markup {
    html! {
        form.filter method="get" action=(action) role="search" {
            div.filter-row {
                div.suggest-wrap {
                    input #q.mono type="text" name="q" value=(view.q) autocomplete="off" spellcheck="false"
                        placeholder="tag:newton and metadata.field = \"physics\"   (press / to focus)"
                        aria-invalid=(if error.is_some() { "true" } else { "false" })
                        data-project=(project_id) data-stream=(stream_id);
                    ul #suggestions.suggestions hidden {}
                }
                @if view.root != RootParam::Trace { input type="hidden" name="root" value=(view.root.as_str()); }
                @if let Some(s) = &view.sort {
                    input type="hidden" name="sort" value=(s);
                    input type="hidden" name="dir" value=(if view.ascending { "asc" } else { "desc" });
                }
                @for c in &view.cols { input type="hidden" name="col" value=(c); }
                @if let Some(b) = &view.by { input type="hidden" name="by" value=(b); }
                button.primary type="submit" { "Filter" }
                @if !view.q.is_empty() { a.button href=(view.with_q(String::new()).href(action)) { "Clear" } }
            }
            @if let Some(e) = error {
                div #query-error.query-error role="alert" {
                    pre.mono { (view.q) "\n" (" ".repeat(e.column(&view.q) - 1)) span.caret { "^" } }
                    p { "Column " (e.column(&view.q)) ": " (e.message) }
                }
            }
            details.help {
                summary { "Query syntax" }
                p.small {
                    code { "tag:newton" } " · " code { "tag in (a, b)" } " · " code { "metadata.promptVersion = \"0.0.3\"" } " · "
                    code { "metadata.score > 0.5" } " · " code { "has(metadata.user_id)" } " · " code { "duration > 2s" } " · "
                    code { "status_code >= 400" } " · " code { "model = gpt-4o" } " · " code { "input ~ newton" } " · "
                    code { "created_at >= 2026-12-01" } " — combine with " code { "and" } ", " code { "or" } ", " code { "not" } " and parentheses."
                }
            }
        }
    }
}

fn root_toggle(view: &View, base: &str) -> Markup {
    html! {
        nav.segmented aria-label="Show" {
            @for r in [RootParam::Trace, RootParam::Span, RootParam::Session] {
                a.active[view.root == r] href=(View { root: r, cursor: None, at: 0, sort: None, ..view.clone() }.href(base)) { (r.plural()) }
            }
        }
    }
}

fn column_chooser(
    view: &View,
    base: &str,
    columns: &[super::table::Column],
    rows: &[StoredRecord],
) -> Markup {
    let shown = visible(view, columns, rows);
    html! {
        details.columns {
            summary { "Columns" }
            form method="get" action=(base) {
                @if !view.q.is_empty() { input type="hidden" name="q" value=(view.q); }
                @if view.root != RootParam::Trace { input type="hidden" name="root" value=(view.root.as_str()); }
                @if let Some(s) = &view.sort {
                    input type="hidden" name="sort" value=(s);
                    input type="hidden" name="dir" value=(if view.ascending { "asc" } else { "desc" });
                }
                div.checks {
                    @for c in columns {
                        label { input type="checkbox" name="col" value=(c.id) checked[shown.contains(&c)]; " " (c.label) }
                    }
                }
                button type="submit" { "Apply" }
                " " a href=(View { cols: vec![], cursor: None, at: 0, ..view.clone() }.href(base)) { "Show all" }
            }
        }
    }
}

fn export_links(view: &View, base: &str) -> Markup {
    let keep = View {
        q: view.q.clone(),
        root: view.root,
        ..View::default()
    };
    let qs = keep.query_string();
    let sep = if qs.is_empty() { "" } else { "&" };
    html! {
        span.export {
            "Export "
            a href=(format!("{base}/export?format=jsonl{sep}{qs}")) download { "JSONL" }
            " · "
            a href=(format!("{base}/export?format=csv{sep}{qs}")) download { "CSV" }
        }
    }
}

/// What the store answered for one page of the view.
enum Rows {
    Records(SearchPage),
    Sessions(SessionPage),
    /// The filter did not parse; nothing was searched.
    None,
}

struct Loaded {
    keys: Vec<MetadataKeyStats>,
    rows: Rows,
    total: Option<u64>,
    /// The vocabulary the bulk bar suggests.
    registry: Vec<TagInfo>,
    used_tags: Vec<(String, u64)>,
}

/// `vocabulary` loads the tags the bulk bar suggests (for reviewers only: viewers get no bar).
async fn load(
    state: &AppState,
    project: &Project,
    stream: &LogStream,
    view: &View,
    filter: Option<Option<Expr>>,
    vocabulary: bool,
) -> PageResult<Loaded> {
    let (pid, sid, v) = (project.id, stream.id, view.clone());
    let loaded = state
        .store(move |s| {
            let keys = s.metadata_keys(pid, sid)?;
            let (registry, used_tags) = if vocabulary {
                (s.tag_registry(pid)?, s.tags(pid, sid)?)
            } else {
                (Vec::new(), Vec::new())
            };
            let Some(filter) = filter else {
                return Ok(Loaded {
                    keys,
                    rows: Rows::None,
                    total: None,
                    registry,
                    used_tags,
                });
            };
            let page = match (&v.cursor, v.root) {
                (Some(c), RootParam::Session) => Page::Offset(c.parse().unwrap_or(0)),
                (Some(c), _) => Page::Cursor(c.clone()),
                (None, _) => Page::Offset(0),
            };
            let req = SearchRequest {
                project_id: pid,
                log_stream_id: sid,
                root: v.root.root(),
                filter: filter.clone(),
                sort: v.sort(),
                limit: PAGE_SIZE,
                page,
            };
            let (rows, total) = if v.root == RootParam::Session {
                (Rows::Sessions(s.search_sessions(&req)?), None)
            } else {
                (
                    Rows::Records(s.search(&req)?),
                    Some(s.count(pid, sid, v.root.root(), filter.as_ref())?),
                )
            };
            Ok(Loaded {
                keys,
                rows,
                total,
                registry,
                used_tags,
            })
        })
        .await?;
    Ok(loaded)
}

/// The table of records. The first column holds the row's checkbox (for reviewers; it joins
/// the bulk form through `form="bulk"`) and its PII badge.
fn records_table(
    rows: &SearchPage,
    ctx: &RowCtx,
    columns: &[super::table::Column],
    stream_id: uuid::Uuid,
    edit: bool,
) -> Markup {
    let shown = visible(ctx.view, columns, &rows.records);
    let nav = StreamNav {
        stream_id,
        view: View {
            q: ctx.view.q.clone(),
            root: ctx.view.root,
            sort: ctx.view.sort.clone(),
            ascending: ctx.view.ascending,
            ..View::default()
        },
        i: 0,
    };
    html! {
        div.table-wrap {
            table.grid.records {
                thead {
                    tr {
                        th.sel { @if edit { input #select-page type="checkbox" aria-label="Select the rows of this page"; } }
                        @for c in &shown { (header(c, ctx)) }
                    }
                }
                tbody {
                    @for (k, r) in rows.records.iter().enumerate() {
                        @let href = record_nav_href(ctx.project_id, r, Some(&nav.at(ctx.view.at + k)));
                        tr.error[r.record.is_error()] {
                            td.sel {
                                @if edit { input.row-select type="checkbox" name="id" value=(r.record.id) form="bulk" aria-label="Select this row"; }
                                (pii::badge(&r.record))
                            }
                            @for c in &shown { (cell(c, r, ctx, &href)) }
                        }
                    }
                }
            }
        }
    }
}

fn sessions_table(rows: &SessionPage, ctx: &RowCtx) -> Markup {
    html! {
        div.table-wrap {
            table.grid.records {
                thead { tr { th { "Time" } th { "Id" } th { "Name" } th { "External id" } th.num { "Traces" } th { "Metadata" } } }
                tbody {
                    @for s in &rows.sessions {
                        @let traces = View { q: format!("session_id = {}", s.id), ..View::default() }.href(ctx.base);
                        tr {
                            td.nowrap { time title=(absolute(s.created_at)) { (relative(s.created_at, ctx.now)) } }
                            td.mono { a href=(traces) title=(s.id) { (short_id(s.id)) } }
                            td { (s.name.as_deref().unwrap_or("")) }
                            td.mono { (s.external_id.as_deref().unwrap_or("")) }
                            td.num { a href=(traces) { (s.num_traces) } }
                            td.meta {
                                @if let Some(m) = s.metadata.as_object() {
                                    @for (k, v) in m { span.kv { span.k { (k) } "=" (v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())) } " " }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn pager(view: &View, base: &str, next: Option<String>) -> Markup {
    html! {
        nav.pager {
            @if view.cursor.is_some() { a.button href=(View { cursor: None, at: 0, ..view.clone() }.href(base)) { "⇤ First page" } }
            @if let Some(n) = next { a.button href=(View { cursor: Some(n), at: view.at + PAGE_SIZE, ..view.clone() }.href(base)) { "Next page →" } }
        }
    }
}

/// `GET /console/projects/{pid}/log-streams/{sid}`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, sid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let view = View::from_query(raw.as_deref());
    let parsed = view.filter();
    let error = parsed.as_ref().err().cloned();
    let edit = can_annotate(&user);
    let loaded = load(&state, &project, &stream, &view, parsed.ok(), edit).await?;
    let base = stream_href(project.id, stream.id);
    let columns = all_columns(view.root, &loaded.keys);
    let ctx = RowCtx {
        view: &view,
        base: &base,
        project_id: project.id,
        now: Timestamp::now(),
    };
    let body = html! {
        (tabs(&project, &stream, &view, "records"))
        (filter_bar(&base, &view, error.as_ref(), project.id, stream.id))
        @if edit && view.root != RootParam::Session && error.is_none() {
            (bulk::bar(&user, &format!("{base}/bulk"), &view, loaded.total))
            (tag_datalist(&loaded.registry, &loaded.used_tags))
            (key_datalist(&loaded.keys))
        }
        div.toolbar {
            (root_toggle(&view, &base))
            @if let Some(total) = loaded.total {
                span.count { strong { (count(total)) } " " (view.root.plural()) @if !view.q.trim().is_empty() { " match" } }
            }
            span.spacer {}
            @if let Rows::Records(rows) = &loaded.rows { (column_chooser(&view, &base, &columns, &rows.records)) }
            @if view.root != RootParam::Session { (export_links(&view, &base)) }
        }
        @match &loaded.rows {
            Rows::None => p.muted { "Fix the query to see results." },
            Rows::Records(rows) if rows.records.is_empty() => p.empty { "No " (view.root.plural()) " match." },
            Rows::Records(rows) => {
                (records_table(rows, &ctx, &columns, stream.id, edit))
                (pager(&view, &base, rows.next_cursor.clone()))
            },
            Rows::Sessions(rows) if rows.sessions.is_empty() => p.empty { "No sessions." },
            Rows::Sessions(rows) => {
                (sessions_table(rows, &ctx))
                (pager(&view, &base, rows.next_offset.map(|o| o.to_string())))
            },
        }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::here(stream.name.clone()),
    ];
    Ok(layout::project_page(
        &user,
        project.id,
        &stream.name,
        &crumbs,
        body,
    ))
}
