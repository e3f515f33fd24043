//! The single writer thread and its group commit.

use crate::ids::{Entries, MergeCycle, RecentIds};
use crate::intern::Interner;
use parallax_store::{StoreError, StoreResult};
use rusqlite::Connection;
use std::sync::{mpsc, Arc};
use uuid::Uuid;

/// The writer thread's name (at most 15 bytes, Linux's limit), which `parallax bench` looks
/// for to report the single writer's CPU time.
pub const WRITER_THREAD: &str = "plx-sqlite-wr";

/// How many queued jobs one transaction takes at most. Bounded so one commit stays short and a
/// slow job cannot hold many callers.
const MAX_GROUP: usize = 64;

/// A job runs on the writer and returns whether it failed and what to tell its caller once the
/// commit outcome is known.
type Job = Box<dyn FnOnce(&mut Writer) -> (bool, Reply) + Send>;
type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The state owned by the writer thread: the connection and the caches of interned ids.
pub struct Writer {
    pub conn: Connection,
    pub interner: Interner,
    /// Whether any patch waits for a record that has not arrived; skips a lookup per insert
    /// when none does (the common case).
    pub pending_patches: bool,
    /// Record ids inserted since the last merge into `record_ids` (see ids.rs).
    pub ids: Arc<RecentIds>,
    /// Entries put in `ids` by the open transaction, taken out again if it rolls back.
    uncommitted: Entries,
    /// The merge of `ids` into `record_ids` in progress, if any.
    merge: Option<MergeCycle>,
    /// Whether jobs run in savepoints: when more than one shares the transaction.
    isolate: bool,
}

#[derive(Clone)]
pub struct Handle {
    jobs: mpsc::SyncSender<Job>,
}

impl Writer {
    pub fn spawn(conn: Connection, ids: Arc<RecentIds>) -> Handle {
        let pending: i64 = conn
            .query_row("SELECT count(*) FROM pending_patches", [], |r| r.get(0))
            .unwrap_or(0);
        let (tx, rx) = mpsc::sync_channel::<Job>(1024);
        let mut writer = Writer {
            conn,
            interner: Interner::default(),
            pending_patches: pending > 0,
            ids,
            uncommitted: Entries::default(),
            merge: None,
            isolate: true,
        };
        std::thread::Builder::new()
            .name(WRITER_THREAD.into())
            .spawn(move || writer.serve(rx))
            .expect("spawn the writer thread");
        Handle { jobs: tx }
    }

    fn serve(&mut self, rx: mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            self.run_group(group);
        }
    }

    fn run_group(&mut self, group: Vec<Job>) {
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs unblocks their callers with an error.
            tracing::error!(error = %e, "cannot begin a write transaction");
            return;
        }
        let mut merged = self.merge_step();
        // A job alone in its transaction needs no savepoint: if it fails, the whole transaction
        // is rolled back instead. The savepoint's journal cost a tenth of the writer's time.
        self.isolate = group.len() > 1;
        let mut replies = Vec::with_capacity(group.len());
        let mut failed_alone = false;
        for job in group {
            let (failed, reply) = job(self);
            failed_alone |= failed && !self.isolate;
            replies.push(reply);
        }
        let outcome = if failed_alone {
            self.rollback();
            merged = None;
            Ok(())
        } else {
            self.conn.execute_batch("COMMIT").map_err(|e| {
                tracing::error!(error = %e, "commit failed");
                self.rollback();
                e.to_string()
            })
        };
        if let (Ok(()), Some((cycle, entries))) = (&outcome, merged) {
            self.ids.forget(&entries);
            if cycle.step == 15 {
                self.ids.merged(cycle.upto);
            }
            self.merge = (cycle.step < 15).then_some(MergeCycle {
                step: cycle.step + 1,
                ..cycle
            });
        }
        self.uncommitted = Entries::default();
        for reply in replies {
            reply(outcome.clone());
        }
    }

    /// Rolls back the open transaction and forgets what it added to the caches.
    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
        self.interner.clear();
        self.ids.forget(&self.uncommitted);
        self.uncommitted = Entries::default();
    }

    /// Writes the next step of a merge of the recent ids into `record_ids`, starting a merge
    /// when the map has grown to [`crate::ids::MERGE_AT`]. The entries leave the map once this commits.
    fn merge_step(&mut self) -> Option<(MergeCycle, Entries)> {
        if self.merge.is_none() && self.ids.due() {
            self.merge = Some(MergeCycle {
                step: 0,
                upto: self.ids.newest(),
            });
        }
        let cycle = self.merge?;
        match crate::ids::write_step(&self.conn, &self.ids, cycle) {
            Ok(entries) => Some((cycle, entries)),
            Err(e) => {
                // What was written is correct, just incomplete; the step runs again next time.
                tracing::error!(error = %e, step = cycle.step, "merging record ids failed");
                None
            }
        }
    }

    /// Notes that record `id` of trace `trace` was written at `rowid` in the open
    /// transaction (`new`: inserted, rather than rewritten in place).
    pub fn placed(&mut self, new: bool, id: Uuid, trace: Uuid, rowid: i64) {
        if new {
            self.ids.insert(id, rowid);
            self.uncommitted.records.push((id, rowid));
        }
        if self.ids.insert_trace(trace, rowid) {
            self.uncommitted.traces.push((trace, rowid));
        }
    }

    /// Runs `f` so that its failure undoes only its own changes: inside a savepoint when other
    /// jobs share the transaction; alone, the caller rolls the transaction back.
    fn run_one<T>(&mut self, f: impl FnOnce(&mut Writer) -> StoreResult<T>) -> StoreResult<T> {
        if !self.isolate {
            return f(self);
        }
        self.conn
            .execute_batch("SAVEPOINT job")
            .map_err(crate::internal)?;
        let mark = self.uncommitted.mark();
        let out = f(self);
        match &out {
            Ok(_) => self
                .conn
                .execute_batch("RELEASE job")
                .map_err(crate::internal)?,
            Err(_) => {
                self.conn
                    .execute_batch("ROLLBACK TO job; RELEASE job")
                    .map_err(crate::internal)?;
                // Ids interned by the failed job were rolled back with it, and so were its
                // records.
                self.interner.clear();
                let undone = self.uncommitted.split_off(mark);
                self.ids.forget(&undone);
            }
        }
        out
    }
}

impl Handle {
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (tx, rx) = mpsc::sync_channel::<StoreResult<T>>(1);
        let job: Job = Box::new(move |w: &mut Writer| {
            let result = w.run_one(f);
            let failed = result.is_err();
            let reply: Reply = Box::new(move |commit: Result<(), String>| {
                let answer = match commit {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Internal(e)),
                };
                let _ = tx.send(answer);
            });
            (failed, reply)
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Internal("the writer thread has stopped".into()))?;
        rx.recv()
            .map_err(|_| StoreError::Internal("the write was not answered".into()))?
    }
}
