//! The columns of the log-stream table and how each cell of a record renders.
//!
//! The seed: "metadata appears as new columns in the Log Stream". The standard columns come
//! first, then one column per metadata key seen in the stream, most used first. Tag chips and
//! metadata cells are links to the same view with the value added to the filter, so clicking is
//! filtering and the URL keeps the filter.

use super::colours::chip_class;
use super::format::{absolute, clip, duration, io_text, relative, short_id};
use super::view::{add_clause, field_clause, metadata_clause, tag_clause, RootParam, View};
use maud::{html, Markup};
use parallax_model::{Record, RecordType, Timestamp};
use parallax_query::Field;
use parallax_store::{MetadataKeyStats, StoredRecord};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub id: String,
    pub label: String,
    pub sortable: bool,
    pub numeric: bool,
}

impl Column {
    fn standard(id: &str, label: &str, numeric: bool) -> Column {
        Column {
            id: id.into(),
            label: label.into(),
            sortable: id != "tags",
            numeric,
        }
    }
}

/// Every column the stream offers for `root`, standard ones first.
pub fn all_columns(root: RootParam, keys: &[MetadataKeyStats]) -> Vec<Column> {
    let mut cols = vec![
        Column::standard("time", "Time", false),
        Column::standard("id", "Id", false),
    ];
    if root == RootParam::Span {
        cols.push(Column::standard("type", "Type", false));
    }
    cols.extend([
        Column::standard("name", "Name", false),
        Column::standard("input", "Input", false),
        Column::standard("output", "Output", false),
        Column::standard("duration", "Duration", true),
        Column::standard("status", "Status", true),
        Column::standard("model", "Model", false),
        Column::standard("tokens", "Tokens", true),
        Column::standard("tags", "Tags", false),
    ]);
    for k in keys {
        cols.push(Column {
            id: format!("metadata.{}", k.key),
            label: k.key.clone(),
            sortable: true,
            numeric: false,
        });
    }
    cols
}

/// The columns the view shows: the chosen ones in catalog order or, when none were chosen, all
/// of them except model and tokens when no record of the page has one (traces usually have
/// neither, and the metadata columns deserve the room).
pub fn visible<'a>(view: &View, all: &'a [Column], rows: &[StoredRecord]) -> Vec<&'a Column> {
    let chosen: Vec<&Column> = all.iter().filter(|c| view.cols.contains(&c.id)).collect();
    if !chosen.is_empty() {
        return chosen;
    }
    let any = |f: fn(&Record) -> bool| rows.iter().any(|r| f(&r.record));
    let has_model = any(|r| r.model.is_some());
    let has_tokens = any(|r| tokens_text(r).is_some());
    all.iter()
        .filter(|c| match c.id.as_str() {
            "model" => has_model,
            "tokens" => has_tokens,
            _ => true,
        })
        .collect()
}

/// What every cell of one table needs to build its links.
pub struct RowCtx<'a> {
    pub view: &'a View,
    /// The log-stream page the filter links go to.
    pub base: &'a str,
    pub project_id: Uuid,
    pub now: Timestamp,
}

impl RowCtx<'_> {
    fn filter_href(&self, clause: &parallax_query::Expr) -> String {
        self.view
            .with_q(add_clause(&self.view.q, clause))
            .href(self.base)
    }
}

/// The trace page, with the record selected when it is a span.
pub fn record_href(project_id: Uuid, r: &Record) -> String {
    let base = format!("/console/projects/{project_id}/traces/{}", r.trace_id);
    if r.record_type == RecordType::Trace {
        base
    } else {
        format!("{base}?span={}", r.id)
    }
}

pub fn status_badge(code: Option<i64>) -> Markup {
    html! {
        @match code {
            None => span.dim { "—" },
            Some(c) if c >= 400 => span.badge.err title="error" { (c) },
            Some(c) => span.badge.ok { (c) },
        }
    }
}

pub fn type_badge(t: RecordType) -> Markup {
    html! { span class=(format!("badge type type-{}", t.as_str())) { (t.as_str()) } }
}

pub fn tokens_text(r: &Record) -> Option<String> {
    let t = r.tokens;
    t.total
        .or(match (t.input, t.output) {
            (None, None) => None,
            (i, o) => Some(i.unwrap_or(0) + o.unwrap_or(0)),
        })
        .map(|n| n.to_string())
}

/// One tag as a chip that adds `tag:<name>` to the filter, in the tag's registry colour.
pub fn tag_chip(ctx: &RowCtx, tag: &str) -> Markup {
    html! { a class=(chip_class(tag, "")) href=(ctx.filter_href(&tag_clause(tag))) title=(format!("Filter by tag:{tag}")) { (tag) } }
}

fn preview(v: &serde_json::Value) -> Markup {
    let text = io_text(v);
    html! {
        @if text.is_empty() { span.dim { "—" } }
        @else { span.preview title=(clip(&text, 400)) { (clip(&text, 90)) } }
    }
}

/// One cell of a record's row; `href` opens the record (with the stream navigation, see
/// [`super::nav`]).
pub fn cell(col: &Column, stored: &StoredRecord, ctx: &RowCtx, href: &str) -> Markup {
    let r = &stored.record;
    match col.id.as_str() {
        "time" => html! {
            td.nowrap { a href=(href) { time datetime=(r.created_at.to_rfc3339()) title=(absolute(r.created_at)) { (relative(r.created_at, ctx.now)) } } }
        },
        "id" => html! { td.mono { a href=(href) title=(r.id) { (short_id(r.id)) } } },
        "type" => html! { td { (type_badge(r.record_type)) } },
        "name" => html! {
            td.name {
                @if r.name.is_empty() { a.dim href=(href) { "(unnamed " (r.record_type.as_str()) ")" } }
                @else { a href=(href) title=(r.name) { (clip(&r.name, 48)) } }
            }
        },
        "input" => html! { td.io { (preview(&r.input)) } },
        "output" => html! { td.io { (preview(&r.output)) } },
        "duration" => html! {
            td.num.nowrap { @match r.duration_ns { Some(ns) => (duration(ns)), None => span.dim { "—" } } }
        },
        "status" => html! { td.num { (status_badge(r.status_code)) } },
        "model" => html! {
            td.nowrap {
                @if let Some(m) = &r.model {
                    a.plain href=(ctx.filter_href(&field_clause(Field::Model, m))) title=(format!("Filter by model = {m}")) { (m) }
                }
            }
        },
        "tokens" => html! {
            td.num title=(format!("input {} · output {}", opt(r.tokens.input), opt(r.tokens.output))) {
                @match tokens_text(r) { Some(t) => (t), None => span.dim { "—" } }
            }
        },
        "tags" => html! { td.tags { @for t in &r.tags { (tag_chip(ctx, t.as_str())) } } },
        other => {
            let key = other.strip_prefix("metadata.").unwrap_or(other);
            html! {
                td.meta {
                    @if let Some(v) = r.metadata.get(key) {
                        a.plain href=(ctx.filter_href(&metadata_clause(key, v.as_str())))
                            title=(format!("Filter by metadata.{key} = {}", v.as_str())) { (clip(v.as_str(), 60)) }
                    }
                }
            }
        }
    }
}

fn opt(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "—".into())
}

/// The header cell of a column: a link that sorts by it (and flips the direction).
pub fn header(col: &Column, ctx: &RowCtx) -> Markup {
    let active = ctx.view.sort_column() == col.id;
    let arrow = if !active {
        ""
    } else if ctx.view.ascending_effective() {
        " ▲"
    } else {
        " ▼"
    };
    let class = match (col.numeric, col.id.starts_with("metadata.")) {
        (true, _) => "num",
        (_, true) => "meta",
        _ => "",
    };
    html! {
        th class=(class) scope="col" {
            @if col.sortable {
                a.sort.active[active] href=(ctx.view.sorted_by(&col.id).href(ctx.base)) title=(format!("Sort by {}", col.label)) {
                    (col.label) (arrow)
                }
            } @else { (col.label) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_model::{MetadataKey, MetadataValue, Tag};

    fn hostile_record() -> StoredRecord {
        let id = Uuid::new_v4();
        let mut r = Record::new(id, RecordType::Trace, id, Timestamp(0));
        r.tags
            .push(Tag::parse("<img src=x onerror=alert(1)>").unwrap());
        r.metadata.insert(
            MetadataKey::parse("k").unwrap(),
            MetadataValue::parse("<script>alert(2)</script>").unwrap(),
        );
        r.input = serde_json::json!("<b>bold</b>");
        StoredRecord {
            project_id: Uuid::nil(),
            log_stream_id: Uuid::nil(),
            record: r,
        }
    }

    #[test]
    fn user_strings_are_escaped_in_every_cell() {
        let view = View::default();
        let ctx = RowCtx {
            view: &view,
            base: "/s",
            project_id: Uuid::nil(),
            now: Timestamp(0),
        };
        let keys = vec![MetadataKeyStats {
            key: "k".into(),
            records: 1,
            distinct_values: 1,
            observed_type: "string",
        }];
        let rec = hostile_record();
        let html: String = all_columns(RootParam::Span, &keys)
            .iter()
            .map(|c| cell(c, &rec, &ctx, "/r").into_string())
            .collect();
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
            "{html}"
        );
        // The chip's link adds the quoted tag to the filter, URL-encoded.
        assert!(
            html.contains("href=\"/s?q=tag%3A%22%3Cimg+src%3Dx+onerror%3Dalert%281%29%3E%22\""),
            "{html}"
        );
    }

    #[test]
    fn metadata_keys_become_columns() {
        let keys = vec![MetadataKeyStats {
            key: "field".into(),
            records: 2,
            distinct_values: 1,
            observed_type: "string",
        }];
        let cols = all_columns(RootParam::Trace, &keys);
        assert_eq!(cols.last().unwrap().id, "metadata.field");
        let view = View {
            cols: vec!["metadata.field".into(), "time".into()],
            ..View::default()
        };
        let shown: Vec<&str> = visible(&view, &cols, &[])
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(shown, vec!["time", "metadata.field"]);
        let all: Vec<&str> = visible(&View::default(), &cols, &[hostile_record()])
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert!(
            !all.contains(&"model") && !all.contains(&"tokens") && all.contains(&"metadata.field"),
            "{all:?}"
        );
    }
}
