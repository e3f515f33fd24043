//! WAL checkpoints off the writer thread.
//!
//! With automatic checkpoints, the commit that crosses the threshold copies the WAL back into the
//! database and fsyncs it, on the single writer thread. Here a separate connection runs PASSIVE
//! checkpoints every [`PASSIVE_EVERY`], which copy most frames back (and fsync) without blocking
//! the writer. A passive checkpoint alone never lets the WAL restart under sustained writes (the
//! writer appends while it copies, so it never finishes; measured: a 415 MB WAL after 100k
//! spans), so the writer keeps its own automatic checkpoint at [`WRITER_AUTOCHECKPOINT_PAGES`];
//! by then little is left for it to copy, and the WAL restarts from its beginning.
//!
//! The threshold is larger than storage-notes.md's 10,000 pages because every group commit
//! rewrites the last leaf of each tag and metadata value it touches (about 700 pages a batch of
//! 100 traces, 1.4 pages a span): a longer WAL holds more versions of the same hot pages, and a
//! checkpoint copies only the newest of each. Measured at 1M spans (BENCHMARKS.md): 10,000 pages
//! and a checkpoint every 500 ms, 16.6–18.6k spans/s and 171 checkpoints with 8.9 s of fsync on
//! the writer; 40,000 pages every 50 ms, 20.9–21.2k spans/s.
//!
//! A WAL that long is 160 MB of disk, so once writes stop for [`IDLE_TRUNCATE_AFTER`], the
//! checkpointer empties it (TRUNCATE): a store at rest keeps no WAL.

use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

/// WAL pages after which the writer completes a checkpoint itself (about 160 MB).
pub const WRITER_AUTOCHECKPOINT_PAGES: i64 = 40_000;

/// How often the checkpointer copies committed frames back into the database.
pub const PASSIVE_EVERY: Duration = Duration::from_millis(50);

/// How long the WAL must go without a new commit before the checkpointer empties it.
pub const IDLE_TRUNCATE_AFTER: Duration = Duration::from_secs(1);

impl Checkpointer {
    pub fn spawn(db: &Path) -> rusqlite::Result<Checkpointer> {
        let conn = Connection::open(db)?;
        // A TRUNCATE holds the write lock while it waits for readers of older snapshots, so a
        // write arriving then waits too: the wait is kept short, and a truncate that cannot
        // finish is simply tried again a second later.
        conn.execute_batch("PRAGMA busy_timeout = 100;")?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("plx-sqlite-ckpt".into())
            .spawn(move || {
                let mut idle = Idle::default();
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(PASSIVE_EVERY);
                    match checkpoint(&conn, "PASSIVE") {
                        Ok(state) if idle.truncate_now(state, Instant::now()) => {
                            if let Err(e) = checkpoint(&conn, "TRUNCATE") {
                                tracing::warn!(error = %e, "wal truncate failed");
                            }
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "wal checkpoint failed"),
                    }
                }
                let _ = checkpoint(&conn, "TRUNCATE");
            })
            .expect("spawn the checkpoint thread");
        Ok(Checkpointer { stop })
    }
}

/// What a checkpoint reported: frames in the WAL and frames copied back (both -1 when the WAL
/// could not be read, e.g. while another checkpoint ran).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WalState {
    frames: i64,
    copied: i64,
}

fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<WalState> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok(WalState {
            frames: r.get(1)?,
            copied: r.get(2)?,
        })
    })
}

/// Tracks whether the WAL is fully copied back and has not grown since an instant.
#[derive(Debug, Default)]
struct Idle {
    last: Option<WalState>,
    since: Option<Instant>,
}

impl Idle {
    /// Whether to empty the WAL now, given the state a passive checkpoint just reported: the WAL
    /// has frames, all copied back, and the same frames for [`IDLE_TRUNCATE_AFTER`] (a commit
    /// appends frames, and a restarted WAL starts a new count). Truncating a WAL in use is safe,
    /// only wasted: SQLite waits for the writer and readers, or reports busy.
    fn truncate_now(&mut self, state: WalState, now: Instant) -> bool {
        let settled = state.frames > 0 && state.copied == state.frames;
        if !settled || self.last != Some(state) {
            self.last = Some(state);
            self.since = Some(now);
            return false;
        }
        if self
            .since
            .is_some_and(|t| now.duration_since(t) >= IDLE_TRUNCATE_AFTER)
        {
            // Truncated: the next passive checkpoint reports an empty WAL, which is not settled.
            self.last = None;
            self.since = None;
            return true;
        }
        false
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(frames: i64, copied: i64) -> WalState {
        WalState { frames, copied }
    }

    #[test]
    fn a_wal_is_emptied_only_after_it_stayed_settled_for_the_idle_time() {
        let t0 = Instant::now();
        let later = |ms| t0 + Duration::from_millis(ms);
        let mut idle = Idle::default();
        // Settled, but only just seen.
        assert!(!idle.truncate_now(state(100, 100), t0));
        assert!(!idle.truncate_now(state(100, 100), later(500)));
        // A commit: more frames, then settled again; the clock starts over.
        assert!(!idle.truncate_now(state(120, 100), later(600)));
        assert!(!idle.truncate_now(state(120, 120), later(700)));
        assert!(!idle.truncate_now(state(120, 120), later(1500)));
        assert!(idle.truncate_now(state(120, 120), later(1700)));
        // Emptied: nothing more to do until new frames settle.
        assert!(!idle.truncate_now(state(0, 0), later(1800)));
        assert!(!idle.truncate_now(state(0, 0), later(5000)));
        // Frames that were never copied back are never truncated away by this rule.
        let mut idle = Idle::default();
        assert!(!idle.truncate_now(state(50, 10), t0));
        assert!(!idle.truncate_now(state(50, 10), later(5000)));
        // A WAL that could not be read (-1) is not settled.
        assert!(!idle.truncate_now(state(-1, -1), later(6000)));
        assert!(!idle.truncate_now(state(-1, -1), later(9000)));
    }
}
