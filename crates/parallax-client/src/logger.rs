//! The logger: Galileo's `GalileoLogger` in Rust. It holds the trace being built (the trace and
//! its open workflow/agent spans, innermost last) and hands each concluded trace to the
//! background sender (`worker`). Logging calls do no IO and never wait, so they are safe to
//! call from async code; only `flush` and `shutdown` wait, for the server's answer.

use crate::builders::{kind, Args, Step};
use crate::config::LoggerBuilder;
use crate::error::{Error, Result};
use crate::http::{resolve, Http, Target};
use crate::step::{
    output_from_last_child, step_json, Common, Documents, LlmInput, LlmOutput, Shape,
};
use crate::worker::{FlushReport, Msg, Worker};
use parallax_model::{Limits, Metadata, Tag, Timestamp};
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Logs traces and spans to a Parallax (or Galileo-compatible) server. Cheap to clone: clones
/// share the open trace and the background sender.
#[derive(Clone)]
pub struct Logger {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    tx: mpsc::Sender<Msg>,
    limits: Limits,
    target: Target,
    max_pending: usize,
}

#[derive(Default)]
struct State {
    open: Option<OpenTrace>,
    /// The last `created_at` handed out, so steps of a trace get strictly increasing times
    /// (PROTOCOL.md §4.1: the SDK adds 1 µs on a tie).
    last_created: i64,
    /// Concluded traces the channel had no room for; sent before anything newer.
    overflow: VecDeque<Value>,
    closed: bool,
}

struct OpenTrace {
    trace: Node,
    /// Open workflow and agent spans, innermost last.
    stack: Vec<Node>,
}

/// A trace or parent span that is still open.
struct Node {
    step: Map<String, Value>,
    started: Instant,
    children: Vec<Value>,
}

/// How to conclude the innermost open step; see [`Logger::conclude_with`].
#[derive(Debug, Clone, Default)]
pub struct Conclusion {
    pub output: Option<String>,
    pub status_code: Option<i64>,
    pub duration: Option<Duration>,
}

impl Conclusion {
    pub fn output(mut self, output: impl Into<String>) -> Self {
        self.output = Some(output.into());
        self
    }
    pub fn status_code(mut self, code: i64) -> Self {
        self.status_code = Some(code);
        self
    }
    pub fn duration(mut self, d: Duration) -> Self {
        self.duration = Some(d);
        self
    }
}

impl LoggerBuilder {
    /// Finds or creates the project and log stream, then starts the background sender on the
    /// current tokio runtime.
    pub async fn build(self) -> Result<Logger> {
        let key = self.api_key.clone().ok_or_else(|| {
            Error::Config(
                "no API key: set PARALLAX_API_KEY (or GALILEO_API_KEY), or call .api_key()".into(),
            )
        })?;
        let http = Http::new(&self.url, &key, self.retry.clone(), self.timeout)?;
        let target = resolve(
            &http,
            (&self.project, self.project_id),
            (&self.log_stream, self.log_stream_id),
        )
        .await?;
        let (tx, rx) = mpsc::channel(self.channel_capacity);
        let worker = Worker {
            http,
            target,
            batch_size: self.batch_size,
            interval: self.flush_interval,
            max_pending: self.max_pending,
        };
        tokio::spawn(worker.run(rx));
        let inner = Inner {
            state: Mutex::default(),
            tx,
            limits: self.limits,
            target,
            max_pending: self.max_pending,
        };
        Ok(Logger {
            inner: Arc::new(inner),
        })
    }
}

impl Logger {
    /// A builder with the environment's settings; override any with its setters.
    pub fn builder() -> LoggerBuilder {
        LoggerBuilder::from_env()
    }

    /// A logger configured from the environment alone.
    pub async fn from_env() -> Result<Logger> {
        LoggerBuilder::from_env().build().await
    }

    /// The project and log stream this logger writes to.
    pub fn target(&self) -> Target {
        self.inner.target
    }

    pub(crate) fn limits(&self) -> Limits {
        self.inner.limits
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters more than losing the logger, so a poisoned lock is used as it is.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a trace with its input; finish with `.start()`.
    pub fn start_trace(&self, input: impl Into<String>) -> Step<'_, kind::Trace> {
        Step {
            logger: self,
            args: Args::default(),
            kind: kind::Trace {
                input: input.into(),
            },
        }
    }

    /// An LLM call: input messages (a string is one user message) and the output message.
    pub fn add_llm_span(
        &self,
        input: impl Into<LlmInput>,
        output: impl Into<LlmOutput>,
    ) -> Step<'_, kind::Llm> {
        let kind = kind::Llm {
            input: input.into(),
            output: output.into(),
            model: None,
            tokens: [None; 3],
            temperature: None,
            ttft_ns: None,
        };
        Step {
            logger: self,
            args: Args::default(),
            kind,
        }
    }

    /// A retrieval: the query and the documents found.
    pub fn add_retriever_span(
        &self,
        input: impl Into<String>,
        documents: impl Into<Documents>,
    ) -> Step<'_, kind::Retriever> {
        Step {
            logger: self,
            args: Args::default(),
            kind: kind::Retriever {
                input: input.into(),
                output: documents.into(),
            },
        }
    }

    /// A tool call: its input and output as text.
    pub fn add_tool_span(
        &self,
        input: impl Into<String>,
        output: impl Into<String>,
    ) -> Step<'_, kind::Tool> {
        let kind = kind::Tool {
            input: input.into(),
            output: Some(output.into()),
            tool_call_id: None,
        };
        Step {
            logger: self,
            args: Args::default(),
            kind,
        }
    }

    /// A workflow span, the parent of the spans added after it until `conclude`.
    pub fn add_workflow_span(&self, input: impl Into<String>) -> Step<'_, kind::Workflow> {
        Step {
            logger: self,
            args: Args::default(),
            kind: kind::Workflow {
                input: input.into(),
            },
        }
    }

    /// An agent span, the parent of the spans added after it until `conclude`.
    pub fn add_agent_span(&self, input: impl Into<String>) -> Step<'_, kind::Agent> {
        Step {
            logger: self,
            args: Args::default(),
            kind: kind::Agent {
                input: input.into(),
                agent_type: Default::default(),
            },
        }
    }

    /// The id of the open trace, if any.
    pub fn current_trace(&self) -> Option<Uuid> {
        self.state().open.as_ref().and_then(|o| {
            o.trace.step["id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
        })
    }

    pub(crate) fn open_trace(
        &self,
        args: Args,
        tags: Vec<Tag>,
        metadata: Metadata,
        shape: Shape,
    ) -> Result<Uuid> {
        let mut state = self.state();
        if state.closed {
            return Err(Error::Closed);
        }
        if state.open.is_some() {
            return Err(Error::TraceOpen);
        }
        let common = common(&mut state, args, tags, metadata);
        let id = common.id;
        state.open = Some(OpenTrace {
            trace: node(&common, shape),
            stack: Vec::new(),
        });
        Ok(id)
    }

    pub(crate) fn add_span(
        &self,
        args: Args,
        tags: Vec<Tag>,
        metadata: Metadata,
        shape: Shape,
        parent: bool,
    ) -> Result<Uuid> {
        let mut state = self.state();
        if state.open.is_none() {
            return Err(if state.closed {
                Error::Closed
            } else {
                Error::NoTrace
            });
        }
        let common = common(&mut state, args, tags, metadata);
        let open = state.open.as_mut().expect("checked above");
        if parent {
            open.stack.push(node(&common, shape));
        } else {
            let into = open.stack.last_mut().unwrap_or(&mut open.trace);
            into.children.push(Value::Object(step_json(&common, shape)));
        }
        Ok(common.id)
    }

    /// Concludes the innermost open step (a workflow or agent span, else the trace) with this
    /// output. Concluding the trace queues it for sending.
    pub fn conclude(&self, output: impl Into<String>) -> Result<Uuid> {
        self.conclude_with(Conclusion::default().output(output))
    }

    /// Like [`Logger::conclude`] with every option. Without an output, the step takes its last
    /// child's output, as the SDK does.
    pub fn conclude_with(&self, c: Conclusion) -> Result<Uuid> {
        let (id, done) = {
            let mut state = self.state();
            let open = state.open.as_mut().ok_or(Error::NoTrace)?;
            match open.stack.pop() {
                Some(span) => {
                    let (id, value) = finish(span, &c);
                    open.stack
                        .last_mut()
                        .unwrap_or(&mut open.trace)
                        .children
                        .push(value);
                    (id, None)
                }
                None => {
                    let open = state.open.take().expect("checked above");
                    let (id, value) = finish(open.trace, &c);
                    (id, Some(value))
                }
            }
        };
        if let Some(trace) = done {
            self.submit(trace)?;
        }
        Ok(id)
    }

    /// Concludes every open step, as the SDK's batch flush does.
    fn conclude_all(&self) -> Result<()> {
        while self.state().open.is_some() {
            self.conclude_with(Conclusion::default())?;
        }
        Ok(())
    }

    /// Queues a whole trace (a step tree) for the background sender without waiting.
    pub(crate) fn submit(&self, trace: Value) -> Result<()> {
        let mut state = self.state();
        if state.closed {
            return Err(Error::Closed);
        }
        state.overflow.push_back(trace);
        while let Some(next) = state.overflow.pop_front() {
            match self.inner.tx.try_send(Msg::Trace(next)) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(Msg::Trace(back))) => {
                    state.overflow.push_front(back);
                    break;
                }
                Err(_) => return Err(Error::Closed),
            }
        }
        if state.overflow.len() > self.inner.max_pending {
            let waiting = state.overflow.len();
            state.overflow.pop_back();
            return Err(Error::BufferFull { waiting });
        }
        Ok(())
    }

    /// Concludes what is open, sends every queued trace and waits for the server's answers.
    pub async fn flush(&self) -> Result<FlushReport> {
        self.flush_and(false).await
    }

    /// Flushes and stops the background sender; later logging calls return [`Error::Closed`].
    pub async fn shutdown(&self) -> Result<FlushReport> {
        self.flush_and(true).await
    }

    async fn flush_and(&self, close: bool) -> Result<FlushReport> {
        self.conclude_all()?;
        let waiting: Vec<Value> = {
            let mut state = self.state();
            if state.closed {
                return Err(Error::Closed);
            }
            state.closed = close;
            state.overflow.drain(..).collect()
        };
        for trace in waiting {
            self.inner
                .tx
                .send(Msg::Trace(trace))
                .await
                .map_err(|_| Error::Closed)?;
        }
        let (reply, answer) = oneshot::channel();
        self.inner
            .tx
            .send(Msg::Flush { reply, close })
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }
}

impl Drop for Inner {
    /// Best effort: conclude the open trace and queue it; the sender delivers what is queued
    /// once the channel closes, if the runtime is still running. Call `shutdown` to be sure.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if state.closed {
            return;
        }
        let mut traces: Vec<Value> = state.overflow.drain(..).collect();
        if let Some(mut open) = state.open.take() {
            while let Some(span) = open.stack.pop() {
                let (_, v) = finish(span, &Conclusion::default());
                open.stack
                    .last_mut()
                    .unwrap_or(&mut open.trace)
                    .children
                    .push(v);
            }
            traces.push(finish(open.trace, &Conclusion::default()).1);
        }
        for t in traces {
            if self.tx.try_send(Msg::Trace(t)).is_err() {
                tracing::warn!("parallax: a trace was lost because the logger was dropped with a full buffer; call shutdown().await");
            }
        }
    }
}

fn common(state: &mut State, args: Args, tags: Vec<Tag>, metadata: Metadata) -> Common {
    let now = Timestamp::now().0.max(state.last_created + 1);
    state.last_created = now;
    Common {
        id: Uuid::new_v4(),
        name: args.name,
        created_at: Timestamp(now),
        tags,
        metadata,
        status_code: args.status_code,
        duration_ns: args.duration.map(|d| d.as_nanos() as i64),
    }
}

fn node(common: &Common, shape: Shape) -> Node {
    Node {
        step: step_json(common, shape),
        started: Instant::now(),
        children: Vec::new(),
    }
}

/// Closes an open step: output, status, duration (measured unless given), children.
fn finish(mut n: Node, c: &Conclusion) -> (Uuid, Value) {
    let id = n.step["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .unwrap_or_default();
    let output = match &c.output {
        Some(o) => Value::String(o.clone()),
        None => output_from_last_child(&n.children),
    };
    n.step.insert("output".into(), output);
    if let Some(code) = c.status_code {
        n.step.insert("status_code".into(), code.into());
    }
    let given = c.duration.map(|d| d.as_nanos() as i64);
    if let Some(Value::Object(metrics)) = n.step.get_mut("metrics") {
        let at_start = metrics.get("duration_ns").and_then(Value::as_i64);
        let measured = n.started.elapsed().as_nanos() as i64;
        metrics.insert(
            "duration_ns".into(),
            given.or(at_start).unwrap_or(measured).into(),
        );
    }
    n.step.insert("spans".into(), Value::Array(n.children));
    (id, Value::Object(n.step))
}
