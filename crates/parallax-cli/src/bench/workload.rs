//! PRODUCT.md's standard workload, written as Galileo SDK batch bodies.
//!
//! "Traces of 5 spans (workflow root, 2 LLM, retriever, tool), 3 tags per trace from a vocabulary
//! of 40, 5 metadata keys (one with 1,000 values), inputs ~500 bytes, outputs ~300 bytes." Each
//! trace is sent the way the SDK sends it: a trace object whose one workflow span holds the four
//! leaves, so it is stored as 6 records (the trace and its 5 spans). "Spans" in every figure means
//! those 5; "records" counts the trace too.
//!
//! Tags and metadata sit on the trace, the workflow and the first LLM span (that one with 3 of the
//! 5 keys), giving per span 1.8 tag rows and 2.6 metadata entries, the shape storage-notes.md was
//! measured with. Inputs are ~500 bytes and outputs ~300 bytes (±20%) on the trace, the workflow
//! and the LLM spans; the retriever's query and the tool's arguments are ~100 bytes, so a trace
//! carries ~4,000 bytes of text (800 per span) and a batch of 100 traces is ~750 KB of JSON.
//! About 5% of traces fail: the failing leaf, the workflow and the trace carry status 500.
//!
//! Bodies are written straight into a string: every generated text is plain ASCII without quotes
//! or backslashes, so nothing needs escaping, and the writer stays far cheaper than the server's
//! parsing of the same bytes.

use super::prng::Rng;
use std::fmt::Write;

pub const SPANS_PER_TRACE: usize = 5;
pub const RECORDS_PER_TRACE: usize = 6;
/// Traces are spread over this many days before the start of the run, oldest first.
const SPREAD_DAYS: i64 = 7;

pub const TAGS: usize = 40;
pub const USERS: usize = 1000;
const FIELDS: &[&str] = &[
    "physics",
    "chemistry",
    "biology",
    "history",
    "law",
    "medicine",
    "finance",
    "music",
    "geography",
    "art",
];
const PROMPT_VERSIONS: &[&str] = &["0.0.1", "0.0.2", "0.1.0", "1.0.0"];
const REGIONS: &[&str] = &[
    "eu-west",
    "eu-central",
    "us-east",
    "us-west",
    "ap-south",
    "ap-northeast",
];
const WORDS: &[&str] = &[
    "the",
    "model",
    "answer",
    "question",
    "context",
    "document",
    "retrieval",
    "summary",
    "energy",
    "force",
    "mass",
    "velocity",
    "law",
    "motion",
    "inertia",
    "system",
    "user",
    "assistant",
    "explain",
    "topic",
    "briefly",
    "according",
    "to",
    "source",
    "page",
    "section",
    "result",
    "value",
    "compute",
    "tool",
    "search",
    "index",
    "vector",
    "score",
    "relevant",
    "passage",
    "newton",
    "first",
    "second",
    "third",
    "object",
    "remains",
    "at",
    "rest",
    "unless",
    "acted",
    "upon",
    "by",
    "external",
    "net",
];

/// The query filters the benchmark uses, chosen to match known fractions of the workload.
pub const QUERY_TAG: &str = "t7";
pub const QUERY_FIELD: &str = "physics";

pub struct Workload {
    pub traces: usize,
    seed: u64,
    /// Mixed into ids only, so reruns against one server store new records with the same content.
    id_salt: u64,
    start_us: i64,
    step_us: i64,
}

/// One record's text content.
enum Io {
    Text(String),
    /// A chat prompt: system and user messages.
    Messages(String, String),
    Message(String),
    Documents(Vec<String>),
}

struct Step<'a> {
    kind: &'a str,
    name: &'a str,
    id: String,
    created_us: i64,
    duration_ns: i64,
    status: u16,
    input: Io,
    output: Io,
    tags: Option<[usize; 3]>,
    metadata: &'a [(&'a str, String)],
    llm: Option<Llm<'a>>,
}

struct Llm<'a> {
    model: &'a str,
    input_tokens: i64,
    output_tokens: i64,
}

impl Workload {
    /// `end_us` is the newest timestamp the workload may use (microseconds since the epoch).
    pub fn new(traces: usize, seed: u64, id_salt: u64, end_us: i64) -> Workload {
        let span_us = SPREAD_DAYS * 86_400 * 1_000_000;
        let step_us = (span_us / traces.max(1) as i64).max(1);
        Workload {
            traces,
            seed,
            id_salt,
            start_us: end_us - span_us - 3_600_000_000,
            step_us,
        }
    }

    pub fn batches(&self, per_batch: usize) -> usize {
        self.traces.div_ceil(per_batch)
    }

    /// The SDK's batch body (`POST /v2/projects/{pid}/traces`) for traces `first..first + count`.
    pub fn batch_body(&self, log_stream_id: &str, first: usize, count: usize) -> String {
        let mut out = String::with_capacity(count * 9_000);
        let _ = write!(
            out,
            r#"{{"log_stream_id":"{log_stream_id}","experiment_id":null,"logging_method":"api_direct","client_version":null,"reliable":false,"session_id":null,"session_external_id":null,"is_complete":true,"traces":["#
        );
        for i in first..(first + count).min(self.traces) {
            if i > first {
                out.push(',');
            }
            self.write_trace(i, &mut out);
        }
        out.push_str("]}");
        out
    }

    fn write_trace(&self, index: usize, out: &mut String) {
        let mut rng = Rng::fork(self.seed, index as u64);
        let mut ids = Rng::fork(self.seed ^ self.id_salt ^ 0x1D5, index as u64);
        let t0 = self.start_us + index as i64 * self.step_us;
        let tags = three_tags(&mut rng);
        let meta = vec![
            ("user_id", format!("user-{:04}", rng.below(USERS))),
            ("experimentNumber", rng.below(101).to_string()),
            (
                "promptVersion",
                PROMPT_VERSIONS[rng.below(PROMPT_VERSIONS.len())].to_string(),
            ),
            ("field", FIELDS[rng.below(FIELDS.len())].to_string()),
            ("region", REGIONS[rng.below(REGIONS.len())].to_string()),
        ];
        let llm_meta: Vec<(&str, String)> = meta[1..4].to_vec();
        let failing_leaf = rng.chance(0.05).then(|| rng.below(4));
        let status = |leaf: usize| if failing_leaf == Some(leaf) { 500 } else { 200 };
        let failed = if failing_leaf.is_some() { 500 } else { 200 };

        // Leaves run one after another: retrieve, generate, call a tool, summarise.
        let plan: [(&str, &str, f64, f64); 4] = [
            ("retriever", "search_docs", 60e6, 0.5),
            ("llm", "generate", 900e6, 0.6),
            ("tool", "calculator", 150e6, 0.7),
            ("llm", "summarize", 700e6, 0.6),
        ];
        let mut at = t0 + 1_000;
        let mut leaves = Vec::with_capacity(4);
        for (k, (kind, name, median, sigma)) in plan.into_iter().enumerate() {
            let duration_ns = rng.log_normal(median, sigma).max(1e5) as i64;
            let (input, output, llm) = leaf_io(&mut rng, kind, k);
            leaves.push(Step {
                kind,
                name,
                id: ids.uuid().to_string(),
                created_us: at,
                duration_ns,
                status: status(k),
                input,
                output,
                tags: (k == 1).then_some(tags),
                metadata: if k == 1 { &llm_meta } else { &[] },
                llm,
            });
            at += duration_ns / 1_000 + 200;
        }
        let workflow_ns = (at - t0) * 1_000;
        let root = |rng: &mut Rng,
                    kind: &'static str,
                    name: &'static str,
                    id: String,
                    created_us: i64,
                    duration_ns: i64| {
            let (input_len, output_len) = (rng.jitter(500, 0.2), rng.jitter(300, 0.2));
            Step {
                kind,
                name,
                id,
                created_us,
                duration_ns,
                status: failed,
                input: Io::Text(text(rng, input_len)),
                output: Io::Text(text(rng, output_len)),
                tags: Some(tags),
                metadata: &meta,
                llm: None,
            }
        };
        let trace = root(
            &mut rng,
            "trace",
            "chat",
            ids.uuid().to_string(),
            t0,
            workflow_ns + 500_000,
        );
        let workflow = root(
            &mut rng,
            "workflow",
            "answer_question",
            ids.uuid().to_string(),
            t0 + 200,
            workflow_ns,
        );

        write_step(out, &trace);
        out.push_str(r#","spans":["#);
        write_step(out, &workflow);
        out.push_str(r#","spans":["#);
        for (k, leaf) in leaves.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            write_step(out, leaf);
            out.push('}');
        }
        out.push_str("]}]}");
    }
}

fn three_tags(rng: &mut Rng) -> [usize; 3] {
    let a = rng.below(TAGS);
    let mut b = rng.below(TAGS);
    while b == a {
        b = rng.below(TAGS);
    }
    let mut c = rng.below(TAGS);
    while c == a || c == b {
        c = rng.below(TAGS);
    }
    [a, b, c]
}

/// Inputs and outputs of a leaf, and the LLM facts of an LLM leaf (k = 1 or 3).
fn leaf_io(rng: &mut Rng, kind: &str, k: usize) -> (Io, Io, Option<Llm<'static>>) {
    // A retriever's input is a search query and a tool's its arguments: short, unlike prompts.
    let input_len = if kind == "llm" {
        rng.jitter(500, 0.2)
    } else {
        rng.jitter(100, 0.2)
    };
    let output_len = rng.jitter(300, 0.2);
    match kind {
        "llm" => {
            let system = text(rng, 120);
            let user = text(rng, input_len.saturating_sub(120));
            let llm = Llm {
                model: if k == 1 { "gpt-4o" } else { "gpt-4o-mini" },
                input_tokens: (input_len / 4) as i64 + rng.below(20) as i64,
                output_tokens: (output_len / 4) as i64 + rng.below(20) as i64,
            };
            (
                Io::Messages(system, user),
                Io::Message(text(rng, output_len)),
                Some(llm),
            )
        }
        "retriever" => {
            let docs = (0..3).map(|_| text(rng, output_len / 3)).collect();
            (Io::Text(text(rng, input_len)), Io::Documents(docs), None)
        }
        _ => (
            Io::Text(text(rng, input_len)),
            Io::Text(text(rng, output_len)),
            None,
        ),
    }
}

/// About `len` bytes of words: plain ASCII, nothing to escape.
fn text(rng: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len + 12);
    while s.len() < len {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len())]);
    }
    s
}

fn write_io(out: &mut String, io: &Io) {
    let _ = match io {
        Io::Text(t) => write!(out, r#""{t}""#),
        Io::Messages(system, user) => write!(
            out,
            r#"[{{"content":"{system}","role":"system","tool_call_id":null,"tool_calls":null}},{{"content":"{user}","role":"user","tool_call_id":null,"tool_calls":null}}]"#
        ),
        Io::Message(m) => write!(
            out,
            r#"{{"content":"{m}","role":"assistant","tool_call_id":null,"tool_calls":null}}"#
        ),
        Io::Documents(docs) => {
            out.push('[');
            for (i, d) in docs.iter().enumerate() {
                let sep = if i > 0 { "," } else { "" };
                let _ = write!(
                    out,
                    r#"{sep}{{"content":"{d}","metadata":{{"source":"kb-{i}"}}}}"#
                );
            }
            out.push(']');
            Ok(())
        }
    };
}

/// Writes a step object without its closing brace, so the caller can add `spans`.
fn write_step(out: &mut String, s: &Step) {
    let _ = write!(out, r#"{{"type":"{}","input":"#, s.kind);
    write_io(out, &s.input);
    out.push_str(r#","redacted_input":null,"output":"#);
    write_io(out, &s.output);
    let _ = write!(
        out,
        r#","redacted_output":null,"name":"{}","created_at":""#,
        s.name
    );
    write_timestamp(out, s.created_us);
    out.push_str(r#"","user_metadata":{"#);
    for (i, (k, v)) in s.metadata.iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(out, r#"{sep}"{k}":"{v}""#);
    }
    out.push_str(r#"},"tags":["#);
    if let Some(tags) = s.tags {
        let _ = write!(out, r#""t{}","t{}","t{}""#, tags[0], tags[1], tags[2]);
    }
    let _ = write!(
        out,
        r#"],"status_code":{},"metrics":{{"duration_ns":{}"#,
        s.status, s.duration_ns
    );
    if let Some(llm) = &s.llm {
        let _ = write!(
            out,
            r#","num_input_tokens":{},"num_output_tokens":{},"num_total_tokens":{},"time_to_first_token_ns":{}"#,
            llm.input_tokens,
            llm.output_tokens,
            llm.input_tokens + llm.output_tokens,
            s.duration_ns / 5
        );
    }
    let _ = write!(
        out,
        r#"}},"external_id":null,"dataset_input":null,"dataset_output":null,"dataset_metadata":{{}},"id":"{}","session_id":null,"trace_id":null,"step_number":null,"parent_id":null"#,
        s.id
    );
    if let Some(llm) = &s.llm {
        let _ = write!(
            out,
            r#","tools":null,"events":null,"model":"{}","temperature":0.7,"finish_reason":"stop""#,
            llm.model
        );
    }
}

/// RFC 3339 with microseconds, UTC, as the SDK sends `created_at`.
fn write_timestamp(out: &mut String, us: i64) {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        sod / 3_600,
        sod % 3_600 / 60,
        sod % 60
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        let mut s = String::new();
        write_timestamp(&mut s, 1_796_315_118_921_579);
        assert_eq!(s, "2026-12-03T16:25:18.921579Z");
    }

    #[test]
    fn bodies_are_json_of_the_standard_shape() {
        let w = Workload::new(10, 42, 0, 1_796_315_118_921_579);
        let body: serde_json::Value = serde_json::from_str(&w.batch_body("s", 0, 10)).unwrap();
        let traces = body["traces"].as_array().unwrap();
        assert_eq!(traces.len(), 10);
        let workflow = &traces[0]["spans"][0];
        assert_eq!(workflow["type"], "workflow");
        let kinds: Vec<&str> = workflow["spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["retriever", "llm", "tool", "llm"]);
        assert_eq!(traces[0]["tags"].as_array().unwrap().len(), 3);
        assert_eq!(traces[0]["user_metadata"].as_object().unwrap().len(), 5);
        assert!(traces[0]["created_at"].as_str() < traces[1]["created_at"].as_str());
        // Same seed, same content; the id salt changes ids only.
        let again = Workload::new(10, 42, 9, 1_796_315_118_921_579).batch_body("s", 0, 10);
        let again: serde_json::Value = serde_json::from_str(&again).unwrap();
        assert_eq!(again["traces"][3]["input"], traces[3]["input"]);
        assert_ne!(again["traces"][3]["id"], traces[3]["id"]);
    }
}
