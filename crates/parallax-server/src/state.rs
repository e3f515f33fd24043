//! Shared state of the request handlers, and the bridge from async handlers to the blocking store.

use crate::config::Config;
use crate::error::ApiResult;
use parallax_model::Limits;
use parallax_store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Signs access tokens (HS256); kept in the data directory so tokens outlive restarts.
    pub secret: Arc<[u8]>,
    pub limits: Limits,
    pub config: Arc<Config>,
    pub rate: Arc<crate::rate::RateLimiter>,
    /// Ingest requests decoded and stored at once (see [`AppState::ingest_slot`]).
    pub ingest_slots: Arc<tokio::sync::Semaphore>,
}

/// Ingest requests that may be decoded and stored at once: one per core, plus one so that a
/// request is being decoded while another is written. Ingest is CPU-bound, so more at once only
/// hold more decoded bodies in memory (a 771 KB body is several MB as JSON values): with eight
/// clients and no bound, peak server RSS at 1M spans was 310 MB.
pub fn ingest_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) + 1
}

impl AppState {
    /// Waits for one of the [`ingest_slots`]; an ingest handler holds it from decoding its body
    /// until the store has committed the records. The body itself has been read by then.
    pub async fn ingest_slot(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.ingest_slots
            .acquire()
            .await
            .expect("the ingest semaphore is never closed")
    }

    /// Runs a store call on the blocking pool: SQLite calls block and must not stall the
    /// async workers.
    pub async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> parallax_store::StoreResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || f(&*store)).await??)
    }
}
