//! Reading records back: row → domain [`Record`], and the record reads of [`RecordStore`].

use crate::control::uuid_of;
use crate::SqliteStore;
use parallax_model::{
    Metadata, MetadataKey, MetadataValue, Record, RecordType, Tag, Timestamp, Tokens, Violation,
};
use parallax_store::*;
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;
use uuid::Uuid;

/// The columns [`record_row`] reads, in order, for a query over `records r`.
pub const RECORD_COLS: &str = "r.uuid, r.kind, r.trace_uuid, r.parent_uuid, r.session_uuid, r.created_at, \
    r.duration_ns, r.status_code, r.model, r.input_tokens, r.output_tokens, r.total_tokens, r.name, \
    r.external_id, r.is_complete, r.tags, r.metadata, r.body, s.uuid, p.uuid";

/// The joins that give [`RECORD_COLS`] its stream and project ids.
pub const RECORD_FROM: &str =
    "records r JOIN log_streams s ON s.id = r.stream_id JOIN projects p ON p.id = s.project_id";

pub fn record_row(r: &Row) -> rusqlite::Result<StoredRecord> {
    record_row_at(r, 0)
}

/// Reads [`RECORD_COLS`] starting at column `at`, for queries that select other columns first.
pub fn record_row_at(r: &Row, at: usize) -> rusqlite::Result<StoredRecord> {
    let body: Value = crate::body::decode(r.get_ref(at + 17)?)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let mut record = Record::new(
        uuid_of(r.get(at)?),
        RecordType::from_code(r.get(at + 1)?),
        uuid_of(r.get(at + 2)?),
        Timestamp(r.get(at + 5)?),
    );
    record.parent_id = r.get::<_, Option<Vec<u8>>>(at + 3)?.map(uuid_of);
    record.session_id = r.get::<_, Option<Vec<u8>>>(at + 4)?.map(uuid_of);
    record.duration_ns = r.get(at + 6)?;
    record.status_code = r.get(at + 7)?;
    record.model = r.get(at + 8)?;
    record.tokens = Tokens {
        input: r.get(at + 9)?,
        output: r.get(at + 10)?,
        total: r.get(at + 11)?,
    };
    record.name = r.get(at + 12)?;
    record.external_id = r.get(at + 13)?;
    record.is_complete = r.get::<_, i64>(at + 14)? != 0;
    record.tags = tags_from_json(&r.get::<_, String>(at + 15)?);
    record.metadata = metadata_from_json(&r.get::<_, String>(at + 16)?);
    if let Value::Object(mut body) = body {
        record.input = body.remove("i").unwrap_or(Value::Null);
        record.output = body.remove("o").unwrap_or(Value::Null);
        if let Some(Value::Object(extra)) = body.remove("x") {
            record.extra = extra;
        }
    }
    Ok(StoredRecord {
        log_stream_id: uuid_of(r.get(at + 18)?),
        project_id: uuid_of(r.get(at + 19)?),
        record,
    })
}

/// Stored tags were validated on the way in; anything that no longer parses is skipped rather
/// than failing the read.
pub fn tags_from_json(text: &str) -> Vec<Tag> {
    serde_json::from_str::<Vec<String>>(text)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| Tag::parse(t).ok())
        .collect()
}

pub fn metadata_from_json(text: &str) -> Metadata {
    let mut m = Metadata::new();
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        for (k, v) in map {
            if let (Ok(k), Some(Ok(v))) =
                (MetadataKey::parse(&k), v.as_str().map(MetadataValue::parse))
            {
                m.insert(k, v);
            }
        }
    }
    m
}

const QUARANTINE_COLS: &str = "q.uuid, q.record_uuid, s.uuid, q.record_type, q.path, q.raw, q.violations, q.received_at, \
     q.trace_uuid, q.parent_uuid, q.session_uuid \
     FROM quarantine q JOIN log_streams s ON s.id = q.stream_id JOIN projects p ON p.id = s.project_id";

fn quarantine_row(r: &Row) -> rusqlite::Result<QuarantineEntry> {
    let opt = |i: usize| -> rusqlite::Result<Option<Uuid>> {
        Ok(r.get::<_, Option<Vec<u8>>>(i)?.map(uuid_of))
    };
    Ok(QuarantineEntry {
        id: uuid_of(r.get(0)?),
        record_id: uuid_of(r.get(1)?),
        log_stream_id: uuid_of(r.get(2)?),
        trace_id: opt(8)?,
        parent_id: opt(9)?,
        session_id: opt(10)?,
        record_type: r.get(3)?,
        path: r.get(4)?,
        raw: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
        violations: serde_json::from_str::<Vec<Violation>>(&r.get::<_, String>(6)?)
            .unwrap_or_default(),
        received_at: Timestamp(r.get(7)?),
    })
}

pub fn tags_to_json(tags: &[Tag]) -> String {
    Value::Array(
        tags.iter()
            .map(|t| Value::String(t.as_str().to_owned()))
            .collect(),
    )
    .to_string()
}

impl RecordStore for SqliteStore {
    fn ingest(&self, batch: IngestBatch) -> StoreResult<IngestSummary> {
        let prepared = crate::ingest::PreparedBatch::new(batch);
        let summary = self.write(move |w| w.ingest(&prepared).map(|s| (s, prepared)))?;
        // The batch comes back so that its memory is freed here, not on the writer thread.
        Ok(summary.0)
    }

    fn patch_record(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        patch: RecordPatch,
    ) -> StoreResult<()> {
        self.write(move |w| w.patch(project_id, log_stream_id, patch))
    }

    fn record(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<StoredRecord>> {
        self.read(|c| {
            let Some(rowid) = self.ids.rowid(c, id)? else {
                return Ok(None);
            };
            let mut st = c.prepare_cached(&format!(
                "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE r.id = ?1 AND p.uuid = ?2"
            ))?;
            let mut rows = st.query_map(params![rowid, project_id.as_bytes()], record_row)?;
            rows.next().transpose()
        })
    }

    fn trace_records(&self, project_id: Uuid, trace_id: Uuid) -> StoreResult<Vec<StoredRecord>> {
        self.read(|c| {
            let rowids = self.ids.trace_rowids(c, trace_id)?;
            if rowids.is_empty() {
                return Ok(Vec::new());
            }
            // Rowids are integers the store produced, so they are safe to inline.
            let list = rowids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            c.prepare(&format!(
                "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE r.id IN ({list}) AND r.trace_uuid = ?1 \
                 AND p.uuid = ?2 ORDER BY r.kind <> 0, r.created_at, r.id"
            ))?
            .query_map(
                params![trace_id.as_bytes(), project_id.as_bytes()],
                record_row,
            )?
            .collect()
        })
    }

    fn quarantine(
        &self,
        project_id: Uuid,
        log_stream_id: Option<Uuid>,
        limit: usize,
    ) -> StoreResult<Vec<QuarantineEntry>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {QUARANTINE_COLS} WHERE p.uuid = ?1 AND (?2 IS NULL OR s.uuid = ?2) ORDER BY q.id DESC LIMIT ?3"
            ))?
            .query_map(
                params![project_id.as_bytes(), log_stream_id.map(|u| u.as_bytes().to_vec()), limit as i64],
                quarantine_row,
            )?
            .collect()
        })
    }

    fn quarantine_entry(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<QuarantineEntry>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {QUARANTINE_COLS} WHERE p.uuid = ?1 AND q.uuid = ?2"),
                params![project_id.as_bytes(), id.as_bytes()],
                quarantine_row,
            )
            .optional()
        })
    }

    fn admit(
        &self,
        project_id: Uuid,
        entry_id: Uuid,
        batch: IngestBatch,
    ) -> StoreResult<IngestSummary> {
        let prepared = crate::ingest::PreparedBatch::new(batch);
        self.write(move |w| {
            let removed = w
                .conn
                .execute(
                    "DELETE FROM quarantine WHERE uuid = ?1 AND stream_id IN \
                     (SELECT s.id FROM log_streams s JOIN projects p ON p.id = s.project_id WHERE p.uuid = ?2)",
                    params![entry_id.as_bytes(), project_id.as_bytes()],
                )
                .map_err(crate::internal)?;
            if removed == 0 {
                return Err(StoreError::NotFound(format!("quarantined record {entry_id}")));
            }
            w.ingest(&prepared)
        })
    }
}
