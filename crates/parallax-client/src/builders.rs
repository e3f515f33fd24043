//! The builders `start_trace` and `add_*_span` return: Galileo's keyword arguments as chained
//! setters, finished by `.start()` (a trace) or `.add()` (a span).
//!
//! Tags and metadata are checked when the builder finishes, with the model's own rules
//! (`parallax_model::validate_annotations`, the function the server runs), so a tag the server
//! would quarantine is an `Err` at the call that logged it and nothing is recorded.

use crate::error::{Error, InvalidAnnotation, Result};
use crate::logger::Logger;
use crate::step::{self, Documents, LlmInput, LlmOutput, Shape};
use parallax_model::{validate_annotations, Limits, Metadata, Tag};
use serde_json::{json, Map, Value};
use std::time::Duration;
use uuid::Uuid;

/// The arguments every step takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Args {
    pub name: String,
    pub tags: Vec<String>,
    pub metadata: Vec<(String, String)>,
    pub status_code: Option<i64>,
    pub duration: Option<Duration>,
}

/// A trace or span being described; see [`Logger::start_trace`] and the `add_*_span` methods.
#[must_use = "nothing is logged until .start() (a trace) or .add() (a span)"]
pub struct Step<'a, K> {
    pub(crate) logger: &'a Logger,
    pub(crate) args: Args,
    pub(crate) kind: K,
}

impl<K: Kind> Step<'_, K> {
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.args.name = name.into();
        self
    }
    /// Adds tags; duplicates collapse to one, first order kept.
    pub fn tags<T: Into<String>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
        self.args.tags.extend(tags.into_iter().map(Into::into));
        self
    }
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.args.tags.push(tag.into());
        self
    }
    /// Adds metadata entries; values are turned into strings, as the Python SDK does.
    pub fn metadata<K2: Into<String>, V: ToString>(
        mut self,
        entries: impl IntoIterator<Item = (K2, V)>,
    ) -> Self {
        self.args
            .metadata
            .extend(entries.into_iter().map(|(k, v)| (k.into(), v.to_string())));
        self
    }
    pub fn meta(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.args.metadata.push((key.into(), value.to_string()));
        self
    }
    /// An HTTP-like status of the step; 400 and above count as errors.
    pub fn status_code(mut self, code: i64) -> Self {
        self.args.status_code = Some(code);
        self
    }
    /// How long the step took. Traces, workflow and agent spans are timed from start to
    /// `conclude` when this is not given; other spans have no duration unless given.
    pub fn duration(mut self, d: Duration) -> Self {
        self.args.duration = Some(d);
        self
    }
}

impl Step<'_, kind::Trace> {
    /// Opens the trace; spans added next go into it. Returns the trace id.
    pub fn start(self) -> Result<Uuid> {
        let (tags, metadata) = validate("start_trace", &self.args, &self.logger.limits())?;
        self.logger
            .open_trace(self.args, tags, metadata, kind_shape(self.kind))
    }
}

impl<K: SpanKind> Step<'_, K> {
    /// Adds the span under the innermost open trace, workflow or agent span. A workflow or
    /// agent span stays open, as the parent of the spans added next, until `conclude`.
    /// Returns the span id.
    pub fn add(self) -> Result<Uuid> {
        let (tags, metadata) = validate(K::CALL, &self.args, &self.logger.limits())?;
        self.logger
            .add_span(self.args, tags, metadata, kind_shape(self.kind), K::PARENT)
    }
}

impl Step<'_, kind::Llm> {
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.kind.model = Some(model.into());
        self
    }
    pub fn input_tokens(mut self, n: i64) -> Self {
        self.kind.tokens[0] = Some(n);
        self
    }
    pub fn output_tokens(mut self, n: i64) -> Self {
        self.kind.tokens[1] = Some(n);
        self
    }
    /// The SDK does not add input and output tokens up itself; neither does this.
    pub fn total_tokens(mut self, n: i64) -> Self {
        self.kind.tokens[2] = Some(n);
        self
    }
    pub fn temperature(mut self, t: f64) -> Self {
        self.kind.temperature = Some(t);
        self
    }
    pub fn time_to_first_token(mut self, d: Duration) -> Self {
        self.kind.ttft_ns = Some(d.as_nanos() as i64);
        self
    }
}

impl Step<'_, kind::Tool> {
    pub fn tool_call_id(mut self, id: impl Into<String>) -> Self {
        self.kind.tool_call_id = Some(id.into());
        self
    }
}

impl Step<'_, kind::Agent> {
    pub fn agent_type(mut self, t: AgentType) -> Self {
        self.kind.agent_type = t;
        self
    }
}

/// What an agent span does (Galileo's `agent_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentType {
    #[default]
    Default,
    Planner,
    React,
    Reflection,
    Router,
    Classifier,
    Supervisor,
    Judge,
}

impl AgentType {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentType::Default => "default",
            AgentType::Planner => "planner",
            AgentType::React => "react",
            AgentType::Reflection => "reflection",
            AgentType::Router => "router",
            AgentType::Classifier => "classifier",
            AgentType::Supervisor => "supervisor",
            AgentType::Judge => "judge",
        }
    }
}

/// Checks tags and metadata with the server's rules; every broken rule is listed.
pub(crate) fn validate(
    call: &'static str,
    args: &Args,
    limits: &Limits,
) -> Result<(Vec<Tag>, Metadata)> {
    let tags = Value::Array(args.tags.iter().map(|t| Value::from(t.as_str())).collect());
    let meta: Map<String, Value> = args
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    validate_annotations(
        "",
        Some(&tags),
        Some(&Value::Object(meta)),
        "metadata",
        limits,
    )
    .map(|a| (a.tags, a.metadata))
    .map_err(|violations| {
        Error::Invalid(
            violations
                .into_iter()
                .map(|v| {
                    let path = v.path.trim_start_matches('.').to_owned();
                    InvalidAnnotation {
                        call,
                        value: tag_at(&path, &args.tags),
                        path,
                        message: v.message,
                    }
                })
                .collect(),
        )
    })
}

/// The tag a `tags[i]` path points at, shortened so a 10,000-character tag stays readable.
fn tag_at(path: &str, tags: &[String]) -> Option<String> {
    let i: usize = path
        .strip_prefix("tags[")?
        .strip_suffix(']')?
        .parse()
        .ok()?;
    let tag = tags.get(i)?;
    Some(if tag.chars().count() > 24 {
        format!("{}…", tag.chars().take(24).collect::<String>())
    } else {
        tag.clone()
    })
}

mod sealed {
    pub trait Kind {
        /// The logger method, for error messages.
        const CALL: &'static str;
        /// Workflow and agent spans stay open as parents.
        const PARENT: bool;
        fn shape(self) -> crate::step::Shape;
    }
}

/// The JSON shape of a step type's arguments (the tracing layer builds steps this way too).
pub(crate) fn kind_shape<K: Kind>(k: K) -> Shape {
    sealed::Kind::shape(k)
}

/// The step types; only this crate implements it.
pub trait Kind: sealed::Kind {}
/// Step types that are spans (everything but the trace).
pub trait SpanKind: Kind {}

fn with_spans(extra: &[(&str, Value)]) -> Map<String, Value> {
    let mut t = Map::new();
    t.insert("spans".into(), json!([]));
    for (k, v) in extra {
        t.insert((*k).into(), v.clone());
    }
    t
}

fn shape(type_name: &'static str, input: Value, output: Value, tail: Map<String, Value>) -> Shape {
    Shape {
        type_name,
        input,
        output,
        redacted_output: Value::Null,
        metrics: Map::new(),
        tail,
    }
}

/// The per-type arguments of each step.
pub mod kind {
    use super::*;

    pub struct Trace {
        pub(crate) input: String,
    }
    pub struct Llm {
        pub(crate) input: LlmInput,
        pub(crate) output: LlmOutput,
        pub(crate) model: Option<String>,
        /// Input, output, total.
        pub(crate) tokens: [Option<i64>; 3],
        pub(crate) temperature: Option<f64>,
        pub(crate) ttft_ns: Option<i64>,
    }
    pub struct Retriever {
        pub(crate) input: String,
        pub(crate) output: Documents,
    }
    pub struct Tool {
        pub(crate) input: String,
        pub(crate) output: Option<String>,
        pub(crate) tool_call_id: Option<String>,
    }
    pub struct Workflow {
        pub(crate) input: String,
    }
    pub struct Agent {
        pub(crate) input: String,
        pub(crate) agent_type: AgentType,
    }

    impl sealed::Kind for Trace {
        const CALL: &'static str = "start_trace";
        const PARENT: bool = true;
        fn shape(self) -> Shape {
            shape("trace", self.input.into(), Value::Null, with_spans(&[]))
        }
    }
    impl sealed::Kind for Llm {
        const CALL: &'static str = "add_llm_span";
        const PARENT: bool = false;
        fn shape(self) -> Shape {
            let (input, output) = step::llm_io(&self.input, &self.output);
            let [i, o, t] = self.tokens;
            Shape {
                metrics: step::llm_metrics(i, o, t, self.ttft_ns),
                ..shape(
                    "llm",
                    input,
                    output,
                    step::llm_tail(self.model.as_deref(), self.temperature),
                )
            }
        }
    }
    impl sealed::Kind for Retriever {
        const CALL: &'static str = "add_retriever_span";
        const PARENT: bool = false;
        fn shape(self) -> Shape {
            Shape {
                // What the SDK sends when no redacted output is given (PROTOCOL.md §4.3).
                redacted_output: json!([{"content": "", "metadata": {}}]),
                ..shape(
                    "retriever",
                    self.input.into(),
                    step::documents_json(&self.output),
                    with_spans(&[]),
                )
            }
        }
    }
    impl sealed::Kind for Tool {
        const CALL: &'static str = "add_tool_span";
        const PARENT: bool = false;
        fn shape(self) -> Shape {
            let tail = with_spans(&[("tool_call_id", self.tool_call_id.into())]);
            shape("tool", self.input.into(), self.output.into(), tail)
        }
    }
    impl sealed::Kind for Workflow {
        const CALL: &'static str = "add_workflow_span";
        const PARENT: bool = true;
        fn shape(self) -> Shape {
            shape("workflow", self.input.into(), Value::Null, with_spans(&[]))
        }
    }
    impl sealed::Kind for Agent {
        const CALL: &'static str = "add_agent_span";
        const PARENT: bool = true;
        fn shape(self) -> Shape {
            let tail = with_spans(&[("agent_type", self.agent_type.as_str().into())]);
            shape("agent", self.input.into(), Value::Null, tail)
        }
    }

    impl Kind for Trace {}
    impl Kind for Llm {}
    impl Kind for Retriever {}
    impl Kind for Tool {}
    impl Kind for Workflow {}
    impl Kind for Agent {}
    impl SpanKind for Llm {}
    impl SpanKind for Retriever {}
    impl SpanKind for Tool {}
    impl SpanKind for Workflow {}
    impl SpanKind for Agent {}
}
