//! Admitting a quarantined record, shared by the API (`POST …/quarantine/{id}/admit`) and the
//! console's quarantine page (PRODUCT.md: "a quarantined record can be fixed and admitted").
//!
//! The fixed record (or, without one, the record as kept, re-judged by today's rules) is decoded
//! in the place of its tree it came from (the entry's trace, parent and session), the project's
//! PII policy applies, and the store writes it and removes the entry in one step. A record that
//! still breaks a rule is refused with every violation and stays in quarantine.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use parallax_model::wire::galileo::{decode_step, Decoded, Placement};
use parallax_store::{IngestBatch, IngestSummary, QuarantineEntry, Source};
use serde_json::Value;
use uuid::Uuid;

/// What an admission did: the store's summary and the entry that was admitted.
pub struct Admitted {
    pub summary: IngestSummary,
    pub entry: QuarantineEntry,
}

/// Admits quarantine entry `entry_id` of `project_id`, with `fixed` in place of the record as
/// kept when given. 404 when there is no such entry; 422 ("the record still breaks a rule:
/// <path>: <sentence>; …") when the record does not pass.
pub async fn admit(
    state: &AppState,
    project_id: Uuid,
    entry_id: Uuid,
    fixed: Option<Value>,
    source: Source,
) -> ApiResult<Admitted> {
    let entry = state
        .store(move |s| s.quarantine_entry(project_id, entry_id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("quarantined record {entry_id} not found")))?;
    let record = fixed.unwrap_or_else(|| entry.raw.clone());
    if !record.is_object() {
        return Err(ApiError::Unprocessable(
            "record: expected the fixed record as an object".into(),
        ));
    }
    let mut decoded = Decoded::default();
    let at = Placement {
        trace_id: entry.trace_id,
        parent_id: entry.parent_id,
        session_id: entry.session_id,
    };
    decode_step(record, "record", at, &state.limits, &mut decoded)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let policy = crate::pii::policy(state, project_id).await?;
    crate::pii::guard_records(policy, &mut decoded);
    if let Some(q) = decoded.quarantined.first() {
        let list: Vec<String> = q.violations.iter().map(ToString::to_string).collect();
        return Err(ApiError::Unprocessable(format!(
            "the record still breaks a rule: {}",
            list.join("; ")
        )));
    }
    let batch = IngestBatch {
        project_id,
        log_stream_id: entry.log_stream_id,
        records: decoded.records,
        quarantined: Vec::new(),
        source,
    };
    let summary = state
        .store(move |s| s.admit(project_id, entry_id, batch))
        .await?;
    Ok(Admitted { summary, entry })
}
