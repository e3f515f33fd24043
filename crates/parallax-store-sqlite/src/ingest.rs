//! Writing records on the writer thread: idempotent upsert by id, the tag and metadata index
//! rows, patches (including patches that arrive before their record), and quarantine.
//!
//! The fast path is a new record: one `INSERT OR IGNORE` and its index rows. Only when the id
//! already exists (a re-send, or a PATCH) is the old row read back, its index rows removed and
//! the new state written, so re-sends never duplicate anything.

use crate::control::stream_rowid;
use crate::index::RowKey;
use crate::internal;
use crate::read::{record_row_at, tags_to_json, RECORD_COLS, RECORD_FROM};
use crate::writer::Writer;
use parallax_model::{Metadata, Record, Tag, Timestamp};
use parallax_store::*;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};
use uuid::Uuid;

/// What the index rows of a record are keyed and measured by.
pub(crate) struct Indexed<'a> {
    stream_id: i64,
    root: bool,
    created_at: i64,
    duration_ns: Option<i64>,
    status_code: Option<i64>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    tags: &'a [Tag],
    metadata: &'a Metadata,
}

impl<'a> Indexed<'a> {
    pub(crate) fn of(stream_id: i64, r: &'a Record) -> Indexed<'a> {
        Indexed {
            stream_id,
            root: r.record_type.is_trace(),
            created_at: r.created_at.0,
            duration_ns: r.duration_ns,
            status_code: r.status_code,
            input_tokens: r.tokens.input,
            output_tokens: r.tokens.output,
            tags: &r.tags,
            metadata: &r.metadata,
        }
    }
}

impl Indexed<'_> {
    fn row_key(&self, record_id: i64) -> RowKey {
        RowKey {
            stream_id: self.stream_id,
            root: self.root,
            created_at: self.created_at,
            record_id,
            duration_ns: self.duration_ns,
            status_code: self.status_code,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
        }
    }
}

/// Takes the stored body out of a record: input, output and every other field as sent, as JSON
/// text, leaving those fields empty. Null-valued extras are left out (absent and null mean the
/// same on the wire), and so are the metrics kept in typed columns (`duration_ns`, token
/// counts), which reads put back; storage-notes.md and the benchmark found these repeated nulls
/// were a sixth of the bytes per span. The values are moved, not copied: the body is most of a
/// record's bytes.
pub fn take_body(r: &mut Record) -> String {
    const TYPED_METRICS: [&str; 4] = [
        "duration_ns",
        "num_input_tokens",
        "num_output_tokens",
        "num_total_tokens",
    ];
    let mut extra = std::mem::take(&mut r.extra);
    extra.retain(|k, v| match (k.as_str(), v) {
        (_, Value::Null) => false,
        ("metrics", Value::Object(m)) => {
            m.retain(|k, _| !TYPED_METRICS.contains(&k.as_str()));
            !m.is_empty()
        }
        _ => true,
    });
    let parts = [
        ("i", std::mem::take(&mut r.input)),
        ("o", std::mem::take(&mut r.output)),
        ("x", Value::Object(extra)),
    ];
    let mut out = Vec::with_capacity(1024);
    for (name, value) in &parts {
        let empty = match value {
            Value::Null => true,
            Value::Object(m) => *name == "x" && m.is_empty(),
            _ => false,
        };
        if empty {
            continue;
        }
        out.push(if out.is_empty() { b'{' } else { b',' });
        out.extend_from_slice(format!("\"{name}\":").as_bytes());
        serde_json::to_writer(&mut out, value).expect("JSON values serialise");
    }
    if out.is_empty() {
        out.push(b'{');
    }
    out.push(b'}');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// A record with its JSON columns already serialised. Serialising (and later freeing) the large
/// input and output values happens on the request's thread, not on the single writer thread,
/// which the benchmark found spent a tenth of its time on it.
pub struct Prepared {
    /// The record without its input, output and extra fields (they are in `body`).
    pub record: Record,
    pub tags: String,
    pub metadata: String,
    /// The body as stored: text or deflated JSON (see `body.rs`).
    pub body: rusqlite::types::Value,
}

impl Prepared {
    pub fn new(mut record: Record) -> Prepared {
        let body = crate::body::encode(take_body(&mut record));
        Prepared {
            tags: tags_to_json(&record.tags),
            metadata: record.metadata.to_json().to_string(),
            body,
            record,
        }
    }
}

/// A quarantined record ready for the writer.
pub struct PreparedQuarantine {
    pub id: Uuid,
    pub record_type: &'static str,
    pub path: String,
    pub raw: String,
    pub violations: String,
    /// Trace, parent and session ids, kept so the record can be admitted once fixed.
    pub placement: [Option<Uuid>; 3],
}

/// An ingest batch ready for the writer.
pub struct PreparedBatch {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub records: Vec<Prepared>,
    pub quarantined: Vec<PreparedQuarantine>,
}

impl PreparedBatch {
    pub fn new(batch: IngestBatch) -> PreparedBatch {
        PreparedBatch {
            project_id: batch.project_id,
            log_stream_id: batch.log_stream_id,
            records: batch.records.into_iter().map(Prepared::new).collect(),
            quarantined: batch
                .quarantined
                .into_iter()
                .map(|q| PreparedQuarantine {
                    violations: serde_json::to_string(&q.violations).unwrap_or_default(),
                    raw: q.raw.to_string(),
                    id: q.id,
                    record_type: q.record_type.as_str(),
                    path: q.path,
                    placement: [Some(q.trace_id), q.parent_id, q.session_id],
                })
                .collect(),
        }
    }
}

impl Writer {
    pub fn ingest(&mut self, batch: &PreparedBatch) -> StoreResult<IngestSummary> {
        let stream_id = stream_rowid(&self.conn, batch.project_id, batch.log_stream_id)?;
        let (mut new_traces, mut new_spans, mut existing) = (0i64, 0i64, 0usize);
        for prepared in &batch.records {
            let record = &prepared.record;
            match self.insert_new(stream_id, prepared)? {
                Ok(rowid) => {
                    if record.record_type.is_trace() {
                        new_traces += 1;
                    } else {
                        new_spans += 1;
                    }
                    if self.pending_patches {
                        self.apply_pending(rowid, record.id)?;
                    }
                }
                Err(rowid) => {
                    existing += 1;
                    self.replace_existing(batch.project_id, stream_id, rowid, prepared)?
                }
            }
        }
        for q in &batch.quarantined {
            self.conn
                .prepare_cached(
                    "INSERT INTO quarantine (uuid, stream_id, record_uuid, record_type, path, raw, violations, received_at, \
                     trace_uuid, parent_uuid, session_uuid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        Uuid::new_v4().as_bytes(),
                        stream_id,
                        q.id.as_bytes(),
                        q.record_type,
                        q.path,
                        q.raw,
                        q.violations,
                        Timestamp::now().0,
                        q.placement[0].map(|u| u.as_bytes().to_vec()),
                        q.placement[1].map(|u| u.as_bytes().to_vec()),
                        q.placement[2].map(|u| u.as_bytes().to_vec())
                    ])
                })
                .map_err(internal)?;
        }
        if new_traces + new_spans > 0 {
            self.conn
                .prepare_cached("UPDATE log_streams SET num_traces = num_traces + ?1, num_spans = num_spans + ?2 WHERE id = ?3")
                .and_then(|mut st| st.execute(params![new_traces, new_spans, stream_id]))
                .map_err(internal)?;
        }
        Ok(IngestSummary {
            stored: batch.records.len(),
            existing,
            quarantined: batch.quarantined.len(),
        })
    }

    /// Inserts a record that does not exist yet: `Ok` with its new rowid, or `Err` with the
    /// rowid of the record that already has this id.
    fn insert_new(&mut self, stream_id: i64, p: &Prepared) -> StoreResult<Result<i64, i64>> {
        let r = &p.record;
        if let Some(rowid) = self.ids.rowid(&self.conn, r.id).map_err(internal)? {
            return Ok(Err(rowid));
        }
        self.conn
            .prepare_cached(
                "INSERT INTO records (uuid, stream_id, kind, trace_uuid, parent_uuid, session_uuid, created_at, \
                 duration_ns, status_code, model, input_tokens, output_tokens, total_tokens, name, external_id, \
                 is_complete, tags, metadata, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    r.id.as_bytes(),
                    stream_id,
                    r.record_type.code(),
                    r.trace_id.as_bytes(),
                    r.parent_id.map(|u| u.as_bytes().to_vec()),
                    r.session_id.map(|u| u.as_bytes().to_vec()),
                    r.created_at.0,
                    r.duration_ns,
                    r.status_code,
                    r.model,
                    r.tokens.input,
                    r.tokens.output,
                    r.tokens.total,
                    r.name,
                    r.external_id,
                    r.is_complete,
                    p.tags,
                    p.metadata,
                    p.body,
                ])
            })
            .map_err(internal)?;
        let rowid = self.conn.last_insert_rowid();
        self.placed(true, r.id, r.trace_id, rowid);
        self.index(rowid, &Indexed::of(stream_id, r))?;
        Ok(Ok(rowid))
    }

    /// The upsert's slow path: the id exists, so the new state replaces the old one. Review
    /// events recorded on the old state are replayed over the new logged values.
    fn replace_existing(
        &mut self,
        project_id: Uuid,
        stream_id: i64,
        rowid: i64,
        p: &Prepared,
    ) -> StoreResult<()> {
        let r = &p.record;
        let (old_stream, old) = self.load_row(rowid)?.ok_or_else(|| {
            StoreError::Internal(format!("record {} vanished during upsert", r.id))
        })?;
        if old.project_id != project_id {
            return Err(StoreError::Conflict(format!(
                "record {} already exists in another project",
                r.id
            )));
        }
        self.unindex(rowid, &Indexed::of(old_stream, &old.record))?;
        self.rewrite(rowid, stream_id, r, &p.body)?;
        if old_stream != stream_id || old.record.record_type.is_trace() != r.record_type.is_trace()
        {
            self.recount(old_stream)?;
            self.recount(stream_id)?;
        }
        Ok(())
    }

    /// Loads a record by id with its rowid and stream rowid.
    pub(crate) fn load(&mut self, id: Uuid) -> StoreResult<Option<(i64, i64, StoredRecord)>> {
        let Some(rowid) = self.ids.rowid(&self.conn, id).map_err(internal)? else {
            return Ok(None);
        };
        Ok(self
            .load_row(rowid)?
            .map(|(stream, record)| (rowid, stream, record)))
    }

    /// Loads the record in row `rowid` with its stream rowid.
    fn load_row(&mut self, rowid: i64) -> StoreResult<Option<(i64, StoredRecord)>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT r.stream_id, {RECORD_COLS} FROM {RECORD_FROM} WHERE r.id = ?1"
            ))
            .and_then(|mut st| {
                st.query_row([rowid], |row| Ok((row.get(0)?, record_row_at(row, 1)?)))
                    .optional()
            })
            .map_err(internal)
    }

    /// Writes the full state of `r` (as logged) into row `rowid` and indexes it. Effective tags and
    /// metadata are the logged ones with the record's review events replayed on top.
    pub(crate) fn rewrite(
        &mut self,
        rowid: i64,
        stream_id: i64,
        r: &Record,
        body: &rusqlite::types::Value,
    ) -> StoreResult<()> {
        let mut effective = r.clone();
        let had_events = crate::events::replay(
            &self.conn,
            rowid,
            &mut effective.tags,
            &mut effective.metadata,
        )?;
        let logged = had_events.then(|| {
            json!({"tags": tags_to_json(&r.tags), "metadata": r.metadata.to_json().to_string()})
                .to_string()
        });
        self.conn
            .prepare_cached(
                "UPDATE records SET stream_id = ?2, kind = ?3, trace_uuid = ?4, parent_uuid = ?5, session_uuid = ?6, \
                 created_at = ?7, duration_ns = ?8, status_code = ?9, model = ?10, input_tokens = ?11, \
                 output_tokens = ?12, total_tokens = ?13, name = ?14, external_id = ?15, is_complete = ?16, \
                 tags = ?17, metadata = ?18, body = ?19, logged = ?20 WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.execute(params![
                    rowid,
                    stream_id,
                    r.record_type.code(),
                    r.trace_id.as_bytes(),
                    r.parent_id.map(|u| u.as_bytes().to_vec()),
                    r.session_id.map(|u| u.as_bytes().to_vec()),
                    r.created_at.0,
                    r.duration_ns,
                    r.status_code,
                    r.model,
                    r.tokens.input,
                    r.tokens.output,
                    r.tokens.total,
                    r.name,
                    r.external_id,
                    r.is_complete,
                    tags_to_json(&effective.tags),
                    effective.metadata.to_json().to_string(),
                    body,
                    logged,
                ])
            })
            .map_err(internal)?;
        self.placed(false, r.id, r.trace_id, rowid);
        self.index(rowid, &Indexed::of(stream_id, &effective))
    }

    fn index(&mut self, rowid: i64, x: &Indexed) -> StoreResult<()> {
        let k = x.row_key(rowid);
        for tag in x.tags {
            self.insert_tag_row(&k, tag.as_str())?;
        }
        for (key, value) in x.metadata.iter() {
            self.insert_meta_row(&k, key.as_str(), value.as_str())?;
        }
        Ok(())
    }

    pub(crate) fn unindex(&mut self, rowid: i64, x: &Indexed) -> StoreResult<()> {
        let k = x.row_key(rowid);
        for tag in x.tags {
            self.delete_tag_row(&k, tag.as_str())?;
        }
        for (key, value) in x.metadata.iter() {
            self.delete_meta_row(&k, key.as_str(), value.as_str())?;
        }
        Ok(())
    }

    fn recount(&mut self, stream_id: i64) -> StoreResult<()> {
        self.conn
            .execute(
                "UPDATE log_streams SET num_traces = (SELECT count(*) FROM records WHERE stream_id = ?1 AND kind = 0), \
                 num_spans = (SELECT count(*) FROM records WHERE stream_id = ?1 AND kind <> 0) WHERE id = ?1",
                [stream_id],
            )
            .map_err(internal)?;
        Ok(())
    }
}
