//! Query latencies through the native API (`/api/v1/projects/{pid}/search|count|aggregate`).
//!
//! Each query runs `warmup` times unmeasured, then `runs` times back to back; p50 and p95 are
//! taken over those runs as the client sees them (loopback HTTP included, which costs well under
//! a millisecond). A query the server refuses is reported as unavailable with its answer rather
//! than stopping the benchmark, so the benchmark stays usable while endpoints are being built.

use super::client::{Api, Reply};
use super::ingest::Target;
use super::workload::{QUERY_FIELD, QUERY_TAG};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The records a console page lists, and the depth of the deep page.
const PAGE: usize = 50;
const DEEP: usize = 10_000;

pub struct QuerySpec {
    /// The prefix of the JSON fields (`{key}_p50_ms`).
    pub key: &'static str,
    pub label: String,
    endpoint: &'static str,
    body: Value,
}

pub enum Outcome {
    Measured {
        p50_ms: f64,
        p95_ms: f64,
        /// Records returned, the count, or groups returned: a sanity check on the answer.
        answer: u64,
    },
    Unavailable(String),
}

pub struct Measured {
    pub key: &'static str,
    pub label: String,
    pub outcome: Outcome,
}

pub struct DeepPage {
    pub depth: usize,
    pub walk_seconds: f64,
    pub measured: Measured,
}

/// The queries of issue 8, in the order they are reported.
pub fn specs(stream: &str) -> Vec<QuerySpec> {
    let tag = format!("tag:{QUERY_TAG}");
    let tag_meta = format!(r#"tag:{QUERY_TAG} and metadata.field = "{QUERY_FIELD}""#);
    let numeric = "metadata.experimentNumber > 90".to_owned();
    let newest = |q: Option<&str>| {
        let mut b = json!({"log_stream_id": stream, "root": "trace", "sort": {"field": "created_at", "ascending": false}, "limit": PAGE, "cursor": null});
        if let Some(q) = q {
            b["q"] = json!(q);
        }
        b
    };
    let spec = |key, label: String, endpoint, body| QuerySpec {
        key,
        label,
        endpoint,
        body,
    };
    vec![
        spec(
            "newest50",
            "newest 50 traces".into(),
            "search",
            newest(None),
        ),
        spec(
            "tag_newest50",
            format!("newest 50 traces, `{tag}`"),
            "search",
            newest(Some(&tag)),
        ),
        spec(
            "tag_meta_newest50",
            format!("newest 50 traces, `{tag_meta}`"),
            "search",
            newest(Some(&tag_meta)),
        ),
        spec(
            "tag_meta_count",
            format!("count of spans, `{tag_meta}`"),
            "count",
            json!({"log_stream_id": stream, "root": "span", "q": tag_meta}),
        ),
        spec(
            "numeric_meta",
            format!("newest 50 traces, `{numeric}`"),
            "search",
            newest(Some(&numeric)),
        ),
        spec(
            "group_by",
            "all spans grouped by metadata.user_id: count, errors, p50/p95/p99".into(),
            "aggregate",
            json!({"log_stream_id": stream, "root": "span", "group_by": "metadata.user_id", "top": 20}),
        ),
    ]
}

pub async fn measure(
    target: &Target,
    spec: &QuerySpec,
    warmup: usize,
    runs: usize,
) -> anyhow::Result<Measured> {
    let path = format!("/api/v1/projects/{}/{}", target.project_id, spec.endpoint);
    let outcome = time_calls(&target.api, &path, &spec.body, warmup, runs).await?;
    Ok(Measured {
        key: spec.key,
        label: spec.label.clone(),
        outcome,
    })
}

async fn time_calls(
    api: &Api,
    path: &str,
    body: &Value,
    warmup: usize,
    runs: usize,
) -> anyhow::Result<Outcome> {
    let mut answer = 0;
    for _ in 0..warmup.max(1) {
        let reply = api.post(path, body).await?;
        if !reply.ok() {
            return Ok(Outcome::Unavailable(reply.describe()));
        }
        answer = answer_size(&reply);
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let reply = api.post(path, body).await?;
        if !reply.ok() {
            return Ok(Outcome::Unavailable(reply.describe()));
        }
        times.push(reply.elapsed);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Ok(Outcome::Measured {
        p50_ms: ms(super::percentile(&times, 0.50)),
        p95_ms: ms(super::percentile(&times, 0.95)),
        answer,
    })
}

fn answer_size(reply: &Reply) -> u64 {
    let b = &reply.body;
    if let Some(n) = b["count"].as_u64() {
        return n;
    }
    for key in ["records", "groups"] {
        if let Some(items) = b[key].as_array() {
            return items.len() as u64;
        }
    }
    0
}

/// Follows cursors 50 traces at a time to `DEEP` records in (or as deep as the stream allows),
/// then times fetching the page at that depth again and again with its cursor.
pub async fn deep_page(
    target: &Target,
    traces: usize,
    warmup: usize,
    runs: usize,
) -> anyhow::Result<DeepPage> {
    let want = DEEP.min(traces.saturating_sub(PAGE));
    let path = format!("/api/v1/projects/{}/search", target.project_id);
    let page = |cursor: &Value| json!({"log_stream_id": target.log_stream_id, "root": "trace", "sort": {"field": "created_at", "ascending": false}, "limit": PAGE, "cursor": cursor});
    let label = format!("page of 50 traces at depth {want}, by cursor");
    let unavailable = |why: String, depth| DeepPage {
        depth,
        walk_seconds: 0.0,
        measured: Measured {
            key: "deep_page",
            label: label.clone(),
            outcome: Outcome::Unavailable(why),
        },
    };
    let started = Instant::now();
    let (mut depth, mut cursor) = (0, Value::Null);
    while depth < want {
        let reply = target.api.post(&path, &page(&cursor)).await?;
        if !reply.ok() {
            return Ok(unavailable(reply.describe(), depth));
        }
        depth += reply.body["records"].as_array().map_or(0, Vec::len);
        cursor = reply.body["next_cursor"].clone();
        if cursor.is_null() {
            return Ok(unavailable(
                format!("no next_cursor after {depth} records"),
                depth,
            ));
        }
    }
    let walk_seconds = started.elapsed().as_secs_f64();
    let outcome = time_calls(&target.api, &path, &page(&cursor), warmup, runs).await?;
    let label = format!("page of 50 traces at depth {depth}, by cursor");
    Ok(DeepPage {
        depth,
        walk_seconds,
        measured: Measured {
            key: "deep_page",
            label,
            outcome,
        },
    })
}
