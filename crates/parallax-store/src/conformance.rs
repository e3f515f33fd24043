//! The conformance suite: behaviour every backend must show, written once against the traits.
//!
//! A backend's tests call [`run_all`] with a factory that returns a fresh, empty store. Each
//! check panics with a message naming the broken behaviour.

use crate::*;
use parallax_model::wire::galileo::{decode_step, Decoded, Placement};
use parallax_model::{Limits, Tag, Timestamp};
use serde_json::json;
use uuid::Uuid;

/// Runs every check, each on a fresh store from `fresh`.
pub fn run_all(fresh: &dyn Fn() -> Box<dyn Store>) {
    projects_and_streams(&*fresh());
    ingest_round_trip(&*fresh());
    ingest_is_idempotent(&*fresh());
    spans_before_their_trace(&*fresh());
    patch_updates_fields(&*fresh());
    quarantine_is_listed(&*fresh());
    api_keys_by_hash_and_revoke(&*fresh());
    sessions_by_external_id(&*fresh());
    long_bodies_read_back_and_filter(&*fresh());
    annotations_with_history_and_undo(&*fresh());
    bulk_annotation_and_job_undo(&*fresh());
}

fn setup(store: &dyn Store) -> (Uuid, Uuid) {
    let p = store.create_project("p", None).unwrap();
    let s = store.create_log_stream(p.id, "s").unwrap();
    (p.id, s.id)
}

/// Decodes a Galileo trace JSON into a batch for the stream.
pub fn batch(project_id: Uuid, log_stream_id: Uuid, traces: &[serde_json::Value]) -> IngestBatch {
    let mut out = Decoded::default();
    for (i, t) in traces.iter().enumerate() {
        let at = Placement {
            trace_id: None,
            parent_id: None,
            session_id: None,
        };
        decode_step(
            t.clone(),
            &format!("traces[{i}]"),
            at,
            &Limits::default(),
            &mut out,
        )
        .unwrap();
    }
    IngestBatch {
        project_id,
        log_stream_id,
        records: out.records,
        quarantined: out.quarantined,
        source: Source::Sdk,
    }
}

const TRACE: &str = "30a44133-66cb-4bf1-9f90-9748d6642fef";
const SPAN: &str = "06b80396-7eb4-4dc0-a41d-66a575a9211d";

fn seed_trace() -> serde_json::Value {
    json!({
        "type": "trace", "id": TRACE, "name": "", "input": "Explain Newton's First Law",
        "output": "...", "created_at": "2026-12-03T16:25:18.921579Z",
        "tags": ["newton", "test", "new-version"],
        "user_metadata": {"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"},
        "metrics": {"duration_ns": null},
        "spans": [{
            "type": "llm", "id": SPAN, "model": "gpt-4o", "created_at": "2026-12-03T16:25:18.921664Z",
            "input": [{"role": "system", "content": "prompt"}],
            "output": {"role": "assistant", "content": "Model response"},
            "tags": ["newton", "test", "new-version"],
            "user_metadata": {"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"},
            "metrics": {"duration_ns": 1500, "num_input_tokens": 10, "custom": 0.5}
        }]
    })
}

pub fn projects_and_streams(store: &dyn Store) {
    let p = store.create_project("alpha", None).unwrap();
    assert!(
        matches!(
            store.create_project("alpha", None),
            Err(StoreError::Conflict(_))
        ),
        "duplicate project names are a conflict"
    );
    assert_eq!(store.project_by_name("alpha").unwrap().unwrap().id, p.id);
    assert!(
        store.project_by_name("Alpha").unwrap().is_none(),
        "project lookup is exact"
    );
    assert_eq!(store.project(p.id).unwrap().unwrap().name, "alpha");
    let a = store.create_log_stream(p.id, "a").unwrap();
    let b = store.create_log_stream(p.id, "b").unwrap();
    let names: Vec<_> = store
        .log_streams(p.id)
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["a", "b"], "streams listed in creation order");
    assert_eq!(store.log_stream(p.id, b.id).unwrap().unwrap().name, "b");
    let other = store.create_project("beta", None).unwrap();
    assert!(
        store.log_stream(other.id, a.id).unwrap().is_none(),
        "a stream is only found in its project"
    );
    assert_eq!(store.projects().unwrap().len(), 2);
}

pub fn ingest_round_trip(store: &dyn Store) {
    let (p, s) = setup(store);
    let sum = store.ingest(batch(p, s, &[seed_trace()])).unwrap();
    assert_eq!(
        sum,
        IngestSummary {
            stored: 2,
            existing: 0,
            quarantined: 0
        }
    );
    let recs = store.trace_records(p, TRACE.parse().unwrap()).unwrap();
    assert_eq!(recs.len(), 2, "the trace and its span are stored");
    let t = &recs[0].record;
    assert_eq!(t.id.to_string(), TRACE);
    let tags: Vec<_> = t.tags.iter().map(Tag::as_str).collect();
    assert_eq!(
        tags,
        ["newton", "test", "new-version"],
        "tags kept in order"
    );
    assert_eq!(
        t.metadata.to_json(),
        json!({"experimentNumber": "1", "promptVersion": "0.0.1", "field": "physics"}),
        "metadata stored exactly"
    );
    let span = &recs[1].record;
    assert_eq!(span.parent_id, Some(t.id));
    assert_eq!(span.model.as_deref(), Some("gpt-4o"));
    assert_eq!(span.duration_ns, Some(1500));
    assert_eq!(span.tokens.input, Some(10));
    assert_eq!(span.extra["metrics"]["custom"], 0.5, "unknown metrics kept");
    assert_eq!(span.input, json!([{"role": "system", "content": "prompt"}]));
    assert_eq!(
        span.created_at,
        Timestamp::parse("2026-12-03T16:25:18.921664Z").unwrap()
    );
    let streams = store.log_streams(p).unwrap();
    assert_eq!((streams[0].num_traces, streams[0].num_spans), (1, 1));
    assert!(store.record(p, SPAN.parse().unwrap()).unwrap().is_some());
    let other = store.create_project("other", None).unwrap();
    assert!(
        store
            .record(other.id, SPAN.parse().unwrap())
            .unwrap()
            .is_none(),
        "records are scoped to their project"
    );
}

pub fn ingest_is_idempotent(store: &dyn Store) {
    let (p, s) = setup(store);
    store.ingest(batch(p, s, &[seed_trace()])).unwrap();
    let mut changed = seed_trace();
    changed["tags"] = json!(["newton"]);
    let again = store.ingest(batch(p, s, &[changed.clone()])).unwrap();
    assert_eq!(again.existing, 2, "a re-send is reported as existing");
    store.ingest(batch(p, s, &[changed])).unwrap();
    let recs = store.trace_records(p, TRACE.parse().unwrap()).unwrap();
    assert_eq!(recs.len(), 2, "re-sending upserts by id");
    let tags: Vec<_> = recs[0].record.tags.iter().map(Tag::as_str).collect();
    assert_eq!(tags, ["newton"], "the last write wins");
    let streams = store.log_streams(p).unwrap();
    assert_eq!(
        (streams[0].num_traces, streams[0].num_spans),
        (1, 1),
        "counts do not double"
    );
}

pub fn spans_before_their_trace(store: &dyn Store) {
    let (p, s) = setup(store);
    let trace_id: Uuid = TRACE.parse().unwrap();
    let mut span = seed_trace()["spans"][0].clone();
    span["trace_id"] = json!(TRACE);
    span["parent_id"] = json!(TRACE);
    store.ingest(batch(p, s, &[span])).unwrap();
    assert_eq!(
        store.trace_records(p, trace_id).unwrap().len(),
        1,
        "an orphan span is stored"
    );
    let mut trace = seed_trace();
    trace["spans"] = json!([]);
    store.ingest(batch(p, s, &[trace])).unwrap();
    let recs = store.trace_records(p, trace_id).unwrap();
    assert_eq!(
        recs.len(),
        2,
        "the trace links up with the span that came first"
    );
    assert_eq!(recs[1].record.parent_id, Some(trace_id));
}

pub fn patch_updates_fields(store: &dyn Store) {
    let (p, s) = setup(store);
    let trace_id: Uuid = TRACE.parse().unwrap();
    store
        .patch_record(
            p,
            s,
            RecordPatch {
                id: trace_id,
                output: Some(json!("early")),
                ..Default::default()
            },
        )
        .unwrap();
    let mut trace = seed_trace();
    trace["spans"] = json!([]);
    trace["output"] = json!(null);
    trace["is_complete"] = json!(false);
    store.ingest(batch(p, s, &[trace])).unwrap();
    assert_eq!(
        store.record(p, trace_id).unwrap().unwrap().record.output,
        json!("early"),
        "a patch that arrives before its record is applied when the record does"
    );
    store
        .patch_record(
            p,
            s,
            RecordPatch {
                id: trace_id,
                output: Some(json!("done")),
                duration_ns: Some(123),
                is_complete: Some(true),
                tags: Some(vec![Tag::parse("dist").unwrap()]),
                ..Default::default()
            },
        )
        .unwrap();
    let r = store.record(p, trace_id).unwrap().unwrap().record;
    assert_eq!(r.output, json!("done"));
    assert_eq!(r.duration_ns, Some(123));
    assert!(r.is_complete);
    assert_eq!(r.tags, vec![Tag::parse("dist").unwrap()]);
    assert_eq!(
        r.metadata.get("field").unwrap().as_str(),
        "physics",
        "untouched fields stay"
    );
}

pub fn quarantine_is_listed(store: &dyn Store) {
    let (p, s) = setup(store);
    let mut trace = seed_trace();
    trace["spans"][0]["tags"] = json!(["x".repeat(57)]);
    let sum = store.ingest(batch(p, s, &[trace])).unwrap();
    assert_eq!(
        sum,
        IngestSummary {
            stored: 1,
            existing: 0,
            quarantined: 1
        }
    );
    let q = store.quarantine(p, Some(s), 100).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].record_id.to_string(), SPAN);
    assert_eq!(q[0].violations[0].path, "traces[0].spans[0].tags[0]");
    assert_eq!(q[0].raw["model"], "gpt-4o", "the record is kept as sent");
    assert_eq!(
        q[0].trace_id,
        Some(TRACE.parse().unwrap()),
        "its place in the tree is kept"
    );

    // Fixed and admitted: stored under its trace, and gone from quarantine.
    let entry = store.quarantine_entry(p, q[0].id).unwrap().unwrap();
    let mut fixed = entry.raw.clone();
    fixed["tags"] = json!(["newton"]);
    let mut out = Decoded::default();
    let at = Placement {
        trace_id: entry.trace_id,
        parent_id: entry.parent_id,
        session_id: entry.session_id,
    };
    decode_step(fixed, "record", at, &Limits::default(), &mut out).unwrap();
    let admitted = IngestBatch {
        project_id: p,
        log_stream_id: s,
        records: out.records,
        quarantined: vec![],
        source: Source::Api,
    };
    store.admit(p, entry.id, admitted.clone()).unwrap();
    assert!(store.quarantine(p, Some(s), 100).unwrap().is_empty());
    let recs = store.trace_records(p, TRACE.parse().unwrap()).unwrap();
    assert_eq!(recs.len(), 2, "the admitted span joins its trace");
    assert!(
        matches!(
            store.admit(p, entry.id, admitted),
            Err(StoreError::NotFound(_))
        ),
        "an entry is admitted once"
    );
}

pub fn api_keys_by_hash_and_revoke(store: &dyn Store) {
    let p = store.create_project("p", None).unwrap();
    let key = store
        .create_api_key(NewApiKey {
            name: "ci".into(),
            prefix: "plx_abcd".into(),
            hash: vec![1, 2, 3],
            role: Role::Annotator,
            projects: Some(vec![p.id]),
        })
        .unwrap();
    let found = store.api_key_by_hash(&[1, 2, 3]).unwrap().unwrap();
    assert_eq!(found.id, key.id);
    assert_eq!(store.api_key(key.id).unwrap().unwrap().name, "ci");
    assert_eq!(found.projects, Some(vec![p.id]));
    assert!(found.may_access(p.id) && !found.may_access(Uuid::new_v4()));
    assert!(store.api_key_by_hash(&[9]).unwrap().is_none());
    assert!(store.revoke_api_key("plx_abcd").unwrap());
    assert!(
        store.api_key_by_hash(&[1, 2, 3]).unwrap().is_none(),
        "a revoked key no longer authenticates"
    );
    assert!(
        store.api_key(key.id).unwrap().is_none(),
        "a revoked key is not found by id"
    );
    assert!(store.api_keys().unwrap()[0].revoked_at.is_some());
}

pub fn sessions_by_external_id(store: &dyn Store) {
    let (p, s) = setup(store);
    let made = store
        .create_session(NewSession {
            project_id: p,
            log_stream_id: s,
            name: Some("chat-1".into()),
            external_id: Some("conv-42".into()),
            previous_session_id: None,
            metadata: json!({"user": "u1"}),
        })
        .unwrap();
    let found = store.sessions_by_external_id(s, "conv-42").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, made.id);
    assert_eq!(found[0].metadata, json!({"user": "u1"}));
    assert!(store
        .sessions_by_external_id(s, "conv-43")
        .unwrap()
        .is_empty());
}

fn q(text: &str) -> Option<parallax_query::Expr> {
    parallax_query::parse(text).unwrap()
}

pub fn annotations_with_history_and_undo(store: &dyn Store) {
    use parallax_model::{MetadataKey, MetadataValue};
    let (p, s) = setup(store);
    store.ingest(batch(p, s, &[seed_trace()])).unwrap();
    let trace: Uuid = TRACE.parse().unwrap();
    let actor = Actor("user:ana@example.org".into());
    let tag = |t: &str| Tag::parse(t).unwrap();
    let events = store
        .annotate(
            p,
            trace,
            vec![
                AnnotationOp::AddTag(tag("label_mismatch")),
                AnnotationOp::RemoveTag(tag("test")),
                AnnotationOp::SetMetadata(
                    MetadataKey::parse("field").unwrap(),
                    MetadataValue::parse("optics").unwrap(),
                ),
            ],
            actor.clone(),
            Source::Console,
            Limits::default(),
        )
        .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[2].previous.as_deref(),
        Some("physics"),
        "the replaced value is kept"
    );
    let r = store.record(p, trace).unwrap().unwrap().record;
    let tags: Vec<_> = r.tags.iter().map(Tag::as_str).collect();
    assert_eq!(
        tags,
        ["newton", "new-version", "label_mismatch"],
        "reads see the effective tags"
    );
    assert_eq!(r.metadata.get("field").unwrap().as_str(), "optics");
    let count = |text: &str| {
        store
            .count(p, s, parallax_query::Root::Trace, q(text).as_ref())
            .unwrap()
    };
    assert_eq!(
        count("tag:label_mismatch and metadata.field = optics"),
        1,
        "filters see the effective values"
    );
    assert_eq!(count("tag:test"), 0);
    let keys = store.metadata_keys(p, s).unwrap();
    assert!(keys.iter().any(|k| k.key == "field"));

    let history = store.annotations(p, trace).unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        (history[0].actor.as_str(), history[0].source.as_str()),
        ("user:ana@example.org", "console")
    );

    let undo = store
        .undo_annotation(p, events[2].id, actor.clone(), Source::Api)
        .unwrap();
    assert_eq!(undo.op, "set_metadata");
    assert_eq!(undo.undoes, Some(events[2].id));
    assert_eq!(
        store
            .record(p, trace)
            .unwrap()
            .unwrap()
            .record
            .metadata
            .get("field")
            .unwrap()
            .as_str(),
        "physics"
    );
    assert_eq!(
        store.annotations(p, trace).unwrap().len(),
        4,
        "undo appends, it never deletes"
    );

    // A re-send by the SDK replaces the logged values; review events still apply on top.
    store.ingest(batch(p, s, &[seed_trace()])).unwrap();
    let tags: Vec<_> = store
        .record(p, trace)
        .unwrap()
        .unwrap()
        .record
        .tags
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    assert_eq!(
        tags,
        ["newton", "new-version", "label_mismatch"],
        "events survive a re-send"
    );

    let limits = Limits {
        max_tags: 3,
        max_metadata_keys: 64,
    };
    let err = store
        .annotate(
            p,
            trace,
            vec![AnnotationOp::AddTag(tag("one-more"))],
            actor,
            Source::Api,
            limits,
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("would have 4 tags; the limit is 3"),
        "{err}"
    );
    assert_eq!(
        store.annotations(p, trace).unwrap().len(),
        4,
        "a refused op leaves no event"
    );
}

pub fn bulk_annotation_and_job_undo(store: &dyn Store) {
    let (p, s) = setup(store);
    let traces: Vec<serde_json::Value> = (0..30)
        .map(|i| json!({"type": "trace", "id": Uuid::new_v4().to_string(), "tags": if i % 2 == 0 { json!(["even"]) } else { json!([]) },
                        "user_metadata": {"promptVersion": if i % 3 == 0 { "0.0.3" } else { "0.0.2" }}}))
        .collect();
    store.ingest(batch(p, s, &traces)).unwrap();
    let filter = q(r#"metadata.promptVersion = "0.0.3" and not tag:reviewed"#);
    let ids = store
        .matching_ids(p, s, parallax_query::Root::Trace, filter.as_ref())
        .unwrap();
    assert_eq!(ids.len(), 10);
    let job = store
        .create_job(NewBulkJob {
            project_id: p,
            log_stream_id: s,
            root: "trace".into(),
            query: "q".into(),
            ops: json!([]),
            actor: "key:x".into(),
            undo_of: None,
        })
        .unwrap();
    let ops = vec![
        AnnotationOp::AddTag(Tag::parse("label_mismatch").unwrap()),
        AnnotationOp::AddTag(Tag::parse("reviewed").unwrap()),
    ];
    let (written, skipped) = store
        .annotate_many(
            p,
            ids.clone(),
            ops,
            Actor("key:x".into()),
            Source::Bulk(job.id),
            Limits::default(),
        )
        .unwrap();
    assert_eq!((written, skipped.len()), (20, 0));
    let count = |text: &str| {
        store
            .count(p, s, parallax_query::Root::Trace, q(text).as_ref())
            .unwrap()
    };
    assert_eq!(count("tag:label_mismatch and tag:reviewed"), 10);
    assert_eq!(
        count(r#"metadata.promptVersion = "0.0.3" and not tag:reviewed"#),
        0
    );
    let history = store.annotations(p, ids[0]).unwrap();
    assert_eq!(history[0].source, format!("bulk:{}", job.id));

    let undo = Uuid::new_v4();
    let mut after = None;
    let mut undone = 0;
    loop {
        let (n, next) = store
            .undo_job_chunk(p, job.id, undo, Actor("key:x".into()), after, 7)
            .unwrap();
        undone += n;
        match next {
            Some(pos) => after = Some(pos),
            None => break,
        }
    }
    assert_eq!(undone, 20);
    assert_eq!(
        count("tag:label_mismatch or tag:reviewed"),
        0,
        "undoing the job restores every record"
    );
    assert_eq!(count("tag:even"), 15, "untouched tags stay");
}

pub fn long_bodies_read_back_and_filter(store: &dyn Store) {
    let (p, s) = setup(store);
    let long = format!(
        "{} the needle {}",
        "Newton's first law. ".repeat(100),
        "Inertia. ".repeat(100)
    );
    let mut trace = seed_trace();
    trace["input"] = json!(long);
    store.ingest(batch(p, s, &[trace])).unwrap();
    let r = store
        .record(p, TRACE.parse().unwrap())
        .unwrap()
        .unwrap()
        .record;
    assert_eq!(r.input, json!(long), "a long body is stored exactly");
    let count = |text: &str| {
        store
            .count(p, s, parallax_query::Root::Trace, q(text).as_ref())
            .unwrap()
    };
    assert_eq!(
        count(r#"input ~ "THE NEEDLE""#),
        1,
        "filters see inside long bodies"
    );
    assert_eq!(count(r#"input ~ "haystack""#), 0);
}
