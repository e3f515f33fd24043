//! `parallax projects` and `parallax log-streams`: what a key can see on a server.

use crate::query::OutFormat;
use crate::remote::{block_on, Remote, RemoteArgs};
use crate::term::{csv_line, Table};
use clap::Args;
use serde_json::Value;
use std::io::Write;

#[derive(Args)]
pub struct ProjectsArgs {
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

#[derive(Args)]
pub struct LogStreamsArgs {
    /// Project name or id.
    #[arg(long, short = 'p', env = "PARALLAX_PROJECT", default_value = "default")]
    pub project: String,
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    pub format: OutFormat,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Prints `items` with these fields as columns.
fn print(items: &[Value], fields: &[(&str, &str)], format: OutFormat) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(items)?)?,
        OutFormat::Csv => {
            writeln!(
                out,
                "{}",
                csv_line(
                    &fields
                        .iter()
                        .map(|(f, _)| f.to_string())
                        .collect::<Vec<_>>()
                )
            )?;
            for item in items {
                writeln!(
                    out,
                    "{}",
                    csv_line(
                        &fields
                            .iter()
                            .map(|(f, _)| text(&item[*f]))
                            .collect::<Vec<_>>()
                    )
                )?;
            }
        }
        OutFormat::Table => {
            let mut table = Table::new(fields.iter().map(|(_, h)| *h));
            for item in items {
                table.row(fields.iter().map(|(f, _)| text(&item[*f])).collect());
            }
            table.print(&mut out)?;
        }
    }
    Ok(())
}

pub fn projects(args: ProjectsArgs) -> anyhow::Result<()> {
    block_on(async move {
        let remote = Remote::new(&args.remote)?;
        let all = remote.get("/projects/all", &[]).await?;
        let items = all.as_array().cloned().unwrap_or_default();
        print(
            &items,
            &[("id", "id"), ("name", "name"), ("created_at", "created")],
            args.format,
        )
    })
}

pub fn log_streams(args: LogStreamsArgs) -> anyhow::Result<()> {
    block_on(async move {
        let remote = Remote::new(&args.remote)?;
        let project = remote.find_project(&args.project).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "no project {:?} on {}: list them with `parallax projects`",
                args.project,
                remote.base
            )
        })?;
        let all = remote
            .get(&format!("/projects/{}/log_streams", project.id), &[])
            .await?;
        let items = all.as_array().cloned().unwrap_or_default();
        let fields = [
            ("id", "id"),
            ("name", "name"),
            ("num_traces", "traces"),
            ("num_spans", "spans"),
            ("created_at", "created"),
        ];
        print(&items, &fields, args.format)
    })
}
