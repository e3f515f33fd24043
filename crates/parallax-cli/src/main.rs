//! The `parallax` command. `main` only parses the command line and dispatches.

mod bench;
mod export;
mod import;
mod keys;
mod projects;
mod query;
mod remote;
mod term;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "parallax",
    version,
    about = "A self-hosted home for the logs of LLM applications"
)]
#[command(after_help = remote::EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (Galileo-compatible API, OTLP, native API, console) on the embedded store.
    Serve(parallax_server::Config),
    /// Create, list and revoke API keys in a data directory.
    /// Over HTTP instead with --url / PARALLAX_URL and an admin --api-key.
    Keys(keys::KeysArgs),
    /// Measure ingest and query speed on the standard workload (PRODUCT.md, "Performance").
    Bench(bench::BenchArgs),
    /// Search a log stream with the text query language; print a table, JSON or CSV.
    Query(query::QueryArgs),
    /// Stream the records a query matches to JSONL or CSV, in a file or on stdout.
    Export(export::ExportArgs),
    /// Load a JSONL export (ours or Galileo's) into a log stream; resumable and idempotent.
    Import(import::ImportArgs),
    /// List the projects the API key can see.
    Projects(projects::ProjectsArgs),
    /// List the log streams of a project.
    LogStreams(projects::LogStreamsArgs),
}

/// Exit code for a usage error (bad flags or arguments), as distinct from a failure.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the server or store failed.
pub const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARALLAX_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(config) => {
            runtime().and_then(|rt| rt.block_on(parallax_server::run(config)))
        }
        Command::Keys(args) => keys::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Query(args) => query::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Projects(args) => projects::projects(args),
        Command::LogStreams(args) => projects::log_streams(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(code) = remote::exit_code(&e) {
                return ExitCode::from(code);
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
