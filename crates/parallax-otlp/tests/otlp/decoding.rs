//! Decoding bodies: OTLP/JSON and its quirks (otel-conventions.md §1.4), protobuf (including a
//! body captured from the real Python exporter), compression, the size cap and every error.

use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use flate2::Compression;
use parallax_model::Limits;
use parallax_otlp::proto::{AnyValue, KeyValue, ResourceSpans, ScopeSpans, Span, Value as Any};
use parallax_otlp::{convert, decode, DecodeError, ExportTraceServiceRequest};
use prost::Message;
use serde_json::{json, Value};
use std::io::Write;

const MB: usize = 1 << 20;

fn json_body(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn decode_json(v: &Value) -> Result<ExportTraceServiceRequest, DecodeError> {
    decode(&json_body(v), "application/json", None, MB)
}

fn err(v: &Value) -> String {
    decode_json(v).unwrap_err().to_string()
}

fn one_span(span: Value) -> Value {
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})
}

fn attr(span: &Span, key: &str) -> Option<Any> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone())
        .and_then(|v| v.value)
}

#[test]
fn fixture_with_every_json_quirk() {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quirks.json"
    ))
    .unwrap();
    let req = decode(&body, "application/json; charset=utf-8", None, MB).unwrap();
    let spans = &req.resource_spans[0].scope_spans[0].spans;
    let s = &spans[0];
    assert_eq!(
        hex::encode(&s.trace_id),
        "5b8efff798038103d269b633813fc60c",
        "upper-case hex is read"
    );
    assert_eq!(
        s.start_time_unix_nano, 1767225600000000000,
        "int64 as a string"
    );
    assert_eq!(
        s.end_time_unix_nano, 1767225601000000000,
        "int64 as a number"
    );
    assert_eq!(s.kind, 3, "enum by name");
    assert_eq!(s.status.as_ref().unwrap().code, 2, "enum by name");
    assert_eq!(attr(s, "i.string"), Some(Any::IntValue(7)));
    assert_eq!(attr(s, "i.number"), Some(Any::IntValue(8)));
    assert!(matches!(attr(s, "d.nan"), Some(Any::DoubleValue(d)) if d.is_nan()));
    assert_eq!(attr(s, "d.inf"), Some(Any::DoubleValue(f64::INFINITY)));
    assert_eq!(
        attr(s, "d.neginf"),
        Some(Any::DoubleValue(f64::NEG_INFINITY))
    );
    assert_eq!(attr(s, "b.bytes"), Some(Any::BytesValue(b"hi".to_vec())));
    assert_eq!(attr(s, "empty"), None, "an empty AnyValue is not an error");
    assert!(matches!(attr(s, "kv"), Some(Any::KvlistValue(l)) if l.values.len() == 2));
    assert!(s.parent_span_id.is_empty());
    let snake = &spans[1];
    assert_eq!(snake.kind, 2, "enum by number, snake_case field names");
    assert_eq!(snake.start_time_unix_nano, 1767225600000000000);
    assert_eq!(hex::encode(&snake.parent_span_id), "eee19b7ec3c1b174");
    // And it converts: the NaN survives as text in the report.
    let c = convert(&req, &Limits::default());
    let span = c
        .records
        .iter()
        .find(|r| r.name == "quirks" && !r.record_type.is_trace())
        .unwrap();
    assert_eq!(span.extra["otel"]["attributes"]["d.nan"], "NaN");
    assert_eq!(span.extra["otel"]["kind"], "SPAN_KIND_CLIENT");
}

#[test]
fn errors_name_the_field() {
    let bad_trace = one_span(json!({"traceId": "abc", "spanId": "eee19b7ec3c1b174"}));
    assert_eq!(
        err(&bad_trace),
        "resourceSpans[0].scopeSpans[0].spans[0].traceId: \"abc\" is not 32 hex characters"
    );
    let base64_id =
        one_span(json!({"traceId": "W47/95gDgQPSabYzgT/GDA==", "spanId": "eee19b7ec3c1b174"}));
    assert_eq!(
        err(&base64_id),
        "resourceSpans[0].scopeSpans[0].spans[0].traceId: \"W47/95gDgQPSabYzgT/GDA==\" is not 32 hex characters (it looks like base64; OTLP/JSON ids are hex)"
    );
    let plain_attrs = one_span(
        json!({"traceId": "5b8efff798038103d269b633813fc60c", "attributes": {"tag.tags": ["a"]}}),
    );
    assert!(err(&plain_attrs).starts_with(
        "resourceSpans[0].scopeSpans[0].spans[0].attributes: attributes must be an array of"
    ));
    let bad_value = one_span(json!({"attributes": [{"key": "k", "value": "v"}]}));
    assert_eq!(
        err(&bad_value),
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: expected an AnyValue object such as {\"stringValue\": …}, found a string"
    );
    let bad_int = one_span(json!({"attributes": [{"key": "k", "value": {"intValue": "1.5x"}}]}));
    assert_eq!(err(&bad_int), "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: \"1.5x\" is not a 64-bit integer");
    let bad_kind = one_span(json!({"kind": "SPAN_KIND_SIDEWAYS"}));
    assert!(err(&bad_kind).starts_with(
        "resourceSpans[0].scopeSpans[0].spans[0].kind: \"SPAN_KIND_SIDEWAYS\" is not one of"
    ));
    let bad_time = one_span(json!({"startTimeUnixNano": "yesterday"}));
    assert_eq!(err(&bad_time), "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: \"yesterday\" is not an unsigned 64-bit integer");
    assert_eq!(
        err(&json!({"resourceSpans": {}})),
        "resourceSpans: expected an array, found an object"
    );
    assert_eq!(err(&json!([1])), "expected an object, found an array");
    assert!(
        err(&json!({"resourceLogs": []})).starts_with("resourceLogs: this is an OTLP logs request")
    );
    let e = decode(b"{not json", "application/json", None, MB).unwrap_err();
    assert!(e.to_string().starts_with("body is not JSON: "), "{e}");
    assert_eq!(e.field_violation(), None);
    assert_eq!(
        decode_json(&bad_trace).unwrap_err().field_violation(),
        Some((
            "resourceSpans[0].scopeSpans[0].spans[0].traceId".into(),
            "\"abc\" is not 32 hex characters".into()
        ))
    );
}

#[test]
fn empty_requests_decode_to_nothing() {
    assert!(decode_json(&json!({})).unwrap().resource_spans.is_empty());
    assert!(decode(b"", "application/x-protobuf", None, MB)
        .unwrap()
        .resource_spans
        .is_empty());
    let c = convert(
        &decode_json(&json!({"resourceSpans": [{}]})).unwrap(),
        &Limits::default(),
    );
    assert!(c.records.is_empty() && c.partial_success().is_none());
}

#[test]
fn media_types_and_encodings() {
    let body = json_body(&json!({}));
    for ct in [
        "application/json",
        "Application/JSON; charset=utf-8",
        " application/json ;x=y",
    ] {
        assert!(decode(&body, ct, None, MB).is_ok(), "{ct}");
    }
    for ct in ["text/plain", "", "application/grpc", "application/jsonx"] {
        assert!(
            matches!(
                decode(&body, ct, None, MB),
                Err(DecodeError::UnsupportedMediaType { .. })
            ),
            "{ct}"
        );
    }
    assert!(matches!(
        decode(&body, "application/json", Some("br"), MB),
        Err(DecodeError::UnsupportedEncoding { encoding }) if encoding == "br"
    ));
    assert!(decode(&body, "application/json", Some("identity"), MB).is_ok());
}

fn sample() -> ExportTraceServiceRequest {
    let kv = |k: &str, v: Any| KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(v) }),
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![7; 16],
                    span_id: vec![9; 8],
                    name: "proto".into(),
                    start_time_unix_nano: 1,
                    end_time_unix_nano: 5,
                    attributes: vec![
                        kv("tag.tags", Any::StringValue("[\"p\"]".into())),
                        kv("n", Any::DoubleValue(0.5)),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn protobuf_round_trip_and_compression() {
    let req = sample();
    let plain = req.encode_to_vec();
    assert_eq!(
        decode(&plain, "application/x-protobuf", None, MB).unwrap(),
        req
    );
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    assert_eq!(
        decode(&gz, "application/x-protobuf", Some("gzip"), MB).unwrap(),
        req
    );
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
    zlib.write_all(&plain).unwrap();
    assert_eq!(
        decode(
            &zlib.finish().unwrap(),
            "application/protobuf",
            Some("deflate"),
            MB
        )
        .unwrap(),
        req
    );
    let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
    raw.write_all(&plain).unwrap();
    assert_eq!(
        decode(
            &raw.finish().unwrap(),
            "application/x-protobuf",
            Some("Deflate"),
            MB
        )
        .unwrap(),
        req
    );
    let c = convert(&req, &Limits::default());
    assert_eq!(c.records[0].tags[0].as_str(), "p");
    assert_eq!(c.records[1].duration_ns, Some(4));
}

#[test]
fn size_cap_applies_after_decompression() {
    let big = vec![b' '; 4096];
    let mut body = br#"{"resourceSpans": []}"#.to_vec();
    body.extend_from_slice(&big);
    assert!(decode(&body, "application/json", None, 8192).is_ok());
    assert_eq!(
        decode(&body, "application/json", None, 1000),
        Err(DecodeError::TooLarge { limit: 1000 })
    );
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&vec![0u8; 10 * MB]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 20_000);
    assert_eq!(
        decode(&bomb, "application/x-protobuf", Some("gzip"), MB),
        Err(DecodeError::TooLarge { limit: MB })
    );
    let e = decode(b"not gzip at all", "application/json", Some("gzip"), MB).unwrap_err();
    assert!(matches!(e, DecodeError::Decompress { .. }), "{e}");
}

#[test]
fn protobuf_errors_and_logs_on_the_traces_path() {
    let e = decode(&[0x0a, 0xff, 0x01], "application/x-protobuf", None, MB).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("body is not a protobuf ExportTraceServiceRequest: "),
        "{e}"
    );
    // An OTLP logs request: ResourceLogs{ScopeLogs{LogRecord{time_unix_nano (fixed64) = 1,
    // severity_number = 9, body = "hello"}}}. Its field numbers overlap the trace messages, but
    // the wire types differ, so it fails to decode instead of yielding spans without ids.
    let log_record = [
        0x09, 1, 0, 0, 0, 0, 0, 0, 0, // field 1, fixed64
        0x10, 9, // field 2, varint
        0x2a, 7, 0x0a, 5, b'h', b'e', b'l', b'l', b'o', // field 5, AnyValue{string_value}
    ];
    let scope_logs = [&[0x12, log_record.len() as u8][..], &log_record].concat();
    let resource_logs = [&[0x12, scope_logs.len() as u8][..], &scope_logs].concat();
    let request = [&[0x0a, resource_logs.len() as u8][..], &resource_logs].concat();
    assert!(decode(&request, "application/x-protobuf", None, MB).is_err());
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Checks a body captured from `tests/otel/send_spans.py` against the JSON report the script
/// printed when it sent it: every trace is there with the expected tags and metadata.
fn check_python_capture(body: &str, encoding: Option<&str>, sent: &str) {
    let req = decode(&fixture(body), "application/x-protobuf", encoding, 64 * MB).unwrap();
    let sent: Value = serde_json::from_slice(&fixture(sent)).unwrap();
    let c = convert(&req, &Limits::default());
    assert!(c.rejected.is_empty(), "{:?}", c.rejected);
    for t in sent["traces"].as_array().unwrap() {
        let id = uuid::Uuid::parse_str(t["trace_uuid"].as_str().unwrap()).unwrap();
        let spans = c
            .records
            .iter()
            .filter(|r| r.trace_id == id && !r.record_type.is_trace())
            .count()
            + c.quarantined
                .iter()
                .filter(|q| q.trace_id == id && !q.record_type.is_trace())
                .count();
        assert_eq!(
            spans as u64,
            t["spans"].as_u64().unwrap(),
            "{}",
            t["convention"]
        );
        if t["expect"]["quarantined"] == true {
            let q = c
                .quarantined
                .iter()
                .find(|q| q.id == id)
                .expect("quarantined trace");
            let violation = q.violations[0].to_string();
            assert!(
                violation.ends_with(t["expect"]["violation"].as_str().unwrap()),
                "{violation}"
            );
            continue;
        }
        let trace = c
            .records
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("trace {}", t["convention"]));
        assert_eq!(trace.name, t["name"].as_str().unwrap());
        let tags: Vec<Value> = trace.tags.iter().map(|t| t.as_str().into()).collect();
        assert_eq!(
            Value::Array(tags),
            t["expect"]["tags"],
            "{}",
            t["convention"]
        );
        assert_eq!(
            trace.metadata.to_json(),
            t["expect"]["metadata"],
            "{}",
            t["convention"]
        );
    }
}

#[test]
fn bodies_captured_from_the_python_exporter() {
    check_python_capture("python_exporter.pb", None, "python_exporter.sent.json");
    check_python_capture(
        "python_exporter_gzip.pb",
        Some("gzip"),
        "python_exporter_gzip.sent.json",
    );
}
