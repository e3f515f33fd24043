//! The `parallax` command. `main` only parses the command line and dispatches.

mod keys;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "parallax", version, about = "A self-hosted home for the logs of LLM applications")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (Galileo-compatible API, OTLP, native API, console) on the embedded store.
    Serve(parallax_server::Config),
    /// Create, list and revoke API keys in a data directory.
    Keys(keys::KeysArgs),
}

/// Exit code for a usage error (bad flags or arguments), as distinct from a failure.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the server or store failed.
pub const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARALLAX_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(config) => runtime().and_then(|rt| rt.block_on(parallax_server::run(config))),
        Command::Keys(args) => keys::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
