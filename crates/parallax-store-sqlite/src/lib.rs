//! The embedded store: one SQLite database (WAL) in the data directory.
//!
//! SQLite allows one writer at a time, and storage-notes.md shows that writer is the ingest
//! ceiling. So every write goes to one dedicated writer thread that owns the only writing
//! connection, takes whatever jobs are queued, runs them in a single transaction (a savepoint
//! each, so one failing job does not undo its neighbours), commits once and then answers them
//! all: group commit. Reads use a small pool of read-only connections and never wait on writes.

mod aggregate;
mod annotate;
mod annotations;
mod body;
mod checkpoint;
mod compile;
mod control;
mod events;
mod functions;
mod ids;
mod index;
mod ingest;
mod intern;
mod intersect;
mod patch;
mod query;
mod read;
mod schema;
mod sessions;
mod vocabulary;
mod writer;

use parallax_store::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use writer::Writer;
pub use writer::WRITER_THREAD;

/// The SQLite backend of the store traits.
pub struct SqliteStore {
    path: PathBuf,
    writer: writer::Handle,
    /// Record ids not yet in `record_ids`, shared with the writer (see ids.rs).
    ids: Arc<ids::RecentIds>,
    readers: Mutex<Vec<Connection>>,
    // Held for its Drop, which stops the thread.
    _checkpointer: checkpoint::Checkpointer,
}

/// The database file inside a data directory.
pub const DB_FILE: &str = "parallax.db";

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and runs pending migrations.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        SqliteStore::open_tuned(data_dir, ids::MERGE_AT)
    }

    /// [`SqliteStore::open`] with record ids merged into `record_ids` every `merge_ids_at`
    /// inserts (tests use small numbers to exercise merges).
    fn open_tuned(data_dir: &Path, merge_ids_at: usize) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Internal(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DB_FILE);
        let mut conn = Connection::open(&path).map_err(internal)?;
        schema::configure(&conn).map_err(internal)?;
        // The writer gets the larger cache: its merges into the two uuid tables (record_ids,
        // trace_ids, ids.rs) touch leaves all across them, about 70 MB together at 1M spans;
        // pages it must read back before changing them were a growing share of ingest time.
        conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = {}; PRAGMA cache_size = -131072;",
            checkpoint::WRITER_AUTOCHECKPOINT_PAGES
        ))
        .map_err(internal)?;
        functions::register(&conn).map_err(internal)?;
        schema::migrate(&mut conn).map_err(internal)?;
        let ids = Arc::new(ids::RecentIds::load(&conn, merge_ids_at).map_err(internal)?);
        let writer = Writer::spawn(conn, ids.clone());
        let checkpointer = checkpoint::Checkpointer::spawn(&path).map_err(internal)?;
        Ok(SqliteStore {
            path,
            writer,
            ids,
            readers: Mutex::new(Vec::new()),
            _checkpointer: checkpointer,
        })
    }

    /// Runs `f` on a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        let conn = self.readers.lock().expect("reader pool").pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(internal)?;
                c.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;")
                    .map_err(internal)?;
                functions::register(&c).map_err(internal)?;
                c
            }
        };
        let out = f(&conn).map_err(internal);
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }

    /// Runs `f` on the writer thread inside the current group transaction and waits for the
    /// commit.
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        self.writer.run(f)
    }
}

pub(crate) fn internal(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::SqliteStore;
    use parallax_store::conformance::batch;
    use parallax_store::{AnnotationStore, ControlStore, RecordStore};
    use serde_json::{json, Value};
    use uuid::Uuid;

    #[test]
    fn passes_the_conformance_suite() {
        let dirs = std::sync::Mutex::new(Vec::new());
        parallax_store::conformance::run_all(&|| {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(dir.path()).unwrap();
            dirs.lock().unwrap().push(dir);
            Box::new(store)
        });
    }

    fn trace(trace: Uuid, span: Uuid) -> Value {
        json!({
            "type": "trace", "id": trace.to_string(), "name": "t", "input": "q", "output": "a",
            "created_at": "2026-12-03T16:25:18Z", "tags": ["x"],
            "spans": [{"type": "llm", "id": span.to_string(), "input": "q", "output": "a",
                       "created_at": "2026-12-03T16:25:19Z", "user_metadata": {"k": "v"}}]
        })
    }

    fn count(store: &SqliteStore, sql: &str) -> i64 {
        store.read(|c| c.query_row(sql, [], |r| r.get(0))).unwrap()
    }

    /// Record ids move from the in-memory map into `record_ids` in steps; whichever side holds
    /// an id, reads find the record, re-sends are recognised, and a restart rebuilds the map.
    #[test]
    fn record_ids_are_found_across_merges_and_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<(Uuid, Uuid)> = (0..40).map(|_| (Uuid::new_v4(), Uuid::new_v4())).collect();
        let traces: Vec<Value> = ids.iter().map(|(t, s)| trace(*t, *s)).collect();
        let check = |store: &SqliteStore, p: Uuid, s: Uuid| {
            for (t, sp) in &ids {
                for id in [t, sp] {
                    let r = store.record(p, *id).unwrap();
                    assert_eq!(r.map(|r| r.record.id), Some(*id), "record {id} is found");
                }
            }
            for (t, sp) in &ids {
                let records = store.trace_records(p, *t).unwrap();
                let got: Vec<Uuid> = records.iter().map(|r| r.record.id).collect();
                assert_eq!(got, vec![*t, *sp], "trace {t} reads back whole");
            }
            let stream = store.log_stream(p, s).unwrap().unwrap();
            assert_eq!((stream.num_traces, stream.num_spans), (40, 40));
            assert_eq!(count(store, "SELECT count(*) FROM records"), 80);
        };
        let (p, s) = {
            let store = SqliteStore::open_tuned(dir.path(), 8).unwrap();
            let p = store.create_project("p", None).unwrap().id;
            let s = store.create_log_stream(p, "s").unwrap().id;
            for chunk in traces.chunks(2) {
                let summary = store.ingest(batch(p, s, chunk)).unwrap();
                assert_eq!((summary.stored, summary.existing), (4, 0));
            }
            check(&store, p, s);
            for chunk in traces.chunks(4) {
                let summary = store.ingest(batch(p, s, chunk)).unwrap();
                assert_eq!(summary.existing, 8, "a re-send is recognised");
            }
            check(&store, p, s);
            assert!(
                count(
                    &store,
                    "SELECT value FROM store_state WHERE name = 'record_ids_upto'"
                ) > 0,
                "a merge cycle completed"
            );
            assert!(count(&store, "SELECT count(*) FROM record_ids") >= 16);
            (p, s)
        };
        let store = SqliteStore::open_tuned(dir.path(), 8).unwrap();
        check(&store, p, s);
        let summary = store.ingest(batch(p, s, &traces)).unwrap();
        assert_eq!(
            summary.existing, 80,
            "after a restart, every id is still known"
        );
        check(&store, p, s);
        let (first, _) = ids[0];
        store
            .annotate(
                p,
                first,
                vec![parallax_store::AnnotationOp::AddTag(
                    parallax_model::Tag::parse("seen").unwrap(),
                )],
                parallax_store::Actor("reviewer".into()),
                parallax_store::Source::Api,
                parallax_model::Limits::default(),
            )
            .unwrap();
        assert_eq!(store.annotations(p, first).unwrap().len(), 1);

        // A span sent again under another trace moves there; the stale entry is not read.
        let ((a, moved), (b, b_span)) = (ids[1], ids[2]);
        let mut b_trace = trace(b, b_span);
        b_trace["spans"].as_array_mut().unwrap().push(
            json!({"type": "tool", "id": moved.to_string(), "input": "q", "output": "a",
                         "created_at": "2026-12-03T16:25:20Z"}),
        );
        store.ingest(batch(p, s, &[b_trace])).unwrap();
        let ids_of = |t| -> Vec<Uuid> {
            store
                .trace_records(p, t)
                .unwrap()
                .iter()
                .map(|r| r.record.id)
                .collect()
        };
        assert_eq!(ids_of(a), vec![a]);
        assert_eq!(ids_of(b), vec![b, b_span, moved]);
    }

    /// A batch that fails part-way (a record id taken in another project) leaves nothing
    /// behind, in the tables or in the id maps, and the same ids can be stored afterwards.
    #[test]
    fn a_failed_batch_leaves_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_tuned(dir.path(), 4).unwrap();
        let (p1, p2) = (
            store.create_project("one", None).unwrap().id,
            store.create_project("two", None).unwrap().id,
        );
        let (s1, s2) = (
            store.create_log_stream(p1, "s").unwrap().id,
            store.create_log_stream(p2, "s").unwrap().id,
        );
        let (taken, taken_span) = (Uuid::new_v4(), Uuid::new_v4());
        store
            .ingest(batch(p1, s1, &[trace(taken, taken_span)]))
            .unwrap();
        let (fresh, fresh_span) = (Uuid::new_v4(), Uuid::new_v4());
        let both = [trace(fresh, fresh_span), trace(taken, taken_span)];
        let failed = store.ingest(batch(p2, s2, &both));
        assert!(
            matches!(failed, Err(parallax_store::StoreError::Conflict(_))),
            "{failed:?}"
        );
        assert!(store.record(p2, fresh).unwrap().is_none());
        assert!(store.trace_records(p2, fresh).unwrap().is_empty());
        assert_eq!(count(&store, "SELECT count(*) FROM records"), 2);
        let stream = store.log_stream(p2, s2).unwrap().unwrap();
        assert_eq!((stream.num_traces, stream.num_spans), (0, 0));

        // The rolled-back rowids are used again by the next insert; the maps must not send a
        // lookup of the failed ids there.
        let (other, other_span) = (Uuid::new_v4(), Uuid::new_v4());
        store
            .ingest(batch(p2, s2, &[trace(other, other_span)]))
            .unwrap();
        assert!(store.record(p2, fresh).unwrap().is_none());
        assert!(store.trace_records(p2, fresh).unwrap().is_empty());
        let summary = store
            .ingest(batch(p2, s2, &[trace(fresh, fresh_span)]))
            .unwrap();
        assert_eq!((summary.stored, summary.existing), (2, 0));
        assert_eq!(store.trace_records(p2, fresh).unwrap().len(), 2);
    }

    /// Once writes stop, the checkpointer copies the WAL back and empties it; what was written
    /// stays readable, and writing again works.
    #[test]
    fn the_wal_is_emptied_once_writes_stop() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let p = store.create_project("p", None).unwrap().id;
        let s = store.create_log_stream(p, "s").unwrap().id;
        let (t, sp) = (Uuid::new_v4(), Uuid::new_v4());
        store.ingest(batch(p, s, &[trace(t, sp)])).unwrap();
        let wal = dir.path().join(format!("{}-wal", super::DB_FILE));
        let wal_len = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert!(wal_len() > 0, "the commit went to the WAL");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while wal_len() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the WAL still holds {} bytes",
                wal_len()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(store.trace_records(p, t).unwrap().len(), 2);
        let (t2, sp2) = (Uuid::new_v4(), Uuid::new_v4());
        store.ingest(batch(p, s, &[trace(t2, sp2)])).unwrap();
        assert_eq!(count(&store, "SELECT count(*) FROM records"), 4);
    }

    /// A data directory written before `record_ids` existed is migrated: its records keep their
    /// rowids, are found by id, and are recognised when sent again.
    #[test]
    fn migrates_a_store_with_the_unique_uuid_column() {
        let dir = tempfile::tempdir().unwrap();
        let (project, stream, id) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        {
            let mut conn = rusqlite::Connection::open(dir.path().join(super::DB_FILE)).unwrap();
            super::schema::migrate_to(&mut conn, 3).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO projects (id, uuid, name, created_at) VALUES (1, x'{p}', 'p', 0);
                 INSERT INTO log_streams (id, uuid, project_id, name, created_at, num_traces) VALUES (1, x'{s}', 1, 's', 0, 1);
                 INSERT INTO records (id, uuid, stream_id, kind, trace_uuid, created_at, name, is_complete, tags, metadata, body)
                 VALUES (7, x'{r}', 1, 0, x'{r}', 0, 'old', 1, '[]', '{{}}', '{{\"i\":\"q\"}}');",
                p = project.simple(),
                s = stream.simple(),
                r = id.simple()
            ))
            .unwrap();
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        let found = store
            .record(project, id)
            .unwrap()
            .expect("the old record is found");
        assert_eq!(found.record.name, "old");
        assert_eq!(found.record.input, json!("q"));
        assert_eq!(count(&store, "SELECT id FROM records"), 7);
        assert_eq!(count(&store, "SELECT record_id FROM record_ids"), 7);
        assert_eq!(count(&store, "SELECT record_id FROM trace_ids"), 7);
        assert_eq!(store.trace_records(project, id).unwrap().len(), 1);
        let resend = json!({"type": "trace", "id": id.to_string(), "name": "new", "input": "q2"});
        let summary = store.ingest(batch(project, stream, &[resend])).unwrap();
        assert_eq!(summary.existing, 1);
        assert_eq!(
            store.record(project, id).unwrap().unwrap().record.name,
            "new"
        );
        assert_eq!(count(&store, "SELECT count(*) FROM records"), 1);
    }
}
