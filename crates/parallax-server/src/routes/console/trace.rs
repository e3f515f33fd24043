//! The trace page: the span tree with durations drawn as a waterfall, and the selected record
//! (the trace, or a span chosen with `?span=<id>`) with its input and output, model and token
//! metrics, and its **Parameters** section: "You can view the tags and metadata attached to
//! Traces and Spans in their 'Parameters' section" (the seed). Records that came in through OTLP
//! also show their mapping report (`extra["otel"]`).
//!
//! Waterfall bars are SVG rectangles positioned with attributes, because the Content-Security-
//! Policy forbids inline styles.

use super::format::{absolute, count, duration};
use super::io::{json_block, render};
use super::layout::{page, Crumb, PageError, PageResult};
use super::projects::{load_project, parse_uuid, stream_href};
use super::session::ConsoleUser;
use super::table::{status_badge, type_badge};
use super::view::{add_clause, metadata_clause, tag_clause, RootParam, View};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use parallax_model::{Record, RecordType};
use parallax_store::StoredRecord;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Deserialize)]
pub struct TraceQuery {
    span: Option<String>,
}

/// The records of a trace in tree order, each with its depth. Spans whose parent is not stored
/// (yet) hang under the trace, as the API's tree does.
pub fn tree_order(records: &[StoredRecord], trace_id: Uuid) -> Vec<(usize, &StoredRecord)> {
    let known: HashSet<Uuid> = records.iter().map(|r| r.record.id).collect();
    let mut children: HashMap<Uuid, Vec<&StoredRecord>> = HashMap::new();
    for r in records.iter().filter(|r| r.record.id != trace_id) {
        let parent = r.record.parent_id.filter(|p| known.contains(p) && *p != r.record.id).unwrap_or(trace_id);
        children.entry(parent).or_default().push(r);
    }
    for kids in children.values_mut() {
        kids.sort_by_key(|r| r.record.created_at);
    }
    let mut out = Vec::with_capacity(records.len());
    let mut seen = HashSet::new();
    let mut stack: Vec<(usize, &StoredRecord)> = records.iter().filter(|r| r.record.id == trace_id).map(|r| (0, r)).collect();
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
    let start = records.iter().map(|r| r.record.created_at.0).min().unwrap_or(0);
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
    let w = r.duration_ns.map(|d| d as f64 / 1_000.0 / span_us as f64 * 1000.0).unwrap_or(0.0).clamp(4.0, 1000.0 - x.min(996.0));
    let class = if r.is_error() { "bar err" } else { "bar" };
    html! {
        svg.waterfall viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true" {
            rect class=(class) x=(format!("{x:.1}")) y="1" width=(format!("{w:.1}")) height="8" rx="1" {}
        }
    }
}

fn select_href(base: &str, trace_id: Uuid, r: &Record) -> String {
    if r.id == trace_id {
        base.to_owned()
    } else {
        format!("{base}?span={}", r.id)
    }
}

fn tree(rows: &[(usize, &StoredRecord)], selected: Uuid, base: &str, trace_id: Uuid, window: (i64, i64)) -> Markup {
    html! {
        ol.tree {
            @for (depth, r) in rows {
                @let rec = &r.record;
                li.selected[rec.id == selected] {
                    a href=(select_href(base, trace_id, rec)) {
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

/// The seed's "Parameters" section: the record's tags and metadata, each a link that filters the
/// log stream by it.
fn parameters(r: &StoredRecord) -> Markup {
    let rec = &r.record;
    let root = if rec.record_type == RecordType::Trace { RootParam::Trace } else { RootParam::Span };
    let stream = stream_href(r.project_id, r.log_stream_id);
    let link = |clause| View { root, ..View::default() }.with_q(add_clause("", &clause)).href(&stream);
    html! {
        section #parameters.parameters data-record=(rec.id) data-type=(rec.record_type.as_str()) {
            h3 { "Parameters" }
            h4 { "Tags" }
            @if rec.tags.is_empty() { p.dim { "No tags." } }
            @else { div.tags { @for t in &rec.tags { a.chip href=(link(tag_clause(t.as_str()))) { (t.as_str()) } } } }
            h4 { "Metadata" }
            @if rec.metadata.is_empty() { p.dim { "No metadata." } }
            @else {
                table.kv.metadata {
                    @for (k, v) in rec.metadata.iter() {
                        tr {
                            th.mono scope="row" { (k.as_str()) }
                            td { a.plain href=(link(metadata_clause(k.as_str(), v.as_str()))) { (v.as_str()) } }
                        }
                    }
                }
            }
        }
    }
}

fn metrics(rec: &Record) -> Markup {
    let extra = rec.extra.get("metrics").and_then(Value::as_object);
    let ttft = extra.and_then(|m| m.get("time_to_first_token_ns")).and_then(Value::as_i64);
    let skip = ["duration_ns", "num_input_tokens", "num_output_tokens", "num_total_tokens", "time_to_first_token_ns"];
    let others: Vec<(&String, &Value)> = extra.map(|m| m.iter().filter(|(k, v)| !skip.contains(&k.as_str()) && !v.is_null()).collect()).unwrap_or_default();
    let num = |n: Option<i64>| n.map(|n| count(n.max(0) as u64)).unwrap_or_else(|| "—".into());
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

fn detail(r: &StoredRecord) -> Markup {
    let rec = &r.record;
    let other: serde_json::Map<String, Value> = rec
        .extra
        .iter()
        .filter(|(k, v)| !matches!(k.as_str(), "metrics" | "otel") && !v.is_null() && *v != &Value::Object(Default::default()))
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
            (parameters(r))
            section.io { h3 { "Input" } (render(&rec.input)) }
            section.io { h3 { "Output" } (render(&rec.output)) }
            @if let Some(otel) = rec.extra.get("otel") { (otel_report(otel)) }
            @if !other.is_empty() {
                details.other { summary { "Other fields" } (json_block(&Value::Object(other))) }
            }
        }
    }
}

/// `GET /console/projects/{pid}/traces/{tid}?span=<id>`.
pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, tid)): Path<(String, String)>,
    Query(q): Query<TraceQuery>,
) -> PageResult<Response> {
    let project = load_project(&state, &pid).await?;
    let trace_id = parse_uuid(&tid, "trace")?;
    let p = project.id;
    let records = state.store(move |s| s.trace_records(p, trace_id)).await?;
    let root = records
        .iter()
        .find(|r| r.record.id == trace_id)
        .ok_or_else(|| PageError::not_found(format!("trace {trace_id} not found")))?;
    let selected_id = match q.span.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => parse_uuid(s, "span")?,
        None => trace_id,
    };
    let selected = records
        .iter()
        .find(|r| r.record.id == selected_id)
        .ok_or_else(|| PageError::not_found(format!("span {selected_id} is not part of this trace")))?;
    let stream = root.log_stream_id;
    let stream_name = state.store(move |s| s.log_stream(p, stream)).await?.map(|s| s.name).unwrap_or_default();
    let base = format!("/console/projects/{}/traces/{}", project.id, trace_id);
    let rows = tree_order(&records, trace_id);
    let title = if root.record.name.is_empty() { format!("Trace {}", &trace_id.to_string()[..8]) } else { root.record.name.clone() };
    let body = html! {
        header.trace-head {
            h1 { (title) }
            p.dim.small { span.mono { (trace_id) } " · " (records.len() - 1) @if records.len() == 2 { " span · " } @else { " spans · " } (absolute(root.record.created_at)) }
        }
        div.trace-layout {
            nav.span-tree aria-label="Span tree" { (tree(&rows, selected_id, &base, trace_id, window(&records))) }
            (detail(selected))
        }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(project.name.clone(), format!("/console/projects/{}", project.id)),
        Crumb::link(stream_name, stream_href(project.id, stream)),
        Crumb::here(title.clone()),
    ];
    Ok(page(&user, &title, &crumbs, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_model::Timestamp;

    fn rec(id: Uuid, t: RecordType, trace: Uuid, parent: Option<Uuid>, at: i64, dur: Option<i64>) -> StoredRecord {
        let mut r = Record::new(id, t, trace, Timestamp(at));
        r.parent_id = parent;
        r.duration_ns = dur;
        StoredRecord { project_id: Uuid::nil(), log_stream_id: Uuid::nil(), record: r }
    }

    #[test]
    fn tree_orders_children_under_parents_and_adopts_orphans() {
        let (t, a, b, c, orphan) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let records = vec![
            rec(c, RecordType::Llm, t, Some(a), 30, None),
            rec(t, RecordType::Trace, t, None, 0, Some(100_000)),
            rec(b, RecordType::Tool, t, Some(t), 50, None),
            rec(a, RecordType::Workflow, t, Some(t), 10, None),
            rec(orphan, RecordType::Llm, t, Some(Uuid::new_v4()), 60, None),
        ];
        let order: Vec<(usize, Uuid)> = tree_order(&records, t).iter().map(|(d, r)| (*d, r.record.id)).collect();
        assert_eq!(order, vec![(0, t), (1, a), (2, c), (1, b), (1, orphan)]);
    }

    #[test]
    fn waterfall_bars_are_placed_by_time() {
        let t = Uuid::new_v4();
        let r = rec(t, RecordType::Llm, t, None, 500, Some(250_000)).record;
        let svg = bar(&r, 0, 1000).into_string();
        assert!(svg.contains("x=\"500.0\"") && svg.contains("width=\"250.0\""), "{svg}");
    }
}
