//! Finding a record's row from its uuid, without a random-uuid B-tree on the ingest path.
//!
//! Record ids are random (the SDK's uuid4s), so a B-tree keyed on them takes each insert at a
//! random leaf: at 1M spans nearly every record dirtied a page of its own, which every commit
//! wrote to the WAL and every checkpoint copied back (storage-notes.md: "random-uuid B-trees
//! outgrow the cache and slow every layout"). So the lookup has two levels:
//!
//! - `record_ids (uuid → record_id)`, a WITHOUT ROWID table holding every record whose rowid is
//!   at most `store_state.record_ids_upto`, and maybe some newer ones;
//! - [`RecentIds`], an in-memory map of the records inserted since, shared by the writer (which
//!   fills it as it inserts) and the readers.
//!
//! When the map holds [`MERGE_AT`] entries, the writer folds it into `record_ids` in sixteen
//! steps, one per group commit, each step the entries whose uuid starts with one hex digit, in
//! uuid order: each step touches a sixteenth of the table's leaves once, instead of one leaf per
//! record. Entries leave the map only after the step that wrote them has committed, so a lookup
//! that misses the map finds them in the table; the generation counter lets a reader that raced
//! with a step retry. At startup the map is rebuilt from the records after `record_ids_upto`.
//!
//! Invariant: every record is in `record_ids` or in the map (or both), and both give its rowid.
//! Records are never deleted and their uuid never changes, so a rowid found once stays right.

use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use uuid::Uuid;

/// Entries in the map that start a merge into `record_ids` (about 8 MB of map).
pub const MERGE_AT: usize = 200_000;

/// The records inserted since the last merge, by uuid.
pub struct RecentIds {
    map: Mutex<HashMap<Uuid, i64>>,
    /// Bumped after each merge step has removed its entries.
    generation: AtomicU64,
    /// Entries that start a merge: [`MERGE_AT`], smaller in tests.
    merge_at: usize,
}

impl RecentIds {
    /// Rebuilds the map from the records the table does not cover yet.
    pub fn load(conn: &Connection, merge_at: usize) -> rusqlite::Result<RecentIds> {
        let upto = merged_upto(conn)?;
        let mut map = HashMap::new();
        let mut st = conn.prepare("SELECT uuid, id FROM records WHERE id > ?1")?;
        let mut rows = st.query([upto])?;
        while let Some(row) = rows.next()? {
            let uuid: Vec<u8> = row.get(0)?;
            if let Ok(uuid) = Uuid::from_slice(&uuid) {
                map.insert(uuid, row.get(1)?);
            }
        }
        Ok(RecentIds {
            map: Mutex::new(map),
            generation: AtomicU64::new(0),
            merge_at,
        })
    }

    /// Whether the map has grown enough to start a merge.
    pub fn due(&self) -> bool {
        self.len() >= self.merge_at
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, i64>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: &Uuid) -> Option<i64> {
        self.lock().get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn insert(&self, id: Uuid, rowid: i64) {
        self.lock().insert(id, rowid);
    }

    /// Forgets ids whose insert was rolled back.
    pub fn forget(&self, ids: &[Uuid]) {
        let mut map = self.lock();
        for id in ids {
            map.remove(id);
        }
    }

    /// The entries whose uuid starts with hex digit `step` and whose rowid is at most `upto`,
    /// in uuid order.
    pub fn slice(&self, step: u8, upto: i64) -> Vec<(Uuid, i64)> {
        let mut out: Vec<(Uuid, i64)> = self
            .lock()
            .iter()
            .filter(|(id, rowid)| id.as_bytes()[0] >> 4 == step && **rowid <= upto)
            .map(|(id, rowid)| (*id, *rowid))
            .collect();
        out.sort_unstable();
        out
    }

    /// The highest rowid in the map, 0 when empty.
    pub fn newest(&self) -> i64 {
        self.lock().values().copied().max().unwrap_or(0)
    }

    /// Drops entries that a committed merge step wrote to `record_ids`.
    pub fn merged(&self, entries: &[(Uuid, i64)]) {
        let mut map = self.lock();
        for (id, rowid) in entries {
            if map.get(id) == Some(rowid) {
                map.remove(id);
            }
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The rowid of record `id` as `conn` sees it now, or `None` if it does not exist (for
    /// `conn`: a reader does not see rows the writer has not committed).
    pub fn rowid(&self, conn: &Connection, id: Uuid) -> rusqlite::Result<Option<i64>> {
        loop {
            let generation = self.generation.load(Ordering::SeqCst);
            if let Some(rowid) = self.get(&id) {
                // The map is filled before the commit: check the row is visible (and is this
                // record) on this connection.
                let stored: Option<Vec<u8>> = conn
                    .prepare_cached("SELECT uuid FROM records WHERE id = ?1")?
                    .query_row([rowid], |r| r.get(0))
                    .optional()?;
                if stored.as_deref() == Some(id.as_bytes().as_slice()) {
                    return Ok(Some(rowid));
                }
            }
            let merged: Option<i64> = conn
                .prepare_cached("SELECT record_id FROM record_ids WHERE uuid = ?1")?
                .query_row([id.as_bytes()], |r| r.get(0))
                .optional()?;
            if merged.is_some() || self.generation.load(Ordering::SeqCst) == generation {
                return Ok(merged);
            }
            // A merge step moved entries out of the map meanwhile: look again.
        }
    }
}

/// `record_ids` holds every record up to this rowid.
pub fn merged_upto(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT value FROM store_state WHERE name = 'record_ids_upto'",
        [],
        |r| r.get(0),
    )
}

/// A merge of the map into `record_ids` in progress: the next step, and the rowid up to which
/// the table is complete once all sixteen steps have committed.
#[derive(Clone, Copy, Debug)]
pub struct MergeCycle {
    pub step: u8,
    pub upto: i64,
}

/// Writes one step's entries into `record_ids`, and after the last step records how far the
/// table is complete. Runs inside the writer's group transaction.
pub fn write_step(
    conn: &Connection,
    cycle: MergeCycle,
    entries: &[(Uuid, i64)],
) -> rusqlite::Result<()> {
    let mut st =
        conn.prepare_cached("INSERT OR REPLACE INTO record_ids (uuid, record_id) VALUES (?1, ?2)")?;
    for (id, rowid) in entries {
        st.execute(rusqlite::params![id.as_bytes(), rowid])?;
    }
    if cycle.step == 15 {
        conn.execute(
            "UPDATE store_state SET value = max(value, ?1) WHERE name = 'record_ids_upto'",
            [cycle.upto],
        )?;
    }
    Ok(())
}
