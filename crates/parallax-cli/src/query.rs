//! `parallax query`: the text query language against a server, printed as a table (one column
//! per metadata key found in the results, tags joined), JSON or CSV; or, with `--group-by`,
//! one row per tag or metadata value with count, error rate, latency and tokens.

use crate::remote::{block_on, Remote, RemoteArgs, StreamArgs, EXIT_CODES};
use crate::term::{csv_line, duration_ns, Table};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use std::io::Write;

#[derive(Args)]
#[command(after_help = EXIT_CODES)]
pub struct QueryArgs {
    /// A filter in the text language, e.g. 'tag:newton and metadata.field = physics'.
    /// Empty matches everything.
    #[arg(default_value = "")]
    pub query: String,
    #[command(flatten)]
    pub stream: StreamArgs,
    /// What a row is: trace, span or session.
    #[arg(long, default_value = "trace", value_parser = ["trace", "span", "session"])]
    pub root: String,
    /// Group by `tag`, `metadata.<key>`, `model`, `type` or `status_code` instead of listing.
    #[arg(long)]
    pub group_by: Option<String>,
    /// Most rows (records, or groups with --group-by).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Table,
    Json,
    Csv,
}

pub fn run(args: QueryArgs) -> anyhow::Result<()> {
    block_on(async move {
        let remote = Remote::new(&args.remote)?;
        let (project, stream) = remote.existing(&args.stream).await?;
        let mut out = std::io::stdout().lock();
        match &args.group_by {
            Some(by) => {
                let body = json!({"log_stream_id": stream.id, "root": args.root, "q": args.query, "group_by": by, "top": args.limit});
                let path = format!("/api/v1/projects/{}/aggregate", project.id);
                let reply = remote
                    .post(&path, &body)
                    .await
                    .map_err(|e| e.for_query(&args.query))?;
                print_groups(&reply, by, args.format, &mut out)?;
            }
            None => {
                let records = search(&remote, project.id, stream.id, &args).await?;
                print_records(&records, args.format, &mut out)?;
            }
        }
        Ok(())
    })
}

/// Pages through the search until `limit` records or the end.
async fn search(
    remote: &Remote,
    pid: uuid::Uuid,
    sid: uuid::Uuid,
    args: &QueryArgs,
) -> anyhow::Result<Vec<Value>> {
    let path = format!("/api/v1/projects/{pid}/search");
    let mut records = Vec::new();
    let mut cursor: Option<String> = None;
    while records.len() < args.limit {
        let want = (args.limit - records.len()).min(1000);
        let body = json!({"log_stream_id": sid, "root": args.root, "q": args.query, "limit": want, "cursor": cursor});
        let reply = remote
            .post(&path, &body)
            .await
            .map_err(|e| e.for_query(&args.query))?;
        let page = reply["records"].as_array().cloned().unwrap_or_default();
        let empty = page.is_empty();
        records.extend(page);
        cursor = reply["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() || empty {
            break;
        }
    }
    records.truncate(args.limit);
    Ok(records)
}

/// Metadata keys in order of first appearance.
fn metadata_keys(records: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for r in records {
        if let Some(m) = r["user_metadata"].as_object() {
            for k in m.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tags(r: &Value) -> String {
    r["tags"]
        .as_array()
        .map(|a| a.iter().map(text).collect::<Vec<_>>().join(","))
        .unwrap_or_default()
}

/// `2026-12-03T16:25:18.921579Z` as `2026-12-03 16:25:18`.
fn short_time(v: &Value) -> String {
    let s = text(v);
    s.get(..19).map(|t| t.replace('T', " ")).unwrap_or(s)
}

fn print_records(records: &[Value], format: OutFormat, out: &mut impl Write) -> anyhow::Result<()> {
    let keys = metadata_keys(records);
    match format {
        OutFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(records)?)?,
        OutFormat::Csv => {
            let mut head: Vec<String> = [
                "created_at",
                "id",
                "trace_id",
                "parent_id",
                "name",
                "type",
                "status_code",
                "duration_ns",
                "tags",
            ]
            .map(String::from)
            .into();
            head.extend(keys.iter().map(|k| format!("metadata.{k}")));
            writeln!(out, "{}", csv_line(&head))?;
            for r in records {
                let mut row: Vec<String> = [
                    "created_at",
                    "id",
                    "trace_id",
                    "parent_id",
                    "name",
                    "type",
                    "status_code",
                ]
                .iter()
                .map(|f| text(&r[*f]))
                .collect();
                row.push(text(&r["metrics"]["duration_ns"]));
                row.push(tags(r));
                row.extend(keys.iter().map(|k| text(&r["user_metadata"][k.as_str()])));
                writeln!(out, "{}", csv_line(&row))?;
            }
        }
        OutFormat::Table => {
            if records.is_empty() {
                eprintln!("no records match");
                return Ok(());
            }
            let mut head: Vec<String> =
                ["time", "id", "name", "type", "status", "duration", "tags"]
                    .map(String::from)
                    .into();
            head.extend(keys.iter().cloned());
            let mut table = Table::new(head);
            for r in records {
                let id = text(&r["id"]);
                let mut row = vec![
                    short_time(&r["created_at"]),
                    id.chars().take(8).collect(),
                    text(&r["name"]),
                    text(&r["type"]),
                    text(&r["status_code"]),
                    r["metrics"]["duration_ns"]
                        .as_i64()
                        .map(duration_ns)
                        .unwrap_or_default(),
                    tags(r),
                ];
                row.extend(keys.iter().map(|k| text(&r["user_metadata"][k.as_str()])));
                table.row(row);
            }
            table.print(out)?;
            eprintln!(
                "{} record{}",
                records.len(),
                if records.len() == 1 { "" } else { "s" }
            );
        }
    }
    Ok(())
}

fn print_groups(
    reply: &Value,
    by: &str,
    format: OutFormat,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut groups: Vec<Value> = reply["groups"].as_array().cloned().unwrap_or_default();
    if let Some(other) = reply.get("other").filter(|o| !o.is_null()) {
        let mut other = other.clone();
        other["key"] = json!("(other)");
        groups.push(other);
    }
    let key = |g: &Value| {
        if g["key"].is_null() {
            "(none)".to_owned()
        } else {
            text(&g["key"])
        }
    };
    let latency = |g: &Value, p: &str| {
        g["latency_ns"][p]
            .as_i64()
            .map(duration_ns)
            .unwrap_or_default()
    };
    match format {
        OutFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(reply)?)?,
        OutFormat::Csv => {
            writeln!(
                out,
                "{}",
                csv_line(
                    &[
                        by,
                        "count",
                        "errors",
                        "error_rate",
                        "p50_ns",
                        "p95_ns",
                        "tokens"
                    ]
                    .map(String::from)
                )
            )?;
            for g in &groups {
                let row = [
                    key(g),
                    text(&g["count"]),
                    text(&g["errors"]),
                    text(&g["error_rate"]),
                    text(&g["latency_ns"]["p50"]),
                    text(&g["latency_ns"]["p95"]),
                    text(&g["tokens"]["total"]),
                ];
                writeln!(out, "{}", csv_line(&row))?;
            }
        }
        OutFormat::Table => {
            let mut table = Table::new([by, "count", "error rate", "p50", "p95", "tokens"]);
            for g in &groups {
                let rate = g["error_rate"].as_f64().unwrap_or(0.0) * 100.0;
                table.row(vec![
                    key(g),
                    text(&g["count"]),
                    format!("{rate:.1}%"),
                    latency(g, "p50"),
                    latency(g, "p95"),
                    text(&g["tokens"]["total"]),
                ]);
            }
            table.print(out)?;
        }
    }
    Ok(())
}
