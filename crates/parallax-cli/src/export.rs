//! `parallax export`: the records a text query matches, streamed from the server's
//! `POST /api/v1/projects/{id}/export` to a file or stdout, as JSONL (one flat Galileo record
//! per line, the format `parallax import` reads) or CSV (the server's columns).
//!
//! A trace-level slice is only useful to re-import with its spans, so for JSONL with
//! `--root trace` each matching trace is followed by every span of its tree (fetched per trace,
//! a few at a time), unless `--traces-only`. Memory stays flat: lines are written as they come.

use crate::remote::{block_on, Remote, RemoteArgs, StreamArgs, EXIT_CODES};
use crate::term::{bytes, Progress};
use anyhow::Context;
use clap::{Args, ValueEnum};
use futures_util::{stream, StreamExt};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::PathBuf;
use uuid::Uuid;

/// Traces whose trees are fetched together; each batch is written in order.
const TREE_BATCH: usize = 32;
/// Tree requests in flight at once.
const TREE_CONCURRENCY: usize = 4;

#[derive(Args)]
#[command(after_help = EXIT_CODES)]
pub struct ExportArgs {
    /// A filter in the text language; empty exports the whole stream.
    #[arg(default_value = "")]
    pub query: String,
    #[command(flatten)]
    pub stream: StreamArgs,
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// What the query selects: whole traces, or single spans.
    #[arg(long, default_value = "trace", value_parser = ["trace", "span"])]
    pub root: String,
    /// With --root trace and JSONL: write the matching traces without their spans.
    #[arg(long)]
    pub traces_only: bool,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Default)]
struct Counts {
    records: u64,
    spans: u64,
    bytes: u64,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    block_on(async move {
        let remote = Remote::new(&args.remote)?;
        let (project, stream) = remote.existing(&args.stream).await?;
        let base = json!({"log_stream_id": stream.id, "root": args.root, "q": args.query});
        let count_path = format!("/api/v1/projects/{}/count", project.id);
        let total = remote
            .post(&count_path, &base)
            .await
            .map_err(|e| e.for_query(&args.query))?["count"]
            .as_u64();
        let mut body = base.clone();
        body["format"] = json!(match args.format {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
        });
        let export_path = format!("/api/v1/projects/{}/export", project.id);
        let resp = remote
            .post_response(&export_path, &body)
            .await
            .map_err(|e| e.for_query(&args.query))?;

        let mut out: Box<dyn Write> = match &args.output {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        let with_spans =
            args.format == ExportFormat::Jsonl && args.root == "trace" && !args.traces_only;
        let mut progress = Progress::new("exporting", total);
        let mut counts = Counts::default();
        let mut body_stream = resp.bytes_stream();
        let mut pending: Vec<u8> = Vec::new();
        let mut traces: Vec<String> = Vec::new();
        while let Some(chunk) = body_stream.next().await {
            let chunk = chunk.context("the export stream broke off")?;
            pending.extend_from_slice(&chunk);
            while let Some(at) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=at).collect();
                let line = String::from_utf8_lossy(&line).trim_end().to_owned();
                if line.is_empty() {
                    continue;
                }
                if with_spans {
                    traces.push(line);
                    if traces.len() >= TREE_BATCH {
                        write_trees(
                            &remote,
                            project.id,
                            std::mem::take(&mut traces),
                            &mut out,
                            &mut counts,
                        )
                        .await?;
                    }
                } else {
                    write_line(&mut out, &line, &mut counts)?;
                }
                progress.set(
                    data_lines(&counts, args.format),
                    &format!("{} written", bytes(counts.bytes)),
                );
            }
        }
        if !pending.is_empty() {
            let line = String::from_utf8_lossy(&pending).trim_end().to_owned();
            if with_spans {
                traces.push(line)
            } else {
                write_line(&mut out, &line, &mut counts)?
            }
        }
        write_trees(&remote, project.id, traces, &mut out, &mut counts).await?;
        out.flush().context("cannot write the export")?;
        progress.finish(
            data_lines(&counts, args.format),
            &format!("{} written", bytes(counts.bytes)),
        );
        let rows = data_lines(&counts, args.format);
        let what = match args.format {
            ExportFormat::Csv => format!("{rows} rows"),
            ExportFormat::Jsonl if with_spans => {
                format!("{rows} traces and {} spans", counts.spans)
            }
            ExportFormat::Jsonl => format!("{rows} records"),
        };
        let to = args
            .output
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        eprintln!(
            "exported {what} from {}/{} to {to}",
            project.name, stream.name
        );
        Ok(())
    })
}

/// Records (or CSV rows, not counting the header) written, not counting appended spans.
fn data_lines(c: &Counts, format: ExportFormat) -> u64 {
    match format {
        ExportFormat::Csv => c.records.saturating_sub(1),
        ExportFormat::Jsonl => c.records - c.spans,
    }
}

fn write_line(out: &mut dyn Write, line: &str, counts: &mut Counts) -> anyhow::Result<()> {
    writeln!(out, "{line}").context("cannot write the export")?;
    counts.records += 1;
    counts.bytes += line.len() as u64 + 1;
    Ok(())
}

/// Writes each trace line followed by the spans of its tree, depth first.
async fn write_trees(
    remote: &Remote,
    project: Uuid,
    traces: Vec<String>,
    out: &mut dyn Write,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let fetches = traces.iter().map(|line| {
        let id = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_owned));
        async move {
            match id {
                Some(id) => remote
                    .get(&format!("/api/v1/projects/{project}/traces/{id}"), &[])
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    let trees: Vec<_> = stream::iter(fetches)
        .buffered(TREE_CONCURRENCY)
        .collect()
        .await;
    for (line, tree) in traces.iter().zip(trees) {
        write_line(out, line, counts)?;
        let mut spans = Vec::new();
        if let Some(tree) = tree? {
            flatten_children(&tree, &mut spans);
        }
        for span in spans {
            write_line(out, &Value::Object(span).to_string(), counts)?;
            counts.spans += 1;
        }
    }
    Ok(())
}

/// The descendants of a nested record as flat records: `spans` and the tree-only `num_spans`
/// removed, parentage kept in each record's own `trace_id` / `parent_id`.
fn flatten_children(node: &Value, out: &mut Vec<Map<String, Value>>) {
    for child in node["spans"].as_array().into_iter().flatten() {
        if let Value::Object(obj) = child {
            let mut flat = obj.clone();
            flat.remove("spans");
            flat.remove("num_spans");
            out.push(flat);
            flatten_children(child, out);
        }
    }
}
