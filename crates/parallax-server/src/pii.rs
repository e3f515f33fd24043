//! The PII guard (the seed: "Never put PII or keys in either tags or metadata"), applied with the
//! project's policy to every record at ingest, whatever the transport, and to every review op.
//!
//! - `warn` (default): the record is stored as sent and flagged: `extra["pii"]` lists each
//!   finding (path and kind), which the console shows.
//! - `redact`: each finding is replaced by a marker (`[redacted:email]`) before storing, and
//!   `extra["pii_redacted"]` says what was replaced.
//! - `reject`: the record goes to quarantine with one violation per finding.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use parallax_model::wire::galileo::{record_to_json, Decoded, Owner, Quarantined};
use parallax_model::{
    redact, redact_annotations, scan, scan_annotations, MetadataKey, MetadataValue, PiiHit,
    PiiPolicy, Tag, Violation,
};
use parallax_store::AnnotationOp;
use serde_json::{json, Value};
use uuid::Uuid;

pub async fn policy(state: &AppState, project_id: Uuid) -> ApiResult<PiiPolicy> {
    let raw = state.store(move |s| s.pii_policy(project_id)).await?;
    Ok(PiiPolicy::parse(&raw).unwrap_or_default())
}

fn hits_json(hits: &[PiiHit]) -> Value {
    Value::Array(hits.iter().map(|h| json!({"path": h.path, "kind": h.kind.as_str(), "in_key": h.in_key, "message": h.message()})).collect())
}

/// Applies `policy` to every decoded record. Paths are relative to the record (`tags[2]`,
/// `user_metadata.email`).
pub fn guard_records(policy: PiiPolicy, decoded: &mut Decoded) {
    let mut kept = Vec::with_capacity(decoded.records.len());
    for mut r in std::mem::take(&mut decoded.records) {
        let hits = scan_annotations("", &r.tags, &r.metadata, "user_metadata");
        if hits.is_empty() {
            kept.push(r);
            continue;
        }
        let relative = |hits: &[PiiHit]| -> Vec<PiiHit> {
            hits.iter()
                .map(|h| PiiHit {
                    path: h.path.trim_start_matches('.').to_owned(),
                    ..h.clone()
                })
                .collect()
        };
        match policy {
            PiiPolicy::Warn => {
                r.extra.insert("pii".into(), hits_json(&relative(&hits)));
                kept.push(r);
            }
            PiiPolicy::Redact => {
                let redacted =
                    redact_annotations("", &mut r.tags, &mut r.metadata, "user_metadata");
                r.extra
                    .insert("pii_redacted".into(), hits_json(&relative(&redacted)));
                kept.push(r);
            }
            PiiPolicy::Reject => {
                let raw = record_to_json(
                    &r,
                    Owner {
                        project_id: Uuid::nil(),
                        log_stream_id: Uuid::nil(),
                    },
                );
                decoded.quarantined.push(Quarantined {
                    id: r.id,
                    record_type: r.record_type,
                    trace_id: r.trace_id,
                    parent_id: r.parent_id,
                    session_id: r.session_id,
                    path: format!("record {}", r.id),
                    raw,
                    violations: relative(&hits)
                        .iter()
                        .map(|h| {
                            Violation::new(
                                &h.path,
                                format!("{}; the project's PII policy rejects it", h.message()),
                            )
                        })
                        .collect(),
                });
            }
        }
    }
    decoded.records = kept;
}

/// Applies `policy` to review ops: rejects, redacts, or returns warnings (path per op).
pub fn guard_ops(
    policy: PiiPolicy,
    ops: Vec<AnnotationOp>,
) -> ApiResult<(Vec<AnnotationOp>, Vec<Value>)> {
    let mut out = Vec::with_capacity(ops.len());
    let mut warnings = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        let mut texts = vec![("key", op.key().to_owned())];
        if let Some(v) = op.value() {
            texts.push(("value", v.to_owned()));
        }
        let mut op = op;
        for (field, text) in texts {
            let findings = scan(&text);
            let Some(first) = findings.first() else {
                continue;
            };
            let path = format!("ops[{i}].{field}");
            match policy {
                PiiPolicy::Reject => {
                    return Err(ApiError::Unprocessable(format!("{path}: contains {}; the project's PII policy rejects it", first.kind.describe())))
                }
                PiiPolicy::Warn => warnings.push(json!({"path": path, "kind": first.kind.as_str(), "message": format!("contains {}", first.kind.describe())})),
                PiiPolicy::Redact => {
                    let clean = redact(&text, &findings);
                    op = redact_op(op, field, &clean)?;
                    warnings.push(json!({"path": path, "kind": first.kind.as_str(), "message": format!("{} was redacted", first.kind.describe())}));
                }
            }
        }
        out.push(op);
    }
    Ok((out, warnings))
}

fn redact_op(op: AnnotationOp, field: &str, clean: &str) -> ApiResult<AnnotationOp> {
    let bad = |e: String| ApiError::Unprocessable(format!("redacted {field}: {e}"));
    let tag = || Tag::parse(clean).map_err(|e| bad(e.to_string()));
    let key = || MetadataKey::parse(clean).map_err(|e| bad(e.to_string()));
    Ok(match (op, field) {
        (AnnotationOp::AddTag(_), _) => AnnotationOp::AddTag(tag()?),
        (AnnotationOp::RemoveTag(_), _) => AnnotationOp::RemoveTag(tag()?),
        (AnnotationOp::SetMetadata(_, v), "key") => AnnotationOp::SetMetadata(key()?, v),
        (AnnotationOp::SetMetadata(k, _), _) => AnnotationOp::SetMetadata(
            k,
            MetadataValue::parse(clean).map_err(|e| bad(e.to_string()))?,
        ),
        (AnnotationOp::UnsetMetadata(_), _) => AnnotationOp::UnsetMetadata(key()?),
    })
}
