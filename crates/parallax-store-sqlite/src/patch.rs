//! PATCHes of records (distributed mode concluding a step): applied to the logged values with
//! review events replayed on top, or, when the record has not arrived yet, kept in
//! `pending_patches` and applied when it does.

use crate::control::stream_rowid;
use crate::ingest::{take_body, Indexed};
use crate::internal;
use crate::writer::Writer;
use parallax_model::{Metadata, Record, Tag};
use parallax_store::*;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};
use uuid::Uuid;

impl Writer {
    pub fn patch(
        &mut self,
        project_id: Uuid,
        log_stream_id: Uuid,
        patch: RecordPatch,
    ) -> StoreResult<()> {
        let stream_id = stream_rowid(&self.conn, project_id, log_stream_id)?;
        match self.load(patch.id)? {
            Some((rowid, old_stream, old)) => {
                if old.project_id != project_id {
                    return Err(StoreError::NotFound(format!("record {}", patch.id)));
                }
                self.apply_patch(rowid, old_stream, old, &patch)
            }
            None => {
                // Distributed mode sends PATCHes out of order: keep the patch until the record
                // arrives, merged with any earlier one.
                let earlier: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT patch FROM pending_patches WHERE uuid = ?1",
                        [patch.id.as_bytes()],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(internal)?;
                let mut merged = earlier.map(|p| patch_from_json(&p)).unwrap_or_default();
                merge_patch(&mut merged, patch.clone());
                self.conn
                    .execute(
                        "INSERT OR REPLACE INTO pending_patches (uuid, stream_id, patch) VALUES (?1, ?2, ?3)",
                        params![patch.id.as_bytes(), stream_id, patch_to_json(&merged)],
                    )
                    .map_err(internal)?;
                self.pending_patches = true;
                Ok(())
            }
        }
    }

    pub(crate) fn apply_pending(&mut self, rowid: i64, id: Uuid) -> StoreResult<()> {
        let pending: Option<String> = self
            .conn
            .prepare_cached("SELECT patch FROM pending_patches WHERE uuid = ?1")
            .and_then(|mut st| st.query_row([id.as_bytes()], |r| r.get(0)).optional())
            .map_err(internal)?;
        let Some(text) = pending else { return Ok(()) };
        self.conn
            .execute(
                "DELETE FROM pending_patches WHERE uuid = ?1",
                [id.as_bytes()],
            )
            .map_err(internal)?;
        let (_, stream, old) = self
            .load(id)?
            .ok_or_else(|| StoreError::Internal("record vanished".into()))?;
        self.apply_patch(rowid, stream, old, &patch_from_json(&text))
    }

    fn apply_patch(
        &mut self,
        rowid: i64,
        stream_id: i64,
        old: StoredRecord,
        patch: &RecordPatch,
    ) -> StoreResult<()> {
        let logged = self.logged_state(rowid, &old.record)?;
        self.unindex(rowid, &Indexed::of(stream_id, &old.record))?;
        let mut r = old.record;
        r.tags = logged.0;
        r.metadata = logged.1;
        if let Some(v) = &patch.input {
            r.input = v.clone();
        }
        if let Some(v) = &patch.output {
            r.output = v.clone();
        }
        if patch.status_code.is_some() {
            r.status_code = patch.status_code;
        }
        if patch.duration_ns.is_some() {
            r.duration_ns = patch.duration_ns;
        }
        if let Some(tags) = &patch.tags {
            r.tags = tags.clone();
        }
        if let Some(c) = patch.is_complete {
            r.is_complete = c;
        }
        let body = crate::body::encode(take_body(&mut r));
        self.rewrite(rowid, stream_id, &r, &body)
    }

    /// The tags and metadata as the client logged them (before review events).
    fn logged_state(
        &mut self,
        rowid: i64,
        effective: &Record,
    ) -> StoreResult<(Vec<Tag>, Metadata)> {
        let logged: Option<String> = self
            .conn
            .query_row("SELECT logged FROM records WHERE id = ?1", [rowid], |r| {
                r.get(0)
            })
            .map_err(internal)?;
        Ok(
            match logged.and_then(|l| serde_json::from_str::<Value>(&l).ok()) {
                Some(v) => (
                    crate::read::tags_from_json(v["tags"].as_str().unwrap_or("[]")),
                    crate::read::metadata_from_json(v["metadata"].as_str().unwrap_or("{}")),
                ),
                None => (effective.tags.clone(), effective.metadata.clone()),
            },
        )
    }
}

fn patch_to_json(p: &RecordPatch) -> String {
    json!({
        "input": p.input, "output": p.output, "status_code": p.status_code,
        "duration_ns": p.duration_ns, "is_complete": p.is_complete,
        "tags": p.tags.as_ref().map(|t| t.iter().map(Tag::as_str).collect::<Vec<_>>()),
        "has_input": p.input.is_some(), "has_output": p.output.is_some(),
    })
    .to_string()
}

fn patch_from_json(text: &str) -> RecordPatch {
    let v: Value = serde_json::from_str(text).unwrap_or_default();
    RecordPatch {
        id: Uuid::nil(),
        input: v["has_input"]
            .as_bool()
            .unwrap_or(false)
            .then(|| v["input"].clone()),
        output: v["has_output"]
            .as_bool()
            .unwrap_or(false)
            .then(|| v["output"].clone()),
        status_code: v["status_code"].as_i64(),
        duration_ns: v["duration_ns"].as_i64(),
        is_complete: v["is_complete"].as_bool(),
        tags: v["tags"].as_array().map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().and_then(|s| Tag::parse(s).ok()))
                .collect()
        }),
    }
}

fn merge_patch(into: &mut RecordPatch, later: RecordPatch) {
    into.id = later.id;
    if later.input.is_some() {
        into.input = later.input;
    }
    if later.output.is_some() {
        into.output = later.output;
    }
    if later.status_code.is_some() {
        into.status_code = later.status_code;
    }
    if later.duration_ns.is_some() {
        into.duration_ns = later.duration_ns;
    }
    if later.tags.is_some() {
        into.tags = later.tags;
    }
    if later.is_complete.is_some() {
        into.is_complete = later.is_complete;
    }
}
