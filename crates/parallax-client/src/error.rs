//! The client's one error type. A rule broken by a tag or metadata entry is reported where the
//! step is logged, naming the offending value and the rule, before anything is sent.

use std::fmt;

/// One broken rule on a step being logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidAnnotation {
    /// The logger call that got the value (`start_trace`, `add_llm_span`, …).
    pub call: &'static str,
    /// Where in the call's arguments: `tags[2]`, `metadata.promptVersion`.
    pub path: String,
    /// The offending tag, shortened when long.
    pub value: Option<String>,
    /// The rule, as the server words it (`tag is 60 characters; the limit is 50`).
    pub message: String,
}

impl fmt::Display for InvalidAnnotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.call, self.path)?;
        if let Some(v) = &self.value {
            write!(f, " {v:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Tags or metadata break the seed's rules; nothing was logged.
    #[error("{}", list(.0))]
    Invalid(Vec<InvalidAnnotation>),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot reach {url}: {cause}; is the server running and PARALLAX_URL right?")]
    Unreachable { url: String, cause: String },
    #[error("{what} answered HTTP {status}: {detail}")]
    Http {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("no trace is open: call start_trace first")]
    NoTrace,
    #[error("a trace is already open: conclude it before starting another")]
    TraceOpen,
    /// The trace was not queued: too many are waiting already.
    #[error("the trace was not queued: {waiting} traces are waiting to be sent, more than allowed; the server is not keeping up (call flush().await)")]
    BufferFull { waiting: usize },
    #[error("{failed} traces were not delivered: {cause}")]
    Delivery { failed: usize, cause: String },
    #[error("the logger has been shut down")]
    Closed,
}

fn list(items: &[InvalidAnnotation]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether sending again may succeed: the server was unreachable, busy or failing.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
