//! WAL checkpoints off the writer thread.
//!
//! With automatic checkpoints, the commit that crosses the threshold copies the WAL back into the
//! database and fsyncs it, on the single writer thread: the benchmark measured that at a sixth
//! of the writer's time at 1M spans. Here a separate connection runs PASSIVE checkpoints every
//! half second, which copy most frames back without blocking the writer. A passive checkpoint
//! alone never lets the WAL restart under sustained writes (the writer appends while it copies,
//! so it never finishes; measured: a 415 MB WAL after 100k spans), so the writer keeps its own
//! automatic checkpoint at 10,000 pages, as storage-notes.md measured best; by then little is
//! left for it to copy, and the WAL restarts from its beginning.

use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

/// WAL pages after which the writer completes a checkpoint itself (about 40 MB).
pub const WRITER_AUTOCHECKPOINT_PAGES: i64 = 10_000;

impl Checkpointer {
    pub fn spawn(db: &Path) -> rusqlite::Result<Checkpointer> {
        let conn = Connection::open(db)?;
        conn.execute_batch("PRAGMA busy_timeout = 1000;")?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("plx-sqlite-ckpt".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(500));
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "wal checkpoint failed");
                    }
                }
                let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            })
            .expect("spawn the checkpoint thread");
        Ok(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
