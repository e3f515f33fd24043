//! The group-by view: for the current filter, one row per tag, metadata value, model, type or
//! status code, with count, error rate, latency p50/p95/p99 and token sums, and the same as an
//! SVG bar chart. High-cardinality keys are capped to the top groups plus "other" by the store.

use super::chart::{bar_chart, Bar};
use super::format::{count, duration, percent};
use super::layout::{self, Crumb, PageResult};
use super::log_stream::{filter_bar, tabs};
use super::projects::{load_stream, stream_href};
use super::session::ConsoleUser;
use super::view::{add_clause, field_clause, metadata_clause, tag_clause, RootParam, View};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use maud::{html, Markup};
use parallax_query::{CmpOp, Expr, Field, Predicate, Value};
use parallax_store::{Aggregate, AggregateRequest, Group, GroupBy};

/// How many groups are listed before the rest are summed into "other".
const TOP: usize = 20;

/// The grouping a `by` parameter names; unknown names group by tag.
pub fn group_by(by: Option<&str>) -> GroupBy {
    match by.unwrap_or("tag") {
        "model" => GroupBy::Model,
        "type" => GroupBy::Type,
        "status_code" => GroupBy::StatusCode,
        other => match other.strip_prefix("metadata.") {
            Some(key) if !key.is_empty() => GroupBy::Metadata(key.to_owned()),
            _ => GroupBy::Tag,
        },
    }
}

/// The filter clause that selects one group, when the group has a value.
fn group_clause(by: &GroupBy, key: &str) -> Option<Expr> {
    Some(match by {
        GroupBy::Tag => tag_clause(key),
        GroupBy::Metadata(k) => metadata_clause(k, key),
        GroupBy::Model => field_clause(Field::Model, key),
        GroupBy::Type => field_clause(Field::Type, key),
        GroupBy::StatusCode => Expr::Pred(Predicate::Compare {
            field: Field::StatusCode,
            op: CmpOp::Eq,
            value: Value::Num(key.parse().ok()?),
            case_sensitive: true,
        }),
    })
}

fn by_picker(view: &View, action: &str, keys: &[String]) -> Markup {
    let current = view.by.clone().unwrap_or_else(|| "tag".into());
    let mut options: Vec<(String, String)> = vec![
        ("tag".into(), "Tag".into()),
        ("model".into(), "Model".into()),
        ("type".into(), "Type".into()),
        ("status_code".into(), "Status code".into()),
    ];
    options.extend(
        keys.iter()
            .map(|k| (format!("metadata.{k}"), format!("metadata.{k}"))),
    );
    html! {
        form.inline method="get" action=(action) {
            @if !view.q.is_empty() { input type="hidden" name="q" value=(view.q); }
            @if view.root != RootParam::Trace { input type="hidden" name="root" value=(view.root.as_str()); }
            label { "Group " (view.root.plural()) " by "
                select #by name="by" data-autosubmit="" {
                    @for (value, label) in &options { option value=(value) selected[*value == current] { (label) } }
                }
            }
            " " button type="submit" { "Group" }
        }
    }
}

fn latency(ns: Option<i64>) -> String {
    ns.map(duration).unwrap_or_else(|| "—".into())
}

fn group_row(g: &Group, label: Markup, href: Option<String>) -> Markup {
    html! {
        tr.error[g.errors > 0 && g.error_rate() >= 0.5] {
            td { @match href { Some(h) => a href=(h) { (label) }, None => (label) } }
            td.num { (count(g.count)) }
            td.num { (count(g.errors)) }
            td.num { (percent(g.error_rate())) }
            td.num { (latency(g.latency_ns.p50)) }
            td.num { (latency(g.latency_ns.p95)) }
            td.num { (latency(g.latency_ns.p99)) }
            td.num { (count(g.tokens.input.max(0) as u64)) }
            td.num { (count(g.tokens.output.max(0) as u64)) }
            td.num { (count(g.tokens.total.max(0) as u64)) }
        }
    }
}

/// The charts and the table of an aggregate; `href` links a group to the records it counts.
fn results(
    a: &Aggregate,
    root: RootParam,
    href: &dyn Fn(&Option<String>) -> Option<String>,
) -> Markup {
    let label = |key: &Option<String>| key.clone().unwrap_or_else(|| "(none)".into());
    let mut bars: Vec<Bar> = a
        .groups
        .iter()
        .map(|g| Bar {
            label: label(&g.key),
            value: g.count as f64,
            part: g.errors as f64,
            value_text: format!("{} · {} err", count(g.count), percent(g.error_rate())),
            href: href(&g.key),
        })
        .collect();
    if let Some(o) = &a.other {
        let value_text = format!("{} · {} err", count(o.count), percent(o.error_rate()));
        bars.push(Bar {
            label: "other".into(),
            value: o.count as f64,
            part: o.errors as f64,
            value_text,
            href: None,
        });
    }
    let p95: Vec<Bar> = a
        .groups
        .iter()
        .filter_map(|g| {
            let ns = g.latency_ns.p95?;
            Some(Bar {
                label: label(&g.key),
                value: ns as f64,
                part: 0.0,
                value_text: duration(ns),
                href: None,
            })
        })
        .collect();
    let name = |key: &Option<String>| match key {
        Some(k) => html! { (k) },
        None => html! { span.dim { "(none)" } },
    };
    html! {
        div.charts {
            (bar_chart(&format!("{} per group (errors in red)", root.plural()), &bars))
            (bar_chart("Latency p95 per group", &p95))
        }
        table.grid.compact.groups {
            thead { tr {
                th { "Group" } th.num { "Count" } th.num { "Errors" } th.num { "Error rate" }
                th.num { "p50" } th.num { "p95" } th.num { "p99" }
                th.num { "Tokens in" } th.num { "Tokens out" } th.num { "Tokens total" }
            } }
            tbody {
                @for g in &a.groups { (group_row(g, name(&g.key), href(&g.key))) }
                @if let Some(o) = &a.other { (group_row(o, html! { em { "other" } }, None)) }
            }
        }
    }
}

/// `GET /console/projects/{pid}/log-streams/{sid}/group-by?by=…&q=…&root=…`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, sid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let mut view = View::from_query(raw.as_deref());
    if view.root == RootParam::Session {
        view.root = RootParam::Trace; // Aggregates are over traces or spans.
    }
    let by = group_by(view.by.as_deref());
    let parsed = view.filter();
    let error = parsed.as_ref().err().cloned();
    let (p, s, root, by2) = (project.id, stream.id, view.root.root(), by.clone());
    let (keys, agg) = state
        .store(move |st| {
            let keys: Vec<String> = st.metadata_keys(p, s)?.into_iter().map(|k| k.key).collect();
            let Ok(filter) = parsed else {
                return Ok((keys, None));
            };
            let req = AggregateRequest {
                project_id: p,
                log_stream_id: s,
                root,
                filter,
                group_by: by2,
                top: TOP,
                interval_us: None,
            };
            Ok((keys, Some(st.aggregate(&req)?)))
        })
        .await?;
    let base = stream_href(project.id, stream.id);
    let action = format!("{base}/group-by");
    let records = View {
        q: view.q.clone(),
        root: view.root,
        ..View::default()
    };
    let href = |key: &Option<String>| {
        key.as_deref()
            .and_then(|k| group_clause(&by, k))
            .map(|c| records.with_q(add_clause(&view.q, &c)).href(&base))
    };
    let body = html! {
        (tabs(&project, &stream, &view, "group-by"))
        (filter_bar(&action, &view, error.as_ref(), project.id, stream.id))
        div.toolbar { (by_picker(&view, &action, &keys)) }
        @match &agg {
            None => p.muted { "Fix the query to see groups." },
            Some(a) if a.groups.is_empty() => p.empty { "No " (view.root.plural()) " match." },
            Some(a) => (results(a, view.root, &href)),
        }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::link(stream.name.clone(), base.clone()),
        Crumb::here("Group by"),
    ];
    Ok(layout::page(
        &user,
        &format!("Group by · {}", stream.name),
        &crumbs,
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_names() {
        assert_eq!(group_by(None), GroupBy::Tag);
        assert_eq!(
            group_by(Some("metadata.field")),
            GroupBy::Metadata("field".into())
        );
        assert_eq!(group_by(Some("metadata.")), GroupBy::Tag);
        assert_eq!(group_by(Some("status_code")), GroupBy::StatusCode);
        assert_eq!(
            parallax_query::print(&group_clause(&GroupBy::StatusCode, "500").unwrap()),
            "status_code = 500"
        );
        assert!(group_clause(&GroupBy::StatusCode, "x").is_none());
    }
}
