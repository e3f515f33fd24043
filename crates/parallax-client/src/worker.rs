//! The background sender: one task per logger that takes concluded traces from a bounded
//! channel and posts them in batches to `POST /v2/projects/{pid}/traces`, in the envelope the
//! Galileo SDK sends (PROTOCOL.md §3.9, variant A).
//!
//! A batch goes out when it is full, when it has waited `flush_interval`, or on a flush. Traces
//! whose batch failed for a transient reason (after the retries) are kept and sent again on
//! the next flush, as the Python SDK does; the server's upsert by id makes re-sends harmless.
//! A batch the server refuses outright (a 4xx other than 429) is reported by the next flush.

use crate::error::{Error, Result};
use crate::http::{Http, Target};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

pub(crate) enum Msg {
    Trace(Value),
    /// Send everything, answer, and stop too when `close` is set.
    Flush {
        reply: oneshot::Sender<Result<FlushReport>>,
        close: bool,
    },
}

/// What the server made of the traces sent since the previous flush.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlushReport {
    /// Traces delivered.
    pub traces: usize,
    /// Records (traces and spans) the server stored.
    pub records: usize,
    /// Records the server kept aside for breaking a rule, with every violation.
    pub quarantined: Vec<QuarantinedRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedRecord {
    pub id: String,
    pub path: String,
    /// `path: sentence`, as the server words them.
    pub violations: Vec<String>,
}

pub(crate) struct Worker {
    pub http: Http,
    pub target: Target,
    pub batch_size: usize,
    pub interval: Duration,
    pub max_pending: usize,
}

#[derive(Default)]
struct Outcome {
    report: FlushReport,
    /// Traces that will not be delivered, and why (the last cause).
    lost: usize,
    cause: Option<String>,
}

impl Worker {
    pub async fn run(self, mut rx: mpsc::Receiver<Msg>) {
        let mut batch: Vec<Value> = Vec::new();
        let mut retry_later: Vec<Value> = Vec::new();
        let mut outcome = Outcome::default();
        let mut deadline: Option<Instant> = None;
        loop {
            let msg = match deadline {
                Some(at) => tokio::select! {
                    m = rx.recv() => m,
                    _ = tokio::time::sleep_until(at) => {
                        deadline = None;
                        let full = std::mem::take(&mut batch);
                        self.deliver(full, &mut retry_later, &mut outcome).await;
                        continue;
                    }
                },
                None => rx.recv().await,
            };
            match msg {
                Some(Msg::Trace(trace)) => {
                    if batch.is_empty() {
                        deadline = Some(Instant::now() + self.interval);
                    }
                    batch.push(trace);
                    if batch.len() >= self.batch_size {
                        deadline = None;
                        let full = std::mem::take(&mut batch);
                        self.deliver(full, &mut retry_later, &mut outcome).await;
                    }
                }
                Some(Msg::Flush { reply, close }) => {
                    deadline = None;
                    let mut all = std::mem::take(&mut retry_later);
                    all.append(&mut batch);
                    self.deliver(all, &mut retry_later, &mut outcome).await;
                    let done = std::mem::take(&mut outcome);
                    let pending = retry_later.len();
                    let _ = reply.send(match done.cause {
                        Some(cause) => Err(Error::Delivery {
                            failed: done.lost + pending,
                            cause,
                        }),
                        None => Ok(done.report),
                    });
                    if close {
                        return;
                    }
                }
                None => {
                    // Every logger handle is gone: send what is left, best effort.
                    let mut all = std::mem::take(&mut retry_later);
                    all.append(&mut batch);
                    self.deliver(all, &mut retry_later, &mut outcome).await;
                    if let Some(cause) = outcome.cause {
                        tracing::warn!(lost = outcome.lost + retry_later.len(), %cause, "parallax: traces not delivered at shutdown");
                    }
                    return;
                }
            }
        }
    }

    /// Sends `traces` in batches; keeps transient failures in `retry_later`.
    async fn deliver(&self, traces: Vec<Value>, retry_later: &mut Vec<Value>, out: &mut Outcome) {
        let mut rest = traces;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(self.batch_size));
            let chunk = std::mem::replace(&mut rest, tail);
            let n = chunk.len();
            let path = format!("/v2/projects/{}/traces", self.target.project_id);
            match self.http.post(&path, &self.envelope(&chunk)).await {
                Ok(reply) => {
                    out.report.traces += n;
                    out.report.records += reply["records_count"].as_u64().unwrap_or(0) as usize;
                    out.report.quarantined.extend(quarantined(&reply));
                }
                Err(e) if e.is_transient() => {
                    tracing::debug!(traces = n, error = %e, "parallax: batch kept for the next flush");
                    out.cause = Some(e.to_string());
                    retry_later.extend(chunk);
                    if retry_later.len() > self.max_pending {
                        let over = retry_later.len() - self.max_pending;
                        retry_later.drain(..over);
                        out.lost += over;
                    }
                }
                Err(e) => {
                    tracing::warn!(traces = n, error = %e, "parallax: batch refused by the server");
                    out.lost += n;
                    out.cause = Some(e.to_string());
                }
            }
        }
    }

    /// The SDK's batch envelope, field for field (captures/10).
    fn envelope(&self, traces: &[Value]) -> Value {
        json!({
            "log_stream_id": self.target.log_stream_id.to_string(),
            "experiment_id": null,
            "logging_method": "api_direct",
            "client_version": null,
            "reliable": false,
            "traces": traces,
            "session_id": null,
            "session_external_id": null,
            "is_complete": true,
        })
    }
}

fn quarantined(reply: &Value) -> Vec<QuarantinedRecord> {
    let Some(items) = reply["quarantined"].as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .map(|q| QuarantinedRecord {
            id: q["id"].as_str().unwrap_or_default().to_owned(),
            path: q["path"].as_str().unwrap_or_default().to_owned(),
            violations: q["violations"]
                .as_array()
                .map(|vs| {
                    vs.iter()
                        .map(|v| {
                            format!(
                                "{}: {}",
                                v["path"].as_str().unwrap_or(""),
                                v["message"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}
