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
use std::sync::Mutex;
use writer::Writer;

/// The SQLite backend of the store traits.
pub struct SqliteStore {
    path: PathBuf,
    writer: writer::Handle,
    readers: Mutex<Vec<Connection>>,
    // Held for its Drop, which stops the thread.
    _checkpointer: checkpoint::Checkpointer,
}

/// The database file inside a data directory.
pub const DB_FILE: &str = "parallax.db";

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir` and runs pending migrations.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Internal(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join(DB_FILE);
        let mut conn = Connection::open(&path).map_err(internal)?;
        schema::configure(&conn).map_err(internal)?;
        // The writer gets the larger cache: its inserts land at random places in the two uuid
        // indexes (record id, trace id), which at 1M spans are about 70 MB together; pages it
        // must read back before changing them were a growing share of ingest time.
        conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = {}; PRAGMA cache_size = -131072;",
            checkpoint::WRITER_AUTOCHECKPOINT_PAGES
        ))
        .map_err(internal)?;
        functions::register(&conn).map_err(internal)?;
        schema::migrate(&mut conn).map_err(internal)?;
        let writer = Writer::spawn(conn);
        let checkpointer = checkpoint::Checkpointer::spawn(&path).map_err(internal)?;
        Ok(SqliteStore {
            path,
            writer,
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
    #[test]
    fn passes_the_conformance_suite() {
        let dirs = std::sync::Mutex::new(Vec::new());
        parallax_store::conformance::run_all(&|| {
            let dir = tempfile::tempdir().unwrap();
            let store = super::SqliteStore::open(dir.path()).unwrap();
            dirs.lock().unwrap().push(dir);
            Box::new(store)
        });
    }
}
