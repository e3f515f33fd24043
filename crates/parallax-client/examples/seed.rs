//! The seed document's snippet (`seed/annotations.md`), translated to Rust: a trace with tags
//! and metadata, an LLM span with the same annotations, conclude, flush.
//!
//! ```sh
//! PARALLAX_URL=http://127.0.0.1:8088 PARALLAX_API_KEY=<key> cargo run -p parallax-client --example seed
//! ```
//!
//! Project and log stream come from `PARALLAX_PROJECT` / `PARALLAX_LOG_STREAM` (or Galileo's
//! names), both `default` when unset, and are created on first use.

use parallax_client::{Logger, Message};

#[tokio::main]
async fn main() -> Result<(), parallax_client::Error> {
    // Initialize logger
    let logger = Logger::from_env().await?;

    // Initialize a new Trace with tags and metadata
    let prompt = "Explain the following topic succinctly: Newton's First Law";
    let trace_id = logger
        .start_trace(prompt)
        .tags(["newton", "test", "new-version"])
        .metadata([
            ("experimentNumber", "1"),
            ("promptVersion", "0.0.1"),
            ("field", "physics"),
        ])
        .start()?;

    // Include tags and metadata when adding a new Span
    logger
        .add_llm_span([Message::system(prompt)], "Model response")
        .model("gpt-4o")
        .tags(["newton", "test", "new-version"])
        .metadata([
            ("experimentNumber", "1"),
            ("promptVersion", "0.0.1"),
            ("field", "physics"),
        ])
        .add()?;

    logger.conclude("Model response")?;
    let report = logger.flush().await?;

    let target = logger.target();
    println!(
        "logged trace {trace_id} ({} records stored)",
        report.records
    );
    println!(
        "project {}  log stream {}",
        target.project_id, target.log_stream_id
    );
    for q in &report.quarantined {
        println!("quarantined {}: {}", q.id, q.violations.join("; "));
    }
    Ok(())
}
