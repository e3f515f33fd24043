//! An `ExportTraceServiceRequest` to Parallax records: ids, tree, type, fields, annotations.
//!
//! Each span becomes one record. OTel has no trace object, so a root span (no parent) also yields
//! a [`RecordType::Trace`] record whose id is the trace id (`trace_id == id`), with the name,
//! input, output, times, status, session, tags and metadata of the root span (Langfuse's
//! `langfuse.trace.name/input/output` override them); the root span's own record hangs below it
//! (`parent_id` = the trace id). Any other span's parent is the UUID derived from its
//! `parent_span_id` ([`crate::span_uuid`]), which exists before the parent arrives.
//!
//! The shape of the mapping report every span record carries is documented on [`convert()`].

mod annotations;
mod ctx;
mod io;
mod kind;
mod messages;
mod usage;

use crate::attrs::{json_or_raw, kvs_to_json, AttrSet};
use crate::ids::{session_uuid, span_uuid, trace_uuid, valid_span_id, valid_trace_id};
use crate::proto::{ExportTraceServiceRequest, Span, SpanKind};
use annotations::Raw;
use ctx::Ctx;
use parallax_model::wire::galileo::Quarantined;
use parallax_model::{Annotations, Limits, Record, RecordType, Timestamp, Violation};
use serde_json::{json, Map, Value};

/// What a request turned into: records to store, records to keep in quarantine, and spans that
/// could not become records at all.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub records: Vec<Record>,
    pub quarantined: Vec<Quarantined>,
    pub rejected: Vec<Rejection>,
}

/// A span that was not stored at all (an invalid id, a Logfire placeholder), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `resourceSpans[i].scopeSpans[j].spans[k]`.
    pub path: String,
    pub reason: String,
}

impl Converted {
    /// The OTLP partial-success pair `(rejected_spans, error_message)` for this outcome, `None`
    /// when everything was stored. Only rejected spans count as rejected (otel-conventions.md
    /// §1.2); quarantined records are stored, so they are reported in the message alone.
    pub fn partial_success(&self) -> Option<(i64, String)> {
        if self.rejected.is_empty() && self.quarantined.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if !self.rejected.is_empty() {
            let list: Vec<String> = self
                .rejected
                .iter()
                .map(|r| format!("{}: {}", r.path, r.reason))
                .collect();
            parts.push(format!(
                "{} spans rejected: {}",
                self.rejected.len(),
                first_few(&list)
            ));
        }
        if !self.quarantined.is_empty() {
            // A root span's violations are also its trace record's; list each once.
            let mut list: Vec<String> = Vec::new();
            for v in self.quarantined.iter().flat_map(|q| q.violations.iter()) {
                let line = v.to_string();
                if !list.contains(&line) {
                    list.push(line);
                }
            }
            parts.push(format!(
                "{} records quarantined (kept aside until fixed): {}",
                self.quarantined.len(),
                first_few(&list)
            ));
        }
        Some((self.rejected.len() as i64, parts.join(". ")))
    }
}

fn first_few(items: &[String]) -> String {
    let mut s = items.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > 3 {
        s.push_str(&format!("; and {} more", items.len() - 3));
    }
    s
}

/// Converts every span of the request. Never fails: a span that cannot be a record is a
/// [`Rejection`], one that breaks an annotation rule is [`Quarantined`] (its `raw` is the record
/// in the Galileo step shape, tags and `user_metadata` as converted, so the fix-and-admit path can
/// read it like a Galileo step; its violation paths point at the attributes, e.g.
/// `resourceSpans[0].scopeSpans[0].spans[2].attributes["tag.tags"][3]`).
///
/// Each stored span record carries `extra["otel"]`, the mapping report, which the API and the
/// console show as-is:
///
/// ```json
/// {
///   "trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
///   "parent_span_id": null,
///   "kind": "SPAN_KIND_INTERNAL",
///   "scope": {"name": "openinference.instrumentation.openai", "version": "1.0", "attributes": {}},
///   "resource": {"service.name": "app"},
///   "status": {"code": "STATUS_CODE_ERROR", "message": "…", "exception": {"type": …, "message": …}},
///   "mapping": [
///     {"attribute": "openinference.span.kind", "to": "type", "value": "LLM"},
///     {"attribute": "tag.tags", "to": "tags"},
///     {"attribute": "metadata", "to": "metadata.field"},
///     {"attribute": "llm.model_name", "to": "model"},
///     {"attribute": "session.id", "to": "session", "note": "trace-level attribute on a non-root span; applied to this span"},
///     {"attribute": "user.id", "from": "resource", "to": "metadata.user.id"},
///     {"attribute": "langfuse.user.id", "to": "metadata.user.id", "note": "conflicts with user.id; kept that value", "value": "bob"}
///   ],
///   "attributes": {"llm.provider": "openai"},
///   "events": [{"name": "…", "time": "2026-…Z", "attributes": {}}],
///   "links": [{"trace_id": "…", "span_id": "…", "attributes": {}}],
///   "session": {"id": "chat-42", "attribute": "session.id"},
///   "dropped": {"attributes": 3, "events": 0, "links": 0}
/// }
/// ```
///
/// `mapping` lists every attribute that went into a record field (`to` is `type`, `name`,
/// `input`, `output`, `model`, `tokens.*`, `tags`, `metadata.<key>`, `session`, `status_code`,
/// `trace.name`/`trace.input`/`trace.output`, or a Galileo extra field); `attributes` holds every
/// attribute that did not, as plain JSON. `session`, `dropped`, `events` and `links` appear only
/// when there is something to say. The trace record carries a smaller `extra["otel"]` with the ids,
/// resource and scope.
pub fn convert(req: &ExportTraceServiceRequest, limits: &Limits) -> Converted {
    let mut out = Converted::default();
    for (i, rs) in req.resource_spans.iter().enumerate() {
        let rpath = format!("resourceSpans[{i}]");
        let kvs = rs
            .resource
            .as_ref()
            .map(|r| r.attributes.as_slice())
            .unwrap_or(&[]);
        let resource = AttrSet::new(format!("{rpath}.resource"), kvs);
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            let scope = match &ss.scope {
                Some(s) => {
                    json!({"name": s.name, "version": s.version, "attributes": kvs_to_json(&s.attributes)})
                }
                None => json!({"name": "", "version": "", "attributes": {}}),
            };
            let env = Env {
                resource: &resource,
                resource_json: Value::Object(resource.all()),
                scope,
                limits,
            };
            for (k, span) in ss.spans.iter().enumerate() {
                let path = format!("{rpath}.scopeSpans[{j}].spans[{k}]");
                if let Err(reason) = convert_span(span, path.clone(), &env, &mut out) {
                    out.rejected.push(Rejection { path, reason });
                }
            }
        }
    }
    out
}

/// What the spans of one scope share.
struct Env<'a> {
    resource: &'a AttrSet,
    resource_json: Value,
    scope: Value,
    limits: &'a Limits,
}

/// The ids of a span, checked: `Err` is the reason to reject it.
struct Ids {
    trace: [u8; 16],
    span: [u8; 8],
    parent: Option<[u8; 8]>,
}

fn ids(span: &Span) -> Result<Ids, String> {
    let trace =
        valid_trace_id(&span.trace_id).ok_or_else(|| bad_id("traceId", &span.trace_id, 16))?;
    let span_id = valid_span_id(&span.span_id).ok_or_else(|| bad_id("spanId", &span.span_id, 8))?;
    // An empty or all-zero parent marks a root; all-zero is no valid span id, so treating it as
    // "no parent" is the only reading that keeps the span.
    let parent = match span.parent_span_id.as_slice() {
        p if p.iter().all(|b| *b == 0) => None,
        p => Some(valid_span_id(p).ok_or_else(|| bad_id("parentSpanId", p, 8))?),
    };
    Ok(Ids {
        trace,
        span: span_id,
        parent,
    })
}

fn bad_id(field: &str, bytes: &[u8], len: usize) -> String {
    match bytes.len() {
        0 => format!("{field} is missing"),
        n if n != len => format!("{field} has {n} bytes; expected {len}"),
        _ => format!("{field} is all zeros, which OTLP defines as invalid"),
    }
}

fn convert_span(span: &Span, path: String, env: &Env, out: &mut Converted) -> Result<(), String> {
    let ids = ids(span)?;
    let attrs = AttrSet::new(path.clone(), &span.attributes);
    if attrs.get("logfire.span_type").and_then(Value::as_str) == Some("pending_span") {
        return Err("Logfire pending_span placeholder; the real span carries the data".into());
    }
    let mut ctx = Ctx::new(path, attrs, env.resource, ids.parent.is_none());
    let trace_id = trace_uuid(ids.trace);
    let id = span_uuid(ids.trace, ids.span);
    let parent_id = ids
        .parent
        .map(|p| span_uuid(ids.trace, p))
        .unwrap_or(trace_id);

    let record_type = kind::resolve(&mut ctx);
    let mut r = Record::new(id, record_type, trace_id, start(span));
    r.parent_id = Some(parent_id);
    r.name = span.name.clone();
    r.duration_ns = duration(span);
    r.model = usage::model(&mut ctx);
    r.tokens = usage::tokens(&mut ctx);
    r.extra = usage::typed_extras(&mut ctx);
    r.input = io::input(&mut ctx, record_type);
    r.output = io::output(&mut ctx, record_type);
    let raw = annotations::extract(&mut ctx);
    r.session_id = raw.session.as_ref().map(|(s, _)| session_uuid(s));
    let (status_code, status) = usage::status(&mut ctx, span);
    r.status_code = Some(status_code);
    let trace = ctx.is_root.then(|| trace_record(&mut ctx, &r, &ids, env));

    let otel = report(&ctx, span, &ids, env, status, &raw);
    r.extra.insert("otel".into(), otel);
    let validated = annotations::validate(&raw, &ctx.path, env.limits);
    if let Some(t) = trace {
        emit(t, &validated, &raw, &ctx.path, out);
    }
    emit(r, &validated, &raw, &ctx.path, out);
    Ok(())
}

/// The trace record a root span implies.
fn trace_record(ctx: &mut Ctx, span_record: &Record, ids: &Ids, env: &Env) -> Record {
    let mut t = Record::new(
        span_record.trace_id,
        RecordType::Trace,
        span_record.trace_id,
        span_record.created_at,
    );
    let names = [
        "langfuse.trace.name",
        "traceloop.workflow.name",
        "ai.telemetry.functionId",
    ];
    t.name = ctx
        .take_first(&names, "trace.name")
        .and_then(|(_, v)| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| span_record.name.clone());
    t.input = match ctx.take("langfuse.trace.input", "trace.input") {
        Some(v) => json_or_raw(&v),
        None => span_record.input.clone(),
    };
    t.output = match ctx.take("langfuse.trace.output", "trace.output") {
        Some(v) => json_or_raw(&v),
        None => span_record.output.clone(),
    };
    t.duration_ns = span_record.duration_ns;
    t.status_code = span_record.status_code;
    t.extra.insert(
        "otel".into(),
        json!({
            "trace_id": hex::encode(ids.trace),
            "root_span_id": hex::encode(ids.span),
            "root_record_id": span_record.id.to_string(),
            "scope": env.scope,
            "resource": env.resource_json,
        }),
    );
    t
}

/// Stores the record, or quarantines it with its violations. The session is set here for the
/// trace record too, since both come from the same annotations.
fn emit(
    mut r: Record,
    validated: &Result<Annotations, Vec<Violation>>,
    raw: &Raw,
    path: &str,
    out: &mut Converted,
) {
    if r.record_type == RecordType::Trace {
        r.session_id = raw.session.as_ref().map(|(s, _)| session_uuid(s));
    }
    match validated {
        Ok(a) => {
            r.tags = a.tags.clone();
            r.metadata = a.metadata.clone();
            out.records.push(r);
        }
        Err(violations) => out.quarantined.push(Quarantined {
            id: r.id,
            record_type: r.record_type,
            trace_id: r.trace_id,
            parent_id: r.parent_id,
            session_id: r.session_id,
            path: path.to_owned(),
            raw: step_json(&r, raw),
            violations: violations.clone(),
        }),
    }
}

/// A quarantined record in the Galileo step shape (PROTOCOL.md §4), with the tags and metadata
/// as converted but not validated, so the fix-and-admit path can read it like any Galileo step.
fn step_json(r: &Record, raw: &Raw) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), r.record_type.as_str().into());
    o.insert("id".into(), r.id.to_string().into());
    o.insert("trace_id".into(), r.trace_id.to_string().into());
    o.insert(
        "parent_id".into(),
        r.parent_id.map(|p| p.to_string()).into(),
    );
    o.insert(
        "session_id".into(),
        r.session_id.map(|p| p.to_string()).into(),
    );
    o.insert("name".into(), r.name.clone().into());
    o.insert("created_at".into(), r.created_at.to_rfc3339().into());
    o.insert("input".into(), r.input.clone());
    o.insert("output".into(), r.output.clone());
    o.insert("tags".into(), Value::Array(raw.tags.clone()));
    o.insert("user_metadata".into(), Value::Object(raw.metadata.clone()));
    o.insert("status_code".into(), r.status_code.into());
    o.insert("model".into(), r.model.clone().into());
    let mut metrics = match r.extra.get("metrics") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    metrics.insert("duration_ns".into(), r.duration_ns.into());
    metrics.insert("num_input_tokens".into(), r.tokens.input.into());
    metrics.insert("num_output_tokens".into(), r.tokens.output.into());
    metrics.insert("num_total_tokens".into(), r.tokens.total.into());
    o.insert("metrics".into(), Value::Object(metrics));
    for (k, v) in &r.extra {
        o.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(o)
}

/// The `extra["otel"]` report of a span record (shape in the module docs).
fn report(ctx: &Ctx, span: &Span, ids: &Ids, env: &Env, status: Value, raw: &Raw) -> Value {
    let kind = SpanKind::try_from(span.kind).unwrap_or(SpanKind::Unspecified);
    let mut o = Map::new();
    o.insert("trace_id".into(), hex::encode(ids.trace).into());
    o.insert("span_id".into(), hex::encode(ids.span).into());
    o.insert("parent_span_id".into(), ids.parent.map(hex::encode).into());
    o.insert("kind".into(), kind.as_str_name().into());
    o.insert("scope".into(), env.scope.clone());
    o.insert("resource".into(), env.resource_json.clone());
    o.insert("status".into(), status);
    o.insert("mapping".into(), Value::Array(ctx.mapping.clone()));
    o.insert("attributes".into(), Value::Object(ctx.attrs.unmapped()));
    if !span.events.is_empty() {
        let events = span
            .events
            .iter()
            .map(|e| json!({"name": e.name, "time": time(e.time_unix_nano), "attributes": kvs_to_json(&e.attributes)}))
            .collect();
        o.insert("events".into(), Value::Array(events));
    }
    if !span.links.is_empty() {
        let links = span
            .links
            .iter()
            .map(|l| json!({"trace_id": hex::encode(&l.trace_id), "span_id": hex::encode(&l.span_id), "attributes": kvs_to_json(&l.attributes)}))
            .collect();
        o.insert("links".into(), Value::Array(links));
    }
    if let Some(s) = annotations::session_report(raw) {
        o.insert("session".into(), s);
    }
    let dropped = [
        span.dropped_attributes_count,
        span.dropped_events_count,
        span.dropped_links_count,
    ];
    if dropped.iter().any(|n| *n > 0) {
        // The sender's SDK dropped these over its limits (128 by default); this is the only trace
        // of the loss (otel-conventions.md §4.5).
        o.insert(
            "dropped".into(),
            json!({"attributes": dropped[0], "events": dropped[1], "links": dropped[2]}),
        );
    }
    Value::Object(o)
}

/// Nanoseconds since the epoch to a timestamp (microseconds).
fn time(nanos: u64) -> String {
    Timestamp((nanos / 1_000) as i64).to_rfc3339()
}

fn start(span: &Span) -> Timestamp {
    Timestamp((span.start_time_unix_nano / 1_000) as i64)
}

/// `end − start`, or `None` when either is unset or the span ends before it starts.
fn duration(span: &Span) -> Option<i64> {
    let (s, e) = (span.start_time_unix_nano, span.end_time_unix_nano);
    (s > 0 && e >= s).then(|| i64::try_from(e - s).unwrap_or(i64::MAX))
}
