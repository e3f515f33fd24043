//! A logger for code without an async runtime: it owns a small tokio runtime (one worker
//! thread) for the background sender, and `flush` blocks until the server has answered.
//! Dropping it flushes, so a short program that forgets `flush` still uploads its traces,
//! as the Python SDK's exit hook does.
//!
//! Every wait runs `block_on` on a short-lived thread of its own: tokio refuses to block a
//! thread that drives another runtime, and a thread of our own is never one, so the logger
//! works from plain threads, `spawn_blocking` and (blocking that worker) even async code.

use crate::builders::{kind, Step};
use crate::config::LoggerBuilder;
use crate::error::{Error, Result};
use crate::logger::{Conclusion, Logger};
use crate::step::{Documents, LlmInput, LlmOutput};
use crate::worker::FlushReport;
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

/// How long dropping a [`BlockingLogger`] waits for the last traces to be delivered.
const DROP_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

pub struct BlockingLogger {
    logger: Logger,
    runtime: Option<tokio::runtime::Runtime>,
}

impl LoggerBuilder {
    /// Builds a [`BlockingLogger`].
    pub fn build_blocking(self) -> Result<BlockingLogger> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("parallax-client")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the logger's runtime: {e}")))?;
        let logger = wait(&runtime, self.build())?;
        Ok(BlockingLogger {
            logger,
            runtime: Some(runtime),
        })
    }
}

impl BlockingLogger {
    /// A logger configured from the environment alone.
    pub fn from_env() -> Result<BlockingLogger> {
        LoggerBuilder::from_env().build_blocking()
    }

    /// The async logger inside, e.g. for [`tracing_layer`](crate::tracing_layer).
    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    pub fn start_trace(&self, input: impl Into<String>) -> Step<'_, kind::Trace> {
        self.logger.start_trace(input)
    }
    pub fn add_llm_span(
        &self,
        input: impl Into<LlmInput>,
        output: impl Into<LlmOutput>,
    ) -> Step<'_, kind::Llm> {
        self.logger.add_llm_span(input, output)
    }
    pub fn add_retriever_span(
        &self,
        input: impl Into<String>,
        documents: impl Into<Documents>,
    ) -> Step<'_, kind::Retriever> {
        self.logger.add_retriever_span(input, documents)
    }
    pub fn add_tool_span(
        &self,
        input: impl Into<String>,
        output: impl Into<String>,
    ) -> Step<'_, kind::Tool> {
        self.logger.add_tool_span(input, output)
    }
    pub fn add_workflow_span(&self, input: impl Into<String>) -> Step<'_, kind::Workflow> {
        self.logger.add_workflow_span(input)
    }
    pub fn add_agent_span(&self, input: impl Into<String>) -> Step<'_, kind::Agent> {
        self.logger.add_agent_span(input)
    }
    pub fn conclude(&self, output: impl Into<String>) -> Result<Uuid> {
        self.logger.conclude(output)
    }
    pub fn conclude_with(&self, c: Conclusion) -> Result<Uuid> {
        self.logger.conclude_with(c)
    }

    /// Sends everything and blocks until the server has answered.
    pub fn flush(&self) -> Result<FlushReport> {
        self.block_on(self.logger.flush())
    }

    /// Flushes and stops the background sender.
    pub fn shutdown(mut self) -> Result<FlushReport> {
        let out = self.block_on(self.logger.shutdown());
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        out
    }

    fn block_on<T: Send>(&self, f: impl Future<Output = Result<T>> + Send) -> Result<T> {
        wait(self.runtime.as_ref().ok_or(Error::Closed)?, f)
    }
}

/// Runs `f` on `rt` from a thread of its own (see the module documentation).
fn wait<T: Send>(rt: &tokio::runtime::Runtime, f: impl Future<Output = T> + Send) -> T {
    std::thread::scope(|s| s.spawn(|| rt.block_on(f)).join())
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

impl Drop for BlockingLogger {
    fn drop(&mut self) {
        let Some(rt) = self.runtime.take() else {
            return;
        };
        let logger = self.logger.clone();
        let flushed = wait(&rt, async move {
            tokio::time::timeout(DROP_FLUSH_TIMEOUT, logger.shutdown()).await
        });
        match flushed {
            Ok(Ok(_)) | Ok(Err(Error::Closed)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "parallax: flush at drop failed"),
            Err(_) => tracing::warn!("parallax: flush at drop timed out; some traces may be lost"),
        }
        // Dropping a runtime inside another one panics; shutting it down in the background
        // does not, and its one worker has nothing left to do.
        rt.shutdown_background();
    }
}
