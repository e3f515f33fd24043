//! `parallax import FILE`: JSONL records (as `parallax export` writes them, or as Galileo's
//! `export_records` does; both are flat Galileo records) sent in batches to
//! `POST /api/v1/projects/{id}/records`.
//!
//! Resumable: after each batch the server acknowledged, `FILE.parallax-import` records the byte
//! offset reached, so an interrupted import (a crash, ctrl-c, a bad line, a server that went
//! away) continues where it stopped; `--restart` ignores it. Idempotent: record ids are kept,
//! so importing the same file again rewrites the same records and reports them as duplicates.

use crate::remote::{block_on, Remote, RemoteArgs, RemoteError, StreamArgs, EXIT_CODES};
use crate::term::{bytes, Progress};
use anyhow::{bail, Context};
use clap::Args;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// A batch is sent when it has this many bytes of records, whatever `--batch-size` says.
const MAX_BATCH_BYTES: usize = 4 << 20;
/// Retries of a batch on connection errors, 429 and 5xx.
const RETRIES: u32 = 4;

#[derive(Args)]
#[command(after_help = EXIT_CODES)]
pub struct ImportArgs {
    /// A JSONL file of records.
    pub file: PathBuf,
    /// Project and log stream to import into; created when missing.
    #[command(flatten)]
    pub stream: StreamArgs,
    /// Start from the beginning even if an earlier import of FILE stopped half-way.
    #[arg(long)]
    pub restart: bool,
    /// Records per request.
    #[arg(long, default_value_t = 500)]
    pub batch_size: usize,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// What `FILE.parallax-import` holds: where to continue, and the totals so far.
#[derive(Debug, Default, Clone, PartialEq)]
struct Resume {
    project_id: Uuid,
    log_stream_id: Uuid,
    offset: u64,
    line: u64,
    written: u64,
    existing: u64,
    quarantined: u64,
}

impl Resume {
    fn to_json(&self) -> Value {
        json!({
            "project_id": self.project_id, "log_stream_id": self.log_stream_id, "offset": self.offset, "line": self.line,
            "written": self.written, "existing": self.existing, "quarantined": self.quarantined,
        })
    }

    fn from_json(v: &Value) -> Option<Resume> {
        let id = |k: &str| v[k].as_str().and_then(|s| Uuid::parse_str(s).ok());
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        Some(Resume {
            project_id: id("project_id")?,
            log_stream_id: id("log_stream_id")?,
            offset: v["offset"].as_u64()?,
            line: n("line"),
            written: n("written"),
            existing: n("existing"),
            quarantined: n("quarantined"),
        })
    }
}

fn progress_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".parallax-import");
    PathBuf::from(name)
}

/// Written to a temporary file and renamed, so a crash never leaves half a progress file.
fn save(path: &Path, state: &Resume) -> anyhow::Result<()> {
    let tmp = path.with_extension("parallax-import.tmp");
    std::fs::write(&tmp, state.to_json().to_string())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Records waiting to be sent, with the line each came from and the offset after the last.
#[derive(Default)]
struct Batch {
    records: Vec<Value>,
    lines: Vec<u64>,
    bytes: usize,
    end_offset: u64,
    end_line: u64,
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    block_on(async move {
        let remote = Remote::new(&args.remote)?;
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        let size = file.metadata()?.len();
        let (project, stream, created) = remote.existing_or_created(&args.stream).await?;
        if created {
            eprintln!(
                "created log stream {:?} in project {:?}",
                stream.name, project.name
            );
        }
        let marker = progress_path(&args.file);
        let mut state = Resume {
            project_id: project.id,
            log_stream_id: stream.id,
            ..Resume::default()
        };
        if !args.restart {
            if let Some(saved) = std::fs::read_to_string(&marker)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .and_then(|v| Resume::from_json(&v))
            {
                if (saved.project_id, saved.log_stream_id) != (project.id, stream.id) {
                    bail!(
                        "{} belongs to an import into another log stream ({} of project {}); pass --restart to start over",
                        marker.display(), saved.log_stream_id, saved.project_id
                    );
                }
                if saved.offset > size {
                    bail!(
                        "{} says {} bytes were imported but the file has {size}; pass --restart",
                        marker.display(),
                        saved.offset
                    );
                }
                eprintln!(
                    "resuming {} at line {} ({} already imported); --restart starts over",
                    args.file.display(),
                    saved.line + 1,
                    bytes(saved.offset)
                );
                state = saved;
            }
        }
        let mut reader = BufReader::new(file);
        reader.seek(SeekFrom::Start(state.offset))?;
        let path = format!("/api/v1/projects/{}/records", project.id);
        let mut progress = Progress::new("importing", Some(size));
        let mut batch = Batch {
            end_offset: state.offset,
            end_line: state.line,
            ..Batch::default()
        };
        let mut quarantine_notes: Vec<String> = Vec::new();
        let mut remapped = 0u64;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            let line_no = batch.end_line + 1;
            let text = String::from_utf8_lossy(&buf);
            if !text.trim().is_empty() {
                let record: Value = match serde_json::from_str(text.trim()) {
                    Ok(v @ Value::Object(_)) => v,
                    Ok(_) | Err(_) => {
                        send(
                            &remote,
                            &path,
                            stream.id,
                            &mut batch,
                            &mut state,
                            &marker,
                            &mut quarantine_notes,
                            &mut remapped,
                            &args.file,
                        )
                        .await?;
                        bail!(
                            "{} line {line_no}: not a JSON record object; fix the line and run the same command again to resume from it",
                            args.file.display()
                        );
                    }
                };
                batch.bytes += n;
                batch.records.push(record);
                batch.lines.push(line_no);
            }
            batch.end_offset += n as u64;
            batch.end_line = line_no;
            if batch.records.len() >= args.batch_size.max(1) || batch.bytes >= MAX_BATCH_BYTES {
                send(
                    &remote,
                    &path,
                    stream.id,
                    &mut batch,
                    &mut state,
                    &marker,
                    &mut quarantine_notes,
                    &mut remapped,
                    &args.file,
                )
                .await?;
                progress.set(state.offset, &summary_note(&state));
            }
        }
        send(
            &remote,
            &path,
            stream.id,
            &mut batch,
            &mut state,
            &marker,
            &mut quarantine_notes,
            &mut remapped,
            &args.file,
        )
        .await?;
        progress.finish(state.offset, &summary_note(&state));
        let _ = std::fs::remove_file(&marker);
        eprintln!(
            "imported {} into {}/{}: {} written, {} duplicates (already present, updated in place), {} quarantined",
            args.file.display(), project.name, stream.name, state.written, state.existing, state.quarantined
        );
        if remapped > 0 {
            eprintln!("{remapped} records came from another log stream of this server and were copied under new ids");
        }
        for note in quarantine_notes.iter().take(10) {
            eprintln!("  quarantined {note}");
        }
        if state.quarantined > 0 {
            eprintln!("quarantined records are listed at GET /api/v1/projects/{}/quarantine and in the console", project.id);
        }
        Ok(())
    })
}

fn summary_note(s: &Resume) -> String {
    format!(
        "{} written, {} duplicates, {} quarantined",
        s.written, s.existing, s.quarantined
    )
}

/// Sends the batch (if any), then records the new offset: only acknowledged records count.
#[allow(clippy::too_many_arguments)]
async fn send(
    remote: &Remote,
    path: &str,
    stream: Uuid,
    batch: &mut Batch,
    state: &mut Resume,
    marker: &Path,
    notes: &mut Vec<String>,
    remapped: &mut u64,
    file: &Path,
) -> anyhow::Result<()> {
    if !batch.records.is_empty() {
        let body = json!({"log_stream_id": stream, "records": batch.records});
        let reply = remote
            .post_retrying(path, &body, RETRIES)
            .await
            .map_err(|e| locate(e, &batch.lines, file))?;
        let stored = reply["stored"].as_u64().unwrap_or(0);
        let existing = reply["existing"].as_u64().unwrap_or(0);
        state.written += stored.saturating_sub(existing);
        state.existing += existing;
        *remapped += reply["remapped"].as_u64().unwrap_or(0);
        for q in reply["quarantined"].as_array().into_iter().flatten() {
            state.quarantined += 1;
            let violations: Vec<String> = q["violations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v["message"].as_str().unwrap_or_default().to_owned())
                .collect();
            notes.push(format!(
                "{} ({}): {}",
                q["id"].as_str().unwrap_or("?"),
                line_of(q["path"].as_str().unwrap_or(""), &batch.lines, file),
                violations.join("; ")
            ));
        }
    }
    state.offset = batch.end_offset;
    state.line = batch.end_line;
    save(marker, state)?;
    batch.records.clear();
    batch.lines.clear();
    batch.bytes = 0;
    Ok(())
}

/// `records[12].spans[0]` → `FILE line 57`, for messages about one record of a batch.
fn line_of(path: &str, lines: &[u64], file: &Path) -> String {
    let index = path
        .strip_prefix("records[")
        .and_then(|r| r.split(']').next())
        .and_then(|i| i.parse::<usize>().ok());
    match index.and_then(|i| lines.get(i)) {
        Some(line) => format!("{} line {line}", file.display()),
        None => path.to_owned(),
    }
}

/// A 422 names the record by its place in the batch; say which line of the file it is.
fn locate(e: RemoteError, lines: &[u64], file: &Path) -> anyhow::Error {
    match e {
        RemoteError::Http {
            status: 422,
            detail,
            ..
        } if detail.starts_with("records[") => {
            let (at, why) = detail.split_once(": ").unwrap_or((&detail, ""));
            anyhow::anyhow!(
                "{}: {at}: {why}; fix the line and run the same command again to resume from this batch",
                line_of(at, lines, file)
            )
        }
        other => other.into(),
    }
}
