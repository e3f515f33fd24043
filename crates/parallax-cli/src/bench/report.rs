//! The benchmark's results: a table for people, flat JSON with unit-bearing names for machines.
//! Targets are PRODUCT.md's ("Performance"), which apply at 1M spans on a 2-core machine; the
//! table shows them beside every size so a small run reads as a trend, not a verdict.

use super::ingest::IngestFigures;
use super::machine::{DiskUse, Machine};
use super::queries::{DeepPage, Measured, Outcome};
use serde_json::{json, Map, Value};

pub struct Workload {
    pub traces: usize,
    pub spans: usize,
    pub records: usize,
    pub batch_traces: usize,
    pub clients: usize,
    pub seed: u64,
    pub warmup: usize,
    pub runs: usize,
}

pub struct Report {
    pub server: String,
    pub workload: Workload,
    pub machine: Machine,
    pub ingest: IngestFigures,
    /// CPU seconds the server process used during ingest (bench client included when embedded).
    pub ingest_cpu_s: Option<f64>,
    /// Of that, CPU seconds of the store's single writer thread.
    pub ingest_writer_cpu_s: Option<f64>,
    /// Shares of the whole machine's cores during ingest (every process and the kernel): busy,
    /// and idle waiting for I/O.
    pub machine_shares: Option<(f64, f64)>,
    /// Bytes the server process caused to be written to storage during ingest: the WAL, and
    /// the pages checkpoints copied back into the database file.
    pub storage_written: Option<u64>,
    /// The 1-minute load average before ingest and at the end.
    pub load_average: (Option<f64>, Option<f64>),
    pub queries: Vec<Measured>,
    pub deep: DeepPage,
    pub peak_rss_mb: Option<f64>,
    /// True when the server runs inside the bench process, whose peak includes the client.
    pub rss_includes_client: bool,
    /// The data directory after the queries, with the server still running.
    pub disk: Option<DiskUse>,
    /// The data directory as the last batch was acknowledged: the WAL is at its working size
    /// then, and emptied once writes stop (checkpoint.rs in the SQLite store).
    pub disk_after_ingest: Option<DiskUse>,
}

/// PRODUCT.md's target for a query, by JSON key.
fn query_target(key: &str) -> &'static str {
    match key {
        "tag_meta_count" => "p50 <= 50 ms",
        "group_by" => "p50 <= 150 ms",
        "deep_page" => "<= 50 ms (console page)",
        _ => "p50 <= 5 ms",
    }
}

impl Report {
    fn per(&self, n: usize) -> Option<f64> {
        self.disk.map(|d| d.total as f64 / n.max(1) as f64)
    }

    fn per_span_after_ingest(&self) -> Option<f64> {
        self.disk_after_ingest
            .map(|d| d.total as f64 / self.workload.spans.max(1) as f64)
    }

    fn cpu_us_per_span(&self) -> Option<f64> {
        self.ingest_cpu_s
            .map(|s| s * 1e6 / self.workload.spans.max(1) as f64)
    }

    fn writer_cpu_us_per_span(&self) -> Option<f64> {
        self.ingest_writer_cpu_s
            .map(|s| s * 1e6 / self.workload.spans.max(1) as f64)
    }

    /// The ingest rate the writer thread would allow with a core to itself and no wait for
    /// work: the ceiling of the serial part.
    fn writer_bound_spans_per_s(&self) -> Option<f64> {
        self.writer_cpu_us_per_span()
            .filter(|us| *us > 0.0)
            .map(|us| 1e6 / us)
    }

    fn storage_written_per_span(&self) -> Option<f64> {
        self.storage_written
            .map(|b| b as f64 / self.workload.spans.max(1) as f64)
    }

    fn all_queries(&self) -> impl Iterator<Item = &Measured> {
        self.queries
            .iter()
            .chain(std::iter::once(&self.deep.measured))
    }

    pub fn to_json(&self) -> Value {
        let i = &self.ingest;
        let mut out = Map::new();
        let mut put = |k: &str, v: Value| {
            out.insert(k.to_owned(), v);
        };
        put("ingest_spans_per_s", json!(i.spans_per_s.round()));
        put("ingest_records_per_s", json!(i.records_per_s.round()));
        put("ingest_seconds", json!(i.seconds));
        put(
            "ingest_first_tenth_spans_per_s",
            json!(i.first_tenth_spans_per_s.map(f64::round)),
        );
        put(
            "ingest_last_tenth_spans_per_s",
            json!(i.last_tenth_spans_per_s.map(f64::round)),
        );
        put("ingest_batch_p50_ms", json!(i.batch_p50_ms));
        put("ingest_batch_p95_ms", json!(i.batch_p95_ms));
        put("ingest_body_kb_avg", json!(i.body_kb_avg));
        put("ingest_body_build_ms_total", json!(i.body_build_ms_total));
        put("ingest_searchable", json!(i.searchable));
        put("ingest_cpu_s", json!(self.ingest_cpu_s));
        put("ingest_cpu_us_per_span", json!(self.cpu_us_per_span()));
        put(
            "ingest_writer_cpu_us_per_span",
            json!(self.writer_cpu_us_per_span()),
        );
        put(
            "ingest_writer_bound_spans_per_s",
            json!(self.writer_bound_spans_per_s().map(f64::round)),
        );
        put(
            "ingest_machine_cpu_busy_pct",
            json!(self
                .machine_shares
                .map(|(b, _)| (b * 1000.0).round() / 10.0)),
        );
        put(
            "ingest_machine_iowait_pct",
            json!(self
                .machine_shares
                .map(|(_, w)| (w * 1000.0).round() / 10.0)),
        );
        put(
            "ingest_storage_write_bytes_per_span",
            json!(self.storage_written_per_span().map(f64::round)),
        );
        put("load_average_1m_start", json!(self.load_average.0));
        put("load_average_1m_end", json!(self.load_average.1));
        for q in self.all_queries() {
            match &q.outcome {
                Outcome::Measured {
                    p50_ms,
                    p95_ms,
                    answer,
                } => {
                    put(&format!("{}_p50_ms", q.key), json!(p50_ms));
                    put(&format!("{}_p95_ms", q.key), json!(p95_ms));
                    put(&format!("{}_answer", q.key), json!(answer));
                }
                Outcome::Unavailable(why) => {
                    put(&format!("{}_p50_ms", q.key), Value::Null);
                    put(&format!("{}_p95_ms", q.key), Value::Null);
                    put(&format!("{}_unavailable", q.key), json!(why));
                }
            }
        }
        put("deep_page_depth", json!(self.deep.depth));
        put("deep_page_walk_s", json!(self.deep.walk_seconds));
        put("peak_rss_mb", json!(self.peak_rss_mb));
        put(
            "peak_rss_includes_bench_client",
            json!(self.rss_includes_client),
        );
        put("disk_bytes_total", json!(self.disk.map(|d| d.total)));
        put("disk_wal_bytes", json!(self.disk.map(|d| d.wal)));
        put(
            "disk_bytes_per_span",
            json!(self.per(self.workload.spans).map(f64::round)),
        );
        put(
            "disk_bytes_per_record",
            json!(self.per(self.workload.records).map(f64::round)),
        );
        put(
            "disk_bytes_after_ingest",
            json!(self.disk_after_ingest.map(|d| d.total)),
        );
        put(
            "disk_wal_bytes_after_ingest",
            json!(self.disk_after_ingest.map(|d| d.wal)),
        );
        put(
            "disk_bytes_per_span_after_ingest",
            json!(self.per_span_after_ingest().map(f64::round)),
        );
        let w = &self.workload;
        put("server", json!(self.server));
        put(
            "workload",
            json!({
                "traces": w.traces, "spans": w.spans, "records": w.records, "spans_per_trace": 5,
                "records_per_trace": 6, "batch_traces": w.batch_traces, "clients": w.clients,
                "seed": w.seed, "warmup": w.warmup, "runs": w.runs,
            }),
        );
        put("machine", self.machine.to_json());
        Value::Object(out)
    }

    pub fn print_table(&self) {
        let (w, m, i) = (&self.workload, &self.machine, &self.ingest);
        println!(
            "parallax bench: {} traces = {} spans ({} stored records: each trace + its 5 spans), {}",
            group(w.traces as f64),
            group(w.spans as f64),
            group(w.records as f64),
            self.server
        );
        let mem = m
            .mem_total_mb
            .map_or("?".to_owned(), |mb| format!("{:.1} GB", mb as f64 / 1024.0));
        println!(
            "machine: {} cores, {}, {mem} RAM, Linux {}; {} build; {} clients x {} traces per batch; {} runs after {} warm-up\n",
            m.cores, m.cpu_model, m.kernel, m.build, w.clients, w.batch_traces, w.runs, w.warmup
        );
        let row = |figure: &str, measured: String, target: &str| {
            println!("{figure:<80} {measured:>22}   {target}")
        };
        row("figure", "measured".into(), "target (2 cores, 1M spans)");
        row(
            "ingest through the Galileo route, durable + searchable",
            format!("{} spans/s", group(i.spans_per_s)),
            ">= 30,000 spans/s",
        );
        if let (Some(a), Some(b)) = (i.first_tenth_spans_per_s, i.last_tenth_spans_per_s) {
            row(
                "  first / last tenth of the batches",
                format!("{} / {} spans/s", group(a), group(b)),
                "",
            );
        }
        if let Some(us) = self.cpu_us_per_span() {
            row(
                "  CPU time per span (server process, all threads)",
                format!("{us:.0} µs"),
                "",
            );
        }
        if let (Some(us), Some(bound)) = (
            self.writer_cpu_us_per_span(),
            self.writer_bound_spans_per_s(),
        ) {
            row(
                "  of which the single SQLite writer thread",
                format!("{us:.1} µs (alone on a core: {} spans/s)", group(bound)),
                "",
            );
        }
        if let Some((busy, iowait)) = self.machine_shares {
            row(
                "  the machine's cores busy (all processes and the kernel); idle on I/O",
                format!("{:.0}%; {:.0}%", busy * 100.0, iowait * 100.0),
                "",
            );
        }
        if let Some(b) = self.storage_written_per_span() {
            row(
                "  written to storage per span (WAL, then checkpoints into the database)",
                format!("{} B", group(b)),
                "",
            );
        }
        row(
            "  batch of 100 traces acknowledged, p50 / p95",
            format!("{:.1} / {:.1} ms", i.batch_p50_ms, i.batch_p95_ms),
            "",
        );
        for q in self.all_queries() {
            let label = format!("{} (p50 / p95)", q.label);
            match &q.outcome {
                Outcome::Measured {
                    p50_ms,
                    p95_ms,
                    answer,
                } => {
                    row(
                        &label,
                        format!("{p50_ms:.2} / {p95_ms:.2} ms"),
                        query_target(q.key),
                    );
                    if q.key.ends_with("count") {
                        row("  answer: count", group(*answer as f64), "");
                    }
                }
                Outcome::Unavailable(why) => row(
                    &label,
                    "unavailable".into(),
                    &why.chars().take(80).collect::<String>(),
                ),
            }
        }
        let rss = self
            .peak_rss_mb
            .map_or("unknown".to_owned(), |mb| format!("{mb:.0} MB"));
        let rss_label = if self.rss_includes_client {
            "peak RSS (server and bench client, one process)"
        } else {
            "peak server RSS"
        };
        row(rss_label, rss, "<= 300 MB");
        let disk = self
            .per(w.spans)
            .map_or("unknown".to_owned(), |b| format!("{} B", group(b)));
        row("disk per span (data directory / spans)", disk, "<= 1,300 B");
        if let (Some(d), Some(per_record)) = (self.disk, self.per(w.records)) {
            row(
                "  per stored record",
                format!("{} B", group(per_record)),
                "",
            );
            let mb = |b: u64| b as f64 / 1e6;
            row(
                "  data directory; of which WAL",
                format!("{:.1} MB; {:.1} MB", mb(d.total), mb(d.wal)),
                "",
            );
            // While writes go on, the WAL holds recent pages not yet copied into the database
            // file (up to about 160 MB); it is emptied a second after they stop.
            if let (Some(a), Some(per_span)) =
                (self.disk_after_ingest, self.per_span_after_ingest())
            {
                row(
                    "  right after ingest, per span; of which WAL",
                    format!("{} B; {:.1} MB", group(per_span), mb(a.wal)),
                    "",
                );
            }
        }
        println!("\ningest: {:.1} s; {}", i.seconds, i.searchable);
        if let (Some(a), Some(b)) = self.load_average {
            println!("load average (1 min): {a:.2} before ingest, {b:.2} at the end (the bench alone adds up to about 2; more means other work shared the cores)");
        }
        println!(
            "deep page: reached depth {} by cursor in {:.2} s",
            self.deep.depth, self.deep.walk_seconds
        );
    }
}

/// A number rounded to an integer with thousands separators.
fn group(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group(1234567.4), "1,234,567");
        assert_eq!(super::group(999.0), "999");
        assert_eq!(super::group(0.0), "0");
    }
}
