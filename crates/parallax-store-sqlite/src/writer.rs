//! The single writer thread and its group commit.

use crate::ids::{MergeCycle, RecentIds};
use crate::intern::Interner;
use parallax_store::{StoreError, StoreResult};
use rusqlite::Connection;
use std::sync::{mpsc, Arc};
use uuid::Uuid;

/// How many queued jobs one transaction takes at most. Bounded so one commit stays short and a
/// slow job cannot hold many callers.
const MAX_GROUP: usize = 64;

/// A job runs on the writer and returns what to tell its caller once the commit outcome is known.
type Job = Box<dyn FnOnce(&mut Writer) -> Reply + Send>;
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
    /// Ids put in `ids` by the open transaction, taken out again if it rolls back.
    uncommitted: Vec<Uuid>,
    /// The merge of `ids` into `record_ids` in progress, if any.
    merge: Option<MergeCycle>,
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
            uncommitted: Vec::new(),
            merge: None,
        };
        std::thread::Builder::new()
            .name("parallax-sqlite-writer".into())
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
        let merged = self.merge_step();
        let mut replies = Vec::with_capacity(group.len());
        for job in group {
            replies.push(job(self));
        }
        let outcome = self.conn.execute_batch("COMMIT").map_err(|e| {
            tracing::error!(error = %e, "commit failed");
            let _ = self.conn.execute_batch("ROLLBACK");
            self.interner.clear();
            e.to_string()
        });
        match (&outcome, merged) {
            (Ok(()), Some((cycle, entries))) => {
                self.ids.merged(&entries);
                self.merge = (cycle.step < 15).then_some(MergeCycle {
                    step: cycle.step + 1,
                    ..cycle
                });
            }
            (Ok(()), None) => {}
            (Err(_), _) => self.ids.forget(&self.uncommitted),
        }
        self.uncommitted.clear();
        for reply in replies {
            reply(outcome.clone());
        }
    }

    /// Writes the next step of a merge of the recent ids into `record_ids`, starting a merge
    /// when the map has grown to [`crate::ids::MERGE_AT`]. The entries leave the map once this commits.
    fn merge_step(&mut self) -> Option<(MergeCycle, Vec<(Uuid, i64)>)> {
        if self.merge.is_none() && self.ids.due() {
            self.merge = Some(MergeCycle {
                step: 0,
                upto: self.ids.newest(),
            });
        }
        let cycle = self.merge?;
        let entries = self.ids.slice(cycle.step, cycle.upto);
        match crate::ids::write_step(&self.conn, cycle, &entries) {
            Ok(()) => Some((cycle, entries)),
            Err(e) => {
                // What was written is correct, just incomplete; the step runs again next time.
                tracing::error!(error = %e, step = cycle.step, "merging record ids failed");
                None
            }
        }
    }

    /// Notes that record `id` was inserted at `rowid` in the open transaction.
    pub fn inserted(&mut self, id: Uuid, rowid: i64) {
        self.ids.insert(id, rowid);
        self.uncommitted.push(id);
    }

    /// Runs `f` inside a savepoint so that its failure undoes only its own changes.
    fn run_one<T>(&mut self, f: impl FnOnce(&mut Writer) -> StoreResult<T>) -> StoreResult<T> {
        self.conn
            .execute_batch("SAVEPOINT job")
            .map_err(crate::internal)?;
        let mark = self.uncommitted.len();
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
                self.ids.forget(&self.uncommitted[mark..]);
                self.uncommitted.truncate(mark);
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
            Box::new(move |commit: Result<(), String>| {
                let answer = match commit {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Internal(e)),
                };
                let _ = tx.send(answer);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Internal("the writer thread has stopped".into()))?;
        rx.recv()
            .map_err(|_| StoreError::Internal("the write was not answered".into()))?
    }
}
