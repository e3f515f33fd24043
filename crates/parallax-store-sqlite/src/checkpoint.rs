//! WAL checkpoints off the writer thread.
//!
//! With automatic checkpoints, the commit that crosses the threshold copies the WAL back into the
//! database and fsyncs it, on the single writer thread: the benchmark measured that at a sixth
//! of the writer's time at 1M spans. Here a separate connection runs PASSIVE checkpoints every
//! half second, which never block the writer; the writer keeps a large automatic threshold only
//! as a safety net should this thread fall behind.

use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

/// WAL pages after which the writer checkpoints by itself (about 400 MB with 4 KiB pages).
pub const WRITER_AUTOCHECKPOINT_PAGES: i64 = 100_000;

impl Checkpointer {
    pub fn spawn(db: &Path) -> rusqlite::Result<Checkpointer> {
        let conn = Connection::open(db)?;
        conn.execute_batch("PRAGMA busy_timeout = 1000;")?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("parallax-sqlite-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(500));
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
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
