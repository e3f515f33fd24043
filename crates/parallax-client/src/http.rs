//! HTTP to the server: the `X-API-Key` header, retries with exponential backoff, and the
//! project and log-stream look-up-or-create the Galileo SDK does at start (PROTOCOL.md §2).
//!
//! Retried: connection errors, timeouts, 429 and 5xx — the answers that say "not now". Any
//! other 4xx says the request itself is wrong, and sending it again cannot help.

use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

/// How often and how patiently a request is retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait; each later one doubles, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `n` (0-based): exponential, with up to 25% random jitter so that
    /// many clients failing together do not come back together.
    fn delay(&self, n: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << n.min(16))
            .min(self.max_delay);
        let jitter = (Uuid::new_v4().as_u128() % 1000) as u32;
        exp + exp.mul_f64(f64::from(jitter) / 4000.0)
    }
}

#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    key: String,
    retry: RetryPolicy,
}

impl Http {
    pub fn new(base: &str, key: &str, retry: RetryPolicy, timeout: Duration) -> Result<Http> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("parallax-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http {
            client,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            retry,
        })
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.send(reqwest::Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(reqwest::Method::POST, path, &[], Some(body.to_string()))
            .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            let mut req = self
                .client
                .request(method.clone(), &url)
                .header("X-API-Key", &self.key)
                .query(query);
            if let Some(b) = &body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.clone());
            }
            let (err, retry_after) = match req.send().await {
                Err(e) => (
                    Error::Unreachable {
                        url: self.base.clone(),
                        cause: cause_of(&e),
                    },
                    None,
                ),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let text = resp.text().await.unwrap_or_default();
                    if (200..300).contains(&status) {
                        return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
                    }
                    let what = format!("{method} {path}");
                    (
                        Error::Http {
                            what,
                            status,
                            detail: detail_of(&text),
                        },
                        retry_after,
                    )
                }
            };
            if !err.is_transient() || attempt >= self.retry.max_retries {
                return Err(err);
            }
            let wait = retry_after
                .unwrap_or_else(|| self.retry.delay(attempt))
                .min(self.retry.max_delay);
            tracing::debug!(%url, attempt, error = %err, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// The innermost cause of a transport error: reqwest's own message is only "error sending request".
fn cause_of(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The server's `{"detail": …}` sentence, or the start of whatever else it sent.
fn detail_of(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v["detail"].is_string() => v["detail"].as_str().unwrap_or_default().to_owned(),
        _ => text.chars().take(300).collect(),
    }
}

/// Where a logger writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
}

fn id_of(v: &Value, what: &str) -> Result<Uuid> {
    v["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| Error::Http {
            what: what.to_owned(),
            status: 200,
            detail: format!(
                "the answer has no id: {}",
                v.to_string().chars().take(200).collect::<String>()
            ),
        })
}

/// Finds the project and log stream by name, creating what is missing, as the SDK does.
pub(crate) async fn resolve(
    http: &Http,
    project: (&str, Option<Uuid>),
    log_stream: (&str, Option<Uuid>),
) -> Result<Target> {
    let project_id = match project {
        (_, Some(id)) => id,
        (name, None) => {
            let found = http
                .get("/projects", &[("project_name", name), ("type", "gen_ai")])
                .await?;
            match found.as_array().and_then(|a| a.first()) {
                Some(p) => id_of(p, "GET /projects")?,
                None => {
                    let body = json!({"name": name, "created_by": null, "type": "gen_ai", "create_example_templates": false});
                    id_of(&http.post("/projects", &body).await?, "POST /projects")?
                }
            }
        }
    };
    let log_stream_id = match log_stream {
        (_, Some(id)) => id,
        (name, None) => {
            let path = format!("/projects/{project_id}/log_streams");
            let streams = http.get(&path, &[]).await?;
            let same = streams
                .as_array()
                .and_then(|a| a.iter().find(|s| s["name"] == name));
            match same {
                Some(s) => id_of(s, &format!("GET {path}"))?,
                None => id_of(
                    &http.post(&path, &json!({"name": name})).await?,
                    &format!("POST {path}"),
                )?,
            }
        }
    };
    Ok(Target {
        project_id,
        log_stream_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for (n, base) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 1000), (9, 1000)] {
            let d = p.delay(n).as_millis() as u64;
            assert!(d >= base && d <= base + base / 4, "retry {n}: {d} ms");
        }
    }

    #[test]
    fn errors_worth_retrying() {
        let http = |status| Error::Http {
            what: "POST /x".into(),
            status,
            detail: String::new(),
        };
        assert!(http(429).is_transient() && http(503).is_transient() && http(500).is_transient());
        assert!(
            !http(400).is_transient() && !http(401).is_transient() && !http(422).is_transient()
        );
        assert!(Error::Unreachable {
            url: "u".into(),
            cause: "refused".into()
        }
        .is_transient());
    }
}
