//! The bodies Parallax answers an OTLP/HTTP export with, in the request's own encoding.
//!
//! Success is an `ExportTraceServiceResponse` (otel-conventions.md §1.2): JSON `{}` or zero
//! protobuf bytes when everything was taken, and a `partialSuccess` otherwise. A failure (4xx) is
//! a `google.rpc.Status` with the message for developers and, for a 400 that names a field, a
//! `google.rpc.BadRequest` in `details`. The JSON form follows the proto3 JSON mapping: int64 as a
//! decimal string, `Any` with an `@type` key.

use crate::proto::{
    BadRequest, ExportTracePartialSuccess, ExportTraceServiceResponse, FieldViolation, ProtoAny,
    RpcStatus,
};
use prost::Message;
use serde_json::{json, Map, Value};

const BAD_REQUEST_TYPE: &str = "type.googleapis.com/google.rpc.BadRequest";

/// Encodes the reply to a successful export. `partial` is `(rejected_spans, error_message)`;
/// `None`, or `Some((0, ""))`, is a full success. `json` picks OTLP/JSON over protobuf.
pub fn encode_response(partial: Option<(i64, String)>, json: bool) -> Vec<u8> {
    let partial = partial.filter(|(n, m)| *n != 0 || !m.is_empty());
    if json {
        let body = match partial {
            None => json!({}),
            Some((rejected, message)) => json!({
                "partialSuccess": {"rejectedSpans": rejected.to_string(), "errorMessage": message}
            }),
        };
        return body.to_string().into_bytes();
    }
    ExportTraceServiceResponse {
        partial_success: partial.map(
            |(rejected_spans, error_message)| ExportTracePartialSuccess {
                rejected_spans,
                error_message,
            },
        ),
    }
    .encode_to_vec()
}

/// Encodes a `google.rpc.Status` error body. `code` is the gRPC code (3 = INVALID_ARGUMENT for a
/// 400; 0 leaves it out, which the OTLP spec allows). Each `(field, description)` pair becomes a
/// `BadRequest` field violation.
pub fn encode_status(
    code: i32,
    message: &str,
    violations: &[(String, String)],
    json: bool,
) -> Vec<u8> {
    if json {
        let mut o = Map::new();
        if code != 0 {
            o.insert("code".into(), code.into());
        }
        o.insert("message".into(), message.into());
        if !violations.is_empty() {
            let list: Vec<Value> = violations
                .iter()
                .map(|(f, d)| json!({"field": f, "description": d}))
                .collect();
            o.insert(
                "details".into(),
                json!([{"@type": BAD_REQUEST_TYPE, "fieldViolations": list}]),
            );
        }
        return Value::Object(o).to_string().into_bytes();
    }
    let details = if violations.is_empty() {
        Vec::new()
    } else {
        let bad = BadRequest {
            field_violations: violations
                .iter()
                .map(|(field, description)| FieldViolation {
                    field: field.clone(),
                    description: description.clone(),
                })
                .collect(),
        };
        vec![ProtoAny {
            type_url: BAD_REQUEST_TYPE.to_owned(),
            value: bad.encode_to_vec(),
        }]
    };
    RpcStatus {
        code,
        message: message.to_owned(),
        details,
    }
    .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_success_is_empty() {
        assert_eq!(encode_response(None, true), b"{}");
        assert!(encode_response(None, false).is_empty());
        assert!(encode_response(Some((0, String::new())), false).is_empty());
    }

    #[test]
    fn partial_success_in_both_encodings() {
        let j = encode_response(Some((2, "two spans had no id".into())), true);
        assert_eq!(
            String::from_utf8(j).unwrap(),
            r#"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"two spans had no id"}}"#
        );
        let p = encode_response(Some((2, "x".into())), false);
        let back = ExportTraceServiceResponse::decode(p.as_slice()).unwrap();
        assert_eq!(back.partial_success.unwrap().rejected_spans, 2);
    }

    #[test]
    fn status_carries_bad_request_details() {
        let v = vec![("resourceSpans[0]".to_owned(), "bad".to_owned())];
        let j: Value = serde_json::from_slice(&encode_status(3, "bad request", &v, true)).unwrap();
        assert_eq!(j["code"], 3);
        assert_eq!(j["details"][0]["@type"], BAD_REQUEST_TYPE);
        assert_eq!(
            j["details"][0]["fieldViolations"][0]["field"],
            "resourceSpans[0]"
        );
        let p = RpcStatus::decode(encode_status(3, "bad request", &v, false).as_slice()).unwrap();
        assert_eq!(p.message, "bad request");
        let bad = BadRequest::decode(p.details[0].value.as_slice()).unwrap();
        assert_eq!(bad.field_violations[0].description, "bad");
        let plain: Value = serde_json::from_slice(&encode_status(0, "too big", &[], true)).unwrap();
        assert_eq!(plain, json!({"message": "too big"}));
    }
}
