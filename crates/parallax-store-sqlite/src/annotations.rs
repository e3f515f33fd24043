//! [`AnnotationStore`] on SQLite: review events, bulk jobs, registries and the PII policy.

use crate::annotate::Provenance;
use crate::control::uuid_of;
use crate::writer::Writer;
use crate::{internal, SqliteStore};
use parallax_model::{Limits, Timestamp};
use parallax_query::{Expr, Root};
use parallax_store::*;
use rusqlite::{params, OptionalExtension, Row};
use uuid::Uuid;

const EVENT_COLS: &str = "e.uuid, r.uuid, e.op, e.key, e.value, e.previous, e.actor, e.source, e.at, u.uuid, e.job, e.id";

fn event_row(r: &Row) -> rusqlite::Result<(AnnotationEvent, i64)> {
    Ok((
        AnnotationEvent {
            id: uuid_of(r.get(0)?),
            record_id: uuid_of(r.get(1)?),
            op: r.get(2)?,
            key: r.get(3)?,
            value: r.get(4)?,
            previous: r.get(5)?,
            actor: r.get(6)?,
            source: r.get(7)?,
            at: Timestamp(r.get(8)?),
            undoes: r.get::<_, Option<Vec<u8>>>(9)?.map(uuid_of),
            job: r.get::<_, Option<Vec<u8>>>(10)?.map(uuid_of),
        },
        r.get(11)?,
    ))
}

const EVENT_FROM: &str = "annotation_events e JOIN records r ON r.id = e.record_id JOIN log_streams s ON s.id = r.stream_id \
     JOIN projects p ON p.id = s.project_id LEFT JOIN annotation_events u ON u.id = e.undoes";

const JOB_COLS: &str = "j.uuid, p.uuid, j.stream_uuid, j.root, j.query, j.ops, j.state, j.total, j.done, j.actor, j.created_at, \
     j.finished_at, j.undo_of, j.error FROM bulk_jobs j JOIN projects p ON p.id = j.project_id";

fn job_row(r: &Row) -> rusqlite::Result<BulkJob> {
    Ok(BulkJob {
        id: uuid_of(r.get(0)?),
        project_id: uuid_of(r.get(1)?),
        log_stream_id: uuid_of(r.get(2)?),
        root: r.get(3)?,
        query: r.get(4)?,
        ops: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
        state: r.get(6)?,
        total: r.get::<_, i64>(7)? as u64,
        done: r.get::<_, i64>(8)? as u64,
        actor: r.get(9)?,
        created_at: Timestamp(r.get(10)?),
        finished_at: r.get::<_, Option<i64>>(11)?.map(Timestamp),
        undo_of: r.get::<_, Option<Vec<u8>>>(12)?.map(uuid_of),
        error: r.get(13)?,
    })
}

fn project_rowid(w: &Writer, project: Uuid) -> StoreResult<i64> {
    w.conn
        .query_row(
            "SELECT id FROM projects WHERE uuid = ?1",
            [project.as_bytes()],
            |r| r.get(0),
        )
        .optional()
        .map_err(internal)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project}")))
}

impl AnnotationStore for SqliteStore {
    fn annotate(
        &self,
        project_id: Uuid,
        record_id: Uuid,
        ops: Vec<AnnotationOp>,
        actor: Actor,
        source: Source,
        limits: Limits,
    ) -> StoreResult<Vec<AnnotationEvent>> {
        self.write(move |w| {
            w.annotate_one(
                project_id,
                record_id,
                &ops,
                &Provenance {
                    actor: &actor,
                    source: &source,
                    undoes: None,
                },
                &limits,
            )
        })
    }

    fn annotate_many(
        &self,
        project_id: Uuid,
        record_ids: Vec<Uuid>,
        ops: Vec<AnnotationOp>,
        actor: Actor,
        source: Source,
        limits: Limits,
    ) -> StoreResult<(u64, Vec<Uuid>)> {
        self.write(move |w| {
            let mut written = 0u64;
            let mut skipped = Vec::new();
            for id in record_ids {
                // annotate_one checks a record before writing anything, so a refused record
                // needs no rollback.
                match w.annotate_one(
                    project_id,
                    id,
                    &ops,
                    &Provenance {
                        actor: &actor,
                        source: &source,
                        undoes: None,
                    },
                    &limits,
                ) {
                    Ok(events) => written += events.len() as u64,
                    Err(StoreError::Invalid(_) | StoreError::NotFound(_)) => skipped.push(id),
                    Err(e) => return Err(e),
                }
            }
            Ok((written, skipped))
        })
    }

    fn annotations(&self, project_id: Uuid, record_id: Uuid) -> StoreResult<Vec<AnnotationEvent>> {
        self.read(|c| {
            let Some(rowid) = self.ids.rowid(c, record_id)? else {
                return Ok(Vec::new());
            };
            c.prepare_cached(&format!("SELECT {EVENT_COLS} FROM {EVENT_FROM} WHERE e.record_id = ?1 AND p.uuid = ?2 ORDER BY e.id"))?
                .query_map(params![rowid, project_id.as_bytes()], |r| event_row(r).map(|(e, _)| e))?
                .collect()
        })
    }

    fn undo_annotation(
        &self,
        project_id: Uuid,
        event_id: Uuid,
        actor: Actor,
        source: Source,
    ) -> StoreResult<AnnotationEvent> {
        self.write(move |w| {
            let (event, rowid) = w
                .conn
                .query_row(
                    &format!(
                        "SELECT {EVENT_COLS} FROM {EVENT_FROM} WHERE e.uuid = ?1 AND p.uuid = ?2"
                    ),
                    params![event_id.as_bytes(), project_id.as_bytes()],
                    event_row,
                )
                .optional()
                .map_err(internal)?
                .ok_or_else(|| StoreError::NotFound(format!("annotation event {event_id}")))?;
            let op = Writer::inverse(&event.op, &event.key, event.previous.as_deref())?;
            // Undo restores a state; the count limits held there already, so none are enforced.
            let unlimited = Limits {
                max_tags: usize::MAX,
                max_metadata_keys: usize::MAX,
            };
            let by = Provenance {
                actor: &actor,
                source: &source,
                undoes: Some(rowid),
            };
            let mut out = w.annotate_one(project_id, event.record_id, &[op], &by, &unlimited)?;
            let mut inverse = out.pop().expect("one op, one event");
            inverse.undoes = Some(event.id);
            Ok(inverse)
        })
    }

    fn undo_job_chunk(
        &self,
        project_id: Uuid,
        job: Uuid,
        undo_job: Uuid,
        actor: Actor,
        after: Option<i64>,
        limit: usize,
    ) -> StoreResult<(u64, Option<i64>)> {
        self.write(move |w| {
            let events: Vec<(AnnotationEvent, i64)> = w
                .conn
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLS} FROM {EVENT_FROM} WHERE e.job = ?1 AND p.uuid = ?2 AND e.id < ?3 ORDER BY e.id DESC LIMIT ?4"
                ))
                .and_then(|mut st| {
                    st.query_map(params![job.as_bytes(), project_id.as_bytes(), after.unwrap_or(i64::MAX), limit as i64], event_row)?
                        .collect()
                })
                .map_err(internal)?;
            let unlimited = Limits { max_tags: usize::MAX, max_metadata_keys: usize::MAX };
            let source = Source::Bulk(undo_job);
            for (e, rowid) in &events {
                let op = Writer::inverse(&e.op, &e.key, e.previous.as_deref())?;
                w.annotate_one(project_id, e.record_id, &[op], &Provenance { actor: &actor, source: &source, undoes: Some(*rowid) }, &unlimited)?;
            }
            let next = (events.len() == limit).then(|| events.last().map(|(_, id)| *id)).flatten();
            Ok((events.len() as u64, next))
        })
    }

    fn matching_ids(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
    ) -> StoreResult<Vec<Uuid>> {
        self.ids_matching(project_id, log_stream_id, root, filter)
    }

    fn create_job(&self, job: NewBulkJob) -> StoreResult<BulkJob> {
        let id = Uuid::new_v4();
        let project = job.project_id;
        self.write(move |w| {
            let pid = project_rowid(w, job.project_id)?;
            w.conn
                .execute(
                    "INSERT INTO bulk_jobs (uuid, project_id, stream_uuid, root, query, ops, state, actor, created_at, undo_of) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?9)",
                    params![
                        id.as_bytes(), pid, job.log_stream_id.as_bytes(), job.root, job.query, job.ops.to_string(), job.actor,
                        Timestamp::now().0, job.undo_of.map(|u| u.as_bytes().to_vec())
                    ],
                )
                .map_err(internal)?;
            Ok(())
        })?;
        self.job(project, id)?
            .ok_or_else(|| StoreError::Internal("job vanished".into()))
    }

    fn update_job(
        &self,
        id: Uuid,
        state: &str,
        total: u64,
        done: u64,
        error: Option<String>,
    ) -> StoreResult<()> {
        let state = state.to_owned();
        self.write(move |w| {
            let finished = (state != "running").then(|| Timestamp::now().0);
            w.conn
                .execute(
                    "UPDATE bulk_jobs SET state = ?2, total = ?3, done = ?4, error = ?5, finished_at = COALESCE(?6, finished_at) WHERE uuid = ?1",
                    params![id.as_bytes(), state, total as i64, done as i64, error, finished],
                )
                .map_err(internal)?;
            Ok(())
        })
    }

    fn job(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<BulkJob>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {JOB_COLS} WHERE j.uuid = ?1 AND p.uuid = ?2"),
                params![id.as_bytes(), project_id.as_bytes()],
                job_row,
            )
            .optional()
        })
    }

    fn jobs(&self, project_id: Uuid, limit: usize) -> StoreResult<Vec<BulkJob>> {
        self.read(|c| {
            c.prepare(&format!(
                "SELECT {JOB_COLS} WHERE p.uuid = ?1 ORDER BY j.id DESC LIMIT ?2"
            ))?
            .query_map(params![project_id.as_bytes(), limit as i64], job_row)?
            .collect()
        })
    }

    fn tag_registry(&self, project_id: Uuid) -> StoreResult<Vec<TagInfo>> {
        self.read(|c| {
            c.prepare("SELECT t.tag, t.description, t.colour FROM tag_registry t JOIN projects p ON p.id = t.project_id WHERE p.uuid = ?1 ORDER BY t.tag")?
                .query_map([project_id.as_bytes()], |r| Ok(TagInfo { tag: r.get(0)?, description: r.get(1)?, colour: r.get(2)? }))?
                .collect()
        })
    }

    fn set_tag_info(&self, project_id: Uuid, info: TagInfo) -> StoreResult<()> {
        self.write(move |w| {
            let pid = project_rowid(w, project_id)?;
            w.conn
                .execute(
                    "INSERT OR REPLACE INTO tag_registry (project_id, tag, description, colour) VALUES (?1, ?2, ?3, ?4)",
                    params![pid, info.tag, info.description, info.colour],
                )
                .map_err(internal)?;
            Ok(())
        })
    }

    fn key_registry(&self, project_id: Uuid) -> StoreResult<Vec<KeyInfo>> {
        self.read(|c| {
            c.prepare("SELECT k.key, k.description FROM key_registry k JOIN projects p ON p.id = k.project_id WHERE p.uuid = ?1 ORDER BY k.key")?
                .query_map([project_id.as_bytes()], |r| Ok(KeyInfo { key: r.get(0)?, description: r.get(1)? }))?
                .collect()
        })
    }

    fn set_key_info(&self, project_id: Uuid, info: KeyInfo) -> StoreResult<()> {
        self.write(move |w| {
            let pid = project_rowid(w, project_id)?;
            w.conn
                .execute("INSERT OR REPLACE INTO key_registry (project_id, key, description) VALUES (?1, ?2, ?3)", params![pid, info.key, info.description])
                .map_err(internal)?;
            Ok(())
        })
    }

    fn pii_policy(&self, project_id: Uuid) -> StoreResult<String> {
        self.read(|c| {
            c.query_row(
                "SELECT pii_policy FROM projects WHERE uuid = ?1",
                [project_id.as_bytes()],
                |r| r.get(0),
            )
            .optional()
        })?
        .ok_or_else(|| StoreError::NotFound(format!("project {project_id}")))
    }

    fn set_pii_policy(&self, project_id: Uuid, policy: &str) -> StoreResult<()> {
        let policy = policy.to_owned();
        self.write(move |w| {
            let n = w
                .conn
                .execute(
                    "UPDATE projects SET pii_policy = ?2 WHERE uuid = ?1",
                    params![project_id.as_bytes(), policy],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("project {project_id}")));
            }
            Ok(())
        })
    }
}
