//! A `tracing` layer that logs `tracing` spans as Parallax traces and spans, so an
//! instrumented service logs with one line of set-up:
//!
//! ```no_run
//! # async fn run() -> Result<(), parallax_client::Error> {
//! use tracing_subscriber::layer::SubscriberExt;
//! let logger = parallax_client::Logger::from_env().await?;
//! tracing::subscriber::set_global_default(
//!     tracing_subscriber::registry().with(parallax_client::tracing_layer(&logger)),
//! ).expect("no other subscriber");
//! # Ok(()) }
//! ```
//!
//! A root span (one with no recorded parent) becomes a trace; spans inside it become its spans,
//! timed from creation to close. Fields map as follows:
//!
//! | field | becomes |
//! | --- | --- |
//! | `tags` (comma-separated, or a `?["a", "b"]` list), `tag`; each recording adds | tags |
//! | `metadata.<key>`, `meta.<key>` | metadata entry `<key>` |
//! | `input`, `output`, `model`, `status_code` | those fields |
//! | `input_tokens`, `output_tokens`, `total_tokens` | token counts |
//! | `span_type` (`llm`, `retriever`, `tool`, `workflow`, `agent`) | the span type |
//!
//! Without `span_type`, a span with a `model` is an LLM span and any other is a workflow span.
//! An `ERROR` event inside a span marks it with status 500 unless it has a status already.
//! Tags and metadata are sent as recorded: the server checks them and keeps a record that
//! breaks a rule in quarantine, listed by the next `flush` (`FlushReport::quarantined`), since
//! a layer has no caller to return an error to.

use crate::builders::{kind, kind_shape, AgentType};
use crate::logger::Logger;
use crate::step::{step_json, Common, Documents, LlmInput, LlmOutput, Shape};
use crate::BlockingLogger;
use parallax_model::{Metadata, Timestamp};
use serde_json::{Map, Value};
use std::fmt;
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;
use uuid::Uuid;

/// Spans of these crates are never logged: they are the logger's own HTTP traffic, and logging
/// them would feed the logger its own output.
const IGNORED_TARGETS: &[&str] = &[
    "parallax_client",
    "reqwest",
    "hyper",
    "hyper_util",
    "h2",
    "tower",
    "tokio",
    "mio",
    "want",
];

/// The layer; made by [`tracing_layer`].
pub struct ParallaxLayer {
    logger: Logger,
}

/// Turns `tracing` spans into Parallax traces and spans sent through `logger`.
pub fn tracing_layer(logger: impl AsRef<Logger>) -> ParallaxLayer {
    ParallaxLayer {
        logger: logger.as_ref().clone(),
    }
}

impl AsRef<Logger> for Logger {
    fn as_ref(&self) -> &Logger {
        self
    }
}

impl AsRef<Logger> for BlockingLogger {
    fn as_ref(&self) -> &Logger {
        self.logger()
    }
}

/// What is known of a span while it is open.
struct SpanData {
    id: Uuid,
    name: String,
    created_at: Timestamp,
    started: Instant,
    span_type: Option<String>,
    tags: Vec<String>,
    metadata: Map<String, Value>,
    input: Option<String>,
    output: Option<String>,
    model: Option<String>,
    status_code: Option<i64>,
    tokens: [Option<i64>; 3],
    error: bool,
    /// Closed children with their start time, to list them in creation order.
    children: Vec<(i64, Value)>,
}

impl SpanData {
    fn new(name: &str) -> SpanData {
        SpanData {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            created_at: Timestamp::now(),
            started: Instant::now(),
            span_type: None,
            tags: Vec::new(),
            metadata: Map::new(),
            input: None,
            output: None,
            model: None,
            status_code: None,
            tokens: [None; 3],
            error: false,
            children: Vec::new(),
        }
    }

    fn set(&mut self, field: &str, value: String) {
        match field {
            "tags" | "tag" => self.add_tags(&value),
            "input" => self.input = Some(value),
            "output" => self.output = Some(value),
            "model" => self.model = Some(value),
            "span_type" => self.span_type = Some(value),
            "status_code" => self.status_code = value.trim().parse().ok(),
            "input_tokens" => self.tokens[0] = value.trim().parse().ok(),
            "output_tokens" => self.tokens[1] = value.trim().parse().ok(),
            "total_tokens" => self.tokens[2] = value.trim().parse().ok(),
            other => {
                if let Some(key) = other
                    .strip_prefix("metadata.")
                    .or_else(|| other.strip_prefix("meta."))
                {
                    self.metadata.insert(key.to_owned(), Value::String(value));
                }
            }
        }
    }

    /// `a,b` or a debug-printed list `["a", "b"]`.
    fn add_tags(&mut self, raw: &str) {
        let trimmed = raw.trim();
        let list: Vec<String> = match serde_json::from_str::<Vec<String>>(trimmed) {
            Ok(items) => items,
            Err(_) => trimmed
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|t| t.trim().trim_matches('"').to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
        };
        for t in list {
            if !self.tags.contains(&t) {
                self.tags.push(t);
            }
        }
    }

    /// The step JSON: a trace for a root span, else a span of the chosen type.
    fn into_step(mut self, root: bool) -> Value {
        self.children.sort_by_key(|(at, _)| *at);
        let children: Vec<Value> = self.children.drain(..).map(|(_, v)| v).collect();
        let status = self.status_code.or(self.error.then_some(500));
        let common = Common {
            id: self.id,
            name: self.name.clone(),
            created_at: self.created_at,
            tags: Vec::new(),
            metadata: Metadata::new(),
            status_code: status,
            duration_ns: Some(self.started.elapsed().as_nanos() as i64),
        };
        let mut step = step_json(&common, self.shape(root));
        // Sent as recorded, not as validated: the server quarantines what breaks a rule.
        step.insert(
            "tags".into(),
            Value::Array(self.tags.into_iter().map(Value::String).collect()),
        );
        step.insert("user_metadata".into(), Value::Object(self.metadata));
        if !children.is_empty() || step.contains_key("spans") {
            step.insert("spans".into(), Value::Array(children));
        }
        Value::Object(step)
    }

    fn shape(&self, root: bool) -> Shape {
        let input = self.input.clone().unwrap_or_default();
        let output = self.output.clone();
        let chosen = if root {
            "trace"
        } else {
            self.span_type
                .as_deref()
                .unwrap_or(if self.model.is_some() {
                    "llm"
                } else {
                    "workflow"
                })
        };
        let mut shape = match chosen {
            "trace" => kind_shape(kind::Trace { input }),
            "llm" => kind_shape(kind::Llm {
                input: LlmInput::from(input),
                output: LlmOutput::from(output.clone().unwrap_or_default()),
                model: self.model.clone(),
                tokens: self.tokens,
                temperature: None,
                ttft_ns: None,
            }),
            "retriever" => kind_shape(kind::Retriever {
                input,
                output: Documents::from(output.clone().into_iter().collect::<Vec<String>>()),
            }),
            "tool" => kind_shape(kind::Tool {
                input,
                output: output.clone(),
                tool_call_id: None,
            }),
            "agent" => kind_shape(kind::Agent {
                input,
                agent_type: AgentType::Default,
            }),
            _ => kind_shape(kind::Workflow { input }),
        };
        if matches!(chosen, "trace" | "workflow" | "agent") {
            shape.output = output.map(Value::String).unwrap_or(Value::Null);
        }
        shape
    }
}

impl Visit for SpanData {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field.name(), value.to_owned());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), value.to_string());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field.name(), value.to_string());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set(field.name(), format!("{value:?}"));
    }
}

fn ignored(target: &str) -> bool {
    IGNORED_TARGETS.iter().any(|t| {
        target == *t
            || target
                .strip_prefix(t)
                .is_some_and(|rest| rest.starts_with("::"))
    })
}

impl<S> Layer<S> for ParallaxLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if ignored(attrs.metadata().target()) {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut data = SpanData::new(attrs.metadata().name());
        attrs.record(&mut data);
        span.extensions_mut().insert(data);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(data) = ext.get_mut::<SpanData>() {
            values.record(data);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if *event.metadata().level() != Level::ERROR {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        for s in span.scope() {
            if let Some(data) = s.extensions_mut().get_mut::<SpanData>() {
                data.error = true;
                return;
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(data) = span.extensions_mut().remove::<SpanData>() else {
            return;
        };
        let parent = span
            .scope()
            .skip(1)
            .find(|s| s.extensions().get::<SpanData>().is_some());
        let at = data.created_at.0;
        match parent {
            Some(p) => {
                let step = data.into_step(false);
                if let Some(pd) = p.extensions_mut().get_mut::<SpanData>() {
                    pd.children.push((at, step));
                }
            }
            None => {
                if let Err(e) = self.logger.submit(data.into_step(true)) {
                    // A layer cannot return the error and must not log through `tracing`
                    // from inside the subscriber; stderr is what is left.
                    eprintln!("parallax: a trace from tracing spans was not queued: {e}");
                }
            }
        }
    }
}
