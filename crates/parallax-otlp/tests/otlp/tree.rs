//! Ids, the trace tree, status, events and rejection: what holds for every convention.

use crate::openinference::{hex16, hex8};
use crate::support::*;
use parallax_model::RecordType;
use parallax_otlp::{span_uuid, trace_uuid};
use serde_json::json;

#[test]
fn children_name_parents_that_have_not_arrived() {
    let c = run(&request(
        json!({}),
        "s",
        vec![
            span("grandchild", GRANDCHILD, Some(CHILD), json!({})),
            span("child", CHILD, Some(ROOT), json!({})),
        ],
    ));
    assert_eq!(c.records.len(), 2, "no trace record without the root span");
    let g = by_span(&c, GRANDCHILD);
    let ch = by_span(&c, CHILD);
    assert_eq!(g.parent_id, Some(ch.id));
    assert_eq!(ch.parent_id, Some(span_uuid(hex16(TRACE), hex8(ROOT))));
    assert_eq!(g.trace_id, trace_uuid(hex16(TRACE)));
    // A later batch with the root completes the tree with the same ids.
    let later = run(&request(
        json!({}),
        "s",
        vec![span("root", ROOT, None, json!({}))],
    ));
    assert_eq!(by_span(&later, ROOT).id, ch.parent_id.unwrap());
    assert_eq!(by_span(&later, ROOT).parent_id, Some(g.trace_id));
}

#[test]
fn resending_gives_the_same_records() {
    let req = request(
        json!({}),
        "s",
        vec![span("root", ROOT, None, json!({"tag.tags": ["a"]}))],
    );
    assert_eq!(run(&req).records, run(&req).records);
}

#[test]
fn invalid_ids_are_rejected_per_span() {
    let mut zero = span("zero", ROOT, None, json!({}));
    zero["traceId"] = json!("00000000000000000000000000000000");
    let mut missing = span("missing", CHILD, None, json!({}));
    missing["spanId"] = json!("");
    let c = run(&request(
        json!({}),
        "s",
        vec![zero, missing, span("ok", GRANDCHILD, None, json!({}))],
    ));
    let reasons: Vec<_> = c
        .rejected
        .iter()
        .map(|r| format!("{}: {}", r.path, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "resourceSpans[0].scopeSpans[0].spans[0]: traceId is all zeros, which OTLP defines as invalid",
            "resourceSpans[0].scopeSpans[0].spans[1]: spanId is missing",
        ]
    );
    assert_eq!(c.records.len(), 2);
    let (n, message) = c.partial_success().unwrap();
    assert_eq!(n, 2);
    assert!(message.starts_with(
        "2 spans rejected: resourceSpans[0].scopeSpans[0].spans[0]: traceId is all zeros"
    ));
}

#[test]
fn status_events_links_and_dropped_counts_are_reported() {
    let mut s = span(
        "failing",
        ROOT,
        None,
        json!({"error.type": "TimeoutError", "custom.flag": true}),
    );
    s["status"] = json!({"code": 2, "message": "boom"});
    s["events"] = json!([{"timeUnixNano": "1767225600500000000", "name": "exception", "attributes": kvs(json!({"exception.type": "TimeoutError", "exception.message": "took too long"}).as_object().unwrap())}]);
    s["links"] = json!([{"traceId": TRACE, "spanId": CHILD, "attributes": []}]);
    s["droppedAttributesCount"] = json!(3);
    let c = run(&request(json!({}), "s", vec![s]));
    let r = by_span(&c, ROOT);
    assert_eq!(r.status_code, Some(500));
    assert_eq!(trace_record(&c).status_code, Some(500));
    let otel = &r.extra["otel"];
    assert_eq!(
        otel["status"],
        json!({"code": "STATUS_CODE_ERROR", "message": "boom", "exception": {"type": "TimeoutError", "message": "took too long"}, "error_type": "TimeoutError"})
    );
    assert_eq!(otel["events"][0]["name"], "exception");
    assert_eq!(otel["events"][0]["time"], "2026-01-01T00:00:00.500000Z");
    assert_eq!(otel["links"][0]["span_id"], CHILD);
    assert_eq!(
        otel["dropped"],
        json!({"attributes": 3, "events": 0, "links": 0})
    );
    assert_eq!(otel["attributes"], json!({"custom.flag": true}));
}

#[test]
fn status_ok_and_unset_are_200_and_defaults_pick_types() {
    let mut ok = span("ok", ROOT, None, json!({}));
    ok["status"] = json!({"code": 1});
    let c = run(&request(
        json!({}),
        "s",
        vec![
            ok,
            span(
                "model only",
                CHILD,
                Some(ROOT),
                json!({"gen_ai.request.model": "m"}),
            ),
            span("plain", GRANDCHILD, Some(ROOT), json!({})),
        ],
    ));
    assert_eq!(by_span(&c, ROOT).status_code, Some(200));
    assert_eq!(by_span(&c, ROOT).record_type, RecordType::Workflow);
    assert_eq!(by_span(&c, CHILD).record_type, RecordType::Llm);
    assert_eq!(by_span(&c, CHILD).status_code, Some(200));
    assert_eq!(by_span(&c, GRANDCHILD).record_type, RecordType::Workflow);
}

#[test]
fn a_tags_attribute_as_list_or_json_array_text() {
    let c = run(&request(
        json!({}),
        "s",
        vec![
            span("list", ROOT, None, json!({"tags": ["x", "y"]})),
            span("text", CHILD, Some(ROOT), json!({"tags": "[\"p\", \"q\"]"})),
            span("one", GRANDCHILD, Some(ROOT), json!({"tags": "a,b"})),
        ],
    ));
    assert_eq!(tags(by_span(&c, ROOT)), ["x", "y"]);
    assert_eq!(tags(by_span(&c, CHILD)), ["p", "q"]);
    assert_eq!(
        tags(by_span(&c, GRANDCHILD)),
        ["a,b"],
        "commas are not split on"
    );
}

#[test]
fn non_string_tags_are_quarantined_not_coerced() {
    let c = run(&request(
        json!({}),
        "s",
        vec![span("root", ROOT, None, json!({"tag.tags": [1, 2]}))],
    ));
    assert_eq!(
        c.quarantined[0].violations[0].to_string(),
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[\"tag.tags\"][0]: tag must be a string, found a number"
    );
}
