//! Configuration of a [`Logger`](crate::Logger): read from the environment like the Python SDK
//! (Parallax's names first, Galileo's as a fallback, so an app configured for the `galileo`
//! package logs to Parallax unchanged), then overridden with the builder's setters.
//!
//! | setting | environment |
//! | --- | --- |
//! | server URL | `PARALLAX_URL`, `GALILEO_API_URL` (default `http://127.0.0.1:8088`) |
//! | API key | `PARALLAX_API_KEY`, `GALILEO_API_KEY` |
//! | project | `PARALLAX_PROJECT_ID` / `PARALLAX_PROJECT`, `GALILEO_PROJECT_ID` / `GALILEO_PROJECT` (default `default`) |
//! | log stream | `PARALLAX_LOG_STREAM_ID` / `PARALLAX_LOG_STREAM`, `GALILEO_LOG_STREAM_ID` / `GALILEO_LOG_STREAM` (default `default`) |

use crate::http::RetryPolicy;
use parallax_model::Limits;
use std::time::Duration;
use uuid::Uuid;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8088";

/// Everything a logger needs; built with [`Logger::builder`](crate::Logger::builder).
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build() or build_blocking()"]
pub struct LoggerBuilder {
    pub(crate) url: String,
    pub(crate) api_key: Option<String>,
    pub(crate) project: String,
    pub(crate) project_id: Option<Uuid>,
    pub(crate) log_stream: String,
    pub(crate) log_stream_id: Option<Uuid>,
    pub(crate) batch_size: usize,
    pub(crate) flush_interval: Duration,
    pub(crate) channel_capacity: usize,
    pub(crate) max_pending: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) limits: Limits,
}

/// The first of `names` that is set and not empty.
fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

fn env_id(names: &[&str]) -> Option<Uuid> {
    env(names).and_then(|v| Uuid::parse_str(v.trim()).ok())
}

impl LoggerBuilder {
    /// Defaults with nothing read from the environment.
    pub fn new() -> LoggerBuilder {
        LoggerBuilder {
            url: DEFAULT_URL.into(),
            api_key: None,
            project: "default".into(),
            project_id: None,
            log_stream: "default".into(),
            log_stream_id: None,
            batch_size: 100,
            flush_interval: Duration::from_secs(1),
            channel_capacity: 1024,
            max_pending: 10_000,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            limits: Limits::default(),
        }
    }

    /// Defaults, then whatever the environment sets (see the module documentation).
    pub fn from_env() -> LoggerBuilder {
        let mut b = LoggerBuilder::new();
        if let Some(url) = env(&["PARALLAX_URL", "GALILEO_API_URL"]) {
            b.url = url;
        }
        b.api_key = env(&["PARALLAX_API_KEY", "GALILEO_API_KEY"]);
        if let Some(p) = env(&["PARALLAX_PROJECT", "GALILEO_PROJECT"]) {
            b.project = p.trim().to_owned();
        }
        b.project_id = env_id(&["PARALLAX_PROJECT_ID", "GALILEO_PROJECT_ID"]);
        if let Some(s) = env(&["PARALLAX_LOG_STREAM", "GALILEO_LOG_STREAM"]) {
            b.log_stream = s;
        }
        b.log_stream_id = env_id(&["PARALLAX_LOG_STREAM_ID", "GALILEO_LOG_STREAM_ID"]);
        b
    }

    /// The server's base URL, e.g. `http://127.0.0.1:8088`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// The project by name; looked up, and created when missing.
    pub fn project(mut self, name: impl Into<String>) -> Self {
        self.project = name.into();
        self.project_id = None;
        self
    }
    /// The project by id; skips the look-up.
    pub fn project_id(mut self, id: Uuid) -> Self {
        self.project_id = Some(id);
        self
    }
    /// The log stream by name; looked up, and created when missing.
    pub fn log_stream(mut self, name: impl Into<String>) -> Self {
        self.log_stream = name.into();
        self.log_stream_id = None;
        self
    }
    /// The log stream by id; skips the look-up.
    pub fn log_stream_id(mut self, id: Uuid) -> Self {
        self.log_stream_id = Some(id);
        self
    }
    /// Most traces in one request (default 100).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }
    /// A batch that is not full is sent after this long (default 1 s).
    pub fn flush_interval(mut self, d: Duration) -> Self {
        self.flush_interval = d;
        self
    }
    /// Concluded traces the background sender queues before the logger holds them itself
    /// (default 1024), and the most it holds beyond that before refusing (default 10,000).
    pub fn buffer(mut self, channel_capacity: usize, max_pending: usize) -> Self {
        self.channel_capacity = channel_capacity.max(1);
        self.max_pending = max_pending;
        self
    }
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Per-request timeout (default 60 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    /// The count limits to check tags and metadata against; match the server's
    /// `--max-tags` / `--max-metadata-keys` if it changed them.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl Default for LoggerBuilder {
    fn default() -> Self {
        LoggerBuilder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The only test that touches the environment (tests run in parallel threads).
    #[test]
    fn parallax_names_win_over_galileo_names() {
        std::env::set_var("GALILEO_API_URL", "http://galileo.example:8088");
        std::env::set_var("GALILEO_API_KEY", "galileo-key");
        std::env::set_var("GALILEO_PROJECT", "from-galileo");
        std::env::set_var("PARALLAX_PROJECT", "  from-parallax ");
        std::env::set_var(
            "GALILEO_LOG_STREAM_ID",
            "05d19fe0-fabb-455d-8e95-cb2abaeaa434",
        );
        let b = LoggerBuilder::from_env();
        assert_eq!(b.url, "http://galileo.example:8088");
        assert_eq!(b.api_key.as_deref(), Some("galileo-key"));
        assert_eq!(b.project, "from-parallax");
        assert_eq!(b.log_stream, "default");
        assert_eq!(
            b.log_stream_id,
            Some(Uuid::parse_str("05d19fe0-fabb-455d-8e95-cb2abaeaa434").unwrap())
        );
        let b = b.project("set").log_stream("s");
        assert_eq!(
            (b.project.as_str(), b.log_stream.as_str(), b.log_stream_id),
            ("set", "s", None)
        );
        for k in [
            "GALILEO_API_URL",
            "GALILEO_API_KEY",
            "GALILEO_PROJECT",
            "PARALLAX_PROJECT",
            "GALILEO_LOG_STREAM_ID",
        ] {
            std::env::remove_var(k);
        }
    }
}
