//! Logging `tracing` spans as Parallax traces: one line of set-up, then ordinary
//! `#[instrument]` functions whose fields carry tags, metadata, input, output and model.
//!
//! ```sh
//! PARALLAX_URL=http://127.0.0.1:8088 PARALLAX_API_KEY=<key> cargo run -p parallax-client --example tracing
//! ```

use parallax_client::Logger;
use tracing::instrument;
use tracing_subscriber::layer::SubscriberExt;

/// The root span: becomes a trace tagged `newton` with `promptVersion` metadata.
#[instrument(skip_all, fields(tags = "newton,tracing", metadata.promptVersion = "0.0.1", input = %question, output))]
async fn answer(question: &str) -> String {
    let docs = retrieve(question).await;
    let reply = complete(question, &docs).await;
    tracing::Span::current().record("output", reply.as_str());
    reply
}

#[instrument(skip_all, fields(span_type = "retriever", input = %query, output))]
async fn retrieve(query: &str) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let found = "An object at rest stays at rest unless acted on by a force.".to_owned();
    tracing::Span::current().record("output", found.as_str());
    found
}

#[instrument(skip_all, fields(model = "gpt-4o", input = %prompt, output, input_tokens = 42, output_tokens = 17, meta.field = "physics"))]
async fn complete(prompt: &str, context: &str) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let out = format!("{context} (answering: {prompt})");
    tracing::Span::current().record("output", out.as_str());
    out
}

#[tokio::main]
async fn main() -> Result<(), parallax_client::Error> {
    let logger = Logger::from_env().await?;
    // The one line of set-up.
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::registry().with(parallax_client::tracing_layer(&logger)),
    );

    let reply = answer("Explain Newton's First Law").await;
    println!("{reply}");

    let report = logger.flush().await?;
    println!(
        "sent {} trace(s), {} records stored",
        report.traces, report.records
    );
    Ok(())
}
