//! Values that cross the store boundary: control-plane rows, ingest batches, patches and reads.

use parallax_model::wire::galileo::Quarantined;
use parallax_model::{Record, Tag, Timestamp, Violation};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogStream {
    pub id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub num_traces: u64,
    pub num_spans: u64,
}

/// What a key or a console user may do. Annotators may annotate but not manage keys or delete;
/// viewers only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Annotator,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Annotator => "annotator",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "annotator" => Some(Role::Annotator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// An API key as stored: only a hash of the secret, never the secret itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the key, shown so people can tell keys apart.
    pub prefix: String,
    pub role: Role,
    /// `None`: every project. `Some(ids)`: only these.
    pub projects: Option<Vec<Uuid>>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn may_access(&self, project_id: Uuid) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|ids| ids.contains(&project_id))
    }
}

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub hash: Vec<u8>,
    pub role: Role,
    pub projects: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// An Argon2 PHC string.
    pub password_hash: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: Uuid,
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub name: Option<String>,
    pub external_id: Option<String>,
    pub previous_session_id: Option<Uuid>,
    pub metadata: Value,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub name: Option<String>,
    pub external_id: Option<String>,
    pub previous_session_id: Option<Uuid>,
    pub metadata: Value,
}

/// Which surface a write came from, recorded with annotation events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Sdk,
    Otel,
    Console,
    Api,
    Bulk(Uuid),
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::Sdk => "sdk".into(),
            Source::Otel => "otel".into(),
            Source::Console => "console".into(),
            Source::Api => "api".into(),
            Source::Bulk(job) => format!("bulk:{job}"),
        }
    }
}

/// Records and quarantined records of one request, for one log stream.
#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub records: Vec<Record>,
    pub quarantined: Vec<Quarantined>,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestSummary {
    /// Records written (new or replacing an earlier copy).
    pub stored: usize,
    /// Of those, records whose id already existed (re-sends and updates).
    pub existing: usize,
    pub quarantined: usize,
}

/// A partial update of one record; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordPatch {
    pub id: Uuid,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub status_code: Option<i64>,
    pub duration_ns: Option<i64>,
    /// Replaces the logged tags.
    pub tags: Option<Vec<Tag>>,
    pub is_complete: Option<bool>,
}

/// A record with the ids of where it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub record: Record,
}

/// A record kept aside for breaking a rule, as listed through the API and the console.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineEntry {
    pub id: Uuid,
    pub record_id: Uuid,
    pub log_stream_id: Uuid,
    /// Where the record sits in its tree, as the request implied (kept so it can be admitted).
    pub trace_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub record_type: String,
    pub path: String,
    pub raw: Value,
    pub violations: Vec<Violation>,
    pub received_at: Timestamp,
}
