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
}

impl AppState {
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
