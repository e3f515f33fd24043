//! Pieces shared by the Galileo and native read routes: turning a request into the query model,
//! and the streamed export (JSONL or CSV) of everything a filter matches.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parallax_query::{Expr, Root, Sort};
use parallax_store::{Page, SearchRequest};
use serde_json::Value;
use uuid::Uuid;

pub fn parse_root(raw: Option<&str>) -> ApiResult<Root> {
    match raw.unwrap_or("trace") {
        "trace" | "traces" => Ok(Root::Trace),
        "span" | "spans" => Ok(Root::Span),
        "session" | "sessions" => Ok(Root::Session),
        other => Err(ApiError::BadRequest(format!(
            "root: unknown root {other:?}; expected trace, span or session"
        ))),
    }
}

/// A root for work that needs records (aggregate, annotate): traces or spans, not sessions.
pub fn parse_record_root(raw: Option<&str>, doing: &str) -> ApiResult<Root> {
    match parse_root(raw)? {
        Root::Session => Err(ApiError::BadRequest(format!(
            "root: {doing} traces or spans, not sessions"
        ))),
        root => Ok(root),
    }
}

/// Parses the text language; a bad query is a 400 with the parser's message and position.
pub fn parse_text(q: Option<&str>) -> ApiResult<Option<Expr>> {
    parallax_query::parse(q.unwrap_or("")).map_err(|e| ApiError::BadRequest(format!("q: {e}")))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    pub fn parse(raw: Option<&str>) -> ApiResult<Format> {
        match raw.unwrap_or("jsonl") {
            "jsonl" | "jsonl_flat" | "json" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            other => Err(ApiError::BadRequest(format!(
                "format: unknown export format {other:?}; expected jsonl or csv"
            ))),
        }
    }
}

/// Streams every matching record, page by page, so memory stays flat however large the slice.
pub async fn export(
    state: AppState,
    project_id: Uuid,
    log_stream_id: Uuid,
    root: Root,
    filter: Option<Expr>,
    sort: Sort,
    format: Format,
) -> ApiResult<Response> {
    if root == Root::Session {
        return Err(ApiError::BadRequest(
            "export: sessions cannot be exported; export traces or spans".into(),
        ));
    }
    let keys: Vec<String> = if format == Format::Csv {
        state
            .store(move |s| s.metadata_keys(project_id, log_stream_id))
            .await?
            .into_iter()
            .map(|k| k.key)
            .collect()
    } else {
        Vec::new()
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    tokio::spawn(async move {
        if format == Format::Csv {
            let _ = tx.send(Ok(csv_header(&keys))).await;
        }
        let mut page = Page::Cursor(String::new());
        let mut first = true;
        loop {
            let req = SearchRequest {
                project_id,
                log_stream_id,
                root,
                filter: filter.clone(),
                sort: sort.clone(),
                limit: 500,
                page: if first { Page::Offset(0) } else { page.clone() },
            };
            first = false;
            let result = state.store(move |s| s.search(&req)).await;
            let out = match result {
                Ok(out) => out,
                Err(e) => {
                    let _ = tx
                        .send(Err(std::io::Error::other(e.public_message())))
                        .await;
                    return;
                }
            };
            let mut chunk = String::new();
            for r in &out.records {
                let v = crate::routes::stored_json(r);
                match format {
                    Format::Jsonl => {
                        chunk.push_str(&v.to_string());
                        chunk.push('\n');
                    }
                    Format::Csv => chunk.push_str(&csv_row(&v, &keys)),
                }
            }
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
            match out.next_cursor {
                Some(c) => page = Page::Cursor(c),
                None => return,
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let content_type = match format {
        Format::Jsonl => "application/x-ndjson",
        Format::Csv => "text/csv; charset=utf-8",
    };
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(stream),
    )
        .into_response())
}

const CSV_FIELDS: &[&str] = &[
    "id",
    "type",
    "trace_id",
    "parent_id",
    "session_id",
    "created_at",
    "name",
    "input",
    "output",
    "model",
    "status_code",
];

fn csv_header(keys: &[String]) -> String {
    let mut cols: Vec<String> = CSV_FIELDS.iter().map(|s| s.to_string()).collect();
    cols.extend(
        [
            "duration_ns",
            "num_input_tokens",
            "num_output_tokens",
            "tags",
        ]
        .map(String::from),
    );
    cols.extend(keys.iter().map(|k| format!("user_metadata.{k}")));
    let mut line = cols
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_row(v: &Value, keys: &[String]) -> String {
    let mut cells: Vec<String> = CSV_FIELDS.iter().map(|f| text_of(&v[*f])).collect();
    for m in ["duration_ns", "num_input_tokens", "num_output_tokens"] {
        cells.push(text_of(&v["metrics"][m]));
    }
    let tags: Vec<String> = v["tags"]
        .as_array()
        .map(|a| a.iter().map(text_of).collect())
        .unwrap_or_default();
    cells.push(tags.join(","));
    for k in keys {
        cells.push(text_of(&v["user_metadata"][k.as_str()]));
    }
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// RFC 4180 quoting: quote when the cell has a comma, quote, or line break; double quotes.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
