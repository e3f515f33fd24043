//! Export of the current filter as JSONL or CSV, streamed page by page through the store's
//! cursor so that a large slice never sits in memory whole.
//!
//! JSONL lines are the records as Galileo's search API returns them (`record_to_json`), so an
//! export reads like the API. CSV has the standard fields, the tags as a JSON array, inputs and
//! outputs as text (structured ones as JSON), and one column per metadata key of the stream.
//! Cells are not altered for spreadsheets (no `'` before `=`): the export is data, and a
//! spreadsheet user should import it as text.

use super::layout::{PageError, PageResult};
use super::projects::load_stream;
use super::session::ConsoleUser;
use super::view::{RootParam, View};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parallax_query::Expr;
use parallax_store::{Page, SearchRequest, StoredRecord};

/// Records per store call while exporting.
const BATCH: usize = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Jsonl,
    Csv,
}

const CSV_FIELDS: [&str; 16] = [
    "id",
    "type",
    "trace_id",
    "parent_id",
    "session_id",
    "name",
    "created_at",
    "duration_ns",
    "status_code",
    "model",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "tags",
    "input",
    "output",
];

/// One CSV field, quoted when it holds a comma, a quote, a line break or edge spaces (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv_line(fields: impl IntoIterator<Item = String>) -> String {
    let mut line = fields
        .into_iter()
        .map(|f| csv_field(&f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn csv_row(r: &StoredRecord, keys: &[String]) -> String {
    let rec = &r.record;
    let opt = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let id = |u: Option<uuid::Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
    let io = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let tags = serde_json::to_string(&rec.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut fields = vec![
        rec.id.to_string(),
        rec.record_type.as_str().to_owned(),
        rec.trace_id.to_string(),
        id(rec.parent_id),
        id(rec.session_id),
        rec.name.clone(),
        rec.created_at.to_rfc3339(),
        opt(rec.duration_ns),
        opt(rec.status_code),
        rec.model.clone().unwrap_or_default(),
        opt(rec.tokens.input),
        opt(rec.tokens.output),
        opt(rec.tokens.total),
        tags,
        io(&rec.input),
        io(&rec.output),
    ];
    fields.extend(keys.iter().map(|k| {
        rec.metadata
            .get(k)
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default()
    }));
    csv_line(fields)
}

fn jsonl_row(r: &StoredRecord) -> String {
    let mut line = crate::routes::stored_json(r).to_string();
    line.push('\n');
    line
}

/// Where the export stands between two store calls.
struct Cursor {
    state: AppState,
    req: SearchRequest,
    keys: Vec<String>,
    format: Format,
    done: bool,
}

async fn next_chunk(mut c: Cursor) -> Option<(Result<Bytes, std::io::Error>, Cursor)> {
    if c.done {
        return None;
    }
    let req = c.req.clone();
    let page = match c.state.store(move |s| s.search(&req)).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "export stopped by a store error");
            c.done = true;
            return Some((Err(std::io::Error::other("export failed")), c));
        }
    };
    let mut out = String::new();
    for r in &page.records {
        out.push_str(&match c.format {
            Format::Jsonl => jsonl_row(r),
            Format::Csv => csv_row(r, &c.keys),
        });
    }
    match page.next_cursor {
        Some(next) if !page.records.is_empty() => c.req.page = Page::Cursor(next),
        _ => c.done = true,
    }
    Some((Ok(Bytes::from(out)), c))
}

fn file_name(stream: &str, format: Format) -> String {
    let safe: String = stream
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.is_empty() {
        "export".to_owned()
    } else {
        safe
    };
    format!(
        "{safe}.{}",
        if format == Format::Csv {
            "csv"
        } else {
            "jsonl"
        }
    )
}

/// `GET /console/projects/{pid}/log-streams/{sid}/export?format=jsonl|csv&q=…&root=…`.
pub async fn download(
    State(state): State<AppState>,
    _user: ConsoleUser,
    Path((pid, sid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult<Response> {
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let view = View::from_query(raw.as_deref());
    let pairs: Vec<(String, String)> = raw
        .as_deref()
        .and_then(|r| serde_urlencoded::from_str(r).ok())
        .unwrap_or_default();
    let format = match pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str())
    {
        Some("csv") => Format::Csv,
        Some("jsonl") | None => Format::Jsonl,
        Some(other) => {
            return Err(PageError::bad_request(format!(
                "unknown export format {other:?}; use jsonl or csv"
            )))
        }
    };
    if view.root == RootParam::Session {
        return Err(PageError::bad_request(
            "export traces or spans; sessions are not exported",
        ));
    }
    let filter: Option<Expr> = view
        .filter()
        .map_err(|e| PageError::bad_request(format!("the filter does not parse: {e}")))?;
    let (p, s) = (project.id, stream.id);
    let keys: Vec<String> = state
        .store(move |st| st.metadata_keys(p, s))
        .await?
        .into_iter()
        .map(|k| k.key)
        .collect();
    let req = SearchRequest {
        project_id: p,
        log_stream_id: s,
        root: view.root.root(),
        filter,
        sort: view.sort(),
        limit: BATCH,
        page: Page::Offset(0),
    };
    let head = match format {
        Format::Csv => csv_line(
            CSV_FIELDS
                .iter()
                .map(|f| f.to_string())
                .chain(keys.iter().map(|k| format!("metadata.{k}"))),
        ),
        Format::Jsonl => String::new(),
    };
    let first =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) });
    let rest = futures_util::stream::unfold(
        Cursor {
            state,
            req,
            keys,
            format,
            done: false,
        },
        next_chunk,
    );
    let body = Body::from_stream(futures_util::StreamExt::chain(first, rest));
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Jsonl => "application/x-ndjson",
    };
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file_name(&stream.name, format)
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_line(["a".to_string(), "".to_string()]), "a,\r\n");
        assert_eq!(file_name("my stream/ü", Format::Csv), "my_stream__.csv");
    }
}
