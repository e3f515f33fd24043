//! Reads through the one filter model: search, count, group-by aggregates, and the vocabulary
//! (metadata keys, their values, tags) that the console suggests and Galileo's
//! `available_columns` lists.

use crate::{StoreResult, StoredRecord};
use parallax_model::Timestamp;
use parallax_query::{Expr, Root, Sort};
use uuid::Uuid;

/// What to search: one log stream, traces or spans or sessions, a filter, an order and a page.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub root: Root,
    pub filter: Option<Expr>,
    pub sort: Sort,
    pub limit: usize,
    pub page: Page,
}

/// Where a page starts: an offset (Galileo's `starting_token`) or an opaque cursor returned by
/// the previous page, which stays fast however deep the page is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Offset(usize),
    Cursor(String),
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub records: Vec<StoredRecord>,
    /// The offset of the next page, if there is one.
    pub next_offset: Option<usize>,
    /// A cursor for the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// A session as search lists it: the session row (if one was created explicitly) and its traces.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    pub id: Uuid,
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub name: Option<String>,
    pub external_id: Option<String>,
    pub metadata: serde_json::Value,
    pub created_at: Timestamp,
    pub num_traces: u64,
}

#[derive(Debug, Clone)]
pub struct SessionPage {
    pub sessions: Vec<SessionSummary>,
    pub next_offset: Option<usize>,
}

/// What to group by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    Tag,
    Metadata(String),
    Model,
    Type,
    StatusCode,
}

#[derive(Debug, Clone)]
pub struct AggregateRequest {
    pub project_id: Uuid,
    pub log_stream_id: Uuid,
    pub root: Root,
    pub filter: Option<Expr>,
    pub group_by: GroupBy,
    /// Keep this many groups (by count); the rest are summed into `other`.
    pub top: usize,
    /// When set, each group also gets a series of time buckets of this many microseconds.
    pub interval_us: Option<i64>,
}

/// Latency percentiles in nanoseconds over the records that have a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Percentiles {
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    pub p99: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenSums {
    pub input: i64,
    pub output: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start: Timestamp,
    pub count: u64,
    pub errors: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The tag, metadata value, model, type or status code; `None` for records without one.
    pub key: Option<String>,
    pub count: u64,
    /// Records with a status code of 400 or more.
    pub errors: u64,
    pub latency_ns: Percentiles,
    pub tokens: TokenSums,
    pub series: Vec<Bucket>,
}

impl Group {
    pub fn error_rate(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.errors as f64 / self.count as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub groups: Vec<Group>,
    /// Everything past the top N, summed; percentiles computed over those records together.
    pub other: Option<Group>,
}

/// Backends stop counting a key's distinct values here; a key reported with this many may have
/// more.
pub const DISTINCT_VALUES_CAP: u64 = 10_000;

/// A metadata key seen in a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataKeyStats {
    pub key: String,
    /// How many records carry it.
    pub records: u64,
    /// At most [`DISTINCT_VALUES_CAP`].
    pub distinct_values: u64,
    /// `number` when every value parses as a number, `boolean` for true/false, `timestamp` for
    /// ISO dates, else `string`.
    pub observed_type: &'static str,
}

pub trait QueryStore: Send + Sync {
    fn search(&self, req: &SearchRequest) -> StoreResult<SearchPage>;
    /// How many records of `root` in the stream match `filter`.
    fn count(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        root: Root,
        filter: Option<&Expr>,
    ) -> StoreResult<u64>;
    fn search_sessions(&self, req: &SearchRequest) -> StoreResult<SessionPage>;
    fn aggregate(&self, req: &AggregateRequest) -> StoreResult<Aggregate>;
    fn metadata_keys(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
    ) -> StoreResult<Vec<MetadataKeyStats>>;
    /// The most frequent values of one key (optionally starting with `prefix`), with counts.
    fn metadata_values(
        &self,
        project_id: Uuid,
        log_stream_id: Uuid,
        key: &str,
        prefix: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<(String, u64)>>;
    /// Tags used in the stream with how many records carry each, most used first.
    fn tags(&self, project_id: Uuid, log_stream_id: Uuid) -> StoreResult<Vec<(String, u64)>>;
}
