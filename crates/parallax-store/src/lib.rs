//! The store traits of Parallax: what every backend (SQLite embedded, later PostgreSQL and
//! ClickHouse) must do, in domain terms, with no SQL and no HTTP.
//!
//! Methods are synchronous: the embedded backend is SQLite, whose calls block, and the server
//! runs them on tokio's blocking pool. A network backend can block on its own runtime handle.
//! The [`conformance`] module is the one test suite every backend runs.

mod annotations;
pub mod conformance;
mod query;
mod types;

pub use annotations::*;
pub use query::*;
pub use types::*;

use uuid::Uuid;

/// Why a store call failed. Backends map their own errors into these; the server maps these to
/// HTTP statuses and never shows `Internal` text to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("store failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Projects, log streams, API keys, users and sessions: the small, rarely written tables.
pub trait ControlStore: Send + Sync {
    fn create_project(&self, name: &str, created_by: Option<Uuid>) -> StoreResult<Project>;
    fn project(&self, id: Uuid) -> StoreResult<Option<Project>>;
    fn project_by_name(&self, name: &str) -> StoreResult<Option<Project>>;
    fn projects(&self) -> StoreResult<Vec<Project>>;

    fn create_log_stream(&self, project_id: Uuid, name: &str) -> StoreResult<LogStream>;
    fn log_stream(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<LogStream>>;
    /// Streams of a project in creation order, with trace and span counts.
    fn log_streams(&self, project_id: Uuid) -> StoreResult<Vec<LogStream>>;

    fn create_api_key(&self, key: NewApiKey) -> StoreResult<ApiKey>;
    /// The live (not revoked) key whose hash is `hash`.
    fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>>;
    /// The live (not revoked) key with this id.
    fn api_key(&self, id: Uuid) -> StoreResult<Option<ApiKey>>;
    fn api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// Revokes a key by id or by its printed prefix; false when no live key matched.
    fn revoke_api_key(&self, id_or_prefix: &str) -> StoreResult<bool>;

    fn create_user(&self, user: NewUser) -> StoreResult<User>;
    fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    fn user(&self, id: Uuid) -> StoreResult<Option<User>>;
    fn users(&self) -> StoreResult<Vec<User>>;

    fn create_session(&self, session: NewSession) -> StoreResult<Session>;
    fn sessions_by_external_id(
        &self,
        log_stream_id: Uuid,
        external_id: &str,
    ) -> StoreResult<Vec<Session>>;
}

/// Traces and spans: ingestion, patching and reads by id.
pub trait RecordStore: Send + Sync {
    /// Upserts every record by id and keeps every quarantined one, atomically, and returns once
    /// the write is durable. Re-sending the same records changes nothing.
    fn ingest(&self, batch: IngestBatch) -> StoreResult<IngestSummary>;

    /// Applies a partial update to one record of the project (distributed mode's PATCH).
    /// A record that has not arrived yet is remembered and the patch applied when it does.
    fn patch_record(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        patch: RecordPatch,
    ) -> StoreResult<()>;

    fn record(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<StoredRecord>>;

    /// Every stored record of a trace (the trace itself and its spans), in creation order.
    fn trace_records(&self, project_id: Uuid, trace_id: Uuid) -> StoreResult<Vec<StoredRecord>>;

    fn quarantine(
        &self,
        project_id: Uuid,
        log_stream_id: Option<Uuid>,
        limit: usize,
    ) -> StoreResult<Vec<QuarantineEntry>>;

    fn quarantine_entry(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<QuarantineEntry>>;

    /// Stores the fixed records of a quarantined one and removes the entry, atomically.
    fn admit(
        &self,
        project_id: Uuid,
        entry_id: Uuid,
        batch: IngestBatch,
    ) -> StoreResult<IngestSummary>;
}

/// Everything a backend provides.
pub trait Store: ControlStore + RecordStore + QueryStore + AnnotationStore {}
impl<T: ControlStore + RecordStore + QueryStore + AnnotationStore> Store for T {}
