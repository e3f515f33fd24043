//! Ingestion through the Galileo route, timed from the first send until every batch is
//! acknowledged and a count through the native API sees every trace.
//!
//! `clients` tasks take batch numbers from one counter, so batches are sent in roughly increasing
//! time order (as a live application would) and each sender keeps one request in flight. An
//! acknowledgement from Parallax means the records are durable (the store commits before it
//! answers); the count afterwards checks that they are also searchable.

use super::client::Api;
use super::workload::{Workload, RECORDS_PER_TRACE, SPANS_PER_TRACE};
use anyhow::{bail, Context};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Target {
    pub api: Api,
    pub project_id: String,
    pub log_stream_id: String,
}

pub struct IngestFigures {
    pub seconds: f64,
    pub spans_per_s: f64,
    pub records_per_s: f64,
    /// Rates over the first and the last tenth of the batches: how ingest degrades as the store grows.
    pub first_tenth_spans_per_s: Option<f64>,
    pub last_tenth_spans_per_s: Option<f64>,
    pub batch_p50_ms: f64,
    pub batch_p95_ms: f64,
    pub body_kb_avg: f64,
    /// Time the senders spent writing bodies, summed over senders (client cost inside `seconds`).
    pub body_build_ms_total: f64,
    /// How "searchable" was established: a count that matched, or why it could not be checked.
    pub searchable: String,
}

struct SenderLog {
    acks: Vec<(Instant, usize)>,
    latencies: Vec<Duration>,
    body_bytes: usize,
    build: Duration,
}

pub async fn run(
    target: &Target,
    workload: Arc<Workload>,
    clients: usize,
    per_batch: usize,
) -> anyhow::Result<IngestFigures> {
    let batches = workload.batches(per_batch);
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..clients.max(1) {
        let (api, pid, sid) = (
            target.api.clone(),
            target.project_id.clone(),
            target.log_stream_id.clone(),
        );
        let (workload, next, done) = (workload.clone(), next.clone(), done.clone());
        senders.push(tokio::spawn(async move {
            let mut log = SenderLog {
                acks: Vec::new(),
                latencies: Vec::new(),
                body_bytes: 0,
                build: Duration::ZERO,
            };
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches {
                    return Ok::<_, anyhow::Error>(log);
                }
                send_batch(&api, &pid, &sid, &workload, b, per_batch, &mut log).await?;
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                if batches >= 20 && finished % (batches / 10) == 0 {
                    eprintln!(
                        "  ingested {finished}/{batches} batches ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    let mut logs = Vec::new();
    for s in senders {
        logs.push(s.await.context("a sender task panicked")??);
    }
    let searchable = wait_searchable(target, workload.traces).await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(figures(
        started, seconds, &workload, &logs, batches, searchable,
    ))
}

async fn send_batch(
    api: &Api,
    pid: &str,
    sid: &str,
    workload: &Workload,
    b: usize,
    per_batch: usize,
    log: &mut SenderLog,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let body = workload.batch_body(sid, b * per_batch, per_batch);
    log.build += t.elapsed();
    log.body_bytes += body.len();
    let traces = per_batch.min(workload.traces - b * per_batch);
    let reply = api
        .post_raw(&format!("/v2/projects/{pid}/traces"), body)
        .await?;
    if !reply.ok() {
        bail!("batch {b} was refused: {}", reply.describe());
    }
    let stored = reply.body["records_count"].as_u64().unwrap_or(0) as usize;
    if stored != traces * RECORDS_PER_TRACE {
        bail!(
            "batch {b} stored {stored} of {} records: {}",
            traces * RECORDS_PER_TRACE,
            reply.describe()
        );
    }
    log.latencies.push(reply.elapsed);
    log.acks.push((Instant::now(), traces));
    Ok(())
}

/// Counts the stream's traces until the count reaches `expected` (at most 60 s).
async fn wait_searchable(target: &Target, expected: usize) -> anyhow::Result<String> {
    let path = format!("/api/v1/projects/{}/count", target.project_id);
    let body = json!({"log_stream_id": target.log_stream_id, "root": "trace"});
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let reply = target.api.post(&path, &body).await?;
        if !reply.ok() {
            return Ok(format!(
                "not verified: the count endpoint answered {}",
                reply.describe()
            ));
        }
        let count = reply.body["count"].as_u64().unwrap_or(0);
        if count as usize >= expected {
            return Ok(format!(
                "verified: a count of the stream's traces returned {count}"
            ));
        }
        if Instant::now() > deadline {
            bail!("only {count} of {expected} traces were searchable 60 s after the last acknowledgement");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn figures(
    started: Instant,
    seconds: f64,
    w: &Workload,
    logs: &[SenderLog],
    batches: usize,
    searchable: String,
) -> IngestFigures {
    let mut acks: Vec<(Instant, usize)> =
        logs.iter().flat_map(|l| l.acks.iter().copied()).collect();
    acks.sort_by_key(|a| a.0);
    let mut latencies: Vec<Duration> = logs
        .iter()
        .flat_map(|l| l.latencies.iter().copied())
        .collect();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let spans = (w.traces * SPANS_PER_TRACE) as f64;
    // Spans acknowledged between two acknowledgement instants, per second.
    let rate = |from: Instant, lo: usize, hi: usize| {
        let n: usize = acks[lo..hi].iter().map(|a| a.1).sum();
        let secs = acks[hi - 1].0.duration_since(from).as_secs_f64();
        (secs > 0.0).then(|| (n * SPANS_PER_TRACE) as f64 / secs)
    };
    let tenth = batches / 10;
    let (first, last) = if tenth >= 1 {
        (
            rate(started, 0, tenth),
            rate(acks[batches - tenth - 1].0, batches - tenth, batches),
        )
    } else {
        (None, None)
    };
    IngestFigures {
        seconds,
        spans_per_s: spans / seconds,
        records_per_s: (w.traces * RECORDS_PER_TRACE) as f64 / seconds,
        first_tenth_spans_per_s: first,
        last_tenth_spans_per_s: last,
        batch_p50_ms: ms(super::percentile(&latencies, 0.50)),
        batch_p95_ms: ms(super::percentile(&latencies, 0.95)),
        body_kb_avg: logs.iter().map(|l| l.body_bytes).sum::<usize>() as f64
            / batches.max(1) as f64
            / 1024.0,
        body_build_ms_total: logs.iter().map(|l| ms(l.build)).sum(),
        searchable,
    }
}
