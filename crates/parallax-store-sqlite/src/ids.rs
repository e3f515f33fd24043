//! Finding records by uuid (a record's id, a trace's records) without random-uuid B-trees on the
//! ingest path.
//!
//! Record and trace ids are random (the SDK's uuid4s), so a B-tree keyed on them takes each
//! insert at a random leaf: at 1M spans nearly every record dirtied a page of its own in each of
//! the two indexes, which every commit wrote to the WAL and every checkpoint copied back
//! (storage-notes.md: "random-uuid B-trees outgrow the cache and slow every layout"; measured
//! here: ingest at 1M spans doubled without them). So each lookup has two levels:
//!
//! - two WITHOUT ROWID tables, `record_ids (uuid → record_id)` and
//!   `trace_ids (trace_uuid, record_id)`, holding every record whose rowid is at most
//!   `store_state.record_ids_upto`, and maybe some newer ones;
//! - [`RecentIds`], in memory, the same two mappings for the records inserted since, shared by
//!   the writer (which fills it as it inserts) and the readers.
//!
//! When the map holds [`MERGE_AT`] records (and a [`MERGE_FRACTION`] of what the tables hold, so
//! that a big store merges less often), the writer folds it into the tables in sixteen steps,
//! one per group commit, each step the entries whose uuid starts with one hex digit, in uuid
//! order: a step touches a sixteenth of each table's leaves once, instead of a leaf per record.
//! Entries leave the map only after the step that wrote them has committed, so a lookup that
//! misses the map (and then reads the tables in a newer snapshot) finds them in the tables. At
//! startup the map is rebuilt from the records after `record_ids_upto`.
//!
//! Invariant: every record is in `record_ids` or in the map (or both), and likewise for its
//! trace in `trace_ids`. Records are never deleted and their uuid never changes, so a rowid once
//! found stays right; a record whose trace changes is added under its new trace, and readers
//! check `records.trace_uuid`, so the stale entry is harmless.

use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Records in the map that start a merge into the tables (about 12 MB of map).
pub const MERGE_AT: usize = 200_000;

/// A merge also waits until the map holds this fraction of the records the tables hold
/// (1/16): a merge cycle touches every leaf of both tables once, so with a fixed
/// [`MERGE_AT`] its cost per merged record would grow with the store (at 15M spans, 1.3 pages
/// written per record instead of 0.1); with the map a fixed fraction of the tables it stays at
/// about 0.25, for about 55 MB of map at 15M spans.
pub const MERGE_FRACTION: i64 = 16;

#[derive(Default)]
struct Maps {
    records: HashMap<Uuid, i64>,
    traces: HashMap<Uuid, Vec<i64>>,
}

/// The ids of the records inserted since the last merge.
pub struct RecentIds {
    maps: Mutex<Maps>,
    /// Records that start a merge: [`MERGE_AT`], smaller in tests.
    merge_at: usize,
    /// The rowid up to which the tables are complete (`store_state.record_ids_upto`).
    merged_upto: AtomicI64,
}

/// Entries of the map: (record uuid, rowid) and (trace uuid, rowid) pairs.
#[derive(Default, Debug)]
pub struct Entries {
    pub records: Vec<(Uuid, i64)>,
    pub traces: Vec<(Uuid, i64)>,
}

impl Entries {
    /// How many of each there are, to roll back to with [`Entries::split_off`].
    pub fn mark(&self) -> (usize, usize) {
        (self.records.len(), self.traces.len())
    }

    pub fn split_off(&mut self, at: (usize, usize)) -> Entries {
        Entries {
            records: self.records.split_off(at.0),
            traces: self.traces.split_off(at.1),
        }
    }
}

impl RecentIds {
    /// Rebuilds the map from the records the tables do not cover yet.
    pub fn load(conn: &Connection, merge_at: usize) -> rusqlite::Result<RecentIds> {
        let upto = merged_upto(conn)?;
        let ids = RecentIds {
            maps: Mutex::default(),
            merge_at,
            merged_upto: AtomicI64::new(upto),
        };
        let mut st =
            conn.prepare("SELECT uuid, trace_uuid, id FROM records WHERE id > ?1 ORDER BY id")?;
        let mut rows = st.query([upto])?;
        while let Some(row) = rows.next()? {
            let (id, trace): (Vec<u8>, Vec<u8>) = (row.get(0)?, row.get(1)?);
            if let (Ok(id), Ok(trace)) = (Uuid::from_slice(&id), Uuid::from_slice(&trace)) {
                let rowid = row.get(2)?;
                ids.insert(id, rowid);
                ids.insert_trace(trace, rowid);
            }
        }
        Ok(ids)
    }

    fn lock(&self) -> MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the map has grown enough to start a merge: [`MERGE_AT`] records, and a
    /// [`MERGE_FRACTION`] of what the tables hold.
    pub fn due(&self) -> bool {
        let tables = self.merged_upto.load(Ordering::Relaxed);
        let threshold = (self.merge_at as i64).max(tables / MERGE_FRACTION);
        self.lock().records.len() as i64 >= threshold
    }

    /// Notes that a merge cycle committed: the tables hold every record up to `upto`.
    pub fn merged(&self, upto: i64) {
        self.merged_upto.fetch_max(upto, Ordering::Relaxed);
    }

    /// Notes record `id` at `rowid`.
    pub fn insert(&self, id: Uuid, rowid: i64) {
        self.lock().records.insert(id, rowid);
    }

    /// Notes that `rowid` belongs to trace `trace`; false when that was known already.
    pub fn insert_trace(&self, trace: Uuid, rowid: i64) -> bool {
        let mut maps = self.lock();
        let rows = maps.traces.entry(trace).or_default();
        let new = !rows.contains(&rowid);
        if new {
            rows.push(rowid);
        }
        new
    }

    /// Forgets entries whose write was rolled back, or that a committed merge step wrote to the
    /// tables.
    pub fn forget(&self, entries: &Entries) {
        let mut maps = self.lock();
        for (id, rowid) in &entries.records {
            if maps.records.get(id) == Some(rowid) {
                maps.records.remove(id);
            }
        }
        for (trace, rowid) in &entries.traces {
            if let Some(rows) = maps.traces.get_mut(trace) {
                rows.retain(|r| r != rowid);
                if rows.is_empty() {
                    maps.traces.remove(trace);
                }
            }
        }
    }

    /// The record entries whose uuid, and the trace entries whose trace uuid, start with hex
    /// digit `step`, among rowids up to `upto`; each list in key order.
    pub fn slice(&self, step: u8, upto: i64) -> Entries {
        let in_step = |id: &Uuid| id.as_bytes()[0] >> 4 == step;
        let maps = self.lock();
        let mut records: Vec<(Uuid, i64)> = maps
            .records
            .iter()
            .filter(|(id, rowid)| in_step(id) && **rowid <= upto)
            .map(|(id, rowid)| (*id, *rowid))
            .collect();
        let mut traces: Vec<(Uuid, i64)> = maps
            .traces
            .iter()
            .filter(|(trace, _)| in_step(trace))
            .flat_map(|(trace, rows)| rows.iter().map(move |r| (*trace, *r)))
            .filter(|(_, rowid)| *rowid <= upto)
            .collect();
        drop(maps);
        records.sort_unstable();
        traces.sort_unstable();
        Entries { records, traces }
    }

    /// The highest rowid in the map, 0 when empty.
    pub fn newest(&self) -> i64 {
        self.lock().records.values().copied().max().unwrap_or(0)
    }

    /// The rowid of record `id` as `conn` sees it now, or `None` if it does not exist (for
    /// `conn`: a reader does not see rows the writer has not committed).
    pub fn rowid(&self, conn: &Connection, id: Uuid) -> rusqlite::Result<Option<i64>> {
        let recent = self.lock().records.get(&id).copied();
        if let Some(rowid) = recent {
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
        // Read after the map: an entry a merge step moved out of the map was committed to the
        // table first, and this statement's snapshot is newer than that commit.
        conn.prepare_cached("SELECT record_id FROM record_ids WHERE uuid = ?1")?
            .query_row([id.as_bytes()], |r| r.get(0))
            .optional()
    }

    /// The rowids that may hold records of trace `trace`, in order; callers check
    /// `records.trace_uuid`, since a row may have moved to another trace or not be visible yet.
    pub fn trace_rowids(&self, conn: &Connection, trace: Uuid) -> rusqlite::Result<Vec<i64>> {
        let mut rows = self.lock().traces.get(&trace).cloned().unwrap_or_default();
        let mut st =
            conn.prepare_cached("SELECT record_id FROM trace_ids WHERE trace_uuid = ?1")?;
        for r in st.query_map([trace.as_bytes()], |r| r.get(0))? {
            rows.push(r?);
        }
        rows.sort_unstable();
        rows.dedup();
        Ok(rows)
    }
}

/// The tables hold every record up to this rowid.
pub fn merged_upto(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT value FROM store_state WHERE name = 'record_ids_upto'",
        [],
        |r| r.get(0),
    )
}

/// A merge of the map into the tables in progress: the next step, and the rowid up to which the
/// tables are complete once all sixteen steps have committed.
#[derive(Clone, Copy, Debug)]
pub struct MergeCycle {
    pub step: u8,
    pub upto: i64,
}

/// Writes one step's entries into the tables, and after the last step records how far they are
/// complete. Runs inside the writer's group transaction. Returns the entries to forget once
/// the transaction has committed.
pub fn write_step(
    conn: &Connection,
    ids: &RecentIds,
    cycle: MergeCycle,
) -> rusqlite::Result<Entries> {
    let entries = ids.slice(cycle.step, cycle.upto);
    let mut st =
        conn.prepare_cached("INSERT OR REPLACE INTO record_ids (uuid, record_id) VALUES (?1, ?2)")?;
    for (id, rowid) in &entries.records {
        st.execute(rusqlite::params![id.as_bytes(), rowid])?;
    }
    let mut st = conn.prepare_cached(
        "INSERT OR IGNORE INTO trace_ids (trace_uuid, record_id) VALUES (?1, ?2)",
    )?;
    for (trace, rowid) in &entries.traces {
        st.execute(rusqlite::params![trace.as_bytes(), rowid])?;
    }
    if cycle.step == 15 {
        conn.execute(
            "UPDATE store_state SET value = max(value, ?1) WHERE name = 'record_ids_upto'",
            [cycle.upto],
        )?;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_waits_for_a_fraction_of_what_the_tables_hold() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::schema::migrate(&mut conn).unwrap();
        let ids = RecentIds::load(&conn, 8).unwrap();
        let add = |n: i64| {
            for i in 0..n {
                ids.insert(Uuid::new_v4(), 1_000 + i);
            }
        };
        add(7);
        assert!(!ids.due(), "7 of 8");
        add(1);
        assert!(ids.due(), "8 records start a merge into empty tables");

        // Tables holding 1,600 records: a merge waits for 100 in the map.
        ids.merged(1_600);
        assert!(!ids.due());
        add(91);
        assert!(!ids.due(), "99 records");
        add(1);
        assert!(ids.due(), "100 records");
        // A smaller figure reported later (a cycle that started earlier) does not lower the bar.
        ids.merged(3_200);
        assert!(!ids.due(), "100 records, 200 needed");
        ids.merged(800);
        assert!(!ids.due(), "still 200 needed");
    }
}
