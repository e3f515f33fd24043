//! The core of ingestion shared by every transport (Galileo JSON, OTLP, import): store decoded
//! records and quarantined ones for a log stream, and describe the outcome.

use crate::error::ApiResult;
use crate::state::AppState;
use parallax_model::wire::galileo::Decoded;
use parallax_store::{IngestBatch, IngestSummary, Source};
use serde_json::{json, Value};
use uuid::Uuid;

/// Stores a decoded request and returns the summary plus the reply's `quarantined` list.
pub async fn store_decoded(
    state: &AppState,
    project_id: Uuid,
    log_stream_id: Uuid,
    mut decoded: Decoded,
    source: Source,
) -> ApiResult<(IngestSummary, Value)> {
    let policy = crate::pii::policy(state, project_id).await?;
    crate::pii::guard_records(policy, &mut decoded);
    let quarantined = json!(decoded
        .quarantined
        .iter()
        .map(|q| json!({
            "id": q.id.to_string(),
            "type": q.record_type.as_str(),
            "path": q.path,
            "violations": q.violations,
        }))
        .collect::<Vec<_>>());
    for q in &decoded.quarantined {
        tracing::info!(record = %q.id, path = %q.path, violations = q.violations.len(), "record quarantined");
    }
    let batch = IngestBatch {
        project_id,
        log_stream_id,
        records: decoded.records,
        quarantined: decoded.quarantined,
        source,
    };
    let summary = state.store(move |s| s.ingest(batch)).await?;
    Ok((summary, quarantined))
}
