//! Review after ingestion: an append-only log of annotation events per record, with who, from
//! where and when; bulk jobs that apply events to every record a filter matched; registries of
//! the tag and metadata vocabulary.
//!
//! The values logged at ingest stay as written. The effective tags and metadata (logged values
//! with events replayed on top) are what every read, filter, group-by and export sees; backends
//! keep them materialised and indexed, updated in the same transaction as each event.

use crate::StoreResult;
use parallax_model::{Limits, MetadataKey, MetadataValue, Tag, Timestamp};
use parallax_query::{Expr, Root};
use uuid::Uuid;

/// One change to one record's tags or metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnotationOp {
    AddTag(Tag),
    RemoveTag(Tag),
    SetMetadata(MetadataKey, MetadataValue),
    UnsetMetadata(MetadataKey),
}

impl AnnotationOp {
    pub fn name(&self) -> &'static str {
        match self {
            AnnotationOp::AddTag(_) => "add_tag",
            AnnotationOp::RemoveTag(_) => "remove_tag",
            AnnotationOp::SetMetadata(..) => "set_metadata",
            AnnotationOp::UnsetMetadata(_) => "unset_metadata",
        }
    }

    /// The tag or metadata key the op touches.
    pub fn key(&self) -> &str {
        match self {
            AnnotationOp::AddTag(t) | AnnotationOp::RemoveTag(t) => t.as_str(),
            AnnotationOp::SetMetadata(k, _) | AnnotationOp::UnsetMetadata(k) => k.as_str(),
        }
    }

    pub fn value(&self) -> Option<&str> {
        match self {
            AnnotationOp::SetMetadata(_, v) => Some(v.as_str()),
            _ => None,
        }
    }
}

/// Who made a change: a console user or an API key, as a printable label (`user:ana@x.org`,
/// `key:plx_1a2b3c4d`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

/// A recorded event. `previous` is the state the event replaced (the old metadata value, or
/// `"present"`/`"absent"` for a tag), which is what undo restores.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationEvent {
    pub id: Uuid,
    pub record_id: Uuid,
    pub op: String,
    pub key: String,
    pub value: Option<String>,
    pub previous: Option<String>,
    pub actor: String,
    pub source: String,
    pub at: Timestamp,
    /// The event this one undid, if it is an undo.
    pub undoes: Option<Uuid>,
    pub job: Option<Uuid>,
}

/// A bulk annotation job: ops applied to every record that matched a filter when it started.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkJob {
    pub id: Uuid,
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub root: String,
    pub query: String,
    /// The ops as JSON (`[{"op": "add_tag", "key": "reviewed"}]`).
    pub ops: serde_json::Value,
    /// `running`, `done`, `failed` or `undone`.
    pub state: String,
    pub total: u64,
    pub done: u64,
    pub actor: String,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// For an undo job, the job it undoes.
    pub undo_of: Option<Uuid>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewBulkJob {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub root: String,
    pub query: String,
    pub ops: serde_json::Value,
    pub actor: String,
    pub undo_of: Option<Uuid>,
}

/// A registry entry for a tag of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct TagInfo {
    pub tag: String,
    pub description: Option<String>,
    pub colour: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    pub key: String,
    pub description: Option<String>,
}

pub trait AnnotationStore: Send + Sync {
    /// Applies `ops` to one record (a trace, span or session's trace) of the project, in order,
    /// checking the count limits on the result. All or nothing.
    fn annotate(
        &self,
        project_id: Uuid,
        record_id: Uuid,
        ops: Vec<AnnotationOp>,
        actor: Actor,
        source: crate::Source,
        limits: Limits,
    ) -> StoreResult<Vec<AnnotationEvent>>;

    /// Applies `ops` to many records in one transaction; a record that would break a count limit
    /// is skipped and reported by id. Returns (events written, skipped record ids).
    fn annotate_many(
        &self,
        project_id: Uuid,
        record_ids: Vec<Uuid>,
        ops: Vec<AnnotationOp>,
        actor: Actor,
        source: crate::Source,
        limits: Limits,
    ) -> StoreResult<(u64, Vec<Uuid>)>;

    /// The history of one record, oldest first.
    fn annotations(&self, project_id: Uuid, record_id: Uuid) -> StoreResult<Vec<AnnotationEvent>>;

    /// Appends the inverse of an event (restoring the state it replaced) and returns it.
    fn undo_annotation(
        &self,
        project_id: Uuid,
        event_id: Uuid,
        actor: Actor,
        source: crate::Source,
    ) -> StoreResult<AnnotationEvent>;

    /// Appends the inverses of up to `limit` events of `job` after event position `after`
    /// (newest first), tagging them with `undo_job`. Returns (inverses written, position to
    /// continue from, or `None` when finished).
    fn undo_job_chunk(
        &self,
        project_id: Uuid,
        job: Uuid,
        undo_job: Uuid,
        actor: Actor,
        after: Option<i64>,
        limit: usize,
    ) -> StoreResult<(u64, Option<i64>)>;

    /// Ids of every record of `root` in the stream matching `filter`, newest first.
    fn matching_ids(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
    ) -> StoreResult<Vec<Uuid>>;

    fn create_job(&self, job: NewBulkJob) -> StoreResult<BulkJob>;
    fn update_job(
        &self,
        id: Uuid,
        state: &str,
        total: u64,
        done: u64,
        error: Option<String>,
    ) -> StoreResult<()>;
    fn job(&self, project_id: Uuid, id: Uuid) -> StoreResult<Option<BulkJob>>;
    fn jobs(&self, project_id: Uuid, limit: usize) -> StoreResult<Vec<BulkJob>>;

    fn tag_registry(&self, project_id: Uuid) -> StoreResult<Vec<TagInfo>>;
    fn set_tag_info(&self, project_id: Uuid, info: TagInfo) -> StoreResult<()>;
    fn key_registry(&self, project_id: Uuid) -> StoreResult<Vec<KeyInfo>>;
    fn set_key_info(&self, project_id: Uuid, info: KeyInfo) -> StoreResult<()>;

    /// The project's PII policy (`warn`, `redact` or `reject`).
    fn pii_policy(&self, project_id: Uuid) -> StoreResult<String>;
    fn set_pii_policy(&self, project_id: Uuid, policy: &str) -> StoreResult<()>;
}
