//! The Rust logger for Parallax, shaped like the Galileo SDK's `GalileoLogger`: start a trace
//! with its input, tags and metadata, add LLM, retriever, tool, workflow and agent spans
//! (workflow and agent spans are parents until `conclude`), conclude, flush.
//!
//! ```no_run
//! use parallax_client::{Logger, Message};
//!
//! # async fn run() -> Result<(), parallax_client::Error> {
//! // PARALLAX_URL / GALILEO_API_URL, PARALLAX_API_KEY / GALILEO_API_KEY, …
//! let logger = Logger::from_env().await?;
//! logger
//!     .start_trace("Explain the following topic succinctly: Newton's First Law")
//!     .tags(["newton", "test", "new-version"])
//!     .metadata([("experimentNumber", "1"), ("promptVersion", "0.0.1"), ("field", "physics")])
//!     .start()?;
//! logger
//!     .add_llm_span([Message::system("prompt")], "Model response")
//!     .model("gpt-4o")
//!     .tags(["newton", "test", "new-version"])
//!     .add()?;
//! logger.conclude("Model response")?;
//! logger.flush().await?;
//! # Ok(()) }
//! ```
//!
//! * **Same rules as the server.** Tags and metadata are checked with
//!   `parallax_model::validate_annotations` when a step is logged; a tag of 60 characters is an
//!   [`Error::Invalid`] naming the tag and the rule, and nothing is logged.
//! * **Background batching.** Logging calls never wait: a concluded trace goes through a
//!   bounded channel to a task that posts batches to `POST /v2/projects/{id}/traces` in the
//!   Galileo SDK's JSON, retrying connection errors, 429 and 5xx with exponential backoff.
//!   `flush` waits for the answers; `shutdown` also stops the task; dropping the last handle
//!   sends what is left, best effort.
//! * **Blocking code** uses [`BlockingLogger`], which runs its own small runtime.
//! * **`tracing`**: [`tracing_layer`] logs `tracing` spans (feature `tracing-layer`, on by default).

mod blocking;
mod builders;
mod config;
mod error;
mod http;
#[cfg(feature = "tracing-layer")]
mod layer;
mod logger;
mod step;
mod worker;

pub use blocking::BlockingLogger;
pub use builders::{kind, AgentType, Kind, SpanKind, Step};
pub use config::{LoggerBuilder, DEFAULT_URL};
pub use error::{Error, InvalidAnnotation, Result};
pub use http::{RetryPolicy, Target};
#[cfg(feature = "tracing-layer")]
pub use layer::{tracing_layer, ParallaxLayer};
pub use logger::{Conclusion, Logger};
pub use parallax_model::Limits;
pub use step::{Document, Documents, LlmInput, LlmOutput, Message, MessageRole, ToolCall};
pub use worker::{FlushReport, QuarantinedRecord};
