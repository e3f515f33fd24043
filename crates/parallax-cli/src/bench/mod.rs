//! `parallax bench`: PRODUCT.md's standard workload against a real server, measured the way
//! issue 8 asks: ingest through the Galileo route, query latencies through the native API, peak
//! RSS and bytes on disk per span.
//!
//! By default the server runs inside this process on a fresh temporary data directory, exactly as
//! `parallax serve` would run it (`parallax_server::serve` on a loopback listener), so one command
//! measures the embedded store end to end. `--url` targets a running server instead. Figures are
//! quoted in BENCHMARKS.md as measured on a stated machine; nothing here asserts them.

mod client;
mod ingest;
mod machine;
mod prng;
mod queries;
mod report;
mod workload;

use anyhow::{bail, Context};
use clap::Args;
use client::Api;
use ingest::Target;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Args)]
pub struct BenchArgs {
    /// Traces to ingest; each is a trace with 5 spans (6 stored records).
    #[arg(long, default_value_t = 2000)]
    traces: usize,
    /// Concurrent senders, each with one batch in flight.
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Traces per ingest request.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Measured repetitions of each query.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Unmeasured repetitions of each query before the measured ones.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Seed of the workload generator: the same seed gives the same workload.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Benchmark a running server at this URL instead of an embedded one.
    #[arg(long, requires = "api_key")]
    url: Option<String>,
    /// An API key of the running server (admin or annotator).
    #[arg(long, env = "PARALLAX_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// With `--url`: the server's process id, to read its peak RSS.
    #[arg(long, requires = "url")]
    server_pid: Option<u32>,
    /// With `--url`: the server's data directory, to measure bytes on disk (best on a fresh one).
    #[arg(long, requires = "url")]
    server_data_dir: Option<PathBuf>,
    /// Embedded server: use this (new or empty) data directory and keep it, instead of a temporary one.
    #[arg(long, conflicts_with = "url")]
    data_dir: Option<PathBuf>,
    /// Print the results as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.traces == 0 || args.batch == 0 || args.clients == 0 {
        bail!("--traces, --batch and --clients must be at least 1");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(bench(args))
}

/// Where the server is: started here (with its data directory) or somewhere else.
enum Server {
    Embedded(Embedded),
    Remote {
        url: String,
        key: String,
        pid: Option<u32>,
        data_dir: Option<PathBuf>,
    },
}

impl Server {
    async fn connect(args: &BenchArgs) -> anyhow::Result<Server> {
        Ok(match (&args.url, &args.api_key) {
            (Some(url), Some(key)) => Server::Remote {
                url: url.clone(),
                key: key.clone(),
                pid: args.server_pid,
                data_dir: args.server_data_dir.clone(),
            },
            _ => Server::Embedded(Embedded::start(args.data_dir.clone()).await?),
        })
    }

    fn api(&self) -> anyhow::Result<Api> {
        match self {
            Server::Embedded(e) => Api::new(&e.url, &e.key),
            Server::Remote { url, key, .. } => Api::new(url, key),
        }
    }

    fn label(&self) -> String {
        match self {
            Server::Embedded(_) => {
                "embedded server (in this process) on a fresh data directory".into()
            }
            Server::Remote { url, .. } => format!("server at {url}"),
        }
    }

    /// The process whose CPU time and RSS are the server's: `Some(None)` is this process.
    fn process(&self) -> Option<Option<u32>> {
        match self {
            Server::Embedded(_) => Some(None),
            Server::Remote { pid, .. } => pid.map(Some),
        }
    }

    fn disk_use(&self) -> anyhow::Result<Option<machine::DiskUse>> {
        let dir = match self {
            Server::Embedded(e) => Some(&e.data_dir),
            Server::Remote { data_dir, .. } => data_dir.as_ref(),
        };
        Ok(dir.map(|d| machine::disk_use(d)).transpose()?)
    }
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let server = Server::connect(&args).await?;
    let now_us = SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as i64;
    // Embedded runs are fully reproducible; against a shared server, fresh ids keep reruns apart.
    let embedded = matches!(server, Server::Embedded(_));
    let id_salt = if embedded { 0 } else { now_us as u64 };
    let target = create_target(server.api()?, now_us).await?;
    let workload = Arc::new(workload::Workload::new(
        args.traces,
        args.seed,
        id_salt,
        now_us,
    ));

    eprintln!(
        "ingesting {} traces ({} spans) with {} clients…",
        args.traces,
        args.traces * 5,
        args.clients
    );
    let load_start = machine::load_average();
    let writer_cpu = || {
        server
            .process()
            .and_then(|pid| machine::thread_cpu_seconds(pid, parallax_store_sqlite::WRITER_THREAD))
    };
    let cpu_before = server.process().and_then(machine::cpu_seconds);
    let writer_before = writer_cpu();
    let ticks_before = machine::machine_ticks();
    let written_before = server.process().and_then(machine::storage_write_bytes);
    let ingest = ingest::run(&target, workload, args.clients, args.batch).await?;
    let ingest_cpu_s = cpu_before
        .zip(server.process().and_then(machine::cpu_seconds))
        .map(|(a, b)| b - a);
    let ingest_writer_cpu_s = writer_before.zip(writer_cpu()).map(|(a, b)| b - a);
    let machine_shares = ticks_before
        .zip(machine::machine_ticks())
        .and_then(|(a, b)| a.shares_until(b));
    let storage_written = written_before
        .zip(server.process().and_then(machine::storage_write_bytes))
        .map(|(a, b)| b.saturating_sub(a));
    let disk_after_ingest = server.disk_use()?;
    eprintln!("  {:.0} spans/s; {}", ingest.spans_per_s, ingest.searchable);

    let mut queries = Vec::new();
    for spec in queries::specs(&target.log_stream_id) {
        eprintln!("measuring: {}", spec.label);
        queries.push(queries::measure(&target, &spec, args.warmup, args.runs).await?);
    }
    eprintln!("measuring: deep page");
    let deep = queries::deep_page(&target, args.traces, args.warmup, args.runs).await?;

    let report = report::Report {
        server: server.label(),
        workload: report::Workload {
            traces: args.traces,
            spans: args.traces * workload::SPANS_PER_TRACE,
            records: args.traces * workload::RECORDS_PER_TRACE,
            batch_traces: args.batch,
            clients: args.clients,
            seed: args.seed,
            warmup: args.warmup,
            runs: args.runs,
        },
        machine: machine::Machine::read(),
        ingest,
        ingest_cpu_s,
        ingest_writer_cpu_s,
        machine_shares,
        storage_written,
        load_average: (load_start, machine::load_average()),
        queries,
        deep,
        peak_rss_mb: server.process().and_then(machine::peak_rss_mb),
        rss_includes_client: embedded,
        disk: server.disk_use()?,
        disk_after_ingest,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        report.print_table();
    }
    if let Server::Embedded(e) = server {
        e.stop().await;
    }
    Ok(())
}

/// A fresh project and log stream for this run, created through the Galileo routes.
async fn create_target(api: Api, now_us: i64) -> anyhow::Result<Target> {
    let project = api
        .post_ok(
            "/projects",
            &json!({"name": format!("bench-{now_us}"), "type": "gen_ai"}),
        )
        .await?;
    let project_id = project["id"]
        .as_str()
        .context("the new project has no id")?
        .to_owned();
    let stream = api
        .post_ok(
            &format!("/projects/{project_id}/log_streams"),
            &json!({"name": "standard-workload"}),
        )
        .await?;
    let log_stream_id = stream["id"]
        .as_str()
        .context("the new log stream has no id")?
        .to_owned();
    Ok(Target {
        api,
        project_id,
        log_stream_id,
    })
}

/// The server started by this process, on a loopback port chosen by the OS.
struct Embedded {
    url: String,
    key: String,
    data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Embedded {
    async fn start(data_dir: Option<PathBuf>) -> anyhow::Result<Embedded> {
        let (temp, data_dir) = match data_dir {
            Some(dir) => {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                (None, dir)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("parallax-bench-")
                    .tempdir()?;
                let path = t.path().to_path_buf();
                (Some(t), path)
            }
        };
        let key = format!(
            "plx_bench_{:016x}",
            prng::Rng::fork(std::process::id().into(), 1).next_u64()
        );
        let mut config = parallax_server::Config::for_data_dir(data_dir.clone());
        config.init_api_key = Some(key.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(parallax_server::serve(config, listener, async {
            let _ = stopped.await;
        }));
        let server = Embedded {
            url,
            key,
            data_dir,
            _temp: temp,
            stop,
            handle,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Polls the health check; a server that failed to start is reported with its error.
    async fn wait_ready(&self) -> anyhow::Result<()> {
        let api = Api::new(&self.url, &self.key)?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.handle.is_finished() {
                bail!("the embedded server stopped during startup");
            }
            let check = tokio::time::timeout(Duration::from_secs(2), api.get("/healthcheck")).await;
            if matches!(check, Ok(Ok(ref r)) if r.ok()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the embedded server did not answer its health check within 60 s")
    }

    /// Stops the server and waits for it; then the temporary directory goes.
    async fn stop(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(Duration::from_secs(30), self.handle).await {
            Ok(Ok(Err(e))) => eprintln!("the embedded server stopped with an error: {e:#}"),
            Err(_) => eprintln!("the embedded server did not stop within 30 s"),
            _ => {}
        }
    }
}

/// The nearest-rank percentile of sorted durations (zero for none).
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d: Vec<Duration> = (1..=30).map(Duration::from_millis).collect();
        assert_eq!(percentile(&d, 0.5), Duration::from_millis(15));
        assert_eq!(percentile(&d, 0.95), Duration::from_millis(29));
        assert_eq!(percentile(&d[..1], 0.95), Duration::from_millis(1));
    }
}
