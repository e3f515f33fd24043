//! Review events on the writer thread: each op changes the effective tags and metadata of a
//! record, touching only the index rows it changes, and appends an event with its actor, source
//! and the state it replaced. The first event on a record copies its logged values into
//! `records.logged`, so what the client sent stays as written.

use crate::control::uuid_of;
use crate::index::RowKey;
use crate::internal;
use crate::read::{metadata_from_json, tags_from_json, tags_to_json};
use crate::writer::Writer;
use parallax_model::{Limits, Metadata, Tag, Timestamp};
use parallax_store::*;
use rusqlite::{params, OptionalExtension};
use serde_json::json;
use uuid::Uuid;

/// Who makes a change, from where, and (for an undo) the event rowid it undoes.
#[derive(Clone, Copy)]
pub struct Provenance<'a> {
    pub actor: &'a Actor,
    pub source: &'a Source,
    pub undoes: Option<i64>,
}

/// The parts of a record row an annotation reads.
struct Target {
    key: RowKey,
    project: Uuid,
    tags: Vec<Tag>,
    metadata: Metadata,
    logged: Option<String>,
}

impl Writer {
    fn target(&mut self, record: Uuid) -> StoreResult<Option<Target>> {
        let Some(rowid) = self.ids.rowid(&self.conn, record).map_err(internal)? else {
            return Ok(None);
        };
        self.conn
            .prepare_cached(
                "SELECT r.id, r.stream_id, r.kind, r.created_at, r.duration_ns, r.status_code, r.input_tokens, r.output_tokens, \
                 r.tags, r.metadata, r.logged, p.uuid FROM records r JOIN log_streams s ON s.id = r.stream_id \
                 JOIN projects p ON p.id = s.project_id WHERE r.id = ?1",
            )
            .and_then(|mut st| {
                st.query_row([rowid], |r| {
                    Ok(Target {
                        key: RowKey {
                            record_id: r.get(0)?,
                            stream_id: r.get(1)?,
                            root: r.get::<_, i64>(2)? == 0,
                            created_at: r.get(3)?,
                            duration_ns: r.get(4)?,
                            status_code: r.get(5)?,
                            input_tokens: r.get(6)?,
                            output_tokens: r.get(7)?,
                        },
                        tags: tags_from_json(&r.get::<_, String>(8)?),
                        metadata: metadata_from_json(&r.get::<_, String>(9)?),
                        logged: r.get(10)?,
                        project: uuid_of(r.get(11)?),
                    })
                })
                .optional()
            })
            .map_err(internal)
    }

    /// Applies ops to one record; `Err(Invalid)` when the result breaks a count limit. The result
    /// is computed and checked before anything is written, so a refused record leaves no trace
    /// and bulk jobs need no savepoint per record (each would copy every page it touches).
    pub fn annotate_one(
        &mut self,
        project: Uuid,
        record: Uuid,
        ops: &[AnnotationOp],
        by: &Provenance,
        limits: &Limits,
    ) -> StoreResult<Vec<AnnotationEvent>> {
        let Provenance {
            actor,
            source,
            undoes,
        } = *by;
        let t = self
            .target(record)?
            .filter(|t| t.project == project)
            .ok_or_else(|| StoreError::NotFound(format!("record {record}")))?;
        let logged = t.logged.clone().unwrap_or_else(|| {
            json!({"tags": tags_to_json(&t.tags), "metadata": t.metadata.to_json().to_string()})
                .to_string()
        });
        // Plan: the state before each op, and the final state.
        let (mut tags, mut metadata) = (t.tags.clone(), t.metadata.clone());
        let mut previous = Vec::with_capacity(ops.len());
        for op in ops {
            previous.push(match op {
                AnnotationOp::AddTag(tag) | AnnotationOp::RemoveTag(tag) => Some(
                    if tags.contains(tag) {
                        "present"
                    } else {
                        "absent"
                    }
                    .to_owned(),
                ),
                AnnotationOp::SetMetadata(k, _) | AnnotationOp::UnsetMetadata(k) => {
                    metadata.get(k.as_str()).map(|v| v.as_str().to_owned())
                }
            });
            crate::events::apply(op.name(), op.key(), op.value(), &mut tags, &mut metadata);
        }
        if tags.len() > limits.max_tags {
            return Err(StoreError::Invalid(format!(
                "record {record} would have {} tags; the limit is {}",
                tags.len(),
                limits.max_tags
            )));
        }
        if metadata.len() > limits.max_metadata_keys {
            return Err(StoreError::Invalid(format!(
                "record {record} would have {} metadata keys; the limit is {}",
                metadata.len(),
                limits.max_metadata_keys
            )));
        }
        // Write: only the index rows whose presence changed, then the row and the events.
        for tag in t.tags.iter().filter(|x| !tags.contains(x)) {
            self.delete_tag_row(&t.key, tag.as_str())?;
        }
        for tag in tags.iter().filter(|x| !t.tags.contains(x)) {
            self.insert_tag_row(&t.key, tag.as_str())?;
        }
        for (k, v) in t.metadata.iter() {
            if metadata.get(k.as_str()) != Some(v) {
                self.delete_meta_row(&t.key, k.as_str(), v.as_str())?;
            }
        }
        for (k, v) in metadata.iter() {
            if t.metadata.get(k.as_str()) != Some(v) {
                self.insert_meta_row(&t.key, k.as_str(), v.as_str())?;
            }
        }
        let job = match source {
            Source::Bulk(id) => Some(*id),
            _ => None,
        };
        let mut events = Vec::with_capacity(ops.len());
        for (op, previous) in ops.iter().zip(previous) {
            let event = AnnotationEvent {
                id: Uuid::new_v4(),
                record_id: record,
                op: op.name().to_owned(),
                key: op.key().to_owned(),
                value: op.value().map(str::to_owned),
                previous,
                actor: actor.0.clone(),
                source: source.label(),
                at: Timestamp::now(),
                undoes: None,
                job,
            };
            self.conn
                .prepare_cached(
                    "INSERT INTO annotation_events (uuid, record_id, op, key, value, previous, actor, source, at, undoes, job) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        event.id.as_bytes(), t.key.record_id, event.op, event.key, event.value, event.previous, event.actor,
                        event.source, event.at.0, undoes, job.map(|j| j.as_bytes().to_vec())
                    ])
                })
                .map_err(internal)?;
            events.push(event);
        }
        self.conn
            .prepare_cached(
                "UPDATE records SET tags = ?2, metadata = ?3, logged = ?4 WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.execute(params![
                    t.key.record_id,
                    tags_to_json(&tags),
                    metadata.to_json().to_string(),
                    logged
                ])
            })
            .map_err(internal)?;
        Ok(events)
    }

    /// The op that restores what `event` replaced.
    pub fn inverse(op: &str, key: &str, previous: Option<&str>) -> StoreResult<AnnotationOp> {
        let tag = || Tag::parse(key).map_err(|e| StoreError::Internal(e.to_string()));
        let mkey = || {
            parallax_model::MetadataKey::parse(key).map_err(|e| StoreError::Internal(e.to_string()))
        };
        Ok(match (op, previous) {
            ("add_tag" | "remove_tag", Some("present")) => AnnotationOp::AddTag(tag()?),
            ("add_tag" | "remove_tag", _) => AnnotationOp::RemoveTag(tag()?),
            ("set_metadata" | "unset_metadata", Some(v)) => AnnotationOp::SetMetadata(
                mkey()?,
                parallax_model::MetadataValue::parse(v)
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            ),
            ("set_metadata" | "unset_metadata", None) => AnnotationOp::UnsetMetadata(mkey()?),
            (other, _) => return Err(StoreError::Internal(format!("unknown event op {other}"))),
        })
    }
}
