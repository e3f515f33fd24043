//! The trace page: the span tree with durations drawn as a waterfall, and the selected record
//! (the trace, or a span chosen with `?span=<id>`) with its input and output, model and token
//! metrics, and its **Parameters** section: "You can view the tags and metadata attached to
//! Traces and Spans in their 'Parameters' section" (the seed). Records that came in through OTLP
//! also show their mapping report (`extra["otel"]`).
//!
//! Waterfall bars are SVG rectangles positioned with attributes, because the Content-Security-
//! Policy forbids inline styles.
//!
//! Review lives here too: the Parameters section with inline annotation and history
//! ([`super::parameters`], whose forms post back to this page, see [`super::annotate`]), the PII
//! warning panel ([`super::pii`]), and, when the record was opened from a log stream, the bar
//! that steps through the stream's filter record by record ([`super::nav`]).

use super::format::{absolute, count, duration};
use super::io::{json_block, render};
use super::layout::{project_page, Crumb, PageError, PageResult};
use super::nav::{self, Neighbours, StreamNav};
use super::parameters::{self, FormError, ParamsCtx};
use super::pii;
use super::projects::{load_project, parse_uuid, stream_href};
use super::review::{can_annotate, key_datalist, tag_datalist};
use super::session::ConsoleUser;
use super::table::{status_badge, type_badge};
use super::view::RootParam;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{html, Markup};
use parallax_model::{Record, RecordType, Timestamp};
use parallax_store::{AnnotationEvent, MetadataKeyStats, StoredRecord, TagInfo};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The records of a trace in tree order, each with its depth. Spans whose parent is not stored
/// (yet) hang under the trace, as the API's tree does.
pub fn tree_order(records: &[StoredRecord], trace_id: Uuid) -> Vec<(usize, &StoredRecord)> {
    let known: HashSet<Uuid> = records.iter().map(|r| r.record.id).collect();
    let mut children: HashMap<Uuid, Vec<&StoredRecord>> = HashMap::new();
    for r in records.iter().filter(|r| r.record.id != trace_id) {
        let parent = r
            .record
            .parent_id
            .filter(|p| known.contains(p) && *p != r.record.id)
            .unwrap_or(trace_id);
        children.entry(parent).or_default().push(r);
    }
    for kids in children.values_mut() {
        kids.sort_by_key(|r| r.record.created_at);
    }
    let mut out = Vec::with_capacity(records.len());
    let mut seen = HashSet::new();
    let mut stack: Vec<(usize, &StoredRecord)> = records
        .iter()
        .filter(|r| r.record.id == trace_id)
        .map(|r| (0, r))
        .collect();
    while let Some((depth, r)) = stack.pop() {
        if !seen.insert(r.record.id) {
            continue; // A parent cycle in bad data must not loop forever.
        }
        out.push((depth, r));
        if let Some(kids) = children.get(&r.record.id) {
            stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
        }
    }
    out
}

/// The time window of the waterfall, in microseconds: the earliest start and the latest end.
fn window(records: &[StoredRecord]) -> (i64, i64) {
    let start = records
        .iter()
        .map(|r| r.record.created_at.0)
        .min()
        .unwrap_or(0);
    let end = records
        .iter()
        .map(|r| r.record.created_at.0 + r.record.duration_ns.unwrap_or(0) / 1_000)
        .max()
        .unwrap_or(start);
    (start, (end - start).max(1))
}

/// One waterfall bar in a 1000-unit-wide SVG: where the record starts and how long it runs.
pub fn bar(r: &Record, start: i64, span_us: i64) -> Markup {
    let x = ((r.created_at.0 - start) as f64 / span_us as f64 * 1000.0).clamp(0.0, 1000.0);
    let w = r
        .duration_ns
        .map(|d| d as f64 / 1_000.0 / span_us as f64 * 1000.0)
        .unwrap_or(0.0)
        .clamp(4.0, 1000.0 - x.min(996.0));
    let class = if r.is_error() { "bar err" } else { "bar" };
    html! {
        svg.waterfall viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true" {
            rect class=(class) x=(format!("{x:.1}")) y="1" width=(format!("{w:.1}")) height="8" rx="1" {}
        }
    }
}

/// The link that selects `r` in the tree; `keep` is the stream navigation, kept when it is
/// about traces (moving between a trace's spans does not leave the trace's place in the filter).
fn select_href(base: &str, trace_id: Uuid, r: &Record, keep: &str) -> String {
    match (r.id == trace_id, keep.is_empty()) {
        (true, true) => base.to_owned(),
        (true, false) => format!("{base}?{keep}"),
        (false, true) => format!("{base}?span={}", r.id),
        (false, false) => format!("{base}?span={}&{keep}", r.id),
    }
}

fn tree(
    rows: &[(usize, &StoredRecord)],
    selected: Uuid,
    base: &str,
    trace_id: Uuid,
    window: (i64, i64),
    keep: &str,
) -> Markup {
    html! {
        ol.tree {
            @for (depth, r) in rows {
                @let rec = &r.record;
                li.selected[rec.id == selected] {
                    a href=(select_href(base, trace_id, rec, keep)) {
                        span class=(format!("indent d{}", (*depth).min(12))) {}
                        (type_badge(rec.record_type))
                        span.tname { @if rec.name.is_empty() { span.dim { "(unnamed)" } } @else { (rec.name) } }
                        span.tdur { @if let Some(d) = rec.duration_ns { (duration(d)) } }
                        (bar(rec, window.0, window.1))
                    }
                }
            }
        }
    }
}

fn metrics(rec: &Record) -> Markup {
    let extra = rec.extra.get("metrics").and_then(Value::as_object);
    let ttft = extra
        .and_then(|m| m.get("time_to_first_token_ns"))
        .and_then(Value::as_i64);
    let skip = [
        "duration_ns",
        "num_input_tokens",
        "num_output_tokens",
        "num_total_tokens",
        "time_to_first_token_ns",
    ];
    let others: Vec<(&String, &Value)> = extra
        .map(|m| {
            m.iter()
                .filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_null())
                .collect()
        })
        .unwrap_or_default();
    let num = |n: Option<i64>| {
        n.map(|n| count(n.max(0) as u64))
            .unwrap_or_else(|| "—".into())
    };
    html! {
        dl.metrics {
            div { dt { "Duration" } dd { (rec.duration_ns.map(duration).unwrap_or_else(|| "—".into())) } }
            div { dt { "Status" } dd { (status_badge(rec.status_code)) } }
            @if rec.model.is_some() || rec.record_type == RecordType::Llm {
                div { dt { "Model" } dd.mono { (rec.model.as_deref().unwrap_or("—")) } }
            }
            div { dt { "Input tokens" } dd { (num(rec.tokens.input)) } }
            div { dt { "Output tokens" } dd { (num(rec.tokens.output)) } }
            div { dt { "Total tokens" } dd { (num(rec.tokens.total)) } }
            @if let Some(t) = ttft { div { dt { "Time to first token" } dd { (duration(t)) } } }
            @for (k, v) in others { div { dt { (k) } dd { (v.to_string()) } } }
        }
    }
}

/// The OTel mapping report: which attribute became which field, and the ones kept as they were.
fn otel_report(otel: &Value) -> Markup {
    let mapping = otel.get("mapping").and_then(Value::as_array);
    html! {
        section.otel {
            h3 { "OpenTelemetry mapping" }
            dl.kv.small {
                @for key in ["kind", "trace_id", "span_id", "parent_span_id"] {
                    @if let Some(v) = otel.get(key).and_then(Value::as_str) { dt { (key) } dd.mono { (v) } }
                }
            }
            @if let Some(rows) = mapping.filter(|m| !m.is_empty()) {
                table.grid.compact {
                    thead { tr { th { "Attribute" } th { "Became" } th { "Value" } th { "Note" } } }
                    tbody {
                        @for m in rows {
                            tr {
                                td.mono { (m.get("attribute").and_then(Value::as_str).unwrap_or("")) @if let Some(f) = m.get("from").and_then(Value::as_str) { span.dim { " (" (f) ")" } } }
                                td.mono { (m.get("to").and_then(Value::as_str).unwrap_or("")) }
                                td { @if let Some(v) = m.get("value") { (v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())) } }
                                td.dim { (m.get("note").and_then(Value::as_str).unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            details { summary { "Full report (resource, scope, status, unmapped attributes)" } (json_block(otel)) }
        }
    }
}

/// Fields shown elsewhere on the page, left out of "Other fields".
const SHOWN_EXTRA: [&str; 4] = ["metrics", "otel", "pii", "pii_redacted"];

fn detail(r: &StoredRecord, parameters: Markup) -> Markup {
    let rec = &r.record;
    let other: serde_json::Map<String, Value> = rec
        .extra
        .iter()
        .filter(|(k, v)| {
            !SHOWN_EXTRA.contains(&k.as_str())
                && !v.is_null()
                && *v != &Value::Object(Default::default())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    html! {
        article.detail {
            header {
                (type_badge(rec.record_type))
                h2 { @if rec.name.is_empty() { "(unnamed " (rec.record_type.as_str()) ")" } @else { (rec.name) } }
                p.dim.small.mono { (rec.id) " · " (absolute(rec.created_at)) }
                @if let Some(x) = &rec.external_id { p.small { "External id " code { (x) } } }
            }
            (metrics(rec))
            (pii::panel(rec))
            (parameters)
            section.io { h3 { "Input" } (render(&rec.input)) }
            section.io { h3 { "Output" } (render(&rec.output)) }
            @if let Some(otel) = rec.extra.get("otel") { (otel_report(otel)) }
            @if !other.is_empty() {
                details.other { summary { "Other fields" } (json_block(&Value::Object(other))) }
            }
        }
    }
}

/// What the page needs besides the trace's records, loaded in one store call.
struct Review {
    stream_name: String,
    events: Vec<AnnotationEvent>,
    registry: Vec<TagInfo>,
    used_tags: Vec<(String, u64)>,
    keys: Vec<MetadataKeyStats>,
    neighbours: Option<Neighbours>,
}

/// The `span` parameter and the stream navigation of the page's query string.
fn read_query(raw: Option<&str>) -> (Option<String>, Option<StreamNav>) {
    let pairs: Vec<(String, String)> = raw
        .and_then(|r| serde_urlencoded::from_str(r).ok())
        .unwrap_or_default();
    let span = pairs
        .into_iter()
        .find(|(k, v)| k == "span" && !v.is_empty())
        .map(|(_, v)| v);
    (span, StreamNav::from_query(raw))
}

/// The page's own URL, rebuilt from the parsed parameters (so it is always a valid header
/// value for the redirect after a form, whatever bytes the request carried).
pub fn self_href(project_id: Uuid, trace_id: Uuid, raw: Option<&str>) -> String {
    let (span, nav) = read_query(raw);
    let mut qs: Vec<String> = Vec::new();
    if let Some(s) = span {
        qs.push(serde_urlencoded::to_string([("span", s)]).unwrap_or_default());
    }
    if let Some(n) = nav {
        qs.push(n.query_string());
    }
    let base = format!("/console/projects/{project_id}/traces/{trace_id}");
    if qs.is_empty() {
        base
    } else {
        format!("{base}?{}", qs.join("&"))
    }
}

/// Renders the page, with a refused form's message when there is one.
pub async fn render_page(
    state: &AppState,
    user: &ConsoleUser,
    pid: &str,
    tid: &str,
    raw: Option<&str>,
    error: Option<FormError>,
) -> PageResult<Response> {
    let project = load_project(state, pid).await?;
    let trace_id = parse_uuid(tid, "trace")?;
    let p = project.id;
    let records = state.store(move |s| s.trace_records(p, trace_id)).await?;
    let root = records
        .iter()
        .find(|r| r.record.id == trace_id)
        .ok_or_else(|| PageError::not_found(format!("trace {trace_id} not found")))?;
    let (span, nav) = read_query(raw);
    let selected_id = match span.as_deref() {
        Some(s) => parse_uuid(s, "span")?,
        None => trace_id,
    };
    let selected = records
        .iter()
        .find(|r| r.record.id == selected_id)
        .ok_or_else(|| {
            PageError::not_found(format!("span {selected_id} is not part of this trace"))
        })?;
    let stream = root.log_stream_id;
    // A navigation that names another stream than the record's is ignored, not trusted.
    let nav = nav.filter(|n| n.stream_id == stream);
    let current = match nav.as_ref().map(|n| n.view.root) {
        Some(RootParam::Span) => selected_id,
        _ => trace_id,
    };
    let nav_for_store = nav.clone();
    // The vocabulary feeds the edit controls only, so a viewer's page does not pay for it.
    let edit = can_annotate(user);
    let review = state
        .store(move |s| {
            Ok(Review {
                stream_name: s.log_stream(p, stream)?.map(|s| s.name).unwrap_or_default(),
                events: s.annotations(p, selected_id)?,
                registry: if edit { s.tag_registry(p)? } else { Vec::new() },
                used_tags: if edit { s.tags(p, stream)? } else { Vec::new() },
                keys: if edit {
                    s.metadata_keys(p, stream)?
                } else {
                    Vec::new()
                },
                neighbours: match &nav_for_store {
                    Some(n) => nav::neighbours(s, p, n, current)?,
                    None => None,
                },
            })
        })
        .await?;
    let base = format!("/console/projects/{}/traces/{}", project.id, trace_id);
    let keep = match &nav {
        Some(n) if n.view.root == RootParam::Trace => n.query_string(),
        _ => String::new(),
    };
    let action = self_href(project.id, trace_id, raw);
    let ctx = ParamsCtx {
        user,
        stored: selected,
        events: &review.events,
        registry: &review.registry,
        action: &action,
        error: error.as_ref(),
        now: Timestamp::now(),
    };
    let rows = tree_order(&records, trace_id);
    let title = if root.record.name.is_empty() {
        format!("Trace {}", &trace_id.to_string()[..8])
    } else {
        root.record.name.clone()
    };
    let stream_page = stream_href(project.id, stream);
    let body = html! {
        @if let (Some(n), Some(nb)) = (&nav, &review.neighbours) { (nav::bar(project.id, n, nb, &stream_page)) }
        header.trace-head {
            h1 { (title) }
            p.dim.small { span.mono { (trace_id) } " · " (records.len() - 1) @if records.len() == 2 { " span · " } @else { " spans · " } (absolute(root.record.created_at)) }
        }
        div.trace-layout {
            nav.span-tree aria-label="Span tree" { (tree(&rows, selected_id, &base, trace_id, window(&records), &keep)) }
            (detail(selected, parameters::section(&ctx)))
        }
        @if edit {
            (tag_datalist(&review.registry, &review.used_tags))
            (key_datalist(&review.keys))
        }
        (nav::help())
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::link(review.stream_name.clone(), stream_page),
        Crumb::here(title.clone()),
    ];
    Ok(project_page(user, project.id, &title, &crumbs, body))
}

/// `GET /console/projects/{pid}/traces/{tid}?span=<id>&sid=…&i=…&q=…`.
pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, tid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    render_page(&state, &user, &pid, &tid, raw.as_deref(), None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_model::Timestamp;

    fn rec(
        id: Uuid,
        t: RecordType,
        trace: Uuid,
        parent: Option<Uuid>,
        at: i64,
        dur: Option<i64>,
    ) -> StoredRecord {
        let mut r = Record::new(id, t, trace, Timestamp(at));
        r.parent_id = parent;
        r.duration_ns = dur;
        StoredRecord {
            project_id: Uuid::nil(),
            log_stream_id: Uuid::nil(),
            record: r,
        }
    }

    #[test]
    fn tree_orders_children_under_parents_and_adopts_orphans() {
        let (t, a, b, c, orphan) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let records = vec![
            rec(c, RecordType::Llm, t, Some(a), 30, None),
            rec(t, RecordType::Trace, t, None, 0, Some(100_000)),
            rec(b, RecordType::Tool, t, Some(t), 50, None),
            rec(a, RecordType::Workflow, t, Some(t), 10, None),
            rec(orphan, RecordType::Llm, t, Some(Uuid::new_v4()), 60, None),
        ];
        let order: Vec<(usize, Uuid)> = tree_order(&records, t)
            .iter()
            .map(|(d, r)| (*d, r.record.id))
            .collect();
        assert_eq!(order, vec![(0, t), (1, a), (2, c), (1, b), (1, orphan)]);
    }

    #[test]
    fn waterfall_bars_are_placed_by_time() {
        let t = Uuid::new_v4();
        let r = rec(t, RecordType::Llm, t, None, 500, Some(250_000)).record;
        let svg = bar(&r, 0, 1000).into_string();
        assert!(
            svg.contains("x=\"500.0\"") && svg.contains("width=\"250.0\""),
            "{svg}"
        );
    }
}
